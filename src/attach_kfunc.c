// SPDX-License-Identifier: Apache-2.0
/*
 * fentry and fexit programs: bcc's KFUNC_PROBE(FN, args...) and
 * KRETFUNC_PROBE(FN, args...), the functions kfunc__FN and kretfunc__FN,
 * which bcc attaches by their names where BPF.support_kfunc() says the
 * kernel can (opensnoop, vfsstat, klockstat pick them then). The program
 * reads its arguments as an array of u64 (BPF_PROG), which the verifier
 * checks against FN's prototype in the kernel's BTF: so the load names
 * FN's BTF id, and each target is a load of its own.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"

int attach_kfunc(struct bpfrun *b, struct bpfrun_func *f,
		 enum bpfrun_kind kind, const char *target,
		 const struct attach_req *req)
{
	const struct attach_kind *k = &attach_kinds[kind];
	enum bpf_attach_type at = k->retprobe ? BPF_TRACE_FEXIT :
						BPF_TRACE_FENTRY;
	struct btf *vmlinux;
	int id, prog_fd, fd;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		pr_err("cannot attach %s %s: the kernel's BTF cannot be read (/sys/kernel/btf/vmlinux): %s programs need it\n",
		       k->name, target, k->name);
		return -EOPNOTSUPP;
	}
	id = btf__find_by_name_kind(vmlinux, target, BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0) {
		pr_err("cannot attach %s %s: the kernel's BTF has no function %s (a module's, inlined, or not in this kernel)\n",
		       k->name, target, target);
		return -ENOENT;
	}
	prog_fd = func_load_tracing(b, f, at, id);
	if (prog_fd == -EPERM)
		pr_err("cannot attach %s %s: the kernel does not allow fentry/fexit programs here (EPERM); bcc's tools take their kprobe form when BPF.support_kfunc() is false\n",
		       k->name, target);
	if (prog_fd < 0)
		return prog_fd;
	fd = bpf_link_create(prog_fd, 0, at, NULL);
	close(prog_fd);	/* the link holds it */
	if (fd < 0) {
		pr_err("cannot attach %s %s: %s\n", k->name, target,
		       strerror(-fd));
		return fd;
	}
	return link_add(b, fd, kind, f->name, target);
}
