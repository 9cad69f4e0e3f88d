// SPDX-License-Identifier: GPL-2.0
/*
 * A self-checkpointing task in a UTS namespace of its own (it unshared
 * CLONE_NEWUTS and named it): its image flags the task NEWUTS and holds
 * the names.  RESTART_TASKSELF by a caller still in its parent's UTS
 * namespace fails with EINVAL and one log line, and leaves the host's
 * names alone; by a caller that unshared its own, the restored task
 * sees the image's host and domain names again.  (test_container
 * checks UTS namespaces of a tree restored by the tree builder.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <checkpoint.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

#define HOST	"self-uts"
#define DOMAIN	"dom.self"

enum { U_OK = 0, U_NAMES = 60 };

FIXTURE(utsns) {
	struct ckpt_env env;
	char *img, *log, *out;
	struct utsname host;
};

FIXTURE_SETUP(utsns)
{
	char err[256];
	struct ckpt_task_pids pids[2];
	int status, n;
	pid_t pid;

	ASSERT_EQ(ckpt_env_init(&self->env, "utsns"), 0);
	self->img = ckpt_path(&self->env, "img");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
	ASSERT_EQ(uname(&self->host), 0);

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct utsname u;
		int fd, logfd;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || logfd < 0 || unshare(CLONE_NEWUTS) ||
		    sethostname(HOST, strlen(HOST)) ||
		    setdomainname(DOMAIN, strlen(DOMAIN)))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret > 0)
			_exit(CKPT_EXIT_CHECKPOINTED);
		if (ret < 0)
			_exit(CKPT_EXIT_CKPT_FAILED);
		if (uname(&u) || strcmp(u.nodename, HOST) || strcmp(u.domainname, DOMAIN)) {
			ckpt_report("restored: host %s domain %s", u.nodename, u.domainname);
			_exit(U_NAMES);
		}
		_exit(U_OK);
	}
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_CHECKPOINTED);
	n = ckpt_image_tree(self->img, pids, 2, err, sizeof(err));
	ASSERT_EQ(n, 1) TH_LOG("tree record: %s", n < 0 ? err : "");
	ASSERT_NE(pids[0].flags & CKPT_PIDS_NEWUTS, 0U);
	unlink(self->log);
}

FIXTURE_TEARDOWN_PARENT(utsns)
{
	ckpt_env_fini(&self->env);
}

TEST_F_TIMEOUT(utsns, self_restart_needs_its_own_namespace, 60)
{
	struct utsname after;
	char *log;
	int status;
	pid_t pid;

	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), CKPT_EXIT_RESTART_ERRNO + EINVAL)
		TH_LOG("restarter %s", ckpt_status_str(status));
	log = ckpt_slurp(self->log, NULL);
	ASSERT_NE(log, NULL);
	EXPECT_NE(strstr(log, "UTS namespace of its own"), NULL) TH_LOG("log: %s", log);
	EXPECT_EQ(ckpt_count_lines(self->log), 1);
	free(log);
	ASSERT_EQ(uname(&after), 0);
	EXPECT_STREQ(after.nodename, self->host.nodename);
	EXPECT_STREQ(after.domainname, self->host.domainname);
}

TEST_F_TIMEOUT(utsns, self_restart_in_a_new_namespace, 60)
{
	struct utsname after;
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = open(self->img, O_RDONLY);
		int logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* a copy of the host's names, which restart must replace */
		if (fd < 0 || logfd < 0 || unshare(CLONE_NEWUTS))
			_exit(CKPT_EXIT_RESTART_OPEN);
		restart(0, fd, RESTART_TASKSELF, logfd);
		_exit(CKPT_EXIT_RESTART_ERRNO + (errno > 130 ? 130 : errno));
	}
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != U_OK) {
		ckpt_dump("restored task", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), U_OK);
	ASSERT_EQ(uname(&after), 0);
	EXPECT_STREQ(after.nodename, self->host.nodename);
}

TEST_HARNESS_MAIN
