// SPDX-License-Identifier: GPL-2.0
/*
 * The coordinated restart protocol, without the tree builder: a tree of
 * three processes (one with a second thread) is frozen, checkpointed
 * with CHECKPOINT_SUBTREE and killed; the test forks a skeleton of the
 * same shape whose tasks call restart(0, CHECKPOINT_FD_NONE, 0,
 * CHECKPOINT_FD_NONE), rewrites the pids of the image's tree record to
 * the skeleton's (what mktree --no-pidns does) and coordinates with
 * restart(root, fd, 0, logfd).  After restart every task checks its
 * memory, its pids and the data buffered in a pipe, and reports in a
 * file.  Also: all-or-nothing when one task cannot be restored, a
 * wrong root pid, and a task that never joins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#include <linux/checkpoint_hdr.h>

/* The tasks, in the image's order: root, child 1, its thread, child 2 */
enum { T_ROOT, T_C1, T_THREAD, T_C2, NR_T };
static const char *const names[NR_T] = { "root", "c1", "thread", "c2" };

#define BUF_LEN		(256 * 1024)
#define PIPE_MSG	"data buffered in the pipe from root to c2"

struct shared {
	pid_t pid[NR_T];		/* tid of each task */
	int ready;			/* tasks done with set-up */
	int fail_c2;			/* skeleton: c2 never joins */
};

/* State of the original tree, kept in its memory across the restart */
static struct shared *sh;
static char go_path[CKPT_PATH_LEN], res_dir[CKPT_PATH_LEN];
static char victim_path[CKPT_PATH_LEN];
static int me = -1;
static int pipe_rd = -1;
static char buf[NR_T][BUF_LEN];

static void report_result(void)
{
	char path[CKPT_PATH_LEN + 16], line[256];
	long off = ckpt_check(buf[me], BUF_LEN, me + 1);
	int n;

	n = snprintf(line, sizeof(line), "%d %d %d %d %d %s\n",
		     (int)syscall(SYS_gettid), getpid(), getppid(), getsid(0),
		     getpgid(0), off < 0 ? "mem-ok" : "mem-BAD");
	if (me == T_C2) {
		char data[sizeof(PIPE_MSG)] = "";
		ssize_t got = read(pipe_rd, data, sizeof(data) - 1);

		n += snprintf(line + n, sizeof(line) - n, "pipe %s\n",
			      got == (ssize_t)strlen(PIPE_MSG) &&
			      !strcmp(data, PIPE_MSG) ? "ok" : "BAD");
	}
	snprintf(path, sizeof(path), "%s/%s", res_dir, names[me]);
	ckpt_write_file(path, line, n);
}

/* Wait for the go file (after restart), then report */
static void wait_go(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!ckpt_exists(go_path))
		ckpt_msleep(10);
	report_result();
}

static void *thread_main(void *arg)
{
	ckpt_fill(buf[T_THREAD], BUF_LEN, T_THREAD + 1);
	sh->pid[T_THREAD] = syscall(SYS_gettid);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!ckpt_exists(go_path))
		ckpt_msleep(10);
	{
		char path[CKPT_PATH_LEN + 16], line[128];
		long off = ckpt_check(buf[T_THREAD], BUF_LEN, T_THREAD + 1);
		int n = snprintf(line, sizeof(line), "%d %d %d %d %d %s\n",
				 (int)syscall(SYS_gettid), getpid(), getppid(),
				 getsid(0), getpgid(0), off < 0 ? "mem-ok" : "mem-BAD");

		snprintf(path, sizeof(path), "%s/thread", res_dir);
		ckpt_write_file(path, line, n);
	}
	return arg;
}

/* The original tree; its root is the test's child */
static void orig_root(int gate, bool victim)
{
	int p[2];
	char c;
	pid_t kid;

	if (read(gate, &c, 1) != 1)
		_exit(CKPT_EXIT_SETUP);
	ckpt_isolate("/dev/null");
	if (setsid() < 0 || pipe(p))
		_exit(CKPT_EXIT_SETUP);
	me = T_ROOT;
	sh->pid[T_ROOT] = getpid();
	ckpt_fill(buf[T_ROOT], BUF_LEN, T_ROOT + 1);

	kid = fork();
	if (!kid) {
		pthread_t th;

		me = T_C1;
		close(p[0]);
		close(p[1]);
		sh->pid[T_C1] = getpid();
		ckpt_fill(buf[T_C1], BUF_LEN, T_C1 + 1);
		if (pthread_create(&th, NULL, thread_main, NULL))
			_exit(CKPT_EXIT_SETUP);
		wait_go();
		pthread_join(th, NULL);
		_exit(0);
	}
	kid = fork();
	if (!kid) {
		me = T_C2;
		close(p[1]);
		pipe_rd = p[0];
		if (victim && open(victim_path, O_RDONLY) < 0)
			_exit(CKPT_EXIT_SETUP);
		sh->pid[T_C2] = getpid();
		ckpt_fill(buf[T_C2], BUF_LEN, T_C2 + 1);
		wait_go();
		_exit(0);
	}
	close(p[0]);
	if (write(p[1], PIPE_MSG, strlen(PIPE_MSG)) != (ssize_t)strlen(PIPE_MSG))
		_exit(CKPT_EXIT_SETUP);
	close(p[1]);
	wait_go();
	while (wait(NULL) > 0)
		;
	_exit(0);
}

/* The skeleton: same shape, each task joins the restart */
static void join(int who)
{
	long ret;

	sh->pid[who] = syscall(SYS_gettid);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	if (who == T_C2 && sh->fail_c2)
		_exit(77);
	ret = restart(0, CHECKPOINT_FD_NONE, 0, CHECKPOINT_FD_NONE);
	/* only a task that was not restored gets here */
	_exit(ret < 0 ? 100 + (errno & 0x1f) : 99);
}

static void *skel_thread(void *arg)
{
	join(T_THREAD);
	return arg;
}

static void skel_root(void)
{
	ckpt_isolate("/dev/null");
	if (setsid() < 0)
		_exit(CKPT_EXIT_SETUP);
	if (!fork()) {
		pthread_t th;

		sh->pid[T_C1] = getpid();
		if (pthread_create(&th, NULL, skel_thread, NULL))
			_exit(CKPT_EXIT_SETUP);
		join(T_C1);
	}
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < 2)
		ckpt_msleep(5);
	if (!fork())
		join(T_C2);
	join(T_ROOT);
}

FIXTURE(proto) {
	struct ckpt_env env;
	char *img, *img2, *log;
	pid_t old[NR_T], root;
};

FIXTURE_SETUP(proto)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "proto"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->img2 = ckpt_path(&self->env, "image2");
	self->log = ckpt_path(&self->env, "log");
	snprintf(go_path, sizeof(go_path), "%s/go", self->env.dir);
	snprintf(res_dir, sizeof(res_dir), "%s/res", self->env.dir);
	snprintf(victim_path, sizeof(victim_path), "%s/victim", self->env.dir);
	ASSERT_EQ(mkdir(res_dir, 0755), 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
}

FIXTURE_TEARDOWN_PARENT(proto)
{
	ckpt_env_fini(&self->env);
}

static bool gone(pid_t pid)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (kill(pid, 0) && errno == ESRCH)
			return true;
		ckpt_msleep(10);
	}
	return false;
}

/* Build, freeze, checkpoint and kill the original tree */
static int make_image(struct __test_metadata *_metadata,
		      FIXTURE_DATA(proto) *self, bool victim)
{
	int gate[2], fd, logfd, i, status;
	pid_t root;
	long id;

	if (ckpt_cg_create(&self->env, "proto"))
		return -2;
	if (victim && ckpt_write_file(victim_path, "x", 1))
		return -1;
	if (pipe(gate)) {
		TH_LOG("pipe: %s", strerror(errno));
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	root = ckpt_fork();
	if (!root)
		orig_root(gate[0], victim);
	ckpt_track(&self->env, root);
	close(gate[0]);
	if (ckpt_cg_add(&self->env, root) || write(gate[1], "g", 1) != 1) {
		TH_LOG("cannot move the tree into the cgroup");
		return -1;
	}
	close(gate[1]);
	for (i = 0; i < 2000 && __atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < NR_T; i++)
		ckpt_msleep(10);
	if (sh->ready < NR_T) {
		TH_LOG("the tree did not set itself up");
		return -1;
	}
	if (ckpt_cg_freeze(&self->env, 1, 10000)) {
		TH_LOG("cannot freeze the tree");
		return -1;
	}
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	id = checkpoint(root, fd, CHECKPOINT_SUBTREE, logfd);
	close(fd);
	close(logfd);
	if (id <= 0) {
		TH_LOG("checkpoint: %ld (%s)", id, strerror(errno));
		ckpt_dump("log", self->log, 1024);
		return -1;
	}
	memcpy(self->old, sh->pid, sizeof(self->old));
	for (i = 0; i < NR_T; i++)
		kill(self->old[i], SIGKILL);
	ckpt_cg_freeze(&self->env, 0, 10000);
	if (ckpt_wait_or_kill(root, &status, 10000)) {
		TH_LOG("the original root did not die");
		return -1;
	}
	ckpt_untrack(&self->env, root);
	for (i = 0; i < NR_T; i++) {
		if (!gone(self->old[i])) {
			TH_LOG("the original %s did not die", names[i]);
			return -1;
		}
	}
	ckpt_cg_destroy(&self->env);
	return 0;
}

/* Fork the skeleton and wait until all its tasks are about to join */
static pid_t start_skeleton(FIXTURE_DATA(proto) *self, bool fail_c2)
{
	pid_t root;
	int i;

	memset(sh, 0, sizeof(*sh));
	sh->fail_c2 = fail_c2;
	root = ckpt_fork();
	if (!root)
		skel_root();
	ckpt_track(&self->env, root);
	for (i = 0; i < 2000 && __atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < NR_T; i++)
		ckpt_msleep(10);
	return sh->ready == NR_T ? root : -1;
}

static pid_t map_pid(FIXTURE_DATA(proto) *self, pid_t pid)
{
	int i;

	for (i = 0; i < NR_T; i++)
		if (pid == self->old[i])
			return sh->pid[i];
	return pid;
}

/*
 * Rewrite the tree record's pids to the skeleton's, and the same pids
 * at level 0 of the pid namespace record that follows (no nested
 * namespace: one pid per task), into img2
 */
static int rewrite_image(struct __test_metadata *_metadata,
			 FIXTURE_DATA(proto) *self)
{
	struct ckpt_rec recs[4096];
	char err[256];
	size_t len;
	char *img = ckpt_slurp(self->img, &len);
	int n, i, ret = -1;

	if (!img)
		return -1;
	n = ckpt_image_walk(img, len, recs, 4096, err, sizeof(err));
	for (i = 0; i < n; i++) {
		struct ckpt_hdr_tree *t = (void *)(img + recs[i].off);
		unsigned int j;

		if (recs[i].type != CKPT_HDR_TREE)
			continue;
		if (t->nr_tasks != NR_T) {
			TH_LOG("tree record has %u tasks", t->nr_tasks);
			break;
		}
		for (j = 0; j < t->nr_tasks; j++) {
			struct ckpt_task_pids *p = &t->pids[j];

			p->pid = map_pid(self, p->pid);
			p->tgid = map_pid(self, p->tgid);
			p->ppid = map_pid(self, p->ppid);
			p->pgid = map_pid(self, p->pgid);
			p->sid = map_pid(self, p->sid);
		}
		if (i + 1 < n && recs[i + 1].type == CKPT_HDR_PIDNS) {
			struct ckpt_hdr_pidns *h = (void *)(img + recs[i + 1].off);
			int32_t *pids = (int32_t *)((char *)(h + 1) +
						    h->nr_tasks * sizeof(struct ckpt_task_ns));

			if (h->nr_ns || h->nr_pids != NR_T) {
				TH_LOG("pid namespace record: %u namespaces, %u pids",
				       h->nr_ns, h->nr_pids);
				break;
			}
			for (j = 0; j < h->nr_pids; j++)
				pids[j] = map_pid(self, pids[j]);
		}
		ret = ckpt_write_file(self->img2, img, len);
		break;
	}
	if (n < 0)
		TH_LOG("image: %s", err);
	free(img);
	return ret;
}

static long coordinate(FIXTURE_DATA(proto) *self, pid_t root)
{
	int fd = open(self->img2, O_RDONLY);
	int logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	long ret;

	ret = restart(root, fd, 0, logfd);
	if (ret < 0)
		ret = -errno;
	close(fd);
	close(logfd);
	return ret;
}

/* Read a task's result line; 0 if it is there */
static int result(int who, int f[5], char *mem,
		  char *pipe_ok)
{
	char path[CKPT_PATH_LEN + 16], *s;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", res_dir, names[who]);
	s = ckpt_slurp(path, NULL);
	if (!s)
		return -1;
	ret = sscanf(s, "%d %d %d %d %d %15s pipe %15s", &f[0], &f[1], &f[2],
		     &f[3], &f[4], mem, pipe_ok) >= 6 ? 0 : -1;
	free(s);
	return ret;
}

TEST_F(proto, tree_restored)
{
	int f[5], i, status, ret;
	char mem[16], pipe_ok[16];
	pid_t root;

	ret = make_image(_metadata, self, false);
	if (ret == -2)
		SKIP(return, "no cgroup v2 freezer");
	ASSERT_EQ(ret, 0);
	root = start_skeleton(self, false);
	ASSERT_GT(root, 0);
	ASSERT_EQ(rewrite_image(_metadata, self), 0);

	/* a pid that is not the image's root: refused, nothing touched */
	EXPECT_EQ(coordinate(self, sh->pid[T_C1]), -EINVAL);

	ret = coordinate(self, root);
	if (ret)
		ckpt_dump("log", self->log, 2048);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(ckpt_write_file(go_path, "", 0), 0);
	for (i = 0; i < NR_T; i++) {
		int j;

		strcpy(pipe_ok, "none");
		for (j = 0; j < 1000 && result(i, f, mem, pipe_ok); j++)
			ckpt_msleep(10);
		ASSERT_EQ(result(i, f, mem, pipe_ok), 0)
			TH_LOG("no result from %s", names[i]);
		EXPECT_STREQ(mem, "mem-ok") TH_LOG("%s", names[i]);
		/* tid, tgid, ppid, sid, pgid: the skeleton's */
		EXPECT_EQ(f[0], sh->pid[i]) TH_LOG("%s tid", names[i]);
		EXPECT_EQ(f[1], sh->pid[i == T_THREAD ? T_C1 : i]) TH_LOG("%s pid", names[i]);
		if (i != T_ROOT)
			EXPECT_EQ(f[2], sh->pid[T_ROOT]) TH_LOG("%s ppid", names[i]);
		EXPECT_EQ(f[3], sh->pid[T_ROOT]) TH_LOG("%s sid", names[i]);
		EXPECT_EQ(f[4], sh->pid[T_ROOT]) TH_LOG("%s pgid", names[i]);
		if (i == T_C2)
			EXPECT_STREQ(pipe_ok, "ok");
	}
	ASSERT_EQ(ckpt_wait_or_kill(root, &status, 30000), 0);
	ckpt_untrack(&self->env, root);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("restored root: %s", ckpt_status_str(status));
}

TEST_F(proto, all_or_nothing)
{
	int i, status, ret;
	char path[CKPT_PATH_LEN + 16];
	pid_t root;

	ret = make_image(_metadata, self, true);
	if (ret == -2)
		SKIP(return, "no cgroup v2 freezer");
	ASSERT_EQ(ret, 0);
	/* c2, the last task, cannot reopen its file */
	ASSERT_EQ(unlink(victim_path), 0);
	root = start_skeleton(self, false);
	ASSERT_GT(root, 0);
	ASSERT_EQ(rewrite_image(_metadata, self), 0);

	EXPECT_EQ(coordinate(self, root), -ENOENT);
	ASSERT_EQ(ckpt_write_file(go_path, "", 0), 0);
	/* the restored root, child 1 and its thread were killed */
	ASSERT_EQ(ckpt_wait_or_kill(root, &status, 30000), 0);
	ckpt_untrack(&self->env, root);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("root: %s", ckpt_status_str(status));
	/* c2 was not restored: it exits (maybe as a zombie of init) */
	EXPECT_TRUE(gone(sh->pid[T_C1])) TH_LOG("c1 still runs");
	ckpt_msleep(200);
	for (i = 0; i < NR_T; i++) {
		snprintf(path, sizeof(path), "%s/%s", res_dir, names[i]);
		EXPECT_FALSE(ckpt_exists(path)) TH_LOG("%s ran after a failed restart", names[i]);
	}
	ret = ckpt_count_lines(self->log);
	EXPECT_GE(ret, 1);
}

TEST_F(proto, task_never_joins)
{
	int status, ret;
	pid_t root;

	ret = make_image(_metadata, self, false);
	if (ret == -2)
		SKIP(return, "no cgroup v2 freezer");
	ASSERT_EQ(ret, 0);
	root = start_skeleton(self, true);
	ASSERT_GT(root, 0);
	ASSERT_EQ(rewrite_image(_metadata, self), 0);
	/* c2 exits instead of joining; it may be reaped or a zombie */
	ret = coordinate(self, root);
	EXPECT_TRUE(ret == -ESRCH) TH_LOG("restart: %d", ret);
	/* the others were not restored: restart() failed in them */
	ASSERT_EQ(ckpt_wait_or_kill(root, &status, 30000), 0);
	ckpt_untrack(&self->env, root);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 100 + ESRCH)
		TH_LOG("root: %s", ckpt_status_str(status));
}

TEST_HARNESS_MAIN
