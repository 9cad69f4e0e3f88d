// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: file locks.
 *
 * flock(2) and OFD locks belong to an open file: they are saved after
 * the file's records and taken again when the file is restored.  POSIX
 * record locks belong to an fd table (the processes sharing it): they
 * are saved after the table and taken again through the restored fds
 * once a task installed the table, so that the lock's owner and pid
 * are that task's.  Locks are only ever taken through the kernel's
 * lock code; one that someone else's lock now blocks makes restart
 * fail with EBUSY.  Blocked lock requests are not state of their own:
 * the task sleeping in flock() or F_SETLKW restarts the system call.
 *
 * A lease (F_SETLEASE) belongs to an open file, but its break is
 * signalled through the fd it was taken with (fasync) to the file's
 * owner: it is saved with the POSIX locks of an fd table that holds the
 * file, with that fd, and taken again with fcntl(F_SETLEASE)'s own code
 * by the task that installs the table, which becomes the file's owner,
 * as the task that took it was; the F_SETSIG signal goes along.  A
 * lease being broken, or on a file no fd table of the image holds, is
 * refused.
 */

#include <linux/checkpoint.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>

/* The locks of one list that match, in image form, with their files */
struct ckpt_lock_scan {
	struct ckpt_file_lock *locks;
	struct file **files;		/* the file of each lock, or NULL */
	unsigned int nr, max;
};

enum ckpt_lock_list { CKPT_LIST_FLOCK, CKPT_LIST_OFD, CKPT_LIST_POSIX };

static bool ckpt_lock_match(struct file_lock *fl, enum ckpt_lock_list list,
			    const void *owner)
{
	switch (list) {
	case CKPT_LIST_FLOCK:
		return fl->c.flc_file == owner;
	case CKPT_LIST_OFD:
		return (fl->c.flc_flags & FL_OFDLCK) && fl->c.flc_file == owner;
	default:
		return !(fl->c.flc_flags & FL_OFDLCK) && fl->c.flc_owner == owner;
	}
}

/*
 * Add the locks of @flctx's list that belong to @owner to @s, as far as
 * there is room; count them all in s->nr.
 */
static void ckpt_lock_scan(struct file_lock_context *flctx,
			   enum ckpt_lock_list list, const void *owner,
			   struct ckpt_lock_scan *s, pid_t pid)
{
	struct list_head *head = list == CKPT_LIST_FLOCK ? &flctx->flc_flock :
				 &flctx->flc_posix;
	struct file_lock *fl;

	spin_lock(&flctx->flc_lock);
	for_each_file_lock(fl, head) {
		struct ckpt_file_lock *l;

		if (!ckpt_lock_match(fl, list, owner))
			continue;
		if (s->nr < s->max) {
			l = &s->locks[s->nr];
			l->kind = list == CKPT_LIST_FLOCK ? CKPT_LOCK_FLOCK :
				  list == CKPT_LIST_OFD ? CKPT_LOCK_OFD :
				  CKPT_LOCK_POSIX;
			l->type = lock_is_write(fl) ? CKPT_LOCK_WRITE :
				  CKPT_LOCK_READ;
			l->start = fl->fl_start;
			l->end = fl->fl_end;
			l->fd = -1;
			l->pid = pid;
			if (s->files)
				s->files[s->nr] = fl->c.flc_file;
		}
		s->nr++;
	}
	spin_unlock(&flctx->flc_lock);
}

static int ckpt_lock_scan_grow(struct ckpt_lock_scan *s, unsigned int max,
			       bool files)
{
	struct ckpt_file_lock *locks;
	struct file **farr = NULL;

	if (max <= s->max)
		return 0;
	if (max > CKPT_LOCKS_MAX)
		return -E2BIG;
	locks = kvcalloc(max, sizeof(*locks), GFP_KERNEL);
	if (files)
		farr = kvcalloc(max, sizeof(*farr), GFP_KERNEL);
	if (!locks || (files && !farr)) {
		kvfree(locks);
		kvfree(farr);
		return -ENOMEM;
	}
	if (s->max) {
		memcpy(locks, s->locks, s->max * sizeof(*locks));
		if (files)
			memcpy(farr, s->files, s->max * sizeof(*farr));
	}
	kvfree(s->locks);
	kvfree(s->files);
	s->locks = locks;
	s->files = farr;
	s->max = max;
	return 0;
}

static void ckpt_lock_scan_free(struct ckpt_lock_scan *s)
{
	kvfree(s->locks);
	kvfree(s->files);
}

/*
 * Scan @list of @flctx into @s until everything fits.  The saved tasks
 * are quiescent: only outsiders' locks, which do not match, come and go.
 */
static int ckpt_lock_scan_all(struct file_lock_context *flctx,
			      enum ckpt_lock_list list, const void *owner,
			      struct ckpt_lock_scan *s, pid_t pid)
{
	unsigned int base = s->nr;
	int ret;

	for (;;) {
		s->nr = base;
		ckpt_lock_scan(flctx, list, owner, s, pid);
		if (s->nr <= s->max)
			return 0;
		ret = ckpt_lock_scan_grow(s, s->nr + 8, s->files);
		if (ret)
			return ret;
	}
}

static int ckpt_write_locks(struct ckpt_ctx *ctx, struct ckpt_lock_scan *s)
{
	struct ckpt_hdr_file_locks h = {
		.h = { .type = CKPT_HDR_FILE_LOCKS },
		.nr_locks = s->nr,
	};

	return ckpt_write_hdr_data(ctx, &h.h, sizeof(h), s->locks,
				   s->nr * sizeof(s->locks[0]));
}

/*
 * The lease @file holds, in image form in @l (fd: the one it was taken
 * with, -1 if unknown): 1 if it holds one, 0 if not, -EBUSY if the
 * lease is being broken
 */
static int ckpt_file_lease(struct file_lock_context *flctx, struct file *file,
			   struct ckpt_file_lock *l)
{
	struct fown_struct *fown = file_f_owner(file);
	struct file_lease *fl;
	int ret = 0;

	spin_lock(&flctx->flc_lock);
	list_for_each_entry(fl, &flctx->flc_lease, c.flc_list) {
		if (fl->c.flc_file != file || !(fl->c.flc_flags & FL_LEASE))
			continue;
		if (fl->c.flc_flags & (FL_UNLOCK_PENDING | FL_DOWNGRADE_PENDING)) {
			ret = -EBUSY;
			break;
		}
		l->kind = CKPT_LOCK_LEASE;
		l->type = fl->c.flc_type == F_WRLCK ? CKPT_LOCK_WRITE : CKPT_LOCK_READ;
		l->start = fown ? READ_ONCE(fown->signum) : 0;
		l->end = CKPT_LOCK_EOF;
		l->fd = fl->fl_fasync ? READ_ONCE(fl->fl_fasync->fa_fd) : -1;
		ret = 1;
		break;
	}
	spin_unlock(&flctx->flc_lock);
	return ret;
}

/*
 * Does an fd table of the image hold @file?  Its lease is saved with
 * that table (see checkpoint_posix_locks()); a file held only elsewhere
 * (in flight in a socket's queue, by a mapping) would lose it.
 */
static bool ckpt_file_in_fd_table(struct ckpt_ctx *ctx, struct file *file)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ckpt_task_has_file(ctx->tasks[i], file))
			return true;
	return false;
}

/**
 * checkpoint_file_locks - save the flock and OFD locks @file owns
 * @ctx: checkpoint context
 * @file: the file, whose records were just written
 *
 * Writes a CKPT_HDR_FILE_LOCKS record when there are any.
 */
int checkpoint_file_locks(struct ckpt_ctx *ctx, struct file *file)
{
	struct file_lock_context *flctx = locks_inode_context(file_inode(file));
	struct ckpt_lock_scan s = {};
	int ret;

	if (!flctx)
		return 0;
	/* its fd table saves its lease: see checkpoint_posix_locks() */
	if (!list_empty_careful(&flctx->flc_lease)) {
		struct ckpt_file_lock l;

		if (ckpt_file_lease(flctx, file, &l) &&
		    !ckpt_file_in_fd_table(ctx, file))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"a file lease on a file that no fd of the image holds: not supported");
	}
	ret = ckpt_lock_scan_all(flctx, CKPT_LIST_FLOCK, file, &s, ctx->tsk_pid);
	if (!ret)
		ret = ckpt_lock_scan_all(flctx, CKPT_LIST_OFD, file, &s, ctx->tsk_pid);
	if (ret == -E2BIG)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "more than %d locks", CKPT_LOCKS_MAX);
	if (!ret && s.nr)
		ret = ckpt_write_locks(ctx, &s);
	ckpt_lock_scan_free(&s);
	return ret;
}

/* Has the inode of farr[i] been met before in the table */
static bool ckpt_inode_seen(struct file **farr, unsigned int i)
{
	struct inode *inode = file_inode(farr[i]);
	unsigned int j;

	for (j = 0; j < i; j++)
		if (file_inode(farr[j]) == inode)
			return true;
	return false;
}

/*
 * Add to @s the lease of the file of fd ents[@i], met there first, with
 * the fd it was taken with if the table holds the file there, else
 * ents[@i].fd
 */
static int ckpt_lease_scan(struct ckpt_ctx *ctx, struct file **farr,
			   const struct ckpt_fd_ent *ents, unsigned int nr,
			   unsigned int i, struct ckpt_lock_scan *s)
{
	struct file_lock_context *flctx = locks_inode_context(file_inode(farr[i]));
	struct ckpt_file_lock l = {};
	unsigned int j;
	int ret;

	if (!flctx || list_empty_careful(&flctx->flc_lease))
		return 0;
	for (j = 0; j < i; j++)
		if (farr[j] == farr[i])
			return 0;
	ret = ckpt_file_lease(flctx, farr[i], &l);
	if (ret == -EBUSY)
		return ckpt_err(ctx, -EOPNOTSUPP, "fd %d: a file lease being broken: not supported",
				ents[i].fd);
	if (ret <= 0)
		return ret;
	for (j = i; j < nr; j++)
		if (ents[j].fd == l.fd && farr[j] == farr[i])
			break;
	if (j == nr)
		l.fd = ents[i].fd;
	l.pid = ctx->tsk_pid;
	if (s->nr >= s->max) {
		ret = ckpt_lock_scan_grow(s, s->nr + 8, true);
		if (ret)
			return ret;
	}
	s->files[s->nr] = farr[i];
	s->locks[s->nr++] = l;
	return 0;
}

/**
 * checkpoint_posix_locks - save the POSIX locks an fd table owns
 * @ctx: checkpoint context
 * @files: the table
 * @farr: its files
 * @ents: their fds, sorted
 * @nr: how many
 *
 * Every lock is on the inode of one of the table's files (closing any
 * fd of an inode drops the table's locks on it); it is saved with the
 * fd of the file it was taken through, else of a file of the inode.
 * Writes a CKPT_HDR_FILE_LOCKS record after the table when there are
 * any.
 */
int checkpoint_posix_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			   struct file **farr, const struct ckpt_fd_ent *ents,
			   unsigned int nr)
{
	struct ckpt_lock_scan s = {};
	unsigned int i, j, k, base;
	int ret = 0;

	for (i = 0; i < nr && !ret; i++) {
		struct file_lock_context *flctx;

		flctx = locks_inode_context(file_inode(farr[i]));
		if (!flctx || list_empty_careful(&flctx->flc_posix) ||
		    ckpt_inode_seen(farr, i))
			continue;
		if (!s.files) {
			ret = ckpt_lock_scan_grow(&s, 8, true);
			if (ret)
				break;
		}
		base = s.nr;
		ret = ckpt_lock_scan_all(flctx, CKPT_LIST_POSIX, files, &s,
					 ctx->tsk_pid);
		for (j = base; j < s.nr && !ret; j++) {
			s.locks[j].fd = ents[i].fd;
			for (k = i; k < nr; k++) {
				if (farr[k] == s.files[j]) {
					s.locks[j].fd = ents[k].fd;
					break;
				}
			}
		}
	}
	for (i = 0; i < nr && !ret; i++)
		ret = ckpt_lease_scan(ctx, farr, ents, nr, i, &s);
	if (ret == -E2BIG)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "more than %d POSIX locks",
			       CKPT_LOCKS_MAX);
	if (!ret && s.nr)
		ret = ckpt_write_locks(ctx, &s);
	ckpt_lock_scan_free(&s);
	return ret;
}

/* Read a CKPT_HDR_FILE_LOCKS record if one comes next; NULL if none */
static struct ckpt_hdr_file_locks *ckpt_read_locks(struct ckpt_ctx *ctx,
						   u32 kinds)
{
	struct ckpt_hdr_file_locks *h;
	unsigned int i;
	int ret;

	ret = ckpt_peek_type(ctx);
	if (ret < 0)
		return ERR_PTR(ret);
	if (ret != CKPT_HDR_FILE_LOCKS)
		return NULL;
	h = ckpt_read_obj_type(ctx, CKPT_HDR_FILE_LOCKS,
			       struct_size(h, locks, 1),
			       struct_size(h, locks, CKPT_LOCKS_MAX));
	if (IS_ERR(h))
		return h;
	if (!h->nr_locks || h->nr_locks > CKPT_LOCKS_MAX ||
	    struct_size(h, locks, h->nr_locks) != h->h.len)
		goto bad;
	for (i = 0; i < h->nr_locks; i++) {
		struct ckpt_file_lock *l = &h->locks[i];

		if (l->kind > 31 || !(kinds & BIT(l->kind)) ||
		    (l->type != CKPT_LOCK_READ && l->type != CKPT_LOCK_WRITE) ||
		    l->start > l->end || l->end > CKPT_LOCK_EOF ||
		    (l->kind == CKPT_LOCK_FLOCK &&
		     (l->start || l->end != CKPT_LOCK_EOF)) ||
		    (l->kind == CKPT_LOCK_LEASE &&
		     (!valid_signal(l->start) || l->end != CKPT_LOCK_EOF)) ||
		    !(l->kind == CKPT_LOCK_POSIX || l->kind == CKPT_LOCK_LEASE) !=
		    !(l->fd >= 0)) {
			ckpt_err(ctx, -EINVAL, "lock record: bad lock %u (kind %u type %u %llu-%llu fd %d)",
				 i, l->kind, l->type, l->start, l->end, l->fd);
			ckpt_free(h);
			return ERR_PTR(-EINVAL);
		}
	}
	return h;
bad:
	ckpt_err(ctx, -EINVAL, "lock record is malformed (%u locks)", h->nr_locks);
	ckpt_free(h);
	return ERR_PTR(-EINVAL);
}

static const char *ckpt_lock_kind_name(u32 kind)
{
	return kind == CKPT_LOCK_FLOCK ? "flock" : kind == CKPT_LOCK_OFD ? "OFD" :
	       kind == CKPT_LOCK_LEASE ? "lease" : "POSIX";
}

static struct flock ckpt_flock(const struct ckpt_file_lock *l)
{
	struct flock flock = {
		.l_type = l->type == CKPT_LOCK_WRITE ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = l->start,
		.l_len = l->end == CKPT_LOCK_EOF ? 0 : l->end - l->start + 1,
	};

	return flock;
}

/* Would @l conflict with a lock of someone else (F_GETLK) */
static int ckpt_test_posix_lock(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_lock *l)
{
	struct flock flock = ckpt_flock(l);
	int ret;

	ret = fcntl_getlk(file, F_GETLK, &flock);
	if (ret)
		return ckpt_err(ctx, ret == -EBADF ? -EINVAL : ret,
				"fd %d: cannot test the POSIX lock %llu-%llu",
				l->fd, l->start, l->end);
	if (flock.l_type != F_UNLCK)
		return ckpt_err(ctx, -EBUSY, "%s %s lock %llu-%llu: a conflicting lock is held",
				ckpt_lock_kind_name(l->kind),
				l->type == CKPT_LOCK_WRITE ? "write" : "read",
				l->start, l->end);
	return 0;
}

/* Can @file hold lease @l: an open regular file */
static int ckpt_check_lease(struct ckpt_ctx *ctx, struct file *file,
			    struct ckpt_file_lock *l)
{
	if (!S_ISREG(file_inode(file)->i_mode))
		return ckpt_err(ctx, -EINVAL, "fd %d: a lease on a file that is not regular",
				l->fd);
	if (file->f_mode & FMODE_PATH)
		return ckpt_err(ctx, -EINVAL, "fd %d: a lease on an O_PATH file", l->fd);
	return 0;
}

/* Take @l through @file (and @fd for a POSIX lock or a lease), never waiting */
static int ckpt_take_lock(struct ckpt_ctx *ctx, struct file *file,
			  struct ckpt_file_lock *l)
{
	int type = l->type == CKPT_LOCK_WRITE ? F_WRLCK : F_RDLCK;
	struct file_lock fl;
	int ret;

	if (l->kind == CKPT_LOCK_LEASE) {
		/* fcntl(F_SETLEASE) through fd, then F_SETSIG's signal */
		ret = fcntl_setlease(l->fd, file, type);
		if (ret == -EAGAIN)
			return ckpt_err(ctx, -EBUSY, "fd %d: %s lease: the file is open elsewhere",
					l->fd, type == F_WRLCK ? "write" : "read");
		if (ret == -EACCES)
			return ckpt_err(ctx, -EPERM, "fd %d: may not take a lease on the file",
					l->fd);
		if (!ret && l->start)
			WRITE_ONCE(file_f_owner(file)->signum, l->start);
	} else if (l->kind == CKPT_LOCK_FLOCK) {
		/* as flock(2) does, with LOCK_NB */
		if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
			return ckpt_err(ctx, -EINVAL, "flock lock on a file opened without access");
		locks_init_lock(&fl);
		fl.c.flc_file = file;
		fl.c.flc_owner = file;
		fl.c.flc_pid = current->tgid;
		fl.c.flc_flags = FL_FLOCK;
		fl.c.flc_type = type;
		fl.fl_end = OFFSET_MAX;
		ret = security_file_lock(file, type);
		if (!ret && file->f_op->flock)
			ret = file->f_op->flock(file, F_SETLK, &fl);
		else if (!ret)
			ret = locks_lock_file_wait(file, &fl);
		locks_release_private(&fl);
	} else {
		struct flock flock = ckpt_flock(l);

		ret = fcntl_setlk(l->kind == CKPT_LOCK_POSIX ? l->fd : 0, file,
				  l->kind == CKPT_LOCK_POSIX ? F_SETLK : F_OFD_SETLK,
				  &flock);
	}
	if (ret == -EAGAIN || ret == -EACCES)
		return ckpt_err(ctx, -EBUSY, "%s %s lock %llu-%llu: a conflicting lock is held",
				ckpt_lock_kind_name(l->kind),
				type == F_WRLCK ? "write" : "read", l->start, l->end);
	/* the file's access mode does not allow it: an inconsistent image */
	if (ret == -EBADF)
		ret = -EINVAL;
	if (ret)
		return ckpt_err(ctx, ret, "cannot take the %s lock %llu-%llu again",
				ckpt_lock_kind_name(l->kind), l->start, l->end);
	return 0;
}

/**
 * restore_file_locks - take the flock and OFD locks of @file again
 * @ctx: restart context
 * @file: the restored file
 *
 * Reads the CKPT_HDR_FILE_LOCKS record that follows the file's, if any.
 */
int restore_file_locks(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_file_locks *h;
	unsigned int i, nr_flock = 0;
	int ret = 0;

	h = ckpt_read_locks(ctx, BIT(CKPT_LOCK_FLOCK) | BIT(CKPT_LOCK_OFD));
	if (IS_ERR_OR_NULL(h))
		return PTR_ERR_OR_ZERO(h);
	for (i = 0; i < h->nr_locks && !ret; i++) {
		if (h->locks[i].kind == CKPT_LOCK_FLOCK && nr_flock++) {
			ret = ckpt_err(ctx, -EINVAL, "lock record: two flock locks on one file");
			break;
		}
		ret = ckpt_take_lock(ctx, file, &h->locks[i]);
	}
	ckpt_free(h);
	return ret;
}

/**
 * restore_posix_locks_read - read the POSIX locks of an fd table
 * @ctx: restart context
 * @fds: the table's entries, sorted by fd
 * @files: their restored files
 * @nr: how many
 *
 * Returns what restore_posix_locks() needs, NULL if the table holds no
 * locks, or an ERR_PTR.
 */
void *restore_posix_locks_read(struct ckpt_ctx *ctx,
			       const struct ckpt_fd_ent *fds, struct file **files,
			       unsigned int nr)
{
	struct ckpt_hdr_file_locks *h;
	unsigned int i, lo, hi;
	int ret;

	h = ckpt_read_locks(ctx, BIT(CKPT_LOCK_POSIX) | BIT(CKPT_LOCK_LEASE));
	if (IS_ERR_OR_NULL(h))
		return h;
	for (i = 0; i < h->nr_locks; i++) {
		lo = 0;
		hi = nr;
		while (lo < hi) {
			unsigned int mid = lo + (hi - lo) / 2;

			if (fds[mid].fd < h->locks[i].fd)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nr || fds[lo].fd != h->locks[i].fd) {
			ckpt_err(ctx, -EINVAL, "POSIX lock on fd %d, which the table lacks",
				 h->locks[i].fd);
			ckpt_free(h);
			return ERR_PTR(-EINVAL);
		}
		/*
		 * The locks are taken once a task installs the table, past
		 * restart's point of no return: see now whether someone
		 * else's lock is in the way, to fail cleanly if so.
		 */
		if (h->locks[i].kind == CKPT_LOCK_LEASE)
			ret = ckpt_check_lease(ctx, files[lo], &h->locks[i]);
		else
			ret = ckpt_test_posix_lock(ctx, files[lo], &h->locks[i]);
		if (ret) {
			ckpt_free(h);
			return ERR_PTR(ret);
		}
	}
	return h;
}

/**
 * restore_posix_locks - take the POSIX locks of the fd table again
 * @ctx: restart context
 * @locks: from restore_posix_locks_read()
 *
 * current has just installed the table: it owns them, and the leases
 * of its files.
 */
int restore_posix_locks(struct ckpt_ctx *ctx, void *locks)
{
	struct ckpt_hdr_file_locks *h = locks;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < h->nr_locks && !ret; i++) {
		struct ckpt_file_lock *l = &h->locks[i];
		struct file *file = fget_raw(l->fd);

		if (!file)
			return ckpt_err(ctx, -EINVAL, "fd %d: no file for its POSIX lock", l->fd);
		ret = ckpt_take_lock(ctx, file, l);
		fput(file);
	}
	return ret;
}

void restore_posix_locks_free(void *locks)
{
	ckpt_free(locks);
}
