// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out a tree plan: see treebuild.h.
 *
 * Processes are cloned with clone3(), with set_tid = their image pid
 * unless the plan uses fresh pids; threads with CLONE_VM | CLONE_FS |
 * CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM on a small
 * stack of their own, and they only make raw system calls (they share
 * the C library's state of their leader).  Every task keeps only the
 * report pipe and the read ends of the go pipes, at fixed numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "checkpoint.h"
#include "common.h"
#include "treebuild.h"

#ifndef __NR_restart
#define __NR_restart	501
#endif

/* Fixed fds: what tasks keep, then what only the coordinator has */
#define FD_REP		1000	/* report pipe, write end */
#define FD_GO		1001	/* go pipes, read ends: 1001..1003 */
#define FD_GO_W		1004	/* go pipes, write ends: 1004..1006 */
#define FD_REP_R	1007	/* report pipe, read end */
#define NR_PHASES	3

#define THREAD_STACK	(64 << 10)

enum { MSG_CREATED, MSG_PHASE, MSG_FAIL };

enum {
	STEP_CLONE = 1, STEP_SETSID, STEP_SETPGRP, STEP_JOIN, STEP_CGROUP,
	STEP_REAP, STEP_ROOT, STEP_RESTART,
};

static const char *const step_names[] = {
	[STEP_CLONE] = "clone3", [STEP_SETSID] = "setsid",
	[STEP_SETPGRP] = "setpgid(0, 0)", [STEP_JOIN] = "setpgid to its group",
	[STEP_CGROUP] = "moving into the freezer cgroup",
	[STEP_REAP] = "reaping a ghost", [STEP_ROOT] = "chroot",
	[STEP_RESTART] = "restart",
};

struct msg {
	int32_t node;
	int32_t what;		/* MSG_* */
	int32_t val;		/* CREATED: pid; PHASE: 1..3; FAIL: STEP_* */
	int32_t err;		/* FAIL: errno; CREATED: the created node */
};

static void send_msg(int node, int what, int val, int err)
{
	struct msg m = { node, what, val, err };

	if (write(FD_REP, &m, sizeof(m)) != sizeof(m))
		_exit(EXIT_FAIL);
}

static void __attribute__((noreturn)) task_fail(int node, int step)
{
	send_msg(node, MSG_FAIL, step, errno);
	_exit(EXIT_FAIL);
}

static void wait_go(int phase)
{
	char c;
	ssize_t n;

	do
		n = read(FD_GO + phase, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
}

/* ---------------------------------------------------------------------
 * Threads: raw system calls only, on their own stack
 */
struct thread_arg {
	int node;
	unsigned long flags;
};

static inline long raw3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long raw4(long nr, long a, long b, long c, long d)
{
	register long r10 asm("r10") = d;
	long ret;

	asm volatile("syscall" : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

static void __attribute__((noreturn, used, no_stack_protector))
thread_main(struct thread_arg *arg)
{
	struct msg m;
	char c;
	long r;

	do
		r = raw3(__NR_read, FD_GO + NR_PHASES - 1, (long)&c, 1);
	while (r > 0 || r == -EINTR);
	r = raw4(__NR_restart, 0, CHECKPOINT_FD_NONE, arg->flags,
		 CHECKPOINT_FD_NONE);
	m.node = arg->node;
	m.what = MSG_FAIL;
	m.val = STEP_RESTART;
	m.err = -r;
	raw3(__NR_write, FD_REP, (long)&m, sizeof(m));
	for (;;)
		raw3(__NR_exit, 1, 0, 0);
}

/* clone3() whose child calls fn(arg) on the new stack, never returning */
static long clone3_thread(struct clone_args *ca, struct thread_arg *arg)
{
	register long rax asm("rax") = __NR_clone3;
	register long rdi asm("rdi") = (long)ca;
	register long rsi asm("rsi") = sizeof(*ca);
	register long r12 asm("r12") = (long)thread_main;
	register long r13 asm("r13") = (long)arg;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xor %%ebp, %%ebp\n\t"
		     "mov %%r13, %%rdi\n\t"
		     "call *%%r12\n\t"
		     "ud2\n"
		     "1:\n\t"
		     : "+r"(rax)
		     : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
		     : "rcx", "r11", "memory");
	return rax;
}

static pid_t clone_thread(struct tree_build *b, int c)
{
	const struct tree_node *n = &b->plan->nodes[c];
	struct clone_args ca = { 0 };
	struct thread_arg *arg;
	pid_t tid = n->pid;
	void *stack;
	long ret;

	arg = malloc(sizeof(*arg));
	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (!arg || stack == MAP_FAILED) {
		errno = ENOMEM;
		return -1;
	}
	arg->node = c;
	arg->flags = b->flags;
	ca.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		   CLONE_THREAD | CLONE_SYSVSEM;
	ca.stack = (unsigned long)stack;
	ca.stack_size = THREAD_STACK;
	if (b->plan->layout != TREE_FRESH) {
		ca.set_tid = (unsigned long)&tid;
		ca.set_tid_size = 1;
	}
	ret = clone3_thread(&ca, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* ---------------------------------------------------------------------
 * Processes
 */
static void __attribute__((noreturn)) node_main(struct tree_build *b, int i);

static pid_t clone_process(struct tree_build *b, int c)
{
	const struct tree_node *n = &b->plan->nodes[c];
	struct clone_args ca = { 0 };
	pid_t tid = n->pid;
	long ret;

	if (n->clone_parent)
		ca.flags |= CLONE_PARENT;
	else
		ca.exit_signal = SIGCHLD;
	if (c == b->plan->root && b->newpid)
		ca.flags |= CLONE_NEWPID;
	else if (b->plan->layout != TREE_FRESH) {
		ca.set_tid = (unsigned long)&tid;
		ca.set_tid_size = 1;
	}
	fflush(NULL);
	ret = syscall(SYS_clone3, &ca, sizeof(ca));
	if (ret == 0)
		node_main(b, c);
	return ret;
}

/* Clone what @self clones, with its setsid() and setpgid() in between */
static int clone_all(struct tree_build *b, int self)
{
	const struct tree_plan *plan = b->plan;
	const struct tree_node *me = self >= 0 ? &plan->nodes[self] : NULL;
	int k, c, nr = tree_nr_clones(plan, self);
	bool set = false;
	pid_t pid;

	for (k = 0; k <= nr; k++) {
		c = k < nr ? tree_clone_at(plan, self, k) : -1;
		if (!set && (c < 0 || !plan->nodes[c].early)) {
			set = true;
			if (me && me->do_setsid && setsid() < 0)
				return STEP_SETSID;
			if (me && me->do_setpgrp && setpgid(0, 0))
				return STEP_SETPGRP;
		}
		if (c < 0)
			break;
		if (plan->nodes[c].kind == TREE_THREAD)
			pid = clone_thread(b, c);
		else
			pid = clone_process(b, c);
		if (pid < 0) {
			send_msg(c, MSG_FAIL, STEP_CLONE, errno);
			return -1;
		}
		b->pids[c] = pid;
		send_msg(self, MSG_CREATED, pid, c);
		if (plan->nodes[c].kind == TREE_THREAD)
			send_msg(c, MSG_PHASE, 1, 0);
	}
	return 0;
}

static int join_cgroup(const char *cgroup)
{
	char path[4096];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write_full(fd, "0\n", 2);
	if (close(fd))
		ret = -1;
	return ret;
}

/* The ghosts this node cloned: gone before restart */
static int reap_ghosts(struct tree_build *b, int self)
{
	int k, c, status;

	for (k = 0; k < tree_nr_clones(b->plan, self); k++) {
		c = tree_clone_at(b->plan, self, k);
		if (b->plan->nodes[c].kind != TREE_GHOST)
			continue;
		while (waitpid(b->pids[c], &status, 0) < 0)
			if (errno != EINTR)
				return -1;
	}
	return 0;
}

/* The pid of process group @pgid of the image, as the tasks see it */
static pid_t group_pid(const struct tree_build *b, pid_t pgid)
{
	int j = tree_find(b->plan, pgid);

	if (b->plan->layout != TREE_FRESH || j < 0)
		return pgid;
	return b->pids[j];
}

static void __attribute__((noreturn)) node_main(struct tree_build *b, int i)
{
	const struct tree_node *n = &b->plan->nodes[i];
	int step;

	syscall(SYS_close_range, 3, FD_REP - 1, 0);
	syscall(SYS_close_range, FD_GO + NR_PHASES, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	if (b->freezer && n->creator == TREE_BUILDER &&
	    join_cgroup(b->freezer))
		task_fail(i, STEP_CGROUP);
	if (b->root && n->creator == TREE_BUILDER &&
	    (chroot(b->root) || chdir("/")))
		task_fail(i, STEP_ROOT);
	step = clone_all(b, i);
	if (step > 0)
		task_fail(i, step);
	if (step < 0)
		_exit(EXIT_FAIL);
	send_msg(i, MSG_PHASE, 1, 0);

	wait_go(0);
	if (n->join && setpgid(0, group_pid(b, n->pgid)))
		task_fail(i, STEP_JOIN);
	send_msg(i, MSG_PHASE, 2, 0);

	wait_go(1);
	if (n->kind == TREE_GHOST)
		_exit(0);
	if (reap_ghosts(b, i))
		task_fail(i, STEP_REAP);
	send_msg(i, MSG_PHASE, 3, 0);

	wait_go(2);
	syscall(__NR_restart, 0, CHECKPOINT_FD_NONE, b->flags,
		CHECKPOINT_FD_NONE);
	task_fail(i, STEP_RESTART);
}

/* ---------------------------------------------------------------------
 * The coordinator
 */
int tree_build_init(struct tree_build *b, const struct tree_plan *plan)
{
	memset(b, 0, sizeof(*b));
	b->plan = plan;
	/* shared: with fresh pids, members look up their group's pid */
	b->pids = mmap(NULL, plan->nr * sizeof(*b->pids),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (b->pids == MAP_FAILED)
		b->pids = NULL;
	b->phase = calloc(plan->nr, sizeof(*b->phase));
	if (!b->pids || !b->phase) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return -1;
	}
	return 0;
}

void tree_build_free(struct tree_build *b)
{
	if (b->pids)
		munmap(b->pids, b->plan->nr * sizeof(*b->pids));
	free(b->phase);
	b->pids = NULL;
	b->phase = NULL;
}

static int move_fd(int fd, int to)
{
	if (dup2(fd, to) < 0)
		return -1;
	close(fd);
	return 0;
}

int tree_build_start(struct tree_build *b)
{
	int p[2], k, ret;

	for (k = 0; k < NR_PHASES; k++) {
		if (pipe(p) || move_fd(p[0], FD_GO + k) ||
		    move_fd(p[1], FD_GO_W + k))
			goto fail;
	}
	if (pipe(p) || move_fd(p[0], FD_REP_R) || move_fd(p[1], FD_REP))
		goto fail;
	fcntl(FD_REP_R, F_SETFD, FD_CLOEXEC);
	for (k = 0; k < NR_PHASES; k++)
		fcntl(FD_GO_W + k, F_SETFD, FD_CLOEXEC);

	if (b->plan->builder_setsid && setsid() < 0) {
		b->fail_err = errno;
		snprintf(b->err, sizeof(b->err), "setsid in the new pid namespace's init: %s",
			 strerror(errno));
		return -1;
	}
	/* a failed clone is reported on the pipe */
	ret = clone_all(b, TREE_BUILDER);
	close(FD_REP);
	for (k = 0; k < NR_PHASES; k++)
		close(FD_GO + k);
	(void)ret;
	return 0;
fail:
	b->fail_err = errno;
	snprintf(b->err, sizeof(b->err), "cannot create a pipe: %s",
		 strerror(errno));
	return -1;
}

static const char *node_name(const struct tree_build *b, int i, char *buf,
			     size_t len)
{
	static const char *const kinds[] = {
		[TREE_TASK] = "pid", [TREE_THREAD] = "thread",
		[TREE_ZOMBIE] = "zombie", [TREE_GHOST] = "ghost",
	};

	if (i < 0 || i >= b->plan->nr)
		snprintf(buf, len, "the builder");
	else
		snprintf(buf, len, "%s %d", kinds[b->plan->nodes[i].kind],
			 b->plan->nodes[i].pid);
	return buf;
}

static int got_msg(struct tree_build *b, const struct msg *m)
{
	char name[64], child[64];

	if (m->node < -1 || m->node >= b->plan->nr)
		return 0;
	switch (m->what) {
	case MSG_CREATED:
		if (m->err >= 0 && m->err < b->plan->nr)
			b->pids[m->err] = m->val;
		return 0;
	case MSG_PHASE:
		if (m->node >= 0)
			b->phase[m->node] = m->val;
		return 0;
	case MSG_FAIL:
		b->fail_err = m->err;
		node_name(b, m->node, name, sizeof(name));
		if (m->val == STEP_CLONE) {
			node_name(b, m->node, child, sizeof(child));
			snprintf(b->err, sizeof(b->err),
				 "cannot create %s: clone3: %s%s", child,
				 strerror(m->err), m->err == EEXIST ?
				 " (the pid is in use)" : "");
		} else {
			snprintf(b->err, sizeof(b->err), "%s: %s: %s", name,
				 m->val > 0 && m->val <= STEP_RESTART ?
				 step_names[m->val] : "?", strerror(m->err));
		}
		return -1;
	}
	return 0;
}

/* Which nodes report phase @phase */
static bool reports(const struct tree_node *n, int phase)
{
	if (n->kind == TREE_THREAD)
		return phase == 1;
	if (n->kind == TREE_GHOST)
		return phase <= 2;
	return true;
}

static bool phase_done(const struct tree_build *b, int phase)
{
	int i;

	for (i = 0; i < b->plan->nr; i++)
		if (reports(&b->plan->nodes[i], phase) && b->phase[i] < phase)
			return false;
	return true;
}

static int wait_phase(struct tree_build *b, int phase)
{
	static const char *const what[] = {
		"", "cloning the tasks", "setting up process groups",
		"letting the ghosts go",
	};
	struct pollfd pfd = { .fd = FD_REP_R, .events = POLLIN };
	time_t start = time(NULL);
	struct msg m;
	ssize_t n;
	int i;

	while (!phase_done(b, phase)) {
		if (time(NULL) - start > TREE_TIMEOUT) {
			for (i = 0; i < b->plan->nr; i++)
				if (reports(&b->plan->nodes[i], phase) &&
				    b->phase[i] < phase)
					break;
			snprintf(b->err, sizeof(b->err),
				 "timed out %s (waiting for pid %d)",
				 what[phase], b->plan->nodes[i].pid);
			b->fail_err = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(FD_REP_R, &m, sizeof(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(m)) {
			snprintf(b->err, sizeof(b->err),
				 "the tasks died while %s", what[phase]);
			b->fail_err = ESRCH;
			return -1;
		}
		if (got_msg(b, &m))
			return -1;
	}
	return 0;
}

int tree_build_sync(struct tree_build *b)
{
	int phase;

	for (phase = 1; phase <= NR_PHASES; phase++) {
		if (wait_phase(b, phase))
			return -1;
		if (phase < NR_PHASES)
			close(FD_GO_W + phase - 1);
		if (phase == 2 && reap_ghosts(b, TREE_BUILDER)) {
			snprintf(b->err, sizeof(b->err), "reaping a ghost: %s",
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

void tree_build_go(struct tree_build *b)
{
	(void)b;
	close(FD_GO_W + NR_PHASES - 1);
	close(FD_REP_R);
}

void tree_build_kill(struct tree_build *b)
{
	int i, status;

	for (i = 0; i < b->plan->nr; i++)
		if (b->pids[i] > 0 && b->plan->nodes[i].kind != TREE_THREAD)
			kill(b->pids[i], SIGKILL);
	/* our children: what we cloned, and CLONE_PARENT clones of those */
	for (i = 0; i < b->plan->nr; i++)
		if (b->pids[i] > 0 &&
		    b->plan->nodes[i].parent == TREE_BUILDER &&
		    b->plan->nodes[i].kind != TREE_THREAD)
			waitpid(b->pids[i], &status, 0);
}
