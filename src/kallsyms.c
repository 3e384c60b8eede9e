// SPDX-License-Identifier: Apache-2.0
/* The /proc/kallsyms parser, and syscall symbol resolution on top of it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define KALLSYMS "/proc/kallsyms"

int ksym_open(struct ksym_iter *it, const char *path)
{
	memset(it, 0, sizeof(*it));
	it->f = fopen(path ? path : KALLSYMS, "re");
	return it->f ? 0 : -errno;
}

/* 1: a symbol is in @it; 0: end of file. Malformed lines are skipped. */
int ksym_next(struct ksym_iter *it)
{
	while (fgets(it->line, sizeof(it->line), it->f)) {
		char *end, *name;

		it->addr = strtoull(it->line, &end, 16);
		if (end == it->line || *end != ' ' || !end[1] || end[2] != ' ')
			continue;
		it->type = end[1];
		name = end + 3;
		name[strcspn(name, " \t\n")] = '\0';
		if (!*name)
			continue;
		it->name = name;
		return 1;
	}
	return 0;
}

void ksym_close(struct ksym_iter *it)
{
	if (it->f)
		fclose(it->f);
	it->f = NULL;
}

int ksym_lookup(const char *path, const char *name, unsigned long long *addr)
{
	struct ksym_iter it;
	int err = ksym_open(&it, path);

	if (err)
		return err;
	err = -ENOENT;
	while (ksym_next(&it)) {
		if (!strcmp(it.name, name)) {
			*addr = it.addr;
			err = 0;
			break;
		}
	}
	ksym_close(&it);
	return err;
}

/*
 * Addresses to names, for stack frames: the text symbols (t, T, w, W) of
 * the file, sorted by address. Data symbols never hold a return address,
 * and leaving them out halves the table.
 */
static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym_ent *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksym_table_load(struct ksym_table *t, const char *path)
{
	size_t cap = 0, pool_len = 0, pool_cap = 0, i;
	struct ksym_iter it;
	int err;

	memset(t, 0, sizeof(*t));
	err = ksym_open(&it, path);
	if (err)
		return err;
	while (ksym_next(&it)) {
		size_t len = strlen(it.name) + 1;
		char type = it.type | 0x20;	/* lower case */

		if ((type != 't' && type != 'w') || !it.addr)
			continue;
		if (t->n == cap) {
			struct ksym_ent *v;

			cap = cap ? 2 * cap : 4096;
			v = realloc(t->v, cap * sizeof(*v));
			if (!v)
				goto nomem;
			t->v = v;
		}
		if (pool_len + len > pool_cap) {
			char *p;

			pool_cap = pool_cap ? 2 * pool_cap : 1 << 20;
			while (pool_len + len > pool_cap)
				pool_cap *= 2;
			p = realloc(t->names, pool_cap);
			if (!p)
				goto nomem;
			t->names = p;
		}
		memcpy(t->names + pool_len, it.name, len);
		/* an offset for now: the pool moves while it grows */
		t->v[t->n].addr = it.addr;
		t->v[t->n].name_off = pool_len;
		t->n++;
		pool_len += len;
	}
	ksym_close(&it);
	if (!t->n) {	/* no symbols, or every address hidden (kptr_restrict) */
		ksym_table_free(t);
		return -EACCES;
	}
	qsort(t->v, t->n, sizeof(*t->v), ksym_cmp);
	for (i = 0; i < t->n; i++)
		t->v[i].name = t->names + t->v[i].name_off;
	return 0;
nomem:
	ksym_close(&it);
	ksym_table_free(t);
	return -ENOMEM;
}

const char *ksym_table_find(const struct ksym_table *t,
			    unsigned long long addr, unsigned long long *off)
{
	size_t lo = 0, hi = t->n;

	/* the last symbol at or below @addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	*off = addr - t->v[lo - 1].addr;
	return t->v[lo - 1].name;
}

void ksym_table_free(struct ksym_table *t)
{
	free(t->v);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

/* bcc's order; the first that names a symbol wins. The one list. */
static const char *const syscall_prefixes[] = {
	"sys_",		    "__x64_sys_",    "__x32_compat_sys_",
	"__ia32_compat_sys_", "__arm64_sys_",  "__s390x_sys_",
	"__s390_sys_",	    "__riscv_sys_",
};

/* Is @sym (@n bytes) one of the syscall prefixes followed by @name? */
static bool syscall_name_is(const char *sym, size_t n, const char *name)
{
	size_t i, p, l = strlen(name);

	for (i = 0; i < ARRAY_SIZE(syscall_prefixes); i++) {
		p = strlen(syscall_prefixes[i]);
		if (n == p + l && !memcmp(sym, syscall_prefixes[i], p) &&
		    !memcmp(sym + p, name, l))
			return true;
	}
	return false;
}

const char *syscall_name(const char *sym)
{
	size_t i, n;

	/* from 1: bare "sys_" is also the prefix of ordinary functions */
	for (i = 1; i < ARRAY_SIZE(syscall_prefixes); i++) {
		n = strlen(syscall_prefixes[i]);
		if (!strncmp(sym, syscall_prefixes[i], n) && sym[n])
			return sym + n;
	}
	return NULL;
}

int arch_syscall_nr(const struct arch *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nsyscalls; i++)
		if (!strcmp(a->syscalls[i].name, name))
			return a->syscalls[i].nr;
	return -ENOENT;
}

int syscall_symbol(const char *kallsyms, const char *name, char *buf,
		   size_t len)
{
	int best = ARRAY_SIZE(syscall_prefixes), nonzero = 0, i;
	struct ksym_iter it;
	size_t plen;
	int err;

	err = ksym_open(&it, kallsyms);
	if (err)
		return err;
	while (ksym_next(&it)) {
		if (it.addr)
			nonzero = 1;
		for (i = 0; i < best; i++) {
			plen = strlen(syscall_prefixes[i]);
			if (!strncmp(it.name, syscall_prefixes[i], plen) &&
			    !strcmp(it.name + plen, name)) {
				best = i;
				break;
			}
		}
	}
	ksym_close(&it);
	if (!nonzero)
		return -EACCES;
	if (best == (int)ARRAY_SIZE(syscall_prefixes))
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%s%s", syscall_prefixes[best],
			     name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Reading /proc/kallsyms costs ~25 ms; a syscall's symbol is core kernel and
 * fixed for a boot, so answers are kept per boot id in the store.
 */
static int memo_key(const char *name, char *key, size_t len)
{
	char id[64];

	if (geteuid() || boot_id(id, sizeof(id)))
		return -EPERM;
	return snprintf(key, len, "syscall symbol, boot %s: %s", id, name) >=
			       (int)len ? -ENAMETOOLONG : 0;
}

static int memo_get(const char *name, char *buf, size_t len)
{
	char key[256];
	void *sym;
	size_t n;
	int err;

	err = memo_key(name, key, sizeof(key));
	if (!err)
		err = store_get("memo", key, &sym, &n);
	if (err)
		return err;
	if (n && n < len && memchr(sym, '\0', n) == NULL &&
	    syscall_name_is(sym, n, name)) {
		memcpy(buf, sym, n);
		buf[n] = '\0';
	} else {
		err = -ESTALE;
	}
	free(sym);
	return err;
}

static void memo_put(const char *name, const char *sym)
{
	char key[256];

	if (!memo_key(name, key, sizeof(key)))
		store_put("memo", key, sym, strlen(sym));
}

int bpfrun_syscall_fnname(const char *kallsyms, const char *name, char *buf,
			  size_t len)
{
	const char *path = kallsyms ? kallsyms : KALLSYMS;
	int err;

	if (!kallsyms && !memo_get(name, buf, len))
		return 0;
	err = syscall_symbol(kallsyms, name, buf, len);
	if (!err && !kallsyms)
		memo_put(name, buf);

	if (err == -EACCES)
		pr_err("%s hides symbol addresses (not root, or kernel.kptr_restrict is set): cannot tell which syscall symbols are real; run as root, or set sysctl kernel.kptr_restrict=0\n",
		       path);
	else if (err == -ENOENT)
		pr_err("no kernel symbol for syscall %s in %s (tried sys_%s, __x64_sys_%s, ...)\n",
		       name, path, name, name);
	else if (err)
		pr_err("cannot read %s: %s\n", path, strerror(-err));
	return err;
}
