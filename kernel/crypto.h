/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_CRYPTO_H
#define _M2MSEC_CRYPTO_H

#include <linux/types.h>

#define M2MSEC_HASH_LEN 32

int m2msec_crypto_init(void);
void m2msec_crypto_exit(void);

/* HKDF-Extract with SHA-256 (RFC 5869): prk = HMAC(salt, ikm). */
int m2msec_hkdf_extract(const u8 salt[M2MSEC_HASH_LEN], const u8 *ikm,
			size_t ikm_len, u8 prk[M2MSEC_HASH_LEN]);
/* HKDF-Expand with SHA-256 (RFC 5869), out_len at most 255 * 32. */
int m2msec_hkdf_expand(const u8 prk[M2MSEC_HASH_LEN], const u8 *info,
		       size_t info_len, u8 *out, size_t out_len);
/* HKDF-Expand with info = label || context, without a copy. */
int m2msec_hkdf_expand_label(const u8 prk[M2MSEC_HASH_LEN], const char *label,
			     const u8 *context, size_t context_len,
			     u8 *out, size_t out_len);

/*
 * The functions below and the HKDF functions above may sleep: they
 * allocate a transform per call and must not run in atomic context.
 */

#define M2MSEC_X25519_LEN 32

int m2msec_sha256(const u8 *data, size_t len, u8 out[M2MSEC_HASH_LEN]);
/* SHA-256 of a || b, for a transcript of two messages without a copy. */
int m2msec_sha256_2(const u8 *a, size_t a_len, const u8 *b, size_t b_len,
		    u8 out[M2MSEC_HASH_LEN]);
int m2msec_hmac_sha256(const u8 *key, size_t key_len, const u8 *data,
		       size_t len, u8 out[M2MSEC_HASH_LEN]);

/* Makes a random X25519 private key and its public key. */
int m2msec_x25519_generate(u8 private_key[M2MSEC_X25519_LEN],
			   u8 public_key[M2MSEC_X25519_LEN]);
/* Computes the public key of a given (self-test) private key. */
int m2msec_x25519_public(const u8 private_key[M2MSEC_X25519_LEN],
			 u8 public_key[M2MSEC_X25519_LEN]);
/* X25519 shared secret; -EKEYREJECTED when the result is all zero. */
int m2msec_x25519(const u8 private_key[M2MSEC_X25519_LEN],
		  const u8 peer_public[M2MSEC_X25519_LEN],
		  u8 shared[M2MSEC_X25519_LEN]);

#endif /* _M2MSEC_CRYPTO_H */
