// SPDX-License-Identifier: Apache-2.0
/*
 * /etc/ld.so.cache, read here rather than through libbcc's
 * bcc_procutils_which_so(): libbcc brings LLVM (79 MiB and 24 ms to link,
 * docs: KERNEL-NOTES) into a process that only wants a path, and warm
 * starts stay free of it. The file is glibc's: a header
 * "glibc-ld.so.cache1.1" (possibly after the old "ld.so-1.7.0" table,
 * skipped), entries of flags, soname and path (offsets from the header),
 * sorted by ldconfig the way the loader prefers them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "internal.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define NEW_HEADER 48	/* magic, version, nlibs, len_strings, flags, ... */
#define NEW_ENTRY 24	/* flags, key, value, osversion, hwcap */
#define OLD_ENTRY 12	/* flags, key, value */

static uint32_t get32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string at @off of the @len bytes at @base, or NULL. */
static const char *str_at(const char *base, size_t len, uint32_t off)
{
	if (off >= len || !memchr(base + off, '\0', len - off))
		return NULL;
	return base + off;
}

/*
 * Does soname @key name library @name as bcc takes it? A soname
 * ("libc.so.6") is itself; a short name ("c", "ssl") is any libNAME.so*.
 */
bool ldcache_name_matches(const char *name, const char *key)
{
	size_t n = strlen(name);

	if (!strncmp(name, "lib", 3) && strstr(name, ".so"))
		return !strcmp(key, name);
	return !strncmp(key, "lib", 3) && !strncmp(key + 3, name, n) &&
	       !strncmp(key + 3 + n, ".so", 3);
}

int ldcache_parse(const char *data, size_t len, const char *name, int flags,
		  char *buf, size_t buflen)
{
	const char *h = data;
	size_t hlen = len, i;
	uint32_t nlibs;

	if (len >= sizeof(OLD_MAGIC) && !memcmp(data, OLD_MAGIC, strlen(OLD_MAGIC))) {
		size_t off;

		if (len < 16)
			return -EINVAL;
		off = 16 + (size_t)get32(data + 12) * OLD_ENTRY;
		off = (off + 7) & ~(size_t)7;	/* the new header is aligned */
		if (off > len)
			return -EINVAL;
		h = data + off;
		hlen = len - off;
	}
	if (hlen < NEW_HEADER || memcmp(h, NEW_MAGIC, strlen(NEW_MAGIC)))
		return -EINVAL;
	nlibs = get32(h + 20);
	if (nlibs > (hlen - NEW_HEADER) / NEW_ENTRY)
		return -EINVAL;
	for (i = 0; i < nlibs; i++) {
		const char *e = h + NEW_HEADER + i * NEW_ENTRY;
		const char *key = str_at(h, hlen, get32(e + 4));
		const char *val = str_at(h, hlen, get32(e + 8));

		if (!key || !val || (get32(e) & 0xffff) != (uint32_t)flags ||
		    !ldcache_name_matches(name, key))
			continue;
		if ((size_t)snprintf(buf, buflen, "%s", val) >= buflen)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

int ldcache_find(const char *name, char *buf, size_t len)
{
	char *data;
	size_t n;
	int err;

	err = read_whole("/etc/ld.so.cache", 64 << 20, &data, &n);
	if (err)
		return err;
	err = ldcache_parse(data, n, name, arch_this()->ldcache_flags, buf,
			    len);
	free(data);
	return err;
}
