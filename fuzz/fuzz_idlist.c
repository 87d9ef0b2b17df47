/*
 * Device and application ids on standard input, one per line, read the way
 * the export reads them (getline, then line_trim) and checked with
 * ids_valid(). The trimmed line must have no blank at either end and no
 * line break; a valid id must follow the id rule.
 */
#include "fuzz.h"

#include "core/ids.h"
#include "io/lines.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "r");
	if (!fp)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		/* Where the trimmed line must start and end (the line may hold
		 * NUL bytes: those are kept, the id then stops at the first). */
		size_t start = 0, end = (size_t)n;
		while (start < end && blank(line[start]))
			start++;
		while (end > start && blank(line[end - 1]))
			end--;
		char *id = line_trim(line, (size_t)n);
		if (!id) {
			FUZZ_ASSERT(start == end);
			continue;
		}
		FUZZ_ASSERT(id == line + start && line[end] == '\0' && start < end);
		FUZZ_ASSERT(!strchr(id, '\n'));
		size_t len = strlen(id);
		if (ids_valid(id)) {
			size_t alnum = 0;
			FUZZ_ASSERT(len >= 3 && len <= IDS_MAX_LEN);
			FUZZ_ASSERT(id[0] != '-' && id[len - 1] != '-' && !strstr(id, "--"));
			for (const char *c = id; *c; c++) {
				FUZZ_ASSERT((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
					    *c == '-');
				alnum += *c != '-';
			}
			FUZZ_ASSERT(alnum >= 3);
			(void)ids_blocklisted(id);
		}
	}
	free(line);
	fclose(fp);
	return 0;
}
