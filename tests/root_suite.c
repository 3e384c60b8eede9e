// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "root_suite.h"

int root_suite_run(Suite *s, const char *need)
{
	SRunner *sr;
	int failed;

	if (geteuid()) {
		printf("SKIP: needs root to load BPF programs\n");
		return 77;
	}
	if (need && access(need, R_OK)) {
		printf("SKIP: this kernel has no %s\n", need);
		return 77;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
