/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Planning how to rebuild a process tree (the CKPT_HDR_TREE record of
 * an image) in userspace: who clones whom, who calls setsid() and
 * setpgid(), and which ghost tasks stand in for dead session and
 * process group leaders.  Pure computation, so that it is tested on
 * the host (tests/tree-test.c); treebuild.c carries the plan out.
 */
#ifndef _MKTREE_TREE_H
#define _MKTREE_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/checkpoint_hdr.h>

/* A creator or parent that is not a node: the process building the tree */
#define TREE_BUILDER	(-1)

enum tree_kind {
	TREE_TASK,	/* a process (thread group leader) of the image */
	TREE_THREAD,	/* another thread of an image process */
	TREE_ZOMBIE,	/* an image process that is dead, not reaped */
	TREE_GHOST,	/* a placeholder for a dead session/group leader */
};

struct tree_node {
	int kind;		/* TREE_* */
	int entry;		/* index in the image's tree; -1: ghost */
	pid_t pid, tgid, ppid, pgid, sid;	/* as in the image */
	int parent;		/* parent process's node, or TREE_BUILDER */
	int creator;		/* node that clones it, or TREE_BUILDER */
	bool clone_parent;	/* cloned by a sibling with CLONE_PARENT */
	bool early;		/* cloned before its creator's setsid() */
	bool do_setsid;		/* setsid() once created */
	bool do_setpgrp;	/* setpgid(0, 0) once created */
	bool join;		/* setpgid(0, pgid) once all tasks exist */
	pid_t born_sid;		/* the session it is cloned in (0: outer) */
	int ns;			/* its pid namespace: 0 the root's, k nested */
	int fc;			/* the one its children are born in */
	int level;		/* the level of ns: 0 for the root's */
	const pid_t *lpids;	/* its pids at levels 0 .. level */
	bool new_ns;		/* the init of ns: CLONE_NEWPID, pid 1 in it */
	bool new_uts;		/* in a UTS namespace of its own: CLONE_NEWUTS */
	bool new_ipc;		/* in an IPC namespace of its own: CLONE_NEWIPC */
};

/*
 * The image's pid namespaces (its CKPT_HDR_PIDNS record, as read):
 * namespace k (1 .. nr_ns) is ns[k - 1]; tasks[i] is tree entry i's;
 * pids holds each entry's level + 1 pids, from level 0 down.  Then its
 * CKPT_HDR_PIDNS_GHOSTS record, if any: ghost g's namespace is
 * ghost_ns[g], its level + 1 pids follow each other in ghost_pids.
 */
struct tree_pidns {
	unsigned int nr_ns;
	const struct ckpt_pidns *ns;
	const struct ckpt_task_ns *tasks;
	const int32_t *pids;
	unsigned int nr_pids;
	unsigned int nr_ghosts;
	const uint32_t *ghost_ns;
	const int32_t *ghost_pids;
	unsigned int nr_ghost_pids;
};

/* A dead leader's ghost in a nested namespace (CKPT_HDR_PIDNS_GHOSTS) */
struct tree_ghost {
	int ns;			/* the namespace it is made in */
	int level;
	const pid_t *lpids;	/* its pids at levels 0 .. level */
};

/* A nested pid namespace of the plan */
struct tree_ns {
	int parent;		/* its parent namespace, 0 the root's */
	int level;
	int init;		/* the node of its init */
};

enum tree_layout {
	TREE_REAPER,		/* a new pid ns whose init (pid 1) builds */
	TREE_CONTAINER,		/* a new pid ns whose init is the root */
	TREE_FRESH,		/* no new pid ns: fresh pids (-P) */
};

struct tree_plan {
	struct tree_node *nodes;
	int nr;			/* nodes: image entries first, then ghosts */
	int nr_entries;
	int root;		/* the node of the image's root */
	int layout;		/* TREE_* layout */
	bool builder_setsid;	/* the builder (reaper, pid 1) is session 1 */
	int nr_ns;		/* nested pid namespaces */
	struct tree_ns *ns;	/* namespace k at ns[k - 1] */
	int nr_ghosts;		/* ghosts of nested namespaces */
	struct tree_ghost *ghosts;
	char err[256];		/* why tree_plan() failed */
};

/*
 * Plan the tree of @nr entries, in the pid namespaces @pidns (NULL: all
 * in the root's), for @layout.  Returns 0, or -1 with a message in
 * plan->err (an invalid tree, or a shape this builder does not
 * support: the message then says "not supported").
 */
int tree_plan(struct tree_plan *plan, const struct ckpt_task_pids *pids,
	      unsigned int nr, const struct tree_pidns *pidns, int layout);
void tree_plan_free(struct tree_plan *plan);
/* Print the plan, one line per node, in the order it is carried out */
void tree_plan_print(FILE *f, const struct tree_plan *plan);

/* The node whose image pid is @pid, or -1 */
int tree_find(const struct tree_plan *plan, pid_t pid);
/* The pid of node @i in the namespace of level @level of its chain */
pid_t tree_pid_at(const struct tree_plan *plan, int i, int level);
/* How many nodes @creator clones; the @i-th of them in cloning order */
int tree_nr_clones(const struct tree_plan *plan, int creator);
int tree_clone_at(const struct tree_plan *plan, int creator, int i);

#endif /* _MKTREE_TREE_H */
