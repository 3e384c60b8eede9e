// SPDX-License-Identifier: Apache-2.0
/*
 * Struct layouts from the kernel's BTF, on the real kernel (root; exit 77
 * without, or without BTF): task->real_parent->tgid and the pid-namespace
 * fields read what /proc shows, in this process and in a child in a new pid
 * namespace; Debian's 6.1 headers, when installed, read the same fields
 * wrong on a newer kernel.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "root_suite.h"

#include "internal.h"

/* What the program reads for the process TARGET_PID, at its getppid(). */
static const char prog[] =
	"#include <linux/sched.h>\n"
	"#include <linux/nsproxy.h>\n"
	"#include <linux/pid_namespace.h>\n"
	"BPF_ARRAY(seen, u64, 4);\n"
	"TRACEPOINT_PROBE(syscalls, sys_enter_getppid)\n"
	"{\n"
	"	struct task_struct *t = (struct task_struct *)bpf_get_current_task();\n"
	"	int i0 = 0, i1 = 1, i2 = 2, i3 = 3;\n"
	"	u64 ppid, level, nr, inum;\n"
	"	struct upid *up;\n"
	"\n"
	"	if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID)\n"
	"		return 0;\n"
	"	ppid = t->real_parent->tgid;\n"
	"	level = t->nsproxy->pid_ns_for_children->level;\n"
	"	up = t->group_leader->thread_pid->numbers;\n"
	"	nr = up[level].nr;\n"
	"	inum = t->nsproxy->pid_ns_for_children->ns.inum;\n"
	"	seen.update(&i0, &ppid);\n"
	"	seen.update(&i1, &level);\n"
	"	seen.update(&i2, &nr);\n"
	"	seen.update(&i3, &inum);\n"
	"	return 0;\n"
	"}\n";

static char dir[] = "/tmp/bpfrun-btfv-XXXXXX";
static char src[PATH_MAX];

struct seen {
	unsigned long long ppid, level, nr, inum;
};

static void setup(void)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(src, sizeof(src), "%s/values.c", dir);
	f = fopen(src, "w");
	ck_assert_ptr_nonnull(f);
	fputs(prog, f);
	fclose(f);
}

static void teardown(void)
{
	rm_tree(dir);
}

static int open_with(const char *headers, int pid, struct bpfrun **b)
{
	char def[64];
	const char *cflags[] = { def };
	BPFRUN_OPTS(bpfrun_opts, o, .cflags = cflags, .ncflags = 1,
		    .headers = headers, .no_cache = true);

	snprintf(def, sizeof(def), "-DTARGET_PID=%d", pid);
	return bpfrun_open(b, src, &o);
}

static struct seen read_seen(struct bpfrun *b)
{
	unsigned long long v[4] = { 0 };
	int i, fd = bpfrun_table_fd(b, "seen");

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(bpf_map_lookup_elem(fd, &i, &v[i]), 0);
	return (struct seen){ v[0], v[1], v[2], v[3] };
}

static unsigned long long ns_inode(int pid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/ns/pid", pid);
	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_ino;
}

START_TEST(test_this_process)
{
	struct bpfrun *b = NULL;
	struct seen s;

	ck_assert_int_eq(open_with("btf", getpid(), &b), 0);
	ck_assert_int_eq(bpfrun_attach_auto(b), 1);
	syscall(__NR_getppid);
	s = read_seen(b);
	ck_assert_uint_eq(s.ppid, (unsigned long long)getppid());
	ck_assert_uint_eq(s.level, 0);
	ck_assert_uint_eq(s.nr, (unsigned long long)getpid());
	ck_assert_uint_eq(s.inum, ns_inode(getpid()));
	bpfrun_close(b);
}
END_TEST

/*
 * A child that is pid 1 of a new pid namespace: the program must see its
 * parent (us), level 1, pid 1 inside, and the new namespace's inode.
 */
START_TEST(test_new_pid_namespace)
{
	int go[2], done[2];
	struct bpfrun *b = NULL;
	struct seen s;
	pid_t child;
	char c;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	/*
	 * The child is pid 1 of a new namespace. clone(), not unshare() and
	 * fork(): after unshare(CLONE_NEWPID) every later child of ours goes
	 * into that namespace, dead once its pid 1 has exited, and fails
	 * (LeakSanitizer's helper task at our exit, for one).
	 */
	child = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	ck_assert_int_ge(child, 0);
	if (!child) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		syscall(__NR_getppid);
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(open_with("btf", child, &b), 0);
	ck_assert_int_eq(bpfrun_attach_auto(b), 1);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	s = read_seen(b);
	ck_assert_uint_eq(s.ppid, (unsigned long long)getpid());
	ck_assert_uint_eq(s.level, 1);
	ck_assert_uint_eq(s.nr, 1);
	ck_assert_uint_eq(s.inum, ns_inode(child));
	ck_assert_uint_ne(s.inum, ns_inode(getpid()));
	waitpid(child, NULL, 0);
	bpfrun_close(b);
}
END_TEST

/* Debian's 6.1 headers on a newer kernel: the same read goes wrong. */
START_TEST(test_mismatched_headers_are_wrong)
{
	char v[128], a[PATH_MAX], c[PATH_MAX], tree[PATH_MAX];
	struct bpfrun *b = NULL;
	struct seen s;

	if (headers_find_distro("/usr/src", "6.1.0", v, sizeof(v)) ||
	    strncmp(v, "6.1.", 4)) {
		printf("SKIP: no Debian 6.1 headers in /usr/src to compare with\n");
		return;
	}
	snprintf(a, sizeof(a), "/usr/src/linux-headers-%s", v);
	snprintf(c, sizeof(c), "/usr/src/linux-headers-%.*s-common",
		 (int)(strrchr(v, '-') - v), v);
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	ck_assert_int_eq(headers_merge(a, c, tree), 0);
	ck_assert_int_eq(open_with(tree, getpid(), &b), 0);
	ck_assert_int_eq(bpfrun_attach_auto(b), 1);
	syscall(__NR_getppid);
	s = read_seen(b);
	ck_assert_uint_ne(s.ppid, (unsigned long long)getppid());
	bpfrun_close(b);
}
END_TEST

/* Every shipped program compiles against the BTF tree. */
START_TEST(test_shipped_programs)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX];
	BPFRUN_OPTS(bpfrun_opts, o, .headers = "btf", .no_cache = true);
	int n = 0;
	FILE *ls;

	snprintf(cmd, sizeof(cmd), "ls %s/programs/*.c", ABS_TOP_SRCDIR);
	ls = popen(cmd, "r");
	ck_assert_ptr_nonnull(ls);
	while (fgets(path, sizeof(path), ls)) {
		struct bpfrun *b = NULL;

		path[strcspn(path, "\n")] = '\0';
		ck_assert_msg(bpfrun_open(&b, path, &o) == 0,
			      "%s does not compile in BTF mode", path);
		bpfrun_close(b);
		n++;
	}
	pclose(ls);
	ck_assert_int_ge(n, 9);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("btf_values");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_this_process);
	tcase_add_test(tc, test_new_pid_namespace);
	tcase_add_test(tc, test_mismatched_headers_are_wrong);
	tcase_add_test(tc, test_shipped_programs);
	suite_add_tcase(s, tc);
	return root_suite_run(s, "/sys/kernel/btf/vmlinux");
}
