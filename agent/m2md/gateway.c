/*
 * Gateway role life cycle: bootstrap when there is no usable Kmr,
 * connect, bring up the tunnel when the network requires it, register
 * the SCL, and reconnect at 80% of the Kmc lifetime or when the kernel
 * reports that the tunnel peer's key needs a rekey. Failures are
 * retried with a delay that doubles from retry-min up to retry-max.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "admin.h"
#include "auth.h"
#include "client.h"
#include "coap.h"
#include "gateway.h"
#include "gw_tunnel.h"
#include "hex.h"
#include "hsclient.h"
#include "keys.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "service.h"
#include "signals.h"
#include "xml.h"

struct m2md_gw_run {
	struct m2md_gateway gw;
	const struct m2md_config *cfg;
	struct m2m_nl *nl;
	bool force_bootstrap;
	unsigned int backoff;		/* seconds */
	uint32_t kmc_lifetime;		/* of the current connection */
	uint64_t conn_id;
	/* The current Kmc, for the tunnel. */
	int32_t key_serial;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	uint16_t mid_flags;
	struct m2md_gw_tunnel tunnel;
	/* Request authentication and the servers besides the listener. */
	struct m2md_auth *auth;
	struct m2m_nl *auth_nl;		/* KMA_VERIFY only, NULL without kernel */
	struct m2md_http *admin;
	struct m2md_coap *coap;
};

static int m2md_gw_kv_put(struct m2md_store *st, const char *const *keys,
			  const char *const *values, size_t n)
{
	int ret = m2md_store_kv_set(st, keys, values, n);

	if (ret)
		m2m_err("cannot record the gateway state: %s", strerror(-ret));
	return ret;
}

static bool m2md_gw_node_id(struct m2md_gw_run *run,
			    uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];

	return !m2md_store_kv_get(run->gw.store, M2MD_GW_NODE_ID, hex,
				  sizeof(hex)) &&
	       !m2m_hex_decode(hex, node_id, M2MSEC_NODE_ID_LEN);
}

/* True when the recorded node id has an m2m_root key in our keyring. */
static bool m2md_gw_has_kmr(struct m2md_gw_run *run)
{
	uint8_t node_id[M2MSEC_NODE_ID_LEN], found[M2MSEC_NODE_ID_LEN];
	struct m2m_log_ids ids = { .node_id = node_id };
	int32_t serial;
	char err[256];
	int ret;

	if (!m2md_gw_node_id(run, node_id)) {
		m2m_info("no node id recorded: bootstrapping");
		return false;
	}
	ret = m2m_keys_find_root(run->cfg->keyring, node_id, &serial, found,
				 err, sizeof(err));
	if (!ret)
		return true;
	m2m_log_ids(LOG_INFO, &ids,
		    "no usable Kmr for the node id in keyring %s (%s): bootstrapping",
		    run->cfg->keyring_name,
		    ret == -ENOKEY ? "no m2m_root key" : err);
	return false;
}

/*
 * Set the sclId of the /gscl tree while HTTP threads may read it: the
 * first byte goes last, so a reader sees the old id, "" or the new id,
 * never a mix.
 */
static void m2md_gw_set_scl_id(struct m2md_gw_run *run, const char *scl_id)
{
	char *dst = run->gw.tree.scl_id;
	size_t len = strnlen(scl_id, sizeof(run->gw.tree.scl_id) - 1);

	if (!len || (!strncmp(dst, scl_id, len) && !dst[len]))
		return;
	__atomic_store_n(&dst[0], '\0', __ATOMIC_RELEASE);
	memcpy(dst + 1, scl_id + 1, len - 1);
	dst[len] = '\0';
	__atomic_store_n(&dst[0], scl_id[0], __ATOMIC_RELEASE);
}

static int m2md_gw_bootstrap(struct m2md_gw_run *run)
{
	const struct m2md_config *cfg = run->cfg;
	struct m2m_hs_client_opts opts = {
		.base_url = cfg->handshake_base,
		.mode = M2MSEC_MODE_BOOTSTRAP,
		.id = (const uint8_t *)cfg->bootstrap_id,
		.id_len = strlen(cfg->bootstrap_id),
		.keyring = cfg->keyring,
		.timeout_ms = m2md_live_http_timeout(cfg->http_timeout_ms),
	};
	char node_hex[M2M_NODE_ID_HEX_LEN + 1], key_hex[M2M_KEY_ID_HEX_LEN + 1];
	char kmr_index[16], err[512];
	struct m2m_log_ids ids = { 0 };
	struct m2m_hs res;
	int ret;

	memset(&res, 0, sizeof(res));
	ret = m2m_hs_client_run(run->nl, &opts, &res, err, sizeof(err));
	if (ret) {
		m2m_err("bootstrap with bootstrap id %s at %s failed: %s",
			cfg->bootstrap_id, cfg->handshake_base, err);
		return ret;
	}
	m2m_hex_encode(res.node_id, sizeof(res.node_id), node_hex);
	m2m_hex_encode(res.key_id, sizeof(res.key_id), key_hex);
	snprintf(kmr_index, sizeof(kmr_index), "%u", res.key_index);
	{
		const char *keys[] = { M2MD_GW_NODE_ID, M2MD_GW_SCL_ID,
				       M2MD_GW_BOOTSTRAP_ID, "mas_fqdn",
				       "kmr_index", "kmr_key_id" };
		const char *values[] = { node_hex, res.scl_id,
					 cfg->bootstrap_id, res.mas_fqdn,
					 kmr_index, key_hex };

		m2md_gw_kv_put(run->gw.store, keys, values, 6);
	}
	m2md_gw_set_scl_id(run, res.scl_id);
	ids.node_id = res.node_id;
	ids.key_id = res.key_id;
	ids.key_serial = res.key_serial;
	m2m_log_ids(LOG_INFO, &ids,
		    "bootstrap: done: kmr_index %u, scl id %s, mas fqdn %s, lifetime %u s",
		    res.key_index, res.scl_id, res.mas_fqdn, res.lifetime);
	return 0;
}

static int m2md_gw_connect(struct m2md_gw_run *run)
{
	const struct m2md_config *cfg = run->cfg;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	struct m2m_hs_client_opts opts = {
		.base_url = cfg->handshake_base,
		.mode = M2MSEC_MODE_CONNECT,
		.id = node_id,
		.id_len = sizeof(node_id),
		.suites = cfg->suites,
		.keyring = cfg->keyring,
		.timeout_ms = m2md_live_http_timeout(cfg->http_timeout_ms),
	};
	char node_hex[M2M_NODE_ID_HEX_LEN + 1], key_hex[M2M_KEY_ID_HEX_LEN + 1];
	char conn[24], kmc_index[16], expiry[24], err[512];
	struct m2m_log_ids ids = { .node_id = node_id };
	struct m2m_hs res;
	int ret;

	if (!m2md_gw_node_id(run, node_id))
		return -ENOKEY;
	m2m_hex_encode(node_id, sizeof(node_id), node_hex);
	memset(&res, 0, sizeof(res));
	ret = m2m_hs_client_run(run->nl, &opts, &res, err, sizeof(err));
	if (ret) {
		m2m_log_ids(LOG_ERR, &ids, "connect at %s failed: %s",
			    cfg->handshake_base, err);
		return ret;
	}
	m2m_hex_encode(res.key_id, sizeof(res.key_id), key_hex);
	snprintf(conn, sizeof(conn), "%016" PRIx64, res.conn_id);
	snprintf(kmc_index, sizeof(kmc_index), "%u", res.key_index);
	snprintf(expiry, sizeof(expiry), "%" PRId64,
		 (int64_t)time(NULL) + res.lifetime);
	{
		const char *keys[] = { "conn_id", "kmc_index", "kmc_key_id",
				       "kmc_expiry", "nscl_id" };
		const char *values[] = { conn, kmc_index, key_hex, expiry,
					 res.nscl_id };

		m2md_gw_kv_put(run->gw.store, keys, values, 5);
	}
	run->kmc_lifetime = res.lifetime ? res.lifetime : 1;
	run->conn_id = res.conn_id;
	run->key_serial = res.key_serial;
	memcpy(run->key_id, res.key_id, sizeof(run->key_id));
	run->mid_flags = res.mid_flags;
	ids.key_id = res.key_id;
	ids.conn_id = res.conn_id;
	ids.has_conn_id = true;
	ids.key_serial = res.key_serial;
	m2m_log_ids(LOG_INFO, &ids,
		    "connect: done: kmc_index %u, suite %u, mid flags 0x%04x, nscl id %s, lifetime %u s",
		    res.key_index, res.suite, res.mid_flags, res.nscl_id,
		    res.lifetime);
	m2md_service_status("connected to the NSCL at %s: node id %s, connection id %s",
			    cfg->handshake_base, node_hex, conn);
	return 0;
}

/*
 * Register with the NSCL, then record the NSCL's <scl> locally. A
 * failure of the second step is logged and retried at the next connect.
 */
static int m2md_gw_register(struct m2md_gw_run *run)
{
	int ret = m2md_gateway_register(&run->gw);

	if (!ret)
		m2md_gateway_add_nscl(&run->gw);
	return ret;
}

/* Sleep for the backoff delay, then double it. Returns a signal or 0. */
static int m2md_gw_backoff(struct m2md_gw_run *run)
{
	unsigned int max = m2md_live_retry_max(run->cfg->retry_max);
	unsigned int delay = run->backoff < max ? run->backoff : max;

	m2m_info("retrying in %u s", delay);
	m2md_service_status("not connected to the NSCL: retrying in %u s",
			    delay);
	run->backoff = delay * 2 > max ? max : delay * 2;
	return m2md_signals_wait((long)delay * 1000);
}

/*
 * Errors of the local HS_INIT that mean our Kmr is unusable.
 * NOTE: a network side that lost our Kmr rejects connect with HTTP 404,
 * which reaches here as -EPROTO and is retried, not answered with a new
 * bootstrap.
 */
static bool m2md_gw_key_error(int ret)
{
	return ret == -ENOKEY || ret == -EKEYREVOKED || ret == -EKEYEXPIRED;
}

/* Register, retrying until success or until reconnect_at. */
static int m2md_gw_register_until(struct m2md_gw_run *run, time_t reconnect_at)
{
	unsigned int max;
	long left;
	int sig;

	while (m2md_gw_register(run)) {
		left = (long)(reconnect_at - time(NULL));
		if (left <= 0)
			return 0;
		if ((long)run->backoff < left)
			left = run->backoff;
		m2m_info("registration: retrying in %ld s", left);
		max = m2md_live_retry_max(run->cfg->retry_max);
		run->backoff = run->backoff * 2 > max ? max : run->backoff * 2;
		sig = m2md_signals_wait(left * 1000);
		if (sig)
			return sig;
	}
	return 0;
}

unsigned int m2md_gateway_reconnect_delay(uint32_t kmc_lifetime)
{
	uint64_t delay = (uint64_t)kmc_lifetime * 8 / 10;

	return delay ? (unsigned int)delay : 1;
}

/*
 * Bind the new Kmc to the tunnel when the network requires per-packet
 * protection. Returns 0 or a negative errno (logged).
 */
static int m2md_gw_tunnel(struct m2md_gw_run *run)
{
	uint8_t node_id[M2MSEC_NODE_ID_LEN];

	if (!(run->mid_flags & M2MSEC_MID_PROTECT))
		return 0;
	if (!run->cfg->tunnel) {
		m2m_warn("tunnel: the network requires per-packet protection (mid flags 0x%04x), but tunnel = no: sending in the clear",
			 run->mid_flags);
		return 0;
	}
	if (!m2md_gw_node_id(run, node_id))
		return -ENOKEY;
	return m2md_gw_tunnel_bind(&run->tunnel, node_id, run->key_serial,
				   run->key_id);
}

/*
 * Wait until reconnect_at, a stop signal or a peer event that calls for
 * a rekey, unlinking replaced keys as they come due. Returns the signal
 * or 0.
 */
static int m2md_gw_wait(struct m2md_gw_run *run, time_t reconnect_at)
{
	struct m2m_log_ids ids = {
		.key_id = run->key_id,
		.conn_id = run->conn_id,
		.has_conn_id = true,
		.key_serial = run->key_serial,
	};
	long left;
	int sig;

	for (;;) {
		m2md_gw_tunnel_reap(&run->tunnel);
		if (m2md_gw_tunnel_take_event(&run->tunnel))
			return 0;
		left = (long)(reconnect_at - time(NULL));
		if (left <= 0)
			break;
		/* Check for peer events once a second. */
		sig = m2md_signals_wait(left > 1 ? 1000 : left * 1000);
		if (sig)
			return sig;
	}
	m2m_log_ids(LOG_INFO, &ids,
		    "reconnecting: the connection reached 80%% of its %u s lifetime",
		    run->kmc_lifetime);
	return 0;
}

/* One pass: Kmr, Kmc, registration, wait. Returns a signal or 0. */
static int m2md_gw_cycle(struct m2md_gw_run *run)
{
	time_t reconnect_at;
	int ret, sig;

	if (run->force_bootstrap || !m2md_gw_has_kmr(run)) {
		if (m2md_gw_bootstrap(run))
			return m2md_gw_backoff(run);
		run->force_bootstrap = false;
	}
	ret = m2md_gw_connect(run);
	if (ret) {
		if (m2md_gw_key_error(ret)) {
			m2m_warn("Kmr is missing, revoked or expired (%s): bootstrapping again",
				 strerror(-ret));
			run->force_bootstrap = true;
		}
		return m2md_gw_backoff(run);
	}
	if (m2md_gw_tunnel(run))
		return m2md_gw_backoff(run);
	run->backoff = m2md_live_retry_min(run->cfg->retry_min);
	reconnect_at = time(NULL) +
		       m2md_gateway_reconnect_delay(run->kmc_lifetime);
	sig = m2md_gw_register_until(run, reconnect_at);
	if (sig)
		return sig;
	run->backoff = m2md_live_retry_min(run->cfg->retry_min);
	return m2md_gw_wait(run, reconnect_at);
}

/*
 * The m2md_auth_ops hook of the gateway role: a request from the
 * network's tunnel address speaks for the NSCL, by the nscl id that the
 * last connect returned, else the nscl-id option. Returns 0 for other
 * requests.
 */
static int m2md_gw_tunnel_principal(void *ctx, const struct m2md_request *req,
				    struct m2md_principal *who)
{
	struct m2md_gw_run *run = ctx;
	const struct m2md_config *cfg = run->cfg;
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;
	uint8_t net6[16], net4[4];
	struct m2md_live live;

	if (!cfg->tunnel || !req->client)
		return 0;
	if (req->client->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)req->client;
		m2md_tunnel_network_addr6(&cfg->tunnel_prefix, net6);
		if (memcmp(sin6->sin6_addr.s6_addr, net6, sizeof(net6)))
			return 0;
	} else if (req->client->sa_family == AF_INET &&
		   cfg->has_tunnel_prefix4) {
		sin = (const struct sockaddr_in *)req->client;
		m2md_tunnel_network_addr4(&cfg->tunnel_prefix4, net4);
		if (memcmp(&sin->sin_addr, net4, sizeof(net4)))
			return 0;
	} else {
		return 0;
	}
	memset(who, 0, sizeof(*who));
	who->kind = M2MD_PRINCIPAL_SCL;
	if (m2md_store_kv_get(run->gw.store, "nscl_id", who->id,
			      sizeof(who->id)) || !who->id[0]) {
		m2md_live_read(cfg, &live);
		snprintf(who->id, sizeof(who->id), "%s", live.nscl_id);
	}
	return 1;
}

/* Authenticate the requests of the /gscl tree. Returns 0 or -1 (logged). */
static int m2md_gw_auth_start(struct m2md_gw_run *run)
{
	const struct m2md_config *cfg = run->cfg;
	struct m2md_auth_ops ops = {
		.tunnel_principal = m2md_gw_tunnel_principal,
		.ctx = run,
		.skew = cfg->auth_skew,
	};
	struct m2m_nl_err nlerr = { 0 };

	if (cfg->kernel) {
		run->auth_nl = m2m_nl_open(&nlerr);
		if (!run->auth_nl) {
			m2m_err("cannot start: m2msec generic netlink family: %s",
				nlerr.msg);
			return -1;
		}
	}
	run->auth = m2md_auth_new(run->auth_nl, cfg->keyring, &ops);
	if (!run->auth) {
		m2m_err("cannot start: out of memory");
		return -1;
	}
	run->gw.tree.auth = run->auth;
	return 0;
}

/* Start the admin socket and the CoAP server. Returns 0 or -1 (logged). */
static int m2md_gw_serve_more(struct m2md_gw_run *run)
{
	const struct m2md_config *cfg = run->cfg;
	char err[512];

	if (m2md_admin_start(cfg, run->gw.routes, M2MD_GATEWAY_ROUTES,
			     &run->admin))
		return -1;
	if (cfg->coap_listen[0] &&
	    m2md_coap_start(cfg->coap_addr, cfg->coap_port, run->gw.routes,
			    M2MD_GATEWAY_ROUTES, cfg->max_body, &run->coap,
			    err, sizeof(err))) {
		m2m_err("cannot start the CoAP server on %s: %s",
			cfg->coap_listen, err);
		return -1;
	}
	return 0;
}

static int m2md_gw_start(struct m2md_gw_run *run, struct m2md_store **store,
			 struct m2md_http **http)
{
	const struct m2md_config *cfg = run->cfg;
	struct m2m_nl_err nlerr = { 0 };
	char err[512], scl_id[M2MSEC_STR_MAX + 1];

	if (m2md_store_open(cfg->state_dir, store, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return -1;
	}
	if (cfg->kernel) {
		run->nl = m2m_nl_open(&nlerr);
		if (!run->nl) {
			m2m_err("cannot start: m2msec generic netlink family: %s (set kernel = no to serve the tree without the module)",
				nlerr.msg);
			return -1;
		}
	}
	if (m2md_gateway_setup(&run->gw, cfg, *store)) {
		m2m_err("cannot start: cannot create the /gscl tree");
		return -1;
	}
	if (!m2md_store_kv_get(*store, M2MD_GW_SCL_ID, scl_id, sizeof(scl_id)))
		m2md_gw_set_scl_id(run, scl_id);
	if (m2md_gw_auth_start(run))
		return -1;
	run->gw.tree.notify = m2md_notify_start(&run->gw.tree, cfg->nscl_base,
						cfg->http_timeout_ms);
	if (!run->gw.tree.notify) {
		m2m_err("cannot start the notification engine");
		return -1;
	}
	m2md_notify_set_tunnel(run->gw.tree.notify, cfg);
	if (cfg->kernel)
		m2md_gw_tunnel_init(&run->tunnel, cfg, &run->gw, run->nl);
	if (m2md_http_start(cfg->listen_addr, cfg->listen_port, cfg->threads,
			    cfg->max_body, run->gw.routes,
			    M2MD_GATEWAY_ROUTES, http, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return -1;
	}
	if (m2md_gw_serve_more(run))
		return -1;
	m2m_info("started: role gateway, listening on %s:%u, admin socket %s, CoAP %s, kernel %s, state dir %s, keyring %s, bootstrap id %s, handshakes at %s, nscl at %s",
		 cfg->listen_addr, m2md_http_port(*http),
		 cfg->admin_socket[0] ? cfg->admin_socket : "none",
		 cfg->coap_listen[0] ? cfg->coap_listen : "none",
		 cfg->kernel ? "yes" : "no", cfg->state_dir,
		 cfg->keyring_name,
		 cfg->bootstrap_id[0] ? cfg->bootstrap_id : "none",
		 cfg->handshake_base, cfg->nscl_base);
	return 0;
}

/* Stop what m2md_gw_start() started, in reverse order. */
static void m2md_gw_stop(struct m2md_gw_run *run, struct m2md_http *http)
{
	if (run->coap)
		m2md_coap_stop(run->coap);
	m2md_http_stop(run->admin);
	m2md_http_stop(http);
	if (run->tunnel.cfg)
		m2md_gw_tunnel_stop(&run->tunnel);
	if (run->gw.tree.notify)
		m2md_notify_stop(run->gw.tree.notify);
	run->gw.tree.notify = NULL;
	run->gw.tree.auth = NULL;
	m2md_auth_free(run->auth);
	m2m_nl_close(run->auth_nl);
	if (run->nl)
		m2m_nl_close(run->nl);
}

/* Without the kernel module there is no handshake: serve until a signal. */
static int m2md_gw_serve_only(void)
{
	m2m_info("kernel = no: serving the /gscl tree without the m2msec module; no bootstrap, connect or registration");
	return m2md_signals_wait(-1);
}

int m2md_gateway_run(const struct m2md_config *cfg)
{
	struct m2md_gw_run run = { .cfg = cfg, .backoff = cfg->retry_min };
	struct m2md_store *store = NULL;
	struct m2md_http *http = NULL;
	int sig = 0, ret = 1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!m2md_gw_start(&run, &store, &http)) {
		m2md_service_ready("serving /gscl on %s:%u, %s",
				   cfg->listen_addr, m2md_http_port(http),
				   cfg->kernel ? "connecting to the NSCL" :
				   "kernel = no: no NSCL connection");
		if (!cfg->kernel)
			sig = m2md_gw_serve_only();
		else
			while (!(sig = m2md_gw_cycle(&run)))
				;
		m2m_info("stopping on %s", strsignal(sig));
		ret = 0;
	}
	m2md_gw_stop(&run, http);
	m2md_store_close(store);
	curl_global_cleanup();
	if (!ret)
		m2m_info("stopped");
	return ret;
}
