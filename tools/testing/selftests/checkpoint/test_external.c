// SPDX-License-Identifier: GPL-2.0
/*
 * External checkpoint: a counting process is stopped (SIGSTOP) or
 * frozen (cgroup v2), checkpointed by its parent, killed, and restarted
 * from the image: from a file, from a pipe, or with the checkpoint and
 * restart tools.  The restored process must be in the state it was in
 * (stopped, or running after a freeze) and count on from where it was,
 * with its memory intact and its interrupted nanosleep() resumed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * TEST_F() keeps a non-volatile local across setjmp()/longjmp(); it is
 * the harness' (see ckpt_env in ckpt_util.h for what it breaks).
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

FIXTURE(external) {
	struct ckpt_env env;
	struct ckpt_counter c;
	char *img, *log;
};

FIXTURE_SETUP(external)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "external"), 0);
	ckpt_counter_init(&self->c, &self->env, "counter");
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
}

FIXTURE_TEARDOWN_PARENT(external)
{
	ckpt_env_fini(&self->env);
}

/* Start the counter and let it count a few steps */
static pid_t start_counter(struct __test_metadata *_metadata,
			   FIXTURE_DATA(external) *self)
{
	pid_t pid = ckpt_counter_start(&self->c);
	long n;

	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	n = ckpt_counter_wait(&self->c, 3, 20000);
	if (n < 3) {
		ckpt_dump("counter", self->c.out, 2048);
		TH_LOG("counter did not count to 3 (%ld)", n);
		return -1;
	}
	return pid;
}

/* The last counted value, failing on any discontinuity */
static long counted(struct __test_metadata *_metadata,
		    FIXTURE_DATA(external) *self)
{
	char err[256];
	long n = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);

	if (n < 0) {
		ckpt_dump("counter", self->c.out, 2048);
		TH_LOG("counter file: %s", err);
	}
	return n;
}

/* checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd) into the image file */
static long checkpoint_to_file(struct __test_metadata *_metadata,
			       FIXTURE_DATA(external) *self, pid_t pid)
{
	int fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	long ret;

	if (fd < 0 || logfd < 0)
		return -1;
	ret = checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd);
	if (ret <= 0) {
		TH_LOG("checkpoint(%d, CHECKPOINT_SUBTREE): %ld: %s", pid, ret,
		       strerror(errno));
		ckpt_dump("log", self->log, 2048);
	}
	close(fd);
	close(logfd);
	return ret;
}

/* The image file is a well-formed image (with id @id if @id > 0) */
static int image_ok(struct __test_metadata *_metadata, const char *path,
		    long id)
{
	const struct ckpt_hdr_header *hh;
	struct ckpt_rec recs[4];
	char *img, err[256];
	int ok = 0, n;
	size_t len;

	img = ckpt_slurp(path, &len);
	if (!img) {
		TH_LOG("cannot read %s", path);
		return 0;
	}
	hh = (const void *)img;
	n = ckpt_image_walk(img, len, recs, 4, err, sizeof(err));
	if (n < 0)
		TH_LOG("image %s (%zu bytes): %s", path, len, err);
	else if (id > 0 && hh->ckpt_id != (uint64_t)id)
		TH_LOG("image header ckpt_id %llu, checkpoint() returned %ld",
		       (unsigned long long)hh->ckpt_id, id);
	else
		ok = 1;
	free(img);
	return ok;
}

static void kill_and_reap(struct ckpt_env *env, pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	ckpt_wait(pid, &status, 0, 10000);
	ckpt_untrack(env, pid);
}

/*
 * The restored counter @pid, in group stop: it must not count until
 * SIGCONT, then count on from @saved.  Ends it with exit code @code and
 * returns its wait status (or -1 if it never exited).
 */
static int continue_and_finish(struct __test_metadata *_metadata,
			       FIXTURE_DATA(external) *self, pid_t pid,
			       long saved, int stopped, int code, int waitable)
{
	pid_t pid_after = 0, pid_before = 0;
	char err[256];
	int status;
	long n;

	if (!stopped) {
		EXPECT_NE(ckpt_proc_state(pid), 'T')
			TH_LOG("restored task is stopped");
	} else {
		/* restart may still be restoring it: give it time to stop */
		double end = ckpt_now() + 10;

		while (ckpt_proc_state(pid) != 'T' && ckpt_now() < end)
			ckpt_msleep(20);
		EXPECT_EQ(ckpt_proc_state(pid), 'T')
			TH_LOG("restored task not stopped: state %c",
			       ckpt_proc_state(pid));
		ckpt_msleep(300);
		EXPECT_EQ(counted(_metadata, self), saved)
			TH_LOG("the restored task counts while stopped");
		EXPECT_EQ(kill(pid, SIGCONT), 0);
	}
	n = ckpt_counter_wait(&self->c, saved + 3, 20000);
	if (n < saved + 3) {
		ckpt_dump("counter", self->c.out, 4096);
		ckpt_dump("log", self->log, 2048);
	}
	EXPECT_GE(n, saved + 3) TH_LOG("the restored task does not count on from %ld",
				       saved);
	/* continuity was checked by ckpt_counter_read(); who wrote what */
	n = ckpt_counter_read(&self->c, err, sizeof(err), saved, &pid_before);
	ckpt_counter_read(&self->c, err, sizeof(err), saved + 1, &pid_after);
	EXPECT_EQ(pid_after, pid) TH_LOG("line %ld was written by pid %d, not the restored %d",
					 saved + 1, pid_after, pid);
	EXPECT_NE(pid_before, pid_after);

	EXPECT_EQ(ckpt_counter_quit(&self->c, code), 0);
	if (!waitable)
		return 0;
	if (ckpt_wait_or_kill(pid, &status, 20000))
		return -1;
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code) {
		ckpt_dump("counter", self->c.out, 4096);
		ckpt_dump("log", self->log, 2048);
	}
	return status;
}

/* (a) SIGSTOP, checkpoint, SIGKILL, restart from a file */
TEST_F_TIMEOUT(external, stopped, 60)
{
	pid_t pid, r;
	long saved, id;
	int status;

	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	saved = counted(_metadata, self);
	ASSERT_GT(saved, 0);

	id = checkpoint_to_file(_metadata, self, pid);
	ASSERT_GT(id, 0);
	/* a checkpoint leaves the task as it was */
	ckpt_msleep(200);
	EXPECT_EQ(ckpt_proc_state(pid), 'T');
	EXPECT_EQ(counted(_metadata, self), saved);
	EXPECT_TRUE(image_ok(_metadata, self->img, id));
	kill_and_reap(&self->env, pid);

	r = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GT(r, 0);
	ckpt_track(&self->env, r);
	ASSERT_EQ(ckpt_wait(r, &status, WUNTRACED, 20000), r)
		TH_LOG("no stop (or exit) report for the restored task");
	if (!WIFSTOPPED(status)) {
		ckpt_dump("counter", self->c.out, 4096);
		ckpt_dump("log", self->log, 2048);
	}
	ASSERT_TRUE(WIFSTOPPED(status))
		TH_LOG("restored task %s, expected stopped", ckpt_status_str(status));
	TH_LOG("restored task stopped by signal %d", WSTOPSIG(status));

	status = continue_and_finish(_metadata, self, r, saved, 1, 7, 1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 7);
}

/* (b) cgroup v2 freezer: the restored task runs */
TEST_F_TIMEOUT(external, frozen, 60)
{
	pid_t pid, r;
	long saved, id;
	int status;

	if (ckpt_cg_create(&self->env, "external"))
		SKIP(return, "no cgroup v2 freezer (cgroup.freeze)");
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_cg_add(&self->env, pid), 0);
	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 10000), 0)
		TH_LOG("the cgroup does not report frozen");
	saved = counted(_metadata, self);
	ASSERT_GT(saved, 0);

	id = checkpoint_to_file(_metadata, self, pid);
	ASSERT_GT(id, 0);
	ckpt_msleep(200);
	EXPECT_EQ(counted(_metadata, self), saved)
		TH_LOG("the task counted on after checkpoint: not frozen any more");
	EXPECT_TRUE(image_ok(_metadata, self->img, id));
	kill_and_reap(&self->env, pid);
	ckpt_cg_destroy(&self->env);

	r = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GT(r, 0);
	ckpt_track(&self->env, r);
	status = continue_and_finish(_metadata, self, r, saved, 0, 0, 1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}

/* Copy @in to @out until EOF; the exit code says how it went */
static void __attribute__((noreturn)) copier(int in, int out)
{
	char buf[65536];
	ssize_t n, w;

	signal(SIGPIPE, SIG_DFL);
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(2);
		if (n == 0)
			_exit(0);
		for (char *p = buf; n > 0; p += w, n -= w) {
			w = write(out, p, n);
			if (w <= 0)
				_exit(3);
		}
	}
}

/* (c) checkpoint into a pipe, restart from a pipe */
TEST_F_TIMEOUT(external, pipes, 60)
{
	pid_t pid, reader, writer, r;
	int p[2], q[2], fd, logfd, status;
	long saved, id;

	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	saved = counted(_metadata, self);
	ASSERT_GT(saved, 0);

	/* a reader copies the pipe to the image file */
	ASSERT_EQ(pipe(p), 0);
	reader = ckpt_fork();
	ASSERT_GE(reader, 0);
	if (reader == 0) {
		close(p[1]);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(1);
		copier(p[0], fd);
	}
	ckpt_track(&self->env, reader);
	close(p[0]);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	ASSERT_GE(logfd, 0);
	id = checkpoint(pid, p[1], CHECKPOINT_SUBTREE, logfd);
	if (id <= 0) {
		TH_LOG("checkpoint into a pipe: %s", strerror(errno));
		ckpt_dump("log", self->log, 2048);
	}
	close(p[1]);
	close(logfd);
	ASSERT_EQ(ckpt_wait_or_kill(reader, &status, 20000), 0);
	ckpt_untrack(&self->env, reader);
	ASSERT_GT(id, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("pipe reader %s", ckpt_status_str(status));
	ASSERT_TRUE(image_ok(_metadata, self->img, id));
	kill_and_reap(&self->env, pid);

	/* a writer feeds the image into a pipe the restarter reads */
	ASSERT_EQ(pipe(q), 0);
	writer = ckpt_fork();
	ASSERT_GE(writer, 0);
	if (writer == 0) {
		close(q[0]);
		fd = open(self->img, O_RDONLY);
		if (fd < 0)
			_exit(1);
		copier(fd, q[1]);
	}
	ckpt_track(&self->env, writer);
	close(q[1]);
	r = ckpt_start_restarter(NULL, q[0], self->log, 0);
	close(q[0]);
	ASSERT_GT(r, 0);
	ckpt_track(&self->env, r);
	ASSERT_EQ(ckpt_wait(r, &status, WUNTRACED, 20000), r)
		TH_LOG("no stop (or exit) report for the restored task");
	if (!WIFSTOPPED(status)) {
		ckpt_dump("counter", self->c.out, 4096);
		ckpt_dump("log", self->log, 2048);
	}
	ASSERT_TRUE(WIFSTOPPED(status))
		TH_LOG("restored task %s, expected stopped", ckpt_status_str(status));
	status = continue_and_finish(_metadata, self, r, saved, 1, 9, 1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 9);
	/* the writer got through the whole image */
	ckpt_wait_or_kill(writer, &status, 10000);
	ckpt_untrack(&self->env, writer);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("pipe writer %s", ckpt_status_str(status));
}

/* (d) the checkpoint and restart tools */

/* Checkpoint the stopped counter with "checkpoint -o IMG -l LOG PID" */
static long tool_checkpoint(struct __test_metadata *_metadata,
			    FIXTURE_DATA(external) *self, const char *tool,
			    pid_t pid)
{
	char num[16], *out = ckpt_path(&self->env, "checkpoint.out");
	char *argv[] = { (char *)tool, "-o", self->img, "-l", self->log, num,
			 NULL };
	int status;
	pid_t t;

	snprintf(num, sizeof(num), "%d", pid);
	t = ckpt_spawn(argv, out);
	if (t < 0 || ckpt_wait_or_kill(t, &status, 30000))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("checkpoint tool", out, 2048);
		ckpt_dump("log", self->log, 2048);
		TH_LOG("%s -o %s %d: %s", tool, self->img, pid,
		       ckpt_status_str(status));
		return -1;
	}
	free(out);
	return image_ok(_metadata, self->img, 0) ? 1 : -1;
}

/* A process other than @not whose comm is @comm, or 0 */
static pid_t find_comm(const char *comm, pid_t not, int timeout_ms)
{
	double end = ckpt_now() + timeout_ms / 1000.0;

	do {
		DIR *d = opendir("/proc");
		struct dirent *de;
		pid_t found = 0;

		while (d && (de = readdir(d))) {
			char path[64], buf[32] = "";
			pid_t pid = atoi(de->d_name);
			int fd;

			if (pid <= 0 || pid == not)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/comm", pid);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			if (read(fd, buf, sizeof(buf) - 1) > 0 &&
			    !strncmp(buf, comm, strlen(comm)) &&
			    buf[strlen(comm)] == '\n')
				found = pid;
			close(fd);
		}
		if (d)
			closedir(d);
		if (found)
			return found;
		ckpt_msleep(20);
	} while (ckpt_now() < end);
	return 0;
}

TEST_F_TIMEOUT(external, tool_restart_self, 60)
{
	const char *ckpt = ckpt_tool("checkpoint"), *rst = ckpt_tool("restart");
	char *out = ckpt_path(&self->env, "restart.out");
	char *argv[] = { (char *)rst, "--self", "-i", self->img, "-l",
			 self->log, NULL };
	pid_t pid, r;
	long saved;
	int status;

	if (!ckpt || !rst)
		SKIP(return, "checkpoint or restart tool not installed");
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	saved = counted(_metadata, self);
	ASSERT_GT(saved, 0);
	ASSERT_EQ(tool_checkpoint(_metadata, self, ckpt, pid), 1);
	kill_and_reap(&self->env, pid);

	/* the tool's process becomes the counter */
	r = ckpt_spawn(argv, out);
	ASSERT_GT(r, 0);
	ckpt_track(&self->env, r);
	ASSERT_EQ(ckpt_wait(r, &status, WUNTRACED, 20000), r);
	if (!WIFSTOPPED(status))
		ckpt_dump("restart tool", out, 2048);
	ASSERT_TRUE(WIFSTOPPED(status))
		TH_LOG("restart --self: %s, expected stopped", ckpt_status_str(status));
	status = continue_and_finish(_metadata, self, r, saved, 1, 23, 1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 23);
}

TEST_F_TIMEOUT(external, tool_restart_copy_status, 60)
{
	const char *ckpt = ckpt_tool("checkpoint"), *rst = ckpt_tool("restart");
	char *out = ckpt_path(&self->env, "restart.out");
	char *argv[] = { (char *)rst, "-i", self->img, "-l", self->log,
			 "--copy-status", NULL };
	pid_t pid, t, r;
	long saved;
	int status;

	if (!ckpt || !rst)
		SKIP(return, "checkpoint or restart tool not installed");
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	saved = counted(_metadata, self);
	ASSERT_GT(saved, 0);
	ASSERT_EQ(tool_checkpoint(_metadata, self, ckpt, pid), 1);
	kill_and_reap(&self->env, pid);

	/* the tool forks the restored counter and waits for it */
	t = ckpt_spawn(argv, out);
	ASSERT_GT(t, 0);
	ckpt_track(&self->env, t);
	r = find_comm(self->c.comm, t, 20000);
	if (!r)
		ckpt_dump("restart tool", out, 2048);
	ASSERT_GT(r, 0) TH_LOG("no restored process named %s", self->c.comm);
	status = continue_and_finish(_metadata, self, r, saved, 1, 24, 0);
	ASSERT_EQ(ckpt_wait_or_kill(t, &status, 20000), 0);
	ckpt_untrack(&self->env, t);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 24)
		ckpt_dump("restart tool", out, 2048);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 24) TH_LOG("restart --copy-status did not pass the exit code on");
	EXPECT_EQ(ckpt_proc_state(r), 0) TH_LOG("restored counter %d still there", r);
}

TEST_HARNESS_MAIN
