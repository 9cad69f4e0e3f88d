// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: eventfd, signalfd and timerfd files.
 *
 * Each is a kind of open file (struct ckpt_file_ops): the common file
 * record, then a record of its own state.  Restart makes a new file of
 * the kind with no fd (the fd table installs it later) through the
 * small constructors of fs/eventfd.c, fs/signalfd.c and fs/timerfd.c.
 *
 * A timerfd keeps its clock, flags, interval and the expirations not
 * yet read.  A relative timer loses the time that passed between the
 * checkpoint and the restart (measured on CLOCK_REALTIME) and counts
 * the expirations it missed meanwhile; an absolute timer keeps its
 * expiry.  Timers on alarm clocks are refused.
 */

#include <linux/checkpoint.h>
#include <linux/checkpoint_event.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/math64.h>
#include <linux/signal.h>
#include <linux/time.h>
#include <linux/timekeeping.h>
#include <linux/timerfd.h>

/* f_flags these files may have: O_RDWR, and what F_SETFL sets */
#define CKPT_EVENT_SETFL	(O_NONBLOCK | O_APPEND | O_LARGEFILE)

int ckpt_event_check_flags(struct ckpt_ctx *ctx, struct file *file,
			   const char *kind)
{
	if (file->f_flags & ~(O_ACCMODE | CKPT_EVENT_SETFL))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s file with flags %#x (O_ASYNC, ...) is not supported",
				kind, file->f_flags);
	return 0;
}

/* Restart: the common file record of a file of this family */
int ckpt_event_restore_check(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h,
			     const char *kind)
{
	if ((h->f_flags & O_ACCMODE) != O_RDWR ||
	    (h->f_flags & ~(O_ACCMODE | CKPT_EVENT_SETFL)) || h->obj_objref ||
	    h->f_pos) {
		ckpt_err(ctx, -EINVAL, "%s file record: bad flags %#x or objref %d",
			 kind, h->f_flags, h->obj_objref);
		return -EINVAL;
	}
	return 0;
}

void ckpt_event_set_flags(struct file *file, unsigned int f_flags)
{
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~CKPT_EVENT_SETFL) |
			(f_flags & CKPT_EVENT_SETFL);
	spin_unlock(&file->f_lock);
}

#ifdef CONFIG_EVENTFD

static bool eventfd_match(struct file *file)
{
	return is_eventfd_file(file);
}

static int eventfd_prepare(struct ckpt_ctx *ctx, struct file *file,
			   struct ckpt_hdr_file *h)
{
	return ckpt_event_check_flags(ctx, file, "eventfd");
}

static int checkpoint_eventfd(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_eventfd h = {
		.h = { .type = CKPT_HDR_EVENTFD, .len = sizeof(h) },
	};
	unsigned int flags;
	u64 count;

	eventfd_ckpt_get(file, &count, &flags);
	h.count = count;
	if (flags & EFD_SEMAPHORE)
		h.flags = CKPT_EFD_SEMAPHORE;
	return ckpt_write_obj(ctx, &h.h);
}

static struct file *restore_eventfd(struct ckpt_ctx *ctx,
				    struct ckpt_hdr_file *hf)
{
	struct ckpt_hdr_eventfd *h;
	struct file *file;

	if (ckpt_event_restore_check(ctx, hf, "eventfd"))
		return ERR_PTR(-EINVAL);
	h = ckpt_read_obj_type(ctx, CKPT_HDR_EVENTFD, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return ERR_CAST(h);
	if (h->flags & ~CKPT_EFD_SEMAPHORE) {
		ckpt_err(ctx, -EINVAL, "eventfd record: bad flags %#x", h->flags);
		file = ERR_PTR(-EINVAL);
		goto out;
	}
	file = eventfd_ckpt_create(h->count,
				   (h->flags & CKPT_EFD_SEMAPHORE ? EFD_SEMAPHORE : 0) |
				   (hf->f_flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot make an eventfd");
		goto out;
	}
	ckpt_event_set_flags(file, hf->f_flags);
out:
	ckpt_free(h);
	return file;
}

static const struct ckpt_file_ops ckpt_eventfd_ops = {
	.file_type = CKPT_FILE_EVENTFD,
	.match = eventfd_match,
	.prepare = eventfd_prepare,
	.checkpoint = checkpoint_eventfd,
	.restore = restore_eventfd,
};

#endif /* CONFIG_EVENTFD */

#ifdef CONFIG_SIGNALFD

static bool signalfd_match(struct file *file)
{
	return is_signalfd_file(file);
}

static int signalfd_prepare(struct ckpt_ctx *ctx, struct file *file,
			    struct ckpt_hdr_file *h)
{
	return ckpt_event_check_flags(ctx, file, "signalfd");
}

static int checkpoint_signalfd(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_signalfd h = {
		.h = { .type = CKPT_HDR_SIGNALFD, .len = sizeof(h) },
	};
	sigset_t mask;

	BUILD_BUG_ON(_NSIG_WORDS != 1);
	signalfd_ckpt_get(file, &mask);
	h.sigmask = mask.sig[0];
	return ckpt_write_obj(ctx, &h.h);
}

static struct file *restore_signalfd(struct ckpt_ctx *ctx,
				     struct ckpt_hdr_file *hf)
{
	struct ckpt_hdr_signalfd *h;
	struct file *file;
	sigset_t mask;

	if (ckpt_event_restore_check(ctx, hf, "signalfd"))
		return ERR_PTR(-EINVAL);
	h = ckpt_read_obj_type(ctx, CKPT_HDR_SIGNALFD, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return ERR_CAST(h);
	/* signalfd(2) never takes SIGKILL nor SIGSTOP */
	if (h->sigmask & (sigmask(SIGKILL) | sigmask(SIGSTOP))) {
		ckpt_err(ctx, -EINVAL, "signalfd record: bad mask %#llx",
			 (unsigned long long)h->sigmask);
		file = ERR_PTR(-EINVAL);
		goto out;
	}
	siginitset(&mask, h->sigmask);
	file = signalfd_ckpt_create(&mask, hf->f_flags & O_NONBLOCK);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot make a signalfd");
		goto out;
	}
	ckpt_event_set_flags(file, hf->f_flags);
out:
	ckpt_free(h);
	return file;
}

static const struct ckpt_file_ops ckpt_signalfd_ops = {
	.file_type = CKPT_FILE_SIGNALFD,
	.match = signalfd_match,
	.prepare = signalfd_prepare,
	.checkpoint = checkpoint_signalfd,
	.restore = restore_signalfd,
};

#endif /* CONFIG_SIGNALFD */

#ifdef CONFIG_TIMERFD

static bool timerfd_match(struct file *file)
{
	return is_timerfd_file(file);
}

static bool ckpt_timerfd_clock_ok(int clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC ||
	       clockid == CLOCK_BOOTTIME;
}

static int timerfd_prepare(struct ckpt_ctx *ctx, struct file *file,
			   struct ckpt_hdr_file *h)
{
	struct timerfd_ckpt st;

	timerfd_ckpt_get(file, &st);
	if (!ckpt_timerfd_clock_ok(st.clockid))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"timerfd on clock %d (alarm) is not supported",
				st.clockid);
	return ckpt_event_check_flags(ctx, file, "timerfd");
}

static int checkpoint_timerfd(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_timerfd h = {
		.h = { .type = CKPT_HDR_TIMERFD, .len = sizeof(h) },
	};
	struct timerfd_ckpt st;

	timerfd_ckpt_get(file, &st);
	h.now = ktime_get_real_ns();
	h.clockid = st.clockid;
	if (st.flags & TFD_TIMER_ABSTIME)
		h.flags |= CKPT_TIMERFD_ABSTIME;
	if (st.flags & TFD_TIMER_CANCEL_ON_SET)
		h.flags |= CKPT_TIMERFD_CANCEL_ON_SET;
	if (st.canceled)
		h.flags |= CKPT_TIMERFD_CANCELED;
	if (st.armed) {
		h.flags |= CKPT_TIMERFD_ARMED;
		/* an absolute timer keeps its expiry on its own clock */
		h.value = st.flags & TFD_TIMER_ABSTIME ? st.expires : st.remaining;
	}
	h.interval = st.interval;
	h.ticks = st.ticks;
	return ckpt_write_obj(ctx, &h.h);
}

/*
 * A relative timer that was due @late ns ago (0: just now): one
 * expiration, and one per interval since; returns the time to the next
 * one, 0 for a one-shot timer (then disarmed).
 */
static u64 ckpt_timerfd_missed(u64 late, u64 interval, u64 *ticks)
{
	u64 rem, n = 1;

	if (interval) {
		n += div64_u64_rem(late, interval, &rem);
		late = interval - rem;
	} else {
		late = 0;
	}
	*ticks = *ticks > U64_MAX - n ? U64_MAX : *ticks + n;
	return late;
}

static struct file *restore_timerfd(struct ckpt_ctx *ctx,
				    struct ckpt_hdr_file *hf)
{
	const u32 known = CKPT_TIMERFD_ABSTIME | CKPT_TIMERFD_CANCEL_ON_SET |
			  CKPT_TIMERFD_ARMED | CKPT_TIMERFD_CANCELED;
	struct itimerspec64 its = {};
	struct ckpt_hdr_timerfd *h;
	struct file *file;
	u64 value, ticks;
	int flags = 0;
	int ret;

	if (ckpt_event_restore_check(ctx, hf, "timerfd"))
		return ERR_PTR(-EINVAL);
	h = ckpt_read_obj_type(ctx, CKPT_HDR_TIMERFD, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return ERR_CAST(h);
	ret = -EINVAL;
	if (h->clockid == CLOCK_REALTIME_ALARM ||
	    h->clockid == CLOCK_BOOTTIME_ALARM) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "timerfd on clock %d (alarm) is not supported",
			       h->clockid);
		goto err;
	}
	if (!ckpt_timerfd_clock_ok(h->clockid) || (h->flags & ~known) ||
	    h->value > KTIME_MAX || h->interval > KTIME_MAX ||
	    h->now > KTIME_MAX || (!(h->flags & CKPT_TIMERFD_ARMED) && h->value) ||
	    ((h->flags & CKPT_TIMERFD_CANCELED) &&
	     (!(h->flags & CKPT_TIMERFD_CANCEL_ON_SET) ||
	      !(h->flags & CKPT_TIMERFD_ABSTIME) || !h->ticks))) {
		ckpt_err(ctx, ret, "timerfd record is malformed");
		goto err;
	}

	if (h->flags & CKPT_TIMERFD_ABSTIME)
		flags |= TFD_TIMER_ABSTIME;
	if (h->flags & CKPT_TIMERFD_CANCEL_ON_SET)
		flags |= TFD_TIMER_CANCEL_ON_SET;
	ticks = h->ticks;
	value = h->value;
	if ((h->flags & CKPT_TIMERFD_ARMED) && (flags & TFD_TIMER_ABSTIME)) {
		/* due or past: it fires at once and counts what it missed */
		value = max(value, 1ULL);
	} else if (h->flags & CKPT_TIMERFD_ARMED) {
		u64 now = ktime_get_real_ns();
		u64 passed = now > h->now ? now - h->now : 0;

		if (value > passed)
			value -= passed;
		else
			value = ckpt_timerfd_missed(passed - value, h->interval,
						    &ticks);
	}
	its.it_value = ns_to_timespec64(value);
	its.it_interval = ns_to_timespec64(h->interval);

	file = timerfd_ckpt_create(h->clockid, hf->f_flags & O_NONBLOCK);
	if (IS_ERR(file)) {
		ret = ckpt_err(ctx, PTR_ERR(file), "cannot make a timerfd");
		goto err;
	}
	ret = timerfd_ckpt_set(file, flags, &its, ticks,
			       h->flags & CKPT_TIMERFD_CANCELED);
	if (ret) {
		fput(file);
		ckpt_err(ctx, ret, "cannot arm a timerfd");
		goto err;
	}
	ckpt_event_set_flags(file, hf->f_flags);
	ckpt_free(h);
	return file;
err:
	ckpt_free(h);
	return ERR_PTR(ret);
}

static const struct ckpt_file_ops ckpt_timerfd_ops = {
	.file_type = CKPT_FILE_TIMERFD,
	.match = timerfd_match,
	.prepare = timerfd_prepare,
	.checkpoint = checkpoint_timerfd,
	.restore = restore_timerfd,
};

#endif /* CONFIG_TIMERFD */

static int __init checkpoint_event_init(void)
{
	int ret = 0;

#ifdef CONFIG_EVENTFD
	ret = ckpt_register_file_ops(&ckpt_eventfd_ops);
#endif
#ifdef CONFIG_SIGNALFD
	if (!ret)
		ret = ckpt_register_file_ops(&ckpt_signalfd_ops);
#endif
#ifdef CONFIG_TIMERFD
	if (!ret)
		ret = ckpt_register_file_ops(&ckpt_timerfd_ops);
#endif
	return ret;
}
late_initcall(checkpoint_event_init);
