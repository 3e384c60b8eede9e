// SPDX-License-Identifier: Apache-2.0
/*
 * hash.c: SHA-256 against the FIPS 180-4 examples and against Python's
 * hashlib at every padding boundary, one call or fed in pieces.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "suites.h"

static void assert_sha(const void *data, size_t len, const char *want)
{
	char hex[SHA256_HEX];

	sha256_buf(data, len, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_fips_vectors)
{
	assert_sha("", 0,
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_sha("abc", 3,
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
		   "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

/* One million 'a', fed 1,000 bytes at a time (FIPS 180-4's long example). */
START_TEST(test_million_a)
{
	char block[1000], hex[SHA256_HEX];
	struct sha256 s;
	int i;

	memset(block, 'a', sizeof(block));
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, block, sizeof(block));
	sha256_hex(&s, hex);
	ck_assert_str_eq(hex,
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/*
 * Lengths where the padding changes (55: the length fits the block, 56:
 * it does not; 64: a whole block), bytes (i * 7 + 3) & 0xff, digests
 * from Python's hashlib; each fed whole and one byte, then 5 at a time.
 */
START_TEST(test_padding_boundaries)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
		{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
		{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
		{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
		{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
		{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
	};
	unsigned char data[128];
	char hex[SHA256_HEX];
	struct sha256 s;
	size_t i, j, step;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (i * 7 + 3) & 0xff;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		assert_sha(data, v[i].len, v[i].hex);
		for (step = 1; step <= 5; step += 4) {
			sha256_init(&s);
			for (j = 0; j < v[i].len; j += step)
				sha256_update(&s, data + j,
					      v[i].len - j < step ?
					      v[i].len - j : step);
			sha256_hex(&s, hex);
			ck_assert_msg(!strcmp(hex, v[i].hex),
				      "%zu bytes fed %zu at a time: %s",
				      v[i].len, step, hex);
		}
	}
}
END_TEST

Suite *make_hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, test_fips_vectors);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_padding_boundaries);
	suite_add_tcase(s, tc);
	return s;
}
