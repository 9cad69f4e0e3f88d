/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart: what fs/eventfd.c, fs/signalfd.c, fs/timerfd.c and
 * fs/eventpoll.c let the checkpoint code of their files see and do
 * (fs/checkpoint_event.c, fs/checkpoint_epoll.c).
 */
#ifndef _LINUX_CHECKPOINT_EVENT_H
#define _LINUX_CHECKPOINT_EVENT_H

#include <linux/ktime.h>
#include <linux/signal_types.h>
#include <linux/time64.h>
#include <linux/types.h>

struct file;

/* fs/eventfd.c */
bool is_eventfd_file(struct file *file);
void eventfd_ckpt_get(struct file *file, u64 *count, unsigned int *flags);
struct file *eventfd_ckpt_create(u64 count, unsigned int flags);

/* fs/signalfd.c */
bool is_signalfd_file(struct file *file);
void signalfd_ckpt_get(struct file *file, sigset_t *mask);
struct file *signalfd_ckpt_create(const sigset_t *mask, int flags);

/* fs/timerfd.c */
struct timerfd_ckpt {
	int clockid;
	int flags;		/* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
	bool armed;
	bool canceled;		/* the clock was set: the next read says so */
	ktime_t remaining;	/* armed: time left, 0 if due */
	ktime_t expires;	/* armed: on the timer's clock base */
	ktime_t interval;
	u64 ticks;		/* expirations not yet read */
};

bool is_timerfd_file(struct file *file);
void timerfd_ckpt_get(struct file *file, struct timerfd_ckpt *st);
struct file *timerfd_ckpt_create(int clockid, int flags);
int timerfd_ckpt_set(struct file *file, int flags,
		     const struct itimerspec64 *value, u64 ticks, bool canceled);

/* fs/eventpoll.c */
struct epoll_event;

struct epoll_ckpt_item {
	struct file *file;	/* referenced */
	int fd;
	__poll_t events;
	u64 data;
};

bool is_epoll_file(struct file *file);
int epoll_ckpt_items(struct file *file, struct epoll_ckpt_item **itemsp);
struct file *epoll_ckpt_create(void);
int epoll_ckpt_add(struct file *file, struct file *tfile, int fd,
		   const struct epoll_event *event);

/* fs/checkpoint_event.c: the f_flags of these files */
struct ckpt_ctx;
struct ckpt_hdr_file;

int ckpt_event_check_flags(struct ckpt_ctx *ctx, struct file *file,
			   const char *kind);
int ckpt_event_restore_check(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h,
			     const char *kind);
void ckpt_event_set_flags(struct file *file, unsigned int f_flags);

#endif /* _LINUX_CHECKPOINT_EVENT_H */
