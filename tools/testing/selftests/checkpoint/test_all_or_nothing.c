// SPDX-License-Identifier: GPL-2.0
/*
 * All or nothing: a tree of 10 tasks (a root, 3 children, 2
 * grandchildren each) where every task holds its own regular file
 * open.  After the checkpoint the file of the fifth task in image
 * order (entry 4 of the tree record) is removed, so that reopening it
 * by path fails on restart.  The go file exists before restart: a
 * restored task that returned to user space would at once write its
 * "restored" marker.
 *
 * restart must exit non-zero, leave a line in the log, no task may
 * write its marker, and no process may be left over (every process
 * that appears during the restart is gone after it).  Then, as a
 * control, the file is put back and the same image restarts: every
 * task writes its marker and checks its pid, and restart exits with 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

#define NR_CHILD	3
#define NR_GRAND	2
#define NR_TASKS	(1 + NR_CHILD * (1 + NR_GRAND))
#define HELD_TEXT	"held by a tree task\n"

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	int idx, held;
	pid_t pid, kids[NR_CHILD];
	int nr_kids;
} W;

static void __attribute__((noreturn)) task(int idx)
{
	char name[CKPT_PATH_LEN + 32];
	int i, status, bad = 0;

	W.idx = idx;
	W.pid = getpid();
	snprintf(name, sizeof(name), "%s/held.%d", W.dir, idx);
	W.held = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (W.held < 0 || write(W.held, HELD_TEXT, strlen(HELD_TEXT)) < 0)
		_exit(CKPT_EXIT_SETUP);
	snprintf(name, sizeof(name), "ready.%d", idx);
	ckpt_put(W.dir, name, "idx %d pid %d\n", idx, getpid());
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored: tell at once */
	snprintf(name, sizeof(name), "restored.%d", idx);
	ckpt_put(W.dir, name, "idx %d pid %d was %d\n", idx, getpid(), W.pid);
	if (getpid() != W.pid)
		bad = 1;
	if (lseek(W.held, 0, SEEK_CUR) != (off_t)strlen(HELD_TEXT))
		bad = 1;
	for (i = 0; i < W.nr_kids; i++) {
		pid_t r = waitpid(W.kids[i], &status, 0);

		if (r != W.kids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	_exit(bad);
}

static void __attribute__((noreturn)) spawn_tree(int idx, int nkids)
{
	int c, step = idx == 0 ? 1 + NR_GRAND : 1;

	W.nr_kids = 0;
	for (c = 0; c < nkids; c++) {
		int kid = idx + 1 + c * step;
		pid_t pid = fork();

		if (pid < 0)
			_exit(CKPT_EXIT_SETUP);
		if (pid == 0)
			spawn_tree(kid, idx == 0 ? NR_GRAND : 0);
		W.kids[W.nr_kids++] = pid;
	}
	task(idx);
}

FIXTURE(aon) {
	struct ckpt_env env;
	char *img, *log, *out, *rst_out, comm[16];
	pid_t root, tool;
};

FIXTURE_SETUP(aon)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "aon"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "tree.out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	snprintf(self->comm, sizeof(self->comm), "cka%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(aon)
{
	ckpt_kill_comm(self->comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* The user processes (not kernel threads) other than us, sorted */
static int user_procs(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) && n < max) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 2 || pid == getpid())
			continue;
		if (ckpt_proc_ppid(pid) == 2)
			continue;	/* a kernel thread */
		pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

static int in(const pid_t *pids, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

/* Processes in @after but not in @before, printed; how many */
static int new_procs(const pid_t *before, int nb, int print)
{
	pid_t after[1024];
	int na = user_procs(after, 1024), i, n = 0;

	for (i = 0; i < na; i++) {
		char path[64], comm[32] = "?";
		char *c;

		if (in(before, nb, after[i]))
			continue;
		n++;
		if (!print)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", after[i]);
		c = ckpt_slurp(path, NULL);
		if (c) {
			snprintf(comm, sizeof(comm), "%s", c);
			comm[strcspn(comm, "\n")] = 0;
			free(c);
		}
		fprintf(stderr, "# leftover: pid %d ppid %d state %c comm %s\n",
			after[i], ckpt_proc_ppid(after[i]), ckpt_proc_state(after[i]),
			comm);
	}
	return n;
}

TEST_F_TIMEOUT(aon, fifth_task_fails, 280)
{
	pid_t pid;
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_task_pids pids[NR_TASKS + 4];
	pid_t pre[NR_TASKS], before[1024];
	char path[CKPT_PATH_LEN + 32], err[256], *buf;
	int i, n, status, reaped = 0, got, victim = -1, nb, left;
	double end;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "aon"))
		SKIP(return, "no cgroup v2 freezer");

	snprintf(W.dir, sizeof(W.dir), "%s", self->env.dir);
	snprintf(W.go, sizeof(W.go), "%s/go", self->env.dir);
	/* self is shared with the harness: the child must not write it */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		spawn_tree(0, NR_CHILD);
	}
	self->root = pid;
	ckpt_track(&self->env, self->root);
	got = ckpt_await_files(self->env.dir, "ready.", NR_TASKS, 60000, self->root,
			       &status, &reaped);
	if (got != NR_TASKS)
		ckpt_dump("tree", self->out, 4096);
	ASSERT_EQ(got, NR_TASKS);
	for (i = 0; i < NR_TASKS; i++) {
		snprintf(path, sizeof(path), "%s/ready.%d", self->env.dir, i);
		buf = ckpt_slurp(path, NULL);
		ASSERT_NE(buf, NULL);
		ASSERT_EQ(sscanf(buf, "idx %*d pid %d", &pre[i]), 1);
		free(buf);
	}

	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	ASSERT_GT(ckpt_checkpoint_file(self->root, self->img, self->log,
				       CHECKPOINT_SUBTREE, NULL), 0);
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->root, &status, 0, 10000);
	ckpt_untrack(&self->env, self->root);

	n = ckpt_image_tree(self->img, pids, NR_TASKS + 4, err, sizeof(err));
	ASSERT_EQ(n, NR_TASKS) TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");
	for (i = 0; i < NR_TASKS; i++)
		if (pre[i] == pids[4].pid)
			victim = i;
	ASSERT_GE(victim, 0) TH_LOG("entry 4 (pid %d) is no task of the tree", pids[4].pid);
	ksft_print_msg("fifth task in image order: pid %d (task %d); removing its file\n",
		       pids[4].pid, victim);
	snprintf(path, sizeof(path), "%s/held.%d", self->env.dir, victim);
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(ckpt_write_file(W.go, "go\n", 3), 0);

	/* the restart that must fail as a whole */
	nb = user_procs(before, 1024);
	unlink(self->log);
	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	reaped = ckpt_wait_or_kill_tree(self->tool, &status, 180000) == 0;
	ckpt_untrack(&self->env, self->tool);
	self->tool = 0;
	/* give any task that escaped the time to show itself */
	ckpt_msleep(3000);
	got = ckpt_count_files(self->env.dir, "restored.", NR_TASKS);
	end = ckpt_now() + 10;
	while ((left = new_procs(before, nb, 0)) && ckpt_now() < end)
		ckpt_msleep(100);
	if (left)
		new_procs(before, nb, 1);
	ckpt_dump("restart", self->rst_out, 2048);
	ckpt_dump("log", self->log, 2048);
	EXPECT_TRUE(reaped) TH_LOG("restart did not exit");
	EXPECT_TRUE(reaped && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		TH_LOG("restart with a missing file: %s", ckpt_status_str(status));
	EXPECT_EQ(got, 0) TH_LOG("%d tasks ran after a failed restart", got);
	EXPECT_EQ(left, 0) TH_LOG("%d processes left over", left);
	EXPECT_GT(ckpt_file_size(self->log), 0) TH_LOG("no line in the log");
	for (i = 0; i < NR_TASKS; i++) {
		snprintf(path, sizeof(path), "%s/restored.%d", self->env.dir, i);
		if (ckpt_exists(path))
			ckpt_dump("restored", path, 256);
	}
	if (got || left)
		return;

	/* the control: with the file back the same image restarts */
	snprintf(path, sizeof(path), "%s/held.%d", self->env.dir, victim);
	ASSERT_EQ(ckpt_write_file(path, HELD_TEXT, strlen(HELD_TEXT)), 0);
	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	reaped = 0;
	got = ckpt_await_files(self->env.dir, "restored.", NR_TASKS, 180000, self->tool,
			       &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	if (got != NR_TASKS || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	EXPECT_EQ(got, NR_TASKS) TH_LOG("control: %d of %d tasks restored with the file back",
					got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("control: restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		pid_t now = 0, was = 0;

		snprintf(path, sizeof(path), "%s/restored.%d", self->env.dir, i);
		buf = ckpt_slurp(path, NULL);
		if (!buf)
			continue;
		sscanf(buf, "idx %*d pid %d was %d", &now, &was);
		free(buf);
		EXPECT_EQ(now, pre[i]) TH_LOG("control: task %d", i);
	}
}

TEST_HARNESS_MAIN
