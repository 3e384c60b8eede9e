// SPDX-License-Identifier: Apache-2.0
/*
 * Perf and ring buffers. A wakeup per event costs the traced process ~7 µs
 * (KERNEL-NOTES), so perf buffers wake us when a quarter full (or every
 * wakeup_events records, if asked) and
 * every buffer is drained at least every drain_ms: a lone event still comes
 * through within drain_ms. Ring buffers cannot lose records silently (the
 * program's bpf_ringbuf_reserve() fails instead), so only perf buffers
 * report losses.
 *
 * The end of a run (bpfrun_events_flush): the kernel writes a perf buffer's
 * PERF_RECORD_LOST only in front of that CPU's next sample, so the events
 * dropped while a buffer was full at the end would go unreported, and "read
 * until empty" cannot tell an idle buffer from a late writer. So the flush
 * writes a marker of its own into every buffer (a tiny raw tracepoint
 * program run by BPF_PROG_TEST_RUN on each CPU): the kernel puts the pending
 * lost count before it, and once every marker has been read, everything
 * written before the flush has been delivered.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_PAGES 64
#define DEFAULT_DRAIN_MS 100
#define MARKER_SIZE 16
/* how long the flush waits for its markers once the buffers are empty */
#define FLUSH_WAIT_MS 1000
/* the epoll tags: the buffers', and the host's cancel fd */
#define DATA_TAG 0
#define CANCEL_TAG 1
/* a flush of millions of events looks at the cancel fd this often */
#define CANCEL_CHECK_EVERY 4096

struct ev_table {
	struct bpfrun_events *ev;
	const char *name;	/* owned by the struct bpfrun */
	struct perf_buffer *pb;	/* NULL for a ring buffer */
	int map_fd;
	int marker_fd;		/* the flush's marker program, or -1 */
	int pending;		/* markers written, not read back yet */
	bool *marked;		/* perf buffer: per CPU, a marker is pending */
};

struct bpfrun_events {
	struct bpfrun_events_opts opts;
	struct ev_table *tables;
	size_t ntables;
	struct ring_buffer *rb;	/* every ring buffer table, one epoll */
	int epfd;
	unsigned long long lost;
	unsigned long long records;	/* samples and lost records read */
	unsigned long long unshown;	/* read after a stop during the flush */
	bool flushing;
	bool cancelled;		/* a stop request during the flush */
	unsigned char marker[MARKER_SIZE];
	int ncpus;
	int delivered;		/* during the current poll */
	int err;		/* a callback's error, returned by poll */
};

struct perf_sample {
	struct perf_event_header header;
	__u32 size;
	char data[];
};

struct perf_lost {
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

static void count_lost(struct ev_table *t, int cpu, unsigned long long n)
{
	struct bpfrun_events *ev = t->ev;

	ev->lost += n;
	if (ev->opts.on_lost)
		ev->opts.on_lost(ev->opts.ctx, t->name, cpu, n);
	else
		pr_warn("lost %llu events from %s on CPU %d\n", n, t->name,
			cpu);
}

/* Our marker (perf pads samples to 8 bytes): this buffer is read up to it. */
static bool take_marker(struct ev_table *t, int cpu, const void *data,
			size_t size)
{
	struct bpfrun_events *ev = t->ev;

	if (!t->pending || size < MARKER_SIZE || size > MARKER_SIZE + 8 ||
	    memcmp(data, ev->marker, MARKER_SIZE))
		return false;
	if (t->marked) {
		if (cpu < 0 || cpu >= ev->ncpus || !t->marked[cpu])
			return false;
		t->marked[cpu] = false;
	}
	t->pending--;
	return true;
}

static int deliver(struct ev_table *t, const void *data, size_t size)
{
	struct bpfrun_events *ev = t->ev;
	int r = 0;

	ev->records++;
	/* a stop request during the final drain: read on, show no more */
	if (ev->flushing && !ev->cancelled &&
	    !(ev->records % CANCEL_CHECK_EVERY) && cancel_requested())
		ev->cancelled = true;
	if (ev->flushing && ev->cancelled) {
		ev->unshown++;
		return 0;
	}
	ev->delivered++;
	if (ev->opts.on_event)
		r = ev->opts.on_event(ev->opts.ctx, t->name, data, size);
	if (r < 0 && !ev->err)
		ev->err = r;
	return r;
}

static enum bpf_perf_event_ret on_perf(void *ctx, int cpu,
				       struct perf_event_header *h)
{
	struct ev_table *t = ctx;

	switch (h->type) {
	case PERF_RECORD_SAMPLE: {
		struct perf_sample *s = (struct perf_sample *)h;

		if (take_marker(t, cpu, s->data, s->size))
			break;
		if (deliver(t, s->data, s->size) < 0)
			return LIBBPF_PERF_EVENT_ERROR;
		break;
	}
	case PERF_RECORD_LOST:
		t->ev->records++;
		count_lost(t, cpu, ((struct perf_lost *)h)->lost);
		break;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	int r;

	if (take_marker(ctx, -1, data, size))
		return 0;
	r = deliver(ctx, data, size);

	return r < 0 ? r : 0;
}

static int epoll_add(struct bpfrun_events *ev, int fd, __u64 tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

/* Wait up to @ms for data; -EINTR on a signal or the host's cancel fd. */
static int wait_ready(struct bpfrun_events *ev, int ms)
{
	struct epoll_event e[8];
	int i, n = epoll_wait(ev->epfd, e, ARRAY_SIZE(e), ms);

	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++)
		if (e[i].data.u64 == CANCEL_TAG)
			return -EINTR;
	return 0;
}

static int open_perf(struct bpfrun_events *ev, struct ev_table *t,
		     const struct bpfrun_table *bt)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
	};
	int err;

	/*
	 * By default wake when a quarter of the buffer is full, whatever the
	 * event size: few wakeups, room to spare while we drain, and the
	 * drain timer bounds the latency of a lone event.
	 */
	if (ev->opts.wakeup_events) {
		attr.wakeup_events = ev->opts.wakeup_events;
	} else {
		attr.watermark = 1;
		attr.wakeup_watermark = ev->opts.pages * getpagesize() / 4;
	}

	t->pb = perf_buffer__new_raw(bt->fd, ev->opts.pages, &attr, on_perf, t,
				     NULL);
	if (!t->pb) {
		err = -errno;
		pr_err("cannot open perf buffer %s: %s\n", bt->name,
		       strerror(-err));
		return err;
	}
	return epoll_add(ev, perf_buffer__epoll_fd(t->pb), DATA_TAG);
}

static int open_ring(struct bpfrun_events *ev, struct ev_table *t,
		     const struct bpfrun_table *bt)
{
	int err;

	if (!ev->rb) {
		ev->rb = ring_buffer__new(bt->fd, on_ring, t, NULL);
		if (!ev->rb)
			err = -errno;
		else
			err = epoll_add(ev, ring_buffer__epoll_fd(ev->rb), DATA_TAG);
	} else {
		err = ring_buffer__add(ev->rb, bt->fd, on_ring, t);
	}
	if (err)
		pr_err("cannot open ring buffer %s: %s\n", bt->name,
		       strerror(-err));
	return err;
}

static bool is_output(const struct bpfrun_table *t)
{
	return t->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
	       t->type == BPF_MAP_TYPE_RINGBUF;
}

int bpfrun_events_open(struct bpfrun *b, const char *table,
		       const struct bpfrun_events_opts *opts,
		       struct bpfrun_events **evp)
{
	struct bpfrun_events *ev;
	size_t i, n = 0;
	int err;

	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];

		if (table && strcmp(t->name, table))
			continue;
		if (table && !is_output(t)) {
			pr_err("%s: table %s is not a BPF_PERF_OUTPUT or BPF_RINGBUF_OUTPUT\n",
			       b->path, table);
			return -EINVAL;
		}
		n += is_output(t);
	}
	if (!n) {
		if (table)
			pr_err("%s: no table %s in the program\n", b->path,
			       table);
		else
			pr_err("%s: the program has no BPF_PERF_OUTPUT or BPF_RINGBUF_OUTPUT table\n",
			       b->path);
		return -ENOENT;
	}

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->epfd = -1;
	err = OPTS_COPY(&ev->opts, opts);
	if (err) {
		free(ev);
		return err;
	}
	ev->ncpus = libbpf_num_possible_cpus();
	if (ev->ncpus < 1)
		ev->ncpus = 1;
	if (getrandom(ev->marker, sizeof(ev->marker), 0) != sizeof(ev->marker))
		clock_gettime(CLOCK_MONOTONIC, (void *)ev->marker);
	if (!ev->opts.pages)
		ev->opts.pages = DEFAULT_PAGES;
	if (ev->opts.drain_ms <= 0)
		ev->opts.drain_ms = DEFAULT_DRAIN_MS;
	ev->tables = calloc(n, sizeof(*ev->tables));
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!ev->tables || ev->epfd < 0) {
		err = ev->tables ? -errno : -ENOMEM;
		goto err_close;
	}
	if (cancel_fd_get() >= 0) {
		err = epoll_add(ev, cancel_fd_get(), CANCEL_TAG);
		if (err)
			goto err_close;
	}
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *bt = &b->tables[i];
		struct ev_table *t = &ev->tables[ev->ntables];

		if (!is_output(bt) || (table && strcmp(bt->name, table)))
			continue;
		t->ev = ev;
		t->name = bt->name;
		t->map_fd = bt->fd;
		t->marker_fd = -1;
		ev->ntables++;
		if (bt->fd < 0) {
			pr_err("%s: table %s has no map\n", b->path, bt->name);
			err = -EBADF;
			goto err_close;
		}
		if (bt->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			err = open_perf(ev, t, bt);
		else
			err = open_ring(ev, t, bt);
		if (err)
			goto err_close;
		pr_info("reading %s %s\n",
			bt->type == BPF_MAP_TYPE_RINGBUF ? "ring buffer" :
							   "perf buffer",
			bt->name);
	}
	*evp = ev;
	return 0;

err_close:
	bpfrun_events_close(ev);
	return err;
}

/* Read every buffer, whether or not it has woken us. */
static int drain(struct bpfrun_events *ev)
{
	size_t i;
	int r;

	for (i = 0; i < ev->ntables && !ev->err; i++) {
		if (!ev->tables[i].pb)
			continue;
		r = perf_buffer__consume(ev->tables[i].pb);
		if (r < 0 && !ev->err)
			ev->err = r;
	}
	if (ev->rb && !ev->err) {
		r = ring_buffer__consume(ev->rb);
		if (r < 0 && !ev->err)
			ev->err = r;
	}
	return ev->err;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Drain until a pass reads nothing; with the producer stopped that is soon. */
static int drain_empty(struct bpfrun_events *ev, int max_passes)
{
	unsigned long long before;

	do {
		before = ev->records;
		if (drain(ev))
			return ev->err;
	} while (ev->records != before && --max_passes > 0);
	return 0;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define LD_IMM64(d, s, v) \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, s, 0, (__u32)(v)), \
	INSN(0, 0, 0, 0, (__u32)((__u64)(v) >> 32))

/*
 * The marker program: r0 = bpf_perf_event_output(ctx, map, CURRENT_CPU,
 * marker, 16), or bpf_ringbuf_output(map, marker, 16, 0) for a ring
 * buffer; the helper's result is the test run's retval.
 */
static int marker_load(struct bpfrun_events *ev, struct ev_table *t)
{
	__u64 m[2];
	struct bpf_insn insns[] = {
		LD_IMM64(BPF_REG_0, 0, 0),	/* m[0], patched below */
		INSN(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_0, -16, 0),
		LD_IMM64(BPF_REG_0, 0, 0),	/* m[1] */
		INSN(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_0, -8, 0),
		/* perf: r2 map, r3 flags, r4 data, r5 size (r1 is ctx) */
		LD_IMM64(BPF_REG_2, BPF_PSEUDO_MAP_FD, t->map_fd),
		INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, -1),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, -16),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_5, 0, 0, MARKER_SIZE),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct bpf_insn ring[] = {
		/* ring: r1 map, r2 data, r3 size, r4 flags */
		LD_IMM64(BPF_REG_1, BPF_PSEUDO_MAP_FD, t->map_fd),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -16),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, MARKER_SIZE),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	size_t n = ARRAY_SIZE(insns);
	int fd;

	memcpy(m, ev->marker, sizeof(m));
	insns[0].imm = (__u32)m[0];
	insns[1].imm = (__u32)(m[0] >> 32);
	insns[3].imm = (__u32)m[1];
	insns[4].imm = (__u32)(m[1] >> 32);
	if (!t->pb) {
		/* the same stores, then the ring buffer call */
		memcpy(&insns[6], ring, sizeof(ring));
		n = 6 + ARRAY_SIZE(ring);
	}
	/* bpf_perf_event_output is a GPL-only helper */
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bpfrun_flush", "GPL",
			   insns, n, NULL);
	return fd < 0 ? -errno : fd;
}

/* Write a marker into @t's buffer on @cpu; the helper's result or -errno. */
static int marker_write(struct ev_table *t, int cpu)
{
	__u64 ctx[1] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = ctx,
		    .ctx_size_in = sizeof(ctx));

	if (cpu >= 0) {
		o.flags = BPF_F_TEST_RUN_ON_CPU;
		o.cpu = cpu;
	}
	if (bpf_prog_test_run_opts(t->marker_fd, &o))
		return -errno;
	return (int)o.retval;
}

/*
 * Markers into every buffer of @t not marked yet. A full buffer (ENOSPC,
 * EAGAIN) is drained and tried again by the caller; a CPU with no buffer
 * (offline: ENXIO; no perf event in the map: ENOENT) needs none.
 * Returns how many are still to write, or -errno when markers cannot work.
 */
static int mark_table(struct bpfrun_events *ev, struct ev_table *t, bool *done)
{
	int cpu, r, left = 0;

	if (t->marker_fd < 0) {
		t->marker_fd = marker_load(ev, t);
		if (t->marker_fd < 0)
			return t->marker_fd;
	}
	for (cpu = t->pb ? 0 : -1; cpu < (t->pb ? ev->ncpus : 0); cpu++) {
		size_t slot = cpu < 0 ? 0 : cpu;

		if (done[slot])
			continue;
		if (t->marked)
			t->marked[slot] = true;
		t->pending++;
		r = marker_write(t, cpu);
		if (r == 0) {
			done[slot] = true;
			continue;
		}
		if (t->marked)
			t->marked[slot] = false;
		t->pending--;
		if (r == -ENOSPC || r == -EAGAIN) {
			left++;
		} else if (r == -ENXIO || r == -ENOENT || r == -ENODEV ||
			   r == -EOPNOTSUPP) {
			done[slot] = true;
		} else {
			return r;
		}
	}
	return left;
}

int bpfrun_events_flush(struct bpfrun_events *ev)
{
	long long end;
	bool *done = NULL;
	size_t i;
	int r, tries, left, err = 0;
	bool markers = true;

	if (!ev)
		return 0;
	ev->err = 0;
	ev->delivered = 0;
	ev->flushing = true;
	ev->cancelled = false;
	/* room for the markers; bounded in case the producer still runs */
	err = drain_empty(ev, 64);
	for (i = 0; i < ev->ntables && !err && markers; i++) {
		struct ev_table *t = &ev->tables[i];

		free(done);
		done = calloc(ev->ncpus, sizeof(*done));
		if (t->pb && !t->marked)
			t->marked = calloc(ev->ncpus, sizeof(*t->marked));
		if (!done || (t->pb && !t->marked)) {
			err = -ENOMEM;
			break;
		}
		for (tries = 0; tries < 16; tries++) {
			left = mark_table(ev, t, done);
			if (left <= 0)
				break;
			err = drain_empty(ev, 4);
			if (err)
				break;
		}
		if (left < 0) {
			pr_info("no end markers in %s (%s): draining until empty\n",
				t->name, strerror(-left));
			markers = false;
		}
	}
	free(done);
	/* until every marker is back, and what came with it */
	end = now_ms() + FLUSH_WAIT_MS;
	while (!err && now_ms() < end) {
		int w;

		left = 0;
		for (i = 0; i < ev->ntables; i++)
			left += ev->tables[i].pending;
		if (!left)
			break;
		w = wait_ready(ev, 10);
		if (w == -EINTR)
			ev->cancelled = true;
		else if (w) {
			err = w;
			break;
		}
		err = drain(ev);
	}
	if (!err)
		err = drain_empty(ev, 64);
	if (ev->unshown)
		pr_warn("interrupted: %llu events read at the end were not shown\n",
			ev->unshown);
	for (i = 0; i < ev->ntables; i++) {
		struct ev_table *t = &ev->tables[i];

		if (t->pending)
			pr_warn("%s: %d end markers did not come back: events written just before the end may be missing\n",
				t->name, t->pending);
		t->pending = 0;
		if (t->marked)
			memset(t->marked, 0, ev->ncpus * sizeof(*t->marked));
	}
	ev->flushing = false;
	r = ev->delivered;
	return err ? err : r;
}

int bpfrun_events_poll(struct bpfrun_events *ev, int timeout_ms)
{
	long long end = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
	int err, w;

	ev->delivered = 0;
	ev->err = 0;
	for (;;) {
		int slice = ev->opts.drain_ms;

		if (timeout_ms >= 0) {
			long long left = end - now_ms();

			if (left < slice)
				slice = left > 0 ? left : 0;
		}
		w = wait_ready(ev, slice);
		if (w && w != -EINTR)
			return w;
		err = drain(ev);
		if (err)
			return err;
		if (ev->delivered)
			break;
		if (w)
			return w;
		if (timeout_ms >= 0 && now_ms() >= end)
			break;
	}
	return ev->delivered;
}

unsigned long long bpfrun_events_lost(const struct bpfrun_events *ev)
{
	return ev ? ev->lost : 0;
}

void bpfrun_events_close(struct bpfrun_events *ev)
{
	size_t i;

	if (!ev)
		return;
	for (i = 0; i < ev->ntables; i++) {
		perf_buffer__free(ev->tables[i].pb);
		if (ev->tables[i].marker_fd >= 0)
			close(ev->tables[i].marker_fd);
		free(ev->tables[i].marked);
	}
	ring_buffer__free(ev->rb);
	if (ev->epfd >= 0)
		close(ev->epfd);
	free(ev->tables);
	free(ev);
}
