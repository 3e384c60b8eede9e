// SPDX-License-Identifier: Apache-2.0
/*
 * The compiled-program cache. A compile's image is stored under a key that
 * covers what changes it: the source's content, the cflags, the header
 * tree, libbcc and the kernel. The image itself lists every file the
 * compiler read (from clang's own dependency output, so `#include MACRO`,
 * `-I DIR` and headers beside the program all count) with its identity;
 * any of them changed and the entry is stale. A later run with the same
 * key creates the maps itself and never loads libbcc (~80 MiB of LLVM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "internal.h"

#define STORE "programs"

int cache_key(const char *path, const char *const *cflags, size_t ncflags,
	      const struct headers_choice *h, const struct utsname *u,
	      const char *extra, char **out)
{
	char lib[96], hex[SHA256_HEX], *text = NULL, buf[65536];
	struct sha256 s;
	struct stat st;
	size_t len = 0, i;
	FILE *m;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&s, buf, n);
	if (n < 0 || fstat(fd, &st)) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	sha256_hex(&s, hex);
	file_identity(LIBBCC_SONAME, lib, sizeof(lib));
	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	/* format 3: images keep the program's BTF when no map has types */
	fprintf(m, "format 3\nsource %s %lld %s\n", path, (long long)st.st_size,
		hex);
	for (i = 0; i < ncflags; i++)
		fprintf(m, "cflag %s\n", cflags[i]);
	fprintf(m, "headers %d %s %s\n", h->kind, h->dir, h->version);
	fprintf(m, "libbcc %s %s\n", LIBBCC_SONAME, lib);
	fprintf(m, "kernel %s %s %s\n", u->release, u->version, u->machine);
	if (extra)
		fputs(extra, m);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	*out = text;
	return 0;
}

static int key_of(const char *path, const char *const *cflags, size_t ncflags,
		  const struct headers_choice *h, const char *extra, char **key)
{
	struct utsname u;

	uname(&u);
	return cache_key(path, cflags, ncflags, h, &u, extra, key);
}

int cache_load(struct bpfrun *b, const char *path, const char *const *cflags,
	       size_t ncflags, const struct headers_choice *h,
	       const char *extra)
{
	const char *changed;
	char *key = NULL;
	void *buf = NULL;
	size_t len;
	int err;

	err = key_of(path, cflags, ncflags, h, extra, &key);
	if (!err)
		err = store_get(STORE, key, &buf, &len);
	if (err)
		goto out;
	err = image_decode(b, &b->deps, buf, len);
	if (err) {
		pr_warn("cached program for %s is malformed; compiling\n", path);
		goto out;
	}
	err = deps_check(&b->deps, &changed);
	if (err) {
		pr_info("cache entry is stale: %s changed\n", changed);
		goto out;
	}
	err = image_bind(b);
	if (!err)
		pr_info("loaded the compiled program from the cache (%zu files checked)\n",
			b->deps.n);
out:
	free(buf);
	free(key);
	return err;
}

/* Maps only libbcc can make need a compile every time. */
static bool cacheable(const struct bpfrun *b)
{
	size_t i;

	for (i = 0; i < b->ntables; i++)
		if (table_from_libbcc(&b->tables[i]))
			return false;
	return true;
}

int cache_store(const struct bpfrun *b, const struct compiled *c,
		const char *path, const char *const *cflags, size_t ncflags,
		const struct headers_choice *h, const char *extra)
{
	char *key = NULL;
	int err;

	if (!cacheable(b))
		return 0;
	err = key_of(path, cflags, ncflags, h, extra, &key);
	if (!err)
		err = store_put(STORE, key, c->image, c->len);
	if (err)
		pr_warn("cannot cache the compiled program: %s\n",
			strerror(-err));
	else
		pr_info("cached the compiled program\n");
	free(key);
	return err;
}
