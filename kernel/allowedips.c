// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed inner prefixes: one hash table per address family, keyed by the
 * masked address and the prefix length. A longest-prefix lookup probes the
 * prefix lengths in use from the longest down, so its cost depends on how
 * many distinct lengths a device has (usually a few), not on the number of
 * peers or prefixes. Readers use RCU; writers hold the device's lock.
 */

#include <linux/bitmap.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "allowedips.h"
#include "netlink.h"
#include "peer.h"

#define M2MSEC_AIP_MAX_BITS	128

struct m2msec_aip_key {
	u16 family;
	u8 cidr;
	u8 zero;			/* padding, part of the hashed key */
	u8 addr[16];			/* masked to cidr bits */
};

struct m2msec_aip_entry {
	struct rhash_head hnode;
	struct m2msec_aip_key key;
	struct m2msec_peer *peer;	/* uncounted: removed before it goes */
	struct list_head peer_node;	/* peer->allowedips */
	struct rcu_head rcu;
};

/* The table of one family and the prefix lengths it holds. */
struct m2msec_aip_root {
	struct rhashtable ht;
	u32 per_cidr[M2MSEC_AIP_MAX_BITS + 1];
	DECLARE_BITMAP(cidrs, M2MSEC_AIP_MAX_BITS + 1);
};

static const struct rhashtable_params m2msec_aip_params = {
	.key_len = sizeof(struct m2msec_aip_key),
	.key_offset = offsetof(struct m2msec_aip_entry, key),
	.head_offset = offsetof(struct m2msec_aip_entry, hnode),
	.automatic_shrinking = true,
};

static unsigned int m2msec_aip_bits(u16 family)
{
	return family == AF_INET ? 32 : 128;
}

static void m2msec_aip_key_make(struct m2msec_aip_key *key, u16 family,
				const u8 *addr, u8 cidr)
{
	unsigned int full = cidr / 8, rem = cidr % 8;

	memset(key, 0, sizeof(*key));
	key->family = family;
	key->cidr = cidr;
	memcpy(key->addr, addr, full);
	if (rem)
		key->addr[full] = addr[full] & (0xff << (8 - rem));
}

static void m2msec_aip_key_from_prefix(struct m2msec_aip_key *key,
				       const struct m2msec_prefix *p)
{
	const u8 *addr = p->family == AF_INET ? (const u8 *)&p->addr4 :
						p->addr6.s6_addr;

	m2msec_aip_key_make(key, p->family, addr, p->cidr);
}

static void __rcu **m2msec_aip_slot(struct m2msec_allowedips *t, u16 family)
{
	return family == AF_INET ? &t->root4 : &t->root6;
}

static struct m2msec_aip_root *m2msec_aip_root(struct m2msec_allowedips *t,
					       u16 family)
{
	return rcu_dereference_protected(*m2msec_aip_slot(t, family), true);
}

void m2msec_allowedips_init(struct m2msec_allowedips *table)
{
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	table->count = 0;
}

static int m2msec_aip_root_get(struct m2msec_allowedips *t, u16 family)
{
	struct m2msec_aip_root *root;
	int err;

	if (m2msec_aip_root(t, family))
		return 0;
	root = kzalloc(sizeof(*root), GFP_KERNEL);
	if (!root)
		return -ENOMEM;
	err = rhashtable_init(&root->ht, &m2msec_aip_params);
	if (err) {
		kfree(root);
		return err;
	}
	rcu_assign_pointer(*m2msec_aip_slot(t, family), root);
	return 0;
}

static void m2msec_aip_root_free(struct m2msec_allowedips *t, u16 family)
{
	struct m2msec_aip_root *root = m2msec_aip_root(t, family);

	if (!root)
		return;
	RCU_INIT_POINTER(*m2msec_aip_slot(t, family), NULL);
	/* rhashtable_destroy() frees the buckets at once: wait for readers. */
	synchronize_rcu();
	WARN_ON(atomic_read(&root->ht.nelems));
	rhashtable_destroy(&root->ht);
	kfree(root);
}

void m2msec_allowedips_free(struct m2msec_allowedips *table)
{
	m2msec_aip_root_free(table, AF_INET);
	m2msec_aip_root_free(table, AF_INET6);
	table->count = 0;
}

static struct m2msec_aip_entry *
m2msec_aip_find_exact(struct m2msec_allowedips *t,
		      const struct m2msec_aip_key *key)
{
	struct m2msec_aip_root *root = m2msec_aip_root(t, key->family);

	if (!root)
		return NULL;
	return rhashtable_lookup_fast(&root->ht, key, m2msec_aip_params);
}

static void m2msec_aip_count(struct m2msec_aip_root *root, u8 cidr, int delta)
{
	root->per_cidr[cidr] += delta;
	if (root->per_cidr[cidr])
		set_bit(cidr, root->cidrs);
	else
		clear_bit(cidr, root->cidrs);
}

/* Takes an entry out of the hash table and frees it after readers. */
static void m2msec_aip_unhash(struct m2msec_allowedips *t,
			      struct m2msec_aip_entry *e)
{
	struct m2msec_aip_root *root = m2msec_aip_root(t, e->key.family);

	rhashtable_remove_fast(&root->ht, &e->hnode, m2msec_aip_params);
	m2msec_aip_count(root, e->key.cidr, -1);
	kfree_rcu(e, rcu);
}

/* Takes an entry off its peer's list and out of the table. */
static void m2msec_aip_unlink(struct m2msec_allowedips *t,
			      struct m2msec_aip_entry *e)
{
	list_del_rcu(&e->peer_node);
	t->count--;
	m2msec_aip_unhash(t, e);
}

static int m2msec_aip_hash(struct m2msec_allowedips *t,
			   struct m2msec_aip_entry *e)
{
	struct m2msec_aip_root *root = m2msec_aip_root(t, e->key.family);
	int err;

	/* Set first, so a reader never misses a length that has entries. */
	m2msec_aip_count(root, e->key.cidr, 1);
	err = rhashtable_insert_fast(&root->ht, &e->hnode, m2msec_aip_params);
	if (err)
		m2msec_aip_count(root, e->key.cidr, -1);
	return err;
}

static void m2msec_aip_set_inuse_msg(struct netlink_ext_ack *extack,
				     const struct m2msec_prefix *p)
{
	if (p->family == AF_INET)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed prefix %pI4/%u belongs to another peer",
					  &p->addr4, p->cidr);
	else
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed prefix %pI6c/%u belongs to another peer",
					  &p->addr6, p->cidr);
}

/*
 * Checks the request and builds its keys, without duplicates. Return: the
 * number of distinct prefixes, or a negative errno.
 */
static int m2msec_aip_prepare(struct m2msec_allowedips *t,
			      struct m2msec_peer *peer,
			      const struct m2msec_prefix *prefixes, u32 n,
			      struct m2msec_aip_key *keys,
			      struct netlink_ext_ack *extack)
{
	struct m2msec_aip_entry *owner;
	u32 i, j, unique = 0;

	for (i = 0; i < n; i++) {
		const struct m2msec_prefix *p = &prefixes[i];

		if ((p->family != AF_INET && p->family != AF_INET6) ||
		    p->cidr > m2msec_aip_bits(p->family)) {
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "allowed prefix %u: family %u with length %u is invalid",
						  i, p->family, p->cidr);
			return -EINVAL;
		}
		m2msec_aip_key_from_prefix(&keys[unique], p);
		owner = m2msec_aip_find_exact(t, &keys[unique]);
		if (owner && owner->peer != peer) {
			m2msec_aip_set_inuse_msg(extack, p);
			return -EADDRINUSE;
		}
		for (j = 0; j < unique; j++)
			if (!memcmp(&keys[j], &keys[unique], sizeof(keys[j])))
				break;
		if (j == unique)
			unique++;
	}
	return unique;
}

static bool m2msec_aip_key_in(const struct m2msec_aip_key *key,
			      const struct m2msec_aip_key *keys, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!memcmp(key, &keys[i], sizeof(*key)))
			return true;
	return false;
}

/* Entries of peer that the new list drops; they stay linked meanwhile. */
static u32 m2msec_aip_count_stale(struct m2msec_peer *peer,
				  const struct m2msec_aip_key *keys, u32 n)
{
	struct m2msec_aip_entry *e;
	u32 stale = 0;

	list_for_each_entry(e, &peer->allowedips, peer_node)
		if (!m2msec_aip_key_in(&e->key, keys, n))
			stale++;
	return stale;
}

/*
 * Hashes an entry for each key that peer does not have yet and collects
 * them in added, which no reader can reach yet.
 */
static int m2msec_aip_add_new(struct m2msec_allowedips *t,
			      struct m2msec_peer *peer,
			      const struct m2msec_aip_key *keys, u32 n,
			      struct list_head *added)
{
	struct m2msec_aip_entry *e;
	u32 i;
	int err;

	for (i = 0; i < n; i++) {
		if (m2msec_aip_find_exact(t, &keys[i]))
			continue;
		err = m2msec_aip_root_get(t, keys[i].family);
		if (err)
			return err;
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		e->key = keys[i];
		e->peer = peer;
		err = m2msec_aip_hash(t, e);
		if (err) {
			kfree(e);
			return err;
		}
		list_add_tail(&e->peer_node, added);
	}
	return 0;
}

int m2msec_allowedips_replace(struct m2msec_allowedips *table,
			      struct m2msec_peer *peer,
			      const struct m2msec_prefix *prefixes, u32 n,
			      struct netlink_ext_ack *extack)
{
	struct m2msec_aip_entry *e, *tmp;
	struct m2msec_aip_key *keys;
	LIST_HEAD(added);
	int unique, err;
	u32 stale;

	if (n > M2MSEC_ALLOWEDIPS_PER_PEER) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "%u allowed prefixes, more than the maximum %u",
					  n, M2MSEC_ALLOWEDIPS_PER_PEER);
		return -E2BIG;
	}
	keys = kcalloc(max_t(u32, n, 1), sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return -ENOMEM;
	unique = m2msec_aip_prepare(table, peer, prefixes, n, keys, extack);
	if (unique < 0) {
		err = unique;
		goto out;
	}
	stale = m2msec_aip_count_stale(peer, keys, unique);
	if ((u64)table->count - stale + unique > M2MSEC_ALLOWEDIPS_PER_DEVICE) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "device would have more than %u allowed prefixes",
					  M2MSEC_ALLOWEDIPS_PER_DEVICE);
		err = -ENOSPC;
		goto out;
	}

	err = m2msec_aip_add_new(table, peer, keys, unique, &added);
	if (err) {
		/* Back to the old list: unhash what was added. */
		list_for_each_entry_safe(e, tmp, &added, peer_node) {
			list_del(&e->peer_node);
			m2msec_aip_unhash(table, e);
		}
		NL_SET_ERR_MSG(extack, "cannot add the allowed prefixes");
		goto out;
	}
	list_for_each_entry_safe(e, tmp, &peer->allowedips, peer_node)
		if (!m2msec_aip_key_in(&e->key, keys, unique))
			m2msec_aip_unlink(table, e);
	list_for_each_entry_safe(e, tmp, &added, peer_node) {
		list_del(&e->peer_node);
		list_add_tail_rcu(&e->peer_node, &peer->allowedips);
		table->count++;
	}
out:
	kfree(keys);
	return err;
}

void m2msec_allowedips_remove_peer(struct m2msec_allowedips *table,
				   struct m2msec_peer *peer)
{
	struct m2msec_aip_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &peer->allowedips, peer_node)
		m2msec_aip_unlink(table, e);
}

u32 m2msec_allowedips_list(struct m2msec_allowedips *table,
			   struct m2msec_peer *peer,
			   struct m2msec_prefix *out, u32 max)
{
	struct m2msec_aip_entry *e;
	u32 n = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(e, &peer->allowedips, peer_node) {
		if (n < max) {
			struct m2msec_prefix *p = &out[n];

			memset(p, 0, sizeof(*p));
			p->family = e->key.family;
			p->cidr = e->key.cidr;
			if (p->family == AF_INET)
				memcpy(&p->addr4, e->key.addr, 4);
			else
				memcpy(p->addr6.s6_addr, e->key.addr, 16);
		}
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* Longest-prefix match of one address; RCU read lock held. */
static struct m2msec_peer *m2msec_aip_lookup(struct m2msec_allowedips *t,
					     u16 family, const u8 *addr)
{
	struct m2msec_aip_root *root;
	struct m2msec_aip_entry *e;
	struct m2msec_aip_key key;
	int cidr;

	root = rcu_dereference(*m2msec_aip_slot(t, family));
	if (!root)
		return NULL;
	for (cidr = m2msec_aip_bits(family); cidr >= 0; cidr--) {
		if (!test_bit(cidr, root->cidrs))
			continue;
		m2msec_aip_key_make(&key, family, addr, cidr);
		e = rhashtable_lookup(&root->ht, &key, m2msec_aip_params);
		if (e)
			return e->peer;
	}
	return NULL;
}

/*
 * Reads the inner source (src) or destination address of skb into addr.
 * Return: the family, or 0 for a packet that is neither IPv4 nor IPv6.
 */
static u16 m2msec_aip_skb_addr(struct sk_buff *skb, bool src, u8 addr[16])
{
	int off = skb_network_offset(skb);

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		off += src ? offsetof(struct iphdr, saddr) :
			     offsetof(struct iphdr, daddr);
		return skb_copy_bits(skb, off, addr, 4) ? 0 : AF_INET;
	case htons(ETH_P_IPV6):
		off += src ? offsetof(struct ipv6hdr, saddr) :
			     offsetof(struct ipv6hdr, daddr);
		return skb_copy_bits(skb, off, addr, 16) ? 0 : AF_INET6;
	default:
		return 0;
	}
}

struct m2msec_peer *m2msec_allowedips_lookup_dst(struct m2msec_allowedips *t,
						 struct sk_buff *skb)
{
	struct m2msec_peer *peer;
	u8 addr[16];
	u16 family;

	family = m2msec_aip_skb_addr(skb, false, addr);
	if (!family)
		return NULL;
	/* Nested in the caller's rcu_read_lock_bh(), for rhashtable. */
	rcu_read_lock();
	peer = m2msec_aip_lookup(t, family, addr);
	rcu_read_unlock();
	return peer;
}

bool m2msec_allowedips_src_ok(struct m2msec_allowedips *t,
			      struct m2msec_peer *peer, struct sk_buff *skb)
{
	bool ok;
	u8 addr[16];
	u16 family;

	family = m2msec_aip_skb_addr(skb, true, addr);
	if (!family)
		return false;
	rcu_read_lock();
	ok = m2msec_aip_lookup(t, family, addr) == peer;
	rcu_read_unlock();
	return ok;
}
