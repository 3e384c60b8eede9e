// SPDX-License-Identifier: Apache-2.0
/* trace_pipe lines: any process can write one through trace_marker. */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfrun_trace_fields f;
	char *line = fuzz_string(data, size);
	volatile size_t n;

	if (!line)
		return 0;
	if (!bpfrun_trace_parse(line, &f)) {
		/* what callers then read: all of it must be in bounds */
		n = strlen(f.msg) + strlen(f.task) + strlen(f.flags);
		(void)n;
	}
	free(line);
	return 0;
}
