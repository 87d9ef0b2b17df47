#include "io/csvdev.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "ui/log.h"

enum ctype {
	C_STR,	   /* the text */
	C_EUI,	   /* 8 bytes, upper-case hex */
	C_ROOTKEY, /* AES key; sets supports_join */
	C_SESSKEY, /* AES key; gives the session a session_key_id */
	C_DEVADDR, /* 4 bytes */
	C_MAC,	   /* MAC version, by any TTS spelling */
	C_PHY,	   /* PHY version */
	C_HEX32,   /* uint32 written in hex (Go ParseUint base 16) */
	C_U32,	   /* uint32 in decimal */
	C_GOBOOL,  /* Go strconv.ParseBool */
	C_BOOLVAL, /* TTS BoolValue text: true or false only */
	C_RXDELAY, /* RX_DELAY_0..15 or 0..15, as a number */
};

/* The converter's columns (csvFieldSetters in ttscsv.go) and the JSON
 * field each sets. app_eui is its alias of join_eui. */
static const struct column {
	const char *name, *path;
	enum ctype type;
} columns[] = {
    {"id", "ids.device_id", C_STR},
    {"dev_eui", "ids.dev_eui", C_EUI},
    {"join_eui", "ids.join_eui", C_EUI},
    {"app_eui", "ids.join_eui", C_EUI},
    {"name", "name", C_STR},
    {"description", "description", C_STR},
    {"frequency_plan_id", "frequency_plan_id", C_STR},
    {"lorawan_version", "lorawan_version", C_MAC},
    {"lorawan_phy_version", "lorawan_phy_version", C_PHY},
    {"brand_id", "version_ids.brand_id", C_STR},
    {"model_id", "version_ids.model_id", C_STR},
    {"hardware_version", "version_ids.hardware_version", C_STR},
    {"firmware_version", "version_ids.firmware_version", C_STR},
    {"band_id", "version_ids.band_id", C_STR},
    {"vendor_id", "lora_alliance_profile_ids.vendor_id", C_HEX32},
    {"vendor_profile_id", "lora_alliance_profile_ids.vendor_profile_id", C_HEX32},
    {"app_key", "root_keys.app_key.key", C_ROOTKEY},
    {"nwk_key", "root_keys.nwk_key.key", C_ROOTKEY},
    {"rx1_delay", "mac_settings.rx1_delay", C_RXDELAY},
    {"supports_32_bit_f_cnt", "mac_settings.supports_32_bit_f_cnt", C_BOOLVAL},
    {"dev_addr", "session.dev_addr", C_DEVADDR},
    {"app_s_key", "session.keys.app_s_key.key", C_SESSKEY},
    {"f_nwk_s_int_key", "session.keys.f_nwk_s_int_key.key", C_SESSKEY},
    {"last_f_cnt_up", "session.last_f_cnt_up", C_U32},
    {"last_n_f_cnt_down", "session.last_n_f_cnt_down", C_U32},
    {"last_a_f_cnt_down", "session.last_a_f_cnt_down", C_U32},
    {"supports_class_c", "supports_class_c", C_GOBOOL},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

const char *const csvdev_columns[] = {
    "id",
    "dev_eui",
    "join_eui",
    "app_eui",
    "name",
    "description",
    "frequency_plan_id",
    "lorawan_version",
    "lorawan_phy_version",
    "brand_id",
    "model_id",
    "hardware_version",
    "firmware_version",
    "band_id",
    "vendor_id",
    "vendor_profile_id",
    "app_key",
    "nwk_key",
    "rx1_delay",
    "supports_32_bit_f_cnt",
    "dev_addr",
    "app_s_key",
    "f_nwk_s_int_key",
    "last_f_cnt_up",
    "last_n_f_cnt_down",
    "last_a_f_cnt_down",
    "supports_class_c",
    NULL,
};

static int column_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (strlen(columns[i].name) == len && !memcmp(columns[i].name, name, len))
			return (int)i;
	return -1;
}

/* The converter's rule, on the header line. */
static char separator(const unsigned char *line, size_t len)
{
	if (memchr(line, ';', len))
		return ';';
	if (memchr(line, ',', len))
		return ',';
	return ';';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

bool csvdev_is_header(const unsigned char *line, size_t len)
{
	char sep = separator(line, len);
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && line[j] != (unsigned char)sep && line[j] != '\n')
			j++;
		size_t a = i, b = j;
		while (a < b && (is_blank(line[a]) || line[a] == '"'))
			a++;
		while (b > a &&
		       (is_blank(line[b - 1]) || line[b - 1] == '"' || line[b - 1] == '\r'))
			b--;
		if (column_index((const char *)line + a, b - a) >= 0)
			return true;
		if (j < len && line[j] == '\n')
			break;
		i = j + 1;
	}
	return false;
}

static int put(struct csvdev *c, int ch)
{
	if (c->len + 1 >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		char *p = malloc(cap);
		if (!p)
			return -1;
		if (c->buf) {
			memcpy(p, c->buf, c->len);
			memset(c->buf, 0, c->cap); /* rows hold keys */
		}
		free(c->buf);
		c->buf = p;
		c->cap = cap;
	}
	if (!c->buf)
		return -1;
	c->buf[c->len++] = (char)ch;
	return 0;
}

static int new_field(struct csvdev *c, long col)
{
	if (c->nf == c->nf_cap) {
		size_t n = c->nf_cap ? c->nf_cap * 2 : 32;
		size_t *o = realloc(c->off, n * sizeof *o);
		if (!o)
			return -1;
		c->off = o;
		long *l = realloc(c->col, n * sizeof *l);
		if (!l)
			return -1;
		c->col = l;
		c->nf_cap = n;
	}
	c->off[c->nf] = c->len;
	c->col[c->nf] = col;
	c->nf++;
	return 0;
}

/* Ends the current field: trailing blanks (and a CR) dropped, NUL added. */
static int end_field(struct csvdev *c, size_t keep)
{
	size_t start = c->off[c->nf - 1];
	while (c->len > start + keep &&
	       (is_blank(c->buf[c->len - 1]) || c->buf[c->len - 1] == '\r'))
		c->len--;
	return put(c, '\0');
}

/*
 * One record: 1, 0 at the end, -1 for a quoted field that never closes,
 * -2 out of memory or unreadable. Quoted fields may hold separators and
 * newlines.
 */
static int read_record(struct csvdev *c, char *err, size_t errlen)
{
	struct textin *in = c->in;
	if (c->buf)
		memset(c->buf, 0, c->len);
	c->len = 0;
	c->nf = 0;
	int ch = textin_getc(in);
	if (ch == EOF)
		return in->io_error ? -2 : 0;
	c->line = in->line;
	for (;;) {
		while (is_blank(ch))
			ch = textin_getc(in);
		if (new_field(c, in->col) < 0)
			return -2;
		size_t quoted_len = 0;
		if (ch == '"') {
			long qline = in->line, qcol = in->col;
			for (;;) {
				ch = textin_getc(in);
				if (ch == EOF) {
					snprintf(err, errlen,
						 "the quoted field at line %ld, column %ld is not "
						 "closed (missing \")",
						 qline, qcol);
					return in->io_error ? -2 : -1;
				}
				if (ch == '"') {
					ch = textin_getc(in);
					if (ch != '"')
						break;
				}
				if (put(c, ch) < 0)
					return -2;
			}
			quoted_len = c->len - c->off[c->nf - 1];
		}
		while (ch != EOF && ch != '\n' && ch != c->sep) {
			if (put(c, ch) < 0)
				return -2;
			ch = textin_getc(in);
		}
		if (end_field(c, quoted_len) < 0)
			return -2;
		if (ch != c->sep)
			return 1;
		ch = textin_getc(in);
	}
}

void csvdev_free(struct csvdev *c)
{
	if (c->buf)
		memset(c->buf, 0, c->cap);
	free(c->buf);
	free(c->off);
	free(c->col);
	free(c->colmap);
	memset(c, 0, sizeof *c);
}

int csvdev_open(struct csvdev *c, struct textin *in, const char *name, struct jpos *pos, char *err,
		size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->in = in;
	c->name = name;
	size_t len;
	const unsigned char *first = textin_peek_line(in, 1 << 16, &len);
	c->sep = separator(first, len);
	*pos = (struct jpos){1, 1, 0};
	int rc = read_record(c, err, errlen);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "an empty CSV file (no header)");
		return -1;
	}
	c->ncols = c->nf;
	c->colmap = calloc(c->nf, sizeof *c->colmap);
	if (!c->colmap) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct strbuf unknown = STRBUF_INIT;
	size_t known = 0, nunknown = 0;
	for (size_t i = 0; i < c->nf; i++) {
		const char *h = c->buf + c->off[i];
		c->colmap[i] = column_index(h, strlen(h));
		if (c->colmap[i] >= 0) {
			known++;
		} else if (*h) {
			char q[44]; /* a long name: its first 40 bytes or so, and "..." */
			str_copy_cut(q, sizeof q, h);
			strbuf_addf(&unknown, "%s\"%s\"", nunknown ? ", " : "", q);
			nunknown++;
		}
	}
	if (!known) {
		snprintf(err, errlen,
			 "not The Things Stack CSV: the header (line 1) names none of its "
			 "columns (id, dev_eui, join_eui, app_key, frequency_plan_id, ...)");
		strbuf_release(&unknown);
		return -1;
	}
	if (nunknown)
		log_warn("%s:%ld: CSV columns The Things Stack does not know, ignored: %s",
			 name ? name : "input", c->line, unknown.buf);
	strbuf_release(&unknown);
	return 0;
}

static bool all_digits(const char *s, int base)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		bool ok = (*s >= '0' && *s <= '9') ||
			  (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')));
		if (!ok)
			return false;
	}
	return true;
}

static int parse_u32(const char *s, int base, uint32_t *out)
{
	if (!all_digits(s, base))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, base);
	if (errno || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A ULID (48 bits of milliseconds, 80 random bits) as standard base64: the
 * session_key_id the converter makes. */
static int new_session_key_id(char out[32])
{
	unsigned char id[16];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (int i = 0; i < 6; i++)
		id[i] = (unsigned char)(ms >> (8 * (5 - i)));
	if (getrandom(id + 6, 10, 0) != 10)
		return -1;
	return lw_base64_encode(id, sizeof id, out, 32);
}

/* Sets one cell's field; -1 with err naming the column (never a key). */
static int set_cell(json_t *dev, const struct column *col, const char *v, char *err, size_t errlen)
{
	char hex[2 * LW_KEY_LEN + 1];
	json_t *val = NULL;
	uint32_t n;
	switch (col->type) {
	case C_STR:
		val = json_string(v);
		break;
	case C_EUI:
		if (lw_eui_normalize(v, hex) < 0) {
			snprintf(err, errlen, "%s: \"%.40s\" is not an EUI (16 hex digits)",
				 col->name, v);
			return -1;
		}
		val = json_string(hex);
		break;
	case C_DEVADDR:
		if (lw_devaddr_normalize(v, hex) < 0) {
			snprintf(err, errlen, "%s: \"%.40s\" is not a DevAddr (8 hex digits)",
				 col->name, v);
			return -1;
		}
		val = json_string(hex);
		break;
	case C_ROOTKEY:
	case C_SESSKEY:
		if (lw_key_normalize(v, hex) < 0) {
			snprintf(err, errlen,
				 "%s: not an AES key (32 hex digits; %zu characters given)",
				 col->name, strlen(v));
			return -1;
		}
		val = json_string(hex);
		memset(hex, 0, sizeof hex);
		break;
	case C_MAC:
	case C_PHY: {
		const char *name =
		    col->type == C_MAC ? lw_mac_version_canonical(v) : lw_phy_version_canonical(v);
		if (!name) {
			snprintf(err, errlen, "%s: \"%.40s\" is not a known version", col->name, v);
			return -1;
		}
		val = json_string(name);
		break;
	}
	case C_HEX32:
	case C_U32:
		if (parse_u32(v, col->type == C_HEX32 ? 16 : 10, &n) < 0) {
			snprintf(err, errlen, "%s: \"%.40s\" is not a 32-bit number%s", col->name,
				 v, col->type == C_HEX32 ? " in hex" : "");
			return -1;
		}
		val = json_integer(n);
		break;
	case C_GOBOOL:
		if (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "T") || !strcmp(v, "TRUE") ||
		    !strcmp(v, "true") || !strcmp(v, "True"))
			val = json_true();
		else if (!strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "F") ||
			 !strcmp(v, "FALSE") || !strcmp(v, "false") || !strcmp(v, "False"))
			val = json_false();
		break;
	case C_BOOLVAL:
		if (!strcmp(v, "true"))
			val = json_true();
		else if (!strcmp(v, "false"))
			val = json_false();
		break;
	case C_RXDELAY: {
		const char *d = strncmp(v, "RX_DELAY_", 9) == 0 ? v + 9 : v;
		if (parse_u32(d, 10, &n) == 0 && n <= 15)
			val = json_integer(n);
		else {
			snprintf(err, errlen, "%s: \"%.40s\" is not RX_DELAY_0 to RX_DELAY_15",
				 col->name, v);
			return -1;
		}
		break;
	}
	}
	if (!val) {
		snprintf(err, errlen, "%s: \"%.40s\" is not true or false", col->name, v);
		return -1;
	}
	if (jp_set(dev, col->path, val) < 0) {
		snprintf(err, errlen, "%s: cannot be set", col->name);
		return -1;
	}
	if (col->type == C_ROOTKEY)
		jp_set(dev, "supports_join", json_true());
	if (col->type == C_SESSKEY && !jp_get(dev, "session.keys.session_key_id")) {
		char id[32];
		if (new_session_key_id(id) < 0) {
			snprintf(err, errlen, "%s: no random bytes for a session_key_id",
				 col->name);
			return -1;
		}
		jp_set(dev, "session.keys.session_key_id", json_string(id));
	}
	return 0;
}

int csvdev_next(struct csvdev *c, json_t **out, struct jpos *pos, char *err, size_t errlen)
{
	*out = NULL;
	for (;;) {
		int rc = read_record(c, err, errlen);
		*pos = (struct jpos){c->line, 1, 0};
		if (rc == 0)
			return 0;
		if (rc == -2) {
			if (c->in->io_error)
				snprintf(err, errlen, "cannot read further: %s",
					 strerror(c->in->read_errno));
			else
				snprintf(err, errlen, "out of memory");
			return -2;
		}
		if (rc < 0)
			return -1;
		bool empty = true;
		for (size_t i = 0; i < c->nf && empty; i++)
			empty = c->buf[c->off[i]] == '\0';
		if (empty)
			continue; /* a blank line, or ";;;" that spreadsheets leave */
		if (c->nf != c->ncols) {
			snprintf(err, errlen, "%zu fields, the header has %zu (separator '%c')",
				 c->nf, c->ncols, c->sep);
			return -1;
		}
		json_t *dev = json_object();
		for (size_t i = 0; i < c->nf; i++) {
			const char *v = c->buf + c->off[i];
			if (c->colmap[i] < 0 || !*v)
				continue;
			if (set_cell(dev, &columns[c->colmap[i]], v, err, errlen) < 0) {
				pos->col = c->col[i];
				json_decref(dev);
				return -1;
			}
		}
		const char *eui = json_string_value(jp_get(dev, "ids.dev_eui"));
		if (!jp_get(dev, "ids.device_id") && eui) {
			char id[32] = "eui-";
			for (size_t i = 0; i < 16 && eui[i]; i++)
				id[4 + i] =
				    (char)(eui[i] >= 'A' && eui[i] <= 'F' ? eui[i] + 32 : eui[i]);
			jp_set(dev, "ids.device_id", json_string(id));
		}
		*out = dev;
		return 1;
	}
}
