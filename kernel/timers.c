// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer timers. Key deadlines are Unix seconds (the key's expiry is
 * wall-clock time), converted to jiffies each time the timer is armed.
 * The key timer only queues the key work, which handles the deadlines in
 * process context, so that a keypair it retires can drop its key watch.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "timers.h"

/* Maximum wait armed at once, so the jiffies sum cannot overflow. */
#define M2MSEC_TIMER_MAX_SECS	(24 * 3600)

static struct m2msec_keypair *m2msec_slot(struct m2msec_keypair __rcu **slot,
					  struct m2msec_peer *peer)
{
	return rcu_dereference_protected(*slot,
					 lockdep_is_held(&peer->keypair_lock));
}

/* Earliest of *deadline and t, both Unix seconds. */
static void m2msec_deadline_min(time64_t *deadline, time64_t t)
{
	if (!*deadline || t < *deadline)
		*deadline = t;
}

/*
 * The nearest expiry deadline of a live keypair, or its rekey deadline if
 * it seals and that comes first; 0 if none.
 */
static time64_t m2msec_keypair_deadline(const struct m2msec_keypair *kp,
					bool seals)
{
	time64_t deadline = 0;

	if (!kp || READ_ONCE(kp->dead))
		return 0;
	if (seals && !kp->rekey_sent)
		m2msec_deadline_min(&deadline, kp->rekey_at);
	m2msec_deadline_min(&deadline, kp->expires);
	return deadline;
}

void m2msec_key_timer_update(struct m2msec_peer *peer)
{
	struct m2msec_keypair *prev = m2msec_slot(&peer->previous_kp, peer);
	time64_t now = ktime_get_real_seconds();
	time64_t deadline = 0, t;
	unsigned long expires = 0;
	bool armed = false;

	lockdep_assert_held(&peer->keypair_lock);
	if (peer->dead)
		return;
	t = m2msec_keypair_deadline(m2msec_slot(&peer->current_kp, peer),
				    true);
	if (t)
		m2msec_deadline_min(&deadline, t);
	t = m2msec_keypair_deadline(m2msec_slot(&peer->next_kp, peer), true);
	if (t)
		m2msec_deadline_min(&deadline, t);
	t = m2msec_keypair_deadline(prev, false);
	if (t)
		m2msec_deadline_min(&deadline, t);
	if (deadline) {
		t = clamp_t(time64_t, deadline - now, 0, M2MSEC_TIMER_MAX_SECS);
		expires = jiffies + t * HZ;
		armed = true;
	}
	if (prev && prev->retire_at &&
	    (!armed || time_before(prev->retire_at, expires))) {
		expires = prev->retire_at;
		armed = true;
	}
	if (armed)
		mod_timer(&peer->key_timer, expires);
	else
		timer_delete(&peer->key_timer);
}

static void m2msec_key_timer_fire(struct timer_list *timer)
{
	struct m2msec_peer *peer = from_timer(peer, timer, key_timer);

	queue_work(system_unbound_wq, &peer->key_work);
}

/* Marks an expired keypair dead, or requests a rekey once. */
static void m2msec_keypair_check_time(struct m2msec_peer *peer,
				      struct m2msec_keypair *kp,
				      time64_t now)
{
	if (!kp || READ_ONCE(kp->dead))
		return;
	if (now >= kp->expires) {
		WRITE_ONCE(kp->dead, true);
		if (!kp->expired_sent) {
			kp->expired_sent = true;
			m2msec_nl_notify_peer(peer, M2MSEC_EVENT_KEY_EXPIRED,
					      kp);
		}
		return;
	}
	/* A previous keypair no longer seals, so it needs no rekey. */
	if (now >= kp->rekey_at && !kp->rekey_sent &&
	    kp != m2msec_slot(&peer->previous_kp, peer)) {
		kp->rekey_sent = true;
		m2msec_nl_notify_peer(peer, M2MSEC_EVENT_REKEY_WANTED, kp);
	}
}

static void m2msec_key_work(struct work_struct *work)
{
	struct m2msec_peer *peer = container_of(work, struct m2msec_peer,
						key_work);
	time64_t now = ktime_get_real_seconds();
	struct m2msec_keypair *retired = NULL, *prev;

	spin_lock_bh(&peer->keypair_lock);
	if (peer->dead) {
		spin_unlock_bh(&peer->keypair_lock);
		return;
	}
	m2msec_keypair_check_time(peer, m2msec_slot(&peer->current_kp, peer),
				  now);
	m2msec_keypair_check_time(peer, m2msec_slot(&peer->next_kp, peer),
				  now);
	prev = m2msec_slot(&peer->previous_kp, peer);
	m2msec_keypair_check_time(peer, prev, now);
	if (prev && prev->retire_at && time_after_eq(jiffies, prev->retire_at))
		retired = m2msec_peer_take_previous(peer);
	m2msec_peer_update_state(peer);
	m2msec_key_timer_update(peer);
	spin_unlock_bh(&peer->keypair_lock);

	if (retired) {
		m2msec_key_unwatch(&retired->watch);
		m2msec_keypair_put(retired);
	}
}

/*
 * Sends a keepalive when nothing was sent for peer->keepalive seconds,
 * counting sent keepalives too, and wakes again when that time would have
 * passed since the last packet.
 */
static void m2msec_keepalive_fire(struct timer_list *timer)
{
	struct m2msec_peer *peer = from_timer(peer, timer, keepalive_timer);
	unsigned long interval = READ_ONCE(peer->keepalive) * HZ;
	unsigned long now = jiffies;
	unsigned long last;

	if (!interval || READ_ONCE(peer->dead))
		return;
	last = READ_ONCE(peer->last_tx_jiffies);
	if (time_after(peer->keepalive_sent, last))
		last = peer->keepalive_sent;
	if (time_after_eq(now, last + interval)) {
		peer->keepalive_sent = now;
		m2msec_send_keepalive(peer);
		last = now;
	}
	mod_timer(&peer->keepalive_timer, last + interval);
}

void m2msec_keepalive_timer_update(struct m2msec_peer *peer)
{
	u16 seconds = READ_ONCE(peer->keepalive);

	if (READ_ONCE(peer->dead))
		return;
	if (seconds)
		mod_timer(&peer->keepalive_timer, jiffies + seconds * HZ);
	else
		timer_delete(&peer->keepalive_timer);
}

void m2msec_timers_init(struct m2msec_peer *peer)
{
	peer->last_tx_jiffies = jiffies;
	peer->keepalive_sent = jiffies;
	timer_setup(&peer->key_timer, m2msec_key_timer_fire, 0);
	timer_setup(&peer->keepalive_timer, m2msec_keepalive_fire, 0);
	INIT_WORK(&peer->key_work, m2msec_key_work);
}

/*
 * peer->dead is set, so neither the key work nor a packet re-arms a timer
 * after it was shut down.
 */
void m2msec_timers_stop(struct m2msec_peer *peer)
{
	timer_shutdown_sync(&peer->keepalive_timer);
	timer_shutdown_sync(&peer->key_timer);
	cancel_work_sync(&peer->key_work);
}
