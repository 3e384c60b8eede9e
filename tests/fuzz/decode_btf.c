// SPDX-License-Identifier: Apache-2.0
/*
 * A program's BTF comes from the image the cache keeps on disk, its
 * event fields from libbcc and the bytes from the kernel: input is a u32
 * (little endian) N, N bytes of raw BTF, libbcc's fields separated by
 * '\n' up to a NUL, then the value's bytes. What btf__new() accepts is
 * turned into types (every id, up to a bound) and printed.
 */
#include <bpf/btf.h>
#include <stdio.h>

#include "fuzz.h"
#include "decode.h"

#define MAX_IDS 256
#define MAX_FIELDS 64

static FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

static void print(const struct dtype *t, const unsigned char *b, size_t n)
{
	struct dcol *cols;
	size_t ncols;

	if (t->size > DTYPE_MAX_SIZE || t->items > DTYPE_MAX_ITEMS)
		abort();
	dtype_print_text(sink(), t, b, n);
	dtype_print_json(sink(), t, b, n);
	if (!dtype_columns(t, &cols, &ncols)) {
		dcol_print_row(sink(), cols, ncols, b, n);
		free(cols);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *fields[MAX_FIELDS];
	struct btf *btf = NULL;
	unsigned char *bytes = NULL;
	char *text = NULL, *p, err[160];
	size_t blen = 0, nf = 0;
	const uint8_t *rest, *nul;
	struct dtype *t;
	uint32_t n, id, cnt;

	if (size < 4)
		return 0;
	memcpy(&n, data, 4);
	if (n > size - 4)
		return 0;
	rest = data + 4 + n;
	nul = memchr(rest, '\0', size - 4 - n);
	text = fuzz_string(rest, nul ? (size_t)(nul - rest) : size - 4 - n);
	if (nul) {
		blen = size - 4 - n - (nul - rest) - 1;
		bytes = malloc(blen ? blen : 1);
		if (bytes)
			memcpy(bytes, nul + 1, blen);
	} else {
		bytes = malloc(1);
	}
	if (!text || !bytes)
		goto out;
	btf = btf__new(data + 4, n);
	if (!btf)
		goto out;
	cnt = btf__type_cnt(btf);
	for (id = 0; id < cnt && id < MAX_IDS; id++) {
		if (dtype_from_btf(btf, id, &t, err, sizeof(err)))
			continue;
		print(t, bytes, blen);
		dtype_free(t);
	}
	for (p = text; nf < MAX_FIELDS; p++) {
		fields[nf++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p = '\0';
	}
	if (!dtype_btf_event(btf, fields, nf, &t, err, sizeof(err))) {
		print(t, bytes, blen);
		dtype_free(t);
	}
out:
	btf__free(btf);
	free(text);
	free(bytes);
	return 0;
}
