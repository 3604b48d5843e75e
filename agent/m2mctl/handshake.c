// SPDX-License-Identifier: GPL-2.0
/*
 * A handshake run by hand for m2mctl bootstrap and connect, and the
 * printing of its result: the ids of the new key and the RESP fields.
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "hsclient.h"
#include "m2mctl.h"

static const char *m2mctl_suite_name(uint8_t suite)
{
	switch (suite) {
	case M2MSEC_SUITE_AES256GCM:
		return "aes256gcm";
	case M2MSEC_SUITE_CHACHA20POLY1305:
		return "chacha20poly1305";
	}
	return "none";
}

static void m2mctl_print_lifetime(uint32_t lifetime)
{
	char when[64];

	if (lifetime == 0) {
		printf("lifetime:      none (the key does not expire)\n");
		return;
	}
	m2mctl_format_time(time(NULL) + (time_t)lifetime, when, sizeof(when));
	printf("lifetime:      %u s (until about %s)\n", lifetime, when);
}

static void m2mctl_print_result(const struct m2m_hs *r)
{
	char hex[2 * M2MSEC_STR_MAX + 1];
	char text[M2MSEC_STR_MAX + 1];

	printf("mode:          %s\n", m2m_proto_mode_name(r->mode));
	if (r->has_node_id) {
		m2m_hex_encode(r->node_id, M2MSEC_NODE_ID_LEN, hex);
		printf("node id:       %s\n", hex);
	}
	if (r->has_key_id) {
		m2m_hex_encode(r->key_id, M2MSEC_KEY_ID_LEN, hex);
		printf("key id:        %s\n", hex);
	}
	printf("key serial:    %d\n", r->key_serial);
	printf("index:         %u\n", r->index);
	printf("peer index:    %u\n", r->peer_index);
	if (r->has_key_index)
		printf("%s     %u\n",
		       r->mode == M2MSEC_MODE_BOOTSTRAP ? "kmr_index:" :
							  "kmc_index:",
		       r->key_index);
	if (r->has_lifetime)
		m2mctl_print_lifetime(r->lifetime);
	if (r->mode == M2MSEC_MODE_CONNECT) {
		printf("suite:         %s\n", m2mctl_suite_name(r->suite));
		if (r->has_conn_id)
			printf("conn id:       %016llx\n",
			       (unsigned long long)r->conn_id);
		if (r->has_mid_flags)
			printf("mid_flags:     0x%04x%s\n", r->mid_flags,
			       r->mid_flags & M2MSEC_MID_PROTECT ?
				       " (mId protection required)" : "");
	}
	if (r->mas_fqdn[0])
		printf("mas_fqdn:      %s\n",
		       m2mctl_printable(r->mas_fqdn, text, sizeof(text)));
	if (r->scl_id[0])
		printf("scl_id:        %s\n",
		       m2mctl_printable(r->scl_id, text, sizeof(text)));
	if (r->nscl_id[0])
		printf("nscl_id:       %s\n",
		       m2mctl_printable(r->nscl_id, text, sizeof(text)));
}

int m2mctl_run_handshake(const char *cmd, const char *url, uint8_t mode,
			 const uint8_t *id, size_t id_len, uint8_t suites,
			 int32_t keyring, long timeout_ms)
{
	struct m2m_hs_client_opts opts = {
		.base_url = url,
		.mode = mode,
		.id = id,
		.id_len = id_len,
		.suites = suites,
		.keyring = keyring,
		.timeout_ms = timeout_ms,
	};
	struct m2m_nl_err nl_err;
	struct m2m_hs *result;
	struct m2m_nl *nl;
	char err[512];
	int ret;

	nl = m2m_nl_open(&nl_err);
	if (!nl)
		return m2mctl_error("%s: %s", cmd, nl_err.msg);
	result = calloc(1, sizeof(*result));
	if (!result) {
		m2m_nl_close(nl);
		return m2mctl_error("%s: out of memory", cmd);
	}
	ret = m2m_hs_client_run(nl, &opts, result, err, sizeof(err));
	m2m_nl_close(nl);
	if (ret) {
		free(result);
		return m2mctl_error("%s failed: %s", cmd, err);
	}
	m2mctl_print_result(result);
	free(result);
	return M2MCTL_EXIT_OK;
}
