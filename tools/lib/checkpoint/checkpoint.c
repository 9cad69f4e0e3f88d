// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#include <unistd.h>
#include <sys/syscall.h>

#include "checkpoint.h"

long checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, pid, fd, flags, logfd);
}

long restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, pid, fd, flags, logfd);
}
