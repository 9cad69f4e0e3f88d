// SPDX-License-Identifier: GPL-2.0
/*
 * benchtime: the timing side of `make bench`, in the guest, on
 * CLOCK_MONOTONIC (the guest runs with tsc=reliable, so that is the TSC).
 * Every time is printed in seconds.
 *
 *   benchtime ckpt CGROUP PID IMAGE
 *	Freeze CGROUP (cgroup v2 cgroup.freeze = 1, wait for "frozen 1" in
 *	cgroup.events), then checkpoint(PID) into IMAGE.  Prints
 *	"ok FROZEN CALL": FROZEN from the write to cgroup.freeze to
 *	checkpoint(2) returning, CALL the checkpoint(2) call alone; or
 *	"err ERRNO MESSAGE".  The cgroup stays frozen.
 *   benchtime exec TIMEFILE CMD [ARG...]
 *	Run CMD, write its wall time into TIMEFILE, exit with its status.
 *   benchtime memcpy BYTES
 *	memcpy bandwidth: time to copy BYTES between two touched buffers.
 *   benchtime tmpfs BYTES FILE
 *	Prints "WRITE READ": time to write BYTES to FILE in 1 MiB chunks (and
 *	to close it), and to read it back; FILE is removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/checkpoint.h>

#ifndef __NR_checkpoint
#define __NR_checkpoint 500
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "benchtime: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int frozen(const char *events)
{
	char buf[512];
	int fd = open(events, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die(events);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		die(events);
	buf[n] = 0;
	return strstr(buf, "frozen 1") != NULL;
}

static int ckpt(const char *cg, int pid, const char *image)
{
	char freeze[4096], events[4096];
	double t0, t1, t2;
	int fd;
	long ret;

	snprintf(freeze, sizeof(freeze), "%s/cgroup.freeze", cg);
	snprintf(events, sizeof(events), "%s/cgroup.events", cg);
	fd = open(image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(image);

	t0 = now();
	if (write_file(freeze, "1") < 0)
		die(freeze);
	while (!frozen(events))
		;	/* spin: a sleep would add its own granularity */
	t1 = now();
	ret = syscall(__NR_checkpoint, pid, fd, CHECKPOINT_SUBTREE, 2);
	t2 = now();
	close(fd);
	if (ret < 0) {
		int e = errno;

		printf("err %d %s\n", e, strerror(e));
		return 1;
	}
	printf("ok %.6f %.6f\n", t2 - t0, t2 - t1);
	return 0;
}

static int run(const char *timefile, char **argv)
{
	double t0, t1;
	int status;
	pid_t pid;
	FILE *f;

	t0 = now();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "benchtime: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	t1 = now();
	f = fopen(timefile, "w");
	if (!f)
		die(timefile);
	fprintf(f, "%.6f\n", t1 - t0);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *touched(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < len; i += 4096)
		p[i] = (char)i | 1;
	return p;
}

#define CHUNK (64UL << 20)

static int bw_memcpy(size_t bytes)
{
	size_t len = bytes < CHUNK ? bytes : CHUNK;
	char *src = touched(len), *dst = touched(len);
	double t0, t1;

	memcpy(dst, src, len);	/* warm */
	t0 = now();
	for (size_t done = 0; done < bytes; done += len)
		memcpy(dst, src, bytes - done < len ? bytes - done : len);
	t1 = now();
	printf("%.6f\n", t1 - t0);
	return 0;
}

static int bw_tmpfs(size_t bytes, const char *file)
{
	size_t len = 1 << 20;
	char *buf = touched(len);
	double t0, t1, t2;
	int fd;

	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(file);
	t0 = now();
	for (size_t done = 0; done < bytes; done += len)
		if (write(fd, buf, bytes - done < len ? bytes - done : len) < 0)
			die("write");
	close(fd);
	t1 = now();
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(file);
	while (read(fd, buf, len) > 0)
		;
	close(fd);
	t2 = now();
	unlink(file);
	printf("%.6f %.6f\n", t1 - t0, t2 - t1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "ckpt"))
		return ckpt(argv[2], atoi(argv[3]), argv[4]);
	if (argc >= 4 && !strcmp(argv[1], "exec"))
		return run(argv[2], argv + 3);
	if (argc == 3 && !strcmp(argv[1], "memcpy"))
		return bw_memcpy(strtoull(argv[2], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "tmpfs"))
		return bw_tmpfs(strtoull(argv[2], NULL, 0), argv[3]);
	fprintf(stderr, "usage: benchtime ckpt CGROUP PID IMAGE | exec TIMEFILE CMD... | "
		"memcpy BYTES | tmpfs BYTES FILE\n");
	return 2;
}
