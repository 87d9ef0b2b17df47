/* Unit tests for src/io/gocsv.c: the cases of Go's encoding/csv reader at its
 * defaults (quotes, "" escapes, CRLF, empty lines, bare and stray quotes),
 * plus the BOM and NUL handling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "io/gocsv.h"

/* want: records separated by '|', fields by '^' ("" = no records). */
static void expect(const char *in, size_t len, const char *want)
{
	struct gocsv c;
	char err[256] = "";
	if (gocsv_parse(in, len, &c, err, sizeof err) != 0)
		fail_msg("parse failed: %s", err);
	char got[1024] = "";
	for (size_t i = 0; i < c.n; i++) {
		if (i)
			strcat(got, "|");
		for (size_t j = 0; j < c.recs[i].nfields; j++) {
			if (j)
				strcat(got, "^");
			strcat(got, c.recs[i].fields[j]);
		}
	}
	assert_string_equal(got, want);
	gocsv_free(&c);
}

#define EXPECT(in, want) expect(in, sizeof in - 1, want)

static void expect_error(const char *in, const char *want)
{
	struct gocsv c;
	char err[256] = "";
	assert_int_equal(gocsv_parse(in, strlen(in), &c, err, sizeof err), -1);
	assert_int_equal(c.n, 0);
	if (!strstr(err, want))
		fail_msg("want \"%s\" in \"%s\"", want, err);
}

static void test_simple(void **state)
{
	(void)state;
	EXPECT("a,b,c\n", "a^b^c");
	EXPECT("a,b,c", "a^b^c");	 /* no final newline */
	EXPECT("a,b\n1,2\n", "a^b|1^2"); /* two records */
	EXPECT("a,,c,\n", "a^^c^");	 /* empty fields, trailing comma */
	EXPECT(" a , b \n", " a ^ b ");	 /* nothing trimmed */
	EXPECT("", "");
	EXPECT("\n\n", "");
	EXPECT("a\n\n\nb\n", "a|b"); /* empty lines skipped */
	EXPECT("#a,b\n", "#a^b");    /* no comments */
}

static void test_crlf(void **state)
{
	(void)state;
	EXPECT("a,b\r\n1,2\r\n", "a^b|1^2");
	EXPECT("a,b\r\n\r\n1,2", "a^b|1^2");
	EXPECT("a,b\r", "a^b");		      /* a \r before the end is dropped */
	EXPECT("a\rb,c\n", "a\rb^c");	      /* a lone \r is data */
	EXPECT("\"x\r\ny\",z\r\n", "x\ny^z"); /* CRLF in quotes becomes LF */
}

static void test_quotes(void **state)
{
	(void)state;
	EXPECT("\"a,b\",c\n", "a,b^c");
	EXPECT("\"say \"\"hi\"\"\",x\n", "say \"hi\"^x");
	EXPECT("\"\",x\n", "^x");
	EXPECT("\"multi\nline\",2\n3,4\n", "multi\nline^2|3^4");
	EXPECT("\"a\"", "a");
	EXPECT("x,\"\"\"\"\n", "x^\"");
	struct gocsv c;
	char err[128];
	/* The record's line is where it starts; the next record counts the
	 * lines inside the quotes. */
	assert_int_equal(gocsv_parse("h\n\"a\nb\"\nc\n", 10, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.recs[1].line, 2);
	assert_int_equal(c.recs[2].line, 4);
	gocsv_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a,b\"c\n", "line 1, column 4: bare \"");
	expect_error("ok\na\"\n", "line 2");
	expect_error("\"abc\"d,e\n", "extraneous or missing \"");
	expect_error("\"abc\n", "extraneous or missing \"");
	expect_error("a, \"b\"\n", "bare \""); /* quote not at the field start */
	struct gocsv c;
	char err[128];
	assert_int_equal(gocsv_parse("a\nb\0c", 5, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "line 2: NUL"));
}

static void test_bom_and_counts(void **state)
{
	(void)state;
	EXPECT("\xEF\xBB\xBF"
	       "devEui,x\n1,2\n",
	       "devEui^x|1^2");
	struct gocsv c;
	char err[128];
	assert_int_equal(gocsv_parse("a,b,c\n1,2\n", 10, &c, err, sizeof err), 0);
	assert_int_equal(c.recs[0].nfields, 3);
	assert_int_equal(c.recs[1].nfields, 2); /* counts are the caller's business */
	gocsv_free(&c);
	FILE *f = fopen("/nonexistent/x.csv", "r");
	assert_null(f);
	assert_int_equal(gocsv_load("/nonexistent/x.csv", &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.csv: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),	   cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_quotes),	   cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_bom_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
