/* Lines of IDs as users type or paste them. */
#ifndef TTNM_IO_LINES_H
#define TTNM_IO_LINES_H

#include <stddef.h>

/* Trims blanks, CR and LF around the n bytes of line, in place; writes a
 * NUL at line[n] at most, so line must have room for n + 1 bytes (getline's
 * buffers do). Returns the trimmed line, or NULL when nothing is left. */
char *line_trim(char *line, size_t n);

#endif
