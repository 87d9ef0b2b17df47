/*
 * The frequency plans the emulator knows, their bands, and the MAC state the
 * Network Server generates for a session that arrives without one.
 *
 * Values follow TheThingsNetwork/lorawan-frequency-plans and the LoRaWAN
 * regional parameters; only what a default MAC state needs is kept. Bands
 * list the PHY versions The Things Stack defines for them (pkg/band/all.go),
 * as a bit mask over the PHYVersion enum numbers.
 */
#include "emu.h"

#include <stdio.h>
#include <string.h>

enum fp_kind {
	FP_CFLIST, /* EU-like: a few fixed channels plus the plan's extra ones */
	FP_MASK,   /* US/AU-like: 72 channels, a sub-band enabled */
};

struct emu_fp {
	const char *id;
	const char *band;
	enum fp_kind kind;
	int max_eirp;
	unsigned rx2_freq;
	int rx2_dr;
	unsigned ping_freq; /* also the beacon frequency; 0 = hopping */
	int ping_dr;
	int max_dr;	       /* CFLIST: DR range of every channel is 0..max_dr */
	unsigned chans[8];     /* CFLIST: uplink = downlink frequency */
	unsigned up125, up500; /* MASK: first 125 kHz and first 500 kHz channel */
	int dr500;	       /* MASK: DR of the 500 kHz channels */
	unsigned down_base;    /* MASK: first downlink channel, 600 kHz apart */
	int fsb;	       /* MASK: enabled sub-band, 1-based */
};

#define EU_CHANS                                                                                   \
	{                                                                                          \
		868100000, 868300000, 868500000, 867100000, 867300000, 867500000, 867700000,       \
		    867900000                                                                      \
	}

/* A plan with fixed channels (uplink = downlink); max DR 5 on every channel. */
#define CFLIST(id_, band_, eirp_, rx2f_, rx2dr_, ping_, pingdr_, ...)                              \
	{                                                                                          \
		.id = id_, .band = band_, .kind = FP_CFLIST, .max_eirp = eirp_, .rx2_freq = rx2f_, \
		.rx2_dr = rx2dr_, .ping_freq = ping_, .ping_dr = pingdr_, .max_dr = 5,             \
		.chans = __VA_ARGS__                                                               \
	}

/* A channel-mask plan: 64 + 8 channels, sub-band fsb_ enabled. */
#define MASK(id_, band_, maxdr_, up125_, up500_, dr500_, fsb_)                                     \
	{                                                                                          \
		.id = id_, .band = band_, .kind = FP_MASK, .max_eirp = 30, .rx2_freq = 923300000,  \
		.rx2_dr = 8, .ping_dr = 8, .max_dr = maxdr_, .up125 = up125_, .up500 = up500_,     \
		.dr500 = dr500_, .down_base = 923300000, .fsb = fsb_                               \
	}

static const struct emu_fp plans[] = {
    CFLIST("EU_863_870", "EU_863_870", 16, 869525000, 0, 869525000, 3, EU_CHANS),
    CFLIST("EU_863_870_TTN", "EU_863_870", 16, 869525000, 3, 869525000, 3, EU_CHANS),
    CFLIST("EU_863_870_ROAMING_DRAFT", "EU_863_870", 16, 869525000, 0, 869525000, 3, EU_CHANS),
    MASK("US_902_928_FSB_1", "US_902_928", 3, 902300000, 903000000, 4, 1),
    MASK("US_902_928_FSB_2", "US_902_928", 3, 902300000, 903000000, 4, 2),
    MASK("AU_915_928_FSB_1", "AU_915_928", 5, 915200000, 915900000, 6, 1),
    MASK("AU_915_928_FSB_2", "AU_915_928", 5, 915200000, 915900000, 6, 2),
    CFLIST(
	"AS_923", "AS_923", 16, 923200000, 2, 923400000, 3,
	{923200000, 923400000, 922200000, 922400000, 922600000, 922800000, 923000000, 922000000}),
    CFLIST(
	"AS_923_2", "AS_923_2", 16, 921400000, 2, 921600000, 3,
	{921400000, 921600000, 920400000, 920600000, 920800000, 921000000, 921200000, 920200000}),
    CFLIST(
	"AS_923_3", "AS_923_3", 16, 916600000, 2, 916800000, 3,
	{916600000, 916800000, 915600000, 915800000, 916000000, 916200000, 916400000, 915400000}),
    CFLIST("KR_920_923_TTN", "KR_920_923", 14, 921900000, 0, 923100000, 3,
	   {922100000, 922300000, 922500000, 922700000, 922900000, 923100000, 923300000}),
    CFLIST("IN_865_867", "IN_865_867", 30, 866550000, 2, 866550000, 4,
	   {865062500, 865402500, 865985000}),
    CFLIST("RU_864_870_TTN", "RU_864_870", 16, 869100000, 0, 869100000, 3,
	   {868900000, 869100000, 864100000, 864300000, 864500000, 864700000, 864900000}),
};

static const struct {
	const char *band;
	unsigned phys; /* bit n set: PHYVersion number n is defined for the band */
} bands[] = {
    {"EU_863_870", 0x1FFE}, {"US_902_928", 0x1FFE}, {"AU_915_928", 0x1FFC},
    {"AS_923", 0x1FF8},	    {"AS_923_2", 0x1E00},   {"AS_923_3", 0x1E00},
    {"KR_920_923", 0x1FF8}, {"IN_865_867", 0x1FF0}, {"RU_864_870", 0x1FE0},
};

const struct emu_fp *emu_fp_find(const char *id)
{
	for (size_t i = 0; id && i < sizeof plans / sizeof plans[0]; i++)
		if (strcmp(plans[i].id, id) == 0)
			return &plans[i];
	return NULL;
}

const char *emu_fp_band(const struct emu_fp *fp)
{
	return fp->band;
}

bool emu_band_has_phy(const char *band, int phy_number)
{
	for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
		if (strcmp(bands[i].band, band) == 0)
			return phy_number > 0 && phy_number < 32 &&
			       (bands[i].phys >> phy_number & 1u);
	return false;
}

static json_t *freq(unsigned hz)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%u", hz);
	return json_string(buf);
}

static json_t *channel(unsigned up, unsigned down, int min_dr, int max_dr, bool enabled)
{
	json_t *ch = json_object();
	json_object_set_new(ch, "uplink_frequency", freq(up));
	json_object_set_new(ch, "downlink_frequency", freq(down));
	if (min_dr)
		json_object_set_new(ch, "min_data_rate_index", json_integer(min_dr));
	if (max_dr)
		json_object_set_new(ch, "max_data_rate_index", json_integer(max_dr));
	if (enabled)
		json_object_set_new(ch, "enable_uplink", json_true());
	return ch;
}

static json_t *channels(const struct emu_fp *fp)
{
	json_t *a = json_array();
	if (fp->kind == FP_CFLIST) {
		for (size_t i = 0; i < 8 && fp->chans[i]; i++)
			json_array_append_new(
			    a, channel(fp->chans[i], fp->chans[i], 0, fp->max_dr, true));
		return a;
	}
	for (int i = 0; i < 72; i++) {
		unsigned down = fp->down_base + (unsigned)(i % 8) * 600000u;
		if (i < 64)
			json_array_append_new(a, channel(fp->up125 + (unsigned)i * 200000u, down, 0,
							 fp->max_dr, i / 8 == fp->fsb - 1));
		else
			json_array_append_new(a, channel(fp->up500 + (unsigned)(i - 64) * 1600000u,
							 down, fp->dr500, fp->dr500,
							 i - 64 == fp->fsb - 1));
	}
	return a;
}

json_t *emu_fp_mac_state(const struct emu_fp *fp, const char *mac_version, const json_t *settings)
{
	json_t *p = json_object();
	json_t *rx1 = json_object_get(settings, "rx1_delay");
	json_object_set_new(p, "max_eirp", json_integer(fp->max_eirp));
	json_object_set_new(p, "adr_nb_trans", json_integer(1));
	json_object_set_new(p, "rx1_delay",
			    json_is_integer(rx1) ? json_incref(rx1) : json_integer(1));
	if (fp->rx2_dr)
		json_object_set_new(p, "rx2_data_rate_index", json_integer(fp->rx2_dr));
	json_object_set_new(p, "rx2_frequency", freq(fp->rx2_freq));
	if (fp->ping_freq) {
		json_object_set_new(p, "ping_slot_frequency", freq(fp->ping_freq));
		json_object_set_new(p, "beacon_frequency", freq(fp->ping_freq));
	}
	json_object_set_new(p, "channels", channels(fp));
	json_object_set_new(p, "adr_ack_limit_exponent", json_string("ADR_ACK_LIMIT_64"));
	json_object_set_new(p, "adr_ack_delay_exponent", json_string("ADR_ACK_DELAY_32"));
	json_object_set_new(p, "ping_slot_data_rate_index_value", json_integer(fp->ping_dr));

	json_t *ms = json_object();
	json_object_set_new(ms, "current_parameters", p);
	json_object_set_new(ms, "desired_parameters", json_deep_copy(p));
	if (mac_version && *mac_version)
		json_object_set_new(ms, "lorawan_version", json_string(mac_version));
	return ms;
}
