// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials in images (CKPT_HDR_CRED) and who may restart them.
 *
 * A worker takes an identity (root, or "nobody": uid 65534, gid 65534,
 * supplementary groups 100 and 200, no capabilities), notes its
 * credentials (getresuid, getresgid, getgroups, getfsuid, getfsgid,
 * capget, the bounding and ambient sets, securebits) and checkpoints
 * itself.  A restored worker compares what it has now with what it
 * noted: a restored task must have exactly the credentials of its
 * image.  A restarter takes an identity and calls restart(); a refused
 * restart must be EPERM with one log line naming the credentials, and
 * must never run the image.
 *
 * Documentation/checkpoint/security.rst says who may do what.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

#include <linux/checkpoint_hdr.h>

#define SYSCTL		"/proc/sys/kernel/checkpoint_unprivileged"
#define NOBODY		65534
#define MAX_RECS	4096
#define MAX_GROUPS	32

enum ident { ID_ROOT, ID_NOBODY, ID_NOBODY_FEWER_GROUPS };

/* exit codes: restored worker 0 (credentials as noted) or 1..9 */
#define RST_OK		0
#define RST_MISMATCH	1
#define RST_SETUID_WORKED	2
/* restarter */
#define RS_IDENT	110	/* could not take its identity */

struct creds {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
	unsigned long long eff, perm, inh, bset, amb;
	int securebits, nnp;
};

static int sysctl_get(void)
{
	char buf[16] = "";
	int fd = open(SYSCTL, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoi(buf) : -1;
}

static int sysctl_set(int val)
{
	char buf[4];
	int fd = open(SYSCTL, O_WRONLY), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", val);
	n = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return n;
}

static int take_identity(enum ident id)
{
	static const gid_t groups[] = { 100, 200, NOBODY };

	switch (id) {
	case ID_ROOT:
		return 0;
	case ID_NOBODY:
		if (setgroups(3, groups))
			return -1;
		break;
	case ID_NOBODY_FEWER_GROUPS:
		if (setgroups(1, groups))
			return -1;
		break;
	}
	/* all uids non-zero: the kernel clears the permitted and effective sets */
	return setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

static void get_creds(struct creds *c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int i;

	memset(c, 0, sizeof(*c));
	getresuid(&c->ruid, &c->euid, &c->suid);
	getresgid(&c->rgid, &c->egid, &c->sgid);
	c->fsuid = setfsuid(-1);
	c->fsgid = setfsgid(-1);
	c->ngroups = getgroups(MAX_GROUPS, c->groups);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == 0) {
		c->eff = data[0].effective | (uint64_t)data[1].effective << 32;
		c->perm = data[0].permitted | (uint64_t)data[1].permitted << 32;
		c->inh = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	} else {
		c->eff = c->perm = c->inh = ~0ULL;
	}
	for (i = 0; i <= CAP_LAST_CAP; i++) {
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			c->bset |= 1ULL << i;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0) == 1)
			c->amb |= 1ULL << i;
	}
	c->securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	c->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

/* 0 if equal, else reports each difference */
static int cmp_creds(const struct creds *a, const struct creds *b)
{
	int bad = 0;

#define CMP(f, fmt) do {						\
		if (a->f != b->f) {					\
			ckpt_report("restored " #f " " fmt ", image " fmt, \
				    b->f, a->f);			\
			bad = 1;					\
		}							\
	} while (0)
	CMP(ruid, "%u"); CMP(euid, "%u"); CMP(suid, "%u"); CMP(fsuid, "%u");
	CMP(rgid, "%u"); CMP(egid, "%u"); CMP(sgid, "%u"); CMP(fsgid, "%u");
	CMP(ngroups, "%d");
	CMP(eff, "%#llx"); CMP(perm, "%#llx"); CMP(inh, "%#llx");
	CMP(bset, "%#llx"); CMP(amb, "%#llx");
	CMP(securebits, "%#x"); CMP(nnp, "%d");
#undef CMP
	if (a->ngroups == b->ngroups && a->ngroups > 0 &&
	    memcmp(a->groups, b->groups, a->ngroups * sizeof(gid_t))) {
		ckpt_report("restored supplementary groups differ");
		bad = 1;
	}
	return bad;
}

static struct creds noted;	/* the worker's, kept in its image */

/*
 * The worker: take @id, checkpoint itself into @img.  Exits
 * CKPT_EXIT_CHECKPOINTED; the restored task exits R_*.
 */
static void __attribute__((noreturn))
worker(const char *img, const char *log, const char *out, enum ident id)
{
	struct creds now;
	int fd, logfd;
	long ret;

	if (take_identity(id))
		_exit(CKPT_EXIT_SETUP);
	if (ckpt_isolate(out) || chdir("/tmp"))
		_exit(CKPT_EXIT_SETUP);
	/* files any restarter can reopen: credentials are what is tested */
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	get_creds(&noted);
	ret = checkpoint(0, fd, 0, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("worker: checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	/* restored */
	get_creds(&now);
	if (cmp_creds(&noted, &now))
		_exit(RST_MISMATCH);
	/* without capabilities the restored task cannot become root */
	if (!(now.eff & (1ULL << CAP_SETUID)) && setuid(0) == 0)
		_exit(RST_SETUID_WORKED);
	_exit(RST_OK);
}

/* A restarter with identity @id; its exit status tells what happened */
static pid_t restarter(const char *img, const char *log, enum ident id)
{
	pid_t pid = ckpt_fork();
	int fd, logfd, err;

	if (pid)
		return pid;
	if (take_identity(id))
		_exit(RS_IDENT);
	fd = open(img, O_RDONLY);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_RESTART_OPEN);
	restart(0, fd, RESTART_TASKSELF, logfd);
	err = errno;
	_exit(CKPT_EXIT_RESTART_ERRNO + (err > 130 ? 130 : err));
}

FIXTURE(cred) {
	struct ckpt_env env;
	char dir[CKPT_PATH_LEN / 2];
	char img[CKPT_PATH_LEN], img2[CKPT_PATH_LEN], log[CKPT_PATH_LEN];
	char out[CKPT_PATH_LEN], mnt[CKPT_PATH_LEN];
	int saved;
};

FIXTURE_SETUP(cred)
{
	int fd;

	self->mnt[0] = '\0';
	/* files made by root and by nobody are for both to open */
	umask(0);
	ASSERT_EQ(ckpt_env_init(&self->env, "cred"), 0);
	self->saved = sysctl_get();
	if (self->saved < 0)
		SKIP(return, SYSCTL " is missing");
	if (geteuid() != 0)
		SKIP(return, "needs root");
	chmod(self->env.dir, 0755);
	snprintf(self->dir, sizeof(self->dir), "%s/shared", self->env.dir);
	ASSERT_EQ(mkdir(self->dir, 0777), 0);
	ASSERT_EQ(chmod(self->dir, 0777), 0);
	snprintf(self->img, sizeof(self->img), "%s/img", self->dir);
	snprintf(self->img2, sizeof(self->img2), "%s/img2", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log", self->dir);
	snprintf(self->out, sizeof(self->out), "%s/out", self->dir);
	/* everybody's workers and restored tasks write here */
	fd = open(self->out, O_WRONLY | O_CREAT, 0666);
	ASSERT_GE(fd, 0);
	fchmod(fd, 0666);
	close(fd);
}

FIXTURE_TEARDOWN_PARENT(cred)
{
	if (self->saved >= 0)
		sysctl_set(self->saved);
	if (self->mnt[0])
		umount2(self->mnt, MNT_DETACH);
	ckpt_env_fini(&self->env);
}

static int wait_status(struct ckpt_env *env, pid_t pid)
{
	int status;

	ckpt_track(env, pid);
	ckpt_wait_or_kill(pid, &status, 60000);
	ckpt_untrack(env, pid);
	return status;
}

/* Make an image of a worker with identity @id in @img */
static int make_image(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cred) *self, const char *img, enum ident id)
{
	int status;
	pid_t pid = ckpt_fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		worker(img, self->log, self->out, id);
	status = wait_status(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 2048);
		ckpt_dump("log", self->log, 2048);
		TH_LOG("worker (identity %d): %s", id, ckpt_status_str(status));
		return -1;
	}
	return 0;
}

/*
 * Restart @img as @id with a fresh log.  Returns the errno of a failed
 * restart, 0 if the restored task ran and found its credentials as in
 * the image, or -1 (and says why) for anything else.
 */
static int try_restart(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cred) *self, const char *img, enum ident id)
{
	int status;
	pid_t pid;

	unlink(self->log);
	pid = restarter(img, self->log, id);
	if (pid < 0)
		return -1;
	status = wait_status(&self->env, pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == RST_OK)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) > CKPT_EXIT_RESTART_ERRNO)
		return WEXITSTATUS(status) - CKPT_EXIT_RESTART_ERRNO;
	ckpt_dump("restored task", self->out, 2048);
	ckpt_dump("log", self->log, 2048);
	TH_LOG("restart as identity %d: %s", id, ckpt_status_str(status));
	return -1;
}

/* The log holds exactly one line, containing @want */
static int log_says(struct __test_metadata *_metadata,
		    FIXTURE_DATA(cred) *self, const char *want)
{
	char *buf = ckpt_slurp(self->log, NULL);
	int ok = buf && ckpt_count_lines(self->log) == 1 && strstr(buf, want);

	if (!ok)
		TH_LOG("log: expected one line with '%s': '%s'", want,
		       buf ? buf : "(no log)");
	else
		TH_LOG("log: %.*s", (int)strcspn(buf, "\n"), buf);
	free(buf);
	return ok;
}

/* The CRED records of @img patched by @patch, written to @to */
static int patch_image(struct __test_metadata *_metadata, const char *from,
		       const char *to,
		       void (*patch)(struct ckpt_hdr_cred *h))
{
	static struct ckpt_rec recs[MAX_RECS];
	char err[256], *img;
	size_t len;
	int n, i, found = 0, ret;

	img = ckpt_slurp(from, &len);
	if (!img)
		return -1;
	n = ckpt_image_walk(img, len, recs, MAX_RECS, err, sizeof(err));
	if (n < 0) {
		TH_LOG("image: %s", err);
		free(img);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (recs[i].type != CKPT_HDR_CRED)
			continue;
		patch((struct ckpt_hdr_cred *)(img + recs[i].off));
		found++;
	}
	if (!found)
		TH_LOG("no CKPT_HDR_CRED record in the image");
	ret = found ? ckpt_write_file(to, img, len) : -1;
	free(img);
	return ret;
}

/* The uids in the CRED records of @path (first record), or -1 */
static long image_uid(const char *path)
{
	static struct ckpt_rec recs[MAX_RECS];
	char err[256], *img;
	size_t len;
	long uid = -1;
	int n, i;

	img = ckpt_slurp(path, &len);
	if (!img)
		return -1;
	n = ckpt_image_walk(img, len, recs, MAX_RECS, err, sizeof(err));
	for (i = 0; i < n; i++)
		if (recs[i].type == CKPT_HDR_CRED) {
			uid = ((struct ckpt_hdr_cred *)(img + recs[i].off))->euid;
			break;
		}
	free(img);
	return uid;
}

/* ruid, euid, suid of @pid from /proc/PID/status; 0 if found */
static int proc_uids(pid_t pid, unsigned int uids[4])
{
	char path[64], line[256];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4) &&
		    sscanf(line + 4, "%u %u %u %u", &uids[0], &uids[1], &uids[2],
			   &uids[3]) == 4)
			found = 0;
	fclose(f);
	return found;
}

/* Wait until @pid sleeps or is stopped with the uids @r, @e, @s */
static int wait_uids(pid_t pid, unsigned int r, unsigned int e, unsigned int s,
		     unsigned int uids[4])
{
	int i;

	for (i = 0; i < 400; i++) {
		if (!proc_uids(pid, uids) && uids[0] == r && uids[1] == e &&
		    uids[2] == s && (ckpt_proc_state(pid) == 'S' ||
				     ckpt_proc_state(pid) == 'T'))
			return 0;
		ckpt_msleep(50);
	}
	return -1;
}

/* (1) An unprivileged caller may not checkpoint root's task, whatever the policy */
TEST_F_TIMEOUT(cred, checkpoint_of_root_task_eperm, 90)
{
	struct ckpt_counter c;
	int policy, status, fd;
	pid_t pid, child;
	long now;

	ckpt_counter_init(&c, &self->env, "rootcounter");
	pid = ckpt_counter_start(&c);
	ASSERT_GT(pid, 0);
	ckpt_track(&self->env, pid);
	ASSERT_GE(ckpt_counter_wait(&c, 3, 20000), 3);
	ASSERT_EQ(ckpt_stop_child(pid), 0);
	for (policy = 0; policy <= 2; policy++) {
		ASSERT_EQ(sysctl_set(policy), 0);
		unlink(self->log);
		child = ckpt_fork();
		ASSERT_GE(child, 0);
		if (child == 0) {
			if (take_identity(ID_NOBODY))
				_exit(RS_IDENT);
			fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				_exit(RS_IDENT + 1);
			int logfd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0666);

			errno = 0;
			if (checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd) >= 0)
				_exit(0);
			_exit(errno);
		}
		status = wait_status(&self->env, child);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EPERM)
			TH_LOG("policy %d: nobody's checkpoint of root's task: %s",
			       policy, ckpt_status_str(status));
		EXPECT_TRUE(log_says(_metadata, self, ""));
	}
	/* the target never noticed */
	now = ckpt_counter_read(&c, NULL, 0, 0, NULL);
	EXPECT_EQ(ckpt_proc_state(pid), 'T');
	ASSERT_EQ(kill(pid, SIGCONT), 0);
	EXPECT_GE(ckpt_counter_wait(&c, now + 3, 20000), now + 3);
	ASSERT_EQ(ckpt_counter_quit(&c, 7), 0);
	status = wait_status(&self->env, pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7)
		TH_LOG("counter: %s", ckpt_status_str(status));
}

/*
 * (2) Policy 2: nobody restarts its own image; the restored task has
 * the image's (= the caller's) uids, gids, groups and capability sets.
 */
TEST_F_TIMEOUT(cred, unprivileged_own_image_policy_2, 90)
{
	ASSERT_EQ(sysctl_set(2), 0);
	ASSERT_EQ(make_image(_metadata, self, self->img, ID_NOBODY), 0);
	EXPECT_EQ(image_uid(self->img), NOBODY);
	EXPECT_EQ(try_restart(_metadata, self, self->img, ID_NOBODY), 0);
	/* and the restored task ran: it wrote nothing wrong, no log */
	EXPECT_FALSE(ckpt_exists(self->log) && ckpt_count_lines(self->log));
	/* other supplementary groups than the image's: not the caller's own */
	EXPECT_EQ(try_restart(_metadata, self, self->img, ID_NOBODY_FEWER_GROUPS),
		  EPERM);
	EXPECT_TRUE(log_says(_metadata, self, "credentials"));
}

/* (3) Policy 2: an image of root is not nobody's to restart */
TEST_F_TIMEOUT(cred, root_image_denied_to_nobody, 90)
{
	ASSERT_EQ(sysctl_set(2), 0);
	ASSERT_EQ(make_image(_metadata, self, self->img, ID_ROOT), 0);
	EXPECT_EQ(image_uid(self->img), 0);
	EXPECT_EQ(try_restart(_metadata, self, self->img, ID_NOBODY), EPERM);
	EXPECT_TRUE(log_says(_metadata, self, "credentials"));
	/* root itself may */
	EXPECT_EQ(try_restart(_metadata, self, self->img, ID_ROOT), 0);
}

static void p_uid0(struct ckpt_hdr_cred *h)
{
	h->uid = h->euid = h->suid = h->fsuid = 0;
}

static void p_euid0(struct ckpt_hdr_cred *h) { h->euid = 0; }
static void p_suid0(struct ckpt_hdr_cred *h) { h->suid = 0; }
static void p_fsuid0(struct ckpt_hdr_cred *h) { h->fsuid = 0; }
static void p_gid0(struct ckpt_hdr_cred *h)
{
	h->gid = h->egid = h->sgid = h->fsgid = 0;
}

static void p_group0(struct ckpt_hdr_cred *h)
{
	if (h->ngroups)
		h->groups[0] = 0;
}

static void p_caps(struct ckpt_hdr_cred *h)
{
	h->cap_permitted |= 1ULL << CAP_SYS_ADMIN | 1ULL << CAP_SETUID;
	h->cap_effective |= 1ULL << CAP_SYS_ADMIN | 1ULL << CAP_SETUID;
}

static void p_perm(struct ckpt_hdr_cred *h)
{
	h->cap_permitted |= 1ULL << CAP_DAC_OVERRIDE;
}

static void p_inh(struct ckpt_hdr_cred *h)
{
	h->cap_inheritable |= 1ULL << CAP_SYS_ADMIN;
}

static void p_securebits(struct ckpt_hdr_cred *h)
{
	h->securebits ^= 1 << 0;	/* SECURE_NOROOT */
}

static void p_nothing(struct ckpt_hdr_cred *h) { (void)h; }

/*
 * (4) Nobody's image edited to claim more: root's uid, gid, a group,
 * capabilities.  Every one is refused with EPERM before the caller is
 * touched; the unedited copy restarts.
 */
TEST_F_TIMEOUT(cred, edited_credentials_denied, 180)
{
	static const struct {
		const char *what;
		void (*patch)(struct ckpt_hdr_cred *h);
		int err;
	} edits[] = {
		{ "uid/euid/suid/fsuid 0", p_uid0, EPERM },
		{ "euid 0", p_euid0, EPERM },
		{ "suid 0", p_suid0, EPERM },
		{ "fsuid 0", p_fsuid0, EPERM },
		{ "gids 0", p_gid0, EPERM },
		{ "group 0", p_group0, EPERM },
		{ "CAP_SYS_ADMIN+CAP_SETUID permitted+effective", p_caps, EPERM },
		{ "CAP_DAC_OVERRIDE permitted", p_perm, EPERM },
		{ "CAP_SYS_ADMIN inheritable", p_inh, EPERM },
		{ "securebits", p_securebits, EPERM },
		{ "nothing (control)", p_nothing, 0 },
	};
	unsigned int i;

	ASSERT_EQ(sysctl_set(2), 0);
	ASSERT_EQ(make_image(_metadata, self, self->img, ID_NOBODY), 0);
	for (i = 0; i < ARRAY_SIZE(edits); i++) {
		ASSERT_EQ(patch_image(_metadata, self->img, self->img2,
				      edits[i].patch), 0);
		EXPECT_EQ(try_restart(_metadata, self, self->img2, ID_NOBODY),
			  edits[i].err)
			TH_LOG("image edited: %s", edits[i].what);
		if (edits[i].err)
			EXPECT_TRUE(log_says(_metadata, self, "credentials"))
				TH_LOG("image edited: %s", edits[i].what);
	}
}

/* (5) Root restores nobody's image: the task is nobody, without capabilities */
TEST_F_TIMEOUT(cred, root_restores_nobody_image, 90)
{
	int policy;

	ASSERT_EQ(make_image(_metadata, self, self->img, ID_NOBODY), 0);
	for (policy = 0; policy <= 2; policy++) {
		ASSERT_EQ(sysctl_set(policy), 0);
		/* the restored task checks uid 65534, empty sets, setuid(0) fails */
		EXPECT_EQ(try_restart(_metadata, self, self->img, ID_ROOT), 0)
			TH_LOG("policy %d", policy);
	}
}

/*
 * (6) kernel.checkpoint_unprivileged 0, 1, 2 for both calls, for nobody
 * and for root (security.rst's table).
 */
static int self_checkpoint_errno(struct __test_metadata *_metadata,
				 FIXTURE_DATA(cred) *self, enum ident id)
{
	int status;
	pid_t pid;

	unlink(self->log);
	if (truncate(self->out, 0)) { }
	pid = ckpt_fork();
	if (pid == 0)
		worker(self->img2, self->log, self->out, id);
	status = wait_status(&self->env, pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_CHECKPOINTED)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_CKPT_FAILED) {
		char *o = ckpt_slurp(self->out, NULL);
		int err = o && strstr(o, "Operation not permitted") ? EPERM : -1;

		if (err < 0)
			TH_LOG("worker: %s", o ? o : "(no output)");
		free(o);
		return err;
	}
	TH_LOG("worker %s", ckpt_status_str(status));
	return -1;
}

TEST_F_TIMEOUT(cred, policy_table, 180)
{
	char want[64];
	int policy, err;

	ASSERT_EQ(sysctl_set(1), 0);
	ASSERT_EQ(make_image(_metadata, self, self->img, ID_NOBODY), 0);
	for (policy = 0; policy <= 2; policy++) {
		ASSERT_EQ(sysctl_set(policy), 0);
		snprintf(want, sizeof(want), "kernel.checkpoint_unprivileged is %d",
			 policy);
		/* nobody's checkpoint: refused only at 0 */
		err = self_checkpoint_errno(_metadata, self, ID_NOBODY);
		EXPECT_EQ(err, policy == 0 ? EPERM : 0) TH_LOG("policy %d", policy);
		if (policy == 0)
			EXPECT_TRUE(log_says(_metadata, self, want));
		/* nobody's restart of its own image: allowed only at 2 */
		err = try_restart(_metadata, self, self->img, ID_NOBODY);
		EXPECT_EQ(err, policy == 2 ? 0 : EPERM) TH_LOG("policy %d", policy);
		if (policy < 2)
			EXPECT_TRUE(log_says(_metadata, self, want));
		/* root: both, always */
		EXPECT_EQ(self_checkpoint_errno(_metadata, self, ID_ROOT), 0)
			TH_LOG("policy %d", policy);
		EXPECT_EQ(try_restart(_metadata, self, self->img2, ID_ROOT), 0)
			TH_LOG("policy %d", policy);
	}
}

/*
 * (7) A setuid-root program run by nobody (ruid 65534, euid and suid 0,
 * full capabilities), checkpointed by root: nobody may not restart it
 * with policy 2, root may.
 */
static const char *suid_argv1 = "--ckpt-setuid-sleeper";

static void __attribute__((constructor))
setuid_sleeper(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], suid_argv1))
		return;
	/* a setuid program: say who we are, then wait to be checkpointed */
	if (ckpt_isolate(argc > 2 ? argv[2] : "/dev/null") || chdir("/"))
		_exit(CKPT_EXIT_SETUP);
	ckpt_report("setuid sleeper: uid %d euid %d", getuid(), geteuid());
	for (;;)
		pause();
}

TEST_F_TIMEOUT(cred, setuid_root_image_denied, 120)
{
	char bin[CKPT_PATH_LEN + 16], *self_exe;
	unsigned int uids[4] = { 1, 1, 1, 1 };
	int fd, logfd, status;
	size_t len;
	pid_t pid;

	/* a file system that honours setuid (/tmp is nosuid) */
	snprintf(self->mnt, sizeof(self->mnt), "%s/suid", self->env.dir);
	ASSERT_EQ(mkdir(self->mnt, 0755), 0);
	if (mount("tmpfs", self->mnt, "tmpfs", 0, "mode=0755,size=16m")) {
		self->mnt[0] = '\0';
		SKIP(return, "cannot mount a tmpfs: %s", strerror(errno));
	}
	snprintf(bin, sizeof(bin), "%s/sleeper", self->mnt);
	self_exe = ckpt_slurp("/proc/self/exe", &len);
	ASSERT_NE(self_exe, NULL);
	ASSERT_EQ(ckpt_write_file(bin, self_exe, len), 0);
	free(self_exe);
	ASSERT_EQ(chown(bin, 0, 0), 0);
	ASSERT_EQ(chmod(bin, 04755), 0);

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (take_identity(ID_NOBODY))
			_exit(RS_IDENT);
		execl(bin, bin, suid_argv1, self->out, (char *)NULL);
		_exit(127);
	}
	ckpt_track(&self->env, pid);
	ASSERT_EQ(wait_uids(pid, NOBODY, 0, 0, uids), 0)
		TH_LOG("setuid program: uids %u %u %u", uids[0], uids[1], uids[2]);
	ASSERT_EQ(ckpt_stop_child(pid), 0);

	/* root checkpoints it */
	ASSERT_EQ(sysctl_set(2), 0);
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	ASSERT_GE(fd, 0);
	ASSERT_GE(logfd, 0);
	EXPECT_GT(checkpoint(pid, fd, CHECKPOINT_SUBTREE, logfd), 0)
		ckpt_dump("log", self->log, 2048);
	close(fd);
	close(logfd);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ckpt_untrack(&self->env, pid);
	EXPECT_EQ(image_uid(self->img), 0);

	/* nobody may not restart it: euid and suid 0 are not its own */
	unlink(self->log);
	pid = restarter(self->img, self->log, ID_NOBODY);
	ASSERT_GT(pid, 0);
	status = wait_status(&self->env, pid);
	EXPECT_TRUE(WIFEXITED(status) &&
		    WEXITSTATUS(status) == CKPT_EXIT_RESTART_ERRNO + EPERM)
		TH_LOG("nobody restarting a setuid-root image: %s",
		       ckpt_status_str(status));
	EXPECT_TRUE(log_says(_metadata, self, "credentials"));

	/* root may: the restored task has the image's mixed credentials */
	unlink(self->log);
	pid = restarter(self->img, self->log, ID_ROOT);
	ASSERT_GT(pid, 0);
	ckpt_track(&self->env, pid);
	EXPECT_EQ(wait_uids(pid, NOBODY, 0, 0, uids), 0) {
		ckpt_dump("log", self->log, 2048);
		TH_LOG("restored setuid program: %s, uids %u %u %u",
		       ckpt_proc_state(pid) ? "running" : "gone",
		       uids[0], uids[1], uids[2]);
	}
	kill(pid, SIGKILL);
	wait_status(&self->env, pid);
}

TEST_HARNESS_MAIN
