/*
 * A compact, append-only list of strings: one buffer, one offset array.
 * For the device IDs of a whole application (100,000 of them cost about
 * 3 MiB here, against some 10 MiB as JSON strings).
 */
#ifndef TTNM_CORE_STRLIST_H
#define TTNM_CORE_STRLIST_H

#include <stddef.h>

struct strlist {
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

int strlist_add(struct strlist *l, const char *s); /* 0, or -1 out of memory */
const char *strlist_get(const struct strlist *l, size_t i);
void strlist_free(struct strlist *l);

#endif
