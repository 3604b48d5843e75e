/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gateway role: bootstrap and service connection as handshake initiator,
 * registration of its <scl> with the NSCL, reconnection before Kmc
 * expires, and the local GSCL tree at /gscl whose readings are forwarded
 * to the NSCL.
 */
#ifndef M2MD_GATEWAY_H
#define M2MD_GATEWAY_H

#include <pthread.h>

#include "config.h"
#include "http.h"
#include "store.h"
#include "tree.h"

#define M2MD_GATEWAY_ROUTES	1

/* Keys of the gateway's state in the store. */
#define M2MD_GW_NODE_ID		"node_id"
#define M2MD_GW_SCL_ID		"scl_id"
#define M2MD_GW_BOOTSTRAP_ID	"bootstrap_id"

/* Size of the NSCL base URL: cfg->nscl_base or its tunnel form. */
#define M2MD_GW_BASE_MAX	(M2MD_URL_MAX + 64)

struct m2md_gateway {
	const struct m2md_config *cfg;
	struct m2md_store *store;
	struct m2md_tree tree;
	struct m2md_route routes[M2MD_GATEWAY_ROUTES];
	/* The NSCL base URL in use: through the tunnel once it is up. */
	pthread_mutex_t base_lock;
	char nscl_base[M2MD_GW_BASE_MAX];
};

/* Copy the NSCL base URL in use into buf. */
void m2md_gateway_nscl_base(struct m2md_gateway *gw, char *buf, size_t len);
/* Send all later NSCL requests to base. */
void m2md_gateway_set_nscl_base(struct m2md_gateway *gw, const char *base);

/* Wire the /gscl tree and its forwarding to the NSCL. */
int m2md_gateway_setup(struct m2md_gateway *gw,
		       const struct m2md_config *cfg,
		       struct m2md_store *store);

/*
 * Forward a reading to the NSCL's copy of container c of application
 * app, creating both there when missing. Returns the final HTTP status
 * (201 on success) and a reason in err otherwise.
 */
long m2md_gateway_forward(struct m2md_gateway *gw, const char *scl_id,
			  const char *app, const char *container,
			  const char *content_type, const void *body,
			  size_t len, char *err, size_t errlen);

/*
 * Register the gateway's <scl> with the NSCL (POST to <nscl>/scls).
 * Returns 0 when it is registered (201, or 409 for an earlier one),
 * -ENOENT before bootstrap gave an sclId, or another negative errno
 * (logged).
 */
int m2md_gateway_register(struct m2md_gateway *gw);
/*
 * Create the NSCL's <scl> in the local scls collection, pointing at the
 * NSCL base URL in use, or update that URL. Returns 0, -ENOENT before a
 * connect gave the nscl id, or another negative errno (logged).
 */
int m2md_gateway_add_nscl(struct m2md_gateway *gw);

/*
 * Return the seconds from a connect to the reconnect: 80% of the Kmc
 * lifetime, but at least 1, so that a lifetime under 2 s does not make
 * the gateway reconnect without pause.
 */
unsigned int m2md_gateway_reconnect_delay(uint32_t kmc_lifetime);

/* Run the gateway role until SIGTERM or SIGINT; returns an exit code. */
int m2md_gateway_run(const struct m2md_config *cfg);

#endif /* M2MD_GATEWAY_H */
