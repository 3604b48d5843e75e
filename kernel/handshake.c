// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake of protocol version 1 (X25519 + HKDF-SHA256, modes
 * bootstrap and connect): the engine of both roles, the per network
 * namespace table of handshakes in progress, and the generic netlink
 * handlers of the handshake commands.
 *
 * Locking: each namespace's table has a spinlock that guards the hash,
 * the age list, the count and the table fields of every entry (state,
 * busy, stamp). A request that works on an entry marks it busy under the
 * lock and then runs crypto and keyring calls without it; nothing else
 * frees or changes a busy entry.
 */
#include <crypto/algapi.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "crypto.h"
#include "handshake.h"
#include "handshake_engine.h"
#include "keys.h"
#include "msg.h"
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

/* ck0 = SHA-256 of this ASCII name, without a terminator. */
static const char m2msec_hs_protocol_name[] = "m2msec/1 X25519 HKDF-SHA256";

/* ---- Engine: the key schedule ---- */

static int m2msec_hs_ck1(const u8 psk[M2MSEC_KEY_LEN],
			 u8 ck1[M2MSEC_HASH_LEN],
			 struct m2msec_hs_trace *trace)
{
	u8 ck0[M2MSEC_HASH_LEN];
	int err;

	err = m2msec_sha256((const u8 *)m2msec_hs_protocol_name,
			    sizeof(m2msec_hs_protocol_name) - 1, ck0);
	if (!err)
		err = m2msec_hkdf_extract(ck0, psk, M2MSEC_KEY_LEN, ck1);
	if (!err && trace) {
		memcpy(trace->ck0, ck0, M2MSEC_HASH_LEN);
		memcpy(trace->ck1, ck1, M2MSEC_HASH_LEN);
	}
	return err;
}

/* ck2 = HKDF-Extract(ck1, X25519(own private, peer public)). */
static int m2msec_hs_ck2(const u8 ck1[M2MSEC_HASH_LEN],
			 const u8 private_key[M2MSEC_X25519_LEN],
			 const u8 peer_public[M2MSEC_X25519_LEN],
			 u8 ck2[M2MSEC_HASH_LEN],
			 struct m2msec_hs_trace *trace)
{
	u8 dh[M2MSEC_X25519_LEN];
	int err;

	err = m2msec_x25519(private_key, peer_public, dh);
	if (!err)
		err = m2msec_hkdf_extract(ck1, dh, sizeof(dh), ck2);
	if (!err && trace) {
		memcpy(trace->dh, dh, sizeof(dh));
		memcpy(trace->ck2, ck2, M2MSEC_HASH_LEN);
	}
	memzero_explicit(dh, sizeof(dh));
	return err;
}

/* mac = HMAC-SHA256(HKDF-Expand(ck2, label, 32), th). */
static int m2msec_hs_mac(const u8 ck2[M2MSEC_HASH_LEN], const char *label,
			 const u8 th[M2MSEC_HASH_LEN], u8 mac[M2MSEC_MAC_LEN])
{
	u8 mac_key[M2MSEC_HASH_LEN];
	int err;

	err = m2msec_hkdf_expand_label(ck2, label, NULL, 0, mac_key,
				       sizeof(mac_key));
	if (!err)
		err = m2msec_hmac_sha256(mac_key, sizeof(mac_key), th,
					 M2MSEC_HASH_LEN, mac);
	memzero_explicit(mac_key, sizeof(mac_key));
	return err;
}

/* key and key_id, both bound to the transcript th3. */
static int m2msec_hs_derive(u8 mode, const u8 ck2[M2MSEC_HASH_LEN],
			    const u8 th3[M2MSEC_HASH_LEN],
			    struct m2msec_hs_result *res)
{
	const char *label = mode == M2MSEC_MODE_BOOTSTRAP ? "m2msec Kmr" :
							    "m2msec Kmc";
	int err;

	err = m2msec_hkdf_expand_label(ck2, label, th3, M2MSEC_HASH_LEN,
				       res->key, M2MSEC_KEY_LEN);
	if (!err)
		err = m2msec_hkdf_expand_label(ck2, "m2msec key id", th3,
					       M2MSEC_HASH_LEN, res->key_id,
					       M2MSEC_KEY_ID_LEN);
	if (err)
		memzero_explicit(res->key, M2MSEC_KEY_LEN);
	return err;
}

/* ---- Engine: random inputs ---- */

/**
 * m2msec_hs_draw_index - choose an index candidate
 * @fixed: the self-test's fixed inputs, or NULL for a random index
 *
 * Return: a nonzero index; the table checks that it is unique.
 */
u32 m2msec_hs_draw_index(const struct m2msec_hs_fixed *fixed)
{
	if (fixed)
		return fixed->index;
	return get_random_u32_above(0);
}

/* Draws an ephemeral key pair and a nonce, or takes the fixed ones. */
static int m2msec_hs_draw_ephemeral(u8 private_key[M2MSEC_X25519_LEN],
				    u8 public_key[M2MSEC_X25519_LEN],
				    u8 nonce[M2MSEC_NONCE_LEN],
				    const struct m2msec_hs_fixed *fixed)
{
	if (fixed) {
		memcpy(private_key, fixed->ephemeral_private,
		       M2MSEC_X25519_LEN);
		memcpy(nonce, fixed->nonce, M2MSEC_NONCE_LEN);
		return m2msec_x25519_public(private_key, public_key);
	}
	get_random_bytes(nonce, M2MSEC_NONCE_LEN);
	return m2msec_x25519_generate(private_key, public_key);
}

/**
 * m2msec_hs_pick_suite - choose the responder's suite
 * @offered: suites of the INIT (bit mask)
 * @accepted: suites that the responder accepts (bit mask)
 *
 * Return: the lowest-numbered common suite, or 0 when there is none.
 */
u8 m2msec_hs_pick_suite(u8 offered, u8 accepted)
{
	u8 common = offered & accepted & M2MSEC_SUITES_ALL;

	return common ? __ffs(common) + 1 : 0;
}

/* ---- Engine: the steps of both roles ---- */

/* Wipes every secret of a handshake; the public fields stay. */
void m2msec_hs_wipe(struct m2msec_hs *hs)
{
	memzero_explicit(hs->ephemeral_private, sizeof(hs->ephemeral_private));
	memzero_explicit(hs->ck, sizeof(hs->ck));
	memzero_explicit(hs->th3, sizeof(hs->th3));
}

/**
 * m2msec_hs_initiate - make the INIT of an initiator
 * @hs: the handshake with mode, suites, id and index set
 * @psk: the bootstrap credential or Kmr
 * @fixed: the self-test's fixed inputs, or NULL
 *
 * Stores the INIT in hs->init_msg and keeps ck1 and the ephemeral
 * private key for the RESP. The PSK itself is not kept.
 *
 * Return: 0 or a negative errno; on error no secret is left in @hs.
 */
int m2msec_hs_initiate(struct m2msec_hs *hs, const u8 psk[M2MSEC_KEY_LEN],
		       const struct m2msec_hs_fixed *fixed)
{
	struct m2msec_init *init;
	int len;
	int err;

	init = kzalloc(sizeof(*init), GFP_KERNEL);
	if (!init)
		return -ENOMEM;
	init->hdr.mode = hs->mode;
	init->hdr.suites = hs->suites;
	init->hdr.index = hs->index;
	init->id = hs->id;
	err = m2msec_hs_draw_ephemeral(hs->ephemeral_private, init->ephemeral,
				       init->nonce, fixed);
	if (err)
		goto out;
	len = m2msec_msg_build_init(init, hs->init_msg, sizeof(hs->init_msg));
	if (len < 0) {
		err = len;
		goto out;
	}
	hs->init_len = len;
	err = m2msec_hs_ck1(psk, hs->ck, fixed ? fixed->trace : NULL);
out:
	kfree(init);
	if (err)
		m2msec_hs_wipe(hs);
	return err;
}

/* Fills a RESP structure from the handshake and the caller's fields. */
static int m2msec_hs_fill_resp(struct m2msec_hs *hs,
			       const struct m2msec_init *init,
			       const struct m2msec_resp_fields *fields,
			       struct m2msec_resp *resp)
{
	resp->hdr.mode = hs->mode;
	resp->hdr.suites = hs->suites;
	resp->hdr.index = hs->index;
	resp->fields = *fields;
	hs->peer_index = init->hdr.index;
	hs->id = init->id;
	hs->key_index = fields->key_index;
	hs->lifetime = fields->lifetime;
	if (hs->mode == M2MSEC_MODE_BOOTSTRAP)
		memcpy(hs->node_id, fields->node_id, M2MSEC_NODE_ID_LEN);
	else if (init->id.len == M2MSEC_NODE_ID_LEN)
		memcpy(hs->node_id, init->id.data, M2MSEC_NODE_ID_LEN);
	else
		return -EINVAL;
	return 0;
}

/* Computes th2, writes mac_r into the RESP, and keeps th3. */
static int m2msec_hs_seal_resp(struct m2msec_hs *hs, const u8 *init_msg,
			       size_t init_len, u8 *resp_msg, size_t resp_len,
			       struct m2msec_hs_trace *trace)
{
	u8 *mac_r = resp_msg + resp_len - M2MSEC_MAC_LEN;
	u8 th2[M2MSEC_HASH_LEN];
	int err;

	err = m2msec_sha256_2(init_msg, init_len, resp_msg,
			      resp_len - M2MSEC_MAC_LEN, th2);
	if (!err)
		err = m2msec_hs_mac(hs->ck, "m2msec resp mac", th2, mac_r);
	if (!err)
		err = m2msec_sha256_2(init_msg, init_len, resp_msg, resp_len,
				      hs->th3);
	if (!err && trace) {
		memcpy(trace->th2, th2, sizeof(th2));
		memcpy(trace->th3, hs->th3, sizeof(hs->th3));
	}
	return err;
}

/**
 * m2msec_hs_respond - answer an INIT with a RESP
 * @hs: the responder's handshake with mode, suites (the chosen suite, 0
 *	in bootstrap mode) and index set
 * @init: the parsed INIT
 * @init_msg: the INIT's bytes, for the transcript
 * @init_len: their length
 * @fields: the RESP fields chosen by the caller
 * @psk: the PSK named by the INIT's id
 * @resp_msg: receives the RESP
 * @resp_size: size of @resp_msg
 * @fixed: the self-test's fixed inputs, or NULL
 * @reason: receives a static description of a failure
 *
 * Keeps ck2 and th3 for the FINISH and the public metadata of the key.
 *
 * Return: the RESP length, -EKEYREJECTED for an all-zero X25519 result,
 * -EINVAL for fields that make no valid RESP, or another negative errno.
 * On error no secret is left in @hs.
 */
int m2msec_hs_respond(struct m2msec_hs *hs, const struct m2msec_init *init,
		      const u8 *init_msg, size_t init_len,
		      const struct m2msec_resp_fields *fields,
		      const u8 psk[M2MSEC_KEY_LEN], u8 *resp_msg,
		      size_t resp_size, const struct m2msec_hs_fixed *fixed,
		      const char **reason)
{
	struct m2msec_hs_trace *trace = fixed ? fixed->trace : NULL;
	u8 private_key[M2MSEC_X25519_LEN];
	u8 ck1[M2MSEC_HASH_LEN];
	struct m2msec_resp *resp;
	int len = 0;
	int err;

	*reason = "key schedule computation failed";
	resp = kzalloc(sizeof(*resp), GFP_KERNEL);
	if (!resp)
		return -ENOMEM;
	err = m2msec_hs_fill_resp(hs, init, fields, resp);
	if (err) {
		*reason = "INIT id is not a node id";
		goto out;
	}
	err = m2msec_hs_draw_ephemeral(private_key, resp->ephemeral,
				       resp->nonce, fixed);
	if (!err)
		err = m2msec_hs_ck1(psk, ck1, trace);
	if (!err) {
		err = m2msec_hs_ck2(ck1, private_key, init->ephemeral, hs->ck,
				    trace);
		if (err == -EKEYREJECTED)
			*reason = "X25519 result is all zero (low-order INIT ephemeral)";
	}
	if (err)
		goto out;
	len = m2msec_msg_build_resp(resp, init->hdr.suites, resp_msg,
				    resp_size);
	if (len < 0) {
		err = len;
		*reason = "RESP fields are invalid";
		goto out;
	}
	err = m2msec_hs_seal_resp(hs, init_msg, init_len, resp_msg, len,
				  trace);
out:
	memzero_explicit(private_key, sizeof(private_key));
	memzero_explicit(ck1, sizeof(ck1));
	kfree(resp);
	if (err) {
		m2msec_hs_wipe(hs);
		return err;
	}
	return len;
}

/* Checks a RESP's header against the INIT and parses it. */
static int m2msec_hs_parse_resp(struct m2msec_hs *hs, const u8 *msg,
				size_t len, struct m2msec_resp *resp,
				const char **reason)
{
	struct m2msec_hdr hdr;
	int err;

	err = m2msec_msg_parse_hdr(msg, len, &hdr, reason);
	if (err)
		return err;
	if (hdr.type == M2MSEC_MSG_RESP && hdr.mode != hs->mode) {
		*reason = "RESP mode does not match the INIT's mode";
		return -EPROTO;
	}
	return m2msec_msg_parse_resp(msg, len, hs->suites, resp, reason);
}

/* Verifies mac_r and builds the FINISH; leaves th3 in th3. */
static int m2msec_hs_check_resp(struct m2msec_hs *hs, const u8 *msg,
				size_t len, const struct m2msec_resp *resp,
				const u8 ck2[M2MSEC_HASH_LEN],
				u8 th3[M2MSEC_HASH_LEN],
				struct m2msec_hs_result *res,
				struct m2msec_hs_trace *trace,
				const char **reason)
{
	struct m2msec_finish finish = {};
	u8 th2[M2MSEC_HASH_LEN];
	u8 mac[M2MSEC_MAC_LEN];
	int err;

	err = m2msec_sha256_2(hs->init_msg, hs->init_len, msg,
			      len - M2MSEC_MAC_LEN, th2);
	if (!err)
		err = m2msec_hs_mac(ck2, "m2msec resp mac", th2, mac);
	if (err)
		return err;
	if (trace)
		memcpy(trace->th2, th2, sizeof(th2));
	if (crypto_memneq(mac, resp->mac, M2MSEC_MAC_LEN)) {
		*reason = "mac_r does not verify";
		return -EKEYREJECTED;
	}
	err = m2msec_sha256_2(hs->init_msg, hs->init_len, msg, len, th3);
	if (!err)
		err = m2msec_hs_mac(ck2, "m2msec init mac", th3, finish.mac);
	if (err)
		return err;
	if (trace)
		memcpy(trace->th3, th3, M2MSEC_HASH_LEN);
	finish.hdr.mode = hs->mode;
	finish.hdr.index = resp->hdr.index;
	err = m2msec_msg_build_finish(&finish, res->finish,
				      sizeof(res->finish));
	return err < 0 ? err : 0;
}

/**
 * m2msec_hs_complete - check a RESP as the initiator and make the FINISH
 * @hs: the initiator's handshake after m2msec_hs_initiate
 * @msg: the RESP's bytes (untrusted)
 * @len: their length
 * @resp: receives the parsed RESP
 * @res: receives the key, key id and FINISH, only after mac_r verifies
 * @fixed: the self-test's fixed inputs (for the trace), or NULL
 * @reason: receives a static description of a failure
 *
 * Wipes the handshake's secrets whatever the outcome.
 *
 * Return: 0, -EBADMSG for a malformed RESP, -EPROTO for a mode or suite
 * that the INIT did not offer, -EKEYREJECTED when authentication fails,
 * or another negative errno.
 */
int m2msec_hs_complete(struct m2msec_hs *hs, const u8 *msg, size_t len,
		       struct m2msec_resp *resp, struct m2msec_hs_result *res,
		       const struct m2msec_hs_fixed *fixed, const char **reason)
{
	struct m2msec_hs_trace *trace = fixed ? fixed->trace : NULL;
	u8 ck2[M2MSEC_HASH_LEN];
	u8 th3[M2MSEC_HASH_LEN];
	int err;

	err = m2msec_hs_parse_resp(hs, msg, len, resp, reason);
	if (err)
		goto out;
	*reason = "key schedule computation failed";
	err = m2msec_hs_ck2(hs->ck, hs->ephemeral_private, resp->ephemeral,
			    ck2, trace);
	if (err == -EKEYREJECTED)
		*reason = "X25519 result is all zero (low-order RESP ephemeral)";
	if (!err)
		err = m2msec_hs_check_resp(hs, msg, len, resp, ck2, th3, res,
					   trace, reason);
	if (!err)
		err = m2msec_hs_derive(hs->mode, ck2, th3, res);
	if (!err)
		hs->peer_index = resp->hdr.index;
out:
	memzero_explicit(ck2, sizeof(ck2));
	m2msec_hs_wipe(hs);
	return err;
}

/**
 * m2msec_hs_finish - check a FINISH as the responder
 * @hs: the responder's handshake after m2msec_hs_respond
 * @finish: the parsed FINISH, whose index named @hs
 * @res: receives the key and key id, only after mac_i verifies
 * @reason: receives a static description of a failure
 *
 * Wipes the handshake's secrets whatever the outcome.
 *
 * Return: 0, -EPROTO for a FINISH of the other mode, -EKEYREJECTED when
 * mac_i does not verify, or another negative errno.
 */
int m2msec_hs_finish(struct m2msec_hs *hs, const struct m2msec_finish *finish,
		     struct m2msec_hs_result *res, const char **reason)
{
	u8 mac[M2MSEC_MAC_LEN];
	int err;

	if (finish->hdr.mode != hs->mode) {
		*reason = "FINISH mode does not match the handshake's mode";
		err = -EPROTO;
		goto out;
	}
	*reason = "key schedule computation failed";
	err = m2msec_hs_mac(hs->ck, "m2msec init mac", hs->th3, mac);
	if (err)
		goto out;
	if (crypto_memneq(mac, finish->mac, M2MSEC_MAC_LEN)) {
		*reason = "mac_i does not verify";
		err = -EKEYREJECTED;
		goto out;
	}
	err = m2msec_hs_derive(hs->mode, hs->ck, hs->th3, res);
out:
	m2msec_hs_wipe(hs);
	return err;
}

/* ---- Table of handshakes per network namespace ---- */

#define M2MSEC_HS_HASH_BITS 8

struct m2msec_hs_table {
	spinlock_t lock;		/* guards everything below */
	DECLARE_HASHTABLE(by_index, M2MSEC_HS_HASH_BITS);
	struct list_head by_age;	/* oldest stamp first */
	unsigned int count;
	struct delayed_work gc;
};

static unsigned int m2msec_hs_net_id __read_mostly;

static struct m2msec_hs_table *m2msec_hs_table(struct net *net)
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
static void m2msec_hs_free(struct m2msec_hs *hs)
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
static int m2msec_hs_reserve(struct m2msec_hs_table *t, struct m2msec_hs *hs,
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
static void m2msec_hs_publish(struct m2msec_hs_table *t, struct m2msec_hs *hs,
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
static void m2msec_hs_release(struct m2msec_hs_table *t, struct m2msec_hs *hs)
{
	spin_lock(&t->lock);
	hs->busy = false;
	spin_unlock(&t->lock);
}

/* Removes and frees a busy entry that the caller owns. */
static void m2msec_hs_destroy(struct m2msec_hs_table *t, struct m2msec_hs *hs)
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
 */
static struct m2msec_hs *m2msec_hs_claim(struct m2msec_hs_table *t, u32 index,
					 u8 role, struct netlink_ext_ack *extack)
{
	struct m2msec_hs *hs;

	spin_lock(&t->lock);
	hs = m2msec_hs_find(t, index);
	if (!hs || hs->role != role || !hs->state ||
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

/* ---- Generic netlink: request attributes ---- */

/* Points the extended ack at attr with a static reason. */
static void m2msec_nl_set_reason(struct netlink_ext_ack *extack,
				 const struct nlattr *attr, const char *reason)
{
	if (!extack)
		return;
	extack->_msg = reason;
	extack->bad_attr = attr;
}

static const char *m2msec_mode_name(u8 mode)
{
	return mode == M2MSEC_MODE_BOOTSTRAP ? "bootstrap" : "connect";
}

/* Rejects an attribute that the other mode uses. */
static int m2msec_nl_forbid(struct genl_info *info, int attr,
			    const char *name, u8 mode)
{
	if (!info->attrs[attr])
		return 0;
	NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
	M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
				  "attribute %s does not apply to %s mode",
				  name, m2msec_mode_name(mode));
	return -EINVAL;
}

/*
 * Reads SUITES: connect mode defaults to both suites and needs a nonzero
 * mask of known suites; bootstrap mode has none (absent or 0).
 */
static int m2msec_nl_get_suites(struct genl_info *info, u8 mode, u8 *suites)
{
	struct nlattr *attr = info->attrs[M2MSEC_A_SUITES];
	u8 mask = attr ? nla_get_u8(attr) : 0;

	if (mode == M2MSEC_MODE_BOOTSTRAP) {
		*suites = 0;
		if (mask == 0)
			return 0;
		NL_SET_BAD_ATTR(info->extack, attr);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "SUITES 0x%x given in bootstrap mode, which has no suites",
					  mask);
		return -EINVAL;
	}
	if (!attr)
		mask = M2MSEC_SUITES_ALL;
	if (mask == 0 || (mask & ~M2MSEC_SUITES_ALL)) {
		NL_SET_BAD_ATTR(info->extack, attr);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "invalid SUITES 0x%x: expected a nonzero mask of 0x1 and 0x2",
					  mask);
		return -EINVAL;
	}
	*suites = mask;
	return 0;
}

/* Reads a string attribute of 1 to 255 bytes; a trailing NUL is dropped. */
static int m2msec_nl_get_str(struct genl_info *info, int attr,
			     const char *name, struct m2msec_str *s)
{
	struct nlattr *nla = info->attrs[attr];
	size_t len;
	int err;

	err = m2msec_nl_require(info, attr, name);
	if (err)
		return err;
	len = strnlen(nla_data(nla), nla_len(nla));
	if (len == 0 || len > M2MSEC_STR_MAX) {
		NL_SET_BAD_ATTR(info->extack, nla);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "%s is %zu bytes long, expected 1 to 255",
					  name, len);
		return -EINVAL;
	}
	memcpy(s->data, nla_data(nla), len);
	s->len = len;
	return 0;
}

static int m2msec_nl_get_boot_fields(struct genl_info *info,
				     struct m2msec_resp_fields *f)
{
	struct nlattr **attrs = info->attrs;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_NODE_ID, "NODE_ID") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEY_INDEX, "KEY_INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_LIFETIME, "LIFETIME") ?:
	      m2msec_nl_get_str(info, M2MSEC_A_MAS_FQDN, "MAS_FQDN",
				&f->mas_fqdn) ?:
	      m2msec_nl_get_str(info, M2MSEC_A_SCL_ID, "SCL_ID", &f->scl_id) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_CONN_ID, "CONN_ID",
			       M2MSEC_MODE_BOOTSTRAP) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_MID_FLAGS, "MID_FLAGS",
			       M2MSEC_MODE_BOOTSTRAP) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_NSCL_ID, "NSCL_ID",
			       M2MSEC_MODE_BOOTSTRAP);
	if (err)
		return err;
	if (nla_len(attrs[M2MSEC_A_NODE_ID]) != M2MSEC_NODE_ID_LEN) {
		NL_SET_BAD_ATTR(info->extack, attrs[M2MSEC_A_NODE_ID]);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "NODE_ID is %d bytes long, expected 16",
					  nla_len(attrs[M2MSEC_A_NODE_ID]));
		return -EINVAL;
	}
	memcpy(f->node_id, nla_data(attrs[M2MSEC_A_NODE_ID]),
	       M2MSEC_NODE_ID_LEN);
	f->key_index = nla_get_u32(attrs[M2MSEC_A_KEY_INDEX]);
	f->lifetime = nla_get_u32(attrs[M2MSEC_A_LIFETIME]);
	return 0;
}

static int m2msec_nl_get_conn_fields(struct genl_info *info,
				     struct m2msec_resp_fields *f)
{
	struct nlattr **attrs = info->attrs;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_CONN_ID, "CONN_ID") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEY_INDEX, "KEY_INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_LIFETIME, "LIFETIME") ?:
	      m2msec_nl_require(info, M2MSEC_A_MID_FLAGS, "MID_FLAGS") ?:
	      m2msec_nl_get_str(info, M2MSEC_A_NSCL_ID, "NSCL_ID",
				&f->nscl_id) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_NODE_ID, "NODE_ID",
			       M2MSEC_MODE_CONNECT) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_MAS_FQDN, "MAS_FQDN",
			       M2MSEC_MODE_CONNECT) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_SCL_ID, "SCL_ID",
			       M2MSEC_MODE_CONNECT);
	if (err)
		return err;
	f->conn_id = nla_get_u64(attrs[M2MSEC_A_CONN_ID]);
	f->key_index = nla_get_u32(attrs[M2MSEC_A_KEY_INDEX]);
	f->lifetime = nla_get_u32(attrs[M2MSEC_A_LIFETIME]);
	f->mid_flags = nla_get_u16(attrs[M2MSEC_A_MID_FLAGS]);
	if (f->lifetime == 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[M2MSEC_A_LIFETIME],
				    "LIFETIME must be nonzero in connect mode");
		return -EINVAL;
	}
	if (f->mid_flags & ~M2MSEC_MID_FLAGS_KNOWN) {
		NL_SET_BAD_ATTR(info->extack, attrs[M2MSEC_A_MID_FLAGS]);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "MID_FLAGS 0x%x sets reserved bits (only 0x1 is defined)",
					  f->mid_flags);
		return -EINVAL;
	}
	return 0;
}

/* ---- Generic netlink: replies ---- */

static struct sk_buff *m2msec_nl_reply_new(struct genl_info *info,
					   void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &m2msec_genl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Puts a str as a NUL-terminated string attribute. */
static int m2msec_nl_put_str(struct sk_buff *skb, int attr,
			     const struct m2msec_str *s)
{
	struct nlattr *nla = nla_reserve(skb, attr, s->len + 1);

	if (!nla)
		return -EMSGSIZE;
	memcpy(nla_data(nla), s->data, s->len);
	((char *)nla_data(nla))[s->len] = '\0';
	return 0;
}

static int m2msec_nl_put_resp_fields(struct sk_buff *skb,
				     const struct m2msec_resp *resp)
{
	const struct m2msec_resp_fields *f = &resp->fields;

	if (nla_put_u32(skb, M2MSEC_A_KEY_INDEX, f->key_index) ||
	    nla_put_u32(skb, M2MSEC_A_LIFETIME, f->lifetime))
		return -EMSGSIZE;
	if (resp->hdr.mode == M2MSEC_MODE_BOOTSTRAP) {
		if (nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN,
			    f->node_id) ||
		    m2msec_nl_put_str(skb, M2MSEC_A_MAS_FQDN, &f->mas_fqdn) ||
		    m2msec_nl_put_str(skb, M2MSEC_A_SCL_ID, &f->scl_id))
			return -EMSGSIZE;
		return 0;
	}
	if (nla_put_u64_64bit(skb, M2MSEC_A_CONN_ID, f->conn_id,
			      M2MSEC_A_PAD) ||
	    nla_put_u16(skb, M2MSEC_A_MID_FLAGS, f->mid_flags) ||
	    m2msec_nl_put_str(skb, M2MSEC_A_NSCL_ID, &f->nscl_id) ||
	    nla_put_u8(skb, M2MSEC_A_SUITE, resp->hdr.suites))
		return -EMSGSIZE;
	return 0;
}

/* Ends and sends a reply, or frees it and returns its fill error. */
static int m2msec_nl_reply_send(struct sk_buff *skb, void *hdr,
				struct genl_info *info, int fill_err)
{
	if (fill_err) {
		nlmsg_free(skb);
		return fill_err;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* Installs a handshake's key and announces it; wipes res->key. */
static key_serial_t m2msec_hs_install(struct genl_info *info,
				      struct m2msec_hs *hs,
				      struct m2msec_hs_result *res,
				      key_serial_t keyring)
{
	struct m2msec_key_meta meta = {};
	key_serial_t serial;

	memcpy(meta.node_id, hs->node_id, M2MSEC_NODE_ID_LEN);
	meta.key_index = hs->key_index;
	meta.lifetime = hs->lifetime;
	memcpy(meta.key_id, res->key_id, M2MSEC_KEY_ID_LEN);
	serial = m2msec_key_install(hs->mode, keyring, res->key, &meta,
				    info->extack);
	memzero_explicit(res->key, sizeof(res->key));
	if (serial < 0) {
		net_dbg_ratelimited("m2msec: handshake %u: key %*phN not installed: %d\n",
				    hs->index, M2MSEC_KEY_ID_LEN, res->key_id,
				    serial);
		return serial;
	}
	net_dbg_ratelimited("m2msec: handshake %u: %s key %*phN installed as %d\n",
			    hs->index, m2msec_mode_name(hs->mode),
			    M2MSEC_KEY_ID_LEN, res->key_id, serial);
	m2msec_nl_notify_key(genl_info_net(info), hs->mode, serial,
			     res->key_id, hs->node_id);
	return serial;
}

/* ---- Generic netlink: HS_INIT ---- */

/* Reads MODE, ID and SUITES of an HS_INIT request into hs. */
static int m2msec_nl_get_init_request(struct genl_info *info,
				      struct m2msec_hs *hs)
{
	struct nlattr *mode = info->attrs[M2MSEC_A_MODE];
	struct nlattr *id = info->attrs[M2MSEC_A_ID];
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MODE, "MODE") ?:
	      m2msec_nl_require(info, M2MSEC_A_ID, "ID");
	if (err)
		return err;
	hs->mode = nla_get_u8(mode);
	if (hs->mode != M2MSEC_MODE_BOOTSTRAP &&
	    hs->mode != M2MSEC_MODE_CONNECT) {
		NL_SET_BAD_ATTR(info->extack, mode);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "unknown MODE %u: expected 1 (bootstrap) or 2 (connect)",
					  hs->mode);
		return -EINVAL;
	}
	if (nla_len(id) < 1 || nla_len(id) > M2MSEC_STR_MAX ||
	    (hs->mode == M2MSEC_MODE_CONNECT &&
	     nla_len(id) != M2MSEC_NODE_ID_LEN)) {
		NL_SET_BAD_ATTR(info->extack, id);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "ID is %d bytes long, expected %s",
					  nla_len(id),
					  hs->mode == M2MSEC_MODE_CONNECT ?
					  "a 16-byte node id" : "1 to 255 bytes");
		return -EINVAL;
	}
	hs->id.len = nla_len(id);
	memcpy(hs->id.data, nla_data(id), hs->id.len);
	return m2msec_nl_get_suites(info, hs->mode, &hs->suites);
}

/**
 * m2msec_nl_hs_init_doit - start a handshake as the initiator
 * @skb: the request
 * @info: its attributes: MODE, ID, SUITES (connect mode only)
 *
 * Replies with INDEX (index_i) and MSG (the INIT).
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_init_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	u8 psk[M2MSEC_KEY_LEN];
	struct m2msec_hs *hs;
	struct sk_buff *reply;
	void *hdr;
	int err;

	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	hs->role = M2MSEC_ROLE_INITIATOR;
	err = m2msec_nl_get_init_request(info, hs);
	if (err)
		goto err_free;
	err = m2msec_psk_lookup(hs->mode, hs->id.data, hs->id.len, psk,
				info->extack);
	if (err)
		goto err_free;
	reply = m2msec_nl_reply_new(info, &hdr);
	err = reply ? m2msec_hs_reserve(t, hs, info->extack) : -ENOMEM;
	if (err) {
		memzero_explicit(psk, sizeof(psk));
		nlmsg_free(reply);
		goto err_free;
	}

	err = m2msec_hs_initiate(hs, psk, NULL);
	memzero_explicit(psk, sizeof(psk));
	if (err)
		NL_SET_ERR_MSG(info->extack, "cannot make the INIT message");
	else if (nla_put_u32(reply, M2MSEC_A_INDEX, hs->index) ||
		 nla_put(reply, M2MSEC_A_MSG, hs->init_len, hs->init_msg))
		err = -EMSGSIZE;
	if (err) {
		m2msec_hs_destroy(t, hs);
		nlmsg_free(reply);
		return err;
	}
	pr_debug("m2msec: handshake %u: %s INIT made\n", hs->index,
		 m2msec_mode_name(hs->mode));
	m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_INIT_SENT);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

err_free:
	m2msec_hs_free(hs);
	return err;
}

/* ---- Generic netlink: HS_RESPOND ---- */

/* Working memory of HS_RESPOND, too large for the stack. */
struct m2msec_respond_ctx {
	struct m2msec_init init;
	struct m2msec_resp_fields fields;
	u8 resp[M2MSEC_MSG_MAX];
	int resp_len;
	u8 psk[M2MSEC_KEY_LEN];
};

/* Reads the RESP fields of the INIT's mode and chooses the suite. */
static int m2msec_nl_get_respond_request(struct genl_info *info,
					 struct m2msec_respond_ctx *ctx,
					 struct m2msec_hs *hs)
{
	u8 offered = ctx->init.hdr.suites;
	u8 accepted;
	int err;

	hs->mode = ctx->init.hdr.mode;
	if (hs->mode == M2MSEC_MODE_BOOTSTRAP)
		err = m2msec_nl_get_boot_fields(info, &ctx->fields);
	else
		err = m2msec_nl_get_conn_fields(info, &ctx->fields);
	if (!err)
		err = m2msec_nl_get_suites(info, hs->mode, &accepted);
	if (err || hs->mode == M2MSEC_MODE_BOOTSTRAP)
		return err;
	hs->suites = m2msec_hs_pick_suite(offered, accepted);
	if (!hs->suites) {
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "no common suite: INIT offers 0x%x, SUITES accepts 0x%x",
					  offered, accepted);
		return -EPROTO;
	}
	return 0;
}

static int m2msec_nl_fill_respond(struct sk_buff *skb,
				  const struct m2msec_hs *hs,
				  const struct m2msec_respond_ctx *ctx)
{
	if (nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put(skb, M2MSEC_A_ID, hs->id.len, hs->id.data) ||
	    nla_put(skb, M2MSEC_A_MSG, ctx->resp_len, ctx->resp))
		return -EMSGSIZE;
	if (hs->mode == M2MSEC_MODE_CONNECT &&
	    nla_put_u8(skb, M2MSEC_A_SUITE, hs->suites))
		return -EMSGSIZE;
	return 0;
}

/* Builds the RESP of a reserved handshake; the caller owns hs. */
static int m2msec_nl_respond(struct genl_info *info, struct m2msec_hs *hs,
			     struct m2msec_respond_ctx *ctx)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	const char *reason;
	int len;

	len = m2msec_hs_respond(hs, &ctx->init, nla_data(msg), nla_len(msg),
				&ctx->fields, ctx->psk, ctx->resp,
				sizeof(ctx->resp), NULL, &reason);
	if (len < 0) {
		m2msec_nl_set_reason(info->extack,
				     len == -EKEYREJECTED ? msg : NULL,
				     reason);
		net_dbg_ratelimited("m2msec: handshake %u: INIT %u rejected: %d\n",
				    hs->index, ctx->init.hdr.index, len);
		return len;
	}
	ctx->resp_len = len;
	return 0;
}

/**
 * m2msec_nl_hs_respond_doit - answer an INIT as the responder
 * @skb: the request
 * @info: its attributes: MSG (the INIT) and the RESP fields of its mode
 *
 * Replies with INDEX (index_r), PEER_INDEX (index_i), MODE, ID, SUITE
 * (connect mode) and MSG (the RESP).
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_respond_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_respond_ctx *ctx;
	struct sk_buff *reply = NULL;
	struct m2msec_hs *hs = NULL;
	const char *reason;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MSG, "MSG");
	if (err)
		return err;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!ctx || !hs) {
		err = -ENOMEM;
		goto out_free;
	}
	err = m2msec_msg_parse_init(nla_data(msg), nla_len(msg), &ctx->init,
				    &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		goto out_free;
	}
	hs->role = M2MSEC_ROLE_RESPONDER;
	err = m2msec_nl_get_respond_request(info, ctx, hs) ?:
	      m2msec_psk_lookup(hs->mode, ctx->init.id.data, ctx->init.id.len,
				ctx->psk, info->extack);
	if (err)
		goto out_free;
	reply = m2msec_nl_reply_new(info, &hdr);
	err = reply ? m2msec_hs_reserve(t, hs, info->extack) : -ENOMEM;
	if (err)
		goto out_free;

	err = m2msec_nl_respond(info, hs, ctx) ?:
	      m2msec_nl_fill_respond(reply, hs, ctx);
	if (err) {
		m2msec_hs_destroy(t, hs);
		hs = NULL;
		goto out_free;
	}
	pr_debug("m2msec: handshake %u: %s RESP made for INIT %u\n",
		 hs->index, m2msec_mode_name(hs->mode), hs->peer_index);
	m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_RESP_SENT);
	kfree_sensitive(ctx);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

out_free:
	nlmsg_free(reply);
	if (hs)
		m2msec_hs_free(hs);
	kfree_sensitive(ctx);
	return err;
}

/* ---- Generic netlink: HS_COMPLETE ---- */

/* Working memory of HS_COMPLETE, too large for the stack. */
struct m2msec_complete_ctx {
	struct m2msec_resp resp;
	struct m2msec_hs_result res;
};

static int m2msec_nl_fill_complete(struct sk_buff *skb,
				   const struct m2msec_hs *hs,
				   const struct m2msec_complete_ctx *ctx,
				   key_serial_t serial)
{
	if (nla_put(skb, M2MSEC_A_MSG, M2MSEC_FINISH_LEN, ctx->res.finish) ||
	    nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, ctx->res.key_id) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index))
		return -EMSGSIZE;
	return m2msec_nl_put_resp_fields(skb, &ctx->resp);
}

/* Checks the RESP and installs the key; the caller owns hs. */
static int m2msec_nl_complete(struct genl_info *info, struct m2msec_hs *hs,
			      struct m2msec_complete_ctx *ctx,
			      key_serial_t *serial)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	const struct m2msec_resp_fields *f = &ctx->resp.fields;
	const char *reason;
	int err;

	err = m2msec_hs_complete(hs, nla_data(msg), nla_len(msg), &ctx->resp,
				 &ctx->res, NULL, &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		net_dbg_ratelimited("m2msec: handshake %u: RESP rejected: %d\n",
				    hs->index, err);
		return err;
	}
	/* The key belongs to the node id that bootstrap assigned or used. */
	if (hs->mode == M2MSEC_MODE_BOOTSTRAP)
		memcpy(hs->node_id, f->node_id, M2MSEC_NODE_ID_LEN);
	else
		memcpy(hs->node_id, hs->id.data, M2MSEC_NODE_ID_LEN);
	hs->key_index = f->key_index;
	hs->lifetime = f->lifetime;
	*serial = m2msec_hs_install(info, hs, &ctx->res,
				    nla_get_s32(info->attrs[M2MSEC_A_KEYRING]));
	return *serial < 0 ? *serial : 0;
}

/**
 * m2msec_nl_hs_complete_doit - check a RESP as the initiator
 * @skb: the request
 * @info: its attributes: INDEX (index_i), MSG (the RESP), KEYRING
 *
 * Installs the key only after mac_r verifies, replies with the FINISH,
 * the key's serial and id and the RESP fields, and forgets the
 * handshake. A failure installs nothing and drops the handshake.
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_complete_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct m2msec_complete_ctx *ctx;
	key_serial_t serial = 0;
	struct m2msec_hs *hs;
	struct sk_buff *reply;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_INDEX, "INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_MSG, "MSG") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING");
	if (err)
		return err;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	reply = m2msec_nl_reply_new(info, &hdr);
	if (!ctx || !reply) {
		err = -ENOMEM;
		goto out_free;
	}
	hs = m2msec_hs_claim(t, nla_get_u32(info->attrs[M2MSEC_A_INDEX]),
			     M2MSEC_ROLE_INITIATOR, info->extack);
	if (IS_ERR(hs)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[M2MSEC_A_INDEX]);
		err = PTR_ERR(hs);
		goto out_free;
	}
	err = m2msec_nl_complete(info, hs, ctx, &serial);
	if (!err)
		err = m2msec_nl_fill_complete(reply, hs, ctx, serial);
	m2msec_hs_destroy(t, hs);
	if (err)
		goto out_free;
	kfree_sensitive(ctx);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

out_free:
	nlmsg_free(reply);
	kfree_sensitive(ctx);
	return err;
}

/* ---- Generic netlink: HS_FINISH ---- */

static int m2msec_nl_fill_finish(struct sk_buff *skb,
				 const struct m2msec_hs *hs)
{
	if (nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, hs->serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, hs->key_id) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put(skb, M2MSEC_A_ID, hs->id.len, hs->id.data) ||
	    nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, hs->node_id))
		return -EMSGSIZE;
	return 0;
}

/* Answers a FINISH for a handshake already done: same reply, no key. */
static int m2msec_nl_finish_again(struct genl_info *info,
				  struct m2msec_hs *hs,
				  const struct m2msec_finish *finish,
				  struct sk_buff *reply)
{
	if (finish->hdr.mode != hs->mode) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MSEC_A_MSG],
				    "FINISH mode does not match the handshake's mode");
		return -EPROTO;
	}
	if (crypto_memneq(finish->mac, hs->mac_i, M2MSEC_MAC_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MSEC_A_MSG],
				    "mac_i does not verify");
		return -EKEYREJECTED;
	}
	net_dbg_ratelimited("m2msec: handshake %u: repeated FINISH for key %*phN\n",
			    hs->index, M2MSEC_KEY_ID_LEN, hs->key_id);
	return m2msec_nl_fill_finish(reply, hs);
}

/* Checks a first FINISH and installs the key; the caller owns hs. */
static int m2msec_nl_finish_first(struct genl_info *info,
				  struct m2msec_hs *hs,
				  const struct m2msec_finish *finish,
				  struct sk_buff *reply)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_hs_result res;
	key_serial_t serial;
	const char *reason;
	int err;

	err = m2msec_hs_finish(hs, finish, &res, &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		net_dbg_ratelimited("m2msec: handshake %u: FINISH rejected: %d\n",
				    hs->index, err);
		return err;
	}
	serial = m2msec_hs_install(info, hs, &res,
				   nla_get_s32(info->attrs[M2MSEC_A_KEYRING]));
	if (serial < 0)
		return serial;
	hs->serial = serial;
	memcpy(hs->key_id, res.key_id, M2MSEC_KEY_ID_LEN);
	memcpy(hs->mac_i, finish->mac, M2MSEC_MAC_LEN);
	return m2msec_nl_fill_finish(reply, hs);
}

/**
 * m2msec_nl_hs_finish_doit - check a FINISH as the responder
 * @skb: the request
 * @info: its attributes: MSG (the FINISH), KEYRING
 *
 * Installs the key only after mac_i verifies and remembers the reply, so
 * that the same FINISH again gets the same reply and makes no new key. A
 * failure installs nothing and drops a handshake in progress.
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_finish_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_finish finish;
	struct sk_buff *reply;
	struct m2msec_hs *hs;
	const char *reason;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MSG, "MSG") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING");
	if (err)
		return err;
	err = m2msec_msg_parse_finish(nla_data(msg), nla_len(msg), &finish,
				      &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		return err;
	}
	reply = m2msec_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	hs = m2msec_hs_claim(t, finish.hdr.index, M2MSEC_ROLE_RESPONDER,
			     info->extack);
	if (IS_ERR(hs)) {
		NL_SET_BAD_ATTR(info->extack, msg);
		nlmsg_free(reply);
		return PTR_ERR(hs);
	}

	if (hs->state == M2MSEC_HS_STATE_DONE) {
		err = m2msec_nl_finish_again(info, hs, &finish, reply);
		m2msec_hs_release(t, hs);
	} else {
		err = m2msec_nl_finish_first(info, hs, &finish, reply);
		if (err)
			m2msec_hs_destroy(t, hs);
		else
			m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_DONE);
	}
	return m2msec_nl_reply_send(reply, hdr, info, err);
}

/* ---- Generic netlink: HS_GET ---- */

static int m2msec_nl_fill_hs(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct m2msec_hs *hs, unsigned long now)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, &m2msec_genl_family, NLM_F_MULTI,
			  M2MSEC_CMD_HS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put_u8(skb, M2MSEC_A_ROLE, hs->role) ||
	    nla_put_u8(skb, M2MSEC_A_STATE, hs->state) ||
	    nla_put_u64_64bit(skb, M2MSEC_A_AGE_MS,
			      jiffies_to_msecs(now - hs->stamp),
			      M2MSEC_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * m2msec_nl_hs_get_dumpit - list the handshakes of the namespace
 * @skb: the dump buffer
 * @cb: the dump state; args[0] counts the entries already sent
 *
 * Entries are listed oldest first. AGE_MS counts from the last state
 * change. NOTE: an entry that changes state between two parts of a
 * dump moves to the end of the list, so a long dump may list it twice or
 * skip another.
 *
 * Return: the length of the dump buffer, 0 at the end.
 */
int m2msec_nl_hs_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct m2msec_hs_table *t = m2msec_hs_table(sock_net(skb->sk));
	unsigned long now = jiffies;
	long skip = cb->args[0];
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
		if (m2msec_nl_fill_hs(skb, cb, hs, now))
			break;
		pos++;
	}
	spin_unlock(&t->lock);
	cb->args[0] = pos;
	return skb->len;
}
