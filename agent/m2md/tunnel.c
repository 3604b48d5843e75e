// SPDX-License-Identifier: GPL-2.0
/* The m2msec tunnel interface of m2md: addresses, creation, peers. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "hex.h"
#include "log.h"
#include "rtnl.h"
#include "tunnel.h"

void m2md_tunnel_network_addr6(const struct m2m_allowedip *prefix,
			       uint8_t out[16])
{
	memcpy(out, prefix->addr, 16);
	m2m_prefix_mask(out, 16, prefix->cidr);
	out[15] |= 1;
}

void m2md_tunnel_gateway_addr6(const struct m2m_allowedip *prefix,
			       const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			       uint8_t out[16])
{
	memcpy(out, prefix->addr, 8);
	memcpy(out + 8, node_id + M2MSEC_NODE_ID_LEN - 8, 8);
}

bool m2md_tunnel_in_prefix(const struct m2m_allowedip *prefix,
			   const uint8_t addr[16])
{
	uint8_t masked[16];

	memcpy(masked, addr, 16);
	m2m_prefix_mask(masked, 16, prefix->cidr);
	return !memcmp(masked, prefix->addr, 16);
}

bool m2md_tunnel_addr_is_node(const struct m2m_allowedip *prefix,
			      const uint8_t addr[16],
			      const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	uint8_t expected[16];

	m2md_tunnel_gateway_addr6(prefix, node_id, expected);
	return !memcmp(addr, expected, 16);
}

static uint32_t m2md_tunnel_prefix4_host(const struct m2m_allowedip *prefix4,
					 uint32_t host)
{
	uint32_t base;

	memcpy(&base, prefix4->addr, 4);
	return ntohl(base) | host;
}

void m2md_tunnel_network_addr4(const struct m2m_allowedip *prefix4,
			       uint8_t out[4])
{
	uint32_t addr = htonl(m2md_tunnel_prefix4_host(prefix4, 1));

	memcpy(out, &addr, 4);
}

/* FNV-1a over the node id: a spread, not a secret. */
static uint32_t m2md_tunnel_hash(const uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	uint32_t hash = 2166136261u;
	size_t i;

	for (i = 0; i < M2MSEC_NODE_ID_LEN; i++) {
		hash ^= node_id[i];
		hash *= 16777619u;
	}
	return hash;
}

void m2md_tunnel_gateway_addr4(const struct m2m_allowedip *prefix4,
			       const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			       uint8_t out[4])
{
	unsigned int host_bits = 32 - prefix4->cidr;
	uint32_t hosts, host, addr;

	/* The config allows at most /24, so there are 253 hosts or more. */
	if (host_bits > 16)
		host_bits = 16;
	hosts = (1u << host_bits) - 3;
	host = 2 + m2md_tunnel_hash(node_id) % hosts;
	addr = htonl(m2md_tunnel_prefix4_host(prefix4, host));
	memcpy(out, &addr, 4);
}

/* Create the link or accept an existing one; log what happened. */
static int m2md_tunnel_create(const char *ifname)
{
	struct m2m_nl_err err = { 0 };
	int ret;

	ret = m2m_rtnl_link_create(ifname, M2MD_TUNNEL_KIND, &err);
	if (ret == -EEXIST) {
		m2m_info("tunnel: interface %s exists, using it", ifname);
		return 0;
	}
	if (ret == -EOPNOTSUPP || ret == -ENODEV)
		m2m_err("tunnel: creating interface %s of kind m2msec failed: %s: is the m2msec module loaded?",
			ifname, err.msg);
	else if (ret)
		m2m_err("tunnel: creating interface %s of kind m2msec failed: %s",
			ifname, err.msg);
	else
		m2m_info("tunnel: created interface %s", ifname);
	return ret;
}

/* Bind the device to port unless it uses it already. */
static int m2md_tunnel_port(struct m2m_nl *nl, const char *ifname,
			    uint16_t port)
{
	struct m2m_nl_err err = { 0 };
	struct m2m_dev dev;
	int ret;

	ret = m2m_nl_dev_get(nl, ifname, &dev, &err);
	if (ret) {
		m2m_err("tunnel: interface %s is no m2msec device: %s", ifname,
			err.msg);
		return ret;
	}
	if (!port || dev.port == port)
		return 0;
	ret = m2m_nl_dev_set_port(nl, ifname, port, &err);
	if (ret)
		m2m_err("tunnel: binding %s to UDP port %u failed: %s", ifname,
			port, err.msg);
	return ret;
}

static int m2md_tunnel_addrs(const struct m2md_config *cfg, uint32_t ifindex,
			     const uint8_t addr6[16], const uint8_t *addr4)
{
	char text[INET6_ADDRSTRLEN];
	struct m2m_nl_err err = { 0 };
	int ret;

	ret = m2m_rtnl_addr_add(ifindex, AF_INET6, addr6, 64, &err);
	if (ret) {
		inet_ntop(AF_INET6, addr6, text, sizeof(text));
		m2m_err("tunnel: adding %s/64 to %s failed: %s", text,
			cfg->tunnel_ifname, err.msg);
		return ret;
	}
	if (!addr4)
		return 0;
	ret = m2m_rtnl_addr_add(ifindex, AF_INET, addr4,
				cfg->tunnel_prefix4.cidr, &err);
	if (ret) {
		inet_ntop(AF_INET, addr4, text, sizeof(text));
		m2m_err("tunnel: adding %s/%u to %s failed: %s", text,
			cfg->tunnel_prefix4.cidr, cfg->tunnel_ifname, err.msg);
	}
	return ret;
}

int m2md_tunnel_setup(const struct m2md_config *cfg, struct m2m_nl *nl,
		      uint16_t port, const uint8_t addr6[16],
		      const uint8_t *addr4)
{
	const char *ifname = cfg->tunnel_ifname;
	struct m2m_nl_err err = { 0 };
	char text[INET6_ADDRSTRLEN];
	uint32_t ifindex;
	int ret;

	ret = m2md_tunnel_create(ifname);
	if (!ret)
		ret = m2md_tunnel_port(nl, ifname, port);
	if (ret)
		return ret;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		ret = -errno;
		m2m_err("tunnel: interface %s not found after creating it: %s",
			ifname, strerror(-ret));
		return ret;
	}
	/* Up first: an IPv6 address added to a down link is tentative. */
	ret = m2m_rtnl_link_up(ifindex, &err);
	if (ret) {
		m2m_err("tunnel: setting %s up failed: %s", ifname, err.msg);
		return ret;
	}
	ret = m2md_tunnel_addrs(cfg, ifindex, addr6, addr4);
	if (ret)
		return ret;
	inet_ntop(AF_INET6, addr6, text, sizeof(text));
	m2m_info("tunnel: interface %s is up with address %s/64", ifname,
		 text);
	return 0;
}

int m2md_tunnel_bind(struct m2m_nl *nl, const char *ifname,
		     const struct m2md_tunnel_peer *peer, bool *rekey,
		     struct m2m_nl_err *err)
{
	struct m2m_peer_req req = {
		.ifname = ifname,
		.key_serial = peer->key_serial,
		.has_allowed_ips = true,
		.allowed_ips = peer->allowed_ips,
		.n_allowed_ips = peer->n_allowed_ips,
		.has_keepalive = true,
		.keepalive = peer->keepalive,
	};
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	int ret;

	if (peer->endpoint) {
		req.has_endpoint = true;
		req.endpoint = *peer->endpoint;
	}
	*rekey = false;
	ret = m2m_nl_peer_new(nl, &req, node_id, err);
	if (ret != -EEXIST)
		return ret;
	*rekey = true;
	req.has_node_id = true;
	memcpy(req.node_id, peer->node_id, M2MSEC_NODE_ID_LEN);
	return m2m_nl_peer_set(nl, &req, err);
}

static void m2md_retired_unlink(int32_t serial, int32_t keyring)
{
	struct m2m_log_ids ids = { .key_serial = serial };

	if (keyctl_unlink(serial, keyring) < 0 && errno != ENOKEY &&
	    errno != ENOENT)
		m2m_log_ids(LOG_WARNING, &ids,
			    "tunnel: unlinking the replaced key failed: %s",
			    strerror(errno));
	else
		m2m_log_ids(LOG_INFO, &ids, "tunnel: unlinked the replaced key");
}

/* Remove entry i, keeping the order of the others. */
static void m2md_retired_remove(struct m2md_retired_keys *keys, size_t i)
{
	keys->n--;
	memmove(&keys->serial[i], &keys->serial[i + 1],
		(keys->n - i) * sizeof(keys->serial[0]));
	memmove(&keys->unlink_at[i], &keys->unlink_at[i + 1],
		(keys->n - i) * sizeof(keys->unlink_at[0]));
}

void m2md_retired_add(struct m2md_retired_keys *keys, int32_t serial,
		      int32_t keyring, int64_t now)
{
	if (keys->n == M2MD_RETIRED_MAX) {
		m2md_retired_unlink(keys->serial[0], keyring);
		m2md_retired_remove(keys, 0);
	}
	keys->serial[keys->n] = serial;
	/* One second more, because the kernel counts the grace in jiffies. */
	keys->unlink_at[keys->n] = now + M2MSEC_KEY_GRACE_SECS + 1;
	keys->n++;
}

void m2md_retired_reap(struct m2md_retired_keys *keys, int32_t keyring,
		       int64_t now, bool all)
{
	size_t i = 0;

	while (i < keys->n) {
		if (!all && keys->unlink_at[i] > now) {
			i++;
			continue;
		}
		m2md_retired_unlink(keys->serial[i], keyring);
		m2md_retired_remove(keys, i);
	}
}

int m2md_url_split(const char *url, char *host, size_t hostlen,
		   uint16_t *port, char *path, size_t pathlen)
{
	const char *p, *end, *colon = NULL;
	unsigned long value;
	char *num_end;
	size_t hlen;

	if (!strncmp(url, "http://", 7)) {
		p = url + 7;
		*port = 80;
	} else if (!strncmp(url, "https://", 8)) {
		p = url + 8;
		*port = 443;
	} else {
		return -EINVAL;
	}
	end = p + strcspn(p, "/?#");
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return -EINVAL;
		hlen = (size_t)(close - p - 1);
		if (close + 1 < end) {
			if (close[1] != ':')
				return -EINVAL;
			colon = close + 1;
		}
		p++;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hlen = colon ? (size_t)(colon - p) : (size_t)(end - p);
	}
	if (!hlen || hlen >= hostlen)
		return -EINVAL;
	memcpy(host, p, hlen);
	host[hlen] = '\0';
	if (colon) {
		errno = 0;
		value = strtoul(colon + 1, &num_end, 10);
		if (num_end != end || errno || !value || value > 65535)
			return -EINVAL;
		*port = (uint16_t)value;
	}
	if (strlen(end) >= pathlen)
		return -EINVAL;
	snprintf(path, pathlen, "%s", end);
	return 0;
}

int m2md_tunnel_nscl_base(const struct m2md_config *cfg, char *out,
			  size_t len)
{
	char host[M2MD_URL_MAX], path[M2MD_URL_MAX], addr[INET6_ADDRSTRLEN];
	uint16_t port, base_port;
	uint8_t addr6[16];
	int n;

	if (m2md_url_split(cfg->nscl_url, host, sizeof(host), &port, path,
			   sizeof(path)) ||
	    m2md_url_split(cfg->nscl_base, host, sizeof(host), &base_port,
			   path, sizeof(path)))
		return -EINVAL;
	m2md_tunnel_network_addr6(&cfg->tunnel_prefix, addr6);
	inet_ntop(AF_INET6, addr6, addr, sizeof(addr));
	n = snprintf(out, len, "http://[%s]:%u%s", addr, port, path);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}
