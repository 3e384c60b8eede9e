/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filters of every bpfrun event command, for its BPF program: -p PID,
 * -t TID and -u UID, given at load time as FILTER_PID, FILTER_TID and
 * FILTER_UID (see struct bpfrun_value). Defined only when the flag is
 * given, so a program without one has no test at all.
 */
#ifndef BPFRUN_FILTER_H
#define BPFRUN_FILTER_H

/* Is the current task one the user asked not to see? */
static __always_inline int bpfrun_filtered(void)
{
	u64 id = bpf_get_current_pid_tgid();
	u64 ug = bpf_get_current_uid_gid();

#ifdef FILTER_PID
	if (id >> 32 != FILTER_PID)
		return 1;
#endif
#ifdef FILTER_TID
	if ((u32)id != FILTER_TID)
		return 1;
#endif
#ifdef FILTER_UID
	if ((u32)ug != FILTER_UID)
		return 1;
#endif
	(void)id;
	(void)ug;
	return 0;
}

#endif
