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
 *
 * Nested pid namespaces: the init of one is cloned by its parent with
 * CLONE_NEWPID, and set_tid gives its pid at every level (1 in its own
 * namespace); a task of the namespace is cloned by its parent, which
 * is in the namespace or is the parent of its init: that parent
 * enters the namespace with setns() (a pidfd of the init) first.  A
 * task whose children are born in a nested namespace (it called
 * unshare(CLONE_NEWPID), then forked the init) enters it last.  Process
 * groups and sessions of nested tasks come from setsid(), setpgid()
 * with the group's pid in the task's namespace, or inheritance.  A
 * dead leader whose pid was allocated in a nested namespace has its
 * pids at every level in the image (CKPT_HDR_PIDNS_GHOSTS): its ghost
 * is cloned in that namespace with them, by a creator that is in it or
 * made it (the parent of its init, after the init); the members of a
 * dead session are cloned by its ghost in its namespace (or, as the
 * init of a namespace nested in it, with CLONE_NEWPID).  CLONE_PARENT
 * into another namespace and a group a task can neither see nor
 * inherit are refused.  With fresh pids, only the pids in the tree's
 * own namespace (level 0) are new: nested ones keep theirs.
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

pid_t tree_pid_at(const struct tree_plan *plan, int i, int level)
{
	return plan->nodes[i].lpids[level];
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
		n->lpids = &n->pid;
		n->kind = TREE_TASK;
		if (p->flags & CKPT_PIDS_THREAD)
			n->kind = TREE_THREAD;
		else if (p->flags & CKPT_PIDS_ZOMBIE)
			n->kind = TREE_ZOMBIE;
		if ((n->kind == TREE_THREAD) == (p->pid == p->tgid))
			return plan_err(plan, "pid %d: tgid %d does not fit its thread flag",
					p->pid, p->tgid);
		if (p->flags & CKPT_PIDS_NEWUTS) {
			if (n->kind != TREE_TASK)
				return plan_err(plan, "pid %d: a thread or zombie with a UTS namespace of its own",
						p->pid);
			n->new_uts = true;
		}
		if (p->flags & CKPT_PIDS_NEWIPC) {
			if (n->kind != TREE_TASK)
				return plan_err(plan, "pid %d: a thread or zombie with an IPC namespace of its own",
						p->pid);
			n->new_ipc = true;
		}
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

static int ns_level(const struct tree_plan *plan, int k)
{
	return k ? plan->ns[k - 1].level : 0;
}

/* Is namespace @a namespace @b or nested in it? */
static bool ns_within(const struct tree_plan *plan, int a, int b)
{
	while (ns_level(plan, a) > ns_level(plan, b))
		a = plan->ns[a - 1].parent;
	return a == b;
}

/* The CKPT_HDR_PIDNS record: namespaces and every entry's pids */
static int read_pidns(struct tree_plan *plan, const struct tree_pidns *pi,
		      unsigned int nr)
{
	unsigned int i, k, off = 0;

	if (!pi)
		return 0;
	if (pi->nr_ns >= nr)
		return plan_err(plan, "%u nested pid namespaces for %u tasks",
				pi->nr_ns, nr);
	if (pi->nr_ns) {
		plan->ns = calloc(pi->nr_ns, sizeof(*plan->ns));
		if (!plan->ns)
			return plan_err(plan, "out of memory");
	}
	plan->nr_ns = pi->nr_ns;
	for (k = 1; k <= pi->nr_ns; k++) {
		const struct ckpt_pidns *e = &pi->ns[k - 1];

		if (e->parent >= k || e->init >= nr ||
		    e->level != (unsigned int)ns_level(plan, e->parent) + 1 ||
		    e->level > CKPT_PIDNS_LEVELS)
			return plan_err(plan, "pid namespace %u is malformed", k);
		plan->ns[k - 1].parent = e->parent;
		plan->ns[k - 1].level = e->level;
		plan->ns[k - 1].init = e->init;
	}
	for (i = 0; i < nr; i++) {
		struct tree_node *n = node(plan, i);
		unsigned int ns = pi->tasks[i].ns, fc = pi->tasks[i].ns_for_children;
		int level;

		if (ns > pi->nr_ns || fc > pi->nr_ns)
			return plan_err(plan, "pid %d: in pid namespace %u of %u",
					n->pid, ns > fc ? ns : fc, pi->nr_ns);
		level = ns_level(plan, ns);
		if ((unsigned int)level + 1 > pi->nr_pids - off)
			return plan_err(plan, "pid %d: its pids are missing", n->pid);
		n->ns = ns;
		n->fc = fc;
		n->level = level;
		n->lpids = &pi->pids[off];
		off += level + 1;
		if (n->lpids[0] != n->pid)
			return plan_err(plan, "pid %d: its pid at level 0 is %d",
					n->pid, n->lpids[0]);
		for (k = 1; k <= (unsigned int)level; k++)
			if (n->lpids[k] <= 0)
				return plan_err(plan, "pid %d: invalid pid %d at level %u",
						n->pid, n->lpids[k], k);
		if (ns && (n->lpids[level] == 1) != (plan->ns[ns - 1].init == (int)i))
			return plan_err(plan, "pid %d: pid 1 in pid namespace %u is not its init",
					n->pid, ns);
		if (!ns_within(plan, fc, ns))
			return plan_err(plan, "pid %d: its children's pid namespace %u is not nested in its own",
					n->pid, fc);
	}
	if (off != pi->nr_pids)
		return plan_err(plan, "%u pids for pid namespace levels that hold %u",
				pi->nr_pids, off);
	for (k = 1; k <= pi->nr_ns; k++) {
		struct tree_node *init = node(plan, plan->ns[k - 1].init);

		if (init->ns != (int)k)
			return plan_err(plan, "pid namespace %u: its init %d is not in it",
					k, init->pid);
		if (init->kind != TREE_TASK)
			return plan_err(plan, "pid namespace %u: its init %d is a %s: not supported",
					k, init->pid,
					init->kind == TREE_ZOMBIE ? "zombie" : "thread");
		init->new_ns = true;
	}
	return 0;
}

/* The ghost of the image's record whose level 0 pid is @pid, or -1 */
static int find_ghost(const struct tree_plan *plan, pid_t pid)
{
	int g;

	for (g = 0; g < plan->nr_ghosts; g++)
		if (plan->ghosts[g].lpids[0] == pid)
			return g;
	return -1;
}

/* The CKPT_HDR_PIDNS_GHOSTS record: dead leaders of nested namespaces */
static int read_ghosts(struct tree_plan *plan, const struct tree_pidns *pi,
		       unsigned int nr)
{
	unsigned int g, i, k, off = 0;

	if (!pi || !pi->nr_ghosts)
		return 0;
	if (pi->nr_ghosts > 2 * nr)
		return plan_err(plan, "%u ghosts in nested pid namespaces for %u tasks",
				pi->nr_ghosts, nr);
	plan->ghosts = calloc(pi->nr_ghosts, sizeof(*plan->ghosts));
	if (!plan->ghosts)
		return plan_err(plan, "out of memory");
	for (g = 0; g < pi->nr_ghosts; g++) {
		struct tree_ghost *gh = &plan->ghosts[g];
		unsigned int ns = pi->ghost_ns[g];
		bool used = false;

		if (!ns || ns > pi->nr_ns)
			return plan_err(plan, "ghost %u: in pid namespace %u of %u",
					g, ns, pi->nr_ns);
		gh->ns = ns;
		gh->level = ns_level(plan, ns);
		if ((unsigned int)gh->level + 1 > pi->nr_ghost_pids - off)
			return plan_err(plan, "ghost %u: its pids are missing", g);
		gh->lpids = &pi->ghost_pids[off];
		off += gh->level + 1;
		for (k = 0; k <= (unsigned int)gh->level; k++)
			if (gh->lpids[k] <= 0)
				return plan_err(plan, "ghost %u: invalid pid %d at level %u",
						g, gh->lpids[k], k);
		if (gh->lpids[gh->level] == 1)
			return plan_err(plan, "ghost %d: pid 1 in pid namespace %u, its init's",
					gh->lpids[0], ns);
		if (tree_find(plan, gh->lpids[0]) >= 0)
			return plan_err(plan, "ghost %d: the pid of a task of the image",
					gh->lpids[0]);
		if (find_ghost(plan, gh->lpids[0]) >= 0)
			return plan_err(plan, "ghost %d appears twice", gh->lpids[0]);
		for (i = 0; i < nr; i++)
			if (node(plan, i)->pgid == gh->lpids[0] ||
			    node(plan, i)->sid == gh->lpids[0])
				used = true;
		if (!used)
			return plan_err(plan, "ghost %d: no task's process group or session",
					gh->lpids[0]);
		plan->nr_ghosts++;
	}
	if (off != pi->nr_ghost_pids)
		return plan_err(plan, "%u ghost pids for pid namespace levels that hold %u",
				pi->nr_ghost_pids, off);
	return 0;
}

/*
 * Who can make a nested task: its parent, in its namespace or the
 * parent of the namespace's init (then the init is cloned first and
 * the parent enters the namespace with setns()).
 */
static int check_pidns_tree(struct tree_plan *plan)
{
	int i, p, init;

	for (i = 0; i < plan->nr; i++) {
		struct tree_node *n = node(plan, i);

		if (n->kind == TREE_THREAD) {
			struct tree_node *l = node(plan, n->creator);

			if (n->ns != l->ns || n->fc != n->ns)
				return plan_err(plan, "thread %d: not in the pid namespaces of its leader %d",
						n->pid, l->pid);
			continue;
		}
		if (n->fc != n->ns) {
			init = plan->ns[n->fc - 1].init;
			if (n->kind != TREE_TASK || node(plan, init)->parent != i)
				return plan_err(plan, "pid %d: its children are born in pid namespace %d, whose init %d is not its child: not supported",
						n->pid, n->fc, node(plan, init)->pid);
		}
		if (i == plan->root) {
			if (n->ns)
				return plan_err(plan, "the root %d is in a nested pid namespace",
						n->pid);
			continue;
		}
		p = n->parent;
		if (n->new_ns) {
			if (plan->ns[n->ns - 1].parent != node(plan, p)->ns)
				return plan_err(plan, "pid %d: the init of pid namespace %d is not a child of its parent namespace",
						n->pid, n->ns);
			continue;
		}
		if (n->ns == node(plan, p)->ns)
			continue;
		init = plan->ns[n->ns - 1].init;
		if (node(plan, init)->parent != p)
			return plan_err(plan, "pid %d: in pid namespace %d, which its parent %d entered with setns(): not supported",
					n->pid, n->ns, node(plan, p)->pid);
	}
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

/*
 * Can @c (a node, or the builder) clone a task into namespace @ns: its
 * own, or one whose init it is the parent of (it clones the init first)?
 */
static bool can_clone_into(const struct tree_plan *plan, int c, int ns)
{
	int cns = c == TREE_BUILDER ? 0 : plan->nodes[c].ns;

	if (ns == cns)
		return true;
	return ns && c != TREE_BUILDER && plan->ns[ns - 1].parent == cns &&
	       plan->nodes[plan->ns[ns - 1].init].parent == c;
}

/* The namespace a dead leader's ghost lives in: the record's, or 0 */
static int ghost_ns(const struct tree_plan *plan, pid_t pid)
{
	int k = find_ghost(plan, pid);

	return k < 0 ? 0 : plan->ghosts[k].ns;
}

static int add_ghost(struct tree_plan *plan, pid_t pid, int parent,
		     bool session)
{
	struct tree_node *g = node(plan, plan->nr);
	int k = find_ghost(plan, pid);

	memset(g, 0, sizeof(*g));
	g->kind = TREE_GHOST;
	g->entry = -1;
	g->pid = g->tgid = g->pgid = pid;
	g->parent = g->creator = parent;
	g->lpids = &g->pid;
	if (k >= 0) {
		g->ns = g->fc = plan->ghosts[k].ns;
		g->level = plan->ghosts[k].level;
		g->lpids = plan->ghosts[k].lpids;
	}
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
	int g = tree_find(plan, n->sid), ns;

	if (g < 0) {
		/* its session would have to be older than its namespace */
		if (plan->layout == TREE_CONTAINER && parent == TREE_BUILDER)
			return plan_err(plan, "container init %d: in session %d of its own pid namespace, which it does not lead: not supported",
					n->pid, n->sid);
		ns = ghost_ns(plan, n->sid);
		if (!ns && parent >= 0 && node(plan, parent)->ns)
			return plan_err(plan, "pid %d: the image has no pids in nested pid namespaces for its dead session leader %d (no PIDNS_GHOSTS entry): not supported",
					n->pid, n->sid);
		if (!can_clone_into(plan, parent, ns))
			return plan_err(plan, "pid %d: its dead session leader %d would be a ghost in pid namespace %d, which its parent %d is not in and did not make: not supported",
					n->pid, n->sid, ns,
					parent >= 0 ? node(plan, parent)->pid : 0);
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
	/* born in the creator's namespace, or as the init of one nested in it */
	if (node(plan, g)->ns != (n->new_ns ? plan->ns[n->ns - 1].parent : n->ns))
		return plan_err(plan, "pid %d: to be born in session %d it would be cloned with CLONE_PARENT across pid namespaces: not supported",
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

/*
 * A ghost for the dead leader of group @pgid, cloned by member @i or,
 * if @i cannot clone into the ghost's namespace, by a member that can
 */
static int group_ghost(struct tree_plan *plan, int i, pid_t pgid)
{
	int ns = ghost_ns(plan, pgid), j;

	if (can_clone_into(plan, i, ns))
		return add_ghost(plan, pgid, i, false);
	for (j = 0; j < plan->nr_entries; j++)
		if (node(plan, j)->kind == TREE_TASK && node(plan, j)->pgid == pgid &&
		    can_clone_into(plan, j, ns))
			return add_ghost(plan, pgid, j, false);
	if (!ns)
		return plan_err(plan, "pid %d: the image has no pids in nested pid namespaces for its dead process group leader %d (no PIDNS_GHOSTS entry): not supported",
				node(plan, i)->pid, pgid);
	return plan_err(plan, "pid %d: its dead process group leader %d would be a ghost in pid namespace %d, which no member of the group is in or made: not supported",
			node(plan, i)->pid, pgid, ns);
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
		j = group_ghost(plan, i, n->pgid);
	if (j < 0)
		return -1;
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

/* The process group node @i is born in (0: outside the tree) */
static pid_t born_pgid(const struct tree_plan *plan, int i)
{
	const struct tree_node *n = &plan->nodes[i], *c;

	if (n->creator == TREE_BUILDER)
		return plan->builder_setsid ? 1 : 0;
	c = &plan->nodes[n->creator];
	if (!n->early && (c->do_setsid || c->do_setpgrp))
		return c->pid;
	return born_pgid(plan, n->creator);
}

/*
 * A nested task joins its group with setpgid(0, pgid), pgid as seen in
 * its namespace: the leader must be in it or nested in it.  A group
 * outside it must be the one it is born in.
 */
static int plan_pidns_groups(struct tree_plan *plan)
{
	int i, j;

	for (i = 0; i < plan->nr; i++) {
		struct tree_node *n = node(plan, i);

		if (!n->join || !n->ns)
			continue;
		j = tree_find(plan, n->pgid);
		if (j >= 0 && ns_within(plan, node(plan, j)->ns, n->ns))
			continue;
		if (born_pgid(plan, i) != n->pgid)
			return plan_err(plan, "pid %d: its process group %d is outside its pid namespace and not the one it is born in: not supported",
					n->pid, n->pgid);
		n->join = false;
	}
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

static int check_ns_order(struct tree_plan *plan);

/* The node whose UTS namespace @i is in (TREE_BUILDER: the builder's) */
static int uts_owner(const struct tree_plan *plan, int i)
{
	while (i != TREE_BUILDER && !plan->nodes[i].new_uts)
		i = plan->nodes[i].parent;
	return i;
}

/* The node whose IPC namespace @i is in (TREE_BUILDER: the builder's) */
static int ipc_owner(const struct tree_plan *plan, int i)
{
	while (i != TREE_BUILDER && !plan->nodes[i].new_ipc)
		i = plan->nodes[i].parent;
	return i;
}

/*
 * A process inherits the UTS namespace of the one that clones it: a
 * creator other than its parent must share its parent's
 */
static int check_uts(struct tree_plan *plan)
{
	int i;

	for (i = 0; i < plan->nr; i++) {
		const struct tree_node *n = &plan->nodes[i];

		if (n->kind != TREE_TASK || n->new_uts || n->creator == n->parent ||
		    uts_owner(plan, n->creator) == uts_owner(plan, n->parent))
			continue;
		return plan_err(plan, "pid %d: its session or group needs a creator in another UTS namespace: not supported",
				n->pid);
	}
	return 0;
}

/* The same for IPC namespaces */
static int check_ipc(struct tree_plan *plan)
{
	int i;

	for (i = 0; i < plan->nr; i++) {
		const struct tree_node *n = &plan->nodes[i];

		if (n->kind != TREE_TASK || n->new_ipc || n->creator == n->parent ||
		    ipc_owner(plan, n->creator) == ipc_owner(plan, n->parent))
			continue;
		return plan_err(plan, "pid %d: its session or group needs a creator in another IPC namespace: not supported",
				n->pid);
	}
	return 0;
}

int tree_plan(struct tree_plan *plan, const struct ckpt_task_pids *pids,
	      unsigned int nr, const struct tree_pidns *pidns, int layout)
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
	plan->nr_entries = nr;
	if (read_entries(plan, pids, nr) || read_pidns(plan, pidns, nr) ||
	    read_ghosts(plan, pidns, nr) || link_parents(plan) ||
	    check_pidns_tree(plan) || plan_builder(plan))
		goto fail;

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
	if (plan_pidns_groups(plan) || check_ns_order(plan) || check_uts(plan) ||
	    check_ipc(plan))
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
	free(plan->ns);
	free(plan->ghosts);
	plan->nodes = NULL;
	plan->ns = NULL;
	plan->ghosts = NULL;
	plan->nr_ghosts = 0;
	plan->nr = 0;
	plan->nr_ns = 0;
}

/*
 * Clone order: early tasks, then ghosts, the inits of nested pid
 * namespaces, ghosts in those namespaces, tasks, then threads
 */
#define NR_RANKS	6

static int clone_rank(const struct tree_plan *plan, const struct tree_node *n)
{
	int cns = n->creator == TREE_BUILDER ? 0 : plan->nodes[n->creator].ns;

	if (n->early)
		return 0;
	if (n->kind == TREE_GHOST)
		return n->ns == cns ? 1 : 3;
	if (n->kind == TREE_THREAD)
		return 5;
	return n->new_ns ? 2 : 4;
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

	for (rank = 0; rank < NR_RANKS; rank++)
		for (i = 0; i < plan->nr; i++)
			if (plan->nodes[i].creator == creator &&
			    clone_rank(plan, &plan->nodes[i]) == rank && k++ == at)
				return i;
	return -1;
}

/* The position of node @i among its creator's clones */
static int clone_pos(const struct tree_plan *plan, int i)
{
	int k, c = plan->nodes[i].creator;

	for (k = 0; k < tree_nr_clones(plan, c); k++)
		if (tree_clone_at(plan, c, k) == i)
			return k;
	return -1;
}

/* A task cloned into a nested namespace comes after the namespace's init */
static int check_ns_order(struct tree_plan *plan)
{
	int i, init;

	for (i = 0; i < plan->nr; i++) {
		const struct tree_node *n = &plan->nodes[i];

		if (n->new_ns || n->kind == TREE_THREAD ||
		    n->creator == TREE_BUILDER ||
		    plan->nodes[n->creator].ns == n->ns)
			continue;
		if (!n->ns)
			return plan_err(plan, "pid %d: it would be cloned into the root's pid namespace from a nested one: not supported",
					n->pid);
		init = plan->ns[n->ns - 1].init;
		if (plan->nodes[init].creator != n->creator ||
		    clone_pos(plan, init) > clone_pos(plan, i))
			return plan_err(plan, "pid %d: it would be cloned into pid namespace %d before the namespace's init %d: not supported",
					n->pid, n->ns, plan->nodes[init].pid);
	}
	return 0;
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
	if (n->new_ns)
		fprintf(f, ", CLONE_NEWPID");
	if (n->new_uts)
		fprintf(f, ", CLONE_NEWUTS");
	if (n->new_ipc)
		fprintf(f, ", CLONE_NEWIPC");
	if (n->ns) {
		fprintf(f, ", pid namespace %d, pids", n->ns);
		for (k = 0; k <= n->level; k++)
			fprintf(f, "%s%d", k ? "/" : " ", n->lpids[k]);
	}
	if (n->fc != n->ns)
		fprintf(f, ", children in pid namespace %d", n->fc);
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
