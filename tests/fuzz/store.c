// SPDX-License-Identifier: Apache-2.0
/*
 * Store entries as they lie on disk. The key is taken from the entry
 * itself so that inputs get past the key check to the hash and lengths.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const void *buf;
	size_t len, klen;
	char *key;

	klen = size >= 76 ? (data[72] | data[73] << 8) : 0;
	key = fuzz_string(size >= 76 + klen ? data + 76 : data,
			  size >= 76 + klen ? klen : 0);
	if (!key)
		return 0;
	if (!store_decode(key, data, size, &buf, &len) &&
	    (const uint8_t *)buf + len != data + size)
		abort();	/* the payload must end where the entry does */
	free(key);
	return 0;
}
