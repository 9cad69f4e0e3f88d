/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Carrying out a tree plan (tree.h): clone the tasks, set their
 * sessions and process groups, let the ghosts go, then let every task
 * call restart(0, CHECKPOINT_FD_NONE, flags, CHECKPOINT_FD_NONE).
 *
 * The process that calls tree_build_start() is the builder (TREE_BUILDER
 * in the plan) and the coordinator of the phases:
 *
 *   1. every node is cloned and has its session (and leads its group);
 *   2. every task has joined its process group;
 *   3. the ghosts have exited and been reaped;
 *   then tree_build_go() lets the tasks call restart(2).
 *
 * Tasks report each phase, and any failure, on a pipe; a phase ends
 * when the coordinator closes the write end of its "go" pipe, which all
 * tasks wait to see closed.  Nothing waits for ever: a failure report,
 * all reporters gone, or TREE_TIMEOUT seconds without progress end the
 * build with a message.
 */
#ifndef _MKTREE_TREEBUILD_H
#define _MKTREE_TREEBUILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "tree.h"

#define TREE_TIMEOUT	60	/* seconds a phase may take */

struct tree_build {
	const struct tree_plan *plan;
	unsigned long flags;	/* restart flags of every task */
	const char *freezer;	/* -F: tasks move into CGROUP first */
	const char *root;	/* -r: tasks chroot into DIR then */
	bool newpid;		/* clone the root with CLONE_NEWPID */
	pid_t *pids;		/* per node, as its creator sees it; 0 */
	pid_t *bpids;		/* fresh pids: nodes of nested creators, as
				 * they read their pid in the builder's /proc
				 * (shared, after pids) */
	int *phase;		/* per node: the last phase reported */
	char err[512];		/* what went wrong */
	int fail_err;		/* its errno, if any */
};

int tree_build_init(struct tree_build *b, const struct tree_plan *plan);
/* Clone the builder's own clones (the tasks clone the rest) */
int tree_build_start(struct tree_build *b);
/* Run the phases until the tasks may call restart(2) */
int tree_build_sync(struct tree_build *b);
/* Let them */
void tree_build_go(struct tree_build *b);
/* Node @i's pid as the builder sees it, 0 if unknown (in a container) */
pid_t tree_build_pid(const struct tree_build *b, int i);
/* SIGKILL everything cloned, reap the builder's children */
void tree_build_kill(struct tree_build *b);
void tree_build_free(struct tree_build *b);

#endif /* _MKTREE_TREEBUILD_H */
