// SPDX-License-Identifier: GPL-2.0
/*
 * The 3x3 process tree of test_tree (see ckpt_tree.h), restarted with
 * "restart --no-pidns": the tasks get fresh pids in the current pid
 * namespace, so the tree builder rewrites the tree record.  Checked:
 * every task's memory and the whole pipe stream as in test_tree, the
 * new pids are distinct, and every task's ppid, sid and pgid are the
 * new pids of the tasks they were before; every parent reaps its
 * children.
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

TEST_F_TIMEOUT(tree, depth3_width3_fresh_pids, 280)
{
	self->s.nchild = 3;
	self->s.ngrand = 3;
	self->s.mem = 256 << 10;
	self->s.stream = 1 << 20;
	self->s.base_buf = 4096;
	self->s.step_buf = 977;
	self->s.sink_pre = 3000;
	self->s.poll_ms = 20;
	self->s.fresh_pids = 1;
	run_tree(_metadata, self);
}

TEST_HARNESS_MAIN
