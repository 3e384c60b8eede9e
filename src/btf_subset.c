// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel types one program needs. In BTF mode every kernel header of
 * the tree leads to vmlinux_types.h, all the kernel's types (2.8 MB here),
 * and libbcc parses it twice per compile: most of a cold compile. The names
 * a program can use are in its text before it is compiled, so the compile
 * is given instead the types it names, what they hold by value, and, of the
 * structs they point to, those whose members it names (it may reach them
 * through the pointer); other pointees are declared, not defined. Each type
 * is written by the same btf_dump as the whole tree, from the same BTF (the
 * tree keeps it as vmlinux.btf): a type is defined the same or not at all,
 * so layouts cannot differ. A name the subset lacks is a compile error, and
 * the compile then runs again with the whole tree (compile.c).
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_gen.h"

/* the files a program includes with "...", followed this deep at most */
#define MAX_DEPTH 16
/* larger than any header a program carries */
#define MAX_FILE (4u << 20)

struct subset {
	struct btf *btf;
	struct cnames used;	/* what the program and its headers name */
	struct nameset seen;	/* files scanned */
	const char *const *cflags;
	size_t ncflags;
	unsigned char *state;	/* per type id: NEEDED, or 0 */
	__u32 *roots;
	size_t nroots, cap;
};

#define NEEDED 1	/* defined in full */
#define ROOT 2		/* dumped by id */

static int scan_file(struct subset *s, const char *path, int depth);

/* "FILE" of #include "FILE" in @from: beside it, then each -I DIR */
static int scan_include(struct subset *s, const char *from, const char *name,
			int depth)
{
	char dir[PATH_MAX], path[2 * PATH_MAX];
	size_t i;

	snprintf(dir, sizeof(dir), "%s", from);
	snprintf(path, sizeof(path), "%s/%s", dirname(dir), name);
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	for (i = 0; !path_exists(path) && i < s->ncflags; i++) {
		const char *f = s->cflags[i];

		if (!strncmp(f, "-I", 2) && f[2])
			snprintf(path, sizeof(path), "%s/%s", f + 2, name);
	}
	/* not found: the compile will say so */
	return path_exists(path) ? scan_file(s, path, depth + 1) : 0;
}

static int scan_file(struct subset *s, const char *path, int depth)
{
	struct cnames inc = { .uses = true };
	char *text;
	size_t len, i;
	int err;

	if (depth > MAX_DEPTH || ns_has(&s->seen, path))
		return 0;
	err = ns_add(&s->seen, path, strlen(path));
	if (err)
		return err;
	ns_sort(&s->seen);
	err = read_whole(path, MAX_FILE, &text, &len);
	if (err)
		return 0;	/* the compile will say so */
	scan_c(&s->used, text, len);
	/* its includes, on their own: each is followed from this file */
	scan_c(&inc, text, len);
	free(text);
	err = s->used.err ? s->used.err : inc.err;
	ns_sort(&inc.includes);
	for (i = 0; !err && i < inc.includes.n; i++)
		err = scan_include(s, path, inc.includes.v[i], depth);
	cnames_free(&inc);
	return err;
}

/*
 * The tree's macros (kmacros.h) expand to names too: those of the macros
 * the program uses, until no new one comes.
 */
static int add_macro_uses(struct subset *s, const char *kmacros)
{
	struct cnames km = { .uses = true };
	char *text, *p, *end;
	size_t len, before, i;
	int err;

	err = read_whole(kmacros, MAX_FILE, &text, &len);
	if (err)
		return err;
	do {
		before = s->used.idents.n;
		ns_sort(&s->used.idents);
		end = text + len;
		for (p = text; p < end; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : end) {
			char name[256], *q, *nl;
			size_t n;

			if (strncmp(p, "#define ", 8))
				continue;
			q = p + 8;
			n = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
			if (!n || n >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)n, q);
			if (!ns_has(&s->used.idents, name))
				continue;
			/* the whole directive, continuation lines too */
			for (nl = q; (nl = strchr(nl, '\n')) && nl[-1] == '\\'; nl++)
				;
			scan_c(&km, p, (nl ? nl : end) - p);
		}
		ns_sort(&km.idents);
		for (i = 0; i < km.idents.n && !km.err; i++)
			if (!ns_has(&s->used.idents, km.idents.v[i]))
				km.err = ns_add(&s->used.idents, km.idents.v[i],
						strlen(km.idents.v[i]));
		err = km.err;
		ns_free(&km.idents);
	} while (!err && s->used.idents.n != before);
	ns_sort(&s->used.idents);
	cnames_free(&km);
	free(text);
	return err;
}

static bool defined_by_program(const struct subset *s, const char *name)
{
	return ns_has(&s->used.tags, name) || ns_has(&s->used.typedefs, name) ||
	       ns_has(&s->used.enumerators, name);
}

static int add_root(struct subset *s, __u32 id)
{
	if (s->state[id] & ROOT)
		return 0;
	if (s->nroots == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		__u32 *r = realloc(s->roots, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		s->roots = r;
		s->cap = cap;
	}
	s->roots[s->nroots++] = id;
	s->state[id] |= ROOT;
	return 0;
}

/* What @id holds by value is defined in full with it. */
static void need(struct subset *s, __u32 id)
{
	const struct btf_type *t;

	while (id && !(s->state[id] & NEEDED)) {
		const struct btf_member *m;
		__u16 i;

		t = btf__type_by_id(s->btf, id);
		if (!t)
			return;
		s->state[id] |= NEEDED;
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			m = btf_members(t);
			for (i = 0; i < btf_vlen(t); i++)
				need(s, m[i].type);
			return;
		case BTF_KIND_ARRAY:
			id = btf_array(t)->type;
			continue;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:	/* a pointer's target is only declared */
			return;
		}
	}
}

/* Does @t, or an unnamed struct or union it holds, have a member we name? */
static bool names_a_member(const struct subset *s, const struct btf_type *t,
			   int depth)
{
	const struct btf_member *m = btf_members(t);
	__u16 i;

	for (i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *mt;

		if (m[i].name_off) {
			if (ns_has(&s->used.idents,
				   btf__name_by_offset(s->btf, m[i].name_off)))
				return true;
			continue;
		}
		mt = btf__type_by_id(s->btf, m[i].type);
		if (mt && (btf_is_struct(mt) || btf_is_union(mt)) && depth < 8 &&
		    names_a_member(s, mt, depth + 1))
			return true;
	}
	return false;
}

/* The struct or union a pointer @id leads to through modifiers, or 0. */
static __u32 pointee(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int hops;

	if (!t || !btf_is_ptr(t))
		return 0;
	for (id = t->type, hops = 0; hops < 16; hops++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			return 0;
		if (btf_is_struct(t) || btf_is_union(t))
			return id;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return 0;
		id = t->type;
	}
	return 0;
}

/*
 * Structs pointed to from what is defined, whose members the program
 * names, are defined too: until none is left.
 */
static int add_pointees(struct subset *s, __u32 n)
{
	bool more = true;
	__u32 id, p;
	int err = 0;

	while (more && !err) {
		more = false;
		for (id = 1; id < n && !err; id++) {
			const struct btf_type *t = btf__type_by_id(s->btf, id);
			const struct btf_member *m;
			__u16 i;

			if (!(s->state[id] & NEEDED) ||
			    !(btf_is_struct(t) || btf_is_union(t)))
				continue;
			m = btf_members(t);
			for (i = 0; i < btf_vlen(t) && !err; i++) {
				p = pointee(s->btf, m[i].type);
				if (!p || (s->state[p] & NEEDED) ||
				    !names_a_member(s, btf__type_by_id(s->btf, p), 0))
					continue;
				if (defined_by_program(s, btf__name_by_offset(s->btf,
						btf__type_by_id(s->btf, p)->name_off)))
					continue;
				err = add_root(s, p);
				need(s, p);
				more = true;
			}
		}
	}
	return err;
}

/* The types the program names: by tag, typedef or enumerator. */
static int add_named(struct subset *s, __u32 n)
{
	__u32 id;
	int err = 0;

	for (id = 1; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(s->btf, id);
		const char *name = btf__name_by_offset(s->btf, t->name_off);
		bool want = false;
		__u16 i;

		switch (btf_kind(t)) {
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			for (i = 0; i < btf_vlen(t) && !want; i++) {
				__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off :
							     btf_enum64(t)[i].name_off;
				const char *e = btf__name_by_offset(s->btf, off);

				want = ns_has(&s->used.idents, e) &&
				       !defined_by_program(s, e);
			}
			/* fallthrough */
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_FWD:
			want = want || (ns_has(&s->used.idents, name) &&
					!defined_by_program(s, name));
			break;
		default:
			break;
		}
		if (!want)
			continue;
		err = add_root(s, id);
		need(s, id);
	}
	return err;
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	sb_vprintf(ctx, fmt, ap);
}

static int cmp_id(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int btf_subset(const char *tree, const char *path, const char *const *cflags,
	       size_t ncflags, struct sbuf *out)
{
	struct subset s = { .used = { .uses = true }, .cflags = cflags,
			    .ncflags = ncflags };
	char file[PATH_MAX];
	struct btf_dump *d;
	size_t i;
	__u32 n;
	int err;

	snprintf(file, sizeof(file), "%s/" SUBSET_BTF, tree);
	s.btf = btf__parse_raw(file);
	if (!s.btf)
		return -errno;
	n = btf__type_cnt(s.btf);
	s.state = calloc(n, 1);
	err = s.state ? scan_file(&s, path, 0) : -ENOMEM;
	cnames_sort(&s.used);
	snprintf(file, sizeof(file), "%s/include/bpfrun/kmacros.h", tree);
	if (!err)
		err = add_macro_uses(&s, file);
	if (!err)
		err = add_named(&s, n);
	if (!err)
		err = add_pointees(&s, n);
	if (err)
		goto out;
	/* in the order of the whole tree's dump */
	if (s.nroots)	/* NULL roots for a program that names none */
		qsort(s.roots, s.nroots, sizeof(*s.roots), cmp_id);
	sb_printf(out, "/* Generated by bpfrun: the kernel types %s names. */\n"
		       "#ifndef __BPFRUN_VMLINUX_TYPES_H__\n"
		       "#define __BPFRUN_VMLINUX_TYPES_H__\n\n", path);
	d = btf_dump__new(s.btf, dump_printf, out, NULL);
	if (!d) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < s.nroots && !err; i++)
		err = btf_dump__dump_type(d, s.roots[i]);
	btf_dump__free(d);
	sb_printf(out, "\n#endif\n");
	if (!err)
		err = out->err;
	pr_info("%s: %zu kernel types named, %zu bytes of them for the compile\n",
		path, s.nroots, out->len);
out:
	cnames_free(&s.used);
	ns_free(&s.seen);
	free(s.state);
	free(s.roots);
	btf__free(s.btf);
	return err;
}
