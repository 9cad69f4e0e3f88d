// SPDX-License-Identifier: GPL-2.0
/*
 * Planning the rebuild of a process tree: see tree.h.
 *
 * A task inherits its session and process group from the task that
 * clones it, and Linux lets a task change them only in two ways:
 * setsid() makes it the leader of a new session (and group), and
 * setpgid() moves it into a group of its own session.  So:
 *
 *  - a session leader (sid == pid) is cloned by its parent and calls
 *    setsid() before it clones anything;
 *  - any other task must be cloned by a task of its session: its
 *    parent (after the parent's setsid(), or before it when the task
 *    belongs to the session the parent left: "early"), a sibling that
 *    leads the session (with CLONE_PARENT, so that the parent stays
 *    right), or a ghost: a child of the parent with the dead leader's
 *    pid that calls setsid(), clones the session's members with
 *    CLONE_PARENT and exits before restart;
 *  - process groups: a leader calls setpgid(0, 0) once cloned; once
 *    every task exists, the others call setpgid(0, pgid).  A dead
 *    group leader gets a ghost too, cloned by the group's first member.
 *
 * Other shapes (a session whose live leader is neither the parent nor
 * a sibling, members of one dead session under different parents, a
 * dead leader whose session is not its group's) are refused.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

static int plan_err(struct tree_plan *plan, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int plan_err(struct tree_plan *plan, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(plan->err, sizeof(plan->err), fmt, ap);
	va_end(ap);
	return -1;
}

int tree_find(const struct tree_plan *plan, pid_t pid)
{
	int i;

	for (i = 0; i < plan->nr; i++)
		if (plan->nodes[i].pid == pid)
			return i;
	return -1;
}

static bool is_process(const struct tree_node *n)
{
	return n->kind == TREE_TASK || n->kind == TREE_ZOMBIE;
}

static struct tree_node *node(struct tree_plan *plan, int i)
{
	return &plan->nodes[i];
}

/* Read the entries into nodes; check what does not depend on order */
static int read_entries(struct tree_plan *plan,
			const struct ckpt_task_pids *pids, unsigned int nr)
{
	unsigned int i;
	int roots = 0;

	for (i = 0; i < nr; i++) {
		const struct ckpt_task_pids *p = &pids[i];
		struct tree_node *n = node(plan, i);

		if (p->pid <= 0 || p->tgid <= 0 || p->ppid < 0 ||
		    p->pgid < 0 || p->sid < 0)
			return plan_err(plan, "task %u: invalid pids", i);
		if (tree_find(plan, p->pid) >= 0)
			return plan_err(plan, "pid %d appears twice", p->pid);
		n->entry = i;
		n->pid = p->pid;
		n->tgid = p->tgid;
		n->ppid = p->ppid;
		n->pgid = p->pgid;
		n->sid = p->sid;
		n->parent = n->creator = TREE_BUILDER;
		n->kind = TREE_TASK;
		if (p->flags & CKPT_PIDS_THREAD)
			n->kind = TREE_THREAD;
		else if (p->flags & CKPT_PIDS_ZOMBIE)
			n->kind = TREE_ZOMBIE;
		if ((n->kind == TREE_THREAD) == (p->pid == p->tgid))
			return plan_err(plan, "pid %d: tgid %d does not fit its thread flag",
					p->pid, p->tgid);
		if (p->flags & CKPT_PIDS_ROOT) {
			plan->root = i;
			roots++;
		}
		plan->nr++;
	}
	if (roots != 1)
		return plan_err(plan, "%d tasks are flagged as the root", roots);
	if (node(plan, plan->root)->kind != TREE_TASK)
		return plan_err(plan, "the root pid %d is a thread or a zombie: not supported",
				node(plan, plan->root)->pid);
	return 0;
}

/* Parents and thread leaders; the tree must hang from the root */
static int link_parents(struct tree_plan *plan)
{
	int i, j, up;

	for (i = 0; i < plan->nr; i++) {
		struct tree_node *n = node(plan, i);

		if (n->kind == TREE_THREAD) {
			j = tree_find(plan, n->tgid);
			if (j < 0 || node(plan, j)->kind == TREE_THREAD)
				return plan_err(plan, "thread %d: its thread group leader %d is not in the image",
						n->pid, n->tgid);
			if (node(plan, j)->kind == TREE_ZOMBIE)
				return plan_err(plan, "thread %d of zombie %d: live threads of a dead leader are not supported",
						n->pid, n->tgid);
			n->creator = j;
			continue;
		}
		if (i == plan->root)
			continue;
		j = tree_find(plan, n->ppid);
		if (j < 0)
			return plan_err(plan, "pid %d: its parent %d is not in the image: not supported",
					n->pid, n->ppid);
		if (node(plan, j)->kind != TREE_TASK)
			return plan_err(plan, "pid %d: its parent %d is a %s",
					n->pid, n->ppid,
					node(plan, j)->kind == TREE_THREAD ?
					"thread, not a process" : "zombie");
		n->parent = n->creator = j;
	}
	/* No cycles: every process reaches the root */
	for (i = 0; i < plan->nr; i++) {
		for (j = i, up = 0; j != plan->root && up <= plan->nr; up++)
			j = node(plan, j)->kind == TREE_THREAD ?
			    node(plan, j)->creator : node(plan, j)->parent;
		if (up > plan->nr)
			return plan_err(plan, "pid %d does not descend from the root",
					node(plan, i)->pid);
	}
	/* Threads share their leader's parent, group and session */
	for (i = 0; i < plan->nr; i++) {
		struct tree_node *n = node(plan, i);

		if (n->kind != TREE_THREAD)
			continue;
		n->parent = node(plan, n->creator)->parent;
		n->pgid = node(plan, n->creator)->pgid;
		n->sid = node(plan, n->creator)->sid;
	}
	return 0;
}

/* Depth of a process below the root, to plan parents first */
static int depth(const struct tree_plan *plan, int i)
{
	int d = 0;

	while (i != plan->root && i >= 0) {
		i = plan->nodes[i].parent;
		d++;
	}
	return d;
}

static int add_ghost(struct tree_plan *plan, pid_t pid, int parent,
		     bool session)
{
	struct tree_node *g = node(plan, plan->nr);

	memset(g, 0, sizeof(*g));
	g->kind = TREE_GHOST;
	g->entry = -1;
	g->pid = g->tgid = g->pgid = pid;
	g->parent = g->creator = parent;
	g->ppid = parent >= 0 ? node(plan, parent)->pid : 0;
	if (session) {
		g->sid = pid;
		g->do_setsid = true;
		g->born_sid = 0;
	} else {
		g->do_setpgrp = true;
	}
	return plan->nr++;
}

/* The session a creator's (non-early) clones are born in */
static pid_t clone_sid(const struct tree_plan *plan, int creator)
{
	const struct tree_node *c;

	if (creator == TREE_BUILDER)
		return plan->builder_setsid ? 1 : 0;
	c = &plan->nodes[creator];
	if (c->do_setsid)
		return c->pid;
	return c->born_sid;
}

/* A session ghost under @parent for the dead session @sid */
static int session_ghost(struct tree_plan *plan, struct tree_node *n,
			 int parent)
{
	int g = tree_find(plan, n->sid);

	if (g < 0) {
		if (plan->layout == TREE_CONTAINER && parent == TREE_BUILDER)
			return plan_err(plan, "container init %d: a session %d inside its own pid namespace is not supported",
					n->pid, n->sid);
		return add_ghost(plan, n->sid, parent, true);
	}
	if (node(plan, g)->kind != TREE_GHOST || !node(plan, g)->do_setsid)
		return plan_err(plan, "pid %d: session %d is a process group: not supported",
				n->pid, n->sid);
	if (node(plan, g)->parent != parent)
		return plan_err(plan, "pid %d: the members of dead session %d have different parents: not supported",
				n->pid, n->sid);
	return g;
}

/* A sibling of @n (same parent) that leads session @sid, or -1 */
static int sibling_leader(const struct tree_plan *plan,
			  const struct tree_node *n, pid_t sid)
{
	int j = tree_find(plan, sid);

	if (j < 0 || !is_process(&plan->nodes[j]) ||
	    plan->nodes[j].parent != n->parent || plan->nodes[j].sid != sid)
		return -1;
	return j;
}

/* Who clones process @i so that it is born in its session */
static int plan_session(struct tree_plan *plan, int i)
{
	struct tree_node *n = node(plan, i);
	int p = n->parent, g, j;

	n->born_sid = clone_sid(plan, p);
	if (n->sid == n->pid) {
		n->do_setsid = true;
		return 0;
	}
	if (!n->sid || n->sid == n->born_sid)
		return 0;
	if (p >= 0 && node(plan, p)->do_setsid &&
	    node(plan, p)->born_sid == n->sid) {
		n->early = true;
		n->born_sid = n->sid;
		return 0;
	}
	if (plan->layout == TREE_REAPER && n->sid == 1)
		return plan_err(plan, "pid %d: in session 1 while its parent is not: not supported",
				n->pid);
	g = sibling_leader(plan, n, n->sid);
	j = tree_find(plan, n->sid);
	if (g < 0 && (j < 0 || node(plan, j)->kind == TREE_GHOST)) {
		g = session_ghost(plan, n, p);
		if (g < 0)
			return -1;
	}
	if (g < 0)
		return plan_err(plan, "pid %d: its session leader %d is alive but neither its parent nor a sibling: not supported",
				n->pid, n->sid);
	n->creator = g;
	n->clone_parent = true;
	n->born_sid = n->sid;
	return 0;
}

/* The session a process ends up in (0: outside the tree) */
static pid_t final_sid(const struct tree_node *n)
{
	return n->sid ? n->sid : n->born_sid;
}

/* Process group of process @i: lead it, or join it once all exist */
static int plan_pgrp(struct tree_plan *plan, int i)
{
	struct tree_node *n = node(plan, i), *l;
	int j;

	if (!n->pgid)
		return 0;
	if (n->do_setsid) {
		if (n->pgid != n->pid)
			return plan_err(plan, "session leader %d in process group %d",
					n->pid, n->pgid);
		return 0;
	}
	if (n->pgid == n->pid) {
		n->do_setpgrp = true;
		return 0;
	}
	n->join = true;
	if (plan->layout == TREE_REAPER && n->pgid == 1) {
		if (final_sid(n) != 1)
			return plan_err(plan, "pid %d: in process group 1 outside session 1: not supported",
					n->pid);
		return 0;
	}
	j = tree_find(plan, n->pgid);
	if (j < 0)
		j = add_ghost(plan, n->pgid, i, false);
	l = node(plan, j);
	if (l->kind == TREE_GHOST && l->do_setpgrp)
		l->born_sid = clone_sid(plan, l->creator);
	if (!is_process(l) && l->kind != TREE_GHOST)
		return plan_err(plan, "pid %d: process group %d is a thread's id",
				n->pid, n->pgid);
	if (l->pgid != n->pgid)
		return plan_err(plan, "pid %d: the leader of its process group %d is in group %d",
				n->pid, n->pgid, l->pgid);
	if (final_sid(l) != final_sid(n))
		return plan_err(plan, "pid %d (session %d): its process group %d is in session %d: not supported",
				n->pid, final_sid(n), n->pgid, final_sid(l));
	return 0;
}

/* Session 1 in the reaper layout is the reaper's own (it is pid 1) */
static int plan_builder(struct tree_plan *plan)
{
	int i;

	for (i = 0; i < plan->nr; i++) {
		struct tree_node *n = node(plan, i);

		if (plan->layout == TREE_REAPER && n->pid == 1)
			return plan_err(plan, "pid 1 is in the image but its root (pid %d) is not a container init: not supported",
					node(plan, plan->root)->pid);
		if (plan->layout == TREE_CONTAINER && i != plan->root &&
		    n->kind != TREE_THREAD && (!n->ppid || n->pid == 1))
			return plan_err(plan, "pid %d: a second tree beside the container init",
					n->pid);
	}
	if (plan->layout != TREE_REAPER)
		return 0;
	for (i = 0; i < plan->nr; i++)
		if (node(plan, i)->sid == 1 || node(plan, i)->pgid == 1)
			plan->builder_setsid = true;
	return 0;
}

int tree_plan(struct tree_plan *plan, const struct ckpt_task_pids *pids,
	      unsigned int nr, int layout)
{
	int *order, i, j, d, maxd = 0;

	memset(plan, 0, sizeof(*plan));
	plan->layout = layout;
	if (!nr)
		return plan_err(plan, "no task");
	/* every entry can need a ghost for its group and one for its session */
	plan->nodes = calloc(3 * (size_t)nr, sizeof(*plan->nodes));
	order = calloc(nr, sizeof(*order));
	if (!plan->nodes || !order) {
		free(order);
		return plan_err(plan, "out of memory");
	}
	if (read_entries(plan, pids, nr) || link_parents(plan) ||
	    plan_builder(plan))
		goto fail;
	plan->nr_entries = nr;

	/* Processes by depth, parents first, in image order within */
	for (i = 0; i < (int)nr; i++)
		if (depth(plan, i) > maxd)
			maxd = depth(plan, i);
	for (d = 0, j = 0; d <= maxd; d++)
		for (i = 0; i < (int)nr; i++)
			if (is_process(node(plan, i)) && depth(plan, i) == d)
				order[j++] = i;
	for (i = 0; i < j; i++)
		if (plan_session(plan, order[i]))
			goto fail;
	for (i = 0; i < j; i++)
		if (plan_pgrp(plan, order[i]))
			goto fail;
	free(order);
	return 0;
fail:
	free(order);
	return -1;
}

void tree_plan_free(struct tree_plan *plan)
{
	free(plan->nodes);
	plan->nodes = NULL;
	plan->nr = 0;
}

/* Clone order: early tasks, then ghosts, then tasks, then threads */
static int clone_rank(const struct tree_node *n)
{
	if (n->early)
		return 0;
	if (n->kind == TREE_GHOST)
		return 1;
	if (n->kind == TREE_THREAD)
		return 3;
	return 2;
}

int tree_nr_clones(const struct tree_plan *plan, int creator)
{
	int i, k = 0;

	for (i = 0; i < plan->nr; i++)
		if (plan->nodes[i].creator == creator)
			k++;
	return k;
}

int tree_clone_at(const struct tree_plan *plan, int creator, int at)
{
	int rank, i, k = 0;

	for (rank = 0; rank < 4; rank++)
		for (i = 0; i < plan->nr; i++)
			if (plan->nodes[i].creator == creator &&
			    clone_rank(&plan->nodes[i]) == rank && k++ == at)
				return i;
	return -1;
}

static const char *kind_name(int kind)
{
	static const char *const names[] = {
		[TREE_TASK] = "task", [TREE_THREAD] = "thread",
		[TREE_ZOMBIE] = "zombie", [TREE_GHOST] = "ghost",
	};

	return names[kind];
}

static void print_node(FILE *f, const struct tree_plan *plan, int i,
		       int indent)
{
	const struct tree_node *n = &plan->nodes[i];
	int k, nr = tree_nr_clones(plan, i);

	fprintf(f, "%*s%s %d: ppid %d pgid %d sid %d", indent, "",
		kind_name(n->kind), n->pid,
		n->parent >= 0 ? plan->nodes[n->parent].pid : 0,
		n->pgid, n->sid);
	if (n->clone_parent)
		fprintf(f, ", CLONE_PARENT");
	if (n->early)
		fprintf(f, ", before its parent's setsid");
	if (n->do_setsid)
		fprintf(f, ", setsid");
	if (n->do_setpgrp)
		fprintf(f, ", setpgid(0, 0)");
	if (n->join)
		fprintf(f, ", joins group %d", n->pgid);
	if (n->kind == TREE_GHOST)
		fprintf(f, ", exits before restart");
	fputc('\n', f);
	for (k = 0; k < nr; k++)
		print_node(f, plan, tree_clone_at(plan, i, k), indent + 2);
}

void tree_plan_print(FILE *f, const struct tree_plan *plan)
{
	static const char *const layouts[] = {
		[TREE_REAPER] = "a new pid namespace; its init (pid 1) builds the tree and calls restart",
		[TREE_CONTAINER] = "a new pid namespace; the root is its init",
		[TREE_FRESH] = "this pid namespace, fresh pids",
	};
	int k, nr = tree_nr_clones(plan, TREE_BUILDER);

	fprintf(f, "plan: %s\n", layouts[plan->layout]);
	if (plan->builder_setsid)
		fprintf(f, "  builder: setsid (session and group 1)\n");
	for (k = 0; k < nr; k++)
		print_node(f, plan, tree_clone_at(plan, TREE_BUILDER, k), 2);
}
