// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: Unix98 pseudo-terminals and the controlling tty
 * of a session.
 *
 * A pty pair is one object, keyed by its master: termios of both ends,
 * window size, packet mode, the slave's lock (TIOCSPTLCK) and the
 * input each N_TTY line discipline holds.  Restart opens the ptmx the
 * pair came from, which makes a new pair in the same devpts instance
 * (so the slave's index may differ), then opens the slave from the
 * master, as TIOCGPTPEER does.  A pty whose master no saved task holds
 * (a login's terminal) stays what it was before: a slave reopened by
 * path.  A process whose controlling tty is the slave of a saved pair
 * gets it back, with the tty's foreground process group; /dev/tty is
 * reopened with the restored pair as the controlling tty.
 */

#include <linux/tty.h>		/* before devpts_fs.h, which uses it */
#include <linux/checkpoint.h>
#include <linux/devpts_fs.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "tty.h"

#define CKPT_PTMX_DEV		MKDEV(TTYAUX_MAJOR, 2)
#define CKPT_CTTY_DEV		MKDEV(TTYAUX_MAJOR, 0)
/* the record's data and its bitmap of line ends */
#define CKPT_TTY_EOL_BYTES	DIV_ROUND_UP(CKPT_TTY_DATA_MAX, 8)

/* The tty of a file of a tty (not hung up), or NULL */
static struct tty_struct *ckpt_file_tty(struct file *file)
{
	struct tty_file_private *priv = file->private_data;

	if (file->f_op->unlocked_ioctl != tty_ioctl || !priv)
		return NULL;
	return priv->tty;
}

/* Is @tty the @subtype end of a Unix98 pty? */
static bool ckpt_pty(struct tty_struct *tty, int subtype)
{
	return tty->driver->type == TTY_DRIVER_TYPE_PTY &&
	       tty->driver->subtype == subtype &&
	       (tty->driver->flags & TTY_DRIVER_DEVPTS_MEM);
}

static struct tty_struct *ckpt_pty_master(struct tty_struct *tty)
{
	return ckpt_pty(tty, PTY_TYPE_MASTER) ? tty : tty->link;
}

/* The master's file (ptmx opens one per pair), with a reference */
static struct file *ckpt_pty_master_file(struct tty_struct *master)
{
	struct tty_file_private *priv;
	struct file *file = NULL;

	spin_lock(&master->files_lock);
	priv = list_first_entry_or_null(&master->tty_files,
					struct tty_file_private, list);
	if (priv)
		file = get_file(priv->file);
	spin_unlock(&master->files_lock);
	return file;
}

static int ckpt_fd_is(const void *p, struct file *file, unsigned int fd)
{
	return file == p;
}

static bool ckpt_task_holds(struct task_struct *t, struct file *file)
{
	struct files_struct *files;
	bool found = false;

	task_lock(t);
	files = t->files;
	if (files)
		atomic_inc(&files->count);
	task_unlock(t);
	if (files) {
		found = iterate_fd(files, 0, ckpt_fd_is, file) != 0;
		put_files_struct(files);
	}
	return found;
}

/* Is the pair saved, or does a saved task hold its master? */
static bool ckpt_pty_saved(struct ckpt_ctx *ctx, struct tty_struct *master)
{
	struct file *file;
	bool found = false;
	unsigned int i;

	if (ckpt_obj_lookup(ctx, master))
		return true;
	file = ckpt_pty_master_file(master);
	if (!file)
		return false;
	for (i = 0; i < ctx->nr_tasks && !found; i++)
		found = ckpt_task_holds(ctx->tasks[i], file);
	fput(file);
	return found;
}

/* The pair */

static void tty_grab(void *ptr)
{
	tty_kref_get(ptr);
}

static void tty_drop(void *ptr)
{
	tty_kref_put(ptr);
}

static void ckpt_termios_save(struct tty_struct *tty, struct ckpt_termios *t)
{
	struct ktermios kt;

	down_read(&tty->termios_rwsem);
	kt = tty->termios;
	up_read(&tty->termios_rwsem);
	BUILD_BUG_ON(NCCS != CKPT_TTY_NCCS);
	t->c_iflag = kt.c_iflag;
	t->c_oflag = kt.c_oflag;
	t->c_cflag = kt.c_cflag;
	t->c_lflag = kt.c_lflag;
	t->c_ispeed = kt.c_ispeed;
	t->c_ospeed = kt.c_ospeed;
	t->c_line = kt.c_line;
	memcpy(t->c_cc, kt.c_cc, NCCS);
}

/* The input @tty holds, in a CKPT_HDR_TTY_DATA record */
static int checkpoint_tty_data(struct ckpt_ctx *ctx, struct tty_struct *tty,
			       u32 side)
{
	struct ckpt_hdr_tty_data h = {
		.h = { .type = CKPT_HDR_TTY_DATA },
		.side = side,
	};
	unsigned long *eol;
	u8 *buf, *bits;
	int n, i, ret;

	buf = kzalloc(CKPT_TTY_DATA_MAX + CKPT_TTY_EOL_BYTES, GFP_KERNEL);
	eol = bitmap_zalloc(N_TTY_BUF_SIZE, GFP_KERNEL);
	if (!buf || !eol) {
		ret = -ENOMEM;
		goto out;
	}
	BUILD_BUG_ON(N_TTY_BUF_SIZE != CKPT_TTY_DATA_MAX);
	/* the input, as flush_to_ldisc() would find it */
	tty_buffer_lock_exclusive(tty->port);
	n = n_tty_ckpt_peek(tty, buf, eol);
	tty_buffer_unlock_exclusive(tty->port);
	if (n < 0) {
		ret = ckpt_err(ctx, n, "pty %s: %s", tty->name,
			       n == -EOPNOTSUPP ?
			       "line disciplines other than N_TTY are not supported" :
			       "cannot read its input");
		goto out;
	}
	bits = buf + n;
	for (i = 0; i < n; i++)
		if (test_bit(i, eol))
			bits[i / 8] |= 1 << (i % 8);
	h.len = n;
	ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), buf,
				  n + DIV_ROUND_UP(n, 8));
out:
	bitmap_free(eol);
	kfree(buf);
	return ret;
}

static int checkpoint_tty(struct ckpt_ctx *ctx, void *ptr)
{
	struct tty_struct *master = ptr, *slave = master->link;
	struct ckpt_hdr_tty h = {
		.h = { .type = CKPT_HDR_TTY },
	};
	struct winsize ws;
	struct file *file;
	char *buf, *path;
	int ret;

	file = ckpt_pty_master_file(master);
	if (!file)
		return ckpt_err(ctx, -EBUSY, "pty %s: its master is being closed",
				slave->name);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf) {
		fput(file);
		return -ENOMEM;
	}
	path = d_path(&file->f_path, buf, PATH_MAX);
	fput(file);
	if (IS_ERR(path)) {
		ret = ckpt_err(ctx, PTR_ERR(path), "pty %s: the path of its ptmx is too long",
			       slave->name);
		goto out;
	}

	/* what the writers queued, into the line disciplines */
	tty_buffer_flush_work(slave->port);
	tty_buffer_flush_work(master->port);

	h.index = slave->index;
	if (test_bit(TTY_PTY_LOCK, &master->flags))
		h.flags |= CKPT_TTY_LOCKED;
	if (test_bit(TTY_OTHER_CLOSED, &master->flags))
		h.flags |= CKPT_TTY_SLAVE_CLOSED;
	spin_lock_irq(&master->ctrl.lock);
	if (master->ctrl.packet)
		h.flags |= CKPT_TTY_PACKET;
	spin_unlock_irq(&master->ctrl.lock);
	/* what a packet mode read of the master reports first */
	spin_lock_irq(&slave->ctrl.lock);
	h.pktstatus = slave->ctrl.pktstatus;
	spin_unlock_irq(&slave->ctrl.lock);
	mutex_lock(&slave->winsize_mutex);
	ws = slave->winsize;
	mutex_unlock(&slave->winsize_mutex);
	h.winsize.ws_row = ws.ws_row;
	h.winsize.ws_col = ws.ws_col;
	h.winsize.ws_xpixel = ws.ws_xpixel;
	h.winsize.ws_ypixel = ws.ws_ypixel;
	ckpt_termios_save(master, &h.master_termios);
	ckpt_termios_save(slave, &h.slave_termios);
	h.ptmx_len = strlen(path) + 1;

	ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), path, h.ptmx_len);
	if (!ret)
		ret = checkpoint_tty_data(ctx, master, CKPT_TTY_MASTER);
	if (!ret)
		ret = checkpoint_tty_data(ctx, slave, CKPT_TTY_SLAVE);
out:
	kfree(buf);
	return ret;
}

/* restart: the new pair's master file, and a file of its slave */
struct ckpt_tty_restore {
	struct file *master;
	struct file *slave;
	struct tty_struct *tty;		/* the master */
	bool master_used;		/* by a file of the image */
};

static void tty_restore_drop(void *ptr)
{
	struct ckpt_tty_restore *r = ptr;

	if (r->slave)
		fput(r->slave);
	if (r->master)
		fput(r->master);
	kfree(r);
}

/* Open the slave of @r's pair, as TIOCGPTPEER does */
static struct file *ckpt_pty_open_slave(struct ckpt_tty_restore *r, int flags)
{
	struct file *file;
	struct path path;
	bool locked;

	path.mnt = devpts_mntget(r->master, r->tty->driver_data);
	if (IS_ERR(path.mnt))
		return ERR_CAST(path.mnt);
	path.dentry = r->tty->link->driver_data;
	/* a locked pty is the tasks' business, not restart's */
	locked = test_and_clear_bit(TTY_PTY_LOCK, &r->tty->flags);
	file = dentry_open(&path, flags | O_NOCTTY, current_cred());
	if (locked)
		set_bit(TTY_PTY_LOCK, &r->tty->flags);
	mntput(path.mnt);
	return file;
}

static int restore_termios(struct tty_struct *tty, const struct ckpt_termios *t)
{
	struct ktermios kt = {
		.c_iflag = t->c_iflag,
		.c_oflag = t->c_oflag,
		.c_cflag = t->c_cflag,
		.c_lflag = t->c_lflag,
		.c_line = t->c_line,
		.c_ispeed = t->c_ispeed,
		.c_ospeed = t->c_ospeed,
	};

	memcpy(kt.c_cc, t->c_cc, NCCS);
	return tty_set_termios(tty, &kt);
}

static int restore_tty_data(struct ckpt_ctx *ctx, struct tty_struct *tty,
			    u32 side)
{
	struct ckpt_hdr_tty_data *h;
	unsigned long *eol;
	const u8 *bits;
	u32 i;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TTY_DATA, sizeof(*h),
			       sizeof(*h) + ckpt_align(CKPT_TTY_DATA_MAX +
						       CKPT_TTY_EOL_BYTES));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->side != side || h->len > CKPT_TTY_DATA_MAX ||
	    h->h.len != ckpt_align(sizeof(*h) + h->len + DIV_ROUND_UP(h->len, 8))) {
		ret = ckpt_err(ctx, -EINVAL, "pty data record is malformed");
		goto out;
	}
	eol = bitmap_zalloc(N_TTY_BUF_SIZE, GFP_KERNEL);
	if (!eol) {
		ret = -ENOMEM;
		goto out;
	}
	bits = (const u8 *)(h + 1) + h->len;
	for (i = 0; i < h->len; i++)
		if (bits[i / 8] & (1 << (i % 8)))
			__set_bit(i, eol);
	tty_buffer_lock_exclusive(tty->port);
	ret = n_tty_ckpt_fill(tty, (const u8 *)(h + 1), eol, h->len);
	tty_buffer_unlock_exclusive(tty->port);
	bitmap_free(eol);
	if (ret)
		ckpt_err(ctx, ret, "pty %s: cannot queue its input again", tty->name);
out:
	ckpt_free(h);
	return ret;
}

/* A path to a device @dev, checked before it is opened */
static int ckpt_tty_path_check(struct ckpt_ctx *ctx, const char *path, dev_t dev)
{
	struct path p;
	bool same;
	int ret;

	if (path[0] != '/')
		return ckpt_err(ctx, -EINVAL, "tty path %s is not absolute", path);
	ret = kern_path(path, LOOKUP_FOLLOW, &p);
	if (ret)
		return ckpt_err(ctx, ret, "cannot find %s", path);
	same = S_ISCHR(d_inode(p.dentry)->i_mode) && d_inode(p.dentry)->i_rdev == dev;
	path_put(&p);
	if (!same)
		return ckpt_err(ctx, -EINVAL, "%s is not the device %u:%u", path,
				MAJOR(dev), MINOR(dev));
	return 0;
}

static int restore_tty_state(struct ckpt_ctx *ctx, struct ckpt_tty_restore *r,
			     const struct ckpt_hdr_tty *h)
{
	struct tty_struct *master = r->tty, *slave = master->link;
	struct winsize ws = {
		.ws_row = h->winsize.ws_row,
		.ws_col = h->winsize.ws_col,
		.ws_xpixel = h->winsize.ws_xpixel,
		.ws_ypixel = h->winsize.ws_ypixel,
	};
	int ret;

	/* the master's termios is the driver's: TCSETS on it sets the slave's */
	ret = restore_termios(slave, &h->slave_termios);
	if (!ret)
		ret = tty_do_resize(slave, &ws);
	if (ret)
		return ckpt_err(ctx, ret, "pty %s: cannot set its termios or size",
				slave->name);
	ret = restore_tty_data(ctx, master, CKPT_TTY_MASTER);
	if (!ret)
		ret = restore_tty_data(ctx, slave, CKPT_TTY_SLAVE);
	if (ret)
		return ret;
	spin_lock_irq(&master->ctrl.lock);
	master->ctrl.packet = h->flags & CKPT_TTY_PACKET;
	spin_unlock_irq(&master->ctrl.lock);
	spin_lock_irq(&slave->ctrl.lock);
	slave->ctrl.pktstatus = h->pktstatus;
	spin_unlock_irq(&slave->ctrl.lock);
	if (h->flags & CKPT_TTY_LOCKED)
		set_bit(TTY_PTY_LOCK, &master->flags);
	return 0;
}

static void *restore_tty(struct ckpt_ctx *ctx)
{
	struct ckpt_tty_restore *r = NULL;
	struct tty_struct *tty;
	struct ckpt_hdr_tty *h;
	char *path;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TTY, sizeof(*h) + 2,
			       sizeof(*h) + ckpt_align(CKPT_PATH_MAX));
	if (IS_ERR(h))
		return h;
	path = (char *)(h + 1);
	if (h->ptmx_len < 2 || h->ptmx_len > CKPT_PATH_MAX ||
	    ckpt_align(sizeof(*h) + h->ptmx_len) != h->h.len ||
	    strnlen(path, h->ptmx_len) != h->ptmx_len - 1 ||
	    (h->flags & ~CKPT_TTY_FLAGS) || h->pktstatus > U8_MAX) {
		ckpt_err(ctx, ret, "pty record is malformed");
		goto out;
	}
	ret = ckpt_tty_path_check(ctx, path, CKPT_PTMX_DEV);
	if (ret)
		goto out;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	r->master = filp_open(path, O_RDWR | O_NOCTTY | O_LARGEFILE, 0);
	if (IS_ERR(r->master)) {
		ret = ckpt_err(ctx, PTR_ERR(r->master), "cannot open %s", path);
		r->master = NULL;
		goto out;
	}
	tty = ckpt_file_tty(r->master);
	if (!tty || !ckpt_pty(tty, PTY_TYPE_MASTER)) {
		ret = ckpt_err(ctx, -EINVAL, "%s did not make a pty", path);
		goto out;
	}
	r->tty = tty;
	/* ptmx locks the new slave: open it first */
	clear_bit(TTY_PTY_LOCK, &tty->flags);
	r->slave = ckpt_pty_open_slave(r, O_RDWR | O_LARGEFILE);
	if (IS_ERR(r->slave)) {
		ret = ckpt_err(ctx, PTR_ERR(r->slave), "cannot open the slave of %s",
			       path);
		r->slave = NULL;
		goto out;
	}
	ret = restore_tty_state(ctx, r, h);
	if (ret)
		goto out;
	/* the master reads EIO once the slave's last file is closed */
	if (h->flags & CKPT_TTY_SLAVE_CLOSED) {
		fput(r->slave);
		r->slave = NULL;
	}
out:
	ckpt_free(h);
	if (!ret)
		return r;
	if (r)
		tty_restore_drop(r);
	return ERR_PTR(ret);
}

static const struct ckpt_obj_ops ckpt_tty_ops = {
	.obj_type = CKPT_OBJ_TTY,
	.obj_name = "pty",
	.ref_grab = tty_grab,
	.ref_drop = tty_drop,
	.checkpoint = checkpoint_tty,
	.restore = restore_tty,
	.restore_drop = tty_restore_drop,
};

/* The files of a pair: its master, its slave, /dev/tty */

static bool tty_file_match(struct file *file)
{
	struct tty_struct *tty = ckpt_file_tty(file);

	return tty && (ckpt_pty(tty, PTY_TYPE_MASTER) ||
		       ckpt_pty(tty, PTY_TYPE_SLAVE));
}

static int tty_file_prepare(struct ckpt_ctx *ctx, struct file *file,
			    struct ckpt_hdr_file *h)
{
	struct tty_struct *tty = ckpt_file_tty(file);
	struct tty_struct *master = ckpt_pty_master(tty);
	int objref;

	if (file->f_flags & FASYNC)
		return ckpt_err(ctx, -EOPNOTSUPP, "O_ASYNC on a pty is not supported");
	if (tty == master) {
		if ((file->f_flags & O_ACCMODE) != O_RDWR)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"a pty master not open for reading and writing is not supported");
	} else if (!ckpt_pty_saved(ctx, master)) {
		/* a terminal of the outside world: reopened by path */
		h->file_type = CKPT_FILE_CHRDEV;
		return 0;
	}
	objref = checkpoint_obj(ctx, master, CKPT_OBJ_TTY);
	if (objref < 0)
		return objref;
	h->obj_objref = objref;
	return 0;
}

/* /dev/tty, opened while the pair's slave is current's controlling tty */
static struct file *restore_dev_tty(struct ckpt_ctx *ctx,
				    struct ckpt_tty_restore *r,
				    const char *path, unsigned int f_flags)
{
	struct tty_struct *old, *slave = r->tty->link;
	struct file *file;
	int ret;

	ret = ckpt_tty_path_check(ctx, path, CKPT_CTTY_DEV);
	if (ret)
		return ERR_PTR(ret);
	old = tty_ckpt_swap_ctty(slave);
	file = filp_open(path, f_flags | O_NOCTTY, 0);
	tty_kref_put(tty_ckpt_swap_ctty(old));
	tty_kref_put(old);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen %s", path);
		return file;
	}
	if (ckpt_file_tty(file) != slave) {
		fput(file);
		ckpt_err(ctx, -EINVAL, "%s is not the restored pty", path);
		return ERR_PTR(-EINVAL);
	}
	return file;
}

static struct file *tty_file_restore(struct ckpt_ctx *ctx,
				     struct ckpt_hdr_file *h)
{
	const char *path = (const char *)(h + 1);
	struct ckpt_tty_restore *r;
	struct file *file;
	dev_t dev;

	r = ckpt_obj_fetch(ctx, h->obj_objref, CKPT_OBJ_TTY);
	if (IS_ERR(r))
		return ERR_CAST(r);
	dev = new_decode_dev(h->rdev);
	if (!S_ISCHR(h->i_mode) ||
	    (h->f_flags & (O_PATH | O_DIRECTORY | FASYNC | __O_SYNC | O_DIRECT))) {
		ckpt_err(ctx, -EINVAL, "pty file record: bad mode %o or flags %#x",
			 h->i_mode, h->f_flags);
		return ERR_PTR(-EINVAL);
	}
	if (dev == CKPT_PTMX_DEV) {
		if ((h->f_flags & O_ACCMODE) != O_RDWR || r->master_used) {
			ckpt_err(ctx, -EINVAL, "pty master file record is malformed");
			return ERR_PTR(-EINVAL);
		}
		r->master_used = true;
		file = get_file(r->master);
		spin_lock(&file->f_lock);
		file->f_flags = (file->f_flags & ~O_NONBLOCK) |
				(h->f_flags & O_NONBLOCK);
		spin_unlock(&file->f_lock);
		return file;
	}
	if (dev == CKPT_CTTY_DEV)
		return restore_dev_tty(ctx, r, path, h->f_flags);
	if (MAJOR(dev) < UNIX98_PTY_SLAVE_MAJOR ||
	    MAJOR(dev) >= UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT) {
		ckpt_err(ctx, -EINVAL, "pty file record: bad device %u:%u",
			 MAJOR(dev), MINOR(dev));
		return ERR_PTR(-EINVAL);
	}
	file = ckpt_pty_open_slave(r, h->f_flags);
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot open the slave of pty %s",
			 r->tty->name);
	return file;
}

static const struct ckpt_file_ops ckpt_tty_file_ops = {
	.file_type = CKPT_FILE_TTY,
	.match = tty_file_match,
	.prepare = tty_file_prepare,
	.restore = tty_file_restore,
};

/* The controlling tty of a process */

static struct tty_struct *ckpt_task_ctty(struct task_struct *t)
{
	struct tty_struct *tty = NULL;
	unsigned long flags;

	if (lock_task_sighand(t, &flags)) {
		tty = tty_kref_get(t->signal->tty);
		unlock_task_sighand(t, &flags);
	}
	return tty;
}

/**
 * checkpoint_ctty_obj - save the pair whose slave is @t's controlling tty
 * @ctx: checkpoint context
 * @t: the process
 *
 * Returns the pair's objref, 0 if @t has no controlling tty of a saved
 * pair, or -errno.
 */
int checkpoint_ctty_obj(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct tty_struct *tty = ckpt_task_ctty(t);
	int ret = 0;

	if (!tty)
		return 0;
	if (ckpt_pty(tty, PTY_TYPE_SLAVE) && ckpt_pty_saved(ctx, tty->link))
		ret = checkpoint_obj(ctx, tty->link, CKPT_OBJ_TTY);
	tty_kref_put(tty);
	return ret;
}

/**
 * checkpoint_ctty - write @t's CKPT_HDR_CTTY record
 * @ctx: checkpoint context
 * @t: the process
 * @objref: what checkpoint_ctty_obj() returned, > 0
 */
int checkpoint_ctty(struct ckpt_ctx *ctx, struct task_struct *t, int objref)
{
	struct ckpt_hdr_ctty h = {
		.h = { .type = CKPT_HDR_CTTY, .len = sizeof(h) },
		.tty_objref = objref,
	};
	struct tty_struct *tty = ckpt_task_ctty(t);
	struct pid *pgrp, *session;
	bool same;

	if (!tty)
		return ckpt_err(ctx, -EBUSY, "the controlling tty went away");
	spin_lock_irq(&tty->ctrl.lock);
	pgrp = get_pid(tty->ctrl.pgrp);
	session = get_pid(tty->ctrl.session);
	spin_unlock_irq(&tty->ctrl.lock);
	rcu_read_lock();
	same = session == task_session(t);
	if (pgrp && pid_task(pgrp, PIDTYPE_PGID))
		h.pgrp = pid_nr_ns(pgrp, task_active_pid_ns(t));
	rcu_read_unlock();
	put_pid(pgrp);
	put_pid(session);
	tty_kref_put(tty);
	if (!same)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a controlling tty that is not the session's is not supported");
	return ckpt_write_obj(ctx, &h.h);
}

struct ckpt_ctty_restore {
	struct ckpt_tty_restore *pair;
	pid_t pgrp;
};

/**
 * restore_ctty_read - read a CKPT_HDR_CTTY record if one comes next
 * @ctx: restart context
 *
 * Returns what restore_ctty() needs, NULL if there is no record, or
 * an ERR_PTR.
 */
void *restore_ctty_read(struct ckpt_ctx *ctx)
{
	struct ckpt_ctty_restore *c;
	struct ckpt_tty_restore *r;
	struct ckpt_hdr_ctty h;
	int ret;

	ret = ckpt_peek_type(ctx);
	if (ret != CKPT_HDR_CTTY)
		return ret < 0 ? ERR_PTR(ret) : NULL;
	ret = ckpt_read_hdr_type(ctx, &h.h, CKPT_HDR_CTTY, sizeof(h), sizeof(h));
	if (!ret)
		ret = ckpt_kread(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ERR_PTR(ret);
	if (h.pgrp < 0 || h.pgrp >= PID_MAX_LIMIT) {
		ckpt_err(ctx, -EINVAL, "controlling tty record: bad process group %d",
			 h.pgrp);
		return ERR_PTR(-EINVAL);
	}
	r = ckpt_obj_fetch(ctx, h.tty_objref, CKPT_OBJ_TTY);
	if (IS_ERR(r))
		return r;
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->pair = r;
	c->pgrp = h.pgrp;
	return c;
}

/**
 * restore_ctty - make the restored pair current's controlling tty
 * @ctx: restart context
 * @ptr: what restore_ctty_read() returned, or NULL
 *
 * The tree builder made the sessions and process groups: the first
 * process of the session to get here gives the tty its session and
 * foreground process group.  A task restarted in place (RESTART_TASKSELF)
 * stays in the caller's session, with the caller's controlling tty.
 */
int restore_ctty(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_ctty_restore *c = ptr;
	struct tty_struct *slave;
	struct pid *pgrp = NULL;
	int ret;

	/* a task restarted in place stays in the caller's session */
	if (!c || (ctx->uflags & RESTART_TASKSELF))
		return 0;
	slave = c->pair->tty->link;
	if (c->pgrp) {
		struct task_struct *p;
		bool ok = false;

		rcu_read_lock();
		pgrp = find_vpid(c->pgrp);
		p = pgrp ? pid_task(pgrp, PIDTYPE_PGID) : NULL;
		if (p && task_session(p) == task_session(current)) {
			get_pid(pgrp);
			ok = true;
		}
		rcu_read_unlock();
		if (!ok)
			return ckpt_err(ctx, -EINVAL,
					"controlling tty: process group %d is not in the session",
					c->pgrp);
	}
	ret = tty_ckpt_set_ctty(slave, pgrp);
	put_pid(pgrp);
	if (ret)
		return ckpt_err(ctx, ret, "pty %s is the controlling tty of another session",
				slave->name);
	return 0;
}

void restore_ctty_free(void *ptr)
{
	kfree(ptr);
}

static int __init checkpoint_tty_init(void)
{
	int ret;

	ret = ckpt_register_obj_ops(&ckpt_tty_ops);
	if (!ret)
		ret = ckpt_register_file_ops(&ckpt_tty_file_ops);
	return ret;
}
late_initcall(checkpoint_tty_init);
