// SPDX-License-Identifier: Apache-2.0
/*
 * Directory entries of the store: trees that are made once and then read
 * by others, the header trees libbcc compiles against. The caller fills an
 * empty temporary directory the store gives it (store_dir_begin); the
 * commit lists every directory, file and symlink in it, with the SHA-256
 * of each file's bytes and of each link's target, in a manifest (a store
 * entry of its own: its key and a hash of its text, see store.c), fsyncs
 * it all and renames the directory into place. Names are
 * "<label>-<16 hex digits of the key's hash>": readable, and the manifest
 * carries the whole key.
 *
 * What a read checks, and why it stays cheap. A warm start reads the BTF
 * tree's entry every time, and hashing its 8.6 MB (181 files, the BTF
 * among them) takes 40 to 120 ms, ten to twenty-five warm starts. So a
 * read checks that the entry is a directory root owns and only root may
 * write, that the manifest is whole and is this key's (its own hash,
 * 22 KiB: 0.13 ms), and that every listed directory, file and symlink is
 * there with its type, mode, owner, size and mtime (one fstatat each,
 * relative to its directory: 0.4 ms for 206 entries in a fresh process).
 * Writing into the tree, planting a file in one of its directories (the
 * directory's mtime), truncating, replacing or chmod'ing a file all change
 * one of those. Every byte is hashed when the entry is first trusted: at
 * its commit (the manifest is computed from what lies on disk, not from
 * what the writer meant to write), and when a commit finds an entry
 * already there. What a read does not see is damage that keeps size and
 * mtime (a bit flipped by the disk); the compile that reads such a header
 * fails or reads wrong types until the entry is made again.
 *
 * Measured on the development VM (2 CPUs, shared, load 2): btf_tree_get()
 * in a fresh process went from 0.14 ms (a stamp read) to 0.52 ms; bpfrun's
 * warm start, exec to attached, from 3.5-3.7 ms to 4.2-4.3 ms (medians of
 * 150 runs, the two builds taking turns). The stats are two thirds of it:
 * checking only what a compile is about to read would need a hook between
 * a cache miss and the compile (program.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cscan.h"
#include "internal.h"

#define MANIFEST STORE_MANIFEST
#define MAX_MANIFEST (8u << 20)
#define MAX_DEPTH 32

static long long mtime_ns(const struct stat *st)
{
	return st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

static bool safe_stat(const struct stat *st)
{
	return st->st_uid == 0 &&
	       (S_ISLNK(st->st_mode) || !(st->st_mode & (S_IWGRP | S_IWOTH)));
}

/* SHA-256 and length of what @fd holds. */
static int hash_fd(int fd, char *hex, long long *size)
{
	char buf[65536];
	struct sha256 s;
	ssize_t n;

	*size = 0;
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sha256_update(&s, buf, n);
		*size += n;
	}
	sha256_hex(&s, hex);
	return 0;
}

static int hash_link(int dirfd, const char *rel, char *hex, long long *size)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, rel, target, sizeof(target));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	sha256_buf(target, n, hex);
	*size = n;
	return 0;
}

/* The names in @fd's directory, sorted, so that a manifest is one text. */
static int read_names(int fd, char ***out, size_t *count)
{
	struct nameset set = { 0 };
	struct dirent *de;
	int dfd = dup(fd), err = 0;
	DIR *d;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d);
	while (!err && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			err = ns_add(&set, de->d_name, strlen(de->d_name));
	closedir(d);
	if (err) {
		ns_free(&set);
		return err;
	}
	ns_sort(&set);
	*out = set.v;
	*count = set.n;
	return 0;
}

/*
 * One manifest line per entry under @fd (its path @rel): "d|f|l MODE SIZE
 * MTIME_NS SHA256 PATH", parents before children. Files and directories
 * are fsynced as they are listed.
 */
static int list_tree(int fd, const char *rel, FILE *m, int depth)
{
	char **names = NULL, path[PATH_MAX], hex[SHA256_HEX];
	size_t n = 0, i;
	int err;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	err = read_names(fd, &names, &n);
	for (i = 0; !err && i < n; i++) {
		const char *name = names[i];
		long long size = 0;
		struct stat st;
		int cfd = -1;
		char type;

		if (!depth && !strcmp(name, MANIFEST))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel,
				     *rel ? "/" : "", name) >= sizeof(path)) {
			err = -ENAMETOOLONG;
			break;
		}
		if (strchr(name, '\n')) {
			err = -EINVAL;
			break;
		}
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
			err = -errno;
			break;
		}
		/* an entry others may write would never be read back */
		if (!S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH))) {
			if (fchmodat(fd, name, st.st_mode & 07755, 0) ||
			    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
				err = -errno;
				break;
			}
		}
		strcpy(hex, "-");
		if (S_ISLNK(st.st_mode)) {
			type = 'l';
			err = hash_link(fd, name, hex, &size);
		} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
			type = S_ISREG(st.st_mode) ? 'f' : 'd';
			cfd = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				err = -errno;
			else if (type == 'f')
				err = hash_fd(cfd, hex, &size);
			if (!err && fsync(cfd))
				err = -errno;
		} else {
			err = -EINVAL;	/* no devices or fifos in a tree */
		}
		if (!err)
			fprintf(m, "%c %04o %lld %lld %s %s\n", type,
				(unsigned)(st.st_mode & 07777), size,
				mtime_ns(&st), hex, path);
		if (!err && type == 'd')
			err = list_tree(cfd, path, m, depth + 1);
		if (cfd >= 0)
			close(cfd);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

/* "<label>-<16 hex>" for @key, its directory @dir and its path @path. */
static int entry_name(const char *sub, const char *label, const char *key,
		      char *dir, char *name, char *path, size_t len)
{
	char hex[SHA256_HEX];
	size_t i;
	int err;

	if (!*label || strlen(label) > STORE_LABEL_MAX)
		return -EINVAL;
	err = cache_dir(sub, dir, PATH_MAX);
	if (err)
		return err;
	/* a label is part of a file name: nothing else */
	for (i = 0; label[i]; i++)
		name[i] = (label[i] >= 'a' && label[i] <= 'z') ||
			  (label[i] >= 'A' && label[i] <= 'Z') ||
			  (label[i] >= '0' && label[i] <= '9') ||
			  (i && strchr("._+-", label[i])) ? label[i] : '_';
	sha256_buf(key, strlen(key), hex);
	snprintf(name + i, STORE_LABEL_MAX + 18 - i, "-%.16s", hex);
	if ((size_t)snprintf(path, len, "%s/%s", dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A field of a manifest line and the space after it; NULL if malformed. */
static char *field(char *p, long long *v, int base)
{
	char *end;

	if (!p || *p < '0' || *p > '9')
		return NULL;
	errno = 0;
	*v = strtoll(p, &end, base);
	return errno || *end != ' ' ? NULL : end + 1;
}

/*
 * The directory a manifest line's file is in, kept open: lines come
 * directory by directory, and a lookup of one name costs less than one of
 * a whole path.
 */
struct dir_cache {
	int root, fd;
	char rel[PATH_MAX];
};

static int cached_dir(struct dir_cache *c, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;

	*name = slash ? slash + 1 : rel;
	if (!slash)
		return c->root;
	if (c->fd >= 0 && strlen(c->rel) == n && !memcmp(c->rel, rel, n))
		return c->fd;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (n >= sizeof(c->rel))
		return -ENAMETOOLONG;
	memcpy(c->rel, rel, n);
	c->rel[n] = '\0';
	c->fd = openat(c->root, c->rel,
		       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd >= 0)
		return c->fd;
	return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
	       -EBADMSG : -errno;
}

/*
 * The manifest line "TYPE MODE SIZE MTIME HEX PATH" against @root's file.
 * Parsed by hand: sscanf() was a fifth of a warm start's check.
 */
static int check_line(struct dir_cache *c, char *line, bool full)
{
	char type = line[0], have[SHA256_HEX], *p, *hex;
	long long mode, size, mt, got = -1;
	struct stat st;
	int root, fd, err = 0;
	const char *rel;

	if (!type || !strchr("dfl", type) || line[1] != ' ')
		return -EBADMSG;
	p = field(field(field(line + 2, &mode, 8), &size, 10), &mt, 10);
	hex = p;
	p = p ? strchr(p, ' ') : NULL;
	if (!p || !p[1] || (p - hex != 64 && (p - hex != 1 || *hex != '-')))
		return -EBADMSG;
	*p = '\0';
	root = cached_dir(c, p + 1, &rel);
	if (root < 0)
		return root;
	if (fstatat(root, rel, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		       -EBADMSG : -errno;
	if (!safe_stat(&st))
		return -EPERM;
	if ((type == 'f' && !S_ISREG(st.st_mode)) ||
	    (type == 'd' && !S_ISDIR(st.st_mode)) ||
	    (type == 'l' && !S_ISLNK(st.st_mode)) ||
	    (type != 'l' && (st.st_mode & 07777) != mode) ||
	    mtime_ns(&st) != mt || (type != 'd' && st.st_size != size))
		return -EBADMSG;
	if (!full || type == 'd')
		return 0;
	if (type == 'l') {
		err = hash_link(root, rel, have, &got);
	} else {
		fd = openat(root, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = hash_fd(fd, have, &got);
		close(fd);
	}
	if (!err && (got != size || strcmp(have, hex)))
		err = -EBADMSG;
	return err;
}

/*
 * 0 when @path is the whole entry of @key: -ENOENT when missing, -EPERM
 * when not root's alone, -ESTALE when it is another key's, -EBADMSG when
 * anything differs from its manifest. @full: hash every byte too.
 */
static int dir_verify(const char *path, const char *key, bool full)
{
	char *data = NULL, *line, *end, *nl;
	struct dir_cache c = { .fd = -1 };
	const void *text;
	size_t len, tlen;
	struct stat st;
	int root, fd, err;

	root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? -ENOENT :
		       errno == ENOTDIR || errno == ELOOP ? -EPERM : -errno;
	if (fstat(root, &st) || !safe_stat(&st)) {
		close(root);
		return -EPERM;
	}
	fd = openat(root, MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOENT ? -EBADMSG : -errno;
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !safe_stat(&st))
		err = -EPERM;
	else
		err = read_fd_whole(fd, MAX_MANIFEST, &data, &len);
	close(fd);
	if (!err)
		err = store_decode(key, data, len, &text, &tlen);
	if (err == -ENOENT)
		err = -ESTALE;
	if (err)
		goto out;
	/* the payload is the end of the entry, which read_fd_whole() ends
	 * with a NUL */
	end = (char *)text + tlen;
	c.root = root;
	for (line = (char *)text; !err && line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl) {
			err = -EBADMSG;
			break;
		}
		*nl = '\0';
		err = check_line(&c, line, full);
	}
	if (c.fd >= 0)
		close(c.fd);
out:
	free(data);
	close(root);
	return err;
}

int store_dir_find(const char *sub, const char *label, const char *key,
		   char *path, size_t len)
{
	char dir[PATH_MAX], name[STORE_LABEL_MAX + 18];
	struct stat st;
	int err;

	err = entry_name(sub, label, key, dir, name, path, len);
	if (err)
		return err;
	if (lstat(path, &st))
		return -errno;
	return S_ISDIR(st.st_mode) && st.st_uid == 0 ? 0 : -ENOENT;
}

int store_dir_get(const char *sub, const char *label, const char *key,
		  char *path, size_t len)
{
	char dir[PATH_MAX], name[STORE_LABEL_MAX + 18];
	int err;

	err = entry_name(sub, label, key, dir, name, path, len);
	if (err)
		return err;
	err = dir_verify(path, key, false);
	switch (err) {
	case 0:
	case -ENOENT:
		return err;
	case -EPERM:
		pr_warn("ignoring cache entry %s: not owned by root or writable by others\n",
			path);
		return -ENOENT;
	case -EBADMSG:
		pr_warn("cache entry %s is damaged (it does not match its manifest): removing it\n",
			path);
		rm_tree(path);
		return -ENOENT;
	default:
		/* another key's, or unreadable: made again over it */
		return -ENOENT;
	}
}

int store_dir_begin(struct store_dir *d, const char *sub, const char *label,
		    const char *key, unsigned flags)
{
	char dir[PATH_MAX], name[STORE_LABEL_MAX + 18];
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	err = entry_name(sub, label, key, dir, name, d->path, sizeof(d->path));
	if (err)
		return err;
	if ((size_t)snprintf(d->tmp, sizeof(d->tmp), "%s/" STORE_TMP_PREFIX "%s.XXXXXX",
			     dir, name) >= sizeof(d->tmp)) {
		d->tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	d->key = strdup(key);
	if (!d->key || !mkdtemp(d->tmp)) {
		err = d->key ? -errno : -ENOMEM;
		pr_err("cannot create a directory in %s: %s\n", dir,
		       strerror(-err));
		d->tmp[0] = '\0';
		store_dir_abort(d);
		return err;
	}
	d->fd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* mkdtemp() makes it 0700; libbcc may run under another umask */
	if (d->fd < 0 || fchmod(d->fd, 0755)) {
		err = -errno;
		store_dir_abort(d);
		return err;
	}
	d->flags = flags;
	return 0;
}

void store_dir_abort(struct store_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->tmp[0])
		rm_tree(d->tmp);
	d->tmp[0] = '\0';
	free(d->key);
	d->key = NULL;
}

/* The manifest of what the caller put in d->tmp, written beside it. */
static int write_manifest(struct store_dir *d)
{
	char *text = NULL, *entry = NULL;
	size_t len = 0, n;
	FILE *m;
	int err;

	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	err = list_tree(d->fd, "", m, 0);
	if (fclose(m) && !err)
		err = -ENOMEM;
	if (!err)
		err = store_encode(d->key, text, len, &entry, &n);
	if (!err)
		err = store_write_at(d->fd, MANIFEST, entry, n);
	if (!err && fsync(d->fd))
		err = -errno;
	free(entry);
	free(text);
	return err;
}

static int commit_rename(struct store_dir *d)
{
	int err;

	if (!rename(d->tmp, d->path))
		return 0;
	/* ENOTDIR: a file or a symlink has the name */
	if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR)
		return -errno;
	/* Another run got there first: fine if its entry is whole. */
	err = dir_verify(d->path, d->key, true);
	if (!err)
		return 1;
	/*
	 * A damaged or untrusted one is swapped for ours in one step, so
	 * that no reader finds the name missing, then removed.
	 */
	if (!renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->path, RENAME_EXCHANGE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (rm_tree(d->path))
		return -EIO;
	return rename(d->tmp, d->path) ? -errno : 0;
}

int store_dir_commit(struct store_dir *d, char *path, size_t len)
{
	char dir[PATH_MAX], *slash;
	int err, pfd;

	if ((size_t)snprintf(path, len, "%s", d->path) >= len) {
		store_dir_abort(d);
		return -ENAMETOOLONG;
	}
	err = write_manifest(d);
	if (err) {
		pr_err("cannot make the manifest of %s: %s\n", d->tmp,
		       strerror(-err));
		goto out;
	}
	err = commit_rename(d);
	if (err < 0) {
		pr_err("cannot rename %s to %s: %s\n", d->tmp, d->path,
		       strerror(-err));
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0) {
		fsync(pfd);
		close(pfd);
	}
	store_gc(dir, d->flags & STORE_SUPERSEDE ? slash + 1 : NULL);
	err = 0;
out:
	/* the old entry, if one was swapped out, or ours, if we lost */
	store_dir_abort(d);
	return err;
}
