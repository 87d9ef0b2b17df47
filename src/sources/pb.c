/* The protobuf wire codec of pb.h. */
#include "sources/pb.h"

#include <string.h>

void pb_put_varint(struct strbuf *sb, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		uint8_t byte = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			byte |= 0x80;
		b[n++] = byte;
	} while (v);
	strbuf_add(sb, b, n);
}

void pb_put_tag(struct strbuf *sb, uint32_t num, enum pb_wire wt)
{
	pb_put_varint(sb, ((uint64_t)num << 3) | (uint64_t)wt);
}

void pb_put_uint(struct strbuf *sb, uint32_t num, uint64_t v)
{
	pb_put_tag(sb, num, PB_VARINT);
	pb_put_varint(sb, v);
}

void pb_put_int(struct strbuf *sb, uint32_t num, int64_t v)
{
	/* int32 and int64 alike: a negative value is sign-extended to 64 bits. */
	pb_put_uint(sb, num, (uint64_t)v);
}

void pb_put_bool(struct strbuf *sb, uint32_t num, bool v)
{
	pb_put_uint(sb, num, v ? 1 : 0);
}

void pb_put_fixed32(struct strbuf *sb, uint32_t num, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pb_put_tag(sb, num, PB_FIXED32);
	strbuf_add(sb, b, 4);
}

void pb_put_fixed64(struct strbuf *sb, uint32_t num, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pb_put_tag(sb, num, PB_FIXED64);
	strbuf_add(sb, b, 8);
}

void pb_put_bytes(struct strbuf *sb, uint32_t num, const void *data, size_t n)
{
	pb_put_tag(sb, num, PB_LEN);
	pb_put_varint(sb, n);
	if (n)
		strbuf_add(sb, data, n);
}

void pb_put_string(struct strbuf *sb, uint32_t num, const char *s)
{
	pb_put_bytes(sb, num, s, strlen(s));
}

void pb_reader_init(struct pb_reader *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = r->p + (buf ? len : 0);
}

bool pb_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t out = 0;
	const uint8_t *q = *p;
	for (int i = 0; i < 10; i++) {
		if (q >= end)
			return false; /* truncated */
		uint8_t b = *q++;
		/* The tenth byte may carry only the 64th bit. */
		if (i == 9 && b > 1)
			return false;
		out |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*p = q;
			*v = out;
			return true;
		}
	}
	return false; /* more than 10 bytes */
}

int pb_next(struct pb_reader *r, struct pb_field *f)
{
	if (r->p >= r->end)
		return 0;
	uint64_t key;
	const uint8_t *p = r->p;
	if (!pb_get_varint(&p, r->end, &key))
		return -1;
	uint64_t num = key >> 3;
	if (num == 0 || num > 536870911u) /* 2^29 - 1, the largest field number */
		return -1;
	memset(f, 0, sizeof *f);
	f->num = (uint32_t)num;
	f->wt = (enum pb_wire)(key & 7);
	switch (key & 7) {
	case PB_VARINT:
		if (!pb_get_varint(&p, r->end, &f->v))
			return -1;
		break;
	case PB_FIXED64:
	case PB_FIXED32: {
		size_t n = (key & 7) == PB_FIXED64 ? 8 : 4;
		if ((size_t)(r->end - p) < n)
			return -1;
		for (size_t i = 0; i < n; i++)
			f->v |= (uint64_t)p[i] << (8 * i);
		p += n;
		break;
	}
	case PB_LEN: {
		uint64_t n;
		if (!pb_get_varint(&p, r->end, &n))
			return -1;
		if (n > (uint64_t)(r->end - p))
			return -1;
		f->data = p;
		f->len = (size_t)n;
		p += n;
		break;
	}
	default:
		return -1; /* groups (3, 4) and the unused 6, 7 */
	}
	r->p = p;
	return 1;
}
