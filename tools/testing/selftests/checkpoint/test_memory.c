// SPDX-License-Identifier: GPL-2.0
/*
 * Address space checkpoint/restart: a worker fills many kinds of memory
 * with patterns keyed by address, checkpoints itself and exits; the
 * task restored from the image in another process checks every byte,
 * the layout in /proc/self/maps, the VmFlags of madvise()d regions and
 * the sharing semantics of shared mappings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * TEST_F() keeps a non-volatile local across setjmp()/longjmp(); it is
 * the harness' (see ckpt_env in ckpt_util.h for what it breaks).
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define PAGE		4096UL

#define SEED_BIG	0x1111111111111111ULL
#define SEED_CHUNK	0x2222222222222222ULL
#define SEED_LARGE	0x3333333333333333ULL
#define SEED_SBRK	0x4444444444444444ULL
#define SEED_STACK	0x5555555555555555ULL
#define SEED_PRIV	0x6666666666666666ULL	/* file content, by offset */
#define SEED_PRIV_MOD	0x7777777777777777ULL
#define SEED_SHARED	0x8888888888888888ULL	/* by offset */
#define SEED_SHARED2	0x9999999999999999ULL	/* by offset */
#define SEED_SHANON	0xaaaaaaaaaaaaaaaaULL
#define SEED_MEMFD	0xbbbbbbbbbbbbbbbbULL
#define SEED_RO		0xccccccccccccccccULL
#define SEED_NONE	0xddddddddddddddddULL
#define SEED_DF		0xeeeeeeeeeeeeeeeeULL
#define SEED_DD		0x0f0f0f0f0f0f0f0fULL

#define NR_CHUNKS	64
#define CHUNK_LEN	2000
#define LARGE_LEN	(1UL << 20)
#define SBRK_LEN	(64UL << 10)
#define STACK_WORDS	(256 * 1024 / 8)
#define PRIV_PAGES	16
#define SHARED_PAGES	8
#define SHANON_PAGES	16
#define MEMFD_PAGES	16
#define RO_PAGES	8
#define NONE_E_PAGES	16
#define NONE_D_PAGES	8
#define DF_PAGES	8
#define DD_PAGES	8
#define PRIV_MAGIC	0x1122334455667788ULL

#define MAPS_MAX	(256 << 10)
#define SMAPS_MAX	(1 << 20)
#define MAX_VMAS	512

/* Exit codes of the restored task, one per check */
enum {
	E_MAPS = 1, E_BIG, E_CHUNK, E_LARGE, E_SBRK, E_BRK, E_STACK,
	E_PRIV, E_PRIV_LEAK, E_SHARED, E_SHARED_FILE, E_SHANON,
	E_SHANON_SHARE, E_MEMFD, E_MEMFD_SHARE, E_RO, E_RO_WRITABLE,
	E_NONE_DATA, E_NONE_EMPTY, E_DONTFORK, E_DONTDUMP, E_SELFTEST,
	E_INFO,
};

/* Everything the worker sets up; restored with its memory */
static struct {
	size_t big_len;
	uint8_t *big;
	char *chunk[NR_CHUNKS];
	uint8_t *large;
	uint8_t *sbrk_area;
	unsigned long brk_end;
	uint8_t *priv, *shared, *shanon, *memfd, *ro;
	uint8_t *none_e, *none_d, *df, *dd;
	const char *out, *img, *log, *info, *priv_path, *shared_path;
	pid_t worker_pid;
	int first_error;
} L;

static char maps_before[MAPS_MAX], maps_after[MAPS_MAX];
static char smaps[SMAPS_MAX];

static int big_untouched(size_t i, size_t n)
{
	return i % 16 == 5 || (i >= n / 2 && i < n / 2 + n / 16) || i >= n - 8;
}

static void fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ckpt_report("FAIL (%d): %s", code, buf);
	if (!L.first_error)
		L.first_error = code;
}

static ssize_t read_proc(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	return len;
}

/* /proc/PID/maps, parsed and with adjacent equivalent entries merged */
struct vma {
	unsigned long start, end, off, ino;
	char perms[5];
	char path[256];
};

static struct vma vmas_before[MAX_VMAS], vmas_after[MAX_VMAS];

static int path_has_inode(const char *path)
{
	size_t l = strlen(path);

	/* shmem objects (shared anonymous, memfd) get new inodes */
	return path[0] == '/' &&
	       !(l > 10 && !strcmp(path + l - 10, " (deleted)"));
}

static int parse_maps(char *text, struct vma *v, int max)
{
	char *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct vma e = { 0 };
		int pos = 0;

		if (sscanf(line, "%lx-%lx %4s %lx %*x:%*x %lu %n", &e.start,
			   &e.end, e.perms, &e.off, &e.ino, &pos) < 5)
			return -1;
		if (pos)
			snprintf(e.path, sizeof(e.path), "%s", line + pos);
		if (!e.path[0] || e.path[0] == '[')
			e.off = 0;
		if (n > 0) {
			struct vma *p = &v[n - 1];

			if (p->end == e.start && !strcmp(p->perms, e.perms) &&
			    !strcmp(p->path, e.path) && p->ino == e.ino &&
			    (!e.path[0] || e.path[0] == '[' ||
			     p->off + (p->end - p->start) == e.off)) {
				p->end = e.end;
				continue;
			}
		}
		if (n == max)
			return -1;
		v[n++] = e;
	}
	return n;
}

/* 0 if equal, else reports the first difference and returns -1 */
static int compare_vmas(const struct vma *a, int na, const struct vma *b,
			int nb, int quiet)
{
	int i;

	for (i = 0; i < na && i < nb; i++) {
		const struct vma *x = &a[i], *y = &b[i];

		if (x->start != y->start || x->end != y->end ||
		    strcmp(x->perms, y->perms) || x->off != y->off ||
		    strcmp(x->path, y->path) ||
		    (path_has_inode(x->path) && x->ino != y->ino)) {
			if (!quiet)
				ckpt_report("maps entry %d differs:\n  before: %lx-%lx %s %lx %lu %s\n  after:  %lx-%lx %s %lx %lu %s",
					    i, x->start, x->end, x->perms, x->off,
					    x->ino, x->path, y->start, y->end,
					    y->perms, y->off, y->ino, y->path);
			return -1;
		}
	}
	if (na != nb) {
		if (!quiet)
			ckpt_report("maps: %d entries before, %d after", na, nb);
		return -1;
	}
	return 0;
}

/* The VmFlags line of the smaps entry that contains @addr */
static int vmflag(const void *addr, const char *flag)
{
	unsigned long a = (unsigned long)addr, s, e;
	char *line, *save = NULL;
	int in = 0;

	if (read_proc("/proc/self/smaps", smaps, sizeof(smaps)) <= 0)
		return -1;
	for (line = strtok_r(smaps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') &&
		    line[strspn(line, "0123456789abcdef")] == '-') {
			in = a >= s && a < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			char want[8];

			snprintf(want, sizeof(want), " %s", flag);
			for (char *p = line + 8; (p = strstr(p, want)); p++)
				if (p[3] == ' ' || p[3] == 0)
					return 1;
			ckpt_report("%p: '%s' not in '%s'", addr, flag, line);
			return 0;
		}
	}
	ckpt_report("%p: no smaps entry", addr);
	return -1;
}

static void check_range(int code, const char *what, const void *p,
			size_t len, uint64_t seed)
{
	long off = ckpt_check(p, len, seed);

	if (off >= 0)
		fail(code, "%s: mismatch at offset %ld (%p): %#llx", what, off,
		     (const char *)p + off,
		     (unsigned long long)*(const uint64_t *)((const char *)p + off));
}

/* Fork a child that writes to @p; 1 if the write is visible here */
static int write_from_child(volatile uint64_t *p, uint64_t val)
{
	uint64_t old = *p;
	int status, seen;
	pid_t pid = fork();

	if (pid == 0) {
		*p = val;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	seen = *p == val;
	*p = old;
	return seen;
}

/* Fork a child that writes to @p; returns its wait status */
static int child_write_status(volatile uint64_t *p)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		*p = 0;
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

static void check_big(void)
{
	size_t i, n = L.big_len / PAGE;
	long off;

	for (i = 0; i < n; i++) {
		uint8_t *pg = L.big + i * PAGE;

		if (big_untouched(i, n))
			off = ckpt_check_zero(pg, PAGE);
		else
			off = ckpt_check(pg, PAGE, SEED_BIG);
		if (off >= 0) {
			fail(E_BIG, "big region page %zu (%s) mismatch at +%ld: %#llx",
			     i, big_untouched(i, n) ? "untouched" : "filled",
			     off, (unsigned long long)*(uint64_t *)(pg + off));
			return;
		}
	}
}

static void check_priv(void)
{
	uint64_t buf[PAGE / 8];
	size_t i;
	long off;
	int fd;

	for (i = 0; i < PRIV_PAGES; i++) {
		uint8_t *pg = L.priv + i * PAGE;

		if (i == 3 || i == 7 || i == 11) {
			off = ckpt_check(pg, PAGE, SEED_PRIV_MOD);
		} else if (i == 13) {
			off = *(uint64_t *)pg == PRIV_MAGIC ? -1 : 0;
			if (off < 0)
				off = ckpt_check_off(pg + 8, PAGE - 8, i * PAGE + 8,
						     SEED_PRIV);
		} else {
			off = ckpt_check_off(pg, PAGE, i * PAGE, SEED_PRIV);
		}
		if (off >= 0) {
			fail(E_PRIV, "MAP_PRIVATE file page %zu mismatch at +%ld",
			     i, off);
			return;
		}
	}
	/* a private mapping stays private */
	*(volatile uint64_t *)L.priv = 0;
	fd = open(L.priv_path, O_RDONLY);
	if (fd < 0 || pread(fd, buf, PAGE, 0) != PAGE ||
	    ckpt_check_off(buf, PAGE, 0, SEED_PRIV) >= 0)
		fail(E_PRIV_LEAK, "MAP_PRIVATE write reached the file (or it is unreadable: %s)",
		     strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void check_shared(void)
{
	uint64_t buf[PAGE / 8];
	long off;
	int fd;

	off = ckpt_check_off(L.shared, SHARED_PAGES * PAGE, 0, SEED_SHARED);
	if (off >= 0) {
		fail(E_SHARED, "MAP_SHARED file mapping mismatch at +%ld", off);
		return;
	}
	/* a shared mapping still writes through to the file */
	ckpt_fill_off(L.shared + 2 * PAGE, PAGE, 2 * PAGE, SEED_SHARED2);
	fd = open(L.shared_path, O_RDONLY);
	if (fd < 0 || pread(fd, buf, PAGE, 2 * PAGE) != PAGE ||
	    ckpt_check_off(buf, PAGE, 2 * PAGE, SEED_SHARED2) >= 0)
		fail(E_SHARED_FILE, "MAP_SHARED write did not reach the file");
	if (fd >= 0)
		close(fd);
}

static void check_restored(char **chunks, volatile uint64_t *stk)
{
	int nb, na, i, st;
	long off;

	/* 1. the layout, before anything here changes it */
	nb = parse_maps(maps_before, vmas_before, MAX_VMAS);
	na = parse_maps(maps_after, vmas_after, MAX_VMAS);
	if (nb <= 0 || na <= 0)
		fail(E_MAPS, "cannot parse maps (%d, %d)", nb, na);
	else if (compare_vmas(vmas_before, nb, vmas_after, na, 0))
		fail(E_MAPS, "/proc/self/maps differs from the worker's");

	/* 2. contents */
	check_big();
	for (i = 0; i < NR_CHUNKS; i++) {
		off = ckpt_check(chunks[i], CHUNK_LEN / 8 * 8, SEED_CHUNK + i);
		if (off >= 0) {
			fail(E_CHUNK, "malloc chunk %d (%p) mismatch at +%ld", i,
			     chunks[i], off);
			break;
		}
	}
	check_range(E_LARGE, "large malloc", L.large, LARGE_LEN, SEED_LARGE);
	check_range(E_SBRK, "sbrk area", L.sbrk_area, SBRK_LEN, SEED_SBRK);
	if ((unsigned long)syscall(SYS_brk, 0) != L.brk_end)
		fail(E_BRK, "brk is %#lx, was %#lx",
		     (unsigned long)syscall(SYS_brk, 0), L.brk_end);
	check_range(E_STACK, "stack array", (const void *)stk,
		    STACK_WORDS * 8, SEED_STACK);
	check_priv();
	check_shared();
	check_range(E_SHANON, "MAP_SHARED|MAP_ANONYMOUS", L.shanon,
		    SHANON_PAGES * PAGE, SEED_SHANON);
	if (write_from_child((uint64_t *)(L.shanon + PAGE), 0x5a5a5a5a) != 1)
		fail(E_SHANON_SHARE, "MAP_SHARED|MAP_ANONYMOUS region is not shared with a child any more");
	check_range(E_MEMFD, "memfd mapping", L.memfd, MEMFD_PAGES * PAGE,
		    SEED_MEMFD);
	if (write_from_child((uint64_t *)(L.memfd + PAGE), 0xa5a5a5a5) != 1)
		fail(E_MEMFD_SHARE, "memfd mapping is not shared with a child any more");
	check_range(E_RO, "read-only region", L.ro, RO_PAGES * PAGE, SEED_RO);
	st = child_write_status((uint64_t *)L.ro);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		fail(E_RO_WRITABLE, "writing the read-only region: %s, expected SIGSEGV",
		     ckpt_status_str(st));
	if (mprotect(L.none_d, NONE_D_PAGES * PAGE, PROT_READ))
		fail(E_NONE_DATA, "mprotect: %s", strerror(errno));
	else
		check_range(E_NONE_DATA, "PROT_NONE region with data", L.none_d,
			    NONE_D_PAGES * PAGE, SEED_NONE);
	if (mprotect(L.none_e, NONE_E_PAGES * PAGE, PROT_READ))
		fail(E_NONE_EMPTY, "mprotect: %s", strerror(errno));
	else if ((off = ckpt_check_zero(L.none_e, NONE_E_PAGES * PAGE)) >= 0)
		fail(E_NONE_EMPTY, "untouched PROT_NONE region not zero at +%ld", off);
	check_range(E_DONTFORK, "MADV_DONTFORK region", L.df, DF_PAGES * PAGE,
		    SEED_DF);
	if (vmflag(L.df, "dc") != 1)
		fail(E_DONTFORK, "MADV_DONTFORK region lost VM_DONTCOPY (dc)");
	check_range(E_DONTDUMP, "MADV_DONTDUMP region", L.dd, DD_PAGES * PAGE,
		    SEED_DD);
	if (vmflag(L.dd, "dd") != 1)
		fail(E_DONTDUMP, "MADV_DONTDUMP region lost VM_DONTDUMP (dd)");

	/* 3. the checks above can fail */
	if (!L.first_error) {
		size_t i = 0;

		while (big_untouched(i, L.big_len / PAGE))
			i++;
		L.big[i * PAGE + 24] ^= 0x10;
		off = ckpt_check(L.big + i * PAGE, PAGE, SEED_BIG);
		L.big[i * PAGE + 24] ^= 0x10;
		if (off != 24)
			fail(E_SELFTEST, "pattern check missed a flipped bit (%ld)", off);
		vmas_after[na / 2].perms[1] ^= 'w' ^ '-';
		if (!compare_vmas(vmas_before, nb, vmas_after, na, 1))
			fail(E_SELFTEST, "maps comparison missed a changed permission");
		vmas_after[na / 2].perms[1] ^= 'w' ^ '-';
		vmas_after[na - 1].end += PAGE;
		if (!compare_vmas(vmas_before, nb, vmas_after, na, 1))
			fail(E_SELFTEST, "maps comparison missed a changed range");
		vmas_after[na - 1].end -= PAGE;
	}
}

static void *map(size_t pages, int prot, int flags, int fd)
{
	void *p = mmap(NULL, pages * PAGE, prot, flags, fd, 0);

	if (p == MAP_FAILED) {
		ckpt_report("mmap of %zu pages: %s", pages, strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
	return p;
}

/* Grow the stack now: the restored task must not need a bigger one */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char buf[128 << 10];
	long i;

	for (i = sizeof(buf) - 1; i >= 0; i -= 1024)
		buf[i] = 1;
}

static void __attribute__((noreturn)) worker(void)
{
	volatile uint64_t stk[STACK_WORDS];
	char *chunks[NR_CHUNKS];
	size_t i, n;
	int fd, img, log;
	double t0, t1;
	long ret;
	FILE *f;

	if (ckpt_isolate(L.out))
		_exit(CKPT_EXIT_SETUP);
	L.worker_pid = getpid();

	/* big anonymous region, some pages never touched */
	L.big = map(L.big_len / PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1);
	n = L.big_len / PAGE;
	for (i = 0; i < n; i++)
		if (!big_untouched(i, n))
			ckpt_fill(L.big + i * PAGE, PAGE, SEED_BIG);

	/* heap: brk chunks, an mmap()ed malloc, a raw sbrk() extension */
	for (i = 0; i < NR_CHUNKS; i++) {
		chunks[i] = L.chunk[i] = malloc(CHUNK_LEN);
		if (!chunks[i])
			_exit(CKPT_EXIT_SETUP);
		ckpt_fill(chunks[i], CHUNK_LEN / 8 * 8, SEED_CHUNK + i);
	}
	L.large = malloc(LARGE_LEN);
	if (!L.large)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(L.large, LARGE_LEN, SEED_LARGE);
	L.sbrk_area = sbrk(SBRK_LEN);
	if (L.sbrk_area == (void *)-1)
		_exit(CKPT_EXIT_SETUP);
	ckpt_fill(L.sbrk_area, SBRK_LEN, SEED_SBRK);
	L.brk_end = syscall(SYS_brk, 0);

	/* stack */
	for (i = 0; i < STACK_WORDS; i++)
		stk[i] = ckpt_hash((uintptr_t)&stk[i], SEED_STACK);

	/* MAP_PRIVATE file mapping, some pages modified */
	fd = open(L.priv_path, O_RDONLY);
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	L.priv = map(PRIV_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	close(fd);
	ckpt_fill(L.priv + 3 * PAGE, PAGE, SEED_PRIV_MOD);
	ckpt_fill(L.priv + 7 * PAGE, PAGE, SEED_PRIV_MOD);
	ckpt_fill(L.priv + 11 * PAGE, PAGE, SEED_PRIV_MOD);
	*(uint64_t *)(L.priv + 13 * PAGE) = PRIV_MAGIC;
	(void)*(volatile uint64_t *)(L.priv + PAGE);	/* read-only fault */

	/* MAP_SHARED file mapping */
	fd = open(L.shared_path, O_RDWR);
	if (fd < 0)
		_exit(CKPT_EXIT_SETUP);
	L.shared = map(SHARED_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	close(fd);
	ckpt_fill_off(L.shared, SHARED_PAGES * PAGE, 0, SEED_SHARED);

	/* shared anonymous memory and a memfd */
	L.shanon = map(SHANON_PAGES, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1);
	ckpt_fill(L.shanon, SHANON_PAGES * PAGE, SEED_SHANON);
	fd = memfd_create("ckpt-memfd", 0);
	if (fd < 0 || ftruncate(fd, MEMFD_PAGES * PAGE))
		_exit(CKPT_EXIT_SETUP);
	L.memfd = map(MEMFD_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	close(fd);
	ckpt_fill(L.memfd, MEMFD_PAGES * PAGE, SEED_MEMFD);

	/* read-only and PROT_NONE regions */
	L.ro = map(RO_PAGES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ckpt_fill(L.ro, RO_PAGES * PAGE, SEED_RO);
	L.none_e = map(NONE_E_PAGES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	L.none_d = map(NONE_D_PAGES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ckpt_fill(L.none_d, NONE_D_PAGES * PAGE, SEED_NONE);
	if (mprotect(L.ro, RO_PAGES * PAGE, PROT_READ) ||
	    mprotect(L.none_d, NONE_D_PAGES * PAGE, PROT_NONE))
		_exit(CKPT_EXIT_SETUP);

	/* madvise()d regions */
	L.df = map(DF_PAGES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ckpt_fill(L.df, DF_PAGES * PAGE, SEED_DF);
	L.dd = map(DD_PAGES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ckpt_fill(L.dd, DD_PAGES * PAGE, SEED_DD);
	if (madvise(L.df, DF_PAGES * PAGE, MADV_DONTFORK) ||
	    madvise(L.dd, DD_PAGES * PAGE, MADV_DONTDUMP))
		_exit(CKPT_EXIT_SETUP);
	if (vmflag(L.df, "dc") != 1 || vmflag(L.dd, "dd") != 1) {
		ckpt_report("madvise flags not shown in smaps before checkpoint");
		_exit(CKPT_EXIT_SETUP);
	}

	img = open(L.img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	log = open(L.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (img < 0 || log < 0)
		_exit(CKPT_EXIT_SETUP);

	touch_stack();
	if (read_proc("/proc/self/maps", maps_before, sizeof(maps_before)) <= 0)
		_exit(CKPT_EXIT_SETUP);

	t0 = ckpt_now();
	ret = ckpt_self(img, log);
	t1 = ckpt_now();

	if (ret > 0) {
		ckpt_report("checkpoint id %ld in %.3f s", ret, t1 - t0);
		f = fopen(L.info, "w");
		if (!f || fprintf(f, "checkpoint %.9f\n", t1 - t0) < 0 ||
		    fclose(f))
			_exit(CKPT_EXIT_SETUP);
		_exit(CKPT_EXIT_CHECKPOINTED);
	}
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}

	/* restored: checkpoint() returned 0 */
	if (read_proc("/proc/self/maps", maps_after, sizeof(maps_after)) <= 0)
		fail(E_MAPS, "cannot read /proc/self/maps");
	check_restored(chunks, stk);

	f = fopen(L.info, "a");
	if (!f || fprintf(f, "restored %.9f pid %d ppid %d\n", t1, getpid(),
			  getppid()) < 0 || fclose(f))
		fail(E_INFO, "cannot write %s", L.info);
	ckpt_report("restored task (worker was %d): %s", L.worker_pid,
		    L.first_error ? "FAILED" : "all checks passed");
	_exit(L.first_error);
}

FIXTURE(memory) {
	struct ckpt_env env;
};

FIXTURE_VARIANT(memory) {
	size_t size;
};

FIXTURE_VARIANT_ADD(memory, mib_1) {
	.size = 1UL << 20,
};

FIXTURE_VARIANT_ADD(memory, mib_64) {
	.size = 64UL << 20,
};

FIXTURE_SETUP(memory)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "memory"), 0);
}

FIXTURE_TEARDOWN_PARENT(memory)
{
	ckpt_env_fini(&self->env);
}

TEST_F_TIMEOUT(memory, restore, 90)
{
	static uint64_t buf[PRIV_PAGES * PAGE / 8];
	double t_ckpt = -1, t_fork, t_restored = -1;
	pid_t pid, rpid = -1, rppid = -1;
	char *info, *p;
	long size, off;
	int status;

	L.big_len = variant->size;
	L.out = ckpt_path(&self->env, "worker.out");
	L.img = ckpt_path(&self->env, "image");
	L.log = ckpt_path(&self->env, "log");
	L.info = ckpt_path(&self->env, "info");
	L.priv_path = ckpt_path(&self->env, "private.map");
	L.shared_path = ckpt_path(&self->env, "shared.map");

	ckpt_fill_off(buf, PRIV_PAGES * PAGE, 0, SEED_PRIV);
	ASSERT_EQ(ckpt_write_file(L.priv_path, buf, PRIV_PAGES * PAGE), 0);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(ckpt_write_file(L.shared_path, buf, SHARED_PAGES * PAGE), 0);

	pid = ckpt_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		worker();
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 60000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", L.out, 4096);
		ckpt_dump("log", L.log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("worker %s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), CKPT_EXIT_CHECKPOINTED)
		TH_LOG("worker %s", ckpt_status_str(status));
	size = ckpt_file_size(L.img);

	t_fork = ckpt_now();
	pid = ckpt_start_restarter(L.img, -1, L.log, 0);
	ASSERT_GE(pid, 0);
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 60000);
	ckpt_untrack(&self->env, pid);

	info = ckpt_slurp(L.info, NULL);
	if (info) {
		sscanf(info, "checkpoint %lf", &t_ckpt);
		p = strstr(info, "restored ");
		if (p)
			sscanf(p, "restored %lf pid %d ppid %d", &t_restored,
			       &rpid, &rppid);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("worker+restored", L.out, 16384);
		ckpt_dump("log", L.log, 4096);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("restored task %s", ckpt_status_str(status));
	ASSERT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("restored task %s (codes: see test_memory.c)",
		       ckpt_status_str(status));
	ASSERT_TRUE(t_restored >= 0) TH_LOG("restored task wrote no time");
	EXPECT_EQ(rpid, pid) TH_LOG("restored task runs as pid %d, restarter was %d",
				    rpid, pid);
	EXPECT_EQ(rppid, getpid()) TH_LOG("restored task's parent is %d, not %d",
					  rppid, getpid());

	/* the shared file mapping wrote through, before and after restart */
	{
		int fd = open(L.shared_path, O_RDONLY);

		ASSERT_GE(fd, 0);
		ASSERT_EQ(read(fd, buf, SHARED_PAGES * PAGE),
			  (ssize_t)(SHARED_PAGES * PAGE));
		close(fd);
	}
	off = ckpt_check_off(buf, 2 * PAGE, 0, SEED_SHARED);
	EXPECT_EQ(off, -1) TH_LOG("shared file page 0-1 mismatch at %ld", off);
	off = ckpt_check_off((char *)buf + 2 * PAGE, PAGE, 2 * PAGE, SEED_SHARED2);
	EXPECT_EQ(off, -1) TH_LOG("shared file page 2 (written after restart) mismatch at %ld", off);
	off = ckpt_check_off((char *)buf + 3 * PAGE, (SHARED_PAGES - 3) * PAGE,
			     3 * PAGE, SEED_SHARED);
	EXPECT_EQ(off, -1) TH_LOG("shared file pages 3- mismatch at %ld", off);

	ksft_print_msg("%s: %zu MiB worker: checkpoint %.3f s, image %ld bytes (%.1f MiB), restart %.3f s\n",
		       _metadata->name, variant->size >> 20, t_ckpt, size,
		       size / 1048576.0, t_restored - t_fork);
	EXPECT_GE(size, (long)(variant->size / 2))
		TH_LOG("image smaller than the dirty anonymous memory");
}

TEST_HARNESS_MAIN
