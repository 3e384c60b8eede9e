// SPDX-License-Identifier: Apache-2.0
/*
 * How a host stops the library's waits. The library installs no signal
 * handler and keeps no stop flag: a wait (a compile, bpfrun_events_poll,
 * bpfrun_events_flush, bpfrun_trace_pipe_read) returns -EINTR when a
 * signal interrupts it, and, because a signal that comes just before the
 * wait begins would be missed, also when the host's cancel fd is readable:
 * the self-pipe trick, with the host's handler writing to an eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>

#include "internal.h"

static int cancel_fd = -1;

int bpfrun_set_cancel_fd(int fd)
{
	int old = cancel_fd;

	cancel_fd = fd >= 0 ? fd : -1;
	return old;
}

int cancel_fd_get(void)
{
	return cancel_fd;
}

bool cancel_requested(void)
{
	struct pollfd p = { .fd = cancel_fd, .events = POLLIN };

	return cancel_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
