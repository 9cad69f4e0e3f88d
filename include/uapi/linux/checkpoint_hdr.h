/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart: the image format.
 *
 * An image is a header, a sequence of records and a tail, written
 * strictly sequentially.  Every record starts with struct ckpt_hdr,
 * whose len counts the whole record, header included, and is a
 * multiple of 8: every record, and so every structure below, is padded
 * to 8 bytes.  All integers are in the byte order of the machine that
 * wrote the image (recorded in the header's arch field).
 *
 * Objects that tasks may share (files, file tables, address spaces,
 * ...) are written once, introduced by a CKPT_HDR_OBJ record that
 * gives their type, and are referred to by their objref number
 * afterwards.  An object always appears in the stream before its
 * first reference.
 *
 * See Documentation/checkpoint/format.rst.  Any change to this file
 * that changes the layout of a record bumps CKPT_FORMAT_VERSION.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_HDR_H
#define _UAPI_LINUX_CHECKPOINT_HDR_H

#include <linux/types.h>

#define CKPT_HEADER_MAGIC	0x4b4e4c2d54504b43ULL	/* "CKPT-LNK" */
#define CKPT_TAIL_MAGIC		0x4c4954542d54504bULL	/* "KPT-TTIL" */
#define CKPT_FORMAT_VERSION	4

#define CKPT_ARCH_X86_64	1

#define CKPT_UTS_LEN		65	/* __NEW_UTS_LEN + 1 */
#define CKPT_COMM_LEN		16	/* TASK_COMM_LEN */
#define CKPT_PATH_MAX		4096	/* PATH_MAX */

/* Every record starts with this */
struct ckpt_hdr {
	__u32 type;
	__u32 len;	/* whole record, header included, multiple of 8 */
};

/* Record types */
enum {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_HEADER_ARCH,
	/* 3 was the OBJREF record of format 3 */
	CKPT_HDR_OBJ = 10,		/* + CKPT_OBJ_*: 11 .. 10 + CKPT_OBJ_MAX - 1 */

	CKPT_HDR_TREE = 101,
	CKPT_HDR_TASK,
	CKPT_HDR_TASK_OBJS,
	CKPT_HDR_CRED,
	CKPT_HDR_PIDNS,
	CKPT_HDR_UTSNS,
	CKPT_HDR_IPCNS = 107,
	CKPT_HDR_PIDNS_GHOSTS = 108,

	CKPT_HDR_CPU = 201,
	CKPT_HDR_FPU,
	CKPT_HDR_DEBUGREGS,

	CKPT_HDR_MM = 301,
	CKPT_HDR_PAGES = 303,		/* 302 was the VMA record of format 3 */
	CKPT_HDR_MM_HOLES = 304,

	CKPT_HDR_FILE_TABLE = 401,
	CKPT_HDR_FILE,
	CKPT_HDR_FS,
	CKPT_HDR_PIPE,
	CKPT_HDR_EVENTFD,
	CKPT_HDR_SIGNALFD,
	CKPT_HDR_TIMERFD,
	CKPT_HDR_EPOLL,
	CKPT_HDR_FILE_SEALS = 410,
	CKPT_HDR_FILE_INODE = 411,
	CKPT_HDR_FILE_UNLINKED = 412,
	CKPT_HDR_FILE_DATA = 413,
	CKPT_HDR_FILE_LOCKS = 414,
	CKPT_HDR_INOTIFY = 415,
	CKPT_HDR_INOTIFY_EVENTS = 416,

	CKPT_HDR_SIGHAND = 501,
	CKPT_HDR_SIGNAL,
	CKPT_HDR_TASK_SIGNAL,
	CKPT_HDR_SIGPENDING,
	CKPT_HDR_TIMERS,

	CKPT_HDR_SOCKET = 601,
	CKPT_HDR_SOCKET_QUEUE,
	CKPT_HDR_SOCKET_LISTENQ,
	CKPT_HDR_SOCKET_FDS = 604,

	CKPT_HDR_TTY = 701,
	CKPT_HDR_TTY_DATA = 702,
	CKPT_HDR_CTTY = 703,

	CKPT_HDR_IPC_SHM = 801,
	CKPT_HDR_IPC_SEM = 802,
	CKPT_HDR_IPC_MSG = 803,
	CKPT_HDR_SEM_UNDO = 804,

	CKPT_HDR_TAIL = 9001,
};

/* Object types: CKPT_HDR_OBJ + type introduces one */
enum {
	CKPT_OBJ_IGNORE = 0,
	CKPT_OBJ_FILE_TABLE,
	CKPT_OBJ_FILE,
	CKPT_OBJ_MM,
	CKPT_OBJ_FS,
	CKPT_OBJ_SIGHAND,
	CKPT_OBJ_SIGNAL,
	CKPT_OBJ_PIPE,
	CKPT_OBJ_CRED,
	CKPT_OBJ_INODE,
	CKPT_OBJ_SOCK,
	CKPT_OBJ_TTY = 11,
	CKPT_OBJ_IPCNS = 12,
	CKPT_OBJ_SEM_UNDO = 13,
	CKPT_OBJ_MAX
};

/*
 * CKPT_HDR_HEADER: the first record.  The kernel strings come from the
 * checkpointing kernel's utsname; restart logs a mismatch but accepts
 * it, while the architecture, page size and format version must match.
 */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__aligned_u64 magic;		/* CKPT_HEADER_MAGIC */
	__u32 format_version;		/* CKPT_FORMAT_VERSION */
	__u32 arch;			/* CKPT_ARCH_* */
	__u32 page_size;
	__u32 __reserved;
	__aligned_u64 uflags;		/* checkpoint(2) flags */
	__aligned_u64 ckpt_id;		/* the checkpoint id */
	__aligned_u64 time;		/* seconds since the epoch */
	char release[CKPT_UTS_LEN];
	char version[CKPT_UTS_LEN];
	char machine[CKPT_UTS_LEN];
	__u8 __pad[5];
};

/*
 * CKPT_HDR_HEADER_ARCH (x86-64): the CPU's user xstate features and
 * the size of a standard-format XSAVE buffer.  Restart refuses an image
 * whose saved FPU state uses features this CPU lacks.
 */
struct ckpt_hdr_header_arch {
	struct ckpt_hdr h;
	__aligned_u64 xfeatures_mask;	/* user xfeatures the CPU supports */
	__u32 xstate_size;		/* standard-format XSAVE size */
	__u32 __pad;
};

/*
 * CKPT_HDR_OBJ + objtype: introduces an object of type objtype
 * (CKPT_OBJ_*), a record of just its struct ckpt_hdr (len 8); the
 * object's own records follow immediately.  Objects take the objrefs
 * 1, 2, 3, ... in the order they appear in the image: an object's
 * objref is one more than the number of objects before it.
 */
#define CKPT_HDR_OBJ_TYPE(objtype)	(CKPT_HDR_OBJ + (objtype))

/* CKPT_HDR_TAIL: the last record */
struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__aligned_u64 magic;		/* CKPT_TAIL_MAGIC */
	__aligned_u64 ckpt_id;
};

/*
 * CKPT_HDR_TREE: the tasks of the image, in the order their records
 * follow: a breadth-first walk of the process tree from the root, each
 * thread group leader followed by its other threads, then by its
 * children.  Pids are as seen in the pid namespace of the root task
 * (the container's namespace when the root is its init), also for the
 * tasks of namespaces nested in it (CKPT_HDR_PIDNS, which follows, has
 * their pids at the other levels): ppid is the tgid of the parent and
 * is 0 for the root; pgid and sid are 0 when they lie outside that
 * namespace.  A pgid or sid that is no task's pid
 * belongs to a dead leader, which the tree builder stands in for with a
 * ghost task (in a nested namespace when CKPT_HDR_PIDNS_GHOSTS says
 * so).  A zombie (CKPT_PIDS_ZOMBIE) has no records of its own:
 * restart makes it exit with exit_code, signalling its parent with
 * exit_signal.
 */
struct ckpt_task_pids {
	__s32 pid;
	__s32 tgid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	__u32 flags;			/* CKPT_PIDS_* */
	__s32 exit_code;		/* zombie: the wait(2) status */
	__s32 exit_signal;		/* signal to the parent at exit */
};

#define CKPT_PIDS_ROOT		0x1	/* the checkpointed root task */
#define CKPT_PIDS_THREAD	0x2	/* not the thread group leader */
#define CKPT_PIDS_ZOMBIE	0x4	/* dead, not yet reaped */
#define CKPT_PIDS_NEWUTS	0x8	/* in a UTS namespace not its parent's */
#define CKPT_PIDS_NEWIPC	0x10	/* in an IPC namespace not its parent's */

struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	__u32 nr_tasks;
	__u32 __pad;
	struct ckpt_task_pids pids[];	/* nr_tasks entries, record padded */
};

/*
 * CKPT_HDR_PIDNS: follows CKPT_HDR_TREE.  The root task's pid namespace
 * is level 0 and namespace 0; the namespaces nested in it that tasks of
 * the image are in are numbered 1 .. nr_ns, parents before children:
 * ns[n - 1] describes namespace n.  Then, for every entry of the tree,
 * in tree order, the namespace the task is in and the one its children
 * are born in (pid_ns_for_children), and a flat array of pids: each
 * task's level + 1 pids in tree order, from its pid in the root's
 * namespace (the tree's pid) down to its pid in its own namespace.
 *
 *   struct ckpt_pidns ns[nr_ns];
 *   struct ckpt_task_ns tasks[nr_tasks];
 *   __s32 pids[nr_pids];
 *   padding to 8 bytes
 */
#define CKPT_PIDNS_LEVELS	32	/* MAX_PID_NS_LEVEL: most levels below 0 */

struct ckpt_pidns {
	__u32 parent;			/* its parent namespace: 0 .. n - 1 */
	__u32 level;			/* the parent's + 1 */
	__u32 init;			/* tree index of its init, pid 1 in it */
	__u32 __pad;
};

struct ckpt_task_ns {
	__u32 ns;			/* the namespace the task is in */
	__u32 ns_for_children;		/* pid_ns_for_children: ns or nested */
};

struct ckpt_hdr_pidns {
	struct ckpt_hdr h;
	__u32 nr_ns;			/* nested namespaces */
	__u32 nr_tasks;			/* the tree's nr_tasks */
	__u32 nr_pids;			/* sum of the tasks' level + 1 */
	__u32 __pad;
};

/*
 * CKPT_HDR_PIDNS_GHOSTS: follows CKPT_HDR_PIDNS when a process group
 * or session of the tree has a dead leader (its pgid or sid is no
 * task's pid) whose pid was allocated in a namespace nested in the
 * root's: for each such pid, the namespace the tree builder makes its
 * ghost in (the pid's own, or the deepest of its namespaces that a
 * task of the image is in) and its pids from level 0 (the pgid or sid
 * of the tree record) down to that namespace.  Dead leaders of the
 * root's namespace are not listed: their ghost lives there.
 *
 *   __u32 ns[nr_ghosts];		namespaces 1 .. nr_ns of CKPT_HDR_PIDNS
 *   __s32 pids[nr_pids];		each ghost's level + 1 pids, in order
 *   padding to 8 bytes
 */
struct ckpt_hdr_pidns_ghosts {
	struct ckpt_hdr h;
	__u32 nr_ghosts;
	__u32 nr_pids;			/* sum of the ghosts' level + 1 */
};

/*
 * CKPT_HDR_UTSNS: follows CKPT_HDR_PIDNS when tasks of the tree have
 * CKPT_PIDS_NEWUTS: the names of their UTS namespaces, one entry per
 * such task in tree order.  Every other task is in its parent's.
 */
#define CKPT_UTS_NAME_LEN	65	/* __NEW_UTS_LEN + 1 */

struct ckpt_utsns {
	char nodename[CKPT_UTS_NAME_LEN];	/* NUL-terminated */
	char domainname[CKPT_UTS_NAME_LEN];
	char __pad[6];
};

struct ckpt_hdr_utsns {
	struct ckpt_hdr h;
	__u32 nr_ns;
	__u32 __pad;
	struct ckpt_utsns ns[];
};

/*
 * CKPT_HDR_IPCNS: an IPC namespace (object CKPT_OBJ_IPCNS), saved
 * among the objects of the task that has it as a namespace of its own
 * (CKPT_PIDS_NEWIPC), before its address space: its limits (the
 * kernel.shm*, msg*, sem sysctls), then nr_shm CKPT_HDR_IPC_SHM, nr_sem
 * CKPT_HDR_IPC_SEM and nr_msg CKPT_HDR_IPC_MSG records, each kind in
 * id order.  Restart fills the task's new, empty namespace with them,
 * each object with its saved id.  Owners are ids as seen in the
 * checkpointer's user namespace.
 */
struct ckpt_hdr_ipcns {
	struct ckpt_hdr h;
	__u32 nr_shm;
	__u32 nr_sem;
	__u32 nr_msg;
	__u32 shm_rmid_forced;		/* kernel.shm_rmid_forced */
	__aligned_u64 shm_ctlmax;	/* kernel.shmmax */
	__aligned_u64 shm_ctlall;	/* kernel.shmall */
	__u32 shm_ctlmni;		/* kernel.shmmni */
	__u32 msg_ctlmax;		/* kernel.msgmax */
	__u32 msg_ctlmnb;		/* kernel.msgmnb */
	__u32 msg_ctlmni;		/* kernel.msgmni */
	__u32 sem_ctls[4];		/* kernel.sem: semmsl semmns semopm semmni */
};

/* The common part of a SysV IPC object */
struct ckpt_ipc_perm {
	__s32 id;			/* shmid, semid, msqid */
	__s32 key;			/* 0: IPC_PRIVATE */
	__u32 uid, gid;			/* owner */
	__u32 cuid, cgid;		/* creator */
	__u32 mode;			/* permission bits (0777) */
	__u32 __pad;
};

/*
 * CKPT_HDR_IPC_SHM: a shared memory segment, followed by its contents
 * as CKPT_HDR_PAGES records (start is a byte offset in the segment).
 * CKPT_SHM_DEST: removed (IPC_RMID) but still attached; its key is
 * then IPC_PRIVATE.
 */
#define CKPT_SHM_DEST		0x1

struct ckpt_hdr_ipc_shm {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__aligned_u64 size;		/* shm_segsz */
	__u32 flags;			/* CKPT_SHM_* */
	__u32 __pad;
};

/* CKPT_HDR_IPC_SEM: a semaphore set: nsems values, then padding */
struct ckpt_hdr_ipc_sem {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__u32 nsems;
	__u32 __pad;
	__s32 semval[];			/* 0 .. SEMVMX */
};

/*
 * CKPT_HDR_SEM_UNDO: a semaphore undo list (object CKPT_OBJ_SEM_UNDO,
 * struct sem_undo_list), saved among the objects of the first task of
 * the image that uses it, after the IPC namespace whose sets it
 * adjusts.  The threads of one process share it (CLONE_SYSVSEM); a list
 * shared across processes is refused.  nr_undos struct ckpt_sem_undo,
 * one a set (semid, its nsems), then the nr_adj adjustments (semadj)
 * of those sets in order, nsems a set, then padding.  Restart gives
 * them to the restoring task, whose exit applies them.
 */
struct ckpt_sem_undo {
	__s32 semid;
	__u32 nsems;
};

struct ckpt_hdr_sem_undo {
	struct ckpt_hdr h;
	__u32 nr_undos;
	__u32 nr_adj;			/* the sum of the nsems */
	/* struct ckpt_sem_undo undos[nr_undos]; __s32 adj[nr_adj]; */
};

/*
 * CKPT_HDR_IPC_MSG: a message queue: nr_msgs struct ckpt_ipc_msg in
 * queue order, then the text of every message in order (data_len
 * bytes), then padding.
 */
#define CKPT_MSGS_MAX		65536	/* messages in one queue */

struct ckpt_ipc_msg {
	__s64 mtype;			/* > 0 */
	__aligned_u64 len;		/* bytes of text */
};

struct ckpt_hdr_ipc_msg {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__aligned_u64 qbytes;		/* msg_qbytes */
	__u32 nr_msgs;
	__u32 __pad;
	__aligned_u64 data_len;
};

/* CKPT_HDR_TASK: per-task scalar state */
#define CKPT_TASK_STOPPED	0x1	/* in group stop */
#define CKPT_TASK_FROZEN	0x2	/* frozen by a cgroup freezer */
#define CKPT_TASK_SELF		0x4	/* checkpointed itself */
#define CKPT_TASK_NO_NEW_PRIVS	0x8	/* PR_SET_NO_NEW_PRIVS */

struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__u32 flags;			/* CKPT_TASK_* */
	__u32 personality;
	__s32 exit_signal;
	__s32 pdeath_signal;
	__aligned_u64 set_child_tid;
	__aligned_u64 clear_child_tid;
	__aligned_u64 rseq;		/* registered struct rseq, or 0 */
	__u32 rseq_len;
	__u32 rseq_sig;
	__aligned_u64 robust_list;	/* set_robust_list() head, or 0 */
	__aligned_u64 robust_list_len;
	char comm[CKPT_COMM_LEN];
};

/* CKPT_HDR_TASK_OBJS: the shared objects a task uses */
struct ckpt_hdr_task_objs {
	struct ckpt_hdr h;
	__s32 files_objref;
	__s32 fs_objref;
	__s32 mm_objref;
	__s32 sighand_objref;
	__s32 signal_objref;
	__s32 cred_objref;
};

/*
 * CKPT_HDR_CRED: credentials (object CKPT_OBJ_CRED), ids as seen in the
 * checkpointer's user namespace; ngroups supplementary gids follow the
 * fixed part, then padding.  Capability sets are bit masks of CAP_*.
 */
#define CKPT_NGROUPS_MAX	65536	/* NGROUPS_MAX */

struct ckpt_hdr_cred {
	struct ckpt_hdr h;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__aligned_u64 cap_inheritable;
	__aligned_u64 cap_permitted;
	__aligned_u64 cap_effective;
	__aligned_u64 cap_bset;
	__aligned_u64 cap_ambient;
	__u32 securebits;
	__u32 ngroups;
	__u32 groups[];
};

/*
 * CKPT_HDR_CPU (x86-64): general registers in the layout of struct
 * user_regs_struct, plus the state of a system call the task was in.
 */
struct ckpt_hdr_cpu {
	struct ckpt_hdr h;
	__aligned_u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__aligned_u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__aligned_u64 ip, cs, flags, sp, ss;
	__aligned_u64 fs_base, gs_base;
	__aligned_u64 ds, es, fs, gs;
};

/*
 * CKPT_HDR_FPU (x86-64): the task's FPU/extended state in the standard
 * (non-compacted) XSAVE format, as PTRACE_GETREGSET(NT_X86_XSTATE)
 * returns it, size bytes, stored sparse: most of it is zero (components
 * in their init state).  A bitmap of the buffer's 8-byte words follows
 * the fixed part, bit i (word i / 64, bit i % 64) set for word i that
 * is not zero, in (size / 8 + 63) / 64 words; then those nr_words
 * words, in order.  The words not listed are zero.
 */
struct ckpt_hdr_fpu {
	struct ckpt_hdr h;
	__aligned_u64 xfeatures;	/* XSTATE_BV of the saved state */
	__u32 size;			/* bytes of the buffer, a multiple of 8 */
	__u32 nr_words;			/* bits set in the bitmap */
	/* __u64 bitmap[(size / 8 + 63) / 64]; __u64 words[nr_words]; */
};

/*
 * CKPT_HDR_DEBUGREGS (x86-64): virtual DR0-DR3, DR6, DR7.  Left out of
 * the image when they are in their initial state (no breakpoint, DR6
 * with only its reserved bits: CKPT_DR6_INIT).
 */
#define CKPT_DR6_INIT		0xffff0ff0	/* DR6_RESERVED */

struct ckpt_hdr_debugregs {
	struct ckpt_hdr h;
	__aligned_u64 dr0, dr1, dr2, dr3, dr6, dr7;
};

/*
 * CKPT_HDR_MM: an address space (object CKPT_OBJ_MM): the fixed part,
 * then its nr_vmas mappings (struct ckpt_vma, below) in address order.
 * CKPT_HDR_PAGES records follow, ending with one whose nr_pages is 0.
 */
#define CKPT_AUXV_MAX		64

struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u32 nr_vmas;
	__s32 exe_objref;		/* CKPT_OBJ_FILE, or 0 */
	__aligned_u64 start_code, end_code, start_data, end_data;
	__aligned_u64 start_brk, brk, start_stack;
	__aligned_u64 arg_start, arg_end, env_start, env_end;
	__aligned_u64 vdso;		/* vDSO text address, or 0 */
	__aligned_u64 vdso_size;	/* vDSO text size */
	__aligned_u64 def_flags;	/* CKPT_VMA_* bits, e.g. LOCKED */
	__u32 nr_auxv;			/* used entries of saved_auxv */
	__s32 parent_objref;		/* CKPT_OBJ_MM of CKPT_VM_INHERIT, or 0 */
	__aligned_u64 saved_auxv[CKPT_AUXV_MAX];
	/* struct ckpt_vma vmas[nr_vmas]; */
};

/* vma_type */
enum {
	CKPT_VMA_ANON = 1,		/* private anonymous (heap, stack) */
	CKPT_VMA_FILE,			/* file mapping, private or shared */
	CKPT_VMA_SHMEM,			/* shared anonymous, memfd, shmem */
	CKPT_VMA_VDSO,			/* [vdso]: remapped, not saved */
	CKPT_VMA_VVAR,			/* [vvar]: remapped, not saved */
	CKPT_VMA_SYSVSHM = 6,		/* a SysV shm attachment, see below */
};

/* vm_flags: the stable subset of the kernel's VM_* flags */
#define CKPT_VM_READ		0x00000001
#define CKPT_VM_WRITE		0x00000002
#define CKPT_VM_EXEC		0x00000004
#define CKPT_VM_SHARED		0x00000008
#define CKPT_VM_MAYREAD		0x00000010
#define CKPT_VM_MAYWRITE	0x00000020
#define CKPT_VM_MAYEXEC		0x00000040
#define CKPT_VM_MAYSHARE	0x00000080
#define CKPT_VM_GROWSDOWN	0x00000100
#define CKPT_VM_LOCKED		0x00000200
#define CKPT_VM_SEQ_READ	0x00000400	/* MADV_SEQUENTIAL */
#define CKPT_VM_RAND_READ	0x00000800	/* MADV_RANDOM */
#define CKPT_VM_DONTCOPY	0x00001000	/* MADV_DONTFORK */
#define CKPT_VM_DONTDUMP	0x00002000	/* MADV_DONTDUMP */
#define CKPT_VM_WIPEONFORK	0x00004000	/* MADV_WIPEONFORK */
#define CKPT_VM_HUGEPAGE	0x00008000	/* MADV_HUGEPAGE */
#define CKPT_VM_NOHUGEPAGE	0x00010000	/* MADV_NOHUGEPAGE */
#define CKPT_VM_NORESERVE	0x00020000	/* MAP_NORESERVE */
#define CKPT_VM_LOCKONFAULT	0x00040000	/* MLOCK_ONFAULT */
#define CKPT_VM_INHERIT		0x00080000	/* see CKPT_HDR_MM_HOLES */

/*
 * A mapping: flags holds its CKPT_VM_* flags (bits 0-23) and its
 * CKPT_VMA_* type (bits 24-31).
 *
 * A CKPT_VMA_SYSVSHM mapping is a whole shmat(2) attachment (pgoff 0,
 * the segment's size rounded up to pages) of a segment of the task's
 * IPC namespace, which the image holds (CKPT_OBJ_IPCNS): file_objref
 * is then not an objref but the segment's shmid, and restart attaches
 * the segment again at start.
 */
#define CKPT_VMA_TYPE_SHIFT	24
#define CKPT_VMA_VM_MASK	0x00ffffff
#define CKPT_VMA_TYPE(flags)	((flags) >> CKPT_VMA_TYPE_SHIFT)

struct ckpt_vma {
	__aligned_u64 start;
	__aligned_u64 end;
	__aligned_u64 pgoff;		/* in pages */
	__s32 file_objref;		/* CKPT_OBJ_FILE, or 0; SYSVSHM: shmid */
	__u32 flags;			/* CKPT_VM_* | CKPT_VMA_* << 24 */
};

/*
 * CKPT_HDR_PAGES: page contents.  nr_runs struct ckpt_page_run follow
 * the fixed part, then the data of nr_pages pages, page_size bytes each,
 * in run order.  Within an mm, start is a user address; within a shmem
 * file (CKPT_FILE_SHMEM), it is a byte offset in the file.  Pages that
 * do not appear are absent (read as zeroes, or from the mapped file).
 * A record with nr_pages 0 ends the sequence.
 */
struct ckpt_page_run {
	__aligned_u64 start;
	__aligned_u64 nr_pages;
};

struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u32 nr_runs;
	__u32 nr_pages;
};

#define CKPT_PAGES_MAX		1024	/* pages in one CKPT_HDR_PAGES */

/*
 * CKPT_HDR_MM_HOLES: follows the CKPT_HDR_MM record of an mm whose
 * parent_objref is set.  A private anonymous VMA flagged
 * CKPT_VM_INHERIT still shared pages copy-on-write with the parent
 * process's VMA of the same range (parent_objref's mm, restored
 * before): restart maps the parent's pages into it copy-on-write, as
 * fork() did, then clears the nr_runs ranges given here (where this mm
 * reads zeroes but the parent has pages), then writes this mm's own
 * pages (CKPT_HDR_PAGES) over them.
 */
struct ckpt_hdr_mm_holes {
	struct ckpt_hdr h;
	__u32 nr_runs;
	__u32 __pad;
	struct ckpt_page_run runs[];	/* within CKPT_VM_INHERIT VMAs */
};

/*
 * CKPT_HDR_FILE_TABLE: an fd table (object CKPT_OBJ_FILE_TABLE).  The
 * files it holds precede it in the stream.  Its open fds come in runs:
 * an entry stands for the nr fds fd .. fd + nr - 1, open on the files
 * file_objref .. file_objref + nr - 1 (files saved one after the other,
 * as a table's own files are), all with the same flags.
 */
#define CKPT_FD_CLOEXEC		0x1

struct ckpt_fd_ent {
	__s32 fd;
	__s32 file_objref;		/* CKPT_OBJ_FILE */
	__u32 flags;			/* CKPT_FD_* */
	__u32 nr;			/* >= 1 */
};

struct ckpt_hdr_file_table {
	struct ckpt_hdr h;
	__u32 nr_ents;
	__u32 nr_fds;			/* the sum of the entries' nr */
	struct ckpt_fd_ent fds[];	/* nr_ents entries, sorted by fd */
};

/*
 * CKPT_HDR_FILE: an open file (object CKPT_OBJ_FILE).  path_len bytes
 * of path (NUL included) follow the fixed part, then padding.  A
 * CKPT_FILE_SHMEM file is followed by its contents as CKPT_HDR_PAGES
 * records; a CKPT_FILE_PIPE file names its pipe object in obj_objref,
 * and its path ("pipe:[INO]") is only informative.  A CKPT_FILE_FIFO
 * file is reopened by path and names the pipe object of the FIFO in
 * obj_objref (0 for an O_PATH file, which has no pipe).
 */
enum {
	CKPT_FILE_REGULAR = 1,		/* reopened by path */
	CKPT_FILE_DIR,			/* reopened by path */
	CKPT_FILE_CHRDEV,		/* null, zero, (u)random, tty: by path */
	CKPT_FILE_SHMEM,		/* shmem, memfd, shared anonymous */
	CKPT_FILE_PIPE,			/* an end of an anonymous pipe */
	CKPT_FILE_FIFO,			/* a named FIFO: by path */
	CKPT_FILE_EVENTFD,		/* + CKPT_HDR_EVENTFD */
	CKPT_FILE_SIGNALFD,		/* + CKPT_HDR_SIGNALFD */
	CKPT_FILE_TIMERFD,		/* + CKPT_HDR_TIMERFD */
	CKPT_FILE_EPOLL,		/* + CKPT_HDR_EPOLL */
	CKPT_FILE_SOCKET = 11,		/* a Unix socket: CKPT_OBJ_SOCK */
	CKPT_FILE_UNLINKED = 12,	/* a regular file with no name left */
	CKPT_FILE_TTY = 13,		/* a pty's end: CKPT_OBJ_TTY */
	CKPT_FILE_INOTIFY = 15,		/* + CKPT_HDR_INOTIFY, _INOTIFY_EVENTS */
	CKPT_FILE_MAX
};

struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__u32 file_type;		/* CKPT_FILE_* */
	__u32 f_flags;			/* open(2) flags, O_* */
	__aligned_u64 f_pos;
	__u32 i_mode;			/* S_IF* and permissions */
	__u32 rdev;			/* new_encode_dev(), for devices */
	__aligned_u64 i_size;
	__u32 path_len;			/* with the NUL; 0 if none */
	__s32 obj_objref;		/* PIPE, FIFO: _PIPE; SOCKET: _SOCK; TTY: _TTY */
};

/*
 * CKPT_HDR_FILE_SEALS: follows the contents of a CKPT_FILE_SHMEM file
 * made by memfd_create(2) (its path starts with "memfd:"): its seals,
 * as F_GET_SEALS returns them (F_SEAL_* bits; F_SEAL_SEAL set when no
 * more seals may be added, e.g. without MFD_ALLOW_SEALING).  An image
 * without it restores the memfd with F_SEAL_SEAL only.
 */
#define CKPT_SEALS_ALL		0x3f	/* F_SEAL_SEAL .. F_SEAL_EXEC */

struct ckpt_hdr_file_seals {
	struct ckpt_hdr h;
	__u32 seals;
	__u32 __pad;
};

/*
 * A regular file opened and then unlinked (no name left, nlink 0) is a
 * CKPT_FILE_UNLINKED file whose obj_objref names its inode, an object
 * of type CKPT_OBJ_INODE described by CKPT_HDR_FILE_INODE.  The first
 * file of that inode in the stream is followed by CKPT_HDR_FILE_UNLINKED
 * (the directory it was in) and its contents as CKPT_HDR_FILE_DATA
 * records ending with one of len 0; restart makes it an O_TMPFILE (with
 * O_EXCL: it cannot be linked) in that directory.  The other files of
 * the inode are opened on the same restored inode, without data.
 */
struct ckpt_hdr_file_inode {
	struct ckpt_hdr h;
	__u32 i_mode;			/* S_IFREG and permissions */
	__u32 __pad;
	__aligned_u64 i_size;
};

struct ckpt_hdr_file_unlinked {
	struct ckpt_hdr h;
	__u32 dir_len;			/* with the NUL */
	__u32 __pad;
	/* the directory's absolute path, then padding */
};

/*
 * CKPT_HDR_FILE_DATA: len bytes of a file's contents at offset, then
 * padding.  Holes are not written; offsets increase.
 */
#define CKPT_FILE_DATA_MAX	65536	/* bytes in one record */

struct ckpt_hdr_file_data {
	struct ckpt_hdr h;
	__aligned_u64 offset;
	__aligned_u64 len;
};

/*
 * CKPT_HDR_FILE_LOCKS: file locks held by the checkpointed tasks,
 * re-taken at restart (a conflicting lock held by someone else then
 * makes it fail with EBUSY).  After a file's records (and after those
 * of its kind): the flock(2) and OFD locks that file owns.  After a
 * CKPT_HDR_FILE_TABLE: the POSIX (fcntl F_SETLK) locks that fd table's
 * processes own, each taken through fd, and the leases (F_SETLEASE) of
 * the table's files, each with the fd it is signalled through; start is
 * then the file's F_SETSIG signal (0: SIGIO) and end CKPT_LOCK_EOF.
 * Ranges are inclusive; end is CKPT_LOCK_EOF for a lock to the end of
 * the file (l_len 0).  pid is informative: restart takes a lock in the
 * task that restores it.
 */
#define CKPT_LOCK_FLOCK		1	/* flock(2), owned by the file */
#define CKPT_LOCK_OFD		2	/* F_OFD_SETLK, owned by the file */
#define CKPT_LOCK_POSIX		3	/* F_SETLK, owned by the fd table */
#define CKPT_LOCK_LEASE		4	/* F_SETLEASE, of a file of the fd table */

#define CKPT_LOCK_READ		0	/* F_RDLCK, LOCK_SH */
#define CKPT_LOCK_WRITE		1	/* F_WRLCK, LOCK_EX */

#define CKPT_LOCK_EOF		0x7fffffffffffffffULL	/* OFFSET_MAX */
#define CKPT_LOCKS_MAX		65536

struct ckpt_file_lock {
	__u32 kind;			/* CKPT_LOCK_FLOCK, _OFD, _POSIX, _LEASE */
	__u32 type;			/* CKPT_LOCK_READ, _WRITE */
	__aligned_u64 start;
	__aligned_u64 end;		/* inclusive, or CKPT_LOCK_EOF */
	__s32 fd;			/* POSIX, LEASE: the fd, else -1 */
	__s32 pid;			/* informative */
};

struct ckpt_hdr_file_locks {
	struct ckpt_hdr h;
	__u32 nr_locks;
	__u32 __pad;
	struct ckpt_file_lock locks[];
};

/*
 * CKPT_HDR_PIPE: a pipe (object CKPT_OBJ_PIPE): its size and the data
 * buffered in it, nr_bufs struct ckpt_pipe_buf then the data of every
 * buffer in order, then padding.  The files of an anonymous pipe's two
 * ends are CKPT_FILE_PIPE records that refer to it; an end that no file
 * holds was closed.  The pipe of a named FIFO (CKPT_PIPE_FIFO) is
 * referred to by the CKPT_FILE_FIFO records of its open files only.
 */
#define CKPT_PIPE_BUF_PACKET	0x1	/* read() returns it as one packet */

#define CKPT_PIPE_FIFO		0x1	/* the pipe of a named FIFO */

struct ckpt_pipe_buf {
	__u32 len;
	__u32 flags;			/* CKPT_PIPE_BUF_* */
};

struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u32 nr_slots;			/* F_GETPIPE_SZ / page_size */
	__u32 nr_bufs;
	__aligned_u64 data_len;		/* sum of the buffers' len */
	__u32 flags;			/* CKPT_PIPE_* */
	__u32 __pad;
};

/*
 * CKPT_HDR_EVENTFD: follows the CKPT_HDR_FILE record of a
 * CKPT_FILE_EVENTFD file: its counter and flags (O_NONBLOCK is the
 * file's f_flags, close-on-exec the fd's).
 */
#define CKPT_EFD_SEMAPHORE	0x1	/* EFD_SEMAPHORE */

struct ckpt_hdr_eventfd {
	struct ckpt_hdr h;
	__aligned_u64 count;
	__u32 flags;			/* CKPT_EFD_* */
	__u32 __pad;
};

/*
 * CKPT_HDR_SIGNALFD: follows the file record of a CKPT_FILE_SIGNALFD
 * file: the signals it accepts, as signalfd(2) was given them.
 */
struct ckpt_hdr_signalfd {
	struct ckpt_hdr h;
	__aligned_u64 sigmask;		/* bit n-1 for signal n */
};

/*
 * CKPT_HDR_TIMERFD: follows the file record of a CKPT_FILE_TIMERFD
 * file.  An armed relative timer saves the time it had left; restart
 * takes off the time that passed since the checkpoint (on
 * CLOCK_REALTIME, from now), counting the expirations missed meanwhile
 * in ticks.  An armed absolute timer (CKPT_TIMERFD_ABSTIME) saves its
 * expiry on its clock and keeps it.  Alarm clocks are not supported.
 */
#define CKPT_TIMERFD_ABSTIME		0x1	/* TFD_TIMER_ABSTIME */
#define CKPT_TIMERFD_CANCEL_ON_SET	0x2	/* TFD_TIMER_CANCEL_ON_SET */
#define CKPT_TIMERFD_ARMED		0x4	/* value is set */
#define CKPT_TIMERFD_CANCELED		0x8	/* the clock was set: ECANCELED */

struct ckpt_hdr_timerfd {
	struct ckpt_hdr h;
	__s32 clockid;			/* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME */
	__u32 flags;			/* CKPT_TIMERFD_* */
	__aligned_u64 value;		/* ns left, or the expiry if ABSTIME */
	__aligned_u64 interval;		/* ns, 0: one-shot */
	__aligned_u64 ticks;		/* expirations not yet read */
	__aligned_u64 now;		/* CLOCK_REALTIME at the checkpoint, ns */
};

/*
 * CKPT_HDR_EPOLL: follows the file record of a CKPT_FILE_EPOLL file:
 * its interest list.  Each item names its target file (CKPT_OBJ_FILE,
 * saved before the epoll's file record, so shared files and nested
 * epolls stay shared), the fd number it was added with, its events
 * (EPOLL* bits as epoll_ctl(2) left them: a one-shot item that fired
 * has none but EPOLLONESHOT and the other flags) and its data.
 */
struct ckpt_epoll_item {
	__s32 file_objref;		/* CKPT_OBJ_FILE */
	__s32 fd;
	__u32 events;			/* EPOLLIN, ..., EPOLLET, EPOLLONESHOT */
	__u32 __pad;
	__aligned_u64 data;		/* epoll_event.data */
};

struct ckpt_hdr_epoll {
	struct ckpt_hdr h;
	__u32 nr_items;
	__u32 __pad;
	struct ckpt_epoll_item items[];	/* nr_items entries */
};

/*
 * CKPT_HDR_INOTIFY: follows the file record of a CKPT_FILE_INOTIFY
 * file: its watches, in increasing wd order, each a struct
 * ckpt_inotify_watch then path_len bytes of the watched inode's
 * absolute path (as the paths of files are), NUL included, then
 * padding to 8 bytes.  mask is as inotify_add_watch(2) took it:
 * IN_* events, IN_ONESHOT and IN_EXCL_UNLINK.  next_wd is where the
 * search for the next watch descriptor starts (inotify_add_watch(2)
 * gives the lowest free wd from there, wrapping to 1).  Restart
 * watches each path again, without following a symbolic link at its
 * end, with the same wd.  Watches of inodes that have no name left are
 * not supported.
 */
#define CKPT_INOTIFY_MASK	0x84000fff	/* IN_ALL_EVENTS | IN_EXCL_UNLINK | IN_ONESHOT */

struct ckpt_inotify_watch {
	__s32 wd;			/* >= 1 */
	__u32 mask;			/* CKPT_INOTIFY_MASK bits */
	__u32 path_len;			/* with the NUL */
	__u32 __pad;
};

struct ckpt_hdr_inotify {
	struct ckpt_hdr h;
	__u32 nr_watches;
	__u32 next_wd;			/* the idr cursor, 0 .. 2^31 */
	/* nr_watches entries: struct ckpt_inotify_watch, path, padding */
};

/*
 * CKPT_HDR_INOTIFY_EVENTS: follows CKPT_HDR_INOTIFY: the events queued
 * and not yet read, in order, each a struct ckpt_inotify_event then
 * name_len bytes of name (no NUL), then padding to 8 bytes.  mask is
 * what read(2) reports (IN_* events, IN_ISDIR, IN_UNMOUNT, IN_IGNORED);
 * the queue-overflow event is IN_Q_OVERFLOW with wd -1 and no name.
 * Restart queues them again before it adds the watches.
 */
#define CKPT_INOTIFY_EVENTS_MAX	1048576
#define CKPT_INOTIFY_NAME_MAX	255	/* NAME_MAX */

struct ckpt_inotify_event {
	__s32 wd;
	__u32 mask;
	__u32 cookie;
	__u32 name_len;			/* without a NUL; 0: no name */
};

struct ckpt_hdr_inotify_events {
	struct ckpt_hdr h;
	__u32 nr_events;
	__u32 __pad;
	/* nr_events entries: struct ckpt_inotify_event, name, padding */
};

/* CKPT_HDR_FS: cwd, root and umask (object CKPT_OBJ_FS) */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 umask;
	__u32 cwd_len;			/* with the NUL */
	__u32 root_len;			/* with the NUL */
	__u32 __pad;
	/* cwd, then root, then padding */
};

/*
 * CKPT_HDR_SIGHAND: the signal handlers (object CKPT_OBJ_SIGHAND), one
 * entry per signal 1..nr.
 */
struct ckpt_sigaction {
	__aligned_u64 handler;
	__aligned_u64 flags;
	__aligned_u64 restorer;
	__aligned_u64 mask;
};

struct ckpt_hdr_sighand {
	struct ckpt_hdr h;
	__u32 nr;			/* _NSIG */
	__u32 __pad;
	struct ckpt_sigaction action[];
};

/*
 * CKPT_HDR_SIGNAL: the thread group's signal state (object
 * CKPT_OBJ_SIGNAL): its rlimits; the shared pending signals follow as a
 * CKPT_HDR_SIGPENDING record, then its timers as CKPT_HDR_TIMERS.
 */
#define CKPT_RLIM_NLIMITS	16

struct ckpt_rlimit {
	__aligned_u64 cur;
	__aligned_u64 max;
};

struct ckpt_hdr_signal {
	struct ckpt_hdr h;
	__u32 nr_rlim;			/* RLIM_NLIMITS */
	__u32 __pad;
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
};

/*
 * CKPT_HDR_TASK_SIGNAL: the task's blocked mask and alternate signal
 * stack; its private pending signals follow as CKPT_HDR_SIGPENDING.
 */
struct ckpt_hdr_task_signal {
	struct ckpt_hdr h;
	__aligned_u64 blocked;
	__aligned_u64 sas_ss_sp;
	__aligned_u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 __pad;
};

/*
 * CKPT_HDR_SIGPENDING: queued signals, each with its siginfo in the
 * 128-byte user siginfo_t layout, and the pending set (signals pending
 * without a queued siginfo are in the set only).  The signal of a POSIX
 * timer is not among them: its CKPT_HDR_TIMERS entry says it is pending.
 */
struct ckpt_siginfo {
	__u32 signo;
	__u32 __pad;
	__u8 info[128];			/* siginfo_t */
};

struct ckpt_hdr_sigpending {
	struct ckpt_hdr h;
	__aligned_u64 signal;		/* pending set, bit n-1 for signal n */
	__u32 nr_pending;
	__u32 __pad;
	struct ckpt_siginfo siginfo[];
};

/*
 * CKPT_HDR_TIMERS: the thread group's timers, the last record of its
 * signal state (after the shared CKPT_HDR_SIGPENDING): the interval
 * timers of setitimer(2), and nr_timers POSIX timers of timer_create(2)
 * sorted by id.  Times are relative: what was left when the checkpoint
 * was taken, in ns, armed again from the moment the task is restored.
 */
#define CKPT_ITIMER_REAL	0	/* ITIMER_REAL */
#define CKPT_ITIMER_VIRTUAL	1	/* ITIMER_VIRTUAL */
#define CKPT_ITIMER_PROF	2	/* ITIMER_PROF */
#define CKPT_ITIMER_NR		3

struct ckpt_itimer {
	__aligned_u64 value;		/* ns left, as getitimer(2); 0: disarmed */
	__aligned_u64 interval;		/* ns */
};

/* A POSIX timer's flags */
#define CKPT_TIMER_PENDING	0x1	/* its signal is queued */
#define CKPT_TIMER_REARM	0x2	/* it restarts when that is delivered */

#define CKPT_POSIX_TIMERS_MAX	65536

/*
 * A timer on a CPU-time clock (CLOCK_PROCESS_CPUTIME_ID, _THREAD_CPUTIME_ID,
 * clock_getcpuclockid(3), pthread_getcpuclockid(3)) counts the time of its
 * own thread group or of one of its threads; its clock is the kernel's
 * encoding with pid 0, one of these, and a thread clock names its thread
 * in clock_tid.  The time left is CPU time, armed again from the CPU time
 * the restored task has used.
 */
#define CKPT_CPUCLOCK_PROF	(-8)	/* process: user + system time */
#define CKPT_CPUCLOCK_VIRT	(-7)	/* process: user time */
#define CKPT_CPUCLOCK_SCHED	(-6)	/* process: CLOCK_PROCESS_CPUTIME_ID */
#define CKPT_CPUCLOCK_THREAD	0x4	/* or'ed in: the thread's time */

struct ckpt_posix_timer {
	__s32 id;			/* timer_t */
	__s32 clock;			/* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME, _TAI,
					 * or a CPU-time clock (see above) */
	__s32 notify;			/* SIGEV_SIGNAL, _NONE, _THREAD, _THREAD_ID */
	__s32 signo;			/* sigev_signo */
	__aligned_u64 sigval;		/* sigev_value */
	__s32 tid;			/* SIGEV_THREAD_ID: its thread, as in the tree */
	__u32 flags;			/* CKPT_TIMER_* */
	__aligned_u64 value;		/* ns left, as timer_gettime(2); 0: disarmed */
	__aligned_u64 interval;		/* ns */
	__s64 overrun;			/* expiries its next signal reports, -1: none */
	__s64 overrun_last;		/* timer_getoverrun(2) */
	__s32 queued_overrun;		/* counted on its queued signal */
	__s32 clock_tid;		/* CPU-time thread clock: its thread, as in the tree */
};

struct ckpt_hdr_timers {
	struct ckpt_hdr h;
	struct ckpt_itimer itimer[CKPT_ITIMER_NR];
	__u32 next_id;			/* the id timer_create(2) gives next */
	__u32 nr_timers;
	struct ckpt_posix_timer timers[];
};

/*
 * CKPT_HDR_SOCKET: a Unix domain socket (object CKPT_OBJ_SOCK), keyed
 * by its struct socket; the file that holds it is a CKPT_FILE_SOCKET
 * record naming it in obj_objref.  addr_len bytes of bound address (a
 * struct sockaddr_un: sun_path starts with NUL for an abstract name)
 * follow the fixed part, then path_len bytes of the socket's node as an
 * absolute path with its NUL (path names only), then padding.  Restart
 * binds the socket to that node again if it exists and no socket is
 * bound to it, else makes it with node_mode.  An accepted socket, which
 * only shares its listener's address, is saved unbound.  Then
 * the socket's receive queue (CKPT_HDR_SOCKET_QUEUE), then, for a
 * listening socket, the objects of the clients of its pending
 * connections and its listen queue (CKPT_HDR_SOCKET_LISTENQ).
 *
 * Of two connected sockets, the first in the image names its peer
 * peer_objref 0 and the second names the first: the second connects
 * them when it is restored, and refills both receive queues by sending
 * each through the other.  A datagram socket connected to a socket that
 * is not connected back (CKPT_SOCK_SENDS_TO) names it in peer_objref:
 * that one comes first, and is bound.
 */
#define CKPT_SOCK_UNCONNECTED	1	/* bound or not; no peer */
#define CKPT_SOCK_LISTEN	2	/* listening, see CKPT_HDR_SOCKET_LISTENQ */
#define CKPT_SOCK_CONNECTED	3	/* to peer_objref (0: it names us) */
#define CKPT_SOCK_ORPHAN	4	/* its peer was closed */
#define CKPT_SOCK_CONNECTING	5	/* a pending connection: its listener connects it */
#define CKPT_SOCK_SENDS_TO	6	/* datagram: to peer_objref, not connected back */

#define CKPT_SOCK_PASSCRED	0x1	/* SO_PASSCRED */
#define CKPT_SOCK_PASSSEC	0x2	/* SO_PASSSEC */
#define CKPT_SOCK_PASSPIDFD	0x4	/* SO_PASSPIDFD */
#define CKPT_SOCK_SNDBUF	0x8	/* sndbuf set by SO_SNDBUF */
#define CKPT_SOCK_RCVBUF	0x10	/* rcvbuf set by SO_RCVBUF */

#define CKPT_SOCK_RCV_SHUTDOWN	0x1	/* shutdown(2) state */
#define CKPT_SOCK_SEND_SHUTDOWN	0x2

#define CKPT_SOCK_ADDR_MAX	110	/* sizeof(struct sockaddr_un) */

struct ckpt_hdr_socket {
	struct ckpt_hdr h;
	__u16 family;			/* AF_UNIX */
	__u16 type;			/* SOCK_STREAM, _DGRAM, _SEQPACKET */
	__u32 state;			/* CKPT_SOCK_* */
	__u32 flags;			/* CKPT_SOCK_PASSCRED ... */
	__u32 shutdown;			/* CKPT_SOCK_*_SHUTDOWN */
	__s32 peer_objref;		/* CKPT_OBJ_SOCK, or 0 */
	__s32 err;			/* pending error (SO_ERROR), positive */
	__u32 sndbuf;			/* SO_SNDBUF as getsockopt(2) says */
	__u32 rcvbuf;			/* SO_RCVBUF */
	__u32 backlog;			/* listen(2) backlog */
	__u32 addr_len;			/* 0: not bound */
	__u32 path_len;			/* with the NUL; 0: no node */
	__u32 node_mode;		/* the node's permissions */
};

/*
 * CKPT_HDR_SOCKET_QUEUE: the messages in a socket's receive queue, in
 * order: nr_msgs struct ckpt_sock_msg, then the data of every message
 * in order, then padding.  A stream socket's messages are its data in
 * the chunks it was queued in (a partly read one without the part
 * read).  sender_objref names the socket a datagram came from (restart
 * sends it from there), 0 for the peer or for an unbound sender that is
 * gone (restart sends it from a new unbound socket).
 */
#define CKPT_SOCK_QUEUE_MAX	(8 << 20)	/* bytes in one queue */
#define CKPT_SOCK_MSGS_MAX	65536

struct ckpt_sock_msg {
	__u32 len;
	__s32 sender_objref;		/* CKPT_OBJ_SOCK, or 0 */
};

struct ckpt_hdr_socket_queue {
	struct ckpt_hdr h;
	__u32 nr_msgs;
	__u32 __pad;
	__aligned_u64 data_len;		/* sum of the messages' len */
};

/*
 * CKPT_HDR_SOCKET_LISTENQ: the pending connections of a listening
 * socket, in the order accept(2) returns them: the client socket of
 * each (CKPT_SOCK_CONNECTING, restored before; 0 if the client was
 * closed), then, as a CKPT_HDR_SOCKET_QUEUE record per connection, the
 * data the client sent that the connection holds.  Restart connects
 * each client to the listener again, in order, and resends the data.
 */
struct ckpt_listenq_ent {
	__s32 client_objref;		/* CKPT_OBJ_SOCK, or 0: closed */
	__u32 __pad;
};

struct ckpt_hdr_socket_listenq {
	struct ckpt_hdr h;
	__u32 nr_conns;
	__u32 __pad;
	struct ckpt_listenq_ent conns[];
};

/*
 * CKPT_HDR_SOCKET_FDS: the files in flight (SCM_RIGHTS) with one
 * message of a socket's receive queue: the msg'th of its
 * CKPT_HDR_SOCKET_QUEUE record, len bytes long, carries nr_fds files,
 * in the order recvmsg(2) installs them.  These records follow the
 * CKPT_HDR_FILE record of the socket's file, one per message that
 * carries files, in the order of the queue; the objects of the files
 * come before that CKPT_HDR_FILE record.  Each file is named by its
 * CKPT_OBJ_FILE, or, for a Unix socket's file, by that socket's
 * CKPT_OBJ_SOCK: a socket's file may still be being restored when the
 * record is read (a socket sent over itself or over its peer), and is
 * attached once it is made.
 */
#define CKPT_SOCK_FD_FILE	1	/* objref is a CKPT_OBJ_FILE */
#define CKPT_SOCK_FD_SOCK	2	/* objref is a CKPT_OBJ_SOCK: its file */

struct ckpt_sock_fd {
	__s32 objref;
	__u32 kind;			/* CKPT_SOCK_FD_* */
};

struct ckpt_hdr_socket_fds {
	struct ckpt_hdr h;
	__u32 msg;			/* index in the receive queue */
	__u32 len;			/* that message's length */
	__u32 nr_fds;			/* 1 .. SCM_MAX_FD (253) */
	__u32 __pad;
	struct ckpt_sock_fd fds[];
};

/*
 * CKPT_HDR_TTY: a Unix98 pseudo-terminal pair (object CKPT_OBJ_TTY),
 * keyed by its master.  The files on it are CKPT_FILE_TTY records that
 * name it in obj_objref; their rdev says which end: 5:2 the master
 * (ptmx), 5:0 /dev/tty (the slave, as the controlling tty), else the
 * slave.  The path of the ptmx device that made the pair follows the
 * fixed part (ptmx_len bytes, NUL included): restart opens it to make
 * a new pair in the same devpts instance, so the slave's index may
 * differ (index is only informative).  Two CKPT_HDR_TTY_DATA records
 * follow, the master's input first, then the slave's.
 */
#define CKPT_TTY_NCCS		19

struct ckpt_termios {
	__u32 c_iflag;
	__u32 c_oflag;
	__u32 c_cflag;
	__u32 c_lflag;
	__u32 c_ispeed;
	__u32 c_ospeed;
	__u8 c_line;
	__u8 c_cc[CKPT_TTY_NCCS];
	__u8 __pad[4];
};

struct ckpt_winsize {
	__u16 ws_row;
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
};

#define CKPT_TTY_LOCKED		0x1	/* TIOCSPTLCK: the slave cannot be opened */
#define CKPT_TTY_PACKET		0x2	/* TIOCPKT on the master */
#define CKPT_TTY_SLAVE_CLOSED	0x4	/* every file of the slave was closed */
#define CKPT_TTY_FLAGS		0x7

struct ckpt_hdr_tty {
	struct ckpt_hdr h;
	__u32 index;			/* /dev/pts/N at checkpoint */
	__u32 flags;			/* CKPT_TTY_* */
	__u32 pktstatus;		/* TIOCPKT_* status not read yet */
	__u32 ptmx_len;			/* with the NUL */
	struct ckpt_winsize winsize;
	struct ckpt_termios master_termios;	/* informative: the driver's */
	struct ckpt_termios slave_termios;
};

/*
 * CKPT_HDR_TTY_DATA: the input a pty end's N_TTY line discipline holds
 * and was not read yet (the master's: what the slave wrote; the
 * slave's: what the master wrote), as processed already: len bytes,
 * then a bitmap of DIV_ROUND_UP(len, 8) bytes (bit i of byte i / 8
 * set: byte i ends a line), then padding.
 */
#define CKPT_TTY_MASTER		0
#define CKPT_TTY_SLAVE		1
#define CKPT_TTY_DATA_MAX	4096

struct ckpt_hdr_tty_data {
	struct ckpt_hdr h;
	__u32 side;			/* CKPT_TTY_MASTER or _SLAVE */
	__u32 len;
};

/*
 * CKPT_HDR_CTTY: ends a CKPT_OBJ_SIGNAL object whose process has a pty
 * of the image as its controlling tty: the pair, whose slave it is,
 * and the tty's foreground process group as seen in the process's pid
 * namespace (0: the process's own).  A process whose controlling tty
 * is no pty of the image (a console, a pty whose master is not saved)
 * has no such record and keeps the one restart gives it.
 */
struct ckpt_hdr_ctty {
	struct ckpt_hdr h;
	__s32 tty_objref;		/* CKPT_OBJ_TTY */
	__s32 pgrp;
};

#endif /* _UAPI_LINUX_CHECKPOINT_HDR_H */
