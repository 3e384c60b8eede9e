// SPDX-License-Identifier: Apache-2.0
/*
 * Every message of the library goes through one print function, the
 * host's if it set one with bpfrun_set_print() (as libbpf_set_print()):
 * the library itself never writes to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int bpfrun_print_stderr(enum bpfrun_print_level level, const char *fmt,
			va_list ap)
{
	if (level == BPFRUN_OUTPUT)
		return vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s: %s", program_invocation_short_name,
		level == BPFRUN_WARN ? "warning: " : "");
	return vfprintf(stderr, fmt, ap);
}

/* Progress (info) is for hosts that ask for it with a print function. */
static int default_print(enum bpfrun_print_level level, const char *fmt,
			 va_list ap)
{
	if (level == BPFRUN_INFO)
		return 0;
	return bpfrun_print_stderr(level, fmt, ap);
}

static bpfrun_print_fn print_fn = default_print;

bpfrun_print_fn bpfrun_set_print(bpfrun_print_fn fn)
{
	bpfrun_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

void pr_level(enum bpfrun_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

void pr_warn_once(const char *fmt, ...)
{
	static const char *seen[16];
	va_list ap;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(seen) && seen[i]; i++)
		if (seen[i] == fmt)
			return;
	if (i < ARRAY_SIZE(seen))
		seen[i] = fmt;
	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(BPFRUN_WARN, fmt, ap);
	va_end(ap);
}
