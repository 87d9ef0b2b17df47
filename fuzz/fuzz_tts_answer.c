/*
 * Answers of a The Things Stack server: error bodies (google.rpc.Status with
 * ErrorDetails, forbidden_paths as an array or as one string) through
 * tts_decode_error(), and 2xx bodies through tts_decode_body() and the end
 * device type check, then what the callers do with the results (joining the
 * refused paths for the warning, matching error names).
 */
#include "fuzz.h"

#include "net/tts_api.h"
#include "net/tts_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte: which status the body came with. */
	static const long statuses[] = {200, 201, 400, 401, 403, 404, 409, 429, 500, 502, 503, 302};
	long status = size ? statuses[data[0] % (sizeof statuses / sizeof *statuses)] : 400;
	const char *body = size > 1 ? (const char *)data + 1 : NULL;
	size_t len = size > 1 ? size - 1 : 0;
	/* The HTTP engine hands the body over NUL-terminated; so does this. */
	char *text = body ? fuzz_cstr((const uint8_t *)body, len) : NULL;

	struct tts_error e;
	memset(&e, 0, sizeof e);
	tts_error_clear(&e);
	tts_decode_error(text, len, status, &e);
	FUZZ_ASSERT(e.status == status);
	FUZZ_ASSERT(strncmp(e.message, "HTTP ", 5) == 0);
	FUZZ_ASSERT(memchr(e.message, '\0', sizeof e.message));
	FUZZ_ASSERT(memchr(e.name, '\0', sizeof e.name));
	FUZZ_ASSERT(!e.forbidden_paths || json_is_array(e.forbidden_paths));
	(void)tts_error_is(&e, "field_mask_paths");
	(void)tts_error_is(&e, "");
	(void)tts_error_not_found(&e);
	if (e.forbidden_paths && json_array_size(e.forbidden_paths) > 0) {
		/* sources/tts.c names the refused paths in a warning. */
		char *list = tts_join_paths(e.forbidden_paths);
		free(list);
	}
	tts_error_clear(&e);
	FUZZ_ASSERT(e.forbidden_paths == NULL && e.grpc_code == -1);

	json_t *out = NULL;
	int rc = tts_decode_body(text, len, status, &out, &e);
	if (rc == 0) {
		FUZZ_ASSERT(json_is_object(out));
		char why[256];
		if (tts_check_device_types(out, why, sizeof why) < 0)
			FUZZ_ASSERT(why[0]);
		/* A listing: {"end_devices": [...]} as sources/tts.c reads it. */
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(out, "end_devices"), i, d)(void)
		    json_string_value(json_object_get(json_object_get(d, "ids"), "device_id"));
	} else {
		FUZZ_ASSERT(!out && strncmp(e.message, "HTTP ", 5) == 0);
	}
	json_decref(out);
	tts_error_clear(&e);
	free(text);
	return 0;
}
