#include "migrate/arrival.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonpath.h"

double arrival_time(const char *s)
{
	if (!s)
		return -1;
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	double t = (double)timegm(&tm);
	const char *p = s + 19;
	if (*p == '.') {
		double scale = 0.1;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			t += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z')
		return p[1] ? -1 : t;
	int oh, om;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
	    !p[6])
		return t - (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double arrival_interval(const json_t *dev)
{
	const json_t *ups = jp_get(dev, "mac_state.recent_uplinks");
	size_t n = json_array_size(ups), k = 0;
	if (n < 2)
		return 0;
	double *t = malloc(n * sizeof *t);
	if (!t)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double x = arrival_time(
		    json_string_value(json_object_get(json_array_get(ups, i), "received_at")));
		if (x >= 0)
			t[k++] = x;
	}
	qsort(t, k, sizeof *t, cmp_double);
	size_t g = 0;
	for (size_t i = 1; i < k; i++)
		if (t[i] - t[i - 1] > 0)
			t[g++] = t[i] - t[i - 1];
	double out = 0;
	if (g) {
		qsort(t, g, sizeof *t, cmp_double);
		out = g % 2 ? t[g / 2] : (t[g / 2 - 1] + t[g / 2]) / 2;
	}
	free(t);
	return out;
}

long long arrival_fcnt(const json_t *dev)
{
	const json_t *f = jp_get(dev, "session.last_f_cnt_up");
	if (json_is_integer(f))
		return json_integer_value(f);
	/* A session without the member has sent nothing yet (proto3 zero). */
	return jp_get(dev, "session") ? 0 : -1;
}

bool arrival_seen(long long exported_fcnt, const json_t *ns, const char *is_last_seen,
		  const char *is_created, double *when)
{
	double created = arrival_time(json_string_value(json_object_get(ns, "created_at")));
	double latest = -1;
	const json_t *ups = jp_get(ns, "mac_state.recent_uplinks");
	for (size_t i = 0; i < json_array_size(ups); i++) {
		double x = arrival_time(
		    json_string_value(json_object_get(json_array_get(ups, i), "received_at")));
		if (x > latest)
			latest = x;
	}
	if (when)
		*when = -1;
	long long now = arrival_fcnt(ns);
	bool heard =
	    (now >= 0 && now > exported_fcnt) || (latest >= 0 && created >= 0 && latest > created);
	double at = latest >= 0 && created >= 0 && latest > created ? latest : -1;
	if (!heard) {
		double seen = arrival_time(is_last_seen);
		double since = is_created ? arrival_time(is_created) : created;
		if (seen >= 0 && since >= 0 && seen > since) {
			heard = true;
			at = seen;
		}
	}
	if (heard && when)
		*when = at;
	return heard;
}

double arrival_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
