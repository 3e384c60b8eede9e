// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "internal.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACEFS "/sys/kernel/debug/tracing"

int bpfrun_tracefs(char *buf, size_t len)
{
	static const char *const dirs[] = { TRACEFS, DEBUGFS_TRACEFS };
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/trace_pipe", dirs[i]);
		if (!access(p, F_OK))
			goto found;
		/* mounted but closed to us: mounting again would not help */
		if (errno == EACCES) {
			pr_err("cannot reach tracefs at %s: %s (it is open to root only: run as root, e.g. with sudo)\n",
			       dirs[i], strerror(EACCES));
			return -EACCES;
		}
	}
	i = 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		pr_err("tracefs is not mounted and mounting it on %s failed: %s (run as root, or: mount -t tracefs nodev %s)\n",
		       TRACEFS, strerror(-err), TRACEFS);
		return err;
	}
	pr_info("mounted tracefs on %s\n", TRACEFS);
found:
	if ((size_t)snprintf(buf, len, "%s", dirs[i]) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int tracefs_path(const char *rel, char *buf, size_t len)
{
	char dir[PATH_MAX];
	int err = bpfrun_tracefs(dir, sizeof(dir));

	if (err)
		return err;
	if ((size_t)snprintf(buf, len, "%s/%s", dir, rel) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int tracepoint_id(const char *category, const char *name)
{
	char rel[PATH_MAX], p[PATH_MAX], buf[32];
	int err;

	snprintf(rel, sizeof(rel), "events/%s/%s/id", category, name);
	err = tracefs_path(rel, p, sizeof(p));
	if (err)
		return err;
	err = read_file(p, buf, sizeof(buf));
	if (err < 0)
		return err;
	return atoi(buf);
}
