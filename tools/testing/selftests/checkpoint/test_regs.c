// SPDX-License-Identifier: GPL-2.0
/*
 * CPU state checkpoint/restart (x86-64): general registers, x87, SSE
 * and AVX registers, MXCSR, flags, fs/gs base and hardware watchpoints
 * of a task that checkpoints itself must be those of the restored task
 * when its checkpoint system call returns 0.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * TEST_F() keeps a non-volatile local across setjmp()/longjmp(); it is
 * the harness' (see ckpt_env in ckpt_util.h for what it breaks).
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "ckpt_util.h"

#define SEED_GPR	0x0123456789abcdefULL
#define SEED_VEC	0xfedcba9876543210ULL
#define MXCSR_TEST	0xff80	/* all masked, round toward zero, FTZ */
#define FCW_TEST	0x0f7f	/* all masked, extended, round toward zero */
#define FLAGS_MASK	0xcd5	/* CF PF AF ZF SF DF OF */
#define X86_CF		0x1

/*
 * The registers around one system call: the asm below loads the "in"
 * values, makes the call and stores every register right after it.
 */
struct regs_block {
	uint64_t nr;			/* rax */
	uint64_t fd;			/* rsi */
	uint64_t logfd;			/* r10 */
	uint64_t avx;			/* load and store ymm, not just xmm */
	uint64_t gpr_in[8];		/* rbx rbp r12 r13 r14 r15 r8 r9 */
	uint64_t gpr_out[8];
	uint64_t rax, rdi, rsi, rdx, r10, rflags;
	uint32_t mxcsr_in, mxcsr_out;
	uint16_t fcw_in, fcw_out, fsw_out, pad;
	double x87_in[8];		/* st7 is loaded first, ends as st0 */
	uint8_t x87_out[8][16];		/* fstpt of st0 .. st7 */
	uint8_t vec_in[16][32] __attribute__((aligned(32)));
	uint8_t vec_out[16][32] __attribute__((aligned(32)));
};

static const char *const gpr_names[8] = {
	"rbx", "rbp", "r12", "r13", "r14", "r15", "r8", "r9"
};

#define OFF(f)	[f] "i" (offsetof(struct regs_block, f))

#define YLD(n)	"vmovdqu %c[vec_in]+" #n "*32(%%rcx), %%ymm" #n "\n\t"
#define XLD(n)	"movdqu %c[vec_in]+" #n "*32(%%rcx), %%xmm" #n "\n\t"
#define YST(n)	"vmovdqu %%ymm" #n ", %c[vec_out]+" #n "*32(%%rcx)\n\t"
#define XST(n)	"movdqu %%xmm" #n ", %c[vec_out]+" #n "*32(%%rcx)\n\t"
#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
		 M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

static void __attribute__((noinline)) regs_syscall(struct regs_block *b)
{
	asm volatile(
		/* skip the red zone, save what the ABI says we keep */
		"lea -128(%%rsp), %%rsp\n\t"
		"push %%rbx\n\t"
		"push %%rbp\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %%rcx\n\t"
		"sub $16, %%rsp\n\t"
		"stmxcsr (%%rsp)\n\t"
		"fnstcw 4(%%rsp)\n\t"
		/* x87: control word and a full stack */
		"fldcw %c[fcw_in](%%rcx)\n\t"
		"fldl %c[x87_in]+56(%%rcx)\n\t"
		"fldl %c[x87_in]+48(%%rcx)\n\t"
		"fldl %c[x87_in]+40(%%rcx)\n\t"
		"fldl %c[x87_in]+32(%%rcx)\n\t"
		"fldl %c[x87_in]+24(%%rcx)\n\t"
		"fldl %c[x87_in]+16(%%rcx)\n\t"
		"fldl %c[x87_in]+8(%%rcx)\n\t"
		"fldl %c[x87_in]+0(%%rcx)\n\t"
		"ldmxcsr %c[mxcsr_in](%%rcx)\n\t"
		"cmpq $0, %c[avx](%%rcx)\n\t"
		"je 1f\n\t"
		ALL16(YLD)
		"jmp 2f\n"
		"1:\n\t"
		ALL16(XLD)
		"2:\n\t"
		"mov %c[gpr_in]+0(%%rcx), %%rbx\n\t"
		"mov %c[gpr_in]+8(%%rcx), %%rbp\n\t"
		"mov %c[gpr_in]+16(%%rcx), %%r12\n\t"
		"mov %c[gpr_in]+24(%%rcx), %%r13\n\t"
		"mov %c[gpr_in]+32(%%rcx), %%r14\n\t"
		"mov %c[gpr_in]+40(%%rcx), %%r15\n\t"
		"mov %c[gpr_in]+48(%%rcx), %%r8\n\t"
		"mov %c[gpr_in]+56(%%rcx), %%r9\n\t"
		"mov %c[nr](%%rcx), %%rax\n\t"
		"mov %c[fd](%%rcx), %%rsi\n\t"
		"mov %c[logfd](%%rcx), %%r10\n\t"
		"xor %%edi, %%edi\n\t"
		"xor %%edx, %%edx\n\t"
		"stc\n\t"
		"syscall\n\t"
		/* rcx and r11 are the only registers syscall may change */
		"pushfq\n\t"
		"pop %%r11\n\t"
		"mov 16(%%rsp), %%rcx\n\t"
		"mov %%rax, %c[rax](%%rcx)\n\t"
		"mov %%rdi, %c[rdi](%%rcx)\n\t"
		"mov %%rsi, %c[rsi](%%rcx)\n\t"
		"mov %%rdx, %c[rdx](%%rcx)\n\t"
		"mov %%r10, %c[r10](%%rcx)\n\t"
		"mov %%r11, %c[rflags](%%rcx)\n\t"
		"mov %%rbx, %c[gpr_out]+0(%%rcx)\n\t"
		"mov %%rbp, %c[gpr_out]+8(%%rcx)\n\t"
		"mov %%r12, %c[gpr_out]+16(%%rcx)\n\t"
		"mov %%r13, %c[gpr_out]+24(%%rcx)\n\t"
		"mov %%r14, %c[gpr_out]+32(%%rcx)\n\t"
		"mov %%r15, %c[gpr_out]+40(%%rcx)\n\t"
		"mov %%r8, %c[gpr_out]+48(%%rcx)\n\t"
		"mov %%r9, %c[gpr_out]+56(%%rcx)\n\t"
		"stmxcsr %c[mxcsr_out](%%rcx)\n\t"
		"fnstcw %c[fcw_out](%%rcx)\n\t"
		"fnstsw %c[fsw_out](%%rcx)\n\t"
		"fstpt %c[x87_out]+0(%%rcx)\n\t"
		"fstpt %c[x87_out]+16(%%rcx)\n\t"
		"fstpt %c[x87_out]+32(%%rcx)\n\t"
		"fstpt %c[x87_out]+48(%%rcx)\n\t"
		"fstpt %c[x87_out]+64(%%rcx)\n\t"
		"fstpt %c[x87_out]+80(%%rcx)\n\t"
		"fstpt %c[x87_out]+96(%%rcx)\n\t"
		"fstpt %c[x87_out]+112(%%rcx)\n\t"
		"cmpq $0, %c[avx](%%rcx)\n\t"
		"je 3f\n\t"
		ALL16(YST)
		"vzeroupper\n\t"
		"jmp 4f\n"
		"3:\n\t"
		ALL16(XST)
		"4:\n\t"
		"ldmxcsr (%%rsp)\n\t"
		"fldcw 4(%%rsp)\n\t"
		"add $16, %%rsp\n\t"
		"pop %%rcx\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbp\n\t"
		"pop %%rbx\n\t"
		"lea 128(%%rsp), %%rsp\n\t"
		: "+c" (b)
		: OFF(nr), OFF(fd), OFF(logfd), OFF(avx), OFF(gpr_in),
		  OFF(gpr_out), OFF(rax), OFF(rdi), OFF(rsi), OFF(rdx),
		  OFF(r10), OFF(rflags), OFF(mxcsr_in), OFF(mxcsr_out),
		  OFF(fcw_in), OFF(fcw_out), OFF(fsw_out), OFF(x87_in),
		  OFF(x87_out), OFF(vec_in), OFF(vec_out)
		: "rax", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15", "memory", "cc");
}

static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return 0;
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return (lo & 6) == 6;	/* XMM and YMM state enabled */
}

static const double x87_values[8] = {
	1.0, -2.5, 3.141592653589793, 1e300, -1e-300, 0.1, 12345.678,
	-7.0 / 3.0,
};

static void regs_init(struct regs_block *b, int avx)
{
	int i, j;

	memset(b, 0, sizeof(*b));
	b->avx = avx;
	for (i = 0; i < 8; i++)
		b->gpr_in[i] = ckpt_hash(i, SEED_GPR);
	for (i = 0; i < 16; i++)
		for (j = 0; j < 4; j++) {
			uint64_t v = ckpt_hash(i * 4 + j, SEED_VEC);

			memcpy(&b->vec_in[i][j * 8], &v, 8);
		}
	b->mxcsr_in = MXCSR_TEST;
	b->fcw_in = FCW_TEST;
	memcpy(b->x87_in, x87_values, sizeof(x87_values));
}

/*
 * Compare a run's output with a reference run's; returns the number of
 * differences, each reported.  @what names the run.
 */
static int regs_compare(const char *what, const struct regs_block *ref,
			const struct regs_block *b)
{
	int i, bad = 0, vlen = b->avx ? 32 : 16;

	for (i = 0; i < 8; i++)
		if (b->gpr_out[i] != b->gpr_in[i]) {
			ckpt_report("%s: %s = %#llx, expected %#llx", what,
				    gpr_names[i],
				    (unsigned long long)b->gpr_out[i],
				    (unsigned long long)b->gpr_in[i]);
			bad++;
		}
	if (b->rdi != 0 || b->rdx != 0 || b->rsi != b->fd ||
	    b->r10 != b->logfd) {
		ckpt_report("%s: syscall arguments changed: rdi %#llx rsi %#llx rdx %#llx r10 %#llx",
			    what, (unsigned long long)b->rdi,
			    (unsigned long long)b->rsi,
			    (unsigned long long)b->rdx,
			    (unsigned long long)b->r10);
		bad++;
	}
	if ((b->rflags ^ ref->rflags) & FLAGS_MASK || !(b->rflags & X86_CF)) {
		ckpt_report("%s: rflags %#llx, expected %#llx (mask %#x, CF set)",
			    what, (unsigned long long)b->rflags,
			    (unsigned long long)ref->rflags, FLAGS_MASK);
		bad++;
	}
	if (b->mxcsr_out != ref->mxcsr_out) {
		ckpt_report("%s: MXCSR %#x, expected %#x", what, b->mxcsr_out,
			    ref->mxcsr_out);
		bad++;
	}
	if (b->fcw_out != ref->fcw_out || b->fsw_out != ref->fsw_out) {
		ckpt_report("%s: x87 control/status %#x/%#x, expected %#x/%#x",
			    what, b->fcw_out, b->fsw_out, ref->fcw_out,
			    ref->fsw_out);
		bad++;
	}
	for (i = 0; i < 8; i++)
		if (memcmp(b->x87_out[i], ref->x87_out[i], 10)) {
			ckpt_report("%s: st(%d) differs", what, i);
			bad++;
		}
	for (i = 0; i < 16; i++)
		if (memcmp(b->vec_out[i], b->vec_in[i], vlen)) {
			int lo = memcmp(b->vec_out[i], b->vec_in[i], 16) != 0;

			ckpt_report("%s: %s%d differs (%s half)", what,
				    vlen == 32 ? "ymm" : "xmm", i,
				    lo ? "lower" : "upper");
			bad++;
		}
	return bad;
}

/* Sanity of a reference run (a getpid() in place of checkpoint) */
static int regs_sane(const struct regs_block *ref)
{
	int i, bad = 0;

	for (i = 0; i < 8; i++) {
		long double v = x87_values[i];

		if (memcmp(ref->x87_out[i], &v, 10)) {
			ckpt_report("reference run: st(%d) is not %g", i,
				    x87_values[i]);
			bad++;
		}
	}
	if (ref->fcw_out != FCW_TEST || ref->mxcsr_out != MXCSR_TEST)
		ckpt_report("note: this CPU keeps FCW %#x / MXCSR %#x for %#x / %#x",
			    ref->fcw_out, ref->mxcsr_out, FCW_TEST, MXCSR_TEST);
	return bad + regs_compare("reference run", ref, ref);
}

FIXTURE(regs) {
	struct ckpt_env env;
	char *out, *img, *log;
};

FIXTURE_SETUP(regs)
{
	ASSERT_EQ(ckpt_env_init(&self->env, "regs"), 0);
	self->out = ckpt_path(&self->env, "worker.out");
	self->img = ckpt_path(&self->env, "image");
	self->log = ckpt_path(&self->env, "log");
}

FIXTURE_TEARDOWN_PARENT(regs)
{
	ckpt_env_fini(&self->env);
}

/*
 * Wait for the worker to checkpoint itself, restart it and return the
 * restored task's wait status.  Skips (through @skipped) when the worker
 * exits with CKPT_EXIT_SKIP.
 */
static int run_restart(struct __test_metadata *_metadata,
		       FIXTURE_DATA(regs) *self, pid_t worker, int *skipped)
{
	int status;
	pid_t pid;

	*skipped = 0;
	ckpt_track(&self->env, worker);
	ckpt_wait_or_kill(worker, &status, 30000);
	ckpt_untrack(&self->env, worker);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_SKIP) {
		ckpt_dump("worker", self->out, 4096);
		*skipped = 1;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CKPT_EXIT_CHECKPOINTED) {
		ckpt_dump("worker", self->out, 4096);
		ckpt_dump("log", self->log, 4096);
		TH_LOG("worker %s, expected exit %d", ckpt_status_str(status),
		       CKPT_EXIT_CHECKPOINTED);
		return -1;
	}
	pid = ckpt_start_restarter(self->img, -1, self->log, 0);
	if (pid < 0)
		return -1;
	ckpt_track(&self->env, pid);
	ckpt_wait_or_kill(pid, &status, 30000);
	ckpt_untrack(&self->env, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ckpt_dump("worker+restored", self->out, 8192);
		ckpt_dump("log", self->log, 4096);
		TH_LOG("restored task %s", ckpt_status_str(status));
	}
	return status;
}

static int open_img_log(const char *img, const char *log, int *imgfd,
			int *logfd)
{
	*imgfd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	*logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	return *imgfd < 0 || *logfd < 0 ? -1 : 0;
}

/* General, x87, SSE/AVX registers, MXCSR and flags across the syscall */

static struct regs_block ref_run, ckpt_run;

static void __attribute__((noreturn)) regs_worker(const char *out,
						  const char *img,
						  const char *log)
{
	int imgfd, logfd, avx = have_avx(), bad;

	if (ckpt_isolate(out) || open_img_log(img, log, &imgfd, &logfd))
		_exit(CKPT_EXIT_SETUP);
	ckpt_report("AVX %s", avx ? "available: checking ymm" :
		    "not available: checking xmm only");

	regs_init(&ref_run, avx);
	ref_run.nr = SYS_getpid;
	ref_run.fd = imgfd;
	ref_run.logfd = logfd;
	regs_syscall(&ref_run);
	if (regs_sane(&ref_run)) {
		ckpt_report("the reference run does not keep its registers: test bug or CPU");
		_exit(CKPT_EXIT_SETUP);
	}

	regs_init(&ckpt_run, avx);
	ckpt_run.nr = __NR_checkpoint;
	ckpt_run.fd = imgfd;
	ckpt_run.logfd = logfd;
	regs_syscall(&ckpt_run);

	if ((long)ckpt_run.rax > 0) {
		/* the worker itself also kept its registers */
		bad = regs_compare("worker", &ref_run, &ckpt_run);
		ckpt_report("checkpoint id %ld", (long)ckpt_run.rax);
		_exit(bad ? 2 : CKPT_EXIT_CHECKPOINTED);
	}
	if ((long)ckpt_run.rax < 0) {
		ckpt_report("checkpoint: %s", strerror(-(long)ckpt_run.rax));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	bad = regs_compare("restored", &ref_run, &ckpt_run);
	/* the comparison can fail */
	ckpt_run.gpr_out[3] ^= 1ULL << 40;
	ckpt_run.vec_out[15][31] ^= 0x80;
	if (regs_compare("self-test (2 differences expected)", &ref_run,
			 &ckpt_run) != 2 - !avx) {
		ckpt_report("self-test: register comparison is broken");
		_exit(3);
	}
	ckpt_report("restored: %d differences", bad);
	_exit(bad ? 1 : 0);
}

TEST_F_TIMEOUT(regs, gpr_x87_sse_avx, 60)
{
	int status, skipped;
	pid_t pid = ckpt_fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		regs_worker(self->out, self->img, self->log);
	status = run_restart(_metadata, self, pid, &skipped);
	ASSERT_NE(status, -1) TH_LOG("no image to restart");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("1: registers differ, 3: self-test broken");
	ckpt_dump("restored", self->out, 2048);
}

/* fs base (TLS) and gs base */

static __thread uint64_t tls_words[4] = { 1, 2, 3, 4 };
static uint64_t gs_area[8] __attribute__((aligned(64)));

struct fsgs {
	unsigned long fs, gs;
	uint64_t *tls_addr;
};

static int fsgs_get(struct fsgs *s)
{
	s->tls_addr = tls_words;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &s->fs) ||
	    syscall(SYS_arch_prctl, ARCH_GET_GS, &s->gs))
		return -1;
	return 0;
}

static uint64_t gs_read0(void)
{
	uint64_t v;

	asm volatile("mov %%gs:0, %0" : "=r" (v));
	return v;
}

static struct fsgs fsgs_before;

static void __attribute__((noreturn)) fsgs_worker(const char *out,
						  const char *img,
						  const char *log)
{
	struct fsgs now;
	int imgfd, logfd, i, bad = 0;
	long ret;

	if (ckpt_isolate(out) || open_img_log(img, log, &imgfd, &logfd))
		_exit(CKPT_EXIT_SETUP);
	for (i = 0; i < 4; i++)
		tls_words[i] = ckpt_hash(i, 0x7115);
	ckpt_fill(gs_area, sizeof(gs_area), 0x6565);
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, gs_area)) {
		ckpt_report("ARCH_SET_GS: %s", strerror(errno));
		_exit(CKPT_EXIT_SETUP);
	}
	if (fsgs_get(&fsgs_before) || fsgs_before.gs != (unsigned long)gs_area ||
	    gs_read0() != gs_area[0]) {
		ckpt_report("gs base does not work before checkpoint");
		_exit(CKPT_EXIT_SETUP);
	}

	ret = ckpt_self(imgfd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}

	if (fsgs_get(&now)) {
		ckpt_report("arch_prctl: %s", strerror(errno));
		_exit(1);
	}
	if (now.fs != fsgs_before.fs || now.tls_addr != fsgs_before.tls_addr) {
		ckpt_report("fs base %#lx (TLS at %p), was %#lx (TLS at %p)",
			    now.fs, now.tls_addr, fsgs_before.fs,
			    fsgs_before.tls_addr);
		bad = bad ?: 2;
	}
	for (i = 0; i < 4; i++)
		if (tls_words[i] != ckpt_hash(i, 0x7115)) {
			ckpt_report("TLS word %d = %#llx", i,
				    (unsigned long long)tls_words[i]);
			bad = bad ?: 3;
		}
	if (now.gs != fsgs_before.gs) {
		ckpt_report("gs base %#lx, was %#lx", now.gs, fsgs_before.gs);
		bad = bad ?: 4;
	}
	if (gs_read0() != gs_area[0] || ckpt_check(gs_area, sizeof(gs_area), 0x6565) >= 0) {
		ckpt_report("%%gs:0 = %#llx, expected %#llx",
			    (unsigned long long)gs_read0(),
			    (unsigned long long)gs_area[0]);
		bad = bad ?: 5;
	}
	_exit(bad);
}

TEST_F_TIMEOUT(regs, fs_gs_base, 60)
{
	int status, skipped;
	pid_t pid = ckpt_fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		fsgs_worker(self->out, self->img, self->log);
	status = run_restart(_metadata, self, pid, &skipped);
	ASSERT_NE(status, -1) TH_LOG("no image to restart");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("2: fs base, 3: TLS data, 4: gs base, 5: %%gs:0");
}

/* A hardware watchpoint set by a tracer */

static volatile uint32_t watched __attribute__((aligned(64)));
static volatile uint32_t unwatched __attribute__((aligned(64)));
static volatile int traps, trap_code;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	traps++;
	trap_code = si->si_code;
}

/* Write the watched and the unwatched variable; 0 if exactly one trap */
static int watch_probe(const char *when, uint32_t val)
{
	int t;

	traps = 0;
	trap_code = 0;
	watched = val;
	t = traps;
	unwatched = val;
	(void)watched;
	if (t != 1 || traps != 1 || trap_code != TRAP_HWBKPT) {
		ckpt_report("%s: %d trap(s) writing the watched word (si_code %d), %d in all",
			    when, t, trap_code, traps);
		return -1;
	}
	return 0;
}

static void __attribute__((noreturn)) watch_worker(const char *out,
						   const char *img,
						   const char *log)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
	int imgfd, logfd;
	long ret;

	if (ckpt_isolate(out) || open_img_log(img, log, &imgfd, &logfd) ||
	    sigaction(SIGTRAP, &sa, NULL))
		_exit(CKPT_EXIT_SETUP);
	/* the test sets DR0/DR7 while we are stopped */
	kill(getpid(), SIGSTOP);
	if (watch_probe("before checkpoint", 1)) {
		ckpt_report("the watchpoint does not work without checkpoint");
		_exit(CKPT_EXIT_SKIP);
	}
	traps = 0;
	ret = ckpt_self(imgfd, logfd);
	if (ret > 0)
		_exit(CKPT_EXIT_CHECKPOINTED);
	if (ret < 0) {
		ckpt_report("checkpoint: %s", strerror(errno));
		_exit(CKPT_EXIT_CKPT_FAILED);
	}
	if (traps) {
		ckpt_report("%d trap(s) before anything was written", traps);
		_exit(2);
	}
	_exit(watch_probe("restored", 2) ? 1 : 0);
}

TEST_F_TIMEOUT(regs, hw_watchpoint, 60)
{
	unsigned long dr7 = 1 | (1UL << 16) | (3UL << 18); /* L0, write, 4 bytes */
	size_t dr = offsetof(struct user, u_debugreg);
	int status, skipped, i;
	pid_t pid = ckpt_fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		watch_worker(self->out, self->img, self->log);
	ckpt_track(&self->env, pid);

	ASSERT_EQ(ckpt_wait(pid, &status, WUNTRACED, 10000), pid);
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("worker %s", ckpt_status_str(status));
	ASSERT_EQ(ptrace(PTRACE_SEIZE, pid, 0, 0), 0)
		TH_LOG("PTRACE_SEIZE: %s", strerror(errno));
	/* the seized, group-stopped worker reports a PTRACE_EVENT_STOP */
	ckpt_wait(pid, &status, __WALL, 2000);
	for (i = 0; i < 100; i++) {
		if (ptrace(PTRACE_POKEUSER, pid, dr, &watched) == 0)
			break;
		ckpt_msleep(10);
	}
	ASSERT_LT(i, 100) TH_LOG("POKEUSER DR0: %s", strerror(errno));
	ASSERT_EQ(ptrace(PTRACE_POKEUSER, pid, dr + 7 * sizeof(long), dr7), 0)
		TH_LOG("POKEUSER DR7: %s", strerror(errno));
	ASSERT_EQ(ptrace(PTRACE_DETACH, pid, 0, 0), 0);
	ASSERT_EQ(kill(pid, SIGCONT), 0);

	status = run_restart(_metadata, self, pid, &skipped);
	if (skipped)
		SKIP(return, "hardware watchpoints do not work here");
	ASSERT_NE(status, -1) TH_LOG("no image to restart");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", ckpt_status_str(status));
	EXPECT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("1: watchpoint lost or wrong, 2: spurious trap");
}

TEST_HARNESS_MAIN
