// SPDX-License-Identifier: Apache-2.0
/*
 * The runner's stack ids as frames: which fields of a key, a value or an
 * event hold ids of the program's BPF_STACK_TRACE tables (the library's
 * bpfrun_stack_map_of() says), printed under the line as bcc's tools
 * print them, one frame a line, innermost first, and in --json as an
 * array of frames in the field's place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "runner.h"

struct stack_field {
	struct dhook hook;	/* first: the JSON writer hands it back */
	struct run *r;
	const char *map;
	char name[128];
	unsigned off, size;
	/* the process of user frames: a pid or tgid beside the id */
	long pid_delta;		/* its offset from the id's */
	unsigned pid_size;	/* 0: none, the run's -p or -c process */
	struct dtype *type;	/* the field's, whose hook this is */
};

int stacks_open(struct run *r)
{
	int err;

	if (r->stacks)
		return 0;
	err = bpfrun_stacks_open(r->t.b, &r->stacks);
	if (err)
		return err;
	if (!bpfrun_stacks_nr_maps(r->stacks)) {
		bpfrun_stacks_close(r->stacks);
		r->stacks = NULL;
	}
	return 0;
}

int stacks_report(struct run *r)
{
	return bpfrun_stacks_report(r->stacks);
}

void stacks_close(struct run *r)
{
	bpfrun_stacks_close(r->stacks);
	r->stacks = NULL;
}

static const char *last_part(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

static size_t parent_len(const char *name)
{
	return last_part(name) - name;
}

static long long read_int(const void *p, unsigned size)
{
	/* a 32-bit id stored unsigned is still -EFAULT when it is ~13 */
	if (size == 4) {
		int32_t v;

		memcpy(&v, p, 4);
		return v;
	}
	if (size == 8) {
		int64_t v;

		memcpy(&v, p, 8);
		return v;
	}
	return -EINVAL;
}

static int field_pid(const struct stack_field *f, const char *rec, size_t len,
		     unsigned off)
{
	long at = (long)off + f->pid_delta;
	long long pid;

	if (f->pid_size && at >= 0 && (size_t)at + f->pid_size <= len) {
		pid = read_int(rec + at, f->pid_size);
		/* stackcount without -P keeps (u32)-1 there: no process */
		if (pid > 0 && pid <= INT32_MAX)
			return (int)pid;
	}
	return f->r->t.pid;
}

/*
 * --- JSON: [{"ip":"0x..","sym":S,"offset":N,"module":M,"kernel":B}]; a
 * build id stack's frame has "build_id":HEX in the place of "ip"
 */

static int frame_json(void *ctx, const struct bpfrun_frame *fr)
{
	struct json_object *arr = ctx, *o = json_object_new_object();
	char ip[24];
	int err;

	snprintf(ip, sizeof(ip), "0x%llx", fr->ip);
	err = djson_append(arr, o);
	if (!err && fr->build_id)	/* no address: a file and an offset */
		err = djson_add(o, "build_id",
				json_object_new_string(fr->build_id));
	else if (!err)
		err = djson_add(o, "ip", json_object_new_string(ip));
	if (!err && fr->sym)
		err = djson_add(o, "sym", djson_bytes(fr->sym, strlen(fr->sym)));
	if (!err && (fr->sym || fr->build_id ||
		     (fr->module && fr->module[0] == '/')))
		err = djson_add(o, "offset", json_object_new_uint64(fr->off));
	if (!err && fr->module)
		err = djson_add(o, "module",
				djson_bytes(fr->module, strlen(fr->module)));
	if (!err)
		err = djson_add(o, "kernel", json_object_new_boolean(fr->kernel));
	return err;
}

static struct json_object *hook_json(const struct dhook *h, const void *rec,
				     size_t len, unsigned off)
{
	const struct stack_field *f = (const struct stack_field *)h;
	struct json_object *arr;

	if (off + f->size > len)
		return NULL;
	arr = json_object_new_array();
	if (arr)	/* no stack (lost, none, gone) is no frames */
		bpfrun_stack_walk(f->r->stacks, f->map,
				  read_int((const char *)rec + off, f->size),
				  field_pid(f, rec, len, off), frame_json, arr);
	return arr;
}

/* --- which fields ------------------------------------------------------ */

int stacks_view(struct run *r, struct dtype *t, const char *table, bool key,
		struct stack_view *v)
{
	struct dcol *cols = NULL;
	size_t n = 0, i, j;
	int err;

	memset(v, 0, sizeof(*v));
	if (!r->stacks || !t)
		return 0;
	err = dtype_columns(t, &cols, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const struct dcol *c = &cols[i];
		struct stack_field *f;
		const char *map;

		if (!dtype_is_int(c->type) || c->bits ||
		    (c->type->size != 4 && c->type->size != 8))
			continue;
		if (t->kind == DT_STRUCT)
			map = bpfrun_stack_map_of(r->stacks, r->src, table,
						  last_part(c->name));
		else	/* a plain key: mallocstacks's calls, memleak's */
			map = key ? bpfrun_stack_map_of(r->stacks, r->src,
							table, NULL) : NULL;
		if (!map)
			continue;
		f = realloc(v->f, (v->n + 1) * sizeof(*f));
		if (!f) {
			err = -ENOMEM;
			break;
		}
		v->f = f;
		f = &f[v->n++];
		memset(f, 0, sizeof(*f));
		f->hook.json = hook_json;
		f->r = r;
		f->map = map;
		snprintf(f->name, sizeof(f->name), "%s", c->name);
		f->off = c->offset;
		f->size = c->type->size;
		f->type = (struct dtype *)c->type;
		/* a tgid is the process; a pid may be a thread's, also fine */
		for (j = 0; j < n; j++) {
			const char *p = last_part(cols[j].name);

			if (!dtype_is_int(cols[j].type) || cols[j].bits ||
			    cols[j].type->size > 8 ||
			    parent_len(cols[j].name) != parent_len(c->name) ||
			    strncmp(cols[j].name, c->name, parent_len(c->name)) ||
			    (strcmp(p, "tgid") && strcmp(p, "pid")))
				continue;
			if (f->pid_size && strcmp(p, "tgid"))
				continue;
			f->pid_delta = (long)cols[j].offset - (long)c->offset;
			f->pid_size = cols[j].type->size;
		}
		if (f->pid_size != 4 && f->pid_size != 8)
			f->pid_size = 0;
	}
	free(cols);
	if (err) {
		stack_view_free(v);
		return err;
	}
	if (r->json)
		for (i = 0; i < v->n; i++)
			v->f[i].type->hook = &v->f[i].hook;
	return 0;
}

void stack_view_free(struct stack_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		v->f[i].type->hook = NULL;
	free(v->f);
	v->f = NULL;
	v->n = 0;
}

/* --- text ---------------------------------------------------------------- */

static int frame_text(void *ctx, const struct bpfrun_frame *fr)
{
	char buf[4200];

	bpfrun_frame_str(fr, buf, sizeof(buf));
	printf("    %s\n", buf);
	return 0;
}

void stacks_print_text(struct run *r, const struct stack_view *v,
		       const void *rec, size_t len)
{
	const struct stack_field *f;
	long long id;
	size_t i;
	int n;

	for (i = 0; i < v->n; i++) {
		f = &v->f[i];
		if (f->off + f->size > len)
			continue;
		id = read_int((const char *)rec + f->off, f->size);
		/*
		 * -EFAULT: none to take, a user stack in a kernel thread, a
		 * kernel stack in user mode (profile's samples): nothing
		 * under the line, as bcc's tools show nothing
		 */
		if (id == -EFAULT)
			continue;
		if (v->n > 1)
			printf("  %s:\n", f->name);
		n = bpfrun_stack_walk(r->stacks, f->map, id,
				      field_pid(f, rec, len, f->off),
				      frame_text, NULL);
		if (n == -ENOSPC)
			printf("    [lost: no room in stack map %s]\n", f->map);
		else if (n == -ENOENT)
			printf("    [stack %lld no longer in %s]\n", id, f->map);
		else if (n == 0)
			printf("    [no stack]\n");
		else if (n < 0)
			printf("    [stack %lld: %s]\n", id, strerror(-n));
		out_line_done();
	}
}
