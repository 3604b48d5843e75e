// SPDX-License-Identifier: GPL-2.0
/*
 * Network role: the handshake responder, the NSCL tree, and the network's
 * end of the m2msec tunnel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/m2msec.h>

#include "hex.h"
#include "log.h"
#include "network.h"
#include "problem.h"
#include "signals.h"

static const char *const m2md_nscl_subs[] = { "scls", "applications", NULL };

/*
 * Return in scl_id the SCL that a creation under parent belongs to: the
 * new scl itself, or the one in "<root>/scls/<sclId>/...". Returns false
 * for creations outside nscl/scls.
 */
static bool m2md_nscl_owner(const struct m2md_tree *tree, const char *parent,
			    const char *type, const char *name, char *scl_id,
			    size_t len)
{
	char prefix[96];
	size_t plen;
	const char *rest;

	snprintf(prefix, sizeof(prefix), "%s/scls", tree->root);
	plen = strlen(prefix);
	if (strncmp(parent, prefix, plen))
		return false;
	if (!parent[plen]) {
		snprintf(scl_id, len, "%s", name);
		return !strcmp(type, "scl");
	}
	if (parent[plen] != '/')
		return false;
	rest = parent + plen + 1;
	snprintf(scl_id, len, "%.*s", (int)strcspn(rest, "/"), rest);
	return true;
}

/* The inner IPv6 source of a request that came over the tunnel, or NULL. */
static const uint8_t *m2md_tunnel_source(const struct m2md_network *net,
					 const struct m2md_request *req)
{
	const struct sockaddr_in6 *sin6;

	if (!net->tunnel || !req || !req->client ||
	    req->client->sa_family != AF_INET6)
		return NULL;
	sin6 = (const struct sockaddr_in6 *)req->client;
	if (!m2md_tunnel_in_prefix(&net->cfg->tunnel_prefix,
				   sin6->sin6_addr.s6_addr))
		return NULL;
	return sin6->sin6_addr.s6_addr;
}

/*
 * A request over the tunnel speaks for the node id of its inner source
 * address, which the kernel checked against the peer's key. Its sclId
 * must have a current connection of that node id.
 */
static int m2md_nscl_authorize_tunnel(struct m2md_network *net,
				      const uint8_t *source, const char *type,
				      const char *name, const char *scl_id,
				      struct m2md_reply *reply)
{
	char addr[INET6_ADDRSTRLEN], detail[512];

	if (m2md_store_connection_current_iid(net->store, scl_id, source + 8,
					      time(NULL)))
		return 0;
	inet_ntop(AF_INET6, source, addr, sizeof(addr));
	snprintf(detail, sizeof(detail),
		 "sclId '%s' does not belong to the node id of tunnel address %s",
		 scl_id, addr);
	m2md_reply_problem(reply, 403, NULL, NULL, detail);
	m2m_warn("nscl: %s %s from %s rejected: %s", type, name, addr, detail);
	return -1;
}

static int m2md_nscl_authorize(struct m2md_tree *tree, const char *parent,
			       const char *type, const char *name,
			       const struct m2md_request *req,
			       struct m2md_reply *reply)
{
	struct m2md_network *net = tree->ops.ctx;
	char scl_id[M2MSEC_STR_MAX + 1], detail[512];
	const uint8_t *source;

	if (!m2md_nscl_owner(tree, parent, type, name, scl_id, sizeof(scl_id)))
		return 0;
	source = m2md_tunnel_source(net, req);
	if (source)
		return m2md_nscl_authorize_tunnel(net, source, type, name,
						  scl_id, reply);
	/*
	 * NOTE: a request outside the tunnel is not authenticated by its
	 * service connection, so this check relies only on the sclId named
	 * in the request having a current connection.
	 */
	if (m2md_store_connection_current(net->store, scl_id, time(NULL)))
		return 0;
	snprintf(detail, sizeof(detail),
		 "sclId '%s' has no current service connection; connect first",
		 scl_id);
	m2md_reply_problem(reply, 403, NULL, NULL, detail);
	m2m_warn("nscl: %s %s under %s rejected: %s", type, name, parent,
		 detail);
	return -1;
}

static void m2md_nscl_created(struct m2md_tree *tree,
			      const struct m2md_resource *res,
			      const struct m2md_request *req,
			      struct m2md_reply *reply)
{
	struct m2md_network *net = tree->ops.ctx;

	if (strcmp(res->type, "scl"))
		return;
	m2m_info("nscl: registered scl %s at %s%s", res->name, res->path,
		 m2md_tunnel_source(net, req) ? " over the tunnel" : "");
}

/* Fill the allowed prefixes of a gateway: its /128, and /32 with IPv4. */
static size_t m2md_net_gateway_ips(const struct m2md_config *cfg,
				   const uint8_t node_id[M2MSEC_NODE_ID_LEN],
				   struct m2m_allowedip ips[2])
{
	memset(ips, 0, 2 * sizeof(*ips));
	ips[0].family = AF_INET6;
	ips[0].cidr = 128;
	m2md_tunnel_gateway_addr6(&cfg->tunnel_prefix, node_id, ips[0].addr);
	if (!cfg->has_tunnel_prefix4)
		return 1;
	ips[1].family = AF_INET;
	ips[1].cidr = 32;
	m2md_tunnel_gateway_addr4(&cfg->tunnel_prefix4, node_id, ips[1].addr);
	return 2;
}

/* Bind with the tunnel lock held. */
static int m2md_net_bind_locked(struct m2md_network *net,
				const uint8_t node_id[M2MSEC_NODE_ID_LEN],
				int32_t key_serial, char *detail, size_t len)
{
	struct m2md_net_tunnel *tun = net->tunnel;
	const struct m2md_config *cfg = net->cfg;
	struct m2m_allowedip ips[2];
	struct m2md_tunnel_peer peer = {
		.node_id = node_id,
		.key_serial = key_serial,
		.allowed_ips = ips,
	};
	char node_hex[M2M_NODE_ID_HEX_LEN + 1];
	struct m2m_nl_err err = { 0 };
	struct m2m_peer old;
	int32_t old_serial = 0;
	bool rekey;
	int ret;

	m2md_retired_reap(&tun->retired, cfg->keyring, time(NULL), false);
	if (!m2m_nl_peer_get(tun->nl, cfg->tunnel_ifname, node_id, &old,
			     &err)) {
		old_serial = old.has_key ? old.key_serial : 0;
		m2m_peer_clear(&old);
	}
	/* A replayed FINISH returns the key that is bound already. */
	if (old_serial == key_serial)
		return 0;
	peer.n_allowed_ips = m2md_net_gateway_ips(cfg, node_id, ips);
	ret = m2md_tunnel_bind(tun->nl, cfg->tunnel_ifname, &peer, &rekey,
			       &err);
	if (ret) {
		snprintf(detail, len, "%s %s: %s", rekey ? "PEER_SET" : "PEER_NEW",
			 cfg->tunnel_ifname, err.msg);
		return ret;
	}
	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, node_hex);
	if (rekey && old_serial) {
		m2md_retired_add(&tun->retired, old_serial, cfg->keyring,
				 time(NULL));
		m2m_info("tunnel: rekeyed peer %s on %s: key serial %d replaces %d",
			 node_hex, cfg->tunnel_ifname, key_serial, old_serial);
	} else {
		m2m_info("tunnel: bound key serial %d to peer %s on %s",
			 key_serial, node_hex, cfg->tunnel_ifname);
	}
	return 0;
}

int m2md_network_bind_kmc(void *ctx, const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			  int32_t key_serial, char *detail, size_t len)
{
	struct m2md_network *net = ctx;
	int ret;

	pthread_mutex_lock(&net->tunnel->lock);
	ret = m2md_net_bind_locked(net, node_id, key_serial, detail, len);
	pthread_mutex_unlock(&net->tunnel->lock);
	return ret;
}

int m2md_network_setup(struct m2md_network *net,
		       const struct m2md_config *cfg, struct m2md_store *store,
		       const struct m2md_kops *kops)
{
	struct m2md_tree_ops ops = {
		.authorize = m2md_nscl_authorize,
		.created = m2md_nscl_created,
		.ctx = net,
	};
	int ret;

	memset(net, 0, sizeof(*net));
	net->cfg = cfg;
	net->store = store;
	m2md_responder_init(&net->responder, kops, store, cfg);
	ret = m2md_tree_init(&net->tree, store, "/nscl", m2md_nscl_subs, &ops);
	if (ret) {
		m2md_responder_destroy(&net->responder);
		return ret;
	}
	net->routes[0] = (struct m2md_route){
		"/m2msec/bootstrap", false, M2MD_POST, M2MSEC_MSG_MAX,
		m2md_responder_handle, &net->responder.bootstrap };
	net->routes[1] = (struct m2md_route){
		"/m2msec/connect", false, M2MD_POST, M2MSEC_MSG_MAX,
		m2md_responder_handle, &net->responder.connect };
	net->routes[2] = (struct m2md_route){
		"/nscl", true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE,
		0, m2md_tree_handle, &net->tree };
	return 0;
}

void m2md_network_teardown(struct m2md_network *net)
{
	m2md_responder_destroy(&net->responder);
}

/*
 * Create the network's end of the tunnel and attach it to net, so that
 * each connect FINISH binds its Kmc. Returns 0 or -1 (logged).
 */
static int m2md_net_tunnel_start(struct m2md_network *net)
{
	const struct m2md_config *cfg = net->cfg;
	struct m2md_net_tunnel *tun;
	struct m2m_nl_err err = { 0 };
	uint8_t addr6[16], addr4[4];

	tun = calloc(1, sizeof(*tun));
	if (!tun) {
		m2m_err("cannot start: out of memory");
		return -1;
	}
	pthread_mutex_init(&tun->lock, NULL);
	net->tunnel = tun;
	tun->nl = m2m_nl_open(&err);
	if (!tun->nl) {
		m2m_err("cannot start the tunnel: m2msec generic netlink family: %s",
			err.msg);
		return -1;
	}
	m2md_tunnel_network_addr6(&cfg->tunnel_prefix, addr6);
	if (cfg->has_tunnel_prefix4)
		m2md_tunnel_network_addr4(&cfg->tunnel_prefix4, addr4);
	if (m2md_tunnel_setup(cfg, tun->nl, cfg->tunnel_port, addr6,
			      cfg->has_tunnel_prefix4 ? addr4 : NULL)) {
		m2m_err("cannot start: the tunnel interface %s is not usable (set tunnel = no to run without it)",
			cfg->tunnel_ifname);
		return -1;
	}
	net->responder.bind_kmc = m2md_network_bind_kmc;
	net->responder.bind_ctx = net;
	return 0;
}

static void m2md_net_tunnel_stop(struct m2md_network *net)
{
	struct m2md_net_tunnel *tun = net->tunnel;

	if (!tun)
		return;
	/* The peers keep their keys: unlink what is left to unlink. */
	m2md_retired_reap(&tun->retired, net->cfg->keyring, 0, true);
	m2m_nl_close(tun->nl);
	pthread_mutex_destroy(&tun->lock);
	free(tun);
	net->tunnel = NULL;
}

/* Serve the same routes on the tunnel address [PREFIX::1]. */
static int m2md_net_tunnel_http(struct m2md_network *net,
				struct m2md_http **http)
{
	const struct m2md_config *cfg = net->cfg;
	char addr[INET6_ADDRSTRLEN], err[512];
	uint8_t addr6[16];

	m2md_tunnel_network_addr6(&cfg->tunnel_prefix, addr6);
	inet_ntop(AF_INET6, addr6, addr, sizeof(addr));
	if (m2md_http_start(addr, cfg->listen_port, cfg->threads,
			    cfg->max_body, net->routes, M2MD_NETWORK_ROUTES,
			    http, err, sizeof(err))) {
		m2m_err("cannot start on the tunnel: %s", err);
		return -1;
	}
	m2m_info("tunnel: serving the NSCL on [%s]:%u", addr,
		 m2md_http_port(*http));
	return 0;
}

int m2md_network_run(const struct m2md_config *cfg)
{
	struct m2md_network net;
	struct m2md_store *store = NULL;
	struct m2md_http *http = NULL, *tunnel_http = NULL;
	struct m2md_kops kops = { 0 };
	struct m2m_nl_err nlerr = { 0 };
	struct m2m_nl *nl;
	char err[512];
	int sig, ret = 1;

	if (m2md_store_open(cfg->state_dir, &store, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return 1;
	}
	nl = m2m_nl_open(&nlerr);
	if (!nl) {
		m2m_err("cannot start: m2msec generic netlink family: %s",
			nlerr.msg);
		goto out_store;
	}
	if (m2md_kops_nl(&kops, nl)) {
		m2m_err("cannot start: out of memory");
		goto out_nl;
	}
	if (m2md_network_setup(&net, cfg, store, &kops)) {
		m2m_err("cannot start: cannot create the /nscl tree");
		goto out_nl;
	}
	if (cfg->tunnel && (m2md_net_tunnel_start(&net) ||
			    m2md_net_tunnel_http(&net, &tunnel_http)))
		goto out_net;
	if (m2md_http_start(cfg->listen_addr, cfg->listen_port, cfg->threads,
			    cfg->max_body, net.routes, M2MD_NETWORK_ROUTES,
			    &http, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		goto out_net;
	}
	m2m_info("started: role network, listening on %s:%u, state dir %s, keyring %s, nscl id %s, mas fqdn %s",
		 cfg->listen_addr, m2md_http_port(http), cfg->state_dir,
		 cfg->keyring_name, cfg->nscl_id, cfg->mas_fqdn);
	sig = m2md_signals_wait(-1);
	m2m_info("stopping on %s", sig ? strsignal(sig) : "an error");
	ret = 0;
out_net:
	m2md_http_stop(http);
	m2md_http_stop(tunnel_http);
	m2md_net_tunnel_stop(&net);
	m2md_network_teardown(&net);
out_nl:
	m2md_kops_nl_free(&kops);
	m2m_nl_close(nl);
out_store:
	m2md_store_close(store);
	if (!ret)
		m2m_info("stopped");
	return ret;
}
