// SPDX-License-Identifier: GPL-2.0
/*
 * SysV IPC in IPC namespaces.
 *
 * container: a helper unshares CLONE_NEWPID and forks the container's
 * init, which unshares CLONE_NEWIPC and fills its namespace: a shared
 * memory segment (key SHM_KEY, a pattern in it) attached in init,
 * inherited and attached again by its child C1, a segment C1
 * made, attached and removed (IPC_RMID: SHM_DEST), a set of three
 * semaphores with values, and a queue of messages of several types and
 * sizes (one spans several kernel segments).  C2 unshares an IPC
 * namespace of its own holding a set with init's key but other values.
 * The container is frozen, checkpointed with "checkpoint -c", killed
 * and restarted with the restart tool.
 *
 * Checked: the tree record flags init and C2 NEWIPC and no other; after
 * restart the objects have their ids, keys, modes and sizes, the
 * segments their contents, the attachments their addresses (3 for the
 * shared segment), a write by C1 is seen through init's mapping, the
 * semaphores their values (in both namespaces), the queue its messages
 * in order with their types and texts; the test's own namespace did
 * not get any of them.
 *
 * self_restart: a task in an IPC namespace of its own checkpoints itself
 * with a segment attached and a set and a queue; RESTART_TASKSELF into
 * a caller that unshared one restores them all; a caller that did not
 * gets EINVAL.  Refused with EOPNOTSUPP and one log line: a segment of
 * the test's own namespace attached (self_refused), an undo list with a
 * pending SEM_UNDO adjustment shared with a child process cloned with
 * CLONE_SYSVSEM (self_undo_refused).
 *
 * undo: in the container's namespace, U and its thread (one undo list,
 * CLONE_SYSVSEM) adjust two sets with SEM_UNDO: +3 on semaphore 0 and
 * -1 on semaphore 2 of the first (U), -2 on semaphore 1 of the second
 * (the thread).  After restart both see the adjusted values; the
 * thread exits and they stay; then U exits and init sees every value
 * back where it was before the operations, exactly: the restored list
 * holds both threads' adjustments, and U's exit applied them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <checkpoint.h>

/* the harness' TEST() wrappers do not use their variant */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_tree.h"

#include <linux/checkpoint_hdr.h>

#define SHM_KEY		0x5a5a0001
#define SEM_KEY		0x5a5a0002
#define MSG_KEY		0x5a5a0003
#define SEM2_KEY	0x5a5a0004
#define SHM_SIZE	(3 * 4096 + 100)
#define PRIV_SIZE	(2 * 4096)
/* the pattern; C1 marks the last 8 bytes after restart */
#define FILL_LEN	((SHM_SIZE - 16) & ~7)
#define SEED		0x73797376697063ULL
#define BIG_LEN		8000	/* more than a page (several msg segments), < msgmax */

enum { T_INIT, T_C1, T_C2, NR_TASKS };
static const char *names[NR_TASKS] = { "init", "C1", "C2" };

static const int sem_vals[3] = { 5, 0, 32767 };
static const int c2_vals[2] = { 11, 22 };
/* undo: the second set, and both sets after the SEM_UNDO operations */
static const int set2_vals[2] = { 4, 4 };
static const int undo_vals[3] = { 8, 0, 32766 };
static const int undo2_vals[2] = { 4, 2 };

struct tmsg {
	long mtype;
	char mtext[BIG_LEN];
};

/* the queue: type, length; the text is a pattern of the index */
static const struct { long type; int len; } msgs[] = {
	{ 1, 5 }, { 7, 0 }, { 2, 33 }, { 1, BIG_LEN }, { 3, 1 },
};

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8], marked[CKPT_PATH_LEN + 16];
	char counted[CKPT_PATH_LEN + 16];
	int idx;
	pid_t kids[4];
	int nr_kids;
	int shmid, privid, semid, msqid, sem2id;
	volatile int thread_state;
	char *shm, *shm2, *priv;
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

static void put(const char *prefix, const char *result)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	ckpt_put(W.dir, name, "idx %d shm %d sem %d msg %d result %s\n", W.idx,
		 W.shmid, W.semid, W.msqid, result);
}

static void msg_text(char *buf, int i, int len)
{
	int j;

	for (j = 0; j < len; j++)
		buf[j] = 'a' + (i * 7 + j) % 26;
}

static int make_sem(key_t key, const int *vals, int n)
{
	int id = semget(key, n, IPC_CREAT | IPC_EXCL | 0600), i;

	for (i = 0; id >= 0 && i < n; i++)
		if (semctl(id, i, SETVAL, vals[i]))
			return -1;
	return id;
}

static void check_sem(int id, key_t key, const int *vals, int n)
{
	struct semid_ds ds;
	int i, v;

	if (semget(key, 0, 0) != id)
		wfail("semget(%#x): %d, not %d", key, semget(key, 0, 0), id);
	if (semctl(id, 0, IPC_STAT, &ds) || ds.sem_nsems != (unsigned long)n ||
	    (ds.sem_perm.mode & 0777) != 0600)
		wfail("set %d: stat %s, %lu semaphores, mode %o", id, strerror(errno),
		      (unsigned long)ds.sem_nsems, ds.sem_perm.mode);
	for (i = 0; i < n; i++) {
		v = semctl(id, i, GETVAL);
		if (v != vals[i])
			wfail("set %d: semaphore %d is %d, not %d", id, i, v, vals[i]);
	}
}

/* the objects of init's namespace, made before the checkpoint */
static int make_objects(void)
{
	struct tmsg *m = malloc(sizeof(*m));
	unsigned int i;

	W.shmid = shmget(SHM_KEY, SHM_SIZE, IPC_CREAT | IPC_EXCL | 0640);
	if (!m || W.shmid < 0)
		return -1;
	W.shm = shmat(W.shmid, NULL, 0);
	if (W.shm == (void *)-1)
		return -1;
	ckpt_fill_off(W.shm, FILL_LEN, 0, SEED);
	W.semid = make_sem(SEM_KEY, sem_vals, 3);
	W.msqid = msgget(MSG_KEY, IPC_CREAT | IPC_EXCL | 0620);
	if (W.semid < 0 || W.msqid < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		m->mtype = msgs[i].type;
		msg_text(m->mtext, i, msgs[i].len);
		if (msgsnd(W.msqid, m, msgs[i].len, IPC_NOWAIT))
			return -1;
	}
	free(m);
	return 0;
}

static void check_msgs(void)
{
	struct tmsg *m = malloc(sizeof(*m));
	char want[BIG_LEN];
	struct msqid_ds ds;
	unsigned int i;
	ssize_t n;

	if (!m) {
		wfail("out of memory");
		return;
	}
	if (msgget(MSG_KEY, 0) != W.msqid)
		wfail("msgget: %d, not %d", msgget(MSG_KEY, 0), W.msqid);
	if (msgctl(W.msqid, IPC_STAT, &ds) || ds.msg_qnum != ARRAY_SIZE(msgs) ||
	    (ds.msg_perm.mode & 0777) != 0620)
		wfail("queue: %lu messages, mode %o", (unsigned long)ds.msg_qnum,
		      ds.msg_perm.mode);
	/* type 2 first (by type), then the rest in order */
	n = msgrcv(W.msqid, m, BIG_LEN, 2, IPC_NOWAIT);
	msg_text(want, 2, msgs[2].len);
	if (n != msgs[2].len || m->mtype != 2 || memcmp(m->mtext, want, n))
		wfail("msgrcv(type 2): %zd bytes, type %ld", n, m->mtype);
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		if (i == 2)
			continue;
		n = msgrcv(W.msqid, m, BIG_LEN, 0, IPC_NOWAIT);
		msg_text(want, i, msgs[i].len);
		if (n != msgs[i].len || m->mtype != msgs[i].type ||
		    memcmp(m->mtext, want, n))
			wfail("message %u: %zd bytes, type %ld (%s)", i, n, m->mtype,
			      n < 0 ? strerror(errno) : "text?");
	}
	if (msgrcv(W.msqid, m, BIG_LEN, 0, IPC_NOWAIT) >= 0 || errno != ENOMSG)
		wfail("a message too many");
	free(m);
}

static void check_init(void)
{
	struct shmid_ds ds;
	long off;

	if (shmget(SHM_KEY, 0, 0) != W.shmid)
		wfail("shmget: %d, not %d", shmget(SHM_KEY, 0, 0), W.shmid);
	if (shmctl(W.shmid, IPC_STAT, &ds) || ds.shm_segsz != SHM_SIZE ||
	    (ds.shm_perm.mode & 0777) != 0640 || ds.shm_nattch != 3)
		wfail("segment: size %zu, mode %o, %lu attached", (size_t)ds.shm_segsz,
		      ds.shm_perm.mode, (unsigned long)ds.shm_nattch);
	/* C1 may detach (exit) now */
	if (ckpt_put(W.dir, "counted", "x\n"))
		wfail("cannot write the counted file");
	off = ckpt_check_off(W.shm, FILL_LEN, 0, SEED);
	if (off >= 0)
		wfail("segment differs at offset %ld", off);
	check_sem(W.semid, SEM_KEY, sem_vals, 3);
	check_msgs();
	/* C1 writes through its own attachment: init sees it */
	if (ckpt_await_file(W.marked, 20, 60000))
		wfail("C1 never marked the segment");
	else if (memcmp(W.shm + SHM_SIZE - 8, "c1-mark", 8))
		wfail("C1's write is not in init's mapping");
}

static void check_c1(void)
{
	struct shmid_ds ds;
	long off;

	if (W.shm2 == W.shm)
		wfail("one attachment");
	off = ckpt_check_off(W.shm2, FILL_LEN, 0, SEED);
	if (off >= 0)
		wfail("second attachment differs at offset %ld", off);
	off = ckpt_check_off(W.priv, PRIV_SIZE, 0, SEED + 1);
	if (off >= 0)
		wfail("removed segment differs at offset %ld", off);
	if (shmctl(W.privid, IPC_STAT, &ds) || ds.shm_segsz != PRIV_SIZE ||
	    !(ds.shm_perm.mode & SHM_DEST) || ds.shm_perm.__key != IPC_PRIVATE)
		wfail("removed segment: size %zu, mode %o", (size_t)ds.shm_segsz,
		      ds.shm_perm.mode);
	memcpy(W.shm2 + SHM_SIZE - 8, "c1-mark", 8);
	if (ckpt_put(W.dir, "marked", "x\n"))
		wfail("cannot write the marked file");
	/* keep the attachments until init counted them */
	if (ckpt_await_file(W.counted, 20, 60000))
		wfail("init never counted the attachments");
}

static void __attribute__((noreturn)) task(int idx)
{
	int i, status, bad;

	W.idx = idx;
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	if (idx == T_INIT)
		check_init();
	else if (idx == T_C1)
		check_c1();
	else
		check_sem(W.semid, SEM_KEY, c2_vals, 2);
	put("res.", W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	for (i = 0; i < W.nr_kids; i++) {
		pid_t r = waitpid(W.kids[i], &status, 0);

		if (r != W.kids[i] || !WIFEXITED(status) || WEXITSTATUS(status)) {
			ckpt_report("%s: child %d: %d %s", names[idx], W.kids[i], r,
				    r > 0 ? ckpt_status_str(status) : strerror(errno));
			bad = 1;
		}
	}
	_exit(bad);
}

static void __attribute__((noreturn)) init_main(void)
{
	pid_t pid;

	if (setsid() < 0 || unshare(CLONE_NEWIPC) || make_objects())
		_exit(CKPT_EXIT_SETUP);
	pid = fork();
	if (pid == 0) {
		W.nr_kids = 0;
		W.shm2 = shmat(W.shmid, NULL, 0);
		W.privid = shmget(IPC_PRIVATE, PRIV_SIZE, 0600);
		W.priv = W.privid < 0 ? (void *)-1 : shmat(W.privid, NULL, 0);
		if (W.shm2 == (void *)-1 || W.priv == (void *)-1 ||
		    shmctl(W.privid, IPC_RMID, NULL))
			_exit(CKPT_EXIT_SETUP);
		ckpt_fill_off(W.priv, PRIV_SIZE, 0, SEED + 1);
		task(T_C1);
	}
	if (pid < 0)
		_exit(CKPT_EXIT_SETUP);
	W.kids[W.nr_kids++] = pid;
	pid = fork();
	if (pid == 0) {
		W.nr_kids = 0;
		/* a namespace of its own, without init's segment */
		if (shmdt(W.shm) || unshare(CLONE_NEWIPC))
			_exit(CKPT_EXIT_SETUP);
		W.semid = make_sem(SEM_KEY, c2_vals, 2);
		W.shmid = W.msqid = -1;
		if (W.semid < 0)
			_exit(CKPT_EXIT_SETUP);
		task(T_C2);
	}
	if (pid < 0)
		_exit(CKPT_EXIT_SETUP);
	W.kids[W.nr_kids++] = pid;
	task(T_INIT);
}

FIXTURE(sysvipc) {
	struct ckpt_ctr c;
};

FIXTURE_SETUP(sysvipc)
{
	ASSERT_EQ(ckpt_ctr_init(&self->c, "sysvipc", "ipc"), 0);
	snprintf(W.dir, sizeof(W.dir), "%s", self->c.env.dir);
	snprintf(W.go, sizeof(W.go), "%s", self->c.go);
}

FIXTURE_TEARDOWN_PARENT(sysvipc)
{
	ckpt_ctr_fini(&self->c);
}

static int read_result(const char *dir, const char *prefix, int idx, int ids[3],
		       char *result, size_t len)
{
	char path[CKPT_PATH_LEN + 32], *buf, fmt[64];
	int n;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, idx);
	buf = ckpt_slurp(path, NULL);
	if (!buf)
		return -1;
	snprintf(fmt, sizeof(fmt), "idx %%*d shm %%d sem %%d msg %%d result %%%zu[^\n]",
		 len - 1);
	n = sscanf(buf, fmt, &ids[0], &ids[1], &ids[2], result);
	free(buf);
	return n == 4 ? 0 : -1;
}

TEST_F_TIMEOUT(sysvipc, container, 280)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_ctr *c = &self->c;
	struct ckpt_task_pids pids[8];
	int pre[NR_TASKS][3], post[3];
	int i, n, status, reaped, got, skip;
	char err[256], res[200];
	pid_t init;

	if (!ckpt_tool("checkpoint") || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (ckpt_cg_create(&c->env, "sysvipc"))
		SKIP(return, "no cgroup v2 freezer");
	/* none of the keys exist here, before or after */
	ASSERT_LT(shmget(SHM_KEY, 0, 0), 0);

	snprintf(W.marked, sizeof(W.marked), "%s/marked", c->env.dir);
	snprintf(W.counted, sizeof(W.counted), "%s/counted", c->env.dir);
	ASSERT_GT(ckpt_ctr_start(c, 1, init_main), 0);
	got = ckpt_ctr_ready(c, NR_TASKS, &skip);
	if (skip)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(got, NR_TASKS);
	init = ckpt_ctr_root(c, 1);
	ASSERT_GT(init, 0);
	for (i = 0; i < NR_TASKS; i++)
		ASSERT_EQ(read_result(c->env.dir, "ready.", i, pre[i], res, sizeof(res)), 0);

	ASSERT_EQ(ckpt_ctr_checkpoint(c, init, 1), 0);
	n = ckpt_image_tree(c->img, pids, 8, err, sizeof(err));
	ASSERT_EQ(n, NR_TASKS) TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");
	/* breadth first: init, C1, C2 */
	EXPECT_NE(pids[0].flags & CKPT_PIDS_NEWIPC, 0U);
	EXPECT_EQ(pids[1].flags & CKPT_PIDS_NEWIPC, 0U);
	EXPECT_NE(pids[2].flags & CKPT_PIDS_NEWIPC, 0U);

	ASSERT_EQ(ckpt_ctr_kill(c), 0);
	got = ckpt_ctr_restart(c, extra, NR_TASKS, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, NR_TASKS) TH_LOG("%d of %d restored tasks reported", got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		if (read_result(c->env.dir, "res.", i, post, res, sizeof(res))) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", names[i]);
			continue;
		}
		EXPECT_STREQ(res, "ok") TH_LOG("%s", names[i]);
		EXPECT_EQ(memcmp(post, pre[i], sizeof(post)), 0) TH_LOG("%s: ids", names[i]);
	}
	EXPECT_LT(shmget(SHM_KEY, 0, 0), 0);
	EXPECT_LT(semget(SEM_KEY, 0, 0), 0);
	EXPECT_LT(msgget(MSG_KEY, 0), 0);
}

/* undo: U's thread; after restart it checks the values, then exits */
static void *undo_thread(void *arg)
{
	struct sembuf op = { .sem_num = 1, .sem_op = -2, .sem_flg = SEM_UNDO };

	if (semop(W.sem2id, &op, 1)) {
		W.thread_state = -1;
		return NULL;
	}
	W.thread_state = 1;
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);
	check_sem(W.semid, SEM_KEY, undo_vals, 3);
	check_sem(W.sem2id, SEM2_KEY, undo2_vals, 2);
	return NULL;
}

static void __attribute__((noreturn)) undo_task(void)
{
	struct sembuf ops[2] = {
		{ .sem_num = 0, .sem_op = 3, .sem_flg = SEM_UNDO },
		{ .sem_num = 2, .sem_op = -1, .sem_flg = SEM_UNDO },
	};
	pthread_t th;
	int i;

	W.idx = 1;
	if (semop(W.semid, ops, 2) || pthread_create(&th, NULL, undo_thread, NULL))
		_exit(CKPT_EXIT_SETUP);
	for (i = 0; i < 30000 && !W.thread_state; i++)
		ckpt_msleep(1);
	if (W.thread_state != 1)
		_exit(CKPT_EXIT_SETUP);
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);
	check_sem(W.semid, SEM_KEY, undo_vals, 3);
	check_sem(W.sem2id, SEM2_KEY, undo2_vals, 2);
	pthread_join(th, NULL);
	/* the thread's exit applied nothing: U still holds the list */
	check_sem(W.semid, SEM_KEY, undo_vals, 3);
	check_sem(W.sem2id, SEM2_KEY, undo2_vals, 2);
	put("res.", W.why[0] ? W.why : "ok");
	_exit(W.why[0] ? 1 : 0);
}

static void __attribute__((noreturn)) undo_init(void)
{
	int status;
	pid_t pid;

	W.idx = 0;
	W.shmid = W.msqid = -1;
	if (setsid() < 0 || unshare(CLONE_NEWIPC))
		_exit(CKPT_EXIT_SETUP);
	W.semid = make_sem(SEM_KEY, sem_vals, 3);
	W.sem2id = make_sem(SEM2_KEY, set2_vals, 2);
	if (W.semid < 0 || W.sem2id < 0)
		_exit(CKPT_EXIT_SETUP);
	pid = fork();
	if (pid == 0)
		undo_task();
	if (pid < 0)
		_exit(CKPT_EXIT_SETUP);
	put("ready.", "ok");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		wfail("U: %s", ckpt_status_str(status));
	/* U's exit undid every adjustment, its thread's too */
	check_sem(W.semid, SEM_KEY, sem_vals, 3);
	check_sem(W.sem2id, SEM2_KEY, set2_vals, 2);
	put("res.", W.why[0] ? W.why : "ok");
	_exit(W.why[0] ? 1 : 0);
}

TEST_F_TIMEOUT(sysvipc, undo, 280)
{
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	struct ckpt_ctr *c = &self->c;
	struct ckpt_task_pids pids[8];
	int ids[3], i, n, status, reaped, got, skip;
	char err[256], res[200];
	pid_t init;

	if (!ckpt_tool("checkpoint") || !ckpt_tool("restart"))
		SKIP(return, "checkpoint or restart tool not installed");
	if (ckpt_cg_create(&c->env, "sysvipc"))
		SKIP(return, "no cgroup v2 freezer");
	ASSERT_LT(semget(SEM_KEY, 0, 0), 0);

	ASSERT_GT(ckpt_ctr_start(c, 1, undo_init), 0);
	got = ckpt_ctr_ready(c, 2, &skip);
	if (skip)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(got, 2);
	init = ckpt_ctr_root(c, 1);
	ASSERT_GT(init, 0);

	ASSERT_EQ(ckpt_ctr_checkpoint(c, init, 1), 0);
	/* init, U and its thread */
	n = ckpt_image_tree(c->img, pids, 8, err, sizeof(err));
	ASSERT_EQ(n, 3) TH_LOG("tree record: %d entries %s", n, n < 0 ? err : "");

	ASSERT_EQ(ckpt_ctr_kill(c), 0);
	got = ckpt_ctr_restart(c, extra, 2, &status, &reaped);
	ASSERT_GE(got, 0);
	EXPECT_EQ(got, 2) TH_LOG("%d of 2 restored tasks reported", got);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < 2; i++) {
		if (read_result(c->env.dir, "res.", i, ids, res, sizeof(res))) {
			EXPECT_TRUE(0) TH_LOG("%s: no result", i ? "U" : "init");
			continue;
		}
		EXPECT_STREQ(res, "ok") TH_LOG("%s", i ? "U" : "init");
	}
	EXPECT_LT(semget(SEM_KEY, 0, 0), 0);
}

/*
 * A task that checkpoints itself: WORK_OWN_NS, in an IPC namespace of
 * its own holding one object of each kind; WORK_HOST_SHM, with a
 * segment of the test's namespace attached; WORK_UNDO, in its own
 * namespace, with a SEM_UNDO adjustment in an undo list it shares with
 * a child process (CLONE_SYSVSEM)
 */
enum { WORK_HOST_SHM, WORK_OWN_NS, WORK_UNDO };

static pid_t self_worker(const char *img, const char *log, const char *out, int how)
{
	pid_t pid = ckpt_fork();

	if (pid)
		return pid;
	if (ckpt_isolate(out))
		_exit(CKPT_EXIT_SETUP);
	{
		int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		long ret, off;

		if (fd < 0 || logfd < 0 || (how != WORK_HOST_SHM && unshare(CLONE_NEWIPC)))
			_exit(CKPT_EXIT_SETUP);
		if (how == WORK_HOST_SHM) {
			/* a private segment of the test's own namespace */
			W.shmid = shmget(IPC_PRIVATE, 4096, 0600);
			W.shm = W.shmid < 0 ? (void *)-1 : shmat(W.shmid, NULL, 0);
			if (W.shm == (void *)-1)
				_exit(CKPT_EXIT_SETUP);
			shmctl(W.shmid, IPC_RMID, NULL);
		} else if (make_objects()) {
			_exit(CKPT_EXIT_SETUP);
		} else if (how == WORK_UNDO) {
			struct sembuf op = { .sem_num = 1, .sem_op = 2, .sem_flg = SEM_UNDO };
			pid_t kid;

			if (semop(W.semid, &op, 1))
				_exit(CKPT_EXIT_SETUP);
			/* a process that shares the undo list */
			kid = syscall(SYS_clone, CLONE_SYSVSEM | SIGCHLD, 0, NULL, NULL, 0);
			if (kid < 0)
				_exit(CKPT_EXIT_SETUP);
			if (kid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				for (;;)
					pause();
			}
		}
		ret = ckpt_self(fd, logfd);
		if (ret > 0)
			_exit(CKPT_EXIT_CHECKPOINTED);
		if (ret < 0)
			_exit(CKPT_EXIT_CKPT_FAILED);
		off = ckpt_check_off(W.shm, FILL_LEN, 0, SEED);
		if (off >= 0)
			wfail("segment differs at offset %ld", off);
		if (shmget(SHM_KEY, 0, 0) != W.shmid)
			wfail("shmget: not %d", W.shmid);
		check_sem(W.semid, SEM_KEY, sem_vals, 3);
		check_msgs();
		_exit(W.why[0] ? 1 : 0);
	}
}

/*
 * A worker set up @how must be refused: checkpoint() fails, and the
 * log has one line that holds @what and @why
 */
static void refused(struct __test_metadata *_metadata, const char *name, int how,
		    const char *what, const char *why)
{
	struct ckpt_env env;
	char *img, *log, *out, *buf;
	int status;
	pid_t pid;

	ASSERT_EQ(ckpt_env_init(&env, name), 0);
	img = ckpt_path(&env, "img");
	log = ckpt_path(&env, "log");
	out = ckpt_path(&env, "out");
	pid = self_worker(img, log, out, how);
	ASSERT_GE(pid, 0);
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), CKPT_EXIT_CKPT_FAILED) TH_LOG("%s", ckpt_status_str(status));
	buf = ckpt_slurp(log, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_NE(strstr(buf, what), NULL) TH_LOG("log: %s", buf);
	EXPECT_NE(strstr(buf, why), NULL) TH_LOG("log: %s", buf);
	EXPECT_EQ(ckpt_count_lines(log), 1);
	free(buf);
	ckpt_env_fini(&env);
}

TEST(self_refused)
{
	refused(_metadata, "sysvipc-refused", WORK_HOST_SHM, "SysV shm segment",
		"not the container's");
}

TEST(self_undo_refused)
{
	refused(_metadata, "sysvipc-undo", WORK_UNDO, "SEM_UNDO", "CLONE_SYSVSEM");
}

TEST(self_restart)
{
	struct ckpt_env env;
	char *img, *log, *out, *buf;
	int status;
	pid_t pid;

	ASSERT_EQ(ckpt_env_init(&env, "sysvipc-self"), 0);
	img = ckpt_path(&env, "img");
	log = ckpt_path(&env, "log");
	out = ckpt_path(&env, "out");
	pid = self_worker(img, log, out, WORK_OWN_NS);
	ASSERT_GE(pid, 0);
	ckpt_wait_or_kill(pid, &status, 30000);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", out, 4096);
		ckpt_dump("log", log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_CHECKPOINTED);

	/* a caller in the test's namespace: refused, nothing made here */
	pid = ckpt_start_restarter(img, -1, log, 0);
	ASSERT_GE(pid, 0);
	ckpt_wait_or_kill(pid, &status, 30000);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), CKPT_EXIT_RESTART_ERRNO + EINVAL)
		TH_LOG("restarter %s", ckpt_status_str(status));
	buf = ckpt_slurp(log, NULL);
	ASSERT_NE(buf, NULL);
	EXPECT_NE(strstr(buf, "IPC namespace of its own"), NULL) TH_LOG("log: %s", buf);
	free(buf);
	EXPECT_LT(shmget(SHM_KEY, 0, 0), 0);
	unlink(log);

	/* a caller with a new namespace: the objects come back */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = open(img, O_RDONLY);
		int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0 || logfd < 0 || unshare(CLONE_NEWIPC))
			_exit(CKPT_EXIT_RESTART_OPEN);
		restart(0, fd, RESTART_TASKSELF, logfd);
		_exit(CKPT_EXIT_RESTART_ERRNO + (errno > 130 ? 130 : errno));
	}
	ckpt_wait_or_kill(pid, &status, 30000);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restored task", out, 4096);
		ckpt_dump("log", log, 4096);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s", ckpt_status_str(status));
	EXPECT_LT(shmget(SHM_KEY, 0, 0), 0);
	ckpt_env_fini(&env);
}

TEST_HARNESS_MAIN
