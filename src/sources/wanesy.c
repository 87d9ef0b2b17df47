/*
 * Source "wanesy": Kerlink Wanesy Management Center, from its CSV export of
 * the devices (offline: the tool never talks to WMC, and changes nothing).
 *
 * The file is read once at open with Go's encoding/csv rules (io/gocsv.h),
 * as the Go tool reads it. Row 1 is the header; its names map to the columns
 * case-insensitively (as the Go tool's JSON step does); each row is one
 * device, keyed by its devEui (a later row of the same DevEUI wins). The
 * exported device ID is the lower-case DevEUI; device items may be given as
 * that ID or as the DevEUI in any case. The mapping and every difference
 * from the Go tool are in docs/sources/wanesy.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "core/lorawan.h"
#include "io/gocsv.h"
#include "sources/session_build.h"
#include "sources/source.h"
#include "ui/log.h"

static const struct opt_desc wanesy_options[] = {
    {"app-id", OPT_STRING, "APP_ID", NULL, "ID", "Application ID of the exported devices", 0},
    {"frequency-plan-id", OPT_STRING, "FREQUENCY_PLAN_ID", NULL, "ID",
     "Frequency plan ID of the exported devices (e.g. EU_863_870_TTN)", 0},
    {"csv-path", OPT_STRING, "CSV_PATH", NULL, "FILE",
     "The CSV file exported from Wanesy Management Center", 0},
    {"all", OPT_BOOL, NULL, "false", NULL,
     "application: export every device of the CSV file (without it, none)", 0},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

/* The columns of the WMC export the mapping reads (sources.md §3). */
enum col {
	C_DEV_EUI,
	C_NAME,
	C_CLASS,
	C_MAC_VERSION,
	C_REG_PARAMS,
	C_ACTIVATION,
	C_APP_EUI,
	C_APP_KEY,
	C_FCNT_DOWN,
	C_FCNT_UP,
	C_FNWK,
	C_SNWK,
	C_RX1_DELAY,
	C_RX1_DR_OFFSET,
	C_RX2_DR,
	C_RX2_FREQ,
	C_LATITUDE,
	C_LONGITUDE,
	C_ALTITUDE,
	C_DEV_ADDR,
	C_NWK_S_KEY,
	C_APP_S_KEY,
	NCOLS
};

static const char *const col_names[NCOLS] = {
    [C_DEV_EUI] = "devEui",
    [C_NAME] = "name",
    [C_CLASS] = "classType",
    [C_MAC_VERSION] = "macVersion",
    [C_REG_PARAMS] = "regParamsRevision",
    [C_ACTIVATION] = "activation",
    [C_APP_EUI] = "appEui",
    [C_APP_KEY] = "appKey",
    [C_FCNT_DOWN] = "fcntDown",
    [C_FCNT_UP] = "fcntUp",
    [C_FNWK] = "fNwkSIntKey",
    [C_SNWK] = "sNwkSIntKey",
    [C_RX1_DELAY] = "rx1Delay",
    [C_RX1_DR_OFFSET] = "rx1DrOffset",
    [C_RX2_DR] = "rx2Dr",
    [C_RX2_FREQ] = "rx2Freq",
    [C_LATITUDE] = "latitude",
    [C_LONGITUDE] = "longitude",
    [C_ALTITUDE] = "altitude",
    [C_DEV_ADDR] = "dev_addr",
    [C_NWK_S_KEY] = "NwkSKey",
    [C_APP_S_KEY] = "AppSKey",
};

/* Without these no device can be converted: a file without them is not a
 * WMC device export. */
static const enum col required_cols[] = {C_DEV_EUI, C_MAC_VERSION, C_ACTIVATION};

/* One device: its last row. */
struct row {
	char id[24];  /* lower-case DevEUI, or "csv-line-N" for a row without one */
	size_t rec;   /* index into csv.recs */
	bool bad_eui; /* devEui unreadable: export reports it */
	size_t rows;  /* rows with this DevEUI */
};

struct source {
	char *app_id, *fp_id, *path;
	bool all;
	struct gocsv csv;
	int col[NCOLS]; /* column index, or -1 */
	size_t ncols;	/* the header's field count */
	struct row *rows;
	size_t nrows;
};

/* ---- configuration ------------------------------------------------------------------ */

static void wanesy_close(struct source *s)
{
	if (!s)
		return;
	gocsv_free(&s->csv);
	free(s->rows);
	free(s->app_id);
	free(s->fp_id);
	free(s->path);
	free(s);
}

static struct row *find_row(struct source *s, const char *id)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].id, id) == 0)
			return &s->rows[i];
	return NULL;
}

static int read_header(struct source *s, char *msg, size_t len)
{
	const struct gocsv_record *h = &s->csv.recs[0];
	for (int c = 0; c < NCOLS; c++)
		s->col[c] = -1;
	s->ncols = h->nfields;
	for (size_t j = 0; j < h->nfields; j++) {
		for (size_t k = 0; k < j; k++)
			if (strcasecmp(h->fields[j], h->fields[k]) == 0 && *h->fields[j]) {
				snprintf(msg, len,
					 "%s: header: column \"%s\" appears twice (columns %zu and "
					 "%zu)",
					 s->path, h->fields[j], k + 1, j + 1);
				return -1;
			}
		for (int c = 0; c < NCOLS; c++)
			if (strcasecmp(h->fields[j], col_names[c]) == 0 ||
			    (c == C_DEV_ADDR && strcasecmp(h->fields[j], "devAddr") == 0))
				s->col[c] = (int)j;
	}
	for (size_t i = 0; i < sizeof required_cols / sizeof required_cols[0]; i++) {
		if (s->col[required_cols[i]] >= 0)
			continue;
		bool semi = h->nfields == 1 && strchr(h->fields[0], ';');
		snprintf(msg, len,
			 "%s: header (line 1): no \"%s\" column%s; is this the device export of "
			 "Wanesy Management Center?",
			 s->path, col_names[required_cols[i]],
			 semi ? " (the file is separated by ';', the WMC export by ',')" : "");
		return -1;
	}
	return 0;
}

static const char *field(const struct source *s, const struct gocsv_record *r, enum col c)
{
	if (s->col[c] < 0 || (size_t)s->col[c] >= r->nfields)
		return "";
	const char *v = r->fields[s->col[c]];
	return strcasecmp(v, "NULL") == 0 ? "" : v; /* older WMC exports write NULL */
}

static int index_rows(struct source *s, char *msg, size_t len)
{
	s->rows = calloc(s->csv.n, sizeof *s->rows);
	if (!s->rows && s->csv.n) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (size_t i = 1; i < s->csv.n; i++) {
		const struct gocsv_record *r = &s->csv.recs[i];
		const char *eui = field(s, r, C_DEV_EUI);
		char id[24];
		bool bad = !text_is_hex(eui, 16) || r->nfields != s->ncols;
		if (bad)
			snprintf(id, sizeof id, "csv-line-%zu", r->line);
		else
			text_lower(id, eui, sizeof id);
		struct row *w = bad ? NULL : find_row(s, id);
		if (w) {
			log_warn("%s: line %zu: DevEUI %s again (first on line %zu); the later "
				 "row is used",
				 s->path, r->line, eui, s->csv.recs[w->rec].line);
		} else {
			w = &s->rows[s->nrows++];
			snprintf(w->id, sizeof w->id, "%s", id);
		}
		w->rec = i;
		w->bad_eui = bad;
		w->rows++;
	}
	return 0;
}

static int wanesy_open(const struct config *cfg, struct source **out, struct src_err *err)
{
	*out = NULL;
	struct source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	err->config = true;
	s->app_id = cfg_strdup(cfg, "wanesy", "app-id");
	s->fp_id = cfg_strdup(cfg, "wanesy", "frequency-plan-id");
	s->path = cfg_strdup(cfg, "wanesy", "csv-path");
	s->all = cfg_bool(cfg, "wanesy", "all");
	char e[600];
	const char *missing = !s->app_id  ? "an application ID: set APP_ID or --app-id"
			      : !s->fp_id ? "a frequency plan ID: set FREQUENCY_PLAN_ID or "
					    "--frequency-plan-id"
			      : !s->path  ? "the CSV file: set CSV_PATH or --csv-path"
					  : NULL;
	if (missing) {
		snprintf(err->msg, sizeof err->msg, "wanesy: needs %s", missing);
		goto fail;
	}
	if (!sb_plan_band(s->fp_id, e, sizeof e)) {
		snprintf(err->msg, sizeof err->msg, "wanesy: %s", e);
		goto fail;
	}
	if (gocsv_load(s->path, &s->csv, e, sizeof e) < 0) {
		snprintf(err->msg, sizeof err->msg, "wanesy: %s", e);
		goto fail;
	}
	if (s->csv.n < 2) {
		snprintf(err->msg, sizeof err->msg,
			 "wanesy: %s: no devices (a header and at least one row are needed)",
			 s->path);
		goto fail;
	}
	if (read_header(s, e, sizeof e) < 0 || index_rows(s, e, sizeof e) < 0) {
		snprintf(err->msg, sizeof err->msg, "wanesy: %s", e);
		goto fail;
	}
	err->config = false;
	log_debug("wanesy: %s: %zu rows, %zu devices", s->path, s->csv.n - 1, s->nrows);
	*out = s;
	return 0;
fail:
	wanesy_close(s);
	return -1;
}

/* ---- listing -------------------------------------------------------------------------- */

static int wanesy_list(struct source *s, const char *app_id, src_device_cb cb, void *ud,
		       struct src_err *err)
{
	if (!s->all) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%s\": give --all to export every device of %s (the "
			 "application of the exports is --app-id; WMC's own applications are "
			 "not in the file)",
			 app_id, s->path);
		return -1;
	}
	for (size_t i = 0; i < s->nrows; i++)
		if (cb(ud, s->rows[i].id) < 0)
			return -1;
	return 0;
}

static const char *wanesy_all_application(const struct source *s)
{
	return s->all ? s->app_id : NULL;
}

static int wanesy_item_device_id(const char *item, char *out, size_t cap, struct src_err *err)
{
	if (!text_is_hex(item, 16)) {
		if (strncmp(item, "csv-line-", 9) == 0 && strlen(item) < cap) {
			snprintf(out, cap, "%s", item);
			return 0;
		}
		snprintf(err->msg, sizeof err->msg, "device \"%s\": not a DevEUI (16 hex digits)",
			 item);
		return -1;
	}
	text_lower(out, item, cap);
	return 0;
}

/* ---- the mapping ---------------------------------------------------------------------- */

struct conv {
	const struct source *s;
	const struct gocsv_record *r;
	const char *eui;
	struct src_err *err;
};

static bool secret_col(enum col c)
{
	return c == C_APP_KEY || c == C_NWK_S_KEY || c == C_APP_S_KEY || c == C_FNWK || c == C_SNWK;
}

/* One line naming the device, the row and the column; the value is quoted
 * unless it is (or may be) a key. */
static int bad(struct conv *x, enum col c, const char *why)
{
	const char *v = field(x->s, x->r, c);
	bool show = *v && !secret_col(c);
	snprintf(x->err->msg, sizeof x->err->msg, "device %s (%s line %zu): %s: %s%s%s%s", x->eui,
		 x->s->path, x->r->line, col_names[c], show ? "\"" : "", show ? v : "",
		 show ? "\": " : "", why);
	return -1;
}

/* An unsigned decimal number up to max; -1 when v is empty (dflt), -2 when bad. */
static long long dec(const char *v, unsigned long long max)
{
	if (!*v)
		return -1;
	for (const char *c = v; *c; c++)
		if (!isdigit((unsigned char)*c))
			return -2;
	errno = 0;
	unsigned long long n = strtoull(v, NULL, 10);
	return errno || n > max ? -2 : (long long)n;
}

static bool is_key(const char *v)
{
	if (strlen(v) != 32)
		return false;
	for (int i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)v[i]))
			return false;
	return true;
}

static int versions(struct conv *x, const char **mac, const char **phy)
{
	const char *v = field(x->s, x->r, C_MAC_VERSION);
	const char *rev = field(x->s, x->r, C_REG_PARAMS);
	bool a = strcasecmp(rev, "A") == 0, b = strcasecmp(rev, "B") == 0;
	int rc = sb_lorawan_versions(v, a, b, mac, phy);
	if (rc == -1)
		return bad(x, C_MAC_VERSION, "not a LoRaWAN version (1.0.0 to 1.0.4, 1.1.0)");
	if (rc == -2)
		return bad(x, C_REG_PARAMS, "must be A or B for LoRaWAN 1.0.2 and 1.1.0");
	return 0;
}

/* rx2Freq in Hz ("869525000") or MHz ("869.525"). 0 when empty. */
static int rx2_freq(struct conv *x, uint64_t *hz)
{
	const char *v = field(x->s, x->r, C_RX2_FREQ);
	*hz = 0;
	if (!*v)
		return 0;
	char *end;
	errno = 0;
	double f = strtod(v, &end);
	if (errno || *end || !isfinite(f) || f <= 0)
		return bad(x, C_RX2_FREQ, "not a frequency");
	if (strchr(v, '.') && f < 10000)
		f *= 1e6;
	if (f < 1e8 || f > 3e9)
		return bad(x, C_RX2_FREQ, "not a frequency in Hz or MHz");
	*hz = (uint64_t)llround(f);
	return 0;
}

static int location(struct conv *x, json_t *dev)
{
	const char *lat = field(x->s, x->r, C_LATITUDE), *lon = field(x->s, x->r, C_LONGITUDE),
		   *alt = field(x->s, x->r, C_ALTITUDE);
	if (!*lat && !*lon)
		return 0;
	if (!*lat || !*lon)
		return bad(x, *lat ? C_LONGITUDE : C_LATITUDE,
			   "missing (latitude and longitude go together)");
	char *end;
	double la = strtod(lat, &end);
	if (*end || !isfinite(la) || la < -90 || la > 90)
		return bad(x, C_LATITUDE, "not a latitude");
	double lo = strtod(lon, &end);
	if (*end || !isfinite(lo) || lo < -180 || lo > 180)
		return bad(x, C_LONGITUDE, "not a longitude");
	double al = 0;
	if (*alt) {
		al = strtod(alt, &end);
		if (*end || !isfinite(al) || al < -1e6 || al > 1e6)
			return bad(x, C_ALTITUDE, "not an altitude in metres");
	}
	json_t *u = json_pack("{s:f,s:f,s:s}", "latitude", la, "longitude", lo, "source",
			      "SOURCE_REGISTRY");
	if (lround(al))
		json_object_set_new(u, "altitude", json_integer(lround(al)));
	json_object_set_new(dev, "locations", json_pack("{s:o}", "user", u));
	return 0;
}

static int convert(struct source *s, const char *app, const struct row *w, json_t **out,
		   struct src_err *err)
{
	const struct gocsv_record *r = &s->csv.recs[w->rec];
	char eui[17];
	text_upper(eui, field(s, r, C_DEV_EUI), sizeof eui);
	struct conv x = {.s = s, .r = r, .eui = eui, .err = err};
	if (w->bad_eui) {
		if (r->nfields != s->ncols) {
			snprintf(err->msg, sizeof err->msg,
				 "%s line %zu: %zu fields, the header has %zu; row skipped",
				 s->path, r->line, r->nfields, s->ncols);
			return -1;
		}
		snprintf(err->msg, sizeof err->msg,
			 "%s line %zu: devEui: \"%s\" is not a DevEUI (16 hex digits); row skipped",
			 s->path, r->line, field(s, r, C_DEV_EUI));
		return -1;
	}
	const char *mac = NULL, *phy = NULL;
	if (versions(&x, &mac, &phy) < 0)
		return -1;
	const char *cls = field(s, r, C_CLASS), *act = field(s, r, C_ACTIVATION);
	if (*cls && strcasecmp(cls, "A") && strcasecmp(cls, "B") && strcasecmp(cls, "C"))
		return bad(&x, C_CLASS, "not A, B or C");
	bool otaa = strcasecmp(act, "OTAA") == 0;
	if (!otaa && strcasecmp(act, "ABP") != 0)
		return bad(&x, C_ACTIVATION, "not OTAA or ABP");

	json_t *dev = json_object();
	json_t *ids = json_pack("{s:s,s:{s:s},s:s}", "device_id", w->id, "application_ids",
				"application_id", app, "dev_eui", eui);
	json_object_set_new(dev, "ids", ids);
	const char *name = field(s, r, C_NAME);
	if (*name)
		json_object_set_new(dev, "name", json_string(name));
	json_object_set_new(dev, "lorawan_version", json_string(mac));
	json_object_set_new(dev, "lorawan_phy_version", json_string(lw_phy_version_canonical(phy)));
	json_object_set_new(dev, "frequency_plan_id", json_string(s->fp_id));
	if (strcasecmp(cls, "B") == 0)
		json_object_set_new(dev, "supports_class_b", json_true());
	if (strcasecmp(cls, "C") == 0)
		json_object_set_new(dev, "supports_class_c", json_true());
	if (otaa) {
		json_object_set_new(dev, "supports_join", json_true());
		const char *je = field(s, r, C_APP_EUI), *ak = field(s, r, C_APP_KEY);
		if (!text_is_hex(je, 16)) {
			json_decref(dev);
			return bad(&x, C_APP_EUI,
				   *je ? "not a JoinEUI (16 hex digits)"
				       : "missing on an OTAA device");
		}
		if (!is_key(ak)) {
			json_decref(dev);
			return bad(&x, C_APP_KEY,
				   *ak ? "not a key (32 hex digits)" : "missing on an OTAA device");
		}
		char up[33];
		text_upper(up, je, 17);
		json_object_set_new(ids, "join_eui", json_string(up));
		text_upper(up, ak, sizeof up);
		json_object_set_new(dev, "root_keys", json_pack("{s:{s:s}}", "app_key", "key", up));
	}

	/* MAC settings the row gives; the MAC state uses them too. */
	json_t *ms = json_object();
	long long rx2dr = dec(field(s, r, C_RX2_DR), 15), rx1 = dec(field(s, r, C_RX1_DELAY), 15),
		  off = dec(field(s, r, C_RX1_DR_OFFSET), 7);
	uint64_t rx2f = 0;
	int rc = rx2dr == -2 ? bad(&x, C_RX2_DR, "not a data rate index (0-15)")
		 : rx1 == -2 ? bad(&x, C_RX1_DELAY, "not an RX1 delay in seconds (0-15)")
		 : off == -2 ? bad(&x, C_RX1_DR_OFFSET, "not a data rate offset (0-7)")
			     : rx2_freq(&x, &rx2f);
	if (rc == 0)
		rc = location(&x, dev);
	if (rc < 0) {
		json_decref(ms);
		json_decref(dev);
		return -1;
	}
	if (rx1 == 0)
		rx1 = 1; /* RX_DELAY_0 means 1 s */
	if (rx1 > 0)
		json_object_set_new(ms, "rx1_delay", json_integer(rx1));
	if (rx2dr >= 0)
		json_object_set_new(ms, "desired_rx2_data_rate_index", json_integer(rx2dr));
	if (off >= 0)
		json_object_set_new(ms, "desired_rx1_data_rate_offset", json_integer(off));
	if (rx2f)
		json_object_set_new(ms, "desired_rx2_frequency",
				    json_sprintf("%llu", (unsigned long long)rx2f));
	if (json_object_size(ms))
		json_object_set(dev, "mac_settings", ms);
	json_decref(ms);

	/* The session: DevAddr, NwkSKey and AppSKey (1.1: also fNwkSIntKey and
	 * sNwkSIntKey). An OTAA device without one exports without (it joins
	 * again); an ABP device without one cannot work, so it is refused. */
	bool v11 = strcmp(mac, "MAC_V1_1") == 0;
	const char *addr = field(s, r, C_DEV_ADDR), *nwk = field(s, r, C_NWK_S_KEY),
		   *aps = field(s, r, C_APP_S_KEY), *fn = field(s, r, C_FNWK),
		   *sn = field(s, r, C_SNWK);
	enum col need[5] = {C_DEV_ADDR, C_NWK_S_KEY, C_APP_S_KEY, C_FNWK, C_SNWK};
	const char *val[5] = {addr, nwk, aps, fn, sn};
	int nneed = v11 ? 5 : 3, have = 0, first_missing = -1;
	for (int i = 0; i < nneed; i++)
		if (*val[i])
			have++;
		else if (first_missing < 0)
			first_missing = i;
	if (have < nneed && (!otaa || have > 0)) {
		json_decref(dev);
		return bad(&x, need[first_missing],
			   otaa ? "missing, while the row has part of a session (give all of "
				  "dev_addr, NwkSKey and AppSKey, or none)"
				: "missing on an ABP device (it cannot join, so it needs its "
				  "session)");
	}
	if (have == nneed) {
		char a[12];
		size_t n = strlen(addr);
		if (n < 1 || n > 8 || strspn(addr, "0123456789abcdefABCDEF") != n) {
			json_decref(dev);
			return bad(&x, C_DEV_ADDR, "not a DevAddr (up to 8 hex digits)");
		}
		memset(a, '0', 8 - n);
		memcpy(a + 8 - n, addr, n + 1);
		for (int i = 0; i < 5; i++)
			if (i > 0 && i < nneed && !is_key(val[i])) {
				json_decref(dev);
				return bad(&x, need[i], "not a key (32 hex digits)");
			}
		long long up = dec(field(s, r, C_FCNT_UP), UINT32_MAX),
			  down = dec(field(s, r, C_FCNT_DOWN), UINT32_MAX);
		if (up == -2 || down == -2) {
			json_decref(dev);
			return bad(&x, up == -2 ? C_FCNT_UP : C_FCNT_DOWN,
				   "not a frame counter (0-4294967295)");
		}
		struct sb_input in = {
		    .frequency_plan_id = s->fp_id,
		    .lorawan_version = mac,
		    .phy_version = phy,
		    .dev_addr = a,
		    .app_s_key = aps,
		    .f_nwk_s_int_key = v11 ? fn : nwk,
		    .s_nwk_s_int_key = v11 ? sn : NULL,
		    .nwk_s_enc_key = v11 ? nwk : NULL,
		    .last_f_cnt_up = up > 0 ? (uint32_t)up : 0,
		    .last_n_f_cnt_down = down > 0 ? (uint32_t)down : 0,
		    .last_a_f_cnt_down = down > 0 ? (uint32_t)down : 0,
		    .otaa = otaa,
		    .supports_class_c = strcasecmp(cls, "C") == 0,
		    .rx1_delay = (int)rx1,
		    .rx1_data_rate_offset = (int)off,
		    .rx2_data_rate_index = (int)rx2dr,
		    .rx2_frequency = rx2f,
		};
		json_t *session, *mac_state;
		char e[512];
		if (sb_build(&in, &session, &mac_state, e, sizeof e) < 0) {
			snprintf(err->msg, sizeof err->msg, "device %s (%s line %zu): %s", eui,
				 s->path, r->line, e);
			json_decref(dev);
			return -1;
		}
		json_object_set_new(dev, "mac_state", mac_state);
		json_object_set_new(dev, "session", session);
	}
	*out = dev;
	return 0;
}

static int wanesy_export(struct source *s, const char *app_id, const char *dev_id, json_t **out,
			 struct src_err *err)
{
	*out = NULL;
	const struct row *w = find_row(s, dev_id);
	if (!w) {
		snprintf(err->msg, sizeof err->msg, "device \"%s\": no row with this DevEUI in %s",
			 dev_id, s->path);
		err->not_found = true;
		return -1;
	}
	return convert(s, app_id ? app_id : s->app_id, w, out, err);
}

static bool wanesy_retires(const struct source *s)
{
	(void)s;
	return false;
}

static int wanesy_identity(const struct config *cfg, json_t *into, struct src_err *err)
{
	(void)err;
	const char *p = cfg_str(cfg, "wanesy", "csv-path");
	char abs[4096];
	if (p && realpath(p, abs))
		p = abs;
	json_object_set_new(into, "csv_path", json_string(p ? p : ""));
	return 0;
}

const struct source_ops wanesy_source = {
    .name = "wanesy",
    .description = "Export devices from a Kerlink Wanesy Management Center CSV export (offline)",
    .options = wanesy_options,
    .open = wanesy_open,
    .list_devices = wanesy_list,
    .export_device = wanesy_export,
    .retires = wanesy_retires,
    .identity = wanesy_identity,
    .item_device_id = wanesy_item_device_id,
    .all_application = wanesy_all_application,
    .close = wanesy_close,
};
