// SPDX-License-Identifier: GPL-2.0
/*
 * File descriptors in flight (SCM_RIGHTS) in Unix socket queues: after
 * restart, recvmsg() gets them back with their messages, in order.  A
 * pipe's read end that only the queue holds still reads what was
 * written before the checkpoint and what the other end writes after;
 * several files in one message and several messages keep the data
 * bytes and the files in order; a file that is both in flight and in
 * the fd table is the same open file (one offset); datagrams carry
 * theirs; a socket sent over itself or over its peer (a socket in
 * flight in its own queue or its peer's) comes back as that very
 * socket, connected as before; a third socket only in flight keeps its
 * own queue.  Files in flight to a pending connection, and an epoll
 * file in flight in the queue of a socket it watches, are refused with
 * a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <checkpoint.h>
#include <linux/checkpoint_hdr.h>

/* TEST() wrappers leave the harness' variant argument unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define MAXFDS	8

/* exit codes of the restored tasks, one per check */
enum {
	S_OK = 0,
	S_PIPE = 60, S_PIPE_DATA, S_SEVERAL, S_SEVERAL_FILES, S_THIRD, S_SHARED,
	S_SHARED_POS, S_DGRAM, S_DGRAM_FILES, S_CYCLE, S_CYCLE_SAME, S_CYCLE_TALK,
	S_EMPTY,
};

static char dir[CKPT_PATH_LEN];

/* Send @data with @nr files */
static int send_fds(int sock, const char *data, const int *fds, int nr)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAXFDS)] = {};
	struct iovec iov = { .iov_base = (void *)data, .iov_len = strlen(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nr) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nr);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nr);
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)strlen(data) ? 0 : -1;
}

/*
 * Receive exactly the message @want (strlen bytes) with exactly @nr
 * files, into @fds.
 */
static int recv_fds(int sock, const char *want, int *fds, int nr)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAXFDS)] = {}, buf[64] = {};
	struct iovec iov = { .iov_base = buf, .iov_len = strlen(want) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int got = 0;

	n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n)) {
		ckpt_report("fd %d: message of %zd bytes \"%.*s\", expected \"%s\" (%s)",
			    sock, n, n > 0 ? (int)n : 0, buf, want,
			    n < 0 ? strerror(errno) : "");
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (got <= nr)
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * got);
	}
	if (got != nr || (msg.msg_flags & MSG_CTRUNC)) {
		ckpt_report("message \"%s\": %d files, expected %d (flags %#x)", want,
			    got, nr, msg.msg_flags);
		return -1;
	}
	return 0;
}

/* Read exactly @want from @fd */
static int expect(int fd, const char *want)
{
	size_t len = strlen(want), got = 0;
	char buf[128];
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n <= 0) {
			ckpt_report("fd %d: read %zd after %zu bytes", fd, n, got);
			return -1;
		}
		got += n;
	}
	if (memcmp(buf, want, len)) {
		ckpt_report("fd %d: read \"%.*s\", expected \"%s\"", fd, (int)len, buf, want);
		return -1;
	}
	return 0;
}

static int nothing_queued(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* Are @a and @b the same open file (same inode, one offset)? */
static int same_inode(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

enum { T_PIPE, T_SEVERAL, T_SHARED, T_DGRAM, T_CYCLE };

struct state {
	int sv[2];		/* the socketpair carrying the files */
	int wr;			/* T_PIPE: the pipe's write end, kept */
	int c0;			/* T_SEVERAL: the third socket's peer, kept */
	int file;		/* T_SHARED: a regular file, kept */
};

static int setup(int which, struct state *s)
{
	int p[2], q[2], c[2], fds[MAXFDS], fd;
	char path[CKPT_PATH_LEN + 16];

	switch (which) {
	case T_PIPE:
		/* the only copy of the read end is in flight */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->sv) || pipe(p) ||
		    write(p[1], "before,", 7) != 7 || send_fds(s->sv[0], "P", p, 1))
			return -1;
		close(p[0]);
		s->wr = p[1];
		return 0;
	case T_SEVERAL:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->sv) || pipe(p) || pipe(q) ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, c))
			return -1;
		if (write(p[1], "pipe-p", 6) != 6 || write(q[1], "pipe-q", 6) != 6 ||
		    write(c[0], "third", 5) != 5)
			return -1;
		fd = open("/dev/null", O_RDONLY);
		fds[0] = p[0];
		fds[1] = fd;
		fds[2] = q[0];
		if (fd < 0 || send_fds(s->sv[0], "one", NULL, 0) ||
		    send_fds(s->sv[0], "two", fds, 3) ||
		    send_fds(s->sv[0], "three", NULL, 0) ||
		    send_fds(s->sv[0], "four", &c[1], 1) ||
		    send_fds(s->sv[1], "back", &q[1], 1))
			return -1;
		/* only the queues hold them now */
		close(p[0]);
		close(p[1]);
		close(q[0]);
		close(q[1]);
		close(fd);
		close(c[1]);
		s->c0 = c[0];
		return 0;
	case T_SHARED:
		snprintf(path, sizeof(path), "%s/shared", dir);
		s->file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (s->file < 0 || write(s->file, "0123456789", 10) != 10 ||
		    lseek(s->file, 2, SEEK_SET) != 2 ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, s->sv) ||
		    send_fds(s->sv[0], "F", &s->file, 1))
			return -1;
		return 0;
	case T_DGRAM:
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s->sv) || pipe(p))
			return -1;
		if (write(p[1], "dgram-pipe", 10) != 10 ||
		    send_fds(s->sv[0], "d1", &p[0], 1) ||
		    send_fds(s->sv[0], "d2", NULL, 0) ||
		    send_fds(s->sv[0], "d3", p, 2) ||
		    send_fds(s->sv[1], "", &p[1], 1))
			return -1;
		close(p[0]);
		close(p[1]);
		return 0;
	case T_CYCLE:
		/*
		 * sv[0] (A) over itself: it sits in sv[1]'s (B's) queue,
		 * then B in its own queue; both stay in the fd table, A
		 * first, so that A's file is still being restored when B's
		 * queue gets its files.
		 */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->sv) ||
		    send_fds(s->sv[0], "a", &s->sv[0], 1) ||
		    send_fds(s->sv[0], "b", &s->sv[1], 1) ||
		    send_fds(s->sv[1], "c", &s->sv[1], 1))
			return -1;
		return 0;
	}
	return -1;
}

static int verify(int which, struct state *s)
{
	int fds[MAXFDS], fd2[MAXFDS];

	switch (which) {
	case T_PIPE:
		if (recv_fds(s->sv[1], "P", fds, 1))
			return S_PIPE;
		if (write(s->wr, "after", 5) != 5 || expect(fds[0], "before,after"))
			return S_PIPE_DATA;
		close(s->wr);
		return nothing_queued(s->sv[1]) ? S_OK : S_EMPTY;
	case T_SEVERAL:
		if (recv_fds(s->sv[1], "one", fds, 0) || recv_fds(s->sv[1], "two", fds, 3) ||
		    recv_fds(s->sv[1], "three", fd2, 0) || recv_fds(s->sv[1], "four", fd2, 1))
			return S_SEVERAL;
		if (expect(fds[0], "pipe-p") || expect(fds[2], "pipe-q"))
			return S_SEVERAL_FILES;
		/* the third socket kept its queue and its peer */
		if (expect(fd2[0], "third") || write(s->c0, "more", 4) != 4 ||
		    expect(fd2[0], "more") || write(fd2[0], "hi", 2) != 2 ||
		    expect(s->c0, "hi"))
			return S_THIRD;
		/* q's write end came back the other way */
		if (recv_fds(s->sv[0], "back", fd2, 1) || write(fd2[0], "!", 1) != 1 ||
		    expect(fds[2], "!"))
			return S_SEVERAL_FILES;
		return nothing_queued(s->sv[1]) && nothing_queued(s->sv[0]) ? S_OK : S_EMPTY;
	case T_SHARED:
		if (recv_fds(s->sv[1], "F", fds, 1) || !same_inode(fds[0], s->file))
			return S_SHARED;
		/* one open file: one offset */
		if (lseek(fds[0], 0, SEEK_CUR) != 2 || lseek(s->file, 7, SEEK_SET) != 7 ||
		    lseek(fds[0], 0, SEEK_CUR) != 7 || expect(fds[0], "789") ||
		    lseek(s->file, 0, SEEK_CUR) != 10)
			return S_SHARED_POS;
		return nothing_queued(s->sv[1]) ? S_OK : S_EMPTY;
	case T_DGRAM:
		if (recv_fds(s->sv[1], "d1", fds, 1) || recv_fds(s->sv[1], "d2", fd2, 0) ||
		    recv_fds(s->sv[1], "d3", fd2, 2) || recv_fds(s->sv[0], "", fd2 + 2, 1))
			return S_DGRAM;
		/* d1's and d3's read ends are one file, d3's and ""'s write ends too */
		if (!same_inode(fds[0], fd2[0]) || !same_inode(fd2[1], fd2[2]) ||
		    expect(fds[0], "dgram-") || expect(fd2[0], "pipe") ||
		    write(fd2[2], "x", 1) != 1 || expect(fds[0], "x"))
			return S_DGRAM_FILES;
		return nothing_queued(s->sv[1]) && nothing_queued(s->sv[0]) ? S_OK : S_EMPTY;
	case T_CYCLE:
		if (recv_fds(s->sv[1], "a", fds, 1) || recv_fds(s->sv[1], "b", fds + 1, 1) ||
		    recv_fds(s->sv[0], "c", fds + 2, 1))
			return S_CYCLE;
		if (!same_inode(fds[0], s->sv[0]) || !same_inode(fds[1], s->sv[1]) ||
		    !same_inode(fds[2], s->sv[1]))
			return S_CYCLE_SAME;
		/* still connected to each other */
		if (write(fds[0], "z", 1) != 1 || expect(s->sv[1], "z") ||
		    write(fds[2], "y", 1) != 1 || expect(s->sv[0], "y"))
			return S_CYCLE_TALK;
		return nothing_queued(s->sv[1]) && nothing_queued(s->sv[0]) ? S_OK : S_EMPTY;
	}
	return 1;
}

FIXTURE(scm) {
	struct ckpt_env env;
	char *img, *log, *out;
};

FIXTURE_SETUP(scm)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "scm"), 0);
	snprintf(dir, sizeof(dir), "%s", self->env.dir);
	self->img = ckpt_path(&self->env, "img");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
}

FIXTURE_TEARDOWN(scm)
{
	ckpt_env_fini(&self->env);
}

/* Self-checkpoint a worker, restart it, see it check what it received */
static void self_test(struct __test_metadata *_metadata, FIXTURE_DATA(scm) *self,
		      int which, int nr_fds_records)
{
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct state s;
		int fd, logfd;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || logfd < 0 || setup(which, &s)) {
			ckpt_report("setup: %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(verify(which, &s));
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, CKPT_EXIT_CHECKPOINTED, "worker",
			    self->out, self->log);
	ASSERT_EQ(rc, CKPT_EXIT_CHECKPOINTED);
	EXPECT_EQ(ckpt_image_count(self->img, CKPT_HDR_SOCKET_FDS), nr_fds_records);
	EXPECT_EQ(ckpt_ckptinfo_shows(self->img, "SOCKET_FDS"), 0);

	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GE(pid, 0);
	rc = ckpt_wait_task(&self->env, pid, 30000, S_OK, "restored task", self->out,
			    self->log);
	EXPECT_EQ(rc, S_OK) TH_LOG("restored task failed check %d (enum in test_scm_rights.c)", rc);
}

TEST_F_TIMEOUT(scm, pipe_read_end_only_in_flight, 60)
{
	self_test(_metadata, self, T_PIPE, 1);
}

TEST_F_TIMEOUT(scm, several_files_and_messages, 60)
{
	/* "two", "four", and "back" the other way */
	self_test(_metadata, self, T_SEVERAL, 3);
}

TEST_F_TIMEOUT(scm, file_in_flight_and_in_fd_table, 60)
{
	self_test(_metadata, self, T_SHARED, 1);
}

TEST_F_TIMEOUT(scm, datagrams, 60)
{
	self_test(_metadata, self, T_DGRAM, 3);
}

/* Supported: a socket in flight in its own queue and in its peer's */
TEST_F_TIMEOUT(scm, socket_sent_over_itself_and_its_peer, 60)
{
	self_test(_metadata, self, T_CYCLE, 3);
}

/* The log holds one line, which contains @what */
static int log_says(const char *log, const char *what)
{
	char *buf = ckpt_slurp(log, NULL);
	int ok = buf && strstr(buf, what) && strchr(buf, '\n') == buf + strlen(buf) - 1;

	if (!ok)
		ckpt_dump("log", log, 2048);
	free(buf);
	return ok;
}

/*
 * A worker that makes its sockets with @setup(@arg) and checkpoints
 * itself: the checkpoint must fail with EOPNOTSUPP and one log line
 * holding @what.
 */
static void refused(struct __test_metadata *_metadata, FIXTURE_DATA(scm) *self,
		    int (*setup)(int arg), int arg, const char *what)
{
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || logfd < 0 || setup(arg))
			_exit(CKPT_EXIT_SETUP);
		if (ckpt_self(fd, logfd) >= 0)
			_exit(1);
		_exit(errno == EOPNOTSUPP ? 0 : 2);
	}
	EXPECT_EQ(ckpt_wait_task(&self->env, pid, 30000, 0, "worker", self->out, self->log), 0)
		TH_LOG("checkpoint did not fail with EOPNOTSUPP");
	EXPECT_TRUE(log_says(self->log, what));
}

/* A file sent to a connection not accepted yet */
static int pending_setup(int unused)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lst, cl, nullfd;
	socklen_t len;

	nullfd = open("/dev/null", O_RDONLY);
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "scm%d", getpid());
	len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sun.sun_path + 1);
	lst = socket(AF_UNIX, SOCK_STREAM, 0);
	cl = socket(AF_UNIX, SOCK_STREAM, 0);
	if (nullfd < 0 || lst < 0 || cl < 0 ||
	    bind(lst, (struct sockaddr *)&sun, len) || listen(lst, 4) ||
	    connect(cl, (struct sockaddr *)&sun, len) ||
	    send_fds(cl, "f", &nullfd, 1))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(scm, pending_connection_refused, 60)
{
	refused(_metadata, self, pending_setup, 0, "pending connection");
}

/*
 * An epoll file in flight in the queue of a socket it watches: whichever
 * of the two is saved first saves the other while it is itself still
 * being saved, and restart would need the other made first.  Refused at
 * checkpoint, not at restart: with the epoll only in flight (the
 * socket's file is saved first) and with the epoll also in the fd
 * table, under a lower fd (the epoll's file is saved first).
 */
static int epoll_setup(int keep_open)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int sv[2], ep;

	ep = epoll_create1(0);
	if (ep < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) ||
	    send_fds(sv[1], "e", &ep, 1) || (!keep_open && close(ep)))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(scm, epoll_in_flight_watching_its_socket_refused, 60)
{
	refused(_metadata, self, epoll_setup, 0, "still being saved");
}

TEST_F_TIMEOUT(scm, epoll_in_fd_table_and_in_flight_refused, 60)
{
	refused(_metadata, self, epoll_setup, 1, "still being saved");
}

TEST_HARNESS_MAIN
