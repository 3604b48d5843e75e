// SPDX-License-Identifier: GPL-2.0
/* The gateway's end of the m2msec tunnel and its event thread. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dev_fmt.h"
#include "gw_tunnel.h"
#include "hex.h"
#include "log.h"
#include "notify.h"
#include "rtnl.h"

void m2md_gw_tunnel_init(struct m2md_gw_tunnel *t,
			 const struct m2md_config *cfg,
			 struct m2md_gateway *gw, struct m2m_nl *nl)
{
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->gw = gw;
	t->nl = nl;
	pthread_mutex_init(&t->lock, NULL);
	atomic_init(&t->stop, false);
	atomic_init(&t->event, 0);
}

/* True when ev concerns the watched peer and calls for a new connect. */
static bool m2md_gw_event_wanted(struct m2md_gw_tunnel *t,
				 const struct m2m_event *ev)
{
	bool wanted;

	if (ev->cmd != M2MSEC_CMD_PEER_EVENT || !ev->has_node_id ||
	    strcmp(ev->ifname, t->cfg->tunnel_ifname))
		return false;
	if (ev->event != M2MSEC_EVENT_REKEY_WANTED &&
	    ev->event != M2MSEC_EVENT_KEY_EXPIRED &&
	    ev->event != M2MSEC_EVENT_PEER_DOWN)
		return false;
	pthread_mutex_lock(&t->lock);
	wanted = !memcmp(ev->node_id, t->node_id, M2MSEC_NODE_ID_LEN);
	/* A replaced key that expires during its grace needs no rekey. */
	if (wanted && ev->event != M2MSEC_EVENT_PEER_DOWN && ev->has_key_id)
		wanted = !memcmp(ev->key_id, t->key_id, M2MSEC_KEY_ID_LEN);
	pthread_mutex_unlock(&t->lock);
	return wanted;
}

static int m2md_gw_event_cb(const struct m2m_event *ev, void *data)
{
	struct m2md_gw_tunnel *t = data;
	struct m2m_log_ids ids = { .node_id = ev->node_id };

	if (!m2md_gw_event_wanted(t, ev))
		return 0;
	if (ev->has_key_id)
		ids.key_id = ev->key_id;
	/* The network's side of the tunnel can cause these events. */
	m2m_log_ratelimited(LOG_INFO, &ids, "rekey: %s: connecting again",
			    m2m_event_name(ev->event));
	atomic_store(&t->event, ev->event);
	return 0;
}

static void *m2md_gw_events_main(void *arg)
{
	struct m2md_gw_tunnel *t = arg;
	struct m2m_nl_err err = { 0 };
	struct m2m_nl *nl;
	int ret;

	nl = m2m_nl_open(&err);
	if (!nl || m2m_nl_events_join(nl, &err)) {
		m2m_err("rekey: listening for peer events failed: %s; rekeying only at 80%% of each Kmc lifetime",
			err.msg);
		m2m_nl_close(nl);
		return NULL;
	}
	while (!atomic_load(&t->stop)) {
		ret = m2m_nl_events_read(nl, 1000, m2md_gw_event_cb, t, &err);
		if (ret == -ENOBUFS) {
			/* Events were lost: check the peer by a new connect. */
			m2m_warn_ratelimited("rekey: %s: connecting again",
					     err.msg);
			atomic_store(&t->event, M2MSEC_EVENT_PEER_DOWN);
		} else if (ret < 0) {
			m2m_err("rekey: reading peer events failed: %s",
				err.msg);
			sleep(1);
		}
	}
	m2m_nl_close(nl);
	return NULL;
}

static int m2md_gw_events_start(struct m2md_gw_tunnel *t)
{
	int ret;

	ret = pthread_create(&t->thread, NULL, m2md_gw_events_main, t);
	if (ret) {
		m2m_err("rekey: starting the event thread failed: %s",
			strerror(ret));
		return -ret;
	}
	t->thread_started = true;
	return 0;
}

/* Create the interface with the gateway's inner addresses and routes. */
static int m2md_gw_tunnel_create(struct m2md_gw_tunnel *t,
				 const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	const struct m2md_config *cfg = t->cfg;
	struct m2m_nl_err err = { 0 };
	char text[M2M_CIDR_STRLEN];
	uint8_t addr6[16], addr4[4];
	uint32_t ifindex;
	size_t i;
	int ret;

	m2md_tunnel_gateway_addr6(&cfg->tunnel_prefix, node_id, addr6);
	if (cfg->has_tunnel_prefix4)
		m2md_tunnel_gateway_addr4(&cfg->tunnel_prefix4, node_id, addr4);
	ret = m2md_tunnel_setup(cfg, t->nl, 0, addr6,
				cfg->has_tunnel_prefix4 ? addr4 : NULL);
	if (ret)
		return ret;
	ifindex = if_nametoindex(cfg->tunnel_ifname);
	for (i = 0; i < cfg->n_tunnel_routes; i++) {
		const struct m2m_allowedip *route = &cfg->tunnel_routes[i];

		ret = m2m_rtnl_route_add(ifindex, route->family, route->addr,
					 route->cidr, &err);
		if (ret) {
			m2m_err("tunnel: adding the route to %s via %s failed: %s",
				m2m_cidr_format(route, text, sizeof(text)),
				cfg->tunnel_ifname, err.msg);
			return ret;
		}
	}
	return 0;
}

/* Resolve the NSCL host of cfg->nscl_url at the tunnel port. */
static int m2md_gw_endpoint(const struct m2md_config *cfg,
			    struct sockaddr_storage *ss)
{
	char host[M2MD_URL_MAX], path[M2MD_URL_MAX], text[M2MD_URL_MAX + 16];
	char msg[256];
	uint16_t port;

	if (m2md_url_split(cfg->nscl_url, host, sizeof(host), &port, path,
			   sizeof(path))) {
		m2m_err("tunnel: cannot find the host in nscl URL '%s'",
			cfg->nscl_url);
		return -EINVAL;
	}
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%u" : "%s:%u",
		 host, cfg->tunnel_port);
	if (m2m_endpoint_parse(text, true, ss, msg, sizeof(msg))) {
		m2m_err("tunnel: invalid endpoint of the network: %s", msg);
		return -EINVAL;
	}
	return 0;
}

/* The prefixes routed to the network: tunnel prefixes and routes. */
static size_t m2md_gw_allowed_ips(const struct m2md_config *cfg,
				  struct m2m_allowedip *ips)
{
	size_t n = 0, i;

	ips[n++] = cfg->tunnel_prefix;
	if (cfg->has_tunnel_prefix4)
		ips[n++] = cfg->tunnel_prefix4;
	for (i = 0; i < cfg->n_tunnel_routes; i++)
		ips[n++] = cfg->tunnel_routes[i];
	return n;
}

/* Point the NSCL requests at the network's tunnel address. */
static int m2md_gw_use_tunnel_base(struct m2md_gw_tunnel *t)
{
	char base[M2MD_GW_BASE_MAX];

	if (m2md_tunnel_nscl_base(t->cfg, base, sizeof(base))) {
		m2m_err("tunnel: cannot build the NSCL URL through the tunnel from '%s'",
			t->cfg->nscl_base);
		return -EINVAL;
	}
	m2md_gateway_set_nscl_base(t->gw, base);
	if (t->gw->tree.notify)
		m2md_notify_set_announce_base(t->gw->tree.notify, base);
	m2m_info("tunnel: NSCL requests go to %s", base);
	return 0;
}

/*
 * Return the serial of the key bound to the network's peer, or 0. The
 * peer on m2m0 outlives a restart with the previous run's Kmc, so after a
 * restart the serial of the key being replaced comes from the kernel.
 */
static int32_t m2md_gw_bound_serial(struct m2md_gw_tunnel *t,
				    const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	struct m2m_nl_err err = { 0 };
	struct m2m_peer old;
	int32_t serial = 0;

	if (m2m_nl_peer_get(t->nl, t->cfg->tunnel_ifname, node_id, &old,
			    &err))
		return 0;
	if (old.has_key)
		serial = old.key_serial;
	m2m_peer_clear(&old);
	return serial;
}

/* Add or rekey the peer; log and retire the replaced key. */
static int m2md_gw_peer_bind(struct m2md_gw_tunnel *t,
			     const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			     int32_t key_serial,
			     const uint8_t key_id[M2MSEC_KEY_ID_LEN])
{
	struct m2m_allowedip ips[M2MD_TUNNEL_ROUTES_MAX + 2];
	struct m2m_log_ids ids = {
		.node_id = node_id,
		.key_id = key_id,
		.key_serial = key_serial,
	};
	struct sockaddr_storage endpoint;
	struct m2md_tunnel_peer peer = {
		.node_id = node_id,
		.key_serial = key_serial,
		.endpoint = &endpoint,
		.allowed_ips = ips,
		.keepalive = M2MD_TUNNEL_KEEPALIVE,
	};
	struct m2m_nl_err err = { 0 };
	int32_t old_serial;
	bool rekey;
	int ret;

	ret = m2md_gw_endpoint(t->cfg, &endpoint);
	if (ret)
		return ret;
	old_serial = t->key_serial ? t->key_serial :
		     m2md_gw_bound_serial(t, node_id);
	peer.n_allowed_ips = m2md_gw_allowed_ips(t->cfg, ips);
	ret = m2md_tunnel_bind(t->nl, t->cfg->tunnel_ifname, &peer, &rekey,
			       &err);
	if (ret) {
		m2m_log_ids(LOG_ERR, &ids,
			    "tunnel: binding the key to %s failed: %s",
			    t->cfg->tunnel_ifname, err.msg);
		return ret;
	}
	if (rekey && old_serial && old_serial != key_serial) {
		m2md_retired_add(&t->retired, old_serial, t->cfg->keyring,
				 time(NULL));
		m2m_log_ids(LOG_INFO, &ids,
			    "rekey: the tunnel now sends with key serial %d, replacing serial %d",
			    key_serial, old_serial);
	} else {
		m2m_log_ids(LOG_INFO, &ids, "tunnel: peer of the network on %s",
			    t->cfg->tunnel_ifname);
	}
	t->key_serial = key_serial;
	return 0;
}

int m2md_gw_tunnel_bind(struct m2md_gw_tunnel *t,
			const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			int32_t key_serial,
			const uint8_t key_id[M2MSEC_KEY_ID_LEN])
{
	int ret;

	if (!t->up) {
		ret = m2md_gw_tunnel_create(t, node_id);
		if (ret)
			return ret;
	}
	/* Watch the new key before binding it, so no event is missed. */
	pthread_mutex_lock(&t->lock);
	memcpy(t->node_id, node_id, M2MSEC_NODE_ID_LEN);
	memcpy(t->key_id, key_id, M2MSEC_KEY_ID_LEN);
	pthread_mutex_unlock(&t->lock);
	if (!t->thread_started && m2md_gw_events_start(t))
		return -EAGAIN;
	ret = m2md_gw_peer_bind(t, node_id, key_serial, key_id);
	if (ret)
		return ret;
	if (!t->up && m2md_gw_use_tunnel_base(t))
		return -EINVAL;
	t->up = true;
	return 0;
}

int m2md_gw_tunnel_take_event(struct m2md_gw_tunnel *t)
{
	return atomic_exchange(&t->event, 0);
}

void m2md_gw_tunnel_reap(struct m2md_gw_tunnel *t)
{
	m2md_retired_reap(&t->retired, t->cfg->keyring, time(NULL), false);
}

void m2md_gw_tunnel_stop(struct m2md_gw_tunnel *t)
{
	if (t->thread_started) {
		atomic_store(&t->stop, true);
		pthread_join(t->thread, NULL);
		t->thread_started = false;
	}
	m2md_retired_reap(&t->retired, t->cfg->keyring, 0, true);
	pthread_mutex_destroy(&t->lock);
}
