// SPDX-License-Identifier: GPL-2.0
/*
 * Files and per-task state across checkpoint/restart: the fd table
 * (offsets, access modes, O_APPEND, shared and separate open files,
 * close-on-exec, high fd numbers, directories, devices), cwd and umask,
 * and rlimits, comm, personality and the whole signal state (handlers,
 * blocked and pending signals with their siginfo, sigaltstack).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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

#define SEED_DATA	0xda7ada7ada7ada7aULL
#define DATA_LEN	8192
#define MAX_FDS		64
/* The kernel's O_LARGEFILE, forced on every open on 64-bit */
#define K_O_LARGEFILE	0100000

/* The content of data.bin */
static uint8_t file_data[DATA_LEN] __attribute__((aligned(8)));

static struct {
	const char *out, *img, *log, *data, *append, *ro, *wo, *dir, *sub;
	pid_t worker_pid;
	int first_error;
} P;

static void fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ckpt_report("FAIL (%d): %s", code, buf);
	if (!P.first_error)
		P.first_error = code;
}

static int open_img_log(int *imgfd, int *logfd)
{
	*imgfd = open(P.img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	*logfd = open(P.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	return *imgfd < 0 || *logfd < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The fd table, cwd and umask                                        */

struct fd_snap {
	int fd, fdflags, flflags;
	off_t pos;
	struct stat st;
	char link[256];
};

struct fd_table_snap {
	int nr;
	struct fd_snap fds[MAX_FDS];
};

static int snap_fds(struct fd_table_snap *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int skip, i, j;

	if (!d)
		return -1;
	skip = dirfd(d);
	s->nr = 0;
	while ((de = readdir(d))) {
		struct fd_snap *f;
		char path[64];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		if (atoi(de->d_name) == skip)
			continue;
		if (s->nr == MAX_FDS)
			break;
		f = &s->fds[s->nr++];
		memset(f, 0, sizeof(*f));
		f->fd = atoi(de->d_name);
		f->fdflags = fcntl(f->fd, F_GETFD);
		f->flflags = fcntl(f->fd, F_GETFL);
		f->pos = lseek(f->fd, 0, SEEK_CUR);
		fstat(f->fd, &f->st);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
		n = readlink(path, f->link, sizeof(f->link) - 1);
		if (n > 0)
			f->link[n] = 0;
	}
	closedir(d);
	/* sort by fd */
	for (i = 1; i < s->nr; i++)
		for (j = i; j > 0 && s->fds[j - 1].fd > s->fds[j].fd; j--) {
			struct fd_snap t = s->fds[j];

			s->fds[j] = s->fds[j - 1];
			s->fds[j - 1] = t;
		}
	return 0;
}

/* Compare two snapshots; offsets of @nopos fds are not compared */
static int compare_fds(const struct fd_table_snap *a,
		       const struct fd_table_snap *b, const int *nopos,
		       int nr_nopos, int quiet)
{
	int i, k, bad = 0;

	if (a->nr != b->nr) {
		if (!quiet) {
			ckpt_report("%d fds before checkpoint, %d after", a->nr,
				    b->nr);
			for (i = 0; i < a->nr; i++)
				ckpt_report("  before: fd %d -> %s", a->fds[i].fd,
					    a->fds[i].link);
			for (i = 0; i < b->nr; i++)
				ckpt_report("  after:  fd %d -> %s", b->fds[i].fd,
					    b->fds[i].link);
		}
		return 1;
	}
	for (i = 0; i < a->nr; i++) {
		const struct fd_snap *x = &a->fds[i], *y = &b->fds[i];
		int cmp_pos = 1;
		int mask = ~(K_O_LARGEFILE | O_CLOEXEC);

		for (k = 0; k < nr_nopos; k++)
			if (x->fd == nopos[k])
				cmp_pos = 0;
		if (x->fd != y->fd) {
			if (!quiet)
				ckpt_report("fd %d before, fd %d after", x->fd, y->fd);
			return 1;
		}
		if (x->fdflags != y->fdflags || (x->flflags & mask) != (y->flflags & mask) ||
		    (cmp_pos && x->pos != y->pos) || x->st.st_dev != y->st.st_dev ||
		    x->st.st_ino != y->st.st_ino || x->st.st_mode != y->st.st_mode ||
		    x->st.st_rdev != y->st.st_rdev || strcmp(x->link, y->link)) {
			if (!quiet)
				ckpt_report("fd %d: before: fd flags %#x, flags %#o, pos %lld, dev %#llx ino %llu mode %o rdev %#llx, %s\n"
					    "      after:  fd flags %#x, flags %#o, pos %lld, dev %#llx ino %llu mode %o rdev %#llx, %s",
					    x->fd, x->fdflags, x->flflags,
					    (long long)x->pos,
					    (unsigned long long)x->st.st_dev,
					    (unsigned long long)x->st.st_ino,
					    x->st.st_mode,
					    (unsigned long long)x->st.st_rdev,
					    x->link, y->fdflags, y->flflags,
					    (long long)y->pos,
					    (unsigned long long)y->st.st_dev,
					    (unsigned long long)y->st.st_ino,
					    y->st.st_mode,
					    (unsigned long long)y->st.st_rdev,
					    y->link);
			bad++;
		}
	}
	return bad;
}

enum {
	E_FDTABLE = 1, E_OFFSET, E_SHARED_POS, E_SEPARATE_POS, E_RDWR,
	E_APPEND, E_RDONLY, E_WRONLY, E_DIR, E_CLOEXEC, E_CWD, E_UMASK,
	E_DEVNULL, E_DEVZERO, E_URANDOM, E_SELFTEST_FD,
};

static struct fd_table_snap fds_before, fds_after;
static char cwd_before[PATH_MAX];
static struct {
	int img, log, a, f, h200, j, b, c, d, dir, g, gdup, g300, null, zero,
	    urandom;
} FD;

static void check_fd_table(void)
{
	int nopos[4] = { 1, 2, FD.img, FD.log };
	char buf[256], cwd[PATH_MAX];
	uint64_t data[DATA_LEN / 8];
	struct stat st;
	mode_t mask;
	int fd, n, found;

	/* 1. generic: the same fds on the same files with the same state */
	if (snap_fds(&fds_after))
		fail(E_FDTABLE, "cannot list /proc/self/fd");
	else if (compare_fds(&fds_before, &fds_after, nopos, 4, 0))
		fail(E_FDTABLE, "fd table differs");

	/* 2. offsets, and which fds share an open file */
	if (lseek(FD.a, 0, SEEK_CUR) != 1100)
		fail(E_OFFSET, "offset %lld, expected 1100",
		     (long long)lseek(FD.a, 0, SEEK_CUR));
	if (read(FD.a, data, 100) != 100 || memcmp(data, file_data + 1100, 100))
		fail(E_OFFSET, "reading on from offset 1100 gives other data");
	if (lseek(FD.f, 0, SEEK_CUR) != 1200 || lseek(FD.h200, 0, SEEK_CUR) != 1200)
		fail(E_SHARED_POS, "dup()ed fds no longer share the offset: %lld %lld",
		     (long long)lseek(FD.f, 0, SEEK_CUR),
		     (long long)lseek(FD.h200, 0, SEEK_CUR));
	if (lseek(FD.j, 0, SEEK_CUR) != 50)
		fail(E_SEPARATE_POS, "a separate open of the same file moved to %lld",
		     (long long)lseek(FD.j, 0, SEEK_CUR));
	if (read(FD.j, data, 64) != 64 || memcmp(data, file_data + 50, 64))
		fail(E_SEPARATE_POS, "reading the separate open at 50 gives other data");
	/* O_RDWR: write through one open file, read through the other */
	if (pwrite(FD.a, "12345678", 8, 4000) != 8 ||
	    pread(FD.j, buf, 8, 4000) != 8 || memcmp(buf, "12345678", 8))
		fail(E_RDWR, "O_RDWR fd cannot write: %s", strerror(errno));

	/* 3. access modes */
	if (!(fcntl(FD.b, F_GETFL) & O_APPEND) ||
	    (fcntl(FD.b, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail(E_APPEND, "O_WRONLY|O_APPEND lost: flags %#o", fcntl(FD.b, F_GETFL));
	lseek(FD.b, 0, SEEK_SET);
	if (write(FD.b, "def", 3) != 3)
		fail(E_APPEND, "write to the O_APPEND fd: %s", strerror(errno));
	fd = open(P.append, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (n != 6 || memcmp(buf, "abcdef", 6))
		fail(E_APPEND, "O_APPEND file holds %d bytes '%.*s', expected 'abcdef'",
		     n, n > 0 ? n : 0, buf);
	if (fd >= 0)
		close(fd);

	if ((fcntl(FD.c, F_GETFL) & O_ACCMODE) != O_RDONLY ||
	    !(fcntl(FD.c, F_GETFL) & O_NONBLOCK))
		fail(E_RDONLY, "O_RDONLY|O_NONBLOCK lost: flags %#o", fcntl(FD.c, F_GETFL));
	errno = 0;
	if (write(FD.c, "x", 1) != -1 || errno != EBADF)
		fail(E_RDONLY, "write to an O_RDONLY fd: errno %d, expected EBADF", errno);
	if (pread(FD.c, buf, 15, 0) != 15 || memcmp(buf, "read-only file\n", 15))
		fail(E_RDONLY, "O_RDONLY fd cannot read");

	errno = 0;
	if (read(FD.d, buf, 1) != -1 || errno != EBADF)
		fail(E_WRONLY, "read from an O_WRONLY fd: errno %d, expected EBADF", errno);
	if (write(FD.d, "uvw", 3) != 3)
		fail(E_WRONLY, "write to the O_WRONLY fd: %s", strerror(errno));

	/* 4. a directory fd */
	if (fstat(FD.dir, &st) || !S_ISDIR(st.st_mode))
		fail(E_DIR, "directory fd is not a directory");
	fd = openat(FD.dir, "inner.txt", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (n != 6 || memcmp(buf, "inner\n", 6))
		fail(E_DIR, "openat() relative to the directory fd: %s",
		     fd < 0 ? strerror(errno) : "wrong content");
	if (fd >= 0)
		close(fd);
	found = 0;
	for (;;) {
		char dents[4096];
		long nread = syscall(SYS_getdents64, FD.dir, dents, sizeof(dents));
		long off;

		if (nread <= 0)
			break;
		for (off = 0; off < nread;) {
			struct dirent64 *de = (void *)(dents + off);

			if (!strcmp(de->d_name, "inner.txt"))
				found = 1;
			off += de->d_reclen;
		}
	}
	if (!found)
		fail(E_DIR, "getdents64 on the directory fd does not list inner.txt");

	/* 5. close-on-exec, per fd */
	if (!(fcntl(FD.g, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(FD.gdup, F_GETFD) & FD_CLOEXEC) ||
	    !(fcntl(FD.g300, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(FD.a, F_GETFD) & FD_CLOEXEC))
		fail(E_CLOEXEC, "FD_CLOEXEC: %d %d %d %d, expected 1 0 1 0",
		     fcntl(FD.g, F_GETFD), fcntl(FD.gdup, F_GETFD),
		     fcntl(FD.g300, F_GETFD), fcntl(FD.a, F_GETFD));

	/* 6. cwd and umask */
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, cwd_before))
		fail(E_CWD, "cwd '%s', was '%s'", cwd, cwd_before);
	fd = open("rel.txt", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (n != 9 || memcmp(buf, "relative\n", 9))
		fail(E_CWD, "relative open: %s", fd < 0 ? strerror(errno) : "wrong content");
	if (fd >= 0)
		close(fd);
	mask = umask(0);
	umask(mask);
	if (mask != 027)
		fail(E_UMASK, "umask %03o, expected 027", mask);

	/* 7. devices */
	if (fstat(FD.null, &st) || st.st_rdev != makedev(1, 3) ||
	    write(FD.null, "12345", 5) != 5 || read(FD.null, buf, 5) != 0)
		fail(E_DEVNULL, "/dev/null fd does not behave");
	memset(buf, 1, 16);
	if (fstat(FD.zero, &st) || st.st_rdev != makedev(1, 5) ||
	    read(FD.zero, buf, 16) != 16 || ckpt_check_zero(buf, 16) >= 0)
		fail(E_DEVZERO, "/dev/zero fd does not behave");
	if (fstat(FD.urandom, &st) || st.st_rdev != makedev(1, 9) ||
	    read(FD.urandom, buf, 16) != 16)
		fail(E_URANDOM, "/dev/urandom fd does not behave");

	/* 8. the comparison can fail */
	if (!P.first_error) {
		fds_after.fds[3].fdflags ^= FD_CLOEXEC;
		if (!compare_fds(&fds_before, &fds_after, nopos, 4, 1))
			fail(E_SELFTEST_FD, "fd comparison missed a flag");
		fds_after.fds[3].fdflags ^= FD_CLOEXEC;
		fds_after.nr--;
		if (!compare_fds(&fds_before, &fds_after, nopos, 4, 1))
			fail(E_SELFTEST_FD, "fd comparison missed a missing fd");
	}
}

static void __attribute__((noreturn)) fd_worker(void)
{
	uint64_t buf[16];
	long ret;

	if (ckpt_isolate(P.out) || open_img_log(&FD.img, &FD.log))
		_exit(CKPT_EXIT_SETUP);

	FD.a = open(P.data, O_RDWR);
	if (FD.a < 0 || lseek(FD.a, 1000, SEEK_SET) != 1000 ||
	    read(FD.a, buf, 100) != 100)
		_exit(CKPT_EXIT_SETUP);
	FD.f = dup(FD.a);
	FD.h200 = dup2(FD.a, 200);
	FD.j = open(P.data, O_RDONLY);
	FD.b = open(P.append, O_WRONLY | O_APPEND);
	FD.c = open(P.ro, O_RDONLY | O_NONBLOCK);
	FD.d = open(P.wo, O_WRONLY);
	FD.dir = open(P.dir, O_RDONLY | O_DIRECTORY);
	FD.g = open(P.data, O_RDONLY | O_CLOEXEC);
	FD.gdup = dup(FD.g);
	FD.g300 = fcntl(FD.g, F_DUPFD_CLOEXEC, 300);
	FD.null = open("/dev/null", O_RDWR);
	FD.zero = open("/dev/zero", O_RDONLY);
	FD.urandom = open("/dev/urandom", O_RDONLY);
	if (FD.f < 0 || FD.h200 != 200 || FD.j < 0 || FD.b < 0 || FD.c < 0 ||
	    FD.d < 0 || FD.dir < 0 || FD.g < 0 || FD.gdup < 0 ||
	    FD.g300 != 300 || FD.null < 0 || FD.zero < 0 || FD.urandom < 0) {
		ckpt_report("opening the test fds: %s", strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
	if (lseek(FD.j, 50, SEEK_SET) != 50 || write(FD.b, "abc", 3) != 3 ||
	    write(FD.d, "xyz", 3) != 3 || chdir(P.sub) ||
	    !getcwd(cwd_before, sizeof(cwd_before)))
		_exit(CKPT_EXIT_SETUP);
	umask(027);
	if (snap_fds(&fds_before))
		_exit(CKPT_EXIT_SETUP);

	ret = ckpt_self(FD.img, FD.log);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	check_fd_table();
	_exit(P.first_error);
}

/* ------------------------------------------------------------------ */
/* rlimits, comm, personality, signals                                */

struct ksigaction {
	unsigned long handler, flags, restorer;
	uint64_t mask;
};

#define NSIG_MAX	64
#define ALTSTACK_LEN	(64 << 10)
#define PERSONA		(PER_LINUX | ADDR_NO_RANDOMIZE)

struct task_snap {
	struct rlimit rlim[RLIM_NLIMITS];
	struct ksigaction act[NSIG_MAX + 1];
	sigset_t blocked, pending;
	stack_t altstack;
	char comm[16];
	int persona;
};

static struct task_snap task_before, task_after;
static char altstack[ALTSTACK_LEN] __attribute__((aligned(16)));

/* Signals as delivered, in order */
struct delivery {
	int signo, code, value;
	pid_t pid;
	int on_altstack, sigint_blocked;
};

static struct delivery got[8];
static volatile int nr_got;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	struct delivery *d;
	sigset_t cur;
	char here;

	(void)uc;
	if (nr_got >= 8)
		return;
	d = &got[nr_got++];
	d->signo = sig;
	d->code = si->si_code;
	d->value = si->si_value.sival_int;
	d->pid = si->si_pid;
	d->on_altstack = &here >= altstack && &here < altstack + ALTSTACK_LEN;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	d->sigint_blocked = sigismember(&cur, SIGINT);
}

static int snap_task(struct task_snap *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < RLIM_NLIMITS; i++)
		if (getrlimit(i, &s->rlim[i]))
			return -1;
	for (i = 1; i <= NSIG_MAX; i++)
		if (syscall(SYS_rt_sigaction, i, NULL, &s->act[i], 8))
			return -1;
	if (sigprocmask(SIG_BLOCK, NULL, &s->blocked) || sigpending(&s->pending) ||
	    sigaltstack(NULL, &s->altstack) ||
	    prctl(PR_GET_NAME, s->comm, 0, 0, 0))
		return -1;
	s->persona = personality(0xffffffff);
	return 0;
}

enum {
	E_RLIMIT = 1, E_COMM, E_PERSONA, E_SIGACTION, E_BLOCKED, E_PENDING,
	E_ALTSTACK, E_IGNORED, E_DELIVERY, E_SNAP, E_SELFTEST_TASK,
};

static int sigset_equal(const sigset_t *a, const sigset_t *b)
{
	int i;

	for (i = 1; i <= NSIG_MAX; i++)
		if (sigismember(a, i) != sigismember(b, i))
			return 0;
	return 1;
}

static void describe_set(const char *what, const sigset_t *s)
{
	char buf[256];
	int i, n = 0;

	buf[0] = 0;
	for (i = 1; i <= NSIG_MAX; i++)
		if (sigismember(s, i) == 1)
			n += snprintf(buf + n, sizeof(buf) - n, " %d", i);
	ckpt_report("%s:%s", what, buf);
}

static int compare_task(const struct task_snap *a, const struct task_snap *b,
			int quiet)
{
	int i, first = 0;

#define BAD(code, ...) do {				\
		if (!quiet)				\
			fail(code, __VA_ARGS__);	\
		if (!first)				\
			first = code;			\
	} while (0)

	for (i = 0; i < RLIM_NLIMITS; i++)
		if (a->rlim[i].rlim_cur != b->rlim[i].rlim_cur ||
		    a->rlim[i].rlim_max != b->rlim[i].rlim_max)
			BAD(E_RLIMIT, "rlimit %d: %llu/%llu, was %llu/%llu", i,
			    (unsigned long long)b->rlim[i].rlim_cur,
			    (unsigned long long)b->rlim[i].rlim_max,
			    (unsigned long long)a->rlim[i].rlim_cur,
			    (unsigned long long)a->rlim[i].rlim_max);
	if (strcmp(a->comm, b->comm))
		BAD(E_COMM, "comm '%s', was '%s'", b->comm, a->comm);
	if (a->persona != b->persona)
		BAD(E_PERSONA, "personality %#x, was %#x", b->persona, a->persona);
	for (i = 1; i <= NSIG_MAX; i++)
		if (memcmp(&a->act[i], &b->act[i], sizeof(a->act[i])))
			BAD(E_SIGACTION, "signal %d: handler %#lx flags %#lx restorer %#lx mask %#llx, was %#lx %#lx %#lx %#llx",
			    i, b->act[i].handler, b->act[i].flags,
			    b->act[i].restorer, (unsigned long long)b->act[i].mask,
			    a->act[i].handler, a->act[i].flags,
			    a->act[i].restorer, (unsigned long long)a->act[i].mask);
	if (!sigset_equal(&a->blocked, &b->blocked)) {
		BAD(E_BLOCKED, "blocked signals differ");
		if (!quiet) {
			describe_set("  blocked before", &a->blocked);
			describe_set("  blocked after ", &b->blocked);
		}
	}
	if (!sigset_equal(&a->pending, &b->pending)) {
		BAD(E_PENDING, "pending signals differ");
		if (!quiet) {
			describe_set("  pending before", &a->pending);
			describe_set("  pending after ", &b->pending);
		}
	}
	if (a->altstack.ss_sp != b->altstack.ss_sp ||
	    a->altstack.ss_size != b->altstack.ss_size ||
	    a->altstack.ss_flags != b->altstack.ss_flags)
		BAD(E_ALTSTACK, "sigaltstack %p+%zu flags %d, was %p+%zu flags %d",
		    b->altstack.ss_sp, b->altstack.ss_size, b->altstack.ss_flags,
		    a->altstack.ss_sp, a->altstack.ss_size, a->altstack.ss_flags);
#undef BAD
	return first;
}

static void check_task(void)
{
	int rt = SIGRTMIN + 1, i;
	struct task_snap copy;
	sigset_t all;

	if (snap_task(&task_after)) {
		fail(E_SNAP, "cannot read the task state: %s", strerror(errno));
		return;
	}
	compare_task(&task_before, &task_after, 0);
	/* and the values set, in case the worker's snapshot was wrong */
	if (task_after.rlim[RLIMIT_NOFILE].rlim_cur != 400 ||
	    task_after.rlim[RLIMIT_NOFILE].rlim_max != 900 ||
	    task_after.rlim[RLIMIT_CORE].rlim_cur != 4096 ||
	    task_after.rlim[RLIMIT_CORE].rlim_max != 8192)
		fail(E_RLIMIT, "RLIMIT_NOFILE/RLIMIT_CORE not the values set");
	if (strcmp(task_after.comm, "ckpt-files"))
		fail(E_COMM, "comm '%s'", task_after.comm);
	if (task_after.persona != PERSONA)
		fail(E_PERSONA, "personality %#x, expected %#x",
		     task_after.persona, PERSONA);
	if (task_after.act[SIGUSR2].handler != (unsigned long)SIG_IGN)
		fail(E_SIGACTION, "SIGUSR2 not ignored");
	if (sigismember(&task_after.pending, SIGUSR1) != 1 ||
	    sigismember(&task_after.pending, rt) != 1)
		fail(E_PENDING, "SIGUSR1 or SIGRTMIN+1 not pending");

	/* an ignored signal stays ignored */
	kill(getpid(), SIGUSR2);

	/* unblock: SIGUSR1, then both SIGRTMIN+1 in order */
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, rt);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (nr_got != 3) {
		fail(E_DELIVERY, "%d signals delivered, expected 3", nr_got);
	} else {
		if (got[0].signo != SIGUSR1 || got[0].code != SI_USER ||
		    got[0].pid != P.worker_pid || !got[0].on_altstack ||
		    !got[0].sigint_blocked)
			fail(E_DELIVERY, "first delivery: signal %d code %d pid %d (worker %d) altstack %d SIGINT blocked %d",
			     got[0].signo, got[0].code, got[0].pid, P.worker_pid,
			     got[0].on_altstack, got[0].sigint_blocked);
		for (i = 1; i <= 2; i++)
			if (got[i].signo != rt || got[i].code != SI_QUEUE ||
			    got[i].value != i || got[i].pid != P.worker_pid ||
			    got[i].on_altstack)
				fail(E_DELIVERY, "delivery %d: signal %d code %d value %d pid %d altstack %d, expected %d SI_QUEUE %d %d 0",
				     i, got[i].signo, got[i].code, got[i].value,
				     got[i].pid, got[i].on_altstack, rt, i,
				     P.worker_pid);
	}
	if (sigpending(&all) == 0 && !sigisemptyset(&all))
		fail(E_DELIVERY, "signals still pending after delivery");

	/* the comparison can fail */
	if (!P.first_error) {
		copy = task_after;
		copy.act[SIGUSR1].flags ^= SA_RESTART;
		if (compare_task(&task_before, &copy, 1) != E_SIGACTION)
			fail(E_SELFTEST_TASK, "task comparison missed SA_RESTART");
		copy = task_after;
		sigdelset(&copy.pending, rt);
		if (compare_task(&task_before, &copy, 1) != E_PENDING)
			fail(E_SELFTEST_TASK, "task comparison missed a pending signal");
	}
}

static void __attribute__((noreturn)) task_worker(void)
{
	struct rlimit nofile = { 400, 900 }, core = { 4096, 8192 };
	struct sigaction sa = { .sa_sigaction = on_signal };
	stack_t ss = { .ss_sp = altstack, .ss_size = ALTSTACK_LEN };
	int imgfd, logfd, rt = SIGRTMIN + 1;
	sigset_t block;
	long ret;

	if (ckpt_isolate(P.out) || open_img_log(&imgfd, &logfd))
		_exit(CKPT_EXIT_SETUP);
	P.worker_pid = getpid();
	if (setrlimit(RLIMIT_NOFILE, &nofile) || setrlimit(RLIMIT_CORE, &core) ||
	    prctl(PR_SET_NAME, "ckpt-files", 0, 0, 0) ||
	    personality(PERSONA) == -1 || personality(0xffffffff) != PERSONA) {
		ckpt_report("rlimit/comm/personality: %s", strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}

	if (sigaltstack(&ss, NULL))
		_exit(CKPT_EXIT_SETUP);
	/* SIGUSR1: on the altstack, blocking SIGINT, SIGUSR2, SIGRTMIN+1 */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, rt);
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(CKPT_EXIT_SETUP);
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(rt, &sa, NULL) || signal(SIGUSR2, SIG_IGN) == SIG_ERR)
		_exit(CKPT_EXIT_SETUP);

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, rt);
	if (sigprocmask(SIG_BLOCK, &block, NULL) ||
	    kill(getpid(), SIGUSR1) ||
	    sigqueue(getpid(), rt, (union sigval){ .sival_int = 1 }) ||
	    sigqueue(getpid(), rt, (union sigval){ .sival_int = 2 }))
		_exit(CKPT_EXIT_SETUP);
	if (snap_task(&task_before))
		_exit(CKPT_EXIT_SETUP);

	ret = ckpt_self(imgfd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	check_task();
	_exit(P.first_error);
}

/* ------------------------------------------------------------------ */

FIXTURE(files) {
	struct ckpt_env env;
};

FIXTURE_SETUP(files)
{
	char *p;

	ASSERT_EQ(ckpt_env_init(&self->env, "files"), 0);
	P.out = ckpt_path(&self->env, "worker.out");
	P.img = ckpt_path(&self->env, "image");
	P.log = ckpt_path(&self->env, "log");
	P.data = ckpt_path(&self->env, "data.bin");
	P.append = ckpt_path(&self->env, "append.txt");
	P.ro = ckpt_path(&self->env, "ro.txt");
	P.wo = ckpt_path(&self->env, "wo.txt");
	P.dir = ckpt_path(&self->env, "dir");
	P.sub = ckpt_path(&self->env, "dir/sub");

	ckpt_fill_off(file_data, DATA_LEN, 0, SEED_DATA);
	ASSERT_EQ(ckpt_write_file(P.data, file_data, DATA_LEN), 0);
	ASSERT_EQ(ckpt_write_file(P.append, "", 0), 0);
	ASSERT_EQ(ckpt_write_file(P.ro, "read-only file\n", 15), 0);
	ASSERT_EQ(ckpt_write_file(P.wo, "", 0), 0);
	ASSERT_EQ(mkdir(P.dir, 0755), 0);
	ASSERT_EQ(mkdir(P.sub, 0755), 0);
	p = ckpt_path(&self->env, "dir/inner.txt");
	ASSERT_EQ(ckpt_write_file(p, "inner\n", 6), 0);
	free(p);
	p = ckpt_path(&self->env, "dir/sub/rel.txt");
	ASSERT_EQ(ckpt_write_file(p, "relative\n", 9), 0);
	free(p);
}

FIXTURE_TEARDOWN_PARENT(files)
{
	ckpt_env_fini(&self->env);
}

/* Run a worker to its checkpoint, restart it, return the wait status */
static int run(struct __test_metadata *_metadata, FIXTURE_DATA(files) *self,
	       void (*worker)(void))
{
	int status;
	pid_t pid = ckpt_fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		worker();
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", P.out, 4096);
		ckpt_dump("log", P.log, 4096);
		TH_LOG("worker %s, expected exit %d", ckpt_status_str(status),
		       CKPT_EXIT_CHECKPOINTED);
		return -1;
	}
	pid = ckpt_start_restarter(P.img, -1, P.log, 0);
	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("worker+restored", P.out, 16384);
		ckpt_dump("log", P.log, 4096);
		TH_LOG("restored task %s", ckpt_status_str(status));
	}
	return status;
}

TEST_F_TIMEOUT(files, fd_table_cwd_umask, 60)
{
	char *buf;
	int status = run(_metadata, self, fd_worker);

	ASSERT_NE(status, -1) TH_LOG("no image to restart");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("restored task failed check %d (enum in test_files.c)",
		       WEXITSTATUS(status));
	/* what the restored task wrote is in the files */
	buf = ckpt_slurp(P.append, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_STREQ(buf, "abcdef");
	free(buf);
	buf = ckpt_slurp(P.wo, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_STREQ(buf, "xyzuvw");
	free(buf);
}

TEST_F_TIMEOUT(files, rlimits_comm_personality_signals, 60)
{
	int status = run(_metadata, self, task_worker);

	ASSERT_NE(status, -1) TH_LOG("no image to restart");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("restored task failed check %d (enum in test_files.c)",
		       WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
