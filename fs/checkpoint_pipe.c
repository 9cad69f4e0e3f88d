// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: pipes and named FIFOs.
 *
 * A pipe is an object of its own, saved once however many files and
 * tasks hold its ends: its size and the data buffered in it, buffer by
 * buffer so that packet-mode (O_DIRECT) pipes keep their packets.  The
 * files of its ends refer to it.  Restart makes a new anonymous pipe of
 * the same size, refills it, and hands its ends to the files that had
 * them; an end no file had is closed again, as it was.
 *
 * The pipe of a named FIFO can only be had by opening the FIFO: its
 * record waits until the first file of the FIFO opens the path, which
 * must name an unused, empty FIFO.  That open is a "holder" kept for
 * the rest of the restart (read and write, so that the files' own opens
 * never block nor fail with ENXIO), through which the pipe is sized and
 * refilled; every file of the FIFO is then opened by path and must land
 * on that same pipe.
 */

#include <linux/checkpoint.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

/* The most data a pipe record may carry */
#define CKPT_PIPE_DATA_MAX	(CKPT_RECORD_MAX / 2)
/* The largest pipe restart makes: 16 MiB of 4 KiB slots */
#define CKPT_PIPE_SLOTS_MAX	4096

/*
 * The object is keyed by the pipe's inode (pipefs for an anonymous
 * pipe, the FIFO's own otherwise), whose i_pipe stays put while the
 * files the checkpoint holds keep the pipe open.
 */

/* The open files of the pipe's ends, or of the FIFO */
static int pipe_users(void *ptr)
{
	struct inode *inode = ptr;

	return READ_ONCE(inode->i_pipe->files);
}

static int checkpoint_pipe(struct ckpt_ctx *ctx, void *ptr)
{
	struct inode *inode = ptr;
	struct pipe_inode_info *pipe = inode->i_pipe;
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
	if (inode->i_sb->s_magic != PIPEFS_MAGIC)
		h->flags = CKPT_PIPE_FIFO;
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
	struct file *end[2];		/* anonymous: read, write end */
	bool used[2];
	bool fifo;			/* CKPT_PIPE_FIFO */
	struct ckpt_hdr_pipe *h;	/* FIFO: the record, until opened */
	struct file *holder;		/* FIFO: O_RDWR, till the end */
};

static void pipe_restore_drop(void *ptr)
{
	struct ckpt_pipe_restore *r = ptr;

	if (r->end[0])
		fput(r->end[0]);
	if (r->end[1])
		fput(r->end[1]);
	if (r->holder)
		fput(r->holder);
	ckpt_free(r->h);
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

/* Size the pipe as fcntl(F_SETPIPE_SZ) would: the caller's limits apply */
static int restore_pipe_size(struct ckpt_ctx *ctx, struct file *file,
			     unsigned int nr_slots)
{
	long size = pipe_fcntl(file, F_GETPIPE_SZ, 0);

	if (size != (long)nr_slots * PAGE_SIZE)
		size = pipe_fcntl(file, F_SETPIPE_SZ, nr_slots * PAGE_SIZE);
	if (size < 0)
		return ckpt_err(ctx, size, "cannot make a pipe of %u pages", nr_slots);
	return 0;
}

static void *restore_pipe(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_restore *r;
	struct ckpt_pipe_buf *bufs;
	struct ckpt_hdr_pipe *h;
	u64 total = 0;
	unsigned int i;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_PIPE, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	bufs = (struct ckpt_pipe_buf *)(h + 1);
	if (!h->nr_slots || h->nr_slots > CKPT_PIPE_SLOTS_MAX ||
	    h->nr_bufs > h->nr_slots || h->data_len > CKPT_PIPE_DATA_MAX ||
	    (h->flags & ~CKPT_PIPE_FIFO) ||
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
	if (h->flags & CKPT_PIPE_FIFO) {
		/* made when its first file opens the FIFO */
		r->fifo = true;
		r->h = h;
		return r;
	}
	ret = create_pipe_files(r->end, 0);
	if (ret) {
		kfree(r);
		goto out;
	}
	ret = restore_pipe_size(ctx, r->end[1], h->nr_slots);
	if (!ret)
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
	if (r->fifo) {
		ckpt_err(ctx, -EINVAL, "pipe objref %d is a named FIFO's, not an anonymous pipe",
			 objref);
		return ERR_PTR(-EINVAL);
	}
	switch (f_flags & O_ACCMODE) {
	case O_RDONLY:
		end = 0;
		break;
	case O_WRONLY:
		end = 1;
		break;
	case O_RDWR:
		end = -1;
		break;
	default:
		ckpt_err(ctx, -EINVAL, "pipe end with access mode %#x", f_flags);
		return ERR_PTR(-EINVAL);
	}
	if (end >= 0 && !r->used[end]) {
		r->used[end] = true;
		file = get_file(r->end[end]);
	} else {
		/*
		 * Another file of the pipe, as an open of /proc/PID/fd/N
		 * makes it: both ends are held till the restart ends, so
		 * fifo_open() neither blocks nor fails.
		 */
		file = dentry_open(&r->end[0]->f_path,
				   (f_flags & O_ACCMODE) | O_NONBLOCK,
				   current_cred());
		if (IS_ERR(file)) {
			ckpt_err(ctx, PTR_ERR(file), "cannot open another file of pipe objref %d",
				 objref);
			return file;
		}
	}
	ckpt_pipe_set_flags(file, f_flags);
	return file;
}

/*
 * The first file of the FIFO @path opens it: it must be a FIFO that
 * nobody else has open, so that the image's data is not mixed into
 * another's; it gets the image's size and data.
 */
static int restore_fifo_open(struct ckpt_ctx *ctx, struct ckpt_pipe_restore *r,
			     const char *path)
{
	struct pipe_inode_info *pipe;
	struct inode *inode;
	struct file *holder;
	bool in_use, has_data;
	struct path p;
	int ret;

	/* look first: never open what is no FIFO any more, nor a FIFO in use */
	ret = kern_path(path, LOOKUP_FOLLOW, &p);
	if (ret)
		return ckpt_err(ctx, ret, "cannot reopen %s", path);
	inode = d_inode(p.dentry);
	ret = S_ISFIFO(inode->i_mode) ? 0 : -EINVAL;
	spin_lock(&inode->i_lock);
	in_use = !!inode->i_pipe;
	spin_unlock(&inode->i_lock);
	path_put(&p);
	if (ret)
		return ckpt_err(ctx, ret, "%s is no longer the file that was checkpointed",
				path);
	if (in_use)
		return ckpt_err(ctx, -EBUSY, "FIFO %s is open elsewhere", path);

	holder = filp_open(path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(holder))
		return ckpt_err(ctx, PTR_ERR(holder), "cannot reopen %s", path);
	pipe = get_pipe_info(holder, false);
	if (!S_ISFIFO(file_inode(holder)->i_mode) || !pipe) {
		fput(holder);
		return ckpt_err(ctx, -EINVAL, "%s is no longer the file that was checkpointed",
				path);
	}
	/* it may have been opened meanwhile */
	pipe_lock(pipe);
	in_use = pipe->readers != 1 || pipe->writers != 1;
	has_data = !pipe_empty(pipe->head, pipe->tail);
	pipe_unlock(pipe);
	if (has_data)
		ret = ckpt_err(ctx, -EBUSY, "FIFO %s already holds data", path);
	else if (in_use)
		ret = ckpt_err(ctx, -EBUSY, "FIFO %s is open elsewhere", path);
	if (!ret)
		ret = restore_pipe_size(ctx, holder, r->h->nr_slots);
	if (!ret)
		ret = restore_pipe_fill(ctx, holder, r->h);
	if (ret) {
		fput(holder);
		return ret;
	}
	r->holder = holder;
	ckpt_free(r->h);
	r->h = NULL;
	return 0;
}

/**
 * restore_fifo_file - reopen a file of a named FIFO
 * @ctx: restart context
 * @objref: the FIFO's pipe objref
 * @path: the FIFO, an absolute path
 * @f_flags: the file's open(2) flags, checked by the caller
 *
 * Returns a referenced file on the FIFO's restored pipe, or an ERR_PTR.
 */
struct file *restore_fifo_file(struct ckpt_ctx *ctx, int objref,
			       const char *path, unsigned int f_flags)
{
	struct ckpt_pipe_restore *r;
	struct file *file;
	int ret;

	r = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_PIPE);
	if (IS_ERR(r))
		return ERR_CAST(r);
	if (!r->fifo) {
		ckpt_err(ctx, -EINVAL, "FIFO %s: pipe objref %d is an anonymous pipe",
			 path, objref);
		return ERR_PTR(-EINVAL);
	}
	if (!r->holder) {
		ret = restore_fifo_open(ctx, r, path);
		if (ret)
			return ERR_PTR(ret);
	}
	/* the holder reads and writes: this neither blocks nor gets ENXIO */
	file = filp_open(path, (f_flags & ~O_DIRECT) | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen %s", path);
		return file;
	}
	if (get_pipe_info(file, false) != get_pipe_info(r->holder, false)) {
		fput(file);
		ckpt_err(ctx, -EINVAL, "%s is no longer the file that was checkpointed",
			 path);
		return ERR_PTR(-EINVAL);
	}
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
