/*
 * `check --coverage`: which devices keep working after the move, and
 * through which gateways (shared/spec/gateways.md §5 and §6).
 *
 * A migrated session keeps its source DevAddr, and Packet Broker routes by
 * DevAddr, so after the move only the user's own gateways, moved with the
 * devices, deliver a device. Each device's mac_state.recent_uplinks (already
 * in every export, §5.1) names the gateways that heard each uplink
 * (rx_metadata[].gateway_ids.gateway_id; "packetbroker" for uplinks that
 * came through Packet Broker). Each distinct gateway is looked up once
 * through a callback (GET /gateways/{id}/rights at the source, §5.4):
 *   movable   RIGHT_GATEWAY_ALL, or both _SETTINGS_BASIC and _DELETE;
 *   visible   some rights, but not those (the user cannot move it);
 *   foreign   no rights; packetbroker, and a string that is no TTS ID, always;
 *   unknown   not asked (offline) or the lookup failed: counted as movable,
 *             and said so.
 *
 * Every device with a session that goes on (no error finding of the other
 * rules) is put in a class (§5.5):
 *   A  every recent uplink heard by a movable gateway of the plan (info
 *      coverage-a);
 *   B  some uplinks heard only by gateways that do not move (warning
 *      coverage-b, with the share);
 *   C  none heard by a movable gateway (error coverage-c: do not move the
 *      session; export with --no-session, or add the gateway);
 *   D  no recent uplinks (warning coverage-d: unknown); an uplink whose
 *      rx_metadata names no gateway is not counted.
 * The plan is the set of movable gateways that hear the devices of classes
 * A and B. A gateway of the plan that also hears devices that stay behind
 * (class C, or refused by another rule) is warned about (coverage-stay-behind):
 * Packet Broker does not forward Cloud → Sandbox by default (§6). Devices
 * without a session (exported with --no-session) rejoin and are not
 * classified.
 *
 * Pure: no I/O but the callback, so it is unit-testable.
 */
#ifndef TTNM_CHECK_COVERAGE_H
#define TTNM_CHECK_COVERAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define COVERAGE_PB_ID "packetbroker"

enum cov_owner { COV_UNKNOWN, COV_FOREIGN, COV_VISIBLE, COV_MOVABLE };

/* The ownership a rights array ({"rights":[…]}'s member, or NULL) means. */
enum cov_owner coverage_owner_of(const json_t *rights);

/*
 * Looks up the caller's rights on gateway_id: returns 0 with *rights (a new
 * reference to a JSON array of strings; an empty array for a stranger), -1
 * with err when this gateway could not be looked up, -2 with err when no
 * gateway can be (the key is refused): the rest are not asked.
 */
typedef int (*coverage_rights_fn)(void *ctx, const char *gateway_id, json_t **rights, char *err,
				  size_t errlen);

struct coverage;

struct coverage *coverage_new(void);
void coverage_free(struct coverage *cv);

/* Remembers what the classification needs of one device as found in the
 * input (copied; dev may be freed afterwards). where is "file:line" or NULL;
 * moved is false when the device stays behind (another rule refused it). */
int coverage_add(struct coverage *cv, const json_t *dev, const char *where, bool moved);

struct coverage_summary {
	size_t a, b, c, d;
	size_t no_session; /* not classified: they rejoin */
	size_t staying;	   /* refused by another rule, not classified */
	size_t asked;	   /* gateways looked up */
	bool offline;
	json_t *plan; /* array of gateway ids, in the order first heard; owned */
};

/*
 * Classifies every device added; rights NULL means offline (every gateway
 * but packetbroker unknown). Appends the findings (coverage-*) to findings
 * and fills *sum (release with coverage_summary_release). Returns the number
 * of error findings.
 */
int coverage_run(struct coverage *cv, coverage_rights_fn rights, void *ctx, json_t *findings,
		 struct coverage_summary *sum);

/* "coverage: A 2, B 1, C 1, D 0 (1 without session, rejoins); plan: gw-a,
 * gw-b" (no newline). */
void coverage_summary_line(const struct coverage_summary *sum, char *buf, size_t len);

void coverage_summary_release(struct coverage_summary *sum);

#endif
