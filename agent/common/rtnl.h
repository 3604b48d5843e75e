/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink requests that m2md needs for its tunnel interface,
 * over libmnl: create a link of a kind, add an address, set it up.
 * Errors carry the kernel's extended ack text, as in nl.h.
 */
#ifndef M2M_RTNL_H
#define M2M_RTNL_H

#include <stdint.h>

#include "nl.h"

/*
 * Create the link ifname of kind (RTM_NEWLINK with IFLA_INFO_KIND).
 * Returns 0, -EEXIST when a link of that name exists, or another
 * negative errno (-EOPNOTSUPP when no module provides the kind).
 */
int m2m_rtnl_link_create(const char *ifname, const char *kind,
			 struct m2m_nl_err *err);

/* Set the link ifindex administratively up. */
int m2m_rtnl_link_up(uint32_t ifindex, struct m2m_nl_err *err);

/*
 * Add addr/plen (family AF_INET or AF_INET6) to the link ifindex, or
 * keep it when the link has it. IPv6 addresses skip duplicate address
 * detection, because the tunnel is point to point and a server must be
 * able to bind the address at once.
 */
int m2m_rtnl_addr_add(uint32_t ifindex, int family, const void *addr,
		      unsigned int plen, struct m2m_nl_err *err);

/* Add a route to dst/plen through the link ifindex, or keep it. */
int m2m_rtnl_route_add(uint32_t ifindex, int family, const void *dst,
		       unsigned int plen, struct m2m_nl_err *err);

#endif /* M2M_RTNL_H */
