// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test: the guest kernel has checkpoint(2) and restart(2) at the
 * contract's numbers 500 and 501, and they reject unknown flag bits with
 * EINVAL (rather than the stubs' ENOSYS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/* TEST() wrappers leave the harness' variant argument unused */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"

#ifndef __NR_checkpoint
#define __NR_checkpoint 500
#endif
#ifndef __NR_restart
#define __NR_restart 501
#endif

TEST(syscall_numbers)
{
	ASSERT_EQ(500, __NR_checkpoint);
	ASSERT_EQ(501, __NR_restart);
}

TEST(checkpoint_rejects_unknown_flags)
{
	long ret;

	errno = 0;
	ret = syscall(__NR_checkpoint, 0, -1, ~0UL, -1);
	ASSERT_EQ(-1, ret);
	ASSERT_NE(ENOSYS, errno) {
		TH_LOG("checkpoint (syscall 500) returned ENOSYS: not implemented");
	}
	EXPECT_EQ(EINVAL, errno);
}

TEST(restart_rejects_unknown_flags)
{
	long ret;

	errno = 0;
	ret = syscall(__NR_restart, 0, -1, ~0UL, -1);
	ASSERT_EQ(-1, ret);
	ASSERT_NE(ENOSYS, errno) {
		TH_LOG("restart (syscall 501) returned ENOSYS: not implemented");
	}
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
