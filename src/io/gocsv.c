/* CSV as Go's encoding/csv reads it (see gocsv.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/gocsv.h"

#define MAX_FILE ((size_t)256 << 20)

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_put(struct buf *b, char c)
{
	if (b->n + 1 >= b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		char *p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
	return 0;
}

static char *buf_take(struct buf *b)
{
	char *s = b->p ? b->p : strdup("");
	b->p = NULL;
	b->n = b->cap = 0;
	return s;
}

static int rec_add(struct gocsv_record *r, char *field)
{
	if (!field)
		return -1;
	char **f = realloc(r->fields, (r->nfields + 1) * sizeof *f);
	if (!f) {
		free(field);
		return -1;
	}
	r->fields = f;
	r->fields[r->nfields++] = field;
	return 0;
}

static void rec_free(struct gocsv_record *r)
{
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	free(r->fields);
}

void gocsv_free(struct gocsv *csv)
{
	for (size_t i = 0; i < csv->n; i++)
		rec_free(&csv->recs[i]);
	free(csv->recs);
	csv->recs = NULL;
	csv->n = 0;
}

/* "\r\n" -> "\n", and a "\r" right before the end of the input is dropped
 * (Go's readLine does both). */
static char *normalize(const char *d, size_t len, size_t *outlen)
{
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (d[i] == '\r' && (i + 1 == len || d[i + 1] == '\n'))
			continue;
		s[n++] = d[i];
	}
	s[n] = '\0';
	*outlen = n;
	return s;
}

int gocsv_parse(const char *data, size_t len, struct gocsv *out, char *err, size_t errlen)
{
	out->n = 0;
	out->recs = NULL;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	const char *nul = memchr(data, '\0', len);
	if (nul) {
		size_t line = 1;
		for (const char *c = data; c < nul; c++)
			line += *c == '\n';
		snprintf(err, errlen, "line %zu: NUL byte (not a text file?)", line);
		return -1;
	}
	size_t n;
	char *s = normalize(data, len, &n);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t pos = 0, line = 1, line_start = 0, cap = 0;
	struct buf b = {0};
	struct gocsv_record r = {0};
	const char *what = NULL;
	while (pos < n) {
		if (s[pos] == '\n') { /* empty line */
			pos++;
			line++;
			line_start = pos;
			continue;
		}
		r = (struct gocsv_record){.line = line};
		for (;;) { /* one field */
			if (pos < n && s[pos] == '"') {
				pos++;
				for (;;) {
					if (pos >= n) {
						what = "extraneous or missing \" in quoted-field";
						goto fail;
					}
					char c = s[pos];
					if (c != '"') {
						if (buf_put(&b, c) < 0)
							goto oom;
						pos++;
						if (c == '\n') {
							line++;
							line_start = pos;
						}
						continue;
					}
					if (pos + 1 < n && s[pos + 1] == '"') {
						if (buf_put(&b, '"') < 0)
							goto oom;
						pos += 2;
						continue;
					}
					pos++;
					if (pos < n && s[pos] != ',' && s[pos] != '\n') {
						what = "extraneous or missing \" in quoted-field";
						goto fail;
					}
					break;
				}
			} else {
				while (pos < n && s[pos] != ',' && s[pos] != '\n') {
					if (s[pos] == '"') {
						what = "bare \" in non-quoted-field";
						goto fail;
					}
					if (buf_put(&b, s[pos]) < 0)
						goto oom;
					pos++;
				}
			}
			if (rec_add(&r, buf_take(&b)) < 0)
				goto oom;
			if (pos < n && s[pos] == ',') {
				pos++;
				continue;
			}
			if (pos < n) { /* '\n' */
				pos++;
				line++;
				line_start = pos;
			}
			break;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			struct gocsv_record *g = realloc(out->recs, cap * sizeof *g);
			if (!g)
				goto oom;
			out->recs = g;
		}
		out->recs[out->n++] = r;
		r = (struct gocsv_record){0};
	}
	free(s);
	return 0;
oom:
	what = "out of memory";
fail:
	snprintf(err, errlen, "line %zu, column %zu: %s", line, pos - line_start + 1, what);
	free(b.p);
	rec_free(&r);
	free(s);
	gocsv_free(out);
	return -1;
}

int gocsv_load(const char *path, struct gocsv *out, char *err, size_t errlen)
{
	out->n = 0;
	out->recs = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *data = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_FILE) {
				snprintf(err, errlen, "%s: larger than 256 MiB", path);
				goto fail;
			}
			cap = cap ? 2 * cap : 65536;
			char *p = realloc(data, cap);
			if (!p) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			data = p;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	char e[256];
	int rc = gocsv_parse(data ? data : "", n, out, e, sizeof e);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, e);
	free(data);
	return rc;
fail:
	fclose(f);
	free(data);
	return -1;
}
