#include "io/devfile.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"

void devfile_open(struct devfile *f, FILE *fp, const char *name)
{
	memset(f, 0, sizeof *f);
	f->name = name;
	textin_init(&f->in, fp, name);
	jstream_init_text(&f->js, &f->in);
}

void devfile_close(struct devfile *f)
{
	jstream_free(&f->js);
	csvdev_free(&f->csv);
	textin_free(&f->in);
}

static bool csv_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

/* Decides the format from the first line; -1 with err when the file holds
 * no devices at all. */
static int detect(struct devfile *f, struct jpos *pos, char *err, size_t errlen)
{
	size_t len;
	const unsigned char *p = textin_peek_line(&f->in, 4096, &len);
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", p[i]))
		i++;
	*pos = (struct jpos){1, 1, 0};
	f->format = DEVFILE_NONE;
	if (len >= 4 && !memcmp(p, "PK\x03\x04", 4)) {
		snprintf(err, errlen,
			 "a ZIP archive (an Excel .xlsx workbook?), not a device "
			 "file: save it as CSV, or export the devices as JSON");
		return -1;
	}
	if (memchr(p, '\0', len)) {
		snprintf(err, errlen, "a binary file, not JSON or CSV text");
		return -1;
	}
	if (i < len && (p[i] == '{' || p[i] == '[')) {
		f->format = DEVFILE_JSON;
		return 0;
	}
	if (len && (csvdev_is_header(p, len) || csv_name(f->name))) {
		if (csvdev_open(&f->csv, &f->in, f->name, pos, err, errlen) < 0)
			return -1;
		f->format = DEVFILE_CSV;
		return 0;
	}
	f->format = DEVFILE_JSON;
	return 0;
}

int devfile_next(struct devfile *f, json_t **dev, char *where, size_t wherelen, char *err,
		 size_t errlen)
{
	struct jpos pos = {0};
	int rc;
	*dev = NULL;
	if (f->format == DEVFILE_UNKNOWN && detect(f, &pos, err, errlen) < 0)
		rc = -1;
	else if (f->format == DEVFILE_NONE)
		return 0;
	else if (f->format == DEVFILE_CSV)
		rc = csvdev_next(&f->csv, dev, &pos, err, errlen);
	else
		rc = jstream_read(&f->js, dev, &pos, err, errlen);
	if (rc == 1 && pos.line != f->last_line)
		str_printf_cut(where, wherelen, "%s:%ld", f->name, pos.line);
	else if (rc == -2)
		str_copy_cut(where, wherelen, f->name);
	else if (rc != 0)
		str_printf_cut(where, wherelen, "%s:%ld:%ld", f->name, pos.line, pos.col);
	if (rc != 0 && rc != -2)
		f->last_line = pos.line;
	return rc;
}
