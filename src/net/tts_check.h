/*
 * A sanity check of an end device as a The Things Stack server sent it: the
 * fields a migration relies on (identifiers, keys, session, MAC state
 * containers, versions, frequency plan) must have the JSON types TTS gives
 * them. A proxy or a broken server that answers 200 with something else
 * ("session": 5, "root_keys": "...") must stop the device before anything is
 * changed at the source, not be exported as if it were a device.
 */
#ifndef TTNM_NET_TTS_CHECK_H
#define TTNM_NET_TTS_CHECK_H

#include <jansson.h>
#include <stddef.h>

/* Returns 0, or -1 with the first bad field in err, e.g.
 * "session: a number where The Things Stack sends an object". Missing
 * fields and JSON null are fine (TTS omits unset fields). */
int tts_check_device_types(const json_t *dev, char *err, size_t errlen);

#endif
