#include "io/jsonstream.h"

#include <stdlib.h>
#include <string.h>

void jstream_init(struct jstream *s, FILE *fp)
{
	memset(s, 0, sizeof *s);
	s->fp = fp;
	s->line = 1;
}

void jstream_free(struct jstream *s)
{
	if (s->buf)
		memset(s->buf, 0, s->cap); /* objects hold keys */
	free(s->buf);
	s->buf = NULL;
}

static int next_char(struct jstream *s)
{
	int c = getc(s->fp);
	if (c == '\n')
		s->line++;
	if (c == EOF)
		s->eof = true;
	return c;
}

static int push(struct jstream *s, int c)
{
	if (s->len + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *p = realloc(s->buf, cap);
		if (!p)
			return -1;
		s->buf = p;
		s->cap = cap;
	}
	s->buf[s->len++] = (char)c;
	return 0;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xFEFF;
}

/* Skips to the start of the next line: resynchronises after garbage. */
static void skip_line(struct jstream *s)
{
	int c;
	while ((c = next_char(s)) != EOF && c != '\n')
		;
}

/* Reads the rest of an object whose '{' was just read into s->buf. */
static int capture_object(struct jstream *s, long start, char *err, size_t errlen)
{
	int depth = 1, c;
	bool in_str = false, esc = false;
	while (depth > 0) {
		c = next_char(s);
		if (c == EOF) {
			snprintf(err, errlen, "line %ld: the object starting here is truncated "
					      "(input ends inside it)",
				 start);
			return -2;
		}
		if (s->len >= JSTREAM_MAX_OBJECT) {
			snprintf(err, errlen, "line %ld: object larger than %u MiB", start,
				 JSTREAM_MAX_OBJECT >> 20);
			return -2;
		}
		if (push(s, c) < 0) {
			snprintf(err, errlen, "out of memory");
			return -2;
		}
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return 0;
}

int jstream_next(struct jstream *s, json_t **out, long *line, char *err, size_t errlen)
{
	*out = NULL;
	for (;;) {
		int c = next_char(s);
		if (c == EOF) {
			if (s->in_array == 1) {
				snprintf(err, errlen, "line %ld: the array is not closed (missing ])",
					 s->line);
				s->in_array = 2;
				return -2;
			}
			return 0;
		}
		if (is_space(c))
			continue;
		/* UTF-8 byte order mark at the very start. */
		if (!s->started && c == 0xEF) {
			if (next_char(s) == 0xBB && next_char(s) == 0xBF)
				continue;
			snprintf(err, errlen, "line 1: not JSON");
			return -2;
		}
		bool first = !s->started;
		s->started = true;
		if (first && c == '[') {
			s->in_array = 1;
			continue;
		}
		if (s->in_array == 1 && (c == ',' || c == ']')) {
			if (c == ']')
				s->in_array = 2;
			continue;
		}
		if (c != '{') {
			*line = s->line;
			snprintf(err, errlen, "line %ld: expected a JSON object, found '%c'", s->line,
				 c >= 0x20 && c < 0x7f ? c : '?');
			skip_line(s);
			return -1;
		}
		*line = s->line;
		s->len = 0;
		push(s, c);
		int rc = capture_object(s, *line, err, errlen);
		if (rc < 0)
			return rc;
		json_error_t jerr;
		json_t *obj = json_loadb(s->buf, s->len, JSON_REJECT_DUPLICATES, &jerr);
		memset(s->buf, 0, s->len);
		if (!obj) {
			snprintf(err, errlen, "line %ld: malformed JSON: %s", *line + jerr.line - 1,
				 jerr.text);
			return -1;
		}
		*out = obj;
		return 1;
	}
}
