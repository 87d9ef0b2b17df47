/*
 * A fixed set of worker threads taking items from a producer. The producer
 * (next) runs under the pool's lock, one call at a time, so it may read a
 * stream; work runs unlocked, concurrently. With one thread everything runs
 * on the caller's thread.
 */
#ifndef TTNM_CORE_POOL_H
#define TTNM_CORE_POOL_H

/* next returns the next item, or NULL when there is none (or the run must
 * stop); work processes (and frees) one item. */
int pool_run(int nthreads, void *(*next)(void *ud), void (*work)(void *ud, void *item), void *ud);

#endif
