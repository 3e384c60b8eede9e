// SPDX-License-Identifier: Apache-2.0
/*
 * Images, the store's entries and the hash under both, without a kernel
 * or root:
 * what is encoded decodes to the same program, and what is damaged or
 * malformed is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

#include "internal.h"

START_TEST(test_sha256_vectors)
{
	char hex[SHA256_HEX];
	struct sha256 s;

	/* FIPS 180-4's examples */
	sha256_buf("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_buf("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* the same in pieces that straddle a block */
	sha256_init(&s);
	sha256_update(&s, "abcdbcdecdefdefgefghfghighij", 28);
	sha256_update(&s, "hijkijkljklmklmnlmnomnopnopq", 28);
	sha256_hex(&s, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

/* A program of two tables and one function that loads the second. */
static void make_program(struct bpfrun *b, struct bpf_insn *insns)
{
	static char *fields[] = { "pid#u32", "comm#char[16]" };
	static struct bpfrun_table t[2] = {
		{ .name = "counts", .type = 1, .key_size = 4, .leaf_size = 8,
		  .max_entries = 10240, .key_desc = "\"unsigned int\"",
		  .leaf_desc = "\"unsigned long long\"", .fd = -1 },
		{ .name = "events", .type = 4, .key_size = 4, .leaf_size = 4,
		  .max_entries = 2, .key_desc = "\"int\"",
		  .leaf_desc = "\"unsigned int\"", .fields = fields,
		  .nfields = 2, .fd = -1 },
	};
	static struct bpfrun_func f = { .name = "tracepoint__x__y", .ninsns = 4 };
	struct bpf_insn prog[4] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = 1 },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	memcpy(insns, prog, sizeof(prog));
	f.insns = insns;
	memset(b, 0, sizeof(*b));
	strcpy(b->license, "GPL");
	b->kern_version = 0x60000;
	b->tables = t;
	b->ntables = 2;
	b->funcs = &f;
	b->nfuncs = 1;
}

START_TEST(test_image_roundtrip)
{
	struct image_deps deps = { 0 }, back = { 0 };
	struct bpf_insn insns[4];
	struct bpfrun src, *b;
	char *img;
	size_t len;

	make_program(&src, insns);
	ck_assert_int_eq(deps_add(&deps, "/proc/self/exe"), 0);
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	b = calloc(1, sizeof(*b));
	ck_assert_int_eq(image_decode(b, &back, img, len), 0);
	ck_assert_str_eq(b->license, "GPL");
	ck_assert_uint_eq(b->ntables, 2);
	ck_assert_str_eq(b->tables[1].name, "events");
	ck_assert_uint_eq(b->tables[0].max_entries, 10240);
	ck_assert_uint_eq(b->tables[1].nfields, 2);
	ck_assert_str_eq(b->tables[1].fields[1], "comm#char[16]");
	ck_assert_int_eq(b->tables[1].fd, -1);
	ck_assert_uint_eq(b->nfuncs, 1);
	ck_assert_mem_eq(b->funcs[0].insns, insns, sizeof(insns));
	ck_assert_uint_eq(back.n, 1);
	ck_assert_str_eq(back.v[0].path, "/proc/self/exe");
	bpfrun_close(b);
	deps_free(&back);
	deps_free(&deps);
	free(img);
}
END_TEST

/* Every truncation and a map load naming no table are refused. */
START_TEST(test_image_malformed)
{
	struct image_deps deps = { 0 };
	struct bpf_insn insns[4];
	struct bpfrun src, *b;
	char *img;
	size_t len, i;

	make_program(&src, insns);
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	for (i = 0; i < len; i++) {
		b = calloc(1, sizeof(*b));
		ck_assert_int_eq(image_decode(b, &deps, img, i), -EINVAL);
		bpfrun_close(b);
		deps_free(&deps);
	}
	free(img);
	insns[0].imm = 2;	/* there are two tables: 0 and 1 */
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	b = calloc(1, sizeof(*b));
	ck_assert_int_eq(image_decode(b, &deps, img, len), -EINVAL);
	bpfrun_close(b);
	free(img);
}
END_TEST

/* USDT places come back as they went; one naming no function is refused. */
START_TEST(test_image_usdt)
{
	struct usdt_loc loc = { .func = "tracepoint__x__y", .target = "bin:p:n",
				.path = "/usr/bin/python3.11", .offset = 0xf20a1,
				.ref_ctr = 0x683260, .pid = 42 };
	struct image_deps deps = { 0 };
	struct bpf_insn insns[4];
	struct bpfrun src, *b;
	char *img;
	size_t len;

	make_program(&src, insns);
	src.usdt = &loc;
	src.nusdt = 1;
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	b = calloc(1, sizeof(*b));
	ck_assert_int_eq(image_decode(b, &deps, img, len), 0);
	ck_assert_uint_eq(b->nusdt, 1);
	ck_assert_str_eq(b->usdt[0].func, "tracepoint__x__y");
	ck_assert_str_eq(b->usdt[0].target, "bin:p:n");
	ck_assert_str_eq(b->usdt[0].path, "/usr/bin/python3.11");
	ck_assert_uint_eq(b->usdt[0].offset, 0xf20a1);
	ck_assert_uint_eq(b->usdt[0].ref_ctr, 0x683260);
	ck_assert_int_eq(b->usdt[0].pid, 42);
	bpfrun_close(b);
	free(img);
	loc.func = "no_such_function";
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	b = calloc(1, sizeof(*b));
	ck_assert_int_eq(image_decode(b, &deps, img, len), -EINVAL);
	bpfrun_close(b);
	free(img);
	loc.func = "tracepoint__x__y";
	loc.path = "relative/path";
	ck_assert_int_eq(image_encode(&src, &deps, &img, &len), 0);
	b = calloc(1, sizeof(*b));
	ck_assert_int_eq(image_decode(b, &deps, img, len), -EINVAL);
	bpfrun_close(b);
	free(img);
}
END_TEST

/* The store's own format: what is read back is what was put, for its key. */
START_TEST(test_store_format)
{
	const char payload[] = "some bytes\0with a NUL";
	const void *back;
	char *e = NULL;
	size_t n, len, i;

	ck_assert_int_eq(store_encode("key 1", payload, sizeof(payload), &e, &n),
			 0);
	ck_assert_int_eq(store_decode("key 1", e, n, &back, &len), 0);
	ck_assert_uint_eq(len, sizeof(payload));
	ck_assert_mem_eq(back, payload, len);
	ck_assert_int_eq(store_decode("key 2", e, n, &back, &len), -ENOENT);
	for (i = 0; i < n * 8; i += 7) {
		e[i / 8] ^= 1 << (i % 8);
		ck_assert_int_ne(store_decode("key 1", e, n, &back, &len), 0);
		e[i / 8] ^= 1 << (i % 8);
	}
	for (i = 0; i < n; i++)
		ck_assert_int_ne(store_decode("key 1", e, i, &back, &len), 0);
	free(e);
}
END_TEST

/*
 * A max_entries typo (1 << 30 entries of u64: 12 GiB) is refused before
 * any map is made: image_bind() creates nothing and says why.
 */
START_TEST(test_map_memory_limit)
{
	struct bpf_insn insns[4];
	struct bpfrun b;

	make_program(&b, insns);
	b.tables[0].max_entries = 1u << 30;
	b.path = "big.c";
	ck_assert_int_eq(image_bind(&b), -E2BIG);
	ck_assert_int_eq(b.tables[0].fd, -1);
	ck_assert_int_eq(b.tables[1].fd, -1);
	b.tables[0].max_entries = 10240;
}
END_TEST

Suite *make_image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_image_roundtrip);
	tcase_add_test(tc, test_image_malformed);
	tcase_add_test(tc, test_image_usdt);
	tcase_add_test(tc, test_store_format);
	tcase_add_test(tc, test_map_memory_limit);
	suite_add_tcase(s, tc);
	return s;
}
