// SPDX-License-Identifier: Apache-2.0
/*
 * The one scanner of C text: the names headers define (for the BTF header
 * tree), the names a program uses (for its type subset), the literal
 * arguments of a function's calls (bpf_trace_printk()'s formats).
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <string.h>

#include <errno.h>
#include <stdlib.h>

#include "cscan.h"

/* ------------------------------------------------------------------ */
/*
 * A scanner for the C that libbcc force-includes: it finds the names of
 * #define'd macros, of struct/union/enum tags defined with a body, of
 * enumerators and of typedefs. Not a C parser: enough for uapi-style
 * headers, and an unknown construct only costs a missed name.
 */

void cnames_free(struct cnames *c)
{
	ns_free(&c->macros);
	ns_free(&c->tags);
	ns_free(&c->enum_tags);
	ns_free(&c->union_tags);
	ns_free(&c->enumerators);
	ns_free(&c->typedefs);
	ns_free(&c->idents);
	ns_free(&c->includes);
}

void cnames_sort(struct cnames *c)
{
	ns_sort(&c->macros);
	ns_sort(&c->tags);
	ns_sort(&c->enum_tags);
	ns_sort(&c->union_tags);
	ns_sort(&c->enumerators);
	ns_sort(&c->typedefs);
	ns_sort(&c->idents);
	ns_sort(&c->includes);
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

bool is_ident(int ch)
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
	} else if (c->uses && p - w == 7 && !memcmp(w, "include", 7)) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '"') {
			for (w = ++p; p < end && *p != '"' && *p != '\n'; p++)
				;
			if (p < end && *p == '"' && p > w)
				cn_add(c, &c->includes, w, p - w);
		}
	}
	while (p < end && *p != '\n') {
		if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/')) {
			p = skip_comment(p, end);
			continue;
		}
		if (*p == '\\' && p + 1 < end && p[1] == '\n')
			p++;
		/* a macro's body names what it expands to */
		if (c->uses && is_ident0((unsigned char)*p) &&
		    !is_ident((unsigned char)p[-1])) {
			for (w = p; p < end && is_ident((unsigned char)*p); p++)
				;
			cn_add(c, &c->idents, w, p - w);
			continue;
		}
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

void scan_c(struct cnames *c, const char *s, size_t len)
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
			if (c->uses)
				cn_add(c, &c->idents, t.p, t.len);
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
				if (prev.kind == TOK_IDENT &&
				    tok_is(&prev2, "union"))
					cn_add(c, &c->union_tags, prev.p,
					       prev.len);
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

/* Past a string or character literal at @p (its quote); into @buf, decoded. */
static const char *literal(const char *p, const char *end, char *buf,
			   size_t max, size_t *n)
{
	char q = *p++;

	for (; p < end && *p != q && *p != '\n'; p++) {
		char c = *p;

		if (c == '\\' && p + 1 < end) {
			p++;
			c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		}
		if (buf && *n + 1 < max)
			buf[(*n)++] = c;
	}
	return p < end ? p + 1 : p;
}

/* Past blanks and comments. */
static const char *skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p))
			p++;
		else if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/'))
			p = skip_comment(p, end);
		else
			break;
	}
	return p;
}

int scan_calls(const char *s, size_t len, const char *fn, size_t max,
	       scan_call_fn cb, void *ctx)
{
	const char *p = s, *end = s + len, *w;
	size_t fnlen = strlen(fn), n;
	char *buf;
	int calls = 0, err = 0;

	buf = malloc(max ? max : 1);
	if (!buf)
		return -ENOMEM;
	while (p < end && err >= 0) {
		if (*p == '/' && p + 1 < end && (p[1] == '*' || p[1] == '/')) {
			p = skip_comment(p, end);
			continue;
		}
		if (*p == '"' || *p == '\'') {
			p = literal(p, end, NULL, 0, &n);
			continue;
		}
		if (!is_ident0((unsigned char)*p)) {
			p++;
			continue;
		}
		for (w = p; p < end && is_ident((unsigned char)*p); p++)
			;
		if ((size_t)(p - w) != fnlen || memcmp(w, fn, fnlen))
			continue;
		p = skip_space(p, end);
		if (p >= end || *p != '(')
			continue;
		calls++;
		p = skip_space(p + 1, end);
		if (p >= end || *p != '"') {
			err = cb(ctx, NULL);
			continue;
		}
		/* "a" "b" is "ab" */
		for (n = 0; p < end && *p == '"'; p = skip_space(p, end))
			p = literal(p, end, buf, max, &n);
		buf[n] = '\0';
		err = cb(ctx, buf);
	}
	free(buf);
	return err < 0 ? err : calls;
}
