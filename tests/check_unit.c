// SPDX-License-Identifier: Apache-2.0
/* The unit tests: every suite of tests/check_*.c in one runner. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(make_kallsyms_suite());
	int failed;

	srunner_add_suite(sr, make_trace_pipe_suite());
	srunner_add_suite(sr, make_attach_suite());
	srunner_add_suite(sr, make_attach_bcc_suite());
	srunner_add_suite(sr, make_program_suite());
	srunner_add_suite(sr, make_headers_suite());
	srunner_add_suite(sr, make_btf_tree_suite());
	srunner_add_suite(sr, make_image_suite());
	srunner_add_suite(sr, make_store_suite());
	srunner_add_suite(sr, make_hash_suite());
	srunner_add_suite(sr, make_util_suite());
	srunner_add_suite(sr, make_log_suite());
	srunner_add_suite(sr, make_cscan_suite());
	srunner_add_suite(sr, make_sbuf_suite());
	srunner_add_suite(sr, make_btf_gen_suite());
	srunner_add_suite(sr, make_values_suite());
	srunner_add_suite(sr, make_stacks_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
