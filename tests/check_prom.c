// SPDX-License-Identifier: Apache-2.0
/*
 * runner_prom.c: metric and label names, escaping, what a map becomes, and
 * (as root) the samples of real BPF maps made here: struct keys as labels,
 * per-CPU sums, cumulative histogram buckets.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_runner.h"
#include "runner.h"

static const char *named(const char *in)
{
	static char out[128];

	prom_name(out, sizeof(out), in);
	return out;
}

START_TEST(test_names)
{
	ck_assert_str_eq(named("syscount"), "syscount");
	ck_assert_str_eq(named("my-prog.v2"), "my_prog_v2");
	ck_assert_str_eq(named("2cool"), "_2cool");
	ck_assert_str_eq(named("readBytes"), "read_bytes");
	ck_assert_str_eq(named("a::b"), "a_b");
	ck_assert_str_eq(named(""), "_");
}
END_TEST

static char *label(const char *in)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	prom_label_value(f, in);
	fclose(f);
	return buf;
}

START_TEST(test_escape)
{
	ck_assert_str_eq(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	ck_assert_str_eq(label("caf\xc3\xa9"), "caf\xc3\xa9");	/* UTF-8 kept */
	ck_assert_str_eq(label("x\xff\xc3y"), "x??y");	/* invalid: '?' */
	ck_assert_str_eq(label("tab\there"), "tab?here");
}
END_TEST

#define KEY_DESC "[\"key_t\", [[\"pid\",\"unsigned int\"], [\"comm\",\"char\", [16]] ], \"struct_packed\"]"
#define HKEY_DESC "[\"hkey_t\", [[\"comm\",\"char\", [16]], [\"slot\",\"unsigned long long\"] ], \"struct_packed\"]"

static struct prom_map init(const char *name, int type, const char *kdesc,
			    unsigned ks, const char *vdesc, unsigned vs,
			    const char *src, int fd)
{
	struct bpfrun_table_info ti = {
		.name = name, .type = type, .key_size = ks, .leaf_size = vs,
		.max_entries = 64, .key_desc = kdesc, .leaf_desc = vdesc,
		.fd = fd,
	};
	struct dtype *k = NULL, *v = NULL;
	struct prom_map pm;

	/* as dprog_map_types gives them when the program has no BTF */
	if (kdesc && vdesc &&
	    (dtype_parse(kdesc, &k, NULL, 0) || dtype_parse(vdesc, &v, NULL, 0))) {
		dtype_free(k);
		dtype_free(v);
		k = v = NULL;
	}
	ck_assert_int_eq(prom_map_init(&pm, &ti, k, v, "my-prog", src), 0);
	return pm;
}

START_TEST(test_kinds)
{
	struct prom_map pm;

	pm = init("calls", BPF_MAP_TYPE_HASH, KEY_DESC, 20,
		  "\"unsigned long long\"", 8, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_COUNTER);
	ck_assert_str_eq(pm.name, "my_prog_calls");
	ck_assert_uint_eq(pm.nk, 2);
	prom_map_free(&pm);

	pm = init("inflight", BPF_MAP_TYPE_HASH, "\"int\"", 4,
		  "\"long long\"", 8, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_GAUGE);
	ck_assert_str_eq(pm.kcols[0].name, "key");
	prom_map_free(&pm);

	pm = init("dist", BPF_MAP_TYPE_ARRAY, "\"int\"", 4,
		  "\"unsigned long long\"", 8, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_HISTOGRAM);
	ck_assert(!pm.linear);
	prom_map_free(&pm);

	pm = init("lin_dist", BPF_MAP_TYPE_HASH, "\"unsigned int\"", 4,
		  "\"unsigned long long\"", 8, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_HISTOGRAM);
	ck_assert(pm.linear);
	prom_map_free(&pm);

	pm = init("write_hist", BPF_MAP_TYPE_HASH, HKEY_DESC, 24,
		  "\"unsigned long long\"", 8, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_HISTOGRAM);
	ck_assert_int_eq(pm.slot_col, 1);
	prom_map_free(&pm);

	/* a ring buffer, or a map libbcc did not describe: not a metric */
	pm = init("events", BPF_MAP_TYPE_RINGBUF, NULL, 0, NULL, 0, NULL, 99);
	ck_assert_int_eq(pm.kind, PROM_NONE);
	prom_map_free(&pm);
}
END_TEST

START_TEST(test_annotation)
{
	static const char src[] =
		"// bpfrun:metric callsx name=wrong\n"
		"/* bpfrun:metric calls type=gauge name=sys_Calls help=Calls by \"pid\" */\n"
		"// bpfrun:metric dist type=linear\n"
		"// bpfrun:metric hidden type=none help=x\n";
	struct prom_map pm;

	pm = init("calls", BPF_MAP_TYPE_HASH, KEY_DESC, 20,
		  "\"unsigned long long\"", 8, src, 99);
	ck_assert_int_eq(pm.kind, PROM_GAUGE);
	ck_assert_str_eq(pm.name, "sys_calls");
	ck_assert_str_eq(pm.help, "Calls by \"pid\"");
	prom_map_free(&pm);

	pm = init("dist", BPF_MAP_TYPE_ARRAY, "\"int\"", 4,
		  "\"unsigned long long\"", 8, src, 99);
	ck_assert_int_eq(pm.kind, PROM_HISTOGRAM);
	ck_assert(pm.linear);
	prom_map_free(&pm);

	pm = init("hidden", BPF_MAP_TYPE_HASH, "\"int\"", 4,
		  "\"unsigned long long\"", 8, src, 99);
	ck_assert_int_eq(pm.kind, PROM_NONE);
	prom_map_free(&pm);
}
END_TEST

/* the samples of @pm, read from its map now */
static char *scrape(const struct prom_map *pm)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_ge(prom_map_write(f, pm), 0);
	fclose(f);
	return buf;
}

static int new_map(int type, unsigned ks, unsigned vs, unsigned n)
{
	int fd = bpf_map_create(type, NULL, ks, vs, n, NULL);

	if (fd < 0 && (errno == EPERM || errno == EACCES))
		return -1;
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_samples)
{
	struct { unsigned pid; char comm[16]; } __attribute__((packed)) k = { 0 };
	unsigned long long v, *pcpu;
	int fd, ncpu = libbpf_num_possible_cpus(), i;
	struct prom_map pm;
	char *out, want[128];

	fd = new_map(BPF_MAP_TYPE_HASH, 20, 8, 64);
	if (fd < 0) {
		fprintf(stderr, "check_prom: no BPF maps without root: samples not checked\n");
		return;
	}
	k.pid = 7;
	strcpy(k.comm, "a\"b");
	v = 5;
	ck_assert_int_eq(bpf_map_update_elem(fd, &k, &v, 0), 0);
	pm = init("calls", BPF_MAP_TYPE_HASH, KEY_DESC, 20,
		  "\"unsigned long long\"", 8, NULL, fd);
	out = scrape(&pm);
	ck_assert_str_eq(out, "# HELP my_prog_calls_total counts of my-prog: BPF map calls, labels from key key_t\n"
			      "# TYPE my_prog_calls_total counter\n"
			      "my_prog_calls_total{pid=\"7\",comm=\"a\\\"b\"} 5\n");
	free(out);
	prom_map_free(&pm);
	close(fd);

	/* per CPU: summed; an all-zero array entry left out */
	fd = new_map(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2);
	pcpu = calloc(ncpu, sizeof(*pcpu));
	for (i = 0; i < ncpu; i++)
		pcpu[i] = i + 1;
	i = 0;
	ck_assert_int_eq(bpf_map_update_elem(fd, &i, pcpu, 0), 0);
	free(pcpu);
	pm = init("pc", BPF_MAP_TYPE_PERCPU_ARRAY, "\"int\"", 4,
		  "\"unsigned long long\"", 8, NULL, fd);
	out = scrape(&pm);
	snprintf(want, sizeof(want), "\nmy_prog_pc_total{key=\"0\"} %d\n",
		 ncpu * (ncpu + 1) / 2);
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert(!strstr(out, "key=\"1\""));
	free(out);
	prom_map_free(&pm);
	close(fd);

	/* log2 slots 2 (3 values) and 4 (1 value): cumulative buckets */
	fd = new_map(BPF_MAP_TYPE_ARRAY, 4, 8, 65);
	i = 2, v = 3;
	ck_assert_int_eq(bpf_map_update_elem(fd, &i, &v, 0), 0);
	i = 4, v = 1;
	ck_assert_int_eq(bpf_map_update_elem(fd, &i, &v, 0), 0);
	pm = init("dist", BPF_MAP_TYPE_ARRAY, "\"int\"", 4,
		  "\"unsigned long long\"", 8, NULL, fd);
	out = scrape(&pm);
	ck_assert_str_eq(strchr(strchr(out, '\n') + 1, '\n') + 1,
			 "my_prog_dist_bucket{le=\"0\"} 0\n"
			 "my_prog_dist_bucket{le=\"1\"} 0\n"
			 "my_prog_dist_bucket{le=\"3\"} 3\n"
			 "my_prog_dist_bucket{le=\"7\"} 3\n"
			 "my_prog_dist_bucket{le=\"15\"} 4\n"
			 "my_prog_dist_bucket{le=\"+Inf\"} 4\n"
			 "my_prog_dist_count 4\n");
	free(out);
	prom_map_free(&pm);
	close(fd);
}
END_TEST

Suite *make_prom_suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_annotation);
	tcase_add_test(tc, test_samples);
	suite_add_tcase(s, tc);
	return s;
}
