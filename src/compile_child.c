// SPDX-License-Identifier: Apache-2.0
/*
 * The compile's child: libbcc, dlopen()ed here because linking it costs
 * ~80 MiB and ~25 ms before main() even when nothing needs compiling. It
 * runs with bounded memory and default signal actions, so Ctrl-C ends a
 * compile at once; its process state (fd 2 caught to rename clang's
 * "/virtual/main.c", BCC_KERNEL_SOURCE, a mount namespace) is its own and
 * dies with it. It sends its messages, libbcc's maps and the image.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "btf_gen.h"
#include "compile.h"
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

static const struct libbcc_sym bcc_syms[] = {
#define SYM(field, sym) LIBBCC_SYM(bcc, field, sym)
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
	const char *what;
	int err;

	if (loaded)
		return 0;
	err = libbcc_bind(&bcc, bcc_syms, ARRAY_SIZE(bcc_syms), &what);
	if (err == -ENOENT)
		pr_err("cannot load libbcc (%s): %s; install Debian's libbpfcc\n",
		       LIBBCC_SONAME, what);
	else if (err)
		pr_err("libbcc (%s) has no %s: unsupported version\n",
		       LIBBCC_SONAME, what);
	loaded = !err;
	return err;
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
		t->fd = fd;	/* sent to the parent before the module dies */
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

/*
 * The id of the program's BTF that libbcc loaded into the kernel, for a
 * program whose maps have none (a perf buffer alone): libbcc's C API does
 * not give it, but its fd is the one BTF object this process holds (the
 * child loads no other). 0 when there is not exactly one.
 */
static unsigned module_btf_id(void)
{
	char path[64], link[64];
	unsigned id = 0, n = 0;
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	ssize_t len;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct bpf_btf_info info = { 0 };
		__u32 ilen = sizeof(info);
		int fd = atoi(de->d_name);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:btf") ||
		    bpf_obj_get_info_by_fd(fd, &info, &ilen))
			continue;
		if (!n++ || info.id == id)
			id = info.id;
		else
			id = 0;
	}
	closedir(d);
	return id;
}

/*
 * The types libbcc gave its maps (what bpf_spin_lock and friends need), so
 * that our maps are made with the same: the type ids of each map and the
 * program's BTF, read back from the kernel. The BTF is kept even when no
 * map has types: the runner decodes events by it (decode_btf.c).
 */
static int copy_btf(struct bpfrun *b)
{
	unsigned btf_id = 0;
	const void *raw;
	struct btf *btf;
	unsigned size;
	size_t i;

	for (i = 0; i < b->ntables; i++) {
		struct bpfrun_table *t = &b->tables[i];
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		if (t->fd < 0 || bpf_obj_get_info_by_fd(t->fd, &info, &len))
			continue;
		if (!info.btf_id || (btf_id && info.btf_id != btf_id))
			continue;
		btf_id = info.btf_id;
		t->btf_key_type_id = info.btf_key_type_id;
		t->btf_value_type_id = info.btf_value_type_id;
	}
	if (!btf_id)
		btf_id = module_btf_id();
	if (!btf_id)
		return 0;
	btf = btf__load_from_kernel_by_id(btf_id);
	raw = btf ? btf__raw_data(btf, &size) : NULL;
	if (raw) {
		b->btf = malloc(size);
		if (b->btf) {
			memcpy(b->btf, raw, size);
			b->btf_len = size;
		}
	}
	btf__free(btf);
	if (b->btf)
		return 0;
	/* without the BTF, no map may claim types in it */
	for (i = 0; i < b->ntables; i++)
		b->tables[i].btf_key_type_id = b->tables[i].btf_value_type_id = 0;
	return 0;
}

/* Map loads name libbcc's fds: an image names table indices instead. */
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
		fds[t] = t;
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

/* What clang and libbcc said that changes what we say after them. */
struct said {
	bool missing_header;
	bool map_failed;	/* libbcc could not create a map */
};

static void stderr_release(int fd, int saved, const char *path,
			   struct said *said, bool show)
{
	char buf[4096], *line = NULL, *text = NULL;
	size_t cap = 0, len = 0;
	FILE *f, *out;

	if (fd < 0)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	f = fdopen(fd, "r");
	out = open_memstream(&text, &len);
	if (!f || !out) {
		if (f)
			fclose(f);
		else
			close(fd);
		if (out)
			fclose(out);
		free(text);
		return;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *v;

		if (strstr(line, "' file not found"))
			said->missing_header = true;
		if (strstr(line, "could not open bpf map"))
			said->map_failed = true;
		while ((v = strstr(p, VIRTUAL_MAIN))) {
			fwrite(p, 1, v - p, out);
			fputs(path, out);
			p = v + strlen(VIRTUAL_MAIN);
		}
		fputs(p, out);
	}
	free(line);
	fclose(f);
	fclose(out);
	if (len && show)
		pr_level(BPFRUN_OUTPUT, "%s", text);
	free(text);
}

/* The directory libbcc compiles in: clang's relative paths start there. */
static void compile_dir(const struct headers_choice *h, char *buf, size_t len)
{
	char build[PATH_MAX], source[PATH_MAX];
	struct utsname u;

	if (h->kind != HEADERS_MATCHING) {
		snprintf(buf, len, "%s", h->dir);
		return;
	}
	uname(&u);
	snprintf(build, sizeof(build), "/lib/modules/%s/build", u.release);
	snprintf(source, sizeof(source), "/lib/modules/%s/source", u.release);
	snprintf(buf, len, "%s", is_dir(build) && is_dir(source) ? source : build);
}

/*
 * The files clang read, from its make-style dependency output ("target:
 * dep dep \<newline> dep", spaces in names as "\ ", '$' as "$$"). libbcc's
 * built-in headers (/virtual/...) are libbcc's identity, the source is in
 * the key itself.
 */
static int read_deps(int fd, const char *cwd, struct image_deps *deps)
{
	char *text, *p, name[PATH_MAX], full[2 * PATH_MAX];
	bool target = true;
	struct stat st;
	int err = 0;

	if (fstat(fd, &st))
		return -errno;
	text = calloc(1, st.st_size + 1);
	if (!text)
		return -ENOMEM;
	if (pread(fd, text, st.st_size, 0) != st.st_size) {
		free(text);
		return -EIO;
	}
	for (p = text; *p && !err;) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n' ||
		       (*p == '\\' && p[1] == '\n'))
			p += *p == '\\' ? 2 : 1;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       !(*p == '\\' && p[1] == '\n')) {
			if ((*p == '\\' && (p[1] == ' ' || p[1] == '#')) ||
			    (*p == '$' && p[1] == '$'))
				p++;
			if (n + 1 < sizeof(name))
				name[n++] = *p;
			p++;
		}
		name[n] = '\0';
		if (target) {
			target = n == 0 || name[n - 1] != ':';
			continue;
		}
		/* libbcc's own, and the type subset (a memfd) */
		if (strstr(name, "/virtual/") == name ||
		    strstr(name, "/proc/self/fd/") == name)
			continue;
		if (name[0] == '/')
			snprintf(full, sizeof(full), "%s", name);
		else
			snprintf(full, sizeof(full), "%s/%s", cwd, name);
		err = deps_add(deps, full);
	}
	free(text);
	return err;
}

/*
 * libbcc's compile asks one thing of /proc/kallsyms: whether the kernel
 * has bpf_probe_read_kernel (BFrontendAction::DoMiscWorkAround). To know
 * it, it reads and indexes every kernel symbol: 230 ms here, more than the
 * rest of a small program's compile. The compile's child has a mount
 * namespace of its own, where /proc/kallsyms is a one-line file that gives
 * libbcc the same answer, asked of the kernel itself (does the verifier
 * know the helper?). Where the namespace cannot be made (no
 * CAP_SYS_ADMIN), libbcc reads the real file.
 */
static void small_kallsyms(void)
{
	static const char line[] = "ffffffff81000000 T bpf_probe_read_kernel\n";
	static const char dir[] = "/dev/shm", file[] = "/dev/shm/kallsyms";
	int fd, has, ok;

	has = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
				      BPF_FUNC_probe_read_kernel, NULL);
	if (has < 0)
		return;	/* cannot tell: let libbcc read it */
	/* a tmpfs of the namespace's own holds the file while it is bound */
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpfrun", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k"))
		return;
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
	ok = fd >= 0 &&
	     (!has || write(fd, line, sizeof(line) - 1) == sizeof(line) - 1);
	if (fd >= 0)
		close(fd);
	ok = ok && !mount(file, "/proc/kallsyms", NULL, MS_BIND, NULL);
	umount2(dir, MNT_DETACH);
	if (ok)
		pr_info("libbcc's question to /proc/kallsyms answered: bpf_probe_read_kernel %s\n",
			has ? "exists" : "does not exist");
}

/*
 * In BTF mode, the kernel types the program names, in a memfd for the
 * compile (see btf_subset.c), or -1 for the whole tree.
 */
static int type_subset(const char *path, const char *const *cflags,
		       size_t ncflags, const struct headers_choice *h)
{
	struct sbuf sb = { 0 };
	int fd = -1, err;

	if (h->kind != HEADERS_BTF)
		return -1;
	err = btf_subset(h->dir, path, cflags, ncflags, &sb);
	if (!err) {
		fd = memfd_create("bpfrun-types", 0);
		if (fd >= 0 && write(fd, sb.s, sb.len) != (ssize_t)sb.len) {
			close(fd);
			fd = -1;
		}
		err = fd < 0 ? -EIO : 0;
	}
	if (err)
		pr_info("%s: no subset of the kernel types (%s): compiling with every one\n",
			path, strerror(-err));
	sb_free(&sb);
	return fd;
}

int send_msg(int sock, unsigned tag, int fd, const char *text,
		    size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov[2] = { { &tag, sizeof(tag) }, { (char *)text, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int send_fd(int sock, unsigned tag, int fd)
{
	return send_msg(sock, tag, fd, NULL, 0);
}

/* In the child, the library's messages travel to the parent's printer. */
static int child_sock = -1;

static int child_print(enum bpfrun_print_level level, const char *fmt,
		       va_list ap)
{
	char *text;
	size_t len, off;
	int n;

	n = vasprintf(&text, fmt, ap);
	if (n < 0)
		return n;
	len = n;
	for (off = 0; off < len; off += MSG_MAX)
		send_msg(child_sock, TAG_MSG + level, -1, text + off,
			 len - off < MSG_MAX ? len - off : MSG_MAX);
	free(text);
	return n;
}

/* The compile's address space: small programs need ~300 MiB of it. */
#define COMPILE_MEMORY (2048ULL << 20)

/* AddressSanitizer reserves terabytes of shadow: no limit under it. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

/*
 * The text libbcc compiles, in a memfd: the source with its own types
 * made part of its BTF (btf_anchor.c), and before it, with USDT probes,
 * libbcc's argument code (libbcc rewrites the main file only, and the
 * calls it makes of bpf_usdt_readarg() name that code), "#line" making
 * clang's messages name the source's own lines.
 */
static int main_source(const char *path, const struct usdt_set *set,
		       struct bpfrun *b, struct image_deps *deps, char *out,
		       size_t len)
{
	char *args = NULL, *src = NULL;
	int fd, err = 0;
	size_t n;

	if (set && set->n)
		err = usdt_generate(set, b, deps, &args);
	/* without the anchors, events decode by libbcc's fields alone */
	if (!err && anchored_source(path, &src))
		err = read_whole(path, MAX_SOURCE, &src, &n);
	fd = err ? -1 : memfd_create("bpfrun-main", MFD_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err && args && dprintf(fd, "%s\n#line 1 \"%s\"\n", args, path) < 0)
		err = -EIO;
	n = src ? strlen(src) : 0;
	if (!err && write(fd, src, n) != (ssize_t)n)
		err = -EIO;
	free(args);
	free(src);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	snprintf(out, len, "/proc/self/fd/%d", fd);
	return 0;
}

/* The child: returns a positive errno for its exit status. */
int child_compile(int sock, const char *path,
			 const char *const *cflags, size_t ncflags,
			 const struct headers_choice *h,
			 const struct usdt_set *usdt)
{
	char main_path[PATH_MAX];
	char dir[PATH_MAX], incl[PATH_MAX + 2], depf[64], subdef[64];
	/* what newer kernel headers trip in clang 14: not the program's fault */
	static const char *const quiet[] = { "-Wno-duplicate-decl-specifier",
					     "-Wno-ignored-attributes" };
	struct rlimit mem = { COMPILE_MEMORY, COMPILE_MEMORY };
	struct image_deps deps = { 0 };
	struct bpfrun b = { 0 };
	struct said said = { 0 };
	int err, cfd, saved = -1, depfd, imgfd, subfd;
	const char **argv;
	char *img;
	size_t i, n, len;
	void *m;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	child_sock = sock;
	bpfrun_set_print(child_print);
#ifndef ASAN
	setrlimit(RLIMIT_AS, &mem);
#else
	(void)mem;
#endif
	err = bcc_load();
	if (err)
		return -err;

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
			return ENOENT;
		}
		setenv("BCC_KERNEL_SOURCE", h->dir, 1);
	}

	depfd = memfd_create("bpfrun-deps", MFD_CLOEXEC);
	if (depfd < 0)
		return errno;
	snprintf(depf, sizeof(depf), "/proc/self/fd/%d", depfd);
	/* the program's own directory, for its shared event header */
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(incl, sizeof(incl), "-I%s", dirname(dir));
	argv = calloc(ncflags + ARRAY_SIZE(quiet) + 5, sizeof(*argv));
	if (!argv)
		return ENOMEM;
	for (n = 0; n < ARRAY_SIZE(quiet); n++)
		argv[n] = quiet[n];
	argv[n++] = incl;
	for (i = 0; i < ncflags; i++)
		argv[n++] = cflags[i];
	/* clang names every file it read: that is what the cache checks */
	argv[n++] = "-MD";
	argv[n++] = "-MF";
	argv[n++] = depf;
	subfd = type_subset(path, cflags, ncflags, h);
	if (subfd >= 0) {
		snprintf(subdef, sizeof(subdef),
			 "-D" SUBSET_MACRO "=\"/proc/self/fd/%d\"", subfd);
		argv[n++] = subdef;
	}

	err = main_source(path, usdt, &b, &deps, main_path, sizeof(main_path));
	if (err)
		return -err;
	small_kallsyms();
	cfd = stderr_catch(&saved);
	m = bcc.create_c(main_path, 0, argv, n, true, NULL);
	if (!m && subfd >= 0) {
		/* a type it reaches in a way the subset did not see */
		stderr_release(cfd, saved, path, &said, false);
		memset(&said, 0, sizeof(said));
		pr_info("%s: the compile with the kernel types it names failed: compiling with every one\n",
			path);
		n--;
		if (ftruncate(depfd, 0))
			return errno;
		cfd = stderr_catch(&saved);
		m = bcc.create_c(main_path, 0, argv, n, true, NULL);
	}
	stderr_release(cfd, saved, path, &said, true);
	if (!m && said.map_failed) {
		pr_err("%s: the program's maps cannot be created (libbcc's message above): check the table sizes and max_entries\n",
		       path);
		return E2BIG;
	}
	if (!m) {
		pr_err("%s: compilation failed (clang's messages above); kernel headers: %s %s%s%s\n",
		       path, headers_kind_name(h->kind), h->version,
		       h->dir[0] ? " in " : "", h->dir);
		if (said.missing_header && h->kind == HEADERS_BTF)
			pr_err("the header tree made from BTF has the kernel's types behind the usual kernel headers, but not every header: include one it has (e.g. linux/sched.h), or use --headers=DIR\n");
		return EINVAL;
	}
	snprintf(b.license, sizeof(b.license), "%s", bcc.license(m));
	b.kern_version = bcc.kern_version(m);
	err = copy_tables(&b, m);
	if (!err)
		err = copy_btf(&b);
	if (!err)
		err = copy_functions(&b, m);
	for (i = 0; !err && usdt && i < usdt->n; i++) {
		if (!func_find(&b, usdt->v[i].func)) {
			pr_err("%s: no function %s in the program, for usdt %s\n",
			       path, usdt->v[i].func, usdt->v[i].target);
			return ENOENT;
		}
	}
	compile_dir(h, dir, sizeof(dir));
	if (!err)
		err = read_deps(depfd, dir, &deps);
	/* what the subset was made from */
	if (!err && subfd >= 0 && m) {
		snprintf(dir, sizeof(dir), "%s/" SUBSET_BTF, h->dir);
		err = deps_add(&deps, dir);
	}
	if (!err)
		err = image_encode(&b, &deps, &img, &len);
	if (err)
		return -err;
	imgfd = memfd_create("bpfrun-image", MFD_CLOEXEC);
	if (imgfd < 0 || write(imgfd, img, len) != (ssize_t)len)
		return EIO;
	for (i = 0; i < b.ntables; i++) {
		if (b.tables[i].fd < 0)
			continue;
		err = send_fd(sock, i, b.tables[i].fd);
		if (err)
			return -err;
	}
	err = send_fd(sock, TAG_IMAGE, imgfd);
	/* the module, its maps and the rest die with the process */
	return -err;
}
