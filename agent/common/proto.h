/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space reading of the public parts of a handshake message: the
 * 8-byte header and, for INIT, the initiator id. The responder uses it to
 * learn mode, type and id before it hands the message to the kernel. It
 * checks the header rules and the message length strictly, but it checks
 * no MAC: the kernel does that.
 */
#ifndef M2M_PROTO_H
#define M2M_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/m2msec.h>

/* Content type of a handshake message carried over HTTP. */
#define M2M_HS_CONTENT_TYPE	"application/vnd.m2msec.handshake"

#define M2M_PROTO_VERSION	1
#define M2M_PROTO_HDR_LEN	8
#define M2M_PROTO_NONCE_LEN	32
#define M2M_PROTO_PUBKEY_LEN	32
#define M2M_PROTO_MAC_LEN	32
#define M2M_PROTO_FINISH_LEN	(M2M_PROTO_HDR_LEN + M2M_PROTO_MAC_LEN)

enum m2m_msg_type {
	M2M_MSG_INIT = 1,
	M2M_MSG_RESP = 2,
	M2M_MSG_FINISH = 3,
	M2M_MSG_DATA = 4,
};

/* The 8-byte header common to every message, index in host order. */
struct m2m_proto_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t mode;
	uint8_t suites;		/* INIT: offered mask; RESP: chosen suite */
	uint32_t index;
};

/* Public fields of an INIT; id points into the parsed buffer. */
struct m2m_proto_init {
	struct m2m_proto_hdr hdr;
	const uint8_t *id;	/* bootstrap id, or the 16-byte node id */
	size_t id_len;
};

/*
 * Parse and check a whole handshake message (INIT, RESP or FINISH): the
 * header rules and a length that equals what its fields add up to.
 * Returns 0, or -EBADMSG with a one-line reason in err.
 */
int m2m_proto_parse_hdr(const uint8_t *msg, size_t len,
			struct m2m_proto_hdr *hdr, char *err, size_t errlen);

/*
 * Parse an INIT as m2m_proto_parse_hdr() does and return its id. A
 * message of another type is rejected with -EBADMSG.
 */
int m2m_proto_parse_init(const uint8_t *msg, size_t len,
			 struct m2m_proto_init *init, char *err, size_t errlen);

/* Return "INIT", "RESP", "FINISH", "DATA" or "unknown". */
const char *m2m_proto_type_name(uint8_t type);
/* Return "bootstrap", "connect" or "unknown". */
const char *m2m_proto_mode_name(uint8_t mode);

#endif /* M2M_PROTO_H */
