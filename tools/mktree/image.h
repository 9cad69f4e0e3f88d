/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading checkpoint images (include/uapi/linux/checkpoint_hdr.h).
 */
#ifndef _MKTREE_IMAGE_H
#define _MKTREE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/checkpoint_hdr.h>

/* The largest page size an image may declare */
#define CKPT_PAGE_SIZE_MAX	65536

/* The most of a stream restart buffers before the tree record */
#define CKPT_PREFIX_MAX		(16 << 20)

/* Name of a CKPT_HDR_* record type, or NULL if unknown */
const char *ckpt_hdr_name(uint32_t type);
/* Name of a CKPT_OBJ_* object type, or NULL if unknown */
const char *ckpt_obj_name(uint32_t objtype);
/* The record type an object of @objtype is made of, or 0 */
uint32_t ckpt_obj_hdr_type(uint32_t objtype);
/* Does a record of @type introduce an object (CKPT_HDR_OBJ + objtype)? */
bool ckpt_hdr_is_obj(uint32_t type);

/*
 * Validate the first record (@len bytes at @h, as read from the
 * stream).  Returns 0, or -1 with a message in @err.
 */
int ckpt_check_header(const struct ckpt_hdr_header *h, uint32_t len,
		      char *err, size_t errlen);
int ckpt_check_header_arch(const struct ckpt_hdr_header_arch *a,
			   uint32_t len, char *err, size_t errlen);

/*
 * Copy a fixed-size, possibly unterminated string field of an image
 * into @dst (at least 4 * @srclen + 1 bytes), escaping anything that
 * is not printable ASCII as \xNN.
 */
void ckpt_str(char *dst, const char *src, size_t srclen);

/*
 * What restart needs to know before it hands an image to the kernel:
 * the header, the task list and their pid namespaces.  ckpt_read_tree()
 * reads the stream up to and including the CKPT_HDR_PIDNS record that
 * follows the CKPT_HDR_TREE one (and the CKPT_HDR_PIDNS_GHOSTS record
 * if it follows; else the header of the next record), keeping every byte it read in @prefix
 * so that the caller can hand the kernel a stream that still starts at
 * the beginning.
 */
struct ckpt_image_info {
	struct ckpt_hdr_header hdr;
	struct ckpt_hdr_header_arch arch;
	uint32_t nr_tasks;
	struct ckpt_task_pids *pids;	/* nr_tasks entries */
	/* the PIDNS record; its lengths checked, its contents not */
	uint32_t nr_ns;
	uint32_t nr_pids;
	struct ckpt_pidns *ns;		/* nr_ns entries */
	struct ckpt_task_ns *task_ns;	/* nr_tasks entries */
	int32_t *ns_pids;		/* nr_pids */
	/* the PIDNS_GHOSTS record, if any; its lengths checked */
	uint32_t nr_ghosts;
	uint32_t nr_ghost_pids;
	uint32_t *ghost_ns;		/* nr_ghosts */
	int32_t *ghost_pids;		/* nr_ghost_pids */
	unsigned char *prefix;		/* the bytes read from the stream */
	size_t prefix_len;
	size_t tree_off, pidns_off;	/* of the TREE and PIDNS records */
	size_t ghosts_off;		/* of the PIDNS_GHOSTS one, or 0 */
};

/*
 * Returns 0, or -1 with a message in @err; errno is 0 for a malformed
 * image, the read error otherwise.
 */
int ckpt_read_tree(int fd, struct ckpt_image_info *info,
		   char *err, size_t errlen);
void ckpt_free_info(struct ckpt_image_info *info);

/* The root task of the tree (CKPT_PIDS_ROOT), or the first one */
const struct ckpt_task_pids *ckpt_tree_root(const struct ckpt_image_info *info);

void ckpt_print_header(FILE *f, const struct ckpt_hdr_header *h,
		       const struct ckpt_hdr_header_arch *a);
void ckpt_print_tree(FILE *f, const struct ckpt_image_info *info);

#endif /* _MKTREE_IMAGE_H */
