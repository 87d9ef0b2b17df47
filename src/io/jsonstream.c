#include "io/jsonstream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"

void jstream_init_text(struct jstream *s, struct textin *in)
{
	memset(s, 0, sizeof *s);
	s->in = in;
}

void jstream_init(struct jstream *s, FILE *fp)
{
	memset(s, 0, sizeof *s);
	textin_init(&s->own, fp, NULL);
	s->in = &s->own;
}

void jstream_free(struct jstream *s)
{
	if (s->buf)
		memset(s->buf, 0, s->cap); /* objects hold keys */
	free(s->buf);
	s->buf = NULL;
	json_decref(s->list);
	s->list = NULL;
	if (s->in == &s->own)
		textin_free(&s->own);
}

static int getch(struct jstream *s)
{
	return textin_getc(s->in);
}

static struct jpos here(const struct jstream *s)
{
	return (struct jpos){s->in->line, s->in->col, 0};
}

static bool is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int push(struct jstream *s, int c)
{
	if (s->len + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *p = malloc(cap);
		if (!p)
			return -1;
		if (s->buf) {
			memcpy(p, s->buf, s->len);
			memset(s->buf, 0, s->cap);
		}
		free(s->buf);
		s->buf = p;
		s->cap = cap;
	}
	s->buf[s->len++] = (char)c;
	return 0;
}

static void wipe(struct jstream *s)
{
	if (s->buf)
		memset(s->buf, 0, s->len);
	s->len = 0;
}

/* JSON nesting as the bytes go by: strings (with escapes) hide brackets. */
struct scan {
	int depth;
	bool in_str, esc;
};

static void scan_byte(struct scan *sc, int c)
{
	if (sc->in_str) {
		if (sc->esc)
			sc->esc = false;
		else if (c == '\\')
			sc->esc = true;
		else if (c == '"')
			sc->in_str = false;
	} else if (c == '"') {
		sc->in_str = true;
	} else if (c == '{' || c == '[') {
		sc->depth++;
	} else if (c == '}' || c == ']') {
		sc->depth--;
	}
}

static int read_error(struct jstream *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot read further: %s", strerror(s->in->read_errno));
	return -2;
}

/* Reads the rest of a value whose first bytes are in s->buf and sc, up to
 * its closing bracket. A value larger than the limit is read to its end
 * without being kept, so that the next one is found. */
static int capture(struct jstream *s, struct scan *sc, char *err, size_t errlen)
{
	bool big = false;
	while (sc->depth > 0) {
		int c = getch(s);
		if (c == EOF) {
			if (s->in->io_error)
				return read_error(s, err, errlen);
			wipe(s);
			s->mode = 0; /* one error: the array is not closed either */
			snprintf(err, errlen,
				 "the object starting here is truncated (the input "
				 "ends inside it)");
			return -1;
		}
		if (!big && s->len >= JSTREAM_MAX_OBJECT) {
			big = true;
			wipe(s);
		}
		if (!big && push(s, c) < 0) {
			snprintf(err, errlen, "out of memory");
			return -2;
		}
		scan_byte(sc, c);
	}
	if (big) {
		snprintf(err, errlen, "the object starting here is larger than %u MiB; skipped",
			 JSTREAM_MAX_OBJECT >> 20);
		return -1;
	}
	return 0;
}

/* Reads one byte into the object being captured; EOF is not kept. */
static int take(struct jstream *s, struct scan *sc)
{
	int c = getch(s);
	if (c != EOF && push(s, c) == 0)
		scan_byte(sc, c);
	return c;
}

/*
 * After a top-level '{': is this {"end_devices": [ ? Then returns 1 and the
 * list's elements are read as an array's, as they come. Else every byte read
 * is in s->buf and sc, and the object is captured as any other.
 */
static int try_wrapper(struct jstream *s, struct scan *sc, const struct jpos *pos)
{
	static const char key[] = "end_devices";
	int c;
	while (is_ws(c = take(s, sc)))
		;
	if (c != '"')
		return 0;
	size_t n = 0;
	while ((c = take(s, sc)) != EOF && c != '"' && c != '\\' && n < sizeof key)
		if (key[n++] != c)
			return 0;
	if (c != '"' || n != sizeof key - 1)
		return 0;
	while (is_ws(c = take(s, sc)))
		;
	if (c != ':')
		return 0;
	while (is_ws(c = take(s, sc)))
		;
	if (c != '[')
		return 0;
	wipe(s);
	s->mode = 2;
	s->elem = 0;
	s->arr_start = *pos;
	return 1;
}

static int next_from_list(struct jstream *s, json_t **out, struct jpos *pos, char *err,
			  size_t errlen);

/* A parsed object: a device, or a shape that holds devices or is not one. */
static int shape(struct jstream *s, json_t *obj, json_t **out, struct jpos *pos, char *err,
		 size_t errlen)
{
	if (!json_object_get(obj, "ids")) {
		json_t *one = json_object_get(obj, "end_device");
		json_t *list = json_object_get(obj, "end_devices");
		if (json_is_object(one)) {
			bool mask = json_object_get(obj, "field_mask") != NULL;
			snprintf(err, errlen,
				 "an API request body (%s), not a device: the device is under "
				 "end_device, with only the fields of that one request; export "
				 "the whole device (ttn-lw-cli end-devices get --all) or take it "
				 "out with jq .end_device",
				 mask ? "SetEndDeviceRequest" : "CreateEndDeviceRequest");
			json_decref(obj);
			return -1;
		}
		if (json_is_array(list)) {
			s->list = json_incref(list);
			s->list_i = 0;
			s->list_pos = *pos;
			json_decref(obj);
			return next_from_list(s, out, pos, err, errlen);
		}
	}
	*out = obj;
	return 1;
}

static int object(struct jstream *s, json_t **out, struct jpos *pos, char *err, size_t errlen,
		  bool top)
{
	wipe(s);
	struct scan sc = {.depth = 1};
	if (push(s, '{') < 0) {
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	if (top && try_wrapper(s, &sc, pos) == 1)
		return jstream_read(s, out, pos, err, errlen);
	int rc = capture(s, &sc, err, errlen);
	if (rc < 0)
		return rc;
	json_error_t jerr;
	json_t *obj = json_loadb(s->buf, s->len, JSON_REJECT_DUPLICATES, &jerr);
	wipe(s);
	if (!obj) {
		/* One position: where jansson stopped, in the file's terms. */
		if (jerr.line > 1) {
			pos->line += jerr.line - 1;
			pos->col = jerr.column > 0 ? jerr.column : 1;
		} else if (jerr.column > 1) {
			pos->col += jerr.column - 1;
		}
		snprintf(err, errlen, "malformed JSON: %s", jerr.text);
		return -1;
	}
	return shape(s, obj, out, pos, err, errlen);
}

static int next_from_list(struct jstream *s, json_t **out, struct jpos *pos, char *err,
			  size_t errlen)
{
	if (s->list_i >= json_array_size(s->list)) {
		json_decref(s->list);
		s->list = NULL;
		return jstream_read(s, out, pos, err, errlen);
	}
	size_t i = s->list_i++;
	json_t *v = json_array_get(s->list, i);
	*pos = s->list_pos;
	pos->elem = (long)i + 1;
	if (!json_is_object(v)) {
		snprintf(err, errlen, "element %zu of end_devices is %s, not a device object",
			 i + 1, jp_type_name(v));
		return -1;
	}
	*out = json_incref(v);
	return 1;
}

/* What a bare token is, for the message. */
static const char *token_kind(const char *tok)
{
	if (tok[0] == '"')
		return "a string";
	if (!strcmp(tok, "true") || !strcmp(tok, "false"))
		return "a boolean";
	if (!strcmp(tok, "null"))
		return "null";
	char *end;
	(void)strtod(tok, &end);
	if (end != tok && *end == '\0' && (tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')))
		return "a number";
	return NULL;
}

/* Does this peeked line hold more text that is not JSON? */
static bool junk_line(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (is_ws(p[i]))
			continue;
		return !strchr("{[],", p[i]);
	}
	return false;
}

/*
 * Text at the top level that is not an object: the rest of its line, and
 * the lines of text right after it, are one error. It stops before a '{' on
 * the same line, so an object after garbage is still read.
 */
static int junk(struct jstream *s, int c, struct jpos *pos, char *err, size_t errlen)
{
	(void)pos; /* the caller has it: the error's position */
	char tok[48];
	size_t n = 0;
	/* The line's text, blanks collapsed, as much as tok holds. */
	bool at_object = false;
	while (c != EOF && c != '\n') {
		if (c == '{') {
			textin_ungetc(s->in, c);
			at_object = true;
			break;
		}
		bool blank = is_ws(c);
		if (n + 1 < sizeof tok && !(blank && (!n || tok[n - 1] == ' ')))
			tok[n++] = blank ? ' ' : (char)c;
		c = getch(s);
	}
	while (n && tok[n - 1] == ' ')
		n--;
	tok[n] = '\0';
	bool more = strchr(tok, ' ') != NULL;
	long extra = 0;
	while (!at_object) {
		size_t len;
		const unsigned char *p = textin_peek_line(s->in, 4096, &len);
		if (!len || !junk_line(p, len))
			break;
		int d;
		while ((d = getch(s)) != EOF && d != '\n' && d != '{')
			;
		if (d == '{') {
			textin_ungetc(s->in, d);
			extra++;
			break;
		}
		extra++;
	}
	char also[64] = "";
	if (extra == 1)
		snprintf(also, sizeof also, "; nor is the line after it");
	else if (extra)
		snprintf(also, sizeof also, "; nor are the %ld lines after it", extra);
	const char *kind = more ? NULL : token_kind(tok);
	if (!strcmp(tok, "%") && !extra)
		snprintf(err, errlen,
			 "'%%' is not JSON (the mark zsh prints after output "
			 "without a final newline, copied with it?)");
	else if (kind)
		snprintf(err, errlen, "%s, not a device object%s", kind, also);
	else
		snprintf(err, errlen, "not JSON%s", also);
	return -1;
}

/* An array element that is not an object: skipped to the next ',' or ']'. */
static int element_junk(struct jstream *s, int c, const struct jpos *pos, char *err, size_t errlen)
{
	const char *kind = c == '"'				? "a string"
			   : c == '['				? "an array"
			   : c == '-' || (c >= '0' && c <= '9') ? "a number"
			   : c == 't' || c == 'f'		? "a boolean"
			   : c == 'n'				? "null"
								: NULL;
	struct scan sc = {0};
	scan_byte(&sc, c);
	for (;;) {
		int d = getch(s);
		if (d == EOF)
			break;
		if (!sc.in_str && sc.depth <= 0 && (d == ',' || d == ']')) {
			textin_ungetc(s->in, d);
			break;
		}
		scan_byte(&sc, d);
	}
	if (kind)
		snprintf(err, errlen, "element %ld of the array is %s, not a device object",
			 pos->elem, kind);
	else
		snprintf(err, errlen, "element %ld of the array is not JSON", pos->elem);
	return -1;
}

/* After the ']' of {"end_devices": [...]: the rest of that object. */
static int close_wrapper(struct jstream *s, struct jpos *pos, char *err, size_t errlen)
{
	int c;
	while (is_ws(c = getch(s)))
		;
	if (c == '}')
		return 0;
	if (c == ',') {
		/* More members (none are devices): read past them. */
		struct scan sc = {.depth = 1};
		wipe(s);
		int rc = capture(s, &sc, err, errlen);
		wipe(s);
		if (rc < 0)
			*pos = s->arr_start;
		return rc;
	}
	*pos = s->arr_start;
	if (c == EOF) {
		if (s->in->io_error)
			return read_error(s, err, errlen);
		snprintf(err, errlen, "the end_devices object is not closed (missing })");
		return -1;
	}
	textin_ungetc(s->in, c);
	snprintf(err, errlen, "the end_devices object is not closed after its list (missing })");
	return -1;
}

int jstream_read(struct jstream *s, json_t **out, struct jpos *pos, char *err, size_t errlen)
{
	*out = NULL;
	if (s->list)
		return next_from_list(s, out, pos, err, errlen);
	for (;;) {
		int c = getch(s);
		if (c == EOF) {
			if (s->in->io_error)
				return read_error(s, err, errlen);
			if (s->mode) {
				*pos = s->arr_start;
				snprintf(err, errlen, "%s",
					 s->mode == 2 ? "the end_devices list starting here is "
							"not closed (missing ])"
						      : "the array starting here is not closed "
							"(missing ])");
				s->mode = 0;
				return -1;
			}
			return 0;
		}
		if (is_ws(c))
			continue;
		*pos = here(s);
		if (s->mode == 0) {
			if (c == ',') /* objects separated by commas, without [ ] */
				continue;
			if (c == '[') {
				s->mode = 1;
				s->elem = 0;
				s->arr_start = *pos;
				continue;
			}
			if (c == '{')
				return object(s, out, pos, err, errlen, true);
			return junk(s, c, pos, err, errlen);
		}
		if (c == ',')
			continue;
		if (c == ']') {
			int wrapped = s->mode == 2;
			s->mode = 0;
			if (wrapped) {
				int rc = close_wrapper(s, pos, err, errlen);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		pos->elem = ++s->elem;
		if (c == '{')
			return object(s, out, pos, err, errlen, false);
		return element_junk(s, c, pos, err, errlen);
	}
}

int jstream_next(struct jstream *s, json_t **out, long *line, char *err, size_t errlen)
{
	struct jpos pos = {0};
	char msg[512];
	int rc = jstream_read(s, out, &pos, msg, sizeof msg);
	*line = pos.line;
	if (rc < 0)
		snprintf(err, errlen, "line %ld, column %ld: %s", pos.line, pos.col, msg);
	return rc;
}
