// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo - print and check a checkpoint image
 *
 *   ckptinfo [--json] [-v] [FILE]
 *
 * Reads the image (stdin without FILE) strictly sequentially, prints
 * every record with its salient fields and checks the image against
 * include/uapi/linux/checkpoint_hdr.h: record lengths, counts against
 * lengths, the order of objects and their references, page runs
 * against the address space's VMAs.  A malformed image is reported
 * with the offset of the faulty record after all that could be
 * printed, and ckptinfo exits with status 1.
 *
 * Nothing is allocated from a length read from the image: variable
 * parts are read entry by entry and page data is streamed through a
 * small buffer.  The only memory that grows is one byte per object and
 * 16 bytes per VMA of the current address space, bounded by the input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/checkpoint.h>

#include "common.h"
#include "image.h"

#define NSIG_MAX	64		/* _NSIG */
/* Bounds of an FPU record's XSAVE buffer, as restart(2) has them */
#define FPU_SIZE_MIN	576		/* legacy area and XSAVE header */
#define FPU_SIZE_MAX	(64 * 1024)	/* CKPT_XSTATE_MAX */
#define FPU_XSTATE_BV	64		/* word of XSTATE_BV: byte 512 */

static bool json;
static int verbose;

/* ---------------------------------------------------------------------
 * Output: one emitter for both text and JSON.
 *
 * Text: one line per record ("offset type len field=value ..."), with
 * the entries of a list (tasks, fds, runs, ...) on lines of their own.
 * JSON: one document; records are objects in the "records" array.
 */
#define JSON_DEPTH	16

static struct {
	int depth;
	bool first[JSON_DEPTH];	/* no member emitted yet at this depth */
	char close[JSON_DEPTH];	/* '}' or ']' */
	bool line_open;		/* text: a line waits for its '\n' */
	int indent;		/* text: indentation of continuation lines */
} out;

#define TEXT_INDENT	35	/* where fields start on continuation lines */

static void json_str(const char *s, size_t maxlen)
{
	size_t i;

	putchar('"');
	for (i = 0; i < maxlen && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_sep(void)
{
	if (!out.first[out.depth])
		putchar(',');
	out.first[out.depth] = false;
}

static void json_key(const char *key)
{
	json_sep();
	if (key) {
		json_str(key, strlen(key));
		putchar(':');
	}
}

static void json_open(const char *key, char open, char close)
{
	json_key(key);
	putchar(open);
	if (out.depth + 1 < JSON_DEPTH)
		out.depth++;
	out.first[out.depth] = true;
	out.close[out.depth] = close;
}

static void json_close(void)
{
	if (out.depth <= 0)
		return;
	putchar(out.close[out.depth]);
	out.depth--;
}

/* Text: start a continuation line for more fields */
static void text_nl(void)
{
	if (json)
		return;
	printf("\n%*s", out.indent, "");
}

static void text_end_line(void)
{
	if (!json && out.line_open) {
		putchar('\n');
		out.line_open = false;
	}
}

static void f_u(const char *key, uint64_t v)
{
	if (json) {
		json_key(key);
		printf("%" PRIu64, v);
	} else {
		printf(" %s=%" PRIu64, key, v);
	}
}

static void f_i(const char *key, int64_t v)
{
	if (json) {
		json_key(key);
		printf("%" PRId64, v);
	} else {
		printf(" %s=%" PRId64, key, v);
	}
}

static void f_x(const char *key, uint64_t v)
{
	if (json) {
		json_key(key);
		printf("\"0x%" PRIx64 "\"", v);
	} else {
		printf(" %s=0x%" PRIx64, key, v);
	}
}

/* A string field of the image: bounded, escaped */
static void f_s(const char *key, const char *s, size_t maxlen)
{
	char buf[4 * 256 + 1];
	size_t n = strnlen(s, maxlen);

	if (json) {
		json_key(key);
		json_str(s, maxlen);
		return;
	}
	printf(" %s=\"", key);
	while (n) {
		size_t chunk = n > 256 ? 256 : n;

		ckpt_str(buf, s, chunk);
		fputs(buf, stdout);
		s += chunk;
		n -= chunk;
	}
	putchar('"');
}

/* A word of our own: a name, "ok", ... */
static void f_w(const char *key, const char *word)
{
	if (json) {
		json_key(key);
		json_str(word, strlen(word));
	} else {
		printf(" %s=%s", key, word);
	}
}

static void f_bool(const char *key, bool v)
{
	if (json) {
		json_key(key);
		fputs(v ? "true" : "false", stdout);
	} else {
		printf(" %s=%s", key, v ? "yes" : "no");
	}
}

struct flag_name {
	uint64_t bit;
	const char *name;
};

/* Flags: text "key=0x3(A|B)", JSON "key":"0x3","key_names":["A","B"] */
static void f_flags(const char *key, uint64_t v, const struct flag_name *names)
{
	uint64_t rest = v;
	bool first = true;
	char nkey[64];
	int i;

	f_x(key, v);
	if (json) {
		snprintf(nkey, sizeof(nkey), "%s_names", key);
		json_open(nkey, '[', ']');
	} else if (v) {
		putchar('(');
	}
	for (i = 0; names[i].name; i++) {
		if (!(v & names[i].bit))
			continue;
		rest &= ~names[i].bit;
		if (json) {
			json_key(NULL);
			json_str(names[i].name, strlen(names[i].name));
		} else {
			printf("%s%s", first ? "" : "|", names[i].name);
		}
		first = false;
	}
	if (json) {
		if (rest) {
			json_key(NULL);
			printf("\"0x%" PRIx64 "\"", rest);
		}
		json_close();
	} else if (v) {
		if (rest)
			printf("%s0x%" PRIx64, first ? "" : "|", rest);
		putchar(')');
	}
}

static void rec_begin(uint64_t off, uint32_t type, uint32_t len)
{
	const char *name = ckpt_hdr_name(type);

	if (json) {
		if (!out.first[out.depth])
			putchar(',');
		out.first[out.depth] = true;
		putchar('\n');		/* a record per line */
		json_open(NULL, '{', '}');
		f_u("offset", off);
		f_w("type", name ? name : "unknown");
		f_u("type_id", type);
		f_u("len", len);
		return;
	}
	if (name)
		printf("%10" PRIu64 "  %-12s %9u ", off, name, len);
	else
		printf("%10" PRIu64 "  %-12s %9u  type=%u", off, "unknown", len,
		       type);
	out.line_open = true;
	out.indent = TEXT_INDENT;
}

static void rec_end(void)
{
	if (json)
		json_close();
	else
		text_end_line();
}

static void list_begin(const char *key)
{
	if (json)
		json_open(key, '[', ']');
}

static void list_end(void)
{
	if (json)
		json_close();
}

static void item_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An entry of a list: text on a line of its own, after its label */
static void item_begin(const char *fmt, ...)
{
	va_list ap;

	if (json) {
		json_open(NULL, '{', '}');
		return;
	}
	printf("\n%*s", TEXT_INDENT + 2, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar(':');
}

static void item_end(void)
{
	if (json)
		json_close();
}

/* ---------------------------------------------------------------------
 * Input and errors
 */
struct reader {
	int fd;
	const char *name;
	uint64_t off;		/* bytes consumed */
	uint64_t size;		/* a regular file's size from its start */
	bool size_known;
	bool eof;
};

static struct reader in;

/* The first problem found; reading stops there */
static char error_msg[512];
static uint64_t error_off;
static bool have_error;

/* Offset and type of the record being read, for messages */
static uint64_t cur_off;
static uint32_t cur_type, cur_len;

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a malformed image at the current record; returns -1 */
static int bad(const char *fmt, ...)
{
	const char *name = ckpt_hdr_name(cur_type);
	va_list ap;
	int n;

	if (have_error)
		return -1;
	have_error = true;
	error_off = cur_off;
	if (name)
		n = snprintf(error_msg, sizeof(error_msg), "%s record at offset %" PRIu64 ": ",
			     name, cur_off);
	else
		n = snprintf(error_msg, sizeof(error_msg), "record at offset %" PRIu64 ": ",
			     cur_off);
	va_start(ap, fmt);
	vsnprintf(error_msg + n, sizeof(error_msg) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Report a problem that is not about one record */
static int bad_image(uint64_t off, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad_image(uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (have_error)
		return -1;
	have_error = true;
	error_off = off;
	va_start(ap, fmt);
	vsnprintf(error_msg, sizeof(error_msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "ckptinfo: %s: warning: record at offset %" PRIu64 ": ",
		in.name, cur_off);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Read @len bytes.  Returns 1 if all were read, 0 at a clean end of
 * input before any byte, -1 on truncation or error (reported).
 */
static int rd(void *buf, size_t len)
{
	ssize_t n = read_full(in.fd, buf, len);

	if (n < 0)
		return bad_image(in.off, "read error at offset %" PRIu64 ": %s",
				 in.off, strerror(errno));
	in.off += n;
	if ((size_t)n == len)
		return 1;
	in.eof = true;
	if (n == 0 && in.off == cur_off)
		return 0;
	return bad("truncated: the input ends at offset %" PRIu64
		   " inside this record (len %u)", in.off, cur_len);
}

/* Read exactly @len bytes of the current record, or fail */
static int rd_must(void *buf, size_t len)
{
	int ret = rd(buf, len);

	if (ret == 0)
		ret = bad("truncated: the input ends at offset %" PRIu64
			  " inside this record (len %u)", in.off, cur_len);
	return ret < 0 ? -1 : 0;
}

/*
 * Skip @len bytes: seek in a regular file whose size covers them (the
 * record's length was checked against it), else read through a small
 * buffer.
 */
static int skip(uint64_t len)
{
	static char buf[65536];

	if (in.size_known && in.off <= in.size && len <= in.size - in.off &&
	    lseek(in.fd, len, SEEK_CUR) >= 0) {
		in.off += len;
		return 0;
	}
	while (len) {
		size_t n = len > sizeof(buf) ? sizeof(buf) : len;

		if (rd_must(buf, n))
			return -1;
		len -= n;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * What the image told so far, to check what follows against it
 */
static struct {
	struct ckpt_hdr_header hdr;
	struct ckpt_hdr_header_arch arch;
	uint64_t records;
	uint32_t tree_tasks;		/* from TREE */
	uint32_t tree_zombies;		/* of them, with no records */
	uint32_t tree_newuts;		/* of them, with CKPT_PIDS_NEWUTS */
	uint32_t tree_newipc;		/* of them, with CKPT_PIDS_NEWIPC */
	uint32_t ipcns_seen;		/* IPCNS records */
	/* the SysV IPC objects the IPCNS read last still announces */
	uint32_t ipc_left[3];		/* shm, sem, msg */
	int32_t *tree_pids;		/* their pids */
	bool have_tree, have_pidns;
	bool ghosts_ok;			/* a PIDNS_GHOSTS may come: PIDNS came last */
	uint32_t pidns_nr;		/* nested pid namespaces */
	uint32_t *pidns_level;		/* namespace k's level at k - 1 */
	uint64_t tasks;			/* TASK records */
	uint64_t vmas, pages, page_bytes;
	uint64_t obj_count[CKPT_OBJ_MAX];

	/*
	 * objref n at objs[n - 1]: its type, whether its record came, and
	 * for a pipe whether it is a named FIFO's
	 */
	struct obj { uint8_t type; bool done, fifo; } *objs;
	int32_t cur_obj;		/* the object whose record is read */
	size_t nr_objs, cap_objs;

	/*
	 * Objects whose OBJ record came but not yet their own record: the
	 * objects an object holds (the files of an fd table or of an
	 * address space) come between its OBJ record and its own.
	 */
	int32_t *open;
	size_t nr_open, cap_open;

	uint32_t expect;		/* record type that must come next */
	const char *expect_why;
	bool timers_next;		/* the SIGPENDING of a SIGNAL: TIMERS next */

	/* Sockets: the QUEUE after a SOCKET, a listener's LISTENQ, its QUEUEs */
	bool sock_listen;		/* the SOCKET read last is listening */
	bool listenq_next;		/* a SOCKET_LISTENQ is due */
	int tty_data_next;		/* side of the TTY_DATA due, or -1 */
	bool ctty_ok;			/* a CTTY may come: TIMERS came last */
	uint32_t sock_backlog;
	uint32_t conns_left;		/* QUEUE records of the LISTENQ to come */
	bool sock_fds_ok;		/* a SOCKET_FDS may come: a socket file's */
	int64_t sock_fds_msg;		/* the last one's message */

	/* The address space being read: its VMAs, then its pages */
	bool holes_next;		/* an MM_HOLES record follows the MM */
	struct { uint64_t start, end; } *mm_vmas;
	size_t nr_mm_vmas, cap_mm_vmas;
	enum { PAGES_NONE, PAGES_MM, PAGES_SHMEM } pages_of;
	uint64_t shmem_size;		/* i_size of the shmem file */
	uint64_t pages_since;		/* offset of the record that opened it */

	bool seen_tail;
} img;

static int grow(void **p, size_t *cap, size_t nr, size_t size)
{
	size_t ncap;
	void *np;

	if (nr < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 64;
	np = realloc(*p, ncap * size);
	if (!np)
		return bad("out of memory");
	*p = np;
	*cap = ncap;
	return 0;
}

/* An OBJ record: the object is open until its own record comes */
static int add_obj(uint32_t objtype)
{
	if (grow((void **)&img.objs, &img.cap_objs, img.nr_objs,
		 sizeof(*img.objs)) ||
	    grow((void **)&img.open, &img.cap_open, img.nr_open,
		 sizeof(*img.open)))
		return -1;
	img.objs[img.nr_objs].type = objtype;
	img.objs[img.nr_objs].done = false;
	img.objs[img.nr_objs].fifo = false;
	img.nr_objs++;
	img.open[img.nr_open++] = img.nr_objs;
	img.obj_count[objtype]++;
	return 0;
}

/* Check an objref field: 0 allowed with @may_be_0, else an earlier object of @objtype */
static int check_ref(const char *field, int32_t ref, uint32_t objtype,
		     bool may_be_0)
{
	if (!ref && may_be_0)
		return 0;
	if (ref <= 0 || (size_t)ref > img.nr_objs || !img.objs[ref - 1].done)
		return bad("%s %d does not name an earlier object", field, ref);
	if (img.objs[ref - 1].type != objtype)
		return bad("%s %d is a %s object, not a %s", field, ref,
			   ckpt_obj_name(img.objs[ref - 1].type),
			   ckpt_obj_name(objtype));
	return 0;
}

static uint64_t round8(uint64_t n)
{
	return (n + 7) & ~7ULL;
}

/* The record must be exactly @want bytes long */
static int check_len(uint64_t want)
{
	if (cur_len != want)
		return bad("length %u, expected %" PRIu64, cur_len, want);
	return 0;
}

/* ---------------------------------------------------------------------
 * Names
 */
static const struct flag_name uflags_names[] = {
	{ CHECKPOINT_SUBTREE, "SUBTREE" },
	{ CHECKPOINT_NETNS, "NETNS" },
	{ 0, NULL }
};

static const struct flag_name xfeature_names[] = {
	{ 1 << 0, "x87" }, { 1 << 1, "SSE" }, { 1 << 2, "AVX" },
	{ 1 << 3, "BNDREGS" }, { 1 << 4, "BNDCSR" }, { 1 << 5, "OPMASK" },
	{ 1 << 6, "ZMM_Hi256" }, { 1 << 7, "Hi16_ZMM" }, { 1 << 8, "PT" },
	{ 1 << 9, "PKRU" }, { 1 << 10, "PASID" }, { 1 << 11, "CET_U" },
	{ 1 << 12, "CET_S" }, { 1 << 17, "AMX_TILECFG" },
	{ 1 << 18, "AMX_TILEDATA" },
	{ 0, NULL }
};

static const struct flag_name pids_names[] = {
	{ CKPT_PIDS_ROOT, "ROOT" },
	{ CKPT_PIDS_THREAD, "THREAD" },
	{ CKPT_PIDS_ZOMBIE, "ZOMBIE" },
	{ CKPT_PIDS_NEWUTS, "NEWUTS" },
	{ CKPT_PIDS_NEWIPC, "NEWIPC" },
	{ 0, NULL }
};

static const struct flag_name task_names[] = {
	{ CKPT_TASK_STOPPED, "STOPPED" },
	{ CKPT_TASK_FROZEN, "FROZEN" },
	{ CKPT_TASK_SELF, "SELF" },
	{ CKPT_TASK_NO_NEW_PRIVS, "NO_NEW_PRIVS" },
	{ 0, NULL }
};

static const struct flag_name vm_names[] = {
	{ CKPT_VM_READ, "READ" }, { CKPT_VM_WRITE, "WRITE" },
	{ CKPT_VM_EXEC, "EXEC" }, { CKPT_VM_SHARED, "SHARED" },
	{ CKPT_VM_MAYREAD, "MAYREAD" }, { CKPT_VM_MAYWRITE, "MAYWRITE" },
	{ CKPT_VM_MAYEXEC, "MAYEXEC" }, { CKPT_VM_MAYSHARE, "MAYSHARE" },
	{ CKPT_VM_GROWSDOWN, "GROWSDOWN" }, { CKPT_VM_LOCKED, "LOCKED" },
	{ CKPT_VM_SEQ_READ, "SEQ_READ" }, { CKPT_VM_RAND_READ, "RAND_READ" },
	{ CKPT_VM_DONTCOPY, "DONTCOPY" }, { CKPT_VM_DONTDUMP, "DONTDUMP" },
	{ CKPT_VM_WIPEONFORK, "WIPEONFORK" },
	{ CKPT_VM_HUGEPAGE, "HUGEPAGE" }, { CKPT_VM_NOHUGEPAGE, "NOHUGEPAGE" },
	{ CKPT_VM_NORESERVE, "NORESERVE" },
	{ CKPT_VM_LOCKONFAULT, "LOCKONFAULT" },
	{ CKPT_VM_INHERIT, "INHERIT" },
	{ 0, NULL }
};

/* open(2) flags as the kernel stores them in f_flags (x86-64 values) */
static const struct flag_name open_names[] = {
	{ 01, "WRONLY" }, { 02, "RDWR" }, { 0100, "CREAT" }, { 0200, "EXCL" },
	{ 0400, "NOCTTY" }, { 01000, "TRUNC" }, { 02000, "APPEND" },
	{ 04000, "NONBLOCK" }, { 010000, "DSYNC" }, { 020000, "ASYNC" },
	{ 040000, "DIRECT" }, { 0100000, "LARGEFILE" },
	{ 0200000, "DIRECTORY" }, { 0400000, "NOFOLLOW" },
	{ 01000000, "NOATIME" }, { 02000000, "CLOEXEC" },
	{ 04000000, "SYNC" }, { 010000000, "PATH" },
	{ 0, NULL }
};

static const struct flag_name fd_names[] = {
	{ CKPT_FD_CLOEXEC, "CLOEXEC" },
	{ 0, NULL }
};

static const char *const vma_types[] = {
	[CKPT_VMA_ANON] = "ANON", [CKPT_VMA_FILE] = "FILE",
	[CKPT_VMA_SHMEM] = "SHMEM", [CKPT_VMA_VDSO] = "VDSO",
	[CKPT_VMA_VVAR] = "VVAR", [CKPT_VMA_SYSVSHM] = "SYSVSHM",
};

static const char *const file_types[] = {
	[CKPT_FILE_REGULAR] = "REGULAR", [CKPT_FILE_DIR] = "DIR",
	[CKPT_FILE_CHRDEV] = "CHRDEV", [CKPT_FILE_SHMEM] = "SHMEM",
	[CKPT_FILE_PIPE] = "PIPE", [CKPT_FILE_FIFO] = "FIFO",
	[CKPT_FILE_EVENTFD] = "EVENTFD", [CKPT_FILE_SIGNALFD] = "SIGNALFD",
	[CKPT_FILE_TIMERFD] = "TIMERFD", [CKPT_FILE_EPOLL] = "EPOLL",
	[CKPT_FILE_UNLINKED] = "UNLINKED",
	[CKPT_FILE_SOCKET] = "SOCKET",
	[CKPT_FILE_INOTIFY] = "INOTIFY",
	[CKPT_FILE_TTY] = "TTY",
};

static const struct flag_name tty_names[] = {
	{ CKPT_TTY_LOCKED, "LOCKED" }, { CKPT_TTY_PACKET, "PACKET" },
	{ CKPT_TTY_SLAVE_CLOSED, "SLAVE_CLOSED" },
	{ 0, NULL }
};

static const char *const sock_types[] = {
	[1] = "STREAM", [2] = "DGRAM", [5] = "SEQPACKET",
};

static const char *const sock_states[] = {
	[CKPT_SOCK_UNCONNECTED] = "UNCONNECTED", [CKPT_SOCK_LISTEN] = "LISTEN",
	[CKPT_SOCK_CONNECTED] = "CONNECTED", [CKPT_SOCK_ORPHAN] = "ORPHAN",
	[CKPT_SOCK_CONNECTING] = "CONNECTING", [CKPT_SOCK_SENDS_TO] = "SENDS_TO",
};

static const struct flag_name sock_flag_names[] = {
	{ CKPT_SOCK_PASSCRED, "PASSCRED" }, { CKPT_SOCK_PASSSEC, "PASSSEC" },
	{ CKPT_SOCK_PASSPIDFD, "PASSPIDFD" }, { CKPT_SOCK_SNDBUF, "SNDBUF" },
	{ CKPT_SOCK_RCVBUF, "RCVBUF" },
	{ 0, NULL }
};

static const struct flag_name sock_shutdown_names[] = {
	{ CKPT_SOCK_RCV_SHUTDOWN, "RCV" }, { CKPT_SOCK_SEND_SHUTDOWN, "SEND" },
	{ 0, NULL }
};

static const struct flag_name seal_names[] = {
	{ 0x1, "SEAL" }, { 0x2, "SHRINK" }, { 0x4, "GROW" }, { 0x8, "WRITE" },
	{ 0x10, "FUTURE_WRITE" }, { 0x20, "EXEC" },
	{ 0, NULL }
};

static const char *const lock_kinds[] = {
	[CKPT_LOCK_FLOCK] = "FLOCK", [CKPT_LOCK_OFD] = "OFD",
	[CKPT_LOCK_POSIX] = "POSIX", [CKPT_LOCK_LEASE] = "LEASE",
};

static const struct flag_name efd_names[] = {
	{ CKPT_EFD_SEMAPHORE, "SEMAPHORE" },
	{ 0, NULL }
};

static const struct flag_name timerfd_names[] = {
	{ CKPT_TIMERFD_ABSTIME, "ABSTIME" },
	{ CKPT_TIMERFD_CANCEL_ON_SET, "CANCEL_ON_SET" },
	{ CKPT_TIMERFD_ARMED, "ARMED" },
	{ CKPT_TIMERFD_CANCELED, "CANCELED" },
	{ 0, NULL }
};

/* EPOLL* bits (<sys/epoll.h> values) */
static const struct flag_name epoll_names[] = {
	{ 0x001, "IN" }, { 0x002, "PRI" }, { 0x004, "OUT" }, { 0x008, "ERR" },
	{ 0x010, "HUP" }, { 0x020, "NVAL" }, { 0x040, "RDNORM" },
	{ 0x080, "RDBAND" }, { 0x100, "WRNORM" }, { 0x200, "WRBAND" },
	{ 0x400, "MSG" }, { 0x2000, "RDHUP" }, { 1U << 28, "EXCLUSIVE" },
	{ 1U << 29, "WAKEUP" }, { 1U << 30, "ONESHOT" }, { 1U << 31, "ET" },
	{ 0, NULL }
};

#define EPOLL_KNOWN_BITS	0xf0002fffU

static const struct flag_name pipe_names[] = {
	{ CKPT_PIPE_FIFO, "FIFO" },
	{ 0, NULL }
};

static const char *const rlimit_names[CKPT_RLIM_NLIMITS] = {
	"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO",
	"RTTIME",
};

static const char *const signal_names[32] = {
	NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

#define SIGNAME_LEN	24

/* @sig is 1..NSIG_MAX */
static const char *sig_name(unsigned int sig, char *buf, size_t len)
{
	if (sig && sig < 32)
		snprintf(buf, len, "SIG%s", signal_names[sig]);
	else
		snprintf(buf, len, "SIGRTMIN+%u", (sig - 32) & 0xff);
	return buf;
}

/* A signal set: text "key=0x..(SIGINT|SIGTERM)", JSON with names */
static void f_sigset(const char *key, uint64_t set)
{
	struct flag_name names[NSIG_MAX + 1];
	char bufs[NSIG_MAX][SIGNAME_LEN];
	int i, n = 0;

	for (i = 0; i < NSIG_MAX; i++)
		if (set & (1ULL << i)) {
			names[n].bit = 1ULL << i;
			names[n].name = sig_name(i + 1, bufs[n], sizeof(bufs[n]));
			n++;
		}
	names[n].bit = 0;
	names[n].name = NULL;
	f_flags(key, set, names);
}

static const char *name_of(const char *const *names, size_t nr, uint32_t v)
{
	return v < nr && names[v] ? names[v] : NULL;
}

/* ---------------------------------------------------------------------
 * Records
 */
static int do_header(struct ckpt_hdr_header *h)
{
	char when[64] = "invalid", err[256];
	time_t t = (time_t)h->time;
	struct tm tm;
	int ret;

	ret = ckpt_check_header(h, cur_len, err, sizeof(err));
	f_w("magic", h->magic == CKPT_HEADER_MAGIC ? "ok" : "bad");
	if (h->magic != CKPT_HEADER_MAGIC) {
		f_x("magic_value", h->magic);
		return bad("%s", err);
	}
	f_u("format_version", h->format_version);
	f_w("arch", h->arch == CKPT_ARCH_X86_64 ? "x86_64" : "unknown");
	f_u("arch_id", h->arch);
	f_u("page_size", h->page_size);
	text_nl();
	f_s("release", h->release, sizeof(h->release));
	f_s("version", h->version, sizeof(h->version));
	f_s("machine", h->machine, sizeof(h->machine));
	text_nl();
	f_u("ckpt_id", h->ckpt_id);
	f_u("time", h->time);
	if ((int64_t)h->time >= 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	f_w("date", when);
	f_flags("flags", h->uflags, uflags_names);
	if (ret)
		return bad("%s", err);
	img.hdr = *h;
	return 0;
}

static int do_header_arch(struct ckpt_hdr_header_arch *a)
{
	f_flags("xfeatures", a->xfeatures_mask, xfeature_names);
	f_u("xstate_size", a->xstate_size);
	img.arch = *a;
	return 0;
}

/* CKPT_HDR_OBJ + objtype: the object takes the next objref */
static int do_obj(struct ckpt_hdr *h)
{
	uint32_t objtype = h->type - CKPT_HDR_OBJ;
	const char *name = ckpt_obj_name(objtype);

	f_w("objtype", name ? name : "unknown");
	f_u("objtype_id", objtype);
	f_u("objref", img.nr_objs + 1);
	if (!name || objtype == CKPT_OBJ_IGNORE)
		return bad("unknown object type %u", objtype);
	if (img.nr_objs >= INT32_MAX)
		return bad("too many objects");
	return add_obj(objtype);
}

static int do_tree(struct ckpt_hdr_tree *t)
{
	struct ckpt_task_pids p;
	uint32_t i, roots = 0;

	f_u("nr_tasks", t->nr_tasks);
	if (img.have_tree)
		return bad("a second TREE record");
	if (!t->nr_tasks)
		return bad("no task");
	if (cur_len != sizeof(*t) + (uint64_t)t->nr_tasks * sizeof(p))
		return bad("%u tasks do not fit the length %u", t->nr_tasks,
			   cur_len);
	img.have_tree = true;
	img.tree_tasks = t->nr_tasks;
	img.tree_pids = calloc(t->nr_tasks, sizeof(*img.tree_pids));
	if (!img.tree_pids)
		return bad("out of memory");
	img.expect = CKPT_HDR_PIDNS;
	img.expect_why = "after the TREE record";

	list_begin("tasks");
	for (i = 0; i < t->nr_tasks; i++) {
		if (rd_must(&p, sizeof(p)))
			return -1;
		item_begin("task %u", i);
		f_i("pid", p.pid);
		f_i("tgid", p.tgid);
		f_i("ppid", p.ppid);
		f_i("pgid", p.pgid);
		f_i("sid", p.sid);
		f_flags("flags", p.flags, pids_names);
		if (p.flags & CKPT_PIDS_ZOMBIE)
			f_x("exit_code", (uint32_t)p.exit_code);
		f_i("exit_signal", p.exit_signal);
		item_end();
		img.tree_pids[i] = p.pid;
		if (p.pid <= 0 || p.tgid <= 0)
			return bad("task %u: invalid pid %d tgid %d", i, p.pid,
				   p.tgid);
		if (p.flags & CKPT_PIDS_ROOT)
			roots++;
		if (p.flags & CKPT_PIDS_ZOMBIE)
			img.tree_zombies++;
		if (p.flags & CKPT_PIDS_NEWUTS)
			img.tree_newuts++;
		if (p.flags & CKPT_PIDS_NEWIPC)
			img.tree_newipc++;
		if (p.flags & ~(CKPT_PIDS_ROOT | CKPT_PIDS_THREAD |
				CKPT_PIDS_ZOMBIE | CKPT_PIDS_NEWUTS | CKPT_PIDS_NEWIPC))
			return bad("task %u: unknown flags 0x%x", i, p.flags);
		if ((p.flags & CKPT_PIDS_NEWUTS) &&
		    (p.flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE)))
			return bad("task %u: a thread or zombie with a UTS namespace", i);
		if ((p.flags & CKPT_PIDS_NEWIPC) &&
		    (p.flags & (CKPT_PIDS_THREAD | CKPT_PIDS_ZOMBIE)))
			return bad("task %u: a thread or zombie with an IPC namespace", i);
		if ((p.flags & CKPT_PIDS_ROOT) && (p.flags & CKPT_PIDS_ZOMBIE))
			return bad("task %u: the root is a zombie", i);
	}
	list_end();
	if (roots != 1)
		return bad("%u tasks are flagged ROOT, expected one", roots);
	return 0;
}

/* A task's pids from level 0 down: text "pids=12/3", JSON an array */
static void f_pids(const int32_t *pids, uint32_t nr)
{
	uint32_t k;

	if (json) {
		json_open("pids", '[', ']');
		for (k = 0; k < nr; k++) {
			json_key(NULL);
			printf("%d", pids[k]);
		}
		json_close();
		return;
	}
	printf(" pids=");
	for (k = 0; k < nr; k++)
		printf("%s%d", k ? "/" : "", pids[k]);
}

/* Is namespace @a namespace @b or nested in it? */
static bool ns_within(const struct ckpt_pidns *ns, uint32_t a, uint32_t b)
{
	uint32_t lb = b ? ns[b - 1].level : 0;

	while (a && ns[a - 1].level > lb)
		a = ns[a - 1].parent;
	return a == b;
}

static int do_pidns_tasks(const struct ckpt_hdr_pidns *h,
			  const struct ckpt_pidns *ns)
{
	struct ckpt_task_ns *tasks;
	int32_t *pids;
	uint32_t i, k, level, off = 0;
	int ret = -1;

	tasks = malloc((h->nr_tasks + 1) * sizeof(*tasks));
	pids = malloc(((size_t)h->nr_pids + 1) * sizeof(*pids));
	if (!tasks || !pids) {
		bad("out of memory");
		goto out;
	}
	if (rd_must(tasks, h->nr_tasks * sizeof(*tasks)) ||
	    rd_must(pids, h->nr_pids * sizeof(*pids)))
		goto out;
	list_begin("tasks");
	for (i = 0; i < h->nr_tasks; i++) {
		uint32_t n = tasks[i].ns, fc = tasks[i].ns_for_children;

		if (n > h->nr_ns || fc > h->nr_ns) {
			bad("task %u: pid namespace %u of %u", i, n > fc ? n : fc,
			    h->nr_ns);
			goto out;
		}
		level = n ? ns[n - 1].level : 0;
		if (level + 1 > h->nr_pids - off) {
			bad("task %u: its pids at %u levels are missing", i,
			    level + 1);
			goto out;
		}
		if (h->nr_ns || verbose) {
			item_begin("task %u", i);
			f_u("ns", n);
			f_u("ns_for_children", fc);
			f_pids(pids + off, level + 1);
			item_end();
		}
		if (pids[off] != img.tree_pids[i]) {
			bad("task %u: pid %d at level 0, the tree's is %d", i,
			    pids[off], img.tree_pids[i]);
			goto out;
		}
		for (k = 0; k <= level; k++)
			if (pids[off + k] <= 0) {
				bad("task %u: invalid pid %d at level %u", i,
				    pids[off + k], k);
				goto out;
			}
		if (n && (pids[off + level] == 1) != (ns[n - 1].init == i)) {
			bad(ns[n - 1].init == i ?
			    "task %u: the init of pid namespace %u is not pid 1 there" :
			    "task %u: pid 1 in pid namespace %u but not its init",
			    i, n);
			goto out;
		}
		if (!ns_within(ns, fc, n)) {
			bad("task %u: its children's pid namespace %u is not nested in its own %u",
			    i, fc, n);
			goto out;
		}
		off += level + 1;
	}
	list_end();
	if (off != h->nr_pids) {
		bad("%u pids, the tasks' levels hold %u", h->nr_pids, off);
		goto out;
	}
	for (k = 0; k < h->nr_ns; k++)
		if (tasks[ns[k].init].ns != k + 1) {
			bad("pid namespace %u: its init, task %u, is not in it",
			    k + 1, ns[k].init);
			goto out;
		}
	ret = 0;
out:
	free(tasks);
	free(pids);
	return ret;
}

static int do_pidns(struct ckpt_hdr_pidns *h)
{
	struct ckpt_pidns *ns;
	uint64_t need;
	uint32_t k;
	int ret;

	f_u("nr_ns", h->nr_ns);
	f_u("nr_tasks", h->nr_tasks);
	f_u("nr_pids", h->nr_pids);
	if (!img.have_tree || img.have_pidns)
		return bad("a PIDNS record %s", img.have_pidns ?
			   "again" : "before the TREE record");
	img.have_pidns = true;
	need = sizeof(*h) + (uint64_t)h->nr_ns * sizeof(*ns) +
	       (uint64_t)h->nr_tasks * sizeof(struct ckpt_task_ns) +
	       (uint64_t)h->nr_pids * sizeof(int32_t);
	if (round8(need) != cur_len)
		return bad("%u namespaces, %u tasks and %u pids do not fit the length %u",
			   h->nr_ns, h->nr_tasks, h->nr_pids, cur_len);
	if (h->nr_tasks != img.tree_tasks)
		return bad("%u tasks, the tree has %u", h->nr_tasks,
			   img.tree_tasks);
	if (h->nr_ns >= h->nr_tasks)
		return bad("%u nested pid namespaces for %u tasks", h->nr_ns,
			   h->nr_tasks);
	ns = malloc((h->nr_ns + 1) * sizeof(*ns));
	if (!ns)
		return bad("out of memory");
	if (rd_must(ns, h->nr_ns * sizeof(*ns))) {
		free(ns);
		return -1;
	}
	list_begin("namespaces");
	for (k = 0; k < h->nr_ns; k++) {
		const struct ckpt_pidns *e = &ns[k];
		uint32_t plevel = e->parent ? ns[e->parent - 1].level : 0;

		item_begin("pidns %u", k + 1);
		f_u("parent", e->parent);
		f_u("level", e->level);
		f_u("init", e->init);
		item_end();
		if (e->parent > k || e->level != plevel + 1 ||
		    e->level > CKPT_PIDNS_LEVELS || e->init >= h->nr_tasks) {
			bad("pid namespace %u: parent %u, level %u, init %u: malformed",
			    k + 1, e->parent, e->level, e->init);
			free(ns);
			return -1;
		}
	}
	list_end();
	ret = do_pidns_tasks(h, ns);
	img.pidns_nr = h->nr_ns;
	img.pidns_level = calloc(h->nr_ns + 1, sizeof(*img.pidns_level));
	if (!img.pidns_level)
		ret = bad("out of memory");
	for (k = 0; !ret && k < h->nr_ns; k++)
		img.pidns_level[k] = ns[k].level;
	img.ghosts_ok = true;
	free(ns);
	if (img.tree_newuts) {
		img.expect = CKPT_HDR_UTSNS;
		img.expect_why = "after the PIDNS record of a tree with NEWUTS tasks";
	}
	return ret;
}

static int do_pidns_ghosts(struct ckpt_hdr_pidns_ghosts *h)
{
	uint32_t *gns = NULL, g, i, k, level, off = 0;
	int32_t *pids = NULL;
	uint64_t need;
	int ret = -1;

	f_u("nr_ghosts", h->nr_ghosts);
	f_u("nr_pids", h->nr_pids);
	need = sizeof(*h) + (uint64_t)h->nr_ghosts * sizeof(*gns) +
	       (uint64_t)h->nr_pids * sizeof(*pids);
	if (round8(need) != cur_len || !h->nr_ghosts)
		return bad("%u ghosts and %u pids do not fit the length %u",
			   h->nr_ghosts, h->nr_pids, cur_len);
	gns = malloc(((size_t)h->nr_ghosts + 1) * sizeof(*gns));
	pids = malloc(((size_t)h->nr_pids + 1) * sizeof(*pids));
	if (!gns || !pids) {
		bad("out of memory");
		goto out;
	}
	if (rd_must(gns, h->nr_ghosts * sizeof(*gns)) ||
	    rd_must(pids, h->nr_pids * sizeof(*pids)))
		goto out;
	list_begin("ghosts");
	for (g = 0; g < h->nr_ghosts; g++) {
		if (!gns[g] || gns[g] > img.pidns_nr) {
			bad("ghost %u: in pid namespace %u of %u", g, gns[g],
			    img.pidns_nr);
			goto out;
		}
		level = img.pidns_level[gns[g] - 1];
		if (level + 1 > h->nr_pids - off) {
			bad("ghost %u: its pids at %u levels are missing", g,
			    level + 1);
			goto out;
		}
		item_begin("ghost %u", g);
		f_u("ns", gns[g]);
		f_pids(pids + off, level + 1);
		item_end();
		for (k = 0; k <= level; k++)
			if (pids[off + k] <= 0) {
				bad("ghost %u: invalid pid %d at level %u", g,
				    pids[off + k], k);
				goto out;
			}
		if (pids[off + level] == 1) {
			bad("ghost %u: pid 1 in pid namespace %u, its init's", g,
			    gns[g]);
			goto out;
		}
		for (i = 0; i < img.tree_tasks; i++)
			if (img.tree_pids[i] == pids[off]) {
				bad("ghost %u: pid %d is task %u's", g, pids[off], i);
				goto out;
			}
		off += level + 1;
	}
	list_end();
	if (off != h->nr_pids) {
		bad("%u pids, the ghosts' levels hold %u", h->nr_pids, off);
		goto out;
	}
	ret = 0;
out:
	free(gns);
	free(pids);
	return ret;
}

static int do_utsns(struct ckpt_hdr_utsns *h)
{
	struct ckpt_utsns e;
	uint32_t k;

	f_u("nr_ns", h->nr_ns);
	if (!img.have_pidns || h->nr_ns != img.tree_newuts)
		return bad("a UTSNS record of %u namespaces where %u tasks have NEWUTS",
			   h->nr_ns, img.tree_newuts);
	img.tree_newuts = 0;
	if (cur_len != sizeof(*h) + (uint64_t)h->nr_ns * sizeof(e))
		return bad("%u namespaces do not fit the length %u", h->nr_ns,
			   cur_len);
	list_begin("namespaces");
	for (k = 0; k < h->nr_ns; k++) {
		if (rd_must(&e, sizeof(e)))
			return -1;
		item_begin("utsns %u", k);
		f_s("nodename", e.nodename, sizeof(e.nodename));
		f_s("domainname", e.domainname, sizeof(e.domainname));
		item_end();
		if (!memchr(e.nodename, 0, sizeof(e.nodename)) ||
		    !memchr(e.domainname, 0, sizeof(e.domainname)))
			return bad("UTS namespace %u: a name is not terminated", k);
	}
	list_end();
	return 0;
}

/*
 * The rseq registration (rseq, rseq_len, rseq_sig) sits between
 * clear_child_tid and comm in the kernel's newer layout of the record;
 * find it by the layout, so that this builds against either version
 * of the uapi header.
 */
#define TASK_RSEQ_OFF	(offsetof(struct ckpt_hdr_task, clear_child_tid) + 8)

static void do_task_rseq(struct ckpt_hdr_task *t)
{
	uint64_t rseq;
	uint32_t len_sig[2];

	if (offsetof(struct ckpt_hdr_task, comm) != TASK_RSEQ_OFF + 16)
		return;
	memcpy(&rseq, (char *)t + TASK_RSEQ_OFF, 8);
	memcpy(len_sig, (char *)t + TASK_RSEQ_OFF + 8, 8);
	f_x("rseq", rseq);
	f_u("rseq_len", len_sig[0]);
	f_x("rseq_sig", len_sig[1]);
}

static int do_task(struct ckpt_hdr_task *t)
{
	f_s("comm", t->comm, sizeof(t->comm));
	f_flags("flags", t->flags, task_names);
	f_i("exit_signal", t->exit_signal);
	if (verbose) {
		f_x("personality", t->personality);
		f_i("pdeath_signal", t->pdeath_signal);
		f_x("set_child_tid", t->set_child_tid);
		f_x("clear_child_tid", t->clear_child_tid);
		do_task_rseq(t);
		f_x("robust_list", t->robust_list);
		f_u("robust_list_len", t->robust_list_len);
	} else if (t->robust_list) {
		f_x("robust_list", t->robust_list);
	}
	if (!img.have_tree)
		return bad("TASK before the TREE record");
	if (++img.tasks > img.tree_tasks - img.tree_zombies)
		return bad("more TASK records than the %u live tasks of the tree",
			   img.tree_tasks - img.tree_zombies);
	return 0;
}

static int do_task_objs(struct ckpt_hdr_task_objs *o)
{
	f_i("files", o->files_objref);
	f_i("fs", o->fs_objref);
	f_i("mm", o->mm_objref);
	f_i("sighand", o->sighand_objref);
	f_i("signal", o->signal_objref);
	f_i("cred", o->cred_objref);
	if (check_ref("cred", o->cred_objref, CKPT_OBJ_CRED, true))
		return -1;
	if (check_ref("files", o->files_objref, CKPT_OBJ_FILE_TABLE, true) ||
	    check_ref("fs", o->fs_objref, CKPT_OBJ_FS, true) ||
	    check_ref("mm", o->mm_objref, CKPT_OBJ_MM, true) ||
	    check_ref("sighand", o->sighand_objref, CKPT_OBJ_SIGHAND, true) ||
	    check_ref("signal", o->signal_objref, CKPT_OBJ_SIGNAL, true))
		return -1;
	return 0;
}

static int do_cpu(struct ckpt_hdr_cpu *c)
{
	f_x("ip", c->ip);
	f_x("sp", c->sp);
	if (!verbose) {
		f_x("ax", c->ax);
		f_i("orig_ax", (int64_t)c->orig_ax);
		return 0;
	}
	f_x("flags", c->flags);
	f_x("cs", c->cs);
	f_x("ss", c->ss);
	text_nl();
	f_x("ax", c->ax); f_x("bx", c->bx); f_x("cx", c->cx);
	f_x("dx", c->dx); f_x("si", c->si); f_x("di", c->di);
	f_x("bp", c->bp);
	f_i("orig_ax", (int64_t)c->orig_ax);
	text_nl();
	f_x("r8", c->r8); f_x("r9", c->r9); f_x("r10", c->r10);
	f_x("r11", c->r11); f_x("r12", c->r12); f_x("r13", c->r13);
	f_x("r14", c->r14); f_x("r15", c->r15);
	text_nl();
	f_x("fs_base", c->fs_base); f_x("gs_base", c->gs_base);
	f_x("ds", c->ds); f_x("es", c->es); f_x("fs", c->fs); f_x("gs", c->gs);
	return 0;
}

/*
 * The XSAVE buffer is stored sparse: a bitmap of its non-zero 8-byte
 * words, then those words.  Neither is kept: the bitmap is read word by
 * word and the words are only counted, except XSTATE_BV.
 */
static int do_fpu(struct ckpt_hdr_fpu *f)
{
	uint64_t nbits, nmaps, want, map, word, xstate_bv = 0, set = 0;
	uint64_t zeros = 0, i, j;
	bool have_bv = false;
	/* the index among the listed words of XSTATE_BV's, if listed */
	uint64_t bv_index = 0;

	f_flags("xfeatures", f->xfeatures, xfeature_names);
	f_u("size", f->size);
	if (verbose)
		f_u("nr_words", f->nr_words);
	if (f->size < FPU_SIZE_MIN || f->size > FPU_SIZE_MAX || f->size % 8)
		return bad("XSAVE size %u is not a multiple of 8 from %d to %d",
			   f->size, FPU_SIZE_MIN, FPU_SIZE_MAX);
	nbits = f->size / 8;
	nmaps = (nbits + 63) / 64;
	want = sizeof(*f) + 8 * (nmaps + (uint64_t)f->nr_words);
	if (cur_len != want)
		return bad("a bitmap of %" PRIu64 " words and %u words of XSAVE state need length %" PRIu64
			   ", not %u", nmaps, f->nr_words, want, cur_len);
	for (i = 0; i < nmaps; i++) {
		if (rd_must(&map, sizeof(map)))
			return -1;
		if (i == nmaps - 1 && nbits % 64 && map >> (nbits % 64))
			return bad("bitmap bits beyond the %" PRIu64 " words of the buffer",
				   nbits);
		if (i == FPU_XSTATE_BV / 64 &&
		    (map & (1ULL << (FPU_XSTATE_BV % 64)))) {
			have_bv = true;
			bv_index = set + __builtin_popcountll(map &
				   ((1ULL << (FPU_XSTATE_BV % 64)) - 1));
		}
		set += __builtin_popcountll(map);
	}
	if (set != f->nr_words)
		return bad("nr_words %u, but %" PRIu64 " bits are set in the bitmap",
			   f->nr_words, set);
	for (j = 0; j < f->nr_words; j++) {
		if (rd_must(&word, sizeof(word)))
			return -1;
		if (!word)
			zeros++;
		if (have_bv && j == bv_index)
			xstate_bv = word;
	}
	if (xstate_bv != f->xfeatures)
		return bad("the buffer's XSTATE_BV 0x%" PRIx64 " differs from xfeatures 0x%" PRIx64,
			   xstate_bv, (uint64_t)f->xfeatures);
	if (zeros)
		warn("%" PRIu64 " of the listed XSAVE words are zero", zeros);
	if (f->xfeatures & ~img.arch.xfeatures_mask)
		warn("saved xfeatures 0x%" PRIx64 " are not all in the header's mask 0x%" PRIx64,
		     (uint64_t)f->xfeatures, (uint64_t)img.arch.xfeatures_mask);
	if (f->size > img.arch.xstate_size)
		warn("XSAVE size %u is more than the header's xstate size %u",
		     f->size, img.arch.xstate_size);
	return 0;
}

static int do_debugregs(struct ckpt_hdr_debugregs *d)
{
	f_x("dr7", d->dr7);
	if (verbose || (d->dr7 & 0xff)) {
		f_x("dr0", d->dr0); f_x("dr1", d->dr1);
		f_x("dr2", d->dr2); f_x("dr3", d->dr3);
		f_x("dr6", d->dr6);
	}
	return 0;
}

/* One mapping of the MM record's array: printed, checked, kept */
static int do_vma(uint32_t i, const struct ckpt_vma *v)
{
	uint32_t vma_type = CKPT_VMA_TYPE(v->flags);
	uint32_t vm_flags = v->flags & CKPT_VMA_VM_MASK;
	const char *type = name_of(vma_types, ARRAY_SIZE(vma_types), vma_type);
	uint64_t mask = img.hdr.page_size - 1;

	item_begin("vma %u", i);
	f_x("start", v->start);
	f_x("end", v->end);
	f_w("vma_type", type ? type : "unknown");
	f_flags("vm_flags", vm_flags, vm_names);
	if (vma_type == CKPT_VMA_SYSVSHM)
		f_i("shmid", v->file_objref);
	else if (v->file_objref || verbose)
		f_i("file", v->file_objref);
	if (v->pgoff || verbose)
		f_u("pgoff", v->pgoff);
	item_end();

	if (!type)
		return bad("vma %u: unknown vma_type %u", i, vma_type);
	if (v->start >= v->end || (v->start & mask) || (v->end & mask))
		return bad("vma %u: invalid range 0x%" PRIx64 "-0x%" PRIx64, i,
			   (uint64_t)v->start, (uint64_t)v->end);
	if (img.nr_mm_vmas && v->start < img.mm_vmas[img.nr_mm_vmas - 1].end)
		return bad("vma %u: 0x%" PRIx64 " overlaps or precedes the previous one",
			   i, (uint64_t)v->start);
	if (vma_type == CKPT_VMA_SYSVSHM) {
		if (v->file_objref < 0 || v->pgoff ||
		    !(vm_flags & CKPT_VM_MAYSHARE))
			return bad("vma %u: a SysV shm mapping of shmid %d, pgoff %" PRIu64
				   " or not shared", i, v->file_objref,
				   (uint64_t)v->pgoff);
		if (!img.ipcns_seen)
			return bad("vma %u: a SysV shm mapping in an image without an IPC namespace",
				   i);
	} else if (check_ref("file_objref", v->file_objref, CKPT_OBJ_FILE,
			     vma_type != CKPT_VMA_FILE)) {
		return -1;
	}
	if ((vm_flags & CKPT_VM_INHERIT) && !img.holes_next)
		return bad("vma %u: INHERIT in an address space without a parent",
			   i);

	if (grow((void **)&img.mm_vmas, &img.cap_mm_vmas, img.nr_mm_vmas,
		 sizeof(*img.mm_vmas)))
		return -1;
	img.mm_vmas[img.nr_mm_vmas].start = v->start;
	img.mm_vmas[img.nr_mm_vmas].end = v->end;
	img.nr_mm_vmas++;
	img.vmas++;
	return 0;
}

static int do_mm(struct ckpt_hdr_mm *m)
{
	struct ckpt_vma v;
	uint32_t i;

	f_x("brk", m->brk);
	f_u("nr_vmas", m->nr_vmas);
	f_i("exe", m->exe_objref);
	if (verbose) {
		text_nl();
		f_x("start_code", m->start_code); f_x("end_code", m->end_code);
		f_x("start_data", m->start_data); f_x("end_data", m->end_data);
		f_x("start_brk", m->start_brk);
		text_nl();
		f_x("start_stack", m->start_stack);
		f_x("arg_start", m->arg_start); f_x("arg_end", m->arg_end);
		f_x("env_start", m->env_start); f_x("env_end", m->env_end);
		text_nl();
		f_x("vdso", m->vdso); f_x("vdso_size", m->vdso_size);
		f_flags("def_flags", m->def_flags, vm_names);
		f_u("nr_auxv", m->nr_auxv);
	}
	if (m->nr_auxv > CKPT_AUXV_MAX)
		return bad("nr_auxv %u is more than %d", m->nr_auxv,
			   CKPT_AUXV_MAX);
	if (m->parent_objref)
		f_i("parent", m->parent_objref);
	if (check_ref("exe_objref", m->exe_objref, CKPT_OBJ_FILE, true) ||
	    check_ref("parent_objref", m->parent_objref, CKPT_OBJ_MM, true))
		return -1;
	if (cur_len != sizeof(*m) + (uint64_t)m->nr_vmas * sizeof(v))
		return bad("%u VMAs do not fit the length %u", m->nr_vmas,
			   cur_len);
	img.holes_next = m->parent_objref != 0;
	img.nr_mm_vmas = 0;
	img.pages_since = cur_off;
	list_begin("vmas");
	for (i = 0; i < m->nr_vmas; i++) {
		if (rd_must(&v, sizeof(v)) || do_vma(i, &v))
			return -1;
	}
	list_end();

	/* Then its holes, or its pages */
	if (img.holes_next) {
		img.expect = CKPT_HDR_MM_HOLES;
		img.expect_why = "after the MM record of an address space with a parent";
	} else {
		img.pages_of = PAGES_MM;
	}
	return 0;
}

/* Are the @n bytes at user address @start inside the mm's VMAs? */
static bool in_vmas(uint64_t start, uint64_t n)
{
	uint64_t end = start + n;
	size_t i;

	for (i = 0; i < img.nr_mm_vmas; i++) {
		if (start < img.mm_vmas[i].start)
			return false;
		if (start >= img.mm_vmas[i].end)
			continue;
		if (end <= img.mm_vmas[i].end)
			return true;
		start = img.mm_vmas[i].end;
	}
	return false;
}

static int do_mm_holes(struct ckpt_hdr_mm_holes *h)
{
	struct ckpt_page_run r;
	uint32_t i;

	f_u("nr_runs", h->nr_runs);
	if (!img.holes_next)
		return bad("MM_HOLES outside an address space with a parent");
	if (cur_len != sizeof(*h) + (uint64_t)h->nr_runs * sizeof(r))
		return bad("%u runs do not fit the length %u", h->nr_runs, cur_len);
	for (i = 0; i < h->nr_runs; i++) {
		if (rd_must(&r, sizeof(r)))
			return -1;
		if (verbose) {
			item_begin("hole 0x%" PRIx64, (uint64_t)r.start);
			f_u("nr_pages", r.nr_pages);
			item_end();
		}
		if (!r.nr_pages || r.nr_pages > (UINT64_MAX >> 16) ||
		    !in_vmas(r.start, r.nr_pages * img.hdr.page_size))
			return bad("hole 0x%" PRIx64 "+%" PRIu64 " outside the VMAs",
				   (uint64_t)r.start, (uint64_t)r.nr_pages);
	}
	img.holes_next = false;
	img.pages_of = PAGES_MM;
	return 0;
}

static int do_pages(struct ckpt_hdr_pages *p)
{
	uint64_t ps = img.hdr.page_size, total = 0, prev_end = 0, want;
	struct ckpt_page_run run;
	uint32_t i;

	f_u("nr_runs", p->nr_runs);
	f_u("nr_pages", p->nr_pages);
	f_u("bytes", (uint64_t)p->nr_pages * ps);

	if (img.pages_of == PAGES_NONE)
		return bad("PAGES outside an address space or a shmem file");
	if (!p->nr_pages) {
		if (p->nr_runs)
			return bad("%u runs of no page", p->nr_runs);
		img.pages_of = PAGES_NONE;
		return check_len(sizeof(*p));
	}
	if (p->nr_pages > CKPT_PAGES_MAX)
		return bad("%u pages, more than %d", p->nr_pages,
			   CKPT_PAGES_MAX);
	if (!p->nr_runs || p->nr_runs > p->nr_pages)
		return bad("%u runs for %u pages", p->nr_runs, p->nr_pages);
	want = sizeof(*p) + (uint64_t)p->nr_runs * sizeof(run) +
	       (uint64_t)p->nr_pages * ps;
	if (cur_len != want)
		return bad("%u runs and %u pages of %" PRIu64 " bytes need length %" PRIu64
			   ", not %u", p->nr_runs, p->nr_pages, ps, want,
			   cur_len);

	if (verbose)
		list_begin("runs");
	for (i = 0; i < p->nr_runs; i++) {
		if (rd_must(&run, sizeof(run)))
			return -1;
		if (verbose) {
			item_begin("run %u", i);
			f_x("start", run.start);
			f_u("nr_pages", run.nr_pages);
			item_end();
		}
		if (!run.nr_pages || run.nr_pages > p->nr_pages - total)
			return bad("run %u: %" PRIu64 " pages do not fit the record's %u",
				   i, (uint64_t)run.nr_pages, p->nr_pages);
		if ((run.start & (ps - 1)) || run.start < prev_end ||
		    run.start + run.nr_pages * ps < run.start)
			return bad("run %u: invalid start 0x%" PRIx64, i,
				   (uint64_t)run.start);
		if (img.pages_of == PAGES_MM &&
		    !in_vmas(run.start, run.nr_pages * ps))
			return bad("run %u: 0x%" PRIx64 " (+%" PRIu64
				   " pages) is not inside the address space's VMAs",
				   i, (uint64_t)run.start, (uint64_t)run.nr_pages);
		if (img.pages_of == PAGES_SHMEM &&
		    img.shmem_size <= UINT64_MAX - ps &&
		    run.start + run.nr_pages * ps >
		    ((img.shmem_size + ps - 1) & ~(ps - 1)))
			return bad("run %u: offset 0x%" PRIx64 " (+%" PRIu64
				   " pages) is beyond the file's size %" PRIu64,
				   i, (uint64_t)run.start,
				   (uint64_t)run.nr_pages, img.shmem_size);
		total += run.nr_pages;
		prev_end = run.start + run.nr_pages * ps;
	}
	if (verbose)
		list_end();
	if (total != p->nr_pages)
		return bad("runs hold %" PRIu64 " pages, the record %u",
			   total, p->nr_pages);
	img.pages += p->nr_pages;
	img.page_bytes += (uint64_t)p->nr_pages * ps;
	/* The page data is not printed: skip it */
	return skip((uint64_t)p->nr_pages * ps);
}

/*
 * The open fds come in runs: fds fd .. fd + nr - 1 on the files
 * file_objref .. file_objref + nr - 1.  Each fd is printed and checked
 * on its own; a run cannot name more files than there are objects.
 */
static int do_file_table(struct ckpt_hdr_file_table *t)
{
	struct ckpt_fd_ent e;
	int64_t prev = -1;
	uint64_t sum = 0;
	uint32_t i, k;

	f_u("nr_ents", t->nr_ents);
	f_u("nr_fds", t->nr_fds);
	if (cur_len != sizeof(*t) + (uint64_t)t->nr_ents * sizeof(e))
		return bad("%u fd entries do not fit the length %u", t->nr_ents,
			   cur_len);
	list_begin("fds");
	for (i = 0; i < t->nr_ents; i++) {
		if (rd_must(&e, sizeof(e)))
			return -1;
		if (!e.nr)
			return bad("entry %u (fd %d): a run of no fd", i, e.fd);
		if (e.fd < 0 || e.fd <= prev)
			return bad("entry %u: fd %d negative, not sorted or inside the previous run",
				   i, e.fd);
		if ((uint64_t)e.fd + e.nr - 1 > INT32_MAX)
			return bad("entry %u: fds %d + %u overflow", i, e.fd,
				   e.nr);
		if (e.file_objref <= 0 ||
		    (uint64_t)e.file_objref + e.nr - 1 > img.nr_objs)
			return bad("entry %u: files %d + %u do not name earlier objects",
				   i, e.file_objref, e.nr);
		for (k = 0; k < e.nr; k++) {
			item_begin("fd %d", e.fd + (int32_t)k);
			if (json)
				f_i("fd", e.fd + (int32_t)k);
			f_i("file", e.file_objref + (int32_t)k);
			f_flags("flags", e.flags, fd_names);
			item_end();
			if (check_ref("file_objref", e.file_objref + (int32_t)k,
				      CKPT_OBJ_FILE, false))
				return -1;
		}
		prev = (int64_t)e.fd + e.nr - 1;
		sum += e.nr;
	}
	list_end();
	if (sum != t->nr_fds)
		return bad("nr_fds %u, but the entries hold %" PRIu64 " fds",
			   t->nr_fds, sum);
	return 0;
}

/* Read a NUL-terminated path of @len bytes (NUL included) into @buf */
static int rd_path(const char *what, char *buf, uint32_t len)
{
	if (!len || len > CKPT_PATH_MAX)
		return bad("%s length %u is invalid", what, len);
	if (rd_must(buf, len))
		return -1;
	if (strnlen(buf, len) != len - 1)
		return bad("%s is not a string of %u bytes with its NUL", what,
			   len);
	return 0;
}

static int do_file(struct ckpt_hdr_file *f)
{
	const char *type = name_of(file_types, ARRAY_SIZE(file_types), f->file_type);
	static char path[CKPT_PATH_MAX];

	f_w("file_type", type ? type : "unknown");
	f_flags("f_flags", f->f_flags, open_names);
	f_u("pos", f->f_pos);
	if (verbose || f->file_type == CKPT_FILE_SHMEM)
		f_u("size", f->i_size);
	if (verbose) {
		char mode[16];

		snprintf(mode, sizeof(mode), "0%o", f->i_mode);
		f_w("mode", mode);
		f_x("rdev", f->rdev);
	}
	if (!type)
		return bad("unknown file type %u", f->file_type);
	if (f->path_len > CKPT_PATH_MAX)
		return bad("path length %u is more than %d", f->path_len,
			   CKPT_PATH_MAX);
	if (cur_len != round8(sizeof(*f) + (uint64_t)f->path_len))
		return bad("a path of %u bytes does not fit the length %u",
			   f->path_len, cur_len);
	if (f->path_len) {
		if (rd_path("path", path, f->path_len))
			return -1;
		f_s("path", path, f->path_len);
	} else if (f->file_type != CKPT_FILE_SHMEM) {
		return bad("a %s file without a path", type);
	}
	if (f->file_type == CKPT_FILE_PIPE ||
	    (f->file_type == CKPT_FILE_FIFO && !(f->f_flags & O_PATH))) {
		bool fifo = f->file_type == CKPT_FILE_FIFO;

		f_i("pipe", f->obj_objref);
		if (check_ref("obj_objref", f->obj_objref, CKPT_OBJ_PIPE, false))
			return -1;
		if (img.objs[f->obj_objref - 1].fifo != fifo)
			return bad("a %s file names pipe %d, %s", type, f->obj_objref,
				   fifo ? "an anonymous pipe" : "a FIFO's");
		if (fifo && path[0] != '/')
			return bad("FIFO path is not absolute");
	} else if (f->file_type == CKPT_FILE_UNLINKED) {
		f_i("inode", f->obj_objref);
		if (check_ref("obj_objref", f->obj_objref, CKPT_OBJ_INODE, false))
			return -1;
	} else if (f->file_type == CKPT_FILE_SOCKET) {
		f_i("socket", f->obj_objref);
		if (check_ref("obj_objref", f->obj_objref, CKPT_OBJ_SOCK, false))
			return -1;
		img.sock_fds_ok = true;
		img.sock_fds_msg = -1;
	} else if (f->file_type == CKPT_FILE_TTY) {
		f_i("tty", f->obj_objref);
		if (check_ref("obj_objref", f->obj_objref, CKPT_OBJ_TTY, false))
			return -1;
	} else if (f->obj_objref) {
		return bad("a %s file with obj_objref %d", type, f->obj_objref);
	}
	if (f->file_type >= CKPT_FILE_EVENTFD && f->file_type <= CKPT_FILE_EPOLL) {
		static const uint32_t hdr[] = {
			CKPT_HDR_EVENTFD, CKPT_HDR_SIGNALFD, CKPT_HDR_TIMERFD,
			CKPT_HDR_EPOLL,
		};

		if ((f->f_flags & O_ACCMODE) != O_RDWR)
			return bad("a %s file not open for reading and writing", type);
		img.expect = hdr[f->file_type - CKPT_FILE_EVENTFD];
		img.expect_why = "after the file record of its kind";
	}
	if (f->file_type == CKPT_FILE_INOTIFY) {
		if ((f->f_flags & O_ACCMODE) != O_RDONLY)
			return bad("an inotify file not open for reading only");
		img.expect = CKPT_HDR_INOTIFY;
		img.expect_why = "after the file record of its kind";
	}
	if (f->file_type == CKPT_FILE_SHMEM) {
		img.pages_of = PAGES_SHMEM;
		img.shmem_size = f->i_size;
		img.pages_since = cur_off;
	}
	return 0;
}

static int do_pipe(struct ckpt_hdr_pipe *p)
{
	struct ckpt_pipe_buf b;
	uint64_t total = 0;
	uint32_t i;

	f_u("nr_slots", p->nr_slots);
	f_u("nr_bufs", p->nr_bufs);
	f_u("data_len", p->data_len);
	f_flags("flags", p->flags, pipe_names);
	if (p->data_len > cur_len ||
	    cur_len != round8(sizeof(*p) + (uint64_t)p->nr_bufs * sizeof(b) + p->data_len))
		return bad("%u buffers of %" PRIu64 " bytes do not fit the length %u",
			   p->nr_bufs, (uint64_t)p->data_len, cur_len);
	if (!p->nr_slots || p->nr_bufs > p->nr_slots)
		return bad("%u buffers in a pipe of %u slots", p->nr_bufs,
			   p->nr_slots);
	if (p->flags & ~CKPT_PIPE_FIFO)
		return bad("unknown pipe flags %#x", p->flags);
	if (img.cur_obj > 0 && (size_t)img.cur_obj <= img.nr_objs)
		img.objs[img.cur_obj - 1].fifo = p->flags & CKPT_PIPE_FIFO;
	for (i = 0; i < p->nr_bufs; i++) {
		if (rd_must(&b, sizeof(b)))
			return -1;
		if (!b.len || b.len > img.hdr.page_size ||
		    (b.flags & ~CKPT_PIPE_BUF_PACKET))
			return bad("pipe buffer %u: length %u, flags %#x", i,
				   b.len, b.flags);
		total += b.len;
	}
	if (total != p->data_len)
		return bad("pipe buffers hold %" PRIu64 " bytes, not %" PRIu64,
			   total, (uint64_t)p->data_len);
	return 0;
}

static int do_eventfd(struct ckpt_hdr_eventfd *e)
{
	f_u("count", e->count);
	f_flags("flags", e->flags, efd_names);
	if (e->flags & ~CKPT_EFD_SEMAPHORE)
		return bad("unknown eventfd flags %#x", e->flags);
	return 0;
}

static int do_signalfd(struct ckpt_hdr_signalfd *s)
{
	f_sigset("sigmask", s->sigmask);
	if (s->sigmask & ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))))
		return bad("a signalfd mask with SIGKILL or SIGSTOP");
	return 0;
}

static int do_timerfd(struct ckpt_hdr_timerfd *t)
{
	const uint32_t known = CKPT_TIMERFD_ABSTIME | CKPT_TIMERFD_CANCEL_ON_SET |
			       CKPT_TIMERFD_ARMED | CKPT_TIMERFD_CANCELED;

	f_i("clock", t->clockid);
	f_flags("flags", t->flags, timerfd_names);
	f_u(t->flags & CKPT_TIMERFD_ABSTIME ? "expiry_ns" : "value_ns", t->value);
	f_u("interval_ns", t->interval);
	f_u("ticks", t->ticks);
	if (verbose)
		f_u("now_ns", t->now);
	if (t->clockid != CLOCK_REALTIME && t->clockid != CLOCK_MONOTONIC &&
	    t->clockid != CLOCK_BOOTTIME)
		return bad("timerfd clock %d is not REALTIME, MONOTONIC or BOOTTIME",
			   t->clockid);
	if (t->flags & ~known)
		return bad("unknown timerfd flags %#x", t->flags);
	if (t->value > INT64_MAX || t->interval > INT64_MAX || t->now > INT64_MAX)
		return bad("timerfd times out of range");
	if (!(t->flags & CKPT_TIMERFD_ARMED) && t->value)
		return bad("a disarmed timerfd with a value");
	return 0;
}

static int do_epoll(struct ckpt_hdr_epoll *e)
{
	struct ckpt_epoll_item it;
	uint32_t i;

	f_u("nr_items", e->nr_items);
	if (cur_len != sizeof(*e) + (uint64_t)e->nr_items * sizeof(it))
		return bad("%u items do not fit the length %u", e->nr_items,
			   cur_len);
	list_begin("items");
	for (i = 0; i < e->nr_items; i++) {
		if (rd_must(&it, sizeof(it)))
			return -1;
		item_begin("item %u", i);
		f_i("fd", it.fd);
		f_i("file", it.file_objref);
		f_flags("events", it.events, epoll_names);
		f_x("data", it.data);
		item_end();
		if (it.fd < 0)
			return bad("item %u: negative fd %d", i, it.fd);
		if (it.events & ~EPOLL_KNOWN_BITS)
			return bad("item %u: unknown events %#x", i, it.events);
		if (check_ref("file_objref", it.file_objref, CKPT_OBJ_FILE, false))
			return -1;
	}
	list_end();
	return 0;
}

static int do_inotify(struct ckpt_hdr_inotify *h)
{
	static char path[CKPT_PATH_MAX];
	struct ckpt_inotify_watch w;
	uint64_t left = cur_len - sizeof(*h);
	int32_t last = 0;
	uint32_t i;

	f_u("nr_watches", h->nr_watches);
	f_u("next_wd", h->next_wd);
	if (h->next_wd > (uint32_t)INT32_MAX + 1)
		return bad("next_wd %u is out of range", h->next_wd);
	list_begin("watches");
	for (i = 0; i < h->nr_watches; i++) {
		if (left < sizeof(w))
			return bad("%u watches do not fit the length %u",
				   h->nr_watches, cur_len);
		if (rd_must(&w, sizeof(w)))
			return -1;
		item_begin("watch %u", i);
		f_i("wd", w.wd);
		f_x("mask", w.mask);
		if (left < round8(sizeof(w) + (uint64_t)w.path_len))
			return bad("watch %u: a path of %u bytes does not fit the length %u",
				   i, w.path_len, cur_len);
		if (rd_path("path", path, w.path_len))
			return -1;
		f_s("path", path, w.path_len);
		item_end();
		if (skip(round8(sizeof(w) + w.path_len) - sizeof(w) - w.path_len))
			return -1;
		left -= round8(sizeof(w) + w.path_len);
		if (w.wd <= last)
			return bad("watch %u: wd %d not above the one before", i, w.wd);
		if (w.mask & ~CKPT_INOTIFY_MASK)
			return bad("watch %u: unknown mask bits %#x", i, w.mask);
		if (path[0] != '/')
			return bad("watch %u: path is not absolute", i);
		last = w.wd;
	}
	list_end();
	if (left)
		return bad("%" PRIu64 " bytes after the watches", left);
	img.expect = CKPT_HDR_INOTIFY_EVENTS;
	img.expect_why = "after the INOTIFY record";
	return 0;
}

static int do_inotify_events(struct ckpt_hdr_inotify_events *h)
{
	static char name[CKPT_INOTIFY_NAME_MAX + 1];
	struct ckpt_inotify_event e;
	uint64_t left = cur_len - sizeof(*h);
	uint32_t i;

	f_u("nr_events", h->nr_events);
	if (h->nr_events > CKPT_INOTIFY_EVENTS_MAX)
		return bad("%u events, more than %d", h->nr_events,
			   CKPT_INOTIFY_EVENTS_MAX);
	list_begin("events");
	for (i = 0; i < h->nr_events; i++) {
		if (left < sizeof(e))
			return bad("%u events do not fit the length %u",
				   h->nr_events, cur_len);
		if (rd_must(&e, sizeof(e)))
			return -1;
		if (e.name_len > CKPT_INOTIFY_NAME_MAX ||
		    left < round8(sizeof(e) + (uint64_t)e.name_len))
			return bad("event %u: a name of %u bytes does not fit", i,
				   e.name_len);
		if (rd_must(name, e.name_len))
			return -1;
		item_begin("event %u", i);
		f_i("wd", e.wd);
		f_x("mask", e.mask);
		f_u("cookie", e.cookie);
		if (e.name_len)
			f_s("name", name, e.name_len);
		item_end();
		if (skip(round8(sizeof(e) + e.name_len) - sizeof(e) - e.name_len))
			return -1;
		left -= round8(sizeof(e) + e.name_len);
	}
	list_end();
	if (left)
		return bad("%" PRIu64 " bytes after the events", left);
	return 0;
}

static int do_file_seals(struct ckpt_hdr_file_seals *s)
{
	f_flags("seals", s->seals, seal_names);
	if (s->seals & ~CKPT_SEALS_ALL)
		return bad("unknown seals %#x", s->seals);
	return 0;
}

static int do_file_inode(struct ckpt_hdr_file_inode *i)
{
	char mode[16];

	snprintf(mode, sizeof(mode), "0%o", i->i_mode);
	f_w("mode", mode);
	f_u("size", i->i_size);
	if ((i->i_mode & 0170000) != 0100000 || (i->i_mode & ~0177777))
		return bad("mode 0%o is not that of a regular file", i->i_mode);
	return 0;
}

static int do_file_unlinked(struct ckpt_hdr_file_unlinked *u)
{
	static char path[CKPT_PATH_MAX];

	if (cur_len != round8(sizeof(*u) + (uint64_t)u->dir_len))
		return bad("a directory of %u bytes does not fit the length %u",
			   u->dir_len, cur_len);
	if (rd_path("dir", path, u->dir_len))
		return -1;
	f_s("dir", path, u->dir_len);
	if (path[0] != '/')
		return bad("directory path is not absolute");
	return 0;
}

static int do_file_data(struct ckpt_hdr_file_data *d)
{
	f_u("offset", d->offset);
	f_u("len", d->len);
	if (d->len > CKPT_FILE_DATA_MAX ||
	    cur_len != round8(sizeof(*d) + d->len))
		return bad("%" PRIu64 " bytes of data do not fit the length %u",
			   (uint64_t)d->len, cur_len);
	/* The data is not printed */
	return skip(d->len);
}

static int do_file_locks(struct ckpt_hdr_file_locks *h)
{
	struct ckpt_file_lock l;
	uint32_t i;

	f_u("nr_locks", h->nr_locks);
	if (!h->nr_locks || h->nr_locks > CKPT_LOCKS_MAX ||
	    cur_len != sizeof(*h) + (uint64_t)h->nr_locks * sizeof(l))
		return bad("%u locks do not fit the length %u", h->nr_locks,
			   cur_len);
	list_begin("locks");
	for (i = 0; i < h->nr_locks; i++) {
		const char *kind;

		if (rd_must(&l, sizeof(l)))
			return -1;
		kind = name_of(lock_kinds, ARRAY_SIZE(lock_kinds), l.kind);
		item_begin("lock %u", i);
		f_w("kind", kind ? kind : "unknown");
		f_w("type", l.type == CKPT_LOCK_WRITE ? "WRITE" :
			    l.type == CKPT_LOCK_READ ? "READ" : "unknown");
		if (l.kind == CKPT_LOCK_LEASE)
			f_u("signal", l.start);
		else
			f_u("start", l.start);
		if (l.end == CKPT_LOCK_EOF)
			f_w("end", "EOF");
		else
			f_u("end", l.end);
		if (l.kind == CKPT_LOCK_POSIX || l.kind == CKPT_LOCK_LEASE)
			f_i("fd", l.fd);
		f_i("pid", l.pid);
		item_end();
		if (!kind || l.type > CKPT_LOCK_WRITE || l.start > l.end ||
		    l.end > CKPT_LOCK_EOF)
			return bad("lock %u: kind %u, type %u, range %" PRIu64 "-%" PRIu64,
				   i, l.kind, l.type, (uint64_t)l.start, (uint64_t)l.end);
	}
	list_end();
	return 0;
}

static int do_socket(struct ckpt_hdr_socket *h)
{
	const char *type = name_of(sock_types, ARRAY_SIZE(sock_types), h->type);
	const char *state = name_of(sock_states, ARRAY_SIZE(sock_states), h->state);
	static char buf[CKPT_SOCK_ADDR_MAX + 1], path[CKPT_PATH_MAX];
	const char *name = buf + 2;	/* sun_path */

	f_u("family", h->family);
	f_w("sock_type", type ? type : "unknown");
	f_w("state", state ? state : "unknown");
	f_flags("flags", h->flags, sock_flag_names);
	f_flags("shutdown", h->shutdown, sock_shutdown_names);
	if (h->peer_objref)
		f_i("peer", h->peer_objref);
	if (h->state == CKPT_SOCK_LISTEN)
		f_u("backlog", h->backlog);
	if (verbose || h->err)
		f_i("err", h->err);
	if (verbose || (h->flags & CKPT_SOCK_SNDBUF))
		f_u("sndbuf", h->sndbuf);
	if (verbose || (h->flags & CKPT_SOCK_RCVBUF))
		f_u("rcvbuf", h->rcvbuf);
	if (h->family != 1 /* AF_UNIX */ || !type || !state)
		return bad("family %u, type %u, state %u: not a Unix socket this reads",
			   h->family, h->type, h->state);
	if (h->addr_len > CKPT_SOCK_ADDR_MAX || h->path_len > CKPT_PATH_MAX ||
	    cur_len != round8(sizeof(*h) + (uint64_t)h->addr_len + h->path_len))
		return bad("an address of %u bytes and a path of %u do not fit the length %u",
			   h->addr_len, h->path_len, cur_len);
	if (h->addr_len) {
		if (h->addr_len < 3)
			return bad("address of %u bytes", h->addr_len);
		memset(buf, 0, sizeof(buf));
		if (rd_must(buf, h->addr_len))
			return -1;
		if (name[0]) {
			f_s("addr", name, h->addr_len - 2);
		} else {
			f_s("abstract", name + 1, h->addr_len - 3);
		}
		if (!name[0] != !h->path_len)
			return bad("a %s name %s a node path", name[0] ? "path" : "abstract",
				   h->path_len ? "with" : "without");
	} else if (h->path_len) {
		return bad("an unbound socket with a node path");
	}
	if (h->path_len) {
		char mode[8];

		if (rd_path("node", path, h->path_len))
			return -1;
		f_s("node", path, h->path_len);
		snprintf(mode, sizeof(mode), "0%o", h->node_mode);
		f_w("node_mode", mode);
		if (path[0] != '/')
			return bad("the node path is not absolute");
	}
	if (h->peer_objref && check_ref("peer_objref", h->peer_objref, CKPT_OBJ_SOCK, false))
		return -1;
	if (h->peer_objref && h->state != CKPT_SOCK_CONNECTED &&
	    h->state != CKPT_SOCK_SENDS_TO)
		return bad("a %s socket with a peer", state);
	if (h->state == CKPT_SOCK_LISTEN && img.listenq_next)
		return bad("a listening socket before the SOCKET_LISTENQ of another");
	img.sock_listen = h->state == CKPT_SOCK_LISTEN;
	if (img.sock_listen)
		img.sock_backlog = h->backlog;
	img.expect = CKPT_HDR_SOCKET_QUEUE;
	img.expect_why = "after a SOCKET record";
	return 0;
}

static int do_socket_queue(struct ckpt_hdr_socket_queue *q)
{
	struct ckpt_sock_msg m;
	uint64_t total = 0;
	uint32_t i;

	f_u("nr_msgs", q->nr_msgs);
	f_u("data_len", q->data_len);
	if (q->nr_msgs > CKPT_SOCK_MSGS_MAX || q->data_len > CKPT_SOCK_QUEUE_MAX ||
	    cur_len != round8(sizeof(*q) + (uint64_t)q->nr_msgs * sizeof(m) + q->data_len))
		return bad("%u messages of %" PRIu64 " bytes do not fit the length %u",
			   q->nr_msgs, (uint64_t)q->data_len, cur_len);
	for (i = 0; i < q->nr_msgs; i++) {
		if (rd_must(&m, sizeof(m)))
			return -1;
		if (m.sender_objref)
			return bad("message %u names a sender %d", i, m.sender_objref);
		total += m.len;
	}
	if (total != q->data_len)
		return bad("messages of %" PRIu64 " bytes, not %" PRIu64, total,
			   (uint64_t)q->data_len);
	if (img.conns_left) {
		if (--img.conns_left) {
			img.expect = CKPT_HDR_SOCKET_QUEUE;
			img.expect_why = "for the next pending connection";
		}
	} else if (img.sock_listen) {
		if (q->nr_msgs)
			return bad("a listening socket with data");
		img.listenq_next = true;
	}
	return 0;
}

/* The most files one message carries (SCM_MAX_FD) */
#define SOCK_FDS_MAX	253

static int do_socket_fds(struct ckpt_hdr_socket_fds *h)
{
	struct ckpt_sock_fd e;
	uint32_t i;

	f_u("msg", h->msg);
	f_u("len", h->len);
	f_u("nr_fds", h->nr_fds);
	if (!h->nr_fds || h->nr_fds > SOCK_FDS_MAX || h->__pad ||
	    cur_len != sizeof(*h) + (uint64_t)h->nr_fds * sizeof(e))
		return bad("%u files do not fit the length %u", h->nr_fds, cur_len);
	if ((int64_t)h->msg <= img.sock_fds_msg || h->msg >= CKPT_SOCK_MSGS_MAX)
		return bad("message %u out of order", h->msg);
	img.sock_fds_msg = h->msg;
	list_begin("fds");
	for (i = 0; i < h->nr_fds; i++) {
		if (rd_must(&e, sizeof(e)))
			return -1;
		item_begin("fd %u:", i);
		if (e.kind == CKPT_SOCK_FD_SOCK) {
			f_i("socket", e.objref);
		} else {
			f_i("file", e.objref);
		}
		item_end();
		if (e.kind != CKPT_SOCK_FD_FILE && e.kind != CKPT_SOCK_FD_SOCK)
			return bad("file %u of unknown kind %u", i, e.kind);
		if (check_ref("objref", e.objref, e.kind == CKPT_SOCK_FD_SOCK ?
			      CKPT_OBJ_SOCK : CKPT_OBJ_FILE, false))
			return -1;
	}
	list_end();
	img.sock_fds_ok = true;
	return 0;
}

static int do_socket_listenq(struct ckpt_hdr_socket_listenq *l)
{
	struct ckpt_listenq_ent e;
	uint32_t i;

	f_u("nr_conns", l->nr_conns);
	img.listenq_next = false;
	img.sock_listen = false;
	if (l->nr_conns > img.sock_backlog + 1 ||
	    cur_len != sizeof(*l) + (uint64_t)l->nr_conns * sizeof(e))
		return bad("%u connections (backlog %u) do not fit the length %u",
			   l->nr_conns, img.sock_backlog, cur_len);
	list_begin("clients");
	for (i = 0; i < l->nr_conns; i++) {
		if (rd_must(&e, sizeof(e)))
			return -1;
		item_begin("conn %u:", i);
		f_i("client", e.client_objref);
		item_end();
		if (check_ref("client_objref", e.client_objref, CKPT_OBJ_SOCK, true))
			return -1;
	}
	list_end();
	img.conns_left = l->nr_conns;
	if (l->nr_conns) {
		img.expect = CKPT_HDR_SOCKET_QUEUE;
		img.expect_why = "for the first pending connection";
	}
	return 0;
}

static int do_fs(struct ckpt_hdr_fs *f)
{
	static char path[CKPT_PATH_MAX];
	char mask[8];

	snprintf(mask, sizeof(mask), "%04o", f->umask & 07777);
	f_w("umask", mask);
	if (cur_len != round8(sizeof(*f) + (uint64_t)f->cwd_len + f->root_len))
		return bad("paths of %u and %u bytes do not fit the length %u",
			   f->cwd_len, f->root_len, cur_len);
	if (f->umask & ~0777)
		return bad("invalid umask 0%o", f->umask);
	if (rd_path("cwd", path, f->cwd_len))
		return -1;
	f_s("cwd", path, f->cwd_len);
	if (rd_path("root", path, f->root_len))
		return -1;
	f_s("root", path, f->root_len);
	return 0;
}

static int do_cred(struct ckpt_hdr_cred *c)
{
	uint32_t i, g;

	f_u("uid", c->uid);
	f_u("gid", c->gid);
	if (verbose) {
		f_u("euid", c->euid); f_u("suid", c->suid); f_u("fsuid", c->fsuid);
		f_u("egid", c->egid); f_u("sgid", c->sgid); f_u("fsgid", c->fsgid);
	}
	f_x("cap_permitted", c->cap_permitted);
	f_x("cap_effective", c->cap_effective);
	if (verbose) {
		f_x("cap_inheritable", c->cap_inheritable);
		f_x("cap_bset", c->cap_bset);
		f_x("cap_ambient", c->cap_ambient);
	}
	f_x("securebits", c->securebits);
	f_u("ngroups", c->ngroups);
	if (c->ngroups > CKPT_NGROUPS_MAX ||
	    cur_len != round8(sizeof(*c) + (uint64_t)c->ngroups * sizeof(g)))
		return bad("%u groups do not fit the length %u", c->ngroups, cur_len);
	if (c->cap_effective & ~c->cap_permitted)
		return bad("effective capabilities not in the permitted set");
	for (i = 0; i < c->ngroups; i++)
		if (rd_must(&g, sizeof(g)))
			return -1;
	return 0;
}

static int do_sighand(struct ckpt_hdr_sighand *s)
{
	struct ckpt_sigaction a;
	char name[SIGNAME_LEN];
	uint32_t i;

	f_u("nr", s->nr);
	if (s->nr > NSIG_MAX)
		return bad("%u signals, more than %d", s->nr, NSIG_MAX);
	if (cur_len != sizeof(*s) + (uint64_t)s->nr * sizeof(a))
		return bad("%u handlers do not fit the length %u", s->nr,
			   cur_len);
	list_begin("handlers");
	for (i = 0; i < s->nr; i++) {
		if (rd_must(&a, sizeof(a)))
			return -1;
		/* SIG_DFL is 0: print the others */
		if (!a.handler && !verbose)
			continue;
		item_begin("%s", sig_name(i + 1, name, sizeof(name)));
		if (json) {
			f_u("signo", i + 1);
			f_w("signal", name);
		}
		if (a.handler <= 1)
			f_w("handler", a.handler ? "SIG_IGN" : "SIG_DFL");
		else
			f_x("handler", a.handler);
		f_x("flags", a.flags);
		f_sigset("mask", a.mask);
		if (verbose)
			f_x("restorer", a.restorer);
		item_end();
	}
	list_end();
	return 0;
}

static void f_rlim(const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		f_w(key, "unlimited");
	else
		f_u(key, v);
}

static int do_signal(struct ckpt_hdr_signal *s)
{
	uint32_t i;

	f_u("nr_rlim", s->nr_rlim);
	if (s->nr_rlim > CKPT_RLIM_NLIMITS)
		return bad("%u rlimits, more than %d", s->nr_rlim,
			   CKPT_RLIM_NLIMITS);
	list_begin("rlimits");
	for (i = 0; i < s->nr_rlim; i++) {
		if (s->rlim[i].cur > s->rlim[i].max)
			return bad("rlimit %s: soft limit above the hard one",
				   rlimit_names[i]);
		/* Salient: the limits that limit something */
		if (!verbose && s->rlim[i].cur == UINT64_MAX &&
		    s->rlim[i].max == UINT64_MAX)
			continue;
		item_begin("rlimit %s", rlimit_names[i]);
		if (json)
			f_w("resource", rlimit_names[i]);
		f_rlim("cur", s->rlim[i].cur);
		f_rlim("max", s->rlim[i].max);
		item_end();
	}
	list_end();
	img.expect = CKPT_HDR_SIGPENDING;
	img.expect_why = "after SIGNAL";
	img.timers_next = true;
	return 0;
}

static int do_task_signal(struct ckpt_hdr_task_signal *s)
{
	f_sigset("blocked", s->blocked);
	if (s->sas_ss_size || verbose) {
		f_x("sas_ss_sp", s->sas_ss_sp);
		f_u("sas_ss_size", s->sas_ss_size);
		f_x("sas_ss_flags", s->sas_ss_flags);
	}
	img.expect = CKPT_HDR_SIGPENDING;
	img.expect_why = "after TASK_SIGNAL";
	return 0;
}

static int do_sigpending(struct ckpt_hdr_sigpending *s)
{
	struct ckpt_siginfo si;
	char name[SIGNAME_LEN];
	int32_t code;
	uint32_t i;

	f_sigset("signal", s->signal);
	f_u("nr_pending", s->nr_pending);
	if (cur_len != sizeof(*s) + (uint64_t)s->nr_pending * sizeof(si))
		return bad("%u queued signals do not fit the length %u",
			   s->nr_pending, cur_len);
	list_begin("queued");
	for (i = 0; i < s->nr_pending; i++) {
		if (rd_must(&si, sizeof(si)))
			return -1;
		memcpy(&code, si.info + 8, sizeof(code));	/* si_code */
		item_begin("queued %u", i);
		f_u("signo", si.signo);
		if (si.signo >= 1 && si.signo <= NSIG_MAX)
			f_w("signal", sig_name(si.signo, name, sizeof(name)));
		f_i("code", code);
		item_end();
		if (si.signo < 1 || si.signo > NSIG_MAX)
			return bad("queued signal %u is invalid", si.signo);
	}
	list_end();
	if (img.timers_next) {
		img.timers_next = false;
		img.expect = CKPT_HDR_TIMERS;
		img.expect_why = "after the SIGPENDING of a SIGNAL";
	}
	return 0;
}

static const char *const itimer_names[CKPT_ITIMER_NR] = {
	[CKPT_ITIMER_REAL] = "ITIMER_REAL",
	[CKPT_ITIMER_VIRTUAL] = "ITIMER_VIRTUAL",
	[CKPT_ITIMER_PROF] = "ITIMER_PROF",
};

static const char *const clock_names[] = {
	[0] = "CLOCK_REALTIME", [1] = "CLOCK_MONOTONIC",
	[7] = "CLOCK_BOOTTIME", [11] = "CLOCK_TAI",
};

/* CKPT_CPUCLOCK_*: indexed by clock + 8 */
static const char *const cpu_clock_names[] = {
	[0] = "process PROF", [1] = "process VIRT", [2] = "process SCHED",
	[4] = "thread PROF", [5] = "thread VIRT", [6] = "thread SCHED",
};

static const char *const notify_names[] = {
	[0] = "SIGEV_SIGNAL", [1] = "SIGEV_NONE", [2] = "SIGEV_THREAD",
	[4] = "SIGEV_THREAD_ID",
};

static const struct flag_name timer_flags[] = {
	{ CKPT_TIMER_PENDING, "PENDING" },
	{ CKPT_TIMER_REARM, "REARM" },
	{ 0, NULL },
};

static int do_timers(struct ckpt_hdr_timers *t)
{
	struct ckpt_posix_timer p;
	char name[SIGNAME_LEN];
	const char *s;
	int64_t prev = -1;
	uint32_t i;

	list_begin("itimers");
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		if (!t->itimer[i].value && !t->itimer[i].interval && !verbose)
			continue;
		item_begin("%s", itimer_names[i]);
		if (json)
			f_w("which", itimer_names[i]);
		f_u("value_ns", t->itimer[i].value);
		f_u("interval_ns", t->itimer[i].interval);
		item_end();
	}
	list_end();
	f_u("next_id", t->next_id);
	f_u("nr_timers", t->nr_timers);
	if (t->nr_timers > CKPT_POSIX_TIMERS_MAX)
		return bad("%u POSIX timers, more than %d", t->nr_timers,
			   CKPT_POSIX_TIMERS_MAX);
	if (cur_len != sizeof(*t) + (uint64_t)t->nr_timers * sizeof(p))
		return bad("%u timers do not fit the length %u", t->nr_timers,
			   cur_len);
	list_begin("timers");
	for (i = 0; i < t->nr_timers; i++) {
		if (rd_must(&p, sizeof(p)))
			return -1;
		item_begin("timer %d", p.id);
		f_i("id", p.id);
		if (p.clock >= 0)
			s = name_of(clock_names, ARRAY_SIZE(clock_names), p.clock);
		else if (p.clock >= CKPT_CPUCLOCK_PROF)
			s = name_of(cpu_clock_names, ARRAY_SIZE(cpu_clock_names), p.clock + 8);
		else
			s = NULL;
		if (s)
			f_w("clock", s);
		else
			f_i("clock", p.clock);
		if (p.clock_tid || ((p.clock & CKPT_CPUCLOCK_THREAD) && p.clock < 0))
			f_i("clock_tid", p.clock_tid);
		s = p.notify >= 0 ? name_of(notify_names, ARRAY_SIZE(notify_names), p.notify) : NULL;
		if (s)
			f_w("notify", s);
		else
			f_i("notify", p.notify);
		if (p.notify != 1) {	/* SIGEV_NONE */
			f_i("signo", p.signo);
			if (p.signo >= 1 && p.signo <= NSIG_MAX)
				f_w("signal", sig_name(p.signo, name, sizeof(name)));
			f_x("sigval", p.sigval);
		}
		if (p.notify == 4 || p.tid)
			f_i("tid", p.tid);
		f_u("value_ns", p.value);
		f_u("interval_ns", p.interval);
		f_flags("flags", p.flags, timer_flags);
		if (p.flags & CKPT_TIMER_PENDING || verbose)
			f_i("queued_overrun", p.queued_overrun);
		if (p.overrun_last || verbose)
			f_i("overrun_last", p.overrun_last);
		if (p.overrun > 0 || verbose)
			f_i("overrun", p.overrun);
		item_end();
		if (p.id < 0 || p.id <= prev)
			return bad("timer ids are not unique and sorted: %d after %" PRId64,
				   p.id, prev);
		prev = p.id;
	}
	list_end();
	return 0;
}

static int do_tail(struct ckpt_hdr_tail *t)
{
	f_w("magic", t->magic == CKPT_TAIL_MAGIC ? "ok" : "bad");
	f_u("ckpt_id", t->ckpt_id);
	if (t->magic != CKPT_TAIL_MAGIC)
		return bad("bad tail magic 0x%016" PRIx64, (uint64_t)t->magic);
	if (t->ckpt_id != img.hdr.ckpt_id)
		return bad("checkpoint id %" PRIu64 " differs from the header's %" PRIu64,
			   (uint64_t)t->ckpt_id, (uint64_t)img.hdr.ckpt_id);
	if (img.pages_of != PAGES_NONE)
		return bad("the address space or shmem file at offset %" PRIu64
			   " is not complete", img.pages_since);
	if (img.nr_open)
		return bad("objref %d (%s) never got its record",
			   img.open[img.nr_open - 1],
			   ckpt_obj_name(img.objs[img.open[img.nr_open - 1] - 1].type));
	if (img.tasks != img.tree_tasks - img.tree_zombies)
		return bad("%" PRIu64 " TASK records for the %u live tasks of the tree",
			   img.tasks, img.tree_tasks - img.tree_zombies);
	img.seen_tail = true;
	return 0;
}

/* ---------------------------------------------------------------------
 * Pseudo-terminals
 */
static void f_termios(const char *key, const struct ckpt_termios *t)
{
	char cc[3 * CKPT_TTY_NCCS + 1];
	int i;

	item_begin("%s", key);
	if (json)
		f_w("end", key);
	f_x("iflag", t->c_iflag);
	f_x("oflag", t->c_oflag);
	f_x("cflag", t->c_cflag);
	f_x("lflag", t->c_lflag);
	f_u("ispeed", t->c_ispeed);
	f_u("ospeed", t->c_ospeed);
	f_u("line", t->c_line);
	for (i = 0; i < CKPT_TTY_NCCS; i++)
		snprintf(cc + 3 * i, sizeof(cc) - 3 * i, "%02x%s", t->c_cc[i],
			 i + 1 < CKPT_TTY_NCCS ? ":" : "");
	f_w("cc", cc);
	item_end();
}

static int do_tty(struct ckpt_hdr_tty *h)
{
	static char path[CKPT_PATH_MAX];
	char ws[64];

	f_u("index", h->index);
	f_flags("flags", h->flags, tty_names);
	if (verbose || h->pktstatus)
		f_x("pktstatus", h->pktstatus);
	snprintf(ws, sizeof(ws), "%ux%u (%ux%u pixels)", h->winsize.ws_col,
		 h->winsize.ws_row, h->winsize.ws_xpixel, h->winsize.ws_ypixel);
	f_w("winsize", ws);
	list_begin("termios");
	f_termios("master", &h->master_termios);
	f_termios("slave", &h->slave_termios);
	list_end();
	if (h->flags & ~CKPT_TTY_FLAGS)
		return bad("unknown flags %#x", h->flags & ~CKPT_TTY_FLAGS);
	if (h->pktstatus > 0xff)
		return bad("packet status %#x is not a byte", h->pktstatus);
	if (cur_len != round8(sizeof(*h) + (uint64_t)h->ptmx_len))
		return bad("a ptmx path of %u bytes does not fit the length %u",
			   h->ptmx_len, cur_len);
	if (rd_path("ptmx", path, h->ptmx_len))
		return -1;
	f_s("ptmx", path, h->ptmx_len);
	if (path[0] != '/')
		return bad("ptmx path is not absolute");
	img.tty_data_next = CKPT_TTY_MASTER;
	img.expect = CKPT_HDR_TTY_DATA;
	img.expect_why = "after a TTY record";
	return 0;
}

static int do_tty_data(struct ckpt_hdr_tty_data *d)
{
	uint64_t bits = (d->len + 7ULL) / 8;

	f_w("side", d->side == CKPT_TTY_MASTER ? "MASTER" :
		    d->side == CKPT_TTY_SLAVE ? "SLAVE" : "unknown");
	f_u("len", d->len);
	if ((int)d->side != img.tty_data_next)
		return bad("the %s's data, expected the %s's", d->side ? "slave" : "master",
			   img.tty_data_next ? "slave" : "master");
	if (d->len > CKPT_TTY_DATA_MAX ||
	    cur_len != round8(sizeof(*d) + (uint64_t)d->len + bits))
		return bad("%u bytes of data do not fit the length %u", d->len,
			   cur_len);
	if (d->side == CKPT_TTY_MASTER) {
		img.tty_data_next = CKPT_TTY_SLAVE;
		img.expect = CKPT_HDR_TTY_DATA;
		img.expect_why = "after the master's TTY_DATA";
	} else {
		img.tty_data_next = -1;
	}
	/* the data is not printed */
	return skip(d->len + bits);
}

static int do_ctty(struct ckpt_hdr_ctty *h)
{
	f_i("tty", h->tty_objref);
	f_i("pgrp", h->pgrp);
	if (check_ref("tty_objref", h->tty_objref, CKPT_OBJ_TTY, false))
		return -1;
	if (h->pgrp < 0)
		return bad("process group %d", h->pgrp);
	return 0;
}

/* ---------------------------------------------------------------------
 * SysV IPC
 */
static int do_ipcns(struct ckpt_hdr_ipcns *h)
{
	uint32_t i;

	f_u("nr_shm", h->nr_shm);
	f_u("nr_sem", h->nr_sem);
	f_u("nr_msg", h->nr_msg);
	f_u("shmmax", h->shm_ctlmax);
	f_u("shmall", h->shm_ctlall);
	f_u("shmmni", h->shm_ctlmni);
	f_u("shm_rmid_forced", h->shm_rmid_forced);
	f_u("msgmax", h->msg_ctlmax);
	f_u("msgmnb", h->msg_ctlmnb);
	f_u("msgmni", h->msg_ctlmni);
	list_begin("sem");
	for (i = 0; i < 4; i++) {
		item_begin("sem_ctls %u", i);
		f_u("value", h->sem_ctls[i]);
		item_end();
	}
	list_end();
	img.ipcns_seen++;
	if (img.ipcns_seen > img.tree_newipc)
		return bad("%u IPCNS records where %u tasks have NEWIPC",
			   img.ipcns_seen, img.tree_newipc);
	if (h->nr_shm > 32768 || h->nr_sem > 32768 || h->nr_msg > 32768)
		return bad("more than IPCMNI objects");
	img.ipc_left[0] = h->nr_shm;
	img.ipc_left[1] = h->nr_sem;
	img.ipc_left[2] = h->nr_msg;
	return 0;
}

static void f_ipc_perm(const struct ckpt_ipc_perm *p)
{
	f_i("id", p->id);
	f_x("key", (uint32_t)p->key);
	f_u("uid", p->uid);
	f_u("gid", p->gid);
	f_u("cuid", p->cuid);
	f_u("cgid", p->cgid);
	f_x("mode", p->mode);
}

/* The next SysV object: of kind @k (0 shm, 1 sem, 2 msg), as announced */
static int ipc_next(int k, const struct ckpt_ipc_perm *p)
{
	int j;

	for (j = 0; j < k; j++)
		if (img.ipc_left[j])
			return bad("%u objects of an earlier kind still due", img.ipc_left[j]);
	if (!img.ipc_left[k])
		return bad("an IPC object the IPCNS record did not announce");
	img.ipc_left[k]--;
	if (p->id < 0 || (p->mode & ~0777u) || p->__pad)
		return bad("IPC object %d: bad id or mode %#o", p->id, p->mode);
	return 0;
}

static int do_ipc_shm(struct ckpt_hdr_ipc_shm *h)
{
	f_ipc_perm(&h->perm);
	f_u("size", h->size);
	if (h->flags || verbose)
		f_x("flags", h->flags);
	if (ipc_next(0, &h->perm))
		return -1;
	if (!h->size || (h->flags & ~CKPT_SHM_DEST))
		return bad("segment %d: size %" PRIu64 ", flags %#x", h->perm.id,
			   (uint64_t)h->size, h->flags);
	img.pages_of = PAGES_SHMEM;
	img.shmem_size = h->size;
	img.pages_since = cur_off;
	return 0;
}

static int do_ipc_sem(struct ckpt_hdr_ipc_sem *h)
{
	uint32_t i;
	int32_t v;

	f_ipc_perm(&h->perm);
	f_u("nsems", h->nsems);
	if (ipc_next(1, &h->perm))
		return -1;
	if (!h->nsems || cur_len != round8(sizeof(*h) + (uint64_t)h->nsems * sizeof(v)))
		return bad("%u semaphores do not fit the length %u", h->nsems, cur_len);
	list_begin("semval");
	for (i = 0; i < h->nsems; i++) {
		if (rd_must(&v, sizeof(v)))
			return -1;
		item_begin("sem %u", i);
		f_i("value", v);
		item_end();
		if (v < 0 || v > 32767)
			return bad("semaphore %u: value %d out of range", i, v);
	}
	list_end();
	return 0;
}

static int do_ipc_msg(struct ckpt_hdr_ipc_msg *h)
{
	struct ckpt_ipc_msg e;
	uint64_t total = 0;
	uint32_t i;

	f_ipc_perm(&h->perm);
	f_u("qbytes", h->qbytes);
	f_u("nr_msgs", h->nr_msgs);
	f_u("data_len", h->data_len);
	if (ipc_next(2, &h->perm))
		return -1;
	if (h->nr_msgs > CKPT_MSGS_MAX || h->data_len > cur_len ||
	    cur_len != round8(sizeof(*h) + (uint64_t)h->nr_msgs * sizeof(e) + h->data_len))
		return bad("%u messages of %" PRIu64 " bytes do not fit the length %u",
			   h->nr_msgs, (uint64_t)h->data_len, cur_len);
	list_begin("messages");
	for (i = 0; i < h->nr_msgs; i++) {
		if (rd_must(&e, sizeof(e)))
			return -1;
		item_begin("msg %u", i);
		f_i("mtype", e.mtype);
		f_u("len", e.len);
		item_end();
		if (e.mtype < 1 || e.len > h->data_len - total)
			return bad("message %u: type %" PRId64 ", %" PRIu64 " bytes", i,
				   (int64_t)e.mtype, (uint64_t)e.len);
		total += e.len;
	}
	list_end();
	if (total != h->data_len)
		return bad("the messages hold %" PRIu64 " bytes, not %" PRIu64, total,
			   (uint64_t)h->data_len);
	return 0;
}

static int do_sem_undo(struct ckpt_hdr_sem_undo *h)
{
	struct ckpt_sem_undo *u;
	uint64_t total = 0;
	uint32_t i, j;
	int32_t v;
	int ret = 0;

	f_u("nr_undos", h->nr_undos);
	f_u("nr_adj", h->nr_adj);
	if (cur_len != round8(sizeof(*h) + (uint64_t)h->nr_undos * sizeof(*u) +
					      (uint64_t)h->nr_adj * sizeof(v)))
		return bad("%u sets and %u adjustments do not fit the length %u",
			   h->nr_undos, h->nr_adj, cur_len);
	u = calloc(h->nr_undos + 1, sizeof(*u));
	if (!u)
		return bad("out of memory");
	if (rd_must(u, h->nr_undos * sizeof(*u))) {
		free(u);
		return -1;
	}
	for (i = 0; i < h->nr_undos; i++)
		total += u[i].nsems;
	if (total != h->nr_adj) {
		free(u);
		return bad("the sets have %" PRIu64 " semaphores, not %u", total, h->nr_adj);
	}
	list_begin("undos");
	for (i = 0; i < h->nr_undos && !ret; i++) {
		item_begin("set %u", i);
		f_i("semid", u[i].semid);
		f_u("nsems", u[i].nsems);
		list_begin("semadj");
		for (j = 0; j < u[i].nsems && !ret; j++) {
			if (rd_must(&v, sizeof(v))) {
				ret = -1;
				break;
			}
			item_begin("sem %u", j);
			f_i("adj", v);
			item_end();
			if (v < -32767 || v > 32767)
				ret = bad("set %d, semaphore %u: adjustment %d out of range",
					  u[i].semid, j, v);
		}
		list_end();
		item_end();
	}
	list_end();
	free(u);
	return ret;
}

/* ---------------------------------------------------------------------
 * The record loop
 */
typedef int (*record_fn)(void *);

static const struct record_type {
	uint32_t type;
	size_t size;		/* of the fixed part, read before @fn */
	record_fn fn;
	bool exact;		/* the record has no variable part */
	bool per_task;		/* belongs to the TASK record before it */
} record_types[] = {
#define R(t, s, f, e, p)	{ t, sizeof(struct s), (record_fn)f, e, p }
	R(CKPT_HDR_HEADER_ARCH,	ckpt_hdr_header_arch,	do_header_arch,	true, false),
	R(CKPT_HDR_OBJ,		ckpt_hdr,		do_obj,		true, false),
	R(CKPT_HDR_TREE,	ckpt_hdr_tree,		do_tree,	false, false),
	R(CKPT_HDR_TASK,	ckpt_hdr_task,		do_task,	true, false),
	R(CKPT_HDR_TASK_OBJS,	ckpt_hdr_task_objs,	do_task_objs,	true, true),
	R(CKPT_HDR_CRED,	ckpt_hdr_cred,		do_cred,	false, false),
	R(CKPT_HDR_PIDNS,	ckpt_hdr_pidns,		do_pidns,	false, false),
	R(CKPT_HDR_UTSNS,	ckpt_hdr_utsns,		do_utsns,	false, false),
	R(CKPT_HDR_PIDNS_GHOSTS, ckpt_hdr_pidns_ghosts,	do_pidns_ghosts, false, false),
	R(CKPT_HDR_IPCNS,	ckpt_hdr_ipcns,		do_ipcns,	true, false),
	R(CKPT_HDR_IPC_SHM,	ckpt_hdr_ipc_shm,	do_ipc_shm,	true, false),
	R(CKPT_HDR_IPC_SEM,	ckpt_hdr_ipc_sem,	do_ipc_sem,	false, false),
	R(CKPT_HDR_IPC_MSG,	ckpt_hdr_ipc_msg,	do_ipc_msg,	false, false),
	R(CKPT_HDR_SEM_UNDO,	ckpt_hdr_sem_undo,	do_sem_undo,	false, false),
	R(CKPT_HDR_CPU,		ckpt_hdr_cpu,		do_cpu,		true, true),
	R(CKPT_HDR_FPU,		ckpt_hdr_fpu,		do_fpu,		false, true),
	R(CKPT_HDR_DEBUGREGS,	ckpt_hdr_debugregs,	do_debugregs,	true, true),
	R(CKPT_HDR_MM,		ckpt_hdr_mm,		do_mm,		false, false),
	R(CKPT_HDR_PAGES,	ckpt_hdr_pages,		do_pages,	false, false),
	R(CKPT_HDR_MM_HOLES,	ckpt_hdr_mm_holes,	do_mm_holes,	false, false),
	R(CKPT_HDR_FILE_TABLE,	ckpt_hdr_file_table,	do_file_table,	false, false),
	R(CKPT_HDR_FILE,	ckpt_hdr_file,		do_file,	false, false),
	R(CKPT_HDR_FS,		ckpt_hdr_fs,		do_fs,		false, false),
	R(CKPT_HDR_PIPE,	ckpt_hdr_pipe,		do_pipe,	false, false),
	R(CKPT_HDR_EVENTFD,	ckpt_hdr_eventfd,	do_eventfd,	true, false),
	R(CKPT_HDR_SIGNALFD,	ckpt_hdr_signalfd,	do_signalfd,	true, false),
	R(CKPT_HDR_TIMERFD,	ckpt_hdr_timerfd,	do_timerfd,	true, false),
	R(CKPT_HDR_EPOLL,	ckpt_hdr_epoll,		do_epoll,	false, false),
	R(CKPT_HDR_FILE_SEALS,	ckpt_hdr_file_seals,	do_file_seals,	true, false),
	R(CKPT_HDR_FILE_INODE,	ckpt_hdr_file_inode,	do_file_inode,	true, false),
	R(CKPT_HDR_FILE_UNLINKED, ckpt_hdr_file_unlinked, do_file_unlinked, false, false),
	R(CKPT_HDR_FILE_DATA,	ckpt_hdr_file_data,	do_file_data,	false, false),
	R(CKPT_HDR_FILE_LOCKS,	ckpt_hdr_file_locks,	do_file_locks,	false, false),
	R(CKPT_HDR_INOTIFY,	ckpt_hdr_inotify,	do_inotify,	false, false),
	R(CKPT_HDR_INOTIFY_EVENTS, ckpt_hdr_inotify_events, do_inotify_events, false, false),
	R(CKPT_HDR_SIGHAND,	ckpt_hdr_sighand,	do_sighand,	false, false),
	R(CKPT_HDR_SIGNAL,	ckpt_hdr_signal,	do_signal,	true, false),
	R(CKPT_HDR_TASK_SIGNAL,	ckpt_hdr_task_signal,	do_task_signal,	true, true),
	R(CKPT_HDR_SIGPENDING,	ckpt_hdr_sigpending,	do_sigpending,	false, false),
	R(CKPT_HDR_TIMERS,	ckpt_hdr_timers,	do_timers,	false, false),
	R(CKPT_HDR_SOCKET,	ckpt_hdr_socket,	do_socket,	false, false),
	R(CKPT_HDR_SOCKET_QUEUE, ckpt_hdr_socket_queue,	do_socket_queue, false, false),
	R(CKPT_HDR_SOCKET_LISTENQ, ckpt_hdr_socket_listenq, do_socket_listenq, false, false),
	R(CKPT_HDR_SOCKET_FDS,	ckpt_hdr_socket_fds,	do_socket_fds,	false, false),
	R(CKPT_HDR_TTY,		ckpt_hdr_tty,		do_tty,		false, false),
	R(CKPT_HDR_TTY_DATA,	ckpt_hdr_tty_data,	do_tty_data,	false, false),
	R(CKPT_HDR_CTTY,	ckpt_hdr_ctty,		do_ctty,	true, false),
	R(CKPT_HDR_TAIL,	ckpt_hdr_tail,		do_tail,	true, false),
#undef R
};

static const struct record_type *record_type(uint32_t type)
{
	size_t i;

	/* CKPT_HDR_OBJ + objtype: one entry for all the object types */
	if (ckpt_hdr_is_obj(type))
		type = CKPT_HDR_OBJ;
	else if (type == CKPT_HDR_OBJ)
		return NULL;		/* CKPT_OBJ_IGNORE: no object */
	for (i = 0; i < ARRAY_SIZE(record_types); i++)
		if (record_types[i].type == type)
			return &record_types[i];
	return NULL;
}

static union {
	struct ckpt_hdr h;
	struct ckpt_hdr_header header;
	struct ckpt_hdr_header_arch arch;
	struct ckpt_hdr_mm mm;
	struct ckpt_hdr_cpu cpu;
	struct ckpt_hdr_signal signal;
	char bytes[1024];
} rec;

_Static_assert(sizeof(struct ckpt_hdr_mm) <= sizeof(rec.bytes),
	       "the record buffer holds every fixed part");

/* Which records may only come as the object an OBJ record introduces */
static bool is_object_record(uint32_t type)
{
	uint32_t i;

	for (i = 1; i < CKPT_OBJ_MAX; i++)
		if (ckpt_obj_hdr_type(i) == type)
			return true;
	return false;
}

/*
 * Checks of the record's place in the stream, before its contents:
 * what an earlier record announced (pages, pending signals) comes
 * first; an object record closes the innermost open OBJ, which must
 * be of its type; nothing else may come while an object is open.
 */
static int check_order(uint32_t type)
{
	uint32_t expected = img.expect;
	bool ctty_ok = img.ctty_ok, ghosts_ok = img.ghosts_ok;
	bool sock_fds_ok = img.sock_fds_ok;
	int32_t ref;

	img.expect = 0;
	img.ctty_ok = false;
	img.sock_fds_ok = false;
	img.ghosts_ok = false;
	if (type == CKPT_HDR_PIDNS_GHOSTS) {
		if (!ghosts_ok)
			return bad("PIDNS_GHOSTS not right after the PIDNS record");
		/* what the PIDNS record announced comes after it */
		img.expect = expected;
		return 0;
	}
	if (type == CKPT_HDR_HEADER ||
	    (type == CKPT_HDR_HEADER_ARCH && cur_off != sizeof(rec.header)))
		return bad("a second %s record", ckpt_hdr_name(type));
	if (expected && type != expected)
		return bad("expected a %s record %s", ckpt_hdr_name(expected),
			   img.expect_why);
	if (type == CKPT_HDR_SIGPENDING) {
		if (expected != CKPT_HDR_SIGPENDING)
			return bad("SIGPENDING not after SIGNAL or TASK_SIGNAL");
		return 0;
	}
	if (type == CKPT_HDR_EVENTFD || type == CKPT_HDR_SIGNALFD ||
	    type == CKPT_HDR_TIMERFD || type == CKPT_HDR_EPOLL ||
	    type == CKPT_HDR_INOTIFY || type == CKPT_HDR_INOTIFY_EVENTS) {
		if (expected != type)
			return bad("%s not after the file record of its kind",
				   ckpt_hdr_name(type));
		return 0;
	}
	if (type == CKPT_HDR_TIMERS) {
		if (expected != CKPT_HDR_TIMERS)
			return bad("TIMERS not after the SIGPENDING of a SIGNAL");
		img.ctty_ok = true;
		return 0;
	}
	if (type == CKPT_HDR_TTY_DATA) {
		if (expected != CKPT_HDR_TTY_DATA)
			return bad("TTY_DATA not after a TTY record");
		return 0;
	}
	if (type == CKPT_HDR_CTTY) {
		if (!ctty_ok)
			return bad("CTTY not after the TIMERS of a SIGNAL");
		return 0;
	}
	if (type == CKPT_HDR_SOCKET_QUEUE) {
		if (expected != CKPT_HDR_SOCKET_QUEUE)
			return bad("SOCKET_QUEUE not after a SOCKET or SOCKET_LISTENQ");
		return 0;
	}
	if (type == CKPT_HDR_SOCKET_FDS) {
		if (!sock_fds_ok)
			return bad("SOCKET_FDS not after a socket's FILE record");
		return 0;
	}
	if (type == CKPT_HDR_SOCKET_LISTENQ) {
		if (!img.listenq_next)
			return bad("SOCKET_LISTENQ not after a listening socket's records");
		return 0;
	}

	if (img.pages_of != PAGES_NONE) {
		if (type != CKPT_HDR_PAGES)
			return bad("the pages of the %s at offset %" PRIu64
				   " do not end with a PAGES record of no page",
				   img.pages_of == PAGES_MM ? "address space" : "shmem file",
				   img.pages_since);
		return 0;
	}
	if (type == CKPT_HDR_IPC_SHM || type == CKPT_HDR_IPC_SEM ||
	    type == CKPT_HDR_IPC_MSG) {
		if (!img.ipc_left[type - CKPT_HDR_IPC_SHM])
			return bad("%s not announced by an IPCNS record", ckpt_hdr_name(type));
		return 0;
	}
	if (img.ipc_left[0] || img.ipc_left[1] || img.ipc_left[2])
		return bad("the IPCNS record announces %u/%u/%u more objects",
			   img.ipc_left[0], img.ipc_left[1], img.ipc_left[2]);
	if (ckpt_hdr_is_obj(type) || !record_type(type))
		return 0;
	/*
	 * What may follow a file's record (and a fd table's, for locks)
	 * comes while the objects the file is nested in are still open
	 */
	if (type == CKPT_HDR_FILE_SEALS || type == CKPT_HDR_FILE_UNLINKED ||
	    type == CKPT_HDR_FILE_DATA || type == CKPT_HDR_FILE_LOCKS)
		return 0;

	ref = img.nr_open ? img.open[img.nr_open - 1] : 0;
	if (is_object_record(type)) {
		if (!ref)
			return bad("an object record without its OBJ record");
		if (ckpt_obj_hdr_type(img.objs[ref - 1].type) != type)
			return bad("objref %d (%s) is open: its %s record must come before a %s record",
				   ref, ckpt_obj_name(img.objs[ref - 1].type),
				   ckpt_hdr_name(ckpt_obj_hdr_type(img.objs[ref - 1].type)),
				   ckpt_hdr_name(type));
		img.nr_open--;
		img.objs[ref - 1].done = true;
		img.cur_obj = ref;
		return 0;
	}
	if (ref)
		return bad("objref %d (%s) is still waiting for its record", ref,
			   ckpt_obj_name(img.objs[ref - 1].type));
	return 0;
}

/* Read and print one record; returns 1 on the tail, 0 to go on, -1 */
static int do_record(void)
{
	const struct record_type *rt;
	uint64_t consumed;
	int ret;

	cur_off = in.off;
	cur_type = 0;
	cur_len = 0;
	ret = rd(&rec.h, sizeof(rec.h));
	if (ret <= 0) {
		if (ret == 0 && !in.off)
			bad_image(0, "empty input: no image");
		else if (ret == 0)
			bad_image(in.off, "truncated: the input ends at offset %" PRIu64
				  " without a TAIL record", in.off);
		return -1;
	}
	cur_type = rec.h.type;
	cur_len = rec.h.len;
	img.records++;

	/* The header: read all of it, whatever its length says */
	if (cur_off == 0) {
		rec_begin(cur_off, cur_type, cur_len);
		if (rd_must(rec.bytes + sizeof(rec.h),
			    sizeof(rec.header) - sizeof(rec.h)))
			return -1;
		ret = do_header(&rec.header);
		rec_end();
		return ret;
	}

	rec_begin(cur_off, cur_type, cur_len);
	if (cur_len < sizeof(rec.h) || cur_len % 8)
		return bad("invalid length %u (not a multiple of 8 of at least 8)",
			   cur_len);
	if (in.size_known && cur_off <= in.size &&
	    cur_len > in.size - cur_off)
		return bad("length %u runs past the end of the input (%" PRIu64
			   " bytes remain)", cur_len, in.size - cur_off);

	if (cur_off == sizeof(rec.header) && cur_type != CKPT_HDR_HEADER_ARCH)
		return bad("expected HEADER_ARCH after the header");
	if (check_order(cur_type))
		return -1;

	rt = record_type(cur_type);
	if (!rt) {
		/* Unknown: shown with its length, skipped */
		ret = skip(cur_len - sizeof(rec.h));
		rec_end();
		return ret;
	}
	if (cur_len < rt->size)
		return bad("length %u is shorter than the fixed part (%zu bytes)",
			   cur_len, rt->size);
	if (rt->exact && check_len(rt->size))
		return -1;
	if (rt->per_task && !img.tasks)
		return bad("a per-task record before any TASK record");
	if (rd_must(rec.bytes + sizeof(rec.h), rt->size - sizeof(rec.h)))
		return -1;

	consumed = in.off;
	if (rt->fn(&rec))
		return -1;
	/* Padding after the variable part */
	consumed = in.off - consumed + rt->size;
	if (consumed < cur_len && skip(cur_len - consumed))
		return -1;
	rec_end();
	return cur_type == CKPT_HDR_TAIL;
}

/* After the tail: the input must end */
static void check_trailing(void)
{
	char c;
	ssize_t n;

	do {
		n = read(in.fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		bad_image(in.off, "trailing data after the TAIL record at offset %" PRIu64,
			  in.off);
	else if (n < 0)
		bad_image(in.off, "read error at offset %" PRIu64 ": %s",
			  in.off, strerror(errno));
}

static void print_summary(void)
{
	uint32_t i;

	if (json) {
		json_open("summary", '{', '}');
		f_u("records", img.records);
		f_u("objects", img.nr_objs);
		json_open("objects_by_type", '{', '}');
		for (i = 1; i < CKPT_OBJ_MAX; i++)
			if (ckpt_obj_name(i))
				f_u(ckpt_obj_name(i), img.obj_count[i]);
		json_close();
		f_u("tasks", img.tasks);
		f_u("vmas", img.vmas);
		f_u("pages", img.pages);
		f_u("page_bytes", img.page_bytes);
		f_u("size", in.off);
		json_close();
		f_bool("valid", !have_error);
		if (have_error) {
			json_key("error");
			json_str(error_msg, sizeof(error_msg));
			f_u("error_offset", error_off);
		}
		return;
	}
	printf("summary: %" PRIu64 " records, %zu objects (", img.records,
	       img.nr_objs);
	for (i = 1; i < CKPT_OBJ_MAX; i++)
		if (ckpt_obj_name(i))
			printf("%s%" PRIu64 " %s", i > 1 ? ", " : "", img.obj_count[i],
			       ckpt_obj_name(i));
	printf("), %" PRIu64 " task%s, %" PRIu64 " vmas, %" PRIu64
	       " pages (%" PRIu64 " bytes), %" PRIu64 " bytes in all\n",
	       img.tasks, img.tasks == 1 ? "" : "s", img.vmas, img.pages,
	       img.page_bytes, in.off);
	printf("image %s\n", have_error ? "MALFORMED" : "ok");
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ckptinfo [OPTIONS] [FILE]\n"
"Print and check a checkpoint image (stdin without FILE).\n"
"\n"
"  -j, --json      print one JSON document instead of text\n"
"  -v, --verbose   print every field (registers, page runs, ...)\n"
"  -h, --help      show this help\n"
"\n"
"Each record is shown with its offset, type, length and salient fields;\n"
"page data is not shown.  Exit status: 0 for a valid image, 1 for a\n"
"malformed or truncated one (reported on stderr after what could be\n"
"printed), 2 on bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "verbose",	no_argument, NULL, 'v' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct stat st;
	off_t pos;
	int c, ret;

	prog = "ckptinfo";
	while ((c = getopt_long(argc, argv, "jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'ckptinfo --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		die(EXIT_USAGE, "too many arguments: one image at a time");

	in.fd = STDIN_FILENO;
	in.name = "stdin";
	if (optind < argc && strcmp(argv[optind], "-")) {
		in.name = argv[optind];
		in.fd = open(in.name, O_RDONLY | O_CLOEXEC);
		if (in.fd < 0)
			die(EXIT_FAIL, "cannot open %s: %s", in.name,
			    strerror(errno));
	}
	if (fstat(in.fd, &st))
		die(EXIT_FAIL, "%s: %s", in.name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die(EXIT_FAIL, "%s is a directory", in.name);
	if (isatty(in.fd))
		die(EXIT_FAIL, "refusing to read an image from a terminal (give a FILE or redirect stdin)");
	if (S_ISREG(st.st_mode)) {
		pos = lseek(in.fd, 0, SEEK_CUR);
		if (pos >= 0 && pos <= st.st_size) {
			in.size = st.st_size - pos;
			in.size_known = true;
		}
	}

	if (json) {
		out.first[0] = true;
		json_open(NULL, '{', '}');
		json_key("file");
		json_str(in.name, strlen(in.name));
		json_open("records", '[', ']');
	} else {
		printf("%s:\n%10s  %-12s %9s  %s\n", in.name, "OFFSET", "TYPE",
		       "LEN", "FIELDS");
	}

	do {
		ret = do_record();
	} while (!ret);
	if (ret > 0)
		check_trailing();

	/* Close what an error left open */
	if (json) {
		while (out.depth > 2)
			json_close();
		json_close();		/* records */
	} else {
		text_end_line();
	}
	print_summary();
	if (json) {
		json_close();
		putchar('\n');
	}
	if (fflush(stdout) || ferror(stdout))
		die(EXIT_FAIL, "writing the output: %s", strerror(errno));

	free(img.objs);
	free(img.open);
	free(img.tree_pids);
	free(img.pidns_level);
	free(img.mm_vmas);
	if (have_error) {
		fprintf(stderr, "ckptinfo: %s: malformed image: %s\n", in.name,
			error_msg);
		return EXIT_FAIL;
	}
	return 0;
}
