// SPDX-License-Identifier: GPL-2.0
/*
 * File locks across checkpoint/restart: flock() locks, OFD locks and
 * POSIX record locks held by the checkpointed task are held again by
 * the restored one, as another process sees them (flock LOCK_NB,
 * F_GETLK, F_OFD_GETLK, /proc/locks), with the restored task's pid;
 * they are released as before.  A lock that someone else holds at
 * restart makes it fail with EBUSY.
 *
 * Leases: a read lease (broken with SIGIO) and a write lease (broken
 * with the F_SETSIG signal) are held again after restart (F_GETLEASE,
 * F_GETSIG, /proc/locks), and they work: another process's open()
 * breaks each, the restored task gets the signal (with the lease's fd
 * for F_SETSIG), releases the lease and the open() goes on.  A lease
 * being broken makes checkpoint fail with EOPNOTSUPP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
/* setup and verify callbacks share one signature */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "ckpt_util.h"
#include <linux/checkpoint_hdr.h>

FIXTURE(locks) {
	struct ckpt_env env;
	struct ckpt_round r;
	char *f, *g, *h;
};

FIXTURE_SETUP(locks)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "locks"), 0);
	ckpt_round_init(&self->r, &self->env, NULL, NULL, self);
	self->f = ckpt_path(&self->env, "flocked");
	self->g = ckpt_path(&self->env, "ranges");
	self->h = ckpt_path(&self->env, "shared");
	ASSERT_EQ(ckpt_write_file(self->f, "f", 1), 0);
	ASSERT_EQ(ckpt_write_file(self->g, "g", 1), 0);
	ASSERT_EQ(ckpt_write_file(self->h, "h", 1), 0);
}

FIXTURE_TEARDOWN_PARENT(locks)
{
	ckpt_env_fini(&self->env);
}

static int first_error;

static void fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ckpt_report("FAIL (%d): %s", code, buf);
	if (!first_error)
		first_error = code;
}

#define FD_F		10	/* flock LOCK_EX */
#define FD_G		11	/* POSIX: write 0-99, read 200-EOF */
#define FD_G2		12	/* another file of g: OFD write 100-149 */
#define FD_H		13	/* flock LOCK_SH */
#define FD_G3		14	/* dup of FD_G2 */

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

/* The conflicting lock F_GETLK / F_OFD_GETLK finds: l_type, l_pid */
static int getlk(int fd, int cmd, short type, off_t start, off_t len, pid_t *pid)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len,
	};

	if (fcntl(fd, cmd, &fl))
		return -1;
	*pid = fl.l_pid;
	return fl.l_type;
}

static int open_at(const char *path, int flags, int fd)
{
	int f = open(path, flags);

	if (f < 0 || dup2(f, fd) != fd)
		return -1;
	close(f);
	return 0;
}

static int lk_setup(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;

	if (open_at(self->f, O_RDWR, FD_F) || open_at(self->g, O_RDWR, FD_G) ||
	    open_at(self->g, O_RDWR, FD_G2) || open_at(self->h, O_RDONLY, FD_H) ||
	    dup2(FD_G2, FD_G3) != FD_G3)
		return CKPT_EXIT_SETUP;
	if (flock(FD_F, LOCK_EX | LOCK_NB) || flock(FD_H, LOCK_SH | LOCK_NB) ||
	    setlk(FD_G, F_SETLK, F_WRLCK, 0, 100) ||
	    setlk(FD_G, F_SETLK, F_RDLCK, 200, 0) ||
	    setlk(FD_G2, F_OFD_SETLK, F_WRLCK, 100, 50))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum {
	L_FLOCK = 1, L_FLOCK_SH, L_POSIX_W, L_POSIX_PID, L_POSIX_R, L_OFD,
	L_OFD_PID, L_FREE, L_PROC_LOCKS, L_CHILD, L_RELEASE,
};

/* In a child: what another process sees; exits with the first error */
static int probe(FIXTURE_DATA(locks) *self, pid_t holder)
{
	int f = open(self->f, O_RDWR), g = open(self->g, O_RDWR), h = open(self->h, O_RDONLY);
	pid_t pid = 0;
	int t;

	if (f < 0 || g < 0 || h < 0)
		return 80;
	if (!flock(f, LOCK_SH | LOCK_NB) || errno != EWOULDBLOCK)
		fail(L_FLOCK, "the flock LOCK_EX lock is not held");
	if (flock(h, LOCK_SH | LOCK_NB) || flock(h, LOCK_UN))
		fail(L_FLOCK_SH, "the flock LOCK_SH lock excludes a shared one");
	if (!flock(h, LOCK_EX | LOCK_NB) || errno != EWOULDBLOCK)
		fail(L_FLOCK_SH, "the flock LOCK_SH lock is not held");
	t = getlk(g, F_GETLK, F_RDLCK, 10, 1, &pid);
	if (t != F_WRLCK)
		fail(L_POSIX_W, "F_GETLK at 10: type %d, expected the write lock", t);
	else if (pid != holder)
		fail(L_POSIX_PID, "the POSIX lock's pid is %d, expected %d", pid, holder);
	t = getlk(g, F_GETLK, F_RDLCK, 300, 10, &pid);
	if (t != F_UNLCK)
		fail(L_POSIX_R, "F_GETLK read at 300: type %d, the read lock conflicts", t);
	t = getlk(g, F_GETLK, F_WRLCK, 1 << 30, 1, &pid);
	if (t != F_RDLCK || pid != holder)
		fail(L_POSIX_R, "F_GETLK write at 1G: type %d pid %d, expected the read lock", t, pid);
	t = getlk(g, F_OFD_GETLK, F_RDLCK, 120, 1, &pid);
	if (t != F_WRLCK)
		fail(L_OFD, "F_OFD_GETLK at 120: type %d, expected the OFD write lock", t);
	else if (pid != -1)
		fail(L_OFD_PID, "the OFD lock's pid is %d, expected -1", pid);
	t = getlk(g, F_GETLK, F_WRLCK, 150, 50, &pid);
	if (t != F_UNLCK)
		fail(L_FREE, "F_GETLK 150-199: type %d pid %d, expected free", t, pid);
	/* the holder's locks block ours */
	if (!setlk(g, F_SETLK, F_RDLCK, 0, 1) || (errno != EAGAIN && errno != EACCES))
		fail(L_POSIX_W, "a read lock at 0 was granted");
	return first_error;
}

/* The lines of /proc/locks of inode @ino with @what in them */
static int proc_locks(ino_t ino, const char *what)
{
	char *text = ckpt_slurp("/proc/locks", NULL), *line, *save = NULL;
	char key[64];
	int n = 0;

	if (!text)
		return -1;
	snprintf(key, sizeof(key), ":%llu ", (unsigned long long)ino);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, key) && strstr(line, what))
			n++;
	free(text);
	return n;
}

static int lk_verify(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;
	struct stat sf, sg;
	char mine[64];
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(probe(self, getppid()));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		fail(L_CHILD, "the probing child failed");
	else if (WEXITSTATUS(status))
		fail(WEXITSTATUS(status), "the probing child saw check %d fail",
		     WEXITSTATUS(status));

	if (stat(self->f, &sf) || stat(self->g, &sg))
		return 81;
	snprintf(mine, sizeof(mine), " %d ", getpid());
	if (proc_locks(sf.st_ino, "FLOCK  ADVISORY  WRITE") != 1 ||
	    proc_locks(sg.st_ino, "POSIX  ADVISORY  WRITE") != 1 ||
	    proc_locks(sg.st_ino, "POSIX  ADVISORY  READ") != 1 ||
	    proc_locks(sg.st_ino, "OFDLCK ADVISORY  WRITE") != 1 ||
	    proc_locks(sg.st_ino, mine) != 2) {
		char *text = ckpt_slurp("/proc/locks", NULL);

		fail(L_PROC_LOCKS, "/proc/locks (pid %d, inodes %llu %llu):\n%s", getpid(),
		     (unsigned long long)sf.st_ino, (unsigned long long)sg.st_ino, text);
		free(text);
	}

	/* they are ours: released as before */
	if (flock(FD_F, LOCK_UN) || setlk(FD_G, F_SETLK, F_UNLCK, 0, 0) ||
	    close(FD_G2) || proc_locks(sg.st_ino, "OFDLCK") != 1 || close(FD_G3) ||
	    proc_locks(sg.st_ino, "ADVISORY") != 0 || proc_locks(sf.st_ino, "ADVISORY"))
		fail(L_RELEASE, "the restored locks are not released as they should be");
	return first_error;
}

static int worker_run(FIXTURE_DATA(locks) *self, int (*setup)(void *), int (*verify)(void *))
{
	self->r.setup = setup;
	self->r.verify = verify;
	return ckpt_round_worker(&self->env, &self->r);
}

static int log_has(FIXTURE_DATA(locks) *self, const char *what)
{
	char *text = ckpt_slurp(self->r.log, NULL);
	int ret = text && strstr(text, what);

	if (!ret)
		fprintf(stderr, "# log has no \"%s\": %s\n", what, text ? text : "(none)");
	free(text);
	return ret;
}

/* The locks of the image's CKPT_HDR_FILE_LOCKS records, by kind */
static void count_locks(const char *path, int *nr)
{
	static struct ckpt_rec recs[4096];
	char err[256];
	size_t len;
	char *img = ckpt_slurp(path, &len);
	int n, i;
	uint32_t j;

	memset(nr, 0, 5 * sizeof(*nr));
	if (!img)
		return;
	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	for (i = 0; i < n && i < 4096; i++) {
		const struct ckpt_hdr_file_locks *h = (const void *)(img + recs[i].off);

		if (recs[i].type != CKPT_HDR_FILE_LOCKS)
			continue;
		for (j = 0; j < h->nr_locks; j++)
			if (h->locks[j].kind < 5)
				nr[h->locks[j].kind]++;
	}
	free(img);
}

#define ASSERT_CHECKPOINTED(self, rc) do {					\
	if ((rc) != CKPT_EXIT_CHECKPOINTED) {					\
		ckpt_dump("worker", (self)->r.out, 8192);				\
		ckpt_dump("log", (self)->r.log, 4096);				\
	}									\
	ASSERT_EQ((rc), CKPT_EXIT_CHECKPOINTED);				\
} while (0)

TEST_F_TIMEOUT(locks, held_again, 120)
{
	int rc = worker_run(self, lk_setup, lk_verify), nr[5];

	ASSERT_CHECKPOINTED(self, rc);
	count_locks(self->r.img, nr);
	EXPECT_EQ(nr[CKPT_LOCK_FLOCK], 2);
	EXPECT_EQ(nr[CKPT_LOCK_OFD], 1);
	EXPECT_EQ(nr[CKPT_LOCK_POSIX], 2);
	rc = ckpt_round_restart(&self->env, &self->r);
	if (rc) {
		ckpt_dump("restored task", self->r.out, 8192);
		ckpt_dump("log", self->r.log, 4096);
	}
	EXPECT_EQ(rc, 0) TH_LOG("restored task failed check %d", rc);
	/* the restored task is gone: so are its locks */
	{
		int fd = open(self->f, O_RDWR);

		EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
		close(fd);
	}
}

static int no_verify(void *arg)
{
	return 99;
}

/* Someone else holds a conflicting lock at restart: EBUSY, logged */
static void conflict(struct __test_metadata *_metadata, FIXTURE_DATA(locks) *self,
		     int kind)
{
	int rc = worker_run(self, lk_setup, no_verify), fd;

	ASSERT_CHECKPOINTED(self, rc);
	fd = open(kind == CKPT_LOCK_FLOCK ? self->f : self->g, O_RDWR);
	ASSERT_GE(fd, 0);
	if (kind == CKPT_LOCK_FLOCK) {
		ASSERT_EQ(flock(fd, LOCK_SH | LOCK_NB), 0);
	} else if (kind == CKPT_LOCK_OFD) {
		ASSERT_EQ(setlk(fd, F_OFD_SETLK, F_RDLCK, 140, 1), 0);
	} else {
		ASSERT_EQ(setlk(fd, F_SETLK, F_RDLCK, 50, 1), 0);
	}
	unlink(self->r.log);
	ckpt_restarter_quiet = 1;
	rc = ckpt_round_restart(&self->env, &self->r);
	ckpt_restarter_quiet = 0;
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + EBUSY);
	EXPECT_TRUE(log_has(self, "a conflicting lock is held"));
	/* nothing of the failed restart holds a lock */
	if (kind == CKPT_LOCK_FLOCK) {
		int g = open(self->g, O_RDWR);

		EXPECT_EQ(setlk(g, F_OFD_SETLK, F_WRLCK, 0, 0), 0);
		close(g);
	} else {
		int f = open(self->f, O_RDWR);

		EXPECT_EQ(flock(f, LOCK_EX | LOCK_NB), 0);
		close(f);
	}
	close(fd);
}

TEST_F_TIMEOUT(locks, flock_conflict, 120)
{
	conflict(_metadata, self, CKPT_LOCK_FLOCK);
}

TEST_F_TIMEOUT(locks, ofd_conflict, 120)
{
	conflict(_metadata, self, CKPT_LOCK_OFD);
}

TEST_F_TIMEOUT(locks, posix_conflict, 120)
{
	conflict(_metadata, self, CKPT_LOCK_POSIX);
}

#define LEASE_SIG	SIGUSR1	/* F_SETSIG of the write lease */

/* FD_H: a read lease, broken with SIGIO; FD_F: a write lease, with LEASE_SIG */
static int lease_setup(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;

	if (open_at(self->h, O_RDONLY, FD_H) || open_at(self->f, O_RDWR, FD_F))
		return CKPT_EXIT_SETUP;
	if (fcntl(FD_H, F_SETLEASE, F_RDLCK))
		return CKPT_EXIT_SKIP;
	if (fcntl(FD_F, F_SETSIG, LEASE_SIG) || fcntl(FD_F, F_SETLEASE, F_WRLCK))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum {
	L_GETLEASE_R = 20, L_GETLEASE_W, L_GETSIG, L_LEASE_PROC, L_SIGIO, L_SETSIG,
	L_OPENER, L_UNLEASE,
};

/*
 * Another process opens @path with @flags: the lease of @fd breaks,
 * current gets @sig (with si_fd @fd unless SIGIO), gives the lease up,
 * and the open() completes
 */
static void lease_break(const char *path, int flags, int fd, int sig, int code)
{
	struct timespec ts = { .tv_sec = 20 };
	siginfo_t si;
	sigset_t set;
	int status, got;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pid = fork();
	if (pid == 0) {
		int f = open(path, flags);

		_exit(f < 0 ? 1 : 0);
	}
	if (pid < 0) {
		fail(L_OPENER, "fork: %s", strerror(errno));
		return;
	}
	got = sigtimedwait(&set, &si, &ts);
	if (got != sig)
		fail(code, "fd %d: no lease-break signal %d: %s", fd, sig,
		     got < 0 ? strerror(errno) : "another one");
	else if (sig != SIGIO && si.si_fd != fd)
		fail(code, "lease-break signal %d for fd %d, not %d", sig, si.si_fd, fd);
	if (fcntl(fd, F_SETLEASE, F_UNLCK))
		fail(L_UNLEASE, "fd %d: F_SETLEASE F_UNLCK: %s", fd, strerror(errno));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail(L_OPENER, "the opener of %s failed", path);
}

static int lease_verify(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;
	struct stat sf, sh;
	sigset_t set;
	int t;

	t = fcntl(FD_H, F_GETLEASE);
	if (t != F_RDLCK)
		fail(L_GETLEASE_R, "F_GETLEASE of the read lease: %d", t);
	t = fcntl(FD_F, F_GETLEASE);
	if (t != F_WRLCK)
		fail(L_GETLEASE_W, "F_GETLEASE of the write lease: %d", t);
	t = fcntl(FD_F, F_GETSIG);
	if (t != LEASE_SIG)
		fail(L_GETSIG, "F_GETSIG of the write lease's file: %d", t);
	if (stat(self->f, &sf) || stat(self->h, &sh) ||
	    proc_locks(sh.st_ino, "LEASE  ACTIVE    READ") != 1 ||
	    proc_locks(sf.st_ino, "LEASE  ACTIVE    WRITE") != 1) {
		char *text = ckpt_slurp("/proc/locks", NULL);

		fail(L_LEASE_PROC, "/proc/locks:\n%s", text);
		free(text);
	}
	if (first_error)
		return first_error;

	/* the signals wait for sigtimedwait() */
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, LEASE_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* writing breaks a read lease, any open a write lease */
	lease_break(self->h, O_WRONLY, FD_H, SIGIO, L_SIGIO);
	lease_break(self->f, O_RDONLY, FD_F, LEASE_SIG, L_SETSIG);
	if (fcntl(FD_H, F_GETLEASE) != F_UNLCK || fcntl(FD_F, F_GETLEASE) != F_UNLCK)
		fail(L_UNLEASE, "a lease is still held");
	return first_error;
}

TEST_F_TIMEOUT(locks, lease_held_again, 120)
{
	int rc = worker_run(self, lease_setup, lease_verify), nr[5];

	if (rc == CKPT_EXIT_SKIP)
		SKIP(return, "no leases");
	ASSERT_CHECKPOINTED(self, rc);
	count_locks(self->r.img, nr);
	EXPECT_EQ(nr[CKPT_LOCK_LEASE], 2);
	EXPECT_EQ(nr[CKPT_LOCK_POSIX] + nr[CKPT_LOCK_FLOCK] + nr[CKPT_LOCK_OFD], 0);
	rc = ckpt_round_restart(&self->env, &self->r);
	if (rc) {
		ckpt_dump("restored task", self->r.out, 8192);
		ckpt_dump("log", self->r.log, 4096);
	}
	EXPECT_EQ(rc, 0) TH_LOG("restored task failed check %d", rc);
	/* the restored task is gone: so are its leases */
	{
		int fd = open(self->f, O_RDONLY);

		EXPECT_EQ(fcntl(fd, F_SETLEASE, F_WRLCK), 0);
		close(fd);
	}
}

/* A lease that an opener is breaking */
static int lease_breaking_setup(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;
	pid_t pid;

	signal(SIGIO, SIG_IGN);
	if (open_at(self->h, O_RDONLY, FD_H))
		return CKPT_EXIT_SETUP;
	if (fcntl(FD_H, F_SETLEASE, F_RDLCK))
		return CKPT_EXIT_SKIP;
	pid = fork();
	if (pid == 0) {
		/* blocks until the worker's exit drops the lease */
		int f = open(self->h, O_WRONLY);

		_exit(f < 0);
	}
	if (pid < 0)
		return CKPT_EXIT_SETUP;
	ckpt_msleep(300);
	return 0;
}

TEST_F_TIMEOUT(locks, lease_breaking_refused, 60)
{
	int rc = worker_run(self, lease_breaking_setup, no_verify);

	if (rc == CKPT_EXIT_SKIP)
		SKIP(return, "no leases");
	EXPECT_EQ(rc, CKPT_EXIT_CKPT_FAILED);
	EXPECT_TRUE(log_has(self, "a file lease being broken"));
}

/*
 * A leased file that no fd holds any more: in flight in a socketpair's
 * queue.  Its lease would be lost with the fd table's: refused.
 */
static int lease_in_flight_setup(void *arg)
{
	FIXTURE_DATA(locks) *self = arg;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int sv[2];

	if (open_at(self->h, O_RDONLY, FD_H))
		return CKPT_EXIT_SETUP;
	if (fcntl(FD_H, F_SETLEASE, F_RDLCK))
		return CKPT_EXIT_SKIP;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return CKPT_EXIT_SETUP;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &(int){ FD_H }, sizeof(int));
	if (sendmsg(sv[0], &msg, 0) != 1 || close(FD_H))
		return CKPT_EXIT_SETUP;
	return 0;
}

TEST_F_TIMEOUT(locks, lease_in_flight_refused, 60)
{
	int rc = worker_run(self, lease_in_flight_setup, no_verify);

	if (rc == CKPT_EXIT_SKIP)
		SKIP(return, "no leases");
	EXPECT_EQ(rc, CKPT_EXIT_CKPT_FAILED);
	EXPECT_TRUE(log_has(self, "a file lease on a file that no fd of the image holds"));
}

TEST_HARNESS_MAIN
