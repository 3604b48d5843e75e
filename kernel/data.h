/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DATA messages: one inner packet sealed with the AEAD of the connection's
 * suite. Layout: header (8) | counter (8, big-endian) | ciphertext | tag.
 */
#ifndef _M2MSEC_DATA_H
#define _M2MSEC_DATA_H

#include <crypto/aead.h>
#include <linux/types.h>

#define M2MSEC_DATA_HDR_LEN	16	/* header and counter: the AD */
#define M2MSEC_DATA_TAG_LEN	16
#define M2MSEC_DATA_OVERHEAD	(M2MSEC_DATA_HDR_LEN + M2MSEC_DATA_TAG_LEN)
#define M2MSEC_DATA_NONCE_LEN	12

/*
 * A sender stops before its counter reaches this value, 2^64 - 2^13, so
 * that a counter is never reused with the same key.
 */
#define M2MSEC_DATA_COUNTER_LIMIT	(~0ULL - (1ULL << 13) + 1)

/* One direction's traffic key as an AEAD transform of its suite. */
struct m2msec_data_key {
	struct crypto_aead *tfm;
	u8 suite;
};

const char *m2msec_data_aead_name(u8 suite);
int m2msec_data_derive(const u8 kmc[32], u8 k_i2r[32], u8 k_r2i[32]);
int m2msec_data_key_init(struct m2msec_data_key *key, u8 suite,
			 const u8 raw[32]);
void m2msec_data_key_destroy(struct m2msec_data_key *key);
int m2msec_data_seal(struct m2msec_data_key *key, u32 receiver_index,
		     u64 counter, u8 *packet, size_t plaintext_len);
int m2msec_data_open(struct m2msec_data_key *key, u8 *packet, size_t len,
		     u32 *receiver_index, u64 *counter);

#endif /* _M2MSEC_DATA_H */
