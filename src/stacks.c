// SPDX-License-Identifier: Apache-2.0
/*
 * Stack traces: the ids a program's BPF_STACK_TRACE tables hand out, read
 * back as frames. Kernel frames are named from /proc/kallsyms (kallsyms.c,
 * read on the first kernel frame), user frames by libbcc's symbol cache,
 * dlopen()ed on the first user frame: a run that prints no user stack, a
 * warm start above all, never maps libbcc and its ~80 MiB of LLVM.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cscan.h"
#include "internal.h"

/*
 * The kernel's half of the address space: the top bit on the 64-bit
 * machines bcc supports (x86-64, arm64, ppc64le, riscv64), which is how a
 * frame of a mixed stack (BPF_F_USER_STACK is not the only kind a map
 * holds) is told to be the kernel's.
 */
#define KERNEL_HALF (1ULL << 63)
/* user symbol caches kept at once: one per process a dump names */
#define NR_PROCS 32

/* libbcc's bcc_syms.h, the part used here */
struct bcc_symbol {
	const char *name;
	const char *demangle_name;
	const char *module;
	uint64_t offset;
};

/* bcc_proc.h's */
struct bcc_mod_info {
	char *name;
	uint64_t start_addr, end_addr;
	unsigned long long file_offset;
	uint64_t dev_major, dev_minor, inode;
};
typedef int (*bcc_modulecb)(struct bcc_mod_info *mod, int enter_ns,
			    void *ctx);

static struct {
	void *(*symcache_new)(int pid, void *option);
	void (*free_symcache)(void *cache, int pid);
	int (*resolve)(void *cache, uint64_t addr, struct bcc_symbol *sym);
	void (*free_demangle)(struct bcc_symbol *sym);
	void *(*buildsymcache_new)(void);
	void (*free_buildsymcache)(void *cache);
	int (*buildsymcache_add_module)(void *cache, const char *path);
	int (*buildsymcache_resolve)(void *cache,
				     struct bpf_stack_build_id *trace,
				     struct bcc_symbol *sym);
	int (*each_module)(int pid, bcc_modulecb fn, void *ctx);
} bcc;

static const struct libbcc_sym bcc_syms[] = {
#define SYM(field, sym) LIBBCC_SYM(bcc, field, sym)
	SYM(symcache_new, bcc_symcache_new),
	SYM(free_symcache, bcc_free_symcache),
	SYM(resolve, bcc_symcache_resolve),
	SYM(free_demangle, bcc_symbol_free_demangle_name),
	SYM(buildsymcache_new, bcc_buildsymcache_new),
	SYM(free_buildsymcache, bcc_free_buildsymcache),
	SYM(buildsymcache_add_module, bcc_buildsymcache_add_module),
	SYM(buildsymcache_resolve, bcc_buildsymcache_resolve),
	SYM(each_module, bcc_procutils_each_module),
#undef SYM
};

/* 0, or -errno (said once) when libbcc cannot name user frames */
static int bcc_load(void)
{
	static int loaded;	/* 1: done; -errno: failed, not tried again */
	const char *what;
	int err;

	if (loaded)
		return loaded < 0 ? loaded : 0;
	err = libbcc_bind(&bcc, bcc_syms, ARRAY_SIZE(bcc_syms), &what);
	if (err == -ENOENT)
		pr_warn("cannot load libbcc (%s) to name user stack frames: %s; they are shown as addresses\n",
			LIBBCC_SONAME, what);
	else if (err)
		pr_warn("libbcc (%s) has no %s: user stack frames are shown as addresses\n",
			LIBBCC_SONAME, what);
	loaded = err ? err : 1;
	return err;
}

struct stack_map {
	const char *name;	/* the program's table: lives as long as it */
	int fd;
	unsigned depth, max_entries;
	bool build_id;		/* BPF_STACK_TRACE_BUILDID: file and offset */
	unsigned long long lost;
};

struct proc_syms {
	int pid;
	void *cache;		/* NULL: the process was gone */
	bool files_added;	/* its files, to the build id cache */
	unsigned long long used;
};

struct bpfrun_stacks {
	struct stack_map *maps;
	size_t nmaps;
	void *frames;		/* one stack, the largest map's */
	void *bcache;		/* libbcc's build id cache, made on first use */
	struct ksym_table ksyms;
	int ksyms_err;		/* 1: not read yet */
	struct proc_syms procs[NR_PROCS];
	unsigned long long tick;
	unsigned long long gone;	/* processes already exited */
	int gone_pid;			/* one of them */
	char sym[512], module[PATH_MAX], build_id[2 * BPF_BUILD_ID_SIZE + 1];
};

int bpfrun_stacks_open(const struct bpfrun *b, struct bpfrun_stacks **out)
{
	struct bpfrun_stacks *s = calloc(1, sizeof(*s));
	unsigned size = 8;
	size_t i;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->ksyms_err = 1;
	s->maps = calloc(b->ntables ? b->ntables : 1, sizeof(*s->maps));
	if (!s->maps)
		goto nomem;
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];
		struct stack_map *m = &s->maps[s->nmaps];

		if (t->type != BPF_MAP_TYPE_STACK_TRACE || t->fd < 0 ||
		    t->key_size != 4 || t->leaf_size < 8)
			continue;
		m->name = t->name;
		m->fd = t->fd;
		m->build_id = t->flags & BPF_F_STACK_BUILD_ID;
		m->depth = t->leaf_size / (m->build_id ?
				sizeof(struct bpf_stack_build_id) : 8);
		m->max_entries = t->max_entries;
		if (t->leaf_size > size)
			size = t->leaf_size;
		s->nmaps++;
	}
	s->frames = calloc(1, size);
	if (!s->frames)
		goto nomem;
	*out = s;
	return 0;
nomem:
	bpfrun_stacks_close(s);
	return -ENOMEM;
}

void bpfrun_stacks_close(struct bpfrun_stacks *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < NR_PROCS; i++)
		if (s->procs[i].cache)
			bcc.free_symcache(s->procs[i].cache, s->procs[i].pid);
	if (s->bcache)
		bcc.free_buildsymcache(s->bcache);
	ksym_table_free(&s->ksyms);
	free(s->frames);
	free(s->maps);
	free(s);
}

size_t bpfrun_stacks_nr_maps(const struct bpfrun_stacks *s)
{
	return s ? s->nmaps : 0;
}

static struct stack_map *map_by_name(const struct bpfrun_stacks *s,
				     const char *name)
{
	size_t i;

	for (i = 0; name && i < s->nmaps; i++)
		if (!strcmp(s->maps[i].name, name))
			return &s->maps[i];
	return NULL;
}

/* --- which map an id comes from: the program's text ------------------- */

static bool is_c_ident(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!is_ident((unsigned char)*s))
			return false;
	return true;
}

/* bcc's tools name them so: stack_id, stackid, user_stack_id, w_k_stack_id */
static bool stack_id_name(const char *name)
{
	size_t n = strlen(name);

	return (n >= 8 && !strcasecmp(name + n - 8, "stack_id")) ||
	       (n >= 7 && !strcasecmp(name + n - 7, "stackid"));
}

/*
 * Sub-match @sub of every match of @re in @src, each to @fn until one
 * gives a map's name: that name, or NULL.
 */
static const char *each_match(const char *src, const char *re, int sub,
			      const char *(*fn)(const struct bpfrun_stacks *,
						const char *, const char *),
			      const struct bpfrun_stacks *s)
{
	const char *p = src, *hit = NULL;
	regmatch_t m[6];
	char word[129];
	regex_t r;
	size_t n;

	if (regcomp(&r, re, REG_EXTENDED))
		return NULL;
	while (!hit && !regexec(&r, p, ARRAY_SIZE(m), m, p == src ? 0 : REG_NOTBOL)) {
		n = m[sub].rm_eo - m[sub].rm_so;
		if (m[sub].rm_so >= 0 && n < sizeof(word)) {
			memcpy(word, p + m[sub].rm_so, n);
			word[n] = '\0';
			hit = fn(s, src, word);
		}
		if (m[0].rm_eo <= 0)
			break;
		p += m[0].rm_eo;
	}
	regfree(&r);
	return hit;
}

static const char *stack_map_named(const struct bpfrun_stacks *s,
				   const char *src, const char *word)
{
	struct stack_map *m = map_by_name(s, word);

	return m ? m->name : NULL;
}

#define ID_START "(^|[^[:alnum:]_])"
#define SP "[[:space:]]*"
#define WORD "([[:alnum:]_]+)"

/*
 * @name = [(cast)] MAP.get_stackid(...): bcc's one form (its rewriter
 * makes it bcc_get_stackid(); libbcc declares no bpf_get_stackid()).
 */
static const char *assigned_map(const struct bpfrun_stacks *s, const char *src,
				const char *name)
{
	char re[512];

	snprintf(re, sizeof(re),
		 ID_START "%s" SP "=" SP "(\\([^()]*\\)" SP ")?" WORD SP "\\." SP
			  "get_stackid" SP "\\(",
		 name);
	return each_match(src, re, 3, stack_map_named, s);
}

static const char *var_map(const struct bpfrun_stacks *s, const char *src,
			   const char *name)
{
	const char *m = assigned_map(s, src, name);

	if (m || !stack_id_name(name))
		return m;
	/* named as one but filled elsewhere (a helper, a macro) */
	return s->nmaps ? s->maps[0].name : NULL;
}

const char *bpfrun_stack_map_of(const struct bpfrun_stacks *s, const char *src,
				const char *table, const char *field)
{
	char re[512];

	if (!s || !s->nmaps || !src)
		return NULL;
	if (field)
		return is_c_ident(field) ? var_map(s, src, field) : NULL;
	if (!table || !is_c_ident(table))
		return NULL;
	/* a plain key: the variable the program gives TABLE.OP(&VAR, ...) */
	snprintf(re, sizeof(re),
		 ID_START "%s" SP "\\." SP
			  "(lookup|update|insert|increment|atomic_increment|lookup_or_init|lookup_or_try_init)"
			  SP "\\(" SP "&?" SP WORD,
		 table);
	return each_match(src, re, 3, var_map, s);
}

/* --- frames ------------------------------------------------------------- */

static void kernel_frame(struct bpfrun_stacks *s, struct bpfrun_frame *f)
{
	if (s->ksyms_err == 1) {
		s->ksyms_err = ksym_table_load(&s->ksyms, NULL);
		if (s->ksyms_err == -EACCES)
			pr_warn("/proc/kallsyms hides kernel addresses (kernel.kptr_restrict): kernel stack frames are shown as addresses\n");
		else if (s->ksyms_err)
			pr_warn("cannot read /proc/kallsyms: %s: kernel stack frames are shown as addresses\n",
				strerror(-s->ksyms_err));
	}
	if (!s->ksyms_err)
		f->sym = ksym_table_find(&s->ksyms, f->ip, &f->off);
}

/* Alive, with mappings: a zombie's maps file is empty. */
static bool process_exists(int pid)
{
	char path[64], c;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, &c, 1);
	close(fd);
	return n == 1;
}

static void proc_gone(struct bpfrun_stacks *s, struct proc_syms *p)
{
	if (p->cache)
		bcc.free_symcache(p->cache, p->pid);
	p->cache = NULL;
	s->gone++;
	s->gone_pid = p->pid;
}

/* The symbol cache of @pid, made on first use; its cache NULL: gone. */
static struct proc_syms *proc_cache(struct bpfrun_stacks *s, int pid)
{
	struct proc_syms *p, *lru = &s->procs[0];
	size_t i;

	for (i = 0; i < NR_PROCS; i++) {
		p = &s->procs[i];
		if (p->pid == pid && p->used) {
			p->used = ++s->tick;
			return p;
		}
		if (p->used < lru->used)
			lru = p;
	}
	if (lru->cache)
		bcc.free_symcache(lru->cache, lru->pid);
	lru->pid = pid;
	lru->used = ++s->tick;
	lru->cache = NULL;
	if (process_exists(pid))
		lru->cache = bcc.symcache_new(pid, NULL);
	if (!lru->cache)
		proc_gone(s, lru);
	return lru;
}

static void user_frame(struct bpfrun_stacks *s, int pid,
		       struct bpfrun_frame *f)
{
	struct proc_syms *p;
	struct bcc_symbol sym;
	const char *name;

	if (pid <= 0 || bcc_load())
		return;
	p = proc_cache(s, pid);
	if (!p->cache)
		return;
	memset(&sym, 0, sizeof(sym));
	/* -1 with the module and the offset into it when it has no symbol */
	if (!bcc.resolve(p->cache, f->ip, &sym)) {
		name = sym.demangle_name ? sym.demangle_name : sym.name;
		if (name) {
			snprintf(s->sym, sizeof(s->sym), "%s", name);
			f->sym = s->sym;
		}
	}
	if (sym.module) {
		snprintf(s->module, sizeof(s->module), "%s", sym.module);
		f->module = s->module;
	}
	f->off = f->sym || (f->module && f->module[0] == '/') ? sym.offset : 0;
	bcc.free_demangle(&sym);
	/* no module: the address is nowhere, or the process exited since */
	if (!sym.module && !process_exists(pid))
		proc_gone(s, p);
}

static int add_file(struct bcc_mod_info *mod, int enter_ns, void *ctx)
{
	struct bpfrun_stacks *s = ctx;

	if (mod->name && mod->name[0] == '/')
		bcc.buildsymcache_add_module(s->bcache, mod->name);
	return 0;
}

/*
 * A frame of a build id stack: the file's build id and the offset into
 * it, named by libbcc's build id cache from the files the process maps
 * (bcc's tools name the files by hand: BPF.add_module()).
 */
static void build_id_frame(struct bpfrun_stacks *s, int pid,
			   struct bpf_stack_build_id *b, struct bpfrun_frame *f)
{
	static const char hex[] = "0123456789abcdef";
	struct proc_syms *p;
	struct bcc_symbol sym;
	unsigned i;

	for (i = 0; i < BPF_BUILD_ID_SIZE; i++) {
		s->build_id[2 * i] = hex[b->build_id[i] >> 4];
		s->build_id[2 * i + 1] = hex[b->build_id[i] & 15];
	}
	s->build_id[2 * i] = '\0';
	f->build_id = s->build_id;
	f->off = b->offset;
	if (pid <= 0 || bcc_load())
		return;
	if (!s->bcache && !(s->bcache = bcc.buildsymcache_new()))
		return;
	p = proc_cache(s, pid);
	if (p->cache && !p->files_added) {
		bcc.each_module(pid, add_file, s);
		p->files_added = true;
	}
	memset(&sym, 0, sizeof(sym));
	/*
	 * An offset into the symbol past the one into the file is a symbol
	 * of another part of a stripped file (libbcc answers so): none.
	 */
	if (bcc.buildsymcache_resolve(s->bcache, b, &sym) || !sym.name ||
	    sym.offset > b->offset) {
		bcc.free_demangle(&sym);
		return;
	}
	snprintf(s->sym, sizeof(s->sym), "%s",
		 sym.demangle_name ? sym.demangle_name : sym.name);
	f->sym = s->sym;
	f->off = sym.offset;
	if (sym.module) {
		snprintf(s->module, sizeof(s->module), "%s", sym.module);
		f->module = s->module;
	}
	bcc.free_demangle(&sym);
}

int bpfrun_stack_walk(struct bpfrun_stacks *s, const char *map, long long id,
		      int pid, bpfrun_frame_fn fn, void *ctx)
{
	struct stack_map *m = s ? map_by_name(s, map) : NULL;
	struct bpfrun_frame f;
	unsigned i, key;
	int err;

	if (!m)
		return -EINVAL;
	if (id == -EFAULT)
		return -EFAULT;
	if (id == -EEXIST || id == -ENOMEM) {
		m->lost++;
		return -ENOSPC;
	}
	if (id < 0 || id > UINT_MAX)
		return -EINVAL;
	key = id;
	if (bpf_map_lookup_elem(m->fd, &key, s->frames))
		return errno == ENOENT ? -ENOENT : -errno;
	for (i = 0; i < m->depth; i++) {
		memset(&f, 0, sizeof(f));
		if (m->build_id) {
			struct bpf_stack_build_id *b = s->frames;

			if (b[i].status == BPF_STACK_BUILD_ID_EMPTY)
				break;
			if (b[i].status == BPF_STACK_BUILD_ID_VALID) {
				build_id_frame(s, pid, &b[i], &f);
				goto have;
			}
			f.ip = b[i].ip;	/* the kernel could not tell the file */
		} else {
			f.ip = ((unsigned long long *)s->frames)[i];
			if (!f.ip)
				break;
		}
		f.kernel = f.ip >= KERNEL_HALF;
		if (f.kernel)
			kernel_frame(s, &f);
		else
			user_frame(s, pid, &f);
have:
		err = fn(ctx, &f);
		if (err)
			return err;
	}
	return i;
}

unsigned long long bpfrun_stacks_lost(const struct bpfrun_stacks *s,
				      const char *map)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; s && i < s->nmaps; i++)
		if (!map || !strcmp(s->maps[i].name, map))
			n += s->maps[i].lost;
	return n;
}

/* The stacks map @m holds now: one lookup of the next key each. */
static unsigned map_count(const struct stack_map *m)
{
	__u32 key, next;
	unsigned n = 0;
	void *prev = NULL;

	while (n < m->max_entries && !bpf_map_get_next_key(m->fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

int bpfrun_stacks_report(const struct bpfrun_stacks *s)
{
	unsigned used, more;
	int err = 0;
	size_t i;

	if (s && s->gone == 1)
		pr_warn("process %d had exited when its stacks were printed: its user frames are shown as addresses ([unknown])\n",
			s->gone_pid);
	else if (s && s->gone)
		pr_warn("%llu processes (%d, ...) had exited when their stacks were printed: their user frames are shown as addresses ([unknown])\n",
			s->gone, s->gone_pid);

	for (i = 0; s && i < s->nmaps; i++) {
		const struct stack_map *m = &s->maps[i];

		if (!m->lost)
			continue;
		/*
		 * -EEXIST: its bucket held another stack; -ENOMEM: no room.
		 * A map with every entry taken is full: what it missed is
		 * lost for good, an error.  Below that the losses are hash
		 * collisions, a part of bcc's tools' normal runs (stackcount
		 * and wakeuptime meet a few in their 1024 entries): a warning.
		 */
		used = map_count(m);
		more = m->max_entries < 1024 ? 16384 : 4 * m->max_entries;
		if (used >= m->max_entries) {
			pr_err("stack map %s is full (%u entries): %llu stack%s lost; give it more, BPF_STACK_TRACE(%s, %u)\n",
				m->name, m->max_entries, m->lost,
				m->lost == 1 ? "" : "s", m->name, more);
			err = -ENOSPC;
		} else {
			pr_warn("%llu stack%s lost to hash collisions in stack map %s (%u of %u entries used); a bigger map makes them rarer: BPF_STACK_TRACE(%s, %u)\n",
				m->lost, m->lost == 1 ? "" : "s", m->name, used,
				m->max_entries, m->name, more);
		}
	}
	return err;
}

int bpfrun_frame_str(const struct bpfrun_frame *f, char *buf, size_t len)
{
	const char *base;
	int n;

	if (f->build_id && !f->sym) {
		n = snprintf(buf, len, "[build id %s]+0x%llx", f->build_id,
			     f->off);
	} else if (f->sym && f->module) {
		base = strrchr(f->module, '/');
		n = snprintf(buf, len, "%s+0x%llx [%s]", f->sym, f->off,
			     base ? base + 1 : f->module);
	} else if (f->sym) {
		n = snprintf(buf, len, "%s+0x%llx", f->sym, f->off);
	} else if (f->module && f->module[0] != '/') {
		/* [vdso], [anon:...]: no file for an offset to be into */
		n = snprintf(buf, len, "%s 0x%llx", f->module, f->ip);
	} else if (f->module) {
		n = snprintf(buf, len, "%s+0x%llx", f->module, f->off);
	} else {
		n = snprintf(buf, len, "[unknown] 0x%llx", f->ip);
	}
	return n < 0 ? -EIO : (size_t)n >= len ? -ENAMETOOLONG : 0;
}
