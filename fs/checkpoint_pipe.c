// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: anonymous pipes.
 *
 * A pipe is an object of its own, saved once however many files and
 * tasks hold its ends: its size and the data buffered in it, buffer by
 * buffer so that packet-mode (O_DIRECT) pipes keep their packets.  The
 * files of its ends refer to it.  Restart makes a new pipe of the same
 * size, refills it, and hands its ends to the files that had them; an
 * end no file had is closed again, as it was.
 */

#include <linux/checkpoint.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

/* The most data a pipe record may carry */
#define CKPT_PIPE_DATA_MAX	(CKPT_RECORD_MAX / 2)
/* The largest pipe restart makes: 16 MiB of 4 KiB slots */
#define CKPT_PIPE_SLOTS_MAX	4096

/* The open files of the pipe's ends (or of a FIFO) */
static int pipe_users(void *ptr)
{
	struct pipe_inode_info *pipe = ptr;

	return READ_ONCE(pipe->files);
}

static int checkpoint_pipe(struct ckpt_ctx *ctx, void *ptr)
{
	struct pipe_inode_info *pipe = ptr;
	struct ckpt_pipe_buf *bufs;
	struct ckpt_hdr_pipe *h;
	unsigned int nr, i, slot;
	size_t data_len = 0;
	char *data;
	int ret = 0;

	mutex_lock(&pipe->mutex);
	nr = pipe_occupancy(pipe->head, pipe->tail);
	for (slot = pipe->tail; slot != pipe->head; slot++)
		data_len += pipe->bufs[slot & (pipe->ring_size - 1)].len;
	if (data_len > CKPT_PIPE_DATA_MAX) {
		mutex_unlock(&pipe->mutex);
		return ckpt_err(ctx, -EOPNOTSUPP, "pipe holds %zu bytes, more than %u",
				data_len, CKPT_PIPE_DATA_MAX);
	}
	h = ckpt_hdr_alloc(CKPT_HDR_PIPE, sizeof(*h) + nr * sizeof(*bufs) + data_len);
	if (!h) {
		mutex_unlock(&pipe->mutex);
		return -ENOMEM;
	}
	h->nr_slots = pipe->max_usage;
	h->nr_bufs = nr;
	h->data_len = data_len;
	bufs = (struct ckpt_pipe_buf *)(h + 1);
	data = (char *)(bufs + nr);
	for (i = 0, slot = pipe->tail; slot != pipe->head && !ret; i++, slot++) {
		struct pipe_buffer *buf = &pipe->bufs[slot & (pipe->ring_size - 1)];

		ret = pipe_buf_confirm(pipe, buf);
		if (ret)
			break;
		memcpy_from_page(data, buf->page, buf->offset, buf->len);
		bufs[i].len = buf->len;
		if (buf->flags & PIPE_BUF_FLAG_PACKET)
			bufs[i].flags = CKPT_PIPE_BUF_PACKET;
		data += buf->len;
	}
	mutex_unlock(&pipe->mutex);

	if (!ret)
		ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

struct ckpt_pipe_restore {
	struct file *end[2];		/* read, write */
	bool used[2];
};

static void pipe_restore_drop(void *ptr)
{
	struct ckpt_pipe_restore *r = ptr;

	if (r->end[0])
		fput(r->end[0]);
	if (r->end[1])
		fput(r->end[1]);
	kfree(r);
}

static void ckpt_pipe_set_flags(struct file *file, unsigned int flags)
{
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~(O_NONBLOCK | O_DIRECT)) |
			(flags & (O_NONBLOCK | O_DIRECT));
	spin_unlock(&file->f_lock);
}

/* Refill the new pipe, packet by packet where it had packets */
static int restore_pipe_fill(struct ckpt_ctx *ctx, struct file *wr,
			     struct ckpt_hdr_pipe *h)
{
	struct ckpt_pipe_buf *bufs = (struct ckpt_pipe_buf *)(h + 1);
	char *data = (char *)(bufs + h->nr_bufs);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < h->nr_bufs && !ret; i++) {
		ssize_t n;

		ckpt_pipe_set_flags(wr, O_NONBLOCK |
				    (bufs[i].flags & CKPT_PIPE_BUF_PACKET ? O_DIRECT : 0));
		n = kernel_write(wr, data, bufs[i].len, NULL);
		if (n != bufs[i].len)
			ret = ckpt_err(ctx, n < 0 ? n : -EIO, "cannot refill a pipe");
		data += bufs[i].len;
	}
	ckpt_pipe_set_flags(wr, 0);
	return ret;
}

static void *restore_pipe(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_restore *r;
	struct ckpt_pipe_buf *bufs;
	struct ckpt_hdr_pipe *h;
	u64 total = 0;
	unsigned int i;
	long size;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_PIPE, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	bufs = (struct ckpt_pipe_buf *)(h + 1);
	if (!h->nr_slots || h->nr_slots > CKPT_PIPE_SLOTS_MAX ||
	    h->nr_bufs > h->nr_slots || h->data_len > CKPT_PIPE_DATA_MAX ||
	    ckpt_align(sizeof(*h) + h->nr_bufs * sizeof(*bufs) + h->data_len) != h->h.len)
		goto bad;
	for (i = 0; i < h->nr_bufs; i++) {
		if (!bufs[i].len || bufs[i].len > PAGE_SIZE ||
		    (bufs[i].flags & ~CKPT_PIPE_BUF_PACKET))
			goto bad;
		total += bufs[i].len;
	}
	if (total != h->data_len)
		goto bad;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	ret = create_pipe_files(r->end, 0);
	if (ret) {
		kfree(r);
		goto out;
	}
	/* the caller's limits apply, as to fcntl(F_SETPIPE_SZ) */
	size = pipe_fcntl(r->end[1], F_GETPIPE_SZ, 0);
	if (size != (long)h->nr_slots * PAGE_SIZE)
		size = pipe_fcntl(r->end[1], F_SETPIPE_SZ, h->nr_slots * PAGE_SIZE);
	if (size < 0)
		ret = ckpt_err(ctx, size, "cannot make a pipe of %u pages", h->nr_slots);
	else
		ret = restore_pipe_fill(ctx, r->end[1], h);
	if (ret) {
		pipe_restore_drop(r);
		goto out;
	}
	ckpt_free(h);
	return r;
bad:
	ckpt_err(ctx, ret, "pipe record is malformed");
out:
	ckpt_free(h);
	return ERR_PTR(ret);
}

/**
 * restore_pipe_file - the file of a restored pipe's end
 * @ctx: restart context
 * @objref: the pipe's objref
 * @f_flags: the file's open(2) flags: the access mode picks the end
 *
 * Returns a referenced file or an ERR_PTR.
 */
struct file *restore_pipe_file(struct ckpt_ctx *ctx, int objref,
			       unsigned int f_flags)
{
	struct ckpt_pipe_restore *r;
	struct file *file;
	int end;

	r = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_PIPE);
	if (IS_ERR(r))
		return ERR_CAST(r);
	switch (f_flags & O_ACCMODE) {
	case O_RDONLY:
		end = 0;
		break;
	case O_WRONLY:
		end = 1;
		break;
	default:
		ckpt_err(ctx, -EINVAL, "pipe end open for reading and writing");
		return ERR_PTR(-EINVAL);
	}
	if (r->used[end]) {
		ckpt_err(ctx, -EOPNOTSUPP, "a second open file of one pipe end");
		return ERR_PTR(-EOPNOTSUPP);
	}
	r->used[end] = true;
	file = get_file(r->end[end]);
	ckpt_pipe_set_flags(file, f_flags);
	return file;
}

static const struct ckpt_obj_ops ckpt_pipe_ops = {
	.obj_type = CKPT_OBJ_PIPE,
	.obj_name = "pipe",
	.ref_users = pipe_users,
	.checkpoint = checkpoint_pipe,
	.restore = restore_pipe,
	.restore_drop = pipe_restore_drop,
};

static int __init checkpoint_pipe_init(void)
{
	return ckpt_register_obj_ops(&ckpt_pipe_ops);
}
late_initcall(checkpoint_pipe_init);
