// SPDX-License-Identifier: Apache-2.0
/*
 * The on-disk store: entries in a root-owned directory, each named by the
 * hash of its key and holding the key and a hash of its content, so that
 * an entry is used only for its own key and only as it was written. A bit
 * flipped on disk, a truncated write or an entry put there by hand is
 * refused and removed, and the caller compiles again.
 *
 * Entry: "BPFRUNS1", 64 hex digits of SHA-256 over everything after them,
 * u32 key length, the key, the payload. Directory entries (store_dir.c)
 * are trees with such an entry inside, their manifest.
 *
 * Every write collects what is stale in its store (store_gc): temporary
 * files and directories of writers killed over an hour ago, the oldest
 * entry past a bound, older trees of what a new tree replaces, and what
 * earlier layouts of the cache left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define MAGIC "BPFRUNS1"
#define HEAD (8 + 64 + 4)
#define MAX_ENTRY (256u << 20)
/* Keep the newest MAX_ENTRIES of a store: old ones are dead edits. */
#define MAX_ENTRIES 256
/* ... and of its directory entries: trees, for a release or a version */
#define MAX_DIR_ENTRIES 16

int store_encode(const char *key, const void *buf, size_t len, char **out,
		 size_t *outlen)
{
	size_t klen = strlen(key), n = HEAD + klen + len;
	char hex[SHA256_HEX];
	unsigned char *p;

	if (n > MAX_ENTRY || n < len)
		return -EFBIG;
	p = malloc(n);
	if (!p)
		return -ENOMEM;
	memcpy(p, MAGIC, 8);
	p[72] = klen;
	p[73] = klen >> 8;
	p[74] = klen >> 16;
	p[75] = klen >> 24;
	memcpy(p + HEAD, key, klen);
	memcpy(p + HEAD + klen, buf, len);
	sha256_buf(p + 72, n - 72, hex);
	memcpy(p + 8, hex, 64);
	*out = (char *)p;
	*outlen = n;
	return 0;
}

int store_decode(const char *key, const void *data, size_t len,
		 const void **buf, size_t *buflen)
{
	const unsigned char *p = data;
	char hex[SHA256_HEX];
	size_t klen;

	if (len < HEAD || memcmp(p, MAGIC, 8))
		return -EBADMSG;
	sha256_buf(p + 72, len - 72, hex);
	if (memcmp(p + 8, hex, 64))
		return -EBADMSG;
	klen = p[72] | p[73] << 8 | p[74] << 16 | (size_t)p[75] << 24;
	if (klen > len - HEAD)
		return -EBADMSG;
	/* another key whose hash names the same file: not ours */
	if (klen != strlen(key) || memcmp(p + HEAD, key, klen))
		return -ENOENT;
	*buf = p + HEAD + klen;
	*buflen = len - HEAD - klen;
	return 0;
}

static int entry_path(const char *sub, const char *key, char *buf, size_t len)
{
	char dir[PATH_MAX], hex[SHA256_HEX];
	int err = cache_dir(sub, dir, sizeof(dir));

	if (err)
		return err;
	sha256_buf(key, strlen(key), hex);
	if ((size_t)snprintf(buf, len, "%s/%.32s", dir, hex) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A whole file, if root owns it and nobody else may write it. */
static int read_trusted(const char *path, char **buf, size_t *len)
{
	int fd, err;

	fd = open_trusted(path, O_RDONLY);
	if (fd == -EPERM)
		pr_warn("ignoring cache entry %s: not owned by root or writable by others\n",
			path);
	if (fd < 0)
		return fd;
	err = read_fd_whole(fd, MAX_ENTRY, buf, len);
	close(fd);
	return err;
}

int store_get(const char *sub, const char *key, void **out, size_t *outlen)
{
	char path[PATH_MAX];
	const void *buf;
	char *data;
	size_t len, n;
	int err;

	err = entry_path(sub, key, path, sizeof(path));
	if (err)
		return err;
	err = read_trusted(path, &data, &len);
	if (err)
		return err;
	err = store_decode(key, data, len, &buf, &n);
	if (err == -EBADMSG) {
		pr_warn("cache entry %s is damaged (its content does not match its hash): removing it\n",
			path);
		unlink(path);
	}
	if (!err) {
		*out = malloc(n + 1);
		if (*out) {
			memcpy(*out, buf, n);
			((char *)*out)[n] = '\0';	/* text payloads read as strings */
			*outlen = n;
		} else {
			err = -ENOMEM;
		}
	}
	free(data);
	return err;
}

static long long mtime_ns(const struct stat *st)
{
	return st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/*
 * Names earlier layouts of the cache used, found by the collection
 * below and removed: program entries named by a 64-bit FNV-1a hash
 * (16 hex digits) and their "NAME.PID.tmp", and the per-boot memo that
 * btf/ held as "boot-ID".
 */
static bool legacy_file(const char *name)
{
	size_t n = strlen(name), i;

	if (!strncmp(name, "boot-", 5))
		return true;
	if (n > 4 && !strcmp(name + n - 4, ".tmp"))
		return true;
	for (i = 0; i < n && strchr("0123456789abcdef", name[i]); i++)
		;
	return n == 16 && i == n;
}

/*
 * The syscall memo had a directory of its own, ksyms/, beside the stores:
 * one lstat per write, which are rare, and it is gone after the first.
 */
static void remove_legacy_dirs(const char *dir)
{
	char p[PATH_MAX + 16], *slash;
	struct stat st;

	snprintf(p, sizeof(p), "%s", dir);
	slash = strrchr(p, '/');
	if (!slash)
		return;
	snprintf(slash + 1, sizeof(p) - (slash + 1 - p), "ksyms");
	if (!lstat(p, &st) && S_ISDIR(st.st_mode))
		rm_tree(p);
}

static bool has_manifest(const char *dir)
{
	char p[PATH_MAX + 300];

	snprintf(p, sizeof(p), "%s/" STORE_MANIFEST, dir);
	return !access(p, F_OK);
}

/* "<label>-<16 hex digits>": a directory entry, and its label's length. */
static size_t label_len(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 18 || name[n - 17] != '-')
		return 0;
	for (i = n - 16; i < n; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return 0;
	return n - 17;
}

void store_gc(const char *dir, const char *superseded_by)
{
	char oldest_f[PATH_MAX + 300] = "", oldest_d[PATH_MAX + 300] = "";
	char p[PATH_MAX + 300];
	long long oldest_f_ns = 0, oldest_d_ns = 0;
	size_t nfiles = 0, ndirs = 0, keep_len = 0;
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *d;

	remove_legacy_dirs(dir);
	if (superseded_by)
		keep_len = label_len(superseded_by);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *name = de->d_name;

		snprintf(p, sizeof(p), "%s/%s", dir, name);
		if (!strcmp(name, ".") || !strcmp(name, "..") || lstat(p, &st))
			continue;
		if (!strncmp(name, STORE_TMP_PREFIX, strlen(STORE_TMP_PREFIX))) {
			/* leftovers of a killed writer; a live one is younger */
			if (now - st.st_mtime > STORE_TMP_MAX_AGE)
				S_ISDIR(st.st_mode) ? rm_tree(p) : unlink(p);
			continue;
		}
		if (S_ISREG(st.st_mode) && legacy_file(name)) {
			unlink(p);
			continue;
		}
		/*
		 * Trees without a manifest were made before the store made
		 * them (the BTF tree with a stamp of its own, the distro
		 * tree named by its version alone). An hour's grace: a
		 * process of the older version may be reading one.
		 */
		if (S_ISDIR(st.st_mode) && !has_manifest(p) &&
		    now - st.st_mtime > STORE_TMP_MAX_AGE) {
			rm_tree(p);
			continue;
		}
		if (S_ISDIR(st.st_mode) && keep_len &&
		    label_len(name) == keep_len &&
		    !strncmp(name, superseded_by, keep_len) &&
		    strcmp(name, superseded_by)) {
			/* an older tree of the same thing: never used again */
			rm_tree(p);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			nfiles++;
			if (!*oldest_f || mtime_ns(&st) < oldest_f_ns) {
				oldest_f_ns = mtime_ns(&st);
				snprintf(oldest_f, sizeof(oldest_f), "%s", p);
			}
		} else if (S_ISDIR(st.st_mode)) {
			ndirs++;
			if (!*oldest_d || mtime_ns(&st) < oldest_d_ns) {
				oldest_d_ns = mtime_ns(&st);
				snprintf(oldest_d, sizeof(oldest_d), "%s", p);
			}
		}
	}
	closedir(d);
	/* one out per write keeps the count bounded */
	if (nfiles > MAX_ENTRIES)
		unlink(oldest_f);
	if (ndirs > MAX_DIR_ENTRIES)
		rm_tree(oldest_d);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

int store_write_at(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd, err;

	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* whatever the umask: the entry is read as root's, others' to read */
	err = fchmod(fd, 0644) ? -errno : write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err)
		unlinkat(dirfd, name, 0);
	return err;
}

int store_put(const char *sub, const char *key, const void *buf, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 64], *data = NULL, *slash;
	size_t n;
	int err;

	err = entry_path(sub, key, path, sizeof(path));
	if (!err)
		err = store_encode(key, buf, len, &data, &n);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s", path);
	slash = strrchr(tmp, '/');
	snprintf(slash + 1, sizeof(tmp) - (slash + 1 - tmp), "%s%d-%s",
		 STORE_TMP_PREFIX, (int)getpid(), strrchr(path, '/') + 1);
	/* write beside it, then rename: a reader never sees half an entry */
	err = store_write_at(AT_FDCWD, tmp, data, n);
	if (!err && rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	if (!err) {
		*slash = '\0';
		store_gc(tmp, NULL);
	}
	free(data);
	return err;
}
