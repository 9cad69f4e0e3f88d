// SPDX-License-Identifier: GPL-2.0
/*
 * Named FIFOs.
 *
 * one_task: a self-checkpointing task holds a FIFO's read end
 * (O_NONBLOCK, and a dup of it), its write end, an O_RDWR open and an
 * O_PATH one, all separate opens, with 100 KiB buffered (from two of
 * them) in a FIFO of 128 KiB.  The image holds the FIFO's data once: one
 * pipe record, flagged a FIFO's, named by four FIFO file records of the
 * FIFO's path.  After restart every fd is still on the named FIFO
 * (st_dev and st_ino of stat(path)) with its access mode and O_NONBLOCK
 * state, the dup still the same open file, the FIFO of 128 KiB; the
 * buffered bytes come out in order and nothing else; what is written on
 * one end is read on the other.
 *
 * tree: a writer and its child, the reader, each with an open of its
 * own, 36 KiB in flight; frozen, checkpointed, killed, restarted with
 * the restart tool: the stream of 512 KiB arrives whole and in order,
 * the reader sees EOF once the writer closed, both fds on the FIFO.
 *
 * Refusals: an unlinked FIFO (EOPNOTSUPP, the fd named); the FIFO's
 * path replaced by a regular file (restart fails, the file untouched, no
 * task left); a FIFO that another process holds open, with data or
 * without (EBUSY, its data untouched, none of ours added); images whose
 * FIFO file names an anonymous pipe or whose pipe file names a FIFO's
 * pipe (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

#define FIFO_SZ		(128 << 10)
#define DATA_LEN	(100 << 10)
#define WR_LEN		(60 << 10)	/* of DATA_LEN, through the write end */
#define SEED		0x6669666f66696630ULL

#define T_STREAM	(512 << 10)	/* through the tree's FIFO */
#define T_PRE		(48 << 10)	/* written before the checkpoint */
#define T_READ		(12 << 10)	/* read before the checkpoint */
#define T_SEED		0x7472656566696630ULL

/* exit codes of the restored task of one_task, one per check */
enum {
	V_OK = 0,
	V_STAT = 60, V_IDENT, V_ACCMODE, V_NONBLOCK, V_DUP, V_SIZE, V_DATA,
	V_EXTRA, V_ECHO_WR, V_ECHO_RW,
};

struct fifo_fds {
	int rd, wr, rw, op, dup;
};

static unsigned char data[DATA_LEN], got[DATA_LEN];

static int setup(const char *path, struct fifo_fds *f)
{
	f->rd = open(path, O_RDONLY | O_NONBLOCK);
	f->wr = open(path, O_WRONLY);
	f->rw = open(path, O_RDWR);
	f->op = open(path, O_PATH);
	if (f->rd < 0 || f->wr < 0 || f->rw < 0 || f->op < 0)
		return -1;
	f->dup = dup2(f->rd, 60);
	if (f->dup != 60 || fcntl(f->wr, F_SETPIPE_SZ, FIFO_SZ) != FIFO_SZ)
		return -1;
	ckpt_fill(data, DATA_LEN, SEED);
	if (write(f->wr, data, WR_LEN) != WR_LEN ||
	    write(f->rw, data + WR_LEN, DATA_LEN - WR_LEN) != DATA_LEN - WR_LEN)
		return -1;
	return 0;
}

/* Runs in the restored task: exit status says what failed */
static int verify(const char *path, struct fifo_fds *f)
{
	int fds[] = { f->rd, f->wr, f->rw, f->op, f->dup };
	struct stat st, fst;
	size_t total = 0, i;
	char buf[16];
	ssize_t n;
	int fl;

	if (stat(path, &st) || !S_ISFIFO(st.st_mode))
		return V_STAT;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (fstat(fds[i], &fst) || fst.st_dev != st.st_dev ||
		    fst.st_ino != st.st_ino) {
			ckpt_report("fd %d is not on %s", fds[i], path);
			return V_IDENT;
		}
	}
	if ((fcntl(f->rd, F_GETFL) & O_ACCMODE) != O_RDONLY ||
	    (fcntl(f->wr, F_GETFL) & O_ACCMODE) != O_WRONLY ||
	    (fcntl(f->rw, F_GETFL) & O_ACCMODE) != O_RDWR ||
	    !(fcntl(f->op, F_GETFL) & O_PATH))
		return V_ACCMODE;
	if (!(fcntl(f->rd, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(f->wr, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(f->rw, F_GETFL) & O_NONBLOCK)) {
		ckpt_report("flags rd %#x wr %#x rw %#x", fcntl(f->rd, F_GETFL),
			    fcntl(f->wr, F_GETFL), fcntl(f->rw, F_GETFL));
		return V_NONBLOCK;
	}
	/* the dup is the same open file: its flags are the read end's */
	fl = fcntl(f->dup, F_GETFL);
	if (fcntl(f->dup, F_SETFL, fl & ~O_NONBLOCK) ||
	    (fcntl(f->rd, F_GETFL) & O_NONBLOCK) ||
	    fcntl(f->dup, F_SETFL, fl) || !(fcntl(f->rd, F_GETFL) & O_NONBLOCK))
		return V_DUP;
	if (fcntl(f->rd, F_GETPIPE_SZ) != FIFO_SZ) {
		ckpt_report("FIFO size %d", fcntl(f->rd, F_GETPIPE_SZ));
		return V_SIZE;
	}

	memset(got, 0, sizeof(got));
	while (total < DATA_LEN) {
		n = read(f->rd, got + total, DATA_LEN - total);
		if (n <= 0)
			break;
		total += n;
	}
	if (total != DATA_LEN || memcmp(got, data, DATA_LEN)) {
		ckpt_report("read %zu of %d bytes, mismatch at %ld", total,
			    DATA_LEN, ckpt_check(got, DATA_LEN, SEED));
		return V_DATA;
	}
	/* nothing else: the write ends are open, so EAGAIN */
	n = read(f->rd, buf, sizeof(buf));
	if (n != -1 || errno != EAGAIN) {
		ckpt_report("after the data: read %zd (%s)", n, strerror(errno));
		return V_EXTRA;
	}
	if (write(f->wr, "ping", 4) != 4 || read(f->rd, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "ping", 4))
		return V_ECHO_WR;
	if (write(f->rw, "pong", 4) != 4 || read(f->dup, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "pong", 4))
		return V_ECHO_RW;
	return V_OK;
}

FIXTURE(fifo) {
	struct ckpt_env env;
	char *fifo, *img, *log, *out, *rst_out;
	char comm[16];
	pid_t root, tool;
};

FIXTURE_SETUP(fifo)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "fifo"), 0);
	self->fifo = ckpt_path(&self->env, "fifo");
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	snprintf(self->comm, sizeof(self->comm), "ckf%d", getpid() % 100000);
	ASSERT_EQ(mkfifo(self->fifo, 0600), 0);
}

FIXTURE_TEARDOWN_PARENT(fifo)
{
	ckpt_kill_comm(self->comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* The records of the image file @path: 0, or -1 */
static int walk(const char *path, char **img, size_t *len, struct ckpt_rec *recs,
		int max, int *nrecs)
{
	char err[256];

	*img = ckpt_slurp(path, len);
	if (!*img)
		return -1;
	*nrecs = ckpt_image_walk(*img, *len, recs, max, err, sizeof(err));
	if (*nrecs < 0 || *nrecs > max) {
		fprintf(stderr, "# %s: %s\n", path, *nrecs < 0 ? err : "too many records");
		return -1;
	}
	return 0;
}

/*
 * The image holds one pipe, a FIFO's, with @data_len bytes, and
 * @nr_files FIFO files of @path (@nr_path of them O_PATH, without
 * pipe) that all name it
 */
static void check_image(struct __test_metadata *_metadata, const char *img_path,
			const char *path, uint64_t data_len, uint32_t nr_slots,
			int nr_files, int nr_path)
{
	static struct ckpt_rec recs[4096];
	int i, n, pipes = 0, files = 0, paths = 0, pipe_ref = 0, objs = 0;
	size_t len;
	char *img;

	ASSERT_EQ(walk(img_path, &img, &len, recs, 4096, &n), 0);
	for (i = 0; i < n; i++) {
		const char *p = img + recs[i].off;

		/* objects take objrefs 1, 2, 3, ... in order */
		if (recs[i].type > CKPT_HDR_OBJ &&
		    recs[i].type < CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX))
			objs++;
		if (recs[i].type == CKPT_HDR_PIPE) {
			const struct ckpt_hdr_pipe *h = (const void *)p;

			pipes++;
			EXPECT_EQ(h->flags, (uint32_t)CKPT_PIPE_FIFO);
			EXPECT_EQ(h->data_len, data_len);
			if (nr_slots) {
				EXPECT_EQ(h->nr_slots, nr_slots);
			}
			ASSERT_EQ(recs[i - 1].type,
				  (uint32_t)CKPT_HDR_OBJ_TYPE(CKPT_OBJ_PIPE));
			pipe_ref = objs;
		}
		if (recs[i].type == CKPT_HDR_FILE) {
			const struct ckpt_hdr_file *h = (const void *)p;

			EXPECT_NE(h->file_type, (uint32_t)CKPT_FILE_PIPE);
			if (h->file_type != CKPT_FILE_FIFO)
				continue;
			files++;
			EXPECT_TRUE(S_ISFIFO(h->i_mode));
			EXPECT_STREQ((const char *)(h + 1), path);
			if (h->f_flags & O_PATH) {
				paths++;
				EXPECT_EQ(h->obj_objref, 0);
			} else {
				EXPECT_EQ(h->obj_objref, pipe_ref)
					TH_LOG("a FIFO file names objref %d, the pipe is %d",
					       h->obj_objref, pipe_ref);
			}
		}
	}
	EXPECT_EQ(pipes, 1) TH_LOG("the FIFO's data is saved once");
	EXPECT_EQ(files, nr_files);
	EXPECT_EQ(paths, nr_path);
	free(img);
}

TEST_F_TIMEOUT(fifo, one_task, 120)
{
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct fifo_fds f;
		int fd, logfd;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || logfd < 0 || setup(self->fifo, &f))
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret == 0)
			_exit(verify(self->fifo, &f));
		_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
	}
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED);
	check_image(_metadata, self->img, self->fifo, DATA_LEN,
		    (uint32_t)(FIFO_SZ / sysconf(_SC_PAGESIZE)), 4, 1);

	/* the worker is gone: the FIFO is closed and empty */
	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != V_OK) {
		ckpt_dump("restored task", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("restored task %s", ckpt_status_str(status));
	}
	EXPECT_EQ(WEXITSTATUS(status), V_OK) {
		TH_LOG("restored task failed check %d (enum in test_fifo.c)",
		       WEXITSTATUS(status));
	}
}

/* The tree: a writer (the root) and its child, the reader */

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	const char *fifo;
	int idx;
	char why[160];
} W;

static inline unsigned char stream_byte(uint64_t off)
{
	return ckpt_hash(off >> 3, T_SEED) >> ((off & 7) * 8);
}

static void wfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wfail(const char *fmt, ...)
{
	va_list ap;

	if (W.why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(W.why, sizeof(W.why), fmt, ap);
	va_end(ap);
	ckpt_report("task %d: %s", W.idx, W.why);
}

static void put(const char *prefix, long bytes)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	ckpt_put(W.dir, name, "idx %d pid %d bytes %ld result %s\n", W.idx,
		 getpid(), bytes, W.why[0] ? W.why : "ok");
}

/* @fd is still an open file of the named FIFO */
static void check_ident(int fd)
{
	struct stat st, fst;

	if (stat(W.fifo, &st) || fstat(fd, &fst) || !S_ISFIFO(fst.st_mode) ||
	    st.st_dev != fst.st_dev || st.st_ino != fst.st_ino)
		wfail("fd %d is not on %s", fd, W.fifo);
}

static long stream_write(int fd, long from, long to)
{
	unsigned char buf[4096];
	long pos = from, i;
	ssize_t n;

	while (pos < to) {
		long len = to - pos < (long)sizeof(buf) ? to - pos : (long)sizeof(buf);

		for (i = 0; i < len; i++)
			buf[i] = stream_byte(pos + i);
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			wfail("write at %ld: %s", pos, strerror(errno));
			break;
		}
		pos += n;
	}
	return pos;
}

/* Read and check up to @to bytes (-1: to EOF); returns the offset reached */
static long stream_read(int fd, long from, long to)
{
	unsigned char buf[4096];
	long pos = from, i;
	ssize_t n;

	while (to < 0 || pos < to) {
		size_t len = to < 0 || to - pos > (long)sizeof(buf) ? sizeof(buf) :
			     (size_t)(to - pos);

		n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			wfail("read at %ld: %s", pos, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (buf[i] != stream_byte(pos + i)) {
				wfail("byte %ld is %#x, expected %#x", pos + i, buf[i],
				      stream_byte(pos + i));
				return pos + i;
			}
		pos += n;
	}
	return pos;
}

static void __attribute__((noreturn)) reader(void)
{
	long pos;
	int fd;

	W.idx = 1;
	fd = open(W.fifo, O_RDONLY);	/* waits for the writer */
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	pos = stream_read(fd, 0, T_READ);
	if (pos != T_READ)
		wfail("read %ld bytes before the checkpoint", pos);
	put("ready.", pos);
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	check_ident(fd);
	pos = stream_read(fd, pos, -1);
	if (pos != T_STREAM)
		wfail("the stream ended at %ld of %d", pos, T_STREAM);
	put("res.", pos);
	_exit(W.why[0] ? 1 : 0);
}

static void __attribute__((noreturn)) writer(void)
{
	int fd, status;
	pid_t kid;
	long pos;

	W.idx = 0;
	kid = fork();
	if (kid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (kid == 0)
		reader();
	fd = open(W.fifo, O_WRONLY);	/* waits for the reader */
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	pos = stream_write(fd, 0, T_PRE);
	put("ready.", pos);
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	check_ident(fd);
	pos = stream_write(fd, pos, T_STREAM);
	close(fd);
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		wfail("the reader %d: %s", kid, ckpt_status_str(status));
	put("res.", pos);
	_exit(W.why[0] ? 1 : 0);
}

/* Start the tree, checkpoint it once both are ready, kill it */
static void tree_checkpoint(struct __test_metadata *_metadata,
			    FIXTURE_DATA(fifo) *self)
{
	int status, reaped = 0, got;
	pid_t root;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "fifo"))
		SKIP(return, "no cgroup v2 freezer");

	snprintf(W.dir, sizeof(W.dir), "%s", self->env.dir);
	snprintf(W.go, sizeof(W.go), "%s/go", self->env.dir);
	W.fifo = self->fifo;
	/* self is shared with the harness: the child must not write it */
	root = ckpt_fork();
	ASSERT_GE(root, 0);
	if (root == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		writer();
	}
	self->root = root;
	ckpt_track(&self->env, self->root);
	got = ckpt_await_files(self->env.dir, "ready.", 2, 60000, self->root,
			       &status, &reaped);
	if (got != 2)
		ckpt_dump("tree", self->out, 4096);
	ASSERT_EQ(got, 2) TH_LOG("%d of 2 tasks ready%s%s", got, reaped ? ", root " : "",
				 reaped ? ckpt_status_str(status) : "");

	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	ASSERT_EQ(ckpt_cg_nr_procs(&self->env), 2);
	ASSERT_GT(ckpt_checkpoint_file(self->root, self->img, self->log,
				       CHECKPOINT_SUBTREE, NULL), 0);
	check_image(_metadata, self->img, self->fifo, T_PRE - T_READ, 0, 2, 0);

	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->root, &status, 0, 10000);
	ckpt_untrack(&self->env, self->root);
	self->root = 0;
	ASSERT_EQ(ckpt_write_file(W.go, "go\n", 3), 0);
}

static int read_res(const char *dir, const char *prefix, int idx, long *bytes,
		    char *result, size_t len)
{
	char path[CKPT_PATH_LEN + 32], fmt[64], *buf;
	int n, i;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	if (!buf)
		return -1;
	snprintf(fmt, sizeof(fmt), "idx %%d pid %%d bytes %%ld result %%%zu[^\n]", len - 1);
	n = sscanf(buf, fmt, &i, &pid, bytes, result);
	free(buf);
	return n == 4 && i == idx ? 0 : -1;
}

TEST_F_TIMEOUT(fifo, tree, 240)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	int status, reaped = 0, got, i;
	char result[160];
	long bytes;

	tree_checkpoint(_metadata, self);
	if (!ckpt_exists(W.go))
		return;

	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	got = ckpt_await_files(self->env.dir, "res.", 2, 150000, self->tool,
			       &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	if (reaped)
		self->tool = 0;
	if (got != 2 || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	EXPECT_EQ(got, 2) TH_LOG("%d of 2 restored tasks reported", got);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < 2; i++) {
		if (read_res(self->env.dir, "res.", i, &bytes, result, sizeof(result))) {
			EXPECT_TRUE(0) TH_LOG("task %d: no result", i);
			continue;
		}
		EXPECT_STREQ(result, "ok") TH_LOG("task %d", i);
		EXPECT_EQ(bytes, T_STREAM) TH_LOG("task %d", i);
	}
}

/* The FIFO's path is a regular file now: the restart fails cleanly */
TEST_F_TIMEOUT(fifo, replaced_by_regular_file, 240)
{
	static const char text[] = "not a FIFO any more\n";
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	char *log, *now;
	int status;
	size_t len;

	tree_checkpoint(_metadata, self);
	if (!ckpt_exists(W.go))
		return;
	ASSERT_EQ(unlink(self->fifo), 0);
	ASSERT_EQ(ckpt_write_file(self->fifo, text, sizeof(text) - 1), 0);

	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	ASSERT_EQ(ckpt_wait_or_kill_tree(self->tool, &status, 120000), 0);
	ckpt_untrack(&self->env, self->tool);
	self->tool = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status))
		TH_LOG("restart: %s", ckpt_status_str(status));
	log = ckpt_slurp(self->log, NULL);
	ASSERT_NE(log, NULL);
	EXPECT_NE(strstr(log, "is no longer the file that was checkpointed"), NULL)
		TH_LOG("log: %s", log);
	free(log);
	/* no task of the tree is left, none ran on, the file is as it was */
	EXPECT_EQ(ckpt_kill_comm(self->comm), 0);
	EXPECT_EQ(ckpt_count_files(self->env.dir, "res.", 2), 0);
	now = ckpt_slurp(self->fifo, &len);
	ASSERT_NE(now, NULL);
	EXPECT_EQ(len, sizeof(text) - 1);
	EXPECT_STREQ(now, text);
	free(now);
}

/* An unlinked FIFO cannot be reopened by path: refused, the fd named */
TEST_F_TIMEOUT(fifo, unlinked_refused, 60)
{
	int status;
	char *text;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd, logfd, ff;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		ff = open(self->fifo, O_RDWR);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ff < 0 || fd < 0 || logfd < 0 || dup2(ff, 77) != 77 ||
		    unlink(self->fifo))
			_exit(CKPT_EXIT_SETUP);
		close(ff);
		ret = ckpt_self(fd, logfd);
		_exit(ret == -1 && errno == EOPNOTSUPP ? 0 : 1);
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	text = ckpt_slurp(self->log, NULL);
	ASSERT_NE(text, NULL);
	EXPECT_NE(strstr(text, "fd 77: FIFOs opened and then unlinked are not supported"),
		  NULL) {
		TH_LOG("log: %s", text);
	}
	free(text);
}

/*
 * A task with the FIFO open for reading and writing, "ours" buffered;
 * restored, it reads "ours" and nothing else
 */
static void simple_image(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fifo) *self)
{
	int status;
	pid_t pid;

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char buf[16];
		int fd, logfd, ff;
		long ret;

		if (ckpt_isolate(self->out))
			_exit(CKPT_EXIT_SETUP);
		ff = open(self->fifo, O_RDWR | O_NONBLOCK);
		fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (ff < 0 || fd < 0 || logfd < 0 || write(ff, "ours", 4) != 4)
			_exit(CKPT_EXIT_SETUP);
		ret = ckpt_self(fd, logfd);
		if (ret)
			_exit(ret > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
		if (read(ff, buf, sizeof(buf)) != 4 || memcmp(buf, "ours", 4))
			_exit(1);
		if (read(ff, buf, sizeof(buf)) != -1 || errno != EAGAIN)
			_exit(2);
		_exit(0);
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED);
}

/* Restart the image @img: the restarter's exit status */
static int restart_status(FIXTURE_DATA(fifo) *self, const char *img)
{
	int status;
	pid_t pid;

	unlink(self->log);
	pid = ckpt_start_restarter(img, -1, self->log, 0);
	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + status;
}

static int log_has(FIXTURE_DATA(fifo) *self, const char *what)
{
	char *text = ckpt_slurp(self->log, NULL);
	int ret = text && strstr(text, what);

	if (!ret)
		fprintf(stderr, "# log has no \"%s\": %s\n", what, text ? text : "(none)");
	free(text);
	return ret;
}

/* Restart into a FIFO someone else has open: EBUSY, their data intact */
TEST_F_TIMEOUT(fifo, in_use_refused, 120)
{
	char buf[64];
	int ff, rc;

	simple_image(_metadata, self);

	ckpt_restarter_quiet = 1;
	ff = open(self->fifo, O_RDWR | O_NONBLOCK);
	ASSERT_GE(ff, 0);
	ASSERT_EQ(write(ff, "foreign", 7), 7);
	rc = restart_status(self, self->img);
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + EBUSY);
	EXPECT_TRUE(log_has(self, "open elsewhere"));
	EXPECT_EQ(read(ff, buf, sizeof(buf)), 7);
	EXPECT_EQ(memcmp(buf, "foreign", 7), 0);
	EXPECT_EQ(read(ff, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EAGAIN);
	close(ff);

	/* empty, but open for reading elsewhere */
	ff = open(self->fifo, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(ff, 0);
	rc = restart_status(self, self->img);
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + EBUSY);
	EXPECT_TRUE(log_has(self, "open elsewhere"));
	EXPECT_EQ(read(ff, buf, sizeof(buf)), 0) TH_LOG("our data went into their FIFO");
	close(ff);

	/* unused again: the same image restarts */
	ckpt_restarter_quiet = 0;
	rc = restart_status(self, self->img);
	EXPECT_EQ(rc, 0) {
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("restored task", self->out, 2048);
	}
}

/* A FIFO's file naming an anonymous pipe, a pipe's file naming a FIFO's */
TEST_F_TIMEOUT(fifo, mixed_up_records, 120)
{
	static struct ckpt_rec recs[4096];
	char *img, *bad = ckpt_path(&self->env, "bad");
	int i, n, rc, done;
	size_t len;

	simple_image(_metadata, self);
	ASSERT_EQ(walk(self->img, &img, &len, recs, 4096, &n), 0);
	ckpt_restarter_quiet = 1;

	/* the pipe record loses its FIFO flag */
	for (i = done = 0; i < n; i++) {
		struct ckpt_hdr_pipe *h = (void *)(img + recs[i].off);

		if (recs[i].type == CKPT_HDR_PIPE) {
			ASSERT_EQ(h->flags, (uint32_t)CKPT_PIPE_FIFO);
			h->flags = 0;
			done++;
		}
	}
	ASSERT_EQ(done, 1);
	ASSERT_EQ(ckpt_write_file(bad, img, len), 0);
	rc = restart_status(self, bad);
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + EINVAL);
	EXPECT_TRUE(log_has(self, "is an anonymous pipe"));
	free(img);

	/* the FIFO file becomes the read end of an anonymous pipe */
	ASSERT_EQ(walk(self->img, &img, &len, recs, 4096, &n), 0);
	for (i = done = 0; i < n; i++) {
		struct ckpt_hdr_file *h = (void *)(img + recs[i].off);

		if (recs[i].type == CKPT_HDR_FILE && h->file_type == CKPT_FILE_FIFO) {
			h->file_type = CKPT_FILE_PIPE;
			h->f_flags &= ~O_ACCMODE;
			done++;
		}
	}
	ASSERT_EQ(done, 1);
	ASSERT_EQ(ckpt_write_file(bad, img, len), 0);
	rc = restart_status(self, bad);
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + EINVAL);
	EXPECT_TRUE(log_has(self, "is a named FIFO's"));
	free(img);
	free(bad);

	/* the FIFO was left unused: the intact image restarts */
	ckpt_restarter_quiet = 0;
	rc = restart_status(self, self->img);
	EXPECT_EQ(rc, 0) {
		ckpt_dump("log", self->log, 2048);
	}
}

TEST_HARNESS_MAIN
