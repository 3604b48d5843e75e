// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the endpoint and CIDR parsers and formatters that m2mctl
 * and m2md share. Names are never resolved here: only numeric hosts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#include "check.h"

static void test_endpoint_ipv4(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	char buf[M2M_ENDPOINT_STRLEN], msg[256];
	int ret;

	ret = m2m_endpoint_parse("192.0.2.7:5685", false, &ss, msg,
				 sizeof(msg));
	CHECK(ret == 0, "IPv4 endpoint parses: %s", msg);
	CHECK(ss.ss_family == AF_INET, "family %u", ss.ss_family);
	CHECK(ntohs(sin->sin_port) == 5685, "port %u", ntohs(sin->sin_port));
	CHECK(sin->sin_addr.s_addr == htonl(0xc0000207), "address");
	m2m_endpoint_format(&ss, buf, sizeof(buf));
	CHECK(!strcmp(buf, "192.0.2.7:5685"), "formatted \"%s\"", buf);
}

static void test_endpoint_ipv6(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char buf[M2M_ENDPOINT_STRLEN], msg[256];
	int ret;

	ret = m2m_endpoint_parse("[2001:db8::1]:65535", false, &ss, msg,
				 sizeof(msg));
	CHECK(ret == 0, "IPv6 endpoint parses: %s", msg);
	CHECK(ss.ss_family == AF_INET6, "family %u", ss.ss_family);
	CHECK(ntohs(sin6->sin6_port) == 65535, "port");
	m2m_endpoint_format(&ss, buf, sizeof(buf));
	CHECK(!strcmp(buf, "[2001:db8::1]:65535"), "formatted \"%s\"", buf);
}

static void test_endpoint_none(void)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	char buf[M2M_ENDPOINT_STRLEN];

	m2m_endpoint_format(&ss, buf, sizeof(buf));
	CHECK(!strcmp(buf, "(none)"), "no endpoint formatted \"%s\"", buf);
}

static void test_endpoint_invalid(void)
{
	static const char *const bad[] = {
		"192.0.2.7", "192.0.2.7:", "192.0.2.7:0", "192.0.2.7:65536",
		"192.0.2.7:-1", "192.0.2.7:+5", "192.0.2.7:80x",
		"2001:db8::1:5685", "[2001:db8::1]", "[2001:db8::1]5685",
		"[192.0.2.7]:5685", ":5685", "[]:5685", "host.example:5685",
		"[host.example]:5685", "",
	};
	struct sockaddr_storage ss;
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		CHECK(m2m_endpoint_parse(bad[i], false, &ss, msg,
					 sizeof(msg)) == -EINVAL,
		      "endpoint \"%s\" is rejected", bad[i]);
		CHECK(msg[0] != '\0', "endpoint \"%s\" has a message", bad[i]);
	}
}

static void test_cidr_parse(void)
{
	struct m2m_allowedip ip;
	char buf[M2M_CIDR_STRLEN], msg[256];

	CHECK(m2m_cidr_parse("10.201.0.0/16", &ip, msg, sizeof(msg)) == 0,
	      "IPv4 prefix parses: %s", msg);
	CHECK(ip.family == AF_INET, "IPv4 family %u", ip.family);
	CHECK(ip.cidr == 16, "IPv4 length %u", ip.cidr);
	CHECK(ip.addr[0] == 10, "IPv4 first byte %u", ip.addr[0]);
	CHECK(ip.addr[1] == 201, "IPv4 second byte %u", ip.addr[1]);
	m2m_cidr_format(&ip, buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.201.0.0/16"), "formatted \"%s\"", buf);

	CHECK(m2m_cidr_parse("fd6d:326d:6d32::/64", &ip, msg,
			     sizeof(msg)) == 0, "IPv6 prefix parses: %s", msg);
	CHECK(ip.family == AF_INET6, "IPv6 family %u", ip.family);
	CHECK(ip.cidr == 64, "IPv6 length %u", ip.cidr);
	m2m_cidr_format(&ip, buf, sizeof(buf));
	CHECK(!strcmp(buf, "fd6d:326d:6d32::/64"), "formatted \"%s\"", buf);

	CHECK(m2m_cidr_parse("fd6d::1", &ip, msg, sizeof(msg)) == 0,
	      "bare IPv6 address parses");
	CHECK(ip.cidr == 128, "bare IPv6 address is a /128, got %u", ip.cidr);
	CHECK(m2m_cidr_parse("0.0.0.0/0", &ip, msg, sizeof(msg)) == 0,
	      "default route parses");
	CHECK(ip.cidr == 0, "default route length %u", ip.cidr);
}

static void test_cidr_invalid(void)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "fd00::/129", "10.0.0.1/8", "fd00::1/64",
		"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x",
		"/8", "10.0.0/8", "host/8", "",
	};
	struct m2m_allowedip ip;
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		CHECK(m2m_cidr_parse(bad[i], &ip, msg, sizeof(msg)) == -EINVAL,
		      "prefix \"%s\" is rejected", bad[i]);
		CHECK(msg[0] != '\0', "prefix \"%s\" has a message", bad[i]);
	}
	m2m_cidr_parse("10.0.0.1/8", &ip, msg, sizeof(msg));
	CHECK(strstr(msg, "10.0.0.0/8") != NULL,
	      "host-bit message suggests the prefix: %s", msg);
}

static void test_cidr_list(void)
{
	struct m2m_allowedip ips[4];
	char buf[256], msg[256];
	int n;

	n = m2m_cidr_list_parse("fd6d:326d:6d32::/64,10.201.0.0/16", ips, 4,
				msg, sizeof(msg));
	CHECK(n == 2, "two prefixes parsed, got %d: %s", n, msg);
	CHECK(m2m_cidr_list_format(ips, 2, buf, sizeof(buf)) == 0,
	      "list formats");
	CHECK(!strcmp(buf, "fd6d:326d:6d32::/64,10.201.0.0/16"),
	      "list formatted \"%s\"", buf);
	CHECK(m2m_cidr_list_format(ips, 0, buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "(none)"), "empty list formatted \"%s\"", buf);
	CHECK(m2m_cidr_list_format(ips, 2, buf, 10) == -ENOSPC,
	      "short buffer is reported");

	CHECK(m2m_cidr_list_parse("10.0.0.0/8,", ips, 4, msg,
				  sizeof(msg)) == -EINVAL,
	      "trailing comma is rejected");
	CHECK(m2m_cidr_list_parse(",10.0.0.0/8", ips, 4, msg,
				  sizeof(msg)) == -EINVAL,
	      "leading comma is rejected");
	CHECK(m2m_cidr_list_parse("1.0.0.0/8,2.0.0.0/8,3.0.0.0/8", ips, 2,
				  msg, sizeof(msg)) == -EINVAL,
	      "list longer than max is rejected");
	CHECK(m2m_cidr_list_parse("10.0.0.0/8,bad", ips, 4, msg,
				  sizeof(msg)) == -EINVAL,
	      "bad item is rejected");
}

static void test_prefix_mask(void)
{
	uint8_t addr[4] = { 0xff, 0xff, 0xff, 0xff };

	m2m_prefix_mask(addr, sizeof(addr), 12);
	CHECK(addr[0] == 0xff, "/12 mask byte 0 %02x", addr[0]);
	CHECK(addr[1] == 0xf0, "/12 mask byte 1 %02x", addr[1]);
	CHECK(addr[2] == 0, "/12 mask byte 2 %02x", addr[2]);
	CHECK(addr[3] == 0, "/12 mask byte 3 %02x", addr[3]);
}

int main(void)
{
	test_endpoint_ipv4();
	test_endpoint_ipv6();
	test_endpoint_none();
	test_endpoint_invalid();
	test_cidr_parse();
	test_cidr_invalid();
	test_cidr_list();
	test_prefix_mask();
	printf("common_addr_test: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
