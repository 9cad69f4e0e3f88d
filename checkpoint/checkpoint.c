// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the checkpoint driver.
 *
 * Picks the set of tasks, checks that they may and can be saved, then
 * writes the header, the tree, every task and the tail.  A checkpoint
 * never changes the tasks it saves: on failure they are exactly as
 * they were.
 */

#include <linux/checkpoint.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seccomp.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

/**
 * ckpt_nsproxy_ns - a namespace of @t, for comparisons only
 * @t: the task
 * @off: the namespace's offset in struct nsproxy
 *
 * Return: the namespace, or NULL once @t has exited.
 */
void *ckpt_nsproxy_ns(struct task_struct *t, size_t off)
{
	void *ns = NULL;

	task_lock(t);
	if (t->nsproxy)
		ns = *(void **)((char *)t->nsproxy + off);
	task_unlock(t);
	return ns;
}

/**
 * checkpoint_new_ns - find the tasks in a namespace of their own
 * @ctx: checkpoint context, its tasks collected and frozen
 * @off: the kind of namespace: its offset in struct nsproxy
 * @what: the kind for the log, "a UTS namespace"
 *
 * A namespace is "of their own" when it is not the parent's.  A thread
 * in a namespace not its process's, and a namespace a second task
 * entered with setns(), are refused (EOPNOTSUPP and a log line).
 *
 * Return: a bitmap of the tree entries whose namespace is their own,
 * or an ERR_PTR.
 */
unsigned long *checkpoint_new_ns(struct ckpt_ctx *ctx, size_t off, const char *what)
{
	unsigned int i, j, bad = 0;
	bool thread = false, entered = false;
	unsigned long *new;

	new = bitmap_zalloc(ctx->nr_tasks, GFP_KERNEL);
	if (!new)
		return ERR_PTR(-ENOMEM);

	rcu_read_lock();
	for (i = 0; i < ctx->nr_tasks && !thread && !entered; i++) {
		struct task_struct *t = ctx->tasks[i];
		void *ns = ckpt_nsproxy_ns(t, off);

		if (t->exit_state)
			continue;
		if (!thread_group_leader(t)) {
			thread = ns != ckpt_nsproxy_ns(t->group_leader, off);
			bad = i;
			continue;
		}
		if (!ns || ns == ckpt_nsproxy_ns(rcu_dereference(t->real_parent), off))
			continue;
		__set_bit(i, new);
		for (j = 0; j < i && !entered; j++)
			entered = test_bit(j, new) && ckpt_nsproxy_ns(ctx->tasks[j], off) == ns;
		bad = i;
	}
	rcu_read_unlock();

	if (thread || entered) {
		bitmap_free(new);
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[bad]);
		ckpt_err(ctx, -EOPNOTSUPP, thread ? "a thread in %s not its process's" :
			 "%s entered with setns() by a second task", what);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return new;
}

static int checkpoint_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	struct new_utsname *uts;
	int ret;

	h = ckpt_hdr_alloc(CKPT_HDR_HEADER, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->magic = CKPT_HEADER_MAGIC;
	h->format_version = CKPT_FORMAT_VERSION;
	h->arch = CKPT_ARCH_X86_64;
	h->page_size = PAGE_SIZE;
	h->uflags = ctx->uflags;
	h->ckpt_id = ctx->ckpt_id;
	h->time = ktime_get_real_seconds();

	down_read(&uts_sem);
	uts = utsname();
	strscpy(h->release, uts->release, sizeof(h->release));
	strscpy(h->version, uts->version, sizeof(h->version));
	strscpy(h->machine, uts->machine, sizeof(h->machine));
	up_read(&uts_sem);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	if (!ret)
		ret = checkpoint_write_header_arch(ctx);
	return ret;
}

static int checkpoint_write_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail h = {
		.h = { .type = CKPT_HDR_TAIL, .len = sizeof(h) },
		.magic = CKPT_TAIL_MAGIC,
		.ckpt_id = ctx->ckpt_id,
	};

	return ckpt_write_obj(ctx, &h.h);
}

static int checkpoint_write_tree(struct ckpt_ctx *ctx)
{
	struct pid_namespace *ns = task_active_pid_ns(ctx->root_task);
	struct ckpt_hdr_tree *h;
	unsigned int i;
	int ret;

	h = ckpt_hdr_alloc(CKPT_HDR_TREE, struct_size(h, pids, ctx->nr_tasks));
	if (!h)
		return -ENOMEM;
	h->nr_tasks = ctx->nr_tasks;

	read_lock(&tasklist_lock);
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];
		struct ckpt_task_pids *p = &h->pids[i];

		p->pid = task_pid_nr_ns(t, ns);
		p->tgid = task_tgid_nr_ns(t, ns);
		p->pgid = task_pgrp_nr_ns(t, ns);
		p->sid = task_session_nr_ns(t, ns);
		p->exit_signal = t->exit_signal;
		if (t == ctx->root_task)
			p->flags |= CKPT_PIDS_ROOT;
		/* the root process's parent is outside the image */
		if (!same_thread_group(t, ctx->root_task))
			p->ppid = task_tgid_nr_ns(t->real_parent, ns);
		if (!thread_group_leader(t))
			p->flags |= CKPT_PIDS_THREAD;
		if (test_bit(i, ctx->newuts))
			p->flags |= CKPT_PIDS_NEWUTS;
		if (ctx->newipc && test_bit(i, ctx->newipc))
			p->flags |= CKPT_PIDS_NEWIPC;
		if (t->exit_state) {
			p->flags |= CKPT_PIDS_ZOMBIE;
			p->exit_code = t->exit_code;
		}
	}
	read_unlock(&tasklist_lock);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/*
 * Append @p's thread group to @tasks (leader first), then queue its
 * children after it: parents always come before their children.
 * Called with tasklist_lock held; returns the new count, which may
 * exceed @max (the caller then retries with more room).
 */
static unsigned int ckpt_add_group(struct task_struct **tasks, unsigned int n,
				   unsigned int max, struct task_struct *p)
{
	struct task_struct *t;

	if (n < max)
		tasks[n] = p;
	n++;
	if (p->exit_state)
		return n;
	for_each_thread(p, t) {
		if (t == p)
			continue;
		if (n < max)
			tasks[n] = t;
		n++;
	}
	return n;
}

static unsigned int ckpt_walk_tree(struct ckpt_ctx *ctx, struct task_struct **tasks,
				   unsigned int max)
{
	unsigned int n, i;

	n = ckpt_add_group(tasks, 0, max, ctx->root_task);
	if (!(ctx->uflags & CHECKPOINT_SUBTREE) && (ctx->kflags & CKPT_CTX_SELF))
		return n;
	/* breadth first: the children of every thread of every process */
	for (i = 0; i < n && i < max; i++) {
		struct task_struct *t = tasks[i], *c;

		if (t->exit_state)
			continue;
		list_for_each_entry(c, &t->children, sibling) {
			/* being reaped right now: already gone for waitpid() */
			if (c->exit_state == EXIT_DEAD)
				continue;
			n = ckpt_add_group(tasks, n, max, c);
			if (n > CKPT_TASKS_MAX)
				return n;
		}
	}
	return n;
}

/*
 * The tasks to save, parents before children, each thread group's
 * leader followed by its threads.  A self-checkpoint without
 * CHECKPOINT_SUBTREE saves the caller alone.
 */
static int checkpoint_collect_tasks(struct ckpt_ctx *ctx)
{
	struct task_struct **tasks = NULL;
	unsigned int max = 16, n, i;

	if ((ctx->kflags & CKPT_CTX_SELF) && !thread_group_empty(current))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a multi-threaded process cannot checkpoint itself: checkpoint it from outside");
	for (;;) {
		tasks = kcalloc(max, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
		read_lock(&tasklist_lock);
		n = ckpt_walk_tree(ctx, tasks, max);
		if (n <= max) {
			for (i = 0; i < n; i++)
				get_task_struct(tasks[i]);
		}
		read_unlock(&tasklist_lock);
		if (n <= max)
			break;
		kfree(tasks);
		if (n > CKPT_TASKS_MAX)
			return ckpt_err(ctx, -E2BIG, "more than %d tasks", CKPT_TASKS_MAX);
		max = n + 16;
	}
	ctx->tasks = tasks;
	ctx->nr_tasks = n;
	return 0;
}

static void checkpoint_put_tasks(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_tasks; i++)
		put_task_struct(ctx->tasks[i]);
	ctx->nr_tasks = 0;
}

/* May the caller save @t, and is @t in a state that can be saved? */
static int checkpoint_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (t->flags & PF_KTHREAD)
		return ckpt_err(ctx, -EPERM, "kernel threads cannot be checkpointed");
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return ckpt_err(ctx, -EPERM, "no ptrace attach rights over the task");
	if (t->exit_state) {
		if (!thread_group_leader(t) || !thread_group_empty(t))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"a dead thread group leader whose threads live on is not supported");
		return 0;
	}
	if (t->flags & PF_EXITING)
		return ckpt_err(ctx, -EBUSY, "the task is exiting");
#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode != SECCOMP_MODE_DISABLED)
		return ckpt_err(ctx, -EOPNOTSUPP, "seccomp filters are not supported yet");
#endif
	if (!t->mm)
		return ckpt_err(ctx, -EINVAL, "the task has no address space");
	if (t != current && !ckpt_task_quiescent(t))
		return ckpt_err(ctx, -EBUSY,
				"the task is running: freeze it (cgroup freezer) or stop it (SIGSTOP) first");
	return 0;
}

long do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *t;
	long ret;
	unsigned int i;

	if (pid < 0)
		return ckpt_err(ctx, -EINVAL, "bad pid %d", pid);
	if (!pid || pid == task_pid_vnr(current)) {
		t = current;
		get_task_struct(t);
		ctx->kflags |= CKPT_CTX_SELF;
	} else {
		t = find_get_task_by_vpid(pid);
		if (!t)
			return ckpt_err(ctx, -ESRCH, "pid %d: no such process", pid);
	}
	ctx->root_task = t;
	ctx->tsk_pid = task_pid_vnr(t);

	/* tell nothing about a task the caller may not look at */
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS)) {
		ret = ckpt_err(ctx, -EPERM, "no ptrace attach rights over the task");
		goto out;
	}
	if (!(ctx->kflags & CKPT_CTX_SELF) && !thread_group_leader(t)) {
		ret = ckpt_err(ctx, -EINVAL, "a thread: checkpoint its process, pid %d",
			       task_tgid_vnr(t));
		goto out;
	}
	if (t->exit_state) {
		ret = ckpt_err(ctx, -ESRCH, "the task is a zombie");
		goto out;
	}

	if (!(ctx->kflags & CKPT_CTX_SELF) &&
	    !(ctx->uflags & CHECKPOINT_SUBTREE)) {
		struct pid_namespace *ns = task_active_pid_ns(t);

		if (ns == &init_pid_ns || ns->child_reaper != t) {
			ret = ckpt_err(ctx, -EINVAL,
				       "not a container init: use CHECKPOINT_SUBTREE");
			goto out;
		}
	}

	ret = checkpoint_collect_tasks(ctx);
	if (ret)
		goto out;
	for (i = 0; i < ctx->nr_tasks; i++) {
		ctx->tsk_pid = task_pid_vnr(ctx->tasks[i]);
		ret = checkpoint_check_task(ctx, ctx->tasks[i]);
		if (ret)
			goto out;
	}
	ret = checkpoint_pidns(ctx);
	if (!ret)
		ret = checkpoint_utsns(ctx);
	if (!ret)
		ret = checkpoint_ipcns(ctx);
	if (ret)
		goto out;

	ret = checkpoint_write_header(ctx);
	if (!ret)
		ret = checkpoint_write_tree(ctx);
	if (!ret)
		ret = checkpoint_write_pidns(ctx);
	if (!ret)
		ret = checkpoint_write_utsns(ctx);
	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		/* a zombie is all in the tree record */
		if (ctx->tasks[i]->exit_state)
			continue;
		ctx->tsk = ctx->tasks[i];
		ctx->tsk_pid = task_pid_vnr(ctx->tsk);
		ret = checkpoint_task(ctx, ctx->tsk);
		/* a task that woke up meanwhile makes the image inconsistent */
		if (!ret && ctx->tsk != current && !ckpt_task_quiescent(ctx->tsk))
			ret = ckpt_err(ctx, -EBUSY, "the task resumed during checkpoint");
	}
	ctx->tsk = NULL;
	if (!ret)
		ret = ckpt_obj_check_users(ctx);
	if (!ret)
		ret = checkpoint_write_tail(ctx);
out:
	checkpoint_ipcns_free(ctx);
	checkpoint_utsns_free(ctx);
	checkpoint_pidns_free(ctx);
	checkpoint_put_tasks(ctx);
	put_task_struct(t);
	ctx->root_task = NULL;
	return ret;
}
