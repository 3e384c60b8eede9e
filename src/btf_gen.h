/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the BTF header tree (btf_tree.c, the key, the cache and entry
 * point; the generator in three parts: btf_layout.c, the tree's files;
 * btf_gen.c, the types; btf_macros.c, the macros) and the pieces it is
 * made with: growable strings and name sets (sbuf.c), a scanner for C
 * headers (cscan.c) and libbcc's embedded headers (bcc_headers.c).
 */
#ifndef BPFRUN_BTF_GEN_H
#define BPFRUN_BTF_GEN_H

#include <bpf/btf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/* Bump whenever the generated tree changes for the same inputs. */
#define FORMAT_VERSION		5
#define DEFAULT_BTF		"/sys/kernel/btf/vmlinux"
#define RENAME_PREFIX		"__vmlinux_"
#define STAMP_NAME		"bpfrun-btf-tree.txt"
/* the BTF the tree's types were dumped from, for btf_subset() */
#define SUBSET_BTF		"include/bpfrun/vmlinux.btf"
/* defined to a file name: vmlinux.h includes it instead of all the types */
#define SUBSET_MACRO		"BPFRUN_TYPES_H"

#include "cscan.h"

/* bcc_headers.c: libbcc's force-included headers, read out of libbcc.so. */
struct bcc_headers {
	char *blob;		/* the file they were read from */
	size_t blob_len;
	const char *bpf_h;	/* its uapi bpf.h */
	size_t bpf_h_len;
	const char *helpers_h;	/* its helpers.h */
	size_t helpers_h_len;
	char source[PATH_MAX];
};
int bcc_headers_load(struct bcc_headers *h);
void bcc_headers_free(struct bcc_headers *h);

/* The generator's state, from btf_tree.c through the three parts. */
struct gen {
	const char *btf_path;
	struct btf *btf;
	struct bcc_headers bcc;
	struct cnames libbcc;		/* names libbcc's headers define */
	struct nameset pre_macros;	/* macros defined before the dump */
	struct nameset wrap;		/* ... that the dump also uses */
	struct nameset km_names;	/* names in btf_kmacros.h */
	struct nameset km_enums;	/* ... that BTF has as enumerators */
	struct sbuf kconfig;		/* the kernel config, or empty */
	char kconfig_src[PATH_MAX];
	char release[65];
	unsigned renamed_types, renamed_enumerators, grown_arrays;
	int dirfd;
};

static inline const char *btf_name(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

/*
 * btf_subset.c: the C of the kernel types the program at @path (and the
 * headers it includes with "...", beside it or in a -I DIR of @cflags)
 * names, from the BTF header tree @tree.
 */
int btf_subset(const char *tree, const char *path, const char *const *cflags,
	       size_t ncflags, struct sbuf *out);

/* btf_layout.c: the tree's files, and the order they are made in. */
/* Write the tree for @g into g->dirfd, its stamp carrying @key. */
int btf_gen_tree(struct gen *g, const char *key);
/* A new file @rel under @dirfd (its directories made), mode 0644. */
FILE *tree_open(int dirfd, const char *rel, int *err);
/* Flush and close it; @err is the writer's error so far. */
int tree_close(FILE *f, int err);
int tree_write(int dirfd, const char *rel, const char *text, size_t len);

/* btf_gen.c: the BTF edited for libbcc, and the C written from it. */
/* Rename what libbcc's headers define, so the dump does not redefine it. */
int gen_rename_collisions(struct gen *g);
/* Trailing 0-length arrays of structs nobody embeds get one element. */
int gen_grow_flex_arrays(struct gen *g);
/* Fill g->wrap and g->km_enums from every identifier of the dump. */
int gen_check_identifiers(struct gen *g);
int gen_write_dump(struct gen *g);	/* include/bpfrun/vmlinux_types.h */
int gen_write_btf(struct gen *g);	/* SUBSET_BTF */
int gen_write_vmlinux_h(struct gen *g);	/* include/bpfrun/vmlinux.h */
/* linux/types.h's text: the kernel's integer typedefs. */
int gen_types_h(struct gen *g, struct sbuf *b);

/* btf_macros.c: what BTF does not carry. */
int read_kconfig(const char *release, struct sbuf *out, char *src,
		 size_t len);
/* "CONFIG_X=y" lines of @cfg as autoconf.h #defines. */
void gen_kconfig_defines(const char *cfg, struct sbuf *out);
int gen_write_kmacros(struct gen *g);	/* include/bpfrun/kmacros.h */
/* include/asm/unistd.h: @head, then the __NR_* of the C library. */
int gen_write_unistd(struct gen *g, const char *head);

#endif
