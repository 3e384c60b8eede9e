// SPDX-License-Identifier: Apache-2.0
/*
 * The C scanner, on a program's text as the compile and the runner take
 * it: the names it defines and uses and its quoted includes (for the type
 * subset), and bpf_trace_printk()'s literal formats (for the runner).
 * Input: the text, not NUL-terminated (the scanner takes a length).
 */
#include "cscan.h"
#include "fuzz.h"

static int take(void *ctx, const char *lit)
{
	size_t *n = ctx;

	/* within the room it was given, and a string */
	if (lit && strlen(lit) >= 64)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnames c = { .uses = true };
	char *copy = malloc(size ? size : 1);
	size_t n = 0;
	int calls;

	if (!copy)
		return 0;
	/* exactly @size bytes: a read past them is ASan's to see */
	memcpy(copy, data, size);
	scan_c(&c, copy, size);
	cnames_sort(&c);
	cnames_free(&c);
	calls = scan_calls(copy, size, "bpf_trace_printk", 64, take, &n);
	if (calls < 0 || (size_t)calls != n)
		abort();
	free(copy);
	return 0;
}
