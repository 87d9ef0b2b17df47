#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/log.h"

static const struct opt_desc *table_find(const struct opt_desc *t, const char *name)
{
	for (; t && t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

extern const struct opt_desc dest_options[];

size_t opt_known_scopes(struct opt_scope *out, size_t max)
{
	size_t n = 0;
	for (const struct source_ops *const *s = source_registry; *s && n < max; s++)
		out[n++] = (struct opt_scope){(*s)->name, (*s)->options, false};
	if (n < max)
		out[n++] = (struct opt_scope){"dest", dest_options, false};
	return n;
}

/* If name is "SCOPE.opt" for a known scope, returns its index in scopes and
 * sets *rest to "opt"; -1 otherwise. */
static int split_scoped(const char *name, const struct opt_scope *scopes, size_t n,
			const char **rest)
{
	const char *dot = strchr(name, '.');
	if (!dot)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(scopes[i].name);
		if ((size_t)(dot - name) == len && strncmp(name, scopes[i].name, len) == 0) {
			*rest = dot + 1;
			return (int)i;
		}
	}
	return -1;
}

/* Whether --name consumes the next argument. Unknown flags are taken as
 * booleans here and rejected later by cfg_build. */
static int takes_value(const char *name)
{
	struct opt_scope all[16];
	size_t n = opt_known_scopes(all, 16);
	const char *rest;
	int k = split_scoped(name, all, n, &rest);
	const struct opt_desc *d = k >= 0 ? table_find(all[k].table, rest) : NULL;
	if (!d)
		d = table_find(global_options, name);
	for (size_t i = 0; !d && i < n; i++)
		d = table_find(all[i].table, name);
	return d && d->type != OPT_BOOL;
}

static bool is_global(const char *name)
{
	for (const struct opt_desc *d = global_options; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return true;
	return false;
}

static bool is_dest_option(const char *name)
{
	for (const struct opt_desc *d = dest_options; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return true;
	return false;
}

/* Destination flags in either spelling, everywhere: --dest.dev-addr-prefix
 * is --dest-dev-addr-prefix, and --dest-app-id is --dest.app-id. Rewritten
 * in place (name points into argv). */
static void canonical_dest_spelling(char *name)
{
	if (strncmp(name, "dest", 4) != 0 || (name[4] != '.' && name[4] != '-'))
		return;
	char dashed[128];
	snprintf(dashed, sizeof dashed, "dest-%s", name + 5);
	if (name[4] == '.' && !is_dest_option(name + 5) && is_global(dashed))
		name[4] = '-';
	else if (name[4] == '-' && !is_global(name) && is_dest_option(name + 5))
		name[4] = '.';
}

int args_split(int argc, char **argv, struct args *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->words = calloc((size_t)argc + 1, sizeof *out->words);
	out->flags = calloc((size_t)argc + 1, sizeof *out->flags);
	if (!out->words || !out->flags) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bool only_words = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_words || a[0] != '-' || a[1] == '\0') {
			out->words[out->nwords++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_words = true;
			continue;
		}
		struct flag_arg *f = &out->flags[out->nflags++];
		if (strcmp(a, "-h") == 0) {
			f->name = "help";
			continue;
		}
		if (strcmp(a, "-o") == 0 || strcmp(a, "-v") == 0 || strcmp(a, "-q") == 0) {
			f->name = a[1] == 'o' ? "output" : a[1] == 'v' ? "verbose" : "quiet";
			if (a[1] != 'o')
				continue;
		} else if (a[1] != '-') {
			snprintf(err, errlen, "unknown flag %s", a);
			return -1;
		} else {
			/* --name=value keeps the value in argv; split in place. */
			char *eq = strchr(argv[i], '=');
			if (eq)
				*eq = '\0';
			canonical_dest_spelling(argv[i] + 2);
			if (eq) {
				f->name = argv[i] + 2;
				f->value = eq + 1;
				continue;
			}
			f->name = argv[i] + 2;
			if (!takes_value(f->name))
				continue;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "flag --%s needs a value", f->name);
			return -1;
		}
		f->value = argv[++i];
	}
	return 0;
}

void args_free(struct args *a)
{
	free(a->words);
	free(a->flags);
	memset(a, 0, sizeof *a);
}

const char *args_flag(const struct args *a, const char *name, int *present)
{
	const char *v = NULL;
	*present = 0;
	for (size_t i = 0; i < a->nflags; i++)
		if (strcmp(a->flags[i].name, name) == 0) {
			*present = 1;
			v = a->flags[i].value;
		}
	return v;
}

static void add_table(struct config *cfg, const struct opt_desc *t, const char *scope)
{
	for (; t && t->name; t++) {
		struct opt_value *v = &cfg->vals[cfg->nvals++];
		v->desc = t;
		v->scope = scope;
		const char *env = t->env ? getenv(t->env) : NULL;
		if (env && *env) {
			v->value = env;
			v->origin = ORIGIN_ENV;
		} else if (t->def) {
			v->value = t->def;
			v->origin = ORIGIN_DEFAULT;
		}
	}
}

static size_t table_len(const struct opt_desc *t)
{
	size_t n = 0;
	while (t && t[n].name)
		n++;
	return n;
}

static struct opt_value *cfg_slot(struct config *cfg, const char *scope, const char *name)
{
	for (size_t i = 0; i < cfg->nvals; i++) {
		struct opt_value *v = &cfg->vals[i];
		bool same =
		    (!scope && !v->scope) || (scope && v->scope && !strcmp(scope, v->scope));
		if (same && strcmp(v->desc->name, name) == 0)
			return v;
	}
	return NULL;
}

static int check_value(const struct opt_value *v, char *err, size_t errlen)
{
	const char *how = v->origin == ORIGIN_ENV ? v->desc->env : NULL;
	if (!v->value)
		return 0;
	if (v->desc->type == OPT_BOOL && opt_parse_bool(v->value) < 0) {
		snprintf(err, errlen, "%s%s: \"%s\" is not a boolean (true or false)",
			 how ? "$" : "--", how ? how : v->desc->name, v->value);
		return -1;
	}
	if (v->desc->type == OPT_INT) {
		char *end;
		long n = strtol(v->value, &end, 10);
		if (*v->value == '\0' || *end || n < 0) {
			snprintf(err, errlen, "%s%s: \"%s\" is not a non-negative integer",
				 how ? "$" : "--", how ? how : v->desc->name, v->value);
			return -1;
		}
	}
	return 0;
}

int cfg_build(const struct args *a, const struct opt_scope *scopes, size_t nscopes,
	      struct config *cfg, char *err, size_t errlen)
{
	size_t n = table_len(global_options);
	for (size_t i = 0; i < nscopes; i++)
		n += table_len(scopes[i].table);
	cfg->nvals = 0;
	cfg->vals = calloc(n + 1, sizeof *cfg->vals);
	if (!cfg->vals) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	add_table(cfg, global_options, NULL);
	for (size_t i = 0; i < nscopes; i++)
		add_table(cfg, scopes[i].table, scopes[i].name);

	struct opt_scope all[16];
	size_t nall = opt_known_scopes(all, 16);
	for (size_t i = 0; i < a->nflags; i++) {
		const struct flag_arg *f = &a->flags[i];
		const char *rest;
		struct opt_value *v = NULL;
		int k = split_scoped(f->name, all, nall, &rest);
		if (k >= 0)
			v = cfg_slot(cfg, all[k].name, rest);
		if (!v && k < 0)
			v = cfg_slot(cfg, NULL, f->name);
		for (size_t j = 0; !v && k < 0 && j < nscopes; j++)
			if (scopes[j].bare)
				v = cfg_slot(cfg, scopes[j].name, f->name);
		if (!v) {
			if (k >= 0)
				snprintf(err, errlen, "flag --%s does not apply to this command",
					 f->name);
			else
				snprintf(err, errlen, "unknown flag --%s", f->name);
			return -1;
		}
		if (!f->value && v->desc->type != OPT_BOOL) {
			snprintf(err, errlen, "flag --%s needs a value", v->desc->name);
			return -1;
		}
		v->value = f->value ? f->value : "true";
		v->origin = ORIGIN_FLAG;
	}
	for (size_t i = 0; i < cfg->nvals; i++) {
		if (check_value(&cfg->vals[i], err, errlen) < 0)
			return -1;
		if ((cfg->vals[i].desc->flags & OPT_SECRET) && cfg->vals[i].value)
			log_add_secret(cfg->vals[i].value);
	}
	return 0;
}

void cfg_free(struct config *cfg)
{
	free(cfg->vals);
	cfg->vals = NULL;
	cfg->nvals = 0;
}
