// SPDX-License-Identifier: Apache-2.0
/*
 * util.c: the one whole-file reader, the small-file reader, options structs
 * of other sizes, and the cache directory's refusals (a directory owned by
 * another user, or that group or others may write, is never used).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"

static char root[] = "/tmp/bpfrun-util-XXXXXX";
static char said[4096];

static int capture(enum bpfrun_print_level level, const char *fmt,
		   va_list ap)
{
	size_t n = strlen(said);

	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	return 0;
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(chmod(root, 0755), 0);
	said[0] = '\0';
	bpfrun_set_print(capture);
}

static void teardown(void)
{
	rm_tree(root);
	unsetenv("BPFRUN_CACHE_DIR");
	strcpy(root, "/tmp/bpfrun-util-XXXXXX");
}

static void at(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", root, rel);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Larger than the reader's first buffer (64 KiB), so that it grows. */
START_TEST(test_read_whole)
{
	size_t n = 200000, len, i;
	char path[PATH_MAX], *big = malloc(n), *data;

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i++)
		big[i] = 'a' + i % 26;
	at(path, sizeof(path), "big");
	write_bytes(path, big, n);
	ck_assert_int_eq(read_whole(path, 0, &data, &len), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(data, big, n);
	ck_assert_int_eq(data[n], '\0');
	free(data);
	ck_assert_int_eq(read_whole(path, n, &data, &len), 0);
	free(data);
	ck_assert_int_eq(read_whole(path, n - 1, &data, &len), -EFBIG);
	ck_assert_ptr_null(data);

	at(path, sizeof(path), "empty");
	write_bytes(path, "", 0);
	ck_assert_int_eq(read_whole(path, 0, &data, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
	at(path, sizeof(path), "missing");
	ck_assert_int_eq(read_whole(path, 0, &data, &len), -ENOENT);
	free(big);
}
END_TEST

START_TEST(test_read_file)
{
	char path[PATH_MAX], buf[6];

	at(path, sizeof(path), "small");
	write_bytes(path, "hello world\n", 12);
	/* len - 1 bytes at most, and a NUL */
	ck_assert_int_eq(read_file(path, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hello");
	at(path, sizeof(path), "missing");
	ck_assert_int_eq(read_file(path, buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(read_file(root, buf, sizeof(buf)), -EISDIR);
}
END_TEST

struct opts_v1 {
	size_t sz;
	int a;
};
struct opts_v2 {
	size_t sz;
	int a;
	int b;
	long long c;	/* past the end of v1 */
};

START_TEST(test_opts_copy)
{
	struct opts_v1 o1, d1;
	struct opts_v2 o2, d2;

	/* as OPTS() declares them: zeroed, then the fields set */
	memset(&o1, 0, sizeof(o1));
	memset(&o2, 0, sizeof(o2));
	o1.sz = sizeof(o1);
	o1.a = 5;
	o2.sz = sizeof(o2);
	o2.a = 6;
	/* an older caller's struct: the fields it has, zero for the rest */
	memset(&d2, 0xff, sizeof(d2));
	ck_assert_int_eq(opts_copy(&d2, sizeof(d2), &o1, "t"), 0);
	ck_assert_int_eq(d2.a, 5);
	ck_assert_int_eq(d2.c, 0);
	ck_assert_uint_eq(d2.sz, sizeof(o1));
	/* a newer one: fine while the fields we do not know are zero */
	ck_assert_int_eq(opts_copy(&d1, sizeof(d1), &o2, "t"), 0);
	ck_assert_int_eq(d1.a, 6);
	ck_assert_str_eq(said, "");
	o2.c = 7;
	ck_assert_int_eq(opts_copy(&d1, sizeof(d1), &o2, "t_new"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(said, "t_new: options this version"));
	o1.sz = 0;
	ck_assert_int_eq(opts_copy(&d1, sizeof(d1), &o1, "t_nosz"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(said, "t_nosz: .sz is not set"));
	/* none at all: all zero */
	memset(&d2, 0xff, sizeof(d2));
	ck_assert_int_eq(opts_copy(&d2, sizeof(d2), NULL, "t"), 0);
	ck_assert_int_eq(d2.a, 0);
	ck_assert_int_eq(d2.c, 0);
}
END_TEST

START_TEST(test_cache_dir)
{
	char c[PATH_MAX], buf[PATH_MAX], p[PATH_MAX];
	struct stat st;

	at(c, sizeof(c), "cache");
	setenv("BPFRUN_CACHE_DIR", c, 1);
	if (geteuid()) {
		/* whatever we make is ours, not root's */
		ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
		ck_assert_ptr_nonnull(strstr(said, "not root"));
		return;
	}
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), 0);
	snprintf(p, sizeof(p), "%s/sub", c);
	ck_assert_str_eq(buf, p);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_uid, 0);
	ck_assert_int_eq(cache_dir_safe(p), 0);
	ck_assert_int_eq(cache_dir("sub", buf, 8), -ENAMETOOLONG);

	/* another user's: refused, at the root and below it */
	ck_assert_int_eq(chown(c, 65534, 0), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
	ck_assert_ptr_nonnull(strstr(said, "owned by uid 65534, not root"));
	ck_assert_int_eq(chown(c, 0, 0), 0);
	ck_assert_int_eq(chown(p, 0, 65534), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), 0);
	ck_assert_int_eq(chmod(p, 0775), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
	ck_assert_int_eq(cache_dir_safe(p), -EPERM);
	ck_assert_ptr_nonnull(strstr(said, "group or others may write to it (mode 0775)"));
	ck_assert_int_eq(chmod(p, 0757), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
	ck_assert_int_eq(chmod(p, 0755), 0);
	ck_assert_int_eq(chmod(c, 0777), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
	ck_assert_int_eq(chmod(c, 0755), 0);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), 0);

	/* a symlink to a good directory is not one */
	at(p, sizeof(p), "link");
	ck_assert_int_eq(symlink(c, p), 0);
	setenv("BPFRUN_CACHE_DIR", p, 1);
	ck_assert_int_eq(cache_dir("sub", buf, sizeof(buf)), -EPERM);
	ck_assert_ptr_nonnull(strstr(said, "it is a symbolic link"));
}
END_TEST

START_TEST(test_open_trusted)
{
	char p[PATH_MAX], l[PATH_MAX];
	int fd;

	if (geteuid()) {
		fprintf(stderr, "check_util: not root, test skipped\n");
		return;
	}
	at(p, sizeof(p), "f");
	write_bytes(p, "x", 1);
	ck_assert_int_eq(chmod(p, 0644), 0);
	fd = open_trusted(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chmod(p, 0646), 0);
	ck_assert_int_eq(open_trusted(p, O_RDONLY), -EPERM);
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(chown(p, 65534, 0), 0);
	ck_assert_int_eq(open_trusted(p, O_RDONLY), -EPERM);
	ck_assert_int_eq(chown(p, 0, 0), 0);
	at(l, sizeof(l), "l");
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_eq(open_trusted(l, O_RDONLY), -ELOOP);
	ck_assert_int_eq(open_trusted(root, O_RDONLY), -EPERM);
}
END_TEST

/* rm_tree removes a tree and not what its symlinks point at. */
START_TEST(test_rm_tree)
{
	char t[PATH_MAX], p[PATH_MAX], keep[PATH_MAX];

	at(t, sizeof(t), "tree");
	at(keep, sizeof(keep), "keep");
	ck_assert_int_eq(mkdir(t, 0755), 0);
	ck_assert_int_eq(mkdir(keep, 0755), 0);
	snprintf(p, sizeof(p), "%s/kept", keep);
	write_bytes(p, "k", 1);
	snprintf(p, sizeof(p), "%s/a", t);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/f", t);
	write_bytes(p, "f", 1);
	snprintf(p, sizeof(p), "%s/a/out", t);
	ck_assert_int_eq(symlink(keep, p), 0);
	ck_assert_int_eq(rm_tree(t), 0);
	ck_assert_int_ne(access(t, F_OK), 0);
	snprintf(p, sizeof(p), "%s/kept", keep);
	ck_assert_int_eq(access(p, F_OK), 0);
	ck_assert_int_eq(rm_tree(t), 0);	/* gone already: fine */
}
END_TEST

START_TEST(test_identity_and_boot)
{
	char p[PATH_MAX], q[PATH_MAX], a[96], b[96], id[64], want[64];

	at(p, sizeof(p), "f");
	at(q, sizeof(q), "g");
	write_bytes(p, "one", 3);
	file_identity(p, a, sizeof(a));
	file_identity(p, b, sizeof(b));
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(strncmp(a, "3 ", 2), 0);
	/* replaced by another file of the same size: another identity */
	write_bytes(q, "two", 3);
	ck_assert_int_eq(rename(q, p), 0);
	file_identity(p, b, sizeof(b));
	ck_assert_str_ne(a, b);

	ck_assert_int_eq(boot_id(id, sizeof(id)), 0);
	ck_assert_int_gt(read_file("/proc/sys/kernel/random/boot_id", want,
				   sizeof(want)), 0);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_str_eq(id, want);
	ck_assert_uint_eq(strlen(id), 36);
}
END_TEST

Suite *make_util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_whole);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_opts_copy);
	tcase_add_test(tc, test_cache_dir);
	tcase_add_test(tc, test_open_trusted);
	tcase_add_test(tc, test_rm_tree);
	tcase_add_test(tc, test_identity_and_boot);
	suite_add_tcase(s, tc);
	return s;
}
