/* Helpers shared by the cmocka unit tests; include after <cmocka.h>. */
#ifndef TTNM_TESTS_UNIT_H
#define TTNM_TESTS_UNIT_H

#include <jansson.h>

/* Parses test JSON; a typo in a test's own JSON fails that test. */
static inline json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad test JSON at %d: %s", e.position, e.text);
	return v;
}

#endif
