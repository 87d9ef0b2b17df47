#include "core/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The empty string every unallocated strbuf points at; only ever holds "". */
char strbuf_slopbuf[1];

/* As git's xmalloc(): running out of memory while composing a message or a
 * request is not recoverable in a useful way, so say so and stop. */
static void die_oom(size_t n)
{
	fprintf(stderr, "ttn-lw-migrate: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	if (len)
		*len = sb->len;
	/* The caller always gets memory of its own, also for an empty one. */
	if (!sb->alloc)
		strbuf_grow(sb, 0);
	char *s = sb->buf;
	strbuf_init(sb, 0);
	return s;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (extra > SIZE_MAX - sb->len - 1)
		die_oom(SIZE_MAX);
	size_t need = sb->len + extra + 1;
	if (sb->alloc && need <= sb->alloc)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	char *p = realloc(sb->alloc ? sb->buf : NULL, n);
	if (!p)
		die_oom(n);
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = n;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc) {
		/* Only 0 fits the shared empty string; it must stay "". */
		if (len)
			strbuf_grow(sb, len);
		else
			return;
	}
	if (len >= sb->alloc)
		strbuf_grow(sb, len - sb->len);
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	strbuf_setlen(sb, sb->len + n);
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len] = (char)c;
	strbuf_setlen(sb, sb->len + 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return; /* an encoding error: nothing sensible to add */
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	strbuf_setlen(sb, sb->len + (size_t)n);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_addsep(struct strbuf *sb, const char *sep)
{
	if (sb->len)
		strbuf_addstr(sb, sep);
}

bool str_copy_cut(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n < cap) {
		memcpy(dst, s, n + 1);
		return false;
	}
	size_t mark = cap > 4 ? 3 : cap - 1; /* as much of "..." as fits */
	size_t keep = cap - 1 - mark;
	/* Back up to the start of a character: never end on half of one. */
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(dst, s, keep);
	memcpy(dst + keep, "...", mark);
	dst[keep + mark] = '\0';
	return true;
}

bool str_vprintf_cut(char *dst, size_t cap, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	bool cut = str_copy_cut(dst, cap, sb.buf);
	strbuf_release(&sb);
	return cut;
}

bool str_printf_cut(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool cut = str_vprintf_cut(dst, cap, fmt, ap);
	va_end(ap);
	return cut;
}
