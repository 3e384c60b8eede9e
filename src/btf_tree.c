// SPDX-License-Identifier: Apache-2.0
/*
 * A kernel header tree generated from the running kernel's BTF, for libbcc's
 * BCC_KERNEL_SOURCE.
 *
 * Why: libbcc compiles programs against kernel headers, and headers of
 * another kernel version compile fine but put struct fields at the wrong
 * offsets (with Debian's 6.1 headers on a 6.18 kernel,
 * task->real_parent->tgid reads 0). The kernel's own BTF describes every
 * type exactly as the running kernel lays it out, so we dump it as C with
 * libbpf's btf_dump and give libbcc a tree whose every kernel header leads
 * to that dump.
 *
 * What libbcc needs from such a tree, and what breaks it:
 *  - libbcc force-includes its own copy of the uapi bpf.h (and helpers.h)
 *    before the program. Every struct, union, enum, enumerator and typedef
 *    name that copy defines is defined again by the dump, which clang
 *    refuses. We rename those types and enumerators inside the BTF itself
 *    (to __vmlinux_NAME) before dumping it: the program then sees libbcc's
 *    uapi definitions, and kernel structs that embed such types still get
 *    the kernel's layout. Renaming in BTF, unlike a "#define NAME
 *    __vmlinux_NAME" around the dump, cannot touch struct members that
 *    happen to carry the same name.
 *  - The names come from libbcc itself: its embedded headers are read out
 *    of libbcc.so, so a libbcc upgrade brings its own list. Whole enums
 *    whose tag libbcc defines are renamed with all their enumerators, which
 *    also covers enumerators libbcc generates with macros (BPF_FUNC_*).
 *  - Macros defined before the dump (by libbcc's headers or by this tree's
 *    own kconfig.h, types.h, ...) that name something in the BTF, e.g.
 *    BPF_F_KPROBE_MULTI_RETURN, a macro in libbcc's bpf.h and an
 *    enumerator in 6.18, are hidden around the dump with push_macro and
 *    pop_macro.
 *  - btf_dump does not emit the "preserve_access_index" pragmas that
 *    bpftool adds (libbcc's clang frontend rejects them); we add none.
 *  - Macros are not in BTF: btf_kmacros.h has the ones programs commonly
 *    need, written after the dump so that they cannot break it.
 *  - linux/types.h, which libbcc's helpers.h reaches before any kernel
 *    header, carries the kernel's integer typedefs (u64, dev_t, sector_t,
 *    ...) taken from the BTF; kconfig.h carries the running kernel's
 *    config (/proc/config.gz) when the BTF is the running kernel's.
 *  - Trailing flexible arrays get one element, see gen_grow_flex_arrays()
 *    in btf_gen.c.
 *
 * What it cannot do: types of modules that are not in vmlinux's BTF (NFS,
 * XFS: /sys/kernel/btf/<module>) are missing, and a program that carries
 * its own copy of a kernel-private struct (bcc's dcsnoop: nameidata) gets
 * "redefinition" errors, since the BTF has every struct; such programs
 * can test BPFRUN_BTF_TREE (or __VMLINUX_H__) to leave their copy out.
 *
 * The tree is a directory entry of the store (store_dir.c) in
 * cache_dir("btf"), a root-owned directory that nobody else may write,
 * keyed on a hash of everything it is made from (the BTF's bytes, libbcc's
 * headers, the kernel config, the release and FORMAT_VERSION): a new
 * kernel, a new libbcc or a new generator gives a new tree. The store
 * hands out a temporary directory to generate into, renames it into place
 * with a manifest of every file's hash, and checks the tree against that
 * manifest whenever it is read, so a concurrent, interrupted or damaged
 * run never leaves a half-written tree in use. Never in /tmp: libbcc 0.26
 * trusts an existing /tmp/kheaders-<release> (CVE-2024-2314) and so would
 * anyone who trusted a predictable path there.
 *
 * What depends on the architecture (the macro table's values, the page
 * size and config when the kernel's config is unknown, the syscall wrapper
 * prefix, multiarch directories) comes from src/arch/; pt_regs comes from
 * the BTF, and libbcc's PT_REGS_* macros match its field names. x86_64 is
 * the only architecture so far.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "btf_gen.h"


#define STORE "btf"

/* Length-prefixed, so that no two different inputs hash alike. */
static void key_add(struct sha256 *s, const char *label, const void *data,
		    size_t len)
{
	uint64_t n = len;

	sha256_update(s, label, strlen(label) + 1);
	sha256_update(s, &n, sizeof(n));
	sha256_update(s, data, len);
}

/*
 * Keying a tree hashes the BTF, libbcc's headers and the kernel config:
 * ~25 ms and ~12 MiB on every run. The running kernel's BTF cannot change
 * within a boot, so which tree it gave is kept per boot id, with libbcc's
 * file identity (a new libbcc is a new key), as a memo in the store; the
 * tree it names is still checked by the store at every read.
 */
static int memo_key(char *key, size_t len)
{
	char id[64], lib[96];
	int err = boot_id(id, sizeof(id));

	if (err)
		return err;
	file_identity(LIBBCC_SONAME, lib, sizeof(lib));
	/* a new generator makes new trees: its format is part of the key */
	return snprintf(key, len, "btf tree %d in the store, boot %s, libbcc %s",
			FORMAT_VERSION, id, lib) >= (int)len ? -ENAMETOOLONG : 0;
}

static int memo_read(char *tree, size_t len, bool check)
{
	char mkey[256], key[65], label[STORE_LABEL_MAX + 1];
	size_t n;
	void *buf;
	int err, ok;

	err = memo_key(mkey, sizeof(mkey));
	if (!err)
		err = store_get("memo", mkey, &buf, &n);
	if (err)
		return err;
	ok = sscanf(buf, "key %64s\nlabel %100s\n", key, label) == 2 &&
	     strlen(key) == 64;
	free(buf);
	if (!ok)
		return -ESTALE;
	return check ? store_dir_get(STORE, label, key, tree, len) :
		       store_dir_find(STORE, label, key, tree, len);
}

static void memo_write(const char *label, const char *key)
{
	char mkey[256], text[STORE_LABEL_MAX + 100];
	int n;

	if (memo_key(mkey, sizeof(mkey)))
		return;
	n = snprintf(text, sizeof(text), "key %s\nlabel %s\n", key, label);
	if (n > 0 && (size_t)n < sizeof(text))
		store_put("memo", mkey, text, n);
}

static bool is_running_kernel_btf(const char *path)
{
	struct stat a, b;

	return !stat(path, &a) && !stat(DEFAULT_BTF, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int load_btf(const char *path, char *data, size_t size,
		    struct btf **out)
{
	struct btf *btf;

	/*
	 * Parse the very bytes we hashed, so that the key describes the
	 * tree even if the file changes meanwhile. ELF files (a vmlinux
	 * with .BTF) go through btf__parse().
	 */
	if (size >= 4 && !memcmp(data, "\177ELF", 4))
		btf = btf__parse(path, NULL);
	else
		btf = btf__new(data, size);
	if (!btf) {
		int err = errno ? -errno : -EINVAL;

		pr_err("%s is not BTF that libbpf can read: %s\n", path,
		       strerror(-err));
		return err;
	}
	*out = btf;
	return 0;
}

int btf_tree_find(char *buf, size_t len)
{
	return memo_read(buf, len, false);
}

int btf_tree_get(const char *btf_path, char *buf, size_t len)
{
	struct gen g = { .dirfd = -1 };
	struct store_dir d = { .fd = -1 };
	char key[65], label[STORE_LABEL_MAX + 1], *data = NULL;
	struct sha256 sha;
	struct utsname un;
	size_t size;
	int err, n, running;

	g.btf_path = btf_path ? btf_path : DEFAULT_BTF;
	if (!buf || !len)
		return -EINVAL;
	running = !strcmp(g.btf_path, DEFAULT_BTF);
	if (running && !memo_read(buf, len, true))
		return 0;

	err = read_whole(g.btf_path, 0, &data, &size);
	if (err) {
		if (err == -ENOENT && !btf_path)
			pr_err("%s does not exist: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), so no header tree can be made from it; install the headers of the running kernel instead\n",
			       g.btf_path);
		else
			pr_err("cannot read kernel BTF %s: %s\n", g.btf_path,
			       strerror(-err));
		goto out;
	}
	uname(&un);
	snprintf(g.release, sizeof(g.release), "%s", un.release);
	err = bcc_headers_load(&g.bcc);
	if (err)
		goto out;
	/* The config is the running kernel's: use it only with its BTF. */
	if (is_running_kernel_btf(g.btf_path))
		read_kconfig(g.release, &g.kconfig, g.kconfig_src,
			     sizeof(g.kconfig_src));

	sha256_init(&sha);
	n = FORMAT_VERSION;
	key_add(&sha, "format", &n, sizeof(n));
	key_add(&sha, "release", g.release, strlen(g.release));
	key_add(&sha, "libbcc bpf.h", g.bcc.bpf_h, g.bcc.bpf_h_len);
	key_add(&sha, "libbcc helpers.h", g.bcc.helpers_h ? g.bcc.helpers_h : "",
		g.bcc.helpers_h_len);
	key_add(&sha, "kconfig", g.kconfig.s ? g.kconfig.s : "", g.kconfig.len);
	key_add(&sha, "btf", data, size);
	sha256_hex(&sha, key);

	/*
	 * Named by the release: a new tree of the running kernel replaces
	 * the older ones of its release (an older generator or libbcc),
	 * which would never be used again. Trees of other BTF files have a
	 * label of their own and are left alone.
	 */
	snprintf(label, sizeof(label), "%s-%.64s", running ? "vmlinux" : "file",
		 g.release);
	err = store_dir_get(STORE, label, key, buf, len);
	if (err != -ENOENT) {
		if (err == -ENAMETOOLONG)
			pr_err("the header tree's path in the cache is too long\n");
		goto done;	/* there, or the store said why not */
	}

	/* Not there, or not whole: generate. */
	err = load_btf(g.btf_path, data, size, &g.btf);
	if (!err)
		err = store_dir_begin(&d, STORE, label, key,
				      running ? STORE_SUPERSEDE : 0);
	if (err)
		goto out;
	g.dirfd = d.fd;
	err = btf_gen_tree(&g, key);
	if (err) {
		if (err != -EINVAL)
			pr_err("cannot write the BTF header tree in %s: %s\n",
			       d.tmp, strerror(-err));
		goto out;
	}
	err = store_dir_commit(&d, buf, len);
done:
	if (!err && running)
		memo_write(label, key);
out:
	store_dir_abort(&d);
	btf__free(g.btf);
	bcc_headers_free(&g.bcc);
	cnames_free(&g.libbcc);
	ns_free(&g.pre_macros);
	ns_free(&g.wrap);
	ns_free(&g.km_names);
	ns_free(&g.km_enums);
	sb_free(&g.kconfig);
	free(data);
	return err;
}
