// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: an inner packet goes to the peer whose allowed prefix contains
 * its destination, is sealed into a DATA message under the peer's sending
 * keypair in padata's parallel step, and leaves through the UDP socket in
 * the serial step, in the order the packets were submitted.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/version.h>
#include <net/icmp.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>
#endif

#include "device.h"
#include "msg.h"
#include "queueing.h"
#include "socket.h"

static u64 m2msec_now_ms(void)
{
	return ktime_to_ms(ktime_get_real());
}

/* Tells the local sender that no peer takes its destination. */
static void m2msec_send_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else if (skb->protocol == htons(ETH_P_IPV6))
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH,
				0);
}

/* True if skb starts with a whole IPv4 or IPv6 header that matches its
 * protocol, which the prefix lookup reads.
 */
static bool m2msec_send_inner_ok(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

static void m2msec_send_serial(struct padata_priv *padata)
{
	struct m2msec_packet *pkt;
	struct m2msec_peer *peer;
	struct sk_buff *skb;

	pkt = container_of(padata, struct m2msec_packet, padata);
	peer = pkt->peer;
	skb = pkt->skb;
	pkt->skb = NULL;
	if (unlikely(pkt->err)) {
		net_dbg_ratelimited("%s: sealing a packet to peer %*phN failed: %d\n",
				    peer->md->dev->name, M2MSEC_NODE_ID_LEN,
				    peer->node_id, pkt->err);
		DEV_STATS_INC(peer->md->dev, tx_errors);
		kfree_skb(skb);
	} else if (!m2msec_socket_send(peer, skb)) {
		atomic64_inc(&peer->stats.tx_packets);
		atomic64_add(pkt->inner_len, &peer->stats.tx_bytes);
		atomic64_set(&peer->stats.last_tx_ms, m2msec_now_ms());
		WRITE_ONCE(peer->last_tx_jiffies, jiffies);
	} else {
		DEV_STATS_INC(peer->md->dev, tx_carrier_errors);
	}
	m2msec_packet_free(pkt);
}

/*
 * Makes skb a writable DATA message around its plaintext: header and
 * counter in front, room for the tag behind. Returns the scatterlist
 * entries it needs, or a negative errno.
 */
static int m2msec_send_make_room(struct sk_buff *skb)
{
	struct sk_buff *trailer;
	int nsg;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -EINVAL;
	if (skb_cow_head(skb, M2MSEC_TX_HEADROOM))
		return -ENOMEM;
	nsg = skb_cow_data(skb, M2MSEC_DATA_TAG_LEN, &trailer);
	if (nsg < 0)
		return nsg;
	pskb_put(skb, trailer, M2MSEC_DATA_TAG_LEN);
	return nsg;
}

static void m2msec_send_write_header(struct sk_buff *skb, u32 index,
				     u64 counter)
{
	u8 *hdr = skb_push(skb, M2MSEC_DATA_HDR_LEN);

	hdr[0] = M2MSEC_PROTOCOL_VERSION;
	hdr[1] = M2MSEC_MSG_DATA;
	hdr[2] = 0;
	hdr[3] = 0;
	m2msec_put_be32(hdr + 4, index);
	m2msec_put_be64(hdr + M2MSEC_HDR_LEN, counter);
}

/* Seals and queues one packet (inner_len 0: a keepalive); consumes skb. */
static void m2msec_send_one(struct m2msec_peer *peer, struct sk_buff *skb)
{
	struct m2msec_device *md = peer->md;
	unsigned int inner_len = skb->len;
	struct m2msec_packet *pkt;
	struct m2msec_keypair *kp;
	u64 counter;
	int nsg;

	nsg = m2msec_send_make_room(skb);
	if (unlikely(nsg < 0))
		goto err_skb;
	kp = m2msec_keypair_for_send(peer, &counter);
	if (unlikely(!kp)) {
		atomic64_inc(&peer->stats.drop_no_key);
		goto err_skb;
	}
	pkt = m2msec_packet_alloc(kp->send_tfm, nsg);
	if (unlikely(!pkt)) {
		m2msec_keypair_put(kp);
		goto err_skb;
	}
	pkt->skb = skb;
	pkt->md = md;
	pkt->kp = kp;
	pkt->peer = m2msec_peer_get(peer);
	pkt->counter = counter;
	pkt->inner_len = inner_len;
	pkt->padata.parallel = m2msec_packet_encrypt;
	pkt->padata.serial = m2msec_send_serial;
	m2msec_send_write_header(skb, kp->remote_index, counter);
	if (unlikely(m2msec_packet_setup(pkt, kp->send_tfm, inner_len, nsg)))
		goto err_pkt;
	if (unlikely(m2msec_packet_submit(md->encrypt_ps, pkt,
					  &md->tx_inflight)))
		goto err_pkt;
	return;

err_pkt:
	m2msec_packet_free(pkt);
	dev_core_stats_tx_dropped_inc(md->dev);
	return;
err_skb:
	kfree_skb(skb);
	dev_core_stats_tx_dropped_inc(md->dev);
}

static bool m2msec_peer_has_endpoint(struct m2msec_peer *peer)
{
	bool known;

	read_lock_bh(&peer->endpoint_lock);
	known = peer->endpoint.addr.sa_family != AF_UNSPEC;
	read_unlock_bh(&peer->endpoint_lock);
	return known;
}

/* Cuts a GSO skb into packets of the device's MTU and sends each. */
static void m2msec_send_segments(struct m2msec_peer *peer,
				 struct sk_buff *skb)
{
	struct sk_buff *segs, *seg, *next;

	/* Features 0: each segment gets its checksum in software. */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(skb);
		dev_core_stats_tx_dropped_inc(peer->md->dev);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		m2msec_send_one(peer, seg);
	}
}

static struct m2msec_peer *m2msec_send_find_peer(struct m2msec_device *md,
						 struct sk_buff *skb)
{
	struct m2msec_peer *peer;

	rcu_read_lock_bh();
	peer = m2msec_allowedips_lookup_dst(&md->allowedips, skb);
	if (peer)
		peer = m2msec_peer_get_rcu(peer);
	rcu_read_unlock_bh();
	return peer;
}

/**
 * m2msec_xmit - ndo_start_xmit of an m2msec device
 * @skb: an IPv4 or IPv6 packet, possibly a software GSO packet
 * @dev: the device
 *
 * The device advertises software GSO, because sealing one large packet
 * here costs less than having the stack build each segment; the segments
 * get their checksums from skb_gso_segment().
 *
 * Return: NETDEV_TX_OK; the skb is always consumed.
 */
netdev_tx_t m2msec_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);
	struct m2msec_peer *peer;

	if (unlikely(!m2msec_send_inner_ok(skb))) {
		DEV_STATS_INC(dev, tx_errors);
		goto drop;
	}
	peer = m2msec_send_find_peer(md, skb);
	if (unlikely(!peer)) {
		atomic64_inc(&md->drop_no_peer);
		net_dbg_ratelimited("%s: no peer has an allowed prefix for the destination\n",
				    dev->name);
		m2msec_send_unreachable(skb);
		goto drop;
	}
	if (unlikely(!m2msec_peer_has_endpoint(peer))) {
		atomic64_inc(&peer->stats.drop_no_key);
		net_dbg_ratelimited("%s: peer %*phN has no endpoint\n",
				    dev->name, M2MSEC_NODE_ID_LEN,
				    peer->node_id);
		m2msec_send_unreachable(skb);
		m2msec_peer_put(peer);
		goto drop;
	}

	if (skb_is_gso(skb))
		m2msec_send_segments(peer, skb);
	else
		m2msec_send_one(peer, skb);
	m2msec_peer_put(peer);
	return NETDEV_TX_OK;

drop:
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/**
 * m2msec_send_keepalive - seal and send an empty plaintext to a peer
 * @peer: the peer; nothing is sent without an endpoint or a usable key
 *
 * Callable from process and softirq context: it allocates with GFP_ATOMIC.
 */
void m2msec_send_keepalive(struct m2msec_peer *peer)
{
	struct net_device *dev = peer->md->dev;
	struct sk_buff *skb;

	if (!netif_running(dev) || !m2msec_peer_has_endpoint(peer))
		return;
	skb = alloc_skb(M2MSEC_TX_HEADROOM + M2MSEC_DATA_TAG_LEN, GFP_ATOMIC);
	if (!skb) {
		dev_core_stats_tx_dropped_inc(dev);
		return;
	}
	skb_reserve(skb, M2MSEC_TX_HEADROOM);
	skb->dev = dev;
	m2msec_send_one(peer, skb);
}
