// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart driver.
 *
 * Reads and checks the header, the tree and the tail, and has each
 * task restore itself.  Until restart passes its point of no return
 * (the first change to the caller that cannot be undone, marked by
 * CKPT_CTX_NORETURN) a failure leaves the caller as it was; after it,
 * the caller is killed rather than left half restored.
 */

#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/utsname.h>

static int restore_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_HEADER, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);

	if (h->magic != CKPT_HEADER_MAGIC)
		ret = ckpt_err(ctx, -EINVAL, "not a checkpoint image (bad magic)");
	else if (h->format_version != CKPT_FORMAT_VERSION)
		ret = ckpt_err(ctx, -EINVAL, "image format version %u, this kernel reads %u",
			       h->format_version, CKPT_FORMAT_VERSION);
	else if (h->arch != CKPT_ARCH_X86_64)
		ret = ckpt_err(ctx, -EINVAL, "image of another architecture (%u)", h->arch);
	else if (h->page_size != PAGE_SIZE)
		ret = ckpt_err(ctx, -EINVAL, "image page size %u, this kernel's %lu",
			       h->page_size, PAGE_SIZE);
	else if (h->uflags & ~CHECKPOINT_USER_FLAGS)
		ret = ckpt_err(ctx, -EINVAL, "unknown checkpoint flags %#llx",
			       h->uflags);
	if (!ret) {
		h->release[sizeof(h->release) - 1] = '\0';
		h->version[sizeof(h->version) - 1] = '\0';
		h->machine[sizeof(h->machine) - 1] = '\0';
		ctx->hdr = *h;
		ctx->ckpt_id = h->ckpt_id;
		ret = restore_read_header_arch(ctx);
	}
	ckpt_free(h);
	return ret;
}

static int restore_read_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TAIL, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->magic != CKPT_TAIL_MAGIC || h->ckpt_id != ctx->ckpt_id)
		ret = ckpt_err(ctx, -EINVAL, "bad image tail");
	ckpt_free(h);
	return ret;
}

static int restore_read_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_TREE, sizeof(*h) + sizeof(h->pids[0]),
			       CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (!h->nr_tasks ||
	    ckpt_align(struct_size(h, pids, h->nr_tasks)) != h->h.len)
		ret = ckpt_err(ctx, -EINVAL, "tree record: %u tasks in %u bytes",
			       h->nr_tasks, h->h.len);
	else if (h->nr_tasks != 1)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "the image holds %u tasks: restore it with mktree",
			       h->nr_tasks);
	else if (!(h->pids[0].flags & CKPT_PIDS_ROOT))
		ret = ckpt_err(ctx, -EINVAL, "tree record: no root task");
	else
		ctx->tsk_pid = h->pids[0].pid;
	ckpt_free(h);
	return ret;
}

long do_restart(struct ckpt_ctx *ctx, pid_t pid, long *retval)
{
	int ret;

	if (pid < 0)
		return ckpt_err(ctx, -EINVAL, "bad pid %d", pid);
	if (pid || !(ctx->uflags & RESTART_TASKSELF))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"coordinated restart of process trees is not supported yet: use RESTART_TASKSELF");
	if (!thread_group_empty(current))
		return ckpt_err(ctx, -EBUSY, "the caller must be single-threaded");
	if (!current->mm || !current_is_single_threaded())
		return ckpt_err(ctx, -EBUSY,
				"the caller shares its address space with another task");

	ret = restore_read_header(ctx);
	if (!ret)
		ret = restore_read_tree(ctx);
	if (!ret)
		ret = restore_task(ctx);
	if (!ret)
		ret = restore_read_tail(ctx);
	if (ret)
		return ret;

	*retval = ctx->retval;
	return 0;
}
