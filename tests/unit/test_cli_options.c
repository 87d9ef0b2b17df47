/* Options per command: the tables, binding to struct cli_values, lists,
 * short forms, rejection per command, precedence, the compatibility lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "dest/dest.h"

struct parsed {
	char *argv[16];
	struct args a;
	struct config cfg;
	char err[256];
	int rc;
};

/* Parses the NULL-terminated words (after the program name) as command c
 * with the destination's options as --dest.NAME (bare too when dest_bare). */
static void parse(struct parsed *p, enum cmd_id c, bool dest_bare, const char *const *words)
{
	memset(p, 0, sizeof *p);
	int argc = 0;
	p->argv[argc++] = strdup("ttn-lw-migrate");
	for (; *words; words++)
		p->argv[argc++] = strdup(*words);
	assert_int_equal(args_split(argc, p->argv, &p->a, p->err, sizeof p->err), 0);
	p->a.cmd = &cmd_specs[c];
	p->a.cmd_name = cmd_specs[c].name;
	struct opt_scope scopes[] = {{"dest", dest_options, dest_bare}};
	p->rc = cfg_build(&p->a, scopes, 1, &p->cfg, p->err, sizeof p->err);
}

static void release(struct parsed *p)
{
	cfg_free(&p->cfg);
	args_free(&p->a);
	for (size_t i = 0; i < sizeof p->argv / sizeof *p->argv; i++)
		free(p->argv[i]);
}

static long table_default(const char *name)
{
	const struct cmd_opt *o;
	assert_true(opt_group_of(name, &o) >= 0);
	assert_non_null(o->d.def);
	return strtol(o->d.def, NULL, 10);
}

static void tables_are_consistent(void **state)
{
	(void)state;
	/* Each option once, each field bound once, each short form once. */
	const struct cmd_opt *all[128];
	size_t n = 0;
	for (int g = 0; g < G_NGROUPS; g++) {
		assert_non_null(opt_groups[g].title);
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			all[n++] = o;
	}
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			assert_string_not_equal(all[i]->d.name, all[j]->d.name);
			assert_int_not_equal(all[i]->off, all[j]->off);
			if (all[i]->short_name)
				assert_int_not_equal(all[i]->short_name, all[j]->short_name);
		}
	/* Every command takes --help; only the top level takes --version. */
	for (int c = 0; c < CMD_NCOMMANDS; c++) {
		assert_int_equal(cmd_specs[c].id, c);
		assert_true(cmd_takes_group(&cmd_specs[c], G_HELP));
		assert_int_equal(cmd_takes_group(&cmd_specs[c], G_VERSION), c == CMD_TOP);
	}
}

static void defaults_are_bound(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, CMD_STATUS, false, (const char *const[]){"status", NULL});
	assert_int_equal(p.rc, 0);
	/* A command that does not take an option still reads its default. */
	assert_int_equal(p.cfg.o.timeout, table_default("timeout"));
	assert_int_equal(p.cfg.o.retries, table_default("retries"));
	assert_int_equal(p.cfg.o.concurrency, table_default("concurrency"));
	assert_int_equal(cfg_int(&p.cfg, NULL, "timeout", -1), table_default("timeout"));
	assert_string_equal(p.cfg.o.format, "table");
	assert_false(p.cfg.o.verbose);
	assert_null(p.cfg.o.journal);
	assert_int_equal(p.cfg.o.allow.n, 0);
	release(&p);
}

static void flags_are_bound(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, CMD_IMPORT, true,
	      (const char *const[]){"import", "--retries", "3", "-v", "--allow", "a,b", "f.json",
				    "--allow=c", "--report", "r.json", "--app-id", "x", NULL});
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.cfg.o.retries, 3);
	assert_true(p.cfg.o.verbose);
	assert_false(p.cfg.o.quiet);
	assert_string_equal(p.cfg.o.report, "r.json");
	assert_int_equal(p.cfg.o.allow.n, 3);
	assert_string_equal(p.cfg.o.allow.v[0], "a");
	assert_string_equal(p.cfg.o.allow.v[1], "b");
	assert_string_equal(p.cfg.o.allow.v[2], "c");
	/* The compatibility layer sees the same values. */
	assert_string_equal(cfg_str(&p.cfg, NULL, "allow"), "a,b,c");
	assert_int_equal(cfg_int(&p.cfg, NULL, "retries", 0), 3);
	assert_true(cfg_bool(&p.cfg, NULL, "verbose"));
	assert_string_equal(cfg_str(&p.cfg, "dest", "app-id"), "x");
	assert_int_equal(p.a.nwords, 2); /* import, f.json */
	release(&p);

	parse(&p, CMD_CLEAN, false, (const char *const[]){"clean", "-o", "out.json", "-q", NULL});
	assert_int_equal(p.rc, 0);
	assert_string_equal(p.cfg.o.output, "out.json");
	assert_true(p.cfg.o.quiet);
	release(&p);
}

static void refused_per_command(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, CMD_STATUS, false, (const char *const[]){"status", "--retries", "3", NULL});
	assert_int_equal(p.rc, -1);
	assert_non_null(strstr(p.err, "status: "));
	assert_non_null(strstr(p.err, "--retries"));
	release(&p);

	parse(&p, CMD_CLEAN, false, (const char *const[]){"clean", "--nope", NULL});
	assert_int_equal(p.rc, -1);
	assert_non_null(strstr(p.err, "clean: unknown flag --nope"));
	release(&p);

	parse(&p, CMD_SOURCES, false, (const char *const[]){"sources", "-v", NULL});
	assert_int_equal(p.rc, -1);
	assert_non_null(strstr(p.err, "sources: "));
	assert_non_null(strstr(p.err, "-v"));
	release(&p);

	/* The destination's options as typed, in either spelling. */
	parse(&p, CMD_CHECK, false, (const char *const[]){"check", "--app-id", "x", NULL});
	assert_int_equal(p.rc, -1);
	release(&p);
	parse(&p, CMD_CHECK, false, (const char *const[]){"check", "--dest-app-id", "x", NULL});
	assert_int_equal(p.rc, 0);
	assert_string_equal(cfg_str(&p.cfg, "dest", "app-id"), "x");
	release(&p);
}

static void flag_over_env_over_default(void **state)
{
	(void)state;
	struct parsed p;
	setenv("DEST_TTS_API_URL", "http://env.example", 1);
	parse(&p, CMD_CHECK, false, (const char *const[]){"check", NULL});
	assert_string_equal(cfg_str(&p.cfg, "dest", "api-url"), "http://env.example");
	assert_int_equal(cfg_origin(&p.cfg, "dest", "api-url"), ORIGIN_ENV);
	assert_int_equal(cfg_origin(&p.cfg, "dest", "insecure"), ORIGIN_DEFAULT);
	release(&p);
	parse(&p, CMD_CHECK, false,
	      (const char *const[]){"check", "--dest.api-url", "http://flag.example", NULL});
	assert_string_equal(cfg_str(&p.cfg, "dest", "api-url"), "http://flag.example");
	assert_int_equal(cfg_origin(&p.cfg, "dest", "api-url"), ORIGIN_FLAG);
	release(&p);
	unsetenv("DEST_TTS_API_URL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tables_are_consistent),
	    cmocka_unit_test(defaults_are_bound),
	    cmocka_unit_test(flags_are_bound),
	    cmocka_unit_test(refused_per_command),
	    cmocka_unit_test(flag_over_env_over_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
