/* Unit tests for src/core/strbuf.c: growing, formatting, detach/release, setlen, cutting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

static void assert_sane(const struct strbuf *sb)
{
	assert_non_null(sb->buf);
	assert_int_equal(strlen(sb->buf), sb->len);
	if (sb->alloc)
		assert_true(sb->len < sb->alloc);
}

static void test_init_empty(void **state)
{
	struct strbuf a = STRBUF_INIT, b;
	strbuf_init(&b, 100);
	assert_sane(&a);
	assert_sane(&b);
	assert_string_equal(a.buf, "");
	assert_string_equal(b.buf, "");
	assert_true(b.alloc >= 101);
	strbuf_release(&a);
	strbuf_release(&b);
	assert_sane(&b);
	assert_int_equal(b.alloc, 0);
}

static void test_long_string(void **state)
{
	/* Far more than any fixed buffer: 200 KiB in one piece and by bytes. */
	size_t n = 200 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, big);
	assert_sane(&sb);
	assert_int_equal(sb.len, n);
	assert_memory_equal(sb.buf, big, n);
	strbuf_addf(&sb, "[%s]", big);
	assert_sane(&sb);
	assert_int_equal(sb.len, 2 * n + 2);
	assert_int_equal(sb.buf[n], '[');
	assert_memory_equal(sb.buf + n + 1, big, n);
	assert_int_equal(sb.buf[2 * n + 1], ']');
	strbuf_release(&sb);
	free(big);
}

static void test_many_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 20000; i++) {
		strbuf_addsep(&sb, ", ");
		strbuf_addf(&sb, "f%d", i);
	}
	assert_sane(&sb);
	assert_true(sb.len > 64 * 1024);
	assert_true(strncmp(sb.buf, "f0, f1, f2, ", 12) == 0);
	const char *tail = ", f19999";
	assert_string_equal(sb.buf + sb.len - strlen(tail), tail);
	/* Every item is there, in order. */
	const char *p = sb.buf;
	for (int i = 0; i < 20000; i++) {
		char want[16];
		snprintf(want, sizeof want, "f%d", i);
		assert_true(strncmp(p, want, strlen(want)) == 0);
		p += strlen(want);
		if (i < 19999) {
			assert_true(strncmp(p, ", ", 2) == 0);
			p += 2;
		}
	}
	assert_int_equal(*p, '\0');
	for (int i = 0; i < 1000; i++)
		strbuf_addch(&sb, 'x');
	assert_sane(&sb);
	assert_string_equal(sb.buf + sb.len - 3, "xxx");
	strbuf_release(&sb);
}

static void test_formatting(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s=%d;%05.1f|%-4s|%x|%%|%c", "n", -42, 3.14159, "ab", 255u, 'z');
	assert_string_equal(sb.buf, "n=-42;003.1|ab  |ff|%|z");
	/* A formatted piece holding a previous piece's text. */
	strbuf_addf(&sb, " (%s)", "a (nested) %s");
	assert_string_equal(sb.buf, "n=-42;003.1|ab  |ff|%|z (a (nested) %s)");
	strbuf_add(&sb, "\0tail", 5); /* bytes, NUL included */
	assert_int_equal(sb.len, strlen("n=-42;003.1|ab  |ff|%|z (a (nested) %s)") + 5);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_memory_equal(sb.buf + sb.len - 4, "tail", 4);
	strbuf_reset(&sb);
	assert_sane(&sb);
	assert_string_equal(sb.buf, "");
	strbuf_addf(&sb, "%s", "");
	assert_sane(&sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void test_detach_release(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *s = strbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s); /* memory of its own even when nothing was added */
	strbuf_addstr(&sb, "hello");
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	/* sb is empty and usable again, and does not share s. */
	assert_sane(&sb);
	assert_int_equal(sb.alloc, 0);
	strbuf_addstr(&sb, "world");
	assert_string_equal(s, "hello");
	assert_string_equal(sb.buf, "world");
	free(s);
	strbuf_release(&sb);
	strbuf_release(&sb); /* twice is harmless */
	assert_sane(&sb);
	assert_ptr_equal(sb.buf, strbuf_slopbuf);
}

static void test_setlen(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_setlen(&sb, 0);
	assert_sane(&sb);
	assert_int_equal(strbuf_slopbuf[0], '\0');
	strbuf_addstr(&sb, "abcdef");
	strbuf_setlen(&sb, 3);
	assert_sane(&sb);
	assert_string_equal(sb.buf, "abc");
	strbuf_addstr(&sb, "XY");
	assert_string_equal(sb.buf, "abcXY");
	/* Growing by hand: room first, then the bytes, then setlen. */
	strbuf_grow(&sb, 100000);
	assert_true(sb.alloc > sb.len + 100000);
	memset(sb.buf + sb.len, 'q', 100000);
	strbuf_setlen(&sb, sb.len + 100000);
	assert_sane(&sb);
	assert_int_equal(sb.len, 100005);
	assert_int_equal(sb.buf[100004], 'q');
	strbuf_release(&sb);
}

static void test_copy_cut(void **state)
{
	char d[12];
	assert_false(str_copy_cut(d, sizeof d, "short"));
	assert_string_equal(d, "short");
	assert_false(str_copy_cut(d, sizeof d, "exactly 11c"));
	assert_string_equal(d, "exactly 11c");
	assert_true(str_copy_cut(d, sizeof d, "one character more"));
	assert_string_equal(d, "one char...");
	/* "é" is two bytes (C3 A9): never cut between them. */
	assert_true(str_copy_cut(d, sizeof d, "abcdefg\xc3\xa9xyz"));
	assert_string_equal(d, "abcdefg...");
	assert_true(str_copy_cut(d, sizeof d, "abcdef\xc3\xa9xyzw"));
	assert_string_equal(d, "abcdef\xc3\xa9...");
	/* A four-byte character (U+1F600) across the cut. */
	assert_true(str_copy_cut(d, sizeof d, "abcde\xf0\x9f\x98\x80xyzw"));
	assert_string_equal(d, "abcde...");
	char t[4];
	assert_true(str_copy_cut(t, sizeof t, "abcdef"));
	assert_string_equal(t, "...");
	char u[2];
	assert_true(str_copy_cut(u, sizeof u, "abcdef"));
	assert_string_equal(u, ".");
}

static void test_printf_cut(void **state)
{
	char d[16];
	assert_false(str_printf_cut(d, sizeof d, "%s %d", "ab", 12));
	assert_string_equal(d, "ab 12");
	assert_true(
	    str_printf_cut(d, sizeof d, "HTTP %d: %s", 400, "a long message from the server"));
	assert_string_equal(d, "HTTP 400: a ...");
	assert_int_equal(strlen(d), sizeof d - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_empty),	   cmocka_unit_test(test_long_string),
	    cmocka_unit_test(test_many_appends),   cmocka_unit_test(test_formatting),
	    cmocka_unit_test(test_detach_release), cmocka_unit_test(test_setlen),
	    cmocka_unit_test(test_copy_cut),	   cmocka_unit_test(test_printf_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
