/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_NETLINK_H
#define _M2MSEC_NETLINK_H

#include <net/genetlink.h>

extern struct genl_family m2msec_genl_family;

int m2msec_netlink_init(void);
void m2msec_netlink_exit(void);

#endif /* _M2MSEC_NETLINK_H */
