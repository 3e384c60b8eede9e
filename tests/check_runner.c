// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the runner's library modules, one suite per module. */
#include <stdio.h>
#include <stdlib.h>

#include "check_runner.h"

char *fixture_read(const char *name)
{
	char path[4096], *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

int main(void)
{
	SRunner *sr = srunner_create(make_hist_suite());
	int failed;

	srunner_add_suite(sr, make_decode_suite());
	srunner_add_suite(sr, make_decode_json_suite());
	srunner_add_suite(sr, make_decode_btf_suite());
	srunner_add_suite(sr, make_printk_fmt_suite());
	srunner_add_suite(sr, make_prom_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
