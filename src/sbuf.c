// SPDX-License-Identifier: Apache-2.0
/*
 * Growable text buffers and sorted sets of names, for the BTF header tree.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_gen.h"

/* ------------------------------------------------------------------ */
/* Growable text buffer. Errors stick: check ->err once at the end. */

void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
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

void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

void sb_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* Sorted sets of names. */

int ns_add(struct nameset *s, const char *name, size_t len)
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

void ns_sort(struct nameset *s)
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
bool ns_has(const struct nameset *s, const char *name)
{
	return name && *name && s->n &&
	       bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str);
}

void ns_free(struct nameset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
