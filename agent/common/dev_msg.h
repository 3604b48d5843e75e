/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and parsing of the data-plane messages of the m2msec family
 * in memory, apart from the socket, so that unit tests can check them.
 */
#ifndef M2M_DEV_MSG_H
#define M2M_DEV_MSG_H

#include "dev.h"
#include "nl_msg.h"

/* Request buffer size for a peer request with n allowed prefixes. */
size_t m2m_nl_peer_req_size(size_t n_allowed_ips);

/* Put IFNAME; -EINVAL for an empty or too long name. */
int m2m_nl_msg_put_ifname(struct nlmsghdr *nlh, size_t buflen,
			  const char *ifname, struct m2m_nl_err *err);

/*
 * Put the attributes of a PEER_NEW, PEER_SET or PEER_DEL request: IFNAME,
 * and NODE_ID, KEY_SERIAL, ENDPOINT, ALLOWED_IPS, KEEPALIVE when set.
 */
int m2m_nl_msg_put_peer(struct nlmsghdr *nlh, size_t buflen,
			const struct m2m_peer_req *req,
			struct m2m_nl_err *err);

/* Parse a DEV_GET reply. IFINDEX and IFNAME are required. */
int m2m_nl_msg_parse_dev(const struct nlmsghdr *nlh, struct m2m_dev *dev,
			 struct m2m_nl_err *err);

/*
 * Parse a PEER_GET reply into peer (cleared first, free with
 * m2m_peer_clear()). NODE_ID is required; the key fields count as
 * present when KEY_SERIAL is.
 */
int m2m_nl_msg_parse_peer(const struct nlmsghdr *nlh, struct m2m_peer *peer,
			  struct m2m_nl_err *err);

/*
 * Parse a PEER_EVENT or KEY_NEW message. Returns -ENOENT for any other
 * command, so that a reader can skip it.
 */
int m2m_nl_msg_parse_event(const struct nlmsghdr *nlh, struct m2m_event *ev,
			   struct m2m_nl_err *err);

#endif /* M2M_DEV_MSG_H */
