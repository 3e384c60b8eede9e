/* SPDX-License-Identifier: Apache-2.0 */
/* mmaptop: what both sides share. No libc includes. */
#ifndef MMAPTOP_H
#define MMAPTOP_H

#define MMAPTOP_COMM_LEN 16
#define MMAPTOP_MAX_PIDS 10240
#define MMAPTOP_SLOTS 65	/* bcc's log2 slots for a 64-bit length */

/* mmap(2) flags & MAP_TYPE, from the uapi mman headers */
#define MMAPTOP_MAP_TYPE 0x0f
#define MMAPTOP_MAP_SHARED 0x01
#define MMAPTOP_MAP_PRIVATE 0x02
#define MMAPTOP_MAP_SHARED_VALIDATE 0x03

enum mmaptop_kind {
	MMAPTOP_PRIVATE,
	MMAPTOP_SHARED,
	MMAPTOP_OTHER,
	MMAPTOP_NR_KINDS,
};

struct mmaptop_count {
	__u64 calls;
	char comm[MMAPTOP_COMM_LEN];
};

#endif
