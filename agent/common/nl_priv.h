/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the m2msec netlink client shared by nl.c and dev.c: the
 * handle and the request-reply exchange.
 */
#ifndef M2M_NL_PRIV_H
#define M2M_NL_PRIV_H

#include <libmnl/libmnl.h>

#include "nl_msg.h"

/*
 * A dump message is at most one page by default, but the kernel grows its
 * dump buffers up to the size that the reader offers (32 KiB in Linux
 * 6.1 and 6.12), so offer that much.
 */
#define M2M_NL_RECV_SIZE	32768

struct m2m_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;	/* multicast group id, 0 if not found */
	char *rx;		/* M2M_NL_RECV_SIZE bytes */
};

/*
 * Send the request nlh and process the replies with cb until the
 * exchange ends. type is the message type of the expected data replies.
 */
int m2m_nl_exchange(struct m2m_nl *nl, struct nlmsghdr *nlh, uint16_t type,
		    m2m_nl_msg_cb cb, void *data, struct m2m_nl_err *err);

#endif /* M2M_NL_PRIV_H */
