// SPDX-License-Identifier: GPL-2.0
/*
 * Reading checkpoint images (include/uapi/linux/checkpoint_hdr.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "image.h"

static const struct {
	uint32_t type;
	const char *name;
} hdr_names[] = {
	{ CKPT_HDR_HEADER,	"HEADER" },
	{ CKPT_HDR_HEADER_ARCH,	"HEADER_ARCH" },
	{ CKPT_HDR_TREE,	"TREE" },
	{ CKPT_HDR_TASK,	"TASK" },
	{ CKPT_HDR_TASK_OBJS,	"TASK_OBJS" },
	{ CKPT_HDR_CRED,	"CRED" },
	{ CKPT_HDR_PIDNS,	"PIDNS" },
	{ CKPT_HDR_UTSNS,	"UTSNS" },
	{ CKPT_HDR_PIDNS_GHOSTS, "PIDNS_GHOSTS" },
	{ CKPT_HDR_IPCNS,	"IPCNS" },
	{ CKPT_HDR_IPC_SHM,	"IPC_SHM" },
	{ CKPT_HDR_IPC_SEM,	"IPC_SEM" },
	{ CKPT_HDR_IPC_MSG,	"IPC_MSG" },
	{ CKPT_HDR_SEM_UNDO,	"SEM_UNDO" },
	{ CKPT_HDR_CPU,		"CPU" },
	{ CKPT_HDR_FPU,		"FPU" },
	{ CKPT_HDR_DEBUGREGS,	"DEBUGREGS" },
	{ CKPT_HDR_MM,		"MM" },
	{ CKPT_HDR_PAGES,	"PAGES" },
	{ CKPT_HDR_MM_HOLES,	"MM_HOLES" },
	{ CKPT_HDR_FILE_TABLE,	"FILE_TABLE" },
	{ CKPT_HDR_FILE,	"FILE" },
	{ CKPT_HDR_FS,		"FS" },
	{ CKPT_HDR_PIPE,	"PIPE" },
	{ CKPT_HDR_EVENTFD,	"EVENTFD" },
	{ CKPT_HDR_SIGNALFD,	"SIGNALFD" },
	{ CKPT_HDR_TIMERFD,	"TIMERFD" },
	{ CKPT_HDR_EPOLL,	"EPOLL" },
	{ CKPT_HDR_FILE_SEALS,	"FILE_SEALS" },
	{ CKPT_HDR_FILE_INODE,	"FILE_INODE" },
	{ CKPT_HDR_FILE_UNLINKED, "FILE_UNLINKED" },
	{ CKPT_HDR_FILE_DATA,	"FILE_DATA" },
	{ CKPT_HDR_FILE_LOCKS,	"FILE_LOCKS" },
	{ CKPT_HDR_INOTIFY,	"INOTIFY" },
	{ CKPT_HDR_INOTIFY_EVENTS, "INOTIFY_EVENTS" },
	{ CKPT_HDR_SIGHAND,	"SIGHAND" },
	{ CKPT_HDR_SIGNAL,	"SIGNAL" },
	{ CKPT_HDR_TASK_SIGNAL,	"TASK_SIGNAL" },
	{ CKPT_HDR_SIGPENDING,	"SIGPENDING" },
	{ CKPT_HDR_TIMERS,	"TIMERS" },
	{ CKPT_HDR_SOCKET,	"SOCKET" },
	{ CKPT_HDR_SOCKET_QUEUE, "SOCKET_QUEUE" },
	{ CKPT_HDR_SOCKET_LISTENQ, "SOCKET_LISTENQ" },
	{ CKPT_HDR_SOCKET_FDS,	"SOCKET_FDS" },
	{ CKPT_HDR_TTY,		"TTY" },
	{ CKPT_HDR_TTY_DATA,	"TTY_DATA" },
	{ CKPT_HDR_CTTY,	"CTTY" },
	{ CKPT_HDR_TAIL,	"TAIL" },
};

static const struct {
	const char *name;
	uint32_t hdr_type;
} obj_types[CKPT_OBJ_MAX] = {
	[CKPT_OBJ_IGNORE]	= { "IGNORE",		0 },
	[CKPT_OBJ_FILE_TABLE]	= { "FILE_TABLE",	CKPT_HDR_FILE_TABLE },
	[CKPT_OBJ_FILE]		= { "FILE",		CKPT_HDR_FILE },
	[CKPT_OBJ_MM]		= { "MM",		CKPT_HDR_MM },
	[CKPT_OBJ_FS]		= { "FS",		CKPT_HDR_FS },
	[CKPT_OBJ_SIGHAND]	= { "SIGHAND",		CKPT_HDR_SIGHAND },
	[CKPT_OBJ_SIGNAL]	= { "SIGNAL",		CKPT_HDR_SIGNAL },
	[CKPT_OBJ_PIPE]		= { "PIPE",		CKPT_HDR_PIPE },
	[CKPT_OBJ_CRED]		= { "CRED",		CKPT_HDR_CRED },
	[CKPT_OBJ_INODE]	= { "INODE",		CKPT_HDR_FILE_INODE },
	[CKPT_OBJ_SOCK]		= { "SOCK",		CKPT_HDR_SOCKET },
	[CKPT_OBJ_TTY]		= { "TTY",		CKPT_HDR_TTY },
	[CKPT_OBJ_IPCNS]	= { "IPCNS",		CKPT_HDR_IPCNS },
	[CKPT_OBJ_SEM_UNDO]	= { "SEM_UNDO",		CKPT_HDR_SEM_UNDO },
};

const char *ckpt_hdr_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hdr_names); i++)
		if (hdr_names[i].type == type)
			return hdr_names[i].name;
	if (ckpt_hdr_is_obj(type))
		return "OBJ";
	return NULL;
}

/* Does a record of @type introduce an object (CKPT_HDR_OBJ + objtype)? */
bool ckpt_hdr_is_obj(uint32_t type)
{
	return type > CKPT_HDR_OBJ && type < CKPT_HDR_OBJ_TYPE(CKPT_OBJ_MAX);
}

const char *ckpt_obj_name(uint32_t objtype)
{
	return objtype < CKPT_OBJ_MAX ? obj_types[objtype].name : NULL;
}

uint32_t ckpt_obj_hdr_type(uint32_t objtype)
{
	return objtype < CKPT_OBJ_MAX ? obj_types[objtype].hdr_type : 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int ckpt_check_header(const struct ckpt_hdr_header *h, uint32_t len,
		      char *err, size_t errlen)
{
	if (h->magic != CKPT_HEADER_MAGIC) {
		if (h->magic == __builtin_bswap64(CKPT_HEADER_MAGIC))
			return fail(err, errlen,
				    "image written on a machine of the other byte order");
		return fail(err, errlen,
			    "not a checkpoint image: bad header magic 0x%016" PRIx64
			    " (expected 0x%016llx)", (uint64_t)h->magic,
			    CKPT_HEADER_MAGIC);
	}
	if (h->h.type != CKPT_HDR_HEADER)
		return fail(err, errlen,
			    "the first record has type %u, not HEADER (%u)",
			    h->h.type, CKPT_HDR_HEADER);
	if (len != sizeof(*h))
		return fail(err, errlen,
			    "header record has length %u, expected %zu",
			    len, sizeof(*h));
	if (h->format_version != CKPT_FORMAT_VERSION)
		return fail(err, errlen,
			    "image format version %u is not supported (this tool reads version %u)",
			    h->format_version, CKPT_FORMAT_VERSION);
	if (h->arch != CKPT_ARCH_X86_64)
		return fail(err, errlen,
			    "image architecture %u is not supported (x86_64 is %u)",
			    h->arch, CKPT_ARCH_X86_64);
	if (h->page_size < 4096 || h->page_size > CKPT_PAGE_SIZE_MAX ||
	    (h->page_size & (h->page_size - 1)))
		return fail(err, errlen, "invalid page size %u", h->page_size);
	return 0;
}

int ckpt_check_header_arch(const struct ckpt_hdr_header_arch *a,
			   uint32_t len, char *err, size_t errlen)
{
	if (a->h.type != CKPT_HDR_HEADER_ARCH)
		return fail(err, errlen,
			    "the second record has type %u, not HEADER_ARCH (%u)",
			    a->h.type, CKPT_HDR_HEADER_ARCH);
	if (len != sizeof(*a))
		return fail(err, errlen,
			    "HEADER_ARCH record has length %u, expected %zu",
			    len, sizeof(*a));
	return 0;
}

void ckpt_str(char *dst, const char *src, size_t srclen)
{
	size_t i;

	for (i = 0; i < srclen && src[i]; i++) {
		unsigned char c = src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			*dst++ = c;
		} else {
			sprintf(dst, "\\x%02x", c);
			dst += 4;
		}
	}
	*dst = '\0';
}

/* Append the next @len bytes of the stream to info->prefix */
static int read_more(int fd, struct ckpt_image_info *info, size_t len,
		     char *err, size_t errlen)
{
	unsigned char *p;
	ssize_t n;

	if (len > CKPT_PREFIX_MAX - info->prefix_len)
		return fail(err, errlen,
			    "more than %d MiB of records before the process tree",
			    CKPT_PREFIX_MAX >> 20);
	p = realloc(info->prefix, info->prefix_len + len);
	if (!p) {
		errno = ENOMEM;
		return fail(err, errlen, "out of memory");
	}
	info->prefix = p;
	n = read_full(fd, p + info->prefix_len, len);
	if (n < 0)
		return fail(err, errlen, "read error at offset %zu: %s",
			    info->prefix_len, strerror(errno));
	if ((size_t)n < len) {
		errno = 0;
		if (!info->prefix_len && !n)
			return fail(err, errlen, "empty input: no image");
		return fail(err, errlen,
			    "truncated image: input ends at offset %zu, inside a record",
			    info->prefix_len + n);
	}
	info->prefix_len += len;
	return 0;
}

static int check_tree(struct ckpt_image_info *info, size_t off, uint32_t len,
		      char *err, size_t errlen)
{
	const struct ckpt_hdr_tree *t = (void *)(info->prefix + off);
	uint64_t need;

	if (len < sizeof(*t))
		return fail(err, errlen,
			    "TREE record at offset %zu is too short (%u bytes)",
			    off, len);
	need = sizeof(*t) + (uint64_t)t->nr_tasks * sizeof(t->pids[0]);
	if (need != len)
		return fail(err, errlen,
			    "TREE record at offset %zu: %u tasks do not fit its length %u",
			    off, t->nr_tasks, len);
	if (!t->nr_tasks)
		return fail(err, errlen,
			    "TREE record at offset %zu holds no task", off);
	info->nr_tasks = t->nr_tasks;
	info->pids = malloc(len - sizeof(*t));
	if (!info->pids) {
		errno = ENOMEM;
		return fail(err, errlen, "out of memory");
	}
	memcpy(info->pids, t->pids, len - sizeof(*t));
	info->tree_off = off;
	return 0;
}

/* The PIDNS record: its lengths; the tree planner checks the rest */
static int check_pidns(struct ckpt_image_info *info, size_t off, uint32_t len,
		       char *err, size_t errlen)
{
	const struct ckpt_hdr_pidns *h = (void *)(info->prefix + off);
	size_t ns_len, task_len, pids_len;
	uint64_t need;

	if (len < sizeof(*h))
		return fail(err, errlen,
			    "PIDNS record at offset %zu is too short (%u bytes)",
			    off, len);
	ns_len = (size_t)h->nr_ns * sizeof(struct ckpt_pidns);
	task_len = (size_t)h->nr_tasks * sizeof(struct ckpt_task_ns);
	pids_len = (size_t)h->nr_pids * sizeof(int32_t);
	need = sizeof(*h) + (uint64_t)ns_len + task_len + pids_len;
	if (((need + 7) & ~7ULL) != len)
		return fail(err, errlen,
			    "PIDNS record at offset %zu: %u namespaces, %u tasks and %u pids do not fit its length %u",
			    off, h->nr_ns, h->nr_tasks, h->nr_pids, len);
	if (h->nr_tasks != info->nr_tasks)
		return fail(err, errlen,
			    "PIDNS record at offset %zu: %u tasks, the tree has %u",
			    off, h->nr_tasks, info->nr_tasks);
	info->nr_ns = h->nr_ns;
	info->nr_pids = h->nr_pids;
	info->ns = malloc(ns_len + 1);
	info->task_ns = malloc(task_len + 1);
	info->ns_pids = malloc(pids_len + 1);
	if (!info->ns || !info->task_ns || !info->ns_pids) {
		errno = ENOMEM;
		return fail(err, errlen, "out of memory");
	}
	memcpy(info->ns, h + 1, ns_len);
	memcpy(info->task_ns, (const char *)(h + 1) + ns_len, task_len);
	memcpy(info->ns_pids, (const char *)(h + 1) + ns_len + task_len,
	       pids_len);
	info->pidns_off = off;
	return 0;
}

/* The PIDNS_GHOSTS record: its lengths; the tree planner checks the rest */
static int check_ghosts(struct ckpt_image_info *info, size_t off, uint32_t len,
			char *err, size_t errlen)
{
	const struct ckpt_hdr_pidns_ghosts *h = (void *)(info->prefix + off);
	size_t ns_len, pids_len;
	uint64_t need;

	if (len < sizeof(*h))
		return fail(err, errlen,
			    "PIDNS_GHOSTS record at offset %zu is too short (%u bytes)",
			    off, len);
	ns_len = (size_t)h->nr_ghosts * sizeof(uint32_t);
	pids_len = (size_t)h->nr_pids * sizeof(int32_t);
	need = sizeof(*h) + (uint64_t)ns_len + pids_len;
	if (((need + 7) & ~7ULL) != len || !h->nr_ghosts)
		return fail(err, errlen,
			    "PIDNS_GHOSTS record at offset %zu: %u ghosts and %u pids do not fit its length %u",
			    off, h->nr_ghosts, h->nr_pids, len);
	info->nr_ghosts = h->nr_ghosts;
	info->nr_ghost_pids = h->nr_pids;
	info->ghost_ns = malloc(ns_len + 1);
	info->ghost_pids = malloc(pids_len + 1);
	if (!info->ghost_ns || !info->ghost_pids) {
		errno = ENOMEM;
		return fail(err, errlen, "out of memory");
	}
	memcpy(info->ghost_ns, h + 1, ns_len);
	memcpy(info->ghost_pids, (const char *)(h + 1) + ns_len, pids_len);
	info->ghosts_off = off;
	return 0;
}

/*
 * After the PIDNS record: the PIDNS_GHOSTS record if it is next (else
 * only the next record's header stays read, in the prefix)
 */
static int read_ghosts(int fd, struct ckpt_image_info *info,
		       char *err, size_t errlen)
{
	size_t off = info->prefix_len;
	struct ckpt_hdr h;

	if (read_more(fd, info, sizeof(h), err, errlen))
		return -1;
	memcpy(&h, info->prefix + off, sizeof(h));
	if (h.type != CKPT_HDR_PIDNS_GHOSTS)
		return 0;
	if (h.len < sizeof(h) || h.len % 8 ||
	    h.len > CKPT_PREFIX_MAX - info->prefix_len) {
		errno = 0;
		return fail(err, errlen,
			    "PIDNS_GHOSTS record at offset %zu has invalid length %u",
			    off, h.len);
	}
	if (read_more(fd, info, h.len - sizeof(h), err, errlen))
		return -1;
	if (check_ghosts(info, off, h.len, err, errlen)) {
		errno = 0;
		return -1;
	}
	return 0;
}

int ckpt_read_tree(int fd, struct ckpt_image_info *info,
		   char *err, size_t errlen)
{
	struct ckpt_hdr h;
	size_t off;

	memset(info, 0, sizeof(*info));
	for (;;) {
		off = info->prefix_len;
		if (read_more(fd, info, sizeof(h), err, errlen))
			return -1;
		memcpy(&h, info->prefix + off, sizeof(h));

		/* The header: read all of it, whatever its length says */
		if (!off) {
			if (read_more(fd, info, sizeof(info->hdr) - sizeof(h),
				      err, errlen))
				return -1;
			memcpy(&info->hdr, info->prefix, sizeof(info->hdr));
			if (ckpt_check_header(&info->hdr, h.len, err, errlen))
				goto malformed;
			continue;
		}

		if (h.len < sizeof(h) || h.len % 8) {
			fail(err, errlen,
			     "record at offset %zu (type %u) has invalid length %u",
			     off, h.type, h.len);
			goto malformed;
		}
		if (h.len > CKPT_PREFIX_MAX - info->prefix_len) {
			const char *name = ckpt_hdr_name(h.type);

			fail(err, errlen,
			     "record at offset %zu (%s) has length %u: more than the %d MiB read ahead of the process tree",
			     off, name ? name : "unknown type", h.len,
			     CKPT_PREFIX_MAX >> 20);
			goto malformed;
		}
		if (read_more(fd, info, h.len - sizeof(h), err, errlen))
			return -1;

		if (off == sizeof(info->hdr)) {
			if (ckpt_check_header_arch((void *)(info->prefix + off),
						   h.len, err, errlen))
				goto malformed;
			memcpy(&info->arch, info->prefix + off,
			       sizeof(info->arch));
			continue;
		}

		if (info->pids) {
			if (h.type != CKPT_HDR_PIDNS) {
				const char *name = ckpt_hdr_name(h.type);

				fail(err, errlen,
				     "record at offset %zu (%s) after the TREE record: expected PIDNS",
				     off, name ? name : "unknown type");
				goto malformed;
			}
			if (check_pidns(info, off, h.len, err, errlen))
				goto malformed;
			return read_ghosts(fd, info, err, errlen);
		}
		switch (h.type) {
		case CKPT_HDR_TREE:
			if (check_tree(info, off, h.len, err, errlen))
				goto malformed;
			continue;
		case CKPT_HDR_HEADER:
		case CKPT_HDR_HEADER_ARCH:
		case CKPT_HDR_PIDNS:
		case CKPT_HDR_PIDNS_GHOSTS:
		case CKPT_HDR_TASK:
		case CKPT_HDR_TAIL:
			fail(err, errlen,
			     "%s record at offset %zu before the TREE record",
			     ckpt_hdr_name(h.type), off);
			goto malformed;
		}
	}

malformed:
	errno = 0;
	return -1;
}

void ckpt_free_info(struct ckpt_image_info *info)
{
	free(info->prefix);
	free(info->pids);
	free(info->ns);
	free(info->task_ns);
	free(info->ns_pids);
	free(info->ghost_ns);
	free(info->ghost_pids);
	memset(info, 0, sizeof(*info));
}

const struct ckpt_task_pids *ckpt_tree_root(const struct ckpt_image_info *info)
{
	uint32_t i;

	for (i = 0; i < info->nr_tasks; i++)
		if (info->pids[i].flags & CKPT_PIDS_ROOT)
			return &info->pids[i];
	return info->nr_tasks ? &info->pids[0] : NULL;
}

void ckpt_print_header(FILE *f, const struct ckpt_hdr_header *h,
		       const struct ckpt_hdr_header_arch *a)
{
	char rel[4 * CKPT_UTS_LEN + 1], ver[4 * CKPT_UTS_LEN + 1];
	char mach[4 * CKPT_UTS_LEN + 1], when[64] = "?";
	time_t t = (time_t)h->time;
	struct tm tm;

	ckpt_str(rel, h->release, sizeof(h->release));
	ckpt_str(ver, h->version, sizeof(h->version));
	ckpt_str(mach, h->machine, sizeof(h->machine));
	if ((int64_t)h->time >= 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);

	fprintf(f, "image: format %u, arch %u (x86_64), page size %u\n",
		h->format_version, h->arch, h->page_size);
	fprintf(f, "image: kernel \"%s\" \"%s\" \"%s\"\n", rel, ver, mach);
	fprintf(f, "image: checkpoint id %" PRIu64 ", time %s, flags 0x%" PRIx64 "\n",
		(uint64_t)h->ckpt_id, when, (uint64_t)h->uflags);
	if (a)
		fprintf(f, "image: xfeatures 0x%" PRIx64 ", xstate size %u\n",
			(uint64_t)a->xfeatures_mask, a->xstate_size);
}

/* A task's pid namespaces, if it is in a nested one or its children are */
static void print_task_ns(FILE *f, const struct ckpt_image_info *info,
			  uint32_t i, uint32_t *off)
{
	const struct ckpt_task_ns *t = &info->task_ns[i];
	uint32_t level = 0, k;

	if (t->ns && t->ns <= info->nr_ns)
		level = info->ns[t->ns - 1].level;
	if (!t->ns && !t->ns_for_children) {
		*off += 1;
		return;
	}
	fprintf(f, " pidns %u", t->ns);
	if (t->ns_for_children != t->ns)
		fprintf(f, " children's pidns %u", t->ns_for_children);
	fprintf(f, " pids");
	for (k = 0; k <= level && *off + k < info->nr_pids; k++)
		fprintf(f, "%s%d", k ? "/" : " ", info->ns_pids[*off + k]);
	*off += level + 1;
}

void ckpt_print_tree(FILE *f, const struct ckpt_image_info *info)
{
	uint32_t i, off = 0;

	fprintf(f, "tree: %u task%s\n", info->nr_tasks,
		info->nr_tasks == 1 ? "" : "s");
	for (i = 0; i < info->nr_tasks; i++) {
		const struct ckpt_task_pids *p = &info->pids[i];

		fprintf(f, "  task %u: pid %d tgid %d ppid %d pgid %d sid %d flags 0x%x%s%s%s%s%s",
			i, p->pid, p->tgid, p->ppid, p->pgid, p->sid, p->flags,
			p->flags & CKPT_PIDS_ROOT ? " root" : "",
			p->flags & CKPT_PIDS_THREAD ? " thread" : "",
			p->flags & CKPT_PIDS_ZOMBIE ? " zombie" : "",
			p->flags & CKPT_PIDS_NEWUTS ? " newuts" : "",
			p->flags & CKPT_PIDS_NEWIPC ? " newipc" : "");
		if (p->flags & CKPT_PIDS_ZOMBIE)
			fprintf(f, " exit_code 0x%x", (unsigned int)p->exit_code);
		fprintf(f, " exit_signal %d", p->exit_signal);
		print_task_ns(f, info, i, &off);
		fputc('\n', f);
	}
	for (i = 0; i < info->nr_ns; i++)
		fprintf(f, "  pid namespace %u: in %u, level %u, init task %u\n",
			i + 1, info->ns[i].parent, info->ns[i].level,
			info->ns[i].init);
	for (i = 0, off = 0; i < info->nr_ghosts; i++) {
		uint32_t n = info->ghost_ns[i], level, k;

		level = n && n <= info->nr_ns ? info->ns[n - 1].level : 0;
		fprintf(f, "  ghost %u: pidns %u pids", i, n);
		for (k = 0; k <= level && off + k < info->nr_ghost_pids; k++)
			fprintf(f, "%s%d", k ? "/" : " ", info->ghost_pids[off + k]);
		fputc('\n', f);
		off += level + 1;
	}
}
