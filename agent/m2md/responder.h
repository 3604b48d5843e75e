/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network role, handshake responder: the MSBF (bootstrap) and the MAS
 * (connect) behind POST <base>/bootstrap and POST <base>/connect. It picks
 * the RESP fields, hands INIT and FINISH to the kernel and records the
 * result in the store.
 */
#ifndef M2MD_RESPONDER_H
#define M2MD_RESPONDER_H

#include <pthread.h>

#include "config.h"
#include "http.h"
#include "kops.h"
#include "store.h"

/* Pending handshakes older than this are dropped from the store. */
#define M2MD_PENDING_MAX_AGE	600

struct m2md_responder;

/*
 * Bind the Kmc key_serial of node_id to the node's tunnel peer. Returns
 * 0, or a negative errno with a reason in detail.
 */
typedef int (*m2md_bind_kmc_fn)(void *ctx,
				const uint8_t node_id[M2MSEC_NODE_ID_LEN],
				int32_t key_serial, char *detail, size_t len);

struct m2md_responder_path {
	struct m2md_responder *responder;
	uint8_t mode;
};

struct m2md_responder {
	const struct m2md_kops *kops;
	struct m2md_store *store;
	const struct m2md_config *cfg;
	/* Serializes INITs: assigning indexes and node ids is read-modify-write. */
	pthread_mutex_t lock;
	struct m2md_responder_path bootstrap;
	struct m2md_responder_path connect;
	/*
	 * Called after a connect FINISH installed a Kmc and before the 204,
	 * so that the gateway's first packet finds its key. NULL without a
	 * tunnel.
	 */
	m2md_bind_kmc_fn bind_kmc;
	void *bind_ctx;
};

void m2md_responder_init(struct m2md_responder *r,
			 const struct m2md_kops *kops,
			 struct m2md_store *store,
			 const struct m2md_config *cfg);
void m2md_responder_destroy(struct m2md_responder *r);

/* Route handler; ctx is &r->bootstrap or &r->connect. */
void m2md_responder_handle(void *ctx, const struct m2md_request *req,
			   struct m2md_reply *reply);

#endif /* M2MD_RESPONDER_H */
