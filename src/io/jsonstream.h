/*
 * Reads end devices from JSON the way ttn-lw-cli and the Console accept
 * them, and from what users save of The Things Stack's output:
 *
 * - a stream of objects (one per line, pretty-printed, any whitespace or
 *   commas between them);
 * - one or more arrays of objects (`ttn-lw-cli end-devices list`,
 *   `jq -s`), each element yielded or named in an error (element N);
 * - `{"end_devices": [...]}`, the API's List response: its devices;
 * - `{"end_device": {...}, "field_mask": ...}`, an API request body: one
 *   error saying so. Such a body holds only the fields of one component's
 *   request, not a whole device; importing it would create a device
 *   without what the other components hold (keys, session).
 *
 * Objects are cut out of the text by a small scanner (strings, escapes and
 * nesting), so one bad object is reported with its position and the next
 * one is still read; memory is bounded by JSTREAM_MAX_OBJECT, not by the
 * file. Anything that is not an object (garbage lines, a shell's trailing
 * '%', numbers in an array) is one error naming its position, never a
 * device.
 */
#ifndef TTNM_IO_JSONSTREAM_H
#define TTNM_IO_JSONSTREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "io/textin.h"

#define JSTREAM_MAX_OBJECT (16u << 20) /* TTS's own message limit */

/* Where an object or an error starts: line and column from 1; elem is the
 * 1-based element number when it is in an array, else 0. */
struct jpos {
	long line, col, elem;
};

struct jstream {
	struct textin *in;
	struct textin own; /* used by jstream_init() */
	char *buf;
	size_t len, cap;
	int mode;	       /* 0 top level, 1 in an array, 2 in {"end_devices": [ */
	long elem;	       /* elements seen in the current array */
	struct jpos arr_start; /* where the current array opened */
	json_t *list;	       /* end_devices found in a parsed object */
	size_t list_i;
	struct jpos list_pos;
};

/* Over a file (compatibility: the reader of devfile.h is the usual way). */
void jstream_init(struct jstream *s, FILE *fp);
/* Over text already opened (not owned). */
void jstream_init_text(struct jstream *s, struct textin *in);
void jstream_free(struct jstream *s);

/*
 * Next object: 1 with *out (new reference), 0 at the end of input, -1 for
 * something that is not a device (err says what, without a position; *pos
 * is where it is; call again for the next one), -2 when the input cannot be
 * read (an I/O error).
 */
int jstream_read(struct jstream *s, json_t **out, struct jpos *pos, char *err, size_t errlen);

/* As jstream_read(), with the position in err ("line 3, column 5: ...")
 * and *line the line the object starts on. */
int jstream_next(struct jstream *s, json_t **out, long *line, char *err, size_t errlen);

#endif
