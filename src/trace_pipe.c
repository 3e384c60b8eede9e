// SPDX-License-Identifier: Apache-2.0
/*
 * The trace_pipe parser and reader. A line looks like
 *   "            bash-1241    [000] d..31   250.183089: bpf_trace_printk: msg"
 * with an optional "(  1241)" tgid column after the task, and older kernels
 * print the helper's address ("0x00000001:") instead of its name.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define LINE_MAX_LEN 4096

/* The " [NNN] " CPU column: the anchor every other field hangs from. */
static const char *find_cpu(const char *line, int *cpu, const char **after)
{
	const char *p, *q;

	for (p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		if (p == line || p[-1] != ' ' || !isdigit((unsigned char)p[1]))
			continue;
		for (q = p + 1; isdigit((unsigned char)*q); q++)
			;
		if (*q == ']' && q[1] == ' ') {
			*cpu = atoi(p + 1);
			*after = q + 2;
			return p;
		}
	}
	return NULL;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

int bpfrun_trace_parse(const char *line, struct bpfrun_trace_fields *f)
{
	const char *cpu, *p, *end, *dash, *tok, *colon;
	size_t n;

	memset(f, 0, sizeof(*f));
	cpu = find_cpu(line, &f->cpu, &p);
	if (!cpu)
		return -EINVAL;

	/* "task-pid", then maybe "(tgid)", then the CPU column */
	end = cpu;
	while (end > line && end[-1] == ' ')
		end--;
	if (end > line && end[-1] == ')') {
		while (end > line && end[-1] != '(')
			end--;
		if (end == line)
			return -EINVAL;
		end--;
		while (end > line && end[-1] == ' ')
			end--;
	}
	for (dash = end - 1; dash > line && *dash != '-'; dash--)
		;
	if (dash <= line || dash + 1 == end)
		return -EINVAL;
	for (tok = dash + 1; tok < end; tok++)
		if (!isdigit((unsigned char)*tok))
			return -EINVAL;
	f->pid = atoi(dash + 1);
	tok = skip_spaces(line);
	n = dash - tok;
	if (n >= sizeof(f->task))
		n = sizeof(f->task) - 1;
	memcpy(f->task, tok, n);

	/* "flags   timestamp:" (no flags on old kernels) */
	tok = skip_spaces(p);
	n = strcspn(tok, " ");
	if (tok[n] == ' ' && n > 0 && tok[n - 1] != ':') {
		if (n >= sizeof(f->flags))
			return -EINVAL;
		memcpy(f->flags, tok, n);
		tok = skip_spaces(tok + n);
	}
	f->ts = strtod(tok, (char **)&p);
	if (p == tok || *p != ':')
		return -EINVAL;

	/* " bpf_trace_printk: msg" or " 0x00000001: msg" */
	colon = strstr(p + 1, ": ");
	if (!colon)
		return -EINVAL;
	f->msg = colon + 2;
	return 0;
}

struct bpfrun_trace_pipe {
	int fd;
	unsigned long long overrun0;	/* the kernel's count when opened */
	size_t len;		/* bytes in buf */
	size_t skip;		/* a line longer than buf is being dropped */
	char line[LINE_MAX_LEN];	/* the last line returned */
	char buf[LINE_MAX_LEN];
};

/* The kernel lets one process read trace_pipe at a time: name it. */
static void explain_busy(const char *path)
{
	char fdpath[PATH_MAX], link[PATH_MAX], comm[64] = "";
	struct dirent *p, *fd;
	DIR *proc, *fds;
	int pid = 0;

	proc = opendir("/proc");
	while (proc && !pid && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/%s/fd", p->d_name);
		fds = opendir(fdpath);
		while (fds && !pid && (fd = readdir(fds))) {
			char lp[PATH_MAX + 300];
			ssize_t n;

			snprintf(lp, sizeof(lp), "%s/%s", fdpath, fd->d_name);
			n = readlink(lp, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', strstr(link, "trace_pipe")))
				pid = atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	if (pid) {
		snprintf(fdpath, sizeof(fdpath), "/proc/%d/comm", pid);
		if (read_file(fdpath, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = '\0';
		pr_err("%s is busy: process %d (%s) is reading it, and the kernel allows one reader at a time; stop it first\n",
		       path, pid, comm);
	} else {
		pr_err("%s is busy: another process is reading it, and the kernel allows one reader at a time\n",
		       path);
	}
}

/*
 * Lines the kernel's trace buffer overwrote because nobody read them in
 * time, on every CPU and from every writer: per_cpu/cpuN/stats "overrun".
 */
static unsigned long long overruns(void)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], buf[1024], *l;
	unsigned long long sum = 0, n;
	struct dirent *d;
	DIR *dp;

	if (tracefs_path("per_cpu", dir, sizeof(dir)) || !(dp = opendir(dir)))
		return 0;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, "cpu", 3))
			continue;
		snprintf(p, sizeof(p), "%s/%s/stats", dir, d->d_name);
		if (read_file(p, buf, sizeof(buf)) <= 0)
			continue;
		for (l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
			if (sscanf(l, "overrun: %llu", &n) == 1)
				sum += n;
	}
	closedir(dp);
	return sum;
}

/*
 * Until something expands it, the trace buffer is 7 KiB per CPU: about a
 * hundred lines, overwritten if bpfrun is a moment late. Enabling the
 * bpf_trace_printk event through tracefs (which the helper enables anyway)
 * makes the kernel grow it to its default size, as for any tracing user.
 */
static void expand_buffer(void)
{
	char p[PATH_MAX];
	int fd;

	if (tracefs_path("events/bpf_trace/bpf_trace_printk/enable", p,
			 sizeof(p)))
		return;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		pr_info("cannot enable %s: %s\n", p, strerror(errno));
	close(fd);
}

unsigned long long bpfrun_trace_pipe_overrun(const struct bpfrun_trace_pipe *tp)
{
	unsigned long long now;

	if (!tp)
		return 0;
	now = overruns();
	return now > tp->overrun0 ? now - tp->overrun0 : 0;
}

int bpfrun_trace_pipe_open(struct bpfrun_trace_pipe **tpp)
{
	struct bpfrun_trace_pipe *tp;
	char path[PATH_MAX];
	int err;

	err = tracefs_path("trace_pipe", path, sizeof(path));
	if (err)
		return err;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	tp->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (tp->fd < 0) {
		err = -errno;
		if (err == -EBUSY)
			explain_busy(path);
		else
			pr_err("cannot open %s: %s\n", path, strerror(-err));
		free(tp);
		return err;
	}
	expand_buffer();
	tp->overrun0 = overruns();
	*tpp = tp;
	return 0;
}

void bpfrun_trace_pipe_close(struct bpfrun_trace_pipe *tp)
{
	if (!tp)
		return;
	close(tp->fd);
	free(tp);
}

/* Take the next whole line out of the buffer into tp->line. */
static int next_line(struct bpfrun_trace_pipe *tp)
{
	char *nl = memchr(tp->buf, '\n', tp->len);
	size_t n;

	if (!nl) {
		if (tp->len == sizeof(tp->buf)) {
			tp->skip = 1;	/* too long to be ours: drop it */
			tp->len = 0;
		}
		return 0;
	}
	n = nl - tp->buf;
	if (!tp->skip) {
		memcpy(tp->line, tp->buf, n);
		tp->line[n] = '\0';
	}
	memmove(tp->buf, nl + 1, tp->len - n - 1);
	tp->len -= n + 1;
	if (tp->skip) {
		tp->skip = 0;
		return -EAGAIN;
	}
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int bpfrun_trace_pipe_read(struct bpfrun_trace_pipe *tp,
			   struct bpfrun_trace_fields *f, int timeout_ms)
{
	long long end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct pollfd p[2] = {
		{ .fd = tp->fd, .events = POLLIN },
		{ .fd = timeout_ms ? cancel_fd_get() : -1, .events = POLLIN },
	};

	for (;;) {
		int r, wait = -1;
		ssize_t n;

		r = next_line(tp);
		if (r == 1) {
			if (!bpfrun_trace_parse(tp->line, f))
				return 1;
			continue;
		}
		if (r < 0)
			continue;
		n = read(tp->fd, tp->buf + tp->len, sizeof(tp->buf) - tp->len);
		if (n > 0) {
			tp->len += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (!timeout_ms)
			return 0;
		if (timeout_ms > 0) {
			wait = end - now_ms();
			if (wait <= 0)
				return 0;
		}
		r = poll(p, 2, wait);
		if ((r < 0 && errno == EINTR) || (p[1].revents & POLLIN))
			return -EINTR;
		if (r < 0)
			return -errno;
	}
}
