/*
 * Messages for people, on stderr. One line each, prefixed with the program
 * name and the level. Every message passes through the redactor first, so an
 * API key or a key registered with log_add_secret() never reaches the
 * terminal, whatever the caller formatted into it.
 */
#ifndef TTNM_UI_LOG_H
#define TTNM_UI_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level max);
enum log_level log_get_level(void);

/* Registers a secret to blank out of every message (copied). */
void log_add_secret(const char *secret);
void log_clear_secrets(void);

/* Replaces secrets and anything that looks like a TTS API key
 * ("NNSXS." followed by key characters) in s, in place. */
void log_redact(char *s);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Hook used by the progress line to clear itself before a message. */
void log_set_before_hook(void (*hook)(void));

#endif
