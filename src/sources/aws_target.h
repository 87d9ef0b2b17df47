/*
 * Request targets for AWS Signature Version 4. libcurl 7.88 (Debian 12)
 * signs the path and query exactly as sent; it canonicalises neither (the
 * query from curl 8.3.0, the path from 8.9.0). So a request only verifies
 * when the tool sends a target that is already in SigV4's canonical form:
 * every path segment, query key and query value percent-encoded with only
 * A-Z a-z 0-9 - . _ ~ left as they are (uppercase hex, bytes of UTF-8), and
 * the query pairs sorted by encoded key, then by encoded value.
 */
#ifndef TTNM_SOURCES_AWS_TARGET_H
#define TTNM_SOURCES_AWS_TARGET_H

#include <stddef.h>

#include "core/strbuf.h"

struct aws_param {
	const char *key, *value; /* raw (unencoded); value "" for "key=" */
};

/* Appends the SigV4 percent-encoding of s. */
void aws_uri_encode(struct strbuf *sb, const char *s);

/*
 * Appends "/seg/seg...?k=v&k=v" in canonical form. segs are the raw path
 * segments (no '/' inside; "" gives an empty segment, so {"a", ""} is
 * "/a/"); nseg 0 is "/". params may come in any order; no '?' when np is 0.
 */
void aws_target(struct strbuf *sb, const char *const *segs, size_t nseg,
		const struct aws_param *params, size_t np);

#endif
