// SPDX-License-Identifier: GPL-2.0
/*
 * A process of 16 threads, frozen with the cgroup v2 freezer,
 * checkpointed externally, killed and restarted with the restart tool
 * in a new pid namespace.  Each thread holds its own values in r12-r15,
 * xmm8 and (with AVX) ymm9 across what it does, its own signal mask and
 * its own rounding mode in the x87 control word and MXCSR:
 *
 *   - 5 threads are blocked in futex(FUTEX_WAIT) (3 private, 2 shared)
 *     at checkpoint time; after restart the main thread stores a value
 *     per thread into its futex word and wakes it: it must see that
 *     value and its registers;
 *   - 5 threads sleep in nanosleep() in a loop;
 *   - 5 threads compute: a register-only loop that checks its
 *     registers every few million iterations, and a double counter;
 *   - the main thread sleeps in nanosleep() waiting for the go file.
 *
 * After restart every thread checks its tid (equal to the original in
 * the new pid namespace), its registers, FPU and SSE/AVX state, signal
 * mask and rounding mode and the number of threads in /proc/self/task
 * (16); the main thread joins them all (which needs their
 * clear_child_tid restored) and writes one line per thread to a result
 * file.  The test checks the image's tree record (a leader and 15
 * CKPT_PIDS_THREAD entries with the recorded tids) and every line.
 * Checkpoint and restart times are printed, not asserted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

#define NR_THREADS	16
#define WAKE_BASE	1000

enum kind { K_MAIN, K_FUTEX, K_SLEEP, K_COMPUTE };
static const char *kind_name[] = { "main", "futex", "sleep", "compute" };

struct regs {
	uint64_t r12, r13, r14, r15, xmm8;
	uint64_t ymm9[4];
};

struct thread {
	int idx;
	enum kind kind;
	pthread_t pt;
	pid_t tid;
	uint64_t tag;
	uint64_t mask;			/* blocked signals, bit n-1 for signal n */
	int round;
	volatile int word;		/* futex word */
	volatile long iters;		/* compute: register loops done */
	double dcount;
	char result[160];
};

static struct {
	struct thread th[NR_THREADS];
	volatile int ready, done, stop, release;
	int avx, counted;
	pid_t pid;
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
} S;

/* rounding control: 0 nearest, 1 down, 2 up, 3 toward zero (x87 and SSE) */
#define RC_DOWN	1
#define RC_UP	2

static void set_round(int rc)
{
	uint16_t cw;
	uint32_t mx;

	asm volatile("fnstcw %0" : "=m"(cw));
	cw = (cw & ~0x0c00) | rc << 10;
	asm volatile("fldcw %0" : : "m"(cw));
	asm volatile("stmxcsr %0" : "=m"(mx));
	mx = (mx & ~0x6000) | rc << 13;
	asm volatile("ldmxcsr %0" : : "m"(mx));
}

/* x87 rounding control in bits 0-1, MXCSR's in bits 2-3 */
static int get_round(void)
{
	uint16_t cw;
	uint32_t mx;

	asm volatile("fnstcw %0" : "=m"(cw));
	asm volatile("stmxcsr %0" : "=m"(mx));
	return ((cw >> 10) & 3) | ((mx >> 13) & 3) << 2;
}

static void expect_regs(const struct thread *t, struct regs *r)
{
	int i;

	r->r12 = t->tag;
	r->r13 = ~t->tag;
	r->r14 = t->tag * 3;
	r->r15 = t->tag ^ 0x5555aaaa5555aaaaULL;
	r->xmm8 = t->tag + 0x1111;
	for (i = 0; i < 4; i++)
		r->ymm9[i] = t->tag * (i + 7);
}

/*
 * Load the expected registers, do a system call (nr >= 0) or spin
 * @spin times (nr < 0), store the registers to @got.  Returns what the
 * system call returned.
 */
static long reg_call(const struct regs *want, struct regs *got, long nr,
		     long a1, long a2, long a3, long a4, long spin, int avx)
{
	register uint64_t r12 asm("r12") = want->r12;
	register uint64_t r13 asm("r13") = want->r13;
	register uint64_t r14 asm("r14") = want->r14;
	register uint64_t r15 asm("r15") = want->r15;
	register long r10 asm("r10") = a4;
	long ret = nr;

	/* ymm9 is loaded and stored in the same asm: nothing else touches it */
	if (nr >= 0)
		asm volatile("movq %[x], %%xmm8\n\t"
			     "cmpl $0, %[avx]\n\t"
			     "jz 1f\n\t"
			     "vmovdqu %[yin], %%ymm9\n"
			     "1:\n\t"
			     "syscall\n\t"
			     "movq %%xmm8, %[xo]\n\t"
			     "cmpl $0, %[avx]\n\t"
			     "jz 2f\n\t"
			     "vmovdqu %%ymm9, %[yout]\n"
			     "2:"
			     : "+a"(ret), "+r"(r12), "+r"(r13), "+r"(r14),
			       "+r"(r15), [xo] "=m"(got->xmm8),
			       [yout] "=m"(got->ymm9)
			     : "D"(a1), "S"(a2), "d"(a3), "r"(r10),
			       [x] "m"(want->xmm8), [avx] "m"(avx),
			       [yin] "m"(want->ymm9)
			     : "rcx", "r11", "memory", "xmm8", "xmm9", "cc");
	else
		asm volatile("movq %[x], %%xmm8\n\t"
			     "cmpl $0, %[avx]\n\t"
			     "jz 1f\n\t"
			     "vmovdqu %[yin], %%ymm9\n"
			     "1: dec %[n]\n\t"
			     "jnz 1b\n\t"
			     "movq %%xmm8, %[xo]\n\t"
			     "cmpl $0, %[avx]\n\t"
			     "jz 2f\n\t"
			     "vmovdqu %%ymm9, %[yout]\n"
			     "2:"
			     : [n] "+r"(spin), "+r"(r12), "+r"(r13), "+r"(r14),
			       "+r"(r15), [xo] "=m"(got->xmm8),
			       [yout] "=m"(got->ymm9)
			     : [x] "m"(want->xmm8), [avx] "m"(avx),
			       [yin] "m"(want->ymm9)
			     : "memory", "xmm8", "xmm9", "cc");
	got->r12 = r12;
	got->r13 = r13;
	got->r14 = r14;
	got->r15 = r15;
	if (!avx)
		memcpy(got->ymm9, want->ymm9, sizeof(got->ymm9));
	return ret;
}

static void tfail(struct thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tfail(struct thread *t, const char *fmt, ...)
{
	va_list ap;

	if (t->result[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->result, sizeof(t->result), fmt, ap);
	va_end(ap);
	ckpt_report("thread %d: %s", t->idx, t->result);
}

static int regs_ok(struct thread *t, const struct regs *w, const struct regs *g,
		   const char *where)
{
	static const char *names[] = { "r12", "r13", "r14", "r15", "xmm8",
				       "ymm9[0]", "ymm9[1]", "ymm9[2]", "ymm9[3]" };
	const uint64_t *a = &w->r12, *b = &g->r12;
	int i;

	for (i = 0; i < 9; i++)
		if (a[i] != b[i]) {
			tfail(t, "%s: %s is %#llx, expected %#llx", where, names[i],
			      (unsigned long long)b[i], (unsigned long long)a[i]);
			return 0;
		}
	return 1;
}

static uint64_t cur_mask(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
	/* glibc's internal signals 32 and 33 are never ours */
	return m & ~((1ULL << 31) | (1ULL << 32));
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return d ? n : -1;
}

static void sleep_regs(struct thread *t, int ms, const char *where)
{
	struct timespec ts = { 0, ms * 1000000L };
	struct regs w, g;
	long ret;

	expect_regs(t, &w);
	ret = reg_call(&w, &g, SYS_nanosleep, (long)&ts, 0, 0, 0, 0, S.avx);
	if (ret)
		tfail(t, "%s: nanosleep returned %ld", where, ret);
	regs_ok(t, &w, &g, where);
}

/* The checks every thread makes after restart */
static void check_state(struct thread *t)
{
	int n;

	if (syscall(SYS_gettid) != t->tid)
		tfail(t, "tid %ld, was %d", syscall(SYS_gettid), t->tid);
	if (getpid() != S.pid)
		tfail(t, "pid %d, was %d", getpid(), S.pid);
	if (cur_mask() != t->mask)
		tfail(t, "signal mask %#llx, was %#llx",
		      (unsigned long long)cur_mask(), (unsigned long long)t->mask);
	if (get_round() != (t->round | t->round << 2))
		tfail(t, "rounding control x87 %d SSE %d, was %d", get_round() & 3,
		      get_round() >> 2, t->round);
	/* the rounding mode at work, in SSE arithmetic */
	{
		volatile double one = 1.0, three = 3.0, q = one / three;
		volatile double up, down;

		set_round(RC_UP);
		up = one / three;
		set_round(RC_DOWN);
		down = one / three;
		set_round(t->round);
		/* 1/3 rounded to nearest is the lower neighbour */
		if (!(up > down) || q != (t->round == RC_UP ? up : down))
			tfail(t, "SSE division in rounding mode %d: 1/3 = %a (up %a, down %a)",
			      t->round, q, up, down);
	}
	n = count_tasks();
	if (t->kind == K_MAIN)
		S.counted = n;
	if (n != NR_THREADS)
		tfail(t, "/proc/self/task has %d threads, not %d", n, NR_THREADS);
}

static void setup_thread(struct thread *t)
{
	sigset_t set;
	int sig;

	t->tid = syscall(SYS_gettid);
	sigemptyset(&set);
	for (sig = 1; sig <= 64; sig++)
		if (t->mask & (1ULL << (sig - 1)))
			sigaddset(&set, sig);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	set_round(t->round);
}

static void finish(struct thread *t)
{
	check_state(t);
	__atomic_add_fetch(&S.done, 1, __ATOMIC_SEQ_CST);
	/* stay until every thread has counted the threads */
	while (!S.release)
		sleep_regs(t, 5, "release");
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	struct regs w, g;
	long ret;

	setup_thread(t);
	expect_regs(t, &w);
	__atomic_add_fetch(&S.ready, 1, __ATOMIC_SEQ_CST);
	switch (t->kind) {
	case K_FUTEX: {
		int op = t->idx % 2 ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT;

		while (t->word == 0) {
			ret = reg_call(&w, &g, SYS_futex, (long)&t->word, op, 0, 0,
				       0, S.avx);
			if (ret && ret != -EAGAIN && ret != -EINTR)
				tfail(t, "futex wait returned %ld", ret);
			if (!regs_ok(t, &w, &g, "futex wait"))
				break;
		}
		if (t->word != WAKE_BASE + t->idx)
			tfail(t, "woken with futex word %d, expected %d", t->word,
			      WAKE_BASE + t->idx);
		break;
	}
	case K_SLEEP:
		while (!S.stop && !t->result[0])
			sleep_regs(t, 30, "nanosleep");
		break;
	case K_COMPUTE: {
		double base = t->dcount = t->idx * 1e6;
		long n = 0;

		while (!S.stop && !t->result[0]) {
			reg_call(&w, &g, -1, 0, 0, 0, 0, 2000000, S.avx);
			if (!regs_ok(t, &w, &g, "compute loop"))
				break;
			t->dcount += 1.0;
			n++;
			t->iters = n;
			if (t->dcount != base + n)
				tfail(t, "double counter %.1f after %ld", t->dcount, n);
			sched_yield();
		}
		break;
	}
	default:
		break;
	}
	finish(t);
	return NULL;
}

static void put_results(int bad)
{
	char buf[NR_THREADS * 220], *p = buf;
	int i;

	for (i = 0; i < NR_THREADS; i++) {
		struct thread *t = &S.th[i];

		p += sprintf(p, "thread %d tid %d %s %s\n", i, t->tid,
			     kind_name[t->kind], t->result[0] ? t->result : "ok");
	}
	sprintf(p, "pid %d threads %d summary %s\n", getpid(), S.counted,
		bad ? "FAIL" : "ok");
	ckpt_put(S.dir, "result", "%s", buf);
}

static void __attribute__((noreturn)) process_main(void)
{
	struct thread *m = &S.th[0];
	double end;
	int i, bad = 0;
	char line[NR_THREADS * 16], *p = line;

	__builtin_cpu_init();
	S.avx = !!__builtin_cpu_supports("avx");
	S.pid = getpid();
	for (i = 0; i < NR_THREADS; i++) {
		struct thread *t = &S.th[i];

		t->idx = i;
		t->kind = i == 0 ? K_MAIN : i <= 5 ? K_FUTEX : i <= 10 ? K_SLEEP : K_COMPUTE;
		t->tag = 0x0123456789abcdefULL * (i + 1) + i;
		t->mask = (1ULL << (40 + i - 1)) | (i % 2 ? 1ULL << (SIGUSR1 - 1) : 0) |
			  (i % 3 ? 0 : 1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGHUP - 1));
		t->round = i % 4;
	}
	setup_thread(m);
	for (i = 1; i < NR_THREADS; i++)
		if (pthread_create(&S.th[i].pt, NULL, thread_main, &S.th[i])) {
			ckpt_report("pthread_create %d failed", i);
			_exit(CKPT_EXIT_SETUP);
		}
	while (S.ready < NR_THREADS - 1)
		sleep_regs(m, 5, "startup");
	for (i = 0; i < NR_THREADS; i++)
		p += sprintf(p, " %d", S.th[i].tid);
	ckpt_put(S.dir, "ready", "pid %d avx %d tids%s\n", getpid(), S.avx, line);

	while (access(S.go, F_OK))
		sleep_regs(m, 20, "waiting for go");

	/* restored */
	for (i = 1; i <= 5; i++) {
		S.th[i].word = WAKE_BASE + i;
		syscall(SYS_futex, &S.th[i].word,
			i % 2 ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	S.stop = 1;
	end = ckpt_now() + 120;
	while (S.done < NR_THREADS - 1 && ckpt_now() < end)
		sleep_regs(m, 10, "waiting for the threads");
	if (S.done < NR_THREADS - 1)
		tfail(m, "only %d threads finished", S.done);
	check_state(m);
	S.release = 1;
	for (i = 1; i < NR_THREADS; i++) {
		struct timespec ts;
		int err;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 30;
		err = pthread_timedjoin_np(S.th[i].pt, NULL, &ts);
		if (err)
			tfail(&S.th[i], "pthread_timedjoin_np: %s", strerror(err));
	}
	for (i = 0; i < NR_THREADS; i++)
		if (S.th[i].result[0])
			bad = 1;
	put_results(bad);
	_exit(bad);
}

FIXTURE(threads) {
	struct ckpt_env env;
	char *img, *log, *out, *rst_out, comm[16];
	pid_t pid, tool;
};

FIXTURE_SETUP(threads)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "threads"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "process.out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	snprintf(self->comm, sizeof(self->comm), "ckth%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(threads)
{
	ckpt_kill_comm(self->comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/*
 * The threaded process is the root of the checkpointed tree, or the
 * only child of a single-threaded root that waits for it and exits
 * with its status.
 */
FIXTURE_VARIANT(threads) {
	int in_child;
};

FIXTURE_VARIANT_ADD(threads, root) {
	.in_child = 0,
};

FIXTURE_VARIANT_ADD(threads, child) {
	.in_child = 1,
};

static void dump_all(FIXTURE_DATA(threads) *self)
{
	ckpt_dump("process", self->out, 4096);
	ckpt_dump("restart", self->rst_out, 4096);
	ckpt_dump("log", self->log, 2048);
}

TEST_F_TIMEOUT(threads, sixteen, 140)
{
	pid_t pid;
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_task_pids pids[NR_THREADS + 1];
	pid_t tids[NR_THREADS], tpid;
	int lead;
	char *ready, *res, *p, *line, *save = NULL, err[256], path[CKPT_PATH_LEN + 32];
	int i, j, n, status, reaped = 0, avx, lines = 0;
	double t0, t_freeze, t_ckpt, t_restart;
	long id;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "threads"))
		SKIP(return, "no cgroup v2 freezer");

	memset(&S, 0, sizeof(S));
	snprintf(S.dir, sizeof(S.dir), "%s", self->env.dir);
	snprintf(S.go, sizeof(S.go), "%s/go", self->env.dir);
	/* self is shared with the harness: the child must not write it */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		if (variant->in_child) {
			pid_t c = fork();

			if (c == 0)
				process_main();
			while (waitpid(c, &status, 0) < 0 && errno == EINTR)
				;
			_exit(c > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
		}
		process_main();
	}
	self->pid = pid;
	ckpt_track(&self->env, self->pid);

	snprintf(path, sizeof(path), "%s/ready", self->env.dir);
	if (ckpt_await_file(path, 20, 60000))
		dump_all(self);
	ready = ckpt_slurp(path, NULL);
	ASSERT_NE(ready, NULL) TH_LOG("the threads did not get ready");
	p = strstr(ready, "tids");
	ASSERT_NE(p, NULL);
	ASSERT_EQ(sscanf(ready, "pid %*d avx %d", &avx), 1);
	p += 4;
	for (i = 0; i < NR_THREADS; i++)
		tids[i] = strtol(p, &p, 10);
	tpid = tids[0];
	if (!variant->in_child) {
		EXPECT_EQ(tpid, self->pid);
	} else {
		EXPECT_EQ(ckpt_proc_ppid(tpid), self->pid);
	}

	/* the futex waiters are asleep in the kernel */
	for (i = 1; i <= 5; i++) {
		char st = 0;
		double end = ckpt_now() + 20;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tpid, tids[i]);
		while (ckpt_now() < end) {
			char *buf = ckpt_slurp(path, NULL), *q = buf ? strrchr(buf, ')') : NULL;

			st = q ? q[2] : 0;
			free(buf);
			if (st == 'S')
				break;
			ckpt_msleep(20);
		}
		EXPECT_EQ(st, 'S') TH_LOG("futex thread %d (tid %d) in state %c", i,
					  tids[i], st);
	}

	t0 = ckpt_now();
	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	t_freeze = ckpt_now() - t0;
	EXPECT_EQ(ckpt_cg_nr_threads(&self->env), NR_THREADS + variant->in_child);
	id = ckpt_checkpoint_file(self->pid, self->img, self->log,
				  CHECKPOINT_SUBTREE, &t_ckpt);
	ASSERT_GT(id, 0);
	ksft_print_msg("16 threads (avx %d): freeze %.3f s, checkpoint(2) %.3f s, image %ld bytes\n",
		       avx, t_freeze, t_ckpt, ckpt_file_size(self->img));

	n = ckpt_image_tree(self->img, pids, NR_THREADS + 1, err, sizeof(err));
	ASSERT_EQ(n, NR_THREADS + variant->in_child)
		TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");
	EXPECT_EQ(pids[0].pid, self->pid);
	EXPECT_EQ(pids[0].ppid, 0);
	lead = variant->in_child;
	EXPECT_EQ(pids[lead].pid, tpid);
	EXPECT_EQ(pids[lead].flags & CKPT_PIDS_THREAD, 0U);
	for (i = lead + 1; i < n; i++) {
		EXPECT_TRUE((pids[i].flags & CKPT_PIDS_THREAD) != 0) TH_LOG("entry %d", i);
		EXPECT_EQ(pids[i].tgid, tpid) TH_LOG("entry %d", i);
		/* the protocol: ppid is the parent process's, 0 for the root */
		EXPECT_EQ(pids[i].ppid, pids[lead].ppid)
			TH_LOG("entry %d (tid %d): ppid %d, its leader's %d", i,
			       pids[i].pid, pids[i].ppid, pids[lead].ppid);
		for (j = 1; j < NR_THREADS && tids[j] != pids[i].pid; j++)
			;
		EXPECT_LT(j, NR_THREADS) TH_LOG("entry %d: tid %d is none of the threads",
						i, pids[i].pid);
	}

	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->pid, &status, 0, 10000);
	ckpt_untrack(&self->env, self->pid);
	ASSERT_EQ(ckpt_write_file(S.go, "go\n", 3), 0);

	t0 = ckpt_now();
	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	snprintf(path, sizeof(path), "%s/result", self->env.dir);
	while (access(path, F_OK) && ckpt_now() < t0 + 240) {
		if (waitpid(self->tool, &status, WNOHANG) == self->tool) {
			reaped = 1;
			break;
		}
		ckpt_msleep(20);
	}
	t_restart = ckpt_now() - t0;
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	ksft_print_msg("16 threads: restart to result %.3f s\n", t_restart);
	res = ckpt_slurp(path, NULL);
	if (!res || !reaped || !WIFEXITED(status) || WEXITSTATUS(status))
		dump_all(self);
	ASSERT_NE(res, NULL) TH_LOG("the restored process wrote no result");
	for (line = strtok_r(res, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int idx, tid;
		char kind[16], result[160];

		if (sscanf(line, "thread %d tid %d %15s %159[^\n]", &idx, &tid, kind,
			   result) == 4) {
			lines++;
			EXPECT_STREQ(result, "ok") TH_LOG("thread %d (%s)", idx, kind);
			if (idx >= 0 && idx < NR_THREADS) {
				EXPECT_EQ(tid, tids[idx]) TH_LOG("thread %d", idx);
			}
		} else {
			EXPECT_NE(strstr(line, "threads 16 summary ok"), NULL)
				TH_LOG("%s", line);
		}
	}
	EXPECT_EQ(lines, NR_THREADS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
}

TEST_HARNESS_MAIN
