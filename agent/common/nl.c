// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous libmnl client of the m2msec generic netlink family. Each
 * call sends one request with NLM_F_ACK and reads until the ack, the
 * error or the end of the dump with the same sequence number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl_priv.h"

/* Drop replies left over from an exchange that ended with an error. */
static void m2m_nl_drain(struct m2m_nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);

	while (recv(fd, nl->rx, M2M_NL_RECV_SIZE, MSG_DONTWAIT) > 0)
		;
}

int m2m_nl_exchange(struct m2m_nl *nl, struct nlmsghdr *nlh, uint16_t type,
		    m2m_nl_msg_cb cb, void *data, struct m2m_nl_err *err)
{
	ssize_t len;
	int ret;

	m2m_nl_drain(nl);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = errno;
		m2m_nl_set_err(err, ret, "netlink send failed: %s",
			       strerror(ret));
		return -ret;
	}
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, M2M_NL_RECV_SIZE);
		if (len < 0) {
			ret = errno;
			m2m_nl_set_err(err, ret, "netlink receive failed: %s",
				       strerror(ret));
			return -ret;
		}
		ret = m2m_nl_msg_run(nl->rx, (size_t)len, nlh->nlmsg_seq,
				     nl->portid, type, cb, data, err);
	} while (ret == 0);
	return ret < 0 ? ret : 0;
}

/* Family id and events group id found in a CTRL_CMD_GETFAMILY reply. */
struct m2m_nl_family {
	uint16_t id;
	uint32_t events_group;
};

static int m2m_nl_group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    !mnl_attr_validate(attr, MNL_TYPE_U32))
		tb[type] = attr;
	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		tb[type] = attr;
	return MNL_CB_OK;
}

/* Find the id of the events group among the family's groups. */
static void m2m_nl_parse_groups(const struct nlattr *groups,
				struct m2m_nl_family *family)
{
	const struct nlattr *group;

	mnl_attr_for_each_nested(group, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		mnl_attr_parse_nested(group, m2m_nl_group_attr_cb, tb);
		if (tb[CTRL_ATTR_MCAST_GRP_ID] && tb[CTRL_ATTR_MCAST_GRP_NAME] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    M2MSEC_MCGRP_EVENTS))
			family->events_group =
				mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int m2m_nl_family_attr_cb(const struct nlattr *attr, void *data)
{
	struct m2m_nl_family *family = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_get_payload_len(attr) == sizeof(uint16_t))
		family->id = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		m2m_nl_parse_groups(attr, family);
	return MNL_CB_OK;
}

static int m2m_nl_family_cb(const struct nlmsghdr *nlh, void *data,
			    struct m2m_nl_err *err)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			   m2m_nl_family_attr_cb, data) < 0) {
		m2m_nl_set_err(err, EPROTO,
			       "malformed generic netlink family reply");
		return -EPROTO;
	}
	return 0;
}

/* Resolve the id of the m2msec family through the generic controller. */
static int m2m_nl_resolve_family(struct m2m_nl *nl, struct m2m_nl_err *err)
{
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	struct m2m_nl_family family = { 0 };
	int ret;

	nlh = m2m_nl_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
			       NLM_F_ACK, ++nl->seq);
	genl = mnl_nlmsg_get_payload(nlh);
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, M2MSEC_GENL_NAME);

	ret = m2m_nl_exchange(nl, nlh, GENL_ID_CTRL, m2m_nl_family_cb, &family,
			      err);
	if (ret == -ENOENT) {
		m2m_nl_set_err(err, ENOENT,
			       "generic netlink family \"%s\" not found: is the m2msec module loaded?",
			       M2MSEC_GENL_NAME);
		return ret;
	}
	if (ret)
		return ret;
	if (!family.id) {
		m2m_nl_set_err(err, EPROTO,
			       "family reply for \"%s\" has no family id",
			       M2MSEC_GENL_NAME);
		return -EPROTO;
	}
	nl->family = family.id;
	nl->events_group = family.events_group;
	return 0;
}

static int m2m_nl_set_opt(struct m2m_nl *nl, int opt, const char *name,
			  struct m2m_nl_err *err)
{
	int one = 1;
	int error;

	if (mnl_socket_setsockopt(nl->sock, opt, &one, sizeof(one)) < 0) {
		error = errno;
		m2m_nl_set_err(err, error, "setting %s failed: %s", name,
			       strerror(error));
		return -error;
	}
	return 0;
}

static int m2m_nl_setup(struct m2m_nl *nl, struct m2m_nl_err *err)
{
	int ret;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		ret = errno;
		m2m_nl_set_err(err, ret,
			       "opening a generic netlink socket failed: %s",
			       strerror(ret));
		return -ret;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = errno;
		m2m_nl_set_err(err, ret,
			       "binding the netlink socket failed: %s",
			       strerror(ret));
		return -ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	ret = m2m_nl_set_opt(nl, NETLINK_EXT_ACK, "NETLINK_EXT_ACK", err);
	if (!ret)
		ret = m2m_nl_set_opt(nl, NETLINK_CAP_ACK, "NETLINK_CAP_ACK",
				     err);
	if (!ret)
		ret = m2m_nl_resolve_family(nl, err);
	return ret;
}

struct m2m_nl *m2m_nl_open(struct m2m_nl_err *err)
{
	struct m2m_nl *nl;

	nl = calloc(1, sizeof(*nl));
	if (nl)
		nl->rx = malloc(M2M_NL_RECV_SIZE);
	if (!nl || !nl->rx) {
		m2m_nl_set_err(err, ENOMEM, "%s", strerror(ENOMEM));
		if (nl)
			free(nl);
		return NULL;
	}
	/* A fresh sequence per socket makes stray replies easy to spot. */
	nl->seq = (uint32_t)time(NULL);
	if (m2m_nl_setup(nl, err)) {
		m2m_nl_close(nl);
		return NULL;
	}
	return nl;
}

void m2m_nl_close(struct m2m_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rx);
	free(nl);
}

struct m2m_nl_hs_reply {
	struct m2m_hs *reply;
	bool seen;
};

static int m2m_nl_hs_reply_cb(const struct nlmsghdr *nlh, void *data,
			      struct m2m_nl_err *err)
{
	struct m2m_nl_hs_reply *ctx = data;

	if (ctx->seen) {
		m2m_nl_set_err(err, EPROTO, "more than one reply to a request");
		return -EPROTO;
	}
	ctx->seen = true;
	return m2m_nl_msg_parse_hs(nlh, ctx->reply, err);
}

static int m2m_nl_hs_cmd(struct m2m_nl *nl, uint8_t cmd,
			 const struct m2m_hs *req, struct m2m_hs *reply,
			 struct m2m_nl_err *err)
{
	struct m2m_nl_hs_reply ctx = { .reply = reply };
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = m2m_nl_msg_start(buf, nl->family, cmd, NLM_F_ACK, ++nl->seq);
	ret = m2m_nl_msg_put_hs(nlh, sizeof(buf), cmd, req, err);
	if (ret)
		return ret;
	ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_hs_reply_cb, &ctx,
			      err);
	if (ret)
		return ret;
	if (!ctx.seen) {
		m2m_nl_set_err(err, EPROTO, "kernel sent an ack but no reply");
		return -EPROTO;
	}
	return 0;
}

int m2m_nl_hs_init(struct m2m_nl *nl, const struct m2m_hs *req,
		   struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return m2m_nl_hs_cmd(nl, M2MSEC_CMD_HS_INIT, req, reply, err);
}

int m2m_nl_hs_respond(struct m2m_nl *nl, const struct m2m_hs *req,
		      struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return m2m_nl_hs_cmd(nl, M2MSEC_CMD_HS_RESPOND, req, reply, err);
}

int m2m_nl_hs_complete(struct m2m_nl *nl, const struct m2m_hs *req,
		       struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return m2m_nl_hs_cmd(nl, M2MSEC_CMD_HS_COMPLETE, req, reply, err);
}

int m2m_nl_hs_finish(struct m2m_nl *nl, const struct m2m_hs *req,
		     struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return m2m_nl_hs_cmd(nl, M2MSEC_CMD_HS_FINISH, req, reply, err);
}

struct m2m_nl_dump_ctx {
	struct m2m_hs_entry *entries;
	size_t max;
	size_t count;
};

static int m2m_nl_dump_cb(const struct nlmsghdr *nlh, void *data,
			  struct m2m_nl_err *err)
{
	struct m2m_nl_dump_ctx *ctx = data;
	struct m2m_hs_entry entry;
	int ret;

	ret = m2m_nl_msg_parse_entry(nlh, &entry, err);
	if (ret)
		return ret;
	if (ctx->count < ctx->max)
		ctx->entries[ctx->count] = entry;
	ctx->count++;
	return 0;
}

int m2m_nl_hs_dump(struct m2m_nl *nl, struct m2m_hs_entry *entries,
		   size_t max, struct m2m_nl_err *err)
{
	struct m2m_nl_dump_ctx ctx = { .entries = entries, .max = max };
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_HS_GET,
			       NLM_F_DUMP | NLM_F_ACK, ++nl->seq);
	ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_dump_cb, &ctx, err);
	if (ret)
		return ret;
	return ctx.count > INT32_MAX ? INT32_MAX : (int)ctx.count;
}

static int m2m_nl_kma_cb(const struct nlmsghdr *nlh, void *data,
			 struct m2m_nl_err *err)
{
	return m2m_nl_msg_parse_hs(nlh, data, err);
}

int m2m_nl_kma_derive(struct m2m_nl *nl,
		      const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		      const char *app_id, int32_t keyring, uint32_t uid,
		      int32_t *serial, struct m2m_nl_err *err)
{
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct m2m_hs *reply;
	int ret;

	reply = calloc(1, sizeof(*reply));
	if (!reply) {
		m2m_nl_set_err(err, ENOMEM, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_KMA_DERIVE,
			       NLM_F_ACK, ++nl->seq);
	ret = m2m_nl_msg_put_kma(nlh, sizeof(buf), key_id, app_id, keyring,
				 uid, err);
	if (!ret)
		ret = m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_kma_cb,
				      reply, err);
	if (!ret && !reply->key_serial) {
		m2m_nl_set_err(err, EPROTO, "KMA_DERIVE reply has no KEY_SERIAL");
		ret = -EPROTO;
	}
	if (!ret)
		*serial = reply->key_serial;
	free(reply);
	return ret;
}

/* KMA_VERIFY replies with an ack only: a data message is an error. */
static int m2m_nl_no_reply_cb(const struct nlmsghdr *nlh, void *data,
			      struct m2m_nl_err *err)
{
	m2m_nl_set_err(err, EPROTO, "unexpected reply to KMA_VERIFY");
	return -EPROTO;
}

int m2m_nl_kma_verify(struct m2m_nl *nl,
		      const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		      const char *app_id,
		      const uint8_t digest[M2M_NL_DIGEST_LEN],
		      const uint8_t mac[M2M_NL_MAC_LEN],
		      struct m2m_nl_err *err)
{
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	size_t len = strlen(app_id);

	if (len == 0 || len > M2MSEC_STR_MAX) {
		m2m_nl_set_err(err, EINVAL,
			       "invalid application id length %zu (expected 1 to %d)",
			       len, M2MSEC_STR_MAX);
		return -EINVAL;
	}
	nlh = m2m_nl_msg_start(buf, nl->family, M2MSEC_CMD_KMA_VERIFY,
			       NLM_F_ACK, ++nl->seq);
	if (!mnl_attr_put_check(nlh, sizeof(buf), M2MSEC_A_KEY_ID,
				M2MSEC_KEY_ID_LEN, key_id) ||
	    !mnl_attr_put_strz_check(nlh, sizeof(buf), M2MSEC_A_APP_ID,
				     app_id) ||
	    !mnl_attr_put_check(nlh, sizeof(buf), M2MSEC_A_DIGEST,
				M2M_NL_DIGEST_LEN, digest) ||
	    !mnl_attr_put_check(nlh, sizeof(buf), M2MSEC_A_MAC,
				M2M_NL_MAC_LEN, mac)) {
		m2m_nl_set_err(err, EMSGSIZE,
			       "request does not fit in %zu bytes", sizeof(buf));
		return -EMSGSIZE;
	}
	return m2m_nl_exchange(nl, nlh, nl->family, m2m_nl_no_reply_cb, NULL,
			       err);
}
