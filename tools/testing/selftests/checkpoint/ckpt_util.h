/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the checkpoint/restart selftests.
 *
 * The tests follow one pattern: a "worker" child puts itself into a
 * known state, closes every file descriptor it did not open itself and
 * checkpoints itself with checkpoint(0, ...).  When checkpoint()
 * returns a positive id the worker exits with CKPT_EXIT_CHECKPOINTED.
 * The test then forks a "restarter" that calls
 * restart(0, fd, RESTART_TASKSELF, logfd): the restarter process
 * becomes the worker as it was, and sees checkpoint() return 0.  That
 * restored task checks its own state and exits with 0, or with a
 * distinct non-zero code per failed check after printing the details
 * to its stderr (the worker's output file).
 *
 * Code that runs in a worker or in a restored task never uses the
 * harness' ASSERT/EXPECT macros (they would unwind into the harness in
 * the wrong process) and never calls raise() or abort(): glibc takes
 * the thread id from its TCB, which a restored task inherits from the
 * worker while its pid is the restarter's.
 */
#ifndef _CKPT_UTIL_H
#define _CKPT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checkpoint.h"

/* Exit codes of workers and restarters; restored tasks use 0..99. */
#define CKPT_EXIT_CHECKPOINTED	42	/* worker: checkpoint() returned > 0 */
#define CKPT_EXIT_CKPT_FAILED	43	/* worker: checkpoint() returned -1 */
#define CKPT_EXIT_SETUP		44	/* worker: its own set-up failed */
#define CKPT_EXIT_SKIP		45	/* worker: a needed feature is missing */
#define CKPT_EXIT_CKPT_ZERO	46	/* worker: checkpoint() returned 0 before
					 * restart (impossible) */
#define CKPT_EXIT_RESTART_OPEN	119	/* restarter: could not open its input */
#define CKPT_EXIT_RESTART_ERRNO	120	/* restarter: restart() returned -1,
					 * exit code is 120 + errno */

#define CKPT_PATH_LEN		256
#define CKPT_MAX_PIDS		16

/*
 * Per-test scratch directory and the processes to kill on teardown.
 * Tests keep it in a fixture torn down with FIXTURE_TEARDOWN_PARENT:
 * the 6.12 harness skips a plain FIXTURE_TEARDOWN after a failed
 * ASSERT in a TEST_F when built with -O2 (its "child" variable is not
 * volatile across the longjmp()).  The teardown then runs in the parent
 * of the test process, for which the tracked processes are not
 * children: they are recognized by their start time.
 */
struct ckpt_env {
	char dir[CKPT_PATH_LEN / 2];
	char cgroup[CKPT_PATH_LEN];	/* created cgroup to remove, or "" */
	pid_t pids[CKPT_MAX_PIDS];
	unsigned long long start[CKPT_MAX_PIDS];
	int nr_pids;
};

int ckpt_env_init(struct ckpt_env *env, const char *name);
void ckpt_env_fini(struct ckpt_env *env);
/* A malloc()ed path "<env->dir>/<name>" */
char *ckpt_path(const struct ckpt_env *env, const char *name);
/* Kill @pid on teardown unless it was untracked (after being reaped) */
void ckpt_track(struct ckpt_env *env, pid_t pid);
void ckpt_untrack(struct ckpt_env *env, pid_t pid);
/* Field 22 of /proc/PID/stat, 0 if there is no such process */
unsigned long long ckpt_start_time(pid_t pid);

/* Time */
double ckpt_now(void);			/* CLOCK_MONOTONIC, seconds */
void ckpt_msleep(int ms);

/*
 * Worker side.  ckpt_isolate() makes fd 0 /dev/null and fds 1 and 2 the
 * regular file @out (append mode), then closes every fd >= 3 so that
 * nothing inherited from the harness or the test runner (pipes,
 * sockets) ends up in the checkpointed fd table.
 */
int ckpt_isolate(const char *out);
void ckpt_close_from(int fd);
/* printf to fd 2 with a "[pid N] " prefix; safe in restored tasks */
void ckpt_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Self-checkpoint: checkpoint(0, fd, 0, logfd) */
long ckpt_self(int fd, int logfd);

/* Test side */
/* fork() after flushing stdio; the child gets a fresh process state */
pid_t ckpt_fork(void);
/*
 * Fork a restarter: it opens @img (or uses @img_fd if @img is NULL),
 * opens @log for appending (or uses no log if @log is NULL) and calls
 * restart(0, fd, RESTART_TASKSELF | @flags, logfd).
 */
pid_t ckpt_start_restarter(const char *img, int img_fd, const char *log,
			   unsigned long flags);
/* Set when restart failures are expected: restarters then say nothing */
extern int ckpt_restarter_quiet;
/*
 * waitpid() with a timeout: returns the pid, 0 on timeout, -1 on error.
 * @options may contain WUNTRACED / WCONTINUED.
 */
pid_t ckpt_wait(pid_t pid, int *status, int options, int timeout_ms);
/* Wait, killing the process with SIGKILL on timeout (status then 0) */
int ckpt_wait_or_kill(pid_t pid, int *status, int timeout_ms);
const char *ckpt_status_str(int status);
/* The process state letter in /proc/PID/stat, or 0 */
char ckpt_proc_state(pid_t pid);

/* Files */
char *ckpt_slurp(const char *path, size_t *len);	/* NUL-terminated */
int ckpt_write_file(const char *path, const void *buf, size_t len);
long ckpt_file_size(const char *path);
int ckpt_count_lines(const char *path);
/* Print the file to stderr as TAP comments, at most @max bytes */
void ckpt_dump(const char *what, const char *path, size_t max);
/* 1 if the file exists */
int ckpt_exists(const char *path);
int ckpt_rmtree(const char *path);

/* Patterns: word at address (or offset) a holds ckpt_hash(a, seed) */
static inline uint64_t ckpt_hash(uint64_t a, uint64_t seed)
{
	uint64_t x = (a ^ seed) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return x | 1;	/* never zero: untouched memory never matches */
}

void ckpt_fill(void *p, size_t len, uint64_t seed);
/* -1 if every word matches, else the byte offset of the first mismatch */
long ckpt_check(const void *p, size_t len, uint64_t seed);
/* The same, with words keyed by @base + offset instead of the address */
void ckpt_fill_off(void *p, size_t len, uint64_t base, uint64_t seed);
long ckpt_check_off(const void *p, size_t len, uint64_t base, uint64_t seed);
/* -1 if all zero, else the offset of the first non-zero byte */
long ckpt_check_zero(const void *p, size_t len);

/*
 * The counting process used by the external checkpoint tests: it counts
 * in memory and appends "N PID ok|BAD" to @count every step_ms, checks
 * its memory each step, and exits when @quit exists, with the number in
 * that file as exit code if every check passed, or 1.
 */
struct ckpt_counter {
	char out[CKPT_PATH_LEN];	/* its stdout and stderr */
	char count[CKPT_PATH_LEN];	/* progress lines */
	char quit[CKPT_PATH_LEN];	/* created by the test to stop it */
	char comm[16];
	int step_ms;
	size_t mem;			/* bytes of memory it checks (256 KiB) */
	int socket_fd;			/* >= 0: keep a socket at this fd */
	pid_t pid;
};

void ckpt_counter_init(struct ckpt_counter *c, const struct ckpt_env *env,
		       const char *tag);
pid_t ckpt_counter_start(struct ckpt_counter *c);
/*
 * Parse the progress file.  Returns the last complete value (0 if none)
 * and fills @err (and returns -1) if the values are not 1, 2, 3, ... or
 * a line says BAD.  @pid_at, if not NULL, gets the pid of line @at.
 */
long ckpt_counter_read(const struct ckpt_counter *c, char *err,
		       size_t errlen, long at, pid_t *pid_at);
/* Wait until the last value is >= @value; returns the last value or -1 */
long ckpt_counter_wait(const struct ckpt_counter *c, long value,
		       int timeout_ms);
int ckpt_counter_quit(const struct ckpt_counter *c, int code);

/* SIGSTOP a child and wait for the stop report; 0 on success */
int ckpt_stop_child(pid_t pid);

/*
 * cgroup v2 freezer.  ckpt_cg_create() returns 0, or -1 when cgroup v2
 * or its freezer is not available (the caller skips).  The root is
 * /sys/fs/cgroup unless $CKPT_CGROUP_ROOT says otherwise.
 */
int ckpt_cg_create(struct ckpt_env *env, const char *name);
int ckpt_cg_add(const struct ckpt_env *env, pid_t pid);
int ckpt_cg_freeze(const struct ckpt_env *env, int freeze, int timeout_ms);
void ckpt_cg_destroy(struct ckpt_env *env);

/*
 * Image structure, following include/uapi/linux/checkpoint_hdr.h: a
 * header record, records of 8-byte aligned length, a tail record that
 * ends the file.  ckpt_image_walk() checks that and records where each
 * record starts; returns the number of records or -1 with @err set.
 */
struct ckpt_rec {
	size_t off;
	uint32_t type;
	uint32_t len;
};

int ckpt_image_walk(const void *img, size_t len, struct ckpt_rec *recs,
		    int max, char *err, size_t errlen);

/* A tool from the checkpoint userspace: NULL if it is not installed */
const char *ckpt_tool(const char *name);
/*
 * Run @argv with stdin /dev/null and stdout/stderr appended to @out;
 * returns the pid (the caller waits).
 */
pid_t ckpt_spawn(char *const argv[], const char *out);

/*
 * Process trees.  The tree tests fork a tree of tasks that put
 * themselves into a known state, record it in files, and wait for a
 * "go" file (sleeping in nanosleep() steps).  The test freezes the tree
 * with the cgroup v2 freezer, checkpoints it externally, kills it,
 * restarts it with the restart tool (mktree), creates the go file and
 * reads the result files that the restored tasks write: restored tasks
 * cannot use the fds of the test (they are restored as new objects).
 */

/*
 * Worker side: write the file <dir>/<name> atomically (a temporary
 * file renamed into place), printf-style.  0 on success.
 */
int ckpt_put(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Sleep in @poll_ms steps until @path exists: 0, or -1 once
 * @timeout_ms have passed (never when @timeout_ms < 0).
 */
int ckpt_await_file(const char *path, int poll_ms, int timeout_ms);

/* Test side: how many of <dir>/<prefix><i>, 0 <= i < n, exist */
int ckpt_count_files(const char *dir, const char *prefix, int n);
/*
 * Wait until all @n of them exist, or @timeout_ms passed, or the child
 * @watch (if > 0) exited: its wait status then goes to *@status and
 * *@reaped is set.  Returns how many exist.
 */
int ckpt_await_files(const char *dir, const char *prefix, int n,
		     int timeout_ms, pid_t watch, int *status, int *reaped);

/*
 * cgroup v2: kill every task of the cgroup (cgroup.kill, else SIGKILL
 * to every member until none is left) and wait until it is empty.
 */
int ckpt_cg_kill(const struct ckpt_env *env, int timeout_ms);
/* Number of processes (cgroup.procs lines) and threads (cgroup.threads) */
int ckpt_cg_nr_procs(const struct ckpt_env *env);
int ckpt_cg_nr_threads(const struct ckpt_env *env);

/*
 * checkpoint(@pid, fd, @flags, logfd) into the file @img, the log line
 * into @log; *@secs (if not NULL) gets the time the call took.
 * Returns what checkpoint() returned, errno set; the log is shown on
 * failure.
 */
long ckpt_checkpoint_file(pid_t pid, const char *img, const char *log,
			  unsigned long flags, double *secs);

/*
 * Spawn the restart tool: restart -i @img -l @log @extra... with its
 * output appended to @out.  @extra is NULL-terminated (or NULL).
 * Returns the pid, or -1 (errno ENOENT when the tool is not installed).
 */
pid_t ckpt_restart_tool(const char *img, const char *log, const char *out,
			const char *const extra[]);

/* SIGKILL every process whose comm is @comm (not the caller); how many */
int ckpt_kill_comm(const char *comm);
/* SIGKILL every descendant of @pid (deepest first), then @pid itself */
void ckpt_kill_tree(pid_t pid);
/*
 * ckpt_wait_or_kill() for a child that has children of its own (the
 * restart tool): on timeout its descendants are killed with it, before
 * they are orphaned.
 */
int ckpt_wait_or_kill_tree(pid_t pid, int *status, int timeout_ms);
/* The parent pid of @pid from /proc/PID/stat, or -1 */
pid_t ckpt_proc_ppid(pid_t pid);

/*
 * The tree record of the image file @img: up to @max entries to
 * @pids (struct ckpt_task_pids).  Returns nr_tasks, or -1 with @err.
 */
struct ckpt_task_pids;
int ckpt_image_tree(const char *img, struct ckpt_task_pids *pids, int max,
		    char *err, size_t errlen);

/* Lines "key: value" of /proc/meminfo: the value in kB, or -1 */
long ckpt_meminfo(const char *key);

/*
 * Workers and restored tasks: keep the first failure.  If @why is
 * still empty, format the message into it (@len bytes) and report it
 * with ckpt_report() as "<who>: <message>"; later failures are
 * dropped, so that the first is the one the result file shows.
 */
void ckpt_vfail(char *why, size_t len, const char *who, const char *fmt, va_list ap);

/*
 * The NSpid line of /proc/self/status into @buf, fields separated by
 * single spaces ("?" if there is none); and the pids of such a line
 * into @f (at most @max): returns how many.
 */
void ckpt_read_nspid(char *buf, size_t len);
int ckpt_nspid_fields(const char *s, pid_t *f, int max);

/*
 * Wait up to @timeout_ms for the worker or restored task @pid, tracked
 * in @env meanwhile (killed after): returns its exit code, or 1000 if
 * it did not exit.  If that is not @want (and @what is not NULL), its
 * wait status is shown, with its output @out (as @what) and @log.
 */
int ckpt_wait_task(struct ckpt_env *env, pid_t pid, int timeout_ms, int want,
		   const char *what, const char *out, const char *log);

/* How many records of @type the image file @img holds, or -1 */
int ckpt_image_count(const char *img, uint32_t type);
/*
 * Run the ckptinfo tool on the image file @img, its output in
 * "<img>.ckptinfo": 0 if it exited with 0 and its output shows @what
 * (or if the tool is not installed), else -1 after showing why and up
 * to 8 KiB of the output.
 */
int ckpt_ckptinfo_shows(const char *img, const char *what);

/*
 * A self-checkpoint round trip.  The worker makes its fds 0-2 those of
 * ckpt_isolate(@out), opens @img (truncated) and @log (appended, or
 * truncated with @log_trunc), runs @setup(@arg) (a non-zero result is
 * its exit code) and checkpoints itself: it exits with
 * CKPT_EXIT_CHECKPOINTED, or CKPT_EXIT_CKPT_FAILED (reporting errno).
 * The restored task exits with @verify(@arg).
 */
struct ckpt_round {
	char *img, *log, *out;
	int (*setup)(void *arg);
	int (*verify)(void *arg);
	void *arg;
	int log_trunc;
	int worker_ms;		/* how long the worker may take */
	int restart_ms;		/* how long the restored task may take */
	int downtime_ms;	/* sleep between checkpoint and restart */
};

/*
 * @setup, @verify and @arg; paths <env dir>/img, log and out
 * (malloc()ed), the log appended, the worker given 30 s and the
 * restored task 60 s, no downtime
 */
void ckpt_round_init(struct ckpt_round *r, const struct ckpt_env *env,
		     int (*setup)(void *arg), int (*verify)(void *arg), void *arg);
/*
 * Fork the worker and wait r->worker_ms for it (killing it after):
 * returns its exit code, 1000 if it did not exit, -1 if there is none.
 */
int ckpt_round_worker(struct ckpt_env *env, const struct ckpt_round *r);
/*
 * Restart r->img (ckpt_start_restarter(), log r->log) and wait
 * r->restart_ms: the restored task's exit code, 1000 or -1 the same.
 */
int ckpt_round_restart(struct ckpt_env *env, const struct ckpt_round *r);
/*
 * Both, showing the worker's output and the log when a step fails:
 * -1 if the worker did not exit with CKPT_EXIT_CHECKPOINTED, else
 * (after r->downtime_ms) the restored task's exit code, -1 if it did
 * not exit.
 */
int ckpt_round_trip(struct ckpt_env *env, const struct ckpt_round *r);

#endif /* _CKPT_UTIL_H */
