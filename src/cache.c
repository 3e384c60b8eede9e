// SPDX-License-Identifier: Apache-2.0
/*
 * The compiled-program cache. A compile's output (instructions, map
 * descriptions, license) is stored under a key that covers everything that
 * changes it: the source, every header it may include, the cflags, the
 * header tree, libbcc and the kernel. A later run with the same key creates
 * the maps itself and never loads libbcc (~80 MiB of LLVM and clang).
 *
 * Headers are found by following #include lines through the same include
 * path libbcc uses. That over-approximates (both sides of an #ifdef are
 * followed, which is safe) and misses only computed includes.
 *
 * Entry file: "BPFRUNC1", then records of little-endian u32 lengths and
 * bytes, written by put_*() and read back by get_*() in the same order.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "internal.h"

#define MAGIC "BPFRUNC1"

/* --- the key ---------------------------------------------------------- */

static unsigned long long fnv1a(unsigned long long h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

struct dep {
	char *path;
	long long size, mtime_ns, ino;
};

struct deps {
	struct dep *v;
	size_t n, cap;
};

static void deps_free(struct deps *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].path);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int dep_stat(struct dep *d)
{
	struct stat st;

	if (stat(d->path, &st))
		return -errno;
	d->size = st.st_size;
	d->mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	d->ino = st.st_ino;
	return 0;
}

/* 1: added, 0: already there */
static int deps_add(struct deps *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].path, path))
			return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct dep *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	d->v[d->n].path = strdup(path);
	if (!d->v[d->n].path)
		return -ENOMEM;
	if (dep_stat(&d->v[d->n])) {
		free(d->v[d->n].path);
		return 0;
	}
	d->n++;
	return 1;
}

/* The include path libbcc's kbuild flags give, relative to the tree. */
static const char *const tree_dirs[] = {
	"arch/x86/include",	       "arch/x86/include/generated",
	"include",		       "arch/x86/include/uapi",
	"arch/x86/include/generated/uapi", "include/uapi",
	"include/generated/uapi",
};

struct scan {
	struct deps *deps;
	char roots[4][PATH_MAX];	/* header trees */
	size_t nroots;
	const char *const *cflags;	/* for -I */
	size_t ncflags;
};

static int scan_file(struct scan *s, const char *path, int depth);

static int resolve(struct scan *s, const char *name, const char *curdir,
		   bool quoted, char *out)
{
	size_t i, j;

	if (quoted) {
		snprintf(out, PATH_MAX, "%s/%s", curdir, name);
		if (path_exists(out))
			return 0;
	}
	for (i = 0; i < s->ncflags; i++) {
		if (strncmp(s->cflags[i], "-I", 2) || !s->cflags[i][2])
			continue;
		snprintf(out, PATH_MAX, "%s/%s", s->cflags[i] + 2, name);
		if (path_exists(out))
			return 0;
	}
	for (i = 0; i < s->nroots; i++) {
		for (j = 0; j < ARRAY_SIZE(tree_dirs); j++) {
			snprintf(out, PATH_MAX, "%s/%s/%s", s->roots[i],
				 tree_dirs[j], name);
			if (path_exists(out))
				return 0;
		}
	}
	return -ENOENT;	/* a system or libbcc header: libbcc's identity */
}

static int scan_file(struct scan *s, const char *path, int depth)
{
	char dir[PATH_MAX], *line = NULL, *slash;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	if (depth > 64)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	while (!err && getline(&line, &cap, f) > 0) {
		char *p = line, *end, name[PATH_MAX], found[PATH_MAX];
		char close;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '"' && *p != '<')
			continue;
		close = *p == '"' ? '"' : '>';
		end = strchr(p + 1, close);
		if (!end || end - p - 1 >= (long)sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		if (resolve(s, name, dir, close == '"', found))
			continue;
		err = deps_add(s->deps, found);
		if (err > 0)
			err = scan_file(s, found, depth + 1);
	}
	free(line);
	fclose(f);
	return err < 0 ? err : 0;
}

static void headers_roots(struct scan *s, const struct headers_choice *h,
			  const char *release)
{
	if (h->kind != HEADERS_MATCHING) {
		snprintf(s->roots[s->nroots++], PATH_MAX, "%s", h->dir);
		return;
	}
	snprintf(s->roots[s->nroots++], PATH_MAX, "/lib/modules/%s/source",
		 release);
	snprintf(s->roots[s->nroots++], PATH_MAX, "/lib/modules/%s/build",
		 release);
}

/*
 * Everything but the headers, as text compared whole: the source's content
 * hash, cflags, header tree, libbcc's file identity and the kernel's build.
 */
int cache_key(const char *path, const char *const *cflags, size_t ncflags,
	      const struct headers_choice *h, const struct utsname *u,
	      char **out)
{
	struct dep src = { .path = (char *)path };
	char lib[96];
	unsigned long long hash = FNV_INIT;
	char *text = NULL, buf[65536];
	size_t len = 0, i;
	FILE *m;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hash = fnv1a(hash, buf, n);
	close(fd);
	dep_stat(&src);
	file_identity(LIBBCC_SONAME, lib, sizeof(lib));
	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	fprintf(m, "format 1\nsource %s %lld %016llx\n", path, src.size, hash);
	for (i = 0; i < ncflags; i++)
		fprintf(m, "cflag %s\n", cflags[i]);
	fprintf(m, "headers %d %s %s\n", h->kind, h->dir, h->version);
	fprintf(m, "libbcc %s %s\n", LIBBCC_SONAME, lib);
	fprintf(m, "kernel %s %s %s\n", u->release, u->version, u->machine);
	fclose(m);
	*out = text;
	return 0;
}

/* --- the entry file ----------------------------------------------------- */

static void put_u32(FILE *f, unsigned v)
{
	unsigned char b[4] = { v, v >> 8, v >> 16, v >> 24 };

	fwrite(b, 1, 4, f);
}

static void put_i64(FILE *f, long long v)
{
	put_u32(f, (unsigned long long)v & 0xffffffff);
	put_u32(f, (unsigned long long)v >> 32);
}

static void put_bytes(FILE *f, const void *p, size_t n)
{
	put_u32(f, n);
	fwrite(p, 1, n, f);
}

static void put_str(FILE *f, const char *s)
{
	put_bytes(f, s, strlen(s));
}

struct reader {
	const unsigned char *p, *end;
	int err;
};

static unsigned get_u32(struct reader *r)
{
	unsigned v;

	if (r->end - r->p < 4) {
		r->err = -EINVAL;
		return 0;
	}
	v = r->p[0] | r->p[1] << 8 | r->p[2] << 16 | (unsigned)r->p[3] << 24;
	r->p += 4;
	return v;
}

static long long get_i64(struct reader *r)
{
	unsigned long long lo = get_u32(r);

	return (long long)(lo | (unsigned long long)get_u32(r) << 32);
}

/* A copy of the next record, NUL-terminated; NULL on a short file. */
static char *get_bytes(struct reader *r, size_t *len)
{
	size_t n = get_u32(r);
	char *s;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = -EINVAL;
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		r->err = -ENOMEM;
		return NULL;
	}
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	if (len)
		*len = n;
	return s;
}

static bool cacheable(const struct bpfrun *b)
{
	size_t i;

	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];

		/* inner maps and extern tables are libbcc's business */
		if (t->fd < 0 || t->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    t->type == BPF_MAP_TYPE_HASH_OF_MAPS)
			return false;
	}
	return true;
}

static void write_entry(FILE *f, const struct bpfrun *b, const char *key,
			const struct deps *deps, const int *fds, const int *idx)
{
	size_t i, j;

	fwrite(MAGIC, 1, 8, f);
	put_str(f, key);
	put_u32(f, deps->n);
	for (i = 0; i < deps->n; i++) {
		put_str(f, deps->v[i].path);
		put_i64(f, deps->v[i].size);
		put_i64(f, deps->v[i].mtime_ns);
		put_i64(f, deps->v[i].ino);
	}
	put_str(f, b->license);
	put_u32(f, b->kern_version);
	put_u32(f, b->ntables);
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];

		put_str(f, t->name);
		put_u32(f, t->type);
		put_u32(f, t->key_size);
		put_u32(f, t->leaf_size);
		put_u32(f, t->max_entries);
		put_u32(f, t->flags);
		put_str(f, t->key_desc);
		put_str(f, t->leaf_desc);
		put_u32(f, t->nfields);
		for (j = 0; j < t->nfields; j++)
			put_str(f, t->fields[j]);
	}
	put_u32(f, b->nfuncs);
	for (i = 0; i < b->nfuncs; i++) {
		struct bpfrun_func copy = b->funcs[i];

		copy.insns = malloc(copy.ninsns * sizeof(*copy.insns) + 1);
		if (!copy.insns) {
			fputc(0, f);	/* a short entry is never trusted */
			return;
		}
		memcpy(copy.insns, b->funcs[i].insns,
		       copy.ninsns * sizeof(*copy.insns));
		func_remap_maps(&copy, fds, idx, b->ntables);
		put_str(f, copy.name);
		put_bytes(f, copy.insns, copy.ninsns * sizeof(*copy.insns));
		free(copy.insns);
	}
	fwrite("END!", 1, 4, f);
}

static int entry_path(const char *key, char *buf, size_t len)
{
	char dir[PATH_MAX];
	int err = cache_dir("programs", dir, sizeof(dir));

	if (err)
		return err;
	if ((size_t)snprintf(buf, len, "%s/%016llx", dir,
			     fnv1a(FNV_INIT, key, strlen(key))) >= len)
		return -ENAMETOOLONG;
	return 0;
}

struct cache_ctx {
	char *key;
	char path[PATH_MAX];
};

static int cache_begin(struct cache_ctx *c, const char *path,
		       const char *const *cflags, size_t ncflags,
		       const struct headers_choice *h)
{
	struct utsname u;
	int err;

	memset(c, 0, sizeof(*c));
	uname(&u);
	err = cache_key(path, cflags, ncflags, h, &u, &c->key);
	if (!err)
		err = entry_path(c->key, c->path, sizeof(c->path));
	return err;
}

/* Keep the newest MAX_ENTRIES entries: old ones are dead edits. */
#define MAX_ENTRIES 256

static void evict(const char *entry)
{
	char dir[PATH_MAX], oldest[PATH_MAX + 300] = "", p[PATH_MAX + 300];
	long long oldest_ns = 0;
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", entry);
	*strrchr(dir, '/') = '\0';
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) || !S_ISREG(st.st_mode))
			continue;
		n++;
		if (!*oldest || st.st_mtim.tv_sec * 1000000000LL +
					st.st_mtim.tv_nsec < oldest_ns) {
			oldest_ns = st.st_mtim.tv_sec * 1000000000LL +
				    st.st_mtim.tv_nsec;
			snprintf(oldest, sizeof(oldest), "%s", p);
		}
	}
	closedir(d);
	/* one out per store keeps the count bounded */
	if (n > MAX_ENTRIES && *oldest)
		unlink(oldest);
}

int cache_store(const struct bpfrun *b, const char *path,
		const char *const *cflags, size_t ncflags,
		const struct headers_choice *h)
{
	struct scan s = { .cflags = cflags, .ncflags = ncflags };
	struct deps deps = { 0 };
	struct utsname u;
	struct cache_ctx c;
	char tmp[PATH_MAX + 32];
	int *fds = NULL, *idx = NULL, err, fd;
	size_t i;
	FILE *f;

	if (!cacheable(b))
		return 0;
	err = cache_begin(&c, path, cflags, ncflags, h);
	if (err)
		goto out;
	uname(&u);
	s.deps = &deps;
	headers_roots(&s, h, u.release);
	err = scan_file(&s, path, 0);
	if (err)
		goto out;
	fds = calloc(b->ntables + 1, sizeof(*fds));
	idx = calloc(b->ntables + 1, sizeof(*idx));
	if (!fds || !idx) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b->ntables; i++) {
		fds[i] = b->tables[i].fd;
		idx[i] = i;
	}
	/* write beside it, then rename: a reader never sees half an entry */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", c.path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	write_entry(f, b, c.key, &deps, fds, idx);
	if (fclose(f) || rename(tmp, c.path)) {
		err = -errno;
		unlink(tmp);
		goto out;
	}
	pr_info("cached the compiled program in %s (%zu headers followed)\n",
		c.path, deps.n);
	evict(c.path);
out:
	if (err)
		pr_warn("cannot cache the compiled program: %s\n",
			strerror(-err));
	free(fds);
	free(idx);
	free(c.key);
	deps_free(&deps);
	return err;
}

/* Read a file whole, if it is root's and nobody else may write it. */
static int read_trusted(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open_trusted(path, O_RDONLY);
	if (fd == -EPERM)
		pr_warn("ignoring cache entry %s: not owned by root or writable by others; compiling\n",
			path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	*buf = malloc(st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *buf, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*buf);
		return -EIO;
	}
	*len = n;
	return 0;
}

static int load_tables(struct bpfrun *b, struct reader *r)
{
	size_t i, j, n = get_u32(r);

	if (r->err || n > 4096)
		return -EINVAL;
	b->tables = calloc(n + 1, sizeof(*b->tables));
	if (!b->tables)
		return -ENOMEM;
	for (i = 0; i < n && !r->err; i++) {
		struct bpfrun_table *t = &b->tables[i];
		LIBBPF_OPTS(bpf_map_create_opts, o);

		t->fd = -1;
		b->ntables++;
		t->name = get_bytes(r, NULL);
		t->type = get_u32(r);
		t->key_size = get_u32(r);
		t->leaf_size = get_u32(r);
		t->max_entries = get_u32(r);
		t->flags = get_u32(r);
		t->key_desc = get_bytes(r, NULL);
		t->leaf_desc = get_bytes(r, NULL);
		t->nfields = get_u32(r);
		if (r->err || t->nfields > 4096)
			return -EINVAL;
		t->fields = calloc(t->nfields + 1, sizeof(*t->fields));
		if (!t->fields)
			return -ENOMEM;
		for (j = 0; j < t->nfields; j++)
			t->fields[j] = get_bytes(r, NULL);
		if (r->err)
			return r->err;
		o.map_flags = t->flags;
		t->fd = bpf_map_create(t->type, t->name, t->key_size,
				       t->leaf_size, t->max_entries, &o);
		if (t->fd < 0) {
			pr_warn("cannot recreate map %s from the cache: %s; compiling\n",
				t->name, strerror(-t->fd));
			return t->fd;
		}
	}
	return r->err;
}

static int load_funcs(struct bpfrun *b, struct reader *r)
{
	size_t i, t, n = get_u32(r), len;
	int *idx, *fds;

	if (r->err || n > 4096)
		return -EINVAL;
	b->funcs = calloc(n + 1, sizeof(*b->funcs));
	idx = calloc(b->ntables + 1, sizeof(*idx));
	fds = calloc(b->ntables + 1, sizeof(*fds));
	if (!b->funcs || !idx || !fds) {
		free(idx);
		free(fds);
		return -ENOMEM;
	}
	for (t = 0; t < b->ntables; t++) {
		idx[t] = t;
		fds[t] = b->tables[t].fd;
	}
	for (i = 0; i < n && !r->err; i++) {
		struct bpfrun_func *f = &b->funcs[i];

		for (t = 0; t < ARRAY_SIZE(f->fd); t++)
			f->fd[t] = -1;
		b->nfuncs++;
		f->name = get_bytes(r, NULL);
		f->insns = (struct bpf_insn *)get_bytes(r, &len);
		if (r->err)
			break;
		f->ninsns = len / sizeof(struct bpf_insn);
		func_remap_maps(f, idx, fds, b->ntables);
	}
	free(idx);
	free(fds);
	return r->err;
}

int cache_load(struct bpfrun *b, const char *path, const char *const *cflags,
	       size_t ncflags, const struct headers_choice *h)
{
	struct reader r = { 0 };
	unsigned char *buf = NULL;
	struct cache_ctx c;
	char *key = NULL, *lic = NULL;
	size_t len = 0, i, n;
	int err;

	err = cache_begin(&c, path, cflags, ncflags, h);
	if (err)
		goto out;
	err = read_trusted(c.path, &buf, &len);
	if (err)
		goto out;
	r.p = buf;
	r.end = buf + len;
	err = -ESTALE;
	if (len < 12 || memcmp(buf, MAGIC, 8) || memcmp(buf + len - 4, "END!", 4))
		goto out;
	r.p += 8;
	r.end -= 4;
	key = get_bytes(&r, NULL);
	if (!key || strcmp(key, c.key))
		goto out;
	n = get_u32(&r);
	for (i = 0; i < n && !r.err; i++) {
		struct dep d = { 0 }, now;

		d.path = get_bytes(&r, NULL);
		d.size = get_i64(&r);
		d.mtime_ns = get_i64(&r);
		d.ino = get_i64(&r);
		now = d;
		if (!d.path || dep_stat(&now) || now.size != d.size ||
		    now.mtime_ns != d.mtime_ns || now.ino != d.ino) {
			pr_info("cache entry is stale: %s changed\n",
				d.path ? d.path : "?");
			free(d.path);
			goto out;
		}
		free(d.path);
	}
	lic = get_bytes(&r, NULL);
	if (!lic)
		goto out;
	snprintf(b->license, sizeof(b->license), "%s", lic);
	b->kern_version = get_u32(&r);
	err = load_tables(b, &r);
	if (!err)
		err = load_funcs(b, &r);
	if (!err && r.p != r.end)
		err = -EINVAL;
	if (!err)
		pr_info("loaded the compiled program from %s\n", c.path);
out:
	free(lic);
	free(key);
	free(buf);
	free(c.key);
	return err;
}
