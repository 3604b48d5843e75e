// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake responder. The RESP fields are chosen before the INIT goes to
 * the kernel, but stored only after the kernel accepted it, so an INIT
 * for an unknown device leaves no node row behind.
 * NOTE: an INIT is not authenticated (only its FINISH is), so anyone who
 * knows a bootstrap id or node id with a key can create that node's row
 * and raise its kmr_index or kmc_index, one per INIT, as far as the
 * kernel's half-open handshake table lets them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hex.h"
#include "log.h"
#include "problem.h"
#include "proto.h"
#include "reload.h"
#include "responder.h"

void m2md_responder_init(struct m2md_responder *r,
			 const struct m2md_kops *kops,
			 struct m2md_store *store,
			 const struct m2md_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->kops = kops;
	r->store = store;
	r->cfg = cfg;
	pthread_mutex_init(&r->lock, NULL);
	r->bootstrap.responder = r;
	r->bootstrap.mode = M2MSEC_MODE_BOOTSTRAP;
	r->connect.responder = r;
	r->connect.mode = M2MSEC_MODE_CONNECT;
}

void m2md_responder_destroy(struct m2md_responder *r)
{
	pthread_mutex_destroy(&r->lock);
}

/* Fill *ids with the peer address of req, formatted into peer. */
static void m2md_hs_ids(const struct m2md_request *req, char *peer,
			size_t len, struct m2m_log_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	ids->peer = m2m_log_peer(req->client, peer, len);
}

/* Reject a handshake message. Any peer can cause this line: rate limit it. */
static void m2md_hs_reject(const struct m2md_request *req,
			   struct m2md_reply *reply, int error,
			   const char *mode, const char *what,
			   const char *detail)
{
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids;

	m2md_hs_ids(req, peer, sizeof(peer), &ids);
	m2md_reply_errno(reply, error, detail);
	m2m_log_ratelimited(LOG_WARNING, &ids,
			    "%s %s rejected with HTTP %u: %s", mode, what,
			    reply->status, detail);
}

static int m2md_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -EIO;
}

/* Pick the node and kmr_index for a bootstrap INIT from bootstrap_id. */
static int m2md_bootstrap_node(struct m2md_responder *r,
			       const char *bootstrap_id,
			       struct m2md_node *node)
{
	int ret = m2md_store_node_find_boot(r->store, bootstrap_id, node);
	struct m2md_live live;

	if (ret == -ENOENT) {
		memset(node, 0, sizeof(*node));
		snprintf(node->bootstrap_id, sizeof(node->bootstrap_id), "%s",
			 bootstrap_id);
		ret = m2md_random(node->node_id, sizeof(node->node_id));
		m2md_live_read(r->cfg, &live);
		if (!ret && m2md_scl_id_expand(live.scl_id_pattern,
					       node->node_id, node->scl_id,
					       sizeof(node->scl_id)))
			ret = -EINVAL;
	}
	if (ret)
		return ret;
	if (node->kmr_index == UINT32_MAX)
		return -EOVERFLOW;
	node->kmr_index++;
	return 0;
}

/* Pick the node and kmc_index for a connect INIT from a node id. */
static int m2md_connect_node(struct m2md_responder *r, const uint8_t *node_id,
			     struct m2md_node *node)
{
	int ret = m2md_store_node_get(r->store, node_id, node);
	struct m2md_live live;

	/* A Kmr provisioned by hand has no bootstrap row yet. */
	if (ret == -ENOENT) {
		memset(node, 0, sizeof(*node));
		memcpy(node->node_id, node_id, M2MSEC_NODE_ID_LEN);
		m2md_live_read(r->cfg, &live);
		if (m2md_scl_id_expand(live.scl_id_pattern, node_id,
				       node->scl_id, sizeof(node->scl_id)))
			return -EINVAL;
		ret = 0;
	}
	if (ret)
		return ret;
	if (node->kmc_index == UINT32_MAX)
		return -EOVERFLOW;
	node->kmc_index++;
	return 0;
}

static void m2md_fill_bootstrap(struct m2md_responder *r,
				const struct m2md_node *node,
				struct m2m_hs *hs)
{
	struct m2md_live live;

	m2md_live_read(r->cfg, &live);
	memcpy(hs->node_id, node->node_id, sizeof(hs->node_id));
	hs->has_node_id = true;
	hs->key_index = node->kmr_index;
	hs->has_key_index = true;
	hs->lifetime = live.kmr_lifetime;
	hs->has_lifetime = true;
	snprintf(hs->mas_fqdn, sizeof(hs->mas_fqdn), "%s", live.mas_fqdn);
	snprintf(hs->scl_id, sizeof(hs->scl_id), "%s", node->scl_id);
}

static int m2md_fill_connect(struct m2md_responder *r,
			     const struct m2md_node *node, struct m2m_hs *hs)
{
	struct m2md_live live;

	m2md_live_read(r->cfg, &live);
	do {
		if (m2md_random(&hs->conn_id, sizeof(hs->conn_id)))
			return -EIO;
	} while (!hs->conn_id);
	hs->has_conn_id = true;
	hs->key_index = node->kmc_index;
	hs->has_key_index = true;
	hs->lifetime = live.kmc_lifetime;
	hs->has_lifetime = true;
	hs->mid_flags = live.mid_flags;
	hs->has_mid_flags = true;
	snprintf(hs->nscl_id, sizeof(hs->nscl_id), "%s", live.nscl_id);
	hs->suites = M2MSEC_SUITES_ALL;
	return 0;
}

/* Describe the initiator id of an INIT for logs and problem details. */
static void m2md_describe_id(uint8_t mode, const struct m2m_proto_init *init,
			     char *out, size_t len)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];

	if (mode == M2MSEC_MODE_CONNECT && init->id_len == M2MSEC_NODE_ID_LEN) {
		m2m_hex_encode(init->id, init->id_len, hex);
		snprintf(out, len, "node id %s", hex);
	} else {
		snprintf(out, len, "bootstrap id '%.*s'", (int)init->id_len,
			 (const char *)init->id);
	}
}

static int m2md_pick_node(struct m2md_responder *r, uint8_t mode,
			  const struct m2m_proto_init *init,
			  struct m2md_node *node, char *detail, size_t len)
{
	char bootstrap_id[M2MSEC_STR_MAX + 1];

	if (mode == M2MSEC_MODE_CONNECT) {
		if (init->id_len != M2MSEC_NODE_ID_LEN) {
			snprintf(detail, len,
				 "connect INIT id is %zu bytes, expected a %d-byte node id",
				 init->id_len, M2MSEC_NODE_ID_LEN);
			return -EBADMSG;
		}
		return m2md_connect_node(r, init->id, node);
	}
	if (memchr(init->id, '\0', init->id_len)) {
		snprintf(detail, len, "bootstrap id contains a NUL byte");
		return -EBADMSG;
	}
	memcpy(bootstrap_id, init->id, init->id_len);
	bootstrap_id[init->id_len] = '\0';
	return m2md_bootstrap_node(r, bootstrap_id, node);
}

/*
 * Log an INIT that got its RESP. An INIT is not authenticated, so any
 * peer that knows an id can cause this line, which passes a rate limit.
 */
static void m2md_log_respond(uint8_t mode, const struct m2md_node *node,
			     const struct m2m_hs *hs,
			     const struct m2m_hs *reply, const char *who,
			     const struct m2md_request *req)
{
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids;

	m2md_hs_ids(req, peer, sizeof(peer), &ids);
	ids.node_id = node->node_id;
	if (mode == M2MSEC_MODE_BOOTSTRAP) {
		m2m_log_ratelimited(LOG_INFO, &ids,
				    "bootstrap: INIT from %s answered: kmr_index %u, scl id %s, lifetime %u s, index %08x",
				    who, hs->key_index, node->scl_id,
				    hs->lifetime, reply->index);
	} else {
		ids.conn_id = hs->conn_id;
		ids.has_conn_id = true;
		m2m_log_ratelimited(LOG_INFO, &ids,
				    "connect: INIT from %s answered: kmc_index %u, suite %u, lifetime %u s, index %08x",
				    who, hs->key_index, reply->suite,
				    hs->lifetime, reply->index);
	}
}

static int m2md_save_init(struct m2md_responder *r, uint8_t mode,
			  const struct m2md_node *node,
			  const struct m2m_hs *req, const struct m2m_hs *reply)
{
	struct m2md_pending p = {
		.index_r = reply->index,
		.mode = mode,
		.key_index = req->key_index,
		.lifetime = req->lifetime,
		.conn_id = req->conn_id,
	};
	int ret;

	memcpy(p.node_id, node->node_id, sizeof(p.node_id));
	snprintf(p.scl_id, sizeof(p.scl_id), "%s", node->scl_id);
	ret = m2md_store_node_put(r->store, node);
	if (!ret)
		ret = m2md_store_pending_put(r->store, &p,
					     M2MD_PENDING_MAX_AGE);
	return ret;
}

static void m2md_handle_init(struct m2md_responder *r, uint8_t mode,
			     const struct m2md_request *req,
			     struct m2md_reply *reply)
{
	const char *mname = m2m_proto_mode_name(mode);
	struct m2m_hs hs, out;
	struct m2m_proto_init init;
	struct m2m_nl_err nlerr = { 0 };
	struct m2md_node node;
	char detail[1024] = "", who[600];
	int ret;

	ret = m2m_proto_parse_init(req->body, req->body_len, &init, detail,
				   sizeof(detail));
	if (ret)
		return m2md_hs_reject(req, reply, ret, mname, "INIT", detail);
	m2md_describe_id(mode, &init, who, sizeof(who));

	pthread_mutex_lock(&r->lock);
	ret = m2md_pick_node(r, mode, &init, &node, detail, sizeof(detail));
	if (ret) {
		pthread_mutex_unlock(&r->lock);
		if (!detail[0])
			snprintf(detail, sizeof(detail),
				 "cannot assign the %s parameters: %s",
				 mname, strerror(-ret));
		return m2md_hs_reject(req, reply,
				      ret == -EBADMSG ? ret : -EIO,
				      mname, "INIT", detail);
	}
	memset(&hs, 0, sizeof(hs));
	memset(&out, 0, sizeof(out));
	hs.mode = mode;
	memcpy(hs.msg, req->body, req->body_len);
	hs.msg_len = req->body_len;
	if (mode == M2MSEC_MODE_BOOTSTRAP)
		m2md_fill_bootstrap(r, &node, &hs);
	else
		ret = m2md_fill_connect(r, &node, &hs);
	if (!ret)
		ret = r->kops->hs_respond(r->kops->ctx, &hs, &out, &nlerr);
	if (ret) {
		pthread_mutex_unlock(&r->lock);
		snprintf(detail, sizeof(detail), "%s INIT from %s: %s", mname,
			 who, nlerr.msg[0] ? nlerr.msg : strerror(-ret));
		return m2md_hs_reject(req, reply, ret, mname, "INIT", detail);
	}
	ret = m2md_save_init(r, mode, &node, &hs, &out);
	pthread_mutex_unlock(&r->lock);
	if (ret) {
		struct m2m_log_ids ids = { .node_id = node.node_id };

		m2m_log_ratelimited(LOG_ERR, &ids,
				    "%s: cannot record INIT from %s: %s",
				    mname, who, strerror(-ret));
		m2md_reply_errno(reply, -EIO, "cannot record the handshake");
		return;
	}
	m2md_log_respond(mode, &node, &hs, &out, who, req);
	m2md_reply_set(reply, 200, M2M_HS_CONTENT_TYPE, out.msg, out.msg_len);
}

static void m2md_record_finish(struct m2md_responder *r,
			       const struct m2md_pending *p,
			       const struct m2m_hs *out,
			       const struct m2m_log_ids *peer_ids)
{
	char key_hex[M2M_KEY_ID_HEX_LEN + 1];
	struct m2md_connection c = { 0 };
	struct m2m_log_ids ids = *peer_ids;
	int64_t now = time(NULL);
	int ret;

	ids.node_id = p->node_id;
	ids.key_id = out->key_id;
	ids.key_serial = out->key_serial;
	m2m_hex_encode(out->key_id, sizeof(out->key_id), key_hex);
	if (p->mode == M2MSEC_MODE_BOOTSTRAP) {
		ret = m2md_store_node_set_key(r->store, p->node_id, key_hex,
					      out->key_serial, p->lifetime ?
					      now + p->lifetime : 0);
		m2m_log_ids(LOG_INFO, &ids,
			    "bootstrap: done: kmr_index %u, scl id %s",
			    p->key_index, p->scl_id);
	} else {
		c.conn_id = p->conn_id;
		memcpy(c.node_id, p->node_id, sizeof(c.node_id));
		snprintf(c.scl_id, sizeof(c.scl_id), "%s", p->scl_id);
		c.kmc_index = p->key_index;
		snprintf(c.key_id, sizeof(c.key_id), "%s", key_hex);
		c.key_serial = out->key_serial;
		c.expiry = now + p->lifetime;
		ret = m2md_store_connection_put(r->store, &c);
		ids.conn_id = c.conn_id;
		ids.has_conn_id = true;
		m2m_log_ids(LOG_INFO, &ids,
			    "connect: done: kmc_index %u, scl id %s, expires in %u s",
			    c.kmc_index, c.scl_id, p->lifetime);
	}
	if (ret)
		m2m_log_ids(LOG_ERR, &ids, "%s: cannot record the key: %s",
			    m2m_proto_mode_name(p->mode), strerror(-ret));
}

/*
 * Bind the Kmc of a connect FINISH to the tunnel. The node id comes from
 * the kernel's reply, or from the INIT on record. Returns 0, or -1 with
 * a problem in reply.
 */
static int m2md_bind_finish(struct m2md_responder *r, const struct m2m_hs *out,
			    const struct m2md_pending *p,
			    struct m2md_reply *reply)
{
	struct m2m_log_ids ids = { .key_serial = out->key_serial };
	const uint8_t *node_id = NULL;
	char detail[512] = "";
	int ret;

	if (out->has_node_id)
		node_id = out->node_id;
	else if (p)
		node_id = p->node_id;
	if (!node_id) {
		m2m_log_ids(LOG_ERR, &ids,
			    "connect: FINISH for index %08x has no node id: key serial %d not bound to the tunnel",
			    out->index, out->key_serial);
		m2md_reply_problem(reply, 500, NULL, NULL,
				   "the node id of the connection is unknown");
		return -1;
	}
	ret = r->bind_kmc(r->bind_ctx, node_id, out->key_serial, detail,
			  sizeof(detail));
	if (!ret)
		return 0;
	ids.node_id = node_id;
	if (p) {
		ids.conn_id = p->conn_id;
		ids.has_conn_id = true;
	}
	m2m_log_ids(LOG_ERR, &ids,
		    "connect: binding the key to the tunnel failed: %s",
		    detail);
	m2md_reply_problem(reply, 500, NULL, NULL,
			   "binding the new key to the tunnel failed");
	return -1;
}

static void m2md_handle_finish(struct m2md_responder *r, uint8_t mode,
			       const struct m2md_request *req,
			       const struct m2m_proto_hdr *hdr,
			       struct m2md_reply *reply)
{
	const char *mname = m2m_proto_mode_name(mode);
	struct m2m_nl_err nlerr = { 0 };
	struct m2m_hs hs, out;
	struct m2md_pending p;
	char detail[320], peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids;
	int ret;

	memset(&hs, 0, sizeof(hs));
	memset(&out, 0, sizeof(out));
	hs.mode = mode;
	memcpy(hs.msg, req->body, req->body_len);
	hs.msg_len = req->body_len;
	hs.keyring = r->cfg->keyring;
	ret = r->kops->hs_finish(r->kops->ctx, &hs, &out, &nlerr);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s FINISH for index %08x: %s",
			 mname, hdr->index,
			 nlerr.msg[0] ? nlerr.msg : strerror(-ret));
		return m2md_hs_reject(req, reply, ret, mname, "FINISH",
				      detail);
	}
	m2md_hs_ids(req, peer, sizeof(peer), &ids);
	ret = m2md_store_pending_get(r->store, out.index, &p);
	if (ret || p.mode != mode) {
		ids.key_id = out.key_id;
		ids.key_serial = out.key_serial;
		m2m_log_ids(LOG_WARNING, &ids,
			    "%s: FINISH for index %08x installed a key, but its INIT is not on record",
			    mname, out.index);
	} else {
		m2md_record_finish(r, &p, &out, &ids);
	}
	if (mode == M2MSEC_MODE_CONNECT && r->bind_kmc &&
	    m2md_bind_finish(r, &out, !ret && p.mode == mode ? &p : NULL,
			     reply))
		return;
	reply->status = 204;
}

void m2md_responder_handle(void *ctx, const struct m2md_request *req,
			   struct m2md_reply *reply)
{
	struct m2md_responder_path *path = ctx;
	const char *mname = m2m_proto_mode_name(path->mode);
	struct m2m_proto_hdr hdr;
	char detail[256];
	int ret;

	if (!m2md_media_type_is(req->content_type, M2M_HS_CONTENT_TYPE)) {
		snprintf(detail, sizeof(detail),
			 "Content-Type '%s' is not %s",
			 req->content_type ? req->content_type : "(none)",
			 M2M_HS_CONTENT_TYPE);
		m2md_reply_problem(reply, 415, NULL, NULL, detail);
		return;
	}
	ret = m2m_proto_parse_hdr(req->body, req->body_len, &hdr, detail,
				  sizeof(detail));
	if (ret)
		return m2md_hs_reject(req, reply, ret, mname, "message",
				      detail);
	if (hdr.mode != path->mode) {
		snprintf(detail, sizeof(detail),
			 "a %s message was sent to the %s path",
			 m2m_proto_mode_name(hdr.mode), mname);
		return m2md_hs_reject(req, reply, -EPROTO, mname, "message",
				      detail);
	}
	if (hdr.type == M2M_MSG_INIT)
		return m2md_handle_init(path->responder, path->mode, req,
					reply);
	if (hdr.type == M2M_MSG_FINISH)
		return m2md_handle_finish(path->responder, path->mode, req,
					  &hdr, reply);
	snprintf(detail, sizeof(detail),
		 "a responder accepts INIT and FINISH, not %s",
		 m2m_proto_type_name(hdr.type));
	m2md_hs_reject(req, reply, -EBADMSG, mname, "message", detail);
}
