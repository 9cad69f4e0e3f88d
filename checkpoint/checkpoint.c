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
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

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
	struct ckpt_hdr_tree *h;
	unsigned int i;
	int ret;

	h = ckpt_hdr_alloc(CKPT_HDR_TREE, struct_size(h, pids, ctx->nr_tasks));
	if (!h)
		return -ENOMEM;
	h->nr_tasks = ctx->nr_tasks;

	rcu_read_lock();
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];
		struct ckpt_task_pids *p = &h->pids[i];

		p->pid = task_pid_vnr(t);
		p->tgid = task_tgid_vnr(t);
		p->ppid = task_tgid_vnr(rcu_dereference(t->real_parent));
		p->pgid = task_pgrp_vnr(t);
		p->sid = task_session_vnr(t);
		if (t == ctx->root_task)
			p->flags |= CKPT_PIDS_ROOT;
		if (!thread_group_leader(t))
			p->flags |= CKPT_PIDS_THREAD;
	}
	rcu_read_unlock();

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/*
 * The tasks to save.  Process trees and threads come with a later
 * format; until then the set is the root task, alone.
 */
static int checkpoint_collect_tasks(struct ckpt_ctx *ctx)
{
	struct task_struct *t = ctx->root_task;

	if (!thread_group_empty(t))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"multi-threaded processes are not supported yet");
	if (!(ctx->kflags & CKPT_CTX_SELF)) {
		bool has_children;

		read_lock(&tasklist_lock);
		has_children = !list_empty(&t->children);
		read_unlock(&tasklist_lock);
		if (has_children)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"process trees are not supported yet (the task has children)");
	}

	ctx->tasks = kcalloc(1, sizeof(*ctx->tasks), GFP_KERNEL);
	if (!ctx->tasks)
		return -ENOMEM;
	ctx->tasks[0] = t;
	ctx->nr_tasks = 1;
	return 0;
}

/* May the caller save @t, and is @t in a state that can be saved? */
static int checkpoint_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (t->flags & PF_KTHREAD)
		return ckpt_err(ctx, -EPERM, "kernel threads cannot be checkpointed");
	if (t->exit_state || (t->flags & PF_EXITING))
		return ckpt_err(ctx, -ESRCH, "the task is exiting");
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return ckpt_err(ctx, -EPERM, "no ptrace attach rights over the task");
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
		ret = checkpoint_check_task(ctx, ctx->tasks[i]);
		if (ret)
			goto out;
	}

	ret = checkpoint_write_header(ctx);
	if (!ret)
		ret = checkpoint_write_tree(ctx);
	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		ctx->tsk = ctx->tasks[i];
		ctx->tsk_pid = task_pid_vnr(ctx->tsk);
		ret = checkpoint_task(ctx, ctx->tsk);
		/* a task that woke up meanwhile makes the image inconsistent */
		if (!ret && ctx->tsk != current && !ckpt_task_quiescent(ctx->tsk))
			ret = ckpt_err(ctx, -EBUSY, "the task resumed during checkpoint");
	}
	ctx->tsk = NULL;
	if (!ret)
		ret = checkpoint_write_tail(ctx);
out:
	put_task_struct(t);
	ctx->root_task = NULL;
	return ret;
}
