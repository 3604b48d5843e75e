// SPDX-License-Identifier: GPL-2.0
/*
 * Data-plane commands of the m2msec family over libmnl: devices, peers
 * and the events group.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "dev_msg.h"
#include "nl_priv.h"

void m2m_peer_clear(struct m2m_peer *peer)
{
	free(peer->allowed_ips);
	memset(peer, 0, sizeof(*peer));
}

bool m2m_peer_is_up(const struct m2m_peer *peer, uint64_t now)
{
	/*
	 * The kernel reports key fields only for a usable key (not revoked,
	 * not expired); the expiry check covers a dump read later.
	 */
	return peer->has_key && (!peer->key_expires || peer->key_expires > now);
}

int m2m_nl_fd(struct m2m_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/* Context of a request whose replies go to a callback of the caller. */
struct m2m_nl_walk {
	m2m_dev_cb dev_cb;
	m2m_peer_cb peer_cb;
	void *data;
	int stop;		/* first nonzero return of the callback */
	size_t count;
	struct m2m_dev *dev;	/* m2m_nl_dev_get */
	struct m2m_peer *peer;	/* m2m_nl_peer_get */
	uint8_t *node_id;	/* m2m_nl_peer_new */
};

/* The callback's stop value, with err filled for a negative errno. */
static int m2m_nl_walk_result(const struct m2m_nl_walk *walk,
			      struct m2m_nl_err *err)
{
	if (walk->stop < 0)
		m2m_nl_set_err(err, -walk->stop, "%s", strerror(-walk->stop));
	return walk->stop;
}

static int m2m_nl_dev_walk_cb(const struct nlmsghdr *nlh, void *data,
			      struct m2m_nl_err *err)
{
	struct m2m_nl_walk *walk = data;
	struct m2m_dev dev;
	int ret;

	ret = m2m_nl_msg_parse_dev(nlh, &dev, err);
	if (ret)
		return ret;
	walk->count++;
	if (walk->dev)
		*walk->dev = dev;
	else if (!walk->stop)
		walk->stop = walk->dev_cb(&dev, walk->data);
	return 0;
}

static int m2m_nl_peer_walk_cb(const struct nlmsghdr *nlh, void *data,
			       struct m2m_nl_err *err)
{
	struct m2m_nl_walk *walk = data;
	struct m2m_peer peer;
	int ret;

	ret = m2m_nl_msg_parse_peer(nlh, &peer, err);
	if (ret)
		return ret;
	walk->count++;
	if (walk->peer) {
		m2m_peer_clear(walk->peer);
		*walk->peer = peer;
		return 0;
	}
	if (walk->node_id)
		memcpy(walk->node_id, peer.node_id, M2MSEC_NODE_ID_LEN);
	else if (walk->peer_cb && !walk->stop)
		walk->stop = walk->peer_cb(&peer, walk->data);
	m2m_peer_clear(&peer);
	return 0;
}

int m2m_nl_dev_get(struct m2m_nl *nl, const char *ifname,
		   struct m2m_dev *dev, struct m2m_nl_err *err)
{
	struct m2m_nl_walk walk = { .dev = dev };
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_DEV_GET, NLM_F_ACK,
			       ++nl->seq);
	ret = m2m_nl_msg_put_ifname(nlh, sizeof(buf), ifname, err);
	if (!ret)
		ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_dev_walk_cb,
				      &walk, err);
	if (!ret && walk.count != 1) {
		m2m_nl_set_err(err, EPROTO,
			       "DEV_GET for %s returned %zu replies, expected 1",
			       ifname, walk.count);
		ret = -EPROTO;
	}
	return ret;
}

int m2m_nl_dev_dump(struct m2m_nl *nl, m2m_dev_cb cb, void *data,
		    struct m2m_nl_err *err)
{
	struct m2m_nl_walk walk = { .dev_cb = cb, .data = data };
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_DEV_GET,
			       NLM_F_DUMP | NLM_F_ACK, ++nl->seq);
	ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_dev_walk_cb, &walk,
			      err);
	return ret ? ret : m2m_nl_walk_result(&walk, err);
}

int m2m_nl_dev_set_port(struct m2m_nl *nl, const char *ifname, uint16_t port,
			struct m2m_nl_err *err)
{
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_DEV_SET, NLM_F_ACK,
			       ++nl->seq);
	ret = m2m_nl_msg_put_ifname(nlh, sizeof(buf), ifname, err);
	if (ret)
		return ret;
	if (!mnl_attr_put_u16_check(nlh, sizeof(buf), M2MSEC_A_PORT, port)) {
		m2m_nl_set_err(err, EMSGSIZE, "request does not fit");
		return -EMSGSIZE;
	}
	return m2m_nl_exchange(nl, nlh, nl->family, NULL, NULL, err);
}

/* Send one peer request and pass any replies to walk. */
static int m2m_nl_peer_cmd(struct m2m_nl *nl, uint8_t cmd, uint16_t flags,
			   const struct m2m_peer_req *req,
			   struct m2m_nl_walk *walk, struct m2m_nl_err *err)
{
	size_t size = m2m_nl_peer_req_size(req->n_allowed_ips);
	struct nlmsghdr *nlh;
	char *buf;
	int ret;

	buf = malloc(size);
	if (!buf) {
		m2m_nl_set_err(err, ENOMEM, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	nlh = m2m_nl_msg_start(buf, nl->family, cmd, NLM_F_ACK | flags,
			       ++nl->seq);
	ret = m2m_nl_msg_put_peer(nlh, size, req, err);
	if (!ret)
		ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_peer_walk_cb,
				      walk, err);
	free(buf);
	return ret;
}

int m2m_nl_peer_new(struct m2m_nl *nl, const struct m2m_peer_req *req,
		    uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_nl_err *err)
{
	struct m2m_nl_walk walk = { .node_id = node_id };
	int ret;

	if (!req->key_serial) {
		m2m_nl_set_err(err, EINVAL, "PEER_NEW needs a key serial");
		return -EINVAL;
	}
	ret = m2m_nl_peer_cmd(nl, M2MSEC_CMD_PEER_NEW, 0, req, &walk, err);
	if (!ret && walk.count != 1) {
		m2m_nl_set_err(err, EPROTO,
			       "PEER_NEW returned %zu replies, expected 1",
			       walk.count);
		ret = -EPROTO;
	}
	return ret;
}

int m2m_nl_peer_set(struct m2m_nl *nl, const struct m2m_peer_req *req,
		    struct m2m_nl_err *err)
{
	struct m2m_nl_walk walk = { 0 };

	if (!req->has_node_id) {
		m2m_nl_set_err(err, EINVAL, "PEER_SET needs a node id");
		return -EINVAL;
	}
	return m2m_nl_peer_cmd(nl, M2MSEC_CMD_PEER_SET, 0, req, &walk, err);
}

int m2m_nl_peer_del(struct m2m_nl *nl, const char *ifname,
		    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_nl_err *err)
{
	struct m2m_peer_req req = { .ifname = ifname, .has_node_id = true };
	struct m2m_nl_walk walk = { 0 };

	memcpy(req.node_id, node_id, M2MSEC_NODE_ID_LEN);
	return m2m_nl_peer_cmd(nl, M2MSEC_CMD_PEER_DEL, 0, &req, &walk, err);
}

int m2m_nl_peer_get(struct m2m_nl *nl, const char *ifname,
		    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_peer *peer, struct m2m_nl_err *err)
{
	struct m2m_peer_req req = { .ifname = ifname, .has_node_id = true };
	struct m2m_nl_walk walk = { .peer = peer };
	int ret;

	memset(peer, 0, sizeof(*peer));
	memcpy(req.node_id, node_id, M2MSEC_NODE_ID_LEN);
	ret = m2m_nl_peer_cmd(nl, M2MSEC_CMD_PEER_GET, 0, &req, &walk, err);
	if (!ret && walk.count != 1) {
		m2m_nl_set_err(err, EPROTO,
			       "PEER_GET returned %zu replies, expected 1",
			       walk.count);
		ret = -EPROTO;
	}
	if (ret)
		m2m_peer_clear(peer);
	return ret;
}

int m2m_nl_peer_dump(struct m2m_nl *nl, const char *ifname, m2m_peer_cb cb,
		     void *data, struct m2m_nl_err *err)
{
	struct m2m_peer_req req = { .ifname = ifname };
	struct m2m_nl_walk walk = { .peer_cb = cb, .data = data };
	int ret;

	ret = m2m_nl_peer_cmd(nl, M2MSEC_CMD_PEER_GET, NLM_F_DUMP, &req, &walk,
			      err);
	return ret ? ret : m2m_nl_walk_result(&walk, err);
}

int m2m_nl_events_join(struct m2m_nl *nl, struct m2m_nl_err *err)
{
	int group = (int)nl->events_group;
	int error;

	if (!nl->events_group) {
		m2m_nl_set_err(err, ENOENT,
			       "family \"%s\" has no multicast group \"%s\"",
			       M2MSEC_GENL_NAME, M2MSEC_MCGRP_EVENTS);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		error = errno;
		m2m_nl_set_err(err, error,
			       "joining the \"%s\" group failed: %s",
			       M2MSEC_MCGRP_EVENTS, strerror(error));
		return -error;
	}
	return 0;
}

/* Pass the events of one received buffer to cb. */
static int m2m_nl_events_run(struct m2m_nl *nl, size_t len, m2m_event_cb cb,
			     void *data, struct m2m_nl_err *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
	struct m2m_event ev;
	int rem = (int)len;
	int count = 0;
	int ret;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type != nl->family)
			continue;
		ret = m2m_nl_msg_parse_event(nlh, &ev, err);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		count++;
		ret = cb(&ev, data);
		if (ret < 0)
			return ret;
		if (ret > 0)
			break;
	}
	return count;
}

int m2m_nl_events_read(struct m2m_nl *nl, int timeout_ms, m2m_event_cb cb,
		       void *data, struct m2m_nl_err *err)
{
	struct pollfd pfd = { .fd = m2m_nl_fd(nl), .events = POLLIN };
	ssize_t len;
	int error, ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0 && errno == EINTR)
		return 0;
	if (ret < 0) {
		error = errno;
		m2m_nl_set_err(err, error, "poll failed: %s", strerror(error));
		return -error;
	}
	if (ret == 0)
		return 0;
	len = recv(pfd.fd, nl->rx, M2M_NL_RECV_SIZE, MSG_DONTWAIT);
	if (len < 0) {
		error = errno;
		if (error == EAGAIN || error == EINTR)
			return 0;
		if (error == ENOBUFS)
			m2m_nl_set_err(err, error,
				       "events were lost: the reader was too slow");
		else
			m2m_nl_set_err(err, error, "netlink receive failed: %s",
				       strerror(error));
		return -error;
	}
	return m2m_nl_events_run(nl, (size_t)len, cb, data, err);
}
