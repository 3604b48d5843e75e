// SPDX-License-Identifier: GPL-2.0
/*
 * UDP tunnel sockets of a device. Incoming datagrams reach
 * m2msec_receive() through the socket's encap_rcv hook. Sealed DATA
 * messages leave through the UDP tunnel transmit helpers, after a route
 * lookup that each peer caches in its dst_cache.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/dst_cache.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "socket.h"

/* The encap_type that marks a socket as a tunnel (any nonzero value). */
#define M2MSEC_UDP_ENCAP_TYPE	1
/* Attempts to find a port that is free for both IPv4 and IPv6. */
#define M2MSEC_PORT_TRIES	100

/*
 * Called by UDP under rcu_read_lock() with a datagram whose checksum
 * verified. The return value 0 means that the skb is consumed.
 */
static int m2msec_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct m2msec_device *md = rcu_dereference_sk_user_data(sk);

	if (unlikely(!md)) {
		kfree_skb(skb);
		return 0;
	}
	m2msec_receive(md, skb);
	return 0;
}

static int m2msec_socket_create4(struct net *net, u16 port,
				 struct socket **sock)
{
	struct udp_port_cfg cfg = {
		.family = AF_INET,
		.local_ip.s_addr = htonl(INADDR_ANY),
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
	};

	return udp_sock_create(net, &cfg, sock);
}

static int m2msec_socket_create6(struct net *net, u16 port,
				 struct socket **sock)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct udp_port_cfg cfg = {
		.family = AF_INET6,
		.local_ip6 = IN6ADDR_ANY_INIT,
		.local_udp_port = htons(port),
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = true,
	};
	int err;

	err = udp_sock_create(net, &cfg, sock);
	/* IPv6 disabled at boot (ipv6.disable=1): run on IPv4 alone. */
	if (err == -EAFNOSUPPORT) {
		*sock = NULL;
		return 0;
	}
	return err;
#else
	*sock = NULL;
	return 0;
#endif
}

static void m2msec_socket_setup(struct m2msec_device *md,
				struct socket *sock)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = md,
		.encap_type = M2MSEC_UDP_ENCAP_TYPE,
		.encap_rcv = m2msec_encap_rcv,
	};

	if (sock)
		setup_udp_tunnel_sock(md->creating_net, sock, &cfg);
}

/* The local port of a bound socket, in host order. */
u16 m2msec_socket_port(struct socket *sock)
{
	return ntohs(inet_sk(sock->sk)->inet_sport);
}

/**
 * m2msec_socket_open - bind the IPv4 and IPv6 sockets of a device
 * @md: the device; its creating_net names the namespace
 * @port: the UDP port, or 0 for a port that is free for both families
 * @sock4: receives the IPv4 socket
 * @sock6: receives the IPv6 socket, or NULL when IPv6 is disabled
 *
 * The sockets receive for md only after both are bound.
 *
 * Return: 0, or the error of the socket that could not be bound
 * (-EADDRINUSE when port is taken).
 */
int m2msec_socket_open(struct m2msec_device *md, u16 port,
		       struct socket **sock4, struct socket **sock6)
{
	struct socket *s4, *s6;
	int tries, err;

	for (tries = 0; tries < M2MSEC_PORT_TRIES; tries++) {
		err = m2msec_socket_create4(md->creating_net, port, &s4);
		if (err)
			return err;
		err = m2msec_socket_create6(md->creating_net,
					    m2msec_socket_port(s4), &s6);
		if (!err)
			break;
		sock_release(s4);
		/* A random IPv4 port may be taken for IPv6: try another. */
		if (err != -EADDRINUSE || port)
			return err;
	}
	if (err)
		return err;

	m2msec_socket_setup(md, s4);
	m2msec_socket_setup(md, s6);
	*sock4 = s4;
	*sock6 = s6;
	return 0;
}

/* Unhooks and releases a socket; waits for receivers still running. */
void m2msec_socket_close(struct socket *sock)
{
	if (sock)
		udp_tunnel_sock_release(sock);
}

static bool m2msec_socket_loops(struct m2msec_device *md,
				struct dst_entry *dst)
{
	if (likely(dst->dev != md->dev))
		return false;
	net_dbg_ratelimited("%s: route to a peer's endpoint goes through the device itself\n",
			    md->dev->name);
	return true;
}

static int m2msec_socket_send4(struct m2msec_peer *peer,
			       struct sk_buff *skb)
{
	const struct sockaddr_in *ep = &peer->endpoint.addr4;
	struct m2msec_device *md = peer->md;
	struct socket *sock = rcu_dereference_bh(md->sock4);
	struct rtable *rt;
	__be32 saddr;

	if (unlikely(!sock))
		goto err_unreach;
	rt = dst_cache_get_ip4(&peer->dst_cache, &saddr);
	if (!rt) {
		struct flowi4 fl4 = {
			.daddr = ep->sin_addr.s_addr,
			.fl4_dport = ep->sin_port,
			.fl4_sport = inet_sk(sock->sk)->inet_sport,
			.flowi4_proto = IPPROTO_UDP,
		};

		rt = ip_route_output_flow(sock_net(sock->sk), &fl4, sock->sk);
		if (IS_ERR(rt))
			goto err_unreach;
		if (m2msec_socket_loops(md, &rt->dst)) {
			ip_rt_put(rt);
			goto err_unreach;
		}
		saddr = fl4.saddr;
		dst_cache_set_ip4(&peer->dst_cache, &rt->dst, saddr);
	}
	/*
	 * NOTE: the helper adds the outer UDP payload length to the device's
	 * tx_bytes, so that counter includes the DATA header and tag, while
	 * the peer's tx_bytes counts inner bytes only.
	 */
	udp_tunnel_xmit_skb(rt, sock->sk, skb, saddr, ep->sin_addr.s_addr, 0,
			    ip4_dst_hoplimit(&rt->dst), 0,
			    inet_sk(sock->sk)->inet_sport, ep->sin_port,
			    !net_eq(sock_net(sock->sk), dev_net(md->dev)),
			    false);
	return 0;

err_unreach:
	kfree_skb(skb);
	return -ENETUNREACH;
}

#if IS_ENABLED(CONFIG_IPV6)
static int m2msec_socket_send6(struct m2msec_peer *peer,
			       struct sk_buff *skb)
{
	const struct sockaddr_in6 *ep = &peer->endpoint.addr6;
	struct m2msec_device *md = peer->md;
	struct socket *sock = rcu_dereference_bh(md->sock6);
	struct in6_addr saddr, daddr = ep->sin6_addr;
	struct dst_entry *dst;

	if (unlikely(!sock))
		goto err_unreach;
	dst = dst_cache_get_ip6(&peer->dst_cache, &saddr);
	if (!dst) {
		struct flowi6 fl6 = {
			.daddr = ep->sin6_addr,
			.fl6_dport = ep->sin6_port,
			.fl6_sport = inet_sk(sock->sk)->inet_sport,
			.flowi6_proto = IPPROTO_UDP,
			.flowi6_oif = ep->sin6_scope_id,
		};

		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sock->sk),
						      sock->sk, &fl6, NULL);
		if (IS_ERR(dst))
			goto err_unreach;
		if (m2msec_socket_loops(md, dst)) {
			dst_release(dst);
			goto err_unreach;
		}
		saddr = fl6.saddr;
		dst_cache_set_ip6(&peer->dst_cache, dst, &saddr);
	}
	udp_tunnel6_xmit_skb(dst, sock->sk, skb, skb->dev, &saddr, &daddr, 0,
			     ip6_dst_hoplimit(dst), 0,
			     inet_sk(sock->sk)->inet_sport, ep->sin6_port,
			     false);
	return 0;

err_unreach:
	kfree_skb(skb);
	return -ENETUNREACH;
}
#endif

/**
 * m2msec_socket_send - send a sealed DATA message to a peer's endpoint
 * @peer: the peer
 * @skb: the DATA message, with room for the IP and UDP headers in front
 *
 * Runs with BHs disabled (the per-CPU dst_cache needs it). The endpoint
 * lock is held across the route lookup, so that an endpoint change,
 * which resets the dst_cache under the write lock, cannot race with it.
 * The skb is consumed in every case.
 *
 * Return: 0, -EDESTADDRREQ without an endpoint, or -ENETUNREACH.
 */
int m2msec_socket_send(struct m2msec_peer *peer, struct sk_buff *skb)
{
	int err;

	read_lock_bh(&peer->endpoint_lock);
	rcu_read_lock_bh();
	switch (peer->endpoint.addr.sa_family) {
	case AF_INET:
		err = m2msec_socket_send4(peer, skb);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		err = m2msec_socket_send6(peer, skb);
		break;
#endif
	default:
		kfree_skb(skb);
		err = -EDESTADDRREQ;
		break;
	}
	rcu_read_unlock_bh();
	read_unlock_bh(&peer->endpoint_lock);
	return err;
}

/*
 * Fills ep with the outer source of a received datagram; skb's network
 * and transport headers still point at the outer IP and UDP headers.
 */
void m2msec_socket_endpoint_from_skb(union m2msec_endpoint *ep,
				     const struct sk_buff *skb)
{
	memset(ep, 0, sizeof(*ep));
	if (skb->protocol == htons(ETH_P_IP)) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->addr4.sin_port = udp_hdr(skb)->source;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		ep->addr6.sin6_port = udp_hdr(skb)->source;
		ep->addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr,
					    skb->skb_iif);
	}
}
