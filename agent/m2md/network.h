/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network role: handshake responder at /m2msec and the NSCL resource
 * tree at /nscl, on one HTTP server.
 */
#ifndef M2MD_NETWORK_H
#define M2MD_NETWORK_H

#include "acl.h"
#include "config.h"
#include "http.h"
#include "kops.h"
#include "responder.h"
#include "store.h"
#include "tree.h"
#include "tunnel.h"

#define M2MD_NETWORK_ROUTES	3

/* The node id of a gateway's tunnel address, by its interface id. */
struct m2md_tunnel_node {
	uint8_t iid[8];
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
};

/* The network's end of the tunnel, used by the HTTP threads. */
struct m2md_net_tunnel {
	struct m2m_nl *nl;	/* a socket of its own, so no kops lock */
	pthread_mutex_t lock;	/* serializes nl, retired and nodes */
	struct m2md_retired_keys retired;
	/* Gateways bound to the tunnel, sorted by iid. */
	struct m2md_tunnel_node *nodes;
	size_t n_nodes;
};

struct m2md_network {
	const struct m2md_config *cfg;
	struct m2md_auth *auth;		/* NULL until m2md_network_run() */
	struct m2md_store *store;
	struct m2md_responder responder;
	struct m2md_tree tree;
	struct m2md_route routes[M2MD_NETWORK_ROUTES];
	struct m2md_net_tunnel *tunnel;	/* NULL when tunnel = no */
};

/* Wire responder, tree and routes; store and kops stay the caller's. */
int m2md_network_setup(struct m2md_network *net,
		       const struct m2md_config *cfg, struct m2md_store *store,
		       const struct m2md_kops *kops);
void m2md_network_teardown(struct m2md_network *net);

/*
 * Bind the Kmc key_serial of node_id to its gateway's peer on the tunnel
 * (ctx is a struct m2md_network with a tunnel): the m2md_bind_kmc_fn of
 * the responder.
 */
int m2md_network_bind_kmc(void *ctx, const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			  int32_t key_serial, char *detail, size_t len);

/*
 * Record that the tunnel address of node_id is bound to its gateway
 * (net must have a tunnel), so that requests from that address find
 * their sclId. Returns 0 or -ENOMEM.
 */
int m2md_network_tunnel_learn(struct m2md_network *net,
			      const uint8_t node_id[M2MSEC_NODE_ID_LEN]);

/*
 * The m2md_auth_ops hook of the network role (ctx is a struct
 * m2md_network): a request from a gateway's tunnel address speaks for
 * the sclId of that gateway's node id while it has a current connection,
 * and is anonymous otherwise. Returns 0 for a request from outside the
 * tunnel, else 1 with who filled.
 */
int m2md_network_tunnel_principal(void *ctx, const struct m2md_request *req,
				  struct m2md_principal *who);

/* Run the network role until SIGTERM or SIGINT; returns an exit code. */
int m2md_network_run(const struct m2md_config *cfg);

#endif /* M2MD_NETWORK_H */
