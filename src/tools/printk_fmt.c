// SPDX-License-Identifier: Apache-2.0
/*
 * The format is a sequence of tokens, a literal character or a conversion
 * taking a run of characters of its class. Matching by backtracking over
 * where each run ends is exponential in the number of %s ("%s %s %s!"
 * against 800 spaces took seconds), so this runs the token sequence as an
 * NFA instead: after each character of the line, the set of tokens it may
 * have reached, two states per token ("before it" and "inside a run of
 * it"). Each character costs one pass over the tokens.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "printk_fmt.h"

struct token {
	char lit;	/* a literal character, or 0 for a conversion */
	char conv;	/* 'd', 'x', 's', ... */
	bool empty_ok;	/* a run of length 0 matches (%s) */
	bool one;	/* a run of exactly one character (%c) */
};

bool printk_fmt_in_class(char conv, char c)
{
	switch (conv) {
	case 'd':
	case 'i':
	case 'u':
		return isdigit((unsigned char)c) || c == '-' || c == ' ';
	case 'x':
	case 'X':
	case 'p':
		return isxdigit((unsigned char)c) || c == 'x' || c == ' ';
	case 'o':
		return c >= '0' && c <= '7';
	default:
		return true;
	}
}

/* Tokens of @f into @t (room for strlen(f) of them); their number. */
static size_t tokenize(const char *f, struct token *t)
{
	size_t n = 0;

	while (*f) {
		struct token *k = &t[n++];

		memset(k, 0, sizeof(*k));
		if (*f != '%' || f[1] == '%') {
			if (*f == '%')
				f++;
			k->lit = *f++;
			continue;
		}
		f++;
		while (*f && strchr("-+ #0123456789.hlzjtLq", *f))
			f++;
		/* a '%' that ends the format takes the rest, like %s */
		k->conv = *f ? *f++ : 's';
		k->empty_ok = k->conv == 's';
		k->one = k->conv == 'c';
	}
	return n;
}

/*
 * at[i]: the next character starts token i (i == n: the end).
 * in[i]: inside a run of conversion i, which may go on or end here.
 * Moves that take no character only go forward, so one pass in token
 * order closes the set.
 */
static void closure(const struct token *t, size_t n, bool *at, bool *in)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (in[i] || (at[i] && !t[i].lit && t[i].empty_ok))
			at[i + 1] = true;
	}
}

bool printk_fmt_match(const char *fmt, const char *line)
{
	size_t len = strlen(fmt), n, i;
	struct token *t;
	bool *at, *in, *nat, *nin, ok;
	const char *s;

	t = malloc((len + 1) * sizeof(*t));
	at = calloc(4 * (len + 1), sizeof(*at));
	if (!t || !at) {
		free(t);
		free(at);
		return false;
	}
	n = tokenize(fmt, t);
	in = at + (len + 1);
	nat = in + (len + 1);
	nin = nat + (len + 1);
	at[0] = true;
	closure(t, n, at, in);
	for (s = line; *s; s++) {
		bool any = false;

		memset(nat, 0, (n + 1) * sizeof(*nat));
		memset(nin, 0, (n + 1) * sizeof(*nin));
		for (i = 0; i < n; i++) {
			if (at[i] && t[i].lit && t[i].lit == *s)
				nat[i + 1] = true;
			else if (at[i] && !t[i].lit &&
				 printk_fmt_in_class(t[i].conv, *s))
				nin[i] = true;
			if (in[i] && !t[i].one &&
			    printk_fmt_in_class(t[i].conv, *s))
				nin[i] = true;
			any |= nat[i + 1] || nin[i];
		}
		if (!any)
			break;
		memcpy(at, nat, (n + 1) * sizeof(*at));
		memcpy(in, nin, (n + 1) * sizeof(*in));
		closure(t, n, at, in);
	}
	ok = !*s && at[n];
	free(t);
	free(at);
	return ok;
}
