// SPDX-License-Identifier: Apache-2.0
/* x86_64: the one architecture bpfrun is tested on. */
#include "arch.h"
#include "internal.h"
#include "x86_64_kmacros.h"

/* generated at build time from <asm/unistd.h> (Makefile.am) */
static const struct syscall_nr syscalls[] = {
	/*
	 * The names the kernel defines these by (SYSCALL_DEFINE, and so its
	 * tracepoints and __x64_sys_ functions), where <asm/unistd.h> has the
	 * user's name (arch/x86/entry/syscalls/syscall_64.tbl). First, so that
	 * they win.
	 */
	{ "newstat", 4 },   { "newfstat", 5 },	  { "newlstat", 6 },
	{ "newuname", 63 }, { "sendfile64", 40 }, { "umount", 166 },
#include "arch/syscall_nrs.h"
};

static const struct arch x86_64 = {
	.machine = "x86_64",
	.debian = "amd64",
	.multiarch = "x86_64-linux-gnu",
	.syscall_prefix = "__x64_sys_",
	.config = "#define CONFIG_X86_64 1\n#define CONFIG_64BIT 1\n",
	.page_shift = 12,
	.regs_rc_offset = 80,		/* ax: after r15..r8, bp, bx */
	.regs_parm1_offset = 112,	/* di */
	.syscalls = syscalls,
	.nsyscalls = ARRAY_SIZE(syscalls),
	.ldcache_flags = 0x0303,	/* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
	.kmacros = kmacros,
	.nkmacros = ARRAY_SIZE(kmacros),
};

const struct arch *arch_this(void)
{
	return &x86_64;
}
