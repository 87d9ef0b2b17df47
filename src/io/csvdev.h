/*
 * The Things Stack CSV, the Console's second import format (lorawan-stack
 * pkg/devicetemplates/ttscsv.go, converter "the-things-stack-csv"), read
 * into the device JSON the converter makes of each row.
 *
 * - The first line is the header; it never counts as a device. Columns are
 *   matched by exact name; unknown ones are ignored (with one warning).
 * - The separator is ';' when the header holds one, else ',' when it holds
 *   one, else ';' (the converter's rule).
 * - Fields may be quoted ("" is a quote inside); leading blanks are trimmed
 *   (the converter's TrimLeadingSpace) and so, here, are trailing ones.
 * - Without an id column (or with it empty), a row with dev_eui gets
 *   ids.device_id "eui-" + the lower-case DevEUI.
 * - app_key or nwk_key set supports_join; app_s_key or f_nwk_s_int_key give
 *   the session a new session_key_id (a ULID), as the converter does.
 *
 * Differences, on purpose: an empty cell leaves its field unset (the
 * converter would set it to its zero value: an all-zero key, an empty
 * device ID); a row whose number of fields differs from the header's is an
 * error for that row only, and so is a bad value (the converter stops the
 * whole file); rows with only empty cells are skipped. The converter's
 * device-repository look-ups (vendor_id, brand_id/model_id profiles) are
 * not made: those fields are kept as given.
 */
#ifndef TTNM_IO_CSVDEV_H
#define TTNM_IO_CSVDEV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "io/jsonstream.h"
#include "io/textin.h"

struct csvdev {
	struct textin *in;
	const char *name;
	char sep;
	size_t ncols;
	int *colmap; /* per header column: index in the column table, or -1 */
	/* The current record: fields NUL-terminated in buf at off[i]. */
	char *buf;
	size_t len, cap;
	size_t *off;
	long *col; /* column (character) where each field starts */
	size_t nf, nf_cap;
	long line; /* line where the record starts */
};

/* Does this line (the first of a file) look like such a header: does it
 * name at least one known column? */
bool csvdev_is_header(const unsigned char *line, size_t len);

/* Reads the header. 0, or -1 with err and *pos (not The Things Stack CSV,
 * or unreadable: the file has no devices for us). */
int csvdev_open(struct csvdev *c, struct textin *in, const char *name, struct jpos *pos, char *err,
		size_t errlen);

/* As jstream_read(): 1 with a device, 0 at the end, -1 for a bad row (err
 * names the column; *pos is the row's line and the field's column), -2
 * when the input cannot be read. */
int csvdev_next(struct csvdev *c, json_t **out, struct jpos *pos, char *err, size_t errlen);

void csvdev_free(struct csvdev *c);

/* The header names the converter knows, NULL-terminated (for messages and
 * tests). */
extern const char *const csvdev_columns[];

#endif
