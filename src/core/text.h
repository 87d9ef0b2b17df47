/*
 * Small checks and copies of ASCII text that the sources share: hex digits,
 * case, and whether a host is loopback.
 */
#ifndef TTNM_CORE_TEXT_H
#define TTNM_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is exactly n hex digits, of either case (NULL: false). */
bool text_is_hex(const char *s, size_t n);

/* Copies s into d (cap > 0) in lower / upper case, cut at cap - 1 bytes. d
 * may be s. */
void text_lower(char *d, const char *s, size_t cap);
void text_upper(char *d, const char *s, size_t cap);

/* True when host ("name", "name:port", "[v6]:port") is localhost, [::1] or
 * a 127.x.y.z address: a plaintext connection there leaves no machine. */
bool text_loopback_host(const char *host);

#endif
