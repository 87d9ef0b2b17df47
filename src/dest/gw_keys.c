#include "dest/gw_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "io/output.h"
#include "ui/log.h"

int gw_keys_open(struct gw_keys *k, const struct config *cfg, struct gw_dest *dest, char *err,
		 size_t errlen)
{
	memset(k, 0, sizeof *k);
	k->fd = -1;
	k->dest = dest;
	k->path = cfg->o.keys_file ? strdup(cfg->o.keys_file) : NULL;
	if (!k->path) {
		char *dir = out_state_dir(err, errlen);
		if (!dir)
			return -1;
		size_t n = strlen(dir) + 32;
		if ((k->path = malloc(n)))
			snprintf(k->path, n, "%s/gateway-keys.txt", dir);
		free(dir);
	}
	if (!k->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->fd =
	    out_open_private(k->path, O_WRONLY | O_CREAT | O_APPEND, "--keys-file", err, errlen);
	return k->fd < 0 ? -1 : 0;
}

void gw_keys_close(struct gw_keys *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->written)
		out_fsync_dir_of(k->path);
	free(k->path);
	k->path = NULL;
	k->fd = -1;
}

void gw_keys_start(struct gw_keys *k, const json_t *src)
{
	json_t *inner = json_object_get(src, "gateway");
	k->cur = json_is_object(inner) && !json_object_get(src, "ids") ? inner : src;
	k->header_done = false;
}

int gw_keys_save(void *ud, const char *gateway_id, enum gwdest_kind kind, const char *key_id,
		 const char *key)
{
	struct gw_keys *r = ud;
	struct strbuf sb = STRBUF_INIT;
	const char *host = gwdest_server_address(r->dest);
	if (!r->header_done) {
		char when[32];
		time_t now = time(NULL);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		const char *eui =
		    json_string_value(json_object_get(json_object_get(r->cur, "ids"), "eui"));
		strbuf_addf(&sb, "\n### gateway %s (EUI %s) at %s, %s, %s\n", gateway_id,
			    eui ? eui : "none", host, gwdest_account(r->dest), when);
		if (gwdest_uses_udp(r->cur) && eui)
			strbuf_addf(
			    &sb,
			    "# Semtech UDP: in global_conf.json (or local_conf.json):\n"
			    "\"gateway_conf\": {\"gateway_ID\": \"%s\", \"server_address\": "
			    "\"%s\", \"serv_port_up\": 1700, \"serv_port_down\": 1700}\n",
			    eui ? eui : "", host);
		r->header_done = true;
	}
	if (kind == GWKEY_LNS)
		strbuf_addf(&sb,
			    "# LNS API key %s (INFO, LINK; also in lbs_lns_secret); tc.uri: "
			    "wss://%s:8887\n# tc.key (the next line, CRLF-terminated):\n"
			    "Authorization: Bearer %s\r\n",
			    key_id, host, key);
	else
		strbuf_addf(&sb,
			    "# CUPS API key %s (INFO, SETTINGS_BASIC, READ_SECRETS); cups.uri: "
			    "https://%s:443\n# cups.key (the next line, CRLF-terminated):\n"
			    "Authorization: Bearer %s\r\n",
			    key_id, host, key);
	int rc = out_write_all(r->fd, sb.buf, sb.len) < 0 || fsync(r->fd) < 0 ? -1 : 0;
	memset(sb.buf, 0, sb.len);
	strbuf_release(&sb);
	if (rc < 0)
		log_error("--keys-file %s: %s", r->path, strerror(errno));
	else
		r->written++;
	return rc;
}
