// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: open files, fd tables and fs_struct (cwd, root,
 * umask).
 *
 * Files with a name are reopened by path with their flags and
 * position; anonymous shmem files (shared anonymous memory, memfd)
 * carry their contents in the image.  One struct file referenced by
 * several fds or mappings is one object, restored once and shared
 * again.  Kinds of files that cannot be restored yet make checkpoint
 * fail with EOPNOTSUPP and a log line naming the fd.
 */

#include <linux/checkpoint.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/init.h>
#include <linux/fcntl.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "internal.h"

/* open(2) flags that survive in f_flags and are restored */
#define CKPT_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
			 O_DIRECT | O_LARGEFILE | O_NOATIME | __O_SYNC | \
			 O_PATH | O_DIRECTORY | O_NOFOLLOW | FASYNC)

/* Files */

static void file_grab(void *ptr)
{
	get_file(ptr);
}

static void file_drop(void *ptr)
{
	fput(ptr);
}

/*
 * A character device is reopened by path and has no position of its
 * own: sharing it with outsiders (a terminal, /dev/null) is harmless.
 * A pty master is the pty itself: restart makes a new one.
 */
static int file_users(void *ptr)
{
	struct file *file = ptr;
	struct inode *inode = file_inode(file);

	if (S_ISCHR(inode->i_mode) && inode->i_rdev != MKDEV(TTYAUX_MAJOR, 2))
		return -1;
	return file_count(file) - 1;
}

/* Anonymous shmem: shared anonymous memory, memfd, SysV-less shmem */
static bool ckpt_file_is_anon_shmem(struct file *file)
{
	return shmem_file(file) &&
	       (file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT);
}

/* Character devices that are reopened by path */
static bool ckpt_chrdev_supported(dev_t rdev)
{
	unsigned int major = MAJOR(rdev), minor = MINOR(rdev);

	switch (major) {
	case MEM_MAJOR:
		/* null, zero, random, urandom */
		return minor == 3 || minor == 5 || minor == 8 || minor == 9;
	case TTY_MAJOR:
		return true;
	case TTYAUX_MAJOR:
		/* /dev/tty, /dev/console; not the pty multiplexer */
		return minor == 0 || minor == 1;
	default:
		/* pty slaves */
		return major >= UNIX98_PTY_SLAVE_MAJOR &&
		       major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
	}
}

static int ckpt_fd_is(const void *p, struct file *file, unsigned int fd)
{
	return file == p;
}

/**
 * ckpt_task_has_file - is @file open in an fd of @t?
 * @t: a task being saved (stopped, or current)
 * @file: the file
 */
bool ckpt_task_has_file(struct task_struct *t, struct file *file)
{
	struct files_struct *files;
	bool found;

	task_lock(t);
	files = t->files;
	if (files)
		atomic_inc(&files->count);
	task_unlock(t);
	if (!files)
		return false;
	found = iterate_fd(files, 0, ckpt_fd_is, file);
	put_files_struct(files);
	return found;
}

/*
 * How the saved tasks use @file (and its pipe): the image and the log
 * of a self-checkpoint are the caller's, shared by nature.
 */
static unsigned int ckpt_file_use(struct ckpt_ctx *ctx, struct file *file)
{
	return file == ctx->file || file == ctx->logfile ?
	       CKPT_USE_SHAREABLE : CKPT_USE_HOLD;
}

/* Anonymous pipes live on pipefs, named FIFOs on real file systems */
static bool ckpt_file_on_pipefs(struct file *file)
{
	return file->f_path.mnt->mnt_sb->s_magic == PIPEFS_MAGIC;
}

/* An anonymous pipe's end */
static bool ckpt_file_is_pipe(struct file *file)
{
	return get_pipe_info(file, false) && ckpt_file_on_pipefs(file);
}

static const char *ckpt_fifo_unsupported(struct file *file)
{
	if (ckpt_file_on_pipefs(file)) {
		if (!ckpt_file_is_pipe(file))
			return "O_PATH files of anonymous pipes are not supported";
		if (pipe_has_watch_queue(file->private_data))
			return "notification pipes are not supported";
		return NULL;
	}
	if (file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT)
		return "kernel-internal FIFOs are not supported";
	if (d_unlinked(file->f_path.dentry))
		return "FIFOs opened and then unlinked are not supported";
	/* an O_PATH file has no pipe: it is only reopened */
	if (file->f_mode & FMODE_PATH)
		return NULL;
	if (!get_pipe_info(file, false))
		return "this kind of FIFO is not supported";
	/* F_SETOWN is not saved: its signals would be lost */
	if (file->f_flags & FASYNC)
		return "O_ASYNC on a FIFO is not supported";
	return NULL;
}

static const char *ckpt_file_unsupported(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	switch (mode & S_IFMT) {
	case S_IFREG:
		/* a SysV segment's file wraps shmem without read/write */
		if (ckpt_file_is_anon_shmem(file) && !file->f_op->read_iter)
			return "SysV shared memory is not supported yet";
		if (ckpt_file_is_anon_shmem(file))
			return NULL;
		if (file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT)
			return "kernel-internal files (secretmem, ...) are not supported yet";
		if (d_unlinked(file->f_path.dentry) && file_inode(file)->i_nlink)
			return "files unlinked but still linked elsewhere are not supported";
		return NULL;
	case S_IFDIR:
		if (file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT)
			return "kernel-internal directories are not supported";
		return NULL;
	case S_IFCHR:
		if (ckpt_chrdev_supported(file_inode(file)->i_rdev))
			return NULL;
		return "this character device is not supported";
	case S_IFIFO:
		return ckpt_fifo_unsupported(file);
	case S_IFSOCK:
		return "socket files are not supported";
	case S_IFBLK:
		return "block devices are not supported";
	default:
		return "this anonymous inode file (fanotify, ...) is not supported";
	}
}

/* Kinds of files with state of their own: eventfd, epoll, sockets, ... */
static const struct ckpt_file_ops *ckpt_file_kinds[CKPT_FILE_MAX];

/**
 * ckpt_register_file_ops - register a kind of file
 * @ops: its operations; must live forever
 */
int ckpt_register_file_ops(const struct ckpt_file_ops *ops)
{
	if (ops->file_type <= CKPT_FILE_FIFO || ops->file_type >= CKPT_FILE_MAX ||
	    !ops->match || !ops->restore)
		return -EINVAL;
	if (ckpt_file_kinds[ops->file_type])
		return -EBUSY;
	ckpt_file_kinds[ops->file_type] = ops;
	return 0;
}

static const struct ckpt_file_ops *ckpt_file_kind(struct file *file)
{
	int i;

	for (i = 0; i < CKPT_FILE_MAX; i++)
		if (ckpt_file_kinds[i] && ckpt_file_kinds[i]->match(file))
			return ckpt_file_kinds[i];
	return NULL;
}

/* A memfd_create(2) file: anonymous shmem named "memfd:..." */
#define CKPT_MEMFD_PREFIX	"memfd:"

/*
 * The most open fds of a table: as many as a record would hold with an
 * entry each (1M, the default fs.nr_open), whatever runs they make
 */
#define CKPT_FDS_MAX	(CKPT_RECORD_MAX / sizeof(struct ckpt_fd_ent))

static bool ckpt_name_is_memfd(const char *name)
{
	return !strncmp(name, CKPT_MEMFD_PREFIX, strlen(CKPT_MEMFD_PREFIX));
}

static int checkpoint_memfd_seals(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_file_seals h = {
		.h = { .type = CKPT_HDR_FILE_SEALS, .len = sizeof(h) },
	};
	long seals = memfd_fcntl(file, F_GET_SEALS, 0);

	if (seals < 0)
		return ckpt_err(ctx, seals, "cannot read the seals of a memfd");
	/* restart could not map it writable again under that seal */
	if ((seals & F_SEAL_FUTURE_WRITE) && !(seals & F_SEAL_WRITE) &&
	    mapping_writably_mapped(file->f_mapping))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a memfd sealed with F_SEAL_FUTURE_WRITE and mapped writable is not supported");
	h.seals = seals;
	return ckpt_write_obj(ctx, &h.h);
}

/* Unlinked regular files: their inode is an object with the contents */

static bool ckpt_file_is_unlinked(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) &&
	       !ckpt_file_is_anon_shmem(file) &&
	       d_unlinked(file->f_path.dentry);
}

static void inode_grab(void *ptr)
{
	ihold(ptr);
}

static void inode_drop(void *ptr)
{
	iput(ptr);
}

static int checkpoint_inode(struct ckpt_ctx *ctx, void *ptr)
{
	struct inode *inode = ptr;
	struct ckpt_hdr_file_inode h = {
		.h = { .type = CKPT_HDR_FILE_INODE, .len = sizeof(h) },
		.i_mode = inode->i_mode,
		.i_size = i_size_read(inode),
	};

	return ckpt_write_obj(ctx, &h.h);
}

/* restart: the inode, and once its first file is restored, that file */
struct ckpt_inode_restore {
	umode_t mode;
	loff_t size;
	struct file *file;
};

static void *restore_inode(struct ckpt_ctx *ctx)
{
	struct ckpt_inode_restore *r;
	struct ckpt_hdr_file_inode h;
	int ret;

	ret = ckpt_read_hdr_type(ctx, &h.h, CKPT_HDR_FILE_INODE, sizeof(h), sizeof(h));
	if (!ret)
		ret = ckpt_kread(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ERR_PTR(ret);
	if (!S_ISREG(h.i_mode) || (h.i_mode & ~(S_IFMT | 07777)) ||
	    h.i_size > MAX_LFS_FILESIZE) {
		ckpt_err(ctx, -EINVAL, "unlinked inode record: bad mode %o or size %llu",
			 h.i_mode, h.i_size);
		return ERR_PTR(-EINVAL);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->mode = h.i_mode;
	r->size = h.i_size;
	return r;
}

static void inode_restore_drop(void *ptr)
{
	struct ckpt_inode_restore *r = ptr;

	if (r->file)
		fput(r->file);
	kfree(r);
}

static const struct ckpt_obj_ops ckpt_inode_ops = {
	.obj_type = CKPT_OBJ_INODE,
	.obj_name = "unlinked inode",
	.ref_grab = inode_grab,
	.ref_drop = inode_drop,
	.checkpoint = checkpoint_inode,
	.restore = restore_inode,
	.restore_drop = inode_restore_drop,
};

/* Write the data of @file (a private reader) in [0, size), skipping holes */
static int checkpoint_file_data(struct ckpt_ctx *ctx, struct file *file,
				loff_t size)
{
	struct ckpt_hdr_file_data h = {
		.h = { .type = CKPT_HDR_FILE_DATA },
	};
	loff_t pos = 0, end;
	void *buf;
	int ret = 0;

	buf = kvmalloc(CKPT_FILE_DATA_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (pos < size && !ret) {
		/* file systems without SEEK_DATA say all is data */
		pos = vfs_llseek(file, pos, SEEK_DATA);
		if (pos == -ENXIO || pos >= size)
			break;
		if (pos < 0) {
			ret = pos;
			break;
		}
		end = vfs_llseek(file, pos, SEEK_HOLE);
		if (end < 0) {
			ret = end;
			break;
		}
		end = min(end, size);
		while (pos < end && !ret) {
			size_t len = min_t(loff_t, end - pos, CKPT_FILE_DATA_MAX);
			loff_t off = pos;
			ssize_t n = kernel_read(file, buf, len, &off);

			if (n <= 0) {
				ret = n < 0 ? n : -EIO;
				break;
			}
			h.offset = pos;
			h.len = n;
			ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), buf, n);
			pos += n;
			if (fatal_signal_pending(current))
				ret = -EINTR;
			cond_resched();
		}
	}
	kvfree(buf);
	if (ret)
		return ckpt_err(ctx, ret, "cannot save the contents of an unlinked file");
	h.offset = 0;
	h.len = 0;
	return ckpt_write_hdr_data(ctx, &h.h, sizeof(h), NULL, 0);
}

/* The directory and the contents of the first file of an unlinked inode */
static int checkpoint_unlinked(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_file_unlinked h = {
		.h = { .type = CKPT_HDR_FILE_UNLINKED },
	};
	struct file *reader;
	struct path dir;
	char *buf, *p;
	int ret;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	dir.mnt = file->f_path.mnt;
	dir.dentry = dget_parent(file->f_path.dentry);
	p = d_path(&dir, buf, PATH_MAX);
	if (IS_ERR(p))
		ret = ckpt_err(ctx, PTR_ERR(p), "the directory of an unlinked file has no path");
	else if (d_unlinked(dir.dentry))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "the directory of an unlinked file was removed too");
	else
		ret = 0;
	dput(dir.dentry);
	if (!ret) {
		h.dir_len = strlen(p) + 1;
		ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), p, h.dir_len);
	}
	kfree(buf);
	if (ret)
		return ret;

	/* a reader of our own: the task's file keeps its position and mode */
	reader = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(reader))
		return ckpt_err(ctx, PTR_ERR(reader), "cannot read an unlinked file");
	ret = checkpoint_file_data(ctx, reader, i_size_read(file_inode(file)));
	fput(reader);
	return ret;
}

static int checkpoint_file(struct ckpt_ctx *ctx, void *ptr)
{
	struct file *file = ptr;
	struct inode *inode = file_inode(file);
	const struct ckpt_file_ops *kind;
	struct ckpt_hdr_file *h;
	const char *why, *path;
	bool first = false;
	char *buf;
	int ret;

	kind = ckpt_file_kind(file);
	why = kind ? NULL : ckpt_file_unsupported(file);
	if (why)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s", why);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	h = ckpt_hdr_alloc(CKPT_HDR_FILE, sizeof(*h));
	if (!buf || !h) {
		ret = -ENOMEM;
		goto out;
	}

	if (ckpt_file_is_anon_shmem(file)) {
		h->file_type = CKPT_FILE_SHMEM;
		path = file->f_path.dentry->d_name.name;
		if (strscpy(buf, path, PATH_MAX) < 0) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		path = buf;
	} else {
		path = d_path(&file->f_path, buf, PATH_MAX);
		if (IS_ERR(path)) {
			ret = ckpt_err(ctx, PTR_ERR(path), "path too long");
			goto out;
		}
		if (kind) {
			h->file_type = kind->file_type;
			ret = kind->prepare ? kind->prepare(ctx, file, h) : 0;
			if (ret < 0)
				goto out;
		} else if (ckpt_file_is_unlinked(file)) {
			/* its inode carries the contents, once */
			h->file_type = CKPT_FILE_UNLINKED;
			first = !ckpt_obj_lookup(ctx, inode);
			ret = checkpoint_obj(ctx, inode, CKPT_OBJ_INODE);
			if (ret < 0)
				goto out;
			h->obj_objref = ret;
		} else if (S_ISFIFO(inode->i_mode)) {
			h->file_type = ckpt_file_is_pipe(file) ? CKPT_FILE_PIPE :
				       CKPT_FILE_FIFO;
			/* the pipe, keyed by its inode; O_PATH has none */
			if (!(file->f_mode & FMODE_PATH)) {
				ret = checkpoint_obj_use(ctx, inode, CKPT_OBJ_PIPE,
							 ckpt_file_use(ctx, file));
				if (ret < 0)
					goto out;
				h->obj_objref = ret;
			}
		} else if (S_ISDIR(inode->i_mode)) {
			h->file_type = CKPT_FILE_DIR;
		} else if (S_ISCHR(inode->i_mode)) {
			h->file_type = CKPT_FILE_CHRDEV;
		} else {
			h->file_type = CKPT_FILE_REGULAR;
		}
	}

	h->f_flags = file->f_flags & CKPT_FILE_FLAGS;
	h->f_pos = file->f_pos;
	h->i_mode = inode->i_mode;
	h->rdev = new_encode_dev(inode->i_rdev);
	h->i_size = i_size_read(inode);
	h->path_len = strlen(path) + 1;

	ret = ckpt_write_hdr_data(ctx, &h->h, sizeof(*h), path, h->path_len);
	if (!ret && h->file_type == CKPT_FILE_SHMEM) {
		ret = checkpoint_shmem_contents(ctx, file);
		if (!ret && ckpt_name_is_memfd(path))
			ret = checkpoint_memfd_seals(ctx, file);
	} else if (!ret && h->file_type == CKPT_FILE_UNLINKED && first) {
		ret = checkpoint_unlinked(ctx, file);
	} else if (!ret && kind && kind->checkpoint) {
		ret = kind->checkpoint(ctx, file);
	}
	if (!ret)
		ret = checkpoint_file_locks(ctx, file);
out:
	ckpt_free(h);
	kfree(buf);
	return ret;
}

/* Read the seals of a memfd if the record follows; F_SEAL_SEAL if not */
static int restore_memfd_seals_read(struct ckpt_ctx *ctx, unsigned int *seals)
{
	struct ckpt_hdr_file_seals h;
	int ret;

	*seals = F_SEAL_SEAL;
	ret = ckpt_peek_type(ctx);
	if (ret != CKPT_HDR_FILE_SEALS)
		return ret < 0 ? ret : 0;
	ret = ckpt_read_hdr_type(ctx, &h.h, CKPT_HDR_FILE_SEALS, sizeof(h), sizeof(h));
	if (!ret)
		ret = ckpt_kread(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ret;
	if (h.seals & ~CKPT_SEALS_ALL)
		return ckpt_err(ctx, -EINVAL, "memfd seals %#x are unknown", h.seals);
	*seals = h.seals;
	return 0;
}

/*
 * A memfd: the mode, then the seals on the file memfd_create() would
 * have made, whose contents are in place; then the file is opened
 * again as the saved one was (access mode, flags), as an open of
 * /proc/PID/fd/N would.
 */
static struct file *restore_memfd(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h,
				  struct file *file, unsigned int seals)
{
	struct file *nfile;
	int ret;

	ret = vfs_fchmod(file, h->i_mode & 07777);
	if (ret) {
		ckpt_err(ctx, ret, "memfd: cannot restore the mode %o", h->i_mode);
		return ERR_PTR(ret);
	}
	if (seals != F_SEAL_SEAL) {
		/* as memfd_create(MFD_ALLOW_SEALING) on the new file */
		SHMEM_I(file_inode(file))->seals &= ~F_SEAL_SEAL;
		ret = memfd_fcntl(file, F_ADD_SEALS, seals);
		if (ret) {
			ckpt_err(ctx, ret, "memfd: cannot restore the seals %#x", seals);
			return ERR_PTR(ret);
		}
	}
	nfile = dentry_open(&file->f_path, h->f_flags | O_LARGEFILE, current_cred());
	if (IS_ERR(nfile))
		ckpt_err(ctx, PTR_ERR(nfile), "memfd: cannot open it with flags %#x",
			 h->f_flags);
	return nfile;
}

static struct file *restore_shmem_file(struct ckpt_ctx *ctx,
				       struct ckpt_hdr_file *h, const char *name)
{
	bool memfd = ckpt_name_is_memfd(name);
	struct file *file, *nfile;
	unsigned int seals;
	int ret;

	if (h->i_size > MAX_LFS_FILESIZE || (h->i_mode & ~(S_IFMT | 07777)) ||
	    (memfd && (h->f_flags & O_DIRECTORY)) ||
	    (!memfd && h->f_flags != (O_RDWR | O_LARGEFILE) &&
	     h->f_flags != O_RDWR)) {
		ckpt_err(ctx, -EINVAL, "shmem file %*pE: bad size, mode or flags",
			 (int)strlen(name), name);
		return ERR_PTR(-EINVAL);
	}
	if (!strcmp(name, "dev/zero"))
		file = shmem_kernel_file_setup(name, h->i_size, VM_NORESERVE);
	else
		file = shmem_file_setup(name, h->i_size, VM_NORESERVE);
	if (IS_ERR(file))
		return file;
	ret = restore_shmem_contents(ctx, file);
	if (!ret && memfd)
		ret = restore_memfd_seals_read(ctx, &seals);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	if (!memfd)
		return file;
	nfile = restore_memfd(ctx, h, file, seals);
	fput(file);
	return nfile;
}

/* restart: the directory and contents of an unlinked file, as an O_TMPFILE */
static struct file *restore_unlinked_tmpfile(struct ckpt_ctx *ctx,
					     struct ckpt_inode_restore *ri)
{
	struct ckpt_hdr_file_unlinked *h;
	struct ckpt_hdr_file_data d;
	struct file *file;
	loff_t next = 0;
	char *dir;
	void *buf = NULL;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_FILE_UNLINKED, sizeof(*h) + 2,
			       sizeof(*h) + ckpt_align(CKPT_PATH_MAX));
	if (IS_ERR(h))
		return ERR_CAST(h);
	dir = (char *)(h + 1);
	if (!h->dir_len || h->dir_len > CKPT_PATH_MAX ||
	    ckpt_align(sizeof(*h) + h->dir_len) != h->h.len ||
	    strnlen(dir, h->dir_len) != h->dir_len - 1 || dir[0] != '/') {
		ckpt_err(ctx, -EINVAL, "unlinked file record is malformed");
		ckpt_free(h);
		return ERR_PTR(-EINVAL);
	}
	/* O_EXCL: like the original, it can never be linked again */
	file = filp_open(dir, O_TMPFILE | O_EXCL | O_RDWR | O_LARGEFILE, 0600);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot make an unlinked file in %*pE",
			 (int)strlen(dir), dir);
		ckpt_free(h);
		return file;
	}
	ckpt_free(h);

	buf = kvmalloc(CKPT_FILE_DATA_MAX, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto err;
	}
	for (;;) {
		loff_t pos;
		ssize_t n;

		ret = ckpt_read_hdr_type(ctx, &d.h, CKPT_HDR_FILE_DATA, sizeof(d),
					 sizeof(d) + CKPT_FILE_DATA_MAX);
		if (!ret)
			ret = ckpt_kread(ctx, &d.h + 1, sizeof(d) - sizeof(d.h));
		if (ret)
			goto err;
		/* the last one is 0+0 */
		if (d.len > CKPT_FILE_DATA_MAX ||
		    (d.len && (d.offset < next || d.offset > ri->size ||
			       d.len > ri->size - d.offset)) ||
		    (!d.len && d.offset) ||
		    ckpt_align(sizeof(d) + d.len) != d.h.len) {
			ret = ckpt_err(ctx, -EINVAL, "file data record %llu+%llu is malformed",
				       d.offset, d.len);
			goto err;
		}
		if (!d.len)
			break;
		ret = ckpt_kread(ctx, buf, d.h.len - sizeof(d));
		if (ret)
			goto err;
		pos = d.offset;
		n = kernel_write(file, buf, d.len, &pos);
		if (n != d.len) {
			ret = ckpt_err(ctx, n < 0 ? n : -EIO,
				       "cannot write the contents of an unlinked file");
			goto err;
		}
		next = d.offset + d.len;
	}
	ret = do_ftruncate(file, ri->size, 0);
	if (!ret)
		ret = vfs_fchmod(file, ri->mode & 07777);
	if (ret) {
		ckpt_err(ctx, ret, "cannot restore the size or mode of an unlinked file");
		goto err;
	}
	kvfree(buf);
	return file;
err:
	kvfree(buf);
	fput(file);
	return ERR_PTR(ret);
}

/*
 * An unlinked file: its inode's first file brings the contents; every
 * file of the inode is opened on it with its own flags.
 */
static struct file *restore_unlinked_file(struct ckpt_ctx *ctx,
					  struct ckpt_hdr_file *h)
{
	struct ckpt_inode_restore *ri;
	struct file *file;

	if (h->f_flags & O_DIRECTORY) {
		ckpt_err(ctx, -EINVAL, "unlinked file record: bad flags %#x", h->f_flags);
		return ERR_PTR(-EINVAL);
	}
	ri = ckpt_obj_fetch(ctx, h->obj_objref, CKPT_OBJ_INODE);
	if (IS_ERR(ri))
		return ERR_CAST(ri);
	if (!ri->file) {
		file = restore_unlinked_tmpfile(ctx, ri);
		if (IS_ERR(file))
			return file;
		ri->file = file;
	}
	file = dentry_open(&ri->file->f_path, h->f_flags, current_cred());
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot open an unlinked file with flags %#x",
			 h->f_flags);
	return file;
}

/* Is @inode still the file of @h: its type and, for a device, number */
static bool ckpt_same_file(struct inode *inode, struct ckpt_hdr_file *h)
{
	umode_t type = h->i_mode & S_IFMT;

	return (inode->i_mode & S_IFMT) == type &&
	       (type != S_IFCHR || inode->i_rdev == new_decode_dev(h->rdev));
}

/*
 * Reopen the file of @h at @path with its flags.  The path is looked up
 * first: what is no longer the file of the image is never opened (the
 * open of a FIFO found there could block, that of a device do things).
 */
static struct file *ckpt_reopen(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h,
				const char *path)
{
	struct file *file;
	struct path p;
	bool same;
	int ret;

	if (path[0] != '/') {
		ckpt_err(ctx, -EINVAL, "file path %s is not absolute", path);
		return ERR_PTR(-EINVAL);
	}
	ret = kern_path(path, h->f_flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (ret) {
		ckpt_err(ctx, ret, "cannot reopen %s", path);
		return ERR_PTR(ret);
	}
	same = ckpt_same_file(d_inode(p.dentry), h);
	path_put(&p);
	if (!same)
		goto changed;

	/* never create, truncate or acquire a controlling tty */
	file = filp_open(path, h->f_flags | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen %s", path);
		return file;
	}
	/* it may have been replaced meanwhile */
	if (ckpt_same_file(file_inode(file), h))
		return file;
	fput(file);
changed:
	ckpt_err(ctx, -EINVAL, "%s is no longer the file that was checkpointed", path);
	return ERR_PTR(-EINVAL);
}

/* Open flags a file of a named FIFO may have (O_PATH: see build_open_how()) */
static bool ckpt_fifo_flags_ok(unsigned int f_flags)
{
	if (f_flags & O_PATH)
		return true;
	return (f_flags & O_ACCMODE) != O_ACCMODE &&
	       !(f_flags & (FASYNC | O_DIRECTORY));
}

static void *restore_file(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file *h;
	struct file *file;
	umode_t type;
	char *path;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_FILE, sizeof(*h) + 2,
			       sizeof(*h) + ckpt_align(CKPT_PATH_MAX));
	if (IS_ERR(h))
		return h;
	path = (char *)(h + 1);
	if (!h->path_len || h->path_len > CKPT_PATH_MAX ||
	    ckpt_align(sizeof(*h) + h->path_len) != h->h.len ||
	    path[h->path_len - 1] || strlen(path) + 1 != h->path_len ||
	    (h->f_flags & ~CKPT_FILE_FLAGS) || (long long)h->f_pos < 0) {
		ckpt_err(ctx, ret, "file record is malformed");
		goto err;
	}

	type = h->i_mode & S_IFMT;
	/* files reopened by path or holding their contents name no object */
	if (h->file_type == CKPT_FILE_UNLINKED && type != S_IFREG)
		goto bad_type;
	if (h->obj_objref && (h->file_type == CKPT_FILE_REGULAR ||
			      h->file_type == CKPT_FILE_DIR ||
			      h->file_type == CKPT_FILE_CHRDEV ||
			      h->file_type == CKPT_FILE_SHMEM)) {
		ckpt_err(ctx, ret, "file record is malformed");
		goto err;
	}
	switch (h->file_type) {
	case CKPT_FILE_PIPE:
		if (type != S_IFIFO)
			goto bad_type;
		file = restore_pipe_file(ctx, h->obj_objref, h->f_flags);
		break;
	case CKPT_FILE_FIFO:
		if (type != S_IFIFO)
			goto bad_type;
		if (!ckpt_fifo_flags_ok(h->f_flags) ||
		    !(h->f_flags & O_PATH) != !!h->obj_objref) {
			ckpt_err(ctx, ret, "FIFO file record: bad flags %#x or objref %d",
				 h->f_flags, h->obj_objref);
			goto err;
		}
		/* an O_PATH file has no pipe */
		if (h->f_flags & O_PATH) {
			file = ckpt_reopen(ctx, h, path);
			break;
		}
		if (path[0] != '/') {
			ckpt_err(ctx, ret, "file path %s is not absolute", path);
			goto err;
		}
		file = restore_fifo_file(ctx, h->obj_objref, path, h->f_flags);
		break;
	case CKPT_FILE_SHMEM:
		if (type != S_IFREG)
			goto bad_type;
		file = restore_shmem_file(ctx, h, path);
		break;
	case CKPT_FILE_UNLINKED:
		file = restore_unlinked_file(ctx, h);
		break;
	case CKPT_FILE_REGULAR:
	case CKPT_FILE_DIR:
	case CKPT_FILE_CHRDEV:
		if ((h->file_type == CKPT_FILE_REGULAR && type != S_IFREG) ||
		    (h->file_type == CKPT_FILE_DIR && type != S_IFDIR) ||
		    (h->file_type == CKPT_FILE_CHRDEV &&
		     (type != S_IFCHR || !ckpt_chrdev_supported(new_decode_dev(h->rdev)))))
			goto bad_type;
		file = ckpt_reopen(ctx, h, path);
		break;
	default:
		if (h->file_type <= CKPT_FILE_FIFO || h->file_type >= CKPT_FILE_MAX ||
		    !ckpt_file_kinds[h->file_type])
			goto bad_type;
		file = ckpt_file_kinds[h->file_type]->restore(ctx, h);
		break;
	}
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err;
	}

	if (h->f_pos && (file->f_mode & FMODE_LSEEK)) {
		loff_t pos = vfs_llseek(file, h->f_pos, SEEK_SET);

		if (pos != h->f_pos) {
			fput(file);
			ret = pos < 0 ? pos : -EINVAL;
			ckpt_err(ctx, ret, "%s: cannot restore the position %llu",
				 path, h->f_pos);
			goto err;
		}
	}
	ret = restore_file_locks(ctx, file);
	if (ret) {
		fput(file);
		goto err;
	}
	ckpt_free(h);
	return file;

bad_type:
	ckpt_err(ctx, ret, "file record: bad type %u (mode %o)", h->file_type,
		 h->i_mode);
err:
	ckpt_free(h);
	return ERR_PTR(ret);
}

static const struct ckpt_obj_ops ckpt_file_ops = {
	.obj_type = CKPT_OBJ_FILE,
	.obj_name = "file",
	.ref_grab = file_grab,
	.ref_drop = file_drop,
	.ref_users = file_users,
	.checkpoint = checkpoint_file,
	.restore = restore_file,
};

/* fd tables */

static void files_grab(void *ptr)
{
	atomic_inc(&((struct files_struct *)ptr)->count);
}

static void files_drop(void *ptr)
{
	put_files_struct(ptr);
}

static int files_users(void *ptr)
{
	return atomic_read(&((struct files_struct *)ptr)->count) - 1;
}

/* Take a reference on every open file of @files, with its fd */
static struct ckpt_fd_ent *ckpt_collect_fds(struct files_struct *files,
					    struct file ***filesp,
					    unsigned int *nr)
{
	unsigned int n, max = 16, fd;
	struct ckpt_fd_ent *ents;
	struct file **farr;
	struct fdtable *fdt;

again:
	ents = kvcalloc(max, sizeof(*ents), GFP_KERNEL);
	farr = kvcalloc(max, sizeof(*farr), GFP_KERNEL);
	if (!ents || !farr) {
		kvfree(ents);
		kvfree(farr);
		return ERR_PTR(-ENOMEM);
	}
	n = 0;
	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	for (fd = find_first_bit(fdt->open_fds, fdt->max_fds); fd < fdt->max_fds;
	     fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd + 1)) {
		struct file *file = rcu_dereference_protected(fdt->fd[fd],
				lockdep_is_held(&files->file_lock));

		if (!file)
			continue;
		if (n == max) {
			spin_unlock(&files->file_lock);
			while (n--)
				fput(farr[n]);
			kvfree(ents);
			kvfree(farr);
			max *= 2;
			goto again;
		}
		get_file(file);
		farr[n] = file;
		ents[n].fd = fd;
		ents[n].nr = 1;
		if (close_on_exec(fd, files))
			ents[n].flags = CKPT_FD_CLOEXEC;
		n++;
	}
	spin_unlock(&files->file_lock);
	*filesp = farr;
	*nr = n;
	return ents;
}

/*
 * Write the table's @nr fds as runs: fds that follow each other, on
 * files saved one after the other, with the same flags.
 */
static int checkpoint_fd_runs(struct ckpt_ctx *ctx,
			      const struct ckpt_fd_ent *ents, unsigned int nr)
{
	struct ckpt_hdr_file_table h = {
		.h = { .type = CKPT_HDR_FILE_TABLE },
	};
	struct ckpt_fd_ent *runs;
	unsigned int i, n = 0;
	int ret;

	runs = kvcalloc(max(nr, 1U), sizeof(*runs), GFP_KERNEL);
	if (!runs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct ckpt_fd_ent *r = n ? &runs[n - 1] : NULL;

		if (r && ents[i].fd == r->fd + r->nr &&
		    ents[i].file_objref == r->file_objref + r->nr &&
		    ents[i].flags == r->flags)
			r->nr++;
		else
			runs[n++] = ents[i];
	}
	h.nr_ents = n;
	h.nr_fds = nr;
	ret = ckpt_write_hdr_data(ctx, &h.h, sizeof(h), runs, n * sizeof(*runs));
	kvfree(runs);
	return ret;
}

static int checkpoint_files(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_fd_ent *ents;
	struct file **farr;
	unsigned int i, nr;
	int ret = 0;

	ents = ckpt_collect_fds(ptr, &farr, &nr);
	if (IS_ERR(ents))
		return PTR_ERR(ents);
	if (nr > CKPT_FDS_MAX)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%u open fds are too many", nr);

	for (i = 0; i < nr && !ret; i++) {
		int objref;

		snprintf(ctx->what, sizeof(ctx->what), "fd %d", ents[i].fd);
		objref = checkpoint_obj_use(ctx, farr[i], CKPT_OBJ_FILE,
					    ckpt_file_use(ctx, farr[i]));
		if (objref < 0)
			ret = objref;
		else
			ents[i].file_objref = objref;
	}
	ctx->what[0] = '\0';

	if (!ret)
		ret = checkpoint_fd_runs(ctx, ents, nr);
	if (!ret)
		ret = checkpoint_posix_locks(ctx, ptr, farr, ents, nr);
	for (i = 0; i < nr; i++)
		fput(farr[i]);
	kvfree(farr);
	kvfree(ents);
	return ret;
}

/*
 * The restored table waits as a list of (fd, file) until the task
 * commits it; the files themselves are held by the object hash.
 */
struct ckpt_files_restore {
	struct files_struct *files;	/* once a task committed it */
	void *locks;			/* its POSIX locks, or NULL */
	unsigned int nr;
	struct {
		unsigned int fd;
		unsigned int flags;
		struct file *file;
	} ent[];
};

static void files_restore_drop(void *ptr)
{
	struct ckpt_files_restore *r = ptr;

	if (r->files)
		put_files_struct(r->files);
	if (r->locks)
		restore_posix_locks_free(r->locks);
	kvfree(r);
}

/*
 * The fd runs of @h, checked and spread out one entry an fd (nr_fds of
 * them, in fd order).
 */
static struct ckpt_fd_ent *restore_fd_runs(struct ckpt_ctx *ctx,
					   const struct ckpt_hdr_file_table *h)
{
	struct ckpt_fd_ent *fds;
	unsigned int i, k, n = 0;
	u64 next = 0;

	if (struct_size(h, fds, h->nr_ents) != h->h.len ||
	    h->nr_fds > min_t(size_t, sysctl_nr_open, CKPT_FDS_MAX))
		goto bad;
	/*
	 * A run names files restored before the table: a short record
	 * cannot make restart allocate for fds it has no files for.
	 */
	for (i = 0; i < h->nr_ents; i++) {
		const struct ckpt_fd_ent *e = &h->fds[i];

		if (e->fd < 0 || e->fd < next || !e->nr ||
		    (u64)e->fd + e->nr > sysctl_nr_open ||
		    e->file_objref <= 0 ||
		    (s64)e->file_objref + e->nr > ctx->obj_next ||
		    (e->flags & ~CKPT_FD_CLOEXEC)) {
			ckpt_err(ctx, -EINVAL, "fd table: bad entry for fd %d",
				 e->fd);
			return ERR_PTR(-EINVAL);
		}
		next = (u64)e->fd + e->nr;
		n += e->nr;
	}
	if (n != h->nr_fds)
		goto bad;
	fds = kvcalloc(max(n, 1U), sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return ERR_PTR(-ENOMEM);
	for (i = 0, n = 0; i < h->nr_ents; i++) {
		for (k = 0; k < h->fds[i].nr; k++, n++) {
			fds[n].fd = h->fds[i].fd + k;
			fds[n].file_objref = h->fds[i].file_objref + k;
			fds[n].flags = h->fds[i].flags;
			fds[n].nr = 1;
		}
	}
	return fds;
bad:
	ckpt_err(ctx, -EINVAL, "fd table record is malformed");
	return ERR_PTR(-EINVAL);
}

static void *restore_files(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file_table *h;
	struct ckpt_files_restore *r;
	struct ckpt_fd_ent *fds;
	struct file **farr;
	unsigned int i;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_FILE_TABLE, sizeof(*h),
			       CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	fds = restore_fd_runs(ctx, h);
	if (IS_ERR(fds)) {
		ret = PTR_ERR(fds);
		fds = NULL;
		goto out;
	}
	r = kvzalloc(struct_size(r, ent, h->nr_fds), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	r->nr = h->nr_fds;
	for (i = 0; i < h->nr_fds; i++) {
		struct ckpt_fd_ent *e = &fds[i];
		struct file *file;

		file = ckpt_obj_fetch(ctx, e->file_objref, CKPT_OBJ_FILE);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto err;
		}
		r->ent[i].fd = e->fd;
		r->ent[i].flags = e->flags & CKPT_FD_CLOEXEC ? O_CLOEXEC : 0;
		r->ent[i].file = file;
	}
	farr = kvmalloc_array(h->nr_fds ?: 1, sizeof(*farr), GFP_KERNEL);
	if (!farr) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < h->nr_fds; i++)
		farr[i] = r->ent[i].file;
	r->locks = restore_posix_locks_read(ctx, fds, farr, h->nr_fds);
	kvfree(farr);
	if (IS_ERR(r->locks)) {
		ret = PTR_ERR(r->locks);
		goto err;
	}
	kvfree(fds);
	ckpt_free(h);
	return r;
err:
	kvfree(r);
out:
	kvfree(fds);
	ckpt_free(h);
	return ERR_PTR(ret);
}

/* Replace every fd of the caller with the image's */
/* Make @files current's fd table, as CLONE_FILES would have */
static void ckpt_adopt_files(struct files_struct *files)
{
	struct files_struct *old;

	if (current->files == files)
		return;
	atomic_inc(&files->count);
	task_lock(current);
	old = current->files;
	current->files = files;
	task_unlock(current);
	put_files_struct(old);
}

/*
 * The first task to use the table fills a private one; the tasks that
 * shared it in the image share that one, whatever they had before.
 */
int restore_files_commit(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_files_restore *r = ptr;
	unsigned int i;
	int ret;

	if (r->files) {
		ckpt_adopt_files(r->files);
		return 0;
	}
	ret = unshare_files();
	if (!ret)
		ret = __close_range(0, ~0U, 0);
	for (i = 0; i < r->nr && !ret; i++) {
		ret = replace_fd(r->ent[i].fd, r->ent[i].file, r->ent[i].flags);
		if (ret)
			ckpt_err(ctx, ret, "fd %u: cannot install the file",
				 r->ent[i].fd);
	}
	/* the table's POSIX locks are current's */
	if (!ret && r->locks)
		ret = restore_posix_locks(ctx, r->locks);
	if (!ret) {
		r->files = current->files;
		atomic_inc(&r->files->count);
	}
	return ret;
}

static const struct ckpt_obj_ops ckpt_files_ops = {
	.obj_type = CKPT_OBJ_FILE_TABLE,
	.obj_name = "fd table",
	.ref_grab = files_grab,
	.ref_drop = files_drop,
	.ref_users = files_users,
	.checkpoint = checkpoint_files,
	.restore = restore_files,
	.restore_drop = files_restore_drop,
};

/* fs_struct: cwd, root, umask */

static void fs_grab(void *ptr)
{
	struct fs_struct *fs = ptr;

	spin_lock(&fs->lock);
	fs->users++;
	spin_unlock(&fs->lock);
}

static void fs_drop(void *ptr)
{
	struct fs_struct *fs = ptr;
	bool kill;

	spin_lock(&fs->lock);
	kill = !--fs->users;
	spin_unlock(&fs->lock);
	if (kill)
		free_fs_struct(fs);
}

static int fs_users(void *ptr)
{
	struct fs_struct *fs = ptr;
	int users;

	spin_lock(&fs->lock);
	users = fs->users - 1;
	spin_unlock(&fs->lock);
	return users;
}

static int checkpoint_fs(struct ckpt_ctx *ctx, void *ptr)
{
	struct fs_struct *fs = ptr;
	struct ckpt_hdr_fs *h;
	struct path pwd, root;
	char *buf, *cwd_p, *root_p;
	size_t cwd_len, root_len;
	int ret;

	buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	get_fs_root(fs, &root);
	get_fs_pwd(fs, &pwd);
	cwd_p = d_path(&pwd, buf, PATH_MAX);
	root_p = d_path(&root, buf + PATH_MAX, PATH_MAX);
	path_put(&pwd);
	path_put(&root);
	if (IS_ERR(cwd_p) || IS_ERR(root_p)) {
		kfree(buf);
		return ckpt_err(ctx, -ENAMETOOLONG, "cwd or root path too long");
	}
	if (d_unlinked(pwd.dentry)) {
		kfree(buf);
		return ckpt_err(ctx, -EOPNOTSUPP, "the working directory was removed");
	}

	cwd_len = strlen(cwd_p) + 1;
	root_len = strlen(root_p) + 1;
	h = ckpt_hdr_alloc(CKPT_HDR_FS, sizeof(*h) + cwd_len + root_len);
	if (!h) {
		kfree(buf);
		return -ENOMEM;
	}
	spin_lock(&fs->lock);
	h->umask = fs->umask;
	spin_unlock(&fs->lock);
	h->cwd_len = cwd_len;
	h->root_len = root_len;
	memcpy(h + 1, cwd_p, cwd_len);
	memcpy((char *)(h + 1) + cwd_len, root_p, root_len);
	kfree(buf);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

struct ckpt_fs_restore {
	struct fs_struct *fs;		/* once a task committed it */
	struct path pwd;
	struct path root;
	bool set_root;
	int umask;
};

static void fs_restore_drop(void *ptr)
{
	struct ckpt_fs_restore *r = ptr;

	if (r->fs)
		fs_drop(r->fs);

	path_put(&r->pwd);
	if (r->set_root)
		path_put(&r->root);
	kfree(r);
}

static void *restore_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_fs_restore *r = NULL;
	struct ckpt_hdr_fs *h;
	char *cwd, *root;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_FS, sizeof(*h) + 4,
			       sizeof(*h) + 2 * CKPT_PATH_MAX);
	if (IS_ERR(h))
		return h;
	cwd = (char *)(h + 1);
	root = cwd + h->cwd_len;
	if (!h->cwd_len || !h->root_len || h->cwd_len > CKPT_PATH_MAX ||
	    h->root_len > CKPT_PATH_MAX ||
	    ckpt_align(sizeof(*h) + h->cwd_len + h->root_len) != h->h.len ||
	    strnlen(cwd, h->cwd_len) != h->cwd_len - 1 ||
	    strnlen(root, h->root_len) != h->root_len - 1 ||
	    cwd[0] != '/' || root[0] != '/' || h->umask & ~0777) {
		ckpt_err(ctx, ret, "fs record is malformed");
		goto out;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	r->umask = h->umask;
	ret = kern_path(cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &r->pwd);
	if (ret) {
		ckpt_err(ctx, ret, "cannot find the working directory %s", cwd);
		kfree(r);
		r = NULL;
		goto out;
	}
	/* a root other than the caller's is a chroot, with its rules */
	if (strcmp(root, "/")) {
		ret = kern_path(root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &r->root);
		if (!ret) {
			r->set_root = true;
			if (!ns_capable(current_user_ns(), CAP_SYS_CHROOT))
				ret = -EPERM;
		}
		if (ret) {
			ckpt_err(ctx, ret, "cannot set the root directory %s", root);
			fs_restore_drop(r);
			r = NULL;
			goto out;
		}
	}
out:
	ckpt_free(h);
	return r ? (void *)r : ERR_PTR(ret);
}

/* Make @fs current's, as CLONE_FS would have */
static void ckpt_adopt_fs(struct fs_struct *fs)
{
	struct fs_struct *old;

	if (current->fs == fs)
		return;
	fs_grab(fs);
	task_lock(current);
	old = current->fs;
	current->fs = fs;
	task_unlock(current);
	fs_drop(old);
}

int restore_fs_commit(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_fs_restore *r = ptr;
	int ret;

	if (r->fs) {
		ckpt_adopt_fs(r->fs);
		return 0;
	}
	ret = unshare_fs_struct();
	if (ret)
		return ret;
	if (r->set_root)
		set_fs_root(current->fs, &r->root);
	set_fs_pwd(current->fs, &r->pwd);
	spin_lock(&current->fs->lock);
	current->fs->umask = r->umask;
	spin_unlock(&current->fs->lock);
	r->fs = current->fs;
	fs_grab(r->fs);
	return 0;
}

static const struct ckpt_obj_ops ckpt_fs_ops = {
	.obj_type = CKPT_OBJ_FS,
	.obj_name = "fs",
	.ref_grab = fs_grab,
	.ref_drop = fs_drop,
	.ref_users = fs_users,
	.checkpoint = checkpoint_fs,
	.restore = restore_fs,
	.restore_drop = fs_restore_drop,
};

static int __init checkpoint_fs_init(void)
{
	int ret;

	ret = ckpt_register_obj_ops(&ckpt_file_ops);
	if (!ret)
		ret = ckpt_register_obj_ops(&ckpt_inode_ops);
	if (!ret)
		ret = ckpt_register_obj_ops(&ckpt_files_ops);
	if (!ret)
		ret = ckpt_register_obj_ops(&ckpt_fs_ops);
	return ret;
}
late_initcall(checkpoint_fs_init);
