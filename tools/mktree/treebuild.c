// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out a tree plan: see treebuild.h.
 *
 * Processes are cloned with clone3(), with set_tid = their image pids
 * (one per pid namespace level, from their own namespace out) unless
 * the plan uses fresh pids; the init of a nested pid namespace with
 * CLONE_NEWPID, by its parent, which enters the namespace with setns()
 * (a pidfd of the init) to clone the namespace's other tasks it is
 * the parent of, and once it has cloned everything, enters the
 * namespace its children were born in; threads with CLONE_VM | CLONE_FS |
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

enum { MSG_CREATED, MSG_PHASE, MSG_FAIL, MSG_PID0 };

enum {
	STEP_CLONE = 1, STEP_SETSID, STEP_SETPGRP, STEP_JOIN, STEP_CGROUP,
	STEP_REAP, STEP_ROOT, STEP_SETNS, STEP_PID0, STEP_RESTART,
};

static const char *const step_names[] = {
	[STEP_CLONE] = "clone3", [STEP_SETSID] = "setsid",
	[STEP_SETPGRP] = "setpgid(0, 0)", [STEP_JOIN] = "setpgid to its group",
	[STEP_CGROUP] = "moving into the freezer cgroup",
	[STEP_REAP] = "reaping a ghost", [STEP_ROOT] = "chroot",
	[STEP_SETNS] = "setns to a pid namespace",
	[STEP_PID0] = "reading its pid in /proc", [STEP_RESTART] = "restart",
};

struct msg {
	int32_t node;
	int32_t what;		/* MSG_* */
	int32_t val;		/* CREATED, PID0: pid; PHASE: 1..3; FAIL: STEP_* */
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

/*
 * With fresh pids, the pid of a node in the builder's namespace (level
 * 0) is what clone3() returned to its creator, unless the creator is
 * in a nested namespace: then the node reads it from /proc (the
 * builder's, checked by the caller) and reports it.
 */
static bool reports_pid0(const struct tree_build *b, int c)
{
	const struct tree_plan *plan = b->plan;
	int creator = plan->nodes[c].creator;

	return plan->layout == TREE_FRESH && creator != TREE_BUILDER &&
	       plan->nodes[creator].level;
}

/*
 * clone3()'s set_tid for node @c: its pids from its own namespace out,
 * but for level 0 (the tree's namespace) with fresh pids
 */
static size_t node_set_tid(const struct tree_build *b, int c, pid_t *tid)
{
	const struct tree_node *n = &b->plan->nodes[c];
	int k, lo = b->plan->layout == TREE_FRESH ? 1 : 0;
	size_t nr = 0;

	for (k = n->level; k >= lo; k--)
		tid[nr++] = tree_pid_at(b->plan, c, k);
	return nr;
}

/* ---------------------------------------------------------------------
 * Threads: raw system calls only, on their own stack
 */
struct thread_arg {
	int node;
	unsigned long flags;
	bool report_pid0;	/* send MSG_PID0, then phase 1 */
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

/* The tid in "TGID/task/TID" */
static long __attribute__((no_stack_protector))
parse_thread_self(const char *s, long len)
{
	long i, tid = 0;

	for (i = len; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i == len || i < 6)
		return -1;
	for (; i < len; i++)
		tid = tid * 10 + s[i] - '0';
	return tid;
}

static void __attribute__((noreturn, used, no_stack_protector))
thread_main(struct thread_arg *arg)
{
	char buf[64];
	struct msg m;
	long r;

	if (arg->report_pid0) {
		r = raw3(__NR_readlink, (long)"/proc/thread-self", (long)buf,
			 sizeof(buf));
		m.node = arg->node;
		m.what = MSG_PID0;
		m.val = r > 0 ? parse_thread_self(buf, r) : -1;
		m.err = 0;
		raw3(__NR_write, FD_REP, (long)&m, sizeof(m));
		m.what = MSG_PHASE;
		m.val = 1;
		raw3(__NR_write, FD_REP, (long)&m, sizeof(m));
	}

	/*
	 * Straight into restart(2), which waits for the coordinator: the
	 * go pipes are for what processes do (groups, ghosts), and waking
	 * readers of a closed pipe one after the other is slow.
	 */
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
	struct clone_args ca = { 0 };
	pid_t tid[CKPT_PIDNS_LEVELS + 1];
	struct thread_arg *arg;
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
	arg->report_pid0 = reports_pid0(b, c);
	ca.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		   CLONE_THREAD | CLONE_SYSVSEM;
	ca.stack = (unsigned long)stack;
	ca.stack_size = THREAD_STACK;
	ca.set_tid_size = node_set_tid(b, c, tid);
	if (ca.set_tid_size)
		ca.set_tid = (unsigned long)tid;
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
static bool builder_sees(const struct tree_build *b, int i);

static pid_t clone_process(struct tree_build *b, int c)
{
	const struct tree_node *n = &b->plan->nodes[c];
	pid_t tid[CKPT_PIDNS_LEVELS + 1];
	struct clone_args ca = { 0 };
	long ret;

	if (n->clone_parent)
		ca.flags |= CLONE_PARENT;
	else
		ca.exit_signal = SIGCHLD;
	if (n->new_uts)
		ca.flags |= CLONE_NEWUTS;
	if (n->new_ipc)
		ca.flags |= CLONE_NEWIPC;
	if (c == b->plan->root && b->newpid) {
		ca.flags |= CLONE_NEWPID;
	} else {
		if (n->new_ns)
			ca.flags |= CLONE_NEWPID;
		ca.set_tid_size = node_set_tid(b, c, tid);
		if (ca.set_tid_size)
			ca.set_tid = (unsigned long)tid;
	}
	fflush(NULL);
	ret = syscall(SYS_clone3, &ca, sizeof(ca));
	if (ret == 0)
		node_main(b, c);
	return ret;
}

/*
 * Make the children of @self (its own clones from now on) be born in
 * pid namespace @ns: its own, or one whose init it cloned
 */
static int enter_ns(struct tree_build *b, int self, int ns)
{
	const struct tree_plan *plan = b->plan;
	pid_t pid;
	int fd, ret;

	if (ns == plan->nodes[self].ns)
		pid = getpid();
	else
		pid = b->pids[plan->ns[ns - 1].init];
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_setns, fd, CLONE_NEWPID);
	close(fd);
	return ret;
}

/* The namespace @self must have its children born in to clone node @c */
static int clone_ns(const struct tree_plan *plan, int self, int c)
{
	const struct tree_node *n = &plan->nodes[c];

	if (n->kind == TREE_THREAD || n->new_ns)
		return plan->nodes[self].ns;
	return n->ns;
}

/* Clone what @self clones, with its setsid() and setpgid() in between */
static int clone_all(struct tree_build *b, int self)
{
	const struct tree_plan *plan = b->plan;
	const struct tree_node *me = self >= 0 ? &plan->nodes[self] : NULL;
	int k, c, nr = tree_nr_clones(plan, self);
	int ns = me ? me->ns : 0;
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
		if (me && clone_ns(plan, self, c) != ns) {
			ns = clone_ns(plan, self, c);
			if (enter_ns(b, self, ns))
				return STEP_SETNS;
		}
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
		if (plan->nodes[c].kind == TREE_THREAD && !reports_pid0(b, c))
			send_msg(c, MSG_PHASE, 1, 0);
	}
	if (me && me->fc != ns && enter_ns(b, self, me->fc))
		return STEP_SETNS;
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

/* The pid of process group @pgid of the image, as node @self sees it */
static pid_t group_pid(const struct tree_build *b, int self, pid_t pgid)
{
	int j = tree_find(b->plan, pgid), level = b->plan->nodes[self].level;

	if (j < 0)
		return pgid;
	if (level)
		return tree_pid_at(b->plan, j, level);
	if (b->plan->layout != TREE_FRESH)
		return pgid;
	/* reported before the builder lets the members join */
	return tree_build_pid(b, j);
}

static void __attribute__((noreturn)) node_main(struct tree_build *b, int i)
{
	const struct tree_node *n = &b->plan->nodes[i];
	int step;

	syscall(SYS_close_range, 3, FD_REP - 1, 0);
	syscall(SYS_close_range, FD_GO + NR_PHASES, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	if (reports_pid0(b, i)) {
		char buf[32] = "";

		if (readlink("/proc/self", buf, sizeof(buf) - 1) <= 0)
			task_fail(i, STEP_PID0);
		send_msg(i, MSG_PID0, atoi(buf), 0);
	}
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
	if (n->join && setpgid(0, group_pid(b, i, n->pgid)))
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
	/*
	 * Shared: with fresh pids, members look up their group's pid,
	 * which the builder may have learnt from a MSG_PID0 report
	 */
	b->pids = mmap(NULL, 2 * plan->nr * sizeof(*b->pids),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (b->pids == MAP_FAILED)
		b->pids = NULL;
	else
		b->bpids = b->pids + plan->nr;
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
		munmap(b->pids, 2 * b->plan->nr * sizeof(*b->pids));
	free(b->phase);
	b->pids = NULL;
	b->phase = NULL;
	b->bpids = NULL;
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
	case MSG_PID0:
		if (m->node < 0 || m->val <= 0) {
			snprintf(b->err, sizeof(b->err),
				 "%s: cannot read its pid in /proc/thread-self",
				 node_name(b, m->node, name, sizeof(name)));
			b->fail_err = EIO;
			return -1;
		}
		b->bpids[m->node] = m->val;
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

/*
 * Whether b->pids[@i], the pid that @i's creator got from clone3() in
 * its own namespace, is a pid in the builder's namespace (else, with
 * fresh pids, @i reported it: b->bpids[@i])
 */
static bool builder_sees(const struct tree_build *b, int i)
{
	const struct tree_plan *plan = b->plan;
	int c = plan->nodes[i].creator;

	if (c == TREE_BUILDER)
		return true;
	return plan->layout != TREE_CONTAINER && !plan->nodes[c].level;
}

pid_t tree_build_pid(const struct tree_build *b, int i)
{
	return builder_sees(b, i) ? b->pids[i] : b->bpids[i];
}

void tree_build_kill(struct tree_build *b)
{
	int i, status;

	/* in a container, its init's end kills the rest */
	for (i = 0; i < b->plan->nr; i++)
		if (tree_build_pid(b, i) > 0 && b->plan->nodes[i].kind != TREE_THREAD)
			kill(tree_build_pid(b, i), SIGKILL);
	/* our children: what we cloned, and CLONE_PARENT clones of those */
	for (i = 0; i < b->plan->nr; i++)
		if (tree_build_pid(b, i) > 0 &&
		    b->plan->nodes[i].parent == TREE_BUILDER &&
		    b->plan->nodes[i].kind != TREE_THREAD)
			waitpid(tree_build_pid(b, i), &status, 0);
}
