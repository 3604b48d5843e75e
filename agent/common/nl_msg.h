/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and parsing of m2msec generic netlink messages in memory,
 * apart from the socket, so that the encoding can be tested without the
 * kernel module. nl.c sends and receives what these functions build and
 * read.
 */
#ifndef M2M_NL_MSG_H
#define M2M_NL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "nl.h"

/* Size of a request buffer: a full MSG, three full strings and scalars. */
#define M2M_NL_REQ_SIZE		4096

/* Return the name of an M2MSEC_A_* attribute, or "unknown". */
const char *m2m_nl_attr_name(unsigned int type);

/* Start a generic netlink request in buf (M2M_NL_REQ_SIZE bytes). */
struct nlmsghdr *m2m_nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
				  uint16_t flags, uint32_t seq);

/*
 * Put the attributes that command cmd takes from req into nlh: scalars
 * that are set (nonzero, or has_* true), ID and MSG when their length is
 * nonzero, strings when not empty. Returns 0, -EINVAL for an unknown
 * command or -EMSGSIZE when buflen is too small.
 */
int m2m_nl_msg_put_hs(struct nlmsghdr *nlh, size_t buflen, uint8_t cmd,
		      const struct m2m_hs *req, struct m2m_nl_err *err);

/* Put the attributes of a KMA_DERIVE request. */
int m2m_nl_msg_put_kma(struct nlmsghdr *nlh, size_t buflen,
		       const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		       const char *app_id, int32_t keyring, uint32_t uid,
		       struct m2m_nl_err *err);

/*
 * Parse the attributes of an m2msec reply into out, which is cleared
 * first. Every attribute is checked: an unknown type or a length that
 * does not match the type is rejected with -EPROTO.
 */
int m2m_nl_msg_parse_hs(const struct nlmsghdr *nlh, struct m2m_hs *out,
			struct m2m_nl_err *err);

/* Parse one HS_GET dump message into entry, checked as above. */
int m2m_nl_msg_parse_entry(const struct nlmsghdr *nlh,
			   struct m2m_hs_entry *entry, struct m2m_nl_err *err);

/* Attributes of one message, checked and indexed by type. */
struct m2m_nl_parse_ctx {
	const struct nlattr *attrs[M2MSEC_A_MAX + 1];
	struct m2m_nl_err *err;
	int ret;
};

/*
 * Check every attribute of an m2msec message against the reply policy
 * and index them by type in ctx. Nested attributes are only indexed: the
 * parser of their message checks their content.
 */
int m2m_nl_parse_attrs(const struct nlmsghdr *nlh,
		       struct m2m_nl_parse_ctx *ctx, struct m2m_nl_err *err);

/* Called for each data message of the expected family. */
typedef int (*m2m_nl_msg_cb)(const struct nlmsghdr *nlh, void *data,
			     struct m2m_nl_err *err);

/*
 * Process the messages of one received buffer of the exchange with
 * sequence number seq: data messages go to cb, an NLMSG_ERROR is either
 * the final ack or an error whose extended ack message is copied into
 * err, NLMSG_DONE ends a dump. Returns 1 when the exchange is over, 0
 * when more is to be read, or a negative errno (the kernel's error, or
 * -EPROTO for a message with a wrong sequence number, port or type).
 */
int m2m_nl_msg_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
		   uint16_t type, m2m_nl_msg_cb cb, void *data,
		   struct m2m_nl_err *err);

/* Fill err with error (a positive errno) and a formatted message. */
void m2m_nl_set_err(struct m2m_nl_err *err, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* M2M_NL_MSG_H */
