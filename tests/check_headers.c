// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"

static char root[] = "/tmp/bpfrun-headers-XXXXXX";
static char src[PATH_MAX], mods[PATH_MAX], cache[PATH_MAX];

static void touch(const char *fmt, const char *a)
{
	char p[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), fmt, root, a);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(a, f);
	fclose(f);
}

/* A Debian split header tree: V-amd64 (generated) and V-common (sources). */
static void debian_tree(const char *v)
{
	char a[256];

	snprintf(a, sizeof(a), "%s-common", v);
	touch("%s/src/linux-headers-%s/include/linux/kconfig.h", a);
	touch("%s/src/linux-headers-%s/include/linux/sched.h", a);
	touch("%s/src/linux-headers-%s/arch/x86/include/asm/ptrace.h", a);
	snprintf(a, sizeof(a), "%s-amd64", v);
	touch("%s/src/linux-headers-%s/include/generated/autoconf.h", a);
	touch("%s/src/linux-headers-%s/arch/x86/include/generated/asm/a.h", a);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	chmod(root, 0755);
	snprintf(src, sizeof(src), "%s/src", root);
	snprintf(mods, sizeof(mods), "%s/modules", root);
	snprintf(cache, sizeof(cache), "%s/cache", root);
	mkdir(mods, 0755);
	debian_tree("6.1.0-56");
	debian_tree("6.12.107+deb12");
	/* an arch tree without its common half is not a tree */
	touch("%s/src/linux-headers-%s/include/generated/autoconf.h",
	      "6.17.1-1-amd64");
	setenv("BPFRUN_CACHE_DIR", cache, 1);
}

static void teardown(void)
{
	rm_tree(root);
	unsetenv("BPFRUN_CACHE_DIR");
}

START_TEST(test_nearest)
{
	char v[128];

	ck_assert_int_eq(headers_find_distro(src, "6.18.44-fc-v669", v,
					     sizeof(v)), 0);
	ck_assert_str_eq(v, "6.12.107+deb12-amd64");
	ck_assert_int_eq(headers_find_distro(src, "6.2.0", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "6.1.0-56-amd64");
	ck_assert_int_eq(headers_find_distro(mods, "6.2.0", v, sizeof(v)),
			 -ENOENT);
}
END_TEST

START_TEST(test_matching_split)
{
	struct headers_env env = { mods, src, "6.1.0-56-amd64", NULL };
	struct headers_choice h, h2;
	char l[PATH_MAX], t[PATH_MAX];

	snprintf(l, sizeof(l), "%s/6.1.0-56-amd64", mods);
	mkdir(l, 0755);
	snprintf(l, sizeof(l), "%s/6.1.0-56-amd64/build", mods);
	snprintf(t, sizeof(t), "%s/linux-headers-6.1.0-56-amd64", src);
	ck_assert_int_eq(symlink(t, l), 0);
	snprintf(l, sizeof(l), "%s/6.1.0-56-amd64/source", mods);
	snprintf(t, sizeof(t), "%s/linux-headers-6.1.0-56-common", src);
	ck_assert_int_eq(symlink(t, l), 0);
	ck_assert_int_eq(headers_choose(&env, "auto", &h), 0);
	ck_assert_int_eq(h.kind, HEADERS_MATCHING);
	ck_assert_str_eq(h.dir, "");
	/* no BTF to fall back on when the headers fail a program */
	ck_assert_int_eq(headers_fallback(&env, &h, &h2), -ENOENT);
	snprintf(l, sizeof(l), "%s/no-btf", root);
	env.btf = l;	/* not there */
	ck_assert_int_eq(headers_fallback(&env, &h, &h2), -ENOENT);
	/* BTF there: chosen, but the tree is made only when it is needed */
	snprintf(l, sizeof(l), "%s/6.1.0-56-amd64/build", mods);
	env.btf = l;
	ck_assert_int_eq(headers_fallback(&env, &h, &h2), 0);
	ck_assert_int_eq(h2.kind, HEADERS_BTF);
	ck_assert(h2.unchecked);
	ck_assert_str_eq(h2.dir, "");
	ck_assert_str_eq(h2.version, "6.1.0-56-amd64");
	/* a tree chosen by hand is not second-guessed */
	h.kind = HEADERS_DIR;
	env.btf = "/sys/kernel/btf/vmlinux";
	ck_assert_int_eq(headers_fallback(&env, &h, &h2), -ENOENT);
}
END_TEST

START_TEST(test_distro_tree)
{
	struct headers_env env = { mods, src, "6.18.44-fc-v669", NULL };
	struct headers_choice h;
	char p[PATH_MAX];
	struct stat st;

	if (geteuid()) {
		/* a cache not owned by root is refused */
		ck_assert_int_eq(headers_choose(&env, "auto", &h), -EPERM);
		return;
	}
	ck_assert_int_eq(headers_choose(&env, NULL, &h), 0);
	ck_assert_int_eq(h.kind, HEADERS_DISTRO);
	ck_assert_str_eq(h.version, "6.12.107+deb12-amd64");
	/* both halves are reachable from the one tree */
	snprintf(p, sizeof(p), "%s/include/linux/kconfig.h", h.dir);
	ck_assert_int_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/include/generated/autoconf.h", h.dir);
	ck_assert_int_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/arch/x86/include/generated/asm/a.h", h.dir);
	ck_assert_int_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/arch/x86/include/asm/ptrace.h", h.dir);
	ck_assert_int_eq(access(p, R_OK), 0);
	/* nothing written outside the cache */
	ck_assert_int_eq(strncmp(h.dir, cache, strlen(cache)), 0);
	/* a store entry: made once, then read back as it is */
	snprintf(p, sizeof(p), "%s/" STORE_MANIFEST, h.dir);
	ck_assert_int_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/include/linux", h.dir);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	{
		struct headers_choice h2;
		struct stat st2;

		ck_assert_int_eq(headers_choose(&env, NULL, &h2), 0);
		ck_assert_str_eq(h2.dir, h.dir);
		ck_assert_int_eq(lstat(p, &st2), 0);
		ck_assert_int_eq(st.st_ino, st2.st_ino);
		/* a link pointed elsewhere is seen, and the tree joined again */
		ck_assert_int_eq(unlink(p), 0);
		ck_assert_int_eq(symlink("/etc", p), 0);
		ck_assert_int_eq(headers_choose(&env, NULL, &h2), 0);
		ck_assert_str_eq(h2.dir, h.dir);
		{
			char target[PATH_MAX] = "";

			ck_assert_int_gt(readlink(p, target, sizeof(target) - 1), 0);
			ck_assert_ptr_nonnull(strstr(target, "linux-headers-6.12.107+deb12-common"));
		}
	}
	snprintf(p, sizeof(p), "%s/6.18.44-fc-v669", mods);
	ck_assert_int_ne(stat(p, &st), 0);
}
END_TEST

START_TEST(test_unsafe_cache)
{
	struct headers_env env = { mods, src, "6.18.44-fc-v669", NULL };
	struct headers_choice h;

	mkdir(cache, 0777);
	chmod(cache, 0777);
	ck_assert_int_eq(headers_choose(&env, "auto", &h), -EPERM);
}
END_TEST

START_TEST(test_explicit_dir)
{
	struct headers_env env = { mods, src, "6.18.44-fc-v669", NULL };
	struct headers_choice h;
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%s/linux-headers-6.1.0-56-common", src);
	ck_assert_int_eq(headers_choose(&env, d, &h), 0);
	ck_assert_int_eq(h.kind, HEADERS_DIR);
	ck_assert_str_eq(h.dir, d);
	ck_assert_int_eq(headers_choose(&env, mods, &h), -ENOENT);
}
END_TEST

START_TEST(test_none)
{
	struct headers_env env = { mods, mods, "6.18.44-fc-v669", NULL };
	struct headers_choice h;

	ck_assert_int_eq(headers_choose(&env, "auto", &h), -ENOENT);
}
END_TEST

Suite *make_headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("discovery");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nearest);
	tcase_add_test(tc, test_matching_split);
	tcase_add_test(tc, test_distro_tree);
	tcase_add_test(tc, test_unsafe_cache);
	tcase_add_test(tc, test_explicit_dir);
	tcase_add_test(tc, test_none);
	suite_add_tcase(s, tc);
	return s;
}
