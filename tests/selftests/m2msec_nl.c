// SPDX-License-Identifier: GPL-2.0
/*
 * libnl client of the m2msec family for the selftests. It checks replies
 * against the sizes that uapi/linux/m2msec.h gives each attribute and keeps
 * the extended ack message of every error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>

#include "m2msec_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define M2MSEC_FIXED(t, n)	{ .type = (t), .minlen = (n), .maxlen = (n) }
#define M2MSEC_BINARY(lo, hi)	{ .type = NLA_UNSPEC, .minlen = (lo), \
				  .maxlen = (hi) }

/*
 * Sizes of every reply attribute. Strings are parsed as binary because
 * the uapi fixes their length (1 to 255 bytes) but not whether the kernel
 * adds a terminating NUL.
 */
static struct nla_policy m2msec_reply_policy[M2MSEC_A_MAX + 1] = {
	[M2MSEC_A_MODE] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_SUITES] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_SUITE] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_ID] = M2MSEC_BINARY(1, M2MSEC_STR_MAX),
	[M2MSEC_A_MSG] = M2MSEC_BINARY(8, M2MSEC_MSG_MAX),
	[M2MSEC_A_INDEX] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_PEER_INDEX] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_NODE_ID] = M2MSEC_BINARY(M2MSEC_NODE_ID_LEN,
					   M2MSEC_NODE_ID_LEN),
	[M2MSEC_A_KEY_INDEX] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_LIFETIME] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_MAS_FQDN] = M2MSEC_BINARY(1, M2MSEC_STR_MAX + 1),
	[M2MSEC_A_SCL_ID] = M2MSEC_BINARY(1, M2MSEC_STR_MAX + 1),
	[M2MSEC_A_CONN_ID] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_MID_FLAGS] = M2MSEC_FIXED(NLA_U16, 2),
	[M2MSEC_A_NSCL_ID] = M2MSEC_BINARY(1, M2MSEC_STR_MAX + 1),
	[M2MSEC_A_KEYRING] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_KEY_SERIAL] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_KEY_ID] = M2MSEC_BINARY(M2MSEC_KEY_ID_LEN,
					  M2MSEC_KEY_ID_LEN),
	[M2MSEC_A_APP_ID] = M2MSEC_BINARY(1, M2MSEC_STR_MAX + 1),
	[M2MSEC_A_UID] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_ROLE] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_STATE] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_AGE_MS] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_IFINDEX] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_IFNAME] = M2MSEC_BINARY(1, 16),
	[M2MSEC_A_PORT] = M2MSEC_FIXED(NLA_U16, 2),
	[M2MSEC_A_PEERS] = M2MSEC_FIXED(NLA_U32, 4),
	[M2MSEC_A_ENDPOINT] = M2MSEC_BINARY(16, 28),
	[M2MSEC_A_ALLOWED_IPS] = { .type = NLA_NESTED },
	[M2MSEC_A_KEEPALIVE] = M2MSEC_FIXED(NLA_U16, 2),
	[M2MSEC_A_KEY_EXPIRES] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_EVENT] = M2MSEC_FIXED(NLA_U8, 1),
	[M2MSEC_A_RX_BYTES] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_TX_BYTES] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_RX_PACKETS] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_TX_PACKETS] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_AUTH] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_REPLAY] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_NO_KEY] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_SOURCE] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_UNKNOWN_INDEX] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_MALFORMED] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_DROP_NO_PEER] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_LAST_HANDSHAKE] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_LAST_RX] = M2MSEC_FIXED(NLA_U64, 8),
	[M2MSEC_A_LAST_TX] = M2MSEC_FIXED(NLA_U64, 8),
};

/* State of one request while its replies are read. */
struct m2msec_nl_ctx {
	struct m2msec_reply *reply;	/* a do request */
	struct m2msec_dump *dump;	/* or a dump request */
	int err;
	char *extack;
	bool done;
};

/**
 * m2msec_nl_open() - connect a generic netlink socket and resolve the
 * m2msec family in the caller's current network namespace
 * @nl: the client to fill
 *
 * Turns on NETLINK_EXT_ACK so that errors carry the kernel's message, and
 * NETLINK_CAP_ACK so that they do not echo the request.
 *
 * Return: 0, -ENOENT when the family is not registered, or another
 * negative errno.
 */
int m2msec_nl_open(struct m2msec_nl *nl)
{
	int one = 1;
	int fd;

	nl->sock = nl_socket_alloc();
	if (!nl->sock)
		return -ENOMEM;
	if (genl_connect(nl->sock) < 0) {
		nl_socket_free(nl->sock);
		nl->sock = NULL;
		return -ECONNREFUSED;
	}
	fd = nl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0) {
		int err = -errno;

		m2msec_nl_close(nl);
		return err;
	}
	nl->family = genl_ctrl_resolve(nl->sock, M2MSEC_GENL_NAME);
	if (nl->family < 0) {
		m2msec_nl_close(nl);
		return -ENOENT;
	}
	return 0;
}

void m2msec_nl_close(struct m2msec_nl *nl)
{
	if (nl->sock)
		nl_socket_free(nl->sock);
	nl->sock = NULL;
}

/**
 * m2msec_nl_request() - allocate a request of the m2msec family
 * @nl: the client
 * @cmd: an M2MSEC_CMD_* value
 * @flags: extra netlink flags, NLM_F_DUMP for a dump
 *
 * The caller adds attributes with the nla_put_*() functions of libnl.
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *m2msec_nl_request(const struct m2msec_nl *nl, uint8_t cmd,
				 int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, M2MSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Copy the NLMSGERR_ATTR_MSG of an error or ack message into buf. */
static void m2msec_nl_copy_extack(const struct nlmsghdr *nlh,
				  const struct nlmsgerr *e, char *buf)
{
	size_t hdr = sizeof(*e);
	const struct nlattr *nla;
	int total, rem;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdr += e->msg.nlmsg_len - NLMSG_HDRLEN;
	hdr = NLMSG_ALIGN(hdr);
	total = (int)(nlh->nlmsg_len - NLMSG_HDRLEN) - (int)hdr;
	if (total <= 0)
		return;
	nla_for_each_attr(nla, (const struct nlattr *)((const char *)e + hdr),
			  total, rem) {
		if (nla_type(nla) != NLMSGERR_ATTR_MSG || nla_len(nla) < 1)
			continue;
		snprintf(buf, M2MSEC_EXTACK_MAX, "%.*s", nla_len(nla),
			 (const char *)nla_data(nla));
	}
}

static int m2msec_nl_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			      void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)
		((const char *)e - NLMSG_HDRLEN);
	struct m2msec_nl_ctx *ctx = arg;

	ctx->err = -e->error;
	m2msec_nl_copy_extack(nlh, e, ctx->extack);
	ctx->done = true;
	return NL_STOP;
}

static int m2msec_nl_on_ack(struct nl_msg *msg, void *arg)
{
	struct m2msec_nl_ctx *ctx = arg;

	ctx->done = true;
	return NL_STOP;
}

/* The end of a dump; a dump that failed part way carries its errno here. */
static int m2msec_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct m2msec_nl_ctx *ctx = arg;
	int err;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0)
			ctx->err = -err;
	}
	ctx->done = true;
	return NL_STOP;
}

static void m2msec_reply_fill(struct m2msec_reply *reply,
			      struct nlmsghdr *nlh)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	int len = genlmsg_attrlen(gnlh, 0);

	m2msec_reply_free(reply);
	reply->has_msg = true;
	reply->cmd = gnlh->cmd;
	reply->attrs = malloc(len > 0 ? len : 1);
	if (!reply->attrs) {
		reply->parse_err = -NLE_NOMEM;
		return;
	}
	memcpy(reply->attrs, genlmsg_attrdata(gnlh, 0), len);
	reply->attrs_len = len;
	reply->parse_err = nla_parse(reply->tb, M2MSEC_A_MAX,
				     (struct nlattr *)reply->attrs, len,
				     m2msec_reply_policy);
}

static int m2msec_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct m2msec_nl_ctx *ctx = arg;
	struct m2msec_reply *entries;
	struct m2msec_dump *dump = ctx->dump;

	if (!dump) {
		m2msec_reply_fill(ctx->reply, nlmsg_hdr(msg));
		return NL_OK;
	}
	entries = realloc(dump->entries,
			  (dump->count + 1) * sizeof(*dump->entries));
	if (!entries) {
		ctx->err = ENOMEM;
		return NL_STOP;
	}
	dump->entries = entries;
	memset(&entries[dump->count], 0, sizeof(*entries));
	m2msec_reply_fill(&entries[dump->count], nlmsg_hdr(msg));
	dump->count++;
	return NL_OK;
}

/* Send msg (and free it), then read replies until an ack, error or end. */
static int m2msec_nl_run(struct m2msec_nl *nl, struct nl_msg *msg,
			 struct m2msec_nl_ctx *ctx)
{
	struct nl_cb *cb;
	int ret;

	if (!msg)
		return -ENOMEM;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, m2msec_nl_on_valid, ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, m2msec_nl_on_ack, ctx);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, m2msec_nl_on_finish, ctx);
	nl_cb_err(cb, NL_CB_CUSTOM, m2msec_nl_on_error, ctx);

	ret = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (!ctx->done) {
		ret = nl_recvmsgs(nl->sock, cb);
		if (ret < 0 && !ctx->done) {
			/* A libnl failure (not a kernel error): report EIO. */
			ctx->err = EIO;
			snprintf(ctx->extack, M2MSEC_EXTACK_MAX,
				 "libnl: %s", nl_geterror(ret));
			break;
		}
	}
	nl_cb_put(cb);
	return -ctx->err;
}

/**
 * m2msec_nl_transact() - send a do request and read its reply
 * @nl: the client
 * @msg: the request, freed by this function
 * @reply: zeroed (or freed) reply to fill
 *
 * Return: 0 or the negative errno of the kernel (also in @reply->err,
 * with the extended ack message in @reply->extack).
 */
int m2msec_nl_transact(struct m2msec_nl *nl, struct nl_msg *msg,
		       struct m2msec_reply *reply)
{
	struct m2msec_nl_ctx ctx = { .reply = reply };

	m2msec_reply_free(reply);
	reply->err = 0;
	reply->extack[0] = '\0';
	ctx.extack = reply->extack;
	reply->err = -m2msec_nl_run(nl, msg, &ctx);
	return -reply->err;
}

/**
 * m2msec_nl_dump() - send a dump request and collect every reply
 * @nl: the client
 * @msg: the request (made with NLM_F_DUMP), freed by this function
 * @dump: zeroed (or freed) dump to fill
 *
 * Return: 0 or the negative errno of the kernel.
 */
int m2msec_nl_dump(struct m2msec_nl *nl, struct nl_msg *msg,
		   struct m2msec_dump *dump)
{
	struct m2msec_nl_ctx ctx = { .dump = dump };

	m2msec_dump_free(dump);
	ctx.extack = dump->extack;
	dump->err = -m2msec_nl_run(nl, msg, &ctx);
	return -dump->err;
}

void m2msec_reply_free(struct m2msec_reply *reply)
{
	free(reply->attrs);
	reply->attrs = NULL;
	reply->attrs_len = 0;
	reply->has_msg = false;
	reply->parse_err = 0;
	memset(reply->tb, 0, sizeof(reply->tb));
}

void m2msec_dump_free(struct m2msec_dump *dump)
{
	int i;

	for (i = 0; i < dump->count; i++)
		m2msec_reply_free(&dump->entries[i]);
	free(dump->entries);
	dump->entries = NULL;
	dump->count = 0;
	dump->err = 0;
	dump->extack[0] = '\0';
}

bool m2msec_reply_has(const struct m2msec_reply *reply, int type)
{
	return type > 0 && type <= M2MSEC_A_MAX && reply->tb[type];
}

/* The accessors return 0 for a missing attribute: check _has() first. */
uint8_t m2msec_reply_u8(const struct m2msec_reply *reply, int type)
{
	return m2msec_reply_has(reply, type) ? nla_get_u8(reply->tb[type]) : 0;
}

uint16_t m2msec_reply_u16(const struct m2msec_reply *reply, int type)
{
	return m2msec_reply_has(reply, type) ?
		nla_get_u16(reply->tb[type]) : 0;
}

uint32_t m2msec_reply_u32(const struct m2msec_reply *reply, int type)
{
	return m2msec_reply_has(reply, type) ?
		nla_get_u32(reply->tb[type]) : 0;
}

uint64_t m2msec_reply_u64(const struct m2msec_reply *reply, int type)
{
	uint64_t v = 0;

	if (m2msec_reply_has(reply, type))
		memcpy(&v, nla_data(reply->tb[type]), sizeof(v));
	return v;
}

const void *m2msec_reply_data(const struct m2msec_reply *reply, int type,
			      size_t *len)
{
	if (!m2msec_reply_has(reply, type)) {
		*len = 0;
		return NULL;
	}
	*len = nla_len(reply->tb[type]);
	return nla_data(reply->tb[type]);
}

/*
 * Copy a string attribute into buf without the NUL that the kernel may
 * have added. Returns buf, or "" when the attribute is missing.
 */
const char *m2msec_reply_str(const struct m2msec_reply *reply, int type,
			     char *buf, size_t size)
{
	const char *data;
	size_t len;

	data = m2msec_reply_data(reply, type, &len);
	if (len > 0 && data[len - 1] == '\0')
		len--;
	if (len >= size)
		len = size - 1;
	if (len)
		memcpy(buf, data, len);
	buf[len] = '\0';
	return buf;
}
