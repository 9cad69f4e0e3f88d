// SPDX-License-Identifier: GPL-2.0
/*
 * Zombies, a dead session leader and a process group spread over two
 * branches of the tree, checkpointed from the cgroup v2 freezer and
 * restarted with the restart tool in a new pid namespace:
 *
 *   R  root, session leader, child subreaper
 *   |- Z1  exited with status 7, not reaped: a zombie
 *   |- Z2  killed by SIGTERM, not reaped: a zombie
 *   |- B   child of A (session leader, exited and reaped): reparented
 *   |  |   to R; its session and process group are A's
 *   |  `- C  same session and group
 *   |- P1  leader of process group G
 *   |  `- P1a  in G
 *   `- P2  in R's group
 *      `- P2a  in G: the group spans the branches of P1 and P2
 *
 * The image's tree record must hold Z1 and Z2 as CKPT_PIDS_ZOMBIE
 * entries with their wait status and no entry for A.  After restart
 * every live task checks its pid, ppid, sid and pgid; R's
 * waitpid(WNOHANG) returns Z1 and Z2 at once with exit status 7 and
 * SIGTERM; B and C find A's pid gone (kill(A, 0) fails with ESRCH)
 * while still in its session; R sends SIGUSR1 to group G, which P1,
 * P1a and P2a get exactly once and nobody else gets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_tree.h"

#include <linux/checkpoint_hdr.h>

enum { T_R, T_B, T_C, T_P1, T_P1A, T_P2, T_P2A, NR_LIVE };
static const char *names[NR_LIVE] = { "R", "B", "C", "P1", "P1a", "P2", "P2a" };
static const int in_group[NR_LIVE] = { 0, 0, 0, 1, 1, 0, 1 };

static struct {
	char dir[CKPT_PATH_LEN];
	char go[CKPT_PATH_LEN + 8], sent[CKPT_PATH_LEN + 8];
	int idx;
	pid_t pid, ppid, sid, pgid;
	pid_t a, z1, z2, g;		/* known to R (and A's pid to B, C) */
	pid_t kids[4];
	int nr_kids;
	char why[200];
} W;

static volatile sig_atomic_t usr1;

static void on_usr1(int sig __attribute__((unused)))
{
	usr1++;
}

static void wfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ckpt_vfail(W.why, sizeof(W.why), names[W.idx], fmt, ap);
	va_end(ap);
}

static void put(const char *prefix, const char *result)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	ckpt_put(W.dir, name, "idx %d pid %d ppid %d sid %d pgid %d a %d z1 %d z2 %d g %d result %s\n",
		 W.idx, getpid(), getppid(), getsid(0), getpgid(0), W.a, W.z1,
		 W.z2, W.g, result);
}

/* Wait for @pid to be a zombie (we are its parent and do not reap it) */
static int await_zombie(pid_t pid)
{
	siginfo_t si;
	double end = ckpt_now() + 30;

	while (ckpt_now() < end) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT))
			return -1;
		if (si.si_pid == pid)
			return 0;
		ckpt_msleep(10);
	}
	return -1;
}

/* The part every live task runs once set up */
static void __attribute__((noreturn)) live(int idx)
{
	int status, bad;
	double end;

	W.idx = idx;
	W.pid = getpid();
	W.ppid = getppid();
	W.sid = getsid(0);
	W.pgid = getpgid(0);
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	if (getpid() != W.pid)
		wfail("pid %d, was %d", getpid(), W.pid);
	if (idx != T_R && getppid() != W.ppid)
		wfail("ppid %d, was %d", getppid(), W.ppid);
	if (getsid(0) != W.sid)
		wfail("sid %d, was %d", getsid(0), W.sid);
	if (getpgid(0) != W.pgid)
		wfail("pgid %d, was %d", getpgid(0), W.pgid);

	if (idx == T_R) {
		pid_t r;

		r = waitpid(W.z1, &status, WNOHANG);
		if (r == 0) {
			wfail("zombie Z1 (%d) is not dead after restart", W.z1);
			r = ckpt_wait(W.z1, &status, 0, 5000);
		}
		if (r != W.z1)
			wfail("waitpid(Z1 %d): %d (%s)", W.z1, r, strerror(errno));
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 7)
			wfail("Z1: %s, expected exit status 7", ckpt_status_str(status));
		r = waitpid(W.z2, &status, WNOHANG);
		if (r == 0) {
			wfail("zombie Z2 (%d) is not dead after restart", W.z2);
			r = ckpt_wait(W.z2, &status, 0, 5000);
		}
		if (r != W.z2)
			wfail("waitpid(Z2 %d): %d (%s)", W.z2, r, strerror(errno));
		else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
			wfail("Z2: %s, expected killed by SIGTERM", ckpt_status_str(status));
		if (kill(-W.g, SIGUSR1))
			wfail("kill(-%d, SIGUSR1): %s", W.g, strerror(errno));
		ckpt_write_file(W.sent, "sent\n", 5);
	}
	if (idx == T_B || idx == T_C) {
		if (W.sid != W.a || W.pgid != W.a)
			wfail("sid %d pgid %d were not A's %d", W.sid, W.pgid, W.a);
		if (kill(W.a, 0) == 0 || errno != ESRCH)
			wfail("kill(A %d, 0): %s, expected ESRCH", W.a,
			      kill(W.a, 0) ? strerror(errno) : "success");
	}

	/* the group signal */
	if (ckpt_await_file(W.sent, 20, 60000))
		wfail("R never sent the group signal");
	end = ckpt_now() + (in_group[idx] ? 30 : 0.5);
	while (ckpt_now() < end && !(in_group[idx] && usr1))
		ckpt_msleep(10);
	ckpt_msleep(100);
	if (usr1 != in_group[idx])
		wfail("got SIGUSR1 %d times, expected %d", (int)usr1, in_group[idx]);

	put("res.", W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	bad |= ckpt_reap_kids(names[idx], W.kids, W.nr_kids, 0);
	_exit(bad);
}

static pid_t xfork(void)
{
	return ckpt_tree_fork(&W.nr_kids);
}

static void __attribute__((noreturn)) root_main(void)
{
	int p[2], status;
	pid_t b, p1, p2;

	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	signal(SIGUSR1, on_usr1);

	/* the zombies */
	W.z1 = xfork();
	if (W.z1 == 0)
		_exit(7);
	W.z2 = xfork();
	if (W.z2 == 0) {
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}

	/* A, the session leader who dies; B and C stay in its session */
	if (pipe(p))
		_exit(CKPT_EXIT_SETUP);
	W.a = xfork();
	if (W.a == 0) {
		pid_t a = getpid();

		close(p[0]);
		if (setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		b = xfork();
		if (b == 0) {
			pid_t c;

			close(p[1]);
			W.a = a;
			c = xfork();
			if (c == 0)
				live(T_C);
			W.kids[W.nr_kids++] = c;
			/* wait until A is gone and R adopted us */
			while (getppid() == a)
				ckpt_msleep(5);
			live(T_B);
		}
		/* tell R who B is, then die */
		if (write(p[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &b, sizeof(b)) != sizeof(b))
		_exit(CKPT_EXIT_SETUP);
	close(p[0]);
	if (waitpid(W.a, &status, 0) != W.a || !WIFEXITED(status) || WEXITSTATUS(status))
		_exit(CKPT_EXIT_SETUP);

	/* group G, led by P1, with P1a and P2a (a child of P2) */
	p1 = xfork();
	if (p1 == 0) {
		pid_t k;

		setpgid(0, 0);
		k = xfork();
		if (k == 0)
			live(T_P1A);
		W.kids[W.nr_kids++] = k;
		live(T_P1);
	}
	setpgid(p1, p1);	/* either of us may get there first */
	W.g = p1;
	p2 = xfork();
	if (p2 == 0) {
		pid_t k = xfork();

		if (k == 0) {
			double end = ckpt_now() + 30;

			while (setpgid(0, W.g) && ckpt_now() < end)
				ckpt_msleep(5);
			live(T_P2A);
		}
		W.kids[W.nr_kids++] = k;
		live(T_P2);
	}

	kill(W.z2, SIGTERM);
	if (await_zombie(W.z1) || await_zombie(W.z2))
		_exit(CKPT_EXIT_SETUP);
	W.nr_kids = 0;
	W.kids[W.nr_kids++] = b;
	W.kids[W.nr_kids++] = p1;
	W.kids[W.nr_kids++] = p2;
	live(T_R);
}

FIXTURE(zombies) {
	struct ckpt_ctr c;
};

FIXTURE_SETUP(zombies)
{
	ASSERT_EQ(ckpt_ctr_init(&self->c, "zombies", "ckz"), 0);
	snprintf(W.dir, sizeof(W.dir), "%s", self->c.env.dir);
	snprintf(W.go, sizeof(W.go), "%s", self->c.go);
	snprintf(W.sent, sizeof(W.sent), "%s/sent", self->c.env.dir);
}

FIXTURE_TEARDOWN_PARENT(zombies)
{
	ckpt_ctr_fini(&self->c);
}

struct info {
	int idx;
	pid_t pid, ppid, sid, pgid, a, z1, z2, g;
	char result[200];
};

static int read_info(const char *dir, const char *prefix, int idx, struct info *in)
{
	char path[CKPT_PATH_LEN + 32], *buf;
	int n;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	memset(in, 0, sizeof(*in));
	if (!buf)
		return -1;
	n = sscanf(buf, "idx %d pid %d ppid %d sid %d pgid %d a %d z1 %d z2 %d g %d result %199[^\n]",
		   &in->idx, &in->pid, &in->ppid, &in->sid, &in->pgid, &in->a,
		   &in->z1, &in->z2, &in->g, in->result);
	free(buf);
	return n == 10 ? 0 : -1;
}

TEST_F_TIMEOUT(zombies, zombies_sessions_groups, 280)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_ctr *c = &self->c;
	struct ckpt_task_pids pids[16];
	struct info pre[NR_LIVE], post;
	int i, j, n, status, reaped, got, zombies = 0;
	char err[256];
	pid_t root, a, z1, z2, g;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&c->env, "zombies"))
		SKIP(return, "no cgroup v2 freezer");

	root = ckpt_ctr_start(c, 0, root_main);
	ASSERT_GT(root, 0);
	ASSERT_EQ(ckpt_ctr_ready(c, NR_LIVE, NULL), NR_LIVE);
	for (i = 0; i < NR_LIVE; i++) {
		ASSERT_EQ(read_info(c->env.dir, "ready.", i, &pre[i]), 0);
	}
	a = pre[T_B].a;
	z1 = pre[T_R].z1;
	z2 = pre[T_R].z2;
	g = pre[T_R].g;
	/* the set-up is what it should be */
	ASSERT_EQ(pre[T_B].sid, a);
	ASSERT_EQ(pre[T_C].sid, a);
	ASSERT_EQ(pre[T_B].ppid, root);
	ASSERT_EQ(pre[T_P1].pgid, g);
	ASSERT_EQ(pre[T_P1A].pgid, g);
	ASSERT_EQ(pre[T_P2A].pgid, g);
	ASSERT_EQ(pre[T_P2].pgid, root);
	ASSERT_EQ(ckpt_proc_state(z1), 'Z');
	ASSERT_EQ(ckpt_proc_state(z2), 'Z');
	ASSERT_EQ(ckpt_proc_state(a), 0);

	ASSERT_EQ(ckpt_ctr_checkpoint(c, root, 0), 0);

	n = ckpt_image_tree(c->img, pids, 16, err, sizeof(err));
	ASSERT_EQ(n, NR_LIVE + 2) TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");
	for (i = 0; i < n; i++) {
		if (pids[i].pid == z1 || pids[i].pid == z2) {
			int want = pids[i].pid == z1 ? 7 << 8 : SIGTERM;

			zombies++;
			EXPECT_TRUE((pids[i].flags & CKPT_PIDS_ZOMBIE) != 0)
				TH_LOG("zombie %d flags %#x", pids[i].pid, pids[i].flags);
			EXPECT_EQ(pids[i].exit_code, want)
				TH_LOG("zombie %d exit_code %#x", pids[i].pid, pids[i].exit_code);
			EXPECT_EQ(pids[i].exit_signal, SIGCHLD);
			EXPECT_EQ(pids[i].ppid, root);
			continue;
		}
		EXPECT_EQ(pids[i].flags & CKPT_PIDS_ZOMBIE, 0U) TH_LOG("entry %d", i);
		EXPECT_NE(pids[i].pid, a) TH_LOG("the dead session leader has an entry");
		for (j = 0; j < NR_LIVE && pre[j].pid != pids[i].pid; j++)
			;
		EXPECT_LT(j, NR_LIVE) TH_LOG("entry %d: pid %d", i, pids[i].pid);
		if (j < NR_LIVE) {
			EXPECT_EQ(pids[i].sid, pre[j].sid) TH_LOG("%s", names[j]);
			EXPECT_EQ(pids[i].pgid, pre[j].pgid) TH_LOG("%s", names[j]);
		}
	}
	EXPECT_EQ(zombies, 2);

	ASSERT_EQ(ckpt_ctr_kill(c), 0);
	got = ckpt_ctr_restart(c, extra, NR_LIVE, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, NR_LIVE) TH_LOG("%d of %d restored tasks reported", got, NR_LIVE);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_LIVE; i++) {
		if (read_info(c->env.dir, "res.", i, &post)) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", names[i]);
			continue;
		}
		EXPECT_STREQ(post.result, "ok") TH_LOG("%s (pid %d)", names[i], pre[i].pid);
		EXPECT_EQ(post.pid, pre[i].pid) TH_LOG("%s", names[i]);
		if (i != T_R) {
			EXPECT_EQ(post.ppid, pre[i].ppid) TH_LOG("%s", names[i]);
		}
		EXPECT_EQ(post.sid, pre[i].sid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post.pgid, pre[i].pgid) TH_LOG("%s", names[i]);
	}
}

TEST_HARNESS_MAIN
