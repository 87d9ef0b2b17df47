/* Printing findings for people: grouped by severity, then a count line. */
#include <stdio.h>
#include <string.h>

#include "check/check.h"

static const char *const severities[] = {CHECK_ERROR, CHECK_WARNING, CHECK_INFO};
static const char *const headings[] = {"Errors", "Warnings", "Info"};

void check_count(const json_t *findings, struct check_counts *out)
{
	memset(out, 0, sizeof *out);
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *s = json_string_value(json_object_get(f, "severity"));
		if (!s)
			continue;
		if (strcmp(s, CHECK_ERROR) == 0)
			out->errors++;
		else if (strcmp(s, CHECK_WARNING) == 0)
			out->warnings++;
		else if (strcmp(s, CHECK_INFO) == 0)
			out->infos++;
	}
}

void check_summary_line(const struct check_counts *n, size_t ndevices, char *buf, size_t len)
{
	snprintf(buf, len, "%zu error%s, %zu warning%s, %zu info in %zu device%s", n->errors,
		 n->errors == 1 ? "" : "s", n->warnings, n->warnings == 1 ? "" : "s", n->infos,
		 ndevices, ndevices == 1 ? "" : "s");
}

static const char *or_dash(const json_t *f, const char *key)
{
	const char *s = json_string_value(json_object_get(f, key));
	return s && *s ? s : "-";
}

static int width_of(const json_t *findings, const char *key, int cap)
{
	int w = 1;
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		int n = (int)strlen(or_dash(f, key));
		if (n > w)
			w = n;
	}
	return w > cap ? cap : w;
}

void check_print_table(FILE *out, const json_t *findings, size_t ndevices)
{
	int wi = width_of(findings, "input", 40), wd = width_of(findings, "device_id", 36),
	    wr = width_of(findings, "rule", 32);
	for (int s = 0; s < 3; s++) {
		size_t i, n = 0;
		json_t *f;
		json_array_foreach(findings, i, f)
		{
			const char *sev = json_string_value(json_object_get(f, "severity"));
			if (!sev || strcmp(sev, severities[s]) != 0)
				continue;
			if (n++ == 0)
				fprintf(out, "%s\n", headings[s]);
			fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wi, or_dash(f, "input"), wd,
				or_dash(f, "device_id"), wr, or_dash(f, "rule"),
				or_dash(f, "message"));
		}
		if (n)
			fprintf(out, "\n");
	}
	struct check_counts c;
	char line[160];
	check_count(findings, &c);
	check_summary_line(&c, ndevices, line, sizeof line);
	fprintf(out, "%s\n", line);
}
