// SPDX-License-Identifier: GPL-2.0
/*
 * Pseudo-terminals: after restart a pty pair has its termios, window
 * size, lock and packet mode, and the input both ends held (a
 * canonical line and a partial line towards the slave, processed
 * output towards the master), and its slave is the new master's; a
 * session keeps its controlling pty, the tty's foreground process
 * group and a /dev/tty open on it; a busybox shell running on a pty,
 * checkpointed and restarted, answers the next command typed into the
 * master.  A pty master shared with a task outside the checkpoint is
 * refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
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

/* exit codes of the restored tasks, one per check */
enum {
	P_OK = 0,
	P_TERMIOS = 60, P_MTERMIOS, P_WINSZ, P_PEER, P_LINE, P_PARTIAL,
	P_OUTPUT, P_AGAIN, P_REST, P_BACK, P_LOCK, P_PKT, P_LOCKED_OPEN,
	P_NONBLOCK,
};

static char dir[CKPT_PATH_LEN];

FIXTURE(pty) {
	struct ckpt_env env;
	char *img, *log, *out;
	char comm[16];
};

FIXTURE_SETUP(pty)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "pty"), 0);
	snprintf(dir, sizeof(dir), "%s", self->env.dir);
	self->img = ckpt_path(&self->env, "img");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
	snprintf(self->comm, sizeof(self->comm), "ckp%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(pty)
{
	ckpt_kill_comm(self->comm);
	ckpt_env_fini(&self->env);
}

/* Read from @fd until @want shows up, for at most @ms; 0 if it did */
static int read_until(int fd, const char *want, char *acc, size_t size, int ms)
{
	size_t len = strlen(acc);
	double end = ckpt_now() + ms / 1000.0;

	while (!strstr(acc, want)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (ckpt_now() > end || len + 1 >= size)
			return -1;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, acc + len, size - 1 - len);
		if (n <= 0)
			return -1;
		len += n;
		acc[len] = '\0';
	}
	return 0;
}

/* One read of @fd must return exactly @want */
static int read_is(int fd, const char *want)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0) {
		ckpt_report("read: %s, wanted \"%s\"", strerror(errno), want);
		return -1;
	}
	buf[n] = '\0';
	if (strcmp(buf, want)) {
		ckpt_report("read \"%s\", wanted \"%s\"", buf, want);
		return -1;
	}
	return 0;
}

/* A pair with its lock cleared and its slave open */
static int open_pair(int *m, int *s)
{
	*m = posix_openpt(O_RDWR | O_NOCTTY);
	if (*m < 0 || grantpt(*m) || unlockpt(*m))
		return -1;
	*s = ioctl(*m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	return *s < 0 ? -1 : 0;
}

struct pair_state {
	int m, s, m2, s2;
	struct termios st;
	struct winsize ws;
};

static int setup_pairs(struct pair_state *p)
{
	int one = 1;

	if (open_pair(&p->m, &p->s) || open_pair(&p->m2, &p->s2))
		return -1;
	/* canonical, no echo, output processed, odd characters and speed */
	if (tcgetattr(p->s, &p->st))
		return -1;
	p->st.c_lflag = ICANON | ISIG | IEXTEN;
	p->st.c_iflag = ICRNL | IXON;
	p->st.c_oflag = OPOST | ONLCR;
	p->st.c_cc[VINTR] = 7;
	p->st.c_cc[VERASE] = 8;
	p->st.c_cc[VMIN] = 3;
	cfsetispeed(&p->st, B9600);
	cfsetospeed(&p->st, B9600);
	if (tcsetattr(p->s, TCSANOW, &p->st) || tcgetattr(p->s, &p->st))
		return -1;
	/* on the master, TCSETS sets the slave's termios */
	p->st.c_cc[VKILL] = 11;
	if (tcsetattr(p->m, TCSANOW, &p->st) || tcgetattr(p->s, &p->st))
		return -1;
	p->ws = (struct winsize){ .ws_row = 37, .ws_col = 123,
				  .ws_xpixel = 5, .ws_ypixel = 7 };
	if (ioctl(p->s, TIOCSWINSZ, &p->ws))
		return -1;
	/* towards the slave: a line and a partial one; towards the master */
	if (write(p->m, "line one\nparti", 14) != 14 || write(p->s, "out1\n", 5) != 5)
		return -1;
	/* the second pair: locked again, packet mode, master non-blocking */
	if (ioctl(p->m2, TIOCSPTLCK, &one) || ioctl(p->m2, TIOCPKT, &one) ||
	    fcntl(p->m2, F_SETFL, O_NONBLOCK | O_RDWR))
		return -1;
	return 0;
}

static int verify_pairs(struct pair_state *p)
{
	struct termios t;
	struct winsize ws;
	struct stat a, b;
	int v = -1, fd;
	char buf[16];

	if (tcgetattr(p->s, &t) || t.c_lflag != p->st.c_lflag ||
	    t.c_iflag != p->st.c_iflag || t.c_oflag != p->st.c_oflag ||
	    t.c_cflag != p->st.c_cflag || memcmp(t.c_cc, p->st.c_cc, NCCS) ||
	    cfgetospeed(&t) != B9600) {
		int i;

		ckpt_report("slave termios lflag %#x iflag %#x oflag %#x cflag %#x, saved %#x %#x %#x %#x",
			    t.c_lflag, t.c_iflag, t.c_oflag, t.c_cflag, p->st.c_lflag,
			    p->st.c_iflag, p->st.c_oflag, p->st.c_cflag);
		for (i = 0; i < NCCS; i++)
			if (t.c_cc[i] != p->st.c_cc[i])
				ckpt_report("c_cc[%d] %#x, saved %#x", i, t.c_cc[i],
					    p->st.c_cc[i]);
		return P_TERMIOS;
	}
	if (tcgetattr(p->m, &t) || t.c_cc[VKILL] != 11 || t.c_lflag != p->st.c_lflag)
		return P_MTERMIOS;
	if (ioctl(p->m, TIOCGWINSZ, &ws) || memcmp(&ws, &p->ws, sizeof(ws)))
		return P_WINSZ;
	/* the slave is the new master's */
	fd = ioctl(p->m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (fd < 0 || fstat(fd, &a) || fstat(p->s, &b) || a.st_rdev != b.st_rdev)
		return P_PEER;
	close(fd);
	if (read_is(p->s, "line one\n"))
		return P_LINE;
	/* the partial line is not readable yet */
	if (fcntl(p->s, F_SETFL, O_RDWR | O_NONBLOCK) ||
	    read(p->s, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return P_AGAIN;
	if (fcntl(p->s, F_SETFL, O_RDWR))
		return P_AGAIN;
	if (read_is(p->m, "out1\r\n"))
		return P_OUTPUT;
	if (write(p->m, "al\r", 3) != 3 || read_is(p->s, "partial\n"))
		return P_PARTIAL;
	if (write(p->s, "back\n", 5) != 5 || read_is(p->m, "back\r\n"))
		return P_BACK;

	if (ioctl(p->m2, TIOCGPTLCK, &v) || v != 1)
		return P_LOCK;
	if (ioctl(p->m2, TIOCGPKT, &v) || v != 1)
		return P_PKT;
	fd = ioctl(p->m2, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (fd >= 0 || errno != EIO) {
		ckpt_report("opened a locked slave: %d %s", fd, strerror(errno));
		return P_LOCKED_OPEN;
	}
	if (!(fcntl(p->m2, F_GETFL) & O_NONBLOCK) ||
	    read(p->m2, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return P_NONBLOCK;
	return P_OK;
}

/* A task checkpoints itself with two pairs and checks them restored */
TEST_F_TIMEOUT(pty, pair_state_and_data, 120)
{
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct pair_state p;
		int fd, logfd;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || logfd < 0 || setup_pairs(&p)) {
			ckpt_report("setup: %s", strerror(errno));
			_exit(errno == ENOENT ? CKPT_EXIT_SKIP : CKPT_EXIT_SETUP);
		}
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(verify_pairs(&p));
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, CKPT_EXIT_CHECKPOINTED, "worker",
			    self->out, self->log);
	if (rc == CKPT_EXIT_SKIP)
		SKIP(return, "no /dev/ptmx");
	ASSERT_EQ(rc, CKPT_EXIT_CHECKPOINTED);
	EXPECT_EQ(ckpt_image_count(self->img, CKPT_HDR_TTY), 2);
	EXPECT_EQ(ckpt_image_count(self->img, CKPT_HDR_TTY_DATA), 4);
	EXPECT_EQ(ckpt_ckptinfo_shows(self->img, "LOCKED|PACKET"), 0);

	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GE(pid, 0);
	rc = ckpt_wait_task(&self->env, pid, 30000, P_OK, "restored task", self->out,
			    self->log);
	EXPECT_EQ(rc, P_OK) TH_LOG("restored task failed check %d (enum in test_pty.c)", rc);
}

static char go_path[CKPT_PATH_LEN + 16], sock_path[CKPT_PATH_LEN + 16];

static void put_res(int idx, const char *what, const char *why)
{
	char name[16];

	snprintf(name, sizeof(name), "%s%d", what, idx);
	ckpt_put(dir, name, "%s\n", why ? why : "ok");
}

/* The tree's results must all be "ok"; the restart tool exits with 0 */
static void finish_tree(struct __test_metadata *_metadata,
			FIXTURE_DATA(pty) *self, pid_t tool, int nr,
			const char *rst_out)
{
	int status, reaped = 0, got, i;

	got = ckpt_await_files(dir, "res.", nr, 150000, tool, &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, tool);
	if (got != nr || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	EXPECT_EQ(got, nr);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < nr; i++) {
		char name[CKPT_PATH_LEN + 16];
		char *res;

		snprintf(name, sizeof(name), "%s/res.%d", dir, i);
		res = ckpt_slurp(name, NULL);
		EXPECT_TRUE(res && !strcmp(res, "ok\n")) TH_LOG("task %d: %s", i,
								res ? res : "no result");
		free(res);
	}
}

/* Freeze, checkpoint and kill the tree of @root, then restart it */
static pid_t ckpt_and_restart(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pty) *self, pid_t root, int nr,
			      const char *rst_out)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	int status, reaped = 0, got;
	pid_t tool;

	got = ckpt_await_files(dir, "ready.", nr, 60000, root, &status, &reaped);
	if (got != nr)
		ckpt_dump("tree", self->out, 4096);
	if (got != nr)
		return -1;
	if (ckpt_cg_freeze(&self->env, 1, 30000))
		return -1;
	if (ckpt_checkpoint_file(root, self->img, self->log, CHECKPOINT_SUBTREE,
				 NULL) <= 0)
		return -1;
	EXPECT_EQ(ckpt_image_count(self->img, CKPT_HDR_TTY), 1);
	EXPECT_GE(ckpt_image_count(self->img, CKPT_HDR_CTTY), 1);
	EXPECT_EQ(ckpt_ckptinfo_shows(self->img, "CTTY"), 0);
	if (ckpt_cg_kill(&self->env, 30000))
		return -1;
	ckpt_wait(root, &status, 0, 10000);
	ckpt_untrack(&self->env, root);
	tool = ckpt_restart_tool(self->img, self->log, rst_out, extra);
	if (tool > 0)
		ckpt_track(&self->env, tool);
	return tool;
}

/*
 * The session: its leader (task 0) made the pty its controlling tty and
 * opened /dev/tty; its child (task 1) is the foreground process group.
 */
static const char *session_check(int idx, int m, int s, int tty, pid_t leader,
				 pid_t fg)
{
	char acc[256] = "";
	pid_t sid = -1;
	int fd;

	fd = open("/dev/tty", O_RDWR);
	if (fd < 0)
		return "cannot open /dev/tty";
	if (ioctl(fd, TIOCGSID, &sid) || sid != leader)
		return "/dev/tty: wrong session";
	if (tcgetpgrp(fd) != fg)
		return "/dev/tty: wrong foreground process group";
	if (idx == 1 && tcgetpgrp(fd) != getpgrp())
		return "not in the foreground";
	close(fd);
	if (idx == 1)
		return NULL;
	if (ioctl(s, TIOCGSID, &sid) || sid != getpid())
		return "TIOCGSID of the slave";
	if (tcgetpgrp(s) != fg)
		return "tcgetpgrp of the slave";
	/* the /dev/tty opened before the checkpoint writes to the pty */
	if (write(tty, "via tty\n", 8) != 8 ||
	    read_until(m, "via tty", acc, sizeof(acc), 10000))
		return "the old /dev/tty does not reach the master";
	return NULL;
}

TEST_F_TIMEOUT(pty, session_ctty_and_foreground, 240)
{
	char *rst_out = ckpt_path(&self->env, "restart.out");
	pid_t root, tool;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "pty"))
		SKIP(return, "no cgroup v2 freezer");
	snprintf(go_path, sizeof(go_path), "%s/go", dir);

	root = ckpt_fork();
	ASSERT_GE(root, 0);
	if (root == 0) {
		int m, s, tty, status;
		const char *why;
		pid_t kid, me;

		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		me = getpid();
		if (open_pair(&m, &s) || ioctl(s, TIOCSCTTY, 0))
			_exit(CKPT_EXIT_SETUP);
		tty = open("/dev/tty", O_RDWR);
		if (tty < 0)
			_exit(CKPT_EXIT_SETUP);
		kid = fork();
		if (kid < 0)
			_exit(CKPT_EXIT_SETUP);
		if (kid == 0) {
			close(m);
			close(s);
			close(tty);
			if (setpgid(0, 0))
				_exit(CKPT_EXIT_SETUP);
			put_res(1, "ready.", NULL);
			if (ckpt_await_file(go_path, 20, 1800 * 1000))
				_exit(98);
			why = session_check(1, -1, -1, -1, me, getpid());
			put_res(1, "res.", why);
			_exit(why ? 1 : 0);
		}
		setpgid(kid, kid);
		if (tcsetpgrp(s, kid))
			_exit(CKPT_EXIT_SETUP);
		put_res(0, "ready.", NULL);
		if (ckpt_await_file(go_path, 20, 1800 * 1000))
			_exit(98);
		why = session_check(0, m, s, tty, me, kid);
		if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			why = why ? why : "the child failed";
		put_res(0, "res.", why);
		_exit(why ? 1 : 0);
	}
	ckpt_track(&self->env, root);
	tool = ckpt_and_restart(_metadata, self, root, 2, rst_out);
	ASSERT_GT(tool, 0) ckpt_dump("log", self->log, 2048);
	ASSERT_EQ(ckpt_write_file(go_path, "go\n", 3), 0);
	finish_tree(_metadata, self, tool, 2, rst_out);
}

/* Send @fd over a connection to the test */
static int send_fd(int conn, int fd)
{
	char c = 'm', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(conn, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int conn)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(conn, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static socklen_t mkaddr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, sock_path,
	       strnlen(sock_path, sizeof(sun->sun_path) - 1));
	return sizeof(*sun);
}

/*
 * Task 0 holds the master and a listening socket; its child, task 1,
 * runs busybox sh on the slave as its session's controlling tty.
 * After restart task 0 hands the master to the test, which types a
 * command and then "exit".
 */
static void __attribute__((noreturn)) shell_root(const char *sh)
{
	char acc[512] = "";
	struct sockaddr_un sun;
	socklen_t len = mkaddr(&sun);
	int m, s, lst, conn, status;
	const char *why = NULL;
	pid_t kid;

	lst = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lst < 0 || bind(lst, (struct sockaddr *)&sun, len) || listen(lst, 2))
		_exit(CKPT_EXIT_SETUP);
	if (open_pair(&m, &s))
		_exit(CKPT_EXIT_SETUP);
	kid = fork();
	if (kid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (kid == 0) {
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) || dup2(s, 0) < 0 ||
		    dup2(s, 1) < 0 || dup2(s, 2) < 0)
			_exit(CKPT_EXIT_SETUP);
		ckpt_close_from(3);
		setenv("PS1", "psh$ ", 1);
		setenv("ENV", "/dev/null", 1);
		execl(sh, "sh", "-i", (char *)NULL);
		_exit(CKPT_EXIT_SETUP);
	}
	close(s);
	/* the shell is up and answering */
	if (write(m, "echo ready$((1+1))\n", 19) != 19 ||
	    read_until(m, "ready2", acc, sizeof(acc), 60000) ||
	    read_until(m, "psh$ ", strstr(acc, "ready2"), sizeof(acc) - (strstr(acc, "ready2") - acc), 60000)) {
		ckpt_report("the shell did not answer: \"%s\"", acc);
		_exit(CKPT_EXIT_SETUP);
	}
	put_res(0, "ready.", NULL);
	if (ckpt_await_file(go_path, 20, 1800 * 1000))
		_exit(98);

	/* restored: the test drives the shell through the master */
	conn = accept(lst, NULL, NULL);
	if (conn < 0 || send_fd(conn, m))
		why = "cannot hand over the master";
	close(conn);
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		why = why ? why : "the shell did not exit with 0";
	put_res(0, "res.", why);
	_exit(why ? 1 : 0);
}

TEST_F_TIMEOUT(pty, busybox_shell, 240)
{
	const char *sh = "/bin/sh";
	char *rst_out = ckpt_path(&self->env, "restart.out");
	struct sockaddr_un sun;
	char acc[1024] = "";
	pid_t root, tool;
	int fd, m = -1, i;

	if (access(sh, X_OK))
		SKIP(return, "no /bin/sh");
	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "pty"))
		SKIP(return, "no cgroup v2 freezer");
	snprintf(go_path, sizeof(go_path), "%s/go", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/master", dir);

	root = ckpt_fork();
	ASSERT_GE(root, 0);
	if (root == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		shell_root(sh);
	}
	ckpt_track(&self->env, root);
	tool = ckpt_and_restart(_metadata, self, root, 1, rst_out);
	ASSERT_GT(tool, 0) ckpt_dump("log", self->log, 2048);
	ASSERT_EQ(ckpt_write_file(go_path, "go\n", 3), 0);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	mkaddr(&sun);
	for (i = 0; i < 600 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)); i++)
		ckpt_msleep(100);
	EXPECT_LT(i, 600) TH_LOG("cannot connect to the restored tree: %s",
				 strerror(errno));
	if (i < 600)
		m = recv_fd(fd);
	close(fd);
	EXPECT_GE(m, 0);
	if (m >= 0) {
		EXPECT_EQ(write(m, "echo $((6*7))\n", 14), 14);
		EXPECT_EQ(read_until(m, "42\r\n", acc, sizeof(acc), 60000), 0)
			TH_LOG("the restored shell said \"%s\"", acc);
		EXPECT_EQ(write(m, "exit\n", 5), 5);
		close(m);
	}
	finish_tree(_metadata, self, tool, 1, rst_out);
}

/* The log holds one line, which contains @what */
static int log_says(const char *log, const char *what)
{
	char *buf = ckpt_slurp(log, NULL);
	int ok = buf && strstr(buf, what);

	free(buf);
	return ok;
}

/* A master that a task outside the checkpoint holds too: EBUSY */
TEST_F_TIMEOUT(pty, master_outside_refused, 60)
{
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd, m, s;
		pid_t kid;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || logfd < 0 || open_pair(&m, &s))
			_exit(CKPT_EXIT_SETUP);
		/* the outsider: a child, which a self-checkpoint leaves out */
		kid = fork();
		if (kid < 0)
			_exit(CKPT_EXIT_SETUP);
		if (kid == 0) {
			/* it shares the master and nothing else */
			dup2(m, 0);
			ckpt_close_from(1);
			pause();
			_exit(0);
		}
		ret = ckpt_self(fd, logfd);
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED :
		      ret < 0 && errno == EBUSY ? 0 : CKPT_EXIT_CKPT_FAILED);
	}
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0) ckpt_dump("log", self->log, 2048);
	EXPECT_TRUE(log_says(self->log, "outside the checkpoint"))
		ckpt_dump("log", self->log, 2048);
}

TEST_HARNESS_MAIN
