/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_HANDSHAKE_H
#define _M2MSEC_HANDSHAKE_H

#include <net/genetlink.h>

/* Per network namespace table of half-open handshakes. */
int m2msec_handshake_init(void);
void m2msec_handshake_exit(void);

/* Generic netlink handlers of the handshake commands (see uapi). */
int m2msec_nl_hs_init_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_hs_respond_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_hs_complete_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_hs_finish_doit(struct sk_buff *skb, struct genl_info *info);
int m2msec_nl_hs_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _M2MSEC_HANDSHAKE_H */
