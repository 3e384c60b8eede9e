/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A kernel header tree generated from the running kernel's BTF, for libbcc's
 * BCC_KERNEL_SOURCE.
 *
 * Why: libbcc compiles programs against kernel headers, and headers of
 * another kernel version compile fine but put struct fields at the wrong
 * offsets (with Debian's 6.1 headers on a 6.18 kernel,
 * task->real_parent->tgid reads 0). The kernel's own BTF describes every
 * type exactly as the running kernel lays it out, so we dump it as C with
 * libbpf's btf_dump and give libbcc a tree whose every kernel header leads
 * to that dump.
 *
 * What libbcc needs from such a tree, and what breaks it:
 *  - libbcc force-includes its own copy of the uapi bpf.h (and helpers.h)
 *    before the program. Every struct, union, enum, enumerator and typedef
 *    name that copy defines is defined again by the dump, which clang
 *    refuses. We rename those types and enumerators inside the BTF itself
 *    (to __vmlinux_NAME) before dumping it: the program then sees libbcc's
 *    uapi definitions, and kernel structs that embed such types still get
 *    the kernel's layout. Renaming in BTF, unlike a "#define NAME
 *    __vmlinux_NAME" around the dump, cannot touch struct members that
 *    happen to carry the same name.
 *  - The names come from libbcc itself: its embedded headers are read out
 *    of libbcc.so, so a libbcc upgrade brings its own list. Whole enums
 *    whose tag libbcc defines are renamed with all their enumerators, which
 *    also covers enumerators libbcc generates with macros (BPF_FUNC_*).
 *  - Macros defined before the dump (by libbcc's headers or by this tree's
 *    own kconfig.h, types.h, ...) that name something in the BTF, e.g.
 *    BPF_F_KPROBE_MULTI_RETURN, a macro in libbcc's bpf.h and an
 *    enumerator in 6.18, are hidden around the dump with push_macro and
 *    pop_macro.
 *  - btf_dump does not emit the "preserve_access_index" pragmas that
 *    bpftool adds (libbcc's clang frontend rejects them); we add none.
 *  - Macros are not in BTF: btf_kmacros.h has the ones programs commonly
 *    need, written after the dump so that they cannot break it.
 *  - linux/types.h, which libbcc's helpers.h reaches before any kernel
 *    header, carries the kernel's integer typedefs (u64, dev_t, sector_t,
 *    ...) taken from the BTF; kconfig.h carries the running kernel's
 *    config (/proc/config.gz) when the BTF is the running kernel's.
 *  - Trailing flexible arrays get one element, see grow_flex_arrays().
 *
 * What it cannot do: types of modules that are not in vmlinux's BTF (NFS,
 * XFS: /sys/kernel/btf/<module>) are missing, and a program that carries
 * its own copy of a kernel-private struct (bcc's dcsnoop: nameidata) gets
 * "redefinition" errors, since the BTF has every struct; such programs
 * can test BPFRUN_BTF_TREE (or __VMLINUX_H__) to leave their copy out.
 *
 * The tree is cached under cache_dir("btf"), a root-owned directory that
 * nobody else may write, named by a hash of everything it is made from
 * (the BTF's bytes, libbcc's headers, the kernel config, the release and
 * FORMAT_VERSION): a new kernel, a new libbcc or a new generator gives a
 * new tree, and an existing tree is trusted only when its stamp carries
 * the full hash. It is generated into a temporary sibling directory and
 * renamed into place, so a concurrent or interrupted run never leaves a
 * half-written tree under the final name. Never in /tmp: libbcc 0.26 trusts
 * an existing /tmp/kheaders-<release> (CVE-2024-2314) and so would anyone
 * who trusted a predictable path there.
 *
 * x86_64 only for now: pt_regs comes from the BTF and libbcc's PT_REGS_*
 * macros (x86_64: di, si, dx, cx, r8, r9, ax, ip, sp) match its field
 * names; btf_kmacros.h has x86_64 values; asm/page.h falls back to 4 KiB
 * pages; without a kernel config, CONFIG_ARCH_HAS_SYSCALL_WRAPPER comes
 * from the presence of __x64_sys_read; libbcc.so is looked for in the
 * x86_64 multiarch directory.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <bpf/btf.h>
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "btf_kmacros.h"

#ifndef LIBBCC_SONAME
#define LIBBCC_SONAME "libbcc.so.0"
#endif

/* Bump whenever the generated tree changes for the same inputs. */
#define FORMAT_VERSION		2
#define DEFAULT_BTF		"/sys/kernel/btf/vmlinux"
#define RENAME_PREFIX		"__vmlinux_"
#define STAMP_NAME		"bpfrun-btf-tree.txt"
#define TMP_PREFIX		".tmp-"
/* Leftovers of interrupted runs older than this are removed. */
#define TMP_MAX_AGE		3600

/* Length-prefixed, so that no two different inputs hash alike. */
static void key_add(struct sha256 *s, const char *label, const void *data,
		    size_t len)
{
	uint64_t n = len;

	sha256_update(s, label, strlen(label) + 1);
	sha256_update(s, &n, sizeof(n));
	sha256_update(s, data, len);
}

/* ------------------------------------------------------------------ */
/* Growable text buffer. Errors stick: check ->err once at the end. */

struct sbuf {
	char *s;
	size_t len, cap;
	int err;
};

static void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL,
		      b->s ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if (!b->s || b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *s;

		while (cap < b->len + n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s) {
			b->err = -ENOMEM;
			return;
		}
		b->s = s;
		b->cap = cap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += n;
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

static void sb_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* Sorted sets of names. */

struct nameset {
	char **v;
	size_t n, cap;
	bool sorted;
};

static int ns_add(struct nameset *s, const char *name, size_t len)
{
	char *copy;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	copy = strndup(name, len);
	if (!copy)
		return -ENOMEM;
	s->v[s->n++] = copy;
	s->sorted = false;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ns_sort(struct nameset *s)
{
	size_t i, j;

	if (s->sorted || !s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1, j = 0; i < s->n; i++) {
		if (!strcmp(s->v[i], s->v[j]))
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
	s->sorted = true;
}

/* @s must have been sorted. */
static bool ns_has(const struct nameset *s, const char *name)
{
	return name && *name && s->n &&
	       bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str);
}

static void ns_free(struct nameset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ */
/*
 * A scanner for the C that libbcc force-includes: it finds the names of
 * #define'd macros, of struct/union/enum tags defined with a body, of
 * enumerators and of typedefs. Not a C parser: enough for uapi-style
 * headers, and an unknown construct only costs a missed name.
 */

struct cnames {
	struct nameset macros;
	struct nameset tags;
	struct nameset enum_tags;	/* tags of enums, also in ->tags */
	struct nameset enumerators;
	struct nameset typedefs;
	int err;
};

static void cnames_free(struct cnames *c)
{
	ns_free(&c->macros);
	ns_free(&c->tags);
	ns_free(&c->enum_tags);
	ns_free(&c->enumerators);
	ns_free(&c->typedefs);
}

static void cnames_sort(struct cnames *c)
{
	ns_sort(&c->macros);
	ns_sort(&c->tags);
	ns_sort(&c->enum_tags);
	ns_sort(&c->enumerators);
	ns_sort(&c->typedefs);
}

static void cn_add(struct cnames *c, struct nameset *s, const char *p,
		   size_t len)
{
	int err;

	if (c->err)
		return;
	err = ns_add(s, p, len);
	if (err)
		c->err = err;
}

static bool is_ident0(int ch)
{
	return isalpha(ch) || ch == '_';
}

static bool is_ident(int ch)
{
	return isalnum(ch) || ch == '_';
}

static const char *skip_comment(const char *p, const char *end)
{
	if (p + 1 < end && p[1] == '*') {
		for (p += 2; p + 1 < end; p++)
			if (p[0] == '*' && p[1] == '/')
				return p + 2;
		return end;
	}
	while (p < end && *p != '\n')	/* "//" */
		p++;
	return p;
}

/* At '#' starting a line: note #define'd names, skip the directive. */
static const char *scan_directive(struct cnames *c, const char *p,
				  const char *end)
{
	const char *w;

	for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (w = p; p < end && is_ident(*p); p++)
		;
	if (p - w == 6 && !memcmp(w, "define", 6)) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (w = p; p < end && is_ident(*p); p++)
			;
		if (p > w && is_ident0(*w))
			cn_add(c, &c->macros, w, p - w);
	}
	while (p < end && *p != '\n') {
		if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/')) {
			p = skip_comment(p, end);
			continue;
		}
		if (*p == '\\' && p + 1 < end && p[1] == '\n')
			p++;
		p++;
	}
	return p;
}

enum tok_kind { TOK_NONE, TOK_IDENT, TOK_PUNCT, TOK_OTHER };

struct tok {
	enum tok_kind kind;
	const char *p;
	size_t len;
};

static bool tok_is(const struct tok *t, const char *word)
{
	return t->kind == TOK_IDENT && t->len == strlen(word) &&
	       !memcmp(t->p, word, t->len);
}

static void scan_c(struct cnames *c, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	struct tok prev = { .kind = TOK_NONE }, prev2 = prev;
	int depth = 0, parens = 0, brackets = 0;
	int enum_depth = -1;		/* brace depth of the enum body */
	bool enum_item = false;		/* next identifier is an enumerator */
	bool bol = true;		/* nothing but blanks on this line */
	bool in_typedef = false, want_td_name = false;
	struct tok td_name = { .kind = TOK_NONE }, td_last = td_name;

	while (p < end && !c->err) {
		struct tok t = { .kind = TOK_NONE, .p = p, .len = 1 };

		if (*p == '\n') {
			bol = true;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/')) {
			p = skip_comment(p, end);
			continue;
		}
		if (*p == '#' && bol) {
			p = scan_directive(c, p, end);
			continue;
		}
		bol = false;
		if (*p == '"' || *p == '\'') {
			char q = *p;

			for (p++; p < end && *p != q && *p != '\n'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			p++;
			t.kind = TOK_OTHER;
		} else if (is_ident0((unsigned char)*p)) {
			while (p < end && is_ident((unsigned char)*p))
				p++;
			t.kind = TOK_IDENT;
			t.len = p - t.p;
		} else if (isdigit((unsigned char)*p)) {
			while (p < end && (is_ident((unsigned char)*p) ||
					   *p == '.'))
				p++;
			t.kind = TOK_OTHER;
		} else {
			t.kind = TOK_PUNCT;
			p++;
		}

		if (t.kind == TOK_IDENT) {
			if (depth == enum_depth && enum_item && !parens) {
				const char *q = p;

				while (q < end && isspace((unsigned char)*q))
					q++;
				/* FN(x) in an enum body is a macro call */
				if (q >= end || *q != '(')
					cn_add(c, &c->enumerators, t.p, t.len);
				enum_item = false;
			}
			if (!depth && tok_is(&t, "typedef")) {
				in_typedef = true;
				td_name.kind = td_last.kind = TOK_NONE;
			} else if (in_typedef && want_td_name) {
				td_name = t;
				want_td_name = false;
			} else if (in_typedef && !depth && !parens &&
				   !brackets) {
				td_last = t;
			}
		} else if (t.kind == TOK_PUNCT) {
			switch (*t.p) {
			case '{':
				if (prev.kind == TOK_IDENT &&
				    (tok_is(&prev2, "struct") ||
				     tok_is(&prev2, "union") ||
				     tok_is(&prev2, "enum")))
					cn_add(c, &c->tags, prev.p, prev.len);
				depth++;
				if (tok_is(&prev, "enum") ||
				    (prev.kind == TOK_IDENT &&
				     tok_is(&prev2, "enum"))) {
					if (!tok_is(&prev, "enum"))
						cn_add(c, &c->enum_tags,
						       prev.p, prev.len);
					enum_depth = depth;
					enum_item = true;
				}
				break;
			case '}':
				if (depth == enum_depth)
					enum_depth = -1;
				if (depth)
					depth--;
				break;
			case '(':
				parens++;
				if (in_typedef && !depth) {
					const char *q = p;

					while (q < end &&
					       isspace((unsigned char)*q))
						q++;
					/* typedef T (*name)(...) */
					if (q < end && *q == '*' &&
					    td_name.kind == TOK_NONE)
						want_td_name = true;
				}
				break;
			case ')':
				if (parens)
					parens--;
				break;
			case '[':
				brackets++;
				break;
			case ']':
				if (brackets)
					brackets--;
				break;
			case ',':
				if (depth == enum_depth && !parens)
					enum_item = true;
				break;
			case ';':
				if (in_typedef && !depth) {
					struct tok *n = td_name.kind ?
							&td_name : &td_last;

					if (n->kind == TOK_IDENT)
						cn_add(c, &c->typedefs, n->p,
						       n->len);
					in_typedef = false;
				}
				parens = brackets = 0;
				break;
			}
		}
		prev2 = prev;
		prev = t;
	}
}

/* ------------------------------------------------------------------ */
/* libbcc's force-included headers, read out of libbcc.so. */

struct bcc_headers {
	char *blob;		/* the file they were read from */
	size_t blob_len;
	const char *bpf_h;	/* its uapi bpf.h */
	size_t bpf_h_len;
	const char *helpers_h;	/* its helpers.h */
	size_t helpers_h_len;
	char source[PATH_MAX];
};

static int read_whole(const char *path, char **data, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *nb;
	int fd, err = 0;
	ssize_t r;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || n + 1 >= cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

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
		"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
		"/usr/local/lib", "/usr/local/lib64",
	};
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
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s/%s", dirs[i],
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

static int bcc_headers_load(struct bcc_headers *h)
{
	char so[PATH_MAX];
	int err;

	memset(h, 0, sizeof(*h));
	err = find_libbcc(so, sizeof(so));
	if (!err)
		err = read_whole(so, &h->blob, &h->blob_len);
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
	err = read_whole("/usr/include/linux/bpf.h", &h->blob, &h->blob_len);
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

static void bcc_headers_free(struct bcc_headers *h)
{
	free(h->blob);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------------ */
/* The kernel config, when the BTF is the running kernel's. */

static int read_kconfig(const char *release, struct sbuf *out, char *src,
			size_t srclen)
{
	char path[PATH_MAX], chunk[16384];
	gzFile gz;
	int n;

	/* gzread() passes an uncompressed file through as it is. */
	snprintf(path, sizeof(path), "/proc/config.gz");
	gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(path, sizeof(path), "/boot/config-%s", release);
		gz = gzopen(path, "rb");
	}
	if (!gz)
		return -ENOENT;
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0)
		sb_printf(out, "%.*s", n, chunk);
	gzclose(gz);
	if (n < 0 || out->err) {
		int err = out->err ? out->err : -EIO;

		sb_free(out);
		return err;
	}
	snprintf(src, srclen, "%s", path);
	return 0;
}

/* "CONFIG_X=y" lines as autoconf.h #defines. */
static void kconfig_to_defines(const char *cfg, struct sbuf *out)
{
	const char *line = cfg, *nl, *eq, *v;

	for (; line && *line; line = nl ? nl + 1 : NULL) {
		size_t nlen, vlen, i;
		bool ok = true;

		nl = strchr(line, '\n');
		vlen = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, "CONFIG_", 7))
			continue;
		eq = memchr(line, '=', vlen);
		if (!eq)
			continue;
		nlen = eq - line;
		for (i = 0; i < nlen; i++)
			ok = ok && is_ident((unsigned char)line[i]);
		v = eq + 1;
		vlen -= nlen + 1;
		if (!ok || !vlen)
			continue;
		if (vlen == 1 && *v == 'y') {
			sb_printf(out, "#define %.*s 1\n", (int)nlen, line);
		} else if (vlen == 1 && *v == 'm') {
			sb_printf(out, "#define %.*s_MODULE 1\n", (int)nlen,
				  line);
		} else {
			/* numbers, hex and C strings as Kconfig writes
			 * them; nothing else */
			if (v[0] == '"')
				ok = vlen >= 2 && v[vlen - 1] == '"';
			for (i = 0; v[0] != '"' && i < vlen; i++)
				ok = ok && (isxdigit((unsigned char)v[i]) ||
					    v[i] == 'x' || v[i] == '-');
			if (ok)
				sb_printf(out, "#define %.*s %.*s\n",
					  (int)nlen, line, (int)vlen, v);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Writing files into the tree being generated. */

static int mkdirs_at(int dirfd, const char *rel)
{
	char path[PATH_MAX], *s;

	snprintf(path, sizeof(path), "%s", rel);
	for (s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!mkdirat(dirfd, path, 0755)) {
			/* whatever the umask, like the files */
			if (fchmodat(dirfd, path, 0755, 0))
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		*s = '/';
	}
	return 0;
}

static FILE *tree_open(int dirfd, const char *rel, int *err)
{
	FILE *f;
	int fd;

	*err = mkdirs_at(dirfd, rel);
	if (*err)
		return NULL;
	fd = openat(dirfd, rel,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	/* whatever the umask: libbcc may run with another one */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	return f;
}

/* Flush, fsync (the tree must be whole once renamed), close. */
static int tree_close(FILE *f, int err)
{
	if (fflush(f) && !err)
		err = -errno;
	if (!err && fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int tree_write(int dirfd, const char *rel, const char *text,
		      size_t len)
{
	int err;
	FILE *f = tree_open(dirfd, rel, &err);

	if (!f)
		return err;
	if (len && fwrite(text, 1, len, f) != len)
		err = -EIO;
	return tree_close(f, err);
}

/* ------------------------------------------------------------------ */
/* The generator. */

struct gen {
	const char *btf_path;
	struct btf *btf;
	struct bcc_headers bcc;
	struct cnames libbcc;		/* names libbcc's headers define */
	struct nameset pre_macros;	/* macros defined before the dump */
	struct nameset wrap;		/* ... that the dump also uses */
	struct nameset km_names;	/* names in btf_kmacros.h */
	struct nameset km_enums;	/* ... that BTF has as enumerators */
	struct sbuf kconfig;		/* the kernel config, or empty */
	char kconfig_src[PATH_MAX];
	char release[65];
	unsigned renamed_types, renamed_enumerators, grown_arrays;
	int dirfd;
};

static const char *btf_name(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

static int btf_rename(struct btf *btf, __u32 id, int idx)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	__u32 off = idx < 0 ? t->name_off :
		    btf_is_enum(t) ? btf_enum(t)[idx].name_off :
				     btf_enum64(t)[idx].name_off;
	char name[256];
	int n;

	/* copy first: btf__add_str() may move the strings and the types */
	n = snprintf(name, sizeof(name), RENAME_PREFIX "%s",
		     btf_name(btf, off));
	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	n = btf__add_str(btf, name);
	if (n < 0)
		return n;
	/*
	 * libbpf has no API to rename a type. Once btf__add_str() made the
	 * BTF modifiable, its types live in memory it owns and writes
	 * itself, so changing name_off in place is what btf__add_*() do.
	 */
	t = btf__type_by_id(btf, id);
	if (idx < 0)
		((struct btf_type *)t)->name_off = n;
	else if (btf_is_enum(t))
		btf_enum(t)[idx].name_off = n;
	else
		btf_enum64(t)[idx].name_off = n;
	return 0;
}

/* Rename what libbcc's headers define, so the dump does not redefine it. */
static int rename_collisions(struct gen *g)
{
	const struct cnames *c = &g->libbcc;
	__u32 id, n = btf__type_cnt(g->btf);
	int i, vlen, err;

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const char *name = btf_name(g->btf, t->name_off);
		bool whole_enum = false;

		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FWD:
			if (!ns_has(&c->tags, name))
				continue;
			break;
		case BTF_KIND_TYPEDEF:
			if (!ns_has(&c->typedefs, name))
				continue;
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			whole_enum = ns_has(&c->enum_tags, name);
			vlen = btf_vlen(t);
			for (i = 0; i < vlen; i++) {
				t = btf__type_by_id(g->btf, id);
				name = btf_name(g->btf, btf_is_enum(t) ?
						btf_enum(t)[i].name_off :
						btf_enum64(t)[i].name_off);
				if (!whole_enum &&
				    !ns_has(&c->enumerators, name))
					continue;
				err = btf_rename(g->btf, id, i);
				if (err)
					return err;
				g->renamed_enumerators++;
			}
			t = btf__type_by_id(g->btf, id);
			name = btf_name(g->btf, t->name_off);
			if (!whole_enum && !ns_has(&c->tags, name))
				continue;
			break;
		default:
			continue;
		}
		err = btf_rename(g->btf, id, -1);
		if (err)
			return err;
		g->renamed_types++;
	}
	return 0;
}

/* @id with typedefs and modifiers (not pointers) looked through */
static __u32 btf_skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return id;
}

/*
 * libbcc (0.26, and its rewriter has not changed since) turns p->a[i],
 * when p must be read with bpf_probe_read, into a read at "(&p->a) + i":
 * a pointer to the whole array, which strides by sizeof(a) and so is right
 * only when a has one element. Kernel headers declare flexible arrays "[]",
 * and that rewrite does not compile; BTF records them with 0 elements, and
 * it compiles but always reads a[0]: pid->numbers[level].nr gave the global
 * pid at every level. So a struct's trailing 0-length array is dumped with
 * one element when no other type embeds that struct: every member keeps
 * its offset, only sizeof the struct grows by the one element.
 * (p->a[i] with i > 0 stays wrong for fixed-size arrays such as
 * task->comm: read those through a pointer, char *c = p->comm; c[i].)
 */
static int grow_flex_arrays(struct gen *g)
{
	__u32 id, n = btf__type_cnt(g->btf);
	bool *embedded = calloc(n, sizeof(*embedded));
	int i, err = 0;

	if (!embedded)
		return -ENOMEM;
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);

		if (btf_is_array(t)) {
			embedded[btf_skip_mods(g->btf,
					       btf_array(t)->type)] = true;
		} else if (btf_is_composite(t)) {
			for (i = 0; i < btf_vlen(t); i++)
				embedded[btf_skip_mods(g->btf,
						btf_members(t)[i].type)] = true;
		}
	}
	for (id = 1; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const struct btf_type *at;
		const struct btf_array *a;
		__u32 last, off, end;
		__s64 esz;
		int align, nid;

		if (!btf_is_struct(t) || !btf_vlen(t) || embedded[id])
			continue;
		last = btf_vlen(t) - 1;
		at = btf__type_by_id(g->btf, btf_members(t)[last].type);
		if (!btf_is_array(at) || btf_array(at)->nelems ||
		    btf_member_bitfield_size(t, last))
			continue;
		a = btf_array(at);
		esz = btf__resolve_size(g->btf, a->type);
		align = btf__align_of(g->btf, id);
		if (esz <= 0 || align <= 0)
			continue;
		nid = btf__add_array(g->btf, a->index_type, a->type, 1);
		if (nid < 0) {
			err = nid;
			break;
		}
		/* btf__add_array() may have moved the types */
		t = btf__type_by_id(g->btf, id);
		off = btf_member_bit_offset(t, last) / 8;
		end = (off + esz + align - 1) / align * align;
		btf_members(t)[last].type = nid;
		if (end > t->size)
			((struct btf_type *)t)->size = end;
		g->grown_arrays++;
	}
	free(embedded);
	return err;
}

/*
 * Every identifier the dump will contain (type names, enumerators, member
 * names): which macros defined before the dump would mangle it, and which
 * kmacros BTF already has as enumerators.
 */
static int check_identifiers(struct gen *g)
{
	__u32 id, n = btf__type_cnt(g->btf);
	int i, vlen, err = 0;

	ns_sort(&g->pre_macros);
	ns_sort(&g->km_names);
	for (id = 1; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(g->btf, id);
		const char *name;

		vlen = btf_vlen(t);
		switch (btf_kind(t)) {
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			for (i = 0; i < vlen && !err; i++) {
				name = btf_name(g->btf, btf_is_enum(t) ?
						btf_enum(t)[i].name_off :
						btf_enum64(t)[i].name_off);
				if (ns_has(&g->pre_macros, name))
					err = ns_add(&g->wrap, name,
						     strlen(name));
				if (!err && ns_has(&g->km_names, name))
					err = ns_add(&g->km_enums, name,
						     strlen(name));
			}
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (i = 0; i < vlen && !err; i++) {
				name = btf_name(g->btf,
						btf_members(t)[i].name_off);
				if (ns_has(&g->pre_macros, name))
					err = ns_add(&g->wrap, name,
						     strlen(name));
			}
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_FWD:
			break;
		default:
			continue;
		}
		name = btf_name(g->btf, t->name_off);
		if (!err && ns_has(&g->pre_macros, name))
			err = ns_add(&g->wrap, name, strlen(name));
	}
	ns_sort(&g->wrap);
	ns_sort(&g->km_enums);
	return err;
}

/* Length of array member "type.member" (alternatives split by '|'). */
static long btf_array_len(const struct btf *btf, const char *spec)
{
	char buf[256], *alt, *save = NULL, *dot;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (alt = strtok_r(buf, "|", &save); alt;
	     alt = strtok_r(NULL, "|", &save)) {
		static const int kinds[] = { BTF_KIND_STRUCT, BTF_KIND_UNION };
		size_t k;

		dot = strchr(alt, '.');
		if (!dot)
			continue;
		*dot = '\0';
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			__s32 id = btf__find_by_name_kind(btf, alt, kinds[k]);
			const struct btf_type *t;
			int i;

			if (id <= 0)
				continue;
			t = btf__type_by_id(btf, id);
			for (i = 0; i < btf_vlen(t); i++) {
				const struct btf_member *m = btf_members(t) + i;
				const struct btf_type *mt;

				if (strcmp(btf_name(btf, m->name_off), dot + 1))
					continue;
				mt = btf__type_by_id(btf, m->type);
				while (mt && (btf_is_typedef(mt) ||
					      btf_is_mod(mt)))
					mt = btf__type_by_id(btf, mt->type);
				if (mt && btf_is_array(mt))
					return btf_array(mt)->nelems;
			}
		}
	}
	return -1;
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	FILE *f = ctx;

	vfprintf(f, fmt, ap);	/* ferror() is checked when closing */
}

static int write_dump(struct gen *g)
{
	struct btf_dump *d;
	__u32 id, n = btf__type_cnt(g->btf);
	int err = 0;
	FILE *f;

	f = tree_open(g->dirfd, "include/bpfrun/vmlinux_types.h", &err);
	if (!f)
		return err;
	fprintf(f, "/* Generated by bpfrun from %s by libbpf's btf_dump; the types\n"
		   " * libbcc's own bpf.h defines are renamed " RENAME_PREFIX "NAME.\n"
		   " * Include <bpfrun/vmlinux.h>, not this. */\n"
		   "#ifndef __BPFRUN_VMLINUX_TYPES_H__\n"
		   "#define __BPFRUN_VMLINUX_TYPES_H__\n\n",
		g->btf_path);
	d = btf_dump__new(g->btf, dump_printf, f, NULL);
	if (!d) {
		err = -errno;
		pr_err("btf_dump__new: %s\n", strerror(errno));
		return tree_close(f, err);
	}
	for (id = 1; id < n && !err; id++)
		err = btf_dump__dump_type(d, id);
	btf_dump__free(d);
	if (err)
		pr_err("cannot dump type %u of %s as C: %s\n", id - 1,
		       g->btf_path, strerror(-err));
	fprintf(f, "\n#endif\n");
	if (!err && ferror(f))
		err = -EIO;
	return tree_close(f, err);
}

static int write_vmlinux_h(struct gen *g)
{
	struct sbuf b = { 0 };
	size_t i;
	int err;

	sb_printf(&b, "/* Generated by bpfrun: every kernel header of this tree leads here. */\n"
		      "#ifndef __BPFRUN_VMLINUX_H__\n"
		      "#define __BPFRUN_VMLINUX_H__\n"
		      "/* what bpftool's vmlinux.h defines: all kernel types are here */\n"
		      "#define __VMLINUX_H__\n\n"
		      "/* Macros defined before this point that the kernel's BTF\n"
		      " * uses as identifiers: hidden while its types are read. */\n");
	for (i = 0; i < g->wrap.n; i++)
		sb_printf(&b, "#pragma push_macro(\"%s\")\n#undef %s\n",
			  g->wrap.v[i], g->wrap.v[i]);
	sb_printf(&b, "\n#include <bpfrun/vmlinux_types.h>\n\n");
	for (i = g->wrap.n; i-- > 0;)
		sb_printf(&b, "#pragma pop_macro(\"%s\")\n", g->wrap.v[i]);
	sb_printf(&b, "\n#include <bpfrun/kmacros.h>\n\n#endif\n");
	err = b.err ? b.err : tree_write(g->dirfd, "include/bpfrun/vmlinux.h",
					 b.s, b.len);
	sb_free(&b);
	return err;
}

static int write_kmacros(struct gen *g)
{
	static const char *const req_skip[] = { "NR_BITS" };
	struct sbuf b = { 0 };
	const struct btf_type *t;
	__s32 id;
	size_t i;
	int err, j;

	sb_printf(&b, "/* Generated by bpfrun: kernel macros BTF does not carry\n"
		      " * (x86_64 values). Names this kernel has as enumerators\n"
		      " * are left to the enumerators. */\n"
		      "#ifndef __BPFRUN_KMACROS_H__\n"
		      "#define __BPFRUN_KMACROS_H__\n\n");
	for (i = 0; i < ARRAY_SIZE(kmacros); i++) {
		const struct kmacro *m = &kmacros[i];
		size_t nlen = strcspn(m->name, "(");
		char name[128];
		long alen = -1;

		snprintf(name, sizeof(name), "%.*s", (int)nlen, m->name);
		if (ns_has(&g->km_enums, name)) {
			sb_printf(&b, "/* %s: an enumerator of this kernel */\n",
				  name);
			continue;
		}
		if (m->btf)
			alen = btf_array_len(g->btf, m->btf);
		sb_printf(&b, "#if !defined(%s)%s%s%s\n", name,
			  m->cond ? " && (" : "", m->cond ? m->cond : "",
			  m->cond ? ")" : "");
		if (alen >= 0)
			sb_printf(&b, "#define %s %ld\n", m->name, alen);
		else
			sb_printf(&b, "#define %s%s%s\n", m->name,
				  *m->value ? " " : "", m->value);
		sb_printf(&b, "#endif\n");
	}

	/* REQ_* block request flags: one bit per enum req_flag_bits entry. */
	id = btf__find_by_name_kind(g->btf, "req_flag_bits", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(g->btf, id) : NULL;
	for (j = 0; t && j < btf_vlen(t); j++) {
		const char *e = btf_name(g->btf, btf_enum(t)[j].name_off);
		bool skip = strncmp(e, "__REQ_", 6) != 0;
		size_t k;

		for (k = 0; k < ARRAY_SIZE(req_skip) && !skip; k++)
			skip = !strcmp(e + 6, req_skip[k]);
		if (!skip)
			sb_printf(&b, "#ifndef REQ_%s\n#define REQ_%s (1ULL << %s)\n#endif\n",
				  e + 6, e + 6, e);
	}
	sb_printf(&b, "\n#endif\n");
	err = b.err ? b.err : tree_write(g->dirfd, "include/bpfrun/kmacros.h",
					 b.s, b.len);
	sb_free(&b);
	return err;
}

/*
 * Typedefs the kernel's linux/types.h gives before any other header:
 * libbcc's bpf.h and helpers.h use some, the tracepoint structs libbcc
 * writes into the program use others (dev_t, sector_t, umode_t), also in
 * programs that include no kernel header (bcc's biopattern). Each comes
 * from the BTF, with the typedefs it rests on, when the BTF has it as a
 * typedef of a plain integer; the dump repeats them later, which C11
 * allows for identical typedefs (one of a struct could not be repeated).
 * The fallbacks are the int-ll64 types of every 64-bit architecture.
 */
static const struct {
	const char *name;
	const char *fallback;	/* NULL: only if the BTF has it */
} ktypedefs[] = {
	{ "__s8", "signed char" }, { "__u8", "unsigned char" },
	{ "__s16", "short" }, { "__u16", "unsigned short" },
	{ "__s32", "int" }, { "__u32", "unsigned int" },
	{ "__s64", "long long" }, { "__u64", "unsigned long long" },
	{ "s8", "__s8" }, { "u8", "__u8" }, { "s16", "__s16" },
	{ "u16", "__u16" }, { "s32", "__s32" }, { "u32", "__u32" },
	{ "s64", "__s64" }, { "u64", "__u64" },
	{ "__le16", "__u16" }, { "__be16", "__u16" }, { "__le32", "__u32" },
	{ "__be32", "__u32" }, { "__le64", "__u64" }, { "__be64", "__u64" },
	{ "__sum16", "__u16" }, { "__wsum", "__u32" },
	{ "bool", "_Bool" }, { "size_t", "unsigned long" },
	{ "ssize_t", "long" }, { "uintptr_t", "unsigned long" },
	{ "ptrdiff_t", NULL },
	{ "int8_t", NULL }, { "uint8_t", NULL }, { "int16_t", NULL },
	{ "uint16_t", NULL }, { "int32_t", NULL }, { "uint32_t", NULL },
	{ "int64_t", NULL }, { "uint64_t", NULL }, { "u_int8_t", NULL },
	{ "u_int16_t", NULL }, { "u_int32_t", NULL }, { "u_int64_t", NULL },
	{ "dev_t", NULL }, { "ino_t", NULL }, { "mode_t", NULL },
	{ "umode_t", NULL }, { "nlink_t", NULL }, { "off_t", NULL },
	{ "loff_t", NULL }, { "pid_t", NULL }, { "uid_t", NULL },
	{ "gid_t", NULL }, { "time_t", NULL }, { "time64_t", NULL },
	{ "ktime_t", NULL }, { "clockid_t", NULL }, { "sector_t", NULL },
	{ "blkcnt_t", NULL }, { "gfp_t", NULL }, { "fmode_t", NULL },
	{ "slab_flags_t", NULL }, { "dma_addr_t", NULL },
	{ "phys_addr_t", NULL }, { "resource_size_t", NULL },
	{ "blk_opf_t", NULL }, { "blk_status_t", NULL },
};

static void sb_dump_printf(void *ctx, const char *fmt, va_list ap)
{
	sb_vprintf(ctx, fmt, ap);
}

static int write_types_h(struct gen *g, struct sbuf *b)
{
	struct btf_dump *d;
	size_t i;
	int err = 0;

	sb_printf(b, "/* Generated by bpfrun from the kernel's BTF. */\n"
		  "#ifndef _LINUX_TYPES_H\n#define _LINUX_TYPES_H\n");
	d = btf_dump__new(g->btf, sb_dump_printf, b, NULL);
	if (!d)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(ktypedefs) && !err; i++) {
		__s32 id = btf__find_by_name_kind(g->btf, ktypedefs[i].name,
						  BTF_KIND_TYPEDEF);
		const struct btf_type *t = NULL;

		if (id > 0)
			t = btf__type_by_id(g->btf,
					    btf_skip_mods(g->btf, id));
		if (t && btf_is_int(t))
			err = btf_dump__dump_type(d, id);
		else if (ktypedefs[i].fallback)
			sb_printf(b, "typedef %s %s;\n", ktypedefs[i].fallback,
				  ktypedefs[i].name);
	}
	btf_dump__free(d);
	sb_printf(b, "#define __aligned_u64 __u64 __attribute__((aligned(8)))\n"
		  "#define __aligned_be64 __be64 __attribute__((aligned(8)))\n"
		  "#define __aligned_le64 __le64 __attribute__((aligned(8)))\n"
		  "#endif\n");
	return err ? err : b->err;
}

/*
 * The headers libbcc's helpers.h includes before any kernel header, and
 * kconfig.h, which libbcc force-includes first of all. They must not lead
 * to the dump (a program that includes nothing would pay for it), and
 * their macros are scanned: those the dump uses are hidden around it.
 */
static int pre_headers(struct gen *g, struct sbuf *out, const char **rel,
		       size_t n)
{
	unsigned major = 0, minor = 0, patch = 0;
	struct cnames c = { 0 };
	size_t i;
	int err = 0;

	/* kconfig.h */
	sb_printf(&out[0], "/* Generated by bpfrun. */\n"
		  "#ifndef __LINUX_KCONFIG_H\n#define __LINUX_KCONFIG_H\n"
		  "#include <generated/autoconf.h>\n"
		  "#define __bpfrun_take2(a, b, ...) b\n"
		  "#define __bpfrun_arg_1 0,\n"
		  "#define __bpfrun_set3(junk) __bpfrun_take2(junk 1, 0, 0)\n"
		  "#define __bpfrun_set2(v) __bpfrun_set3(__bpfrun_arg_##v)\n"
		  "#define __bpfrun_set(v) __bpfrun_set2(v)\n"
		  "#define IS_BUILTIN(option) __bpfrun_set(option)\n"
		  "#define IS_MODULE(option) __bpfrun_set(option##_MODULE)\n"
		  "#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))\n"
		  "/* Programs may test it, to leave out their own copies of\n"
		  " * kernel-private structs: this tree has every type. */\n"
		  "#define BPFRUN_BTF_TREE 1\n"
		  "#endif\n");
	rel[0] = "include/linux/kconfig.h";

	/* generated/autoconf.h */
	sb_printf(&out[1], "/* Generated by bpfrun from %s. */\n",
		  g->kconfig.len ? g->kconfig_src : "the kernel's BTF");
	if (g->kconfig.len) {
		kconfig_to_defines(g->kconfig.s, &out[1]);
	} else {
		/* x86_64: syscalls go through wrappers taking pt_regs. */
		if (btf__find_by_name_kind(g->btf, "__x64_sys_read",
					   BTF_KIND_FUNC) > 0)
			sb_printf(&out[1], "#define CONFIG_ARCH_HAS_SYSCALL_WRAPPER 1\n");
		sb_printf(&out[1], "#ifdef __x86_64__\n#define CONFIG_X86_64 1\n"
			  "#define CONFIG_64BIT 1\n#endif\n");
	}
	/* libbcc's helpers.h refuses to build without it; kernels with BTF
	 * in sysfs have it. */
	sb_printf(&out[1], "#ifndef CONFIG_BPF_SYSCALL\n#define CONFIG_BPF_SYSCALL 1\n#endif\n");
	rel[1] = "include/generated/autoconf.h";

	/* linux/types.h */
	err = write_types_h(g, &out[2]);
	if (err)
		return err;
	rel[2] = "include/linux/types.h";

	/* linux/version.h, from the running kernel's release */
	sscanf(g->release, "%u.%u.%u", &major, &minor, &patch);
	sb_printf(&out[3], "/* Generated by bpfrun for %s. */\n"
		  "#define LINUX_VERSION_CODE %u\n"
		  "#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n"
		  "#define LINUX_VERSION_MAJOR %u\n"
		  "#define LINUX_VERSION_PATCHLEVEL %u\n"
		  "#define LINUX_VERSION_SUBLEVEL %u\n",
		  g->release, (major << 16) + (minor << 8) +
		  (patch > 255 ? 255 : patch), major, minor, patch);
	rel[3] = "include/linux/version.h";

	/* asm/page.h: CONFIG_PAGE_SHIFT exists since 6.7; x86_64 pages are
	 * 4 KiB otherwise. */
	sb_printf(&out[4], "/* Generated by bpfrun. */\n"
		  "#ifndef PAGE_SHIFT\n#ifdef CONFIG_PAGE_SHIFT\n"
		  "#define PAGE_SHIFT CONFIG_PAGE_SHIFT\n#else\n"
		  "#define PAGE_SHIFT 12\n#endif\n"
		  "#define PAGE_SIZE (1UL << PAGE_SHIFT)\n"
		  "#define PAGE_MASK (~(PAGE_SIZE - 1))\n#endif\n");
	rel[4] = "include/asm/page.h";

	/* linux/log2.h: helpers.h sizes stack maps with roundup_pow_of_two */
	sb_printf(&out[5], "/* Generated by bpfrun. */\n"
		  "#ifndef _LINUX_LOG2_H\n#define _LINUX_LOG2_H\n"
		  "#define ilog2(n) ((n) ? 63 - __builtin_clzll(n) : -1)\n"
		  "#define is_power_of_2(n) ((n) != 0 && ((n) & ((n) - 1)) == 0)\n"
		  "#define roundup_pow_of_two(n) ((n) <= 1 ? 1UL : 1UL << (64 - __builtin_clzll((unsigned long long)(n) - 1)))\n"
		  "#define rounddown_pow_of_two(n) (1UL << ilog2(n))\n"
		  "#endif\n");
	rel[5] = "include/linux/log2.h";

	/* Already in libbcc's force-included bpf.h: these stay empty. */
	sb_printf(&out[6], "/* Empty: libbcc force-includes its own copy. */\n");
	rel[6] = "include/uapi/linux/bpf.h";
	sb_printf(&out[7], "/* Empty: libbcc's bpf.h needs nothing from it. */\n");
	rel[7] = "include/linux/bpf_common.h";
	sb_printf(&out[8], "/* Empty: helpers.h includes it, programs rarely need it. */\n");
	rel[8] = "include/uapi/linux/if_packet.h";

	for (i = 0; i < n; i++) {
		if (out[i].err)
			return out[i].err;
		scan_c(&c, out[i].s, out[i].len);
	}
	for (i = 0; i < c.macros.n && !err; i++)
		err = ns_add(&g->pre_macros, c.macros.v[i],
			     strlen(c.macros.v[i]));
	if (!err)
		err = c.err;
	cnames_free(&c);
	return err;
}

/* Kernel headers programs include; each leads to the dump. */
static const char *const kernel_headers[] = {
	"asm/current.h", "asm/errno.h", "asm/processor.h", "asm/ptrace.h",
	"linux/aio.h", "linux/audit.h", "linux/binfmts.h",
	"linux/bio.h", "linux/blk-mq.h", "linux/blk_types.h", "linux/blkdev.h",
	"linux/bpf.h", "linux/btf.h", "linux/buffer_head.h",
	"linux/capability.h", "linux/cgroup-defs.h", "linux/cgroup.h",
	"linux/compaction.h", "linux/compiler.h", "linux/cpumask.h",
	"linux/cred.h", "linux/dcache.h", "linux/delay.h", "linux/elf.h",
	"linux/errno.h", "linux/etherdevice.h", "linux/ethtool.h",
	"linux/fcntl.h", "linux/fdtable.h", "linux/file.h", "linux/filter.h",
	"linux/fs.h", "linux/fs_struct.h", "linux/fsnotify.h",
	"linux/ftrace.h", "linux/genhd.h", "linux/gfp.h", "linux/hrtimer.h",
	"linux/icmp.h", "linux/icmpv6.h", "linux/if_ether.h",
	"linux/if_packet.h", "linux/if_vlan.h", "linux/in.h", "linux/in6.h",
	"linux/inet.h", "linux/init.h", "linux/init_task.h",
	"linux/interrupt.h", "linux/ip.h", "linux/ipv6.h", "linux/irq.h",
	"linux/irqdesc.h", "linux/kasan.h", "linux/kdev_t.h", "linux/kernel.h",
	"linux/kprobes.h", "linux/kthread.h", "linux/ktime.h",
	"linux/limits.h", "linux/list.h", "linux/magic.h",
	"linux/memcontrol.h", "linux/mm.h", "linux/mm_types.h", "linux/mman.h",
	"linux/mmzone.h", "linux/module.h", "linux/mount.h", "linux/mutex.h",
	"linux/namei.h", "linux/net.h", "linux/netdevice.h",
	"linux/netfilter.h", "linux/netlink.h", "linux/nfs_fs.h",
	"linux/ns_common.h", "linux/nsproxy.h", "linux/oom.h",
	"linux/pagemap.h", "linux/path.h", "linux/percpu.h",
	"linux/perf_event.h", "linux/pid.h", "linux/pid_namespace.h",
	"linux/pipe_fs_i.h", "linux/proc_fs.h", "linux/ptrace.h",
	"linux/random.h", "linux/rcupdate.h", "linux/rwsem.h", "linux/sched.h",
	"linux/sched/mm.h", "linux/sched/signal.h", "linux/sched/task.h",
	"linux/security.h", "linux/seq_file.h", "linux/signal.h",
	"linux/skbuff.h", "linux/slab.h", "linux/slab_def.h",
	"linux/slub_def.h", "linux/socket.h", "linux/spinlock.h",
	"linux/stat.h", "linux/stddef.h", "linux/string.h", "linux/swap.h",
	"linux/tcp.h", "linux/time.h", "linux/time64.h", "linux/timer.h",
	"linux/topology.h", "linux/tracepoint.h", "linux/tty.h",
	"linux/uaccess.h", "linux/udp.h", "linux/uidgid.h", "linux/uio.h",
	"linux/un.h", "linux/user_namespace.h", "linux/utsname.h",
	"linux/virtio.h", "linux/wait.h", "linux/workqueue.h",
	"linux/writeback.h", "net/af_unix.h", "net/dst.h", "net/flow.h",
	"net/inet_connection_sock.h", "net/inet_hashtables.h",
	"net/inet_sock.h", "net/inet_timewait_sock.h", "net/ip.h",
	"net/ipv6.h", "net/net_namespace.h", "net/request_sock.h",
	"net/route.h", "net/sch_generic.h", "net/sock.h", "net/tcp.h",
	"net/tcp_states.h", "net/udp.h", "uapi/linux/bpf_perf_event.h",
	"uapi/linux/fcntl.h", "uapi/linux/fs.h", "uapi/linux/icmp.h",
	"uapi/linux/if_ether.h", "uapi/linux/in.h", "uapi/linux/in6.h",
	"uapi/linux/ip.h", "uapi/linux/ipv6.h", "uapi/linux/limits.h",
	"uapi/linux/mman.h", "uapi/linux/openat2.h", "uapi/linux/perf_event.h",
	"uapi/linux/pkt_cls.h", "uapi/linux/ptrace.h", "uapi/linux/sched.h",
	"uapi/linux/socket.h", "uapi/linux/stat.h", "uapi/linux/tcp.h",
	"uapi/linux/time.h", "uapi/linux/udp.h", "uapi/linux/un.h",
	"uapi/linux/utsname.h",
};

/*
 * BTF has no macros, so no __NR_* numbers: take them from the C library's
 * copy of the uapi header. Syscall numbers are ABI and never change; a
 * syscall newer than that header is simply missing.
 */
#define UNISTD_64 "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

static int write_unistd(struct gen *g, const char *head)
{
	char *text = NULL, *line = NULL;
	size_t len = 0, cap = 0;
	FILE *m, *in;
	int err;

	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	fputs(head, m);
	in = fopen(UNISTD_64, "re");
	if (in) {
		fputs("/* syscall numbers, from " UNISTD_64 " */\n", m);
		while (getline(&line, &cap, in) > 0)
			if (!strncmp(line, "#define __NR_", 13))
				fputs(line, m);
		fclose(in);
	}
	free(line);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	err = tree_write(g->dirfd, "include/asm/unistd.h", text, len);
	free(text);
	return err;
}

static int write_headers(struct gen *g)
{
	static const char text[] =
		"/* Generated by bpfrun: the running kernel's types, from BTF. */\n"
		"#include <bpfrun/vmlinux.h>\n";
	char rel[PATH_MAX];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(kernel_headers) && !err; i++) {
		snprintf(rel, sizeof(rel), "include/%s", kernel_headers[i]);
		err = tree_write(g->dirfd, rel, text, sizeof(text) - 1);
	}
	return err ? err : write_unistd(g, text);
}

static int write_stamp(struct gen *g, const char *key)
{
	struct sbuf b = { 0 };
	int err;

	/* The first line is what btf_tree_get() checks before trusting. */
	sb_printf(&b, "key %s\n"
		  "format %d\n"
		  "btf %s\n"
		  "release %s\n"
		  "libbcc-headers %s\n"
		  "kconfig %s\n"
		  "renamed-types %u\n"
		  "renamed-enumerators %u\n"
		  "hidden-macros %zu\n"
		  "one-element-flexible-arrays %u\n"
		  "x86_64 only: pt_regs, kmacros values\n",
		  key, FORMAT_VERSION, g->btf_path, g->release,
		  g->bcc.source, g->kconfig.len ? g->kconfig_src : "none",
		  g->renamed_types, g->renamed_enumerators, g->wrap.n,
		  g->grown_arrays);
	err = b.err ? b.err : tree_write(g->dirfd, STAMP_NAME, b.s, b.len);
	sb_free(&b);
	return err;
}

static int generate(struct gen *g, const char *key)
{
	struct sbuf pre[9] = { 0 };
	const char *rel[ARRAY_SIZE(pre)];
	size_t i;
	int err;

	/* What libbcc's force-included headers define */
	scan_c(&g->libbcc, g->bcc.bpf_h, g->bcc.bpf_h_len);
	if (g->bcc.helpers_h)
		scan_c(&g->libbcc, g->bcc.helpers_h, g->bcc.helpers_h_len);
	err = g->libbcc.err;
	if (err)
		goto out;
	cnames_sort(&g->libbcc);
	if (!g->libbcc.tags.n) {
		pr_err("found no types in libbcc's bpf.h (%s): cannot tell what to rename\n",
		       g->bcc.source);
		err = -EINVAL;
		goto out;
	}

	err = pre_headers(g, pre, rel, ARRAY_SIZE(pre));
	if (err)
		goto out;
	/* Macros libbcc defines before the program: its headers, and the
	 * command line (loader.cc, kbuild_helper.cc). */
	for (i = 0; i < g->libbcc.macros.n && !err; i++)
		err = ns_add(&g->pre_macros, g->libbcc.macros.v[i],
			     strlen(g->libbcc.macros.v[i]));
	if (!err)
		err = ns_add(&g->pre_macros, "__KERNEL__", 10);
	if (!err)
		err = ns_add(&g->pre_macros, "__BPF_TRACING__", 15);
	if (!err)
		err = ns_add(&g->pre_macros, "KBUILD_MODNAME", 14);
	for (i = 0; i < ARRAY_SIZE(kmacros) && !err; i++)
		err = ns_add(&g->km_names, kmacros[i].name,
			     strcspn(kmacros[i].name, "("));
	if (err)
		goto out;

	err = rename_collisions(g);
	if (err) {
		pr_err("cannot rename types in the BTF of %s: %s\n",
		       g->btf_path, strerror(-err));
		goto out;
	}
	err = grow_flex_arrays(g);
	if (!err)
		err = check_identifiers(g);
	if (err)
		goto out;

	for (i = 0; i < ARRAY_SIZE(pre) && !err; i++)
		err = tree_write(g->dirfd, rel[i], pre[i].s, pre[i].len);
	if (!err)
		err = write_dump(g);
	if (!err)
		err = write_vmlinux_h(g);
	if (!err)
		err = write_kmacros(g);
	if (!err)
		err = write_headers(g);
	/* last: a tree without its stamp is never trusted */
	if (!err)
		err = write_stamp(g, key);
out:
	for (i = 0; i < ARRAY_SIZE(pre); i++)
		sb_free(&pre[i]);
	return err;
}

/* ------------------------------------------------------------------ */
/* The cache. */

/* 1: @dir is a tree whose stamp carries @key; 0: it is not. */
static int tree_valid(const char *dir, const char *key)
{
	char path[PATH_MAX], line[128];
	struct stat st;
	FILE *f;
	int ok;

	if (lstat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, STAMP_NAME);
	f = fopen(path, "re");
	if (!f)
		return 0;
	ok = fgets(line, sizeof(line), f) && !strncmp(line, "key ", 4) &&
	     !strncmp(line + 4, key, 64) && line[68] == '\n';
	fclose(f);
	return ok;
}

/*
 * Keying a tree hashes the BTF, libbcc's headers and the kernel config:
 * ~25 ms and ~12 MiB on every run. The running kernel's BTF cannot change
 * within a boot, so the answer is kept per boot id, with libbcc's file
 * identity (a new libbcc is a new key), and checked against the stamp.
 */
static int memo_path(const char *root, char *buf, size_t len)
{
	char id[64];
	int err = boot_id(id, sizeof(id));

	if (err)
		return err;
	return snprintf(buf, len, "%s/boot-%s", root, id) >= (int)len ?
		       -ENAMETOOLONG : 0;
}

static int memo_read(const char *root, char *tree, size_t len)
{
	char p[PATH_MAX], lib[96], want[96], key[65], dir[PATH_MAX];
	FILE *f;
	int fd, ok;

	if (memo_path(root, p, sizeof(p)))
		return -ENOENT;
	fd = open_trusted(p, O_RDONLY);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ok = fscanf(f, "libbcc %95[0-9 ]\nkey %64s\ntree %4095s\n", lib, key,
		    dir) == 3;
	fclose(f);
	file_identity(LIBBCC_SONAME, want, sizeof(want));
	if (!ok || strcmp(lib, want) || strlen(key) != 64 ||
	    strncmp(dir, root, strlen(root)) || !tree_valid(dir, key) ||
	    (size_t)snprintf(tree, len, "%s", dir) >= len)
		return -ESTALE;
	return 0;
}

static void memo_write(const char *root, const char *tree, const char *key)
{
	char p[PATH_MAX], tmp[PATH_MAX + 16], lib[96];
	FILE *f;

	if (memo_path(root, p, sizeof(p)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", p, (int)getpid());
	f = fopen(tmp, "wx");
	if (!f)
		return;
	file_identity(LIBBCC_SONAME, lib, sizeof(lib));
	fprintf(f, "libbcc %s\nkey %s\ntree %s\n", lib, key, tree);
	if (fclose(f) || rename(tmp, p))
		unlink(tmp);
}

/* Was the tree in @dir made from the running kernel's BTF? */
static bool from_running_btf(const char *dir)
{
	char path[PATH_MAX], line[PATH_MAX];
	bool yes = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, STAMP_NAME);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strcmp(line, "btf " DEFAULT_BTF "\n");
	fclose(f);
	return yes;
}

/*
 * A new tree of the running kernel replaces the older ones made from the
 * same BTF file for that release (an older generator or libbcc): they
 * would never be used again. Trees of other BTF files are left alone.
 */
static void remove_superseded(const char *root, const char *name,
			      size_t prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, name, prefix) ||
		    !strcmp(de->d_name, name) ||
		    strlen(de->d_name) != strlen(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (from_running_btf(path))
			rm_tree(path);
	}
	closedir(d);
}

/* Remove what interrupted runs left behind. */
static void remove_stale_tmp(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (!lstat(path, &st) && time(NULL) - st.st_mtime > TMP_MAX_AGE)
			rm_tree(path);
	}
	closedir(d);
}

static bool is_running_kernel_btf(const char *path)
{
	struct stat a, b;

	return !stat(path, &a) && !stat(DEFAULT_BTF, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int load_btf(const char *path, char *data, size_t size,
		    struct btf **out)
{
	struct btf *btf;

	/*
	 * Parse the very bytes we hashed, so that the key describes the
	 * tree even if the file changes meanwhile. ELF files (a vmlinux
	 * with .BTF) go through btf__parse().
	 */
	if (size >= 4 && !memcmp(data, "\177ELF", 4))
		btf = btf__parse(path, NULL);
	else
		btf = btf__new(data, size);
	if (!btf) {
		int err = errno ? -errno : -EINVAL;

		pr_err("%s is not BTF that libbpf can read: %s\n", path,
		       strerror(-err));
		return err;
	}
	*out = btf;
	return 0;
}

int btf_tree_get(const char *btf_path, char *buf, size_t len)
{
	struct gen g = { .dirfd = -1 };
	char root[PATH_MAX], final[PATH_MAX], tmp[PATH_MAX], key[65];
	char *data = NULL, name[128];
	struct sha256 sha;
	struct utsname un;
	size_t size, i;
	int err, n, running;

	tmp[0] = '\0';
	g.btf_path = btf_path ? btf_path : DEFAULT_BTF;
	if (!buf || !len)
		return -EINVAL;
	running = !strcmp(g.btf_path, DEFAULT_BTF);
	if (running && !cache_dir("btf", root, sizeof(root)) &&
	    !memo_read(root, buf, len))
		return 0;

	err = read_whole(g.btf_path, &data, &size);
	if (err) {
		if (err == -ENOENT && !btf_path)
			pr_err("%s does not exist: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), so no header tree can be made from it; install the headers of the running kernel instead\n",
			       g.btf_path);
		else
			pr_err("cannot read kernel BTF %s: %s\n", g.btf_path,
			       strerror(-err));
		goto out;
	}
	uname(&un);
	snprintf(g.release, sizeof(g.release), "%s", un.release);
	err = bcc_headers_load(&g.bcc);
	if (err)
		goto out;
	/* The config is the running kernel's: use it only with its BTF. */
	if (is_running_kernel_btf(g.btf_path))
		read_kconfig(g.release, &g.kconfig, g.kconfig_src,
			     sizeof(g.kconfig_src));

	sha256_init(&sha);
	n = FORMAT_VERSION;
	key_add(&sha, "format", &n, sizeof(n));
	key_add(&sha, "release", g.release, strlen(g.release));
	key_add(&sha, "libbcc bpf.h", g.bcc.bpf_h, g.bcc.bpf_h_len);
	key_add(&sha, "libbcc helpers.h", g.bcc.helpers_h ? g.bcc.helpers_h : "",
		g.bcc.helpers_h_len);
	key_add(&sha, "kconfig", g.kconfig.s ? g.kconfig.s : "", g.kconfig.len);
	key_add(&sha, "btf", data, size);
	sha256_hex(&sha, key);

	err = cache_dir("btf", root, sizeof(root));
	if (err) {
		/* cache_dir() said why */
		goto out;
	}
	/* "<release>-<64 bits of the key>": readable, and unique enough
	 * since the stamp must carry the whole key. */
	for (i = 0; i < sizeof(name) - 20 && g.release[i]; i++)
		name[i] = isalnum((unsigned char)g.release[i]) ||
			  strchr("._+-", g.release[i]) ? g.release[i] : '_';
	snprintf(name + i, sizeof(name) - i, "-%.16s", key);
	n = snprintf(final, sizeof(final), "%s/%s", root, name);
	if (n < 0 || (size_t)n >= sizeof(final) || (size_t)n >= len) {
		pr_err("cache path %s/%s is too long\n", root, name);
		err = -ENAMETOOLONG;
		goto out;
	}
	if (tree_valid(final, key))
		goto done;

	/* Not there, or not ours: generate. */
	remove_stale_tmp(root);
	if (!access(final, F_OK) && rm_tree(final)) {
		/* unless another run just put a good one there */
		if (tree_valid(final, key))
			goto done;
		pr_err("cannot remove %s, a header tree without a valid stamp: remove it by hand\n",
		       final);
		err = -EIO;
		goto out;
	}
	err = load_btf(g.btf_path, data, size, &g.btf);
	if (err)
		goto out;
	n = snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%s.XXXXXX", root,
		     name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || !mkdtemp(tmp)) {
		if (n >= 0 && (size_t)n >= sizeof(tmp))
			errno = ENAMETOOLONG;
		err = -errno;
		pr_err("cannot create a directory in %s: %s\n", root,
		       strerror(-err));
		tmp[0] = '\0';
		goto out;
	}
	g.dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g.dirfd < 0) {
		err = -errno;
		goto out;
	}
	err = generate(&g, key);
	if (err) {
		if (err != -EINVAL)
			pr_err("cannot write the BTF header tree in %s: %s\n",
			       tmp, strerror(-err));
		goto out;
	}
	if (fchmod(g.dirfd, 0755) || fsync(g.dirfd)) {
		err = -errno;
		goto out;
	}
	if (rename(tmp, final)) {
		err = -errno;
		/* Another run got there first: fine if its tree is whole. */
		if ((err == -EEXIST || err == -ENOTEMPTY) &&
		    tree_valid(final, key)) {
			err = 0;
			goto done;
		}
		pr_err("cannot rename %s to %s: %s\n", tmp, final,
		       strerror(-err));
		goto out;
	}
	tmp[0] = '\0';
	/* "<release>-" then 16 hex digits */
	if (running)
		remove_superseded(root, name, strlen(name) - 16);
done:
	snprintf(buf, len, "%s", final);
	if (running)
		memo_write(root, final, key);
	err = 0;
out:
	if (tmp[0])
		rm_tree(tmp);
	if (g.dirfd >= 0)
		close(g.dirfd);
	btf__free(g.btf);
	bcc_headers_free(&g.bcc);
	cnames_free(&g.libbcc);
	ns_free(&g.pre_macros);
	ns_free(&g.wrap);
	ns_free(&g.km_names);
	ns_free(&g.km_enums);
	sb_free(&g.kconfig);
	free(data);
	return err;
}
