// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun --metrics=[ADDR:]PORT: the program's maps on GET /metrics, read
 * at scrape time, for Prometheus. libmicrohttpd serves from a thread of
 * its own, with connection limits and timeouts: a slow, bad or idle client
 * costs that thread a socket, never the loop that reads the program's
 * events. The thread shares only the maps' descriptions (under a lock taken
 * for a scrape and for a new program) and the lost-event counters (atomic).
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define MAX_LOST 64	/* output tables counted */
#define CONNECTIONS 32
#define PER_IP 16
#define TIMEOUT_S 10	/* an idle or stuck connection is closed after this */

struct lost {
	char table[64];
	unsigned long long n;	/* atomic */
};

struct metrics {
	struct MHD_Daemon *d;
	char program[256];	/* the file as given, for build_info */
	char prefix[128];	/* its base name, the metrics' prefix */
	pthread_mutex_t lock;	/* maps, nmaps, entries, the scrape's fields */
	struct prom_map *maps;
	long *entries;		/* per map, of the last scrape */
	size_t nmaps;
	struct lost lost[MAX_LOST];
	size_t nlost;		/* atomic: added by the main thread only */
	unsigned long long scrapes, read_errors;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void own_metrics(FILE *f, struct metrics *m)
{
	size_t i, n = __atomic_load_n(&m->nlost, __ATOMIC_ACQUIRE);

	prom_help(f, "bpfrun_build_info",
		  "bpfrun's version and the BPF program it runs", "gauge");
	fprintf(f, "bpfrun_build_info{version=\"");
	prom_label_value(f, bpfrun_version());
	fprintf(f, "\",program=\"");
	prom_label_value(f, m->program);
	fprintf(f, "\"} 1\n");
	prom_help(f, "bpfrun_program_attached",
		  "1 while the program is attached and its maps are read", "gauge");
	fprintf(f, "bpfrun_program_attached %d\n", m->maps ? 1 : 0);
	prom_help(f, "bpfrun_events_lost_total",
		  "Perf buffer events the kernel could not write (a full buffer), by output table",
		  "counter");
	for (i = 0; i < n; i++) {
		fprintf(f, "bpfrun_events_lost_total{table=\"");
		prom_label_value(f, m->lost[i].table);
		fprintf(f, "\"} %llu\n",
			__atomic_load_n(&m->lost[i].n, __ATOMIC_RELAXED));
	}
}

static void map_metrics(FILE *f, struct metrics *m)
{
	static const struct {
		const char *name, *help;
	} g[] = {
		{ "bpfrun_map_entries", "Entries of the map read by this scrape (arrays: those not all zero)" },
		{ "bpfrun_map_max_entries", "The map's capacity" },
		{ "bpfrun_map_full", "1 when a hash map is full: the program's updates of new keys fail" },
	};
	size_t i, j;

	for (j = 0; j < 3; j++) {
		prom_help(f, g[j].name, g[j].help, "gauge");
		for (i = 0; i < m->nmaps; i++) {
			const struct prom_map *pm = &m->maps[i];
			bool hash = pm->type == BPF_MAP_TYPE_HASH ||
				    pm->type == BPF_MAP_TYPE_LRU_HASH ||
				    pm->type == BPF_MAP_TYPE_PERCPU_HASH ||
				    pm->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;

			if (pm->kind == PROM_NONE || m->entries[i] < 0 ||
			    (j == 2 && !hash))
				continue;
			fprintf(f, "%s{map=\"", g[j].name);
			prom_label_value(f, pm->map);
			fprintf(f, "\"} %ld\n",
				j == 0 ? m->entries[i] :
				j == 1 ? (long)pm->max_entries :
					 (long)(m->entries[i] >= pm->max_entries));
		}
	}
}

/* One scrape: the maps as they are now, then the exporter's own. */
static int scrape(struct metrics *m, char **buf, size_t *len)
{
	double t0 = now();
	size_t i;
	FILE *f;

	f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	/* this thread's alone: no lock per character */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nmaps; i++) {
		m->entries[i] = prom_map_write(f, &m->maps[i]);
		if (m->entries[i] < 0)
			m->read_errors++;
	}
	map_metrics(f, m);
	own_metrics(f, m);
	m->scrapes++;
	prom_help(f, "bpfrun_scrapes_total", "Scrapes of /metrics served",
		  "counter");
	fprintf(f, "bpfrun_scrapes_total %llu\n", m->scrapes);
	prom_help(f, "bpfrun_map_read_errors_total",
		  "Maps a scrape could not read", "counter");
	fprintf(f, "bpfrun_map_read_errors_total %llu\n", m->read_errors);
	pthread_mutex_unlock(&m->lock);
	prom_help(f, "bpfrun_scrape_duration_seconds",
		  "Time this scrape took to read the maps and format them",
		  "gauge");
	fprintf(f, "bpfrun_scrape_duration_seconds %.6f\n", now() - t0);
	if (fclose(f))
		return -ENOMEM;
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	static int seen;
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *buf;

	(void)version;
	(void)upload;
	if (!*state) {	/* the headers: answer once the request is whole */
		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size) {	/* a body nobody asked for: dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK,
			     "bpfrun exporter: the program's maps are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n");
	if (scrape(m, &buf, &len))
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* [ADDR:]PORT, [V6ADDR]:PORT; ADDR defaults to loopback, "" is any */
static int listen_on(const char *at)
{
	char host[256], *port;
	const char *colon, *h;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV },
			*ai = NULL;
	int fd = -1, one = 1, err;
	long p;
	char *end;

	if (at[0] == '[') {
		colon = strstr(at, "]:");
		if (!colon)
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - at - 1), at + 1);
		colon++;
	} else {
		colon = strrchr(at, ':');
		snprintf(host, sizeof(host), "%.*s",
			 colon ? (int)(colon - at) : 0, at);
		if (!colon)
			snprintf(host, sizeof(host), "127.0.0.1");
	}
	port = (char *)(colon ? colon + 1 : at);
	p = strtol(port, &end, 10);
	if (!*port || *end || p < 1 || p > 65535)
		goto bad;
	h = host[0] ? host : NULL;
	err = getaddrinfo(h, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "bpfrun: --metrics=%s: %s: %s\n", at, host,
			gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* a restart while old connections are in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64))
		goto fail;
	freeaddrinfo(ai);
	return fd;
fail:
	err = -errno;
	fprintf(stderr, "bpfrun: --metrics=%s: cannot listen on %s port %s: %s%s\n",
		at, host[0] ? host : "every address", port, strerror(-err),
		err == -EADDRINUSE ?
			" (another process listens there: `ss -ltnp` says which; choose another PORT)" :
			"");
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
bad:
	fprintf(stderr, "bpfrun: --metrics=%s: give [ADDR:]PORT, PORT from 1 to 65535 ([ADDR]:PORT for IPv6)\n",
		at);
	return -EINVAL;
}

int metrics_open(struct metrics **mp, const char *at, const char *program)
{
	const char *base = strrchr(program, '/');
	struct metrics *m;
	sigset_t block, old;
	char *dot;
	int fd;

	*mp = NULL;
	fd = listen_on(at);
	if (fd < 0)
		return fd;
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->program, sizeof(m->program), "%s", program);
	snprintf(m->prefix, sizeof(m->prefix), "%s", base ? base + 1 : program);
	dot = strrchr(m->prefix, '.');
	if (dot && dot != m->prefix)
		*dot = '\0';
	/* SIGINT and SIGTERM are for the main thread: its loop ends the run */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	sigaddset(&block, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
				0, NULL, NULL, handle, m,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_S,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->d) {
		fprintf(stderr, "bpfrun: --metrics=%s: libmicrohttpd did not start\n",
			at);
		close(fd);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -EIO;
	}
	*mp = m;
	return 0;
}

static void lost_table(struct metrics *m, const char *table)
{
	size_t n = m->nlost, i;

	for (i = 0; i < n; i++)
		if (!strcmp(m->lost[i].table, table))
			return;
	if (n == MAX_LOST)
		return;
	snprintf(m->lost[n].table, sizeof(m->lost[n].table), "%s", table);
	__atomic_store_n(&m->nlost, n + 1, __ATOMIC_RELEASE);
}

static void free_maps(struct prom_map *maps, size_t n)
{
	while (n--)
		prom_map_free(&maps[n]);
	free(maps);
}

int metrics_bind(struct metrics *m, struct bpfrun *b, const char *src)
{
	size_t i, n = bpfrun_nr_tables(b), old_n;
	struct prom_map *maps, *old;
	struct bpfrun_table_info ti;
	struct dprog *types;
	long *entries;
	int err;

	if (!m)
		return 0;
	maps = calloc(n ? n : 1, sizeof(*maps));
	entries = calloc(n ? n : 1, sizeof(*entries));
	if (!maps || !entries) {
		free(maps);
		free(entries);
		return -ENOMEM;
	}
	err = dprog_open(b, &types);
	if (err) {
		free(maps);
		free(entries);
		return err;
	}
	for (i = 0; i < n; i++) {
		struct dtype *k = NULL, *v = NULL;

		err = bpfrun_table_info(b, i, &ti);
		if (!err && map_is_shown(ti.type) &&
		    dprog_map_types(types, i, &k, &v) == -ENOMEM)
			err = -ENOMEM;
		if (!err)
			err = prom_map_init(&maps[i], &ti, k, v, m->prefix, src);
		else {
			dtype_free(k);
			dtype_free(v);
		}
		if (err) {
			free_maps(maps, i + 1);
			free(entries);
			dprog_close(types);
			return err;
		}
		if (ti.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			lost_table(m, ti.name);
	}
	dprog_close(types);
	pthread_mutex_lock(&m->lock);
	old = m->maps;
	old_n = m->nmaps;
	free(m->entries);
	m->maps = maps;
	m->entries = entries;
	m->nmaps = n;
	pthread_mutex_unlock(&m->lock);
	free_maps(old, old_n);
	return 0;
}

void metrics_unbind(struct metrics *m)
{
	struct prom_map *old;
	size_t n;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	old = m->maps;
	n = m->nmaps;
	free(m->entries);
	m->maps = NULL;
	m->entries = NULL;
	m->nmaps = 0;
	pthread_mutex_unlock(&m->lock);
	free_maps(old, n);
}

void metrics_lost(struct metrics *m, const char *table, unsigned long long n)
{
	size_t i, nl;

	if (!m)
		return;
	lost_table(m, table);
	nl = __atomic_load_n(&m->nlost, __ATOMIC_ACQUIRE);
	for (i = 0; i < nl; i++)
		if (!strcmp(m->lost[i].table, table))
			__atomic_fetch_add(&m->lost[i].n, n, __ATOMIC_RELAXED);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	/* joins the thread; closes the listening socket */
	MHD_stop_daemon(m->d);
	metrics_unbind(m);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
