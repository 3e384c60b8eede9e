// SPDX-License-Identifier: Apache-2.0
/*
 * The BTF header tree's generator: the kernel's BTF dumped as C, renamed
 * where it clashes with libbcc, and the tree of headers that lead to it.
 * See btf_tree.c for why and how.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "arch.h"
#include "btf_gen.h"

/* ------------------------------------------------------------------ */
/* The kernel config, when the BTF is the running kernel's. */

int read_kconfig(const char *release, struct sbuf *out, char *src,
			size_t srclen)
{
	char path[PATH_MAX], chunk[16384];
	gzFile gz;
	int n;

	/* gzread() passes an uncompressed file through as it is. */
	snprintf(path, sizeof(path), "/proc/config.gz");
	gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(path, sizeof(path), "/boot/config-%s", release);
		gz = gzopen(path, "rb");
	}
	if (!gz)
		return -ENOENT;
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0)
		sb_printf(out, "%.*s", n, chunk);
	gzclose(gz);
	if (n < 0 || out->err) {
		int err = out->err ? out->err : -EIO;

		sb_free(out);
		return err;
	}
	snprintf(src, srclen, "%s", path);
	return 0;
}

/* "CONFIG_X=y" lines as autoconf.h #defines. */
static void kconfig_to_defines(const char *cfg, struct sbuf *out)
{
	const char *line = cfg, *nl, *eq, *v;

	for (; line && *line; line = nl ? nl + 1 : NULL) {
		size_t nlen, vlen, i;
		bool ok = true;

		nl = strchr(line, '\n');
		vlen = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, "CONFIG_", 7))
			continue;
		eq = memchr(line, '=', vlen);
		if (!eq)
			continue;
		nlen = eq - line;
		for (i = 0; i < nlen; i++)
			ok = ok && is_ident((unsigned char)line[i]);
		v = eq + 1;
		vlen -= nlen + 1;
		if (!ok || !vlen)
			continue;
		if (vlen == 1 && *v == 'y') {
			sb_printf(out, "#define %.*s 1\n", (int)nlen, line);
		} else if (vlen == 1 && *v == 'm') {
			sb_printf(out, "#define %.*s_MODULE 1\n", (int)nlen,
				  line);
		} else {
			/* numbers, hex and C strings as Kconfig writes
			 * them; nothing else */
			if (v[0] == '"')
				ok = vlen >= 2 && v[vlen - 1] == '"';
			for (i = 0; v[0] != '"' && i < vlen; i++)
				ok = ok && (isxdigit((unsigned char)v[i]) ||
					    v[i] == 'x' || v[i] == '-');
			if (ok)
				sb_printf(out, "#define %.*s %.*s\n",
					  (int)nlen, line, (int)vlen, v);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Writing files into the tree being generated. */

static int mkdirs_at(int dirfd, const char *rel)
{
	char path[PATH_MAX], *s;

	snprintf(path, sizeof(path), "%s", rel);
	for (s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!mkdirat(dirfd, path, 0755)) {
			/* whatever the umask, like the files */
			if (fchmodat(dirfd, path, 0755, 0))
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		*s = '/';
	}
	return 0;
}

static FILE *tree_open(int dirfd, const char *rel, int *err)
{
	FILE *f;
	int fd;

	*err = mkdirs_at(dirfd, rel);
	if (*err)
		return NULL;
	fd = openat(dirfd, rel,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	/* whatever the umask: libbcc may run with another one */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	return f;
}

/* Flush, fsync (the tree must be whole once renamed), close. */
static int tree_close(FILE *f, int err)
{
	if (fflush(f) && !err)
		err = -errno;
	if (!err && fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int tree_write(int dirfd, const char *rel, const char *text,
		      size_t len)
{
	int err;
	FILE *f = tree_open(dirfd, rel, &err);

	if (!f)
		return err;
	if (len && fwrite(text, 1, len, f) != len)
		err = -EIO;
	return tree_close(f, err);
}

/* ------------------------------------------------------------------ */
/* The generator. */

static const char *btf_name(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

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
static int rename_collisions(struct gen *g)
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
static int grow_flex_arrays(struct gen *g)
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
static int check_identifiers(struct gen *g)
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

/* Length of array member "type.member" (alternatives split by '|'). */
static long btf_array_len(const struct btf *btf, const char *spec)
{
	char buf[256], *alt, *save = NULL, *dot;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (alt = strtok_r(buf, "|", &save); alt;
	     alt = strtok_r(NULL, "|", &save)) {
		static const int kinds[] = { BTF_KIND_STRUCT, BTF_KIND_UNION };
		size_t k;

		dot = strchr(alt, '.');
		if (!dot)
			continue;
		*dot = '\0';
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			__s32 id = btf__find_by_name_kind(btf, alt, kinds[k]);
			const struct btf_type *t;
			int i;

			if (id <= 0)
				continue;
			t = btf__type_by_id(btf, id);
			for (i = 0; i < btf_vlen(t); i++) {
				const struct btf_member *m = btf_members(t) + i;
				const struct btf_type *mt;

				if (strcmp(btf_name(btf, m->name_off), dot + 1))
					continue;
				mt = btf__type_by_id(btf, m->type);
				while (mt && (btf_is_typedef(mt) ||
					      btf_is_mod(mt)))
					mt = btf__type_by_id(btf, mt->type);
				if (mt && btf_is_array(mt))
					return btf_array(mt)->nelems;
			}
		}
	}
	return -1;
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	FILE *f = ctx;

	vfprintf(f, fmt, ap);	/* ferror() is checked when closing */
}

static int write_dump(struct gen *g)
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
static int write_btf(struct gen *g)
{
	const void *raw;
	__u32 size;

	raw = btf__raw_data(g->btf, &size);
	if (!raw)
		return -ENOMEM;
	return tree_write(g->dirfd, SUBSET_BTF, (const char *)raw, size);
}

static int write_vmlinux_h(struct gen *g)
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

static int write_kmacros(struct gen *g)
{
	static const char *const req_skip[] = { "NR_BITS" };
	struct sbuf b = { 0 };
	const struct btf_type *t;
	__s32 id;
	size_t i;
	int err, j;

	sb_printf(&b, "/* Generated by bpfrun: kernel macros BTF does not carry\n"
		      " * (%s values). Names this kernel has as enumerators\n"
		      " * are left to the enumerators. */\n"
		      "#ifndef __BPFRUN_KMACROS_H__\n"
		      "#define __BPFRUN_KMACROS_H__\n\n",
		  arch_this()->machine);
	for (i = 0; i < arch_this()->nkmacros; i++) {
		const struct kmacro *m = &arch_this()->kmacros[i];
		size_t nlen = strcspn(m->name, "(");
		char name[128];
		long alen = -1;

		snprintf(name, sizeof(name), "%.*s", (int)nlen, m->name);
		if (ns_has(&g->km_enums, name)) {
			sb_printf(&b, "/* %s: an enumerator of this kernel */\n",
				  name);
			continue;
		}
		if (m->btf)
			alen = btf_array_len(g->btf, m->btf);
		sb_printf(&b, "#if !defined(%s)%s%s%s\n", name,
			  m->cond ? " && (" : "", m->cond ? m->cond : "",
			  m->cond ? ")" : "");
		if (alen >= 0)
			sb_printf(&b, "#define %s %ld\n", m->name, alen);
		else
			sb_printf(&b, "#define %s%s%s\n", m->name,
				  *m->value ? " " : "", m->value);
		sb_printf(&b, "#endif\n");
	}

	/* REQ_* block request flags: one bit per enum req_flag_bits entry. */
	id = btf__find_by_name_kind(g->btf, "req_flag_bits", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(g->btf, id) : NULL;
	for (j = 0; t && j < btf_vlen(t); j++) {
		const char *e = btf_name(g->btf, btf_enum(t)[j].name_off);
		bool skip = strncmp(e, "__REQ_", 6) != 0;
		size_t k;

		for (k = 0; k < ARRAY_SIZE(req_skip) && !skip; k++)
			skip = !strcmp(e + 6, req_skip[k]);
		if (!skip)
			sb_printf(&b, "#ifndef REQ_%s\n#define REQ_%s (1ULL << %s)\n#endif\n",
				  e + 6, e + 6, e);
	}
	sb_printf(&b, "\n#endif\n");
	err = b.err ? b.err : tree_write(g->dirfd, "include/bpfrun/kmacros.h",
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

static int write_types_h(struct gen *g, struct sbuf *b)
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

/*
 * The headers libbcc's helpers.h includes before any kernel header, and
 * kconfig.h, which libbcc force-includes first of all. They must not lead
 * to the dump (a program that includes nothing would pay for it), and
 * their macros are scanned: those the dump uses are hidden around it.
 */
static int pre_headers(struct gen *g, struct sbuf *out, const char **rel,
		       size_t n)
{
	unsigned major = 0, minor = 0, patch = 0;
	struct cnames c = { 0 };
	size_t i;
	int err = 0;

	/* kconfig.h */
	sb_printf(&out[0], "/* Generated by bpfrun. */\n"
		  "#ifndef __LINUX_KCONFIG_H\n#define __LINUX_KCONFIG_H\n"
		  "#include <generated/autoconf.h>\n"
		  "#define __bpfrun_take2(a, b, ...) b\n"
		  "#define __bpfrun_arg_1 0,\n"
		  "#define __bpfrun_set3(junk) __bpfrun_take2(junk 1, 0, 0)\n"
		  "#define __bpfrun_set2(v) __bpfrun_set3(__bpfrun_arg_##v)\n"
		  "#define __bpfrun_set(v) __bpfrun_set2(v)\n"
		  "#define IS_BUILTIN(option) __bpfrun_set(option)\n"
		  "#define IS_MODULE(option) __bpfrun_set(option##_MODULE)\n"
		  "#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))\n"
		  "/* Programs may test it, to leave out their own copies of\n"
		  " * kernel-private structs: this tree has every type. */\n"
		  "#define BPFRUN_BTF_TREE 1\n"
		  "#endif\n");
	rel[0] = "include/linux/kconfig.h";

	/* generated/autoconf.h */
	sb_printf(&out[1], "/* Generated by bpfrun from %s. */\n",
		  g->kconfig.len ? g->kconfig_src : "the kernel's BTF");
	if (g->kconfig.len) {
		kconfig_to_defines(g->kconfig.s, &out[1]);
	} else {
		const struct arch *a = arch_this();
		char wrapper[64];

		/* syscalls go through wrappers taking pt_regs */
		snprintf(wrapper, sizeof(wrapper), "%sread", a->syscall_prefix);
		if (btf__find_by_name_kind(g->btf, wrapper, BTF_KIND_FUNC) > 0)
			sb_printf(&out[1], "#define CONFIG_ARCH_HAS_SYSCALL_WRAPPER 1\n");
		sb_printf(&out[1], "%s", a->config);
	}
	/* libbcc's helpers.h refuses to build without it; kernels with BTF
	 * in sysfs have it. */
	sb_printf(&out[1], "#ifndef CONFIG_BPF_SYSCALL\n#define CONFIG_BPF_SYSCALL 1\n#endif\n");
	rel[1] = "include/generated/autoconf.h";

	/* linux/types.h */
	err = write_types_h(g, &out[2]);
	if (err)
		return err;
	rel[2] = "include/linux/types.h";

	/* linux/version.h, from the running kernel's release */
	sscanf(g->release, "%u.%u.%u", &major, &minor, &patch);
	sb_printf(&out[3], "/* Generated by bpfrun for %s. */\n"
		  "#define LINUX_VERSION_CODE %u\n"
		  "#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n"
		  "#define LINUX_VERSION_MAJOR %u\n"
		  "#define LINUX_VERSION_PATCHLEVEL %u\n"
		  "#define LINUX_VERSION_SUBLEVEL %u\n",
		  g->release, (major << 16) + (minor << 8) +
		  (patch > 255 ? 255 : patch), major, minor, patch);
	rel[3] = "include/linux/version.h";

	/* asm/page.h: CONFIG_PAGE_SHIFT exists since 6.7; the arch's default
	 * otherwise. */
	sb_printf(&out[4], "/* Generated by bpfrun. */\n"
		  "#ifndef PAGE_SHIFT\n#ifdef CONFIG_PAGE_SHIFT\n"
		  "#define PAGE_SHIFT CONFIG_PAGE_SHIFT\n#else\n"
		  "#define PAGE_SHIFT %u\n#endif\n"
		  "#define PAGE_SIZE (1UL << PAGE_SHIFT)\n"
		  "#define PAGE_MASK (~(PAGE_SIZE - 1))\n#endif\n",
		  arch_this()->page_shift);
	rel[4] = "include/asm/page.h";

	/* linux/log2.h: helpers.h sizes stack maps with roundup_pow_of_two */
	sb_printf(&out[5], "/* Generated by bpfrun. */\n"
		  "#ifndef _LINUX_LOG2_H\n#define _LINUX_LOG2_H\n"
		  "#define ilog2(n) ((n) ? 63 - __builtin_clzll(n) : -1)\n"
		  "#define is_power_of_2(n) ((n) != 0 && ((n) & ((n) - 1)) == 0)\n"
		  "#define roundup_pow_of_two(n) ((n) <= 1 ? 1UL : 1UL << (64 - __builtin_clzll((unsigned long long)(n) - 1)))\n"
		  "#define rounddown_pow_of_two(n) (1UL << ilog2(n))\n"
		  "#endif\n");
	rel[5] = "include/linux/log2.h";

	/* Already in libbcc's force-included bpf.h: these stay empty. */
	sb_printf(&out[6], "/* Empty: libbcc force-includes its own copy. */\n");
	rel[6] = "include/uapi/linux/bpf.h";
	sb_printf(&out[7], "/* Empty: libbcc's bpf.h needs nothing from it. */\n");
	rel[7] = "include/linux/bpf_common.h";
	sb_printf(&out[8], "/* Empty: helpers.h includes it, programs rarely need it. */\n");
	rel[8] = "include/uapi/linux/if_packet.h";

	for (i = 0; i < n; i++) {
		if (out[i].err)
			return out[i].err;
		scan_c(&c, out[i].s, out[i].len);
	}
	for (i = 0; i < c.macros.n && !err; i++)
		err = ns_add(&g->pre_macros, c.macros.v[i],
			     strlen(c.macros.v[i]));
	if (!err)
		err = c.err;
	cnames_free(&c);
	return err;
}

/* Kernel headers programs include; each leads to the dump. */
static const char *const kernel_headers[] = {
	"asm/current.h", "asm/errno.h", "asm/processor.h", "asm/ptrace.h",
	"linux/aio.h", "linux/audit.h", "linux/binfmts.h",
	"linux/bio.h", "linux/blk-mq.h", "linux/blk_types.h", "linux/blkdev.h",
	"linux/bpf.h", "linux/btf.h", "linux/buffer_head.h",
	"linux/capability.h", "linux/cgroup-defs.h", "linux/cgroup.h",
	"linux/compaction.h", "linux/compiler.h", "linux/cpumask.h",
	"linux/cred.h", "linux/dcache.h", "linux/delay.h", "linux/elf.h",
	"linux/errno.h", "linux/etherdevice.h", "linux/ethtool.h",
	"linux/fcntl.h", "linux/fdtable.h", "linux/file.h", "linux/filter.h",
	"linux/fs.h", "linux/fs_struct.h", "linux/fsnotify.h",
	"linux/ftrace.h", "linux/genhd.h", "linux/gfp.h", "linux/hrtimer.h",
	"linux/icmp.h", "linux/icmpv6.h", "linux/if_ether.h",
	"linux/if_packet.h", "linux/if_vlan.h", "linux/in.h", "linux/in6.h",
	"linux/inet.h", "linux/init.h", "linux/init_task.h",
	"linux/interrupt.h", "linux/ip.h", "linux/ipv6.h", "linux/irq.h",
	"linux/irqdesc.h", "linux/kasan.h", "linux/kdev_t.h", "linux/kernel.h",
	"linux/kprobes.h", "linux/kthread.h", "linux/ktime.h",
	"linux/limits.h", "linux/list.h", "linux/magic.h",
	"linux/memcontrol.h", "linux/mm.h", "linux/mm_types.h", "linux/mman.h",
	"linux/mmzone.h", "linux/module.h", "linux/mount.h", "linux/mutex.h",
	"linux/namei.h", "linux/net.h", "linux/netdevice.h",
	"linux/netfilter.h", "linux/netlink.h", "linux/nfs_fs.h",
	"linux/ns_common.h", "linux/nsproxy.h", "linux/oom.h",
	"linux/pagemap.h", "linux/path.h", "linux/percpu.h",
	"linux/perf_event.h", "linux/pid.h", "linux/pid_namespace.h",
	"linux/pipe_fs_i.h", "linux/proc_fs.h", "linux/ptrace.h",
	"linux/random.h", "linux/rcupdate.h", "linux/rwsem.h", "linux/sched.h",
	"linux/sched/mm.h", "linux/sched/signal.h", "linux/sched/task.h",
	"linux/security.h", "linux/seq_file.h", "linux/signal.h",
	"linux/skbuff.h", "linux/slab.h", "linux/slab_def.h",
	"linux/slub_def.h", "linux/socket.h", "linux/spinlock.h",
	"linux/stat.h", "linux/stddef.h", "linux/string.h", "linux/swap.h",
	"linux/tcp.h", "linux/time.h", "linux/time64.h", "linux/timer.h",
	"linux/topology.h", "linux/tracepoint.h", "linux/tty.h",
	"linux/uaccess.h", "linux/udp.h", "linux/uidgid.h", "linux/uio.h",
	"linux/un.h", "linux/user_namespace.h", "linux/utsname.h",
	"linux/virtio.h", "linux/wait.h", "linux/workqueue.h",
	"linux/writeback.h", "net/af_unix.h", "net/dst.h", "net/flow.h",
	"net/inet_connection_sock.h", "net/inet_hashtables.h",
	"net/inet_sock.h", "net/inet_timewait_sock.h", "net/ip.h",
	"net/ipv6.h", "net/net_namespace.h", "net/request_sock.h",
	"net/route.h", "net/sch_generic.h", "net/sock.h", "net/tcp.h",
	"net/tcp_states.h", "net/udp.h", "uapi/linux/bpf_perf_event.h",
	"uapi/linux/fcntl.h", "uapi/linux/fs.h", "uapi/linux/icmp.h",
	"uapi/linux/if_ether.h", "uapi/linux/in.h", "uapi/linux/in6.h",
	"uapi/linux/ip.h", "uapi/linux/ipv6.h", "uapi/linux/limits.h",
	"uapi/linux/mman.h", "uapi/linux/openat2.h", "uapi/linux/perf_event.h",
	"uapi/linux/pkt_cls.h", "uapi/linux/ptrace.h", "uapi/linux/sched.h",
	"uapi/linux/socket.h", "uapi/linux/stat.h", "uapi/linux/tcp.h",
	"uapi/linux/time.h", "uapi/linux/udp.h", "uapi/linux/un.h",
	"uapi/linux/utsname.h",
};

/*
 * BTF has no macros, so no __NR_* numbers: take them from the C library's
 * copy of the uapi header. Syscall numbers are ABI and never change; a
 * syscall newer than that header is simply missing.
 */

static int write_unistd(struct gen *g, const char *head)
{
	char *text = NULL, *line = NULL, unistd[128];
	size_t len = 0, cap = 0;
	FILE *m, *in;
	int err;

	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	fputs(head, m);
	snprintf(unistd, sizeof(unistd), "/usr/include/%s/asm/unistd_64.h",
		 arch_this()->multiarch);
	in = fopen(unistd, "re");
	if (in) {
		fprintf(m, "/* syscall numbers, from %s */\n", unistd);
		while (getline(&line, &cap, in) > 0)
			if (!strncmp(line, "#define __NR_", 13))
				fputs(line, m);
		fclose(in);
	}
	free(line);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	err = tree_write(g->dirfd, "include/asm/unistd.h", text, len);
	free(text);
	return err;
}

static int write_headers(struct gen *g)
{
	static const char text[] =
		"/* Generated by bpfrun: the running kernel's types, from BTF. */\n"
		"#include <bpfrun/vmlinux.h>\n";
	char rel[PATH_MAX];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(kernel_headers) && !err; i++) {
		snprintf(rel, sizeof(rel), "include/%s", kernel_headers[i]);
		err = tree_write(g->dirfd, rel, text, sizeof(text) - 1);
	}
	return err ? err : write_unistd(g, text);
}

static int write_stamp(struct gen *g, const char *key)
{
	struct sbuf b = { 0 };
	int err;

	/* The first line is what btf_tree_get() checks before trusting. */
	sb_printf(&b, "key %s\n"
		  "format %d\n"
		  "btf %s\n"
		  "release %s\n"
		  "libbcc-headers %s\n"
		  "kconfig %s\n"
		  "renamed-types %u\n"
		  "renamed-enumerators %u\n"
		  "hidden-macros %zu\n"
		  "one-element-flexible-arrays %u\n"
		  "%s only: pt_regs, kmacros values\n",
		  key, FORMAT_VERSION, g->btf_path, g->release,
		  g->bcc.source, g->kconfig.len ? g->kconfig_src : "none",
		  g->renamed_types, g->renamed_enumerators, g->wrap.n,
		  g->grown_arrays, arch_this()->machine);
	err = b.err ? b.err : tree_write(g->dirfd, STAMP_NAME, b.s, b.len);
	sb_free(&b);
	return err;
}

int btf_gen_tree(struct gen *g, const char *key)
{
	struct sbuf pre[9] = { 0 };
	const char *rel[ARRAY_SIZE(pre)];
	size_t i;
	int err;

	/* What libbcc's force-included headers define */
	scan_c(&g->libbcc, g->bcc.bpf_h, g->bcc.bpf_h_len);
	if (g->bcc.helpers_h)
		scan_c(&g->libbcc, g->bcc.helpers_h, g->bcc.helpers_h_len);
	err = g->libbcc.err;
	if (err)
		goto out;
	cnames_sort(&g->libbcc);
	if (!g->libbcc.tags.n) {
		pr_err("found no types in libbcc's bpf.h (%s): cannot tell what to rename\n",
		       g->bcc.source);
		err = -EINVAL;
		goto out;
	}

	err = pre_headers(g, pre, rel, ARRAY_SIZE(pre));
	if (err)
		goto out;
	/* Macros libbcc defines before the program: its headers, and the
	 * command line (loader.cc, kbuild_helper.cc). */
	for (i = 0; i < g->libbcc.macros.n && !err; i++)
		err = ns_add(&g->pre_macros, g->libbcc.macros.v[i],
			     strlen(g->libbcc.macros.v[i]));
	if (!err)
		err = ns_add(&g->pre_macros, "__KERNEL__", 10);
	if (!err)
		err = ns_add(&g->pre_macros, "__BPF_TRACING__", 15);
	if (!err)
		err = ns_add(&g->pre_macros, "KBUILD_MODNAME", 14);
	for (i = 0; i < arch_this()->nkmacros && !err; i++)
		err = ns_add(&g->km_names, arch_this()->kmacros[i].name,
			     strcspn(arch_this()->kmacros[i].name, "("));
	if (err)
		goto out;

	err = rename_collisions(g);
	if (err) {
		pr_err("cannot rename types in the BTF of %s: %s\n",
		       g->btf_path, strerror(-err));
		goto out;
	}
	err = grow_flex_arrays(g);
	if (!err)
		err = check_identifiers(g);
	if (err)
		goto out;

	for (i = 0; i < ARRAY_SIZE(pre) && !err; i++)
		err = tree_write(g->dirfd, rel[i], pre[i].s, pre[i].len);
	if (!err)
		err = write_dump(g);
	if (!err)
		err = write_btf(g);
	if (!err)
		err = write_vmlinux_h(g);
	if (!err)
		err = write_kmacros(g);
	if (!err)
		err = write_headers(g);
	/* last: a tree without its stamp is never trusted */
	if (!err)
		err = write_stamp(g, key);
out:
	for (i = 0; i < ARRAY_SIZE(pre); i++)
		sb_free(&pre[i]);
	return err;
}
