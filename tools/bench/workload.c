// SPDX-License-Identifier: GPL-2.0
/*
 * workload: the processes that `make bench` checkpoints and restarts.
 *
 *   workload [-r READYFILE] mem MIB dirty|half|zero
 *   workload [-r READYFILE] vmas N
 *   workload [-r READYFILE] files N DIR
 *   workload [-r READYFILE] tree N MIB
 *   workload [-r READYFILE] threads N
 *
 * Each one becomes a session leader (CRIU then needs no --shell-job), sets
 * up its state, writes its pid into READYFILE (created atomically with a
 * rename, so the driver never reads half a pid), and sleeps forever.
 *
 *  mem dirty: MIB of anonymous memory, every page written with random data;
 *  mem half:  the same, but only every other page is written, the rest is
 *             never touched;
 *  mem zero:  every page touched but left zero-filled (written with 0);
 *  vmas:      N one-page anonymous mappings, alternating protections so
 *             that none merge, each touched;
 *  files:     N regular files created in DIR and kept open;
 *  tree:      the workload plus N-1 children, each with MIB of its own dirty
 *             memory;
 *  threads:   the workload plus N-1 threads, all sleeping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096UL

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fill_random(void *p, size_t len, uint64_t seed)
{
	uint64_t *q = p, x = seed | 1;

	for (size_t i = 0; i < len / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		q[i] = x;
	}
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void mem(size_t mib, const char *flavour, uint64_t seed)
{
	size_t len = mib << 20;
	char *p = map_anon(len);

	if (!strcmp(flavour, "dirty")) {
		fill_random(p, len, seed);
	} else if (!strcmp(flavour, "half")) {
		for (size_t off = 0; off < len; off += 2 * PAGE)
			fill_random(p + off, PAGE, seed + off);
	} else if (!strcmp(flavour, "zero")) {
		for (size_t off = 0; off < len; off += PAGE)
			*(volatile char *)(p + off) = 0;
	} else {
		fprintf(stderr, "workload: unknown flavour '%s'\n", flavour);
		exit(2);
	}
}

static void vmas(int n)
{
	/* One reservation, then every page its own mapping. */
	char *base = mmap(NULL, 2 * n * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		die("mmap");
	for (int i = 0; i < n; i++) {
		char *p = base + 2 * i * PAGE;

		if (mmap(p, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			die("mmap fixed");
		memset(p, i & 0xff, 64);
		if ((i & 1) && mprotect(p, PAGE, PROT_READ) < 0)
			die("mprotect");
	}
}

static void files(int n, const char *dir)
{
	struct rlimit rl;
	char path[4096];

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = n + 16;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	mkdir(dir, 0755);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			die(path);
		if (write(fd, path, strlen(path)) < 0)
			die("write");
	}
}

static void tree(int n, size_t mib)
{
	int p[2];
	char c;

	if (pipe(p) < 0)
		die("pipe");
	for (int i = 1; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(p[0]);
			mem(mib, "dirty", 1000 + i);
			if (write(p[1], "x", 1) != 1)
				_exit(1);
			close(p[1]);
			for (;;)
				pause();
		}
	}
	close(p[1]);
	for (int i = 1; i < n; i++)
		if (read(p[0], &c, 1) != 1)
			die("child not ready");
	close(p[0]);
	mem(mib, "dirty", 1000);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void threads(int n)
{
	for (int i = 1; i < n; i++) {
		pthread_t t;
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 << 10);
		if (pthread_create(&t, &a, sleeper, NULL))
			die("pthread_create");
	}
}

static void ready(const char *file)
{
	char tmp[4096], buf[32];
	int fd, len;

	if (!file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(tmp);
	len = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write(fd, buf, len) != len)
		die("write ready");
	close(fd);
	if (rename(tmp, file) < 0)
		die("rename");
}

static void usage(void)
{
	fprintf(stderr, "usage: workload [-r READYFILE] mem MIB dirty|half|zero | vmas N | "
		"files N DIR | tree N MIB | threads N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *readyfile = NULL;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-r")) {
		readyfile = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage();
	setsid();
	const char *w = argv[i];
	int nargs = argc - i - 1;

	if (!strcmp(w, "mem") && nargs == 2)
		mem(strtoul(argv[i + 1], NULL, 0), argv[i + 2], 42);
	else if (!strcmp(w, "vmas") && nargs == 1)
		vmas(atoi(argv[i + 1]));
	else if (!strcmp(w, "files") && nargs == 2)
		files(atoi(argv[i + 1]), argv[i + 2]);
	else if (!strcmp(w, "tree") && nargs == 2)
		tree(atoi(argv[i + 1]), strtoul(argv[i + 2], NULL, 0));
	else if (!strcmp(w, "threads") && nargs == 1)
		threads(atoi(argv[i + 1]));
	else
		usage();
	ready(readyfile);
	for (;;)
		pause();
}
