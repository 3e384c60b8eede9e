// SPDX-License-Identifier: Apache-2.0
/*
 * burst N [wait]: N getppid() calls, a known burst for the root tests. With
 * "wait" it first reads a byte from stdin, so that a test can start it,
 * attach a tracer to its pid, and only then let it go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 0;
	char c;

	if (argc > 2 && !strcmp(argv[2], "wait") && read(0, &c, 1) != 1)
		return 1;
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
