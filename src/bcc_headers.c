// SPDX-License-Identifier: Apache-2.0
/*
 * libbcc's force-included headers (its bpf.h, helpers.h), read out of
 * libbcc.so itself so that a libbcc upgrade brings its own list of names.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "arch.h"
#include "btf_gen.h"


/* ------------------------------------------------------------------ */
/* libbcc's force-included headers, read out of libbcc.so. */

/* libbcc keeps each embedded header as a NUL-terminated string. */
static const char *find_embedded(const char *blob, size_t len,
				 const char *marker, size_t *out_len)
{
	const char *p = memmem(blob, len, marker, strlen(marker));
	const char *e;

	if (!p)
		return NULL;
	e = memchr(p, '\0', blob + len - p);
	if (!e)
		return NULL;
	*out_len = e - p;
	return p;
}

/* Path of the loaded object @h, as the dynamic loader found it. */
static int dl_path(void *h, char *buf, size_t len)
{
	struct link_map *lm = NULL;

	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm || !lm->l_name ||
	    !*lm->l_name)
		return -ENOENT;
	snprintf(buf, len, "%s", lm->l_name);
	return 0;
}

/* The libbcc that compile.c loads: the file its headers are read from. */
static int find_libbcc(char *buf, size_t len)
{
	static const char *const dirs[] = {
		"/usr/lib64", "/usr/lib", "/usr/local/lib", "/usr/local/lib64",
	};
	char multi[64];
	const char *base = strrchr(LIBBCC_SONAME, '/');
	void *h;
	size_t i;
	int err;

	if (base && !access(LIBBCC_SONAME, R_OK)) {
		snprintf(buf, len, "%s", LIBBCC_SONAME);
		return 0;
	}
	/* Already loaded by compile.c? Then read exactly that one. */
	h = dlopen(LIBBCC_SONAME, RTLD_LAZY | RTLD_NOLOAD);
	if (h) {
		err = dl_path(h, buf, len);
		dlclose(h);
		if (!err)
			return 0;
	}
	snprintf(multi, sizeof(multi), "/usr/lib/%s", arch_this()->multiarch);
	for (i = 0; i <= ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s/%s", i ? dirs[i - 1] : multi,
			 base ? base + 1 : LIBBCC_SONAME);
		if (!access(buf, R_OK))
			return 0;
	}
	/* Elsewhere (LD_LIBRARY_PATH, ld.so.conf): ask the loader. It
	 * costs what compile.c is about to pay anyway. */
	h = dlopen(LIBBCC_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
	err = dl_path(h, buf, len);
	dlclose(h);
	return err;
}

int bcc_headers_load(struct bcc_headers *h)
{
	char so[PATH_MAX];
	int err;

	memset(h, 0, sizeof(*h));
	err = find_libbcc(so, sizeof(so));
	if (!err)
		err = read_whole(so, 0, &h->blob, &h->blob_len);
	if (!err) {
		h->bpf_h = find_embedded(h->blob, h->blob_len,
					 "#ifndef _UAPI__LINUX_BPF_H__\n",
					 &h->bpf_h_len);
		h->helpers_h = find_embedded(h->blob, h->blob_len,
					     "#ifndef __BPF_HELPERS_H\n",
					     &h->helpers_h_len);
		snprintf(h->source, sizeof(h->source), "%s", so);
		if (h->bpf_h)
			return 0;
		free(h->blob);
		h->blob = NULL;
	}
	/*
	 * A libbcc we cannot read: the system's uapi bpf.h is the nearest
	 * thing. Renaming whole enums covers most of the drift between the
	 * two; a name it misses shows up as a "redefinition" compile error.
	 */
	err = read_whole("/usr/include/linux/bpf.h", 0, &h->blob, &h->blob_len);
	if (err) {
		pr_err("cannot find the uapi bpf.h that libbcc force-includes: neither in %s nor as /usr/include/linux/bpf.h; install libbpfcc (or linux-libc-dev)\n",
		       LIBBCC_SONAME);
		return -ENOENT;
	}
	pr_warn("could not read libbcc's own bpf.h out of %s: using /usr/include/linux/bpf.h to name the types the BTF tree must rename\n",
		LIBBCC_SONAME);
	h->bpf_h = h->blob;
	h->bpf_h_len = h->blob_len;
	snprintf(h->source, sizeof(h->source), "/usr/include/linux/bpf.h");
	return 0;
}

void bcc_headers_free(struct bcc_headers *h)
{
	free(h->blob);
	memset(h, 0, sizeof(*h));
}
