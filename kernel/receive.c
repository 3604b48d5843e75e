// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: a UDP datagram on a device's socket must be a DATA message
 * whose receiver index names one of the device's keypairs. It is opened
 * in padata's parallel step. The serial step then moves the replay
 * window, notes the peer's endpoint and hands the inner packet to the
 * stack through GRO cells, in the order the datagrams arrived.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/gro_cells.h>

#include "device.h"
#include "msg.h"
#include "queueing.h"
#include "socket.h"

/* Drops the UDP header; false if the datagram's length is inconsistent. */
static bool m2msec_receive_strip_udp(struct sk_buff *skb)
{
	int udp_offset = skb_transport_offset(skb);
	unsigned int ulen;

	if (udp_offset < 0 ||
	    !pskb_may_pull(skb, udp_offset + sizeof(struct udphdr)))
		return false;
	ulen = ntohs(udp_hdr(skb)->len);
	if (ulen < sizeof(struct udphdr) || ulen > skb->len - udp_offset)
		return false;
	if (pskb_trim(skb, udp_offset + ulen))
		return false;
	__skb_pull(skb, udp_offset + sizeof(struct udphdr));
	return true;
}

/*
 * Checks the DATA header (version 1, type DATA, mode 0, byte 3 zero) and
 * reads its receiver index and counter. A counter at or past the limit
 * is malformed, because no sender uses it.
 */
static bool m2msec_receive_parse(struct sk_buff *skb, u32 *index,
				 u64 *counter)
{
	const u8 *hdr;

	if (skb->len < M2MSEC_DATA_OVERHEAD ||
	    !pskb_may_pull(skb, M2MSEC_DATA_HDR_LEN))
		return false;
	hdr = skb->data;
	if (hdr[0] != M2MSEC_PROTOCOL_VERSION || hdr[1] != M2MSEC_MSG_DATA ||
	    hdr[2] != 0 || hdr[3] != 0)
		return false;
	*index = m2msec_get_be32(hdr + 4);
	*counter = m2msec_get_be64(hdr + M2MSEC_HDR_LEN);
	return *counter < M2MSEC_DATA_COUNTER_LIMIT;
}

/*
 * Returns the length of the inner IPv4 or IPv6 packet at skb->data and
 * sets skb->protocol, or returns 0 if it is neither or does not fit.
 */
static unsigned int m2msec_receive_inner_len(struct sk_buff *skb)
{
	unsigned int len;

	if (skb->len >= sizeof(struct iphdr) &&
	    pskb_may_pull(skb, sizeof(struct iphdr)) &&
	    ((struct iphdr *)skb->data)->version == 4) {
		const struct iphdr *iph = (struct iphdr *)skb->data;

		len = ntohs(iph->tot_len);
		if (iph->ihl < 5 || len < iph->ihl * 4U || len > skb->len)
			return 0;
		skb->protocol = htons(ETH_P_IP);
		return len;
	}
	if (skb->len >= sizeof(struct ipv6hdr) &&
	    pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
	    ((struct ipv6hdr *)skb->data)->version == 6) {
		const struct ipv6hdr *ip6h = (struct ipv6hdr *)skb->data;

		len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
		if (len > skb->len)
			return 0;
		skb->protocol = htons(ETH_P_IPV6);
		return len;
	}
	return 0;
}

/*
 * Turns the opened skb into a fresh packet received on the device: the
 * outer route, conntrack, mark, owner and hash no longer apply.
 */
static void m2msec_receive_reset(struct m2msec_device *md,
				 struct sk_buff *skb)
{
	skb_scrub_packet(skb, true);
	skb_clear_hash(skb);
	skb->dev = md->dev;
	skb->pkt_type = PACKET_HOST;
	skb->encapsulation = 0;
	skb->mac_len = 0;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_probe_transport_header(skb);
	/*
	 * The tag authenticated every inner byte, and the sender completed
	 * the inner checksums before sealing (m2msec_send_make_room()).
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = SKB_MAX_CSUM_LEVEL;
}

static void m2msec_receive_deliver(struct m2msec_device *md,
				   struct m2msec_peer *peer,
				   struct sk_buff *skb)
{
	unsigned int len;
	bool allowed;

	__skb_pull(skb, M2MSEC_DATA_HDR_LEN);
	if (pskb_trim(skb, skb->len - M2MSEC_DATA_TAG_LEN))
		goto drop;
	if (!skb->len) {
		/* A keepalive: it counts as received, but carries nothing. */
		atomic64_inc(&peer->stats.rx_packets);
		consume_skb(skb);
		return;
	}
	len = m2msec_receive_inner_len(skb);
	if (!len || pskb_trim(skb, len)) {
		net_dbg_ratelimited("%s: packet from peer %*phN is not a whole IPv4 or IPv6 packet\n",
				    md->dev->name, M2MSEC_NODE_ID_LEN,
				    peer->node_id);
		DEV_STATS_INC(md->dev, rx_length_errors);
		goto drop;
	}
	m2msec_receive_reset(md, skb);

	rcu_read_lock_bh();
	allowed = m2msec_allowedips_src_ok(&md->allowedips, peer, skb);
	rcu_read_unlock_bh();
	if (!allowed) {
		atomic64_inc(&peer->stats.drop_source);
		net_dbg_ratelimited("%s: packet from peer %*phN has a source outside its allowed prefixes\n",
				    md->dev->name, M2MSEC_NODE_ID_LEN,
				    peer->node_id);
		goto drop;
	}

	atomic64_inc(&peer->stats.rx_packets);
	atomic64_add(len, &peer->stats.rx_bytes);
	dev_sw_netstats_rx_add(md->dev, len);
	/* gro_cells_receive() counts its own drops. */
	gro_cells_receive(&md->gro_cells, skb);
	return;

drop:
	dev_core_stats_rx_dropped_inc(md->dev);
	kfree_skb(skb);
}

static void m2msec_receive_serial(struct padata_priv *padata)
{
	struct m2msec_packet *pkt;
	struct m2msec_peer *peer;
	struct m2msec_device *md;
	struct sk_buff *skb;

	pkt = container_of(padata, struct m2msec_packet, padata);
	peer = pkt->peer;
	md = pkt->md;
	skb = pkt->skb;
	pkt->skb = NULL;
	if (unlikely(pkt->err)) {
		if (pkt->err == -EBADMSG)
			atomic64_inc(&peer->stats.drop_auth);
		else
			DEV_STATS_INC(md->dev, rx_errors);
		net_dbg_ratelimited("%s: packet from peer %*phN failed to open: %d\n",
				    md->dev->name, M2MSEC_NODE_ID_LEN,
				    peer->node_id, pkt->err);
		kfree_skb(skb);
	} else if (unlikely(!m2msec_keypair_replay_accept(pkt->kp,
							  pkt->counter))) {
		atomic64_inc(&peer->stats.drop_replay);
		kfree_skb(skb);
	} else {
		m2msec_keypair_opened(pkt->kp, &pkt->from);
		m2msec_receive_deliver(md, peer, skb);
	}
	m2msec_packet_free(pkt);
}

/* Queues skb (header at skb->data) to be opened; consumes skb and kp. */
static int m2msec_receive_queue(struct m2msec_device *md,
				struct m2msec_keypair *kp, struct sk_buff *skb,
				u64 counter, const union m2msec_endpoint *from)
{
	struct m2msec_packet *pkt;
	struct sk_buff *trailer;
	int nsg, err;

	nsg = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nsg < 0)) {
		m2msec_keypair_put(kp);
		kfree_skb(skb);
		return nsg;
	}
	pkt = m2msec_packet_alloc(kp->recv_tfm, nsg);
	if (unlikely(!pkt)) {
		m2msec_keypair_put(kp);
		kfree_skb(skb);
		return -ENOMEM;
	}
	pkt->skb = skb;
	pkt->md = md;
	pkt->kp = kp;
	pkt->peer = m2msec_peer_get(kp->peer);
	pkt->counter = counter;
	pkt->from = *from;
	pkt->padata.parallel = m2msec_packet_decrypt;
	pkt->padata.serial = m2msec_receive_serial;
	err = m2msec_packet_setup(pkt, kp->recv_tfm,
				  skb->len - M2MSEC_DATA_HDR_LEN, nsg);
	if (!err)
		err = m2msec_packet_submit(md->decrypt_ps, pkt,
					   &md->rx_inflight);
	if (unlikely(err))
		m2msec_packet_free(pkt);
	return err;
}

/**
 * m2msec_receive - take a datagram from a device's UDP socket
 * @md: the device
 * @skb: the datagram, with skb->data at the UDP header
 *
 * Checks what can be checked before opening (header, index, replay
 * window) and queues the DATA message to padata. Runs in softirq
 * context; skb is consumed in every case.
 *
 * Return: 0 if the message was queued, else a negative errno.
 */
int m2msec_receive(struct m2msec_device *md, struct sk_buff *skb)
{
	union m2msec_endpoint from;
	struct m2msec_keypair *kp;
	u64 counter;
	u32 index;
	int err;

	m2msec_socket_endpoint_from_skb(&from, skb);
	if (!m2msec_receive_strip_udp(skb) ||
	    !m2msec_receive_parse(skb, &index, &counter)) {
		atomic64_inc(&md->drop_malformed);
		net_dbg_ratelimited("%s: datagram from %pISpc is not a DATA message\n",
				    md->dev->name, &from.addr);
		err = -EBADMSG;
		goto drop;
	}
	kp = m2msec_keypair_for_index(md, index);
	if (!kp) {
		atomic64_inc(&md->drop_unknown_index);
		net_dbg_ratelimited("%s: DATA message from %pISpc has unknown receiver index %u\n",
				    md->dev->name, &from.addr, index);
		err = -ENOKEY;
		goto drop;
	}
	if (!m2msec_keypair_replay_check(kp, counter)) {
		atomic64_inc(&kp->peer->stats.drop_replay);
		m2msec_keypair_put(kp);
		err = -EALREADY;
		goto drop;
	}
	err = m2msec_receive_queue(md, kp, skb, counter, &from);
	if (err)
		dev_core_stats_rx_dropped_inc(md->dev);
	return err;

drop:
	kfree_skb(skb);
	return err;
}
