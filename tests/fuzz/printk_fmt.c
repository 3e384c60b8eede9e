// SPDX-License-Identifier: Apache-2.0
/*
 * The printk format matcher: input is FORMAT, a NUL, then the line. On
 * short inputs its answer is compared with the backtracking matcher it
 * replaced (kept here as the oracle: exponential, so only where that
 * stays cheap); on any input it must answer within libFuzzer's -timeout.
 */
#include <ctype.h>
#include <stdbool.h>

#include "fuzz.h"
#include "printk_fmt.h"

#define ORACLE_FMT 10	/* bytes: at most 5 conversions */
#define ORACLE_LINE 14

/* The matcher bpfrun had until issue 11. */
static bool ref_match(const char *f, const char *s)
{
	while (*f) {
		char conv;
		size_t k, min;

		if (*f != '%' || f[1] == '%') {
			if (*f == '%')
				f++;
			if (*f++ != *s++)
				return false;
			continue;
		}
		f++;
		while (*f && strchr("-+ #0123456789.hlzjtLq", *f))
			f++;
		conv = *f ? *f++ : 's';
		min = conv == 's' ? 0 : 1;
		for (k = 0; s[k] && printk_fmt_in_class(conv, s[k]); k++)
			if (conv == 'c' && k == 1)
				break;
		for (; k + 1 > min; k--) {
			if (ref_match(f, s + k))
				return true;
			if (!k)
				break;
		}
		return false;
	}
	return !*s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t flen = nul ? (size_t)(nul - data) : size;
	char *fmt = fuzz_string(data, flen);
	char *line = fuzz_string(nul ? nul + 1 : data + size,
				 nul ? size - flen - 1 : 0);
	bool got;

	if (!fmt || !line)
		goto out;
	got = printk_fmt_match(fmt, line);
	if (flen <= ORACLE_FMT && strlen(line) <= ORACLE_LINE &&
	    got != ref_match(fmt, line))
		abort();
out:
	free(fmt);
	free(line);
	return 0;
}
