// SPDX-License-Identifier: Apache-2.0
/*
 * --set MAP:KEY=VALUE: what a bcc tool writes into its maps before it
 * starts (netqtop's device name, klockstat's switch, funccount's zeroed
 * slots), written after the load and before the first attach. A KEY or
 * VALUE is an integer in the size of the map's key or value (decimal, 0x
 * hex or a negative number), or a "string" padded with zeros to that size.
 * The kernel checks the rest (map full, a key past an array's end).
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* @s as @size bytes at @out; -EINVAL with the reason in @why. */
static int parse_cell(const char *s, size_t size, unsigned char *out,
		      const char **why)
{
	size_t n = strlen(s);
	unsigned long long u;
	long long v;
	char *end;

	memset(out, 0, size);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		if (n - 2 > size) {
			*why = "the string is longer than the map's";
			return -EINVAL;
		}
		memcpy(out, s + 1, n - 2);
		return 0;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		*why = "not a \"string\", and the map's is no integer";
		return -EINVAL;
	}
	errno = 0;
	if (s[0] == '-') {
		v = strtoll(s, &end, 0);
		u = (unsigned long long)v;
		if (size < 8 && v < -(1LL << (size * 8 - 1)))
			errno = ERANGE;
	} else {
		u = strtoull(s, &end, 0);
		if (size < 8 && u >> (size * 8))
			errno = ERANGE;
	}
	if (end == s || *end) {
		*why = "not an integer or a \"string\"";
		return -EINVAL;
	}
	if (errno) {
		*why = "the number does not fit the map's size";
		return -EINVAL;
	}
	memcpy(out, &u, size);	/* the low bytes: little-endian */
	return 0;
}

static int set_one(struct run *r, const char *arg)
{
	const char *colon = strchr(arg, ':'), *eq, *why = NULL;
	struct bpfrun_table_info ti = { 0 };
	unsigned char *key = NULL, *val = NULL;
	char name[128], *ks = NULL;
	size_t i, n = bpfrun_nr_tables(r->t.b);
	int err = -ENOENT;

	eq = colon ? strchr(colon, '=') : NULL;
	if (!colon || !eq || colon == arg || colon - arg >= (long)sizeof(name)) {
		fprintf(stderr, "bpfrun: --set %s: expected MAP:KEY=VALUE\n",
			arg);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(colon - arg), arg);
	for (i = 0; i < n; i++) {
		if (!bpfrun_table_info(r->t.b, i, &ti) && !strcmp(ti.name, name)) {
			err = 0;
			break;
		}
	}
	if (err) {
		fprintf(stderr, "bpfrun: --set %s: the program has no map %s\n",
			arg, name);
		return err;
	}
	if (map_is_percpu(ti.type)) {
		fprintf(stderr, "bpfrun: --set %s: %s is a per-CPU map: a value per CPU cannot be given\n",
			arg, name);
		return -EOPNOTSUPP;
	}
	ks = strndup(colon + 1, eq - colon - 1);
	key = calloc(1, ti.key_size ? ti.key_size : 1);
	val = calloc(1, ti.leaf_size ? ti.leaf_size : 1);
	if (!ks || !key || !val) {
		err = -ENOMEM;
		goto out;
	}
	err = parse_cell(ks, ti.key_size, key, &why);
	if (err) {
		fprintf(stderr, "bpfrun: --set %s: key %s: %s (%u bytes)\n",
			arg, ks, why, ti.key_size);
		goto out;
	}
	err = parse_cell(eq + 1, ti.leaf_size, val, &why);
	if (err) {
		fprintf(stderr, "bpfrun: --set %s: value %s: %s (%u bytes)\n",
			arg, eq + 1, why, ti.leaf_size);
		goto out;
	}
	err = bpf_map_update_elem(ti.fd, key, val, BPF_ANY);
	if (err == -E2BIG)
		fprintf(stderr, "bpfrun: --set %s: %s\n", arg,
			ti.type == BPF_MAP_TYPE_ARRAY ?
				"the key is past the array's end" :
				"the map is full");
	else if (err)
		fprintf(stderr, "bpfrun: --set %s: the kernel refused it: %s\n",
			arg, strerror(-err));
out:
	free(ks);
	free(key);
	free(val);
	return err;
}

int maps_set(struct run *r)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < r->nsets; i++)
		err = set_one(r, r->sets[i]);
	return err;
}
