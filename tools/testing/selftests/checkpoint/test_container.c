// SPDX-License-Identifier: GPL-2.0
/*
 * A whole pid namespace: a helper unshares CLONE_NEWPID and forks the
 * container's init (pid 1 inside), which starts a session and forks a
 * few tasks (a child with a grandchild, a child leading its own
 * process group).  The container is frozen with the cgroup v2 freezer,
 * checkpointed with "checkpoint -c" (no CHECKPOINT_SUBTREE: the pid
 * must be a container init), killed, and restarted with the restart
 * tool.
 *
 * Checked: the image header's flags lack CHECKPOINT_SUBTREE and the
 * tree record starts with pid 1 and lists the namespace's pids; after
 * restart every task sees the pid, ppid, sid and pgid it had inside
 * the namespace (init is pid 1 again, in a new pid namespace), its
 * memory pattern is intact, and init reaps its children by their
 * pids; restart --copy-status passes init's exit status 0 on.
 *
 * UTS namespaces: init unshares one named "ckpt-ctr" that the others
 * inherit, C3 one of its own ("inner-c3", domain "dom.c3").  The tree
 * record flags exactly those two NEWUTS; after restart each task sees
 * the host and domain names it had, and the test's own host name is
 * untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_tree.h"

#include <linux/checkpoint_hdr.h>

enum { T_INIT, T_C1, T_G1, T_C2, T_C3, NR_TASKS };
static const char *names[NR_TASKS] = { "init", "C1", "G1", "C2", "C3" };

#define MEM_LEN		(128 << 10)
#define SEED		0x636f6e7461696e72ULL

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	int idx;
	pid_t pid, ppid, sid, pgid;
	pid_t kids[4];
	int nr_kids;
	uint64_t *mem;
	struct utsname uts;
	char why[200];
} W;

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
	ckpt_put(W.dir, name, "idx %d pid %d ppid %d sid %d pgid %d result %s\n",
		 W.idx, getpid(), getppid(), getsid(0), getpgid(0), result);
}

static void __attribute__((noreturn)) task(int idx)
{
	uint64_t seed = SEED + idx;
	int bad;
	long off;

	W.idx = idx;
	W.pid = getpid();
	W.ppid = getppid();
	W.sid = getsid(0);
	W.pgid = getpgid(0);
	if (uname(&W.uts))
		_exit(CKPT_EXIT_SETUP);
	W.mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (W.mem == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(W.mem, MEM_LEN, seed);
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	if (getpid() != W.pid)
		wfail("pid %d, was %d", getpid(), W.pid);
	if (getppid() != W.ppid)
		wfail("ppid %d, was %d", getppid(), W.ppid);
	if (getsid(0) != W.sid)
		wfail("sid %d, was %d", getsid(0), W.sid);
	if (getpgid(0) != W.pgid)
		wfail("pgid %d, was %d", getpgid(0), W.pgid);
	{
		struct utsname u;

		if (uname(&u) || strcmp(u.nodename, W.uts.nodename) ||
		    strcmp(u.domainname, W.uts.domainname))
			wfail("host name %s, domain %s; were %s, %s", u.nodename,
			      u.domainname, W.uts.nodename, W.uts.domainname);
	}
	off = ckpt_check(W.mem, MEM_LEN, seed);
	if (off >= 0)
		wfail("memory differs at offset %ld", off);
	put("res.", W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	bad |= ckpt_reap_kids(names[idx], W.kids, W.nr_kids, 0);
	_exit(bad);
}

static pid_t xfork(void)
{
	return ckpt_tree_fork(&W.nr_kids);
}

static void __attribute__((noreturn)) init_main(void)
{
	pid_t pid;

	if (setsid() < 0 || unshare(CLONE_NEWUTS) || sethostname("ckpt-ctr", 8))
		_exit(CKPT_EXIT_SETUP);
	pid = xfork();
	if (pid == 0) {
		pid_t g = xfork();

		if (g == 0)
			task(T_G1);
		W.kids[W.nr_kids++] = g;
		task(T_C1);
	}
	W.kids[W.nr_kids++] = pid;
	pid = xfork();
	if (pid == 0)
		task(T_C2);
	W.kids[W.nr_kids++] = pid;
	pid = xfork();
	if (pid == 0) {
		setpgid(0, 0);
		if (unshare(CLONE_NEWUTS) || sethostname("inner-c3", 8) ||
		    setdomainname("dom.c3", 6))
			_exit(CKPT_EXIT_SETUP);
		task(T_C3);
	}
	W.kids[W.nr_kids++] = pid;
	task(T_INIT);
}

FIXTURE(container) {
	struct ckpt_ctr c;
};

FIXTURE_SETUP(container)
{
	ASSERT_EQ(ckpt_ctr_init(&self->c, "container", "ckc"), 0);
	snprintf(W.dir, sizeof(W.dir), "%s", self->c.env.dir);
	snprintf(W.go, sizeof(W.go), "%s", self->c.go);
}

FIXTURE_TEARDOWN_PARENT(container)
{
	ckpt_ctr_fini(&self->c);
}

struct info {
	int idx;
	pid_t pid, ppid, sid, pgid;
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
	n = sscanf(buf, "idx %d pid %d ppid %d sid %d pgid %d result %199[^\n]",
		   &in->idx, &in->pid, &in->ppid, &in->sid, &in->pgid, in->result);
	free(buf);
	return n == 6 ? 0 : -1;
}

TEST_F_TIMEOUT(container, pid_namespace, 280)
{
	struct ckpt_ctr *c = &self->c;
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_task_pids pids[16];
	struct ckpt_hdr_header hh;
	struct info pre[NR_TASKS], post;
	struct utsname host, host_after;
	int i, j, n, status, reaped, got, fd, skip;
	char err[256];
	pid_t init;

	if (!ckpt_tool("checkpoint") || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (ckpt_cg_create(&c->env, "container"))
		SKIP(return, "no cgroup v2 freezer");
	ASSERT_EQ(uname(&host), 0);

	ASSERT_GT(ckpt_ctr_start(c, 1, init_main), 0);
	got = ckpt_ctr_ready(c, NR_TASKS, &skip);
	if (skip)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(got, NR_TASKS);
	init = ckpt_ctr_root(c, 1);
	ASSERT_GT(init, 0);
	for (i = 0; i < NR_TASKS; i++) {
		ASSERT_EQ(read_info(c->env.dir, "ready.", i, &pre[i]), 0);
	}
	ASSERT_EQ(pre[T_INIT].pid, 1);
	ASSERT_EQ(pre[T_INIT].sid, 1);
	ASSERT_EQ(pre[T_C3].pgid, pre[T_C3].pid);

	ASSERT_EQ(ckpt_ctr_checkpoint(c, init, 1), 0);
	fd = open(c->img, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(read(fd, &hh, sizeof(hh)), (ssize_t)sizeof(hh));
	close(fd);
	EXPECT_EQ(hh.uflags & CHECKPOINT_SUBTREE, 0ULL) TH_LOG("checkpoint -c set CHECKPOINT_SUBTREE");
	n = ckpt_image_tree(c->img, pids, 16, err, sizeof(err));
	ASSERT_EQ(n, NR_TASKS) TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");
	EXPECT_EQ(pids[0].pid, 1);
	EXPECT_TRUE((pids[0].flags & CKPT_PIDS_ROOT) != 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < NR_TASKS && pre[j].pid != pids[i].pid; j++)
			;
		EXPECT_LT(j, NR_TASKS) TH_LOG("entry %d: pid %d", i, pids[i].pid);
		if (j < NR_TASKS)
			EXPECT_EQ(!!(pids[i].flags & CKPT_PIDS_NEWUTS),
				  j == T_INIT || j == T_C3) TH_LOG("%s: NEWUTS", names[j]);
		if (j < NR_TASKS && i) {
			EXPECT_EQ(pids[i].ppid, pre[j].ppid) TH_LOG("%s", names[j]);
			EXPECT_EQ(pids[i].sid, pre[j].sid) TH_LOG("%s", names[j]);
			EXPECT_EQ(pids[i].pgid, pre[j].pgid) TH_LOG("%s", names[j]);
		}
	}

	ASSERT_EQ(ckpt_ctr_kill(c), 0);
	got = ckpt_ctr_restart(c, extra, NR_TASKS, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, NR_TASKS) TH_LOG("%d of %d restored tasks reported", got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		if (read_info(c->env.dir, "res.", i, &post)) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", names[i]);
			continue;
		}
		EXPECT_STREQ(post.result, "ok") TH_LOG("%s (pid %d)", names[i], pre[i].pid);
		EXPECT_EQ(post.pid, pre[i].pid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post.ppid, pre[i].ppid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post.sid, pre[i].sid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post.pgid, pre[i].pgid) TH_LOG("%s", names[i]);
	}
	ASSERT_EQ(uname(&host_after), 0);
	EXPECT_STREQ(host_after.nodename, host.nodename);
	EXPECT_STREQ(host_after.domainname, host.domainname);
}

TEST_HARNESS_MAIN
