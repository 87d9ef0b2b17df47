/*
 * Whether two base URLs name the same server: same scheme, host and port
 * (RFC 6454 origin), the host compared without case and without a trailing
 * dot, a missing port taken as the scheme's default (http 80, https 443), a
 * bare host as https (as tts_base_url does). Paths, user info, queries and
 * fragments do not matter.
 */
#ifndef TTNM_CORE_ORIGIN_H
#define TTNM_CORE_ORIGIN_H

#include <stdbool.h>

/* False when either URL cannot be read: callers pick their safe side. */
bool origin_same(const char *a, const char *b);

#endif
