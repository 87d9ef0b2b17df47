/* The ChirpStack v4 messages of cs_msgs.h. */
#include "sources/cs_msgs.h"

#include <stdlib.h>
#include <string.h>

#include "sources/pb.h"

/* Copies a string field; false when it is not a string or does not fit. */
static bool get_str(const struct pb_field *f, char *dst, size_t cap)
{
	if (f->wt != PB_LEN || f->len >= cap || memchr(f->data, '\0', f->len))
		return false;
	memcpy(dst, f->data, f->len);
	dst[f->len] = '\0';
	return true;
}

static bool get_u32(const struct pb_field *f, uint32_t *v)
{
	if (f->wt != PB_VARINT)
		return false;
	*v = (uint32_t)f->v; /* uint32 takes the low 32 bits */
	return true;
}

static bool get_bool(const struct pb_field *f, bool *v)
{
	if (f->wt != PB_VARINT)
		return false;
	*v = f->v != 0;
	return true;
}

/* One map entry {1 key, 2 value} into m; false when malformed. */
static bool get_entry(const struct pb_field *f, struct cs_map *m)
{
	if (f->wt != PB_LEN)
		return false;
	struct pb_reader r;
	struct pb_field g;
	int rc;
	const uint8_t *k = NULL, *v = NULL;
	size_t kn = 0, vn = 0;
	pb_reader_init(&r, f->data, f->len);
	while ((rc = pb_next(&r, &g)) > 0) {
		if (g.num != 1 && g.num != 2)
			continue;
		if (g.wt != PB_LEN || memchr(g.data, '\0', g.len))
			return false;
		if (g.num == 1) {
			k = g.data;
			kn = g.len;
		} else {
			v = g.data;
			vn = g.len;
		}
	}
	if (rc < 0)
		return false;
	struct cs_kv *e = NULL;
	for (size_t i = 0; i < m->n && !e; i++)
		if (strlen(m->kv[i].key) == kn &&
		    memcmp(m->kv[i].key, k ? (const void *)k : "", kn) == 0)
			e = &m->kv[i];
	if (kn >= sizeof e->key || vn >= sizeof e->value || (!e && m->n == CS_KV_MAX)) {
		m->overflow = true;
		return true;
	}
	if (!e) {
		e = &m->kv[m->n++];
		if (kn)
			memcpy(e->key, k, kn);
		e->key[kn] = '\0';
	}
	if (vn)
		memcpy(e->value, v, vn);
	e->value[vn] = '\0';
	return true;
}

/* Finds the sub-message in field num of an envelope (last one wins);
 * *data NULL when absent. */
static int sub_message(const void *buf, size_t len, uint32_t num, const uint8_t **data, size_t *n)
{
	struct pb_reader r;
	struct pb_field f;
	int rc;
	*data = NULL;
	*n = 0;
	pb_reader_init(&r, buf, len);
	while ((rc = pb_next(&r, &f)) > 0)
		if (f.num == num) {
			if (f.wt != PB_LEN)
				return -1;
			*data = f.data;
			*n = f.len;
		}
	return rc;
}

int cs_decode_device(const void *buf, size_t len, struct cs_device *d)
{
	memset(d, 0, sizeof *d);
	const uint8_t *m;
	size_t n;
	if (sub_message(buf, len, 1, &m, &n) < 0)
		return -1;
	struct pb_reader r;
	struct pb_field f;
	int rc;
	pb_reader_init(&r, m, n);
	while ((rc = pb_next(&r, &f)) > 0) {
		bool ok = true;
		switch (f.num) {
		case 1:
			ok = get_str(&f, d->dev_eui, sizeof d->dev_eui);
			break;
		case 2:
			ok = get_str(&f, d->name, sizeof d->name);
			break;
		case 3:
			ok = get_str(&f, d->description, sizeof d->description);
			break;
		case 4:
			ok = get_str(&f, d->application_id, sizeof d->application_id);
			break;
		case 5:
			ok = get_str(&f, d->device_profile_id, sizeof d->device_profile_id);
			break;
		case 6:
			ok = get_bool(&f, &d->skip_fcnt_check);
			break;
		case 7:
			ok = get_bool(&f, &d->is_disabled);
			break;
		case 8:
			ok = get_entry(&f, &d->variables);
			break;
		case 9:
			ok = get_entry(&f, &d->tags);
			break;
		case 10:
			ok = get_str(&f, d->join_eui, sizeof d->join_eui);
			break;
		default:
			break;
		}
		if (!ok)
			return -1;
	}
	return rc;
}

int cs_decode_keys(const void *buf, size_t len, struct cs_keys *k)
{
	memset(k, 0, sizeof *k);
	const uint8_t *m;
	size_t n;
	if (sub_message(buf, len, 1, &m, &n) < 0)
		return -1;
	struct pb_reader r;
	struct pb_field f;
	int rc;
	pb_reader_init(&r, m, n);
	while ((rc = pb_next(&r, &f)) > 0) {
		bool ok = true;
		if (f.num == 2)
			ok = get_str(&f, k->nwk_key, sizeof k->nwk_key);
		else if (f.num == 3)
			ok = get_str(&f, k->app_key, sizeof k->app_key);
		if (!ok)
			return -1;
	}
	return rc;
}

int cs_decode_activation(const void *buf, size_t len, struct cs_activation *a)
{
	memset(a, 0, sizeof *a);
	struct pb_reader r;
	struct pb_field f;
	int rc;
	pb_reader_init(&r, buf, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.num != 1 && f.num != 2)
			continue;
		if (f.wt != PB_LEN)
			return -1;
		struct pb_reader in;
		struct pb_field g;
		int irc;
		pb_reader_init(&in, f.data, f.len);
		if (f.num == 1) {
			a->present = true;
			while ((irc = pb_next(&in, &g)) > 0) {
				bool ok = true;
				switch (g.num) {
				case 2:
					ok = get_str(&g, a->dev_addr, sizeof a->dev_addr);
					break;
				case 3:
					ok = get_str(&g, a->app_s_key, sizeof a->app_s_key);
					break;
				case 4:
					ok = get_str(&g, a->nwk_s_enc_key, sizeof a->nwk_s_enc_key);
					break;
				case 5:
					ok = get_u32(&g, &a->f_cnt_up);
					break;
				case 6:
					ok = get_u32(&g, &a->n_f_cnt_down);
					break;
				case 8:
					ok = get_str(&g, a->s_nwk_s_int_key,
						     sizeof a->s_nwk_s_int_key);
					break;
				case 9:
					ok = get_str(&g, a->f_nwk_s_int_key,
						     sizeof a->f_nwk_s_int_key);
					break;
				case 10:
					ok = get_u32(&g, &a->a_f_cnt_down);
					break;
				default:
					break;
				}
				if (!ok)
					return -1;
			}
			if (irc < 0)
				return -1;
			continue;
		}
		/* join_server_context {1 session_key_id, 2 app_s_key KeyEnvelope} */
		while ((irc = pb_next(&in, &g)) > 0) {
			if (g.num != 2)
				continue;
			if (g.wt != PB_LEN)
				return -1;
			struct pb_reader ke;
			struct pb_field h;
			int krc;
			pb_reader_init(&ke, g.data, g.len);
			while ((krc = pb_next(&ke, &h)) > 0) {
				if (h.num == 1 && !get_str(&h, a->kek_label, sizeof a->kek_label))
					return -1;
				if (h.num == 2) {
					if (h.wt != PB_LEN || h.len > sizeof a->wrapped_key)
						return -1;
					memcpy(a->wrapped_key, h.data, h.len);
					a->wrapped_len = h.len;
				}
			}
			if (krc < 0)
				return -1;
		}
		if (irc < 0)
			return -1;
	}
	return rc;
}

void cs_profile_free(struct cs_profile *p)
{
	free(p->payload_codec_script);
	p->payload_codec_script = NULL;
}

/* A string of any length, malloc'd; false when not a string or no memory. */
static bool get_dup(const struct pb_field *f, char **dst)
{
	if (f->wt != PB_LEN || memchr(f->data, '\0', f->len))
		return false;
	char *s = malloc(f->len + 1);
	if (!s)
		return false;
	memcpy(s, f->data, f->len);
	s[f->len] = '\0';
	free(*dst);
	*dst = s;
	return true;
}

static int decode_profile(const void *buf, size_t len, struct cs_profile *p);

int cs_decode_profile(const void *buf, size_t len, struct cs_profile *p)
{
	memset(p, 0, sizeof *p);
	int rc = decode_profile(buf, len, p);
	if (rc < 0)
		cs_profile_free(p);
	return rc;
}

static int decode_profile(const void *buf, size_t len, struct cs_profile *p)
{
	const uint8_t *m;
	size_t n;
	if (sub_message(buf, len, 1, &m, &n) < 0)
		return -1;
	struct pb_reader r;
	struct pb_field f;
	int rc;
	pb_reader_init(&r, m, n);
	while ((rc = pb_next(&r, &f)) > 0) {
		bool ok = true;
		switch (f.num) {
		case 1:
			ok = get_str(&f, p->id, sizeof p->id);
			break;
		case 3:
			ok = get_str(&f, p->name, sizeof p->name);
			break;
		case 4:
			ok = get_u32(&f, &p->region);
			break;
		case 5:
			ok = get_u32(&f, &p->mac_version);
			break;
		case 6:
			ok = get_u32(&f, &p->reg_params_revision);
			break;
		case 8:
			ok = get_u32(&f, &p->payload_codec_runtime);
			break;
		case 9:
			ok = get_dup(&f, &p->payload_codec_script);
			break;
		case 11:
			ok = get_u32(&f, &p->uplink_interval);
			break;
		case 12:
			ok = get_u32(&f, &p->device_status_req_interval);
			break;
		case 13:
			ok = get_bool(&f, &p->supports_otaa);
			break;
		case 14:
			ok = get_bool(&f, &p->supports_class_b);
			break;
		case 15:
			ok = get_bool(&f, &p->supports_class_c);
			break;
		case 16:
			ok = get_u32(&f, &p->class_b_timeout);
			break;
		case 17:
			ok = get_u32(&f, &p->class_b_ping_slot_nb_k);
			break;
		case 18:
			ok = get_u32(&f, &p->class_b_ping_slot_dr);
			break;
		case 19:
			ok = get_u32(&f, &p->class_b_ping_slot_freq);
			break;
		case 20:
			ok = get_u32(&f, &p->class_c_timeout);
			break;
		case 21:
			ok = get_u32(&f, &p->abp_rx1_delay);
			break;
		case 22:
			ok = get_u32(&f, &p->abp_rx1_dr_offset);
			break;
		case 23:
			ok = get_u32(&f, &p->abp_rx2_dr);
			break;
		case 24:
			ok = get_u32(&f, &p->abp_rx2_freq);
			break;
		case 25:
			ok = get_entry(&f, &p->tags);
			break;
		case 53:
			ok = get_u32(&f, &p->rx1_delay);
			break;
		default:
			break;
		}
		if (!ok)
			return -1;
	}
	return rc;
}

/*
 * A List answer {1 total_count, 2 repeated item}: each item's fields go to
 * item(ud, field) into a slot of size bytes at the end of *items, which
 * grows (*n of them). -1 when malformed, an item refused, or no memory.
 */
static int decode_page(const void *buf, size_t len, uint32_t *total, void **items, size_t *count,
		       size_t size, bool (*item)(void *slot, const struct pb_field *g))
{
	struct pb_reader r;
	struct pb_field f;
	int rc;
	size_t n = 0, cap = 0;
	char *all = NULL;
	pb_reader_init(&r, buf, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.num == 1 && !get_u32(&f, total))
			break;
		if (f.num != 2)
			continue;
		if (f.wt != PB_LEN) {
			rc = -1;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char *p = realloc(all, cap * size);
			if (!p) {
				rc = -1;
				break;
			}
			all = p;
		}
		void *slot = all + n * size;
		memset(slot, 0, size);
		struct pb_reader in;
		struct pb_field g;
		int irc;
		pb_reader_init(&in, f.data, f.len);
		while ((irc = pb_next(&in, &g)) > 0)
			if (!item(slot, &g)) {
				irc = -1;
				break;
			}
		if (irc < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	if (rc > 0) /* the total_count was no uint32 */
		rc = -1;
	*items = all;
	*count = n;
	return rc;
}

static bool device_item(void *slot, const struct pb_field *g) /* DeviceListItem {1 dev_eui} */
{
	return g->num != 1 || get_str(g, slot, 24);
}

int cs_decode_list(const void *buf, size_t len, struct cs_list_page *out)
{
	memset(out, 0, sizeof *out);
	void *items = NULL;
	if (decode_page(buf, len, &out->total_count, &items, &out->n, sizeof *out->dev_euis,
			device_item) < 0) {
		free(items);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->dev_euis = items;
	return 0;
}

static bool app_item(void *slot, const struct pb_field *g) /* {1 id, 4 name} */
{
	struct cs_app_item *it = slot;
	return (g->num != 1 || get_str(g, it->id, sizeof it->id)) &&
	       (g->num != 4 || get_str(g, it->name, sizeof it->name));
}

int cs_decode_app_list(const void *buf, size_t len, struct cs_app_page *out)
{
	memset(out, 0, sizeof *out);
	void *items = NULL;
	if (decode_page(buf, len, &out->total_count, &items, &out->n, sizeof *out->items,
			app_item) < 0) {
		free(items);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->items = items;
	return 0;
}

void cs_encode_app_list_request(struct strbuf *sb, const char *tenant_id, const char *search,
				uint32_t limit, uint32_t offset)
{
	if (limit)
		pb_put_uint(sb, 1, limit);
	if (offset)
		pb_put_uint(sb, 2, offset);
	if (search && *search)
		pb_put_string(sb, 3, search);
	if (tenant_id && *tenant_id)
		pb_put_string(sb, 4, tenant_id);
}

int cs_encode_update_disabled(struct strbuf *sb, const void *get, size_t len, bool disabled)
{
	const uint8_t *m;
	size_t n;
	if (sub_message(get, len, 1, &m, &n) < 0 || !m)
		return -1;
	struct strbuf dev = STRBUF_INIT;
	struct pb_reader r;
	struct pb_field f;
	int rc;
	pb_reader_init(&r, m, n);
	/* Each field's bytes, tag included, are [start, r.p) after pb_next. */
	const uint8_t *start = r.p;
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.num != 7)
			strbuf_add(&dev, start, (size_t)(r.p - start));
		start = r.p;
	}
	if (rc < 0) {
		strbuf_release(&dev);
		return -1;
	}
	if (disabled)
		pb_put_bool(&dev, 7, true);
	pb_put_bytes(sb, 1, dev.buf ? dev.buf : "", dev.len);
	strbuf_release(&dev);
	return 0;
}

void cs_encode_activate(struct strbuf *sb, const char *dev_eui, const struct cs_activation *a)
{
	struct strbuf m = STRBUF_INIT;
	pb_put_string(&m, 1, dev_eui);
	pb_put_string(&m, 2, a->dev_addr);
	pb_put_string(&m, 3, a->app_s_key);
	pb_put_string(&m, 4, a->nwk_s_enc_key);
	if (a->f_cnt_up)
		pb_put_uint(&m, 5, a->f_cnt_up);
	if (a->n_f_cnt_down)
		pb_put_uint(&m, 6, a->n_f_cnt_down);
	pb_put_string(&m, 8, a->s_nwk_s_int_key);
	pb_put_string(&m, 9, a->f_nwk_s_int_key);
	if (a->a_f_cnt_down)
		pb_put_uint(&m, 10, a->a_f_cnt_down);
	pb_put_bytes(sb, 1, m.buf ? m.buf : "", m.len);
	memset(m.buf ? m.buf : (char *)"", 0, m.len);
	strbuf_release(&m);
}

void cs_encode_id_request(struct strbuf *sb, const char *id)
{
	if (id && *id)
		pb_put_string(sb, 1, id);
}

void cs_encode_list_request(struct strbuf *sb, const char *application_id, uint32_t limit,
			    uint32_t offset)
{
	if (limit)
		pb_put_uint(sb, 1, limit);
	if (offset)
		pb_put_uint(sb, 2, offset);
	if (application_id && *application_id)
		pb_put_string(sb, 4, application_id);
}

uint32_t cs_last_f_cnt_up(uint32_t f_cnt_up)
{
	return f_cnt_up ? f_cnt_up - 1 : 0;
}

const char *cs_mac_version(uint32_t v)
{
	static const char *const names[] = {"1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.1.0"};
	return v < 6 ? names[v] : NULL;
}

const char *cs_region_name(uint32_t region)
{
	static const char *const names[] = {"EU868", NULL,	"US915",   "CN779",   "EU433",
					    "AU915", "CN470",	"AS923",   "KR920",   "IN865",
					    "RU864", "ISM2400", "AS923_2", "AS923_3", "AS923_4"};
	return region < sizeof names / sizeof names[0] ? names[region] : NULL;
}
