/* The network layer's judgements: which 404 means "not there", which answer
 * is a fault, what a server's error text keeps of keys, and the waits that
 * end on a stop request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/redact.h"
#include "net/tts_api.h"
#include "ui/log.h"
#include "ui/stop.h"
#include "unit.h"

static void decode(const char *body, long status, struct tts_error *e)
{
	memset(e, 0, sizeof *e);
	tts_error_clear(e);
	tts_decode_error(body, body ? strlen(body) : 0, status, e);
}

static const char *tts_err(const char *ns, const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
		 "{\"code\":5,\"message\":\"error:%s:%s (not found)\",\"details\":[{\"@type\":"
		 "\"type.googleapis.com/ttn.lorawan.v3.ErrorDetails\",\"namespace\":\"%s\","
		 "\"name\":\"%s\",\"code\":5}]}",
		 ns, name, ns, name);
	return buf;
}

static void test_not_found_is_tts_only(void **state)
{
	(void)state;
	struct tts_error e;
	static const struct {
		const char *ns, *name;
		enum tts_comp comp;
	} names[] = {
	    {"pkg/identityserver/store", "end_device_not_found", TTS_IS},
	    {"pkg/joinserver", "device_not_found", TTS_JS},
	    {"pkg/networkserver", "device_not_found", TTS_NS},
	    {"pkg/redis", "not_found", TTS_NS},
	    {"pkg/applicationserver", "device_not_found", TTS_AS},
	    {"pkg/redis", "not_found", TTS_AS},
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		decode(tts_err(names[i].ns, names[i].name), 404, &e);
		assert_true(tts_error_not_found(&e));
		assert_true(tts_error_not_found_at(&e, names[i].comp));
		/* Another component's name is not this component's "absent". */
		assert_false(tts_error_not_found_at(&e, names[i].comp == TTS_IS ? TTS_JS : TTS_IS));
		/* The name with another status is not a not-found. */
		decode(tts_err(names[i].ns, names[i].name), 503, &e);
		assert_false(tts_error_not_found(&e));
	}
	/* An ingress's plain text, grpc-gateway's unknown route, another TTS
	 * error that happens to be a 404. */
	decode("404 page not found\n", 404, &e);
	assert_false(tts_error_not_found(&e));
	decode("{\"code\":5,\"message\":\"Not Found\",\"details\":[]}", 404, &e);
	assert_false(tts_error_not_found(&e));
	decode(tts_err("pkg/frequencyplans", "not_found"), 404, &e);
	assert_false(tts_error_not_found(&e));
	decode(NULL, 404, &e);
	assert_false(tts_error_not_found(&e));
}

static void test_answer_is_fault(void **state)
{
	(void)state;
	const char *plain = "404 page not found\n";
	const char *gw = "{\"code\":5,\"message\":\"Not Found\",\"details\":[]}";
	assert_true(tts_answer_is_fault(404, plain, strlen(plain)));
	assert_true(tts_answer_is_fault(404, gw, strlen(gw)));
	assert_true(tts_answer_is_fault(404, NULL, 0));
	const char *tts = tts_err("pkg/joinserver", "device_not_found");
	assert_false(tts_answer_is_fault(404, tts, strlen(tts)));
	tts = tts_err("pkg/frequencyplans", "not_found");
	assert_false(tts_answer_is_fault(404, tts, strlen(tts)));
	/* Other statuses are the engine's own business. */
	assert_false(tts_answer_is_fault(400, plain, strlen(plain)));
}

static void test_missing_right_decoded(void **state)
{
	(void)state;
	struct tts_error e;
	decode("{\"code\":7,\"message\":\"error:pkg/auth/rights:insufficient_application_rights "
	       "(insufficient rights for application `a`)\",\"details\":[{\"namespace\":"
	       "\"pkg/auth/rights\",\"name\":\"insufficient_application_rights\",\"attributes\":"
	       "{\"uid\":\"a\",\"missing\":[\"RIGHT_APPLICATION_DEVICES_WRITE_KEYS\","
	       "\"RIGHT_APPLICATION_DEVICES_READ_KEYS\"]}}]}",
	       403, &e);
	assert_string_equal(e.name, "pkg/auth/rights:insufficient_application_rights");
	assert_string_equal(
	    e.missing, "RIGHT_APPLICATION_DEVICES_WRITE_KEYS, RIGHT_APPLICATION_DEVICES_READ_KEYS");
	tts_error_clear(&e);
}

static void test_redact_text(void **state)
{
	(void)state;
	char s[512];
	/* A hex key (either case), a base64 key, in a quoted body. */
	snprintf(
	    s, sizeof s,
	    "invalid request body: {\"app_key\":{\"key\":\"A0a0A0A0A0A0A0A000000001A0A0A0A0\"},"
	    "\"k\":\"oKCgoKCgoKAAAAABoKCgoA==\",\"dev_eui\":\"70B3D57E00000001\"}");
	assert_int_equal(redact_text(s), 2);
	assert_string_equal(s, "invalid request body: {\"app_key\":{\"key\":\"***\"},\"k\":\"***\","
			       "\"dev_eui\":\"70B3D57E00000001\"}");
	/* EUIs, DevAddrs, ids, URLs, a UUID and short base64 stay. */
	snprintf(s, sizeof s,
		 "GET /api/v3/applications/my-app/devices/eui-70b3d57e00000001 27000001 "
		 "0c5f2a34-1b2c-4d5e-8f90-0123456789ab QUJD");
	char before[512];
	memcpy(before, s, sizeof s);
	assert_int_equal(redact_text(s), 0);
	assert_string_equal(s, before);
	/* A longer hex run (a 32-byte secret) goes as well. */
	snprintf(s, sizeof s, "x=%s.",
		 "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
	assert_int_equal(redact_text(s), 1);
	assert_string_equal(s, "x=***.");
}

static void test_redact_sent_keys(void **state)
{
	(void)state;
	json_t *body =
	    parse("{\"end_device\":{\"root_keys\":{\"app_key\":{\"key\":\"SeCrEtKeYvAlUe-1\"},"
		  "\"nwk_key\":{\"encrypted_key\":\"wrapped/value+xyz\"}},"
		  "\"name\":\"a device name\"}}");
	char s[256];
	snprintf(s, sizeof s, "bad: SeCrEtKeYvAlUe-1 and wrapped/value+xyz, a device name");
	assert_int_equal(redact_sent_keys(s, body), 2);
	assert_string_equal(s, "bad: *** and ***, a device name");
	json_decref(body);
}

static void test_log_redacts_key_material(void **state)
{
	(void)state;
	char s[256];
	snprintf(s, sizeof s,
		 "device \"d\": HTTP 400: body {\"key\":\"E82B8166DFB4DA501E169D6380792512\"}");
	log_redact(s);
	assert_null(strstr(s, "E82B8166"));
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *stopper(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 100 * 1000000L};
	nanosleep(&ts, NULL);
	stop_request("unit test stop");
	return NULL;
}

static void *jitter_of_thread(void *arg)
{
	*(unsigned long long *)arg = stop_jitter();
	return NULL;
}

static void test_jitter_differs_per_thread(void **state)
{
	(void)state;
	unsigned long long a = 0, b = 0;
	pthread_t t1, t2;
	pthread_create(&t1, NULL, jitter_of_thread, &a);
	pthread_create(&t2, NULL, jitter_of_thread, &b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_true(a != b);
	assert_true(stop_jitter() != stop_jitter());
}

/* Last: it sets the process-wide stop flag. */
static void test_sleep_ends_on_stop(void **state)
{
	(void)state;
	assert_false(run_should_stop());
	double t0 = now_s();
	assert_true(stop_sleep_ms(20));
	assert_true(now_s() - t0 >= 0.019);
	pthread_t t;
	pthread_create(&t, NULL, stopper, NULL);
	t0 = now_s();
	assert_false(stop_sleep_ms(3600 * 1000LL));
	double took = now_s() - t0;
	pthread_join(t, NULL);
	assert_true(took < 0.1 + 2 * STOP_SLICE_MS / 1000.0);
	assert_true(run_should_stop());
	assert_int_equal(g_interrupted, STOP_BREAKER);
	assert_string_equal(run_stop_reason(), "unit test stop");
	/* The first reason stays. */
	stop_request("another");
	assert_string_equal(run_stop_reason(), "unit test stop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_found_is_tts_only),
	    cmocka_unit_test(test_answer_is_fault),
	    cmocka_unit_test(test_missing_right_decoded),
	    cmocka_unit_test(test_redact_text),
	    cmocka_unit_test(test_redact_sent_keys),
	    cmocka_unit_test(test_log_redacts_key_material),
	    cmocka_unit_test(test_jitter_differs_per_thread),
	    cmocka_unit_test(test_sleep_ends_on_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
