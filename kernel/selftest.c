// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer self-tests, run at load time when the module parameter
 * selftest is set. Each group prints one line, "m2msec: selftest:
 * <group>: pass", or a line naming the failed case; a failure stops the
 * load. The handshake tests drive the real engine with the vectors'
 * random inputs and PSKs, without the keyring or the handshake table, so
 * they run before any key exists.
 */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crypto.h"
#include "data.h"
#include "handshake_engine.h"
#include "msg.h"
#include "replay.h"
#include "selftest.h"
#include "selftest_vectors.h"

/* The label of Kma, as kma.c uses it. */
#define M2MSEC_ST_KMA_LABEL "m2msec Kma"

static bool m2msec_st_fail(const char *group, const char *name,
			   const char *what)
{
	pr_err("m2msec: selftest: %s: %s: %s: FAIL\n", group, name, what);
	return false;
}

static bool m2msec_st_eq(const char *group, const char *name,
			 const char *what, const void *got, const void *want,
			 size_t len)
{
	if (!memcmp(got, want, len))
		return true;
	return m2msec_st_fail(group, name, what);
}

static bool m2msec_st_err(const char *group, const char *name,
			  const char *what, int got, int want)
{
	if (got == want)
		return true;
	pr_err("m2msec: selftest: %s: %s: %s: got %d, expected %d: FAIL\n",
	       group, name, what, got, want);
	return false;
}

/* ---- hkdf: RFC 5869 test case 1 ---- */

static bool m2msec_st_hkdf(void)
{
	static const u8 ikm[22] = {
		0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
		0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
		0x0b, 0x0b,
	};
	static const u8 salt[13] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
		0x0a, 0x0b, 0x0c,
	};
	static const u8 info[10] = {
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
	};
	static const u8 prk_want[32] = {
		0x07, 0x77, 0x09, 0x36, 0x2c, 0x2e, 0x32, 0xdf, 0x0d, 0xdc,
		0x3f, 0x0d, 0xc4, 0x7b, 0xba, 0x63, 0x90, 0xb6, 0xc7, 0x3b,
		0xb5, 0x0f, 0x9c, 0x31, 0x22, 0xec, 0x84, 0x4a, 0xd7, 0xc2,
		0xb3, 0xe5,
	};
	static const u8 okm_want[42] = {
		0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43,
		0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90,
		0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4,
		0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18,
		0x58, 0x65,
	};
	u8 prk[32];
	u8 okm[42];
	int err;

	/*
	 * HKDF-Extract is HMAC(salt, IKM). m2msec_hkdf_extract takes the
	 * protocol's 32-byte salts only, so the 13-byte salt of the RFC
	 * goes through the HMAC it is built on.
	 */
	err = m2msec_hmac_sha256(salt, sizeof(salt), ikm, sizeof(ikm), prk);
	if (!m2msec_st_err("hkdf", "rfc5869-1", "extract", err, 0) ||
	    !m2msec_st_eq("hkdf", "rfc5869-1", "prk", prk, prk_want, 32))
		return false;
	err = m2msec_hkdf_expand(prk, info, sizeof(info), okm, sizeof(okm));
	if (!m2msec_st_err("hkdf", "rfc5869-1", "expand", err, 0) ||
	    !m2msec_st_eq("hkdf", "rfc5869-1", "okm", okm, okm_want, 42))
		return false;
	/* The protocol's ck1 of the bootstrap vector exercises extract. */
	err = m2msec_hkdf_extract(m2msec_tv_handshakes[0].ck0,
				  m2msec_tv_handshakes[0].psk, 32, prk);
	return m2msec_st_err("hkdf", "bootstrap ck1", "extract", err, 0) &&
	       m2msec_st_eq("hkdf", "bootstrap ck1", "ck1", prk,
			    m2msec_tv_handshakes[0].ck1, 32);
}

/* ---- x25519: RFC 7748 section 6.1 ---- */

static bool m2msec_st_x25519(void)
{
	static const u8 alice_private[32] = {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16,
		0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87,
		0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9,
		0x2c, 0x2a,
	};
	static const u8 alice_public[32] = {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b,
		0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d,
		0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b,
		0x4e, 0x6a,
	};
	static const u8 bob_private[32] = {
		0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1,
		0x7f, 0x8b, 0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29,
		0x26, 0x18, 0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88,
		0xe0, 0xeb,
	};
	static const u8 bob_public[32] = {
		0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b,
		0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8,
		0x5b, 0x78, 0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88,
		0x2b, 0x4f,
	};
	static const u8 shared_want[32] = {
		0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e,
		0x3b, 0xf4, 0x80, 0x35, 0x0f, 0x25, 0xe0, 0x7e, 0x21, 0xc9,
		0x47, 0xd1, 0x9e, 0x33, 0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16,
		0x17, 0x42,
	};
	static const u8 zero_point[32];
	u8 out[32];
	int err;

	err = m2msec_x25519_public(alice_private, out);
	if (!m2msec_st_err("x25519", "rfc7748", "alice public", err, 0) ||
	    !m2msec_st_eq("x25519", "rfc7748", "alice public", out,
			  alice_public, 32))
		return false;
	err = m2msec_x25519_public(bob_private, out);
	if (!m2msec_st_err("x25519", "rfc7748", "bob public", err, 0) ||
	    !m2msec_st_eq("x25519", "rfc7748", "bob public", out, bob_public,
			  32))
		return false;
	err = m2msec_x25519(alice_private, bob_public, out);
	if (!m2msec_st_err("x25519", "rfc7748", "alice shared", err, 0) ||
	    !m2msec_st_eq("x25519", "rfc7748", "alice shared", out,
			  shared_want, 32))
		return false;
	err = m2msec_x25519(bob_private, alice_public, out);
	if (!m2msec_st_err("x25519", "rfc7748", "bob shared", err, 0) ||
	    !m2msec_st_eq("x25519", "rfc7748", "bob shared", out,
			  shared_want, 32))
		return false;
	err = m2msec_x25519(alice_private, zero_point, out);
	return m2msec_st_err("x25519", "zero point", "shared", err,
			     -EKEYREJECTED);
}

/* ---- handshake: both roles of every vector through the engine ---- */

/* One vector handshake run from both roles; too large for the stack. */
struct m2msec_st_run {
	struct m2msec_hs initiator;
	struct m2msec_hs responder;
	struct m2msec_hs_trace trace_i;
	struct m2msec_hs_trace trace_r;
	struct m2msec_hs_fixed fixed_i;
	struct m2msec_hs_fixed fixed_r;
	struct m2msec_init init;
	struct m2msec_resp resp;
	struct m2msec_resp_fields fields;
	struct m2msec_finish finish;
	struct m2msec_hs_result res_i;
	struct m2msec_hs_result res_r;
	u8 resp_msg[M2MSEC_MSG_MAX];
};

static void m2msec_st_str(struct m2msec_str *s, const char *text)
{
	s->len = strlen(text);
	memcpy(s->data, text, s->len);
}

/* Sets up both sides of a vector handshake before any message. */
static void m2msec_st_setup(struct m2msec_st_run *run,
			    const struct m2msec_tv_handshake *tv)
{
	struct m2msec_resp_fields *f = &run->fields;
	struct m2msec_hs *hs;

	memset(run, 0, sizeof(*run));
	run->fixed_i.ephemeral_private = tv->initiator.ephemeral_private;
	run->fixed_i.nonce = tv->initiator.nonce;
	run->fixed_i.index = tv->initiator.index;
	run->fixed_i.trace = &run->trace_i;
	run->fixed_r.ephemeral_private = tv->responder.ephemeral_private;
	run->fixed_r.nonce = tv->responder.nonce;
	run->fixed_r.index = tv->responder.index;
	run->fixed_r.trace = &run->trace_r;

	hs = &run->initiator;
	hs->mode = tv->mode;
	hs->role = M2MSEC_ROLE_INITIATOR;
	hs->suites = tv->suites;
	hs->id.len = tv->id_len;
	memcpy(hs->id.data, tv->id, tv->id_len);
	hs->index = m2msec_hs_draw_index(&run->fixed_i);

	hs = &run->responder;
	hs->mode = tv->mode;
	hs->role = M2MSEC_ROLE_RESPONDER;
	hs->index = m2msec_hs_draw_index(&run->fixed_r);
	f->key_index = tv->key_index;
	f->lifetime = tv->lifetime;
	if (tv->mode == M2MSEC_MODE_BOOTSTRAP) {
		memcpy(f->node_id, tv->node_id, M2MSEC_NODE_ID_LEN);
		m2msec_st_str(&f->mas_fqdn, tv->mas_fqdn);
		m2msec_st_str(&f->scl_id, tv->scl_id);
	} else {
		f->conn_id = tv->conn_id;
		f->mid_flags = tv->mid_flags;
		m2msec_st_str(&f->nscl_id, tv->nscl_id);
	}
}

static bool m2msec_st_trace_eq(const char *name, const char *role,
			       const struct m2msec_hs_trace *trace,
			       const struct m2msec_tv_handshake *tv)
{
	pr_debug("m2msec: selftest: handshake: %s: checking %s trace\n",
		 name, role);
	return m2msec_st_eq("handshake", name, "ck0", trace->ck0, tv->ck0,
			    32) &&
	       m2msec_st_eq("handshake", name, "ck1", trace->ck1, tv->ck1,
			    32) &&
	       m2msec_st_eq("handshake", name, "dh", trace->dh, tv->dh, 32) &&
	       m2msec_st_eq("handshake", name, "ck2", trace->ck2, tv->ck2,
			    32) &&
	       m2msec_st_eq("handshake", name, "th2", trace->th2, tv->th2,
			    32) &&
	       m2msec_st_eq("handshake", name, "th3", trace->th3, tv->th3,
			    32);
}

static bool m2msec_st_initiate(struct m2msec_st_run *run,
			       const struct m2msec_tv_handshake *tv)
{
	struct m2msec_hs *hs = &run->initiator;
	int err;

	err = m2msec_hs_initiate(hs, tv->psk, &run->fixed_i);
	return m2msec_st_err("handshake", tv->name, "initiate", err, 0) &&
	       m2msec_st_err("handshake", tv->name, "INIT length",
			     hs->init_len, tv->msg_init_len) &&
	       m2msec_st_eq("handshake", tv->name, "INIT", hs->init_msg,
			    tv->msg_init, tv->msg_init_len) &&
	       m2msec_st_eq("handshake", tv->name, "initiator ck1", hs->ck,
			    tv->ck1, 32);
}

/* Runs the responder on an INIT; returns the RESP length or an error. */
static int m2msec_st_respond(struct m2msec_st_run *run,
			     const struct m2msec_tv_handshake *tv,
			     const u8 *init_msg, size_t init_len)
{
	struct m2msec_hs *hs = &run->responder;
	const char *reason;
	int err;

	err = m2msec_msg_parse_init(init_msg, init_len, &run->init, &reason);
	if (err)
		return err;
	hs->suites = 0;
	if (tv->mode == M2MSEC_MODE_CONNECT)
		hs->suites = m2msec_hs_pick_suite(run->init.hdr.suites,
						  M2MSEC_SUITE_MASK(tv->suite));
	return m2msec_hs_respond(hs, &run->init, init_msg, init_len,
				 &run->fields, tv->psk, run->resp_msg,
				 sizeof(run->resp_msg), &run->fixed_r,
				 &reason);
}

static bool m2msec_st_check_resp(struct m2msec_st_run *run,
				 const struct m2msec_tv_handshake *tv)
{
	int len = m2msec_st_respond(run, tv, tv->msg_init, tv->msg_init_len);

	return m2msec_st_err("handshake", tv->name, "RESP length", len,
			     tv->msg_resp_len) &&
	       m2msec_st_err("handshake", tv->name, "suite",
			     run->responder.suites, tv->suite) &&
	       m2msec_st_eq("handshake", tv->name, "RESP", run->resp_msg,
			    tv->msg_resp, tv->msg_resp_len) &&
	       m2msec_st_eq("handshake", tv->name, "mac_r",
			    run->resp_msg + len - M2MSEC_MAC_LEN, tv->mac_r,
			    32) &&
	       m2msec_st_trace_eq(tv->name, "responder", &run->trace_r, tv);
}

static bool m2msec_st_check_complete(struct m2msec_st_run *run,
				     const struct m2msec_tv_handshake *tv)
{
	struct m2msec_hs *hs = &run->initiator;
	const char *reason;
	int err;

	err = m2msec_hs_complete(hs, tv->msg_resp, tv->msg_resp_len,
				 &run->resp, &run->res_i, &run->fixed_i,
				 &reason);
	return m2msec_st_err("handshake", tv->name, "complete", err, 0) &&
	       m2msec_st_eq("handshake", tv->name, "FINISH", run->res_i.finish,
			    tv->msg_finish, tv->msg_finish_len) &&
	       m2msec_st_eq("handshake", tv->name, "mac_i",
			    run->res_i.finish + M2MSEC_HDR_LEN, tv->mac_i, 32) &&
	       m2msec_st_eq("handshake", tv->name, "initiator key",
			    run->res_i.key, tv->key, 32) &&
	       m2msec_st_eq("handshake", tv->name, "initiator key_id",
			    run->res_i.key_id, tv->key_id, 16) &&
	       m2msec_st_trace_eq(tv->name, "initiator", &run->trace_i, tv) &&
	       (!memchr_inv(hs->ck, 0, sizeof(hs->ck)) ||
		m2msec_st_fail("handshake", tv->name, "ck not wiped")) &&
	       (!memchr_inv(hs->ephemeral_private, 0, 32) ||
		m2msec_st_fail("handshake", tv->name, "private key not wiped"));
}

static bool m2msec_st_check_finish(struct m2msec_st_run *run,
				   const struct m2msec_tv_handshake *tv)
{
	struct m2msec_hs *hs = &run->responder;
	const char *reason;
	int err;

	err = m2msec_msg_parse_finish(tv->msg_finish, tv->msg_finish_len,
				      &run->finish, &reason);
	if (!m2msec_st_err("handshake", tv->name, "parse FINISH", err, 0))
		return false;
	err = m2msec_hs_finish(hs, &run->finish, &run->res_r, &reason);
	return m2msec_st_err("handshake", tv->name, "finish", err, 0) &&
	       m2msec_st_eq("handshake", tv->name, "responder key",
			    run->res_r.key, tv->key, 32) &&
	       m2msec_st_eq("handshake", tv->name, "responder key_id",
			    run->res_r.key_id, tv->key_id, 16) &&
	       (!memchr_inv(hs->ck, 0, sizeof(hs->ck)) ||
		m2msec_st_fail("handshake", tv->name, "ck not wiped"));
}

static bool m2msec_st_handshake(struct m2msec_st_run *run)
{
	size_t i;

	for (i = 0; i < M2MSEC_TV_HANDSHAKES_COUNT; i++) {
		const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[i];
		bool ok;

		m2msec_st_setup(run, tv);
		ok = m2msec_st_initiate(run, tv) &&
		     m2msec_st_check_resp(run, tv) &&
		     m2msec_st_check_complete(run, tv) &&
		     m2msec_st_check_finish(run, tv);
		memzero_explicit(run, sizeof(*run));
		if (!ok)
			return false;
	}
	return true;
}

/* ---- kma: Kma of the vectors' application ids ---- */

static bool m2msec_st_kma(void)
{
	u8 kma[32];
	size_t i;
	int err;

	for (i = 0; i < M2MSEC_TV_KMA_COUNT; i++) {
		const struct m2msec_tv_kma *tv = &m2msec_tv_kma[i];
		char name[16];

		snprintf(name, sizeof(name), "case %zu", i);
		err = m2msec_hkdf_expand_label(tv->kmc, M2MSEC_ST_KMA_LABEL,
					       tv->app_id, tv->app_id_len,
					       kma, sizeof(kma));
#ifdef M2MSEC_SELFTEST_BREAK
		/* Test build only: shows that a failed group stops the load. */
		kma[0] ^= 1;
#endif
		if (!m2msec_st_err("kma", name, "derive", err, 0) ||
		    !m2msec_st_eq("kma", name, "kma", kma, tv->kma, 32))
			return false;
	}
	memzero_explicit(kma, sizeof(kma));
	return true;
}

/* ---- data: seal and open of every DATA vector ---- */

/* Packet buffer size: the largest vector packet, rounded up. */
#define M2MSEC_ST_PACKET_MAX 2048

struct m2msec_st_keys {
	struct m2msec_data_key i2r;
	struct m2msec_data_key r2i;
};

static bool m2msec_st_data_keys(const struct m2msec_tv_data *tv,
				struct m2msec_st_keys *keys)
{
	u8 k_i2r[32];
	u8 k_r2i[32];
	bool ok;
	int err;

	err = m2msec_data_derive(tv->kmc, k_i2r, k_r2i);
	ok = m2msec_st_err("data", tv->name, "derive", err, 0) &&
	     m2msec_st_eq("data", tv->name, "K_i2r", k_i2r, tv->k_i2r, 32) &&
	     m2msec_st_eq("data", tv->name, "K_r2i", k_r2i, tv->k_r2i, 32);
	if (ok) {
		err = m2msec_data_key_init(&keys->i2r, tv->suite, k_i2r);
		if (!err)
			err = m2msec_data_key_init(&keys->r2i, tv->suite, k_r2i);
		ok = m2msec_st_err("data", tv->name, "AEAD key", err, 0);
	}
	memzero_explicit(k_i2r, sizeof(k_i2r));
	memzero_explicit(k_r2i, sizeof(k_r2i));
	return ok;
}

static bool m2msec_st_seal(const struct m2msec_tv_data *tv,
			   const struct m2msec_tv_packet *p,
			   struct m2msec_data_key *key, u8 *buf)
{
	int len;

	memcpy(buf + M2MSEC_DATA_HDR_LEN, p->plaintext, p->plaintext_len);
	len = m2msec_data_seal(key, p->receiver_index, p->counter, buf,
			       p->plaintext_len);
	return m2msec_st_err("data", tv->name, "seal length", len,
			     p->packet_len) &&
	       m2msec_st_eq("data", tv->name, "sealed packet", buf, p->packet,
			    p->packet_len);
}

static bool m2msec_st_open(const struct m2msec_tv_data *tv,
			   const struct m2msec_tv_packet *p,
			   struct m2msec_data_key *key, u8 *buf)
{
	u32 index = 0;
	u64 counter = 0;
	int len;

	memcpy(buf, p->packet, p->packet_len);
	len = m2msec_data_open(key, buf, p->packet_len, &index, &counter);
	return m2msec_st_err("data", tv->name, "open length", len,
			     p->plaintext_len) &&
	       m2msec_st_eq("data", tv->name, "opened plaintext",
			    buf + M2MSEC_DATA_HDR_LEN, p->plaintext,
			    p->plaintext_len) &&
	       m2msec_st_err("data", tv->name, "receiver index", index != 0 &&
			     index == p->receiver_index, true) &&
	       m2msec_st_err("data", tv->name, "counter",
			     counter == p->counter, true);
}

static bool m2msec_st_data_case(const struct m2msec_tv_data *tv, u8 *buf)
{
	struct m2msec_st_keys keys = {};
	bool ok;
	size_t i;

	ok = m2msec_st_data_keys(tv, &keys);
	for (i = 0; ok && i < tv->packet_count; i++) {
		const struct m2msec_tv_packet *p = &tv->packets[i];
		struct m2msec_data_key *key = p->r2i ? &keys.r2i : &keys.i2r;

		if (p->packet_len > M2MSEC_ST_PACKET_MAX)
			ok = m2msec_st_fail("data", tv->name,
					    "packet larger than the buffer");
		else
			ok = m2msec_st_seal(tv, p, key, buf) &&
			     m2msec_st_open(tv, p, key, buf);
	}
	m2msec_data_key_destroy(&keys.i2r);
	m2msec_data_key_destroy(&keys.r2i);
	return ok;
}

static bool m2msec_st_data(void)
{
	bool ok = true;
	size_t i;
	u8 *buf;

	/* The AEAD works through a scatterlist: no stack buffer. */
	buf = kmalloc(M2MSEC_ST_PACKET_MAX, GFP_KERNEL);
	if (!buf)
		return m2msec_st_fail("data", "buffer", "out of memory");
	for (i = 0; ok && i < M2MSEC_TV_DATA_COUNT; i++)
		ok = m2msec_st_data_case(&m2msec_tv_data[i], buf);
	kfree(buf);
	return ok;
}

/* ---- replay: window edge cases ---- */

struct m2msec_st_replay_step {
	u64 counter;
	bool accept;
};

static bool m2msec_st_replay_steps(struct m2msec_replay *win,
				   const char *name,
				   const struct m2msec_st_replay_step *steps,
				   size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		bool checked = m2msec_replay_check(win, steps[i].counter);
		bool accepted = m2msec_replay_accept(win, steps[i].counter);

		if (checked != steps[i].accept || accepted != steps[i].accept) {
			pr_err("m2msec: selftest: replay: %s: step %zu (counter %llu): got %d/%d, expected %d: FAIL\n",
			       name, i, steps[i].counter, checked, accepted,
			       steps[i].accept);
			return false;
		}
	}
	return true;
}

static bool m2msec_st_replay(void)
{
	const u64 w = M2MSEC_REPLAY_WINDOW;
	const u64 far = 1ULL << 40;
	const u64 top = M2MSEC_DATA_COUNTER_LIMIT - 1;
	const struct m2msec_st_replay_step steps[] = {
		{ 0, true }, { 0, false },		/* duplicate */
		{ 1, true }, { 3, true }, { 2, true }, { 3, false },
		{ 5000, true }, { 4999, true }, { 5000, false },
		{ 5000 - 2047, true },			/* 2048 counters wide */
		{ 5000 - 2047, false },
		{ 5000 - w + 1, true },			/* oldest in window */
		{ 5000 - w, false },			/* too old */
		{ 4500, true },				/* never seen, in window */
		{ far, true },				/* far jump */
		{ 5000, false },			/* now too old */
		{ far - 1, true }, { far - w + 1, true }, { far - w, false },
		{ far + 64 * M2MSEC_REPLAY_WORDS, true },	/* one ring on */
		{ far, false }, { far + 64 * M2MSEC_REPLAY_WORDS + 1, true },
		{ top, true }, { top, false }, { top - 1, true },
	};
	const struct m2msec_st_replay_step first[] = {
		{ 100, true }, { 0, true }, { 99, true }, { 100, false },
	};
	struct m2msec_replay *win;
	bool ok;

	win = kmalloc(sizeof(*win), GFP_KERNEL);
	if (!win)
		return m2msec_st_fail("replay", "window", "out of memory");
	m2msec_replay_reset(win);
	ok = m2msec_st_replay_steps(win, "sequence", steps, ARRAY_SIZE(steps));
	m2msec_replay_reset(win);
	ok = ok && m2msec_st_replay_steps(win, "first counter not 0", first,
					  ARRAY_SIZE(first));
	kfree(win);
	return ok;
}

/* ---- negative: the vectors' messages that must be rejected ---- */

static int m2msec_st_negative_init(struct m2msec_st_run *run,
				   const struct m2msec_tv_negative *n)
{
	const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[n->base];
	int len;

	m2msec_st_setup(run, tv);
	len = m2msec_st_respond(run, tv, n->msg, n->msg_len);
	if (len >= 0)
		return 0;
	if (memchr_inv(run->responder.ck, 0, sizeof(run->responder.ck)))
		return -EFAULT;		/* a failure must wipe ck2 */
	return len;
}

static int m2msec_st_negative_resp(struct m2msec_st_run *run,
				   const struct m2msec_tv_negative *n)
{
	const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[n->base];
	const char *reason;
	int err;

	m2msec_st_setup(run, tv);
	err = m2msec_hs_initiate(&run->initiator, tv->psk, &run->fixed_i);
	if (err)
		return -EFAULT;
	err = m2msec_hs_complete(&run->initiator, n->msg, n->msg_len,
				 &run->resp, &run->res_i, NULL, &reason);
	if (memchr_inv(run->res_i.key, 0, sizeof(run->res_i.key)) ||
	    memchr_inv(run->initiator.ck, 0, sizeof(run->initiator.ck)))
		return -EFAULT;		/* no key derived, ck1 wiped */
	return err;
}

static int m2msec_st_negative_finish(struct m2msec_st_run *run,
				     const struct m2msec_tv_negative *n)
{
	const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[n->base];
	const char *reason;
	int err;

	m2msec_st_setup(run, tv);
	if (m2msec_st_respond(run, tv, tv->msg_init, tv->msg_init_len) < 0)
		return -EFAULT;
	err = m2msec_msg_parse_finish(n->msg, n->msg_len, &run->finish,
				      &reason);
	if (err)
		return err;
	err = m2msec_hs_finish(&run->responder, &run->finish, &run->res_r,
			       &reason);
	if (memchr_inv(run->res_r.key, 0, sizeof(run->res_r.key)) ||
	    memchr_inv(run->responder.ck, 0, sizeof(run->responder.ck)))
		return -EFAULT;		/* no key derived, ck2 wiped */
	return err;
}

/*
 * Opens a forged packet after the window accepted counter 0; the window
 * must not change.
 */
static int m2msec_st_negative_data(const struct m2msec_tv_negative *n)
{
	const struct m2msec_tv_data *tv = &m2msec_tv_data[n->base];
	struct m2msec_replay *win, *before;
	struct m2msec_st_keys keys = {};
	u64 counter = 0;
	u32 index = 0;
	u8 *buf;
	int err = -ENOMEM;

	win = kzalloc(sizeof(*win), GFP_KERNEL);
	before = kzalloc(sizeof(*before), GFP_KERNEL);
	buf = kmalloc(n->msg_len, GFP_KERNEL);
	if (!win || !before || !buf)
		goto out;
	err = -EFAULT;
	if (!m2msec_st_data_keys(tv, &keys) || !m2msec_replay_accept(win, 0))
		goto out;
	memcpy(before, win, sizeof(*win));
	memcpy(buf, n->msg, n->msg_len);
	counter = m2msec_get_be64(buf + M2MSEC_HDR_LEN);
	if (!m2msec_replay_check(win, counter))
		goto out;
	err = m2msec_data_open(&keys.i2r, buf, n->msg_len, &index, &counter);
	if (err >= 0)
		m2msec_replay_accept(win, counter);
	if (memcmp(before, win, sizeof(*win)))
		err = -EFAULT;		/* the window moved */
out:
	m2msec_data_key_destroy(&keys.i2r);
	m2msec_data_key_destroy(&keys.r2i);
	kfree(buf);
	kfree(before);
	kfree(win);
	return err < 0 ? err : 0;
}

static bool m2msec_st_negative(struct m2msec_st_run *run)
{
	size_t i;
	int err;

	for (i = 0; i < M2MSEC_TV_NEGATIVE_COUNT; i++) {
		const struct m2msec_tv_negative *n = &m2msec_tv_negative[i];

		switch (n->type) {
		case M2MSEC_MSG_INIT:
			err = m2msec_st_negative_init(run, n);
			break;
		case M2MSEC_MSG_RESP:
			err = m2msec_st_negative_resp(run, n);
			break;
		case M2MSEC_MSG_FINISH:
			err = m2msec_st_negative_finish(run, n);
			break;
		default:
			err = m2msec_st_negative_data(n);
			break;
		}
		memzero_explicit(run, sizeof(*run));
		if (!m2msec_st_err("negative", n->name, "result", err,
				   n->error))
			return false;
	}
	return true;
}

/**
 * m2msec_selftest_run - run every self-test group
 *
 * Stops at the first failed group.
 *
 * Return: 0 or -EINVAL (-ENOMEM if the working memory is missing).
 */
int m2msec_selftest_run(void)
{
	struct m2msec_st_run *run;
	int err = 0;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
#define M2MSEC_ST_GROUP(name, call)					\
	do {								\
		if (!err) {						\
			if (call)					\
				pr_info("m2msec: selftest: " name ": pass\n"); \
			else						\
				err = -EINVAL;				\
		}							\
	} while (0)
	M2MSEC_ST_GROUP("hkdf", m2msec_st_hkdf());
	M2MSEC_ST_GROUP("x25519", m2msec_st_x25519());
	M2MSEC_ST_GROUP("handshake", m2msec_st_handshake(run));
	M2MSEC_ST_GROUP("kma", m2msec_st_kma());
	M2MSEC_ST_GROUP("data", m2msec_st_data());
	M2MSEC_ST_GROUP("replay", m2msec_st_replay());
	M2MSEC_ST_GROUP("negative", m2msec_st_negative(run));
#undef M2MSEC_ST_GROUP
	kfree_sensitive(run);
	return err;
}
