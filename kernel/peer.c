// SPDX-License-Identifier: GPL-2.0
/*
 * Peers and their keypairs. A keypair is made from an m2m_conn key: the
 * AEAD transforms of K_i2r and K_r2i, a send counter and a replay window.
 * A peer holds up to three keypairs (current, next, previous) and swaps
 * them as the contract in uapi/linux/m2msec.h describes for PEER_SET.
 *
 * Locking: the device's mutex serializes configuration. keypair_lock
 * guards the three slots and is taken before the index table's lock. The
 * packet path reads slots and the index table under RCU and takes counted
 * references. A keypair holds a reference to its peer, and its last put
 * queues its teardown on a workqueue, because the crypto API may sleep
 * when it frees a transform.
 */

#include <linux/err.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "allowedips.h"
#include "data.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "timers.h"

static struct workqueue_struct *m2msec_peer_wq;

static u64 m2msec_now_ms(void)
{
	return ktime_get_real_ns() / NSEC_PER_MSEC;
}

/* ---- Keypair lifetime ---- */

static void m2msec_keypair_free_work(struct work_struct *work)
{
	struct m2msec_keypair *kp = container_of(work, struct m2msec_keypair,
						 free_work);

	m2msec_key_unwatch(&kp->watch);
	if (kp->send_tfm)
		crypto_free_aead(kp->send_tfm);
	if (kp->recv_tfm)
		crypto_free_aead(kp->recv_tfm);
	m2msec_peer_put(kp->peer);
	/* Index table readers may still read index_node until a grace period. */
	kfree_rcu(kp, rcu);
}

static void m2msec_keypair_release(struct kref *ref)
{
	struct m2msec_keypair *kp = container_of(ref, struct m2msec_keypair,
						 refcount);

	queue_work(m2msec_peer_wq, &kp->free_work);
}

void m2msec_keypair_put(struct m2msec_keypair *kp)
{
	if (kp)
		kref_put(&kp->refcount, m2msec_keypair_release);
}

bool m2msec_keypair_usable(const struct m2msec_keypair *kp, time64_t now)
{
	return kp && !READ_ONCE(kp->dead) && now < kp->expires;
}

/* True if kp sits in one of its peer's slots; keypair_lock held. */
static bool m2msec_keypair_installed(struct m2msec_peer *peer,
				     struct m2msec_keypair *kp)
{
	return rcu_access_pointer(peer->current_kp) == kp ||
	       rcu_access_pointer(peer->next_kp) == kp ||
	       rcu_access_pointer(peer->previous_kp) == kp;
}

/*
 * Marks a keypair dead when its key is revoked, invalidated or destroyed,
 * so it stops sealing and opening at once. The peer goes down if this was
 * its last usable keypair. A keypair that is not installed (a bind in
 * progress, or one already replaced) only gets the flag.
 */
static void m2msec_keypair_gone(struct m2msec_key_watch *watch)
{
	struct m2msec_keypair *kp = container_of(watch, struct m2msec_keypair,
						 watch);
	struct m2msec_peer *peer = kp->peer;

	spin_lock_bh(&peer->keypair_lock);
	WRITE_ONCE(kp->dead, true);
	if (!peer->dead && m2msec_keypair_installed(peer, kp))
		m2msec_peer_update_state(peer);
	spin_unlock_bh(&peer->keypair_lock);
	net_dbg_ratelimited("m2msec: peer %*phN: key %d is gone\n",
			    M2MSEC_NODE_ID_LEN, peer->node_id, kp->serial);
}

static int m2msec_keypair_check_meta(const struct m2msec_conn_binding *b,
				     struct netlink_ext_ack *extack)
{
	const struct m2msec_key_meta *meta = &b->meta;

	if (meta->role != M2MSEC_ROLE_INITIATOR &&
	    meta->role != M2MSEC_ROLE_RESPONDER) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d has no valid role (%u)",
					  b->serial, meta->role);
		return -EINVAL;
	}
	if (meta->suite != M2MSEC_SUITE_AES256GCM &&
	    meta->suite != M2MSEC_SUITE_CHACHA20POLY1305) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d has an unknown suite %u",
					  b->serial, meta->suite);
		return -EINVAL;
	}
	if (!meta->index || !meta->peer_index) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d has a zero index",
					  b->serial);
		return -EINVAL;
	}
	return 0;
}

static struct crypto_aead *m2msec_keypair_aead(u8 suite, const u8 raw[32])
{
	const char *name = m2msec_data_aead_name(suite);
	struct crypto_aead *tfm;
	int err;

	if (!name)
		return ERR_PTR(-EINVAL);
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_aead_setkey(tfm, raw, 32);
	if (!err)
		err = crypto_aead_setauthsize(tfm, M2MSEC_DATA_TAG_LEN);
	if (!err && crypto_aead_ivsize(tfm) != M2MSEC_DATA_NONCE_LEN)
		err = -EINVAL;
	if (err) {
		crypto_free_aead(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/* Derives both traffic keys and makes the transforms of this side. */
static int m2msec_keypair_set_keys(struct m2msec_keypair *kp,
				   const struct m2msec_conn_binding *b,
				   struct netlink_ext_ack *extack)
{
	u8 k_i2r[32], k_r2i[32];
	bool initiator = b->meta.role == M2MSEC_ROLE_INITIATOR;
	int err;

	err = m2msec_data_derive(b->kmc, k_i2r, k_r2i);
	if (err)
		goto out;
	kp->send_tfm = m2msec_keypair_aead(b->meta.suite,
					   initiator ? k_i2r : k_r2i);
	if (IS_ERR(kp->send_tfm)) {
		err = PTR_ERR(kp->send_tfm);
		kp->send_tfm = NULL;
		goto out;
	}
	kp->recv_tfm = m2msec_keypair_aead(b->meta.suite,
					   initiator ? k_r2i : k_i2r);
	if (IS_ERR(kp->recv_tfm)) {
		err = PTR_ERR(kp->recv_tfm);
		kp->recv_tfm = NULL;
	}
out:
	memzero_explicit(k_i2r, sizeof(k_i2r));
	memzero_explicit(k_r2i, sizeof(k_r2i));
	if (err)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "cannot set up the AEAD of key %d (error %d)",
					  b->serial, err);
	return err;
}

/* Copies what the keypair shows and uses from the binding. */
static void m2msec_keypair_fill(struct m2msec_keypair *kp,
				const struct m2msec_conn_binding *b)
{
	time64_t now = ktime_get_real_seconds();

	kp->suite = b->meta.suite;
	kp->role = b->meta.role;
	kp->local_index = b->meta.index;
	kp->remote_index = b->meta.peer_index;
	kp->serial = b->serial;
	memcpy(kp->key_id, b->meta.key_id, M2MSEC_KEY_ID_LEN);
	kp->expires = b->expiry;
	/* REKEY_WANTED at 3/4 of the lifetime left at binding time. */
	kp->rekey_at = now + (b->expiry > now ? (b->expiry - now) * 3 / 4 : 0);
	kp->bound_ms = m2msec_now_ms();
}

/**
 * m2msec_keypair_create - make a keypair of peer from an m2m_conn key
 * @peer: the peer it will belong to; the keypair takes a reference
 * @serial: the key, looked up with the caller's credentials
 * @node_id: receives the key's node id, for the caller to check
 * @extack: receives a message naming what failed
 *
 * The keypair is watched but not installed. Return: the keypair with one
 * reference, or an ERR_PTR.
 */
static struct m2msec_keypair *
m2msec_keypair_create(struct m2msec_peer *peer, key_serial_t serial,
		      u8 node_id[M2MSEC_NODE_ID_LEN],
		      struct netlink_ext_ack *extack)
{
	struct m2msec_conn_binding *b;
	struct m2msec_keypair *kp;
	int err;

	kp = kzalloc(sizeof(*kp), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!kp || !b) {
		kfree(kp);
		kfree(b);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&kp->refcount);
	INIT_WORK(&kp->free_work, m2msec_keypair_free_work);
	INIT_HLIST_NODE(&kp->index_node);
	spin_lock_init(&kp->replay_lock);
	m2msec_replay_reset(&kp->replay);
	kp->peer = m2msec_peer_get(peer);
	kp->watch.gone = m2msec_keypair_gone;

	err = m2msec_conn_key_bind(serial, &kp->watch, b, extack);
	if (err)
		goto err_put;
	err = m2msec_keypair_check_meta(b, extack) ?:
	      m2msec_keypair_set_keys(kp, b, extack);
	if (err)
		goto err_put;
	m2msec_keypair_fill(kp, b);
	memcpy(node_id, b->meta.node_id, M2MSEC_NODE_ID_LEN);
	kfree_sensitive(b);
	return kp;

err_put:
	kfree_sensitive(b);
	m2msec_keypair_put(kp);
	return ERR_PTR(err);
}

/* ---- Index table ---- */

void m2msec_index_table_init(struct m2msec_index_table *table)
{
	unsigned int i;

	spin_lock_init(&table->lock);
	for (i = 0; i < ARRAY_SIZE(table->buckets); i++)
		INIT_HLIST_HEAD(&table->buckets[i]);
}

static struct hlist_head *m2msec_index_bucket(struct m2msec_index_table *t,
					      u32 index)
{
	return &t->buckets[hash_32(index, M2MSEC_INDEX_HASH_BITS)];
}

static int m2msec_index_insert(struct m2msec_device *md,
			       struct m2msec_keypair *kp,
			       struct netlink_ext_ack *extack)
{
	struct m2msec_index_table *t = &md->indexes;
	struct hlist_head *bucket = m2msec_index_bucket(t, kp->local_index);
	struct m2msec_keypair *other;

	spin_lock_bh(&t->lock);
	hlist_for_each_entry(other, bucket, index_node) {
		if (other->local_index != kp->local_index)
			continue;
		spin_unlock_bh(&t->lock);
		if (other->serial == kp->serial)
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "key %d is already bound on this device",
						  kp->serial);
		else
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "index %u of key %d is in use by key %d",
						  kp->local_index, kp->serial,
						  other->serial);
		return -EEXIST;
	}
	hlist_add_head_rcu(&kp->index_node, bucket);
	spin_unlock_bh(&t->lock);
	return 0;
}

static void m2msec_index_remove(struct m2msec_device *md,
				struct m2msec_keypair *kp)
{
	spin_lock_bh(&md->indexes.lock);
	hlist_del_init_rcu(&kp->index_node);
	spin_unlock_bh(&md->indexes.lock);
}

struct m2msec_keypair *m2msec_keypair_for_index(struct m2msec_device *md,
						u32 index)
{
	struct hlist_head *bucket = m2msec_index_bucket(&md->indexes, index);
	time64_t now = ktime_get_real_seconds();
	struct m2msec_keypair *kp, *found = NULL;

	rcu_read_lock();
	hlist_for_each_entry_rcu(kp, bucket, index_node) {
		if (kp->local_index != index)
			continue;
		if (m2msec_keypair_usable(kp, now) &&
		    !(kp->retire_at &&
		      time_after_eq(jiffies, READ_ONCE(kp->retire_at))) &&
		    kref_get_unless_zero(&kp->refcount))
			found = kp;
		break;
	}
	rcu_read_unlock();
	return found;
}

/* ---- Slots ---- */

/*
 * Sends PEER_UP or PEER_DOWN when the peer gains its first or loses its
 * last keypair that can seal: current, or next while current is unusable.
 */
void m2msec_peer_update_state(struct m2msec_peer *peer)
{
	time64_t now = ktime_get_real_seconds();
	struct m2msec_keypair *cur, *next;
	bool up;

	cur = rcu_dereference_protected(peer->current_kp,
					lockdep_is_held(&peer->keypair_lock));
	next = rcu_dereference_protected(peer->next_kp,
					 lockdep_is_held(&peer->keypair_lock));
	up = m2msec_keypair_usable(cur, now) ||
	     m2msec_keypair_usable(next, now);
	if (up == peer->up)
		return;
	peer->up = up;
	m2msec_nl_notify_peer(peer, up ? M2MSEC_EVENT_PEER_UP :
				  M2MSEC_EVENT_PEER_DOWN, NULL);
}

/* Takes the previous keypair out of its slot and the index table. */
struct m2msec_keypair *m2msec_peer_take_previous(struct m2msec_peer *peer)
{
	struct m2msec_keypair *kp;

	kp = rcu_replace_pointer(peer->previous_kp, NULL,
				 lockdep_is_held(&peer->keypair_lock));
	if (kp)
		m2msec_index_remove(peer->md, kp);
	return kp;
}

static struct m2msec_keypair *m2msec_peer_take_next(struct m2msec_peer *peer)
{
	struct m2msec_keypair *kp;

	kp = rcu_replace_pointer(peer->next_kp, NULL,
				 lockdep_is_held(&peer->keypair_lock));
	if (kp)
		m2msec_index_remove(peer->md, kp);
	return kp;
}

/*
 * Makes kp current. The old current opens packets as previous for the
 * grace period; the old previous goes and is returned in *dropped.
 */
static void m2msec_peer_make_current(struct m2msec_peer *peer,
				     struct m2msec_keypair *kp,
				     struct m2msec_keypair **dropped)
{
	struct m2msec_keypair *old;
	unsigned long retire_at;

	*dropped = m2msec_peer_take_previous(peer);
	old = rcu_replace_pointer(peer->current_kp, kp,
				  lockdep_is_held(&peer->keypair_lock));
	if (!old)
		return;
	/* 0 means "not replaced", so never store it. */
	retire_at = jiffies + M2MSEC_KEY_GRACE_SECS * HZ;
	WRITE_ONCE(old->retire_at, retire_at ?: 1);
	rcu_assign_pointer(peer->previous_kp, old);
}

static bool m2msec_peer_has_endpoint(struct m2msec_peer *peer)
{
	bool known;

	read_lock_bh(&peer->endpoint_lock);
	known = peer->endpoint.addr.sa_family != AF_UNSPEC;
	read_unlock_bh(&peer->endpoint_lock);
	return known;
}

/* Drops a keypair taken out of its slot; process context. */
static void m2msec_keypair_drop(struct m2msec_keypair *kp)
{
	if (!kp)
		return;
	m2msec_key_unwatch(&kp->watch);
	m2msec_keypair_put(kp);
}

/*
 * Installs a new keypair by the rekey rules: on the responder side it
 * becomes current at once, on the initiator side next. Sends KEY_INSTALLED
 * and, if the peer was down, PEER_UP.
 */
static int m2msec_peer_install(struct m2msec_peer *peer,
			       struct m2msec_keypair *kp,
			       struct netlink_ext_ack *extack)
{
	struct m2msec_keypair *dropped[2] = {};
	bool responder = kp->role == M2MSEC_ROLE_RESPONDER;
	int err;

	/* Claimed before any packet can find it through its index. */
	err = m2msec_conn_key_claim(&kp->watch);
	if (err == -EALREADY) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d was bound before: run a new connect handshake",
					  kp->serial);
		return err;
	}
	if (err) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d was revoked during the bind",
					  kp->serial);
		return err;
	}
	err = m2msec_index_insert(peer->md, kp, extack);
	if (err)
		return err;

	spin_lock_bh(&peer->keypair_lock);
	if (READ_ONCE(kp->dead)) {
		spin_unlock_bh(&peer->keypair_lock);
		m2msec_index_remove(peer->md, kp);
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d was revoked during the bind",
					  kp->serial);
		return -EKEYREVOKED;
	}
	if (responder) {
		dropped[0] = m2msec_peer_take_next(peer);
		m2msec_peer_make_current(peer, kp, &dropped[1]);
	} else {
		dropped[0] = m2msec_peer_take_next(peer);
		rcu_assign_pointer(peer->next_kp, kp);
	}
	m2msec_nl_notify_peer(peer, M2MSEC_EVENT_KEY_INSTALLED, kp);
	m2msec_peer_update_state(peer);
	m2msec_key_timer_update(peer);
	spin_unlock_bh(&peer->keypair_lock);

	m2msec_keypair_drop(dropped[0]);
	m2msec_keypair_drop(dropped[1]);
	/*
	 * The initiator's next keypair becomes current with this packet. A
	 * network side that has not heard from the gateway yet has nowhere
	 * to send it, and the gateway's first packet promotes nothing there.
	 */
	if (responder && m2msec_peer_has_endpoint(peer))
		m2msec_send_keepalive(peer);
	return 0;
}

/* ---- Peers ---- */

static void m2msec_peer_release(struct kref *ref)
{
	struct m2msec_peer *peer = container_of(ref, struct m2msec_peer,
						refcount);

	dst_cache_destroy(&peer->dst_cache);
	kfree_rcu(peer, rcu);
}

void m2msec_peer_put(struct m2msec_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, m2msec_peer_release);
}

struct m2msec_peer *m2msec_peer_get(struct m2msec_peer *peer)
{
	kref_get(&peer->refcount);
	return peer;
}

struct m2msec_peer *m2msec_peer_get_rcu(struct m2msec_peer *peer)
{
	return peer && kref_get_unless_zero(&peer->refcount) ? peer : NULL;
}

struct m2msec_peer *m2msec_peer_find(struct m2msec_device *md,
				     const u8 node_id[M2MSEC_NODE_ID_LEN])
{
	struct m2msec_peer *peer;

	lockdep_assert_held(&md->lock);
	list_for_each_entry(peer, &md->peers, dev_node)
		if (!memcmp(peer->node_id, node_id, M2MSEC_NODE_ID_LEN))
			return peer;
	return NULL;
}

static struct m2msec_peer *m2msec_peer_alloc(struct m2msec_device *md)
{
	struct m2msec_peer *peer;

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return NULL;
	if (dst_cache_init(&peer->dst_cache, GFP_KERNEL)) {
		kfree(peer);
		return NULL;
	}
	kref_init(&peer->refcount);
	peer->md = md;
	INIT_LIST_HEAD(&peer->dev_node);
	INIT_LIST_HEAD(&peer->allowedips);
	spin_lock_init(&peer->keypair_lock);
	rwlock_init(&peer->endpoint_lock);
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	m2msec_timers_init(peer);
	return peer;
}

/* A peer without allowed prefixes: see m2msec_peer_create_with(). */
struct m2msec_peer *m2msec_peer_create(struct m2msec_device *md,
				       key_serial_t serial,
				       struct netlink_ext_ack *extack)
{
	return m2msec_peer_create_with(md, serial, NULL, 0, extack);
}

/**
 * m2msec_peer_create_with - add a peer for an m2m_conn key to a device
 * @md: the device; its lock is held
 * @serial: the key, looked up with the caller's credentials
 * @prefixes: the peer's allowed prefixes, or NULL for none
 * @n: number of prefixes
 * @extack: receives a message naming what failed
 *
 * The peer is named by the key's node id and gets the key as its first
 * keypair. The prefixes are set before the key is installed, because an
 * installed key is claimed for good (m2msec_conn_key_claim()): a prefix
 * of another peer must not use up the key. Return: the peer (owned by
 * the device), or an ERR_PTR: EEXIST when the device has a peer with that
 * node id or the key's index is in use, EADDRINUSE when a prefix belongs
 * to another peer, EALREADY for a key bound before, or an error of the
 * key lookup or the crypto API.
 */
struct m2msec_peer *m2msec_peer_create_with(struct m2msec_device *md,
					    key_serial_t serial,
					    const struct m2msec_prefix *prefixes,
					    u32 n,
					    struct netlink_ext_ack *extack)
{
	struct m2msec_keypair *kp;
	struct m2msec_peer *peer;
	int err;

	lockdep_assert_held(&md->lock);
	peer = m2msec_peer_alloc(md);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	kp = m2msec_keypair_create(peer, serial, peer->node_id, extack);
	if (IS_ERR(kp)) {
		err = PTR_ERR(kp);
		goto err_peer;
	}
	if (m2msec_peer_find(md, peer->node_id)) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "a peer with node id %*phN exists",
					  M2MSEC_NODE_ID_LEN, peer->node_id);
		err = -EEXIST;
		goto err_kp;
	}
	if (prefixes) {
		err = m2msec_allowedips_replace(&md->allowedips, peer, prefixes,
						n, extack);
		if (err)
			goto err_kp;
	}
	peer->seq = md->next_peer_seq++;
	list_add_tail_rcu(&peer->dev_node, &md->peers);
	md->npeers++;
	err = m2msec_peer_install(peer, kp, extack);
	if (err) {
		list_del_rcu(&peer->dev_node);
		md->npeers--;
		m2msec_allowedips_remove_peer(&md->allowedips, peer);
		goto err_kp;
	}
	return peer;

err_kp:
	m2msec_keypair_drop(kp);
err_peer:
	peer->dead = true;
	m2msec_timers_stop(peer);
	m2msec_peer_put(peer);
	return ERR_PTR(err);
}

/**
 * m2msec_peer_bind_key - bind a new m2m_conn key to a peer (rekey)
 * @peer: the peer; the device's lock is held
 * @serial: the key, which must have the peer's node id
 * @extack: receives a message naming what failed
 *
 * Return: 0, -EINVAL for a key of another node, -EEXIST when its index is
 * in use, or an error of the key lookup or the crypto API.
 */
int m2msec_peer_bind_key(struct m2msec_peer *peer, key_serial_t serial,
			 struct netlink_ext_ack *extack)
{
	u8 node_id[M2MSEC_NODE_ID_LEN];
	struct m2msec_keypair *kp;
	int err;

	lockdep_assert_held(&peer->md->lock);
	kp = m2msec_keypair_create(peer, serial, node_id, extack);
	if (IS_ERR(kp))
		return PTR_ERR(kp);
	if (memcmp(node_id, peer->node_id, M2MSEC_NODE_ID_LEN)) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "key %d is for node %*phN, not this peer",
					  serial, M2MSEC_NODE_ID_LEN, node_id);
		err = -EINVAL;
		goto err_kp;
	}
	err = m2msec_peer_install(peer, kp, extack);
	if (err)
		goto err_kp;
	return 0;

err_kp:
	m2msec_keypair_drop(kp);
	return err;
}

static bool m2msec_endpoint_equal(const union m2msec_endpoint *a,
				  const union m2msec_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	switch (a->addr.sa_family) {
	case AF_INET:
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	case AF_INET6:
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr,
				       &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	default:
		return true;
	}
}

/**
 * m2msec_peer_set_endpoint - set where DATA messages to peer go
 * @peer: the peer
 * @ep: an AF_INET or AF_INET6 address, or AF_UNSPEC to forget it
 *
 * Any context. Resets the route cache when the endpoint changes.
 */
void m2msec_peer_set_endpoint(struct m2msec_peer *peer,
			      const union m2msec_endpoint *ep)
{
	union m2msec_endpoint copy = {};
	bool same;

	switch (ep->addr.sa_family) {
	case AF_INET:
		copy.addr4 = ep->addr4;
		break;
	case AF_INET6:
		copy.addr6 = ep->addr6;
		break;
	default:
		copy.addr.sa_family = AF_UNSPEC;
		break;
	}

	read_lock_bh(&peer->endpoint_lock);
	same = m2msec_endpoint_equal(&peer->endpoint, &copy);
	read_unlock_bh(&peer->endpoint_lock);
	if (same)
		return;

	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = copy;
	dst_cache_reset(&peer->dst_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

void m2msec_peer_set_keepalive(struct m2msec_peer *peer, u16 seconds)
{
	WRITE_ONCE(peer->keepalive, seconds);
	m2msec_keepalive_timer_update(peer);
}

/**
 * m2msec_peer_remove - take a peer off its device and release it
 * @peer: the peer; the device's lock is held
 *
 * Sends PEER_DOWN. Packets in flight keep their references; the peer is
 * freed after the last one and an RCU grace period.
 */
void m2msec_peer_remove(struct m2msec_peer *peer)
{
	struct m2msec_device *md = peer->md;
	struct m2msec_keypair *kps[3];
	unsigned int i;

	lockdep_assert_held(&md->lock);
	list_del_rcu(&peer->dev_node);
	md->npeers--;
	m2msec_allowedips_remove_peer(&md->allowedips, peer);

	spin_lock_bh(&peer->keypair_lock);
	peer->dead = true;
	peer->up = false;
	kps[0] = rcu_replace_pointer(peer->current_kp, NULL,
				     lockdep_is_held(&peer->keypair_lock));
	if (kps[0])
		m2msec_index_remove(md, kps[0]);
	kps[1] = m2msec_peer_take_next(peer);
	kps[2] = m2msec_peer_take_previous(peer);
	spin_unlock_bh(&peer->keypair_lock);

	m2msec_timers_stop(peer);
	m2msec_nl_notify_peer(peer, M2MSEC_EVENT_PEER_DOWN, NULL);
	for (i = 0; i < ARRAY_SIZE(kps); i++)
		m2msec_keypair_drop(kps[i]);
	m2msec_peer_put(peer);
}

void m2msec_peer_remove_all(struct m2msec_device *md)
{
	struct m2msec_peer *peer, *tmp;

	lockdep_assert_held(&md->lock);
	list_for_each_entry_safe(peer, tmp, &md->peers, dev_node)
		m2msec_peer_remove(peer);
}

/* ---- Packet path ---- */

/* Sends REKEY_WANTED for kp once. */
static void m2msec_keypair_want_rekey(struct m2msec_keypair *kp)
{
	struct m2msec_peer *peer = kp->peer;

	spin_lock_bh(&peer->keypair_lock);
	if (!kp->rekey_sent && !peer->dead) {
		kp->rekey_sent = true;
		m2msec_nl_notify_peer(peer, M2MSEC_EVENT_REKEY_WANTED, kp);
	}
	spin_unlock_bh(&peer->keypair_lock);
}

struct m2msec_keypair *m2msec_keypair_for_send(struct m2msec_peer *peer,
					       u64 *counter)
{
	time64_t now = ktime_get_real_seconds();
	struct m2msec_keypair *kp;
	s64 old;

	rcu_read_lock();
	kp = rcu_dereference(peer->current_kp);
	if (!m2msec_keypair_usable(kp, now))
		kp = rcu_dereference(peer->next_kp);
	if (!m2msec_keypair_usable(kp, now) ||
	    !kref_get_unless_zero(&kp->refcount))
		kp = NULL;
	rcu_read_unlock();
	if (!kp)
		return NULL;

	/* Stops at the limit instead of wrapping, so no counter repeats. */
	old = atomic64_fetch_add_unless(&kp->send_counter, 1,
					(s64)M2MSEC_DATA_COUNTER_LIMIT);
	if ((u64)old >= M2MSEC_DATA_COUNTER_LIMIT) {
		m2msec_keypair_put(kp);
		return NULL;
	}
	if ((u64)old >= M2MSEC_REKEY_AFTER_PACKETS && !READ_ONCE(kp->rekey_sent))
		m2msec_keypair_want_rekey(kp);
	*counter = old;
	return kp;
}

bool m2msec_keypair_replay_check(struct m2msec_keypair *kp, u64 counter)
{
	bool ok;

	spin_lock_bh(&kp->replay_lock);
	ok = m2msec_replay_check(&kp->replay, counter);
	spin_unlock_bh(&kp->replay_lock);
	return ok;
}

bool m2msec_keypair_replay_accept(struct m2msec_keypair *kp, u64 counter)
{
	bool ok;

	spin_lock_bh(&kp->replay_lock);
	ok = m2msec_replay_accept(&kp->replay, counter);
	spin_unlock_bh(&kp->replay_lock);
	return ok;
}

/* The first packet opened under next makes it current. */
static void m2msec_keypair_promote(struct m2msec_keypair *kp)
{
	struct m2msec_peer *peer = kp->peer;
	struct m2msec_keypair *dropped = NULL;

	spin_lock_bh(&peer->keypair_lock);
	if (!peer->dead && rcu_access_pointer(peer->next_kp) == kp) {
		RCU_INIT_POINTER(peer->next_kp, NULL);
		m2msec_peer_make_current(peer, kp, &dropped);
		m2msec_peer_update_state(peer);
		m2msec_key_timer_update(peer);
	}
	spin_unlock_bh(&peer->keypair_lock);
	/* The watch goes with the last put, in the free work. */
	m2msec_keypair_put(dropped);
}

void m2msec_keypair_opened(struct m2msec_keypair *kp,
			   const union m2msec_endpoint *from)
{
	struct m2msec_peer *peer = kp->peer;

	atomic64_set(&peer->stats.last_rx_ms, m2msec_now_ms());
	if (rcu_access_pointer(peer->next_kp) == kp)
		m2msec_keypair_promote(kp);
	if (from)
		m2msec_peer_set_endpoint(peer, from);
}

/* ---- Module ---- */

int m2msec_peer_init(void)
{
	m2msec_peer_wq = alloc_workqueue("m2msec_peer", WQ_UNBOUND, 0);
	return m2msec_peer_wq ? 0 : -ENOMEM;
}

/* Runs after every device is gone, so only queued teardown work is left. */
void m2msec_peer_exit(void)
{
	rcu_barrier();
	destroy_workqueue(m2msec_peer_wq);
}
