/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A process tree for the tree tests (test_tree, test_tree_big): a root,
 * nchild children and ngrand grandchildren per child.  Tasks are
 * numbered in depth-first order (the image order of the tree record):
 * root 0, child c 1 + c * (1 + ngrand), its grandchild g that + 1 + g.
 *
 * Every task has its own memory pattern (and checks the root's
 * copy-on-write region it inherited), records its pid, ppid, sid and
 * pgid, and sits in a chain of pipes: pipe i carries a byte stream
 * from task i to task i + 1, the root is the source and the last task
 * the sink, every task checks each byte it forwards.  Before the
 * checkpoint task i forwards fwd[i] bytes (fwd decreasing along the
 * chain), so that pipe i holds fwd[i] - fwd[i + 1] bytes at checkpoint
 * time; it writes "ready.<i>" and sleeps until the go file exists.
 * Then it checks its state, forwards the rest of the stream to EOF,
 * writes "res.<i>" and waits for its children (by their recorded
 * pids), exiting with 0 only if all its checks passed and its
 * children exited with 0.
 *
 * ready.<i> and res.<i> hold the line
 *   idx I pid P ppid PP sid S pgid G bytes B nspid "N..." result ok|<why>
 */
#ifndef _CKPT_TREE_H
#define _CKPT_TREE_H

#include <sys/types.h>

#include "ckpt_util.h"

#define TREE_MAX	128

struct tree_shape {
	int nchild, ngrand;
	size_t mem;		/* private anonymous bytes per task */
	size_t stream;		/* total bytes through the pipe chain */
	int base_buf;		/* bytes buffered in pipe 0 at checkpoint */
	int step_buf;		/* pipe i buffers base_buf + i * step_buf */
	int sink_pre;		/* bytes the sink reads before the checkpoint */
	int poll_ms;		/* how often sleeping tasks look for go */
	int fresh_pids;		/* restart -P: pids change, relations stay */
	char comm[16];		/* comm of every task of the tree */
	char dir[CKPT_PATH_LEN];	/* ready, res and out files */
};

struct tree_info {
	int idx;
	pid_t pid, ppid, sid, pgid;
	long bytes;
	char nspid[64];
	char result[160];
};

static inline int tree_nr(const struct tree_shape *s)
{
	return 1 + s->nchild * (1 + s->ngrand);
}

/*
 * Fork the tree's root (it moves itself into the cgroup of @env first,
 * when there is one, and calls setsid()); returns its pid.
 */
pid_t tree_start(const struct tree_shape *s, const struct ckpt_env *env);

/* Parse <dir>/<prefix><idx>: 0 on success */
int tree_read(const struct tree_shape *s, const char *prefix, int idx,
	      struct tree_info *ti);

/* The go file that the sleeping tasks wait for */
void tree_go_path(const struct tree_shape *s, char *buf, size_t len);

#endif /* _CKPT_TREE_H */
