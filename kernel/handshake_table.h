/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per network namespace table of handshakes. An entry that a request
 * works on is busy: the request owns it until it publishes, releases or
 * destroys it, and it may sleep meanwhile.
 */
#ifndef _M2MSEC_HANDSHAKE_TABLE_H
#define _M2MSEC_HANDSHAKE_TABLE_H

#include <net/net_namespace.h>
#include <net/netlink.h>

#include "handshake_engine.h"

struct m2msec_hs_table;

struct m2msec_hs_table *m2msec_hs_table(struct net *net);
int m2msec_hs_reserve(struct m2msec_hs_table *t, struct m2msec_hs *hs,
		      struct netlink_ext_ack *extack);
struct m2msec_hs *m2msec_hs_claim(struct m2msec_hs_table *t, u32 index,
				  u8 role, struct netlink_ext_ack *extack);
void m2msec_hs_publish(struct m2msec_hs_table *t, struct m2msec_hs *hs,
		       u8 state);
void m2msec_hs_release(struct m2msec_hs_table *t, struct m2msec_hs *hs);
void m2msec_hs_destroy(struct m2msec_hs_table *t, struct m2msec_hs *hs);
void m2msec_hs_free(struct m2msec_hs *hs);
long m2msec_hs_walk(struct m2msec_hs_table *t, long skip,
		    int (*fill)(void *arg, const struct m2msec_hs *hs,
				unsigned long now),
		    void *arg);

#endif /* _M2MSEC_HANDSHAKE_TABLE_H */
