// SPDX-License-Identifier: GPL-2.0
/* Data-plane messages of the m2msec family: requests and replies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "dev_msg.h"

/* Header, IFNAME, NODE_ID, KEY_SERIAL, ENDPOINT, KEEPALIVE, with room. */
#define M2M_PEER_REQ_BASE	512
/* Nest header, FAMILY, ADDR of 16 bytes, CIDR. */
#define M2M_ALLOWEDIP_SIZE	(4 + 8 + 20 + 8)

size_t m2m_nl_peer_req_size(size_t n_allowed_ips)
{
	size_t size = M2M_PEER_REQ_BASE + n_allowed_ips * M2M_ALLOWEDIP_SIZE;

	return size < M2M_NL_REQ_SIZE ? M2M_NL_REQ_SIZE : size;
}

int m2m_nl_msg_put_ifname(struct nlmsghdr *nlh, size_t buflen,
			  const char *ifname, struct m2m_nl_err *err)
{
	size_t len = strlen(ifname);

	if (len == 0 || len >= IF_NAMESIZE) {
		m2m_nl_set_err(err, EINVAL,
			       "invalid interface name \"%s\" (expected 1 to %d characters)",
			       ifname, IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (!mnl_attr_put_strz_check(nlh, buflen, M2MSEC_A_IFNAME, ifname)) {
		m2m_nl_set_err(err, EMSGSIZE,
			       "request does not fit in %zu bytes", buflen);
		return -EMSGSIZE;
	}
	return 0;
}

static bool m2m_nl_put_allowedip(struct nlmsghdr *nlh, size_t buflen,
				 const struct m2m_allowedip *ip)
{
	size_t alen = ip->family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, M2MSEC_A_ALLOWED_IP);
	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, buflen, M2MSEC_ALLOWEDIP_A_FAMILY,
				    ip->family) ||
	    !mnl_attr_put_check(nlh, buflen, M2MSEC_ALLOWEDIP_A_ADDR, alen,
				ip->addr) ||
	    !mnl_attr_put_u8_check(nlh, buflen, M2MSEC_ALLOWEDIP_A_CIDR,
				   ip->cidr)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool m2m_nl_put_allowedips(struct nlmsghdr *nlh, size_t buflen,
				  const struct m2m_peer_req *req)
{
	struct nlattr *nest;
	size_t i;

	nest = mnl_attr_nest_start_check(nlh, buflen, M2MSEC_A_ALLOWED_IPS);
	if (!nest)
		return false;
	for (i = 0; i < req->n_allowed_ips; i++) {
		if (!m2m_nl_put_allowedip(nlh, buflen, &req->allowed_ips[i])) {
			mnl_attr_nest_cancel(nlh, nest);
			return false;
		}
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static int m2m_nl_check_peer_req(const struct m2m_peer_req *req,
				 struct m2m_nl_err *err)
{
	size_t i;

	if (req->has_endpoint && !m2m_sockaddr_len(req->endpoint.ss_family)) {
		m2m_nl_set_err(err, EINVAL,
			       "endpoint has unsupported address family %u",
			       req->endpoint.ss_family);
		return -EINVAL;
	}
	for (i = 0; req->has_allowed_ips && i < req->n_allowed_ips; i++) {
		const struct m2m_allowedip *ip = &req->allowed_ips[i];

		if ((ip->family != AF_INET && ip->family != AF_INET6) ||
		    ip->cidr > (ip->family == AF_INET ? 32 : 128)) {
			m2m_nl_set_err(err, EINVAL,
				       "allowed prefix %zu has family %u and length %u",
				       i, ip->family, ip->cidr);
			return -EINVAL;
		}
	}
	return 0;
}

int m2m_nl_msg_put_peer(struct nlmsghdr *nlh, size_t buflen,
			const struct m2m_peer_req *req,
			struct m2m_nl_err *err)
{
	bool ok = true;
	int ret;

	ret = m2m_nl_check_peer_req(req, err);
	if (!ret)
		ret = m2m_nl_msg_put_ifname(nlh, buflen, req->ifname, err);
	if (ret)
		return ret;
	if (req->has_node_id)
		ok &= mnl_attr_put_check(nlh, buflen, M2MSEC_A_NODE_ID,
					 M2MSEC_NODE_ID_LEN, req->node_id);
	if (req->key_serial)
		ok &= mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_KEY_SERIAL,
					     (uint32_t)req->key_serial);
	if (req->has_endpoint)
		ok &= mnl_attr_put_check(nlh, buflen, M2MSEC_A_ENDPOINT,
					 m2m_sockaddr_len(req->endpoint.ss_family),
					 &req->endpoint);
	if (req->has_keepalive)
		ok &= mnl_attr_put_u16_check(nlh, buflen, M2MSEC_A_KEEPALIVE,
					     req->keepalive);
	if (ok && req->has_allowed_ips)
		ok = m2m_nl_put_allowedips(nlh, buflen, req);
	if (!ok) {
		m2m_nl_set_err(err, EMSGSIZE,
			       "request does not fit in %zu bytes", buflen);
		return -EMSGSIZE;
	}
	return 0;
}

static void m2m_nl_copy_ifname(char *dst, const struct nlattr *attr)
{
	/* Checked by the policy: NUL-terminated, below IF_NAMESIZE. */
	memcpy(dst, mnl_attr_get_payload(attr),
	       mnl_attr_get_payload_len(attr));
}

static uint64_t m2m_nl_u64_or_zero(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

int m2m_nl_msg_parse_dev(const struct nlmsghdr *nlh, struct m2m_dev *dev,
			 struct m2m_nl_err *err)
{
	struct m2m_nl_parse_ctx ctx;
	const struct nlattr **a = ctx.attrs;
	int ret;

	memset(dev, 0, sizeof(*dev));
	ret = m2m_nl_parse_attrs(nlh, &ctx, err);
	if (ret)
		return ret;
	if (!a[M2MSEC_A_IFINDEX] || !a[M2MSEC_A_IFNAME]) {
		m2m_nl_set_err(err, EPROTO,
			       "device reply without IFINDEX or IFNAME");
		return -EPROTO;
	}
	dev->ifindex = mnl_attr_get_u32(a[M2MSEC_A_IFINDEX]);
	m2m_nl_copy_ifname(dev->ifname, a[M2MSEC_A_IFNAME]);
	if (a[M2MSEC_A_PORT])
		dev->port = mnl_attr_get_u16(a[M2MSEC_A_PORT]);
	if (a[M2MSEC_A_PEERS])
		dev->peers = mnl_attr_get_u32(a[M2MSEC_A_PEERS]);
	dev->drop_unknown_index = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_UNKNOWN_INDEX]);
	dev->drop_malformed = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_MALFORMED]);
	dev->drop_no_peer = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_NO_PEER]);
	return 0;
}

struct m2m_nl_allowedip_ctx {
	const struct nlattr *a[M2MSEC_ALLOWEDIP_A_MAX + 1];
};

static int m2m_nl_allowedip_attr_cb(const struct nlattr *attr, void *data)
{
	struct m2m_nl_allowedip_ctx *ctx = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= M2MSEC_ALLOWEDIP_A_MAX)
		ctx->a[type] = attr;
	return MNL_CB_OK;
}

/* Parse one ALLOWED_IP nest: FAMILY, ADDR of its length, CIDR in range. */
static int m2m_nl_parse_allowedip(const struct nlattr *nest,
				  struct m2m_allowedip *ip,
				  struct m2m_nl_err *err)
{
	struct m2m_nl_allowedip_ctx ctx = { 0 };
	const struct nlattr **a = ctx.a;
	size_t alen;

	if (mnl_attr_get_type(nest) != M2MSEC_A_ALLOWED_IP ||
	    mnl_attr_parse_nested(nest, m2m_nl_allowedip_attr_cb, &ctx) < 0)
		goto bad;
	if (!a[M2MSEC_ALLOWEDIP_A_FAMILY] || !a[M2MSEC_ALLOWEDIP_A_ADDR] ||
	    !a[M2MSEC_ALLOWEDIP_A_CIDR] ||
	    mnl_attr_validate(a[M2MSEC_ALLOWEDIP_A_FAMILY], MNL_TYPE_U16) ||
	    mnl_attr_validate(a[M2MSEC_ALLOWEDIP_A_CIDR], MNL_TYPE_U8))
		goto bad;
	memset(ip, 0, sizeof(*ip));
	ip->family = mnl_attr_get_u16(a[M2MSEC_ALLOWEDIP_A_FAMILY]);
	ip->cidr = mnl_attr_get_u8(a[M2MSEC_ALLOWEDIP_A_CIDR]);
	alen = 0;
	if (ip->family == AF_INET)
		alen = 4;
	else if (ip->family == AF_INET6)
		alen = 16;
	if (!alen ||
	    mnl_attr_get_payload_len(a[M2MSEC_ALLOWEDIP_A_ADDR]) != alen ||
	    ip->cidr > 8 * alen)
		goto bad;
	memcpy(ip->addr, mnl_attr_get_payload(a[M2MSEC_ALLOWEDIP_A_ADDR]),
	       alen);
	return 0;
bad:
	m2m_nl_set_err(err, EPROTO, "malformed ALLOWED_IP in peer reply");
	return -EPROTO;
}

static int m2m_nl_parse_allowedips(const struct nlattr *list,
				   struct m2m_peer *peer,
				   struct m2m_nl_err *err)
{
	const struct nlattr *pos;
	size_t n = 0;
	int ret;

	mnl_attr_for_each_nested(pos, list)
		n++;
	if (!n)
		return 0;
	peer->allowed_ips = calloc(n, sizeof(*peer->allowed_ips));
	if (!peer->allowed_ips) {
		m2m_nl_set_err(err, ENOMEM, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	mnl_attr_for_each_nested(pos, list) {
		ret = m2m_nl_parse_allowedip(pos,
					     &peer->allowed_ips[peer->n_allowed_ips],
					     err);
		if (ret)
			return ret;
		peer->n_allowed_ips++;
	}
	return 0;
}

static int m2m_nl_parse_endpoint(const struct nlattr *attr,
				 struct sockaddr_storage *ss,
				 struct m2m_nl_err *err)
{
	size_t len = mnl_attr_get_payload_len(attr);
	const struct sockaddr *sa = mnl_attr_get_payload(attr);

	if (len < sizeof(sa_family_t) ||
	    len != m2m_sockaddr_len(sa->sa_family)) {
		m2m_nl_set_err(err, EPROTO,
			       "ENDPOINT of %zu bytes is no sockaddr_in or sockaddr_in6",
			       len);
		return -EPROTO;
	}
	memcpy(ss, sa, len);
	return 0;
}

static void m2m_nl_fill_peer_key(const struct nlattr **a,
				 struct m2m_peer *peer)
{
	peer->has_key = a[M2MSEC_A_KEY_SERIAL];
	if (!peer->has_key)
		return;
	peer->key_serial = (int32_t)mnl_attr_get_u32(a[M2MSEC_A_KEY_SERIAL]);
	if (a[M2MSEC_A_KEY_ID])
		memcpy(peer->key_id, mnl_attr_get_payload(a[M2MSEC_A_KEY_ID]),
		       M2MSEC_KEY_ID_LEN);
	if (a[M2MSEC_A_SUITE])
		peer->suite = mnl_attr_get_u8(a[M2MSEC_A_SUITE]);
	if (a[M2MSEC_A_ROLE])
		peer->role = mnl_attr_get_u8(a[M2MSEC_A_ROLE]);
	if (a[M2MSEC_A_INDEX])
		peer->index = mnl_attr_get_u32(a[M2MSEC_A_INDEX]);
	if (a[M2MSEC_A_PEER_INDEX])
		peer->peer_index = mnl_attr_get_u32(a[M2MSEC_A_PEER_INDEX]);
	peer->key_expires = m2m_nl_u64_or_zero(a[M2MSEC_A_KEY_EXPIRES]);
}

static void m2m_nl_fill_peer_stats(const struct nlattr **a,
				   struct m2m_peer *peer)
{
	peer->rx_bytes = m2m_nl_u64_or_zero(a[M2MSEC_A_RX_BYTES]);
	peer->tx_bytes = m2m_nl_u64_or_zero(a[M2MSEC_A_TX_BYTES]);
	peer->rx_packets = m2m_nl_u64_or_zero(a[M2MSEC_A_RX_PACKETS]);
	peer->tx_packets = m2m_nl_u64_or_zero(a[M2MSEC_A_TX_PACKETS]);
	peer->drop_auth = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_AUTH]);
	peer->drop_replay = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_REPLAY]);
	peer->drop_no_key = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_NO_KEY]);
	peer->drop_source = m2m_nl_u64_or_zero(a[M2MSEC_A_DROP_SOURCE]);
	peer->last_handshake_ms =
		m2m_nl_u64_or_zero(a[M2MSEC_A_LAST_HANDSHAKE]);
	peer->last_rx_ms = m2m_nl_u64_or_zero(a[M2MSEC_A_LAST_RX]);
	peer->last_tx_ms = m2m_nl_u64_or_zero(a[M2MSEC_A_LAST_TX]);
}

int m2m_nl_msg_parse_peer(const struct nlmsghdr *nlh, struct m2m_peer *peer,
			  struct m2m_nl_err *err)
{
	struct m2m_nl_parse_ctx ctx;
	const struct nlattr **a = ctx.attrs;
	int ret;

	memset(peer, 0, sizeof(*peer));
	ret = m2m_nl_parse_attrs(nlh, &ctx, err);
	if (ret)
		return ret;
	if (!a[M2MSEC_A_NODE_ID]) {
		m2m_nl_set_err(err, EPROTO, "peer reply without NODE_ID");
		return -EPROTO;
	}
	memcpy(peer->node_id, mnl_attr_get_payload(a[M2MSEC_A_NODE_ID]),
	       M2MSEC_NODE_ID_LEN);
	if (a[M2MSEC_A_IFINDEX])
		peer->ifindex = mnl_attr_get_u32(a[M2MSEC_A_IFINDEX]);
	if (a[M2MSEC_A_KEEPALIVE])
		peer->keepalive = mnl_attr_get_u16(a[M2MSEC_A_KEEPALIVE]);
	if (a[M2MSEC_A_ENDPOINT]) {
		ret = m2m_nl_parse_endpoint(a[M2MSEC_A_ENDPOINT],
					    &peer->endpoint, err);
		if (ret)
			return ret;
	}
	m2m_nl_fill_peer_key(a, peer);
	m2m_nl_fill_peer_stats(a, peer);
	if (a[M2MSEC_A_ALLOWED_IPS]) {
		ret = m2m_nl_parse_allowedips(a[M2MSEC_A_ALLOWED_IPS], peer,
					      err);
		if (ret)
			m2m_peer_clear(peer);
	}
	return ret;
}

int m2m_nl_msg_parse_event(const struct nlmsghdr *nlh, struct m2m_event *ev,
			   struct m2m_nl_err *err)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct m2m_nl_parse_ctx ctx;
	const struct nlattr **a = ctx.attrs;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ret = m2m_nl_parse_attrs(nlh, &ctx, err);
	if (ret)
		return ret;
	if (genl->cmd != M2MSEC_CMD_PEER_EVENT &&
	    genl->cmd != M2MSEC_CMD_KEY_NEW)
		return -ENOENT;
	ev->cmd = genl->cmd;
	if (ev->cmd == M2MSEC_CMD_PEER_EVENT && !a[M2MSEC_A_EVENT]) {
		m2m_nl_set_err(err, EPROTO, "PEER_EVENT without EVENT");
		return -EPROTO;
	}
	if (a[M2MSEC_A_EVENT])
		ev->event = mnl_attr_get_u8(a[M2MSEC_A_EVENT]);
	if (a[M2MSEC_A_MODE])
		ev->mode = mnl_attr_get_u8(a[M2MSEC_A_MODE]);
	if (a[M2MSEC_A_IFINDEX])
		ev->ifindex = mnl_attr_get_u32(a[M2MSEC_A_IFINDEX]);
	if (a[M2MSEC_A_IFNAME])
		m2m_nl_copy_ifname(ev->ifname, a[M2MSEC_A_IFNAME]);
	ev->has_node_id = a[M2MSEC_A_NODE_ID];
	if (ev->has_node_id)
		memcpy(ev->node_id, mnl_attr_get_payload(a[M2MSEC_A_NODE_ID]),
		       M2MSEC_NODE_ID_LEN);
	if (a[M2MSEC_A_KEY_SERIAL])
		ev->key_serial =
			(int32_t)mnl_attr_get_u32(a[M2MSEC_A_KEY_SERIAL]);
	ev->has_key_id = a[M2MSEC_A_KEY_ID];
	if (ev->has_key_id)
		memcpy(ev->key_id, mnl_attr_get_payload(a[M2MSEC_A_KEY_ID]),
		       M2MSEC_KEY_ID_LEN);
	return 0;
}
