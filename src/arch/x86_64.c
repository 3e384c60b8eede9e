// SPDX-License-Identifier: Apache-2.0
/* x86_64: the one architecture bpfrun is tested on. */
#include "arch.h"
#include "internal.h"
#include "x86_64_kmacros.h"

static const struct arch x86_64 = {
	.machine = "x86_64",
	.debian = "amd64",
	.multiarch = "x86_64-linux-gnu",
	.syscall_prefix = "__x64_sys_",
	.config = "#define CONFIG_X86_64 1\n#define CONFIG_64BIT 1\n",
	.page_shift = 12,
	.regs_rc_offset = 80,		/* ax: after r15..r8, bp, bx */
	.ldcache_flags = 0x0303,	/* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
	.kmacros = kmacros,
	.nkmacros = ARRAY_SIZE(kmacros),
};

const struct arch *arch_this(void)
{
	return &x86_64;
}
