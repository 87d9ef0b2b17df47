/*
 * Shared bits of the libFuzzer targets (see fuzz/README.md). Each target is
 * one fuzz_*.c with LLVMFuzzerTestOneInput; `make fuzz` builds them with
 * clang -fsanitize=fuzzer,address,undefined in build-fuzz/.
 */
#ifndef TTNM_FUZZ_H
#define TTNM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of the input (embedded NULs shorten it, as a C
 * string from argv, an environment variable or a config value would be). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An invariant that does not hold is a bug like a crash: report and abort
 * so that libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
