// SPDX-License-Identifier: Apache-2.0
/* A networking program: TCP state changes by family and port, from struct sock. */
#include <net/sock.h>

struct key_t {
	u16 family;
	u16 dport;
	int newstate;
};
BPF_HASH(changes, struct key_t, u64);

TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
	struct sock *sk = (struct sock *)args->skaddr;
	struct key_t k = {};

	k.family = sk->__sk_common.skc_family;
	k.dport = sk->__sk_common.skc_dport;
	k.newstate = args->newstate;
	changes.increment(k);
	return 0;
}
