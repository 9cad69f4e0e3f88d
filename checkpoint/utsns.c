// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: UTS namespaces (host and domain names).
 *
 * A task whose UTS namespace is not its parent's made it (clone() or
 * unshare() with CLONE_NEWUTS) or entered it (setns()).  Its tree entry
 * says CKPT_PIDS_NEWUTS, and the CKPT_HDR_UTSNS record that follows the
 * pid namespaces holds the names.  The tree builder makes each such task
 * in a new UTS namespace; restart checks that every task is in a
 * namespace of its own exactly where the image says so, then gives the
 * new namespaces their names.  One namespace that two tasks of the image
 * entered, neither inheriting it from the other, cannot be rebuilt by
 * forking: checkpoint refuses it.  The namespace the root inherits from
 * its parent belongs to the system, not to the image: it is not saved.
 */

#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/nsproxy.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/utsname.h>

/* @t's UTS namespace, for comparisons only; NULL once @t has exited */
static struct uts_namespace *ckpt_uts_of(struct task_struct *t)
{
	return ckpt_nsproxy_ns(t, offsetof(struct nsproxy, uts_ns));
}

/* Is @t in a UTS namespace other than its parent's?  Under RCU */
static bool ckpt_uts_not_parents(struct task_struct *t)
{
	struct uts_namespace *ns = ckpt_uts_of(t);

	return ns && ns != ckpt_uts_of(rcu_dereference(t->real_parent));
}

/* @t's UTS namespace, referenced, or NULL */
static struct uts_namespace *ckpt_get_uts(struct task_struct *t)
{
	struct uts_namespace *ns = NULL;

	task_lock(t);
	if (t->nsproxy) {
		ns = t->nsproxy->uts_ns;
		get_uts_ns(ns);
	}
	task_unlock(t);
	return ns;
}

/**
 * checkpoint_utsns - find the tasks in a UTS namespace of their own
 * @ctx: checkpoint context, its tasks collected and frozen
 *
 * Sets ctx->newuts: the tree entries that get CKPT_PIDS_NEWUTS.
 */
int checkpoint_utsns(struct ckpt_ctx *ctx)
{
	unsigned long *new = checkpoint_new_ns(ctx, offsetof(struct nsproxy, uts_ns),
					       "a UTS namespace");

	if (IS_ERR(new))
		return PTR_ERR(new);
	ctx->newuts = new;
	return 0;
}

/* The names of the namespaces of the tasks in ctx->newuts, in tree order */
int checkpoint_write_utsns(struct ckpt_ctx *ctx)
{
	unsigned int nr = bitmap_weight(ctx->newuts, ctx->nr_tasks), i, k = 0;
	struct ckpt_hdr_utsns *h;
	int ret;

	if (!nr)
		return 0;
	h = ckpt_hdr_alloc(CKPT_HDR_UTSNS, struct_size(h, ns, nr));
	if (!h)
		return -ENOMEM;
	h->nr_ns = nr;
	for_each_set_bit(i, ctx->newuts, ctx->nr_tasks) {
		struct uts_namespace *ns = ckpt_get_uts(ctx->tasks[i]);

		if (!ns) {
			ckpt_free(h);
			ctx->tsk_pid = task_pid_vnr(ctx->tasks[i]);
			return ckpt_err(ctx, -EBUSY, "task is exiting");
		}
		down_read(&uts_sem);
		strscpy_pad(h->ns[k].nodename, ns->name.nodename);
		strscpy_pad(h->ns[k].domainname, ns->name.domainname);
		up_read(&uts_sem);
		put_uts_ns(ns);
		k++;
	}
	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

void checkpoint_utsns_free(struct ckpt_ctx *ctx)
{
	bitmap_free(ctx->newuts);
	ctx->newuts = NULL;
}

/**
 * restore_read_utsns - read the UTSNS record, if the tree needs one
 * @ctx: restart context
 * @tree: the tree record, checked: CKPT_PIDS_NEWUTS only on live leaders
 *
 * Returns the record, NULL when no task has CKPT_PIDS_NEWUTS, or an
 * ERR_PTR.
 */
struct ckpt_hdr_utsns *restore_read_utsns(struct ckpt_ctx *ctx,
					  const struct ckpt_hdr_tree *tree)
{
	struct ckpt_hdr_utsns *h;
	unsigned int i, nr = 0;

	for (i = 0; i < tree->nr_tasks; i++)
		if (tree->pids[i].flags & CKPT_PIDS_NEWUTS)
			nr++;
	if (!nr)
		return NULL;
	h = ckpt_read_obj_type(ctx, CKPT_HDR_UTSNS, struct_size(h, ns, 1),
			       CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	if (h->nr_ns != nr || ckpt_align(struct_size(h, ns, nr)) != h->h.len) {
		ckpt_err(ctx, -EINVAL, "UTS namespace record: %u entries in %u bytes, %u tasks need one",
			 h->nr_ns, h->h.len, nr);
		goto bad;
	}
	for (i = 0; i < nr; i++) {
		if (!memchr(h->ns[i].nodename, 0, CKPT_UTS_NAME_LEN) ||
		    !memchr(h->ns[i].domainname, 0, CKPT_UTS_NAME_LEN)) {
			ckpt_err(ctx, -EINVAL, "UTS namespace %u: a name is not terminated", i);
			goto bad;
		}
	}
	return h;
bad:
	ckpt_free(h);
	return ERR_PTR(-EINVAL);
}

/*
 * Is every live task of the tree in its parent's UTS namespace, but for
 * those the image says made their own, each in a different one?
 */
static int restore_check_uts(struct ckpt_ctx *ctx, const struct ckpt_hdr_tree *tree,
			     struct task_struct *(*task)(void *arg, u32 i),
			     void *arg)
{
	unsigned int i, j = 0;
	int ret = 0;

	rcu_read_lock();
	for (i = 0; i < tree->nr_tasks; i++) {
		const struct ckpt_task_pids *p = &tree->pids[i];
		bool newuts = p->flags & CKPT_PIDS_NEWUTS;
		struct task_struct *t = task(arg, i);

		/* where the root's parent put it is the system's business */
		if (p->flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE) ||
		    (!i && !newuts))
			continue;
		if (ckpt_uts_not_parents(t) != newuts) {
			ret = newuts ? -EINVAL : -EBUSY;
			break;
		}
		for (j = 0; newuts && j < i; j++)
			if ((tree->pids[j].flags & CKPT_PIDS_NEWUTS) &&
			    ckpt_uts_of(task(arg, j)) == ckpt_uts_of(t))
				break;
		if (newuts && j < i) {
			ret = -EEXIST;
			break;
		}
	}
	rcu_read_unlock();

	if (!ret)
		return 0;
	ctx->tsk_pid = tree->pids[i].pid;
	if (ret == -EINVAL)
		return ckpt_err(ctx, ret, "not in a UTS namespace of its own, as in the image");
	if (ret == -EBUSY)
		return ckpt_err(ctx, -EINVAL, "not in its parent's UTS namespace, as in the image");
	return ckpt_err(ctx, -EINVAL, "in the UTS namespace of task %d, not one of its own",
			tree->pids[j].pid);
}

/* Name @ns as the image says, as sethostname() and setdomainname() would */
static int restore_uts_names(struct ckpt_ctx *ctx, struct uts_namespace *ns,
			     const struct ckpt_utsns *e)
{
	if (!ns_capable(ns->user_ns, CAP_SYS_ADMIN))
		return ckpt_err(ctx, -EPERM, "may not name its UTS namespace");
	down_write(&uts_sem);
	strscpy_pad(ns->name.nodename, e->nodename);
	strscpy_pad(ns->name.domainname, e->domainname);
	up_write(&uts_sem);
	uts_proc_notify(UTS_PROC_HOSTNAME);
	uts_proc_notify(UTS_PROC_DOMAINNAME);
	return 0;
}

/**
 * restore_utsns - check the tasks' UTS namespaces and name the new ones
 * @ctx: restart context
 * @tree: the tree record
 * @h: the UTSNS record, or NULL if no task has CKPT_PIDS_NEWUTS
 * @task: the restored task of tree entry @i
 * @arg: for @task
 */
int restore_utsns(struct ckpt_ctx *ctx, const struct ckpt_hdr_tree *tree,
		  const struct ckpt_hdr_utsns *h,
		  struct task_struct *(*task)(void *arg, u32 i), void *arg)
{
	unsigned int i, k = 0;
	int ret;

	ret = restore_check_uts(ctx, tree, task, arg);
	for (i = 0; i < tree->nr_tasks && h && !ret; i++) {
		struct uts_namespace *ns;

		if (!(tree->pids[i].flags & CKPT_PIDS_NEWUTS))
			continue;
		ctx->tsk_pid = tree->pids[i].pid;
		ns = ckpt_get_uts(task(arg, i));
		if (!ns)
			return ckpt_err(ctx, -ESRCH, "task is exiting");
		ret = restore_uts_names(ctx, ns, &h->ns[k++]);
		put_uts_ns(ns);
	}
	return ret;
}
