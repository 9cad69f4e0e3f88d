// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage - write synthetic checkpoint images for the host tests
 *
 *   mkimage VARIANT > image      a valid or deliberately broken image
 *   mkimage records < image      list "offset type len" of each record
 *   mkimage put32 OFF VAL < image > image2   replace the u32 at OFF
 *   mkimage fuzz SEED < image > image2       flip a few bytes
 *
 * The images follow include/uapi/linux/checkpoint_hdr.h and the order
 * the kernel writes: a header, the arch header, a tree of one task (or
 * two), the task with its objects (a file table holding two files, an
 * fs, signal handlers, signal state, an mm holding its executable with
 * two VMAs and one page), registers (the FPU's sparse, no DEBUGREGS:
 * they are in their initial state) and the tail.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/checkpoint.h>
#include <linux/checkpoint_hdr.h>

#define PAGE_SIZE	4096
#define CKPT_ID		7

static unsigned char *img;
static size_t img_len, img_cap;

static void *grow(size_t len)
{
	void *p;

	if (img_len + len > img_cap) {
		img_cap = (img_len + len) * 2;
		img = realloc(img, img_cap);
		if (!img) {
			perror("mkimage");
			exit(1);
		}
	}
	p = img + img_len;
	memset(p, 0, len);
	img_len += len;
	return p;
}

/* Start a record of @len bytes (rounded up to 8); returns its offset */
static size_t rec(uint32_t type, size_t len)
{
	size_t off = img_len;
	struct ckpt_hdr *h;

	len = (len + 7) & ~7UL;
	h = grow(len);
	h->type = type;
	h->len = len;
	return off;
}

static void *recp(uint32_t type, size_t len)
{
	size_t off = rec(type, len);

	return img + off;
}

#define REC(var, type, hdrtype, extra)					\
	struct type *var = recp(hdrtype, sizeof(struct type) + (extra))

static int objref;

/* Introduce an object of @objtype; returns its objref */
static int objref_rec(uint32_t objtype)
{
	rec(CKPT_HDR_OBJ_TYPE(objtype), sizeof(struct ckpt_hdr));
	return ++objref;
}

static int file(uint32_t type, const char *path, uint32_t flags,
		uint64_t pos, uint64_t size)
{
	size_t plen = path ? strlen(path) + 1 : 0;
	int ref = objref_rec(CKPT_OBJ_FILE);
	REC(f, ckpt_hdr_file, CKPT_HDR_FILE, plen);

	f->file_type = type;
	f->f_flags = flags;
	f->f_pos = pos;
	f->i_mode = type == CKPT_FILE_DIR ? 040755 :
		    type == CKPT_FILE_CHRDEV ? 020666 : 0100644;
	f->i_size = size;
	f->path_len = plen;
	if (plen)
		memcpy(f + 1, path, plen);
	return ref;
}

static void pages_end(void)
{
	rec(CKPT_HDR_PAGES, sizeof(struct ckpt_hdr_pages));
}

/* One PAGES record of a single run */
static void pages_rec(uint64_t start, uint32_t nr)
{
	struct ckpt_hdr_pages *p = recp(CKPT_HDR_PAGES,
					sizeof(struct ckpt_hdr_pages) +
					sizeof(struct ckpt_page_run) +
					(size_t)nr * PAGE_SIZE);
	struct ckpt_page_run *run = (void *)(p + 1);
	unsigned char *data = (void *)(run + 1);
	size_t i;

	p->nr_runs = 1;
	p->nr_pages = nr;
	run->start = start;
	run->nr_pages = nr;
	for (i = 0; i < (size_t)nr * PAGE_SIZE; i++)
		data[i] = i * 7;
}

/* @nr pages from @start, at most CKPT_PAGES_MAX a record, then the end */
static void pages(uint64_t start, uint32_t nr)
{
	while (nr) {
		uint32_t n = nr > CKPT_PAGES_MAX ? CKPT_PAGES_MAX : nr;

		pages_rec(start, n);
		start += (uint64_t)n * PAGE_SIZE;
		nr -= n;
	}
	pages_end();
}

static void sigpending(uint64_t set, int queued_sig)
{
	REC(s, ckpt_hdr_sigpending, CKPT_HDR_SIGPENDING,
	    queued_sig ? sizeof(struct ckpt_siginfo) : 0);

	s->signal = set;
	if (queued_sig) {
		struct ckpt_siginfo *si = s->siginfo;
		int32_t code = -1;	/* SI_QUEUE */

		s->nr_pending = 1;
		si->signo = queued_sig;
		memcpy(si->info, &queued_sig, 4);
		memcpy(si->info + 8, &code, 4);
	}
}

struct opts {
	int nr_tasks;
	int nr_zombies;		/* more entries, no records */
	bool shmem;
	bool unknown;
	bool big;		/* 3000 pages of heap */
	bool nested;		/* tasks 1, 2: init and child in a pid ns */
	bool ghosts;		/* task 2 in group 50, dead, of the nested ns */
	bool ipc;		/* the root in an IPC namespace of its own */
	bool debugregs;		/* a breakpoint: a DEBUGREGS record */
};

static int objs[5];	/* files, fs, sighand, signal, mm: 0 until written */

static int file_table(void)
{
	int ref = objref_rec(CKPT_OBJ_FILE_TABLE);
	int null, log, i;

	/* the files it holds come first, each as its own object */
	null = file(CKPT_FILE_CHRDEV, "/dev/null", 02, 0, 0);
	log = file(CKPT_FILE_REGULAR, "/tmp/counter.log", 02001, 1234, 1234);
	{
		/*
		 * 0 on null, 1 and 2 on log, 3 on null close-on-exec, 4
		 * and 5 on null and log (a run of two): five entries
		 */
		REC(t, ckpt_hdr_file_table, CKPT_HDR_FILE_TABLE,
		    5 * sizeof(struct ckpt_fd_ent));
		int fds[5][4] = {
			{ 0, null, 0, 1 }, { 1, log, 0, 1 }, { 2, log, 0, 1 },
			{ 3, null, CKPT_FD_CLOEXEC, 1 }, { 4, null, 0, 2 },
		};

		t->nr_ents = 5;
		t->nr_fds = 6;
		for (i = 0; i < 5; i++) {
			t->fds[i].fd = fds[i][0];
			t->fds[i].file_objref = fds[i][1];
			t->fds[i].flags = fds[i][2];
			t->fds[i].nr = fds[i][3];
		}
	}
	return ref;
}

static int fs(void)
{
	int ref = objref_rec(CKPT_OBJ_FS);
	REC(f, ckpt_hdr_fs, CKPT_HDR_FS, 5 + 2);

	f->umask = 022;
	f->cwd_len = 5;
	f->root_len = 2;
	memcpy(f + 1, "/tmp\0/", 7);
	return ref;
}

static int sighand(void)
{
	int ref = objref_rec(CKPT_OBJ_SIGHAND);
	REC(s, ckpt_hdr_sighand, CKPT_HDR_SIGHAND,
	    64 * sizeof(struct ckpt_sigaction));

	s->nr = 64;
	s->action[2 - 1].handler = 0x401100;	/* SIGINT */
	s->action[2 - 1].flags = 0x04000000;	/* SA_RESTORER */
	s->action[2 - 1].restorer = 0x401200;
	s->action[13 - 1].handler = 1;		/* SIGPIPE: SIG_IGN */
	return ref;
}

static int signal_obj(void)
{
	int ref = objref_rec(CKPT_OBJ_SIGNAL), i;

	{
		REC(s, ckpt_hdr_signal, CKPT_HDR_SIGNAL, 0);
		s->nr_rlim = CKPT_RLIM_NLIMITS;
		for (i = 0; i < CKPT_RLIM_NLIMITS; i++)
			s->rlim[i].cur = s->rlim[i].max = UINT64_MAX;
		s->rlim[7].cur = 1024;			/* NOFILE */
		s->rlim[7].max = 524288;
		s->rlim[3].cur = 8 << 20;		/* STACK */
	}
	sigpending(0, 0);			/* shared pending signals */
	{
		REC(t, ckpt_hdr_timers, CKPT_HDR_TIMERS,
		    2 * sizeof(struct ckpt_posix_timer));

		t->itimer[CKPT_ITIMER_REAL].value = 2500000000ULL;
		t->itimer[CKPT_ITIMER_PROF].value = 700000000;
		t->itimer[CKPT_ITIMER_PROF].interval = 100000000;
		t->next_id = 4;
		t->nr_timers = 2;
		t->timers[0].id = 0;			/* CLOCK_REALTIME */
		t->timers[0].signo = 34;		/* SIGRTMIN */
		t->timers[0].sigval = 42;
		t->timers[0].value = 1000000;
		t->timers[0].flags = CKPT_TIMER_PENDING;
		t->timers[1].id = 3;
		t->timers[1].clock = 1;			/* CLOCK_MONOTONIC */
		t->timers[1].notify = 1;		/* SIGEV_NONE */
		t->timers[1].value = 5000000000ULL;
		t->timers[1].interval = 1000000000;
		t->timers[1].overrun = -1;
	}
	return ref;
}

/* An IPC namespace: a segment (attached by mm()), a set, a queue */
static void ipcns(void)
{
	objref_rec(CKPT_OBJ_IPCNS);
	{
		REC(h, ckpt_hdr_ipcns, CKPT_HDR_IPCNS, 0);
		h->nr_shm = h->nr_sem = h->nr_msg = 1;
		h->shm_ctlmax = h->shm_ctlall = 1ULL << 40;
		h->shm_ctlmni = h->msg_ctlmni = 32000;
		h->msg_ctlmax = 8192;
		h->msg_ctlmnb = 16384;
		h->sem_ctls[0] = 32000;
		h->sem_ctls[1] = 1024000000;
		h->sem_ctls[2] = 500;
		h->sem_ctls[3] = 32000;
	}
	{
		REC(m, ckpt_hdr_ipc_shm, CKPT_HDR_IPC_SHM, 0);
		m->perm.key = 0x1234;
		m->perm.mode = 0640;
		m->size = 2 * PAGE_SIZE - 10;
	}
	pages(PAGE_SIZE, 1);
	{
		REC(m, ckpt_hdr_ipc_sem, CKPT_HDR_IPC_SEM, 3 * 4);
		m->perm.key = 0x1235;
		m->perm.mode = 0600;
		m->nsems = 3;
		m->semval[0] = 1;
		m->semval[2] = 32767;
	}
	{
		REC(m, ckpt_hdr_ipc_msg, CKPT_HDR_IPC_MSG,
		    2 * sizeof(struct ckpt_ipc_msg) + 7);
		struct ckpt_ipc_msg *e = (void *)(m + 1);

		m->perm.id = 32768;
		m->perm.mode = 0620;
		m->qbytes = 16384;
		m->nr_msgs = 2;
		m->data_len = 7;
		e[0].mtype = 3;
		e[0].len = 4;
		e[1].mtype = 1;
		e[1].len = 3;
		memcpy(e + 2, "abcdefg", 7);
	}
}

static uint32_t vma_type(uint32_t type)
{
	return type << CKPT_VMA_TYPE_SHIFT;
}

static int mm(const struct opts *o)
{
	int ref = objref_rec(CKPT_OBJ_MM);
	int exe, shm = 0;

	/* the executable and the mapped files come first */
	exe = file(CKPT_FILE_REGULAR, "/usr/bin/counter", 0100000, 0, 8192);
	if (o->shmem) {
		shm = file(CKPT_FILE_SHMEM, "dev/zero", 02, 0, 2 * PAGE_SIZE);
		pages(PAGE_SIZE, 1);
	}
	{
		uint32_t nr = 2 + o->shmem + o->big + o->ipc;
		REC(m, ckpt_hdr_mm, CKPT_HDR_MM, nr * sizeof(struct ckpt_vma));
		struct ckpt_vma *v = (void *)(m + 1);

		m->nr_vmas = nr;
		m->exe_objref = exe;
		m->start_code = 0x400000;
		m->end_code = 0x401000;
		m->start_brk = m->brk = 0x600000;
		m->start_stack = 0x7ffd1ff0;
		m->nr_auxv = 2;
		m->saved_auxv[0] = 6;		/* AT_PAGESZ */
		m->saved_auxv[1] = PAGE_SIZE;

		v->file_objref = exe;
		v->start = 0x400000;
		v->end = 0x401000;
		v->flags = CKPT_VM_READ | CKPT_VM_EXEC | CKPT_VM_MAYREAD |
			   CKPT_VM_MAYEXEC | vma_type(CKPT_VMA_FILE);
		v++;
		if (o->big) {
			v->start = 0x10000000;
			v->end = 0x10000000 + 4096 * PAGE_SIZE;
			v->flags = CKPT_VM_READ | CKPT_VM_WRITE |
				   CKPT_VM_MAYREAD | CKPT_VM_MAYWRITE |
				   vma_type(CKPT_VMA_ANON);
			v++;
		}
		v->start = 0x7ffd0000;
		v->end = 0x7ffd2000;
		v->flags = CKPT_VM_READ | CKPT_VM_WRITE | CKPT_VM_MAYREAD |
			   CKPT_VM_MAYWRITE | CKPT_VM_GROWSDOWN |
			   vma_type(CKPT_VMA_ANON);
		v++;
		if (o->shmem) {
			v->file_objref = shm;
			v->start = 0x7f0000000000;
			v->end = 0x7f0000002000;
			v->flags = CKPT_VM_READ | CKPT_VM_WRITE |
				   CKPT_VM_SHARED | CKPT_VM_MAYSHARE |
				   vma_type(CKPT_VMA_SHMEM);
			v++;
		}
		if (o->ipc) {
			v->file_objref = 0;	/* shmid 0 */
			v->start = 0x7f0000010000;
			v->end = 0x7f0000012000;
			v->flags = CKPT_VM_READ | CKPT_VM_WRITE |
				   CKPT_VM_SHARED | CKPT_VM_MAYREAD |
				   CKPT_VM_MAYWRITE | CKPT_VM_MAYSHARE |
				   vma_type(CKPT_VMA_SYSVSHM);
		}
	}
	if (o->big) {
		pages_rec(0x10000000, 1000);
		pages_rec(0x10000000 + 1000 * PAGE_SIZE, CKPT_PAGES_MAX);
		pages_rec(0x10000000 + 2024 * PAGE_SIZE, 976);
	}
	pages(0x7ffd1000, 1);
	return ref;
}

/*
 * The FPU record of a task that used x87 and SSE, sparse: of the 337
 * words of its 2696-byte buffer (x87, SSE, AVX and PKRU, as the arch
 * header says) only the control words (word 0: FCW 0x37f; word 3:
 * MXCSR 0x1f80 and its mask), one XMM register (words 20, 21) and
 * XSTATE_BV (word 64) are not zero: a bitmap of 6 words, then 5 words.
 */
static void fpu(void)
{
	static const struct { uint32_t i; uint64_t v; } w[] = {
		{ 0, 0x37f }, { 3, 0x0000ffff00001f80ULL },
		{ 20, 0x3ff0000000000000ULL }, { 21, 1 }, { 64, 0x3 },
	};
	uint32_t size = 2696, nmaps = (size / 8 + 63) / 64, n = 5, i;
	REC(f, ckpt_hdr_fpu, CKPT_HDR_FPU, 8 * (nmaps + n));
	uint64_t *map = (void *)(f + 1), *words = map + nmaps;

	f->xfeatures = 0x3;
	f->size = size;
	f->nr_words = n;
	for (i = 0; i < n; i++) {
		map[w[i].i / 64] |= 1ULL << (w[i].i % 64);
		words[i] = w[i].v;
	}
}

/* As checkpoint/process.c writes a task: objects the first time only */
static void task(const struct opts *o, int i)
{
	{
		REC(t, ckpt_hdr_task, CKPT_HDR_TASK, 0);
		t->flags = CKPT_TASK_STOPPED;
		t->exit_signal = 17;
		t->robust_list = 0x7f0000001000;
		t->robust_list_len = 24;
		snprintf(t->comm, sizeof(t->comm), "counter%d", i);
	}
	if (!objs[0]) {
		if (o->ipc)
			ipcns();
		objs[0] = file_table();
		objs[1] = fs();
		objs[2] = sighand();
		objs[3] = signal_obj();
		objs[4] = mm(o);
	}
	{
		REC(t, ckpt_hdr_task_objs, CKPT_HDR_TASK_OBJS, 0);
		t->files_objref = objs[0];
		t->fs_objref = objs[1];
		t->sighand_objref = objs[2];
		t->signal_objref = objs[3];
		t->mm_objref = objs[4];
	}
	{
		REC(s, ckpt_hdr_task_signal, CKPT_HDR_TASK_SIGNAL, 0);
		s->blocked = 1ULL << (10 - 1);		/* SIGUSR1 */
	}
	sigpending(1ULL << (12 - 1), 12);		/* SIGUSR2 queued */
	{
		REC(c, ckpt_hdr_cpu, CKPT_HDR_CPU, 0);
		c->ip = 0x401234;
		c->sp = 0x7ffd1f00;
		c->ax = (uint64_t)-4;	/* -EINTR */
		c->orig_ax = 35;	/* nanosleep */
		c->cs = 0x33;
		c->ss = 0x2b;
		c->flags = 0x246;
	}
	fpu();
	if (o->debugregs) {
		REC(d, ckpt_hdr_debugregs, CKPT_HDR_DEBUGREGS, 0);
		d->dr0 = 0x401234;
		d->dr6 = CKPT_DR6_INIT;
		d->dr7 = 0x1;		/* L0 */
	}
}

/*
 * The layout of the kernel's images: header, arch header, tree, then
 * per task TASK, its objects (each OBJ, the objects it holds, its
 * record), TASK_OBJS, TASK_SIGNAL + SIGPENDING, CPU, FPU (DEBUGREGS
 * only when not in their initial state: never here); then the tail.
 */
static void build(const struct opts *o)
{
	int i;

	objref = 0;
	img_len = 0;
	memset(objs, 0, sizeof(objs));
	{
		REC(h, ckpt_hdr_header, CKPT_HDR_HEADER, 0);
		h->magic = CKPT_HEADER_MAGIC;
		h->format_version = CKPT_FORMAT_VERSION;
		h->arch = CKPT_ARCH_X86_64;
		h->page_size = PAGE_SIZE;
		h->uflags = CHECKPOINT_SUBTREE;
		h->ckpt_id = CKPT_ID;
		h->time = 1764452540;
		strcpy(h->release, "6.12.57");
		strcpy(h->version, "#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1");
		strcpy(h->machine, "x86_64");
	}
	{
		REC(a, ckpt_hdr_header_arch, CKPT_HDR_HEADER_ARCH, 0);
		a->xfeatures_mask = 0x207;
		a->xstate_size = 2696;
	}
	{
		int nr = o->nr_tasks + o->nr_zombies;
		size_t extra = nr * sizeof(struct ckpt_task_pids);
		REC(t, ckpt_hdr_tree, CKPT_HDR_TREE, extra);

		t->nr_tasks = nr;
		for (i = 0; i < nr; i++) {
			t->pids[i].pid = 42 + i;
			t->pids[i].tgid = 42 + i;
			t->pids[i].ppid = i ? 42 : 0;
			t->pids[i].pgid = 42;
			t->pids[i].sid = 42;
			t->pids[i].flags = i ? 0 : CKPT_PIDS_ROOT;
			if (o->ipc && !i)
				t->pids[i].flags |= CKPT_PIDS_NEWIPC;
			t->pids[i].exit_signal = 17;
			if (i >= o->nr_tasks) {
				t->pids[i].flags = CKPT_PIDS_ZOMBIE;
				t->pids[i].exit_code = 3 << 8;
			}
			if (o->nested && i == 2)
				t->pids[i].ppid = 43;
			if (o->ghosts && i == 2)
				t->pids[i].pgid = 50;
		}
	}
	{
		/* nested: pid namespace 1 holds 43 (its init) and 44 */
		int nr = o->nr_tasks + o->nr_zombies, nr_ns = o->nested;
		int nr_pids = nr + (o->nested ? 2 : 0);
		size_t extra = nr_ns * sizeof(struct ckpt_pidns) +
			       nr * sizeof(struct ckpt_task_ns) +
			       nr_pids * sizeof(int32_t);
		REC(h, ckpt_hdr_pidns, CKPT_HDR_PIDNS, extra);
		struct ckpt_pidns *ns = (void *)(h + 1);
		struct ckpt_task_ns *tn = (void *)(ns + nr_ns);
		int32_t *pids = (void *)(tn + nr);

		h->nr_ns = nr_ns;
		h->nr_tasks = nr;
		h->nr_pids = nr_pids;
		if (o->nested) {
			ns[0].level = 1;
			ns[0].init = 1;
		}
		for (i = 0; i < nr; i++) {
			*pids++ = 42 + i;
			if (o->nested && i) {
				tn[i].ns = tn[i].ns_for_children = 1;
				*pids++ = i;
			}
		}
	}
	if (o->unknown && o->ghosts) {
		unsigned char *u = recp(7777, 24);

		memset(u + 8, 0xab, 16);
	}
	if (o->ghosts) {
		/* group 50 is 3 in pid namespace 1 */
		REC(g, ckpt_hdr_pidns_ghosts, CKPT_HDR_PIDNS_GHOSTS, 12);
		uint32_t *gns = (void *)(g + 1);
		int32_t *gpids = (void *)(gns + 1);

		g->nr_ghosts = 1;
		g->nr_pids = 2;
		gns[0] = 1;
		gpids[0] = 50;
		gpids[1] = 3;
	}
	if (o->unknown && !o->ghosts) {
		unsigned char *u = recp(7777, 24);

		memset(u + 8, 0xab, 16);
	}
	for (i = 0; i < o->nr_tasks; i++)
		task(o, i);
	{
		REC(t, ckpt_hdr_tail, CKPT_HDR_TAIL, 0);
		t->magic = CKPT_TAIL_MAGIC;
		t->ckpt_id = CKPT_ID;
	}
}

/* Offset of the first record of @type, or exit */
static size_t find(uint32_t type)
{
	size_t off = 0;

	while (off + 8 <= img_len) {
		struct ckpt_hdr *h = (void *)(img + off);

		if (h->type == type)
			return off;
		off += h->len;
	}
	fprintf(stderr, "mkimage: no record of type %u\n", type);
	exit(1);
}

static void put32(size_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

/* Offset of entry @i of the (first) fd table */
static size_t fd_ent(int i)
{
	return find(CKPT_HDR_FILE_TABLE) + sizeof(struct ckpt_hdr_file_table) +
	       i * sizeof(struct ckpt_fd_ent);
}

static void read_stdin(void)
{
	char buf[65536];
	ssize_t n;

	img_len = 0;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		memcpy(grow(n), buf, n);
}

static void write_out(void)
{
	if (fwrite(img, 1, img_len, stdout) != img_len || fflush(stdout)) {
		perror("mkimage: write");
		exit(1);
	}
}

static const char *const variants =
	"valid shmem big unknown multi zombie badmagic swapped badversion badarch\n"
	"badtailmagic tailid hugelen zerolen oddlen shortlen trailing notail\n"
	"notree nrtasks nrfds nrruns pathlen noterm badobjref objorder\n"
	"objopen badref nrtimers timerorder notimers\n"
	"badpagesize vmaorder vmatype nrvmas runoutside\n"
	"fdrun0 fdoverlap fdsum fdfiles fpubits fpubeyond fpusize fpubv\n"
	"nested nopidns pidnslevel pidnsinit ghosts ghostsns ghostsorder\n"
	"ipc ipccount ipcsem debugregs";

int main(int argc, char **argv)
{
	struct opts o = { .nr_tasks = 1 };
	const char *v = argc > 1 ? argv[1] : "";

	if (!strcmp(v, "records")) {
		size_t off = 0;

		read_stdin();
		while (off + 8 <= img_len) {
			struct ckpt_hdr *h = (void *)(img + off);

			printf("%zu %u %u\n", off, h->type, h->len);
			if (h->len < 8)
				break;
			off += off ? h->len : sizeof(struct ckpt_hdr_header);
		}
		return 0;
	}
	if (!strcmp(v, "put32") && argc == 4) {
		size_t off = strtoul(argv[2], NULL, 0);

		read_stdin();
		if (off + 4 > img_len)
			return 1;
		put32(off, strtoul(argv[3], NULL, 0));
		write_out();
		return 0;
	}
	if (!strcmp(v, "fuzz") && argc == 3) {
		unsigned int seed = strtoul(argv[2], NULL, 0);
		int i, n;

		read_stdin();
		srand(seed);
		n = 1 + rand() % 4;
		for (i = 0; i < n && img_len; i++)
			img[rand() % img_len] ^= 1 << (rand() % 8);
		write_out();
		return 0;
	}

	if (!strcmp(v, "shmem"))
		o.shmem = true;
	if (!strcmp(v, "unknown"))
		o.unknown = true;
	if (!strcmp(v, "multi"))
		o.nr_tasks = 2;
	if (!strcmp(v, "big"))
		o.big = true;
	if (!strcmp(v, "debugregs"))
		o.debugregs = true;
	if (!strcmp(v, "zombie")) {
		o.nr_tasks = 2;
		o.nr_zombies = 1;
	}
	if (!strncmp(v, "ipc", 3))
		o.ipc = true;
	if (!strncmp(v, "nested", 6) || !strncmp(v, "pidns", 5) ||
	    !strncmp(v, "ghosts", 6)) {
		o.nr_tasks = 3;
		o.nested = true;
		o.ghosts = !strncmp(v, "ghosts", 6);
		o.unknown = !strcmp(v, "ghostsorder");
	}
	build(&o);

	if (!strcmp(v, "valid") || !strcmp(v, "shmem") || !strcmp(v, "big") ||
	    !strcmp(v, "unknown") || !strcmp(v, "multi") ||
	    !strcmp(v, "zombie") || !strcmp(v, "nested") || !strcmp(v, "ipc") ||
	    !strcmp(v, "ghosts") || !strcmp(v, "debugregs")) {
		/* as built */
	} else if (!strcmp(v, "ipccount")) {
		put32(find(CKPT_HDR_IPCNS) + 16, 2);	/* nr_msg */
	} else if (!strcmp(v, "ipcsem")) {
		put32(find(CKPT_HDR_IPC_SEM) + 48, 40000);	/* semval[0] */
	} else if (!strcmp(v, "nopidns")) {
		put32(find(CKPT_HDR_PIDNS), 7777);
	} else if (!strcmp(v, "pidnslevel")) {
		put32(find(CKPT_HDR_PIDNS) + 28, 2);	/* ns 1's level */
	} else if (!strcmp(v, "ghostsns")) {
		put32(find(CKPT_HDR_PIDNS_GHOSTS) + 16, 5);	/* ghost 0's ns */
	} else if (!strcmp(v, "ghostsorder")) {
		/* built with an unknown record between PIDNS and it */
	} else if (!strcmp(v, "pidnsinit")) {
		put32(find(CKPT_HDR_PIDNS) + 32, 2);	/* ns 1's init */
	} else if (!strcmp(v, "badmagic")) {
		img[8] ^= 0xff;
	} else if (!strcmp(v, "swapped")) {
		uint64_t m = __builtin_bswap64(CKPT_HEADER_MAGIC);

		memcpy(img + 8, &m, 8);
	} else if (!strcmp(v, "badversion")) {
		put32(16, 99);
	} else if (!strcmp(v, "badarch")) {
		put32(20, 3);
	} else if (!strcmp(v, "badpagesize")) {
		put32(24, 4095);
	} else if (!strcmp(v, "badtailmagic")) {
		img[find(CKPT_HDR_TAIL) + 8] ^= 1;
	} else if (!strcmp(v, "tailid")) {
		put32(find(CKPT_HDR_TAIL) + 16, 8);
	} else if (!strcmp(v, "hugelen")) {
		put32(find(CKPT_HDR_TREE) + 4, 0xfffffff8);
	} else if (!strcmp(v, "zerolen")) {
		put32(find(CKPT_HDR_TASK) + 4, 0);
	} else if (!strcmp(v, "oddlen")) {
		put32(find(CKPT_HDR_TASK) + 4, 12);
	} else if (!strcmp(v, "shortlen")) {
		put32(find(CKPT_HDR_MM) + 4, 16);
	} else if (!strcmp(v, "trailing")) {
		memset(grow(8), 0, 8);
	} else if (!strcmp(v, "notail")) {
		img_len = find(CKPT_HDR_TAIL);
	} else if (!strcmp(v, "notree")) {
		put32(find(CKPT_HDR_TREE), 7777);
	} else if (!strcmp(v, "nrtasks")) {
		put32(find(CKPT_HDR_TREE) + 8, 0x40000000);
	} else if (!strcmp(v, "nrfds")) {
		put32(find(CKPT_HDR_FILE_TABLE) + 8, 0xffffffff);
	} else if (!strcmp(v, "nrruns")) {
		put32(find(CKPT_HDR_PAGES) + 8, 0xffffffff);
	} else if (!strcmp(v, "pathlen")) {
		put32(find(CKPT_HDR_FILE) + 40, 0x7fffffff);
	} else if (!strcmp(v, "noterm")) {
		/* the terminating PAGES record becomes an unknown record */
		size_t off = find(CKPT_HDR_PAGES);

		off += ((struct ckpt_hdr *)(img + off))->len;
		put32(off, 7777);
	} else if (!strcmp(v, "badobjref")) {
		/* the first object, of no type (CKPT_OBJ_IGNORE) */
		put32(find(CKPT_HDR_OBJ_TYPE(CKPT_OBJ_FILE_TABLE)), CKPT_HDR_OBJ);
	} else if (!strcmp(v, "objorder")) {
		/* the fd table's record before its files' */
		put32(find(CKPT_HDR_FILE), CKPT_HDR_FILE_TABLE);
	} else if (!strcmp(v, "objopen")) {
		/* the MM record never comes: an unknown type instead */
		put32(find(CKPT_HDR_MM), 7777);
	} else if (!strcmp(v, "badref")) {
		put32(find(CKPT_HDR_TASK_OBJS) + 16, 2);	/* mm -> a file */
	} else if (!strcmp(v, "nrtimers")) {
		put32(find(CKPT_HDR_TIMERS) + 60, 3);
	} else if (!strcmp(v, "timerorder")) {
		/* the second timer's id is the first's */
		put32(find(CKPT_HDR_TIMERS) + sizeof(struct ckpt_hdr_timers) +
		      sizeof(struct ckpt_posix_timer), 0);
	} else if (!strcmp(v, "notimers")) {
		put32(find(CKPT_HDR_TIMERS), 7777);
	} else if (!strcmp(v, "vmaorder")) {
		size_t off = find(CKPT_HDR_MM) + sizeof(struct ckpt_hdr_mm);

		/* the first VMA's start inside the next VMA */
		put32(off + offsetof(struct ckpt_vma, start), 0x7ffd1000);
		put32(off + offsetof(struct ckpt_vma, end), 0x7ffd2000);
	} else if (!strcmp(v, "vmatype")) {
		size_t off = find(CKPT_HDR_MM) + sizeof(struct ckpt_hdr_mm) +
			     sizeof(struct ckpt_vma);

		/* the second VMA's type */
		put32(off + offsetof(struct ckpt_vma, flags),
		      CKPT_VM_READ | 99 << CKPT_VMA_TYPE_SHIFT);
	} else if (!strcmp(v, "nrvmas")) {
		put32(find(CKPT_HDR_MM) + offsetof(struct ckpt_hdr_mm, nr_vmas),
		      3);
	} else if (!strcmp(v, "fdrun0")) {
		put32(fd_ent(1) + offsetof(struct ckpt_fd_ent, nr), 0);
	} else if (!strcmp(v, "fdoverlap")) {
		/* fds 4-5, then 5 */
		put32(fd_ent(3) + offsetof(struct ckpt_fd_ent, fd), 4);
		put32(fd_ent(3) + offsetof(struct ckpt_fd_ent, nr), 2);
		put32(fd_ent(4) + offsetof(struct ckpt_fd_ent, fd), 5);
		put32(fd_ent(4) + offsetof(struct ckpt_fd_ent, nr), 1);
	} else if (!strcmp(v, "fdsum")) {
		put32(find(CKPT_HDR_FILE_TABLE) +
		      offsetof(struct ckpt_hdr_file_table, nr_fds), 5);
	} else if (!strcmp(v, "fdfiles")) {
		/* the run of two from the last file: one file too many */
		put32(fd_ent(4) + offsetof(struct ckpt_fd_ent, file_objref),
		      objs[0] + 2);
	} else if (!strcmp(v, "fpubits")) {
		/* a bit more than nr_words says: word 1 */
		put32(find(CKPT_HDR_FPU) + sizeof(struct ckpt_hdr_fpu),
		      0x300009 | 0x2);
	} else if (!strcmp(v, "fpubeyond")) {
		/* bit 337 of the bitmap: word 5, bit 17 */
		put32(find(CKPT_HDR_FPU) + sizeof(struct ckpt_hdr_fpu) + 5 * 8,
		      1 << 17);
	} else if (!strcmp(v, "fpusize")) {
		put32(find(CKPT_HDR_FPU) + offsetof(struct ckpt_hdr_fpu, size),
		      2692);
	} else if (!strcmp(v, "fpubv")) {
		put32(find(CKPT_HDR_FPU) + offsetof(struct ckpt_hdr_fpu,
						     xfeatures), 0x7);
	} else if (!strcmp(v, "runoutside")) {
		put32(find(CKPT_HDR_PAGES) + 16, 0x10000000);
	} else {
		fprintf(stderr,
			"usage: mkimage VARIANT > image, VARIANT one of:\n%s\n"
			"       mkimage records|put32 OFF VAL|fuzz SEED < image\n",
			variants);
		return 2;
	}
	write_out();
	free(img);
	return 0;
}
