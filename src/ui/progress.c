#include "ui/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ui/log.h"

/* Workers report progress and log from their own threads: every field below
 * is read and written with mu held (the log hook, clear_line, takes it too). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool on;
static bool drawn;
static const char *label;
static size_t total;
static struct timespec t0, last;
/* The first progress_start of the process: a command's summary counts the
 * whole run, not its last phase (a cut-over has three). */
static struct timespec run0;
static bool run0_set;

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void clear_line_locked(void)
{
	if (drawn) {
		fputs("\r\033[K", stderr);
		drawn = false;
	}
}

static void clear_line(void)
{
	pthread_mutex_lock(&mu);
	clear_line_locked();
	pthread_mutex_unlock(&mu);
}

void progress_start(const char *what, bool enabled)
{
	pthread_mutex_lock(&mu);
	on = enabled && isatty(STDERR_FILENO);
	label = what;
	total = 0;
	drawn = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!run0_set) {
		run0 = t0;
		run0_set = true;
	}
	last = t0;
	last.tv_sec -= 1;
	bool hook = on;
	pthread_mutex_unlock(&mu);
	log_set_before_hook(hook ? clear_line : NULL);
}

void progress_set_total(size_t n)
{
	pthread_mutex_lock(&mu);
	total = n;
	pthread_mutex_unlock(&mu);
}

double progress_elapsed(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&mu);
	double d = since(&run0, &now);
	pthread_mutex_unlock(&mu);
	return d;
}

void progress_update(size_t done, size_t failed, const char *current)
{
	pthread_mutex_lock(&mu);
	if (!on) {
		pthread_mutex_unlock(&mu);
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Redraw at most ten times a second, and always for the last one. */
	if (since(&last, &now) < 0.1 && !(total && done == total)) {
		pthread_mutex_unlock(&mu);
		return;
	}
	last = now;
	double el = since(&t0, &now);
	double rate = el > 0 ? (double)done / el : 0;
	clear_line_locked();
	if (total) {
		int width = 24, fill = (int)((double)width * (double)done / (double)total);
		char bar[32];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[width] = '\0';
		double eta = rate > 0 ? (double)(total - done) / rate : 0;
		fprintf(stderr, "%s [%s] %zu/%zu  %.1f/s  ETA %.0fs  failed %zu  %.30s", label, bar,
			done, total, rate, eta, failed, current ? current : "");
	} else {
		fprintf(stderr, "%s %zu  %.1f/s  failed %zu  %.30s", label, done, rate, failed,
			current ? current : "");
	}
	fflush(stderr);
	drawn = true;
	pthread_mutex_unlock(&mu);
}

void progress_end(void)
{
	log_set_before_hook(NULL);
	pthread_mutex_lock(&mu);
	if (on)
		clear_line_locked();
	on = false;
	pthread_mutex_unlock(&mu);
}
