// SPDX-License-Identifier: Apache-2.0
/*
 * Images: what the compile's child hands back and what the cache stores,
 * read by image_decode() on every start. Nothing is loaded: decoding must
 * refuse what is malformed and never read past the bytes it was given.
 * A decoded image's types then go where the runner takes them (its BTF,
 * its descriptions and fields: decode_prog.c).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "decode.h"
#include "internal.h"

static void types(const struct bpfrun *b)
{
	struct dtype *k, *v, *ev;
	struct dprog *d;
	size_t i;

	if (dprog_open(b, &d))
		return;
	for (i = 0; i < b->ntables; i++) {
		if (!dprog_map_types(d, i, &k, &v)) {
			if (k->size != b->tables[i].key_size ||
			    v->size != b->tables[i].leaf_size)
				abort();
			dtype_free(k);
			dtype_free(v);
		}
		if (!dprog_event_type(d, i, &ev, NULL, 0))
			dtype_free(ev);
	}
	dprog_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_deps deps = { 0 };
	struct bpfrun *b = calloc(1, sizeof(*b));
	const char *changed;

	if (!b)
		return 0;
	if (!image_decode(b, &deps, data, size)) {
		deps_check(&deps, &changed);
		types(b);
	}
	deps_free(&deps);
	bpfrun_close(b);
	return 0;
}
