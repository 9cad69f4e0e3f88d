// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the pid namespaces of a tree.
 *
 * The tree record gives every task's pids in the root task's pid
 * namespace.  Tasks of the tree may be in pid namespaces nested in that
 * one (a container that runs another container): the CKPT_HDR_PIDNS
 * record after the tree says which namespace each task is in, which
 * one its children are born in, and its pids at every level.
 *
 * Checkpoint refuses what the tree builder cannot rebuild: a nested
 * namespace must have its init (pid 1 in it) in the tree, and a task
 * may only be in another namespace than its parent, or have its
 * children born in another namespace than its own, when it (or its
 * parent) is the parent of that namespace's init: the task that made
 * the namespace with clone(CLONE_NEWPID) or unshare(CLONE_NEWPID) and
 * a fork, not one that entered it with setns().
 *
 * A process group or session whose leader is dead (no task of the
 * tree) and whose pid was allocated in a nested namespace gets its
 * pids at every level in the CKPT_HDR_PIDNS_GHOSTS record: the tree
 * builder makes its ghost in that namespace, with those pids.
 *
 * Restart checks, before any task restores itself, that the tasks the
 * tree builder made are in namespaces nested as the image says, that
 * each namespace's init is the image's, that tasks the image puts in
 * one namespace are in one namespace and tasks of different ones in
 * different ones, and that every task has the image's pid at every
 * level and the image's pid_ns_for_children, and that the ghosts'
 * groups and sessions are the image's, in the image's namespaces.
 */

#include <linux/bitmap.h>
#include <linux/checkpoint.h>
#include <linux/nsproxy.h>
#include <linux/overflow.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/threads.h>
#include <linux/xarray.h>

/* The namespaces of the tasks being saved; ns[0] is the root task's */
struct ckpt_pidns_save {
	struct pid_namespace **ns;	/* nr_ns of them, referenced */
	struct ckpt_pidns *ent;		/* ent[k - 1] describes ns[k] */
	unsigned int nr_ns;		/* with ns[0] */
	unsigned int *first;		/* per ns: the first task in it */
	bool *has_init;			/* per ns: init found */
	struct pid_namespace **tns;	/* per task: its namespace, referenced */
	struct pid_namespace **tfc;	/* per task: pid_ns_for_children, ref'd */
	struct ckpt_task_ns *task;	/* per task: the record's entry */
	unsigned int *parent;		/* per task: its parent's leader, or -1 */
	u32 nr_pids;
	struct xarray idx;		/* ns inum -> index + 1 */
	struct pid **dead;		/* groups, sessions of no task: ref'd */
	unsigned int *dead_ns;		/* per dead: its ghost's ns, 0: none */
	unsigned int nr_dead;
	unsigned int nr_ghosts;		/* dead with a dead_ns */
	u32 nr_ghost_pids;
};

static void ckpt_pidns_save_free(struct ckpt_pidns_save *s, unsigned int nr_tasks)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; s->ns && i < s->nr_ns; i++)
		put_pid_ns(s->ns[i]);
	for (i = 0; i < s->nr_dead; i++)
		put_pid(s->dead[i]);
	for (i = 0; i < nr_tasks; i++) {
		if (s->tns && s->tns[i])
			put_pid_ns(s->tns[i]);
		if (s->tfc && s->tfc[i])
			put_pid_ns(s->tfc[i]);
	}
	xa_destroy(&s->idx);
	kvfree(s->ns);
	kvfree(s->ent);
	kvfree(s->first);
	kvfree(s->has_init);
	kvfree(s->tns);
	kvfree(s->tfc);
	kvfree(s->task);
	kvfree(s->parent);
	kvfree(s->dead);
	kvfree(s->dead_ns);
	kfree(s);
}

void checkpoint_pidns_free(struct ckpt_ctx *ctx)
{
	ckpt_pidns_save_free(ctx->pidns, ctx->nr_tasks);
	ctx->pidns = NULL;
}

/* The index of @ns in the table, or 0 if it is not there (0 is the root's) */
static unsigned int ckpt_pidns_find(struct ckpt_pidns_save *s, struct pid_namespace *ns)
{
	void *e = xa_load(&s->idx, ns->ns.inum);

	return e ? xa_to_value(e) - 1 : 0;
}

/*
 * Put @ns, nested in ns[0] @depth levels deep, and its ancestors below
 * ns[0] into the table, parents first; @i is the task that is in it.
 */
static int ckpt_pidns_add(struct ckpt_ctx *ctx, struct ckpt_pidns_save *s,
			  struct pid_namespace *ns, unsigned int depth, unsigned int i)
{
	struct pid_namespace *chain[CKPT_PIDNS_LEVELS];
	unsigned int k, parent = 0, n;
	int ret;

	for (k = depth; k > 0; k--) {
		chain[k - 1] = ns;
		ns = ns->parent;
	}
	for (k = 0; k < depth; k++) {
		n = ckpt_pidns_find(s, chain[k]);
		if (!n) {
			/* a namespace per task at most: the tasks' inits */
			if (s->nr_ns >= ctx->nr_tasks)
				return ckpt_err(ctx, -EOPNOTSUPP,
						"a pid namespace without its init in the tree");
			n = s->nr_ns;
			ret = xa_insert(&s->idx, chain[k]->ns.inum, xa_mk_value(n + 1),
					GFP_KERNEL);
			if (ret)
				return ret;
			s->ns[n] = get_pid_ns(chain[k]);
			s->ent[n - 1].parent = parent;
			s->ent[n - 1].level = k + 1;
			s->first[n] = i;
			s->nr_ns++;
		}
		parent = n;
	}
	return 0;
}

/*
 * Keep @pid, a process group or session, if the root's namespace sees
 * it and it is no task's pid: its leader is dead (or not in the tree)
 */
static void ckpt_pidns_dead(struct ckpt_pidns_save *s, struct xarray *pids,
			    struct pid *pid)
{
	pid_t nr = pid_nr_ns(pid, s->ns[0]);

	if (nr && !xa_load(pids, nr))
		s->dead[s->nr_dead++] = get_pid(pid);
}

/* Read what the checks need while the tasks' pids are stable */
static void ckpt_pidns_snapshot(struct ckpt_ctx *ctx, struct ckpt_pidns_save *s,
				struct xarray *pids)
{
	struct pid_namespace *root_ns = s->ns[0];
	unsigned int i;
	void *e;

	read_lock(&tasklist_lock);
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];
		struct pid_namespace *ns = task_active_pid_ns(t);

		s->parent[i] = -1;
		if (!ns)
			continue;
		s->tns[i] = get_pid_ns(ns);
		task_lock(t);
		if (t->nsproxy)
			s->tfc[i] = get_pid_ns(t->nsproxy->pid_ns_for_children);
		task_unlock(t);
		if (i && thread_group_leader(t)) {
			e = xa_load(pids, task_tgid_nr_ns(t->real_parent, root_ns));
			if (e)
				s->parent[i] = xa_to_value(e) - 1;
		}
		if (thread_group_leader(t)) {
			ckpt_pidns_dead(s, pids, task_pgrp(t));
			ckpt_pidns_dead(s, pids, task_session(t));
		}
	}
	read_unlock(&tasklist_lock);
}

/* Is @ns @depth levels below @anc? */
static bool ckpt_pidns_below(struct pid_namespace *ns, struct pid_namespace *anc,
			     unsigned int *depth)
{
	if (ns->level < anc->level)
		return false;
	*depth = ns->level - anc->level;
	while (ns->level > anc->level)
		ns = ns->parent;
	return ns == anc;
}

static int ckpt_pidns_check_task(struct ckpt_ctx *ctx, struct ckpt_pidns_save *s,
				 unsigned int i)
{
	struct task_struct *t = ctx->tasks[i];
	unsigned int depth, n, fc, p;

	if (!s->tns[i])
		return ckpt_err(ctx, -ESRCH, "the task is gone");
	if (!ckpt_pidns_below(s->tns[i], s->ns[0], &depth))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"its pid namespace is not the root task's nor nested in it");
	if (depth > CKPT_PIDNS_LEVELS)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid namespaces nested too deep");
	n = ckpt_pidns_find(s, s->tns[i]);
	if (depth && !n)
		return -EINVAL;
	s->task[i].ns = n;
	s->task[i].ns_for_children = n;
	s->nr_pids += n ? s->ent[n - 1].level + 1 : 1;
	if (n && task_pid_nr_ns(t, s->tns[i]) == 1) {
		s->ent[n - 1].init = i;
		s->has_init[n] = true;
		if (t->exit_state)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the init of a nested pid namespace is a zombie: not supported");
	}

	if (!s->tfc[i] || s->tfc[i] == s->tns[i])
		goto parent;
	fc = ckpt_pidns_below(s->tfc[i], s->tns[i], &depth) ?
	     ckpt_pidns_find(s, s->tfc[i]) : 0;
	if (!fc)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"its children would be born in a pid namespace that no task of the tree is in (unshare(CLONE_NEWPID) without a child, or setns()): not supported");
	if (!thread_group_leader(t))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a thread whose pid_ns_for_children is not its pid namespace: not supported");
	s->task[i].ns_for_children = fc;

parent:
	if (!i || !thread_group_leader(t))
		return 0;
	p = s->parent[i];
	if (p == -1U || !s->tns[p])
		return ckpt_err(ctx, -EINVAL, "its parent is not in the tree");
	if (!ckpt_pidns_below(s->tns[i], s->tns[p], &depth))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"its pid namespace is not its parent's nor nested in it");
	return 0;
}

/*
 * The parent of @i's namespace's init must be @i's parent (for a task
 * in another namespace than its parent's), or @i itself (for the
 * namespace its children are born in): the tree builder makes the
 * namespace with its init, then enters it with setns() to clone the
 * namespace's other tasks, or to leave it as pid_ns_for_children.
 */
static int ckpt_pidns_check_creator(struct ckpt_ctx *ctx, struct ckpt_pidns_save *s,
				    unsigned int i)
{
	struct task_struct *t = ctx->tasks[i];
	unsigned int n = s->task[i].ns, fc = s->task[i].ns_for_children;
	unsigned int p = s->parent[i], init;

	if (fc != n) {
		init = s->ent[fc - 1].init;
		if (s->parent[init] != i)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"its children are born in a pid namespace whose init (pid %d) is not its child (setns()): not supported",
					task_pid_vnr(ctx->tasks[init]));
	}
	if (!i || !thread_group_leader(t) || !n || s->task[p].ns == n)
		return 0;
	init = s->ent[n - 1].init;
	if (init == i) {
		if (s->ent[n - 1].parent != s->task[p].ns)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the init of a nested pid namespace whose parent is not in the parent namespace");
		return 0;
	}
	if (s->parent[init] != p)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"in a pid namespace that its parent entered with setns() (the namespace's init, pid %d, is not its sibling): not supported",
				task_pid_vnr(ctx->tasks[init]));
	return 0;
}

/*
 * The namespace of the table a ghost for @pid is made in: the deepest
 * of the pid's namespaces that a task of the tree is in; 0 for the
 * root's, where the tree record's pid is all the builder needs
 */
static unsigned int ckpt_pidns_home(struct ckpt_pidns_save *s, struct pid *pid)
{
	struct pid_namespace *ns;
	unsigned int n;

	for (ns = ns_of_pid(pid); ns && ns->level > s->ns[0]->level; ns = ns->parent) {
		n = ckpt_pidns_find(s, ns);
		if (n)
			return n;
	}
	return 0;
}

/* The dead leaders that need a ghost in a nested namespace, once each */
static int ckpt_pidns_ghosts(struct ckpt_pidns_save *s)
{
	struct xarray seen;
	unsigned int i, n;
	int ret = 0;

	xa_init(&seen);
	for (i = 0; i < s->nr_dead; i++) {
		ret = xa_insert(&seen, pid_nr_ns(s->dead[i], s->ns[0]), xa_mk_value(1),
				GFP_KERNEL);
		if (ret == -EBUSY) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		n = ckpt_pidns_home(s, s->dead[i]);
		if (!n)
			continue;
		s->dead_ns[i] = n;
		s->nr_ghosts++;
		s->nr_ghost_pids += s->ent[n - 1].level + 1;
	}
	xa_destroy(&seen);
	return ret;
}

/**
 * checkpoint_pidns - check and record the pid namespaces of the tasks
 * @ctx: checkpoint context, with the tasks collected
 *
 * Refuses (EOPNOTSUPP) what the tree builder cannot rebuild; keeps the
 * namespace table for checkpoint_write_pidns().
 */
int checkpoint_pidns(struct ckpt_ctx *ctx)
{
	unsigned int nr = ctx->nr_tasks, i, depth;
	struct ckpt_pidns_save *s;
	struct xarray pids;
	int ret = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	xa_init(&s->idx);
	ctx->pidns = s;
	s->ns = kvcalloc(nr, sizeof(*s->ns), GFP_KERNEL);
	s->ent = kvcalloc(nr, sizeof(*s->ent), GFP_KERNEL);
	s->first = kvcalloc(nr, sizeof(*s->first), GFP_KERNEL);
	s->has_init = kvcalloc(nr, sizeof(*s->has_init), GFP_KERNEL);
	s->tns = kvcalloc(nr, sizeof(*s->tns), GFP_KERNEL);
	s->tfc = kvcalloc(nr, sizeof(*s->tfc), GFP_KERNEL);
	s->task = kvcalloc(nr, sizeof(*s->task), GFP_KERNEL);
	s->parent = kvcalloc(nr, sizeof(*s->parent), GFP_KERNEL);
	s->dead = kvcalloc(2 * nr, sizeof(*s->dead), GFP_KERNEL);
	s->dead_ns = kvcalloc(2 * nr, sizeof(*s->dead_ns), GFP_KERNEL);
	if (!s->ns || !s->ent || !s->first || !s->has_init || !s->tns ||
	    !s->tfc || !s->task || !s->parent || !s->dead || !s->dead_ns)
		return -ENOMEM;
	s->ns[0] = get_pid_ns(task_active_pid_ns(ctx->root_task));
	s->nr_ns = 1;

	/* the processes by their pid in the root's namespace */
	xa_init(&pids);
	for (i = 0; i < nr && !ret; i++)
		if (thread_group_leader(ctx->tasks[i]))
			ret = xa_insert(&pids, task_tgid_nr_ns(ctx->tasks[i], s->ns[0]),
					xa_mk_value(i + 1), GFP_KERNEL);
	if (!ret)
		ckpt_pidns_snapshot(ctx, s, &pids);
	xa_destroy(&pids);
	if (ret)
		return ret == -EBUSY ? -EINVAL : ret;

	/* every namespace, parents first, then what each task is in */
	for (i = 0; i < nr; i++) {
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[i]);
		if (s->tns[i] && ckpt_pidns_below(s->tns[i], s->ns[0], &depth) &&
		    depth <= CKPT_PIDNS_LEVELS) {
			ret = ckpt_pidns_add(ctx, s, s->tns[i], depth, i);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < nr; i++) {
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[i]);
		ret = ckpt_pidns_check_task(ctx, s, i);
		if (ret)
			return ret;
	}
	for (i = 1; i < s->nr_ns; i++) {
		if (s->has_init[i])
			continue;
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[s->first[i]]);
		return ckpt_err(ctx, -EOPNOTSUPP,
				"the init of its pid namespace (pid 1 there) is not in the checkpointed tree: not supported");
	}
	for (i = 0; i < nr; i++) {
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[i]);
		ret = ckpt_pidns_check_creator(ctx, s, i);
		if (ret)
			return ret;
	}
	return ckpt_pidns_ghosts(s);
}

/* The CKPT_HDR_PIDNS_GHOSTS record, if a ghost lives in a nested namespace */
static int checkpoint_write_pidns_ghosts(struct ckpt_ctx *ctx)
{
	struct ckpt_pidns_save *s = ctx->pidns;
	struct ckpt_hdr_pidns_ghosts *h;
	unsigned int i, k, n, g = 0;
	size_t len;
	u32 *gns;
	s32 *pids;
	int ret;

	if (!s->nr_ghosts)
		return 0;
	len = sizeof(*h) + s->nr_ghosts * sizeof(*gns) + s->nr_ghost_pids * sizeof(*pids);
	if (len > CKPT_RECORD_MAX)
		return ckpt_err(ctx, -E2BIG, "pid namespace ghosts record of %zu bytes", len);
	h = ckpt_hdr_alloc(CKPT_HDR_PIDNS_GHOSTS, len);
	if (!h)
		return -ENOMEM;
	h->nr_ghosts = s->nr_ghosts;
	h->nr_pids = s->nr_ghost_pids;
	gns = (void *)(h + 1);
	pids = (void *)(gns + s->nr_ghosts);
	for (i = 0; i < s->nr_dead; i++) {
		unsigned int level;

		n = s->dead_ns[i];
		if (!n)
			continue;
		gns[g++] = n;
		level = s->ent[n - 1].level;
		/* from the ghost's namespace up to the root's */
		for (k = level + 1; k > 0; k--) {
			pids[k - 1] = pid_nr_ns(s->dead[i], s->ns[n]);
			n = n ? s->ent[n - 1].parent : 0;
		}
		pids += level + 1;
	}
	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/**
 * checkpoint_write_pidns - write the CKPT_HDR_PIDNS record, and the
 * CKPT_HDR_PIDNS_GHOSTS one if it is needed
 * @ctx: checkpoint context, after checkpoint_pidns()
 */
int checkpoint_write_pidns(struct ckpt_ctx *ctx)
{
	struct ckpt_pidns_save *s = ctx->pidns;
	unsigned int nr_ns = s->nr_ns - 1, i, k, n;
	struct ckpt_pidns *ent;
	struct ckpt_task_ns *task;
	struct ckpt_hdr_pidns *h;
	size_t len;
	s32 *pids;
	int ret;

	len = sizeof(*h) + nr_ns * sizeof(*ent) + ctx->nr_tasks * sizeof(*task) +
	      s->nr_pids * sizeof(*pids);
	if (len > CKPT_RECORD_MAX)
		return ckpt_err(ctx, -E2BIG, "pid namespace record of %zu bytes", len);
	h = ckpt_hdr_alloc(CKPT_HDR_PIDNS, len);
	if (!h)
		return -ENOMEM;
	h->nr_ns = nr_ns;
	h->nr_tasks = ctx->nr_tasks;
	h->nr_pids = s->nr_pids;
	ent = (void *)(h + 1);
	task = (void *)(ent + nr_ns);
	pids = (void *)(task + ctx->nr_tasks);
	memcpy(ent, s->ent, nr_ns * sizeof(*ent));
	memcpy(task, s->task, ctx->nr_tasks * sizeof(*task));

	read_lock(&tasklist_lock);
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct pid *pid = task_pid(ctx->tasks[i]);
		unsigned int level = 0;

		n = task[i].ns;
		if (n)
			level = ent[n - 1].level;
		/* from the task's own namespace up to the root's */
		for (k = level + 1; k > 0; k--) {
			pids[k - 1] = pid_nr_ns(pid, s->ns[n]);
			n = n ? ent[n - 1].parent : 0;
		}
		pids += level + 1;
	}
	read_unlock(&tasklist_lock);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	if (!ret)
		ret = checkpoint_write_pidns_ghosts(ctx);
	return ret;
}

/* Restart: the record, with each task's first pid, and the namespaces found */
struct ckpt_pidns_image {
	struct ckpt_hdr_pidns *h;
	struct ckpt_pidns *ent;
	struct ckpt_task_ns *task;
	s32 *pids;
	u32 *off;			/* per task: its first pid in pids[] */
	struct pid_namespace **real;	/* per namespace, while checking */
	const struct ckpt_hdr_tree *tree;
	/* the ghosts record, if there is one */
	struct ckpt_hdr_pidns_ghosts *gh;
	u32 *gns;			/* per ghost: its namespace */
	s32 *gpids;
	u32 *goff;			/* per ghost: its first pid in gpids[] */
	struct xarray gidx;		/* level 0 pid -> ghost + 1 */
};

void restore_pidns_free(struct ckpt_pidns_image *pi)
{
	if (!pi)
		return;
	ckpt_free(pi->h);
	ckpt_free(pi->gh);
	kvfree(pi->off);
	kvfree(pi->real);
	kvfree(pi->goff);
	xa_destroy(&pi->gidx);
	kfree(pi);
}

static u32 ckpt_pidns_level(const struct ckpt_pidns_image *pi, u32 n)
{
	return n ? pi->ent[n - 1].level : 0;
}

/* The namespaces from the root's (chain[0]) down to @n; its level */
static u32 ckpt_pidns_chain(const struct ckpt_pidns_image *pi, u32 n, u32 *chain)
{
	u32 level = ckpt_pidns_level(pi, n), k;

	for (k = level + 1; k > 0; k--) {
		chain[k - 1] = n;
		n = n ? pi->ent[n - 1].parent : 0;
	}
	return level;
}

/* Check the record against the tree; @pi->off is filled */
static int restore_check_pidns_record(struct ckpt_ctx *ctx, struct ckpt_pidns_image *pi,
				      const struct ckpt_hdr_tree *tree)
{
	const struct ckpt_hdr_pidns *h = pi->h;
	u32 i, k, n, fc, level, off = 0;

	for (n = 1; n <= h->nr_ns; n++) {
		const struct ckpt_pidns *e = &pi->ent[n - 1];

		if (e->parent >= n || e->init >= h->nr_tasks ||
		    e->level != ckpt_pidns_level(pi, e->parent) + 1 ||
		    e->level > CKPT_PIDNS_LEVELS)
			return ckpt_err(ctx, -EINVAL,
					"pid namespace record: namespace %u is malformed", n);
	}
	for (i = 0; i < h->nr_tasks; i++) {
		const struct ckpt_task_pids *p = &tree->pids[i];

		ctx->tsk_pid = p->pid;
		n = pi->task[i].ns;
		fc = pi->task[i].ns_for_children;
		if (n > h->nr_ns || fc > h->nr_ns || (!i && n))
			goto bad;
		/* the children's namespace is the task's or nested in it */
		level = ckpt_pidns_level(pi, n);
		while (ckpt_pidns_level(pi, fc) > level)
			fc = pi->ent[fc - 1].parent;
		if (fc != n || level + 1 > h->nr_pids - off)
			goto bad;
		pi->off[i] = off;
		if (pi->pids[off] != p->pid)
			goto bad;
		for (k = 0; k <= level; k++)
			if (pi->pids[off + k] <= 0 || pi->pids[off + k] >= PID_MAX_LIMIT)
				goto bad;
		/* pid 1 in a nested namespace is its init, and only it */
		if (n && pi->ent[n - 1].init == i && pi->pids[off + level] != 1)
			goto bad;
		if (n && pi->ent[n - 1].init != i && pi->pids[off + level] == 1)
			goto bad;
		if (n && pi->ent[n - 1].init == i &&
		    p->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE))
			goto bad;
		off += level + 1;
	}
	if (off != h->nr_pids)
		return ckpt_err(ctx, -EINVAL, "pid namespace record: %u pids, %u used",
				h->nr_pids, off);
	for (n = 1; n <= h->nr_ns; n++)
		if (pi->task[pi->ent[n - 1].init].ns != n)
			return ckpt_err(ctx, -EINVAL,
					"pid namespace record: namespace %u without its init", n);
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL,
			"pid namespace record: task %u is malformed", i);
}

/* Check the ghosts record against the namespaces and the tree */
static int restore_check_pidns_ghosts(struct ckpt_ctx *ctx, struct ckpt_pidns_image *pi,
				      unsigned long *used)
{
	const struct ckpt_hdr_pidns_ghosts *h = pi->gh;
	const struct ckpt_hdr_tree *tree = pi->tree;
	u32 g, k, n, level, off = 0;
	void *e;
	int ret;

	for (g = 0; g < h->nr_ghosts; g++) {
		const s32 *pids = pi->gpids + off;

		n = pi->gns[g];
		if (!n || n > pi->h->nr_ns)
			goto bad;
		level = ckpt_pidns_level(pi, n);
		if (level + 1 > h->nr_pids - off)
			goto bad;
		for (k = 0; k <= level; k++)
			if (pids[k] <= 0 || pids[k] >= PID_MAX_LIMIT)
				goto bad;
		/* pid 1 is the namespace's init, which is alive */
		if (pids[level] == 1)
			goto bad;
		ret = xa_insert(&pi->gidx, pids[0], xa_mk_value(g + 1), GFP_KERNEL);
		if (ret == -EBUSY)
			goto bad;
		if (ret)
			return ret;
		pi->goff[g] = off;
		off += level + 1;
	}
	if (off != h->nr_pids)
		return ckpt_err(ctx, -EINVAL, "pid namespace ghosts record: %u pids, %u used",
				h->nr_pids, off);
	/* a ghost is no task, and some task's group or session */
	for (k = 0; k < tree->nr_tasks; k++) {
		const struct ckpt_task_pids *p = &tree->pids[k];

		e = xa_load(&pi->gidx, p->pid);
		if (e) {
			g = xa_to_value(e) - 1;
			goto bad;
		}
		e = p->pgid ? xa_load(&pi->gidx, p->pgid) : NULL;
		if (e)
			__set_bit(xa_to_value(e) - 1, used);
		e = p->sid ? xa_load(&pi->gidx, p->sid) : NULL;
		if (e)
			__set_bit(xa_to_value(e) - 1, used);
	}
	g = find_first_zero_bit(used, h->nr_ghosts);
	if (g < h->nr_ghosts)
		goto bad;
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL,
			"pid namespace ghosts record: ghost %u is malformed, a task's pid or no task's group or session",
			g);
}

/* The CKPT_HDR_PIDNS_GHOSTS record, which follows CKPT_HDR_PIDNS */
static int restore_read_pidns_ghosts(struct ckpt_ctx *ctx, struct ckpt_pidns_image *pi)
{
	struct ckpt_hdr_pidns_ghosts *h;
	unsigned long *used;
	size_t len;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_PIDNS_GHOSTS, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	pi->gh = h;
	len = sizeof(*h) + (size_t)h->nr_ghosts * sizeof(u32) +
	      (size_t)h->nr_pids * sizeof(s32);
	if (!h->nr_ghosts || h->nr_ghosts > 2 * pi->tree->nr_tasks ||
	    h->nr_pids > (u64)h->nr_ghosts * (CKPT_PIDNS_LEVELS + 1) ||
	    ckpt_align(len) != h->h.len)
		return ckpt_err(ctx, -EINVAL,
				"pid namespace ghosts record: %u ghosts, %u pids in %u bytes",
				h->nr_ghosts, h->nr_pids, h->h.len);
	pi->gns = (void *)(h + 1);
	pi->gpids = (void *)(pi->gns + h->nr_ghosts);
	pi->goff = kvcalloc(h->nr_ghosts, sizeof(*pi->goff), GFP_KERNEL);
	used = bitmap_zalloc(h->nr_ghosts, GFP_KERNEL);
	if (!pi->goff || !used)
		ret = -ENOMEM;
	else
		ret = restore_check_pidns_ghosts(ctx, pi, used);
	bitmap_free(used);
	return ret;
}

/**
 * restore_read_pidns - read and check the CKPT_HDR_PIDNS record, and
 * the CKPT_HDR_PIDNS_GHOSTS one if it follows
 * @ctx: restart context
 * @tree: the tree record, already checked; it must outlive the result
 *
 * Returns what restore_check_pidns() needs, or an ERR_PTR.
 */
struct ckpt_pidns_image *restore_read_pidns(struct ckpt_ctx *ctx,
					    const struct ckpt_hdr_tree *tree)
{
	struct ckpt_pidns_image *pi;
	struct ckpt_hdr_pidns *h;
	size_t len;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_PIDNS, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return ERR_CAST(h);
	len = sizeof(*h) + (size_t)h->nr_ns * sizeof(struct ckpt_pidns) +
	      (size_t)h->nr_tasks * sizeof(struct ckpt_task_ns) +
	      (size_t)h->nr_pids * sizeof(s32);
	if (h->nr_tasks != tree->nr_tasks || h->nr_ns >= h->nr_tasks ||
	    h->nr_pids > (u64)h->nr_tasks * (CKPT_PIDNS_LEVELS + 1) ||
	    ckpt_align(len) != h->h.len) {
		ret = ckpt_err(ctx, -EINVAL,
			       "pid namespace record: %u namespaces, %u tasks, %u pids in %u bytes",
			       h->nr_ns, h->nr_tasks, h->nr_pids, h->h.len);
		ckpt_free(h);
		return ERR_PTR(ret);
	}
	pi = kzalloc(sizeof(*pi), GFP_KERNEL);
	if (!pi) {
		ckpt_free(h);
		return ERR_PTR(-ENOMEM);
	}
	xa_init(&pi->gidx);
	pi->tree = tree;
	pi->h = h;
	pi->ent = (void *)(h + 1);
	pi->task = (void *)(pi->ent + h->nr_ns);
	pi->pids = (void *)(pi->task + h->nr_tasks);
	pi->off = kvcalloc(h->nr_tasks, sizeof(*pi->off), GFP_KERNEL);
	pi->real = kvcalloc(h->nr_ns + 1, sizeof(*pi->real), GFP_KERNEL);
	if (!pi->off || !pi->real)
		ret = -ENOMEM;
	else
		ret = restore_check_pidns_record(ctx, pi, tree);
	if (!ret)
		ret = ckpt_peek_type(ctx);
	if (ret == CKPT_HDR_PIDNS_GHOSTS)
		ret = restore_read_pidns_ghosts(ctx, pi);
	else if (ret > 0)
		ret = 0;
	if (ret) {
		restore_pidns_free(pi);
		return ERR_PTR(ret);
	}
	return pi;
}

/* What restore_check_pidns() found wrong, to log once the lock is dropped */
struct ckpt_pidns_mismatch {
	enum {
		CKPT_PIDNS_OK,
		CKPT_PIDNS_NOT_INIT,	/* not the init of namespace @n as nested */
		CKPT_PIDNS_NOT_IN,	/* not in namespace @n */
		CKPT_PIDNS_PID,		/* pid @got at @level, not @want */
		CKPT_PIDNS_CHILDREN,	/* children not born in namespace @n */
		CKPT_PIDNS_GHOST,	/* group or session @gpid: not the ghost */
	} what;
	pid_t tsk_pid;
	u32 n, level;
	pid_t got, want;
	pid_t gpid;			/* GHOST: the pgid or sid, level 0 */
};

/* Is @pid, a task's group or session @nr (level 0), the image's ghost if it is one? */
static bool restore_check_ghost(struct ckpt_pidns_image *pi, struct pid *pid,
				pid_t nr, struct ckpt_pidns_mismatch *m)
{
	u32 chain[CKPT_PIDNS_LEVELS + 1];
	u32 g, k, level;
	const s32 *pids;
	void *e;

	e = nr ? xa_load(&pi->gidx, nr) : NULL;
	if (!e)
		return true;
	g = xa_to_value(e) - 1;
	pids = pi->gpids + pi->goff[g];
	level = ckpt_pidns_chain(pi, pi->gns[g], chain);
	m->what = CKPT_PIDNS_GHOST;
	m->gpid = nr;
	m->n = pi->gns[g];
	m->level = level;
	m->want = pids[level];
	m->got = 0;
	if (ns_of_pid(pid) != pi->real[m->n])
		return false;
	for (k = 0; k <= level; k++) {
		m->got = pid_nr_ns(pid, pi->real[chain[k]]);
		if (m->got != pids[k]) {
			m->level = k;
			m->want = pids[k];
			return false;
		}
	}
	m->what = CKPT_PIDNS_OK;
	return true;
}

/* Is task @i where the image puts it?  Under tasklist_lock */
static void restore_check_task_pidns(struct ckpt_pidns_image *pi, u32 i,
				     struct task_struct *t,
				     struct ckpt_pidns_mismatch *m)
{
	u32 chain[CKPT_PIDNS_LEVELS + 1];
	u32 n = pi->task[i].ns, level, k;
	struct pid_namespace *fc = NULL;
	const s32 *pids = pi->pids + pi->off[i];
	const struct ckpt_task_pids *p = &pi->tree->pids[i];
	pid_t nr;

	m->tsk_pid = pids[0];
	m->n = n;
	if (task_active_pid_ns(t) != pi->real[n]) {
		m->what = CKPT_PIDNS_NOT_IN;
		return;
	}
	level = ckpt_pidns_chain(pi, n, chain);
	for (k = 0; k <= level; k++) {
		nr = task_pid_nr_ns(t, pi->real[chain[k]]);
		if (nr != pids[k]) {
			m->what = CKPT_PIDNS_PID;
			m->level = k;
			m->got = nr;
			m->want = pids[k];
			return;
		}
	}
	task_lock(t);
	if (t->nsproxy)
		fc = t->nsproxy->pid_ns_for_children;
	task_unlock(t);
	m->n = pi->task[i].ns_for_children;
	if (fc != pi->real[m->n]) {
		m->what = CKPT_PIDNS_CHILDREN;
		return;
	}
	if (pi->gh && restore_check_ghost(pi, task_pgrp(t), p->pgid, m))
		restore_check_ghost(pi, task_session(t), p->sid, m);
}

/**
 * restore_check_pidns - are the tasks in the image's pid namespaces?
 * @ctx: restart context
 * @pi: from restore_read_pidns()
 * @task: the task of tree entry @i, found by its pid in the root's namespace
 * @arg: for @task
 *
 * Every task waits in restart(); none is restored yet.
 */
int restore_check_pidns(struct ckpt_ctx *ctx, struct ckpt_pidns_image *pi,
			struct task_struct *(*task)(void *arg, u32 i), void *arg)
{
	const struct ckpt_hdr_pidns *h = pi->h;
	struct ckpt_pidns_mismatch m = { .what = CKPT_PIDNS_OK };
	u32 i, n;

	read_lock(&tasklist_lock);
	pi->real[0] = task_active_pid_ns(task(arg, 0));
	/* each namespace is that of the image's init, nested as the image's */
	for (n = 1; n <= h->nr_ns; n++) {
		const struct ckpt_pidns *e = &pi->ent[n - 1];
		struct pid_namespace *ns = task_active_pid_ns(task(arg, e->init));

		if (!ns || ns->parent != pi->real[e->parent]) {
			m.what = CKPT_PIDNS_NOT_INIT;
			m.tsk_pid = pi->pids[pi->off[e->init]];
			m.n = n;
			break;
		}
		pi->real[n] = ns;
	}
	for (i = 0; i < h->nr_tasks && m.what == CKPT_PIDNS_OK; i++)
		restore_check_task_pidns(pi, i, task(arg, i), &m);
	read_unlock(&tasklist_lock);

	ctx->tsk_pid = m.tsk_pid;
	switch (m.what) {
	case CKPT_PIDNS_OK:
		return 0;
	case CKPT_PIDNS_NOT_INIT:
		return ckpt_err(ctx, -EINVAL,
				"not the init of a pid namespace nested as the image's namespace %u",
				m.n);
	case CKPT_PIDNS_NOT_IN:
		return ckpt_err(ctx, -EINVAL,
				"not in the pid namespace the image puts it in (namespace %u)",
				m.n);
	case CKPT_PIDNS_PID:
		return ckpt_err(ctx, -EINVAL,
				"pid %d at pid namespace level %u, the image's is %d",
				m.got, m.level, m.want);
	case CKPT_PIDNS_GHOST:
		return ckpt_err(ctx, -EINVAL,
				"its group or session %d is not the image's ghost in pid namespace %u: pid %d at level %u, the image's is %d",
				m.gpid, m.n, m.got, m.level, m.want);
	default:
		return ckpt_err(ctx, -EINVAL,
				"its children are not born in the pid namespace the image says (namespace %u)",
				m.n);
	}
}
