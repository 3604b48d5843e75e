// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl show IFACE and the interface part of m2mctl show: m2msec
 * devices and their peers, as a person reads them or as dump lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev.h"
#include "dev_fmt.h"
#include "hex.h"
#include "m2mctl.h"

/* The devices of one DEV_GET dump, collected before the peer dumps. */
struct m2mctl_dev_list {
	struct m2m_dev *devs;
	size_t n;
	size_t cap;
};

static int m2mctl_dev_list_add(const struct m2m_dev *dev, void *data)
{
	struct m2mctl_dev_list *list = data;
	struct m2m_dev *grown;

	if (list->n == list->cap) {
		list->cap = list->cap ? 2 * list->cap : 8;
		grown = realloc(list->devs, list->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		list->devs = grown;
	}
	list->devs[list->n++] = *dev;
	return 0;
}

/* Context of the peer dump of one device. */
struct m2mctl_peer_print {
	const char *ifname;
	bool dump;
	uint64_t now;
};

static void m2mctl_print_peer_key(const struct m2m_peer *peer, uint64_t now)
{
	char key_id[M2M_KEY_ID_HEX_LEN + 1];
	char when[64];

	if (!peer->has_key) {
		printf("  key: (none)\n");
		return;
	}
	m2m_hex_encode(peer->key_id, sizeof(peer->key_id), key_id);
	printf("  key: serial %d, id %s, %s, %s\n", peer->key_serial, key_id,
	       m2m_suite_name(peer->suite), m2m_role_name(peer->role));
	printf("  indexes: local %u, peer %u\n", peer->index,
	       peer->peer_index);
	if (!peer->key_expires) {
		printf("  key expires: never\n");
		return;
	}
	m2mctl_format_time((time_t)peer->key_expires, when, sizeof(when));
	if (peer->key_expires > now)
		printf("  key expires: %s (%" PRIu64 " s left)\n", when,
		       peer->key_expires - now);
	else
		printf("  key expires: %s (expired)\n", when);
}

static void m2mctl_print_peer_times(const struct m2m_peer *peer, uint64_t now)
{
	uint64_t now_ms = now * 1000;
	char ago[128];

	if (peer->last_handshake_ms) {
		m2m_format_ago(now_ms > peer->last_handshake_ms ?
			       (now_ms - peer->last_handshake_ms) / 1000 : 0,
			       ago, sizeof(ago));
		printf("  latest handshake: %s\n", ago);
	}
	if (peer->last_rx_ms) {
		m2m_format_ago(now_ms > peer->last_rx_ms ?
			       (now_ms - peer->last_rx_ms) / 1000 : 0,
			       ago, sizeof(ago));
		printf("  latest packet received: %s\n", ago);
	}
}

static int m2mctl_print_peer(const struct m2m_peer *peer, uint64_t now)
{
	char node_id[M2M_NODE_ID_HEX_LEN + 1];
	char endpoint[M2M_ENDPOINT_STRLEN];
	char rx[32], tx[32];
	size_t ips_len = peer->n_allowed_ips * M2M_CIDR_STRLEN + 8;
	char *ips;

	ips = malloc(ips_len);
	if (!ips)
		return -ENOMEM;
	m2m_cidr_list_format(peer->allowed_ips, peer->n_allowed_ips, ips,
			     ips_len);
	m2m_hex_encode(peer->node_id, sizeof(peer->node_id), node_id);
	printf("\npeer: %s\n", node_id);
	printf("  state: %s\n", m2m_peer_is_up(peer, now) ? "up" : "down");
	printf("  endpoint: %s\n",
	       m2m_endpoint_format(&peer->endpoint, endpoint,
				   sizeof(endpoint)));
	printf("  allowed ips: %s\n", ips);
	free(ips);
	m2mctl_print_peer_key(peer, now);
	m2mctl_print_peer_times(peer, now);
	printf("  transfer: %s received, %s sent\n",
	       m2m_format_bytes(peer->rx_bytes, rx, sizeof(rx)),
	       m2m_format_bytes(peer->tx_bytes, tx, sizeof(tx)));
	printf("  packets: %" PRIu64 " received, %" PRIu64 " sent\n",
	       peer->rx_packets, peer->tx_packets);
	if (peer->keepalive)
		printf("  persistent keepalive: every %u seconds\n",
		       peer->keepalive);
	printf("  drops: %" PRIu64 " auth, %" PRIu64 " replay, %" PRIu64
	       " no key, %" PRIu64 " source\n", peer->drop_auth,
	       peer->drop_replay, peer->drop_no_key, peer->drop_source);
	return 0;
}

static int m2mctl_peer_print_cb(const struct m2m_peer *peer, void *data)
{
	struct m2mctl_peer_print *ctx = data;

	if (ctx->dump)
		return m2m_dump_peer(stdout, ctx->ifname, peer, ctx->now);
	return m2mctl_print_peer(peer, ctx->now);
}

static void m2mctl_print_dev(const struct m2m_dev *dev)
{
	printf("interface: %s\n", dev->ifname);
	printf("  listening port: %u\n", dev->port);
	printf("  peers: %u\n", dev->peers);
	printf("  drops: %" PRIu64 " unknown index, %" PRIu64
	       " malformed, %" PRIu64 " no peer\n", dev->drop_unknown_index,
	       dev->drop_malformed, dev->drop_no_peer);
}

/* Print one device and its peers; returns an exit code. */
static int m2mctl_show_one_dev(struct m2m_nl *nl, const struct m2m_dev *dev,
			       bool dump)
{
	struct m2mctl_peer_print ctx = {
		.ifname = dev->ifname,
		.dump = dump,
		.now = (uint64_t)time(NULL),
	};
	struct m2m_nl_err err;
	int ret;

	if (dump)
		m2m_dump_dev(stdout, dev);
	else
		m2mctl_print_dev(dev);
	ret = m2m_nl_peer_dump(nl, dev->ifname, m2mctl_peer_print_cb, &ctx,
			       &err);
	if (ret < 0)
		return m2mctl_error("listing the peers of %s failed: %s",
				    dev->ifname, err.msg);
	return M2MCTL_EXIT_OK;
}

static int m2mctl_show_all_devs(struct m2m_nl *nl, bool dump, bool header)
{
	struct m2mctl_dev_list list = { 0 };
	struct m2m_nl_err err;
	int ret, status = M2MCTL_EXIT_OK;
	size_t i;

	ret = m2m_nl_dev_dump(nl, m2mctl_dev_list_add, &list, &err);
	if (ret < 0) {
		free(list.devs);
		return m2mctl_error("listing the m2msec interfaces failed: %s",
				    err.msg);
	}
	if (header && !dump)
		printf("interfaces:\n%s", list.n ? "" : "  (none)\n");
	for (i = 0; i < list.n; i++) {
		if (!dump && i)
			printf("\n");
		status |= m2mctl_show_one_dev(nl, &list.devs[i], dump);
	}
	free(list.devs);
	return status ? M2MCTL_EXIT_FAILED : M2MCTL_EXIT_OK;
}

int m2mctl_show_devs(const char *ifname, bool dump, bool header)
{
	struct m2m_nl_err err;
	struct m2m_dev dev;
	struct m2m_nl *nl;
	int ret;

	nl = m2m_nl_open(&err);
	if (!nl)
		return m2mctl_error("listing m2msec interfaces failed: %s",
				    err.msg);
	if (!ifname) {
		ret = m2mctl_show_all_devs(nl, dump, header);
	} else if (m2m_nl_dev_get(nl, ifname, &dev, &err)) {
		ret = m2mctl_error("interface %s: %s", ifname, err.msg);
	} else {
		ret = m2mctl_show_one_dev(nl, &dev, dump);
	}
	m2m_nl_close(nl);
	return ret;
}
