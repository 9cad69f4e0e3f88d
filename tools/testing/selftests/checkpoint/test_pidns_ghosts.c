// SPDX-License-Identifier: GPL-2.0
/*
 * Dead session and process group leaders (ghosts) inside a nested pid
 * namespace.
 *
 * The tree: a root I (pid 1 of a container, or a task of the test's
 * namespace) starts a session and clones N with CLONE_NEWPID, the init
 * of namespace B.  In B, N forks S, which starts a session and forks
 * M1 (the leader of a process group of its own, which forks K1) and M2
 * (which forks K2; K2 joins M1's group).  Then M1 is killed (S reaps
 * it) and S exits (N reaps it): M2 and K1 are N's children, K2 is
 * M2's; all three are in S's session, M2 in S's group, K1 and K2 in
 * M1's.  Neither S nor M1 is a task any more: their pids live on as a
 * session and a process group, allocated in B.
 *
 * Checked: the image has a PIDNS_GHOSTS record with S and M1 in B and
 * their pids in the root's namespace and in B (the NSpid they had),
 * ckptinfo shows it; after restart with the restart tool every task
 * has its pid, parent, session and group in B (getsid(0), getpgid(0)),
 * the root sees the members' sessions and groups with its own numbers
 * (getsid(pid) and getpgid(pid) from the root's namespace), K1's
 * kill(-pgid, SIGUSR1) reaches K1 and K2 and nobody else, memory and
 * parents are intact.  Three ways: in a container with the original
 * pids, as a subtree, and as a subtree with fresh pids (--no-pidns:
 * the root gets a new pid, the tasks of B and the ghosts keep theirs
 * in B).
 *
 * And restart(2) refuses with EINVAL and a log line, before anything
 * is restored, an image whose ghosts record is malformed: a namespace
 * out of range, a ghost that is a task's pid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_tree.h"

#include <linux/checkpoint_hdr.h>

enum { T_ROOT, T_N, T_M2, T_K1, T_K2, NR_TASKS };
static const char *const names[NR_TASKS] = { "I", "N", "M2", "K1", "K2" };
/* 0: the root's namespace, 1: B */
static const int task_ns[NR_TASKS] = { 0, 1, 1, 1, 1 };
/* The dead leaders: files ghost.<G_S> and ghost.<G_M1> */
enum { G_S, G_M1 };

#define MEM_LEN		(32 << 10)
#define SEED		0x67686f7374736e73ULL

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8], done[CKPT_PATH_LEN + 8];
	char view[CKPT_PATH_LEN + 8], dead[CKPT_PATH_LEN + 8];
	int idx;
	pid_t pid, ppid, sid, pgid;
	int nr_kids;		/* children to reap at the end */
	pid_t kids[2];
	int fresh;
	uint64_t *mem;
	char why[240];
} W;

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

static void wfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ckpt_vfail(W.why, sizeof(W.why), names[W.idx], fmt, ap);
	va_end(ap);
}

/* Write the file <prefix><idx> */
static void put(const char *prefix, int idx, const char *result)
{
	char file[40], nspid[96];

	ckpt_read_nspid(nspid, sizeof(nspid));
	snprintf(file, sizeof(file), "%s%d", prefix, idx);
	if (ckpt_put(W.dir, file,
		     "pid %d ppid %d sid %d pgid %d nspid \"%s\" result %s\n",
		     getpid(), getppid(), getsid(0), getpgid(0), nspid, result))
		ckpt_report("cannot write %s: %s", file, strerror(errno));
}

/*
 * The root, after restart: the members' sessions and groups as its
 * namespace sees them; the view file has "pid sid pgid" lines
 */
static void check_view(void)
{
	char *buf = ckpt_slurp(W.view, NULL), *line;
	pid_t pid, sid, pgid;
	int n = 0;

	if (!buf) {
		if (!W.fresh)
			wfail("no view file");
		return;
	}
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%d %d %d", &pid, &sid, &pgid) != 3)
			break;
		n++;
		if (getsid(pid) != sid)
			wfail("getsid(%d) %d, was %d", pid, getsid(pid), sid);
		if (getpgid(pid) != pgid)
			wfail("getpgid(%d) %d, was %d", pid, getpgid(pid), pgid);
	}
	if (n != NR_TASKS - 1)
		wfail("%d lines in the view file", n);
	free(buf);
}

static void __attribute__((noreturn)) task(int idx)
{
	uint64_t seed = SEED + idx;
	int i, bad;
	long off;

	W.idx = idx;
	/* the members' parents and states once S and M1 are gone */
	if (task_ns[idx] && idx != T_N && ckpt_await_file(W.dead, 10, 60000))
		_exit(CKPT_EXIT_SETUP);
	W.pid = getpid();
	W.ppid = getppid();
	W.sid = getsid(0);
	W.pgid = getpgid(0);
	W.mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (W.mem == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(W.mem, MEM_LEN, seed);
	put("ready.", idx, "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	if (W.fresh && !task_ns[idx])
		goto checked;
	if (getpid() != W.pid)
		wfail("pid %d, was %d", getpid(), W.pid);
	if (getppid() != W.ppid && idx != T_ROOT)
		wfail("ppid %d, was %d", getppid(), W.ppid);
	if (getsid(0) != W.sid)
		wfail("sid %d, was %d", getsid(0), W.sid);
	if (getpgid(0) != W.pgid)
		wfail("pgid %d, was %d", getpgid(0), W.pgid);
checked:
	off = ckpt_check(W.mem, MEM_LEN, seed);
	if (off >= 0)
		wfail("memory differs at offset %ld", off);
	/* the group of the dead M1 still works: K1 signals it */
	if (idx == T_K1 && kill(-getpgid(0), SIGUSR1))
		wfail("kill(-%d, SIGUSR1): %s", getpgid(0), strerror(errno));
	if (idx == T_K1 || idx == T_K2) {
		for (i = 0; i < 500 && !got_usr1; i++)
			ckpt_msleep(10);
		if (got_usr1 != 1)
			wfail("%d SIGUSR1 to the group", (int)got_usr1);
	}
	if (idx == T_ROOT) {
		check_view();
		if (ckpt_write_file(W.done, "done\n", 5))
			wfail("cannot write the done file");
	}
	put("res.", idx, W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	if (idx != T_ROOT && ckpt_await_file(W.done, 20, 120 * 1000))
		bad = 1;
	/* the members signalled nobody else */
	if (got_usr1 && idx != T_K1 && idx != T_K2)
		bad = 1;
	bad |= ckpt_reap_kids(names[idx], W.kids, W.nr_kids, W.fresh && !task_ns[idx]);
	_exit(bad);
}

static pid_t xfork(void)
{
	return ckpt_tree_fork(&W.nr_kids);
}

/* S: a session leader whose members outlive it; p: its "ready" pipe */
static void __attribute__((noreturn)) s_main(void)
{
	int p[2], status;
	pid_t m1, m2, k;
	char c;

	if (setsid() < 0 || pipe(p))
		_exit(CKPT_EXIT_SETUP);
	put("ghost.", G_S, "ok");
	m1 = xfork();
	if (m1 == 0) {
		if (setpgid(0, 0))
			_exit(CKPT_EXIT_SETUP);
		put("ghost.", G_M1, "ok");
		k = xfork();
		if (k == 0) {
			close(p[0]);
			close(p[1]);
			task(T_K1);
		}
		if (write(p[1], "1", 1) != 1)
			_exit(CKPT_EXIT_SETUP);
		for (;;)
			pause();
	}
	if (setpgid(m1, m1) && errno != EACCES)
		_exit(CKPT_EXIT_SETUP);
	m2 = xfork();
	if (m2 == 0) {
		k = xfork();
		if (k == 0) {
			if (setpgid(0, m1) || write(p[1], "2", 1) != 1)
				_exit(CKPT_EXIT_SETUP);
			close(p[0]);
			close(p[1]);
			task(T_K2);
		}
		close(p[0]);
		close(p[1]);
		W.kids[W.nr_kids++] = k;
		task(T_M2);
	}
	close(p[1]);
	/* K1 forked and K2 in M1's group: M1 and S may go */
	if (read(p[0], &c, 1) != 1 || read(p[0], &c, 1) != 1)
		_exit(CKPT_EXIT_SETUP);
	kill(m1, SIGKILL);
	if (waitpid(m1, &status, 0) != m1)
		_exit(CKPT_EXIT_SETUP);
	_exit(0);
}

/* N, the init of B: its children are M2 and K1 once S and M1 are gone */
static void __attribute__((noreturn)) n_main(void)
{
	int status;
	pid_t s;

	s = xfork();
	if (s == 0)
		s_main();
	if (waitpid(s, &status, 0) != s || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    ckpt_write_file(W.dead, "dead\n", 5))
		_exit(CKPT_EXIT_SETUP);
	/* any order: M2 and K1 */
	W.nr_kids = 2;
	W.kids[0] = W.kids[1] = -1;
	task(T_N);
}

static void __attribute__((noreturn)) root_main(void)
{
	struct clone_args ca = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t pid;

	sigaction(SIGUSR1, &sa, NULL);
	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (pid == 0) {
		W.nr_kids = 0;
		n_main();
	}
	W.kids[W.nr_kids++] = pid;
	task(T_ROOT);
}

struct info {
	pid_t pid, ppid, sid, pgid;
	char nspid[96];
	char result[240];
};

static int read_info(const char *dir, const char *prefix, int idx, struct info *in)
{
	char path[CKPT_PATH_LEN + 48], *buf;
	int n;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	memset(in, 0, sizeof(*in));
	if (!buf)
		return -1;
	n = sscanf(buf, "pid %d ppid %d sid %d pgid %d nspid \"%95[^\"]\" result %239[^\n]",
		   &in->pid, &in->ppid, &in->sid, &in->pgid, in->nspid, in->result);
	free(buf);
	return n == 6 ? 0 : -1;
}

/* The pid of an NSpid line at @level below the first @root_levels */
static pid_t nspid_at(const char *s, int root_levels, int level)
{
	pid_t f[40];
	int n = ckpt_nspid_fields(s, f, 40);

	return root_levels + level - 1 < n ? f[root_levels + level - 1] : -1;
}

FIXTURE(ghosts) {
	struct ckpt_ctr c;
	char *bad;
};

FIXTURE_SETUP(ghosts)
{
	ASSERT_EQ(ckpt_ctr_init(&self->c, "ghosts", "ckg"), 0);
	self->bad = ckpt_path(&self->c.env, "bad-image");
	snprintf(W.dir, sizeof(W.dir), "%s", self->c.env.dir);
	snprintf(W.go, sizeof(W.go), "%s", self->c.go);
	snprintf(W.done, sizeof(W.done), "%s/done", self->c.env.dir);
	snprintf(W.view, sizeof(W.view), "%s/view", self->c.env.dir);
	snprintf(W.dead, sizeof(W.dead), "%s/dead", self->c.env.dir);
}

FIXTURE_TEARDOWN_PARENT(ghosts)
{
	ckpt_ctr_fini(&self->c);
}

/* The image's PIDNS_GHOSTS record: S and M1, in B, with their pids */
static const struct ckpt_hdr_pidns_ghosts *
find_ghosts(struct __test_metadata *_metadata, const char *img, size_t len)
{
	struct ckpt_rec recs[4096];
	char err[256];
	int n, i;

	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	if (n <= 3) {
		EXPECT_GT(n, 3) TH_LOG("image: %s", err);
		return NULL;
	}
	for (i = 0; i + 2 < n; i++)
		if (recs[i].type == CKPT_HDR_PIDNS) {
			EXPECT_EQ(recs[i + 1].type, (uint32_t)CKPT_HDR_PIDNS_GHOSTS);
			if (recs[i + 1].type != CKPT_HDR_PIDNS_GHOSTS)
				return NULL;
			return (const void *)(img + recs[i + 1].off);
		}
	EXPECT_TRUE(0) TH_LOG("no PIDNS record");
	return NULL;
}

static void check_image(struct __test_metadata *_metadata,
			FIXTURE_DATA(ghosts) *self, const struct info *s,
			const struct info *m1, int root_levels)
{
	const struct ckpt_hdr_pidns_ghosts *h;
	const uint32_t *gns;
	const int32_t *pids;
	size_t len;
	char *img = ckpt_slurp(self->c.img, &len);
	char want[64];

	ASSERT_NE(img, NULL);
	h = find_ghosts(_metadata, img, len);
	ASSERT_NE(h, NULL);
	ASSERT_EQ(h->nr_ghosts, 2U);
	ASSERT_EQ(h->nr_pids, 4U);
	gns = (const void *)(h + 1);
	pids = (const void *)(gns + 2);
	EXPECT_EQ(gns[0], 1U);
	EXPECT_EQ(gns[1], 1U);
	/* in tree order: K1's group or M2's session comes first */
	if (pids[0] == nspid_at(s->nspid, root_levels, 0)) {
		EXPECT_EQ(pids[1], nspid_at(s->nspid, root_levels, 1));
		EXPECT_EQ(pids[2], nspid_at(m1->nspid, root_levels, 0));
		EXPECT_EQ(pids[3], nspid_at(m1->nspid, root_levels, 1));
	} else {
		EXPECT_EQ(pids[0], nspid_at(m1->nspid, root_levels, 0));
		EXPECT_EQ(pids[1], nspid_at(m1->nspid, root_levels, 1));
		EXPECT_EQ(pids[2], nspid_at(s->nspid, root_levels, 0));
		EXPECT_EQ(pids[3], nspid_at(s->nspid, root_levels, 1));
	}
	ksft_print_msg("ghosts: S %s, M1 %s; record %d/%d %d/%d\n", s->nspid,
		       m1->nspid, pids[0], pids[1], pids[2], pids[3]);
	free(img);

	/* ckptinfo shows them */
	EXPECT_EQ(ckpt_ckptinfo_shows(self->c.img, "PIDNS_GHOSTS"), 0);
	snprintf(want, sizeof(want), "pids=%d/%d", nspid_at(s->nspid, root_levels, 0),
		 nspid_at(s->nspid, root_levels, 1));
	EXPECT_EQ(ckpt_ckptinfo_shows(self->c.img, want), 0);
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(ghosts) *self,
		bool container, bool fresh)
{
	const char *extra[] = { fresh ? "--no-pidns" : "--pidns", "--copy-status", NULL };
	struct ckpt_ctr *c = &self->c;
	struct info pre[NR_TASKS], post[NR_TASKS], gs, gm1;
	int i, status, reaped, got, root_levels;
	pid_t root, a[40];
	char view[512];
	size_t vlen = 0;

	if (!ckpt_tool("checkpoint") || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (ckpt_cg_create(&c->env, "ghosts"))
		SKIP(return, "no cgroup v2 freezer");

	W.fresh = fresh;
	ASSERT_GT(ckpt_ctr_start(c, container, root_main), 0);
	ASSERT_EQ(ckpt_ctr_ready(c, NR_TASKS, NULL), NR_TASKS);
	root = ckpt_ctr_root(c, container);
	ASSERT_GT(root, 0);
	for (i = 0; i < NR_TASKS; i++)
		ASSERT_EQ(read_info(c->env.dir, "ready.", i, &pre[i]), 0);
	ASSERT_EQ(read_info(c->env.dir, "ghost.", G_S, &gs), 0);
	ASSERT_EQ(read_info(c->env.dir, "ghost.", G_M1, &gm1), 0);
	/* N wrote its ready file once it had reaped S, and S M1 */
	root_levels = ckpt_nspid_fields(pre[T_ROOT].nspid, a, 40);
	ASSERT_GT(root_levels, 0);
	/* the shape, as B sees it */
	ASSERT_EQ(pre[T_N].pid, 1);
	EXPECT_EQ(pre[T_N].sid, 0);
	EXPECT_EQ(gs.sid, gs.pid);
	EXPECT_EQ(gm1.pgid, gm1.pid);
	EXPECT_EQ(pre[T_M2].sid, gs.pid);
	EXPECT_EQ(pre[T_M2].pgid, gs.pid);
	EXPECT_EQ(pre[T_M2].ppid, 1);
	EXPECT_EQ(pre[T_K1].sid, gs.pid);
	EXPECT_EQ(pre[T_K1].pgid, gm1.pid);
	EXPECT_EQ(pre[T_K1].ppid, 1);
	EXPECT_EQ(pre[T_K2].sid, gs.pid);
	EXPECT_EQ(pre[T_K2].pgid, gm1.pid);
	EXPECT_EQ(pre[T_K2].ppid, pre[T_M2].pid);

	ASSERT_EQ(ckpt_ctr_checkpoint(c, root, container), 0);
	check_image(_metadata, self, &gs, &gm1, root_levels);

	ASSERT_EQ(ckpt_ctr_kill(c), 0);

	/* the root's view: each member's pid, session and group there */
	if (!fresh) {
		for (i = 1; i < NR_TASKS; i++) {
			pid_t sid = nspid_at(gs.nspid, root_levels, 0);
			pid_t pgid = i == T_M2 ? sid : nspid_at(gm1.nspid, root_levels, 0);

			if (i == T_N) {
				sid = pre[T_ROOT].sid;
				pgid = pre[T_ROOT].pgid;
			}
			vlen += snprintf(view + vlen, sizeof(view) - vlen, "%d %d %d\n",
					 nspid_at(pre[i].nspid, root_levels, 0), sid, pgid);
		}
		ASSERT_EQ(ckpt_write_file(W.view, view, vlen), 0);
	}
	got = ckpt_ctr_restart(c, extra, NR_TASKS, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, NR_TASKS) TH_LOG("%d of %d restored tasks reported", got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		if (read_info(c->env.dir, "res.", i, &post[i])) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", names[i]);
			continue;
		}
		EXPECT_STREQ(post[i].result, "ok") TH_LOG("%s", names[i]);
		if (fresh && !task_ns[i])
			continue;
		EXPECT_EQ(post[i].pid, pre[i].pid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post[i].sid, pre[i].sid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post[i].pgid, pre[i].pgid) TH_LOG("%s", names[i]);
		if (i != T_ROOT || container)
			EXPECT_EQ(post[i].ppid, pre[i].ppid) TH_LOG("%s", names[i]);
		/* the pids of B's tasks in B, and in the root's namespace */
		if (task_ns[i]) {
			int nf = ckpt_nspid_fields(post[i].nspid, a, 40);

			EXPECT_EQ(nspid_at(post[i].nspid, nf - 1, 1),
				  nspid_at(pre[i].nspid, root_levels, 1))
				TH_LOG("%s: NSpid \"%s\", was \"%s\"", names[i], post[i].nspid,
				       pre[i].nspid);
			if (!fresh)
				EXPECT_EQ(nspid_at(post[i].nspid, nf - 1, 0),
					  nspid_at(pre[i].nspid, root_levels, 0))
					TH_LOG("%s: NSpid \"%s\", was \"%s\"", names[i],
					       post[i].nspid, pre[i].nspid);
		}
	}
	ksft_print_msg("K2 before: %s sid %d pgid %d; after: %s sid %d pgid %d\n",
		       pre[T_K2].nspid, pre[T_K2].sid, pre[T_K2].pgid,
		       post[T_K2].nspid, post[T_K2].sid, post[T_K2].pgid);
}

TEST_F_TIMEOUT(ghosts, in_container, 280)
{
	run(_metadata, self, true, false);
}

TEST_F_TIMEOUT(ghosts, subtree, 280)
{
	run(_metadata, self, false, false);
}

TEST_F_TIMEOUT(ghosts, subtree_fresh_pids, 280)
{
	run(_metadata, self, false, true);
}

/*
 * restart(2) reads the ghosts record before it restores anything: a
 * malformed one fails RESTART_TASKSELF with EINVAL and one log line,
 * and the caller lives on
 */
static void bad_record(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ghosts) *self, int what)
{
	struct ckpt_hdr_pidns_ghosts *h;
	const struct ckpt_hdr_tree *t = NULL;
	struct ckpt_rec recs[4096];
	char err[256], *img, *buf;
	int n, i, fd, logfd, status;
	uint32_t *gns;
	int32_t *pids;
	size_t len;
	pid_t pid;

	img = ckpt_slurp(self->c.img, &len);
	ASSERT_NE(img, NULL);
	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	ASSERT_GT(n, 3) TH_LOG("%s", err);
	h = NULL;
	for (i = 0; i < n; i++) {
		if (recs[i].type == CKPT_HDR_TREE)
			t = (const void *)(img + recs[i].off);
		if (recs[i].type == CKPT_HDR_PIDNS_GHOSTS)
			h = (void *)(img + recs[i].off);
	}
	ASSERT_NE(h, NULL);
	ASSERT_NE(t, NULL);
	gns = (void *)(h + 1);
	pids = (void *)(gns + h->nr_ghosts);
	if (what == 0)
		gns[0] = 7;		/* no such namespace */
	else
		pids[0] = t->pids[0].pid;	/* the root's pid */
	ASSERT_EQ(ckpt_write_file(self->bad, img, len), 0);
	free(img);

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		long r;

		fd = open(self->bad, O_RDONLY);
		logfd = open(self->c.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || logfd < 0)
			_exit(CKPT_EXIT_SETUP);
		r = restart(0, fd, RESTART_TASKSELF, logfd);
		_exit(r == -1 && errno == EINVAL ? 0 : 1);
	}
	ASSERT_EQ(ckpt_wait_or_kill(pid, &status, 30000), 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart: %s", ckpt_status_str(status));
	buf = ckpt_slurp(self->c.log, NULL);
	ASSERT_NE(buf, NULL);
	ksft_print_msg("log: %s", buf);
	EXPECT_NE(strstr(buf, "pid namespace ghosts record"), NULL) TH_LOG("log: %s", buf);
	EXPECT_EQ(ckpt_count_lines(self->c.log), 1);
	free(buf);
}

/* A tree with a ghost, checkpointed as a subtree, for bad_record() */
static bool make_image(struct __test_metadata *_metadata, FIXTURE_DATA(ghosts) *self)
{
	struct ckpt_ctr *c = &self->c;
	int got;

	if (ckpt_cg_create(&c->env, "ghosts"))
		return false;
	ASSERT_GT(ckpt_ctr_start(c, 0, root_main), 0);
	got = ckpt_ctr_ready(c, NR_TASKS, NULL);
	EXPECT_EQ(got, NR_TASKS);
	EXPECT_EQ(ckpt_cg_freeze(&c->env, 1, 30000), 0);
	EXPECT_GT(ckpt_checkpoint_file(c->helper, c->img, c->log, CHECKPOINT_SUBTREE,
				       NULL), 0);
	ckpt_cg_kill(&c->env, 30000);
	return got == NR_TASKS;
}

TEST_F_TIMEOUT(ghosts, restart_refuses_bad_record, 120)
{
	if (!make_image(_metadata, self))
		SKIP(return, "no cgroup v2 freezer, or no image");
	bad_record(_metadata, self, 0);
	bad_record(_metadata, self, 1);
}

TEST_HARNESS_MAIN
