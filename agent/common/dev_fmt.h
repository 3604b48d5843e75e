/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text output of devices and peers: the tab-separated dump lines that
 * scripts parse and the units of the human-readable form.
 */
#ifndef M2M_DEV_FMT_H
#define M2M_DEV_FMT_H

#include <stdint.h>
#include <stdio.h>

#include "dev.h"

/* Number of tab-separated fields of a device and of a peer dump line. */
#define M2M_DUMP_DEV_FIELDS	6
#define M2M_DUMP_PEER_FIELDS	24

/*
 * Write "ifname port peers drop_unknown_index drop_malformed
 * drop_no_peer", tab-separated, and a newline.
 */
void m2m_dump_dev(FILE *out, const struct m2m_dev *dev);

/*
 * Write the 24 tab-separated fields of a peer and a newline: ifname
 * node_id endpoint allowed_ips key_serial key_id suite role index
 * peer_index key_expires last_handshake_ms last_rx_ms last_tx_ms
 * rx_bytes tx_bytes rx_packets tx_packets drop_auth drop_replay
 * drop_no_key drop_source keepalive state. Key fields are "-" without a
 * key; state is "up" when m2m_peer_is_up() at Unix time now.
 * Returns 0, or -ENOMEM when the allowed-ips list cannot be formatted.
 */
int m2m_dump_peer(FILE *out, const char *ifname, const struct m2m_peer *peer,
		  uint64_t now);

/* "aes256gcm", "chacha20poly1305", or "-" for no or an unknown suite. */
const char *m2m_suite_name(uint8_t suite);
/* "initiator", "responder", or "-". */
const char *m2m_role_name(uint8_t role);
/* Event name of m2mctl events: "peer-up", ..., or "unknown". */
const char *m2m_event_name(uint8_t event);

/* Format a byte count with binary units: "512 B", "1.50 KiB", ... */
const char *m2m_format_bytes(uint64_t bytes, char *buf, size_t len);

/* Format an age in seconds as "N seconds ago" ("1 second ago"). */
const char *m2m_format_ago(uint64_t seconds, char *buf, size_t len);

#endif /* M2M_DEV_FMT_H */
