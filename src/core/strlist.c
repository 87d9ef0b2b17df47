#include "core/strlist.h"

#include <stdlib.h>
#include <string.h>

int strlist_add(struct strlist *l, const char *s)
{
	size_t n = strlen(s) + 1;
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap < l->len + n)
			cap *= 2;
		char *b = realloc(l->buf, cap);
		if (!b)
			return -1;
		l->buf = b;
		l->cap = cap;
	}
	if (l->n == l->ncap) {
		size_t ncap = l->ncap ? l->ncap * 2 : 256;
		size_t *o = realloc(l->off, ncap * sizeof *o);
		if (!o)
			return -1;
		l->off = o;
		l->ncap = ncap;
	}
	memcpy(l->buf + l->len, s, n);
	l->off[l->n++] = l->len;
	l->len += n;
	return 0;
}

const char *strlist_get(const struct strlist *l, size_t i)
{
	return i < l->n ? l->buf + l->off[i] : NULL;
}

void strlist_free(struct strlist *l)
{
	free(l->buf);
	free(l->off);
	memset(l, 0, sizeof *l);
}
