// SPDX-License-Identifier: Apache-2.0
/*
 * Images: what the compile's child hands back and what the cache stores,
 * read by image_decode() on every start. Nothing is loaded: decoding must
 * refuse what is malformed and never read past the bytes it was given.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_deps deps = { 0 };
	struct bpfrun *b = calloc(1, sizeof(*b));
	const char *changed;

	if (!b)
		return 0;
	if (!image_decode(b, &deps, data, size))
		deps_check(&deps, &changed);
	deps_free(&deps);
	bpfrun_close(b);
	return 0;
}
