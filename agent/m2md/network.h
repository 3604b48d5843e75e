/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network role: handshake responder at /m2msec and the NSCL resource
 * tree at /nscl, on one HTTP server.
 */
#ifndef M2MD_NETWORK_H
#define M2MD_NETWORK_H

#include "config.h"
#include "http.h"
#include "kops.h"
#include "responder.h"
#include "store.h"
#include "tree.h"
#include "tunnel.h"

#define M2MD_NETWORK_ROUTES	3

/* The network's end of the tunnel, used by the HTTP threads. */
struct m2md_net_tunnel {
	struct m2m_nl *nl;	/* a socket of its own, so no kops lock */
	pthread_mutex_t lock;	/* serializes nl and retired */
	struct m2md_retired_keys retired;
};

struct m2md_network {
	const struct m2md_config *cfg;
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

/* Run the network role until SIGTERM or SIGINT; returns an exit code. */
int m2md_network_run(const struct m2md_config *cfg);

#endif /* M2MD_NETWORK_H */
