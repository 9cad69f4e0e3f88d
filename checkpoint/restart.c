// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart driver.
 *
 * Reads and checks the header, the tree and the tail, and has each
 * task restore itself.  Until restart passes its point of no return
 * (the first change to the caller that cannot be undone, marked by
 * CKPT_CTX_NORETURN) a failure leaves the caller as it was; after it,
 * the caller is killed rather than left half restored.
 */

#include <linux/checkpoint.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/utsname.h>

static int restore_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_HEADER, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);

	if (h->magic != CKPT_HEADER_MAGIC)
		ret = ckpt_err(ctx, -EINVAL, "not a checkpoint image (bad magic)");
	else if (h->format_version != CKPT_FORMAT_VERSION)
		ret = ckpt_err(ctx, -EINVAL, "image format version %u, this kernel reads %u",
			       h->format_version, CKPT_FORMAT_VERSION);
	else if (h->arch != CKPT_ARCH_X86_64)
		ret = ckpt_err(ctx, -EINVAL, "image of another architecture (%u)", h->arch);
	else if (h->page_size != PAGE_SIZE)
		ret = ckpt_err(ctx, -EINVAL, "image page size %u, this kernel's %lu",
			       h->page_size, PAGE_SIZE);
	else if (h->uflags & ~CHECKPOINT_USER_FLAGS)
		ret = ckpt_err(ctx, -EINVAL, "unknown checkpoint flags %#llx",
			       h->uflags);
	if (!ret) {
		h->release[sizeof(h->release) - 1] = '\0';
		h->version[sizeof(h->version) - 1] = '\0';
		h->machine[sizeof(h->machine) - 1] = '\0';
		ctx->hdr = *h;
		ctx->ckpt_id = h->ckpt_id;
		ret = restore_read_header_arch(ctx);
	}
	ckpt_free(h);
	return ret;
}

static int restore_read_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TAIL, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->magic != CKPT_TAIL_MAGIC || h->ckpt_id != ctx->ckpt_id)
		ret = ckpt_err(ctx, -EINVAL, "bad image tail");
	ckpt_free(h);
	if (!ret)
		ret = ckpt_obj_restore_done(ctx);
	return ret;
}

/* A wait(2) status a zombie may hold: exited, or killed by a signal */
static bool ckpt_valid_exit_code(int code)
{
	if (code & ~0xffff)
		return false;
	if (!(code & 0x7f))
		return !(code & 0xff);
	return (code & 0x7f) != 0x7f && !(code & 0xff00) && valid_signal(code & 0x7f);
}

/*
 * Check the tree record: every task once, parents before children,
 * threads after their leader, in a shape the tree builder can make.
 * @idx maps a pid to its index + 1.
 */
static int restore_check_tree(struct ckpt_ctx *ctx, struct ckpt_hdr_tree *h,
			      struct xarray *idx)
{
	unsigned int i;
	int ret;

	for (i = 0; i < h->nr_tasks; i++) {
		struct ckpt_task_pids *p = &h->pids[i];
		struct ckpt_task_pids *leader = NULL, *parent = NULL;
		void *e;

		if (p->pid <= 0 || p->pid >= PID_MAX_LIMIT || p->pgid < 0 ||
		    p->sid < 0 || p->pgid >= PID_MAX_LIMIT || p->sid >= PID_MAX_LIMIT)
			goto bad;
		if (p->flags & ~(CKPT_PIDS_ROOT | CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE |
				 CKPT_PIDS_NEWUTS | CKPT_PIDS_NEWIPC))
			goto bad;
		/* a thread shares its process's namespaces, a zombie has none */
		if (p->flags & (CKPT_PIDS_NEWUTS | CKPT_PIDS_NEWIPC) &&
		    p->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE))
			goto bad;
		if (!!(p->flags & CKPT_PIDS_ROOT) != !i)
			goto bad;
		ret = xa_insert(idx, p->pid, xa_mk_value(i + 1), GFP_KERNEL);
		if (ret == -EBUSY)
			goto bad;
		if (ret)
			return ret;

		if (p->flags & CKPT_PIDS_THREAD) {
			e = xa_load(idx, p->tgid);
			/* right after its leader or another of its threads */
			if (p->flags & (CKPT_PIDS_ROOT | CKPT_PIDS_ZOMBIE) || !e ||
			    p->exit_signal != -1 || h->pids[i - 1].tgid != p->tgid)
				goto bad;
			leader = &h->pids[xa_to_value(e) - 1];
			if (leader->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE) ||
			    leader->ppid != p->ppid)
				goto bad;
		} else if (p->tgid != p->pid || !valid_signal(p->exit_signal)) {
			goto bad;
		}
		if (p->flags & CKPT_PIDS_ZOMBIE && !ckpt_valid_exit_code(p->exit_code))
			goto bad;
		if (!(p->flags & CKPT_PIDS_ZOMBIE) && p->exit_code)
			goto bad;
		if (i && !leader) {
			e = xa_load(idx, p->ppid);
			if (!e)
				goto bad;
			parent = &h->pids[xa_to_value(e) - 1];
			if (parent->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE))
				goto bad;
		}
	}
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "tree record: task %u (pid %d) is malformed or out of order",
			i, h->pids[i].pid);
}

/*
 * The tree record, the pid namespace record that follows it and the
 * UTS namespace record if there is one (*uts is NULL otherwise)
 */
static struct ckpt_hdr_tree *restore_read_tree(struct ckpt_ctx *ctx,
					       struct ckpt_pidns_image **pi,
					       struct ckpt_hdr_utsns **uts)
{
	struct ckpt_hdr_tree *h;
	struct xarray idx;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TREE, sizeof(*h) + sizeof(h->pids[0]),
			       CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	if (!h->nr_tasks || h->nr_tasks > CKPT_TASKS_MAX ||
	    ckpt_align(struct_size(h, pids, h->nr_tasks)) != h->h.len) {
		ret = ckpt_err(ctx, -EINVAL, "tree record: %u tasks in %u bytes",
			       h->nr_tasks, h->h.len);
	} else {
		xa_init(&idx);
		ret = restore_check_tree(ctx, h, &idx);
		xa_destroy(&idx);
	}
	if (!ret) {
		*pi = restore_read_pidns(ctx, h);
		if (IS_ERR(*pi))
			ret = PTR_ERR(*pi);
	}
	if (!ret) {
		*uts = restore_read_utsns(ctx, h);
		if (IS_ERR(*uts)) {
			ret = PTR_ERR(*uts);
			restore_pidns_free(*pi);
		}
	}
	if (ret) {
		ckpt_free(h);
		return ERR_PTR(ret);
	}
	ctx->tsk_pid = h->pids[0].pid;
	return h;
}

static struct task_struct *restart_self_at(void *arg, u32 i)
{
	return current;
}

/* restart(0, fd, RESTART_TASKSELF, logfd): the caller becomes the task */
static int do_restart_self(struct ckpt_ctx *ctx, long *retval)
{
	struct ckpt_task_restore tr = {};
	struct ckpt_hdr_utsns *uts;
	struct ckpt_pidns_image *pi;
	struct ckpt_hdr_tree *tree;
	int ret;

	if (!thread_group_empty(current))
		return ckpt_err(ctx, -EBUSY, "the caller must be single-threaded");
	if (!current->mm || !current_is_single_threaded())
		return ckpt_err(ctx, -EBUSY,
				"the caller shares its address space with another task");

	ret = restore_read_header(ctx);
	if (ret)
		return ret;
	tree = restore_read_tree(ctx, &pi, &uts);
	if (IS_ERR(tree))
		return PTR_ERR(tree);
	restore_pidns_free(pi);
	if (tree->nr_tasks != 1 || tree->pids[0].flags & CKPT_PIDS_ZOMBIE)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "the image holds %u tasks: restore it with mktree",
			       tree->nr_tasks);
	/* checks first: restore_utsns() names the namespaces */
	if (!ret)
		ret = restore_check_ipcns(ctx, tree, restart_self_at, NULL);
	if (!ret)
		ret = restore_utsns(ctx, tree, uts, restart_self_at, NULL);
	ctx->tsk_flags = tree->pids[0].flags;
	ckpt_free(uts);
	ckpt_free(tree);
	if (!ret)
		ret = restore_task(ctx, &tr);
	if (!ret)
		ret = restore_read_tail(ctx);
	if (!ret)
		ret = restore_task_finish(ctx, &tr, true);
	restore_task_release(&tr);
	*retval = tr.retval;
	return ret;
}

/*
 * A coordinated restart: the tree builder forked the tasks of the
 * image, each called restart(0, ...) and waits in restart_join(); the
 * coordinator's restart(root_pid, ...) reads the image and gives the
 * first task its turn to restore itself from the shared context.  The
 * turn then passes from task to task in image order (restart_done()):
 * the coordinator is woken only when the last one is done, or when one
 * fails or is killed.  Once all are restored (and the zombies dead) the
 * turn goes round again: pending signals, in image order; then they all
 * go back to user space.  If anything fails, the tasks already restored
 * never get there: they are killed.
 */
enum {
	CKPT_RT_WAITING,	/* waiting for its turn, or restoring itself */
	CKPT_RT_RESTORED,	/* waiting for the verdict */
	CKPT_RT_FAILED,
	CKPT_RT_GONE,		/* killed, or a zombie that exited */
	CKPT_RT_FINISHED,
};

struct ckpt_rtask {
	struct task_struct *task;
	struct ckpt_task_pids pids;
	struct ckpt_task_restore tr;
	struct completion turn;
	unsigned int turns;		/* complete()s given to it, under r->lock */
	int state;			/* CKPT_RT_*, set under r->lock */
	int err;
	bool attached;
	bool noreturn;			/* it passed its point of no return */
};

struct ckpt_restart {
	struct list_head list;
	struct ckpt_ctx *ctx;
	struct ckpt_rtask *rtasks;
	unsigned int nr;
	unsigned int nr_attached;	/* under ckpt_restarts_lock */
	int verdict;			/* 0 undecided, 1 restored, or -errno */
	wait_queue_head_t waitq;	/* the coordinator waits here */
	spinlock_t lock;		/* the turn: holder, stop, finishing */
	unsigned int holder;		/* whose turn it is; nr: the coordinator's */
	bool finishing;			/* the second round: pending signals */
	bool stop;			/* the first round failed: no more turns */
};

static DEFINE_MUTEX(ckpt_restarts_lock);
static LIST_HEAD(ckpt_restarts);
static atomic_t ckpt_restarts_gen = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ckpt_restarts_wq);

/* Under ckpt_restarts_lock: the restart waiting for current, if any */
static struct ckpt_rtask *ckpt_restart_attach(struct ckpt_restart **rp)
{
	struct ckpt_restart *r;
	unsigned int i;

	list_for_each_entry(r, &ckpt_restarts, list) {
		for (i = 0; i < r->nr; i++) {
			struct ckpt_rtask *rt = &r->rtasks[i];

			if (rt->task != current || rt->attached)
				continue;
			rt->attached = true;
			r->nr_attached++;
			*rp = r;
			return rt;
		}
	}
	return NULL;
}

static void ckpt_restart_detach(struct ckpt_restart *r)
{
	mutex_lock(&ckpt_restarts_lock);
	/*
	 * Under the lock: the coordinator frees r once it sees 0, and
	 * waits for nothing else here.
	 */
	if (!--r->nr_attached)
		wake_up_all(&r->waitq);
	mutex_unlock(&ckpt_restarts_lock);
}

/* Under r->lock: one more complete() of @rt's turn */
static void restart_kick(struct ckpt_restart *r, struct ckpt_rtask *rt)
{
	lockdep_assert_held(&r->lock);
	rt->turns++;
	complete(&rt->turn);
}

/* Under r->lock: does @rt still wait for its second turn (or a verdict)? */
static bool restart_wants_turn(struct ckpt_rtask *rt)
{
	return rt->attached && rt->turns < 2 && rt->state != CKPT_RT_GONE;
}

/* Under r->lock: the first task from @i on whose turn it is, or r->nr */
static unsigned int restart_next(struct ckpt_restart *r, unsigned int i)
{
	lockdep_assert_held(&r->lock);
	if (!r->finishing)
		return r->stop ? r->nr : i;
	while (i < r->nr && !restart_wants_turn(&r->rtasks[i]))
		i++;
	return i;
}

/* Under r->lock: the turn to the first task from @i on, else back */
static bool restart_pass(struct ckpt_restart *r, unsigned int i)
{
	i = restart_next(r, i);
	r->holder = i;
	if (i == r->nr)
		return true;
	restart_kick(r, &r->rtasks[i]);
	return false;
}

/* Whether the turn came back to the coordinator */
static bool restart_turn_back(struct ckpt_restart *r)
{
	bool back;

	spin_lock(&r->lock);
	back = r->holder == r->nr;
	spin_unlock(&r->lock);
	return back;
}

/*
 * @rt is done with its turn, with @state, or was killed (CKPT_RT_GONE):
 * if it held the turn, pass it on.  A failure or a kill in the first
 * round ends it; the coordinator, woken, finds out which task it was.
 */
static void restart_done(struct ckpt_restart *r, struct ckpt_rtask *rt, int state)
{
	bool wake = state == CKPT_RT_GONE;

	spin_lock(&r->lock);
	WRITE_ONCE(rt->state, state);
	if (!r->finishing && (state == CKPT_RT_FAILED ||
			      (state == CKPT_RT_GONE && !(rt->pids.flags & CKPT_PIDS_ZOMBIE))))
		r->stop = true;
	if (r->holder == rt - r->rtasks && restart_pass(r, rt - r->rtasks + 1))
		wake = true;
	spin_unlock(&r->lock);
	if (wake)
		wake_up_all(&r->waitq);
}

/* The signal current's parent gets at its exit, from the tree record */
static void restart_set_exit_signal(struct ckpt_rtask *rt)
{
	write_lock_irq(&tasklist_lock);
	current->exit_signal = rt->pids.exit_signal;
	write_unlock_irq(&tasklist_lock);
}

/* A zombie's turn: it dies the way it had died */
static void __noreturn restart_zombie(struct ckpt_restart *r, struct ckpt_rtask *rt)
{
	int code = rt->pids.exit_code;

	restart_set_exit_signal(rt);
	restart_done(r, rt, CKPT_RT_GONE);
	ckpt_restart_detach(r);
	do_exit(code);
}

/* current's turn: restore it from the image */
static void restart_one(struct ckpt_restart *r, struct ckpt_rtask *rt)
{
	struct ckpt_ctx *ctx = r->ctx;
	int ret;

	ctx->tsk_pid = rt->pids.pid;
	ctx->tsk_flags = rt->pids.flags;
	ctx->kflags &= ~CKPT_CTX_NORETURN;
	ret = restore_task(ctx, &rt->tr);
	ctx->tsk_flags = 0;
	rt->noreturn = !!(ctx->kflags & CKPT_CTX_NORETURN);
	ctx->kflags &= ~CKPT_CTX_NORETURN;
	/*
	 * Half restored: the address space may be gone, and with it that
	 * of every thread sharing it.  Kill the thread group now, before
	 * any of its threads can return to user space.
	 */
	if (ret && rt->noreturn)
		force_fatal_sig(SIGKILL);
	if (!ret && !(rt->pids.flags & CKPT_PIDS_THREAD))
		restart_set_exit_signal(rt);
	rt->err = ret;
	restart_done(r, rt, ret ? CKPT_RT_FAILED : CKPT_RT_RESTORED);
}

/**
 * restart_join - restart(0, CHECKPOINT_FD_NONE, flags, ...) without
 * RESTART_TASKSELF: wait for a coordinator to restore current
 * @retval: what restart() returns in the restored task
 */
long restart_join(long *retval)
{
	struct ckpt_restart *r = NULL;
	struct ckpt_rtask *rt;
	bool restored = false;
	long ret;

	for (;;) {
		int gen = atomic_read(&ckpt_restarts_gen);

		mutex_lock(&ckpt_restarts_lock);
		rt = ckpt_restart_attach(&r);
		/* the coordinator waits for the last one */
		if (rt && r->nr_attached == r->nr)
			wake_up_all(&r->waitq);
		mutex_unlock(&ckpt_restarts_lock);
		if (rt)
			break;
		if (wait_event_killable(ckpt_restarts_wq,
					atomic_read(&ckpt_restarts_gen) != gen))
			return -EINTR;
	}

	/* my turn to restore, or the restart failed before it came */
	if (wait_for_completion_killable(&rt->turn)) {
		restart_done(r, rt, CKPT_RT_GONE);
		ret = -EINTR;
		goto out;
	}
	if (READ_ONCE(r->verdict) < 0) {
		ret = r->verdict;
		goto out;
	}
	if (rt->pids.flags & CKPT_PIDS_ZOMBIE)
		restart_zombie(r, rt);
	restart_one(r, rt);
	restored = rt->noreturn || !rt->err;

	/* the verdict, and my turn to finish */
	if (wait_for_completion_killable(&rt->turn)) {
		restart_done(r, rt, CKPT_RT_GONE);
		ret = -EINTR;
		goto out;
	}
	ret = READ_ONCE(r->verdict);
	if (ret > 0) {
		r->ctx->tsk_pid = rt->pids.pid;
		ret = restore_task_finish(r->ctx, &rt->tr,
					  !(rt->pids.flags & CKPT_PIDS_THREAD));
		*retval = rt->tr.retval;
		rt->err = ret;
		restart_done(r, rt, ret ? CKPT_RT_FAILED : CKPT_RT_FINISHED);
		/*
		 * Back to user space only when every task has its pending
		 * signals: one that went first could signal one that has
		 * not, whose restore would then drop the signal.
		 */
		if (!ret && wait_for_completion_killable(&rt->turn))
			ret = -EINTR;
		/* another task failed to finish: all or nothing */
		if (!ret && READ_ONCE(r->verdict) < 0)
			ret = r->verdict;
	} else if (!ret) {
		ret = -EINVAL;
	}
out:
	/*
	 * A task that is partly or wholly restored never runs on, nor
	 * does one whose address space a restored thread rebuilt.
	 */
	if (ret && current->mm && ckpt_obj_restored(r->ctx, current->mm, CKPT_OBJ_MM))
		restored = true;
	restore_task_release(&rt->tr);
	ckpt_restart_detach(r);
	if (ret && restored)
		force_fatal_sig(SIGKILL);
	return ret;
}

/* The tasks of the tree, as the coordinator sees them */
static int restart_find_tasks(struct ckpt_ctx *ctx, struct ckpt_restart *r,
			      struct ckpt_hdr_tree *tree, pid_t pid)
{
	struct pid_namespace *ns;
	struct task_struct *root;
	unsigned int i;
	int ret = 0;

	root = find_get_task_by_vpid(pid);
	if (!root)
		return ckpt_err(ctx, -ESRCH, "root pid %d: no such process", pid);
	rcu_read_lock();
	ns = task_active_pid_ns(root);
	if (!ns || task_pid_nr_ns(root, ns) != tree->pids[0].pid) {
		rcu_read_unlock();
		put_task_struct(root);
		return ckpt_err(ctx, -EINVAL,
				"root pid %d is not pid %d of the image in its namespace",
				pid, tree->pids[0].pid);
	}
	for (i = 0; i < r->nr; i++) {
		struct ckpt_rtask *rt = &r->rtasks[i];
		struct task_struct *t;

		rt->pids = tree->pids[i];
		init_completion(&rt->turn);
		t = find_task_by_pid_ns(rt->pids.pid, ns);
		if (!t) {
			ret = -ESRCH;
			break;
		}
		get_task_struct(t);
		rt->task = t;
	}
	rcu_read_unlock();
	put_task_struct(root);
	if (ret)
		return ckpt_err(ctx, ret,
				"pid %d of the image: no such task in the root's namespace",
				r->rtasks[i].pids.pid);

	for (i = 0; i < r->nr; i++) {
		struct task_struct *t = r->rtasks[i].task;

		ctx->tsk_pid = r->rtasks[i].pids.pid;
		if (t == current || same_thread_group(t, current))
			return ckpt_err(ctx, -EINVAL,
					"the coordinator cannot be a task of the image");
		if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
			return ckpt_err(ctx, -EPERM, "no ptrace attach rights over the task");
	}
	return 0;
}

static struct task_struct *restart_task_at(void *arg, u32 i)
{
	struct ckpt_restart *r = arg;

	return r->rtasks[i].task;
}

/*
 * Once every task waits in the kernel: is the tree the image's?  Pids,
 * parents, groups and sessions as seen in the root's pid namespace,
 * then the pid namespaces the tasks are in (checkpoint/pidns.c).
 */
static int restart_check_tasks(struct ckpt_ctx *ctx, struct ckpt_restart *r,
			       const struct ckpt_hdr_tree *tree,
			       struct ckpt_pidns_image *pi,
			       const struct ckpt_hdr_utsns *uts)
{
	struct pid_namespace *ns;
	unsigned int i;
	int ret = 0;

	read_lock(&tasklist_lock);
	ns = task_active_pid_ns(r->rtasks[0].task);
	for (i = 0; i < r->nr && !ret; i++) {
		struct ckpt_rtask *rt = &r->rtasks[i];
		struct task_struct *t = rt->task;
		unsigned int nr_threads = 1, j;

		ctx->tsk_pid = rt->pids.pid;
		if (task_tgid_nr_ns(t, ns) != rt->pids.tgid)
			ret = -EINVAL;
		else if (rt->pids.ppid && task_tgid_nr_ns(t->real_parent, ns) != rt->pids.ppid)
			ret = -EINVAL;
		else if ((rt->pids.pgid && task_pgrp_nr_ns(t, ns) != rt->pids.pgid) ||
			 (rt->pids.sid && task_session_nr_ns(t, ns) != rt->pids.sid))
			ret = -EINVAL;
		if (ret || rt->pids.flags & CKPT_PIDS_THREAD)
			continue;
		/* its threads follow it (restore_check_tree()) */
		for (j = i + 1; j < r->nr &&
		     r->rtasks[j].pids.flags & CKPT_PIDS_THREAD &&
		     r->rtasks[j].pids.tgid == rt->pids.pid; j++)
			nr_threads++;
		if (get_nr_threads(t) != nr_threads)
			ret = -EINVAL;
	}
	read_unlock(&tasklist_lock);
	if (ret)
		return ckpt_err(ctx, ret,
				"the task's pids, parent, session, group or threads are not the image's");
	ret = restore_check_pidns(ctx, pi, restart_task_at, r);
	if (!ret)
		ret = restore_check_ipcns(ctx, tree, restart_task_at, r);
	if (!ret)
		ret = restore_utsns(ctx, tree, uts, restart_task_at, r);
	return ret;
}

static bool restart_all_attached(struct ckpt_restart *r)
{
	return READ_ONCE(r->nr_attached) == r->nr;
}

/* Wait for every task to call restart(0, ...); fail if one dies first */
static int restart_wait_attach(struct ckpt_ctx *ctx, struct ckpt_restart *r)
{
	unsigned int i;

	while (!restart_all_attached(r)) {
		if (wait_event_killable_timeout(r->waitq, restart_all_attached(r), HZ) < 0)
			return -EINTR;
		for (i = 0; i < r->nr; i++) {
			struct ckpt_rtask *rt = &r->rtasks[i];

			if (!READ_ONCE(rt->attached) && (rt->task->flags & PF_EXITING)) {
				ctx->tsk_pid = rt->pids.pid;
				return ckpt_err(ctx, -ESRCH,
						"the task exited before it joined the restart");
			}
			if (READ_ONCE(rt->state) == CKPT_RT_GONE) {
				ctx->tsk_pid = rt->pids.pid;
				return ckpt_err(ctx, -EINTR,
						"the task was killed during restart");
			}
		}
	}
	return 0;
}

/* Start a round of turns; it ends when the turn comes back */
static void restart_start_round(struct ckpt_restart *r, bool finishing)
{
	bool back;

	spin_lock(&r->lock);
	r->finishing = finishing;
	back = restart_pass(r, 0);
	spin_unlock(&r->lock);
	if (back)
		wake_up_all(&r->waitq);
}

/* After the first round: the first task that failed, was killed or was left out */
static int restart_round_failed(struct ckpt_ctx *ctx, struct ckpt_restart *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		struct ckpt_rtask *rt = &r->rtasks[i];
		int state = READ_ONCE(rt->state);

		ctx->tsk_pid = rt->pids.pid;
		if (state == CKPT_RT_FAILED)
			return rt->err ? rt->err : -EINVAL;
		if (state == CKPT_RT_GONE && !(rt->pids.flags & CKPT_PIDS_ZOMBIE))
			return ckpt_err(ctx, -EINTR, "the task was killed during restart");
	}
	for (i = 0; i < r->nr; i++) {
		if (READ_ONCE(r->rtasks[i].state) == CKPT_RT_WAITING) {
			ctx->tsk_pid = r->rtasks[i].pids.pid;
			return ckpt_err(ctx, -EINTR, "the task's turn never came");
		}
	}
	return 0;
}

static int restart_tasks(struct ckpt_ctx *ctx, struct ckpt_restart *r)
{
	unsigned int i;
	int ret;

	restart_start_round(r, false);
	if (wait_event_killable(r->waitq, restart_turn_back(r)))
		return -EINTR;
	ret = restart_round_failed(ctx, r);
	if (!ret)
		ret = restore_read_tail(ctx);
	/* the zombies' parents must have had their SIGCHLD by now */
	for (i = 0; i < r->nr && !ret; i++) {
		struct ckpt_rtask *rt = &r->rtasks[i];

		while (rt->pids.flags & CKPT_PIDS_ZOMBIE && !READ_ONCE(rt->task->exit_state)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			schedule_timeout_killable(1);
		}
	}
	/* a task killed meanwhile breaks the all-or-nothing */
	if (!ret)
		ret = restart_round_failed(ctx, r);
	return ret;
}

/* Did a task fail, or die, while it finished? */
static int restart_check_finished(struct ckpt_ctx *ctx, struct ckpt_restart *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		struct ckpt_rtask *rt = &r->rtasks[i];
		int state = READ_ONCE(rt->state);

		if (state == CKPT_RT_FINISHED ||
		    (rt->pids.flags & CKPT_PIDS_ZOMBIE))
			continue;
		ctx->tsk_pid = rt->pids.pid;
		if (state == CKPT_RT_FAILED)
			return rt->err ? rt->err : -EINVAL;
		return ckpt_err(ctx, -EINTR, "the task was killed during restart");
	}
	return 0;
}

static int restart_finish(struct ckpt_ctx *ctx, struct ckpt_restart *r, int err)
{
	unsigned int i;

	/* no task joins from here on */
	mutex_lock(&ckpt_restarts_lock);
	list_del(&r->list);
	mutex_unlock(&ckpt_restarts_lock);

	WRITE_ONCE(r->verdict, err ? err : 1);
	if (!err) {
		/* the second round: one at a time, as they share the log */
		restart_start_round(r, true);
		wait_event(r->waitq, restart_turn_back(r));
	} else {
		/* no more turns: whoever waits for one learns the verdict */
		spin_lock(&r->lock);
		r->stop = true;
		for (i = 0; i < r->nr; i++)
			if (restart_wants_turn(&r->rtasks[i]))
				restart_kick(r, &r->rtasks[i]);
		spin_unlock(&r->lock);
	}
	/*
	 * Then all of them back to user space; or, if one of them failed
	 * to finish, all of them to their death.
	 */
	if (!err) {
		err = restart_check_finished(ctx, r);
		if (err)
			WRITE_ONCE(r->verdict, err);
	}
	spin_lock(&r->lock);
	for (i = 0; i < r->nr; i++)
		if (r->rtasks[i].state == CKPT_RT_FINISHED)
			restart_kick(r, &r->rtasks[i]);
	spin_unlock(&r->lock);
	wait_event(r->waitq, !READ_ONCE(r->nr_attached));
	/* the last task to leave may still be in wake_up_all() */
	mutex_lock(&ckpt_restarts_lock);
	mutex_unlock(&ckpt_restarts_lock);
	return err;
}

static int do_restart_coord(struct ckpt_ctx *ctx, pid_t pid)
{
	struct ckpt_hdr_utsns *uts;
	struct ckpt_pidns_image *pi;
	struct ckpt_hdr_tree *tree;
	struct ckpt_restart *r;
	unsigned int i;
	int ret;

	ret = restore_read_header(ctx);
	if (ret)
		return ret;
	tree = restore_read_tree(ctx, &pi, &uts);
	if (IS_ERR(tree))
		return PTR_ERR(tree);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (r)
		r->rtasks = kvcalloc(tree->nr_tasks, sizeof(*r->rtasks), GFP_KERNEL);
	if (!r || !r->rtasks) {
		ret = -ENOMEM;
		goto out;
	}
	r->ctx = ctx;
	r->nr = tree->nr_tasks;
	init_waitqueue_head(&r->waitq);
	spin_lock_init(&r->lock);
	ret = restart_find_tasks(ctx, r, tree, pid);
	if (ret)
		goto out;

	mutex_lock(&ckpt_restarts_lock);
	list_add(&r->list, &ckpt_restarts);
	mutex_unlock(&ckpt_restarts_lock);
	atomic_inc(&ckpt_restarts_gen);
	wake_up_all(&ckpt_restarts_wq);

	ret = restart_wait_attach(ctx, r);
	if (!ret)
		ret = restart_check_tasks(ctx, r, tree, pi, uts);
	if (!ret)
		ret = restart_tasks(ctx, r);
	ret = restart_finish(ctx, r, ret);
out:
	if (r && r->rtasks) {
		for (i = 0; i < r->nr; i++)
			if (r->rtasks[i].task)
				put_task_struct(r->rtasks[i].task);
		kvfree(r->rtasks);
	}
	kfree(r);
	restore_pidns_free(pi);
	ckpt_free(uts);
	ckpt_free(tree);
	return ret;
}

long do_restart(struct ckpt_ctx *ctx, pid_t pid, long *retval)
{
	if (pid < 0)
		return ckpt_err(ctx, -EINVAL, "bad pid %d", pid);
	if (!pid && (ctx->uflags & RESTART_TASKSELF))
		return do_restart_self(ctx, retval);
	if (!pid)
		return ckpt_err(ctx, -EINVAL,
				"pid 0 without RESTART_TASKSELF joins a coordinated restart: pass CHECKPOINT_FD_NONE as fd and logfd");
	if (ctx->uflags & RESTART_TASKSELF)
		return ckpt_err(ctx, -EINVAL,
				"RESTART_TASKSELF restores the caller (pid 0); a coordinator passes the root's pid");
	*retval = 0;
	return do_restart_coord(ctx, pid);
}
