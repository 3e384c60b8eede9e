// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun's side of the event benchmark: load bench/events.c, count what
 * arrives until SIGINT, print "received N lost M". With --no-read the
 * program is attached and nobody reads: the generator's baseline. With
 * --no-poll PAGES the buffers (PAGES per CPU) are open but read only after
 * SIGINT: what the kernel's writing of the events costs, with no reader.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bpfrun.h"

static unsigned long long received;
static volatile sig_atomic_t stop;
static int stop_fd;

/* the host's signal handling, as the library wants it: a cancel fd */
static void on_sigint(int sig)
{
	uint64_t one = 1;

	(void)sig;
	stop = 1;
	(void)!write(stop_fd, &one, sizeof(one));
}

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	received++;
	return 0;
}

int main(int argc, char **argv)
{
	BPFRUN_OPTS(bpfrun_events_opts, o, .on_event = on_event, .pages = 256);
	const char *wk = getenv("BENCH_WAKEUP");
	BPFRUN_OPTS(bpfrun_opts, bo);
	struct bpfrun_events *ev = NULL;
	struct bpfrun *b = NULL;
	int no_read = argc > 2 && !strcmp(argv[2], "--no-read");
	int no_poll = argc > 3 && !strcmp(argv[2], "--no-poll");
	int err;

	if (argc < 2 || (argc > 2 && !no_read && !no_poll)) {
		fprintf(stderr, "usage: evbench PROGRAM.c [--no-read | --no-poll PAGES]\n");
		return 2;
	}
	if (no_poll)
		o.pages = atoi(argv[3]);
	if (wk)
		o.wakeup_events = atoi(wk);
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	bpfrun_set_cancel_fd(stop_fd);
	signal(SIGINT, on_sigint);
	err = bpfrun_open(&b, argv[1], &bo);
	if (!err && !no_read)
		err = bpfrun_events_open(b, "events", &o, &ev);
	if (!err)
		err = bpfrun_attach_auto(b) < 0;
	if (err)
		goto out;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (no_read || no_poll)
			pause();	/* until SIGINT: the program runs, unread */
		else if (bpfrun_events_poll(ev, 100) < 0)
			break;
	}
	if (ev) {
		uint64_t n;

		(void)!read(stop_fd, &n, sizeof(n));	/* the flush may wait */
		bpfrun_detach(b);
		bpfrun_events_flush(ev);
	}
	printf("received %llu lost %llu\n", received,
	       ev ? bpfrun_events_lost(ev) : 0);
out:
	bpfrun_events_close(ev);
	bpfrun_close(b);
	return err ? 1 : 0;
}
