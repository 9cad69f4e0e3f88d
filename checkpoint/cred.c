// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: credentials.
 *
 * A task's objective credentials (uids, gids, supplementary groups,
 * capability sets, securebits) are an object: threads and processes
 * that share a struct cred share the object.  Restart builds the new
 * credentials from the caller's and gives them only what the caller
 * could have given itself: ids it holds or may set (CAP_SETUID,
 * CAP_SETGID), capabilities it has, securebits it may change
 * (CAP_SETPCAP).  An unprivileged restart (kernel.checkpoint_unprivileged
 * = 2) takes only credentials equal to the caller's own.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/sched/user.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

static void cred_grab(void *ptr)
{
	get_cred(ptr);
}

static void cred_drop(void *ptr)
{
	put_cred(ptr);
}

static int checkpoint_cred(struct ckpt_ctx *ctx, void *ptr)
{
	const struct cred *cred = ptr;
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi = cred->group_info;
	struct ckpt_hdr_cred *h;
	int i, ret;

	if (gi->ngroups > CKPT_NGROUPS_MAX)
		return ckpt_err(ctx, -E2BIG, "more than %d supplementary groups",
				CKPT_NGROUPS_MAX);
	h = ckpt_hdr_alloc(CKPT_HDR_CRED, struct_size(h, groups, gi->ngroups));
	if (!h)
		return -ENOMEM;
	h->uid = from_kuid_munged(ns, cred->uid);
	h->euid = from_kuid_munged(ns, cred->euid);
	h->suid = from_kuid_munged(ns, cred->suid);
	h->fsuid = from_kuid_munged(ns, cred->fsuid);
	h->gid = from_kgid_munged(ns, cred->gid);
	h->egid = from_kgid_munged(ns, cred->egid);
	h->sgid = from_kgid_munged(ns, cred->sgid);
	h->fsgid = from_kgid_munged(ns, cred->fsgid);
	h->cap_inheritable = cred->cap_inheritable.val;
	h->cap_permitted = cred->cap_permitted.val;
	h->cap_effective = cred->cap_effective.val;
	h->cap_bset = cred->cap_bset.val;
	h->cap_ambient = cred->cap_ambient.val;
	h->securebits = cred->securebits;
	h->ngroups = gi->ngroups;
	for (i = 0; i < gi->ngroups; i++)
		h->groups[i] = from_kgid_munged(ns, gi->gid[i]);

	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

/* May a task with @old take the uid @u? */
static bool ckpt_uid_ok(const struct cred *old, kuid_t u, bool unpriv)
{
	if (uid_eq(u, old->uid) || uid_eq(u, old->euid) || uid_eq(u, old->suid))
		return true;
	return !unpriv && ns_capable(old->user_ns, CAP_SETUID);
}

static bool ckpt_gid_ok(const struct cred *old, kgid_t g, bool unpriv)
{
	if (gid_eq(g, old->gid) || gid_eq(g, old->egid) || gid_eq(g, old->sgid))
		return true;
	return !unpriv && ns_capable(old->user_ns, CAP_SETGID);
}

static bool ckpt_groups_equal(const struct group_info *a, const struct group_info *b)
{
	int i;

	if (a->ngroups != b->ngroups)
		return false;
	for (i = 0; i < a->ngroups; i++)
		if (!gid_eq(a->gid[i], b->gid[i]))
			return false;
	return true;
}

/*
 * Would the caller (@old) be allowed to make itself @new?  The rules of
 * setresuid(2), setresgid(2), setgroups(2), capset(2) and prctl(2)'s
 * capability and securebits operations, taken together.
 */
static int ckpt_cred_allowed(struct ckpt_ctx *ctx, const struct cred *old,
			     const struct cred *new)
{
	bool unpriv = ctx->kflags & CKPT_CTX_UNPRIV;
	bool setpcap = !unpriv && ns_capable(old->user_ns, CAP_SETPCAP);

	if (!ckpt_uid_ok(old, new->uid, unpriv) || !ckpt_uid_ok(old, new->euid, unpriv) ||
	    !ckpt_uid_ok(old, new->suid, unpriv) || !ckpt_uid_ok(old, new->fsuid, unpriv))
		return ckpt_err(ctx, -EPERM, "credentials: a user id the caller may not take");
	if (!ckpt_gid_ok(old, new->gid, unpriv) || !ckpt_gid_ok(old, new->egid, unpriv) ||
	    !ckpt_gid_ok(old, new->sgid, unpriv) || !ckpt_gid_ok(old, new->fsgid, unpriv))
		return ckpt_err(ctx, -EPERM, "credentials: a group id the caller may not take");
	if (!ckpt_groups_equal(old->group_info, new->group_info) &&
	    (unpriv || !ns_capable(old->user_ns, CAP_SETGID)))
		return ckpt_err(ctx, -EPERM,
				"credentials: supplementary groups the caller may not set");
	if (!cap_issubset(new->cap_permitted, old->cap_permitted) ||
	    !cap_issubset(new->cap_bset, old->cap_bset) ||
	    !cap_issubset(new->cap_inheritable,
			  setpcap ? cap_combine(old->cap_inheritable, old->cap_bset) :
			  cap_combine(old->cap_inheritable, old->cap_permitted)))
		return ckpt_err(ctx, -EPERM, "credentials: capabilities the caller does not have");
	if (!cap_issubset(new->cap_effective, new->cap_permitted) ||
	    !cap_issubset(new->cap_ambient,
			  cap_intersect(new->cap_permitted, new->cap_inheritable)))
		return ckpt_err(ctx, -EINVAL, "credentials: inconsistent capability sets");
	if (new->securebits != old->securebits &&
	    (!setpcap || (old->securebits & SECURE_ALL_LOCKS &
			  ~new->securebits)))
		return ckpt_err(ctx, -EPERM, "credentials: securebits the caller may not set");
	if (unpriv && (!cap_issubset(old->cap_permitted, new->cap_permitted) ||
		       !cap_issubset(old->cap_effective, new->cap_effective) ||
		       !cap_issubset(old->cap_inheritable, new->cap_inheritable) ||
		       !cap_issubset(old->cap_bset, new->cap_bset) ||
		       !cap_issubset(old->cap_ambient, new->cap_ambient)))
		return ckpt_err(ctx, -EPERM,
				"credentials: an unprivileged restart takes only the caller's own");
	return 0;
}

static int ckpt_read_ids(struct ckpt_ctx *ctx, struct ckpt_hdr_cred *h,
			 struct cred *new)
{
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi;
	unsigned int i;

	new->uid = make_kuid(ns, h->uid);
	new->euid = make_kuid(ns, h->euid);
	new->suid = make_kuid(ns, h->suid);
	new->fsuid = make_kuid(ns, h->fsuid);
	new->gid = make_kgid(ns, h->gid);
	new->egid = make_kgid(ns, h->egid);
	new->sgid = make_kgid(ns, h->sgid);
	new->fsgid = make_kgid(ns, h->fsgid);
	if (!uid_valid(new->uid) || !uid_valid(new->euid) || !uid_valid(new->suid) ||
	    !uid_valid(new->fsuid) || !gid_valid(new->gid) || !gid_valid(new->egid) ||
	    !gid_valid(new->sgid) || !gid_valid(new->fsgid))
		return ckpt_err(ctx, -EINVAL, "credentials: an id this namespace does not map");

	gi = groups_alloc(h->ngroups);
	if (!gi)
		return -ENOMEM;
	for (i = 0; i < h->ngroups; i++) {
		gi->gid[i] = make_kgid(ns, h->groups[i]);
		if (!gid_valid(gi->gid[i])) {
			put_group_info(gi);
			return ckpt_err(ctx, -EINVAL,
					"credentials: a group this namespace does not map");
		}
	}
	groups_sort(gi);
	set_groups(new, gi);
	put_group_info(gi);
	return 0;
}

static void *restore_cred(struct ckpt_ctx *ctx)
{
	const struct cred *old = current_cred();
	struct ckpt_hdr_cred *h;
	struct user_struct *user;
	struct cred *new = NULL;
	int ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_CRED, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	ret = -EINVAL;
	if (h->ngroups > CKPT_NGROUPS_MAX ||
	    ckpt_align(struct_size(h, groups, h->ngroups)) != h->h.len) {
		ckpt_err(ctx, ret, "credentials record is malformed");
		goto out;
	}
	if ((h->cap_inheritable | h->cap_permitted | h->cap_effective |
	     h->cap_bset | h->cap_ambient) & ~CAP_VALID_MASK ||
	    h->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) {
		ckpt_err(ctx, ret, "credentials: unknown capabilities or securebits");
		goto out;
	}

	ret = -ENOMEM;
	new = prepare_creds();
	if (!new)
		goto out;
	ret = ckpt_read_ids(ctx, h, new);
	if (ret)
		goto out;
	new->cap_inheritable.val = h->cap_inheritable;
	new->cap_permitted.val = h->cap_permitted;
	new->cap_effective.val = h->cap_effective;
	new->cap_bset.val = h->cap_bset;
	new->cap_ambient.val = h->cap_ambient;
	new->securebits = h->securebits;
	ret = ckpt_cred_allowed(ctx, old, new);
	if (ret)
		goto out;

	/* what setresuid() does for a new real uid */
	if (!uid_eq(new->uid, old->uid)) {
		ret = -EAGAIN;
		user = alloc_uid(new->uid);
		if (!user)
			goto out;
		free_uid(new->user);
		new->user = user;
	}
	ret = set_cred_ucounts(new);
out:
	ckpt_free(h);
	if (ret) {
		if (new)
			abort_creds(new);
		return ERR_PTR(ret);
	}
	return new;
}

/*
 * Take the restored credentials.  Another task of the tree may have
 * restored them (tasks share them): check them against current's too.
 */
int restore_cred_commit(struct ckpt_ctx *ctx, void *ptr)
{
	struct cred *cred = ptr;
	int ret;

	if (current_cred() == cred)
		return 0;
	ret = ckpt_cred_allowed(ctx, current_cred(), cred);
	if (ret)
		return ret;
	return commit_creds(get_new_cred(cred));
}

static const struct ckpt_obj_ops ckpt_cred_ops = {
	.obj_type = CKPT_OBJ_CRED,
	.obj_name = "credentials",
	.ref_grab = cred_grab,
	.ref_drop = cred_drop,
	.checkpoint = checkpoint_cred,
	.restore = restore_cred,
};

static int __init checkpoint_cred_init(void)
{
	return ckpt_register_obj_ops(&ckpt_cred_ops);
}
late_initcall(checkpoint_cred_init);
