/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compile's two halves: the parent (compile.c) forks the child
 * (compile_child.c), which runs libbcc and sends back, over a
 * SOCK_SEQPACKET socket, its messages, the maps libbcc made and an image.
 */
#ifndef BPFRUN_COMPILE_H
#define BPFRUN_COMPILE_H

#include <stddef.h>

#include "internal.h"

/*
 * The child's messages to the parent, one datagram each: a u32 tag, then
 * for a table index or TAG_IMAGE an fd, for TAG_MSG + level some text.
 */
#define TAG_IMAGE 0xffffffffu
#define TAG_MSG 0xfffffff0u
#define MSG_MAX 32768

int send_msg(int sock, unsigned tag, int fd, const char *text, size_t len);
/* The child's work: returns a positive errno for its exit status. */
int child_compile(int sock, const char *path, const char *const *cflags,
		  size_t ncflags, const struct headers_choice *h,
		  const struct usdt_set *usdt);

/*
 * btf_anchor.c: the text of the program at @path with its own structs,
 * unions and enums made part of its BTF (malloc()ed), or -errno.
 */
int anchored_source(const char *path, char **out);

#endif
