#include "dest/gw_switch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lorawan.h"
#include "ui/stop.h"

const char *gw_switch_refusal(const json_t *st, char *why, size_t cap)
{
	const json_t *attrs = json_object_get(st, "attributes");
	if (!json_object_get(attrs, "cups-last-seen"))
		return "it does not use the source's CUPS (no cups-last-seen attribute): change "
		       "its LNS on the gateway (the keys file of `gateways import` has tc.key "
		       "and the server address)";
	const char *tcu = json_string_value(json_object_get(st, "target_cups_uri"));
	if ((tcu && *tcu) || json_is_true(json_object_get(st, "has_target_cups_key")))
		return "target_cups_uri or target_cups_key is set at the source: its CUPS would "
		       "send no LNS (gateways.md 3.1); clear them first";
	size_t user = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)attrs, k, v) user += strncmp(k, "cups-", 5) != 0;
	if (user > 6) {
		snprintf(why, cap,
			 "attributes: %zu besides cups-*; CUPS adds 4 and fails above 10 (remove "
			 "%zu)",
			 user, user - 6);
		return why;
	}
	return NULL;
}

int gw_switch_connected(struct gw_dest *d, const char *id, const char *before, char *err,
			size_t errlen)
{
	char *since = NULL;
	int c = gwdest_connected(d, id, &since, err, errlen);
	bool fresh = c == 1 && (!before || !*before || lw_time_cmp(since, before) > 0);
	free(since);
	return c < 0 ? -1 : fresh ? 1 : 0;
}

int gw_switch_wait(struct gw_dest *d, const char *id, const char *before, long timeout, char *err,
		   size_t errlen)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int c = gw_switch_connected(d, id, before, err, errlen);
		if (c != 0)
			return c;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= timeout || !stop_sleep_ms(1000))
			return 0;
	}
}
