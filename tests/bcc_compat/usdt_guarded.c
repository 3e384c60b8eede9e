// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun:guarded, a probe with a semaphore: the application fires it only
 * while a tracer has set the semaphore (sdt.h names it
 * PROVIDER_NAME_semaphore and puts it in section .probes).
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short bpfrun_guarded_semaphore
	__attribute__((section(".probes")));

unsigned short guarded_semaphore(void)
{
	return *(volatile unsigned short *)&bpfrun_guarded_semaphore;
}

void guarded_fire(unsigned short v)
{
	DTRACE_PROBE1(bpfrun, guarded, v);
}
