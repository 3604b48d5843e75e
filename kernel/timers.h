/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-peer timers. The key timer wakes at the nearest deadline of the
 * peer's keypairs (rekey wanted, expiry, end of the grace period of a
 * replaced keypair); the keepalive timer sends an empty DATA message when
 * nothing was sent for peer->keepalive seconds.
 */
#ifndef _M2MSEC_TIMERS_H
#define _M2MSEC_TIMERS_H

struct m2msec_peer;

void m2msec_timers_init(struct m2msec_peer *peer);
/* Stops both timers and the key work for good; may sleep. */
void m2msec_timers_stop(struct m2msec_peer *peer);
/* Re-arms the key timer for the nearest deadline; keypair_lock held. */
void m2msec_key_timer_update(struct m2msec_peer *peer);
/* Re-arms the keepalive timer after peer->keepalive changed. */
void m2msec_keepalive_timer_update(struct m2msec_peer *peer);

#endif /* _M2MSEC_TIMERS_H */
