/*
 * Configuration values as users give them (flags, environment): the whole
 * input as one string through every value parser (tts_base_url, EUI/DevAddr/
 * key normalisers, base64, lw_prefix_parse, lw_netid_parse, ids_valid,
 * opt_parse_bool, lw_time_parse, the version names), with round-trip and
 * range invariants; then the input split at newlines as an argv through
 * args_split() and cfg_build().
 */
#include "fuzz.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <strings.h>

#include "cli/args.h"
#include "cli/options.h"
#include "core/ids.h"
#include "core/lorawan.h"
#include "net/tts_api.h"
#include "ui/log.h"

static bool upper_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static void values(const char *s, bool insecure)
{
	char err[512];
	char *url = tts_base_url(s, insecure, err, sizeof err);
	if (url) {
		size_t n = strlen(url);
		bool https = strncmp(url, "https://", 8) == 0;
		FUZZ_ASSERT(https || strncmp(url, "http://", 7) == 0);
		FUZZ_ASSERT(n >= 7 && strcmp(url + n - 7, "/api/v3") == 0);
		FUZZ_ASSERT(!strpbrk(url, " \t\r\n@"));
		if (!https && !insecure) {
			/* plain http only to loopback: localhost, [::1], 127.x.y.z */
			const char *h = url + 7;
			size_t hl = strcspn(h, ":/?#");
			char ip[16] = "";
			struct in_addr a;
			if (hl < sizeof ip)
				memcpy(ip, h, hl);
			FUZZ_ASSERT(
			    (hl == 9 && strncasecmp(h, "localhost", 9) == 0) ||
			    strncmp(h, "[::1]", 5) == 0 ||
			    (strncmp(ip, "127.", 4) == 0 && inet_pton(AF_INET, ip, &a) == 1));
		}
		free(url);
	} else {
		FUZZ_ASSERT(err[0]);
	}

	static const size_t sizes[] = {1, LW_NETID_LEN, LW_DEVADDR_LEN, LW_EUI_LEN, LW_KEY_LEN, 32,
				       33};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		char out[2 * 33 + 1], again[2 * 33 + 1];
		if (lw_hex_normalize(s, sizes[i], out) == 0) {
			FUZZ_ASSERT(sizes[i] <= 32 && upper_hex(out, 2 * sizes[i]));
			FUZZ_ASSERT(lw_hex_normalize(out, sizes[i], again) == 0);
			FUZZ_ASSERT(strcmp(out, again) == 0);
		} else {
			FUZZ_ASSERT(out[0] == '\0');
		}
	}
	char eui[17], addr[9], key[33];
	(void)lw_eui_normalize(s, eui);
	(void)lw_devaddr_normalize(s, addr);
	(void)lw_key_normalize(s, key);
	(void)lw_is_zero_hex(s);

	unsigned char bin[64], bin2[64];
	size_t blen = 0, blen2 = 0;
	if (lw_base64_decode(s, bin, sizeof bin, &blen) == 0) {
		char enc[4 * 22 + 1];
		FUZZ_ASSERT(blen <= sizeof bin);
		FUZZ_ASSERT(lw_base64_encode(bin, blen, enc, sizeof enc) == 0);
		FUZZ_ASSERT(lw_base64_decode(enc, bin2, sizeof bin2, &blen2) == 0);
		FUZZ_ASSERT(blen == blen2 && memcmp(bin, bin2, blen) == 0);
	}

	uint32_t prefix = 0, netid = 0;
	int bits = -1;
	if (lw_prefix_parse(s, &prefix, &bits) == 0) {
		FUZZ_ASSERT(bits >= 0 && bits <= 32);
		FUZZ_ASSERT(lw_devaddr_in_prefix(prefix, prefix, bits));
		if (bits < 32)
			FUZZ_ASSERT((prefix & (UINT32_MAX >> bits)) == 0);
	}
	if (lw_netid_parse(s, &netid) == 0) {
		FUZZ_ASSERT(netid <= 0xFFFFFF);
		FUZZ_ASSERT(lw_devaddr_prefix_of_netid(netid, &prefix, &bits) == 0);
		int type = lw_netid_type(netid);
		FUZZ_ASSERT(type >= 0 && type <= 7);
		/* The NetID's block is made of DevAddrs of its type and NwkID. */
		FUZZ_ASSERT(lw_devaddr_netid_type(prefix) == type);
		FUZZ_ASSERT(lw_devaddr_nwkid(prefix) == lw_netid_nwkid(netid));
	}
	if (strlen(s) >= 4) {
		uint32_t a;
		memcpy(&a, s, 4);
		(void)lw_devaddr_netid_type(a);
		(void)lw_devaddr_nwkid(a);
	}

	bool valid = ids_valid(s);
	if (valid)
		FUZZ_ASSERT(strlen(s) >= 3 && strlen(s) <= IDS_MAX_LEN);
	(void)ids_blocklisted(s);

	int b = opt_parse_bool(s);
	FUZZ_ASSERT(b >= -1 && b <= 1);

	int64_t sec;
	uint32_t nsec;
	if (lw_time_parse(s, &sec, &nsec) == 0) {
		FUZZ_ASSERT(nsec < 1000000000u);
		FUZZ_ASSERT(lw_time_cmp(s, s) == 0);
		FUZZ_ASSERT(lw_time_cmp(NULL, s) < 0 && lw_time_cmp(s, NULL) > 0);
	}

	const char *mac = lw_mac_version_canonical(s), *phy = lw_phy_version_canonical(s);
	if (mac)
		FUZZ_ASSERT(lw_mac_version_canonical(mac) == mac);
	if (phy)
		FUZZ_ASSERT(lw_phy_version_canonical(phy) == phy);
	FUZZ_ASSERT((lw_mac_version_number(s) >= 0) == (mac != NULL));
	FUZZ_ASSERT((lw_phy_version_number(s) >= 0) == (phy != NULL));
	(void)lw_mac_phy_pair_valid(s, "RP002_V1_0_3");
	(void)lw_mac_phy_pair_valid("MAC_V1_0_4", s);
}

/* The input's lines as an argv (after a program name), parsed as the tool
 * does for `tts device`: every known scope, the tts one bare. */
static void command_line(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size);
	char *argv[66] = {"ttn-lw-migrate"};
	int argc = 1;
	for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && argc < 65;
	     t = strtok_r(NULL, "\n", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	struct args a;
	struct config cfg = {0};
	char err[512];
	if (args_split(argc, argv, &a, err, sizeof err) == 0) {
		struct opt_scope scopes[16];
		size_t n = opt_known_scopes(scopes, 16);
		if (n > 0)
			scopes[0].bare = true;
		if (cfg_build(&a, scopes, n, &cfg, err, sizeof err) == 0) {
			for (size_t i = 0; i < cfg.nvals; i++) {
				const struct opt_value *v = &cfg.vals[i];
				const char *sv = cfg_str(&cfg, v->scope, v->desc->name);
				(void)cfg_bool(&cfg, v->scope, v->desc->name);
				(void)cfg_int(&cfg, v->scope, v->desc->name, -1);
				if (sv && v->desc->type == OPT_BOOL)
					FUZZ_ASSERT(opt_parse_bool(sv) >= 0);
			}
		} else {
			FUZZ_ASSERT(err[0]);
		}
		int present;
		(void)args_flag(&a, "help", &present);
		cfg_free(&cfg);
	} else {
		FUZZ_ASSERT(err[0]);
	}
	args_free(&a);
	log_clear_secrets();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	values(s, size & 1);
	/* The same bytes with the first and last removed (shifts alignment of
	 * the structured parsers). */
	if (strlen(s) > 2) {
		s[strlen(s) - 1] = '\0';
		values(s + 1, !(size & 1));
	}
	free(s);
	command_line(data, size);
	return 0;
}
