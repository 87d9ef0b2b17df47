/* Small helpers: randomness, time, identifiers, lists. */
#include "emu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_uint_fast64_t rng_state;

void emu_rand_init(void)
{
	uint64_t seed = 0;
	FILE *f = fopen("/dev/urandom", "rb");
	if (f) {
		if (fread(&seed, sizeof seed, 1, f) != 1)
			seed = 0;
		fclose(f);
	}
	if (!seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
	}
	atomic_store(&rng_state, seed);
}

/* splitmix64 over an atomic counter: lock-free and good enough for ids. */
uint64_t emu_rand64(void)
{
	uint64_t z = atomic_fetch_add(&rng_state, UINT64_C(0x9E3779B97F4A7C15)) +
		     UINT64_C(0x9E3779B97F4A7C15);
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void emu_rand_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t r = 0;
	for (size_t i = 0; i < nbytes; i++) {
		if (i % 8 == 0)
			r = emu_rand64();
		unsigned b = (unsigned)(r & 0xff);
		r >>= 8;
		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 0xf];
	}
	out[2 * nbytes] = '\0';
}

void emu_request_id(char out[37])
{
	char h[33];
	emu_rand_hex(h, 16);
	h[12] = '4';				  /* version 4 */
	h[16] = "89ab"[(unsigned char)h[17] & 3]; /* RFC 4122 variant */
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void emu_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%06ldZ", ts.tv_nsec / 1000);
}

double emu_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ^[a-z0-9](?:[-]?[a-z0-9]){2,}$ and at most 36 characters. */
bool emu_id_ok(const char *id, const char **reason)
{
	size_t n = strlen(id), alnum = 0;
	if (n > EMU_ID_MAX) {
		*reason = "value length must be at most 36 runes";
		return false;
	}
	bool ok = n > 0 && id[0] != '-' && id[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++) {
		char c = id[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			alnum++;
		else if (c != '-' || id[i + 1] == '-')
			ok = false;
	}
	if (!ok || alnum < 3) {
		*reason = "value does not match regex pattern \"^[a-z0-9](?:[-]?[a-z0-9]){2,}$\"";
		return false;
	}
	return true;
}

/* A few of the ~730 ids on the Identity Server's built-in blocklist. */
bool emu_id_blocked(const char *id)
{
	static const char *const blocked[] = {
	    "admin",	   "administrator", "all",	"api",	    "app",
	    "application", "apps",	    "batch",	"config",   "console",
	    "create",	   "dashboard",	    "delete",	"device",   "devices",
	    "edit",	   "gateway",	    "gateways", "help",	    "list",
	    "login",	   "logout",	    "new",	"null",	    "oauth",
	    "root",	   "search",	    "self",	"settings", "support",
	    "system",	   "test",	    "testing",	"ttn",	    "user",
	    "users",	   "www",	    NULL};
	for (const char *const *b = blocked; *b; b++)
		if (strcmp(*b, id) == 0)
			return true;
	return false;
}

static bool digits(const char *s, size_t n, long *out)
{
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int64_t days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

bool emu_parse_time(const char *s, int64_t *sec, int32_t *nsec)
{
	long y, mo, d, h, mi, se;
	size_t n = strlen(s);
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[n - 1] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	long frac = 0;
	if (n > 20) {
		size_t fl = n - 21;
		if (s[19] != '.' || fl == 0 || fl > 9 || !digits(s + 20, fl, &frac))
			return false;
		for (size_t i = fl; i < 9; i++)
			frac *= 10;
	}
	*sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*nsec = (int32_t)frac;
	return true;
}

char **emu_split_list(const char *s, char sep, size_t *n)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == sep;
	char **out = calloc(cap + 1, sizeof *out);
	size_t k = 0;
	if (!out)
		return NULL;
	while (*s) {
		const char *end = strchr(s, sep);
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len > 0)
			out[k++] = strndup(s, len);
		if (!end)
			break;
		s = end + 1;
	}
	out[k] = NULL;
	if (n)
		*n = k;
	return out;
}

void emu_free_list(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

bool emu_bytes_zero(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != '0')
			return false;
	return true;
}

bool emu_str_differs(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);
	return (x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0);
}
