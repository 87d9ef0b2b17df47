#include "core/text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool text_is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

void text_lower(char *d, const char *s, size_t cap)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[i] = '\0';
}

void text_upper(char *d, const char *s, size_t cap)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		d[i] = (char)toupper((unsigned char)s[i]);
	d[i] = '\0';
}

bool text_loopback_host(const char *host)
{
	size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return true;
	if (n == 5 && strncmp(host, "[::1]", 5) == 0)
		return true;
	if (n < 7 || n > 15 || strncmp(host, "127.", 4) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)host[i]) && host[i] != '.')
			return false;
	return true;
}
