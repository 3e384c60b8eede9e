// SPDX-License-Identifier: Apache-2.0
/*
 * Compile through libbcc's C API, in a child process (compile_child.c):
 * fork it, take its messages, maps and image, end it on a stop request.
 * A 50 MB source once ran 11 minutes in-process, deaf to signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "compile.h"
#include "internal.h"

void compiled_free(struct compiled *c)
{
	size_t i;

	for (i = 0; i < c->nfds; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	free(c->fds);
	free(c->image);
	memset(c, 0, sizeof(*c));
}

/* One message: its tag, the fd or text that comes with it. */
static int recv_msg(int sock, unsigned *tag, int *fd, char *text, size_t *len)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov[2] = { { tag, sizeof(*tag) }, { text, MSG_MAX } };
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = 2,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;	/* the child ended */
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n < (ssize_t)sizeof(*tag) ||
	    (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		if (*fd >= 0)
			close(*fd);
		return -EPROTO;
	}
	*len = n - sizeof(*tag);
	text[*len] = '\0';
	return 1;
}

#define MAX_IMAGE (256u << 20)

static int take_image(struct compiled *out, int fd)
{
	struct stat st;

	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > MAX_IMAGE)
		return -EPROTO;
	out->image = malloc(st.st_size);
	if (!out->image)
		return -ENOMEM;
	if (pread(fd, out->image, st.st_size, 0) != st.st_size)
		return -EIO;
	out->len = st.st_size;
	return 0;
}

/* Table fds arrive before the image; fds[tag] grows to hold each. */
static int take_fd(struct compiled *out, unsigned tag, int fd)
{
	size_t i;

	if (tag >= 65536)
		return -EPROTO;
	if (tag >= out->nfds) {
		int *v = realloc(out->fds, (tag + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (i = out->nfds; i <= tag; i++)
			v[i] = -1;
		out->fds = v;
		out->nfds = tag + 1;
	}
	if (out->fds[tag] >= 0)
		return -EPROTO;
	out->fds[tag] = fd;
	return 0;
}

void held_free(struct held_msgs *m)
{
	size_t i;

	for (i = 0; m && i < m->n; i++)
		free(m->v[i].text);
	if (m) {
		free(m->v);
		memset(m, 0, sizeof(*m));
	}
}

void held_say(struct held_msgs *m)
{
	size_t i;

	for (i = 0; m && i < m->n; i++)
		pr_level(m->v[i].level, "%s", m->v[i].text);
	held_free(m);
}

static void say(struct held_msgs *held, enum bpfrun_print_level level,
		const char *text)
{
	struct held_msg *v;

	if (held) {
		v = realloc(held->v, (held->n + 1) * sizeof(*v));
		if (v) {
			held->v = v;
			v[held->n].level = level;
			v[held->n].text = strdup(text);
			if (v[held->n].text) {
				held->n++;
				return;
			}
		}
	}
	pr_level(level, "%s", text);	/* no room to hold it */
}

static int receive(int sock, struct held_msgs *held, struct compiled *out)
{
	struct pollfd p[2] = {
		{ .fd = sock, .events = POLLIN },
		{ .fd = cancel_fd_get(), .events = POLLIN },
	};
	char *text;
	unsigned tag;
	size_t len;
	int err, fd;

	text = malloc(MSG_MAX + 1);
	if (!text)
		return -ENOMEM;
	for (;;) {
		/* a signal, or the host's cancel fd, ends the wait */
		err = -EINTR;
		if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN))
			break;
		err = recv_msg(sock, &tag, &fd, text, &len);
		if (err <= 0) {
			err = err ? err : -ECHILD;
			break;
		}
		if (tag >= TAG_MSG && tag < TAG_MSG + BPFRUN_NR_PRINT_LEVELS &&
		    fd < 0) {
			say(held, tag - TAG_MSG, text);
			continue;
		}
		err = -EPROTO;
		if (fd < 0 || len)
			break;
		if (tag == TAG_IMAGE) {
			err = take_image(out, fd);
			close(fd);
			break;
		}
		err = take_fd(out, tag, fd);
		if (err) {
			close(fd);
			break;
		}
	}
	free(text);
	return err;
}

/* What the child's end says, when it sent no image. */
static int child_status(int status, const char *path)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) ? -WEXITSTATUS(status) : -EPROTO;
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		pr_err("%s: the compiler (libbcc) was killed by signal %d (%s)%s\n",
		       path, sig, strsignal(sig),
		       sig == SIGABRT || sig == SIGSEGV || sig == SIGKILL ?
			       "; it may have run out of memory (a compile may use 2 GiB of address space)" :
			       "");
	}
	return -EIO;
}

int compile_program(const char *path, const char *const *cflags,
		    size_t ncflags, const struct headers_choice *h,
		    const struct usdt_set *usdt, struct held_msgs *held,
		    struct compiled *out)
{
	pid_t pid, parent = getpid();
	int sv[2], err, status;

	memset(out, 0, sizeof(*out));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		/* die with the parent; it may be gone already */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(ECHILD);
		_exit(child_compile(sv[1], path, cflags, ncflags, h, usdt));
	}
	close(sv[1]);
	err = receive(sv[0], held, out);
	close(sv[0]);
	/* interrupted, or it said something we cannot take: it is done */
	if (err && err != -ECHILD)
		kill(pid, SIGKILL);
	if (err == -EINTR)
		pr_err("%s: compile interrupted\n", path);
	else if (err && err != -ECHILD)
		pr_err("%s: the compile's child process sent what it should not: %s\n",
		       path, strerror(-err));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err == -ECHILD)
		err = child_status(status, path);
	if (err)
		compiled_free(out);
	return err;
}
