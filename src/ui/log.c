#include "ui/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECRETS 16

static enum log_level max_level = LOG_INFO;
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
static void (*before_hook)(void);

void log_set_level(enum log_level max)
{
	max_level = max;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_before_hook(void (*hook)(void))
{
	before_hook = hook;
}

void log_add_secret(const char *secret)
{
	/* Very short strings would blank out ordinary words: not secrets. */
	if (!secret || strlen(secret) < 6 || nsecrets == MAX_SECRETS)
		return;
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	secrets[nsecrets] = strdup(secret);
	if (secrets[nsecrets])
		nsecrets++;
}

void log_clear_secrets(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
}

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == '+' || c == '/' || c == '=';
}

/* Overwrites s[0..n) with "***" and closes the gap. */
static void blank(char *s, size_t n)
{
	static const char mask[] = "***";
	size_t m = sizeof mask - 1;
	if (n < m) {
		memset(s, '*', n);
		return;
	}
	memcpy(s, mask, m);
	memmove(s + m, s + n, strlen(s + n) + 1);
}

void log_redact(char *s)
{
	for (size_t i = 0; i < nsecrets; i++) {
		size_t n = strlen(secrets[i]);
		char *p;
		while ((p = strstr(s, secrets[i])) != NULL)
			blank(p, n);
	}
	/* Keep the key type visible ("NNSXS.***"): it helps, and is not secret. */
	char *p = s;
	while ((p = strstr(p, "NNSXS.")) != NULL) {
		p += 6;
		size_t n = 0;
		while (is_key_char(p[n]))
			n++;
		if (n > 0 && strncmp(p, "***", 3) != 0)
			blank(p, n);
		p += 3 <= n ? 3 : n;
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	if (level > max_level)
		return;
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_redact(buf);
	/* One message, one line: fold embedded newlines. */
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (before_hook)
		before_hook();
	fprintf(stderr, "ttn-lw-migrate: %s: %s\n", names[level], buf);
}
