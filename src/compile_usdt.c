// SPDX-License-Identifier: Apache-2.0
/*
 * USDT probes in the compile's child: libbcc reads the binary's notes,
 * enables each probe for its function, writes the code that
 * bpf_usdt_readarg() and bpf_usdt_readarg_p() become (libbcc's rewriter
 * turns them into calls of _bpf_readarg_FUNC_N, which this code defines)
 * and says where the probes fire. All of it is libbcc's (bcc_usdt.h),
 * dlopen()ed here only, as the rest of libbcc is.
 */
#define _GNU_SOURCE
#include <bcc/bcc_usdt.h>
#include <errno.h>
#include <gelf.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static struct {
	void *(*new_frompid)(int pid, const char *path);
	void *(*new_frompath)(const char *path);
	void (*close)(void *ctx);
	void (*foreach)(void *ctx, bcc_usdt_cb fn);
	int (*enable)(void *ctx, const char *provider, const char *probe,
		      const char *func);
	const char *(*genargs)(void **ctxs, int n);
	void (*foreach_uprobe)(void *ctx, bcc_usdt_uprobe_cb fn);
} usdt;

static const struct libbcc_sym usdt_syms[] = {
#define SYM(field, sym) LIBBCC_SYM(usdt, field, sym)
	SYM(new_frompid, bcc_usdt_new_frompid),
	SYM(new_frompath, bcc_usdt_new_frompath),
	SYM(close, bcc_usdt_close),
	SYM(foreach, bcc_usdt_foreach),
	SYM(enable, bcc_usdt_enable_fully_specified_probe),
	SYM(genargs, bcc_usdt_genargs),
	SYM(foreach_uprobe, bcc_usdt_foreach_uprobe),
#undef SYM
};

static int usdt_load(void)
{
	const char *what;
	int err;

	err = libbcc_bind(&usdt, usdt_syms, ARRAY_SIZE(usdt_syms), &what);
	if (err == -ENOENT)
		pr_err("cannot load libbcc (%s): %s\n", LIBBCC_SONAME, what);
	else if (err)
		pr_err("libbcc (%s) has no %s: unsupported version\n",
		       LIBBCC_SONAME, what);
	return err;
}

/* libbcc's callbacks take no context: the child does one thing at a time. */
struct probe {
	char *provider, *name, *bin_path;
	unsigned long long semaphore, semaphore_offset;
};
static struct probe *probes;
static size_t nprobes;
static int cb_err;

static void probe_cb(struct bcc_usdt *p)
{
	struct probe *v = realloc(probes, (nprobes + 1) * sizeof(*v));

	if (!v) {
		cb_err = -ENOMEM;
		return;
	}
	probes = v;
	v = &probes[nprobes++];
	v->provider = strdup(p->provider);
	v->name = strdup(p->name);
	v->bin_path = strdup(p->bin_path);
	v->semaphore = p->semaphore;
	v->semaphore_offset = p->semaphore_offset;
	if (!v->provider || !v->name || !v->bin_path)
		cb_err = -ENOMEM;
}

static void probes_free(void)
{
	size_t i;

	for (i = 0; i < nprobes; i++) {
		free(probes[i].provider);
		free(probes[i].name);
		free(probes[i].bin_path);
	}
	free(probes);
	probes = NULL;
	nprobes = 0;
}

/* "provider:name, ..." of every probe libbcc found, for a message. */
static char *probe_list(void)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	for (i = 0; i < nprobes; i++)
		fprintf(m, "%s%s:%s", i ? ", " : "", probes[i].provider,
			probes[i].name);
	fclose(m);
	return text;
}

static const struct probe *probe_find(const struct usdt_spec *s)
{
	const struct probe *found = NULL;
	char *list;
	size_t i, n = 0;

	for (i = 0; i < nprobes; i++) {
		if (strcmp(probes[i].name, s->probe) ||
		    (s->provider[0] && strcmp(probes[i].provider, s->provider)))
			continue;
		if (!found)
			found = &probes[i];
		n++;
	}
	if (n == 1)
		return found;
	if (!nprobes) {
		pr_err("usdt %s: %s has no USDT probes (no .note.stapsdt ELF notes; see readelf -n)\n",
		       s->target, s->binary[0] ? s->binary : "the process");
		return NULL;
	}
	list = probe_list();
	if (n)
		pr_err("usdt %s: more than one provider has a probe %s: give PROVIDER (the probes: %s)\n",
		       s->target, s->probe, list ? list : "?");
	else
		pr_err("usdt %s: %s has no probe %s%s%s; its probes: %s\n",
		       s->target, s->binary[0] ? s->binary : "the process",
		       s->provider, s->provider[0] ? ":" : "", s->probe,
		       list ? list : "?");
	free(list);
	return NULL;
}

/*
 * libbcc 0.26 enables a probe with a semaphore only in a process, whose
 * semaphore it sets through /proc/PID/mem; we need none of that, the
 * kernel sets it where the uprobe is (ref_ctr_offset). For a binary that
 * is not position independent (ET_EXEC, python3.11 is) the code libbcc
 * writes does not depend on the process: its addresses are the binary's
 * own. So this child stands in as the process, with a scratch page where
 * the semaphore would be for libbcc to write to. Its paths then start
 * with /proc/OURPID/root: that is taken off again.
 */
static bool self_ctx;

static const char *self_strip(const char *path)
{
	char prefix[64];
	size_t n;

	if (!self_ctx)
		return path;
	n = snprintf(prefix, sizeof(prefix), "/proc/%d/root/", getpid());
	return strncmp(path, prefix, n) ? path : path + n - 1;
}

static void *self_open(const struct usdt_spec *s, const struct probe *p)
{
	long page = sysconf(_SC_PAGESIZE);
	void *want = (void *)(uintptr_t)(p->semaphore & ~(page - 1)), *got;

	if (elf_type(s->binary) != ET_EXEC) {
		pr_err("usdt %s: the probe has a semaphore, and %s is position independent: libbcc makes its code only for a process: give its PID (-p PID)\n",
		       s->target, s->binary);
		return NULL;
	}
	got = mmap(want, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (got != want) {
		pr_err("usdt %s: the probe has a semaphore at 0x%llx, where the compile cannot stand in for a process: give a PID (-p PID)\n",
		       s->target, p->semaphore);
		return NULL;
	}
	self_ctx = true;
	return usdt.new_frompid(getpid(), s->binary);
}

/* The places libbcc found for the one probe enabled in a context. */
static struct bpfrun *cb_b;
static const struct usdt_spec *cb_spec;
static const struct probe *cb_probe;
static struct image_deps *cb_deps;

static void uprobe_cb(const char *bin_path, const char *func,
		      uint64_t addr, int pid)
{
	struct usdt_loc *v, *l;
	unsigned long long off;
	int err;

	(void)func;
	(void)pid;	/* ours is the spec's */
	if (cb_err)
		return;
	bin_path = self_strip(bin_path);
	err = elf_vaddr_offset(bin_path, addr, &off);
	if (err) {
		pr_err("usdt %s: the probe's address 0x%llx is in no executable segment of %s\n",
		       cb_spec->target, (unsigned long long)addr, bin_path);
		cb_err = err;
		return;
	}
	v = realloc(cb_b->usdt, (cb_b->nusdt + 1) * sizeof(*v));
	if (!v) {
		cb_err = -ENOMEM;
		return;
	}
	cb_b->usdt = v;
	l = &v[cb_b->nusdt];
	memset(l, 0, sizeof(*l));
	l->func = strdup(cb_spec->func);
	l->target = strdup(cb_spec->target);
	l->path = strdup(bin_path);
	l->offset = off;
	/* the semaphore is the probe's binary's, where libbcc found it */
	if (!strcmp(bin_path, self_strip(cb_probe->bin_path)))
		l->ref_ctr = cb_probe->semaphore_offset;
	l->pid = cb_spec->pid;
	cb_b->nusdt++;
	if (!l->func || !l->target || !l->path)
		cb_err = -ENOMEM;
	else
		cb_err = deps_add(cb_deps, bin_path);
}

static void *context_open(const struct usdt_spec *s)
{
	void *ctx;

	if (s->pid)
		ctx = usdt.new_frompid(s->pid, s->binary[0] ? s->binary : NULL);
	else
		ctx = usdt.new_frompath(s->binary);
	if (ctx)
		return ctx;
	if (s->pid && kill(s->pid, 0) && errno == ESRCH)
		pr_err("usdt %s: there is no process %d\n", s->target, s->pid);
	else if (s->binary[0])
		pr_err("usdt %s: %s has no USDT probes (no .note.stapsdt ELF notes; see readelf -n)\n",
		       s->target, s->binary);
	else
		pr_err("usdt %s: libbcc found no USDT probes in process %d\n",
		       s->target, s->pid);
	return NULL;
}

static int probes_read(void *ctx)
{
	probes_free();
	cb_err = 0;
	usdt.foreach(ctx, probe_cb);
	return cb_err;
}

/* *@ctx may be replaced by the one made for a probe with a semaphore. */
static int spec_generate(const struct usdt_spec *s, void **ctx,
			 struct bpfrun *b, struct image_deps *deps)
{
	const struct probe *p;
	int err;

	self_ctx = false;
	err = probes_read(*ctx);
	if (err)
		return err;
	p = probe_find(s);
	if (!p)
		return -ENOENT;
	if (p->semaphore && !s->pid) {
		usdt.close(*ctx);
		*ctx = self_open(s, p);
		if (!*ctx)
			return -EOPNOTSUPP;
		err = probes_read(*ctx);
		if (err)
			return err;
		p = probe_find(s);
		if (!p)
			return -ENOENT;
	}
	if (usdt.enable(*ctx, p->provider, p->name, s->func)) {
		pr_err("usdt %s: libbcc cannot enable %s:%s for %s%s\n",
		       s->target, p->provider, p->name, s->func,
		       s->pid && kill(s->pid, 0) ? ": the process has exited" :
						   "");
		return -EINVAL;
	}
	pr_info("usdt %s: %s:%s in %s%s\n", s->target, p->provider, p->name,
		self_strip(p->bin_path),
		p->semaphore ? ", with a semaphore" : "");
	cb_b = b;
	cb_spec = s;
	cb_probe = p;
	cb_deps = deps;
	usdt.foreach_uprobe(*ctx, uprobe_cb);
	return cb_err;
}

int usdt_generate(const struct usdt_set *set, struct bpfrun *b,
		  struct image_deps *deps, char **text)
{
	const char *args;
	size_t i, n = 0, len = 0;
	FILE *m = NULL;
	void **ctxs;
	int err;

	*text = NULL;
	err = usdt_load();
	if (err)
		return err;
	ctxs = calloc(set->n, sizeof(*ctxs));
	if (!ctxs)
		return -ENOMEM;
	/*
	 * Every probe found before any is enabled: in a process, libbcc's
	 * enable sets the probe's semaphore, and a run that then fails on
	 * a later probe must not have changed the process, even briefly.
	 */
	for (i = 0; i < set->n && !err; i++) {
		ctxs[i] = context_open(&set->v[i]);
		if (!ctxs[i]) {
			err = -ENOENT;
			break;
		}
		n++;
		err = probes_read(ctxs[i]);
		if (!err && !probe_find(&set->v[i]))
			err = -ENOENT;
	}
	/* spec_generate() may close one and leave NULL in its place */
	for (i = 0; i < n && !err; i++)
		err = spec_generate(&set->v[i], &ctxs[i], b, deps);
	/*
	 * A context at a time: libbcc writes a probe once for all the
	 * contexts it is given, though each function needs its own copy.
	 */
	m = err ? NULL : open_memstream(text, &len);
	if (!err && !m)
		err = -ENOMEM;
	for (i = 0; m && !err && i < n; i++) {
		args = usdt.genargs(&ctxs[i], 1);
		if (!args) {
			pr_err("usdt %s: libbcc cannot make the code that reads the probe's arguments\n",
			       set->v[i].target);
			err = -EINVAL;
		} else {
			fputs(args, m);
		}
	}
	if (m && fclose(m) && !err)
		err = -ENOMEM;
	if (err) {
		free(*text);
		*text = NULL;
	}
	/* in a process, libbcc's enable set the semaphores: closing unsets */
	for (i = 0; i < n; i++)
		if (ctxs[i])
			usdt.close(ctxs[i]);
	free(ctxs);
	probes_free();
	return err;
}
