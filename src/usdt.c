// SPDX-License-Identifier: Apache-2.0
/*
 * USDT probes, the host's half: the probes an open names are checked and
 * their binaries found here (before the cache is asked, so that its key
 * can cover them), libbcc makes their argument code in the compile's
 * child (compile_usdt.c), and the places they fire come back in the
 * image. Attaching them is a uprobe at each place, with the probe's
 * semaphore given to the kernel (ref_ctr_offset), which sets it in every
 * process it traces for as long as the uprobe is there: a warm start
 * needs no libbcc, and nothing is left set when the fd is closed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"

/* "BIN-or-PID:PROVIDER:PROBE": the last two colons split it. */
static int spec_parse(const struct bpfrun_usdt *u, struct usdt_spec *s)
{
	const char *t = u->target, *probe, *prov;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->func = u->func;
	s->target = t;
	s->pid = u->pid;
	probe = t ? strrchr(t, ':') : NULL;
	prov = probe ? memrchr(t, ':', probe - t) : NULL;
	if (!u->func || !u->func[0] || !prov || !probe[1] ||
	    strlen(probe + 1) >= sizeof(s->probe) ||
	    (size_t)(probe - prov - 1) >= sizeof(s->provider) ||
	    (size_t)(prov - t) >= sizeof(s->binary)) {
		pr_err("usdt %s: expected BIN-or-PID:PROVIDER:PROBE (PROVIDER may be empty), for a function of the program\n",
		       t ? t : "(none)");
		return -EINVAL;
	}
	snprintf(s->probe, sizeof(s->probe), "%s", probe + 1);
	snprintf(s->provider, sizeof(s->provider), "%.*s",
		 (int)(probe - prov - 1), prov + 1);
	n = prov - t;
	snprintf(s->binary, sizeof(s->binary), "%.*s", (int)n, t);
	if (n && strspn(s->binary, "0123456789") == n) {
		int pid = atoi(s->binary);

		if (pid <= 0 || (s->pid && s->pid != pid)) {
			pr_err("usdt %s: pid %s, and %d given too\n", t,
			       s->binary, s->pid);
			return -EINVAL;
		}
		s->pid = pid;
		s->binary[0] = '\0';
	} else if (!n && !s->pid) {
		pr_err("usdt %s: no binary, and no process to take it from (-p PID)\n",
		       t);
		return -EINVAL;
	}
	return 0;
}

/* Starting time of @pid in clock ticks since boot: a pid is reused. */
static int proc_start(int pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int i, err;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	err = read_file(path, buf, sizeof(buf));
	if (err < 0)
		return err == -ENOENT ? -ESRCH : err;
	/* field 22; the comm in field 2 may hold spaces and parentheses */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	*start = strtoull(p + 1, NULL, 10);
	return 0;
}

/*
 * The process's file mappings, hashed: libbcc's code for a process names
 * addresses where its libraries are mapped, and the modules it reads.
 */
static int maps_hash(int pid, char *hex)
{
	char path[64], *data, *line, *save = NULL;
	struct sha256 s;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	err = read_whole(path, 0, &data, &len);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	sha256_init(&s);
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strchr(line, '/'))
			sha256_update(&s, line, strlen(line) + 1);
	sha256_hex(&s, hex);
	free(data);
	return 0;
}

static int spec_key(const struct usdt_spec *s, FILE *m)
{
	char hex[SHA256_HEX];
	unsigned long long start;
	struct stat st;
	int err;

	fprintf(m, "usdt %s %s %d %s", s->func, s->target, s->pid, s->binary);
	if (s->binary[0]) {
		/* its notes and code are what libbcc reads */
		if (stat(s->binary, &st))
			return -errno;
		fprintf(m, " %llu %llu %lld %lld.%09ld",
			(unsigned long long)st.st_dev,
			(unsigned long long)st.st_ino, (long long)st.st_size,
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	if (s->pid) {
		err = proc_start(s->pid, &start);
		if (!err)
			err = maps_hash(s->pid, hex);
		if (err)
			return err;
		fprintf(m, " process %llu %s", start, hex);
	}
	fputc('\n', m);
	return 0;
}

int usdt_set_make(const struct bpfrun_usdt *u, size_t n, struct usdt_set *set)
{
	char path[PATH_MAX];
	const char *how;
	size_t len = 0, i;
	FILE *m = NULL;
	int err = 0;

	memset(set, 0, sizeof(*set));
	if (!n)
		return 0;
	if (!u || n > BPFRUN_MAX_USDT)
		return -EINVAL;
	set->v = calloc(n, sizeof(*set->v));
	m = open_memstream(&set->key, &len);
	if (!set->v || !m) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !err; i++) {
		struct usdt_spec *s = &set->v[i];

		err = spec_parse(&u[i], s);
		if (err)
			break;
		set->n++;
		if (s->pid && kill(s->pid, 0) && errno == ESRCH) {
			pr_err("usdt %s: there is no process %d\n", s->target,
			       s->pid);
			err = -ESRCH;
			break;
		}
		if (s->binary[0]) {
			err = uprobe_resolve_binary(s->binary, s->pid, path,
						    sizeof(path), &how);
			if (err) {
				pr_err("usdt %s: cannot find %s: not a file, nor a library (lib%s.so*), nor a command in $PATH; give its path\n",
				       s->target, s->binary, s->binary);
				break;
			}
			pr_info("usdt %s: %s (from %s)\n", s->target, path, how);
			snprintf(s->binary, sizeof(s->binary), "%s", path);
		}
		err = spec_key(s, m);
		if (err == -ESRCH)
			pr_err("usdt %s: there is no process %d\n", s->target,
			       s->pid);
		else if (err)
			pr_err("usdt %s: cannot read %s: %s\n", s->target,
			       s->binary[0] ? s->binary : "the process",
			       strerror(-err));
	}
out:
	if (m && fclose(m) && !err)
		err = -ENOMEM;
	if (err)
		usdt_set_free(set);
	return err;
}

void usdt_set_free(struct usdt_set *set)
{
	free(set->v);
	free(set->key);
	memset(set, 0, sizeof(*set));
}

void usdt_locs_free(struct bpfrun *b)
{
	size_t i;

	for (i = 0; i < b->nusdt; i++) {
		free(b->usdt[i].func);
		free(b->usdt[i].target);
		free(b->usdt[i].path);
	}
	free(b->usdt);
	b->usdt = NULL;
	b->nusdt = 0;
}

/* The uprobe PMU's field for the semaphore: "config:32-63". */
static int ref_ctr_shift(void)
{
	char buf[32];
	int err;

	err = read_file("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset",
			buf, sizeof(buf));
	if (err < 0)
		return err;
	return strncmp(buf, "config:", 7) ? -EINVAL : atoi(buf + 7);
}

/* Undo this call's links: an attach is whole or not at all. */
static void links_truncate(struct bpfrun *b, size_t n)
{
	while (b->nlinks > n) {
		struct bpfrun_link *l = &b->links[--b->nlinks];

		close(l->fd);
		free(l->func);
		free(l->target);
	}
}

static int attach_loc(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpfrun_kind kind, const struct usdt_loc *l,
		      int type, int prog_fd)
{
	struct perf_event_attr attr = { 0 };
	char name[PATH_MAX + 320];
	int shift, pfd, err;

	attr.type = type;
	if (l->ref_ctr) {
		shift = ref_ctr_shift();
		if (shift < 0) {
			pr_err("usdt %s: the probe has a semaphore, and this kernel's uprobes cannot set one (ref_ctr_offset: Linux 4.20)\n",
			       l->target);
			return -EOPNOTSUPP;
		}
		attr.config = l->ref_ctr << shift;
	}
	attr.config1 = (unsigned long long)(unsigned long)l->path;
	attr.config2 = l->offset;
	pfd = perf_open(&attr, l->pid ? l->pid : -1);
	if (pfd < 0) {
		err = -errno;
		pr_err("cannot attach %s to usdt %s (%s at 0x%llx): %s\n",
		       f->name, l->target, l->path, l->offset,
		       err == -ESRCH ? "the process has exited" :
					strerror(-err));
		return err;
	}
	snprintf(name, sizeof(name), "%s (%s+0x%llx)", l->target, l->path,
		 l->offset);
	return perf_attach(b, pfd, prog_fd, kind, f, name);
}

int attach_usdt(struct bpfrun *b, struct bpfrun_func *f, enum bpfrun_kind kind,
		const char *target, const struct attach_req *req)
{
	size_t first = b->nlinks, i, n = 0;
	int type, prog_fd = -1, err = 0;

	(void)req;	/* the process was the open's */
	for (i = 0; i < b->nusdt && !err; i++) {
		const struct usdt_loc *l = &b->usdt[i];

		if (strcmp(l->func, f->name) ||
		    (target && *target && strcmp(l->target, target)))
			continue;
		if (!n++) {
			type = pmu_type("uprobe");
			if (type < 0) {
				pr_err("cannot attach usdt %s: uprobes are not available on this kernel (CONFIG_UPROBE_EVENTS is off)\n",
				       l->target);
				return -EOPNOTSUPP;
			}
			prog_fd = func_load(b, f, attach_kinds[kind].prog_type);
			if (prog_fd < 0)
				return prog_fd;
		}
		err = attach_loc(b, f, kind, l, type, prog_fd);
	}
	if (err) {
		links_truncate(b, first);
		return err;
	}
	if (!n) {
		pr_err("%s: no USDT probe%s%s was given for %s when the program was opened\n",
		       b->path, target && *target ? " " : "",
		       target && *target ? target : "", f->name);
		return -ENOENT;
	}
	return 0;
}

bool func_has_usdt(const struct bpfrun *b, const struct bpfrun_func *f)
{
	size_t i;

	for (i = 0; i < b->nusdt; i++)
		if (!strcmp(b->usdt[i].func, f->name))
			return true;
	return false;
}
