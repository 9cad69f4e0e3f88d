/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart: kernel-internal interfaces.
 *
 * The core (checkpoint/sys.c, objhash.c, checkpoint.c, restart.c) keeps
 * the context, reads and writes records and runs the object hash; it
 * knows no object kind.  Each kind of object lives in its own file and
 * registers a struct ckpt_obj_ops for its CKPT_OBJ_* type.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/xarray.h>
#include <uapi/linux/checkpoint.h>
#include <uapi/linux/checkpoint_hdr.h>

struct file;
struct files_struct;
struct iov_iter;
struct task_struct;
struct ckpt_pidns_save;
struct ckpt_pidns_image;

#define CHECKPOINT_USER_FLAGS	(CHECKPOINT_SUBTREE)
#define RESTART_USER_FLAGS	(RESTART_TASKSELF | RESTART_FROZEN)

/* ctx->kflags */
#define CKPT_CTX_CHECKPOINT	BIT(0)
#define CKPT_CTX_RESTART	BIT(1)
#define CKPT_CTX_SELF		BIT(2)	/* the caller checkpoints itself */
#define CKPT_CTX_NORETURN	BIT(3)	/* restart passed its point of no return */
#define CKPT_CTX_UNPRIV		BIT(4)	/* restart allowed by policy 2 only */

/* Largest record the core reads whole into memory */
#define CKPT_RECORD_MAX		SZ_16M
/* The most tasks one image holds */
#define CKPT_TASKS_MAX		65536
/* How deep objects may nest in the stream (file table -> file -> ...) */
#define CKPT_DEPTH_MAX		8

struct ckpt_ctx {
	unsigned long kflags;
	unsigned long uflags;
	u64 ckpt_id;

	struct file *file;		/* the image */
	loff_t pos;			/* bytes of records written or read */
	loff_t fpos;			/* the file's position: pos +- buffered */
	bool stream;			/* the image file has no position */
	void *buf;			/* the image buffer, see sys.c */
	size_t buf_len;			/* bytes it holds */
	size_t buf_off;			/* restart: bytes of them consumed */
	struct file *logfile;		/* logfd, or NULL */
	loff_t logpos;

	int err;			/* first error */
	bool err_logged;

	/* checkpoint: the tasks, in image order */
	struct task_struct *root_task;
	struct task_struct **tasks;
	unsigned int nr_tasks;
	struct task_struct *tsk;	/* the task being saved */
	struct ckpt_pidns_save *pidns;	/* their pid namespaces */
	unsigned long *newuts;		/* those in a UTS namespace of their own */
	unsigned long *newipc;		/* those in an IPC namespace of their own */
	pid_t tsk_pid;
	char what[48];			/* the fd or mapping being saved */

	/* object hash */
	DECLARE_HASHTABLE(obj_hash, 8);	/* checkpoint: pointer -> objref */
	struct xarray obj_xa;		/* restart: objref -> object */
	struct list_head obj_list;	/* checkpoint: every object held */
	int obj_next;			/* next objref */

	/* restart: the tree flags (CKPT_PIDS_*) of the task being restored */
	u32 tsk_flags;

	/* restart: one record of lookahead */
	struct ckpt_hdr peek;
	bool peeked;
	bool objs_ok;			/* objects may appear here */
	int depth;

	/* restart: what the header said */
	struct ckpt_hdr_header hdr;
	u64 xfeatures_mask;
	u32 xstate_size;
};

/*
 * struct ckpt_task_restore - what a restored task still has to do
 * once every task of the image is restored
 * @sig: its blocked mask, altstack and private pending signals
 * @signal: its thread group's signal object (held by the object hash)
 * @stop: it goes back to group stop
 * @retval: what its restart() returns: its saved ax
 */
struct ckpt_task_restore {
	void *sig;
	void *signal;
	bool stop;
	long retval;
};

/*
 * struct ckpt_obj_ops - how the core handles one kind of shared object
 * @obj_type: CKPT_OBJ_*
 * @obj_name: for log messages
 * @ref_grab: take a reference while the object sits in the hash
 * @ref_drop: drop it
 * @ref_users: how many references hold the object, the hash's own
 *             aside, to detect sharing with tasks outside the image;
 *             -1 when sharing it with them is harmless
 * @checkpoint: write the object's records (after the core's CKPT_HDR_OBJ)
 * @restore: read them back and return a referenced object or ERR_PTR
 * @restore_drop: release what @restore returned, when that is not the
 *                kernel object itself (default: @ref_drop)
 * @restore_done: optional, once the whole image is read: 0 if the
 *                object is complete, else -errno (and a log line)
 */
struct ckpt_obj_ops {
	int obj_type;
	const char *obj_name;
	void (*ref_grab)(void *ptr);
	void (*ref_drop)(void *ptr);
	int (*ref_users)(void *ptr);
	int (*checkpoint)(struct ckpt_ctx *ctx, void *ptr);
	void *(*restore)(struct ckpt_ctx *ctx);
	void (*restore_drop)(void *ptr);
	int (*restore_done)(struct ckpt_ctx *ctx, void *ptr);
};

int ckpt_register_obj_ops(const struct ckpt_obj_ops *ops);

struct ckpt_hdr_file;

/*
 * struct ckpt_file_ops - a kind of open file whose state is more than
 * a path (eventfd, epoll, sockets, ...).  The core of fs/checkpoint.c
 * writes the common CKPT_HDR_FILE record; the kind adds its own
 * records after it and reads them back.
 * @file_type: CKPT_FILE_*
 * @match: does @file belong to this kind
 * @prepare: optional, before the file's record is written: save the
 *           objects the file refers to (they precede it in the
 *           stream) and fill in h->obj_objref
 * @checkpoint: optional, write the kind's records after the file's
 * @restore: make the file from @h (f_flags, obj_objref, ...) and the
 *           kind's records; return a referenced file or ERR_PTR.  @h
 *           is untrusted: check every field the kind uses.
 */
struct ckpt_file_ops {
	u32 file_type;
	bool (*match)(struct file *file);
	int (*prepare)(struct ckpt_ctx *ctx, struct file *file,
		       struct ckpt_hdr_file *h);
	int (*checkpoint)(struct ckpt_ctx *ctx, struct file *file);
	struct file *(*restore)(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h);
};

int ckpt_register_file_ops(const struct ckpt_file_ops *ops);

/* objhash.c */
void ckpt_obj_hash_init(struct ckpt_ctx *ctx);
void ckpt_obj_hash_free(struct ckpt_ctx *ctx);
int checkpoint_obj_use(struct ckpt_ctx *ctx, void *ptr, int type,
		       unsigned int use);
int ckpt_obj_check_users(struct ckpt_ctx *ctx);
int ckpt_obj_restore_done(struct ckpt_ctx *ctx);

/* checkpoint_obj_use(): the kind of use */
#define CKPT_USE_HOLD		0	/* the object's state is shared */
#define CKPT_USE_SHAREABLE	BIT(0)	/* may be shared with outsiders */
#define CKPT_USE_NOREF		BIT(1)	/* holds no reference: not a use */
#define CKPT_USE_WHOLE		BIT(2)	/* restart needs it made by then */

static inline int checkpoint_obj(struct ckpt_ctx *ctx, void *ptr, int type)
{
	return checkpoint_obj_use(ctx, ptr, type, CKPT_USE_HOLD);
}

int ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr);
bool ckpt_obj_restored(struct ckpt_ctx *ctx, void *ptr, int type);
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, int objref, int type);
int ckpt_obj_restore(struct ckpt_ctx *ctx, u32 objtype);

/* sys.c: records */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_write_iter(struct ckpt_ctx *ctx, struct iov_iter *iter);
int ckpt_read_iter(struct ckpt_ctx *ctx, struct iov_iter *iter);
int ckpt_flush(struct ckpt_ctx *ctx);
void *ckpt_hdr_alloc(int type, size_t len);
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_write_hdr_data(struct ckpt_ctx *ctx, struct ckpt_hdr *h,
			size_t hlen, const void *data, size_t dlen);
int ckpt_read_hdr_type(struct ckpt_ctx *ctx, struct ckpt_hdr *h, int type,
		       size_t minlen, size_t maxlen);
void *ckpt_read_obj_type(struct ckpt_ctx *ctx, int type,
			 size_t minlen, size_t maxlen);
int ckpt_read_pad(struct ckpt_ctx *ctx, size_t len);
int ckpt_peek_type(struct ckpt_ctx *ctx);
void ckpt_free(const void *ptr);

static inline size_t ckpt_align(size_t len)
{
	return ALIGN(len, 8);
}

/* sys.c: the one log line of a failure */
__printf(3, 4)
int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);

/* checkpoint.c and restart.c */
long do_checkpoint(struct ckpt_ctx *ctx, pid_t pid);
long do_restart(struct ckpt_ctx *ctx, pid_t pid, long *retval);
long restart_join(long *retval);

/* checkpoint/process.c */
int checkpoint_task(struct ckpt_ctx *ctx, struct task_struct *t);
int restore_task(struct ckpt_ctx *ctx, struct ckpt_task_restore *tr);
int restore_task_finish(struct ckpt_ctx *ctx, struct ckpt_task_restore *tr,
			bool group);
void restore_task_release(struct ckpt_task_restore *tr);
bool ckpt_task_quiescent(struct task_struct *t);
bool ckpt_task_has_file(struct task_struct *t, struct file *file);

/* checkpoint/pidns.c */
int checkpoint_pidns(struct ckpt_ctx *ctx);
int checkpoint_write_pidns(struct ckpt_ctx *ctx);
void checkpoint_pidns_free(struct ckpt_ctx *ctx);
struct ckpt_pidns_image *restore_read_pidns(struct ckpt_ctx *ctx,
					    const struct ckpt_hdr_tree *tree);
int restore_check_pidns(struct ckpt_ctx *ctx, struct ckpt_pidns_image *pi,
			struct task_struct *(*task)(void *arg, u32 i), void *arg);
void restore_pidns_free(struct ckpt_pidns_image *pi);

/* checkpoint/checkpoint.c */
void *ckpt_nsproxy_ns(struct task_struct *t, size_t off);
unsigned long *checkpoint_new_ns(struct ckpt_ctx *ctx, size_t off, const char *what);

/* checkpoint/utsns.c */
int checkpoint_utsns(struct ckpt_ctx *ctx);
int checkpoint_write_utsns(struct ckpt_ctx *ctx);
void checkpoint_utsns_free(struct ckpt_ctx *ctx);
struct ckpt_hdr_utsns *restore_read_utsns(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_tree *tree);
int restore_utsns(struct ckpt_ctx *ctx, const struct ckpt_hdr_tree *tree,
		  const struct ckpt_hdr_utsns *h,
		  struct task_struct *(*task)(void *arg, u32 i), void *arg);

/*
 * A mapping as mm/checkpoint.c works on it: struct ckpt_vma of the
 * image, with its type and flags apart.
 */
struct ckpt_vma_desc {
	u32 vma_type;			/* CKPT_VMA_* */
	s32 file_objref;		/* CKPT_OBJ_FILE, or 0; SYSVSHM: shmid */
	u64 start;
	u64 end;
	u64 pgoff;			/* in pages */
	u64 vm_flags;			/* CKPT_VM_* */
};

/* ipc/checkpoint.c */
#ifdef CONFIG_SYSVIPC
int checkpoint_ipcns(struct ckpt_ctx *ctx);
void checkpoint_ipcns_free(struct ckpt_ctx *ctx);
int checkpoint_task_ipc(struct ckpt_ctx *ctx, struct task_struct *t);
int restore_check_ipcns(struct ckpt_ctx *ctx, const struct ckpt_hdr_tree *tree,
			struct task_struct *(*task)(void *arg, u32 i), void *arg);
bool ckpt_file_is_sysvshm(struct file *file);
int checkpoint_vma_sysvshm(struct ckpt_ctx *ctx, struct file *file,
			   struct ckpt_vma_desc *h);
int restore_vma_sysvshm(struct ckpt_ctx *ctx, const struct ckpt_vma_desc *h);
#else
static inline int checkpoint_ipcns(struct ckpt_ctx *ctx)
{
	return 0;
}

static inline void checkpoint_ipcns_free(struct ckpt_ctx *ctx)
{
}

static inline int checkpoint_task_ipc(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return 0;
}

static inline int restore_check_ipcns(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_tree *tree,
				      struct task_struct *(*task)(void *arg, u32 i),
				      void *arg)
{
	return 0;
}

static inline bool ckpt_file_is_sysvshm(struct file *file)
{
	return false;
}

static inline int checkpoint_vma_sysvshm(struct ckpt_ctx *ctx, struct file *file,
					 struct ckpt_vma_desc *h)
{
	return -EOPNOTSUPP;
}

static inline int restore_vma_sysvshm(struct ckpt_ctx *ctx,
				      const struct ckpt_vma_desc *h)
{
	return -EOPNOTSUPP;
}
#endif

/* checkpoint/cred.c */
int restore_cred_commit(struct ckpt_ctx *ctx, void *cred);

/* checkpoint/signal.c */
int checkpoint_task_signal(struct ckpt_ctx *ctx, struct task_struct *t);
void *restore_task_signal_read(struct ckpt_ctx *ctx);
int restore_task_signal_apply(struct ckpt_ctx *ctx, void *sig);
void restore_task_signal_free(void *sig);
int restore_task_signal_pending(struct ckpt_ctx *ctx, void *sig, void *signal);
int restore_sighand_commit(struct ckpt_ctx *ctx, void *sighand);
int restore_signal_prepare(struct ckpt_ctx *ctx, void *signal);

/* checkpoint/timer.c */
int checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *t);
void *restore_timers_read(struct ckpt_ctx *ctx);
int restore_timers(struct ckpt_ctx *ctx, void *timers);
void restore_timers_free(void *timers);

/* arch: arch/x86/mm/checkpoint.c */
int checkpoint_write_header_arch(struct ckpt_ctx *ctx);
int restore_read_header_arch(struct ckpt_ctx *ctx);
int checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *t);
void *restore_cpu_read(struct ckpt_ctx *ctx);
int restore_cpu_apply(struct ckpt_ctx *ctx, void *cpu, long *retval);
void restore_cpu_free(void *cpu);
void restore_cpu_syscall(long *retval);

/* mm/checkpoint.c */
int restore_mm_commit(struct ckpt_ctx *ctx, void *mm);

/* fs/checkpoint.c */
int restore_files_commit(struct ckpt_ctx *ctx, void *files);
int restore_fs_commit(struct ckpt_ctx *ctx, void *fs);
struct file *restore_file_get(struct ckpt_ctx *ctx, int objref);
int checkpoint_shmem_contents(struct ckpt_ctx *ctx, struct file *file);
int restore_shmem_contents(struct ckpt_ctx *ctx, struct file *file);

/* fs/checkpoint_locks.c */
int checkpoint_file_locks(struct ckpt_ctx *ctx, struct file *file);
int restore_file_locks(struct ckpt_ctx *ctx, struct file *file);
int checkpoint_posix_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			   struct file **farr, const struct ckpt_fd_ent *ents,
			   unsigned int nr);
void *restore_posix_locks_read(struct ckpt_ctx *ctx,
			       const struct ckpt_fd_ent *fds, struct file **files,
			       unsigned int nr);
int restore_posix_locks(struct ckpt_ctx *ctx, void *locks);
void restore_posix_locks_free(void *locks);

/* fs/checkpoint_pipe.c */
struct file *restore_pipe_file(struct ckpt_ctx *ctx, int objref,
			       unsigned int f_flags);
struct file *restore_fifo_file(struct ckpt_ctx *ctx, int objref,
			       const char *path, unsigned int f_flags);

/* drivers/tty/checkpoint.c */
#if IS_ENABLED(CONFIG_UNIX98_PTYS)
int checkpoint_ctty_obj(struct ckpt_ctx *ctx, struct task_struct *t);
int checkpoint_ctty(struct ckpt_ctx *ctx, struct task_struct *t, int objref);
void *restore_ctty_read(struct ckpt_ctx *ctx);
int restore_ctty(struct ckpt_ctx *ctx, void *ctty);
void restore_ctty_free(void *ctty);
#else
static inline int checkpoint_ctty_obj(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return 0;
}

static inline int checkpoint_ctty(struct ckpt_ctx *ctx, struct task_struct *t,
				  int objref)
{
	return 0;
}

static inline void *restore_ctty_read(struct ckpt_ctx *ctx)
{
	return NULL;
}

static inline int restore_ctty(struct ckpt_ctx *ctx, void *ctty)
{
	return 0;
}

static inline void restore_ctty_free(void *ctty)
{
}
#endif

#endif /* _LINUX_CHECKPOINT_H */
