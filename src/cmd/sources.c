/* `sources`: list the sources this build knows, as upstream does. It takes
 * no options (main.c has refused any flag). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_sources(const struct invocation *inv)
{
	(void)inv;
	for (const struct source_ops *const *s = source_registry; *s; s++)
		printf("%-12s %s\n", (*s)->name, (*s)->description);
	return EXIT_OK;
}
