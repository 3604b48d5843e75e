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

#include "admin.h"
#include "auth.h"
#include "coap.h"
#include "hex.h"
#include "log.h"
#include "network.h"
#include "notify.h"
#include "problem.h"
#include "service.h"
#include "signals.h"

static const char *const m2md_nscl_subs[] = { "scls", "applications", NULL };

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

static void m2md_nscl_created(struct m2md_tree *tree,
			      const struct m2md_resource *res,
			      const struct m2md_request *req,
			      struct m2md_reply *reply)
{
	struct m2md_network *net = tree->ops.ctx;
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = { 0 };

	if (strcmp(res->type, "scl"))
		return;
	if (req)
		ids.peer = m2m_log_peer(req->client, peer, sizeof(peer));
	/* Any client that the ACL lets create an <scl> can repeat this. */
	m2m_log_ratelimited(LOG_INFO, &ids, "nscl: registered scl %s at %s%s",
			    res->name, res->path,
			    m2md_tunnel_source(net, req) ?
			    " over the tunnel" : "");
}

/* Find the slot of iid in the sorted nodes: its index or where it goes. */
static size_t m2md_net_node_slot(const struct m2md_net_tunnel *tun,
				 const uint8_t iid[8], bool *found)
{
	size_t lo = 0, hi = tun->n_nodes, mid;
	int cmp;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = memcmp(tun->nodes[mid].iid, iid, 8);
		if (!cmp) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Record node_id under the iid of its tunnel address; tunnel lock held. */
static int m2md_net_learn_locked(struct m2md_net_tunnel *tun,
				 const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	const uint8_t *iid = node_id + 8;
	struct m2md_tunnel_node *grown;
	size_t i;
	bool found;

	i = m2md_net_node_slot(tun, iid, &found);
	if (!found) {
		grown = realloc(tun->nodes,
				(tun->n_nodes + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		tun->nodes = grown;
		memmove(&tun->nodes[i + 1], &tun->nodes[i],
			(tun->n_nodes - i) * sizeof(*grown));
		tun->n_nodes++;
		memcpy(tun->nodes[i].iid, iid, 8);
	}
	memcpy(tun->nodes[i].node_id, node_id, M2MSEC_NODE_ID_LEN);
	return 0;
}

int m2md_network_tunnel_learn(struct m2md_network *net,
			      const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	int ret;

	pthread_mutex_lock(&net->tunnel->lock);
	ret = m2md_net_learn_locked(net->tunnel, node_id);
	pthread_mutex_unlock(&net->tunnel->lock);
	return ret;
}

static int m2md_net_learn_peer(const struct m2m_peer *peer, void *data)
{
	m2md_net_learn_locked(data, peer->node_id);
	return 0;
}

/*
 * Find the node id of tunnel interface id iid. The peers bound before a
 * restart of m2md are learned from the kernel on the first miss.
 */
static bool m2md_net_node_of(struct m2md_network *net, const uint8_t iid[8],
			     uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	struct m2md_net_tunnel *tun = net->tunnel;
	struct m2m_nl_err err = { 0 };
	bool found;
	size_t i;

	pthread_mutex_lock(&tun->lock);
	i = m2md_net_node_slot(tun, iid, &found);
	if (!found && tun->nl) {
		/* Each request from an unknown source comes here. */
		if (m2m_nl_peer_dump(tun->nl, net->cfg->tunnel_ifname,
				     m2md_net_learn_peer, tun, &err) < 0)
			m2m_warn_ratelimited("tunnel: cannot list the peers of %s: %s",
					     net->cfg->tunnel_ifname, err.msg);
		i = m2md_net_node_slot(tun, iid, &found);
	}
	if (found)
		memcpy(node_id, tun->nodes[i].node_id, M2MSEC_NODE_ID_LEN);
	pthread_mutex_unlock(&tun->lock);
	return found;
}

int m2md_network_tunnel_principal(void *ctx, const struct m2md_request *req,
				  struct m2md_principal *who)
{
	struct m2md_network *net = ctx;
	uint8_t node_id[M2MSEC_NODE_ID_LEN], own[16];
	const uint8_t *source = m2md_tunnel_source(net, req);
	struct m2md_node node;

	if (!source)
		return 0;
	memset(who, 0, sizeof(*who));
	who->kind = M2MD_PRINCIPAL_ANON;
	/* A local process talking to the tunnel address is no gateway. */
	m2md_tunnel_network_addr6(&net->cfg->tunnel_prefix, own);
	if (!memcmp(source, own, sizeof(own)))
		return 1;
	if (!m2md_net_node_of(net, source + 8, node_id) ||
	    m2md_store_node_get(net->store, node_id, &node))
		return 1;
	/*
	 * The kernel checked the source against the peer's key. The sclId
	 * must still have a connection of that node id.
	 */
	if (m2md_store_connection_current_iid(net->store, node.scl_id,
					      source + 8, time(NULL)) != 1)
		return 1;
	who->kind = M2MD_PRINCIPAL_SCL;
	snprintf(who->id, sizeof(who->id), "%s", node.scl_id);
	return 1;
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
	struct m2m_log_ids ids = {
		.node_id = node_id,
		.key_serial = key_serial,
	};
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
		return m2md_net_learn_locked(tun, node_id);
	peer.n_allowed_ips = m2md_net_gateway_ips(cfg, node_id, ips);
	ret = m2md_tunnel_bind(tun->nl, cfg->tunnel_ifname, &peer, &rekey,
			       &err);
	if (ret) {
		snprintf(detail, len, "%s %s: %s", rekey ? "PEER_SET" : "PEER_NEW",
			 cfg->tunnel_ifname, err.msg);
		return ret;
	}
	if (m2md_net_learn_locked(tun, node_id))
		m2m_log_ids(LOG_ERR, &ids,
			    "tunnel: out of memory: requests of this peer will be anonymous");
	if (rekey && old_serial) {
		m2md_retired_add(&tun->retired, old_serial, cfg->keyring,
				 time(NULL));
		m2m_log_ids(LOG_INFO, &ids,
			    "tunnel: rekeyed peer on %s: key serial %d replaces %d",
			    cfg->tunnel_ifname, key_serial, old_serial);
	} else {
		m2m_log_ids(LOG_INFO, &ids,
			    "tunnel: bound key serial %d to peer on %s",
			    key_serial, cfg->tunnel_ifname);
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
	snprintf(net->tree.scl_id, sizeof(net->tree.scl_id), "%s",
		 cfg->nscl_id);
	net->routes[0] = (struct m2md_route){
		"/m2msec/bootstrap", false, M2MD_POST, M2MSEC_MSG_MAX,
		cfg->kernel ? m2md_responder_handle :
		m2md_handshake_unavailable, &net->responder.bootstrap };
	net->routes[1] = (struct m2md_route){
		"/m2msec/connect", false, M2MD_POST, M2MSEC_MSG_MAX,
		cfg->kernel ? m2md_responder_handle :
		m2md_handshake_unavailable, &net->responder.connect };
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
	free(tun->nodes);
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

/*
 * Authenticate the requests of the tree: Kma signatures through a
 * netlink handle of their own (none with kernel = no), gateways by their
 * tunnel address. Returns 0 or -1 (logged).
 */
static int m2md_net_auth_start(struct m2md_network *net, struct m2m_nl **nl)
{
	const struct m2md_config *cfg = net->cfg;
	struct m2md_auth_ops ops = {
		.tunnel_principal = m2md_network_tunnel_principal,
		.ctx = net,
		.skew = cfg->auth_skew,
	};
	struct m2m_nl_err err = { 0 };

	*nl = NULL;
	if (cfg->kernel) {
		*nl = m2m_nl_open(&err);
		if (!*nl) {
			m2m_err("cannot start: m2msec generic netlink family: %s",
				err.msg);
			return -1;
		}
	}
	net->auth = m2md_auth_new(*nl, cfg->keyring, &ops);
	if (!net->auth) {
		m2m_err("cannot start: out of memory");
		return -1;
	}
	net->tree.auth = net->auth;
	return 0;
}

static void m2md_net_auth_stop(struct m2md_network *net, struct m2m_nl *nl)
{
	net->tree.auth = NULL;
	m2md_auth_free(net->auth);
	net->auth = NULL;
	m2m_nl_close(nl);
}

/* The servers of the network role besides the tunnel's. */
struct m2md_net_servers {
	struct m2md_http *http;
	struct m2md_http *admin;
	struct m2md_coap *coap;
};

static int m2md_net_serve(struct m2md_network *net, struct m2md_net_servers *sv)
{
	const struct m2md_config *cfg = net->cfg;
	char err[512];

	if (m2md_http_start(cfg->listen_addr, cfg->listen_port, cfg->threads,
			    cfg->max_body, net->routes, M2MD_NETWORK_ROUTES,
			    &sv->http, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return -1;
	}
	if (m2md_admin_start(cfg, net->routes, M2MD_NETWORK_ROUTES,
			     &sv->admin))
		return -1;
	if (cfg->coap_listen[0] &&
	    m2md_coap_start(cfg->coap_addr, cfg->coap_port, net->routes,
			    M2MD_NETWORK_ROUTES, cfg->max_body, &sv->coap, err,
			    sizeof(err))) {
		m2m_err("cannot start the CoAP server on %s: %s",
			cfg->coap_listen, err);
		return -1;
	}
	return 0;
}

static void m2md_net_unserve(struct m2md_net_servers *sv)
{
	if (sv->coap)
		m2md_coap_stop(sv->coap);
	m2md_http_stop(sv->admin);
	m2md_http_stop(sv->http);
}

/* Open the module's handles: the handshake commands and their lock. */
static int m2md_net_kernel_open(const struct m2md_config *cfg,
				struct m2m_nl **nl, struct m2md_kops *kops)
{
	struct m2m_nl_err nlerr = { 0 };

	if (!cfg->kernel) {
		m2m_info("kernel = no: serving the tree without the m2msec module; handshakes and Kma signatures get 503");
		return 0;
	}
	*nl = m2m_nl_open(&nlerr);
	if (!*nl) {
		m2m_err("cannot start: m2msec generic netlink family: %s (set kernel = no to serve the tree without the module)",
			nlerr.msg);
		return -1;
	}
	if (m2md_kops_nl(kops, *nl)) {
		m2m_err("cannot start: out of memory");
		return -1;
	}
	return 0;
}

int m2md_network_run(const struct m2md_config *cfg)
{
	struct m2md_network net;
	struct m2md_net_servers sv = { 0 };
	struct m2md_store *store = NULL;
	struct m2md_http *tunnel_http = NULL;
	struct m2md_kops kops = { 0 };
	struct m2m_nl *nl = NULL, *auth_nl = NULL;
	char err[512];
	int sig, ret = 1;

	if (m2md_store_open(cfg->state_dir, &store, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return 1;
	}
	if (m2md_net_kernel_open(cfg, &nl, &kops))
		goto out_nl;
	if (m2md_network_setup(&net, cfg, store, &kops)) {
		m2m_err("cannot start: cannot create the /nscl tree");
		goto out_nl;
	}
	if (m2md_net_auth_start(&net, &auth_nl))
		goto out_net;
	net.tree.notify = m2md_notify_start(&net.tree, "",
					    cfg->http_timeout_ms);
	if (!net.tree.notify) {
		m2m_err("cannot start the notification engine");
		goto out_net;
	}
	m2md_notify_set_tunnel(net.tree.notify, cfg);
	if (cfg->tunnel && (m2md_net_tunnel_start(&net) ||
			    m2md_net_tunnel_http(&net, &tunnel_http)))
		goto out_net;
	if (m2md_net_serve(&net, &sv))
		goto out_net;
	m2m_info("started: role network, listening on %s:%u, admin socket %s, CoAP %s, kernel %s, state dir %s, keyring %s, nscl id %s, mas fqdn %s",
		 cfg->listen_addr, m2md_http_port(sv.http),
		 cfg->admin_socket[0] ? cfg->admin_socket : "none",
		 cfg->coap_listen[0] ? cfg->coap_listen : "none",
		 cfg->kernel ? "yes" : "no", cfg->state_dir,
		 cfg->keyring_name, cfg->nscl_id, cfg->mas_fqdn);
	m2md_service_ready("serving /nscl and the handshake on %s:%u%s",
			   cfg->listen_addr, m2md_http_port(sv.http),
			   cfg->kernel ? "" : " (kernel = no: no handshakes)");
	sig = m2md_signals_wait(-1);
	m2m_info("stopping on %s", sig ? strsignal(sig) : "an error");
	ret = 0;
out_net:
	m2md_net_unserve(&sv);
	m2md_http_stop(tunnel_http);
	if (net.tree.notify)
		m2md_notify_stop(net.tree.notify);
	net.tree.notify = NULL;
	m2md_net_tunnel_stop(&net);
	m2md_net_auth_stop(&net, auth_nl);
	m2md_network_teardown(&net);
out_nl:
	m2md_kops_nl_free(&kops);
	m2m_nl_close(nl);
	m2md_store_close(store);
	if (!ret)
		m2m_info("stopped");
	return ret;
}
