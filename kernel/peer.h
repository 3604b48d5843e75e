/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peers and their keypairs. A peer is one service connection, named by
 * the node id of its m2m_conn key. Each bound m2m_conn key becomes a
 * keypair: the AEAD transforms of K_i2r and K_r2i, the send counter, the
 * replay window and the local index that incoming DATA messages carry.
 */
#ifndef _M2MSEC_PEER_H
#define _M2MSEC_PEER_H

#include <crypto/aead.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <uapi/linux/m2msec.h>

#include "keys.h"
#include "replay.h"

struct m2msec_device;
struct m2msec_peer;
struct m2msec_prefix;

/* Local index -> keypair, for every keypair of every peer of a device. */
#define M2MSEC_INDEX_HASH_BITS	10
struct m2msec_index_table {
	spinlock_t lock;		/* writers; readers use RCU */
	struct hlist_head buckets[1 << M2MSEC_INDEX_HASH_BITS];
};

struct m2msec_keypair {
	struct kref refcount;
	struct rcu_head rcu;
	struct m2msec_peer *peer;	/* counted, so the peer outlives it */
	struct hlist_node index_node;	/* in the device's index table */
	struct work_struct free_work;	/* the last put may be in softirq */

	struct crypto_aead *send_tfm;	/* K_i2r as initiator, else K_r2i */
	struct crypto_aead *recv_tfm;
	u8 suite;			/* enum m2msec_suite */
	u8 role;			/* enum m2msec_role of this side */
	u32 local_index;		/* receiver index of packets we open */
	u32 remote_index;		/* receiver index of packets we seal */

	atomic64_t send_counter;	/* next counter to use */
	spinlock_t replay_lock;
	struct m2msec_replay replay;

	key_serial_t serial;
	u8 key_id[M2MSEC_KEY_ID_LEN];
	time64_t expires;		/* Unix seconds, from the key */
	time64_t rekey_at;		/* Unix seconds: 3/4 of the lifetime */
	u64 bound_ms;			/* Unix ms when bound */
	unsigned long retire_at;	/* jiffies, 0 until replaced */
	bool dead;			/* key revoked, unlinked or expired */
	bool rekey_sent;		/* REKEY_WANTED sent for this key */
	bool expired_sent;		/* KEY_EXPIRED sent for this key */
	struct m2msec_key_watch watch;
};

union m2msec_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

struct m2msec_peer_stats {
	atomic64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	atomic64_t drop_auth, drop_replay, drop_no_key, drop_source;
	atomic64_t last_rx_ms, last_tx_ms;	/* Unix ms, 0 = never */
};

struct m2msec_peer {
	struct kref refcount;
	struct rcu_head rcu;
	struct m2msec_device *md;
	struct list_head dev_node;	/* md->peers, under md->lock */
	u64 seq;			/* order of creation, for dumps */
	u8 node_id[M2MSEC_NODE_ID_LEN];
	bool dead;			/* removed from the device */
	bool up;			/* has a usable keypair; keypair_lock */
	struct list_head allowedips;	/* its entries, in allowedips.c */

	/*
	 * Keypairs. current seals and opens; next (initiator side only) opens
	 * and becomes current with the first packet it opens; previous only
	 * opens, until its retire_at. Writers hold keypair_lock.
	 */
	spinlock_t keypair_lock;
	struct m2msec_keypair __rcu *current_kp;
	struct m2msec_keypair __rcu *next_kp;
	struct m2msec_keypair __rcu *previous_kp;

	/* Destination of DATA messages, learnt from each opened packet. */
	rwlock_t endpoint_lock;
	union m2msec_endpoint endpoint;	/* family AF_UNSPEC until known */
	struct dst_cache dst_cache;

	u16 keepalive;			/* seconds, 0 = off */
	struct timer_list keepalive_timer;
	/*
	 * jiffies of the last packet sent and of the last keepalive queued.
	 * The keepalive timer measures with these and not with the Unix
	 * times in stats, which jump when the clock is set.
	 */
	unsigned long last_tx_jiffies;
	unsigned long keepalive_sent;
	struct timer_list key_timer;	/* rekey wanted, expiry, retire */
	struct work_struct key_work;	/* the key timer's work */

	struct m2msec_peer_stats stats;
};

/* Configuration, md->lock held by the caller (netlink handlers). */
struct m2msec_peer *m2msec_peer_create(struct m2msec_device *md,
				       key_serial_t serial,
				       struct netlink_ext_ack *extack);
/* m2msec_peer_create() that also sets the allowed prefixes (peer.c). */
struct m2msec_peer *m2msec_peer_create_with(struct m2msec_device *md,
					    key_serial_t serial,
					    const struct m2msec_prefix *prefixes,
					    u32 n,
					    struct netlink_ext_ack *extack);
struct m2msec_peer *m2msec_peer_find(struct m2msec_device *md,
				     const u8 node_id[M2MSEC_NODE_ID_LEN]);
int m2msec_peer_bind_key(struct m2msec_peer *peer, key_serial_t serial,
			 struct netlink_ext_ack *extack);
void m2msec_peer_set_endpoint(struct m2msec_peer *peer,
			      const union m2msec_endpoint *ep);
void m2msec_peer_set_keepalive(struct m2msec_peer *peer, u16 seconds);
void m2msec_peer_remove(struct m2msec_peer *peer);
void m2msec_peer_remove_all(struct m2msec_device *md);

void m2msec_peer_put(struct m2msec_peer *peer);
struct m2msec_peer *m2msec_peer_get(struct m2msec_peer *peer);
/* A reference to an RCU-found peer, or NULL if it is being freed. */
struct m2msec_peer *m2msec_peer_get_rcu(struct m2msec_peer *peer);

/*
 * Packet path, any context. Each returns a counted keypair or NULL; the
 * caller drops it with m2msec_keypair_put().
 *
 * m2msec_keypair_for_send - the keypair to seal with (current, or next
 *   when there is no current), if alive and unexpired. Draws its counter
 *   into *counter; NULL also when the counter limit is reached.
 * m2msec_keypair_for_index - the keypair whose local index is index, if
 *   alive, unexpired and (when previous) not retired.
 */
struct m2msec_keypair *m2msec_keypair_for_send(struct m2msec_peer *peer,
					       u64 *counter);
struct m2msec_keypair *m2msec_keypair_for_index(struct m2msec_device *md,
						u32 index);
void m2msec_keypair_put(struct m2msec_keypair *kp);

/* The window check before opening, and the update after it verified. */
bool m2msec_keypair_replay_check(struct m2msec_keypair *kp, u64 counter);
bool m2msec_keypair_replay_accept(struct m2msec_keypair *kp, u64 counter);

/*
 * m2msec_keypair_opened - note a verified packet under kp: promotes a
 * next keypair to current, updates last_rx and the endpoint.
 */
void m2msec_keypair_opened(struct m2msec_keypair *kp,
			   const union m2msec_endpoint *from);

void m2msec_index_table_init(struct m2msec_index_table *table);

/*
 * The workqueue that frees keypairs. m2msec_peer_exit() runs after every
 * device is gone and waits for the keypairs still being freed.
 */
int m2msec_peer_init(void);
void m2msec_peer_exit(void);

/* For timers.c: the keypair slots, with peer->keypair_lock held. */
bool m2msec_keypair_usable(const struct m2msec_keypair *kp, time64_t now);
void m2msec_peer_update_state(struct m2msec_peer *peer);
struct m2msec_keypair *m2msec_peer_take_previous(struct m2msec_peer *peer);

#endif /* _M2MSEC_PEER_H */
