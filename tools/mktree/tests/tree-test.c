// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the tree planner (tree.c): sessions, process groups,
 * ghosts, CLONE_PARENT, cloning order and the refused shapes, without
 * a kernel.  Each case is a tree (one "pid tgid ppid pgid sid flags"
 * line per entry, flags r(oot) t(hread) z(ombie), u (CKPT_PIDS_NEWUTS)
 * and i (CKPT_PIDS_NEWIPC), then for a task in a
 * nested pid namespace "ns=N pids=P0/P1/..." and for one whose children
 * are born in another "fc=N"; the namespace table follows from the
 * inits, the entries with pid 1 in their namespace; a line
 * "g PID ns=N pids=P0/P1/..." is an entry of the PIDNS_GHOSTS record)
 * and either the plan tree_plan_print() must print or a piece of the
 * error message.
 *
 *   tree-test            prints "N passed, N failed"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

struct tcase {
	const char *name;
	int layout;
	const char *tree;
	const char *plan;	/* the expected plan, or NULL */
	const char *err;	/* a piece of the expected error, or NULL */
};

static const struct tcase cases[] = {
{ "IPC and UTS namespaces of their own", TREE_REAPER,
  "10 10 0 10 10 ri\n"
  "11 11 10 10 10 \n"
  "12 12 10 10 10 ui\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid, CLONE_NEWIPC\n"
  "    task 11: ppid 10 pgid 10 sid 10, joins group 10\n"
  "    task 12: ppid 10 pgid 10 sid 10, joins group 10, CLONE_NEWUTS, CLONE_NEWIPC\n", NULL },

{ "a thread with an IPC namespace of its own", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 10 0 10 10 ti\n",
  NULL, "pid 11: a thread or zombie with an IPC namespace of its own" },

{ "a zombie with an IPC namespace of its own", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 zi\n",
  NULL, "pid 11: a thread or zombie with an IPC namespace of its own" },

{ "CLONE_PARENT creator in another IPC namespace", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20 i\n"
  "21 21 10 20 20 \n",
  NULL, "pid 21: its session or group needs a creator in another IPC namespace" },

{ "CLONE_PARENT creator and the created in their own IPC namespaces", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20 i\n"
  "21 21 10 20 20 i\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 20: ppid 10 pgid 20 sid 20, setsid, CLONE_NEWIPC\n"
  "      task 21: ppid 10 pgid 20 sid 20, CLONE_PARENT, joins group 20, CLONE_NEWIPC\n", NULL },

{ "single task in its own session", TREE_REAPER,
  "100 100 0 100 100 r\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 100: ppid 0 pgid 100 sid 100, setsid\n", NULL },

{ "shell job: dead session leader, root leads its group", TREE_REAPER,
  "200 200 0 200 50 r\n"
  "201 201 200 200 50 \n"
  "202 202 201 200 50 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  ghost 50: ppid 0 pgid 50 sid 50, setsid, exits before restart\n"
  "    task 200: ppid 0 pgid 200 sid 50, CLONE_PARENT, setpgid(0, 0)\n"
  "      task 201: ppid 200 pgid 200 sid 50, joins group 200\n"
  "        task 202: ppid 201 pgid 200 sid 50, joins group 200\n", NULL },

{ "daemon children: setsid, threads, zombie", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 10 0 10 10 t\n"
  "12 12 10 12 12 \n"
  "13 13 12 13 12 \n"
  "14 14 10 10 10 z\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 12: ppid 10 pgid 12 sid 12, setsid\n"
  "      task 13: ppid 12 pgid 13 sid 12, setpgid(0, 0)\n"
  "    zombie 14: ppid 10 pgid 10 sid 10, joins group 10\n"
  "    thread 11: ppid 0 pgid 10 sid 10\n", NULL },

{ "sibling session leader clones a sibling with CLONE_PARENT", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20 \n"
  "21 21 10 20 20 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 20: ppid 10 pgid 20 sid 20, setsid\n"
  "      task 21: ppid 10 pgid 20 sid 20, CLONE_PARENT, joins group 20\n", NULL },

{ "child left in the session its parent left", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20 \n"
  "21 21 20 10 10 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 20: ppid 10 pgid 20 sid 20, setsid\n"
  "      task 21: ppid 20 pgid 10 sid 10, before its parent's setsid, joins group 10\n", NULL },

{ "dead session below the root, dead group in it", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "30 30 10 31 33 \n"
  "32 32 10 31 33 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    ghost 33: ppid 10 pgid 33 sid 33, setsid, exits before restart\n"
  "      task 30: ppid 10 pgid 31 sid 33, CLONE_PARENT, joins group 31\n"
  "        ghost 31: ppid 30 pgid 31 sid 0, setpgid(0, 0), exits before restart\n"
  "      task 32: ppid 10 pgid 31 sid 33, CLONE_PARENT, joins group 31\n", NULL },

{ "session 1: the reaper's own", TREE_REAPER,
  "300 300 0 300 1 r\n"
  "301 301 300 1 1 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  builder: setsid (session and group 1)\n"
  "  task 300: ppid 0 pgid 300 sid 1, setpgid(0, 0)\n"
  "    task 301: ppid 300 pgid 1 sid 1, joins group 1\n", NULL },

{ "container: init and its children", TREE_CONTAINER,
  "1 1 0 1 1 r\n"
  "2 2 1 1 1 \n"
  "3 3 1 3 3 \n"
  "4 4 3 3 3 z\n",
  "plan: a new pid namespace; the root is its init\n"
  "  task 1: ppid 0 pgid 1 sid 1, setsid\n"
  "    task 2: ppid 1 pgid 1 sid 1, joins group 1\n"
  "    task 3: ppid 1 pgid 3 sid 3, setsid\n"
  "      zombie 4: ppid 3 pgid 3 sid 3, joins group 3\n", NULL },

{ "container: session outside the namespace", TREE_CONTAINER,
  "1 1 0 0 0 r\n"
  "2 2 1 0 0 \n",
  "plan: a new pid namespace; the root is its init\n"
  "  task 1: ppid 0 pgid 0 sid 0\n"
  "    task 2: ppid 1 pgid 0 sid 0\n", NULL },

{ "fresh pids: same plan, no namespace", TREE_FRESH,
  "200 200 0 200 50 r\n"
  "201 201 200 200 50 \n",
  "plan: this pid namespace, fresh pids\n"
  "  ghost 50: ppid 0 pgid 50 sid 50, setsid, exits before restart\n"
  "    task 200: ppid 0 pgid 200 sid 50, CLONE_PARENT, setpgid(0, 0)\n"
  "      task 201: ppid 200 pgid 200 sid 50, joins group 200\n", NULL },

{ "nested: clone(CLONE_NEWPID), the init's children inherit the group", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 10 10 ns=1 pids=12/2\n"
  "13 13 11 10 10 ns=1 pids=13/3\n"
  "14 14 12 10 10 ns=1 pids=14/4\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "      task 12: ppid 11 pgid 10 sid 10, pid namespace 1, pids 12/2\n"
  "        task 14: ppid 12 pgid 10 sid 10, pid namespace 1, pids 14/4\n"
  "      task 13: ppid 11 pgid 10 sid 10, pid namespace 1, pids 13/3\n", NULL },

{ "nested in a container: unshare(CLONE_NEWPID), fork, setsid", TREE_CONTAINER,
  "1 1 0 1 1 r\n"
  "2 2 1 1 1 fc=1\n"
  "3 3 2 3 3 ns=1 pids=3/1\n"
  "4 4 3 3 3 ns=1 pids=4/2\n"
  "5 5 3 5 3 ns=1 pids=5/3\n"
  "6 6 4 3 3 ns=1 pids=6/4\n"
  "7 7 1 1 1 ns=2 pids=7/1\n"
  "8 8 7 1 1 ns=2 pids=8/2\n"
  "9 9 8 1 1 ns=3 pids=9/3/1\n",
  "plan: a new pid namespace; the root is its init\n"
  "  task 1: ppid 0 pgid 1 sid 1, setsid\n"
  "    task 7: ppid 1 pgid 1 sid 1, CLONE_NEWPID, pid namespace 2, pids 7/1\n"
  "      task 8: ppid 7 pgid 1 sid 1, pid namespace 2, pids 8/2\n"
  "        task 9: ppid 8 pgid 1 sid 1, CLONE_NEWPID, pid namespace 3, pids 9/3/1\n"
  "    task 2: ppid 1 pgid 1 sid 1, joins group 1, children in pid namespace 1\n"
  "      task 3: ppid 2 pgid 3 sid 3, setsid, CLONE_NEWPID, pid namespace 1, pids 3/1\n"
  "        task 4: ppid 3 pgid 3 sid 3, joins group 3, pid namespace 1, pids 4/2\n"
  "          task 6: ppid 4 pgid 3 sid 3, joins group 3, pid namespace 1, pids 6/4\n"
  "        task 5: ppid 3 pgid 5 sid 3, setpgid(0, 0), pid namespace 1, pids 5/3\n", NULL },

{ "nested: the init's parent forks more tasks, then keeps it for its children", TREE_REAPER,
  "10 10 0 10 10 r fc=1\n"
  "12 12 10 10 10 ns=1 pids=12/2\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "13 13 10 10 10\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid, children in pid namespace 1\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "    task 12: ppid 10 pgid 10 sid 10, pid namespace 1, pids 12/2\n"
  "    task 13: ppid 10 pgid 10 sid 10, joins group 10\n", NULL },

{ "nested: fresh pids, the same plan", TREE_FRESH,
  "10 10 0 10 10 r fc=1\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 10 10 10 ns=1 pids=12/2\n"
  "13 13 11 10 10 ns=1 pids=13/3\n",
  "plan: this pid namespace, fresh pids\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid, children in pid namespace 1\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "      task 13: ppid 11 pgid 10 sid 10, pid namespace 1, pids 13/3\n"
  "    task 12: ppid 10 pgid 10 sid 10, pid namespace 1, pids 12/2\n", NULL },

{ "process group led by a later sibling", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 12 10 \n"
  "12 12 10 12 10 \n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 12 sid 10, joins group 12\n"
  "    task 12: ppid 10 pgid 12 sid 10, setpgid(0, 0)\n", NULL },

/* Refused */
{ "live session leader that is not the parent or a sibling", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20 \n"
  "21 21 20 21 21 \n"
  "22 22 21 10 10 \n",
  NULL, "alive but neither its parent nor a sibling: not supported" },
{ "dead session under two parents", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 11 10 \n"
  "12 12 10 12 10 \n"
  "13 13 11 13 99 \n"
  "14 14 12 14 99 \n",
  NULL, "members of dead session 99 have different parents: not supported" },
{ "group in another session", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 11 11 \n"
  "12 12 10 11 10 \n",
  NULL, "its process group 11 is in session 11: not supported" },
{ "session leader in another group", TREE_REAPER,
  "10 10 0 11 10 r\n",
  NULL, "session leader 10 in process group 11" },
{ "container init in an inner session", TREE_CONTAINER,
  "1 1 0 5 5 r\n"
  "2 2 1 2 2 \n",
  NULL, "not supported" },
{ "pid 1 in a non-container image", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "1 1 10 10 10 \n",
  NULL, "pid 1 is in the image" },
{ "parent missing", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 77 10 10 \n",
  NULL, "its parent 77 is not in the image" },
{ "child of a zombie", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 z\n"
  "12 12 11 10 10 \n",
  NULL, "its parent 11 is a zombie" },
{ "thread without its leader", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 12 10 10 10 t\n",
  NULL, "thread group leader 12 is not in the image" },
{ "two roots", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 0 11 11 r\n",
  NULL, "2 tasks are flagged as the root" },
{ "duplicate pid", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "10 10 10 10 10 \n",
  NULL, "pid 10 appears twice" },
{ "cycle", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 12 10 10 \n"
  "12 12 11 10 10 \n",
  NULL, "does not descend from the root" },
{ "zombie root", TREE_REAPER,
  "10 10 0 10 10 rz\n",
  NULL, "is a thread or a zombie: not supported" },
{ "nested: children born in a namespace whose init is not its child", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "12 12 10 10 10 ns=1 pids=12/2\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "13 13 10 10 10 fc=1\n",
  NULL, "its children are born in pid namespace 1, whose init 11 is not its child: not supported" },
{ "nested: a task of the namespace whose parent entered it with setns()", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "13 13 10 10 10\n"
  "12 12 13 10 10 ns=1 pids=12/2\n",
  NULL, "in pid namespace 1, which its parent 13 entered with setns(): not supported" },
{ "nested: a ghost session leader without its nested pids", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 20 20 ns=1 pids=12/2\n",
  NULL, "pid 12: the image has no pids in nested pid namespaces for its dead session leader 20 (no PIDNS_GHOSTS entry): not supported" },
{ "nested: a ghost group leader without its nested pids", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 30 10 ns=1 pids=12/2\n",
  NULL, "pid 12: the image has no pids in nested pid namespaces for its dead process group leader 30 (no PIDNS_GHOSTS entry): not supported" },
{ "nested: a dead session and a dead group over two branches", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "13 13 11 20 20 ns=1 pids=13/4\n"
  "14 14 11 30 20 ns=1 pids=14/5\n"
  "15 15 13 30 20 ns=1 pids=15/6\n"
  "g 20 ns=1 pids=20/2\n"
  "g 30 ns=1 pids=30/3\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "      ghost 20: ppid 11 pgid 20 sid 20, setsid, exits before restart, pid namespace 1, pids 20/2\n"
  "        task 13: ppid 11 pgid 20 sid 20, CLONE_PARENT, joins group 20, pid namespace 1, pids 13/4\n"
  "          task 15: ppid 13 pgid 30 sid 20, joins group 30, pid namespace 1, pids 15/6\n"
  "        task 14: ppid 11 pgid 30 sid 20, CLONE_PARENT, joins group 30, pid namespace 1, pids 14/5\n"
  "          ghost 30: ppid 14 pgid 30 sid 0, setpgid(0, 0), exits before restart, pid namespace 1, pids 30/3\n", NULL },
{ "nested: a ghost cloned into the namespace by its init's parent", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 10 20 20 ns=1 pids=12/3\n"
  "g 20 ns=1 pids=20/2\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "    ghost 20: ppid 10 pgid 20 sid 20, setsid, exits before restart, pid namespace 1, pids 20/2\n"
  "      task 12: ppid 10 pgid 20 sid 20, CLONE_PARENT, joins group 20, pid namespace 1, pids 12/3\n", NULL },
{ "nested: a group ghost made by a member in its namespace", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "13 13 10 30 10\n"
  "12 12 11 30 10 ns=1 pids=12/2\n"
  "g 30 ns=1 pids=30/3\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "      task 12: ppid 11 pgid 30 sid 10, joins group 30, pid namespace 1, pids 12/2\n"
  "        ghost 30: ppid 12 pgid 30 sid 0, setpgid(0, 0), exits before restart, pid namespace 1, pids 30/3\n"
  "    task 13: ppid 10 pgid 30 sid 10, joins group 30\n", NULL },
{ "nested: the init of a namespace cloned by a dead session's ghost", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 20 20 ns=2 pids=12/3/1\n"
  "13 13 12 20 20 ns=2 pids=13/4/2\n"
  "g 20 ns=1 pids=20/2\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 11: ppid 10 pgid 10 sid 10, CLONE_NEWPID, pid namespace 1, pids 11/1\n"
  "      ghost 20: ppid 11 pgid 20 sid 20, setsid, exits before restart, pid namespace 1, pids 20/2\n"
  "        task 12: ppid 11 pgid 20 sid 20, CLONE_PARENT, CLONE_NEWPID, pid namespace 2, pids 12/3/1\n"
  "          task 13: ppid 12 pgid 20 sid 20, pid namespace 2, pids 13/4/2\n", NULL },
{ "nested: a ghost in a namespace its members' parent did not make", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "15 15 11 10 10 ns=1 pids=15/3\n"
  "12 12 11 20 20 ns=1 pids=12/4\n"
  "14 14 15 10 10 ns=2 pids=14/5/1\n"
  "g 20 ns=2 pids=20/6/2\n",
  NULL, "would be a ghost in pid namespace 2, which its parent 11 is not in and did not make" },
{ "nested ghosts record: a namespace out of range", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 20 20 ns=1 pids=12/3\n"
  "g 20 ns=3 pids=20/2\n",
  NULL, "ghost 0: in pid namespace 3 of 1" },
{ "nested ghosts record: pid 1 at its level", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 20 20 ns=1 pids=12/3\n"
  "g 20 ns=1 pids=20/1\n",
  NULL, "ghost 20: pid 1 in pid namespace 1, its init's" },
{ "nested ghosts record: a task's pid", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 12 12 ns=1 pids=12/3\n"
  "g 12 ns=1 pids=12/3\n",
  NULL, "ghost 12: the pid of a task of the image" },
{ "nested ghosts record: no task's group or session", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "g 20 ns=1 pids=20/2\n",
  NULL, "ghost 20: no task's process group or session" },
{ "nested ghosts record: twice", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 20 20 ns=1 pids=12/3\n"
  "g 20 ns=1 pids=20/2\n"
  "g 20 ns=1 pids=20/4\n",
  NULL, "ghost 20 appears twice" },
{ "nested: a group it can neither join nor inherit", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "13 13 10 13 10\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 13 10 ns=1 pids=12/2\n",
  NULL, "its process group 13 is outside its pid namespace and not the one it is born in: not supported" },
{ "nested: CLONE_PARENT by a session leader in another namespace", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20\n"
  "21 21 10 10 10 ns=1 pids=21/1\n"
  "22 22 10 20 20 ns=1 pids=22/2\n",
  NULL, "pid 22: to be born in session 20 it would be cloned with CLONE_PARENT across pid namespaces: not supported" },
{ "nested: an init cloned by a session leader of the parent namespace", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "20 20 10 20 20\n"
  "21 21 10 20 20 ns=1 pids=21/1\n",
  "plan: a new pid namespace; its init (pid 1) builds the tree and calls restart\n"
  "  task 10: ppid 0 pgid 10 sid 10, setsid\n"
  "    task 20: ppid 10 pgid 20 sid 20, setsid\n"
  "      task 21: ppid 10 pgid 20 sid 20, CLONE_PARENT, CLONE_NEWPID, pid namespace 1, pids 21/1\n", NULL },
{ "nested: a zombie init", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 z ns=1 pids=11/1\n",
  NULL, "its init 11 is a zombie: not supported" },
{ "nested: pid 1 twice in a namespace", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=11/1\n"
  "12 12 11 10 10 ns=1 pids=12/1\n",
  NULL, "pid 12: pid 1 in pid namespace 1 is not its init" },
{ "nested: level 0 pid differs from the tree's", TREE_REAPER,
  "10 10 0 10 10 r\n"
  "11 11 10 10 10 ns=1 pids=99/1\n",
  NULL, "pid 11: its pid at level 0 is 99" },
{ "nested: the root in a nested namespace", TREE_REAPER,
  "10 10 0 10 10 r ns=1 pids=10/1\n",
  NULL, "nested pid namespaces for 1 tasks" },
};

/* An image's pid namespaces, from the "ns= fc= pids=" of each line */
struct pidns_text {
	struct ckpt_pidns ns[32];
	struct ckpt_task_ns tasks[32];
	int32_t pids[256];
	uint32_t ghost_ns[32];
	int32_t ghost_pids[256];
	struct tree_pidns pi;
};

/* "P0/P1/..." into @pids; returns how many */
static int parse_pids(const char *f, int32_t *pids)
{
	int level = 0;

	for (;;) {
		pids[level++] = atoi(f);
		f += strspn(f, "0123456789");
		if (*f != '/')
			return level;
		f++;
	}
}

/* The value after @key on the line starting at @line, or -1 */
static const char *field(const char *line, const char *key)
{
	const char *end = strchr(line, '\n'), *f = strstr(line, key);

	return f && (!end || f < end) ? f + strlen(key) : NULL;
}

static int parse(const char *text, struct ckpt_task_pids *pids, int max,
		 struct pidns_text *pt)
{
	unsigned int nr_pids = 0, nr_ns = 0, nr_ghosts = 0, nr_gpids = 0, k;
	char flags[8];
	int n = 0, i;

	memset(pt, 0, sizeof(*pt));
	while (*text && n < max) {
		struct ckpt_task_pids *p = &pids[n];
		const char *f;
		int level = 0;

		if (text[0] == 'g' && nr_ghosts < 32) {
			f = field(text, "ns=");
			pt->ghost_ns[nr_ghosts++] = f ? atoi(f) : 0;
			f = field(text, "pids=");
			if (f)
				nr_gpids += parse_pids(f, pt->ghost_pids + nr_gpids);
			text = strchr(text, '\n');
			if (!text)
				break;
			text++;
			continue;
		}

		memset(p, 0, sizeof(*p));
		flags[0] = '\0';
		if (sscanf(text, "%d %d %d %d %d %7[rtzui]", &p->pid, &p->tgid,
			   &p->ppid, &p->pgid, &p->sid, flags) < 5)
			break;
		p->flags = (strchr(flags, 'r') ? CKPT_PIDS_ROOT : 0) |
			   (strchr(flags, 't') ? CKPT_PIDS_THREAD : 0) |
			   (strchr(flags, 'z') ? CKPT_PIDS_ZOMBIE : 0) |
			   (strchr(flags, 'u') ? CKPT_PIDS_NEWUTS : 0) |
			   (strchr(flags, 'i') ? CKPT_PIDS_NEWIPC : 0);
		p->exit_signal = 17;
		f = field(text, "ns=");
		pt->tasks[n].ns = f ? atoi(f) : 0;
		f = field(text, "fc=");
		pt->tasks[n].ns_for_children = f ? atoi(f) : pt->tasks[n].ns;
		f = field(text, "pids=");
		if (f) {
			level = parse_pids(f, pt->pids + nr_pids);
		} else {
			pt->pids[nr_pids + level++] = p->pid;
		}
		/* an init: pid 1 in its nested namespace */
		k = pt->tasks[n].ns;
		if (k && pt->pids[nr_pids + level - 1] == 1 && k <= 32 &&
		    !pt->ns[k - 1].level) {
			pt->ns[k - 1].init = n;
			pt->ns[k - 1].level = level - 1;
			if (k > nr_ns)
				nr_ns = k;
		}
		nr_pids += level;
		text = strchr(text, '\n');
		if (!text)
			break;
		text++;
		n++;
	}
	/* a namespace's parent: that of its init's parent */
	for (k = 0; k < nr_ns; k++)
		for (i = 0; i < n; i++)
			if (pids[i].pid == pids[pt->ns[k].init].ppid)
				pt->ns[k].parent = pt->tasks[i].ns;
	pt->pi.nr_ns = nr_ns;
	pt->pi.ns = pt->ns;
	pt->pi.tasks = pt->tasks;
	pt->pi.pids = pt->pids;
	pt->pi.nr_pids = nr_pids;
	pt->pi.nr_ghosts = nr_ghosts;
	pt->pi.ghost_ns = pt->ghost_ns;
	pt->pi.ghost_pids = pt->ghost_pids;
	pt->pi.nr_ghost_pids = nr_gpids;
	return n;
}

static int run_case(const struct tcase *c)
{
	struct ckpt_task_pids pids[32];
	struct pidns_text pt;
	struct tree_plan plan;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int n = parse(c->tree, pids, 32, &pt), ret;

	ret = tree_plan(&plan, pids, n, &pt.pi, c->layout);
	if (ret) {
		tree_plan_free(&plan);
		if (c->err && strstr(plan.err, c->err))
			return 0;
		printf("FAIL: %s: error \"%s\"\n", c->name, plan.err);
		return 1;
	}
	f = open_memstream(&out, &len);
	tree_plan_print(f, &plan);
	fclose(f);
	tree_plan_free(&plan);
	ret = !c->plan || strcmp(out, c->plan);
	if (ret)
		printf("FAIL: %s: %s, got:\n%s", c->name,
		       c->plan ? "plan differs" : "no error", out);
	free(out);
	return ret;
}

/* The cloning order: every node once, its creator before it */
static int check_order(void)
{
	struct ckpt_task_pids pids[32];
	struct pidns_text pt;
	struct tree_plan plan;
	int seen[96] = { 0 }, queue[97], qn = 0, q, i, k, bad = 0;
	int n = parse(cases[5].tree, pids, 32, &pt);

	if (tree_plan(&plan, pids, n, NULL, TREE_REAPER))
		return 1;
	/* walk from the builder: each creator is reached before its clones */
	queue[qn++] = TREE_BUILDER;
	for (q = 0; q < qn && qn < 96; q++)
		for (k = 0; k < tree_nr_clones(&plan, queue[q]); k++) {
			i = tree_clone_at(&plan, queue[q], k);
			seen[i]++;
			queue[qn++] = i;
		}
	for (i = 0; i < plan.nr; i++)
		if (seen[i] != 1)
			bad = 1;
	tree_plan_free(&plan);
	if (bad)
		printf("FAIL: cloning order does not reach every node once\n");
	return bad;
}

int main(void)
{
	size_t i;
	int fail = 0, pass = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (run_case(&cases[i]))
			fail++;
		else
			pass++;
	}
	if (check_order())
		fail++;
	else
		pass++;
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
