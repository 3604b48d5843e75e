/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the data-plane commands of the m2msec family: devices
 * (DEV_GET, DEV_SET), peers (PEER_NEW, PEER_SET, PEER_DEL, PEER_GET) and
 * the events multicast group (PEER_EVENT, KEY_NEW). Calls are
 * synchronous like those of nl.h and fill err the same way.
 */
#ifndef M2M_DEV_H
#define M2M_DEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "nl.h"

/* One m2msec device, as DEV_GET reports it. */
struct m2m_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint16_t port;
	uint32_t peers;
	uint64_t drop_unknown_index;
	uint64_t drop_malformed;
	uint64_t drop_no_peer;
};

/* One peer, as PEER_GET reports it. Free with m2m_peer_clear(). */
struct m2m_peer {
	uint32_t ifindex;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	struct sockaddr_storage endpoint;	/* AF_UNSPEC: none */
	struct m2m_allowedip *allowed_ips;	/* malloc'd */
	size_t n_allowed_ips;
	uint16_t keepalive;			/* seconds, 0 = off */
	bool has_key;				/* the key fields are valid */
	int32_t key_serial;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	uint8_t suite;
	uint8_t role;
	uint32_t index;
	uint32_t peer_index;
	uint64_t key_expires;			/* Unix seconds */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t drop_auth, drop_replay, drop_no_key, drop_source;
	uint64_t last_handshake_ms, last_rx_ms, last_tx_ms; /* 0 = never */
};

/*
 * Request of PEER_NEW and PEER_SET. ifname names the device. Fields
 * without a has_ flag are left out when zero.
 */
struct m2m_peer_req {
	const char *ifname;
	bool has_node_id;			/* PEER_SET, PEER_DEL */
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	int32_t key_serial;			/* 0: none */
	bool has_endpoint;
	struct sockaddr_storage endpoint;
	bool has_allowed_ips;			/* an empty list clears */
	const struct m2m_allowedip *allowed_ips;
	size_t n_allowed_ips;
	bool has_keepalive;
	uint16_t keepalive;
};

/* One message of the events group. */
struct m2m_event {
	uint8_t cmd;		/* M2MSEC_CMD_PEER_EVENT or _KEY_NEW */
	uint8_t event;		/* enum m2msec_peer_event, PEER_EVENT only */
	uint8_t mode;		/* KEY_NEW only */
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	bool has_node_id;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	int32_t key_serial;	/* 0: none */
	bool has_key_id;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
};

/* Free the allowed-ips list of peer and clear it. */
void m2m_peer_clear(struct m2m_peer *peer);

/*
 * True when the peer can send now: it has a key that has not expired at
 * Unix time now.
 */
bool m2m_peer_is_up(const struct m2m_peer *peer, uint64_t now);

int m2m_nl_dev_get(struct m2m_nl *nl, const char *ifname,
		   struct m2m_dev *dev, struct m2m_nl_err *err);

typedef int (*m2m_dev_cb)(const struct m2m_dev *dev, void *data);
typedef int (*m2m_peer_cb)(const struct m2m_peer *peer, void *data);

/*
 * Call cb for each m2msec device of the namespace. A nonzero return of
 * cb stops the calls and is returned once the dump is read; a negative
 * one is an errno and fills err.
 */
int m2m_nl_dev_dump(struct m2m_nl *nl, m2m_dev_cb cb, void *data,
		    struct m2m_nl_err *err);
/* Bind the sockets of device ifname to port (0: any free port). */
int m2m_nl_dev_set_port(struct m2m_nl *nl, const char *ifname, uint16_t port,
			struct m2m_nl_err *err);

/* PEER_NEW; node_id receives the node id of the new peer. */
int m2m_nl_peer_new(struct m2m_nl *nl, const struct m2m_peer_req *req,
		    uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_nl_err *err);
int m2m_nl_peer_set(struct m2m_nl *nl, const struct m2m_peer_req *req,
		    struct m2m_nl_err *err);
int m2m_nl_peer_del(struct m2m_nl *nl, const char *ifname,
		    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_nl_err *err);
/* PEER_GET of one peer into peer (free with m2m_peer_clear()). */
int m2m_nl_peer_get(struct m2m_nl *nl, const char *ifname,
		    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
		    struct m2m_peer *peer, struct m2m_nl_err *err);
/* Call cb for each peer of device ifname, as m2m_nl_dev_dump(). */
int m2m_nl_peer_dump(struct m2m_nl *nl, const char *ifname, m2m_peer_cb cb,
		     void *data, struct m2m_nl_err *err);

typedef int (*m2m_event_cb)(const struct m2m_event *ev, void *data);

/*
 * Join the events multicast group. Use a handle for events only: the
 * requests of nl.h and dev.h expect nothing but their own replies.
 */
int m2m_nl_events_join(struct m2m_nl *nl, struct m2m_nl_err *err);
/*
 * Wait up to timeout_ms (-1: no limit) for events and call cb for each
 * one received. Returns the number of events passed to cb (0 on
 * timeout), the nonzero return of cb, or a negative errno (-ENOBUFS
 * when the kernel dropped events because the reader was too slow).
 */
int m2m_nl_events_read(struct m2m_nl *nl, int timeout_ms, m2m_event_cb cb,
		       void *data, struct m2m_nl_err *err);
/* File descriptor of the handle's socket, for poll(). */
int m2m_nl_fd(struct m2m_nl *nl);

#endif /* M2M_DEV_H */
