#include "io/textin.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/log.h"

/* Windows-1252 0x80–0x9F as Unicode; the five unassigned bytes map to the
 * C1 controls of the same value, as the WHATWG encoding standard does. */
static const uint16_t cp1252_80[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

void textin_init(struct textin *t, FILE *fp, const char *name)
{
	memset(t, 0, sizeof *t);
	t->fp = fp;
	t->name = name;
	t->cd = (iconv_t)-1;
	t->dec_line = 1;
	t->next_line = 1;
	t->next_col = 1;
	t->ungot = -1;
}

void textin_free(struct textin *t)
{
	if (t->cd != (iconv_t)-1)
		iconv_close(t->cd);
	t->cd = (iconv_t)-1;
	/* Device files hold keys. */
	if (t->back)
		memset(t->back, 0, t->back_cap);
	free(t->back);
	t->back = NULL;
	memset(t->raw, 0, sizeof t->raw);
	memset(t->u8, 0, sizeof t->u8);
}

/* Up to want bytes of the file, ending early after a '\n' byte: fread()
 * would wait for all of them, and a terminal or a slow pipe must get each
 * line handled as it comes. */
static size_t read_some(struct textin *t, unsigned char *dst, size_t want)
{
	size_t n = 0;
	while (n < want) {
		int c = getc(t->fp);
		if (c == EOF) {
			if (ferror(t->fp)) {
				t->io_error = true;
				t->read_errno = errno;
			}
			break;
		}
		dst[n++] = (unsigned char)c;
		if (c == '\n')
			break;
	}
	return n;
}

/* Appends up to want bytes of the file to raw; returns how many. */
static size_t read_raw(struct textin *t, size_t want)
{
	if (want > sizeof t->raw - t->raw_len)
		want = sizeof t->raw - t->raw_len;
	size_t n = read_some(t, t->raw + t->raw_len, want);
	t->raw_len += n;
	return n;
}

static bool fill_u8(struct textin *t);

/* First bytes: a BOM, or UTF-16 without one (ASCII and NUL interleaved). */
static void sniff(struct textin *t)
{
	t->sniffed = true;
	/* Four bytes tell UTF-16 without a BOM; a shorter first line is not. */
	while (t->raw_len < 4 && (!t->raw_len || t->raw[t->raw_len - 1] != '\n') &&
	       read_raw(t, 4 - t->raw_len) > 0)
		;
	const unsigned char *r = t->raw;
	size_t skip = 0;
	if (t->raw_len >= 3 && r[0] == 0xEF && r[1] == 0xBB && r[2] == 0xBF) {
		skip = 3;
	} else if (t->raw_len >= 2 && r[0] == 0xFF && r[1] == 0xFE) {
		t->encoding = "UTF-16LE";
		skip = 2;
	} else if (t->raw_len >= 2 && r[0] == 0xFE && r[1] == 0xFF) {
		t->encoding = "UTF-16BE";
		skip = 2;
	} else if (t->raw_len >= 4 && r[0] && r[0] < 0x80 && !r[1] && r[2] < 0x80 && !r[3]) {
		t->encoding = "UTF-16LE";
	} else if (t->raw_len >= 4 && !r[0] && r[1] && r[1] < 0x80 && !r[2] && r[3] < 0x80) {
		t->encoding = "UTF-16BE";
	}
	memmove(t->raw, t->raw + skip, t->raw_len - skip);
	t->raw_len -= skip;
	if (t->encoding) {
		t->cd = iconv_open("UTF-8", t->encoding);
		if (t->cd == (iconv_t)-1) {
			t->io_error = true;
			t->read_errno = errno;
		}
	}
	/* A BOM inside the converted text too (written twice, or UTF-16 with
	 * a UTF-8 BOM converted into it). */
	if (fill_u8(t) && t->u8_len >= 3 && !memcmp(t->u8, "\xEF\xBB\xBF", 3))
		t->u8_pos = 3;
}

/* Refills u8 (keeping its unread tail); false when nothing more comes. */
static bool fill_u8(struct textin *t)
{
	memmove(t->u8, t->u8 + t->u8_pos, t->u8_len - t->u8_pos);
	t->u8_len -= t->u8_pos;
	t->u8_pos = 0;
	size_t before = t->u8_len;
	if (t->io_error)
		return false;
	if (t->cd == (iconv_t)-1) {
		/* UTF-8 (or so it claims): straight from the file. */
		size_t room = sizeof t->u8 - t->u8_len;
		if (room > TEXTIN_RAW)
			room = TEXTIN_RAW;
		if (t->raw_len) { /* left over from sniffing */
			memcpy(t->u8 + t->u8_len, t->raw, t->raw_len);
			t->u8_len += t->raw_len;
			t->raw_len = 0;
		} else {
			t->u8_len += read_some(t, t->u8 + t->u8_len, room);
		}
		return t->u8_len > before;
	}
	/* UTF-16: convert what the file gives; an odd byte or half a
	 * surrogate pair at the end of raw waits for the next read. */
	while (t->u8_len == before) {
		size_t got = read_raw(t, sizeof t->raw);
		if (t->raw_len == 0)
			return false;
		char *in = (char *)t->raw, *out = (char *)t->u8 + t->u8_len;
		size_t inleft = t->raw_len, outleft = sizeof t->u8 - t->u8_len;
		size_t rc = iconv(t->cd, &in, &inleft, &out, &outleft);
		int e = errno;
		t->u8_len = sizeof t->u8 - outleft;
		memmove(t->raw, in, inleft);
		t->raw_len = inleft;
		if (rc == (size_t)-1 && (e == EILSEQ || (e == EINVAL && got == 0))) {
			/* Not UTF-16 here (a lone surrogate, or a last odd byte):
			 * U+FFFD for this unit, and go on. */
			size_t drop = t->raw_len < 2 ? t->raw_len : 2;
			memmove(t->raw, t->raw + drop, t->raw_len - drop);
			t->raw_len -= drop;
			if (sizeof t->u8 - t->u8_len >= 3) {
				memcpy(t->u8 + t->u8_len, "\xEF\xBF\xBD", 3);
				t->u8_len += 3;
			}
		} else if (got == 0 && t->u8_len == before) {
			return false;
		}
	}
	return true;
}

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. */
static int utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	int len;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < (size_t)len || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static void put_utf8(struct textin *t, unsigned cp)
{
	t->q_pos = 0;
	if (cp < 0x80) {
		t->q[0] = (unsigned char)cp;
		t->q_len = 1;
	} else if (cp < 0x800) {
		t->q[0] = (unsigned char)(0xC0 | cp >> 6);
		t->q[1] = (unsigned char)(0x80 | (cp & 0x3F));
		t->q_len = 2;
	} else {
		t->q[0] = (unsigned char)(0xE0 | cp >> 12);
		t->q[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		t->q[2] = (unsigned char)(0x80 | (cp & 0x3F));
		t->q_len = 3;
	}
}

/* The next decoded byte, before positions and peeking. */
static int decode_next(struct textin *t)
{
	if (t->q_pos < t->q_len)
		return t->q[t->q_pos++];
	if (!t->sniffed)
		sniff(t);
	/* Have the whole sequence the next byte starts in the buffer; read no
	 * further than that (a terminal's next line is not typed yet). */
	size_t avail = t->u8_len - t->u8_pos;
	unsigned char lead = avail ? t->u8[t->u8_pos] : 0;
	size_t need = !avail ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
	if (avail < need && !t->eof)
		(void)fill_u8(t);
	if (t->u8_pos == t->u8_len) {
		t->eof = true;
		return EOF;
	}
	const unsigned char *p = t->u8 + t->u8_pos;
	int len = utf8_len(p, t->u8_len - t->u8_pos);
	if (len == 0) {
		unsigned char b = *p;
		put_utf8(t, b < 0xA0 ? cp1252_80[b - 0x80] : b);
		t->u8_pos++;
		if (!t->cp1252_line) {
			t->cp1252_line = t->dec_line;
			log_warn("%s:%ld: not UTF-8; read as Windows-1252",
				 t->name ? t->name : "input", t->dec_line);
		}
		t->cp1252_bytes++;
	} else {
		memcpy(t->q, p, (size_t)len);
		t->q_len = len;
		t->q_pos = 0;
		t->u8_pos += (size_t)len;
	}
	if (t->q[0] == '\n')
		t->dec_line++;
	return t->q[t->q_pos++];
}

int textin_getc(struct textin *t)
{
	int c;
	if (t->ungot >= 0) {
		c = t->ungot;
		t->ungot = -1;
		t->line = t->ungot_line;
		t->col = t->ungot_col;
		t->next_line = t->ungot_next_line;
		t->next_col = t->ungot_next_col;
		return c;
	}
	if (t->back_pos < t->back_len) {
		c = t->back[t->back_pos++];
		if (t->back_pos == t->back_len)
			t->back_pos = t->back_len = 0;
	} else {
		c = decode_next(t);
	}
	if (c == EOF)
		return EOF;
	t->ungot_line = t->line;
	t->ungot_col = t->col;
	t->ungot_next_line = t->next_line;
	t->ungot_next_col = t->next_col;
	if ((c & 0xC0) != 0x80) { /* not a continuation byte: a new character */
		t->line = t->next_line;
		t->col = t->next_col++;
	}
	if (c == '\n') {
		t->next_line++;
		t->next_col = 1;
	}
	return c;
}

void textin_ungetc(struct textin *t, int c)
{
	if (c == EOF)
		return;
	/* Swap: the saved position becomes current, the current one is kept
	 * for when the byte is read again. */
	long l = t->line, co = t->col, nl = t->next_line, nc = t->next_col;
	t->line = t->ungot_line;
	t->col = t->ungot_col;
	t->next_line = t->ungot_next_line;
	t->next_col = t->ungot_next_col;
	t->ungot_line = l;
	t->ungot_col = co;
	t->ungot_next_line = nl;
	t->ungot_next_col = nc;
	t->ungot = c;
}

const unsigned char *textin_peek_line(struct textin *t, size_t cap, size_t *len)
{
	/* Only the pending lookahead is peeked; an ungot byte stays first. */
	for (;;) {
		size_t have = t->back_len - t->back_pos;
		const unsigned char *nl = have ? memchr(t->back + t->back_pos, '\n', have) : NULL;
		if (nl || have >= cap)
			break;
		int c = decode_next(t);
		if (c == EOF)
			break;
		if (t->back_len + 1 > t->back_cap) {
			size_t ncap = t->back_cap ? t->back_cap * 2 : 4096;
			unsigned char *b = malloc(ncap);
			if (!b)
				break;
			if (t->back)
				memcpy(b, t->back, t->back_len);
			if (t->back)
				memset(t->back, 0, t->back_cap);
			free(t->back);
			t->back = b;
			t->back_cap = ncap;
		}
		t->back[t->back_len++] = (unsigned char)c;
	}
	if (!t->back) { /* nothing read at all: no buffer to point into */
		*len = 0;
		return (const unsigned char *)"";
	}
	size_t have = t->back_len - t->back_pos;
	const unsigned char *nl = have ? memchr(t->back + t->back_pos, '\n', have) : NULL;
	*len = nl ? (size_t)(nl - (t->back + t->back_pos)) + 1 : (have < cap ? have : cap);
	return t->back + t->back_pos;
}
