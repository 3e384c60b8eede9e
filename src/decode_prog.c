// SPDX-License-Identifier: Apache-2.0
/*
 * Where a table's types come from: one rule for every printer. The
 * program's BTF first, as the compiler laid the types out, then libbcc's
 * descriptions where the BTF has nothing (a compile without BTF, a map
 * libbcc made without type ids, an event struct BTF does not hold):
 *
 * - a map's key and value: the BTF types of the map's type ids, when
 *   their sizes are the map's; else the key and leaf descriptions;
 * - an output table's event: the BTF struct whose members are the fields
 *   libbcc recorded (dtype_btf_event); else those fields, a struct among
 *   them found by name in the records of every table's descriptions.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "internal.h"

struct dprog {
	const struct bpfrun *b;
	struct btf *btf;	/* NULL: none, or it did not parse */
	struct dtype **known;	/* every table's described key and leaf */
	size_t nknown;
};

int dprog_open(const struct bpfrun *b, struct dprog **out)
{
	struct dprog *d = calloc(1, sizeof(*d));
	size_t i;

	if (!d)
		return -ENOMEM;
	d->b = b;
	if (b->btf && b->btf_len) {
		/* btf__new checks the header, every type and its references */
		d->btf = btf__new(b->btf, b->btf_len);
		if (!d->btf) {
			if (errno == ENOMEM)
				goto nomem;
			pr_warn("the program's BTF does not parse (%s): its types come from libbcc's descriptions\n",
				strerror(errno));
			d->btf = NULL;
		}
	}
	d->known = calloc(2 * b->ntables + 1, sizeof(*d->known));
	if (!d->known)
		goto nomem;
	for (i = 0; i < b->ntables; i++) {
		const struct bpfrun_table *t = &b->tables[i];

		if (t->key_desc &&
		    !dtype_parse(t->key_desc, &d->known[d->nknown], NULL, 0))
			d->nknown++;
		if (t->leaf_desc &&
		    !dtype_parse(t->leaf_desc, &d->known[d->nknown], NULL, 0))
			d->nknown++;
	}
	*out = d;
	return 0;
nomem:
	dprog_close(d);
	return -ENOMEM;
}

void dprog_close(struct dprog *d)
{
	size_t i;

	if (!d)
		return;
	btf__free(d->btf);
	for (i = 0; i < d->nknown; i++)
		dtype_free(d->known[i]);
	free(d->known);
	free(d);
}

/* Type @id of the BTF when it has @size bytes; NULL otherwise. */
static int btf_sized(struct dprog *d, unsigned id, unsigned size,
		     struct dtype **out)
{
	struct dtype *t;
	int err;

	*out = NULL;
	if (!d->btf || !id)
		return 0;
	err = dtype_from_btf(d->btf, id, &t, NULL, 0);
	if (err == -ENOMEM)
		return err;
	if (!err && t->size == size)
		*out = t;
	else if (!err)
		dtype_free(t);
	return 0;
}

static int described(const char *desc, unsigned size, struct dtype **out)
{
	int err;

	if (!desc)
		return -EINVAL;
	err = dtype_parse(desc, out, NULL, 0);
	if (err)
		return err == -ENOMEM ? err : -EINVAL;
	if ((*out)->size != size) {
		dtype_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

int dprog_map_types(struct dprog *d, size_t i, struct dtype **key,
		    struct dtype **val)
{
	const struct bpfrun_table *t;
	int err;

	*key = *val = NULL;
	if (i >= d->b->ntables)
		return -ENOENT;
	t = &d->b->tables[i];
	err = btf_sized(d, t->btf_key_type_id, t->key_size, key);
	if (!err)
		err = btf_sized(d, t->btf_value_type_id, t->leaf_size, val);
	if (!err && !*key)
		err = described(t->key_desc, t->key_size, key);
	if (!err && !*val)
		err = described(t->leaf_desc, t->leaf_size, val);
	if (err) {
		dtype_free(*key);
		dtype_free(*val);
		*key = *val = NULL;
	}
	return err;
}

int dprog_event_type(struct dprog *d, size_t i, struct dtype **out,
		     char *err, size_t errlen)
{
	const struct bpfrun_table *t;
	char why[160] = "";
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (i >= d->b->ntables)
		return -ENOENT;
	t = &d->b->tables[i];
	if (!t->nfields) {
		if (err)
			snprintf(err, errlen,
				 "libbcc recorded no fields for its events");
		return -ENOENT;
	}
	if (d->btf) {
		r = dtype_btf_event(d->btf, (const char *const *)t->fields,
				    t->nfields, out, why, sizeof(why));
		if (r != -ENOENT)
			return r;
	}
	r = dtype_from_fields((const char *const *)t->fields, t->nfields,
			      d->known, d->nknown, out, err, errlen);
	/* both failed: say why for each */
	if (r == -ENOENT && err && errlen && why[0]) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; in the program's BTF: %s", why);
	}
	return r;
}
