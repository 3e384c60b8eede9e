// SPDX-License-Identifier: Apache-2.0
/*
 * USDT probes with arguments the tests know, made with systemtap's
 * <sys/sdt.h> as applications make them:
 *   args [SECONDS]  after SECONDS (time to attach with -p), 3 times each:
 *                   bpfrun:number(424242), bpfrun:text("bpfrun usdt
 *                   string"), bpfrun:negative(-31337LL, -7)
 *   sem SECONDS     for SECONDS, every 50 ms: fires bpfrun:guarded(the
 *                   semaphore's value) when the semaphore says a tracer
 *                   wants it, and prints "semaphore N" on each change
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

/* usdt_guarded.c: the probe with a semaphore (sdt.h's are per file) */
unsigned short guarded_semaphore(void);
void guarded_fire(unsigned short v);

static const char *volatile text = "bpfrun usdt string";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	/* on the stack, so that the argument is a register or stack slot */
	const char *volatile str = text;
	volatile long long big = -31337;
	volatile int number = 424242, small = -7;
	unsigned short seen = 0, v;
	double end;
	int i;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "args")) {
		if (argc > 2)
			usleep(atof(argv[2]) * 1e6);
		for (i = 0; i < 3; i++) {
			DTRACE_PROBE1(bpfrun, number, number);
			DTRACE_PROBE1(bpfrun, text, str);
			DTRACE_PROBE2(bpfrun, negative, big, small);
		}
	} else if (!strcmp(argv[1], "sem") && argc > 2) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		printf("semaphore 0\n");
		for (end = now() + atof(argv[2]); now() < end; usleep(50000)) {
			v = guarded_semaphore();
			if (v != seen)
				printf("semaphore %u\n", v);
			seen = v;
			if (v)
				guarded_fire(v);
		}
	} else {
		return 2;
	}
	return 0;
}
