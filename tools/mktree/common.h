/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the checkpoint/restart userspace tools.
 */
#ifndef _MKTREE_COMMON_H
#define _MKTREE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes: 1 for a failure, 2 for bad usage or unsupported options */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* Set by each tool before anything is printed: prefix of its messages */
extern const char *prog;

void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...);

/* Strict number parsing: the whole string, in range; false otherwise */
bool parse_long(const char *s, long min, long max, long *val);
bool parse_fd(const char *s, int *fd);

/* read()/write() the whole buffer, retrying on EINTR and short counts */
ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);

/*
 * A log fd handed to the kernel.  Without -l the tools give the kernel
 * a private one (a memfd, or a pipe where memfd_create() is missing)
 * and show what it wrote; with -l it is the user's file.
 */
struct klog {
	int fd;			/* handed to the kernel */
	int rfd;		/* read side of a pipe, or -1 */
	bool private;		/* ours: print what the kernel wrote */
	bool is_pipe;
	bool sized;		/* a regular file: new output is detectable */
	off_t start;		/* size before the system call */
	const char *path;	/* -l FILE, or NULL */
	char *buf;		/* what was drained from the pipe */
	size_t len;
};

int klog_open(struct klog *log, const char *path);
/* The kernel writes straight to @fd (e.g. stderr); nothing to print */
int klog_use_fd(struct klog *log, int fd);
/* Call right before the system call, to learn what it writes */
void klog_mark(struct klog *log);
/* Whether the kernel wrote to the log since klog_mark(); -1 if unknown */
int klog_written(struct klog *log);
/*
 * Print what the kernel wrote since klog_mark() to stderr, each line
 * prefixed with @prefix; for a user's log file, say where it is.
 * Returns the number of lines printed.
 */
int klog_print(struct klog *log, const char *prefix);
void klog_close(struct klog *log);
/* Print @len bytes of log text to stderr, line by line, after @prefix */
int print_log_text(const char *text, size_t len, const char *prefix);

/* A hint for a system call's errno, or NULL */
const char *errno_hint(int err, bool restart);

#endif /* _MKTREE_COMMON_H */
