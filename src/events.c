// SPDX-License-Identifier: Apache-2.0
/*
 * Perf and ring buffers. A wakeup per event costs the traced process ~7 µs
 * (KERNEL-NOTES), so perf buffers wake us when a quarter full (or every
 * wakeup_events records, if asked) and
 * every buffer is drained at least every drain_ms: a lone event still comes
 * through within drain_ms. Ring buffers cannot lose records silently (the
 * program's bpf_ringbuf_reserve() fails instead), so only perf buffers
 * report losses.
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_PAGES 64
#define DEFAULT_DRAIN_MS 100

struct ev_table {
	struct bpfrun_events *ev;
	const char *name;	/* owned by the struct bpfrun */
	struct perf_buffer *pb;	/* NULL for a ring buffer */
};

struct bpfrun_events {
	struct bpfrun_events_opts opts;
	struct ev_table *tables;
	size_t ntables;
	struct ring_buffer *rb;	/* every ring buffer table, one epoll */
	int epfd;
	unsigned long long lost;
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

static int deliver(struct ev_table *t, const void *data, size_t size)
{
	struct bpfrun_events *ev = t->ev;
	int r = 0;

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

		if (deliver(t, s->data, s->size) < 0)
			return LIBBPF_PERF_EVENT_ERROR;
		break;
	}
	case PERF_RECORD_LOST:
		count_lost(t, cpu, ((struct perf_lost *)h)->lost);
		break;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	int r = deliver(ctx, data, size);

	return r < 0 ? r : 0;
}

static int epoll_add(struct bpfrun_events *ev, int fd)
{
	struct epoll_event e = { .events = EPOLLIN };

	return epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
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
	return epoll_add(ev, perf_buffer__epoll_fd(t->pb));
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
			err = epoll_add(ev, ring_buffer__epoll_fd(ev->rb));
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
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *bt = &b->tables[i];
		struct ev_table *t = &ev->tables[ev->ntables];

		if (!is_output(bt) || (table && strcmp(bt->name, table)))
			continue;
		t->ev = ev;
		t->name = bt->name;
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

int bpfrun_events_poll(struct bpfrun_events *ev, int timeout_ms)
{
	long long end = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
	struct epoll_event e[8];
	int err;

	ev->delivered = 0;
	ev->err = 0;
	for (;;) {
		int slice = ev->opts.drain_ms;

		if (timeout_ms >= 0) {
			long long left = end - now_ms();

			if (left < slice)
				slice = left > 0 ? left : 0;
		}
		if (epoll_wait(ev->epfd, e, ARRAY_SIZE(e), slice) < 0 &&
		    errno != EINTR)
			return -errno;
		err = drain(ev);
		if (err)
			return err;
		if (ev->delivered || bpfrun_stopped())
			break;
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
	for (i = 0; i < ev->ntables; i++)
		perf_buffer__free(ev->tables[i].pb);
	ring_buffer__free(ev->rb);
	if (ev->epfd >= 0)
		close(ev->epfd);
	free(ev->tables);
	free(ev);
}
