// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: epoll files.
 *
 * An epoll file is saved with its whole interest list: for each item,
 * the target file (an object of its own, saved before the epoll's file
 * record: a file several epolls or fds share stays shared, a nested
 * epoll is restored, items included, before the epoll watching it),
 * the fd number the item was added with, its events and its data.
 * Restart makes a new epoll file and adds every item as EPOLL_CTL_ADD
 * would, with the target file and fd number of the image (the restored
 * tasks' fd tables do not exist yet): the kernel's own checks (loops,
 * nesting depth, EPOLLEXCLUSIVE, EPOLLWAKEUP, max_user_watches) apply.
 *
 * An item lives as long as its target file is open somewhere, not only
 * while its fd is: the target file of each item must be open in an fd
 * of the task being saved (under any number), else the checkpoint
 * fails with EOPNOTSUPP; so does an epoll file in flight in the queue
 * of a socket it watches (the socket's file is still being saved when
 * the epoll is, and restart needs it whole first).  Readiness is not
 * saved: it is polled again when the item is added, so an
 * edge-triggered item whose file is ready reports it once more after
 * restart.
 */

#include <linux/checkpoint.h>
#include <linux/checkpoint_event.h>
#include <uapi/linux/eventpoll.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#ifdef CONFIG_EPOLL

/* The events bits that mean something to epoll_ctl(2) and epoll_wait(2) */
#define CKPT_EPOLL_EVENTS	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | \
				 EPOLLHUP | EPOLLNVAL | EPOLLRDNORM | \
				 EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | \
				 EPOLLMSG | EPOLLRDHUP | EPOLLEXCLUSIVE | \
				 EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)

/* The most items one record holds */
#define CKPT_EPOLL_ITEMS_MAX	\
	((CKPT_RECORD_MAX - sizeof(struct ckpt_hdr_epoll)) / \
	 sizeof(struct ckpt_epoll_item))

static bool epoll_match(struct file *file)
{
	return is_epoll_file(file);
}

static void ckpt_epoll_items_put(struct epoll_ckpt_item *items, int nr)
{
	while (nr-- > 0)
		fput(items[nr].file);
	kvfree(items);
}

static int ckpt_epoll_items(struct ckpt_ctx *ctx, struct file *file,
			    struct epoll_ckpt_item **items)
{
	int nr = epoll_ckpt_items(file, items);

	if (nr >= 0 && (size_t)nr > CKPT_EPOLL_ITEMS_MAX) {
		ckpt_epoll_items_put(*items, nr);
		return ckpt_err(ctx, -EOPNOTSUPP, "epoll with %d items, more than %zu",
				nr, CKPT_EPOLL_ITEMS_MAX);
	}
	return nr;
}

/* Is @file open in an fd of the task being saved? */
static bool ckpt_file_in_task(struct ckpt_ctx *ctx, struct file *file)
{
	return !ctx->tsk || ckpt_task_has_file(ctx->tsk, file);
}

/* Save the items' target files, before the epoll's file record */
static int epoll_prepare(struct ckpt_ctx *ctx, struct file *file,
			 struct ckpt_hdr_file *h)
{
	char what[sizeof(ctx->what)];
	struct epoll_ckpt_item *items;
	int nr, i, ret;

	ret = ckpt_event_check_flags(ctx, file, "epoll");
	if (ret)
		return ret;
	nr = ckpt_epoll_items(ctx, file, &items);
	if (nr < 0)
		return nr;

	strscpy(what, ctx->what);
	for (i = 0; i < nr && !ret; i++) {
		struct file *tfile = items[i].file;

		snprintf(ctx->what, sizeof(ctx->what), "%s%sepoll item %d", what,
			 what[0] ? " " : "", items[i].fd);
		if (!ckpt_file_in_task(ctx, tfile)) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "the file of an epoll item is open in no fd of the task");
			break;
		}
		/*
		 * An item holds no reference: it is no use of the file.
		 * Restart adds it with that file, made by then.
		 */
		ret = checkpoint_obj_use(ctx, tfile, CKPT_OBJ_FILE,
					 CKPT_USE_NOREF | CKPT_USE_WHOLE);
		if (ret > 0)
			ret = 0;
	}
	strscpy(ctx->what, what);
	ckpt_epoll_items_put(items, nr);
	return ret;
}

static int checkpoint_epoll(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_epoll h = {
		.h = { .type = CKPT_HDR_EPOLL },
	};
	struct epoll_ckpt_item *items;
	struct ckpt_epoll_item *ents;
	int nr, i, ret = 0;

	nr = ckpt_epoll_items(ctx, file, &items);
	if (nr < 0)
		return nr;
	ents = kvcalloc(max(nr, 1), sizeof(*ents), GFP_KERNEL);
	if (!ents) {
		ckpt_epoll_items_put(items, nr);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		ents[i].file_objref = ckpt_obj_lookup(ctx, items[i].file);
		if (!ents[i].file_objref) {
			ret = ckpt_err(ctx, -EBUSY,
				       "the interest list of an epoll changed during the checkpoint");
			goto out;
		}
		ents[i].fd = items[i].fd;
		/* other bits are compared with nothing poll() reports */
		ents[i].events = (__force u32)(items[i].events & CKPT_EPOLL_EVENTS);
		ents[i].data = items[i].data;
	}
	h.nr_items = nr;
	ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), ents,
				  nr * sizeof(*ents));
out:
	kvfree(ents);
	ckpt_epoll_items_put(items, nr);
	return ret;
}

static struct file *restore_epoll(struct ckpt_ctx *ctx,
				  struct ckpt_hdr_file *hf)
{
	struct ckpt_hdr_epoll *h;
	struct file *file;
	unsigned int i;
	int ret = -EINVAL;

	if (ckpt_event_restore_check(ctx, hf, "epoll"))
		return ERR_PTR(-EINVAL);
	h = ckpt_read_obj_type(ctx, CKPT_HDR_EPOLL, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return ERR_CAST(h);
	if (h->nr_items > CKPT_EPOLL_ITEMS_MAX ||
	    struct_size(h, items, h->nr_items) != h->h.len) {
		ckpt_err(ctx, ret, "epoll record is malformed");
		goto err;
	}

	file = epoll_ckpt_create();
	if (IS_ERR(file)) {
		ret = ckpt_err(ctx, PTR_ERR(file), "cannot make an epoll");
		goto err;
	}
	for (i = 0; i < h->nr_items; i++) {
		struct ckpt_epoll_item *e = &h->items[i];
		struct epoll_event ev;
		struct file *tfile;

		if (e->fd < 0 || (e->events & ~(__force u32)CKPT_EPOLL_EVENTS)) {
			ret = ckpt_err(ctx, -EINVAL, "epoll item %u: bad fd %d or events %#x",
				       i, e->fd, e->events);
			goto err_file;
		}
		tfile = ckpt_obj_fetch(ctx, e->file_objref, CKPT_OBJ_FILE);
		if (IS_ERR(tfile)) {
			ret = PTR_ERR(tfile);
			goto err_file;
		}
		ev.events = (__force __poll_t)e->events;
		ev.data = e->data;
		ret = epoll_ckpt_add(file, tfile, e->fd, &ev);
		/* twice the same item, a loop, a file that cannot poll */
		if (ret == -EEXIST || ret == -ELOOP || ret == -EPERM)
			ret = -EINVAL;
		if (ret) {
			ckpt_err(ctx, ret, "epoll item %u (fd %d, objref %d): cannot add it",
				 i, e->fd, e->file_objref);
			goto err_file;
		}
	}
	ckpt_event_set_flags(file, hf->f_flags);
	ckpt_free(h);
	return file;

err_file:
	fput(file);
err:
	ckpt_free(h);
	return ERR_PTR(ret);
}

static const struct ckpt_file_ops ckpt_epoll_ops = {
	.file_type = CKPT_FILE_EPOLL,
	.match = epoll_match,
	.prepare = epoll_prepare,
	.checkpoint = checkpoint_epoll,
	.restore = restore_epoll,
};

static int __init checkpoint_epoll_init(void)
{
	return ckpt_register_file_ops(&ckpt_epoll_ops);
}
late_initcall(checkpoint_epoll_init);

#endif /* CONFIG_EPOLL */
