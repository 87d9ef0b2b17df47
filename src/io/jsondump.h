/*
 * Compact JSON text of a value, as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
 * writes it, except for real numbers: jansson prints them with 17
 * significant digits (43.84 becomes 43.840000000000003); here each is the
 * shortest text that reads back as the same double (43.84), which is the
 * input's text whenever the input was already shortest.
 */
#ifndef TTNM_IO_JSONDUMP_H
#define TTNM_IO_JSONDUMP_H

#include <jansson.h>
#include <stddef.h>

/* malloc'd, NUL-terminated; NULL when out of memory. */
char *jd_dumps(const json_t *v);

/* The shortest "%.*g" text of d that strtod() reads back as d, with ".0"
 * added when it would otherwise look like an integer (as jansson does).
 * Returns its length; out holds at least 32 bytes. */
int jd_real(double d, char *out, size_t outlen);

#endif
