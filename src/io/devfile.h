/*
 * One reader for every shape of device file users have (import, check and
 * clean read through it):
 *
 * - The Things Stack JSON: a stream of objects, arrays of them (ttn-lw-cli
 *   `end-devices list`), the API's {"end_devices": [...]} (see jsonstream.h);
 * - The Things Stack CSV, the Console's other import format (csvdev.h),
 *   recognised by its header (a known column name on the first line) or a
 *   .csv name;
 * - in UTF-8 (a BOM is skipped), UTF-16 LE/BE (converted) or Windows-1252
 *   (bytes that are not UTF-8; converted, one warning) (textin.h).
 *
 * Files that are not devices get one error saying what they are (a ZIP or
 * Excel workbook, a binary file, a CSV without known columns).
 *
 * Every object of the input is either yielded or named in an error, and the
 * header of a CSV is never a device.
 */
#ifndef TTNM_IO_DEVFILE_H
#define TTNM_IO_DEVFILE_H

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

#include "io/csvdev.h"
#include "io/jsonstream.h"
#include "io/textin.h"

enum devfile_format { DEVFILE_UNKNOWN, DEVFILE_JSON, DEVFILE_CSV, DEVFILE_NONE };

struct devfile {
	const char *name;
	struct textin in;
	struct jstream js;
	struct csvdev csv;
	enum devfile_format format;
	long last_line; /* line of the previous item: a second one on it gets a column */
};

/* name is for positions and messages ("devices.json", "stdin"); .csv at its
 * end means CSV unless the content is JSON. Kept, not copied. */
void devfile_open(struct devfile *f, FILE *fp, const char *name);
void devfile_close(struct devfile *f);

/*
 * Next device: 1 with *dev (new reference) and where ("name:line", with
 * ":column" when an earlier item started on the same line); 0 at the end;
 * -1 for something that is not a device: err says what (one line, no
 * position) and where says where ("name:line:column"); call again for the
 * next one. -2: the input cannot be read further (err, where: the name).
 */
int devfile_next(struct devfile *f, json_t **dev, char *where, size_t wherelen, char *err,
		 size_t errlen);

/* A where buffer that holds any path (PATH_MAX) with its line and column; a
 * longer name is cut visibly ("..."). */
#define DEVFILE_WHERE_MAX (PATH_MAX + 48)

#endif
