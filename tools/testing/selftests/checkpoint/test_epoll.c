// SPDX-License-Identifier: GPL-2.0
/*
 * epoll files across a self-checkpoint and a restart, checked in the
 * restored task with epoll_wait(2), epoll_ctl(2) and
 * /proc/self/fdinfo:
 *
 *   kinds_and_nesting  an epoll watching pipes (readable, idle, the
 *              write end), eventfds (edge-triggered, the same file under
 *              a second fd, a one-shot item that fired, EPOLLEXCLUSIVE),
 *              a pipe whose registered fd was closed (the file lives on
 *              under another fd) and a nested epoll watching an eventfd:
 *              the interest list (fd, events, data of every item) is the
 *              same, epoll_wait() returns exactly the ready items with
 *              their data, nested epoll included, edge-triggered and
 *              one-shot items behave as such afterwards.
 *   thousand_fds  an epoll over 1,000 fds of five kinds (pipe read and
 *              write ends, eventfds, timerfds, signalfds), some ready:
 *              every item restored with its fd and data, exactly the
 *              ready ones reported, their files' states intact.
 *   item_file_elsewhere  an item whose file is open in no fd of the task
 *              (another process holds it): EOPNOTSUPP and a log line.
 *   item_file_outsider  an item's file also open in another process,
 *              the epoll met before the file's own fd: EBUSY, as for any
 *              file shared with a task outside the checkpoint (an item
 *              holds no reference to its file: it is no use of it).
 *   tree       a process and its child sharing an epoll, the eventfd and
 *              the pipe it watches, frozen, checkpointed from outside and
 *              restarted with the restart tool: each file is saved once,
 *              and what the child writes after the restart wakes the
 *              parent's epoll_wait() with the items' data.
 *   bad_images  images whose eventfd, signalfd, timerfd or epoll records
 *              were edited: EINVAL (EOPNOTSUPP for an alarm clock) and a
 *              log line, the image never runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

/* ------------------------------------------------------------------ */
/* A self-checkpointing worker and its restart */

/* Its paths: the image and the log are reused by the corruption tests */
static struct ckpt_round round;

/* Checkpoint a worker that ran @setup(@st), restart it: @verify's result */
static int run_self(struct ckpt_env *env, int (*setup)(void *), int (*verify)(void *), void *st)
{
	ckpt_round_init(&round, env, setup, verify, st);
	round.log_trunc = 1;
	round.worker_ms = 60000;
	round.restart_ms = 120000;
	return ckpt_round_trip(env, &round);
}

FIXTURE(epoll) {
	struct ckpt_env env;
};

FIXTURE_SETUP(epoll)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "epoll"), 0);
}

FIXTURE_TEARDOWN_PARENT(epoll)
{
	ckpt_env_fini(&self->env);
}

/* ------------------------------------------------------------------ */
/* The interest list, as /proc/self/fdinfo shows it */

struct item {
	int fd;
	unsigned int events;
	unsigned long long data;
};

#define MAX_ITEMS	32

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return x->data < y->data ? -1 : x->data > y->data;
}

/* The items of epoll @epfd, sorted; their number or -1 */
static int interest_list(int epfd, struct item *items, int max)
{
	char path[64], *data, *p;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	data = ckpt_slurp(path, NULL);
	if (!data)
		return -1;
	for (p = data; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		struct item it;

		if (sscanf(p, "tfd: %d events: %x data: %llx", &it.fd, &it.events,
			   &it.data) != 3)
			continue;
		if (n == max) {
			n = -1;
			break;
		}
		items[n++] = it;
	}
	free(data);
	if (n > 0)
		qsort(items, n, sizeof(*items), cmp_item);
	return n;
}

/* ------------------------------------------------------------------ */
/* kinds_and_nesting */

enum {
	D_READY = 0x1111, D_IDLE = 0x2222, D_OUT = 0x3333, D_ET = 0x4444,
	D_ETDUP = 0x5555, D_ONCE = 0x6666, D_EXCL = 0x7777, D_MOVED = 0x8888,
	D_NESTED = 0x9999, D_INNER = 0xaaaa,
};

struct kinds {
	int ep, inner;
	int p_ready[2], p_idle[2], p_out[2], p_moved[2];
	int e_et, e_et_dup, e_once, e_excl, e_inner;
	int moved_to;
	struct item before[MAX_ITEMS];
	int nr_before;
};

static int add(int ep, int fd, unsigned int events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int kinds_setup(void *p)
{
	struct kinds *k = p;
	struct epoll_event evs[16];
	int ret = 0;

	k->ep = epoll_create1(EPOLL_CLOEXEC);
	k->inner = epoll_create1(0);
	if (k->ep < 0 || k->inner < 0 || pipe(k->p_ready) || pipe(k->p_idle) ||
	    pipe(k->p_out) || pipe(k->p_moved))
		return CKPT_EXIT_SETUP;
	k->e_et = eventfd(1, EFD_NONBLOCK);
	k->e_et_dup = dup(k->e_et);
	k->e_once = eventfd(1, EFD_NONBLOCK);
	k->e_excl = eventfd(0, EFD_NONBLOCK);
	k->e_inner = eventfd(2, EFD_NONBLOCK);
	if (k->e_et < 0 || k->e_et_dup < 0 || k->e_once < 0 || k->e_excl < 0 ||
	    k->e_inner < 0)
		return CKPT_EXIT_SETUP;
	if (write(k->p_ready[1], "x", 1) != 1 || write(k->p_moved[1], "y", 1) != 1)
		return CKPT_EXIT_SETUP;

	ret |= add(k->ep, k->p_ready[0], EPOLLIN, D_READY);
	ret |= add(k->ep, k->p_idle[0], EPOLLIN | EPOLLRDHUP, D_IDLE);
	ret |= add(k->ep, k->p_out[1], EPOLLOUT, D_OUT);
	ret |= add(k->ep, k->e_et, EPOLLIN | EPOLLET, D_ET);
	ret |= add(k->ep, k->e_et_dup, EPOLLIN, D_ETDUP);
	ret |= add(k->ep, k->e_once, EPOLLIN | EPOLLONESHOT, D_ONCE);
	ret |= add(k->ep, k->e_excl, EPOLLIN | EPOLLEXCLUSIVE, D_EXCL);
	ret |= add(k->ep, k->p_moved[0], EPOLLIN, D_MOVED);
	ret |= add(k->inner, k->e_inner, EPOLLIN, D_INNER);
	ret |= add(k->ep, k->inner, EPOLLIN, D_NESTED);
	if (ret)
		return CKPT_EXIT_SETUP;
	/* the registered fd goes, its file stays under another */
	k->moved_to = dup2(k->p_moved[0], 60);
	if (k->moved_to != 60 || close(k->p_moved[0]))
		return CKPT_EXIT_SETUP;

	/* consume the edge and fire the one-shot item */
	if (epoll_wait(k->ep, evs, 16, 0) <= 0)
		return CKPT_EXIT_SETUP;
	k->nr_before = interest_list(k->ep, k->before, MAX_ITEMS);
	if (k->nr_before != 9)
		return CKPT_EXIT_SETUP;
	return 0;
}

enum {
	K_LIST = 60, K_WAIT, K_WAIT_EVENTS, K_INNER, K_ET, K_LEVEL, K_IDLE,
	K_ONESHOT, K_MOVED, K_EXCL,
};

/* epoll_wait() with no wait: the set of data seen, as bits of @seen */
static int ready(int ep, uint64_t *data, uint32_t *events, int max)
{
	struct epoll_event evs[64];
	int n, i;

	n = epoll_wait(ep, evs, 64, 0);
	for (i = 0; i < n && i < max; i++) {
		data[i] = evs[i].data.u64;
		events[i] = evs[i].events;
	}
	return n;
}

static int has(const uint64_t *data, int n, uint64_t d)
{
	int i;

	for (i = 0; i < n; i++)
		if (data[i] == d)
			return i;
	return -1;
}

static int kinds_verify(void *p)
{
	struct kinds *k = p;
	struct item now[MAX_ITEMS];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = D_ONCE };
	uint64_t data[64], v = 1;
	uint32_t events[64];
	int n, i;

	n = interest_list(k->ep, now, MAX_ITEMS);
	if (n != k->nr_before || memcmp(now, k->before, n * sizeof(*now))) {
		for (i = 0; i < n; i++)
			ckpt_report("item fd %d events %#x data %#llx", now[i].fd,
				    now[i].events, now[i].data);
		for (i = 0; i < k->nr_before; i++)
			ckpt_report("was fd %d events %#x data %#llx", k->before[i].fd,
				    k->before[i].events, k->before[i].data);
		return K_LIST;
	}

	n = ready(k->ep, data, events, 64);
	/* D_ET may come once more: readiness is polled again on restart */
	if (has(data, n, D_READY) < 0 || has(data, n, D_OUT) < 0 ||
	    has(data, n, D_ETDUP) < 0 || has(data, n, D_NESTED) < 0 ||
	    has(data, n, D_MOVED) < 0 || has(data, n, D_IDLE) >= 0 ||
	    has(data, n, D_ONCE) >= 0 || has(data, n, D_EXCL) >= 0 ||
	    n != 5 + (has(data, n, D_ET) >= 0)) {
		for (i = 0; i < n; i++)
			ckpt_report("ready: data %#llx events %#x",
				    (unsigned long long)data[i], events[i]);
		return K_WAIT;
	}
	if (events[has(data, n, D_READY)] != EPOLLIN ||
	    events[has(data, n, D_OUT)] != EPOLLOUT ||
	    events[has(data, n, D_NESTED)] != EPOLLIN)
		return K_WAIT_EVENTS;

	n = ready(k->inner, data, events, 64);
	if (n != 1 || data[0] != D_INNER || events[0] != EPOLLIN)
		return K_INNER;

	/* edge-triggered: quiet until the next write; the level one stays */
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_ET) >= 0)
		return K_ET;
	if (has(data, n, D_ETDUP) < 0)
		return K_LEVEL;
	if (write(k->e_et, &v, sizeof(v)) != sizeof(v))
		return K_ET;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_ET) < 0)
		return K_ET;

	if (write(k->p_idle[1], "z", 1) != 1)
		return K_IDLE;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_IDLE) < 0)
		return K_IDLE;

	/* the one-shot item stays off until re-armed, then fires once */
	if (write(k->e_once, &v, sizeof(v)) != sizeof(v))
		return K_ONESHOT;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_ONCE) >= 0)
		return K_ONESHOT;
	if (epoll_ctl(k->ep, EPOLL_CTL_MOD, k->e_once, &ev))
		return K_ONESHOT;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_ONCE) < 0)
		return K_ONESHOT;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_ONCE) >= 0)
		return K_ONESHOT;

	/* the moved item is keyed by its old fd, not by fd 60 */
	if (epoll_ctl(k->ep, EPOLL_CTL_DEL, k->moved_to, NULL) != -1 || errno != ENOENT)
		return K_MOVED;

	if (write(k->e_excl, &v, sizeof(v)) != sizeof(v))
		return K_EXCL;
	n = ready(k->ep, data, events, 64);
	if (has(data, n, D_EXCL) < 0)
		return K_EXCL;
	return 0;
}

TEST_F_TIMEOUT(epoll, kinds_and_nesting, 120)
{
	struct kinds k;

	EXPECT_EQ(run_self(&self->env, kinds_setup, kinds_verify, &k), 0) {
		TH_LOG("restored task failed check (enum K_* in test_epoll.c)");
	}
}

/* ------------------------------------------------------------------ */
/* thousand_fds */

#define NR_FDS		1000

enum { PIPE_R, EVENTFD, TIMERFD, PIPE_W, SIGNALFD, NR_KINDS };

struct many {
	int ep;
	int fd[NR_FDS];
	int other[NR_FDS];	/* the pipes' other ends */
};

static int kind_of(int i)
{
	return i % NR_KINDS;
}

/* Should item @i be ready after the restart, with which events */
static uint32_t want_events(int i)
{
	switch (kind_of(i)) {
	case PIPE_R:
		return i % 2 ? 0 : EPOLLIN;
	case EVENTFD:
		return i % 3 ? 0 : EPOLLIN;
	case TIMERFD:
		return i % 2 ? 0 : EPOLLIN;
	case PIPE_W:
		return i % 7 ? EPOLLOUT : 0;
	default:
		return 0;
	}
}

static int many_setup(void *p)
{
	struct many *m = p;
	struct rlimit rl = { 4096, 4096 };
	static char full[4096];
	sigset_t mask;
	int i, pfd[2];

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return CKPT_EXIT_SETUP;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	m->ep = epoll_create1(0);
	if (m->ep < 0)
		return CKPT_EXIT_SETUP;
	for (i = 0; i < NR_FDS; i++) {
		struct itimerspec its = { { 0, 0 }, { i % 2 ? 3600 : 0, 1 } };
		uint32_t events = EPOLLIN;

		m->other[i] = -1;
		switch (kind_of(i)) {
		case PIPE_R:
		case PIPE_W:
			if (pipe2(pfd, O_NONBLOCK))
				return CKPT_EXIT_SETUP;
			m->fd[i] = pfd[kind_of(i) == PIPE_W];
			m->other[i] = pfd[kind_of(i) != PIPE_W];
			if (kind_of(i) == PIPE_W) {
				events = EPOLLOUT;
				if (!(i % 7) && (fcntl(pfd[1], F_SETPIPE_SZ, 4096) != 4096 ||
						 write(pfd[1], full, 4096) != 4096))
					return CKPT_EXIT_SETUP;
			} else if (!(i % 2) && write(pfd[1], "r", 1) != 1) {
				return CKPT_EXIT_SETUP;
			}
			break;
		case EVENTFD:
			m->fd[i] = eventfd(i % 3 ? 0 : i, EFD_NONBLOCK);
			break;
		case TIMERFD:
			m->fd[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
			if (m->fd[i] >= 0 && timerfd_settime(m->fd[i], 0, &its, NULL))
				return CKPT_EXIT_SETUP;
			break;
		default:
			m->fd[i] = signalfd(-1, &mask, SFD_NONBLOCK);
			break;
		}
		if (m->fd[i] < 0 || add(m->ep, m->fd[i], events, (uint64_t)i << 8 | kind_of(i)))
			return CKPT_EXIT_SETUP;
	}
	ckpt_msleep(20);	/* the 1 ns timers fired */
	return 0;
}

enum { M_COUNT = 60, M_DATA, M_EVENTS, M_STATE, M_DEL, M_EMPTY };

static int many_verify(void *p)
{
	struct many *m = p;
	static struct epoll_event evs[2 * NR_FDS];
	static char seen[NR_FDS];
	int n, i, want = 0;
	uint64_t v;
	char c;

	for (i = 0; i < NR_FDS; i++)
		want += !!want_events(i);
	n = epoll_wait(m->ep, evs, 2 * NR_FDS, 0);
	if (n != want) {
		ckpt_report("%d ready, expected %d", n, want);
		return M_COUNT;
	}
	for (i = 0; i < n; i++) {
		uint64_t d = evs[i].data.u64;
		int idx = d >> 8;

		if (idx >= NR_FDS || (int)(d & 0xff) != kind_of(idx) || seen[idx]) {
			ckpt_report("data %#llx", (unsigned long long)d);
			return M_DATA;
		}
		seen[idx] = 1;
		if (evs[i].events != want_events(idx)) {
			ckpt_report("item %d: events %#x", idx, evs[i].events);
			return M_EVENTS;
		}
	}
	/* the files themselves */
	for (i = 0; i < NR_FDS; i++) {
		int ok = 1;

		switch (kind_of(i)) {
		case PIPE_R:
			ok = i % 2 ? read(m->fd[i], &c, 1) == -1 && errno == EAGAIN :
				     read(m->fd[i], &c, 1) == 1 && c == 'r';
			break;
		case EVENTFD:
			ok = i % 3 ? read(m->fd[i], &v, 8) == -1 && errno == EAGAIN :
				     read(m->fd[i], &v, 8) == 8 && v == (uint64_t)i;
			break;
		case TIMERFD:
			ok = i % 2 ? read(m->fd[i], &v, 8) == -1 && errno == EAGAIN :
				     read(m->fd[i], &v, 8) == 8 && v == 1;
			break;
		}
		if (!ok) {
			ckpt_report("item %d (kind %d): wrong state", i, kind_of(i));
			return M_STATE;
		}
	}
	/* every item is there under its fd */
	for (i = 0; i < NR_FDS; i++)
		if (epoll_ctl(m->ep, EPOLL_CTL_DEL, m->fd[i], NULL)) {
			ckpt_report("item %d: EPOLL_CTL_DEL: %s", i, strerror(errno));
			return M_DEL;
		}
	if (epoll_wait(m->ep, evs, 2 * NR_FDS, 0) != 0)
		return M_EMPTY;
	return 0;
}

TEST_F_TIMEOUT(epoll, thousand_fds, 240)
{
	static struct many m;

	EXPECT_EQ(run_self(&self->env, many_setup, many_verify, &m), 0) {
		TH_LOG("restored task failed check (enum M_* in test_epoll.c)");
	}
}

/* ------------------------------------------------------------------ */
/* item_file_elsewhere */

TEST_F_TIMEOUT(epoll, item_file_elsewhere, 60)
{
	char *img = ckpt_path(&self->env, "img");
	char *log = ckpt_path(&self->env, "log");
	char *out = ckpt_path(&self->env, "out");
	char *text;
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd, ep, p[2], ret, err;
		pid_t holder;

		if (ckpt_isolate(out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || logfd < 0 || pipe(p))
			_exit(CKPT_EXIT_SETUP);
		holder = fork();
		if (holder == 0) {
			/* keeps the read end open */
			for (;;)
				pause();
		}
		ep = epoll_create1(0);
		if (holder < 0 || ep < 0 || add(ep, p[0], EPOLLIN, 1) || close(p[0]))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		err = errno;
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		if (ret == 0)
			_exit(1);
		_exit(ret < 0 && err == EOPNOTSUPP ? 0 : CKPT_EXIT_CHECKPOINTED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, 0, "worker", out, log);
	ASSERT_EQ(rc, 0);
	text = ckpt_slurp(log, NULL);
	ASSERT_NE(text, NULL);
	EXPECT_NE(strstr(text, ": the file of an epoll item is open in no fd of the task"),
		  NULL) {
		TH_LOG("log: %s", text);
	}
	free(text);
	free(img);
	free(log);
	free(out);
}

/* ------------------------------------------------------------------ */
/* item_file_outsider */

TEST_F_TIMEOUT(epoll, item_file_outsider, 60)
{
	char *img = ckpt_path(&self->env, "img");
	char *log = ckpt_path(&self->env, "log");
	char *out = ckpt_path(&self->env, "out");
	char *text;
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd, ep, p[2], ret, err;
		pid_t holder;

		if (ckpt_isolate(out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		/* the epoll's fd comes first */
		ep = epoll_create1(0);
		if (fd < 0 || logfd < 0 || ep < 0 || pipe(p) || ep > p[0] ||
		    add(ep, p[0], EPOLLIN, 1))
			_exit(CKPT_EXIT_SETUP);
		holder = fork();
		if (holder == 0) {
			/* holds the read end's file, nothing else of ours */
			for (fd = 0; fd < 64; fd++)
				if (fd != p[0])
					close(fd);
			for (;;)
				pause();
		}
		if (holder < 0)
			_exit(CKPT_EXIT_SETUP);
		ckpt_msleep(100);
		ret = ckpt_self(fd, logfd);
		err = errno;
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		if (ret == 0)
			_exit(1);
		_exit(ret < 0 && err == EBUSY ? 0 : CKPT_EXIT_CHECKPOINTED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, 0, "worker", out, log);
	ASSERT_EQ(rc, 0);
	text = ckpt_slurp(log, NULL);
	ASSERT_NE(text, NULL);
	EXPECT_NE(strstr(text, "is also used by a task outside the checkpoint"), NULL) {
		TH_LOG("log: %s", text);
	}
	free(text);
	free(img);
	free(log);
	free(out);
}

/* ------------------------------------------------------------------ */
/* tree: an epoll shared by a process and its child */

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	int idx;
	char why[160];
} W;

static void wfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wfail(const char *fmt, ...)
{
	va_list ap;

	if (W.why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(W.why, sizeof(W.why), fmt, ap);
	va_end(ap);
	ckpt_report("task %d: %s", W.idx, W.why);
}

static void put(const char *prefix)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	ckpt_put(W.dir, name, "%s\n", W.why[0] ? W.why : "ok");
}

static void __attribute__((noreturn)) tree_root(void)
{
	struct epoll_event evs[4];
	int efd, ep, p[2], n, i, seen = 0, status;
	uint64_t v;
	pid_t kid;
	char c;

	efd = eventfd(0, EFD_NONBLOCK);
	ep = epoll_create1(0);
	if (efd < 0 || ep < 0 || pipe(p) || add(ep, efd, EPOLLIN, 0xe1) ||
	    add(ep, p[0], EPOLLIN, 0xe2))
		_exit(CKPT_EXIT_SETUP);
	kid = fork();
	if (kid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (kid == 0) {
		W.idx = 1;
		put("ready.");
		if (ckpt_await_file(W.go, 20, 1800 * 1000))
			_exit(98);
		/* restored: wake the parent through the shared files */
		v = 3;
		if (write(efd, &v, sizeof(v)) != sizeof(v) || write(p[1], "c", 1) != 1)
			wfail("write: %s", strerror(errno));
		put("res.");
		_exit(W.why[0] ? 1 : 0);
	}
	W.idx = 0;
	put("ready.");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored: nothing is ready until the child wrote */
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status))
		wfail("child: %s", ckpt_status_str(status));
	n = epoll_wait(ep, evs, 4, 5000);
	for (i = 0; i < n; i++) {
		if (evs[i].events != EPOLLIN)
			wfail("events %#x", evs[i].events);
		if (evs[i].data.u64 == 0xe1)
			seen |= 1;
		else if (evs[i].data.u64 == 0xe2)
			seen |= 2;
		else
			wfail("data %#llx", (unsigned long long)evs[i].data.u64);
	}
	if (n != 2 || seen != 3)
		wfail("%d ready, seen %#x", n, seen);
	if (read(efd, &v, sizeof(v)) != sizeof(v) || v != 3)
		wfail("eventfd %llu", (unsigned long long)v);
	if (read(p[0], &c, 1) != 1 || c != 'c')
		wfail("pipe");
	if (epoll_wait(ep, evs, 4, 0) != 0)
		wfail("still ready");
	put("res.");
	_exit(W.why[0] ? 1 : 0);
}

FIXTURE(epoll_tree) {
	struct ckpt_env env;
	char *img, *log, *out, *rst_out;
	char comm[16];
	pid_t root, tool;
};

FIXTURE_SETUP(epoll_tree)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "epoll-tree"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	snprintf(self->comm, sizeof(self->comm), "cke%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(epoll_tree)
{
	ckpt_kill_comm(self->comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* How many FILE records of @file_type the image has */
static int count_files(const char *path, uint32_t file_type)
{
	static struct ckpt_rec recs[4096];
	char err[256], *img;
	int n, i, nr = 0;
	size_t len;

	img = ckpt_slurp(path, &len);
	if (!img)
		return -1;
	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	for (i = 0; i < n && i < 4096; i++) {
		const struct ckpt_hdr_file *f = (const void *)(img + recs[i].off);

		if (recs[i].type == CKPT_HDR_FILE && f->file_type == file_type)
			nr++;
	}
	free(img);
	return n < 0 ? -1 : nr;
}

TEST_F_TIMEOUT(epoll_tree, shared, 240)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	int status, reaped = 0, got, i;
	char path[CKPT_PATH_LEN + 16], *res;
	pid_t root;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "epoll"))
		SKIP(return, "no cgroup v2 freezer");
	snprintf(W.dir, sizeof(W.dir), "%s", self->env.dir);
	snprintf(W.go, sizeof(W.go), "%s/go", self->env.dir);

	/* self is shared with the harness: the child must not write it */
	root = ckpt_fork();
	ASSERT_GE(root, 0);
	if (root == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		tree_root();
	}
	self->root = root;
	ckpt_track(&self->env, self->root);
	got = ckpt_await_files(self->env.dir, "ready.", 2, 60000, self->root,
			       &status, &reaped);
	if (got != 2)
		ckpt_dump("tree", self->out, 4096);
	ASSERT_EQ(got, 2);
	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	ASSERT_GT(ckpt_checkpoint_file(self->root, self->img, self->log,
				       CHECKPOINT_SUBTREE, NULL), 0);
	/* shared by both processes, saved once */
	EXPECT_EQ(count_files(self->img, CKPT_FILE_EPOLL), 1);
	EXPECT_EQ(count_files(self->img, CKPT_FILE_EVENTFD), 1);
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->root, &status, 0, 10000);
	ckpt_untrack(&self->env, self->root);
	self->root = 0;
	ASSERT_EQ(ckpt_write_file(W.go, "go\n", 3), 0);

	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	got = ckpt_await_files(self->env.dir, "res.", 2, 150000, self->tool,
			       &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	if (reaped)
		self->tool = 0;
	if (got != 2 || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	EXPECT_EQ(got, 2);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/res.%d", self->env.dir, i);
		res = ckpt_slurp(path, NULL);
		EXPECT_TRUE(res && !strcmp(res, "ok\n")) TH_LOG("task %d: %s", i,
								 res ? res : "no result");
		free(res);
	}
}

/* ------------------------------------------------------------------ */
/* bad_images */

struct small {
	int ep, efd, sfd, tfd;
};

static int small_setup(void *p)
{
	struct small *s = p;
	struct itimerspec its = { { 1, 0 }, { 60, 0 } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	s->ep = epoll_create1(0);
	s->efd = eventfd(1, EFD_NONBLOCK);
	s->sfd = signalfd(-1, &mask, 0);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (s->ep < 0 || s->efd < 0 || s->sfd < 0 || s->tfd < 0 ||
	    timerfd_settime(s->tfd, 0, &its, NULL) ||
	    add(s->ep, s->efd, EPOLLIN, 1) || add(s->ep, s->tfd, EPOLLIN, 2))
		return CKPT_EXIT_SETUP;
	return 0;
}

static int small_verify(void *p)
{
	struct small *s = p;
	struct epoll_event ev;

	return epoll_wait(s->ep, &ev, 1, 0) == 1 && ev.data.u64 == 1 ? 0 : 1;
}

/* The first record of @type in the image */
static void *find_rec(char *img, size_t len, uint32_t type)
{
	static struct ckpt_rec recs[4096];
	char err[256];
	int n, i;

	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	for (i = 0; i < n && i < 4096; i++)
		if (recs[i].type == type)
			return img + recs[i].off;
	return NULL;
}

struct edit {
	const char *what;
	uint32_t type;
	void (*edit)(void *rec);
	int err;
};

static void epoll_count(void *r) { ((struct ckpt_hdr_epoll *)r)->nr_items++; }
static void epoll_objref(void *r) { ((struct ckpt_hdr_epoll *)r)->items[0].file_objref = 1; }
static void epoll_objref_ahead(void *r) { ((struct ckpt_hdr_epoll *)r)->items[0].file_objref = 999; }
static void epoll_events(void *r) { ((struct ckpt_hdr_epoll *)r)->items[0].events |= 1U << 20; }
static void epoll_fd(void *r) { ((struct ckpt_hdr_epoll *)r)->items[0].fd = -1; }
static void epoll_dup(void *r)
{
	struct ckpt_hdr_epoll *h = r;

	h->items[1] = h->items[0];
}
static void efd_flags(void *r) { ((struct ckpt_hdr_eventfd *)r)->flags = 2; }
static void sfd_kill(void *r) { ((struct ckpt_hdr_signalfd *)r)->sigmask |= 1ULL << (SIGKILL - 1); }
static void tfd_alarm(void *r) { ((struct ckpt_hdr_timerfd *)r)->clockid = CLOCK_BOOTTIME_ALARM; }
static void tfd_clock(void *r) { ((struct ckpt_hdr_timerfd *)r)->clockid = 5; }
static void tfd_interval(void *r) { ((struct ckpt_hdr_timerfd *)r)->interval = ~0ULL; }
static void tfd_flags(void *r) { ((struct ckpt_hdr_timerfd *)r)->flags |= 0x100; }
static void tfd_canceled(void *r) { ((struct ckpt_hdr_timerfd *)r)->flags |= CKPT_TIMERFD_CANCELED; }

static const struct edit edits[] = {
	{ "epoll count", CKPT_HDR_EPOLL, epoll_count, EINVAL },
	{ "epoll objref of no file", CKPT_HDR_EPOLL, epoll_objref, EINVAL },
	{ "epoll objref ahead", CKPT_HDR_EPOLL, epoll_objref_ahead, EINVAL },
	{ "epoll events", CKPT_HDR_EPOLL, epoll_events, EINVAL },
	{ "epoll fd", CKPT_HDR_EPOLL, epoll_fd, EINVAL },
	{ "epoll same item twice", CKPT_HDR_EPOLL, epoll_dup, EINVAL },
	{ "eventfd flags", CKPT_HDR_EVENTFD, efd_flags, EINVAL },
	{ "signalfd SIGKILL", CKPT_HDR_SIGNALFD, sfd_kill, EINVAL },
	{ "timerfd alarm clock", CKPT_HDR_TIMERFD, tfd_alarm, EOPNOTSUPP },
	{ "timerfd clock", CKPT_HDR_TIMERFD, tfd_clock, EINVAL },
	{ "timerfd interval", CKPT_HDR_TIMERFD, tfd_interval, EINVAL },
	{ "timerfd flags", CKPT_HDR_TIMERFD, tfd_flags, EINVAL },
	{ "timerfd canceled", CKPT_HDR_TIMERFD, tfd_canceled, EINVAL },
};

TEST_F_TIMEOUT(epoll, bad_images, 240)
{
	struct small s;
	char *bad = ckpt_path(&self->env, "bad");
	size_t len, i;
	char *img;
	int status;
	pid_t pid;

	ASSERT_EQ(run_self(&self->env, small_setup, small_verify, &s), 0);
	img = ckpt_slurp(round.img, &len);
	ASSERT_NE(img, NULL);
	ckpt_restarter_quiet = 1;
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *copy = malloc(len), *rec, *text;

		ASSERT_NE(copy, NULL);
		memcpy(copy, img, len);
		rec = find_rec(copy, len, edits[i].type);
		ASSERT_NE(rec, NULL);
		edits[i].edit(rec);
		ASSERT_EQ(ckpt_write_file(bad, copy, len), 0);
		ASSERT_EQ(ckpt_write_file(round.log, "", 0), 0);
		pid = ckpt_start_restarter(bad, -1, round.log, 0);
		ASSERT_GE(pid, 0);
		ckpt_track(&self->env, pid);
		ckpt_wait_or_kill(pid, &status, 30000);
		ckpt_untrack(&self->env, pid);
		text = ckpt_slurp(round.log, NULL);
		EXPECT_TRUE(WIFEXITED(status) &&
			    WEXITSTATUS(status) == CKPT_EXIT_RESTART_ERRNO + edits[i].err) {
			TH_LOG("%s: restarter %s, log: %s", edits[i].what,
			       ckpt_status_str(status), text ? text : "");
		}
		EXPECT_TRUE(text && strstr(text, "restart: ")) {
			TH_LOG("%s: no log line", edits[i].what);
		}
		free(text);
		free(copy);
	}
	ckpt_restarter_quiet = 0;
	free(img);
	free(bad);
}

TEST_HARNESS_MAIN
