// SPDX-License-Identifier: Apache-2.0
/*
 * What the bcc compatibility tests trace, with values they can check:
 *   malloc       5 x malloc(424242), 4 x strlen() of a 31-byte string
 *   sleep-malloc N: the same after N seconds (time to attach with -p)
 *   threads      3 x pthread_create(worker)
 *   open         3 x openat() of a missing file (-ENOENT), 7 x openat()
 *                of a file with O_DIRECTORY (-ENOTDIR)
 *   spin N       a busy loop for N seconds
 *   writes COMM SIZE N [PIDFILE]
 *                as COMM (its comm), N x write() of SIZE bytes to
 *                /dev/null; its pid in PIDFILE first
 *   stack S      3 x chain_a() -> chain_b() -> chain_c(), which does
 *                malloc(171717), then S seconds of sleep (its stacks can
 *                still be named when the run ends)
 *   stack-wait F S  the same once file F exists, then F.done made
 *   deep N       leaf() reached through N distinct stacks (depths 1..N)
 * Built with frame pointers and without sibling calls, so that a user
 * stack shows every caller.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* volatile: the compiler may neither drop the calls nor fold them */
static void *volatile kept[5];
static const char *volatile str = "bpfrun bcc compatibility string";
volatile size_t total;

static __attribute__((noinline)) void allocate(void)
{
	int i;

	for (i = 0; i < 5; i++)
		kept[i] = malloc(424242);
	for (i = 0; i < 4; i++)
		total += strlen(str);
	for (i = 0; i < 5; i++)
		free(kept[i]);
}

/* noinline, and work after each call: no frame may be folded away */
__attribute__((noinline)) void chain_c(void)
{
	kept[0] = malloc(171717);
	free(kept[0]);
	total++;
}

__attribute__((noinline)) void chain_b(void)
{
	chain_c();
	total++;
}

__attribute__((noinline)) void chain_a(void)
{
	chain_b();
	total++;
}

__attribute__((noinline)) void leaf(void)
{
	total++;
}

static __attribute__((noinline)) void recurse(int depth)
{
	if (depth > 0)
		recurse(depth - 1);
	else
		leaf();
	total++;
}

static void *worker(void *arg)
{
	return arg;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pthread_t t[3];
	int i;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "malloc")) {
		allocate();
	} else if (!strcmp(argv[1], "sleep-malloc") && argc > 2) {
		sleep(atoi(argv[2]));
		allocate();
	} else if (!strcmp(argv[1], "threads")) {
		for (i = 0; i < 3; i++)
			if (pthread_create(&t[i], NULL, worker, NULL))
				return 1;
		for (i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
	} else if (!strcmp(argv[1], "open")) {
		for (i = 0; i < 3; i++)
			if (openat(AT_FDCWD, "/nonexistent/bpfrun-compat", O_RDONLY) >= 0)
				return 1;
		for (i = 0; i < 7; i++)
			if (openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_DIRECTORY) >= 0)
				return 1;
	} else if (!strcmp(argv[1], "stack") && argc > 2) {
		for (i = 0; i < 3; i++)
			chain_a();
		sleep(atoi(argv[2]));
	} else if (!strcmp(argv[1], "stack-wait") && argc > 3) {
		char done[4096];

		while (access(argv[2], F_OK))
			usleep(10000);
		for (i = 0; i < 3; i++)
			chain_a();
		snprintf(done, sizeof(done), "%s.done", argv[2]);
		if (close(open(done, O_CREAT | O_WRONLY, 0644)))
			return 1;
		sleep(atoi(argv[3]));
	} else if (!strcmp(argv[1], "deep") && argc > 2) {
		for (i = 0; i < atoi(argv[2]); i++)
			recurse(i);
	} else if (!strcmp(argv[1], "spin") && argc > 2) {
		double end = now() + atof(argv[2]);

		while (now() < end)
			total++;
	} else if (!strcmp(argv[1], "writes") && argc > 4) {
		static char buf[65536];
		size_t size = strtoul(argv[3], NULL, 10);
		int fd = open("/dev/null", O_WRONLY), n = atoi(argv[4]);
		FILE *pf;

		if (fd < 0 || size > sizeof(buf) ||
		    prctl(PR_SET_NAME, argv[2], 0, 0, 0))
			return 1;
		if (argc > 5) {
			pf = fopen(argv[5], "w");
			if (!pf || fprintf(pf, "%d\n", getpid()) < 0 || fclose(pf))
				return 1;
		}
		for (i = 0; i < n; i++)
			if (write(fd, buf, size) != (ssize_t)size)
				return 1;
		close(fd);
	} else {
		return 2;
	}
	return 0;
}
