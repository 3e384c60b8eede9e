// SPDX-License-Identifier: Apache-2.0
/*
 * Histograms printed exactly as bcc's Python print_log2_hist() and
 * print_linear_hist() print them, so that ported tools and their users'
 * scripts see the same text.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define STARS_MAX 40
#define LOG2_SLOTS 65	/* slot i holds values of bit length i: 0..64 */

/*
 * floor(width * val / max) stars, at most @width. bcc computes the same
 * bound in floating point; exact integer arithmetic only differs where a
 * float would have rounded.
 */
static void print_stars(FILE *out, unsigned long long val,
			unsigned long long max, int width)
{
	unsigned __int128 n = (unsigned __int128)width * val / max;
	int i;

	if (n > (unsigned)width)
		n = width;
	for (i = 0; i < (int)n; i++)
		fputc('*', out);
	for (; i < width; i++)
		fputc(' ', out);
}

static void find_max(const unsigned long long *vals, size_t n, long *idx_max,
		     unsigned long long *val_max)
{
	size_t i;

	*idx_max = -1;
	*val_max = 0;
	for (i = 0; i < n; i++) {
		if (vals[i])
			*idx_max = i;
		if (vals[i] > *val_max)
			*val_max = vals[i];
	}
}

void bpfrun_print_log2_hist(FILE *out, const unsigned long long *vals,
			    size_t n, const char *val_type)
{
	unsigned long long val_max;
	int wide, stars;
	long idx_max, i;

	if (n > LOG2_SLOTS)
		n = LOG2_SLOTS;
	if (!val_type)
		val_type = "value";
	find_max(vals, n, &idx_max, &val_max);
	if (idx_max <= 0)
		return;
	wide = idx_max > 32;
	stars = wide ? STARS_MAX / 2 : STARS_MAX;
	if (wide)
		fprintf(out, "               %-29s : count     distribution\n",
			val_type);
	else
		fprintf(out, "     %-19s : count     distribution\n", val_type);
	for (i = 1; i <= idx_max; i++) {
		unsigned long long high = i == 64 ? ~0ULL : (1ULL << i) - 1;
		unsigned long long low = (high >> 1) + 1;

		if (low == high)
			low--;
		if (wide)
			fprintf(out, "%20llu -> %-20llu : %-8llu |", low, high,
				vals[i]);
		else
			fprintf(out, "%10llu -> %-10llu : %-8llu |", low, high,
				vals[i]);
		print_stars(out, vals[i], val_max, stars);
		fputs("|\n", out);
	}
}

void bpfrun_print_linear_hist(FILE *out, const unsigned long long *vals,
			      size_t n, const char *val_type)
{
	unsigned long long val_max;
	long idx_max, i;

	if (!val_type)
		val_type = "value";
	find_max(vals, n, &idx_max, &val_max);
	if (idx_max < 0)
		return;
	fprintf(out, "     %-13s : count     distribution\n", val_type);
	for (i = 0; i <= idx_max; i++) {
		fprintf(out, "        %-10ld : %-8llu |", i, vals[i]);
		print_stars(out, vals[i], val_max, STARS_MAX);
		fputs("|\n", out);
	}
}
