// SPDX-License-Identifier: GPL-2.0
/*
 * A busybox shell pipeline, sh -c 'yes | head -c SIZE | md5sum > OUT',
 * frozen with the cgroup v2 freezer half way through, checkpointed
 * with the checkpoint tool, killed, and restarted with the restart tool
 * in a new pid namespace: it must finish with the md5 sum of the
 * uninterrupted run (and, for 100,000,000 bytes, the known sum), with
 * exit status 0 passed on by restart --copy-status.
 *
 * SIZE is 100,000,000 bytes unless a 10 MB calibration run shows that
 * the guest would need more than about 25 s for it (debug kernel under
 * TCG): then it is scaled down, to no less than 10 MB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define MB		1000000L
#define FULL_SIZE	(100 * MB)
#define FULL_MD5	"a3e8987f8305d5ad2b60ccb3e8125478"
#define CAL_SIZE	(10 * MB)
#define CAL_MD5		"e312d0b1b5168eb18d5b6a413bb31385"

FIXTURE(pipeline) {
	struct ckpt_env env;
	char *img, *log, *sh_out, *ckpt_out, *rst_out;
	pid_t sh, tool;
};

FIXTURE_SETUP(pipeline)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "pipeline"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->sh_out = ckpt_path(&self->env, "sh.out");
	self->ckpt_out = ckpt_path(&self->env, "checkpoint.out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
}

FIXTURE_TEARDOWN_PARENT(pipeline)
{
	ckpt_kill_tree(self->tool);
	ckpt_kill_tree(self->sh);
	ckpt_env_fini(&self->env);
}

/* Fork sh -c '...' in a session of its own, in the cgroup if @cg */
static pid_t start_pipeline(FIXTURE_DATA(pipeline) *self, long size,
			    const char *out, int cg)
{
	char cmd[CKPT_PATH_LEN + 128];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "yes | head -c %ld | md5sum > %s", size, out);
	pid = ckpt_fork();
	if (pid)
		return pid;
	if ((cg && ckpt_cg_add(&self->env, getpid())) || setsid() < 0 ||
	    ckpt_isolate(self->sh_out))
		_exit(CKPT_EXIT_SETUP);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* The md5 sum in @path (32 hex digits), or "" */
static void read_md5(const char *path, char md5[33])
{
	char *buf = ckpt_slurp(path, NULL);

	md5[0] = 0;
	if (buf && strlen(buf) >= 32)
		snprintf(md5, 33, "%.32s", buf);
	free(buf);
}

/* Run uninterrupted: the elapsed time, or -1 */
static double run_plain(struct __test_metadata *_metadata,
			FIXTURE_DATA(pipeline) *self, long size,
			const char *out, char md5[33])
{
	double t0 = ckpt_now();
	int status;

	self->sh = start_pipeline(self, size, out, 0);
	if (self->sh < 0 || ckpt_wait_or_kill(self->sh, &status, 250000))
		return -1;
	self->sh = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("sh", self->sh_out, 2048);
		TH_LOG("uninterrupted pipeline: %s", ckpt_status_str(status));
		return -1;
	}
	read_md5(out, md5);
	return ckpt_now() - t0;
}

TEST_F_TIMEOUT(pipeline, yes_head_md5sum, 290)
{
	const char *ckpt = ckpt_tool("checkpoint");
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	char *ref_out = ckpt_path(&self->env, "ref.md5");
	char *out = ckpt_path(&self->env, "out.md5");
	char ref[33], got[33], num[16];
	double t_cal, t_ref, t0, delay;
	long size;
	int status, procs, attempt;

	if (!ckpt || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh");
	if (ckpt_cg_create(&self->env, "pipeline"))
		SKIP(return, "no cgroup v2 freezer");

	t_cal = run_plain(_metadata, self, CAL_SIZE, ref_out, ref);
	ASSERT_GT(t_cal, 0);
	ASSERT_STREQ(ref, CAL_MD5) TH_LOG("busybox md5sum of 10 MB of \"y\\n\"");
	size = FULL_SIZE;
	if (t_cal * 10 > 25)
		size = (long)(25 / t_cal * CAL_SIZE) / MB * MB;
	if (size < CAL_SIZE)
		size = CAL_SIZE;
	t_ref = size == CAL_SIZE ? t_cal : run_plain(_metadata, self, size, ref_out, ref);
	ASSERT_GT(t_ref, 0);
	if (size == FULL_SIZE) {
		ASSERT_STREQ(ref, FULL_MD5);
	}
	ASSERT_EQ(strlen(ref), 32U);
	ksft_print_msg("%ld bytes: uninterrupted %.2f s, md5 %s\n", size, t_ref, ref);

	/*
	 * The same, frozen half way.  The guest's speed follows the host's
	 * load: should the pipeline be done already, try again earlier.
	 */
	for (attempt = 0, delay = t_ref / 2; ; attempt++, delay /= 3) {
		self->sh = start_pipeline(self, size, out, 1);
		ASSERT_GT(self->sh, 0);
		ckpt_msleep(delay * 1000);
		ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
		procs = ckpt_cg_nr_procs(&self->env);
		if ((procs == 4 && ckpt_file_size(out) <= 0) || attempt == 2)
			break;
		ksft_print_msg("the pipeline was done after %.2f s, trying earlier\n", delay);
		ASSERT_EQ(ckpt_cg_freeze(&self->env, 0, 30000), 0);
		ASSERT_EQ(ckpt_wait_or_kill(self->sh, &status, 250000), 0);
		unlink(out);
	}
	ASSERT_EQ(procs, 4) TH_LOG("%d processes in the pipeline's cgroup (sh, yes, head, md5sum expected)",
				   procs);
	ASSERT_EQ(ckpt_file_size(out), 0) TH_LOG("md5sum already wrote its result");
	ksft_print_msg("frozen after %.2f s\n", delay);

	snprintf(num, sizeof(num), "%d", self->sh);
	{
		char *argv[] = { (char *)ckpt, "-o", self->img, "-l", self->log, num, NULL };
		pid_t t = ckpt_spawn(argv, self->ckpt_out);

		ASSERT_GT(t, 0);
		t0 = ckpt_now();
		ASSERT_EQ(ckpt_wait_or_kill(t, &status, 120000), 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ckpt_dump("checkpoint", self->ckpt_out, 2048);
			ckpt_dump("log", self->log, 2048);
		}
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("checkpoint -o IMG %d: %s", self->sh, ckpt_status_str(status));
		ksft_print_msg("checkpoint tool %.2f s, image %ld bytes\n",
			       ckpt_now() - t0, ckpt_file_size(self->img));
	}
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->sh, &status, 0, 10000);
	self->sh = 0;
	ASSERT_EQ(ckpt_file_size(out), 0);

	t0 = ckpt_now();
	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	if (ckpt_wait_or_kill_tree(self->tool, &status, t_ref * 3000 + 90000))
		TH_LOG("the restarted pipeline did not finish in time");
	self->tool = 0;
	read_md5(out, got);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || strcmp(got, ref)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("sh", self->sh_out, 2048);
	}
	ksft_print_msg("restarted pipeline finished after %.2f s: %s\n",
		       ckpt_now() - t0, got[0] ? got : "(no result)");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s", ckpt_status_str(status));
	EXPECT_STREQ(got, ref);
}

TEST_HARNESS_MAIN
