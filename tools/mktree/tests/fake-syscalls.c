// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-ins for checkpoint(2) and restart(2), linked into test builds
 * of the tools instead of tools/lib/checkpoint, so that the tools'
 * logic can be checked on a kernel without checkpoint/restart.
 * Environment:
 *
 * FAKE_ARGS=FILE	record "pid flags" of each call in FILE
 * FAKE_CKPT=ok		copy FAKE_IMAGE to the fd, return 42
 * FAKE_CKPT=fail	log a line, fail with EOPNOTSUPP
 * FAKE_CKPT=partial	write some bytes, log a line, fail with EBUSY
 * FAKE_RESTART=fail	read a bit, log a line, fail with EINVAL
 * FAKE_RESTART=ok	read the whole stream (into FAKE_DUMP if set),
 *			close every fd as the kernel does when it installs
 *			the image's fd table, then act as FAKE_EXIT says:
 *			exit:N, signal:N, stop (SIGSTOP, then exit 3),
 *			sleep (until killed)
 * FAKE_RESTART=warn	the same, after logging a warning line
 * FAKE_RESTART=kill	read the stream, close the fds, log a line and
 *			die of SIGKILL (a failure after the point of no
 *			return)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "checkpoint.h"

static void record_args(pid_t pid, unsigned long flags)
{
	const char *path = getenv("FAKE_ARGS");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%d %lu\n", pid, flags);
		fclose(f);
	}
}

static void log_line(int logfd, const char *line)
{
	if (logfd >= 0 && write(logfd, line, strlen(line)) < 0)
		perror("fake: log");
}

static void copy(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (out >= 0 && write(out, buf, n) != n)
			break;
}

long checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("FAKE_CKPT");
	const char *image = getenv("FAKE_IMAGE");
	int in;

	record_args(pid, flags);
	if (!mode || !strcmp(mode, "fail")) {
		log_line(logfd, "checkpoint: pid 42 fd 5: socket files are not supported\n");
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!strcmp(mode, "partial")) {
		if (write(fd, "CKPT-LNK partial", 16) < 0) {
			errno = EIO;
			return -1;
		}
		log_line(logfd, "checkpoint: pid 43: not stopped\n");
		errno = EBUSY;
		return -1;
	}
	in = image ? open(image, O_RDONLY) : -1;
	if (in < 0) {
		errno = ENOENT;
		return -1;
	}
	copy(in, fd);
	close(in);
	return 42;
}

long restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("FAKE_RESTART");
	const char *dump = getenv("FAKE_DUMP");
	const char *how = getenv("FAKE_EXIT");
	char buf[64];
	int out = -1, n;

	record_args(pid, flags);
	if (!mode || !strcmp(mode, "fail")) {
		if (read(fd, buf, sizeof(buf)) < 0)
			return -1;
		log_line(logfd, "restart: image: bad record at offset 1480\n");
		errno = EINVAL;
		return -1;
	}

	/* Past the point of no return from here on */
	if (dump)
		out = open(dump, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	copy(fd, out);
	if (!strcmp(mode, "warn"))
		log_line(logfd, "restart: warning: image from kernel 6.12.57\n");
	if (!strcmp(mode, "kill")) {
		log_line(logfd, "restart: pid 42: mm: cannot map 0x400000\n");
		syscall(SYS_close_range, 0, ~0U, 0);
		kill(getpid(), SIGKILL);
	}
	syscall(SYS_close_range, 0, ~0U, 0);

	if (!how)
		how = "exit:0";
	if (sscanf(how, "exit:%d", &n) == 1)
		_exit(n);
	if (sscanf(how, "signal:%d", &n) == 1) {
		signal(n, SIG_DFL);
		kill(getpid(), n);
		_exit(126);
	}
	if (!strcmp(how, "stop")) {
		kill(getpid(), SIGSTOP);
		_exit(3);
	}
	for (;;)
		pause();
}
