/*
 * simdev: simulated LoRaWAN end devices sending data uplinks with their real
 * session, through a named gateway, to one or more tts-emulator deployments
 * (POST /_emulator/gateways/{gw}/uplink, tests/emulator/README.md "Uplinks").
 *
 *   simdev --emu URL [--emu URL2 …] --gateway GW [--count N] [options] DEVICES.jsonl
 *
 * DEVICES.jsonl: end devices as `ttn-lw-migrate tts application` exports them
 * (one JSON object a line; session.dev_addr, session.keys.*, session.last_f_cnt_up,
 * lorawan_version). Each device sends N uplinks, FPort 1 (--f-port), the
 * FRMPayload encrypted with the AppSKey, the MIC with the session's network
 * key(s), FCnt last_f_cnt_up+1, +2, … (--f-cnt F: from F; --replay: the
 * last_f_cnt_up itself; --bad-mic: a flipped MIC bit). Every URL is tried for
 * every uplink; one JSON line per uplink on stdout:
 *   {"device_id","application_id","f_cnt","accepted_by":[URL…],"refused":{URL:reason},
 *    "packet_broker":{HOME:"accepted"|reason}}
 * (packet_broker: what a deployment forwarded to the Home Network HOME; a
 * Home Network that accepted is in accepted_by.)
 * Exit: 0 when every uplink was accepted by at least one network, 1 when not,
 * 2 on bad input. Keys are never printed. The crypto is tests/emulator/lw_crypto.c.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emulator/lw_crypto.h"

struct opts {
	const char **emus;
	size_t nemus;
	const char *gateway;
	long count;
	int f_port;
	long long f_cnt; /* -1: last_f_cnt_up + 1 */
	bool replay, bad_mic, quiet;
	const char *payload_hex;
	double rssi, snr;
	const char *frequency;
	int dr, ch;
};

static void usage(void)
{
	fputs(
	    "usage: simdev --emu URL [--emu URL]... --gateway GW [--count N] [--f-port P]\n"
	    "              [--f-cnt F | --replay] [--bad-mic] [--payload HEX] [--rssi R] [--snr "
	    "S]\n"
	    "              [--frequency HZ] [--data-rate-index DR] [--channel-index CH] [--quiet]\n"
	    "              DEVICES.jsonl\n",
	    stderr);
}

static const char *jstr(const json_t *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *v = o;
	for (char *save = NULL, *seg = strtok_r(buf, ".", &save); seg && v;
	     seg = strtok_r(NULL, ".", &save))
		v = json_object_get(v, seg);
	return json_string_value(v);
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	json_t *acc = ud; /* a JSON string accumulating the body */
	size_t len = size * n, old = json_string_length(acc);
	char *s = malloc(old + len + 1);
	if (!s)
		return 0;
	memcpy(s, json_string_value(acc), old);
	memcpy(s + old, ptr, len);
	json_string_setn_nocheck(acc, s, old + len);
	free(s);
	return len;
}

/* POSTs body to URL; the answer's "accepted" and "reason". */
/* One uplink through gateway gw at the deployment base: the answer
 * ({"accepted",…,"packet_broker":[…]}), or NULL when unreachable. */
static json_t *post_uplink(CURL *c, const char *base, const char *gw, const char *body)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/_emulator/gateways/%s/uplink", base, gw);
	json_t *acc = json_string("");
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, acc);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	json_t *a = NULL;
	if (rc == CURLE_OK) {
		a = json_loads(json_string_value(acc), 0, NULL);
		if (!json_is_object(a)) {
			json_decref(a);
			a = json_pack("{s:b, s:s}", "accepted", 0, "reason", "bad_answer");
		}
	}
	json_decref(acc);
	return a;
}

static bool listed(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static int hexbytes(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
	size_t l = strlen(hex);
	if (l % 2 || l / 2 > cap)
		return -1;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = l / 2;
	return 0;
}

/* Builds one uplink PHYPayload, base64 in out; 0 on success. */
static int build_frame(const json_t *dev, const struct opts *o, uint32_t fcnt, char *out,
		       size_t outcap)
{
	const char *addr_hex = jstr(dev, "session.dev_addr");
	const char *ver = jstr(dev, "lorawan_version");
	bool v11 = ver && strcmp(ver, "MAC_V1_1") == 0;
	uint8_t fk[16], sk[16], ak[16];
	unsigned long addr;
	char *end;
	if (!addr_hex || strlen(addr_hex) != 8 || (addr = strtoul(addr_hex, &end, 16), *end))
		return -1;
	if (!lw_hex_key(jstr(dev, "session.keys.f_nwk_s_int_key.key"), fk) ||
	    !lw_hex_key(jstr(dev, "session.keys.app_s_key.key"), ak) ||
	    (v11 && !lw_hex_key(jstr(dev, "session.keys.s_nwk_s_int_key.key"), sk)))
		return -1;
	uint8_t f[64];
	size_t n = 0, plen = 0;
	f[n++] = 0x40; /* unconfirmed data up, LoRaWAN R1 */
	for (int i = 0; i < 4; i++)
		f[n++] = (uint8_t)(addr >> (8 * i));
	f[n++] = 0x00; /* FCtrl: no ADR, no ACK, no FOpts */
	f[n++] = (uint8_t)fcnt;
	f[n++] = (uint8_t)(fcnt >> 8);
	f[n++] = (uint8_t)o->f_port;
	if (hexbytes(o->payload_hex, f + n, 40, &plen) != 0)
		return -1;
	if (lw_frm_crypt(ak, true, (uint32_t)addr, fcnt, f + n, plen) != 0)
		return -1;
	n += plen;
	if (lw_data_mic(fk, v11 ? sk : NULL, true, (uint32_t)addr, fcnt, 0, (uint8_t)o->dr,
			(uint8_t)o->ch, f, n, f + n) != 0)
		return -1;
	if (o->bad_mic)
		f[n] ^= 0x01;
	n += 4;
	if (outcap < 4 * ((n + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, f, (int)n);
	memset(fk, 0, sizeof fk);
	memset(sk, 0, sizeof sk);
	memset(ak, 0, sizeof ak);
	return 0;
}

static int run_device(CURL *c, const json_t *dev, const struct opts *o, int *all_ok)
{
	const char *id = jstr(dev, "ids.device_id"),
		   *app = jstr(dev, "ids.application_ids.application_id");
	if (!json_is_object(json_object_get(dev, "session"))) {
		fprintf(stderr, "simdev: %s: no session, skipped\n", id ? id : "?");
		return 0;
	}
	json_int_t last =
	    json_integer_value(json_object_get(json_object_get(dev, "session"), "last_f_cnt_up"));
	for (long i = 0; i < o->count; i++) {
		uint32_t fcnt = (uint32_t)(o->f_cnt >= 0 ? o->f_cnt + i
					   : o->replay	 ? last + i
							 : last + 1 + i);
		char b64[128];
		if (build_frame(dev, o, fcnt, b64, sizeof b64) != 0) {
			fprintf(stderr,
				"simdev: %s: no usable session (DevAddr, keys or payload)\n",
				id ? id : "?");
			return -1;
		}
		json_t *req = json_pack("{s:s, s:f, s:f, s:s, s:i, s:i}", "phy_payload", b64,
					"rssi", o->rssi, "snr", o->snr, "frequency", o->frequency,
					"data_rate_index", o->dr, "channel_index", o->ch);
		char *body = json_dumps(req, JSON_COMPACT);
		json_t *acc = json_array(), *ref = json_object(), *pb = json_object();
		for (size_t k = 0; k < o->nemus; k++) {
			json_t *a = post_uplink(c, o->emus[k], o->gateway, body);
			const char *r = json_string_value(json_object_get(a, "reason"));
			if (json_is_true(json_object_get(a, "accepted")))
				json_array_append_new(acc, json_string(o->emus[k]));
			else
				json_object_set_new(ref, o->emus[k],
						    json_string(!a  ? "unreachable"
								: r ? r
								    : "?"));
			/* What that deployment forwarded through Packet Broker. */
			size_t hi;
			json_t *h;
			json_array_foreach(json_object_get(a, "packet_broker"), hi, h)
			{
				const char *home = json_string_value(json_object_get(h, "home"));
				bool ok = json_is_true(json_object_get(h, "accepted"));
				const char *hr = json_string_value(json_object_get(h, "reason"));
				if (!home)
					continue;
				json_object_set_new(pb, home,
						    json_string(ok   ? "accepted"
								: hr ? hr
								     : "?"));
				if (ok && !listed(acc, home))
					json_array_append_new(acc, json_string(home));
			}
			json_decref(a);
		}
		if (json_array_size(acc) == 0)
			*all_ok = 0;
		json_t *line =
		    json_pack("{s:s?, s:s?, s:I, s:o, s:o}", "device_id", id, "application_id", app,
			      "f_cnt", (json_int_t)fcnt, "accepted_by", acc, "refused", ref);
		if (json_object_size(pb))
			json_object_set(line, "packet_broker", pb);
		json_decref(pb);
		if (!o->quiet) {
			char *s = json_dumps(line, JSON_COMPACT);
			puts(s);
			free(s);
		}
		json_decref(line);
		free(body);
		json_decref(req);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.count = 1,
			 .f_port = 1,
			 .f_cnt = -1,
			 .payload_hex = "0102",
			 .rssi = -80,
			 .snr = 7.5,
			 .frequency = "868100000",
			 .dr = 5,
			 .ch = 0};
	const char *file = NULL;
	o.emus = calloc((size_t)argc, sizeof *o.emus);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (!a)
			break;
		if (!strcmp(a, "--emu") && v)
			o.emus[o.nemus++] = v;
		else if (!strcmp(a, "--gateway") && v)
			o.gateway = v;
		else if (!strcmp(a, "--count") && v)
			o.count = strtol(v, NULL, 10);
		else if (!strcmp(a, "--f-port") && v)
			o.f_port = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--f-cnt") && v)
			o.f_cnt = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--payload") && v)
			o.payload_hex = v;
		else if (!strcmp(a, "--rssi") && v)
			o.rssi = strtod(v, NULL);
		else if (!strcmp(a, "--snr") && v)
			o.snr = strtod(v, NULL);
		else if (!strcmp(a, "--frequency") && v)
			o.frequency = v;
		else if (!strcmp(a, "--data-rate-index") && v)
			o.dr = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--channel-index") && v)
			o.ch = (int)strtol(v, NULL, 10);
		else {
			takes = false;
			if (!strcmp(a, "--replay"))
				o.replay = true;
			else if (!strcmp(a, "--bad-mic"))
				o.bad_mic = true;
			else if (!strcmp(a, "--quiet"))
				o.quiet = true;
			else if (a[0] != '-' && !file)
				file = a;
			else {
				usage();
				free(o.emus);
				return 2;
			}
		}
		if (takes)
			i++;
	}
	if (!o.nemus || !o.gateway || !file || o.count < 1 || o.f_port < 1 || o.f_port > 223) {
		usage();
		free(o.emus);
		return 2;
	}
	FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!in) {
		perror(file);
		free(o.emus);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	int all_ok = 1, rc = 0;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	while (getline(&line, &cap, in) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		json_t *dev = json_loads(line, 0, NULL);
		if (!json_is_object(dev)) {
			fprintf(stderr, "simdev: %s:%ld: not a JSON object\n", file, lineno);
			rc = 2;
		} else if (run_device(c, dev, &o, &all_ok) != 0) {
			rc = 2;
		}
		json_decref(dev);
		if (rc)
			break;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(o.emus);
	return rc ? rc : (all_ok ? 0 : 1);
}
