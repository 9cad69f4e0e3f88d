/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart: system call numbers and flags.
 *
 * The values are those of the original linux-cr series; see
 * Documentation/checkpoint/usage.rst.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#ifndef __NR_checkpoint
#define __NR_checkpoint		500
#endif
#ifndef __NR_restart
#define __NR_restart		501
#endif

/* checkpoint(2) flags */
#define CHECKPOINT_SUBTREE	0x1	/* pid and its descendants */
#define CHECKPOINT_NETNS	0x2	/* reserved: network namespace */

/* restart(2) flags */
#define RESTART_TASKSELF	0x1	/* restore one task into the caller */
#define RESTART_FROZEN		0x2	/* leave the restored tasks frozen */
#define RESTART_GHOST		0x4	/* caller stands in for a dead pid */
#define RESTART_KEEP_LSM	0x8	/* reserved: restore LSM labels */
#define RESTART_CONN_RESET	0x10	/* reserved: reset connections */

/* as logfd (or as fd for restart(0, ...) of a forked task): none */
#define CHECKPOINT_FD_NONE	(-1)

#endif /* _UAPI_LINUX_CHECKPOINT_H */
