/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kma request signatures, shared by applications (m2mctl rest) and m2md.
 *
 *   Authorization: M2M-Kma app="<appId>", kid="<key id of the Kmc, hex>",
 *                  ts="<Unix seconds>", nonce="<32 hex digits>",
 *                  mac="<64 hex digits>"
 *
 *   canonical = "m2msec-kma-v1" LF method LF target LF appId LF kid LF
 *               ts LF nonce LF hex(SHA-256(body))
 *   digest    = SHA-256(canonical)
 *   mac       = HMAC-SHA256(Kma(appId), digest)
 *
 * target is the request target as sent (path and query, still encoded);
 * for CoAP it is "/" followed by the Uri-Path options joined with "/",
 * then "?" and the Uri-Query options joined with "&" when there are any.
 * Kma is HKDF-Expand(Kmc, "m2msec Kma" || appId, 32) of PROTOCOL.md.
 */
#ifndef M2M_KMAUTH_H
#define M2M_KMAUTH_H

#include <stddef.h>
#include <stdint.h>

#define M2M_KMAUTH_SCHEME	"M2M-Kma"
#define M2M_KMAUTH_NONCE_LEN	16
#define M2M_KMAUTH_MAC_LEN	32
#define M2M_KMAUTH_DIGEST_LEN	32
#define M2M_KMAUTH_MAX		1024	/* longest Authorization value */

struct m2m_kmauth {
	char app_id[256];
	char kid[2 * 16 + 1];			/* M2MSEC_KEY_ID_LEN bytes */
	int64_t ts;
	uint8_t nonce[M2M_KMAUTH_NONCE_LEN];
	uint8_t mac[M2M_KMAUTH_MAC_LEN];
};

/* digest of the canonical string of a request. Returns 0 or -EINVAL. */
int m2m_kmauth_digest(const char *method, const char *target,
		      const struct m2m_kmauth *a, const void *body,
		      size_t len, uint8_t digest[M2M_KMAUTH_DIGEST_LEN]);
/*
 * Parse an Authorization value. Returns 0, or -EINVAL with the reason in
 * err (which parameter is missing or malformed).
 */
int m2m_kmauth_parse(const char *value, struct m2m_kmauth *out, char *err,
		     size_t errlen);
/* Write an Authorization value. Returns 0 or -ENOSPC. */
int m2m_kmauth_format(const struct m2m_kmauth *a, char *out, size_t len);
/*
 * Sign a request as the application: reads Kma from the user key with
 * serial kma_serial (keyctl_read), fills a->ts, a->nonce and a->mac and
 * wipes the key. Returns 0 or a negative errno.
 */
int m2m_kmauth_sign(int32_t kma_serial, const char *method,
		    const char *target, const void *body, size_t len,
		    struct m2m_kmauth *a);

#endif /* M2M_KMAUTH_H */
