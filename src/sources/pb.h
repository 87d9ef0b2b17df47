/*
 * A small protobuf wire-format codec (proto3 encoding, as described in
 * https://protobuf.dev/programming-guides/encoding/): enough for the unary
 * calls of the ChirpStack source. Wire types 0 (varint), 1 (fixed64),
 * 2 (length-delimited) and 5 (fixed32); the group types 3/4 are refused.
 *
 * Encoding appends to a strbuf. Decoding reads a bounded buffer field by
 * field and refuses truncated input, a varint longer than 10 bytes, a
 * field number 0 and a length that runs past the end; it never reads
 * outside [buf, buf+len).
 *
 *	struct pb_reader r;
 *	pb_reader_init(&r, buf, len);
 *	struct pb_field f;
 *	int rc;
 *	while ((rc = pb_next(&r, &f)) > 0)
 *		switch (f.num) { case 1: ... f.u.bytes / f.len ... }
 *	if (rc < 0) malformed;
 *
 * A field the caller does not know is simply not handled: pb_next() has
 * already stepped over it.
 */
#ifndef TTNM_SOURCES_PB_H
#define TTNM_SOURCES_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

enum pb_wire {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_LEN = 2,
	PB_FIXED32 = 5,
};

/* Encoding: each appends one complete field (tag and value). */
void pb_put_varint(struct strbuf *sb, uint64_t v); /* a bare varint, no tag */
void pb_put_tag(struct strbuf *sb, uint32_t num, enum pb_wire wt);
void pb_put_uint(struct strbuf *sb, uint32_t num, uint64_t v); /* uint32/64, enum */
void pb_put_int(struct strbuf *sb, uint32_t num, int64_t v);   /* int32/64 (10 bytes if < 0) */
void pb_put_bool(struct strbuf *sb, uint32_t num, bool v);
void pb_put_fixed32(struct strbuf *sb, uint32_t num, uint32_t v);
void pb_put_fixed64(struct strbuf *sb, uint32_t num, uint64_t v);
void pb_put_bytes(struct strbuf *sb, uint32_t num, const void *data, size_t n);
void pb_put_string(struct strbuf *sb, uint32_t num, const char *s);

struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	uint32_t num;
	enum pb_wire wt;
	uint64_t v;	     /* PB_VARINT, PB_FIXED32, PB_FIXED64 */
	const uint8_t *data; /* PB_LEN: points into the reader's buffer */
	size_t len;	     /* PB_LEN */
};

void pb_reader_init(struct pb_reader *r, const void *buf, size_t len);

/* 1: a field was read into *f; 0: clean end of input; -1: malformed. */
int pb_next(struct pb_reader *r, struct pb_field *f);

/* Reads a bare varint from [*p, end); false on truncated or overlong. */
bool pb_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

#endif
