/* SPDX-License-Identifier: Apache-2.0 */
/* For check programs that load BPF into the running kernel. */
#ifndef ROOT_SUITE_H
#define ROOT_SUITE_H

#include <check.h>

/*
 * Run @s and return the exit code for automake: 77 with a reason when not
 * root, or when @need (a path, may be NULL) cannot be read.
 */
int root_suite_run(Suite *s, const char *need);

#endif
