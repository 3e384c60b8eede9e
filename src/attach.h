/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the attach kinds (attach.c holds the table; attach_kprobe.c,
 * attach_uprobe.c and attach_perf.c the kinds that need more than a few
 * lines). Not part of the library's surface.
 */
#ifndef BPFRUN_ATTACH_H
#define BPFRUN_ATTACH_H

#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <regex.h>
#include <stdbool.h>

#include "internal.h"

/* What a caller asked of one attach beyond kind, function and target. */
struct attach_req {
	int pid;	/* 0: every process */
};

typedef int (*attach_fn)(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target,
			 const struct attach_req *req);

struct attach_kind {
	const char *name;
	const char *alias;	/* the short name of probe listings: "t" */
	/* the tracefs file that lists the kind's targets, one a line */
	const char *list;
	const char *prefix;	/* bcc's auto-attach prefix, if it has one */
	enum bpf_prog_type prog_type;
	const char *pmu;	/* perf PMU in /sys/bus/event_source/devices */
	int retprobe;
	attach_fn attach;
};
extern const struct attach_kind attach_kinds[BPFRUN_NR_KINDS];

int attach_kprobe(struct bpfrun *b, struct bpfrun_func *f,
		  enum bpfrun_kind kind, const char *target,
		  const struct attach_req *req);
int attach_uprobe(struct bpfrun *b, struct bpfrun_func *f,
		  enum bpfrun_kind kind, const char *target,
		  const struct attach_req *req);
int attach_perf_event(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpfrun_kind kind, const char *target,
		      const struct attach_req *req);
/* usdt.c: the uprobes of the USDT probes given at open */
int attach_usdt(struct bpfrun *b, struct bpfrun_func *f, enum bpfrun_kind kind,
		const char *target, const struct attach_req *req);
bool func_has_usdt(const struct bpfrun *b, const struct bpfrun_func *f);
/*
 * A binary as uprobes find it (a path, a library, a command), its absolute
 * path in @buf; *@how says where it was found. -ESRCH: no process @pid.
 */
int uprobe_resolve_binary(const char *name, int pid, char *buf, size_t len,
			  const char **how);
int attach_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpfrun_kind kind, const char *target,
		      const struct attach_req *req);

/* The type number of a PMU ("kprobe", "uprobe"), -ENOENT without it. */
int pmu_type(const char *pmu);
/* A probe event (sample period 1), on @pid or on every process. */
int perf_open(struct perf_event_attr *attr, int pid);
/* A kprobe or uprobe perf event: @name is a function or a path. */
int probe_open(const struct attach_kind *k, const char *name,
	       unsigned long long offset, int pid);
/* Point perf event @pfd at @prog_fd and enable it: a link, or -errno. */
int perf_attach(struct bpfrun *b, int pfd, int prog_fd, enum bpfrun_kind kind,
		struct bpfrun_func *f, const char *target);
/* Link a perf event to the program quietly; -errno, @pfd left open. */
int perf_set_bpf(int pfd, int prog_fd);

/*
 * "vfs_*", "/^vfs_.*$/": bcc's event_re= and sym_re= as a shell pattern or,
 * between slashes, an extended regular expression of the whole name.
 */
struct name_pattern {
	const char *glob;	/* NULL: a regex */
	regex_t re;
};
bool is_pattern(const char *t);
/* @what names the probe kind in the message for a bad regex. */
int pattern_init(struct name_pattern *p, const char *what, const char *t);
bool pattern_match(const struct name_pattern *p, const char *name);
void pattern_free(struct name_pattern *p);

#endif
