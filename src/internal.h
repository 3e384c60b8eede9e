/* SPDX-License-Identifier: Apache-2.0 */
/* Inside libbpfrun: not installed. */
#ifndef BPFRUN_INTERNAL_H
#define BPFRUN_INTERNAL_H

#include <linux/bpf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* configure names libbcc's file; a build without config.h, its soname */
#include <stddef.h>

#ifndef LIBBCC_SONAME
#define LIBBCC_SONAME "libbcc.so.0"
#endif

/*
 * libbcc is dlopen()ed where it is needed (the compile's child, user stack
 * frames), never linked: a table of the functions a caller uses, bound in
 * one place. -ENOENT (*@what: dlerror()) or -ENOSYS (*@what: the missing
 * function), quietly: the callers say what it costs them.
 */
struct libbcc_sym {
	const char *name;
	size_t off;	/* in the caller's table of function pointers */
};
#define LIBBCC_SYM(table, field, sym) \
	{ #sym, offsetof(__typeof__(table), field) }
int libbcc_bind(void *table, const struct libbcc_sym *syms, size_t n,
		const char **what);

#include "bpfrun.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* log.c: every message goes to the print function (bpfrun_set_print). */
void pr_level(enum bpfrun_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_err(...) pr_level(BPFRUN_ERROR, __VA_ARGS__)
#define pr_warn(...) pr_level(BPFRUN_WARN, __VA_ARGS__)
#define pr_info(...) pr_level(BPFRUN_INFO, __VA_ARGS__)
/* Print each message only once per process (keyed on the format). */
void pr_warn_once(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A readable regular file of at most MAX_SOURCE bytes (more than any BPF
 * program's source: a stray file, not a program), or -errno with a
 * message: what bpfrun_open takes.
 */
#define MAX_SOURCE (4u << 20)
int program_source_check(const char *path);

/*
 * values.c: the -D flags that make each value's macro a placeholder, and
 * the placeholders replaced by the values in every function of @b.
 */
int values_cflags(const struct bpfrun_value *v, size_t n, char ***defs);
void values_cflags_free(char **defs, size_t n);
int values_patch(struct bpfrun *b, const struct bpfrun_value *v, size_t n);

/* cancel.c: the host's cancel fd (bpfrun_set_cancel_fd), -1 when none */
int cancel_fd_get(void);
bool cancel_requested(void);

/*
 * A caller's options struct into ours: the fields it knows, zero for the
 * rest; -EINVAL for a missing size, or for a newer struct that sets fields
 * this library does not know.
 */
int opts_copy(void *dst, size_t dst_size, const void *src, const char *what);
#define OPTS_COPY(dst, src) opts_copy((dst), sizeof(*(dst)), (src), __func__)

/* hash.c: SHA-256, the library's one hash. */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};
#define SHA256_HEX 65	/* 64 hex digits and a NUL */
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_hex(struct sha256 *s, char *hex);
void sha256_buf(const void *data, size_t len, char *hex);

/* util.c */
/* Up to @len - 1 bytes of a small file (/proc, tracefs), NUL-terminated. */
int read_file(const char *path, char *buf, size_t len);
/* A whole file, NUL after it; -EFBIG past @max bytes (0: no limit). */
int read_whole(const char *path, size_t max, char **data, size_t *len);
int read_fd_whole(int fd, size_t max, char **data, size_t *len);
int path_exists(const char *path);
int is_dir(const char *path);
/*
 * $BPFRUN_CACHE_DIR (default /var/cache/bpfrun) joined with @sub, created
 * mode 0755 when missing. -EPERM when it (or the root) is not owned by root
 * or is writable by group or others: nothing is read from such a place.
 */
int cache_dir(const char *sub, char *buf, size_t len);
int cache_dir_safe(const char *path);
/* Remove a tree (no symlinks followed). */
int rm_tree(const char *path);
/*
 * Open a cache file only if root owns it and nobody else may write it:
 * the fd, or -EPERM for a file not to be trusted.
 */
int open_trusted(const char *path, int flags);
/* This boot's id: what per-boot memos are keyed on. */
int boot_id(char *buf, size_t len);
/* "size mtime_ns inode" of @path: changes when the file is replaced. */
void file_identity(const char *path, char *buf, size_t len);

/* kallsyms.c: the one /proc/kallsyms parser. */
struct ksym_iter {
	FILE *f;
	char line[512];
	unsigned long long addr;
	char type;
	const char *name;
};
int ksym_open(struct ksym_iter *it, const char *path);
int ksym_next(struct ksym_iter *it);
void ksym_close(struct ksym_iter *it);
/* 0: found (*addr set, may be 0 when hidden), -ENOENT: not there. */
int ksym_lookup(const char *path, const char *name, unsigned long long *addr);
/* Text symbols by address, for stack frames (stacks.c). */
struct ksym_ent {
	unsigned long long addr;
	size_t name_off;
	const char *name;
};
struct ksym_table {
	struct ksym_ent *v;
	size_t n;
	char *names;
};
/* -EACCES: the file hides every address (not root, kptr_restrict). */
int ksym_table_load(struct ksym_table *t, const char *path);
/* The symbol @addr is in and *@off into it; NULL below the first. */
const char *ksym_table_find(const struct ksym_table *t,
			    unsigned long long addr, unsigned long long *off);
void ksym_table_free(struct ksym_table *t);
/* The syscall a kernel function is ("__x64_sys_execve" -> "execve"), or NULL. */
const char *syscall_name(const char *sym);
/* bpfrun_syscall_fnname() without the messages. */
int syscall_symbol(const char *kallsyms, const char *name, char *buf,
		   size_t len);

/* headers.c: choose the kernel header tree for libbcc. */
struct headers_env {
	const char *modules_dir;	/* /lib/modules */
	const char *src_dir;		/* /usr/src */
	const char *release;		/* uname -r */
	const char *btf;		/* /sys/kernel/btf/vmlinux */
};
enum headers_kind { HEADERS_MATCHING, HEADERS_BTF, HEADERS_DISTRO, HEADERS_DIR };
struct headers_choice {
	enum headers_kind kind;
	char dir[512];		/* for BCC_KERNEL_SOURCE; "" for MATCHING */
	char version[128];	/* release the tree was made for */
	bool unchecked;		/* the BTF tree, found but not read yet */
};
/* Before a compile reads the tree: check it (made again when damaged). */
int headers_check(const struct headers_env *env, struct headers_choice *h);
const char *headers_kind_name(enum headers_kind kind);
/* This machine's: /lib/modules, /usr/src, uname -r, the kernel's BTF. */
void headers_env_default(struct headers_env *env);
int headers_choose(const struct headers_env *env, const char *mode,
		   struct headers_choice *out);
/*
 * The tree made from BTF, where @h is the kernel's headers and BTF is
 * there: its dir "" until headers_check() makes it, when none is found.
 */
int headers_fallback(const struct headers_env *env,
		     const struct headers_choice *h, struct headers_choice *out);
/* Nearest Debian split tree ("V-ARCH" + "V-common") to @release. */
int headers_find_distro(const char *src_dir, const char *release, char *version,
			size_t len);
/* Union of two trees made of symlinks (the first wins on a clash). */
int headers_merge(const char *a, const char *b, const char *out);

/* btf_tree.c: header tree generated from the kernel's BTF. */
int btf_tree_get(const char *btf_path, char *buf, size_t len);
/*
 * The running kernel's tree as this boot's memo names it, not read: what
 * a warm start needs (a name for the cache key). -ENOENT: no memo yet.
 */
int btf_tree_find(char *buf, size_t len);

/* tracefs.c */
int tracefs_path(const char *rel, char *buf, size_t len);
int tracepoint_id(const char *category, const char *name);

/*
 * ldcache.c: the path /etc/ld.so.cache gives library @name ("c", "ssl",
 * or a soname "libc.so.6"), for this machine's kind of library; -ENOENT.
 */
int ldcache_find(const char *name, char *buf, size_t len);
int ldcache_parse(const char *data, size_t len, const char *name, int flags,
		  char *buf, size_t buflen);
bool ldcache_name_matches(const char *name, const char *key);

/* elf.c: file offset of @sym in ELF @path, for uprobes; -ENOENT quietly. */
int elf_sym_offset(const char *path, const char *sym, unsigned long long *off);
typedef int (*elf_func_fn)(void *ctx, const char *name,
			   unsigned long long off);
int elf_funcs(const char *path, elf_func_fn fn, void *ctx);
/* File offset of virtual address @vaddr in an executable segment of @path. */
int elf_vaddr_offset(const char *path, unsigned long long vaddr,
		     unsigned long long *off);
/* ET_EXEC, ET_DYN, ... of @path, or -errno. */
int elf_type(const char *path);

#define NR_PROG_TYPES 32	/* enough for the types the attach kinds use */
struct bpfrun_func {
	char *name;
	struct bpf_insn *insns;
	size_t ninsns;
	/*
	 * Loaded per program type, -1 if not; the last slot holds the copy
	 * a kretprobe becomes on a syscall's sys_exit tracepoint.
	 */
	int fd[NR_PROG_TYPES + 1];
};
#define FD_SLOT_SYS_EXIT NR_PROG_TYPES
#define FD_SLOT_NONE ((size_t)-1)	/* func_load_insns(): the caller's fd */

struct bpfrun_table {
	char *name;
	int type;
	unsigned key_size, leaf_size, max_entries;
	int flags;
	unsigned btf_key_type_id, btf_value_type_id;	/* 0: none */
	char *key_desc, *leaf_desc;
	char **fields;			/* perf_submit() fields, "name#type" */
	size_t nfields;
	int fd;
};

struct bpfrun_link {
	int fd;
	enum bpfrun_kind kind;
	char *func;
	char *target;
};

/* A file a compile read, as it was then. */
struct image_dep {
	char *path;
	long long size, mtime_ns, ino;
};
struct image_deps {
	struct image_dep *v;
	size_t n, cap;
};

/*
 * A place a USDT probe fires, found by libbcc in the compile: a uprobe at
 * file offset @offset of @path, the semaphore (file offset, 0: none) the
 * kernel counts while it is attached, in process @pid (0: every one).
 */
struct usdt_loc {
	char *func;
	char *target;	/* the bpfrun_usdt target it came from */
	char *path;
	unsigned long long offset, ref_ctr;
	int pid;
};

struct bpfrun {
	char *path;
	char license[128];
	unsigned kern_version;
	void *btf;		/* the program's BTF (raw), for its maps */
	size_t btf_len;
	struct bpfrun_func *funcs;
	size_t nfuncs;
	struct bpfrun_table *tables;
	size_t ntables;
	struct bpfrun_link *links;
	size_t nlinks;
	struct image_deps deps;	/* what the compile read */
	struct usdt_loc *usdt;
	size_t nusdt;
};

/*
 * An image: a compiled program as bytes, with no kernel state. What a
 * compile hands back from its child process and what the cache stores:
 * tables (descriptions), functions (map loads naming table indices),
 * license, and the files the compiler read with their identities.
 */
/* Record @path as it is now; a missing file is skipped. */
int deps_add(struct image_deps *d, const char *path);
void deps_free(struct image_deps *d);
/* 0 when every file is as recorded; else -ESTALE and *changed names one. */
int deps_check(const struct image_deps *d, const char **changed);

/* @b's tables and functions, whose map loads name table indices. */
int image_encode(const struct bpfrun *b, const struct image_deps *deps,
		 char **buf, size_t *len);
/*
 * The reverse, into an empty @b: tables without maps (fd -1), map loads
 * naming table indices. -EINVAL for anything malformed.
 */
int image_decode(struct bpfrun *b, struct image_deps *deps, const void *buf,
		 size_t len);
/*
 * Create a map for each table that has none, with the program's BTF types,
 * and point map loads at the tables' fds: the one place maps are made, on
 * a warm start and a cold one alike.
 */
int image_bind(struct bpfrun *b);
/* A table only libbcc can make (map-in-map: its inner map is libbcc's). */
bool table_from_libbcc(const struct bpfrun_table *t);
/*
 * Map loads (BPF_PSEUDO_MAP_FD) that name from[t] are made to name to[t]:
 * libbcc's fds to table indices in an image, indices to fds when bound.
 */
void func_remap_maps(struct bpfrun_func *f, const int *from, const int *to,
		     size_t n);

/*
 * compile.c: libbcc, dlopen()ed here and nowhere else, in a child process:
 * a compile can be interrupted at once, its memory is bounded, and LLVM's
 * ~150 MiB never enter the tracing process. The child hands back an image
 * and the maps libbcc made for it (fds[i] for table i, -1 for none).
 */
struct compiled {
	char *image;
	size_t len;
	int *fds;
	size_t nfds;
};
/*
 * usdt.c: the USDT probes of an open, checked and resolved by the host:
 * the binary's absolute path ("" for all a process maps), the process,
 * and the text they add to the cache key (the binary's identity; the
 * process's start time and mappings, on which the argument code depends).
 */
struct usdt_spec {
	const char *func, *target;
	int pid;
	char binary[4096];
	char provider[256], probe[256];
};
struct usdt_set {
	struct usdt_spec *v;
	size_t n;
	char *key;
};
int usdt_set_make(const struct bpfrun_usdt *u, size_t n, struct usdt_set *set);
void usdt_set_free(struct usdt_set *set);
void usdt_locs_free(struct bpfrun *b);
/*
 * compile_usdt.c, in the compile's child: libbcc's argument code for the
 * probes (*@text, malloc()ed) and where they fire, into @b.
 */
int usdt_generate(const struct usdt_set *set, struct bpfrun *b,
		  struct image_deps *deps, char **text);

/*
 * The compile's messages, held back instead of said (@held of
 * compile_program, NULL: said as they come), to say or drop later.
 */
struct held_msgs {
	size_t n;
	struct held_msg {
		enum bpfrun_print_level level;
		char *text;
	} *v;
};
void held_say(struct held_msgs *m);	/* in order; then freed */
void held_free(struct held_msgs *m);
int compile_program(const char *path, const char *const *cflags,
		    size_t ncflags, const struct headers_choice *h,
		    const struct usdt_set *usdt, struct held_msgs *held,
		    struct compiled *out);
void compiled_free(struct compiled *c);

/* store.c: one on-disk store for every cache, entries named by their key. */
/*
 * Read the entry for @key in cache subdirectory @sub: 0 and a malloc()ed
 * copy (with a NUL after it), -ENOENT when there is none; an entry not owned by root alone, or
 * whose content does not match the hash stored with it, is refused.
 */
int store_get(const char *sub, const char *key, void **buf, size_t *len);
/* Write it atomically (temp file, fsync, rename); old entries are evicted. */
int store_put(const char *sub, const char *key, const void *buf, size_t len);
/* The bytes of an entry and their parse, for the fuzzer and the tests. */
int store_encode(const char *key, const void *buf, size_t len, char **out,
		 size_t *outlen);
int store_decode(const char *key, const void *data, size_t len,
		 const void **buf, size_t *buflen);
/* A new file @name under @dirfd, mode 0644, written and fsynced. */
int store_write_at(int dirfd, const char *name, const void *buf, size_t len);
/*
 * Collect the store directory @dir: old temporaries, the oldest entry
 * past the bound, legacy names; with @superseded_by (an entry's name),
 * the other entries of its label.
 */
void store_gc(const char *dir, const char *superseded_by);
#define STORE_TMP_PREFIX ".tmp-"
#define STORE_TMP_MAX_AGE 3600	/* s: a writer this old was killed */

/*
 * store_dir.c: directory entries, trees made once (the header trees),
 * named "<label>-<16 hex digits of the key's hash>" with a manifest of
 * every file's SHA-256 inside. store_dir_get(): 0 and the entry's path
 * when it is whole and root's alone, -ENOENT when it is to be made (a
 * damaged one is removed); store_dir_begin() gives d->tmp (d->fd open on
 * it) to fill, store_dir_commit() lists, fsyncs and renames it into
 * place, store_dir_abort() throws it away.
 */
#define STORE_LABEL_MAX 100
#define STORE_MANIFEST "bpfrun-manifest"
#define STORE_SUPERSEDE 1	/* the commit removes the label's other entries */
struct store_dir {
	char tmp[4096];
	int fd;
	char path[4096];
	char *key;
	unsigned flags;
};
/*
 * store_dir_find(): the entry's path when a directory of root's is there,
 * without reading it: for a warm start, which reads nothing of it (the
 * compile that would is preceded by store_dir_get()).
 */
int store_dir_find(const char *sub, const char *label, const char *key,
		   char *path, size_t len);
int store_dir_get(const char *sub, const char *label, const char *key,
		  char *path, size_t len);
int store_dir_begin(struct store_dir *d, const char *sub, const char *label,
		    const char *key, unsigned flags);
int store_dir_commit(struct store_dir *d, char *path, size_t len);
void store_dir_abort(struct store_dir *d);

/* cache.c: compiled programs, keyed on all that changes them. */
/* @extra: more that the compile depends on (the USDT probes), or NULL */
int cache_load(struct bpfrun *b, const char *path, const char *const *cflags,
	       size_t ncflags, const struct headers_choice *h,
	       const char *extra);
int cache_store(const struct bpfrun *b, const struct compiled *c,
		const char *path, const char *const *cflags, size_t ncflags,
		const struct headers_choice *h, const char *extra);
struct utsname;
/* The key's text: compared whole, its hash names the entry. */
int cache_key(const char *path, const char *const *cflags, size_t ncflags,
	      const struct headers_choice *h, const struct utsname *u,
	      const char *extra, char **out);

/* program.c */
struct bpfrun_func *func_find(struct bpfrun *b, const char *name);
/* Load @f as @type; returns the fd (owned by @f) or -errno. */
int func_load(struct bpfrun *b, struct bpfrun_func *f, enum bpf_prog_type type);
/*
 * Load @insns (@n of them) as @f of @type, the fd kept in f->fd[@slot]
 * (returned again on the next call): for a rewritten copy of @f. With
 * FD_SLOT_NONE the fd is the caller's to close.
 */
int func_load_insns(struct bpfrun *b, struct bpfrun_func *f, size_t slot,
		    enum bpf_prog_type type, const struct bpf_insn *insns,
		    size_t n);
/* Load @f as a tracing program of @at (fentry, fexit) on BTF id @btf_id:
 * a load per target, the fd the caller's. */
int func_load_tracing(struct bpfrun *b, struct bpfrun_func *f,
		      enum bpf_attach_type at, int btf_id);
/*
 * ctx_remap.c: a copy of @f's instructions where every load through the
 * context pointer at offset @from (any size up to 8 bytes) loads at @to
 * instead: a kretprobe's PT_REGS_RC(ctx) made a sys_exit tracepoint's
 * "ret", a syscall wrapper's PT_REGS_PARM1(ctx) raw sys_enter's args[0]. -EOPNOTSUPP, with *@why set, when some load through the context
 * cannot be proven to be one of those or to not be one.
 */
int ctx_remap_loads(const struct bpfrun_func *f, int from, int to,
		    struct bpf_insn **out, char *why, size_t whylen);
/* Does the function read memory through its context pointer? */
bool func_reads_ctx(const struct bpfrun_func *f);
int link_add(struct bpfrun *b, int fd, enum bpfrun_kind kind, const char *func,
	     const char *target);

#endif
