// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace table of handshakes in progress and of
 * finished responder handshakes, keyed by own index, bounded by
 * max_half_open and timed out after half_open_timeout_ms.
 *
 * Locking: each table has a spinlock that guards the hash, the age list,
 * the count and the table fields of every entry (state, busy, stamp). A
 * request that works on an entry marks it busy under the lock and then
 * runs crypto and keyring calls without the lock. Nothing else frees or
 * changes a busy entry.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "handshake.h"
#include "handshake_table.h"
#include "netlink.h"

static unsigned int m2msec_max_half_open = 256;
module_param_named(max_half_open, m2msec_max_half_open, uint, 0644);
MODULE_PARM_DESC(max_half_open,
		 "Maximum number of handshakes kept per network namespace, in progress or finished (default 256)");

static unsigned int m2msec_half_open_timeout_ms = 30000;

static int m2msec_param_set_timeout(const char *val,
				    const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = kstrtouint(val, 0, &ms);
	if (err)
		return err;
	if (ms == 0)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops m2msec_timeout_ops = {
	.set = m2msec_param_set_timeout,
	.get = param_get_uint,
};
module_param_cb(half_open_timeout_ms, &m2msec_timeout_ops,
		&m2msec_half_open_timeout_ms, 0644);
MODULE_PARM_DESC(half_open_timeout_ms,
		 "Milliseconds after which a handshake is dropped, in progress or finished (default 30000, at least 1)");

#define M2MSEC_HS_HASH_BITS 8

/* The handshakes of one network namespace. */
struct m2msec_hs_table {
	spinlock_t lock;		/* guards everything below */
	DECLARE_HASHTABLE(by_index, M2MSEC_HS_HASH_BITS);
	struct list_head by_age;	/* oldest stamp first */
	unsigned int count;
	struct delayed_work gc;
};

static unsigned int m2msec_hs_net_id __read_mostly;

struct m2msec_hs_table *m2msec_hs_table(struct net *net)
{
	return net_generic(net, m2msec_hs_net_id);
}

static unsigned long m2msec_hs_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(m2msec_half_open_timeout_ms));
}

static bool m2msec_hs_expired(const struct m2msec_hs *hs, unsigned long now)
{
	return time_after_eq(now, hs->stamp + m2msec_hs_timeout());
}

/* Frees a handshake; kfree_sensitive wipes every secret it holds. */
void m2msec_hs_free(struct m2msec_hs *hs)
{
	m2msec_hs_wipe(hs);
	kfree_sensitive(hs);
}

static void m2msec_hs_unlink(struct m2msec_hs_table *t, struct m2msec_hs *hs)
{
	hash_del(&hs->index_node);
	list_del(&hs->age_node);
	t->count--;
}

static struct m2msec_hs *m2msec_hs_find(struct m2msec_hs_table *t, u32 index)
{
	struct m2msec_hs *hs;

	hash_for_each_possible(t->by_index, hs, index_node, index)
		if (hs->index == index)
			return hs;
	return NULL;
}

/* Moves expired entries that no request owns to the list dead. */
static void m2msec_hs_collect_expired(struct m2msec_hs_table *t,
				      struct list_head *dead)
{
	unsigned long now = jiffies;
	struct m2msec_hs *hs, *tmp;

	lockdep_assert_held(&t->lock);
	list_for_each_entry_safe(hs, tmp, &t->by_age, age_node) {
		if (!m2msec_hs_expired(hs, now))
			break;
		if (hs->busy)
			continue;
		m2msec_hs_unlink(t, hs);
		list_add(&hs->age_node, dead);
	}
}

static void m2msec_hs_free_list(struct list_head *dead)
{
	struct m2msec_hs *hs, *tmp;

	list_for_each_entry_safe(hs, tmp, dead, age_node) {
		pr_debug("m2msec: handshake %u dropped (timed out)\n",
			 hs->index);
		list_del(&hs->age_node);
		m2msec_hs_free(hs);
	}
}

/* Schedules the collector for when the oldest entry expires. */
static void m2msec_hs_gc_schedule(struct m2msec_hs_table *t)
{
	unsigned long delay = m2msec_hs_timeout();
	struct m2msec_hs *oldest;

	lockdep_assert_held(&t->lock);
	oldest = list_first_entry_or_null(&t->by_age, struct m2msec_hs,
					  age_node);
	if (!oldest)
		return;
	if (time_before(jiffies, oldest->stamp + delay))
		delay = oldest->stamp + delay - jiffies;
	else
		delay = 1;
	mod_delayed_work(system_power_efficient_wq, &t->gc, delay);
}

static void m2msec_hs_gc_work(struct work_struct *work)
{
	struct m2msec_hs_table *t = container_of(to_delayed_work(work),
						 struct m2msec_hs_table, gc);
	LIST_HEAD(dead);

	spin_lock(&t->lock);
	m2msec_hs_collect_expired(t, &dead);
	m2msec_hs_gc_schedule(t);
	spin_unlock(&t->lock);
	m2msec_hs_free_list(&dead);
}

/* Evicts the oldest finished responder entry to make room. */
static bool m2msec_hs_evict_done(struct m2msec_hs_table *t,
				 struct list_head *dead)
{
	struct m2msec_hs *hs;

	list_for_each_entry(hs, &t->by_age, age_node) {
		if (hs->state == M2MSEC_HS_STATE_DONE && !hs->busy) {
			m2msec_hs_unlink(t, hs);
			list_add(&hs->age_node, dead);
			return true;
		}
	}
	return false;
}

/*
 * Inserts a new handshake, busy and in state 0, under a fresh index that
 * no entry of the namespace uses. A full table evicts a finished entry
 * but never one in progress.
 */
int m2msec_hs_reserve(struct m2msec_hs_table *t, struct m2msec_hs *hs,
		      struct netlink_ext_ack *extack)
{
	unsigned int max = READ_ONCE(m2msec_max_half_open);
	LIST_HEAD(dead);
	int err = 0;
	u32 index;

	spin_lock(&t->lock);
	m2msec_hs_collect_expired(t, &dead);
	if (t->count >= max && !m2msec_hs_evict_done(t, &dead)) {
		NL_SET_ERR_MSG(extack, "half-open handshake table full");
		err = -EBUSY;
		goto out;
	}
	do {
		index = m2msec_hs_draw_index(NULL);
	} while (m2msec_hs_find(t, index));
	hs->index = index;
	hs->state = 0;
	hs->busy = true;
	hs->stamp = jiffies;
	hash_add(t->by_index, &hs->index_node, index);
	list_add_tail(&hs->age_node, &t->by_age);
	t->count++;
out:
	spin_unlock(&t->lock);
	m2msec_hs_free_list(&dead);
	return err;
}

/* Gives up ownership of a busy entry in a new state, restarting its age. */
void m2msec_hs_publish(struct m2msec_hs_table *t, struct m2msec_hs *hs,
		       u8 state)
{
	spin_lock(&t->lock);
	hs->state = state;
	hs->busy = false;
	hs->stamp = jiffies;
	list_move_tail(&hs->age_node, &t->by_age);
	m2msec_hs_gc_schedule(t);
	spin_unlock(&t->lock);
}

/* Gives up ownership of a busy entry without a change. */
void m2msec_hs_release(struct m2msec_hs_table *t, struct m2msec_hs *hs)
{
	spin_lock(&t->lock);
	hs->busy = false;
	spin_unlock(&t->lock);
}

/* Removes and frees a busy entry that the caller owns. */
void m2msec_hs_destroy(struct m2msec_hs_table *t, struct m2msec_hs *hs)
{
	spin_lock(&t->lock);
	m2msec_hs_unlink(t, hs);
	spin_unlock(&t->lock);
	m2msec_hs_free(hs);
}

/*
 * Finds the live entry of a role by own index and marks it busy for the
 * caller. Returns an ERR_PTR: -ENOENT for no such entry, -EAGAIN while
 * another request works on it.
 *
 * An entry contains secrets derived from its PSK (ck1 or ck2). Only the
 * user that looked the PSK up may continue it, because another user with
 * CAP_NET_ADMIN in the namespace could otherwise link the key into its
 * own keyring without being allowed to search the PSK. Such an entry is
 * reported as missing.
 */
struct m2msec_hs *m2msec_hs_claim(struct m2msec_hs_table *t, u32 index,
				  u8 role, struct netlink_ext_ack *extack)
{
	struct m2msec_hs *hs;

	spin_lock(&t->lock);
	hs = m2msec_hs_find(t, index);
	if (!hs || hs->role != role || !hs->state ||
	    !uid_eq(hs->owner, current_fsuid()) ||
	    m2msec_hs_expired(hs, jiffies)) {
		spin_unlock(&t->lock);
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "no %s handshake with index %u",
					  role == M2MSEC_ROLE_INITIATOR ?
					  "initiator" : "responder", index);
		return ERR_PTR(-ENOENT);
	}
	if (hs->busy) {
		spin_unlock(&t->lock);
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "handshake %u is busy with another request, retry",
					  index);
		return ERR_PTR(-EAGAIN);
	}
	hs->busy = true;
	spin_unlock(&t->lock);
	return hs;
}

/**
 * m2msec_hs_walk - call fill for the live entries, oldest first
 * @t: the table
 * @skip: how many live entries to pass over first
 * @fill: called under the table lock, must not sleep; nonzero stops
 * @arg: passed to @fill
 *
 * Entries still being built and expired entries are not live.
 *
 * Return: @skip plus the number of entries that @fill accepted.
 */
long m2msec_hs_walk(struct m2msec_hs_table *t, long skip,
		    int (*fill)(void *arg, const struct m2msec_hs *hs,
				unsigned long now),
		    void *arg)
{
	unsigned long now = jiffies;
	struct m2msec_hs *hs;
	long pos = 0;

	spin_lock(&t->lock);
	list_for_each_entry(hs, &t->by_age, age_node) {
		if (!hs->state || m2msec_hs_expired(hs, now))
			continue;
		if (pos < skip) {
			pos++;
			continue;
		}
		if (fill(arg, hs, now))
			break;
		pos++;
	}
	spin_unlock(&t->lock);
	return pos;
}

static int __net_init m2msec_hs_net_init(struct net *net)
{
	struct m2msec_hs_table *t = m2msec_hs_table(net);

	spin_lock_init(&t->lock);
	hash_init(t->by_index);
	INIT_LIST_HEAD(&t->by_age);
	t->count = 0;
	INIT_DELAYED_WORK(&t->gc, m2msec_hs_gc_work);
	return 0;
}

static void __net_exit m2msec_hs_net_exit(struct net *net)
{
	struct m2msec_hs_table *t = m2msec_hs_table(net);
	struct m2msec_hs *hs, *tmp;

	cancel_delayed_work_sync(&t->gc);
	/* No request runs in a namespace that is going away. */
	list_for_each_entry_safe(hs, tmp, &t->by_age, age_node) {
		m2msec_hs_unlink(t, hs);
		m2msec_hs_free(hs);
	}
}

static struct pernet_operations m2msec_hs_net_ops = {
	.init = m2msec_hs_net_init,
	.exit = m2msec_hs_net_exit,
	.id = &m2msec_hs_net_id,
	.size = sizeof(struct m2msec_hs_table),
};

int m2msec_handshake_init(void)
{
	return register_pernet_subsys(&m2msec_hs_net_ops);
}

void m2msec_handshake_exit(void)
{
	unregister_pernet_subsys(&m2msec_hs_net_ops);
}
