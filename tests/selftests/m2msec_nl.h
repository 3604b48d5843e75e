/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small libnl client of the m2msec generic netlink family for the
 * selftests: build a request, send it, and parse the reply with a policy,
 * keeping the errno and the extended ack message of a failure.
 */
#ifndef M2MSEC_NL_H
#define M2MSEC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/m2msec.h>

#define M2MSEC_EXTACK_MAX	256

struct m2msec_nl {
	struct nl_sock *sock;
	int family;
};

/*
 * struct m2msec_reply - one reply message of a request, or its error
 * @err:	0, or the positive errno of the kernel's error message
 * @extack:	the extended ack message of the error, empty when none
 * @cmd:	command byte of the reply's genetlink header
 * @has_msg:	a reply message (not only an ack) arrived
 * @parse_err:	libnl error of parsing the attributes with the policy
 * @attrs:	copy of the reply's attribute area, @attrs_len bytes
 * @tb:		parsed attributes, pointing into @attrs
 */
struct m2msec_reply {
	int err;
	char extack[M2MSEC_EXTACK_MAX];
	uint8_t cmd;
	bool has_msg;
	int parse_err;
	unsigned char *attrs;
	int attrs_len;
	struct nlattr *tb[M2MSEC_A_MAX + 1];
};

/* Replies of a dump, one per handshake listed. */
struct m2msec_dump {
	int err;
	char extack[M2MSEC_EXTACK_MAX];
	int count;
	struct m2msec_reply *entries;
};

int m2msec_nl_open(struct m2msec_nl *nl);
void m2msec_nl_close(struct m2msec_nl *nl);

struct nl_msg *m2msec_nl_request(const struct m2msec_nl *nl, uint8_t cmd,
				 int flags);
int m2msec_nl_transact(struct m2msec_nl *nl, struct nl_msg *msg,
		       struct m2msec_reply *reply);
int m2msec_nl_dump(struct m2msec_nl *nl, struct nl_msg *msg,
		   struct m2msec_dump *dump);

void m2msec_reply_free(struct m2msec_reply *reply);
void m2msec_dump_free(struct m2msec_dump *dump);

bool m2msec_reply_has(const struct m2msec_reply *reply, int type);
uint8_t m2msec_reply_u8(const struct m2msec_reply *reply, int type);
uint16_t m2msec_reply_u16(const struct m2msec_reply *reply, int type);
uint32_t m2msec_reply_u32(const struct m2msec_reply *reply, int type);
uint64_t m2msec_reply_u64(const struct m2msec_reply *reply, int type);
const void *m2msec_reply_data(const struct m2msec_reply *reply, int type,
			      size_t *len);
const char *m2msec_reply_str(const struct m2msec_reply *reply, int type,
			     char *buf, size_t size);

#endif /* M2MSEC_NL_H */
