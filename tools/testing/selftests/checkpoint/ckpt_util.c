// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the checkpoint/restart selftests; see ckpt_util.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint_hdr.h>

#include "ckpt_util.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/* Environment */

int ckpt_env_init(struct ckpt_env *env, const char *name)
{
	const char *tmp = getenv("CKPT_TMPDIR");

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "%s/ckpt-%s-%d",
		 tmp && *tmp ? tmp : "/tmp", name, getpid());
	ckpt_rmtree(env->dir);
	if (mkdir(env->dir, 0755))
		return -1;
	return 0;
}

void ckpt_env_fini(struct ckpt_env *env)
{
	int i, j, status;

	for (i = 0; i < env->nr_pids; i++) {
		pid_t pid = env->pids[i];

		if (pid <= 0 || ckpt_start_time(pid) != env->start[i])
			continue;
		kill(pid, SIGKILL);
		/* reap it if it is ours, else wait for whoever reaps it */
		for (j = 0; j < 500; j++) {
			char st;

			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			st = ckpt_proc_state(pid);
			if (!st || st == 'Z' || st == 'X' ||
			    ckpt_start_time(pid) != env->start[i])
				break;
			ckpt_msleep(10);
		}
	}
	env->nr_pids = 0;
	ckpt_cg_destroy(env);
	if (!getenv("CKPT_KEEP"))
		ckpt_rmtree(env->dir);
}

char *ckpt_path(const struct ckpt_env *env, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", env->dir, name) < 0)
		return NULL;
	return p;
}

unsigned long long ckpt_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int fd, n, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* p + 2 is field 3 (state); field 22 is 19 fields further */
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

void ckpt_track(struct ckpt_env *env, pid_t pid)
{
	int i;

	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == pid)
			return;
	if (pid > 0 && env->nr_pids < CKPT_MAX_PIDS) {
		env->start[env->nr_pids] = ckpt_start_time(pid);
		env->pids[env->nr_pids++] = pid;
	}
}

void ckpt_untrack(struct ckpt_env *env, pid_t pid)
{
	int i;

	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == pid)
			env->pids[i] = 0;
}

/* Time */

double ckpt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void ckpt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Worker side */

void ckpt_close_from(int fd)
{
	if (syscall(__NR_close_range, fd, ~0U, 0) == 0)
		return;
	for (; fd < 4096; fd++)
		close(fd);
}

int ckpt_isolate(const char *out)
{
	int in_fd, out_fd;

	in_fd = open("/dev/null", O_RDONLY);
	out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (in_fd < 0 || out_fd < 0)
		return -1;
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		return -1;
	ckpt_close_from(3);
	return 0;
}

void ckpt_report(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, m;

	n = snprintf(buf, sizeof(buf), "[pid %d] ", getpid());
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

long ckpt_self(int fd, int logfd)
{
	return checkpoint(0, fd, 0, logfd);
}

/* Test side */

pid_t ckpt_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

int ckpt_restarter_quiet;

pid_t ckpt_start_restarter(const char *img, int img_fd, const char *log,
			   unsigned long flags)
{
	pid_t pid = ckpt_fork();
	int fd = img_fd, logfd = CHECKPOINT_FD_NONE, err;

	if (pid)
		return pid;

	if (img)
		fd = open(img, O_RDONLY);
	if (log)
		logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || (log && logfd < 0)) {
		fprintf(stderr, "# restarter: open: %s\n", strerror(errno));
		_exit(CKPT_EXIT_RESTART_OPEN);
	}
	restart(0, fd, RESTART_TASKSELF | flags, logfd);
	err = errno;
	if (!ckpt_restarter_quiet)
		fprintf(stderr, "# restarter %d: restart(0, %d, %#lx, %d) returned: %s (%d)\n",
			getpid(), fd, RESTART_TASKSELF | flags, logfd,
			strerror(err), err);
	if (err > 130)
		err = 130;
	_exit(CKPT_EXIT_RESTART_ERRNO + err);
}

pid_t ckpt_wait(pid_t pid, int *status, int options, int timeout_ms)
{
	double end = ckpt_now() + timeout_ms / 1000.0;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, options | WNOHANG);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret != 0)
			return ret;
		if (ckpt_now() > end)
			return 0;
		ckpt_msleep(5);
	}
}

int ckpt_wait_or_kill(pid_t pid, int *status, int timeout_ms)
{
	pid_t ret = ckpt_wait(pid, status, 0, timeout_ms);

	if (ret == pid)
		return 0;
	fprintf(stderr, "# pid %d did not exit within %d ms, killing it\n",
		pid, timeout_ms);
	kill(pid, SIGKILL);
	ckpt_wait(pid, status, 0, 10000);
	*status = 0x7f7f;	/* no valid exit status: "stopped by 127" */
	return -1;
}

const char *ckpt_status_str(int status)
{
	static char buf[8][64];
	static int i;
	char *b = buf[i++ % 8];

	if (status == 0x7f7f)
		snprintf(b, 64, "timed out");
	else if (WIFEXITED(status))
		snprintf(b, 64, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(b, 64, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		snprintf(b, 64, "stopped by signal %d", WSTOPSIG(status));
	else if (WIFCONTINUED(status))
		snprintf(b, 64, "continued");
	else
		snprintf(b, 64, "status %#x", status);
	return b;
}

char ckpt_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* Files */

char *ckpt_slurp(const char *path, size_t *lenp)
{
	size_t len = 0, size = 65536;
	char *buf = malloc(size + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (len == size) {
			char *nbuf = realloc(buf, size * 2 + 1);

			if (!nbuf)
				break;
			buf = nbuf;
			size *= 2;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

int ckpt_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	const char *p = buf;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= n;
	}
	return close(fd);
}

long ckpt_file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	return st.st_size;
}

int ckpt_count_lines(const char *path)
{
	char *buf = ckpt_slurp(path, NULL), *p;
	int n = 0;

	if (!buf)
		return -1;
	for (p = buf; *p; p++)
		if (*p == '\n')
			n++;
	free(buf);
	return n;
}

void ckpt_dump(const char *what, const char *path, size_t max)
{
	size_t len;
	char *buf = ckpt_slurp(path, &len), *line, *save = NULL;

	if (!buf) {
		fprintf(stderr, "# %s: (%s: %s)\n", what, path, strerror(errno));
		return;
	}
	if (len > max) {
		fprintf(stderr, "# %s: (last %zu of %zu bytes)\n", what, max, len);
		memmove(buf, buf + len - max, max + 1);
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "# %s: %s\n", what, line);
	free(buf);
}

int ckpt_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int ckpt_rmtree(const char *path)
{
	if (!path || !*path || !strcmp(path, "/"))
		return -1;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Patterns */

void ckpt_fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = ckpt_hash((uintptr_t)&w[i], seed);
}

long ckpt_check(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != ckpt_hash((uintptr_t)&w[i], seed))
			return i * 8;
	return -1;
}

void ckpt_fill_off(void *p, size_t len, uint64_t base, uint64_t seed)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = ckpt_hash(base + i * 8, seed);
}

long ckpt_check_off(const void *p, size_t len, uint64_t base, uint64_t seed)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != ckpt_hash(base + i * 8, seed))
			return i * 8;
	return -1;
}

long ckpt_check_zero(const void *p, size_t len)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return i * 8;
	return -1;
}

/* The counting process */

#define CNT_MEM		(256 << 10)
#define CNT_SEED	0x636f756e74657221ULL
#define CNT_MAX		6000

static volatile unsigned long cnt_value, cnt_shadow;

void ckpt_counter_init(struct ckpt_counter *c, const struct ckpt_env *env,
		       const char *tag)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->out, sizeof(c->out), "%s/%s.out", env->dir, tag);
	snprintf(c->count, sizeof(c->count), "%s/%s.count", env->dir, tag);
	snprintf(c->quit, sizeof(c->quit), "%s/%s.quit", env->dir, tag);
	snprintf(c->comm, sizeof(c->comm), "ckc-%d", getpid() % 100000);
	c->step_ms = 25;
	c->mem = CNT_MEM;
	c->socket_fd = -1;
}

static void __attribute__((noreturn)) counter_main(const struct ckpt_counter *c)
{
	struct timespec ts;
	uint64_t *mem;
	int cfd, qfd, bad = 0, reported = 0, len;
	char line[128];

	if (ckpt_isolate(c->out))
		_exit(CKPT_EXIT_SETUP);
	cfd = open(c->count, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (cfd < 0)
		_exit(CKPT_EXIT_SETUP);
	if (c->socket_fd >= 0) {
		/* an inet socket: Unix sockets are supported */
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		if (s < 0 || dup2(s, c->socket_fd) != c->socket_fd)
			_exit(CKPT_EXIT_SETUP);
		if (s != c->socket_fd)
			close(s);
	}
	prctl(PR_SET_NAME, c->comm, 0, 0, 0);
	mem = mmap(NULL, c->mem, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(mem, c->mem, CNT_SEED);

	for (;;) {
		long off;

		cnt_value++;
		cnt_shadow = ~cnt_value;
		off = ckpt_check(mem, c->mem, CNT_SEED);
		if (off >= 0)
			bad |= 1;
		if (cnt_shadow != ~cnt_value)
			bad |= 2;
		len = snprintf(line, sizeof(line), "%lu %d %s\n", cnt_value,
			       getpid(), bad ? "BAD" : "ok");
		if (write(cfd, line, len) != len)
			bad |= 4;
		if (bad && !reported) {
			ckpt_report("counter: check failed at %lu: bad=%#x (memory offset %ld)",
				    cnt_value, bad, off);
			reported = 1;
		}
		qfd = open(c->quit, O_RDONLY);
		if (qfd >= 0) {
			char num[16] = "";

			if (read(qfd, num, sizeof(num) - 1) < 0)
				bad |= 16;
			close(qfd);
			_exit(bad ? 1 : atoi(num));
		}
		if (cnt_value > CNT_MAX)
			_exit(3);
		ts.tv_sec = c->step_ms / 1000;
		ts.tv_nsec = (c->step_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts)) {
			if (errno != EINTR) {
				bad |= 32;
				break;
			}
			/* nothing here has a handler: a sleep is never cut short */
			ckpt_report("counter: nanosleep returned EINTR at %lu",
				    cnt_value);
			bad |= 8;
		}
	}
}

pid_t ckpt_counter_start(struct ckpt_counter *c)
{
	pid_t pid = ckpt_fork();

	if (pid == 0)
		counter_main(c);
	c->pid = pid;
	return pid;
}

long ckpt_counter_read(const struct ckpt_counter *c, char *err, size_t errlen,
		       long at, pid_t *pid_at)
{
	char *buf = ckpt_slurp(c->count, NULL), *p, *nl;
	long last = 0, value;
	int pid;
	char st[16];

	if (err && errlen)
		err[0] = 0;
	if (!buf)
		return 0;	/* not created yet */
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = 0;
		if (sscanf(p, "%ld %d %15s", &value, &pid, st) != 3) {
			snprintf(err, errlen, "malformed line after %ld: '%s'",
				 last, p);
			goto bad;
		}
		if (value != last + 1) {
			snprintf(err, errlen, "value %ld follows %ld", value, last);
			goto bad;
		}
		if (strcmp(st, "ok")) {
			snprintf(err, errlen, "line %ld (pid %d) says %s", value,
				 pid, st);
			goto bad;
		}
		if (pid_at && value == at)
			*pid_at = pid;
		last = value;
	}
	/* a last line without '\n' is still being written: ignored */
	free(buf);
	return last;
bad:
	free(buf);
	return -1;
}

long ckpt_counter_wait(const struct ckpt_counter *c, long value,
		       int timeout_ms)
{
	double end = ckpt_now() + timeout_ms / 1000.0;
	char err[256];
	long last;

	for (;;) {
		last = ckpt_counter_read(c, err, sizeof(err), 0, NULL);
		if (last < 0) {
			fprintf(stderr, "# counter %s: %s\n", c->count, err);
			return -1;
		}
		if (last >= value || ckpt_now() > end)
			return last;
		ckpt_msleep(10);
	}
}

int ckpt_counter_quit(const struct ckpt_counter *c, int code)
{
	char num[16];
	char tmp[CKPT_PATH_LEN + 8];

	/* write then rename: the counter never sees an empty file */
	snprintf(num, sizeof(num), "%d\n", code);
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->quit);
	if (ckpt_write_file(tmp, num, strlen(num)))
		return -1;
	return rename(tmp, c->quit);
}

int ckpt_stop_child(pid_t pid)
{
	int status;

	if (kill(pid, SIGSTOP))
		return -1;
	if (ckpt_wait(pid, &status, WUNTRACED, 10000) != pid) {
		fprintf(stderr, "# pid %d: no stop report\n", pid);
		return -1;
	}
	if (!WIFSTOPPED(status)) {
		fprintf(stderr, "# pid %d: %s instead of stopped\n", pid,
			ckpt_status_str(status));
		return -1;
	}
	return 0;
}

/* cgroup v2 freezer */

static const char *cg_root(void)
{
	const char *root = getenv("CKPT_CGROUP_ROOT");

	return root && *root ? root : "/sys/fs/cgroup";
}

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[CKPT_PATH_LEN + 32];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

int ckpt_cg_create(struct ckpt_env *env, const char *name)
{
	char path[CKPT_PATH_LEN + 32];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg_root());
	if (access(path, F_OK))
		return -1;
	snprintf(env->cgroup, sizeof(env->cgroup), "%s/ckpt-%s-%d", cg_root(),
		 name, getpid());
	rmdir(env->cgroup);
	if (mkdir(env->cgroup, 0755)) {
		env->cgroup[0] = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", env->cgroup);
	if (access(path, W_OK)) {
		rmdir(env->cgroup);
		env->cgroup[0] = 0;
		return -1;
	}
	return 0;
}

int ckpt_cg_add(const struct ckpt_env *env, pid_t pid)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", pid);
	return cg_write(env->cgroup, "cgroup.procs", num);
}

int ckpt_cg_freeze(const struct ckpt_env *env, int freeze, int timeout_ms)
{
	char path[CKPT_PATH_LEN + 32], want[16], *buf;
	double end = ckpt_now() + timeout_ms / 1000.0;

	if (cg_write(env->cgroup, "cgroup.freeze", freeze ? "1" : "0"))
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.events", env->cgroup);
	snprintf(want, sizeof(want), "frozen %d\n", !!freeze);
	for (;;) {
		buf = ckpt_slurp(path, NULL);
		if (buf && strstr(buf, want)) {
			free(buf);
			return 0;
		}
		free(buf);
		if (ckpt_now() > end)
			return -1;
		ckpt_msleep(10);
	}
}

void ckpt_cg_destroy(struct ckpt_env *env)
{
	char path[CKPT_PATH_LEN + 32], *buf, *p;
	int i;

	if (!env->cgroup[0])
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", env->cgroup);
	buf = ckpt_slurp(path, NULL);
	for (p = buf; p && *p; ) {
		pid_t pid = strtol(p, &p, 10);

		if (pid > 0)
			kill(pid, SIGKILL);
		while (*p == '\n')
			p++;
	}
	free(buf);
	cg_write(env->cgroup, "cgroup.freeze", "0");
	/* killed tasks leave the cgroup once reaped, maybe by init */
	for (i = 0; i < 500 && rmdir(env->cgroup) && errno == EBUSY; i++)
		ckpt_msleep(10);
	env->cgroup[0] = 0;
}

/* Images */

int ckpt_image_walk(const void *img, size_t len, struct ckpt_rec *recs,
		    int max, char *err, size_t errlen)
{
	const struct ckpt_hdr_header *hh = img;
	const struct ckpt_hdr_tail *tail;
	const struct ckpt_hdr *h = NULL;
	size_t off = 0;
	int n = 0;

	if (len < sizeof(*hh)) {
		snprintf(err, errlen, "image of %zu bytes has no header", len);
		return -1;
	}
	if (hh->h.type != CKPT_HDR_HEADER || hh->magic != CKPT_HEADER_MAGIC ||
	    hh->format_version != CKPT_FORMAT_VERSION ||
	    hh->arch != CKPT_ARCH_X86_64 ||
	    hh->page_size != (uint32_t)sysconf(_SC_PAGESIZE)) {
		snprintf(err, errlen,
			 "bad header: type %u magic %#llx version %u arch %u page_size %u",
			 hh->h.type, (unsigned long long)hh->magic,
			 hh->format_version, hh->arch, hh->page_size);
		return -1;
	}
	while (off < len) {
		if (len - off < sizeof(*h)) {
			snprintf(err, errlen, "%zu stray bytes at offset %zu",
				 len - off, off);
			return -1;
		}
		h = (const void *)((const char *)img + off);
		if (h->len < sizeof(*h) || h->len % 8 || h->len > len - off) {
			snprintf(err, errlen,
				 "record %d (type %u) at offset %zu has bad len %u",
				 n, h->type, off, h->len);
			return -1;
		}
		if (n < max) {
			recs[n].off = off;
			recs[n].type = h->type;
			recs[n].len = h->len;
		}
		n++;
		off += h->len;
		if (h->type == CKPT_HDR_TAIL)
			break;
	}
	if (!h || h->type != CKPT_HDR_TAIL) {
		snprintf(err, errlen, "no tail record");
		return -1;
	}
	if (off != len) {
		snprintf(err, errlen, "%zu bytes after the tail", len - off);
		return -1;
	}
	tail = (const void *)h;
	if (h->len < sizeof(*tail) || tail->magic != CKPT_TAIL_MAGIC ||
	    tail->ckpt_id != hh->ckpt_id) {
		snprintf(err, errlen, "bad tail: magic %#llx id %llu (header id %llu)",
			 (unsigned long long)tail->magic,
			 (unsigned long long)tail->ckpt_id,
			 (unsigned long long)hh->ckpt_id);
		return -1;
	}
	return n;
}

/* Userspace tools */

const char *ckpt_tool(const char *name)
{
	static char path[4][CKPT_PATH_LEN];
	static int i;
	const char *dir = getenv("CKPT_TOOLS_DIR");
	char *p = path[i++ % 4];

	snprintf(p, CKPT_PATH_LEN, "%s/%s", dir && *dir ? dir : "/usr/bin",
		 name);
	return access(p, X_OK) ? NULL : p;
}

pid_t ckpt_spawn(char *const argv[], const char *out)
{
	pid_t pid = ckpt_fork();

	if (pid)
		return pid;
	if (ckpt_isolate(out))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

/* Process trees */

int ckpt_put(const char *dir, const char *name, const char *fmt, ...)
{
	char path[CKPT_PATH_LEN + 64], tmp[CKPT_PATH_LEN + 96], buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp%d", dir, name, (int)syscall(SYS_gettid));
	if (ckpt_write_file(tmp, buf, n))
		return -1;
	return rename(tmp, path);
}

int ckpt_await_file(const char *path, int poll_ms, int timeout_ms)
{
	double end = ckpt_now() + timeout_ms / 1000.0;

	while (access(path, F_OK)) {
		if (timeout_ms >= 0 && ckpt_now() > end)
			return -1;
		ckpt_msleep(poll_ms);
	}
	return 0;
}

int ckpt_count_files(const char *dir, const char *prefix, int n)
{
	char path[CKPT_PATH_LEN + 64];
	int i, found = 0;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, i);
		if (!access(path, F_OK))
			found++;
	}
	return found;
}

int ckpt_await_files(const char *dir, const char *prefix, int n,
		     int timeout_ms, pid_t watch, int *status, int *reaped)
{
	double end = ckpt_now() + timeout_ms / 1000.0;
	int found;
	pid_t r;

	for (;;) {
		found = ckpt_count_files(dir, prefix, n);
		if (found == n || ckpt_now() > end)
			return found;
		if (watch > 0 && reaped && !*reaped &&
		    (r = waitpid(watch, status, WNOHANG)) != 0) {
			*reaped = 1;
			if (r < 0)	/* not our child, or reaped elsewhere */
				*status = 0x7f7f;
			/* a last look: files written just before the exit */
			ckpt_msleep(100);
			return ckpt_count_files(dir, prefix, n);
		}
		ckpt_msleep(20);
	}
}

static int cg_count_lines(const struct ckpt_env *env, const char *file)
{
	char path[CKPT_PATH_LEN + 32], *buf, *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", env->cgroup, file);
	buf = ckpt_slurp(path, NULL);
	if (!buf)
		return -1;
	for (p = buf; *p; p++)
		if (*p == '\n')
			n++;
	free(buf);
	return n;
}

int ckpt_cg_nr_procs(const struct ckpt_env *env)
{
	return cg_count_lines(env, "cgroup.procs");
}

int ckpt_cg_nr_threads(const struct ckpt_env *env)
{
	return cg_count_lines(env, "cgroup.threads");
}

int ckpt_cg_kill(const struct ckpt_env *env, int timeout_ms)
{
	char path[CKPT_PATH_LEN + 32], *buf, *p;
	double end = ckpt_now() + timeout_ms / 1000.0;
	int have_kill;

	if (!env->cgroup[0])
		return -1;
	have_kill = !cg_write(env->cgroup, "cgroup.kill", "1");
	snprintf(path, sizeof(path), "%s/cgroup.events", env->cgroup);
	for (;;) {
		buf = ckpt_slurp(path, NULL);
		if (buf && strstr(buf, "populated 0\n")) {
			free(buf);
			return 0;
		}
		free(buf);
		if (ckpt_now() > end)
			return -1;
		if (!have_kill) {
			snprintf(path, sizeof(path), "%s/cgroup.procs", env->cgroup);
			buf = ckpt_slurp(path, NULL);
			for (p = buf; p && *p; ) {
				pid_t pid = strtol(p, &p, 10);

				if (pid > 0)
					kill(pid, SIGKILL);
				while (*p == '\n')
					p++;
			}
			free(buf);
			snprintf(path, sizeof(path), "%s/cgroup.events", env->cgroup);
		}
		ckpt_msleep(10);
	}
}

long ckpt_checkpoint_file(pid_t pid, const char *img, const char *log,
			  unsigned long flags, double *secs)
{
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	double t0;
	long ret;
	int err;

	if (fd < 0 || logfd < 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		if (logfd >= 0)
			close(logfd);
		errno = err;
		return -1;
	}
	t0 = ckpt_now();
	ret = checkpoint(pid, fd, flags, logfd);
	err = errno;
	if (secs)
		*secs = ckpt_now() - t0;
	close(fd);
	close(logfd);
	if (ret <= 0) {
		fprintf(stderr, "# checkpoint(%d, %#lx): %ld: %s\n", pid, flags,
			ret, strerror(err));
		ckpt_dump("log", log, 2048);
	}
	errno = err;
	return ret;
}

pid_t ckpt_restart_tool(const char *img, const char *log, const char *out,
			const char *const extra[])
{
	const char *tool = ckpt_tool("restart");
	char *argv[32];
	int n = 0, i;

	if (!tool) {
		errno = ENOENT;
		return -1;
	}
	argv[n++] = (char *)tool;
	argv[n++] = "-i";
	argv[n++] = (char *)img;
	if (log) {
		argv[n++] = "-l";
		argv[n++] = (char *)log;
	}
	for (i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	return ckpt_spawn(argv, out);
}

/* Read the comm of @pid into @buf (no newline); 0 on success */
static int proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

pid_t ckpt_proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || strlen(p) < 5)
		return -1;
	return atoi(p + 4);
}

/* The pids under /proc, at most @max; returns how many */
static int proc_pids(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) && n < max) {
		pid_t pid = atoi(de->d_name);

		if (pid > 0)
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

int ckpt_kill_comm(const char *comm)
{
	pid_t pids[4096];
	int i, n, killed = 0;
	char buf[32];

	n = proc_pids(pids, 4096);
	for (i = 0; i < n; i++) {
		if (pids[i] == getpid() || proc_comm(pids[i], buf, sizeof(buf)))
			continue;
		if (!strcmp(buf, comm) && !kill(pids[i], SIGKILL))
			killed++;
	}
	return killed;
}

static void kill_below(pid_t pid, const pid_t *pids, const pid_t *ppids,
		       int n, int depth)
{
	int i;

	if (depth > 64)
		return;
	for (i = 0; i < n; i++)
		if (ppids[i] == pid && pids[i] != pid) {
			kill_below(pids[i], pids, ppids, n, depth + 1);
			kill(pids[i], SIGKILL);
		}
}

void ckpt_kill_tree(pid_t pid)
{
	static pid_t pids[4096], ppids[4096];
	int i, n, round;

	if (pid <= 0)
		return;
	/* twice: a task may fork while the first round runs */
	for (round = 0; round < 2; round++) {
		n = proc_pids(pids, 4096);
		for (i = 0; i < n; i++)
			ppids[i] = ckpt_proc_ppid(pids[i]);
		kill_below(pid, pids, ppids, n, 0);
	}
	kill(pid, SIGKILL);
}

int ckpt_wait_or_kill_tree(pid_t pid, int *status, int timeout_ms)
{
	if (ckpt_wait(pid, status, 0, timeout_ms) == pid)
		return 0;
	fprintf(stderr, "# pid %d did not exit within %d ms, killing it and its descendants\n",
		pid, timeout_ms);
	ckpt_kill_tree(pid);
	ckpt_wait(pid, status, 0, 10000);
	*status = 0x7f7f;
	return -1;
}

int ckpt_image_tree(const char *img, struct ckpt_task_pids *pids, int max,
		    char *err, size_t errlen)
{
	struct ckpt_hdr h;
	char *buf = NULL;
	int fd, i, ret = -1;

	fd = open(img, O_RDONLY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", img, strerror(errno));
		return -1;
	}
	for (i = 0; i < 64; i++) {
		if (read(fd, &h, sizeof(h)) != sizeof(h) || h.len < sizeof(h) ||
		    h.len > (64 << 20)) {
			snprintf(err, errlen, "record %d: short read or bad length", i);
			break;
		}
		free(buf);
		buf = malloc(h.len);
		if (!buf) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		memcpy(buf, &h, sizeof(h));
		if (read(fd, buf + sizeof(h), h.len - sizeof(h)) !=
		    (ssize_t)(h.len - sizeof(h))) {
			snprintf(err, errlen, "record %d (type %u): short read", i,
				 h.type);
			break;
		}
		if (h.type == CKPT_HDR_TREE) {
			const struct ckpt_hdr_tree *t = (const void *)buf;
			uint32_t nr = t->nr_tasks;

			if (sizeof(*t) + (size_t)nr * sizeof(t->pids[0]) > h.len) {
				snprintf(err, errlen, "tree of %u tasks in a record of %u bytes",
					 nr, h.len);
				break;
			}
			memcpy(pids, t->pids, (nr < (uint32_t)max ? nr : (uint32_t)max) *
			       sizeof(t->pids[0]));
			ret = nr;
			break;
		}
		if (h.type == CKPT_HDR_TAIL) {
			snprintf(err, errlen, "no tree record");
			break;
		}
	}
	if (i == 64)
		snprintf(err, errlen, "no tree record in the first 64 records");
	free(buf);
	close(fd);
	return ret;
}

long ckpt_meminfo(const char *key)
{
	char *buf = ckpt_slurp("/proc/meminfo", NULL), *p;
	size_t klen = strlen(key);
	long val = -1;

	for (p = buf; p && *p; ) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			val = strtol(p + klen + 1, NULL, 10);
			break;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	free(buf);
	return val;
}

void ckpt_vfail(char *why, size_t len, const char *who, const char *fmt, va_list ap)
{
	if (why[0])
		return;
	vsnprintf(why, len, fmt, ap);
	ckpt_report("%s: %s", who, why);
}

void ckpt_read_nspid(char *buf, size_t len)
{
	char *st = ckpt_slurp("/proc/self/status", NULL), *p, *e;
	size_t i;

	snprintf(buf, len, "?");
	p = st ? strstr(st, "NSpid:") : NULL;
	if (p) {
		p += 6;
		p += strspn(p, " \t");
		e = strchr(p, '\n');
		if (e)
			*e = 0;
		snprintf(buf, len, "%s", p);
		for (i = 0; buf[i]; i++)
			if (buf[i] == '\t')
				buf[i] = ' ';
	}
	free(st);
}

int ckpt_nspid_fields(const char *s, pid_t *f, int max)
{
	int n = 0, used;

	while (n < max && sscanf(s, "%d%n", &f[n], &used) == 1) {
		s += used;
		n++;
	}
	return n;
}

int ckpt_wait_task(struct ckpt_env *env, pid_t pid, int timeout_ms, int want,
		   const char *what, const char *out, const char *log)
{
	int status, ret;

	ckpt_track(env, pid);
	ckpt_wait_or_kill(pid, &status, timeout_ms);
	ckpt_untrack(env, pid);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1000;
	if (ret != want && what) {
		ckpt_dump(what, out, 4096);
		ckpt_dump("log", log, 4096);
		fprintf(stderr, "# %s %s\n", what, ckpt_status_str(status));
	}
	return ret;
}

int ckpt_image_count(const char *img, uint32_t type)
{
	static struct ckpt_rec recs[8192];
	char err[256];
	size_t len;
	char *buf = ckpt_slurp(img, &len);
	int n, i, count = 0;

	if (!buf)
		return -1;
	n = ckpt_image_walk(buf, len, recs, 8192, err, sizeof(err));
	for (i = 0; i < n && i < 8192; i++)
		count += recs[i].type == type;
	free(buf);
	return n < 0 ? -1 : count;
}

int ckpt_ckptinfo_shows(const char *img, const char *what)
{
	const char *tool = ckpt_tool("ckptinfo");
	char out[CKPT_PATH_LEN + 16], *argv[] = { (char *)tool, (char *)img, NULL };
	int status, ret = 0;
	char *text;
	pid_t pid;

	if (!tool)
		return 0;
	snprintf(out, sizeof(out), "%s.ckptinfo", img);
	unlink(out);
	pid = ckpt_spawn(argv, out);
	if (pid <= 0) {
		fprintf(stderr, "# ckptinfo: cannot run it\n");
		return -1;
	}
	ckpt_wait_or_kill(pid, &status, 60000);
	text = ckpt_slurp(out, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# ckptinfo %s: %s\n", img, ckpt_status_str(status));
		ckpt_dump("ckptinfo", out, 8192);
		ret = -1;
	}
	if (!text || !strstr(text, what)) {
		fprintf(stderr, "# ckptinfo does not show %s\n", what);
		ret = -1;
	}
	free(text);
	return ret;
}

static void round_worker(const struct ckpt_round *r)
{
	int fd, logfd, ret;
	long id;

	if (ckpt_isolate(r->out))
		_exit(CKPT_EXIT_SETUP);
	fd = open(r->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	logfd = open(r->log, O_WRONLY | O_CREAT | (r->log_trunc ? O_TRUNC : O_APPEND), 0644);
	if (fd < 0 || logfd < 0)
		_exit(CKPT_EXIT_SETUP);
	ret = r->setup(r->arg);
	if (ret)
		_exit(ret);
	id = ckpt_self(fd, logfd);
	if (id == 0)
		_exit(r->verify(r->arg));
	if (id < 0)
		ckpt_report("checkpoint: %s", strerror(errno));
	_exit(id > 0 ? CKPT_EXIT_CHECKPOINTED : CKPT_EXIT_CKPT_FAILED);
}

void ckpt_round_init(struct ckpt_round *r, const struct ckpt_env *env,
		     int (*setup)(void *arg), int (*verify)(void *arg), void *arg)
{
	memset(r, 0, sizeof(*r));
	r->setup = setup;
	r->verify = verify;
	r->arg = arg;
	r->img = ckpt_path(env, "img");
	r->log = ckpt_path(env, "log");
	r->out = ckpt_path(env, "out");
	r->worker_ms = 30000;
	r->restart_ms = 60000;
}

int ckpt_round_worker(struct ckpt_env *env, const struct ckpt_round *r)
{
	pid_t pid = ckpt_fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		round_worker(r);
	return ckpt_wait_task(env, pid, r->worker_ms, 0, NULL, NULL, NULL);
}

int ckpt_round_restart(struct ckpt_env *env, const struct ckpt_round *r)
{
	pid_t pid = ckpt_start_restarter(r->img, -1, r->log, 0);

	if (pid < 0)
		return -1;
	return ckpt_wait_task(env, pid, r->restart_ms, 0, NULL, NULL, NULL);
}

int ckpt_round_trip(struct ckpt_env *env, const struct ckpt_round *r)
{
	pid_t pid = ckpt_fork();
	int ret;

	if (pid < 0)
		return -1;
	if (pid == 0)
		round_worker(r);
	ret = ckpt_wait_task(env, pid, r->worker_ms, CKPT_EXIT_CHECKPOINTED, "worker",
			     r->out, r->log);
	if (ret != CKPT_EXIT_CHECKPOINTED)
		return -1;
	ckpt_msleep(r->downtime_ms);
	pid = ckpt_start_restarter(r->img, -1, r->log, 0);
	if (pid < 0)
		return -1;
	ret = ckpt_wait_task(env, pid, r->restart_ms, 0, "restored task", r->out, r->log);
	return ret == 1000 ? -1 : ret;
}
