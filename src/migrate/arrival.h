/*
 * watch: has a moved device been heard at the destination? The decisions,
 * without I/O (cmd/watch.c asks the servers).
 */
#ifndef TTNM_MIGRATE_ARRIVAL_H
#define TTNM_MIGRATE_ARRIVAL_H

#include <jansson.h>
#include <stdbool.h>

/* A device's uplink interval when its recent uplinks do not tell (s). */
#define ARRIVAL_FALLBACK_INTERVAL 900.0

/* Monotonic seconds: the clock watch and the cut-over pace their asks by. */
double arrival_clock(void);

/* Seconds since the epoch of an RFC 3339 time (fraction and offset
 * allowed), or -1 when s is not one. */
double arrival_time(const char *s);

/* The device's uplink interval, estimated from the received_at times of its
 * mac_state.recent_uplinks (the median gap, seconds), or 0 when fewer than
 * two times are known. */
double arrival_interval(const json_t *dev);

/* session.last_f_cnt_up of the device, or -1 when it has none. */
long long arrival_fcnt(const json_t *dev);

/*
 * Whether the destination has heard the device since it was imported:
 * ns (the destination NS's device: session.last_f_cnt_up,
 * mac_state.recent_uplinks, created_at) shows an FCnt above the exported
 * one, or a recent uplink received after the NS's created_at; else
 * is_last_seen (the IS's last_seen_at, may be NULL) is after is_created
 * (the IS's created_at, may be NULL: then after the NS's). *when (may be
 * NULL) gets the time of that uplink when known, else -1.
 */
bool arrival_seen(long long exported_fcnt, const json_t *ns, const char *is_last_seen,
		  const char *is_created, double *when);

struct dest;

/*
 * Asks the destination (arrival_ask.c, the one function here with I/O)
 * whether device dest_id, exported with FCnt src_fcnt, has been heard: its
 * NS, and when that shows nothing new, the IS's last_seen_at. Returns 1
 * heard (*when as arrival_seen), 0 not yet (err says why when an ask
 * failed, else ""), -1 gone (not at the destination, err says so).
 * *dst_fcnt gets the destination's FCnt when it answered.
 */
int arrival_ask(struct dest *dest, const char *dest_id, long long src_fcnt, long long *dst_fcnt,
		double *when, char *err, size_t errlen);

#endif
