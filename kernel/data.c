// SPDX-License-Identifier: GPL-2.0
/*
 * Seal and open of DATA messages with AES-256-GCM (suite 1) or
 * ChaCha20-Poly1305 (suite 2) through the crypto AEAD API. The header
 * and the counter are the associated data; the nonce is 4 zero bytes
 * followed by the counter.
 */
#include <crypto/aead.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "crypto.h"
#include "data.h"
#include "msg.h"

/**
 * m2msec_data_derive - derive both traffic keys of a connection from Kmc
 * @kmc: the connection key
 * @k_i2r: receives the key of packets from initiator to responder
 * @k_r2i: receives the key of packets from responder to initiator
 *
 * Return: 0 or a negative errno; on error both outputs are zero.
 */
int m2msec_data_derive(const u8 kmc[32], u8 k_i2r[32], u8 k_r2i[32])
{
	int err;

	err = m2msec_hkdf_expand_label(kmc, "m2msec mId i2r", NULL, 0,
				       k_i2r, 32);
	if (!err)
		err = m2msec_hkdf_expand_label(kmc, "m2msec mId r2i", NULL, 0,
					       k_r2i, 32);
	if (err) {
		memzero_explicit(k_i2r, 32);
		memzero_explicit(k_r2i, 32);
	}
	return err;
}

/* The crypto API name of a suite's AEAD, or NULL for an unknown suite. */
const char *m2msec_data_aead_name(u8 suite)
{
	switch (suite) {
	case M2MSEC_SUITE_AES256GCM:
		return "gcm(aes)";
	case M2MSEC_SUITE_CHACHA20POLY1305:
		return "rfc7539(chacha20,poly1305)";
	default:
		return NULL;
	}
}

/**
 * m2msec_data_key_init - make the AEAD transform of one traffic key
 * @key: the key to set up
 * @suite: enum m2msec_suite
 * @raw: the 32-byte key; the transform keeps its own copy
 *
 * Return: 0, -EINVAL for an unknown suite, or the crypto API's error.
 */
int m2msec_data_key_init(struct m2msec_data_key *key, u8 suite,
			 const u8 raw[32])
{
	const char *name = m2msec_data_aead_name(suite);
	struct crypto_aead *tfm;
	int err;

	if (!name)
		return -EINVAL;
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_aead_ivsize(tfm) != M2MSEC_DATA_NONCE_LEN) {
		err = -EINVAL;
		goto err_free;
	}
	err = crypto_aead_setkey(tfm, raw, 32);
	if (err)
		goto err_free;
	err = crypto_aead_setauthsize(tfm, M2MSEC_DATA_TAG_LEN);
	if (err)
		goto err_free;
	key->tfm = tfm;
	key->suite = suite;
	return 0;

err_free:
	crypto_free_aead(tfm);
	return err;
}

/* Frees the transform, which wipes its copy of the key. */
void m2msec_data_key_destroy(struct m2msec_data_key *key)
{
	if (key->tfm)
		crypto_free_aead(key->tfm);
	key->tfm = NULL;
}

/*
 * Runs one AEAD operation in place on a linear packet and waits for an
 * asynchronous implementation to complete. The nonce lives with the
 * request on the heap, because an asynchronous driver may read it after
 * this stack frame would be gone.
 */
static int m2msec_data_crypt(struct m2msec_data_key *key, u8 *packet,
			     size_t sg_len, size_t cryptlen, bool encrypt)
{
	size_t req_size = sizeof(struct aead_request) +
			  crypto_aead_reqsize(key->tfm);
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	struct scatterlist sg;
	u8 *nonce;
	int err;

	/* NOTE: GFP_KERNEL: callers run in process context for now. */
	req = kmalloc(req_size + M2MSEC_DATA_NONCE_LEN, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	nonce = (u8 *)req + req_size;
	memset(nonce, 0, 4);
	memcpy(nonce + 4, packet + M2MSEC_HDR_LEN, 8);

	sg_init_one(&sg, packet, sg_len);
	aead_request_set_tfm(req, key->tfm);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, M2MSEC_DATA_HDR_LEN);
	aead_request_set_crypt(req, &sg, &sg, cryptlen, nonce);
	if (encrypt)
		err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	else
		err = crypto_wait_req(crypto_aead_decrypt(req), &wait);
	kfree_sensitive(req);
	return err;
}

/**
 * m2msec_data_seal - seal a DATA message in place
 * @key: the sender's traffic key
 * @receiver_index: the index that the receiving side chose
 * @counter: this packet's counter, below M2MSEC_DATA_COUNTER_LIMIT
 * @packet: a kmalloc'd buffer (not on the stack: it goes into a
 *	scatterlist) of plaintext_len + M2MSEC_DATA_OVERHEAD bytes, with
 *	the plaintext at offset M2MSEC_DATA_HDR_LEN
 * @plaintext_len: 0 for a keepalive
 *
 * Return: the packet length, -EKEYEXPIRED when the counter reached the
 * limit, or the crypto API's error.
 */
int m2msec_data_seal(struct m2msec_data_key *key, u32 receiver_index,
		     u64 counter, u8 *packet, size_t plaintext_len)
{
	size_t len = plaintext_len + M2MSEC_DATA_OVERHEAD;
	int err;

	if (counter >= M2MSEC_DATA_COUNTER_LIMIT)
		return -EKEYEXPIRED;
	if (receiver_index == 0 || len > INT_MAX)
		return -EINVAL;
	packet[0] = M2MSEC_PROTOCOL_VERSION;
	packet[1] = M2MSEC_MSG_DATA;
	packet[2] = 0;
	packet[3] = 0;
	m2msec_put_be32(packet + 4, receiver_index);
	m2msec_put_be64(packet + M2MSEC_HDR_LEN, counter);
	err = m2msec_data_crypt(key, packet, len, plaintext_len, true);
	return err ? err : (int)len;
}

/**
 * m2msec_data_open - check and open a DATA message in place
 * @key: the receiver's traffic key
 * @packet: a kmalloc'd buffer with the packet (see m2msec_data_seal)
 * @len: the packet length
 * @receiver_index: receives the header's receiver index
 * @counter: receives the counter
 *
 * The plaintext ends up at offset M2MSEC_DATA_HDR_LEN. On failure the
 * buffer content is undefined. The caller checks the counter against its
 * replay window before and updates the window only after success.
 *
 * Return: the plaintext length, -EBADMSG for a malformed packet or a tag
 * that does not verify, or another error of the crypto API.
 */
int m2msec_data_open(struct m2msec_data_key *key, u8 *packet, size_t len,
		     u32 *receiver_index, u64 *counter)
{
	struct m2msec_hdr hdr;
	const char *reason;
	int err;

	if (len < M2MSEC_DATA_OVERHEAD || len > INT_MAX)
		return -EBADMSG;
	err = m2msec_msg_parse_hdr(packet, len, &hdr, &reason);
	if (err)
		return err;
	if (hdr.type != M2MSEC_MSG_DATA)
		return -EBADMSG;
	*receiver_index = hdr.index;
	*counter = m2msec_get_be64(packet + M2MSEC_HDR_LEN);
	if (*counter >= M2MSEC_DATA_COUNTER_LIMIT)
		return -EBADMSG;
	err = m2msec_data_crypt(key, packet, len, len - M2MSEC_DATA_HDR_LEN,
				false);
	if (err)
		return err;
	return (int)(len - M2MSEC_DATA_OVERHEAD);
}
