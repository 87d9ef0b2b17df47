/*
 * Stopping a run: Ctrl-C (SIGINT), SIGTERM, and the circuit breaker share one
 * process-wide flag, g_interrupted, which the command engines already poll
 * between devices. Every wait of the HTTP layer (backoff, pacing) sleeps in
 * slices and ends within STOP_SLICE_MS once the flag is set.
 *
 * g_interrupted: 0 = run on; STOP_SIGNAL = a signal arrived; STOP_BREAKER =
 * the circuit breaker tripped (run_stop_reason() says why). The engines exit
 * with 130 when they see it; main() turns that into EXIT_FAILED for the
 * breaker.
 */
#ifndef TTNM_UI_STOP_H
#define TTNM_UI_STOP_H

#include <stdatomic.h>
#include <stdbool.h>

enum { STOP_SIGNAL = 1, STOP_BREAKER = 2 };
#define STOP_SLICE_MS 50

/* Written by the signal handler (and stop_request), read everywhere: a C11
 * atomic (lock-free on every target we build for, so async-signal-safe),
 * so that worker threads see the store without a data race. */
extern atomic_int g_interrupted;

/* Whether the run must stop before its next device (any reason). */
bool run_should_stop(void);

/* Asks the run to stop for a non-signal reason; the first reason wins and
 * is kept (a copy) for run_stop_reason(). Thread-safe. */
void stop_request(const char *reason);

/* The breaker's reason, or NULL when the run was not stopped by it. */
const char *run_stop_reason(void);

/* Sleeps ms milliseconds, or less when the run is asked to stop. Returns
 * false when the sleep was cut short. */
bool stop_sleep_ms(long long ms);

/* A random number from a per-thread generator, seeded from the clock, the
 * process id and the thread: parallel workers and runs never back off in
 * lockstep. */
unsigned long long stop_jitter(void);

#endif
