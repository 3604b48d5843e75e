// SPDX-License-Identifier: GPL-2.0
/*
 * Initiator side of one handshake: the kernel makes INIT and checks RESP,
 * this file carries the messages to the responder and back over HTTP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "hsclient.h"

/*
 * Attempts to deliver FINISH when the transport fails. The responder
 * replies to a repeated FINISH as to the first, so a retry is safe.
 */
#define M2M_HS_FINISH_TRIES	3
#define M2M_HS_URL_MAX		1024

static int m2m_hs_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int m2m_hs_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int m2m_hs_check_opts(const struct m2m_hs_client_opts *opts,
			     char *err, size_t errlen)
{
	if (!opts->base_url || !opts->base_url[0])
		return m2m_hs_fail(err, errlen, -EINVAL,
				   "missing responder base URL");
	if (opts->mode != M2MSEC_MODE_BOOTSTRAP &&
	    opts->mode != M2MSEC_MODE_CONNECT)
		return m2m_hs_fail(err, errlen, -EINVAL,
				   "invalid handshake mode %u", opts->mode);
	if (opts->id_len == 0 || opts->id_len > M2MSEC_STR_MAX)
		return m2m_hs_fail(err, errlen, -EINVAL,
				   "invalid initiator id length %zu (expected 1 to %d)",
				   opts->id_len, M2MSEC_STR_MAX);
	if (opts->mode == M2MSEC_MODE_CONNECT &&
	    opts->id_len != M2MSEC_NODE_ID_LEN)
		return m2m_hs_fail(err, errlen, -EINVAL,
				   "connect needs a %d-byte node id, got %zu bytes",
				   M2MSEC_NODE_ID_LEN, opts->id_len);
	if (opts->suites & ~M2MSEC_SUITES_ALL)
		return m2m_hs_fail(err, errlen, -EINVAL,
				   "invalid suite mask 0x%02x", opts->suites);
	return 0;
}

/* Build <base_url>/bootstrap or <base_url>/connect. */
static int m2m_hs_url(const struct m2m_hs_client_opts *opts, char *url,
		      size_t urllen, char *err, size_t errlen)
{
	size_t base_len = strlen(opts->base_url);
	int n;

	while (base_len && opts->base_url[base_len - 1] == '/')
		base_len--;
	n = snprintf(url, urllen, "%.*s/%s", (int)base_len, opts->base_url,
		     m2m_proto_mode_name(opts->mode));
	if (n < 0 || (size_t)n >= urllen)
		return m2m_hs_fail(err, errlen, -ENAMETOOLONG,
				   "responder URL is longer than %zu bytes",
				   urllen - 1);
	return 0;
}

/* Check that a reply body is a RESP of our mode before passing it on. */
static int m2m_hs_check_resp(const char *url, const uint8_t *msg, size_t len,
			     uint8_t mode, char *err, size_t errlen)
{
	struct m2m_proto_hdr hdr;
	char why[160];

	if (m2m_proto_parse_hdr(msg, len, &hdr, why, sizeof(why)))
		return m2m_hs_fail(err, errlen, -EBADMSG,
				   "POST %s: invalid reply: %s", url, why);
	if (hdr.type != M2M_MSG_RESP || hdr.mode != mode)
		return m2m_hs_fail(err, errlen, -EBADMSG,
				   "POST %s: reply is a %s %s, expected a %s RESP",
				   url, m2m_proto_mode_name(hdr.mode),
				   m2m_proto_type_name(hdr.type),
				   m2m_proto_mode_name(mode));
	return 0;
}

/*
 * Remove the key that HS_COMPLETE installed when the responder rejected
 * FINISH: the responder installed nothing, so the key has no peer.
 */
static void m2m_hs_drop_key(int32_t serial, int32_t keyring)
{
	if (keyctl_invalidate(serial) < 0)
		keyctl_unlink(serial, keyring);
}

static int m2m_hs_send_finish(const char *url, const struct m2m_hs *done,
			      const struct m2m_hs_client_opts *opts, char *err,
			      size_t errlen)
{
	size_t len;
	int tries;
	int ret;

	for (tries = 1;; tries++) {
		ret = m2m_hs_http_post(url, done->msg, done->msg_len, 204,
				       opts->timeout_ms, NULL, &len, err,
				       errlen);
		if (ret != -ETIMEDOUT && ret != -ECONNREFUSED && ret != -EIO)
			break;
		if (tries == M2M_HS_FINISH_TRIES)
			break;
	}
	return ret;
}

/* Append a sentence about the fate of the installed key to err. */
static void m2m_hs_note_key(char *err, size_t errlen, int32_t serial,
			    bool dropped)
{
	size_t used = strnlen(err, errlen);

	if (!errlen || used >= errlen - 1)
		return;
	if (dropped)
		snprintf(err + used, errlen - used,
			 "; the new key %d was removed", serial);
	else
		snprintf(err + used, errlen - used,
			 "; the new key %d is kept, but the responder may not have it",
			 serial);
}

static int m2m_hs_exchange(struct m2m_nl *nl,
			   const struct m2m_hs_client_opts *opts,
			   const char *url, struct m2m_hs *msg,
			   struct m2m_hs *result, char *err, size_t errlen)
{
	struct m2m_nl_err nl_err;
	uint32_t index;
	int ret;

	/* msg carries the request of each step and then its reply. */
	memset(msg, 0, sizeof(*msg));
	msg->mode = opts->mode;
	memcpy(msg->id, opts->id, opts->id_len);
	msg->id_len = opts->id_len;
	if (opts->mode == M2MSEC_MODE_CONNECT)
		msg->suites = opts->suites ? opts->suites : M2MSEC_SUITES_ALL;
	ret = m2m_nl_hs_init(nl, msg, result, &nl_err);
	if (ret)
		return m2m_hs_fail(err, errlen, ret, "HS_INIT failed: %s",
				   nl_err.msg);
	index = result->index;

	memset(msg, 0, sizeof(*msg));
	ret = m2m_hs_http_post(url, result->msg, result->msg_len, 200,
			       opts->timeout_ms, msg->msg, &msg->msg_len, err,
			       errlen);
	if (!ret)
		ret = m2m_hs_check_resp(url, msg->msg, msg->msg_len,
					opts->mode, err, errlen);
	if (ret)
		return ret;

	msg->index = index;
	msg->keyring = opts->keyring;
	ret = m2m_nl_hs_complete(nl, msg, result, &nl_err);
	if (ret)
		return m2m_hs_fail(err, errlen, ret, "HS_COMPLETE failed: %s",
				   nl_err.msg);
	/* A connect reply has no NODE_ID: the node id is the initiator id. */
	if (opts->mode == M2MSEC_MODE_CONNECT && !result->has_node_id) {
		memcpy(result->node_id, opts->id, M2MSEC_NODE_ID_LEN);
		result->has_node_id = true;
	}

	ret = m2m_hs_send_finish(url, result, opts, err, errlen);
	if (ret == -EPROTO || ret == -EBADMSG) {
		/* The responder received FINISH and rejected it. */
		m2m_hs_drop_key(result->key_serial, opts->keyring);
		m2m_hs_note_key(err, errlen, result->key_serial, true);
	} else if (ret) {
		m2m_hs_note_key(err, errlen, result->key_serial, false);
	}
	return ret;
}

int m2m_hs_client_run(struct m2m_nl *nl, const struct m2m_hs_client_opts *opts,
		      struct m2m_hs *result, char *err, size_t errlen)
{
	char url[M2M_HS_URL_MAX];
	struct m2m_hs *msg;
	int ret;

	ret = m2m_hs_check_opts(opts, err, errlen);
	if (!ret)
		ret = m2m_hs_url(opts, url, sizeof(url), err, errlen);
	if (ret)
		return ret;

	msg = calloc(1, sizeof(*msg));
	if (!msg)
		return m2m_hs_fail(err, errlen, -ENOMEM, "out of memory");
	ret = m2m_hs_exchange(nl, opts, url, msg, result, err, errlen);
	free(msg);
	return ret;
}
