// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the object hash.
 *
 * While checkpointing, a hashtable maps a kernel object's address to
 * its objref: the first time an object is met it is written to the
 * image (a CKPT_HDR_OBJ record followed by the object's own
 * records) and a reference is held until the end; afterwards only the
 * objref is written.  While restarting, an xarray maps the objref back
 * to the restored object.
 *
 * The hash knows no object kind: each kind registers its operations.
 *
 * It also counts how often the saved tasks use each object.  An object
 * that has more users than that is shared with a task outside the
 * image: restoring it would silently split what was shared, so the
 * checkpoint fails with EBUSY instead (ckpt_obj_check_users()).
 */

#include <linux/checkpoint.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

struct ckpt_obj {
	struct hlist_node hash;
	struct list_head list;
	void *ptr;
	int objref;
	const struct ckpt_obj_ops *ops;
	/* checkpoint: uses seen, and where the object was first met */
	unsigned int uses;
	bool held;
	bool saved;			/* its records are all written */
	pid_t pid;
	char what[sizeof_field(struct ckpt_ctx, what)];
};

static const struct ckpt_obj_ops *ckpt_obj_ops[CKPT_OBJ_MAX];

/**
 * ckpt_register_obj_ops - register the operations of an object kind
 * @ops: the operations; must live forever
 */
int ckpt_register_obj_ops(const struct ckpt_obj_ops *ops)
{
	if (ops->obj_type <= CKPT_OBJ_IGNORE || ops->obj_type >= CKPT_OBJ_MAX)
		return -EINVAL;
	if (ckpt_obj_ops[ops->obj_type])
		return -EBUSY;
	ckpt_obj_ops[ops->obj_type] = ops;
	return 0;
}

void ckpt_obj_hash_init(struct ckpt_ctx *ctx)
{
	hash_init(ctx->obj_hash);
	xa_init(&ctx->obj_xa);
	INIT_LIST_HEAD(&ctx->obj_list);
	ctx->obj_next = 1;
}

static void ckpt_obj_drop_restored(const struct ckpt_obj_ops *ops, void *ptr)
{
	if (ops->restore_drop)
		ops->restore_drop(ptr);
	else if (ops->ref_drop)
		ops->ref_drop(ptr);
}

static void ckpt_obj_free(struct ckpt_obj *obj)
{
	if (obj->ops->ref_drop)
		obj->ops->ref_drop(obj->ptr);
	kfree(obj);
}

void ckpt_obj_hash_free(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj, *next;
	unsigned long index;

	list_for_each_entry_safe(obj, next, &ctx->obj_list, list) {
		list_del(&obj->list);
		hash_del(&obj->hash);
		ckpt_obj_free(obj);
	}
	xa_for_each(&ctx->obj_xa, index, obj) {
		ckpt_obj_drop_restored(obj->ops, obj->ptr);
		kfree(obj);
	}
	xa_destroy(&ctx->obj_xa);
}

static struct ckpt_obj *ckpt_obj_find(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_hash, obj, hash, hash_ptr(ptr, 32))
		if (obj->ptr == ptr)
			return obj;
	return NULL;
}

/**
 * ckpt_obj_lookup - the objref of @ptr if it is already in the image
 * @ctx: checkpoint context
 * @ptr: the kernel object
 *
 * Returns the objref, or 0 if @ptr was not saved yet.
 */
int ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_obj *obj = ckpt_obj_find(ctx, ptr);

	return obj ? obj->objref : 0;
}

/**
 * checkpoint_obj_use - return the objref of @ptr, writing it the first time
 * @ctx: checkpoint context
 * @ptr: the kernel object
 * @type: its CKPT_OBJ_* kind
 * @use: CKPT_USE_HOLD for a reference through which the tasks share the
 *       object's state (an fd, a task's mm), CKPT_USE_SHAREABLE for one
 *       that outsiders may share harmlessly (a mapping's file),
 *       CKPT_USE_NOREF for a pointer that holds no reference (an epoll
 *       item's file); with CKPT_USE_WHOLE, restart needs the object
 *       made when it meets this reference, so one still being saved
 *       (which is what saves the referrer, in a cycle) is refused
 *       with EOPNOTSUPP
 *
 * Each call but CKPT_USE_NOREF ones counts one reference of the saved
 * tasks to @ptr.
 * Returns a positive objref or -errno.
 */
int checkpoint_obj_use(struct ckpt_ctx *ctx, void *ptr, int type,
		       unsigned int use)
{
	const struct ckpt_obj_ops *ops;
	struct ckpt_hdr ref = {};
	struct ckpt_obj *obj;
	int ret;

	if (WARN_ON_ONCE(type <= CKPT_OBJ_IGNORE || type >= CKPT_OBJ_MAX))
		return -EINVAL;
	ops = ckpt_obj_ops[type];
	if (WARN_ON_ONCE(!ops))
		return -EINVAL;

	obj = ckpt_obj_find(ctx, ptr);
	if (obj) {
		if (WARN_ON_ONCE(obj->ops != ops))
			return -EINVAL;
		if ((use & CKPT_USE_WHOLE) && !obj->saved)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"it names a %s that is still being saved (a cycle)",
					ops->obj_name);
		if (use & CKPT_USE_NOREF)
			return obj->objref;
		obj->uses++;
		obj->held |= !(use & CKPT_USE_SHAREABLE);
		return obj->objref;
	}

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->ptr = ptr;
	obj->ops = ops;
	obj->objref = ctx->obj_next++;
	obj->uses = use & CKPT_USE_NOREF ? 0 : 1;
	obj->held = !(use & (CKPT_USE_SHAREABLE | CKPT_USE_NOREF));
	obj->pid = ctx->tsk_pid;
	strscpy(obj->what, ctx->what);
	if (ops->ref_grab)
		ops->ref_grab(ptr);
	hash_add(ctx->obj_hash, &obj->hash, hash_ptr(ptr, 32));
	list_add_tail(&obj->list, &ctx->obj_list);

	ref.type = CKPT_HDR_OBJ_TYPE(type);
	ref.len = sizeof(ref);
	ret = ckpt_write_obj(ctx, &ref);
	if (!ret)
		ret = ops->checkpoint(ctx, ptr);
	obj->saved = !ret;
	return ret ? ret : obj->objref;
}

/**
 * ckpt_obj_restore - restore the object a CKPT_HDR_OBJ record introduces
 * @ctx: restart context
 * @objtype: its CKPT_OBJ_* type, from the image
 *
 * The object takes the next objref: 1, 2, 3, ...
 */
int ckpt_obj_restore(struct ckpt_ctx *ctx, u32 objtype)
{
	const struct ckpt_obj_ops *ops;
	struct ckpt_obj *obj;
	int objref;
	void *ptr;
	int ret;

	objref = ctx->obj_next;
	if (objtype <= CKPT_OBJ_IGNORE || objtype >= CKPT_OBJ_MAX ||
	    !ckpt_obj_ops[objtype])
		return ckpt_err(ctx, -EINVAL, "objref %d: unknown object type %u",
				objref, objtype);
	ops = ckpt_obj_ops[objtype];
	if (objref == INT_MAX)
		return ckpt_err(ctx, -EINVAL, "too many objects");

	/* objects nested in this one take the following objrefs */
	ctx->obj_next++;
	ptr = ops->restore(ctx);
	if (IS_ERR(ptr))
		return ckpt_err(ctx, PTR_ERR(ptr), "%s objref %d: cannot restore",
				ops->obj_name, objref);

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		ret = -ENOMEM;
		goto err;
	}
	obj->ptr = ptr;
	obj->ops = ops;
	obj->objref = objref;
	ret = xa_insert(&ctx->obj_xa, obj->objref, obj, GFP_KERNEL);
	if (ret) {
		kfree(obj);
		goto err;
	}
	return 0;
err:
	ckpt_obj_drop_restored(ops, ptr);
	return ret;
}

/**
 * ckpt_obj_fetch - the restored object @objref, which must be of @type
 * @ctx: restart context
 * @objref: from the image
 * @type: expected CKPT_OBJ_*
 *
 * Returns the object (the hash keeps its reference) or ERR_PTR(-EINVAL).
 */
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, int objref, int type)
{
	struct ckpt_obj *obj;

	if (objref <= 0)
		goto bad;
	obj = xa_load(&ctx->obj_xa, objref);
	if (!obj || obj->ops->obj_type != type)
		goto bad;
	return obj->ptr;
bad:
	ckpt_err(ctx, -EINVAL, "objref %d is not a restored %s", objref,
		 type > 0 && type < CKPT_OBJ_MAX && ckpt_obj_ops[type] ?
		 ckpt_obj_ops[type]->obj_name : "object");
	return ERR_PTR(-EINVAL);
}

/**
 * ckpt_obj_restored - is @ptr already a restored object of @type?
 * @ctx: restart context
 * @ptr: the object
 * @type: its CKPT_OBJ_* kind
 *
 * For objects that restore in place (an address space is rebuilt in
 * the task that meets it first), to refuse doing it twice.
 */
bool ckpt_obj_restored(struct ckpt_ctx *ctx, void *ptr, int type)
{
	struct ckpt_obj *obj;
	unsigned long index;

	xa_for_each(&ctx->obj_xa, index, obj)
		if (obj->ptr == ptr && obj->ops->obj_type == type)
			return true;
	return false;
}

/**
 * ckpt_obj_restore_done - is every restored object complete?
 * @ctx: restart context, the whole image read
 *
 * An object may wait for a later one (a message in flight for the file
 * of a socket not made yet): an image that never makes the later one
 * is malformed.
 */
int ckpt_obj_restore_done(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	unsigned long index;
	int ret;

	xa_for_each(&ctx->obj_xa, index, obj) {
		if (!obj->ops->restore_done)
			continue;
		ret = obj->ops->restore_done(ctx, obj->ptr);
		if (ret)
			return ret;
	}
	return 0;
}

/* An outsider's passing reference is given this long to go */
#define CKPT_USERS_TRIES	20
#define CKPT_USERS_WAIT_MS	5

/**
 * ckpt_obj_check_users - fail if an object is shared with outsiders
 * @ctx: checkpoint context, every task saved
 *
 * An object held by the saved tasks (not only through shareable uses)
 * whose kind counts more references than the tasks made is also used
 * by some task outside the image.  The tasks are quiescent, but an
 * outsider may hold a passing reference (a program reading
 * /proc/PID/stat holds the address space for a moment): such an object
 * is looked at again for up to 100 ms before the checkpoint fails with
 * EBUSY.
 */
int ckpt_obj_check_users(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	int users, tries;

	list_for_each_entry(obj, &ctx->obj_list, list) {
		if (!obj->held || !obj->ops->ref_users)
			continue;
		for (tries = 0; tries < CKPT_USERS_TRIES; tries++) {
			users = obj->ops->ref_users(obj->ptr);
			if (users < 0 || users <= obj->uses)
				break;
			if (schedule_timeout_killable(msecs_to_jiffies(CKPT_USERS_WAIT_MS)) &&
			    fatal_signal_pending(current))
				return -EINTR;
		}
		if (tries < CKPT_USERS_TRIES)
			continue;
		ctx->tsk_pid = obj->pid;
		strscpy(ctx->what, obj->what);
		return ckpt_err(ctx, -EBUSY,
				"%s objref %d is also used by a task outside the checkpoint (%d users, %u saved)",
				obj->ops->obj_name, obj->objref, users, obj->uses);
	}
	return 0;
}
