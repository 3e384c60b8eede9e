// SPDX-License-Identifier: Apache-2.0
/*
 * fchmodsnoop: every fchmodat(2), sent through a BPF ring buffer, with the
 * process's ids seen from the host and from inside its own pid namespace.
 * The namespace ids are read by walking kernel structs (task_struct, pid,
 * pid_namespace): their layout comes from the kernel headers, so they are
 * right only with headers that match the running kernel (or --headers=btf).
 * The host defines FILTER_PID, FILTER_TID and FILTER_UID for -p, -t, -u.
 */
#include <linux/sched.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>

#include "bpfrun_filter.h"
#include "fchmodsnoop.h"

BPF_RINGBUF_OUTPUT(events, 16);

static __always_inline void *upid_of(struct pid *pid, unsigned int level)
{
	return (char *)pid + offsetof(struct pid, numbers) +
	       level * sizeof(struct upid);
}

TRACEPOINT_PROBE(syscalls, sys_enter_fchmodat)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader, *parent;
	struct pid *pid, *ppid;
	struct pid_namespace *ns;
	struct fchmod_event *ev;
	unsigned int level, plevel, inum = 0;
	struct upid up = {};

	if (bpfrun_filtered())
		return 0;
	ev = events.ringbuf_reserve(sizeof(*ev));
	if (!ev)
		return 0;
	ev->ts = bpf_ktime_get_ns();
	ev->uid = bpf_get_current_uid_gid();
	ev->host_pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&ev->comm, sizeof(ev->comm));
	if (bpf_probe_read_user_str(ev->filename, sizeof(ev->filename),
				    args->filename) < 0)
		ev->filename[0] = '\0';
	ev->mode = args->mode;

	/* bcc turns these dereferences into bpf_probe_read_kernel() calls */
	parent = task->real_parent;
	ev->host_ppid = parent->tgid;

	/*
	 * The pid as the process's own namespace sees it: the innermost of
	 * the numbers of its thread group leader's struct pid (the active
	 * namespace, not nsproxy->pid_ns_for_children, which is for children).
	 */
	leader = task->group_leader;
	pid = leader->thread_pid;
	level = pid->level;
	/* numbers[] is a flexible array: bcc cannot rewrite [level] on it */
	bpf_probe_read_kernel(&up, sizeof(up), upid_of(pid, level));
	ev->pid = up.nr;
	ns = up.ns;
	/* bcc does not know that ns, read into a local, is a kernel pointer */
	bpf_probe_read_kernel(&inum, sizeof(inum), &ns->ns.inum);
	ev->pid_ns = inum;

	/* the parent is seen in that namespace only if it lives in it too */
	ev->ppid = 0;	/* ring buffer records are not zeroed */
	ppid = parent->group_leader->thread_pid;
	plevel = ppid->level;
	if (plevel >= level) {
		bpf_probe_read_kernel(&up, sizeof(up), upid_of(ppid, level));
		if (up.ns == ns)
			ev->ppid = up.nr;
	}

	events.ringbuf_submit(ev, 0);
	return 0;
}
