/*
 * Pre-flight checks: will these end devices keep working after the move?
 *
 * Each rule has an id (e.g. "devaddr-outside-destination") and a severity:
 *   error    the destination refuses the device, or accepts it and it stops
 *            working (ABP without session, missing session keys, ...);
 *   warning  it is accepted but something is likely lost (uplinks through
 *            gateways of the old network, counters about to wrap, ...);
 *   info     worth knowing, nothing to fix.
 * The rules are listed in check_rules[] (also the source of `check --help`).
 *
 * A finding is a JSON object:
 *   {"severity":"error","rule":"abp-without-session","device_id":"dev-1",
 *    "field":"session","message":"...","input":"devices.json:3"}
 * device_id is the id as written in the input (null when it has none, or for
 * a finding about the whole run); field is a dotted path or null.
 *
 * The checks read the device as found in the input (before any
 * normalisation): EUIs, DevAddrs and keys may be hex or base64, versions any
 * spelling The Things Stack accepts. Band data (frequency plan → band, PHY
 * versions per band, frequency ranges) comes from data/bands.json, read at
 * run time (check_data_dir()); known DevAddr blocks from
 * data/devaddr-blocks.json.
 */
#ifndef TTNM_CHECK_CHECK_H
#define TTNM_CHECK_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct tts_api;

/* What a run knows about the destination. The json_t members are owned by
 * the options: check_opts_release() drops them. */
struct check_opts {
	const char *prefix;	 /* --dev-id-prefix, or NULL */
	json_t *dest_prefixes;	 /* array of "27ABCD00/24", or NULL */
	const char *dest_net_id; /* "000013", or NULL */
	json_t *dest_device_ids; /* object id → true, or NULL */
	json_t *dest_euis;	 /* object "JOINEUI/DEVEUI" → device id, or NULL */
	char net_id_buf[7];	 /* check_fetch_dest keeps the NetID here */
	bool no_cross_device;	 /* skip the rules across devices (collisions, duplicates) */
	/* `check` only: also run import's own preparation offline ("import-refused").
	 * import and the migration run that preparation for real right after the
	 * checks, so there it would be the same work twice per device. */
	bool preview_import;
};

void check_opts_release(struct check_opts *opts);

/* A checker remembers the devices it has seen (for the cross-device rules),
 * so it is not thread-safe: call it from one thread, or under a lock. */
struct checker;

/* Copies what it needs from opts (which may be released afterwards).
 * Returns NULL only when out of memory. Band data that cannot be read is
 * reported once, as a warning finding "band-data-unavailable". */
struct checker *checker_new(const struct check_opts *opts);

/*
 * Checks one device as found in the input (before any normalisation), and
 * the cross-device rules against the devices seen before; appends findings
 * to `findings` (a JSON array). where is "file:line". Returns the number of
 * error-severity findings for this device.
 */
int checker_device(struct checker *c, const json_t *dev, const char *where, json_t *findings);

void checker_free(struct checker *c);

/*
 * Fills opts' dest_* from the destination: the Network Server's NetID
 * (GET /ns/net_id) and DevAddr prefixes (GET /ns/dev_addr_prefixes), and the
 * ids and EUIs of every device of application app_id (Identity Server list,
 * field_mask ids.dev_eui,ids.join_eui, paged by X-Total-Count). There is no
 * REST lookup by EUI, so EUIs registered in other applications cannot be
 * seen. Returns 0, or -1 with err (opts then holds what was read).
 */
int check_fetch_dest(struct tts_api *api, const char *app_id, struct check_opts *opts, char *err,
		     size_t errlen);

/* ---- findings --------------------------------------------------------------- */

#define CHECK_ERROR   "error"
#define CHECK_WARNING "warning"
#define CHECK_INFO    "info"

struct check_rule {
	const char *id;
	const char *severity; /* the usual one; a few rules vary, see summary */
	const char *summary;
};

/* Every rule, in the order the checks run; ends with {NULL}. */
extern const struct check_rule check_rules[];

/* Appends one finding. device_id, field and where may be NULL. */
void check_add(json_t *findings, const char *severity, const char *rule, const char *device_id,
	       const char *field, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

struct check_counts {
	size_t errors, warnings, infos;
};

void check_count(const json_t *findings, struct check_counts *out);

/* "3 errors, 2 warnings, 1 info in 5 devices" (no newline). */
void check_summary_line(const struct check_counts *n, size_t ndevices, char *buf, size_t len);

/* The human table: findings grouped by severity (errors first), then the
 * summary line. */
void check_print_table(FILE *out, const json_t *findings, size_t ndevices);

/* The rule with this id, or NULL. */
const struct check_rule *check_rule_find(const char *id);

/* A rule whose device cannot be written in The Things Stack's form at all:
 * --allow and --force do not override it. */
bool check_rule_fatal(const char *id);

/*
 * --allow RULE (repeatable) and --force (all = true): error findings of these
 * rules let the device go on (with a warning) in import and the migration.
 * rules is NULL-terminated and must outlive the run (argv). Set once, before
 * any worker starts.
 */
void check_allow_set(bool all, const char *const *rules);
bool check_allowed(const char *rule);

/* ---- data ------------------------------------------------------------------- */

/*
 * The directory holding bands.json and devaddr-blocks.json: $TTNM_DATA_DIR
 * when set; else the first that exists of the TTNM_DATA_DIR compile-time
 * definition (when the build gives one), the source tree's data/ (found from
 * this file's compiled-in path), and ../data, ../../data or
 * ../share/ttn-lw-migrate next to the executable.
 */
const char *check_data_dir(void);

/* Loads a JSON object from the data directory; NULL with err. */
json_t *check_data_load(const char *name, char *err, size_t errlen);

#endif
