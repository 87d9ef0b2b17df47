/*
 * Unit tests for src/sources/pb.c, the protobuf wire codec.
 *
 * The byte vectors were worked out by hand from the encoding spec
 * (protobuf.dev/programming-guides/encoding): a tag is the varint
 * (field_number << 3) | wire_type; a varint is little-endian groups of 7
 * bits, the high bit set on every byte but the last. So field 1 = 150 is
 * 08 96 01 (150 = 0b1_0010110: 0x16|0x80, then 0x01), the spec's own
 * example; field 2 = "testing" is 12 07 followed by the 7 ASCII bytes;
 * int32 -1 is sign-extended to 64 bits, hence nine 0xff and a final 0x01;
 * field 16 needs a two-byte tag (16 << 3 = 128 = 80 01).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sources/pb.h"

static void expect_bytes(const struct strbuf *sb, const uint8_t *want, size_t n)
{
	assert_int_equal(sb->len, n);
	assert_memory_equal(sb->buf, want, n);
}

static void test_known_vectors(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;

	pb_put_uint(&sb, 1, 150);
	expect_bytes(&sb, (const uint8_t[]){0x08, 0x96, 0x01}, 3);
	strbuf_reset(&sb);

	pb_put_string(&sb, 2, "testing");
	expect_bytes(&sb, (const uint8_t[]){0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'}, 9);
	strbuf_reset(&sb);

	pb_put_int(&sb, 1, -1);
	expect_bytes(
	    &sb,
	    (const uint8_t[]){0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	    11);
	strbuf_reset(&sb);

	pb_put_fixed32(&sb, 3, 0x01020304u);
	expect_bytes(&sb, (const uint8_t[]){0x1d, 0x04, 0x03, 0x02, 0x01}, 5);
	strbuf_reset(&sb);

	pb_put_fixed64(&sb, 4, 1);
	expect_bytes(&sb, (const uint8_t[]){0x21, 1, 0, 0, 0, 0, 0, 0, 0}, 9);
	strbuf_reset(&sb);

	pb_put_bool(&sb, 16, true);
	expect_bytes(&sb, (const uint8_t[]){0x80, 0x01, 0x01}, 3);
	strbuf_reset(&sb);

	pb_put_uint(&sb, 1, 0);
	expect_bytes(&sb, (const uint8_t[]){0x08, 0x00}, 2);
	strbuf_reset(&sb);

	pb_put_bytes(&sb, 5, NULL, 0);
	expect_bytes(&sb, (const uint8_t[]){0x2a, 0x00}, 2);
	strbuf_release(&sb);
}

static void test_round_trip(void **state)
{
	(void)state;
	static const uint64_t vals[] = {0,	    1,		127,	       128,
					300,	    0x3fff,	0x4000,	       0xffffffff,
					1ull << 35, UINT64_MAX, UINT64_MAX - 1};
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		pb_put_uint(&sb, (uint32_t)(i + 1), vals[i]);
	pb_put_string(&sb, 100, "chirp");
	pb_put_fixed32(&sb, 536870911u, 0xdeadbeefu);
	pb_put_fixed64(&sb, 7, 0x0102030405060708ull);
	pb_put_int(&sb, 8, -42);

	struct pb_reader r;
	struct pb_field f;
	pb_reader_init(&r, sb.buf, sb.len);
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		assert_int_equal(pb_next(&r, &f), 1);
		assert_int_equal(f.num, i + 1);
		assert_int_equal(f.wt, PB_VARINT);
		assert_true(f.v == vals[i]);
	}
	assert_int_equal(pb_next(&r, &f), 1);
	assert_int_equal(f.num, 100);
	assert_int_equal(f.wt, PB_LEN);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.data, "chirp", 5);
	assert_int_equal(pb_next(&r, &f), 1);
	assert_int_equal(f.num, 536870911u);
	assert_int_equal(f.wt, PB_FIXED32);
	assert_true(f.v == 0xdeadbeefu);
	assert_int_equal(pb_next(&r, &f), 1);
	assert_int_equal(f.wt, PB_FIXED64);
	assert_true(f.v == 0x0102030405060708ull);
	assert_int_equal(pb_next(&r, &f), 1);
	assert_true((int64_t)f.v == -42);
	assert_int_equal(pb_next(&r, &f), 0);
	assert_int_equal(pb_next(&r, &f), 0); /* stays at the end */
	strbuf_release(&sb);
}

/* Every proper prefix of a message that ends inside a field is refused. */
static void test_truncated(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	pb_put_uint(&sb, 1, UINT64_MAX);
	size_t ends[4];
	ends[0] = sb.len;
	pb_put_string(&sb, 2, "hello");
	ends[1] = sb.len;
	pb_put_fixed32(&sb, 3, 9);
	ends[2] = sb.len;
	pb_put_fixed64(&sb, 4, 9);
	ends[3] = sb.len;
	for (size_t n = 1; n < sb.len; n++) {
		bool boundary = false;
		for (int i = 0; i < 4; i++)
			boundary |= n == ends[i];
		struct pb_reader r;
		struct pb_field f;
		int rc;
		pb_reader_init(&r, sb.buf, n);
		while ((rc = pb_next(&r, &f)) > 0)
			;
		assert_int_equal(rc, boundary ? 0 : -1);
	}
	strbuf_release(&sb);
}

static void test_malformed(void **state)
{
	(void)state;
	struct pb_reader r;
	struct pb_field f;
	/* an 11-byte varint */
	static const uint8_t overlong[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	pb_reader_init(&r, overlong, sizeof overlong);
	assert_int_equal(pb_next(&r, &f), -1);
	/* a tenth byte carrying more than the 64th bit */
	static const uint8_t toobig[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0x02};
	pb_reader_init(&r, toobig, sizeof toobig);
	assert_int_equal(pb_next(&r, &f), -1);
	/* field number 0 */
	static const uint8_t zero[] = {0x00, 0x01};
	pb_reader_init(&r, zero, sizeof zero);
	assert_int_equal(pb_next(&r, &f), -1);
	/* a group start (wire type 3) and wire type 7 */
	static const uint8_t group[] = {0x0b, 0x0c};
	pb_reader_init(&r, group, sizeof group);
	assert_int_equal(pb_next(&r, &f), -1);
	static const uint8_t wt7[] = {0x0f, 0x00};
	pb_reader_init(&r, wt7, sizeof wt7);
	assert_int_equal(pb_next(&r, &f), -1);
	/* a length past the end, and a huge one that would wrap a pointer */
	static const uint8_t longlen[] = {0x12, 0x05, 'a', 'b'};
	pb_reader_init(&r, longlen, sizeof longlen);
	assert_int_equal(pb_next(&r, &f), -1);
	static const uint8_t hugelen[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0x01, 'a'};
	pb_reader_init(&r, hugelen, sizeof hugelen);
	assert_int_equal(pb_next(&r, &f), -1);
	/* empty input is a clean, empty message */
	pb_reader_init(&r, NULL, 0);
	assert_int_equal(pb_next(&r, &f), 0);
}

/* A reader that knows only field 2 sees it after stepping over others. */
static void test_unknown_skipped(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT, inner = STRBUF_INIT;
	pb_put_uint(&inner, 1, 5);
	pb_put_string(&inner, 2, "nested");
	pb_put_fixed64(&sb, 9, 77);
	pb_put_bytes(&sb, 10, inner.buf, inner.len);
	pb_put_fixed32(&sb, 11, 1);
	pb_put_uint(&sb, 12, 1ull << 60);
	pb_put_string(&sb, 2, "wanted");
	pb_put_string(&sb, 13, "after");

	struct pb_reader r;
	struct pb_field f;
	int rc, seen = 0;
	pb_reader_init(&r, sb.buf, sb.len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.num == 2 && f.wt == PB_LEN) {
			assert_int_equal(f.len, 6);
			assert_memory_equal(f.data, "wanted", 6);
			seen++;
		}
		if (f.num == 10) { /* a nested message decodes from its slice */
			struct pb_reader in;
			struct pb_field g;
			pb_reader_init(&in, f.data, f.len);
			assert_int_equal(pb_next(&in, &g), 1);
			assert_true(g.v == 5);
			assert_int_equal(pb_next(&in, &g), 1);
			assert_memory_equal(g.data, "nested", 6);
			assert_int_equal(pb_next(&in, &g), 0);
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(seen, 1);
	strbuf_release(&sb);
	strbuf_release(&inner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_vectors),   cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_truncated),	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_unknown_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
