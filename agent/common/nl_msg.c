// SPDX-License-Identifier: GPL-2.0
/*
 * m2msec generic netlink messages in memory: request building with
 * libmnl's checked puts, reply parsing with a strict per-attribute
 * policy, and the processing of acks, errors and dump ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl_msg.h"
#include "proto.h"

enum m2m_nl_kind {
	M2M_NL_REJECT,	/* no such attribute in a reply */
	M2M_NL_PAD,
	M2M_NL_U8,
	M2M_NL_U16,
	M2M_NL_U32,
	M2M_NL_U64,
	M2M_NL_BINARY,	/* min..max bytes */
	M2M_NL_STRING,	/* min..max bytes before the NUL */
	M2M_NL_NESTED,	/* checked by the parser of its message */
};

struct m2m_nl_policy {
	const char *name;
	enum m2m_nl_kind kind;
	uint16_t min;
	uint16_t max;
};

static const struct m2m_nl_policy m2m_nl_policy[M2MSEC_A_MAX + 1] = {
	[M2MSEC_A_UNSPEC] = { "UNSPEC", M2M_NL_REJECT, 0, 0 },
	[M2MSEC_A_PAD] = { "PAD", M2M_NL_PAD, 0, 0 },
	[M2MSEC_A_MODE] = { "MODE", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_SUITES] = { "SUITES", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_SUITE] = { "SUITE", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_ID] = { "ID", M2M_NL_BINARY, 1, M2MSEC_STR_MAX },
	[M2MSEC_A_MSG] = { "MSG", M2M_NL_BINARY, M2M_PROTO_HDR_LEN,
			   M2MSEC_MSG_MAX },
	[M2MSEC_A_INDEX] = { "INDEX", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_PEER_INDEX] = { "PEER_INDEX", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_NODE_ID] = { "NODE_ID", M2M_NL_BINARY, M2MSEC_NODE_ID_LEN,
			       M2MSEC_NODE_ID_LEN },
	[M2MSEC_A_KEY_INDEX] = { "KEY_INDEX", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_LIFETIME] = { "LIFETIME", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_MAS_FQDN] = { "MAS_FQDN", M2M_NL_STRING, 1,
				M2MSEC_STR_MAX },
	[M2MSEC_A_SCL_ID] = { "SCL_ID", M2M_NL_STRING, 1, M2MSEC_STR_MAX },
	[M2MSEC_A_CONN_ID] = { "CONN_ID", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_MID_FLAGS] = { "MID_FLAGS", M2M_NL_U16, 2, 2 },
	[M2MSEC_A_NSCL_ID] = { "NSCL_ID", M2M_NL_STRING, 1, M2MSEC_STR_MAX },
	[M2MSEC_A_KEYRING] = { "KEYRING", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_KEY_SERIAL] = { "KEY_SERIAL", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_KEY_ID] = { "KEY_ID", M2M_NL_BINARY, M2MSEC_KEY_ID_LEN,
			      M2MSEC_KEY_ID_LEN },
	[M2MSEC_A_APP_ID] = { "APP_ID", M2M_NL_STRING, 1, M2MSEC_STR_MAX },
	[M2MSEC_A_UID] = { "UID", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_ROLE] = { "ROLE", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_STATE] = { "STATE", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_AGE_MS] = { "AGE_MS", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_IFINDEX] = { "IFINDEX", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_IFNAME] = { "IFNAME", M2M_NL_STRING, 1, IF_NAMESIZE - 1 },
	[M2MSEC_A_PORT] = { "PORT", M2M_NL_U16, 2, 2 },
	[M2MSEC_A_PEERS] = { "PEERS", M2M_NL_U32, 4, 4 },
	[M2MSEC_A_ENDPOINT] = { "ENDPOINT", M2M_NL_BINARY,
				sizeof(struct sockaddr_in),
				sizeof(struct sockaddr_in6) },
	[M2MSEC_A_ALLOWED_IPS] = { "ALLOWED_IPS", M2M_NL_NESTED, 0, 0 },
	[M2MSEC_A_ALLOWED_IP] = { "ALLOWED_IP", M2M_NL_NESTED, 0, 0 },
	[M2MSEC_A_KEEPALIVE] = { "KEEPALIVE", M2M_NL_U16, 2, 2 },
	[M2MSEC_A_KEY_EXPIRES] = { "KEY_EXPIRES", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_EVENT] = { "EVENT", M2M_NL_U8, 1, 1 },
	[M2MSEC_A_RX_BYTES] = { "RX_BYTES", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_TX_BYTES] = { "TX_BYTES", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_RX_PACKETS] = { "RX_PACKETS", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_TX_PACKETS] = { "TX_PACKETS", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_AUTH] = { "DROP_AUTH", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_REPLAY] = { "DROP_REPLAY", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_NO_KEY] = { "DROP_NO_KEY", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_SOURCE] = { "DROP_SOURCE", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_UNKNOWN_INDEX] = { "DROP_UNKNOWN_INDEX", M2M_NL_U64,
					  8, 8 },
	[M2MSEC_A_DROP_MALFORMED] = { "DROP_MALFORMED", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_DROP_NO_PEER] = { "DROP_NO_PEER", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_LAST_HANDSHAKE] = { "LAST_HANDSHAKE", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_LAST_RX] = { "LAST_RX", M2M_NL_U64, 8, 8 },
	[M2MSEC_A_LAST_TX] = { "LAST_TX", M2M_NL_U64, 8, 8 },
};

#define M2M_NL_BIT(attr)	(1ULL << (attr))

/* Attributes that each handshake command takes in its request. */
static uint64_t m2m_nl_request_attrs(uint8_t cmd)
{
	switch (cmd) {
	case M2MSEC_CMD_HS_INIT:
		return M2M_NL_BIT(M2MSEC_A_MODE) | M2M_NL_BIT(M2MSEC_A_ID) |
		       M2M_NL_BIT(M2MSEC_A_SUITES);
	case M2MSEC_CMD_HS_RESPOND:
		return M2M_NL_BIT(M2MSEC_A_MSG) | M2M_NL_BIT(M2MSEC_A_NODE_ID) |
		       M2M_NL_BIT(M2MSEC_A_KEY_INDEX) |
		       M2M_NL_BIT(M2MSEC_A_LIFETIME) |
		       M2M_NL_BIT(M2MSEC_A_MAS_FQDN) |
		       M2M_NL_BIT(M2MSEC_A_SCL_ID) |
		       M2M_NL_BIT(M2MSEC_A_CONN_ID) |
		       M2M_NL_BIT(M2MSEC_A_MID_FLAGS) |
		       M2M_NL_BIT(M2MSEC_A_NSCL_ID) |
		       M2M_NL_BIT(M2MSEC_A_SUITES);
	case M2MSEC_CMD_HS_COMPLETE:
		return M2M_NL_BIT(M2MSEC_A_INDEX) | M2M_NL_BIT(M2MSEC_A_MSG) |
		       M2M_NL_BIT(M2MSEC_A_KEYRING);
	case M2MSEC_CMD_HS_FINISH:
		return M2M_NL_BIT(M2MSEC_A_MSG) | M2M_NL_BIT(M2MSEC_A_KEYRING);
	}
	return 0;
}

const char *m2m_nl_attr_name(unsigned int type)
{
	if (type > M2MSEC_A_MAX)
		return "unknown";
	return m2m_nl_policy[type].name;
}

void m2m_nl_set_err(struct m2m_nl_err *err, int error, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->error = error;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

struct nlmsghdr *m2m_nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
				  uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, M2M_NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = M2MSEC_GENL_VERSION;
	return nlh;
}

/* Put the fixed-size and binary fields of a handshake request. */
static bool m2m_nl_put_hs_fields(struct nlmsghdr *nlh, size_t buflen,
				 uint64_t attrs, const struct m2m_hs *req)
{
	bool ok = true;

#define WANT(attr) (attrs & M2M_NL_BIT(attr))
	if (WANT(M2MSEC_A_MODE) && req->mode)
		ok &= mnl_attr_put_u8_check(nlh, buflen, M2MSEC_A_MODE,
					    req->mode);
	if (WANT(M2MSEC_A_SUITES) && req->suites)
		ok &= mnl_attr_put_u8_check(nlh, buflen, M2MSEC_A_SUITES,
					    req->suites);
	if (WANT(M2MSEC_A_ID) && req->id_len)
		ok &= mnl_attr_put_check(nlh, buflen, M2MSEC_A_ID, req->id_len,
					 req->id);
	if (WANT(M2MSEC_A_MSG) && req->msg_len)
		ok &= mnl_attr_put_check(nlh, buflen, M2MSEC_A_MSG,
					 req->msg_len, req->msg);
	if (WANT(M2MSEC_A_INDEX) && req->index)
		ok &= mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_INDEX,
					     req->index);
	if (WANT(M2MSEC_A_NODE_ID) && req->has_node_id)
		ok &= mnl_attr_put_check(nlh, buflen, M2MSEC_A_NODE_ID,
					 M2MSEC_NODE_ID_LEN, req->node_id);
	if (WANT(M2MSEC_A_KEY_INDEX) && req->has_key_index)
		ok &= mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_KEY_INDEX,
					     req->key_index);
	if (WANT(M2MSEC_A_LIFETIME) && req->has_lifetime)
		ok &= mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_LIFETIME,
					     req->lifetime);
	if (WANT(M2MSEC_A_CONN_ID) && req->has_conn_id)
		ok &= mnl_attr_put_u64_check(nlh, buflen, M2MSEC_A_CONN_ID,
					     req->conn_id);
	if (WANT(M2MSEC_A_MID_FLAGS) && req->has_mid_flags)
		ok &= mnl_attr_put_u16_check(nlh, buflen, M2MSEC_A_MID_FLAGS,
					     req->mid_flags);
	if (WANT(M2MSEC_A_KEYRING) && req->keyring)
		ok &= mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_KEYRING,
					     (uint32_t)req->keyring);
#undef WANT
	return ok;
}

/* Put the NUL-terminated strings of a handshake request. */
static bool m2m_nl_put_hs_strings(struct nlmsghdr *nlh, size_t buflen,
				  uint64_t attrs, const struct m2m_hs *req)
{
	static const struct {
		uint16_t type;
		size_t offset;
	} fields[] = {
		{ M2MSEC_A_MAS_FQDN, offsetof(struct m2m_hs, mas_fqdn) },
		{ M2MSEC_A_SCL_ID, offsetof(struct m2m_hs, scl_id) },
		{ M2MSEC_A_NSCL_ID, offsetof(struct m2m_hs, nscl_id) },
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *s = (const char *)req + fields[i].offset;

		if (!(attrs & M2M_NL_BIT(fields[i].type)) || !s[0])
			continue;
		ok &= mnl_attr_put_strz_check(nlh, buflen, fields[i].type, s);
	}
	return ok;
}

int m2m_nl_msg_put_hs(struct nlmsghdr *nlh, size_t buflen, uint8_t cmd,
		      const struct m2m_hs *req, struct m2m_nl_err *err)
{
	uint64_t attrs = m2m_nl_request_attrs(cmd);

	if (!attrs) {
		m2m_nl_set_err(err, EINVAL, "unknown handshake command %u",
			       cmd);
		return -EINVAL;
	}
	if (req->id_len > sizeof(req->id) || req->msg_len > sizeof(req->msg)) {
		m2m_nl_set_err(err, EINVAL,
			       "id of %zu bytes or message of %zu bytes is too long",
			       req->id_len, req->msg_len);
		return -EINVAL;
	}
	if (!m2m_nl_put_hs_fields(nlh, buflen, attrs, req) ||
	    !m2m_nl_put_hs_strings(nlh, buflen, attrs, req)) {
		m2m_nl_set_err(err, EMSGSIZE,
			       "request does not fit in %zu bytes", buflen);
		return -EMSGSIZE;
	}
	return 0;
}

int m2m_nl_msg_put_kma(struct nlmsghdr *nlh, size_t buflen,
		       const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		       const char *app_id, int32_t keyring, uint32_t uid,
		       struct m2m_nl_err *err)
{
	size_t len = strlen(app_id);

	if (len == 0 || len > M2MSEC_STR_MAX) {
		m2m_nl_set_err(err, EINVAL,
			       "invalid application id length %zu (expected 1 to %d)",
			       len, M2MSEC_STR_MAX);
		return -EINVAL;
	}
	if (!mnl_attr_put_check(nlh, buflen, M2MSEC_A_KEY_ID,
				M2MSEC_KEY_ID_LEN, key_id) ||
	    !mnl_attr_put_strz_check(nlh, buflen, M2MSEC_A_APP_ID, app_id) ||
	    !mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_KEYRING,
				    (uint32_t)keyring) ||
	    !mnl_attr_put_u32_check(nlh, buflen, M2MSEC_A_UID, uid)) {
		m2m_nl_set_err(err, EMSGSIZE,
			       "request does not fit in %zu bytes", buflen);
		return -EMSGSIZE;
	}
	return 0;
}

/* Check one reply attribute against its policy. */
static int m2m_nl_check_attr(const struct nlattr *attr, struct m2m_nl_err *err)
{
	unsigned int type = mnl_attr_get_type(attr);
	size_t len = mnl_attr_get_payload_len(attr);
	const struct m2m_nl_policy *pol;
	const char *str;

	if (type > M2MSEC_A_MAX ||
	    m2m_nl_policy[type].kind == M2M_NL_REJECT) {
		m2m_nl_set_err(err, EPROTO,
			       "unexpected attribute type %u in reply", type);
		return -EPROTO;
	}
	pol = &m2m_nl_policy[type];
	if (pol->kind == M2M_NL_PAD || pol->kind == M2M_NL_NESTED)
		return 0;
	if (pol->kind == M2M_NL_STRING) {
		str = mnl_attr_get_payload(attr);
		if (len < 1 || str[len - 1] != '\0' ||
		    memchr(str, '\0', len - 1)) {
			m2m_nl_set_err(err, EPROTO,
				       "attribute %s is not a NUL-terminated string",
				       pol->name);
			return -EPROTO;
		}
		len--;
	}
	if (len < pol->min || len > pol->max) {
		m2m_nl_set_err(err, EPROTO,
			       "attribute %s has length %zu (expected %u to %u)",
			       pol->name, len, pol->min, pol->max);
		return -EPROTO;
	}
	return 0;
}

static int m2m_nl_parse_attr_cb(const struct nlattr *attr, void *data)
{
	struct m2m_nl_parse_ctx *ctx = data;

	ctx->ret = m2m_nl_check_attr(attr, ctx->err);
	if (ctx->ret)
		return MNL_CB_ERROR;
	ctx->attrs[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

int m2m_nl_parse_attrs(const struct nlmsghdr *nlh,
		       struct m2m_nl_parse_ctx *ctx, struct m2m_nl_err *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->err = err;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		m2m_nl_set_err(err, EPROTO,
			       "reply of %u bytes has no generic netlink header",
			       nlh->nlmsg_len);
		return -EPROTO;
	}
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			   m2m_nl_parse_attr_cb, ctx) < 0) {
		if (ctx->ret)
			return ctx->ret;
		m2m_nl_set_err(err, EPROTO, "malformed attribute in reply");
		return -EPROTO;
	}
	return 0;
}

static void m2m_nl_copy_string(char *dst, const struct nlattr *attr)
{
	/* Checked: NUL-terminated and at most M2MSEC_STR_MAX bytes. */
	memcpy(dst, mnl_attr_get_payload(attr),
	       mnl_attr_get_payload_len(attr));
}

static void m2m_nl_fill_hs_scalars(const struct nlattr **a,
				   struct m2m_hs *out)
{
	if (a[M2MSEC_A_MODE])
		out->mode = mnl_attr_get_u8(a[M2MSEC_A_MODE]);
	if (a[M2MSEC_A_SUITES])
		out->suites = mnl_attr_get_u8(a[M2MSEC_A_SUITES]);
	if (a[M2MSEC_A_SUITE])
		out->suite = mnl_attr_get_u8(a[M2MSEC_A_SUITE]);
	if (a[M2MSEC_A_INDEX])
		out->index = mnl_attr_get_u32(a[M2MSEC_A_INDEX]);
	if (a[M2MSEC_A_PEER_INDEX])
		out->peer_index = mnl_attr_get_u32(a[M2MSEC_A_PEER_INDEX]);
	out->has_key_index = a[M2MSEC_A_KEY_INDEX];
	if (out->has_key_index)
		out->key_index = mnl_attr_get_u32(a[M2MSEC_A_KEY_INDEX]);
	out->has_lifetime = a[M2MSEC_A_LIFETIME];
	if (out->has_lifetime)
		out->lifetime = mnl_attr_get_u32(a[M2MSEC_A_LIFETIME]);
	out->has_conn_id = a[M2MSEC_A_CONN_ID];
	if (out->has_conn_id)
		out->conn_id = mnl_attr_get_u64(a[M2MSEC_A_CONN_ID]);
	out->has_mid_flags = a[M2MSEC_A_MID_FLAGS];
	if (out->has_mid_flags)
		out->mid_flags = mnl_attr_get_u16(a[M2MSEC_A_MID_FLAGS]);
	if (a[M2MSEC_A_KEYRING])
		out->keyring = (int32_t)mnl_attr_get_u32(a[M2MSEC_A_KEYRING]);
	if (a[M2MSEC_A_KEY_SERIAL])
		out->key_serial =
			(int32_t)mnl_attr_get_u32(a[M2MSEC_A_KEY_SERIAL]);
}

static void m2m_nl_fill_hs_buffers(const struct nlattr **a,
				   struct m2m_hs *out)
{
	if (a[M2MSEC_A_ID]) {
		out->id_len = mnl_attr_get_payload_len(a[M2MSEC_A_ID]);
		memcpy(out->id, mnl_attr_get_payload(a[M2MSEC_A_ID]),
		       out->id_len);
	}
	if (a[M2MSEC_A_MSG]) {
		out->msg_len = mnl_attr_get_payload_len(a[M2MSEC_A_MSG]);
		memcpy(out->msg, mnl_attr_get_payload(a[M2MSEC_A_MSG]),
		       out->msg_len);
	}
	out->has_node_id = a[M2MSEC_A_NODE_ID];
	if (out->has_node_id)
		memcpy(out->node_id, mnl_attr_get_payload(a[M2MSEC_A_NODE_ID]),
		       M2MSEC_NODE_ID_LEN);
	out->has_key_id = a[M2MSEC_A_KEY_ID];
	if (out->has_key_id)
		memcpy(out->key_id, mnl_attr_get_payload(a[M2MSEC_A_KEY_ID]),
		       M2MSEC_KEY_ID_LEN);
	if (a[M2MSEC_A_MAS_FQDN])
		m2m_nl_copy_string(out->mas_fqdn, a[M2MSEC_A_MAS_FQDN]);
	if (a[M2MSEC_A_SCL_ID])
		m2m_nl_copy_string(out->scl_id, a[M2MSEC_A_SCL_ID]);
	if (a[M2MSEC_A_NSCL_ID])
		m2m_nl_copy_string(out->nscl_id, a[M2MSEC_A_NSCL_ID]);
}

int m2m_nl_msg_parse_hs(const struct nlmsghdr *nlh, struct m2m_hs *out,
			struct m2m_nl_err *err)
{
	struct m2m_nl_parse_ctx ctx;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = m2m_nl_parse_attrs(nlh, &ctx, err);
	if (ret)
		return ret;
	m2m_nl_fill_hs_scalars(ctx.attrs, out);
	m2m_nl_fill_hs_buffers(ctx.attrs, out);
	return 0;
}

int m2m_nl_msg_parse_entry(const struct nlmsghdr *nlh,
			   struct m2m_hs_entry *entry, struct m2m_nl_err *err)
{
	struct m2m_nl_parse_ctx ctx;
	const struct nlattr **a = ctx.attrs;
	int ret;

	memset(entry, 0, sizeof(*entry));
	ret = m2m_nl_parse_attrs(nlh, &ctx, err);
	if (ret)
		return ret;
	if (!a[M2MSEC_A_INDEX]) {
		m2m_nl_set_err(err, EPROTO,
			       "handshake dump entry without INDEX");
		return -EPROTO;
	}
	entry->index = mnl_attr_get_u32(a[M2MSEC_A_INDEX]);
	if (a[M2MSEC_A_PEER_INDEX])
		entry->peer_index = mnl_attr_get_u32(a[M2MSEC_A_PEER_INDEX]);
	if (a[M2MSEC_A_MODE])
		entry->mode = mnl_attr_get_u8(a[M2MSEC_A_MODE]);
	if (a[M2MSEC_A_ROLE])
		entry->role = mnl_attr_get_u8(a[M2MSEC_A_ROLE]);
	if (a[M2MSEC_A_STATE])
		entry->state = mnl_attr_get_u8(a[M2MSEC_A_STATE]);
	if (a[M2MSEC_A_AGE_MS])
		entry->age_ms = mnl_attr_get_u64(a[M2MSEC_A_AGE_MS]);
	return 0;
}

struct m2m_nl_ext_ack {
	const char *msg;
	bool has_miss_type;
	uint32_t miss_type;
};

static int m2m_nl_ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct m2m_nl_ext_ack *ack = data;
	size_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (len && !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			ack->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (len == sizeof(uint32_t)) {
			ack->miss_type = mnl_attr_get_u32(attr);
			ack->has_miss_type = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/*
 * Fill err from a kernel error and the extended ack attributes that start
 * tlv_offset bytes into the payload of nlh, when the kernel added them.
 */
static void m2m_nl_fill_error(const struct nlmsghdr *nlh, size_t tlv_offset,
			      int error, struct m2m_nl_err *err)
{
	struct m2m_nl_ext_ack ack = { 0 };
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const char *payload = mnl_nlmsg_get_payload(nlh);
	char *p;

	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv_offset < len)
		mnl_attr_parse_payload(payload + tlv_offset, len - tlv_offset,
				       m2m_nl_ext_ack_cb, &ack);

	if (ack.msg && ack.msg[0])
		m2m_nl_set_err(err, error, "%s", ack.msg);
	else
		m2m_nl_set_err(err, error, "%s", strerror(error));
	if (ack.has_miss_type && err)
		snprintf(err->msg + strlen(err->msg),
			 sizeof(err->msg) - strlen(err->msg),
			 " (missing attribute %s)",
			 m2m_nl_attr_name(ack.miss_type));
	/* The text comes from the kernel: keep it on one line. */
	for (p = err ? err->msg : NULL; p && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}

/* Returns 1 for an ack, or the negative errno of an error message. */
static int m2m_nl_handle_error(const struct nlmsghdr *nlh,
			       struct m2m_nl_err *err)
{
	const struct nlmsgerr *nle = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	size_t tlv_offset;

	if (len < sizeof(*nle)) {
		m2m_nl_set_err(err, EPROTO, "truncated netlink error message");
		return -EPROTO;
	}
	if (nle->error == 0)
		return 1;
	if (nle->error > 0 || nle->error < -4095) {
		m2m_nl_set_err(err, EPROTO, "invalid netlink error code %d",
			       nle->error);
		return -EPROTO;
	}
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		tlv_offset = sizeof(*nle);
	else
		tlv_offset = NLMSG_ALIGN(sizeof(nle->error) +
					 nle->msg.nlmsg_len);
	m2m_nl_fill_error(nlh, tlv_offset, -nle->error, err);
	return nle->error;
}

/* NLMSG_DONE may carry the error of a dump that failed part way. */
static int m2m_nl_handle_done(const struct nlmsghdr *nlh,
			      struct m2m_nl_err *err)
{
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return 1;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error >= 0)
		return 1;
	if (error < -4095) {
		m2m_nl_set_err(err, EPROTO, "invalid netlink error code %d",
			       error);
		return -EPROTO;
	}
	m2m_nl_fill_error(nlh, sizeof(error), -error, err);
	return error;
}

static int m2m_nl_handle_msg(const struct nlmsghdr *nlh, uint32_t seq,
			     uint32_t portid, uint16_t type, m2m_nl_msg_cb cb,
			     void *data, struct m2m_nl_err *err)
{
	if (nlh->nlmsg_seq != seq) {
		m2m_nl_set_err(err, EPROTO,
			       "reply has sequence number %u, expected %u",
			       nlh->nlmsg_seq, seq);
		return -EPROTO;
	}
	if (portid && nlh->nlmsg_pid != portid) {
		m2m_nl_set_err(err, EPROTO,
			       "reply is for port %u, expected %u",
			       nlh->nlmsg_pid, portid);
		return -EPROTO;
	}

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_ERROR:
		return m2m_nl_handle_error(nlh, err);
	case NLMSG_DONE:
		return m2m_nl_handle_done(nlh, err);
	case NLMSG_OVERRUN:
		m2m_nl_set_err(err, ENOBUFS, "netlink reply overrun");
		return -ENOBUFS;
	}
	if (nlh->nlmsg_type != type) {
		m2m_nl_set_err(err, EPROTO,
			       "unexpected netlink message type %u, expected %u",
			       nlh->nlmsg_type, type);
		return -EPROTO;
	}
	return cb ? cb(nlh, data, err) : 0;
}

int m2m_nl_msg_run(const void *buf, size_t len, uint32_t seq, uint32_t portid,
		   uint16_t type, m2m_nl_msg_cb cb, void *data,
		   struct m2m_nl_err *err)
{
	const struct nlmsghdr *nlh = buf;
	int rem = (int)len;
	int ret;

	while (mnl_nlmsg_ok(nlh, rem)) {
		ret = m2m_nl_handle_msg(nlh, seq, portid, type, cb, data, err);
		if (ret)
			return ret;
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	if (rem != 0) {
		m2m_nl_set_err(err, EPROTO,
			       "truncated netlink message (%d bytes left)",
			       rem);
		return -EPROTO;
	}
	return 0;
}
