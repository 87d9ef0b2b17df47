#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
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
	const struct cmd_opt *o;
	if (!d && opt_group_of(name, &o) >= 0)
		d = &o->d;
	for (size_t i = 0; !d && i < n; i++)
		d = table_find(all[i].table, name);
	return d && d->type != OPT_BOOL;
}

static bool is_global(const char *name)
{
	return opt_group_of(name, NULL) >= 0;
}

/* The tool's option with short form c, or NULL. */
static const struct cmd_opt *short_opt(char c)
{
	for (int g = 0; g < G_NGROUPS; g++)
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			if (o->short_name == c)
				return o;
	return NULL;
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
		if (a[1] != '-') {
			/* -X: a short form (-h, -o FILE, -v, -q); one letter only. */
			const struct cmd_opt *o = a[2] ? NULL : short_opt(a[1]);
			f->spelled = strdup(a);
			f->name = o ? o->d.name : a + 1;
			if (!o || o->d.type == OPT_BOOL)
				continue;
		} else {
			/* --name=value keeps the value in argv; split in place. */
			char *eq = strchr(argv[i], '=');
			if (eq)
				*eq = '\0';
			f->spelled = strdup(argv[i]);
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
			snprintf(err, errlen, "flag %s needs a value",
				 f->spelled ? f->spelled : "");
			return -1;
		}
		f->value = argv[++i];
	}
	return 0;
}

void args_free(struct args *a)
{
	for (size_t i = 0; a->flags && i < a->nflags; i++)
		free(a->flags[i].spelled);
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

static void set_initial(struct opt_value *v, const struct opt_desc *t, const char *scope)
{
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

static void add_table(struct config *cfg, const struct opt_desc *t, const char *scope)
{
	for (; t && t->name; t++)
		set_initial(&cfg->vals[cfg->nvals++], t, scope);
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

/* Whether name is an option of any table the tool knows (for telling an
 * unknown flag from one another command takes). */
static bool known_anywhere(const char *name, const struct opt_scope *all, size_t nall)
{
	const char *rest;
	int k = split_scoped(name, all, nall, &rest);
	if (k >= 0)
		return table_find(all[k].table, rest) != NULL;
	if (is_global(name))
		return true;
	for (size_t i = 0; i < nall; i++)
		if (table_find(all[i].table, name))
			return true;
	return false;
}

/* The slot flag f sets, or NULL with err. */
static struct opt_value *resolve(const struct args *a, const struct flag_arg *f, struct config *cfg,
				 const struct opt_scope *scopes, size_t nscopes, char *err,
				 size_t errlen)
{
	struct opt_scope all[16];
	size_t nall = opt_known_scopes(all, 16);
	const char *rest;
	struct opt_value *v = NULL;
	const char *cmd = a->cmd_name ? a->cmd_name : NULL;
	int k = split_scoped(f->name, all, nall, &rest);
	if (k >= 0) {
		v = cfg_slot(cfg, all[k].name, rest);
	} else {
		int g = opt_group_of(f->name, NULL);
		if (g >= 0 && (!a->cmd || cmd_takes_group(a->cmd, g)))
			v = cfg_slot(cfg, NULL, f->name);
		for (size_t j = 0; !v && g < 0 && j < nscopes; j++)
			if (scopes[j].bare)
				v = cfg_slot(cfg, scopes[j].name, f->name);
	}
	if (v)
		return v;
	const char *spelled = f->spelled ? f->spelled : f->name;
	if (k >= 0 && v == NULL && a->cmd && (a->cmd->scopes & SCOPE_DEST) &&
	    strcmp(all[k].name, "dest") == 0 && table_find(all[k].table, rest))
		/* The export commands: only a migration or a check has a destination. */
		snprintf(err, errlen, "%s%sflag %s applies only with --to-dest or --check",
			 cmd ? cmd : "", cmd ? ": " : "", spelled);
	else if (known_anywhere(f->name, all, nall))
		snprintf(err, errlen, "%s%sflag %s does not apply to this command", cmd ? cmd : "",
			 cmd ? ": " : "", spelled);
	else
		snprintf(err, errlen, "%s%sunknown flag %s", cmd ? cmd : "", cmd ? ": " : "",
			 spelled);
	return NULL;
}

/* A list's value: every occurrence, joined with commas (the compatibility
 * string), and the items (the bound field). */
static int bind_list(struct config *cfg, struct opt_value *v, const struct args *a,
		     struct opt_value *const *slot_of, struct opt_list *out)
{
	size_t len = 1;
	bool from_flags = v->origin == ORIGIN_FLAG;
	if (!from_flags && v->value)
		len += strlen(v->value);
	for (size_t i = 0; from_flags && i < a->nflags; i++)
		if (slot_of[i] == v)
			len += strlen(a->flags[i].value) + 1;
	if (cfg->nowned + 3 > sizeof cfg->owned / sizeof *cfg->owned)
		return -1;
	char *joined = calloc(1, len), *items = calloc(1, len);
	const char **vec = calloc(len + 1, sizeof *vec);
	cfg->owned[cfg->nowned++] = joined;
	cfg->owned[cfg->nowned++] = items;
	cfg->owned[cfg->nowned++] = (void *)vec;
	if (!joined || !items || !vec)
		return -1;
	if (!from_flags && v->value)
		strcpy(joined, v->value);
	for (size_t i = 0; from_flags && i < a->nflags; i++) {
		if (slot_of[i] != v || !*a->flags[i].value)
			continue;
		if (*joined)
			strcat(joined, ",");
		strcat(joined, a->flags[i].value);
	}
	strcpy(items, joined);
	out->v = vec;
	out->n = 0;
	for (char *save = NULL, *t = strtok_r(items, ",", &save); t; t = strtok_r(NULL, ",", &save))
		vec[out->n++] = t;
	v->value = *joined ? joined : NULL;
	return 0;
}

/* Writes the tool's option values into their fields of cfg->o. */
static int bind_values(struct config *cfg, const struct args *a, struct opt_value *const *slot_of)
{
	char *base = (char *)&cfg->o;
	for (size_t i = 0; i < cfg->nvals; i++) {
		struct opt_value *v = &cfg->vals[i];
		const struct cmd_opt *o;
		if (v->scope || opt_group_of(v->desc->name, &o) < 0)
			continue;
		void *field = base + o->off;
		const char *s = v->value && *v->value ? v->value : NULL;
		switch (v->desc->type) {
		case OPT_BOOL:
			*(bool *)field = s && opt_parse_bool(s) == 1;
			break;
		case OPT_INT:
			*(long *)field = s ? strtol(s, NULL, 10) : 0;
			break;
		case OPT_STRING:
			*(const char **)field = s;
			break;
		case OPT_LIST:
			if (bind_list(cfg, v, a, slot_of, field) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int cfg_build(const struct args *a, const struct opt_scope *scopes, size_t nscopes,
	      struct config *cfg, char *err, size_t errlen)
{
	size_t n = 0;
	for (int g = 0; g < G_NGROUPS; g++)
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			n++;
	for (size_t i = 0; i < nscopes; i++)
		n += table_len(scopes[i].table);
	memset(cfg, 0, sizeof *cfg);
	cfg->vals = calloc(n + 1, sizeof *cfg->vals);
	struct opt_value **slot_of = calloc(a->nflags + 1, sizeof(struct opt_value *));
	if (!cfg->vals || !slot_of) {
		free(slot_of);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int g = 0; g < G_NGROUPS; g++)
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			set_initial(&cfg->vals[cfg->nvals++], &o->d, NULL);
	for (size_t i = 0; i < nscopes; i++)
		add_table(cfg, scopes[i].table, scopes[i].name);

	int rc = -1;
	for (size_t i = 0; i < a->nflags; i++) {
		const struct flag_arg *f = &a->flags[i];
		struct opt_value *v = resolve(a, f, cfg, scopes, nscopes, err, errlen);
		if (!v)
			goto out;
		if (!f->value && v->desc->type != OPT_BOOL) {
			snprintf(err, errlen, "flag --%s needs a value", v->desc->name);
			goto out;
		}
		v->value = f->value ? f->value : "true";
		v->origin = ORIGIN_FLAG;
		slot_of[i] = v;
	}
	for (size_t i = 0; i < cfg->nvals; i++) {
		if (check_value(&cfg->vals[i], err, errlen) < 0)
			goto out;
		if ((cfg->vals[i].desc->flags & OPT_SECRET) && cfg->vals[i].value)
			log_add_secret(cfg->vals[i].value);
	}
	if (bind_values(cfg, a, slot_of) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(slot_of);
	return rc;
}

void cfg_free(struct config *cfg)
{
	free(cfg->vals);
	for (size_t i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	memset(cfg, 0, sizeof *cfg);
}
