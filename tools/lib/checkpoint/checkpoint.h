/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Thin C wrappers for the checkpoint(2) and restart(2) system calls.
 */
#ifndef _TOOLS_LIB_CHECKPOINT_H
#define _TOOLS_LIB_CHECKPOINT_H

#include <sys/types.h>
#include <linux/checkpoint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * checkpoint - save task @pid (0: the caller) into @fd.
 * Returns a positive checkpoint id, 0 in a task restored from a
 * self-checkpoint, or -1 with errno set.
 */
long checkpoint(pid_t pid, int fd, unsigned long flags, int logfd);

/*
 * restart - restore from @fd.  With RESTART_TASKSELF it replaces the
 * caller and does not return on success.  Returns -1 with errno set on
 * failure.
 */
long restart(pid_t pid, int fd, unsigned long flags, int logfd);

#ifdef __cplusplus
}
#endif

#endif /* _TOOLS_LIB_CHECKPOINT_H */
