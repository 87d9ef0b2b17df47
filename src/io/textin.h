/*
 * Text input as UTF-8, whatever the file's encoding really is, with the
 * position (line, column) of every byte handed out.
 *
 * - A UTF-8 byte order mark at the start is skipped.
 * - UTF-16 LE or BE (a BOM, or ASCII with every other byte NUL, which is
 *   what PowerShell 5.1's `>` writes) is converted to UTF-8 with iconv.
 * - A byte that does not start a valid UTF-8 sequence is read as
 *   Windows-1252 (as The Things Stack Console's converters do) and one
 *   warning per input names the file and the first such line.
 *
 * Columns count characters, not bytes, from 1.
 */
#ifndef TTNM_IO_TEXTIN_H
#define TTNM_IO_TEXTIN_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TEXTIN_RAW 8192

struct textin {
	FILE *fp;
	const char *name;     /* for the Windows-1252 warning; may be NULL */
	iconv_t cd;	      /* UTF-16 → UTF-8, or (iconv_t)-1 */
	const char *encoding; /* "UTF-16LE", "UTF-16BE" or NULL (UTF-8) */
	bool sniffed;
	bool eof;      /* the file (and the converter) have nothing more */
	bool io_error; /* reading failed: errno was saved in read_errno */
	int read_errno;
	/* Bytes as they come from the file, and after conversion to UTF-8. */
	unsigned char raw[TEXTIN_RAW];
	size_t raw_len;
	unsigned char u8[4 * TEXTIN_RAW];
	size_t u8_len, u8_pos;
	/* The bytes of the character being handed out (a Windows-1252 byte
	 * becomes up to 3 UTF-8 bytes). */
	unsigned char q[4];
	int q_len, q_pos;
	/* Decoded bytes looked at by textin_peek_line() and not yet read. */
	unsigned char *back;
	size_t back_len, back_pos, back_cap;
	long dec_line;	  /* line of the next byte decoded (for the warning) */
	long cp1252_line; /* first line read as Windows-1252; 0 when none */
	size_t cp1252_bytes;
	/* Position of the last byte textin_getc() returned, and of the next. */
	long line, col, next_line, next_col;
	int ungot; /* one byte given back by textin_ungetc(), or -1 */
	long ungot_line, ungot_col, ungot_next_line, ungot_next_col;
};

void textin_init(struct textin *t, FILE *fp, const char *name);
void textin_free(struct textin *t);

/* The next UTF-8 byte, or EOF (end of input or a read error: see io_error). */
int textin_getc(struct textin *t);

/* Gives back the byte just read (one only); the position goes back too. */
void textin_ungetc(struct textin *t, int c);

/* The decoded text up to and including the next '\n' (at most cap bytes),
 * without consuming it; *len is its length (0 at the end of input). The
 * pointer is valid until the next call. */
const unsigned char *textin_peek_line(struct textin *t, size_t cap, size_t *len);

#endif
