/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_KMA_H
#define _M2MSEC_KMA_H

#include <linux/key.h>
#include <net/genetlink.h>
#include <linux/m2msec.h>

key_serial_t m2msec_kma_derive(const u8 key_id[M2MSEC_KEY_ID_LEN],
			       const char *app_id, key_serial_t keyring,
			       u32 uid, struct netlink_ext_ack *extack);

/* Generic netlink handler of M2MSEC_CMD_KMA_DERIVE (see uapi). */
int m2msec_nl_kma_derive_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _M2MSEC_KMA_H */
