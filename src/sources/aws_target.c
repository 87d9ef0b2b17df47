/* SigV4 canonical request targets; see aws_target.h for why the tool builds them. */
#include "sources/aws_target.h"

#include <stdlib.h>
#include <string.h>

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

void aws_uri_encode(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			strbuf_addch(sb, *p);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[*p >> 4]);
			strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

struct enc_pair {
	char *key, *value;
};

/* Byte order of the encoded forms, as SigV4 sorts them. */
static int pair_cmp(const void *a, const void *b)
{
	const struct enc_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

static char *encoded(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	aws_uri_encode(&sb, s ? s : "");
	return strbuf_detach(&sb, NULL);
}

void aws_target(struct strbuf *sb, const char *const *segs, size_t nseg,
		const struct aws_param *params, size_t np)
{
	if (nseg == 0)
		strbuf_addch(sb, '/');
	for (size_t i = 0; i < nseg; i++) {
		strbuf_addch(sb, '/');
		aws_uri_encode(sb, segs[i]);
	}
	if (np == 0)
		return;
	struct enc_pair *e = calloc(np, sizeof *e);
	if (!e)
		abort(); /* as strbuf does: no message is ever silently short */
	for (size_t i = 0; i < np; i++) {
		e[i].key = encoded(params[i].key);
		e[i].value = encoded(params[i].value);
	}
	qsort(e, np, sizeof *e, pair_cmp);
	for (size_t i = 0; i < np; i++) {
		strbuf_addch(sb, i ? '&' : '?');
		strbuf_addstr(sb, e[i].key);
		strbuf_addch(sb, '=');
		strbuf_addstr(sb, e[i].value);
		free(e[i].key);
		free(e[i].value);
	}
	free(e);
}
