// SPDX-License-Identifier: Apache-2.0
/*
 * Root test of the attach kinds this kernel has: tracepoint, raw tracepoint,
 * uprobe and uretprobe, each counting calls this process makes into a map.
 * (kprobe and kretprobe are proven in the QEMU tier.) Exit 77 without root.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "root_suite.h"

#include "bpfrun.h"

static const char prog[] =
	"#include <uapi/linux/ptrace.h>\n"
	"BPF_ARRAY(counts, u64, 4);\n"
	"static inline bool mine(void)\n"
	"{\n"
	"	return (bpf_get_current_pid_tgid() >> 32) == TARGET_PID;\n"
	"}\n"
	"RAW_TRACEPOINT_PROBE(sys_enter)\n"
	"{\n"
	"	/* args: struct pt_regs *regs, long id */\n"
	"	if (mine() && ctx->args[1] == __NR_getppid)\n"
	"		counts.increment(0);\n"
	"	return 0;\n"
	"}\n"
	"int on_entry(struct pt_regs *ctx)\n"
	"{\n"
	"	if (mine() && PT_REGS_PARM1(ctx) == 1)\n"
	"		counts.increment(1);\n"
	"	return 0;\n"
	"}\n"
	"int on_return(struct pt_regs *ctx)\n"
	"{\n"
	"	if (mine() && PT_REGS_RC(ctx) == 42)\n"
	"		counts.increment(2);\n"
	"	return 0;\n"
	"}\n"
	"TRACEPOINT_PROBE(syscalls, sys_enter_getppid)\n"
	"{\n"
	"	if (mine())\n"
	"		counts.increment(3);\n"
	"	return 0;\n"
	"}\n";

/* The uprobe target: kept out of line and in the symbol table. */
__attribute__((noinline, used)) int bpfrun_uprobe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 41;
}

static char path[] = "/tmp/bpfrun-kinds-XXXXXX.c";

static unsigned long long count(struct bpfrun *b, int key)
{
	unsigned long long v = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(bpfrun_table_fd(b, "counts"),
					     &key, &v), 0);
	return v;
}

START_TEST(test_kinds)
{
	char def[64], target[PATH_MAX + 64];
	const char *cflags[] = { def, "-include", "asm/unistd.h" };
	BPFRUN_OPTS(bpfrun_opts, opts, .cflags = cflags, .ncflags = 3,
		    .no_cache = true);
	struct bpfrun *b = NULL;
	int fd, i;

	fd = mkstemps(path, 2);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, prog, sizeof(prog) - 1),
			 (ssize_t)sizeof(prog) - 1);
	close(fd);
	snprintf(def, sizeof(def), "-DTARGET_PID=%d", getpid());
	ck_assert_int_eq(bpfrun_open(&b, path, &opts), 0);
	unlink(path);

	/* raw_tracepoint__sys_enter and tracepoint__syscalls__sys_enter_getppid */
	ck_assert_int_eq(bpfrun_attach_auto(b), 2);
	snprintf(target, sizeof(target), "/proc/self/exe:bpfrun_uprobe_target");
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_UPROBE, "on_entry", target), 0);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_URETPROBE, "on_return",
				       target), 0);
	ck_assert_uint_eq(bpfrun_nr_links(b), 4);

	for (i = 0; i < 5; i++)
		syscall(__NR_getppid);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(bpfrun_uprobe_target(1), 42);
	bpfrun_uprobe_target(2);	/* not counted: PARM1 != 1, rc != 42 */

	ck_assert_uint_eq(count(b, 0), 5);
	ck_assert_uint_eq(count(b, 1), 3);
	ck_assert_uint_eq(count(b, 2), 3);
	ck_assert_uint_eq(count(b, 3), 5);

	/* detached on close: a new call is not seen by anything */
	bpfrun_close(b);
}
END_TEST

START_TEST(test_bad_targets)
{
	static const char p[] = "int f(void *ctx) { return 0; }\n";
	struct bpfrun *b = NULL;
	int fd;

	fd = mkstemps(path, 2);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, sizeof(p) - 1), (ssize_t)sizeof(p) - 1);
	close(fd);
	ck_assert_int_eq(bpfrun_open(&b, path, NULL), 0);
	unlink(path);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_UPROBE, "f",
				       "/proc/self/exe:bpfrun_no_such_fn"),
			 -ENOENT);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_RAW_TRACEPOINT, "f",
				       "bpfrun_no_such_tp"), -ENOENT);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_TRACEPOINT, "f",
				       "syscalls:sys_enter_bpfrun_nosuch"),
			 -ENOENT);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_TRACEPOINT, "f", "nocolon"),
			 -EINVAL);
	ck_assert_int_eq(bpfrun_attach(b, BPFRUN_TRACEPOINT, "nosuchfn",
				       "syscalls:sys_enter_getppid"), -ENOENT);
	ck_assert_uint_eq(bpfrun_nr_links(b), 0);
	bpfrun_close(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("attach_kinds");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_bad_targets);
	suite_add_tcase(s, tc);
	return root_suite_run(s, NULL);
}
