/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inner prefixes per peer: a packet to send goes to the peer with the
 * longest prefix holding its destination, and a packet received from a
 * peer is delivered only if its inner source lies in one of that peer's
 * prefixes. A prefix belongs to at most one peer of a device.
 */
#ifndef _M2MSEC_ALLOWEDIPS_H
#define _M2MSEC_ALLOWEDIPS_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct m2msec_peer;

struct m2msec_prefix {
	u16 family;			/* AF_INET or AF_INET6 */
	u8 cidr;
	union {
		__be32 addr4;
		struct in6_addr addr6;
	};
};

/* Maximum prefixes in one request, and per device. */
#define M2MSEC_ALLOWEDIPS_PER_PEER	256
#define M2MSEC_ALLOWEDIPS_PER_DEVICE	65536

struct m2msec_allowedips {
	void __rcu *root4;		/* layout private to allowedips.c */
	void __rcu *root6;
	u32 count;
};

void m2msec_allowedips_init(struct m2msec_allowedips *table);
/* Frees every entry; the caller has removed every peer. */
void m2msec_allowedips_free(struct m2msec_allowedips *table);

/*
 * m2msec_allowedips_replace - make prefixes (host bits cleared by the
 * caller) the whole list of peer; EADDRINUSE with an extack message if one
 * belongs to another peer, leaving the old list. Device lock held.
 */
int m2msec_allowedips_replace(struct m2msec_allowedips *table,
			      struct m2msec_peer *peer,
			      const struct m2msec_prefix *prefixes, u32 n,
			      struct netlink_ext_ack *extack);
void m2msec_allowedips_remove_peer(struct m2msec_allowedips *table,
				   struct m2msec_peer *peer);
/* Copies up to max prefixes of peer, returns how many it has. */
u32 m2msec_allowedips_list(struct m2msec_allowedips *table,
			   struct m2msec_peer *peer,
			   struct m2msec_prefix *out, u32 max);

/*
 * Packet path, under rcu_read_lock_bh(). lookup_dst returns the peer
 * uncounted, valid until rcu_read_unlock_bh(); take a reference with
 * m2msec_peer_get_rcu() to keep it longer.
 */
struct m2msec_peer *m2msec_allowedips_lookup_dst(struct m2msec_allowedips *t,
						 struct sk_buff *skb);
bool m2msec_allowedips_src_ok(struct m2msec_allowedips *t,
			      struct m2msec_peer *peer, struct sk_buff *skb);

#endif /* _M2MSEC_ALLOWEDIPS_H */
