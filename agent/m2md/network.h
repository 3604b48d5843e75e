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

#define M2MD_NETWORK_ROUTES	3

struct m2md_network {
	const struct m2md_config *cfg;
	struct m2md_store *store;
	struct m2md_responder responder;
	struct m2md_tree tree;
	struct m2md_route routes[M2MD_NETWORK_ROUTES];
};

/* Wire responder, tree and routes; store and kops stay the caller's. */
int m2md_network_setup(struct m2md_network *net,
		       const struct m2md_config *cfg, struct m2md_store *store,
		       const struct m2md_kops *kops);
void m2md_network_teardown(struct m2md_network *net);

/* Run the network role until SIGTERM or SIGINT; returns an exit code. */
int m2md_network_run(const struct m2md_config *cfg);

#endif /* M2MD_NETWORK_H */
