// SPDX-License-Identifier: Apache-2.0
/*
 * Which kernel header tree libbcc compiles against. libbcc only understands
 * Debian's split layout (V-ARCH + V-common) as /lib/modules/V/{build,source};
 * for any other tree it wants one directory, so a split tree found in /usr/src
 * is joined into a tree of symlinks in our root-owned store. Nothing is ever
 * written into /lib/modules, and libbcc is never left to fall back to
 * extracting kheaders into a shared /tmp (CVE-2024-2314).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define KCONFIG "include/linux/kconfig.h"

static int has_kconfig(const char *dir)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/" KCONFIG, dir);
	return path_exists(p);
}

/* /lib/modules/R/{build,source}, as libbcc itself looks for them. */
static int find_matching(const struct headers_env *env)
{
	char build[PATH_MAX], source[PATH_MAX];

	snprintf(build, sizeof(build), "%s/%s/build", env->modules_dir,
		 env->release);
	snprintf(source, sizeof(source), "%s/%s/source", env->modules_dir,
		 env->release);
	if (is_dir(build) && is_dir(source))
		return has_kconfig(source);
	return has_kconfig(build);
}

/* "6.12.107+deb12" -> 6012107: a distance measure, not an order. */
static long version_key(const char *v)
{
	long k[3] = { 0, 0, 0 };
	int i;

	for (i = 0; i < 3 && *v; i++) {
		k[i] = strtol(v, (char **)&v, 10);
		if (*v != '.')
			break;
		v++;
	}
	return (k[0] * 1000 + k[1]) * 1000 + k[2];
}

int headers_find_distro(const char *src_dir, const char *release, char *version,
			size_t len)
{
	const char *arch = arch_this()->debian;
	long want = version_key(release), best_d = -1, best_k = 0;
	size_t alen = strlen(arch);
	struct dirent *de;
	DIR *d;

	d = opendir(src_dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		char common[PATH_MAX], v[256];
		const char *name = de->d_name;
		size_t n = strlen(name);
		long k, dist;

		/* linux-headers-V-ARCH beside linux-headers-V-common */
		if (strncmp(name, "linux-headers-", 14) || n < 14 + alen + 2 ||
		    strcmp(name + n - alen, arch) || name[n - alen - 1] != '-')
			continue;
		snprintf(v, sizeof(v), "%.*s", (int)(n - 14 - alen - 1),
			 name + 14);
		snprintf(common, sizeof(common), "%s/linux-headers-%s-common",
			 src_dir, v);
		if (!has_kconfig(common))
			continue;
		k = version_key(v);
		dist = labs(k - want);
		if (best_d < 0 || dist < best_d ||
		    (dist == best_d && k > best_k)) {
			best_d = dist;
			best_k = k;
			snprintf(version, len, "%s-%s", v, arch);
		}
	}
	closedir(d);
	return best_d < 0 ? -ENOENT : 0;
}

static int link_entry(const char *target, const char *out)
{
	return symlink(target, out) ? -errno : 0;
}

int headers_merge(const char *a, const char *b, const char *out)
{
	const char *src[2] = { a, b };
	struct dirent *de;
	int err = 0, i;
	DIR *d;

	if (mkdir(out, 0755) && errno != EEXIST)
		return -errno;
	for (i = 0; i < 2 && !err; i++) {
		d = opendir(src[i]);
		if (!d)
			return -errno;
		while (!err && (de = readdir(d))) {
			char pa[PATH_MAX], pb[PATH_MAX], po[PATH_MAX];
			struct stat sa, sb;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(po, sizeof(po), "%s/%s", out, de->d_name);
			/* both trees' directories were joined from the first */
			if (!lstat(po, &sa))
				continue;
			snprintf(pa, sizeof(pa), "%s/%s", src[i], de->d_name);
			snprintf(pb, sizeof(pb), "%s/%s", src[!i], de->d_name);
			if (!lstat(pa, &sa) && S_ISDIR(sa.st_mode) &&
			    !lstat(pb, &sb) && S_ISDIR(sb.st_mode))
				err = headers_merge(pa, pb, po);
			else
				err = link_entry(pa, po);
		}
		closedir(d);
	}
	return err;
}

/*
 * The joined tree for Debian's split headers @version, made once: a
 * directory entry of the store, keyed on the two trees it joins.
 */
static int distro_tree(const struct headers_env *env, const char *version,
		       char *out, size_t len)
{
	char arch[PATH_MAX], common[PATH_MAX], key[2 * PATH_MAX + 64];
	const char *dash = strrchr(version, '-');
	struct store_dir d;
	int err;

	snprintf(arch, sizeof(arch), "%s/linux-headers-%s", env->src_dir,
		 version);
	snprintf(common, sizeof(common), "%s/linux-headers-%.*s-common",
		 env->src_dir, (int)(dash - version), version);
	snprintf(key, sizeof(key), "distro headers 1\n%s\n%s\n", arch,
		 common);
	err = store_dir_get("headers", version, key, out, len);
	if (err != -ENOENT)
		return err;
	err = store_dir_begin(&d, "headers", version, key, STORE_SUPERSEDE);
	if (err)
		return err;
	err = headers_merge(arch, common, d.tmp);
	if (err) {
		pr_err("cannot build a header tree in %s: %s\n", d.tmp,
		       strerror(-err));
		store_dir_abort(&d);
		return err;
	}
	return store_dir_commit(&d, out, len);
}

const char *headers_kind_name(enum headers_kind kind)
{
	static const char *const names[] = {
		[HEADERS_MATCHING] = "matching",
		[HEADERS_BTF] = "from BTF",
		[HEADERS_DISTRO] = "distribution's",
		[HEADERS_DIR] = "given",
	};

	return names[kind];
}

void headers_env_default(struct headers_env *env)
{
	static struct utsname u;

	uname(&u);
	env->modules_dir = "/lib/modules";
	env->src_dir = "/usr/src";
	env->release = u.release;
	env->btf = "/sys/kernel/btf/vmlinux";
}

static int btf_choice(const struct headers_env *env,
		      struct headers_choice *out)
{
	int err;

	/* a warm start reads nothing of the tree: checked before a compile */
	if (!strcmp(env->btf, "/sys/kernel/btf/vmlinux") &&
	    !btf_tree_find(out->dir, sizeof(out->dir)))
		out->unchecked = true;
	else if ((err = btf_tree_get(env->btf, out->dir, sizeof(out->dir))))
		return err;
	out->kind = HEADERS_BTF;
	snprintf(out->version, sizeof(out->version), "%s", env->release);
	return 0;
}

int headers_check(const struct headers_env *env, struct headers_choice *h)
{
	int err;

	if (!h->unchecked)
		return 0;
	err = btf_tree_get(env->btf, h->dir, sizeof(h->dir));
	if (!err)
		h->unchecked = false;
	return err;
}

int headers_fallback(const struct headers_env *env,
		     const struct headers_choice *h, struct headers_choice *out)
{
	memset(out, 0, sizeof(*out));
	if (h->kind != HEADERS_MATCHING || !env->btf || !path_exists(env->btf))
		return -ENOENT;
	/*
	 * Found, not made: most programs compile against the headers, and
	 * headers_check() makes the tree only once they have failed one.
	 */
	if (strcmp(env->btf, "/sys/kernel/btf/vmlinux") ||
	    btf_tree_find(out->dir, sizeof(out->dir)))
		out->dir[0] = '\0';
	out->kind = HEADERS_BTF;
	out->unchecked = true;
	snprintf(out->version, sizeof(out->version), "%s", env->release);
	return 0;
}

int headers_choose(const struct headers_env *env, const char *mode,
		   struct headers_choice *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (!mode || !*mode)
		mode = getenv("BPFRUN_HEADERS");
	if (!mode || !*mode)
		mode = "auto";

	if (strcmp(mode, "auto") && strcmp(mode, "btf")) {
		if (!has_kconfig(mode)) {
			pr_err("--headers=%s: not a kernel header tree (no %s/" KCONFIG ")\n",
			       mode, mode);
			return -ENOENT;
		}
		out->kind = HEADERS_DIR;
		snprintf(out->dir, sizeof(out->dir), "%s", mode);
		snprintf(out->version, sizeof(out->version), "%s", mode);
		return 0;
	}
	if (!strcmp(mode, "btf"))
		return btf_choice(env, out);
	if (find_matching(env)) {
		out->kind = HEADERS_MATCHING;
		snprintf(out->version, sizeof(out->version), "%s",
			 env->release);
		return 0;
	}
	/* the kernel's own types beat another kernel's headers */
	if (env->btf && path_exists(env->btf) && !btf_choice(env, out))
		return 0;
	err = headers_find_distro(env->src_dir, env->release, out->version,
				  sizeof(out->version));
	if (err) {
		pr_err("no kernel headers for %s: %s/%s/build is missing and %s has no linux-headers-* tree; install linux-headers-%s (or Debian's linux-headers-%s)\n",
		       env->release, env->modules_dir, env->release,
		       env->src_dir, env->release, arch_this()->debian);
		return err;
	}
	err = distro_tree(env, out->version, out->dir, sizeof(out->dir));
	if (err)
		return err;
	out->kind = HEADERS_DISTRO;
	pr_warn_once("no kernel headers for %s; using %s headers from %s: struct layouts may not match the running kernel, so values read from kernel structs can be wrong\n",
		     env->release, out->version, env->src_dir);
	return 0;
}
