#include "ui/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/strbuf.h"

#define MAX_SECRETS 16

/* Guards secrets and nsecrets: keys are registered while workers log. */
static pthread_mutex_t secrets_mu = PTHREAD_MUTEX_INITIALIZER;

static enum log_level max_level = LOG_INFO;
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
/* Guards before_hook and the write of a message: one line at a time, and
 * the progress line (which the hook clears) never drawn in between. */
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
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
	pthread_mutex_lock(&out_mu);
	before_hook = hook;
	pthread_mutex_unlock(&out_mu);
}

void log_add_secret(const char *secret)
{
	/* Very short strings would blank out ordinary words: not secrets. */
	if (!secret || strlen(secret) < 6)
		return;
	pthread_mutex_lock(&secrets_mu);
	bool known = false;
	for (size_t i = 0; i < nsecrets; i++)
		known |= strcmp(secrets[i], secret) == 0;
	if (!known && nsecrets < MAX_SECRETS) {
		secrets[nsecrets] = strdup(secret);
		if (secrets[nsecrets])
			nsecrets++;
	}
	pthread_mutex_unlock(&secrets_mu);
}

void log_clear_secrets(void)
{
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
	pthread_mutex_unlock(&secrets_mu);
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
	pthread_mutex_lock(&secrets_mu);
	for (size_t i = 0; i < nsecrets; i++) {
		size_t n = strlen(secrets[i]);
		char *p;
		while ((p = strstr(s, secrets[i])) != NULL)
			blank(p, n);
	}
	pthread_mutex_unlock(&secrets_mu);
	/* Key material (hex or base64 of key length) never reaches stderr,
	 * whoever formatted it into the message. */
	redact_text(s);
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
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *buf = sb.buf;
	log_redact(buf); /* only ever shortens it */
	/* One message, one line: fold embedded newlines. */
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	pthread_mutex_lock(&out_mu);
	if (before_hook)
		before_hook();
	fprintf(stderr, "ttn-lw-migrate: %s: %s\n", names[level], buf);
	pthread_mutex_unlock(&out_mu);
	strbuf_release(&sb);
}
