/* SPDX-License-Identifier: Apache-2.0 */
/* What every harness shares: libFuzzer's entry point, input as a string. */
#ifndef BPFRUN_FUZZ_H
#define BPFRUN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The parsers take C strings: the input with a NUL after it, in a buffer
 * of its own size so that ASan sees a read one past the end.
 */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
