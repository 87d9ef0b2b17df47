#include "io/lines.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *line_trim(char *line, size_t n)
{
	char *s = line, *end = line + n;
	while (s < end && blank(*s))
		s++;
	while (end > s && blank(end[-1]))
		end--;
	*end = '\0';
	return s < end ? s : 0;
}
