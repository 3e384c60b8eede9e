// SPDX-License-Identifier: Apache-2.0
/*
 * libbcc's key/leaf descriptions come from the program compiled, and the
 * bytes from the kernel: input is DESCRIPTION, a NUL, then the value's
 * bytes (as few as the input holds: printing must stay inside them).
 */
#include <stdio.h>

#include "fuzz.h"
#include "decode.h"

static FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t dlen = nul ? (size_t)(nul - data) : size;
	size_t blen = nul ? size - dlen - 1 : 0;
	char *desc = fuzz_string(data, dlen), err[128];
	unsigned char *bytes = malloc(blen ? blen : 1);
	struct dtype *t = NULL, *c;
	struct dcol *cols;
	size_t ncols;

	if (!desc || !bytes)
		goto out;
	memcpy(bytes, nul ? nul + 1 : data, blen);
	if (dtype_parse(desc, &t, err, sizeof(err)))
		goto out;
	if (t->size > DTYPE_MAX_SIZE || t->items > DTYPE_MAX_ITEMS)
		abort();
	dtype_print_text(sink(), t, bytes, blen);
	dtype_print_json(sink(), t, bytes, blen);
	if (dtype_is_int(t) && t->size <= blen)
		(void)dtype_int(t, bytes);
	if (!dtype_columns(t, &cols, &ncols)) {
		dcol_print_header(sink(), cols, ncols);
		dcol_print_row(sink(), cols, ncols, bytes, blen);
		free(cols);
	}
	c = dtype_dup(t);
	if (c) {
		dtype_find_record(c, "x");
		dtype_free(c);
	}
out:
	dtype_free(t);
	free(desc);
	free(bytes);
	return 0;
}
