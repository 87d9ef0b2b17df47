/*
 * The session and MAC state of a device exported from a network server
 * other than The Things Stack (wanesy, later chirpstack, firefly, ...).
 *
 * A session moved without a MAC state makes the destination Network Server
 * start from the band's defaults, and uplinks on the channels the device was
 * given later (CFList, NewChannelReq) are lost. So the builder makes the MAC
 * state The Things Stack would make for the device's frequency plan (the Go
 * tool's recipe: lorawan-stack's mac.NewState), with the current parameters
 * equal to the desired ones: a device that has been in the field for a while
 * has been given the plan's channels, RX2 and RX1 settings.
 *
 * Data: data/frequency-plans.json (the plans, generated from
 * TheThingsNetwork/lorawan-frequency-plans) and data/bands.json
 * ("frequency_plans" for plan -> band, "phy_versions", "mac_defaults" for the
 * band's own channels and defaults). Loaded once; thread-safe.
 */
#ifndef TTNM_SOURCES_SESSION_BUILD_H
#define TTNM_SOURCES_SESSION_BUILD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sb_input {
	const char *frequency_plan_id; /* "EU_863_870_TTN" */
	const char *lorawan_version;   /* any spelling lw_mac_version_canonical takes */
	const char *phy_version;       /* any spelling lw_phy_version_canonical takes */
	const char *dev_addr;	       /* 8 hex digits */
	/* Session keys, 32 hex digits each. 1.0.x: app_s_key and f_nwk_s_int_key
	 * (the NwkSKey); 1.1 also s_nwk_s_int_key and nwk_s_enc_key. */
	const char *app_s_key, *f_nwk_s_int_key, *s_nwk_s_int_key, *nwk_s_enc_key;
	uint32_t last_f_cnt_up, last_n_f_cnt_down, last_a_f_cnt_down;
	bool otaa;		  /* adds session_key_id (random) and started_at (now) */
	bool supports_class_c;	  /* a 1.0.x class C device runs in class C */
	int rx1_delay;		  /* seconds 1-15; -1: the band's */
	int rx1_data_rate_offset; /* 0-7; -1: 0 */
	int rx2_data_rate_index;  /* 0-15; -1: the plan's, else the band's */
	uint64_t rx2_frequency;	  /* Hz; 0: the plan's, else the band's */
};

/*
 * Fills *session and *mac_state (new references) in The Things Stack's JSON.
 * Returns 0, or -1 with a one-line message naming the field in err ("dev_addr:
 * ...", "frequency_plan_id: ...") and both set to NULL.
 */
int sb_build(const struct sb_input *in, json_t **session, json_t **mac_state, char *err,
	     size_t errlen);

/* The band id of a frequency plan, or NULL when the plan is unknown (or the
 * data cannot be read: err says why). */
const char *sb_plan_band(const char *frequency_plan_id, char *err, size_t errlen);

/*
 * The Things Stack's enum names for a LoRaWAN version as other network
 * servers write it ("1.0.2", "1.1.0") and a regional parameters revision
 * (rev_a / rev_b: the source's own spelling of "A" or "B", already decided).
 * Returns 0; -1 when version is not a LoRaWAN version (1.0.0 to 1.0.4, 1.1);
 * -2 when the version needs a revision (1.0.2 and 1.1) and none was given.
 */
int sb_lorawan_versions(const char *version, bool rev_a, bool rev_b, const char **mac,
			const char **phy);

#endif
