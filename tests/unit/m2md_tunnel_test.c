// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the tunnel's address derivation from node ids, the URL
 * through the tunnel, and the list of replaced keys. Nothing here needs
 * the module: the interface itself is tested in the VM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <keyutils.h>

#include "m2md_test.h"
#include "tunnel.h"

static const uint8_t node_id[M2MSEC_NODE_ID_LEN] = {
	0xdd, 0x86, 0x92, 0x5a, 0x7b, 0x7b, 0x37, 0x3a,
	0x56, 0x12, 0x3e, 0xbd, 0x1a, 0xe3, 0x13, 0x21,
};

static void prefix(const char *text, struct m2m_allowedip *ip)
{
	char msg[128];

	if (m2m_cidr_parse(text, ip, msg, sizeof(msg)))
		printf("bad test prefix %s: %s\n", text, msg);
}

static void test_addr6(void)
{
	struct m2m_allowedip p;
	char text[INET6_ADDRSTRLEN];
	uint8_t addr[16];

	prefix("fd6d:326d:6d32::/64", &p);
	m2md_tunnel_network_addr6(&p, addr);
	inet_ntop(AF_INET6, addr, text, sizeof(text));
	CHECK(!strcmp(text, "fd6d:326d:6d32::1"), "network address %s", text);
	m2md_tunnel_gateway_addr6(&p, node_id, addr);
	inet_ntop(AF_INET6, addr, text, sizeof(text));
	CHECK(!strcmp(text, "fd6d:326d:6d32:0:5612:3ebd:1ae3:1321"),
	      "gateway address %s", text);
	CHECK(m2md_tunnel_in_prefix(&p, addr), "gateway address in prefix");
	CHECK(m2md_tunnel_addr_is_node(&p, addr, node_id),
	      "gateway address matches its node id");
	addr[15] ^= 1;
	CHECK(!m2md_tunnel_addr_is_node(&p, addr, node_id),
	      "another address does not match");
	addr[0] ^= 0x80;
	CHECK(!m2md_tunnel_in_prefix(&p, addr), "address outside the prefix");
}

static void test_addr4(void)
{
	struct m2m_allowedip p;
	uint8_t addr[4], other_id[M2MSEC_NODE_ID_LEN];
	int i, host, hits_reserved = 0;

	prefix("10.201.0.0/16", &p);
	m2md_tunnel_network_addr4(&p, addr);
	CHECK(addr[0] == 10, "network first byte %u", addr[0]);
	CHECK(addr[1] == 201, "network second byte %u", addr[1]);
	CHECK(addr[2] == 0, "network third byte %u", addr[2]);
	CHECK(addr[3] == 1, "network is host 1: %u", addr[3]);
	memcpy(other_id, node_id, sizeof(other_id));
	for (i = 0; i < 5000; i++) {
		other_id[0] = (uint8_t)i;
		other_id[1] = (uint8_t)(i >> 8);
		m2md_tunnel_gateway_addr4(&p, other_id, addr);
		host = addr[2] << 8 | addr[3];
		if (addr[0] != 10 || addr[1] != 201 || host < 2 ||
		    host == 0xffff)
			hits_reserved++;
	}
	CHECK(hits_reserved == 0, "%d of 5000 gateway addresses reserved",
	      hits_reserved);

	prefix("192.168.50.0/24", &p);
	for (i = 0; i < 2000; i++) {
		other_id[0] = (uint8_t)i;
		other_id[1] = (uint8_t)(i >> 8);
		m2md_tunnel_gateway_addr4(&p, other_id, addr);
		if (addr[2] != 50 || addr[3] < 2 || addr[3] == 255)
			hits_reserved++;
	}
	CHECK(hits_reserved == 0, "%d of 2000 /24 addresses reserved",
	      hits_reserved);
	m2md_tunnel_gateway_addr4(&p, node_id, addr);
	CHECK(addr[3] >= 2, "host %u above the network", addr[3]);
	CHECK(addr[3] <= 254, "host %u below the broadcast", addr[3]);
}

static void test_url_split(void)
{
	char host[64], path[64];
	uint16_t port;

	CHECK(m2md_url_split("http://10.77.0.1:8080/nscl", host, sizeof(host),
			     &port, path, sizeof(path)) == 0, "IPv4 URL");
	CHECK(!strcmp(host, "10.77.0.1"), "host %s", host);
	CHECK(port == 8080, "port %u", port);
	CHECK(!strcmp(path, "/nscl"), "path %s", path);
	CHECK(m2md_url_split("http://[fd00::1]/x/y", host, sizeof(host), &port,
			     path, sizeof(path)) == 0, "IPv6 URL");
	CHECK(!strcmp(host, "fd00::1"), "host %s", host);
	CHECK(port == 80, "default http port %u", port);
	CHECK(!strcmp(path, "/x/y"), "path %s", path);
	CHECK(m2md_url_split("https://nscl.example", host, sizeof(host),
			     &port, path, sizeof(path)) == 0, "https URL");
	CHECK(port == 443, "https port %u", port);
	CHECK(path[0] == '\0', "empty path %s", path);
	CHECK(m2md_url_split("ftp://a", host, sizeof(host), &port, path,
			     sizeof(path)) == -EINVAL, "ftp rejected");
	CHECK(m2md_url_split("http://a:0/", host, sizeof(host), &port, path,
			     sizeof(path)) == -EINVAL, "port 0 rejected");
	CHECK(m2md_url_split("http://[fd00::1/", host, sizeof(host), &port,
			     path, sizeof(path)) == -EINVAL,
	      "unclosed bracket rejected");
}

static void test_nscl_base(void)
{
	struct m2md_config cfg;
	char base[M2MD_URL_MAX + 64];

	m2md_config_defaults(&cfg);
	snprintf(cfg.nscl_url, sizeof(cfg.nscl_url), "http://10.77.0.1:8080");
	snprintf(cfg.nscl_base, sizeof(cfg.nscl_base),
		 "http://10.77.0.1:8080/nscl");
	CHECK(m2md_tunnel_nscl_base(&cfg, base, sizeof(base)) == 0,
	      "base builds");
	CHECK(!strcmp(base, "http://[fd6d:326d:6d32::1]:8080/nscl"),
	      "base %s", base);
}

static void test_retired_keys(void)
{
	struct m2md_retired_keys keys = { 0 };
	int i;

	/* Serials that do not exist: the unlink fails and is logged. */
	m2md_retired_add(&keys, 0x7ffffff0, KEY_SPEC_SESSION_KEYRING, 1000);
	m2md_retired_add(&keys, 0x7ffffff1, KEY_SPEC_SESSION_KEYRING, 1005);
	CHECK(keys.n == 2, "two retired keys, got %zu", keys.n);
	CHECK(keys.unlink_at[0] == 1000 + M2MSEC_KEY_GRACE_SECS + 1,
	      "unlink after the grace: %lld", (long long)keys.unlink_at[0]);
	m2md_retired_reap(&keys, KEY_SPEC_SESSION_KEYRING, 1005, false);
	CHECK(keys.n == 2, "nothing due before the grace");
	m2md_retired_reap(&keys, KEY_SPEC_SESSION_KEYRING, 1012, false);
	CHECK(keys.n == 1, "first key reaped, %zu left", keys.n);
	CHECK(keys.serial[0] == 0x7ffffff1, "second key kept");
	m2md_retired_reap(&keys, KEY_SPEC_SESSION_KEYRING, 0, true);
	CHECK(keys.n == 0, "all reaped");

	for (i = 0; i < M2MD_RETIRED_MAX + 3; i++)
		m2md_retired_add(&keys, 0x7fff0000 + i,
				 KEY_SPEC_SESSION_KEYRING, 2000);
	CHECK(keys.n == M2MD_RETIRED_MAX, "full list stays at %zu", keys.n);
	CHECK(keys.serial[0] == 0x7fff0003, "oldest entries made room");
	m2md_retired_reap(&keys, KEY_SPEC_SESSION_KEYRING, 0, true);
}

int main(void)
{
	test_addr6();
	test_addr4();
	test_url_split();
	test_nscl_base();
	test_retired_keys();
	printf("m2md_tunnel_test: %d passed, %d failed\n", checks - failures,
	       failures);
	return failures ? 1 : 0;
}
