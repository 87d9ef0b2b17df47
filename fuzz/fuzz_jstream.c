/*
 * The import parser: a device file (JSON objects one per line, pretty-printed
 * or in one array) read with jstream_next(), and each object prepared for
 * the destination as `import` does (dest_prepare: id fix-ups, EUI/DevAddr/key
 * normalisation, version names, refusal rules, dropping unowned paths), then
 * the export-side checks on the result.
 */
#include "fuzz.h"

#include "cli/args.h"
#include "core/ids.h"
#include "core/jsonpath.h"
#include "dest/dest.h"
#include "io/jsonstream.h"
#include "net/tts_check.h"
#include "ui/log.h"

static struct dest *dest;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A destination that is never contacted: dest_prepare() only needs its
	 * application id. */
	static char a0[] = "fuzz", a1[] = "--app-id", a2[] = "fuzz-app", a3[] = "--app-api-key",
		    a4[] = "NNSXS.FUZZ.NOTASECRET", a5[] = "--api-url", a6[] = "http://127.0.0.1:9";
	static char *av[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
	static struct args a;
	static struct config cfg;
	char err[512];
	struct opt_scope scopes[] = {{"dest", dest_options, true}};
	log_set_level(LOG_ERROR);
	if (args_split(7, av, &a, err, sizeof err) < 0 ||
	    cfg_build(&a, scopes, 1, &cfg, err, sizeof err) < 0 ||
	    dest_open(&cfg, "dest", NULL, &dest, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_jstream: cannot set up: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "r");
	if (!fp)
		return 0;
	struct jstream js;
	jstream_init(&js, fp);
	/* Each call reads at least one byte or ends the stream. */
	for (size_t calls = 0; calls <= size + 1; calls++) {
		json_t *dev = NULL;
		long line = 0;
		char err[512];
		int rc = jstream_next(&js, &dev, &line, err, sizeof err);
		FUZZ_ASSERT(rc >= -2 && rc <= 1);
		if (rc == 0 || rc == -2) {
			FUZZ_ASSERT(!dev);
			break;
		}
		if (rc < 0) {
			FUZZ_ASSERT(!dev && err[0]);
			continue;
		}
		FUZZ_ASSERT(json_is_object(dev) && line >= 1);
		(void)tts_check_device_types(dev, err, sizeof err);
		json_t *copy = json_deep_copy(dev);
		if (dest_prepare(dest, dev, (line & 1) ? "pre" : NULL, (line & 2) != 0, err,
				 sizeof err) == 0) {
			/* What import sends is in the destination application. */
			const char *app =
			    json_string_value(jp_get(dev, "ids.application_ids.application_id"));
			FUZZ_ASSERT(app && strcmp(app, "fuzz-app") == 0);
			(void)ids_validate_device(dev, err, sizeof err);
			json_t *leaves = json_array();
			jp_leaf_paths(dev, NULL, leaves);
			json_decref(leaves);
		} else {
			FUZZ_ASSERT(err[0]);
		}
		/* The export side of the same object. */
		if (ids_export_fixup(copy, NULL, err, sizeof err) == 0)
			(void)ids_validate_device(copy, err, sizeof err);
		json_decref(copy);
		json_decref(dev);
	}
	jstream_free(&js);
	fclose(fp);
	return 0;
}
