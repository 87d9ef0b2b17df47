#include "ui/stop.h"

#include "core/strbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

atomic_int g_interrupted;

static pthread_mutex_t reason_mu = PTHREAD_MUTEX_INITIALIZER;
static char reason[512];
static atomic_bool have_reason;

bool run_should_stop(void)
{
	return g_interrupted != 0;
}

void stop_request(const char *why)
{
	pthread_mutex_lock(&reason_mu);
	if (!atomic_load(&have_reason)) {
		str_copy_cut(reason, sizeof reason, why ? why : "stopped");
		atomic_store(&have_reason, true);
		int none = 0;
		atomic_compare_exchange_strong(&g_interrupted, &none, STOP_BREAKER);
	}
	pthread_mutex_unlock(&reason_mu);
}

const char *run_stop_reason(void)
{
	/* reason is written once, before have_reason is set, never again. */
	return atomic_load(&have_reason) ? reason : NULL;
}

bool stop_sleep_ms(long long ms)
{
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long long end_ns = (long long)end.tv_sec * 1000000000LL + end.tv_nsec + ms * 1000000LL;
	for (;;) {
		if (g_interrupted)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = end_ns - ((long long)now.tv_sec * 1000000000LL + now.tv_nsec);
		if (left <= 0)
			return true;
		long long slice = STOP_SLICE_MS * 1000000LL;
		if (left < slice)
			slice = left;
		struct timespec ts = {(time_t)(slice / 1000000000LL), (long)(slice % 1000000000LL)};
		/* EINTR (a signal) just ends this slice; the loop checks the flag. */
		nanosleep(&ts, NULL);
	}
}

/* splitmix64: one step of a good 64-bit mixer. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

unsigned long long stop_jitter(void)
{
	static _Thread_local uint64_t state;
	static _Thread_local bool seeded;
	static atomic_ullong threads;
	if (!seeded) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		int local;
		state = (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 20) ^
			((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&local ^
			(atomic_fetch_add(&threads, 1) * 0xD1B54A32D192ED03ULL);
		seeded = true;
	}
	return mix(&state);
}
