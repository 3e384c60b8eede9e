// SPDX-License-Identifier: Apache-2.0
/*
 * Which stack map a field or a key's variable holds ids of, from the
 * program's text as bcc's tools write it (src/stacks.c). No kernel: the
 * tables are described, not created.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "suites.h"

static struct bpfrun_table tables[] = {
	{ .name = "counts", .type = BPF_MAP_TYPE_HASH, .key_size = 4,
	  .leaf_size = 8, .fd = 100 },
	{ .name = "stack_traces", .type = BPF_MAP_TYPE_STACK_TRACE,
	  .key_size = 4, .leaf_size = 127 * 8, .max_entries = 1024, .fd = 101 },
	{ .name = "kstacks", .type = BPF_MAP_TYPE_STACK_TRACE, .key_size = 4,
	  .leaf_size = 127 * 8, .max_entries = 1024, .fd = 102 },
};

static struct bpfrun_stacks *open_stacks(size_t ntables)
{
	struct bpfrun b = { .tables = tables, .ntables = ntables };
	struct bpfrun_stacks *s;

	ck_assert_int_eq(bpfrun_stacks_open(&b, &s), 0);
	return s;
}

START_TEST(test_map_of_field)
{
	static const char src[] =
		"key.user_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);\n"
		"key.kernel_stack_id = kstacks.get_stackid(ctx, 0);\n"
		"data.w_k_stack_id = helper(ctx);\n"
		"int stackid = (int)kstacks.get_stackid(ctx, skip);\n"
		"key.pid = pid;\n";
	struct bpfrun_stacks *s = open_stacks(3);

	ck_assert_uint_eq(bpfrun_stacks_nr_maps(s), 2);
	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "counts", "user_stack_id"),
			 "stack_traces");
	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "counts", "kernel_stack_id"),
			 "kstacks");
	/* a cast before the call */
	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "counts", "stackid"),
			 "kstacks");
	/* named as bcc names them, filled elsewhere: the first stack map */
	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "counts", "w_k_stack_id"),
			 "stack_traces");
	ck_assert_ptr_null(bpfrun_stack_map_of(s, src, "counts", "pid"));
	/* "user_stack_id" is no "_stack_id" of another name */
	ck_assert_ptr_null(bpfrun_stack_map_of(s, src, "counts", "r.stack_id"));
	bpfrun_stacks_close(s);
}
END_TEST

START_TEST(test_map_of_key)
{
	/* mallocstacks and memleak: maps keyed by the id itself */
	static const char src[] =
		"int key = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);\n"
		"val = calls.lookup_or_try_init(&key, &zero);\n"
		"existing = combined_allocs.lookup(&stack_id);\n"
		"sizes.update(&pid, &size);\n";
	struct bpfrun_stacks *s = open_stacks(2);

	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "calls", NULL),
			 "stack_traces");
	ck_assert_str_eq(bpfrun_stack_map_of(s, src, "combined_allocs", NULL),
			 "stack_traces");
	ck_assert_ptr_null(bpfrun_stack_map_of(s, src, "sizes", NULL));
	ck_assert_ptr_null(bpfrun_stack_map_of(s, src, "nosuch", NULL));
	bpfrun_stacks_close(s);
}
END_TEST

START_TEST(test_no_stack_map)
{
	struct bpfrun_stacks *s = open_stacks(1);

	/* without a stack map nothing is a stack id, whatever its name */
	ck_assert_uint_eq(bpfrun_stacks_nr_maps(s), 0);
	ck_assert_ptr_null(bpfrun_stack_map_of(s, "x", "counts", "stack_id"));
	ck_assert_int_eq(bpfrun_stack_walk(s, "stack_traces", 1, 0, NULL, NULL),
			 -EINVAL);
	bpfrun_stacks_close(s);
}
END_TEST

START_TEST(test_walk_negative)
{
	struct bpfrun_stacks *s = open_stacks(2);

	/* what get_stackid() answers instead of an id, no map read */
	ck_assert_int_eq(bpfrun_stack_walk(s, "stack_traces", -EFAULT, 0, NULL,
					   NULL), -EFAULT);
	ck_assert_int_eq(bpfrun_stack_walk(s, "stack_traces", -EEXIST, 0, NULL,
					   NULL), -ENOSPC);
	ck_assert_int_eq(bpfrun_stack_walk(s, "stack_traces", -ENOMEM, 0, NULL,
					   NULL), -ENOSPC);
	ck_assert_int_eq(bpfrun_stack_walk(s, "stack_traces", -1, 0, NULL,
					   NULL), -EINVAL);
	ck_assert(bpfrun_stacks_lost(s, "stack_traces") == 2);
	ck_assert(bpfrun_stacks_lost(s, NULL) == 2);
	bpfrun_stacks_close(s);
}
END_TEST

START_TEST(test_frame_str)
{
	struct bpfrun_frame f = { .ip = 0x1234, .sym = "chain_c", .off = 8,
				  .module = "/usr/bin/bcc_target" };
	char buf[128];

	ck_assert_int_eq(bpfrun_frame_str(&f, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "chain_c+0x8 [bcc_target]");
	f.sym = NULL;
	f.off = 0x1230;
	bpfrun_frame_str(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/usr/bin/bcc_target+0x1230");
	f.module = "[vdso]";	/* no file: the address */
	bpfrun_frame_str(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[vdso] 0x1234");
	f.module = NULL;
	bpfrun_frame_str(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[unknown] 0x1234");
	f = (struct bpfrun_frame){ .build_id = "37cd38b2", .off = 0x30e };
	bpfrun_frame_str(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[build id 37cd38b2]+0x30e");
	f = (struct bpfrun_frame){ .ip = 0xffffffff81000010ULL, .kernel = true,
				   .sym = "startup_64", .off = 0x10 };
	bpfrun_frame_str(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "startup_64+0x10");
	ck_assert_int_eq(bpfrun_frame_str(&f, buf, 4), -ENAMETOOLONG);
}
END_TEST

Suite *make_stacks_suite(void)
{
	Suite *s = suite_create("stacks");
	TCase *tc = tcase_create("stacks");

	tcase_add_test(tc, test_map_of_field);
	tcase_add_test(tc, test_map_of_key);
	tcase_add_test(tc, test_no_stack_map);
	tcase_add_test(tc, test_walk_negative);
	tcase_add_test(tc, test_frame_str);
	suite_add_tcase(s, tc);
	return s;
}
