/* Field masks with oneofs, on JSON devices (see fieldmask.h). */
#include "fieldmask.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_CAP 512

static int cmp_path(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool emu_mask_in(enum emu_mask m, const char *path)
{
	const struct emu_pathset *s = &emu_masks[m];
	return bsearch(path, s->paths, s->n, sizeof *s->paths, cmp_path) != NULL;
}

/* Whether a field of EndDevice lies strictly below path. */
static bool has_fields_below(const char *path)
{
	const struct emu_pathset *s = &emu_masks[EMU_MASK_ALL];
	size_t len = strlen(path), lo = 0, hi = s->n;
	/* Binary search for the first entry after path itself, then scan the entries
	 * that start with path for one that continues with a dot. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(s->paths[mid], path) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->n && strncmp(s->paths[i], path, len) == 0; i++)
		if (s->paths[i][len] == '.')
			return true;
	return false;
}

static const struct emu_oneof *oneof_at(const char *mask_parent)
{
	for (const struct emu_oneof *o = emu_oneofs; o->parent; o++)
		if (strcmp(o->parent, mask_parent) == 0)
			return o;
	return NULL;
}

static bool is_member(const struct emu_oneof *o, const char *name)
{
	for (const char *const *m = o->members; *m; m++)
		if (strcmp(*m, name) == 0)
			return true;
	return false;
}

/* The member of o that obj holds other than `except`, or NULL. */
static const char *other_member(const struct emu_oneof *o, const json_t *obj, const char *except)
{
	for (const char *const *m = o->members; obj && *m; m++)
		if ((!except || strcmp(*m, except) != 0) && json_object_get(obj, *m))
			return *m;
	return NULL;
}

static void drop_members(const struct emu_oneof *o, json_t *obj)
{
	for (const char *const *m = o->members; *m; m++)
		json_object_del(obj, *m);
}

/* Splits the first segment of path into seg; returns the rest or NULL. */
static const char *first_segment(const char *path, char *seg, size_t cap)
{
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	snprintf(seg, cap, "%.*s", (int)(n < cap ? n : cap - 1), path);
	return dot ? dot + 1 : NULL;
}

static void join(char *out, const char *prefix, const char *seg)
{
	snprintf(out, PATH_CAP, "%s%s%s", prefix, *prefix ? "." : "", seg);
}

static int apply(json_t *dst, const json_t *src, const char *mprefix, const char *rest, char *err,
		 size_t cap);

/* The oneof o of the message at mprefix; rest is what follows the oneof's name. */
static int apply_oneof(json_t *dst, const json_t *src, const struct emu_oneof *o,
		       const char *mprefix, const char *rest, char *err, size_t cap)
{
	char member[128], mchild[PATH_CAP];
	if (!rest) { /* the whole oneof: whichever member src holds */
		const char *m = other_member(o, src, NULL);
		json_t *v = m ? json_deep_copy(json_object_get(src, m)) : NULL;
		drop_members(o, dst);
		if (v)
			json_object_set_new(dst, m, v);
		return 0;
	}
	const char *tail = first_segment(rest, member, sizeof member);
	if (!is_member(o, member))
		return 0; /* not a field; mask validation refuses such paths */
	json_t *sv = src ? json_object_get(src, member) : NULL;
	json_t *dv = json_object_get(dst, member);
	if (!tail) { /* one member, whole: it replaces any other, or the oneof is cleared */
		json_t *v = sv ? json_deep_copy(sv) : NULL;
		drop_members(o, dst);
		if (v)
			json_object_set_new(dst, member, v);
		return 0;
	}
	/* Below a member: TTS refuses to mix members of source and destination. */
	if (!sv && other_member(o, src, member)) {
		snprintf(err, cap,
			 "attempt to set oneof '%s', while different oneof is set in source",
			 member);
		return -1;
	}
	if (!dv && other_member(o, dst, member)) {
		snprintf(err, cap,
			 "attempt to set oneof '%s', while different oneof is set in destination",
			 member);
		return -1;
	}
	if (!json_is_object(dv)) {
		if (!sv)
			return 0; /* neither side has it: the oneof stays unset */
		dv = json_object();
		json_object_set_new(dst, member, dv);
	}
	snprintf(mchild, sizeof mchild, "%s.%s.%s", mprefix, o->name, member);
	/* A member left empty stays: in TTS it is still the oneof's value. */
	return apply(dv, sv, mchild, tail, err, cap);
}

/* dst is the JSON object at mask path mprefix ("" = the device), src its counterpart. */
static int apply(json_t *dst, const json_t *src, const char *mprefix, const char *rest, char *err,
		 size_t cap)
{
	char seg[128], mchild[PATH_CAP];
	const char *tail = first_segment(rest, seg, sizeof seg);
	const json_t *s = json_is_object(src) ? src : NULL;
	const struct emu_oneof *o = *mprefix ? oneof_at(mprefix) : NULL;
	if (o && strcmp(seg, o->name) == 0)
		return apply_oneof(dst, s, o, mprefix, tail, err, cap);

	json_t *sv = s ? json_object_get(s, seg) : NULL;
	json_t *dv = json_object_get(dst, seg);
	/* TTS's wrappers are bare in JSON: "x.value" is the scalar stored at "x". */
	bool bare =
	    tail && strcmp(tail, "value") == 0 &&
	    ((sv && !json_is_object(sv)) || (!json_is_object(sv) && dv && !json_is_object(dv)));
	if (!tail || bare) {
		if (!jp_is_zero(sv))
			json_object_set_new(dst, seg, json_deep_copy(sv));
		else
			json_object_del(dst, seg);
		return 0;
	}
	if (!json_is_object(dv)) {
		if (!json_is_object(sv))
			return 0; /* nothing below on either side */
		dv = json_object();
		json_object_set_new(dst, seg, dv);
	}
	join(mchild, mprefix, seg);
	int rc = apply(dv, sv, mchild, tail, err, cap);
	/* A plain message left empty is unset, as everywhere in the emulator. */
	if (json_object_size(dv) == 0)
		json_object_del(dst, seg);
	return rc;
}

int emu_fm_apply(json_t *dst, const json_t *src, const char *path, char *err, size_t cap)
{
	if (!*path)
		return 0;
	return apply(dst, src, "", path, err, cap);
}

/* The member of o that path addresses ("" when path names the oneof or covers it). */
static bool addressed_member(const struct emu_oneof *o, const char *path, char *member, size_t cap)
{
	char head[PATH_CAP];
	snprintf(head, sizeof head, "%s.%s", o->parent, o->name);
	if (jp_covers(path, head)) {
		member[0] = '\0';
		return true;
	}
	size_t n = strlen(head);
	if (strncmp(path, head, n) != 0 || path[n] != '.')
		return false;
	first_segment(path + n + 1, member, cap);
	return true;
}

int emu_fm_apply_mask(json_t *dst, const json_t *src, const json_t *mask, char *err, size_t cap)
{
	size_t i;
	json_t *p;
	/*
	 * TTS groups a mask by message: a path naming the oneof (or a message above it)
	 * wins over paths below it, whatever the order; otherwise two members of one oneof
	 * cannot both be set.
	 */
	for (const struct emu_oneof *o = emu_oneofs; o->parent; o++) {
		char seen[128] = "", m[128];
		bool whole = false;
		json_array_foreach(mask, i, p)
		{
			if (addressed_member(o, json_string_value(p), m, sizeof m) && !*m)
				whole = true;
		}
		json_array_foreach(mask, i, p)
		{
			if (whole || !addressed_member(o, json_string_value(p), m, sizeof m))
				continue;
			if (!*seen) {
				snprintf(seen, sizeof seen, "%s", m);
			} else if (strcmp(seen, m) != 0) {
				snprintf(err, cap,
					 "more than one field specified for oneof field '%s'",
					 o->name);
				return -1;
			}
		}
	}
	json_array_foreach(mask, i, p)
	{
		const char *path = json_string_value(p);
		size_t j;
		json_t *q;
		bool covered = false;
		/* As TTS: a path below another masked path adds nothing to it. */
		json_array_foreach(mask, j, q)
		{
			covered |= strcmp(json_string_value(q), path) != 0 &&
				   jp_covers(json_string_value(q), path);
		}
		if (!covered && emu_fm_apply(dst, src, path, err, cap))
			return -1;
	}
	return 0;
}

/* ---- walking a device by schema fields ------------------------------------------------- */

typedef void (*visit_fn)(const char *jpath, const char *mpath, const json_t *v, void *ctx);

/*
 * Calls visit for every value of obj at a schema leaf (or at a field whose value is not
 * an object: a bare wrapper, a list, a map), skipping zero values but not present oneof
 * members, which are values even when empty. Unknown keys are visited too.
 */
static void walk(const json_t *obj, const char *jprefix, const char *mprefix, visit_fn visit,
		 void *ctx)
{
	const struct emu_oneof *o = *mprefix ? oneof_at(mprefix) : NULL;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		char jpath[PATH_CAP], mpath[PATH_CAP];
		bool member = o && is_member(o, k);
		join(jpath, jprefix, k);
		if (member)
			snprintf(mpath, sizeof mpath, "%s.%s.%s", mprefix, o->name, k);
		else
			join(mpath, mprefix, k);
		if (json_is_object(v) && json_object_size(v) > 0 && has_fields_below(mpath))
			walk(v, jpath, mpath, visit, ctx);
		else if (member || !jp_is_zero(v))
			visit(jpath, mpath, v, ctx);
	}
}

struct nonzero_ctx {
	const json_t *mask;
	enum emu_mask allowed;
	char *out;
	size_t cap;
	bool found;
};

static void visit_nonzero(const char *jpath, const char *mpath, const json_t *v, void *vctx)
{
	struct nonzero_ctx *c = vctx;
	size_t i;
	json_t *p;
	(void)jpath;
	(void)v;
	json_array_foreach(c->mask, i, p)
	{
		const char *mp = json_string_value(p);
		size_t n = strlen(mp);
		if (strncmp(mpath, mp, n) != 0 || mpath[n] != '.')
			continue; /* not strictly below this masked path */
		/* Every field between the masked path and the value must be allowed. */
		for (const char *dot = mpath + n; dot; dot = strchr(dot + 1, '.')) {
			char q[PATH_CAP];
			const char *end = strchr(dot + 1, '.');
			snprintf(q, sizeof q, "%.*s",
				 (int)(end ? end - mpath : (long)strlen(mpath)), mpath);
			if (!emu_mask_in(EMU_MASK_ALL, q))
				break;
			if (!emu_mask_in(c->allowed, q)) {
				if (!c->found || strcmp(q, c->out) < 0)
					snprintf(c->out, c->cap, "%s", q);
				c->found = true;
				break;
			}
		}
	}
}

bool emu_fm_nonzero(const json_t *dev, const json_t *mask, enum emu_mask allowed, char *out,
		    size_t cap)
{
	struct nonzero_ctx c = {mask, allowed, out, cap, false};
	if (json_is_object(dev))
		walk(dev, "", "", visit_nonzero, &c);
	return c.found;
}

struct copy_ctx {
	json_t *dst;
	bool (*owned)(const char *);
};

static void visit_copy(const char *jpath, const char *mpath, const json_t *v, void *vctx)
{
	struct copy_ctx *c = vctx;
	if (c->owned(mpath))
		jp_set(c->dst, jpath, json_deep_copy(v));
}

void emu_fm_copy_owned(json_t *dst, const json_t *src, bool (*owned)(const char *mask_path))
{
	struct copy_ctx c = {dst, owned};
	if (json_is_object(src))
		walk(src, "", "", visit_copy, &c);
}
