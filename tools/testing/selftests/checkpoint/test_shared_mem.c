// SPDX-License-Identifier: GPL-2.0
/*
 * A parent and 8 children sharing memory: 2 MiB of private anonymous
 * memory the parent wrote before forking (copy-on-write; each child
 * then writes its own page i, the parent page 8), and a
 * MAP_SHARED|MAP_ANONYMOUS region where every task writes its slot.
 * Frozen with the cgroup v2 freezer, checkpointed, killed, restarted
 * with the restart tool in a new pid namespace.
 *
 * After restart every task checks the private region (the parent's
 * pattern except the page it wrote itself: a child does not see its
 * siblings' or its parent's later writes) and that the shared region
 * holds every task's slot as written before the checkpoint; then every
 * task writes a second value into its slot and waits until it sees the
 * second values of all 9 tasks: the mapping is still one shared
 * mapping.
 *
 * Restart keeps the copy-on-write sharing of private pages: the memory
 * the restored tree uses (AnonPages of /proc/meminfo with and without
 * the tree, and the sum of the tasks' Pss_Anon + Pss_Shmem) must stay
 * within twice the original's plus 1 MiB, far below the nine copies a
 * restart that duplicated the pages would make.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define NR_KIDS		8
#define NR_TASKS	(NR_KIDS + 1)
#define PAGE		4096
#define PRIV_LEN	(2 << 20)
#define SHM_LEN		(NR_TASKS * PAGE)
#define SEED		0x636f772d73686172ULL

static struct {
	char dir[CKPT_PATH_LEN], go[CKPT_PATH_LEN + 8];
	int idx;			/* 0 the parent, 1..8 the children */
	pid_t pid, ppid, kids[NR_KIDS];
	uint64_t *priv;
	volatile uint64_t *shm;
	char why[200];
} W;

static uint64_t slot_val(int idx, int gen)
{
	return ckpt_hash(idx * 1000 + gen, SEED);
}

/* The page that task @idx writes itself: child i page i - 1, parent page 8 */
static int own_page(int idx)
{
	return idx ? idx - 1 : NR_KIDS;
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

/*
 * The caller's proportional share of anonymous and shared memory
 * (Pss_Anon + Pss_Shmem of /proc/self/smaps_rollup), kB: summed over
 * the tasks it counts every page once.  Falls back to RssAnon +
 * RssShmem of /proc/self/status.
 */
static long pss_kb(void)
{
	char *st = ckpt_slurp("/proc/self/smaps_rollup", NULL), *p;
	long kb = 0;

	if (st && (p = strstr(st, "Pss_Anon:"))) {
		kb += strtol(p + 9, NULL, 10);
		if ((p = strstr(st, "Pss_Shmem:")))
			kb += strtol(p + 10, NULL, 10);
		free(st);
		return kb;
	}
	free(st);
	st = ckpt_slurp("/proc/self/status", NULL);
	if (st && (p = strstr(st, "RssAnon:")))
		kb += strtol(p + 8, NULL, 10);
	if (st && (p = strstr(st, "RssShmem:")))
		kb += strtol(p + 9, NULL, 10);
	free(st);
	return -kb;	/* negative: not proportional */
}

static void put(const char *prefix, const char *result)
{
	char name[32];

	snprintf(name, sizeof(name), "%s%d", prefix, W.idx);
	ckpt_put(W.dir, name, "idx %d pid %d ppid %d pss %ld result %s\n", W.idx,
		 getpid(), getppid(), pss_kb(), result);
}

static void check_private(void)
{
	int pg, own = own_page(W.idx);
	long off;

	for (pg = 0; pg < PRIV_LEN / PAGE; pg++) {
		uint64_t seed = pg == own ? SEED ^ (W.idx + 1) : SEED;

		off = ckpt_check((char *)W.priv + pg * PAGE, PAGE, seed);
		if (off >= 0) {
			wfail("private page %d differs at offset %ld (%s pattern expected)",
			      pg, off, pg == own ? "its own" : "the parent's");
			return;
		}
	}
}

static void __attribute__((noreturn)) task(int idx)
{
	double end;
	int i, status, bad, seen;

	W.idx = idx;
	W.pid = getpid();
	W.ppid = getppid();
	/* copy-on-write break of one page, and our shared slot */
	ckpt_fill((char *)W.priv + own_page(idx) * PAGE, PAGE, SEED ^ (idx + 1));
	W.shm[idx * PAGE / 8] = slot_val(idx, 1);
	/* ready once every slot is written: the shared state is complete */
	end = ckpt_now() + 60;
	for (;;) {
		for (seen = 0, i = 0; i < NR_TASKS; i++)
			seen += W.shm[i * PAGE / 8] == slot_val(i, 1);
		if (seen == NR_TASKS || ckpt_now() > end)
			break;
		ckpt_msleep(10);
	}
	put("ready.", seen == NR_TASKS ? "ok" : "shared-slots-missing");
	if (ckpt_await_file(W.go, 20, 1800 * 1000))
		_exit(98);

	/* restored */
	if (getpid() != W.pid)
		wfail("pid %d, was %d", getpid(), W.pid);
	if (idx && getppid() != W.ppid)
		wfail("ppid %d, was %d", getppid(), W.ppid);
	check_private();
	for (i = 0; i < NR_TASKS; i++) {
		uint64_t v = W.shm[i * PAGE / 8];

		/* a fast task may already have written its second value */
		if (v != slot_val(i, 1) && v != slot_val(i, 2))
			wfail("shared slot %d holds %#llx, not task %d's value",
			      i, (unsigned long long)v, i);
	}
	if (ckpt_check_zero((char *)W.shm + idx * PAGE + 8, PAGE - 8) >= 0)
		wfail("shared page %d is not zero past its slot", idx);
	W.shm[idx * PAGE / 8] = slot_val(idx, 2);
	end = ckpt_now() + 60;
	for (;;) {
		for (seen = 0, i = 0; i < NR_TASKS; i++)
			seen += W.shm[i * PAGE / 8] == slot_val(i, 2);
		if (seen == NR_TASKS || ckpt_now() > end)
			break;
		ckpt_msleep(10);
	}
	if (seen != NR_TASKS)
		wfail("after restart only %d of %d tasks' writes to the shared mapping are seen",
		      seen, NR_TASKS);
	check_private();	/* the others' writes did not leak in */

	put("res.", W.why[0] ? W.why : "ok");
	bad = W.why[0] != 0;
	for (i = 0; idx == 0 && i < NR_KIDS; i++) {
		pid_t r = waitpid(W.kids[i], &status, 0);

		if (r != W.kids[i] || !WIFEXITED(status) || WEXITSTATUS(status)) {
			ckpt_report("parent: child %d: %d %s", W.kids[i], r,
				    r > 0 ? ckpt_status_str(status) : strerror(errno));
			bad = 1;
		}
	}
	_exit(bad);
}

static void __attribute__((noreturn)) parent_main(void)
{
	int i;

	W.priv = mmap(NULL, PRIV_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	W.shm = mmap(NULL, SHM_LEN, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (W.priv == MAP_FAILED || W.shm == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(W.priv, PRIV_LEN, SEED);
	for (i = 0; i < NR_KIDS; i++) {
		W.kids[i] = fork();
		if (W.kids[i] < 0)
			_exit(CKPT_EXIT_SETUP);
		if (W.kids[i] == 0)
			task(i + 1);
	}
	task(0);
}

FIXTURE(shared_mem) {
	struct ckpt_env env;
	char *img, *log, *out, *rst_out, comm[16];
	pid_t root, tool;
};

FIXTURE_SETUP(shared_mem)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "shm"), 0);
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
	self->out = ckpt_path(&self->env, "tree.out");
	self->rst_out = ckpt_path(&self->env, "restart.out");
	snprintf(self->comm, sizeof(self->comm), "cks%d", getpid() % 100000);
}

FIXTURE_TEARDOWN_PARENT(shared_mem)
{
	ckpt_kill_comm(self->comm);
	ckpt_kill_tree(self->tool);
	ckpt_env_fini(&self->env);
}

/* Processes named @comm */
static int count_comm(const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[32] = "";
		int fd;

		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf) - 1) > 0 &&
		    !strncmp(buf, comm, strlen(comm)) && buf[strlen(comm)] == '\n')
			n++;
		close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

/* AnonPages: the images in tmpfs would count in Shmem */
static long mem_kb(void)
{
	return ckpt_meminfo("AnonPages");
}

static long sum_pss(const char *dir, const char *prefix)
{
	char path[CKPT_PATH_LEN + 32], *buf, *p;
	long sum = 0;
	int i;

	for (i = 0; i < NR_TASKS; i++) {
		snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, i);
		buf = ckpt_slurp(path, NULL);
		p = buf ? strstr(buf, " pss ") : NULL;
		if (p)
			sum += strtol(p + 5, NULL, 10);
		free(buf);
	}
	return sum;
}

TEST_F_TIMEOUT(shared_mem, cow_and_shared, 280)
{
	pid_t pid;
	const char *extra[] = { "--pidns", "--copy-status", NULL };
	long base, orig, restored = -1;
	pid_t pre_pid, post_pid;
	int i, status, reaped = 0, got;
	char path[CKPT_PATH_LEN + 32], *buf;
	double end;

	if (!ckpt_tool("restart"))
		SKIP(return, "restart tool not installed");
	if (ckpt_cg_create(&self->env, "shm"))
		SKIP(return, "no cgroup v2 freezer");

	snprintf(W.dir, sizeof(W.dir), "%s", self->env.dir);
	snprintf(W.go, sizeof(W.go), "%s/go", self->env.dir);
	/* self is shared with the harness: the child must not write it */
	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (ckpt_cg_add(&self->env, getpid()) || ckpt_isolate(self->out) ||
		    setsid() < 0)
			_exit(CKPT_EXIT_SETUP);
		prctl(PR_SET_NAME, self->comm, 0, 0, 0);
		parent_main();
	}
	self->root = pid;
	ckpt_track(&self->env, self->root);
	got = ckpt_await_files(self->env.dir, "ready.", NR_TASKS, 60000, self->root,
			       &status, &reaped);
	if (got != NR_TASKS)
		ckpt_dump("tree", self->out, 4096);
	ASSERT_EQ(got, NR_TASKS);
	for (i = 0; i < NR_TASKS; i++) {
		snprintf(path, sizeof(path), "%s/ready.%d", self->env.dir, i);
		buf = ckpt_slurp(path, NULL);
		ASSERT_NE(strstr(buf, "result ok"), NULL) TH_LOG("task %d: %s", i, buf);
		free(buf);
	}
	orig = mem_kb();

	ASSERT_EQ(ckpt_cg_freeze(&self->env, 1, 30000), 0);
	ASSERT_GT(ckpt_checkpoint_file(self->root, self->img, self->log,
				       CHECKPOINT_SUBTREE, NULL), 0);
	ksft_print_msg("image %ld bytes for %d tasks sharing %d KiB of private and %d KiB of shared memory\n",
		       ckpt_file_size(self->img), NR_TASKS, PRIV_LEN >> 10, SHM_LEN >> 10);
	ASSERT_EQ(ckpt_cg_kill(&self->env, 30000), 0);
	ckpt_wait(self->root, &status, 0, 10000);
	ckpt_untrack(&self->env, self->root);
	ckpt_msleep(500);
	base = mem_kb();

	self->tool = ckpt_restart_tool(self->img, self->log, self->rst_out, extra);
	ASSERT_GT(self->tool, 0);
	ckpt_track(&self->env, self->tool);
	reaped = 0;
	/* restored tasks carry the comm; measure before they go on */
	end = ckpt_now() + 120;
	while (count_comm(self->comm) < NR_TASKS && ckpt_now() < end) {
		if (waitpid(self->tool, &status, WNOHANG) == self->tool) {
			reaped = 1;
			break;
		}
		ckpt_msleep(20);
	}
	if (count_comm(self->comm) == NR_TASKS) {
		ckpt_msleep(500);
		restored = mem_kb();
	}
	ASSERT_EQ(ckpt_write_file(W.go, "go\n", 3), 0);

	got = ckpt_await_files(self->env.dir, "res.", NR_TASKS, 180000, self->tool,
			       &status, &reaped);
	if (!reaped && ckpt_wait_or_kill_tree(self->tool, &status, 60000) == 0)
		reaped = 1;
	ckpt_untrack(&self->env, self->tool);
	if (got != NR_TASKS || !reaped || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("restart", self->rst_out, 4096);
		ckpt_dump("log", self->log, 2048);
		ckpt_dump("tree", self->out, 4096);
	}
	ksft_print_msg("AnonPages with the tree over those without: original %ld kB, restored %ld kB\n",
		       orig - base, restored >= 0 ? restored - base : -1);
	ksft_print_msg("sum of the tasks' Pss_Anon+Pss_Shmem: original %ld kB, restored %ld kB (negative: Rss)\n",
		       sum_pss(self->env.dir, "ready."), sum_pss(self->env.dir, "res."));
	if (restored >= 0)
		EXPECT_LE(restored - base, 2 * (orig - base) + 1024)
			TH_LOG("the restored tree uses %ld kB of anonymous memory, the original %ld kB",
			       restored - base, orig - base);
	if (sum_pss(self->env.dir, "res.") > 0 && sum_pss(self->env.dir, "ready.") > 0)
		EXPECT_LE(sum_pss(self->env.dir, "res."), 2 * sum_pss(self->env.dir, "ready.") + 1024)
			TH_LOG("restored Pss not within twice the original's");
	EXPECT_EQ(got, NR_TASKS) TH_LOG("%d of %d restored tasks reported", got, NR_TASKS);
	EXPECT_TRUE(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("restart --copy-status: %s",
		       reaped ? ckpt_status_str(status) : "did not exit");
	for (i = 0; i < NR_TASKS; i++) {
		snprintf(path, sizeof(path), "%s/res.%d", self->env.dir, i);
		buf = ckpt_slurp(path, NULL);
		if (!buf)
			continue;
		EXPECT_NE(strstr(buf, "result ok"), NULL) TH_LOG("task %d: %s", i, buf);
		post_pid = atoi(buf + strlen("idx 0 pid "));
		free(buf);
		snprintf(path, sizeof(path), "%s/ready.%d", self->env.dir, i);
		buf = ckpt_slurp(path, NULL);
		pre_pid = buf ? atoi(buf + strlen("idx 0 pid ")) : -1;
		free(buf);
		EXPECT_EQ(post_pid, pre_pid) TH_LOG("task %d", i);
	}
}

TEST_HARNESS_MAIN
