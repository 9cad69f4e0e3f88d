// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: signal handlers, the thread group's signal state
 * (rlimits, shared pending signals, timers: see timer.c) and the task's
 * own signal state (blocked mask, alternate stack, private pending
 * signals).
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/init.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>

/* Signals whose delivery is the kernel's business, never restored */
#define CKPT_SIG_KERNEL_ONLY	(sigmask(SIGKILL) | sigmask(SIGSTOP))

/* sighand: the handlers */

static void sighand_grab(void *ptr)
{
	struct sighand_struct *sighand = ptr;

	refcount_inc(&sighand->count);
}

static void sighand_drop(void *ptr)
{
	__cleanup_sighand(ptr);
}

static int sighand_users(void *ptr)
{
	return refcount_read(&((struct sighand_struct *)ptr)->count) - 1;
}

static int checkpoint_sighand(struct ckpt_ctx *ctx, void *ptr)
{
	struct sighand_struct *sighand = ptr;
	struct ckpt_hdr_sighand *h;
	int i, ret;

	h = ckpt_hdr_alloc(CKPT_HDR_SIGHAND, struct_size(h, action, _NSIG));
	if (!h)
		return -ENOMEM;
	h->nr = _NSIG;

	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < _NSIG; i++) {
		struct k_sigaction *k = &sighand->action[i];

		h->action[i].handler = (unsigned long)k->sa.sa_handler;
		h->action[i].flags = k->sa.sa_flags;
		h->action[i].restorer = (unsigned long)k->sa.sa_restorer;
		h->action[i].mask = k->sa.sa_mask.sig[0];
	}
	spin_unlock_irq(&sighand->siglock);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/* The restored handlers wait in the record until the task commits them */
static void *restore_sighand(struct ckpt_ctx *ctx)
{
	size_t len = ckpt_align(struct_size_t(struct ckpt_hdr_sighand, action, _NSIG));
	struct ckpt_hdr_sighand *h;
	int i;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_SIGHAND, len, len);
	if (IS_ERR(h))
		return h;
	if (h->nr != _NSIG)
		goto bad;
	for (i = 0; i < _NSIG; i++) {
		struct ckpt_sigaction *a = &h->action[i];

		if (a->handler >= TASK_SIZE || a->restorer >= TASK_SIZE || a->flags > U32_MAX)
			goto bad;
	}
	return h;
bad:
	ckpt_err(ctx, -EINVAL, "signal handlers record is malformed");
	ckpt_free(h);
	return ERR_PTR(-EINVAL);
}

static void sighand_record_drop(void *ptr)
{
	ckpt_free(ptr);
}

int restore_sighand_commit(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_hdr_sighand *h = ptr;
	int i, ret;

	for (i = 0; i < _NSIG; i++) {
		struct ckpt_sigaction *a = &h->action[i];
		struct k_sigaction ka = {};
		int sig = i + 1;

		if (sig_kernel_only(sig))
			continue;
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)a->handler;
		ka.sa.sa_flags = a->flags;
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
		siginitset(&ka.sa.sa_mask, a->mask & ~CKPT_SIG_KERNEL_ONLY);
		ret = do_sigaction(sig, &ka, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "signal %d: cannot set its handler", sig);
	}
	return 0;
}

static const struct ckpt_obj_ops ckpt_sighand_ops = {
	.obj_type = CKPT_OBJ_SIGHAND,
	.obj_name = "signal handlers",
	.ref_grab = sighand_grab,
	.ref_drop = sighand_drop,
	.ref_users = sighand_users,
	.checkpoint = checkpoint_sighand,
	.restore = restore_sighand,
	.restore_drop = sighand_record_drop,
};

/* Pending signals, shared or private */

/*
 * The queued signals but those of POSIX timers (SIGQUEUE_PREALLOC),
 * which the timers' record holds: a signal whose only queued instances
 * are timers' leaves the pending set too, as their delivery would.
 */
static int checkpoint_sigpending(struct ckpt_ctx *ctx, struct task_struct *t,
				 bool shared)
{
	struct ckpt_hdr_sigpending *h;
	struct sigpending *pending;
	struct sigqueue *q;
	unsigned int nr = 0, n = 0;
	u64 timers, others;
	int ret;

	pending = shared ? &t->signal->shared_pending : &t->pending;
	/* the task is stopped or is current: the count cannot go up by much */
	spin_lock_irq(&t->sighand->siglock);
	list_for_each_entry(q, &pending->list, list)
		nr++;
	spin_unlock_irq(&t->sighand->siglock);
again:
	h = ckpt_hdr_alloc(CKPT_HDR_SIGPENDING, struct_size(h, siginfo, nr));
	if (!h)
		return -ENOMEM;
	spin_lock_irq(&t->sighand->siglock);
	n = 0;
	timers = 0;
	others = 0;
	list_for_each_entry(q, &pending->list, list) {
		if (q->flags & SIGQUEUE_PREALLOC) {
			timers |= sigmask(q->info.si_signo);
			continue;
		}
		if (n == nr) {
			spin_unlock_irq(&t->sighand->siglock);
			ckpt_free(h);
			nr += 8;
			goto again;
		}
		others |= sigmask(q->info.si_signo);
		h->siginfo[n].signo = q->info.si_signo;
		copy_siginfo_to_external((siginfo_t *)h->siginfo[n].info, &q->info);
		n++;
	}
	h->signal = pending->signal.sig[0] & ~(timers & ~others);
	spin_unlock_irq(&t->sighand->siglock);

	h->nr_pending = n;
	h->h.len = ckpt_align(struct_size(h, siginfo, n));
	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

static struct ckpt_hdr_sigpending *restore_read_sigpending(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_sigpending *h;
	unsigned int i;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_SIGPENDING, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	if (struct_size(h, siginfo, h->nr_pending) != h->h.len)
		goto bad;
	for (i = 0; i < h->nr_pending; i++) {
		struct ckpt_siginfo *si = &h->siginfo[i];
		siginfo_t *info = (siginfo_t *)si->info;

		if (!valid_signal(si->signo) || si->signo < 1 ||
		    info->si_signo != si->signo ||
		    !(h->signal & sigmask(si->signo)))
			goto bad;
	}
	return h;
bad:
	ckpt_err(ctx, -EINVAL, "pending signals record is malformed");
	ckpt_free(h);
	return ERR_PTR(-EINVAL);
}

/* Queue the signals of @h on current, privately or to the thread group */
static int restore_sigpending(struct ckpt_ctx *ctx, struct ckpt_hdr_sigpending *h,
			      bool shared)
{
	enum pid_type type = shared ? PIDTYPE_TGID : PIDTYPE_PID;
	unsigned long rest = h->signal & ~CKPT_SIG_KERNEL_ONLY;
	unsigned int i;
	int ret = 0;

	spin_lock_irq(&current->sighand->siglock);
	for (i = 0; i < h->nr_pending && !ret; i++) {
		kernel_siginfo_t info;
		int sig = h->siginfo[i].signo;

		if (sig_kernel_only(sig))
			continue;
		memcpy(&info, h->siginfo[i].info, sizeof(info));
		ret = send_signal_locked(sig, &info, current, type);
		rest &= ~sigmask(sig);
	}
	/* signals pending without a queued siginfo */
	for (i = 1; i <= _NSIG && i <= BITS_PER_LONG && !ret; i++)
		if (rest & sigmask(i))
			ret = send_signal_locked(i, SEND_SIG_PRIV, current, type);
	spin_unlock_irq(&current->sighand->siglock);
	if (ret)
		return ckpt_err(ctx, ret, "cannot queue the pending signals");
	return 0;
}

/* signal: the thread group's rlimits, shared pending signals and timers */

struct ckpt_signal_restore {
	struct ckpt_hdr_signal *sig;
	struct ckpt_hdr_sigpending *pending;
	void *timers;
	void *ctty;
};

static int checkpoint_signal(struct ckpt_ctx *ctx, void *ptr)
{
	struct signal_struct *signal = ptr;
	struct task_struct *t = ctx->tsk;
	struct ckpt_hdr_signal *h;
	int i, ret, ctty;

	if (WARN_ON_ONCE(t->signal != signal))
		return -EINVAL;
	/* a pty of the image as the controlling tty: the pty comes first */
	ctty = checkpoint_ctty_obj(ctx, t);
	if (ctty < 0)
		return ctty;
	h = ckpt_hdr_alloc(CKPT_HDR_SIGNAL, sizeof(*h));
	if (!h)
		return -ENOMEM;
	BUILD_BUG_ON(RLIM_NLIMITS > CKPT_RLIM_NLIMITS);
	h->nr_rlim = RLIM_NLIMITS;
	task_lock(t->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		h->rlim[i].cur = signal->rlim[i].rlim_cur;
		h->rlim[i].max = signal->rlim[i].rlim_max;
	}
	task_unlock(t->group_leader);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	if (!ret)
		ret = checkpoint_sigpending(ctx, t, true);
	if (!ret)
		ret = checkpoint_timers(ctx, t);
	if (!ret && ctty)
		ret = checkpoint_ctty(ctx, t, ctty);
	return ret;
}

static void signal_restore_drop(void *ptr)
{
	struct ckpt_signal_restore *r = ptr;

	ckpt_free(r->sig);
	ckpt_free(r->pending);
	restore_timers_free(r->timers);
	restore_ctty_free(r->ctty);
	kfree(r);
}

static void *restore_signal(struct ckpt_ctx *ctx)
{
	struct ckpt_signal_restore *r;
	int i;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->sig = ckpt_read_obj_type(ctx, CKPT_HDR_SIGNAL, sizeof(*r->sig),
				    sizeof(*r->sig));
	if (IS_ERR(r->sig)) {
		void *err = r->sig;

		kfree(r);
		return err;
	}
	if (r->sig->nr_rlim != RLIM_NLIMITS)
		goto bad;
	for (i = 0; i < RLIM_NLIMITS; i++)
		if (r->sig->rlim[i].cur > r->sig->rlim[i].max)
			goto bad;
	/* fail here, before the caller is touched, rather than at commit */
	for (i = 0; i < RLIM_NLIMITS; i++) {
		if (r->sig->rlim[i].max > rlimit_max(i) &&
		    !capable(CAP_SYS_RESOURCE)) {
			ckpt_err(ctx, -EPERM, "rlimit %d: raising the hard limit needs CAP_SYS_RESOURCE",
				 i);
			signal_restore_drop(r);
			return ERR_PTR(-EPERM);
		}
	}
	r->pending = restore_read_sigpending(ctx);
	if (IS_ERR(r->pending)) {
		void *err = r->pending;

		r->pending = NULL;
		signal_restore_drop(r);
		return err;
	}
	r->timers = restore_timers_read(ctx);
	if (IS_ERR(r->timers)) {
		void *err = r->timers;

		r->timers = NULL;
		signal_restore_drop(r);
		return err;
	}
	r->ctty = restore_ctty_read(ctx);
	if (IS_ERR(r->ctty)) {
		void *err = r->ctty;

		r->ctty = NULL;
		signal_restore_drop(r);
		return err;
	}
	return r;
bad:
	ckpt_err(ctx, -EINVAL, "rlimits record is malformed");
	signal_restore_drop(r);
	return ERR_PTR(-EINVAL);
}

/*
 * rlimits first: the fd table may need a larger RLIMIT_NOFILE; then the
 * controlling tty, in the session the tree builder made
 */
int restore_signal_prepare(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_signal_restore *r = ptr;
	int i, ret;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit rlim = {
			.rlim_cur = r->sig->rlim[i].cur,
			.rlim_max = r->sig->rlim[i].max,
		};

		ret = do_prlimit(current, i, &rlim, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "rlimit %d: cannot set %llu/%llu",
					i, r->sig->rlim[i].cur, r->sig->rlim[i].max);
	}
	return restore_ctty(ctx, r->ctty);
}

static const struct ckpt_obj_ops ckpt_signal_ops = {
	.obj_type = CKPT_OBJ_SIGNAL,
	.obj_name = "signal state",
	.checkpoint = checkpoint_signal,
	.restore = restore_signal,
	.restore_drop = signal_restore_drop,
};

/* The task's own: blocked mask, altstack, private pending signals */

int checkpoint_task_signal(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_task_signal h = {
		.h = { .type = CKPT_HDR_TASK_SIGNAL, .len = sizeof(h) },
	};
	int ret;

	spin_lock_irq(&t->sighand->siglock);
	h.blocked = t->blocked.sig[0];
	spin_unlock_irq(&t->sighand->siglock);
	h.sas_ss_sp = t->sas_ss_sp;
	h.sas_ss_size = t->sas_ss_size;
	h.sas_ss_flags = t->sas_ss_flags;

	ret = ckpt_write_obj(ctx, &h.h);
	if (!ret)
		ret = checkpoint_sigpending(ctx, t, false);
	return ret;
}

struct ckpt_task_signal_restore {
	struct ckpt_hdr_task_signal *h;
	struct ckpt_hdr_sigpending *pending;
};

void restore_task_signal_free(void *ptr)
{
	struct ckpt_task_signal_restore *r = ptr;

	if (!r)
		return;
	ckpt_free(r->h);
	ckpt_free(r->pending);
	kfree(r);
}

void *restore_task_signal_read(struct ckpt_ctx *ctx)
{
	struct ckpt_task_signal_restore *r;
	struct ckpt_hdr_task_signal *h;
	int ret = -EINVAL;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	h = ckpt_read_obj_type(ctx, CKPT_HDR_TASK_SIGNAL, sizeof(*h), sizeof(*h));
	if (IS_ERR(h)) {
		ret = PTR_ERR(h);
		goto err;
	}
	r->h = h;
	if (h->sas_ss_flags & ~(SS_DISABLE | SS_AUTODISARM) ||
	    (!(h->sas_ss_flags & SS_DISABLE) && h->sas_ss_size &&
	     (h->sas_ss_size < MINSIGSTKSZ || h->sas_ss_sp >= TASK_SIZE ||
	      h->sas_ss_size > TASK_SIZE - h->sas_ss_sp))) {
		ckpt_err(ctx, ret, "alternate signal stack is malformed");
		goto err;
	}
	r->pending = restore_read_sigpending(ctx);
	if (IS_ERR(r->pending)) {
		ret = PTR_ERR(r->pending);
		r->pending = NULL;
		goto err;
	}
	return r;
err:
	restore_task_signal_free(r);
	return ERR_PTR(ret);
}

int restore_task_signal_apply(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_task_signal_restore *r = ptr;
	struct ckpt_hdr_task_signal *h = r->h;
	sigset_t blocked;

	siginitset(&blocked, h->blocked & ~CKPT_SIG_KERNEL_ONLY);
	set_current_blocked(&blocked);
	if (h->sas_ss_flags & SS_DISABLE) {
		current->sas_ss_sp = 0;
		current->sas_ss_size = 0;
		current->sas_ss_flags = SS_DISABLE;
	} else {
		current->sas_ss_sp = h->sas_ss_sp;
		current->sas_ss_size = h->sas_ss_size;
		current->sas_ss_flags = h->sas_ss_flags;
	}
	return 0;
}

/*
 * Drop what @pending holds but the signals of POSIX timers: they belong
 * to the timers the thread group's leader restored already.
 */
static void restore_flush_sigqueue(struct sigpending *pending)
{
	struct sigqueue *q, *n;
	LIST_HEAD(timers);

	list_for_each_entry_safe(q, n, &pending->list, list)
		if (q->flags & SIGQUEUE_PREALLOC)
			list_move_tail(&q->list, &timers);
	flush_sigqueue(pending);
	list_for_each_entry(q, &timers, list)
		sigaddset(&pending->signal, q->info.si_signo);
	list_splice(&timers, &pending->list);
}

/**
 * restore_task_signal_pending - queue the image's pending signals
 * @ctx: restart context
 * @ptr: restore_task_signal_read()'s result: the task's own signals
 * @signal: the thread group's signal object, to restore its shared
 *          pending signals too, or NULL
 *
 * Whatever current had pending (the tree builder's signals, a dying
 * child's SIGCHLD) does not belong to the image and goes first.  The
 * leader restores the timers last: their signals come after the others
 * of the image, and a thread keeps those it got from them meanwhile.
 */
int restore_task_signal_pending(struct ckpt_ctx *ctx, void *ptr, void *signal)
{
	struct ckpt_task_signal_restore *r = ptr;
	struct ckpt_signal_restore *s = signal;
	int ret;

	if (fatal_signal_pending(current))
		return -EINTR;
	spin_lock_irq(&current->sighand->siglock);
	restore_flush_sigqueue(&current->pending);
	if (s)
		flush_sigqueue(&current->signal->shared_pending);
	recalc_sigpending();
	spin_unlock_irq(&current->sighand->siglock);

	ret = restore_sigpending(ctx, r->pending, false);
	if (!ret && s)
		ret = restore_sigpending(ctx, s->pending, true);
	if (!ret && s)
		ret = restore_timers(ctx, s->timers);
	return ret;
}

static int __init checkpoint_signal_init(void)
{
	int ret;

	ret = ckpt_register_obj_ops(&ckpt_sighand_ops);
	if (!ret)
		ret = ckpt_register_obj_ops(&ckpt_signal_ops);
	return ret;
}
late_initcall(checkpoint_signal_init);
