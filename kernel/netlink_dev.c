// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink handlers of the data-plane commands: DEV_GET, DEV_SET,
 * PEER_NEW, PEER_SET, PEER_DEL and PEER_GET. Each request names an m2msec
 * device of the socket's namespace. Every attribute is checked before
 * anything changes, and a step that fails after the first change undoes
 * the earlier ones, so a failed request leaves the device as it was.
 *
 * Allowed prefixes must have their host bits clear: 10.1.2.0/24 is taken,
 * 10.1.2.3/24 is rejected with EINVAL, because a typo in the address
 * should not silently route a wider or other range to the peer.
 */

#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "allowedips.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"

/* A request's device, held from lookup to m2msec_nl_dev_put(). */
struct m2msec_nl_dev {
	struct net_device *dev;
	struct m2msec_device *md;
};

/* A request's optional peer settings, checked before any change. */
struct m2msec_nl_peer_conf {
	bool has_endpoint;
	union m2msec_endpoint endpoint;
	bool has_allowedips;
	struct m2msec_prefix *prefixes;	/* M2MSEC_ALLOWEDIPS_PER_PEER */
	u32 nprefixes;
	bool has_keepalive;
	u16 keepalive;
	bool has_key;
	key_serial_t serial;
};

/* ---- Devices ---- */

static struct net_device *m2msec_nl_netdev_get(struct net *net,
					       struct nlattr **attrs,
					       struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	u32 ifindex;

	if (attrs[M2MSEC_A_IFINDEX]) {
		ifindex = nla_get_u32(attrs[M2MSEC_A_IFINDEX]);
		dev = dev_get_by_index(net, ifindex);
		if (!dev) {
			NL_SET_BAD_ATTR(extack, attrs[M2MSEC_A_IFINDEX]);
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "no device with IFINDEX %u",
						  ifindex);
		}
		return dev;
	}
	if (attrs[M2MSEC_A_IFNAME]) {
		dev = dev_get_by_name(net, nla_data(attrs[M2MSEC_A_IFNAME]));
		if (!dev) {
			NL_SET_BAD_ATTR(extack, attrs[M2MSEC_A_IFNAME]);
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "no device named %s",
						  (char *)nla_data(attrs[M2MSEC_A_IFNAME]));
		}
		return dev;
	}
	NL_SET_ERR_MSG(extack, "missing attribute IFINDEX or IFNAME");
	return ERR_PTR(-EINVAL);
}

/* Takes over the reference on dev if it is an m2msec device. */
static int m2msec_nl_dev_hold(struct net_device *dev,
			      struct netlink_ext_ack *extack,
			      struct m2msec_nl_dev *nd)
{
	nd->md = m2msec_device_from_netdev(dev);
	if (!nd->md) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "%s is not an m2msec device",
					  dev->name);
		dev_put(dev);
		return -EOPNOTSUPP;
	}
	nd->dev = dev;
	return 0;
}

/*
 * m2msec_nl_dev_get - find the m2msec device that a request names by
 * IFINDEX (preferred) or IFNAME in net, and hold it.
 */
static int m2msec_nl_dev_get(struct net *net, struct nlattr **attrs,
			     struct netlink_ext_ack *extack,
			     struct m2msec_nl_dev *nd)
{
	struct net_device *dev;

	dev = m2msec_nl_netdev_get(net, attrs, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (!dev)
		return -ENODEV;
	return m2msec_nl_dev_hold(dev, extack, nd);
}

static void m2msec_nl_dev_put(struct m2msec_nl_dev *nd)
{
	dev_put(nd->dev);
}

/*
 * m2msec_nl_dev_lock - take md->lock of a device that is still registered.
 * The device teardown removes every peer under md->lock after unregistering
 * has begun, so a peer added while this check holds is removed with it.
 */
static int m2msec_nl_dev_lock(struct m2msec_nl_dev *nd,
			      struct netlink_ext_ack *extack)
{
	mutex_lock(&nd->md->lock);
	if (READ_ONCE(nd->dev->reg_state) == NETREG_REGISTERED)
		return 0;
	mutex_unlock(&nd->md->lock);
	M2MSEC_NL_SET_ERR_MSG_FMT(extack, "device %s is being removed",
				  nd->dev->name);
	return -ENODEV;
}

static void m2msec_nl_dev_unlock(struct m2msec_nl_dev *nd)
{
	mutex_unlock(&nd->md->lock);
}

static int m2msec_nl_put_u64(struct sk_buff *skb, int attr, u64 value)
{
	return nla_put_u64_64bit(skb, attr, value, M2MSEC_A_PAD);
}

static int m2msec_nl_fill_dev(struct sk_buff *skb, struct m2msec_device *md)
{
	struct net_device *dev = md->dev;

	if (nla_put_u32(skb, M2MSEC_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, M2MSEC_A_IFNAME, dev->name) ||
	    nla_put_u16(skb, M2MSEC_A_PORT, READ_ONCE(md->port)) ||
	    nla_put_u32(skb, M2MSEC_A_PEERS, READ_ONCE(md->npeers)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_UNKNOWN_INDEX,
			      atomic64_read(&md->drop_unknown_index)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_MALFORMED,
			      atomic64_read(&md->drop_malformed)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_NO_PEER,
			      atomic64_read(&md->drop_no_peer)))
		return -EMSGSIZE;
	return 0;
}

int m2msec_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_nl_dev nd;
	struct sk_buff *reply;
	void *hdr;
	int err;

	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		return err;
	err = -ENOMEM;
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		goto out;
	hdr = genlmsg_put_reply(reply, info, &m2msec_genl_family, 0,
				M2MSEC_CMD_DEV_GET);
	err = -EMSGSIZE;
	if (!hdr || m2msec_nl_fill_dev(reply, nd.md)) {
		nlmsg_free(reply);
		goto out;
	}
	genlmsg_end(reply, hdr);
	err = genlmsg_reply(reply, info);
out:
	m2msec_nl_dev_put(&nd);
	return err;
}

/*
 * The m2msec device of net with the smallest ifindex above after, or 0.
 * Dumps walk devices in ifindex order so that they can resume by ifindex.
 */
static int m2msec_nl_next_ifindex(struct net *net, int after)
{
	struct net_device *dev;
	int next = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (dev->ifindex <= after || (next && dev->ifindex >= next))
			continue;
		if (m2msec_device_from_netdev(dev))
			next = dev->ifindex;
	}
	rcu_read_unlock();
	return next;
}

static int m2msec_nl_dump_dev(struct sk_buff *skb, struct netlink_callback *cb,
			      struct net_device *dev)
{
	struct m2msec_device *md = m2msec_device_from_netdev(dev);
	void *hdr;

	if (!md)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &m2msec_genl_family, NLM_F_MULTI, M2MSEC_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (m2msec_nl_fill_dev(skb, md)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0] is the ifindex of the last device sent. */
int m2msec_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct net_device *dev;
	int ifindex, err;

	for (;;) {
		ifindex = m2msec_nl_next_ifindex(net, cb->args[0]);
		if (!ifindex)
			break;
		dev = dev_get_by_index(net, ifindex);
		if (!dev) {
			cb->args[0] = ifindex;	/* removed meanwhile */
			continue;
		}
		err = m2msec_nl_dump_dev(skb, cb, dev);
		dev_put(dev);
		if (err)
			break;
		cb->args[0] = ifindex;
	}
	return skb->len;
}

int m2msec_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_nl_dev nd;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_PORT, "PORT");
	if (err)
		return err;
	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		return err;
	err = m2msec_nl_dev_lock(&nd, info->extack);
	if (!err) {
		err = m2msec_device_set_port(nd.md,
					     nla_get_u16(info->attrs[M2MSEC_A_PORT]),
					     info->extack);
		m2msec_nl_dev_unlock(&nd);
	}
	m2msec_nl_dev_put(&nd);
	return err;
}

/* ---- Parsing peer settings ---- */

static int m2msec_nl_check_endpoint(const union m2msec_endpoint *ep,
				    struct netlink_ext_ack *extack)
{
	bool bad_addr;
	u16 port;

	if (ep->addr.sa_family == AF_INET) {
		__be32 a = ep->addr4.sin_addr.s_addr;

		port = ntohs(ep->addr4.sin_port);
		bad_addr = ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
			   ipv4_is_zeronet(a);
	} else {
		const struct in6_addr *a = &ep->addr6.sin6_addr;

		port = ntohs(ep->addr6.sin6_port);
		bad_addr = ipv6_addr_is_multicast(a) || ipv6_addr_any(a);
	}
	if (!port) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "ENDPOINT %pISc has port 0",
					  &ep->addr);
		return -EINVAL;
	}
	if (bad_addr) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "ENDPOINT %pISpc is not a unicast address",
					  &ep->addr);
		return -EINVAL;
	}
	return 0;
}

/* Reads ENDPOINT: a sockaddr_in or sockaddr_in6 of exactly that size. */
static int m2msec_nl_get_endpoint(struct nlattr *attr,
				  union m2msec_endpoint *ep,
				  struct netlink_ext_ack *extack)
{
	int len = nla_len(attr);
	sa_family_t family;
	int err;

	memset(ep, 0, sizeof(*ep));
	memcpy(ep, nla_data(attr), len);
	family = ep->addr.sa_family;
	if ((family == AF_INET && len == sizeof(struct sockaddr_in)) ||
	    (family == AF_INET6 && len == sizeof(struct sockaddr_in6))) {
		err = m2msec_nl_check_endpoint(ep, extack);
		if (err)
			NL_SET_BAD_ATTR(extack, attr);
		return err;
	}
	NL_SET_BAD_ATTR(extack, attr);
	if (family != AF_INET && family != AF_INET6)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "ENDPOINT has address family %u, expected AF_INET or AF_INET6",
					  family);
	else
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "ENDPOINT of family %u is %d bytes long, expected %zu",
					  family, len,
					  family == AF_INET ?
					  sizeof(struct sockaddr_in) :
					  sizeof(struct sockaddr_in6));
	return -EINVAL;
}

/* Rejects a prefix with host bits set, naming it and its network. */
static int m2msec_nl_check_host_bits(const struct m2msec_prefix *p,
				     struct netlink_ext_ack *extack)
{
	struct in6_addr net6;
	__be32 net4;

	if (p->family == AF_INET) {
		net4 = p->addr4 & inet_make_mask(p->cidr);
		if (net4 == p->addr4)
			return 0;
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed IP %pI4/%u has host bits set, expected %pI4/%u",
					  &p->addr4, p->cidr, &net4, p->cidr);
		return -EINVAL;
	}
	ipv6_addr_prefix(&net6, &p->addr6, p->cidr);
	if (ipv6_addr_equal(&net6, &p->addr6))
		return 0;
	M2MSEC_NL_SET_ERR_MSG_FMT(extack,
				  "allowed IP %pI6c/%u has host bits set, expected %pI6c/%u",
				  &p->addr6, p->cidr, &net6, p->cidr);
	return -EINVAL;
}

static int m2msec_nl_prefix_from_attrs(struct nlattr **tb,
				       struct m2msec_prefix *p,
				       struct netlink_ext_ack *extack)
{
	int len;

	if (!tb[M2MSEC_ALLOWEDIP_A_FAMILY] || !tb[M2MSEC_ALLOWEDIP_A_ADDR] ||
	    !tb[M2MSEC_ALLOWEDIP_A_CIDR]) {
		NL_SET_ERR_MSG(extack,
			       "allowed IP needs FAMILY, ADDR and CIDR");
		return -EINVAL;
	}
	p->family = nla_get_u16(tb[M2MSEC_ALLOWEDIP_A_FAMILY]);
	p->cidr = nla_get_u8(tb[M2MSEC_ALLOWEDIP_A_CIDR]);
	len = nla_len(tb[M2MSEC_ALLOWEDIP_A_ADDR]);
	if (p->family == AF_INET && len == sizeof(p->addr4) && p->cidr <= 32) {
		memcpy(&p->addr4, nla_data(tb[M2MSEC_ALLOWEDIP_A_ADDR]), len);
		return m2msec_nl_check_host_bits(p, extack);
	}
	if (p->family == AF_INET6 && len == sizeof(p->addr6)) {
		memcpy(&p->addr6, nla_data(tb[M2MSEC_ALLOWEDIP_A_ADDR]), len);
		return m2msec_nl_check_host_bits(p, extack);
	}
	if (p->family != AF_INET && p->family != AF_INET6)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed IP has family %u, expected AF_INET or AF_INET6",
					  p->family);
	else if (len != (p->family == AF_INET ? 4 : 16))
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed IP of family %u has a %d-byte ADDR, expected %d",
					  p->family, len,
					  p->family == AF_INET ? 4 : 16);
	else
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "allowed IPv4 prefix length %u is above 32",
					  p->cidr);
	return -EINVAL;
}

static int m2msec_nl_get_prefix(struct nlattr *entry, struct m2msec_prefix *p,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[M2MSEC_ALLOWEDIP_A_MAX + 1];
	int err;

	if (nla_type(entry) != M2MSEC_A_ALLOWED_IP) {
		NL_SET_ERR_MSG_ATTR(extack, entry,
				    "ALLOWED_IPS may contain only ALLOWED_IP");
		return -EINVAL;
	}
	/* The family policy has validated the entry already. */
	err = nla_parse_nested(tb, M2MSEC_ALLOWEDIP_A_MAX, entry, NULL, extack);
	if (err)
		return err;
	memset(p, 0, sizeof(*p));
	err = m2msec_nl_prefix_from_attrs(tb, p, extack);
	if (err)
		NL_SET_BAD_ATTR(extack, entry);
	return err;
}

/* Reads ALLOWED_IPS into conf->prefixes. An empty list is valid. */
static int m2msec_nl_get_allowedips(struct nlattr *attr,
				    struct m2msec_nl_peer_conf *conf,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *entry;
	int rem, err;

	conf->prefixes = kcalloc(M2MSEC_ALLOWEDIPS_PER_PEER,
				 sizeof(*conf->prefixes), GFP_KERNEL);
	if (!conf->prefixes)
		return -ENOMEM;
	nla_for_each_nested(entry, attr, rem) {
		if (conf->nprefixes == M2MSEC_ALLOWEDIPS_PER_PEER) {
			NL_SET_BAD_ATTR(extack, attr);
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "ALLOWED_IPS has more than %u prefixes",
						  M2MSEC_ALLOWEDIPS_PER_PEER);
			return -EINVAL;
		}
		err = m2msec_nl_get_prefix(entry,
					   &conf->prefixes[conf->nprefixes],
					   extack);
		if (err)
			return err;
		conf->nprefixes++;
	}
	conf->has_allowedips = true;
	return 0;
}

static void m2msec_nl_peer_conf_free(struct m2msec_nl_peer_conf *conf)
{
	kfree(conf->prefixes);
}

/* Reads and checks every optional peer setting of a request. */
static int m2msec_nl_get_peer_conf(struct genl_info *info,
				   struct m2msec_nl_peer_conf *conf)
{
	struct nlattr **attrs = info->attrs;
	int err;

	memset(conf, 0, sizeof(*conf));
	if (attrs[M2MSEC_A_ENDPOINT]) {
		err = m2msec_nl_get_endpoint(attrs[M2MSEC_A_ENDPOINT],
					     &conf->endpoint, info->extack);
		if (err)
			return err;
		conf->has_endpoint = true;
	}
	if (attrs[M2MSEC_A_ALLOWED_IPS]) {
		err = m2msec_nl_get_allowedips(attrs[M2MSEC_A_ALLOWED_IPS],
					       conf, info->extack);
		if (err)
			return err;
	}
	if (attrs[M2MSEC_A_KEEPALIVE]) {
		conf->keepalive = nla_get_u16(attrs[M2MSEC_A_KEEPALIVE]);
		conf->has_keepalive = true;
	}
	if (attrs[M2MSEC_A_KEY_SERIAL]) {
		conf->serial = nla_get_s32(attrs[M2MSEC_A_KEY_SERIAL]);
		conf->has_key = true;
	}
	return 0;
}

/* The settings that cannot fail, applied after the ones that can. */
static void m2msec_nl_apply_peer_conf(struct m2msec_peer *peer,
				      const struct m2msec_nl_peer_conf *conf)
{
	if (conf->has_endpoint)
		m2msec_peer_set_endpoint(peer, &conf->endpoint);
	if (conf->has_keepalive)
		m2msec_peer_set_keepalive(peer, conf->keepalive);
}

/* ---- Peers ---- */

static int m2msec_nl_reply_node_id(struct genl_info *info,
				   const u8 node_id[M2MSEC_NODE_ID_LEN])
{
	struct sk_buff *reply;
	void *hdr;

	reply = genlmsg_new(nla_total_size(M2MSEC_NODE_ID_LEN), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &m2msec_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || nla_put(reply, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN,
			    node_id)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/* Creates the peer and applies conf, and undoes it all if a step fails. */
static int m2msec_nl_peer_new_locked(struct m2msec_device *md,
				     const struct m2msec_nl_peer_conf *conf,
				     u8 node_id[M2MSEC_NODE_ID_LEN],
				     struct netlink_ext_ack *extack)
{
	struct m2msec_peer *peer;

	/*
	 * The prefixes go in before the key is installed, so a prefix
	 * conflict leaves the key unused.
	 */
	peer = m2msec_peer_create_with(md, conf->serial,
				       conf->has_allowedips ?
				       conf->prefixes : NULL,
				       conf->nprefixes, extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	m2msec_nl_apply_peer_conf(peer, conf);
	memcpy(node_id, peer->node_id, M2MSEC_NODE_ID_LEN);
	return 0;
}

int m2msec_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 node_id[M2MSEC_NODE_ID_LEN];
	struct m2msec_nl_peer_conf conf;
	struct m2msec_nl_dev nd;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_KEY_SERIAL, "KEY_SERIAL");
	if (err)
		return err;
	err = m2msec_nl_get_peer_conf(info, &conf);
	if (err)
		goto out_conf;
	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		goto out_conf;
	err = m2msec_nl_dev_lock(&nd, info->extack);
	if (err)
		goto out_dev;
	err = m2msec_nl_peer_new_locked(nd.md, &conf, node_id, info->extack);
	m2msec_nl_dev_unlock(&nd);
	/*
	 * NOTE: when only the reply fails (out of memory), the peer stays and
	 * the caller learns its node id from a PEER_GET dump.
	 */
	if (!err)
		err = m2msec_nl_reply_node_id(info, node_id);
out_dev:
	m2msec_nl_dev_put(&nd);
out_conf:
	m2msec_nl_peer_conf_free(&conf);
	return err;
}

/* Finds the peer named by NODE_ID, with md->lock held. */
static struct m2msec_peer *m2msec_nl_peer_find(struct m2msec_device *md,
					       struct genl_info *info)
{
	struct nlattr *attr = info->attrs[M2MSEC_A_NODE_ID];
	struct m2msec_peer *peer;

	peer = m2msec_peer_find(md, nla_data(attr));
	if (!peer) {
		NL_SET_BAD_ATTR(info->extack, attr);
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "device %s has no peer with node id %*phN",
					  md->dev->name, M2MSEC_NODE_ID_LEN,
					  nla_data(attr));
	}
	return peer;
}

/*
 * Applies PEER_SET: the allowed prefixes first, then the key, whose
 * failure puts the old prefixes back, then the settings that cannot fail.
 */
static int m2msec_nl_peer_set_locked(struct m2msec_peer *peer,
				     const struct m2msec_nl_peer_conf *conf,
				     struct netlink_ext_ack *extack)
{
	struct m2msec_allowedips *table = &peer->md->allowedips;
	struct m2msec_prefix *old = NULL;
	u32 nold = 0;
	int err;

	if (conf->has_allowedips && conf->has_key) {
		old = kcalloc(M2MSEC_ALLOWEDIPS_PER_PEER, sizeof(*old),
			      GFP_KERNEL);
		if (!old)
			return -ENOMEM;
		nold = m2msec_allowedips_list(table, peer, old,
					      M2MSEC_ALLOWEDIPS_PER_PEER);
	}
	if (conf->has_allowedips) {
		err = m2msec_allowedips_replace(table, peer, conf->prefixes,
						conf->nprefixes, extack);
		if (err)
			goto out;
	}
	if (conf->has_key) {
		err = m2msec_peer_bind_key(peer, conf->serial, extack);
		if (err) {
			/*
			 * These prefixes were the peer's and md->lock is held, so
			 * no one took them; only an allocation can fail here.
			 */
			if (old && m2msec_allowedips_replace(table, peer, old,
							     nold, NULL))
				net_warn_ratelimited("%s: restoring the prefixes of peer %*phN failed\n",
						     peer->md->dev->name,
						     M2MSEC_NODE_ID_LEN,
						     peer->node_id);
			goto out;
		}
	}
	m2msec_nl_apply_peer_conf(peer, conf);
	err = 0;
out:
	kfree(old);
	return err;
}

int m2msec_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_nl_peer_conf conf;
	struct m2msec_peer *peer;
	struct m2msec_nl_dev nd;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_NODE_ID, "NODE_ID");
	if (err)
		return err;
	err = m2msec_nl_get_peer_conf(info, &conf);
	if (err)
		goto out_conf;
	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		goto out_conf;
	err = m2msec_nl_dev_lock(&nd, info->extack);
	if (err)
		goto out_dev;
	peer = m2msec_nl_peer_find(nd.md, info);
	if (peer)
		err = m2msec_nl_peer_set_locked(peer, &conf, info->extack);
	else
		err = -ENOENT;
	m2msec_nl_dev_unlock(&nd);
out_dev:
	m2msec_nl_dev_put(&nd);
out_conf:
	m2msec_nl_peer_conf_free(&conf);
	return err;
}

int m2msec_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_peer *peer;
	struct m2msec_nl_dev nd;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_NODE_ID, "NODE_ID");
	if (err)
		return err;
	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		return err;
	err = m2msec_nl_dev_lock(&nd, info->extack);
	if (err)
		goto out;
	peer = m2msec_nl_peer_find(nd.md, info);
	if (peer)
		m2msec_peer_remove(peer);
	else
		err = -ENOENT;
	m2msec_nl_dev_unlock(&nd);
out:
	m2msec_nl_dev_put(&nd);
	return err;
}

/* ---- PEER_GET replies ---- */

static bool m2msec_nl_keypair_usable(const struct m2msec_keypair *kp)
{
	return kp && !READ_ONCE(kp->dead) &&
	       (!kp->expires || kp->expires > ktime_get_real_seconds());
}

static int m2msec_nl_fill_keypair(struct sk_buff *skb,
				  const struct m2msec_keypair *kp)
{
	if (nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, kp->serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, kp->key_id) ||
	    nla_put_u8(skb, M2MSEC_A_SUITE, kp->suite) ||
	    nla_put_u8(skb, M2MSEC_A_ROLE, kp->role) ||
	    nla_put_u32(skb, M2MSEC_A_INDEX, kp->local_index) ||
	    nla_put_u32(skb, M2MSEC_A_PEER_INDEX, kp->remote_index) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_KEY_EXPIRES, kp->expires))
		return -EMSGSIZE;
	return 0;
}

/*
 * Puts the key fields of the usable keypair that sends (current, or next
 * while there is no current) and LAST_HANDSHAKE, 0 without such a key.
 */
static int m2msec_nl_fill_key(struct sk_buff *skb, struct m2msec_peer *peer)
{
	struct m2msec_keypair *kp;
	u64 bound_ms = 0;
	int err = 0;

	rcu_read_lock();
	kp = rcu_dereference(peer->current_kp);
	if (!m2msec_nl_keypair_usable(kp))
		kp = rcu_dereference(peer->next_kp);
	if (m2msec_nl_keypair_usable(kp)) {
		err = m2msec_nl_fill_keypair(skb, kp);
		bound_ms = kp->bound_ms;
	}
	rcu_read_unlock();
	return err ?: m2msec_nl_put_u64(skb, M2MSEC_A_LAST_HANDSHAKE, bound_ms);
}

static int m2msec_nl_fill_endpoint(struct sk_buff *skb,
				   struct m2msec_peer *peer)
{
	union m2msec_endpoint ep;
	int len = 0;

	read_lock_bh(&peer->endpoint_lock);
	ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
	if (ep.addr.sa_family == AF_INET)
		len = sizeof(ep.addr4);
	else if (ep.addr.sa_family == AF_INET6)
		len = sizeof(ep.addr6);
	return len ? nla_put(skb, M2MSEC_A_ENDPOINT, len, &ep) : 0;
}

static int m2msec_nl_fill_prefix(struct sk_buff *skb,
				 const struct m2msec_prefix *p)
{
	struct nlattr *nest;
	int len = p->family == AF_INET ? sizeof(p->addr4) : sizeof(p->addr6);

	nest = nla_nest_start(skb, M2MSEC_A_ALLOWED_IP);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, M2MSEC_ALLOWEDIP_A_FAMILY, p->family) ||
	    nla_put(skb, M2MSEC_ALLOWEDIP_A_ADDR, len, &p->addr4) ||
	    nla_put_u8(skb, M2MSEC_ALLOWEDIP_A_CIDR, p->cidr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Puts ALLOWED_IPS (an empty nest without prefixes) under md->lock. */
static int m2msec_nl_fill_allowedips(struct sk_buff *skb,
				     struct m2msec_peer *peer,
				     struct m2msec_prefix *buf)
{
	struct nlattr *nest;
	u32 i, n;

	n = m2msec_allowedips_list(&peer->md->allowedips, peer, buf,
				   M2MSEC_ALLOWEDIPS_PER_PEER);
	n = min_t(u32, n, M2MSEC_ALLOWEDIPS_PER_PEER);
	nest = nla_nest_start(skb, M2MSEC_A_ALLOWED_IPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (m2msec_nl_fill_prefix(skb, &buf[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int m2msec_nl_fill_stats(struct sk_buff *skb,
				const struct m2msec_peer_stats *st)
{
	if (m2msec_nl_put_u64(skb, M2MSEC_A_RX_BYTES,
			      atomic64_read(&st->rx_bytes)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_TX_BYTES,
			      atomic64_read(&st->tx_bytes)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_RX_PACKETS,
			      atomic64_read(&st->rx_packets)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_TX_PACKETS,
			      atomic64_read(&st->tx_packets)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_AUTH,
			      atomic64_read(&st->drop_auth)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_REPLAY,
			      atomic64_read(&st->drop_replay)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_NO_KEY,
			      atomic64_read(&st->drop_no_key)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_DROP_SOURCE,
			      atomic64_read(&st->drop_source)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_LAST_RX,
			      atomic64_read(&st->last_rx_ms)) ||
	    m2msec_nl_put_u64(skb, M2MSEC_A_LAST_TX,
			      atomic64_read(&st->last_tx_ms)))
		return -EMSGSIZE;
	return 0;
}

/* Puts one PEER_GET reply body under md->lock, with buf for prefixes. */
static int m2msec_nl_fill_peer(struct sk_buff *skb, struct m2msec_peer *peer,
			       struct m2msec_prefix *buf)
{
	if (nla_put_u32(skb, M2MSEC_A_IFINDEX, peer->md->dev->ifindex) ||
	    nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, peer->node_id) ||
	    m2msec_nl_fill_endpoint(skb, peer) ||
	    m2msec_nl_fill_allowedips(skb, peer, buf) ||
	    nla_put_u16(skb, M2MSEC_A_KEEPALIVE, READ_ONCE(peer->keepalive)) ||
	    m2msec_nl_fill_key(skb, peer) ||
	    m2msec_nl_fill_stats(skb, &peer->stats))
		return -EMSGSIZE;
	return 0;
}

/* Room for a peer with every prefix: about 44 bytes per IPv6 prefix. */
#define M2MSEC_NL_PEER_MSG_SIZE \
	(NLMSG_GOODSIZE + M2MSEC_ALLOWEDIPS_PER_PEER * 48)

static int m2msec_nl_peer_reply(struct genl_info *info,
				struct m2msec_peer *peer,
				struct m2msec_prefix *buf)
{
	struct sk_buff *reply;
	void *hdr;

	reply = genlmsg_new(M2MSEC_NL_PEER_MSG_SIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &m2msec_genl_family, 0,
				M2MSEC_CMD_PEER_GET);
	if (!hdr || m2msec_nl_fill_peer(reply, peer, buf)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

int m2msec_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct m2msec_prefix *buf;
	struct m2msec_peer *peer;
	struct m2msec_nl_dev nd;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_NODE_ID, "NODE_ID");
	if (err)
		return err;
	buf = kcalloc(M2MSEC_ALLOWEDIPS_PER_PEER, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = m2msec_nl_dev_get(genl_info_net(info), info->attrs,
				info->extack, &nd);
	if (err)
		goto out_buf;
	err = m2msec_nl_dev_lock(&nd, info->extack);
	if (err)
		goto out_dev;
	peer = m2msec_nl_peer_find(nd.md, info);
	if (peer)
		err = m2msec_nl_peer_reply(info, peer, buf);
	else
		err = -ENOENT;
	m2msec_nl_dev_unlock(&nd);
out_dev:
	m2msec_nl_dev_put(&nd);
out_buf:
	kfree(buf);
	return err;
}

/* The dump request's attributes: Linux 6.6 moved them into a genl_info. */
static struct nlattr **m2msec_nl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int m2msec_nl_dump_peer(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       struct m2msec_peer *peer,
			       struct m2msec_prefix *buf)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &m2msec_genl_family, NLM_F_MULTI,
			  M2MSEC_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (m2msec_nl_fill_peer(skb, peer, buf)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Sends the peers whose seq is at least cb->args[1], in list (creation)
 * order, and stores the seq after the last one sent. Peers added later get
 * a higher seq, so a resumed dump neither repeats nor skips a peer.
 */
static int m2msec_nl_dump_peers(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct m2msec_device *md,
				struct m2msec_prefix *buf)
{
	struct m2msec_peer *peer;
	int sent = 0;

	list_for_each_entry(peer, &md->peers, dev_node) {
		if (peer->seq < cb->args[1])
			continue;
		if (m2msec_nl_dump_peer(skb, cb, peer, buf))
			return sent ? 0 : -EMSGSIZE;
		cb->args[1] = peer->seq + 1;
		sent++;
	}
	return 0;
}

/*
 * cb->args[0] is the device's ifindex, fixed by the first call so that a
 * rename during the dump does not matter. cb->args[1] is the next peer seq.
 */
int m2msec_nl_peer_get_dumpit(struct sk_buff *skb,
			      struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct m2msec_prefix *buf;
	struct net_device *dev;
	struct m2msec_nl_dev nd;
	int err;

	if (!cb->args[0]) {
		err = m2msec_nl_dev_get(net, m2msec_nl_dump_attrs(cb),
					cb->extack, &nd);
	} else {
		dev = dev_get_by_index(net, cb->args[0]);
		err = dev ? m2msec_nl_dev_hold(dev, cb->extack, &nd) : -ENODEV;
	}
	if (err)
		return err;
	cb->args[0] = nd.dev->ifindex;
	err = -ENOMEM;
	buf = kcalloc(M2MSEC_ALLOWEDIPS_PER_PEER, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		goto out;
	err = m2msec_nl_dev_lock(&nd, cb->extack);
	if (!err) {
		err = m2msec_nl_dump_peers(skb, cb, nd.md, buf);
		m2msec_nl_dev_unlock(&nd);
	}
	kfree(buf);
out:
	m2msec_nl_dev_put(&nd);
	return err ?: skb->len;
}
