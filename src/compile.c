// SPDX-License-Identifier: Apache-2.0
/*
 * Compile through libbcc's C API. libbcc is dlopen()ed here, on the first
 * compile, because linking it costs ~80 MiB and ~25 ms before main() even
 * when nothing needs compiling. What a compile gives (instructions, map
 * descriptions, map fds) is copied out and the libbcc module destroyed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "internal.h"

static struct {
	void *(*create_c)(const char *filename, unsigned flags,
			  const char *cflags[], int ncflags, bool allow_rlimit,
			  const char *dev_name);
	void (*destroy)(void *m);
	char *(*license)(void *m);
	unsigned (*kern_version)(void *m);
	size_t (*num_functions)(void *m);
	const char *(*function_name)(void *m, size_t id);
	void *(*function_start_id)(void *m, size_t id);
	size_t (*function_size_id)(void *m, size_t id);
	size_t (*num_tables)(void *m);
	const char *(*table_name)(void *m, size_t id);
	int (*table_fd_id)(void *m, size_t id);
	int (*table_type_id)(void *m, size_t id);
	size_t (*table_max_entries_id)(void *m, size_t id);
	int (*table_flags_id)(void *m, size_t id);
	const char *(*table_key_desc_id)(void *m, size_t id);
	const char *(*table_leaf_desc_id)(void *m, size_t id);
	size_t (*table_key_size_id)(void *m, size_t id);
	size_t (*table_leaf_size_id)(void *m, size_t id);
	size_t (*perf_event_fields)(void *m, const char *event);
	const char *(*perf_event_field)(void *m, const char *event, size_t i);
} bcc;

static const struct {
	const char *name;
	size_t off;
} bcc_syms[] = {
#define SYM(field, sym) { #sym, offsetof(__typeof__(bcc), field) }
	SYM(create_c, bpf_module_create_c),
	SYM(destroy, bpf_module_destroy),
	SYM(license, bpf_module_license),
	SYM(kern_version, bpf_module_kern_version),
	SYM(num_functions, bpf_num_functions),
	SYM(function_name, bpf_function_name),
	SYM(function_start_id, bpf_function_start_id),
	SYM(function_size_id, bpf_function_size_id),
	SYM(num_tables, bpf_num_tables),
	SYM(table_name, bpf_table_name),
	SYM(table_fd_id, bpf_table_fd_id),
	SYM(table_type_id, bpf_table_type_id),
	SYM(table_max_entries_id, bpf_table_max_entries_id),
	SYM(table_flags_id, bpf_table_flags_id),
	SYM(table_key_desc_id, bpf_table_key_desc_id),
	SYM(table_leaf_desc_id, bpf_table_leaf_desc_id),
	SYM(table_key_size_id, bpf_table_key_size_id),
	SYM(table_leaf_size_id, bpf_table_leaf_size_id),
	SYM(perf_event_fields, bpf_perf_event_fields),
	SYM(perf_event_field, bpf_perf_event_field),
#undef SYM
};

static int bcc_load(void)
{
	static int loaded;
	void *h;
	size_t i;

	if (loaded)
		return 0;
	h = dlopen(LIBBCC_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		pr_err("cannot load libbcc (%s): %s; install Debian's libbpfcc\n",
		       LIBBCC_SONAME, dlerror());
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(bcc_syms); i++) {
		void *p = dlsym(h, bcc_syms[i].name);

		if (!p) {
			pr_err("libbcc (%s) has no %s: unsupported version\n",
			       LIBBCC_SONAME, bcc_syms[i].name);
			return -ENOSYS;
		}
		memcpy((char *)&bcc + bcc_syms[i].off, &p, sizeof(p));
	}
	loaded = 1;
	return 0;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static int copy_tables(struct bpfrun *b, void *m)
{
	size_t i, j, n = bcc.num_tables(m);

	b->tables = calloc(n ? n : 1, sizeof(*b->tables));
	if (!b->tables)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct bpfrun_table *t = &b->tables[i];
		int fd = bcc.table_fd_id(m, i);

		t->fd = -1;
		b->ntables++;
		t->name = xstrdup(bcc.table_name(m, i));
		t->key_desc = xstrdup(bcc.table_key_desc_id(m, i));
		t->leaf_desc = xstrdup(bcc.table_leaf_desc_id(m, i));
		if (!t->name || !t->key_desc || !t->leaf_desc)
			return -ENOMEM;
		t->type = bcc.table_type_id(m, i);
		t->key_size = bcc.table_key_size_id(m, i);
		t->leaf_size = bcc.table_leaf_size_id(m, i);
		t->max_entries = bcc.table_max_entries_id(m, i);
		t->flags = bcc.table_flags_id(m, i);
		/* our own fd: libbcc closes its own with the module */
		if (fd >= 0) {
			t->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			if (t->fd < 0)
				return -errno;
		}
		t->nfields = bcc.perf_event_fields(m, t->name);
		if (!t->nfields)
			continue;
		t->fields = calloc(t->nfields, sizeof(*t->fields));
		if (!t->fields)
			return -ENOMEM;
		for (j = 0; j < t->nfields; j++) {
			t->fields[j] = xstrdup(bcc.perf_event_field(m, t->name, j));
			if (!t->fields[j])
				return -ENOMEM;
		}
	}
	return 0;
}

/* Map loads name libbcc's fds, which die with the module: point them at ours. */
static int copy_functions(struct bpfrun *b, void *m)
{
	size_t i, t, n = bcc.num_functions(m);
	int *bcc_fds, *fds, err = 0;

	bcc_fds = calloc(b->ntables + 1, sizeof(*bcc_fds));
	fds = calloc(b->ntables + 1, sizeof(*fds));
	b->funcs = calloc(n ? n : 1, sizeof(*b->funcs));
	if (!bcc_fds || !fds || !b->funcs) {
		err = -ENOMEM;
		goto out;
	}
	for (t = 0; t < b->ntables; t++) {
		bcc_fds[t] = bcc.table_fd_id(m, t);
		fds[t] = b->tables[t].fd;
	}
	for (i = 0; i < n; i++) {
		struct bpfrun_func *f = &b->funcs[i];
		size_t size = bcc.function_size_id(m, i);

		for (t = 0; t < ARRAY_SIZE(f->fd); t++)
			f->fd[t] = -1;
		b->nfuncs++;
		f->name = xstrdup(bcc.function_name(m, i));
		f->insns = malloc(size ? size : 1);
		if (!f->name || !f->insns) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(f->insns, bcc.function_start_id(m, i), size);
		f->ninsns = size / sizeof(struct bpf_insn);
		func_remap_maps(f, bcc_fds, fds, b->ntables);
	}
out:
	free(bcc_fds);
	free(fds);
	return err;
}

/*
 * libbcc compiles every file as "/virtual/main.c", so clang's messages
 * would not name the user's file: catch fd 2 while it compiles and put the
 * real path back.
 */
#define VIRTUAL_MAIN "/virtual/main.c"

static int stderr_catch(int *saved)
{
	int fd = memfd_create("bpfrun-clang", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	if (*saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		if (*saved >= 0)
			close(*saved);
		close(fd);
		return -1;
	}
	return fd;
}

/* Returns whether clang said a header was not found. */
static bool stderr_release(int fd, int saved, const char *path)
{
	bool missing = false;
	char buf[4096], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (fd < 0)
		return false;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *v;

		if (strstr(line, "' file not found"))
			missing = true;
		while ((v = strstr(p, VIRTUAL_MAIN))) {
			fwrite(p, 1, v - p, stderr);
			fputs(path, stderr);
			p = v + strlen(VIRTUAL_MAIN);
		}
		fputs(p, stderr);
	}
	free(line);
	fclose(f);
	return missing;
}

int compile_file(struct bpfrun *b, const char *path, const char *const *cflags,
		 size_t ncflags, const struct headers_choice *h)
{
	char dir[PATH_MAX], incl[PATH_MAX + 2];
	/* what newer kernel headers trip in clang 14: not the program's fault */
	static const char *const quiet[] = { "-Wno-duplicate-decl-specifier",
					     "-Wno-ignored-attributes" };
	const char **argv;
	int err, cfd, saved = -1;
	bool missing;
	size_t i, n;
	void *m;

	err = bcc_load();
	if (err)
		return err;

	/*
	 * Given a tree without kconfig.h libbcc would try to unpack kheaders
	 * into a predictable /tmp path (CVE-2024-2314): never let it.
	 */
	if (h->kind == HEADERS_MATCHING) {
		unsetenv("BCC_KERNEL_SOURCE");
	} else {
		snprintf(dir, sizeof(dir), "%s/include/linux/kconfig.h", h->dir);
		if (!path_exists(dir)) {
			pr_err("kernel header tree %s is gone (no include/linux/kconfig.h); run again\n",
			       h->dir);
			return -ENOENT;
		}
		setenv("BCC_KERNEL_SOURCE", h->dir, 1);
	}

	/* the program's own directory, for its shared event header */
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(incl, sizeof(incl), "-I%s", dirname(dir));
	argv = calloc(ncflags + ARRAY_SIZE(quiet) + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	for (n = 0; n < ARRAY_SIZE(quiet); n++)
		argv[n] = quiet[n];
	argv[n++] = incl;
	for (i = 0; i < ncflags; i++)
		argv[n++] = cflags[i];

	cfd = stderr_catch(&saved);
	m = bcc.create_c(path, 0, argv, n, true, NULL);
	missing = stderr_release(cfd, saved, path);
	free(argv);
	if (!m) {
		pr_err("%s: compilation failed (clang's messages above); kernel headers: %s %s%s%s\n",
		       path, headers_kind_name(h->kind), h->version,
		       h->dir[0] ? " in " : "", h->dir);
		if (missing && h->kind == HEADERS_BTF)
			pr_err("the header tree made from BTF has the kernel's types behind the usual kernel headers, but not every header: include one it has (e.g. linux/sched.h), or use --headers=DIR\n");
		return -EINVAL;
	}
	snprintf(b->license, sizeof(b->license), "%s", bcc.license(m));
	b->kern_version = bcc.kern_version(m);
	err = copy_tables(b, m);
	if (!err)
		err = copy_functions(b, m);
	bcc.destroy(m);
	return err;
}
