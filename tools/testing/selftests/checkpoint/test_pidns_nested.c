// SPDX-License-Identifier: GPL-2.0
/*
 * Nested pid namespaces inside the checkpointed tree.
 *
 * The tree: a root forks H, which unshares CLONE_NEWPID and forks NI,
 * the init of namespace N (H's children are born in N from then on);
 * NI starts a session and forks N1 and N2; N1 forks N11; N2 forks a
 * child that exits with 7 and stays a zombie.  The root also clones
 * MI with CLONE_NEWPID, the init of a sibling namespace M, which forks
 * M1; M1 makes a process group of its own, which H joins (a task of
 * the root's namespace in a group whose leader was cloned in a nested
 * namespace).  Either the root is pid 1 of a container (a helper unshared
 * CLONE_NEWPID; "checkpoint -c", no CHECKPOINT_SUBTREE), or a task of
 * the test's namespace (CHECKPOINT_SUBTREE).  The tree is frozen,
 * checkpointed, killed and restarted with the restart tool: in a new
 * pid namespace with the original pids, or (subtree_fresh_pids) with
 * --no-pidns, where the root and H get fresh pids and the tasks of the
 * nested namespaces keep theirs.
 *
 * Checked: the image's pid namespace record (two namespaces, every
 * task's pids at every level equal to the NSpid of /proc/PID/status
 * below the root's namespace); after restart every task has the pid,
 * ppid, session and process group it had in its own namespace, its
 * NSpid below the root's namespace is the original (so its pid is
 * right at every level), tasks of N are in one pid namespace, those of
 * M in another, the root and H in a third (/proc/self/ns/pid), H's
 * children are born in N (/proc/self/ns/pid_for_children), every
 * parent reaps its children by their original pids (the zombie with
 * status 7) and restart --copy-status passes the root's 0 on.
 *
 * Refused with EOPNOTSUPP and a log line: a task in a namespace whose
 * init is not in the tree (it entered it with setns()), a task that
 * unshared CLONE_NEWPID without forking.  And restart(2) itself fails
 * with EINVAL and a log line, before any task is restored, when the
 * tasks it is given are not in the namespaces of the image.
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

enum { T_ROOT, T_H, T_NI, T_N1, T_N2, T_N11, T_MI, T_M1, NR_TASKS };
static const char *const names[NR_TASKS] = {
	"root", "H", "NI", "N1", "N2", "N11", "MI", "M1",
};
/* The namespace of each task: 0 the root's, 1 N, 2 M */
static const int task_ns[NR_TASKS] = { 0, 0, 1, 1, 1, 1, 2, 2 };

#define MEM_LEN		(64 << 10)
#define SEED		0x7069646e73746573ULL
#define ZOMBIE_EXIT	7

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	int idx;
	pid_t pid, ppid, sid, pgid;
	pid_t kids[4];
	int nr_kids;
	pid_t zombie;
	int fresh;		/* restart --no-pidns: new pids at level 0 */
	uint64_t *mem;
	char why[200];
} W;

static void wfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ckpt_vfail(W.why, sizeof(W.why), names[W.idx], fmt, ap);
	va_end(ap);
}

static void read_ns(const char *which, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", which);
	n = readlink(path, buf, len - 1);
	if (n <= 0)
		snprintf(buf, len, "?");
	else
		buf[n] = '\0';
}

static void put(const char *prefix, const char *result)
{
	char name[32], nspid[96], ns[64], fc[64];

	ckpt_read_nspid(nspid, sizeof(nspid));
	read_ns("pid", ns, sizeof(ns));
	read_ns("pid_for_children", fc, sizeof(fc));
	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	if (ckpt_put(W.dir, name,
		     "idx %d pid %d ppid %d sid %d pgid %d nspid \"%s\" ns %s fc %s result %s\n",
		     W.idx, getpid(), getppid(), getsid(0), getpgid(0), nspid,
		     ns, fc, result))
		ckpt_report("%s: cannot write %s: %s", names[W.idx], name,
			    strerror(errno));
}

static void __attribute__((noreturn)) task(int idx)
{
	uint64_t seed = SEED + idx;
	int status, bad;
	long off;

	W.idx = idx;
	W.pid = getpid();
	W.ppid = getppid();
	W.sid = getsid(0);
	W.pgid = getpgid(0);
	W.mem = mmap(NULL, MEM_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (W.mem == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(W.mem, MEM_LEN, seed);
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/*
	 * restored: the originals were killed before the go file existed;
	 * with fresh pids, the tasks of the root's namespace have new ones
	 * (the test checks their relations), the nested ones their own
	 */
	if (W.fresh && !task_ns[idx])
		goto checked;
	if (getpid() != W.pid)
		wfail("pid %d, was %d", getpid(), W.pid);
	/* a root other than pid 1 has a new parent: the restart tool's */
	if (getppid() != W.ppid && (idx != T_ROOT || W.pid == 1))
		wfail("ppid %d, was %d", getppid(), W.ppid);
	if (getsid(0) != W.sid)
		wfail("sid %d, was %d", getsid(0), W.sid);
	if (getpgid(0) != W.pgid)
		wfail("pgid %d, was %d", getpgid(0), W.pgid);
checked:
	off = ckpt_check(W.mem, MEM_LEN, seed);
	if (off >= 0)
		wfail("memory differs at offset %ld", off);
	put("res.", W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	if (W.zombie) {
		pid_t r = waitpid(W.zombie, &status, 0);

		if (r != W.zombie || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != ZOMBIE_EXIT) {
			ckpt_report("%s: zombie %d: %d %s", names[idx], W.zombie, r,
				    r > 0 ? ckpt_status_str(status) : strerror(errno));
			bad = 1;
		}
	}
	bad |= ckpt_reap_kids(names[idx], W.kids, W.nr_kids, W.fresh && !task_ns[idx]);
	_exit(bad);
}

static pid_t xfork(void)
{
	return ckpt_tree_fork(&W.nr_kids);
}

/* fork() into a new pid namespace: the child is its init */
static pid_t fork_newpid(void)
{
	struct clone_args ca = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	pid_t pid;

	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		_exit(CKPT_EXIT_SETUP);
	if (pid == 0)
		W.nr_kids = 0;
	return pid;
}

static void __attribute__((noreturn)) n2_main(void)
{
	siginfo_t si;

	/* a zombie at checkpoint time: waited for without reaping */
	W.zombie = xfork();
	if (W.zombie == 0)
		_exit(ZOMBIE_EXIT);
	if (waitid(P_PID, W.zombie, &si, WEXITED | WNOWAIT))
		_exit(CKPT_EXIT_SETUP);
	task(T_N2);
}

static void __attribute__((noreturn)) ni_main(void)
{
	pid_t pid;

	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	pid = xfork();
	if (pid == 0) {
		pid_t g = xfork();

		if (g == 0)
			task(T_N11);
		W.kids[W.nr_kids++] = g;
		task(T_N1);
	}
	W.kids[W.nr_kids++] = pid;
	pid = xfork();
	if (pid == 0)
		n2_main();
	W.kids[W.nr_kids++] = pid;
	task(T_NI);
}

/* M1: a process group of its own, its pid as H sees it in "m1.pgid" */
static void __attribute__((noreturn)) m1_main(void)
{
	char nspid[96];
	pid_t f[40];
	int n;

	ckpt_read_nspid(nspid, sizeof(nspid));
	n = ckpt_nspid_fields(nspid, f, 40);
	if (setpgid(0, 0) || n < 2 ||
	    ckpt_put(W.dir, "m1.pgid", "%d\n", f[n - 2]))
		_exit(CKPT_EXIT_SETUP);
	task(T_M1);
}

/* H: into M1's group, whose leader M's init cloned */
static void h_join_m1(void)
{
	char path[CKPT_PATH_LEN + 16], *buf;
	pid_t pgid = 0;

	snprintf(path, sizeof(path), "%s/m1.pgid", W.dir);
	if (ckpt_await_file(path, 20, 60 * 1000))
		_exit(CKPT_EXIT_SETUP);
	buf = ckpt_slurp(path, NULL);
	if (buf)
		pgid = atoi(buf);
	free(buf);
	if (pgid <= 0 || setpgid(0, pgid)) {
		ckpt_report("H: setpgid(0, %d): %s", pgid, strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
}

static void __attribute__((noreturn)) root_main(void)
{
	pid_t pid;

	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	pid = xfork();
	if (pid == 0) {
		pid_t ni;

		/* H: its children are born in N from now on */
		if (unshare(CLONE_NEWPID)) {
			ckpt_report("H: unshare(CLONE_NEWPID): %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		ni = xfork();
		if (ni == 0)
			ni_main();
		W.kids[W.nr_kids++] = ni;
		h_join_m1();
		task(T_H);
	}
	W.kids[W.nr_kids++] = pid;
	pid = fork_newpid();
	if (pid == 0) {
		pid_t m1 = xfork();

		if (m1 == 0)
			m1_main();
		W.kids[W.nr_kids++] = m1;
		task(T_MI);
	}
	W.kids[W.nr_kids++] = pid;
	task(T_ROOT);
}

struct info {
	int idx;
	pid_t pid, ppid, sid, pgid;
	char nspid[96], ns[64], fc[64];
	char result[200];
};

static int read_info(const char *dir, const char *prefix, int idx, struct info *in)
{
	char path[CKPT_PATH_LEN + 32], *buf;
	int n;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	memset(in, 0, sizeof(*in));
	if (!buf)
		return -1;
	n = sscanf(buf, "idx %d pid %d ppid %d sid %d pgid %d nspid \"%95[^\"]\" ns %63s fc %63s result %199[^\n]",
		   &in->idx, &in->pid, &in->ppid, &in->sid, &in->pgid,
		   in->nspid, in->ns, in->fc, in->result);
	free(buf);
	return n == 9 ? 0 : -1;
}

/*
 * The last @levels pids of an NSpid line (from the root's namespace
 * down) into @out; 0, or -1 if it has fewer
 */
static int nspid_tail(const char *s, int levels, pid_t *out)
{
	pid_t f[40];
	int n = ckpt_nspid_fields(s, f, 40), i;

	if (levels > n || levels <= 0)
		return -1;
	for (i = 0; i < levels; i++)
		out[i] = f[n - levels + i];
	return 0;
}

FIXTURE(pidns) {
	struct ckpt_ctr c;
	pid_t other[2];
};

FIXTURE_SETUP(pidns)
{
	ASSERT_EQ(ckpt_ctr_init(&self->c, "pidns", "ckn"), 0);
	snprintf(W.dir, sizeof(W.dir), "%s", self->c.env.dir);
	snprintf(W.go, sizeof(W.go), "%s", self->c.go);
}

FIXTURE_TEARDOWN_PARENT(pidns)
{
	ckpt_ctr_fini(&self->c);
}

/* The image's PIDNS record, checked against the ready files */
static void check_image(struct __test_metadata *_metadata, const char *path,
			struct info *pre, int root_levels)
{
	struct ckpt_rec recs[4096];
	const struct ckpt_hdr_pidns *h = NULL;
	const struct ckpt_hdr_tree *t = NULL;
	const struct ckpt_task_ns *tn;
	const int32_t *pids;
	char err[256];
	size_t len;
	char *img = ckpt_slurp(path, &len);
	int n, i, j, zombies = 0, seen = 0;
	uint32_t k, off = 0;

	ASSERT_NE(img, NULL);
	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	ASSERT_GT(n, 3) TH_LOG("image: %s", err);
	for (i = 0; i + 1 < n; i++)
		if (recs[i].type == CKPT_HDR_TREE) {
			t = (const void *)(img + recs[i].off);
			EXPECT_EQ(recs[i + 1].type, (uint32_t)CKPT_HDR_PIDNS);
			h = (const void *)(img + recs[i + 1].off);
			break;
		}
	ASSERT_NE(t, NULL);
	ASSERT_NE(h, NULL);
	ASSERT_EQ(t->nr_tasks, NR_TASKS + 1U);
	ASSERT_EQ(h->nr_tasks, t->nr_tasks);
	EXPECT_EQ(h->nr_ns, 2U);
	tn = (const void *)((const char *)(h + 1) + h->nr_ns * sizeof(struct ckpt_pidns));
	pids = (const void *)(tn + h->nr_tasks);
	for (k = 0; k < t->nr_tasks; k++) {
		const struct ckpt_task_pids *p = &t->pids[k];
		const struct ckpt_pidns *ns = (const void *)(h + 1);
		uint32_t level = tn[k].ns && tn[k].ns <= h->nr_ns ?
				 ns[tn[k].ns - 1].level : 0;
		pid_t f[40];
		int nf = 0;

		ASSERT_LE(off + level + 1, h->nr_pids);
		EXPECT_EQ(pids[off], p->pid) TH_LOG("entry %u", k);
		if (p->flags & CKPT_PIDS_ZOMBIE) {
			zombies++;
			EXPECT_EQ(level, 1U) TH_LOG("the zombie is not in N");
			off += level + 1;
			continue;
		}
		/* the task whose NSpid has this pid at the root's level */
		for (j = 0; j < NR_TASKS; j++) {
			nf = ckpt_nspid_fields(pre[j].nspid, f, 40);
			if (nf >= root_levels && f[root_levels - 1] == p->pid)
				break;
		}
		EXPECT_LT(j, NR_TASKS) TH_LOG("entry %u: pid %d", k, p->pid);
		if (j < NR_TASKS) {
			seen++;
			EXPECT_EQ(level, task_ns[j] ? 1U : 0U) TH_LOG("%s", names[j]);
			EXPECT_EQ(nf, root_levels + (int)level) TH_LOG("%s", names[j]);
			for (i = 0; i <= (int)level && root_levels + i <= nf; i++)
				EXPECT_EQ(pids[off + i], f[root_levels - 1 + i])
					TH_LOG("%s: level %d", names[j], i);
			EXPECT_EQ(tn[k].ns_for_children == tn[k].ns, j != T_H)
				TH_LOG("%s: ns %u for children %u", names[j], tn[k].ns,
				       tn[k].ns_for_children);
		}
		off += level + 1;
	}
	EXPECT_EQ(off, h->nr_pids);
	EXPECT_EQ(zombies, 1);
	EXPECT_EQ(seen, NR_TASKS);
	free(img);
}

/* Build the tree, checkpoint it, kill it, restart it, check everything */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(pidns) *self,
		bool container, bool fresh)
{
	const char *extra[] = { fresh ? "--no-pidns" : "--pidns", "--copy-status", NULL };
	struct ckpt_ctr *c = &self->c;
	struct info pre[NR_TASKS], post[NR_TASKS];
	int i, j, status, reaped, got, root_levels, pre_root, post_root, skip;
	pid_t root, a[40], b[40];

	if (!ckpt_tool("checkpoint") || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (ckpt_cg_create(&c->env, "pidns"))
		SKIP(return, "no cgroup v2 freezer");

	W.fresh = fresh;
	ASSERT_GT(ckpt_ctr_start(c, container, root_main), 0);
	got = ckpt_ctr_ready(c, NR_TASKS, &skip);
	if (skip)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(got, NR_TASKS);
	root = ckpt_ctr_root(c, container);
	ASSERT_GT(root, 0);
	for (i = 0; i < NR_TASKS; i++) {
		ASSERT_EQ(read_info(c->env.dir, "ready.", i, &pre[i]), 0);
	}
	/* the shape before the checkpoint */
	ASSERT_EQ(pre[T_NI].pid, 1);
	ASSERT_EQ(pre[T_MI].pid, 1);
	ASSERT_EQ(pre[T_ROOT].pid, container ? 1 : root);
	root_levels = ckpt_nspid_fields(pre[T_ROOT].nspid, a, 40);
	ASSERT_GT(root_levels, 0);
	for (i = 0; i < NR_TASKS; i++) {
		EXPECT_EQ(ckpt_nspid_fields(pre[i].nspid, a, 40),
			  root_levels + (task_ns[i] ? 1 : 0))
			TH_LOG("%s: NSpid \"%s\"", names[i], pre[i].nspid);
		for (j = 0; j < NR_TASKS; j++)
			EXPECT_EQ(!strcmp(pre[i].ns, pre[j].ns), task_ns[i] == task_ns[j])
				TH_LOG("tasks %d and %d: %s %s", i, j, pre[i].ns, pre[j].ns);
		EXPECT_STREQ(pre[i].fc, i == T_H ? pre[T_NI].ns : pre[i].ns) TH_LOG("%s", names[i]);
	}

	ASSERT_EQ(ckpt_ctr_checkpoint(c, root, container), 0);
	check_image(_metadata, c->img, pre, root_levels);

	ASSERT_EQ(ckpt_ctr_kill(c), 0);
	got = ckpt_ctr_restart(c, extra, NR_TASKS, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, NR_TASKS) TH_LOG("%d of %d restored tasks reported", got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		if (read_info(c->env.dir, "res.", i, &post[i])) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", names[i]);
			return;
		}
	}
	pre_root = ckpt_nspid_fields(pre[T_ROOT].nspid, a, 40);
	post_root = ckpt_nspid_fields(post[T_ROOT].nspid, b, 40);
	ksft_print_msg("root: NSpid \"%s\", was \"%s\"; NI: \"%s\", was \"%s\"\n",
		       post[T_ROOT].nspid, pre[T_ROOT].nspid, post[T_NI].nspid,
		       pre[T_NI].nspid);
	if (fresh) {
		/* new pids in the root's namespace, relations kept */
		EXPECT_EQ(post[T_H].ppid, post[T_ROOT].pid);
		EXPECT_EQ(post[T_ROOT].sid, post[T_ROOT].pid);
		EXPECT_EQ(post[T_ROOT].pgid, post[T_ROOT].pid);
		EXPECT_EQ(post[T_H].sid, post[T_ROOT].pid);
		EXPECT_NE(post[T_H].pid, post[T_ROOT].pid);
		/* in M1's group, as the root's namespace sees M1 */
		ASSERT_EQ(nspid_tail(post[T_M1].nspid, 2, a), 0);
		EXPECT_EQ(post[T_H].pgid, a[0])
			TH_LOG("H: pgid %d, M1's NSpid \"%s\"", post[T_H].pgid,
			       post[T_M1].nspid);
		/* the tool's namespace: no new level */
		EXPECT_EQ(post_root, pre_root);
	}
	for (i = 0; i < NR_TASKS; i++) {
		int levels = (fresh ? 0 : 1) + (task_ns[i] ? 1 : 0), k;

		EXPECT_STREQ(post[i].result, "ok") TH_LOG("%s (pid %d)", names[i], pre[i].pid);
		if (fresh && !task_ns[i])
			goto levels;
		EXPECT_EQ(post[i].pid, pre[i].pid) TH_LOG("%s", names[i]);
		if (i != T_ROOT || container)
			EXPECT_EQ(post[i].ppid, pre[i].ppid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post[i].sid, pre[i].sid) TH_LOG("%s", names[i]);
		EXPECT_EQ(post[i].pgid, pre[i].pgid) TH_LOG("%s", names[i]);
levels:
		/* every level from the root's namespace down (fresh: below it) */
		EXPECT_EQ(ckpt_nspid_fields(post[i].nspid, b, 40) - post_root,
			  ckpt_nspid_fields(pre[i].nspid, a, 40) - pre_root)
			TH_LOG("%s: NSpid \"%s\", was \"%s\"", names[i], post[i].nspid,
			       pre[i].nspid);
		if (levels) {
			ASSERT_EQ(nspid_tail(pre[i].nspid, levels, a), 0);
			ASSERT_EQ(nspid_tail(post[i].nspid, levels, b), 0)
				TH_LOG("%s: NSpid \"%s\"", names[i], post[i].nspid);
		}
		for (k = 0; k < levels; k++)
			EXPECT_EQ(b[k], a[k]) TH_LOG("%s: level %d: NSpid \"%s\", was \"%s\"",
						     names[i], k, post[i].nspid, pre[i].nspid);
		/* one namespace per group of tasks, another for each group */
		for (j = 0; j < NR_TASKS; j++)
			EXPECT_EQ(!strcmp(post[i].ns, post[j].ns), task_ns[i] == task_ns[j])
				TH_LOG("tasks %d and %d: %s %s", i, j, post[i].ns, post[j].ns);
		EXPECT_STREQ(post[i].fc, i == T_H ? post[T_NI].ns : post[i].ns)
			TH_LOG("%s: children born in %s", names[i], post[i].fc);
	}
}

TEST_F_TIMEOUT(pidns, in_container, 280)
{
	run(_metadata, self, true, false);
}

TEST_F_TIMEOUT(pidns, subtree, 280)
{
	run(_metadata, self, false, false);
}

TEST_F_TIMEOUT(pidns, subtree_fresh_pids, 280)
{
	run(_metadata, self, false, true);
}

/*
 * A task of the tree in a namespace whose init is outside the tree: it
 * was forked by a task that entered the namespace with setns()
 */
TEST_F_TIMEOUT(pidns, refuse_init_outside, 120)
{
	char path[CKPT_PATH_LEN + 32], *buf;
	int status, reaped = 0;
	pid_t pid, init;

	if (ckpt_cg_create(&self->c.env, "pidns"))
		SKIP(return, "no cgroup v2 freezer");
	/* outside the tree: a namespace and its init */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_isolate(self->c.out) || unshare(CLONE_NEWPID))
			_exit(CKPT_EXIT_SKIP);
		prctl(PR_SET_NAME, self->c.comm, 0, 0, 0);
		init = fork();
		if (init == 0) {
			for (;;)
				pause();
		}
		if (init < 0 || ckpt_put(W.dir, "init.pid", "%d\n", init))
			_exit(CKPT_EXIT_SETUP);
		while (waitpid(init, &status, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	self->other[0] = pid;
	ckpt_track(&self->c.env, pid);
	snprintf(path, sizeof(path), "%s/init.pid", self->c.env.dir);
	ASSERT_EQ(ckpt_await_file(path, 10, 30000), 0);
	buf = ckpt_slurp(path, NULL);
	ASSERT_NE(buf, NULL);
	init = atoi(buf);
	free(buf);
	ASSERT_GT(init, 0);
	ckpt_track(&self->c.env, init);

	/* the tree: a root that enters the namespace and forks into it */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (ckpt_cg_add(&self->c.env, getpid()) || ckpt_isolate(self->c.out))
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->c.comm, 0, 0, 0);
		fd = syscall(SYS_pidfd_open, init, 0);
		if (fd < 0 || syscall(SYS_setns, fd, CLONE_NEWPID)) {
			ckpt_report("setns: %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		close(fd);
		pid = fork();
		if (pid == 0) {
			W.idx = 1;
			put("ready.", "ok");
			for (;;)
				pause();
		}
		if (pid < 0)
			_exit(CKPT_EXIT_SETUP);
		W.idx = 0;
		put("ready.", "ok");
		for (;;)
			pause();
	}
	self->c.helper = pid;
	ckpt_track(&self->c.env, pid);
	ASSERT_EQ(ckpt_await_files(self->c.env.dir, "ready.", 2, 30000, pid, &status,
				   &reaped), 2);
	ASSERT_EQ(ckpt_cg_freeze(&self->c.env, 1, 30000), 0);
	EXPECT_EQ(ckpt_checkpoint_file(pid, self->c.img, self->c.log, CHECKPOINT_SUBTREE,
				       NULL), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	buf = ckpt_slurp(self->c.log, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_NE(strstr(buf, "the init of its pid namespace (pid 1 there) is not in the checkpointed tree"),
		  NULL) TH_LOG("log: %s", buf);
	EXPECT_EQ(ckpt_count_lines(self->c.log), 1);
	free(buf);
	ckpt_cg_kill(&self->c.env, 30000);
	kill(init, SIGKILL);
	kill(self->other[0], SIGKILL);
}

/* A task that unshared CLONE_NEWPID and has not forked the init yet */
TEST_F_TIMEOUT(pidns, refuse_unshare_without_child, 120)
{
	int status, reaped = 0;
	char *buf;
	pid_t pid;

	if (ckpt_cg_create(&self->c.env, "pidns"))
		SKIP(return, "no cgroup v2 freezer");
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_cg_add(&self->c.env, getpid()) || ckpt_isolate(self->c.out))
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->c.comm, 0, 0, 0);
		if (unshare(CLONE_NEWPID))
			_exit(CKPT_EXIT_SETUP);
		W.idx = 0;
		put("ready.", "ok");
		for (;;)
			pause();
	}
	self->c.helper = pid;
	ckpt_track(&self->c.env, pid);
	ASSERT_EQ(ckpt_await_files(self->c.env.dir, "ready.", 1, 30000, pid, &status,
				   &reaped), 1);
	ASSERT_EQ(ckpt_cg_freeze(&self->c.env, 1, 30000), 0);
	EXPECT_EQ(ckpt_checkpoint_file(pid, self->c.img, self->c.log, CHECKPOINT_SUBTREE,
				       NULL), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	buf = ckpt_slurp(self->c.log, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_NE(strstr(buf, "unshare(CLONE_NEWPID) without a child"), NULL)
		TH_LOG("log: %s", buf);
	EXPECT_EQ(ckpt_count_lines(self->c.log), 1);
	free(buf);
	ckpt_cg_kill(&self->c.env, 30000);
}

/*
 * restart(2) checks the namespaces: a tree R -> NI (init of a nested
 * namespace) -> NK is saved, and the test gives the kernel the same
 * tree with the same pids in the root's namespace but all three in
 * one namespace.  The coordinator's restart() must fail with EINVAL
 * and a log line, and the tasks get their error back: none was
 * restored.
 */
static pid_t clone_tid(pid_t tid, unsigned long flags)
{
	struct clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };

	if (tid) {
		ca.set_tid = (unsigned long)&tid;
		ca.set_tid_size = 1;
	}
	fflush(NULL);
	return syscall(SYS_clone3, &ca, sizeof(ca));
}

/* A task of the wrong tree: it waits in restart(), reports its result */
static void __attribute__((noreturn)) join_and_report(const char *name)
{
	long r = restart(0, CHECKPOINT_FD_NONE, 0, CHECKPOINT_FD_NONE);

	ckpt_put(W.dir, name, "%ld %d\n", r, r < 0 ? errno : 0);
	_exit(0);
}

TEST_F_TIMEOUT(pidns, restart_checks_namespaces, 120)
{
	pid_t pid, pids[3], kid;
	int status, i, fd, logfd;
	char path[CKPT_PATH_LEN + 32], *buf;

	if (ckpt_cg_create(&self->c.env, "pidns"))
		SKIP(return, "no cgroup v2 freezer");
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_cg_add(&self->c.env, getpid()) || ckpt_isolate(self->c.out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->c.comm, 0, 0, 0);
		kid = clone_tid(0, CLONE_NEWPID);
		if (kid == 0) {
			kid = fork();
			if (kid == 0) {
				ckpt_put(W.dir, "nk", "%d\n", 0);
				for (;;)
					pause();
			}
			for (;;)
				pause();
		}
		if (kid < 0 || ckpt_put(W.dir, "ni", "%d\n", kid))
			_exit(CKPT_EXIT_SETUP);
		for (;;)
			pause();
	}
	self->c.helper = pid;
	ckpt_track(&self->c.env, pid);
	snprintf(path, sizeof(path), "%s/nk", self->c.env.dir);
	ASSERT_EQ(ckpt_await_file(path, 10, 30000), 0);
	snprintf(path, sizeof(path), "%s/ni", self->c.env.dir);
	ASSERT_EQ(ckpt_await_file(path, 10, 30000), 0);
	ASSERT_EQ(ckpt_cg_freeze(&self->c.env, 1, 30000), 0);
	ASSERT_GT(ckpt_checkpoint_file(pid, self->c.img, self->c.log, CHECKPOINT_SUBTREE,
				       NULL), 0);
	{
		struct ckpt_task_pids tp[4];
		char err[256];

		ASSERT_EQ(ckpt_image_tree(self->c.img, tp, 4, err, sizeof(err)), 3)
			TH_LOG("%s", err);
		for (i = 0; i < 3; i++)
			pids[i] = tp[i].pid;
	}
	ASSERT_EQ(ckpt_ctr_kill(&self->c), 0);

	/* the wrong tree, in a new pid namespace whose init coordinates */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_isolate(self->c.out) || unshare(CLONE_NEWPID))
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->c.comm, 0, 0, 0);
		kid = fork();
		if (kid) {
			while (waitpid(kid, &status, 0) < 0 && errno == EINTR)
				;
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 99);
		}
		/* the namespace's init: the coordinator */
		kid = clone_tid(pids[0], 0);
		if (kid == 0) {
			if (setsid() < 0)
				_exit(CKPT_EXIT_SETUP);
			kid = clone_tid(pids[1], 0);
			if (kid == 0) {
				kid = clone_tid(pids[2], 0);
				if (kid == 0)
					join_and_report("res.nk");
				if (kid < 0)
					ckpt_report("clone3 of %d: %s", pids[2], strerror(errno));
				join_and_report("res.ni");
			}
			if (kid < 0)
				ckpt_report("clone3 of %d: %s", pids[1], strerror(errno));
			join_and_report("res.root");
		}
		if (kid < 0) {
			ckpt_report("clone3 with set_tid: %s", strerror(errno));
			_exit(CKPT_EXIT_SETUP);
		}
		/* all three exist before the coordinator looks for them */
		for (i = 0; i < 3000; i++) {
			if (!kill(pids[0], 0) && !kill(pids[1], 0) && !kill(pids[2], 0))
				break;
			ckpt_msleep(10);
		}
		fd = open(self->c.img, O_RDONLY);
		logfd = open(self->c.log, O_WRONLY | O_TRUNC);
		if (fd < 0 || logfd < 0)
			_exit(CKPT_EXIT_SETUP);
		status = restart(pids[0], fd, 0, logfd) ? errno : 0;
		ckpt_report("coordinator: restart(%d): %s", pids[0], strerror(status));
		/* the tasks report before the namespace ends with its init */
		while (wait(NULL) > 0 || errno == EINTR)
			;
		_exit(status);
	}
	self->c.helper = pid;
	ckpt_track(&self->c.env, pid);
	if (ckpt_wait_or_kill_tree(pid, &status, 60000)) {
		ckpt_dump("out", self->c.out, 4096);
		ckpt_dump("log", self->c.log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("coordinator: %s", ckpt_status_str(status));
	ckpt_untrack(&self->c.env, pid);
	self->c.helper = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EINVAL)
		ckpt_dump("out", self->c.out, 4096);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EINVAL)
		TH_LOG("coordinator: %s", ckpt_status_str(status));
	buf = ckpt_slurp(self->c.log, NULL);
	ASSERT_NE(buf, NULL);
	ksft_print_msg("log: %s", buf);
	EXPECT_NE(strstr(buf, "pid namespace"), NULL) TH_LOG("log: %s", buf);
	EXPECT_EQ(ckpt_count_lines(self->c.log), 1) TH_LOG("log: %s", buf);
	free(buf);
	/* every task got the error back, none was restored */
	{
		static const char *const who[] = { "res.root", "res.ni", "res.nk" };

		for (i = 0; i < 3; i++) {
			long r;
			int err;

			snprintf(path, sizeof(path), "%s/%s", self->c.env.dir, who[i]);
			ckpt_await_file(path, 10, 10000);
			buf = ckpt_slurp(path, NULL);
			EXPECT_NE(buf, NULL) TH_LOG("%s", who[i]);
			if (!buf)
				continue;
			EXPECT_EQ(sscanf(buf, "%ld %d", &r, &err), 2);
			EXPECT_EQ(r, -1) TH_LOG("%s", who[i]);
			EXPECT_EQ(err, EINVAL) TH_LOG("%s: %s", who[i], strerror(err));
			free(buf);
		}
	}
}

TEST_HARNESS_MAIN
