#include "io/jsondump.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = malloc(cap);
		if (!p) {
			b->oom = true;
			return;
		}
		if (b->p) {
			memcpy(p, b->p, b->len);
			memset(b->p, 0, b->cap); /* devices hold keys */
		}
		free(b->p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void adds(struct sbuf *b, const char *s)
{
	add(b, s, strlen(s));
}

int jd_real(double d, char *out, size_t outlen)
{
	int n = 0;
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(out, outlen, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	/* 100 is "1e+02" at its shortest: print integral parts in full, as
	 * jansson does below 1e17. */
	const char *e = strchr(out, 'e');
	int exp10 = e ? atoi(e + 1) : -1;
	if (exp10 >= 0 && exp10 < 17)
		n = snprintf(out, outlen, "%.*g", exp10 + 1, d);
	/* A locale with a decimal comma would make this invalid JSON. */
	for (char *c = out; *c; c++)
		if (*c == ',')
			*c = '.';
	if (!strpbrk(out, ".eEn") && (size_t)n + 2 < outlen) {
		memcpy(out + n, ".0", 3);
		n += 2;
	}
	return n;
}

/* Escapes as jansson does by default: quote, backslash, control bytes. */
static void dump_string(struct sbuf *b, const char *s, size_t n)
{
	add(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		add(b, s + run, i - run);
		run = i + 1;
		char esc[8];
		switch (c) {
		case '"':
			adds(b, "\\\"");
			break;
		case '\\':
			adds(b, "\\\\");
			break;
		case '\b':
			adds(b, "\\b");
			break;
		case '\f':
			adds(b, "\\f");
			break;
		case '\n':
			adds(b, "\\n");
			break;
		case '\r':
			adds(b, "\\r");
			break;
		case '\t':
			adds(b, "\\t");
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", c);
			adds(b, esc);
		}
	}
	add(b, s + run, n - run);
	add(b, "\"", 1);
}

static void dump(struct sbuf *b, const json_t *v)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		bool first = true;
		add(b, "{", 1);
		json_object_foreach((json_t *)v, k, x)
		{
			if (!first)
				add(b, ",", 1);
			first = false;
			dump_string(b, k, strlen(k));
			add(b, ":", 1);
			dump(b, x);
		}
		add(b, "}", 1);
		break;
	}
	case JSON_ARRAY:
		add(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				add(b, ",", 1);
			dump(b, json_array_get(v, i));
		}
		add(b, "]", 1);
		break;
	case JSON_STRING:
		dump_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		adds(b, num);
		break;
	case JSON_REAL:
		jd_real(json_real_value(v), num, sizeof num);
		adds(b, num);
		break;
	case JSON_TRUE:
		adds(b, "true");
		break;
	case JSON_FALSE:
		adds(b, "false");
		break;
	case JSON_NULL:
		adds(b, "null");
		break;
	}
}

char *jd_dumps(const json_t *v)
{
	struct sbuf b = {0};
	dump(&b, v);
	if (b.oom) {
		if (b.p)
			memset(b.p, 0, b.cap);
		free(b.p);
		return NULL;
	}
	return b.p;
}
