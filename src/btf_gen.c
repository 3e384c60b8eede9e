// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel's BTF made fit for libbcc and written as C: types libbcc's
 * headers define renamed, trailing flexible arrays given one element, the
 * identifiers that macros defined before the dump would mangle found, and
 * the dump itself with the vmlinux.h around it and linux/types.h's
 * typedefs. See btf_tree.c for why; btf_layout.c puts these in the tree.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_gen.h"

static int btf_rename(struct btf *btf, __u32 id, int idx)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	__u32 off = idx < 0 ? t->name_off :
		    btf_is_enum(t) ? btf_enum(t)[idx].name_off :
				     btf_enum64(t)[idx].name_off;
	char name[256];
	int n;

	/* copy first: btf__add_str() may move the strings and the types */
	n = snprintf(name, sizeof(name), RENAME_PREFIX "%s",
		     btf_name(btf, off));
	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	n = btf__add_str(btf, name);
	if (n < 0)
		return n;
	/*
	 * libbpf has no API to rename a type. Once btf__add_str() made the
	 * BTF modifiable, its types live in memory it owns and writes
	 * itself, so changing name_off in place is what btf__add_*() do.
	 */
	t = btf__type_by_id(btf, id);
	if (idx < 0)
		((struct btf_type *)t)->name_off = n;
	else if (btf_is_enum(t))
		btf_enum(t)[idx].name_off = n;
	else
		btf_enum64(t)[idx].name_off = n;
	return 0;
}

/* Rename what libbcc's headers define, so the dump does not redefine it. */
int gen_rename_collisions(struct gen *g)
{
	const struct cnames *c = &g->libbcc;
	__u32 id, n = btf__type_cnt(g->btf);
	int i, vlen, err;

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const char *name = btf_name(g->btf, t->name_off);
		bool whole_enum = false;

		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FWD:
			if (!ns_has(&c->tags, name))
				continue;
			break;
		case BTF_KIND_TYPEDEF:
			if (!ns_has(&c->typedefs, name))
				continue;
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			whole_enum = ns_has(&c->enum_tags, name);
			vlen = btf_vlen(t);
			for (i = 0; i < vlen; i++) {
				t = btf__type_by_id(g->btf, id);
				name = btf_name(g->btf, btf_is_enum(t) ?
						btf_enum(t)[i].name_off :
						btf_enum64(t)[i].name_off);
				if (!whole_enum &&
				    !ns_has(&c->enumerators, name))
					continue;
				err = btf_rename(g->btf, id, i);
				if (err)
					return err;
				g->renamed_enumerators++;
			}
			t = btf__type_by_id(g->btf, id);
			name = btf_name(g->btf, t->name_off);
			if (!whole_enum && !ns_has(&c->tags, name))
				continue;
			break;
		default:
			continue;
		}
		err = btf_rename(g->btf, id, -1);
		if (err)
			return err;
		g->renamed_types++;
	}
	return 0;
}

/* @id with typedefs and modifiers (not pointers) looked through */
static __u32 btf_skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return id;
}

/*
 * libbcc (0.26, and its rewriter has not changed since) turns p->a[i],
 * when p must be read with bpf_probe_read, into a read at "(&p->a) + i":
 * a pointer to the whole array, which strides by sizeof(a) and so is right
 * only when a has one element. Kernel headers declare flexible arrays "[]",
 * and that rewrite does not compile; BTF records them with 0 elements, and
 * it compiles but always reads a[0]: pid->numbers[level].nr gave the global
 * pid at every level. So a struct's trailing 0-length array is dumped with
 * one element when no other type embeds that struct: every member keeps
 * its offset, only sizeof the struct grows by the one element.
 * (p->a[i] with i > 0 stays wrong for fixed-size arrays such as
 * task->comm: read those through a pointer, char *c = p->comm; c[i].)
 */
int gen_grow_flex_arrays(struct gen *g)
{
	__u32 id, n = btf__type_cnt(g->btf);
	bool *embedded = calloc(n, sizeof(*embedded));
	int i, err = 0;

	if (!embedded)
		return -ENOMEM;
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);

		if (btf_is_array(t)) {
			embedded[btf_skip_mods(g->btf,
					       btf_array(t)->type)] = true;
		} else if (btf_is_composite(t)) {
			for (i = 0; i < btf_vlen(t); i++)
				embedded[btf_skip_mods(g->btf,
						btf_members(t)[i].type)] = true;
		}
	}
	for (id = 1; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const struct btf_type *at;
		const struct btf_array *a;
		__u32 last, off, end;
		__s64 esz;
		int align, nid;

		if (!btf_is_struct(t) || !btf_vlen(t) || embedded[id])
			continue;
		last = btf_vlen(t) - 1;
		at = btf__type_by_id(g->btf, btf_members(t)[last].type);
		if (!btf_is_array(at) || btf_array(at)->nelems ||
		    btf_member_bitfield_size(t, last))
			continue;
		a = btf_array(at);
		esz = btf__resolve_size(g->btf, a->type);
		align = btf__align_of(g->btf, id);
		if (esz <= 0 || align <= 0)
			continue;
		nid = btf__add_array(g->btf, a->index_type, a->type, 1);
		if (nid < 0) {
			err = nid;
			break;
		}
		/* btf__add_array() may have moved the types */
		t = btf__type_by_id(g->btf, id);
		off = btf_member_bit_offset(t, last) / 8;
		end = (off + esz + align - 1) / align * align;
		btf_members(t)[last].type = nid;
		if (end > t->size)
			((struct btf_type *)t)->size = end;
		g->grown_arrays++;
	}
	free(embedded);
	return err;
}

/*
 * Every identifier the dump will contain (type names, enumerators, member
 * names): which macros defined before the dump would mangle it, and which
 * kmacros BTF already has as enumerators.
 */
int gen_check_identifiers(struct gen *g)
{
	__u32 id, n = btf__type_cnt(g->btf);
	int i, vlen, err = 0;

	ns_sort(&g->pre_macros);
	ns_sort(&g->km_names);
	for (id = 1; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const char *name;

		vlen = btf_vlen(t);
		switch (btf_kind(t)) {
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			for (i = 0; i < vlen && !err; i++) {
				name = btf_name(g->btf, btf_is_enum(t) ?
						btf_enum(t)[i].name_off :
						btf_enum64(t)[i].name_off);
				if (ns_has(&g->pre_macros, name))
					err = ns_add(&g->wrap, name,
						     strlen(name));
				if (!err && ns_has(&g->km_names, name))
					err = ns_add(&g->km_enums, name,
						     strlen(name));
			}
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (i = 0; i < vlen && !err; i++) {
				name = btf_name(g->btf,
						btf_members(t)[i].name_off);
				if (ns_has(&g->pre_macros, name))
					err = ns_add(&g->wrap, name,
						     strlen(name));
			}
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_FWD:
			break;
		default:
			continue;
		}
		name = btf_name(g->btf, t->name_off);
		if (!err && ns_has(&g->pre_macros, name))
			err = ns_add(&g->wrap, name, strlen(name));
	}
	ns_sort(&g->wrap);
	ns_sort(&g->km_enums);
	return err;
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	FILE *f = ctx;

	vfprintf(f, fmt, ap);	/* ferror() is checked when closing */
}

int gen_write_dump(struct gen *g)
{
	struct btf_dump *d;
	__u32 id, n = btf__type_cnt(g->btf);
	int err = 0;
	FILE *f;

	f = tree_open(g->dirfd, "include/bpfrun/vmlinux_types.h", &err);
	if (!f)
		return err;
	fprintf(f, "/* Generated by bpfrun from %s by libbpf's btf_dump; the types\n"
		   " * libbcc's own bpf.h defines are renamed " RENAME_PREFIX "NAME.\n"
		   " * Include <bpfrun/vmlinux.h>, not this. */\n"
		   "#ifndef __BPFRUN_VMLINUX_TYPES_H__\n"
		   "#define __BPFRUN_VMLINUX_TYPES_H__\n\n",
		g->btf_path);
	d = btf_dump__new(g->btf, dump_printf, f, NULL);
	if (!d) {
		err = -errno;
		pr_err("btf_dump__new: %s\n", strerror(errno));
		return tree_close(f, err);
	}
	for (id = 1; id < n && !err; id++)
		err = btf_dump__dump_type(d, id);
	btf_dump__free(d);
	if (err)
		pr_err("cannot dump type %u of %s as C: %s\n", id - 1,
		       g->btf_path, strerror(-err));
	fprintf(f, "\n#endif\n");
	if (!err && ferror(f))
		err = -EIO;
	return tree_close(f, err);
}

/* The BTF as dumped (renamed, arrays grown): what btf_subset() reads. */
int gen_write_btf(struct gen *g)
{
	const void *raw;
	__u32 size;

	raw = btf__raw_data(g->btf, &size);
	if (!raw)
		return -ENOMEM;
	return tree_write(g->dirfd, SUBSET_BTF, (const char *)raw, size);
}

int gen_write_vmlinux_h(struct gen *g)
{
	struct sbuf b = { 0 };
	size_t i;
	int err;

	sb_printf(&b, "/* Generated by bpfrun: every kernel header of this tree leads here. */\n"
		      "#ifndef __BPFRUN_VMLINUX_H__\n"
		      "#define __BPFRUN_VMLINUX_H__\n"
		      "/* what bpftool's vmlinux.h defines: all kernel types are here */\n"
		      "#define __VMLINUX_H__\n\n"
		      "/* Macros defined before this point that the kernel's BTF\n"
		      " * uses as identifiers: hidden while its types are read. */\n");
	for (i = 0; i < g->wrap.n; i++)
		sb_printf(&b, "#pragma push_macro(\"%s\")\n#undef %s\n",
			  g->wrap.v[i], g->wrap.v[i]);
	/* a compile may be given just the types its program names */
	sb_printf(&b, "\n#ifdef " SUBSET_MACRO "\n#include " SUBSET_MACRO
		      "\n#else\n#include <bpfrun/vmlinux_types.h>\n#endif\n\n");
	for (i = g->wrap.n; i-- > 0;)
		sb_printf(&b, "#pragma pop_macro(\"%s\")\n", g->wrap.v[i]);
	sb_printf(&b, "\n#include <bpfrun/kmacros.h>\n\n#endif\n");
	err = b.err ? b.err : tree_write(g->dirfd, "include/bpfrun/vmlinux.h",
					 b.s, b.len);
	sb_free(&b);
	return err;
}

/*
 * Typedefs the kernel's linux/types.h gives before any other header:
 * libbcc's bpf.h and helpers.h use some, the tracepoint structs libbcc
 * writes into the program use others (dev_t, sector_t, umode_t), also in
 * programs that include no kernel header (bcc's biopattern). Each comes
 * from the BTF, with the typedefs it rests on, when the BTF has it as a
 * typedef of a plain integer; the dump repeats them later, which C11
 * allows for identical typedefs (one of a struct could not be repeated).
 * The fallbacks are the int-ll64 types of every 64-bit architecture.
 */
static const struct {
	const char *name;
	const char *fallback;	/* NULL: only if the BTF has it */
} ktypedefs[] = {
	{ "__s8", "signed char" }, { "__u8", "unsigned char" },
	{ "__s16", "short" }, { "__u16", "unsigned short" },
	{ "__s32", "int" }, { "__u32", "unsigned int" },
	{ "__s64", "long long" }, { "__u64", "unsigned long long" },
	{ "s8", "__s8" }, { "u8", "__u8" }, { "s16", "__s16" },
	{ "u16", "__u16" }, { "s32", "__s32" }, { "u32", "__u32" },
	{ "s64", "__s64" }, { "u64", "__u64" },
	{ "__le16", "__u16" }, { "__be16", "__u16" }, { "__le32", "__u32" },
	{ "__be32", "__u32" }, { "__le64", "__u64" }, { "__be64", "__u64" },
	{ "__sum16", "__u16" }, { "__wsum", "__u32" },
	{ "bool", "_Bool" }, { "size_t", "unsigned long" },
	{ "ssize_t", "long" }, { "uintptr_t", "unsigned long" },
	{ "ptrdiff_t", NULL },
	{ "int8_t", NULL }, { "uint8_t", NULL }, { "int16_t", NULL },
	{ "uint16_t", NULL }, { "int32_t", NULL }, { "uint32_t", NULL },
	{ "int64_t", NULL }, { "uint64_t", NULL }, { "u_int8_t", NULL },
	{ "u_int16_t", NULL }, { "u_int32_t", NULL }, { "u_int64_t", NULL },
	{ "dev_t", NULL }, { "ino_t", NULL }, { "mode_t", NULL },
	{ "umode_t", NULL }, { "nlink_t", NULL }, { "off_t", NULL },
	{ "loff_t", NULL }, { "pid_t", NULL }, { "uid_t", NULL },
	{ "gid_t", NULL }, { "time_t", NULL }, { "time64_t", NULL },
	{ "ktime_t", NULL }, { "clockid_t", NULL }, { "sector_t", NULL },
	{ "blkcnt_t", NULL }, { "gfp_t", NULL }, { "fmode_t", NULL },
	{ "slab_flags_t", NULL }, { "dma_addr_t", NULL },
	{ "phys_addr_t", NULL }, { "resource_size_t", NULL },
	{ "blk_opf_t", NULL }, { "blk_status_t", NULL },
};

static void sb_dump_printf(void *ctx, const char *fmt, va_list ap)
{
	sb_vprintf(ctx, fmt, ap);
}

int gen_types_h(struct gen *g, struct sbuf *b)
{
	struct btf_dump *d;
	size_t i;
	int err = 0;

	sb_printf(b, "/* Generated by bpfrun from the kernel's BTF. */\n"
		  "#ifndef _LINUX_TYPES_H\n#define _LINUX_TYPES_H\n");
	d = btf_dump__new(g->btf, sb_dump_printf, b, NULL);
	if (!d)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(ktypedefs) && !err; i++) {
		__s32 id = btf__find_by_name_kind(g->btf, ktypedefs[i].name,
						  BTF_KIND_TYPEDEF);
		const struct btf_type *t = NULL;

		if (id > 0)
			t = btf__type_by_id(g->btf,
					    btf_skip_mods(g->btf, id));
		if (t && btf_is_int(t))
			err = btf_dump__dump_type(d, id);
		else if (ktypedefs[i].fallback)
			sb_printf(b, "typedef %s %s;\n", ktypedefs[i].fallback,
				  ktypedefs[i].name);
	}
	btf_dump__free(d);
	sb_printf(b, "#define __aligned_u64 __u64 __attribute__((aligned(8)))\n"
		  "#define __aligned_be64 __be64 __attribute__((aligned(8)))\n"
		  "#define __aligned_le64 __le64 __attribute__((aligned(8)))\n"
		  "#endif\n");
	return err ? err : b->err;
}
