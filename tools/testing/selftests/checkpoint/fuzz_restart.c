// SPDX-License-Identifier: GPL-2.0
/*
 * A format-aware fuzzer of restart(2).
 *
 * It makes a small corpus of valid images by running self-checkpointing
 * workers (anonymous memory; files and a dup; pipes holding data; a
 * named FIFO holding data; pending signals with handlers; interval and
 * POSIX timers, one of them with its signal pending; eventfds, a
 * signalfd, timerfds and epolls, one nested in the other; a sealed
 * memfd, an unlinked file and file locks; Unix sockets: socketpairs
 * holding data, bound, listening and connecting sockets; inotify files
 * with watches and queued events; two ptys holding data, one the
 * session's controlling tty with /dev/tty open, the other locked in
 * packet mode), then, for a
 * number of iterations or
 * seconds from a fixed seed, takes a corpus image, mutates it knowing
 * the record structure of include/uapi/linux/checkpoint_hdr.h (record
 * types, lengths, counts, objrefs, addresses, flags, truncation,
 * duplication, removal and reordering of records, bit flips and byte
 * overwrites) and feeds the mutant from a memfd to
 * restart(0, fd, RESTART_TASKSELF, logfd) in a throwaway child.  The
 * "tree" corpus image (a process, a child with two threads and another
 * child) and the "pidns" one (a process that unshared CLONE_NEWPID, the
 * init of the nested namespace it forked and a task in a session and a
 * process group whose leaders died in that namespace: ghosts) go
 * through the tree builder instead: restart -i MUTANT,
 * which runs the coordinated restart (the kernel's multi-task path) in
 * a new pid namespace, inside a cgroup that is killed if it hangs.
 *
 * Every outcome must be one of: restart() returned -1 with an errno and
 * wrote exactly one log line; the child was killed with SIGKILL (after
 * the point of no return) with exactly one log line; the restored task
 * ran (it writes a marker and exits 0; a mutant may be valid), or died
 * or exited otherwise when the mutant changed the user state it runs
 * with (registers, memory, signals...).  A mutant that moves the task's
 * ip to another user address is restored with RESTART_FROZEN and killed
 * before its first instruction (see moves_ip()).  For a tree: the tool failed
 * with at most one kernel log line and no task of the tree left, or
 * the restored root ran.  Anything else is a finding: a hang, a missing
 * or doubled log line, an errno restart must not give, a restored task
 * that crashes although its user state was not touched, a task left
 * waiting in restart().
 * Kernel-side reports (oops, KASAN, UBSAN, lockdep, kmemleak) are caught
 * by the test runner in the console log.
 *
 *   fuzz_restart [-s SEED] [-n ITERS] [-t SECONDS] [-T TIMEOUT_S]
 *		  [-o DIR] [-c CORPUS,...] [-b] [-p] [-v] [-r IMAGE...]
 *   fuzz_restart -s SEED -R ITER [-c CORPUS,...]
 *
 * Environment: FUZZ_SEED, FUZZ_ITERS, FUZZ_SECONDS, FUZZ_CORPUS (options
 * win).  -c (FUZZ_CORPUS) names the corpus images to use (plain, files,
 * pipes, fifo, signals, timers, events, locks, unix, scm, inotify, pty,
 * tree, pidns, sysvipc; default all).
 * -o DIR keeps each finding's input (and a .txt describing it); -b
 * prints it base64 between "FUZZ-INPUT-BEGIN name" and "FUZZ-INPUT-END"
 * on stdout; -p prints "FUZZ-ITER N" before running mutant N, and
 * -R N only prints mutant N of the seed (base64, as -b) without running
 * anything: when a mutant panics the guest, a fresh guest recreates it
 * (address space randomization is turned off so that the corpus has the
 * same layout in every boot); -r replays the given images (after building the corpus, so
 * that the paths they name exist) instead of fuzzing.
 * Output is TAP: one test, "ok 1 fuzz_restart" when nothing was found.
 * Exit status 0, or 1 on any finding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/personality.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_util.h"
#include <linux/checkpoint_hdr.h>

#define DIR_PATH	"/tmp/fuzz-restart"
#define TREE_CGROUP	"/sys/fs/cgroup/fuzz-restart-tree"
#define MARKER		DIR_PATH "/restored-task-ran"
#define MAX_RECS	4096
#define MAX_FIELDS	8192
#define MAX_CORPUS	9

/* ---------------------------------------------------------------- */
/* Random numbers: splitmix64 */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)	/* 0 .. n-1 */
{
	return n ? rnd64() % n : 0;
}

/* ---------------------------------------------------------------- */
/* Workers: each puts itself in a state and checkpoints itself */

static void restored_task(void)
{
	int fd = open(MARKER, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd < 0 || write(fd, "ran\n", 4) != 4)
		_exit(2);
	_exit(0);
}

static long checkpoint_self_flags(const char *img, const char *log,
				  unsigned long flags)
{
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	long ret;

	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = checkpoint(0, fd, flags, logfd);
	close(fd);
	close(logfd);
	return ret;
}

static void checkpoint_self(const char *img, const char *log)
{
	long ret = checkpoint_self_flags(img, log, 0);

	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	restored_task();
}

static void w_plain(const char *img, const char *log)
{
	char *p = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 16 << 10, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *h = malloc(20000);

	if (p == MAP_FAILED || ro == MAP_FAILED || !h)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(p, 32 << 10, 1);	/* half of it untouched */
	ckpt_fill(ro, 8 << 10, 2);
	mprotect(ro, 16 << 10, PROT_READ);
	memset(h, 0x5a, 20000);
	checkpoint_self(img, log);
}

static void w_files(const char *img, const char *log)
{
	int fd = open(DIR_PATH "/data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int d = open(DIR_PATH, O_RDONLY | O_DIRECTORY);
	int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || d < 0 || z < 0 || write(fd, "0123456789", 10) != 10)
		_exit(CKPT_EXIT_SETUP);
	lseek(fd, 3, SEEK_SET);
	if (dup2(fd, 17) != 17 || dup(fd) < 0)
		_exit(CKPT_EXIT_SETUP);
	fcntl(17, F_SETFD, FD_CLOEXEC);
	umask(027);
	checkpoint_self(img, log);
}

static void w_pipes(const char *img, const char *log)
{
	int p[2], q[2], r[2];

	if (pipe(p) || pipe(q) || write(p[1], "hello pipe", 10) != 10 ||
	    write(p[1], "second", 6) != 6 || write(q[1], "x", 1) != 1)
		_exit(CKPT_EXIT_SETUP);
	close(q[1]);				/* write end closed */
	if (pipe2(r, O_DIRECT) == 0) {		/* packet mode */
		if (write(r[1], "pkt1", 4) != 4 || write(r[1], "pkt22", 5) != 5)
			_exit(CKPT_EXIT_SETUP);
	}
	checkpoint_self(img, log);
}

/* A named FIFO opened for reading, writing, both and O_PATH, with data */
static void w_fifo(const char *img, const char *log)
{
	const char *path = DIR_PATH "/fifo";
	int rd, wr, rw, op;

	unlink(path);
	if (mkfifo(path, 0600))
		_exit(CKPT_EXIT_SETUP);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	wr = open(path, O_WRONLY);
	rw = open(path, O_RDWR);
	op = open(path, O_PATH);
	if (rd < 0 || wr < 0 || rw < 0 || op < 0 ||
	    fcntl(wr, F_SETPIPE_SZ, 32768) < 0 ||
	    write(wr, "hello fifo", 10) != 10 || write(rw, "more", 4) != 4)
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

/* eventfds, a signalfd, timerfds and two epolls, one watching the other */
static void w_events(const char *img, const char *log)
{
	struct itimerspec rel = { .it_value = { 100, 0 }, .it_interval = { 1, 0 } };
	struct itimerspec abs = { .it_value = { 0, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	int efd, sem, sfd, trel, tabs, ep, inner, p[2];
	struct timespec now;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	clock_gettime(CLOCK_REALTIME, &now);
	abs.it_value.tv_sec = now.tv_sec + 1000;
	efd = eventfd(5, EFD_NONBLOCK);
	sem = eventfd(3, EFD_SEMAPHORE | EFD_CLOEXEC);
	sfd = signalfd(-1, &set, SFD_NONBLOCK);
	trel = timerfd_create(CLOCK_MONOTONIC, 0);
	tabs = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	ep = epoll_create1(0);
	inner = epoll_create1(EPOLL_CLOEXEC);
	if (efd < 0 || sem < 0 || sfd < 0 || trel < 0 || tabs < 0 || ep < 0 ||
	    inner < 0 || pipe(p) || write(p[1], "e", 1) != 1 ||
	    timerfd_settime(trel, 0, &rel, NULL) ||
	    timerfd_settime(tabs, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &abs, NULL))
		_exit(CKPT_EXIT_SETUP);
	ev.data.u64 = 1;
	if (epoll_ctl(inner, EPOLL_CTL_ADD, sem, &ev))
		_exit(CKPT_EXIT_SETUP);
	ev.data.u64 = 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev))
		_exit(CKPT_EXIT_SETUP);
	ev.data.u64 = 3;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		_exit(CKPT_EXIT_SETUP);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 4;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		_exit(CKPT_EXIT_SETUP);
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 5;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, trel, &ev))
		_exit(CKPT_EXIT_SETUP);
	ev.data.u64 = 6;
	if (epoll_ctl(inner, EPOLL_CTL_ADD, sfd, &ev))
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

/*
 * Files without a name and locks: a sealed memfd, a file opened and
 * then unlinked (with a hole, two files of it, a mapping), and flock,
 * OFD and POSIX locks and a read lease
 */
static void w_locks(const char *img, const char *log)
{
	const char *path = DIR_PATH "/unlinked", *lk = DIR_PATH "/locked";
	struct flock w = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
	struct flock o = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 20 };
	int m = memfd_create("fuzz-sealed", MFD_ALLOW_SEALING);
	int u, u2, l, l2, le;
	char *map;

	u = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
	u2 = open(path, O_RDONLY);
	l = open(lk, O_RDWR | O_CREAT | O_TRUNC, 0644);
	l2 = open(lk, O_RDWR);
	if (m < 0 || u < 0 || u2 < 0 || l < 0 || l2 < 0 ||
	    write(m, "sealed data", 11) != 11 ||
	    fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK) ||
	    write(u, "unlinked", 8) != 8 || pwrite(u, "tail", 4, 3 << 16) != 4 ||
	    unlink(path) || flock(l, LOCK_EX | LOCK_NB) ||
	    fcntl(l, F_SETLK, &w) || fcntl(l2, F_OFD_SETLK, &o))
		_exit(CKPT_EXIT_SETUP);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, u, 0);
	if (map == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	lseek(u2, 5, SEEK_SET);
	/* a read lease, broken with SIGUSR2 */
	le = open(DIR_PATH "/leased", O_RDONLY | O_CREAT, 0644);
	if (le < 0 || fcntl(le, F_SETSIG, SIGUSR2) || fcntl(le, F_SETLEASE, F_RDLCK))
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

/*
 * Unix sockets: socketpairs of every type holding data both ways, a
 * stream whose peer was closed, an abstract and a path-bound datagram
 * socket holding datagrams, a client connected to one, a listener with
 * a pending connection holding data.
 */
/*
 * Two ptys holding data both ways: one the controlling tty of the
 * worker's session, with /dev/tty open; the other locked, in packet
 * mode
 */
static void w_pty(const char *img, const char *log)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	int s, tty, one = 1;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	if (m < 0 || m2 < 0 || grantpt(m) || unlockpt(m) || setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	s = ioctl(m, TIOCGPTPEER, O_RDWR);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) || ioctl(s, TIOCSWINSZ, &ws))
		_exit(CKPT_EXIT_SETUP);
	tty = open("/dev/tty", O_RDWR);
	if (tty < 0 || write(m, "to the slave\npart", 17) != 17 ||
	    write(s, "to the master\n", 14) != 14 ||
	    ioctl(m2, TIOCPKT, &one) || write(m2, "x", 1) != 1)
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

static void w_unix(const char *img, const char *log)
{
	struct sockaddr_un ab = { .sun_family = AF_UNIX }, pa = { .sun_family = AF_UNIX };
	socklen_t ablen, palen;
	int st[2], dg[2], sq[2], orph[2], a, p, t, c, l, pc, buf = 8192;

	snprintf(ab.sun_path + 1, sizeof(ab.sun_path) - 1, "fuzz-unix");
	ablen = offsetof(struct sockaddr_un, sun_path) + 10;
	snprintf(pa.sun_path, sizeof(pa.sun_path), "%s/sock", DIR_PATH);
	palen = sizeof(pa);
	unlink(pa.sun_path);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, orph) ||
	    write(st[0], "stream data", 11) != 11 || write(st[1], "back", 4) != 4 ||
	    send(dg[0], "dgram", 5, 0) != 5 || send(dg[0], "", 0, 0) != 0 ||
	    send(sq[1], "record", 6, 0) != 6 || write(orph[0], "bye", 3) != 3 ||
	    shutdown(st[1], SHUT_WR) || fcntl(dg[1], F_SETFL, O_NONBLOCK) ||
	    setsockopt(sq[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)))
		_exit(CKPT_EXIT_SETUP);
	close(orph[0]);
	a = socket(AF_UNIX, SOCK_DGRAM, 0);
	p = socket(AF_UNIX, SOCK_DGRAM, 0);
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	pc = socket(AF_UNIX, SOCK_STREAM, 0);
	if (a < 0 || p < 0 || t < 0 || c < 0 || l < 0 || pc < 0 ||
	    bind(a, (struct sockaddr *)&ab, ablen) ||
	    bind(p, (struct sockaddr *)&pa, palen) ||
	    sendto(t, "to abstract", 11, 0, (struct sockaddr *)&ab, ablen) != 11 ||
	    sendto(t, "to path", 7, 0, (struct sockaddr *)&pa, palen) != 7 ||
	    connect(c, (struct sockaddr *)&ab, ablen) || send(c, "client", 6, 0) != 6)
		_exit(CKPT_EXIT_SETUP);
	close(t);
	snprintf(pa.sun_path, sizeof(pa.sun_path), "%s/lsock", DIR_PATH);
	unlink(pa.sun_path);
	if (bind(l, (struct sockaddr *)&pa, palen) || listen(l, 2) ||
	    connect(pc, (struct sockaddr *)&pa, palen) || write(pc, "pending", 7) != 7)
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

/* Send @data over @sock with @nr files */
static int send_fds(int sock, const char *data, const int *fds, int nr)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {};
	struct iovec iov = { .iov_base = (void *)data, .iov_len = strlen(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * nr),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nr);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nr);
	return sendmsg(sock, &msg, 0) == (ssize_t)strlen(data) ? 0 : -1;
}

/*
 * Files in flight: a pipe's read end only in flight, a third socket
 * with its own data, a file also in the fd table, datagrams with files,
 * a socket sent over itself (in its peer's queue) and its peer sent
 * over it (in its own).
 */
static void w_scm(const char *img, const char *log)
{
	int st[2], dg[2], cy[2], p[2], c[2], f, fds[3];

	f = open(DIR_PATH "/scm-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, cy) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) || pipe(p) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, c) ||
	    write(p[1], "piped", 5) != 5 || write(c[0], "third", 5) != 5 ||
	    write(f, "0123456789", 10) != 10)
		_exit(CKPT_EXIT_SETUP);
	fds[0] = p[0];
	fds[1] = c[1];
	fds[2] = f;
	if (write(st[0], "plain", 5) != 5 || send_fds(st[0], "three", fds, 3) ||
	    send_fds(st[1], "back", &p[1], 1) || send_fds(dg[0], "dgram", &f, 1) ||
	    send_fds(dg[1], "", p, 2) || send_fds(cy[0], "self", &cy[0], 1) ||
	    send_fds(cy[0], "peer", &cy[1], 1))
		_exit(CKPT_EXIT_SETUP);
	close(p[0]);
	close(c[1]);
	checkpoint_self(img, log);
}

static void handler(int sig)
{
	(void)sig;
}

static char altstack[16 << 10];

static void w_signals(const char *img, const char *log)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	union sigval v = { .sival_int = 42 };
	sigset_t set;
	stack_t ss;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_flags |= SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGRTMIN + 2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	kill(getpid(), SIGUSR1);
	sigqueue(getpid(), SIGRTMIN + 2, v);
	sigqueue(getpid(), SIGRTMIN + 2, v);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	checkpoint_self(img, log);
}

static int timer_new(clockid_t clock, int notify, int sig, int value,
		     time_t secs, long interval_ns)
{
	struct sigevent sev = {
		.sigev_notify = notify,
		.sigev_signo = sig,
		.sigev_value.sival_int = value,
	};
	struct itimerspec its = {
		.it_value = { secs, secs ? 0 : 1000000 },
		.it_interval = { 0, interval_ns },
	};
	int id;

	if (notify == SIGEV_THREAD_ID)
		sev._sigev_un._tid = syscall(SYS_gettid);
	if (syscall(SYS_timer_create, clock, &sev, &id) ||
	    syscall(SYS_timer_settime, id, 0, &its, NULL))
		_exit(CKPT_EXIT_SETUP);
	return id;
}

/* Interval timers and POSIX timers, one with its signal pending, two on CPU-time clocks */
static void w_timers(const char *img, const char *log)
{
	struct itimerval real = { .it_value = { 100, 0 }, .it_interval = { 5, 0 } };
	struct itimerval prof = { .it_value = { 50, 0 }, .it_interval = { 0, 100000 } };
	struct itimerval virt = { .it_value = { 60, 0 } };
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	sigset_t set;
	int i, sig[] = { SIGALRM, SIGPROF, SIGVTALRM, SIGRTMIN, SIGRTMIN + 1,
			 SIGRTMIN + 2, SIGRTMIN + 3 };

	for (i = 0; i < (int)(sizeof(sig) / sizeof(sig[0])); i++)
		sigaction(sig[i], &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_PROF, &prof, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &virt, NULL))
		_exit(CKPT_EXIT_SETUP);
	timer_new(CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN, 10, 100, 500000000);
	syscall(SYS_timer_delete, timer_new(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 1, 0));
	timer_new(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, 30, 0);
	timer_new(CLOCK_TAI, SIGEV_THREAD_ID, SIGRTMIN + 2, 12, 100, 0);
	/* CPU-time clocks: the process's and the thread's */
	timer_new(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGRTMIN + 1, 14, 50, 200000000);
	timer_new(CLOCK_THREAD_CPUTIME_ID, SIGEV_NONE, 0, 0, 40, 0);
	/* expires at once, blocked: pending */
	timer_new(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 3, 13, 0, 0);
	for (i = 0; i < 500; i++) {
		sigpending(&set);
		if (sigismember(&set, SIGRTMIN + 3))
			break;
		ckpt_msleep(2);
	}
	checkpoint_self(img, log);
}

/*
 * Two inotify files: watches on a directory and a file (wds 1, 2 and
 * 4, 3 removed), events queued with and without names
 */
static void w_inotify(const char *img, const char *log)
{
	const char *dir = DIR_PATH "/watched", *file = DIR_PATH "/watched/f";
	int ifd, ifd2, fd;

	mkdir(dir, 0755);
	unlink(file);
	unlink(DIR_PATH "/watched/new");
	ifd = inotify_init1(IN_NONBLOCK);
	ifd2 = inotify_init1(IN_CLOEXEC);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ifd < 0 || ifd2 < 0 || fd < 0 ||
	    inotify_add_watch(ifd, dir, IN_CREATE | IN_DELETE | IN_ONLYDIR) != 1 ||
	    inotify_add_watch(ifd, file, IN_MODIFY | IN_CLOSE_WRITE) != 2 ||
	    inotify_add_watch(ifd, DIR_PATH, IN_ALL_EVENTS) != 3 ||
	    inotify_rm_watch(ifd, 3) ||
	    inotify_add_watch(ifd, DIR_PATH, IN_ATTRIB | IN_ONESHOT | IN_EXCL_UNLINK) != 4 ||
	    inotify_add_watch(ifd2, file, IN_OPEN) != 1 ||
	    write(fd, "x", 1) != 1)
		_exit(CKPT_EXIT_SETUP);
	close(fd);
	fd = open(DIR_PATH "/watched/new", O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	close(fd);
	checkpoint_self(img, log);
}

static void *tree_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* A child that stops itself, with a second thread in child 0 */
static void tree_child(int i)
{
	char *p = malloc(12000);
	pthread_t t;

	if (!p || (i == 0 && pthread_create(&t, NULL, tree_thread, NULL)))
		_exit(CKPT_EXIT_SETUP);
	memset(p, 'a' + i, 12000);
	kill(getpid(), SIGSTOP);
	for (;;)
		pause();
}

static void w_tree(const char *img, const char *log)
{
	char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t kid[2];
	int i, st;
	long ret;

	if (shared == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	memset(shared, 0x11, 8192);
	for (i = 0; i < 2; i++) {
		kid[i] = fork();
		if (kid[i] < 0)
			_exit(CKPT_EXIT_SETUP);
		if (!kid[i])
			tree_child(i);
	}
	for (i = 0; i < 2; i++)
		if (waitpid(kid[i], &st, WUNTRACED) != kid[i] || !WIFSTOPPED(st))
			_exit(CKPT_EXIT_SETUP);
	ret = checkpoint_self_flags(img, log, CHECKPOINT_SUBTREE);
	if (ret)
		for (i = 0; i < 2; i++)
			kill(kid[i], SIGKILL);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	/* restored: the children are ours again, stopped */
	for (i = 0; i < 2; i++)
		kill(kid[i], SIGKILL);
	for (i = 0; i < 2; i++)
		waitpid(kid[i], &st, 0);
	restored_task();
}

/*
 * A nested pid namespace: the worker unshares CLONE_NEWPID and forks
 * the namespace's init, which unshares CLONE_NEWUTS (named "fuzz-ns")
 * and forks S; S starts a session and forks G, which leads a group of
 * its own and forks K; K stops itself, G and S exit: K, now the init's
 * child, is in a session and a group whose leaders are dead (a
 * PIDNS_GHOSTS record).  K ignores the SIGHUP of its orphaned group
 * and stops itself again after the SIGCONT.  The worker stops the init
 * (an init cannot stop itself) and checkpoints itself with its
 * children.
 */
static void __attribute__((noreturn)) pidns_ghosts(void)
{
	pid_t g, k;
	int st;

	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	g = fork();
	if (g < 0)
		_exit(CKPT_EXIT_SETUP);
	if (g) {
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : CKPT_EXIT_SETUP);
	}
	if (setpgid(0, 0))
		_exit(CKPT_EXIT_SETUP);
	k = fork();
	if (k < 0)
		_exit(CKPT_EXIT_SETUP);
	if (!k) {
		signal(SIGHUP, SIG_IGN);
		for (;;)
			kill(getpid(), SIGSTOP);
	}
	if (waitpid(k, &st, WUNTRACED) != k || !WIFSTOPPED(st))
		_exit(CKPT_EXIT_SETUP);
	_exit(0);
}

static void w_pidns(const char *img, const char *log)
{
	pid_t init;
	int p[2], st;
	long ret;
	char c;

	if (pipe(p) || unshare(CLONE_NEWPID))
		_exit(CKPT_EXIT_SETUP);
	init = fork();
	if (init < 0)
		_exit(CKPT_EXIT_SETUP);
	if (!init) {
		pid_t kid;

		/* and a UTS namespace of its own: a UTSNS record */
		if (unshare(CLONE_NEWUTS) || sethostname("fuzz-ns", 7))
			_exit(CKPT_EXIT_SETUP);
		kid = fork();
		close(p[0]);
		if (kid < 0)
			_exit(CKPT_EXIT_SETUP);
		if (!kid)
			pidns_ghosts();
		/* S is gone once G is, and K stopped again: K is ours */
		if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
			_exit(CKPT_EXIT_SETUP);
		kid = waitpid(-1, &st, WUNTRACED);
		if (kid <= 0 || !WIFSTOPPED(st) || write(p[1], "s", 1) != 1)
			_exit(CKPT_EXIT_SETUP);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || kill(init, SIGSTOP) ||
	    waitpid(init, &st, WUNTRACED) != init || !WIFSTOPPED(st))
		_exit(CKPT_EXIT_SETUP);
	close(p[0]);
	ret = checkpoint_self_flags(img, log, CHECKPOINT_SUBTREE);
	if (ret)
		kill(init, SIGKILL);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	/* restored: the init is ours again, stopped; its end ends its child */
	kill(init, SIGKILL);
	waitpid(init, &st, 0);
	restored_task();
}

/*
 * SysV IPC: the worker unshares CLONE_NEWIPC and fills its namespace
 * with an attached segment, a semaphore set (SEM_UNDO adjustments on two
 * of its semaphores) and a message queue, then checkpoints itself; the tree builder makes the restored task in a new
 * IPC namespace.
 */
static void w_sysvipc(const char *img, const char *log)
{
	struct { long mtype; char mtext[64]; } m = { 3, "first message" };
	struct sembuf undo[2] = {
		{ .sem_num = 1, .sem_op = -4, .sem_flg = SEM_UNDO },
		{ .sem_num = 2, .sem_op = 2, .sem_flg = SEM_UNDO },
	};
	int shm, sem, msq;
	char *p;

	if (unshare(CLONE_NEWIPC))
		_exit(CKPT_EXIT_SETUP);
	shm = shmget(0x4655, 3 * 4096 + 16, IPC_CREAT | 0640);
	sem = semget(0x4656, 3, IPC_CREAT | 0600);
	msq = msgget(0x4657, IPC_CREAT | 0620);
	p = shm < 0 ? (void *)-1 : shmat(shm, NULL, 0);
	if (p == (void *)-1 || sem < 0 || msq < 0 || semctl(sem, 1, SETVAL, 9) ||
	    msgsnd(msq, &m, 14, 0))
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(p, 2 * 4096, 3);
	m.mtype = 1;
	if (msgsnd(msq, &m, 40, 0) || semop(sem, undo, 2))
		_exit(CKPT_EXIT_SETUP);
	checkpoint_self(img, log);
}

struct corpus {
	const char *name;
	void (*worker)(const char *img, const char *log);
	int tree;			/* restored by the tree builder */
	char *img;
	size_t len;
	struct ckpt_rec recs[MAX_RECS];
	int nrecs;
};

static struct corpus corpus[] = {
	{ .name = "plain", .worker = w_plain },
	{ .name = "files", .worker = w_files },
	{ .name = "pipes", .worker = w_pipes },
	{ .name = "fifo", .worker = w_fifo },
	{ .name = "signals", .worker = w_signals },
	{ .name = "timers", .worker = w_timers },
	{ .name = "events", .worker = w_events },
	{ .name = "locks", .worker = w_locks },
	{ .name = "unix", .worker = w_unix },
	{ .name = "scm", .worker = w_scm },
	{ .name = "inotify", .worker = w_inotify },
	{ .name = "pty", .worker = w_pty },
	{ .name = "tree", .worker = w_tree, .tree = 1 },
	{ .name = "pidns", .worker = w_pidns, .tree = 1 },
	{ .name = "sysvipc", .worker = w_sysvipc, .tree = 1 },
};
#define NR_CORPUS ((int)(sizeof(corpus) / sizeof(corpus[0])))

/*
 * The tree builder on @img, logging to @log, in the fuzzer's cgroup so
 * that a hang can be killed whole.
 */
static pid_t start_tree_restart(const char *img, const char *log)
{
	const char *tool = ckpt_tool("restart");
	pid_t pid;

	if (!tool)
		return -1;
	pid = fork();
	if (pid)
		return pid;
	{
		int fd = open(TREE_CGROUP "/cgroup.procs", O_WRONLY);
		int out = open(DIR_PATH "/tree.out", O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0 || dprintf(fd, "0\n") < 0 || out < 0)
			_exit(CKPT_EXIT_RESTART_OPEN);
		close(fd);
		dup2(out, 1);
		dup2(out, 2);
		close(out);
		execl(tool, "restart", "-i", img, "-l", log, NULL);
		_exit(CKPT_EXIT_RESTART_OPEN);
	}
}

static int tree_cgroup_empty(void)
{
	char *s = ckpt_slurp(TREE_CGROUP "/cgroup.procs", NULL);
	int empty = s && !*s;

	free(s);
	return empty;
}

static void tree_cgroup_kill(void)
{
	int i;

	ckpt_write_file(TREE_CGROUP "/cgroup.kill", "1", 1);
	for (i = 0; i < 500 && !tree_cgroup_empty(); i++)
		ckpt_msleep(10);
}

/* A task anywhere still waiting in restart() */
static pid_t left_in_restart(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && (e = readdir(d)) && !found) {
		char path[300], *s;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/syscall", e->d_name);
		s = ckpt_slurp(path, NULL);
		if (s && atoi(s) == __NR_restart)
			found = atoi(e->d_name);
		free(s);
	}
	if (d)
		closedir(d);
	return found;
}

static int make_corpus(struct corpus *c)
{
	char img[256], log[256], out[256], err[256];
	int status;
	pid_t pid;

	snprintf(img, sizeof(img), DIR_PATH "/%s.img", c->name);
	snprintf(log, sizeof(log), DIR_PATH "/%s.log", c->name);
	snprintf(out, sizeof(out), DIR_PATH "/%s.out", c->name);
	pid = ckpt_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int i;

		/* the images made so far are not this worker's memory */
		for (i = 0; i < NR_CORPUS; i++) {
			free(corpus[i].img);
			corpus[i].img = NULL;
		}
		if (ckpt_isolate(out))
			_exit(CKPT_EXIT_SETUP);
		c->worker(img, log);
		_exit(CKPT_EXIT_SETUP);
	}
	if (ckpt_wait_or_kill(pid, &status, 60000) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		printf("# corpus %s: worker %s\n", c->name, ckpt_status_str(status));
		ckpt_dump("worker", out, 2048);
		ckpt_dump("log", log, 2048);
		return -1;
	}
	c->img = ckpt_slurp(img, &c->len);
	if (!c->img)
		return -1;
	c->nrecs = ckpt_image_walk(c->img, c->len, c->recs, MAX_RECS, err,
				   sizeof(err));
	if (c->nrecs < 3) {
		printf("# corpus %s: %s\n", c->name, err);
		return -1;
	}
	/* the intact image restores and runs */
	unlink(MARKER);
	if (c->tree)
		pid = start_tree_restart(img, log);
	else
		pid = ckpt_start_restarter(img, -1, log, 0);
	if (pid < 0 || ckpt_wait_or_kill(pid, &status, 60000) ||
	    !WIFEXITED(status) || WEXITSTATUS(status) || !ckpt_exists(MARKER)) {
		printf("# corpus %s: the intact image does not restart: %s\n",
		       c->name, ckpt_status_str(status));
		ckpt_dump("log", log, 2048);
		return -1;
	}
	unlink(MARKER);
	printf("# corpus %s: %zu bytes, %d records\n", c->name, c->len, c->nrecs);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Fields of the records, by kind */

enum { K_COUNT, K_OBJREF, K_ADDR, K_FLAGS, K_NR };
static const char *const kind_name[K_NR] = { "count", "objref", "addr", "flags" };

struct field {
	uint32_t off;		/* in the image */
	uint16_t size;		/* 4 or 8 */
	uint16_t kind;
	uint32_t rec;		/* index of its record */
};

static struct field fields[MAX_FIELDS];
static int nr_fields;

static void add(const struct ckpt_rec *r, size_t off, int size, int kind)
{
	if (nr_fields >= MAX_FIELDS || off + size > r->len)
		return;
	fields[nr_fields].off = r->off + off;
	fields[nr_fields].size = size;
	fields[nr_fields].kind = kind;
	fields[nr_fields].rec = 0;	/* set by collect_fields() */
	nr_fields++;
}

#define F(st, m, k) add(r, offsetof(struct st, m), sizeof(((struct st *)0)->m), k)

static uint32_t u32at(const char *img, size_t off)
{
	uint32_t v;

	memcpy(&v, img + off, 4);
	return v;
}

/* Collect the fields of a record set (of the image @img) */
static void collect_fields(const char *img, struct ckpt_rec *recs, int n)
{
	int i, j;

	nr_fields = 0;
	for (i = 0; i < n; i++) {
		const struct ckpt_rec *r = &recs[i];
		const char *p = img + r->off;
		int first = nr_fields, cnt;

		switch (r->type) {
		case CKPT_HDR_HEADER:
			F(ckpt_hdr_header, magic, K_FLAGS);
			F(ckpt_hdr_header, format_version, K_COUNT);
			F(ckpt_hdr_header, arch, K_FLAGS);
			F(ckpt_hdr_header, page_size, K_COUNT);
			F(ckpt_hdr_header, uflags, K_FLAGS);
			break;
		case CKPT_HDR_HEADER_ARCH:
			F(ckpt_hdr_header_arch, xfeatures_mask, K_FLAGS);
			F(ckpt_hdr_header_arch, xstate_size, K_COUNT);
			break;
		case CKPT_HDR_TREE:
			F(ckpt_hdr_tree, nr_tasks, K_COUNT);
			for (j = 0; j < 2; j++) {
				size_t o = sizeof(struct ckpt_hdr_tree) +
					   j * sizeof(struct ckpt_task_pids);

				add(r, o + 0, 4, K_OBJREF);	/* pid */
				add(r, o + 4, 4, K_OBJREF);	/* tgid */
				add(r, o + 8, 4, K_OBJREF);	/* ppid */
				add(r, o + 20, 4, K_FLAGS);	/* flags */
			}
			break;
		case CKPT_HDR_PIDNS: {
			const struct ckpt_hdr_pidns *h = (const void *)p;
			size_t o = sizeof(*h), t;

			F(ckpt_hdr_pidns, nr_ns, K_COUNT);
			F(ckpt_hdr_pidns, nr_tasks, K_COUNT);
			F(ckpt_hdr_pidns, nr_pids, K_COUNT);
			if (r->len < sizeof(*h))
				break;
			if (h->nr_ns) {
				add(r, o + 0, 4, K_OBJREF);	/* parent */
				add(r, o + 4, 4, K_COUNT);	/* level */
				add(r, o + 8, 4, K_OBJREF);	/* init */
			}
			t = o + (size_t)h->nr_ns * sizeof(struct ckpt_pidns);
			for (j = 0; j < 3; j++) {
				add(r, t + 8 * j, 4, K_OBJREF);		/* ns */
				add(r, t + 8 * j + 4, 4, K_OBJREF);	/* for children */
			}
			t += (size_t)h->nr_tasks * sizeof(struct ckpt_task_ns);
			for (j = 0; j < 5; j++)
				add(r, t + 4 * j, 4, K_OBJREF);		/* pids */
			break;
		}
		case CKPT_HDR_PIDNS_GHOSTS: {
			const struct ckpt_hdr_pidns_ghosts *h = (const void *)p;
			size_t o = sizeof(*h);

			F(ckpt_hdr_pidns_ghosts, nr_ghosts, K_COUNT);
			F(ckpt_hdr_pidns_ghosts, nr_pids, K_COUNT);
			if (r->len < sizeof(*h) + 8)
				break;
			add(r, o, 4, K_OBJREF);			/* ns */
			o += (size_t)h->nr_ghosts * 4;
			for (j = 0; j < 3; j++)
				add(r, o + 4 * j, 4, K_OBJREF);	/* pids */
			break;
		}
		case CKPT_HDR_UTSNS:
			F(ckpt_hdr_utsns, nr_ns, K_COUNT);
			/* the end of each name: its NUL */
			add(r, sizeof(struct ckpt_hdr_utsns) + 7, 1, K_FLAGS);
			add(r, sizeof(struct ckpt_hdr_utsns) + CKPT_UTS_NAME_LEN - 1, 1,
			    K_FLAGS);
			break;
		case CKPT_HDR_IPCNS:
			F(ckpt_hdr_ipcns, nr_shm, K_COUNT);
			F(ckpt_hdr_ipcns, nr_sem, K_COUNT);
			F(ckpt_hdr_ipcns, nr_msg, K_COUNT);
			F(ckpt_hdr_ipcns, shm_ctlmax, K_COUNT);
			F(ckpt_hdr_ipcns, shm_ctlmni, K_COUNT);
			F(ckpt_hdr_ipcns, msg_ctlmax, K_COUNT);
			F(ckpt_hdr_ipcns, msg_ctlmnb, K_COUNT);
			F(ckpt_hdr_ipcns, sem_ctls[3], K_COUNT);
			break;
		case CKPT_HDR_IPC_SHM:
			F(ckpt_hdr_ipc_shm, perm.id, K_OBJREF);
			F(ckpt_hdr_ipc_shm, perm.key, K_FLAGS);
			F(ckpt_hdr_ipc_shm, perm.uid, K_COUNT);
			F(ckpt_hdr_ipc_shm, perm.mode, K_FLAGS);
			F(ckpt_hdr_ipc_shm, size, K_COUNT);
			F(ckpt_hdr_ipc_shm, flags, K_FLAGS);
			break;
		case CKPT_HDR_IPC_SEM:
			F(ckpt_hdr_ipc_sem, perm.id, K_OBJREF);
			F(ckpt_hdr_ipc_sem, perm.mode, K_FLAGS);
			F(ckpt_hdr_ipc_sem, nsems, K_COUNT);
			add(r, sizeof(struct ckpt_hdr_ipc_sem) + 4, 4, K_COUNT);
			break;
		case CKPT_HDR_SEM_UNDO:
			F(ckpt_hdr_sem_undo, nr_undos, K_COUNT);
			F(ckpt_hdr_sem_undo, nr_adj, K_COUNT);
			/* the first set's semid and nsems, an adjustment */
			add(r, sizeof(struct ckpt_hdr_sem_undo), 4, K_OBJREF);
			add(r, sizeof(struct ckpt_hdr_sem_undo) + 4, 4, K_COUNT);
			add(r, sizeof(struct ckpt_hdr_sem_undo) + 12, 4, K_COUNT);
			break;
		case CKPT_HDR_IPC_MSG:
			F(ckpt_hdr_ipc_msg, perm.id, K_OBJREF);
			F(ckpt_hdr_ipc_msg, perm.key, K_FLAGS);
			F(ckpt_hdr_ipc_msg, qbytes, K_COUNT);
			F(ckpt_hdr_ipc_msg, nr_msgs, K_COUNT);
			F(ckpt_hdr_ipc_msg, data_len, K_COUNT);
			add(r, sizeof(struct ckpt_hdr_ipc_msg), 8, K_COUNT);	/* mtype */
			add(r, sizeof(struct ckpt_hdr_ipc_msg) + 8, 8, K_COUNT);	/* len */
			break;
		case CKPT_HDR_TASK:
			F(ckpt_hdr_task, flags, K_FLAGS);
			F(ckpt_hdr_task, personality, K_FLAGS);
			F(ckpt_hdr_task, exit_signal, K_COUNT);
			F(ckpt_hdr_task, pdeath_signal, K_COUNT);
			F(ckpt_hdr_task, set_child_tid, K_ADDR);
			F(ckpt_hdr_task, clear_child_tid, K_ADDR);
			F(ckpt_hdr_task, rseq, K_ADDR);
			F(ckpt_hdr_task, rseq_len, K_COUNT);
			F(ckpt_hdr_task, rseq_sig, K_FLAGS);
			break;
		case CKPT_HDR_TASK_OBJS:
			F(ckpt_hdr_task_objs, files_objref, K_OBJREF);
			F(ckpt_hdr_task_objs, fs_objref, K_OBJREF);
			F(ckpt_hdr_task_objs, mm_objref, K_OBJREF);
			F(ckpt_hdr_task_objs, sighand_objref, K_OBJREF);
			F(ckpt_hdr_task_objs, signal_objref, K_OBJREF);
			break;
		case CKPT_HDR_CPU:
			F(ckpt_hdr_cpu, ip, K_ADDR);
			F(ckpt_hdr_cpu, sp, K_ADDR);
			F(ckpt_hdr_cpu, fs_base, K_ADDR);
			F(ckpt_hdr_cpu, gs_base, K_ADDR);
			F(ckpt_hdr_cpu, cs, K_FLAGS);
			F(ckpt_hdr_cpu, ss, K_FLAGS);
			F(ckpt_hdr_cpu, ds, K_FLAGS);
			F(ckpt_hdr_cpu, fs, K_FLAGS);
			F(ckpt_hdr_cpu, flags, K_FLAGS);
			F(ckpt_hdr_cpu, orig_ax, K_COUNT);
			F(ckpt_hdr_cpu, ax, K_COUNT);
			break;
		case CKPT_HDR_FPU: {
			/*
			 * The XSAVE buffer, sparse: a bitmap of its non-zero
			 * words, then those words.  The bitmap's first two
			 * words (the legacy area, XSTATE_BV and XCOMP_BV), its
			 * last one, and the listed words of MXCSR (word 3)
			 * and XSTATE_BV (word 64)
			 */
			const struct ckpt_hdr_fpu *h = (const void *)p;
			size_t o = sizeof(*h), nmaps, w;
			uint64_t map[2] = { 0, 0 };

			F(ckpt_hdr_fpu, xfeatures, K_FLAGS);
			F(ckpt_hdr_fpu, size, K_COUNT);
			F(ckpt_hdr_fpu, nr_words, K_COUNT);
			if (r->len < sizeof(*h) + 16)
				break;
			nmaps = (h->size / 8 + 63) / 64;
			memcpy(map, p + o, 16);
			add(r, o, 8, K_FLAGS);
			add(r, o + 8, 8, K_FLAGS);
			if (nmaps > 2)
				add(r, o + 8 * (nmaps - 1), 8, K_FLAGS);
			w = o + 8 * nmaps;
			if (map[0] & (1ULL << 3))
				add(r, w + 8 * __builtin_popcountll(map[0] & 7),
				    4, K_FLAGS);			/* mxcsr */
			if (map[1] & 1)
				add(r, w + 8 * __builtin_popcountll(map[0]), 8,
				    K_FLAGS);			/* XSTATE_BV */
			break;
		}
		case CKPT_HDR_DEBUGREGS:
			F(ckpt_hdr_debugregs, dr0, K_ADDR);
			F(ckpt_hdr_debugregs, dr1, K_ADDR);
			F(ckpt_hdr_debugregs, dr6, K_FLAGS);
			F(ckpt_hdr_debugregs, dr7, K_FLAGS);
			break;
		case CKPT_HDR_MM:
			F(ckpt_hdr_mm, nr_vmas, K_COUNT);
			/* the first mappings of the array after the fixed part */
			cnt = r->len >= sizeof(struct ckpt_hdr_mm) ?
			      u32at(p, offsetof(struct ckpt_hdr_mm, nr_vmas)) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_mm) +
					   j * sizeof(struct ckpt_vma);

				add(r, o + offsetof(struct ckpt_vma, start), 8,
				    K_ADDR);
				add(r, o + offsetof(struct ckpt_vma, end), 8,
				    K_ADDR);
				add(r, o + offsetof(struct ckpt_vma, pgoff), 8,
				    K_COUNT);
				add(r, o + offsetof(struct ckpt_vma, file_objref),
				    4, K_OBJREF);
				/* the CKPT_VM_* flags and the type byte */
				add(r, o + offsetof(struct ckpt_vma, flags), 4,
				    K_FLAGS);
			}
			F(ckpt_hdr_mm, exe_objref, K_OBJREF);
			F(ckpt_hdr_mm, start_code, K_ADDR);
			F(ckpt_hdr_mm, end_data, K_ADDR);
			F(ckpt_hdr_mm, start_brk, K_ADDR);
			F(ckpt_hdr_mm, brk, K_ADDR);
			F(ckpt_hdr_mm, start_stack, K_ADDR);
			F(ckpt_hdr_mm, arg_start, K_ADDR);
			F(ckpt_hdr_mm, env_end, K_ADDR);
			F(ckpt_hdr_mm, vdso, K_ADDR);
			F(ckpt_hdr_mm, vdso_size, K_COUNT);
			F(ckpt_hdr_mm, def_flags, K_FLAGS);
			F(ckpt_hdr_mm, nr_auxv, K_COUNT);
			break;
		case CKPT_HDR_PAGES:
			F(ckpt_hdr_pages, nr_runs, K_COUNT);
			F(ckpt_hdr_pages, nr_pages, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_pages) +
					   j * sizeof(struct ckpt_page_run);

				add(r, o, 8, K_ADDR);
				add(r, o + 8, 8, K_COUNT);
			}
			break;
		case CKPT_HDR_FILE_TABLE:
			F(ckpt_hdr_file_table, nr_ents, K_COUNT);
			F(ckpt_hdr_file_table, nr_fds, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;	/* nr_ents */
			for (j = 0; j < cnt && j < 8; j++) {
				size_t o = sizeof(struct ckpt_hdr_file_table) +
					   j * sizeof(struct ckpt_fd_ent);

				add(r, o, 4, K_COUNT);		/* fd */
				add(r, o + 4, 4, K_OBJREF);	/* file_objref */
				add(r, o + 8, 4, K_FLAGS);	/* flags */
				add(r, o + 12, 4, K_COUNT);	/* nr */
			}
			break;
		case CKPT_HDR_FILE:
			F(ckpt_hdr_file, file_type, K_FLAGS);
			F(ckpt_hdr_file, f_flags, K_FLAGS);
			F(ckpt_hdr_file, f_pos, K_COUNT);
			F(ckpt_hdr_file, i_mode, K_FLAGS);
			F(ckpt_hdr_file, rdev, K_FLAGS);
			F(ckpt_hdr_file, i_size, K_COUNT);
			F(ckpt_hdr_file, path_len, K_COUNT);
			F(ckpt_hdr_file, obj_objref, K_OBJREF);
			break;
		case CKPT_HDR_FILE_SEALS:
			F(ckpt_hdr_file_seals, seals, K_FLAGS);
			break;
		case CKPT_HDR_FILE_INODE:
			F(ckpt_hdr_file_inode, i_mode, K_FLAGS);
			F(ckpt_hdr_file_inode, i_size, K_COUNT);
			break;
		case CKPT_HDR_FILE_UNLINKED:
			F(ckpt_hdr_file_unlinked, dir_len, K_COUNT);
			break;
		case CKPT_HDR_FILE_DATA:
			F(ckpt_hdr_file_data, offset, K_COUNT);
			F(ckpt_hdr_file_data, len, K_COUNT);
			break;
		case CKPT_HDR_FILE_LOCKS:
			F(ckpt_hdr_file_locks, nr_locks, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_file_locks) +
					   j * sizeof(struct ckpt_file_lock);

#define L(m, k) add(r, o + offsetof(struct ckpt_file_lock, m), \
		    sizeof(((struct ckpt_file_lock *)0)->m), k)
				L(kind, K_FLAGS);
				L(type, K_FLAGS);
				L(start, K_COUNT);
				L(end, K_COUNT);
				L(fd, K_COUNT);
#undef L
			}
			break;
		case CKPT_HDR_FS:
			F(ckpt_hdr_fs, umask, K_FLAGS);
			F(ckpt_hdr_fs, cwd_len, K_COUNT);
			F(ckpt_hdr_fs, root_len, K_COUNT);
			break;
		case CKPT_HDR_PIPE:
			F(ckpt_hdr_pipe, nr_slots, K_COUNT);
			F(ckpt_hdr_pipe, nr_bufs, K_COUNT);
			F(ckpt_hdr_pipe, data_len, K_COUNT);
			F(ckpt_hdr_pipe, flags, K_FLAGS);
			cnt = r->len >= 16 ? u32at(p, 12) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_pipe) +
					   j * sizeof(struct ckpt_pipe_buf);

				add(r, o, 4, K_COUNT);
				add(r, o + 4, 4, K_FLAGS);
			}
			break;
		case CKPT_HDR_SOCKET:
			/* family and type */
			add(r, offsetof(struct ckpt_hdr_socket, family), 4, K_FLAGS);
			F(ckpt_hdr_socket, state, K_FLAGS);
			F(ckpt_hdr_socket, flags, K_FLAGS);
			F(ckpt_hdr_socket, shutdown, K_FLAGS);
			F(ckpt_hdr_socket, peer_objref, K_OBJREF);
			F(ckpt_hdr_socket, err, K_COUNT);
			F(ckpt_hdr_socket, sndbuf, K_COUNT);
			F(ckpt_hdr_socket, rcvbuf, K_COUNT);
			F(ckpt_hdr_socket, backlog, K_COUNT);
			F(ckpt_hdr_socket, addr_len, K_COUNT);
			F(ckpt_hdr_socket, path_len, K_COUNT);
			F(ckpt_hdr_socket, node_mode, K_FLAGS);
			/* sun_family, sun_path[0] and [1] */
			add(r, sizeof(struct ckpt_hdr_socket), 4, K_FLAGS);
			break;
		case CKPT_HDR_SOCKET_QUEUE:
			F(ckpt_hdr_socket_queue, nr_msgs, K_COUNT);
			F(ckpt_hdr_socket_queue, data_len, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_socket_queue) +
					   j * sizeof(struct ckpt_sock_msg);

				add(r, o, 4, K_COUNT);
				add(r, o + 4, 4, K_OBJREF);
			}
			break;
		case CKPT_HDR_SOCKET_LISTENQ:
			F(ckpt_hdr_socket_listenq, nr_conns, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;
			for (j = 0; j < cnt && j < 4; j++)
				add(r, sizeof(struct ckpt_hdr_socket_listenq) +
				    j * sizeof(struct ckpt_listenq_ent), 4, K_OBJREF);
			break;
		case CKPT_HDR_SIGHAND:
			F(ckpt_hdr_sighand, nr, K_COUNT);
			for (j = 0; j < 4; j++) {	/* 4 random signals */
				size_t o = sizeof(struct ckpt_hdr_sighand) +
					   rnd(64) * sizeof(struct ckpt_sigaction);

				add(r, o, 8, K_ADDR);
				add(r, o + 8, 8, K_FLAGS);
				add(r, o + 16, 8, K_ADDR);
				add(r, o + 24, 8, K_FLAGS);
			}
			break;
		case CKPT_HDR_SIGNAL:
			F(ckpt_hdr_signal, nr_rlim, K_COUNT);
			for (j = 0; j < 3; j++) {
				size_t o = sizeof(struct ckpt_hdr_signal) - sizeof(struct ckpt_rlimit) * CKPT_RLIM_NLIMITS +
					   rnd(CKPT_RLIM_NLIMITS) * sizeof(struct ckpt_rlimit);

				add(r, o, 8, K_COUNT);
				add(r, o + 8, 8, K_COUNT);
			}
			break;
		case CKPT_HDR_TASK_SIGNAL:
			F(ckpt_hdr_task_signal, blocked, K_FLAGS);
			F(ckpt_hdr_task_signal, sas_ss_sp, K_ADDR);
			F(ckpt_hdr_task_signal, sas_ss_size, K_COUNT);
			F(ckpt_hdr_task_signal, sas_ss_flags, K_FLAGS);
			break;
		case CKPT_HDR_SIGPENDING:
			F(ckpt_hdr_sigpending, signal, K_FLAGS);
			F(ckpt_hdr_sigpending, nr_pending, K_COUNT);
			cnt = r->len >= 24 ? u32at(p, 16) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_sigpending) +
					   j * sizeof(struct ckpt_siginfo);

				add(r, o, 4, K_COUNT);		/* signo */
				add(r, o + 8, 4, K_COUNT);	/* si_signo */
				add(r, o + 16, 4, K_COUNT);	/* si_code */
			}
			break;
		case CKPT_HDR_TIMERS:
			F(ckpt_hdr_timers, next_id, K_COUNT);
			F(ckpt_hdr_timers, nr_timers, K_COUNT);
			for (j = 0; j < CKPT_ITIMER_NR; j++) {
				size_t o = offsetof(struct ckpt_hdr_timers, itimer) +
					   j * sizeof(struct ckpt_itimer);

				add(r, o, 8, K_COUNT);
				add(r, o + 8, 8, K_COUNT);
			}
			cnt = r->len >= 64 ? u32at(p, 60) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_timers) +
					   j * sizeof(struct ckpt_posix_timer);

#define T(m, k) add(r, o + offsetof(struct ckpt_posix_timer, m), \
		    sizeof(((struct ckpt_posix_timer *)0)->m), k)
				T(id, K_COUNT);
				T(clock, K_FLAGS);
				T(notify, K_FLAGS);
				T(signo, K_COUNT);
				T(tid, K_OBJREF);
				T(flags, K_FLAGS);
				T(value, K_COUNT);
				T(interval, K_COUNT);
				T(overrun, K_COUNT);
				T(queued_overrun, K_COUNT);
#undef T
			}
			break;
		case CKPT_HDR_TTY:
			F(ckpt_hdr_tty, index, K_COUNT);
			F(ckpt_hdr_tty, flags, K_FLAGS);
			F(ckpt_hdr_tty, pktstatus, K_FLAGS);
			F(ckpt_hdr_tty, ptmx_len, K_COUNT);
			F(ckpt_hdr_tty, slave_termios.c_lflag, K_FLAGS);
			F(ckpt_hdr_tty, slave_termios.c_iflag, K_FLAGS);
			F(ckpt_hdr_tty, master_termios.c_cflag, K_FLAGS);
			F(ckpt_hdr_tty, slave_termios.c_line, K_COUNT);
			break;
		case CKPT_HDR_TTY_DATA:
			F(ckpt_hdr_tty_data, side, K_COUNT);
			F(ckpt_hdr_tty_data, len, K_COUNT);
			break;
		case CKPT_HDR_CTTY:
			F(ckpt_hdr_ctty, tty_objref, K_OBJREF);
			F(ckpt_hdr_ctty, pgrp, K_COUNT);
			break;
		case CKPT_HDR_EVENTFD:
			F(ckpt_hdr_eventfd, count, K_COUNT);
			F(ckpt_hdr_eventfd, flags, K_FLAGS);
			break;
		case CKPT_HDR_SIGNALFD:
			F(ckpt_hdr_signalfd, sigmask, K_FLAGS);
			break;
		case CKPT_HDR_TIMERFD:
			F(ckpt_hdr_timerfd, clockid, K_FLAGS);
			F(ckpt_hdr_timerfd, flags, K_FLAGS);
			F(ckpt_hdr_timerfd, value, K_COUNT);
			F(ckpt_hdr_timerfd, interval, K_COUNT);
			F(ckpt_hdr_timerfd, ticks, K_COUNT);
			F(ckpt_hdr_timerfd, now, K_COUNT);
			break;
		case CKPT_HDR_EPOLL:
			F(ckpt_hdr_epoll, nr_items, K_COUNT);
			cnt = r->len >= 16 ? u32at(p, 8) : 0;
			for (j = 0; j < cnt && j < 4; j++) {
				size_t o = sizeof(struct ckpt_hdr_epoll) +
					   j * sizeof(struct ckpt_epoll_item);

#define E(m, k) add(r, o + offsetof(struct ckpt_epoll_item, m), \
		    sizeof(((struct ckpt_epoll_item *)0)->m), k)
				E(file_objref, K_OBJREF);
				E(fd, K_COUNT);
				E(events, K_FLAGS);
				E(data, K_COUNT);
#undef E
			}
			break;
		case CKPT_HDR_INOTIFY:
			F(ckpt_hdr_inotify, nr_watches, K_COUNT);
			F(ckpt_hdr_inotify, next_wd, K_COUNT);
			/* the first watch */
			if (r->len >= sizeof(struct ckpt_hdr_inotify) +
				      sizeof(struct ckpt_inotify_watch)) {
				size_t o = sizeof(struct ckpt_hdr_inotify);

				add(r, o, 4, K_COUNT);		/* wd */
				add(r, o + 4, 4, K_FLAGS);	/* mask */
				add(r, o + 8, 4, K_COUNT);	/* path_len */
			}
			break;
		case CKPT_HDR_INOTIFY_EVENTS:
			F(ckpt_hdr_inotify_events, nr_events, K_COUNT);
			if (r->len >= sizeof(struct ckpt_hdr_inotify_events) +
				      sizeof(struct ckpt_inotify_event)) {
				size_t o = sizeof(struct ckpt_hdr_inotify_events);

				add(r, o, 4, K_COUNT);		/* wd */
				add(r, o + 4, 4, K_FLAGS);	/* mask */
				add(r, o + 12, 4, K_COUNT);	/* name_len */
			}
			break;
		case CKPT_HDR_TAIL:
			F(ckpt_hdr_tail, magic, K_FLAGS);
			F(ckpt_hdr_tail, ckpt_id, K_COUNT);
			break;
		}
		for (j = first; j < nr_fields; j++)
			fields[j].rec = i;
	}
}

/* ---------------------------------------------------------------- */
/* Mutations */

struct mutant {
	char *buf;
	size_t len, cap;
	char desc[512];
	size_t dlen;
	int user;	/* touched state the restored task runs with */
	int tree;	/* of the tree corpus: restored by the tree builder */
	uint64_t ip;	/* the corpus image's (first) CPU record's ip, or ~0 */
};

static void note(struct mutant *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct mutant *m, const char *fmt, ...)
{
	va_list ap;

	if (m->dlen >= sizeof(m->desc) - 2)
		return;
	if (m->dlen)
		m->desc[m->dlen++] = ';', m->desc[m->dlen++] = ' ';
	va_start(ap, fmt);
	m->dlen += vsnprintf(m->desc + m->dlen, sizeof(m->desc) - m->dlen, fmt, ap);
	va_end(ap);
	if (m->dlen >= sizeof(m->desc))
		m->dlen = sizeof(m->desc) - 1;
}

/* CKPT_HDR_OBJ + objtype introduces an object */
static int is_obj_type(uint32_t t)
{
	return t > CKPT_HDR_OBJ && t < CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX);
}

static const char *type_name(uint32_t t)
{
	static char buf[16];

	switch (t) {
	case CKPT_HDR_HEADER: return "HEADER";
	case CKPT_HDR_HEADER_ARCH: return "HEADER_ARCH";
	case CKPT_HDR_TREE: return "TREE";
	case CKPT_HDR_PIDNS: return "PIDNS";
	case CKPT_HDR_PIDNS_GHOSTS: return "PIDNS_GHOSTS";
	case CKPT_HDR_TASK: return "TASK";
	case CKPT_HDR_TASK_OBJS: return "TASK_OBJS";
	case CKPT_HDR_CPU: return "CPU";
	case CKPT_HDR_FPU: return "FPU";
	case CKPT_HDR_DEBUGREGS: return "DEBUGREGS";
	case CKPT_HDR_MM: return "MM";
	case CKPT_HDR_PAGES: return "PAGES";
	case CKPT_HDR_FILE_TABLE: return "FILE_TABLE";
	case CKPT_HDR_FILE: return "FILE";
	case CKPT_HDR_FS: return "FS";
	case CKPT_HDR_PIPE: return "PIPE";
	case CKPT_HDR_FILE_SEALS: return "FILE_SEALS";
	case CKPT_HDR_FILE_INODE: return "FILE_INODE";
	case CKPT_HDR_FILE_UNLINKED: return "FILE_UNLINKED";
	case CKPT_HDR_FILE_DATA: return "FILE_DATA";
	case CKPT_HDR_FILE_LOCKS: return "FILE_LOCKS";
	case CKPT_HDR_SIGHAND: return "SIGHAND";
	case CKPT_HDR_SIGNAL: return "SIGNAL";
	case CKPT_HDR_TASK_SIGNAL: return "TASK_SIGNAL";
	case CKPT_HDR_SIGPENDING: return "SIGPENDING";
	case CKPT_HDR_TIMERS: return "TIMERS";
	case CKPT_HDR_TAIL: return "TAIL";
	}
	if (is_obj_type(t))
		snprintf(buf, sizeof(buf), "OBJ+%u", t - CKPT_HDR_OBJ);
	else
		snprintf(buf, sizeof(buf), "%u", t);
	return buf;
}

static const uint32_t known_types[] = {
	1, 2, 11, 12, 13, 14, 15, 101, 102, 103, 201, 202, 203, 301, 303, 304,
	401, 402, 403, 404, 501, 502, 503, 504, 505, 9001,
};
#define NR_TYPES ((int)(sizeof(known_types) / sizeof(known_types[0])))

/*
 * Records whose content the restored task runs with: changing them may
 * legitimately make it crash, hang or exit differently.
 */
static int user_type(uint32_t t)
{
	if (is_obj_type(t))	/* another object in place of one */
		return 1;
	switch (t) {
	case CKPT_HDR_TASK: case CKPT_HDR_CPU: case CKPT_HDR_FPU:
	case CKPT_HDR_DEBUGREGS: case CKPT_HDR_MM:
	case CKPT_HDR_PAGES: case CKPT_HDR_SIGHAND: case CKPT_HDR_SIGNAL:
	case CKPT_HDR_TASK_SIGNAL: case CKPT_HDR_SIGPENDING:
	case CKPT_HDR_TIMERS:	/* a timer may fire early, or at once */
	case CKPT_HDR_FILE:	/* shmem contents, mapped files */
	case CKPT_HDR_TASK_OBJS:
		return 1;
	}
	return 0;
}

/* The record of the current image (re-walked leniently) at @off */
struct ckpt_rec mrecs[MAX_RECS];
static int nmrecs;

static void rewalk(struct mutant *m)
{
	size_t off = 0;

	nmrecs = 0;
	while (off + 8 <= m->len && nmrecs < MAX_RECS) {
		struct ckpt_hdr h;

		memcpy(&h, m->buf + off, 8);
		mrecs[nmrecs].off = off;
		mrecs[nmrecs].type = h.type;
		mrecs[nmrecs].len = h.len;
		nmrecs++;
		if (h.len < 8 || h.len % 8 || h.len > m->len - off)
			break;
		off += h.len;
	}
}

static uint32_t type_at(size_t off)
{
	int i;

	for (i = nmrecs - 1; i >= 0; i--)
		if (mrecs[i].off <= off)
			return mrecs[i].type;
	return 0;
}

/* The ip of the first CPU record of @img (walked leniently), or ~0 */
static uint64_t image_ip(const char *img, size_t len)
{
	size_t off = 0;

	while (off + sizeof(struct ckpt_hdr) <= len) {
		struct ckpt_hdr h;

		memcpy(&h, img + off, sizeof(h));
		if (h.type == CKPT_HDR_CPU && h.len >= sizeof(struct ckpt_hdr_cpu) &&
		    h.len <= len - off) {
			struct ckpt_hdr_cpu cpu;

			memcpy(&cpu, img + off, sizeof(cpu));
			return cpu.ip;
		}
		if (h.len < 8 || h.len % 8 || h.len > len - off)
			break;
		off += h.len;
	}
	return ~0ULL;
}

/*
 * Does the mutant resume its task at another user address than the
 * corpus image?  Then the task would run whatever bytes are there, which
 * tests QEMU, not the kernel: under TCG a far return (lret, CA/CB) in
 * 64-bit user mode pops from ESP with a supervisor access, and the
 * kernel oopses on that implicit supervisor fault (any unprivileged
 * program does the same: the guest, not restart, is at fault).  Such a
 * mutant is restored with RESTART_FROZEN: the kernel does all of its
 * restart, the task stops before its first user instruction and is
 * killed.  An ip that is no user address at all still runs: restart
 * must refuse it, or the return to user space must survive it.
 */
#define USER_ADDR_END	0x7ffffffff000ULL

static int moves_ip(const struct mutant *m)
{
	uint64_t ip = image_ip(m->buf, m->len);

	return m->ip != ~0ULL && ip != m->ip && ip < USER_ADDR_END;
}

static void touch(struct mutant *m, uint32_t type)
{
	if (user_type(type))
		m->user = 1;
}

static uint64_t interesting(int kind, uint64_t old, int size)
{
	static const uint64_t counts[] = {
		0, 1, 2, 7, 8, 63, 64, 65, 255, 256, 1023, 1024, 1025, 4096,
		65535, 65536, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
		0xffffffff, 0xfffffffe, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL,
	};
	static const uint64_t addrs[] = {
		0, 1, 0x1000, 0x10000, 0x7ffffffff000ULL, 0x7fffffffe000ULL,
		0x800000000000ULL, 0xffff800000000000ULL, 0xffff888000000000ULL,
		0xffffffff81000000ULL, 0xfffffffffffff000ULL, ~0ULL,
		0x400000, 0x8000000000000000ULL,
	};

	switch (rnd(6)) {
	case 0:
		return old + 1;
	case 1:
		return old - 1;
	case 2:
		if (kind == K_ADDR)
			return old + (rnd(2) ? 4096 : -4096ULL) * (1 + rnd(16));
		return old ^ (1ULL << rnd(size * 8));
	case 3:
		if (kind == K_ADDR)
			return old + 1 + rnd(4095);
		if (kind == K_FLAGS)
			return old ^ (1ULL << rnd(size * 8));
		return old * 2;
	case 4:
		return rnd64();
	}
	if (kind == K_ADDR)
		return addrs[rnd(sizeof(addrs) / sizeof(addrs[0]))];
	if (kind == K_OBJREF) {
		static const int32_t refs[] = { 0, -1, -2, INT_MIN, INT_MAX, 1, 2, 3, 100, 9999 };

		return (uint64_t)(int64_t)refs[rnd(sizeof(refs) / sizeof(refs[0]))];
	}
	return counts[rnd(sizeof(counts) / sizeof(counts[0]))];
}

static void put(struct mutant *m, size_t off, int size, uint64_t v)
{
	if (off + size > m->len)
		return;
	if (size == 4) {
		uint32_t x = v;

		memcpy(m->buf + off, &x, 4);
	} else {
		memcpy(m->buf + off, &v, 8);
	}
}

static uint64_t get(struct mutant *m, size_t off, int size)
{
	uint64_t v = 0;

	if (off + size <= m->len)
		memcpy(&v, m->buf + off, size);
	return v;
}

/* Pick a field of @kind; -1 if there is none */
static int pick_field(int kind)
{
	int i, n = 0, tries;

	for (tries = 0; tries < 64; tries++) {
		i = rnd(nr_fields);
		if (fields[i].kind == kind)
			return i;
	}
	for (i = 0; i < nr_fields; i++)
		n += fields[i].kind == kind;
	if (!n)
		return -1;
	n = rnd(n);
	for (i = 0; i < nr_fields; i++)
		if (fields[i].kind == kind && !n--)
			return i;
	return -1;
}

/* Record index, never the header (mostly) */
static int pick_rec(void)
{
	if (nmrecs <= 1 || !rnd(20))
		return rnd(nmrecs);
	return 1 + rnd(nmrecs - 1);
}

static void mut_field(struct mutant *m, const struct corpus *c, int kind)
{
	int i = pick_field(kind), j;
	uint64_t old, v;
	const struct field *f;

	if (i < 0)
		return;
	f = &fields[i];
	old = get(m, f->off, f->size);
	if (kind == K_OBJREF && !rnd(3) && (j = pick_field(K_OBJREF)) >= 0) {
		/* swap two objrefs */
		v = get(m, fields[j].off, fields[j].size);
		put(m, fields[j].off, fields[j].size, old);
		touch(m, c->recs[fields[j].rec].type);
	} else if (kind == K_ADDR && !rnd(4) && (j = pick_field(K_ADDR)) >= 0) {
		v = get(m, fields[j].off, fields[j].size);	/* another address */
	} else {
		v = interesting(kind, old, f->size);
	}
	put(m, f->off, f->size, v);
	touch(m, c->recs[f->rec].type);
	note(m, "%s %s field at %u (+%zu): %#llx -> %#llx", type_name(c->recs[f->rec].type),
	     kind_name[kind], f->off, f->off - c->recs[f->rec].off,
	     (unsigned long long)old, (unsigned long long)v);
}

static void mut_type(struct mutant *m)
{
	int i = pick_rec();
	uint32_t old = mrecs[i].type, v;

	switch (rnd(4)) {
	case 0: v = old + 1; break;
	case 1: v = rnd64(); break;
	default: v = known_types[rnd(NR_TYPES)]; break;
	}
	put(m, mrecs[i].off, 4, v);
	touch(m, old);
	touch(m, v);
	note(m, "record %d at %zu type %s -> %s", i, mrecs[i].off, type_name(old), type_name(v));
}

static void mut_len(struct mutant *m)
{
	static const uint32_t huge[] = { 0xfffffff8, 0x7ffffff8, 0x01000008,
					 0x01000000, 0xffffffff, 0x80000000 };
	int i = pick_rec();
	uint32_t old = mrecs[i].len, v;

	switch (rnd(7)) {
	case 0: v = old + 8; break;
	case 1: v = old - 8; break;
	case 2: v = huge[rnd(sizeof(huge) / sizeof(huge[0]))]; break;
	case 3: v = 0; break;
	case 4: v = old + 1 + rnd(7); break;
	case 5: v = rnd(2) ? 8 : 16; break;
	default: v = mrecs[rnd(nmrecs)].len; break;
	}
	put(m, mrecs[i].off + 4, 4, v);
	touch(m, mrecs[i].type);
	note(m, "record %d at %zu (%s) len %u -> %u", i, mrecs[i].off,
	     type_name(mrecs[i].type), old, v);
}

static void mut_truncate(struct mutant *m)
{
	int i = pick_rec();
	size_t at;

	switch (rnd(3)) {
	case 0:
		at = mrecs[i].off;
		break;
	case 1:
		at = mrecs[i].off + rnd(mrecs[i].len ? mrecs[i].len : 8);
		break;
	default:
		at = rnd(m->len);
		break;
	}
	if (at > m->len)
		at = m->len;
	note(m, "truncate at %zu of %zu (in record %d %s)", at, m->len, i,
	     type_name(mrecs[i].type));
	m->len = at;
}

/* Move bytes [from, from+n) to @to (both in the current image) */
static void mut_records(struct mutant *m)
{
	int i = pick_rec(), j = pick_rec(), op = rnd(4);
	size_t ioff = mrecs[i].off, ilen = mrecs[i].len, joff = mrecs[j].off;
	char *tmp;

	if (ilen > m->len - ioff || ilen < 8)
		return;
	touch(m, mrecs[i].type);
	touch(m, mrecs[j].type);
	switch (op) {
	case 0:	/* duplicate i in front of j */
		if (m->len + ilen > m->cap)
			return;
		memmove(m->buf + joff + ilen, m->buf + joff, m->len - joff);
		if (ioff >= joff)
			ioff += ilen;
		memcpy(m->buf + joff, m->buf + ioff, ilen);
		m->len += ilen;
		note(m, "duplicate record %d (%s) in front of %d", i,
		     type_name(mrecs[i].type), j);
		break;
	case 1:	/* remove i */
		memmove(m->buf + ioff, m->buf + ioff + ilen, m->len - ioff - ilen);
		m->len -= ilen;
		note(m, "remove record %d (%s)", i, type_name(mrecs[i].type));
		break;
	default: /* move i in front of j (swap with the next one when op 2) */
		if (op == 2 && i + 1 < nmrecs) {
			j = i + 2 < nmrecs ? i + 2 : i;
			joff = j == i ? m->len : mrecs[j].off;
			touch(m, mrecs[i + 1].type);
		}
		if (joff == ioff || joff > m->len)
			return;
		tmp = malloc(ilen);
		if (!tmp)
			return;
		memcpy(tmp, m->buf + ioff, ilen);
		memmove(m->buf + ioff, m->buf + ioff + ilen, m->len - ioff - ilen);
		if (joff > ioff)
			joff -= ilen;
		memmove(m->buf + joff + ilen, m->buf + joff, m->len - ilen - joff);
		memcpy(m->buf + joff, tmp, ilen);
		free(tmp);
		note(m, "move record %d (%s) to offset %zu", i,
		     type_name(mrecs[i].type), joff);
		break;
	}
}

static void mut_bits(struct mutant *m)
{
	int n = 1 + rnd(8), k;
	size_t base = 0, span = m->len;

	if (!m->len)
		return;
	if (rnd(2)) {	/* within one record, mostly its fixed part */
		int i = pick_rec();

		base = mrecs[i].off;
		span = mrecs[i].len;
		if (span > 256 && rnd(4))
			span = 256;
		if (base + span > m->len || !span)
			span = m->len - base;
	}
	for (k = 0; k < n; k++) {
		size_t off = base + rnd(span);

		if (off >= m->len)
			continue;
		touch(m, type_at(off));
		if (rnd(2)) {
			m->buf[off] ^= 1 << rnd(8);
			note(m, "flip bit at %zu", off);
		} else {
			static const uint8_t v[] = { 0, 0xff, 0x7f, 0x80, 1 };
			uint8_t b = rnd(2) ? v[rnd(5)] : rnd(256);

			m->buf[off] = b;
			note(m, "byte %zu = %#x", off, b);
		}
	}
}

static void mutate(struct mutant *m, struct corpus *c)
{
	int n = 1 + (rnd(4) == 0) + (rnd(8) == 0), k;

	memcpy(m->buf, c->img, c->len);
	m->len = c->len;
	m->dlen = 0;
	m->desc[0] = 0;
	m->user = 0;
	m->tree = c->tree;
	m->ip = image_ip(c->img, c->len);
	collect_fields(c->img, c->recs, c->nrecs);
	for (k = 0; k < n; k++) {
		rewalk(m);
		if (!nmrecs)
			break;
		switch (rnd(16)) {
		case 0: mut_type(m); break;
		case 1: case 2: mut_len(m); break;
		case 3: case 4: mut_field(m, c, K_COUNT); break;
		case 5: case 6: mut_field(m, c, K_OBJREF); break;
		case 7: case 8: mut_field(m, c, K_ADDR); break;
		case 9: case 10: mut_field(m, c, K_FLAGS); break;
		case 11: mut_truncate(m); break;
		case 12: case 13: mut_records(m); break;
		default: mut_bits(m); break;
		}
	}
}

/* ---------------------------------------------------------------- */
/* Running a mutant */

static int img_fd, log_fd;
static int timeout_ms = 5000;

struct outcome {
	char name[96];
	long count;
	int finding;
};

static struct outcome outcomes[256];
static int nr_outcomes;
static long findings;

static void count_outcome(const char *name, int finding)
{
	int i;

	for (i = 0; i < nr_outcomes; i++)
		if (!strcmp(outcomes[i].name, name))
			break;
	if (i == nr_outcomes) {
		if (nr_outcomes == 256)
			i = 255;
		else
			nr_outcomes++;
		snprintf(outcomes[i].name, sizeof(outcomes[i].name), "%s", name);
		outcomes[i].finding = finding;
	}
	outcomes[i].count++;
}

static int out_b64, keep_count;
static const char *keep_dir;

static void print_b64(const unsigned char *p, size_t len)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[80];
	size_t i, n = 0;

	for (i = 0; i < len; i += 3) {
		uint32_t v = p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);

		line[n++] = t[v >> 18 & 63];
		line[n++] = t[v >> 12 & 63];
		line[n++] = i + 1 < len ? t[v >> 6 & 63] : '=';
		line[n++] = i + 2 < len ? t[v & 63] : '=';
		if (n == 76) {
			printf("%.*s\n", (int)n, line);
			n = 0;
		}
	}
	if (n)
		printf("%.*s\n", (int)n, line);
}

static void keep(const struct mutant *m, const char *what, uint64_t seed,
		 long iter, const char *log)
{
	char name[128], path[512];
	FILE *f;

	if (keep_count >= 50)
		return;
	keep_count++;
	snprintf(name, sizeof(name), "finding-%llx-%ld", (unsigned long long)seed, iter);
	if (keep_dir) {
		snprintf(path, sizeof(path), "%s/%s.img", keep_dir, name);
		ckpt_write_file(path, m->buf, m->len);
		snprintf(path, sizeof(path), "%s/%s.txt", keep_dir, name);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%s\nmutation: %s\nlog: %s\n", what, m->desc, log);
			fclose(f);
		}
	}
	if (out_b64) {
		printf("FUZZ-INPUT-BEGIN %s\n", name);
		printf("# %s\n# mutation: %s\n# log: %s\n", what, m->desc, log);
		print_b64((const unsigned char *)m->buf, m->len);
		printf("FUZZ-INPUT-END\n");
	}
	fflush(stdout);
}

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* Run one mutant; returns 1 on a finding */
static int run_tree(const struct mutant *m, uint64_t seed, long iter, int verbose);

/* The number of tasks an image's tree record announces, or 0 */
static unsigned int image_tasks(const char *img, size_t len)
{
	static struct ckpt_rec recs[MAX_RECS];
	char err[128];
	int n = ckpt_image_walk(img, len, recs, MAX_RECS, err, sizeof(err)), i;

	for (i = 0; i < n; i++)
		if (recs[i].type == CKPT_HDR_TREE && recs[i].len >= sizeof(struct ckpt_hdr_tree))
			return ((const struct ckpt_hdr_tree *)(img + recs[i].off))->nr_tasks;
	return 0;
}

static int run_one(const struct mutant *m, uint64_t seed, long iter, int verbose)
{
	char log[4096], what[256], state[256] = "";
	int status = 0, nl = 0, finding = 0, marker, pfd, hung = 0, in_restart = 0;
	int frozen = 0, stopped = 0;
	ssize_t n;
	pid_t pid;
	struct pollfd pf;
	char *p;

	if (m->tree)
		return run_tree(m, seed, iter, verbose);
	frozen = moves_ip(m);
	if (ftruncate(img_fd, 0) || pwrite(img_fd, m->buf, m->len, 0) != (ssize_t)m->len ||
	    ftruncate(log_fd, 0) || lseek(log_fd, 0, SEEK_SET)) {
		perror("# memfd");
		exit(2);
	}
	unlink(MARKER);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("# fork");
		exit(2);
	}
	if (pid == 0) {
		lseek(img_fd, 0, SEEK_SET);
		restart(0, img_fd, RESTART_TASKSELF | (frozen ? RESTART_FROZEN : 0), log_fd);
		_exit(CKPT_EXIT_RESTART_ERRNO + (errno > 130 ? 130 : errno));
	}
	if (frozen) {
		/* it exits (restart failed) or stops (restored) */
		pid_t w = ckpt_wait(pid, &status, WUNTRACED, timeout_ms);

		if (w == pid && WIFSTOPPED(status)) {
			stopped = 1;
			kill(pid, SIGKILL);
			if (ckpt_wait(pid, &status, 0, 30000) != pid) {
				printf("# iteration %ld: pid %d cannot be killed when stopped\n",
				       iter, pid);
				count_outcome("FINDING: unkillable", 1);
				keep(m, "unkillable", seed, iter, "");
				findings++;
				return 1;
			}
		} else if (w != pid) {
			hung = 1;	/* neither stopped nor exited: looked at below */
		}
	}
	pfd = frozen ? -1 : syscall(SYS_pidfd_open, pid, 0);
	pf.fd = pfd;
	pf.events = POLLIN;
	if (pfd >= 0) {
		while ((n = poll(&pf, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (n == 0)
			hung = 1;
	} else if (!frozen && ckpt_wait(pid, &status, 0, timeout_ms) == 0) {
		hung = 1;
	}
	if (hung) {
		char path[64], *s;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
		s = ckpt_slurp(path, NULL);
		if (s) {
			in_restart = atoi(s) == __NR_restart;
			snprintf(state, sizeof(state), "syscall: %.40s", s);
			free(s);
		}
		snprintf(path, sizeof(path), "/proc/%d/stack", pid);
		f = fopen(path, "r");
		if (f) {
			char line[128];
			int k = 0;

			while (fgets(line, sizeof(line), f) && k++ < 6) {
				line[strcspn(line, "\n")] = 0;
				strncat(state, k == 1 ? "; stack: " : " < ",
					sizeof(state) - strlen(state) - 1);
				strncat(state, line, sizeof(state) - strlen(state) - 1);
			}
			fclose(f);
		}
		kill(pid, SIGKILL);
	}
	if ((!frozen || hung) && ckpt_wait(pid, &status, 0, hung ? 30000 : timeout_ms) != pid) {
		printf("# iteration %ld: pid %d cannot be killed (%s)\n", iter, pid, state);
		count_outcome("FINDING: unkillable", 1);
		keep(m, "unkillable", seed, iter, "");
		findings++;
		if (pfd >= 0)
			close(pfd);
		return 1;
	}
	if (pfd >= 0)
		close(pfd);
	n = pread(log_fd, log, sizeof(log) - 1, 0);
	if (n < 0)
		n = 0;
	log[n] = 0;
	for (p = log; *p; p++)
		nl += *p == '\n';
	if (n && log[n - 1] != '\n')
		nl += 100;	/* an unterminated line is a deviation */
	marker = ckpt_exists(MARKER);

	if (stopped) {
		if (nl) {
			snprintf(what, sizeof(what), "FINDING: restored frozen with %d log lines", nl);
			finding = 1;
		} else {
			snprintf(what, sizeof(what), "restored frozen (ip moved, not run)");
		}
	} else if (hung) {
		if (m->user && !in_restart) {
			snprintf(what, sizeof(what), "restored, hangs (user state changed)");
		} else {
			snprintf(what, sizeof(what), "FINDING: hang%s", in_restart ? " in restart()" : "");
			finding = 1;
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) >= CKPT_EXIT_RESTART_ERRNO &&
		   !marker) {
		int e = WEXITSTATUS(status) - CKPT_EXIT_RESTART_ERRNO;

		if (e == 0 || e == ENOSYS || e == EBADF || e == EFAULT || e >= 130) {
			snprintf(what, sizeof(what), "FINDING: errno %d %s", e, errname(e));
			finding = 1;
		} else if (nl != 1) {
			snprintf(what, sizeof(what), "FINDING: errno %s with %d log lines",
				 errname(e), nl);
			finding = 1;
		} else {
			snprintf(what, sizeof(what), "errno %s", errname(e));
		}
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !marker) {
		if (nl != 1) {
			snprintf(what, sizeof(what), "FINDING: SIGKILL with %d log lines", nl);
			finding = !m->user || nl > 1;
			if (!finding)
				snprintf(what, sizeof(what),
					 "restored, SIGKILL without a log line (user state changed)");
		} else {
			snprintf(what, sizeof(what), "SIGKILL after the point of no return");
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && marker) {
		if (nl) {
			snprintf(what, sizeof(what), "FINDING: restored with %d log lines", nl);
			finding = 1;
		} else {
			snprintf(what, sizeof(what), "restored and ran");
		}
	} else {
		/* the restored task (or restart) ended otherwise */
		char how[64];

		if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "killed by %s", sigabbrev_np(WTERMSIG(status)) ?: "?");
		else
			snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
		if (nl && !(m->user && nl == 1 && !marker)) {
			snprintf(what, sizeof(what), "FINDING: %s%s with %d log lines", how,
				 marker ? " after the marker" : "", nl);
			finding = 1;
		} else if (!m->user) {
			snprintf(what, sizeof(what), "FINDING: restored, %s, user state untouched", how);
			finding = 1;
		} else {
			snprintf(what, sizeof(what), "restored, %s (user state changed)", how);
		}
	}
	count_outcome(what, finding);
	if (finding || verbose > 1 || (verbose && iter < 0)) {
		printf("# iteration %ld: %s%s%s\n#   mutation: %s\n#   log: %.*s\n", iter, what,
		       *state ? "\n#   " : "", state, m->desc,
		       (int)strcspn(log, "\n"), log);
	}
	if (finding) {
		findings++;
		keep(m, what, seed, iter, log);
	}
	unlink(MARKER);
	return finding;
}

/*
 * A mutant of the tree corpus, through the tree builder: the tool may
 * refuse it itself (no kernel log line), the kernel may refuse it (one
 * line), or the tree is restored and its root runs.  Nothing of the
 * tree may be left behind, and nothing may wait in restart() forever.
 */
static int run_tree(const struct mutant *m, uint64_t seed, long iter, int verbose)
{
	char log[4096] = "", what[256];
	const char *img = DIR_PATH "/mutant.img", *logp = DIR_PATH "/mutant.log";
	int status = 0, nl = 0, finding = 0, marker, hung = 0;
	pid_t pid, left;
	char *s, *p;

	if (ckpt_write_file(img, m->buf, m->len) || ckpt_write_file(logp, "", 0)) {
		perror("# mutant");
		exit(2);
	}
	unlink(MARKER);
	fflush(stdout);
	pid = start_tree_restart(img, logp);
	if (pid < 0) {
		perror("# fork");
		exit(2);
	}
	if (ckpt_wait(pid, &status, 0, timeout_ms * 2) != pid) {
		hung = 1;
		tree_cgroup_kill();
		kill(pid, SIGKILL);
		ckpt_wait(pid, &status, 0, 30000);
	}
	/* the tree's init takes the namespace down with it */
	if (!hung && !tree_cgroup_empty()) {
		int i;

		for (i = 0; i < 300 && !tree_cgroup_empty(); i++)
			ckpt_msleep(10);
	}
	left = tree_cgroup_empty() ? 0 : -1;
	if (left) {
		char *procs = ckpt_slurp(TREE_CGROUP "/cgroup.threads", NULL), *q;

		/* what was left, for the report: state, parent, namespace pids */
		for (q = procs ? strtok(procs, "\n") : NULL; q; q = strtok(NULL, "\n")) {
			char path[64], *st, *stack;

			snprintf(path, sizeof(path), "/proc/%s/stat", q);
			st = ckpt_slurp(path, NULL);
			snprintf(path, sizeof(path), "/proc/%s/stack", q);
			stack = ckpt_slurp(path, NULL);
			printf("# left: %.80s\n#   stack: %.200s\n", st ? st : q,
			       stack ? stack : "?");
			free(st);
			free(stack);
		}
		free(procs);
		tree_cgroup_kill();
	}
	if (!left)
		left = left_in_restart();
	s = ckpt_slurp(logp, NULL);
	if (s) {
		snprintf(log, sizeof(log), "%s", s);
		free(s);
	}
	for (p = log; *p; p++)
		nl += *p == '\n';
	marker = ckpt_exists(MARKER);

	if (hung) {
		snprintf(what, sizeof(what), "%stree: hang", m->user ? "" : "FINDING: ");
		finding = !m->user;
	} else if (left) {
		snprintf(what, sizeof(what), "FINDING: tree: task %d left behind", left);
		finding = 1;
	} else if (WIFSIGNALED(status)) {
		snprintf(what, sizeof(what), "FINDING: tree: the tool died of %s",
			 sigabbrev_np(WTERMSIG(status)) ?: "?");
		finding = 1;
	} else if (marker) {
		if (nl && !m->user) {
			snprintf(what, sizeof(what), "FINDING: tree restored with %d log lines", nl);
			finding = 1;
		} else {
			snprintf(what, sizeof(what), "tree restored and ran");
		}
	} else if (WEXITSTATUS(status) == 0) {
		snprintf(what, sizeof(what), "%stree: restored, the root did not run",
			 m->user ? "" : "FINDING: ");
		finding = !m->user;
	} else if (nl > 1) {
		snprintf(what, sizeof(what), "FINDING: tree: failed with %d log lines", nl);
		finding = 1;
	} else {
		snprintf(what, sizeof(what), "tree: %s", nl ? "refused by the kernel" :
			 "refused by the tool");
	}
	count_outcome(what, finding);
	if (finding || verbose > 1 || (verbose && iter < 0))
		printf("# iteration %ld: %s\n#   mutation: %s\n#   log: %.*s\n", iter, what,
		       m->desc, (int)strcspn(log, "\n"), log);
	if (finding) {
		findings++;
		keep(m, what, seed, iter, log);
	}
	unlink(MARKER);
	return finding;
}

/* ---------------------------------------------------------------- */

static long envnum(const char *name, long def)
{
	const char *s = getenv(name);

	return s && *s ? (long)strtoull(s, NULL, 0) : def;
}

static int cmp_outcome(const void *a, const void *b)
{
	const struct outcome *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = envnum("FUZZ_SEED", 1);
	long iters = envnum("FUZZ_ITERS", -1), seconds = envnum("FUZZ_SECONDS", -1);
	int verbose = 0, replay = 0, opt, i, ok = 1, nr_corpus = 0;
	const char *only = getenv("FUZZ_CORPUS");
	double t0, t;
	struct mutant m = { 0 };
	long iter, dump_iter = -1;
	int progress = 0;

	/*
	 * Without address space randomization the corpus, and so the
	 * mutant of an iteration, is the same from one boot to the next:
	 * -R can then recreate the input that crashed a guest.
	 */
	if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE) &&
	    personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) != -1)
		execv("/proc/self/exe", argv);

	while ((opt = getopt(argc, argv, "s:n:t:T:o:c:R:bpvr")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': iters = strtol(optarg, NULL, 0); break;
		case 't': seconds = strtol(optarg, NULL, 0); break;
		case 'T': timeout_ms = strtol(optarg, NULL, 0) * 1000; break;
		case 'o': keep_dir = optarg; break;
		case 'b': out_b64 = 1; break;
		case 'p': progress = 1; break;
		case 'R': dump_iter = strtol(optarg, NULL, 0); break;
		case 'c': only = optarg; break;
		case 'v': verbose++; break;
		case 'r': replay = 1; break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n ITERS] [-t SECONDS] [-T TIMEOUT_S] [-o DIR] [-c CORPUS,...] [-b] [-p] [-v] [-r IMAGE...] | -s SEED -R ITER\n",
				argv[0]);
			return 2;
		}
	}
	if (dump_iter >= 0) {
		iters = dump_iter + 1;
		seconds = -1;
	}
	/*
	 * The make check pass: 5000 mutants, or 2000 on the debug kernel
	 * (KASAN under TCG runs it about five times slower; kmemleak's
	 * debugfs file tells that kernel apart) to stay well inside the
	 * runner's per-binary timeout.
	 */
	if (iters < 0 && seconds < 0) {
		iters = access("/sys/kernel/debug/kmemleak", F_OK) ? 5000 : 2000;
		/*
		 * The tree corpora (tree, pidns) go through the tree builder,
		 * about three times slower per mutant: make check's fixed
		 * pass leaves them to make fuzz.
		 */
		if (!only)
			only = "plain,files,pipes,fifo,signals,timers,events,locks,unix,scm,inotify,pty";
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..1\n");
	printf("# fuzz_restart: seed %#llx, %ld iterations, %ld seconds, timeout %d ms\n",
	       (unsigned long long)seed, iters, seconds, timeout_ms);
	signal(SIGPIPE, SIG_IGN);
	ckpt_rmtree(DIR_PATH);
	if (mkdir(DIR_PATH, 0755) && errno != EEXIST) {
		printf("not ok 1 fuzz_restart # mkdir %s: %s\n", DIR_PATH, strerror(errno));
		return 1;
	}
	if (keep_dir)
		mkdir(keep_dir, 0755);
	if (mkdir(TREE_CGROUP, 0755) && errno != EEXIST)
		printf("# no cgroup %s (%s): no tree corpus\n", TREE_CGROUP, strerror(errno));
	for (i = 0; i < NR_CORPUS; i++) {
		if (only && *only && !strstr(only, corpus[i].name))
			continue;
		if (corpus[i].tree && (access(TREE_CGROUP, F_OK) || !ckpt_tool("restart")))
			continue;
		if (nr_corpus != i)
			corpus[nr_corpus] = corpus[i];
		if (make_corpus(&corpus[nr_corpus])) {
			printf("not ok 1 fuzz_restart # corpus %s failed\n", corpus[i].name);
			return 1;
		}
		if (corpus[nr_corpus].len * 2 + 65536 > m.cap)
			m.cap = corpus[nr_corpus].len * 2 + 65536;
		nr_corpus++;
	}
	if (!nr_corpus) {
		printf("not ok 1 fuzz_restart # no corpus\n");
		return 1;
	}
	m.buf = malloc(m.cap);
	img_fd = memfd_create("fuzz-image", 0);
	log_fd = memfd_create("fuzz-log", 0);
	if (!m.buf || img_fd < 0 || log_fd < 0) {
		printf("not ok 1 fuzz_restart # setup: %s\n", strerror(errno));
		return 1;
	}
	rng_state = seed;
	t0 = ckpt_now();
	if (replay) {
		for (iter = 0; optind < argc; optind++, iter++) {
			char *img = ckpt_slurp(argv[optind], &m.len);

			if (!img || m.len > m.cap) {
				printf("# %s: cannot read\n", argv[optind]);
				ok = 0;
				continue;
			}
			memcpy(m.buf, img, m.len);
			free(img);
			m.user = 0;
			m.ip = ~0ULL;	/* run as it is, wherever it resumes */
			m.tree = image_tasks(m.buf, m.len) > 1;
			snprintf(m.desc, sizeof(m.desc), "replay of %s", argv[optind]);
			run_one(&m, seed, -1 - iter, 1);
		}
	} else {
		for (iter = 0; ; iter++) {
			t = ckpt_now() - t0;
			if (iters >= 0 && iter >= iters)
				break;
			if (seconds >= 0 && t >= seconds)
				break;
			mutate(&m, &corpus[rnd(nr_corpus)]);
			if (dump_iter >= 0) {
				if (iter < dump_iter)
					continue;
				out_b64 = 1;
				keep(&m, "recreated", seed, iter, "");
				break;
			}
			if (progress)
				printf("FUZZ-ITER %ld\n", iter);
			run_one(&m, seed, iter, verbose);
			if (iter && iter % 1000 == 0)
				printf("# %ld executions, %.1f/s, %ld findings\n", iter,
				       iter / (ckpt_now() - t0), findings);
		}
	}
	t = ckpt_now() - t0;
	qsort(outcomes, nr_outcomes, sizeof(outcomes[0]), cmp_outcome);
	printf("# executions: %ld in %.1f s, %.1f/s (seed %#llx)\n", iter, t,
	       t > 0 ? iter / t : 0.0, (unsigned long long)seed);
	printf("# distinct outcomes: %d\n", nr_outcomes);
	for (i = 0; i < nr_outcomes; i++)
		printf("#   %8ld  %s\n", outcomes[i].count, outcomes[i].name);
	printf("# findings: %ld\n", findings);
	ckpt_rmtree(DIR_PATH);
	rmdir(TREE_CGROUP);
	if (findings || !ok) {
		printf("not ok 1 fuzz_restart\n");
		return 1;
	}
	printf("ok 1 fuzz_restart\n");
	return 0;
}
