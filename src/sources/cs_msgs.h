/*
 * The ChirpStack v4 API messages the export needs (sources-transport.md
 * §1.5, field numbers from chirpstack api/proto/api/ .proto files), decoded with
 * sources/pb.h into plain structs, and the requests encoded.
 *
 * proto3: an absent field is its zero value, so every struct starts zeroed;
 * the last occurrence of a scalar wins; unknown fields are skipped. Strings
 * longer than their array are refused (a DevEUI or key is never cut).
 */
#ifndef TTNM_SOURCES_CS_MSGS_H
#define TTNM_SOURCES_CS_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

/*
 * A map<string,string> (tags, variables): repeated {1 key, 2 value}; a key
 * seen twice keeps its last value, as proto3 maps do. An entry that does not
 * fit (more than CS_KV_MAX, or a key or value too long) is not kept but sets
 * overflow, so that the caller names the field instead of exporting a part.
 */
#define CS_KV_MAX 32
struct cs_kv {
	char key[128], value[512];
};
struct cs_map {
	size_t n;
	bool overflow;
	struct cs_kv kv[CS_KV_MAX];
};

struct cs_device { /* GetDeviceResponse.device */
	char dev_eui[24], join_eui[24];
	char name[256], description[512];
	char application_id[40], device_profile_id[40];
	bool skip_fcnt_check, is_disabled;
	struct cs_map variables, tags;
};

struct cs_keys { /* GetDeviceKeysResponse.device_keys */
	char nwk_key[40], app_key[40];
};

struct cs_activation { /* GetDeviceActivationResponse */
	bool present;  /* device_activation was there (absent: no session) */
	char dev_addr[16];
	char app_s_key[80]; /* KEK-wrapped when kek_label is non-empty */
	char nwk_s_enc_key[40], s_nwk_s_int_key[40], f_nwk_s_int_key[40];
	uint32_t f_cnt_up, n_f_cnt_down, a_f_cnt_down;
	char kek_label[64];	 /* join_server_context.app_s_key.kek_label */
	uint8_t wrapped_key[48]; /* join_server_context.app_s_key.aes_key */
	size_t wrapped_len;
};

struct cs_profile { /* GetDeviceProfileResponse.device_profile */
	char id[40], name[256];
	uint32_t region, mac_version, reg_params_revision;
	bool supports_otaa, supports_class_b, supports_class_c;
	uint32_t class_b_timeout, class_b_ping_slot_dr, class_b_ping_slot_freq, class_c_timeout;
	uint32_t abp_rx1_delay, abp_rx1_dr_offset, abp_rx2_dr, abp_rx2_freq;
	uint32_t uplink_interval, device_status_req_interval, payload_codec_runtime;
	uint32_t class_b_ping_slot_nb_k; /* field 17: k (< v4.13) or periodicity (>= v4.13) */
	uint32_t rx1_delay;		 /* field 53: 0 = the server's default */
	char *payload_codec_script;	 /* malloc'd (NULL: none); cs_profile_free() */
	struct cs_map tags;
};

void cs_profile_free(struct cs_profile *p);

struct cs_list_page { /* ListDevicesResponse */
	uint32_t total_count;
	size_t n;
	char (*dev_euis)[24]; /* n entries, owned: free() */
};

/* Each returns 0, or -1 when the bytes are malformed or a string too long. */
int cs_decode_device(const void *buf, size_t len, struct cs_device *out);
int cs_decode_keys(const void *buf, size_t len, struct cs_keys *out);
int cs_decode_activation(const void *buf, size_t len, struct cs_activation *out);
int cs_decode_profile(const void *buf, size_t len, struct cs_profile *out);
int cs_decode_list(const void *buf, size_t len, struct cs_list_page *out);

/*
 * DeviceService/Update: an UpdateDeviceRequest {1 device} made from a
 * GetDeviceResponse (get, len) as received, with every field of its device
 * copied byte for byte (unknown ones too: ChirpStack's Update writes the
 * whole device, so nothing may be dropped) except 7 is_disabled, which is
 * set to disabled. -1 when get is malformed or holds no device.
 */
int cs_encode_update_disabled(struct strbuf *sb, const void *get, size_t len, bool disabled);

/*
 * DeviceService/Activate: ActivateDeviceRequest {1 device_activation
 * DeviceActivation {1 dev_eui, 2 dev_addr, 3 app_s_key, 4 nwk_s_enc_key,
 * 5 f_cnt_up, 6 n_f_cnt_down, 8 s_nwk_s_int_key, 9 f_nwk_s_int_key,
 * 10 a_f_cnt_down}} from a (kek fields unused; counters as ChirpStack
 * counts them: the next expected or to be used).
 */
void cs_encode_activate(struct strbuf *sb, const char *dev_eui, const struct cs_activation *a);

/* ApplicationService/List {1 limit, 2 offset, 3 search, 4 tenant_id}. */
void cs_encode_app_list_request(struct strbuf *sb, const char *tenant_id, const char *search,
				uint32_t limit, uint32_t offset);
struct cs_app_page { /* ListApplicationsResponse */
	uint32_t total_count;
	size_t n;
	struct cs_app_item {
		char id[40], name[256];
	} * items; /* n entries, owned: free() */
};
int cs_decode_app_list(const void *buf, size_t len, struct cs_app_page *out);

/* Get/GetKeys/GetActivation {1 dev_eui}, DeviceProfile Get {1 id}. */
void cs_encode_id_request(struct strbuf *sb, const char *id);
/* ListDevicesRequest {1 limit, 2 offset, 4 application_id}. */
void cs_encode_list_request(struct strbuf *sb, const char *application_id, uint32_t limit,
			    uint32_t offset);

/*
 * ChirpStack's f_cnt_up is the NEXT uplink counter it expects (last seen + 1;
 * chirpstack src/uplink/data.rs stores f_cnt + 1), while The Things Stack's
 * session.last_f_cnt_up is the LAST one seen. So last = f_cnt_up - 1, and 0
 * when no uplink was seen yet (f_cnt_up 0: there is nothing earlier to
 * record). The Go tool copies it unchanged (BUG): TTS then believes it has
 * already seen the counter the device sends next, and takes that uplink for
 * a retransmission of the last one instead of a new frame.
 */
uint32_t cs_last_f_cnt_up(uint32_t f_cnt_up);

/* The LoRaWAN MAC version ("1.0.3") of a MacVersion enum, or NULL. */
const char *cs_mac_version(uint32_t v);
const char *cs_region_name(uint32_t region); /* "EU868", or NULL */

#endif
