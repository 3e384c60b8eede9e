// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun's side of the event benchmark: load bench/events.c, count what
 * arrives until SIGINT, print "received N lost M". With --no-read the
 * program is attached and nobody reads: the generator's baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"

static unsigned long long received;

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
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: evbench PROGRAM.c [--no-read]\n");
		return 2;
	}
	if (wk)
		o.wakeup_events = atoi(wk);
	bpfrun_handle_signals();
	err = bpfrun_open(&b, argv[1], &bo);
	if (!err && !no_read)
		err = bpfrun_events_open(b, "events", &o, &ev);
	if (!err)
		err = bpfrun_attach_auto(b) < 0;
	if (err)
		goto out;
	printf("ready\n");
	fflush(stdout);
	while (!bpfrun_stopped()) {
		if (no_read)
			pause();	/* until SIGINT: the program runs, unread */
		else if (bpfrun_events_poll(ev, 100) < 0)
			break;
	}
	if (ev)
		bpfrun_events_poll(ev, 0);
	printf("received %llu lost %llu\n", received,
	       ev ? bpfrun_events_lost(ev) : 0);
out:
	bpfrun_events_close(ev);
	bpfrun_close(b);
	return err ? 1 : 0;
}
