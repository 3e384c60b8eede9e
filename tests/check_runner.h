/* SPDX-License-Identifier: Apache-2.0 */
/* Suites of the runner's modules: events, histograms, decoding, printk formats. */
#ifndef CHECK_RUNNER_H
#define CHECK_RUNNER_H

#include <check.h>

Suite *make_hist_suite(void);
Suite *make_decode_suite(void);
Suite *make_decode_json_suite(void);
Suite *make_decode_btf_suite(void);
Suite *make_printk_fmt_suite(void);
Suite *make_prom_suite(void);

/* check_decode.c: @desc parsed, or the test fails; descriptions libbcc gave */
struct dtype *check_dtype(const char *desc);
extern const char nob_desc[], union_desc[], inner_desc[];

/* Read FIXTURES/@name into a malloc()ed string; NULL on error. */
char *fixture_read(const char *name);

#endif
