#include "net/tts_check.h"

#include <stdio.h>

#include "core/jsonpath.h"

enum want { W_OBJECT, W_STRING, W_BOOL, W_UINT, W_ENUM, W_ARRAY };

struct field_type {
	const char *path;
	enum want want;
};

#define KEY_ENVELOPE(p)                                                                            \
	{p, W_OBJECT},                                                                             \
	{                                                                                          \
		p ".key", W_STRING                                                                 \
	}
#define SESSION(p)                                                                                 \
	{p, W_OBJECT}, {p ".dev_addr", W_STRING}, {p ".keys", W_OBJECT},                           \
	    {p ".keys.session_key_id", W_STRING}, KEY_ENVELOPE(p ".keys.app_s_key"),               \
	    KEY_ENVELOPE(p ".keys.f_nwk_s_int_key"), KEY_ENVELOPE(p ".keys.s_nwk_s_int_key"),      \
	    KEY_ENVELOPE(p ".keys.nwk_s_enc_key"), {p ".last_f_cnt_up", W_UINT},                   \
	    {p ".last_n_f_cnt_down", W_UINT}, {p ".last_a_f_cnt_down", W_UINT},                    \
	{                                                                                          \
		p ".last_conf_f_cnt_down", W_UINT                                                  \
	}
#define MAC_STATE(p)                                                                               \
	{p, W_OBJECT}, {p ".current_parameters", W_OBJECT}, {p ".desired_parameters", W_OBJECT},   \
	    {p ".current_parameters.channels", W_ARRAY},                                           \
	    {p ".desired_parameters.channels", W_ARRAY}, {p ".device_class", W_ENUM},              \
	{                                                                                          \
		p ".lorawan_version", W_ENUM                                                       \
	}

/* Parents come before their children, so the message names the outermost
 * bad field. */
static const struct field_type fields[] = {
    {"ids", W_OBJECT},
    {"ids.device_id", W_STRING},
    {"ids.application_ids", W_OBJECT},
    {"ids.application_ids.application_id", W_STRING},
    {"ids.dev_eui", W_STRING},
    {"ids.join_eui", W_STRING},
    {"ids.dev_addr", W_STRING},
    {"name", W_STRING},
    {"description", W_STRING},
    {"attributes", W_OBJECT},
    {"version_ids", W_OBJECT},
    {"formatters", W_OBJECT},
    {"locations", W_OBJECT},
    {"frequency_plan_id", W_STRING},
    {"lorawan_version", W_ENUM},
    {"lorawan_phy_version", W_ENUM},
    {"supports_join", W_BOOL},
    {"supports_class_b", W_BOOL},
    {"supports_class_c", W_BOOL},
    {"multicast", W_BOOL},
    {"mac_settings", W_OBJECT},
    {"root_keys", W_OBJECT},
    {"root_keys.root_key_id", W_STRING},
    KEY_ENVELOPE("root_keys.app_key"),
    KEY_ENVELOPE("root_keys.nwk_key"),
    SESSION("session"),
    SESSION("pending_session"),
    MAC_STATE("mac_state"),
    MAC_STATE("pending_mac_state"),
    {"pending_mac_state.queued_join_accept", W_OBJECT},
    {"pending_mac_state.queued_join_accept.keys", W_OBJECT},
    KEY_ENVELOPE("pending_mac_state.queued_join_accept.keys.app_s_key"),
    KEY_ENVELOPE("pending_mac_state.queued_join_accept.keys.f_nwk_s_int_key"),
    KEY_ENVELOPE("pending_mac_state.queued_join_accept.keys.s_nwk_s_int_key"),
    KEY_ENVELOPE("pending_mac_state.queued_join_accept.keys.nwk_s_enc_key"),
};

static bool type_ok(const json_t *v, enum want w)
{
	switch (w) {
	case W_OBJECT:
		return json_is_object(v);
	case W_STRING:
		return json_is_string(v);
	case W_BOOL:
		return json_is_boolean(v);
	case W_UINT:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case W_ENUM: /* TTS prints names; numbers are accepted on input */
		return json_is_string(v) || json_is_integer(v);
	case W_ARRAY:
		return json_is_array(v);
	}
	return false;
}

static const char *const want_name[] = {
    [W_OBJECT] = "an object",	   [W_STRING] = "a string",
    [W_BOOL] = "true or false",	   [W_UINT] = "a non-negative integer",
    [W_ENUM] = "a name or number", [W_ARRAY] = "an array",
};

int tts_check_device_types(const json_t *dev, char *err, size_t errlen)
{
	if (!json_is_object(dev)) {
		snprintf(err, errlen, "the end device is %s, not an object",
			 dev ? jp_type_name(dev) : "missing");
		return -1;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const json_t *v = jp_get(dev, fields[i].path);
		if (!v || json_is_null(v) || type_ok(v, fields[i].want))
			continue;
		snprintf(err, errlen, "%s: %s where The Things Stack sends %s", fields[i].path,
			 jp_type_name(v), want_name[fields[i].want]);
		return -1;
	}
	return 0;
}
