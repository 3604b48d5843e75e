// SPDX-License-Identifier: GPL-2.0
/*
 * Strict reading of the public parts of a handshake message (PROTOCOL
 * version 1). Every length is checked before the bytes are read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "proto.h"

#define M2M_PROTO_STR_HDR	2	/* big-endian length before a str */
/* Fixed RESP bodies without their strs. */
#define M2M_PROTO_BOOT_FIXED	(M2MSEC_NODE_ID_LEN + 4 + 4)
#define M2M_PROTO_CONN_FIXED	(8 + 4 + 4 + 2)
#define M2M_PROTO_KEYS_LEN	(M2M_PROTO_NONCE_LEN + M2M_PROTO_PUBKEY_LEN)

static int m2m_proto_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int m2m_proto_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static uint32_t m2m_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

const char *m2m_proto_type_name(uint8_t type)
{
	switch (type) {
	case M2M_MSG_INIT:
		return "INIT";
	case M2M_MSG_RESP:
		return "RESP";
	case M2M_MSG_FINISH:
		return "FINISH";
	case M2M_MSG_DATA:
		return "DATA";
	}
	return "unknown";
}

const char *m2m_proto_mode_name(uint8_t mode)
{
	switch (mode) {
	case M2MSEC_MODE_BOOTSTRAP:
		return "bootstrap";
	case M2MSEC_MODE_CONNECT:
		return "connect";
	}
	return "unknown";
}

/*
 * Read the str at *off of msg: a 2-byte length of 1 to M2MSEC_STR_MAX
 * and that many bytes, all inside len. Advances *off past it.
 */
static int m2m_proto_read_str(const uint8_t *msg, size_t len, size_t *off,
			      const char *what, const uint8_t **str,
			      size_t *str_len, char *err, size_t errlen)
{
	size_t n;

	if (len - *off < M2M_PROTO_STR_HDR)
		return m2m_proto_fail(err, errlen,
				      "message ends before the length of %s",
				      what);
	n = (size_t)msg[*off] << 8 | msg[*off + 1];
	if (n == 0 || n > M2MSEC_STR_MAX)
		return m2m_proto_fail(err, errlen,
				      "invalid %s length %zu (expected 1 to %d)",
				      what, n, M2MSEC_STR_MAX);
	*off += M2M_PROTO_STR_HDR;
	if (len - *off < n)
		return m2m_proto_fail(err, errlen,
				      "%s of %zu bytes does not fit in the message",
				      what, n);
	if (str)
		*str = msg + *off;
	if (str_len)
		*str_len = n;
	*off += n;
	return 0;
}

/* Check byte 3 of the header against the rules of its type and mode. */
static int m2m_proto_check_suites(const struct m2m_proto_hdr *hdr, char *err,
				  size_t errlen)
{
	bool connect = hdr->mode == M2MSEC_MODE_CONNECT;

	if (hdr->type == M2M_MSG_INIT && connect) {
		if (hdr->suites == 0 || hdr->suites & ~M2MSEC_SUITES_ALL)
			return m2m_proto_fail(err, errlen,
					      "invalid suite mask 0x%02x in INIT",
					      hdr->suites);
		return 0;
	}
	if (hdr->type == M2M_MSG_RESP && connect) {
		if (hdr->suites != M2MSEC_SUITE_AES256GCM &&
		    hdr->suites != M2MSEC_SUITE_CHACHA20POLY1305)
			return m2m_proto_fail(err, errlen,
					      "invalid suite %u in RESP",
					      hdr->suites);
		return 0;
	}
	if (hdr->suites)
		return m2m_proto_fail(err, errlen,
				      "nonzero reserved byte 0x%02x in %s %s header",
				      hdr->suites,
				      m2m_proto_mode_name(hdr->mode),
				      m2m_proto_type_name(hdr->type));
	return 0;
}

static int m2m_proto_decode_hdr(const uint8_t *msg, size_t len,
				struct m2m_proto_hdr *hdr, char *err,
				size_t errlen)
{
	if (len < M2M_PROTO_HDR_LEN)
		return m2m_proto_fail(err, errlen,
				      "message of %zu bytes is shorter than its %d-byte header",
				      len, M2M_PROTO_HDR_LEN);
	hdr->version = msg[0];
	hdr->type = msg[1];
	hdr->mode = msg[2];
	hdr->suites = msg[3];
	hdr->index = m2m_get_be32(msg + 4);

	if (hdr->version != M2M_PROTO_VERSION)
		return m2m_proto_fail(err, errlen,
				      "unsupported protocol version %u (expected %d)",
				      hdr->version, M2M_PROTO_VERSION);
	if (hdr->type < M2M_MSG_INIT || hdr->type > M2M_MSG_FINISH)
		return m2m_proto_fail(err, errlen,
				      "invalid handshake message type %u",
				      hdr->type);
	if (hdr->mode != M2MSEC_MODE_BOOTSTRAP &&
	    hdr->mode != M2MSEC_MODE_CONNECT)
		return m2m_proto_fail(err, errlen, "invalid mode %u",
				      hdr->mode);
	if (hdr->index == 0)
		return m2m_proto_fail(err, errlen, "index is 0 in %s",
				      m2m_proto_type_name(hdr->type));
	return m2m_proto_check_suites(hdr, err, errlen);
}

static int m2m_proto_check_init(const uint8_t *msg, size_t len,
				struct m2m_proto_init *init, char *err,
				size_t errlen)
{
	size_t off = M2M_PROTO_HDR_LEN + M2M_PROTO_KEYS_LEN;
	int ret;

	if (len < off)
		return m2m_proto_fail(err, errlen,
				      "INIT of %zu bytes is too short", len);
	ret = m2m_proto_read_str(msg, len, &off, "initiator id", &init->id,
				 &init->id_len, err, errlen);
	if (ret)
		return ret;
	if (off != len)
		return m2m_proto_fail(err, errlen,
				      "INIT has %zu bytes after its initiator id",
				      len - off);
	if (init->hdr.mode == M2MSEC_MODE_CONNECT &&
	    init->id_len != M2MSEC_NODE_ID_LEN)
		return m2m_proto_fail(err, errlen,
				      "connect INIT id of %zu bytes (expected a %d-byte node id)",
				      init->id_len, M2MSEC_NODE_ID_LEN);
	return 0;
}

static int m2m_proto_check_resp(const uint8_t *msg, size_t len, uint8_t mode,
				char *err, size_t errlen)
{
	size_t off = M2M_PROTO_HDR_LEN + M2M_PROTO_KEYS_LEN;
	size_t fixed = mode == M2MSEC_MODE_BOOTSTRAP ? M2M_PROTO_BOOT_FIXED :
						       M2M_PROTO_CONN_FIXED;
	int ret;

	if (len < off + fixed)
		return m2m_proto_fail(err, errlen,
				      "RESP of %zu bytes is too short", len);
	off += fixed;
	if (mode == M2MSEC_MODE_BOOTSTRAP) {
		ret = m2m_proto_read_str(msg, len, &off, "mas_fqdn", NULL,
					 NULL, err, errlen);
		if (ret)
			return ret;
		ret = m2m_proto_read_str(msg, len, &off, "scl_id", NULL, NULL,
					 err, errlen);
	} else {
		ret = m2m_proto_read_str(msg, len, &off, "nscl_id", NULL,
					 NULL, err, errlen);
	}
	if (ret)
		return ret;
	if (len - off != M2M_PROTO_MAC_LEN)
		return m2m_proto_fail(err, errlen,
				      "RESP of %zu bytes does not end with a %d-byte MAC",
				      len, M2M_PROTO_MAC_LEN);
	return 0;
}

int m2m_proto_parse_hdr(const uint8_t *msg, size_t len,
			struct m2m_proto_hdr *hdr, char *err, size_t errlen)
{
	struct m2m_proto_init init;
	int ret;

	if (len > M2MSEC_MSG_MAX)
		return m2m_proto_fail(err, errlen,
				      "message of %zu bytes exceeds the maximum of %d",
				      len, M2MSEC_MSG_MAX);
	ret = m2m_proto_decode_hdr(msg, len, hdr, err, errlen);
	if (ret)
		return ret;

	switch (hdr->type) {
	case M2M_MSG_INIT:
		init.hdr = *hdr;
		return m2m_proto_check_init(msg, len, &init, err, errlen);
	case M2M_MSG_RESP:
		return m2m_proto_check_resp(msg, len, hdr->mode, err, errlen);
	default:
		if (len != M2M_PROTO_FINISH_LEN)
			return m2m_proto_fail(err, errlen,
					      "FINISH of %zu bytes (expected %d)",
					      len, M2M_PROTO_FINISH_LEN);
		return 0;
	}
}

int m2m_proto_parse_init(const uint8_t *msg, size_t len,
			 struct m2m_proto_init *init, char *err, size_t errlen)
{
	int ret;

	ret = m2m_proto_parse_hdr(msg, len, &init->hdr, err, errlen);
	if (ret)
		return ret;
	if (init->hdr.type != M2M_MSG_INIT)
		return m2m_proto_fail(err, errlen,
				      "expected an INIT, got a %s",
				      m2m_proto_type_name(init->hdr.type));
	return m2m_proto_check_init(msg, len, init, err, errlen);
}
