/*
 * Live uplinks for the emulated Network Server (README "Uplinks"): an admin
 * route stands in for a gateway forwarding a PHYPayload. As TTS's NS
 * (pkg/networkserver/grpc_gsns.go HandleUplink, matchAndHandleDataUplink):
 * only a connected gateway of this deployment forwards; the NS looks the
 * DevAddr up among the sessions, reconstructs the 32-bit FCnt from the 16
 * bits on air (above session.last_f_cnt_up, within MAX_FCNT_GAP for a
 * rollover), checks the MIC (LoRaWAN 1.0.x B0 with the NwkSKey; 1.1 the
 * cmacS|cmacF form) and, on success, stores the FCnt and appends to
 * mac_state.recent_uplinks (at most 20, gateways.md §5.1). The crypto is the
 * emulator's own (lw_crypto.c), not the tool's.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu.h"
#include "gw.h"
#include "lw_crypto.h"

#define RECENT_UPLINKS 20     /* grpc_gsns.go recentUplinkCount */
#define MAX_FCNT_GAP   16384u /* LoRaWAN 1.0.x MAX_FCNT_GAP */
#define UPLINK_LOG_MAX 10000
#define PB_GATEWAY_ID  "packetbroker" /* pkg/packetbroker/ids.go */

/* The uplink log and counts of this process: {"devices":{"app/dev":{…}},"log":[…]}. */
static pthread_mutex_t ul_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *ul_devices, *ul_log, *ul_reasons;

static void ul_record(const char *gw, const char *dev_addr, long long fcnt, const char *devkey,
		      const char *reason, json_t *candidates)
{
	pthread_mutex_lock(&ul_lock);
	if (!ul_devices) {
		ul_devices = json_object();
		ul_log = json_array();
		ul_reasons = json_object();
	}
	char now[32];
	emu_now(now);
	json_t *row = json_pack("{s:s, s:s, s:b}", "received_at", now, "gateway_id", gw, "accepted",
				reason == NULL);
	if (dev_addr)
		json_object_set_new(row, "dev_addr", json_string(dev_addr));
	if (fcnt >= 0)
		json_object_set_new(row, "f_cnt", json_integer(fcnt));
	if (devkey)
		json_object_set_new(row, "device", json_string(devkey));
	if (reason) {
		json_object_set_new(row, "reason", json_string(reason));
		json_t *n = json_object_get(ul_reasons, reason);
		json_object_set_new(ul_reasons, reason,
				    json_integer(n ? json_integer_value(n) + 1 : 1));
	}
	/* Counts per device: the one that accepted, or every device the DevAddr named. */
	json_t *who = json_array();
	if (devkey)
		json_array_append_new(who, json_string(devkey));
	else if (candidates)
		json_array_extend(who, candidates);
	size_t i;
	json_t *k;
	json_array_foreach(who, i, k)
	{
		const char *key = json_string_value(k);
		json_t *d = json_object_get(ul_devices, key);
		if (!d) {
			d = json_pack("{s:i, s:i}", "accepted", 0, "refused", 0);
			json_object_set_new(ul_devices, key, d);
		}
		const char *f = reason ? "refused" : "accepted";
		json_object_set_new(d, f,
				    json_integer(json_integer_value(json_object_get(d, f)) + 1));
		if (!reason)
			json_object_set_new(d, "last_f_cnt_up", json_integer(fcnt));
	}
	json_decref(who);
	if (json_array_size(ul_log) >= UPLINK_LOG_MAX)
		json_array_remove(ul_log, 0);
	json_array_append_new(ul_log, row);
	pthread_mutex_unlock(&ul_lock);
}

static json_t *ul_dump(bool clear)
{
	pthread_mutex_lock(&ul_lock);
	json_t *out = json_pack("{s:O*, s:O*, s:O*}", "devices", ul_devices, "refused", ul_reasons,
				"log", ul_log);
	if (!json_object_get(out, "devices")) {
		json_decref(out);
		out = json_pack("{s:{}, s:{}, s:[]}", "devices", "refused", "log");
	}
	if (clear) {
		json_decref(ul_devices);
		json_decref(ul_log);
		json_decref(ul_reasons);
		ul_devices = ul_log = ul_reasons = NULL;
	}
	pthread_mutex_unlock(&ul_lock);
	return out;
}

/* The gateway exists (not deleted) and has a live connection; *no_pb: its
 * disable_packet_broker_forwarding. */
static const char *gateway_check(struct emu *e, const char *gw, json_t **eui, bool *no_pb)
{
	const char *why = NULL;
	pthread_rwlock_rdlock(&e->gw->lock);
	json_t *g = json_object_get(e->gw->gws, gw);
	json_t *st = json_object_get(e->gw->stats, gw);
	if (!g || json_object_get(g, "deleted_at"))
		why = "gateway_not_found";
	else if (!st || !json_object_get(st, "connected_at"))
		why = "gateway_not_connected";
	else {
		*eui = json_incref(json_object_get(json_object_get(g, "ids"), "eui"));
		*no_pb = json_is_true(json_object_get(g, "disable_packet_broker_forwarding"));
	}
	pthread_rwlock_unlock(&e->gw->lock);
	return why;
}

/* The Gateway Server counts every uplink a connected gateway forwards,
 * whatever the NS makes of it (GatewayConnectionStats.uplink_count, a
 * uint64: a JSON string in TTS's encoding). */
static void gateway_count_uplink(struct emu *e, const char *gw)
{
	char now[32];
	emu_now(now);
	pthread_rwlock_wrlock(&e->gw->lock);
	json_t *st = json_object_get(e->gw->stats, gw);
	if (json_is_object(st)) {
		const char *n = json_string_value(json_object_get(st, "uplink_count"));
		json_object_set_new(st, "uplink_count",
				    json_sprintf("%lld", (n ? strtoll(n, NULL, 10) : 0) + 1));
		json_object_set_new(st, "last_uplink_received_at", json_string(now));
	}
	pthread_rwlock_unlock(&e->gw->lock);
}

static const char *jstr(const json_t *o, const char *a, const char *b, const char *c)
{
	const json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_string_value(v);
}

struct frame {
	uint8_t buf[256];
	size_t len;
	uint32_t dev_addr;
	uint16_t fcnt16;
	bool ack, confirmed;
	int f_port; /* -1 when absent */
};

static bool parse_frame(const char *b64, struct frame *f)
{
	size_t n = strlen(b64);
	uint8_t tmp[400];
	if (n == 0 || n > 340 || n % 4)
		return false;
	int got = EVP_DecodeBlock(tmp, (const unsigned char *)b64, (int)n);
	if (got < 0)
		return false;
	size_t len = (size_t)got;
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		len--;
	if (len < 12 || len > sizeof f->buf)
		return false;
	memcpy(f->buf, tmp, len);
	f->len = len;
	unsigned mtype = f->buf[0] >> 5;
	if ((mtype != 2 && mtype != 4) || (f->buf[0] & 3) != 0)
		return false;
	f->confirmed = mtype == 4;
	f->dev_addr = (uint32_t)f->buf[1] | (uint32_t)f->buf[2] << 8 | (uint32_t)f->buf[3] << 16 |
		      (uint32_t)f->buf[4] << 24;
	f->ack = (f->buf[5] & 0x20) != 0;
	f->fcnt16 = (uint16_t)(f->buf[6] | f->buf[7] << 8);
	size_t fhdr = 8 + (f->buf[5] & 0x0f);
	if (fhdr + 4 > len)
		return false;
	f->f_port = fhdr + 4 < len ? f->buf[fhdr] : -1;
	return true;
}

static bool mic_ok(const json_t *dev, const struct frame *f, uint32_t fcnt, uint8_t dr, uint8_t ch)
{
	const json_t *keys = json_object_get(json_object_get(dev, "session"), "keys");
	uint8_t fk[16], sk[16], mic[4];
	if (!lw_hex_key(jstr(keys, "f_nwk_s_int_key", "key", NULL), fk))
		return false;
	bool v11 = strcmp(jstr(dev, "lorawan_version", NULL, NULL)
			      ? jstr(dev, "lorawan_version", NULL, NULL)
			      : "",
			  "MAC_V1_1") == 0;
	if (v11 && !lw_hex_key(jstr(keys, "s_nwk_s_int_key", "key", NULL), sk))
		return false;
	uint16_t conf = 0;
	if (v11 && f->ack)
		conf = (uint16_t)json_integer_value(
		    json_object_get(json_object_get(dev, "session"), "last_conf_f_cnt_down"));
	if (lw_data_mic(fk, v11 ? sk : NULL, true, f->dev_addr, fcnt, conf, dr, ch, f->buf,
			f->len - 4, mic) != 0)
		return false;
	return memcmp(mic, f->buf + f->len - 4, 4) == 0;
}

static json_t *recent_uplink(const struct frame *f, uint32_t fcnt, const char *addr, const char *gw,
			     json_t *eui, const json_t *body, const char *now)
{
	char mic[16];
	EVP_EncodeBlock((unsigned char *)mic, f->buf + f->len - 4, 4);
	json_t *gids = json_pack("{s:s}", "gateway_id", gw);
	if (json_is_string(eui))
		json_object_set(gids, "eui", eui);
	json_t *md = json_pack("{s:o}", "gateway_ids", gids);
	/* Through Packet Broker: the pseudo gateway, an empty marker (the NS
	 * keeps no forwarder details in mac_state: toMACStateRxMetadata). */
	if (strcmp(gw, PB_GATEWAY_ID) == 0)
		json_object_set_new(md, "packet_broker", json_object());
	json_t *v;
	if ((v = json_object_get(body, "rssi")) && json_is_number(v))
		json_object_set(md, "channel_rssi", v);
	if ((v = json_object_get(body, "snr")) && json_is_number(v))
		json_object_set(md, "snr", v);
	json_object_set_new(md, "received_at", json_string(now));
	json_t *mac = json_pack("{s:{s:s, s:i}, s:I}", "f_hdr", "dev_addr", addr, "f_cnt",
				(int)f->fcnt16, "full_f_cnt", (json_int_t)fcnt);
	if (f->f_port >= 0)
		json_object_set_new(mac, "f_port", json_integer(f->f_port));
	json_t *settings = json_object();
	if ((v = json_object_get(body, "frequency")))
		json_object_set_new(settings, "frequency",
				    json_is_integer(v)
					? json_sprintf("%lld", (long long)json_integer_value(v))
					: json_deep_copy(v));
	char cid[37];
	emu_request_id(cid);
	json_t *corr = json_array();
	json_array_append_new(corr, json_sprintf("emulator:uplink:%s", cid));
	return json_pack("{s:{s:{s:s, s:s}, s:s, s:o}, s:o, s:[o], s:s, s:o}", "payload", "m_hdr",
			 "m_type", f->confirmed ? "CONFIRMED_UP" : "UNCONFIRMED_UP", "major",
			 "LORAWAN_R1", "mic", mic, "mac_payload", mac, "settings", settings,
			 "rx_metadata", md, "received_at", now, "correlation_ids", corr);
}

/*
 * The Network Server's part, for an uplink that reached it from gateway gw
 * (PB_GATEWAY_ID when through Packet Broker): the first session whose MIC
 * matches takes it. Returns the answer ({"accepted",…}) and its status.
 */
static json_t *ns_handle(struct emu *e, const char *gw, json_t *eui, const struct frame *f,
			 const json_t *b, int *status)
{
	/* TxDr and TxCh of the 1.1 B1 block: what the gateway's metadata gives TTS. */
	json_t *drv = json_object_get(b, "data_rate_index"),
	       *chv = json_object_get(b, "channel_index");
	uint8_t dr = (uint8_t)(drv ? json_integer_value(drv) : 5);
	uint8_t ch = (uint8_t)(chv ? json_integer_value(chv) : 0);
	char addr[9];
	snprintf(addr, sizeof addr, "%08X", (unsigned)f->dev_addr);
	json_t *ans = NULL;
	const char *reason = "no_session_for_dev_addr";
	json_t *candidates = json_array();
	char *winner = NULL;
	long long won_fcnt = -1;
	char now[32];
	emu_now(now);
	pthread_rwlock_wrlock(&e->store.lock);
	const char *key;
	json_t *dev;
	json_object_foreach(e->store.devs[EMU_NS], key, dev)
	{
		json_t *sess = json_object_get(dev, "session");
		const char *da = jstr(sess, "dev_addr", NULL, NULL);
		if (!da || strcasecmp(da, addr) != 0)
			continue;
		json_array_append_new(candidates, json_string(key));
		json_t *ms = json_object_get(dev, "mac_state");
		uint32_t last =
		    (uint32_t)json_integer_value(json_object_get(sess, "last_f_cnt_up"));
		bool fresh =
		    last == 0 && json_array_size(json_object_get(ms, "recent_uplinks")) == 0;
		uint32_t same = (last & 0xFFFF0000u) | f->fcnt16, next = same + 0x10000u;
		bool matched = false;
		uint32_t fcnt = 0;
		if ((same > last || (fresh && same == last)) && mic_ok(dev, f, same, dr, ch)) {
			matched = true;
			fcnt = same;
		} else if (same <= last && next - last <= MAX_FCNT_GAP && next > last &&
			   mic_ok(dev, f, next, dr, ch)) {
			matched = true;
			fcnt = next;
		} else if (same <= last && mic_ok(dev, f, same, dr, ch)) {
			reason = "fcnt_replay"; /* an FCnt this session has had */
			continue;
		}
		if (!matched) {
			if (strcmp(reason, "fcnt_replay") != 0)
				reason = "mic_mismatch";
			continue;
		}
		json_object_set_new(sess, "last_f_cnt_up", json_integer(fcnt));
		if (!json_is_object(ms)) {
			ms = json_object();
			json_object_set_new(dev, "mac_state", ms);
		}
		json_t *ru = json_object_get(ms, "recent_uplinks");
		if (!json_is_array(ru)) {
			ru = json_array();
			json_object_set_new(ms, "recent_uplinks", ru);
		}
		/* Correlation ids are kept only on the newest entry (gateways.md §5.1). */
		size_t i;
		json_t *old;
		json_array_foreach(ru, i, old) json_object_del(old, "correlation_ids");
		json_array_append_new(ru, recent_uplink(f, fcnt, addr, gw, eui, b, now));
		while (json_array_size(ru) > RECENT_UPLINKS)
			json_array_remove(ru, 0);
		json_object_set_new(dev, "updated_at", json_string(now));
		winner = strdup(key);
		won_fcnt = fcnt;
		break;
	}
	pthread_rwlock_unlock(&e->store.lock);
	if (winner) {
		char *slash = strchr(winner, '/');
		*slash = '\0';
		ans = json_pack("{s:b, s:s, s:s, s:s, s:I}", "accepted", 1, "application_id",
				winner, "device_id", slash + 1, "dev_addr", addr, "f_cnt",
				(json_int_t)won_fcnt);
		*status = 200;
		*slash = '/';
		ul_record(gw, addr, won_fcnt, winner, NULL, NULL);
	} else {
		ans =
		    json_pack("{s:b, s:s, s:s}", "accepted", 0, "reason", reason, "dev_addr", addr);
		*status = 409;
		ul_record(gw, addr, f->fcnt16, NULL, reason, candidates);
	}
	free(winner);
	json_decref(candidates);
	return ans;
}

/* The request body of an uplink, its frame in *f; NULL (answered 400
 * bad_phy_payload, and logged as from gw) when it holds no data uplink. */
static json_t *load_uplink(const char *gw, const char *body, size_t body_len, struct frame *f,
			   struct emu_resp *rs)
{
	json_error_t je;
	json_t *b = json_loadb(body ? body : "", body_len, 0, &je);
	const char *b64 = json_string_value(json_object_get(b, "phy_payload"));
	if (json_is_object(b) && b64 && parse_frame(b64, f))
		return b;
	emu_resp_json(rs, 400, json_pack("{s:b, s:s}", "accepted", 0, "reason", "bad_phy_payload"));
	ul_record(gw, NULL, -1, NULL, "bad_phy_payload", NULL);
	json_decref(b);
	return NULL;
}

/* ---- Packet Broker ---------------------------------------------------------- */

static bool in_prefix(uint32_t addr, const char *spec)
{
	unsigned long base, len;
	if (sscanf(spec, "%8lx/%lu", &base, &len) != 2 || len > 32)
		return false;
	uint32_t mask = len == 0 ? 0 : 0xFFFFFFFFu << (32 - len);
	return (addr & mask) == ((uint32_t)base & mask);
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
	json_t *acc = ud;
	const char *have = json_string_value(acc);
	size_t l = strlen(have);
	if (l < 4096) {
		char *buf = malloc(l + sz * n + 1);
		if (buf) {
			memcpy(buf, have, l);
			memcpy(buf + l, p, sz * n);
			buf[l + sz * n] = 0;
			json_string_set(acc, buf);
			free(buf);
		}
	}
	return sz * n;
}

/*
 * The Forwarder side (GS upstream "packetbroker", PBA PublishUplink): an
 * uplink of a connected gateway whose disable_packet_broker_forwarding is
 * off goes, unfiltered, to Packet Broker, whose router hands it to every
 * Home Network a --pb-route names for its DevAddr (the Forwarder's routing
 * policy towards that network and the network's DevAddr block, in one).
 * Returns [{"home","accepted",…}] for the routes taken.
 */
static json_t *pb_forward(struct emu *e, const char *gw, const json_t *eui, const struct frame *f,
			  const json_t *b)
{
	json_t *out = json_array();
	for (size_t i = 0; i < e->cfg.npb_routes; i++) {
		const struct emu_pb_route *r = &e->cfg.pb_routes[i];
		if (!in_prefix(f->dev_addr, r->prefix))
			continue;
		json_t *msg = json_deep_copy(b);
		json_object_set_new(msg, "forwarder_net_id", json_string(e->cfg.net_id));
		json_object_set_new(msg, "forwarder_tenant_id", json_string(e->cfg.pb_tenant));
		json_object_set_new(msg, "forwarder_cluster_id", json_string(e->cfg.pb_cluster));
		json_object_set_new(msg, "forwarder_gateway_id", json_string(gw));
		if (json_is_string(eui))
			json_object_set(msg, "forwarder_gateway_eui", (json_t *)eui);
		char *body = json_dumps(msg, JSON_COMPACT);
		json_decref(msg);
		char url[1024];
		snprintf(url, sizeof url, "%s/_emulator/packetbroker/uplink", r->home);
		json_t *acc = json_string("");
		CURL *c = curl_easy_init();
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		CURLcode rc = CURLE_FAILED_INIT;
		if (c && body) {
			curl_easy_setopt(c, CURLOPT_URL, url);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, acc);
			curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
			curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
			rc = curl_easy_perform(c);
		}
		curl_slist_free_all(h);
		if (c)
			curl_easy_cleanup(c);
		free(body);
		json_t *a = rc == CURLE_OK ? json_loads(json_string_value(acc), 0, NULL) : NULL;
		json_decref(acc);
		if (!json_is_object(a)) {
			json_decref(a);
			a = json_pack("{s:b, s:s}", "accepted", 0, "reason", "home_unreachable");
		}
		json_object_set_new(a, "home", json_string(r->home));
		json_array_append_new(out, a);
	}
	return out;
}

/*
 * The Home Network side (PBA subscription, then GsNs.HandleUplink): only
 * DevAddrs of this network's blocks (its subscription filter); a copy of
 * this network's own traffic (forwarder NetID and cluster its own) is
 * dropped as the NS's filterMetadata would; the rest reaches the NS from
 * the pseudo gateway "packetbroker", without an EUI.
 */
static void pb_uplink(struct emu *e, const char *body, size_t body_len, struct emu_resp *rs)
{
	struct frame f;
	json_t *b = load_uplink(PB_GATEWAY_ID, body, body_len, &f, rs);
	if (!b)
		return;
	char addr[9];
	snprintf(addr, sizeof addr, "%08X", (unsigned)f.dev_addr);
	bool mine = false;
	for (char **p = e->cfg.prefixes; p && *p; p++)
		mine |= in_prefix(f.dev_addr, *p);
	const char *fnet = json_string_value(json_object_get(b, "forwarder_net_id")),
		   *fcl = json_string_value(json_object_get(b, "forwarder_cluster_id"));
	const char *why = !mine ? "not_subscribed"
			  : fnet && fcl && strcasecmp(fnet, e->cfg.net_id) == 0 &&
				  strcmp(fcl, e->cfg.pb_cluster) == 0
			      ? "own_traffic"
			      : NULL;
	if (why) {
		emu_resp_json(rs, 409, json_pack("{s:b, s:s}", "accepted", 0, "reason", why));
		ul_record(PB_GATEWAY_ID, addr, -1, NULL, why, NULL);
		json_decref(b);
		return;
	}
	int status = 500;
	json_t *ans = ns_handle(e, PB_GATEWAY_ID, NULL, &f, b, &status);
	emu_resp_json(rs, status, ans);
	json_decref(b);
}

static void uplink(struct emu *e, const char *gw, const char *body, size_t body_len,
		   struct emu_resp *rs)
{
	struct frame f;
	json_t *b = load_uplink(gw, body, body_len, &f, rs);
	if (!b)
		return;
	char addr[9];
	snprintf(addr, sizeof addr, "%08X", (unsigned)f.dev_addr);
	json_t *eui = NULL;
	bool no_pb = false;
	const char *why = gateway_check(e, gw, &eui, &no_pb);
	if (why) {
		emu_resp_json(rs, strcmp(why, "gateway_not_found") == 0 ? 404 : 409,
			      json_pack("{s:b, s:s}", "accepted", 0, "reason", why));
		ul_record(gw, addr, -1, NULL, why, NULL);
		json_decref(b);
		return;
	}
	gateway_count_uplink(e, gw);
	/* gs.forward: the cluster's NS takes every DevAddr (00000000/0), Packet
	 * Broker too when this deployment has a route (gateways.md §6). */
	int status = 500;
	json_t *ans = ns_handle(e, gw, eui, &f, b, &status);
	if (!no_pb && e->cfg.npb_routes) {
		json_t *pb = pb_forward(e, gw, eui, &f, b);
		if (json_array_size(pb))
			json_object_set(ans, "packet_broker", pb);
		json_decref(pb);
	}
	emu_resp_json(rs, status, ans);
	json_decref(eui);
	json_decref(b);
}

bool emu_uplink_admin(struct emu *e, const char *method, const char *url, const char *body,
		      size_t body_len, struct emu_resp *rs)
{
	static const char base[] = "/_emulator/gateways/", suffix[] = "/uplink";
	if (strcmp(url, "/_emulator/packetbroker/uplink") == 0) {
		if (strcmp(method, "POST") != 0)
			emu_resp_gw(rs, 405, 12, "Method Not Allowed");
		else
			pb_uplink(e, body, body_len, rs);
		return true;
	}
	if (strcmp(url, "/_emulator/uplinks") == 0) {
		bool del = strcmp(method, "DELETE") == 0;
		if (del || strcmp(method, "GET") == 0)
			emu_resp_json(rs, 200, ul_dump(del));
		else
			emu_resp_gw(rs, 405, 12, "Method Not Allowed");
		return true;
	}
	size_t n = strlen(url), nb = sizeof base - 1, ns = sizeof suffix - 1;
	if (n <= nb + ns || strncmp(url, base, nb) != 0 || strcmp(url + n - ns, suffix) != 0)
		return false;
	char gw[EMU_ID_MAX + 1];
	size_t idlen = n - nb - ns;
	if (idlen > EMU_ID_MAX || memchr(url + nb, '/', idlen))
		return false;
	snprintf(gw, sizeof gw, "%.*s", (int)idlen, url + nb);
	if (strcmp(method, "POST") != 0)
		emu_resp_gw(rs, 405, 12, "Method Not Allowed");
	else
		uplink(e, gw, body, body_len, rs);
	return true;
}
