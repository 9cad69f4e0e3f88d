// SPDX-License-Identifier: GPL-2.0
/*
 * inotify files across a self-checkpoint and a restart, checked in the
 * restored task by using them:
 *
 *   watches    on a directory, a file and a second file, with different
 *              masks (IN_ONESHOT on one), wds 1, 2 and 4 (3 and 5 were
 *              removed): after the restart fdinfo shows the same wds and
 *              masks, changes to the watched paths are reported with
 *              those wds, the one-shot watch fires once then is
 *              IN_IGNORED, and the next watch added gets wd 6, as it
 *              would have.
 *   events     queued and not read before the checkpoint (IN_IGNORED of
 *              the removed watch, IN_CREATE with a name, IN_MODIFY,
 *              IN_CLOSE_WRITE) are read after the restart, in order,
 *              before the new ones.
 *   flags      O_NONBLOCK and close-on-exec as they were, a second
 *              inotify (blocking, no watch) stays empty and blocking.
 *   refused    a watch on an unlinked file (still open): EOPNOTSUPP and
 *              a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

static const char *img_path, *log_path, *out_path;

struct st {
	char dir[CKPT_PATH_LEN / 2 + 16];	/* env.dir + "/watched" */
	char file[CKPT_PATH_LEN], other[CKPT_PATH_LEN];
	char pre[CKPT_PATH_LEN], post[CKPT_PATH_LEN], top[CKPT_PATH_LEN];
	int ifd, ifd2;
	int wd_dir, wd_file, wd_gone, wd_other;
};

#define DIR_MASK	(IN_CREATE | IN_DELETE | IN_MOVED_TO)
#define FILE_MASK	(IN_MODIFY | IN_CLOSE_WRITE)
#define OTHER_MASK	(IN_ATTRIB | IN_ONESHOT)

/* One expected event */
struct ev {
	int wd;
	unsigned int mask;
	const char *name;	/* NULL: none */
};

static int append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Read the queued events of @fd (non-blocking) and compare them with
 * @want: 0 if they are exactly those, in order.
 */
static int expect_events(int fd, const struct ev *want, int nr, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *e;
	ssize_t len;
	int i = 0;
	char *p;

	len = read(fd, buf, sizeof(buf));
	if (len < 0 && errno == EAGAIN)
		len = 0;
	if (len < 0) {
		ckpt_report("%s: read: %s", what, strerror(errno));
		return -1;
	}
	for (p = buf; p < buf + len; p += sizeof(*e) + e->len, i++) {
		e = (const struct inotify_event *)p;
		if (i >= nr) {
			ckpt_report("%s: extra event wd %d mask %#x name %s", what,
				    e->wd, e->mask, e->len ? e->name : "-");
			return -1;
		}
		if (e->wd != want[i].wd || e->mask != want[i].mask ||
		    !e->len != !want[i].name ||
		    (want[i].name && strcmp(e->name, want[i].name))) {
			ckpt_report("%s: event %d: wd %d mask %#x name %s, want wd %d mask %#x name %s",
				    what, i, e->wd, e->mask, e->len ? e->name : "-",
				    want[i].wd, want[i].mask,
				    want[i].name ? want[i].name : "-");
			return -1;
		}
	}
	if (i != nr) {
		ckpt_report("%s: %d events, want %d", what, i, nr);
		return -1;
	}
	return 0;
}

/* The mask fdinfo shows for watch @wd of @fd, or -1 */
static long fdinfo_mask(int fd, int wd)
{
	char path[64], key[32], *data, *p;
	unsigned long mask;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	data = ckpt_slurp(path, NULL);
	if (!data)
		return -1;
	snprintf(key, sizeof(key), "inotify wd:%x ", wd);
	p = strstr(data, key);
	if (!p || !(p = strstr(p, " mask:")) || sscanf(p, " mask:%lx", &mask) != 1) {
		free(data);
		return -1;
	}
	free(data);
	return mask;
}

static int setup(void *p)
{
	struct st *s = p;
	int fd;

	if (mkdir(s->dir, 0755) || ckpt_write_file(s->file, "a", 1) ||
	    ckpt_write_file(s->other, "b", 1))
		return CKPT_EXIT_SETUP;
	s->ifd = inotify_init1(IN_NONBLOCK);
	s->ifd2 = inotify_init1(IN_CLOEXEC);
	if (s->ifd < 0 || s->ifd2 < 0)
		return CKPT_EXIT_SETUP;
	s->wd_dir = inotify_add_watch(s->ifd, s->dir, DIR_MASK);
	s->wd_file = inotify_add_watch(s->ifd, s->file, FILE_MASK);
	s->wd_gone = inotify_add_watch(s->ifd, s->other, IN_ALL_EVENTS);
	if (s->wd_dir != 1 || s->wd_file != 2 || s->wd_gone != 3 ||
	    inotify_rm_watch(s->ifd, s->wd_gone))
		return CKPT_EXIT_SETUP;
	s->wd_other = inotify_add_watch(s->ifd, s->other, OTHER_MASK);
	if (s->wd_other != 4)
		return CKPT_EXIT_SETUP;
	/* the next wd is 6, not the 5 that follows the last live watch */
	if (inotify_add_watch(s->ifd, s->top, IN_ACCESS) != 5 ||
	    inotify_rm_watch(s->ifd, 5))
		return CKPT_EXIT_SETUP;

	/* queued, not read: IN_IGNORED (wd 3, 5), IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE */
	fd = open(s->pre, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return CKPT_EXIT_SETUP;
	close(fd);
	if (append(s->file, "pre"))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum { V_PRE = 60, V_FDINFO, V_FLAGS, V_POST, V_NEXT_WD, V_SECOND };

static int verify(void *p)
{
	struct st *s = p;
	const struct ev pre[] = {
		{ 3, IN_IGNORED, NULL },
		{ 5, IN_IGNORED, NULL },
		{ s->wd_dir, IN_CREATE, "pre" },
		{ s->wd_file, IN_MODIFY, NULL },
		{ s->wd_file, IN_CLOSE_WRITE, NULL },
	};
	const struct ev post[] = {
		{ s->wd_dir, IN_CREATE, "post" },
		{ s->wd_dir, IN_DELETE, "pre" },
		{ s->wd_file, IN_MODIFY, NULL },
		{ s->wd_file, IN_CLOSE_WRITE, NULL },
		{ s->wd_other, IN_ATTRIB, NULL },
		{ s->wd_other, IN_IGNORED, NULL },
	};
	struct pollfd pfd = { .fd = s->ifd2, .events = POLLIN };
	int fd, wd;

	/* the events queued before the checkpoint, and nothing else */
	if (expect_events(s->ifd, pre, 5, "queued before"))
		return V_PRE;

	/* the watches, with their wds and masks */
	if (fdinfo_mask(s->ifd, s->wd_dir) != DIR_MASK ||
	    fdinfo_mask(s->ifd, s->wd_file) != FILE_MASK ||
	    fdinfo_mask(s->ifd, s->wd_other) != (long)OTHER_MASK ||
	    fdinfo_mask(s->ifd, 3) != -1 || fdinfo_mask(s->ifd, 5) != -1) {
		ckpt_report("fdinfo masks %lx %lx %lx %lx",
			    fdinfo_mask(s->ifd, s->wd_dir),
			    fdinfo_mask(s->ifd, s->wd_file),
			    fdinfo_mask(s->ifd, s->wd_other),
			    fdinfo_mask(s->ifd, 3));
		return V_FDINFO;
	}
	if (!(fcntl(s->ifd, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(s->ifd, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(s->ifd2, F_GETFL) & O_NONBLOCK) ||
	    !(fcntl(s->ifd2, F_GETFD) & FD_CLOEXEC))
		return V_FLAGS;

	/* what happens to the watched paths now is seen through the old wds */
	fd = open(s->post, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return V_POST;
	close(fd);
	if (unlink(s->pre) || append(s->file, "post") || chmod(s->other, 0600) ||
	    chmod(s->other, 0644))
		return V_POST;
	if (expect_events(s->ifd, post, 6, "after restart"))
		return V_POST;

	/* the wd after the last one given (5, removed), as before */
	wd = inotify_add_watch(s->ifd, s->post, IN_DELETE_SELF);
	if (wd != 6) {
		ckpt_report("next wd %d, want 6", wd);
		return V_NEXT_WD;
	}

	/* the second inotify: no watch, nothing to read, blocking */
	if (poll(&pfd, 1, 0) != 0 || fdinfo_mask(s->ifd2, 1) != -1)
		return V_SECOND;
	return 0;
}

/* ------------------------------------------------------------------ */

FIXTURE(ino) {
	struct ckpt_env env;
};

FIXTURE_SETUP(ino)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "inotify"), 0);
	img_path = ckpt_path(&self->env, "img");
	log_path = ckpt_path(&self->env, "log");
	out_path = ckpt_path(&self->env, "out");
}

FIXTURE_TEARDOWN_PARENT(ino)
{
	ckpt_env_fini(&self->env);
}

TEST_F_TIMEOUT(ino, watches_and_queued_events, 120)
{
	struct st s = {};
	struct ckpt_round r;

	snprintf(s.dir, sizeof(s.dir), "%s/watched", self->env.dir);
	snprintf(s.file, sizeof(s.file), "%s/file", s.dir);
	snprintf(s.pre, sizeof(s.pre), "%s/pre", s.dir);
	snprintf(s.post, sizeof(s.post), "%s/post", s.dir);
	snprintf(s.other, sizeof(s.other), "%s/other", self->env.dir);
	snprintf(s.top, sizeof(s.top), "%s", self->env.dir);

	ckpt_round_init(&r, &self->env, setup, verify, &s);
	ASSERT_EQ(ckpt_round_trip(&self->env, &r), 0);
}

/* refused: a watch on a file that was unlinked */
TEST_F_TIMEOUT(ino, unlinked_watch_refused, 60)
{
	char *gone = ckpt_path(&self->env, "gone");
	char *text;
	int rc;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd, ifd, keep, open_fd;
		long ret;

		if (ckpt_isolate(out_path))
			_exit(CKPT_EXIT_SETUP);
		fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ifd = inotify_init1(0);
		if (fd < 0 || logfd < 0 || ifd < 0 || ckpt_write_file(gone, "x", 1))
			_exit(CKPT_EXIT_SETUP);
		/*
		 * The watch keeps the inode, not a name; the open file
		 * (supported) keeps the watch from going with the name.
		 */
		keep = inotify_add_watch(ifd, gone, IN_MODIFY);
		open_fd = open(gone, O_RDONLY);
		if (keep != 1 || open_fd < 0 || unlink(gone))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(1);	/* restored: must not happen */
		_exit(ret < 0 && errno == EOPNOTSUPP ? 0 : CKPT_EXIT_CHECKPOINTED);
	}
	rc = ckpt_wait_task(&self->env, pid, 30000, 0, "worker", out_path, log_path);
	ASSERT_EQ(rc, 0);
	text = ckpt_slurp(log_path, NULL);
	ASSERT_NE(text, NULL);
	EXPECT_NE(strstr(text, "inotify watch 1 "), NULL) {
		TH_LOG("log: %s", text);
	}
	EXPECT_NE(strstr(text, "unlinked or not reachable"), NULL);
	free(text);
	free(gone);
}

TEST_HARNESS_MAIN
