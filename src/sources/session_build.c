/* The session and generated MAC state of a device from another network server. */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "check/check.h"
#include "core/text.h"
#include "core/lorawan.h"
#include "sources/session_build.h"

/* ---- data ------------------------------------------------------------------------------ */

static pthread_mutex_t data_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *plans_doc; /* data/frequency-plans.json */
static json_t *bands_doc; /* data/bands.json */
static char data_err[512];

/* Loads both files once; NULL (err set) when either cannot be read. */
static bool load_data(char *err, size_t errlen)
{
	pthread_mutex_lock(&data_mu);
	if (!plans_doc && !data_err[0]) {
		json_t *p = check_data_load("frequency-plans.json", data_err, sizeof data_err);
		json_t *b = p ? check_data_load("bands.json", data_err, sizeof data_err) : NULL;
		if (p && b &&
		    (!json_is_object(json_object_get(p, "plans")) ||
		     !json_is_object(json_object_get(b, "mac_defaults")))) {
			snprintf(data_err, sizeof data_err,
				 "frequency-plans.json or bands.json: no \"plans\" or "
				 "\"mac_defaults\" object");
			json_decref(p);
			json_decref(b);
			p = b = NULL;
		} else if (!b) {
			json_decref(p);
			p = NULL;
		}
		plans_doc = p;
		bands_doc = b;
	}
	bool ok = plans_doc != NULL;
	if (!ok)
		snprintf(err, errlen, "frequency plan data: %s", data_err);
	pthread_mutex_unlock(&data_mu);
	return ok;
}

static const json_t *plan_of(const char *id)
{
	return json_object_get(json_object_get(plans_doc, "plans"), id ? id : "");
}

const char *sb_plan_band(const char *frequency_plan_id, char *err, size_t errlen)
{
	if (!load_data(err, errlen))
		return NULL;
	const char *band =
	    json_string_value(json_object_get(plan_of(frequency_plan_id), "band_id"));
	if (!band)
		snprintf(err, errlen, "frequency_plan_id: unknown frequency plan \"%s\"",
			 frequency_plan_id ? frequency_plan_id : "");
	return band;
}

/* ---- small helpers --------------------------------------------------------------------- */

static json_t *u64_str(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%" PRIu64, v);
	return json_string(b);
}

static uint64_t num(const json_t *o, const char *key, uint64_t dflt)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v)
								: dflt;
}

static void set_nonzero(json_t *o, const char *key, json_int_t v)
{
	if (v)
		json_object_set_new(o, key, json_integer(v));
}

static json_t *key_env(const char *hex)
{
	char up[33];
	for (size_t i = 0; i < 32; i++)
		up[i] = (char)toupper((unsigned char)hex[i]);
	up[32] = '\0';
	return json_pack("{s:s}", "key", up);
}

/* One channel of The Things Stack's MACParameters. */
static json_t *channel(uint64_t up, uint64_t down, json_int_t min_dr, json_int_t max_dr,
		       bool enable)
{
	json_t *c = json_object();
	json_object_set_new(c, "uplink_frequency", u64_str(up));
	json_object_set_new(c, "downlink_frequency", u64_str(down));
	set_nonzero(c, "min_data_rate_index", min_dr);
	set_nonzero(c, "max_data_rate_index", max_dr);
	if (enable)
		json_object_set_new(c, "enable_uplink", json_true());
	return c;
}

/* Expands channel runs {frequency, step, count, min/max_data_rate} into
 * parallel arrays; returns the number, or -1 when more than cap. */
static int expand(const json_t *runs, uint64_t *freq, int *min_dr, int *max_dr, int cap)
{
	int n = 0;
	size_t i;
	const json_t *r;
	json_array_foreach(runs, i, r)
	{
		uint64_t f = num(r, "frequency", 0), step = num(r, "step", 0),
			 count = num(r, "count", 1);
		for (uint64_t k = 0; k < count; k++) {
			if (n >= cap)
				return -1;
			freq[n] = f + k * step;
			min_dr[n] = (int)num(r, "min_data_rate", 0);
			max_dr[n] = (int)num(r, "max_data_rate", 0);
			n++;
		}
	}
	return n;
}

#define MAXCH 128

/* The desired channels of the plan on the band (lorawan-stack's
 * DeviceDesiredChannels): the band's own channels, disabled unless the plan
 * lists them; in a band with a CFList of frequencies (EU-like) the plan's other
 * uplink channels are added, in a channel-mask band (US-like) every plan
 * channel must be one of the band's. */
static json_t *plan_channels(const json_t *plan, const json_t *band, const char *band_id,
			     uint64_t max_channels, char *err, size_t errlen)
{
	uint64_t up[MAXCH], down[MAXCH];
	int mn[MAXCH], mx[MAXCH], dmn[MAXCH], dmx[MAXCH];
	bool en[MAXCH];
	int n = expand(json_object_get(band, "uplink_channels"), up, mn, mx, MAXCH);
	int nd = expand(json_object_get(band, "downlink_channels"), down, dmn, dmx, MAXCH);
	if (n <= 0 || nd < 0) {
		snprintf(err, errlen, "frequency_plan_id: band %s has no channels in bands.json",
			 band_id);
		return NULL;
	}
	memset(en, 0, sizeof en);
	uint64_t dl[MAXCH];
	for (int i = 0; i < n; i++)
		dl[i] = nd > 0 ? down[i % nd] : up[i];
	const char *cflist = json_string_value(json_object_get(band, "cflist"));
	bool masks = cflist && strcmp(cflist, "channel_masks") == 0;
	const json_t *fp_up = json_object_get(plan, "uplink_channels");
	const json_t *fp_down = json_object_get(plan, "downlink_channels");
	const json_t *std = json_object_get(plan, "lora_standard_channel");
	size_t nfp = json_array_size(fp_up);
	for (size_t i = 0; i < nfp + (masks && std ? 1 : 0); i++) {
		const json_t *c = i < nfp ? json_array_get(fp_up, i) : std;
		uint64_t f = num(c, "frequency", 0);
		int k = 0;
		while (k < n && up[k] != f)
			k++;
		if (masks) {
			if (k == n) {
				snprintf(err, errlen,
					 "frequency_plan_id: channel %" PRIu64
					 " Hz of the plan is not a channel of band %s",
					 f, band_id);
				return NULL;
			}
			en[k] = true;
			continue;
		}
		if (k == n) {
			if (n >= MAXCH || (uint64_t)n >= max_channels) {
				snprintf(err, errlen,
					 "frequency_plan_id: the plan has more channels than band "
					 "%s allows (%" PRIu64 ")",
					 band_id, max_channels);
				return NULL;
			}
			up[n] = f;
			dl[n] = i < json_array_size(fp_down)
				    ? num(json_array_get(fp_down, i), "frequency", f)
				    : f;
			n++;
		}
		mn[k] = (int)num(c, "min_data_rate", 0);
		mx[k] = (int)num(c, "max_data_rate", 0);
		en[k] = true;
	}
	json_t *chs = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(chs, channel(up[i], dl[i], mn[i], mx[i], en[i]));
	return chs;
}

static int random_b64(char *out, size_t cap)
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return lw_base64_encode(b, sizeof b, out, cap);
}

static void now_rfc3339(char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", base, ts.tv_nsec);
}

/* ---- the builder ----------------------------------------------------------------------- */

static bool phy_in_band(const json_t *bands, const char *band_id, const char *phy)
{
	const json_t *list = json_object_get(
	    json_object_get(json_object_get(bands, "bands"), band_id), "phy_versions");
	if (!json_is_array(list))
		return true; /* nothing known: let the destination decide */
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) if (json_string_value(v) &&
					   strcmp(json_string_value(v), phy) == 0) return true;
	return false;
}

static int check_keys(const struct sb_input *in, bool v11, char *err, size_t errlen)
{
	struct {
		const char *name, *val;
		bool need;
	} k[] = {
	    {"session.keys.app_s_key", in->app_s_key, true},
	    {"session.keys.f_nwk_s_int_key", in->f_nwk_s_int_key, true},
	    {"session.keys.s_nwk_s_int_key", in->s_nwk_s_int_key, v11},
	    {"session.keys.nwk_s_enc_key", in->nwk_s_enc_key, v11},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		if (!k[i].need && !(k[i].val && *k[i].val))
			continue;
		if (!k[i].val || !*k[i].val) {
			snprintf(err, errlen, "%s: missing", k[i].name);
			return -1;
		}
		if (!text_is_hex(k[i].val, 32)) {
			snprintf(err, errlen, "%s: not a key of 32 hex digits", k[i].name);
			return -1;
		}
	}
	return 0;
}

static json_t *make_session(const struct sb_input *in, bool v11, char *err, size_t errlen)
{
	char addr[9];
	for (int i = 0; i < 8; i++)
		addr[i] = (char)toupper((unsigned char)in->dev_addr[i]);
	addr[8] = '\0';
	json_t *keys = json_object();
	if (in->otaa) {
		char id[32];
		if (random_b64(id, sizeof id) != 0) {
			json_decref(keys);
			snprintf(err, errlen, "session.keys.session_key_id: no random bytes");
			return NULL;
		}
		json_object_set_new(keys, "session_key_id", json_string(id));
	}
	json_object_set_new(keys, "f_nwk_s_int_key", key_env(in->f_nwk_s_int_key));
	if (v11) {
		json_object_set_new(keys, "s_nwk_s_int_key", key_env(in->s_nwk_s_int_key));
		json_object_set_new(keys, "nwk_s_enc_key", key_env(in->nwk_s_enc_key));
	}
	json_object_set_new(keys, "app_s_key", key_env(in->app_s_key));
	json_t *s = json_object();
	json_object_set_new(s, "dev_addr", json_string(addr));
	json_object_set_new(s, "keys", keys);
	set_nonzero(s, "last_f_cnt_up", in->last_f_cnt_up);
	set_nonzero(s, "last_n_f_cnt_down", in->last_n_f_cnt_down);
	set_nonzero(s, "last_a_f_cnt_down", in->last_a_f_cnt_down);
	if (in->otaa) {
		char t[48];
		now_rfc3339(t, sizeof t);
		json_object_set_new(s, "started_at", json_string(t));
	}
	return s;
}

int sb_build(const struct sb_input *in, json_t **session, json_t **mac_state, char *err,
	     size_t errlen)
{
	*session = *mac_state = NULL;
	if (!load_data(err, errlen))
		return -1;
	const json_t *plan = plan_of(in->frequency_plan_id);
	const char *band_id = json_string_value(json_object_get(plan, "band_id"));
	if (!band_id) {
		snprintf(err, errlen, "frequency_plan_id: unknown frequency plan \"%s\"",
			 in->frequency_plan_id ? in->frequency_plan_id : "");
		return -1;
	}
	const json_t *band = json_object_get(json_object_get(bands_doc, "mac_defaults"), band_id);
	if (!json_is_object(band)) {
		snprintf(err, errlen,
			 "frequency_plan_id: no MAC defaults for band %s (of plan %s) in "
			 "bands.json, so no MAC state can be generated",
			 band_id, in->frequency_plan_id);
		return -1;
	}
	const char *mac =
	    in->lorawan_version ? lw_mac_version_canonical(in->lorawan_version) : NULL;
	if (!mac || strcmp(mac, "MAC_UNKNOWN") == 0) {
		snprintf(err, errlen, "lorawan_version: unknown LoRaWAN version \"%s\"",
			 in->lorawan_version ? in->lorawan_version : "");
		return -1;
	}
	const char *phy = in->phy_version ? lw_phy_version_canonical(in->phy_version) : NULL;
	if (!phy || strcmp(phy, "PHY_UNKNOWN") == 0) {
		snprintf(err, errlen, "lorawan_phy_version: unknown regional parameters \"%s\"",
			 in->phy_version ? in->phy_version : "");
		return -1;
	}
	if (!phy_in_band(bands_doc, band_id, phy)) {
		snprintf(err, errlen,
			 "lorawan_phy_version: band %s has no %s (The Things Stack refuses it)",
			 band_id, phy);
		return -1;
	}
	bool v11 = strcmp(mac, "MAC_V1_1") == 0;
	if (!text_is_hex(in->dev_addr, 8)) {
		snprintf(err, errlen, "session.dev_addr: \"%s\" is not 8 hex digits",
			 in->dev_addr ? in->dev_addr : "");
		return -1;
	}
	if (check_keys(in, v11, err, errlen) != 0)
		return -1;
	if (in->rx1_delay > 15 || in->rx1_data_rate_offset > 7 || in->rx2_data_rate_index > 15) {
		snprintf(err, errlen, "%s: out of range",
			 in->rx1_delay > 15		? "mac_settings.rx1_delay"
			 : in->rx1_data_rate_offset > 7 ? "mac_settings.rx1_data_rate_offset"
							: "mac_settings.rx2_data_rate_index");
		return -1;
	}
	const json_t *band_lim = json_object_get(json_object_get(bands_doc, "bands"), band_id);
	if (in->rx2_frequency && (in->rx2_frequency < num(band_lim, "min_hz", 0) ||
				  in->rx2_frequency > num(band_lim, "max_hz", UINT64_MAX))) {
		snprintf(err, errlen,
			 "mac_settings.rx2_frequency: %" PRIu64
			 " Hz is outside band %s of frequency plan %s",
			 in->rx2_frequency, band_id, in->frequency_plan_id);
		return -1;
	}
	uint64_t max_ch = num(json_object_get(json_object_get(bands_doc, "bands"), band_id),
			      "max_uplink_channels", MAXCH);
	json_t *chs = plan_channels(plan, band, band_id, max_ch, err, errlen);
	if (!chs)
		return -1;

	json_t *p = json_object();
	double eirp = json_number_value(json_object_get(band, "max_eirp"));
	double fp_eirp = json_number_value(json_object_get(plan, "max_eirp"));
	if (fp_eirp > 0 && fp_eirp < eirp)
		eirp = fp_eirp;
	json_object_set_new(p, "max_eirp",
			    eirp == (double)(json_int_t)eirp ? json_integer((json_int_t)eirp)
							     : json_real(eirp));
	json_object_set_new(p, "adr_nb_trans", json_integer(1));
	json_object_set_new(p, "rx1_delay",
			    json_integer(in->rx1_delay >= 1
					     ? in->rx1_delay
					     : (json_int_t)num(band, "rx1_delay", 1)));
	set_nonzero(p, "rx1_data_rate_offset",
		    in->rx1_data_rate_offset > 0 ? in->rx1_data_rate_offset : 0);
	json_int_t rx2dr =
	    in->rx2_data_rate_index >= 0
		? in->rx2_data_rate_index
		: (json_int_t)num(plan, "rx2_default_data_rate", num(band, "rx2_data_rate", 0));
	set_nonzero(p, "rx2_data_rate_index", rx2dr);
	uint64_t rx2f = in->rx2_frequency ? in->rx2_frequency
					  : num(json_object_get(plan, "rx2_channel"), "frequency",
						num(band, "rx2_frequency", 0));
	json_object_set_new(p, "rx2_frequency", u64_str(rx2f));
	uint64_t ping = num(json_object_get(plan, "ping_slot"), "frequency",
			    num(band, "ping_slot_frequency", 0));
	if (ping)
		json_object_set_new(p, "ping_slot_frequency", u64_str(ping));
	json_object_set_new(p, "channels", chs);
	const json_t *dwell = json_object_get(plan, "dwell_time");
	if (json_is_boolean(json_object_get(dwell, "uplinks")))
		json_object_set(p, "uplink_dwell_time", json_object_get(dwell, "uplinks"));
	if (json_is_boolean(json_object_get(dwell, "downlinks")))
		json_object_set(p, "downlink_dwell_time", json_object_get(dwell, "downlinks"));
	json_object_set(p, "adr_ack_limit_exponent",
			json_object_get(band, "adr_ack_limit_exponent"));
	json_object_set(p, "adr_ack_delay_exponent",
			json_object_get(band, "adr_ack_delay_exponent"));
	json_object_set_new(p, "ping_slot_data_rate_index_value",
			    json_integer((json_int_t)num(plan, "ping_slot_default_data_rate",
							 num(band, "beacon_data_rate", 0))));

	json_t *s = make_session(in, v11, err, errlen);
	if (!s) {
		json_decref(p);
		return -1;
	}
	json_t *ms = json_object();
	json_object_set_new(ms, "current_parameters", json_deep_copy(p));
	json_object_set_new(ms, "desired_parameters", p);
	bool before_11 = !v11;
	json_object_set_new(ms, "device_class",
			    json_string(before_11 && in->supports_class_c ? "CLASS_C" : "CLASS_A"));
	json_object_set_new(ms, "lorawan_version", json_string(mac));
	*session = s;
	*mac_state = ms;
	return 0;
}

int sb_lorawan_versions(const char *v, bool a, bool b, const char **mac, const char **phy)
{
	*mac = *phy = NULL;
	if (!v)
		return -1;
	if (strcmp(v, "1.0.0") == 0)
		*mac = "MAC_V1_0", *phy = "TS001_V1_0";
	else if (strcmp(v, "1.0.1") == 0)
		*mac = "MAC_V1_0_1", *phy = "TS001_V1_0_1";
	else if (strcmp(v, "1.0.2") == 0) {
		*mac = "MAC_V1_0_2";
		*phy = a ? "RP001_V1_0_2" : b ? "RP001_V1_0_2_REV_B" : NULL;
	} else if (strcmp(v, "1.0.3") == 0)
		*mac = "MAC_V1_0_3", *phy = "RP001_V1_0_3_REV_A";
	else if (strcmp(v, "1.0.4") == 0)
		*mac = "MAC_V1_0_4", *phy = "RP002_V1_0_4";
	else if (strcmp(v, "1.1.0") == 0 || strcmp(v, "1.1") == 0) {
		*mac = "MAC_V1_1";
		*phy = a ? "RP001_V1_1_REV_A" : b ? "RP001_V1_1_REV_B" : NULL;
	} else
		return -1;
	return *phy ? 0 : -2;
}
