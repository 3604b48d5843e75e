/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Authentication of REST requests (both bindings):
 *  - Kma: an application signs each request with its Kma (see
 *    agent/common/kmauth.h for the Authorization value). m2md checks the
 *    time window and that the nonce is new, then requests the kernel
 *    (M2MSEC_CMD_KMA_VERIFY) to check the MAC, so Kma never enters m2md.
 *  - service connection: a request whose source is a gateway's tunnel
 *    address speaks for that gateway's sclId (network role), and one
 *    from the network's tunnel address for the NSCL (gateway role); the
 *    role supplies this through m2md_auth_ops.
 *  - admin socket: a Unix socket whose peer has uid 0 or m2md's uid.
 * Anything else is anonymous. A request with an Authorization header
 * that does not verify gets 401, never anonymous rights.
 */
#ifndef M2MD_AUTH_H
#define M2MD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "http.h"

/* Seconds a signed request's ts may differ from m2md's clock. */
#define M2MD_AUTH_SKEW		300
/* Nonces remembered (for 2 * M2MD_AUTH_SKEW) to refuse replays. */
#define M2MD_AUTH_NONCES_MAX	65536

struct m2m_nl;
struct m2md_auth;

struct m2md_auth_ops {
	/*
	 * Role hook: fill who for a request that came over the tunnel and
	 * return 1, return 0 when req did not come over the tunnel.
	 */
	int (*tunnel_principal)(void *ctx, const struct m2md_request *req,
				struct m2md_principal *who);
	void *ctx;
	/*
	 * Check mac over digest for app_id with the key key_id, in place of
	 * the kernel (unit tests); NULL means the kernel, through nl. Returns
	 * 0 or a negative errno, as m2m_nl_kma_verify() does.
	 */
	int (*kma_verify)(void *ctx, const uint8_t key_id[16],
			  const char *app_id, const uint8_t digest[32],
			  const uint8_t mac[32]);
	unsigned int skew;		/* seconds, 0 = M2MD_AUTH_SKEW */
	size_t nonces_max;		/* 0 = M2MD_AUTH_NONCES_MAX */
};

/*
 * nl may be NULL (no kernel module): Kma signatures then get 503 with a
 * message that names the reason.
 */
struct m2md_auth *m2md_auth_new(struct m2m_nl *nl, int32_t keyring,
				const struct m2md_auth_ops *ops);
void m2md_auth_free(struct m2md_auth *auth);

/*
 * Work out who sent req. Returns 0 with who filled, or fills reply (401
 * with a WWW-Authenticate challenge and a reason, or 503) and returns -1.
 */
int m2md_auth_request(struct m2md_auth *auth, const struct m2md_request *req,
		      struct m2md_principal *who, struct m2md_reply *reply);

#endif /* M2MD_AUTH_H */
