/* The journal: run lock, compare-and-set transitions, provisional writes,
 * journal check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/journal.h"

static char dir[64];
static char path[96];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ttnm-journal-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/j.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void lock_refuses_second(void **state)
{
	(void)state;
	struct journal *a = NULL, *b = NULL;
	char err[512] = "";
	assert_int_equal(journal_open(path, true, &a, err, sizeof err), 0);
	assert_int_equal(journal_open(path, true, &b, err, sizeof err), -1);
	char want[64];
	snprintf(want, sizeof want, "(process %ld)", (long)getpid());
	assert_non_null(strstr(err, want));
	/* status reads without the lock */
	assert_int_equal(journal_open(path, false, &b, err, sizeof err), 0);
	journal_close(b);
	journal_close(a);
	assert_int_equal(journal_open(path, true, &b, err, sizeof err), 0);
	journal_close(b);
}

static void move_is_compare_and_set(void **state)
{
	(void)state;
	struct journal *j = NULL;
	char err[512];
	assert_int_equal(journal_open(path, true, &j, err, sizeof err), 0);
	assert_int_equal(journal_add(j, "app", "dev"), 0);
	json_t *ex = json_pack("{s:s}", "name", "x");
	assert_int_equal(
	    journal_move(j, "app", "dev", J_PENDING, J_EXPORTED, &(struct jwrite){.export = ex}),
	    0);
	/* from a state it is not in: refused, nothing written */
	assert_int_equal(journal_move(j, "app", "dev", J_PENDING, J_RETIRED, NULL),
			 JOURNAL_CONFLICT);
	assert_int_equal(journal_move(j, "app", "nobody", J_PENDING, J_RETIRED, NULL),
			 JOURNAL_CONFLICT);
	struct jdevice d;
	assert_int_equal(journal_get(j, "app", "dev", &d), 1);
	assert_int_equal(d.state, J_EXPORTED);
	assert_non_null(d.export);
	jdevice_free(&d);
	assert_false(journal_broken(j));
	json_decref(ex);
	journal_close(j);
}

static void provisional_rollback(void **state)
{
	(void)state;
	struct journal *j = NULL;
	char err[512];
	assert_int_equal(journal_open(path, true, &j, err, sizeof err), 0);
	assert_int_equal(journal_provisional_begin(j), 0);
	struct strlist ids = {0};
	strlist_add(&ids, "aaa");
	strlist_add(&ids, "bbb");
	assert_int_equal(journal_add_all(j, "app", &ids), 0);
	assert_int_equal(journal_meta_set(j, "k", "v"), 0);
	assert_int_equal(journal_provisional_end(j, false), 0);
	struct jdevice d;
	assert_int_equal(journal_get(j, "app", "aaa", &d), 0);
	assert_null(journal_meta_get(j, "k"));
	assert_int_equal(journal_provisional_begin(j), 0);
	assert_int_equal(journal_add_all(j, "app", &ids), 0);
	assert_int_equal(journal_provisional_end(j, true), 0);
	assert_int_equal(journal_get(j, "app", "bbb", &d), 1);
	jdevice_free(&d);
	strlist_free(&ids);
	journal_close(j);
}

static void check_cb(void *ud, const char *app, const char *dev, const char *st, const char *why)
{
	(void)app;
	(void)st;
	(void)why;
	strcat(ud, dev);
	strcat(ud, " ");
}

static void check_finds_impossible_rows(void **state)
{
	(void)state;
	struct journal *j = NULL;
	char err[512], seen[256] = "";
	assert_int_equal(journal_open(path, true, &j, err, sizeof err), 0);
	assert_int_equal(journal_add(j, "app", "fine"), 0);
	assert_int_equal(journal_add(j, "app", "noexport"), 0);
	assert_int_equal(journal_move(j, "app", "noexport", J_PENDING, J_VERIFIED, NULL), 0);
	assert_int_equal(journal_add(j, "app", "nosaved"), 0);
	json_t *ex = json_object();
	assert_int_equal(
	    journal_move(j, "app", "nosaved", J_PENDING, J_COPIED, &(struct jwrite){.export = ex}),
	    0);
	json_decref(ex);
	assert_int_equal(journal_check(j, check_cb, seen), 2);
	assert_string_equal(seen, "noexport nosaved ");
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(lock_refuses_second, setup, teardown),
	    cmocka_unit_test_setup_teardown(move_is_compare_and_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(provisional_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(check_finds_impossible_rows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
