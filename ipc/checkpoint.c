// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: SysV IPC namespaces, with their shared memory
 * segments, semaphore sets and message queues.
 *
 * A task whose IPC namespace is not its parent's made it (clone() or
 * unshare() with CLONE_NEWIPC): its tree entry says CKPT_PIDS_NEWIPC,
 * and the tree builder makes it in a new, empty IPC namespace.  The
 * namespace is an object (CKPT_OBJ_IPCNS) saved among that task's
 * objects, before its address space: the namespace's limits, then
 * every segment (with its contents), set (with its values) and queue
 * (with its messages).  Restart, in that task, fills its namespace
 * with them, each with the id it had: ipc_addid() takes the id the
 * sysctls kernel.{shm,sem,msg}_next_id would ask for.  Then address
 * spaces attach their segments again (CKPT_VMA_SYSVSHM) by id.
 *
 * The IPC namespace the root inherits from its parent belongs to the
 * system, not to the image: its objects are not saved, and a mapping
 * of one of its segments cannot be checkpointed (EOPNOTSUPP).  One
 * namespace that two tasks of the image entered (setns()), neither
 * inheriting it from the other, cannot be rebuilt by forking: refused.
 *
 * A semaphore undo list holding adjustments (SEM_UNDO) is an object too
 * (CKPT_OBJ_SEM_UNDO), saved after the namespace by the first task of
 * the image that uses it: the adjustments of every set.  The threads of
 * a process share it (CLONE_SYSVSEM), and the tree builder makes them
 * share one again, so the first of them to be restored fills it with
 * semop(2)'s own find_alloc_undo(), in its IPC namespace: the restored
 * one, where its exit (exit_sem()) looks the sets up.  A list of zero
 * adjustments is dropped.
 *
 * Not supported yet: undo lists shared by processes (clone() with
 * CLONE_SYSVSEM but not CLONE_THREAD), or holding adjustments to sets
 * of the system's namespace; hugetlb and locked (SHM_LOCK) segments,
 * mappings of part of a segment.  Times and the pids of the last
 * operations are not kept.
 */

#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/ipc.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/msg.h>
#include <linux/nsproxy.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sem.h>
#include <linux/shm.h>
#include <uapi/linux/shm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "util.h"
#include "checkpoint.h"

#define CKPT_IPC_MODE	0777
#define CKPT_IPC_IDS	ARRAY_SIZE(((struct ipc_namespace *)NULL)->ids)

static const char * const ckpt_ipc_kind[] = {
	[IPC_SEM_IDS] = "semaphore set",
	[IPC_MSG_IDS] = "message queue",
	[IPC_SHM_IDS] = "shm segment",
};

/* @t's IPC namespace, for comparisons only; NULL once @t has exited */
static struct ipc_namespace *ckpt_ipc_of(struct task_struct *t)
{
	return ckpt_nsproxy_ns(t, offsetof(struct nsproxy, ipc_ns));
}

/* Is @t in an IPC namespace other than its parent's?  Under RCU */
static bool ckpt_ipc_not_parents(struct task_struct *t)
{
	struct ipc_namespace *ns = ckpt_ipc_of(t);

	return ns && ns != ckpt_ipc_of(rcu_dereference(t->real_parent));
}

/**
 * checkpoint_ipcns - find the tasks in an IPC namespace of their own
 * @ctx: checkpoint context, its tasks collected and frozen
 *
 * Sets ctx->newipc: the tree entries that get CKPT_PIDS_NEWIPC.
 */
int checkpoint_ipcns(struct ckpt_ctx *ctx)
{
	unsigned long *new = checkpoint_new_ns(ctx, offsetof(struct nsproxy, ipc_ns),
					       "an IPC namespace");

	if (IS_ERR(new))
		return PTR_ERR(new);
	ctx->newipc = new;
	return 0;
}

void checkpoint_ipcns_free(struct ckpt_ctx *ctx)
{
	bitmap_free(ctx->newipc);
	ctx->newipc = NULL;
}

/*
 * @t's semaphore undo list, if it holds adjustments to sets of @ns: an
 * object, which every thread of @t's process, and no other task, must
 * share (see above)
 */
static int checkpoint_task_sem_undo(struct ckpt_ctx *ctx, struct task_struct *t,
				    struct ipc_namespace *ns)
{
	struct sem_undo_list *ulp;
	struct task_struct *th;
	unsigned int users, sharing = 0;
	bool all = true;
	int ret;

	if (!sem_ckpt_undo_pending(t, ns))
		return 0;
	if (ckpt_obj_lookup(ctx, ns) <= 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"semaphore undo adjustments (SEM_UNDO) to sets of an IPC namespace that is not the container's");
	ulp = sem_ckpt_undo_list(t, &users);
	rcu_read_lock();
	for_each_thread(t, th) {
		if (th->flags & PF_EXITING)
			continue;
		if (READ_ONCE(th->sysvsem.undo_list) == ulp)
			sharing++;
		else
			all = false;
	}
	rcu_read_unlock();
	if (!all || users != sharing)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"semaphore undo list (SEM_UNDO) shared with another process (CLONE_SYSVSEM) or not with every thread: not supported");
	ret = checkpoint_obj(ctx, ulp, CKPT_OBJ_SEM_UNDO);
	return ret < 0 ? ret : 0;
}

/**
 * checkpoint_task_ipc - save @t's IPC namespace if it is one of its own
 * @ctx: checkpoint context
 * @t: a task of the image, before its address space is saved
 */
int checkpoint_task_ipc(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ipc_namespace *ns = ckpt_ipc_of(t);
	unsigned int i;
	int ret;

	if (!ns)
		return ckpt_err(ctx, -EBUSY, "the task is exiting");
	for_each_set_bit(i, ctx->newipc, ctx->nr_tasks)
		if (ctx->tasks[i] == t)
			break;
	if (i < ctx->nr_tasks) {
		ret = checkpoint_obj(ctx, ns, CKPT_OBJ_IPCNS);
		if (ret < 0)
			return ret;
	}
	/* t is stopped or current: its nsproxy holds ns */
	return checkpoint_task_sem_undo(ctx, t, ns);
}

/* The ids of the objects of one kind in @ids, in id order */
static int *ckpt_ipc_ids(struct ipc_ids *ids, unsigned int *nr)
{
	struct kern_ipc_perm *perm;
	unsigned int n = 0, max;
	int *arr, idx;

	down_read(&ids->rwsem);
	max = ids->in_use;
	arr = kvcalloc(max ? max : 1, sizeof(*arr), GFP_KERNEL);
	if (!arr) {
		up_read(&ids->rwsem);
		return NULL;
	}
	rcu_read_lock();
	idr_for_each_entry(&ids->ipcs_idr, perm, idx) {
		if (n == max)
			break;
		arr[n++] = perm->id;
	}
	rcu_read_unlock();
	up_read(&ids->rwsem);
	*nr = n;
	return arr;
}

static void ckpt_ipc_perm_save(struct kern_ipc_perm *perm, struct ckpt_ipc_perm *p)
{
	struct user_namespace *uns = current_user_ns();

	p->id = perm->id;
	p->key = perm->key;
	p->uid = from_kuid_munged(uns, perm->uid);
	p->gid = from_kgid_munged(uns, perm->gid);
	p->cuid = from_kuid_munged(uns, perm->cuid);
	p->cgid = from_kgid_munged(uns, perm->cgid);
	p->mode = perm->mode & CKPT_IPC_MODE;
}

/* Object @id of @ids, with its rwsem held for reading and under RCU */
static struct kern_ipc_perm *ckpt_ipc_find(struct ckpt_ctx *ctx,
					   struct ipc_ids *ids, int kind, int id)
{
	struct kern_ipc_perm *perm;

	perm = ipc_obtain_object_check(ids, id);
	if (IS_ERR(perm)) {
		ckpt_err(ctx, -EBUSY, "%s %d went away during checkpoint",
			 ckpt_ipc_kind[kind], id);
		return ERR_PTR(-EBUSY);
	}
	return perm;
}

static int checkpoint_ipc_shm(struct ckpt_ctx *ctx, struct ipc_namespace *ns, int id)
{
	struct ipc_ids *ids = &ns->ids[IPC_SHM_IDS];
	struct ckpt_hdr_ipc_shm *h;
	struct kern_ipc_perm *perm;
	struct file *file = NULL;
	bool dest = false, locked = false;
	size_t size = 0;
	int ret = 0;

	h = ckpt_hdr_alloc(CKPT_HDR_IPC_SHM, sizeof(*h));
	if (!h)
		return -ENOMEM;
	down_read(&ids->rwsem);
	rcu_read_lock();
	perm = ckpt_ipc_find(ctx, ids, IPC_SHM_IDS, id);
	if (IS_ERR(perm)) {
		ret = PTR_ERR(perm);
	} else {
		ckpt_ipc_perm_save(perm, &h->perm);
		file = shm_ckpt_get(perm, &size, &dest, &locked);
	}
	rcu_read_unlock();
	up_read(&ids->rwsem);
	if (ret)
		goto out;

	if (locked || is_file_hugepages(file)) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "shm segment %d: %s segments are not supported",
			       id, locked ? "locked (SHM_LOCK)" : "hugetlb");
		goto out;
	}
	h->size = size;
	if (dest)
		h->flags |= CKPT_SHM_DEST;
	ret = ckpt_write_obj(ctx, &h->h);
	if (!ret)
		ret = checkpoint_shmem_contents(ctx, file);
out:
	if (file)
		fput(file);
	ckpt_free(h);
	return ret;
}

static int checkpoint_ipc_sem(struct ckpt_ctx *ctx, struct ipc_namespace *ns, int id)
{
	struct ipc_ids *ids = &ns->ids[IPC_SEM_IDS];
	struct ckpt_hdr_ipc_sem *h;
	struct kern_ipc_perm *perm;
	int ret = 0, nsems = 0, n = 0;

	/* the size first, then the values: the tasks of the set are frozen */
	down_read(&ids->rwsem);
	rcu_read_lock();
	perm = ckpt_ipc_find(ctx, ids, IPC_SEM_IDS, id);
	if (IS_ERR(perm))
		ret = PTR_ERR(perm);
	else
		nsems = sem_ckpt_get(perm, NULL, 0);
	rcu_read_unlock();
	up_read(&ids->rwsem);
	if (ret)
		return ret;

	h = ckpt_hdr_alloc(CKPT_HDR_IPC_SEM, struct_size(h, semval, nsems));
	if (!h)
		return -ENOMEM;
	down_read(&ids->rwsem);
	rcu_read_lock();
	perm = ckpt_ipc_find(ctx, ids, IPC_SEM_IDS, id);
	if (IS_ERR(perm)) {
		ret = PTR_ERR(perm);
	} else {
		ckpt_ipc_perm_save(perm, &h->perm);
		n = sem_ckpt_get(perm, h->semval, nsems);
	}
	rcu_read_unlock();
	up_read(&ids->rwsem);
	if (!ret && n != nsems)
		ret = ckpt_err(ctx, -EBUSY, "semaphore set %d changed during checkpoint", id);
	if (!ret) {
		h->nsems = nsems;
		ret = ckpt_write_hdr_data(ctx, &h->h, sizeof(*h), h->semval,
					  nsems * sizeof(h->semval[0]));
	}
	ckpt_free(h);
	return ret;
}

static void ckpt_msg_free(struct msg_ckpt *mc)
{
	kvfree(mc->types);
	kvfree(mc->lens);
	kvfree(mc->data);
	mc->types = NULL;
	mc->lens = NULL;
	mc->data = NULL;
}

static int checkpoint_ipc_msg(struct ckpt_ctx *ctx, struct ipc_namespace *ns, int id)
{
	struct ipc_ids *ids = &ns->ids[IPC_MSG_IDS];
	struct ckpt_hdr_ipc_msg h = { .h.type = CKPT_HDR_IPC_MSG };
	struct ckpt_ipc_msg *ents = NULL;
	static const char zeroes[8];
	struct msg_ckpt mc = {};
	struct kern_ipc_perm *perm;
	unsigned long i;
	size_t len;
	int ret, tries;

	/* size the room, then copy; the queue only changes if an outsider uses it */
	for (tries = 0; tries < 3; tries++) {
		down_read(&ids->rwsem);
		rcu_read_lock();
		perm = ckpt_ipc_find(ctx, ids, IPC_MSG_IDS, id);
		if (IS_ERR(perm)) {
			ret = PTR_ERR(perm);
		} else {
			ckpt_ipc_perm_save(perm, &h.perm);
			ret = msg_ckpt_get(perm, &mc);
		}
		rcu_read_unlock();
		up_read(&ids->rwsem);
		if (ret != -EAGAIN)
			break;
		ckpt_msg_free(&mc);
		if (mc.nr_msgs > CKPT_MSGS_MAX ||
		    mc.bytes > CKPT_RECORD_MAX - sizeof(h) - mc.nr_msgs * sizeof(*ents)) {
			return ckpt_err(ctx, -EOPNOTSUPP,
					"message queue %d: %lu messages, %lu bytes: too many",
					id, mc.nr_msgs, mc.bytes);
		}
		mc.max_msgs = mc.nr_msgs;
		mc.max_bytes = mc.bytes;
		mc.types = kvcalloc(mc.max_msgs + 1, sizeof(*mc.types), GFP_KERNEL);
		mc.lens = kvcalloc(mc.max_msgs + 1, sizeof(*mc.lens), GFP_KERNEL);
		mc.data = kvmalloc(mc.max_bytes + 1, GFP_KERNEL);
		if (!mc.types || !mc.lens || !mc.data) {
			ckpt_msg_free(&mc);
			return -ENOMEM;
		}
	}
	if (ret == -EAGAIN)
		ret = ckpt_err(ctx, -EBUSY, "message queue %d changes during checkpoint", id);
	if (ret)
		goto out;

	ents = kvcalloc(mc.nr_msgs + 1, sizeof(*ents), GFP_KERNEL);
	if (!ents) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < mc.nr_msgs; i++) {
		ents[i].mtype = mc.types[i];
		ents[i].len = mc.lens[i];
	}
	h.qbytes = mc.qbytes;
	h.nr_msgs = mc.nr_msgs;
	h.data_len = mc.bytes;
	len = sizeof(h) + mc.nr_msgs * sizeof(*ents) + mc.bytes;
	h.h.len = ckpt_align(len);
	ret = ckpt_kwrite(ctx, &h, sizeof(h));
	if (!ret && mc.nr_msgs)
		ret = ckpt_kwrite(ctx, ents, mc.nr_msgs * sizeof(*ents));
	if (!ret && mc.bytes)
		ret = ckpt_kwrite(ctx, mc.data, mc.bytes);
	if (!ret && h.h.len != len)
		ret = ckpt_kwrite(ctx, zeroes, h.h.len - len);
out:
	kvfree(ents);
	ckpt_msg_free(&mc);
	return ret;
}

static int checkpoint_ipcns_obj(struct ckpt_ctx *ctx, void *ptr)
{
	static int (* const save[])(struct ckpt_ctx *, struct ipc_namespace *, int) = {
		[IPC_SEM_IDS] = checkpoint_ipc_sem,
		[IPC_MSG_IDS] = checkpoint_ipc_msg,
		[IPC_SHM_IDS] = checkpoint_ipc_shm,
	};
	static const int order[] = { IPC_SHM_IDS, IPC_SEM_IDS, IPC_MSG_IDS };
	struct ipc_namespace *ns = ptr;
	struct ckpt_hdr_ipcns *h;
	unsigned int nr[CKPT_IPC_IDS] = {}, k, i;
	int *ids[CKPT_IPC_IDS] = {};
	int ret = 0;

	for (k = 0; k < CKPT_IPC_IDS; k++) {
		ids[k] = ckpt_ipc_ids(&ns->ids[k], &nr[k]);
		if (!ids[k]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	h = ckpt_hdr_alloc(CKPT_HDR_IPCNS, sizeof(*h));
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	h->nr_shm = nr[IPC_SHM_IDS];
	h->nr_sem = nr[IPC_SEM_IDS];
	h->nr_msg = nr[IPC_MSG_IDS];
	h->shm_rmid_forced = ns->shm_rmid_forced;
	h->shm_ctlmax = ns->shm_ctlmax;
	h->shm_ctlall = ns->shm_ctlall;
	h->shm_ctlmni = ns->shm_ctlmni;
	h->msg_ctlmax = ns->msg_ctlmax;
	h->msg_ctlmnb = ns->msg_ctlmnb;
	h->msg_ctlmni = ns->msg_ctlmni;
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		h->sem_ctls[i] = ns->sem_ctls[i];
	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);

	for (i = 0; i < ARRAY_SIZE(order) && !ret; i++) {
		unsigned int j;

		k = order[i];
		for (j = 0; j < nr[k] && !ret; j++)
			ret = save[k](ctx, ns, ids[k][j]);
	}
out:
	for (k = 0; k < CKPT_IPC_IDS; k++)
		kvfree(ids[k]);
	return ret;
}

/* A SysV shm mapping's file: a segment attached with shmat(2) */
bool ckpt_file_is_sysvshm(struct file *file)
{
	struct ipc_namespace *ns;

	return shm_ckpt_mapping(file, &ns) >= 0;
}

/**
 * checkpoint_vma_sysvshm - a SysV shm mapping: the segment's id
 * @ctx: checkpoint context; ctx->tsk owns the address space
 * @file: the mapping's file
 * @h: the mapping: file_objref gets the shmid
 */
int checkpoint_vma_sysvshm(struct ckpt_ctx *ctx, struct file *file,
			   struct ckpt_vma_desc *h)
{
	u64 size = PAGE_ALIGN(i_size_read(file_inode(file)));
	struct ipc_namespace *ns;
	int id;

	id = shm_ckpt_mapping(file, &ns);
	if (id < 0)
		return -EINVAL;
	if (ns != ckpt_ipc_of(ctx->tsk) || ckpt_obj_lookup(ctx, ns) <= 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"mapping at %#llx: SysV shm segment %d of an IPC namespace that is not the container's",
				h->start, id);
	if (h->pgoff || h->end - h->start != size)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"mapping at %#llx: part of SysV shm segment %d: not supported",
				h->start, id);
	if (!(h->vm_flags & CKPT_VM_READ) ||
	    !(h->vm_flags & CKPT_VM_WRITE) != !(h->vm_flags & CKPT_VM_MAYWRITE))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"mapping at %#llx: SysV shm segment %d with changed protection: not supported",
				h->start, id);
	h->file_objref = id;
	return 0;
}

/**
 * restore_vma_sysvshm - attach a segment again, as shmat(2) would
 * @ctx: restart context
 * @h: the mapping, checked: a whole attachment of a segment of
 *     current's IPC namespace
 */
int restore_vma_sysvshm(struct ckpt_ctx *ctx, const struct ckpt_vma_desc *h)
{
	struct vm_area_struct *vma;
	int shmflg = SHM_REMAP;
	unsigned long addr;
	bool ok;
	long ret;

	/* only a namespace this restart filled: not the caller's */
	if (!ckpt_obj_restored(ctx, current->nsproxy->ipc_ns, CKPT_OBJ_IPCNS))
		return ckpt_err(ctx, -EINVAL,
				"mapping at %#llx: SysV shm segment %d, but no IPC namespace of the image",
				h->start, h->file_objref);
	if (!(h->vm_flags & CKPT_VM_WRITE))
		shmflg |= SHM_RDONLY;
	if (h->vm_flags & CKPT_VM_EXEC)
		shmflg |= SHM_EXEC;
	ret = do_shmat(h->file_objref, (char __user *)(unsigned long)h->start,
		       shmflg, &addr, SHMLBA);
	if (ret)
		return ckpt_err(ctx, ret, "cannot attach SysV shm segment %d at %#llx",
				h->file_objref, h->start);
	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	ok = addr == h->start && vma && vma->vm_start == h->start &&
	     vma->vm_end == h->end;
	mmap_read_unlock(current->mm);
	if (!ok)
		return ckpt_err(ctx, -EINVAL,
				"SysV shm segment %d does not fit its mapping %#llx-%#llx",
				h->file_objref, h->start, h->end);
	return 0;
}

/* Restart */

struct ckpt_ipc_owner {
	kuid_t uid, cuid;
	kgid_t gid, cgid;
};

static int restore_ipc_perm_check(struct ckpt_ctx *ctx, int kind,
				  const struct ckpt_ipc_perm *p,
				  struct ckpt_ipc_owner *o)
{
	struct user_namespace *uns = current_user_ns();

	o->uid = make_kuid(uns, p->uid);
	o->gid = make_kgid(uns, p->gid);
	o->cuid = make_kuid(uns, p->cuid);
	o->cgid = make_kgid(uns, p->cgid);
	if (p->id < 0 || ipcid_to_idx(p->id) >= ipc_mni || (p->mode & ~CKPT_IPC_MODE) ||
	    p->__pad)
		return ckpt_err(ctx, -EINVAL, "%s record %d is malformed",
				ckpt_ipc_kind[kind], p->id);
	if (!uid_valid(o->uid) || !gid_valid(o->gid) || !uid_valid(o->cuid) ||
	    !gid_valid(o->cgid))
		return ckpt_err(ctx, -EINVAL, "%s %d: owner %u:%u has no mapping here",
				ckpt_ipc_kind[kind], p->id, p->uid, p->gid);
	return 0;
}

/* Ask ipc_addid() for id @id, as writing kernel.*_next_id would */
static void restore_ipc_next_id(struct ipc_ids *ids, int id)
{
	down_write(&ids->rwsem);
	ids->next_id = id;
	up_write(&ids->rwsem);
}

/* Did ksys_*get() make object @p->id?  If not, say why */
static int restore_ipc_made(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
			    int kind, const struct ckpt_ipc_perm *p, long ret)
{
	/* unused if the make failed before it reached ipc_addid() */
	restore_ipc_next_id(&ns->ids[kind], -1);
	if (ret == -EEXIST || ret == -ENOSPC || (ret >= 0 && ret != p->id))
		return ckpt_err(ctx, -EBUSY, "%s %d (key %#x): its id or key is in use",
				ckpt_ipc_kind[kind], p->id, p->key);
	if (ret < 0)
		return ckpt_err(ctx, ret, "cannot make %s %d (key %#x)",
				ckpt_ipc_kind[kind], p->id, p->key);
	return 0;
}

/*
 * Give object @p->id, just made by current, its owner, creator and
 * mode; for a segment, its SHM_DEST state and its shmem file (*file)
 */
static int restore_ipc_finish(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
			      int kind, const struct ckpt_ipc_perm *p,
			      const struct ckpt_ipc_owner *o, bool dest,
			      struct file **file)
{
	struct ipc_ids *ids = &ns->ids[kind];
	struct kern_ipc_perm *perm;
	size_t size;
	bool d, l;
	int ret = 0;

	down_write(&ids->rwsem);
	rcu_read_lock();
	perm = ipc_obtain_object_check(ids, p->id);
	if (IS_ERR(perm)) {
		ret = PTR_ERR(perm);
	} else {
		ipc_lock_object(perm);
		perm->uid = o->uid;
		perm->gid = o->gid;
		perm->cuid = o->cuid;
		perm->cgid = o->cgid;
		perm->mode = (perm->mode & ~CKPT_IPC_MODE) | p->mode;
		ipc_unlock_object(perm);
		if (dest)
			shm_ckpt_set_dest(ns, perm);
		if (file)
			*file = shm_ckpt_get(perm, &size, &d, &l);
	}
	rcu_read_unlock();
	up_write(&ids->rwsem);
	if (ret)
		return ckpt_err(ctx, ret, "%s %d went away during restart",
				ckpt_ipc_kind[kind], p->id);
	return 0;
}

static int restore_ipc_shm(struct ckpt_ctx *ctx, struct ipc_namespace *ns)
{
	struct ckpt_hdr_ipc_shm *h;
	struct ckpt_ipc_owner o;
	struct file *file = NULL;
	long ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_IPC_SHM, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = restore_ipc_perm_check(ctx, IPC_SHM_IDS, &h->perm, &o);
	if (ret)
		goto out;
	if ((h->flags & ~CKPT_SHM_DEST) || h->__pad || !h->size || h->size > ns->shm_ctlmax ||
	    ((h->flags & CKPT_SHM_DEST) && h->perm.key != IPC_PRIVATE)) {
		ret = ckpt_err(ctx, -EINVAL, "shm segment %d: bad size %llu or flags %#x",
			       h->perm.id, h->size, h->flags);
		goto out;
	}
	restore_ipc_next_id(&ns->ids[IPC_SHM_IDS], h->perm.id);
	ret = ksys_shmget(h->perm.key, h->size, 0600 | IPC_CREAT | IPC_EXCL);
	ret = restore_ipc_made(ctx, ns, IPC_SHM_IDS, &h->perm, ret);
	if (!ret)
		ret = restore_ipc_finish(ctx, ns, IPC_SHM_IDS, &h->perm, &o,
					 h->flags & CKPT_SHM_DEST, &file);
	if (!ret)
		ret = restore_shmem_contents(ctx, file);
	if (file)
		fput(file);
out:
	ckpt_free(h);
	return ret;
}

static int restore_ipc_sem(struct ckpt_ctx *ctx, struct ipc_namespace *ns)
{
	struct ckpt_hdr_ipc_sem *h;
	struct kern_ipc_perm *perm;
	struct ckpt_ipc_owner o;
	unsigned int i;
	long ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_IPC_SEM, struct_size(h, semval, 1),
			       CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = restore_ipc_perm_check(ctx, IPC_SEM_IDS, &h->perm, &o);
	if (ret)
		goto out;
	if (!h->nsems || h->nsems > ns->sem_ctls[0] || h->__pad ||
	    ckpt_align(struct_size(h, semval, h->nsems)) != h->h.len) {
		ret = ckpt_err(ctx, -EINVAL, "semaphore set %d: %u semaphores in %u bytes",
			       h->perm.id, h->nsems, h->h.len);
		goto out;
	}
	for (i = 0; i < h->nsems; i++) {
		if (h->semval[i] < 0 || h->semval[i] > SEMVMX) {
			ret = ckpt_err(ctx, -EINVAL, "semaphore set %d: bad value %d",
				       h->perm.id, h->semval[i]);
			goto out;
		}
	}
	restore_ipc_next_id(&ns->ids[IPC_SEM_IDS], h->perm.id);
	ret = ksys_semget(h->perm.key, h->nsems, 0600 | IPC_CREAT | IPC_EXCL);
	ret = restore_ipc_made(ctx, ns, IPC_SEM_IDS, &h->perm, ret);
	if (ret)
		goto out;
	rcu_read_lock();
	perm = ipc_obtain_object_check(&ns->ids[IPC_SEM_IDS], h->perm.id);
	ret = IS_ERR(perm) ? PTR_ERR(perm) : sem_ckpt_set(perm, h->semval, h->nsems);
	rcu_read_unlock();
	if (ret)
		ret = ckpt_err(ctx, ret, "semaphore set %d: cannot set its values",
			       h->perm.id);
	else
		ret = restore_ipc_finish(ctx, ns, IPC_SEM_IDS, &h->perm, &o, false, NULL);
out:
	ckpt_free(h);
	return ret;
}

/* Queue the messages of @h in queue @id with msgsnd(2), from user memory */
static int restore_ipc_msgs(struct ckpt_ctx *ctx, struct ckpt_hdr_ipc_msg *h,
			    const struct ckpt_ipc_msg *ents, const char *data,
			    size_t maxlen)
{
	size_t ulen = PAGE_ALIGN(sizeof(long) + maxlen);
	unsigned long ubuf;
	unsigned int i;
	long ret = 0;

	ubuf = vm_mmap(NULL, 0, ulen, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ubuf))
		return ubuf;
	for (i = 0; i < h->nr_msgs && !ret; i++) {
		struct msgbuf __user *m = (struct msgbuf __user *)ubuf;

		if (put_user(ents[i].mtype, &m->mtype) ||
		    copy_to_user(m->mtext, data, ents[i].len)) {
			ret = -EFAULT;
			break;
		}
		ret = ksys_msgsnd(h->perm.id, m, ents[i].len, IPC_NOWAIT);
		data += ents[i].len;
	}
	vm_munmap(ubuf, ulen);
	if (ret == -EAGAIN)
		return ckpt_err(ctx, -EINVAL,
				"message queue %d: its messages exceed msg_qbytes %llu",
				h->perm.id, h->qbytes);
	if (ret)
		return ckpt_err(ctx, ret, "message queue %d: cannot queue message %u",
				h->perm.id, i);
	return 0;
}

static int restore_ipc_msg(struct ckpt_ctx *ctx, struct ipc_namespace *ns)
{
	struct ckpt_hdr_ipc_msg *h;
	struct kern_ipc_perm *perm;
	struct ckpt_ipc_msg *ents;
	struct ckpt_ipc_owner o;
	size_t maxlen = 0;
	u64 sum = 0;
	unsigned int i;
	long ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_IPC_MSG, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ents = (struct ckpt_ipc_msg *)(h + 1);
	ret = restore_ipc_perm_check(ctx, IPC_MSG_IDS, &h->perm, &o);
	if (ret)
		goto out;
	if (h->nr_msgs > CKPT_MSGS_MAX || h->__pad || h->qbytes > INT_MAX ||
	    h->data_len > CKPT_RECORD_MAX ||
	    ckpt_align(sizeof(*h) + h->nr_msgs * sizeof(*ents) + h->data_len) != h->h.len) {
		ret = ckpt_err(ctx, -EINVAL, "message queue %d: %u messages, %llu bytes in %u",
			       h->perm.id, h->nr_msgs, h->data_len, h->h.len);
		goto out;
	}
	for (i = 0; i < h->nr_msgs; i++) {
		if (ents[i].mtype < 1 || ents[i].len > ns->msg_ctlmax) {
			ret = ckpt_err(ctx, -EINVAL,
				       "message queue %d: message %u: type %lld, %llu bytes",
				       h->perm.id, i, ents[i].mtype, ents[i].len);
			goto out;
		}
		sum += ents[i].len;
		maxlen = max_t(size_t, maxlen, ents[i].len);
	}
	if (sum != h->data_len) {
		ret = ckpt_err(ctx, -EINVAL, "message queue %d: %llu bytes of messages, not %llu",
			       h->perm.id, sum, h->data_len);
		goto out;
	}
	/* msgctl(IPC_SET)'s rule */
	if (h->qbytes > ns->msg_ctlmnb && !capable(CAP_SYS_RESOURCE)) {
		ret = ckpt_err(ctx, -EPERM, "message queue %d: may not raise msg_qbytes to %llu",
			       h->perm.id, h->qbytes);
		goto out;
	}
	restore_ipc_next_id(&ns->ids[IPC_MSG_IDS], h->perm.id);
	ret = ksys_msgget(h->perm.key, 0600 | IPC_CREAT | IPC_EXCL);
	ret = restore_ipc_made(ctx, ns, IPC_MSG_IDS, &h->perm, ret);
	if (ret)
		goto out;
	rcu_read_lock();
	perm = ipc_obtain_object_check(&ns->ids[IPC_MSG_IDS], h->perm.id);
	if (!IS_ERR(perm))
		msg_ckpt_set_qbytes(perm, h->qbytes);
	rcu_read_unlock();
	if (h->nr_msgs)
		ret = restore_ipc_msgs(ctx, h, ents, (char *)(ents + h->nr_msgs), maxlen);
	if (!ret)
		ret = restore_ipc_finish(ctx, ns, IPC_MSG_IDS, &h->perm, &o, false, NULL);
out:
	ckpt_free(h);
	return ret;
}

/* The limits of the namespace, as the kernel.* sysctls would set them */
static int restore_ipcns_limits(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
				const struct ckpt_hdr_ipcns *h)
{
	unsigned int i;

	if (h->shm_rmid_forced > 1 || h->shm_ctlmni > ipc_mni ||
	    h->msg_ctlmni > ipc_mni || h->sem_ctls[3] > ipc_mni ||
	    h->msg_ctlmax > INT_MAX || h->msg_ctlmnb > INT_MAX ||
	    h->shm_ctlmax > ULONG_MAX || h->shm_ctlall > ULONG_MAX)
		goto bad;
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		if (h->sem_ctls[i] > INT_MAX)
			goto bad;
	if (h->nr_shm > ipc_mni || h->nr_sem > ipc_mni || h->nr_msg > ipc_mni)
		goto bad;
	ns->shm_rmid_forced = h->shm_rmid_forced;
	ns->shm_ctlmax = h->shm_ctlmax;
	ns->shm_ctlall = h->shm_ctlall;
	ns->shm_ctlmni = h->shm_ctlmni;
	ns->msg_ctlmax = h->msg_ctlmax;
	ns->msg_ctlmnb = h->msg_ctlmnb;
	ns->msg_ctlmni = h->msg_ctlmni;
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		ns->sem_ctls[i] = h->sem_ctls[i];
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "IPC namespace record is malformed");
}

/*
 * Fill current's IPC namespace, new and empty, with the image's
 * objects: current is the task of the image that made it
 */
static void *restore_ipcns_obj(struct ckpt_ctx *ctx)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct ckpt_hdr_ipcns *h;
	unsigned int i, k;
	int ret;

	if (!(ctx->tsk_flags & CKPT_PIDS_NEWIPC) ||
	    ckpt_obj_restored(ctx, ns, CKPT_OBJ_IPCNS)) {
		ckpt_err(ctx, -EINVAL, "an IPC namespace for a task without one of its own");
		return ERR_PTR(-EINVAL);
	}
	if (!ns_capable(ns->user_ns, CAP_SYS_ADMIN)) {
		ckpt_err(ctx, -EPERM, "may not fill its IPC namespace");
		return ERR_PTR(-EPERM);
	}
	for (k = 0; k < CKPT_IPC_IDS; k++) {
		if (READ_ONCE(ns->ids[k].in_use)) {
			ckpt_err(ctx, -EBUSY, "its new IPC namespace already holds a %s",
				 ckpt_ipc_kind[k]);
			return ERR_PTR(-EBUSY);
		}
	}
	h = ckpt_read_obj_type(ctx, CKPT_HDR_IPCNS, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return h;
	ret = restore_ipcns_limits(ctx, ns, h);
	for (i = 0; i < h->nr_shm && !ret; i++)
		ret = restore_ipc_shm(ctx, ns);
	for (i = 0; i < h->nr_sem && !ret; i++)
		ret = restore_ipc_sem(ctx, ns);
	for (i = 0; i < h->nr_msg && !ret; i++)
		ret = restore_ipc_msg(ctx, ns);
	ckpt_free(h);
	if (ret)
		return ERR_PTR(ret);
	return get_ipc_ns(ns);
}

/*
 * Is every live task of the tree in its parent's IPC namespace, but for
 * those the image says made their own, each in a different one?
 */
int restore_check_ipcns(struct ckpt_ctx *ctx, const struct ckpt_hdr_tree *tree,
			struct task_struct *(*task)(void *arg, u32 i), void *arg)
{
	unsigned int i, j = 0;
	int ret = 0;

	rcu_read_lock();
	for (i = 0; i < tree->nr_tasks; i++) {
		const struct ckpt_task_pids *p = &tree->pids[i];
		bool newipc = p->flags & CKPT_PIDS_NEWIPC;
		struct task_struct *t = task(arg, i);

		/* where the root's parent put it is the system's business */
		if (p->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE) ||
		    (!i && !newipc))
			continue;
		if (ckpt_ipc_not_parents(t) != newipc) {
			ret = newipc ? -EINVAL : -EBUSY;
			break;
		}
		for (j = 0; newipc && j < i; j++)
			if ((tree->pids[j].flags & CKPT_PIDS_NEWIPC) &&
			    ckpt_ipc_of(task(arg, j)) == ckpt_ipc_of(t))
				break;
		if (newipc && j < i) {
			ret = -EEXIST;
			break;
		}
	}
	rcu_read_unlock();

	if (!ret)
		return 0;
	ctx->tsk_pid = tree->pids[i].pid;
	if (ret == -EINVAL)
		return ckpt_err(ctx, ret, "not in an IPC namespace of its own, as in the image");
	if (ret == -EBUSY)
		return ckpt_err(ctx, -EINVAL, "not in its parent's IPC namespace, as in the image");
	return ckpt_err(ctx, -EINVAL, "in the IPC namespace of task %d, not one of its own",
			tree->pids[j].pid);
}

/* A semaphore undo list: the first task of the image that uses it is ctx->tsk */
static void ckpt_sem_undo_free(struct sem_undo_ckpt *uc)
{
	kvfree(uc->ids);
	kvfree(uc->nsems);
	kvfree(uc->adj);
	uc->ids = NULL;
	uc->nsems = NULL;
	uc->adj = NULL;
}

static int checkpoint_sem_undo_obj(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_hdr_sem_undo h = { .h.type = CKPT_HDR_SEM_UNDO };
	struct ipc_namespace *ns = ckpt_ipc_of(ctx->tsk);
	struct ckpt_sem_undo *ents = NULL;
	struct sem_undo_ckpt uc = {};
	static const char zeroes[8];
	unsigned int i;
	size_t len;
	int ret, tries;

	if (!ns)
		return ckpt_err(ctx, -EBUSY, "the task is exiting");
	/* size the room, then copy; only an outsider's SETVAL changes the list */
	for (tries = 0; tries < 3; tries++) {
		ret = sem_ckpt_undo_get(ptr, ns, &uc);
		if (ret != -EAGAIN)
			break;
		ckpt_sem_undo_free(&uc);
		if (uc.nr_undos > ipc_mni ||
		    (u64)uc.nr_undos * sizeof(*ents) + (u64)uc.nr_adj * sizeof(__s32) >
		    CKPT_RECORD_MAX - sizeof(h))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"semaphore undo list: %u sets, %u adjustments: too many",
					uc.nr_undos, uc.nr_adj);
		uc.max_undos = uc.nr_undos;
		uc.max_adj = uc.nr_adj;
		uc.ids = kvcalloc(uc.max_undos + 1, sizeof(*uc.ids), GFP_KERNEL);
		uc.nsems = kvcalloc(uc.max_undos + 1, sizeof(*uc.nsems), GFP_KERNEL);
		uc.adj = kvcalloc(uc.max_adj + 1, sizeof(*uc.adj), GFP_KERNEL);
		if (!uc.ids || !uc.nsems || !uc.adj) {
			ckpt_sem_undo_free(&uc);
			return -ENOMEM;
		}
	}
	if (ret == -EAGAIN)
		ret = ckpt_err(ctx, -EBUSY, "semaphore undo list changes during checkpoint");
	if (ret)
		goto out;

	ents = kvcalloc(uc.nr_undos + 1, sizeof(*ents), GFP_KERNEL);
	if (!ents) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < uc.nr_undos; i++) {
		ents[i].semid = uc.ids[i];
		ents[i].nsems = uc.nsems[i];
	}
	h.nr_undos = uc.nr_undos;
	h.nr_adj = uc.nr_adj;
	len = sizeof(h) + uc.nr_undos * sizeof(*ents) + uc.nr_adj * sizeof(__s32);
	h.h.len = ckpt_align(len);
	ret = ckpt_kwrite(ctx, &h, sizeof(h));
	if (!ret && uc.nr_undos)
		ret = ckpt_kwrite(ctx, ents, uc.nr_undos * sizeof(*ents));
	if (!ret && uc.nr_adj)
		ret = ckpt_kwrite(ctx, uc.adj, uc.nr_adj * sizeof(__s32));
	if (!ret && h.h.len != len)
		ret = ckpt_kwrite(ctx, zeroes, h.h.len - len);
out:
	kvfree(ents);
	ckpt_sem_undo_free(&uc);
	return ret;
}

/* Is every set of @h one of @ns with its size, once, and every adjustment in range? */
static int restore_sem_undo_check(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
				  const struct ckpt_hdr_sem_undo *h)
{
	const struct ckpt_sem_undo *ents = (const void *)(h + 1);
	const __s32 *adj = (const __s32 *)(ents + h->nr_undos);
	struct kern_ipc_perm *perm;
	unsigned long *seen;
	unsigned int i, j;
	u64 total = 0;
	int nsems, ret = 0;

	seen = bitmap_zalloc(ipc_mni, GFP_KERNEL);
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < h->nr_undos && !ret; i++) {
		int id = ents[i].semid;

		if (id < 0 || test_and_set_bit(ipcid_to_idx(id), seen)) {
			ret = ckpt_err(ctx, -EINVAL, "semaphore undo list: bad or repeated set %d",
				       id);
			break;
		}
		rcu_read_lock();
		perm = ipc_obtain_object_check(&ns->ids[IPC_SEM_IDS], id);
		nsems = IS_ERR(perm) ? PTR_ERR(perm) : sem_ckpt_get(perm, NULL, 0);
		rcu_read_unlock();
		if (nsems < 0 || nsems != ents[i].nsems) {
			ret = ckpt_err(ctx, -EINVAL,
				       "semaphore undo list: set %d of %u semaphores is not in the namespace",
				       id, ents[i].nsems);
			break;
		}
		for (j = 0; j < ents[i].nsems; j++) {
			if (total + j >= h->nr_adj || adj[total + j] < -SEMVMX ||
			    adj[total + j] > SEMVMX) {
				ret = ckpt_err(ctx, -EINVAL,
					       "semaphore undo list: set %d: bad adjustment", id);
				break;
			}
		}
		total += ents[i].nsems;
	}
	bitmap_free(seen);
	if (!ret && total != h->nr_adj)
		ret = ckpt_err(ctx, -EINVAL, "semaphore undo list: %llu adjustments, not %u",
			       total, h->nr_adj);
	return ret;
}

/*
 * Give current, in the namespace the image filled, the adjustments of
 * the list; the threads of its process share its list
 */
static void *restore_sem_undo_obj(struct ckpt_ctx *ctx)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	const struct ckpt_sem_undo *ents;
	struct ckpt_hdr_sem_undo *h;
	const __s32 *adj;
	unsigned int i;
	u64 len;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_SEM_UNDO, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	ents = (const void *)(h + 1);
	adj = (const __s32 *)(ents + h->nr_undos);
	len = sizeof(*h) + (u64)h->nr_undos * sizeof(*ents) + (u64)h->nr_adj * sizeof(*adj);
	if (h->nr_undos > ipc_mni || ckpt_align(len) != h->h.len) {
		ret = ckpt_err(ctx, -EINVAL,
			       "semaphore undo list: %u sets, %u adjustments in %u bytes",
			       h->nr_undos, h->nr_adj, h->h.len);
		goto out;
	}
	/* exit_sem() looks the sets up in the task's namespace: this one */
	if (!ckpt_obj_restored(ctx, ns, CKPT_OBJ_IPCNS)) {
		ret = ckpt_err(ctx, -EINVAL,
			       "semaphore undo list, but no IPC namespace of the image");
		goto out;
	}
	ret = restore_sem_undo_check(ctx, ns, h);
	if (ret)
		goto out;
	if (sem_ckpt_undo_pending(current, ns)) {
		ret = ckpt_err(ctx, -EBUSY, "the task already holds semaphore undo adjustments");
		goto out;
	}
	for (i = 0; i < h->nr_undos; i++) {
		ret = sem_ckpt_undo_set(ns, ents[i].semid, adj, ents[i].nsems);
		if (ret) {
			ret = ckpt_err(ctx, ret,
				       "semaphore set %d: cannot set its undo adjustments",
				       ents[i].semid);
			goto out;
		}
		adj += ents[i].nsems;
	}
out:
	ckpt_free(h);
	/*
	 * Not referenced: current's list (NULL if the adjustments went away
	 * during the checkpoint), which only its tasks' exits drop
	 */
	return ret ? ERR_PTR(ret) : current->sysvsem.undo_list;
}

static void ipcns_grab(void *ptr)
{
	get_ipc_ns(ptr);
}

static void ipcns_drop(void *ptr)
{
	put_ipc_ns(ptr);
}

/* tasks outside the image may share the namespace (setns()); see above */
static int ipcns_users(void *ptr)
{
	return -1;
}

static const struct ckpt_obj_ops ckpt_ipcns_ops = {
	.obj_type = CKPT_OBJ_IPCNS,
	.obj_name = "IPC namespace",
	.ref_grab = ipcns_grab,
	.ref_drop = ipcns_drop,
	.ref_users = ipcns_users,
	.checkpoint = checkpoint_ipcns_obj,
	.restore = restore_ipcns_obj,
};

/*
 * The hash holds no reference to an undo list: the tasks that share it
 * are stopped, and checkpoint_task_sem_undo() checks who shares it
 */
static const struct ckpt_obj_ops ckpt_sem_undo_ops = {
	.obj_type = CKPT_OBJ_SEM_UNDO,
	.obj_name = "semaphore undo list",
	.checkpoint = checkpoint_sem_undo_obj,
	.restore = restore_sem_undo_obj,
};

static int __init checkpoint_ipc_init(void)
{
	int ret;

	ret = ckpt_register_obj_ops(&ckpt_ipcns_ops);
	if (!ret)
		ret = ckpt_register_obj_ops(&ckpt_sem_undo_ops);
	return ret;
}
late_initcall(checkpoint_ipc_init);
