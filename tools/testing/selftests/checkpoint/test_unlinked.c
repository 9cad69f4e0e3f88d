// SPDX-License-Identifier: GPL-2.0
/*
 * Files without a name across checkpoint/restart: memfd files with
 * their seals, mode, name and flags, and regular files opened and then
 * unlinked (contents, holes, size, mode, positions, files shared by two
 * fds and two files of one inode, MAP_SHARED and MAP_PRIVATE mappings,
 * a deleted file that is only mapped).  Refusals: a file unlinked but
 * still linked elsewhere, a memfd sealed F_SEAL_FUTURE_WRITE and
 * mapped writable, and at restart an unlinked file whose directory is
 * gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
/* setup and verify callbacks share one signature */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "ckpt_util.h"
#include <linux/checkpoint_hdr.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC		0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL		0x0008U
#endif

#define PAGE		4096
#define SEALED_LEN	(3 * PAGE + 123)
#define BIG_HOLE	(4 << 20)
#define UNL_LEN		(BIG_HOLE + 3 * PAGE + 77)

FIXTURE(unl) {
	struct ckpt_env env;
	struct ckpt_round r;
	char *dir, *file, *sub;
};

FIXTURE_SETUP(unl)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "unlinked"), 0);
	ckpt_round_init(&self->r, &self->env, NULL, NULL, self);
	self->dir = self->env.dir;
	self->file = ckpt_path(&self->env, "victim");
	self->sub = ckpt_path(&self->env, "sub");
}

FIXTURE_TEARDOWN_PARENT(unl)
{
	ckpt_env_fini(&self->env);
}

static int first_error;

static void fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ckpt_report("FAIL (%d): %s", code, buf);
	if (!first_error)
		first_error = code;
}

static unsigned char pattern(uint64_t off, unsigned int seed)
{
	return (unsigned char)((off * 2654435761u) >> 7) ^ seed;
}

static void fill(unsigned char *buf, size_t len, uint64_t off, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(off + i, seed);
}

/* @len bytes of @fd at @off hold the pattern: 1, else 0 */
static int holds(int fd, off_t off, size_t len, unsigned int seed)
{
	unsigned char *buf = malloc(len);
	size_t i;
	int ok = buf && pread(fd, buf, len, off) == (ssize_t)len;

	for (i = 0; ok && i < len; i++)
		ok = buf[i] == pattern(off + i, seed);
	free(buf);
	return ok;
}

static int zeroes(int fd, off_t off, size_t len)
{
	unsigned char *buf = malloc(len);
	size_t i;
	int ok = buf && pread(fd, buf, len, off) == (ssize_t)len;

	for (i = 0; ok && i < len; i++)
		ok = !buf[i];
	free(buf);
	return ok;
}

static int fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/*
 * Run @setup in a worker that then checkpoints itself; the restored
 * task runs @verify and exits with its result.  Returns the worker's
 * exit status through the harness.
 */
static int worker_run(FIXTURE_DATA(unl) *self, int (*setup)(void *), int (*verify)(void *))
{
	self->r.setup = setup;
	self->r.verify = verify;
	return ckpt_round_worker(&self->env, &self->r);
}

static int log_has(FIXTURE_DATA(unl) *self, const char *what)
{
	char *text = ckpt_slurp(self->r.log, NULL);
	int ret = text && strstr(text, what);

	if (!ret)
		fprintf(stderr, "# log has no \"%s\": %s\n", what, text ? text : "(none)");
	free(text);
	return ret;
}

#define EXPECT_RESTORED(self, rc) do {						\
	if ((rc) != 0) {							\
		ckpt_dump("restored task", (self)->r.out, 8192);			\
		ckpt_dump("log", (self)->r.log, 4096);				\
	}									\
	EXPECT_EQ((rc), 0) TH_LOG("restored task failed check %d", (rc));	\
} while (0)

#define ASSERT_CHECKPOINTED(self, rc) do {					\
	if ((rc) != CKPT_EXIT_CHECKPOINTED) {					\
		ckpt_dump("worker", (self)->r.out, 8192);				\
		ckpt_dump("log", (self)->r.log, 4096);				\
	}									\
	if ((rc) == CKPT_EXIT_SKIP)						\
		SKIP(return, "feature missing");				\
	ASSERT_EQ((rc), CKPT_EXIT_CHECKPOINTED);				\
} while (0)

/* ------------------------------------------------------------------ */
/* memfd                                                              */

#define FD_SEALED	10	/* MFD_ALLOW_SEALING, sealed SHRINK|GROW|WRITE */
#define FD_PLAIN	11	/* no MFD_ALLOW_SEALING: F_SEAL_SEAL */
#define FD_OPEN		12	/* MFD_ALLOW_SEALING, no seal yet */
#define FD_NOEXEC	13	/* MFD_NOEXEC_SEAL */
#define FD_SEALED_RO	14	/* FD_SEALED, mapped read-only shared */
#define SEALED_POS	1234

static const unsigned int sealed_seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
static unsigned char *sealed_map;
static int have_noexec;

static int memfd_at(const char *name, unsigned int flags, int fd)
{
	int m = memfd_create(name, flags);

	if (m < 0 || dup2(m, fd) != fd)
		return -1;
	close(m);
	return 0;
}

static int memfd_setup(void *arg)
{
	unsigned char buf[SEALED_LEN];

	if (memfd_at("ckpt-sealed", MFD_ALLOW_SEALING, FD_SEALED) ||
	    memfd_at("ckpt-plain", 0, FD_PLAIN) ||
	    memfd_at("ckpt-open", MFD_ALLOW_SEALING, FD_OPEN))
		return CKPT_EXIT_SETUP;
	have_noexec = !memfd_at("ckpt-noexec", MFD_NOEXEC_SEAL, FD_NOEXEC);
	fill(buf, sizeof(buf), 0, 1);
	if (write(FD_SEALED, buf, sizeof(buf)) != sizeof(buf) ||
	    write(FD_PLAIN, buf, 100) != 100 ||
	    fcntl(FD_SEALED, F_ADD_SEALS, sealed_seals) ||
	    lseek(FD_SEALED, SEALED_POS, SEEK_SET) != SEALED_POS)
		return CKPT_EXIT_SETUP;
	sealed_map = mmap(NULL, SEALED_LEN, PROT_READ, MAP_SHARED, FD_SEALED, 0);
	if (sealed_map == MAP_FAILED)
		return CKPT_EXIT_SETUP;
	if (have_noexec && (fcntl(FD_NOEXEC, F_GET_SEALS) != F_SEAL_EXEC ||
			    write(FD_NOEXEC, "x", 1) != 1))
		return CKPT_EXIT_SETUP;
	return 0;
}

enum {
	M_SEALS = 1, M_WRITE, M_TRUNC, M_DATA, M_POS, M_NAME, M_FLAGS, M_PLAIN,
	M_OPEN, M_NOEXEC, M_MAP, M_PREAD, M_MPROTECT,
};

static int memfd_verify(void *arg)
{
	char link[256];
	struct stat st;
	int seals, fl;

	seals = fcntl(FD_SEALED, F_GET_SEALS);
	if (seals != (int)sealed_seals)
		fail(M_SEALS, "F_GET_SEALS %#x, expected %#x", seals, sealed_seals);
	if (write(FD_SEALED, "x", 1) != -1 || errno != EPERM)
		fail(M_WRITE, "write to a write-sealed memfd did not fail with EPERM");
	if (ftruncate(FD_SEALED, 10) != -1 || errno != EPERM)
		fail(M_TRUNC, "shrinking a shrink-sealed memfd did not fail with EPERM");
	if (fstat(FD_SEALED, &st) || st.st_size != SEALED_LEN ||
	    !holds(FD_SEALED, 0, SEALED_LEN, 1))
		fail(M_DATA, "sealed memfd: size %lld or contents differ", (long long)st.st_size);
	if (lseek(FD_SEALED, 0, SEEK_CUR) != SEALED_POS)
		fail(M_POS, "sealed memfd: position %lld", (long long)lseek(FD_SEALED, 0, SEEK_CUR));
	if (fd_link(FD_SEALED, link, sizeof(link)) || strcmp(link, "/memfd:ckpt-sealed (deleted)"))
		fail(M_NAME, "sealed memfd is \"%s\"", link);
	fl = fcntl(FD_SEALED, F_GETFL);
	if ((fl & O_ACCMODE) != O_RDWR || !(fl & 0100000))
		fail(M_FLAGS, "sealed memfd flags %#o", fl);
	if (sealed_map[7] != pattern(7, 1))
		fail(M_MAP, "the read-only mapping of the sealed memfd differs");
	if (!mprotect(sealed_map, PAGE, PROT_READ | PROT_WRITE))
		fail(M_MPROTECT, "the read-only shared mapping of a write-sealed memfd became writable");
	{
		char c;

		if (pread(FD_SEALED, &c, 1, 5) != 1 || c != (char)pattern(5, 1))
			fail(M_PREAD, "pread on the memfd fails");
	}

	seals = fcntl(FD_PLAIN, F_GET_SEALS);
	if (seals != F_SEAL_SEAL)
		fail(M_PLAIN, "memfd without MFD_ALLOW_SEALING: seals %#x", seals);
	if (fcntl(FD_PLAIN, F_ADD_SEALS, F_SEAL_GROW) != -1 || errno != EPERM)
		fail(M_PLAIN, "memfd without MFD_ALLOW_SEALING accepts seals");
	if (!holds(FD_PLAIN, 0, 100, 1) || fd_link(FD_PLAIN, link, sizeof(link)) ||
	    strcmp(link, "/memfd:ckpt-plain (deleted)"))
		fail(M_PLAIN, "plain memfd contents or name (%s)", link);

	seals = fcntl(FD_OPEN, F_GET_SEALS);
	if (seals != 0)
		fail(M_OPEN, "memfd with sealing allowed: seals %#x", seals);
	if (fcntl(FD_OPEN, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SEAL) ||
	    fcntl(FD_OPEN, F_GET_SEALS) != (F_SEAL_GROW | F_SEAL_SEAL) ||
	    write(FD_OPEN, "x", 1) != -1 || errno != EPERM)
		fail(M_OPEN, "sealing a restored memfd does not work");

	if (have_noexec) {
		seals = fcntl(FD_NOEXEC, F_GET_SEALS);
		if (seals != F_SEAL_EXEC)
			fail(M_NOEXEC, "MFD_NOEXEC_SEAL memfd: seals %#x", seals);
		if (fstat(FD_NOEXEC, &st) || (st.st_mode & 0111))
			fail(M_NOEXEC, "MFD_NOEXEC_SEAL memfd: mode %o", st.st_mode);
		if (fchmod(FD_NOEXEC, 0777) != -1 || errno != EPERM)
			fail(M_NOEXEC, "MFD_NOEXEC_SEAL memfd: fchmod +x allowed");
		if (pread(FD_NOEXEC, link, 1, 0) != 1 || link[0] != 'x' ||
		    lseek(FD_NOEXEC, 0, SEEK_CUR) != 1)
			fail(M_NOEXEC, "MFD_NOEXEC_SEAL memfd: position");
	}
	return first_error;
}

TEST_F_TIMEOUT(unl, memfd_seals, 120)
{
	int rc = worker_run(self, memfd_setup, memfd_verify);

	ASSERT_CHECKPOINTED(self, rc);
	EXPECT_GE(ckpt_image_count(self->r.img, CKPT_HDR_FILE_SEALS), 3);
	rc = ckpt_round_restart(&self->env, &self->r);
	EXPECT_RESTORED(self, rc);
}

static int future_setup(void *arg)
{
	void *p;

	if (memfd_at("ckpt-future", MFD_ALLOW_SEALING, 20) || ftruncate(20, PAGE))
		return CKPT_EXIT_SETUP;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 20, 0);
	if (p == MAP_FAILED || fcntl(20, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		return CKPT_EXIT_SETUP;
	return 0;
}

static int no_verify(void *arg)
{
	return 99;
}

/* The seal would forbid the writable mapping at restart: refused */
TEST_F_TIMEOUT(unl, memfd_future_write_mapped_refused, 60)
{
	int rc = worker_run(self, future_setup, no_verify);

	EXPECT_EQ(rc, CKPT_EXIT_CKPT_FAILED);
	EXPECT_TRUE(log_has(self, "F_SEAL_FUTURE_WRITE"));
}

/* ------------------------------------------------------------------ */
/* Unlinked files                                                     */

#define FD_A		20	/* O_RDWR, position UNL_POS */
#define FD_B		21	/* dup of FD_A */
#define FD_C		22	/* O_RDONLY, another file of the inode */
#define FD_D		23	/* O_WRONLY | O_APPEND */
#define FD_E		24	/* an empty unlinked file, mode 0400 */
#define UNL_POS		12345
#define C_POS		77

static unsigned char *map_shared, *map_private, *map_only;
static dev_t dir_dev;

static int unlinked_setup(void *arg)
{
	FIXTURE_DATA(unl) *self = arg;
	char *only = ckpt_path(&self->env, "only-mapped");
	char *empty = ckpt_path(&self->env, "empty");
	unsigned char buf[3 * PAGE + 77];
	struct stat st;
	int fd;

	if (stat(self->dir, &st))
		return CKPT_EXIT_SETUP;
	dir_dev = st.st_dev;
	fd = open(self->file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, FD_A) != FD_A || dup2(fd, FD_B) != FD_B)
		return CKPT_EXIT_SETUP;
	close(fd);
	fill(buf, PAGE, 0, 2);
	if (pwrite(FD_A, buf, PAGE, 0) != PAGE)
		return CKPT_EXIT_SETUP;
	fill(buf, sizeof(buf), BIG_HOLE, 2);
	if (pwrite(FD_A, buf, sizeof(buf), BIG_HOLE) != sizeof(buf))
		return CKPT_EXIT_SETUP;
	fd = open(self->file, O_RDONLY);
	if (fd < 0 || dup2(fd, FD_C) != FD_C)
		return CKPT_EXIT_SETUP;
	close(fd);
	fd = open(self->file, O_WRONLY | O_APPEND);
	if (fd < 0 || dup2(fd, FD_D) != FD_D)
		return CKPT_EXIT_SETUP;
	close(fd);
	if (fchmod(FD_A, 0640) || lseek(FD_A, UNL_POS, SEEK_SET) != UNL_POS ||
	    lseek(FD_C, C_POS, SEEK_SET) != C_POS)
		return CKPT_EXIT_SETUP;
	map_shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, FD_A,
			  BIG_HOLE);
	map_private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, FD_A, 0);
	if (map_shared == MAP_FAILED || map_private == MAP_FAILED)
		return CKPT_EXIT_SETUP;
	map_shared[10] = 0x5a;		/* reaches the file */
	map_private[10] = 0xa5;		/* does not */

	/* a deleted file that only a mapping holds */
	fd = open(only, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fill(buf, 2 * PAGE, 0, 3);
	if (fd < 0 || write(fd, buf, 2 * PAGE) != 2 * PAGE)
		return CKPT_EXIT_SETUP;
	map_only = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map_only == MAP_FAILED)
		return CKPT_EXIT_SETUP;
	close(fd);

	fd = open(empty, O_RDWR | O_CREAT | O_TRUNC, 0400);
	if (fd < 0 || dup2(fd, FD_E) != FD_E)
		return CKPT_EXIT_SETUP;
	close(fd);

	if (unlink(self->file) || unlink(only) || unlink(empty))
		return CKPT_EXIT_SETUP;
	free(only);
	free(empty);
	return 0;
}

enum {
	U_NLINK = 1, U_SIZE, U_MODE, U_DEV, U_DATA, U_HOLE, U_POS, U_SHARED_POS,
	U_SEPARATE_POS, U_SAME_INODE, U_NAME, U_LINK, U_MAP_SHARED, U_MAP_PRIVATE,
	U_MAP_ONLY, U_FLAGS, U_APPEND, U_EMPTY,
};

static int unlinked_verify(void *arg)
{
	FIXTURE_DATA(unl) *self = arg;
	struct stat st, sc;
	char link[256], path[64];
	int i, fl;

	if (fstat(FD_A, &st))
		return 90;
	if (st.st_nlink != 0)
		fail(U_NLINK, "nlink %lu", (unsigned long)st.st_nlink);
	if (st.st_size != UNL_LEN)
		fail(U_SIZE, "size %lld, expected %d", (long long)st.st_size, UNL_LEN);
	if ((st.st_mode & 07777) != 0640 || !S_ISREG(st.st_mode))
		fail(U_MODE, "mode %o", st.st_mode);
	if (st.st_dev != dir_dev)
		fail(U_DEV, "on device %#llx, not on the directory's",
		     (unsigned long long)st.st_dev);
	/* the page written through the shared mapping */
	if (!holds(FD_C, 0, PAGE, 2) || !holds(FD_C, BIG_HOLE, 10, 2) ||
	    !holds(FD_C, BIG_HOLE + 11, UNL_LEN - BIG_HOLE - 11, 2))
		fail(U_DATA, "contents differ");
	if (!zeroes(FD_C, PAGE, BIG_HOLE - PAGE))
		fail(U_HOLE, "the hole is not zeroes");
	if (lseek(FD_A, 0, SEEK_CUR) != UNL_POS)
		fail(U_POS, "position %lld", (long long)lseek(FD_A, 0, SEEK_CUR));
	if (lseek(FD_B, 99, SEEK_SET) != 99 || lseek(FD_A, 0, SEEK_CUR) != 99)
		fail(U_SHARED_POS, "dup'd fds do not share their position");
	if (lseek(FD_C, 0, SEEK_CUR) != C_POS)
		fail(U_SEPARATE_POS, "second file: position %lld",
		     (long long)lseek(FD_C, 0, SEEK_CUR));
	if (fstat(FD_C, &sc) || sc.st_ino != st.st_ino || sc.st_dev != st.st_dev)
		fail(U_SAME_INODE, "two files of the unlinked inode are two inodes now");
	if (pwrite(FD_A, "Z", 1, 3) != 1 || pread(FD_C, link, 1, 3) != 1 || link[0] != 'Z')
		fail(U_SAME_INODE, "a write through one file is not seen through the other");
	fl = fcntl(FD_C, F_GETFL);
	if ((fl & O_ACCMODE) != O_RDONLY || write(FD_C, "x", 1) != -1)
		fail(U_FLAGS, "the O_RDONLY file: flags %#o", fl);
	fl = fcntl(FD_D, F_GETFL);
	if ((fl & O_ACCMODE) != O_WRONLY || !(fl & O_APPEND))
		fail(U_FLAGS, "the O_WRONLY|O_APPEND file: flags %#o", fl);
	if (write(FD_D, "END", 3) != 3 || fstat(FD_A, &st) || st.st_size != UNL_LEN + 3)
		fail(U_APPEND, "append: size %lld", (long long)st.st_size);
	for (i = FD_A; i <= FD_E; i++) {
		if (fd_link(i, link, sizeof(link)) || !ends_with(link, " (deleted)") ||
		    strncmp(link, self->dir, strlen(self->dir)))
			fail(U_NAME, "fd %d is \"%s\"", i, link);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", FD_A);
	if (!linkat(AT_FDCWD, path, AT_FDCWD, self->file, AT_SYMLINK_FOLLOW) ||
	    errno != ENOENT)
		fail(U_LINK, "the unlinked file could be linked again: %s", strerror(errno));
	if (map_shared[10] != 0x5a || map_shared[11] != pattern(BIG_HOLE + 11, 2))
		fail(U_MAP_SHARED, "shared mapping contents");
	map_shared[20] = 0x33;
	if (pread(FD_C, link, 1, BIG_HOLE + 20) != 1 || link[0] != 0x33)
		fail(U_MAP_SHARED, "the shared mapping is not the file's");
	if (map_private[10] != (unsigned char)0xa5 || map_private[11] != pattern(11, 2))
		fail(U_MAP_PRIVATE, "private mapping contents");
	for (i = 0; i < 2 * PAGE; i++) {
		if (map_only[i] != pattern(i, 3)) {
			fail(U_MAP_ONLY, "the mapped deleted file differs at %d", i);
			break;
		}
	}
	if (fstat(FD_E, &st) || st.st_size != 0 || (st.st_mode & 07777) != 0400 ||
	    st.st_nlink)
		fail(U_EMPTY, "empty unlinked file: size %lld mode %o",
		     (long long)st.st_size, st.st_mode);
	return first_error;
}

TEST_F_TIMEOUT(unl, unlinked, 120)
{
	int rc = worker_run(self, unlinked_setup, unlinked_verify);

	ASSERT_CHECKPOINTED(self, rc);
	/* two inodes with contents, the empty one's too, saved once each */
	EXPECT_EQ(ckpt_image_count(self->r.img, CKPT_HDR_FILE_INODE), 3);
	EXPECT_EQ(ckpt_image_count(self->r.img, CKPT_HDR_FILE_UNLINKED), 3);
	/* sparse: the hole is not in the image */
	EXPECT_LT(ckpt_file_size(self->r.img), BIG_HOLE);
	rc = ckpt_round_restart(&self->env, &self->r);
	EXPECT_RESTORED(self, rc);
	/* and once more from the same image: it has not changed */
	rc = ckpt_round_restart(&self->env, &self->r);
	EXPECT_RESTORED(self, rc);
}

/* Restart where the directory of the unlinked file is gone: refused */
static int subdir_setup(void *arg)
{
	FIXTURE_DATA(unl) *self = arg;
	char path[CKPT_PATH_LEN + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/f", self->sub);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "data", 4) != 4 || unlink(path))
		return CKPT_EXIT_SETUP;
	return 0;
}

TEST_F_TIMEOUT(unl, directory_gone, 60)
{
	int rc;

	ASSERT_EQ(mkdir(self->sub, 0700), 0);
	rc = worker_run(self, subdir_setup, no_verify);
	ASSERT_CHECKPOINTED(self, rc);
	ASSERT_EQ(rmdir(self->sub), 0);
	unlink(self->r.log);
	ckpt_restarter_quiet = 1;
	rc = ckpt_round_restart(&self->env, &self->r);
	ckpt_restarter_quiet = 0;
	EXPECT_EQ(rc, CKPT_EXIT_RESTART_ERRNO + ENOENT);
	EXPECT_TRUE(log_has(self, "cannot make an unlinked file in"));
}

/* Unlinked by one name, still linked by another: refused */
static int linked_setup(void *arg)
{
	FIXTURE_DATA(unl) *self = arg;
	char *other = ckpt_path(&self->env, "other-name");
	int fd = open(self->file, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || link(self->file, other) || unlink(self->file))
		return CKPT_EXIT_SETUP;
	free(other);
	return 0;
}

TEST_F_TIMEOUT(unl, still_linked_refused, 60)
{
	int rc = worker_run(self, linked_setup, no_verify);

	EXPECT_EQ(rc, CKPT_EXIT_CKPT_FAILED);
	EXPECT_TRUE(log_has(self, "files unlinked but still linked elsewhere are not supported"));
}

TEST_HARNESS_MAIN
