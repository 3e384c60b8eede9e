// SPDX-License-Identifier: Apache-2.0
/*
 * A host program that embeds libbpfrun as a user would: built against an
 * installed copy with `pkg-config --cflags --libs libbpfrun` alone. It routes
 * the library's messages through its own print function, runs a tracepoint
 * program end to end and checks the count it made. Usage: host PROGRAM.c N
 * Exits 0 when the program counted exactly N getppid() calls of this process.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpfrun.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* the library's own pr_err must not be this one, nor call it */
void pr_err(const char *fmt, ...)
{
	(void)fmt;
	fprintf(stdout, "host: the library called the host's pr_err\n");
	exit(3);
}

static int nr_messages;

static int host_print(enum bpfrun_print_level level, const char *fmt,
		      va_list ap)
{
	nr_messages++;
	printf("host-log[%d]: ", level);
	return vprintf(fmt, ap);
}

int main(int argc, char **argv)
{
	BPFRUN_OPTS(bpfrun_opts, opts, .verbose = 1);
	struct bpfrun *b = NULL;
	unsigned long long count = 0;
	unsigned int key = 0;
	int fd, i, n, err;

	if (argc != 3)
		return 2;
	n = atoi(argv[2]);
	bpfrun_set_print(host_print);
	/* options without their size are refused, not misread */
	{
		struct bpfrun_opts unsized = { .verbose = 1 };

		if (bpfrun_open(&b, argv[1], &unsized) != -EINVAL) {
			printf("host: options without .sz were accepted\n");
			return 1;
		}
	}
	err = bpfrun_open(&b, argv[1], &opts);
	if (!err)
		err = bpfrun_attach_auto(b) == 1 ? 0 : -1;
	if (err) {
		printf("host: cannot run %s: %d\n", argv[1], err);
		bpfrun_close(b);
		return 1;
	}
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	fd = bpfrun_table_fd(b, "counts");
	err = bpf_map_lookup_elem(fd, &key, &count);
	bpfrun_close(b);
	printf("host: counted %llu of %d, %d messages, table fd %d\n", count, n,
	       nr_messages, fd);
	return !err && count == (unsigned long long)n && nr_messages > 0 ? 0 : 1;
}
