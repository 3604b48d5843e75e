/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The m2msec network device (link kind "m2msec"): one per interface, with
 * its UDP sockets, its peers and the tables that find a peer for a packet.
 */
#ifndef _M2MSEC_DEVICE_H
#define _M2MSEC_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/padata.h>
#include <linux/types.h>
#include <net/gro_cells.h>

#include "allowedips.h"
#include "peer.h"

/*
 * Bytes that m2msec adds around an inner packet on an IPv6 underlay (the
 * larger one): IPv6 40, UDP 8, DATA header and counter 16, tag 16. The
 * device MTU is the underlay MTU minus this.
 */
#define M2MSEC_UNDERLAY_OVERHEAD_V4	(20 + 8 + 32)
#define M2MSEC_UNDERLAY_OVERHEAD_V6	(40 + 8 + 32)

struct m2msec_device {
	struct net_device *dev;
	/* Namespace of the sockets: where the device was created. */
	struct net *creating_net;
	struct list_head device_list;	/* m2msec_devices, under RTNL */

	/*
	 * Serializes configuration: the peer list, the sockets, the port,
	 * allowed prefixes. Held by netlink handlers, never on the packet
	 * path.
	 */
	struct mutex lock;
	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	u16 port;			/* host order; 0 until bound */

	/* Peers in the order they were added; RCU readers, lock writers. */
	struct list_head peers;
	u32 npeers;
	u64 next_peer_seq;

	struct m2msec_index_table indexes;	/* local index -> keypair */
	struct m2msec_allowedips allowedips;	/* inner prefix -> peer */

	/* Crypto spread over CPUs, results handed on in submission order. */
	struct padata_shell *encrypt_ps;
	struct padata_shell *decrypt_ps;
	struct gro_cells gro_cells;
	/*
	 * Packets handed to padata and not yet through their serial step,
	 * per direction: bounded by M2MSEC_MAX_INFLIGHT, and drained before
	 * the device frees its padata shells.
	 */
	atomic_t tx_inflight;
	atomic_t rx_inflight;

	atomic64_t drop_unknown_index;
	atomic64_t drop_malformed;
	atomic64_t drop_no_peer;
};

extern struct rtnl_link_ops m2msec_link_ops;

int m2msec_device_init(void);
void m2msec_device_exit(void);

/* The m2msec device behind dev, or NULL if dev is another kind. */
struct m2msec_device *m2msec_device_from_netdev(struct net_device *dev);

/*
 * m2msec_device_set_port - bind new IPv4 and IPv6 sockets on port (0 =
 * any free port) in md->creating_net and swap them in; on failure the old
 * sockets stay. Caller holds md->lock.
 */
int m2msec_device_set_port(struct m2msec_device *md, u16 port,
			   struct netlink_ext_ack *extack);

/*
 * m2msec_send_keepalive - queue one DATA message with an empty plaintext
 * to peer under its sending key. Callable from any context.
 */
void m2msec_send_keepalive(struct m2msec_peer *peer);

/* Packet path (send.c, receive.c). */
netdev_tx_t m2msec_xmit(struct sk_buff *skb, struct net_device *dev);
int m2msec_receive(struct m2msec_device *md, struct sk_buff *skb);

#endif /* _M2MSEC_DEVICE_H */
