// SPDX-License-Identifier: Apache-2.0
/*
 * The event buffers on the real kernel (run by tests/root/runner_events.test
 * as root): a lone event arrives within drain_ms although wakeups are
 * batched; a burst arrives complete and in order from a perf buffer and a
 * ring buffer at once; a perf buffer too small to keep up reports exactly
 * what it lost; the final flush brings out the losses the kernel had not
 * written yet; a callback's error ends the poll. Prints a line per check
 * and exits 1 at the first failure.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpfrun.h"

static const char program[] =
	"struct ev_t {\n"
	"	u32 pid;\n"
	"	u32 seq;\n"
	"	u64 ts;\n"
	"	char comm[16];\n"
	"};\n"
	"BPF_PERF_OUTPUT(perf_events);\n"
	"BPF_RINGBUF_OUTPUT(ring_events, 1 << 10);\n"
	"BPF_ARRAY(state, u64, 2); /* 0: next seq, 1: ring drops */\n"
	"TRACEPOINT_PROBE(syscalls, sys_enter_getppid)\n"
	"{\n"
	"	struct ev_t e = {};\n"
	"	int k0 = 0, k1 = 1;\n"
	"	u64 *seq, *drops;\n"
	"\n"
	"	if ((bpf_get_current_pid_tgid() >> 32) != TEST_PID)\n"
	"		return 0;\n"
	"	seq = state.lookup(&k0);\n"
	"	drops = state.lookup(&k1);\n"
	"	if (!seq || !drops)\n"
	"		return 0;\n"
	"	e.pid = TEST_PID;\n"
	"	e.seq = __sync_fetch_and_add(seq, 1);\n"
	"	e.ts = bpf_ktime_get_ns();\n"
	"	bpf_get_current_comm(e.comm, sizeof(e.comm));\n"
	"	perf_events.perf_submit(args, &e, sizeof(e));\n"
	"	if (ring_events.ringbuf_output(&e, sizeof(e), 0))\n"
	"		__sync_fetch_and_add(drops, 1);\n"
	"	return 0;\n"
	"}\n";

struct ev_t {
	unsigned pid, seq;
	unsigned long long ts;
	char comm[16];
};

struct counts {
	unsigned long long perf, ring, lost, lost_calls;
	unsigned next_perf, next_ring;	/* expected seq */
	int out_of_order, bad;
	int fail_with;
};

#define FAIL(...)                                      \
	do {                                           \
		printf("FAIL: " __VA_ARGS__);          \
		putchar('\n');                         \
		exit(1);                               \
	} while (0)

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	struct counts *c = ctx;
	struct ev_t e;

	if (c->fail_with)
		return c->fail_with;
	if (size < sizeof(e)) {
		c->bad++;
		return 0;
	}
	memcpy(&e, data, sizeof(e));
	if (e.pid != (unsigned)getpid() || strcmp(e.comm, "runner_events"))
		c->bad++;
	if (!strcmp(table, "perf_events")) {
		c->perf++;
		if (e.seq < c->next_perf)
			c->out_of_order++;
		c->next_perf = e.seq + 1;
	} else if (!strcmp(table, "ring_events")) {
		if (e.seq != c->next_ring)
			c->out_of_order++;
		c->next_ring = e.seq + 1;
		c->ring++;
	} else {
		c->bad++;
	}
	return 0;
}

static void on_lost(void *ctx, const char *table, int cpu,
		    unsigned long long n)
{
	struct counts *c = ctx;

	c->lost += n;
	c->lost_calls++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void reset(struct bpfrun *b, struct counts *c)
{
	unsigned long long zero = 0;
	int k, fd = bpfrun_table_fd(b, "state");

	for (k = 0; k < 2; k++)
		bpf_map_update_elem(fd, &k, &zero, BPF_ANY);
	memset(c, 0, sizeof(*c));
}

static unsigned long long ring_drops(struct bpfrun *b)
{
	unsigned long long v = 0;
	int k = 1;

	bpf_map_lookup_elem(bpfrun_table_fd(b, "state"), &k, &v);
	return v;
}

#define BURST 200000

/*
 * The kernel writes a perf buffer's lost record only before that CPU's next
 * sample: one more event on every CPU brings out the last losses. Returns
 * how many events it made.
 */
static int flush_lost(void)
{
	cpu_set_t old, one;
	int cpu, n = 0;

	sched_getaffinity(0, sizeof(old), &old);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &old))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		syscall(SYS_getppid);
		n++;
	}
	sched_setaffinity(0, sizeof(old), &old);
	return n;
}

static void *burst(void *arg)
{
	cpu_set_t set, one;
	long i;
	int cpu;

	/*
	 * On one CPU: perf buffers are per CPU, so a burst that moved to
	 * another would be read out of order by design, not by a fault.
	 */
	sched_getaffinity(0, sizeof(set), &set);
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (i = 0; i < BURST; i++)
		syscall(SYS_getppid);
	*(int *)arg = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/runner_events.XXXXXX.c", def[64];
	const char *cflags[] = { def };
	BPFRUN_OPTS(bpfrun_opts, opts, .cflags = cflags, .ncflags = 1);
	BPFRUN_OPTS(bpfrun_events_opts, eo, .drain_ms = 100,
		    .on_event = on_event, .on_lost = on_lost);
	struct bpfrun_events *ev = NULL;
	struct bpfrun *b = NULL;
	struct counts c;
	volatile int done = 0;
	pthread_t th;
	double t0, t;
	int fd, n, err, extra;

	snprintf(def, sizeof(def), "-DTEST_PID=%d", getpid());
	fd = mkstemps(path, 2);
	if (fd < 0 || write(fd, program, strlen(program)) != (ssize_t)strlen(program))
		FAIL("cannot write %s", path);
	close(fd);
	err = bpfrun_open(&b, path, &opts);
	unlink(path);
	if (err)
		FAIL("compile: %s", strerror(-err));
	if (bpfrun_attach_auto(b) != 1)
		FAIL("attach");
	eo.ctx = &c;

	/* no output table of that name, and a table that is not one */
	if (bpfrun_events_open(b, "nosuch", &eo, &ev) != -ENOENT)
		FAIL("open of a missing table did not say ENOENT");
	if (bpfrun_events_open(b, "state", &eo, &ev) != -EINVAL)
		FAIL("open of an array as events did not say EINVAL");
	printf("PASS: bad table names refused\n");

	/* one lone event: batched wakeups must not hold it back */
	/*
	 * one lone event in a perf buffer that wakes us every 64 events: the
	 * drain must bring it within drain_ms (a ring buffer would wake us)
	 */
	reset(b, &c);
	if (bpfrun_events_open(b, "perf_events", &eo, &ev))
		FAIL("events_open");
	t0 = now();
	syscall(SYS_getppid);
	while (c.perf < 1 && now() - t0 < 2)
		bpfrun_events_poll(ev, 1000);
	t = now() - t0;
	if (c.perf != 1 || c.bad)
		FAIL("lone event: perf %llu bad %d", c.perf, c.bad);
	if (t > 0.1 + 0.1)
		FAIL("lone event took %.0f ms with drain_ms 100", t * 1000);
	printf("PASS: a lone event came through in %.0f ms (drain_ms 100), pid and comm right\n",
	       t * 1000);
	bpfrun_events_close(ev);
	if (bpfrun_events_open(b, NULL, &eo, &ev))
		FAIL("events_open");
	/* a poll with nothing to read times out on time and returns 0 */
	while (bpfrun_events_poll(ev, 0) > 0)	/* the ring's copy */
		;
	t0 = now();
	n = bpfrun_events_poll(ev, 250);
	t = now() - t0;
	if (n != 0 || t < 0.24 || t > 0.5)
		FAIL("empty poll returned %d after %.0f ms", n, t * 1000);
	printf("PASS: an empty poll(250) returned 0 after %.0f ms\n", t * 1000);

	/* a burst, read while it is made */
	reset(b, &c);
	t0 = now();
	pthread_create(&th, NULL, burst, (void *)&done);
	while (!done || (c.perf + c.lost < BURST && now() - t0 < 20) ||
	       (c.ring + ring_drops(b) < BURST && now() - t0 < 20))
		if (bpfrun_events_poll(ev, 200) < 0)
			FAIL("poll error");
	pthread_join(th, NULL);
	t = now() - t0;
	extra = flush_lost();
	while (bpfrun_events_poll(ev, 300) > 0)
		;
	if (c.perf + c.lost != (unsigned long long)(BURST + extra) || c.lost != bpfrun_events_lost(ev))
		FAIL("burst: perf %llu + lost %llu != %d + %d (events_lost %llu)",
		     c.perf, c.lost, BURST, extra, bpfrun_events_lost(ev));
	if (c.ring + ring_drops(b) != (unsigned long long)(BURST + extra))
		FAIL("burst: ring %llu + drops %llu != %d + %d", c.ring,
		     ring_drops(b), BURST, extra);
	if (c.bad || c.out_of_order)
		FAIL("burst: %d bad, %d out of order", c.bad, c.out_of_order);
	printf("PASS: burst of %d in %.2f s: perf %llu (+%llu lost), ring %llu (+%llu dropped), in order\n",
	       BURST, t, c.perf, c.lost, c.ring, ring_drops(b));
	bpfrun_events_close(ev);
	ev = NULL;

	/* a one-page perf buffer nobody reads: losses counted exactly */
	reset(b, &c);
	eo.pages = 1;
	if (bpfrun_events_open(b, "perf_events", &eo, &ev))
		FAIL("events_open perf_events");
	for (n = 0; n < 5000; n++)
		syscall(SYS_getppid);
	while (bpfrun_events_poll(ev, 300) > 0)
		;
	extra = flush_lost();
	while (bpfrun_events_poll(ev, 300) > 0)
		;
	if (!c.lost || c.perf + c.lost != (unsigned long long)(5000 + extra) || c.ring)
		FAIL("small buffer: perf %llu lost %llu ring %llu", c.perf,
		     c.lost, c.ring);
	printf("PASS: one-page buffer: %llu received + %llu lost (in %llu reports) = 5000 + %d\n",
	       c.perf, c.lost, c.lost_calls, extra);

	/*
	 * the final drain: what a full buffer lost at the very end is counted
	 * by the kernel but written only before a later event; the flush
	 * brings it out with no event of ours, and reads the ring buffer whole
	 */
	bpfrun_events_close(ev);
	if (bpfrun_events_open(b, NULL, &eo, &ev))
		FAIL("events_open");
	while (bpfrun_events_poll(ev, 0) > 0)	/* the ring's from before */
		;
	reset(b, &c);
	for (n = 0; n < 5000; n++)
		syscall(SYS_getppid);
	n = bpfrun_events_flush(ev);
	if (n < 0 || !c.lost || c.perf + c.lost != 5000 ||
	    c.ring + ring_drops(b) != 5000 || c.bad || c.out_of_order)
		FAIL("flush: returned %d, perf %llu lost %llu, ring %llu + %llu dropped, bad %d, out of order %d",
		     n, c.perf, c.lost, c.ring, ring_drops(b), c.bad,
		     c.out_of_order);
	if (bpfrun_events_flush(ev) != 0 || bpfrun_events_poll(ev, 0) != 0)
		FAIL("flush: events left after the flush");
	printf("PASS: flush of a one-page buffer: %llu received + %llu lost = 5000; ring %llu + %llu dropped = 5000; nothing left\n",
	       c.perf, c.lost, c.ring, ring_drops(b));

	/* a callback's error ends the poll with that error */
	c.fail_with = -ECANCELED;
	syscall(SYS_getppid);
	n = bpfrun_events_poll(ev, 1000);
	if (n != -ECANCELED)
		FAIL("callback error: poll returned %d", n);
	printf("PASS: a callback's error is poll's result\n");

	bpfrun_events_close(ev);
	bpfrun_close(b);
	return 0;
}
