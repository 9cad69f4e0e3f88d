// SPDX-License-Identifier: GPL-2.0
/*
 * Timers across checkpoint and restart.
 *
 *   itimer_real   ITIMER_REAL armed with an interval: after restart it
 *                 runs on from what was left, with its interval, and its
 *                 SIGALRM reaches the restored handler.
 *   itimer_real_pending  ITIMER_REAL expired with its SIGALRM blocked:
 *                 after restart SIGALRM is pending, is delivered once
 *                 when unblocked, and the timer restarts with its
 *                 interval, as it does on that delivery.
 *   itimer_cpu    ITIMER_PROF and ITIMER_VIRTUAL armed with intervals:
 *                 after restart getitimer() gives at most what the image
 *                 saved (itself at most what was left before the
 *                 checkpoint) and the same interval, and while the task
 *                 burns CPU both fire, again and again.
 *   posix         POSIX timers of a single process: ids 0..6 created, 1
 *                 and 3 deleted; CLOCK_MONOTONIC, REALTIME, BOOTTIME and
 *                 TAI; SIGEV_SIGNAL with distinct signals and values,
 *                 SIGEV_NONE, SIGEV_THREAD_ID to itself; a one-shot timer
 *                 and an interval timer whose signals are blocked and
 *                 pending.  After restart every original id works
 *                 (timer_gettime() with the same interval and a sane
 *                 time left), the deleted ones do not, a new timer gets
 *                 the id the process would have given next, each pending
 *                 signal is delivered exactly once with its timer's
 *                 siginfo (the interval timer's with the overruns counted
 *                 while it was blocked) and the timers fire on with their
 *                 si_value and si_timerid.
 *   thread        a process of three threads, frozen, checkpointed from
 *                 outside and restarted with the restart tool: an
 *                 interval timer signals one thread (SIGEV_THREAD_ID)
 *                 and fires on into that thread only, and a one-shot
 *                 timer's signal, pending and blocked in that thread, is
 *                 delivered there exactly once.
 *                 A third timer, on thread B's CPU-time clock, keeps its
 *                 thread and counts B's CPU time after restart.
 *   posix_cpu     POSIX timers on CPU-time clocks of a single process:
 *                 CLOCK_PROCESS_CPUTIME_ID with an interval,
 *                 CLOCK_THREAD_CPUTIME_ID (SIGEV_NONE), the clock of
 *                 clock_getcpuclockid(getpid()), and an interval timer
 *                 whose blocked signal is pending.  The image holds their
 *                 clocks as CKPT_CPUCLOCK_*; after restart each has at
 *                 most the CPU time that was left, counts down (within 20 ms)
 *                 with the CPU time the task uses, fires (again and again
 *                 for the interval ones) while it burns CPU, and the
 *                 pending signal is delivered once when unblocked.
 *   cpu_clock_refused  a timer on another process's CPU-time clock:
 *                 EOPNOTSUPP and a log line, never a silently lost timer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
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

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define NSEC	1000000000LL
#define MSEC	1000000LL

static const char *img_path, *log_path, *out_path;

/* exit codes of the restored task */
enum { T_OK = 0, T_VALUE = 60, T_INTERVAL, T_NO_ALARMS, T_EARLY, T_CHECKS };

/* ------------------------------------------------------------------ */
/* Helpers */

/* The kernel's timer ids, without glibc's timer_t encoding */
static int k_timer_create(clockid_t clock, struct sigevent *sev, int *id)
{
	return syscall(SYS_timer_create, clock, sev, id);
}

static int k_timer_settime(int id, long long value_ns, long long interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / NSEC, value_ns % NSEC },
		.it_interval = { interval_ns / NSEC, interval_ns % NSEC },
	};

	return syscall(SYS_timer_settime, id, 0, &its, NULL);
}

static int k_timer_gettime(int id, long long *value_ns, long long *interval_ns)
{
	struct itimerspec its;

	if (syscall(SYS_timer_gettime, id, &its))
		return -1;
	*value_ns = its.it_value.tv_sec * NSEC + its.it_value.tv_nsec;
	*interval_ns = its.it_interval.tv_sec * NSEC + its.it_interval.tv_nsec;
	return 0;
}

static pid_t k_gettid(void)
{
	return syscall(SYS_gettid);
}

static long long tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * NSEC + tv->tv_usec * 1000LL;
}

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Burn CPU in user space for @ns of process CPU time, or until @stop() */
static void burn_cpu(long long ns, int (*stop)(void))
{
	long long end = cpu_ns() + ns;
	volatile unsigned long x = 0;

	while (cpu_ns() < end && !(stop && stop())) {
		unsigned long i;

		for (i = 0; i < 200000; i++)
			x += i * i;
	}
}

/* A copy of the image's (first) CKPT_HDR_TIMERS record, or NULL */
static struct ckpt_hdr_timers *image_timers(const char *path, char *err, size_t errlen)
{
	static struct ckpt_rec recs[4096];
	struct ckpt_hdr_timers *t = NULL;
	size_t len;
	char *img = ckpt_slurp(path, &len);
	int n, i;

	if (!img) {
		snprintf(err, errlen, "cannot read %s", path);
		return NULL;
	}
	snprintf(err, errlen, "no TIMERS record");
	n = ckpt_image_walk(img, len, recs, 4096, err, errlen);
	for (i = 0; i < n && i < 4096; i++) {
		if (recs[i].type != CKPT_HDR_TIMERS)
			continue;
		if (recs[i].len < sizeof(*t) ||
		    recs[i].len != sizeof(*t) + (size_t)((struct ckpt_hdr_timers *)
			(img + recs[i].off))->nr_timers * sizeof(t->timers[0])) {
			snprintf(err, errlen, "TIMERS record of %u bytes", recs[i].len);
			break;
		}
		t = malloc(recs[i].len);
		if (t)
			memcpy(t, img + recs[i].off, recs[i].len);
		break;
	}
	free(img);
	return t;
}

static const struct ckpt_posix_timer *find_timer(const struct ckpt_hdr_timers *t, int id)
{
	uint32_t i;

	for (i = 0; i < t->nr_timers; i++)
		if (t->timers[i].id == id)
			return &t->timers[i];
	return NULL;
}

/* Checks in a worker or a restored task: report, count, go on */
static int failures;

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			ckpt_report("%s:%d: %s: " fmt "\n", __func__,	\
				    __LINE__, #cond, ##__VA_ARGS__);	\
			failures++;					\
		}							\
	} while (0)

/* Every delivery of a signal, as its SA_SIGINFO handler saw it */
struct sigrec {
	volatile int count;
	volatile int code, timerid, overrun, tid;
	volatile long value;
	/* the first delivery's */
	volatile int first_code, first_timerid, first_overrun, first_tid;
	volatile long first_value;
	volatile int bad;		/* a delivery that was not its timer's */
	volatile int want_timerid;	/* -1: any */
};

static struct sigrec sigs[65];

static void on_timer_signal(int sig, siginfo_t *si, void *uc)
{
	struct sigrec *r = &sigs[sig];

	(void)uc;
	r->code = si->si_code;
	r->timerid = si->si_timerid;
	r->overrun = si->si_overrun;
	r->value = (long)si->si_value.sival_ptr;
	r->tid = k_gettid();
	if (!r->count) {
		r->first_code = r->code;
		r->first_timerid = r->timerid;
		r->first_overrun = r->overrun;
		r->first_value = r->value;
		r->first_tid = r->tid;
	}
	if (r->code != SI_TIMER || (r->want_timerid >= 0 && r->timerid != r->want_timerid))
		r->bad++;
	r->count++;
}

static int catch_signal(int sig, int timerid)
{
	struct sigaction sa = { .sa_sigaction = on_timer_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	sigs[sig].want_timerid = timerid;
	return sigaction(sig, &sa, NULL);
}

static int block_signal(int how, int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigprocmask(how, &set, NULL);
}

static int is_pending(int sig)
{
	sigset_t set;

	return !sigpending(&set) && sigismember(&set, sig);
}

/* Wait (sleeping) until @cond() or @ms passed */
static int wait_for(int (*cond)(void), int ms)
{
	double end = ckpt_now() + ms / 1000.0;

	while (!cond() && ckpt_now() < end)
		ckpt_msleep(5);
	return cond();
}

/* Self-checkpoint; returns in the restored task only */
static void checkpoint_here(void)
{
	int fd, logfd;
	long ret;

	fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = ckpt_self(fd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0)
		_exit(CKPT_EXIT_CKPT_FAILED);
	close(fd);
	close(logfd);
}

/* ------------------------------------------------------------------ */
/* ITIMER_REAL */

#define VALUE_MS	3000
#define INTERVAL_MS	300

static volatile sig_atomic_t alarms;

static void on_alarm(int sig __attribute__((unused)))
{
	alarms++;
}

static void worker_real(void)
{
	struct itimerval it = {
		.it_value = { VALUE_MS / 1000, (VALUE_MS % 1000) * 1000 },
		.it_interval = { 0, INTERVAL_MS * 1000 },
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	int i;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		_exit(CKPT_EXIT_SETUP);
	checkpoint_here();

	/* restored: the timer runs on from what was left */
	if (getitimer(ITIMER_REAL, &it))
		_exit(T_VALUE);
	if (it.it_interval.tv_sec || it.it_interval.tv_usec != INTERVAL_MS * 1000) {
		ckpt_report("interval %ld.%06ld\n", (long)it.it_interval.tv_sec,
			    (long)it.it_interval.tv_usec);
		_exit(T_INTERVAL);
	}
	if (!it.it_value.tv_sec && !it.it_value.tv_usec && !alarms) {
		ckpt_report("timer disarmed after restart\n");
		_exit(T_VALUE);
	}
	if (it.it_value.tv_sec * 1000 + it.it_value.tv_usec / 1000 > VALUE_MS) {
		ckpt_report("value %ld.%06ld, more than was left\n",
			    (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
		_exit(T_VALUE);
	}
	/* the first alarm, then at least two more at the interval */
	for (i = 0; i < 1000 && alarms < 3; i++)
		ckpt_msleep(10);
	if (alarms < 3) {
		ckpt_report("%d alarms in 10 s\n", (int)alarms);
		_exit(T_NO_ALARMS);
	}
	_exit(T_OK);
}

static int three_alarms(void)
{
	return alarms >= 3;
}

static void worker_real_pending(void)
{
	struct itimerval it = {
		.it_value = { 0, 20000 },
		.it_interval = { 0, 100000 },
	};
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	int i;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	block_signal(SIG_BLOCK, SIGALRM);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		_exit(CKPT_EXIT_SETUP);
	/* expired: its SIGALRM pending, the timer waiting for its delivery */
	for (i = 0; i < 500 && !is_pending(SIGALRM); i++)
		ckpt_msleep(10);
	if (getitimer(ITIMER_REAL, &it) || it.it_value.tv_sec || it.it_value.tv_usec) {
		ckpt_report("ITIMER_REAL did not expire\n");
		_exit(CKPT_EXIT_SETUP);
	}
	checkpoint_here();

	/* restored */
	CHECK(is_pending(SIGALRM), "SIGALRM is not pending after restart");
	CHECK(!getitimer(ITIMER_REAL, &it) && !it.it_interval.tv_sec &&
	      it.it_interval.tv_usec == 100000, "interval %ld.%06ld",
	      (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	ckpt_msleep(50);
	CHECK(!alarms, "%d alarms while blocked", (int)alarms);
	block_signal(SIG_UNBLOCK, SIGALRM);
	CHECK(alarms == 1, "%d alarms once unblocked", (int)alarms);
	/* the delivery restarted it */
	wait_for(three_alarms, 10000);
	CHECK(alarms >= 3, "%d alarms in 10 s: the timer did not restart", (int)alarms);
	_exit(failures ? T_CHECKS : T_OK);
}

/* ------------------------------------------------------------------ */
/* ITIMER_PROF and ITIMER_VIRTUAL */

#define PROF_VALUE_MS		600
#define PROF_INTERVAL_MS	100
#define VIRT_VALUE_MS		500
#define VIRT_INTERVAL_MS	150

static volatile sig_atomic_t profs, vtalrms;

static void on_cpu_timer(int sig)
{
	if (sig == SIGPROF)
		profs++;
	else
		vtalrms++;
}

static int cpu_timers_fired(void)
{
	return profs >= 3 && vtalrms >= 3;
}

static void worker_cpu(void)
{
	static const struct { int which; const char *name; long long value, interval; } it[] = {
		{ ITIMER_PROF, "ITIMER_PROF", PROF_VALUE_MS * MSEC, PROF_INTERVAL_MS * MSEC },
		{ ITIMER_VIRTUAL, "ITIMER_VIRTUAL", VIRT_VALUE_MS * MSEC, VIRT_INTERVAL_MS * MSEC },
	};
	struct sigaction sa = { .sa_handler = on_cpu_timer, .sa_flags = SA_RESTART };
	struct itimerval before[2], after[2];
	struct ckpt_hdr_timers *t;
	long long start;
	char err[256];
	int i;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	if (sigaction(SIGPROF, &sa, NULL) || sigaction(SIGVTALRM, &sa, NULL))
		_exit(CKPT_EXIT_SETUP);
	for (i = 0; i < 2; i++) {
		struct itimerval v = {
			.it_value = { it[i].value / NSEC, it[i].value % NSEC / 1000 },
			.it_interval = { it[i].interval / NSEC, it[i].interval % NSEC / 1000 },
		};

		if (setitimer(it[i].which, &v, NULL))
			_exit(CKPT_EXIT_SETUP);
	}
	burn_cpu(50 * MSEC, NULL);
	for (i = 0; i < 2; i++)
		if (getitimer(it[i].which, &before[i]))
			_exit(CKPT_EXIT_SETUP);
	checkpoint_here();

	/* restored */
	for (i = 0; i < 2; i++)
		if (getitimer(it[i].which, &after[i]))
			_exit(T_VALUE);
	t = image_timers(img_path, err, sizeof(err));
	if (!t) {
		ckpt_report("image: %s\n", err);
		_exit(T_CHECKS);
	}
	for (i = 0; i < 2; i++) {
		int k = it[i].which == ITIMER_PROF ? CKPT_ITIMER_PROF : CKPT_ITIMER_VIRTUAL;
		long long saved = t->itimer[k].value;

		ckpt_report("%s: %lld ns left before, %lld saved, %lld after restart\n",
			    it[i].name, tv_ns(&before[i].it_value), saved,
			    tv_ns(&after[i].it_value));
		CHECK(tv_ns(&after[i].it_interval) == it[i].interval,
		      "%s: interval %lld ns after restart", it[i].name,
		      tv_ns(&after[i].it_interval));
		CHECK((long long)t->itimer[k].interval == it[i].interval,
		      "%s: interval %lld ns in the image", it[i].name,
		      (long long)t->itimer[k].interval);
		CHECK(tv_ns(&after[i].it_value) > 0, "%s: disarmed after restart", it[i].name);
		CHECK(saved > 0 && saved <= tv_ns(&before[i].it_value),
		      "%s: the image holds %lld ns, %lld were left before", it[i].name,
		      saved, tv_ns(&before[i].it_value));
		CHECK(tv_ns(&after[i].it_value) <= saved,
		      "%s: %lld ns left after restart, more than the %lld saved",
		      it[i].name, tv_ns(&after[i].it_value), saved);
	}
	free(t);
	if (failures)
		_exit(T_CHECKS);

	/* they fire while the task burns CPU, more than once */
	profs = 0;
	vtalrms = 0;
	start = cpu_ns();
	burn_cpu(10 * NSEC, cpu_timers_fired);
	ckpt_report("%d SIGPROF, %d SIGVTALRM in %lld ms of CPU\n", (int)profs,
		    (int)vtalrms, (cpu_ns() - start) / MSEC);
	if (!cpu_timers_fired())
		_exit(T_NO_ALARMS);
	_exit(T_OK);
}

/* ------------------------------------------------------------------ */
/* POSIX timers of a single-threaded process */

enum { P_MONO, P_DEL1, P_REAL, P_DEL3, P_BOOT, P_TAI, P_RATE, P_NR };

#define SIG_MONO	(SIGRTMIN + 1)
#define SIG_REAL	SIGUSR1
#define SIG_TAI		(SIGRTMIN + 3)
#define SIG_RATE	(SIGRTMIN + 4)

static const struct posix_spec {
	clockid_t clock;
	int notify;			/* SIGEV_* */
	int sig;
	long value;			/* sigev_value */
	long long value_ns, interval_ns;
} pspec[P_NR] = {
	[P_MONO] = { CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 1000, 1500 * MSEC, 200 * MSEC },
	[P_DEL1] = { CLOCK_REALTIME, SIGEV_NONE, 0, 0, 0, 0 },
	[P_REAL] = { CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR1, 0x1234567890L, 1200 * MSEC, 300 * MSEC },
	[P_DEL3] = { CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0, 0 },
	[P_BOOT] = { CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, 100 * NSEC, 7 * NSEC },
	/* one-shot, to this thread, blocked: pending at checkpoint */
	[P_TAI] = { CLOCK_TAI, SIGEV_THREAD_ID, 0, 5555, 10 * MSEC, 0 },
	/* interval, blocked: pending, waiting to be rearmed, overruns */
	[P_RATE] = { CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 6666, 20 * MSEC, 50 * MSEC },
};

static int psig(int i)
{
	switch (i) {
	case P_MONO: return SIG_MONO;
	case P_REAL: return SIG_REAL;
	case P_TAI: return SIG_TAI;
	case P_RATE: return SIG_RATE;
	}
	return 0;
}

static int both_pending(void)
{
	return is_pending(SIG_TAI) && is_pending(SIG_RATE);
}

static int base_mono, base_real;

static int posix_fired(void)
{
	return sigs[SIG_RATE].count >= 4 && sigs[SIG_MONO].count >= base_mono + 2 &&
	       sigs[SIG_REAL].count >= base_real + 2;
}

static void worker_posix(void)
{
	long long value[P_NR], interval[P_NR], v, iv;
	int id[P_NR], i, newid;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	block_signal(SIG_BLOCK, SIG_TAI);
	block_signal(SIG_BLOCK, SIG_RATE);
	for (i = 0; i < P_NR; i++) {
		struct sigevent sev = {
			.sigev_notify = pspec[i].notify,
			.sigev_signo = psig(i),
			.sigev_value.sival_ptr = (void *)pspec[i].value,
		};

		if (pspec[i].notify == SIGEV_THREAD_ID)
			sev.sigev_notify_thread_id = k_gettid();
		if (psig(i) && catch_signal(psig(i), i))
			_exit(CKPT_EXIT_SETUP);
		if (k_timer_create(pspec[i].clock, &sev, &id[i]) || id[i] != i) {
			ckpt_report("timer %d: id %d: %s\n", i, id[i], strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
	}
	if (syscall(SYS_timer_delete, id[P_DEL1]) || syscall(SYS_timer_delete, id[P_DEL3]))
		_exit(CKPT_EXIT_SETUP);
	for (i = 0; i < P_NR; i++)
		if (pspec[i].value_ns &&
		    k_timer_settime(id[i], pspec[i].value_ns, pspec[i].interval_ns))
			_exit(CKPT_EXIT_SETUP);
	/* both blocked signals pending, the interval timer overrun */
	ckpt_msleep(400);
	if (!wait_for(both_pending, 5000)) {
		ckpt_report("the blocked timer signals are not pending\n");
		_exit(CKPT_EXIT_SETUP);
	}
	for (i = 0; i < P_NR; i++)
		if (i != P_DEL1 && i != P_DEL3 && k_timer_gettime(id[i], &value[i], &interval[i]))
			_exit(CKPT_EXIT_SETUP);
	checkpoint_here();

	/* restored: the ids are the same, the deleted ones stay deleted */
	base_mono = sigs[SIG_MONO].count;
	base_real = sigs[SIG_REAL].count;
	for (i = 0; i < P_NR; i++) {
		if (i == P_DEL1 || i == P_DEL3) {
			CHECK(k_timer_gettime(i, &v, &iv) && errno == EINVAL,
			      "deleted timer %d exists after restart", i);
			continue;
		}
		if (k_timer_gettime(i, &v, &iv)) {
			CHECK(0, "timer %d: timer_gettime: %s", i, strerror(errno));
			continue;
		}
		ckpt_report("timer %d: %lld ns left before, %lld after restart, interval %lld\n",
			    i, value[i], v, iv);
		CHECK(iv == pspec[i].interval_ns, "timer %d: interval %lld ns", i, iv);
		if (i == P_TAI) {
			CHECK(v == 0, "timer %d (one-shot, expired): %lld ns left", i, v);
			continue;
		}
		/* its next expiry is the next multiple of its interval */
		if (i == P_RATE) {
			CHECK(v > 0 && v <= pspec[i].interval_ns, "timer %d: %lld ns left",
			      i, v);
			continue;
		}
		CHECK(v > 0 && v <= value[i], "timer %d: %lld ns left, %lld before",
		      i, v, value[i]);
		if (i == P_BOOT)
			CHECK(v > 90 * NSEC, "timer %d: only %lld ns left", i, v);
	}
	/* a new timer gets the id this process would have given next */
	{
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };

		CHECK(!k_timer_create(CLOCK_MONOTONIC, &sev, &newid) && newid == P_NR,
		      "new timer id %d, expected %d", newid, P_NR);
		syscall(SYS_timer_delete, newid);
	}

	/* the pending signals: there, and delivered once with their siginfo */
	CHECK(is_pending(SIG_TAI) && is_pending(SIG_RATE),
	      "pending after restart: TAI %d, RATE %d", is_pending(SIG_TAI),
	      is_pending(SIG_RATE));
	CHECK(!sigs[SIG_TAI].count && !sigs[SIG_RATE].count,
	      "delivered while blocked: %d, %d", sigs[SIG_TAI].count, sigs[SIG_RATE].count);
	block_signal(SIG_UNBLOCK, SIG_TAI);
	CHECK(sigs[SIG_TAI].count == 1, "one-shot: %d deliveries", sigs[SIG_TAI].count);
	CHECK(sigs[SIG_TAI].first_code == SI_TIMER && sigs[SIG_TAI].first_timerid == P_TAI &&
	      sigs[SIG_TAI].first_value == 5555 && sigs[SIG_TAI].first_overrun == 0,
	      "one-shot: si_code %d si_timerid %d si_value %ld si_overrun %d",
	      sigs[SIG_TAI].first_code, sigs[SIG_TAI].first_timerid,
	      sigs[SIG_TAI].first_value, sigs[SIG_TAI].first_overrun);
	block_signal(SIG_UNBLOCK, SIG_RATE);
	CHECK(sigs[SIG_RATE].count >= 1, "interval timer: no delivery");
	CHECK(sigs[SIG_RATE].first_code == SI_TIMER && sigs[SIG_RATE].first_timerid == P_RATE &&
	      sigs[SIG_RATE].first_value == 6666,
	      "interval timer: si_code %d si_timerid %d si_value %ld",
	      sigs[SIG_RATE].first_code, sigs[SIG_RATE].first_timerid,
	      sigs[SIG_RATE].first_value);
	/* blocked for 400 ms at 50 ms: the overruns before the checkpoint */
	CHECK(sigs[SIG_RATE].first_overrun >= 4,
	      "interval timer: si_overrun %d after 400 ms blocked",
	      sigs[SIG_RATE].first_overrun);
	ckpt_report("interval timer: first delivery si_overrun %d\n",
		    sigs[SIG_RATE].first_overrun);

	/* and they fire on */
	wait_for(posix_fired, 10000);
	CHECK(sigs[SIG_RATE].count >= 4, "interval timer: %d deliveries in 10 s",
	      sigs[SIG_RATE].count);
	CHECK(sigs[SIG_MONO].count >= base_mono + 2, "CLOCK_MONOTONIC timer: %d deliveries",
	      sigs[SIG_MONO].count - base_mono);
	CHECK(sigs[SIG_REAL].count >= base_real + 2, "CLOCK_REALTIME timer: %d deliveries",
	      sigs[SIG_REAL].count - base_real);
	CHECK(sigs[SIG_MONO].value == 1000 && sigs[SIG_MONO].timerid == P_MONO,
	      "CLOCK_MONOTONIC timer: si_value %ld si_timerid %d", sigs[SIG_MONO].value,
	      sigs[SIG_MONO].timerid);
	CHECK(sigs[SIG_REAL].value == 0x1234567890L && sigs[SIG_REAL].timerid == P_REAL,
	      "CLOCK_REALTIME timer: si_value %#lx si_timerid %d", sigs[SIG_REAL].value,
	      sigs[SIG_REAL].timerid);
	ckpt_msleep(100);
	CHECK(sigs[SIG_TAI].count == 1, "one-shot: %d deliveries in all", sigs[SIG_TAI].count);
	for (i = 0; i < P_NR; i++)
		if (psig(i))
			CHECK(!sigs[psig(i)].bad, "signal %d: %d deliveries not of timer %d",
			      psig(i), sigs[psig(i)].bad, i);
	_exit(failures ? T_CHECKS : T_OK);
}

/* ------------------------------------------------------------------ */
/* POSIX timers on CPU-time clocks */

enum { C_PROC, C_THREAD, C_PID, C_RATE, C_NR };

#define SIG_CPROC	(SIGRTMIN + 7)
#define SIG_CPID	(SIGRTMIN + 8)
#define SIG_CRATE	(SIGRTMIN + 9)

static long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static int cpu_fired(void)
{
	return sigs[SIG_CPROC].count >= 3 && sigs[SIG_CPID].count >= 1 &&
	       sigs[SIG_CRATE].count >= 4;
}

static int crate_pending(void)
{
	return is_pending(SIG_CRATE);
}

static void worker_posix_cpu(void)
{
	const struct { int sig; long long value, interval; } cs[C_NR] = {
		[C_PROC] = { SIG_CPROC, 300 * MSEC, 100 * MSEC },
		[C_THREAD] = { 0, 10 * NSEC, 0 },
		[C_PID] = { SIG_CPID, 200 * MSEC, 0 },
		[C_RATE] = { SIG_CRATE, 1 * MSEC, 50 * MSEC },
	};
	long long before[C_NR], after[C_NR], iv, t0, t1, v0, v1;
	struct ckpt_hdr_timers *t;
	clockid_t clocks[C_NR];
	char err[256];
	int id, i;
	pid_t pid;

	if (ckpt_isolate(out_path))
		_exit(CKPT_EXIT_SETUP);
	pid = getpid();
	clocks[C_PROC] = CLOCK_PROCESS_CPUTIME_ID;
	clocks[C_THREAD] = CLOCK_THREAD_CPUTIME_ID;
	clocks[C_RATE] = CLOCK_PROCESS_CPUTIME_ID;
	if (clock_getcpuclockid(getpid(), &clocks[C_PID]))
		_exit(CKPT_EXIT_SETUP);
	block_signal(SIG_BLOCK, SIG_CRATE);
	for (i = 0; i < C_NR; i++) {
		struct sigevent sev = {
			.sigev_notify = cs[i].sig ? SIGEV_SIGNAL : SIGEV_NONE,
			.sigev_signo = cs[i].sig,
			.sigev_value.sival_int = 100 + i,
		};

		if (cs[i].sig && catch_signal(cs[i].sig, i))
			_exit(CKPT_EXIT_SETUP);
		if (k_timer_create(clocks[i], &sev, &id) || id != i ||
		    k_timer_settime(id, cs[i].value, cs[i].interval)) {
			ckpt_report("timer %d on clock %d: %s\n", i, clocks[i], strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
	}
	/* the rate timer expires and stays pending, blocked */
	burn_cpu(50 * MSEC, crate_pending);
	if (!crate_pending()) {
		ckpt_report("the blocked CPU timer's signal is not pending\n");
		_exit(CKPT_EXIT_SETUP);
	}
	for (i = 0; i < C_NR; i++)
		if (k_timer_gettime(i, &before[i], &iv))
			_exit(CKPT_EXIT_SETUP);
	checkpoint_here();

	/* restored */
	for (i = 0; i < C_NR; i++)
		if (k_timer_gettime(i, &after[i], &iv) || iv != cs[i].interval) {
			CHECK(0, "timer %d: timer_gettime %s, interval %lld", i,
			      strerror(errno), iv);
			after[i] = -1;
		}
	t = image_timers(img_path, err, sizeof(err));
	if (!t) {
		ckpt_report("image: %s\n", err);
		_exit(T_CHECKS);
	}
	CHECK(t->nr_timers == C_NR, "%u timers in the image", t->nr_timers);
	for (i = 0; i < C_NR; i++) {
		const struct ckpt_posix_timer *p = find_timer(t, i);
		int want = i == C_THREAD ? CKPT_CPUCLOCK_SCHED | CKPT_CPUCLOCK_THREAD :
					   CKPT_CPUCLOCK_SCHED;

		if (!p) {
			CHECK(0, "timer %d is not in the image", i);
			continue;
		}
		ckpt_report("timer %d: %lld ns left before, %lld saved, %lld after restart\n",
			    i, before[i], (long long)p->value, after[i]);
		CHECK(p->clock == want, "timer %d: clock %d in the image, not %d", i,
		      p->clock, want);
		CHECK(p->clock_tid == (i == C_THREAD ? pid : 0),
		      "timer %d: clock_tid %d", i, p->clock_tid);
		CHECK(p->interval == (uint64_t)cs[i].interval, "timer %d: interval %llu", i,
		      (unsigned long long)p->interval);
		if (i == C_RATE) {
			CHECK(p->flags == (CKPT_TIMER_PENDING | CKPT_TIMER_REARM),
			      "timer %d: flags %#x", i, p->flags);
			CHECK(after[i] > 0 && after[i] <= cs[i].interval,
			      "timer %d: %lld ns left", i, after[i]);
			continue;
		}
		CHECK(p->value > 0 && (long long)p->value <= before[i],
		      "timer %d: %llu ns saved, %lld were left", i,
		      (unsigned long long)p->value, before[i]);
		CHECK(after[i] > 0 && after[i] <= (long long)p->value,
		      "timer %d: %lld ns left after restart, %llu saved", i, after[i],
		      (unsigned long long)p->value);
	}
	free(t);

	/* the thread clock's timer counts down with the thread's CPU time */
	k_timer_gettime(C_THREAD, &v0, &iv);
	t0 = thread_cpu_ns();
	burn_cpu(100 * MSEC, NULL);
	k_timer_gettime(C_THREAD, &v1, &iv);
	t1 = thread_cpu_ns();
	ckpt_report("thread clock timer: %lld ns less after %lld ns of CPU\n", v0 - v1, t1 - t0);
	CHECK(llabs((v0 - v1) - (t1 - t0)) < 20 * MSEC,
	      "thread clock timer: %lld ns less after %lld ns of CPU", v0 - v1, t1 - t0);

	/* the pending signal once, then they fire while the task burns CPU */
	CHECK(is_pending(SIG_CRATE) && !sigs[SIG_CRATE].count,
	      "rate timer: pending %d, %d deliveries", is_pending(SIG_CRATE),
	      sigs[SIG_CRATE].count);
	block_signal(SIG_UNBLOCK, SIG_CRATE);
	CHECK(sigs[SIG_CRATE].count == 1 && sigs[SIG_CRATE].first_timerid == C_RATE &&
	      sigs[SIG_CRATE].first_value == 100 + C_RATE,
	      "rate timer: %d deliveries once unblocked, si_timerid %d, si_value %ld",
	      sigs[SIG_CRATE].count, sigs[SIG_CRATE].first_timerid,
	      sigs[SIG_CRATE].first_value);
	t0 = cpu_ns();
	burn_cpu(10 * NSEC, cpu_fired);
	ckpt_report("%d, %d, %d deliveries in %lld ms of CPU\n", sigs[SIG_CPROC].count,
		    sigs[SIG_CPID].count, sigs[SIG_CRATE].count, (cpu_ns() - t0) / MSEC);
	CHECK(cpu_fired(), "CPU timers: %d, %d, %d deliveries", sigs[SIG_CPROC].count,
	      sigs[SIG_CPID].count, sigs[SIG_CRATE].count);
	CHECK(sigs[SIG_CPID].count == 1, "one-shot: %d deliveries", sigs[SIG_CPID].count);
	CHECK(sigs[SIG_CPROC].value == 100 + C_PROC && sigs[SIG_CPID].value == 100 + C_PID,
	      "si_value %ld, %ld", sigs[SIG_CPROC].value, sigs[SIG_CPID].value);
	for (i = 0; i < C_NR; i++)
		if (cs[i].sig)
			CHECK(!sigs[cs[i].sig].bad, "signal %d: %d deliveries not of timer %d",
			      cs[i].sig, sigs[cs[i].sig].bad, i);
	_exit(failures ? T_CHECKS : T_OK);
}

/* ------------------------------------------------------------------ */
/* SIGEV_THREAD_ID in a multi-threaded process */

#define SIG_THR		(SIGRTMIN + 5)	/* interval timer to thread B */
#define SIG_THR_PEND	(SIGRTMIN + 6)	/* one-shot to B, blocked in B */

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	pid_t tid_b;
	int id_thr, id_pend, id_cpu;
	volatile int ready, restored, done;
	char result[1024];
} TS;

static void *thread_a(void *arg)
{
	while (!TS.done)
		ckpt_msleep(10);
	return arg;
}

static int thr_fired(void)
{
	return sigs[SIG_THR].count >= 3;
}

static void *thread_b(void *arg)
{
	char *p = TS.result;
	int n = 0;

	TS.tid_b = k_gettid();
	block_signal(SIG_UNBLOCK, SIG_THR);
	TS.ready = 1;
	while (!TS.restored)
		ckpt_msleep(10);

	/* restored: the one-shot's signal waits in this thread */
	sigs[SIG_THR].count = 0;
	sigs[SIG_THR].bad = 0;
	CHECK(is_pending(SIG_THR_PEND), "SIGEV_THREAD_ID signal not pending in its thread");
	CHECK(!sigs[SIG_THR_PEND].count, "delivered while blocked");
	block_signal(SIG_UNBLOCK, SIG_THR_PEND);
	CHECK(sigs[SIG_THR_PEND].count == 1, "one-shot: %d deliveries",
	      sigs[SIG_THR_PEND].count);
	CHECK(sigs[SIG_THR_PEND].first_tid == TS.tid_b &&
	      sigs[SIG_THR_PEND].first_timerid == TS.id_pend &&
	      sigs[SIG_THR_PEND].first_value == 4242,
	      "one-shot: in tid %d (B %d), si_timerid %d, si_value %ld",
	      sigs[SIG_THR_PEND].first_tid, TS.tid_b, sigs[SIG_THR_PEND].first_timerid,
	      sigs[SIG_THR_PEND].first_value);
	/* the interval timer fires on, into this thread only */
	wait_for(thr_fired, 10000);
	CHECK(sigs[SIG_THR].count >= 3, "interval timer: %d deliveries in 10 s",
	      sigs[SIG_THR].count);
	CHECK(sigs[SIG_THR].tid == TS.tid_b && sigs[SIG_THR].value == 777 &&
	      sigs[SIG_THR].timerid == TS.id_thr,
	      "interval timer: in tid %d (B %d), si_value %ld, si_timerid %d",
	      sigs[SIG_THR].tid, TS.tid_b, sigs[SIG_THR].value, sigs[SIG_THR].timerid);
	ckpt_msleep(100);
	CHECK(sigs[SIG_THR_PEND].count == 1, "one-shot: %d deliveries in all",
	      sigs[SIG_THR_PEND].count);
	/* the timer on this thread's CPU-time clock counts this thread's time */
	{
		long long v0 = -1, v1 = -1, t0, t1, iv = -1;
		volatile unsigned long x = 0;

		k_timer_gettime(TS.id_cpu, &v0, &iv);
		t0 = thread_cpu_ns();
		while (thread_cpu_ns() < t0 + 100 * MSEC)
			x++;
		k_timer_gettime(TS.id_cpu, &v1, &iv);
		t1 = thread_cpu_ns();
		CHECK(v0 > 19 * NSEC && v0 <= 20 * NSEC && iv == 0,
		      "thread CPU-time timer: %lld ns left after restart", v0);
		CHECK(llabs((v0 - v1) - (t1 - t0)) < 20 * MSEC,
		      "thread CPU-time timer: %lld ns less after %lld ns of its CPU time",
		      v0 - v1, t1 - t0);
	}
	CHECK(!sigs[SIG_THR].bad && !sigs[SIG_THR_PEND].bad, "deliveries not of their timer");
	n = snprintf(p, sizeof(TS.result), "thread B %d: %d SIG_THR, %d SIG_THR_PEND, %s\n",
		     TS.tid_b, sigs[SIG_THR].count, sigs[SIG_THR_PEND].count,
		     failures ? "BAD" : "ok");
	(void)n;
	TS.done = 1;
	return arg;
}

static void process_threads(void)
{
	pthread_t a, b;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID };
	long long v, iv;
	int ok;

	/* every thread blocks both; B unblocks SIG_THR itself */
	block_signal(SIG_BLOCK, SIG_THR);
	block_signal(SIG_BLOCK, SIG_THR_PEND);
	if (catch_signal(SIG_THR, -1) || catch_signal(SIG_THR_PEND, -1) ||
	    pthread_create(&a, NULL, thread_a, NULL) ||
	    pthread_create(&b, NULL, thread_b, NULL))
		_exit(CKPT_EXIT_SETUP);
	while (!TS.ready)
		ckpt_msleep(5);
	sev.sigev_notify_thread_id = TS.tid_b;
	sev.sigev_signo = SIG_THR;
	sev.sigev_value.sival_int = 777;
	if (k_timer_create(CLOCK_MONOTONIC, &sev, &TS.id_thr))
		_exit(CKPT_EXIT_SETUP);
	sev.sigev_signo = SIG_THR_PEND;
	sev.sigev_value.sival_int = 4242;
	if (k_timer_create(CLOCK_BOOTTIME, &sev, &TS.id_pend))
		_exit(CKPT_EXIT_SETUP);
	{
		struct sigevent none = { .sigev_notify = SIGEV_NONE };
		clockid_t cid;

		if (pthread_getcpuclockid(b, &cid) ||
		    k_timer_create(cid, &none, &TS.id_cpu) ||
		    k_timer_settime(TS.id_cpu, 20 * NSEC, 0))
			_exit(CKPT_EXIT_SETUP);
	}
	sigs[SIG_THR].want_timerid = TS.id_thr;
	sigs[SIG_THR_PEND].want_timerid = TS.id_pend;
	if (k_timer_settime(TS.id_pend, 10 * MSEC, 0) ||
	    k_timer_settime(TS.id_thr, 2 * NSEC, 200 * MSEC))
		_exit(CKPT_EXIT_SETUP);
	ckpt_put(TS.dir, "ready", "pid %d tid_b %d timers %d %d %d\n", getpid(),
		 TS.tid_b, TS.id_thr, TS.id_pend, TS.id_cpu);

	while (access(TS.go, F_OK))
		ckpt_msleep(20);

	/* restored */
	ok = !k_timer_gettime(TS.id_thr, &v, &iv) && iv == 200 * MSEC && v > 0 &&
	     v <= 2 * NSEC;
	CHECK(ok, "interval timer: %lld ns left, interval %lld", v, iv);
	TS.restored = 1;
	while (!TS.done)
		ckpt_msleep(10);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	ckpt_put(TS.dir, "result", "%s%s\n", TS.result, failures ? "BAD" : "ok");
	_exit(failures ? T_CHECKS : T_OK);
}

/* ------------------------------------------------------------------ */

FIXTURE(timers) {
	struct ckpt_env env;
	pid_t tool;
};

FIXTURE_SETUP(timers)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "timers"), 0);
	img_path = ckpt_path(&self->env, "image");
	log_path = ckpt_path(&self->env, "log");
	out_path = ckpt_path(&self->env, "out");
}

FIXTURE_TEARDOWN_PARENT(timers)
{
	if (self->tool > 0)
		ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* Fork @worker, which checkpoints itself, then restart its image */
static void self_test(struct __test_metadata *_metadata, struct ckpt_env *env,
		      void (*worker)(void), void (*check_image)(struct __test_metadata *))
{
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		worker();
	ckpt_track(env, pid);
	ckpt_wait_or_kill(pid, &status, 60000);
	ckpt_untrack(env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", out_path, 2048);
		ckpt_dump("log", log_path, 1024);
	}
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED)
		TH_LOG("worker %s", ckpt_status_str(status));
	if (check_image)
		check_image(_metadata);

	pid = ckpt_start_restarter(img_path, -1, log_path, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(env, pid);
	ckpt_wait_or_kill(pid, &status, 60000);
	ckpt_untrack(env, pid);
	ckpt_dump("restored", out_path, 4096);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ckpt_dump("log", log_path, 1024);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("restored task %s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), T_OK) TH_LOG("restored task %s", ckpt_status_str(status));
}

TEST_F_TIMEOUT(timers, itimer_real, 90)
{
	self_test(_metadata, &self->env, worker_real, NULL);
}

TEST_F_TIMEOUT(timers, itimer_real_pending, 90)
{
	self_test(_metadata, &self->env, worker_real_pending, NULL);
}

TEST_F_TIMEOUT(timers, itimer_cpu, 120)
{
	self_test(_metadata, &self->env, worker_cpu, NULL);
}

/* The image's TIMERS record of the posix test */
static void check_posix_image(struct __test_metadata *_metadata)
{
	static const int ids[] = { P_MONO, P_REAL, P_BOOT, P_TAI, P_RATE };
	const struct ckpt_posix_timer *p;
	struct ckpt_hdr_timers *t;
	char err[256];
	unsigned int i;

	t = image_timers(img_path, err, sizeof(err));
	ASSERT_NE(t, NULL) TH_LOG("%s", err);
	EXPECT_EQ(t->nr_timers, 5U);
	EXPECT_EQ(t->next_id, (uint32_t)P_NR);
	for (i = 0; i < t->nr_timers && i < 5; i++)
		EXPECT_EQ(t->timers[i].id, ids[i]);
	p = find_timer(t, P_TAI);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->clock, CLOCK_TAI);
	EXPECT_EQ(p->notify, SIGEV_THREAD_ID);
	EXPECT_GT(p->tid, 0);
	EXPECT_EQ(p->flags, (uint32_t)CKPT_TIMER_PENDING);
	EXPECT_EQ((long)p->sigval, 5555);
	p = find_timer(t, P_RATE);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->flags, (uint32_t)(CKPT_TIMER_PENDING | CKPT_TIMER_REARM));
	EXPECT_EQ(p->interval, (uint64_t)(50 * MSEC));
	EXPECT_GE(p->overrun, 4);
	p = find_timer(t, P_BOOT);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->notify, SIGEV_NONE);
	EXPECT_EQ(p->clock, CLOCK_BOOTTIME);
	EXPECT_EQ(p->flags, 0U);
	p = find_timer(t, P_REAL);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->signo, SIGUSR1);
	EXPECT_EQ((long)p->sigval, 0x1234567890L);
	free(t);
}

TEST_F_TIMEOUT(timers, posix, 120)
{
	self_test(_metadata, &self->env, worker_posix, check_posix_image);
}

TEST_F_TIMEOUT(timers, thread, 180)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	const struct ckpt_posix_timer *p;
	struct ckpt_hdr_timers *t;
	char path[CKPT_PATH_LEN + 32], err[256], *ready, *res;
	char *rst_out = ckpt_path(&self->env, "restart.out");
	int status, reaped = 0, tid_b, id_thr, id_pend, id_cpu;
	double end;
	pid_t pid;
	long id;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "timers"))
		SKIP(return, "no cgroup v2 freezer");
	memset(&TS, 0, sizeof(TS));
	snprintf(TS.dir, sizeof(TS.dir), "%s", self->env.dir);
	snprintf(TS.go, sizeof(TS.go), "%s/go", self->env.dir);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(out_path) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		process_threads();
	}
	ckpt_track(&self->env, pid);

	snprintf(path, sizeof(path), "%s/ready", self->env.dir);
	if (ckpt_await_file(path, 20, 60000))
		ckpt_dump("process", out_path, 4096);
	ready = ckpt_slurp(path, NULL);
	ASSERT_NE(ready, NULL) TH_LOG("the process did not get ready");
	ASSERT_EQ(sscanf(ready, "pid %*d tid_b %d timers %d %d %d", &tid_b, &id_thr, &id_pend,
			 &id_cpu), 4);
	/* the one-shot's signal is pending in thread B */
	ckpt_msleep(100);

	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	id = ckpt_checkpoint_file(pid, img_path, log_path, CHECKPOINT_SUBTREE, NULL);
	ASSERT_GT(id, 0);
	t = image_timers(img_path, err, sizeof(err));
	ASSERT_NE(t, NULL) TH_LOG("%s", err);
	EXPECT_EQ(t->nr_timers, 3U);
	p = find_timer(t, id_thr);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->notify, SIGEV_THREAD_ID);
	EXPECT_EQ(p->tid, tid_b);
	EXPECT_EQ(p->interval, (uint64_t)(200 * MSEC));
	p = find_timer(t, id_pend);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->tid, tid_b);
	EXPECT_EQ(p->flags, (uint32_t)CKPT_TIMER_PENDING);
	p = find_timer(t, id_cpu);
	ASSERT_NE(p, NULL);
	EXPECT_EQ(p->clock, CKPT_CPUCLOCK_SCHED | CKPT_CPUCLOCK_THREAD);
	EXPECT_EQ(p->clock_tid, tid_b);
	EXPECT_EQ(p->notify, SIGEV_NONE);
	EXPECT_EQ(p->tid, 0);
	free(t);

	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(pid, &status, 0, 10000);
	ckpt_untrack(&self->env, pid);
	ASSERT_EQ(ckpt_write_file(TS.go, "go\n", 3), 0);

	self->tool = ckpt_restart_tool(img_path, log_path, rst_out, extra);
	ASSERT_GT(self->tool, 0);
	snprintf(path, sizeof(path), "%s/result", self->env.dir);
	end = ckpt_now() + 120;
	while (access(path, F_OK) && ckpt_now() < end) {
		if (waitpid(self->tool, &status, WNOHANG) == self->tool) {
			reaped = 1;
			break;
		}
		ckpt_msleep(20);
	}
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	if (reaped)
		self->tool = 0;
	res = ckpt_slurp(path, NULL);
	ckpt_dump("process", out_path, 4096);
	if (!res || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", rst_out, 4096);
		ckpt_dump("log", log_path, 2048);
	}
	ASSERT_NE(res, NULL) TH_LOG("the restored process wrote no result");
	EXPECT_NE(strstr(res, "ok\nok\n"), NULL) TH_LOG("result: %s", res);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s", reaped ? ckpt_status_str(status) : "did not exit");
	free(res);
	free(ready);
}

TEST_F_TIMEOUT(timers, posix_cpu, 120)
{
	self_test(_metadata, &self->env, worker_posix_cpu, NULL);
}

TEST_F_TIMEOUT(timers, cpu_clock_refused, 60)
{
	int fd, logfd, status;
	char *log;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		clockid_t cid;
		int tid;
		long ret;

		/* the parent's CPU time: outside the image */
		if (clock_getcpuclockid(getppid(), &cid) || k_timer_create(cid, &sev, &tid) ||
		    k_timer_settime(tid, 100 * NSEC, 0))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = ckpt_self(fd, logfd);
		_exit(ret < 0 && errno == EOPNOTSUPP ? 0 : 1);
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("checkpoint with a timer on the parent's CPU clock: %s",
		       ckpt_status_str(status));
	log = ckpt_slurp(log_path, NULL);
	ASSERT_NE(log, NULL);
	EXPECT_NE(strstr(log, "timer 0: counts the CPU time of a task outside its thread group or the image"), NULL)
		TH_LOG("log: %s", log);
	free(log);
}

TEST_HARNESS_MAIN
