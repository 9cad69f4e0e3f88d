// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the system calls, the context, record I/O and
 * the error log.
 *
 * Records are written and read strictly sequentially through the image
 * file, so the image may be a pipe or a socket.  Everything read from
 * an image is untrusted: the readers here check the type and length of
 * every record before anything else looks at it.
 */

#define pr_fmt(fmt) "checkpoint: " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string_helpers.h>
#include <linux/syscalls.h>
#include <linux/sysctl.h>
#include <linux/uio.h>

static atomic64_t ckpt_id_counter = ATOMIC64_INIT(0);

/*
 * kernel.checkpoint_unprivileged, see Documentation/checkpoint/security.rst:
 * 0: both calls need CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN);
 * 1: checkpoint needs only ptrace rights over the tasks, restart the
 *    capability;
 * 2: restart too goes without it when every credential in the image is
 *    the caller's own.
 */
static int ckpt_unprivileged = 1;

static struct ctl_table ckpt_sysctls[] = {
	{
		.procname	= "checkpoint_unprivileged",
		.data		= &ckpt_unprivileged,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
};

static int __init checkpoint_sysctl_init(void)
{
	register_sysctl_init("kernel", ckpt_sysctls);
	return 0;
}
late_initcall(checkpoint_sysctl_init);

/* The policy's say about the caller, before anything is read or written */
static int ckpt_may(struct ckpt_ctx *ctx)
{
	int policy = READ_ONCE(ckpt_unprivileged);

	if (checkpoint_restore_ns_capable(current_user_ns()))
		return 0;
	if (ctx->kflags & CKPT_CTX_CHECKPOINT) {
		if (policy >= 1)
			return 0;
		return ckpt_err(ctx, -EPERM,
				"checkpoint needs CAP_CHECKPOINT_RESTORE (kernel.checkpoint_unprivileged is 0)");
	}
	/* policy 2: the credentials restored must be the caller's own */
	if (policy >= 2) {
		ctx->kflags |= CKPT_CTX_UNPRIV;
		return 0;
	}
	return ckpt_err(ctx, -EPERM,
			"restart needs CAP_CHECKPOINT_RESTORE (kernel.checkpoint_unprivileged is %d)",
			policy);
}

/*
 * The image buffer.  Most records are small (a VMA, an open file, a
 * thread's registers), and a write or read of its own for each would
 * cost a trip through the file system every time.  At checkpoint they
 * gather in ctx->buf, written out when it fills, before page data
 * (which goes to the image straight from the pages) and at the end.  At
 * restart a seekable image is read ahead into it; a stream (pipe,
 * socket) is read as needed and no further, so that restart never
 * consumes what follows the image.
 *
 * ctx->pos counts the bytes of records written or read so far;
 * ctx->fpos is where the next write or read of the file itself goes.
 */
#define CKPT_BUF_SIZE	SZ_64K

static int ckpt_buf_alloc(struct ckpt_ctx *ctx)
{
	if (!ctx->buf)
		ctx->buf = kvmalloc(CKPT_BUF_SIZE, GFP_KERNEL);
	return ctx->buf ? 0 : -ENOMEM;
}

/* Write all of @iter to the image file, at ctx->fpos */
static int ckpt_file_write(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	while (iov_iter_count(iter)) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = vfs_iter_write(ctx->file, iter,
				   ctx->stream ? NULL : &ctx->fpos, 0);
		if (n < 0)
			return n;
		if (n == 0)
			return -EIO;
	}
	return 0;
}

/* Read up to iov_iter_count(@iter) bytes at ctx->fpos: how many, or -errno */
static ssize_t ckpt_file_read(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	return vfs_iter_read(ctx->file, iter, ctx->stream ? NULL : &ctx->fpos, 0);
}

/**
 * ckpt_flush - write out what the image buffer holds
 * @ctx: checkpoint context
 *
 * Returns 0 or -errno.
 */
int ckpt_flush(struct ckpt_ctx *ctx)
{
	struct kvec kv = { .iov_base = ctx->buf, .iov_len = ctx->buf_len };
	struct iov_iter iter;
	int ret;

	if (!ctx->buf_len)
		return 0;
	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, kv.iov_len);
	ret = ckpt_file_write(ctx, &iter);
	ctx->buf_len = 0;
	return ret;
}

/**
 * ckpt_write_iter - write all of @iter to the image, unbuffered
 * @ctx: checkpoint context
 * @iter: the data, e.g. pages
 *
 * Returns 0 or -errno.
 */
int ckpt_write_iter(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	size_t len = iov_iter_count(iter);
	int ret;

	ret = ckpt_flush(ctx);
	if (!ret)
		ret = ckpt_file_write(ctx, iter);
	if (!ret)
		ctx->pos += len;
	return ret;
}

/**
 * ckpt_kwrite - write @len bytes of @buf to the image
 * @ctx: checkpoint context
 * @buf: kernel buffer
 * @len: bytes
 *
 * Returns 0 or -errno.
 */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;
	int ret;

	if (len > CKPT_BUF_SIZE - ctx->buf_len) {
		ret = ckpt_flush(ctx);
		if (ret)
			return ret;
	}
	if (len > CKPT_BUF_SIZE / 2 || ckpt_buf_alloc(ctx)) {
		iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, len);
		return ckpt_write_iter(ctx, &iter);
	}
	memcpy(ctx->buf + ctx->buf_len, buf, len);
	ctx->buf_len += len;
	ctx->pos += len;
	return 0;
}

/*
 * One read of the image file into @iter: the bytes read, or -errno; an
 * image that ends early is malformed (-EINVAL).
 */
static ssize_t ckpt_read_some(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	ssize_t n = ckpt_file_read(ctx, iter);

	if (!n)
		return ckpt_err(ctx, -EINVAL, "image truncated at offset %lld",
				ctx->pos);
	return n;
}

/* Read ahead into the image buffer, once it is all consumed */
static int ckpt_fill(struct ckpt_ctx *ctx)
{
	struct kvec kv = { .iov_base = ctx->buf, .iov_len = CKPT_BUF_SIZE };
	struct iov_iter iter;
	ssize_t n;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, kv.iov_len);
	n = ckpt_read_some(ctx, &iter);
	if (n < 0)
		return n;
	ctx->buf_off = 0;
	ctx->buf_len = n;
	return 0;
}

/**
 * ckpt_read_iter - fill all of @iter from the image
 * @ctx: restart context
 * @iter: where the data goes, e.g. pages
 *
 * What the buffer holds comes first, the rest straight from the file.
 * An image that ends early is malformed: -EINVAL.
 */
int ckpt_read_iter(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	while (iov_iter_count(iter)) {
		size_t want = iov_iter_count(iter);
		ssize_t n;

		if (ctx->buf_off < ctx->buf_len) {
			n = copy_to_iter(ctx->buf + ctx->buf_off,
					 min(want, ctx->buf_len - ctx->buf_off), iter);
			ctx->buf_off += n;
		} else if (!ctx->stream && want < CKPT_BUF_SIZE / 2 &&
			   !ckpt_buf_alloc(ctx)) {
			n = ckpt_fill(ctx);
			if (n)
				return n;
			continue;
		} else {
			n = ckpt_read_some(ctx, iter);
			if (n < 0)
				return n;
		}
		ctx->pos += n;
	}
	return 0;
}

/**
 * ckpt_kread - read exactly @len bytes from the image into @buf
 * @ctx: restart context
 * @buf: kernel buffer
 * @len: bytes
 *
 * An image that ends early is malformed: -EINVAL.
 */
int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	if (!len)
		return 0;
	if (len <= ctx->buf_len - ctx->buf_off) {
		memcpy(buf, ctx->buf + ctx->buf_off, len);
		ctx->buf_off += len;
		ctx->pos += len;
		return 0;
	}
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return ckpt_read_iter(ctx, &iter);
}

/* Skip @len bytes of the image (padding, or data nobody needs) */
int ckpt_read_pad(struct ckpt_ctx *ctx, size_t len)
{
	char buf[64];
	int ret = 0;

	while (len && !ret) {
		size_t n = min(len, sizeof(buf));

		ret = ckpt_kread(ctx, buf, n);
		len -= n;
	}
	return ret;
}

/**
 * ckpt_hdr_alloc - allocate a zeroed record of @len bytes of type @type
 * @type: CKPT_HDR_*
 * @len: record length, header included; rounded up to 8
 *
 * Returns the record or NULL.  Free it with ckpt_free().
 */
void *ckpt_hdr_alloc(int type, size_t len)
{
	struct ckpt_hdr *h;

	len = ckpt_align(len);
	h = kvzalloc(len, GFP_KERNEL);
	if (!h)
		return NULL;
	h->type = type;
	h->len = len;
	return h;
}

void ckpt_free(const void *ptr)
{
	kvfree(ptr);
}

/* Write a record built by ckpt_hdr_alloc() */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	if (WARN_ON_ONCE(h->len < sizeof(*h) || h->len % 8))
		return -EINVAL;
	return ckpt_kwrite(ctx, h, h->len);
}

/*
 * Write a record made of a fixed part @h (@hlen bytes) followed by
 * @dlen bytes of @data and the padding to 8 bytes.
 */
int ckpt_write_hdr_data(struct ckpt_ctx *ctx, struct ckpt_hdr *h,
			size_t hlen, const void *data, size_t dlen)
{
	static const char zeroes[8];
	size_t len = ckpt_align(hlen + dlen);
	int ret;

	if (WARN_ON_ONCE(hlen % 8 || len > U32_MAX))
		return -EINVAL;
	h->len = len;
	ret = ckpt_kwrite(ctx, h, hlen);
	if (!ret && dlen)
		ret = ckpt_kwrite(ctx, data, dlen);
	if (!ret && len - hlen - dlen)
		ret = ckpt_kwrite(ctx, zeroes, len - hlen - dlen);
	return ret;
}

/* Read the next record header, or the one peeked at */
static int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	if (ctx->peeked) {
		*h = ctx->peek;
		ctx->peeked = false;
		return 0;
	}
	ret = ckpt_kread(ctx, h, sizeof(*h));
	if (ret)
		return ret;
	if (h->len < sizeof(*h) || h->len % 8)
		return ckpt_err(ctx, -EINVAL,
				"record type %u at offset %lld: bad length %u",
				h->type, ctx->pos - (loff_t)sizeof(*h), h->len);
	return 0;
}

/**
 * ckpt_peek_type - the type of the next record, which stays unread
 * @ctx: restart context
 *
 * For records that may follow another one.  Returns the type (an
 * object's CKPT_HDR_OBJ record too), 0 for a type no record has, or
 * -errno.
 */
int ckpt_peek_type(struct ckpt_ctx *ctx)
{
	int ret;

	if (!ctx->peeked) {
		ret = ckpt_read_hdr(ctx, &ctx->peek);
		if (ret)
			return ret;
		ctx->peeked = true;
	}
	/* a type that is not an int is nobody's: its reader will say so */
	return ctx->peek.type <= INT_MAX ? ctx->peek.type : 0;
}

/*
 * Objects precede their first reference: restore every object that a
 * CKPT_HDR_OBJ record introduces before the record the caller wants.
 */
static int ckpt_read_objects(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	for (;;) {
		ret = ckpt_read_hdr(ctx, h);
		if (ret)
			return ret;
		BUILD_BUG_ON(CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX) > CKPT_HDR_TREE);
		if (h->type <= CKPT_HDR_OBJ ||
		    h->type >= CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX))
			return 0;
		if (!ctx->objs_ok && !ctx->depth)
			return ckpt_err(ctx, -EINVAL,
					"object record at offset %lld, where none may be",
					ctx->pos - (loff_t)sizeof(*h));
		if (h->len != sizeof(*h))
			return ckpt_err(ctx, -EINVAL,
					"object record: bad length %u", h->len);
		if (ctx->depth >= CKPT_DEPTH_MAX)
			return ckpt_err(ctx, -EINVAL,
					"objects nested too deep at objref %d",
					ctx->obj_next);
		ctx->depth++;
		ret = ckpt_obj_restore(ctx, h->type - CKPT_HDR_OBJ);
		ctx->depth--;
		if (ret)
			return ret;
	}
}

/**
 * ckpt_read_hdr_type - read the header of the next record, which must be
 * of @type with a length in [@minlen, @maxlen]
 * @ctx: restart context
 * @h: the header read
 * @type: CKPT_HDR_*
 * @minlen: smallest acceptable length
 * @maxlen: largest acceptable length
 *
 * Objects that come first are restored on the way.  The caller reads
 * the h->len - sizeof(*h) bytes of the record that follow.
 */
int ckpt_read_hdr_type(struct ckpt_ctx *ctx, struct ckpt_hdr *h, int type,
		       size_t minlen, size_t maxlen)
{
	int ret;

	ret = ckpt_read_objects(ctx, h);
	if (ret)
		return ret;
	if (h->type != type)
		return ckpt_err(ctx, -EINVAL,
				"expected record type %d at offset %lld, found %u",
				type, ctx->pos - (loff_t)sizeof(*h), h->type);
	if (h->len < minlen || h->len > maxlen)
		return ckpt_err(ctx, -EINVAL,
				"record type %d: length %u out of range [%zu, %zu]",
				type, h->len, minlen, maxlen);
	return 0;
}

/**
 * ckpt_read_obj_type - read the whole next record, of type @type
 * @ctx: restart context
 * @type: CKPT_HDR_*
 * @minlen: smallest acceptable length, at least the fixed part
 * @maxlen: largest acceptable length, at most CKPT_RECORD_MAX
 *
 * Returns the record (free with ckpt_free()) or an ERR_PTR.
 */
void *ckpt_read_obj_type(struct ckpt_ctx *ctx, int type,
			 size_t minlen, size_t maxlen)
{
	struct ckpt_hdr h, *rec;
	int ret;

	if (WARN_ON_ONCE(maxlen > CKPT_RECORD_MAX || minlen < sizeof(h)))
		return ERR_PTR(-EINVAL);
	ret = ckpt_read_hdr_type(ctx, &h, type, minlen, maxlen);
	if (ret)
		return ERR_PTR(ret);
	rec = kvmalloc(h.len, GFP_KERNEL);
	if (!rec)
		return ERR_PTR(-ENOMEM);
	*rec = h;
	ret = ckpt_kread(ctx, rec + 1, h.len - sizeof(h));
	if (ret) {
		kvfree(rec);
		return ERR_PTR(ret);
	}
	return rec;
}

/*
 * Strings from the image (paths, names) may hold any byte: escape what
 * is not printable, so that one failure stays one line of the log.
 * Frees @msg; returns the line to write, or NULL.
 */
static char *ckpt_log_escape(char *msg)
{
	size_t len, i;
	char *out;

	if (!msg)
		return NULL;
	len = strlen(msg) - 1;		/* without the newline */
	for (i = 0; i < len; i++)
		if (!isprint(msg[i]))
			break;
	if (i == len)
		return msg;
	out = kmalloc(len * 4 + 2, GFP_KERNEL);
	if (out) {
		i = string_escape_mem(msg, len, out, len * 4, ESCAPE_ANY_NP, NULL);
		out[i] = '\n';
		out[i + 1] = '\0';
	}
	kfree(msg);
	return out;
}

/**
 * ckpt_err - record the first error of the operation and log it
 * @ctx: context
 * @err: negative errno
 * @fmt: what failed and why; the log line is prefixed with the
 *       operation, the task and the object (ctx->what) being handled
 *
 * Only the first error is logged: the contract promises one line per
 * failure.  Returns @err so that callers can "return ckpt_err(...)".
 */
int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	char *msg;

	if (ctx->err)
		return err;
	ctx->err = err;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	/* e.g. "checkpoint: pid 42 fd 5: socket files are not supported" */
	if (ctx->tsk_pid)
		msg = kasprintf(GFP_KERNEL, "%s: pid %d%s%s: %pV\n",
				ctx->kflags & CKPT_CTX_CHECKPOINT ?
				"checkpoint" : "restart", ctx->tsk_pid,
				ctx->what[0] ? " " : "", ctx->what, &vaf);
	else
		msg = kasprintf(GFP_KERNEL, "%s: %pV\n",
				ctx->kflags & CKPT_CTX_CHECKPOINT ?
				"checkpoint" : "restart", &vaf);
	va_end(args);
	msg = ckpt_log_escape(msg);

	if (msg) {
		pr_debug("%s", msg);
		if (ctx->logfile)
			kernel_write(ctx->logfile, msg, strlen(msg),
				     &ctx->logpos);
		ctx->err_logged = true;
		kfree(msg);
	}
	return err;
}

static void ckpt_log_generic(struct ckpt_ctx *ctx, int err)
{
	if (err && !ctx->err_logged && err != -ERESTARTNOINTR) {
		ctx->err = 0;
		ckpt_err(ctx, err, "failed with error %d", err);
	}
}

static struct file *ckpt_fget_log(int logfd)
{
	struct file *file;

	if (logfd == CHECKPOINT_FD_NONE)
		return NULL;
	file = fget(logfd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (!(file->f_mode & FMODE_WRITE)) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	return file;
}

static struct ckpt_ctx *ckpt_ctx_alloc(int fd, unsigned long uflags,
				       unsigned long kflags, int logfd)
{
	unsigned long valid = kflags & CKPT_CTX_CHECKPOINT ?
		CHECKPOINT_USER_FLAGS : RESTART_USER_FLAGS;
	struct ckpt_ctx *ctx;
	struct file *file;
	int ret = -EBADF;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->uflags = uflags;
	ctx->kflags = kflags;
	ckpt_obj_hash_init(ctx);

	ctx->logfile = ckpt_fget_log(logfd);
	if (IS_ERR(ctx->logfile)) {
		ret = PTR_ERR(ctx->logfile);
		ctx->logfile = NULL;
		goto err;
	}
	if (ctx->logfile && !(ctx->logfile->f_mode & FMODE_STREAM))
		ctx->logpos = ctx->logfile->f_pos;

	if (uflags & ~valid) {
		ret = ckpt_err(ctx, -EINVAL, "unknown flags %#lx", uflags & ~valid);
		goto err;
	}

	file = fget(fd);
	if (!file) {
		ckpt_err(ctx, -EBADF, "bad image fd %d", fd);
		goto err;
	}
	ctx->file = file;
	if (kflags & CKPT_CTX_CHECKPOINT) {
		if (!(file->f_mode & FMODE_WRITE)) {
			ckpt_err(ctx, -EBADF, "image fd %d is not open for writing", fd);
			goto err;
		}
	} else if (!(file->f_mode & FMODE_READ)) {
		ckpt_err(ctx, -EBADF, "image fd %d is not open for reading", fd);
		goto err;
	}
	ctx->stream = !!(file->f_mode & FMODE_STREAM);
	if (!ctx->stream) {
		ctx->pos = file->f_pos;
		ctx->fpos = file->f_pos;
	}
	return ctx;
err:
	if (ctx->logfile)
		fput(ctx->logfile);
	if (ctx->file)
		fput(ctx->file);
	ckpt_obj_hash_free(ctx);
	kfree(ctx);
	return ERR_PTR(ret);
}

static void ckpt_ctx_free(struct ckpt_ctx *ctx)
{
	ckpt_obj_hash_free(ctx);
	if (ctx->file) {
		if (!ctx->stream)
			ctx->file->f_pos = ctx->pos;
		fput(ctx->file);
	}
	if (ctx->logfile) {
		if (!(ctx->logfile->f_mode & FMODE_STREAM))
			ctx->logfile->f_pos = ctx->logpos;
		fput(ctx->logfile);
	}
	kvfree(ctx->buf);
	kfree(ctx->tasks);
	kfree(ctx);
}

/*
 * A signal interrupted a read or write of the image (a pipe or socket
 * that waits): part of the stream is written or consumed, so the call
 * cannot be restarted from scratch.  SA_RESTART would write a second
 * header into the middle of a pipe, or read an image from its middle:
 * fail with EINTR instead.  -ERESTARTNOINTR is kept: it is never the
 * result of an interrupted read or write.
 */
static long ckpt_no_restart(long err)
{
	if (err == -ERESTARTSYS || err == -ERESTARTNOHAND ||
	    err == -ERESTART_RESTARTBLOCK)
		return -EINTR;
	return err;
}

/**
 * sys_checkpoint - save a task, a process tree or a container
 * @pid: the root task (0: the caller)
 * @fd: where to write the image
 * @flags: CHECKPOINT_*
 * @logfd: where to write the error line, or CHECKPOINT_FD_NONE
 *
 * Returns a positive checkpoint id, 0 in a task restored from a
 * self-checkpoint, or -errno.
 */
SYSCALL_DEFINE4(checkpoint, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct ckpt_ctx *ctx;
	long ret;

	ctx = ckpt_ctx_alloc(fd, flags, CKPT_CTX_CHECKPOINT, logfd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ctx->ckpt_id = atomic64_inc_return(&ckpt_id_counter);

	ret = ckpt_may(ctx);
	if (!ret)
		ret = do_checkpoint(ctx, pid);
	if (!ret)
		ret = ckpt_flush(ctx);
	if (!ret) {
		ret = ctx->ckpt_id;
	} else {
		ret = ckpt_no_restart(ret);
		ckpt_log_generic(ctx, ret);
	}
	ckpt_ctx_free(ctx);
	return ret;
}

/**
 * sys_restart - restore tasks from an image
 * @pid: 0 with RESTART_TASKSELF: the caller becomes the image's task;
 *       0 without it: the caller is a task the tree builder forked and
 *       waits for its coordinator; > 0: the caller coordinates the
 *       restart of the tree whose root task is @pid
 * @fd: the image (CHECKPOINT_FD_NONE for a forked task)
 * @flags: RESTART_*
 * @logfd: where to write the error line, or CHECKPOINT_FD_NONE
 *
 * A restored task does not return to the caller's context: it resumes
 * where it was checkpointed, and the value returned here is its saved
 * return register.  The coordinator gets 0 once every task is restored.
 */
SYSCALL_DEFINE4(restart, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct ckpt_ctx *ctx;
	long retval = 0;
	long ret;

	/* a task the tree builder forked, waiting for its coordinator */
	if (!pid && !(flags & (RESTART_TASKSELF | ~RESTART_USER_FLAGS)) &&
	    fd == CHECKPOINT_FD_NONE && logfd == CHECKPOINT_FD_NONE) {
		ret = restart_join(&retval);
		return ret ? ret : retval;
	}

	ctx = ckpt_ctx_alloc(fd, flags, CKPT_CTX_RESTART, logfd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	ret = ckpt_may(ctx);
	if (!ret)
		ret = do_restart(ctx, pid, &retval);
	if (ret) {
		ret = ckpt_no_restart(ret);
		ckpt_log_generic(ctx, ret);
		if (ctx->kflags & CKPT_CTX_NORETURN) {
			/*
			 * The caller is already partly replaced: it must
			 * never run again.
			 */
			force_fatal_sig(SIGKILL);
		}
	}
	ckpt_ctx_free(ctx);
	return ret ? ret : retval;
}
