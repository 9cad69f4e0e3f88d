// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart, x86-64: the CPU's xstate features in the header,
 * general registers, segment bases, the full FPU/xstate and the debug
 * registers of a task.
 *
 * Saving goes through the same regsets ptrace and core dumps use
 * (NT_PRSTATUS, NT_X86_XSTATE), so the image holds what those hold.
 * Restoring always targets current, inside sys_restart: the general
 * registers are written to its pt_regs (the syscall exit path copes
 * with arbitrary user registers), the segment bases through
 * do_arch_prctl_64() and the xstate through the regset after the live
 * FPU registers were given up.
 */

#include <linux/bitmap.h>
#include <linux/checkpoint.h>
#include <linux/elf.h>
#include <linux/freezer.h>
#include <linux/hw_breakpoint.h>
#include <linux/regset.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/regset.h>
#include <asm/fpu/sched.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>
#include <asm/fsgsbase.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/sighandling.h>
#include <asm/user.h>

/* The XSAVE header sits at offset 512 of a standard-format buffer */
#define CKPT_XSAVE_HDR_OFFSET	512
#define CKPT_XSTATE_MAX		(64 * 1024)
/*
 * MXCSR, in the legacy area: bits 18-31 are reserved on every CPU (the
 * kernel checks the CPU's own mask when it loads the state)
 */
#define CKPT_MXCSR_OFFSET	24
#define CKPT_MXCSR_MASK		0x3ffff
#define CKPT_MXCSR_USERS	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)
/* The legacy area and the XSAVE header: what an FPU record holds at least */
#define CKPT_XSTATE_MIN		(CKPT_XSAVE_HDR_OFFSET + 64)

int checkpoint_write_header_arch(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header_arch h = {
		.h = { .type = CKPT_HDR_HEADER_ARCH, .len = sizeof(h) },
	};

	if (cpu_feature_enabled(X86_FEATURE_XSAVE)) {
		h.xfeatures_mask = fpu_user_cfg.max_features;
		h.xstate_size = fpu_user_cfg.max_size;
	}
	return ckpt_write_obj(ctx, &h.h);
}

int restore_read_header_arch(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header_arch *h;
	int ret = 0;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_HEADER_ARCH, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->xstate_size > CKPT_XSTATE_MAX)
		ret = ckpt_err(ctx, -EINVAL, "xstate size %u is too large",
			       h->xstate_size);
	ctx->xfeatures_mask = h->xfeatures_mask;
	ctx->xstate_size = h->xstate_size;
	ckpt_free(h);
	return ret;
}

static const struct user_regset *ckpt_find_regset(struct task_struct *t,
						  unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/* 64-bit tasks run with null or flat data selectors and null fs/gs */
static bool ckpt_flat_selectors(u64 ds, u64 es, u64 fs, u64 gs)
{
	return (!ds || ds == __USER_DS) && (!es || es == __USER_DS) && !fs && !gs;
}

static int checkpoint_regs(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct user_regset *rs = ckpt_find_regset(t, NT_PRSTATUS);
	struct ckpt_hdr_cpu h = {
		.h = { .type = CKPT_HDR_CPU, .len = sizeof(h) },
	};
	struct user_regs_struct regs;
	int ret;

	if (!rs)
		return -EINVAL;
	ret = regset_get(t, rs, sizeof(regs), &regs);
	if (ret < 0)
		return ret;

	if (regs.cs != __USER_CS || regs.ss != __USER_DS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"32-bit and compat tasks are not supported");
	if (!ckpt_flat_selectors(regs.ds, regs.es, regs.fs, regs.gs))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"segment selectors other than the flat ones are not supported");

	h.r15 = regs.r15;
	h.r14 = regs.r14;
	h.r13 = regs.r13;
	h.r12 = regs.r12;
	h.bp = regs.bp;
	h.bx = regs.bx;
	h.r11 = regs.r11;
	h.r10 = regs.r10;
	h.r9 = regs.r9;
	h.r8 = regs.r8;
	h.ax = regs.ax;
	h.cx = regs.cx;
	h.dx = regs.dx;
	h.si = regs.si;
	h.di = regs.di;
	h.orig_ax = regs.orig_ax;
	h.ip = regs.ip;
	h.cs = regs.cs;
	h.flags = regs.flags;
	h.sp = regs.sp;
	h.ss = regs.ss;
	h.fs_base = regs.fs_base;
	h.gs_base = regs.gs_base;
	h.ds = regs.ds;
	h.es = regs.es;
	h.fs = regs.fs;
	h.gs = regs.gs;

	if (t == current) {
		/* the restored task sees its checkpoint() return 0 */
		h.ax = 0;
	} else if (frozen(t) && (long)h.orig_ax >= 0 && (long)h.ax == -ENOSYS) {
		/*
		 * The cgroup v1 freezer froze the task inside a system call,
		 * in a freezable sleep: have it redo the call.
		 */
		h.ax = -ERESTARTNOINTR;
	}
	return ckpt_write_obj(ctx, &h.h);
}

/*
 * The FPU record holds the standard-format xstate buffer sparse: a
 * bitmap of its non-zero 8-byte words, then those words.  Most of the
 * buffer is zero (components in their init state) and costs a bit a
 * word.  The bitmap's u64 words are a kernel bitmap on x86-64.
 */
#define CKPT_FPU_WORD(off)	((off) / sizeof(u64))
#define CKPT_FPU_MAP_BITS(nbits)	(BITS_TO_U64(nbits) * 64)

static int checkpoint_fpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct user_regset *rs = ckpt_find_regset(t, NT_X86_XSTATE);
	unsigned int size = ALIGN(fpu_user_cfg.max_size, sizeof(u64));
	unsigned int nbits = CKPT_FPU_WORD(size);
	unsigned int i, n = 0;
	struct ckpt_hdr_fpu *h;
	unsigned long *map;
	u64 *buf, *words;
	int ret;

	BUILD_BUG_ON(sizeof(unsigned long) != sizeof(u64));
	if (!rs || !cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_err(ctx, -EOPNOTSUPP, "CPUs without XSAVE are not supported");

	buf = kvzalloc(size, GFP_KERNEL);
	h = ckpt_hdr_alloc(CKPT_HDR_FPU, sizeof(*h) +
			   (BITS_TO_U64(nbits) + nbits) * sizeof(u64));
	ret = -ENOMEM;
	if (!buf || !h)
		goto out;
	ret = regset_get(t, rs, fpu_user_cfg.max_size, buf);
	if (ret < 0)
		goto out;
	map = (unsigned long *)(h + 1);
	words = (u64 *)(h + 1) + BITS_TO_U64(nbits);
	for (i = 0; i < nbits; i++) {
		if (!buf[i])
			continue;
		__set_bit(i, map);
		words[n++] = buf[i];
	}
	h->xfeatures = buf[CKPT_FPU_WORD(CKPT_XSAVE_HDR_OFFSET)];
	h->size = size;
	h->nr_words = n;
	h->h.len = sizeof(*h) + (BITS_TO_U64(nbits) + n) * sizeof(u64);
	ret = ckpt_write_obj(ctx, &h->h);
out:
	ckpt_free(h);
	kvfree(buf);
	return ret;
}

/* Debug registers in their initial state are not written */
static int checkpoint_debugregs(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_debugregs h = {
		.h = { .type = CKPT_HDR_DEBUGREGS, .len = sizeof(h) },
	};

	h.dr0 = ptrace_get_debugreg(t, 0);
	h.dr1 = ptrace_get_debugreg(t, 1);
	h.dr2 = ptrace_get_debugreg(t, 2);
	h.dr3 = ptrace_get_debugreg(t, 3);
	h.dr6 = ptrace_get_debugreg(t, 6);
	h.dr7 = ptrace_get_debugreg(t, 7);
	BUILD_BUG_ON(CKPT_DR6_INIT != DR6_RESERVED);
	if (!(h.dr0 | h.dr1 | h.dr2 | h.dr3 | h.dr7) && h.dr6 == CKPT_DR6_INIT)
		return 0;
	return ckpt_write_obj(ctx, &h.h);
}

int checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	int ret;

	ret = checkpoint_regs(ctx, t);
	if (!ret)
		ret = checkpoint_fpu(ctx, t);
	if (!ret)
		ret = checkpoint_debugregs(ctx, t);
	return ret;
}

/*
 * Restart reads and checks the CPU records before the caller's memory
 * is replaced, and applies them at the very end.
 */
struct ckpt_cpu_restore {
	struct ckpt_hdr_cpu *regs;
	struct ckpt_hdr_fpu *fpu;
	struct ckpt_hdr_debugregs *debug;
	void *xstate;			/* this CPU's buffer size */
};

void restore_cpu_free(void *ptr)
{
	struct ckpt_cpu_restore *r = ptr;

	if (!r)
		return;
	ckpt_free(r->regs);
	ckpt_free(r->fpu);
	ckpt_free(r->debug);
	kvfree(r->xstate);
	kfree(r);
}

static int restore_check_regs(struct ckpt_ctx *ctx, struct ckpt_hdr_cpu *h)
{
	if (h->cs != __USER_CS || h->ss != __USER_DS)
		return ckpt_err(ctx, -EINVAL, "registers: bad code or stack segment");
	if (!ckpt_flat_selectors(h->ds, h->es, h->fs, h->gs))
		return ckpt_err(ctx, -EINVAL, "registers: bad segment selectors");
	if (h->ip >= TASK_SIZE_MAX || h->sp >= TASK_SIZE_MAX ||
	    h->fs_base >= TASK_SIZE_MAX || h->gs_base >= TASK_SIZE_MAX)
		return ckpt_err(ctx, -EINVAL, "registers: address out of user space");
	return 0;
}

/*
 * Check the sparse buffer of @h: its length, its bitmap against
 * nr_words, and that the XSAVE header is what restoring it needs (the
 * kernel would refuse it only after the point of no return).
 */
static int restore_check_fpu_words(struct ckpt_hdr_fpu *h)
{
	unsigned int nbits = CKPT_FPU_WORD(h->size);
	unsigned int bv_word = CKPT_FPU_WORD(CKPT_XSAVE_HDR_OFFSET);
	unsigned int hdr_end = CKPT_FPU_WORD(CKPT_XSTATE_MIN);
	const unsigned long *map = (const unsigned long *)(h + 1);
	const u64 *words = (const u64 *)(h + 1) + BITS_TO_U64(nbits);
	u64 bv = 0;

	if (h->size % sizeof(u64) || h->size < CKPT_XSTATE_MIN ||
	    h->size > CKPT_XSTATE_MAX || h->nr_words > nbits ||
	    h->h.len != sizeof(*h) +
			(BITS_TO_U64(nbits) + h->nr_words) * sizeof(u64))
		return -EINVAL;
	/* no bit past the buffer's words, one word a bit set */
	if (find_next_bit(map, CKPT_FPU_MAP_BITS(nbits), nbits) !=
	    CKPT_FPU_MAP_BITS(nbits) || bitmap_weight(map, nbits) != h->nr_words)
		return -EINVAL;
	/* XSTATE_BV is xfeatures; XCOMP_BV and the reserved words are 0 */
	if (find_next_bit(map, hdr_end, bv_word + 1) != hdr_end)
		return -EINVAL;
	if (test_bit(bv_word, map))
		bv = words[bitmap_weight(map, bv_word)];
	return bv == h->xfeatures ? 0 : -EINVAL;
}

/* Lay the sparse buffer of @h out in @buf, this CPU's @size bytes */
static void restore_fpu_words(struct ckpt_hdr_fpu *h, u64 *buf,
			      unsigned int size)
{
	unsigned int nbits = CKPT_FPU_WORD(h->size);
	unsigned int i, n = 0;
	const unsigned long *map = (const unsigned long *)(h + 1);
	const u64 *words = (const u64 *)(h + 1) + BITS_TO_U64(nbits);

	for_each_set_bit(i, map, nbits) {
		/* beyond this CPU's buffer: features xfeatures lacks */
		if (i < CKPT_FPU_WORD(size))
			buf[i] = words[n];
		n++;
	}
}

static int restore_check_fpu(struct ckpt_ctx *ctx, struct ckpt_cpu_restore *r)
{
	struct ckpt_hdr_fpu *h = r->fpu;
	unsigned int size = fpu_user_cfg.max_size;

	if (restore_check_fpu_words(h))
		return ckpt_err(ctx, -EINVAL, "FPU record is malformed");
	if (!ckpt_find_regset(current, NT_X86_XSTATE) ||
	    !cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_err(ctx, -EOPNOTSUPP, "CPUs without XSAVE are not supported");
	if (h->xfeatures & ~fpu_user_cfg.max_features)
		return ckpt_err(ctx, -EINVAL,
				"the image uses xsave features %#llx this CPU lacks",
				h->xfeatures & ~fpu_user_cfg.max_features);
	/* what loading the state would refuse, past the point of no return */
	if (h->xfeatures & ~current->thread.fpu.fpstate->user_xfeatures)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"the image uses xsave features %#llx the task has no permission for",
				h->xfeatures & ~current->thread.fpu.fpstate->user_xfeatures);

	/* lay the image's state out in this CPU's buffer size */
	r->xstate = kvzalloc(size, GFP_KERNEL);
	if (!r->xstate)
		return -ENOMEM;
	restore_fpu_words(h, r->xstate, size);
	if ((h->xfeatures & CKPT_MXCSR_USERS) &&
	    (((u32 *)r->xstate)[CKPT_MXCSR_OFFSET / 4] & ~CKPT_MXCSR_MASK))
		return ckpt_err(ctx, -EINVAL, "FPU record: reserved MXCSR bits set");
	return 0;
}

static int restore_check_debugregs(struct ckpt_ctx *ctx, struct ckpt_hdr_debugregs *h)
{
	if (h->dr0 >= TASK_SIZE_MAX || h->dr1 >= TASK_SIZE_MAX ||
	    h->dr2 >= TASK_SIZE_MAX || h->dr3 >= TASK_SIZE_MAX ||
	    h->dr6 > U32_MAX || h->dr7 > U32_MAX)
		return ckpt_err(ctx, -EINVAL, "debug registers record is malformed");
	return 0;
}

/**
 * restore_cpu_read - read and check the task's CPU records
 * @ctx: restart context
 *
 * Returns what restore_cpu_apply() needs, or an ERR_PTR.
 */
void *restore_cpu_read(struct ckpt_ctx *ctx)
{
	struct ckpt_cpu_restore *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);

	r->regs = ckpt_read_obj_type(ctx, CKPT_HDR_CPU, sizeof(*r->regs),
				     sizeof(*r->regs));
	if (IS_ERR(r->regs)) {
		ret = PTR_ERR(r->regs);
		r->regs = NULL;
		goto err;
	}
	ret = restore_check_regs(ctx, r->regs);
	if (ret)
		goto err;

	r->fpu = ckpt_read_obj_type(ctx, CKPT_HDR_FPU, sizeof(*r->fpu),
				    sizeof(*r->fpu) + CKPT_XSTATE_MAX +
				    BITS_TO_U64(CKPT_FPU_WORD(CKPT_XSTATE_MAX)) *
				    sizeof(u64));
	if (IS_ERR(r->fpu)) {
		ret = PTR_ERR(r->fpu);
		r->fpu = NULL;
		goto err;
	}
	ret = restore_check_fpu(ctx, r);
	if (ret)
		goto err;

	/* no record: the initial state */
	ret = ckpt_peek_type(ctx);
	if (ret < 0)
		goto err;
	if (ret != CKPT_HDR_DEBUGREGS)
		return r;
	r->debug = ckpt_read_obj_type(ctx, CKPT_HDR_DEBUGREGS, sizeof(*r->debug),
				      sizeof(*r->debug));
	if (IS_ERR(r->debug)) {
		ret = PTR_ERR(r->debug);
		r->debug = NULL;
		goto err;
	}
	ret = restore_check_debugregs(ctx, r->debug);
	if (ret)
		goto err;
	return r;
err:
	restore_cpu_free(r);
	return ERR_PTR(ret);
}

static int restore_regs(struct ckpt_ctx *ctx, struct ckpt_hdr_cpu *h, long *retval)
{
	struct pt_regs *regs = current_pt_regs();
	long ax;
	int ret;

	ret = do_arch_prctl_64(current, ARCH_SET_FS, h->fs_base);
	if (!ret)
		ret = do_arch_prctl_64(current, ARCH_SET_GS, h->gs_base);
	if (ret)
		return ckpt_err(ctx, ret, "registers: cannot set the segment bases");

	regs->r15 = h->r15;
	regs->r14 = h->r14;
	regs->r13 = h->r13;
	regs->r12 = h->r12;
	regs->bp = h->bp;
	regs->bx = h->bx;
	regs->r11 = h->r11;
	regs->r10 = h->r10;
	regs->r9 = h->r9;
	regs->r8 = h->r8;
	regs->cx = h->cx;
	regs->dx = h->dx;
	regs->si = h->si;
	regs->di = h->di;
	regs->ip = h->ip;
	regs->sp = h->sp;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (h->flags & FIX_EFLAGS);
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->orig_ax = h->orig_ax;
	ax = h->ax;

	/* a restart block cannot be carried over: restart the call plainly */
	if ((long)h->orig_ax >= 0 && ax == -ERESTART_RESTARTBLOCK)
		ax = -ERESTARTNOHAND;
	regs->ax = ax;
	*retval = ax;
	return 0;
}

/**
 * restore_cpu_syscall - finish the system call a restored task was in
 * @retval: what sys_restart is about to return (the task's ax)
 *
 * A task checkpointed inside a system call sits in the signal path
 * with -ERESTART* in ax: the return to user space finishes the job, as
 * it would have.  When no signal is pending, the exit path will not
 * look at ax, so restart the call here, as the signal code does
 * without a handler.  Called once the pending signals are back.
 */
void restore_cpu_syscall(long *retval)
{
	struct pt_regs *regs = current_pt_regs();

	if ((long)regs->orig_ax < 0 || signal_pending(current))
		return;
	if (*retval == -ERESTARTNOHAND || *retval == -ERESTARTSYS ||
	    *retval == -ERESTARTNOINTR) {
		*retval = regs->orig_ax;
		regs->ip -= 2;
	}
}

static int restore_fpu(struct ckpt_ctx *ctx, struct ckpt_cpu_restore *r)
{
	const struct user_regset *rs = ckpt_find_regset(current, NT_X86_XSTATE);
	int ret;

	/*
	 * Give up the live registers: with TIF_NEED_FPU_LOAD set nothing
	 * saves them over fpstate any more, and the regset invalidates
	 * the cached copy, so the return to user space loads the state
	 * written here, as it does for a stopped task ptrace rewrote.
	 */
	fpregs_lock();
	set_thread_flag(TIF_NEED_FPU_LOAD);
	fpregs_unlock();

	ret = rs->set(current, rs, 0, fpu_user_cfg.max_size, r->xstate, NULL);
	if (ret)
		ckpt_err(ctx, ret, "the FPU state is invalid");
	return ret;
}

static int restore_debugregs(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_debugregs *h)
{
	static const struct ckpt_hdr_debugregs init = { .dr6 = CKPT_DR6_INIT };
	unsigned long addr[4];
	int i, ret = 0;

	if (!h)
		h = &init;
	addr[0] = h->dr0;
	addr[1] = h->dr1;
	addr[2] = h->dr2;
	addr[3] = h->dr3;

	flush_ptrace_hw_breakpoint(current);
	for (i = 0; i < 4 && !ret; i++)
		if (addr[i] || (h->dr7 & (3UL << (i * 2))))
			ret = ptrace_set_debugreg(current, i, addr[i]);
	if (!ret && h->dr7)
		ret = ptrace_set_debugreg(current, 7, h->dr7);
	if (!ret)
		ret = ptrace_set_debugreg(current, 6, h->dr6);
	if (ret)
		ckpt_err(ctx, ret, "debug registers: invalid breakpoint");
	return ret;
}

/**
 * restore_cpu_apply - load what restore_cpu_read() read into current
 * @ctx: restart context
 * @ptr: restore_cpu_read()'s result
 * @retval: where the value sys_restart returns goes
 */
int restore_cpu_apply(struct ckpt_ctx *ctx, void *ptr, long *retval)
{
	struct ckpt_cpu_restore *r = ptr;
	int ret;

	ret = restore_fpu(ctx, r);
	if (!ret)
		ret = restore_debugregs(ctx, r->debug);
	if (!ret)
		ret = restore_regs(ctx, r->regs, retval);
	return ret;
}
