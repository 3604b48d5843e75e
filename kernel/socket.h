/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UDP sockets of an m2msec device: one IPv4 and one IPv6 socket on
 * the same port, in the namespace where the device was created, and the
 * sending of sealed DATA messages to a peer's endpoint.
 */
#ifndef _M2MSEC_SOCKET_H
#define _M2MSEC_SOCKET_H

#include <linux/net.h>
#include <linux/skbuff.h>

#include "peer.h"

struct m2msec_device;

int m2msec_socket_open(struct m2msec_device *md, u16 port,
		       struct socket **sock4, struct socket **sock6);
void m2msec_socket_close(struct socket *sock);
u16 m2msec_socket_port(struct socket *sock);

int m2msec_socket_send(struct m2msec_peer *peer, struct sk_buff *skb);
void m2msec_socket_endpoint_from_skb(union m2msec_endpoint *ep,
				     const struct sk_buff *skb);

#endif /* _M2MSEC_SOCKET_H */
