/* `sources`: list the sources this build knows, as upstream does. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "ui/log.h"

int cmd_sources(const struct invocation *inv)
{
	/* Takes no options of its own, but an unknown flag is still an error. */
	struct config cfg = {0};
	char e[256];
	int rc = cfg_build(inv->args, NULL, 0, &cfg, e, sizeof e);
	cfg_free(&cfg);
	if (rc < 0) {
		log_error("%s", e);
		return EXIT_USAGE;
	}
	for (const struct source_ops *const *s = source_registry; *s; s++)
		printf("%-12s %s\n", (*s)->name, (*s)->description);
	return EXIT_OK;
}
