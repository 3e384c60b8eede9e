// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_CACHE_DIR "/var/cache/bpfrun"

int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

int read_fd_whole(int fd, size_t max, char **data, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	*data = NULL;
	*len = 0;
	for (;;) {
		if (!buf || n + 1 >= cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return r;
		}
		if (!r)
			break;
		n += r;
		if (max && n > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int read_whole(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = read_fd_whole(fd, max, data, len);
	close(fd);
	return err;
}

int path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}


/* Why @st is no place to trust, or NULL. */
static const char *unsafe_why(const struct stat *st, char *buf, size_t len)
{
	if (S_ISLNK(st->st_mode))
		return "it is a symbolic link";
	if (!S_ISDIR(st->st_mode))
		return "it is not a directory";
	if (st->st_uid != 0) {
		snprintf(buf, len, "it is owned by uid %u, not root",
			 (unsigned)st->st_uid);
		return buf;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, len, "group or others may write to it (mode %04o)",
			 (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

static int mkdir_safe(const char *path)
{
	/* one message per process: every cache user comes through here */
	static char refused[PATH_MAX];
	char why[64];
	const char *reason;
	struct stat st;

	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (lstat(path, &st))
		return -errno;
	reason = unsafe_why(&st, why, sizeof(why));
	if (!reason)
		return 0;
	if (strcmp(refused, path)) {
		pr_err("refusing cache directory %s: %s; it must be a directory owned by root that only root may write (or set BPFRUN_CACHE_DIR to one)\n",
		       path, reason);
		snprintf(refused, sizeof(refused), "%s", path);
	}
	return -EPERM;
}

int cache_dir_safe(const char *path)
{
	struct stat st;
	char why[64];

	if (lstat(path, &st))
		return -errno;
	return unsafe_why(&st, why, sizeof(why)) ? -EPERM : 0;
}

int cache_dir(const char *sub, char *buf, size_t len)
{
	const char *root = getenv("BPFRUN_CACHE_DIR");
	int err;

	if (!root || !*root)
		root = DEFAULT_CACHE_DIR;
	err = mkdir_safe(root);
	if (err)
		return err;
	if ((size_t)snprintf(buf, len, "%s/%s", root, sub) >= len)
		return -ENAMETOOLONG;
	return mkdir_safe(buf);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -errno : 0;
}

int rm_tree(const char *path)
{
	if (!path_exists(path))
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int open_trusted(const char *path, int flags)
{
	struct stat st;
	int fd;

	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int boot_id(char *buf, size_t len)
{
	int n = read_file("/proc/sys/kernel/random/boot_id", buf, len);

	if (n <= 0)
		return n < 0 ? n : -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void file_identity(const char *path, char *buf, size_t len)
{
	struct stat st = { 0 };

	stat(path, &st);
	snprintf(buf, len, "%lld %lld %lld", (long long)st.st_size,
		 (long long)st.st_mtim.tv_sec * 1000000000LL +
			 st.st_mtim.tv_nsec,
		 (long long)st.st_ino);
}

int opts_copy(void *dst, size_t dst_size, const void *src, const char *what)
{
	size_t sz, i;

	memset(dst, 0, dst_size);
	if (!src)
		return 0;
	sz = *(const size_t *)src;
	if (sz < sizeof(size_t)) {
		pr_err("%s: .sz is not set: declare options with BPFRUN_OPTS()\n",
		       what);
		return -EINVAL;
	}
	for (i = dst_size; i < sz; i++) {
		if (((const char *)src)[i]) {
			pr_err("%s: options this version of libbpfrun (%s) does not know are set\n",
			       what, bpfrun_version());
			return -EINVAL;
		}
	}
	memcpy(dst, src, sz < dst_size ? sz : dst_size);
	return 0;
}

int libbcc_bind(void *table, const struct libbcc_sym *syms, size_t n,
		const char **what)
{
	void *h = dlopen(LIBBCC_SONAME, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		*what = dlerror();
		return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);

		if (!p) {
			*what = syms[i].name;
			return -ENOSYS;
		}
		memcpy((char *)table + syms[i].off, &p, sizeof(p));
	}
	return 0;
}
