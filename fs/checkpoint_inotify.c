// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: inotify files.
 *
 * An inotify file is saved with its watches and the events queued and
 * not yet read.  A watch is on an inode; it is saved with the inode's
 * path as the paths of other files are (from the checkpointer's root),
 * found through the mounts under that root, and restored by watching
 * that path again with the same mask.  The watch descriptors stay
 * those the program knows: restart adds the watches in increasing wd
 * order, each with the idr cursor set to its wd (as the kernel's
 * INOTIFY_IOC_SETNEXTWD does), so that the idr gives it exactly that
 * wd, then sets the cursor back to where it was.  Queued events are
 * queued again, in order, before the watches are added.
 *
 * Not supported (EOPNOTSUPP and a log line): a watch on an inode that
 * has no name left or that no mount under the root reaches, an inotify
 * file with O_ASYNC; fanotify files are not supported either.
 */

#include <linux/checkpoint.h>
#include <linux/checkpoint_event.h>
#include <linux/checkpoint_inotify.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/init.h>
#include <linux/inotify.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>

/* The bits of a queued event's mask that read(2) reports */
#define CKPT_INOTIFY_EVENT_MASK	(IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | \
				 IN_IGNORED | IN_Q_OVERFLOW)

static bool inotify_match(struct file *file)
{
	return is_inotify_file(file);
}

static int inotify_prepare(struct ckpt_ctx *ctx, struct file *file,
			   struct ckpt_hdr_file *h)
{
	BUILD_BUG_ON(CKPT_INOTIFY_MASK != (IN_ALL_EVENTS | IN_EXCL_UNLINK |
					   IN_ONESHOT));
	BUILD_BUG_ON(CKPT_INOTIFY_NAME_MAX != NAME_MAX);
	return ckpt_event_check_flags(ctx, file, "inotify");
}

static int ckpt_watch_cmp(const void *a, const void *b)
{
	const struct inotify_ckpt_watch *wa = a, *wb = b;

	return wa->wd < wb->wd ? -1 : wa->wd > wb->wd;
}

static void ckpt_watches_put(struct inotify_ckpt_watch *w, int nr)
{
	while (nr-- > 0)
		iput(w[nr].inode);
	kvfree(w);
}

/* Looking for a name of a watched inode under one of the mounts */
struct ckpt_watch_path {
	struct inode *inode;
	struct dentry *dentry;
	struct path root;		/* of the collected mounts */
	char *buf;			/* PATH_MAX */
	char *path;			/* into buf, when found */
};

static int ckpt_watch_path_in(struct vfsmount *mnt, void *arg)
{
	struct ckpt_watch_path *wp = arg;
	struct path path = { .mnt = mnt, .dentry = wp->dentry };
	struct path found;
	char *p;
	bool same;

	if (mnt->mnt_sb != wp->dentry->d_sb)
		return 0;
	p = __d_path(&path, &wp->root, wp->buf, PATH_MAX);
	if (IS_ERR_OR_NULL(p))
		return 0;
	/* the name must lead to the inode: not over-mounted, not raced */
	if (kern_path(p, 0, &found))
		return 0;
	same = d_inode(found.dentry) == wp->inode;
	path_put(&found);
	if (!same)
		return 0;
	wp->path = p;
	return 1;
}

/* The absolute path of @inode, into @buf (PATH_MAX), or NULL */
static char *ckpt_watch_path(struct vfsmount *tree, struct inode *inode,
			     char *buf)
{
	struct ckpt_watch_path wp = {
		.inode = inode,
		.root = { .mnt = tree, .dentry = tree->mnt_root },
		.buf = buf,
	};

	if (!inode->i_nlink)
		return NULL;
	wp.dentry = d_find_alias(inode);
	if (!wp.dentry)
		return NULL;
	iterate_mounts(ckpt_watch_path_in, &wp, tree);
	dput(wp.dentry);
	return wp.path;
}

/* The watches record: each watch with the path of its inode */
static int checkpoint_inotify_watches(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_hdr_inotify *h = NULL;
	struct inotify_ckpt_watch *w;
	struct vfsmount *tree = NULL;
	unsigned int next_wd;
	struct path root;
	char **paths;
	size_t len;
	int nr, i, ret = 0;
	char *buf, *p;

	nr = inotify_ckpt_watches(file, &w, &next_wd);
	if (nr < 0)
		return nr;
	sort(w, nr, sizeof(*w), ckpt_watch_cmp, NULL);

	paths = kvcalloc(max(nr, 1), sizeof(*paths), GFP_KERNEL);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!paths || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	if (nr) {
		get_fs_root(current->fs, &root);
		tree = collect_mounts(&root);
		path_put(&root);
		if (IS_ERR(tree)) {
			ret = ckpt_err(ctx, PTR_ERR(tree), "inotify: cannot walk the mounts");
			tree = NULL;
			goto out;
		}
	}

	len = sizeof(*h);
	for (i = 0; i < nr; i++) {
		p = ckpt_watch_path(tree, w[i].inode, buf);
		if (!p) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "inotify watch %d (inode %lu): its inode is unlinked or not reachable from the root",
				       w[i].wd, w[i].inode->i_ino);
			goto out;
		}
		paths[i] = kstrdup(p, GFP_KERNEL);
		if (!paths[i]) {
			ret = -ENOMEM;
			goto out;
		}
		len += ckpt_align(sizeof(struct ckpt_inotify_watch) +
				  strlen(p) + 1);
		if (len > CKPT_RECORD_MAX) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "inotify with %d watches: too many", nr);
			goto out;
		}
	}

	h = ckpt_hdr_alloc(CKPT_HDR_INOTIFY, len);
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	h->nr_watches = nr;
	h->next_wd = next_wd;
	p = (char *)(h + 1);
	for (i = 0; i < nr; i++) {
		struct ckpt_inotify_watch *e = (void *)p;

		e->wd = w[i].wd;
		e->mask = w[i].mask;
		e->path_len = strlen(paths[i]) + 1;
		memcpy(e + 1, paths[i], e->path_len);
		p += ckpt_align(sizeof(*e) + e->path_len);
	}
	ret = ckpt_write_obj(ctx, &h->h);
out:
	ckpt_free(h);
	if (tree)
		drop_collected_mounts(tree);
	if (paths)
		for (i = 0; i < nr; i++)
			kfree(paths[i]);
	kvfree(paths);
	kfree(buf);
	ckpt_watches_put(w, nr);
	return ret;
}

/* Copying the queued events, under the queue's lock */
struct ckpt_inotify_copy {
	char *buf;			/* NULL: only count */
	size_t size, len;
	u32 nr;
};

static int ckpt_inotify_copy_event(void *arg, const struct inotify_ckpt_event *ev)
{
	struct ckpt_inotify_copy *c = arg;
	size_t elen = ckpt_align(sizeof(struct ckpt_inotify_event) + ev->name_len);
	struct ckpt_inotify_event *e;

	if (c->buf) {
		/* events queued since the sizing come after the checkpoint */
		if (c->len + elen > c->size)
			return 1;
		e = (void *)(c->buf + c->len);
		e->wd = ev->wd;
		e->mask = ev->mask;
		e->cookie = ev->cookie;
		e->name_len = ev->name_len;
		memcpy(e + 1, ev->name, ev->name_len);
	}
	c->len += elen;
	c->nr++;
	return 0;
}

static int checkpoint_inotify_events(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_inotify_copy c = {};
	struct ckpt_hdr_inotify_events *h;
	int ret;

	inotify_ckpt_events(file, ckpt_inotify_copy_event, &c);
	if (c.nr > CKPT_INOTIFY_EVENTS_MAX ||
	    sizeof(*h) + c.len > CKPT_RECORD_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP, "inotify with %u queued events: too many",
				c.nr);
	h = ckpt_hdr_alloc(CKPT_HDR_INOTIFY_EVENTS, sizeof(*h) + c.len);
	if (!h)
		return -ENOMEM;
	c.buf = (char *)(h + 1);
	c.size = c.len;
	c.len = 0;
	c.nr = 0;
	inotify_ckpt_events(file, ckpt_inotify_copy_event, &c);
	h->nr_events = c.nr;
	h->h.len = sizeof(*h) + c.len;
	ret = ckpt_write_obj(ctx, &h->h);
	ckpt_free(h);
	return ret;
}

static int checkpoint_inotify(struct ckpt_ctx *ctx, struct file *file)
{
	int ret = checkpoint_inotify_watches(ctx, file);

	return ret ? ret : checkpoint_inotify_events(ctx, file);
}

/* Restart */

static int restore_inotify_events(struct ckpt_ctx *ctx, struct file *file,
				  struct ckpt_hdr_inotify_events *h)
{
	size_t off = sizeof(*h);
	u32 i;
	int ret;

	if (h->nr_events > CKPT_INOTIFY_EVENTS_MAX)
		goto bad;
	for (i = 0; i < h->nr_events; i++) {
		struct ckpt_inotify_event *e = (void *)h + off;
		struct inotify_ckpt_event ev;

		if (h->h.len - off < sizeof(*e) ||
		    e->name_len > CKPT_INOTIFY_NAME_MAX ||
		    h->h.len - off < ckpt_align(sizeof(*e) + e->name_len))
			goto bad;
		if ((e->mask & ~CKPT_INOTIFY_EVENT_MASK) ||
		    (e->mask & IN_Q_OVERFLOW ?
		     e->mask != IN_Q_OVERFLOW || e->wd != -1 || e->name_len :
		     e->wd < 1)) {
			ckpt_err(ctx, -EINVAL, "inotify event %u: bad wd %d or mask %#x",
				 i, e->wd, e->mask);
			return -EINVAL;
		}
		ev.wd = e->wd;
		ev.mask = e->mask;
		ev.cookie = e->cookie;
		ev.name_len = e->name_len;
		ev.name = (const char *)(e + 1);
		ret = inotify_ckpt_queue_event(file, &ev);
		if (ret)
			return ckpt_err(ctx, ret, "inotify event %u: cannot queue it", i);
		off += ckpt_align(sizeof(*e) + e->name_len);
	}
	if (off == h->h.len)
		return 0;
bad:
	ckpt_err(ctx, -EINVAL, "inotify events record is malformed");
	return -EINVAL;
}

static int restore_inotify_watch(struct ckpt_ctx *ctx, struct file *file,
				 const struct ckpt_inotify_watch *e,
				 const char *name)
{
	struct path path;
	int ret;

	/* the path names the watched inode itself: never follow a link */
	ret = kern_path(name, 0, &path);
	if (ret)
		return ckpt_err(ctx, ret, "inotify watch %d: cannot find %s",
				e->wd, name);
	ret = inotify_ckpt_add_watch(file, &path, e->mask, e->wd);
	path_put(&path);
	if (ret == e->wd)
		return 0;
	/* a path twice, or a wd the idr cannot give */
	if (ret >= 0 || ret == -EEXIST)
		ret = -EINVAL;
	return ckpt_err(ctx, ret, "inotify watch %d on %s: cannot add it",
			e->wd, name);
}

static int restore_inotify_watches(struct ckpt_ctx *ctx, struct file *file,
				   struct ckpt_hdr_inotify *h)
{
	size_t off = sizeof(*h);
	int last = 0;
	u32 i;
	int ret;

	if (h->next_wd > (u32)INT_MAX + 1)
		goto bad;
	for (i = 0; i < h->nr_watches; i++) {
		struct ckpt_inotify_watch *e = (void *)h + off;
		const char *name = (const char *)(e + 1);

		if (h->h.len - off < sizeof(*e) || e->path_len < 2 ||
		    e->path_len > CKPT_PATH_MAX ||
		    h->h.len - off < ckpt_align(sizeof(*e) + e->path_len) ||
		    strnlen(name, e->path_len) != e->path_len - 1 ||
		    name[0] != '/')
			goto bad;
		if (e->wd <= last || (e->mask & ~CKPT_INOTIFY_MASK)) {
			ckpt_err(ctx, -EINVAL, "inotify watch %u: bad wd %d or mask %#x",
				 i, e->wd, e->mask);
			return -EINVAL;
		}
		ret = restore_inotify_watch(ctx, file, e, name);
		if (ret)
			return ret;
		last = e->wd;
		off += ckpt_align(sizeof(*e) + e->path_len);
	}
	if (off != h->h.len)
		goto bad;
	inotify_ckpt_set_next_wd(file, h->next_wd);
	return 0;
bad:
	ckpt_err(ctx, -EINVAL, "inotify record is malformed");
	return -EINVAL;
}

static struct file *restore_inotify(struct ckpt_ctx *ctx,
				    struct ckpt_hdr_file *hf)
{
	struct ckpt_hdr_inotify_events *he = NULL;
	struct ckpt_hdr_inotify *h;
	struct file *file = NULL;
	int ret = -EINVAL;

	if ((hf->f_flags & O_ACCMODE) != O_RDONLY ||
	    (hf->f_flags & ~(O_NONBLOCK | O_APPEND | O_LARGEFILE)) ||
	    hf->obj_objref || hf->f_pos) {
		ckpt_err(ctx, ret, "inotify file record: bad flags %#x or objref %d",
			 hf->f_flags, hf->obj_objref);
		return ERR_PTR(ret);
	}
	h = ckpt_read_obj_type(ctx, CKPT_HDR_INOTIFY, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return ERR_CAST(h);
	he = ckpt_read_obj_type(ctx, CKPT_HDR_INOTIFY_EVENTS, sizeof(*he),
				CKPT_RECORD_MAX);
	if (IS_ERR(he)) {
		ret = PTR_ERR(he);
		he = NULL;
		goto err;
	}

	file = inotify_ckpt_create(hf->f_flags & O_NONBLOCK);
	if (IS_ERR(file)) {
		ret = ckpt_err(ctx, PTR_ERR(file), "cannot make an inotify file");
		file = NULL;
		goto err;
	}
	/* the events were queued before anything the new watches see */
	ret = restore_inotify_events(ctx, file, he);
	if (!ret)
		ret = restore_inotify_watches(ctx, file, h);
	if (ret)
		goto err;
	ckpt_event_set_flags(file, hf->f_flags);
	ckpt_free(he);
	ckpt_free(h);
	return file;

err:
	if (file)
		fput(file);
	ckpt_free(he);
	ckpt_free(h);
	return ERR_PTR(ret);
}

static const struct ckpt_file_ops ckpt_inotify_ops = {
	.file_type = CKPT_FILE_INOTIFY,
	.match = inotify_match,
	.prepare = inotify_prepare,
	.checkpoint = checkpoint_inotify,
	.restore = restore_inotify,
};

static int __init checkpoint_inotify_init(void)
{
	return ckpt_register_file_ops(&ckpt_inotify_ops);
}
late_initcall(checkpoint_inotify_init);
