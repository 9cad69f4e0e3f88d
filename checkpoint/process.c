// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: a task.
 *
 * The per-task sequence of records is
 *
 *	CKPT_HDR_TASK		comm, personality, tid addresses, state
 *	CKPT_HDR_TASK_SIGNAL	blocked mask, altstack, pending signals
 *	CKPT_HDR_CPU ...	registers, FPU, debug registers (optional)
 *	(objects)		fd table, fs, handlers, signal, mm
 *	CKPT_HDR_TASK_OBJS	the objrefs of those objects
 *
 * The objects are restored as they are read, in an order that leaves
 * the address space, the only part of the caller that cannot be put
 * back, for last; the rest is committed once everything was read.
 */

#include <linux/checkpoint.h>
#include <linux/freezer.h>
#include <linux/futex.h>
#include <linux/personality.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/* sys_rseq()'s ORIG_RSEQ_SIZE */
#define CKPT_RSEQ_ORIG_SIZE	32

/**
 * ckpt_task_quiescent - is @t stopped or frozen, and off the CPU?
 * @t: a task other than current
 */
bool ckpt_task_quiescent(struct task_struct *t)
{
	bool quiet = task_is_stopped(t) || frozen(t);

#ifdef CONFIG_CGROUPS
	quiet = quiet || t->frozen;
#endif
	if (!quiet)
		return false;
	/* it may still be on its way into schedule() */
	return wait_task_inactive(t, TASK_NORMAL | __TASK_STOPPED | TASK_FROZEN) != 0;
}

static int checkpoint_task_struct(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_task *h;
	int ret;

	h = ckpt_hdr_alloc(CKPT_HDR_TASK, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (task_no_new_privs(t))
		h->flags |= CKPT_TASK_NO_NEW_PRIVS;
	if (t == current)
		h->flags |= CKPT_TASK_SELF;
	else if (task_is_stopped(t))
		h->flags |= CKPT_TASK_STOPPED;
	else
		h->flags |= CKPT_TASK_FROZEN;
	h->personality = t->personality;
	h->exit_signal = t->exit_signal;
	h->pdeath_signal = t->pdeath_signal;
	h->set_child_tid = (unsigned long)t->set_child_tid;
	h->clear_child_tid = (unsigned long)t->clear_child_tid;
#ifdef CONFIG_FUTEX
	if (t->robust_list) {
		h->robust_list = (unsigned long)t->robust_list;
		h->robust_list_len = sizeof(*t->robust_list);
	}
#endif
#ifdef CONFIG_RSEQ
	h->rseq = (unsigned long)t->rseq;
	h->rseq_len = t->rseq_len;
	h->rseq_sig = t->rseq_sig;
#endif
	get_task_comm(h->comm, t);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/*
 * Every object a task uses.  The address space goes last: restart
 * rebuilds it in place, and so it is the point of no return.
 */
struct ckpt_task_obj {
	int type;
	size_t offset;		/* of the objref in ckpt_hdr_task_objs */
};

static const struct ckpt_task_obj ckpt_task_objs[] = {
	{ CKPT_OBJ_FILE_TABLE, offsetof(struct ckpt_hdr_task_objs, files_objref) },
	{ CKPT_OBJ_FS, offsetof(struct ckpt_hdr_task_objs, fs_objref) },
	{ CKPT_OBJ_SIGHAND, offsetof(struct ckpt_hdr_task_objs, sighand_objref) },
	{ CKPT_OBJ_SIGNAL, offsetof(struct ckpt_hdr_task_objs, signal_objref) },
	{ CKPT_OBJ_CRED, offsetof(struct ckpt_hdr_task_objs, cred_objref) },
	{ CKPT_OBJ_MM, offsetof(struct ckpt_hdr_task_objs, mm_objref) },
};

static void *ckpt_task_obj_get(struct task_struct *t, int type)
{
	void *ptr = NULL;

	task_lock(t);
	switch (type) {
	case CKPT_OBJ_FILE_TABLE:
		ptr = t->files;
		break;
	case CKPT_OBJ_FS:
		ptr = t->fs;
		break;
	case CKPT_OBJ_SIGHAND:
		ptr = t->sighand;
		break;
	case CKPT_OBJ_SIGNAL:
		ptr = t->signal;
		break;
	case CKPT_OBJ_MM:
		ptr = t->mm;
		break;
	case CKPT_OBJ_CRED:
		/* stable: the task is stopped, or is current */
		rcu_read_lock();
		ptr = (void *)rcu_dereference(t->real_cred);
		rcu_read_unlock();
		break;
	}
	task_unlock(t);
	return ptr;
}

static int checkpoint_task_objs(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_task_objs h = {
		.h = { .type = CKPT_HDR_TASK_OBJS, .len = sizeof(h) },
	};
	int i, objref;

	/* its own IPC namespace, whose segments its address space maps */
	objref = checkpoint_task_ipc(ctx, t);
	if (objref < 0)
		return objref;
	for (i = 0; i < ARRAY_SIZE(ckpt_task_objs); i++) {
		const struct ckpt_task_obj *o = &ckpt_task_objs[i];
		void *ptr = ckpt_task_obj_get(t, o->type);

		if (!ptr)
			return ckpt_err(ctx, -EBUSY, "the task is exiting");
		/*
		 * Threads share these with their leader; two processes
		 * sharing them (CLONE_VM, CLONE_SIGHAND) cannot be rebuilt.
		 */
		if ((o->type == CKPT_OBJ_MM || o->type == CKPT_OBJ_SIGHAND ||
		     o->type == CKPT_OBJ_SIGNAL) && thread_group_leader(t) &&
		    ckpt_obj_lookup(ctx, ptr))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the process shares its %s with another process (CLONE_VM)",
					o->type == CKPT_OBJ_MM ? "address space" :
					"signal handlers");
		/*
		 * The task is stopped or is current, so the object cannot
		 * go away before checkpoint_obj() takes its reference.
		 */
		objref = checkpoint_obj(ctx, ptr, o->type);
		if (objref < 0)
			return objref;
		*(__s32 *)((char *)&h + o->offset) = objref;
	}
	return ckpt_write_obj(ctx, &h.h);
}

int checkpoint_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	int ret;

	ret = checkpoint_task_struct(ctx, t);
	if (!ret)
		ret = checkpoint_task_signal(ctx, t);
	if (!ret)
		ret = checkpoint_cpu(ctx, t);
	if (!ret)
		ret = checkpoint_task_objs(ctx, t);
	return ret;
}

static int restore_task_struct(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	if (h->flags & ~(CKPT_TASK_STOPPED | CKPT_TASK_FROZEN | CKPT_TASK_SELF |
			 CKPT_TASK_NO_NEW_PRIVS))
		return ckpt_err(ctx, -EINVAL, "task record: unknown flags %#x",
				h->flags);
	if (!valid_signal(h->pdeath_signal) ||
	    (!valid_signal(h->exit_signal) && h->exit_signal != -1))
		return ckpt_err(ctx, -EINVAL, "task record: bad signal numbers");
	if (h->clear_child_tid >= TASK_SIZE || h->set_child_tid >= TASK_SIZE)
		return ckpt_err(ctx, -EINVAL, "task record: bad tid addresses");
#ifdef CONFIG_FUTEX
	if (h->robust_list && (h->robust_list >= TASK_SIZE ||
			       h->robust_list_len != sizeof(*current->robust_list)))
		return ckpt_err(ctx, -EINVAL, "task record: bad robust futex list");
#else
	if (h->robust_list)
		return ckpt_err(ctx, -EOPNOTSUPP, "task record: robust futexes need CONFIG_FUTEX");
#endif
	if (h->personality & ~(PER_MASK | ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO |
			       ADDR_COMPAT_LAYOUT | READ_IMPLIES_EXEC |
			       ADDR_LIMIT_32BIT | SHORT_INODE | WHOLE_SECONDS |
			       STICKY_TIMEOUTS | ADDR_LIMIT_3GB |
			       UNAME26 | FDPIC_FUNCPTRS))
		return ckpt_err(ctx, -EINVAL, "task record: bad personality %#x",
				h->personality);
	/* the checks of sys_rseq() */
	if (h->rseq && (h->rseq >= TASK_SIZE || h->rseq_len < CKPT_RSEQ_ORIG_SIZE ||
			h->rseq_len > PAGE_SIZE || h->rseq + h->rseq_len > TASK_SIZE ||
			(h->rseq_len == CKPT_RSEQ_ORIG_SIZE &&
			 !IS_ALIGNED(h->rseq, CKPT_RSEQ_ORIG_SIZE)) ||
			(h->rseq_len != CKPT_RSEQ_ORIG_SIZE &&
			 (!IS_ALIGNED(h->rseq, __alignof__(struct rseq)) ||
			  h->rseq_len < offsetof(struct rseq, end)))))
		return ckpt_err(ctx, -EINVAL, "task record: bad rseq area");
	return 0;
}

static void restore_task_struct_commit(struct ckpt_hdr_task *h)
{
	h->comm[CKPT_COMM_LEN - 1] = '\0';
	set_task_comm(current, h->comm);
	set_personality(h->personality);
	/* never cleared: a caller that has it keeps it */
	if (h->flags & CKPT_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(current);
	current->pdeath_signal = h->pdeath_signal;
	current->set_child_tid = (int __user *)(unsigned long)h->set_child_tid;
	current->clear_child_tid = (int __user *)(unsigned long)h->clear_child_tid;
	/* the caller's robust futex list and timers pointed into its memory */
#ifdef CONFIG_FUTEX
	current->robust_list = (struct robust_list_head __user *)(unsigned long)h->robust_list;
#ifdef CONFIG_COMPAT
	current->compat_robust_list = NULL;
#endif
#endif
	exit_itimers(current);
#ifdef CONFIG_RSEQ
	/* the caller's registration points into memory that is gone */
	current->rseq = (struct rseq __user *)(unsigned long)h->rseq;
	current->rseq_len = h->rseq ? h->rseq_len : 0;
	current->rseq_sig = h->rseq ? h->rseq_sig : 0;
	if (current->rseq)
		rseq_set_notify_resume(current);
#endif
}

enum {
	CKPT_TASK_OBJ_FILES,
	CKPT_TASK_OBJ_FS,
	CKPT_TASK_OBJ_SIGHAND,
	CKPT_TASK_OBJ_SIGNAL,
	CKPT_TASK_OBJ_CRED,
	CKPT_TASK_OBJ_MM,
	CKPT_TASK_OBJ_NR
};

/**
 * restore_task - restore current from the next task in the image
 * @ctx: restart context
 * @tr: what is left for restore_task_finish(), filled in here
 *
 * Everything of the task is read and checked first; only the address
 * space is rebuilt while reading (the point of no return), and the
 * rest is committed once the whole task was read.  The pending
 * signals wait for restore_task_finish(): every task of the image must
 * be restored (and every zombie dead) before they are queued.
 */
int restore_task(struct ckpt_ctx *ctx, struct ckpt_task_restore *tr)
{
	struct ckpt_hdr_task_objs *objs = NULL;
	void *cpu = NULL;
	void *ptr[CKPT_TASK_OBJ_NR];
	struct ckpt_hdr_task *h;
	int i, ret;

	BUILD_BUG_ON(ARRAY_SIZE(ckpt_task_objs) != CKPT_TASK_OBJ_NR);

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TASK, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = restore_task_struct(ctx, h);
	if (ret)
		goto out;

	tr->sig = restore_task_signal_read(ctx);
	if (IS_ERR(tr->sig)) {
		ret = PTR_ERR(tr->sig);
		tr->sig = NULL;
		goto out;
	}
	cpu = restore_cpu_read(ctx);
	if (IS_ERR(cpu)) {
		ret = PTR_ERR(cpu);
		cpu = NULL;
		goto out;
	}

	/* objects may come from here on; the address space is the last */
	ctx->objs_ok = true;
	objs = ckpt_read_obj_type(ctx, CKPT_HDR_TASK_OBJS, sizeof(*objs),
				  sizeof(*objs));
	ctx->objs_ok = false;
	if (IS_ERR(objs)) {
		ret = PTR_ERR(objs);
		objs = NULL;
		goto out;
	}
	for (i = 0; i < CKPT_TASK_OBJ_NR; i++) {
		const struct ckpt_task_obj *o = &ckpt_task_objs[i];
		int objref = *(__s32 *)((char *)objs + o->offset);

		ptr[i] = ckpt_obj_fetch(ctx, objref, o->type);
		if (IS_ERR(ptr[i])) {
			ret = PTR_ERR(ptr[i]);
			goto out;
		}
	}

	/* from here on the caller becomes the task in the image */
	ctx->kflags |= CKPT_CTX_NORETURN;
	ret = restore_mm_commit(ctx, ptr[CKPT_TASK_OBJ_MM]);
	if (!ret)
		ret = restore_signal_prepare(ctx, ptr[CKPT_TASK_OBJ_SIGNAL]);
	if (!ret)
		ret = restore_files_commit(ctx, ptr[CKPT_TASK_OBJ_FILES]);
	if (!ret)
		ret = restore_fs_commit(ctx, ptr[CKPT_TASK_OBJ_FS]);
	if (!ret)
		ret = restore_sighand_commit(ctx, ptr[CKPT_TASK_OBJ_SIGHAND]);
	if (!ret)
		ret = restore_cred_commit(ctx, ptr[CKPT_TASK_OBJ_CRED]);
	if (ret)
		goto out;
	restore_task_struct_commit(h);

	ret = restore_task_signal_apply(ctx, tr->sig);
	if (!ret)
		ret = restore_cpu_apply(ctx, cpu, &tr->retval);
	if (ret)
		goto out;
	tr->signal = ptr[CKPT_TASK_OBJ_SIGNAL];
	/* a task saved in group stop, or asked to stay frozen, stops */
	tr->stop = (h->flags & CKPT_TASK_STOPPED) || (ctx->uflags & RESTART_FROZEN);
out:
	restore_cpu_free(cpu);
	ckpt_free(objs);
	ckpt_free(h);
	return ret;
}

/**
 * restore_task_finish - the last steps of a restored task
 * @ctx: restart context
 * @tr: what restore_task() left
 * @group: current restores its thread group's shared pending signals
 *
 * Called when every task of the image is restored: queues the pending
 * signals of the image (and only those), then settles the system call
 * the task was in and stops it if it was stopped.
 */
int restore_task_finish(struct ckpt_ctx *ctx, struct ckpt_task_restore *tr,
			bool group)
{
	int ret;

	ret = restore_task_signal_pending(ctx, tr->sig, group ? tr->signal : NULL);
	if (ret)
		return ret;
	restore_cpu_syscall(&tr->retval);
	if (tr->stop)
		send_sig_info(SIGSTOP, SEND_SIG_PRIV, current);
	return 0;
}

void restore_task_release(struct ckpt_task_restore *tr)
{
	restore_task_signal_free(tr->sig);
	tr->sig = NULL;
}
