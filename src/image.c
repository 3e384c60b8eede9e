// SPDX-License-Identifier: Apache-2.0
/*
 * Images: a compiled program as bytes. The compile's child process writes
 * one, the cache stores it, and both a cold and a warm start read it back
 * through image_decode(), which trusts nothing: every count is bounded,
 * every string checked, every map load must name a table.
 *
 * Layout: "BPFRUNI1", then records of little-endian u32 lengths and bytes
 * written by put_*() and read back by get_*() in the same order, "END!".
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAGIC "BPFRUNI3"
#define MAX_USDT 65536
#define TRAILER "END!"
#define MAX_TABLES 4096
#define MAX_FUNCS 4096
#define MAX_FIELDS 4096
#define MAX_DEPS 65536
#define MAX_INSNS (1 << 20)	/* the verifier's own limit */
#define MAX_BTF (64u << 20)

/* --- dependencies --------------------------------------------------------- */

static int dep_stat(struct image_dep *d)
{
	struct stat st;

	if (stat(d->path, &st))
		return -errno;
	d->size = st.st_size;
	d->mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	d->ino = st.st_ino;
	return 0;
}

static int deps_push(struct image_deps *d, struct image_dep *dep)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct image_dep *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = *dep;
	return 0;
}

int deps_add(struct image_deps *d, const char *path)
{
	struct image_dep dep = { 0 };
	size_t i;
	int err;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].path, path))
			return 0;
	dep.path = strdup(path);
	if (!dep.path)
		return -ENOMEM;
	if (dep_stat(&dep)) {
		free(dep.path);
		return 0;
	}
	err = deps_push(d, &dep);
	if (err)
		free(dep.path);
	return err;
}

void deps_free(struct image_deps *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].path);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int deps_check(const struct image_deps *d, const char **changed)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct image_dep now = { .path = d->v[i].path };

		if (dep_stat(&now) || now.size != d->v[i].size ||
		    now.mtime_ns != d->v[i].mtime_ns || now.ino != d->v[i].ino) {
			*changed = d->v[i].path;
			return -ESTALE;
		}
	}
	return 0;
}

/* --- writing ----------------------------------------------------------- */

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

int image_encode(const struct bpfrun *b, const struct image_deps *deps,
		 char **buf, size_t *len)
{
	size_t i, j;
	FILE *f;

	*buf = NULL;
	f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	fwrite(MAGIC, 1, 8, f);
	put_u32(f, deps->n);
	for (i = 0; i < deps->n; i++) {
		put_str(f, deps->v[i].path);
		put_i64(f, deps->v[i].size);
		put_i64(f, deps->v[i].mtime_ns);
		put_i64(f, deps->v[i].ino);
	}
	put_str(f, b->license);
	put_u32(f, b->kern_version);
	put_bytes(f, b->btf ? b->btf : "", b->btf ? b->btf_len : 0);
	put_u32(f, b->ntables);
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];

		put_str(f, t->name);
		put_u32(f, t->type);
		put_u32(f, t->key_size);
		put_u32(f, t->leaf_size);
		put_u32(f, t->max_entries);
		put_u32(f, t->flags);
		put_u32(f, t->btf_key_type_id);
		put_u32(f, t->btf_value_type_id);
		put_str(f, t->key_desc);
		put_str(f, t->leaf_desc);
		put_u32(f, t->nfields);
		for (j = 0; j < t->nfields; j++)
			put_str(f, t->fields[j]);
	}
	put_u32(f, b->nfuncs);
	for (i = 0; i < b->nfuncs; i++) {
		put_str(f, b->funcs[i].name);
		put_bytes(f, b->funcs[i].insns,
			  b->funcs[i].ninsns * sizeof(struct bpf_insn));
	}
	put_u32(f, b->nusdt);
	for (i = 0; i < b->nusdt; i++) {
		const struct usdt_loc *l = &b->usdt[i];

		put_str(f, l->func);
		put_str(f, l->target);
		put_str(f, l->path);
		put_i64(f, l->offset);
		put_i64(f, l->ref_ctr);
		put_u32(f, l->pid);
	}
	fwrite(TRAILER, 1, 4, f);
	if (ferror(f)) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	return fclose(f) ? -ENOMEM : 0;
}

/* --- reading ----------------------------------------------------------- */

struct reader {
	const unsigned char *p, *end;
	int err;
};

static unsigned get_u32(struct reader *r)
{
	unsigned v;

	if (r->err || r->end - r->p < 4) {
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

/* A NUL-terminated copy of the next record; NULL on a short input. */
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

/* A string: no NUL inside, so that what is compared is what was stored. */
static char *get_str(struct reader *r)
{
	size_t n;
	char *s = get_bytes(r, &n);

	if (s && strlen(s) != n) {
		free(s);
		r->err = -EINVAL;
		return NULL;
	}
	return s;
}

static unsigned get_count(struct reader *r, unsigned max)
{
	unsigned n = get_u32(r);

	if (n > max)
		r->err = -EINVAL;
	return r->err ? 0 : n;
}

static void get_deps(struct reader *r, struct image_deps *deps)
{
	size_t i, n = get_count(r, MAX_DEPS);

	for (i = 0; i < n && !r->err; i++) {
		struct image_dep d = { 0 };

		d.path = get_str(r);
		d.size = get_i64(r);
		d.mtime_ns = get_i64(r);
		d.ino = get_i64(r);
		if (!r->err && !d.path[0])
			r->err = -EINVAL;
		if (!r->err)
			r->err = deps_push(deps, &d);
		if (r->err)
			free(d.path);
	}
}

static void get_tables(struct reader *r, struct bpfrun *b)
{
	size_t i, j, n = get_count(r, MAX_TABLES);

	b->tables = calloc(n + 1, sizeof(*b->tables));
	if (!b->tables) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !r->err; i++) {
		struct bpfrun_table *t = &b->tables[i];

		t->fd = -1;
		b->ntables++;
		t->name = get_str(r);
		t->type = get_u32(r);
		t->key_size = get_u32(r);
		t->leaf_size = get_u32(r);
		t->max_entries = get_u32(r);
		t->flags = get_u32(r);
		t->btf_key_type_id = get_u32(r);
		t->btf_value_type_id = get_u32(r);
		if ((t->btf_key_type_id || t->btf_value_type_id) && !b->btf)
			r->err = -EINVAL;
		t->key_desc = get_str(r);
		t->leaf_desc = get_str(r);
		t->nfields = get_count(r, MAX_FIELDS);
		if (r->err)
			return;
		t->fields = calloc(t->nfields + 1, sizeof(*t->fields));
		if (!t->fields) {
			t->nfields = 0;
			r->err = -ENOMEM;
			return;
		}
		for (j = 0; j < t->nfields && !r->err; j++)
			t->fields[j] = get_str(r);
		if (!r->err && !t->name[0])
			r->err = -EINVAL;
	}
}

/* Every map load must name one of the tables. */
static int check_map_refs(const struct bpfrun_func *f, size_t ntables)
{
	size_t i;

	for (i = 0; i < f->ninsns; i++) {
		const struct bpf_insn *in = &f->insns[i];

		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		if (i + 1 == f->ninsns)
			return -EINVAL;	/* half a 16-byte load */
		if (in->src_reg == BPF_PSEUDO_MAP_FD &&
		    (in->imm < 0 || (size_t)in->imm >= ntables))
			return -EINVAL;
		i++;
	}
	return 0;
}

static void get_funcs(struct reader *r, struct bpfrun *b)
{
	size_t i, t, len, n = get_count(r, MAX_FUNCS);

	b->funcs = calloc(n + 1, sizeof(*b->funcs));
	if (!b->funcs) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !r->err; i++) {
		struct bpfrun_func *f = &b->funcs[i];

		for (t = 0; t < ARRAY_SIZE(f->fd); t++)
			f->fd[t] = -1;
		b->nfuncs++;
		f->name = get_str(r);
		f->insns = (struct bpf_insn *)get_bytes(r, &len);
		if (r->err)
			return;
		if (!f->name[0] || !len || len % sizeof(struct bpf_insn) ||
		    len / sizeof(struct bpf_insn) > MAX_INSNS) {
			r->err = -EINVAL;
			return;
		}
		f->ninsns = len / sizeof(struct bpf_insn);
		r->err = check_map_refs(f, b->ntables);
	}
}

/* Where USDT probes fire: each names a function and a file by its path. */
static void get_usdt(struct reader *r, struct bpfrun *b)
{
	size_t i, n = get_count(r, MAX_USDT);

	b->usdt = calloc(n + 1, sizeof(*b->usdt));
	if (!b->usdt) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n && !r->err; i++) {
		struct usdt_loc *l = &b->usdt[i];

		b->nusdt++;
		l->func = get_str(r);
		l->target = get_str(r);
		l->path = get_str(r);
		l->offset = get_i64(r);
		l->ref_ctr = get_i64(r);
		l->pid = get_u32(r);
		if (!r->err && (!func_find(b, l->func) || l->path[0] != '/' ||
				l->pid < 0))
			r->err = -EINVAL;
	}
}

int image_decode(struct bpfrun *b, struct image_deps *deps, const void *buf,
		 size_t len)
{
	struct reader r = { .p = buf, .end = (const unsigned char *)buf + len };
	char *lic;

	if (len < 12 || memcmp(buf, MAGIC, 8) ||
	    memcmp(r.end - 4, TRAILER, 4))
		return -EINVAL;
	r.p += 8;
	r.end -= 4;
	get_deps(&r, deps);
	lic = get_str(&r);
	if (lic) {
		if (strlen(lic) >= sizeof(b->license))
			r.err = -EINVAL;
		else
			strcpy(b->license, lic);
		free(lic);
	}
	b->kern_version = get_u32(&r);
	b->btf = get_bytes(&r, &b->btf_len);
	if (!r.err && (b->btf_len > MAX_BTF || !b->btf_len)) {
		if (b->btf_len > MAX_BTF)
			r.err = -EINVAL;
		free(b->btf);
		b->btf = NULL;
		b->btf_len = 0;
	}
	if (!r.err)
		get_tables(&r, b);
	if (!r.err)
		get_funcs(&r, b);
	if (!r.err)
		get_usdt(&r, b);
	if (!r.err && r.p != r.end)
		r.err = -EINVAL;
	return r.err;
}

/* --- maps ----------------------------------------------------------------- */

void func_remap_maps(struct bpfrun_func *f, const int *from, const int *to,
		     size_t n)
{
	size_t i, t;

	for (i = 0; i + 1 < f->ninsns; i++) {
		struct bpf_insn *in = &f->insns[i];

		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		if (in->src_reg == BPF_PSEUDO_MAP_FD) {
			/* the first match only: a new value may equal an old one */
			for (t = 0; t < n; t++) {
				if (from[t] >= 0 && in->imm == from[t]) {
					in->imm = to[t];
					break;
				}
			}
		}
		i++;	/* the second half of the 16-byte load */
	}
}


static int map_create(struct bpfrun_table *t, int btf_fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int fd;

	o.map_flags = t->flags;
	if (btf_fd >= 0 && t->btf_value_type_id) {
		o.btf_fd = btf_fd;
		o.btf_key_type_id = t->btf_key_type_id;
		o.btf_value_type_id = t->btf_value_type_id;
	}
	fd = bpf_map_create(t->type, t->name, t->key_size, t->leaf_size,
			    t->max_entries, &o);
	if (fd < 0)
		pr_err("cannot create map %s (%u entries of %u+%u bytes): %s\n",
		       t->name, t->max_entries, t->key_size, t->leaf_size,
		       strerror(-fd));
	return fd;
}

/* What a table may cost the kernel, in bytes (an upper bound). */
static unsigned long long table_bytes(const struct bpfrun_table *t)
{
	unsigned long long n = t->max_entries, per;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	switch (t->type) {
	case BPF_MAP_TYPE_RINGBUF:
		return n;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		per = (unsigned long long)t->leaf_size * (cpus > 0 ? cpus : 1);
		break;
	default:
		per = t->leaf_size;
	}
	return n * (t->key_size + per);
}

/*
 * A quarter of the machine's memory for all of a program's maps: a typo in
 * max_entries (1 << 30) must not take 8 GiB of kernel memory unasked.
 */
static int check_memory(const struct bpfrun *b)
{
	unsigned long long total = 0, limit;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	size_t i;

	if (pages <= 0 || psize <= 0)
		return 0;
	limit = (unsigned long long)pages * psize / 4;
	for (i = 0; i < b->ntables; i++) {
		unsigned long long n = table_bytes(&b->tables[i]);

		total += n;
		if (n > limit || total > limit) {
			pr_err("%s: table %s needs %llu MiB of kernel memory (%u entries), and the program's maps may have %llu MiB at most (a quarter of this machine's memory); make max_entries smaller\n",
			       b->path ? b->path : "program",
			       b->tables[i].name, n >> 20,
			       b->tables[i].max_entries, limit >> 20);
			return -E2BIG;
		}
	}
	return 0;
}

bool table_from_libbcc(const struct bpfrun_table *t)
{
	return t->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       t->type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* The program's BTF in the kernel, for maps that have types in it. */
static struct btf *btf_load(const struct bpfrun *b)
{
	struct btf *btf;
	int err;

	if (!b->btf)
		return NULL;
	btf = btf__new(b->btf, b->btf_len);
	if (!btf) {
		pr_warn("%s: the program's BTF does not parse: maps get no types\n",
			b->path);
		return NULL;
	}
	err = btf__load_into_kernel(btf);
	if (err) {
		pr_warn("%s: the kernel refused the program's BTF (%s): maps get no types\n",
			b->path, strerror(-err));
		btf__free(btf);
		return NULL;
	}
	return btf;
}

int image_bind(struct bpfrun *b)
{
	struct btf *btf = NULL;
	int *idx, *fds, err;
	size_t i;

	err = check_memory(b);
	if (err)
		return err;

	idx = calloc(b->ntables + 1, sizeof(*idx));
	fds = calloc(b->ntables + 1, sizeof(*fds));
	if (!idx || !fds) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b->ntables; i++) {
		struct bpfrun_table *t = &b->tables[i];

		if (t->fd < 0) {
			if (!btf && b->btf)
				btf = btf_load(b);
			t->fd = map_create(t, btf ? btf__fd(btf) : -1);
			if (t->fd < 0) {
				err = t->fd;
				goto out;
			}
		}
		/* a table without a map makes its loads -1: the kernel refuses */
		idx[i] = i;
		fds[i] = t->fd;
	}
	for (i = 0; i < b->nfuncs; i++)
		func_remap_maps(&b->funcs[i], idx, fds, b->ntables);
out:
	btf__free(btf);	/* the maps keep the kernel's copy */
	free(idx);
	free(fds);
	return err;
}
