/*
 * A source: where devices are exported from. Each source (tts, later
 * chirpstack, firefly, ...) is one file that fills in this small table; the
 * commands only ever talk to it through these calls. Adding a source means
 * adding its file and one line in registry.c.
 *
 * The contract that makes a migration safe: export_device() changes nothing
 * at the source; the caller writes the export durably to disk and only then
 * calls retire_device(), which is the one call allowed to delete or disable
 * the device at the source.
 */
#ifndef TTNM_SOURCES_SOURCE_H
#define TTNM_SOURCES_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"

struct source;	   /* opaque, one per source kind */
struct src_writer; /* opaque: the source written back to, by restore */

/* How restore puts a device back at the source (put_back). */
enum src_put {
	SRC_PUT_CREATE,	  /* create it (or complete a create cut short) */
	SRC_PUT_REENABLE, /* undo a retirement that only stopped the source serving it */
};

/* Where a device error came from, for a one-line message. */
struct src_err {
	char msg[768];
	bool not_found; /* the device does not exist at the source */
	bool config;	/* a configuration problem: no point trying other devices */
};

typedef int (*src_device_cb)(void *ud, const char *dev_id);

/*
 * Hooks around the deletes of retire_device(), for a record that lets a
 * later run complete a delete this run began (a delete of a device is
 * several requests, one per component: a kill between them leaves a device
 * half deleted). Called from any worker thread.
 */
struct retire_hooks {
	/* Before the first delete request for these devices; -1 (the record
	 * could not be written) and they are not deleted, but reported. */
	int (*deleting)(void *ud, const char *app, const char *const *devs, size_t n);
	/* After they are gone from every component. */
	void (*deleted)(void *ud, const char *app, const char *const *devs, size_t n);
	void *ud;
};

/*
 * Gateways of a source (issue 14): read only. open reads the configuration
 * (no traffic); list calls cb with the id of every gateway of the configured
 * account, in id order; export_gateway reads one, in The Things Stack's JSON,
 * with the source's connection state in the member "_source_connection"
 * ({"connected": bool, "protocol": ...}), which import ignores. Secrets only
 * with --with-secrets (cfg->o.with_secrets).
 */
struct src_gateways;
struct src_gateway_ops {
	int (*open)(const struct config *cfg, struct src_gateways **out, struct src_err *err);
	int (*list)(struct src_gateways *g, src_device_cb cb, void *ud, struct src_err *err);
	int (*export_gateway)(struct src_gateways *g, const char *id, json_t **out,
			      struct src_err *err);
	void (*close)(struct src_gateways *g);

	/*
	 * Moving a Basic Station gateway that uses the source's CUPS without
	 * touching it (gateways.md §3.2, "Procedure A"); NULL when the source has
	 * no CUPS. lns_read reads, changing nothing, what lns_point changes, as
	 * {"gateway_server_address", "lbs_lns_secret", "link_keys":[{"id",
	 * "rights"}]} plus "attributes", "target_cups_uri" and "has_target_cups_key"
	 * for the preconditions (*state, a new reference: it holds a secret).
	 * lns_point makes the source's CUPS hand the gateway the LNS at address
	 * with key, and takes LINK from the keys that had it so that the gateway
	 * asks CUPS now. lns_restore puts back what state recorded. Both are
	 * idempotent.
	 */
	int (*lns_read)(struct src_gateways *g, const char *id, json_t **state,
			struct src_err *err);
	int (*lns_point)(struct src_gateways *g, const char *id, const char *address,
			 const char *key, const json_t *state, struct src_err *err);
	int (*lns_restore)(struct src_gateways *g, const char *id, const json_t *state,
			   struct src_err *err);
	/* Deletes gateway id at the source (--delete-source-gateways; done when
	 * already gone); NULL when the source cannot. */
	int (*delete_gateway)(struct src_gateways *g, const char *id, struct src_err *err);
};

struct source_ops {
	const char *name;
	const char *description;
	const struct opt_desc *options; /* this source's options; --NAME.opt at top level */

	/* Reads and checks the configuration; no network traffic yet. */
	int (*open)(const struct config *cfg, struct source **out, struct src_err *err);

	/* Calls cb with every device id of the application, in a stable order. */
	int (*list_devices)(struct source *s, const char *app_id, src_device_cb cb, void *ud,
			    struct src_err *err);

	/* Reads one device as The Things Stack JSON, ready to import. *out is
	 * a new reference. Changes nothing at the source. */
	int (*export_device)(struct source *s, const char *app_id, const char *dev_id, json_t **out,
			     struct src_err *err);

	/* The device ids the command hands out next, in order, in groups of
	 * up to 20 (device exports): a source may read each group at once when
	 * the first of its exports starts. NULL: not needed. */
	void (*announce)(struct source *s, const char *app_id, const char *const *devs, size_t n);
	/* Whether retire_device() will change the source in this run. */
	bool (*retires)(const struct source *s);

	/* After the export is durably on disk: delete the device at the source,
	 * or make the source stop serving it. NULL when the source has no such
	 * notion. ids are those the source knows (not the exported ones). A
	 * source may defer the work to batch it (see finish). */
	int (*retire_device)(struct source *s, const char *app_id, const char *dev_id,
			     const json_t *exported, struct src_err *err);

	/* Whether retire_device() deletes the device at the source (rather
	 * than only making the source stop serving it). NULL: never. */
	bool (*deletes)(const struct source *s);

	/* The plain export's record of deletes (cmd/export_ledger.h); NULL
	 * hooks (the default, and the journaled migration's) record nothing. */
	void (*set_retire_hooks)(struct source *s, const struct retire_hooks *h);

	/* Completes deletes that an earlier run began (its export of each
	 * device is exported[i], from its backup): a device whose Identity
	 * Server record is of another device (other EUIs) now is not touched;
	 * the others are deleted from every component where they still are.
	 * ok[i] tells which are gone everywhere; failures are reported. */
	void (*complete_deletes)(struct source *s, const char *app, const char *const *devs,
				 const json_t *const *exported, size_t n, bool *ok);

	/* For the journaled migration: delete at the source (true) or only stop
	 * serving the device (false), whatever the source's own flags say. */
	void (*set_retire_delete)(struct source *s, bool delete_device);

	/* Completes retirements the source deferred (batched deletes) and
	 * returns how many of them failed (each already reported). Called once
	 * after the last retire_device(); NULL when nothing is deferred. */
	size_t (*finish)(struct source *s);

	/*
	 * Freezing, for the create-first migration (migrate/migrate.h): the source
	 * keeps the device, intact, but sends it nothing (no downlinks, no
	 * join-accepts) until it is unfrozen. NULL when the source cannot.
	 *
	 * freeze_read reads, changing nothing, the settings freeze changes, as
	 * {"paths":[...],"device":{...},"frozen":{...}} (*saved, a new
	 * reference): "device" is a partial device in the export's form holding
	 * the current value of each listed path (a path absent from it is unset
	 * at the source, and unfreeze leaves it unset again, which is not the
	 * same as any value); "frozen" holds the values freeze writes, so that a
	 * copy created at the source can be created frozen.
	 * freeze and unfreeze take that object; both are idempotent.
	 */
	int (*freeze_read)(struct source *s, const char *app_id, const char *dev_id, json_t **saved,
			   struct src_err *err);
	int (*freeze)(struct source *s, const char *app_id, const char *dev_id, const json_t *saved,
		      struct src_err *err);
	int (*unfreeze)(struct source *s, const char *app_id, const char *dev_id,
			const json_t *saved, struct src_err *err);

	/* The base URL of the registry that makes device identities (ids and
	 * EUIs) unique in the source's deployment, or NULL when unknown. Two
	 * ends with the same one are one deployment. */
	const char *(*deployment)(const struct source *s);

	/*
	 * restore (src/migrate/restore.c): putting an exported device back.
	 * writer_open is called per application before anything changes (a
	 * configuration that cannot write fails there, nothing touched);
	 * put_back with the device in the export's form. NULL: the source
	 * cannot take devices back.
	 */
	int (*writer_open)(const struct config *cfg, const char *app, struct src_writer **out,
			   struct src_err *err);
	int (*put_back)(struct src_writer *w, const json_t *device, enum src_put how,
			struct src_err *err);
	void (*writer_close)(struct src_writer *w);

	/* Adds to into what identifies the source's deployment in a journal's
	 * run identity (src/migrate/identity.c), under stable keys (e.g. the
	 * base URL of each component), from the configuration alone: no
	 * request is sent. NULL: nothing but the source's name. */
	int (*identity)(const struct config *cfg, json_t *into, struct src_err *err);

	/* For a source whose devices are named by something other than a device
	 * ID (wanesy: a DevEUI): writes the device ID a device item (argv or
	 * stdin) stands for into out; -1 when the item names no device (err
	 * says why). From the item alone. NULL: items are device IDs. */
	int (*item_device_id)(const char *item, char *out, size_t cap, struct src_err *err);

	/* The application that `application` without items exports (wanesy's
	 * --all with --app-id), or NULL to read application IDs from standard
	 * input, as without the hook. */
	const char *(*all_application)(const struct source *s);

	void (*close)(struct source *s);

	/* Its gateways, or NULL when the source has none. */
	const struct src_gateway_ops *gateways;
};

/* The registry (registry.c). */
extern const struct source_ops *const source_registry[];
const struct source_ops *source_find(const char *name);
/* The environment variable of the source's "app-id" option, or NULL. */
const char *source_app_id_env(const struct source_ops *ops);

#endif
