#include "net/tts_components.h"

#include <stddef.h>

/* The path lists are laid out by hand, many to a line, so that a table reads
 * as a table (clang-format would put one path on each line). */
/* clang-format off */

/* ---- Identity Server ---------------------------------------------------- */

static const char *const is_get[] = {
	"activated_at", "application_server_address", "attributes", "created_at", "description",
	"ids.application_ids", "ids.dev_eui", "ids.device_id", "ids.join_eui",
	"join_server_address", "last_seen_at", "locations", "lora_alliance_profile_ids", "name",
	"network_server_address", "picture", "serial_number", "service_profile_id", "updated_at",
	"version_ids", NULL};

static const char *const is_set[] = {
	"activated_at", "application_server_address", "attributes", "claim_authentication_code",
	"description", "join_server_address", "last_seen_at", "locations",
	"lora_alliance_profile_ids", "name", "network_server_address", "picture", "serial_number",
	"service_profile_id", "version_ids", NULL};

const char *const tts_is_create_paths[] = {
	"ids.application_ids", "ids.dev_eui", "ids.device_id", "ids.join_eui",
	"activated_at", "application_server_address", "attributes", "claim_authentication_code",
	"description", "join_server_address", "last_seen_at", "locations",
	"lora_alliance_profile_ids", "name", "network_server_address", "picture", "serial_number",
	"service_profile_id", "version_ids", NULL};

/* ---- Join Server -------------------------------------------------------- */

static const char *const js_get[] = {
	"application_server_address", "application_server_id", "application_server_kek_label",
	"ids", "last_dev_nonce", "last_join_nonce", "last_rj_count_0", "last_rj_count_1", "net_id",
	"network_server_address", "network_server_kek_label", "provisioner_id", "provisioning_data",
	"resets_join_nonces", "root_keys.app_key.key", "root_keys.nwk_key.key",
	"root_keys.root_key_id", "used_dev_nonces", NULL};

/* No ids.dev_addr: the JS refuses it. Both EUIs must be in every Set. */
static const char *const js_set[] = {
	"ids.application_ids", "ids.dev_eui", "ids.device_id", "ids.join_eui",
	"application_server_address", "application_server_id", "application_server_kek_label",
	"claim_authentication_code", "last_dev_nonce", "last_join_nonce", "last_rj_count_0",
	"last_rj_count_1", "net_id", "network_server_address", "network_server_kek_label",
	"provisioner_id", "provisioning_data", "resets_join_nonces", "root_keys.app_key.key",
	"root_keys.nwk_key.key", "root_keys.root_key_id", "used_dev_nonces", NULL};

/* ---- Network Server ----------------------------------------------------- */

#define MAC_PARAMS(p)                                                                              \
	p "adr_ack_delay_exponent", p "adr_ack_limit_exponent", p "adr_data_rate_index",           \
	    p "adr_nb_trans", p "adr_tx_power_index", p "beacon_frequency", p "channels",          \
	    p "downlink_dwell_time", p "max_duty_cycle", p "max_eirp",                             \
	    p "ping_slot_data_rate_index_value", p "ping_slot_frequency",                          \
	    p "rejoin_count_periodicity", p "rejoin_time_periodicity", p "relay",                  \
	    p "rx1_data_rate_offset", p "rx1_delay", p "rx2_data_rate_index", p "rx2_frequency",   \
	    p "uplink_dwell_time"

#define MAC_STATE_COMMON(p)                                                                        \
	MAC_PARAMS(p "current_parameters."), MAC_PARAMS(p "desired_parameters."),                  \
	    p "device_class", p "last_adr_change_f_cnt_up", p "last_confirmed_downlink_at",         \
	    p "last_dev_status_f_cnt_up", p "last_downlink_at",                                    \
	    p "last_network_initiated_downlink_at", p "lorawan_version", p "ping_slot_periodicity", \
	    p "recent_downlinks", p "recent_mac_command_identifiers", p "recent_uplinks",          \
	    p "rejected_adr_data_rate_indexes", p "rejected_adr_tx_power_indexes",                 \
	    p "rejected_data_rate_ranges", p "rejected_frequencies", p "rx_windows_available"

static const char *const ns_get[] = {
	"battery_percentage", "created_at", "downlink_margin", "frequency_plan_id", "ids",
	"last_dev_status_received_at", "lorawan_phy_version", "lorawan_version", "mac_settings",
	MAC_STATE_COMMON("mac_state."),
	"mac_state.pending_application_downlink.class_b_c",
	"mac_state.pending_application_downlink.confirmed",
	"mac_state.pending_application_downlink.correlation_ids",
	"mac_state.pending_application_downlink.f_cnt",
	"mac_state.pending_application_downlink.f_port",
	"mac_state.pending_application_downlink.frm_payload",
	"mac_state.pending_application_downlink.priority",
	"mac_state.pending_application_downlink.session_key_id", "mac_state.pending_relay_downlink",
	"mac_state.pending_requests", "mac_state.queued_responses", "max_frequency",
	"min_frequency", "multicast", MAC_STATE_COMMON("pending_mac_state."),
	"pending_mac_state.pending_join_request",
	"pending_mac_state.queued_join_accept.correlation_ids",
	"pending_mac_state.queued_join_accept.dev_addr",
	"pending_mac_state.queued_join_accept.keys.app_s_key.key",
	"pending_mac_state.queued_join_accept.keys.f_nwk_s_int_key.key",
	"pending_mac_state.queued_join_accept.keys.nwk_s_enc_key.key",
	"pending_mac_state.queued_join_accept.keys.s_nwk_s_int_key.key",
	"pending_mac_state.queued_join_accept.keys.session_key_id",
	"pending_mac_state.queued_join_accept.net_id", "pending_mac_state.queued_join_accept.payload",
	"pending_mac_state.queued_join_accept.request", "pending_session.dev_addr",
	"pending_session.keys.f_nwk_s_int_key.key", "pending_session.keys.nwk_s_enc_key.key",
	"pending_session.keys.s_nwk_s_int_key.key", "pending_session.keys.session_key_id",
	"power_state", "session.dev_addr", "session.keys.f_nwk_s_int_key.key",
	"session.keys.nwk_s_enc_key.key", "session.keys.s_nwk_s_int_key.key",
	"session.keys.session_key_id", "session.last_conf_f_cnt_down", "session.last_f_cnt_up",
	"session.last_n_f_cnt_down", "session.started_at", "supports_class_b", "supports_class_c",
	"supports_join", "updated_at", "version_ids", NULL};

/* The read list minus created_at, updated_at, ids.dev_addr, power_state;
 * plus serial_number and lora_alliance_profile_ids. */
static const char *const ns_set[] = {
	"ids.application_ids", "ids.dev_eui", "ids.device_id", "ids.join_eui",
	"battery_percentage", "downlink_margin", "frequency_plan_id", "last_dev_status_received_at",
	"lora_alliance_profile_ids", "lorawan_phy_version", "lorawan_version", "mac_settings",
	"mac_state", "max_frequency", "min_frequency", "multicast", "pending_mac_state",
	"pending_session.dev_addr", "pending_session.keys.f_nwk_s_int_key.key",
	"pending_session.keys.nwk_s_enc_key.key", "pending_session.keys.s_nwk_s_int_key.key",
	"pending_session.keys.session_key_id", "serial_number", "session.dev_addr",
	"session.keys.f_nwk_s_int_key.key", "session.keys.nwk_s_enc_key.key",
	"session.keys.s_nwk_s_int_key.key", "session.keys.session_key_id",
	"session.last_conf_f_cnt_down", "session.last_f_cnt_up", "session.last_n_f_cnt_down",
	"session.started_at", "supports_class_b", "supports_class_c", "supports_join",
	"version_ids", NULL};

/* ---- Application Server ------------------------------------------------- */

static const char *const as_get[] = {
	"formatters", "ids", "lora_alliance_profile_ids", "pending_session.dev_addr",
	"pending_session.keys.app_s_key.key", "pending_session.keys.session_key_id",
	"pending_session.last_a_f_cnt_down", "serial_number", "session.dev_addr",
	"session.keys.app_s_key.key", "session.keys.session_key_id", "session.last_a_f_cnt_down",
	"skip_payload_crypto", "skip_payload_crypto_override", "version_ids", NULL};

/* No pending_session, although the AS Get returns it. */
static const char *const as_set[] = {
	"ids.application_ids", "ids.dev_eui", "ids.device_id", "ids.join_eui", "formatters",
	"lora_alliance_profile_ids", "serial_number", "session.dev_addr",
	"session.keys.app_s_key.key", "session.keys.session_key_id", "session.last_a_f_cnt_down",
	"skip_payload_crypto", "skip_payload_crypto_override", "version_ids", NULL};

const struct tts_comp_desc tts_comps[TTS_NCOMP] = {
	[TTS_IS] = {TTS_IS, "Identity Server", "IS", "", "IDENTITY_SERVER", "identity-server",
		    is_get, is_set},
	[TTS_JS] = {TTS_JS, "Join Server", "JS", "/js", "JOIN_SERVER", "join-server", js_get,
		    js_set},
	[TTS_NS] = {TTS_NS, "Network Server", "NS", "/ns", "NETWORK_SERVER", "network-server",
		    ns_get, ns_set},
	[TTS_AS] = {TTS_AS, "Application Server", "AS", "/as", "APPLICATION_SERVER",
		    "application-server", as_get, as_set},
};

const enum tts_comp tts_export_order[TTS_NCOMP] = {TTS_IS, TTS_JS, TTS_AS, TTS_NS};
const enum tts_comp tts_create_order[TTS_NCOMP] = {TTS_IS, TTS_JS, TTS_NS, TTS_AS};
const enum tts_comp tts_delete_order[TTS_NCOMP] = {TTS_AS, TTS_NS, TTS_JS, TTS_IS};

const char *const tts_session_paths[] = {
	"activated_at", "ids.dev_addr", "last_dev_status_received_at", "last_seen_at",
	"mac_state", "pending_mac_state", "pending_session", "session", NULL};

const char *const tts_export_strip_paths[] = {
	"application_server_address", "join_server_address", "network_server_address",
	"ids.dev_addr", NULL};

const char *const tts_key_paths[] = {
	"root_keys.app_key.key", "root_keys.nwk_key.key", "session.keys.app_s_key.key",
	"session.keys.f_nwk_s_int_key.key", "session.keys.s_nwk_s_int_key.key",
	"session.keys.nwk_s_enc_key.key", "pending_session.keys.app_s_key.key",
	"pending_session.keys.f_nwk_s_int_key.key", "pending_session.keys.s_nwk_s_int_key.key",
	"pending_session.keys.nwk_s_enc_key.key",
	"pending_mac_state.queued_join_accept.keys.app_s_key.key",
	"pending_mac_state.queued_join_accept.keys.f_nwk_s_int_key.key",
	"pending_mac_state.queued_join_accept.keys.s_nwk_s_int_key.key",
	"pending_mac_state.queued_join_accept.keys.nwk_s_enc_key.key", NULL};
/* clang-format on */
