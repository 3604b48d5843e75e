// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the data-plane messages and their text output, without a
 * socket: peer requests are parsed back attribute by attribute, hand-built
 * kernel replies go through the reply parsers, and the dump lines are
 * split into their fields.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "dev_fmt.h"
#include "dev_msg.h"

#include "check.h"

#define FAMILY	0x1c
#define SEQ	77

static const uint8_t node_id[M2MSEC_NODE_ID_LEN] = {
	0x0f, 0x06, 0x2d, 0xf3, 0x74, 0xc2, 0xdd, 0xab,
	0x6d, 0x22, 0x98, 0x07, 0xed, 0x52, 0xe1, 0xff,
};
static const uint8_t key_id[M2MSEC_KEY_ID_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

struct attr_table {
	const struct nlattr *a[M2MSEC_A_MAX + 1];
	int count[M2MSEC_A_MAX + 1];
};

static int table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= M2MSEC_A_MAX) {
		t->a[type] = attr;
		t->count[type]++;
	}
	return MNL_CB_OK;
}

static void table_fill(const struct nlmsghdr *nlh, struct attr_table *t)
{
	memset(t, 0, sizeof(*t));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_cb, t);
}

static void make_allowedips(struct m2m_allowedip ips[2])
{
	char msg[128];

	m2m_cidr_parse("fd6d:326d:6d32::/64", &ips[0], msg, sizeof(msg));
	m2m_cidr_parse("10.201.0.0/16", &ips[1], msg, sizeof(msg));
}

static void test_peer_request(void)
{
	struct m2m_allowedip ips[2];
	struct m2m_peer_req req = {
		.ifname = "m2m0",
		.key_serial = 123456,
		.has_endpoint = true,
		.has_allowed_ips = true,
		.allowed_ips = ips,
		.n_allowed_ips = 2,
		.has_keepalive = true,
		.keepalive = 25,
	};
	char buf[M2M_NL_REQ_SIZE], msg[128];
	const struct nlattr *pos;
	struct attr_table t;
	struct nlmsghdr *nlh;
	int ret, n = 0;

	make_allowedips(ips);
	m2m_endpoint_parse("[2001:db8::2]:5685", false, &req.endpoint, msg,
			   sizeof(msg));
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_NEW, NLM_F_ACK,
			       SEQ);
	ret = m2m_nl_msg_put_peer(nlh, sizeof(buf), &req, NULL);
	CHECK(ret == 0, "peer request builds: %d", ret);
	table_fill(nlh, &t);
	CHECK(t.a[M2MSEC_A_IFNAME] &&
	      !strcmp(mnl_attr_get_str(t.a[M2MSEC_A_IFNAME]), "m2m0"),
	      "IFNAME m2m0");
	CHECK(t.a[M2MSEC_A_KEY_SERIAL] &&
	      mnl_attr_get_u32(t.a[M2MSEC_A_KEY_SERIAL]) == 123456,
	      "KEY_SERIAL");
	CHECK(!t.a[M2MSEC_A_NODE_ID], "no NODE_ID without has_node_id");
	CHECK(t.a[M2MSEC_A_ENDPOINT] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_ENDPOINT]) ==
	      sizeof(struct sockaddr_in6), "ENDPOINT is a sockaddr_in6");
	CHECK(t.a[M2MSEC_A_KEEPALIVE] &&
	      mnl_attr_get_u16(t.a[M2MSEC_A_KEEPALIVE]) == 25, "KEEPALIVE");
	CHECK(t.a[M2MSEC_A_ALLOWED_IPS] != NULL, "ALLOWED_IPS present");
	if (!t.a[M2MSEC_A_ALLOWED_IPS])
		return;
	mnl_attr_for_each_nested(pos, t.a[M2MSEC_A_ALLOWED_IPS]) {
		CHECK(mnl_attr_get_type(pos) == M2MSEC_A_ALLOWED_IP,
		      "list entry type %u", mnl_attr_get_type(pos));
		n++;
	}
	CHECK(n == 2, "two ALLOWED_IP entries, got %d", n);
}

static void test_peer_request_clear_list(void)
{
	struct m2m_peer_req req = {
		.ifname = "m2m0",
		.has_node_id = true,
		.has_allowed_ips = true,
	};
	char buf[M2M_NL_REQ_SIZE];
	struct attr_table t;
	struct nlmsghdr *nlh;

	memcpy(req.node_id, node_id, sizeof(node_id));
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_SET, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_peer(nlh, sizeof(buf), &req, NULL) == 0,
	      "PEER_SET request builds");
	table_fill(nlh, &t);
	CHECK(t.a[M2MSEC_A_NODE_ID] &&
	      !memcmp(mnl_attr_get_payload(t.a[M2MSEC_A_NODE_ID]), node_id,
		      sizeof(node_id)), "NODE_ID");
	CHECK(t.a[M2MSEC_A_ALLOWED_IPS] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_ALLOWED_IPS]) == 0,
	      "empty ALLOWED_IPS clears the list");
	CHECK(!t.a[M2MSEC_A_KEY_SERIAL], "no KEY_SERIAL when unset");
	CHECK(!t.a[M2MSEC_A_ENDPOINT], "no ENDPOINT when unset");
	CHECK(!t.a[M2MSEC_A_KEEPALIVE], "no KEEPALIVE when unset");
}

static void test_peer_request_invalid(void)
{
	struct m2m_peer_req req = { .ifname = "a-name-of-16-chr" };
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err = { 0 };
	struct nlmsghdr *nlh;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_DEL, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_peer(nlh, sizeof(buf), &req, &err) == -EINVAL,
	      "16-character interface name is rejected");
	CHECK(strstr(err.msg, "a-name-of-16-chr") != NULL,
	      "message names the interface: %s", err.msg);
	req.ifname = "m2m0";
	req.has_endpoint = true;
	req.endpoint.ss_family = AF_UNIX;
	CHECK(m2m_nl_msg_put_peer(nlh, sizeof(buf), &req, &err) == -EINVAL,
	      "AF_UNIX endpoint is rejected");
	CHECK(m2m_nl_msg_put_peer(nlh, 40, &(struct m2m_peer_req){
		.ifname = "m2m0", .key_serial = 1, .has_node_id = true },
		&err) == -EMSGSIZE, "short buffer is reported");
}

static void put_reply_allowedip(struct nlmsghdr *nlh, uint16_t family,
				const void *addr, size_t alen, uint8_t cidr)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, M2MSEC_A_ALLOWED_IP);

	mnl_attr_put_u16(nlh, M2MSEC_ALLOWEDIP_A_FAMILY, family);
	mnl_attr_put(nlh, M2MSEC_ALLOWEDIP_A_ADDR, alen, addr);
	mnl_attr_put_u8(nlh, M2MSEC_ALLOWEDIP_A_CIDR, cidr);
	mnl_attr_nest_end(nlh, nest);
}

/* Build a PEER_GET reply as the kernel sends it, with a key. */
static struct nlmsghdr *build_peer_reply(char *buf)
{
	static const uint8_t v6[16] = { 0xfd, 0x6d, 0x32, 0x6d, 0x6d, 0x32 };
	static const uint8_t v4[4] = { 10, 201, 0, 0 };
	struct sockaddr_in ep = { .sin_family = AF_INET,
				  .sin_port = htons(5685) };
	struct nlmsghdr *nlh;
	struct nlattr *list;

	ep.sin_addr.s_addr = htonl(0xc0000207);
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_GET, 0, SEQ);
	mnl_attr_put_u32(nlh, M2MSEC_A_IFINDEX, 7);
	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, sizeof(node_id), node_id);
	mnl_attr_put(nlh, M2MSEC_A_ENDPOINT, sizeof(ep), &ep);
	list = mnl_attr_nest_start(nlh, M2MSEC_A_ALLOWED_IPS);
	put_reply_allowedip(nlh, AF_INET6, v6, 16, 64);
	put_reply_allowedip(nlh, AF_INET, v4, 4, 16);
	mnl_attr_nest_end(nlh, list);
	mnl_attr_put_u16(nlh, M2MSEC_A_KEEPALIVE, 25);
	mnl_attr_put_u32(nlh, M2MSEC_A_KEY_SERIAL, 99);
	mnl_attr_put(nlh, M2MSEC_A_KEY_ID, sizeof(key_id), key_id);
	mnl_attr_put_u8(nlh, M2MSEC_A_SUITE, M2MSEC_SUITE_CHACHA20POLY1305);
	mnl_attr_put_u8(nlh, M2MSEC_A_ROLE, M2MSEC_ROLE_RESPONDER);
	mnl_attr_put_u32(nlh, M2MSEC_A_INDEX, 11);
	mnl_attr_put_u32(nlh, M2MSEC_A_PEER_INDEX, 12);
	mnl_attr_put_u64(nlh, M2MSEC_A_KEY_EXPIRES, 2000000000ULL);
	mnl_attr_put_u64(nlh, M2MSEC_A_RX_BYTES, 1536);
	mnl_attr_put_u64(nlh, M2MSEC_A_TX_BYTES, 100);
	mnl_attr_put_u64(nlh, M2MSEC_A_RX_PACKETS, 3);
	mnl_attr_put_u64(nlh, M2MSEC_A_TX_PACKETS, 4);
	mnl_attr_put_u64(nlh, M2MSEC_A_DROP_REPLAY, 5);
	mnl_attr_put_u64(nlh, M2MSEC_A_LAST_HANDSHAKE, 1700000000123ULL);
	return nlh;
}

static void test_peer_reply(void)
{
	char buf[M2M_NL_REQ_SIZE], text[128];
	struct m2m_nl_err err = { 0 };
	struct m2m_peer peer;
	int ret;

	ret = m2m_nl_msg_parse_peer(build_peer_reply(buf), &peer, &err);
	CHECK(ret == 0, "peer reply parses: %s", err.msg);
	if (ret)
		return;
	CHECK(!memcmp(peer.node_id, node_id, sizeof(node_id)), "node id");
	CHECK(peer.ifindex == 7, "ifindex %u", peer.ifindex);
	CHECK(peer.has_key, "peer has a key");
	CHECK(peer.key_serial == 99, "key serial %d", peer.key_serial);
	CHECK(!memcmp(peer.key_id, key_id, sizeof(key_id)), "key id");
	CHECK(peer.suite == M2MSEC_SUITE_CHACHA20POLY1305, "suite");
	CHECK(peer.role == M2MSEC_ROLE_RESPONDER, "role");
	CHECK(peer.index == 11, "index %u", peer.index);
	CHECK(peer.peer_index == 12, "peer index %u", peer.peer_index);
	CHECK(peer.keepalive == 25, "keepalive");
	CHECK(peer.rx_bytes == 1536, "rx bytes");
	CHECK(peer.tx_bytes == 100, "tx bytes");
	CHECK(peer.drop_replay == 5, "replay drops");
	CHECK(peer.drop_auth == 0, "auth drops");
	CHECK(peer.n_allowed_ips == 2, "two prefixes, got %zu",
	      peer.n_allowed_ips);
	m2m_cidr_list_format(peer.allowed_ips, peer.n_allowed_ips, text,
			     sizeof(text));
	CHECK(!strcmp(text, "fd6d:326d:6d32::/64,10.201.0.0/16"),
	      "prefixes \"%s\"", text);
	m2m_endpoint_format(&peer.endpoint, text, sizeof(text));
	CHECK(!strcmp(text, "192.0.2.7:5685"), "endpoint \"%s\"", text);
	m2m_peer_clear(&peer);
}

static void test_peer_reply_malformed(void)
{
	static const uint8_t v4[4] = { 10, 0, 0, 0 };
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err = { 0 };
	struct m2m_peer peer;
	struct nlmsghdr *nlh;
	struct nlattr *list;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_GET, 0, SEQ);
	CHECK(m2m_nl_msg_parse_peer(nlh, &peer, &err) == -EPROTO,
	      "reply without NODE_ID is rejected");

	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, sizeof(node_id), node_id);
	list = mnl_attr_nest_start(nlh, M2MSEC_A_ALLOWED_IPS);
	put_reply_allowedip(nlh, AF_INET, v4, 4, 33);
	mnl_attr_nest_end(nlh, list);
	CHECK(m2m_nl_msg_parse_peer(nlh, &peer, &err) == -EPROTO,
	      "IPv4 prefix of length 33 is rejected");
	CHECK(peer.allowed_ips == NULL, "list freed after a failure");

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_GET, 0, SEQ);
	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, sizeof(node_id), node_id);
	mnl_attr_put(nlh, M2MSEC_A_ENDPOINT, 20, buf);
	CHECK(m2m_nl_msg_parse_peer(nlh, &peer, &err) == -EPROTO,
	      "ENDPOINT of 20 bytes is rejected");

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_GET, 0, SEQ);
	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, sizeof(node_id), node_id);
	mnl_attr_put_u32(nlh, M2MSEC_A_RX_BYTES, 1);
	CHECK(m2m_nl_msg_parse_peer(nlh, &peer, &err) == -EPROTO,
	      "RX_BYTES of 4 bytes is rejected");
}

static void test_dev_reply(void)
{
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err = { 0 };
	struct nlmsghdr *nlh;
	struct m2m_dev dev;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_DEV_GET, 0, SEQ);
	mnl_attr_put_u32(nlh, M2MSEC_A_IFINDEX, 7);
	CHECK(m2m_nl_msg_parse_dev(nlh, &dev, &err) == -EPROTO,
	      "device reply without IFNAME is rejected");
	mnl_attr_put_strz(nlh, M2MSEC_A_IFNAME, "m2m0");
	mnl_attr_put_u16(nlh, M2MSEC_A_PORT, 5685);
	mnl_attr_put_u32(nlh, M2MSEC_A_PEERS, 2);
	mnl_attr_put_u64(nlh, M2MSEC_A_DROP_MALFORMED, 9);
	CHECK(m2m_nl_msg_parse_dev(nlh, &dev, &err) == 0,
	      "device reply parses: %s", err.msg);
	CHECK(!strcmp(dev.ifname, "m2m0"), "name %s", dev.ifname);
	CHECK(dev.ifindex == 7, "index %u", dev.ifindex);
	CHECK(dev.port == 5685, "port %u", dev.port);
	CHECK(dev.peers == 2, "peers %u", dev.peers);
	CHECK(dev.drop_malformed == 9, "malformed drops");
	CHECK(dev.drop_no_peer == 0, "no-peer drops");
}

static void test_event(void)
{
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err = { 0 };
	struct nlmsghdr *nlh;
	struct m2m_event ev;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_EVENT, 0, 0);
	mnl_attr_put_u8(nlh, M2MSEC_A_EVENT, M2MSEC_EVENT_REKEY_WANTED);
	mnl_attr_put_u32(nlh, M2MSEC_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, M2MSEC_A_IFNAME, "m2m0");
	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, sizeof(node_id), node_id);
	mnl_attr_put(nlh, M2MSEC_A_KEY_ID, sizeof(key_id), key_id);
	CHECK(m2m_nl_msg_parse_event(nlh, &ev, &err) == 0,
	      "PEER_EVENT parses: %s", err.msg);
	CHECK(ev.cmd == M2MSEC_CMD_PEER_EVENT &&
	      ev.event == M2MSEC_EVENT_REKEY_WANTED, "event type");
	CHECK(!strcmp(m2m_event_name(ev.event), "rekey-wanted"),
	      "event name %s", m2m_event_name(ev.event));
	CHECK(ev.has_node_id, "event has a node id");
	CHECK(ev.has_key_id, "event has a key id");
	CHECK(!ev.key_serial, "event has no serial");

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_PEER_EVENT, 0, 0);
	CHECK(m2m_nl_msg_parse_event(nlh, &ev, &err) == -EPROTO,
	      "PEER_EVENT without EVENT is rejected");
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_GET, 0, 0);
	CHECK(m2m_nl_msg_parse_event(nlh, &ev, &err) == -ENOENT,
	      "another command is skipped");
}

/* Split line at tabs; returns the number of fields. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		fields[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return p ? max + 1 : n;
}

static void test_dump_peer(void)
{
	char buf[M2M_NL_REQ_SIZE], *line = NULL, *f[32];
	struct m2m_peer peer;
	size_t size = 0;
	FILE *out;
	int n;

	m2m_nl_msg_parse_peer(build_peer_reply(buf), &peer, NULL);
	out = open_memstream(&line, &size);
	m2m_dump_peer(out, "m2m0", &peer, 1800000000ULL);
	fclose(out);
	n = split_tabs(line, f, 32);
	CHECK(n == M2M_DUMP_PEER_FIELDS, "peer line has %d fields", n);
	if (n == M2M_DUMP_PEER_FIELDS) {
		CHECK(!strcmp(f[0], "m2m0"), "ifname %s", f[0]);
		CHECK(!strcmp(f[1], "0f062df374c2ddab6d229807ed52e1ff"),
		      "node id %s", f[1]);
		CHECK(!strcmp(f[2], "192.0.2.7:5685"), "endpoint %s", f[2]);
		CHECK(!strcmp(f[3], "fd6d:326d:6d32::/64,10.201.0.0/16"),
		      "allowed ips %s", f[3]);
		CHECK(!strcmp(f[4], "99"), "key serial %s", f[4]);
		CHECK(!strcmp(f[5], "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"),
		      "key id %s", f[5]);
		CHECK(!strcmp(f[6], "chacha20poly1305"), "suite %s", f[6]);
		CHECK(!strcmp(f[7], "responder"), "role %s", f[7]);
		CHECK(!strcmp(f[8], "11"), "index %s", f[8]);
		CHECK(!strcmp(f[9], "12"), "peer index %s", f[9]);
		CHECK(!strcmp(f[10], "2000000000"), "expires %s", f[10]);
		CHECK(!strcmp(f[11], "1700000000123"), "handshake %s", f[11]);
		CHECK(!strcmp(f[14], "1536"), "rx bytes %s", f[14]);
		CHECK(!strcmp(f[15], "100"), "tx bytes %s", f[15]);
		CHECK(!strcmp(f[19], "5"), "drop_replay %s", f[19]);
		CHECK(!strcmp(f[22], "25"), "keepalive %s", f[22]);
		CHECK(!strcmp(f[23], "up"), "state %s", f[23]);
	}
	free(line);

	/* The same peer after its key expired, then without a key. */
	line = NULL;
	out = open_memstream(&line, &size);
	m2m_dump_peer(out, "m2m0", &peer, 2000000000ULL);
	fclose(out);
	n = split_tabs(line, f, 32);
	CHECK(n == M2M_DUMP_PEER_FIELDS, "expired line has %d fields", n);
	if (n == M2M_DUMP_PEER_FIELDS)
		CHECK(!strcmp(f[23], "down"), "expired key is down");
	free(line);

	peer.has_key = false;
	line = NULL;
	out = open_memstream(&line, &size);
	m2m_dump_peer(out, "m2m0", &peer, 1800000000ULL);
	fclose(out);
	n = split_tabs(line, f, 32);
	CHECK(n == M2M_DUMP_PEER_FIELDS, "keyless line has %d fields", n);
	if (n == M2M_DUMP_PEER_FIELDS) {
		for (int i = 4; i <= 10; i++)
			CHECK(!strcmp(f[i], "-"), "key field %d is %s", i,
			      f[i]);
		CHECK(!strcmp(f[23], "down"), "keyless peer is down");
	}
	free(line);
	m2m_peer_clear(&peer);
}

static void test_dump_dev(void)
{
	struct m2m_dev dev = { .ifname = "m2m0", .port = 5685, .peers = 1,
			       .drop_unknown_index = 3 };
	char *line = NULL, *f[8];
	size_t size = 0;
	FILE *out;
	int n;

	out = open_memstream(&line, &size);
	m2m_dump_dev(out, &dev);
	fclose(out);
	n = split_tabs(line, f, 8);
	CHECK(n == M2M_DUMP_DEV_FIELDS, "device line has %d fields", n);
	if (n == M2M_DUMP_DEV_FIELDS) {
		CHECK(!strcmp(f[1], "5685"), "device port");
		CHECK(!strcmp(f[3], "3"), "device unknown-index drops");
	}
	free(line);
}

static void test_units(void)
{
	char buf[128];

	CHECK(!strcmp(m2m_format_bytes(0, buf, sizeof(buf)), "0 B"), "%s",
	      buf);
	CHECK(!strcmp(m2m_format_bytes(1023, buf, sizeof(buf)), "1023 B"),
	      "%s", buf);
	CHECK(!strcmp(m2m_format_bytes(1536, buf, sizeof(buf)), "1.50 KiB"),
	      "%s", buf);
	CHECK(!strcmp(m2m_format_bytes(3ULL << 30, buf, sizeof(buf)),
		      "3.00 GiB"), "%s", buf);
	CHECK(!strcmp(m2m_format_ago(0, buf, sizeof(buf)), "0 seconds ago"),
	      "%s", buf);
	CHECK(!strcmp(m2m_format_ago(1, buf, sizeof(buf)), "1 second ago"),
	      "%s", buf);
	CHECK(!strcmp(m2m_format_ago(42, buf, sizeof(buf)), "42 seconds ago"),
	      "%s", buf);
	CHECK(!strcmp(m2m_format_ago(3725, buf, sizeof(buf)),
		      "3725 seconds ago"), "%s", buf);
	CHECK(!strcmp(m2m_suite_name(M2MSEC_SUITE_AES256GCM), "aes256gcm"),
	      "suite name");
	CHECK(!strcmp(m2m_suite_name(9), "-"), "unknown suite is -");
}

int main(void)
{
	test_peer_request();
	test_peer_request_clear_list();
	test_peer_request_invalid();
	test_peer_reply();
	test_peer_reply_malformed();
	test_dev_reply();
	test_event();
	test_dump_peer();
	test_dump_dev();
	test_units();
	printf("common_dev_test: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
