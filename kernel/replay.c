// SPDX-License-Identifier: GPL-2.0
/*
 * Replay window of DATA counters (RFC 6479 style). A receiver calls
 * m2msec_replay_check before it opens a packet, to drop a replay without
 * decrypting it, and m2msec_replay_accept only after the tag verified,
 * so that a forged packet never moves the window.
 */
#include <linux/string.h>

#include "replay.h"

void m2msec_replay_reset(struct m2msec_replay *win)
{
	memset(win, 0, sizeof(*win));
}

static unsigned int m2msec_replay_word(u64 counter)
{
	return (counter / 64) % M2MSEC_REPLAY_WORDS;
}

static u64 m2msec_replay_bit(u64 counter)
{
	return 1ULL << (counter % 64);
}

/**
 * m2msec_replay_check - tell whether a counter may still be accepted
 * @win: the window
 * @counter: the counter of a packet not yet verified
 *
 * Return: false for a counter already accepted or older than the window.
 */
bool m2msec_replay_check(const struct m2msec_replay *win, u64 counter)
{
	if (!win->any || counter > win->highest)
		return true;
	if (win->highest - counter >= M2MSEC_REPLAY_WINDOW)
		return false;
	return !(win->ring[m2msec_replay_word(counter)] &
		 m2msec_replay_bit(counter));
}

/* Moves the front of the window to counter, clearing the words passed. */
static void m2msec_replay_advance(struct m2msec_replay *win, u64 counter)
{
	u64 first = win->highest / 64 + 1;
	u64 last = counter / 64;
	u64 word;

	if (!win->any) {
		memset(win->ring, 0, sizeof(win->ring));
	} else if (last >= first) {
		if (last - first >= M2MSEC_REPLAY_WORDS)
			memset(win->ring, 0, sizeof(win->ring));
		else
			for (word = first; word <= last; word++)
				win->ring[word % M2MSEC_REPLAY_WORDS] = 0;
	}
	win->highest = counter;
	win->any = true;
}

/**
 * m2msec_replay_accept - record the counter of a verified packet
 * @win: the window
 * @counter: the counter of a packet whose tag verified
 *
 * Return: false, changing nothing, when the counter was already accepted
 * or is older than the window (another packet may have raced it in).
 */
bool m2msec_replay_accept(struct m2msec_replay *win, u64 counter)
{
	if (!m2msec_replay_check(win, counter))
		return false;
	if (!win->any || counter > win->highest)
		m2msec_replay_advance(win, counter);
	win->ring[m2msec_replay_word(counter)] |= m2msec_replay_bit(counter);
	return true;
}
