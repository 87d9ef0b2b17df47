/*
 * The destination: a The Things Stack deployment that devices are imported
 * into, the way ttn-lw-cli `end-devices create` does it: Identity Server
 * create, then Join Server (OTAA only), Network Server and Application
 * Server sets, each with only the paths that component owns; on failure,
 * what was created for that device is deleted again.
 */
#ifndef TTNM_DEST_DEST_H
#define TTNM_DEST_DEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"

extern const struct opt_desc dest_options[];

struct dest;

/* Opens the deployment described by the options of scope ("dest"; or a
 * source's, "tts", to write back to the source). app overrides the scope's
 * app-id option when not NULL. */
int dest_open(const struct config *cfg, const char *scope, const char *app, struct dest **out,
	      char *err, size_t errlen);
void dest_close(struct dest *d);
const char *dest_app_id(const struct dest *d);
/* The deployment's identity for choosing the migration order: the base URL
 * of its Identity Server (two deployments never share one). */
const char *dest_deployment(const struct dest *d);

/* The connection, for the checks' read-only look at the destination. */
struct tts_api *dest_api(struct dest *d);

/*
 * Makes dev ready for the destination, in place: drops what ties it to the
 * old deployment (server addresses, ids.dev_addr, timestamps), puts it in the
 * destination application (and applies prefix), normalises EUIs, keys and
 * version names, and refuses a device that would not work (ABP without
 * session, session without MAC state, ids.dev_addr differing from the
 * session's) unless force. Notes for the user go to the log at debug level.
 * Returns 0, or -1 with a one-line reason naming the field. d may be NULL
 * (offline, for `check`): a placeholder application, no server addresses.
 */
int dest_prepare(struct dest *d, json_t *dev, const char *prefix, bool force, char *err,
		 size_t errlen);

/* Why a create failed, so callers can tell a conflict from a rejection.
 * DEST_DENIED: 401 or 403, the key lacks a right; every device would get it. */
enum dest_fail { DEST_OK = 0, DEST_EXISTS, DEST_REJECTED, DEST_UNAVAILABLE, DEST_DENIED };

/*
 * Creates the prepared device. With resume set, a device already registered
 * under this id at the destination is taken as one this tool created in an
 * interrupted run: the sets are re-applied (they are idempotent) instead of
 * failing. Without it, an existing device is DEST_EXISTS and left untouched.
 * On any other failure, what this call created is deleted again.
 */
enum dest_fail dest_create(struct dest *d, const json_t *dev, bool resume, char *err,
			   size_t errlen);
/* The same; on DEST_OK *answers (a new reference) holds what the JS, NS
 * and AS answered to their Sets (the stored device), under "JS", "NS",
 * "AS" (tts_comps[].abbr), for dest_verify_answers. A device already under
 * the id on resume is adopted only when its ids and EUIs are the ones sent
 * (one IS read), else DEST_EXISTS. */
enum dest_fail dest_create_answered(struct dest *d, const json_t *dev, bool resume,
				    json_t **answers, char *err, size_t errlen);

/*
 * Builds the exact request bodies and field masks dest_create would send for
 * the prepared device and checks them against what each component accepts
 * (its write paths, oneofs included), without sending anything. Returns 0,
 * or -1 with a one-line reason naming the component and the path. Run it
 * before anything irreversible happens at the source.
 */
int dest_check_create(struct dest *d, const json_t *dev, char *err, size_t errlen);

/* Reads the device back and compares the session-critical fields with dev.
 * Returns 0 when equal, 1 with the differences (one per field, "; "-joined)
 * in diff, -1 when it could not be read. */
int dest_verify(struct dest *d, const json_t *dev, char *diff, size_t difflen);
/* The same comparison on the answers of dest_create_answered (no request). */
int dest_verify_answers(struct dest *d, const json_t *dev, const json_t *answers, char *diff,
			size_t difflen);

/* Whether a device with this id exists at the destination (IS). */
int dest_exists(struct dest *d, const char *dev_id, bool *exists, char *err, size_t errlen);

/* Deletes the device from every component (AS, NS, JS, IS; 404 = done). */
int dest_delete(struct dest *d, const json_t *dev, char *err, size_t errlen);

/* Sets mac_settings.schedule_downlinks on the Network Server. */
int dest_set_downlinks(struct dest *d, const json_t *dev, bool on, char *err, size_t errlen);

#endif
