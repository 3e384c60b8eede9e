// SPDX-License-Identifier: Apache-2.0
/*
 * The attach kinds. Every attachment is a perf event or raw tracepoint fd:
 * nothing is written to kprobe_events or uprobe_events, so closing the fd (or
 * the process dying) is the whole detach and nothing can be left behind.
 * The table and the simple kinds are here; kprobes (with patterns and the
 * syscall tracepoint fallbacks), uprobes (with library names) and perf
 * events have a file each.
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

#include "attach.h"
#include "decode.h"

static int attach_raw_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
				 enum bpfrun_kind kind, const char *target,
				 const struct attach_req *req);

const struct attach_kind attach_kinds[BPFRUN_NR_KINDS] = {
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
	/* no tracefs file, no prefix: bcc attaches these only by call */
	[BPFRUN_PERF_EVENT] = { "perf_event", NULL, NULL, NULL,
				BPF_PROG_TYPE_PERF_EVENT, NULL, 0,
				attach_perf_event },
	/* uprobes where libbcc found the probes given at open */
	[BPFRUN_USDT] = { "usdt", NULL, NULL, NULL, BPF_PROG_TYPE_KPROBE,
			  "uprobe", 0, attach_usdt },
};

/* "t:sys*" -> "tracepoint:sys*": the kinds' short names. */
static const char *probe_unalias(const char *p, char *buf, size_t len)
{
	size_t i, n;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		if (!attach_kinds[i].alias)
			continue;
		n = strlen(attach_kinds[i].alias);
		if (!strncmp(p, attach_kinds[i].alias, n) && p[n] == ':') {
			snprintf(buf, len, "%s%s", attach_kinds[i].name, p + n);
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
		const struct attach_kind *k = &attach_kinds[i];

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
	const char *prefix = attach_kinds[BPFRUN_TRACEPOINT].name, *p, *name;
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
	return kind < BPFRUN_NR_KINDS ? attach_kinds[kind].name : "?";
}

int bpfrun_kind_by_name(const char *name, enum bpfrun_kind *kind)
{
	int i;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		if (!strcmp(attach_kinds[i].name, name)) {
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
		const char *p = attach_kinds[i].prefix;

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

int pmu_type(const char *pmu)
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

int perf_open(struct perf_event_attr *attr, int pid)
{
	attr->size = sizeof(*attr);
	attr->sample_period = 1;
	attr->wakeup_events = 1;
	/* pid -1 needs a cpu; the program runs on every cpu regardless */
	return syscall(__NR_perf_event_open, attr, pid, pid == -1 ? 0 : -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

int perf_set_bpf(int pfd, int prog_fd)
{
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	return 0;
}

int perf_attach(struct bpfrun *b, int pfd, int prog_fd, enum bpfrun_kind kind,
		struct bpfrun_func *f, const char *target)
{
	int err;

	err = perf_set_bpf(pfd, prog_fd);
	if (err) {
		close(pfd);
		pr_err("cannot attach %s to %s %s: %s\n", f->name,
		       attach_kinds[kind].name, target, strerror(-err));
		return err;
	}
	return link_add(b, pfd, kind, f->name, target);
}

int probe_open(const struct attach_kind *k, const char *name,
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

int attach_tracepoint(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpfrun_kind kind, const char *target,
		      const struct attach_req *req)
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
	prog_fd = func_load(b, f, attach_kinds[kind].prog_type);
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
				 enum bpfrun_kind kind, const char *target,
				 const struct attach_req *req)
{
	int prog_fd, fd;

	prog_fd = func_load(b, f, attach_kinds[kind].prog_type);
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

int bpfrun_attach_opts(struct bpfrun *b, enum bpfrun_kind kind,
		       const char *func, const char *target,
		       const struct bpfrun_attach_opts *opts)
{
	struct bpfrun_attach_opts o;
	struct attach_req req = { 0 };
	struct bpfrun_func *f;
	int err;

	if (kind >= BPFRUN_NR_KINDS)
		return -EINVAL;
	err = OPTS_COPY(&o, opts);
	if (err)
		return err;
	if (o.pid < 0)
		return -EINVAL;
	req.pid = o.pid;
	f = func_find(b, func);
	if (!f) {
		pr_err("%s: no function %s in the program\n", b->path, func);
		return -ENOENT;
	}
	return attach_kinds[kind].attach(b, f, kind, target, &req);
}

int bpfrun_attach(struct bpfrun *b, enum bpfrun_kind kind, const char *func,
		  const char *target)
{
	return bpfrun_attach_opts(b, kind, func, target, NULL);
}

int bpfrun_attach_auto(struct bpfrun *b)
{
	const struct attach_req req = { 0 };
	char target[256];
	enum bpfrun_kind kind;
	int n = 0, err;
	size_t i;

	for (i = 0; i < b->nfuncs; i++) {
		/* as bcc's BPF(usdt_contexts=) attaches what it compiled for */
		if (func_has_usdt(b, &b->funcs[i])) {
			err = attach_usdt(b, &b->funcs[i], BPFRUN_USDT, NULL,
					  &req);
			if (err)
				return err;
			n++;
			continue;
		}
		err = bpfrun_prefix_parse(b->funcs[i].name, &kind, target,
					  sizeof(target));
		if (err == -ENOENT)
			continue;
		if (err) {
			pr_err("%s: cannot tell what to attach %s to\n",
			       b->path, b->funcs[i].name);
			return err;
		}
		err = attach_kinds[kind].attach(b, &b->funcs[i], kind, target, &req);
		if (err)
			return err;
		n++;
	}
	return n;
}

/* Name patterns of kprobes and uprobes (attach.h). */
bool is_pattern(const char *t)
{
	size_t n = strlen(t);

	return strpbrk(t, "*?[") || (n > 2 && t[0] == '/' && t[n - 1] == '/');
}

int pattern_init(struct name_pattern *p, const char *what, const char *t)
{
	size_t n = strlen(t);
	char *re;
	int err;

	p->glob = NULL;
	if (!(n > 2 && t[0] == '/' && t[n - 1] == '/')) {
		p->glob = t;
		return 0;
	}
	/* the whole name, as bcc's re.fullmatch() */
	if (asprintf(&re, "^(%.*s)$", (int)(n - 2), t + 1) < 0)
		return -ENOMEM;
	err = regcomp(&p->re, re, REG_EXTENDED | REG_NOSUB);
	free(re);
	if (err) {
		pr_err("%s pattern %s: not a regular expression\n", what, t);
		return -EINVAL;
	}
	return 0;
}

bool pattern_match(const struct name_pattern *p, const char *name)
{
	if (p->glob)
		return !fnmatch(p->glob, name, 0);
	return !regexec(&p->re, name, 0, NULL, 0);
}

void pattern_free(struct name_pattern *p)
{
	if (!p->glob)
		regfree(&p->re);
}
