/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_KMA_H
#define _M2MSEC_KMA_H

#include <linux/key.h>
#include <net/genetlink.h>
#include <linux/m2msec.h>

key_serial_t m2msec_kma_derive(const u8 key_id[M2MSEC_KEY_ID_LEN],
			       const char *app_id, key_serial_t keyring,
			       u32 uid, struct netlink_ext_ack *extack);

/* Sizes of the DIGEST and MAC attributes of M2MSEC_CMD_KMA_VERIFY. */
#define M2MSEC_KMA_DIGEST_LEN	32
#define M2MSEC_KMA_MAC_LEN	32

int m2msec_kma_verify(const u8 key_id[M2MSEC_KEY_ID_LEN], const char *app_id,
		      const u8 digest[M2MSEC_KMA_DIGEST_LEN],
		      const u8 mac[M2MSEC_KMA_MAC_LEN],
		      struct netlink_ext_ack *extack);

/* Generic netlink handler of M2MSEC_CMD_KMA_DERIVE (see uapi). */
int m2msec_nl_kma_derive_doit(struct sk_buff *skb, struct genl_info *info);
/* Generic netlink handler of M2MSEC_CMD_KMA_VERIFY (see uapi). */
int m2msec_nl_kma_verify_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _M2MSEC_KMA_H */
