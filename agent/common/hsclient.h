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
 * HS_COMPLETE reply (key serial, key id, RESP fields). On failure returns
 * a negative errno and writes a one-line reason into err, including the
 * HTTP status and problem detail when the server rejected a message.
 */
int m2m_hs_client_run(struct m2m_nl *nl, const struct m2m_hs_client_opts *opts,
		      struct m2m_hs *result, char *err, size_t errlen);

#endif /* M2M_HSCLIENT_H */
