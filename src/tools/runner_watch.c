// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun --watch: the files a program's compile read (the source and every
 * header it included), watched with inotify. Directories are watched, not
 * the files: an editor that saves by writing a new file and renaming it
 * over the old one replaces the inode a file watch would follow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

struct watched {
	int wd;			/* its directory's watch */
	char *name;		/* the file's name in it */
};

struct watch {
	int fd;
	struct watched *files;
	size_t nfiles;
};

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)
/* an editor's save is a burst of events: they count once */
#define SETTLE_MS 100

int watch_open(struct watch **wp)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	*wp = w;
	return 0;
}

static int watch_add(struct watch *w, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct watched *f;
	int wd;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	wd = inotify_add_watch(w->fd, dir[0] ? dir : "/", WATCH_MASK);
	if (wd < 0)
		return 0;	/* libbcc's virtual headers: nothing to watch */
	f = realloc(w->files, (w->nfiles + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	w->files = f;
	f[w->nfiles].wd = wd;
	f[w->nfiles].name = strdup(slash + 1);
	if (!f[w->nfiles].name)
		return -ENOMEM;
	w->nfiles++;
	return 0;
}

static void watch_clear(struct watch *w)
{
	size_t i;

	/* a directory's watch is one for all its files: removed once */
	for (i = 0; i < w->nfiles; i++) {
		inotify_rm_watch(w->fd, w->files[i].wd);
		free(w->files[i].name);
	}
	free(w->files);
	w->files = NULL;
	w->nfiles = 0;
}

int watch_set(struct watch *w, const struct bpfrun *b, const char *path)
{
	char abs[PATH_MAX];
	const char *dep;
	size_t i;
	int err;

	if (!realpath(path, abs))
		return -errno;
	if (!b && w->nfiles)
		return 0;	/* a failed compile: keep what the last one read */
	watch_clear(w);
	err = watch_add(w, abs);
	for (i = 0; !err && b && (dep = bpfrun_dependency(b, i)); i++)
		err = watch_add(w, dep);
	return err;
}

/* Read what inotify has: did a watched file change? */
static bool drain(struct watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		char *p;

		for (p = buf; p < buf + n;) {
			const struct inotify_event *e = (void *)p;
			size_t i;

			for (i = 0; e->len && i < w->nfiles; i++)
				if (w->files[i].wd == e->wd &&
				    !strcmp(w->files[i].name, e->name))
					changed = true;
			p += sizeof(*e) + e->len;
		}
	}
	return changed;
}

bool watch_changed(struct watch *w)
{
	struct timespec settle = { 0, SETTLE_MS * 1000000L };

	if (!drain(w))
		return false;
	nanosleep(&settle, NULL);
	drain(w);
	return true;
}

int watch_wait(struct watch *w)
{
	struct pollfd p[2] = {
		{ .fd = w->fd, .events = POLLIN },
		{ .fd = tool_stop_fd(), .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (tool_stopped())
			return -EINTR;
		if ((p[0].revents & POLLIN) && watch_changed(w))
			return 0;
	}
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	watch_clear(w);
	close(w->fd);
	free(w);
}
