/* The Things Stack source's restore and identity ops (tts_restore.c), for
 * the table in tts.c. */
#ifndef TTNM_SOURCES_TTS_RESTORE_H
#define TTNM_SOURCES_TTS_RESTORE_H

#include "sources/source.h"

int tts_writer_open(const struct config *cfg, const char *app, struct src_writer **out,
		    struct src_err *err);
int tts_put_back(struct src_writer *w, const json_t *device, enum src_put how, struct src_err *err);
void tts_writer_close(struct src_writer *w);
int tts_identity(const struct config *cfg, json_t *into, struct src_err *err);

#endif
