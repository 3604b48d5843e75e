// SPDX-License-Identifier: GPL-2.0
/* Dump lines and units for the output of devices and peers. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dev_fmt.h"
#include "hex.h"

const char *m2m_suite_name(uint8_t suite)
{
	switch (suite) {
	case M2MSEC_SUITE_AES256GCM:
		return "aes256gcm";
	case M2MSEC_SUITE_CHACHA20POLY1305:
		return "chacha20poly1305";
	}
	return "-";
}

const char *m2m_role_name(uint8_t role)
{
	switch (role) {
	case M2MSEC_ROLE_INITIATOR:
		return "initiator";
	case M2MSEC_ROLE_RESPONDER:
		return "responder";
	}
	return "-";
}

const char *m2m_event_name(uint8_t event)
{
	switch (event) {
	case M2MSEC_EVENT_PEER_UP:
		return "peer-up";
	case M2MSEC_EVENT_KEY_INSTALLED:
		return "key-installed";
	case M2MSEC_EVENT_REKEY_WANTED:
		return "rekey-wanted";
	case M2MSEC_EVENT_KEY_EXPIRED:
		return "key-expired";
	case M2MSEC_EVENT_PEER_DOWN:
		return "peer-down";
	}
	return "unknown";
}

void m2m_dump_dev(FILE *out, const struct m2m_dev *dev)
{
	fprintf(out, "%s\t%u\t%u\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
		dev->ifname, dev->port, dev->peers, dev->drop_unknown_index,
		dev->drop_malformed, dev->drop_no_peer);
}

/* Write the key fields, key_serial to key_expires, each with a tab. */
static void m2m_dump_peer_key(FILE *out, const struct m2m_peer *peer)
{
	char key_id[M2M_KEY_ID_HEX_LEN + 1];

	if (!peer->has_key) {
		fputs("-\t-\t-\t-\t-\t-\t-\t", out);
		return;
	}
	m2m_hex_encode(peer->key_id, sizeof(peer->key_id), key_id);
	fprintf(out, "%d\t%s\t%s\t%s\t%u\t%u\t%" PRIu64 "\t", peer->key_serial,
		key_id, m2m_suite_name(peer->suite), m2m_role_name(peer->role),
		peer->index, peer->peer_index, peer->key_expires);
}

int m2m_dump_peer(FILE *out, const char *ifname, const struct m2m_peer *peer,
		  uint64_t now)
{
	size_t ips_len = peer->n_allowed_ips * M2M_CIDR_STRLEN + 8;
	char node_id[M2M_NODE_ID_HEX_LEN + 1];
	char endpoint[M2M_ENDPOINT_STRLEN];
	char *ips;

	ips = malloc(ips_len);
	if (!ips)
		return -ENOMEM;
	m2m_cidr_list_format(peer->allowed_ips, peer->n_allowed_ips, ips,
			     ips_len);
	m2m_hex_encode(peer->node_id, sizeof(peer->node_id), node_id);
	fprintf(out, "%s\t%s\t%s\t%s\t", ifname, node_id,
		m2m_endpoint_format(&peer->endpoint, endpoint,
				    sizeof(endpoint)), ips);
	free(ips);
	m2m_dump_peer_key(out, peer);
	fprintf(out, "%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t",
		peer->last_handshake_ms, peer->last_rx_ms, peer->last_tx_ms);
	fprintf(out, "%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t",
		peer->rx_bytes, peer->tx_bytes, peer->rx_packets,
		peer->tx_packets);
	fprintf(out, "%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t",
		peer->drop_auth, peer->drop_replay, peer->drop_no_key,
		peer->drop_source);
	fprintf(out, "%u\t%s\n", peer->keepalive,
		m2m_peer_is_up(peer, now) ? "up" : "down");
	return 0;
}

const char *m2m_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double value = (double)bytes;
	size_t unit = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	value /= 1024;
	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, len, "%.2f %s", value, units[unit]);
	return buf;
}

const char *m2m_format_ago(uint64_t seconds, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " second%s ago", seconds,
		 seconds == 1 ? "" : "s");
	return buf;
}
