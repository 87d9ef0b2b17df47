#include "core/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

struct pool {
	pthread_mutex_t mu;
	void *(*next)(void *ud);
	void (*work)(void *ud, void *item);
	void *ud;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		void *item = p->next(p->ud);
		pthread_mutex_unlock(&p->mu);
		if (!item)
			return NULL;
		p->work(p->ud, item);
	}
}

int pool_run(int nthreads, void *(*next)(void *ud), void (*work)(void *ud, void *item), void *ud)
{
	struct pool p = {PTHREAD_MUTEX_INITIALIZER, next, work, ud};
	if (nthreads <= 1) {
		worker(&p);
		return 0;
	}
	pthread_t *t = calloc((size_t)nthreads, sizeof *t);
	if (!t)
		return -1;
	/* Workers leave signals to the main thread (Ctrl-C sets a flag that
	 * next() reads). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* Workers need little stack (no deep recursion, buffers of a few KiB);
	 * the default 8 MiB each would be mostly untouched but counts. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1u << 20);
	int started = 0;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], &attr, worker, &p) == 0)
			started++;
		else
			break;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0)
		worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.mu);
	return 0;
}
