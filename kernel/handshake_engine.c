// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake engine of protocol version 1 (X25519 + HKDF-SHA256, modes
 * bootstrap and connect): the key schedule and the steps of both roles.
 * It uses no table, keyring or netlink, and handshake.c drives it for
 * requests and selftest.c with the vectors' fixed inputs. Every step may
 * sleep.
 */
#include <crypto/algapi.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crypto.h"
#include "handshake_engine.h"
#include "msg.h"

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
 * m2msec_hs_respond - reply to an INIT with a RESP
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

