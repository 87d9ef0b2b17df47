/*
 * A growing string buffer in the manner of git's strbuf: messages and
 * requests are built in it by pieces, so a long one is never cut.
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	strbuf_addf(&sb, "%s: %d", what, n);
 *	use(sb.buf);
 *	strbuf_release(&sb);
 *
 * sb.buf is always a NUL-terminated string (an empty one, not NULL, before
 * the first addition) and sb.len its length. Growing that fails for lack
 * of memory aborts the program with a message, as git's xmalloc() does:
 * callers need no error paths, and a message is never silently lost.
 */
#ifndef TTNM_CORE_STRBUF_H
#define TTNM_CORE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	size_t alloc; /* bytes at buf; 0 while buf is the shared empty string */
	size_t len;   /* the string's length, without its NUL */
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		0, 0, strbuf_slopbuf                                                               \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);		     /* frees; sb is then as after init */
char *strbuf_detach(struct strbuf *sb, size_t *len); /* the caller frees it */
void strbuf_reset(struct strbuf *sb);		     /* empties, keeps the memory */
void strbuf_grow(struct strbuf *sb, size_t extra);   /* room for extra more bytes */
void strbuf_setlen(struct strbuf *sb, size_t len);   /* len <= sb->len, or within alloc */

void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
__attribute__((format(printf, 2, 3))) void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void strbuf_vaddf(struct strbuf *sb, const char *fmt,
							va_list ap);

/* Appends sep first unless sb is empty: for lists ("a, b, c"). */
void strbuf_addsep(struct strbuf *sb, const char *sep);

/*
 * Copies s into dst (cap bytes, cap > 0). When s does not fit it is cut
 * visibly: at a UTF-8 character boundary, followed by "..." (as much of it
 * as fits). Returns true when s was cut.
 */
bool str_copy_cut(char *dst, size_t cap, const char *s);

/* snprintf() into dst, but a message too long for it is cut as
 * str_copy_cut() does: visibly. Returns true when it was cut. */
__attribute__((format(printf, 3, 4))) bool str_printf_cut(char *dst, size_t cap, const char *fmt,
							  ...);
__attribute__((format(printf, 3, 0))) bool str_vprintf_cut(char *dst, size_t cap, const char *fmt,
							   va_list ap);

#endif
