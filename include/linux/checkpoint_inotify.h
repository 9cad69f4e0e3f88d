/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart: what fs/notify/inotify/inotify_user.c lets the
 * checkpoint code of inotify files (fs/checkpoint_inotify.c) see and do.
 */
#ifndef _LINUX_CHECKPOINT_INOTIFY_H
#define _LINUX_CHECKPOINT_INOTIFY_H

#include <linux/types.h>

struct file;
struct inode;
struct path;

struct inotify_ckpt_watch {
	int wd;
	u32 mask;		/* IN_* events, IN_ONESHOT, IN_EXCL_UNLINK */
	struct inode *inode;	/* referenced */
};

struct inotify_ckpt_event {
	int wd;
	u32 mask;		/* as read(2) reports it */
	u32 cookie;
	u32 name_len;		/* without the NUL */
	const char *name;
};

bool is_inotify_file(struct file *file);
int inotify_ckpt_watches(struct file *file, struct inotify_ckpt_watch **wp,
			 unsigned int *next_wd);
int inotify_ckpt_events(struct file *file,
			int (*fn)(void *arg, const struct inotify_ckpt_event *ev),
			void *arg);
struct file *inotify_ckpt_create(int flags);
int inotify_ckpt_add_watch(struct file *file, const struct path *path,
			   u32 mask, int wd);
void inotify_ckpt_set_next_wd(struct file *file, unsigned int next_wd);
int inotify_ckpt_queue_event(struct file *file,
			     const struct inotify_ckpt_event *ev);

#endif /* _LINUX_CHECKPOINT_INOTIFY_H */
