/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_tree.c: the header tree made from BTF, its cache and its refusals.
 * Runs as root (the cache must be root-owned); the tests that need the
 * kernel's BTF pass without checking anything when it is absent.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

static char root[] = "/tmp/bpfrun-btf-tree-XXXXXX";
static char cache[PATH_MAX];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(chmod(root, 0755), 0);
	snprintf(cache, sizeof(cache), "%s/cache", root);
	setenv("BPFRUN_CACHE_DIR", cache, 1);
}

static void teardown(void)
{
	rm_tree(root);
	unsetenv("BPFRUN_CACHE_DIR");
	strcpy(root, "/tmp/bpfrun-btf-tree-XXXXXX");
}

static bool can_run(bool need_vmlinux)
{
	if (geteuid()) {
		fprintf(stderr, "check_btf_tree: not root, test skipped\n");
		return false;
	}
	if (need_vmlinux && access(VMLINUX, R_OK)) {
		fprintf(stderr, "check_btf_tree: no %s, test skipped\n",
			VMLINUX);
		return false;
	}
	return true;
}

/* Contents of @dir/@rel, or NULL; the caller frees. */
static char *slurp(const char *dir, const char *rel)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (stat(path, &st))
		return NULL;
	buf = calloc(1, st.st_size + 1);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(buf, 1, st.st_size, f), st.st_size);
	fclose(f);
	return buf;
}

static void assert_has(const char *dir, const char *rel, const char *text)
{
	char *s = slurp(dir, rel);

	ck_assert_msg(s, "%s/%s is missing", dir, rel);
	ck_assert_msg(strstr(s, text), "%s/%s lacks \"%s\"", dir, rel, text);
	free(s);
}

static void assert_lacks(const char *dir, const char *rel, const char *text)
{
	char *s = slurp(dir, rel);

	ck_assert_msg(s, "%s/%s is missing", dir, rel);
	ck_assert_msg(!strstr(s, text), "%s/%s has \"%s\"", dir, rel, text);
	free(s);
}

/*
 * A small BTF blob: enough to see renaming, flexible arrays, macros hidden
 * around the dump and kmacros giving way to enumerators. @tag varies a
 * name so that two blobs differ.
 */
static void write_blob(const char *path, const char *tag, bool comm_enum)
{
	struct btf *btf = btf__new_empty();
	int i32, u8, arr, flex, emb, t;
	const void *raw;
	__u32 size;
	FILE *f;

	ck_assert_ptr_nonnull(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	u8 = btf__add_int(btf, "char", 1, 0);
	ck_assert_int_gt(i32, 0);

	/* libbcc's bpf.h defines enum bpf_map_type: renamed with all of it */
	ck_assert_int_gt(btf__add_enum(btf, "bpf_map_type", 4), 0);
	ck_assert_int_eq(btf__add_enum_value(btf, "BPF_MAP_TYPE_HASH", 1), 0);
	ck_assert_int_eq(btf__add_enum_value(btf, "BPF_MAP_TYPE_NEW", 99), 0);

	/* asm/page.h of the tree defines PAGE_SIZE before the dump */
	ck_assert_int_gt(btf__add_enum(btf, NULL, 4), 0);
	ck_assert_int_eq(btf__add_enum_value(btf, "PAGE_SIZE", 4096), 0);
	if (comm_enum)
		ck_assert_int_eq(btf__add_enum_value(btf, "TASK_COMM_LEN", 16),
				 0);

	/* struct task_struct { int pid; char comm[20]; } */
	arr = btf__add_array(btf, i32, u8, 20);
	t = btf__add_struct(btf, "task_struct", 24);
	ck_assert_int_gt(t, 0);
	ck_assert_int_eq(btf__add_field(btf, "pid", i32, 0, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "comm", arr, 32, 0), 0);

	/* struct flex_TAG { int n; int items[]; }, alone: gets one item */
	arr = btf__add_array(btf, i32, i32, 0);
	flex = btf__add_struct(btf, "flex_alone", 4);
	ck_assert_int_eq(btf__add_field(btf, "n", i32, 0, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "items", arr, 32, 0), 0);
	/* ... and one embedded in another struct keeps its 0 */
	flex = btf__add_struct(btf, "flex_embedded", 4);
	ck_assert_int_eq(btf__add_field(btf, "n", i32, 0, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "items", arr, 32, 0), 0);
	emb = btf__add_struct(btf, tag, 8);
	ck_assert_int_gt(emb, 0);
	ck_assert_int_eq(btf__add_field(btf, "head", flex, 0, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "after", i32, 32, 0), 0);

	raw = btf__raw_data(btf, &size);
	ck_assert_ptr_nonnull(raw);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(raw, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
	btf__free(btf);
}

static void blob_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s.btf", root, name);
}

START_TEST(test_layout)
{
	static const char *const files[] = {
		"include/linux/kconfig.h", "include/generated/autoconf.h",
		"include/linux/types.h", "include/linux/version.h",
		"include/asm/page.h", "include/uapi/linux/bpf.h",
		"include/linux/bpf_common.h", "include/linux/sched.h",
		"include/linux/fs.h", "include/net/sock.h",
		"include/linux/socket.h", "include/linux/in.h",
		"include/linux/tcp.h", "include/net/inet_sock.h",
		"include/uapi/linux/ptrace.h", "include/linux/ptrace.h",
		"include/linux/pid_namespace.h", "include/linux/nsproxy.h",
		"include/linux/mm.h", "include/linux/mman.h",
		"include/linux/fcntl.h", "include/linux/errno.h",
		"include/linux/blkdev.h", "include/bpfrun/vmlinux.h",
		"include/bpfrun/vmlinux_types.h", "include/bpfrun/kmacros.h",
	};
	char dir[PATH_MAX], want[64], path[PATH_MAX];
	unsigned a = 0, b = 0, c = 0;
	struct utsname un;
	struct stat st;
	size_t i;

	if (!can_run(true))
		return;
	ck_assert_int_eq(btf_tree_get(NULL, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/btf/", cache);
	ck_assert_msg(!strncmp(dir, path, strlen(path)),
		      "%s is not under %s", dir, path);
	ck_assert_int_eq(lstat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(st.st_uid, 0);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		ck_assert_msg(!lstat(path, &st) && S_ISREG(st.st_mode),
			      "%s is missing", path);
		ck_assert_int_eq(st.st_mode & 07777, 0644);
	}

	assert_has(dir, "include/generated/autoconf.h",
		   "#define CONFIG_BPF_SYSCALL");
	assert_has(dir, "include/linux/kconfig.h",
		   "#include <generated/autoconf.h>");
	uname(&un);
	sscanf(un.release, "%u.%u.%u", &a, &b, &c);
	snprintf(want, sizeof(want), "#define LINUX_VERSION_CODE %u\n",
		 (a << 16) + (b << 8) + (c > 255 ? 255 : c));
	assert_has(dir, "include/linux/version.h", want);
	assert_has(dir, "include/linux/version.h", "#define KERNEL_VERSION(");
	assert_has(dir, "include/asm/page.h", "#define PAGE_SIZE");
	assert_has(dir, "include/linux/types.h", "typedef __u64 u64;");
	assert_has(dir, "include/linux/types.h", "#define __aligned_u64");
	assert_lacks(dir, "include/uapi/linux/bpf.h", "struct");
	assert_has(dir, "include/linux/sched.h", "#include <bpfrun/vmlinux.h>");
	assert_has(dir, "include/bpfrun/vmlinux.h",
		   "#include <bpfrun/vmlinux_types.h>");
	assert_has(dir, "include/bpfrun/vmlinux.h",
		   "#include <bpfrun/kmacros.h>");
	assert_has(dir, "include/bpfrun/vmlinux_types.h",
		   "struct task_struct {");
	assert_has(dir, "include/bpfrun/vmlinux_types.h", "struct pt_regs {");
	/* libbcc's bpf.h defines union bpf_attr: the kernel's is renamed */
	assert_has(dir, "include/bpfrun/vmlinux_types.h",
		   "union __vmlinux_bpf_attr {");
	assert_lacks(dir, "include/bpfrun/vmlinux_types.h",
		     "union bpf_attr {");
	assert_lacks(dir, "include/bpfrun/vmlinux_types.h",
		     "preserve_access_index");
	/* struct pid's flexible numbers[] is read with numbers[level] */
	assert_has(dir, "include/bpfrun/vmlinux_types.h",
		   "struct upid numbers[1];");
	assert_has(dir, "include/bpfrun/kmacros.h",
		   "#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)");
	assert_has(dir, "include/bpfrun/kmacros.h", "#define AF_INET6 10");
	assert_has(dir, "include/bpfrun/kmacros.h", "#define EBADF 9");
	assert_has(dir, "include/bpfrun/kmacros.h", "#define MAP_ANONYMOUS");
	assert_has(dir, "include/bpfrun/kmacros.h", "#define S_IFMT");
	/* TASK_COMM_LEN: either the kernel's enumerator or a macro */
	{
		char *k = slurp(dir, "include/bpfrun/kmacros.h");
		char *v = slurp(dir, "include/bpfrun/vmlinux_types.h");
		bool is_enum = strstr(v, "\tTASK_COMM_LEN = ") != NULL;

		ck_assert_msg(is_enum == !strstr(k, "#define TASK_COMM_LEN"),
			      "TASK_COMM_LEN defined twice or not at all");
		free(k);
		free(v);
	}
	assert_has(dir, "bpfrun-btf-tree.txt", "btf " VMLINUX "\n");
}
END_TEST

START_TEST(test_reuse)
{
	char a[PATH_MAX], b[PATH_MAX], path[PATH_MAX];
	struct stat s1, s2, t1, t2;

	if (!can_run(true))
		return;
	ck_assert_int_eq(btf_tree_get(VMLINUX, a, sizeof(a)), 0);
	ck_assert_int_eq(stat(a, &s1), 0);
	snprintf(path, sizeof(path), "%s/include/bpfrun/vmlinux_types.h", a);
	ck_assert_int_eq(stat(path, &t1), 0);
	/* NULL and the explicit default are the same BTF */
	ck_assert_int_eq(btf_tree_get(NULL, b, sizeof(b)), 0);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(stat(b, &s2), 0);
	ck_assert_int_eq(stat(path, &t2), 0);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
	ck_assert_int_eq(t1.st_ino, t2.st_ino);
	ck_assert(t1.st_mtim.tv_sec == t2.st_mtim.tv_sec &&
		  t1.st_mtim.tv_nsec == t2.st_mtim.tv_nsec);
}
END_TEST

START_TEST(test_key_follows_content)
{
	char f1[PATH_MAX], f2[PATH_MAX], f3[PATH_MAX];
	char d1[PATH_MAX], d2[PATH_MAX], d3[PATH_MAX], cmd[3 * PATH_MAX];
	char *raw;

	if (!can_run(false))
		return;
	blob_path(f1, sizeof(f1), "one");
	blob_path(f2, sizeof(f2), "copy");
	blob_path(f3, sizeof(f3), "flipped");
	write_blob(f1, "bpfrun_key_test", false);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && cp '%s' '%s'", f1, f2, f1,
		 f3);
	ck_assert_int_eq(system(cmd), 0);

	/* one byte of a name changed: still valid BTF, other content */
	raw = slurp(root, "flipped.btf");
	ck_assert_ptr_nonnull(raw);
	{
		struct stat st;
		char *p;
		FILE *f;

		ck_assert_int_eq(stat(f3, &st), 0);
		p = memmem(raw, st.st_size, "bpfrun_key_test", 15);
		ck_assert_ptr_nonnull(p);
		p[14] = 'u';
		f = fopen(f3, "w");
		ck_assert_int_eq(fwrite(raw, 1, st.st_size, f), st.st_size);
		fclose(f);
	}
	free(raw);

	ck_assert_int_eq(btf_tree_get(f1, d1, sizeof(d1)), 0);
	ck_assert_int_eq(btf_tree_get(f2, d2, sizeof(d2)), 0);
	ck_assert_int_eq(btf_tree_get(f3, d3, sizeof(d3)), 0);
	/* the same bytes elsewhere are the same tree; other bytes are not */
	ck_assert_str_eq(d1, d2);
	ck_assert_str_ne(d1, d3);
	assert_has(d1, "include/bpfrun/vmlinux_types.h", "bpfrun_key_test");
	assert_has(d3, "include/bpfrun/vmlinux_types.h", "bpfrun_key_tesu");
	/* both stay cached, nothing temporary is left */
	ck_assert(is_dir(d1) && is_dir(d3));
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/btf' | grep '^\\.')\"",
		 cache);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_generated_from_blob)
{
	char f1[PATH_MAX], f2[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX];
	const char *types = "include/bpfrun/vmlinux_types.h";
	const char *km = "include/bpfrun/kmacros.h";

	if (!can_run(false))
		return;
	blob_path(f1, sizeof(f1), "a");
	blob_path(f2, sizeof(f2), "b");
	write_blob(f1, "bpfrun_a", false);
	write_blob(f2, "bpfrun_b", true);
	ck_assert_int_eq(btf_tree_get(f1, d1, sizeof(d1)), 0);
	ck_assert_int_eq(btf_tree_get(f2, d2, sizeof(d2)), 0);

	/* renamed: the enum libbcc defines, with all its enumerators */
	assert_has(d1, types, "enum __vmlinux_bpf_map_type {");
	assert_has(d1, types, "__vmlinux_BPF_MAP_TYPE_HASH = 1");
	assert_has(d1, types, "__vmlinux_BPF_MAP_TYPE_NEW = 99");
	/* a macro defined before the dump is hidden around it */
	assert_has(d1, "include/bpfrun/vmlinux.h",
		   "#pragma push_macro(\"PAGE_SIZE\")\n#undef PAGE_SIZE\n");
	assert_has(d1, "include/bpfrun/vmlinux.h",
		   "#pragma pop_macro(\"PAGE_SIZE\")");
	/* flexible arrays: one element unless the struct is embedded */
	assert_has(d1, types, "struct flex_alone {\n\tint n;\n\tint items[1];");
	assert_has(d1, types, "struct flex_embedded {\n\tint n;\n\tint items[0];");
	/* kmacros: an array length in BTF wins over the table ... */
	assert_has(d1, km, "#define TASK_COMM_LEN 20\n");
	/* ... and an enumerator of the same name wins over both */
	assert_lacks(d2, km, "#define TASK_COMM_LEN");
	assert_has(d2, km, "TASK_COMM_LEN: an enumerator");
	/* no kernel config for a BTF that is not the running kernel's */
	assert_has(d1, "bpfrun-btf-tree.txt", "kconfig none\n");
}
END_TEST

START_TEST(test_unsafe_cache)
{
	char f[PATH_MAX], d[PATH_MAX], btf_dir[PATH_MAX];

	if (!can_run(false))
		return;
	blob_path(f, sizeof(f), "u");
	write_blob(f, "bpfrun_u", false);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), 0);

	/* a cache anybody may write is not used, even with a tree in it */
	ck_assert_int_eq(chmod(cache, 0777), 0);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), -EPERM);
	ck_assert_int_eq(chmod(cache, 0775), 0);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), -EPERM);
	ck_assert_int_eq(chmod(cache, 0755), 0);
	snprintf(btf_dir, sizeof(btf_dir), "%s/btf", cache);
	ck_assert_int_eq(chmod(btf_dir, 0757), 0);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), -EPERM);
	ck_assert_int_eq(chmod(btf_dir, 0755), 0);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), 0);
}
END_TEST

START_TEST(test_untrusted_tree_replaced)
{
	char f[PATH_MAX], d[PATH_MAX], d2[PATH_MAX], stamp[PATH_MAX];
	char marker[PATH_MAX];
	FILE *sf;

	if (!can_run(false))
		return;
	blob_path(f, sizeof(f), "s");
	write_blob(f, "bpfrun_s", false);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), 0);

	/* a tree that is not as its manifest says is generated again */
	snprintf(marker, sizeof(marker), "%s/include/linux/planted.h", d);
	sf = fopen(marker, "w");
	ck_assert_ptr_nonnull(sf);
	fclose(sf);
	snprintf(stamp, sizeof(stamp), "%s/bpfrun-btf-tree.txt", d);
	sf = fopen(stamp, "w");
	ck_assert_ptr_nonnull(sf);
	fputs("key 0000\n", sf);
	fclose(sf);
	ck_assert_int_eq(btf_tree_get(f, d2, sizeof(d2)), 0);
	ck_assert_str_eq(d, d2);
	ck_assert_int_ne(access(marker, F_OK), 0);
	assert_lacks(d2, "bpfrun-btf-tree.txt", "key 0000\n");

	/* so is one with a file missing (half of a tree, say) */
	ck_assert_int_eq(unlink(stamp), 0);
	ck_assert_int_eq(btf_tree_get(f, d2, sizeof(d2)), 0);
	ck_assert_int_eq(access(stamp, R_OK), 0);
}
END_TEST

START_TEST(test_stale_tmp_removed)
{
	char f[PATH_MAX], d[PATH_MAX], old[PATH_MAX], fresh[PATH_MAX];
	char memo[PATH_MAX], legacy[PATH_MAX];
	FILE *sf;
	struct timeval tv[2] = { { time(NULL) - 7200, 0 },
				 { time(NULL) - 7200, 0 } };

	if (!can_run(false))
		return;
	blob_path(f, sizeof(f), "t");
	write_blob(f, "bpfrun_t1", false);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), 0);
	/* what an interrupted run leaves, and what a running one has */
	snprintf(old, sizeof(old), "%s/btf/.tmp-x.AAAAAA", cache);
	snprintf(fresh, sizeof(fresh), "%s/btf/.tmp-y.BBBBBB", cache);
	ck_assert_int_eq(mkdir(old, 0700), 0);
	ck_assert_int_eq(mkdir(fresh, 0700), 0);
	ck_assert_int_eq(utimes(old, tv), 0);
	/* what older versions left: a per-boot memo, a tree with a stamp
	 * of its own and no manifest */
	snprintf(memo, sizeof(memo), "%s/btf/boot-1face1af", cache);
	sf = fopen(memo, "w");
	ck_assert_ptr_nonnull(sf);
	fputs("tree /x\n", sf);
	fclose(sf);
	snprintf(legacy, sizeof(legacy), "%s/btf/6.18.44-fc-v857-05e0068745941bac",
		 cache);
	ck_assert_int_eq(mkdir(legacy, 0755), 0);
	ck_assert_int_eq(utimes(legacy, tv), 0);
	write_blob(f, "bpfrun_t2", false);
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), 0);
	ck_assert_int_ne(access(old, F_OK), 0);
	ck_assert_int_eq(access(fresh, F_OK), 0);
	ck_assert_int_ne(access(memo, F_OK), 0);
	ck_assert_int_ne(access(legacy, F_OK), 0);
}
END_TEST

START_TEST(test_bad_btf)
{
	char f[PATH_MAX], d[PATH_MAX] = "", cmd[PATH_MAX + 64];
	FILE *g;

	if (!can_run(false))
		return;
	blob_path(f, sizeof(f), "missing");
	ck_assert_int_eq(btf_tree_get(f, d, sizeof(d)), -ENOENT);
	blob_path(f, sizeof(f), "garbage");
	g = fopen(f, "w");
	ck_assert_ptr_nonnull(g);
	fputs("this is not BTF at all, not even close\n", g);
	fclose(g);
	ck_assert_int_lt(btf_tree_get(f, d, sizeof(d)), 0);
	/* nothing left behind: no tree, no temporary directory */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/btf')\"", cache);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(btf_tree_get(f, NULL, 0), -EINVAL);
}
END_TEST

Suite *make_btf_tree_suite(void)
{
	Suite *s = suite_create("btf_tree");
	TCase *tc = tcase_create("btf_tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* each generation from the kernel's BTF takes about 0.2 s */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_key_follows_content);
	tcase_add_test(tc, test_generated_from_blob);
	tcase_add_test(tc, test_unsafe_cache);
	tcase_add_test(tc, test_untrusted_tree_replaced);
	tcase_add_test(tc, test_stale_tmp_removed);
	tcase_add_test(tc, test_bad_btf);
	suite_add_tcase(s, tc);
	return s;
}
