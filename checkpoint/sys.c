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

/**
 * ckpt_kwrite - write @len bytes of @buf to the image
 * @ctx: checkpoint context
 * @buf: kernel buffer
 * @len: bytes
 *
 * Loops over short writes (pipes, sockets).  Returns 0 or -errno.
 */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	while (len) {
		loff_t pos = ctx->pos;
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_write(ctx->file, buf, len, ctx->stream ? NULL : &pos);
		if (n < 0)
			return n;
		if (n == 0)
			return -EIO;
		ctx->pos += n;
		buf += n;
		len -= n;
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
	while (len) {
		loff_t pos = ctx->pos;
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_read(ctx->file, buf, len, ctx->stream ? NULL : &pos);
		if (n < 0)
			return n;
		if (n == 0)
			return ckpt_err(ctx, -EINVAL,
					"image truncated at offset %lld",
					ctx->pos);
		ctx->pos += n;
		buf += n;
		len -= n;
	}
	return 0;
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

/*
 * Objects precede their first reference: restore every CKPT_HDR_OBJREF
 * found before the record the caller wants.
 */
static int ckpt_read_objects(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	struct ckpt_hdr_objref ref;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr(ctx, h);
		if (ret)
			return ret;
		if (h->type != CKPT_HDR_OBJREF)
			return 0;
		if (!ctx->objs_ok && !ctx->depth)
			return ckpt_err(ctx, -EINVAL,
					"object record at offset %lld, where none may be",
					ctx->pos - (loff_t)sizeof(*h));
		if (h->len != sizeof(ref))
			return ckpt_err(ctx, -EINVAL,
					"objref record: bad length %u", h->len);
		ref.h = *h;
		ret = ckpt_kread(ctx, &ref.h + 1, sizeof(ref) - sizeof(*h));
		if (ret)
			return ret;
		if (ctx->depth >= CKPT_DEPTH_MAX)
			return ckpt_err(ctx, -EINVAL,
					"objects nested too deep at objref %d",
					ref.objref);
		ctx->depth++;
		ret = ckpt_obj_restore(ctx, &ref);
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

	if (msg) {
		size_t i, len = strlen(msg);

		/* one line, whatever the image's strings hold */
		for (i = 0; i + 1 < len; i++)
			if (iscntrl(msg[i]))
				msg[i] = '?';
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
	if (!ctx->stream)
		ctx->pos = file->f_pos;
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
