// SPDX-License-Identifier: Apache-2.0
/*
 * The compiled-program cache, on the real kernel (root; exit 77 without):
 * a cached program behaves as the compiled one, every part of the key
 * invalidates it, and entries that are not root's alone are refused.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "root_suite.h"

#include "internal.h"

static char dir[] = "/tmp/bpfrun-cache-XXXXXX";
static char src[PATH_MAX], hdr[PATH_MAX], cache[PATH_MAX], def[64];
static const char *cflags[] = { def };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_program(int step)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "#include \"step.h\"\n"
		 "BPF_ARRAY(counts, u64, 1);\n"
		 "TRACEPOINT_PROBE(syscalls, sys_enter_getppid)\n"
		 "{\n"
		 "	int zero = 0;\n"
		 "	u64 *v = counts.lookup(&zero);\n"
		 "\n"
		 "	if (v && (bpf_get_current_pid_tgid() >> 32) == TARGET_PID)\n"
		 "		__sync_fetch_and_add(v, STEP * %d);\n"
		 "	return 0;\n"
		 "}\n",
		 step);
	write_file(src, text);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(src, sizeof(src), "%s/prog.c", dir);
	snprintf(hdr, sizeof(hdr), "%s/step.h", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	snprintf(def, sizeof(def), "-DTARGET_PID=%d", getpid());
	setenv("BPFRUN_CACHE_DIR", cache, 1);
	write_file(hdr, "#define STEP 10\n");
	write_program(1);
}

static void teardown(void)
{
	rm_tree(dir);
	unsetenv("BPFRUN_CACHE_DIR");
}

static struct headers_choice headers(void)
{
	struct headers_env env;
	struct headers_choice h;

	headers_env_default(&env);
	ck_assert_int_eq(headers_choose(&env, NULL, &h), 0);
	return h;
}

/* Attach, make @n getppid() calls, return what the program counted. */
static unsigned long long run(struct bpfrun *b, int n)
{
	unsigned long long v = 0;
	int zero = 0, i;

	ck_assert_int_eq(bpfrun_attach_auto(b), 1);
	for (i = 0; i < n; i++)
		syscall(__NR_getppid);
	ck_assert_int_eq(bpf_map_lookup_elem(bpfrun_table_fd(b, "counts"),
					     &zero, &v), 0);
	return v;
}

static struct bpfrun *open_prog(bool no_cache)
{
	BPFRUN_OPTS(bpfrun_opts, o, .cflags = cflags, .ncflags = 1,
		    .no_cache = no_cache);
	struct bpfrun *b = NULL;

	ck_assert_int_eq(bpfrun_open(&b, src, &o), 0);
	return b;
}

/* 0 when the current source loads from the cache, else why not. */
static int from_cache(const struct headers_choice *h, unsigned long long *v)
{
	struct bpfrun *b = calloc(1, sizeof(*b));
	int err;

	ck_assert_ptr_nonnull(b);
	b->path = strdup(src);
	err = cache_load(b, src, cflags, 1, h, NULL);
	if (!err && v)
		*v = run(b, 3);
	bpfrun_close(b);
	return err;
}

/* Make sure a rewrite is seen even within one mtime tick. */
static void later(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

START_TEST(test_same_behaviour)
{
	struct headers_choice h = headers();
	unsigned long long v = 0;
	struct bpfrun *b;

	ck_assert_int_ne(from_cache(&h, NULL), 0);	/* empty cache */
	b = open_prog(false);				/* compiles, stores */
	ck_assert_uint_eq(run(b, 3), 30);
	bpfrun_close(b);
	ck_assert_int_eq(from_cache(&h, &v), 0);
	ck_assert_uint_eq(v, 30);			/* same program */
}
END_TEST

START_TEST(test_no_cache)
{
	struct headers_choice h = headers();
	struct bpfrun *b = open_prog(true);

	ck_assert_uint_eq(run(b, 2), 20);
	bpfrun_close(b);
	ck_assert_int_ne(from_cache(&h, NULL), 0);	/* nothing stored */
}
END_TEST

START_TEST(test_invalidation)
{
	struct headers_choice h = headers(), other = h;
	unsigned long long v = 0;
	struct bpfrun *b;

	bpfrun_close(open_prog(false));
	ck_assert_int_eq(from_cache(&h, NULL), 0);

	/* the source */
	later();
	write_program(2);
	ck_assert_int_ne(from_cache(&h, NULL), 0);
	b = open_prog(false);
	ck_assert_uint_eq(run(b, 1), 20);
	bpfrun_close(b);
	ck_assert_int_eq(from_cache(&h, &v), 0);
	ck_assert_uint_eq(v, 60);

	/* a header it includes */
	later();
	write_file(hdr, "#define STEP 100\n");
	ck_assert_int_ne(from_cache(&h, NULL), 0);
	b = open_prog(false);
	ck_assert_uint_eq(run(b, 1), 200);
	bpfrun_close(b);

	/* a cflag */
	snprintf(def, sizeof(def), "-DTARGET_PID=%d", getpid() + 1);
	ck_assert_int_ne(from_cache(&h, NULL), 0);
	snprintf(def, sizeof(def), "-DTARGET_PID=%d", getpid());
	ck_assert_int_eq(from_cache(&h, NULL), 0);

	/* the header tree */
	snprintf(other.version, sizeof(other.version), "%s-other", h.version);
	ck_assert_int_ne(from_cache(&other, NULL), 0);
	ck_assert_int_eq(from_cache(&h, NULL), 0);
}
END_TEST

START_TEST(test_kernel_in_key)
{
	struct headers_choice h = headers();
	struct utsname u, v;
	char *a = NULL, *b = NULL, *c = NULL;

	uname(&u);
	v = u;
	ck_assert_int_eq(cache_key(src, cflags, 1, &h, &u, NULL, &a), 0);
	ck_assert_int_eq(cache_key(src, cflags, 1, &h, &v, NULL, &b), 0);
	ck_assert_str_eq(a, b);
	/* a new build of the same release differs in its version string */
	snprintf(v.version, sizeof(v.version), "#2 SMP another build");
	ck_assert_int_eq(cache_key(src, cflags, 1, &h, &v, NULL, &c), 0);
	ck_assert_str_ne(a, c);
	free(a);
	free(b);
	free(c);
}
END_TEST

/*
 * The USDT probes are in the key: their binary by identity (another file
 * at the same path is another key), a process by start time and mappings;
 * malformed targets and gone processes are refused before any compile.
 */
START_TEST(test_usdt_key)
{
	char self[64], *a = NULL, *b = NULL;
	struct bpfrun_usdt u = { .func = "f", .target = "/proc/self/exe:p:n" };
	struct usdt_set set;
	struct stat st;

	ck_assert_int_eq(usdt_set_make(&u, 1, &set), 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.v[0].provider, "p");
	ck_assert_str_eq(set.v[0].probe, "n");
	ck_assert_int_eq(stat("/proc/self/exe", &st), 0);
	ck_assert_ptr_nonnull(strstr(set.key, "usdt f /proc/self/exe:p:n 0 /"));
	snprintf(self, sizeof(self), " %llu ", (unsigned long long)st.st_ino);
	ck_assert_ptr_nonnull(strstr(set.key, self));
	a = strdup(set.key);
	usdt_set_free(&set);
	/* the same probe in this process: its start time and mappings */
	snprintf(self, sizeof(self), "%d::n", getpid());
	u.target = self;
	ck_assert_int_eq(usdt_set_make(&u, 1, &set), 0);
	ck_assert_int_eq(set.v[0].pid, getpid());
	ck_assert_str_eq(set.v[0].binary, "");
	ck_assert_str_eq(set.v[0].provider, "");
	ck_assert_ptr_nonnull(strstr(set.key, " process "));
	b = strdup(set.key);
	ck_assert_str_ne(a, b);
	usdt_set_free(&set);
	u.target = "/proc/self/exe:n";
	ck_assert_int_eq(usdt_set_make(&u, 1, &set), -EINVAL);
	u.target = "::n";	/* no binary and no pid */
	ck_assert_int_eq(usdt_set_make(&u, 1, &set), -EINVAL);
	u.target = "/nonexistent/bin:p:n";
	ck_assert_int_lt(usdt_set_make(&u, 1, &set), 0);
	free(a);
	free(b);
}
END_TEST

static void entry_files(void (*fn)(const char *))
{
	char cmd[PATH_MAX + 64], line[PATH_MAX];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find '%s/programs' -type f", cache);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		fn(line);
	}
	pclose(p);
}

static void make_writable(const char *p)
{
	ck_assert_int_eq(chmod(p, 0666), 0);
}

static void give_away(const char *p)
{
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
}

START_TEST(test_untrusted_entries)
{
	struct headers_choice h = headers();
	struct bpfrun *b;

	bpfrun_close(open_prog(false));
	ck_assert_int_eq(from_cache(&h, NULL), 0);

	entry_files(make_writable);
	ck_assert_int_eq(from_cache(&h, NULL), -EPERM);
	b = open_prog(false);	/* recompiles, replaces the entry */
	ck_assert_uint_eq(run(b, 1), 10);
	bpfrun_close(b);
	ck_assert_int_eq(from_cache(&h, NULL), 0);

	entry_files(give_away);
	ck_assert_int_eq(from_cache(&h, NULL), -EPERM);
	b = open_prog(false);
	ck_assert_uint_eq(run(b, 1), 10);
	bpfrun_close(b);
	ck_assert_int_eq(from_cache(&h, NULL), 0);

	/* a cache directory others may write to is not used at all */
	ck_assert_int_eq(chmod(cache, 0777), 0);
	ck_assert_int_eq(from_cache(&h, NULL), -EPERM);
}
END_TEST

/* Flip bit @bit of byte @off (from the end when negative) of every entry. */
static long flip_off;
static int flip_bit;

static void flip(const char *p)
{
	FILE *f = fopen(p, "r+");
	long size;
	int c;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, flip_off < 0 ? size + flip_off : flip_off, SEEK_SET);
	c = fgetc(f);
	fseek(f, -1, SEEK_CUR);
	fputc(c ^ (1 << flip_bit), f);
	ck_assert_int_eq(fclose(f), 0);
}

static int nr_entries;

static void count_entry(const char *p)
{
	(void)p;
	nr_entries++;
}

/*
 * One bit flipped anywhere in an entry (here: in the last instruction's
 * bytes, and in the middle where the table descriptions are) is refused,
 * the entry removed, and the next open compiles the program as written.
 */
START_TEST(test_damaged_entry)
{
	static const long offs[] = { -6, 100, 200 };
	struct headers_choice h = headers();
	struct bpfrun *b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		bpfrun_close(open_prog(false));
		ck_assert_int_eq(from_cache(&h, NULL), 0);
		flip_off = offs[i];
		flip_bit = i % 8;
		entry_files(flip);
		ck_assert_int_eq(from_cache(&h, NULL), -EBADMSG);
		nr_entries = 0;
		entry_files(count_entry);
		ck_assert_int_eq(nr_entries, 0);
		b = open_prog(false);
		ck_assert_uint_eq(run(b, 1), 10);
		bpfrun_close(b);
	}
}
END_TEST

static void map_info(struct bpfrun *b, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, len);
	ck_assert_int_eq(bpf_obj_get_info_by_fd(bpfrun_table_fd(b, "counts"),
						info, &len), 0);
}

/*
 * A warm start makes its maps as the cold one does, through the same code:
 * the same kind, sizes and flags, and the same BTF types (which
 * bpf_spin_lock and friends need).
 */
START_TEST(test_maps_same_warm_cold)
{
	struct headers_choice h = headers();
	struct bpf_map_info cold, warm;
	struct bpfrun *b;

	b = open_prog(false);
	map_info(b, &cold);
	bpfrun_close(b);
	ck_assert_int_eq(from_cache(&h, NULL), 0);
	b = open_prog(false);
	map_info(b, &warm);
	bpfrun_close(b);
	ck_assert_uint_eq(cold.type, warm.type);
	ck_assert_uint_eq(cold.key_size, warm.key_size);
	ck_assert_uint_eq(cold.value_size, warm.value_size);
	ck_assert_uint_eq(cold.max_entries, warm.max_entries);
	ck_assert_uint_eq(cold.map_flags, warm.map_flags);
	ck_assert_uint_ne(cold.btf_id, 0);
	ck_assert_uint_ne(warm.btf_id, 0);
	ck_assert_uint_ne(cold.btf_value_type_id, 0);
	ck_assert_uint_eq(cold.btf_key_type_id, warm.btf_key_type_id);
	ck_assert_uint_eq(cold.btf_value_type_id, warm.btf_value_type_id);
}
END_TEST

/*
 * Headers found in every way clang finds them are part of the entry: beside
 * the program through <...> (the -I of the program's directory), through
 * `#include MACRO`, and through `-I DIR` given as two arguments.
 */
START_TEST(test_headers_clang_read)
{
	char inc[PATH_MAX], dash_i[] = "-I", name[PATH_MAX + 8];
	const char *flags[] = { def, dash_i, inc };
	BPFRUN_OPTS(bpfrun_opts, o, .cflags = flags, .ncflags = 3);
	static const char *const forms[] = {
		"#include <step.h>\n",
		"#define HDR \"step.h\"\n#include HDR\n",
		"#include <other.h>\n",
	};
	struct bpfrun *b;
	char text[1024];
	size_t i;

	snprintf(inc, sizeof(inc), "%s/inc", dir);
	ck_assert_int_eq(mkdir(inc, 0755), 0);
	snprintf(name, sizeof(name), "%s/other.h", inc);
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		snprintf(text, sizeof(text),
			 "%sBPF_ARRAY(counts, u64, 1);\n"
			 "TRACEPOINT_PROBE(syscalls, sys_enter_getppid)\n"
			 "{\n"
			 "	int zero = 0;\n"
			 "	u64 *v = counts.lookup(&zero);\n"
			 "	if (v && (bpf_get_current_pid_tgid() >> 32) == TARGET_PID)\n"
			 "		__sync_fetch_and_add(v, STEP);\n"
			 "	return 0;\n"
			 "}\n",
			 forms[i]);
		write_file(src, text);
		write_file(hdr, "#define STEP 111\n");
		write_file(name, "#define STEP 111\n");
		ck_assert_int_eq(bpfrun_open(&b, src, &o), 0);
		ck_assert_uint_eq(run(b, 1), 111);
		bpfrun_close(b);
		later();
		write_file(hdr, "#define STEP 222\n");
		write_file(name, "#define STEP 222\n");
		ck_assert_int_eq(bpfrun_open(&b, src, &o), 0);
		ck_assert_uint_eq(run(b, 1), 222);
		bpfrun_close(b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_behaviour);
	tcase_add_test(tc, test_no_cache);
	tcase_add_test(tc, test_invalidation);
	tcase_add_test(tc, test_kernel_in_key);
	tcase_add_test(tc, test_usdt_key);
	tcase_add_test(tc, test_untrusted_entries);
	tcase_add_test(tc, test_damaged_entry);
	tcase_add_test(tc, test_maps_same_warm_cold);
	tcase_add_test(tc, test_headers_clang_read);
	suite_add_tcase(s, tc);
	return root_suite_run(s, NULL);
}
