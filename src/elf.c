// SPDX-License-Identifier: Apache-2.0
/* Symbol to file offset in an ELF file, which is what a uprobe wants. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

typedef int (*sym_fn)(void *ctx, const char *name, const GElf_Sym *s);

/*
 * Every defined symbol of @e with an address, from symtab and dynsym (one
 * in both comes twice), until @fn returns non-zero: that value, else 0.
 */
static int each_sym(Elf *e, sym_fn fn, void *ctx)
{
	Elf_Scn *scn = NULL;
	int err = 0;

	while (!err && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; !err && data && i < n; i++) {
			const char *name;
			GElf_Sym s;

			if (!gelf_getsym(data, i, &s) || !s.st_value ||
			    s.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (name && *name)
				err = fn(ctx, name, &s);
		}
	}
	return err;
}

struct sym_find {
	const char *sym;
	GElf_Addr vaddr;
	bool ifunc;
};

static int sym_is(void *ctx, const char *name, const GElf_Sym *s)
{
	struct sym_find *q = ctx;

	if (strcmp(name, q->sym))
		return 0;
	q->vaddr = s->st_value;
	q->ifunc = GELF_ST_TYPE(s->st_info) == STT_GNU_IFUNC;
	return 1;
}

static int vaddr_to_offset(Elf *e, GElf_Addr vaddr, unsigned long long *off)
{
	size_t i, n;

	if (elf_getphdrnum(e, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * An IFUNC's symbol is its resolver, which runs once at load: the calls go
 * to the implementation it picked for this CPU. The loader picks the same
 * in every process on the machine, so where the library is loaded here
 * too (libc is), dlsym() gives that implementation, and its place in the
 * file is where a uprobe catches the calls. Nothing is loaded for it.
 */
static int ifunc_target(const char *path, const char *sym, GElf_Addr *vaddr)
{
	struct link_map *lm = NULL;
	void *h, *impl;
	int err = -ENOENT;

	h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return -ENOENT;
	impl = dlsym(h, sym);
	if (impl && !dlinfo(h, RTLD_DI_LINKMAP, &lm) && lm &&
	    (uintptr_t)impl > lm->l_addr) {
		*vaddr = (uintptr_t)impl - lm->l_addr;
		err = 0;
	}
	dlclose(h);
	return err;
}

/* @path as ELF, read-only (*@fd its file), or NULL with *@err set, said. */
static Elf *elf_open(const char *path, int *fd, int *err)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		*err = -EINVAL;
		return NULL;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		*err = -errno;
		pr_err("cannot open %s: %s\n", path, strerror(-*err));
		return NULL;
	}
	e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		pr_err("%s is not an ELF file\n", path);
		elf_end(e);
		close(*fd);
		*err = -ENOEXEC;
		return NULL;
	}
	return e;
}

int elf_sym_offset(const char *path, const char *sym, unsigned long long *off)
{
	struct sym_find q = { .sym = sym };
	Elf *e = NULL;
	int fd, err;

	e = elf_open(path, &fd, &err);
	if (!e)
		return err;
	err = each_sym(e, sym_is, &q) ? 0 : -ENOENT;
	if (!err && q.ifunc && ifunc_target(path, sym, &q.vaddr)) {
		pr_err("%s in %s is an IFUNC, whose implementation is picked at load time, and the library is not loaded here to ask which: give the implementation's name (see nm -D %s)\n",
		       sym, path, path);
		err = -EOPNOTSUPP;
	}
	if (!err)
		err = vaddr_to_offset(e, q.vaddr, off);
	elf_end(e);
	close(fd);
	return err;
}

int elf_vaddr_offset(const char *path, unsigned long long vaddr,
		     unsigned long long *off)
{
	Elf *e = NULL;
	int fd, err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	err = e && elf_kind(e) == ELF_K_ELF ? vaddr_to_offset(e, vaddr, off) :
					      -ENOEXEC;
	elf_end(e);
	close(fd);
	return err;
}

int elf_type(const char *path)
{
	GElf_Ehdr eh;
	Elf *e = NULL;
	int fd, type;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	type = e && gelf_getehdr(e, &eh) ? eh.e_type : -ENOEXEC;
	elf_end(e);
	close(fd);
	return type;
}

struct func_walk {
	Elf *e;
	const char *path;
	elf_func_fn fn;
	void *ctx;
};

static int func_of(void *ctx, const char *name, const GElf_Sym *s)
{
	struct func_walk *w = ctx;
	int type = GELF_ST_TYPE(s->st_info);
	GElf_Addr vaddr = s->st_value;
	unsigned long long off;

	if (type != STT_FUNC && type != STT_GNU_IFUNC)
		return 0;
	if (type == STT_GNU_IFUNC && ifunc_target(w->path, name, &vaddr))
		return 0;
	if (vaddr_to_offset(w->e, vaddr, &off))
		return 0;
	return w->fn(w->ctx, name, off);
}

/*
 * Every function @path defines (from symtab and dynsym: one in both comes
 * twice), with its file offset: an IFUNC at the implementation in use
 * here, or left out when that cannot be told. Stops at the first non-zero
 * value @fn returns, and returns it.
 */
int elf_funcs(const char *path, elf_func_fn fn, void *ctx)
{
	struct func_walk w = { .path = path, .fn = fn, .ctx = ctx };
	int fd, err;

	w.e = elf_open(path, &fd, &err);
	if (!w.e)
		return err;
	err = each_sym(w.e, func_of, &w);
	elf_end(w.e);
	close(fd);
	return err;
}
