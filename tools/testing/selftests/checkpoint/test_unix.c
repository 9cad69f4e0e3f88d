// SPDX-License-Identifier: GPL-2.0
/*
 * Unix domain sockets: after restart, socketpairs of every type hold
 * the data queued in both directions (datagram and record boundaries
 * intact, a partly read stream without the part read), buffer sizes,
 * SO_PASSCRED, O_NONBLOCK and shutdown states are as they were, a
 * socket whose peer was closed reads the rest and then EOF, sockets
 * bound to abstract and path names are bound again (a path name to the
 * same inode, reachable by new clients), a listening socket's pending
 * connections are accepted after restart with their data, and a small
 * server and its client, checkpointed as a tree with a request in
 * flight, go on talking.  A peer held outside the checkpoint is
 * refused with a log line.  File descriptors in flight (SCM_RIGHTS):
 * test_scm_rights.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
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

#define BIG_LEN		100000
#define SEED		0x5eed5eed12345678ULL

/* exit codes of the restored tasks, one per check */
enum {
	U_OK = 0,
	U_STREAM = 60, U_STREAM_BACK, U_NONBLOCK, U_BIG, U_DGRAM, U_DGRAM_BACK,
	U_SEQPACKET, U_BUFFERS, U_PASSCRED, U_SHUTDOWN, U_ORPHAN, U_ABSTRACT,
	U_ABSTRACT_NAME, U_PATH, U_PATH_INODE, U_PATH_NEW, U_TYPES, U_AGAIN,
	U_PENDING, U_PENDING_REPLY, U_ESTABLISHED, U_CLOSED_CLIENT,
	U_SEQ_PENDING, U_NEW_CLIENT, U_LISTEN_NAME, U_SECOND_PENDING,
};

/* The scratch directory, for tasks that must not touch the fixture */
static char dir[CKPT_PATH_LEN];

static socklen_t mkaddr(struct sockaddr_un *sun, const char *path, int abstract)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (abstract) {
		snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "%s", path);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
	}
	/* the scratch directory's paths are short */
	memcpy(sun->sun_path, path, strnlen(path, sizeof(sun->sun_path) - 1));
	return offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1;
}

/* Read exactly @len bytes that must be @want */
static int expect(int fd, const char *want, size_t len)
{
	char buf[256];
	size_t got = 0;
	ssize_t n;

	while (got < len && got < sizeof(buf)) {
		n = read(fd, buf + got, len - got);
		if (n <= 0) {
			ckpt_report("fd %d: read %zd after %zu bytes (%s)", fd, n, got,
				    n < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		got += n;
	}
	if (memcmp(buf, want, len)) {
		ckpt_report("fd %d: read \"%.*s\", expected \"%s\"", fd, (int)got, buf, want);
		return -1;
	}
	return 0;
}

/* One message of exactly @want (may be empty) */
static int expect_msg(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n)) {
		ckpt_report("fd %d: message of %zd bytes \"%.*s\", expected \"%s\" (%s)",
			    fd, n, n > 0 ? (int)n : 0, buf, want,
			    n < 0 ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

static int is_eof(int fd)
{
	char c;

	return read(fd, &c, 1) == 0;
}

static int nothing_queued(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static int getopt_int(int fd, int opt)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, SOL_SOCKET, opt, &val, &len))
		return -1;
	return val;
}

/* The socket states of the first test */
struct socks {
	int st[2], big[2], dg[2], sq[2], sh[2], orph;
	int lone, ab, cl, pd;
	int sndbuf, rcvbuf;
	ino_t pd_ino;
	char abname[64];
};

static int setup_socks(struct socks *s, unsigned char *big)
{
	struct sockaddr_un sun;
	socklen_t len;
	struct stat st;
	int tmp, orph[2], one = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->st) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, s->big) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, s->dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s->sq) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, s->sh) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, orph))
		return -1;

	/* a stream each way, one partly read; the other end non-blocking */
	if (write(s->st[0], "0123456789", 10) != 10 || expect(s->st[1], "012", 3) ||
	    write(s->st[1], "reply", 5) != 5 ||
	    fcntl(s->st[0], F_SETFL, O_NONBLOCK))
		return -1;
	ckpt_fill(big, BIG_LEN, SEED);
	if (write(s->big[0], big, BIG_LEN) != BIG_LEN)
		return -1;

	/* datagrams and records, an empty one among them */
	if (send(s->dg[0], "d1", 2, 0) != 2 || send(s->dg[0], "", 0, 0) != 0 ||
	    send(s->dg[0], "datagram three", 14, 0) != 14 ||
	    send(s->dg[1], "r1", 2, 0) != 2)
		return -1;
	if (send(s->sq[0], "s1", 2, 0) != 2 || send(s->sq[0], "seq two", 7, 0) != 7)
		return -1;
	s->sndbuf = 65536;
	s->rcvbuf = 32768;
	if (setsockopt(s->sq[0], SOL_SOCKET, SO_SNDBUF, &s->sndbuf, sizeof(int)) ||
	    setsockopt(s->sq[1], SOL_SOCKET, SO_RCVBUF, &s->rcvbuf, sizeof(int)))
		return -1;
	s->sndbuf = getopt_int(s->sq[0], SO_SNDBUF);
	s->rcvbuf = getopt_int(s->sq[1], SO_RCVBUF);

	/* an unconnected socket passing credentials */
	s->lone = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->lone < 0 || setsockopt(s->lone, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		return -1;

	/* last words, then no more writes */
	if (write(s->sh[0], "last words", 10) != 10 || shutdown(s->sh[0], SHUT_WR))
		return -1;
	/* the peer says bye and is gone */
	if (write(orph[0], "bye", 3) != 3)
		return -1;
	close(orph[0]);
	s->orph = orph[1];

	/* an abstract datagram server, a client connected to it */
	snprintf(s->abname, sizeof(s->abname), "ckpt-unix-%d", getpid());
	len = mkaddr(&sun, s->abname, 1);
	s->ab = socket(AF_UNIX, SOCK_DGRAM, 0);
	tmp = socket(AF_UNIX, SOCK_DGRAM, 0);
	s->cl = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s->ab < 0 || tmp < 0 || s->cl < 0 ||
	    bind(s->ab, (struct sockaddr *)&sun, len) ||
	    sendto(tmp, "m1", 2, 0, (struct sockaddr *)&sun, len) != 2 ||
	    sendto(tmp, "m2", 2, 0, (struct sockaddr *)&sun, len) != 2 ||
	    connect(s->cl, (struct sockaddr *)&sun, len) ||
	    send(s->cl, "from client", 11, 0) != 11)
		return -1;
	close(tmp);

	/* a datagram server bound to a relative path name */
	if (chdir(dir))
		return -1;
	len = mkaddr(&sun, "dsock", 0);
	s->pd = socket(AF_UNIX, SOCK_DGRAM, 0);
	tmp = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s->pd < 0 || tmp < 0 || bind(s->pd, (struct sockaddr *)&sun, len) ||
	    chmod("dsock", 0640) || stat("dsock", &st) ||
	    sendto(tmp, "path msg", 8, 0, (struct sockaddr *)&sun, len) != 8)
		return -1;
	s->pd_ino = st.st_ino;
	close(tmp);
	return 0;
}

static int verify_socks(struct socks *s, unsigned char *big)
{
	struct sockaddr_un sun, got;
	socklen_t len, glen;
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int tmp;

	signal(SIGPIPE, SIG_IGN);
	if (getopt_int(s->st[0], SO_TYPE) != SOCK_STREAM ||
	    getopt_int(s->dg[0], SO_TYPE) != SOCK_DGRAM ||
	    getopt_int(s->sq[1], SO_TYPE) != SOCK_SEQPACKET ||
	    getopt_int(s->pd, SO_TYPE) != SOCK_DGRAM)
		return U_TYPES;

	if (expect(s->st[1], "3456789", 7))
		return U_STREAM;
	if (expect(s->st[0], "reply", 5))
		return U_STREAM_BACK;
	if (!(fcntl(s->st[0], F_GETFL) & O_NONBLOCK) ||
	    (fcntl(s->st[1], F_GETFL) & O_NONBLOCK) ||
	    read(s->st[0], &tmp, 1) != -1 || errno != EAGAIN)
		return U_NONBLOCK;
	if (write(s->st[1], "x", 1) != 1 || expect(s->st[0], "x", 1))
		return U_AGAIN;

	memset(big, 0, BIG_LEN);
	while (n < BIG_LEN) {
		r = read(s->big[1], big + n, BIG_LEN - n);
		if (r <= 0)
			break;
		n += r;
	}
	if (n != BIG_LEN || ckpt_check(big, BIG_LEN, SEED) >= 0) {
		ckpt_report("big stream: %zu bytes, mismatch at %ld", n,
			    ckpt_check(big, BIG_LEN, SEED));
		return U_BIG;
	}

	if (expect_msg(s->dg[1], "d1") || expect_msg(s->dg[1], "") ||
	    expect_msg(s->dg[1], "datagram three") || !nothing_queued(s->dg[1]))
		return U_DGRAM;
	if (expect_msg(s->dg[0], "r1") || !nothing_queued(s->dg[0]) ||
	    send(s->dg[0], "new", 3, 0) != 3 || expect_msg(s->dg[1], "new"))
		return U_DGRAM_BACK;
	if (expect_msg(s->sq[1], "s1") || expect_msg(s->sq[1], "seq two") ||
	    !nothing_queued(s->sq[1]))
		return U_SEQPACKET;
	if (getopt_int(s->sq[0], SO_SNDBUF) != s->sndbuf ||
	    getopt_int(s->sq[1], SO_RCVBUF) != s->rcvbuf) {
		ckpt_report("buffers %d %d, expected %d %d", getopt_int(s->sq[0], SO_SNDBUF),
			    getopt_int(s->sq[1], SO_RCVBUF), s->sndbuf, s->rcvbuf);
		return U_BUFFERS;
	}
	if (getopt_int(s->lone, SO_PASSCRED) != 1 || getopt_int(s->st[0], SO_PASSCRED) != 0)
		return U_PASSCRED;

	if (expect(s->sh[1], "last words", 10) || !is_eof(s->sh[1]) ||
	    write(s->sh[1], "ok", 2) != 2 || expect(s->sh[0], "ok", 2) ||
	    write(s->sh[0], "no", 2) != -1 || errno != EPIPE)
		return U_SHUTDOWN;
	if (expect(s->orph, "bye", 3) || !is_eof(s->orph) ||
	    write(s->orph, "no", 2) != -1 || errno != EPIPE)
		return U_ORPHAN;

	if (expect_msg(s->ab, "m1") || expect_msg(s->ab, "m2") ||
	    expect_msg(s->ab, "from client") || !nothing_queued(s->ab) ||
	    send(s->cl, "again", 5, 0) != 5 || expect_msg(s->ab, "again"))
		return U_ABSTRACT;
	len = mkaddr(&sun, s->abname, 1);
	glen = sizeof(got);
	if (getsockname(s->ab, (struct sockaddr *)&got, &glen) || glen != len ||
	    memcmp(&got, &sun, len))
		return U_ABSTRACT_NAME;

	/* the same inode, the same name, reachable */
	if (expect_msg(s->pd, "path msg") || !nothing_queued(s->pd))
		return U_PATH;
	len = mkaddr(&sun, "dsock", 0);
	glen = sizeof(got);
	if (stat("dsock", &st) || st.st_ino != s->pd_ino || (st.st_mode & 0777) != 0640 ||
	    getsockname(s->pd, (struct sockaddr *)&got, &glen) || glen != len ||
	    strcmp(got.sun_path, "dsock")) {
		ckpt_report("dsock: inode %lu (was %lu), mode %o, name %s",
			    (unsigned long)st.st_ino, (unsigned long)s->pd_ino,
			    st.st_mode, got.sun_path);
		return U_PATH_INODE;
	}
	tmp = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (tmp < 0 || sendto(tmp, "new", 3, 0, (struct sockaddr *)&sun, len) != 3 ||
	    expect_msg(s->pd, "new"))
		return U_PATH_NEW;
	close(tmp);
	return U_OK;
}

/* The listening sockets of the second test */
struct listeners {
	int lst, c1, c2, a2, c6, sl, c4;
	ino_t ino;
	char path[CKPT_PATH_LEN + 16], slname[64];
};

static int setup_listeners(struct listeners *l)
{
	struct sockaddr_un sun, ssun;
	socklen_t len, slen;
	struct stat st;
	int c3;

	snprintf(l->path, sizeof(l->path), "%s/lsock", dir);
	len = mkaddr(&sun, l->path, 0);
	l->lst = socket(AF_UNIX, SOCK_STREAM, 0);
	l->c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	l->c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l->lst < 0 || l->c1 < 0 || l->c2 < 0 || c3 < 0 ||
	    bind(l->lst, (struct sockaddr *)&sun, len) || listen(l->lst, 4) ||
	    stat(l->path, &st))
		return -1;
	l->ino = st.st_ino;
	/* c2 accepted, with data both ways */
	if (connect(l->c2, (struct sockaddr *)&sun, len))
		return -1;
	l->a2 = accept(l->lst, NULL, NULL);
	if (l->a2 < 0 || write(l->c2, "to server", 9) != 9 ||
	    write(l->a2, "to client", 9) != 9)
		return -1;
	/* c1 pending with data, then c3 pending, sent and closed */
	if (connect(l->c1, (struct sockaddr *)&sun, len) ||
	    write(l->c1, "pending data", 12) != 12 ||
	    connect(c3, (struct sockaddr *)&sun, len) || write(c3, "gone soon", 9) != 9)
		return -1;
	close(c3);
	/* and c6, pending, shut down for writing after its data */
	l->c6 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l->c6 < 0 || connect(l->c6, (struct sockaddr *)&sun, len) ||
	    write(l->c6, "third", 5) != 5 || shutdown(l->c6, SHUT_WR))
		return -1;

	/* a seqpacket listener on an abstract name, one pending client */
	snprintf(l->slname, sizeof(l->slname), "ckpt-unix-seq-%d", getpid());
	slen = mkaddr(&ssun, l->slname, 1);
	l->sl = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	l->c4 = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (l->sl < 0 || l->c4 < 0 || bind(l->sl, (struct sockaddr *)&ssun, slen) ||
	    listen(l->sl, 2) || connect(l->c4, (struct sockaddr *)&ssun, slen) ||
	    send(l->c4, "rec1", 4, 0) != 4 || send(l->c4, "record 2", 8, 0) != 8)
		return -1;
	return 0;
}

static int verify_listeners(struct listeners *l)
{
	struct sockaddr_un sun, got;
	socklen_t len, glen = sizeof(got);
	struct stat st;
	int a1, a3, a4, c5, a5, a6;

	signal(SIGPIPE, SIG_IGN);
	len = mkaddr(&sun, l->path, 0);
	if (stat(l->path, &st) || st.st_ino != l->ino ||
	    getsockname(l->lst, (struct sockaddr *)&got, &glen) || glen != len ||
	    strcmp(got.sun_path, l->path))
		return U_LISTEN_NAME;
	if (expect(l->a2, "to server", 9) || expect(l->c2, "to client", 9))
		return U_ESTABLISHED;

	/* the pending connections, in their order */
	a1 = accept(l->lst, NULL, NULL);
	if (a1 < 0 || expect(a1, "pending data", 12))
		return U_PENDING;
	if (write(a1, "welcome", 7) != 7 || expect(l->c1, "welcome", 7))
		return U_PENDING_REPLY;
	a3 = accept(l->lst, NULL, NULL);
	if (a3 < 0 || expect(a3, "gone soon", 9) || !is_eof(a3))
		return U_CLOSED_CLIENT;
	a6 = accept(l->lst, NULL, NULL);
	if (a6 < 0 || expect(a6, "third", 5) || !is_eof(a6) ||
	    write(a6, "bye", 3) != 3 || expect(l->c6, "bye", 3))
		return U_SECOND_PENDING;
	a4 = accept(l->sl, NULL, NULL);
	if (a4 < 0 || expect_msg(a4, "rec1") || expect_msg(a4, "record 2") ||
	    !nothing_queued(a4))
		return U_SEQ_PENDING;

	/* nothing else was pending; a new client gets through by the path */
	if (fcntl(l->lst, F_SETFL, O_NONBLOCK) ||
	    accept(l->lst, NULL, NULL) != -1 || errno != EAGAIN)
		return U_NEW_CLIENT;
	c5 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c5 < 0 || connect(c5, (struct sockaddr *)&sun, len))
		return U_NEW_CLIENT;
	a5 = accept(l->lst, NULL, NULL);
	if (a5 < 0 || write(c5, "hi", 2) != 2 || expect(a5, "hi", 2))
		return U_NEW_CLIENT;
	return U_OK;
}

FIXTURE(usock) {
	struct ckpt_env env;
	char *img, *log, *out;
	char comm[16];
};

FIXTURE_SETUP(usock)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "unix"), 0);
	snprintf(dir, sizeof(dir), "%s", self->env.dir);
	self->img = ckpt_path(&self->env, "img");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
	snprintf(self->comm, sizeof(self->comm), "cku%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(usock)
{
	ckpt_kill_comm(self->comm);
	ckpt_env_fini(&self->env);
}

enum { SELF_SOCKS, SELF_LISTENERS };

/* Self-checkpoint a worker holding sockets, restart it, see it check them */
static void self_test(struct __test_metadata *_metadata, FIXTURE_DATA(usock) *self,
		      int which, int min_socks)
{
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static unsigned char big[BIG_LEN];
		struct listeners l;
		struct socks s;
		int fd, logfd, bad;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		bad = which == SELF_SOCKS ? setup_socks(&s, big) : setup_listeners(&l);
		if (fd < 0 || logfd < 0 || bad) {
			ckpt_report("setup: %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(which == SELF_SOCKS ? verify_socks(&s, big) :
			      verify_listeners(&l));
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, CKPT_EXIT_CHECKPOINTED, "worker",
			    self->out, self->log);
	ASSERT_EQ(rc, CKPT_EXIT_CHECKPOINTED);
	EXPECT_GE(ckpt_image_count(self->img, CKPT_HDR_SOCKET), min_socks);
	EXPECT_EQ(ckpt_ckptinfo_shows(self->img, which == SELF_SOCKS ? "state=ORPHAN" :
				      "SOCKET_LISTENQ"), 0);

	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GE(pid, 0);
	rc = ckpt_wait_task(&self->env, pid, 30000, U_OK, "restored task", self->out,
			    self->log);
	EXPECT_EQ(rc, U_OK) TH_LOG("restored task failed check %d (enum in test_unix.c)", rc);
}

TEST_F_TIMEOUT(usock, pairs_bound_and_orphans, 120)
{
	/* 12 of the socketpairs, orph, lone, ab, cl, pd */
	self_test(_metadata, self, SELF_SOCKS, 15);
}

TEST_F_TIMEOUT(usock, listeners_and_pending_connections, 120)
{
	/* lst, c1, c2, a2, c6, sl, c4 */
	self_test(_metadata, self, SELF_LISTENERS, 7);
}

/*
 * A server and its client as a process tree: the server answers each
 * line in upper case; at checkpoint time a request is in flight.  After
 * restart the conversation goes on, and the server takes one more
 * client, the test itself, through its path name.
 */
static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s -= 'a' - 'A';
}

static char srv_path[CKPT_PATH_LEN + 16], go_path[CKPT_PATH_LEN + 16];

static void put_res(int idx, const char *what, const char *why)
{
	char name[16];

	snprintf(name, sizeof(name), "%s%d", what, idx);
	ckpt_put(dir, name, "%s\n", why ? why : "ok");
}

/* Serve one request on @fd: 0, or -1 at EOF or error */
static int serve(int fd)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	upper(buf);
	return write(fd, buf, n) == n ? 0 : -1;
}

static void __attribute__((noreturn)) client(void)
{
	struct sockaddr_un sun;
	socklen_t len = mkaddr(&sun, srv_path, 0);
	const char *why = NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, len))
		_exit(CKPT_EXIT_SETUP);
	if (write(fd, "hello 1", 7) != 7 || expect(fd, "HELLO 1", 7))
		_exit(CKPT_EXIT_SETUP);
	/* in flight at checkpoint time */
	if (write(fd, "hello 2", 7) != 7)
		_exit(CKPT_EXIT_SETUP);
	put_res(1, "ready.", NULL);
	if (ckpt_await_file(go_path, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	if (expect(fd, "HELLO 2", 7))
		why = "no answer to hello 2";
	else if (write(fd, "bye", 3) != 3 || expect(fd, "BYE", 3))
		why = "no answer to bye";
	close(fd);
	put_res(1, "res.", why);
	_exit(why ? 1 : 0);
}

static void __attribute__((noreturn)) server(void)
{
	struct sockaddr_un sun;
	socklen_t len = mkaddr(&sun, srv_path, 0);
	const char *why = NULL;
	int lst, fd, status;
	pid_t kid;

	lst = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lst < 0 || bind(lst, (struct sockaddr *)&sun, len) || listen(lst, 8))
		_exit(CKPT_EXIT_SETUP);
	kid = fork();
	if (kid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (kid == 0) {
		close(lst);
		client();
	}
	fd = accept(lst, NULL, NULL);
	if (fd < 0 || serve(fd))
		_exit(CKPT_EXIT_SETUP);
	put_res(0, "ready.", NULL);
	if (ckpt_await_file(go_path, 20, 1800 * 1000))
		_exit(98);

	/* restored: hello 2, bye, then EOF */
	if (serve(fd) || serve(fd))
		why = "the client's requests did not arrive";
	else if (serve(fd) != -1)
		why = "no EOF from the client";
	close(fd);
	/* one more client: the test */
	fd = why ? -1 : accept(lst, NULL, NULL);
	if (!why && (fd < 0 || serve(fd)))
		why = "the new client was not served";
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		why = why ? why : "the client failed";
	put_res(0, "res.", why);
	_exit(why ? 1 : 0);
}

TEST_F_TIMEOUT(usock, server_and_client_tree, 240)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	char *rst_out = ckpt_path(&self->env, "restart.out");
	int status, reaped = 0, got, fd, i;
	struct sockaddr_un sun;
	socklen_t len;
	pid_t root, tool;
	char *res;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "unix"))
		SKIP(return, "no cgroup v2 freezer");
	snprintf(srv_path, sizeof(srv_path), "%s/server", dir);
	snprintf(go_path, sizeof(go_path), "%s/go", dir);

	root = ckpt_fork();
	ASSERT_GE(root, 0);
	if (root == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		server();
	}
	ckpt_track(&self->env, root);
	got = ckpt_await_files(dir, "ready.", 2, 60000, root, &status, &reaped);
	if (got != 2)
		ckpt_dump("tree", self->out, 4096);
	ASSERT_EQ(got, 2);

	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	ASSERT_GT(ckpt_checkpoint_file(root, self->img, self->log,
				       CHECKPOINT_SUBTREE, NULL), 0);
	/* listener, accepted socket, client */
	EXPECT_EQ(ckpt_image_count(self->img, CKPT_HDR_SOCKET), 3);
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(root, &status, 0, 10000);
	ckpt_untrack(&self->env, root);

	tool = ckpt_restart_tool(self->img, self->log, rst_out, extra);
	ASSERT_GT(tool, 0);
	ckpt_track(&self->env, tool);
	ASSERT_EQ(ckpt_write_file(go_path, "go\n", 3), 0);

	/* the test is the server's next client */
	len = mkaddr(&sun, srv_path, 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 600 && connect(fd, (struct sockaddr *)&sun, len); i++)
		ckpt_msleep(100);
	EXPECT_LT(i, 600) TH_LOG("cannot connect to the restored server: %s",
				 strerror(errno));
	if (i < 600) {
		char buf[16] = "";

		EXPECT_EQ(write(fd, "outside", 7), 7);
		EXPECT_EQ(read(fd, buf, sizeof(buf) - 1), 7);
		EXPECT_STREQ(buf, "OUTSIDE");
	}
	close(fd);

	got = ckpt_await_files(dir, "res.", 2, 150000, tool, &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, tool);
	if (got != 2 || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	EXPECT_EQ(got, 2);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < 2; i++) {
		char name[CKPT_PATH_LEN + 16];

		snprintf(name, sizeof(name), "%s/res.%d", dir, i);
		res = ckpt_slurp(name, NULL);
		EXPECT_TRUE(res && !strcmp(res, "ok\n")) TH_LOG("task %d: %s", i,
								res ? res : "no result");
		free(res);
	}
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

TEST_F_TIMEOUT(usock, peer_outside_refused, 60)
{
	int sv[2], fd, logfd, status;
	pid_t pid;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* holds sv[0] as fd 0; the test, outside, holds sv[1] */
		int out = open(self->out, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (out < 0 || dup2(sv[0], 0) || dup2(out, 1) != 1 || dup2(out, 2) != 2)
			_exit(CKPT_EXIT_SETUP);
		ckpt_close_from(3);
		for (;;)
			pause();
	}
	ckpt_track(&self->env, pid);
	close(sv[0]);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);
	errno = 0;
	EXPECT_EQ(checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_TRUE(log_says(self->log, "outside"));
	close(fd);
	close(logfd);
	/* the connection is intact */
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ckpt_wait(pid, &status, 0, 10000);
	ckpt_untrack(&self->env, pid);
	close(sv[1]);
}

TEST_HARNESS_MAIN
