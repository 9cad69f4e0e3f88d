// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the thread group's timers, the last record of its
 * signal state: the interval timers of setitimer(2) and the POSIX timers
 * of timer_create(2), with their ids.
 *
 * Times are relative: what was left when the checkpoint was taken is
 * armed again, by the kernel's own setitimer and timer_settime code,
 * from the moment the restored task finishes its restart.  A POSIX
 * timer whose signal is queued is saved with a flag, not among the
 * pending signals, and its preallocated signal is queued again as its
 * expiry queues it: once, with the timer's siginfo and overrun count.
 * A timer on a CPU-time clock counts the time of its own thread group
 * or of one of its threads: what was left is armed again from the CPU
 * time the restored task has used (its clocks start again from there).
 * CPU-time timers of other processes, and timers on the other clocks
 * (alarm, dynamic), are refused (EOPNOTSUPP).
 */

#include <linux/checkpoint.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
#include <linux/sort.h>
#include <linux/time.h>

static bool ckpt_timer_clock_ok(s32 clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC ||
	       clock == CLOCK_BOOTTIME || clock == CLOCK_TAI;
}

/* A CPU-time clock as the image names it: the kernel's encoding, pid 0 */
static bool ckpt_timer_cpu_clock(s32 clock)
{
	BUILD_BUG_ON(make_process_cpuclock(0, CPUCLOCK_PROF) != CKPT_CPUCLOCK_PROF);
	BUILD_BUG_ON(make_process_cpuclock(0, CPUCLOCK_VIRT) != CKPT_CPUCLOCK_VIRT);
	BUILD_BUG_ON(make_process_cpuclock(0, CPUCLOCK_SCHED) != CKPT_CPUCLOCK_SCHED);
	BUILD_BUG_ON(CPUCLOCK_PERTHREAD_MASK != CKPT_CPUCLOCK_THREAD);
	clock &= ~CKPT_CPUCLOCK_THREAD;
	return clock >= CKPT_CPUCLOCK_PROF && clock <= CKPT_CPUCLOCK_SCHED;
}

static bool ckpt_timer_notify_ok(s32 notify)
{
	return notify == SIGEV_SIGNAL || notify == SIGEV_NONE ||
	       notify == SIGEV_THREAD || notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID);
}

static int checkpoint_itimers(struct ckpt_ctx *ctx, struct task_struct *t,
			      struct ckpt_hdr_timers *h)
{
	int i, ret;

	BUILD_BUG_ON(ITIMER_REAL != CKPT_ITIMER_REAL);
	BUILD_BUG_ON(ITIMER_VIRTUAL != CKPT_ITIMER_VIRTUAL);
	BUILD_BUG_ON(ITIMER_PROF != CKPT_ITIMER_PROF);
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		struct itimerspec64 v;

		ret = do_getitimer(t, i, &v);
		if (ret)
			return ckpt_err(ctx, ret, "interval timer %d: cannot read it", i);
		h->itimer[i].value = timespec64_to_ns(&v.it_value);
		h->itimer[i].interval = timespec64_to_ns(&v.it_interval);
	}
	return 0;
}

/* Is @task one of the image's tasks? */
static bool ckpt_task_in_image(struct ckpt_ctx *ctx, struct task_struct *task)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i] == task)
			return true;
	return false;
}

/*
 * @target, a thread (PIDTYPE_PID) or the thread group (PIDTYPE_TGID) of
 * @t that is in the image, as the tree record names it; else 0
 */
static pid_t checkpoint_timer_tid(struct ckpt_ctx *ctx, struct task_struct *t,
				  struct pid *target, enum pid_type type)
{
	struct task_struct *task;
	pid_t tid = 0;

	rcu_read_lock();
	task = pid_task(target, type);
	if (task && same_thread_group(task, t) && ckpt_task_in_image(ctx, task))
		tid = pid_nr_ns(target, task_active_pid_ns(ctx->root_task));
	rcu_read_unlock();
	return tid;
}

/*
 * A timer on the CPU-time clock of @pid, a thread of @t's group or the
 * group itself: its clock as if it named current, and the thread
 */
static int checkpoint_timer_cpu_clock(struct ckpt_ctx *ctx, struct task_struct *t,
				      struct ckpt_posix_timer *p, struct pid *pid)
{
	bool thread = CPUCLOCK_PERTHREAD(p->clock);
	pid_t tid = checkpoint_timer_tid(ctx, t, pid, thread ? PIDTYPE_PID : PIDTYPE_TGID);

	if (tid <= 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"timer %d: counts the CPU time of a task outside its thread group or the image",
				p->id);
	p->clock = thread ? make_thread_cpuclock(0, CPUCLOCK_WHICH(p->clock)) :
			    make_process_cpuclock(0, CPUCLOCK_WHICH(p->clock));
	if (thread)
		p->clock_tid = tid;
	return 0;
}

static int checkpoint_posix_timer(struct ckpt_ctx *ctx, struct task_struct *t,
				  struct ckpt_posix_timer *p)
{
	struct posix_timer_state st;
	int ret = 0;

	if (posix_timer_save(t, p->id, &st))
		return ckpt_err(ctx, -EBUSY, "timer %d: deleted during checkpoint", p->id);
	p->clock = st.clock;
	p->notify = st.event.sigev_notify;
	p->signo = st.event.sigev_signo;
	p->sigval = (unsigned long)st.event.sigev_value.sival_ptr;
	p->value = timespec64_to_ns(&st.setting.it_value);
	p->interval = timespec64_to_ns(&st.setting.it_interval);
	/* what user space sees is clamped to INT_MAX */
	p->overrun = clamp_t(s64, st.overrun, -1, INT_MAX);
	p->overrun_last = clamp_t(s64, st.overrun_last, 0, INT_MAX);
	if (st.pending) {
		p->flags |= CKPT_TIMER_PENDING;
		p->queued_overrun = max(st.queued_overrun, 0);
	}
	if (st.rearm)
		p->flags |= CKPT_TIMER_REARM;

	if (st.clock_pid)
		ret = checkpoint_timer_cpu_clock(ctx, t, p, st.clock_pid);
	else if (!ckpt_timer_clock_ok(p->clock))
		ret = ckpt_err(ctx, -EOPNOTSUPP, "timer %d: timers on clock %d are not supported",
			       p->id, p->clock);
	if (!ret && !ckpt_timer_notify_ok(p->notify)) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "timer %d: notification %d is not supported",
			       p->id, p->notify);
	} else if (!ret && (p->notify & SIGEV_THREAD_ID)) {
		p->tid = checkpoint_timer_tid(ctx, t, st.target, PIDTYPE_PID);
		if (p->tid <= 0)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "timer %d: the thread it signals is not in the image",
				       p->id);
	}
	put_pid(st.clock_pid);
	put_pid(st.target);
	return ret;
}

static int ckpt_timer_cmp(const void *a, const void *b)
{
	const struct ckpt_posix_timer *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The record with the ids of the thread group's POSIX timers filled in */
static struct ckpt_hdr_timers *checkpoint_timers_alloc(struct ckpt_ctx *ctx,
						       struct task_struct *t)
{
	struct signal_struct *sig = t->signal;
	struct ckpt_hdr_timers *h;
	struct k_itimer *timr;
	unsigned int nr = 0, n;

	/* the group does not run: the count cannot go up by much */
	spin_lock_irq(&t->sighand->siglock);
	hlist_for_each_entry(timr, &sig->posix_timers, list)
		nr++;
	spin_unlock_irq(&t->sighand->siglock);
again:
	if (nr > CKPT_POSIX_TIMERS_MAX) {
		ckpt_err(ctx, -E2BIG, "more than %d POSIX timers", CKPT_POSIX_TIMERS_MAX);
		return ERR_PTR(-E2BIG);
	}
	h = ckpt_hdr_alloc(CKPT_HDR_TIMERS, struct_size(h, timers, nr));
	if (!h)
		return ERR_PTR(-ENOMEM);
	n = 0;
	spin_lock_irq(&t->sighand->siglock);
	hlist_for_each_entry(timr, &sig->posix_timers, list) {
		if (n == nr) {
			spin_unlock_irq(&t->sighand->siglock);
			ckpt_free(h);
			nr += 8;
			goto again;
		}
		h->timers[n++].id = timr->it_id;
	}
	spin_unlock_irq(&t->sighand->siglock);
	h->nr_timers = n;
	h->h.len = struct_size(h, timers, n);
	return h;
}

/**
 * checkpoint_timers - write the CKPT_HDR_TIMERS record of @t's thread group
 * @ctx: checkpoint context
 * @t: the thread group's leader, stopped or frozen with its threads, or
 *     current alone
 */
int checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_timers *h;
	unsigned int i;
	int ret;

	h = checkpoint_timers_alloc(ctx, t);
	if (IS_ERR(h))
		return PTR_ERR(h);
	/* written under hash_lock by timer_create(), which the group cannot call */
	h->next_id = READ_ONCE(t->signal->next_posix_timer_id) & INT_MAX;
	ret = checkpoint_itimers(ctx, t, h);
	for (i = 0; !ret && i < h->nr_timers; i++)
		ret = checkpoint_posix_timer(ctx, t, &h->timers[i]);
	if (!ret) {
		sort(h->timers, h->nr_timers, sizeof(h->timers[0]), ckpt_timer_cmp, NULL);
		ret = ckpt_write_obj(ctx, &h->h);
	}
	ckpt_free(h);
	return ret;
}

/*
 * The thread @tid of the image (a pid of the tree record), to be
 * signalled by a timer of current's thread group: its pid in current's
 * namespace, or 0 if it is not a thread of the group.  A coordinated
 * restart rebuilt the tree with the image's pids, in one namespace;
 * restart(RESTART_TASKSELF) restores a single task, which may have
 * another pid.
 */
static pid_t restore_timer_tid(struct ckpt_ctx *ctx, pid_t tid)
{
	struct task_struct *task;
	pid_t vpid = 0;

	if (ctx->uflags & RESTART_TASKSELF)
		return tid == ctx->tsk_pid ? task_pid_vnr(current) : 0;
	rcu_read_lock();
	task = find_task_by_vpid(tid);
	if (task && same_thread_group(task, current))
		vpid = tid;
	rcu_read_unlock();
	return vpid;
}

static bool restore_check_posix_timer(struct ckpt_ctx *ctx, struct ckpt_posix_timer *p)
{
	if (!ckpt_timer_notify_ok(p->notify))
		return false;
	/* from here on clock_tid is the thread's pid in current's namespace */
	if (ckpt_timer_cpu_clock(p->clock) && (p->clock & CKPT_CPUCLOCK_THREAD)) {
		p->clock_tid = p->clock_tid > 0 ? restore_timer_tid(ctx, p->clock_tid) : 0;
		if (p->clock_tid <= 0)
			return false;
	} else if ((!ckpt_timer_clock_ok(p->clock) && !ckpt_timer_cpu_clock(p->clock)) ||
		   p->clock_tid) {
		return false;
	}
	if (p->notify != SIGEV_NONE && (p->signo < 1 || !valid_signal(p->signo)))
		return false;
	if (p->flags & ~(CKPT_TIMER_PENDING | CKPT_TIMER_REARM) ||
	    ((p->flags & CKPT_TIMER_PENDING) && p->notify == SIGEV_NONE) ||
	    ((p->flags & CKPT_TIMER_REARM) &&
	     (!(p->flags & CKPT_TIMER_PENDING) || !p->interval)))
		return false;
	if (p->value > KTIME_MAX || p->interval > KTIME_MAX ||
	    (p->interval && !p->value))
		return false;
	if (p->overrun < -1 || p->overrun > INT_MAX || p->overrun_last < 0 ||
	    p->overrun_last > INT_MAX || p->queued_overrun < 0 ||
	    (p->queued_overrun && !(p->flags & CKPT_TIMER_PENDING)))
		return false;
	/* from here on tid is the thread's pid in current's namespace */
	if (p->notify & SIGEV_THREAD_ID)
		p->tid = p->tid > 0 ? restore_timer_tid(ctx, p->tid) : 0;
	else if (p->tid)
		return false;
	return !(p->notify & SIGEV_THREAD_ID) || p->tid > 0;
}

/**
 * restore_timers_read - read and check a CKPT_HDR_TIMERS record
 * @ctx: restart context
 *
 * Returns the record, for restore_timers(), or an ERR_PTR.
 */
void *restore_timers_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_timers *h;
	unsigned int i;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TIMERS, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	if (h->nr_timers > CKPT_POSIX_TIMERS_MAX ||
	    struct_size(h, timers, h->nr_timers) != h->h.len) {
		ckpt_err(ctx, -EINVAL, "timers record: %u timers in %u bytes",
			 h->nr_timers, h->h.len);
		goto bad;
	}
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		struct ckpt_itimer *it = &h->itimer[i];

		/* ITIMER_REAL: expired, restarts when its SIGALRM is delivered */
		if (it->value > KTIME_MAX || it->interval > KTIME_MAX ||
		    (!it->value && it->interval && i != CKPT_ITIMER_REAL)) {
			ckpt_err(ctx, -EINVAL, "interval timer %u is malformed", i);
			goto bad;
		}
	}
	if (h->next_id > INT_MAX) {
		ckpt_err(ctx, -EINVAL, "timers record: next timer id %u", h->next_id);
		goto bad;
	}
	for (i = 0; i < h->nr_timers; i++) {
		struct ckpt_posix_timer *p = &h->timers[i];

		if (p->id < 0 || (i && p->id <= h->timers[i - 1].id)) {
			ckpt_err(ctx, -EINVAL, "timer %d: ids are not unique and sorted", p->id);
			goto bad;
		}
		if (!restore_check_posix_timer(ctx, p)) {
			ckpt_err(ctx, -EINVAL, "timer %d is malformed or signals a thread not in the image",
				 p->id);
			goto bad;
		}
	}
	return h;
bad:
	ckpt_free(h);
	return ERR_PTR(-EINVAL);
}

void restore_timers_free(void *timers)
{
	ckpt_free(timers);
}

static void ckpt_ns_to_itimerspec(struct itimerspec64 *v, u64 value, u64 interval)
{
	v->it_value = ns_to_timespec64(value);
	v->it_interval = ns_to_timespec64(interval);
}

/* Is SIGALRM pending for current's thread group (the image's signals)? */
static bool restore_sigalrm_pending(void)
{
	bool pending;

	spin_lock_irq(&current->sighand->siglock);
	pending = sigismember(&current->signal->shared_pending.signal, SIGALRM);
	spin_unlock_irq(&current->sighand->siglock);
	return pending;
}

static int restore_itimers(struct ckpt_ctx *ctx, struct ckpt_hdr_timers *h)
{
	int i, ret;

	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		u64 value = h->itimer[i].value;
		struct itimerspec64 v;

		/*
		 * ITIMER_REAL expired and waits for the delivery of its
		 * SIGALRM to restart: it expires again at once, its SIGALRM
		 * merging with the pending one.  Without a pending SIGALRM
		 * (it was ignored) nothing restarts it: it stays disarmed.
		 * setitimer() adds a tick to a CPU timer, which getitimer()
		 * counted already: take it off.
		 */
		if (i == CKPT_ITIMER_REAL && !value && h->itimer[i].interval &&
		    restore_sigalrm_pending())
			value = 1;
		else if (i != CKPT_ITIMER_REAL && value)
			value = value > TICK_NSEC ? value - TICK_NSEC : 1;
		ckpt_ns_to_itimerspec(&v, value, h->itimer[i].interval);
		ret = do_setitimer(i, &v, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "interval timer %d: cannot arm it", i);
	}
	return 0;
}

/* The clock to create @p on: a thread clock names its thread */
static clockid_t ckpt_timer_restore_clock(const struct ckpt_posix_timer *p)
{
	if (!ckpt_timer_cpu_clock(p->clock) || !(p->clock & CKPT_CPUCLOCK_THREAD) ||
	    p->clock_tid == task_pid_vnr(current))
		return p->clock;
	return make_thread_cpuclock(p->clock_tid, CPUCLOCK_WHICH(p->clock));
}

/**
 * restore_timers - give current's thread group the timers of the image
 * @ctx: restart context
 * @timers: restore_timers_read()'s result
 *
 * Called by the thread group's leader once the pending signals of the
 * image are queued.  The caller's own timers are gone already
 * (exit_itimers()); the interval timers are overwritten.
 */
int restore_timers(struct ckpt_ctx *ctx, void *timers)
{
	struct ckpt_hdr_timers *h = timers;
	unsigned int i;
	int ret;

	ret = restore_itimers(ctx, h);
	for (i = 0; !ret && i < h->nr_timers; i++) {
		struct ckpt_posix_timer *p = &h->timers[i];
		struct posix_timer_state st = {
			.id = p->id,
			.clock = ckpt_timer_restore_clock(p),
			.overrun = p->overrun,
			.overrun_last = p->overrun_last,
			.queued_overrun = p->queued_overrun,
			.pending = p->flags & CKPT_TIMER_PENDING,
			.rearm = p->flags & CKPT_TIMER_REARM,
		};

		st.event.sigev_notify = p->notify;
		st.event.sigev_signo = p->signo;
		st.event.sigev_value.sival_ptr = (void __user *)(unsigned long)p->sigval;
		st.event.sigev_notify_thread_id = p->tid;
		ckpt_ns_to_itimerspec(&st.setting, p->value, p->interval);
		ret = posix_timer_restore(&st);
		if (ret)
			ret = ckpt_err(ctx, ret, "timer %d: cannot create it", p->id);
	}
	/* every thread of the group is in restart: none creates timers */
	if (!ret)
		current->signal->next_posix_timer_id = h->next_id;
	return ret;
}
