// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: Unix domain sockets.
 *
 * A socket is an object of its own (CKPT_OBJ_SOCK, keyed by its struct
 * socket), written once with its type, state, options, address and
 * receive queue; the file holding it refers to it.  A connected peer is
 * saved with it, so that both are restored and connected again; a peer
 * whose file is held by a task outside the checkpoint makes that file
 * fail the core's check of outside users (EBUSY): a connection is never
 * split silently.  To make that check work, the socket object holds a
 * reference on its file and counts one use of it.
 *
 * Restart makes new sockets with the kernel's own calls: socket
 * creation, bind, listen, socketpair to connect two sockets again,
 * connect to queue a pending connection on its listener again, and
 * sendmsg to refill each receive queue from the socket that sent the
 * data (for a peer that was closed, from a new socket closed again once
 * it has sent its data).
 *
 * Files in flight (SCM_RIGHTS) are objects of the image like any file:
 * the socket's file saves them before its own record and names them
 * after it, per message (CKPT_HDR_SOCKET_FDS).  Once the file is made at
 * restart, they are attached to their messages, which are queued by
 * then, with unix_attach_files(); a socket's file still being restored
 * (a socket sent over itself or its peer) is attached once it is made.
 *
 * Not supported (EOPNOTSUPP and a log line): sockets of other families,
 * files in flight to a pending connection, queued messages whose
 * credentials the receiver would see (SO_PASSCRED, SO_PASSPIDFD,
 * SO_PASSSEC), MSG_OOB data, O_ASYNC.
 */

#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/scm.h>
#include <net/sock.h>

/* Tries to read a receive queue that changes under us */
#define CKPT_SOCK_QUEUE_TRIES	4

/* The socket object: a struct socket, holding its file */

static void sock_obj_grab(void *ptr)
{
	get_file(((struct socket *)ptr)->file);
}

static void sock_obj_drop(void *ptr)
{
	fput(((struct socket *)ptr)->file);
}

/* Sharing is checked on the socket's file, which the object uses once */
static int sock_obj_users(void *ptr)
{
	return -1;
}

/*
 * The socket of @sk with a reference on its file, or NULL if it has
 * none: an embryo not yet accepted, or a socket being closed.
 */
static struct socket *ckpt_sk_socket(struct sock *sk)
{
	struct socket *sock;

	read_lock_bh(&sk->sk_callback_lock);
	sock = sk->sk_socket;
	if (sock && (!sock->file ||
		     !atomic_long_inc_not_zero(&sock->file->f_count)))
		sock = NULL;
	read_unlock_bh(&sk->sk_callback_lock);
	return sock;
}

/* The address @sk is bound to, or NULL */
static struct unix_address *ckpt_unix_addr(struct sock *sk)
{
	/* pairs with the smp_store_release() of bind and connect */
	return smp_load_acquire(&unix_sk(sk)->addr);
}

/* Save the socket of @sk through the object hash */
static int ckpt_sk_obj(struct ckpt_ctx *ctx, struct sock *sk)
{
	struct socket *sock = ckpt_sk_socket(sk);
	int ret;

	if (!sock)
		return ckpt_err(ctx, -EBUSY, "a connected socket is being closed");
	if (ctx->depth >= CKPT_DEPTH_MAX) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "sockets connected in a chain too long");
	} else {
		ctx->depth++;
		ret = checkpoint_obj(ctx, sock, CKPT_OBJ_SOCK);
		ctx->depth--;
	}
	fput(sock->file);
	return ret;
}

/* What the receiver of a queued message would learn about its sender */
static bool ckpt_sock_sees_creds(struct socket *sock)
{
	return test_bit(SOCK_PASSCRED, &sock->flags) ||
	       test_bit(SOCK_PASSPIDFD, &sock->flags) ||
	       test_bit(SOCK_PASSSEC, &sock->flags);
}

/*
 * Copy @sk's receive queue into a CKPT_HDR_SOCKET_QUEUE record.  A
 * datagram must come from @sender, or, without one, from an unbound
 * socket: restart sends them again from there.
 */
static struct ckpt_hdr_socket_queue *
ckpt_sock_queue(struct ckpt_ctx *ctx, struct sock *sk, bool creds,
		struct sock *sender, bool fds)
{
	bool stream = sk->sk_type == SOCK_STREAM;
	bool dgram = sk->sk_type == SOCK_DGRAM;
	struct ckpt_hdr_socket_queue *h = NULL;
	unsigned int nr, n, tries;
	struct ckpt_sock_msg *msgs;
	struct sk_buff *skb;
	const char *why;
	size_t len;
	char *data;
	int ret;

	for (tries = 0; tries < CKPT_SOCK_QUEUE_TRIES; tries++) {
		nr = 0;
		len = 0;
		spin_lock(&sk->sk_receive_queue.lock);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			nr++;
			len += skb->len - (stream ? UNIXCB(skb).consumed : 0);
		}
		spin_unlock(&sk->sk_receive_queue.lock);
		if (nr > CKPT_SOCK_MSGS_MAX || len > CKPT_SOCK_QUEUE_MAX) {
			ckpt_err(ctx, -EOPNOTSUPP,
				 "socket queue of %u messages, %zu bytes is too large",
				 nr, len);
			return ERR_PTR(-EOPNOTSUPP);
		}
		if (nr && creds) {
			ckpt_err(ctx, -EOPNOTSUPP,
				 "queued messages whose credentials the socket passes (SO_PASSCRED, SO_PASSPIDFD, SO_PASSSEC) are not supported");
			return ERR_PTR(-EOPNOTSUPP);
		}
		h = ckpt_hdr_alloc(CKPT_HDR_SOCKET_QUEUE,
				   sizeof(*h) + nr * sizeof(*msgs) + len);
		if (!h)
			return ERR_PTR(-ENOMEM);
		msgs = (struct ckpt_sock_msg *)(h + 1);
		data = (char *)(msgs + nr);
		n = 0;
		why = NULL;
		ret = 0;
		spin_lock(&sk->sk_receive_queue.lock);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			unsigned int off = stream ? UNIXCB(skb).consumed : 0;
			unsigned int mlen = skb->len - off;

			if (n == nr || mlen > len) {
				ret = -EAGAIN;
				break;
			}
			if (UNIXCB(skb).fp && !fds) {
				why = "files in flight to a pending connection are not supported";
				break;
			}
			if (dgram && sender && skb->sk != sender) {
				why = "a queued datagram not from the peer is not supported";
				break;
			}
			if (dgram && !sender &&
			    ckpt_unix_addr(skb->sk)) {
				why = "a queued datagram from a bound socket is not supported";
				break;
			}
			ret = skb_copy_bits(skb, off, data, mlen);
			if (ret)
				break;
			msgs[n].len = mlen;
			data += mlen;
			len -= mlen;
			n++;
		}
		spin_unlock(&sk->sk_receive_queue.lock);
		if (why) {
			ckpt_free(h);
			ckpt_err(ctx, -EOPNOTSUPP, "%s", why);
			return ERR_PTR(-EOPNOTSUPP);
		}
		if (!ret && (n != nr || len))
			ret = -EAGAIN;
		if (ret != -EAGAIN)
			break;
		ckpt_free(h);
		h = NULL;
	}
	if (ret) {
		ckpt_free(h);
		if (ret == -EAGAIN)
			ret = -EBUSY;
		ckpt_err(ctx, ret, "cannot read a socket's receive queue");
		return ERR_PTR(ret);
	}
	h->nr_msgs = nr;
	h->data_len = (char *)data - (char *)(msgs + nr);
	return h;
}

/* Fill in the socket record; @peer is unix_peer(), referenced, or NULL */
static int ckpt_sock_state(struct ckpt_ctx *ctx, struct socket *sock,
			   struct sock *peer, struct ckpt_hdr_socket *h)
{
	struct sock *sk = sock->sk;

	h->family = AF_UNIX;
	h->type = sk->sk_type;
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		h->state = CKPT_SOCK_LISTEN;
		h->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	} else if (!peer) {
		h->state = CKPT_SOCK_UNCONNECTED;
	} else if (sock_flag(peer, SOCK_DEAD)) {
		h->state = CKPT_SOCK_ORPHAN;
	} else if (!READ_ONCE(peer->sk_socket)) {
		/* an embryo in a listen queue: its listener connects us */
		h->state = CKPT_SOCK_CONNECTING;
	} else if (unix_peer(peer) == sk) {
		h->state = CKPT_SOCK_CONNECTED;
	} else {
		h->state = CKPT_SOCK_SENDS_TO;
	}

	if (test_bit(SOCK_PASSCRED, &sock->flags))
		h->flags |= CKPT_SOCK_PASSCRED;
	if (test_bit(SOCK_PASSSEC, &sock->flags))
		h->flags |= CKPT_SOCK_PASSSEC;
	if (test_bit(SOCK_PASSPIDFD, &sock->flags))
		h->flags |= CKPT_SOCK_PASSPIDFD;
	if (READ_ONCE(sk->sk_userlocks) & SOCK_SNDBUF_LOCK)
		h->flags |= CKPT_SOCK_SNDBUF;
	if (READ_ONCE(sk->sk_userlocks) & SOCK_RCVBUF_LOCK)
		h->flags |= CKPT_SOCK_RCVBUF;
	if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
		h->shutdown |= CKPT_SOCK_RCV_SHUTDOWN;
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
		h->shutdown |= CKPT_SOCK_SEND_SHUTDOWN;
	h->err = READ_ONCE(sk->sk_err);
	h->sndbuf = READ_ONCE(sk->sk_sndbuf);
	h->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return ckpt_err(ctx, -EOPNOTSUPP, "MSG_OOB data is not supported");
#endif
	return 0;
}

/* The objref of the socket of @sk if it is in the image already, or 0 */
static int ckpt_sk_lookup(struct ckpt_ctx *ctx, struct sock *sk)
{
	struct socket *sock = ckpt_sk_socket(sk);
	int objref;

	if (!sock)
		return 0;
	objref = ckpt_obj_lookup(ctx, sock);
	fput(sock->file);
	return objref;
}

/*
 * Did @sk bind itself?  An accepted socket shares its listener's
 * address without being bound to it.
 */
static bool ckpt_unix_bound(struct sock *sk, struct unix_address *addr)
{
	if (addr->name->sun_path[0])
		return !hlist_unhashed_lockless(&sk->sk_bind_node);
	return READ_ONCE(sk->sk_hash) > UNIX_HASH_MOD;
}

/* The address, and for a path name the socket's node, of @sk */
static int ckpt_sock_addr(struct ckpt_ctx *ctx, struct sock *sk,
			  struct ckpt_hdr_socket *h, char *buf)
{
	struct unix_address *addr = ckpt_unix_addr(sk);
	struct path *path = &unix_sk(sk)->path;
	char *node;

	if (!addr || !ckpt_unix_bound(sk, addr))
		return 0;
	if (addr->len > CKPT_SOCK_ADDR_MAX)
		return ckpt_err(ctx, -EINVAL, "socket address of %d bytes", addr->len);
	memcpy(buf, addr->name, addr->len);
	h->addr_len = addr->len;
	if (!addr->name->sun_path[0])
		return 0;

	/* bound, so path stays until the socket is released */
	if (d_unlinked(path->dentry))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"a socket whose path name was removed is not supported");
	node = d_path(path, buf + h->addr_len, PATH_MAX);
	if (IS_ERR(node))
		return ckpt_err(ctx, PTR_ERR(node), "socket path name too long");
	h->path_len = strlen(node) + 1;
	memmove(buf + h->addr_len, node, h->path_len);
	h->node_mode = d_backing_inode(path->dentry)->i_mode & 0777;
	return 0;
}

/*
 * The pending connections of a listening socket: for each, the client
 * (CKPT_SOCK_CONNECTING, which counts no use of its file: this does,
 * so that a client that is not saved leaves its file with a user the
 * core did not see), then the listen queue and the data of each.
 */
static int ckpt_sock_listenq(struct ckpt_ctx *ctx, struct socket *sock)
{
	struct sock *sk = sock->sk, **embryos = NULL;
	bool creds = ckpt_sock_sees_creds(sock);
	struct ckpt_hdr_socket_listenq *h = NULL;
	unsigned int nr = 0, max, i;
	struct sk_buff *skb;
	int ret = 0;

	max = READ_ONCE(sk->sk_max_ack_backlog) + 2;
	embryos = kvcalloc(max, sizeof(*embryos), GFP_KERNEL);
	if (!embryos)
		return -ENOMEM;
	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (nr == max) {
			ret = -EBUSY;
			break;
		}
		sock_hold(skb->sk);
		embryos[nr++] = skb->sk;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	if (ret) {
		ckpt_err(ctx, ret, "the listen queue changes");
		goto out;
	}

	h = ckpt_hdr_alloc(CKPT_HDR_SOCKET_LISTENQ, struct_size(h, conns, nr));
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	h->nr_conns = nr;
	for (i = 0; i < nr && !ret; i++) {
		struct sock *client = unix_peer_get(embryos[i]);
		struct socket *csock;

		if (!client || sock_flag(client, SOCK_DEAD)) {
			if (client)
				sock_put(client);
			continue;
		}
		ret = ckpt_sk_obj(ctx, client);
		if (ret > 0) {
			h->conns[i].client_objref = ret;
			csock = ckpt_sk_socket(client);
			ret = csock ? checkpoint_obj(ctx, csock->file, CKPT_OBJ_FILE) :
			      ckpt_err(ctx, -EBUSY, "a connecting socket is being closed");
			if (csock)
				fput(csock->file);
		}
		sock_put(client);
		if (ret > 0)
			ret = 0;
	}
	if (ret < 0)
		goto out;
	ret = ckpt_write_obj(ctx, &h->h);
	for (i = 0; i < nr && !ret; i++) {
		struct ckpt_hdr_socket_queue *q;

		q = ckpt_sock_queue(ctx, embryos[i], creds, NULL, false);
		if (IS_ERR(q)) {
			ret = PTR_ERR(q);
			break;
		}
		ret = ckpt_write_obj(ctx, &q->h);
		ckpt_free(q);
	}
out:
	for (i = 0; i < nr; i++)
		sock_put(embryos[i]);
	kvfree(embryos);
	ckpt_free(h);
	return ret;
}

/* Files in flight (SCM_RIGHTS) */

/* The files in flight with the messages of a receive queue */
struct ckpt_sock_inflight {
	unsigned int nr_msgs;		/* messages that carry files */
	unsigned int nr_files;
	struct ckpt_inflight_msg {
		unsigned int msg;	/* index in the queue */
		unsigned int len;	/* as in the queue record */
		unsigned int nr;	/* files */
		unsigned int first;	/* its first file in files[] */
	} *msgs;
	struct file **files;		/* referenced */
};

static void ckpt_sock_inflight_free(struct ckpt_sock_inflight *in)
{
	unsigned int i;

	for (i = 0; i < in->nr_files; i++)
		fput(in->files[i]);
	kvfree(in->files);
	kvfree(in->msgs);
	memset(in, 0, sizeof(*in));
}

/* Copy the files in flight in @sk's receive queue, with references */
static int ckpt_sock_inflight(struct ckpt_ctx *ctx, struct sock *sk,
			      struct ckpt_sock_inflight *in)
{
	bool stream = sk->sk_type == SOCK_STREAM;
	unsigned int nr_msgs, nr_files, n, i, tries;
	struct scm_fp_list *fp;
	struct sk_buff *skb;
	int ret = -EAGAIN;

	memset(in, 0, sizeof(*in));
	for (tries = 0; tries < CKPT_SOCK_QUEUE_TRIES && ret == -EAGAIN; tries++) {
		nr_msgs = 0;
		nr_files = 0;
		spin_lock(&sk->sk_receive_queue.lock);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			fp = UNIXCB(skb).fp;
			if (fp) {
				nr_msgs++;
				nr_files += fp->count;
			}
		}
		spin_unlock(&sk->sk_receive_queue.lock);
		if (!nr_msgs)
			return 0;
		in->msgs = kvcalloc(nr_msgs, sizeof(*in->msgs), GFP_KERNEL);
		in->files = kvcalloc(nr_files ?: 1, sizeof(*in->files), GFP_KERNEL);
		if (!in->msgs || !in->files) {
			ckpt_sock_inflight_free(in);
			return -ENOMEM;
		}
		n = 0;
		ret = 0;
		spin_lock(&sk->sk_receive_queue.lock);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			fp = UNIXCB(skb).fp;
			if (fp) {
				if (in->nr_msgs == nr_msgs ||
				    fp->count > nr_files - in->nr_files) {
					ret = -EAGAIN;
					break;
				}
				if (fp->count <= 0 || fp->count > SCM_MAX_FD) {
					ret = -EINVAL;
					break;
				}
				in->msgs[in->nr_msgs].msg = n;
				in->msgs[in->nr_msgs].len = skb->len -
					(stream ? UNIXCB(skb).consumed : 0);
				in->msgs[in->nr_msgs].nr = fp->count;
				in->msgs[in->nr_msgs].first = in->nr_files;
				in->nr_msgs++;
				for (i = 0; i < fp->count; i++)
					in->files[in->nr_files++] = get_file(fp->fp[i]);
			}
			n++;
		}
		spin_unlock(&sk->sk_receive_queue.lock);
		if (!ret && in->nr_msgs != nr_msgs)
			ret = -EAGAIN;
		if (ret)
			ckpt_sock_inflight_free(in);
	}
	if (ret == -EAGAIN)
		ret = -EBUSY;
	if (ret)
		ckpt_err(ctx, ret, "cannot read the files in flight in a socket's queue");
	return ret;
}

/* A Unix socket's file in flight is named by its socket */
static struct socket *ckpt_unix_sock(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && sock->sk->sk_family == AF_UNIX ? sock : NULL;
}

/*
 * Before the socket file's record: save the files in flight in its
 * receive queue, each a use of the file.
 */
static int ckpt_sock_inflight_save(struct ckpt_ctx *ctx, struct socket *sock)
{
	struct ckpt_sock_inflight in;
	unsigned int i;
	int ret;

	if (READ_ONCE(sock->sk->sk_state) == TCP_LISTEN)
		return 0;
	ret = ckpt_sock_inflight(ctx, sock->sk, &in);
	if (ret)
		return ret;
	/* restart nests them deeper, from below the fd table's files */
	if (in.nr_files && ctx->depth >= CKPT_DEPTH_MAX / 2)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "sockets in flight in sockets in flight nested too deep");
	ctx->depth++;
	/*
	 * Restart attaches a file in flight when it meets the message, but
	 * waits for a Unix socket's file still being made (in a cycle).
	 */
	for (i = 0; i < in.nr_files && !ret; i++) {
		ret = checkpoint_obj_use(ctx, in.files[i], CKPT_OBJ_FILE,
					 ckpt_unix_sock(in.files[i]) ?
					 CKPT_USE_HOLD : CKPT_USE_WHOLE);
		ret = ret < 0 ? ret : 0;
	}
	ctx->depth--;
	ckpt_sock_inflight_free(&in);
	return ret;
}

/* After it: name them, one record per message */
static int ckpt_sock_inflight_write(struct ckpt_ctx *ctx, struct socket *sock)
{
	struct ckpt_hdr_socket_fds *h;
	struct ckpt_sock_inflight in;
	unsigned int m, i;
	int ret;

	if (READ_ONCE(sock->sk->sk_state) == TCP_LISTEN)
		return 0;
	ret = ckpt_sock_inflight(ctx, sock->sk, &in);
	for (m = 0; m < in.nr_msgs && !ret; m++) {
		struct ckpt_inflight_msg *msg = &in.msgs[m];

		h = ckpt_hdr_alloc(CKPT_HDR_SOCKET_FDS, struct_size(h, fds, msg->nr));
		if (!h) {
			ret = -ENOMEM;
			break;
		}
		h->msg = msg->msg;
		h->len = msg->len;
		h->nr_fds = msg->nr;
		for (i = 0; i < msg->nr; i++) {
			struct file *file = in.files[msg->first + i];
			struct socket *fsock = ckpt_unix_sock(file);

			h->fds[i].kind = fsock ? CKPT_SOCK_FD_SOCK : CKPT_SOCK_FD_FILE;
			h->fds[i].objref = ckpt_obj_lookup(ctx, fsock ? (void *)fsock : file);
			/* saved before our record, unless the queue changed */
			if (!h->fds[i].objref) {
				ret = ckpt_err(ctx, -EBUSY,
					       "the files in flight in a socket's queue changed");
				break;
			}
		}
		if (!ret)
			ret = ckpt_write_obj(ctx, &h->h);
		ckpt_free(h);
	}
	ckpt_sock_inflight_free(&in);
	return ret;
}

static int checkpoint_sock(struct ckpt_ctx *ctx, void *ptr)
{
	struct socket *sock = ptr;
	struct sock *sk = sock->sk;
	struct ckpt_hdr_socket_queue *q = NULL;
	struct ckpt_hdr_socket *h;
	struct sock *peer;
	char *buf;
	int ret;

	peer = unix_peer_get(sk);
	h = ckpt_hdr_alloc(CKPT_HDR_SOCKET, sizeof(*h));
	buf = kmalloc(CKPT_SOCK_ADDR_MAX + PATH_MAX, GFP_KERNEL);
	if (!h || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ckpt_sock_state(ctx, sock, peer, h);
	if (!ret)
		ret = ckpt_sock_addr(ctx, sk, h, buf);
	if (ret)
		goto out;

	switch (h->state) {
	case CKPT_SOCK_SENDS_TO:
		/* the peer comes first, and we name it */
		if (!ckpt_unix_addr(peer)) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "connected to an unbound socket not connected back");
			goto out;
		}
		ret = ckpt_sk_obj(ctx, peer);
		if (ret < 0)
			goto out;
		h->peer_objref = ret;
		break;
	case CKPT_SOCK_CONNECTED:
		/* the second of the two names the first */
		h->peer_objref = ckpt_sk_lookup(ctx, peer);
		break;
	}

	if (h->state == CKPT_SOCK_LISTEN)
		q = ckpt_hdr_alloc(CKPT_HDR_SOCKET_QUEUE, sizeof(*q));
	else
		q = ckpt_sock_queue(ctx, sk, ckpt_sock_sees_creds(sock),
				    h->state == CKPT_SOCK_UNCONNECTED ? NULL : peer, true);
	if (IS_ERR_OR_NULL(q)) {
		ret = q ? PTR_ERR(q) : -ENOMEM;
		q = NULL;
		goto out;
	}
	/* what restart could not send again */
	if (q->nr_msgs && !h->addr_len &&
	    (h->state == CKPT_SOCK_UNCONNECTED || h->state == CKPT_SOCK_SENDS_TO)) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "queued data on an unbound socket without a peer is not supported");
		goto out;
	}
	ret = ckpt_write_hdr_data(ctx, &h->h, sizeof(*h), buf,
				  h->addr_len + h->path_len);
	if (!ret)
		ret = ckpt_write_obj(ctx, &q->h);
	if (!ret && h->state == CKPT_SOCK_LISTEN)
		ret = ckpt_sock_listenq(ctx, sock);
	if (ret)
		goto out;

	/* the peer follows, then our file (its use of the file) */
	if (h->state == CKPT_SOCK_CONNECTED && !h->peer_objref) {
		ret = ckpt_sk_obj(ctx, peer);
		if (ret < 0)
			goto out;
	}
	/* a connecting socket's listener counts that use */
	if (h->state != CKPT_SOCK_CONNECTING) {
		ret = checkpoint_obj(ctx, sock->file, CKPT_OBJ_FILE);
		ret = ret < 0 ? ret : 0;
	}
out:
	ckpt_free(q);
	ckpt_free(h);
	kfree(buf);
	if (peer)
		sock_put(peer);
	return ret;
}

/* Restart */

struct ckpt_sock_restore {
	struct socket *sock;		/* until its file owns it */
	struct file *file;		/* once its file record made it */
	struct ckpt_hdr_socket *h;
	struct ckpt_hdr_socket_queue *q;	/* until refilled */
	bool waiting;			/* for the peer that names it */
	bool connecting;		/* for its listener */
	struct list_head waiters;	/* files in flight that wait for its file */
};

/*
 * The files in flight with one message, until all are restored: a
 * socket's file that is not made yet is waited for on its socket.
 */
struct ckpt_sock_fds_restore {
	struct list_head list;		/* on the socket waited for */
	struct ckpt_sock_restore *to;	/* whose receive queue holds it */
	struct sk_buff *skb;		/* the message, referenced */
	unsigned int nr;
	/* a socket's file: NULL until its socket's is made */
	struct ckpt_sock_restore **socks;
	struct file *files[];		/* referenced */
};

static void sock_fds_restore_free(struct ckpt_sock_fds_restore *p)
{
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->files[i])
			fput(p->files[i]);
	consume_skb(p->skb);
	kfree(p);
}

static void sock_restore_drop(void *ptr)
{
	struct ckpt_sock_restore *r = ptr;
	struct ckpt_sock_fds_restore *p, *next;

	list_for_each_entry_safe(p, next, &r->waiters, list) {
		list_del(&p->list);
		sock_fds_restore_free(p);
	}
	if (r->file)
		fput(r->file);
	else if (r->sock)
		sock_release(r->sock);
	ckpt_free(r->q);
	ckpt_free(r->h);
	kfree(r);
}

static int ckpt_sock_setopt(struct socket *sock, int opt, int val)
{
	return sock_setsockopt(sock, SOL_SOCKET, opt, KERNEL_SOCKPTR(&val),
			       sizeof(val));
}

/* Buffer sizes, before any data moves */
static int restore_sock_buffers(struct ckpt_ctx *ctx, struct socket *sock,
				struct ckpt_hdr_socket *h)
{
	int ret = 0;

	/* setsockopt() doubles what it is given, as it did before */
	if (h->flags & CKPT_SOCK_SNDBUF)
		ret = ckpt_sock_setopt(sock, SO_SNDBUF, h->sndbuf / 2);
	if (!ret && (h->flags & CKPT_SOCK_RCVBUF))
		ret = ckpt_sock_setopt(sock, SO_RCVBUF, h->rcvbuf / 2);
	if (ret)
		ckpt_err(ctx, ret, "cannot set the socket's buffer sizes");
	return ret;
}

/*
 * The options that pass credentials, once connected and refilled: set
 * before, they would bind sockets that connect or send (autobind).
 */
static int restore_sock_passopts(struct ckpt_ctx *ctx, struct socket *sock,
				 struct ckpt_hdr_socket *h)
{
	int ret = 0;

	if (h->flags & CKPT_SOCK_PASSCRED)
		ret = ckpt_sock_setopt(sock, SO_PASSCRED, 1);
	if (!ret && (h->flags & CKPT_SOCK_PASSSEC))
		ret = ckpt_sock_setopt(sock, SO_PASSSEC, 1);
	if (!ret && (h->flags & CKPT_SOCK_PASSPIDFD))
		ret = ckpt_sock_setopt(sock, SO_PASSPIDFD, 1);
	if (ret)
		ckpt_err(ctx, ret, "cannot set the socket's options");
	return ret;
}

/*
 * Send the messages of @q from @from, to its peer or, with @to, to
 * that address: each message as one, keeping datagram boundaries.
 */
static int restore_sock_send(struct ckpt_ctx *ctx, struct socket *from,
			     struct ckpt_hdr_socket_queue *q,
			     struct sockaddr_un *to, int to_len)
{
	struct ckpt_sock_msg *msgs = (struct ckpt_sock_msg *)(q + 1);
	char *data = (char *)(msgs + q->nr_msgs);
	unsigned int i;

	for (i = 0; i < q->nr_msgs; i++) {
		struct msghdr msg = {
			.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
			.msg_name = to,
			.msg_namelen = to ? to_len : 0,
		};
		struct kvec iov = { .iov_base = data, .iov_len = msgs[i].len };
		int n;

		n = kernel_sendmsg(from, &msg, &iov, 1, msgs[i].len);
		if (n != msgs[i].len)
			return ckpt_err(ctx, n < 0 ? n : -EIO,
					"cannot refill a socket's receive queue");
		data += msgs[i].len;
	}
	return 0;
}

/*
 * Shut down what was shut down, once the data is back.  Between two
 * connected stream sockets one's receive side is shut down exactly when
 * the other's send side is: doing both sides' shutdowns again gives
 * each the state it had.
 */
static int restore_sock_shutdown(struct ckpt_ctx *ctx, struct socket *sock,
				 struct ckpt_hdr_socket *h)
{
	int ret;

	switch (h->shutdown) {
	case 0:
		return 0;
	case CKPT_SOCK_RCV_SHUTDOWN:
		ret = kernel_sock_shutdown(sock, SHUT_RD);
		break;
	case CKPT_SOCK_SEND_SHUTDOWN:
		ret = kernel_sock_shutdown(sock, SHUT_WR);
		break;
	default:
		ret = kernel_sock_shutdown(sock, SHUT_RDWR);
		break;
	}
	if (ret)
		ckpt_err(ctx, ret, "cannot shut the socket down");
	return ret;
}

/* Did the socket end up in the state of its record? */
static int restore_sock_check(struct ckpt_ctx *ctx, struct socket *sock,
			      struct ckpt_hdr_socket *h)
{
	unsigned int shutdown = 0, sk_shutdown = READ_ONCE(sock->sk->sk_shutdown);

	if (sk_shutdown & RCV_SHUTDOWN)
		shutdown |= CKPT_SOCK_RCV_SHUTDOWN;
	if (sk_shutdown & SEND_SHUTDOWN)
		shutdown |= CKPT_SOCK_SEND_SHUTDOWN;
	if (shutdown != h->shutdown)
		return ckpt_err(ctx, -EINVAL, "socket shutdown state %#x is inconsistent",
				h->shutdown);
	WRITE_ONCE(sock->sk->sk_err, h->err);
	return restore_sock_passopts(ctx, sock, h);
}

/*
 * An address that reaches the restored socket of @h from here: an
 * abstract name as it was, a path name by its node's absolute path (the
 * name it was bound with may be relative to another directory).
 */
static int restore_sock_target(struct ckpt_ctx *ctx, struct ckpt_hdr_socket *h,
			       struct sockaddr_un *sun)
{
	const char *node = (const char *)(h + 1) + h->addr_len;

	if (!h->path_len) {
		memcpy(sun, h + 1, h->addr_len);
		return h->addr_len;
	}
	if (h->path_len > sizeof(sun->sun_path))
		return ckpt_err(ctx, -ENAMETOOLONG, "socket path %s is too long to reach",
				node);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, node, h->path_len);
	return offsetof(struct sockaddr_un, sun_path) + h->path_len;
}

/* Connect the two sockets of a pair and give them back their data */
static int restore_sock_pair(struct ckpt_ctx *ctx, struct ckpt_sock_restore *a,
			     struct ckpt_sock_restore *b)
{
	int ret;

	ret = a->sock->ops->socketpair(a->sock, b->sock);
	if (ret)
		return ckpt_err(ctx, ret, "cannot connect two sockets");
	a->waiting = false;
	ret = restore_sock_send(ctx, b->sock, a->q, NULL, 0);
	if (!ret)
		ret = restore_sock_send(ctx, a->sock, b->q, NULL, 0);
	if (!ret)
		ret = restore_sock_shutdown(ctx, a->sock, a->h);
	if (!ret)
		ret = restore_sock_shutdown(ctx, b->sock, b->h);
	if (!ret)
		ret = restore_sock_check(ctx, a->sock, a->h);
	if (!ret)
		ret = restore_sock_check(ctx, b->sock, b->h);
	ckpt_free(a->q);
	a->q = NULL;
	ckpt_free(b->q);
	b->q = NULL;
	return ret;
}

/* A new socket for sending data that came from a socket now gone */
static int restore_sock_temp(struct ckpt_ctx *ctx, int type, struct socket **sockp)
{
	int ret = sock_create(AF_UNIX, type, 0, sockp);

	if (ret)
		return ckpt_err(ctx, ret, "cannot make a socket");
	/* it sends what its predecessors did, whatever their buffers were */
	WRITE_ONCE((*sockp)->sk->sk_sndbuf, INT_MAX / 2);
	return 0;
}

/* Connected to a peer that was closed: one is made and closed again */
static int restore_sock_orphan(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct socket *tmp;
	int ret;

	ret = restore_sock_temp(ctx, r->h->type, &tmp);
	if (ret)
		return ret;
	ret = r->sock->ops->socketpair(r->sock, tmp);
	if (ret)
		ckpt_err(ctx, ret, "cannot connect two sockets");
	else
		ret = restore_sock_send(ctx, tmp, r->q, NULL, 0);
	/* closing it shuts a stream socket down, as it was */
	sock_release(tmp);
	if (!ret && r->h->type == SOCK_DGRAM)
		ret = restore_sock_shutdown(ctx, r->sock, r->h);
	if (!ret)
		ret = restore_sock_check(ctx, r->sock, r->h);
	return ret;
}

/* Not connected: datagrams from unbound senders come from a new one */
static int restore_sock_unconnected(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct sockaddr_storage ss = {};
	struct socket *tmp;
	int len, ret = 0;

	if (r->q->nr_msgs) {
		if (r->h->type != SOCK_DGRAM || !r->h->addr_len)
			return ckpt_err(ctx, -EINVAL,
					"unconnected socket record with queued data");
		len = restore_sock_target(ctx, r->h, (struct sockaddr_un *)&ss);
		if (len < 0)
			return len;
		ret = restore_sock_temp(ctx, r->h->type, &tmp);
		if (ret)
			return ret;
		ret = restore_sock_send(ctx, tmp, r->q, (struct sockaddr_un *)&ss, len);
		sock_release(tmp);
	}
	if (!ret)
		ret = restore_sock_shutdown(ctx, r->sock, r->h);
	if (!ret)
		ret = restore_sock_check(ctx, r->sock, r->h);
	return ret;
}

static struct ckpt_hdr_socket_queue *
restore_sock_queue(struct ckpt_ctx *ctx, struct ckpt_hdr_socket *s)
{
	struct ckpt_hdr_socket_queue *q;
	struct ckpt_sock_msg *msgs;
	u64 total = 0;
	unsigned int i;

	q = ckpt_read_obj_type(ctx, CKPT_HDR_SOCKET_QUEUE, sizeof(*q),
			       sizeof(*q) + CKPT_SOCK_MSGS_MAX * sizeof(*msgs) +
			       CKPT_SOCK_QUEUE_MAX + 8);
	if (IS_ERR(q))
		return q;
	msgs = (struct ckpt_sock_msg *)(q + 1);
	if (q->nr_msgs > CKPT_SOCK_MSGS_MAX || q->data_len > CKPT_SOCK_QUEUE_MAX ||
	    ckpt_align(sizeof(*q) + q->nr_msgs * sizeof(*msgs) + q->data_len) != q->h.len)
		goto bad;
	for (i = 0; i < q->nr_msgs; i++) {
		/* only datagrams may be empty; senders are not kept yet */
		if ((!msgs[i].len && s->type != SOCK_DGRAM) ||
		    msgs[i].len > CKPT_SOCK_QUEUE_MAX || msgs[i].sender_objref)
			goto bad;
		total += msgs[i].len;
	}
	if (total != q->data_len)
		goto bad;
	return q;
bad:
	ckpt_free(q);
	ckpt_err(ctx, -EINVAL, "socket queue record is malformed");
	return ERR_PTR(-EINVAL);
}

/* Make the socket node @node, which is missing */
static int restore_sock_mknod(const char *node, umode_t mode)
{
	struct dentry *dentry;
	struct path parent;
	int ret;

	dentry = kern_path_create(AT_FDCWD, node, &parent, 0);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	ret = security_path_mknod(&parent, dentry, mode, 0);
	if (!ret)
		ret = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry),
				dentry, mode, 0);
	done_path_create(&parent, dentry);
	return ret;
}

/*
 * Bind to a path name: to the socket's node if it is still there (same
 * machine: the normal case), owned by the caller and bound to no other
 * socket; else to a new node made with the saved permissions.
 */
static int restore_sock_bind_path(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct ckpt_hdr_socket *h = r->h;
	const char *node = (const char *)(h + 1) + h->addr_len;
	struct sockaddr_storage ss = {};
	struct inode *inode;
	struct path p;
	int ret;

	ret = kern_path(node, 0, &p);
	if (ret == -ENOENT) {
		ret = restore_sock_mknod(node, S_IFSOCK | h->node_mode);
		if (!ret)
			ret = kern_path(node, 0, &p);
	}
	if (ret)
		return ckpt_err(ctx, ret, "cannot find or make the socket node %s", node);
	inode = d_backing_inode(p.dentry);
	if (!S_ISSOCK(inode->i_mode))
		ret = ckpt_err(ctx, -EINVAL, "%s is not a socket node any more", node);
	else if (!inode_owner_or_capable(mnt_idmap(p.mnt), inode))
		ret = ckpt_err(ctx, -EPERM, "the socket node %s is not the caller's", node);
	if (!ret) {
		memcpy(&ss, h + 1, h->addr_len);
		ret = unix_bind_inode(r->sock->sk, &p, (struct sockaddr_un *)&ss,
				      h->addr_len);
		if (ret)
			ckpt_err(ctx, ret, "cannot bind a socket to %s", node);
	}
	path_put(&p);
	return ret;
}

static int restore_sock_bind(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct ckpt_hdr_socket *h = r->h;
	struct sockaddr_un *addr = (struct sockaddr_un *)(h + 1);
	int ret;

	if (h->path_len)
		return restore_sock_bind_path(ctx, r);
	ret = kernel_bind(r->sock, (struct sockaddr *)addr, h->addr_len);
	if (ret)
		ckpt_err(ctx, ret, "cannot bind a socket to @%.*s",
			 h->addr_len - (int)offsetof(struct sockaddr_un, sun_path) - 1,
			 addr->sun_path + 1);
	return ret;
}

/*
 * Queue the pending connections of a listening socket again: connect
 * each client (a new one closed again afterwards for a client that was
 * closed), and send the data the connection held.
 */
static int restore_sock_listenq(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct ckpt_hdr_socket_listenq *h;
	struct sockaddr_storage ss = {};
	unsigned int i;
	int len, ret;

	len = restore_sock_target(ctx, r->h, (struct sockaddr_un *)&ss);
	if (len < 0)
		return len;
	h = ckpt_read_obj_type(ctx, CKPT_HDR_SOCKET_LISTENQ, sizeof(*h),
			       struct_size(h, conns, r->h->backlog + 1));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->nr_conns > r->h->backlog + 1 || h->__pad ||
	    struct_size(h, conns, h->nr_conns) != h->h.len) {
		ckpt_free(h);
		return ckpt_err(ctx, -EINVAL, "listen queue record is malformed");
	}
	for (i = 0, ret = 0; i < h->nr_conns && !ret; i++) {
		struct ckpt_sock_restore *c = NULL;
		struct ckpt_hdr_socket_queue *q;
		struct socket *sock;

		if (h->conns[i].client_objref) {
			c = ckpt_obj_fetch(ctx, h->conns[i].client_objref, CKPT_OBJ_SOCK);
			if (IS_ERR(c)) {
				ret = PTR_ERR(c);
				break;
			}
			if (!c->connecting || c->h->type != r->h->type) {
				ret = ckpt_err(ctx, -EINVAL,
					       "socket objref %d is no pending client",
					       h->conns[i].client_objref);
				break;
			}
			c->connecting = false;
			sock = c->sock;
		} else {
			ret = restore_sock_temp(ctx, r->h->type, &sock);
			if (ret)
				break;
		}
		q = restore_sock_queue(ctx, r->h);
		if (IS_ERR(q)) {
			ret = PTR_ERR(q);
		} else {
			ret = kernel_connect(sock, (struct sockaddr *)&ss, len, O_NONBLOCK);
			if (ret)
				ckpt_err(ctx, ret, "cannot queue a connection on a listening socket");
			if (!ret)
				ret = restore_sock_send(ctx, sock, q, NULL, 0);
			ckpt_free(q);
		}
		if (!c)
			sock_release(sock);
		if (!ret && c)
			ret = restore_sock_shutdown(ctx, c->sock, c->h);
		if (!ret && c)
			ret = restore_sock_check(ctx, c->sock, c->h);
	}
	ckpt_free(h);
	return ret;
}

static bool restore_sock_valid(struct ckpt_hdr_socket *h, int objref)
{
	struct sockaddr_un *addr = (struct sockaddr_un *)(h + 1);
	const char *node = (const char *)(h + 1) + h->addr_len;
	bool stream = h->type == SOCK_STREAM || h->type == SOCK_SEQPACKET;

	if (h->family != AF_UNIX || (!stream && h->type != SOCK_DGRAM))
		return false;
	if (h->flags & ~(CKPT_SOCK_PASSCRED | CKPT_SOCK_PASSSEC | CKPT_SOCK_PASSPIDFD |
			 CKPT_SOCK_SNDBUF | CKPT_SOCK_RCVBUF))
		return false;
	if (h->shutdown & ~(CKPT_SOCK_RCV_SHUTDOWN | CKPT_SOCK_SEND_SHUTDOWN))
		return false;
	if (h->err < 0 || h->err > MAX_ERRNO || h->sndbuf > INT_MAX ||
	    h->rcvbuf > INT_MAX || h->node_mode & ~0777)
		return false;
	if (h->addr_len > CKPT_SOCK_ADDR_MAX || h->path_len > CKPT_PATH_MAX ||
	    ckpt_align(sizeof(*h) + h->addr_len + h->path_len) != h->h.len)
		return false;
	if (h->addr_len) {
		/* a name of at least one byte after the family */
		if (h->addr_len < offsetof(struct sockaddr_un, sun_path) + 2 ||
		    addr->sun_family != AF_UNIX)
			return false;
		/* a path name has its node, an absolute path */
		if (!addr->sun_path[0] != !h->path_len)
			return false;
		if (h->path_len && (h->path_len < 2 || node[0] != '/' ||
				    strnlen(node, h->path_len) != h->path_len - 1))
			return false;
	} else if (h->path_len) {
		return false;
	}
	switch (h->state) {
	case CKPT_SOCK_UNCONNECTED:
	case CKPT_SOCK_ORPHAN:
		return !h->peer_objref && !h->backlog;
	case CKPT_SOCK_CONNECTED:
		return h->peer_objref >= 0 && h->peer_objref < objref && !h->backlog;
	case CKPT_SOCK_SENDS_TO:
		return h->type == SOCK_DGRAM && h->peer_objref > 0 &&
		       h->peer_objref < objref && !h->backlog;
	case CKPT_SOCK_LISTEN:
		return stream && h->addr_len && !h->peer_objref &&
		       h->backlog <= CKPT_SOCK_MSGS_MAX;
	case CKPT_SOCK_CONNECTING:
		return stream && !h->peer_objref && !h->backlog;
	default:
		return false;
	}
}

static void *restore_sock(struct ckpt_ctx *ctx)
{
	int objref = ctx->obj_next - 1;
	struct ckpt_sock_restore *r, *peer = NULL;
	struct sockaddr_storage ss = {};
	struct ckpt_hdr_socket *h;
	int len, ret;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_SOCKET, sizeof(*h),
			       sizeof(*h) + ckpt_align(CKPT_SOCK_ADDR_MAX + CKPT_PATH_MAX));
	if (IS_ERR(h))
		return h;
	if (!restore_sock_valid(h, objref)) {
		ckpt_err(ctx, -EINVAL, "socket record is malformed");
		ckpt_free(h);
		return ERR_PTR(-EINVAL);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ckpt_free(h);
		return ERR_PTR(-ENOMEM);
	}
	INIT_LIST_HEAD(&r->waiters);
	r->h = h;
	r->q = restore_sock_queue(ctx, h);
	if (IS_ERR(r->q)) {
		ret = PTR_ERR(r->q);
		r->q = NULL;
		goto err;
	}

	if (h->peer_objref) {
		peer = ckpt_obj_fetch(ctx, h->peer_objref, CKPT_OBJ_SOCK);
		if (IS_ERR(peer)) {
			ret = PTR_ERR(peer);
			goto err;
		}
		/* a pair's first waits for us; one we send to is bound */
		if (peer->h->type != h->type ||
		    (h->state == CKPT_SOCK_CONNECTED && !peer->waiting) ||
		    (h->state == CKPT_SOCK_SENDS_TO && !peer->h->addr_len)) {
			ret = ckpt_err(ctx, -EINVAL, "socket objref %d cannot be the peer",
				       h->peer_objref);
			goto err;
		}
	}

	ret = sock_create(AF_UNIX, h->type, 0, &r->sock);
	if (ret) {
		r->sock = NULL;
		ckpt_err(ctx, ret, "cannot make a socket");
		goto err;
	}
	ret = restore_sock_buffers(ctx, r->sock, h);
	if (ret)
		goto err;
	if (h->addr_len) {
		ret = restore_sock_bind(ctx, r);
		if (ret)
			goto err;
	}

	switch (h->state) {
	case CKPT_SOCK_UNCONNECTED:
		ret = restore_sock_unconnected(ctx, r);
		break;
	case CKPT_SOCK_LISTEN:
		ret = kernel_listen(r->sock, h->backlog);
		if (ret)
			ckpt_err(ctx, ret, "cannot listen on a socket");
		if (!ret)
			ret = restore_sock_listenq(ctx, r);
		if (!ret)
			ret = restore_sock_shutdown(ctx, r->sock, h);
		if (!ret)
			ret = restore_sock_check(ctx, r->sock, h);
		break;
	case CKPT_SOCK_CONNECTING:
		if (r->q->nr_msgs) {
			ret = ckpt_err(ctx, -EINVAL, "a pending connection's client has data");
			break;
		}
		/* its listener connects it, then shuts it down */
		r->connecting = true;
		ret = 0;
		break;
	case CKPT_SOCK_ORPHAN:
		ret = restore_sock_orphan(ctx, r);
		break;
	case CKPT_SOCK_CONNECTED:
		if (!peer) {
			/* the peer names us, and connects us */
			r->waiting = true;
			ret = 0;
		} else {
			ret = restore_sock_pair(ctx, peer, r);
		}
		break;
	case CKPT_SOCK_SENDS_TO:
		len = restore_sock_target(ctx, peer->h, (struct sockaddr_un *)&ss);
		ret = len < 0 ? len : kernel_connect(r->sock, (struct sockaddr *)&ss,
						     len, 0);
		if (len >= 0 && ret)
			ckpt_err(ctx, ret, "cannot connect a socket to its peer");
		/* what the peer sent us, to our address */
		len = ret ? 0 : restore_sock_target(ctx, h, (struct sockaddr_un *)&ss);
		if (len < 0)
			ret = len;
		if (!ret)
			ret = restore_sock_send(ctx, peer->sock, r->q,
						(struct sockaddr_un *)&ss, len);
		if (!ret)
			ret = restore_sock_shutdown(ctx, r->sock, h);
		if (!ret)
			ret = restore_sock_check(ctx, r->sock, h);
		break;
	}
	if (ret)
		goto err;
	if (!r->waiting) {
		ckpt_free(r->q);
		r->q = NULL;
	}
	return r;
err:
	sock_restore_drop(r);
	return ERR_PTR(ret);
}

/* Files in flight still waiting for this socket's file: it never came */
static int sock_restore_done(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_sock_restore *r = ptr;

	if (list_empty(&r->waiters))
		return 0;
	return ckpt_err(ctx, -EINVAL,
			"files in flight wait for a socket whose file the image never makes");
}

static const struct ckpt_obj_ops ckpt_sock_ops = {
	.obj_type = CKPT_OBJ_SOCK,
	.obj_name = "socket",
	.ref_grab = sock_obj_grab,
	.ref_drop = sock_obj_drop,
	.ref_users = sock_obj_users,
	.checkpoint = checkpoint_sock,
	.restore = restore_sock,
	.restore_drop = sock_restore_drop,
	.restore_done = sock_restore_done,
};

/* Files in flight */

static struct ckpt_sock_fds_restore *sock_fds_restore_alloc(unsigned int nr)
{
	struct ckpt_sock_fds_restore *p;

	p = kzalloc(struct_size(p, files, nr) + nr * sizeof(*p->socks), GFP_KERNEL);
	if (!p)
		return NULL;
	INIT_LIST_HEAD(&p->list);
	p->socks = (struct ckpt_sock_restore **)&p->files[nr];
	p->nr = nr;
	return p;
}

/*
 * Attach the files of @p to its message; if a socket's file is not
 * made yet, wait for it on that socket instead.  Consumes @p.
 */
static int restore_sock_fds_attach(struct ckpt_ctx *ctx, struct ckpt_sock_fds_restore *p)
{
	struct sock *sk = p->to->sock->sk;
	struct unix_sock *u = unix_sk(sk);
	unsigned int i;
	int ret;

	for (i = 0; i < p->nr; i++) {
		if (p->files[i])
			continue;
		if (!p->socks[i]->file) {
			list_add_tail(&p->list, &p->socks[i]->waiters);
			return 0;
		}
		p->files[i] = get_file(p->socks[i]->file);
	}

	mutex_lock(&u->iolock);
	/* still queued: nobody read it */
	spin_lock(&sk->sk_receive_queue.lock);
	ret = p->skb->next ? 0 : -EBUSY;
	spin_unlock(&sk->sk_receive_queue.lock);
	if (!ret)
		ret = unix_attach_files(sk, p->skb, p->files, p->nr);
	mutex_unlock(&u->iolock);
	if (ret)
		ckpt_err(ctx, ret, "cannot pass the files in flight with a queued message");
	sock_fds_restore_free(p);
	return ret;
}

/*
 * The @msg'th message of @sk's receive queue, @len bytes without files,
 * referenced; found from @cursor, the @idx'th, referenced, or from the
 * start.
 */
static struct sk_buff *restore_sock_msg(struct sock *sk, struct sk_buff *cursor,
					unsigned int idx, unsigned int msg,
					unsigned int len)
{
	struct sk_buff_head *queue = &sk->sk_receive_queue;
	struct sk_buff *skb;

	spin_lock(&queue->lock);
	if (cursor) {
		/* unlinked: read by someone */
		skb = cursor->next ? cursor : NULL;
	} else {
		skb = skb_peek(queue);
		idx = 0;
	}
	for (; skb && idx < msg; idx++)
		skb = skb_peek_next(skb, queue);
	if (skb && (skb->len != len || UNIXCB(skb).fp))
		skb = NULL;
	if (skb)
		skb_get(skb);
	spin_unlock(&queue->lock);
	return skb;
}

/* One CKPT_HDR_SOCKET_FDS record of @r's queue */
static int restore_sock_fds_one(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r,
				struct sk_buff **cursor, unsigned int *idx,
				long *last)
{
	struct ckpt_sock_fds_restore *p = NULL;
	struct ckpt_hdr_socket_fds *h;
	struct ckpt_sock_restore *s;
	struct sk_buff *skb;
	struct file *file;
	unsigned int i;
	int ret = -EINVAL;

	h = ckpt_read_obj_type(ctx, CKPT_HDR_SOCKET_FDS, struct_size(h, fds, 1),
			       struct_size(h, fds, SCM_MAX_FD));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (r->h->state == CKPT_SOCK_LISTEN || !h->nr_fds || h->nr_fds > SCM_MAX_FD ||
	    h->__pad || struct_size(h, fds, h->nr_fds) != h->h.len ||
	    (long)h->msg <= *last || h->msg >= CKPT_SOCK_MSGS_MAX ||
	    h->len > CKPT_SOCK_QUEUE_MAX) {
		ckpt_err(ctx, ret, "socket fds record is malformed");
		goto out;
	}
	*last = h->msg;
	p = sock_fds_restore_alloc(h->nr_fds);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	p->to = r;
	for (i = 0; i < h->nr_fds; i++) {
		switch (h->fds[i].kind) {
		case CKPT_SOCK_FD_FILE:
			file = ckpt_obj_fetch(ctx, h->fds[i].objref, CKPT_OBJ_FILE);
			if (IS_ERR(file)) {
				ret = PTR_ERR(file);
				goto out;
			}
			p->files[i] = get_file(file);
			break;
		case CKPT_SOCK_FD_SOCK:
			s = ckpt_obj_fetch(ctx, h->fds[i].objref, CKPT_OBJ_SOCK);
			if (IS_ERR(s)) {
				ret = PTR_ERR(s);
				goto out;
			}
			p->socks[i] = s;
			break;
		default:
			ckpt_err(ctx, ret, "socket fds record: bad kind %u", h->fds[i].kind);
			goto out;
		}
	}

	skb = restore_sock_msg(r->sock->sk, *cursor, *idx, h->msg, h->len);
	if (!skb) {
		ckpt_err(ctx, ret, "socket fds record: no message %u of %u bytes without files",
			 h->msg, h->len);
		goto out;
	}
	consume_skb(*cursor);
	*cursor = skb;
	*idx = h->msg;
	p->skb = skb_get(skb);
	ret = restore_sock_fds_attach(ctx, p);
	p = NULL;
out:
	if (p)
		sock_fds_restore_free(p);
	ckpt_free(h);
	return ret;
}

/*
 * Once the socket's file is made: the files in flight in its receive
 * queue (refilled by then), then those that waited for that file.
 */
static int restore_sock_fds(struct ckpt_ctx *ctx, struct ckpt_sock_restore *r)
{
	struct ckpt_sock_fds_restore *p;
	struct sk_buff *cursor = NULL;
	unsigned int idx = 0;
	LIST_HEAD(list);
	long last = -1;
	int ret;

	for (;;) {
		ret = ckpt_peek_type(ctx);
		if (ret != CKPT_HDR_SOCKET_FDS)
			break;
		ret = restore_sock_fds_one(ctx, r, &cursor, &idx, &last);
		if (ret)
			break;
	}
	consume_skb(cursor);
	ret = ret < 0 ? ret : 0;

	list_splice_init(&r->waiters, &list);
	while (!list_empty(&list)) {
		p = list_first_entry(&list, struct ckpt_sock_fds_restore, list);
		list_del_init(&p->list);
		if (ret)
			sock_fds_restore_free(p);
		else
			ret = restore_sock_fds_attach(ctx, p);
	}
	return ret;
}

/* The socket file */

static bool unix_file_match(struct file *file)
{
	return !!sock_from_file(file);
}

static int unix_file_prepare(struct ckpt_ctx *ctx, struct file *file,
			     struct ckpt_hdr_file *h)
{
	struct socket *sock = sock_from_file(file);
	int ret;

	if (sock->sk->sk_family != AF_UNIX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"sockets of address family %d are not supported",
				sock->sk->sk_family);
	/* F_SETOWN is not saved: its signals would be lost */
	if (file->f_flags & FASYNC)
		return ckpt_err(ctx, -EOPNOTSUPP, "O_ASYNC on a socket is not supported");
	if (file->f_flags & ~(O_ACCMODE | O_NONBLOCK | FASYNC))
		return ckpt_err(ctx, -EOPNOTSUPP, "socket file flags %#x are not supported",
				file->f_flags);
	ret = checkpoint_obj(ctx, sock, CKPT_OBJ_SOCK);
	if (ret < 0)
		return ret;
	h->obj_objref = ret;
	return ckpt_sock_inflight_save(ctx, sock);
}

static int unix_file_checkpoint(struct ckpt_ctx *ctx, struct file *file)
{
	return ckpt_sock_inflight_write(ctx, sock_from_file(file));
}

static struct file *unix_file_restore(struct ckpt_ctx *ctx, struct ckpt_hdr_file *h)
{
	struct ckpt_sock_restore *r;
	struct file *file;
	int ret;

	if ((h->i_mode & S_IFMT) != S_IFSOCK ||
	    (h->f_flags & ~O_NONBLOCK) != O_RDWR) {
		ckpt_err(ctx, -EINVAL, "socket file record: bad mode %o or flags %#x",
			 h->i_mode, h->f_flags);
		return ERR_PTR(-EINVAL);
	}
	r = ckpt_obj_fetch(ctx, h->obj_objref, CKPT_OBJ_SOCK);
	if (IS_ERR(r))
		return ERR_CAST(r);
	if (r->file) {
		ckpt_err(ctx, -EINVAL, "socket objref %d has a second file", h->obj_objref);
		return ERR_PTR(-EINVAL);
	}
	file = sock_alloc_file(r->sock, h->f_flags & O_NONBLOCK, NULL);
	if (IS_ERR(file)) {
		/* it released the socket */
		r->sock = NULL;
		ckpt_err(ctx, PTR_ERR(file), "cannot make a socket's file");
		return file;
	}
	r->file = get_file(file);
	ret = restore_sock_fds(ctx, r);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

static const struct ckpt_file_ops ckpt_unix_file_ops = {
	.file_type = CKPT_FILE_SOCKET,
	.match = unix_file_match,
	.prepare = unix_file_prepare,
	.checkpoint = unix_file_checkpoint,
	.restore = unix_file_restore,
};

static int __init checkpoint_unix_init(void)
{
	int ret = ckpt_register_obj_ops(&ckpt_sock_ops);

	if (!ret)
		ret = ckpt_register_file_ops(&ckpt_unix_file_ops);
	return ret;
}
late_initcall(checkpoint_unix_init);
