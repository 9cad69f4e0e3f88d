// SPDX-License-Identifier: GPL-2.0
/*
 * The process tree of the tree tests; see ckpt_tree.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt_tree.h"

#define TREE_SEED	0x7472656574726565ULL
#define INH_LEN		(64 << 10)

/* The state of the task, kept in its memory across the checkpoint */
static struct {
	const struct tree_shape *s;
	int n, idx;
	int (*pipes)[2];
	long fwd[TREE_MAX];		/* bytes forwarded before the checkpoint */
	pid_t pid, ppid, sid, pgid;
	pid_t kids[TREE_MAX];
	int nr_kids;
	uint64_t *mem, *inh;
	volatile uint64_t canary;
	char go[CKPT_PATH_LEN + 8];
	char why[160];
	long pos;			/* stream offset reached */
} T;

static inline unsigned char stream_byte(uint64_t off)
{
	return ckpt_hash(off >> 3, TREE_SEED) >> ((off & 7) * 8);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (T.why[0])
		return;		/* the first failure is the one reported */
	va_start(ap, fmt);
	vsnprintf(T.why, sizeof(T.why), fmt, ap);
	va_end(ap);
	ckpt_report("tree task %d: %s", T.idx, T.why);
}

/* Check @len stream bytes at T.pos in @buf */
static int check_stream(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != stream_byte(T.pos + i)) {
			fail("stream byte %ld is %#x, expected %#x",
			     (long)(T.pos + i), buf[i], stream_byte(T.pos + i));
			return -1;
		}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail("write to pipe at %ld: %s", T.pos, strerror(errno));
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

/*
 * Move the stream on until T.pos == @upto (-1: EOF).  The root
 * generates it, the others read, check and forward it (the last task
 * only reads and checks).
 */
static void forward(long upto)
{
	int in = T.idx ? T.pipes[T.idx - 1][0] : -1;
	int out = T.idx < T.n - 1 ? T.pipes[T.idx][1] : -1;
	unsigned char buf[8192];
	ssize_t n;
	size_t want, i;

	while (upto < 0 || T.pos < upto) {
		want = sizeof(buf);
		if (upto >= 0 && (size_t)(upto - T.pos) < want)
			want = upto - T.pos;
		if (in < 0) {
			if ((size_t)T.pos + want > T.s->stream)
				want = T.s->stream - T.pos;
			if (!want)
				break;
			for (i = 0; i < want; i++)
				buf[i] = stream_byte(T.pos + i);
			n = want;
		} else {
			n = read(in, buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fail("read from pipe at %ld: %s", T.pos, strerror(errno));
				return;
			}
			if (n == 0) {
				if (upto >= 0)
					fail("EOF at %ld before %ld", T.pos, upto);
				break;
			}
			if (check_stream(buf, n))
				return;
		}
		if (out >= 0 && write_all(out, buf, n))
			return;
		T.pos += n;
	}
}

static void put_info(const char *prefix, long bytes, const char *result)
{
	char name[32], nspid[64];

	ckpt_read_nspid(nspid, sizeof(nspid));
	snprintf(name, sizeof(name), "%s%d", prefix, T.idx);
	if (ckpt_put(T.s->dir, name,
		     "idx %d pid %d ppid %d sid %d pgid %d bytes %ld nspid \"%s\" result %s\n",
		     T.idx, getpid(), getppid(), getsid(0), getpgid(0), bytes,
		     nspid, result))
		ckpt_report("tree task %d: cannot write %s: %s", T.idx, name,
			    strerror(errno));
}

static void close_other_ends(void)
{
	int j;

	for (j = 0; j < T.n - 1; j++) {
		if (j != T.idx)
			close(T.pipes[j][1]);
		if (j + 1 != T.idx)
			close(T.pipes[j][0]);
	}
}

static void __attribute__((noreturn)) task_main(void)
{
	uint64_t seed = TREE_SEED ^ (T.idx * 0x100000001ULL);
	int i, status, bad = 0;
	long off;

	close_other_ends();
	T.pid = getpid();
	T.ppid = getppid();
	T.sid = getsid(0);
	T.pgid = getpgid(0);
	T.canary = ~seed;
	T.mem = mmap(NULL, T.s->mem, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (T.mem == MAP_FAILED) {
		ckpt_report("tree task %d: mmap: %s", T.idx, strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
	ckpt_fill(T.mem, T.s->mem, seed);

	forward(T.fwd[T.idx]);
	put_info("ready.", T.pos, T.why[0] ? "setup-failed" : "ok");
	if (ckpt_await_file(T.go, T.s->poll_ms, 1800 * 1000))
		_exit(98);

	/*
	 * restored (the originals were killed before the go file existed);
	 * with fresh pids the test checks the relations from the reports
	 */
	if (!T.s->fresh_pids && getpid() != T.pid)
		fail("pid %d, was %d", getpid(), T.pid);
	if (!T.s->fresh_pids && T.idx && getppid() != T.ppid)
		fail("ppid %d, was %d", getppid(), T.ppid);
	if (!T.s->fresh_pids && getsid(0) != T.sid)
		fail("sid %d, was %d", getsid(0), T.sid);
	if (!T.s->fresh_pids && getpgid(0) != T.pgid)
		fail("pgid %d, was %d", getpgid(0), T.pgid);
	if (T.canary != ~seed)
		fail("canary %#llx", (unsigned long long)T.canary);
	off = ckpt_check(T.mem, T.s->mem, seed);
	if (off >= 0)
		fail("own memory differs at offset %ld", off);
	off = ckpt_check(T.inh, INH_LEN, TREE_SEED);
	if (off >= 0)
		fail("inherited memory differs at offset %ld", off);
	if (T.pos != T.fwd[T.idx])
		fail("stream position %ld, was %ld", T.pos, T.fwd[T.idx]);

	if (!T.why[0])
		forward(-1);
	if (!T.why[0] && T.pos != (long)T.s->stream)
		fail("stream ended at %ld of %zu", T.pos, T.s->stream);
	if (T.idx < T.n - 1)
		close(T.pipes[T.idx][1]);
	put_info("res.", T.pos, T.why[0] ? T.why : "ok");
	bad = T.why[0] != 0;

	for (i = 0; i < T.nr_kids; i++) {
		pid_t want = T.s->fresh_pids ? -1 : T.kids[i];
		pid_t r = waitpid(want, &status, 0);

		if (r < 0 || (want > 0 && r != want)) {
			ckpt_report("tree task %d: waitpid(%d): %d %s", T.idx,
				    T.kids[i], r, strerror(errno));
			bad = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ckpt_report("tree task %d: child %d %s", T.idx, T.kids[i],
				    ckpt_status_str(status));
			bad = 1;
		}
	}
	_exit(bad);
}

/* Fork task @idx with @nkids children of @ngrand children each */
static pid_t spawn(int idx, int nkids, int ngrand);

static void __attribute__((noreturn)) run(int idx, int nkids, int ngrand)
{
	int c, step = 1 + ngrand;

	T.idx = idx;
	T.nr_kids = 0;
	for (c = 0; c < nkids; c++) {
		pid_t pid = spawn(idx + 1 + c * step, ngrand, 0);

		if (pid < 0) {
			ckpt_report("tree task %d: fork: %s", idx, strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		T.kids[T.nr_kids++] = pid;
	}
	task_main();
}

static pid_t spawn(int idx, int nkids, int ngrand)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	/* some variety in the process groups */
	if (idx == 1 || idx == T.n - 2)
		setpgid(0, 0);
	run(idx, nkids, ngrand);
}

void tree_go_path(const struct tree_shape *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/go", s->dir);
}

pid_t tree_start(const struct tree_shape *s, const struct ckpt_env *env)
{
	char out[CKPT_PATH_LEN + 16];
	pid_t pid = ckpt_fork();
	long buffered;
	int i;

	if (pid)
		return pid;

	if (env && env->cgroup[0] && ckpt_cg_add(env, getpid()))
		_exit(CKPT_EXIT_SETUP);
	snprintf(out, sizeof(out), "%s/tree.out", s->dir);
	if (ckpt_isolate(out) || setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	prctl(PR_SET_NAME, s->comm, 0, 0, 0);
	memset(&T, 0, sizeof(T));
	T.s = s;
	T.n = tree_nr(s);
	if (T.n > TREE_MAX)
		_exit(CKPT_EXIT_SETUP);
	tree_go_path(s, T.go, sizeof(T.go));
	/* pipe i buffers fwd[i] - fwd[i + 1] bytes at checkpoint time */
	T.fwd[T.n - 1] = s->sink_pre;
	for (i = T.n - 2; i >= 0; i--) {
		buffered = s->base_buf + (long)i * s->step_buf;
		T.fwd[i] = T.fwd[i + 1] + buffered;
	}
	if (T.fwd[0] > (long)s->stream) {
		ckpt_report("tree: stream of %zu bytes shorter than %ld", s->stream,
			    T.fwd[0]);
		_exit(CKPT_EXIT_SETUP);
	}
	T.pipes = calloc(T.n, sizeof(*T.pipes));
	for (i = 0; i < T.n - 1; i++)
		if (pipe(T.pipes[i])) {
			ckpt_report("tree: pipe: %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
	T.inh = mmap(NULL, INH_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (T.inh == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(T.inh, INH_LEN, TREE_SEED);
	run(0, s->nchild, s->ngrand);
}

int tree_read(const struct tree_shape *s, const char *prefix, int idx,
	      struct tree_info *ti)
{
	char path[CKPT_PATH_LEN + 32], *buf;
	int n;

	snprintf(path, sizeof(path), "%s/%s%d", s->dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	memset(ti, 0, sizeof(*ti));
	if (!buf)
		return -1;
	n = sscanf(buf, "idx %d pid %d ppid %d sid %d pgid %d bytes %ld nspid \"%63[^\"]\" result %159[^\n]",
		   &ti->idx, &ti->pid, &ti->ppid, &ti->sid, &ti->pgid,
		   &ti->bytes, ti->nspid, ti->result);
	free(buf);
	return n == 8 ? 0 : -1;
}

int ckpt_ctr_init(struct ckpt_ctr *c, const char *name, const char *tag)
{
	if (ckpt_env_init(&c->env, name))
		return -1;
	c->img = ckpt_path(&c->env, "image");
	c->log = ckpt_path(&c->env, "log");
	c->out = ckpt_path(&c->env, "tree.out");
	c->ckpt_out = ckpt_path(&c->env, "checkpoint.out");
	c->rst_out = ckpt_path(&c->env, "restart.out");
	snprintf(c->go, sizeof(c->go), "%s/go", c->env.dir);
	snprintf(c->comm, sizeof(c->comm), "%s%d", tag, getpid() % 100000);
	return 0;
}

void ckpt_ctr_fini(struct ckpt_ctr *c)
{
	ckpt_kill_comm(c->comm);
	ckpt_kill_tree(c->tool);
	ckpt_kill_tree(c->helper);
	ckpt_env_fini(&c->env);
}

pid_t ckpt_ctr_start(struct ckpt_ctr *c, int container, void (*root)(void))
{
	pid_t pid = ckpt_fork();
	int status;

	if (pid > 0) {
		c->helper = pid;
		ckpt_track(&c->env, pid);
	}
	if (pid)
		return pid;
	/* c is shared with the harness: the child must not write it */
	if (ckpt_cg_add(&c->env, getpid()) || ckpt_isolate(c->out))
		_exit(CKPT_EXIT_SETUP);
	prctl(PR_SET_NAME, c->comm, 0, 0, 0);
	if (!container) {
		root();
		_exit(CKPT_EXIT_SETUP);
	}
	if (unshare(CLONE_NEWPID)) {
		ckpt_report("unshare(CLONE_NEWPID): %s", strerror(errno));
		_exit(CKPT_EXIT_SKIP);
	}
	pid = fork();
	if (pid == 0) {
		root();
		_exit(CKPT_EXIT_SETUP);
	}
	if (pid < 0 || ckpt_put(c->env.dir, "root.pid", "%d\n", pid))
		_exit(CKPT_EXIT_SETUP);
	ckpt_close_from(0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

int ckpt_ctr_ready(struct ckpt_ctr *c, int n, int *skip)
{
	int status, reaped = 0, got;

	got = ckpt_await_files(c->env.dir, "ready.", n, 60000, c->helper, &status, &reaped);
	if (skip)
		*skip = reaped && WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_SKIP;
	if (got != n) {
		fprintf(stderr, "# %d of %d tasks ready%s%s\n", got, n,
			reaped ? ", the tree's top " : "", reaped ? ckpt_status_str(status) : "");
		ckpt_dump("tree", c->out, 4096);
	}
	return got;
}

pid_t ckpt_ctr_root(struct ckpt_ctr *c, int container)
{
	char path[CKPT_PATH_LEN + 32], *buf;
	pid_t root;

	if (!container)
		return c->helper;
	snprintf(path, sizeof(path), "%s/root.pid", c->env.dir);
	buf = ckpt_slurp(path, NULL);
	if (!buf)
		return -1;
	root = atoi(buf);
	free(buf);
	return root > 0 ? root : -1;
}

int ckpt_ctr_checkpoint(struct ckpt_ctr *c, pid_t root, int container)
{
	char num[16], *argv[] = { (char *)ckpt_tool("checkpoint"), "-c", "-o", c->img,
				  "-l", c->log, num, NULL };
	int status;
	pid_t t;

	if (ckpt_cg_freeze(&c->env, 1, 30000)) {
		fprintf(stderr, "# cannot freeze the tree\n");
		return -1;
	}
	if (!container)
		return ckpt_checkpoint_file(root, c->img, c->log, CHECKPOINT_SUBTREE,
					    NULL) > 0 ? 0 : -1;
	snprintf(num, sizeof(num), "%d", root);
	t = argv[0] ? ckpt_spawn(argv, c->ckpt_out) : -1;
	if (t <= 0) {
		fprintf(stderr, "# cannot run checkpoint -c %d\n", root);
		return -1;
	}
	if (ckpt_wait_or_kill(t, &status, 120000) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ckpt_dump("checkpoint", c->ckpt_out, 2048);
		ckpt_dump("log", c->log, 2048);
		fprintf(stderr, "# checkpoint -c %d: %s\n", root, ckpt_status_str(status));
		return -1;
	}
	return 0;
}

int ckpt_ctr_kill(struct ckpt_ctr *c)
{
	int status;

	if (ckpt_cg_kill(&c->env, 30000)) {
		fprintf(stderr, "# cannot kill the tree\n");
		return -1;
	}
	ckpt_wait(c->helper, &status, 0, 10000);
	ckpt_untrack(&c->env, c->helper);
	c->helper = 0;
	return 0;
}

int ckpt_ctr_restart(struct ckpt_ctr *c, const char *const extra[], int n,
		     int *status, int *reaped)
{
	int got;

	*reaped = 0;
	if (ckpt_write_file(c->go, "go\n", 3)) {
		fprintf(stderr, "# cannot write %s\n", c->go);
		return -1;
	}
	c->tool = ckpt_restart_tool(c->img, c->log, c->rst_out, extra);
	if (c->tool <= 0) {
		fprintf(stderr, "# cannot run the restart tool: %s\n", strerror(errno));
		return -1;
	}
	ckpt_track(&c->env, c->tool);
	got = ckpt_await_files(c->env.dir, "res.", n, 180000, c->tool, status, reaped);
	if (!*reaped && ckpt_wait_or_kill_tree(c->tool, status, 60000) == 0)
		*reaped = 1;
	ckpt_untrack(&c->env, c->tool);
	if (*reaped)
		c->tool = 0;
	if (got != n || !*reaped || !WIFEXITED(*status) || WEXITSTATUS(*status)) {
		ckpt_dump("restart", c->rst_out, 4096);
		ckpt_dump("log", c->log, 2048);
		ckpt_dump("tree", c->out, 4096);
	}
	return got;
}

pid_t ckpt_tree_fork(int *nr_kids)
{
	pid_t pid = fork();

	if (pid < 0) {
		ckpt_report("fork: %s", strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
	if (pid == 0)
		*nr_kids = 0;
	return pid;
}

int ckpt_reap_kids(const char *who, const pid_t *kids, int n, int any)
{
	int i, status, bad = 0;

	for (i = 0; i < n; i++) {
		pid_t want = any ? -1 : kids[i];
		pid_t r = waitpid(want, &status, 0);

		if (r < 0 || (want > 0 && r != want) || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ckpt_report("%s: child %d: %d %s", who, kids[i], r,
				    r > 0 ? ckpt_status_str(status) : strerror(errno));
			bad = 1;
		}
	}
	return bad;
}
