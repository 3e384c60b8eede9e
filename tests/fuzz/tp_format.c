// SPDX-License-Identifier: Apache-2.0
/* Tracepoint format files (events/CATEGORY/NAME/format), read by -lv. */
#include "fuzz.h"
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct tp_format f;
	volatile size_t n = 0;
	size_t i;

	if (!text)
		return 0;
	if (!tp_format_parse(text, &f)) {
		n += strlen(f.name);
		for (i = 0; i < f.nfields; i++)
			n += strlen(f.fields[i].decl) +
			     strlen(f.fields[i].type) +
			     strlen(f.fields[i].name);
		tp_format_free(&f);
	}
	(void)n;
	free(text);
	return 0;
}
