/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gateway role, the gateway's end of the tunnel: after a connect whose
 * mid_flags has bit 0, create the interface and bind the Kmc to the peer
 * of the network, and send the NSCL traffic through it. An event thread
 * watches the peer and flags a new connect to the main loop when the
 * kernel reports that its key needs a rekey, expired or is gone.
 */
#ifndef M2MD_GW_TUNNEL_H
#define M2MD_GW_TUNNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "gateway.h"
#include "tunnel.h"

struct m2md_gw_tunnel {
	const struct m2md_config *cfg;
	struct m2md_gateway *gw;
	struct m2m_nl *nl;		/* the main loop's socket */
	bool up;			/* interface created and peer added */
	int32_t key_serial;		/* Kmc bound to the peer */
	struct m2md_retired_keys retired;
	/* The peer that the event thread watches, under lock. */
	pthread_mutex_t lock;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	atomic_int event;		/* pending M2MSEC_EVENT_*, 0 = none */
};

void m2md_gw_tunnel_init(struct m2md_gw_tunnel *t,
			 const struct m2md_config *cfg,
			 struct m2md_gateway *gw, struct m2m_nl *nl);

/*
 * Bind the Kmc key_serial (key id key_id) of node_id to the tunnel:
 * create the interface and the peer the first time, else rebind the
 * peer's key (a rekey) and retire the old one. Then send the NSCL
 * requests through the tunnel. Returns 0 or a negative errno (logged).
 */
int m2md_gw_tunnel_bind(struct m2md_gw_tunnel *t,
			const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			int32_t key_serial,
			const uint8_t key_id[M2MSEC_KEY_ID_LEN]);

/* Return and clear the pending peer event (0 when there is none). */
int m2md_gw_tunnel_take_event(struct m2md_gw_tunnel *t);

/* Unlink the retired keys that are due. */
void m2md_gw_tunnel_reap(struct m2md_gw_tunnel *t);

/* Stop the event thread and unlink every retired key. */
void m2md_gw_tunnel_stop(struct m2md_gw_tunnel *t);

#endif /* M2MD_GW_TUNNEL_H */
