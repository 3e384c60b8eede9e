// SPDX-License-Identifier: Apache-2.0
/*
 * The program's own types in its BTF. The compiler writes BTF for the
 * types of maps, globals and function arguments, never for local
 * variables: the struct a program fills and perf_submit()s, and the
 * structs and enums inside it, would be missing, and the runner decodes
 * events by BTF (decode_btf.c). The compile therefore appends to the
 * source a pointer to each struct, union and enum that the file and the
 * local headers it includes define. Pointers, because a tag defined only
 * in a disabled #if branch or inside a function then names an incomplete
 * type rather than failing the compile; in a section libbcc neither loads
 * nor makes a map of, so nothing of them reaches the kernel. The line
 * numbers of clang's messages are the file's: the text only grows at its
 * end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "cscan.h"

/* more than any program defines; the rest are left out */
#define MAX_ANCHORS 1024

static void scan_file(struct cnames *c, const char *path)
{
	char *text;
	size_t len;

	if (read_whole(path, MAX_SOURCE, &text, &len))
		return;
	scan_c(c, text, len);
	free(text);
}

static void anchor_set(struct sbuf *b, const struct cnames *c,
		       const struct nameset *tags, size_t *n)
{
	size_t i;

	for (i = 0; i < tags->n && *n < MAX_ANCHORS; i++) {
		const char *kw = ns_has(&c->enum_tags, tags->v[i]) ? "enum" :
				 ns_has(&c->union_tags, tags->v[i]) ? "union" :
								      "struct";

		sb_printf(b, "%s %s *__bpfrun_type_%zu __attribute__((section(\".bpfrun_types\"), used));\n",
			  kw, tags->v[i], (*n)++);
	}
}

int anchored_source(const char *path, char **out)
{
	struct cnames c = { .uses = true }, inc = { 0 };
	char dir[PATH_MAX], file[PATH_MAX];
	struct sbuf b = { 0 };
	size_t len, i, n = 0;
	char *text;
	int err;

	err = read_whole(path, MAX_SOURCE, &text, &len);
	if (err)
		return err;
	scan_c(&c, text, len);
	/* the headers beside it: where a program keeps its event struct */
	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	for (i = 0; i < c.includes.n; i++) {
		if (snprintf(file, sizeof(file), "%s/%s", dir,
			     c.includes.v[i]) < (int)sizeof(file))
			scan_file(&inc, file);
	}
	cnames_sort(&c);
	cnames_sort(&inc);
	sb_printf(&b, "%.*s\n", (int)len, text);
	free(text);
	anchor_set(&b, &c, &c.tags, &n);
	anchor_set(&b, &inc, &inc.tags, &n);
	err = c.err ? c.err : inc.err ? inc.err : b.err;
	cnames_free(&c);
	cnames_free(&inc);
	if (err) {
		sb_free(&b);
		return err;
	}
	*out = b.s;
	return 0;
}
