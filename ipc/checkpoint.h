/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart of SysV IPC: what ipc/checkpoint.c needs from
 * shm.c, sem.c, msg.c and msgutil.c, whose structures are private.
 */
#ifndef _IPC_CHECKPOINT_H
#define _IPC_CHECKPOINT_H

#include <linux/types.h>

struct file;
struct ipc_namespace;
struct kern_ipc_perm;
struct msg_msg;
struct sem_undo_list;
struct task_struct;

/* msg_ckpt_get(): the room given (max_*) and what the queue holds */
struct msg_ckpt {
	unsigned int max_msgs;
	size_t max_bytes;
	long *types;
	size_t *lens;
	void *data;
	unsigned long qbytes;
	unsigned long nr_msgs;
	unsigned long bytes;
};

/* sem_ckpt_undo_get(): the room given (max_*) and what the undo list holds */
struct sem_undo_ckpt {
	unsigned int max_undos;
	unsigned int max_adj;
	int *ids;
	int *nsems;
	int *adj;
	unsigned int nr_undos;
	unsigned int nr_adj;
};

int shm_ckpt_mapping(struct file *file, struct ipc_namespace **ns);
struct file *shm_ckpt_get(struct kern_ipc_perm *ipcp, size_t *size,
			  bool *dest, bool *locked);
void shm_ckpt_set_dest(struct ipc_namespace *ns, struct kern_ipc_perm *ipcp);
int sem_ckpt_get(struct kern_ipc_perm *ipcp, int *vals, int nr);
int sem_ckpt_set(struct kern_ipc_perm *ipcp, const int *vals, int nr);
bool sem_ckpt_undo_pending(struct task_struct *t, struct ipc_namespace *ns);
struct sem_undo_list *sem_ckpt_undo_list(struct task_struct *t,
					 unsigned int *users);
int sem_ckpt_undo_get(struct sem_undo_list *ulp, struct ipc_namespace *ns,
		      struct sem_undo_ckpt *uc);
int sem_ckpt_undo_set(struct ipc_namespace *ns, int semid, const int *adj,
		      int nsems);
int msg_ckpt_get(struct kern_ipc_perm *ipcp, struct msg_ckpt *mc);
void msg_ckpt_set_qbytes(struct kern_ipc_perm *ipcp, unsigned long qbytes);
void msg_ckpt_copy(void *dest, struct msg_msg *msg, size_t len);

#endif /* _IPC_CHECKPOINT_H */
