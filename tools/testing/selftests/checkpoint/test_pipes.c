// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous pipes held by a self-checkpointing task: after restart each
 * pipe has the same size, the same buffered bytes (packets intact for
 * packet-mode pipes), its ends the same flags and fds, dup'd ends still
 * one file, an end that was closed is still closed (EOF or EPIPE), and
 * more files of one pipe (reopened through /proc/self/fd, one of them
 * read-write) are files of their own on the same pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <checkpoint.h>

/* TEST() wrappers leave the harness' variant argument unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define BIG_LEN		(60 * 1024)	/* buffered in a 64 KiB pipe */
#define SEED		0x9e3779b97f4a7c15ULL

/* exit codes of the restored task, one per check */
enum {
	P_OK = 0,
	P_SIZE = 60, P_BIG_DATA, P_BIG_EOF, P_SMALL_DATA, P_NONBLOCK_FLAG,
	P_NONBLOCK_EAGAIN, P_PACKETS, P_EPIPE, P_DUP_SHARED, P_FDS,
	P_SELFPIPE, P_REOPEN_FLAGS, P_REOPEN_DATA, P_REOPEN_RDWR,
	P_REOPEN_WRITERS,
};

struct pipes {
	int big[2];		/* 64 KiB, 60 KiB buffered, write end closed */
	int small[2];		/* default size, both ends open, O_NONBLOCK read */
	int pkt[2];		/* O_DIRECT: three packets */
	int nored[2];		/* read end closed: writes get EPIPE */
	int dup_rd;		/* dup of small[0] */
	int re[2];		/* more files: */
	int re_rd;		/* re[0] reopened O_RDONLY | O_NONBLOCK */
	int re_rw;		/* re[1] reopened O_RDWR */
};

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

static const char *pkts[] = { "one", "packet two", "the third packet" };

static int setup(struct pipes *p, unsigned char *big)
{
	size_t i;

	if (pipe(p->big) || pipe2(p->small, O_NONBLOCK) ||
	    pipe2(p->pkt, O_DIRECT) || pipe(p->nored))
		return -1;
	/* before the closes below: the fds they free stay free */
	if (pipe(p->re))
		return -1;
	p->re_rd = reopen(p->re[0], O_RDONLY | O_NONBLOCK);
	p->re_rw = reopen(p->re[1], O_RDWR);
	if (p->re_rd < 0 || p->re_rw < 0 || write(p->re[1], "abc", 3) != 3)
		return -1;
	if (fcntl(p->big[1], F_SETPIPE_SZ, 64 * 1024) != 64 * 1024)
		return -1;
	ckpt_fill(big, BIG_LEN, SEED);
	if (write(p->big[1], big, BIG_LEN) != BIG_LEN)
		return -1;
	close(p->big[1]);
	if (write(p->small[1], "hello, ", 7) != 7 || write(p->small[1], "pipe", 4) != 4)
		return -1;
	for (i = 0; i < 3; i++)
		if (write(p->pkt[1], pkts[i], strlen(pkts[i])) != (ssize_t)strlen(pkts[i]))
			return -1;
	close(p->nored[0]);
	p->dup_rd = dup2(p->small[0], 100);
	return p->dup_rd == 100 ? 0 : -1;
}

/* The reopened files are files of their own on the one pipe */
static int verify_reopened(struct pipes *p)
{
	char buf[8];

	if (!(fcntl(p->re_rd, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(p->re[0], F_GETFL) & O_NONBLOCK) ||
	    (fcntl(p->re_rw, F_GETFL) & O_ACCMODE) != O_RDWR)
		return P_REOPEN_FLAGS;
	if (read(p->re_rd, buf, sizeof(buf)) != 3 || memcmp(buf, "abc", 3))
		return P_REOPEN_DATA;
	if (read(p->re_rd, buf, 1) != -1 || errno != EAGAIN)
		return P_REOPEN_DATA;
	if (write(p->re_rw, "xy", 2) != 2 || read(p->re[0], buf, 2) != 2 ||
	    memcmp(buf, "xy", 2))
		return P_REOPEN_RDWR;
	if (write(p->re[1], "z", 1) != 1 || read(p->re_rw, buf, 1) != 1 ||
	    buf[0] != 'z')
		return P_REOPEN_RDWR;
	/* the read-write file is a writer: end-of-file once it is closed */
	close(p->re[1]);
	if (read(p->re_rd, buf, 1) != -1 || errno != EAGAIN)
		return P_REOPEN_WRITERS;
	close(p->re_rw);
	if (read(p->re_rd, buf, 1) != 0)
		return P_REOPEN_WRITERS;
	return P_OK;
}

/* Runs in the restored task: exit status says what failed */
static int verify(struct pipes *p, unsigned char *big)
{
	char buf[256];
	ssize_t n;
	size_t i, got = 0;

	if (fcntl(p->big[0], F_GETPIPE_SZ) != 64 * 1024) {
		ckpt_report("pipe size %d", fcntl(p->big[0], F_GETPIPE_SZ));
		return P_SIZE;
	}
	memset(big, 0, BIG_LEN);
	while (got < BIG_LEN) {
		n = read(p->big[0], big + got, BIG_LEN - got);
		if (n <= 0)
			break;
		got += n;
	}
	if (got != BIG_LEN || ckpt_check(big, BIG_LEN, SEED) >= 0) {
		ckpt_report("big pipe: %zu bytes, mismatch at %ld", got,
			    ckpt_check(big, BIG_LEN, SEED));
		return P_BIG_DATA;
	}
	if (read(p->big[0], buf, 1) != 0)
		return P_BIG_EOF;	/* its write end stays closed */

	if (!(fcntl(p->small[0], F_GETFL) & O_NONBLOCK))
		return P_NONBLOCK_FLAG;
	/* one file behind fds small[0] and 100: reading one drains both */
	n = read(p->dup_rd, buf, 7);
	if (n != 7 || memcmp(buf, "hello, ", 7))
		return P_SMALL_DATA;
	n = read(p->small[0], buf, sizeof(buf));
	if (n != 4 || memcmp(buf, "pipe", 4))
		return P_DUP_SHARED;
	n = read(p->small[0], buf, sizeof(buf));
	if (n != -1 || errno != EAGAIN)
		return P_NONBLOCK_EAGAIN;

	for (i = 0; i < 3; i++) {
		n = read(p->pkt[0], buf, sizeof(buf));
		if (n != (ssize_t)strlen(pkts[i]) || memcmp(buf, pkts[i], n)) {
			ckpt_report("packet %zu: %zd bytes", i, n);
			return P_PACKETS;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	if (write(p->nored[1], "x", 1) != -1 || errno != EPIPE)
		return P_EPIPE;

	/* the ends are where they were and nothing else is open */
	if (fcntl(p->big[1], F_GETFD) != -1 || fcntl(p->nored[0], F_GETFD) != -1 ||
	    fcntl(p->small[1], F_GETFD) < 0 || fcntl(p->pkt[1], F_GETFD) < 0)
		return P_FDS;

	/* and the pipe still works both ways */
	if (write(p->small[1], "again", 5) != 5 || read(p->small[0], buf, 5) != 5 ||
	    memcmp(buf, "again", 5))
		return P_SELFPIPE;
	return verify_reopened(p);
}

FIXTURE(pipes) {
	struct ckpt_env env;
};

FIXTURE_SETUP(pipes)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "pipes"), 0);
}

FIXTURE_TEARDOWN_PARENT(pipes)
{
	ckpt_env_fini(&self->env);
}

TEST_F_TIMEOUT(pipes, buffered_data_ends_and_flags, 120)
{
	char *img = ckpt_path(&self->env, "img");
	char *log = ckpt_path(&self->env, "log");
	char *out = ckpt_path(&self->env, "out");
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static unsigned char big[BIG_LEN];
		struct pipes p;
		int fd, logfd;
		long ret;

		/* image and log first: the fds closed in setup() stay free */
		if (ckpt_isolate(out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || logfd < 0 || setup(&p, big))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(verify(&p, big));
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
	}
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", out, 4096);
		ckpt_dump("log", log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED);

	pid = ckpt_start_restarter(img, -1, log, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != P_OK) {
		ckpt_dump("restored task", out, 4096);
		ckpt_dump("log", log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("restored task %s", ckpt_status_str(status));
	}
	EXPECT_EQ(WEXITSTATUS(status), P_OK) {
		TH_LOG("restored task failed check %d (enum in test_pipes.c)",
		       WEXITSTATUS(status));
	}
	free(img);
	free(log);
	free(out);
}

TEST_HARNESS_MAIN
