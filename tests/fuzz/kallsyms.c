// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/kallsyms, or the file given instead: the parser reads a path, so
 * the input goes to a memfd and the parser opens /proc/self/fd/N.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct ksym_iter it;
	unsigned long long addr;
	char buf[64];
	volatile size_t n = 0;

	if (fd < 0) {
		fd = memfd_create("kallsyms", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (!ksym_open(&it, path)) {
		while (ksym_next(&it))
			n += strlen(it.name) + it.type + it.addr;
		ksym_close(&it);
	}
	(void)n;
	ksym_lookup(path, "tcp_v4_connect", &addr);
	syscall_symbol(path, "execve", buf, sizeof(buf));
	/* a name that only fits when the buffer is big enough */
	syscall_symbol(path, "execve", buf, 12);
	return 0;
}
