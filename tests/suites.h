/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SUITES_H
#define SUITES_H

#include <check.h>

Suite *make_kallsyms_suite(void);
Suite *make_trace_pipe_suite(void);
Suite *make_attach_suite(void);
Suite *make_attach_bcc_suite(void);
Suite *make_program_suite(void);
Suite *make_headers_suite(void);
Suite *make_btf_tree_suite(void);
Suite *make_image_suite(void);
Suite *make_store_suite(void);
Suite *make_hash_suite(void);
Suite *make_util_suite(void);
Suite *make_log_suite(void);
Suite *make_cscan_suite(void);
Suite *make_sbuf_suite(void);
Suite *make_btf_gen_suite(void);
Suite *make_values_suite(void);
Suite *make_stacks_suite(void);

#endif
