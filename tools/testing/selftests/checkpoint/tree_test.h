/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the process tree tests test_tree and test_tree_big (see
 * ckpt_tree.h for the tree): the "tree" fixture and run_tree(), which
 * freezes the tree with the cgroup v2 freezer, checkpoints it with
 * checkpoint(root, fd, CHECKPOINT_SUBTREE, logfd), kills it, restarts
 * it with "restart --pidns --copy-status" and checks every task's
 * report.  Included once by each test program.
 */
#ifndef _TREE_TEST_H
#define _TREE_TEST_H

FIXTURE(tree) {
	struct ckpt_env env;
	struct tree_shape s;
	char *img, *log, *rst_out;
	pid_t root, tool;
};

FIXTURE_SETUP(tree)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "tree"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	memset(&self->s, 0, sizeof(self->s));
	snprintf(self->s.dir, sizeof(self->s.dir), "%s", self->env.dir);
	snprintf(self->s.comm, sizeof(self->s.comm), "ckt%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(tree)
{
	ckpt_kill_comm(self->s.comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* The tree record agrees with the ready files */
static void check_image_tree(struct __test_metadata *_metadata,
			     FIXTURE_DATA(tree) *self, struct tree_info *pre, int n)
{
	struct ckpt_task_pids pids[TREE_MAX];
	char err[256];
	int nr, i, j, found;

	nr = ckpt_image_tree(self->img, pids, TREE_MAX, err, sizeof(err));
	ASSERT_EQ(nr, n) TH_LOG("image tree record: %d tasks (%s)", nr,
				nr < 0 ? err : "");
	EXPECT_EQ(pids[0].pid, pre[0].pid) TH_LOG("first entry is not the root");
	EXPECT_TRUE((pids[0].flags & CKPT_PIDS_ROOT) != 0);
	EXPECT_EQ(pids[0].ppid, 0);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(pids[i].flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE), 0U)
			TH_LOG("entry %d flags %#x", i, pids[i].flags);
		EXPECT_EQ(pids[i].pid, pids[i].tgid);
		for (found = -1, j = 0; j < n; j++)
			if (pre[j].pid == pids[i].pid)
				found = j;
		EXPECT_GE(found, 0) TH_LOG("entry %d: pid %d is no task of the tree",
					   i, pids[i].pid);
		if (found < 0)
			continue;
		EXPECT_EQ(pids[i].sid, pre[found].sid) TH_LOG("entry %d", i);
		EXPECT_EQ(pids[i].pgid, pre[found].pgid) TH_LOG("entry %d", i);
		if (i == 0)
			continue;
		EXPECT_EQ(pids[i].ppid, pre[found].ppid) TH_LOG("entry %d", i);
		/* depth first: the parent comes earlier */
		for (found = 0, j = 0; j < i; j++)
			if (pids[j].pid == pids[i].ppid)
				found = 1;
		EXPECT_TRUE(found) TH_LOG("entry %d (pid %d) precedes its parent %d",
					  i, pids[i].pid, pids[i].ppid);
	}
}

static void run_tree(struct __test_metadata *_metadata,
		     FIXTURE_DATA(tree) *self)
{
	const char *extra[] = { self->s.fresh_pids ? "--no-pidns" : "--pidns",
				"--copy-status", NULL };
	int n = tree_nr(&self->s), i, j, status, reaped = 0, got;
	struct tree_info pre[TREE_MAX], post[TREE_MAX];
	double t0, t_ckpt, t_freeze, t_restart;
	char go[CKPT_PATH_LEN + 8], out[CKPT_PATH_LEN + 16];
	long id;

	snprintf(out, sizeof(out), "%s/tree.out", self->s.dir);
	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "tree"))
		SKIP(return, "no cgroup v2 freezer");

	self->root = tree_start(&self->s, &self->env);
	ASSERT_GT(self->root, 0);
	ckpt_track(&self->env, self->root);
	got = ckpt_await_files(self->s.dir, "ready.", n, 120000, self->root,
			       &status, &reaped);
	if (got != n)
		ckpt_dump("tree", out, 4096);
	ASSERT_EQ(got, n) TH_LOG("only %d of %d tasks got ready%s%s", got, n,
				 reaped ? ", root " : "",
				 reaped ? ckpt_status_str(status) : "");
	for (i = 0; i < n; i++) {
		ASSERT_EQ(tree_read(&self->s, "ready.", i, &pre[i]), 0);
		ASSERT_STREQ(pre[i].result, "ok") TH_LOG("task %d", i);
	}
	EXPECT_EQ(pre[0].pid, self->root);

	t0 = ckpt_now();
	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	t_freeze = ckpt_now() - t0;
	EXPECT_EQ(ckpt_cg_nr_procs(&self->env), n);
	id = ckpt_checkpoint_file(self->root, self->img, self->log,
				  CHECKPOINT_SUBTREE, &t_ckpt);
	ASSERT_GT(id, 0);
	ksft_print_msg("%d tasks: freeze %.3f s, checkpoint(2) %.3f s, image %ld bytes\n",
		       n, t_freeze, t_ckpt, ckpt_file_size(self->img));
	check_image_tree(_metadata, self, pre, n);

	/* the originals are gone before the go file exists */
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->root, &status, 0, 10000);
	ckpt_untrack(&self->env, self->root);
	tree_go_path(&self->s, go, sizeof(go));
	ASSERT_EQ(ckpt_write_file(go, "go\n", 3), 0);

	t0 = ckpt_now();
	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	reaped = 0;
	got = ckpt_await_files(self->s.dir, "res.", n, 150000, self->tool,
			       &status, &reaped);
	t_restart = ckpt_now() - t0;
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	if (reaped)
		self->tool = 0;
	ksft_print_msg("%d tasks: restart to all results %.3f s\n", n, t_restart);
	if (got != n || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", out, 4096);
	}
	EXPECT_EQ(got, n) TH_LOG("%d of %d restored tasks reported", got, n);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");

	if (!got)
		return;
	for (i = 0; i < n; i++) {
		if (tree_read(&self->s, "res.", i, &post[i])) {
			EXPECT_TRUE(0) TH_LOG("task %d: no result", i);
			post[i].pid = -1;
			continue;
		}
		EXPECT_STREQ(post[i].result, "ok") TH_LOG("task %d (pid %d)", i, pre[i].pid);
		EXPECT_EQ(post[i].bytes, (long)self->s.stream)
			TH_LOG("task %d: stream ended at %ld", i, post[i].bytes);
		if (i == 0)
			ksft_print_msg("root: pid %d, NSpid %s (was %s)\n", post[i].pid,
				       post[i].nspid, pre[0].nspid);
		if (self->s.fresh_pids)
			continue;
		EXPECT_EQ(post[i].pid, pre[i].pid) TH_LOG("task %d", i);
		if (i) {
			EXPECT_EQ(post[i].ppid, pre[i].ppid) TH_LOG("task %d", i);
		}
		EXPECT_EQ(post[i].sid, pre[i].sid) TH_LOG("task %d", i);
		EXPECT_EQ(post[i].pgid, pre[i].pgid) TH_LOG("task %d", i);
		/* a new pid namespace: two levels, the inner pid the original */
		EXPECT_NE(strchr(post[i].nspid, ' '), NULL)
			TH_LOG("task %d: NSpid \"%s\": not in a new pid namespace",
			       i, post[i].nspid);
	}
	if (!self->s.fresh_pids)
		return;
	/* fresh pids: every relation maps through the new pids */
	for (i = 0; i < n; i++) {
		pid_t old[3] = { pre[i].ppid, pre[i].sid, pre[i].pgid };
		pid_t now[3] = { post[i].ppid, post[i].sid, post[i].pgid };
		static const char *what[3] = { "ppid", "sid", "pgid" };
		int k;

		if (post[i].pid < 0)
			continue;
		for (j = 0; j < n; j++) {
			if (j != i && post[j].pid == post[i].pid) {
				EXPECT_TRUE(0) TH_LOG("tasks %d and %d both got pid %d",
						      i, j, post[i].pid);
			}
		}
		for (k = i ? 0 : 1; k < 3; k++) {
			for (j = 0; j < n && pre[j].pid != old[k]; j++)
				;
			if (j == n)
				continue;	/* not a task of the tree */
			EXPECT_EQ(now[k], post[j].pid)
				TH_LOG("task %d: %s %d, task %d (was %d) is now %d", i,
				       what[k], now[k], j, old[k], post[j].pid);
		}
	}
}

#endif /* _TREE_TEST_H */
