// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests for the tunnel interface, over libmnl. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nl_msg.h"
#include "rtnl.h"

#define M2M_RTNL_BUF_SIZE	8192

/* Send one request with NLM_F_ACK and wait for its ack or error. */
static int m2m_rtnl_request(struct nlmsghdr *nlh, struct m2m_nl_err *err)
{
	char *buf = malloc(M2M_RTNL_BUF_SIZE);
	struct mnl_socket *sock;
	uint32_t portid;
	int one = 1, ret;
	ssize_t len;

	if (!buf) {
		m2m_nl_set_err(err, ENOMEM, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = errno;
		m2m_nl_set_err(err, ret, "opening an rtnetlink socket failed: %s",
			       strerror(ret));
		if (sock)
			mnl_socket_close(sock);
		free(buf);
		return -ret;
	}
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	portid = mnl_socket_get_portid(sock);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ret = 0;
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		ret = errno;
		m2m_nl_set_err(err, ret, "rtnetlink send failed: %s",
			       strerror(ret));
		ret = -ret;
	}
	while (!ret) {
		len = mnl_socket_recvfrom(sock, buf, M2M_RTNL_BUF_SIZE);
		if (len < 0) {
			ret = -errno;
			m2m_nl_set_err(err, -ret,
				       "rtnetlink receive failed: %s",
				       strerror(-ret));
			break;
		}
		/* No data replies are expected: the type never matches. */
		ret = m2m_nl_msg_run(buf, (size_t)len, nlh->nlmsg_seq, portid,
				     NLMSG_MIN_TYPE - 1, NULL, NULL, err);
	}
	mnl_socket_close(sock);
	free(buf);
	return ret < 0 ? ret : 0;
}

int m2m_rtnl_link_create(const char *ifname, const char *kind,
			 struct m2m_nl_err *err)
{
	char buf[M2M_RTNL_BUF_SIZE];
	struct nlattr *linkinfo;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, linkinfo);
	return m2m_rtnl_request(nlh, err);
}

int m2m_rtnl_link_up(uint32_t ifindex, struct m2m_nl_err *err)
{
	char buf[M2M_RTNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return m2m_rtnl_request(nlh, err);
}

int m2m_rtnl_addr_add(uint32_t ifindex, int family, const void *addr,
		      unsigned int plen, struct m2m_nl_err *err)
{
	size_t alen = family == AF_INET ? 4 : 16;
	char buf[M2M_RTNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return m2m_rtnl_request(nlh, err);
}

int m2m_rtnl_route_add(uint32_t ifindex, int family, const void *dst,
		       unsigned int plen, struct m2m_nl_err *err)
{
	size_t alen = family == AF_INET ? 4 : 16;
	char buf[M2M_RTNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return m2m_rtnl_request(nlh, err);
}
