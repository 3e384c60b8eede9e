// SPDX-License-Identifier: Apache-2.0
/*
 * A host program that embeds libbpfrun as a user would: built against an
 * installed copy with `pkg-config --cflags --libs libbpfrun` alone. It routes
 * the library's messages through its own print function, runs a tracepoint
 * program end to end and checks the count it made. Usage: host PROGRAM.c N
 * Exits 0 when the program counted exactly N getppid() calls of this process,
 * the library left SIGINT and SIGTERM as they were, and a readable cancel fd
 * ended a compile with -EINTR.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpfrun.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
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

static int handlers_untouched(void)
{
	struct sigaction sa;
	int sigs[] = { SIGINT, SIGTERM }, i;

	for (i = 0; i < 2; i++)
		if (sigaction(sigs[i], NULL, &sa) || sa.sa_handler != SIG_DFL) {
			printf("host: the library changed the action of signal %d\n",
			       sigs[i]);
			return 0;
		}
	return 1;
}

/* A compile with the host's cancel fd already readable: -EINTR, no program. */
static int cancel_works(const char *path)
{
	BPFRUN_OPTS(bpfrun_opts, opts, .no_cache = true);
	struct bpfrun *b = NULL;
	uint64_t one = 1;
	int fd = eventfd(0, EFD_CLOEXEC), err;

	if (fd < 0 || write(fd, &one, sizeof(one)) != sizeof(one))
		return 0;
	bpfrun_set_cancel_fd(fd);
	err = bpfrun_open(&b, path, &opts);
	bpfrun_set_cancel_fd(-1);
	close(fd);
	if (err != -EINTR || b) {
		printf("host: a readable cancel fd did not end the compile: %d\n",
		       err);
		bpfrun_close(b);
		return 0;
	}
	return 1;
}

static int host_print(enum bpfrun_print_level level, const char *fmt,
		      va_list ap)
{
	nr_messages++;
	printf("host-log[%d]: ", level);
	return vprintf(fmt, ap);
}

int main(int argc, char **argv)
{
	BPFRUN_OPTS(bpfrun_opts, opts);
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
		struct bpfrun_opts unsized = { .no_cache = true };

		if (bpfrun_open(&b, argv[1], &unsized) != -EINVAL) {
			printf("host: options without .sz were accepted\n");
			return 1;
		}
	}
	if (!cancel_works(argv[1]))
		return 1;
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
	if (!handlers_untouched())
		return 1;
	return !err && count == (unsigned long long)n && nr_messages > 0 ? 0 : 1;
}
