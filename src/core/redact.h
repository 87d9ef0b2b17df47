/*
 * --redact: an export to share (a support ticket, a bug report) without the
 * keys in it. Every value at the key paths of tts_key_paths (root keys, the
 * session's and the pending session's keys, a queued join-accept's keys) is
 * replaced by zeros of the same length, and a key envelope's encrypted_key
 * (wrapped with a KEK) by base64 zeros of the same length: the JSON keeps its
 * shape and still parses as a device. session_key_id is kept: it names the
 * session (TTS shows it in events), it is not key material.
 *
 * A redacted export cannot restore a device, so --redact is refused unless
 * the run changes nothing at the source (--dry-run), and with --to-dest.
 */
#ifndef TTNM_CORE_REDACT_H
#define TTNM_CORE_REDACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"

/* Reads --redact (and --dry-run, --to-dest) from cfg. Returns 0, or -1 with
 * a message when --redact is given for a run that would change the source. */
int redact_configure(const struct config *cfg, char *err, size_t errlen);

/* Whether --redact was given (after redact_configure). */
bool redact_enabled(void);

/* Redacts dev in place when --redact was given; does nothing otherwise.
 * Returns the number of values replaced. */
size_t redact_export(json_t *dev);

/* Redacts dev in place, unconditionally. */
size_t redact_keys(json_t *dev);

/*
 * Text from a server (an error message, which some proxies and older servers
 * fill with the request body) is scrubbed of anything that looks like key
 * material before it is printed or stored: every run of 32 or more hex
 * digits (a 16-byte key is 32), and every padded base64 run that encodes 16
 * bytes or more (a 16-byte key is 24 characters ending in "=="). Each becomes
 * "***". In place; the text only gets shorter. Returns the number replaced.
 */
size_t redact_text(char *s);

/* Also removes from s every value the tool itself sent in a key field of
 * body (the "key" and "encrypted_key" members of key envelopes, at any depth),
 * whatever its form. Returns the number replaced. */
size_t redact_sent_keys(char *s, const json_t *body);

#endif
