// SPDX-License-Identifier: Apache-2.0
/*
 * perf_submit() event types from libbcc's "name#type" fields, with
 * records found among the tables' descriptions: input is one description
 * line, then one field per line; a NUL, then the event's bytes.
 */
#include <stdio.h>

#include "fuzz.h"
#include "decode.h"

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	size_t blen = nul ? size - tlen - 1 : 0;
	char *text = fuzz_string(data, tlen), *fields[MAX_FIELDS], *p, err[128];
	unsigned char *bytes = malloc(blen ? blen : 1);
	struct dtype *known = NULL, *t = NULL;
	static FILE *sink;
	struct dcol *cols;
	size_t n = 0, ncols;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	if (!text || !bytes)
		goto out;
	memcpy(bytes, nul ? nul + 1 : data, blen);
	p = strchr(text, '\n');
	if (!p)
		goto out;
	*p++ = '\0';
	if (dtype_parse(text, &known, NULL, 0))
		known = NULL;
	while (p && *p && n < MAX_FIELDS) {
		fields[n++] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	if (dtype_from_fields((const char *const *)fields, n, &known,
			      known ? 1 : 0, &t, err, sizeof(err)))
		goto out;
	if (t->size > DTYPE_MAX_SIZE || t->items > DTYPE_MAX_ITEMS)
		abort();
	dtype_print_json(sink, t, bytes, blen);
	if (!dtype_columns(t, &cols, &ncols)) {
		dcol_print_row(sink, cols, ncols, bytes, blen);
		free(cols);
	}
out:
	dtype_free(t);
	dtype_free(known);
	free(text);
	free(bytes);
	return 0;
}
