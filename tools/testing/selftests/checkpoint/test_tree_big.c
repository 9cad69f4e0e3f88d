// SPDX-License-Identifier: GPL-2.0
/*
 * A tree of 100 processes (a root, 9 children, 90 grandchildren; see
 * ckpt_tree.h) with 128 KiB of its own memory each and a chain of 99
 * pipes, checkpointed from the freezer and restarted in a new pid
 * namespace like test_tree: every task checks its pids, memory and
 * stream after restart.  Prints the freeze, checkpoint(2) and restart
 * times (not asserted: the normal kernel's clock has 4 ms steps and
 * the guest runs under TCG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"
#include "ckpt_tree.h"

#include <linux/checkpoint_hdr.h>

#include "tree_test.h"

TEST_F_TIMEOUT(tree, tasks_100, 290)
{
	self->s.nchild = 9;
	self->s.ngrand = 10;
	self->s.mem = 128 << 10;
	self->s.stream = 128 << 10;
	self->s.base_buf = 256;
	self->s.step_buf = 7;
	self->s.sink_pre = 1000;
	self->s.poll_ms = 50;
	run_tree(_metadata, self);
}

TEST_HARNESS_MAIN
