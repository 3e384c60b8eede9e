/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one scanner of C text (cscan.c), and what it fills: growable strings
 * and sets of names (sbuf.c). For the BTF header tree (the names headers
 * define), the type subset (the names a program uses) and the runner (the
 * formats a program gives bpf_trace_printk()).
 */
#ifndef BPFRUN_CSCAN_H
#define BPFRUN_CSCAN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* sbuf.c: a growable text buffer; errors stick: check ->err at the end. */
struct sbuf {
	char *s;
	size_t len, cap;
	int err;
};
void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap);
void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_free(struct sbuf *b);

/* sbuf.c: sorted sets of names. */
struct nameset {
	char **v;
	size_t n, cap;
	bool sorted;
};
int ns_add(struct nameset *s, const char *name, size_t len);
void ns_sort(struct nameset *s);
bool ns_has(const struct nameset *s, const char *name);
void ns_free(struct nameset *s);

/* cscan.c: the names C headers define (macros, tags, enumerators, typedefs). */
struct cnames {
	struct nameset macros;
	struct nameset tags;
	struct nameset enum_tags;	/* tags of enums, also in ->tags */
	struct nameset union_tags;	/* tags of unions, also in ->tags */
	struct nameset enumerators;
	struct nameset typedefs;
	/* with ->uses set: every identifier, in #define bodies too, and the
	 * files of #include "FILE" (what a program's types are found from) */
	bool uses;
	struct nameset idents;
	struct nameset includes;
	int err;
};
void scan_c(struct cnames *c, const char *s, size_t len);
void cnames_sort(struct cnames *c);
void cnames_free(struct cnames *c);
bool is_ident(int ch);

/*
 * Every call of the function @fn in C text @s: @cb gets its first
 * argument's string literal (adjacent literals joined, escapes decoded,
 * at most @max - 1 bytes), or NULL when that argument is not a literal (a
 * macro, a variable). A call in a comment or a string is not one.
 * Returns how many calls, or the first negative value @cb returned.
 */
typedef int (*scan_call_fn)(void *ctx, const char *literal);
int scan_calls(const char *s, size_t len, const char *fn, size_t max,
	       scan_call_fn cb, void *ctx);

#endif
