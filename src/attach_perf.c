// SPDX-License-Identifier: Apache-2.0
/*
 * perf_event: a program run on each sample of a perf event, bcc's
 * attach_perf_event(ev_type, ev_config, fn_name, sample_period |
 * sample_freq, pid, cpu): one event per online CPU unless a CPU is named,
 * each a link of its own, all opened before any is attached so that a
 * failure leaves nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attach.h"

struct ev_name {
	const char *name;
	unsigned long long config;
};

/* perf(1)'s names, and bcc's PerfHWConfig / PerfSWConfig ones */
static const struct ev_name hw_names[] = {
	{ "cpu-cycles", PERF_COUNT_HW_CPU_CYCLES },
	{ "cycles", PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-instructions", PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", PERF_COUNT_HW_BUS_CYCLES },
	{ "stalled-cycles-frontend", PERF_COUNT_HW_STALLED_CYCLES_FRONTEND },
	{ "stalled-cycles-backend", PERF_COUNT_HW_STALLED_CYCLES_BACKEND },
	{ "ref-cycles", PERF_COUNT_HW_REF_CPU_CYCLES },
	{ NULL, 0 },
};
static const struct ev_name sw_names[] = {
	{ "cpu-clock", PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults", PERF_COUNT_SW_PAGE_FAULTS },
	{ "context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cs", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "minor-faults", PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "alignment-faults", PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_COUNT_SW_EMULATION_FAULTS },
	{ "dummy", PERF_COUNT_SW_DUMMY },
	{ NULL, 0 },
};
static const struct {
	const char *name, *alias;
	unsigned type;
	const struct ev_name *configs;
} types[] = {
	{ "hardware", "hw", PERF_TYPE_HARDWARE, hw_names },
	{ "software", "sw", PERF_TYPE_SOFTWARE, sw_names },
	{ "hw_cache", "cache", PERF_TYPE_HW_CACHE, NULL },
	{ "raw", NULL, PERF_TYPE_RAW, NULL },
};

static int parse_num(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

struct perf_req {
	struct perf_event_attr attr;
	char type[32], config[64];	/* as given, for messages */
	int cpu;			/* -1: every online CPU */
};

/* "TYPE:CONFIG:period=N|freq=N[:cpu=N]" */
static int parse_target(const char *target, struct perf_req *r)
{
	char *s = strdup(target), *save = NULL, *tok;
	const struct ev_name *names = NULL;
	unsigned long long v;
	int err = -EINVAL, i = 0;
	size_t t;

	if (!s)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->cpu = -1;
	r->attr.size = sizeof(r->attr);
	for (tok = strtok_r(s, ":", &save); tok; tok = strtok_r(NULL, ":", &save), i++) {
		if (i == 0) {
			snprintf(r->type, sizeof(r->type), "%s", tok);
			for (t = 0; t < ARRAY_SIZE(types); t++)
				if (!strcmp(tok, types[t].name) ||
				    (types[t].alias && !strcmp(tok, types[t].alias)))
					break;
			if (t < ARRAY_SIZE(types)) {
				r->attr.type = types[t].type;
				names = types[t].configs;
			} else if (!parse_num(tok, &v) && v <= UINT32_MAX) {
				r->attr.type = v;
			} else {
				pr_err("perf event %s: unknown type %s (hardware, software, hw_cache, raw or a number)\n",
				       target, tok);
				goto out;
			}
		} else if (i == 1) {
			snprintf(r->config, sizeof(r->config), "%s", tok);
			for (; names && names->name; names++)
				if (!strcmp(tok, names->name))
					break;
			if (names && names->name) {
				r->attr.config = names->config;
			} else if (parse_num(tok, &v)) {
				pr_err("perf event %s: unknown event %s of type %s\n",
				       target, tok, r->type);
				goto out;
			} else {
				r->attr.config = v;
			}
		} else if (!strncmp(tok, "period=", 7) && !parse_num(tok + 7, &v) && v) {
			r->attr.sample_period = v;
			r->attr.freq = 0;
		} else if (!strncmp(tok, "freq=", 5) && !parse_num(tok + 5, &v) && v) {
			r->attr.sample_freq = v;
			r->attr.freq = 1;
		} else if (!strncmp(tok, "cpu=", 4) && !parse_num(tok + 4, &v) &&
			   v < INT_MAX) {
			r->cpu = v;
		} else {
			pr_err("perf event %s: %s is not period=N, freq=N nor cpu=N\n",
			       target, tok);
			goto out;
		}
	}
	if (i < 2 || !(r->attr.sample_period || r->attr.sample_freq)) {
		pr_err("perf event %s: expected TYPE:CONFIG:period=N or TYPE:CONFIG:freq=N (and :cpu=N)\n",
		       target);
		goto out;
	}
	err = 0;
out:
	free(s);
	return err;
}

/* The online CPUs, from "0-3,5" in sysfs, into @cpus (up to @max). */
static int online_cpus(int *cpus, int max)
{
	char buf[4096], *p, *end;
	long a, c;
	int n = 0, err;

	err = read_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (err < 0)
		return err;
	for (p = buf; *p && *p != '\n';) {
		a = strtol(p, &end, 10);
		if (end == p)
			return -EINVAL;
		c = a;
		p = end;
		if (*p == '-') {
			c = strtol(p + 1, &end, 10);
			if (end == p + 1 || c < a)
				return -EINVAL;
			p = end;
		}
		for (; a <= c; a++) {
			if (n == max)
				return -E2BIG;
			cpus[n++] = a;
		}
		if (*p == ',')
			p++;
	}
	return n;
}

static void explain_open_error(const struct perf_req *r, const char *target,
			       int cpu, int err)
{
	if ((err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV) &&
	    (r->attr.type == PERF_TYPE_HARDWARE ||
	     r->attr.type == PERF_TYPE_HW_CACHE || r->attr.type == PERF_TYPE_RAW))
		pr_err("cannot attach perf event %s: this CPU has no %s event %s (perf_event_open: %s; virtual machines often have no hardware counters: software:cpu-clock samples without them)\n",
		       target, r->type, r->config, strerror(-err));
	else if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
		pr_err("cannot attach perf event %s: this kernel has no %s event %s (perf_event_open: %s)\n",
		       target, r->type, r->config, strerror(-err));
	else if (err == -ESRCH)
		pr_err("cannot attach perf event %s: the process has exited\n",
		       target);
	else
		pr_err("cannot attach perf event %s on CPU %d: perf_event_open: %s\n",
		       target, cpu, strerror(-err));
}

#define MAX_CPUS 4096

int attach_perf_event(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpfrun_kind kind, const char *target,
		      const struct attach_req *req)
{
	int *cpus = NULL, *fds = NULL, ncpus, i, opened = 0, prog_fd, err;
	char name[600];
	struct perf_req r;

	err = parse_target(target, &r);
	if (err)
		return err;
	cpus = malloc(MAX_CPUS * sizeof(*cpus));
	fds = malloc(MAX_CPUS * sizeof(*fds));
	if (!cpus || !fds) {
		err = -ENOMEM;
		goto out;
	}
	if (r.cpu >= 0) {
		cpus[0] = r.cpu;
		ncpus = 1;
	} else {
		ncpus = online_cpus(cpus, MAX_CPUS);
		if (ncpus <= 0) {
			err = ncpus ? ncpus : -ENOENT;
			pr_err("cannot tell the online CPUs: %s\n", strerror(-err));
			goto out;
		}
	}
	prog_fd = func_load(b, f, attach_kinds[kind].prog_type);
	if (prog_fd < 0) {
		err = prog_fd;
		goto out;
	}
	for (i = 0; i < ncpus; i++, opened++) {
		fds[i] = syscall(__NR_perf_event_open, &r.attr,
				 req->pid ? req->pid : -1, cpus[i], -1,
				 PERF_FLAG_FD_CLOEXEC);
		if (fds[i] < 0) {
			err = -errno;
			explain_open_error(&r, target, cpus[i], err);
			goto out;
		}
		err = perf_set_bpf(fds[i], prog_fd);
		if (err) {
			close(fds[i]);
			pr_err("cannot attach %s to perf event %s: %s\n",
			       f->name, target, strerror(-err));
			goto out;
		}
	}
	/* all open: they become links, which link_add closes on failure */
	for (i = 0; i < ncpus; i++) {
		snprintf(name, sizeof(name), "%s (CPU %d)", target, cpus[i]);
		err = link_add(b, fds[i], kind, f->name, name);
		if (err) {
			for (i++; i < ncpus; i++)
				close(fds[i]);
			opened = 0;
			goto out;
		}
	}
	opened = 0;
out:
	for (i = 0; i < opened; i++)
		close(fds[i]);
	free(cpus);
	free(fds);
	return err;
}
