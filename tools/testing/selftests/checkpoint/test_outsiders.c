// SPDX-License-Identifier: GPL-2.0
/*
 * Objects shared with tasks outside the checkpointed set.  Restoring
 * them would silently split what was shared (a pipe whose other end an
 * outsider reads, a file whose position an outsider moves, an fd table
 * or address space an outsider uses), so checkpoint(2) fails with EBUSY
 * and one log line naming the object, and the target goes on untouched.
 * Sharing that restart keeps or that does not matter (the same file
 * closed by the outsider, a terminal or /dev/null, the binary's
 * mappings inherited from the parent) checkpoints fine.
 *
 * Here the test process is the outsider: it makes a child that shares
 * something with it, the child stops itself, and the test checkpoints
 * the child with CHECKPOINT_SUBTREE.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

/* The child's exit code once it is continued after the checkpoint */
#define CHILD_DONE	7

FIXTURE(outsiders) {
	struct ckpt_env env;
	char *img, *log, *out, *data;
};

FIXTURE_SETUP(outsiders)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "outsiders"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "child.out");
	self->data = ckpt_path(&self->env, "data");
}

FIXTURE_TEARDOWN_PARENT(outsiders)
{
	ckpt_env_fini(&self->env);
}

/*
 * The child: its own stdin/stdout/stderr, only @keep (if >= 0) as fd 3,
 * then it stops itself and, continued, exits with CHILD_DONE.  With
 * @keep_all it touches no fd at all (its fd table is the test's).
 */
static void child_body(const char *out, int keep, int keep_all)
{
	if (!keep_all) {
		int in_fd = open("/dev/null", O_RDONLY);
		int out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (in_fd < 0 || out_fd < 0 || dup2(in_fd, 0) < 0 ||
		    dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
			_exit(CKPT_EXIT_SETUP);
		if (keep >= 0 && keep != 3 && dup2(keep, 3) < 0)
			_exit(CKPT_EXIT_SETUP);
		ckpt_close_from(keep >= 0 ? 4 : 3);
	}
	kill(getpid(), SIGSTOP);
	_exit(CHILD_DONE);
}

static int clone_fn(void *arg)
{
	child_body(arg, -1, 0);
	return 0;
}

/* Wait until @pid is in group stop */
static int wait_stopped(pid_t pid)
{
	int status;

	if (ckpt_wait(pid, &status, WUNTRACED | __WALL, 10000) != pid)
		return -1;
	return WIFSTOPPED(status) ? 0 : -1;
}

/*
 * Checkpoint @pid into a fresh image; returns checkpoint()'s result with
 * errno in *err.
 */
static long try_checkpoint(FIXTURE_DATA(outsiders) *self, pid_t pid, int *err)
{
	int fd, logfd;
	long ret;

	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0 || logfd < 0)
		return -2;
	ret = checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd);
	*err = errno;
	close(fd);
	close(logfd);
	return ret;
}

/* The child, continued, finishes as if nothing happened */
static int child_goes_on(pid_t pid)
{
	int status;

	if (kill(pid, SIGCONT))
		return -1;
	if (ckpt_wait_or_kill(pid, &status, 10000))
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == CHILD_DONE ? 0 : -1;
}

/* The log is one line naming @object and saying "outside" */
static int logged(struct __test_metadata *_metadata,
		  FIXTURE_DATA(outsiders) *self, const char *object)
{
	char *buf = ckpt_slurp(self->log, NULL);
	int ok;

	ok = buf && ckpt_count_lines(self->log) == 1 && strstr(buf, object) &&
	     strstr(buf, "outside the checkpoint");
	TH_LOG("log: %s", buf ? buf : "(none)");
	free(buf);
	return ok;
}

#define EXPECT_BUSY(pid, object) do {					\
	int __err = 0;							\
	ASSERT_EQ(wait_stopped(pid), 0);				\
	EXPECT_EQ(try_checkpoint(self, pid, &__err), -1);		\
	EXPECT_EQ(__err, EBUSY);					\
	EXPECT_TRUE(logged(_metadata, self, object));			\
	EXPECT_EQ(child_goes_on(pid), 0);				\
} while (0)

#define EXPECT_SAVED(pid) do {						\
	int __err = 0;							\
	ASSERT_EQ(wait_stopped(pid), 0);				\
	EXPECT_LT(0, try_checkpoint(self, pid, &__err)) {		\
		TH_LOG("errno %d", __err);				\
		ckpt_dump("log", self->log, 1024);			\
	}								\
	EXPECT_EQ(child_goes_on(pid), 0);				\
} while (0)

/* The child writes into a pipe the test reads */
TEST_F(outsiders, pipe_end)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(pipe(p), 0);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(p[0]);
		child_body(self->out, p[1], 0);
	}
	ckpt_track(&self->env, pid);
	close(p[1]);
	EXPECT_BUSY(pid, "pipe objref");
	close(p[0]);
}

/* The same pipe, once the test closed its end, is all the child's */
TEST_F(outsiders, pipe_end_closed)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(pipe(p), 0);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(p[0]);
		child_body(self->out, p[1], 0);
	}
	ckpt_track(&self->env, pid);
	close(p[0]);
	close(p[1]);
	EXPECT_SAVED(pid);
}

/* An open file inherited across fork: the position is shared */
TEST_F(outsiders, file_position)
{
	pid_t pid;
	int fd;

	fd = open(self->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "abc", 3), 3);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		child_body(self->out, fd, 0);
	ckpt_track(&self->env, pid);
	EXPECT_BUSY(pid, "fd 3: file objref");
	close(fd);
}

/* Terminals and /dev/null may be shared: they are reopened by path */
TEST_F(outsiders, devnull_shared)
{
	pid_t pid;
	int fd;

	fd = open("/dev/null", O_WRONLY);
	ASSERT_GE(fd, 0);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		child_body(self->out, fd, 0);
	ckpt_track(&self->env, pid);
	EXPECT_SAVED(pid);
	close(fd);
}

/* clone(CLONE_FILES): the fd table is the test's too */
TEST_F(outsiders, fd_table)
{
	pid_t pid;

	fflush(NULL);
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, 0);
	ASSERT_GE(pid, 0);
	if (!pid)
		child_body(self->out, -1, 1);
	ckpt_track(&self->env, pid);
	EXPECT_BUSY(pid, "fd table objref");
}

/* clone(CLONE_FS): cwd and root are the test's too */
TEST_F(outsiders, fs)
{
	pid_t pid;

	fflush(NULL);
	pid = syscall(SYS_clone, CLONE_FS | SIGCHLD, NULL, NULL, NULL, 0);
	ASSERT_GE(pid, 0);
	if (!pid)
		child_body(self->out, -1, 0);
	ckpt_track(&self->env, pid);
	EXPECT_BUSY(pid, "fs objref");
}

/* clone(CLONE_VM): the address space is the test's */
TEST_F(outsiders, address_space)
{
	size_t len = 256 * 1024;
	char *stack;
	pid_t pid;

	stack = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	ASSERT_NE(stack, MAP_FAILED);
	fflush(NULL);
	pid = clone(clone_fn, stack + len, CLONE_VM | SIGCHLD, self->out);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	EXPECT_BUSY(pid, "address space objref");
	munmap(stack, len);
}

TEST_HARNESS_MAIN
