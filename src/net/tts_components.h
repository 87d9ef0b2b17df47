/*
 * The one table of The Things Stack's four end-device registries.
 *
 * The components differ only in the route prefix and in the field paths each
 * owns for reading and for writing; everything that talks to them (get, set,
 * create, delete, merge, trimming request bodies, and the test emulator)
 * reads this table instead of carrying its own copy; tts_registry.h is the
 * one client of these registries that the source and the destination share.
 *
 * Paths follow ../shared/spec/tts-api.md §2 (read masks: lorawan-stack-migrate
 * field_masks_generated.go; write lists: lorawan-stack
 * pkg/ttnpb/field_mask_validation.go). An entry covers its whole subtree.
 */
#ifndef TTNM_NET_TTS_COMPONENTS_H
#define TTNM_NET_TTS_COMPONENTS_H

enum tts_comp { TTS_IS = 0, TTS_JS, TTS_NS, TTS_AS, TTS_NCOMP };

struct tts_comp_desc {
	enum tts_comp id;
	const char *name;	      /* "Identity Server" */
	const char *abbr;	      /* "IS" */
	const char *route;	      /* prefix before /applications/...: "", "/js", "/ns", "/as" */
	const char *env_key;	      /* "IDENTITY_SERVER": TTS_<key>_URL, TTS_<key>_GRPC_ADDRESS */
	const char *flag_key;	      /* "identity-server": --<key>-url */
	const char *const *get_paths; /* read mask used for export */
	const char *const *set_paths; /* paths a Set (IS: Update) accepts */
};

extern const struct tts_comp_desc tts_comps[TTS_NCOMP];

/* Orders of operations, as The Things Stack's own CLI uses them. */
extern const enum tts_comp tts_export_order[TTS_NCOMP]; /* IS, JS, AS, NS */
extern const enum tts_comp tts_create_order[TTS_NCOMP]; /* IS, JS, NS, AS */
extern const enum tts_comp tts_delete_order[TTS_NCOMP]; /* AS, NS, JS, IS */

/* Paths an IS Create stores (the IS Update list plus the identifiers). */
extern const char *const tts_is_create_paths[];

/* Paths that hold an active session; cleared by --no-session (as upstream). */
extern const char *const tts_session_paths[];

/* Paths that tie a device to a deployment: never exported, and dropped on
 * import (tts_devreg_strip, which also drops the server's timestamps). */
extern const char *const tts_export_strip_paths[];

/* The bottom-level paths that hold key material (for --redact and checks). */
extern const char *const tts_key_paths[];

#endif
