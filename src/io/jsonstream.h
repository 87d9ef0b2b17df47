/*
 * Reads end devices from a file the way ttn-lw-cli and the Console accept
 * them: a stream of JSON objects (one per line, pretty-printed, any
 * whitespace between them) or one JSON array of objects.
 *
 * Objects are cut out of the byte stream by a small scanner (strings,
 * escapes and nesting), so one bad object is reported with its line and the
 * next one is still read; memory is bounded by the largest object, not by
 * the file.
 */
#ifndef TTNM_IO_JSONSTREAM_H
#define TTNM_IO_JSONSTREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define JSTREAM_MAX_OBJECT (16u << 20) /* TTS's own message limit */

struct jstream {
	FILE *fp;
	char *buf;
	size_t len, cap;
	long line;      /* current line, 1-based */
	int in_array;   /* 0 unknown/stream, 1 inside a top-level array, 2 array closed */
	bool started;   /* a significant character has been seen */
	bool eof;
};

void jstream_init(struct jstream *s, FILE *fp);
void jstream_free(struct jstream *s);

/*
 * Next object: returns 1 with *out (new reference), 0 at the end of input,
 * -1 for a bad object (err says why; call again for the next one), -2 when
 * the input cannot be read further (truncated, unreadable). *line is the
 * line the object starts on.
 */
int jstream_next(struct jstream *s, json_t **out, long *line, char *err, size_t errlen);

#endif
