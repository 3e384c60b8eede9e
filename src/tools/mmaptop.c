// SPDX-License-Identifier: Apache-2.0
/* mmaptop: who calls mmap() most, how big, how shared. See programs/mmaptop.c. */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"
#include "../../programs/mmaptop.h"

#define DEFAULT_DURATION 30
#define DEFAULT_TOP 10

static long top = DEFAULT_TOP;
/* bcc's top-style arguments: a report every INTERVAL seconds, COUNT times */
static double interval;
static long count = 1;
static int nargs;

static const struct argp_option options[] = {
	TOOL_OPT_DURATION("how long to count for one report (default 30)"),
	TOOL_OPT_PID, TOOL_OPT_TID, TOOL_OPT_UID, TOOL_OPT_NAME,
	{ "maxrows", 'r', "N", 0, "how many processes to list (default 10)", 0 },
	{ 0 }
};

static int option(struct tool *t, int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'r':
		top = tool_parse_count(t, "row count", arg, 1000000);
		return 0;
	case ARGP_KEY_ARG:
		if (nargs == 0)
			interval = tool_parse_seconds(t, arg);
		else if (nargs == 1)
			count = tool_parse_count(t, "count", arg, 1000000);
		else
			argp_error(state, "unexpected argument '%s'", arg);
		nargs++;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct tool_cmd cmd = {
	.name = "mmaptop",
	.doc = "Count the mmap() calls made on the system over a time (tracepoint\n"
	       "syscalls:sys_enter_mmap), then print the processes that made the most,\n"
	       "a log2 histogram of the lengths they asked for, and how many of the\n"
	       "mappings were private (MAP_PRIVATE) and how many shared (MAP_SHARED,\n"
	       "MAP_SHARED_VALIDATE), from the flags argument. Ctrl-C ends early.",
	.examples = "    sudo mmaptop                    # 30 seconds, the whole system\n"
		    "    sudo mmaptop -d 5               # 5 seconds\n"
		    "    sudo mmaptop -p 181 -d 10       # only PID 181, for 10 seconds",
	.args_doc = "[INTERVAL [COUNT]]",
	.options = options,
	.option = option,
};

struct proc {
	__u32 pid;
	struct mmaptop_count c;
};

static int by_calls(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	if (x->c.calls != y->c.calls)
		return x->c.calls < y->c.calls ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Sleep until @seconds have passed or SIGINT/SIGTERM. */
static void wait_for(double seconds)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long i;

	for (i = 0; i < seconds * 10 && !tool_stopped(); i++)
		nanosleep(&tick, NULL);
}

static int print_top(const struct tool *t, int fd, size_t top)
{
	struct proc *procs = NULL, *p;
	size_t n = 0, cap = 0, i;
	__u32 key, next, *prev = NULL;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			p = realloc(procs, cap * sizeof(*procs));
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			procs = p;
		}
		procs[n].pid = next;
		if (!bpf_map_lookup_elem(fd, &next, &procs[n].c) &&
		    tool_name_shown(t, procs[n].c.comm))
			n++;
		key = next;
		prev = &key;
	}
	qsort(procs, n, sizeof(*procs), by_calls);
	printf("%-7s %-16s %s\n", "PID", "COMM", "MMAPS");
	for (i = 0; i < n && i < top; i++)
		printf("%-7u %-16.16s %llu\n", procs[i].pid, procs[i].c.comm,
		       (unsigned long long)procs[i].c.calls);
out:
	free(procs);
	return err;
}

static int read_array(int fd, unsigned long long *vals, size_t n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 v = 0;

		if (bpf_map_lookup_elem(fd, &i, &v))
			return -errno;
		vals[i] = v;
	}
	return 0;
}

static double pct(unsigned long long part, unsigned long long all)
{
	return all ? 100.0 * part / all : 0.0;
}

static int report(struct tool *t, size_t top)
{
	unsigned long long sizes[MMAPTOP_SLOTS], kinds[MMAPTOP_NR_KINDS];
	unsigned long long all;
	int err;

	err = print_top(t, bpfrun_table_fd(t->b, "calls"), top);
	if (err)
		return err;
	err = read_array(bpfrun_table_fd(t->b, "sizes"), sizes, MMAPTOP_SLOTS);
	if (err)
		return err;
	err = read_array(bpfrun_table_fd(t->b, "kinds"), kinds,
			 MMAPTOP_NR_KINDS);
	if (err)
		return err;
	printf("\n");
	bpfrun_print_log2_hist(stdout, sizes, MMAPTOP_SLOTS, "len (bytes)");
	all = kinds[MMAPTOP_PRIVATE] + kinds[MMAPTOP_SHARED] +
	      kinds[MMAPTOP_OTHER];
	printf("\nmappings: %llu, private: %llu (%.1f%%), shared: %llu (%.1f%%)",
	       all, kinds[MMAPTOP_PRIVATE], pct(kinds[MMAPTOP_PRIVATE], all),
	       kinds[MMAPTOP_SHARED], pct(kinds[MMAPTOP_SHARED], all));
	if (kinds[MMAPTOP_OTHER])
		printf(", other: %llu (%.1f%%)", kinds[MMAPTOP_OTHER],
		       pct(kinds[MMAPTOP_OTHER], all));
	printf("\n");
	return 0;
}

/* Each report counts its own interval: the tables start again from zero. */
static int clear(struct tool *t)
{
	static const char *const arrays[] = { "sizes", "kinds" };
	int fd = bpfrun_table_fd(t->b, "calls");
	__u64 zero = 0;
	__u32 key;
	size_t i;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		int afd = bpfrun_table_fd(t->b, arrays[i]);
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(afd, &info, &len))
			return -errno;
		for (key = 0; key < info.max_entries; key++)
			if (bpf_map_update_elem(afd, &key, &zero, BPF_ANY))
				return -errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd, .duration = DEFAULT_DURATION };
	long i;
	int err;

	tool_parse(&t, argc, argv);
	err = tool_start(&t);
	if (err)
		goto cleanup;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!nargs) {
		printf("Tracing mmap() for %g seconds... Hit Ctrl-C to end.\n\n",
		       t.duration);
		wait_for(t.duration);
		err = report(&t, top);
		goto cleanup;
	}
	printf("Tracing mmap(), a report every %g seconds, %ld times... Hit Ctrl-C to end.\n",
	       interval, count);
	for (i = 0; i < count && !err && !tool_stopped(); i++) {
		wait_for(interval);
		printf("\n");
		err = report(&t, top);
		if (!err)
			err = clear(&t);
	}
cleanup:
	return tool_close(&t, err);
}
