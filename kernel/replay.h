/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay window of DATA counters in the style of RFC 6479: a ring of
 * 64-bit words, where moving the window forward clears whole words
 * instead of shifting bits.
 */
#ifndef _M2MSEC_REPLAY_H
#define _M2MSEC_REPLAY_H

#include <linux/types.h>

#define M2MSEC_REPLAY_WORDS	64
#define M2MSEC_REPLAY_BITS	(M2MSEC_REPLAY_WORDS * 64)
/*
 * Counters accepted behind the highest one: the ring minus one word,
 * which the ring needs for the partly filled word at the front.
 */
#define M2MSEC_REPLAY_WINDOW	(M2MSEC_REPLAY_BITS - 64)

/*
 * The window of one receiving key. The caller serializes access, for
 * example with the lock of the peer that owns the key.
 */
struct m2msec_replay {
	u64 highest;		/* highest counter accepted */
	bool any;		/* false until the first counter is accepted */
	u64 ring[M2MSEC_REPLAY_WORDS];
};

void m2msec_replay_reset(struct m2msec_replay *win);
bool m2msec_replay_check(const struct m2msec_replay *win, u64 counter);
bool m2msec_replay_accept(struct m2msec_replay *win, u64 counter);

#endif /* _M2MSEC_REPLAY_H */
