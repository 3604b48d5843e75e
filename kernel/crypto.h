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

#endif /* _M2MSEC_CRYPTO_H */
