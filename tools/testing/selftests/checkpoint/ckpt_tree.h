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

/*
 * A tree checkpointed and restarted with the tools (test_container,
 * test_pidns_nested, test_pidns_ghosts, test_sysvipc, test_zombies).
 * Its tasks write <dir>/ready.<i> once in their state and sleep until
 * the go file exists; restored, they check their state and write
 * <dir>/res.<i>.  The test:
 *   ckpt_ctr_init()       in FIXTURE_SETUP, ckpt_ctr_fini() in
 *                         FIXTURE_TEARDOWN_PARENT;
 *   ckpt_ctr_start()      forks the tree, in a new pid namespace or not;
 *   ckpt_ctr_ready()      waits for its ready files;
 *   ckpt_ctr_root()       the pid to checkpoint;
 *   ckpt_ctr_checkpoint() freezes the cgroup and checkpoints the tree;
 *   ckpt_ctr_kill()       kills it;
 *   ckpt_ctr_restart()    creates the go file, restarts the image with
 *                         the restart tool and waits for the res files.
 * Each step says what went wrong on stderr (TAP comments).
 */
struct ckpt_ctr {
	struct ckpt_env env;
	char *img, *log;
	char *out;		/* the tree's stdout and stderr */
	char *ckpt_out;		/* the checkpoint tool's */
	char *rst_out;		/* the restart tool's */
	char go[CKPT_PATH_LEN + 8];
	char comm[16];		/* comm of the tree's tasks */
	pid_t helper;		/* the forked top: root or namespace helper */
	pid_t tool;		/* the restart tool */
};

/* ckpt_env_init(@name), the paths, comm "<@tag><pid>": 0 or -1 */
int ckpt_ctr_init(struct ckpt_ctr *c, const char *name, const char *tag);
/* Kill what is left of the tree and the tools; ckpt_env_fini() */
void ckpt_ctr_fini(struct ckpt_ctr *c);
/*
 * Fork the tree (c->helper, tracked): a child that joins the cgroup
 * created with ckpt_cg_create(&c->env, ...), writes to c->out and
 * takes c->comm.  Without @container it runs @root; with it, it
 * unshares CLONE_NEWPID (failure: exit CKPT_EXIT_SKIP), forks @root as
 * pid 1 of the new namespace, writes its pid to <dir>/root.pid and
 * waits for it, outside the container (all its fds closed: checkpoint
 * would refuse an output file shared with the container).  Returns the
 * pid or -1.
 */
pid_t ckpt_ctr_start(struct ckpt_ctr *c, int container, void (*root)(void));
/*
 * Wait up to 60 s for <dir>/ready.<i>, 0 <= i < @n, while the helper
 * lives: returns how many exist.  *@skip (if not NULL) is set when the
 * helper exited with CKPT_EXIT_SKIP; the tree's output is shown when
 * some are missing.
 */
int ckpt_ctr_ready(struct ckpt_ctr *c, int n, int *skip);
/* The tree's root: c->helper, or with @container <dir>/root.pid; or -1 */
pid_t ckpt_ctr_root(struct ckpt_ctr *c, int container);
/*
 * Freeze the cgroup and checkpoint @root into c->img: with @container
 * "checkpoint -c" (120 s at most), else checkpoint(2) with
 * CHECKPOINT_SUBTREE.  0, or -1 after showing the log.
 */
int ckpt_ctr_checkpoint(struct ckpt_ctr *c, pid_t root, int container);
/* Kill every task of the cgroup and reap the helper: 0 or -1 */
int ckpt_ctr_kill(struct ckpt_ctr *c);
/*
 * Create the go file, spawn "restart -i img -l log @extra..." (c->tool)
 * and wait up to 180 s for <dir>/res.<i>, 0 <= i < @n, then up to 60 s
 * for the tool: *@reaped tells whether it exited, *@status how.
 * Returns how many res files exist (the outputs are shown when some
 * are missing or the tool failed), or -1 if the tool did not start.
 */
int ckpt_ctr_restart(struct ckpt_ctr *c, const char *const extra[], int n,
		     int *status, int *reaped);

/*
 * Tasks of such trees.  ckpt_tree_fork(): fork() that exits with
 * CKPT_EXIT_SETUP when it fails and resets *@nr_kids in the child (it
 * has none yet).  ckpt_reap_kids(), in a restored task: wait for each
 * of its @n children @kids (for any child instead when @any: pids that
 * changed at restart), reporting as "<who>: child ..." each one that
 * did not exit with 0; returns 0 if all did, else 1.
 */
pid_t ckpt_tree_fork(int *nr_kids);
int ckpt_reap_kids(const char *who, const pid_t *kids, int n, int any);

#endif /* _CKPT_TREE_H */
