// SPDX-License-Identifier: Apache-2.0
/*
 * kprobes and kretprobes: one kernel function, or every function a pattern
 * matches (bcc's event_re=); and, on kernels without kprobes, a probe on a
 * syscall's function attached to the syscall's tracepoint instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "cscan.h"
#include "attach.h"
#include "decode.h"

/* bcc's limit on probes opened at once (_default_probe_limit) */
#define MAX_PATTERN_PROBES 1000

/*
 * "__x64_sys_execve" -> "execve" when that is a syscall whose tracepoint
 * @dir ("enter" or "exit") exists. A bare "sys_open", the name of older
 * kernels (kretprobe__sys_open), counts too: with no kprobes to try, the
 * syscall is what it can mean.
 */
static int syscall_of_symbol(const char *sym, const char *dir, char *name,
			     size_t len)
{
	const char *sc = syscall_name(sym);
	char rel[PATH_MAX], p[PATH_MAX];

	if (!sc && !strncmp(sym, "sys_", 4) && sym[4])
		sc = sym + 4;
	if (!sc)
		return -ENOENT;
	snprintf(name, len, "%s", sc);
	snprintf(rel, sizeof(rel), "events/syscalls/sys_%s_%s", dir, name);
	return !tracefs_path(rel, p, sizeof(p)) && is_dir(p) ? 0 : -ENOENT;
}

static int tracepoint_attach_fd(struct bpfrun *b, struct bpfrun_func *f,
				int prog_fd, const char *tp)
{
	struct perf_event_attr attr = { 0 };
	int id, pfd;

	id = tracepoint_id("syscalls", tp + strlen("syscalls:"));
	if (id < 0)
		return id;
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	pfd = perf_open(&attr, -1);
	if (pfd < 0)
		return -errno;
	return perf_attach(b, pfd, prog_fd, BPFRUN_TRACEPOINT, f, tp);
}

/*
 * A syscall's function that reads its arguments, as bcc's syscall__NAME()
 * and PT_REGS_SYSCALL_CTX(ctx) do, reads them from the user's registers,
 * whose address is the wrapper's first argument: PT_REGS_PARM1(ctx). The
 * raw tracepoint sys_enter (raw_syscalls) is given that same address as
 * its args[0] and the syscall's number as args[1], for every syscall. So
 * the program runs there with that load moved to args[0] (ctx_remap.c
 * refuses any other load through its context) behind a prologue that
 * returns at once for other syscalls. A copy is loaded per syscall: the
 * number is in its code.
 */
static int kprobe_sys_enter(struct bpfrun *b, struct bpfrun_func *f,
			    const char *sym, const char *sc)
{
	const struct bpf_insn prologue[] = {
		/* r2 = args[1]; if (r2 != nr) return 0; */
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1, .off = 8 },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_2,
		  .off = 2, .imm = arch_syscall_nr(arch_this(), sc) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const struct arch *a = arch_this();
	size_t np = ARRAY_SIZE(prologue);
	struct bpf_insn *insns = NULL, *all;
	char why[200] = "";
	int prog_fd, fd, err;

	if (prologue[1].imm < 0 || !a->syscall_prefix ||
	    strncmp(sym, a->syscall_prefix, strlen(a->syscall_prefix))) {
		pr_err("cannot attach kprobe %s: kprobes are not available on this kernel (CONFIG_KPROBES is off), and %s reads its pt_regs, which tracepoint syscalls:sys_enter_%s does not provide; rewrite it as TRACEPOINT_PROBE(syscalls, sys_enter_%s)\n",
		       sym, f->name, sc, sc);
		return -EOPNOTSUPP;
	}
	err = ctx_remap_loads(f, a->regs_parm1_offset, 0, &insns, why,
			      sizeof(why));
	if (err == -EOPNOTSUPP)
		pr_err("cannot attach kprobe %s: kprobes are not available on this kernel (CONFIG_KPROBES is off), and raw tracepoint sys_enter gives %s only the syscall's registers (PT_REGS_SYSCALL_CTX(ctx), what bcc's syscall__ functions read), but %s; rewrite it as TRACEPOINT_PROBE(syscalls, sys_enter_%s)\n",
		       sym, f->name, why, sc);
	if (err)
		return err;
	all = malloc((f->ninsns + np) * sizeof(*all));
	if (!all) {
		free(insns);
		return -ENOMEM;
	}
	/* jumps and calls are relative: the body moves as a whole */
	memcpy(all, prologue, sizeof(prologue));
	memcpy(all + np, insns, f->ninsns * sizeof(*all));
	free(insns);
	prog_fd = func_load_insns(b, f, FD_SLOT_NONE,
				  BPF_PROG_TYPE_RAW_TRACEPOINT, all,
				  f->ninsns + np);
	free(all);
	if (prog_fd < 0)
		return prog_fd;
	fd = bpf_raw_tracepoint_open("sys_enter", prog_fd);
	close(prog_fd);	/* the link holds it */
	if (fd < 0) {
		pr_err("cannot attach %s to raw tracepoint sys_enter: %s\n",
		       f->name, strerror(-fd));
		return fd;
	}
	pr_err("kprobes are not available on this kernel (CONFIG_KPROBES is off): attaching %s to raw tracepoint sys_enter, for syscall %s (number %d) only, instead of kprobe %s\n",
	       f->name, sc, prologue[1].imm, sym);
	return link_add(b, fd, BPFRUN_RAW_TRACEPOINT, f->name, "sys_enter");
}

/* Without kprobes, a kprobe on a syscall's function can be its tracepoint. */
static int kprobe_fallback(struct bpfrun *b, struct bpfrun_func *f,
			   const char *sym)
{
	char sc[128], tp[160];
	int prog_fd;

	if (syscall_of_symbol(sym, "enter", sc, sizeof(sc)))
		return -ENOENT;
	snprintf(tp, sizeof(tp), "syscalls:sys_enter_%s", sc);
	if (func_reads_ctx(f))
		return kprobe_sys_enter(b, f, sym, sc);
	prog_fd = func_load(b, f, BPF_PROG_TYPE_TRACEPOINT);
	if (prog_fd < 0)
		return prog_fd;
	pr_err("kprobes are not available on this kernel (CONFIG_KPROBES is off): attaching %s to tracepoint %s instead of kprobe %s\n",
	       f->name, tp, sym);
	return tracepoint_attach_fd(b, f, prog_fd, tp);
}

/* Where sys_exit_@sc keeps the return value: its field "ret". */
static int sys_exit_ret_offset(const char *sc)
{
	char name[160];
	struct tp_format fmt;
	size_t i;
	int off = -ENOENT, err;

	snprintf(name, sizeof(name), "sys_exit_%s", sc);
	err = tp_format_read("syscalls", name, &fmt);
	if (err)
		return err;
	for (i = 0; i < fmt.nfields; i++)
		if (!strcmp(fmt.fields[i].name, "ret") && fmt.fields[i].size == 8)
			off = fmt.fields[i].offset;
	tp_format_free(&fmt);
	return off;
}

/*
 * The same for a kretprobe, at sys_exit_NAME: a program that reads its
 * pt_regs only for PT_REGS_RC(ctx) gets the tracepoint's "ret" there,
 * which is the value the kretprobe would have seen (ctx_remap.c says when
 * that can be told for sure).
 */
static int kretprobe_fallback(struct bpfrun *b, struct bpfrun_func *f,
			      const char *sym)
{
	char sc[128], tp[160], why[200] = "";
	struct bpf_insn *insns;
	int prog_fd, off, err;

	if (syscall_of_symbol(sym, "exit", sc, sizeof(sc)))
		return -ENOENT;
	snprintf(tp, sizeof(tp), "syscalls:sys_exit_%s", sc);
	if (!func_reads_ctx(f)) {
		prog_fd = func_load(b, f, BPF_PROG_TYPE_TRACEPOINT);
	} else {
		off = sys_exit_ret_offset(sc);
		if (off < 0) {
			pr_err("cannot attach kretprobe %s: kprobes are not available on this kernel (CONFIG_KPROBES is off), and tracepoint %s has no field ret\n",
			       sym, tp);
			return -EOPNOTSUPP;
		}
		err = ctx_remap_loads(f, arch_this()->regs_rc_offset, off,
				      &insns, why, sizeof(why));
		if (err == -EOPNOTSUPP) {
			pr_err("cannot attach kretprobe %s: kprobes are not available on this kernel (CONFIG_KPROBES is off), and tracepoint %s gives %s only the return value (PT_REGS_RC(ctx)), but %s; rewrite it as TRACEPOINT_PROBE(syscalls, sys_exit_%s) reading args->ret\n",
			       sym, tp, f->name, why, sc);
			return err;
		}
		if (err)
			return err;
		prog_fd = func_load_insns(b, f, FD_SLOT_SYS_EXIT,
					  BPF_PROG_TYPE_TRACEPOINT, insns,
					  f->ninsns);
		free(insns);
	}
	if (prog_fd < 0)
		return prog_fd;
	pr_err("kprobes are not available on this kernel (CONFIG_KPROBES is off): attaching %s to tracepoint %s instead of kretprobe %s, PT_REGS_RC(ctx) its return value\n",
	       f->name, tp, sym);
	return tracepoint_attach_fd(b, f, prog_fd, tp);
}

static void explain_missing_symbol(const char *kind, const char *sym)
{
	char real[128];

	pr_err("cannot attach %s, probe entry may not exist: there is no kernel function %s (not in /proc/kallsyms)\n",
	       kind, sym);
	/* a syscall's own name: say what it is called in this kernel */
	if (!syscall_symbol(NULL, sym, real, sizeof(real)))
		pr_err("%s is a system call: its kernel function here is %s (what get_syscall_fnname(\"%s\") returns); or trace it with tracepoint syscalls:sys_enter_%s\n",
		       sym, real, sym, sym);
}

/*
 * Functions no kprobe can take, skipped before trying as bcc skips them:
 * NOKPROBE_SYMBOL()s (_kbl_addr_*), perf's own, static call trampolines,
 * gcc's .cold parts. The kernel's blacklist is read where debugfs shows it.
 */
static bool never_probed(const char *fn, const char *blacklist)
{
	static const char *const prefixes[] = { "_kbl_addr_", "__perf",
						"perf_", "__SCT__" };
	const char *p;
	size_t i, n = strlen(fn);

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	if (strstr(fn, ".cold"))
		return true;
	/* blacklist lines: "0xSTART-0xEND\tNAME" */
	for (p = blacklist; p && (p = strstr(p, fn)); p += n)
		if (p > blacklist && p[-1] == '\t' && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* Sorted, without duplicates: the file lists a static function per object. */
static int pattern_matches(const struct name_pattern *pat, char ***out,
			   size_t *nout)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], line[512];
	struct nameset set = { 0 };
	char *blacklist = NULL;
	size_t len;
	int err;
	FILE *fp;

	err = bpfrun_tracefs(dir, sizeof(dir));
	if (err)
		return err;
	if (read_whole("/sys/kernel/debug/kprobes/blacklist", 16 << 20,
		       &blacklist, &len))
		blacklist = NULL;
	snprintf(path, sizeof(path), "%s/available_filter_functions", dir);
	fp = fopen(path, "re");
	if (!fp) {
		err = -errno;
		pr_err("cannot read %s: %s\n", path, strerror(-err));
		free(blacklist);
		return err;
	}
	while (!err && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, " \t\n")] = '\0';
		if (line[0] && pattern_match(pat, line) &&
		    !never_probed(line, blacklist))
			err = ns_add(&set, line, strlen(line));
	}
	fclose(fp);
	free(blacklist);
	if (err) {
		ns_free(&set);
		return err;
	}
	ns_sort(&set);
	*out = set.v;
	*nout = set.n;
	return 0;
}

/*
 * Every match, skipping the ones the kernel refuses (inlined, notrace,
 * blacklisted: EINVAL, ENOENT, EADDRNOTAVAIL...) as bcc does; an error
 * only when none could be attached.
 */
static int attach_kprobe_pattern(struct bpfrun *b, struct bpfrun_func *f,
				 enum bpfrun_kind kind, const char *target)
{
	const struct attach_kind *k = &attach_kinds[kind];
	size_t n = 0, i, done = 0, skipped = 0;
	struct name_pattern pat;
	int prog_fd, pfd, err, first = 0;
	char **fns = NULL;

	if (pmu_type(k->pmu) < 0) {
		pr_err("cannot attach %s pattern %s: kprobes are not available on this kernel (CONFIG_KPROBES is off)\n",
		       k->name, target);
		return -EOPNOTSUPP;
	}
	err = pattern_init(&pat, "kprobe", target);
	if (err)
		return err;
	err = pattern_matches(&pat, &fns, &n);
	pattern_free(&pat);
	if (err)
		return err;
	if (!n) {
		pr_err("cannot attach %s %s: no kernel function matches %s (see available_filter_functions in tracefs)\n",
		       f->name, k->name, target);
		err = -ENOENT;
		goto out;
	}
	if (n > MAX_PATTERN_PROBES) {
		pr_err("cannot attach %s %s: %zu kernel functions match, more than the %d probes bcc allows at once; narrow the pattern\n",
		       k->name, target, n, MAX_PATTERN_PROBES);
		err = -E2BIG;
		goto out;
	}
	prog_fd = func_load(b, f, k->prog_type);
	if (prog_fd < 0) {
		err = prog_fd;
		goto out;
	}
	for (i = 0; i < n; i++) {
		pfd = probe_open(k, fns[i], 0, -1);
		err = pfd < 0 ? -errno : perf_set_bpf(pfd, prog_fd);
		if (err) {
			if (pfd >= 0)
				close(pfd);
			if (!first)
				first = err;
			pr_info("skipped %s %s: %s\n", k->name, fns[i],
				strerror(-err));
			skipped++;
			continue;
		}
		err = link_add(b, pfd, kind, f->name, fns[i]);
		if (err)
			goto out;
		done++;
	}
	err = 0;
	if (!done) {
		pr_err("cannot attach %s %s: none of the %zu kernel functions matching it can be probed (first error: %s)\n",
		       k->name, target, n, strerror(-first));
		err = first;
	} else if (skipped) {
		pr_warn("%s %s: attached %s to %zu of the %zu matching functions; %zu cannot be probed (inlined, notrace or blacklisted; -v lists them)\n",
			k->name, target, f->name, done, n, skipped);
	}
out:
	for (i = 0; i < n; i++)
		free(fns[i]);
	free(fns);
	return err;
}

/*
 * /proc/kallsyms takes ~25 ms to read, so it is read only to explain a
 * failure, or to tell a missing symbol from missing kprobes.
 */
int attach_kprobe(struct bpfrun *b, struct bpfrun_func *f,
		  enum bpfrun_kind kind, const char *target,
		  const struct attach_req *req)
{
	const struct attach_kind *k = &attach_kinds[kind];
	unsigned long long addr;
	int prog_fd, pfd, err;

	if (is_pattern(target))
		return attach_kprobe_pattern(b, f, kind, target);
	if (pmu_type(k->pmu) < 0) {
		err = kind == BPFRUN_KPROBE ? kprobe_fallback(b, f, target) :
					      kretprobe_fallback(b, f, target);
		if (err != -ENOENT)
			return err;
		if (ksym_lookup(NULL, target, &addr)) {
			explain_missing_symbol(k->name, target);
			return -ENOENT;
		}
		pr_err("cannot attach %s %s: kprobes are not available on this kernel (CONFIG_KPROBES is off); use a tracepoint instead (syscalls:sys_enter_*/sys_exit_* for system calls)\n",
		       k->name, target);
		return -EOPNOTSUPP;
	}
	prog_fd = func_load(b, f, k->prog_type);
	if (prog_fd < 0)
		return prog_fd;
	pfd = probe_open(k, target, 0, -1);
	if (pfd < 0) {
		err = -errno;
		if (ksym_lookup(NULL, target, &addr)) {
			explain_missing_symbol(k->name, target);
			return -ENOENT;
		}
		pr_err("cannot attach %s %s: %s (the function may be inlined, or marked notrace)\n",
		       k->name, target, strerror(-err));
		return err;
	}
	return perf_attach(b, pfd, prog_fd, kind, f, target);
}
