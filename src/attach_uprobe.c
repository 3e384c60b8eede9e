// SPDX-License-Identifier: Apache-2.0
/*
 * uprobes and uretprobes on "BINARY:SYMBOL", BINARY found as bcc's
 * bcc_resolve_symname() finds it: a path as it is; a library name ("c",
 * "pthread", "ssl", or a soname such as "libc.so.6") among the mappings
 * of the traced process when there is one, else in /etc/ld.so.cache
 * (ldcache.c); else an executable in $PATH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"

/* An executable in $PATH. */
static int find_in_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int err = -ENOENT;

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

/*
 * Library @name as process @pid has it mapped: the file name of a mapping
 * is the soname or, for a short name, libNAME followed by '.' or '-' with
 * ".so" in it (libc.so.6, libc-2.31.so). -ESRCH: no such process.
 */
static bool mapped_name_matches(const char *name, const char *base)
{
	size_t n = strlen(name);

	if (!strncmp(name, "lib", 3) && strstr(name, ".so"))
		return !strcmp(base, name);
	return !strncmp(base, "lib", 3) && !strncmp(base + 3, name, n) &&
	       base[3 + n] && strchr(".-", base[3 + n]) && strstr(base, ".so");
}

static int find_in_maps(const char *name, int pid, char *buf, size_t len)
{
	char path[64], line[PATH_MAX + 128], *file;
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		file = strchr(line, '/');
		if (!file)
			continue;
		if (!mapped_name_matches(name, strrchr(file, '/') + 1))
			continue;
		if ((size_t)snprintf(buf, len, "%s", file) < len)
			err = 0;
	}
	fclose(f);
	return err;
}

int uprobe_resolve_binary(const char *name, int pid, char *buf, size_t len,
			  const char **how)
{
	int err;

	*how = "a path";
	if (strchr(name, '/'))
		return realpath(name, buf) ? 0 : -errno;
	if (pid) {
		*how = "the process's mappings";
		err = find_in_maps(name, pid, buf, len);
		if (err != -ENOENT)
			return err;
	}
	*how = "/etc/ld.so.cache";
	err = ldcache_find(name, buf, len);
	if (err == -ENOENT) {
		*how = "$PATH";
		err = find_in_path(name, buf, len);
	}
	return err;
}

/*
 * glibc 2.34 moved libpthread, libdl, librt, libutil and libanl into libc
 * and left the old sonames as empty stubs: bcc's tools that name
 * "pthread" for pthread_create (threadsnoop) find it in libc, as the
 * program linked against the stub does.
 */
static bool merged_into_libc(const char *path)
{
	static const char *const libs[] = { "libpthread.so", "libdl.so",
					    "librt.so", "libutil.so",
					    "libanl.so" };
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < ARRAY_SIZE(libs); i++)
		if (!strncmp(base, libs[i], strlen(libs[i])))
			return true;
	return false;
}

#define MAX_UPROBES 1000	/* bcc's probe limit */

/* The functions of a binary a pattern matches, each address once. */
struct umatch {
	struct name_pattern pat;
	struct { char *name; unsigned long long off; } *m;
	size_t n;
};

static int umatch_add(void *ctx, const char *name, unsigned long long off)
{
	struct umatch *u = ctx;
	size_t i;

	if (!pattern_match(&u->pat, name))
		return 0;
	/* aliases (malloc, __libc_malloc) are one place: one probe */
	for (i = 0; i < u->n; i++)
		if (u->m[i].off == off)
			return 0;
	if (u->n == MAX_UPROBES)
		return -E2BIG;
	if (!(u->n % 64)) {
		void *p = realloc(u->m, (u->n + 64) * sizeof(*u->m));

		if (!p)
			return -ENOMEM;
		u->m = p;
	}
	u->m[u->n].name = strdup(name);
	if (!u->m[u->n].name)
		return -ENOMEM;
	u->m[u->n++].off = off;
	return 0;
}

/*
 * bcc's attach_uprobe(sym_re=): every function of @path that @sym (a
 * pattern) matches, as bcc's get_user_functions_and_addresses() finds them.
 */
static int attach_uprobe_pattern(struct bpfrun *b, struct bpfrun_func *f,
				 enum bpfrun_kind kind, const char *bin,
				 const char *path, const char *sym, int pid)
{
	const struct attach_kind *k = &attach_kinds[kind];
	struct umatch u = { 0 };
	char name[PATH_MAX];
	int prog_fd, pfd, err;
	size_t i;

	err = pattern_init(&u.pat, k->name, sym);
	if (err)
		return err;
	err = elf_funcs(path, umatch_add, &u);
	pattern_free(&u.pat);
	if (err == -E2BIG)
		pr_err("%s %s:%s: more than %d functions of %s match\n",
		       k->name, bin, sym, MAX_UPROBES, path);
	if (!err && !u.n) {
		pr_err("%s %s:%s: no function of %s matches %s\n", k->name,
		       bin, sym, path, sym);
		err = -ENOENT;
	}
	prog_fd = err ? err : func_load(b, f, k->prog_type);
	for (i = 0; prog_fd >= 0 && i < u.n; i++) {
		snprintf(name, sizeof(name), "%s:%s", bin, u.m[i].name);
		pfd = probe_open(k, path, u.m[i].off, pid ? pid : -1);
		if (pfd < 0) {
			err = -errno;
			pr_err("cannot attach %s %s: %s\n", k->name, name,
			       err == -ESRCH ? "the process has exited" :
					       strerror(-err));
			break;
		}
		err = perf_attach(b, pfd, prog_fd, kind, f, name);
		if (err < 0)
			break;
		err = 0;
	}
	if (prog_fd < 0)
		err = prog_fd;
	if (!err)
		pr_info("%s %s:%s: %zu functions of %s\n", k->name, bin, sym,
			u.n, path);
	for (i = 0; i < u.n; i++)
		free(u.m[i].name);
	free(u.m);
	return err;
}

int attach_uprobe(struct bpfrun *b, struct bpfrun_func *f,
		  enum bpfrun_kind kind, const char *target,
		  const struct attach_req *req)
{
	const struct attach_kind *k = &attach_kinds[kind];
	const char *colon = strrchr(target, ':'), *sym, *how, *how_c;
	char bin[PATH_MAX], path[PATH_MAX], libc[PATH_MAX];
	unsigned long long off;
	int prog_fd, pfd, err;

	if (!colon || colon == target || !colon[1] ||
	    colon - target >= (long)sizeof(bin)) {
		pr_err("%s %s: expected BINARY:SYMBOL\n", k->name, target);
		return -EINVAL;
	}
	snprintf(bin, sizeof(bin), "%.*s", (int)(colon - target), target);
	sym = colon + 1;
	err = uprobe_resolve_binary(bin, req->pid, path, sizeof(path), &how);
	if (err == -ESRCH) {
		pr_err("%s %s: there is no process %d\n", k->name, target,
		       req->pid);
		return err;
	}
	if (err) {
		pr_err("%s %s: cannot find %s: not a file, nor a library /etc/ld.so.cache knows (lib%s.so*)%s, nor a command in $PATH; give its path\n",
		       k->name, target, bin, bin,
		       req->pid ? " or that the process maps" : "");
		return err;
	}
	if (pmu_type(k->pmu) < 0) {
		pr_err("cannot attach %s %s: uprobes are not available on this kernel (CONFIG_UPROBE_EVENTS is off)\n",
		       k->name, target);
		return -EOPNOTSUPP;
	}
	if (is_pattern(sym))
		return attach_uprobe_pattern(b, f, kind, bin, path, sym,
					     req->pid);
	err = elf_sym_offset(path, sym, &off);
	if (err == -ENOENT && merged_into_libc(path) &&
	    !uprobe_resolve_binary("c", req->pid, libc, sizeof(libc), &how_c) &&
	    !elf_sym_offset(libc, sym, &off)) {
		pr_info("%s is in %s: %s is a stub since glibc 2.34\n", sym,
			libc, path);
		snprintf(path, sizeof(path), "%s", libc);
		err = 0;
	}
	if (err == -ENOENT)
		pr_err("%s %s: there is no function %s in %s\n", k->name,
		       target, sym, path);
	if (err)
		return err;
	pr_info("%s %s: %s (from %s) at offset 0x%llx\n", k->name, target,
		path, how, off);
	prog_fd = func_load(b, f, k->prog_type);
	if (prog_fd < 0)
		return prog_fd;
	/* with a pid the kernel filters on its address space: all its threads */
	pfd = probe_open(k, path, off, req->pid ? req->pid : -1);
	if (pfd < 0) {
		err = -errno;
		pr_err("cannot attach %s %s: %s\n", k->name, target,
		       err == -ESRCH ? "the process has exited" : strerror(-err));
		return err;
	}
	return perf_attach(b, pfd, prog_fd, kind, f, target);
}
