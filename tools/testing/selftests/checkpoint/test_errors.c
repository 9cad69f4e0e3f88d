// SPDX-License-Identifier: GPL-2.0
/*
 * Error paths of checkpoint(2) and restart(2): each must fail with the
 * documented errno, write exactly one line to the log fd, and leave the
 * target untouched (checkpoint) or never run a restored task
 * (restart).  Truncated and corrupted images must make restart() fail
 * cleanly: return -1, or kill the restarting process with SIGKILL once
 * past the point of no return.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
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

#define MAX_RECS	4096
#define SOCKET_FD	57
#define BAD_FD		999
#define BAD_LOGFD	998

FIXTURE(errors) {
	struct ckpt_env env;
	struct ckpt_counter c;
	char *img, *log, *out, *marker, *tmp;
};

FIXTURE_SETUP(errors)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "errors"), 0);
	ckpt_counter_init(&self->c, &self->env, "counter");
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "worker.out");
	self->marker = ckpt_path(&self->env, "restored-task-ran");
	self->tmp = ckpt_path(&self->env, "bad-image");
	close(BAD_FD);
	close(BAD_LOGFD);
}

FIXTURE_TEARDOWN_PARENT(errors)
{
	ckpt_env_fini(&self->env);
}

/* An empty log file, opened for appending */
static int fresh_log(FIXTURE_DATA(errors) *self)
{
	return open(self->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
}

/* The log holds exactly one line; it is shown */
static int one_log_line(struct __test_metadata *_metadata,
			FIXTURE_DATA(errors) *self, const char *what)
{
	char *buf = ckpt_slurp(self->log, NULL);
	int n = ckpt_count_lines(self->log), ok;

	ok = buf && n == 1 && buf[strlen(buf) - 1] == '\n';
	if (ok)
		TH_LOG("%s: log: %.*s", what, (int)strlen(buf) - 1, buf);
	else
		TH_LOG("%s: %d log lines, expected 1: '%s'", what, n,
		       buf ? buf : "(no log)");
	free(buf);
	return ok;
}

/* "fd N" in the log, not followed by another digit */
static int log_names_fd(FIXTURE_DATA(errors) *self, int fd)
{
	char *buf = ckpt_slurp(self->log, NULL), want[16], *p;
	int found = 0;

	snprintf(want, sizeof(want), "fd %d", fd);
	for (p = buf; p && (p = strstr(p, want)); p++)
		if (p[strlen(want)] < '0' || p[strlen(want)] > '9')
			found = 1;
	free(buf);
	return found;
}

static pid_t start_counter(struct __test_metadata *_metadata,
			   FIXTURE_DATA(errors) *self)
{
	pid_t pid = ckpt_counter_start(&self->c);

	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	if (ckpt_counter_wait(&self->c, 3, 20000) < 3) {
		ckpt_dump("counter", self->c.out, 2048);
		TH_LOG("counter did not start counting");
		return -1;
	}
	return pid;
}

/*
 * The counter was not harmed: after SIGCONT (if @stopped) it counts on,
 * and it exits normally when told to.
 */
static void counter_unharmed(struct __test_metadata *_metadata,
			     FIXTURE_DATA(errors) *self, pid_t pid, int stopped)
{
	char err[256];
	long now = ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL);
	int status;

	ASSERT_GT(now, 0) TH_LOG("counter file: %s", err);
	if (stopped) {
		ckpt_msleep(100);
		EXPECT_EQ(ckpt_proc_state(pid), 'T')
			TH_LOG("failed checkpoint changed the task's state");
		EXPECT_EQ(ckpt_counter_read(&self->c, err, sizeof(err), 0, NULL), now);
		ASSERT_EQ(kill(pid, SIGCONT), 0);
	} else {
		EXPECT_NE(ckpt_proc_state(pid), 'T')
			TH_LOG("failed checkpoint stopped the task");
	}
	EXPECT_GE(ckpt_counter_wait(&self->c, now + 3, 20000), now + 3)
		TH_LOG("the counter does not count after the failed checkpoint");
	ASSERT_EQ(ckpt_counter_quit(&self->c, 5), 0);
	ASSERT_EQ(ckpt_wait_or_kill(pid, &status, 20000), 0);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 5)
		ckpt_dump("counter", self->c.out, 2048);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5)
		TH_LOG("counter %s", ckpt_status_str(status));
}

/* checkpoint(pid, fd, flags, logfd) with a fresh log; returns errno or 0 */
static int try_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	long ret;

	errno = 0;
	ret = checkpoint(pid, fd, flags, logfd);
	return ret < 0 ? errno : 0;
}

TEST_F_TIMEOUT(errors, running_target_ebusy, 60)
{
	pid_t pid = start_counter(_metadata, self);
	int fd, logfd;

	ASSERT_GT(pid, 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = fresh_log(self);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);
	EXPECT_EQ(try_checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd), EBUSY);
	EXPECT_TRUE(one_log_line(_metadata, self, "EBUSY"));
	close(fd);
	close(logfd);
	counter_unharmed(_metadata, self, pid, 0);
}

TEST_F_TIMEOUT(errors, socket_fd_eopnotsupp, 60)
{
	pid_t pid;
	int fd, logfd;

	self->c.socket_fd = SOCKET_FD;
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = fresh_log(self);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);
	EXPECT_EQ(try_checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd),
		  EOPNOTSUPP);
	EXPECT_TRUE(one_log_line(_metadata, self, "EOPNOTSUPP"));
	EXPECT_TRUE(log_names_fd(self, SOCKET_FD))
		TH_LOG("the log line does not name fd %d", SOCKET_FD);
	close(fd);
	close(logfd);
	counter_unharmed(_metadata, self, pid, 1);
}

TEST_F_TIMEOUT(errors, no_such_pid_esrch, 30)
{
	pid_t dead = ckpt_fork();
	int fd, logfd, status;

	ASSERT_GE(dead, 0);
	if (dead == 0)
		_exit(0);
	ASSERT_EQ(waitpid(dead, &status, 0), dead);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);

	logfd = fresh_log(self);
	EXPECT_EQ(try_checkpoint(dead, fd, CHECKPOINT_SUBTREE, logfd), ESRCH);
	EXPECT_TRUE(one_log_line(_metadata, self, "ESRCH (reaped pid)"));
	close(logfd);
	logfd = fresh_log(self);
	EXPECT_EQ(try_checkpoint(INT_MAX, fd, CHECKPOINT_SUBTREE, logfd), ESRCH);
	EXPECT_TRUE(one_log_line(_metadata, self, "ESRCH (INT_MAX)"));
	close(logfd);
	close(fd);
}

TEST_F_TIMEOUT(errors, unprivileged_eperm, 60)
{
	pid_t pid, child;
	int fd, logfd, status;

	if (geteuid() != 0)
		SKIP(return, "needs root to own the target");
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = fresh_log(self);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);

	child = ckpt_fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		/* the errno, or 0 if checkpoint() succeeded */
		_exit(try_checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd));
	}
	ASSERT_EQ(ckpt_wait_or_kill(child, &status, 20000), 0);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	ASSERT_NE(WEXITSTATUS(status), 100) TH_LOG("cannot drop privileges");
	EXPECT_EQ(WEXITSTATUS(status), EPERM)
		TH_LOG("unprivileged checkpoint of a root task: errno %d",
		       WEXITSTATUS(status));
	EXPECT_TRUE(one_log_line(_metadata, self, "EPERM"));
	close(fd);
	close(logfd);
	counter_unharmed(_metadata, self, pid, 1);
}

/*
 * A small image whose restored task creates the marker file: any
 * restart that should fail but runs it is caught.
 */
static void __attribute__((noreturn)) marker_worker(FIXTURE_DATA(errors) *self)
{
	int fd, logfd;
	long ret;

	if (ckpt_isolate(self->out))
		_exit(CKPT_EXIT_SETUP);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = ckpt_self(fd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	/* restored */
	fd = open(self->marker, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || write(fd, "ran\n", 4) != 4)
		_exit(2);
	_exit(0);
}

/*
 * Make the marker image and check that it restarts (so that the
 * failures below are due to the damage alone).  Returns its contents.
 */
static char *marker_image(struct __test_metadata *_metadata,
			  FIXTURE_DATA(errors) *self, size_t *len)
{
	int status;
	char *img;
	pid_t pid = ckpt_fork();

	if (pid < 0)
		return NULL;
	if (pid == 0)
		marker_worker(self);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 2048);
		ckpt_dump("log", self->log, 2048);
		TH_LOG("marker worker %s", ckpt_status_str(status));
		return NULL;
	}
	img = ckpt_slurp(self->img, len);
	if (!img)
		return NULL;

	/* the intact image restarts and its task runs */
	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	if (pid < 0)
		return NULL;
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !ckpt_exists(self->marker)) {
		ckpt_dump("worker+restored", self->out, 2048);
		ckpt_dump("log", self->log, 2048);
		TH_LOG("the intact marker image does not restart: %s, marker %s",
		       ckpt_status_str(status),
		       ckpt_exists(self->marker) ? "present" : "absent");
		free(img);
		return NULL;
	}
	unlink(self->marker);
	return img;
}

/* How the damaged images failed: errno counts, SIGKILLs */
static int outcome_errno[134], outcome_kill;

static void outcomes_reset(void)
{
	memset(outcome_errno, 0, sizeof(outcome_errno));
	outcome_kill = 0;
}

static void outcomes_show(struct __test_metadata *_metadata, const char *what)
{
	char buf[512];
	int i, n;

	n = snprintf(buf, sizeof(buf), "%s: %d killed by SIGKILL", what,
		     outcome_kill);
	for (i = 0; i < 134; i++)
		if (outcome_errno[i] && n < (int)sizeof(buf))
			n += snprintf(buf + n, sizeof(buf) - n, ", %d %s",
				      outcome_errno[i], strerrorname_np(i) ?: "?");
	TH_LOG("%s", buf);
}

/*
 * restart() a damaged image in a throwaway process.  It must fail
 * cleanly: -1 with an errno or SIGKILL, one log line, and the marker
 * never appears.  @fd >= 0: restart from that fd instead of the file
 * @path.  Returns 1 if clean; says why if not.
 */
static int restart_fails_cleanly(struct __test_metadata *_metadata,
				 FIXTURE_DATA(errors) *self, const char *what,
				 const char *path, int fd)
{
	char *log, how[64];
	int status, nl, ok = 1;
	pid_t pid;

	unlink(self->log);
	ckpt_restarter_quiet = 1;
	pid = ckpt_start_restarter(path, fd, self->log, 0);
	ckpt_restarter_quiet = 0;
	if (pid < 0)
		return 0;
	ckpt_track(&self->env, pid);
	if (ckpt_wait_or_kill(pid, &status, 20000)) {
		TH_LOG("%s: restart hangs", what);
		ok = 0;
	}
	ckpt_untrack(&self->env, pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) >= CKPT_EXIT_RESTART_ERRNO) {
		int err = WEXITSTATUS(status) - CKPT_EXIT_RESTART_ERRNO;

		snprintf(how, sizeof(how), "errno %d (%s)", err, strerror(err));
		if (err == ENOSYS || err == EBADF || err == 0)
			ok = 0;
		else if (err < 134)
			outcome_errno[err]++;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		snprintf(how, sizeof(how), "SIGKILL");
		outcome_kill++;
	} else {
		snprintf(how, sizeof(how), "%s", ckpt_status_str(status));
		ok = 0;
	}
	if (ckpt_exists(self->marker)) {
		TH_LOG("%s: THE RESTORED TASK RAN", what);
		unlink(self->marker);
		ok = 0;
	}
	log = ckpt_slurp(self->log, NULL);
	nl = ckpt_count_lines(self->log);
	if (nl != 1)
		ok = 0;
	if (!ok || getenv("CKPT_VERBOSE"))
		TH_LOG("%s: %s%s, %d log line(s): %.*s", what,
		       ok ? "" : "NOT CLEAN: ", how, nl,
		       log && *log ? (int)strcspn(log, "\n") : 0, log ? log : "");
	free(log);
	return ok;
}

/* Write @img with @len bytes and restart it; 1 if it fails cleanly */
static int damaged(struct __test_metadata *_metadata,
		   FIXTURE_DATA(errors) *self, const char *what,
		   const char *img, size_t len)
{
	if (ckpt_write_file(self->tmp, img, len)) {
		TH_LOG("cannot write %s", self->tmp);
		return 0;
	}
	return restart_fails_cleanly(_metadata, self, what, self->tmp, -1);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(errors, truncated_images, 120)
{
	static struct ckpt_rec recs[MAX_RECS];
	size_t len, cuts[100], nr = 0, i, step, tried = 0;
	char *img, err[256], what[64];
	int n, bad = 0;

	img = marker_image(_metadata, self, &len);
	ASSERT_NE(img, NULL);
	n = ckpt_image_walk(img, len, recs, MAX_RECS, err, sizeof(err));
	ASSERT_GT(n, 2) TH_LOG("image: %s", err);
	ASSERT_LE(n, MAX_RECS);

	cuts[nr++] = 0;
	cuts[nr++] = 8;
	cuts[nr++] = sizeof(struct ckpt_hdr_header) - 8;
	cuts[nr++] = sizeof(struct ckpt_hdr_header);
	cuts[nr++] = len / 2 / 8 * 8;
	cuts[nr++] = len - 8;
	cuts[nr++] = len - 1;
	/* the start of, and 8 bytes into, up to 40 records */
	step = n > 40 ? (n + 39) / 40 : 1;
	for (i = 1; i < (size_t)n && nr < 98; i += step) {
		cuts[nr++] = recs[i].off;
		if (recs[i].len > 8)
			cuts[nr++] = recs[i].off + 8;
	}
	qsort(cuts, nr, sizeof(cuts[0]), cmp_size);
	outcomes_reset();
	for (i = 0; i < nr; i++) {
		if (i && cuts[i] == cuts[i - 1])
			continue;
		if (cuts[i] >= len)
			continue;
		snprintf(what, sizeof(what), "cut at %zu", cuts[i]);
		tried++;
		if (!damaged(_metadata, self, what, img, cuts[i]))
			bad++;
	}
	snprintf(what, sizeof(what), "%zu-byte image with %d records cut %zu ways",
		 len, n, tried);
	outcomes_show(_metadata, what);
	free(img);
	EXPECT_EQ(bad, 0) TH_LOG("%d truncated images did not fail cleanly", bad);
}

/* Index of the first record of @type after the header, or -1 */
static int find_rec(const struct ckpt_rec *recs, int n, uint32_t type)
{
	int i;

	for (i = 1; i < n; i++)
		if (recs[i].type == type)
			return i;
	return -1;
}

TEST_F_TIMEOUT(errors, corrupted_images, 120)
{
	static struct ckpt_rec recs[MAX_RECS];
	struct ckpt_hdr_header *hh;
	char *img, *bad_img, err[256];
	int n, mid, i, bad = 0, tested = 0;
	size_t len;

	img = marker_image(_metadata, self, &len);
	ASSERT_NE(img, NULL);
	n = ckpt_image_walk(img, len, recs, MAX_RECS, err, sizeof(err));
	ASSERT_GT(n, 2) TH_LOG("image: %s", err);
	ASSERT_LE(n, MAX_RECS);
	bad_img = malloc(len);
	ASSERT_NE(bad_img, NULL);
	outcomes_reset();
	hh = (void *)bad_img;
	/* a record in the middle that is neither header nor tail */
	mid = n / 2;

#define CORRUPT(what, change) do {					\
		memcpy(bad_img, img, len);				\
		change;							\
		tested++;						\
		if (!damaged(_metadata, self, what, bad_img, len))	\
			bad++;						\
	} while (0)
#define REC(i)	((struct ckpt_hdr *)(bad_img + recs[i].off))

	CORRUPT("bad header magic", hh->magic ^= 1);
	CORRUPT("format version + 1", hh->format_version = CKPT_FORMAT_VERSION + 1);
	CORRUPT("format version 0", hh->format_version = 0);
	CORRUPT("bad arch", hh->arch = 99);
	CORRUPT("bad page size", hh->page_size = 8192);
	CORRUPT("header len + 4", hh->h.len += 4);
	CORRUPT("header type 9999", hh->h.type = 9999);
	CORRUPT("middle record len + 4", REC(mid)->len += 4);
	CORRUPT("middle record len 0", REC(mid)->len = 0);
	CORRUPT("middle record len 4", REC(mid)->len = 4);
	CORRUPT("middle record len 0x7ffffff8", REC(mid)->len = 0x7ffffff8);
	CORRUPT("middle record len 0xfffffff8", REC(mid)->len = 0xfffffff8);
	CORRUPT("middle record unknown type", REC(mid)->type ^= 0x4000);
	CORRUPT("middle record len bit flip", REC(mid)->len ^= 0x20);
	CORRUPT("last record before the tail: bit flip in type",
		REC(n - 2)->type ^= 0x100);
	CORRUPT("bad tail magic",
		((struct ckpt_hdr_tail *)REC(n - 1))->magic ^= 1 << 20);

	/* inconsistent content, record by record */
	for (i = 1; i < n; i++)
		if (recs[i].type > CKPT_HDR_OBJ &&
		    recs[i].type < CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX))
			break;
	if (i < n) {
		uint32_t other = recs[i].type == CKPT_HDR_OBJ_TYPE(CKPT_OBJ_FS) ?
				 CKPT_OBJ_SIGHAND : CKPT_OBJ_FS;

		CORRUPT("OBJ: no object type", REC(i)->type = CKPT_HDR_OBJ);
		CORRUPT("OBJ: another object type",
			REC(i)->type = CKPT_HDR_OBJ_TYPE(other));
		CORRUPT("OBJ: len 16", REC(i)->len = 16);
	}
	i = find_rec(recs, n, CKPT_HDR_TASK_OBJS);
	if (i > 0)
		CORRUPT("TASK_OBJS: dangling mm objref",
			((struct ckpt_hdr_task_objs *)REC(i))->mm_objref = 9999);
	i = find_rec(recs, n, CKPT_HDR_FILE_TABLE);
	if (i > 0) {
		const struct ckpt_hdr_file_table *t = (void *)(img + recs[i].off);
		struct ckpt_hdr_file_table *bt;

		if (t->nr_ents >= 1) {
			CORRUPT("FILE_TABLE: dangling file objref", ({
				bt = (void *)REC(i);
				bt->fds[0].file_objref = 9999;
			}));
			/* nr_fds still the sum: only the empty run is wrong */
			CORRUPT("FILE_TABLE: entry with nr 0", ({
				bt = (void *)REC(i);
				bt->nr_fds -= bt->fds[0].nr;
				bt->fds[0].nr = 0;
			}));
			CORRUPT("FILE_TABLE: nr_fds not the sum of the entries",
				((struct ckpt_hdr_file_table *)REC(i))->nr_fds++);
		}
		if (t->nr_ents >= 2) {
			/* the second run starts on the first one's last fd */
			CORRUPT("FILE_TABLE: entries overlapping", ({
				bt = (void *)REC(i);
				bt->fds[1].fd = bt->fds[0].fd + bt->fds[0].nr - 1;
			}));
		} else {
			TH_LOG("a FILE_TABLE of %u entry: no overlapping case",
			       t->nr_ents);
		}
	}
	i = find_rec(recs, n, CKPT_HDR_MM);
	if (i > 0) {
		const struct ckpt_hdr_mm *m = (void *)(img + recs[i].off);
		uint32_t last = m->nr_vmas - 1;
		struct ckpt_vma *v;

		/*
		 * The mappings follow the MM record's fixed part: move the
		 * last one to kernel space (it stays in address order),
		 * turn the first one around
		 */
		if (m->nr_vmas) {
			CORRUPT("VMA in kernel space", ({
				v = (struct ckpt_vma *)((struct ckpt_hdr_mm *)REC(i) + 1);
				v[last].start = 0xffff888000000000ULL;
				v[last].end = v[last].start + 0x10000;
			}));
			CORRUPT("VMA end before start", ({
				uint64_t s;

				v = (struct ckpt_vma *)((struct ckpt_hdr_mm *)REC(i) + 1);
				s = v[0].start;
				v[0].start = v[0].end;
				v[0].end = s;
			}));
		}
		if (m->nr_vmas >= 2)
			CORRUPT("VMA overlapping the previous one", ({
				v = (struct ckpt_vma *)((struct ckpt_hdr_mm *)REC(i) + 1);
				v[1].start = v[0].start;
			}));
		CORRUPT("MM: nr_vmas + 1",
			((struct ckpt_hdr_mm *)REC(i))->nr_vmas++);
	}
	for (i = 1; i < n; i++) {
		struct ckpt_hdr_pages *p = (void *)(img + recs[i].off);

		if (recs[i].type == CKPT_HDR_PAGES && p->nr_pages) {
			CORRUPT("PAGES: nr_pages + 1",
				((struct ckpt_hdr_pages *)REC(i))->nr_pages++);
			break;
		}
	}
	/* found by fuzz_restart: a newline in a path split the log line */
	i = find_rec(recs, n, CKPT_HDR_FILE);
	if (i > 0 && ((struct ckpt_hdr_file *)(img + recs[i].off))->path_len > 3)
		CORRUPT("FILE: newline in the path",
			((char *)REC(i))[sizeof(struct ckpt_hdr_file) + 2] = '\n');
	i = find_rec(recs, n, CKPT_HDR_FPU);
	if (i > 0) {
		const struct ckpt_hdr_fpu *f = (void *)(img + recs[i].off);
		uint32_t bits = f->size / 8;
		uint64_t *map;

		CORRUPT("FPU: xfeatures the CPU lacks",
			((struct ckpt_hdr_fpu *)REC(i))->xfeatures |= 1ULL << 62);
		CORRUPT("FPU: size not a multiple of 8",
			((struct ckpt_hdr_fpu *)REC(i))->size -= 4);
		/* a bit flipped: word 0's (FCW 0x37f: set) */
		CORRUPT("FPU: nr_words not matching the bitmap", ({
			map = (uint64_t *)((struct ckpt_hdr_fpu *)REC(i) + 1);
			map[0] ^= 1;
		}));
		/*
		 * MXCSR (word 3, listed when not zero) with a reserved bit:
		 * refused before the point of no return, not by a SIGKILL
		 */
		if (((const uint64_t *)(f + 1))[0] & (1ULL << 3)) {
			uint64_t map0 = ((const uint64_t *)(f + 1))[0];
			int kills = outcome_kill, w = __builtin_popcountll(map0 & 7);
			uint64_t *words;

			CORRUPT("FPU: reserved MXCSR bit", ({
				words = (uint64_t *)((struct ckpt_hdr_fpu *)REC(i) + 1) +
					(bits + 63) / 64;
				words[w] |= 1ULL << 31;
			}));
			EXPECT_EQ(outcome_kill, kills)
				TH_LOG("a reserved MXCSR bit is refused only past the point of no return");
		}
		/*
		 * The first bit past the buffer's words, with another bit
		 * cleared so that nr_words still is the count of bits set;
		 * a buffer of a multiple of 512 bytes has no such bit
		 */
		if (bits % 64)
			CORRUPT("FPU: bitmap bit beyond size", ({
				map = (uint64_t *)((struct ckpt_hdr_fpu *)REC(i) + 1);
				map[0] ^= 1;
				map[bits / 64] |= 1ULL << (bits % 64);
			}));
		else
			TH_LOG("FPU size %u: no bitmap bit beyond it", f->size);
	}
	i = find_rec(recs, n, CKPT_HDR_HEADER_ARCH);
	if (i > 0)
		CORRUPT("HEADER_ARCH: len - 8", REC(i)->len -= 8);
#undef CORRUPT
#undef REC
	free(bad_img);
	free(img);
	outcomes_show(_metadata, "corrupted images");
	TH_LOG("%d corrupted images, %d did not fail cleanly", tested, bad);
	EXPECT_EQ(bad, 0);
}

/* Feed @len bytes of @img into a pipe, then close it */
static pid_t feeder(const char *img, size_t len, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = ckpt_fork();
	if (pid == 0) {
		size_t off = 0;
		ssize_t w;

		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		while (off < len) {
			w = write(p[1], img + off, len - off);
			if (w <= 0)
				_exit(1);
			off += w;
		}
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

TEST_F_TIMEOUT(errors, pipe_closes_early, 60)
{
	size_t len, cuts[4], i;
	char *img, what[64];
	int fd, status, bad = 0;
	pid_t f;

	img = marker_image(_metadata, self, &len);
	ASSERT_NE(img, NULL);
	cuts[0] = 0;
	cuts[1] = len / 3;
	cuts[2] = len / 2;
	cuts[3] = len - 8;
	outcomes_reset();
	for (i = 0; i < 4; i++) {
		f = feeder(img, cuts[i], &fd);
		ASSERT_GT(f, 0);
		ckpt_track(&self->env, f);
		snprintf(what, sizeof(what), "pipe closed after %zu of %zu bytes",
			 cuts[i], len);
		if (!restart_fails_cleanly(_metadata, self, what, NULL, fd))
			bad++;
		close(fd);
		ckpt_wait_or_kill(f, &status, 10000);
		ckpt_untrack(&self->env, f);
	}
	outcomes_show(_metadata, "pipes closed early");
	/* and the whole image through a pipe does restart */
	f = feeder(img, len, &fd);
	ASSERT_GT(f, 0);
	ckpt_track(&self->env, f);
	unlink(self->log);
	{
		pid_t r = ckpt_start_restarter(NULL, fd, self->log, 0);

		ASSERT_GT(r, 0);
		close(fd);
		ckpt_track(&self->env, r);
		ckpt_wait_or_kill(r, &status, 20000);
		ckpt_untrack(&self->env, r);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    ckpt_exists(self->marker))
		TH_LOG("the whole image through a pipe: %s, marker %s",
		       ckpt_status_str(status),
		       ckpt_exists(self->marker) ? "present" : "absent");
	ckpt_wait_or_kill(f, &status, 10000);
	ckpt_untrack(&self->env, f);
	free(img);
	EXPECT_EQ(bad, 0);
}

/* Unknown flag bits, checked before anything else happens */

/* In a throwaway process: restart(0, fd, flags, logfd); returns errno */
static int restart_errno(FIXTURE_DATA(errors) *self, int fd,
			 unsigned long flags, int logfd)
{
	int status;
	pid_t pid = ckpt_fork();

	if (pid == 0) {
		errno = 0;
		restart(0, fd, flags, logfd);
		_exit(errno ? errno : 255);
	}
	if (pid < 0 || ckpt_wait_or_kill(pid, &status, 20000))
		return -1;
	if (ckpt_exists(self->marker)) {
		unlink(self->marker);
		return -2;	/* the restored task ran */
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F_TIMEOUT(errors, unknown_flags_einval, 60)
{
	static const unsigned long bad_ckpt[] = { 0x100, 0x4, 1UL << 63 };
	static const unsigned long bad_rst[] = {
		0x100, RESTART_TASKSELF | 0x100, RESTART_TASKSELF | 0x20,
		RESTART_TASKSELF | (1UL << 63),
	};
	char *img, what[64];
	int fd, logfd, status;
	size_t len, i;
	pid_t pid, child;

	img = marker_image(_metadata, self, &len);
	ASSERT_NE(img, NULL);
	free(img);

	/* self-checkpoint with bad flags, from a process fit for one */
	child = ckpt_fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		if (ckpt_isolate(self->out))
			_exit(100);
		fd = open(self->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = fresh_log(self);
		if (fd < 0 || logfd < 0)
			_exit(100);
		errno = 0;
		if (checkpoint(0, fd, 0x100, logfd) >= 0)
			_exit(101);
		_exit(errno);
	}
	ASSERT_EQ(ckpt_wait_or_kill(child, &status, 20000), 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL)
		TH_LOG("checkpoint(0, fd, 0x100): %s (101: succeeded)",
		       ckpt_status_str(status));
	EXPECT_TRUE(one_log_line(_metadata, self, "checkpoint(0, 0x100)"));

	/* external checkpoint with bad flags: the target is untouched */
	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	fd = open(self->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	for (i = 0; i < ARRAY_SIZE(bad_ckpt); i++) {
		logfd = fresh_log(self);
		EXPECT_EQ(try_checkpoint(pid, fd, CHECKPOINT_SUBTREE | bad_ckpt[i],
					 logfd), EINVAL)
			TH_LOG("checkpoint flags %#lx", CHECKPOINT_SUBTREE | bad_ckpt[i]);
		snprintf(what, sizeof(what), "checkpoint flags %#lx",
			 CHECKPOINT_SUBTREE | bad_ckpt[i]);
		EXPECT_TRUE(one_log_line(_metadata, self, what));
		close(logfd);
	}
	close(fd);
	counter_unharmed(_metadata, self, pid, 1);

	/* restart of a good image with bad flags never runs it */
	fd = open(self->img, O_RDONLY);
	ASSERT_GE(fd, 0);
	for (i = 0; i < ARRAY_SIZE(bad_rst); i++) {
		logfd = fresh_log(self);
		lseek(fd, 0, SEEK_SET);
		EXPECT_EQ(restart_errno(self, fd, bad_rst[i], logfd), EINVAL)
			TH_LOG("restart flags %#lx (-2: the restored task ran)",
			       bad_rst[i]);
		snprintf(what, sizeof(what), "restart flags %#lx", bad_rst[i]);
		EXPECT_TRUE(one_log_line(_metadata, self, what));
		close(logfd);
	}
	close(fd);
}

TEST_F_TIMEOUT(errors, bad_fds_ebadf, 60)
{
	int rdonly, wronly, fd, logfd;
	char *img;
	size_t len;
	pid_t pid;

	img = marker_image(_metadata, self, &len);
	ASSERT_NE(img, NULL);
	free(img);

	pid = start_counter(_metadata, self);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(ckpt_stop_child(pid), 0);

	/* checkpoint into a read-only fd */
	ASSERT_EQ(ckpt_write_file(self->tmp, "", 0), 0);
	rdonly = open(self->tmp, O_RDONLY);
	ASSERT_GE(rdonly, 0);
	logfd = fresh_log(self);
	EXPECT_EQ(try_checkpoint(pid, rdonly, CHECKPOINT_SUBTREE, logfd), EBADF);
	EXPECT_TRUE(one_log_line(_metadata, self, "checkpoint to O_RDONLY"));
	close(logfd);
	close(rdonly);
	/* into an fd that is not open */
	logfd = fresh_log(self);
	EXPECT_EQ(try_checkpoint(pid, BAD_FD, CHECKPOINT_SUBTREE, logfd), EBADF);
	EXPECT_TRUE(one_log_line(_metadata, self, "checkpoint to a closed fd"));
	close(logfd);
	/* with a log fd that is not open (nothing can be logged) */
	fd = open(self->tmp, O_WRONLY | O_TRUNC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(try_checkpoint(pid, fd, CHECKPOINT_SUBTREE, BAD_LOGFD), EBADF);
	close(fd);
	counter_unharmed(_metadata, self, pid, 1);

	/* restart from a write-only fd of a good image */
	wronly = open(self->img, O_WRONLY);
	ASSERT_GE(wronly, 0);
	logfd = fresh_log(self);
	EXPECT_EQ(restart_errno(self, wronly, RESTART_TASKSELF, logfd), EBADF)
		TH_LOG("(-2: the restored task ran)");
	EXPECT_TRUE(one_log_line(_metadata, self, "restart from O_WRONLY"));
	close(logfd);
	close(wronly);
	/* from an fd that is not open */
	logfd = fresh_log(self);
	EXPECT_EQ(restart_errno(self, BAD_FD, RESTART_TASKSELF, logfd), EBADF);
	EXPECT_TRUE(one_log_line(_metadata, self, "restart from a closed fd"));
	close(logfd);
	/* with a log fd that is not open */
	fd = open(self->img, O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(restart_errno(self, fd, RESTART_TASKSELF, BAD_LOGFD), EBADF)
		TH_LOG("(-2: the restored task ran)");
	close(fd);
}

TEST_HARNESS_MAIN
