// SPDX-License-Identifier: GPL-2.0
/*
 * Faults during checkpoint(2) and restart(2): a file system that fills
 * up, a pipe reader that dies, a target killed mid-checkpoint, signals
 * to the caller, and (debug kernel, CONFIG_FAULT_INJECTION) allocation
 * failures injected at every point of both calls with
 * /proc/thread-self/fail-nth.
 *
 * Every outcome must be a success or a clean errno with a log line; a
 * checkpointed task is left exactly as it was (it counts on and its
 * memory checks out when let go); a restarter either becomes the task
 * (which checks itself) or returns an error or dies: never a
 * half-restored task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <checkpoint.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define MiB		(1UL << 20)
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DBG		"/sys/kernel/debug"

FIXTURE(faults) {
	struct ckpt_env env;
	struct ckpt_counter c;
	char *img, *log, *out, *mnt;
	int mounted;
};

FIXTURE_SETUP(faults)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "faults"), 0);
	ckpt_counter_init(&self->c, &self->env, "counter");
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "worker.out");
	self->mnt = ckpt_path(&self->env, "small");
	self->mounted = 0;
	signal(SIGPIPE, SIG_DFL);
}

FIXTURE_TEARDOWN_PARENT(faults)
{
	if (self->mounted)
		umount2(self->mnt, MNT_DETACH);
	ckpt_env_fini(&self->env);
}

static pid_t start_counter(struct __test_metadata *_metadata,
			   FIXTURE_DATA(faults) *self, size_t mem)
{
	pid_t pid;

	self->c.mem = mem;
	self->c.step_ms = 50;
	pid = ckpt_counter_start(&self->c);
	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	if (ckpt_counter_wait(&self->c, 3, 60000) < 3) {
		ckpt_dump("counter", self->c.out, 2048);
		TH_LOG("counter did not start counting");
		return -1;
	}
	return pid;
}

/* Still stopped, then counts on with its memory intact, and quits */
static void counter_unharmed(struct __test_metadata *_metadata,
			     FIXTURE_DATA(faults) *self, pid_t pid)
{
	char err[256];
	long now = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
	int status;

	ASSERT_GT(now, 0) TH_LOG("counter file: %s", err);
	EXPECT_EQ(ckpt_proc_state(pid), 'T')
		TH_LOG("the failed checkpoint changed the task's state");
	ASSERT_EQ(kill(pid, SIGCONT), 0);
	EXPECT_GE(ckpt_counter_wait(&self->c, now + 3, 30000), now + 3)
		TH_LOG("the counter does not count after the failed checkpoint");
	ASSERT_EQ(ckpt_counter_quit(&self->c, 5), 0);
	ASSERT_EQ(ckpt_wait_or_kill(pid, &status, 30000), 0);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 5)
		ckpt_dump("counter", self->c.out, 2048);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5)
		TH_LOG("counter %s (1: its memory or counter check failed)",
		       ckpt_status_str(status));
}

static int log_lines(FIXTURE_DATA(faults) *self)
{
	return ckpt_exists(self->log) ? ckpt_count_lines(self->log) : 0;
}

static void show_log(struct __test_metadata *_metadata,
		     FIXTURE_DATA(faults) *self, const char *what)
{
	char *buf = ckpt_slurp(self->log, NULL);

	TH_LOG("%s: log: %.*s", what, buf ? (int)strcspn(buf, "\n") : 6,
	       buf ? buf : "(none)");
	free(buf);
}

/* B1: checkpoint into a 1 MiB tmpfs of an 8 MiB process: ENOSPC */
TEST_F_TIMEOUT(faults, enospc, 120)
{
	char path[CKPT_PATH_LEN + 8];
	int fd, logfd;
	long ret;
	pid_t pid;

	ASSERT_EQ(mkdir(self->mnt, 0755), 0);
	ASSERT_EQ(mount("tmpfs", self->mnt, "tmpfs", 0, "size=1m"), 0);
	self->mounted = 1;
	pid = start_counter(_metadata, self, 8 * MiB);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	snprintf(path, sizeof(path), "%s/img", self->mnt);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);
	errno = 0;
	ret = checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd);
	EXPECT_EQ(ret, -1);
	EXPECT_EQ(errno, ENOSPC) TH_LOG("errno %d (%s)", errno, strerror(errno));
	close(fd);
	close(logfd);
	EXPECT_EQ(log_lines(self), 1);
	show_log(_metadata, self, "ENOSPC");
	counter_unharmed(_metadata, self, pid);
}

/* A pipe reader: reads @limit bytes (0: all) in @chunk steps with @delay_ms, exits */
static pid_t reader(int rfd, int wfd, size_t limit, size_t chunk, int delay_ms,
		    const char *save)
{
	pid_t pid = ckpt_fork();

	if (pid == 0) {
		char *buf = malloc(chunk);
		size_t total = 0;
		int out = save ? open(save, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
		ssize_t n;

		close(wfd);
		while (!limit || total < limit) {
			n = read(rfd, buf, limit && limit - total < chunk ?
				 limit - total : chunk);
			if (n <= 0)
				break;
			if (out >= 0 && write(out, buf, n) != n)
				_exit(2);
			total += n;
			if (delay_ms)
				ckpt_msleep(delay_ms);
		}
		_exit(0);
	}
	return pid;
}

/*
 * In a child: checkpoint @target into @wfd with @logfd; SIGPIPE ignored
 * if @ignore.  Exits with the errno, 0 on success.
 */
static pid_t checkpointer(pid_t target, int wfd, int logfd, int ignore,
			  void (*handler)(int), int sa_flags)
{
	pid_t pid = ckpt_fork();

	if (pid == 0) {
		if (ignore)
			signal(SIGPIPE, SIG_IGN);
		if (handler) {
			struct sigaction sa = { .sa_handler = handler,
						.sa_flags = sa_flags };

			sigaction(SIGUSR1, &sa, NULL);
		}
		errno = 0;
		if (checkpoint(target, wfd, CHECKPOINT_SUBTREE, logfd) > 0)
			_exit(0);
		_exit(errno ? errno : 255);
	}
	return pid;
}

/* B2: the reader of the image pipe exits half way: EPIPE, or SIGPIPE */
TEST_F_TIMEOUT(faults, reader_dies_epipe, 120)
{
	int p[2], logfd, status, ignore;
	pid_t pid, r, ck;

	pid = start_counter(_metadata, self, 4 * MiB);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	for (ignore = 1; ignore >= 0; ignore--) {
		ASSERT_EQ(pipe(p), 0);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		ASSERT_GE(logfd, 0);
		r = reader(p[0], p[1], 1 * MiB, 64 << 10, 0, NULL);
		ASSERT_GT(r, 0);
		ckpt_track(&self->env, r);
		close(p[0]);
		ck = checkpointer(pid, p[1], logfd, ignore, NULL, 0);
		ASSERT_GT(ck, 0);
		ckpt_track(&self->env, ck);
		close(p[1]);
		close(logfd);
		ASSERT_EQ(ckpt_wait_or_kill(ck, &status, 60000), 0)
			TH_LOG("checkpoint hangs");
		ckpt_untrack(&self->env, ck);
		if (ignore) {
			EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EPIPE)
				TH_LOG("SIGPIPE ignored: %s", ckpt_status_str(status));
			EXPECT_EQ(log_lines(self), 1);
			show_log(_metadata, self, "EPIPE");
		} else {
			/* write(2)'s rule: a caller that does not ignore it dies of SIGPIPE */
			EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
				TH_LOG("SIGPIPE not ignored: %s", ckpt_status_str(status));
		}
		ckpt_wait_or_kill(r, &status, 10000);
		ckpt_untrack(&self->env, r);
	}
	counter_unharmed(_metadata, self, pid);
}

/* B3: the target is killed while a big checkpoint trickles into a slow pipe */
TEST_F_TIMEOUT(faults, target_killed_mid_checkpoint, 180)
{
	int p[2], logfd, status, cstatus;
	pid_t pid, r, ck;
	double t0;

	pid = start_counter(_metadata, self, 16 * MiB);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	ASSERT_EQ(pipe(p), 0);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	ASSERT_GE(logfd, 0);
	r = reader(p[0], p[1], 0, 64 << 10, 10, NULL);
	ASSERT_GT(r, 0);
	ckpt_track(&self->env, r);
	close(p[0]);
	ck = checkpointer(pid, p[1], logfd, 1, NULL, 0);
	ASSERT_GT(ck, 0);
	ckpt_track(&self->env, ck);
	close(p[1]);
	close(logfd);
	ckpt_msleep(500);
	t0 = ckpt_now();
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	/* the target dies, whatever the checkpoint is doing */
	ASSERT_EQ(ckpt_wait_or_kill(pid, &status, 60000), 0) TH_LOG("the target hangs");
	ckpt_untrack(&self->env, pid);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("target %s", ckpt_status_str(status));
	ASSERT_EQ(ckpt_wait_or_kill(ck, &cstatus, 60000), 0) TH_LOG("checkpoint hangs");
	ckpt_untrack(&self->env, ck);
	TH_LOG("target reaped %.2f s after SIGKILL; checkpoint: %s",
	       ckpt_now() - t0, WIFEXITED(cstatus) && !WEXITSTATUS(cstatus) ?
	       "completed" : WIFEXITED(cstatus) ? strerror(WEXITSTATUS(cstatus)) :
	       ckpt_status_str(cstatus));
	ASSERT_TRUE(WIFEXITED(cstatus)) TH_LOG("checkpointer %s", ckpt_status_str(cstatus));
	if (WEXITSTATUS(cstatus)) {
		EXPECT_NE(WEXITSTATUS(cstatus), 255);
		EXPECT_EQ(log_lines(self), 1);
		show_log(_metadata, self, "target killed");
	}
	ckpt_wait_or_kill(r, &status, 60000);
	ckpt_untrack(&self->env, r);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/*
 * B4 (checkpoint): SIGUSR1 with a handler (without, then with
 * SA_RESTART) hits the caller during a slow checkpoint into a pipe: it
 * completes with a whole image, or fails with EINTR; it is never
 * restarted behind the reader's back (a second header in the stream).
 * Then SIGKILL: the caller dies.  The target is untouched throughout.
 */
TEST_F_TIMEOUT(faults, signal_to_checkpoint_caller, 240)
{
	static const char *const modes[] = { "SIGUSR1", "SIGUSR1 (SA_RESTART)", "SIGKILL" };
	static struct ckpt_rec recs[4096];
	int p[2], logfd, status, rstatus, i, mode;
	char err[256], *img;
	size_t len;
	pid_t pid, r, ck;

	pid = start_counter(_metadata, self, 8 * MiB);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	for (mode = 0; mode < 3; mode++) {
		ASSERT_EQ(pipe(p), 0);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		ASSERT_GE(logfd, 0);
		r = reader(p[0], p[1], 0, 64 << 10, 10, self->img);
		ASSERT_GT(r, 0);
		ckpt_track(&self->env, r);
		close(p[0]);
		ck = checkpointer(pid, p[1], logfd, 1, on_usr1,
				  mode == 1 ? SA_RESTART : 0);
		ASSERT_GT(ck, 0);
		ckpt_track(&self->env, ck);
		close(p[1]);
		close(logfd);
		for (i = 0; i < 20 && !ckpt_wait(ck, &status, 0, 100); i++)
			kill(ck, mode == 2 ? SIGKILL : SIGUSR1);
		if (i == 20)
			ASSERT_EQ(ckpt_wait_or_kill(ck, &status, 60000), 0)
				TH_LOG("checkpoint hangs");
		ckpt_untrack(&self->env, ck);
		ckpt_wait_or_kill(r, &rstatus, 60000);
		ckpt_untrack(&self->env, r);
		if (mode == 2) {
			EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				TH_LOG("SIGKILLed checkpointer: %s", ckpt_status_str(status));
		} else {
			EXPECT_TRUE(WIFEXITED(status) &&
				    (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == EINTR))
				TH_LOG("%s to the checkpointer: %s (exit code = errno)",
				       modes[mode], ckpt_status_str(status));
			TH_LOG("%s to the checkpointer: %s", modes[mode],
			       WIFEXITED(status) && !WEXITSTATUS(status) ? "completed" :
			       "EINTR");
			if (WIFEXITED(status) && WEXITSTATUS(status))
				EXPECT_EQ(log_lines(self), 1);
			/* a completed checkpoint wrote one whole image */
			if (WIFEXITED(status) && !WEXITSTATUS(status)) {
				img = ckpt_slurp(self->img, &len);
				ASSERT_NE(img, NULL);
				EXPECT_GT(ckpt_image_walk(img, len, recs, 4096, err,
							  sizeof(err)), 2)
					TH_LOG("%s: the image in the pipe: %s",
					       modes[mode], err);
				free(img);
			}
		}
		EXPECT_EQ(ckpt_proc_state(pid), 'T');
	}
	counter_unharmed(_metadata, self, pid);
}

/* Feed @path into a pipe in @chunk steps with @delay_ms */
static pid_t slow_feeder(const char *path, size_t chunk, int delay_ms, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = ckpt_fork();
	if (pid == 0) {
		size_t len, off = 0;
		char *img = ckpt_slurp(path, &len);
		ssize_t w;

		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		while (img && off < len) {
			w = write(p[1], img + off, len - off < chunk ? len - off : chunk);
			if (w <= 0)
				_exit(1);
			off += w;
			ckpt_msleep(delay_ms);
		}
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/*
 * B4 (restart): the counter's image restarts from a slow pipe while
 * the restarter gets SIGWINCH with a handler (the restored counter's
 * default action for it is to ignore it), then SIGKILL.
 */
TEST_F_TIMEOUT(faults, signal_to_restart_caller, 240)
{
	int fd, logfd, status, i, fatal, gone, n_ok = 0, n_eintr = 0;
	size_t count0_len;
	char *count0;
	long before, after;
	pid_t pid, f, rs;
	char err[256];

	pid = start_counter(_metadata, self, 8 * MiB);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_GT(checkpoint(pid, fd, CHECKPOINT_SUBTREE, CHECKPOINT_FD_NONE), 0);
	close(fd);
	kill(pid, SIGKILL);
	ckpt_wait_or_kill(pid, &status, 10000);
	ckpt_untrack(&self->env, pid);
	before = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
	ASSERT_GT(before, 0) TH_LOG("%s", err);
	/* each restored counter goes on from here: its file too */
	count0 = ckpt_slurp(self->c.count, &count0_len);
	ASSERT_NE(count0, NULL);

	for (fatal = 0; fatal <= 1; fatal++) {
		ASSERT_EQ(ckpt_write_file(self->c.count, count0, count0_len), 0);
		before = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
		f = slow_feeder(self->img, 64 << 10, 10, &fd);
		ASSERT_GT(f, 0);
		ckpt_track(&self->env, f);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		ASSERT_GE(logfd, 0);
		rs = ckpt_fork();
		ASSERT_GE(rs, 0);
		if (rs == 0) {
			struct sigaction sa = { .sa_handler = on_usr1 };

			sigaction(SIGWINCH, &sa, NULL);	/* no SA_RESTART */
			restart(0, fd, RESTART_TASKSELF, logfd);
			_exit(CKPT_EXIT_RESTART_ERRNO + (errno > 130 ? 130 : errno));
		}
		ckpt_track(&self->env, rs);
		close(fd);
		close(logfd);
		/*
		 * Signal it until it is restored or gone.  The counter was
		 * stopped when checkpointed: restored, it stops again.
		 */
		for (i = 0, gone = 0; i < 100; i++) {
			if (ckpt_wait(rs, &status, 0, 100)) {
				gone = 1;
				break;
			}
			if (ckpt_proc_state(rs) == 'T' ||
			    ckpt_counter_read(&self->c, NULL, 0, 0, NULL) > before)
				break;
			kill(rs, fatal ? SIGKILL : SIGWINCH);
		}
		if (!gone) {
			kill(rs, SIGCONT);
			/* restored: it must count on from where it was */
			after = ckpt_counter_wait(&self->c, before + 3, 30000);
			EXPECT_GE(after, before + 3)
				TH_LOG("the restored counter does not count");
			EXPECT_FALSE(fatal) TH_LOG("restored despite SIGKILL");
			ASSERT_EQ(ckpt_counter_quit(&self->c, 6), 0);
			ckpt_wait_or_kill(rs, &status, 30000);
			unlink(self->c.quit);
			EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 6)
				TH_LOG("restored counter: %s", ckpt_status_str(status));
			n_ok++;
		} else if (fatal) {
			EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				TH_LOG("SIGKILLed restarter: %s", ckpt_status_str(status));
		} else {
			EXPECT_TRUE(WIFEXITED(status) &&
				    WEXITSTATUS(status) == CKPT_EXIT_RESTART_ERRNO + EINTR)
				TH_LOG("restarter hit by SIGWINCH: %s (120 + errno), log %d lines",
				       ckpt_status_str(status), log_lines(self));
			if (WIFEXITED(status) &&
			    WEXITSTATUS(status) == CKPT_EXIT_RESTART_ERRNO + EINTR) {
				EXPECT_EQ(log_lines(self), 1);
				n_eintr++;
			}
			if (log_lines(self))
				show_log(_metadata, self, "restarter");
		}
		ckpt_untrack(&self->env, rs);
		kill(f, SIGKILL);
		ckpt_wait_or_kill(f, &status, 10000);
		ckpt_untrack(&self->env, f);
		/* nothing counts after a failed restart */
		before = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
		ckpt_msleep(300);
		EXPECT_EQ(ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL), before)
			TH_LOG("something counts after the restart failed");
	}
	TH_LOG("non-fatal signal: %d restored, %d EINTR", n_ok, n_eintr);

	/* the image is still good: it restarts from the file */
	ASSERT_EQ(ckpt_write_file(self->c.count, count0, count0_len), 0);
	before = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
	free(count0);
	rs = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GT(rs, 0);
	ckpt_track(&self->env, rs);
	for (i = 0; i < 200 && ckpt_proc_state(rs) != 'T'; i++)
		ckpt_msleep(50);
	kill(rs, SIGCONT);
	EXPECT_GE(ckpt_counter_wait(&self->c, before + 3, 30000), before + 3);
	ASSERT_EQ(ckpt_counter_quit(&self->c, 8), 0);
	ckpt_wait_or_kill(rs, &status, 30000);
	ckpt_untrack(&self->env, rs);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 8)
		TH_LOG("restored counter: %s", ckpt_status_str(status));
}

/*
 * B5: allocation failures (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC)
 * injected at the 1st, 2nd, ... allocation of the calling task inside
 * the call, until the call completes without reaching the Nth.
 */
static int dbg_write(const char *path, const char *val)
{
	return ckpt_write_file(path, val, strlen(val));
}

static int fault_injection_setup(void)
{
	if (access(FAIL_NTH, W_OK) || access(DBG "/failslab/verbose", W_OK) ||
	    access(DBG "/fail_page_alloc/verbose", W_OK))
		return -1;
	/* GFP_KERNEL allocations too, order 0 pages too, no stack dumps */
	if (dbg_write(DBG "/failslab/ignore-gfp-wait", "N") ||
	    dbg_write(DBG "/failslab/verbose", "0") ||
	    dbg_write(DBG "/fail_page_alloc/ignore-gfp-wait", "N") ||
	    dbg_write(DBG "/fail_page_alloc/ignore-gfp-highmem", "N") ||
	    dbg_write(DBG "/fail_page_alloc/min-order", "0") ||
	    dbg_write(DBG "/fail_page_alloc/verbose", "0"))
		return -1;
	return 0;
}

/* Arm fail-nth at @n through the open @fd; read what is left */
static int nth_set(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

static unsigned int nth_get(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return ~0U;
	return strtoul(buf, NULL, 10);
}

/* outcome codes of one injected call */
enum { FI_DONE = 1, FI_OK_ABSORBED, FI_ERRNO, FI_KILLED, FI_BAD };

struct fi_stats {
	int n, ok, errnos[134], killed, bad;
};

static void fi_show(struct __test_metadata *_metadata, const char *what,
		    struct fi_stats *st)
{
	char buf[600];
	int i, len;

	len = snprintf(buf, sizeof(buf), "%s: %d injection points: %d succeeded anyway, %d killed",
		       what, st->n, st->ok, st->killed);
	for (i = 0; i < 134; i++)
		if (st->errnos[i] && len < (int)sizeof(buf))
			len += snprintf(buf + len, sizeof(buf) - len, ", %d %s",
					st->errnos[i], strerrorname_np(i) ?: "?");
	TH_LOG("%s; %d not clean", buf, st->bad);
}

TEST_F_TIMEOUT(faults, fault_injection_checkpoint, 600)
{
	struct fi_stats st = { 0 };
	int status, fd, logfd, code = 0;
	unsigned int n;
	pid_t pid, ck;
	double end = ckpt_now() + 400;

	if (fault_injection_setup())
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC, debugfs)");
	pid = start_counter(_metadata, self, 256 << 10);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	for (n = 1; n < 20000 && ckpt_now() < end; n++) {
		unlink(self->log);
		ck = ckpt_fork();
		ASSERT_GE(ck, 0);
		if (ck == 0) {
			int nfd = open(FAIL_NTH, O_RDWR);
			long ret;
			unsigned int left;

			fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (nfd < 0 || fd < 0 || logfd < 0 || nth_set(nfd, n))
				_exit(FI_BAD);
			ret = checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd);
			left = nth_get(nfd);
			nth_set(nfd, 0);
			if (ret > 0)
				_exit(left ? FI_DONE : FI_OK_ABSORBED);
			if (left) {
				fprintf(stderr, "# fail-nth %u: checkpoint failed without a fault: %s\n",
					n, strerror(errno));
				_exit(FI_BAD);
			}
			_exit(100 + (errno > 133 ? 133 : errno));
		}
		ckpt_track(&self->env, ck);
		if (ckpt_wait_or_kill(ck, &status, 60000)) {
			TH_LOG("fail-nth %u: checkpoint hangs", n);
			st.bad++;
			break;
		}
		ckpt_untrack(&self->env, ck);
		code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code == FI_DONE)
			break;
		st.n++;
		if (code == FI_OK_ABSORBED) {
			st.ok++;
		} else if (code >= 100 && code < 234 && code != 100 + EBADF &&
			   code != 100 + ENOSYS) {
			st.errnos[code - 100]++;
			/* the 1st allocation is the context: nothing to log with */
			if (log_lines(self) != (n == 1 && code == 100 + ENOMEM ? 0 : 1)) {
				TH_LOG("fail-nth %u: errno %d with %d log lines", n,
				       code - 100, log_lines(self));
				st.bad++;
			}
		} else {
			TH_LOG("fail-nth %u: checkpointer %s", n, ckpt_status_str(status));
			st.bad++;
		}
		if (ckpt_proc_state(pid) != 'T') {
			TH_LOG("fail-nth %u: the target is no longer stopped", n);
			st.bad++;
			break;
		}
		if (st.bad > 10)
			break;
	}
	fi_show(_metadata, "checkpoint", &st);
	EXPECT_EQ(code, FI_DONE) TH_LOG("stopped at fail-nth %u before the end", n);
	EXPECT_GT(st.n, 0);
	EXPECT_EQ(st.bad, 0);
	counter_unharmed(_metadata, self, pid);
}

/* The worker whose image restart() is fed faults into */
#define FI_MEM		(256 << 10)
#define FI_SEED		0x6661756c74ULL

static void __attribute__((noreturn)) fi_worker(FIXTURE_DATA(faults) *self)
{
	char *mem;
	int fd, i, nfd = -1;
	long ret;
	unsigned int left;

	if (ckpt_isolate(self->out))
		_exit(CKPT_EXIT_SETUP);
	mem = mmap(NULL, FI_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(mem, FI_MEM, FI_SEED);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = ckpt_self(fd, -1);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0)
		_exit(CKPT_EXIT_CKPT_FAILED);
	/*
	 * Restored, perhaps with the fault still armed: disarm it.  An
	 * open() that fails took the fault, which restart then never
	 * reached.
	 */
	for (i = 0; i < 8 && nfd < 0; i++)
		nfd = open(FAIL_NTH, O_RDWR);
	if (nfd < 0)
		_exit(20);
	left = nth_get(nfd);
	nth_set(nfd, 0);
	if (ckpt_check(mem, FI_MEM, FI_SEED) >= 0)
		_exit(21);	/* half restored */
	_exit(i > 1 || left ? FI_DONE : FI_OK_ABSORBED);
}

TEST_F_TIMEOUT(faults, fault_injection_restart, 600)
{
	struct fi_stats st = { 0 };
	int status, code = 0;
	unsigned int n;
	pid_t pid, rs;
	double end = ckpt_now() + 400;

	if (fault_injection_setup())
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC, debugfs)");
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		fi_worker(self);
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_CHECKPOINTED)
		TH_LOG("worker %s", ckpt_status_str(status));

	for (n = 1; n < 20000 && ckpt_now() < end; n++) {
		unlink(self->log);
		rs = ckpt_fork();
		ASSERT_GE(rs, 0);
		if (rs == 0) {
			int nfd = open(FAIL_NTH, O_RDWR);
			int fd = open(self->img, O_RDONLY);
			int logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
			unsigned int left;

			if (nfd < 0 || fd < 0 || logfd < 0 || nth_set(nfd, n))
				_exit(FI_BAD);
			restart(0, fd, RESTART_TASKSELF, logfd);
			left = nth_get(nfd);
			nth_set(nfd, 0);
			if (left) {
				fprintf(stderr, "# fail-nth %u: restart failed without a fault: %s\n",
					n, strerror(errno));
				_exit(FI_BAD);
			}
			_exit(100 + (errno > 133 ? 133 : errno));
		}
		ckpt_track(&self->env, rs);
		if (ckpt_wait_or_kill(rs, &status, 60000)) {
			TH_LOG("fail-nth %u: restart hangs", n);
			st.bad++;
			break;
		}
		ckpt_untrack(&self->env, rs);
		code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code == FI_DONE)
			break;
		st.n++;
		if (code == FI_OK_ABSORBED) {
			st.ok++;
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			/* past the point of no return: killed, never half restored */
			st.killed++;
			if (log_lines(self) != 1) {
				TH_LOG("fail-nth %u: SIGKILL with %d log lines", n,
				       log_lines(self));
				st.bad++;
			}
		} else if (code >= 100 && code < 234 && code != 100 + EBADF &&
			   code != 100 + ENOSYS) {
			st.errnos[code - 100]++;
			/* the 1st allocation is the context: nothing to log with */
			if (log_lines(self) != (n == 1 && code == 100 + ENOMEM ? 0 : 1)) {
				TH_LOG("fail-nth %u: errno %d with %d log lines", n,
				       code - 100, log_lines(self));
				st.bad++;
			}
		} else {
			TH_LOG("fail-nth %u: restarter %s", n, ckpt_status_str(status));
			ckpt_dump("restored task", self->out, 1024);
			st.bad++;
		}
		if (st.bad > 10)
			break;
	}
	fi_show(_metadata, "restart", &st);
	EXPECT_EQ(code, FI_DONE) TH_LOG("stopped at fail-nth %u before the end", n);
	EXPECT_GT(st.n, 0);
	EXPECT_EQ(st.bad, 0);
}

TEST_HARNESS_MAIN
