// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink handlers of the handshake commands: they check the
 * request, look up the PSK, keep the state in the namespace's table,
 * drive the engine, install the key and build the reply described in
 * the uapi header.
 */
#include <crypto/algapi.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "handshake.h"
#include "handshake_engine.h"
#include "handshake_table.h"
#include "keys.h"
#include "msg.h"
#include "netlink.h"

/* Points the extended ack at attr with a static reason. */
static void m2msec_nl_set_reason(struct netlink_ext_ack *extack,
				 const struct nlattr *attr, const char *reason)
{
	if (!extack)
		return;
	extack->_msg = reason;
	extack->bad_attr = attr;
}

static const char *m2msec_mode_name(u8 mode)
{
	return mode == M2MSEC_MODE_BOOTSTRAP ? "bootstrap" : "connect";
}

/* Rejects an attribute that the other mode uses. */
static int m2msec_nl_forbid(struct genl_info *info, int attr,
			    const char *name, u8 mode)
{
	if (!info->attrs[attr])
		return 0;
	NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
	M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
				  "attribute %s does not apply to %s mode",
				  name, m2msec_mode_name(mode));
	return -EINVAL;
}

/*
 * Reads SUITES: connect mode defaults to both suites and needs a nonzero
 * mask of known suites; bootstrap mode has none (absent or 0).
 */
static int m2msec_nl_get_suites(struct genl_info *info, u8 mode, u8 *suites)
{
	struct nlattr *attr = info->attrs[M2MSEC_A_SUITES];
	u8 mask = attr ? nla_get_u8(attr) : 0;

	if (mode == M2MSEC_MODE_BOOTSTRAP) {
		*suites = 0;
		if (mask == 0)
			return 0;
		NL_SET_BAD_ATTR(info->extack, attr);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "SUITES 0x%x given in bootstrap mode, which has no suites",
					  mask);
		return -EINVAL;
	}
	if (!attr)
		mask = M2MSEC_SUITES_ALL;
	if (mask == 0 || (mask & ~M2MSEC_SUITES_ALL)) {
		NL_SET_BAD_ATTR(info->extack, attr);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "invalid SUITES 0x%x: expected a nonzero mask of 0x1 and 0x2",
					  mask);
		return -EINVAL;
	}
	*suites = mask;
	return 0;
}

/* Reads a string attribute of 1 to 255 bytes; a trailing NUL is dropped. */
static int m2msec_nl_get_str(struct genl_info *info, int attr,
			     const char *name, struct m2msec_str *s)
{
	struct nlattr *nla = info->attrs[attr];
	size_t len;
	int err;

	err = m2msec_nl_require(info, attr, name);
	if (err)
		return err;
	len = strnlen(nla_data(nla), nla_len(nla));
	if (len == 0 || len > M2MSEC_STR_MAX) {
		NL_SET_BAD_ATTR(info->extack, nla);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "%s is %zu bytes long, expected 1 to 255",
					  name, len);
		return -EINVAL;
	}
	memcpy(s->data, nla_data(nla), len);
	s->len = len;
	return 0;
}

static int m2msec_nl_get_boot_fields(struct genl_info *info,
				     struct m2msec_resp_fields *f)
{
	struct nlattr **attrs = info->attrs;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_NODE_ID, "NODE_ID") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEY_INDEX, "KEY_INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_LIFETIME, "LIFETIME") ?:
	      m2msec_nl_get_str(info, M2MSEC_A_MAS_FQDN, "MAS_FQDN",
				&f->mas_fqdn) ?:
	      m2msec_nl_get_str(info, M2MSEC_A_SCL_ID, "SCL_ID", &f->scl_id) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_CONN_ID, "CONN_ID",
			       M2MSEC_MODE_BOOTSTRAP) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_MID_FLAGS, "MID_FLAGS",
			       M2MSEC_MODE_BOOTSTRAP) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_NSCL_ID, "NSCL_ID",
			       M2MSEC_MODE_BOOTSTRAP);
	if (err)
		return err;
	if (nla_len(attrs[M2MSEC_A_NODE_ID]) != M2MSEC_NODE_ID_LEN) {
		NL_SET_BAD_ATTR(info->extack, attrs[M2MSEC_A_NODE_ID]);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "NODE_ID is %d bytes long, expected 16",
					  nla_len(attrs[M2MSEC_A_NODE_ID]));
		return -EINVAL;
	}
	memcpy(f->node_id, nla_data(attrs[M2MSEC_A_NODE_ID]),
	       M2MSEC_NODE_ID_LEN);
	f->key_index = nla_get_u32(attrs[M2MSEC_A_KEY_INDEX]);
	f->lifetime = nla_get_u32(attrs[M2MSEC_A_LIFETIME]);
	return 0;
}

static int m2msec_nl_get_conn_fields(struct genl_info *info,
				     struct m2msec_resp_fields *f)
{
	struct nlattr **attrs = info->attrs;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_CONN_ID, "CONN_ID") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEY_INDEX, "KEY_INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_LIFETIME, "LIFETIME") ?:
	      m2msec_nl_require(info, M2MSEC_A_MID_FLAGS, "MID_FLAGS") ?:
	      m2msec_nl_get_str(info, M2MSEC_A_NSCL_ID, "NSCL_ID",
				&f->nscl_id) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_NODE_ID, "NODE_ID",
			       M2MSEC_MODE_CONNECT) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_MAS_FQDN, "MAS_FQDN",
			       M2MSEC_MODE_CONNECT) ?:
	      m2msec_nl_forbid(info, M2MSEC_A_SCL_ID, "SCL_ID",
			       M2MSEC_MODE_CONNECT);
	if (err)
		return err;
	f->conn_id = nla_get_u64(attrs[M2MSEC_A_CONN_ID]);
	f->key_index = nla_get_u32(attrs[M2MSEC_A_KEY_INDEX]);
	f->lifetime = nla_get_u32(attrs[M2MSEC_A_LIFETIME]);
	f->mid_flags = nla_get_u16(attrs[M2MSEC_A_MID_FLAGS]);
	if (f->lifetime == 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[M2MSEC_A_LIFETIME],
				    "LIFETIME must be nonzero in connect mode");
		return -EINVAL;
	}
	if (f->mid_flags & ~M2MSEC_MID_FLAGS_KNOWN) {
		NL_SET_BAD_ATTR(info->extack, attrs[M2MSEC_A_MID_FLAGS]);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "MID_FLAGS 0x%x sets reserved bits (only 0x1 is defined)",
					  f->mid_flags);
		return -EINVAL;
	}
	return 0;
}

/* ---- Generic netlink: replies ---- */

static struct sk_buff *m2msec_nl_reply_new(struct genl_info *info,
					   void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &m2msec_genl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Puts a str as a NUL-terminated string attribute. */
static int m2msec_nl_put_str(struct sk_buff *skb, int attr,
			     const struct m2msec_str *s)
{
	struct nlattr *nla = nla_reserve(skb, attr, s->len + 1);

	if (!nla)
		return -EMSGSIZE;
	memcpy(nla_data(nla), s->data, s->len);
	((char *)nla_data(nla))[s->len] = '\0';
	return 0;
}

static int m2msec_nl_put_resp_fields(struct sk_buff *skb,
				     const struct m2msec_resp *resp)
{
	const struct m2msec_resp_fields *f = &resp->fields;

	if (nla_put_u32(skb, M2MSEC_A_KEY_INDEX, f->key_index) ||
	    nla_put_u32(skb, M2MSEC_A_LIFETIME, f->lifetime))
		return -EMSGSIZE;
	if (resp->hdr.mode == M2MSEC_MODE_BOOTSTRAP) {
		if (nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN,
			    f->node_id) ||
		    m2msec_nl_put_str(skb, M2MSEC_A_MAS_FQDN, &f->mas_fqdn) ||
		    m2msec_nl_put_str(skb, M2MSEC_A_SCL_ID, &f->scl_id))
			return -EMSGSIZE;
		return 0;
	}
	if (nla_put_u64_64bit(skb, M2MSEC_A_CONN_ID, f->conn_id,
			      M2MSEC_A_PAD) ||
	    nla_put_u16(skb, M2MSEC_A_MID_FLAGS, f->mid_flags) ||
	    m2msec_nl_put_str(skb, M2MSEC_A_NSCL_ID, &f->nscl_id) ||
	    nla_put_u8(skb, M2MSEC_A_SUITE, resp->hdr.suites))
		return -EMSGSIZE;
	return 0;
}

/* Ends and sends a reply, or frees it and returns its fill error. */
static int m2msec_nl_reply_send(struct sk_buff *skb, void *hdr,
				struct genl_info *info, int fill_err)
{
	if (fill_err) {
		nlmsg_free(skb);
		return fill_err;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/*
 * Installs a handshake's key and announces it; wipes res->key. suite is
 * the suite that the responder chose (connect mode), which the data plane
 * reads from an m2m_conn key together with this side's role and indexes.
 */
static key_serial_t m2msec_hs_install(struct genl_info *info,
				      struct m2msec_hs *hs,
				      struct m2msec_hs_result *res,
				      key_serial_t keyring, u8 suite)
{
	struct m2msec_key_meta meta = {};
	key_serial_t serial;

	memcpy(meta.node_id, hs->node_id, M2MSEC_NODE_ID_LEN);
	meta.key_index = hs->key_index;
	meta.lifetime = hs->lifetime;
	memcpy(meta.key_id, res->key_id, M2MSEC_KEY_ID_LEN);
	if (hs->mode == M2MSEC_MODE_CONNECT) {
		meta.role = hs->role;
		meta.suite = suite;
		meta.index = hs->index;
		meta.peer_index = hs->peer_index;
	}
	serial = m2msec_key_install(hs->mode, keyring, res->key, &meta,
				    info->extack);
	memzero_explicit(res->key, sizeof(res->key));
	if (serial < 0) {
		net_dbg_ratelimited("m2msec: handshake %u: key %*phN not installed: %d\n",
				    hs->index, M2MSEC_KEY_ID_LEN, res->key_id,
				    serial);
		return serial;
	}
	net_dbg_ratelimited("m2msec: handshake %u: %s key %*phN installed as %d\n",
			    hs->index, m2msec_mode_name(hs->mode),
			    M2MSEC_KEY_ID_LEN, res->key_id, serial);
	m2msec_nl_notify_key(genl_info_net(info), hs->mode, serial,
			     res->key_id, hs->node_id);
	return serial;
}

/* ---- Generic netlink: HS_INIT ---- */

/* Reads MODE, ID and SUITES of an HS_INIT request into hs. */
static int m2msec_nl_get_init_request(struct genl_info *info,
				      struct m2msec_hs *hs)
{
	struct nlattr *mode = info->attrs[M2MSEC_A_MODE];
	struct nlattr *id = info->attrs[M2MSEC_A_ID];
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MODE, "MODE") ?:
	      m2msec_nl_require(info, M2MSEC_A_ID, "ID");
	if (err)
		return err;
	hs->mode = nla_get_u8(mode);
	if (hs->mode != M2MSEC_MODE_BOOTSTRAP &&
	    hs->mode != M2MSEC_MODE_CONNECT) {
		NL_SET_BAD_ATTR(info->extack, mode);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "unknown MODE %u: expected 1 (bootstrap) or 2 (connect)",
					  hs->mode);
		return -EINVAL;
	}
	if (nla_len(id) < 1 || nla_len(id) > M2MSEC_STR_MAX ||
	    (hs->mode == M2MSEC_MODE_CONNECT &&
	     nla_len(id) != M2MSEC_NODE_ID_LEN)) {
		NL_SET_BAD_ATTR(info->extack, id);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "ID is %d bytes long, expected %s",
					  nla_len(id),
					  hs->mode == M2MSEC_MODE_CONNECT ?
					  "a 16-byte node id" : "1 to 255 bytes");
		return -EINVAL;
	}
	hs->id.len = nla_len(id);
	memcpy(hs->id.data, nla_data(id), hs->id.len);
	return m2msec_nl_get_suites(info, hs->mode, &hs->suites);
}

/**
 * m2msec_nl_hs_init_doit - start a handshake as the initiator
 * @skb: the request
 * @info: its attributes: MODE, ID, SUITES (connect mode only)
 *
 * Replies with INDEX (index_i) and MSG (the INIT).
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_init_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	u8 psk[M2MSEC_KEY_LEN];
	struct m2msec_hs *hs;
	struct sk_buff *reply;
	void *hdr;
	int err;

	hs = kzalloc(sizeof(*hs), GFP_KERNEL_ACCOUNT);
	if (!hs)
		return -ENOMEM;
	hs->role = M2MSEC_ROLE_INITIATOR;
	hs->owner = current_fsuid();
	err = m2msec_nl_get_init_request(info, hs);
	if (err)
		goto err_free;
	err = m2msec_psk_lookup(hs->mode, hs->id.data, hs->id.len, psk,
				info->extack);
	if (err)
		goto err_free;
	reply = m2msec_nl_reply_new(info, &hdr);
	err = reply ? m2msec_hs_reserve(t, hs, info->extack) : -ENOMEM;
	if (err) {
		memzero_explicit(psk, sizeof(psk));
		nlmsg_free(reply);
		goto err_free;
	}

	err = m2msec_hs_initiate(hs, psk, NULL);
	memzero_explicit(psk, sizeof(psk));
	if (err)
		NL_SET_ERR_MSG(info->extack, "cannot make the INIT message");
	else if (nla_put_u32(reply, M2MSEC_A_INDEX, hs->index) ||
		 nla_put(reply, M2MSEC_A_MSG, hs->init_len, hs->init_msg))
		err = -EMSGSIZE;
	if (err) {
		m2msec_hs_destroy(t, hs);
		nlmsg_free(reply);
		return err;
	}
	pr_debug("m2msec: handshake %u: %s INIT made\n", hs->index,
		 m2msec_mode_name(hs->mode));
	m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_INIT_SENT);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

err_free:
	m2msec_hs_free(hs);
	return err;
}

/* ---- Generic netlink: HS_RESPOND ---- */

/* Working memory of HS_RESPOND, too large for the stack. */
struct m2msec_respond_ctx {
	struct m2msec_init init;
	struct m2msec_resp_fields fields;
	u8 resp[M2MSEC_MSG_MAX];
	int resp_len;
	u8 psk[M2MSEC_KEY_LEN];
};

/* Reads the RESP fields of the INIT's mode and chooses the suite. */
static int m2msec_nl_get_respond_request(struct genl_info *info,
					 struct m2msec_respond_ctx *ctx,
					 struct m2msec_hs *hs)
{
	u8 offered = ctx->init.hdr.suites;
	u8 accepted;
	int err;

	hs->mode = ctx->init.hdr.mode;
	if (hs->mode == M2MSEC_MODE_BOOTSTRAP)
		err = m2msec_nl_get_boot_fields(info, &ctx->fields);
	else
		err = m2msec_nl_get_conn_fields(info, &ctx->fields);
	if (!err)
		err = m2msec_nl_get_suites(info, hs->mode, &accepted);
	if (err || hs->mode == M2MSEC_MODE_BOOTSTRAP)
		return err;
	hs->suites = m2msec_hs_pick_suite(offered, accepted);
	if (!hs->suites) {
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "no common suite: INIT offers 0x%x, SUITES accepts 0x%x",
					  offered, accepted);
		return -EPROTO;
	}
	return 0;
}

static int m2msec_nl_fill_respond(struct sk_buff *skb,
				  const struct m2msec_hs *hs,
				  const struct m2msec_respond_ctx *ctx)
{
	if (nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put(skb, M2MSEC_A_ID, hs->id.len, hs->id.data) ||
	    nla_put(skb, M2MSEC_A_MSG, ctx->resp_len, ctx->resp))
		return -EMSGSIZE;
	if (hs->mode == M2MSEC_MODE_CONNECT &&
	    nla_put_u8(skb, M2MSEC_A_SUITE, hs->suites))
		return -EMSGSIZE;
	return 0;
}

/* Builds the RESP of a reserved handshake; the caller owns hs. */
static int m2msec_nl_respond(struct genl_info *info, struct m2msec_hs *hs,
			     struct m2msec_respond_ctx *ctx)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	const char *reason;
	int len;

	len = m2msec_hs_respond(hs, &ctx->init, nla_data(msg), nla_len(msg),
				&ctx->fields, ctx->psk, ctx->resp,
				sizeof(ctx->resp), NULL, &reason);
	if (len < 0) {
		m2msec_nl_set_reason(info->extack,
				     len == -EKEYREJECTED ? msg : NULL,
				     reason);
		net_dbg_ratelimited("m2msec: handshake %u: INIT %u rejected: %d\n",
				    hs->index, ctx->init.hdr.index, len);
		return len;
	}
	ctx->resp_len = len;
	return 0;
}

/**
 * m2msec_nl_hs_respond_doit - reply to an INIT as the responder
 * @skb: the request
 * @info: its attributes: MSG (the INIT) and the RESP fields of its mode
 *
 * Replies with INDEX (index_r), PEER_INDEX (index_i), MODE, ID, SUITE
 * (connect mode) and MSG (the RESP).
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_respond_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_respond_ctx *ctx;
	struct sk_buff *reply = NULL;
	struct m2msec_hs *hs = NULL;
	const char *reason;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MSG, "MSG");
	if (err)
		return err;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	hs = kzalloc(sizeof(*hs), GFP_KERNEL_ACCOUNT);
	if (!ctx || !hs) {
		err = -ENOMEM;
		goto out_free;
	}
	err = m2msec_msg_parse_init(nla_data(msg), nla_len(msg), &ctx->init,
				    &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		goto out_free;
	}
	hs->role = M2MSEC_ROLE_RESPONDER;
	hs->owner = current_fsuid();
	err = m2msec_nl_get_respond_request(info, ctx, hs) ?:
	      m2msec_psk_lookup(hs->mode, ctx->init.id.data, ctx->init.id.len,
				ctx->psk, info->extack);
	if (err)
		goto out_free;
	reply = m2msec_nl_reply_new(info, &hdr);
	err = reply ? m2msec_hs_reserve(t, hs, info->extack) : -ENOMEM;
	if (err)
		goto out_free;

	err = m2msec_nl_respond(info, hs, ctx) ?:
	      m2msec_nl_fill_respond(reply, hs, ctx);
	if (err) {
		m2msec_hs_destroy(t, hs);
		hs = NULL;
		goto out_free;
	}
	pr_debug("m2msec: handshake %u: %s RESP made for INIT %u\n",
		 hs->index, m2msec_mode_name(hs->mode), hs->peer_index);
	m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_RESP_SENT);
	kfree_sensitive(ctx);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

out_free:
	nlmsg_free(reply);
	if (hs)
		m2msec_hs_free(hs);
	kfree_sensitive(ctx);
	return err;
}

/* ---- Generic netlink: HS_COMPLETE ---- */

/* Working memory of HS_COMPLETE, too large for the stack. */
struct m2msec_complete_ctx {
	struct m2msec_resp resp;
	struct m2msec_hs_result res;
};

static int m2msec_nl_fill_complete(struct sk_buff *skb,
				   const struct m2msec_hs *hs,
				   const struct m2msec_complete_ctx *ctx,
				   key_serial_t serial)
{
	if (nla_put(skb, M2MSEC_A_MSG, M2MSEC_FINISH_LEN, ctx->res.finish) ||
	    nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, ctx->res.key_id) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index))
		return -EMSGSIZE;
	return m2msec_nl_put_resp_fields(skb, &ctx->resp);
}

/* Checks the RESP and installs the key; the caller owns hs. */
static int m2msec_nl_complete(struct genl_info *info, struct m2msec_hs *hs,
			      struct m2msec_complete_ctx *ctx,
			      key_serial_t *serial)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	const struct m2msec_resp_fields *f = &ctx->resp.fields;
	const char *reason;
	int err;

	err = m2msec_hs_complete(hs, nla_data(msg), nla_len(msg), &ctx->resp,
				 &ctx->res, NULL, &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		net_dbg_ratelimited("m2msec: handshake %u: RESP rejected: %d\n",
				    hs->index, err);
		return err;
	}
	/* The key belongs to the node id that bootstrap assigned or used. */
	if (hs->mode == M2MSEC_MODE_BOOTSTRAP)
		memcpy(hs->node_id, f->node_id, M2MSEC_NODE_ID_LEN);
	else
		memcpy(hs->node_id, hs->id.data, M2MSEC_NODE_ID_LEN);
	hs->key_index = f->key_index;
	hs->lifetime = f->lifetime;
	*serial = m2msec_hs_install(info, hs, &ctx->res,
				    nla_get_s32(info->attrs[M2MSEC_A_KEYRING]),
				    ctx->resp.hdr.suites);
	return *serial < 0 ? *serial : 0;
}

/**
 * m2msec_nl_hs_complete_doit - check a RESP as the initiator
 * @skb: the request
 * @info: its attributes: INDEX (index_i), MSG (the RESP), KEYRING
 *
 * Installs the key only after mac_r verifies, replies with the FINISH,
 * the key's serial and id and the RESP fields, and deletes the
 * handshake state. A failure installs nothing and drops the handshake.
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_complete_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct m2msec_complete_ctx *ctx;
	key_serial_t serial = 0;
	struct m2msec_hs *hs;
	struct sk_buff *reply;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_INDEX, "INDEX") ?:
	      m2msec_nl_require(info, M2MSEC_A_MSG, "MSG") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING");
	if (err)
		return err;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	reply = m2msec_nl_reply_new(info, &hdr);
	if (!ctx || !reply) {
		err = -ENOMEM;
		goto out_free;
	}
	hs = m2msec_hs_claim(t, nla_get_u32(info->attrs[M2MSEC_A_INDEX]),
			     M2MSEC_ROLE_INITIATOR, info->extack);
	if (IS_ERR(hs)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[M2MSEC_A_INDEX]);
		err = PTR_ERR(hs);
		goto out_free;
	}
	err = m2msec_nl_complete(info, hs, ctx, &serial);
	if (!err)
		err = m2msec_nl_fill_complete(reply, hs, ctx, serial);
	m2msec_hs_destroy(t, hs);
	if (err)
		goto out_free;
	kfree_sensitive(ctx);
	return m2msec_nl_reply_send(reply, hdr, info, 0);

out_free:
	nlmsg_free(reply);
	kfree_sensitive(ctx);
	return err;
}

/* ---- Generic netlink: HS_FINISH ---- */

static int m2msec_nl_fill_finish(struct sk_buff *skb,
				 const struct m2msec_hs *hs)
{
	if (nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, hs->serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, hs->key_id) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put(skb, M2MSEC_A_ID, hs->id.len, hs->id.data) ||
	    nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, hs->node_id))
		return -EMSGSIZE;
	return 0;
}

/* Replies to a repeated FINISH: the same reply as before, no new key. */
static int m2msec_nl_finish_again(struct genl_info *info,
				  struct m2msec_hs *hs,
				  const struct m2msec_finish *finish,
				  struct sk_buff *reply)
{
	if (finish->hdr.mode != hs->mode) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MSEC_A_MSG],
				    "FINISH mode does not match the handshake's mode");
		return -EPROTO;
	}
	if (crypto_memneq(finish->mac, hs->mac_i, M2MSEC_MAC_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MSEC_A_MSG],
				    "mac_i does not verify");
		return -EKEYREJECTED;
	}
	net_dbg_ratelimited("m2msec: handshake %u: repeated FINISH for key %*phN\n",
			    hs->index, M2MSEC_KEY_ID_LEN, hs->key_id);
	return m2msec_nl_fill_finish(reply, hs);
}

/* Checks a first FINISH and installs the key; the caller owns hs. */
static int m2msec_nl_finish_first(struct genl_info *info,
				  struct m2msec_hs *hs,
				  const struct m2msec_finish *finish,
				  struct sk_buff *reply)
{
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_hs_result res;
	key_serial_t serial;
	const char *reason;
	int err;

	err = m2msec_hs_finish(hs, finish, &res, &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		net_dbg_ratelimited("m2msec: handshake %u: FINISH rejected: %d\n",
				    hs->index, err);
		return err;
	}
	/* A responder's suites field holds the one suite it chose. */
	serial = m2msec_hs_install(info, hs, &res,
				   nla_get_s32(info->attrs[M2MSEC_A_KEYRING]),
				   hs->suites);
	if (serial < 0)
		return serial;
	hs->serial = serial;
	memcpy(hs->key_id, res.key_id, M2MSEC_KEY_ID_LEN);
	memcpy(hs->mac_i, finish->mac, M2MSEC_MAC_LEN);
	return m2msec_nl_fill_finish(reply, hs);
}

/**
 * m2msec_nl_hs_finish_doit - check a FINISH as the responder
 * @skb: the request
 * @info: its attributes: MSG (the FINISH), KEYRING
 *
 * Installs the key only after mac_i verifies and remembers the reply, so
 * that the same FINISH again gets the same reply and makes no new key. A
 * failure installs nothing and drops a handshake in progress.
 *
 * Return: 0 or a negative errno with an extended ack.
 */
int m2msec_nl_hs_finish_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_hs_table *t = m2msec_hs_table(genl_info_net(info));
	struct nlattr *msg = info->attrs[M2MSEC_A_MSG];
	struct m2msec_finish finish;
	struct sk_buff *reply;
	struct m2msec_hs *hs;
	const char *reason;
	void *hdr;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_MSG, "MSG") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING");
	if (err)
		return err;
	err = m2msec_msg_parse_finish(nla_data(msg), nla_len(msg), &finish,
				      &reason);
	if (err) {
		m2msec_nl_set_reason(info->extack, msg, reason);
		return err;
	}
	reply = m2msec_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	hs = m2msec_hs_claim(t, finish.hdr.index, M2MSEC_ROLE_RESPONDER,
			     info->extack);
	if (IS_ERR(hs)) {
		NL_SET_BAD_ATTR(info->extack, msg);
		nlmsg_free(reply);
		return PTR_ERR(hs);
	}

	if (hs->state == M2MSEC_HS_STATE_DONE) {
		err = m2msec_nl_finish_again(info, hs, &finish, reply);
		m2msec_hs_release(t, hs);
	} else {
		err = m2msec_nl_finish_first(info, hs, &finish, reply);
		if (err)
			m2msec_hs_destroy(t, hs);
		else
			m2msec_hs_publish(t, hs, M2MSEC_HS_STATE_DONE);
	}
	return m2msec_nl_reply_send(reply, hdr, info, err);
}

/* ---- Generic netlink: HS_GET ---- */

struct m2msec_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

/* Puts one handshake into the dump; runs under the table lock. */
static int m2msec_nl_fill_hs(void *arg, const struct m2msec_hs *hs,
			     unsigned long now)
{
	struct m2msec_dump_ctx *ctx = arg;
	struct sk_buff *skb = ctx->skb;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(ctx->cb->skb).portid,
			  ctx->cb->nlh->nlmsg_seq, &m2msec_genl_family,
			  NLM_F_MULTI, M2MSEC_CMD_HS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, M2MSEC_A_INDEX, hs->index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, hs->peer_index) ||
	    nla_put_u8(skb, M2MSEC_A_MODE, hs->mode) ||
	    nla_put_u8(skb, M2MSEC_A_ROLE, hs->role) ||
	    nla_put_u8(skb, M2MSEC_A_STATE, hs->state) ||
	    nla_put_u64_64bit(skb, M2MSEC_A_AGE_MS,
			      jiffies_to_msecs(now - hs->stamp),
			      M2MSEC_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * m2msec_nl_hs_get_dumpit - list the handshakes of the namespace
 * @skb: the dump buffer
 * @cb: the dump state; args[0] counts the entries already sent
 *
 * Entries are listed oldest first. PEER_INDEX is 0 while the initiator
 * waits for the RESP. AGE_MS counts from the last state change. NOTE: an
 * entry that changes state between two parts of a dump moves to the end
 * of the list, so a long dump may list it twice or skip another.
 *
 * Return: the length of the dump buffer, 0 at the end.
 */
int m2msec_nl_hs_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct m2msec_hs_table *t = m2msec_hs_table(sock_net(skb->sk));
	struct m2msec_dump_ctx ctx = { skb, cb };

	cb->args[0] = m2msec_hs_walk(t, cb->args[0], m2msec_nl_fill_hs, &ctx);
	return skb->len;
}
