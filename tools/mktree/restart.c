// SPDX-License-Identifier: GPL-2.0
/*
 * restart (also installed as mktree) - restart tasks from an image
 *
 *   restart [OPTIONS] < IMAGE
 *
 * The image is read from stdin unless -i FILE or --input-fd FD.  The
 * tool peeks at the image's header and CKPT_HDR_TREE record to learn
 * the task list, then hands the kernel a stream that still starts at
 * the beginning (the same fd rewound, or a pipe fed by a child that
 * replays the bytes already read and copies the rest).
 *
 * A single-task image is restarted in a forked child that calls
 * restart(0, fd, RESTART_TASKSELF, logfd): the child becomes the
 * restored task.  The child keeps the write end of a report pipe: if
 * restart() returns, it writes the errno there; once restart() has
 * replaced the child's fd table with the image's, the write end is
 * gone.  logfd is a pipe too, whose last writer is the kernel until
 * restart(2) ends: EOF on it says restart(2) is over, and a line in it
 * that it failed.  The parent then waits for the restored task like a
 * shell waits for a job.
 *
 * Process trees (pids restored with clone3() set_tid in a new pid
 * namespace, nested pid namespaces, sessions, process groups, ghost
 * tasks): see restart_tree().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "checkpoint.h"
#include "common.h"
#include "image.h"
#include "tree.h"
#include "treebuild.h"

enum { PIDNS_DEFAULT, PIDNS_NEW, PIDNS_NONE };

struct args {
	const char *input;	/* -i FILE */
	int input_fd;		/* --input-fd FD, or -1 */
	const char *logfile;	/* -l FILE */
	bool self;
	bool pids;
	int pidns;		/* PIDNS_* */
	bool wait;		/* -w (default) / -W */
	bool wait_given;
	bool show_status;
	bool copy_status;
	const char *freezer;	/* -F CGROUP */
	const char *root;	/* -r DIR */
	int verbose;
	bool debug;
};

/* What a child reports back when its restart() returned */
enum {
	STAGE_FREEZER = 1,	/* writing to CGROUP/cgroup.procs */
	STAGE_ROOT,		/* chroot(DIR) */
	STAGE_RESTART,		/* restart(2) itself */
	STAGE_UNSHARE,		/* unshare(2) of the task's own namespaces */
};

struct report {
	int stage;
	int err;
};

static struct args args;

#define verbose(...)	do { if (args.verbose) err_msg(__VA_ARGS__); } while (0)

static void usage(FILE *f)
{
	fprintf(f,
"Usage: restart [OPTIONS]     (also installed as mktree)\n"
"Restart the tasks saved in a checkpoint image.\n"
"\n"
"Input and log:\n"
"  -i, --input=FILE      read the image from FILE; default: stdin\n"
"      --input-fd=FD     read the image from the open file descriptor FD\n"
"  -l, --logfile=FILE    append the kernel's error log to FILE; default: the\n"
"                        kernel's log line is printed on stderr on failure\n"
"                        (with --self the kernel writes it to stderr itself)\n"
"\n"
"How to restart:\n"
"      --self            restart in this process: the tool becomes the\n"
"                        restored task (single-task images only)\n"
"  -p, --pidns           restart in a new pid namespace with the original\n"
"                        pids (the default for images of several tasks)\n"
"  -P, --no-pidns        restart in the current pid namespace; restored tasks\n"
"                        get fresh pids (the default for a single task)\n"
"      --pids            restore the original pids: the same as -p\n"
"  -F, --freezer=CGROUP  put the restored task into the cgroup directory CGROUP\n"
"                        (writes its pid to CGROUP/cgroup.procs); a tree's\n"
"                        tasks all go there and the cgroup is frozen before\n"
"                        they return to user space\n"
"  -r, --root=DIR        chroot into DIR first: the image's paths are opened\n"
"                        relative to DIR\n"
"\n"
"Waiting (not with --self):\n"
"  -w, --wait            wait until the restored task exits (the default).  A\n"
"                        task restored in group stop stays stopped: send it\n"
"                        SIGCONT; restart keeps waiting until it exits\n"
"  -W, --no-wait         return once the task is restored\n"
"                        While restart waits, it passes SIGHUP, SIGINT, SIGQUIT,\n"
"                        SIGTERM, SIGUSR1, SIGUSR2 and SIGCONT sent to it (by\n"
"                        kill, not by the terminal) on to the restored task\n"
"      --show-status     print how the restored task exited (or that it is\n"
"                        stopped)\n"
"      --copy-status     exit with the restored task's exit status (128 + the\n"
"                        signal number if a signal killed it)\n"
"\n"
"  -v, --verbose         report progress and the tree plan on stderr\n"
"  -d, --debug           print the image's header and task tree on stderr\n"
"  -h, --help            show this help\n"
"\n"
"Exit status: 0 on success\n"
"(or the restored task's with --copy-status), 1 if the restart failed, 2 on\n"
"bad usage or an option that is not supported yet.\n");
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_INPUT_FD = 256, OPT_SELF, OPT_PIDS, OPT_SHOW, OPT_COPY };
	static const struct option opts[] = {
		{ "input",	 required_argument, NULL, 'i' },
		{ "input-fd",	 required_argument, NULL, OPT_INPUT_FD },
		{ "logfile",	 required_argument, NULL, 'l' },
		{ "self",	 no_argument,	    NULL, OPT_SELF },
		{ "pids",	 no_argument,	    NULL, OPT_PIDS },
		{ "pidns",	 no_argument,	    NULL, 'p' },
		{ "no-pidns",	 no_argument,	    NULL, 'P' },
		{ "wait",	 no_argument,	    NULL, 'w' },
		{ "no-wait",	 no_argument,	    NULL, 'W' },
		{ "show-status", no_argument,	    NULL, OPT_SHOW },
		{ "copy-status", no_argument,	    NULL, OPT_COPY },
		{ "freezer",	 required_argument, NULL, 'F' },
		{ "root",	 required_argument, NULL, 'r' },
		{ "verbose",	 no_argument,	    NULL, 'v' },
		{ "debug",	 no_argument,	    NULL, 'd' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	args.input_fd = -1;
	args.wait = true;

	while ((c = getopt_long(argc, argv, "i:l:pPwWF:r:vdh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			args.input = optarg;
			break;
		case OPT_INPUT_FD:
			if (!parse_fd(optarg, &args.input_fd))
				die(EXIT_USAGE, "invalid file descriptor '%s' for --input-fd",
				    optarg);
			break;
		case 'l':
			args.logfile = optarg;
			break;
		case OPT_SELF:
			args.self = true;
			break;
		case OPT_PIDS:
			args.pids = true;
			break;
		case 'p':
			args.pidns = PIDNS_NEW;
			break;
		case 'P':
			args.pidns = PIDNS_NONE;
			break;
		case 'w':
			args.wait = true;
			args.wait_given = true;
			break;
		case 'W':
			args.wait = false;
			args.wait_given = true;
			break;
		case OPT_SHOW:
			args.show_status = true;
			break;
		case OPT_COPY:
			args.copy_status = true;
			break;
		case 'F':
			args.freezer = optarg;
			break;
		case 'r':
			args.root = optarg;
			break;
		case 'v':
			args.verbose++;
			break;
		case 'd':
			args.debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'restart --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (the image is read from stdin or -i FILE)",
		    argv[optind]);

	if (args.input && args.input_fd >= 0)
		die(EXIT_USAGE, "--input and --input-fd are mutually exclusive");
	if (args.input && !*args.input)
		die(EXIT_USAGE, "empty file name for --input");
	if (args.logfile && !*args.logfile)
		die(EXIT_USAGE, "empty file name for --logfile");
	if (args.freezer && !*args.freezer)
		die(EXIT_USAGE, "empty cgroup path for --freezer");
	if (args.root && !*args.root)
		die(EXIT_USAGE, "empty directory for --root");
	if (args.self && (args.wait_given || args.show_status || args.copy_status))
		die(EXIT_USAGE, "--self replaces this process: --wait, --no-wait, --show-status and --copy-status do not apply");
	if (!args.wait && args.copy_status)
		die(EXIT_USAGE, "--copy-status needs --wait");

	if (args.pids && args.pidns == PIDNS_NONE)
		die(EXIT_USAGE, "--pids with --no-pidns: the original pids are restored in a new pid namespace only");
	if (args.pids)
		args.pidns = PIDNS_NEW;
}

static int open_input(void)
{
	int fd, fl;

	if (args.input) {
		fd = open(args.input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(EXIT_FAIL, "cannot open %s: %s", args.input,
			    strerror(errno));
	} else {
		fd = args.input_fd >= 0 ? args.input_fd : STDIN_FILENO;
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			die(EXIT_FAIL, "input fd %d: %s", fd, strerror(errno));
		if ((fl & O_ACCMODE) == O_WRONLY)
			die(EXIT_FAIL, "input fd %d is not open for reading", fd);
	}
	if (isatty(fd))
		die(EXIT_FAIL, "refusing to read an image from a terminal (use -i FILE or redirect stdin)");
	return fd;
}

static const char *input_name(void)
{
	static char buf[32];

	if (args.input)
		return args.input;
	if (args.input_fd >= 0) {
		snprintf(buf, sizeof(buf), "input fd %d", args.input_fd);
		return buf;
	}
	return "stdin";
}

/* The start offset of a seekable input, or -1 */
static off_t seekable(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return -1;
	return lseek(fd, 0, SEEK_CUR);
}

/*
 * Read the image up to its task list and check what restart itself
 * relies on; the kernel checks everything else.
 */
static void read_image_info(int fd, struct ckpt_image_info *info)
{
	char err[256];
	struct utsname uts;
	long page_size = sysconf(_SC_PAGESIZE);

	if (ckpt_read_tree(fd, info, err, sizeof(err))) {
		ckpt_free_info(info);
		die(EXIT_FAIL, "%s: %s", input_name(), err);
	}

	if (args.debug) {
		ckpt_print_header(stderr, &info->hdr, &info->arch);
		ckpt_print_tree(stderr, info);
	}
	if (info->hdr.page_size != page_size) {
		ckpt_free_info(info);
		die(EXIT_FAIL, "%s: the image's page size %u is not this machine's (%ld)",
		    input_name(), info->hdr.page_size, page_size);
	}
	if (args.verbose && !uname(&uts) &&
	    strncmp(uts.release, info->hdr.release, sizeof(info->hdr.release))) {
		char rel[4 * CKPT_UTS_LEN + 1];

		ckpt_str(rel, info->hdr.release, sizeof(info->hdr.release));
		err_msg("note: the image comes from kernel %s, this is %s",
			rel, uts.release);
	}
	verbose("%s: checkpoint id %" PRIu64 ", %u task%s",
		input_name(), (uint64_t)info->hdr.ckpt_id, info->nr_tasks,
		info->nr_tasks == 1 ? "" : "s");
}

static int restart_tree(int in, struct ckpt_image_info *info);

/* Prepare the calling process, which is about to become the task */
static int prepare_task(struct report *rep, unsigned long unshare_flags)
{
	char path[PATH_MAX], pid[32];
	int fd, len;

	/* the UTS and IPC namespaces of its own that the image says it has */
	if (unshare_flags) {
		rep->stage = STAGE_UNSHARE;
		if (syscall(SYS_unshare, unshare_flags)) {
			rep->err = errno;
			return -1;
		}
	}

	if (args.freezer) {
		rep->stage = STAGE_FREEZER;
		snprintf(path, sizeof(path), "%s/cgroup.procs", args.freezer);
		len = snprintf(pid, sizeof(pid), "%d\n", getpid());
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write_full(fd, pid, len)) {
			rep->err = errno;
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (close(fd)) {
			rep->err = errno;
			return -1;
		}
	}
	if (args.root) {
		rep->stage = STAGE_ROOT;
		if (chroot(args.root) || chdir("/")) {
			rep->err = errno;
			return -1;
		}
	}
	rep->stage = STAGE_RESTART;
	return 0;
}

/*
 * Say why the child did not become the task; returns a hint to print
 * after the kernel's log lines, or NULL.
 */
static const char *report_failure(const struct report *rep)
{
	switch (rep->stage) {
	case STAGE_FREEZER:
		err_msg("cannot put the task into cgroup %s: %s/cgroup.procs: %s",
			args.freezer, args.freezer, strerror(rep->err));
		return NULL;
	case STAGE_ROOT:
		err_msg("cannot chroot to %s: %s", args.root,
			strerror(rep->err));
		return NULL;
	case STAGE_UNSHARE:
		err_msg("cannot make the task's UTS or IPC namespace: unshare: %s",
			strerror(rep->err));
		return NULL;
	default:
		err_msg("restart failed: %s", strerror(rep->err));
		return errno_hint(rep->err, true);
	}
}

static void print_hint(const char *hint)
{
	if (hint)
		err_msg("%s", hint);
}

/* --self: become the restored task */
static int restart_self(int fd, struct klog *log)
{
	struct ckpt_image_info info;
	unsigned long unshare_flags = 0;
	struct report rep = { 0 };
	off_t start = seekable(fd);
	const char *hint;

	if (start >= 0) {
		read_image_info(fd, &info);
		if (info.nr_tasks > 1) {
			err_msg("--self restarts single-task images only; this one holds %u tasks",
				info.nr_tasks);
			ckpt_free_info(&info);
			return EXIT_FAIL;
		}
		if (ckpt_tree_root(&info)->flags & CKPT_PIDS_NEWUTS)
			unshare_flags |= CLONE_NEWUTS;
		if (ckpt_tree_root(&info)->flags & CKPT_PIDS_NEWIPC)
			unshare_flags |= CLONE_NEWIPC;
		ckpt_free_info(&info);
		if (lseek(fd, start, SEEK_SET) != start)
			die(EXIT_FAIL, "%s: cannot rewind: %s", input_name(),
			    strerror(errno));
	} else if (args.verbose || args.debug) {
		err_msg("%s is not seekable: handing it to the kernel unchecked",
			input_name());
	}

	if (prepare_task(&rep, unshare_flags)) {
		report_failure(&rep);
		return EXIT_FAIL;
	}
	verbose("restarting in this process (pid %d)", getpid());
	klog_mark(log);
	restart(0, fd, RESTART_TASKSELF, log->fd);
	rep.err = errno;
	hint = report_failure(&rep);
	klog_print(log, "");
	print_hint(hint);
	return EXIT_FAIL;
}

/*
 * Feed a pipe with the bytes already read, then with the rest of the
 * input.  Runs in a child; returns its exit status.
 */
static int feed(int in, int out, const struct ckpt_image_info *info)
{
	static char buf[1 << 16];
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	if (write_full(out, info->prefix, info->prefix_len))
		goto write_error;
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_msg("%s: read error: %s", input_name(),
				strerror(errno));
			return EXIT_FAIL;
		}
		if (n == 0)
			return 0;
		if (write_full(out, buf, n))
			goto write_error;
	}

write_error:
	/* EPIPE: the kernel is done with the stream (or gave up) */
	if (errno == EPIPE)
		return 0;
	err_msg("feeding the image to the kernel: %s", strerror(errno));
	return EXIT_FAIL;
}

static const char *state_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return NULL;
	switch (p[2]) {
	case 'T':
		return "stopped";
	case 't':
		return "traced";
	default:
		return "running";
	}
}

/*
 * --show-status lines go to stdout, for scripts; without it, -v shows
 * the same on stderr.
 */
static void status_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void status_msg(const char *fmt, ...)
{
	FILE *f = args.show_status ? stdout : stderr;
	va_list ap;

	if (!args.show_status && !args.verbose)
		return;
	fprintf(f, "restart: ");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

/*
 * While restart waits, signals sent to it with kill(2) go on to the
 * restored task, so that "kill $(pidof restart)" or a service manager's
 * SIGTERM reaches it, and SIGCONT resumes a task restored stopped.
 * Signals from the terminal (si_code SI_KERNEL) reach the task directly:
 * it is in restart's process group.
 */
static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT,
};

static volatile pid_t forward_pid;

static void forward_signal(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (forward_pid > 0 && info->si_code != SI_KERNEL)
		kill(forward_pid, sig);
}

static void forward_signals(pid_t pid)
{
	struct sigaction sa = { 0 };
	size_t i;

	forward_pid = pid;
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
}

/*
 * Wait for the restored task like a shell for a job: a stopped task
 * is reported (with --show-status or -v) and waited for until it exits.
 * Returns the wait status.
 */
static int wait_task(pid_t pid)
{
	bool stopped = false;
	const char *state;
	int status;
	pid_t r;

	state = state_of(pid);
	if (state && !strcmp(state, "stopped")) {
		stopped = true;
		status_msg("pid %d is stopped (restored in group stop): waiting until it exits; send it SIGCONT to resume it",
			   pid);
	}
	for (;;) {
		r = waitpid(pid, &status, WUNTRACED | WCONTINUED);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_FAIL, "waiting for pid %d: %s", pid,
			    strerror(errno));
		}
		if (WIFSTOPPED(status)) {
			if (!stopped)
				status_msg("pid %d is stopped by signal %d: waiting until it exits; send it SIGCONT to resume it",
					   pid, WSTOPSIG(status));
			stopped = true;
			continue;
		}
		if (WIFCONTINUED(status)) {
			if (stopped)
				status_msg("pid %d continued", pid);
			stopped = false;
			continue;
		}
		return status;
	}
}

static void reap_feeder(pid_t feeder)
{
	int status;

	if (feeder <= 0)
		return;
	if (waitpid(feeder, &status, WNOHANG) == 0) {
		/* The kernel is done; the input may go on forever */
		kill(feeder, SIGTERM);
		waitpid(feeder, &status, 0);
	}
}

/*
 * The kernel's log, for a restart in a child: a pipe.  The kernel holds
 * its own reference to the log file until restart(2) ends, and writes
 * its line before that; the child's copy goes when the fd table is
 * replaced.  So EOF on the pipe says that restart(2) is over, and what
 * came before it says how: any line is a failure.  With -l, what comes
 * is copied to the user's file as it comes.
 */
struct task_log {
	int rfd, wfd;
	int file;		/* -l FILE, or -1 */
	char *buf;		/* the first KLOG_KEEP bytes */
	size_t len;
	bool eof;
};

#define KLOG_KEEP	65536

static void task_log_read(struct task_log *log)
{
	char tmp[4096];
	ssize_t n;
	size_t keep;

	n = read(log->rfd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		log->eof = true;
		return;
	}
	if (log->file >= 0 && write_full(log->file, tmp, n))
		err_msg("writing to %s: %s", args.logfile, strerror(errno));
	keep = log->len + n > KLOG_KEEP ? KLOG_KEEP - log->len : (size_t)n;
	if (keep) {
		char *b = realloc(log->buf, log->len + keep);

		if (b) {
			memcpy(b + log->len, tmp, keep);
			log->buf = b;
			log->len += keep;
		}
	}
}

static void task_log_print(struct task_log *log)
{
	print_log_text(log->buf, log->len, "");
}

/*
 * Read the report pipe and the log until both are closed: until the
 * child's restart(2) is over.  Returns the bytes of the report read.
 */
static size_t wait_restart(int rfd, struct report *rep, struct task_log *log)
{
	struct pollfd pfd[2];
	bool report_eof = false;
	size_t got = 0;
	ssize_t n;

	while (!report_eof || !log->eof) {
		pfd[0].fd = report_eof ? -1 : rfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = log->eof ? -1 : log->rfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_FAIL, "poll: %s", strerror(errno));
		}
		if (pfd[0].revents) {
			n = read(rfd, (char *)rep + got, sizeof(*rep) - got);
			if (n < 0 && errno != EINTR)
				n = 0;
			if (n == 0 || got + n == sizeof(*rep))
				report_eof = true;
			if (n > 0)
				got += n;
		}
		if (pfd[1].revents)
			task_log_read(log);
	}
	return got;
}

/* A single-task image: a child becomes the restored task */
static int restart_task(int in, struct ckpt_image_info *info)
{
	struct task_log log = { .rfd = -1, .wfd = -1, .file = -1 };
	const struct ckpt_task_pids *root = ckpt_tree_root(info);
	unsigned long unshare_flags = 0;
	struct report rep = { 0 };
	pid_t feeder = -1, pid;
	const char *hint;
	off_t start;
	int rp[2], lp[2], fd, status, i;
	size_t n;

	if (root->flags & CKPT_PIDS_NEWUTS)
		unshare_flags |= CLONE_NEWUTS;
	if (root->flags & CKPT_PIDS_NEWIPC)
		unshare_flags |= CLONE_NEWIPC;

	if (args.logfile) {
		log.file = open(args.logfile, O_WRONLY | O_CREAT | O_APPEND |
				O_CLOEXEC, 0644);
		if (log.file < 0)
			die(EXIT_FAIL, "cannot open log file %s: %s",
			    args.logfile, strerror(errno));
	}

	/* A stream that starts at the image's beginning again */
	start = seekable(in);
	if (start >= 0 && lseek(in, start - info->prefix_len, SEEK_SET) >= 0) {
		fd = in;
	} else {
		int p[2];

		if (pipe2(p, O_CLOEXEC))
			die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
		feeder = fork();
		if (feeder < 0)
			die(EXIT_FAIL, "cannot fork: %s", strerror(errno));
		if (!feeder) {
			close(p[0]);
			_exit(feed(in, p[1], info));
		}
		close(p[1]);
		close(in);
		fd = p[0];
		verbose("feeding the image through a pipe (pid %d)", feeder);
	}
	ckpt_free_info(info);

	/*
	 * Only the child may hold the write ends of these two: the first
	 * goes when restart() replaces its fd table, the second when
	 * restart() is over.
	 */
	if (pipe2(rp, O_CLOEXEC) || pipe2(lp, O_CLOEXEC))
		die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
	log.rfd = lp[0];
	fcntl(log.rfd, F_SETFL, O_NONBLOCK);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die(EXIT_FAIL, "cannot fork: %s", strerror(errno));
	if (!pid) {
		close(rp[0]);
		close(lp[0]);
		if (!prepare_task(&rep, unshare_flags)) {
			restart(0, fd, RESTART_TASKSELF, lp[1]);
			rep.err = errno;
		}
		write_full(rp[1], &rep, sizeof(rep));
		_exit(EXIT_FAIL);
	}
	close(rp[1]);
	close(lp[1]);
	close(fd);

	n = wait_restart(rp[0], &rep, &log);
	close(rp[0]);
	close(log.rfd);
	if (log.file >= 0)
		close(log.file);

	if (n) {
		/* restart() returned: the caller was left as it was */
		if (n != sizeof(rep))
			rep = (struct report){ STAGE_RESTART, EIO };
		waitpid(pid, &status, 0);
		reap_feeder(feeder);
		hint = report_failure(&rep);
		task_log_print(&log);
		print_hint(hint);
		free(log.buf);
		return EXIT_FAIL;
	}

	if (log.len) {
		/*
		 * A line, and restart() did not return: it failed after its
		 * point of no return and the kernel kills the task.
		 */
		for (i = 0; i < 200; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
		if (i < 200 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			reap_feeder(feeder);
			err_msg("restart failed: the kernel killed pid %d", pid);
			task_log_print(&log);
			free(log.buf);
			return EXIT_FAIL;
		}
		/* Alive, or not killed: what the kernel wrote was a warning */
		task_log_print(&log);
		free(log.buf);
		if (i < 200)
			goto exited;
	}
	free(log.buf);
	verbose("restored task is pid %d", pid);

	if (!args.wait) {
		if (args.verbose)
			err_msg("pid %d restored; not waiting for it", pid);
		return 0;
	}
	forward_signals(pid);
	status = wait_task(pid);
exited:
	reap_feeder(feeder);
	if (WIFSIGNALED(status))
		status_msg("pid %d killed by signal %d", pid, WTERMSIG(status));
	else
		status_msg("pid %d exited with status %d", pid,
			   WEXITSTATUS(status));

	if (!args.copy_status)
		return 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------------
 * Process trees (and single tasks with -p): see tree.c, treebuild.c
 * and Documentation/checkpoint/usage.rst.
 */

/* Say how the root ended; returns restart's exit status */
static int root_exited(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		status_msg("pid %d killed by signal %d", pid, WTERMSIG(status));
	else
		status_msg("pid %d exited with status %d", pid,
			   WEXITSTATUS(status));
	if (!args.copy_status)
		return 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * A stream for the kernel that starts at the image's beginning: @in
 * rewound, or a pipe fed by a child (always a pipe with @force, for a
 * rewritten tree record).
 */
static int image_stream(int in, const struct ckpt_image_info *info,
			bool force, pid_t *feeder)
{
	off_t start = seekable(in);
	int p[2];

	*feeder = -1;
	if (!force && start >= 0 &&
	    lseek(in, start - info->prefix_len, SEEK_SET) >= 0)
		return in;
	if (pipe2(p, O_CLOEXEC))
		die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	*feeder = fork();
	if (*feeder < 0)
		die(EXIT_FAIL, "cannot fork: %s", strerror(errno));
	if (!*feeder) {
		close(p[0]);
		_exit(feed(in, p[1], info));
	}
	close(p[1]);
	close(in);
	verbose("feeding the image through a pipe (pid %d)", *feeder);
	return p[0];
}

/*
 * -P: the tree record with the pids the tasks got, and the same pids
 * at level 0 of the pid namespace record and of the ghosts record
 */
static void rewrite_tree(struct ckpt_image_info *info,
			 const struct tree_plan *plan, const struct tree_build *b)
{
	struct ckpt_hdr_tree *t = (void *)(info->prefix + info->tree_off);
	struct ckpt_hdr_pidns *h = (void *)(info->prefix + info->pidns_off);
	struct ckpt_task_pids *p = t->pids;
	int32_t *lpids = (int32_t *)((char *)(h + 1) +
				     info->nr_ns * sizeof(struct ckpt_pidns) +
				     info->nr_tasks * sizeof(struct ckpt_task_ns));
	uint32_t i, off;

#define MAP(x) do {							\
	int n_ = (x) ? tree_find(plan, (x)) : -1;			\
	if (n_ >= 0)							\
		(x) = tree_build_pid(b, n_);				\
} while (0)
	for (i = 0; i < info->nr_tasks; i++) {
		MAP(p[i].pid);
		MAP(p[i].tgid);
		MAP(p[i].ppid);
		MAP(p[i].pgid);
		MAP(p[i].sid);
	}
	/* level 0 only: the nested namespaces keep their pids */
	for (i = 0, off = 0; i < info->nr_tasks && off < info->nr_pids; i++) {
		MAP(lpids[off]);
		off += plan->nodes[i].level + 1;
	}
	if (info->ghosts_off) {
		struct ckpt_hdr_pidns_ghosts *g = (void *)(info->prefix + info->ghosts_off);

		lpids = (int32_t *)((char *)(g + 1) + info->nr_ghosts * sizeof(uint32_t));
		for (i = 0, off = 0; i < (uint32_t)plan->nr_ghosts &&
		     off < info->nr_ghost_pids; i++) {
			MAP(lpids[off]);
			off += plan->ghosts[i].level + 1;
		}
	}
#undef MAP
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write_full(fd, text, strlen(text));
	if (close(fd))
		ret = -1;
	return ret;
}

/* Whether thread @tid is blocked in restart(2) */
static bool in_restart(long tid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return atoi(buf) == 501 && buf[0] != 'r';
}

/* Whether every thread of the cgroup is blocked in restart(2) */
static int cgroup_in_restart(const char *cgroup)
{
	char path[PATH_MAX];
	FILE *f;
	long tid;
	int all = 1, nr = 0;

	snprintf(path, sizeof(path), "%s/cgroup.threads", cgroup);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%ld", &tid) == 1) {
		nr++;
		if (!in_restart(tid))
			all = 0;
	}
	fclose(f);
	return all && nr;
}

/*
 * -F: freeze the cgroup once every task in it is blocked in restart(2):
 * a frozen cgroup holds its tasks as they return to user space, so they
 * stay frozen in their restored state; frozen earlier, they would never
 * get into restart(2).
 */
static int freeze_tree(void)
{
	int i, r;

	for (i = 0; i < TREE_TIMEOUT * 100; i++) {
		r = cgroup_in_restart(args.freezer);
		if (r < 0)
			break;
		if (r > 0) {
			if (write_file(args.freezer, "cgroup.freeze", "1\n"))
				break;
			verbose("froze cgroup %s", args.freezer);
			return 0;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	if (i == TREE_TIMEOUT * 100)
		errno = ETIMEDOUT;
	err_msg("cannot freeze cgroup %s: %s", args.freezer, strerror(errno));
	return -1;
}

static void tree_failed(struct tree_build *b, struct klog *log)
{
	err_msg("cannot build the process tree: %s", b->err);
	klog_print(log, "");
}

static void restart_failed(int err, struct klog *log)
{
	err_msg("restart failed: %s", strerror(err));
	if (!klog_print(log, "") && args.logfile)
		err_msg("(no line in %s)", args.logfile);
	print_hint(errno_hint(err, true));
}

/* Is /proc that of our pid namespace? */
static bool proc_is_ours(void)
{
	char buf[32] = "";

	return readlink("/proc/self", buf, sizeof(buf) - 1) > 0 &&
	       atoi(buf) == getpid();
}

/*
 * Layouts where this process coordinates: a container's init cloned
 * into a new pid namespace (the root pid is the clone's pid here), or
 * fresh pids in this namespace (-P).
 */
static int coordinate(int in, struct ckpt_image_info *info,
		      struct tree_plan *plan, struct klog *log)
{
	struct tree_build b;
	pid_t feeder = -1, root;
	int fd = -1, status, err;
	bool fresh = plan->layout == TREE_FRESH;

	if (!fresh)
		fd = image_stream(in, info, false, &feeder);
	if (fresh && plan->nr_ns && !proc_is_ours())
		die(EXIT_FAIL, "nested pid namespaces with fresh pids: /proc is not mounted for this pid namespace (the tasks find their pids there)");
	if (tree_build_init(&b, plan))
		die(EXIT_FAIL, "%s", b.err);
	b.freezer = args.freezer;
	b.root = args.root;
	b.newpid = plan->layout == TREE_CONTAINER;
	if (tree_build_start(&b) || tree_build_sync(&b))
		goto fail_build;
	root = b.pids[plan->root];
	/* the feeder must not hold the go pipes: fork it after "go" */
	tree_build_go(&b);
	if (fresh) {
		rewrite_tree(info, plan, &b);
		fd = image_stream(in, info, true, &feeder);
	}
	if (args.freezer && freeze_tree())
		goto kill;
	verbose("restarting %u tasks, root pid %d", info->nr_tasks, root);
	klog_mark(log);
	if (restart(root, fd, 0, log->fd) < 0) {
		err = errno;
		tree_build_kill(&b);
		reap_feeder(feeder);
		restart_failed(err, log);
		return EXIT_FAIL;
	}
	close(fd);
	reap_feeder(feeder);
	tree_build_free(&b);
	if (!args.wait) {
		verbose("pid %d restored; not waiting for it", root);
		return 0;
	}
	forward_signals(root);
	status = wait_task(root);
	return root_exited(root, status);

fail_build:
	tree_failed(&b, log);
kill:
	tree_build_kill(&b);
	if (fd >= 0)
		close(fd);
	reap_feeder(feeder);
	return EXIT_FAIL;
}

/*
 * The reaper layout: a new pid namespace whose init builds the tree,
 * restarts it (the image's pids are its namespace's) and stays as the
 * init: it reaps orphans, and when the root exits it reports the wait
 * status and exits, which ends the namespace.  It tells the outer
 * restart how things go through a pipe.
 */
enum { RES_FAIL = 1, RES_FREEZE, RES_OK, RES_STATUS };

struct res_msg {
	int32_t what;		/* RES_* */
	int32_t val;		/* FAIL: errno (0: a build failure); STATUS */
	char text[504];		/* FAIL: the message */
};

static void res_send(int fd, int what, int val, const char *text)
{
	struct res_msg m = { .what = what, .val = val };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	if (write(fd, &m, sizeof(m)) < 0) {
		/* the outer restart is gone (-W): nothing to tell */
	}
}

static volatile pid_t reaper_root;

static void reaper_forward(int sig)
{
	if (reaper_root > 0)
		kill(reaper_root, sig);
}

/* As init: reap everything, report the root's end */
static int reaper_wait(int res, pid_t root)
{
	struct sigaction sa = { .sa_handler = reaper_forward };
	int status;
	size_t i;
	pid_t pid;

	reaper_root = root;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0 || pid == root)
			break;
	}
	res_send(res, RES_STATUS, pid == root ? status : 0xff00, NULL);
	return 0;
}

static int reaper_main(int fd, const struct tree_plan *plan,
		       struct klog *log, int res, int ack)
{
	pid_t root = plan->nodes[plan->root].pid;
	struct tree_build b;
	char c = 1;

	signal(SIGPIPE, SIG_IGN);
	if (tree_build_init(&b, plan)) {
		res_send(res, RES_FAIL, 0, b.err);
		return EXIT_FAIL;
	}
	b.freezer = args.freezer;
	b.root = args.root;
	if (tree_build_start(&b) || tree_build_sync(&b)) {
		res_send(res, RES_FAIL, 0, b.err);
		return EXIT_FAIL;	/* the namespace dies with us */
	}
	tree_build_go(&b);
	if (args.freezer) {
		res_send(res, RES_FREEZE, 0, NULL);
		if (read(ack, &c, 1) != 1 || c)
			return EXIT_FAIL;
	}
	if (restart(root, fd, 0, log->fd) < 0) {
		res_send(res, RES_FAIL, errno, NULL);
		return EXIT_FAIL;
	}
	close(fd);
	close(log->fd);
	res_send(res, RES_OK, root, NULL);
	return reaper_wait(res, root);
}

static int read_res(int fd, struct res_msg *m)
{
	ssize_t n;

	do
		n = read_full(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	return n == sizeof(*m) ? 0 : -1;
}

static int run_reaper(int in, struct ckpt_image_info *info,
		      struct tree_plan *plan, struct klog *log)
{
	struct clone_args ca = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	int res[2], ack[2], fd, status, ret = EXIT_FAIL;
	pid_t feeder, reaper, root = plan->nodes[plan->root].pid;
	struct res_msg m;
	char c;

	fd = image_stream(in, info, false, &feeder);
	if (pipe2(res, O_CLOEXEC) || pipe2(ack, O_CLOEXEC))
		die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
	klog_mark(log);
	fflush(NULL);
	reaper = syscall(SYS_clone3, &ca, sizeof(ca));
	if (reaper < 0)
		die(EXIT_FAIL, "cannot create a pid namespace: clone3: %s",
		    strerror(errno));
	if (!reaper) {
		close(res[0]);
		close(ack[1]);
		_exit(reaper_main(fd, plan, log, res[1], ack[0]));
	}
	close(res[1]);
	close(ack[0]);
	close(fd);
	verbose("pid namespace init: pid %d", reaper);

	while (!read_res(res[0], &m) && m.what == RES_FREEZE) {
		c = freeze_tree() ? 1 : 0;
		if (write(ack[1], &c, 1) < 0 || c)
			break;
	}
	if (m.what != RES_OK) {
		if (m.what == RES_FAIL && !m.val)
			err_msg("cannot build the process tree: %s", m.text);
		else if (m.what == RES_FAIL)
			restart_failed(m.val, log);
		else if (m.what != RES_FREEZE)
			err_msg("restart failed: the pid namespace's init died");
		kill(reaper, SIGKILL);
		waitpid(reaper, &status, 0);
		reap_feeder(feeder);
		return EXIT_FAIL;
	}
	reap_feeder(feeder);
	if (!args.wait) {
		verbose("pid %d (in the pid namespace of init %d) restored; not waiting for it",
			root, reaper);
		return 0;
	}
	forward_signals(reaper);
	if (read_res(res[0], &m) || m.what != RES_STATUS)
		err_msg("the pid namespace's init died before the root task");
	else
		ret = root_exited(root, m.val);
	while (waitpid(reaper, &status, 0) < 0 && errno == EINTR)
		;
	return ret;
}

static int tree_layout(const struct ckpt_image_info *info)
{
	if (args.pidns == PIDNS_NONE)
		return TREE_FRESH;
	if (ckpt_tree_root(info)->pid == 1)
		return TREE_CONTAINER;
	return TREE_REAPER;
}

static int restart_tree(int in, struct ckpt_image_info *info)
{
	struct tree_pidns pidns = {
		.nr_ns = info->nr_ns, .ns = info->ns, .tasks = info->task_ns,
		.pids = info->ns_pids, .nr_pids = info->nr_pids,
		.nr_ghosts = info->nr_ghosts, .ghost_ns = info->ghost_ns,
		.ghost_pids = info->ghost_pids,
		.nr_ghost_pids = info->nr_ghost_pids,
	};
	struct tree_plan plan;
	struct klog log;
	int ret;

	if (tree_plan(&plan, info->pids, info->nr_tasks, &pidns,
		      tree_layout(info))) {
		err_msg("%s: %s", input_name(), plan.err);
		tree_plan_free(&plan);
		return EXIT_FAIL;
	}
	if (args.verbose)
		tree_plan_print(stderr, &plan);
	if (klog_open(&log, args.logfile))
		return EXIT_FAIL;
	if (plan.layout == TREE_REAPER)
		ret = run_reaper(in, info, &plan, &log);
	else
		ret = coordinate(in, info, &plan, &log);
	klog_close(&log);
	tree_plan_free(&plan);
	ckpt_free_info(info);
	return ret;
}

int main(int argc, char **argv)
{
	struct ckpt_image_info info;
	struct klog log;
	int fd, ret;

	prog = "restart";
	parse_args(argc, argv);

	/* We wait for our children ourselves */
	signal(SIGCHLD, SIG_DFL);

	fd = open_input();
	if (args.self) {
		/*
		 * The kernel kills us if it fails after its point of no
		 * return: nobody would be left to print a private log, so
		 * it writes to our stderr.
		 */
		if ((args.logfile || klog_use_fd(&log, STDERR_FILENO)) &&
		    klog_open(&log, args.logfile))
			return EXIT_FAIL;
		return restart_self(fd, &log);
	}

	read_image_info(fd, &info);
	if (info.nr_tasks > 1 || args.pidns == PIDNS_NEW)
		ret = restart_tree(fd, &info);
	else
		ret = restart_task(fd, &info);
	return ret;
}
