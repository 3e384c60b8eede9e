// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int bpfrun_verbose;

static void vpr(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", program_invocation_short_name, level);
	vfprintf(stderr, fmt, ap);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr("", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr("warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	if (!bpfrun_verbose)
		return;
	va_start(ap, fmt);
	vpr("", fmt, ap);
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
	va_start(ap, fmt);
	vpr("warning: ", fmt, ap);
	va_end(ap);
}
