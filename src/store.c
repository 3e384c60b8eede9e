// SPDX-License-Identifier: Apache-2.0
/*
 * The on-disk store: entries in a root-owned directory, each named by the
 * hash of its key and holding the key and a hash of its content, so that
 * an entry is used only for its own key and only as it was written. A bit
 * flipped on disk, a truncated write or an entry put there by hand is
 * refused and removed, and the caller compiles again.
 *
 * Entry: "BPFRUNS1", 64 hex digits of SHA-256 over everything after them,
 * u32 key length, the key, the payload.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#define TMP_PREFIX ".tmp-"
#define TMP_MAX_AGE 3600	/* s: leftovers of a killed writer */

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

/* One entry out per store keeps the count bounded; old temp files go too. */
static void evict(const char *dir)
{
	char oldest[PATH_MAX + 300] = "", p[PATH_MAX + 300];
	long long oldest_ns = 0;
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX))) {
			if (!lstat(p, &st) && now - st.st_mtime > TMP_MAX_AGE)
				unlink(p);
			continue;
		}
		if (de->d_name[0] == '.' || lstat(p, &st) || !S_ISREG(st.st_mode))
			continue;
		n++;
		if (!*oldest || mtime_ns(&st) < oldest_ns) {
			oldest_ns = mtime_ns(&st);
			snprintf(oldest, sizeof(oldest), "%s", p);
		}
	}
	closedir(d);
	if (n > MAX_ENTRIES && *oldest)
		unlink(oldest);
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

int store_put(const char *sub, const char *key, const void *buf, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 64], *data = NULL, *slash;
	size_t n;
	int err, fd;

	err = entry_path(sub, key, path, sizeof(path));
	if (!err)
		err = store_encode(key, buf, len, &data, &n);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s", path);
	slash = strrchr(tmp, '/');
	snprintf(slash + 1, sizeof(tmp) - (slash + 1 - tmp), "%s%d-%s",
		 TMP_PREFIX, (int)getpid(), strrchr(path, '/') + 1);
	/* write beside it, then rename: a reader never sees half an entry */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, data, n);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		goto out;
	}
	*slash = '\0';
	evict(tmp);
out:
	free(data);
	return err;
}
