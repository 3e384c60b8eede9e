/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What bpfrun knows of an architecture, in one place: src/arch/NAME.c
 * fills a struct arch for the machine it is built for. Adding one (arm64)
 * is one file and its macro table; x86_64 is the only one tested.
 */
#ifndef BPFRUN_ARCH_H
#define BPFRUN_ARCH_H

#include <stddef.h>

/* A kernel macro BTF cannot carry, for the BTF header tree. */
struct kmacro {
	const char *name;	/* "NAME" or "NAME(args)" */
	const char *value;
	const char *btf;	/* array length in BTF that overrides value */
	const char *cond;	/* extra #if condition, or NULL */
};

/* A system call's number on this machine, as its <asm/unistd.h> gives it. */
struct syscall_nr {
	const char *name;	/* "execve" */
	int nr;
};

struct arch {
	const char *machine;		/* uname -m */
	const char *debian;		/* Debian's name: linux-headers-V-THIS */
	const char *multiarch;		/* /usr/lib/THIS, /usr/include/THIS */
	/* the kernel's syscall wrappers (CONFIG_ARCH_HAS_SYSCALL_WRAPPER) */
	const char *syscall_prefix;
	/* kconfig.h lines for a header tree when the kernel's config is unknown */
	const char *config;
	unsigned page_shift;		/* when the config does not say */
	/* offsetof(struct pt_regs, <return register>): PT_REGS_RC(ctx) */
	int regs_rc_offset;
	/* ... and of the first argument's: PT_REGS_PARM1(ctx) */
	int regs_parm1_offset;
	/* the syscall numbers, sorted by name */
	const struct syscall_nr *syscalls;
	size_t nsyscalls;
	/* ld.so.cache flags of this machine's libraries (FLAG_ELF_LIBC6 | ...) */
	int ldcache_flags;
	/* the kernel macros BTF lacks, with this architecture's values */
	const struct kmacro *kmacros;
	size_t nkmacros;
};

/* The architecture this library was built for (libbcc's too). */
const struct arch *arch_this(void);
/* The number of syscall @name ("execve"), or -ENOENT. */
int arch_syscall_nr(const struct arch *a, const char *name);

#endif
