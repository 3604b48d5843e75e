/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser and builder of m2msec handshake messages (protocol version 1).
 *
 * This file and msg.c use no kernel-only call, so that the same parser
 * also builds in user space for the unit test and a fuzzer.
 */
#ifndef _M2MSEC_MSG_H
#define _M2MSEC_MSG_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif

#include <linux/m2msec.h>

#define M2MSEC_PROTOCOL_VERSION	1

enum m2msec_msg_type {
	M2MSEC_MSG_INIT = 1,
	M2MSEC_MSG_RESP = 2,
	M2MSEC_MSG_FINISH = 3,
	M2MSEC_MSG_DATA = 4,
};

#define M2MSEC_HDR_LEN		8
#define M2MSEC_NONCE_LEN	32
#define M2MSEC_PUBLIC_LEN	32	/* X25519 public key */
#define M2MSEC_MAC_LEN		32
#define M2MSEC_STR_HDR_LEN	2	/* length prefix of a str */
#define M2MSEC_FINISH_LEN	(M2MSEC_HDR_LEN + M2MSEC_MAC_LEN)

/* RESP bytes after the header that both modes share: nonce, ephemeral. */
#define M2MSEC_HS_RANDOM_LEN	(M2MSEC_NONCE_LEN + M2MSEC_PUBLIC_LEN)

/* mid_flags bits that version 1 defines; the others are reserved. */
#define M2MSEC_MID_FLAGS_KNOWN	M2MSEC_MID_PROTECT

/* The 8-byte header that starts every message. */
struct m2msec_hdr {
	u8 version;
	u8 type;
	u8 mode;
	u8 suites;	/* INIT: suites offered; RESP: suite chosen; else 0 */
	u32 index;	/* INIT: index_i; RESP, FINISH: index_r */
};

/* A length-prefixed UTF-8 string of 1 to M2MSEC_STR_MAX bytes. */
struct m2msec_str {
	u16 len;
	u8 data[M2MSEC_STR_MAX];
};

struct m2msec_init {
	struct m2msec_hdr hdr;
	u8 nonce[M2MSEC_NONCE_LEN];
	u8 ephemeral[M2MSEC_PUBLIC_LEN];
	struct m2msec_str id;	/* connect mode: the 16-byte node id */
};

/*
 * The fields of a RESP body. key_index and lifetime exist in both modes
 * (kmr_index or kmc_index); the others belong to one mode only.
 */
struct m2msec_resp_fields {
	u32 key_index;
	u32 lifetime;			/* seconds, 0 = no expiry (bootstrap) */
	/* bootstrap */
	u8 node_id[M2MSEC_NODE_ID_LEN];
	struct m2msec_str mas_fqdn;
	struct m2msec_str scl_id;
	/* connect */
	u64 conn_id;
	u16 mid_flags;
	struct m2msec_str nscl_id;
};

struct m2msec_resp {
	struct m2msec_hdr hdr;
	u8 nonce[M2MSEC_NONCE_LEN];
	u8 ephemeral[M2MSEC_PUBLIC_LEN];
	struct m2msec_resp_fields fields;
	u8 mac[M2MSEC_MAC_LEN];
};

struct m2msec_finish {
	struct m2msec_hdr hdr;
	u8 mac[M2MSEC_MAC_LEN];
};

static inline u16 m2msec_get_be16(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}

static inline u32 m2msec_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 m2msec_get_be64(const u8 *p)
{
	return (u64)m2msec_get_be32(p) << 32 | m2msec_get_be32(p + 4);
}

static inline void m2msec_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void m2msec_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline void m2msec_put_be64(u8 *p, u64 v)
{
	m2msec_put_be32(p, v >> 32);
	m2msec_put_be32(p + 4, v & 0xffffffff);
}

/*
 * Every parser returns 0, -EBADMSG for a malformed message or -EPROTO for
 * a RESP whose suite the INIT did not offer, and on error stores a static
 * string that names the failure in *reason (for an extended ack).
 */
int m2msec_msg_parse_hdr(const u8 *buf, size_t len, struct m2msec_hdr *hdr,
			 const char **reason);
int m2msec_msg_parse_init(const u8 *buf, size_t len, struct m2msec_init *init,
			  const char **reason);
int m2msec_msg_parse_resp(const u8 *buf, size_t len, u8 offered_suites,
			  struct m2msec_resp *resp, const char **reason);
int m2msec_msg_parse_finish(const u8 *buf, size_t len,
			    struct m2msec_finish *finish, const char **reason);

/*
 * Every builder checks the fields like the parser would, writes the
 * message into buf and returns its length, -EINVAL for a field that the
 * parser would reject or -EMSGSIZE when size is too small. A RESP needs
 * the INIT's suites to check its suite, like the parser.
 */
int m2msec_msg_build_init(const struct m2msec_init *init, u8 *buf,
			  size_t size);
int m2msec_msg_build_resp(const struct m2msec_resp *resp, u8 offered_suites,
			  u8 *buf, size_t size);
int m2msec_msg_build_finish(const struct m2msec_finish *finish, u8 *buf,
			    size_t size);

#endif /* _M2MSEC_MSG_H */
