// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd, signalfd and timerfd files across a self-checkpoint and a
 * restart, each checked in the restored task by using it:
 *
 *   eventfd    counters (5 through a dup'd fd, 3 in semaphore mode,
 *              2^64 - 2, 0) read back, semaphore reads one at a time,
 *              O_NONBLOCK and close-on-exec as they were, a dup still the
 *              same file.
 *   signalfd   its mask (fdinfo), a signal queued before the checkpoint
 *              read through it with its value, a signal sent after the
 *              restart read with the sender's pid, a signal outside its
 *              mask not read.
 *   timerfd    relative, periodic and absolute timers on CLOCK_MONOTONIC,
 *              REALTIME and BOOTTIME: the time left is what it was minus
 *              the time passed since the checkpoint (the test waits 1.5 s
 *              before restarting), intervals and flags as they were,
 *              expirations not read before the checkpoint and those
 *              missed while no task ran counted in the next read.
 *   alarm      a timerfd on an alarm clock: EOPNOTSUPP and a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
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

#define NSEC	1000000000LL
#define MSEC	1000000LL

/* how long the test waits between the checkpoint and the restart */
#define DOWNTIME_MS	1500

/* ------------------------------------------------------------------ */
/* Helpers, usable in restored tasks */

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC + ts->tv_nsec;
}

static long long clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts_ns(&ts);
}

static struct timespec ns_ts(long long ns)
{
	struct timespec ts = { ns / NSEC, ns % NSEC };

	return ts;
}

/* The value of "key:" in /proc/self/fdinfo/FD, into @buf */
static int fdinfo(int fd, const char *key, char *buf, size_t len)
{
	char path[64], *data, *p, *e;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	data = ckpt_slurp(path, NULL);
	if (!data)
		return -1;
	for (p = data; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		p += klen + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchrnul(p, '\n');
		snprintf(buf, len, "%.*s", (int)(e - p), p);
		free(data);
		return 0;
	}
	free(data);
	return -1;
}

static int read_u64(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

static int would_block(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN;
}

/* ------------------------------------------------------------------ */
/* A self-checkpointing worker and its restart */

FIXTURE(evfd) {
	struct ckpt_env env;
};

FIXTURE_SETUP(evfd)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "eventfd"), 0);
}

FIXTURE_TEARDOWN_PARENT(evfd)
{
	ckpt_env_fini(&self->env);
}

/* ------------------------------------------------------------------ */
/* eventfd */

struct efds {
	int plain, plain_dup, sem, big, zero;
};

#define BIG_COUNT	0xfffffffffffffffeULL

static int efd_setup(void *p)
{
	struct efds *e = p;
	uint64_t v = BIG_COUNT;

	e->plain = eventfd(5, EFD_NONBLOCK);
	e->sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	e->big = eventfd(0, 0);
	e->zero = eventfd(0, EFD_NONBLOCK);
	e->plain_dup = dup2(e->plain, 50);
	if (e->plain < 0 || e->sem < 0 || e->big < 0 || e->zero < 0 ||
	    e->plain_dup != 50 || write(e->big, &v, sizeof(v)) != sizeof(v))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum { E_PLAIN = 60, E_PLAIN_FLAGS, E_SEM, E_SEM_FLAGS, E_BIG, E_ZERO,
       E_FDINFO };

static int efd_verify(void *p)
{
	struct efds *e = p;
	struct pollfd pfd;
	char buf[64];
	uint64_t v;
	int i;

	/* one file behind both fds: written through one, read through the other */
	v = 2;
	if (write(e->plain_dup, &v, sizeof(v)) != sizeof(v) ||
	    read_u64(e->plain, &v) || v != 7 || !would_block(e->plain)) {
		ckpt_report("plain eventfd: %llu", (unsigned long long)v);
		return E_PLAIN;
	}
	if (!(fcntl(e->plain, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(e->plain, F_GETFD) & FD_CLOEXEC))
		return E_PLAIN_FLAGS;

	for (i = 0; i < 3; i++)
		if (read_u64(e->sem, &v) || v != 1) {
			ckpt_report("semaphore read %d: %llu", i, (unsigned long long)v);
			return E_SEM;
		}
	if (!would_block(e->sem))
		return E_SEM;
	if (!(fcntl(e->sem, F_GETFL) & O_NONBLOCK) ||
	    !(fcntl(e->sem, F_GETFD) & FD_CLOEXEC))
		return E_SEM_FLAGS;
	if (fdinfo(e->sem, "eventfd-semaphore", buf, sizeof(buf)) || strcmp(buf, "1") ||
	    fdinfo(e->plain, "eventfd-semaphore", buf, sizeof(buf)) || strcmp(buf, "0"))
		return E_FDINFO;

	/* blocking, but it has a count */
	if (read_u64(e->big, &v) || v != BIG_COUNT ||
	    (fcntl(e->big, F_GETFL) & O_NONBLOCK)) {
		ckpt_report("big eventfd: %#llx", (unsigned long long)v);
		return E_BIG;
	}

	pfd.fd = e->zero;
	pfd.events = POLLIN | POLLOUT;
	if (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT || !would_block(e->zero))
		return E_ZERO;
	v = 9;
	if (write(e->zero, &v, sizeof(v)) != sizeof(v) || read_u64(e->zero, &v) || v != 9)
		return E_ZERO;
	return 0;
}

TEST_F_TIMEOUT(evfd, eventfd_counters_and_flags, 120)
{
	struct efds e;
	struct ckpt_round r;

	ckpt_round_init(&r, &self->env, efd_setup, efd_verify, &e);
	EXPECT_EQ(ckpt_round_trip(&self->env, &r), 0) {
		TH_LOG("restored task failed check (enum E_* in test_eventfd.c)");
	}
}

/* ------------------------------------------------------------------ */
/* signalfd */

struct sfds {
	int fd;
	sigset_t mask;
};

static int sfd_setup(void *p)
{
	struct sfds *s = p;
	union sigval val = { .sival_int = 77 };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &block, NULL))
		return CKPT_EXIT_SETUP;
	sigemptyset(&s->mask);
	sigaddset(&s->mask, SIGUSR1);
	sigaddset(&s->mask, SIGRTMIN);
	s->fd = signalfd(-1, &s->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0 || sigqueue(getpid(), SIGRTMIN, val))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum { S_MASK = 60, S_QUEUED, S_EMPTY, S_OTHER, S_SENT, S_FLAGS };

static int sfd_read(int fd, struct signalfd_siginfo *si)
{
	return read(fd, si, sizeof(*si)) == sizeof(*si) ? 0 : -1;
}

static int sfd_verify(void *p)
{
	struct sfds *s = p;
	struct signalfd_siginfo si;
	unsigned long long want, got;
	pid_t me = syscall(SYS_getpid);
	char buf[64];

	want = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGRTMIN - 1));
	if (fdinfo(s->fd, "sigmask", buf, sizeof(buf)) ||
	    sscanf(buf, "%llx", &got) != 1 || got != want) {
		ckpt_report("signalfd mask %s, expected %016llx", buf, want);
		return S_MASK;
	}
	if (sfd_read(s->fd, &si) || si.ssi_signo != (uint32_t)SIGRTMIN ||
	    si.ssi_int != 77 || si.ssi_code != SI_QUEUE) {
		ckpt_report("queued: signo %u int %d", si.ssi_signo, si.ssi_int);
		return S_QUEUED;
	}
	if (sfd_read(s->fd, &si) == 0 || errno != EAGAIN)
		return S_EMPTY;
	/* not in its mask: stays pending, unread */
	kill(me, SIGUSR2);
	if (sfd_read(s->fd, &si) == 0 || errno != EAGAIN)
		return S_OTHER;
	kill(me, SIGUSR1);
	if (sfd_read(s->fd, &si) || si.ssi_signo != SIGUSR1 ||
	    si.ssi_pid != (uint32_t)me) {
		ckpt_report("sent: signo %u pid %u", si.ssi_signo, si.ssi_pid);
		return S_SENT;
	}
	if (!(fcntl(s->fd, F_GETFL) & O_NONBLOCK) ||
	    !(fcntl(s->fd, F_GETFD) & FD_CLOEXEC))
		return S_FLAGS;
	return 0;
}

TEST_F_TIMEOUT(evfd, signalfd_mask_and_signals, 120)
{
	struct sfds s;
	struct ckpt_round r;

	ckpt_round_init(&r, &self->env, sfd_setup, sfd_verify, &s);
	EXPECT_EQ(ckpt_round_trip(&self->env, &r), 0) {
		TH_LOG("restored task failed check (enum S_* in test_eventfd.c)");
	}
}

/* ------------------------------------------------------------------ */
/* timerfd */

enum {
	T_REL,		/* MONOTONIC, 10 s one-shot */
	T_PERIODIC,	/* REALTIME, 200 ms every 200 ms, unread */
	T_BOOT,		/* BOOTTIME, 5 s then every 1 s */
	T_ABS,		/* REALTIME absolute + cancel-on-set, now + 30 s */
	T_ABS_MONO,	/* MONOTONIC absolute, now + 20 s */
	T_ABS_PAST,	/* REALTIME absolute, now + 500 ms then every 250 ms */
	T_EXPIRES,	/* MONOTONIC 900 ms one-shot: expires while away */
	T_FIRED,	/* MONOTONIC 50 ms one-shot, fired before, unread */
	T_OFF,		/* disarmed, with an interval */
	T_NR
};

struct tfds {
	int fd[T_NR];
	long long armed_real[T_NR];	/* CLOCK_REALTIME when armed */
	long long left[T_NR];		/* it_value just before the checkpoint */
	long long before;		/* CLOCK_REALTIME then */
};

static const clockid_t tclock[T_NR] = {
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_REALTIME,
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC,
	CLOCK_MONOTONIC,
};

static int tfd_arm(struct tfds *t, int i, int flags, long long value,
		   long long interval)
{
	struct itimerspec its = { ns_ts(interval), ns_ts(value) };

	if (flags & TFD_TIMER_ABSTIME)
		its.it_value = ns_ts(clock_ns(tclock[i]) + value);
	t->armed_real[i] = clock_ns(CLOCK_REALTIME);
	return timerfd_settime(t->fd[i], flags, &its, NULL);
}

static int tfd_setup(void *p)
{
	struct tfds *t = p;
	struct itimerspec its;
	int i, ret = 0;

	for (i = 0; i < T_NR; i++) {
		t->fd[i] = timerfd_create(tclock[i], TFD_NONBLOCK);
		if (t->fd[i] < 0)
			return CKPT_EXIT_SETUP;
	}
	ret |= tfd_arm(t, T_REL, 0, 10 * NSEC, 0);
	ret |= tfd_arm(t, T_PERIODIC, 0, 200 * MSEC, 200 * MSEC);
	ret |= tfd_arm(t, T_BOOT, 0, 5 * NSEC, NSEC);
	ret |= tfd_arm(t, T_ABS, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		       30 * NSEC, 0);
	ret |= tfd_arm(t, T_ABS_MONO, TFD_TIMER_ABSTIME, 20 * NSEC, 0);
	ret |= tfd_arm(t, T_ABS_PAST, TFD_TIMER_ABSTIME, 500 * MSEC, 250 * MSEC);
	ret |= tfd_arm(t, T_EXPIRES, 0, 900 * MSEC, 0);
	ret |= tfd_arm(t, T_FIRED, 0, 50 * MSEC, 0);
	ret |= tfd_arm(t, T_OFF, 0, 0, 2 * NSEC);
	if (ret)
		return CKPT_EXIT_SETUP;
	/* T_PERIODIC expires twice, T_FIRED once, all unread */
	ckpt_msleep(450);
	for (i = 0; i < T_NR; i++) {
		if (timerfd_gettime(t->fd[i], &its))
			return CKPT_EXIT_SETUP;
		t->left[i] = ts_ns(&its.it_value);
	}
	t->before = clock_ns(CLOCK_REALTIME);
	return 0;
}

enum { TF_VALUE = 60, TF_INTERVAL, TF_TICKS, TF_FLAGS, TF_CLOCK };

/* Expirations of a timer armed at @armed (realtime) until now */
static long long expected_ticks(long long armed, long long first, long long interval)
{
	long long since = clock_ns(CLOCK_REALTIME) - armed;

	if (since < first)
		return 0;
	return 1 + (interval ? (since - first) / interval : 0);
}

static int tfd_check_value(struct tfds *t, int i, long long interval)
{
	/* what was left minus everything that passed since, restart included */
	long long want = t->left[i] - (clock_ns(CLOCK_REALTIME) - t->before);
	const long long tol = 150 * MSEC;
	struct itimerspec its;
	long long got;

	if (timerfd_gettime(t->fd[i], &its))
		return TF_VALUE;
	got = ts_ns(&its.it_value);
	if (got > want + tol || got < want - tol) {
		ckpt_report("timer %d: %lld ms left, expected %lld ms", i,
			    got / MSEC, want / MSEC);
		return TF_VALUE;
	}
	if (ts_ns(&its.it_interval) != interval) {
		ckpt_report("timer %d: interval %lld ns", i, ts_ns(&its.it_interval));
		return TF_INTERVAL;
	}
	return 0;
}

static int tfd_check_ticks(struct tfds *t, int i, long long first,
			   long long interval)
{
	long long want;
	uint64_t got;

	want = expected_ticks(t->armed_real[i], first, interval);
	if (read_u64(t->fd[i], &got) || (long long)got < want - 1 ||
	    (long long)got > want + 1) {
		ckpt_report("timer %d: %llu ticks, expected %lld", i,
			    (unsigned long long)got, want);
		return TF_TICKS;
	}
	return 0;
}

static int tfd_verify(void *p)
{
	struct tfds *t = p;
	struct itimerspec its;
	char buf[64];
	uint64_t v;
	int i, ret;

	for (i = 0; i < T_NR; i++) {
		if (fdinfo(t->fd[i], "clockid", buf, sizeof(buf)) ||
		    atoi(buf) != (int)tclock[i]) {
			ckpt_report("timer %d: clock %s", i, buf);
			return TF_CLOCK;
		}
		if (!(fcntl(t->fd[i], F_GETFL) & O_NONBLOCK))
			return TF_FLAGS;
	}
	ret = tfd_check_value(t, T_REL, 0);
	if (!ret)
		ret = tfd_check_value(t, T_BOOT, NSEC);
	if (!ret)
		ret = tfd_check_value(t, T_ABS, 0);
	if (!ret)
		ret = tfd_check_value(t, T_ABS_MONO, 0);
	if (ret)
		return ret;
	if (fdinfo(t->fd[T_ABS], "settime flags", buf, sizeof(buf)) || strcmp(buf, "03") ||
	    fdinfo(t->fd[T_ABS_MONO], "settime flags", buf, sizeof(buf)) || strcmp(buf, "01") ||
	    fdinfo(t->fd[T_REL], "settime flags", buf, sizeof(buf)) || strcmp(buf, "00")) {
		ckpt_report("settime flags %s", buf);
		return TF_FLAGS;
	}

	/* expirations before, during and after the time away */
	ret = tfd_check_ticks(t, T_PERIODIC, 200 * MSEC, 200 * MSEC);
	if (!ret)
		ret = tfd_check_ticks(t, T_ABS_PAST, 500 * MSEC, 250 * MSEC);
	if (!ret)
		ret = tfd_check_ticks(t, T_EXPIRES, 900 * MSEC, 0);
	if (!ret)
		ret = tfd_check_ticks(t, T_FIRED, 50 * MSEC, 0);
	if (ret)
		return ret;
	/* the one-shots are disarmed now, the periodic ones run on */
	if (timerfd_gettime(t->fd[T_EXPIRES], &its) || its.it_value.tv_sec ||
	    its.it_value.tv_nsec || !would_block(t->fd[T_EXPIRES]))
		return TF_VALUE;
	if (timerfd_gettime(t->fd[T_PERIODIC], &its) || !ts_ns(&its.it_value) ||
	    ts_ns(&its.it_value) > 200 * MSEC || ts_ns(&its.it_interval) != 200 * MSEC)
		return TF_INTERVAL;
	if (timerfd_gettime(t->fd[T_OFF], &its) || ts_ns(&its.it_value) ||
	    ts_ns(&its.it_interval) != 2 * NSEC || !would_block(t->fd[T_OFF]))
		return TF_INTERVAL;
	/* a relative timer waits its time, no less */
	if (!would_block(t->fd[T_REL]))
		return TF_TICKS;
	/* and the periodic timer fires on */
	ckpt_msleep(450);
	if (read_u64(t->fd[T_PERIODIC], &v) || v < 1 || v > 3) {
		ckpt_report("periodic timer: %llu more ticks", (unsigned long long)v);
		return TF_TICKS;
	}
	return 0;
}

TEST_F_TIMEOUT(evfd, timerfd_time_left_and_ticks, 120)
{
	struct tfds t;
	struct ckpt_round r;

	ckpt_round_init(&r, &self->env, tfd_setup, tfd_verify, &t);
	r.downtime_ms = DOWNTIME_MS;
	EXPECT_EQ(ckpt_round_trip(&self->env, &r), 0) {
		TH_LOG("restored task failed check (enum TF_* in test_eventfd.c)");
	}
}

/* ------------------------------------------------------------------ */
/* refused: a timerfd on an alarm clock */

TEST_F_TIMEOUT(evfd, alarm_timerfd_refused, 60)
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
		struct itimerspec its = { { 0, 0 }, { 3600, 0 } };
		int fd, logfd, tfd;
		long ret;

		if (ckpt_isolate(out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || logfd < 0)
			_exit(CKPT_EXIT_SETUP);
		tfd = timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
		if (tfd < 0) {
			ckpt_report("timerfd_create(CLOCK_BOOTTIME_ALARM): %s",
				    strerror(errno));
			_exit(CKPT_EXIT_SKIP);
		}
		if (timerfd_settime(tfd, 0, &its, NULL))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(1);	/* restored: must not happen */
		_exit(ret < 0 && errno == EOPNOTSUPP ? 0 : CKPT_EXIT_CHECKPOINTED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, 0, "worker", out, log);
	if (rc == CKPT_EXIT_SKIP)
		SKIP(return, "no alarm timers here");
	ASSERT_EQ(rc, 0);
	text = ckpt_slurp(log, NULL);
	ASSERT_NE(text, NULL);
	EXPECT_NE(strstr(text, "timerfd on clock 9 (alarm) is not supported"), NULL) {
		TH_LOG("log: %s", text);
	}
	free(text);
	free(img);
	free(log);
	free(out);
}

TEST_HARNESS_MAIN
