/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The m2msec interface that carries mId between a gateway and the
 * network: inner addresses derived from node ids, creation of the
 * interface, and binding a Kmc to the peer of a gateway.
 *
 * Addressing: one IPv6 prefix (tunnel-prefix) on both sides. The network
 * is PREFIX::1 and a gateway is the first 8 bytes of the prefix followed
 * by the last 8 bytes of its node id. With tunnel-prefix4, the network is
 * host 1 of that prefix and a gateway a host picked by a hash of its
 * node id.
 */
#ifndef M2MD_TUNNEL_H
#define M2MD_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dev.h"

/* Link kind of the interface, as in "ip link add m2m0 type m2msec". */
#define M2MD_TUNNEL_KIND	"m2msec"
/* Keepalive interval of the gateway's peer, in seconds. */
#define M2MD_TUNNEL_KEEPALIVE	25

/* The network's inner IPv6 address: PREFIX::1. */
void m2md_tunnel_network_addr6(const struct m2m_allowedip *prefix,
			       uint8_t out[16]);
/* A gateway's inner IPv6 address: prefix, then node id bytes 8 to 15. */
void m2md_tunnel_gateway_addr6(const struct m2m_allowedip *prefix,
			       const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			       uint8_t out[16]);
/* The network's inner IPv4 address: host 1 of the prefix. */
void m2md_tunnel_network_addr4(const struct m2m_allowedip *prefix4,
			       uint8_t out[4]);
/*
 * A gateway's inner IPv4 address: a host of the prefix picked by a hash
 * of the node id, never host 0, host 1 (the network) or the broadcast.
 * NOTE: two node ids can map to one address. The second gateway's peer
 * is then rejected with EADDRINUSE and logged.
 */
void m2md_tunnel_gateway_addr4(const struct m2m_allowedip *prefix4,
			       const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			       uint8_t out[4]);

/*
 * True when addr (a struct in6_addr) is a gateway address of the tunnel
 * prefix with interface id matching node_id.
 */
bool m2md_tunnel_addr_is_node(const struct m2m_allowedip *prefix,
			      const uint8_t addr[16],
			      const uint8_t node_id[M2MSEC_NODE_ID_LEN]);

/* True when addr (16 bytes) lies in the IPv6 prefix. */
bool m2md_tunnel_in_prefix(const struct m2m_allowedip *prefix,
			   const uint8_t addr[16]);

/*
 * Create the interface cfg->tunnel_ifname, or use the m2msec interface
 * of that name that exists, bind it to port (0: leave its port), give it
 * addr6/64 (and addr4 with the IPv4 prefix length when addr4 is not
 * NULL) and set it up. Every failure is logged. Returns 0 or a negative
 * errno.
 */
int m2md_tunnel_setup(const struct m2md_config *cfg, struct m2m_nl *nl,
		      uint16_t port, const uint8_t addr6[16],
		      const uint8_t *addr4);

/* Peer of one gateway: what PEER_NEW or PEER_SET gets. */
struct m2md_tunnel_peer {
	const uint8_t *node_id;		/* M2MSEC_NODE_ID_LEN bytes */
	int32_t key_serial;
	const struct sockaddr_storage *endpoint;	/* NULL: learn it */
	const struct m2m_allowedip *allowed_ips;
	size_t n_allowed_ips;
	uint16_t keepalive;
};

/*
 * Bind the key of peer to the tunnel: PEER_NEW, or PEER_SET with the new
 * key when the interface already has a peer of that node id (a rekey).
 * *rekey is true for the latter. Returns 0 or a negative errno with the
 * kernel's message in err.
 */
int m2md_tunnel_bind(struct m2m_nl *nl, const char *ifname,
		     const struct m2md_tunnel_peer *peer, bool *rekey,
		     struct m2m_nl_err *err);

/*
 * Split "http://HOST[:PORT][/PATH]" into host, port and path. An IPv6
 * HOST in brackets is copied without them. Without PORT, port is 80 for
 * http and 443 for https. path is "/PATH" or empty. Returns 0 or -EINVAL.
 */
int m2md_url_split(const char *url, char *host, size_t hostlen,
		   uint16_t *port, char *path, size_t pathlen);

/*
 * Write the NSCL base URL through the tunnel into out:
 * "http://[PREFIX::1]:PORT/PATH" with the port of cfg->nscl_url and the
 * path of cfg->nscl_base. Returns 0 or -EINVAL.
 */
int m2md_tunnel_nscl_base(const struct m2md_config *cfg, char *out,
			  size_t len);

/* Maximum number of replaced keys waiting for their unlink. */
#define M2MD_RETIRED_MAX	64

/*
 * Kmc keys that a rekey replaced. The kernel still opens packets under
 * them for M2MSEC_KEY_GRACE_SECS, so they are unlinked from the keyring
 * only after that, and the keyring does not grow with every rekey.
 */
struct m2md_retired_keys {
	int32_t serial[M2MD_RETIRED_MAX];
	int64_t unlink_at[M2MD_RETIRED_MAX];	/* Unix seconds */
	size_t n;
};

/*
 * Add serial, to be unlinked after the grace from now. When the list is
 * full, the oldest entry is unlinked at once to make room.
 */
void m2md_retired_add(struct m2md_retired_keys *keys, int32_t serial,
		      int32_t keyring, int64_t now);
/* Unlink the keys that are due at now (all of them when all is true). */
void m2md_retired_reap(struct m2md_retired_keys *keys, int32_t keyring,
		       int64_t now, bool all);

#endif /* M2MD_TUNNEL_H */
