// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "internal.h"

static void program_reset(struct bpfrun *b);
static int open_program(struct bpfrun **bp, const char *path,
			const struct bpfrun_opts *opts);

int program_source_check(const char *path)
{
	struct stat st;
	int err = 0;

	if (access(path, R_OK) || stat(path, &st))
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	if (err) {
		pr_err("cannot read program %s: %s\n", path,
		       err == -EINVAL ? "not a regular file" : strerror(-err));
		return err;
	}
	if (st.st_size > MAX_SOURCE) {
		pr_err("program %s is %lld bytes, more than the %u MiB a BPF program's source may have\n",
		       path, (long long)st.st_size, MAX_SOURCE >> 20);
		return -EFBIG;
	}
	return 0;
}

/* Compile in a child, take its image and maps, keep it in the cache. */
static int program_compile(struct bpfrun *b, const struct bpfrun_opts *opts,
			   const struct headers_choice *h,
			   const struct usdt_set *usdt, struct held_msgs *held)
{
	struct compiled c;
	size_t i;
	int err;

	err = compile_program(b->path, opts->cflags, opts->ncflags, h, usdt,
			      held, &c);
	if (err)
		return err;
	err = image_decode(b, &b->deps, c.image, c.len);
	if (!err && c.nfds > b->ntables)
		err = -EPROTO;
	if (err) {
		pr_err("%s: the compiler's child process handed back a malformed program\n",
		       b->path);
		goto out;
	}
	/* libbcc's maps are kept only where we cannot make them the same */
	for (i = 0; i < c.nfds; i++) {
		if (!table_from_libbcc(&b->tables[i]))
			continue;
		b->tables[i].fd = c.fds[i];
		c.fds[i] = -1;
	}
	err = image_bind(b);
	if (!err && !opts->no_cache)
		cache_store(b, &c, b->path, opts->cflags, opts->ncflags, h,
			    usdt->key);
out:
	compiled_free(&c);
	return err;
}

int bpfrun_open(struct bpfrun **bp, const char *path,
		const struct bpfrun_opts *user_opts)
{
	struct bpfrun_opts o;
	const char **cflags = NULL;
	char **defs;
	int err;

	err = OPTS_COPY(&o, user_opts);
	if (err)
		return err;
	err = program_source_check(path);
	if (err)
		return err;
	/* the program is compiled with the values' placeholders */
	err = values_cflags(o.values, o.nvalues, &defs);
	if (err)
		return err;
	if (defs) {
		cflags = calloc(o.ncflags + o.nvalues, sizeof(*cflags));
		if (!cflags) {
			values_cflags_free(defs, o.nvalues);
			return -ENOMEM;
		}
		if (o.ncflags)
			memcpy(cflags, o.cflags, o.ncflags * sizeof(*cflags));
		memcpy(cflags + o.ncflags, defs, o.nvalues * sizeof(*cflags));
		o.cflags = cflags;
		o.ncflags += o.nvalues;
	}
	err = open_program(bp, path, &o);
	free(cflags);
	values_cflags_free(defs, o.nvalues);
	return err;
}

/*
 * Against the kernel's own headers first, as bcc compiles. A program that
 * does not compile with them (a tool older than the kernel: bcc 0.26's
 * slabratetop and tcprtt on 6.1's headers) is compiled again against the
 * tree made from the kernel's BTF, where there is one: the running
 * kernel's types exactly. The first compile's messages are said only
 * when the second fails too: they are what the user's program met first.
 */
static int compile_or_btf(struct bpfrun *b, const struct bpfrun_opts *opts,
			  const struct headers_env *env,
			  const struct headers_choice *h,
			  const struct usdt_set *usdt)
{
	struct held_msgs first = { 0 }, second = { 0 };
	struct headers_choice btf;
	int err;

	if (headers_fallback(env, h, &btf))
		return program_compile(b, opts, h, usdt, NULL);
	err = program_compile(b, opts, h, usdt, &first);
	if (err != -EINVAL) {		/* compiled, or failed past clang */
		held_say(&first);
		return err;
	}
	program_reset(b);
	if (headers_check(env, &btf)) {
		held_say(&first);	/* no tree made: the headers' word */
		return -EINVAL;
	}
	err = program_compile(b, opts, &btf, usdt, &second);
	if (err) {
		held_free(&second);
		held_say(&first);
		pr_err("%s: it does not compile against the types of the kernel's BTF either\n",
		       b->path);
		return -EINVAL;
	}
	held_free(&first);
	pr_warn("%s does not compile against the kernel's headers (%s): compiled against the types of the kernel's BTF instead\n",
		b->path, h->version);
	held_say(&second);
	return 0;
}

static int open_program(struct bpfrun **bp, const char *path,
			const struct bpfrun_opts *opts)
{
	struct usdt_set usdt = { 0 };
	struct headers_env env;
	struct headers_choice h, btf;
	struct bpfrun *b;
	int err;

	/* before the cache: the probes' binaries and processes are in its key */
	err = usdt_set_make(opts->usdt, opts->nusdt, &usdt);
	if (err)
		return err;
	headers_env_default(&env);
	err = headers_choose(&env, opts->headers, &h);
	if (err) {
		usdt_set_free(&usdt);
		return err;
	}
	pr_info("kernel headers: %s %s%s%s\n", headers_kind_name(h.kind),
		h.version, h.dir[0] ? " in " : "", h.dir);

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	/* absolute: libbcc compiles from inside the header tree */
	b->path = realpath(path, NULL);
	if (!b->path) {
		err = -errno;
		goto err_free;
	}
	path = b->path;
	err = -ENOENT;
	if (!opts->no_cache) {
		err = cache_load(b, path, opts->cflags, opts->ncflags, &h,
				 usdt.key);
		if (err)
			program_reset(b);
		/* compiled against BTF before: the headers failed it then */
		if (err && !headers_fallback(&env, &h, &btf) && btf.dir[0]) {
			err = cache_load(b, path, opts->cflags, opts->ncflags,
					 &btf, usdt.key);
			if (err)
				program_reset(b);
		}
	}
	if (err) {
		err = headers_check(&env, &h);
		if (!err)
			err = compile_or_btf(b, opts, &env, &h, &usdt);
		if (err)
			goto err_free;
	}
	/* after the cache took its copy: it keeps the placeholders */
	err = values_patch(b, opts->values, opts->nvalues);
	if (err)
		goto err_free;
	usdt_set_free(&usdt);
	*bp = b;
	return 0;

err_free:
	usdt_set_free(&usdt);
	bpfrun_close(b);
	return err;
}

/* Back to no functions and no tables, as before a compile. */
static void program_reset(struct bpfrun *b)
{
	size_t i, j;

	for (i = 0; i < b->nfuncs; i++) {
		for (j = 0; j < ARRAY_SIZE(b->funcs[i].fd); j++)
			if (b->funcs[i].fd[j] >= 0)
				close(b->funcs[i].fd[j]);
		free(b->funcs[i].name);
		free(b->funcs[i].insns);
	}
	for (i = 0; i < b->ntables; i++) {
		struct bpfrun_table *t = &b->tables[i];

		if (t->fd >= 0)
			close(t->fd);
		for (j = 0; j < t->nfields; j++)
			free(t->fields[j]);
		free(t->fields);
		free(t->name);
		free(t->key_desc);
		free(t->leaf_desc);
	}
	free(b->funcs);
	free(b->tables);
	deps_free(&b->deps);
	usdt_locs_free(b);
	free(b->btf);
	b->btf = NULL;
	b->btf_len = 0;
	b->funcs = NULL;
	b->tables = NULL;
	b->nfuncs = 0;
	b->ntables = 0;
}

void bpfrun_detach(struct bpfrun *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nlinks; i++) {
		close(b->links[i].fd);
		free(b->links[i].func);
		free(b->links[i].target);
	}
	free(b->links);
	b->links = NULL;
	b->nlinks = 0;
}

void bpfrun_close(struct bpfrun *b)
{
	if (!b)
		return;
	/* detach first, so that no program runs against a closed map */
	bpfrun_detach(b);
	program_reset(b);
	free(b->path);
	free(b);
}

const char *bpfrun_dependency(const struct bpfrun *b, size_t i)
{
	return b && i < b->deps.n ? b->deps.v[i].path : NULL;
}

struct bpfrun_func *func_find(struct bpfrun *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nfuncs; i++)
		if (!strcmp(b->funcs[i].name, name))
			return &b->funcs[i];
	return NULL;
}

/* The tail of a verifier log is where it says why. */
static const char *log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);

	while (p > log && lines >= 0) {
		p--;
		if (*p == '\n')
			lines--;
	}
	if (*p == '\n')
		p++;
	return p;
}

#define LOG_SIZE (1 << 20)

int func_load(struct bpfrun *b, struct bpfrun_func *f, enum bpf_prog_type type)
{
	if (type >= NR_PROG_TYPES)
		return -EINVAL;
	return func_load_insns(b, f, type, type, f->insns, f->ninsns);
}

static int load(struct bpfrun *b, struct bpfrun_func *f, size_t slot,
		enum bpf_prog_type type, const struct bpf_insn *insns, size_t n,
		enum bpf_attach_type at, int btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at,
		    .attach_btf_id = btf_id);
	char *log;
	int fd, err;

	if (slot != FD_SLOT_NONE && slot >= ARRAY_SIZE(f->fd))
		return -EINVAL;
	if (slot != FD_SLOT_NONE && f->fd[slot] >= 0)
		return f->fd[slot];
	log = malloc(LOG_SIZE);
	if (!log)
		return -ENOMEM;
	log[0] = '\0';
	/* libbpf retries with log_level 1 when the first load fails */
	opts.log_buf = log;
	opts.log_size = LOG_SIZE;
	opts.kern_version = b->kern_version;
	fd = bpf_prog_load(type, f->name, b->license, insns, n, &opts);
	if (fd < 0) {
		err = fd;
		if (err == -EACCES && log[0])
			pr_err("the BPF verifier rejected %s from %s\n",
			       f->name, b->path);
		else
			pr_err("the kernel rejected %s from %s: %s\n",
			       f->name, b->path, strerror(-err));
		if (log[0]) {
			const char *tail = log_tail(log, 20);

			pr_err("verifier log (end):\n");
			pr_level(BPFRUN_OUTPUT, "%s%s", tail > log ? "...\n" : "",
				 tail);
		}
		free(log);
		return err;
	}
	free(log);
	if (slot != FD_SLOT_NONE)
		f->fd[slot] = fd;
	return fd;
}

int func_load_insns(struct bpfrun *b, struct bpfrun_func *f, size_t slot,
		    enum bpf_prog_type type, const struct bpf_insn *insns,
		    size_t n)
{
	return load(b, f, slot, type, insns, n, 0, 0);
}

int func_load_tracing(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpf_attach_type at, int btf_id)
{
	return load(b, f, FD_SLOT_NONE, BPF_PROG_TYPE_TRACING, f->insns,
		    f->ninsns, at, btf_id);
}

/*
 * Does @f load memory through its context pointer (r1 at entry)? Followed
 * through register copies; a context pointer spilled to the stack counts as
 * read, to stay on the safe side. Passing it to a helper does not count.
 */
bool func_reads_ctx(const struct bpfrun_func *f)
{
	unsigned ctx = 1u << BPF_REG_1;
	size_t i;

	for (i = 0; i < f->ninsns; i++) {
		const struct bpf_insn *in = &f->insns[i];
		unsigned cls = BPF_CLASS(in->code);

		if (cls == BPF_LDX && (ctx & (1u << in->src_reg)))
			return true;
		if (cls == BPF_STX && (ctx & (1u << in->src_reg)))
			return true;
		if (cls == BPF_ALU64 && BPF_OP(in->code) == BPF_MOV &&
		    BPF_SRC(in->code) == BPF_X) {
			if (ctx & (1u << in->src_reg))
				ctx |= 1u << in->dst_reg;
			else
				ctx &= ~(1u << in->dst_reg);
			continue;
		}
		if (cls == BPF_JMP && BPF_OP(in->code) == BPF_CALL) {
			ctx &= ~0x3fu;	/* r0-r5 are clobbered */
			continue;
		}
		if (cls == BPF_ALU64 || cls == BPF_ALU || cls == BPF_LDX ||
		    cls == BPF_LD)
			ctx &= ~(1u << in->dst_reg);
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM))
			i++;
	}
	return false;
}

int link_add(struct bpfrun *b, int fd, enum bpfrun_kind kind, const char *func,
	     const char *target)
{
	struct bpfrun_link *l;

	l = realloc(b->links, (b->nlinks + 1) * sizeof(*l));
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	b->links = l;
	l = &b->links[b->nlinks];
	l->fd = fd;
	l->kind = kind;
	l->func = strdup(func);
	l->target = strdup(target);
	b->nlinks++;
	pr_info("attached %s to %s %s\n", func, bpfrun_kind_name(kind), target);
	return 0;
}

size_t bpfrun_nr_links(const struct bpfrun *b)
{
	return b->nlinks;
}

size_t bpfrun_nr_functions(const struct bpfrun *b)
{
	return b->nfuncs;
}

const char *bpfrun_function_name(const struct bpfrun *b, size_t i)
{
	return i < b->nfuncs ? b->funcs[i].name : NULL;
}

int bpfrun_table_fd(const struct bpfrun *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->ntables; i++)
		if (!strcmp(b->tables[i].name, name))
			return b->tables[i].fd;
	return -ENOENT;
}

size_t bpfrun_nr_tables(const struct bpfrun *b)
{
	return b->ntables;
}

int bpfrun_table_info(const struct bpfrun *b, size_t i,
		      struct bpfrun_table_info *info)
{
	const struct bpfrun_table *t;

	if (i >= b->ntables)
		return -ENOENT;
	t = &b->tables[i];
	info->name = t->name;
	info->type = t->type;
	info->key_size = t->key_size;
	info->leaf_size = t->leaf_size;
	info->max_entries = t->max_entries;
	info->key_desc = t->key_desc;
	info->leaf_desc = t->leaf_desc;
	info->fields = (const char *const *)t->fields;
	info->nfields = t->nfields;
	info->fd = t->fd;
	return 0;
}

static int program_dir(char *buf, size_t len)
{
	const char *env = getenv("BPFRUN_PROGRAM_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return snprintf(buf, len, "%s", env) >= (int)len ?
			       -ENAMETOOLONG : 0;
	/* a command run from the build tree uses the source tree's programs */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		size_t bl = strlen(ABS_TOP_BUILDDIR);

		exe[n] = '\0';
		if (!strncmp(exe, ABS_TOP_BUILDDIR, bl) && exe[bl] == '/')
			return snprintf(buf, len, "%s/programs",
					ABS_TOP_SRCDIR) >= (int)len ?
				       -ENAMETOOLONG : 0;
	}
	return snprintf(buf, len, "%s", PROGRAMS_DIR) >= (int)len ?
		       -ENAMETOOLONG : 0;
}

int bpfrun_find_program(const char *name, const char *override, char *buf,
			size_t len)
{
	char dir[PATH_MAX];
	int err;

	if (override) {
		if ((size_t)snprintf(buf, len, "%s", override) >= len)
			return -ENAMETOOLONG;
	} else {
		err = program_dir(dir, sizeof(dir));
		if (err)
			return err;
		if ((size_t)snprintf(buf, len, "%s/%s.c", dir, name) >= len)
			return -ENAMETOOLONG;
	}
	if (access(buf, R_OK)) {
		err = -errno;
		pr_err("cannot read program %s: %s\n", buf, strerror(-err));
		return err;
	}
	return 0;
}

int bpfrun_raise_memlock(void)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	return setrlimit(RLIMIT_MEMLOCK, &r) ? -errno : 0;
}

int bpfrun_need_root(void)
{
	if (geteuid() == 0)
		return 0;
	pr_err("must be run as root to load BPF programs (try: sudo %s)\n",
	       program_invocation_short_name);
	return -EPERM;
}

const char *bpfrun_version(void)
{
	return PACKAGE_VERSION;
}
