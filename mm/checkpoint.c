// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: address spaces.
 *
 * An mm is saved as its scalar fields, its VMAs and the contents of
 * the pages that exist and that the file behind a mapping does not
 * already hold: every present page of private anonymous memory, the
 * copied-on-write pages of private file mappings.  Shared anonymous
 * memory and memfd live in shmem files, which are objects of their own
 * and carry their contents.  Absent pages, the zero page and pages of
 * anonymous memory that hold only zeroes are not written at all.  Pages
 * travel in batches of up to CKPT_PAGES_MAX, written straight from
 * their kernel mapping through one bvec iterator, and read back the
 * same way into the restored pages.
 *
 * Restart rebuilds the caller's address space in place: once every
 * VMA record was read and checked, the old mappings are removed (the
 * point of no return), the new ones made with vm_mmap() and filled.
 */

#include <linux/bvec.h>
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include <linux/rmap.h>
#include <asm/vdso.h>

#include "vma.h"

/* Page batches */

struct ckpt_pages {
	unsigned int nr_runs;
	unsigned int nr_pages;
	unsigned long next;			/* address after the last page */
	struct ckpt_page_run runs[CKPT_PAGES_MAX];
	struct page *pages[CKPT_PAGES_MAX];
	struct bio_vec bvec[CKPT_PAGES_MAX];
	struct page *win[CKPT_PAGES_MAX];	/* checkpoint: one page window */
};

static struct ckpt_pages *ckpt_pages_alloc(void)
{
	return kvzalloc(sizeof(struct ckpt_pages), GFP_KERNEL);
}

static void ckpt_pages_release(struct ckpt_pages *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_pages; i++)
		put_page(b->pages[i]);
	b->nr_pages = 0;
	b->nr_runs = 0;
}

/* Write the batch as one CKPT_HDR_PAGES record and drop its pages */
static int ckpt_pages_flush(struct ckpt_ctx *ctx, struct ckpt_pages *b)
{
	struct ckpt_hdr_pages h = { .h = { .type = CKPT_HDR_PAGES } };
	struct iov_iter iter;
	size_t len;
	unsigned int i;
	int ret;

	if (!b->nr_pages)
		return 0;
	h.nr_runs = b->nr_runs;
	h.nr_pages = b->nr_pages;
	h.h.len = sizeof(h) + b->nr_runs * sizeof(b->runs[0]) +
		  (size_t)b->nr_pages * PAGE_SIZE;

	ret = ckpt_kwrite(ctx, &h, sizeof(h));
	if (!ret)
		ret = ckpt_kwrite(ctx, b->runs, b->nr_runs * sizeof(b->runs[0]));
	if (ret)
		goto out;

	for (i = 0; i < b->nr_pages; i++)
		bvec_set_page(&b->bvec[i], b->pages[i], PAGE_SIZE, 0);
	len = (size_t)b->nr_pages * PAGE_SIZE;
	iov_iter_bvec(&iter, ITER_SOURCE, b->bvec, b->nr_pages, len);
	ret = ckpt_write_iter(ctx, &iter);
out:
	ckpt_pages_release(b);
	return ret;
}

/* Add @page (referenced) at @addr; flushes a full batch */
static int ckpt_pages_add(struct ckpt_ctx *ctx, struct ckpt_pages *b,
			  unsigned long addr, struct page *page)
{
	if (b->nr_pages && addr == b->next) {
		b->runs[b->nr_runs - 1].nr_pages++;
	} else {
		b->runs[b->nr_runs].start = addr;
		b->runs[b->nr_runs].nr_pages = 1;
		b->nr_runs++;
	}
	b->pages[b->nr_pages++] = page;
	b->next = addr + PAGE_SIZE;
	if (b->nr_pages == CKPT_PAGES_MAX)
		return ckpt_pages_flush(ctx, b);
	return 0;
}

static int ckpt_pages_end(struct ckpt_ctx *ctx, struct ckpt_pages *b)
{
	struct ckpt_hdr_pages h = {
		.h = { .type = CKPT_HDR_PAGES, .len = sizeof(h) },
	};
	int ret;

	ret = ckpt_pages_flush(ctx, b);
	if (!ret)
		ret = ckpt_kwrite(ctx, &h, sizeof(h));
	return ret;
}

/*
 * Read the next CKPT_HDR_PAGES record's header and runs into @b and
 * check them.  Returns the number of pages, 0 at the end.
 */
static int ckpt_pages_read_runs(struct ckpt_ctx *ctx, struct ckpt_pages *b)
{
	struct ckpt_hdr_pages h;
	unsigned long total = 0;
	unsigned int i;
	int ret;

	ret = ckpt_read_hdr_type(ctx, &h.h, CKPT_HDR_PAGES, sizeof(h),
				 sizeof(h) + CKPT_PAGES_MAX *
				 (sizeof(b->runs[0]) + PAGE_SIZE));
	if (ret)
		return ret;
	ret = ckpt_kread(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ret;
	if (!h.nr_pages && !h.nr_runs && h.h.len == sizeof(h))
		return 0;
	if (!h.nr_pages || !h.nr_runs || h.nr_pages > CKPT_PAGES_MAX ||
	    h.nr_runs > h.nr_pages ||
	    h.h.len != sizeof(h) + h.nr_runs * sizeof(b->runs[0]) +
		       (size_t)h.nr_pages * PAGE_SIZE)
		return ckpt_err(ctx, -EINVAL, "pages record: bad counts %u/%u",
				h.nr_runs, h.nr_pages);
	ret = ckpt_kread(ctx, b->runs, h.nr_runs * sizeof(b->runs[0]));
	if (ret)
		return ret;
	for (i = 0; i < h.nr_runs; i++) {
		struct ckpt_page_run *r = &b->runs[i];

		if (!r->nr_pages || r->nr_pages > h.nr_pages ||
		    !PAGE_ALIGNED(r->start))
			return ckpt_err(ctx, -EINVAL, "pages record: bad run %#llx+%llu",
					r->start, r->nr_pages);
		total += r->nr_pages;
	}
	if (total != h.nr_pages)
		return ckpt_err(ctx, -EINVAL, "pages record: runs hold %lu pages, not %u",
				total, h.nr_pages);
	b->nr_runs = h.nr_runs;
	b->nr_pages = h.nr_pages;
	return h.nr_pages;
}

/* Read @nr pages of data from the image into @pages */
static int ckpt_pages_read_data(struct ckpt_ctx *ctx, struct ckpt_pages *b,
				struct page **pages, unsigned int nr)
{
	struct iov_iter iter;
	unsigned int i;

	for (i = 0; i < nr; i++)
		bvec_set_page(&b->bvec[i], pages[i], PAGE_SIZE, 0);
	iov_iter_bvec(&iter, ITER_DEST, b->bvec, nr, (size_t)nr * PAGE_SIZE);
	return ckpt_read_iter(ctx, &iter);
}

/* shmem contents: anonymous shmem files carry their pages */

int checkpoint_shmem_contents(struct ckpt_ctx *ctx, struct file *file)
{
	struct inode *inode = file_inode(file);
	pgoff_t index, end = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	struct ckpt_pages *b;
	int ret = 0;

	b = ckpt_pages_alloc();
	if (!b)
		return -ENOMEM;
	for (index = 0; index < end && !ret; index++) {
		struct folio *folio = NULL;
		struct page *page;

		ret = shmem_get_folio(inode, index, 0, &folio, SGP_READ);
		if (ret || !folio)
			continue;
		page = folio_file_page(folio, index);
		get_page(page);
		folio_unlock(folio);
		folio_put(folio);
		ret = ckpt_pages_add(ctx, b, index << PAGE_SHIFT, page);
		cond_resched();
	}
	if (!ret)
		ret = ckpt_pages_end(ctx, b);
	ckpt_pages_release(b);
	kvfree(b);
	return ret;
}

int restore_shmem_contents(struct ckpt_ctx *ctx, struct file *file)
{
	loff_t size = i_size_read(file_inode(file));
	struct ckpt_pages *b;
	void *buf;
	int nr, ret = 0;

	b = ckpt_pages_alloc();
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!b || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	while ((nr = ckpt_pages_read_runs(ctx, b)) > 0) {
		unsigned int i;
		u64 j;

		for (i = 0; i < b->nr_runs && !ret; i++) {
			struct ckpt_page_run *r = &b->runs[i];

			if (r->start >= size ||
			    r->nr_pages > DIV_ROUND_UP(size - r->start, PAGE_SIZE)) {
				ret = ckpt_err(ctx, -EINVAL,
					       "shmem pages %#llx+%llu beyond the file size",
					       r->start, r->nr_pages);
				break;
			}
			for (j = 0; j < r->nr_pages && !ret; j++) {
				loff_t pos = r->start + j * PAGE_SIZE;
				size_t len = min_t(loff_t, PAGE_SIZE, size - pos);
				ssize_t n;

				ret = ckpt_kread(ctx, buf, PAGE_SIZE);
				if (ret)
					break;
				n = kernel_write(file, buf, len, &pos);
				if (n != len)
					ret = n < 0 ? n : -EIO;
			}
		}
		if (ret)
			break;
	}
	if (nr < 0)
		ret = nr;
out:
	kfree(buf);
	kvfree(b);
	return ret;
}

/* VMAs */

static const struct {
	unsigned long vm;
	u64 ckpt;
} ckpt_vm_flags[] = {
	{ VM_READ, CKPT_VM_READ },
	{ VM_WRITE, CKPT_VM_WRITE },
	{ VM_EXEC, CKPT_VM_EXEC },
	{ VM_SHARED, CKPT_VM_SHARED },
	{ VM_MAYREAD, CKPT_VM_MAYREAD },
	{ VM_MAYWRITE, CKPT_VM_MAYWRITE },
	{ VM_MAYEXEC, CKPT_VM_MAYEXEC },
	{ VM_MAYSHARE, CKPT_VM_MAYSHARE },
	{ VM_GROWSDOWN, CKPT_VM_GROWSDOWN },
	{ VM_LOCKED, CKPT_VM_LOCKED },
	{ VM_SEQ_READ, CKPT_VM_SEQ_READ },
	{ VM_RAND_READ, CKPT_VM_RAND_READ },
	{ VM_DONTCOPY, CKPT_VM_DONTCOPY },
	{ VM_DONTDUMP, CKPT_VM_DONTDUMP },
	{ VM_WIPEONFORK, CKPT_VM_WIPEONFORK },
	{ VM_HUGEPAGE, CKPT_VM_HUGEPAGE },
	{ VM_NOHUGEPAGE, CKPT_VM_NOHUGEPAGE },
	{ VM_NORESERVE, CKPT_VM_NORESERVE },
	{ VM_LOCKONFAULT, CKPT_VM_LOCKONFAULT },
};

#define CKPT_VM_KNOWN	(CKPT_VM_INHERIT * 2 - 1)

/* The length of an mm record with @nr mappings (at most CKPT_RECORD_MAX) */
static size_t ckpt_mm_len(u32 nr)
{
	return sizeof(struct ckpt_hdr_mm) + (size_t)nr * sizeof(struct ckpt_vma);
}

static u64 ckpt_vm_to_ckpt(unsigned long vm_flags)
{
	u64 flags = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_vm_flags); i++)
		if (vm_flags & ckpt_vm_flags[i].vm)
			flags |= ckpt_vm_flags[i].ckpt;
	return flags;
}

struct ckpt_mapping {
	struct ckpt_vma_desc h;
	struct file *file;
};

static int ckpt_vma_type(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct vm_area_struct *vma, const char **why)
{
	*why = NULL;
	if (vma->vm_ops && vma->vm_ops->name) {
		const char *name = vma->vm_ops->name(vma);

		if (name && !strcmp(name, "[vdso]"))
			return CKPT_VMA_VDSO;
		if (name && !strncmp(name, "[vvar", 5))
			return CKPT_VMA_VVAR;
	}
	if (is_vm_hugetlb_page(vma))
		*why = "hugetlb mappings are not supported";
	else if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		*why = "device mappings are not supported";
	else if (vma->vm_flags & (VM_LOCKED | VM_LOCKONFAULT))
		*why = "locked (mlock) memory is not supported yet";
	else if (vma->vm_flags & VM_SHADOW_STACK)
		*why = "shadow stacks are not supported";
	else if (!vma->vm_file && vma->vm_ops)
		*why = "special mappings are not supported";
	if (*why)
		return -EOPNOTSUPP;
	if (!vma->vm_file)
		return CKPT_VMA_ANON;
	if (ckpt_file_is_sysvshm(vma->vm_file))
		return CKPT_VMA_SYSVSHM;
	if (shmem_file(vma->vm_file) && (vma->vm_flags & VM_MAYSHARE))
		return CKPT_VMA_SHMEM;
	return CKPT_VMA_FILE;
}

/* Snapshot the VMAs of @mm, taking a reference on their files */
static struct ckpt_mapping *ckpt_collect_vmas(struct ckpt_ctx *ctx,
					      struct mm_struct *mm,
					      unsigned int *nr)
{
	struct vm_area_struct *vma;
	struct ckpt_mapping *vmas;
	unsigned int n = 0, max;
	unsigned long bad = 0;
	const char *why = NULL;
	int ret = 0;

	VMA_ITERATOR(vmi, mm, 0);
	mmap_read_lock(mm);
	max = mm->map_count;
	vmas = kvcalloc(max, sizeof(*vmas), GFP_KERNEL);
	if (!vmas) {
		mmap_read_unlock(mm);
		return ERR_PTR(-ENOMEM);
	}
	for_each_vma(vmi, vma) {
		struct ckpt_mapping *v;
		int type;

		if (WARN_ON_ONCE(n == max)) {
			ret = -EINVAL;
			break;
		}
		type = ckpt_vma_type(ctx, mm, vma, &why);
		if (type < 0) {
			ret = type;
			bad = vma->vm_start;
			break;
		}
		v = &vmas[n++];
		v->h.vma_type = type;
		v->h.start = vma->vm_start;
		v->h.end = vma->vm_end;
		v->h.pgoff = vma->vm_pgoff;
		v->h.vm_flags = ckpt_vm_to_ckpt(vma->vm_flags);
		if (vma->vm_file && type != CKPT_VMA_VDSO && type != CKPT_VMA_VVAR)
			v->file = get_file(vma->vm_file);
	}
	mmap_read_unlock(mm);
	*nr = n;
	/* log without the lock: the log may be a pipe that blocks */
	if (ret && why)
		ckpt_err(ctx, ret, "mapping at %#lx: %s", bad, why);
	if (ret) {
		while (n--)
			if (vmas[n].file)
				fput(vmas[n].file);
		kvfree(vmas);
		return ERR_PTR(ret);
	}
	return vmas;
}

/* Which pages of a VMA the image holds */
static bool ckpt_vma_has_pages(struct ckpt_vma_desc *v)
{
	return v->vma_type == CKPT_VMA_ANON ||
	       (v->vma_type == CKPT_VMA_FILE && !(v->vm_flags & CKPT_VM_MAYSHARE));
}

static bool ckpt_page_is_zero(struct page *page)
{
	void *kaddr = kmap_local_page(page);
	bool zero = !memchr_inv(kaddr, 0, PAGE_SIZE);

	kunmap_local(kaddr);
	return zero;
}

/*
 * Page windows: the pages of one VMA in [start, end), at most
 * CKPT_PAGES_MAX of them, found in one walk of its page tables under
 * the mmap lock.  Huge pages are seen through, never split.
 */
struct ckpt_window {
	unsigned long start;
	struct page **pages;		/* pages[i]: the page at start + i pages */
	bool anon_only;			/* leave out a file's own pages */
	bool ref;			/* reference each page for the caller */
};

static void ckpt_window_set(struct ckpt_window *w, unsigned long addr,
			    struct page *page)
{
	if (w->anon_only && !folio_test_anon(page_folio(page)))
		return;
	if (w->ref)
		get_page(page);
	w->pages[(addr - w->start) >> PAGE_SHIFT] = page;
}

/* A huge page mapped by @pmd: true if it was one */
static bool ckpt_window_huge(pmd_t *pmd, unsigned long addr,
			     unsigned long end, struct mm_walk *walk)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	spinlock_t *ptl = pmd_trans_huge_lock(pmd, walk->vma);
	struct page *page;
	pmd_t pmdval;

	if (!ptl)
		return false;
	pmdval = pmdp_get(pmd);
	page = pmd_present(pmdval) ? vm_normal_page_pmd(walk->vma, addr, pmdval) : NULL;
	if (page) {
		page += (addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT;
		for (; addr < end; addr += PAGE_SIZE, page++)
			ckpt_window_set(walk->private, addr, page);
	}
	spin_unlock(ptl);
	return true;
#else
	return false;
#endif
}

static int ckpt_window_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
			   struct mm_walk *walk)
{
	spinlock_t *ptl;		/* the page table's lock */
	pte_t *pte;

	if (ckpt_window_huge(pmd, addr, end, walk))
		return 0;
	pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!pte) {
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);
		struct page *page;

		if (!pte_present(ptent))
			continue;
		/* not the zero page */
		page = vm_normal_page(walk->vma, addr, ptent);
		if (page)
			ckpt_window_set(walk->private, addr, page);
	}
	pte_unmap_unlock(pte - 1, ptl);
	return 0;
}

static const struct mm_walk_ops ckpt_window_ops = {
	.pmd_entry = ckpt_window_pmd,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Fill @pages with the pages of @mm in [start, end), within its VMA
 * [v->start, v->end): NULL where none is.  -EBUSY if that VMA is gone.
 */
static int ckpt_window_pages(struct mm_struct *mm, struct ckpt_vma_desc *v,
			     unsigned long start, unsigned long end,
			     struct page **pages, bool anon_only, bool ref)
{
	struct ckpt_window w = {
		.start = start, .pages = pages, .anon_only = anon_only, .ref = ref,
	};
	struct vm_area_struct *vma;
	int ret;

	memset(pages, 0, ((end - start) >> PAGE_SHIFT) * sizeof(*pages));
	mmap_read_lock(mm);
	vma = vma_lookup(mm, start);
	if (!vma || vma->vm_start != v->start || vma->vm_end != v->end)
		ret = -EBUSY;
	else
		ret = walk_page_range_vma(vma, start, end, &ckpt_window_ops, &w);
	mmap_read_unlock(mm);
	return ret;
}

/* Drop the references ckpt_window_pages() took on pages[from, to) */
static void ckpt_window_put(struct page **pages, unsigned int from,
			    unsigned int to)
{
	for (; from < to; from++)
		if (pages[from])
			put_page(pages[from]);
}

/*
 * Copy-on-write sharing with the parent process.  After fork() a child
 * and its parent map the same anonymous pages until one of them
 * writes.  When the parent is in the image, a child's private
 * anonymous VMA that still shares pages with the parent's VMA of the
 * same range is saved as CKPT_VM_INHERIT: only the pages that differ
 * are written, and restart maps the parent's pages in copy-on-write,
 * so that a tree of forked workers does not multiply its memory.
 */
struct ckpt_cow {
	struct mm_struct *pmm;		/* the parent's, NULL if none */
	int objref;
	struct page *pages[CKPT_PAGES_MAX];	/* the parent's, one window */
	struct ckpt_page_run *holes;
	unsigned int nr_holes, max_holes;
};

/*
 * The parent's anonymous pages in [start, end) of @v, compared with the
 * child's (never dereferenced): none where the parent's VMA changed.
 */
static void ckpt_cow_window(struct ckpt_cow *cow, struct ckpt_vma_desc *v,
			    unsigned long start, unsigned long end)
{
	if (ckpt_window_pages(cow->pmm, v, start, end, cow->pages, true, false))
		memset(cow->pages, 0, sizeof(cow->pages));
}

/* May @v inherit from the parent's VMA: same range, same flags? */
static bool ckpt_cow_candidate(struct ckpt_cow *cow, struct ckpt_vma_desc *v)
{
	struct vm_area_struct *vma;
	bool ok;

	if (!cow->pmm || v->vma_type != CKPT_VMA_ANON ||
	    (v->vm_flags & CKPT_VM_WIPEONFORK))
		return false;
	mmap_read_lock(cow->pmm);
	vma = vma_lookup(cow->pmm, v->start);
	ok = vma && vma->vm_start == v->start && vma->vm_end == v->end &&
	     vma_is_anonymous(vma) && !(vma->vm_flags & VM_MAYSHARE) &&
	     ckpt_vm_to_ckpt(vma->vm_flags) == v->vm_flags && vma->anon_vma;
	mmap_read_unlock(cow->pmm);
	return ok;
}

static int ckpt_cow_add_hole(struct ckpt_cow *cow, unsigned long addr)
{
	struct ckpt_page_run *r = cow->nr_holes ? &cow->holes[cow->nr_holes - 1] : NULL;

	if (r && r->start + (r->nr_pages << PAGE_SHIFT) == addr) {
		r->nr_pages++;
		return 0;
	}
	if (cow->nr_holes == cow->max_holes) {
		unsigned int max = max(64U, cow->max_holes * 2);
		struct ckpt_page_run *n;

		if (max > (CKPT_RECORD_MAX - sizeof(struct ckpt_hdr_mm_holes)) / sizeof(*n))
			return -E2BIG;
		n = kvrealloc(cow->holes, max * sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		cow->holes = n;
		cow->max_holes = max;
	}
	cow->holes[cow->nr_holes++] = (struct ckpt_page_run){ addr, 1 };
	return 0;
}

/*
 * Does @v still share pages with the parent?  Collects the holes:
 * pages the parent has where @v reads zeroes.  @win: room for one
 * window of pages.
 */
static int ckpt_cow_scan(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct ckpt_cow *cow, struct ckpt_vma_desc *v,
			 struct page **win)
{
	unsigned int nr_holes = cow->nr_holes;
	unsigned long addr = v->start, shared = 0;
	int ret = 0;

	while (addr < v->end && !ret) {
		unsigned long wstart = addr;
		unsigned long wend = min_t(unsigned long, v->end,
					   addr + CKPT_PAGES_MAX * PAGE_SIZE);
		unsigned int i, n = (wend - wstart) >> PAGE_SHIFT;

		ckpt_cow_window(cow, v, wstart, wend);
		ret = ckpt_window_pages(mm, v, wstart, wend, win, false, true);
		if (ret)
			break;
		for (i = 0; i < n && !ret; i++, addr += PAGE_SIZE) {
			bool zero = true;

			if (win[i] && win[i] == cow->pages[i]) {
				shared++;
				zero = false;
			} else if (win[i]) {
				zero = ckpt_page_is_zero(win[i]);
			}
			if (zero && cow->pages[i])
				ret = ckpt_cow_add_hole(cow, addr);
		}
		ckpt_window_put(win, 0, n);
		cond_resched();
	}
	if (ret == -EBUSY)
		ret = ckpt_err(ctx, ret, "mapping at %#llx changed during checkpoint",
			       v->start);
	if (!ret && shared)
		v->vm_flags |= CKPT_VM_INHERIT;
	else
		cow->nr_holes = nr_holes;
	return ret;
}

static int ckpt_cow_write_holes(struct ckpt_ctx *ctx, struct ckpt_cow *cow)
{
	struct ckpt_hdr_mm_holes h = {
		.h = { .type = CKPT_HDR_MM_HOLES },
		.nr_runs = cow->nr_holes,
	};
	size_t len = cow->nr_holes * sizeof(*cow->holes);

	return ckpt_write_hdr_data(ctx, &h.h, sizeof(h), cow->holes, len);
}

/* The parent process's address space, if it is in the image already */
static void ckpt_cow_init(struct ckpt_ctx *ctx, struct ckpt_cow *cow)
{
	struct task_struct *t = ctx->tsk, *p;
	struct mm_struct *pmm = NULL;

	if (!t || !thread_group_leader(t) || t == ctx->root_task)
		return;
	rcu_read_lock();
	p = rcu_dereference(t->real_parent);
	/* the parent is stopped and holds its mm; the hash holds a reference */
	if (p && p->mm && p->mm != t->mm)
		pmm = p->mm;
	rcu_read_unlock();
	if (!pmm)
		return;
	cow->objref = ckpt_obj_lookup(ctx, pmm);
	if (cow->objref > 0)
		cow->pmm = pmm;
}

static int checkpoint_vma_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
				struct ckpt_pages *b, struct ckpt_vma_desc *v,
				struct ckpt_cow *cow)
{
	bool anon_only = v->vma_type == CKPT_VMA_FILE;
	bool inherit = v->vm_flags & CKPT_VM_INHERIT;
	unsigned long addr = v->start;
	int ret = 0;

	/* runs never cross mappings: restart checks each against one */
	b->next = 0;

	while (addr < v->end && !ret) {
		unsigned long wstart = addr;
		unsigned long wend = min_t(unsigned long, v->end,
					   addr + CKPT_PAGES_MAX * PAGE_SIZE);
		unsigned int i, n = (wend - wstart) >> PAGE_SHIFT;

		if (inherit)
			ckpt_cow_window(cow, v, wstart, wend);
		/*
		 * Collect a window under the lock, write it without:
		 * writing may block on a pipe for as long as the reader
		 * wants.
		 */
		ret = ckpt_window_pages(mm, v, wstart, wend, b->win, anon_only, true);
		if (ret)
			return ckpt_err(ctx, ret, "mapping at %#llx changed during checkpoint",
					v->start);
		for (i = 0; i < n && !ret; i++, addr += PAGE_SIZE) {
			struct page *page = b->win[i];

			if (!page)
				continue;
			/*
			 * The parent's pages are restored from the parent.
			 * Anonymous memory reads as zeroes where no page
			 * is: a page of zeroes costs nothing left out (an
			 * inherited VMA has it in its holes).  Not so in a
			 * file mapping, where the file would show through.
			 */
			if ((inherit && page == cow->pages[i]) ||
			    (!anon_only && ckpt_page_is_zero(page))) {
				put_page(page);
				continue;
			}
			/* the batch takes the reference */
			ret = ckpt_pages_add(ctx, b, addr, page);
		}
		ckpt_window_put(b->win, i, n);
		addr = wend;
		cond_resched();
	}
	return ret;
}

/* The mm record: its fixed part @h, then the @nr mappings */
static int checkpoint_mm_record(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *h,
				struct ckpt_mapping *vmas, unsigned int nr)
{
	struct ckpt_vma *e;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(CKPT_VM_KNOWN & ~CKPT_VMA_VM_MASK);
	BUILD_BUG_ON(CKPT_VMA_TYPE(~0U) < CKPT_VMA_SYSVSHM);
	e = kvcalloc(max(nr, 1U), sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const struct ckpt_vma_desc *v = &vmas[i].h;

		e[i].start = v->start;
		e[i].end = v->end;
		e[i].pgoff = v->pgoff;
		e[i].file_objref = v->file_objref;
		e[i].flags = v->vm_flags | v->vma_type << CKPT_VMA_TYPE_SHIFT;
	}
	ret = ckpt_write_hdr_data(ctx, &h->h, sizeof(*h), e, nr * sizeof(*e));
	kvfree(e);
	return ret;
}

static int checkpoint_mm(struct ckpt_ctx *ctx, void *ptr)
{
	struct mm_struct *mm = ptr;
	struct ckpt_hdr_mm *h;
	struct ckpt_mapping *vmas;
	struct ckpt_pages *b = NULL;
	struct ckpt_cow *cow;
	struct file *exe;
	unsigned int i, nr = 0;
	int ret = 0, objref;

	if (get_mm_counter(mm, MM_SWAPENTS))
		return ckpt_err(ctx, -EOPNOTSUPP, "swapped-out memory is not supported yet");
	if (mm->def_flags & VM_LOCKED)
		return ckpt_err(ctx, -EOPNOTSUPP, "mlockall(MCL_FUTURE) is not supported yet");

	h = ckpt_hdr_alloc(CKPT_HDR_MM, sizeof(*h));
	cow = kvzalloc(sizeof(*cow), GFP_KERNEL);
	b = ckpt_pages_alloc();
	if (!h || !cow || !b) {
		ckpt_free(h);
		kvfree(cow);
		kvfree(b);
		return -ENOMEM;
	}

	vmas = ckpt_collect_vmas(ctx, mm, &nr);
	if (IS_ERR(vmas)) {
		ckpt_free(h);
		kvfree(cow);
		kvfree(b);
		return PTR_ERR(vmas);
	}
	if (ckpt_mm_len(nr) > CKPT_RECORD_MAX) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%u mappings are too many", nr);
		goto out;
	}
	ckpt_cow_init(ctx, cow);
	for (i = 0; i < nr && !ret; i++)
		if (ckpt_cow_candidate(cow, &vmas[i].h))
			ret = ckpt_cow_scan(ctx, mm, cow, &vmas[i].h, b->win);
	if (ret)
		goto out;
	if (cow->pmm)
		h->parent_objref = cow->objref;

	/* the files behind the mappings, and the executable, go first */
	exe = get_mm_exe_file(mm);
	if (exe) {
		snprintf(ctx->what, sizeof(ctx->what), "executable");
		objref = checkpoint_obj_use(ctx, exe, CKPT_OBJ_FILE,
					    CKPT_USE_SHAREABLE);
		fput(exe);
		if (objref < 0) {
			ret = objref;
			goto out;
		}
		h->exe_objref = objref;
	}
	for (i = 0; i < nr; i++) {
		if (!vmas[i].file)
			continue;
		snprintf(ctx->what, sizeof(ctx->what), "mapping at %#llx",
			 vmas[i].h.start);
		if (vmas[i].h.vma_type == CKPT_VMA_SYSVSHM) {
			ret = checkpoint_vma_sysvshm(ctx, vmas[i].file, &vmas[i].h);
			if (ret)
				goto out;
			continue;
		}
		/*
		 * Mappings are inherited across fork: the parent outside
		 * the image keeps the same file.  That sharing is
		 * harmless for a file reopened by path; the memory of a
		 * shared mapping is not checked (see security.rst).
		 */
		objref = checkpoint_obj_use(ctx, vmas[i].file, CKPT_OBJ_FILE,
					    CKPT_USE_SHAREABLE);
		if (objref < 0) {
			ret = objref;
			goto out;
		}
		vmas[i].h.file_objref = objref;
	}
	ctx->what[0] = '\0';

	h->nr_vmas = nr;
	spin_lock(&mm->arg_lock);
	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	h->vdso = (unsigned long)mm->context.vdso;
	if (mm->context.vdso_image)
		h->vdso_size = mm->context.vdso_image->size;
	h->def_flags = ckpt_vm_to_ckpt(mm->def_flags);
	BUILD_BUG_ON(AT_VECTOR_SIZE > CKPT_AUXV_MAX);
	h->nr_auxv = AT_VECTOR_SIZE;
	memcpy(h->saved_auxv, mm->saved_auxv, sizeof(mm->saved_auxv));

	ret = checkpoint_mm_record(ctx, h, vmas, nr);
	if (!ret && cow->pmm)
		ret = ckpt_cow_write_holes(ctx, cow);
	if (ret)
		goto out;

	for (i = 0; i < nr && !ret; i++)
		if (ckpt_vma_has_pages(&vmas[i].h))
			ret = checkpoint_vma_pages(ctx, mm, b, &vmas[i].h, cow);
	if (!ret)
		ret = ckpt_pages_end(ctx, b);
out:
	ctx->what[0] = '\0';
	if (b) {
		ckpt_pages_release(b);
		kvfree(b);
	}
	for (i = 0; i < nr; i++)
		if (vmas[i].file)
			fput(vmas[i].file);
	kvfree(vmas);
	kvfree(cow->holes);
	kvfree(cow);
	ckpt_free(h);
	return ret;
}

/* Restart */

static int restore_check_mm(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *h)
{
	unsigned long addrs[] = {
		h->start_code, h->end_code, h->start_data, h->end_data,
		h->start_brk, h->brk, h->start_stack, h->arg_start, h->arg_end,
		h->env_start, h->env_end, h->vdso,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(addrs); i++)
		if (addrs[i] >= TASK_SIZE)
			goto bad;
	if (h->start_code > h->end_code || h->start_data > h->end_data ||
	    h->start_brk > h->brk || h->arg_start > h->arg_end ||
	    h->env_start > h->env_end || h->nr_auxv > AT_VECTOR_SIZE ||
	    h->nr_vmas > sysctl_max_map_count || h->parent_objref < 0 ||
	    (h->def_flags & (~CKPT_VM_KNOWN | CKPT_VM_INHERIT)))
		goto bad;
	if (h->vdso && (h->vdso_size != vdso_image_64.size ||
			!PAGE_ALIGNED(h->vdso)))
		return ckpt_err(ctx, -EINVAL,
				"the image's vDSO differs from this kernel's");
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "mm record is malformed");
}

static int restore_check_vma(struct ckpt_ctx *ctx, struct ckpt_mapping *v,
			     struct ckpt_mapping *prev, bool inherit)
{
	struct ckpt_vma_desc *h = &v->h;
	u64 f = h->vm_flags;

	if (h->start >= h->end || h->end > TASK_SIZE ||
	    !PAGE_ALIGNED(h->start) || !PAGE_ALIGNED(h->end) ||
	    (prev && h->start < prev->h.end) || (f & ~CKPT_VM_KNOWN) ||
	    (f & (CKPT_VM_LOCKED | CKPT_VM_LOCKONFAULT)) ||
	    h->pgoff > (ULONG_MAX >> PAGE_SHIFT) ||
	    h->pgoff + ((h->end - h->start) >> PAGE_SHIFT) < h->pgoff)
		goto bad;
	switch (h->vma_type) {
	case CKPT_VMA_ANON:
		if (h->file_objref || (f & (CKPT_VM_SHARED | CKPT_VM_MAYSHARE)) ||
		    ((f & CKPT_VM_INHERIT) && (!inherit || (f & CKPT_VM_WIPEONFORK))))
			goto bad;
		break;
	case CKPT_VMA_FILE:
	case CKPT_VMA_SHMEM:
		if (f & (CKPT_VM_GROWSDOWN | CKPT_VM_INHERIT))
			goto bad;
		if (h->vma_type == CKPT_VMA_SHMEM && !(f & CKPT_VM_MAYSHARE))
			goto bad;
		v->file = ckpt_obj_fetch(ctx, h->file_objref, CKPT_OBJ_FILE);
		if (IS_ERR(v->file)) {
			v->file = NULL;
			return -EINVAL;
		}
		if (h->vma_type == CKPT_VMA_SHMEM && !shmem_file(v->file))
			goto bad;
		break;
	case CKPT_VMA_VDSO:
	case CKPT_VMA_VVAR:
		if (h->file_objref || (f & CKPT_VM_INHERIT))
			goto bad;
		break;
	case CKPT_VMA_SYSVSHM:
		/* file_objref is the segment's id */
		if (h->file_objref < 0 || h->pgoff || !(f & CKPT_VM_MAYSHARE) ||
		    (f & (CKPT_VM_GROWSDOWN | CKPT_VM_INHERIT)))
			goto bad;
		break;
	default:
		goto bad;
	}
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "mapping record %#llx-%#llx is malformed",
			h->start, h->end);
}

static const struct {
	u64 ckpt;
	int advice;
} ckpt_vm_advice[] = {
	{ CKPT_VM_DONTCOPY, MADV_DONTFORK },
	{ CKPT_VM_DONTDUMP, MADV_DONTDUMP },
	{ CKPT_VM_WIPEONFORK, MADV_WIPEONFORK },
	{ CKPT_VM_SEQ_READ, MADV_SEQUENTIAL },
	{ CKPT_VM_RAND_READ, MADV_RANDOM },
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	{ CKPT_VM_HUGEPAGE, MADV_HUGEPAGE },
	{ CKPT_VM_NOHUGEPAGE, MADV_NOHUGEPAGE },
#endif
};

static int restore_map_vma(struct ckpt_ctx *ctx, struct ckpt_mapping *v)
{
	struct ckpt_vma_desc *h = &v->h;
	unsigned long len = h->end - h->start, addr;
	unsigned long prot = 0, flags = MAP_FIXED;
	int i, ret;

	if (h->vma_type == CKPT_VMA_VDSO || h->vma_type == CKPT_VMA_VVAR)
		return 0;

	if (h->vm_flags & CKPT_VM_READ)
		prot |= PROT_READ;
	if (h->vm_flags & CKPT_VM_WRITE)
		prot |= PROT_WRITE;
	if (h->vm_flags & CKPT_VM_EXEC)
		prot |= PROT_EXEC;
	/* a read-only MAP_SHARED mapping has VM_MAYSHARE without VM_SHARED */
	flags |= (h->vm_flags & CKPT_VM_MAYSHARE) ? MAP_SHARED : MAP_PRIVATE;
	if (h->vm_flags & CKPT_VM_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (h->vm_flags & CKPT_VM_NORESERVE)
		flags |= MAP_NORESERVE;
	if (!v->file)
		flags |= MAP_ANONYMOUS;

	if (h->vma_type == CKPT_VMA_SYSVSHM) {
		ret = restore_vma_sysvshm(ctx, h);
		if (ret)
			return ret;
		goto advice;
	}
	addr = vm_mmap(v->file, h->start, len, prot, flags,
		       v->file ? h->pgoff << PAGE_SHIFT : 0);
	if (IS_ERR_VALUE(addr))
		return ckpt_err(ctx, (long)addr, "cannot map %#llx-%#llx",
				h->start, h->end);
	if (addr != h->start)
		return ckpt_err(ctx, -EINVAL, "mapping %#llx-%#llx landed at %#lx",
				h->start, h->end, addr);
advice:

	for (i = 0; i < ARRAY_SIZE(ckpt_vm_advice); i++) {
		if (!(h->vm_flags & ckpt_vm_advice[i].ckpt))
			continue;
		ret = do_madvise(current->mm, h->start, len, ckpt_vm_advice[i].advice);
		if (ret)
			return ckpt_err(ctx, ret, "mapping %#llx-%#llx: madvise %d failed",
					h->start, h->end, ckpt_vm_advice[i].advice);
	}
	return 0;
}

/* Make the VMA of @mm at [start, end) exactly that range: split it */
static struct vm_area_struct *ckpt_vma_exact(struct mm_struct *mm,
					     unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = vma_lookup(mm, start);

	if (!vma || vma->vm_end < end)
		return NULL;
	if (vma->vm_start < start) {
		VMA_ITERATOR(vmi, mm, start);

		if (split_vma(&vmi, vma, start, 1))
			return NULL;
		vma = vma_lookup(mm, start);
	}
	if (vma && vma->vm_end > end) {
		VMA_ITERATOR(vmi, mm, start);

		if (split_vma(&vmi, vma, end, 0))
			return NULL;
		vma = vma_lookup(mm, start);
	}
	return vma && vma->vm_start == start && vma->vm_end == end ? vma : NULL;
}

#define CKPT_GRAFT_FLAGS	(VM_READ | VM_WRITE | VM_EXEC | VM_SHARED | \
				 VM_MAYSHARE | VM_GROWSDOWN | VM_WIPEONFORK)

/*
 * Map the parent's pages of a CKPT_VM_INHERIT VMA into the new one
 * copy-on-write, as dup_mmap() does at fork: the new VMA joins the
 * parent's anon_vma tree, then the page tables are copied.
 */
static int restore_graft_vma(struct ckpt_ctx *ctx, struct mm_struct *pmm,
			     struct ckpt_vma_desc *h)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vp, *vc;
	int ret = -EINVAL;

	if (mmap_write_lock_killable(pmm))
		return -EINTR;
	mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING);
	vp = ckpt_vma_exact(pmm, h->start, h->end);
	vc = vp ? ckpt_vma_exact(mm, h->start, h->end) : NULL;
	if (vc && vma_is_anonymous(vp) && vma_is_anonymous(vc) && !vc->anon_vma &&
	    !(vp->vm_flags & VM_MAYSHARE) &&
	    !((vp->vm_flags ^ vc->vm_flags) & CKPT_GRAFT_FLAGS)) {
		ret = 0;
		if (vp->anon_vma) {
			vma_start_write(vp);
			vma_start_write(vc);
			ret = anon_vma_fork(vc, vp);
			if (!ret)
				ret = copy_page_range(vc, vp);
		}
	}
	mmap_write_unlock(mm);
	mmap_write_unlock(pmm);
	if (ret)
		ckpt_err(ctx, ret, "mapping %#llx-%#llx: cannot share the parent's pages",
			 h->start, h->end);
	return ret;
}

/* The holes: inherited ranges that read as zeroes here */
static struct ckpt_hdr_mm_holes *restore_read_holes(struct ckpt_ctx *ctx,
						    struct ckpt_mapping *vmas,
						    unsigned int nr_vmas)
{
	struct ckpt_hdr_mm_holes *h;
	unsigned int i, j = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_MM_HOLES, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	if (ckpt_align(struct_size(h, runs, h->nr_runs)) != h->h.len)
		goto bad;
	/* sorted, each within one inherited VMA */
	for (i = 0; i < h->nr_runs; i++) {
		struct ckpt_page_run *r = &h->runs[i];

		if (!PAGE_ALIGNED(r->start) || !r->nr_pages ||
		    r->nr_pages > (TASK_SIZE >> PAGE_SHIFT) ||
		    (i && r->start < h->runs[i - 1].start +
		     (h->runs[i - 1].nr_pages << PAGE_SHIFT)))
			goto bad;
		while (j < nr_vmas && vmas[j].h.end <= r->start)
			j++;
		if (j == nr_vmas || r->start < vmas[j].h.start ||
		    r->start + (r->nr_pages << PAGE_SHIFT) > vmas[j].h.end ||
		    !(vmas[j].h.vm_flags & CKPT_VM_INHERIT))
			goto bad;
	}
	return h;
bad:
	ckpt_free(h);
	ckpt_err(ctx, -EINVAL, "holes record is malformed");
	return ERR_PTR(-EINVAL);
}

static int restore_zap_holes(struct ckpt_ctx *ctx, struct ckpt_hdr_mm_holes *h)
{
	unsigned int i;
	int ret;

	for (i = 0; i < h->nr_runs; i++) {
		ret = do_madvise(current->mm, h->runs[i].start,
				 h->runs[i].nr_pages << PAGE_SHIFT, MADV_DONTNEED);
		if (ret)
			return ckpt_err(ctx, ret, "cannot clear %#llx+%llu pages",
					h->runs[i].start, h->runs[i].nr_pages);
	}
	return 0;
}

/* The restored VMA that holds [start, start + len), if it takes pages */
static bool restore_pages_allowed(struct ckpt_mapping *vmas, unsigned int nr,
				  u64 start, u64 len)
{
	unsigned int lo = 0, hi = nr;

	if (start + len < start)
		return false;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct ckpt_vma_desc *v = &vmas[mid].h;

		if (start >= v->end)
			lo = mid + 1;
		else if (start < v->start)
			hi = mid;
		else
			return start + len <= v->end && ckpt_vma_has_pages(v);
	}
	return false;
}

/*
 * Fault in the pages of a record's runs, then read all their data in one
 * go: a record of many small runs (many small mappings) is one read of
 * the image, straight into the pages, not one read per run through the
 * context's buffer.
 */
static int restore_mm_pages(struct ckpt_ctx *ctx, struct ckpt_mapping *vmas,
			    unsigned int nr_vmas)
{
	struct ckpt_pages *b;
	int nr, ret = 0;

	b = ckpt_pages_alloc();
	if (!b)
		return -ENOMEM;
	while ((nr = ckpt_pages_read_runs(ctx, b)) > 0) {
		unsigned int i, j, filled = 0;

		for (i = 0; i < b->nr_runs && !ret; i++) {
			struct ckpt_page_run *r = &b->runs[i];
			unsigned long addr = r->start;
			unsigned long left = r->nr_pages;

			if (!restore_pages_allowed(vmas, nr_vmas, r->start,
						   r->nr_pages << PAGE_SHIFT)) {
				ret = ckpt_err(ctx, -EINVAL,
					       "pages %#llx+%llu outside a private mapping",
					       r->start, r->nr_pages);
				break;
			}
			/* the runs add up to at most CKPT_PAGES_MAX pages */
			while (left) {
				long got;

				got = get_user_pages_unlocked(addr, left, b->pages + filled,
							      FOLL_WRITE | FOLL_FORCE);
				if (got <= 0) {
					ret = ckpt_err(ctx, got ? got : -EFAULT,
						       "cannot fault in %#lx", addr);
					break;
				}
				filled += got;
				addr += got << PAGE_SHIFT;
				left -= got;
			}
		}
		if (!ret)
			ret = ckpt_pages_read_data(ctx, b, b->pages, filled);
		for (j = 0; j < filled; j++) {
			set_page_dirty_lock(b->pages[j]);
			put_page(b->pages[j]);
		}
		b->nr_pages = 0;
		b->nr_runs = 0;
		if (ret)
			break;
	}
	if (nr < 0)
		ret = nr;
	kvfree(b);
	return ret;
}

static int restore_mm_fields(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *h)
{
	struct mm_struct *mm = current->mm;
	struct file *exe = NULL;
	int ret = 0;

	if (h->exe_objref) {
		exe = ckpt_obj_fetch(ctx, h->exe_objref, CKPT_OBJ_FILE);
		if (IS_ERR(exe))
			return PTR_ERR(exe);
		if (!S_ISREG(file_inode(exe)->i_mode))
			return ckpt_err(ctx, -EINVAL, "the executable is not a regular file");
	}

	mmap_read_lock(mm);
	spin_lock(&mm->arg_lock);
	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	spin_unlock(&mm->arg_lock);
	mmap_read_unlock(mm);

	task_lock(current);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, h->saved_auxv, h->nr_auxv * sizeof(mm->saved_auxv[0]));
	/* the vector always ends with AT_NULL */
	mm->saved_auxv[AT_VECTOR_SIZE - 2] = AT_NULL;
	mm->saved_auxv[AT_VECTOR_SIZE - 1] = 0;
	task_unlock(current);

	if (exe) {
		struct file *old = get_mm_exe_file(mm);

		/*
		 * Naming another executable is what PR_SET_MM_EXE_FILE
		 * allows only with CAP_CHECKPOINT_RESTORE.
		 */
		if ((!old || file_inode(old) != file_inode(exe)) &&
		    checkpoint_restore_ns_capable(current_user_ns()))
			ret = replace_mm_exe_file(mm, exe);
		if (old)
			fput(old);
		if (ret)
			return ckpt_err(ctx, ret, "cannot set the executable");
	}

	if (h->vdso) {
		ret = map_vdso_once(&vdso_image_64, h->vdso + vdso_image_64.sym_vvar_start);
		if (!ret && (unsigned long)mm->context.vdso != h->vdso)
			ret = -EINVAL;
		if (ret)
			return ckpt_err(ctx, ret, "cannot map the vDSO at %#llx", h->vdso);
	}
	return 0;
}

static void mm_grab(void *ptr)
{
	mmget(ptr);
}

static void mm_drop(void *ptr)
{
	mmput(ptr);
}

static int mm_users(void *ptr)
{
	return atomic_read(&((struct mm_struct *)ptr)->mm_users) - 1;
}

/*
 * Rebuild current's address space from the image.  Everything is read
 * and checked before the old mappings go.
 */
static void *restore_mm(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = current->mm, *pmm = NULL;
	struct ckpt_hdr_mm_holes *holes = NULL;
	struct ckpt_mapping *vmas = NULL;
	struct ckpt_hdr_mm *h;
	unsigned int i;
	int ret;

	/* threads share the address space their leader rebuilt */
	if (ckpt_obj_restored(ctx, mm, CKPT_OBJ_MM))
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"a second address space for a task that shares one"));
	h = ckpt_read_obj_type(ctx, CKPT_HDR_MM, sizeof(*h), CKPT_RECORD_MAX);
	if (IS_ERR(h))
		return h;
	ret = restore_check_mm(ctx, h);
	if (ret)
		goto out;
	if (h->h.len != ckpt_mm_len(h->nr_vmas)) {
		ret = ckpt_err(ctx, -EINVAL, "mm record: %u mappings in %u bytes",
			       h->nr_vmas, h->h.len);
		goto out;
	}
	if (h->parent_objref) {
		pmm = ckpt_obj_fetch(ctx, h->parent_objref, CKPT_OBJ_MM);
		if (IS_ERR(pmm)) {
			ret = PTR_ERR(pmm);
			goto out;
		}
	}

	vmas = kvcalloc(max(h->nr_vmas, 1U), sizeof(*vmas), GFP_KERNEL);
	if (!vmas) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < h->nr_vmas; i++) {
		const struct ckpt_vma *e = (const struct ckpt_vma *)(h + 1) + i;
		struct ckpt_vma_desc *v = &vmas[i].h;

		v->vma_type = CKPT_VMA_TYPE(e->flags);
		v->vm_flags = e->flags & CKPT_VMA_VM_MASK;
		v->file_objref = e->file_objref;
		v->start = e->start;
		v->end = e->end;
		v->pgoff = e->pgoff;
		ret = restore_check_vma(ctx, &vmas[i], i ? &vmas[i - 1] : NULL, !!pmm);
		if (ret)
			goto out;
	}
	if (pmm) {
		holes = restore_read_holes(ctx, vmas, h->nr_vmas);
		if (IS_ERR(holes)) {
			ret = PTR_ERR(holes);
			holes = NULL;
			goto out;
		}
	}

	/* the point of no return: the caller's memory goes */
	ctx->kflags |= CKPT_CTX_NORETURN;
	/*
	 * From here a failure kills the caller: only a fatal signal may cut
	 * the reading of the image short.  Other signals stay pending; the
	 * restored task's own mask replaces this one.
	 */
	{
		sigset_t all;

		sigfillset(&all);
		set_current_blocked(&all);
	}
	ret = vm_munmap(0, TASK_SIZE);
	if (ret) {
		ckpt_err(ctx, ret, "cannot clear the address space");
		goto out;
	}
	for (i = 0; i < h->nr_vmas && !ret; i++) {
		ret = restore_map_vma(ctx, &vmas[i]);
		/* before the next mapping can merge with it */
		if (!ret && (vmas[i].h.vm_flags & CKPT_VM_INHERIT))
			ret = restore_graft_vma(ctx, pmm, &vmas[i].h);
	}
	if (!ret && holes)
		ret = restore_zap_holes(ctx, holes);
	if (!ret)
		ret = restore_mm_pages(ctx, vmas, h->nr_vmas);
	if (!ret)
		ret = restore_mm_fields(ctx, h);
out:
	ckpt_free(holes);
	kvfree(vmas);
	ckpt_free(h);
	if (ret)
		return ERR_PTR(ret);
	mmget(mm);
	return mm;
}

int restore_mm_commit(struct ckpt_ctx *ctx, void *ptr)
{
	if (ptr != current->mm)
		return ckpt_err(ctx, -EINVAL,
				"the address space is another process's: threads must share it, processes cannot");
	return 0;
}

static const struct ckpt_obj_ops ckpt_mm_ops = {
	.obj_type = CKPT_OBJ_MM,
	.obj_name = "address space",
	.ref_grab = mm_grab,
	.ref_drop = mm_drop,
	.ref_users = mm_users,
	.checkpoint = checkpoint_mm,
	.restore = restore_mm,
};

static int __init checkpoint_mm_init(void)
{
	return ckpt_register_obj_ops(&ckpt_mm_ops);
}
late_initcall(checkpoint_mm_init);
