/* Error bodies as The Things Stack's HTTP gateway writes them (tts-api.md §4). */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned emu_grpc_to_http(int code)
{
	switch (code) {
	case 0:
		return 200;
	case 1:
		return 499;
	case 3:
	case 9:
	case 11:
		return 400;
	case 4:
		return 504;
	case 5:
		return 404;
	case 6:
	case 10:
		return 409;
	case 7:
		return 403;
	case 8:
		return 429;
	case 12:
		return 501;
	case 14:
		return 503;
	case 16:
		return 401;
	default:
		return 500;
	}
}

int emu_http_to_grpc(unsigned status)
{
	switch (status) {
	case 400:
		return 3;
	case 401:
		return 16;
	case 403:
		return 7;
	case 404:
		return 5;
	case 409:
		return 10;
	case 429:
		return 8;
	case 499:
		return 1;
	case 501:
		return 12;
	case 502:
	case 503:
		return 14;
	case 504:
		return 4;
	case 500:
		return 13;
	default:
		return 2;
	}
}

void emu_resp_header(struct emu_resp *rs, const char *name, const char *value)
{
	for (size_t i = 0; i < rs->nheaders; i++) {
		if (strcmp(rs->headers[i].name, name) == 0) {
			snprintf(rs->headers[i].value, sizeof rs->headers[i].value, "%s", value);
			return;
		}
	}
	if (rs->nheaders == EMU_MAX_HEADERS)
		return;
	snprintf(rs->headers[rs->nheaders].name, sizeof rs->headers[0].name, "%s", name);
	snprintf(rs->headers[rs->nheaders].value, sizeof rs->headers[0].value, "%s", value);
	rs->nheaders++;
}

void emu_resp_json(struct emu_resp *rs, unsigned status, json_t *body)
{
	json_decref(rs->body);
	rs->status = status;
	rs->body = body ? body : json_object();
}

/* Appends the text of an attribute to buf as the TTS message renderer would. */
static void append_attr(char *buf, size_t cap, const json_t *v)
{
	size_t n = strlen(buf);
	if (n + 1 >= cap)
		return;
	if (json_is_string(v)) {
		snprintf(buf + n, cap - n, "%s", json_string_value(v));
	} else if (v) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			snprintf(buf + n, cap - n, "%s", s);
		free(s);
	}
}

static void render(char *buf, size_t cap, const char *fmt, const json_t *attrs)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = fmt; *p && n + 1 < cap;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (close) {
			char name[64];
			size_t len = (size_t)(close - p - 1);
			if (len < sizeof name) {
				memcpy(name, p + 1, len);
				name[len] = '\0';
				append_attr(buf, cap, json_object_get(attrs, name));
				n = strlen(buf);
				p = close + 1;
				continue;
			}
		}
		buf[n++] = *p++;
		buf[n] = '\0';
	}
}

void emu_resp_err(struct emu_resp *rs, int grpc, const char *ns, const char *name,
		  const char *message_format, json_t *attrs)
{
	char text[1024], message[1400], corr[33];
	if (!attrs)
		attrs = json_object();
	render(text, sizeof text, message_format, attrs);
	snprintf(message, sizeof message, "error:%s:%s (%s)", ns, name, text);
	emu_rand_hex(corr, 16);

	json_t *detail = json_object();
	json_object_set_new(detail, "@type",
			    json_string("type.googleapis.com/ttn.lorawan.v3.ErrorDetails"));
	json_object_set_new(detail, "namespace", json_string(ns));
	json_object_set_new(detail, "name", json_string(name));
	json_object_set_new(detail, "message_format", json_string(message_format));
	if (json_object_size(attrs) > 0)
		json_object_set(detail, "attributes", attrs);
	json_object_set_new(detail, "correlation_id", json_string(corr));
	json_object_set_new(detail, "code", json_integer(grpc));
	json_decref(attrs);

	json_t *body = json_object();
	json_object_set_new(body, "code", json_integer(grpc));
	json_object_set_new(body, "message", json_string(message));
	json_object_set_new(body, "details", json_pack("[o]", detail));
	emu_resp_json(rs, emu_grpc_to_http(grpc), body);
	/* The gateway copies the status message of Unauthenticated errors here. */
	if (grpc == 16)
		emu_resp_header(rs, "WWW-Authenticate", message);
}

void emu_resp_gw(struct emu_resp *rs, unsigned status, int grpc, const char *message)
{
	json_t *body = json_object();
	json_object_set_new(body, "code", json_integer(grpc));
	json_object_set_new(body, "message", json_string(message));
	json_object_set_new(body, "details", json_array());
	emu_resp_json(rs, status, body);
}

void emu_resp_validation(struct emu_resp *rs, const char *field, const char *reason,
			 const char *type_name)
{
	emu_resp_err(
	    rs, 3, "pkg/errors", "validation", "invalid `{field}`: {reason}",
	    json_pack("{s:s, s:s, s:s}", "field", field, "reason", reason, "name", type_name));
}

void emu_resp_field_value(struct emu_resp *rs, const char *ns, const char *field)
{
	emu_resp_err(rs, 3, ns, "field_value", "invalid value of field `{field}`",
		     json_pack("{s:s}", "field", field));
}
