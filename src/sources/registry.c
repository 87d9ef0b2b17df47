#include <string.h>

#include "sources/source.h"

/* Every source the tool knows, in the order `sources` lists them: one line
 * each, naming its struct source_ops (defined in the source's own file). */
/* clang-format off */
#define SOURCES(X) \
	X(tts_source) \
	X(wanesy_source) \
	X(firefly_source) \
	X(awsiot_source) \
	X(chirpstack_source) \
	/* end of the list */
/* clang-format on */

/* A declaration cannot take parentheses around the name. */
#define DECLARE(ops) extern const struct source_ops ops; /* NOLINT(bugprone-macro-parentheses) */
#define ENTRY(ops)   &(ops),
SOURCES(DECLARE)

const struct source_ops *const source_registry[] = {SOURCES(ENTRY) NULL};

const struct source_ops *source_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct source_ops *const *s = source_registry; *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

const char *source_app_id_env(const struct source_ops *ops)
{
	for (const struct opt_desc *o = ops ? ops->options : NULL; o && o->name; o++)
		if (strcmp(o->name, "app-id") == 0)
			return o->env;
	return NULL;
}
