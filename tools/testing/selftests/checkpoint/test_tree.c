// SPDX-License-Identifier: GPL-2.0
/*
 * A process tree of depth 3 and width 3 (a root, 3 children, 9
 * grandchildren; see ckpt_tree.h), frozen with the cgroup v2 freezer,
 * checkpointed with checkpoint(root, fd, CHECKPOINT_SUBTREE, logfd),
 * killed and restarted with the restart tool in a new pid namespace.
 *
 * Checked: the image's tree record (13 entries, root first, each
 * parent before its children, the recorded pids); after restart every
 * task's pid, ppid, sid and pgid equal the originals (in the new pid
 * namespace), its own memory pattern and the copy-on-write region it
 * inherited are intact, the data buffered in the 12 pipes of the chain
 * at checkpoint time and the rest of the stream arrive complete and in
 * order at every task, every parent reaps its children by their
 * original pids, and restart --copy-status exits with the root's 0.
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

/* 1 + 3 + 9 tasks, 256 KiB each, 12 pipes holding 4-15 KiB each */
TEST_F_TIMEOUT(tree, depth3_width3, 280)
{
	self->s.nchild = 3;
	self->s.ngrand = 3;
	self->s.mem = 256 << 10;
	self->s.stream = 1 << 20;
	self->s.base_buf = 4096;
	self->s.step_buf = 977;
	self->s.sink_pre = 3000;
	self->s.poll_ms = 20;
	run_tree(_metadata, self);
}

TEST_HARNESS_MAIN
