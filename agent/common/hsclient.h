/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Initiator side of a handshake carried over HTTP: HS_INIT in the kernel,
 * POST of INIT to <base_url>/bootstrap or <base_url>/connect, HS_COMPLETE
 * with the RESP, POST of FINISH. The new key is linked into opts->keyring.
 */
#ifndef M2M_HSCLIENT_H
#define M2M_HSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "proto.h"

struct m2m_hs_client_opts {
	const char *base_url;	/* e.g. "http://10.77.0.1:8080/m2msec" */
	uint8_t mode;		/* M2MSEC_MODE_* */
	const uint8_t *id;	/* bootstrap id, or the 16-byte node id */
	size_t id_len;
	uint8_t suites;		/* connect only; 0 means all */
	int32_t keyring;	/* serial or KEY_SPEC_* value */
	long timeout_ms;	/* per HTTP request */
};

/*
 * Run one handshake. On success returns 0 and fills result with the
 * HS_COMPLETE reply (key serial, key id, RESP fields); in connect mode,
 * which has no NODE_ID in the reply, node_id is set to opts->id. On failure returns
 * a negative errno and writes a one-line reason into err, including the
 * HTTP status and problem detail when the server rejected a message.
 */
int m2m_hs_client_run(struct m2m_nl *nl, const struct m2m_hs_client_opts *opts,
		      struct m2m_hs *result, char *err, size_t errlen);

/*
 * POST one handshake message to url with content type
 * M2M_HS_CONTENT_TYPE and check the reply. expect_status 200 requires a
 * reply body of that content type and at most M2MSEC_MSG_MAX bytes, which
 * is copied into reply (M2MSEC_MSG_MAX bytes); 204 requires no body.
 * Returns 0, or a negative errno with a one-line reason in err: -EPROTO
 * for any other status (the reason has the status and the problem+json
 * detail or title), -EMSGSIZE or -EBADMSG for a bad reply body,
 * -ETIMEDOUT, -ECONNREFUSED or -EIO for transport failures.
 */
int m2m_hs_http_post(const char *url, const uint8_t *msg, size_t len,
		     long expect_status, long timeout_ms, uint8_t *reply,
		     size_t *reply_len, char *err, size_t errlen);

#endif /* M2M_HSCLIENT_H */
