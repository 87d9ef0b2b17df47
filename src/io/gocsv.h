/*
 * A CSV reader with the rules of Go's encoding/csv Reader at its defaults
 * (the Go tool reads the Kerlink WMC export with it), so a file it reads is
 * read the same way here:
 *   - fields separated by ',', records by "\n" or "\r\n" ("\r\n" inside a
 *     quoted field becomes "\n"; a lone "\r" is data);
 *   - a field that starts with '"' is quoted: '""' in it is one '"', and the
 *     closing '"' must be followed by ',', the end of the line or the end of
 *     the input; a '"' anywhere in an unquoted field is an error;
 *   - empty lines are skipped; nothing is trimmed; no comments;
 *   - a last line without newline is a record.
 * Differences: a UTF-8 byte order mark at the start is skipped (Go keeps it in
 * the first field), and a NUL byte is an error. The field count of records is
 * left to the caller (Go requires every record to have the first's).
 */
#ifndef TTNM_IO_GOCSV_H
#define TTNM_IO_GOCSV_H

#include <stddef.h>

struct gocsv_record {
	size_t line; /* 1-based line where the record starts */
	size_t nfields;
	char **fields; /* NUL-terminated */
};

struct gocsv {
	size_t n;
	struct gocsv_record *recs;
};

/*
 * Parses len bytes of data into *out. Returns 0, or -1 with a one-line
 * message ("line 3, column 7: bare \" in a field that is not quoted") in err;
 * *out is then empty.
 */
int gocsv_parse(const char *data, size_t len, struct gocsv *out, char *err, size_t errlen);

/* Reads a whole file (at most 256 MiB) and parses it; err names the file. */
int gocsv_load(const char *path, struct gocsv *out, char *err, size_t errlen);

void gocsv_free(struct gocsv *csv);

#endif
