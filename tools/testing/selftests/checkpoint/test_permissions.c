// SPDX-License-Identifier: GPL-2.0
/*
 * kernel.checkpoint_unprivileged: what an unprivileged caller (uid and
 * gid 65534, no capabilities) may do under each setting.
 *   0: neither call; 1 (the default): checkpoint only; 2: both.
 * Each refusal is EPERM with one log line; each success is checked by
 * running the restored task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <checkpoint.h>

/* TEST() wrappers leave the harness' variant argument unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define SYSCTL		"/proc/sys/kernel/checkpoint_unprivileged"
#define NOBODY		65534
#define MAGIC		0x5eed1234

/* exit codes of the unprivileged child */
enum {
	C_OK = 0, C_SETUID = 70, C_OPEN, C_CKPT_FAILED, C_CKPT_OK, C_BAD_ERRNO,
	C_RESTART_RETURNED, C_RESTORED_WRONG,
};

static int sysctl_get(void)
{
	char buf[16] = "";
	int fd = open(SYSCTL, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoi(buf) : -1;
}

static int sysctl_set(int val)
{
	char buf[4];
	int fd = open(SYSCTL, O_WRONLY), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", val);
	n = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return n;
}

static int drop_privileges(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

FIXTURE(perm) {
	struct ckpt_env env;
	char *dir, *img, *log, *out;
	int saved;
};

FIXTURE_SETUP(perm)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "perm"), 0);
	self->saved = sysctl_get();
	if (self->saved < 0)
		SKIP(return, SYSCTL " is missing");
	self->dir = ckpt_path(&self->env, "shared");
	ASSERT_EQ(mkdir(self->dir, 0777), 0);
	ASSERT_EQ(chmod(self->dir, 0777), 0);
	ASSERT_GT(asprintf(&self->img, "%s/img", self->dir), 0);
	ASSERT_GT(asprintf(&self->log, "%s/log", self->dir), 0);
	ASSERT_GT(asprintf(&self->out, "%s/out", self->dir), 0);
}

FIXTURE_TEARDOWN_PARENT(perm)
{
	if (self->saved >= 0)
		sysctl_set(self->saved);
	ckpt_env_fini(&self->env);
}

/*
 * As nobody: self-checkpoint into img (expect_ckpt: 0 EPERM, 1 success),
 * then, if it succeeded, restart img in a child (expect_restart likewise).
 * The restored task exits with MAGIC & 0x7f after checking it is nobody.
 */
static int unprivileged(const char *img, const char *log, const char *out,
			int expect_ckpt, int expect_restart)
{
	int fd, logfd, status;
	long ret;
	pid_t pid;

	if (drop_privileges())
		return C_SETUID;
	if (ckpt_isolate(out))
		return C_OPEN;
	/* a working directory nobody can reach again at restart */
	if (chdir("/tmp"))
		return C_OPEN;
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0 || logfd < 0)
		return C_OPEN;
	ret = checkpoint(0, fd, 0, logfd);
	if (ret == 0)
		_exit(getuid() == NOBODY && geteuid() == NOBODY ? (MAGIC & 0x7f) : 1);
	close(fd);
	if (!expect_ckpt)
		return ret == -1 && errno == EPERM ? C_OK : ret > 0 ? C_CKPT_OK : C_BAD_ERRNO;
	if (ret <= 0)
		return C_CKPT_FAILED;

	pid = fork();
	if (pid == 0) {
		fd = open(img, O_RDONLY);
		restart(0, fd, RESTART_TASKSELF, logfd);
		_exit(errno == EPERM ? 100 : 101);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return C_RESTORED_WRONG;
	if (!expect_restart)
		return WEXITSTATUS(status) == 100 ? C_OK : C_RESTART_RETURNED;
	return WEXITSTATUS(status) == (MAGIC & 0x7f) ? C_OK : C_RESTORED_WRONG;
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(perm) *self,
		int policy, int expect_ckpt, int expect_restart)
{
	int status, lines;
	pid_t pid;

	ASSERT_EQ(sysctl_set(policy), 0);
	ASSERT_EQ(sysctl_get(), policy);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(unprivileged(self->img, self->log, self->out, expect_ckpt,
				   expect_restart));
	ckpt_wait_or_kill(pid, &status, 30000);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("child", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), C_OK);
	/* one log line per refusal, none for successes */
	lines = ckpt_exists(self->log) ? ckpt_count_lines(self->log) : 0;
	EXPECT_EQ(lines, (!expect_ckpt || !expect_restart) ? 1 : 0) {
		ckpt_dump("log", self->log, 4096);
	}
}

TEST_F_TIMEOUT(perm, default_is_1, 30)
{
	/* the value a fresh kernel boots with, unless a test left it changed */
	EXPECT_EQ(self->saved, 1);
}

TEST_F_TIMEOUT(perm, policy_0_refuses_checkpoint, 60)
{
	run(_metadata, self, 0, 0, 0);
}

TEST_F_TIMEOUT(perm, policy_1_checkpoint_only, 60)
{
	run(_metadata, self, 1, 1, 0);
}

TEST_F_TIMEOUT(perm, policy_2_restart_own_image, 60)
{
	run(_metadata, self, 2, 1, 1);
}

TEST_F_TIMEOUT(perm, root_unaffected_by_policy_0, 60)
{
	int fd, status;
	long ret;
	pid_t pid;

	ASSERT_EQ(sysctl_set(0), 0);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_isolate(self->out))
			_exit(C_OPEN);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ret = checkpoint(0, fd, 0, CHECKPOINT_FD_NONE);
		_exit(ret > 0 ? 0 : ret == 0 ? 2 : 1);
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F_TIMEOUT(perm, bad_values_refused, 30)
{
	EXPECT_NE(sysctl_set(3), 0);
	EXPECT_NE(sysctl_set(-1), 0);
	EXPECT_EQ(sysctl_get(), self->saved);
}

TEST_HARNESS_MAIN
