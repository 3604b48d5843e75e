/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_NETLINK_H
#define _M2MSEC_NETLINK_H

#include <linux/key.h>
#include <net/genetlink.h>
#include <linux/m2msec.h>

extern struct genl_family m2msec_genl_family;

int m2msec_netlink_init(void);
void m2msec_netlink_exit(void);

int m2msec_nl_require(struct genl_info *info, int attr, const char *name);
void m2msec_nl_notify_key(struct net *net, u8 mode, key_serial_t serial,
			  const u8 key_id[M2MSEC_KEY_ID_LEN],
			  const u8 node_id[M2MSEC_NODE_ID_LEN]);

struct m2msec_peer;
struct m2msec_keypair;
/*
 * m2msec_nl_notify_peer - send a PEER_EVENT (enum m2msec_peer_event) about
 * peer, and about kp's key when kp is not NULL, to the "events" group of
 * the device's namespace. Callable in atomic context (GFP_ATOMIC).
 */
void m2msec_nl_notify_peer(struct m2msec_peer *peer, u8 event,
			   const struct m2msec_keypair *kp);

/* Handlers of the device and peer commands (netlink_dev.c). */
int m2msec_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int m2msec_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_peer_get_dumpit(struct sk_buff *skb,
			      struct netlink_callback *cb);

/*
 * M2MSEC_NL_SET_ERR_MSG_FMT - set a formatted extended ack message of at
 * most 79 characters. Linux 6.1 has no NL_SET_ERR_MSG_FMT, so there the
 * text goes to a small ring of static buffers in netlink.c.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define M2MSEC_NL_SET_ERR_MSG_FMT(extack, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
__printf(2, 3)
void m2msec_nl_set_err_msg_fmt(struct netlink_ext_ack *extack,
			       const char *fmt, ...);
#define M2MSEC_NL_SET_ERR_MSG_FMT(extack, fmt, args...) \
	m2msec_nl_set_err_msg_fmt(extack, fmt, ##args)
#endif

#endif /* _M2MSEC_NETLINK_H */
