// SPDX-License-Identifier: Apache-2.0
/*
 * The attach kinds. Every attachment is a perf event or raw tracepoint fd:
 * nothing is written to kprobe_events or uprobe_events, so closing the fd (or
 * the process dying) is the whole detach and nothing can be left behind.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "decode.h"

typedef int (*attach_fn)(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target);

static int attach_kprobe(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target);
static int attach_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
			     enum bpfrun_kind kind, const char *target);
static int attach_raw_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
				 enum bpfrun_kind kind, const char *target);
static int attach_uprobe(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target);

static const struct attach_kind {
	const char *name;
	const char *alias;	/* the short name of probe listings: "t" */
	/* the tracefs file that lists the kind's targets, one a line */
	const char *list;
	const char *prefix;	/* bcc's auto-attach prefix, if it has one */
	enum bpf_prog_type prog_type;
	const char *pmu;	/* perf PMU in /sys/bus/event_source/devices */
	int retprobe;
	attach_fn attach;
} kinds[BPFRUN_NR_KINDS] = {
	[BPFRUN_KPROBE] = { "kprobe", "k", "available_filter_functions",
			    "kprobe__", BPF_PROG_TYPE_KPROBE, "kprobe", 0,
			    attach_kprobe },
	[BPFRUN_KRETPROBE] = { "kretprobe", NULL, NULL, "kretprobe__",
			       BPF_PROG_TYPE_KPROBE, "kprobe", 1,
			       attach_kprobe },
	[BPFRUN_TRACEPOINT] = { "tracepoint", "t", "available_events",
				"tracepoint__", BPF_PROG_TYPE_TRACEPOINT, NULL,
				0, attach_tracepoint },
	[BPFRUN_RAW_TRACEPOINT] = { "raw_tracepoint", NULL, NULL,
				    "raw_tracepoint__",
				    BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, 0,
				    attach_raw_tracepoint },
	[BPFRUN_UPROBE] = { "uprobe", NULL, NULL, NULL, BPF_PROG_TYPE_KPROBE,
			    "uprobe", 0, attach_uprobe },
	[BPFRUN_URETPROBE] = { "uretprobe", NULL, NULL, NULL,
			       BPF_PROG_TYPE_KPROBE, "uprobe", 1,
			       attach_uprobe },
};

/* "t:sys*" -> "tracepoint:sys*": the kinds' short names. */
static const char *probe_unalias(const char *p, char *buf, size_t len)
{
	size_t i, n;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		if (!kinds[i].alias)
			continue;
		n = strlen(kinds[i].alias);
		if (!strncmp(p, kinds[i].alias, n) && p[n] == ':') {
			snprintf(buf, len, "%s%s", kinds[i].name, p + n);
			return buf;
		}
	}
	return p;
}

static int list_kind(const struct attach_kind *k, const char *dir,
		     const char *glob, bpfrun_probe_fn fn, void *ctx)
{
	char path[PATH_MAX + 64], line[512], full[600];
	int n = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, k->list);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_err("cannot read %s: %s\n", path, strerror(-err));
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		/* "func [module]" in available_filter_functions */
		line[strcspn(line, " \n")] = '\0';
		snprintf(full, sizeof(full), "%s:%s", k->name, line);
		if (glob && fnmatch(glob, full, 0))
			continue;
		err = fn(ctx, full);
		n++;
	}
	fclose(f);
	return err < 0 ? err : n;
}

int bpfrun_list_probes(const char *glob, bpfrun_probe_fn fn, void *ctx)
{
	char dir[PATH_MAX], gbuf[512], pmu[PATH_MAX];
	int err, n = 0, i;

	if (glob)
		glob = probe_unalias(glob, gbuf, sizeof(gbuf));
	err = bpfrun_tracefs(dir, sizeof(dir));
	if (err)
		return err;
	/* tracepoints first, as bpftrace -l lists them */
	for (i = BPFRUN_NR_KINDS - 1; i >= 0; i--) {
		const struct attach_kind *k = &kinds[i];

		if (!k->list)
			continue;
		snprintf(pmu, sizeof(pmu), "/sys/bus/event_source/devices/%s",
			 k->pmu ? k->pmu : "");
		if (k->pmu && access(pmu, F_OK))
			continue;	/* the kernel has no such probes */
		err = list_kind(k, dir, glob, fn, ctx);
		if (err < 0)
			return err;
		n += err;
	}
	return n;
}

int bpfrun_probe_fields(const char *probe, bpfrun_probe_fn fn, void *ctx)
{
	const char *prefix = kinds[BPFRUN_TRACEPOINT].name, *p, *name;
	char buf[512], cat[256];
	struct tp_format fmt;
	size_t i;
	int err = 0;

	p = probe_unalias(probe, buf, sizeof(buf));
	if (!strncmp(p, prefix, strlen(prefix)) && p[strlen(prefix)] == ':')
		p += strlen(prefix) + 1;
	name = strchr(p, ':');
	if (!name || name == p || !name[1] || strchr(name + 1, ':') ||
	    (size_t)(name - p) >= sizeof(cat)) {
		pr_err("the fields of a probe are known for tracepoints: tracepoint:CATEGORY:NAME, not %s\n",
		       probe);
		return -EINVAL;
	}
	snprintf(cat, sizeof(cat), "%.*s", (int)(name - p), p);
	name++;
	err = tp_format_read(cat, name, &fmt);
	if (err) {
		pr_err("no tracepoint %s:%s on this kernel\n", cat, name);
		return err;
	}
	for (i = 0; i < fmt.nfields && err >= 0; i++)
		err = fn(ctx, fmt.fields[i].decl);
	tp_format_free(&fmt);
	return err < 0 ? err : (int)i;
}

const char *bpfrun_kind_name(enum bpfrun_kind kind)
{
	return kind < BPFRUN_NR_KINDS ? kinds[kind].name : "?";
}

int bpfrun_kind_by_name(const char *name, enum bpfrun_kind *kind)
{
	int i;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		if (!strcmp(kinds[i].name, name)) {
			*kind = i;
			return 0;
		}
	}
	return -ENOENT;
}

int bpfrun_prefix_parse(const char *func, enum bpfrun_kind *kind,
			char *target, size_t len)
{
	const char *rest, *sep;
	int i;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		const char *p = kinds[i].prefix;

		if (!p || strncmp(func, p, strlen(p)))
			continue;
		rest = func + strlen(p);
		if (!*rest)
			return -EINVAL;
		*kind = i;
		if (i != BPFRUN_TRACEPOINT) {
			if ((size_t)snprintf(target, len, "%s", rest) >= len)
				return -ENAMETOOLONG;
			return 0;
		}
		/* tracepoint__CATEGORY__NAME; the category has no "__" */
		sep = strstr(rest, "__");
		if (!sep || sep == rest || !sep[2])
			return -EINVAL;
		if ((size_t)snprintf(target, len, "%.*s:%s", (int)(sep - rest),
				     rest, sep + 2) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

static int pmu_type(const char *pmu)
{
	char p[PATH_MAX], buf[32];
	int err;

	snprintf(p, sizeof(p), "/sys/bus/event_source/devices/%s/type", pmu);
	err = read_file(p, buf, sizeof(buf));
	return err < 0 ? err : atoi(buf);
}

/* The config bit that makes a probe a return probe: "config:0". */
static int pmu_retprobe_bit(const char *pmu)
{
	char p[PATH_MAX], buf[32];
	int err;

	snprintf(p, sizeof(p),
		 "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	err = read_file(p, buf, sizeof(buf));
	if (err < 0)
		return err;
	return strncmp(buf, "config:", 7) ? -EINVAL : atoi(buf + 7);
}

static int perf_open(struct perf_event_attr *attr, int pid)
{
	attr->size = sizeof(*attr);
	attr->sample_period = 1;
	attr->wakeup_events = 1;
	/* pid -1 needs a cpu; the program runs on every cpu regardless */
	return syscall(__NR_perf_event_open, attr, pid, pid == -1 ? 0 : -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static int perf_attach(struct bpfrun *b, int pfd, int prog_fd,
		       enum bpfrun_kind kind, struct bpfrun_func *f,
		       const char *target)
{
	int err;

	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		err = -errno;
		close(pfd);
		pr_err("cannot attach %s to %s %s: %s\n", f->name,
		       kinds[kind].name, target, strerror(-err));
		return err;
	}
	return link_add(b, pfd, kind, f->name, target);
}

static int probe_open(const struct attach_kind *k, const char *name,
		      unsigned long long offset, int pid)
{
	struct perf_event_attr attr = { 0 };
	int type = pmu_type(k->pmu), bit = 0;

	if (type < 0)
		return type;
	if (k->retprobe) {
		bit = pmu_retprobe_bit(k->pmu);
		if (bit < 0)
			return bit;
		attr.config = 1ULL << bit;
	}
	attr.type = type;
	attr.config1 = (unsigned long long)(unsigned long)name;	/* fn or path */
	attr.config2 = offset;
	return perf_open(&attr, pid);
}

/* "__x64_sys_execve" -> "execve" when that is a syscall with a tracepoint. */
static int syscall_of_symbol(const char *sym, char *name, size_t len)
{
	const char *sc = syscall_name(sym);
	char rel[PATH_MAX], p[PATH_MAX];

	if (!sc)
		return -ENOENT;
	snprintf(name, len, "%s", sc);
	snprintf(rel, sizeof(rel), "events/syscalls/sys_enter_%s", name);
	return !tracefs_path(rel, p, sizeof(p)) && is_dir(p) ? 0 : -ENOENT;
}

/* Without kprobes, a kprobe on a syscall's function can be its tracepoint. */
static int kprobe_fallback(struct bpfrun *b, struct bpfrun_func *f,
			   const char *sym)
{
	char sc[128], tp[160];
	int prog_fd, id, pfd;
	struct perf_event_attr attr = { 0 };

	if (syscall_of_symbol(sym, sc, sizeof(sc)))
		return -ENOENT;
	snprintf(tp, sizeof(tp), "syscalls:sys_enter_%s", sc);
	if (func_reads_ctx(f)) {
		pr_err("cannot attach kprobe %s: kprobes are not available on this kernel (CONFIG_KPROBES is off), and %s reads its pt_regs, which tracepoint %s does not provide; rewrite it as TRACEPOINT_PROBE(syscalls, sys_enter_%s)\n",
		       sym, f->name, tp, sc);
		return -EOPNOTSUPP;
	}
	id = tracepoint_id("syscalls", tp + strlen("syscalls:"));
	if (id < 0)
		return id;
	prog_fd = func_load(b, f, BPF_PROG_TYPE_TRACEPOINT);
	if (prog_fd < 0)
		return prog_fd;
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	pfd = perf_open(&attr, -1);
	if (pfd < 0)
		return -errno;
	pr_err("kprobes are not available on this kernel (CONFIG_KPROBES is off): attaching %s to tracepoint %s instead of kprobe %s\n",
	       f->name, tp, sym);
	return perf_attach(b, pfd, prog_fd, BPFRUN_TRACEPOINT, f, tp);
}

static void explain_missing_symbol(const char *kind, const char *sym)
{
	char real[128];

	pr_err("cannot attach %s, probe entry may not exist: there is no kernel function %s (not in /proc/kallsyms)\n",
	       kind, sym);
	/* a syscall's own name: say what it is called in this kernel */
	if (!syscall_symbol(NULL, sym, real, sizeof(real)))
		pr_err("%s is a system call: its kernel function here is %s (what get_syscall_fnname(\"%s\") returns); or trace it with tracepoint syscalls:sys_enter_%s\n",
		       sym, real, sym, sym);
}

/*
 * /proc/kallsyms takes ~25 ms to read, so it is read only to explain a
 * failure, or to tell a missing symbol from missing kprobes.
 */
static int attach_kprobe(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target)
{
	const struct attach_kind *k = &kinds[kind];
	unsigned long long addr;
	int prog_fd, pfd, err;

	if (pmu_type(k->pmu) < 0) {
		if (kind == BPFRUN_KPROBE) {
			err = kprobe_fallback(b, f, target);
			if (err != -ENOENT)
				return err;
		}
		if (ksym_lookup(NULL, target, &addr)) {
			explain_missing_symbol(k->name, target);
			return -ENOENT;
		}
		pr_err("cannot attach %s %s: kprobes are not available on this kernel (CONFIG_KPROBES is off); use a tracepoint instead (syscalls:sys_enter_*/sys_exit_* for system calls)\n",
		       k->name, target);
		return -EOPNOTSUPP;
	}
	prog_fd = func_load(b, f, k->prog_type);
	if (prog_fd < 0)
		return prog_fd;
	pfd = probe_open(k, target, 0, -1);
	if (pfd < 0) {
		err = -errno;
		if (ksym_lookup(NULL, target, &addr)) {
			explain_missing_symbol(k->name, target);
			return -ENOENT;
		}
		pr_err("cannot attach %s %s: %s (the function may be inlined, or marked notrace)\n",
		       k->name, target, strerror(-err));
		return err;
	}
	return perf_attach(b, pfd, prog_fd, kind, f, target);
}

static int attach_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
			     enum bpfrun_kind kind, const char *target)
{
	struct perf_event_attr attr = { 0 };
	const char *colon = strchr(target, ':');
	char cat[128];
	int id, prog_fd, pfd;

	if (!colon || colon == target || !colon[1] ||
	    colon - target >= (long)sizeof(cat)) {
		pr_err("tracepoint %s: expected CATEGORY:NAME\n", target);
		return -EINVAL;
	}
	snprintf(cat, sizeof(cat), "%.*s", (int)(colon - target), target);
	id = tracepoint_id(cat, colon + 1);
	if (id == -ENOENT) {
		pr_err("cannot attach %s: there is no tracepoint %s on this kernel (see available_events in tracefs)\n",
		       f->name, target);
		return id;
	}
	if (id < 0)
		return id;
	prog_fd = func_load(b, f, kinds[kind].prog_type);
	if (prog_fd < 0)
		return prog_fd;
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	pfd = perf_open(&attr, -1);
	if (pfd < 0) {
		pr_err("cannot open tracepoint %s: %s\n", target,
		       strerror(errno));
		return -errno;
	}
	return perf_attach(b, pfd, prog_fd, kind, f, target);
}

static int attach_raw_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
				 enum bpfrun_kind kind, const char *target)
{
	int prog_fd, fd;

	prog_fd = func_load(b, f, kinds[kind].prog_type);
	if (prog_fd < 0)
		return prog_fd;
	fd = bpf_raw_tracepoint_open(target, prog_fd);
	if (fd < 0) {
		pr_err("cannot attach %s to raw tracepoint %s: %s\n", f->name,
		       target,
		       fd == -ENOENT ? "no such tracepoint" : strerror(-fd));
		return fd;
	}
	return link_add(b, fd, kind, f->name, target);
}

/* "BINARY:SYMBOL"; a BINARY without '/' is looked up in $PATH. */
static int resolve_binary(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int err = -ENOENT;

	if (strchr(name, '/'))
		return realpath(name, buf) ? 0 : -errno;
	dirs = strdup(path ? path : "/usr/bin:/bin");
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir && err;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/%s", dir, name);
		if (!access(buf, X_OK))
			err = 0;
	}
	free(dirs);
	return err;
}

static int attach_uprobe(struct bpfrun *b, struct bpfrun_func *f,
			 enum bpfrun_kind kind, const char *target)
{
	const struct attach_kind *k = &kinds[kind];
	const char *colon = strrchr(target, ':');
	char bin[PATH_MAX], path[PATH_MAX];
	unsigned long long off;
	int prog_fd, pfd, err;

	if (!colon || colon == target || !colon[1] ||
	    colon - target >= (long)sizeof(bin)) {
		pr_err("%s %s: expected BINARY:SYMBOL\n", k->name, target);
		return -EINVAL;
	}
	snprintf(bin, sizeof(bin), "%.*s", (int)(colon - target), target);
	err = resolve_binary(bin, path, sizeof(path));
	if (err) {
		pr_err("%s %s: cannot find %s\n", k->name, target, bin);
		return err;
	}
	err = elf_sym_offset(path, colon + 1, &off);
	if (err)
		return err;
	if (pmu_type(k->pmu) < 0) {
		pr_err("cannot attach %s %s: uprobes are not available on this kernel (CONFIG_UPROBE_EVENTS is off)\n",
		       k->name, target);
		return -EOPNOTSUPP;
	}
	prog_fd = func_load(b, f, k->prog_type);
	if (prog_fd < 0)
		return prog_fd;
	pfd = probe_open(k, path, off, -1);
	if (pfd < 0) {
		err = -errno;
		pr_err("cannot attach %s %s: %s\n", k->name, target,
		       strerror(-err));
		return err;
	}
	return perf_attach(b, pfd, prog_fd, kind, f, target);
}

int bpfrun_attach(struct bpfrun *b, enum bpfrun_kind kind, const char *func,
		  const char *target)
{
	struct bpfrun_func *f;

	if (kind >= BPFRUN_NR_KINDS)
		return -EINVAL;
	f = func_find(b, func);
	if (!f) {
		pr_err("%s: no function %s in the program\n", b->path, func);
		return -ENOENT;
	}
	return kinds[kind].attach(b, f, kind, target);
}

int bpfrun_attach_auto(struct bpfrun *b)
{
	char target[256];
	enum bpfrun_kind kind;
	int n = 0, err;
	size_t i;

	for (i = 0; i < b->nfuncs; i++) {
		err = bpfrun_prefix_parse(b->funcs[i].name, &kind, target,
					  sizeof(target));
		if (err == -ENOENT)
			continue;
		if (err) {
			pr_err("%s: cannot tell what to attach %s to\n",
			       b->path, b->funcs[i].name);
			return err;
		}
		err = kinds[kind].attach(b, &b->funcs[i], kind, target);
		if (err)
			return err;
		n++;
	}
	return n;
}
