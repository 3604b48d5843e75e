// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "m2msec": one strict attribute policy for
 * every command, CAP_NET_ADMIN in the user namespace that owns the
 * socket's network namespace, and the "events" multicast group.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "device.h"
#include "handshake.h"
#include "kma.h"
#include "netlink.h"
#include "peer.h"
#ifdef M2MSEC_TEST_HOOKS
#include "testhooks.h"
#endif

enum m2msec_nl_mcgrp {
	M2MSEC_NL_MCGRP_EVENTS,
};

/* NLA_NUL_STRING has checked the terminator and the maximum length. */
static int m2msec_nl_validate_str(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	const char *s = nla_data(attr);

	if (s[0] == '\0') {
		NL_SET_ERR_MSG_ATTR(extack, attr, "string must not be empty");
		return -EINVAL;
	}
	return 0;
}

#define M2MSEC_NL_POLICY_STR \
	NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, m2msec_nl_validate_str, \
			       M2MSEC_STR_MAX)

#define M2MSEC_NL_POLICY_IFNAME \
	NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, m2msec_nl_validate_str, \
			       IFNAMSIZ - 1)

/*
 * One allowed prefix. The handler checks that FAMILY, the length of ADDR
 * and CIDR agree.
 */
static const struct nla_policy
m2msec_nl_allowedip_policy[M2MSEC_ALLOWEDIP_A_MAX + 1] = {
	[M2MSEC_ALLOWEDIP_A_FAMILY]	= { .type = NLA_U16 },
	[M2MSEC_ALLOWEDIP_A_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY,
						sizeof(struct in_addr),
						sizeof(struct in6_addr)),
	[M2MSEC_ALLOWEDIP_A_CIDR]	= NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy m2msec_nl_policy[M2MSEC_A_MAX + 1] = {
	[M2MSEC_A_MODE]		= NLA_POLICY_RANGE(NLA_U8, M2MSEC_MODE_BOOTSTRAP,
						   M2MSEC_MODE_CONNECT),
	[M2MSEC_A_SUITES]	= NLA_POLICY_RANGE(NLA_U8, 1, M2MSEC_SUITES_ALL),
	[M2MSEC_A_SUITE]	= NLA_POLICY_RANGE(NLA_U8, M2MSEC_SUITE_AES256GCM,
						   M2MSEC_SUITE_CHACHA20POLY1305),
	[M2MSEC_A_ID]		= NLA_POLICY_RANGE(NLA_BINARY, 1, M2MSEC_STR_MAX),
	[M2MSEC_A_MSG]		= NLA_POLICY_RANGE(NLA_BINARY, 8, M2MSEC_MSG_MAX),
	[M2MSEC_A_INDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[M2MSEC_A_PEER_INDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[M2MSEC_A_NODE_ID]	= NLA_POLICY_EXACT_LEN(M2MSEC_NODE_ID_LEN),
	[M2MSEC_A_KEY_INDEX]	= { .type = NLA_U32 },
	[M2MSEC_A_LIFETIME]	= { .type = NLA_U32 },
	[M2MSEC_A_MAS_FQDN]	= M2MSEC_NL_POLICY_STR,
	[M2MSEC_A_SCL_ID]	= M2MSEC_NL_POLICY_STR,
	[M2MSEC_A_CONN_ID]	= { .type = NLA_U64 },
	[M2MSEC_A_MID_FLAGS]	= NLA_POLICY_MASK(NLA_U16, M2MSEC_MID_PROTECT),
	[M2MSEC_A_NSCL_ID]	= M2MSEC_NL_POLICY_STR,
	[M2MSEC_A_KEYRING]	= { .type = NLA_S32 },
	[M2MSEC_A_KEY_SERIAL]	= { .type = NLA_S32 },
	[M2MSEC_A_KEY_ID]	= NLA_POLICY_EXACT_LEN(M2MSEC_KEY_ID_LEN),
	[M2MSEC_A_APP_ID]	= M2MSEC_NL_POLICY_STR,
	[M2MSEC_A_UID]		= { .type = NLA_U32 },
	[M2MSEC_A_ROLE]		= NLA_POLICY_RANGE(NLA_U8, M2MSEC_ROLE_INITIATOR,
						   M2MSEC_ROLE_RESPONDER),
	[M2MSEC_A_STATE]	= NLA_POLICY_RANGE(NLA_U8, M2MSEC_HS_STATE_INIT_SENT,
						   M2MSEC_HS_STATE_DONE),
	[M2MSEC_A_AGE_MS]	= { .type = NLA_U64 },
	[M2MSEC_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[M2MSEC_A_IFNAME]	= M2MSEC_NL_POLICY_IFNAME,
	[M2MSEC_A_PORT]		= { .type = NLA_U16 },
	[M2MSEC_A_PEERS]	= { .type = NLA_U32 },
	/* sockaddr_in or sockaddr_in6: the handler checks the exact size. */
	[M2MSEC_A_ENDPOINT]	= NLA_POLICY_RANGE(NLA_BINARY,
						sizeof(struct sockaddr_in),
						sizeof(struct sockaddr_in6)),
	[M2MSEC_A_ALLOWED_IPS]	=
		NLA_POLICY_NESTED_ARRAY(m2msec_nl_allowedip_policy),
	[M2MSEC_A_ALLOWED_IP]	= NLA_POLICY_NESTED(m2msec_nl_allowedip_policy),
	[M2MSEC_A_KEEPALIVE]	= { .type = NLA_U16 },
	[M2MSEC_A_KEY_EXPIRES]	= { .type = NLA_U64 },
	[M2MSEC_A_EVENT]	= NLA_POLICY_RANGE(NLA_U8, M2MSEC_EVENT_PEER_UP,
						   M2MSEC_EVENT_PEER_DOWN),
	[M2MSEC_A_RX_BYTES]	= { .type = NLA_U64 },
	[M2MSEC_A_TX_BYTES]	= { .type = NLA_U64 },
	[M2MSEC_A_RX_PACKETS]	= { .type = NLA_U64 },
	[M2MSEC_A_TX_PACKETS]	= { .type = NLA_U64 },
	[M2MSEC_A_DROP_AUTH]	= { .type = NLA_U64 },
	[M2MSEC_A_DROP_REPLAY]	= { .type = NLA_U64 },
	[M2MSEC_A_DROP_NO_KEY]	= { .type = NLA_U64 },
	[M2MSEC_A_DROP_SOURCE]	= { .type = NLA_U64 },
	[M2MSEC_A_DROP_UNKNOWN_INDEX] = { .type = NLA_U64 },
	[M2MSEC_A_DROP_MALFORMED] = { .type = NLA_U64 },
	[M2MSEC_A_DROP_NO_PEER]	= { .type = NLA_U64 },
	[M2MSEC_A_LAST_HANDSHAKE] = { .type = NLA_U64 },
	[M2MSEC_A_LAST_RX]	= { .type = NLA_U64 },
	[M2MSEC_A_LAST_TX]	= { .type = NLA_U64 },
	[M2MSEC_A_DIGEST]	= NLA_POLICY_EXACT_LEN(M2MSEC_KMA_DIGEST_LEN),
	[M2MSEC_A_MAC]		= NLA_POLICY_EXACT_LEN(M2MSEC_KMA_MAC_LEN),
};

static const struct genl_small_ops m2msec_nl_ops[] = {
	{
		.cmd	= M2MSEC_CMD_HS_INIT,
		.doit	= m2msec_nl_hs_init_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_HS_RESPOND,
		.doit	= m2msec_nl_hs_respond_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_HS_COMPLETE,
		.doit	= m2msec_nl_hs_complete_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_HS_FINISH,
		.doit	= m2msec_nl_hs_finish_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_HS_GET,
		.dumpit	= m2msec_nl_hs_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_KMA_DERIVE,
		.doit	= m2msec_nl_kma_derive_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_KMA_VERIFY,
		.doit	= m2msec_nl_kma_verify_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_DEV_GET,
		.doit	= m2msec_nl_dev_get_doit,
		.dumpit	= m2msec_nl_dev_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_DEV_SET,
		.doit	= m2msec_nl_dev_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_PEER_NEW,
		.doit	= m2msec_nl_peer_new_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_PEER_SET,
		.doit	= m2msec_nl_peer_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_PEER_DEL,
		.doit	= m2msec_nl_peer_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= M2MSEC_CMD_PEER_GET,
		.doit	= m2msec_nl_peer_get_doit,
		.dumpit	= m2msec_nl_peer_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
#ifdef M2MSEC_TEST_HOOKS
	{
		.cmd	= M2MSEC_CMD_TEST_VECTOR_KEY,
		.doit	= m2msec_nl_test_vector_key,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
#endif
};

/* Events name keys, so only an admin of the namespace may listen. */
static const struct genl_multicast_group m2msec_nl_mcgrps[] = {
	[M2MSEC_NL_MCGRP_EVENTS] = {
		.name	= M2MSEC_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family m2msec_genl_family = {
	.name		= M2MSEC_GENL_NAME,
	.version	= M2MSEC_GENL_VERSION,
	.maxattr	= M2MSEC_A_MAX,
	.policy		= m2msec_nl_policy,
	.netnsok	= true,
	/*
	 * Handlers run crypto and keyring calls, so they must not hold the
	 * mutex that all generic netlink families share. The handshake table
	 * has a lock of its own.
	 */
	.parallel_ops	= true,
	/* Every command is validated strictly, reserved header fields too. */
	.resv_start_op	= M2MSEC_CMD_UNSPEC,
	.small_ops	= m2msec_nl_ops,
	.n_small_ops	= ARRAY_SIZE(m2msec_nl_ops),
	.mcgrps		= m2msec_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(m2msec_nl_mcgrps),
	.module		= THIS_MODULE,
};

/**
 * m2msec_nl_require - check that a request carries an attribute
 * @info: the request
 * @attr: the M2MSEC_A_* attribute
 * @name: the attribute's name for the extended ack message
 *
 * Return: 0, or -EINVAL with the missing attribute and a message in the
 * extended ack.
 */
int m2msec_nl_require(struct genl_info *info, int attr, const char *name)
{
	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return 0;
	M2MSEC_NL_SET_ERR_MSG_FMT(info->extack, "missing attribute %s", name);
	return -EINVAL;
}

static int m2msec_nl_fill_key(struct sk_buff *skb, u8 mode,
			      key_serial_t serial,
			      const u8 key_id[M2MSEC_KEY_ID_LEN],
			      const u8 node_id[M2MSEC_NODE_ID_LEN])
{
	if (nla_put_u8(skb, M2MSEC_A_MODE, mode) ||
	    nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, key_id) ||
	    nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, node_id))
		return -EMSGSIZE;
	return 0;
}

/**
 * m2msec_nl_notify_key - send a KEY_NEW event for a key just installed
 * @net: the network namespace of the request that made the key
 * @mode: M2MSEC_MODE_BOOTSTRAP (an m2m_root key) or M2MSEC_MODE_CONNECT
 *	(an m2m_conn key)
 * @serial: the new key's serial
 * @key_id: the key id of the handshake
 * @node_id: the M2M-Node-ID that the key belongs to
 *
 * Events are best effort: with no listener, or when memory is short, no
 * event is sent. The key itself is never part of the event.
 */
void m2msec_nl_notify_key(struct net *net, u8 mode, key_serial_t serial,
			  const u8 key_id[M2MSEC_KEY_ID_LEN],
			  const u8 node_id[M2MSEC_NODE_ID_LEN])
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&m2msec_genl_family, net,
				M2MSEC_NL_MCGRP_EVENTS))
		return;

	skb = genlmsg_new(nla_total_size(sizeof(u8)) +
			  nla_total_size(sizeof(s32)) +
			  nla_total_size(M2MSEC_KEY_ID_LEN) +
			  nla_total_size(M2MSEC_NODE_ID_LEN), GFP_KERNEL);
	if (!skb)
		return;

	hdr = genlmsg_put(skb, 0, 0, &m2msec_genl_family, 0,
			  M2MSEC_CMD_KEY_NEW);
	if (!hdr || m2msec_nl_fill_key(skb, mode, serial, key_id, node_id)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&m2msec_genl_family, net, skb, 0,
				M2MSEC_NL_MCGRP_EVENTS, GFP_KERNEL);
}

static int m2msec_nl_fill_event(struct sk_buff *skb, struct m2msec_peer *peer,
				u8 event, const struct m2msec_keypair *kp)
{
	struct net_device *dev = peer->md->dev;

	if (nla_put_u8(skb, M2MSEC_A_EVENT, event) ||
	    nla_put_u32(skb, M2MSEC_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, M2MSEC_A_IFNAME, dev->name) ||
	    nla_put(skb, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, peer->node_id))
		return -EMSGSIZE;
	if (!kp)
		return 0;
	if (nla_put_s32(skb, M2MSEC_A_KEY_SERIAL, kp->serial) ||
	    nla_put(skb, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, kp->key_id))
		return -EMSGSIZE;
	return 0;
}

/**
 * m2msec_nl_notify_peer - send a PEER_EVENT about a peer
 * @peer: the peer; its device names the namespace of the event
 * @event: an enum m2msec_peer_event value
 * @kp: the keypair whose key the event is about, or NULL
 *
 * Callable in atomic context. Like KEY_NEW, events are best effort: with
 * no listener in the device's namespace, or when memory is short, nothing
 * is sent. The event names the key by serial and key id, which are public.
 */
void m2msec_nl_notify_peer(struct m2msec_peer *peer, u8 event,
			   const struct m2msec_keypair *kp)
{
	struct net *net = dev_net(peer->md->dev);
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&m2msec_genl_family, net,
				M2MSEC_NL_MCGRP_EVENTS))
		return;

	skb = genlmsg_new(nla_total_size(sizeof(u8)) +
			  nla_total_size(sizeof(u32)) +
			  nla_total_size(IFNAMSIZ) +
			  nla_total_size(M2MSEC_NODE_ID_LEN) +
			  nla_total_size(sizeof(s32)) +
			  nla_total_size(M2MSEC_KEY_ID_LEN), GFP_ATOMIC);
	if (!skb)
		return;

	hdr = genlmsg_put(skb, 0, 0, &m2msec_genl_family, 0,
			  M2MSEC_CMD_PEER_EVENT);
	if (!hdr || m2msec_nl_fill_event(skb, peer, event, kp)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&m2msec_genl_family, net, skb, 0,
				M2MSEC_NL_MCGRP_EVENTS, GFP_ATOMIC);
}

#ifndef NL_SET_ERR_MSG_FMT
/*
 * The extended ack keeps a pointer to the message until the ack is sent,
 * after the handler returns, so the text cannot live on the stack. Each
 * message takes the next slot of a ring and a slot is reused only after
 * M2MSEC_NL_MSG_SLOTS more messages. The last byte of every slot stays
 * zero, so even a reused slot is a valid string.
 *
 * NOTE: nothing reserves a slot until its ack is sent. If that many failing
 * requests run between one handler's return and its ack, the ack carries
 * another request's text, and a longer text trips the WARN_ON in 6.1's
 * netlink_ack(). Kernels with NL_SET_ERR_MSG_FMT do not use this ring.
 */
#define M2MSEC_NL_MSG_SLOTS	1024
#define M2MSEC_NL_MSG_LEN	80

static char m2msec_nl_msgs[M2MSEC_NL_MSG_SLOTS][M2MSEC_NL_MSG_LEN];
static atomic_t m2msec_nl_msg_next = ATOMIC_INIT(0);

void m2msec_nl_set_err_msg_fmt(struct netlink_ext_ack *extack,
			       const char *fmt, ...)
{
	unsigned int slot;
	va_list args;

	if (!extack)
		return;

	slot = (unsigned int)atomic_inc_return(&m2msec_nl_msg_next) %
	       M2MSEC_NL_MSG_SLOTS;
	va_start(args, fmt);
	vsnprintf(m2msec_nl_msgs[slot], M2MSEC_NL_MSG_LEN - 1, fmt, args);
	va_end(args);
	extack->_msg = m2msec_nl_msgs[slot];
}
#endif

int m2msec_netlink_init(void)
{
	return genl_register_family(&m2msec_genl_family);
}

void m2msec_netlink_exit(void)
{
	genl_unregister_family(&m2msec_genl_family);
}
