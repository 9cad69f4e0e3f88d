// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint - save a task, or a process tree, to an image
 *
 *   checkpoint [-o FILE] [--output-fd FD] [-l LOGFILE] [-f] [-c] [-v] PID
 *
 * The image goes to stdout unless -o or --output-fd says otherwise.
 * The kernel writes one line saying why to its log fd on failure: to
 * LOGFILE with -l, else to a private memfd (or pipe) whose contents are
 * printed after the tool's own message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "common.h"

struct args {
	const char *output;	/* -o FILE */
	int output_fd;		/* --output-fd FD, or -1 */
	const char *logfile;	/* -l FILE */
	bool force;
	bool container;
	bool verbose;
	pid_t pid;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: checkpoint [OPTIONS] PID\n"
"Save task PID and all its descendants to a checkpoint image.\n"
"\n"
"  -o, --output=FILE     write the image to FILE (created with mode 0600; an\n"
"                        existing FILE is refused unless -f); default: stdout\n"
"      --output-fd=FD    write the image to the open file descriptor FD\n"
"  -l, --logfile=FILE    append the kernel's error log to FILE; default: the\n"
"                        kernel's log line is printed on stderr on failure\n"
"  -f, --force           overwrite FILE if it exists\n"
"  -c, --container       checkpoint a whole container: PID must be the init\n"
"                        (pid 1) of a pid namespace; default: PID's subtree\n"
"  -v, --verbose         print the checkpoint id and the image size on stderr\n"
"  -h, --help            show this help\n"
"\n"
"The tasks must be stopped (kill -STOP PID) or frozen (cgroup.freeze) first.\n"
"The image is never written to a terminal.  Exit status: 0 on success, 1 if\n"
"the checkpoint failed, 2 on bad usage.\n");
}

static void parse_args(int argc, char **argv, struct args *args)
{
	static const struct option opts[] = {
		{ "output",	required_argument, NULL, 'o' },
		{ "output-fd",	required_argument, NULL, 'O' },
		{ "logfile",	required_argument, NULL, 'l' },
		{ "force",	no_argument,	   NULL, 'f' },
		{ "container",	no_argument,	   NULL, 'c' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long pid;
	int c;

	memset(args, 0, sizeof(*args));
	args->output_fd = -1;

	while ((c = getopt_long(argc, argv, "o:l:fcvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			args->output = optarg;
			break;
		case 'O':
			if (!parse_fd(optarg, &args->output_fd))
				die(EXIT_USAGE, "invalid file descriptor '%s' for --output-fd",
				    optarg);
			break;
		case 'l':
			args->logfile = optarg;
			break;
		case 'f':
			args->force = true;
			break;
		case 'c':
			args->container = true;
			break;
		case 'v':
			args->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'checkpoint --help'.\n");
			exit(EXIT_USAGE);
		}
	}

	if (optind >= argc)
		die(EXIT_USAGE, "no PID given (try 'checkpoint --help')");
	if (optind + 1 < argc)
		die(EXIT_USAGE, "too many arguments: '%s' after the PID",
		    argv[optind + 1]);
	if (!parse_long(argv[optind], 1, INT_MAX, &pid))
		die(EXIT_USAGE, "invalid PID '%s': expected a positive process id",
		    argv[optind]);
	args->pid = pid;

	if (args->output && args->output_fd >= 0)
		die(EXIT_USAGE, "--output and --output-fd are mutually exclusive");
	if (args->output && !*args->output)
		die(EXIT_USAGE, "empty file name for --output");
	if (args->logfile && !*args->logfile)
		die(EXIT_USAGE, "empty file name for --logfile");
}

/* Open the image output and check it; returns the fd */
static int open_output(const struct args *args)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	int fd, fl;

	if (args->output) {
		flags |= args->force ? O_TRUNC : O_EXCL;
		fd = open(args->output, flags, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				die(EXIT_FAIL, "%s already exists (use -f to overwrite it)",
				    args->output);
			die(EXIT_FAIL, "cannot create %s: %s", args->output,
			    strerror(errno));
		}
	} else {
		fd = args->output_fd >= 0 ? args->output_fd : STDOUT_FILENO;
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			die(EXIT_FAIL, "output fd %d: %s", fd, strerror(errno));
		if ((fl & O_ACCMODE) == O_RDONLY)
			die(EXIT_FAIL, "output fd %d is not open for writing", fd);
	}
	if (isatty(fd)) {
		if (args->output)
			unlink(args->output);
		die(EXIT_FAIL, "refusing to write an image to a terminal (use -o FILE or redirect stdout)");
	}
	return fd;
}

/* Remove the -o file after a failure, if it is still the one we wrote */
static void remove_output(const struct args *args, int fd)
{
	struct stat fst, pst;

	if (!args->output || fstat(fd, &fst) || !S_ISREG(fst.st_mode))
		return;
	if (stat(args->output, &pst) || pst.st_dev != fst.st_dev ||
	    pst.st_ino != fst.st_ino)
		return;
	if (unlink(args->output))
		err_msg("cannot remove %s: %s", args->output, strerror(errno));
}

/*
 * With -v and an output that is not a regular file, the image goes
 * through a pipe that a thread copies to the output, counting bytes.
 */
struct relay {
	int in, out;
	uint64_t bytes;
	int err;		/* errno of a failed write, or 0 */
};

static void *relay_thread(void *arg)
{
	struct relay *r = arg;
	static char buf[1 << 16];
	ssize_t n;

	for (;;) {
		n = read(r->in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->err = errno;
			break;
		}
		if (n == 0)
			break;
		if (write_full(r->out, buf, n)) {
			r->err = errno;
			break;
		}
		r->bytes += n;
	}
	/* A write error: make the kernel's next write fail with EPIPE */
	close(r->in);
	return NULL;
}

int main(int argc, char **argv)
{
	struct relay relay = { .in = -1, .out = -1 };
	bool use_relay = false;
	pthread_t thread;
	struct klog log;
	struct args args;
	off_t start = -1, end;
	struct stat st;
	int fd, kfd, err;
	long ret;

	prog = "checkpoint";
	parse_args(argc, argv, &args);

	/* A reader that goes away must give EPIPE, not kill us silently */
	signal(SIGPIPE, SIG_IGN);

	fd = open_output(&args);
	kfd = fd;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		start = lseek(fd, 0, SEEK_CUR);
		if (fcntl(fd, F_GETFL) & O_APPEND)
			start = st.st_size;
	}
	if (args.verbose && start < 0) {
		int p[2];

		if (pipe2(p, O_CLOEXEC))
			die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
		relay.in = p[0];
		relay.out = fd;
		kfd = p[1];
		err = pthread_create(&thread, NULL, relay_thread, &relay);
		if (err)
			die(EXIT_FAIL, "cannot start the output thread: %s",
			    strerror(err));
		use_relay = true;
	}

	if (klog_open(&log, args.logfile)) {
		remove_output(&args, fd);
		return EXIT_FAIL;
	}
	klog_mark(&log);

	ret = checkpoint(args.pid, kfd, args.container ? 0 : CHECKPOINT_SUBTREE,
			 log.fd);
	err = errno;

	if (use_relay) {
		close(kfd);
		pthread_join(thread, NULL);
		if (ret >= 0 && relay.err) {
			ret = -1;
			err = relay.err;
		}
	}

	if (ret < 0) {
		const char *hint = errno_hint(err, false);

		err_msg("pid %d: %s", args.pid, strerror(err));
		klog_print(&log, "");
		if (hint)
			err_msg("%s", hint);
		remove_output(&args, fd);
		return EXIT_FAIL;
	}

	/* Warnings the kernel logged on success */
	if (log.private && klog_written(&log) > 0)
		klog_print(&log, "");

	if (start >= 0) {
		end = (fcntl(fd, F_GETFL) & O_APPEND) && !fstat(fd, &st) ?
		      st.st_size : lseek(fd, 0, SEEK_CUR);
		relay.bytes = end >= start ? end - start : 0;
	}
	if (args.output && close(fd)) {
		err_msg("%s: %s", args.output, strerror(errno));
		unlink(args.output);
		return EXIT_FAIL;
	}
	if (args.verbose) {
		if (start >= 0 || use_relay)
			err_msg("pid %d: checkpoint id %ld, image size %" PRIu64 " bytes",
				args.pid, ret, relay.bytes);
		else
			err_msg("pid %d: checkpoint id %ld", args.pid, ret);
	}
	klog_close(&log);
	return 0;
}
