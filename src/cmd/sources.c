/* `sources`: list the sources this build knows, as upstream does. */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_sources(const struct invocation *inv)
{
	(void)inv;
	for (const struct source_ops *const *s = source_registry; *s; s++)
		printf("%-12s %s\n", (*s)->name, (*s)->description);
	return EXIT_OK;
}
