// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the checkpoint/restart userspace tools.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common.h"

/* The most of a kernel log the tools read back and print */
#define KLOG_MAX	65536

const char *prog = "mktree";

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

bool parse_long(const char *s, long min, long max, long *val)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return false;
	*val = v;
	return true;
}

bool parse_fd(const char *s, int *fd)
{
	long v;

	if (!parse_long(s, 0, INT_MAX, &v))
		return false;
	*fd = v;
	return true;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return 0;
}

int klog_open(struct klog *log, const char *path)
{
	struct stat st;
	int p[2];

	memset(log, 0, sizeof(*log));
	log->fd = -1;
	log->rfd = -1;
	log->path = path;

	if (path) {
		log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			       0644);
		if (log->fd < 0) {
			err_msg("cannot open log file %s: %s", path,
				strerror(errno));
			return -1;
		}
		log->sized = !fstat(log->fd, &st) && S_ISREG(st.st_mode);
		return 0;
	}

	log->private = true;
	log->fd = memfd_create("checkpoint-log", MFD_CLOEXEC);
	if (log->fd >= 0) {
		log->sized = true;
		return 0;
	}
	/* No memfd (CONFIG_MEMFD_CREATE off): a pipe drained afterwards */
	if (pipe2(p, O_CLOEXEC) < 0) {
		err_msg("cannot create a pipe for the kernel log: %s",
			strerror(errno));
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	log->rfd = p[0];
	log->fd = p[1];
	log->is_pipe = true;
	return 0;
}

int klog_use_fd(struct klog *log, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return -1;
	memset(log, 0, sizeof(*log));
	log->fd = fd;
	log->rfd = -1;
	return 0;
}

void klog_mark(struct klog *log)
{
	struct stat st;

	if (log->sized && !fstat(log->fd, &st))
		log->start = st.st_size;
}

/* Drain a private pipe into log->buf, up to KLOG_MAX bytes */
static void klog_drain(struct klog *log)
{
	char tmp[4096];
	ssize_t n;

	if (!log->is_pipe || log->rfd < 0)
		return;
	for (;;) {
		n = read(log->rfd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (log->len + n > KLOG_MAX)
			n = KLOG_MAX - log->len;
		if (n > 0) {
			char *b = realloc(log->buf, log->len + n);

			if (!b)
				break;
			log->buf = b;
			memcpy(log->buf + log->len, tmp, n);
			log->len += n;
		}
	}
}

int klog_written(struct klog *log)
{
	struct stat st;

	if (log->is_pipe) {
		klog_drain(log);
		return log->len > 0;
	}
	if (!log->sized || fstat(log->fd, &st))
		return -1;
	return st.st_size > log->start;
}

int print_log_text(const char *text, size_t len, const char *prefix)
{
	int lines = 0;
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && text[j] != '\n')
			j++;
		if (j > i) {
			fprintf(stderr, "%s%.*s\n", prefix, (int)(j - i),
				text + i);
			lines++;
		}
		i = j + 1;
	}
	return lines;
}

int klog_print(struct klog *log, const char *prefix)
{
	struct stat st;
	size_t len;
	char *text;
	ssize_t n;
	int fd, lines;

	if (log->is_pipe) {
		klog_drain(log);
		return print_log_text(log->buf, log->len, prefix);
	}
	if (!log->private && !log->path)
		return 0;	/* klog_use_fd(): the lines went there */
	if (!log->sized || fstat(log->fd, &st) || st.st_size <= log->start) {
		if (log->path && !log->sized)
			err_msg("the kernel log went to %s", log->path);
		return 0;
	}
	len = st.st_size - log->start;
	if (len > KLOG_MAX)
		len = KLOG_MAX;

	fd = log->private ? log->fd : open(log->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("the kernel log went to %s", log->path);
		return 0;
	}
	text = malloc(len);
	if (!text) {
		if (fd != log->fd)
			close(fd);
		return 0;
	}
	n = pread(fd, text, len, log->start);
	lines = n > 0 ? print_log_text(text, n, prefix) : 0;
	free(text);
	if (fd != log->fd)
		close(fd);
	return lines;
}

void klog_close(struct klog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	if (log->rfd >= 0)
		close(log->rfd);
	free(log->buf);
	log->fd = log->rfd = -1;
	log->buf = NULL;
	log->len = 0;
}

const char *errno_hint(int err, bool restart)
{
	switch (err) {
	case ENOSYS:
		return "this kernel has no checkpoint/restart support (CONFIG_CHECKPOINT)";
	case EBUSY:
		return restart ? NULL :
		       "the tasks must be stopped (kill -STOP) or frozen (cgroup.freeze) first, and share no pipe, open file, fd table or address space with a task outside the checkpoint";
	case EPERM:
		return restart ? "restart needs the privileges the image's tasks had" :
		       "checkpoint needs ptrace rights over every task";
	case EOPNOTSUPP:
		return restart ? "the image holds state this kernel cannot restore" :
		       "the tasks hold state that cannot be checkpointed yet";
	default:
		return NULL;
	}
}
