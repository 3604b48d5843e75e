// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane commands DEV_GET, DEV_SET, PEER_NEW, PEER_SET, PEER_DEL,
 * PEER_GET and the PEER_EVENT multicast. Each test runs in a network
 * namespace of its own with one m2msec device, m2m0, made by `ip link
 * add`, and makes its m2m_conn keys with local connect handshakes. Every
 * failed request is followed by a dump that shows that nothing changed.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>

#include "m2msec_fixture.h"

#define DEV0		"m2m0"
#define KMC_LIFETIME	3600
/* A user other than root that keeps CAP_NET_ADMIN in the key test. */
#define OTHER_UID	65534
#define MANY_PEERS	1000

/* One connection: both keys of a connect handshake for a node id. */
struct conn {
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	key_serial_t key_i;			/* initiator's m2m_conn key */
	key_serial_t key_r;			/* responder's m2m_conn key */
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	uint32_t index_i;
	uint32_t index_r;
	uint8_t suite;
};

/* One allowed prefix as a test writes it. */
struct prefix {
	int family;
	const char *addr;
	int cidr;
};

FIXTURE(dev) {
	struct m2msec_pair p;
	struct m2msec_nl *nl;
	int ifindex;
};

static int run_cmd(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE_SETUP(dev)
{
	char why[256] = "";
	int err;

	ASSERT_EQ(0, unshare(CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWNET) failed: %s", strerror(errno));
	ASSERT_EQ(0, run_cmd("ip link set lo up"));
	ASSERT_EQ(0, run_cmd("ip link add " DEV0 " type m2msec"))
		TH_LOG("ip link add " DEV0 " type m2msec failed");
	self->ifindex = if_nametoindex(DEV0);
	ASSERT_NE(0, self->ifindex);
	err = m2msec_pair_setup(&self->p, M2MSEC_PAIR_NEW_SESSION, why,
				sizeof(why));
	if (err)
		m2msec_pair_teardown(&self->p);
	ASSERT_EQ(0, err) TH_LOG("%s", why);
	self->nl = &self->p.nw.nl;
}

FIXTURE_TEARDOWN(dev)
{
	m2msec_pair_teardown(&self->p);
}

/* ---- Connections and keys ---- */

/*
 * Run a connect handshake for node_id, or for a new node id with a new Kmr
 * when new_node is set, and leave both keyrings linked so that the
 * caller possesses both m2m_conn keys.
 */
static void make_conn(struct __test_metadata *_metadata,
		      struct m2msec_pair *p, bool new_node, struct conn *c)
{
	uint8_t kmr[M2MSEC_KEY_LEN];
	struct m2msec_conn_fields f;
	struct m2msec_hs hs = { 0 };
	const void *key_id;
	size_t len;
	int err;

	if (new_node)
		m2msec_add_kmr_both(_metadata, p, c->node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&f);
	f.lifetime = KMC_LIFETIME;
	err = m2msec_hs_run_conn(p, c->node_id, 0, &f, &hs);
	ASSERT_HS_OK(err, &hs);
	c->key_i = m2msec_reply_u32(&hs.fin, M2MSEC_A_KEY_SERIAL);
	c->key_r = m2msec_reply_u32(&hs.done, M2MSEC_A_KEY_SERIAL);
	c->index_i = m2msec_reply_u32(&hs.done, M2MSEC_A_PEER_INDEX);
	c->index_r = m2msec_reply_u32(&hs.done, M2MSEC_A_INDEX);
	c->suite = m2msec_reply_u8(&hs.fin, M2MSEC_A_SUITE);
	key_id = m2msec_reply_data(&hs.done, M2MSEC_A_KEY_ID, &len);
	ASSERT_EQ((size_t)M2MSEC_KEY_ID_LEN, len);
	memcpy(c->key_id, key_id, len);
	m2msec_hs_free(&hs);
	ASSERT_LT(0, c->key_i);
	ASSERT_LT(0, c->key_r);
	ASSERT_EQ(0, m2msec_pair_enter_both(p));
}

/* ---- Requests ---- */

static struct nl_msg *dev_request(struct m2msec_nl *nl, uint8_t cmd,
				  int flags, const char *ifname)
{
	struct nl_msg *msg = m2msec_nl_request(nl, cmd, flags);

	if (msg && ifname)
		nla_put_string(msg, M2MSEC_A_IFNAME, ifname);
	return msg;
}

static void put_endpoint(struct nl_msg *msg, const char *addr, int port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_port = htons(port);
		nla_put(msg, M2MSEC_A_ENDPOINT, sizeof(sin), &sin);
		return;
	}
	inet_pton(AF_INET6, addr, &sin6.sin6_addr);
	sin6.sin6_port = htons(port);
	nla_put(msg, M2MSEC_A_ENDPOINT, sizeof(sin6), &sin6);
}

static void put_prefix(struct nl_msg *msg, const struct prefix *p)
{
	uint8_t addr[16] = { 0 };
	struct nlattr *nest;
	int len = p->family == AF_INET ? 4 : 16;

	inet_pton(p->family, p->addr, addr);
	nest = nla_nest_start(msg, M2MSEC_A_ALLOWED_IP | NLA_F_NESTED);
	nla_put_u16(msg, M2MSEC_ALLOWEDIP_A_FAMILY, p->family);
	nla_put(msg, M2MSEC_ALLOWEDIP_A_ADDR, len, addr);
	nla_put_u8(msg, M2MSEC_ALLOWEDIP_A_CIDR, p->cidr);
	nla_nest_end(msg, nest);
}

static void put_prefixes(struct nl_msg *msg, const struct prefix *p, int n)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(msg, M2MSEC_A_ALLOWED_IPS | NLA_F_NESTED);
	for (i = 0; i < n; i++)
		put_prefix(msg, &p[i]);
	nla_nest_end(msg, nest);
}

static struct nl_msg *peer_new_request(struct m2msec_nl *nl,
				       key_serial_t key)
{
	struct nl_msg *msg = dev_request(nl, M2MSEC_CMD_PEER_NEW, 0, DEV0);

	if (msg)
		nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, key);
	return msg;
}

static struct nl_msg *peer_request(struct m2msec_nl *nl, uint8_t cmd,
				   const uint8_t *node_id)
{
	struct nl_msg *msg = dev_request(nl, cmd, 0, DEV0);

	if (msg)
		nla_put(msg, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN, node_id);
	return msg;
}

static int peer_new(struct m2msec_nl *nl, key_serial_t key,
		    struct m2msec_reply *r)
{
	return m2msec_nl_transact(nl, peer_new_request(nl, key), r);
}

static int peer_get(struct m2msec_nl *nl, const uint8_t *node_id,
		    struct m2msec_reply *r)
{
	return m2msec_nl_transact(nl, peer_request(nl, M2MSEC_CMD_PEER_GET,
						   node_id), r);
}

static int peer_del(struct m2msec_nl *nl, const uint8_t *node_id,
		    struct m2msec_reply *r)
{
	return m2msec_nl_transact(nl, peer_request(nl, M2MSEC_CMD_PEER_DEL,
						   node_id), r);
}

static int peer_dump(struct m2msec_nl *nl, struct m2msec_dump *d)
{
	return m2msec_nl_dump(nl, dev_request(nl, M2MSEC_CMD_PEER_GET,
					      NLM_F_DUMP, DEV0), d);
}

static int dev_get(struct m2msec_nl *nl, const char *ifname,
		   struct m2msec_reply *r)
{
	return m2msec_nl_transact(nl, dev_request(nl, M2MSEC_CMD_DEV_GET, 0,
						  ifname), r);
}

/* Add a peer for key with no other setting; assert success. */
static void add_peer(struct __test_metadata *_metadata, struct m2msec_nl *nl,
		     key_serial_t key)
{
	struct m2msec_reply r = { 0 };
	int err = peer_new(nl, key, &r);

	ASSERT_STEP_OK("PEER_NEW", err, &r);
	m2msec_reply_free(&r);
}

/* Assert that a dump of m2m0 lists exactly n peers. */
static void expect_peers(struct __test_metadata *_metadata,
			 struct m2msec_nl *nl, int n)
{
	struct m2msec_dump d = { 0 };
	int err = peer_dump(nl, &d);

	ASSERT_EQ(0, err) TH_LOG("PEER_GET dump failed: %s (extack \"%s\")",
				 m2msec_errname(err), d.extack);
	EXPECT_EQ(n, d.count) TH_LOG("expected %d peers on " DEV0 ", found %d",
				     n, d.count);
	m2msec_dump_free(&d);
}

/* Assert that PEER_GET of node_id shows key as its key. */
static void expect_peer_key(struct __test_metadata *_metadata,
			    struct m2msec_nl *nl, const uint8_t *node_id,
			    key_serial_t key)
{
	struct m2msec_reply r = { 0 };
	int err = peer_get(nl, node_id, &r);

	ASSERT_STEP_OK("PEER_GET", err, &r);
	ASSERT_TRUE(m2msec_reply_has(&r, M2MSEC_A_KEY_SERIAL));
	EXPECT_EQ(key, (key_serial_t)m2msec_reply_u32(&r, M2MSEC_A_KEY_SERIAL));
	m2msec_reply_free(&r);
}

/* Number of prefixes in a reply's ALLOWED_IPS, -1 without it. */
static int count_prefixes(const struct m2msec_reply *r)
{
	struct nlattr *entry;
	int rem, n = 0;

	if (!m2msec_reply_has(r, M2MSEC_A_ALLOWED_IPS))
		return -1;
	nla_for_each_nested(entry, r->tb[M2MSEC_A_ALLOWED_IPS], rem)
		n++;
	return n;
}

/* Whether a reply's ALLOWED_IPS contains prefix p. */
static bool has_prefix(const struct m2msec_reply *r, const struct prefix *p)
{
	struct nlattr *tb[M2MSEC_ALLOWEDIP_A_MAX + 1];
	uint8_t addr[16] = { 0 };
	int len = p->family == AF_INET ? 4 : 16;
	struct nlattr *entry;
	int rem;

	if (!m2msec_reply_has(r, M2MSEC_A_ALLOWED_IPS))
		return false;
	inet_pton(p->family, p->addr, addr);
	nla_for_each_nested(entry, r->tb[M2MSEC_A_ALLOWED_IPS], rem) {
		if (nla_parse_nested(tb, M2MSEC_ALLOWEDIP_A_MAX, entry, NULL) ||
		    !tb[M2MSEC_ALLOWEDIP_A_FAMILY] ||
		    !tb[M2MSEC_ALLOWEDIP_A_ADDR] ||
		    !tb[M2MSEC_ALLOWEDIP_A_CIDR])
			continue;
		if (nla_get_u16(tb[M2MSEC_ALLOWEDIP_A_FAMILY]) == p->family &&
		    nla_len(tb[M2MSEC_ALLOWEDIP_A_ADDR]) == len &&
		    !memcmp(nla_data(tb[M2MSEC_ALLOWEDIP_A_ADDR]), addr, len) &&
		    nla_get_u8(tb[M2MSEC_ALLOWEDIP_A_CIDR]) == p->cidr)
			return true;
	}
	return false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Devices ---- */

TEST_F(dev, dev_get_by_name)
{
	struct m2msec_reply r = { 0 };
	char name[IFNAMSIZ];
	int err;

	err = dev_get(self->nl, DEV0, &r);
	ASSERT_STEP_OK("DEV_GET", err, &r);
	ASSERT_EQ(0, r.parse_err);
	EXPECT_EQ((uint32_t)self->ifindex,
		  m2msec_reply_u32(&r, M2MSEC_A_IFINDEX));
	EXPECT_STREQ(DEV0, m2msec_reply_str(&r, M2MSEC_A_IFNAME, name,
					     sizeof(name)));
	/* A new namespace has the default port free. */
	EXPECT_EQ(M2MSEC_DEFAULT_PORT, m2msec_reply_u16(&r, M2MSEC_A_PORT));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_PEERS));
	EXPECT_EQ(0U, m2msec_reply_u32(&r, M2MSEC_A_PEERS));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_DROP_UNKNOWN_INDEX));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_DROP_MALFORMED));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_DROP_NO_PEER));
	EXPECT_EQ(0UL, m2msec_reply_u64(&r, M2MSEC_A_DROP_MALFORMED));
	m2msec_reply_free(&r);
}

TEST_F(dev, dev_get_by_index)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	char name[IFNAMSIZ];
	int err;

	msg = dev_request(self->nl, M2MSEC_CMD_DEV_GET, 0, NULL);
	nla_put_u32(msg, M2MSEC_A_IFINDEX, self->ifindex);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("DEV_GET by IFINDEX", err, &r);
	EXPECT_STREQ(DEV0, m2msec_reply_str(&r, M2MSEC_A_IFNAME, name,
					     sizeof(name)));
	m2msec_reply_free(&r);
}

TEST_F(dev, dev_get_unknown_device)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	int err;

	err = dev_get(self->nl, "nosuch0", &r);
	ASSERT_STEP_FAILS("DEV_GET of nosuch0", ENODEV, err, &r);
	EXPECT_NE(NULL, strstr(r.extack, "nosuch0")) TH_LOG("extack: %s",
							    r.extack);

	msg = dev_request(self->nl, M2MSEC_CMD_DEV_GET, 0, NULL);
	nla_put_u32(msg, M2MSEC_A_IFINDEX, 999999);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("DEV_GET of IFINDEX 999999", ENODEV, err, &r);
	m2msec_reply_free(&r);
}

TEST_F(dev, dev_get_wrong_kind)
{
	struct m2msec_reply r = { 0 };
	int err;

	err = dev_get(self->nl, "lo", &r);
	ASSERT_STEP_FAILS("DEV_GET of lo", EOPNOTSUPP, err, &r);
	EXPECT_NE(NULL, strstr(r.extack, "not an m2msec device"))
		TH_LOG("extack: %s", r.extack);
	m2msec_reply_free(&r);
}

TEST_F(dev, dev_get_missing_device)
{
	struct m2msec_reply r = { 0 };
	int err;

	err = dev_get(self->nl, NULL, &r);
	ASSERT_STEP_FAILS("DEV_GET without IFINDEX or IFNAME", EINVAL, err,
			  &r);
	m2msec_reply_free(&r);
}

TEST_F(dev, dev_dump)
{
	struct m2msec_dump d = { 0 };
	char name[IFNAMSIZ];
	int err, i, ifindex1;

	ASSERT_EQ(0, run_cmd("ip link add m2m1 type m2msec"));
	ASSERT_EQ(0, run_cmd("ip link add m2m2 type m2msec"));
	ASSERT_EQ(0, run_cmd("ip link del m2m1"));
	ifindex1 = if_nametoindex("m2m2");
	err = m2msec_nl_dump(self->nl, dev_request(self->nl, M2MSEC_CMD_DEV_GET,
						   NLM_F_DUMP, NULL), &d);
	ASSERT_EQ(0, err) TH_LOG("DEV_GET dump failed: %s", d.extack);
	/* lo is not listed, m2m1 is gone, and the order is by ifindex. */
	ASSERT_EQ(2, d.count);
	EXPECT_STREQ(DEV0, m2msec_reply_str(&d.entries[0], M2MSEC_A_IFNAME,
					     name, sizeof(name)));
	EXPECT_EQ((uint32_t)self->ifindex,
		  m2msec_reply_u32(&d.entries[0], M2MSEC_A_IFINDEX));
	EXPECT_STREQ("m2m2", m2msec_reply_str(&d.entries[1], M2MSEC_A_IFNAME,
					      name, sizeof(name)));
	EXPECT_EQ((uint32_t)ifindex1,
		  m2msec_reply_u32(&d.entries[1], M2MSEC_A_IFINDEX));
	for (i = 0; i < d.count; i++)
		EXPECT_TRUE(m2msec_reply_has(&d.entries[i], M2MSEC_A_PORT));
	/* Two devices cannot share a port, so m2m2 took another one. */
	EXPECT_NE(m2msec_reply_u16(&d.entries[0], M2MSEC_A_PORT),
		  m2msec_reply_u16(&d.entries[1], M2MSEC_A_PORT));
	m2msec_dump_free(&d);
}

static int dev_set_port(struct m2msec_nl *nl, int port, struct m2msec_reply *r)
{
	struct nl_msg *msg = dev_request(nl, M2MSEC_CMD_DEV_SET, 0, DEV0);

	if (msg && port >= 0)
		nla_put_u16(msg, M2MSEC_A_PORT, port);
	return m2msec_nl_transact(nl, msg, r);
}

static uint16_t dev_port(struct __test_metadata *_metadata,
			 struct m2msec_nl *nl)
{
	struct m2msec_reply r = { 0 };
	uint16_t port;
	int err;

	err = dev_get(nl, DEV0, &r);
	ASSERT_STEP_OK("DEV_GET", err, &r);
	port = m2msec_reply_u16(&r, M2MSEC_A_PORT);
	m2msec_reply_free(&r);
	return port;
}

TEST_F(dev, dev_set_port)
{
	struct m2msec_reply r = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint16_t port;
	int err, fd;

	err = dev_set_port(self->nl, 7000, &r);
	ASSERT_STEP_OK("DEV_SET PORT 7000", err, &r);
	ASSERT_EQ(7000, dev_port(_metadata, self->nl));

	err = dev_set_port(self->nl, 0, &r);
	ASSERT_STEP_OK("DEV_SET PORT 0", err, &r);
	port = dev_port(_metadata, self->nl);
	EXPECT_NE(0, port);

	/* A port that another socket holds: EADDRINUSE, old port kept. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	sin.sin_port = htons(7100);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	err = dev_set_port(self->nl, 7100, &r);
	ASSERT_STEP_FAILS("DEV_SET PORT 7100 in use", EADDRINUSE, err, &r);
	EXPECT_EQ(port, dev_port(_metadata, self->nl));
	close(fd);

	err = dev_set_port(self->nl, -1, &r);
	ASSERT_STEP_FAILS("DEV_SET without PORT", EINVAL, err, &r);
	EXPECT_EQ(port, dev_port(_metadata, self->nl));
	m2msec_reply_free(&r);
}

/* ---- PEER_NEW ---- */

TEST_F(dev, peer_new_full)
{
	static const struct prefix prefixes[] = {
		{ AF_INET, "10.1.0.0", 16 },
		{ AF_INET6, "fd6d:326d:6d32::", 64 },
	};
	struct m2msec_reply r = { 0 };
	struct sockaddr_in ep;
	struct nl_msg *msg;
	struct conn c;
	const void *data;
	uint64_t t0;
	size_t len;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	t0 = now_ms();
	msg = peer_new_request(self->nl, c.key_r);
	put_endpoint(msg, "127.0.0.1", 6000);
	put_prefixes(msg, prefixes, 2);
	nla_put_u16(msg, M2MSEC_A_KEEPALIVE, 25);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_NEW", err, &r);
	data = m2msec_reply_data(&r, M2MSEC_A_NODE_ID, &len);
	ASSERT_EQ((size_t)M2MSEC_NODE_ID_LEN, len);
	EXPECT_EQ(0, memcmp(data, c.node_id, len));

	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	ASSERT_EQ(0, r.parse_err);
	EXPECT_EQ((uint32_t)self->ifindex,
		  m2msec_reply_u32(&r, M2MSEC_A_IFINDEX));
	data = m2msec_reply_data(&r, M2MSEC_A_ENDPOINT, &len);
	ASSERT_EQ(sizeof(ep), len);
	memcpy(&ep, data, len);
	EXPECT_EQ(AF_INET, ep.sin_family);
	EXPECT_EQ(6000, ntohs(ep.sin_port));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), ep.sin_addr.s_addr);
	EXPECT_EQ(2, count_prefixes(&r));
	EXPECT_TRUE(has_prefix(&r, &prefixes[0]));
	EXPECT_TRUE(has_prefix(&r, &prefixes[1]));
	EXPECT_EQ(25, m2msec_reply_u16(&r, M2MSEC_A_KEEPALIVE));
	EXPECT_EQ(c.key_r,
		  (key_serial_t)m2msec_reply_u32(&r, M2MSEC_A_KEY_SERIAL));
	data = m2msec_reply_data(&r, M2MSEC_A_KEY_ID, &len);
	ASSERT_EQ((size_t)M2MSEC_KEY_ID_LEN, len);
	EXPECT_EQ(0, memcmp(data, c.key_id, len));
	EXPECT_EQ(c.suite, m2msec_reply_u8(&r, M2MSEC_A_SUITE));
	EXPECT_EQ(M2MSEC_ROLE_RESPONDER, m2msec_reply_u8(&r, M2MSEC_A_ROLE));
	EXPECT_EQ(c.index_r, m2msec_reply_u32(&r, M2MSEC_A_INDEX));
	EXPECT_EQ(c.index_i, m2msec_reply_u32(&r, M2MSEC_A_PEER_INDEX));
	EXPECT_LT((uint64_t)time(NULL),
		  m2msec_reply_u64(&r, M2MSEC_A_KEY_EXPIRES));
	EXPECT_GE((uint64_t)time(NULL) + KMC_LIFETIME + 1,
		  m2msec_reply_u64(&r, M2MSEC_A_KEY_EXPIRES));
	EXPECT_LE(t0 - 1000, m2msec_reply_u64(&r, M2MSEC_A_LAST_HANDSHAKE));
	EXPECT_GE(now_ms() + 1000, m2msec_reply_u64(&r, M2MSEC_A_LAST_HANDSHAKE));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_RX_BYTES));
	EXPECT_EQ(0UL, m2msec_reply_u64(&r, M2MSEC_A_RX_BYTES));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_DROP_AUTH));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_DROP_SOURCE));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_LAST_RX));
	EXPECT_EQ(0UL, m2msec_reply_u64(&r, M2MSEC_A_LAST_RX));

	err = dev_get(self->nl, DEV0, &r);
	ASSERT_STEP_OK("DEV_GET", err, &r);
	EXPECT_EQ(1U, m2msec_reply_u32(&r, M2MSEC_A_PEERS));
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_initiator_key)
{
	struct m2msec_reply r = { 0 };
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_i);
	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(M2MSEC_ROLE_INITIATOR, m2msec_reply_u8(&r, M2MSEC_A_ROLE));
	EXPECT_EQ(c.index_i, m2msec_reply_u32(&r, M2MSEC_A_INDEX));
	EXPECT_EQ(c.index_r, m2msec_reply_u32(&r, M2MSEC_A_PEER_INDEX));
	/* Without ENDPOINT the peer has none until a packet arrives. */
	EXPECT_FALSE(m2msec_reply_has(&r, M2MSEC_A_ENDPOINT));
	EXPECT_EQ(0, count_prefixes(&r));
	EXPECT_EQ(0, m2msec_reply_u16(&r, M2MSEC_A_KEEPALIVE));
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_missing_attrs)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	msg = dev_request(self->nl, M2MSEC_CMD_PEER_NEW, 0, DEV0);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW without KEY_SERIAL", EINVAL, err, &r);
	EXPECT_NE(NULL, strstr(r.extack, "KEY_SERIAL"));

	msg = dev_request(self->nl, M2MSEC_CMD_PEER_NEW, 0, NULL);
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, c.key_r);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW without a device", EINVAL, err, &r);
	expect_peers(_metadata, self->nl, 0);
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_wrong_device)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	msg = m2msec_nl_request(self->nl, M2MSEC_CMD_PEER_NEW, 0);
	nla_put_string(msg, M2MSEC_A_IFNAME, "lo");
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, c.key_r);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW on lo", EOPNOTSUPP, err, &r);

	msg = m2msec_nl_request(self->nl, M2MSEC_CMD_PEER_NEW, 0);
	nla_put_string(msg, M2MSEC_A_IFNAME, "nosuch0");
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, c.key_r);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW on nosuch0", ENODEV, err, &r);
	expect_peers(_metadata, self->nl, 0);
	m2msec_reply_free(&r);
}

/* An ENDPOINT of raw bytes, for the malformed cases. */
struct bad_endpoint {
	const char *name;
	size_t len;
	int family;
	const char *addr;
	int port;
	int expected;
};

TEST_F(dev, peer_new_bad_endpoint)
{
	static const struct bad_endpoint cases[] = {
		{ "10 bytes", 10, AF_INET, "192.0.2.1", 5685, ERANGE },
		{ "sockaddr_in of AF_INET6", sizeof(struct sockaddr_in),
		  AF_INET6, "192.0.2.1", 5685, EINVAL },
		{ "sockaddr_in6 of AF_INET", sizeof(struct sockaddr_in6),
		  AF_INET, "192.0.2.1", 5685, EINVAL },
		{ "AF_UNIX", sizeof(struct sockaddr_in6), AF_UNIX,
		  "192.0.2.1", 5685, EINVAL },
		{ "port 0", sizeof(struct sockaddr_in), AF_INET, "192.0.2.1",
		  0, EINVAL },
		{ "IPv6 port 0", sizeof(struct sockaddr_in6), AF_INET6,
		  "2001:db8::1", 0, EINVAL },
		{ "multicast", sizeof(struct sockaddr_in), AF_INET,
		  "224.0.0.1", 5685, EINVAL },
		{ "IPv6 multicast", sizeof(struct sockaddr_in6), AF_INET6,
		  "ff02::1", 5685, EINVAL },
		{ "broadcast", sizeof(struct sockaddr_in), AF_INET,
		  "255.255.255.255", 5685, EINVAL },
	};
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c;
	size_t i;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_endpoint *bc = &cases[i];
		union {
			struct sockaddr_in sin;
			struct sockaddr_in6 sin6;
		} sa;

		memset(&sa, 0, sizeof(sa));
		if (inet_pton(AF_INET, bc->addr, &sa.sin.sin_addr) == 1)
			sa.sin.sin_port = htons(bc->port);
		else {
			inet_pton(AF_INET6, bc->addr, &sa.sin6.sin6_addr);
			sa.sin6.sin6_port = htons(bc->port);
		}
		sa.sin.sin_family = bc->family;
		msg = peer_new_request(self->nl, c.key_r);
		nla_put(msg, M2MSEC_A_ENDPOINT, bc->len, &sa);
		err = m2msec_nl_transact(self->nl, msg, &r);
		ASSERT_STEP_FAILS(bc->name, bc->expected, err, &r);
		expect_peers(_metadata, self->nl, 0);
	}
	m2msec_reply_free(&r);
}

/* A raw allowed-ip entry, for the malformed cases. */
struct bad_prefix {
	const char *name;
	int entry_type;
	int family;			/* -1: leave out */
	int addr_len;			/* -1: leave out */
	const char *addr;
	int cidr;			/* -1: leave out */
	int expected;
};

static void put_bad_prefix(struct nl_msg *msg, const struct bad_prefix *b)
{
	struct nlattr *list, *nest;
	uint8_t addr[16] = { 0 };

	if (inet_pton(AF_INET, b->addr, addr) != 1)
		inet_pton(AF_INET6, b->addr, addr);
	list = nla_nest_start(msg, M2MSEC_A_ALLOWED_IPS | NLA_F_NESTED);
	nest = nla_nest_start(msg, b->entry_type | NLA_F_NESTED);
	if (b->family >= 0)
		nla_put_u16(msg, M2MSEC_ALLOWEDIP_A_FAMILY, b->family);
	if (b->addr_len >= 0)
		nla_put(msg, M2MSEC_ALLOWEDIP_A_ADDR, b->addr_len, addr);
	if (b->cidr >= 0)
		nla_put_u8(msg, M2MSEC_ALLOWEDIP_A_CIDR, b->cidr);
	nla_nest_end(msg, nest);
	nla_nest_end(msg, list);
}

static const struct bad_prefix bad_prefixes[] = {
	{ "IPv4 host bits set", M2MSEC_A_ALLOWED_IP, AF_INET, 4, "10.1.2.3",
	  24, EINVAL },
	{ "IPv6 host bits set", M2MSEC_A_ALLOWED_IP, AF_INET6, 16,
	  "fd00::1", 64, EINVAL },
	{ "IPv4 /33", M2MSEC_A_ALLOWED_IP, AF_INET, 4, "10.1.2.0", 33,
	  EINVAL },
	{ "/129", M2MSEC_A_ALLOWED_IP, AF_INET6, 16, "fd00::", 129, ERANGE },
	{ "AF_INET with 16 bytes", M2MSEC_A_ALLOWED_IP, AF_INET, 16,
	  "fd00::", 8, EINVAL },
	{ "AF_INET6 with 4 bytes", M2MSEC_A_ALLOWED_IP, AF_INET6, 4,
	  "10.0.0.0", 8, EINVAL },
	{ "family 99", M2MSEC_A_ALLOWED_IP, 99, 4, "10.0.0.0", 8, EINVAL },
	{ "no CIDR", M2MSEC_A_ALLOWED_IP, AF_INET, 4, "10.0.0.0", -1, EINVAL },
	{ "no FAMILY", M2MSEC_A_ALLOWED_IP, -1, 4, "10.0.0.0", 8, EINVAL },
	{ "entry not ALLOWED_IP", M2MSEC_A_PORT, AF_INET, 4, "10.0.0.0", 8,
	  EINVAL },
};

TEST_F(dev, peer_new_bad_prefix)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c;
	size_t i;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	for (i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++) {
		msg = peer_new_request(self->nl, c.key_r);
		put_bad_prefix(msg, &bad_prefixes[i]);
		err = m2msec_nl_transact(self->nl, msg, &r);
		ASSERT_STEP_FAILS(bad_prefixes[i].name,
				  bad_prefixes[i].expected, err, &r);
		expect_peers(_metadata, self->nl, 0);
	}
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_not_conn_key)
{
	static const uint8_t payload[M2MSEC_KEY_LEN];
	struct m2msec_reply r = { 0 };
	key_serial_t user_key;
	int err;

	user_key = add_key("user", "m2msec-dev-test", payload,
			   sizeof(payload), KEY_SPEC_SESSION_KEYRING);
	ASSERT_LT(0, user_key);
	err = peer_new(self->nl, user_key, &r);
	ASSERT_STEP_FAILS("PEER_NEW with a user key", EINVAL, err, &r);
	EXPECT_NE(NULL, strstr(r.extack, "m2m_conn")) TH_LOG("extack: %s",
							     r.extack);
	err = peer_new(self->nl, 0x7ffffff0, &r);
	ASSERT_STEP_FAILS("PEER_NEW with no such key", ENOKEY, err, &r);
	expect_peers(_metadata, self->nl, 0);
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_revoked_key)
{
	struct m2msec_reply r = { 0 };
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	ASSERT_EQ(0, keyctl_revoke(c.key_r));
	err = peer_new(self->nl, c.key_r, &r);
	ASSERT_STEP_FAILS("PEER_NEW with a revoked key", EKEYREVOKED, err, &r);
	expect_peers(_metadata, self->nl, 0);
	m2msec_reply_free(&r);
}

/*
 * Another user with CAP_NET_ADMIN cannot search root's key, so it cannot
 * bind it. Runs in a child, which keeps the namespace.
 */
TEST_F(dev, peer_new_unsearchable_key)
{
	struct m2msec_reply r = { 0 };
	struct m2msec_nl nl;
	int status, err;
	struct conn c;
	pid_t pid;

	make_conn(_metadata, &self->p, true, &c);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (m2msec_become_net_admin_user(OTHER_UID) ||
		    m2msec_nl_open(&nl))
			_exit(2);
		err = peer_new(&nl, c.key_r, &r);
		if (err != -EACCES || !r.extack[0]) {
			fprintf(stderr, "# expected EACCES, got %s (%s)\n",
				m2msec_errname(err), r.extack);
			_exit(1);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("PEER_NEW as uid %d did not fail with EACCES",
		       OTHER_UID);
	expect_peers(_metadata, self->nl, 0);
	/* Root, who possesses the key, can use it. */
	add_peer(_metadata, self->nl, c.key_r);
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_duplicate)
{
	struct m2msec_reply r = { 0 };
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_r);
	/* The initiator's key has the same node id. */
	err = peer_new(self->nl, c.key_i, &r);
	ASSERT_STEP_FAILS("PEER_NEW of an existing node id", EEXIST, err, &r);
	expect_peers(_metadata, self->nl, 1);
	expect_peer_key(_metadata, self->nl, c.node_id, c.key_r);
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_new_prefix_in_use)
{
	static const struct prefix shared = { AF_INET, "10.9.0.0", 16 };
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn a, b;
	int err;

	make_conn(_metadata, &self->p, true, &a);
	make_conn(_metadata, &self->p, true, &b);
	msg = peer_new_request(self->nl, a.key_r);
	put_prefixes(msg, &shared, 1);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_NEW of a", err, &r);

	msg = peer_new_request(self->nl, b.key_r);
	put_prefixes(msg, &shared, 1);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW of b with a's prefix", EADDRINUSE, err,
			  &r);
	expect_peers(_metadata, self->nl, 1);
	err = peer_get(self->nl, b.node_id, &r);
	ASSERT_STEP_FAILS("PEER_GET of b", ENOENT, err, &r);
	err = peer_get(self->nl, a.node_id, &r);
	ASSERT_STEP_OK("PEER_GET of a", err, &r);
	EXPECT_TRUE(has_prefix(&r, &shared));
	/* b's key is free again: it can make a peer without the prefix. */
	add_peer(_metadata, self->nl, b.key_r);
	expect_peers(_metadata, self->nl, 2);
	m2msec_reply_free(&r);
}

/* ---- PEER_SET and PEER_DEL ---- */

TEST_F(dev, peer_set_settings)
{
	static const struct prefix before = { AF_INET, "10.2.0.0", 16 };
	static const struct prefix after[] = {
		{ AF_INET6, "fd00:1::", 48 },
		{ AF_INET, "192.0.2.0", 24 },
	};
	struct sockaddr_in6 ep;
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	const void *data;
	struct conn c;
	size_t len;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	msg = peer_new_request(self->nl, c.key_r);
	put_prefixes(msg, &before, 1);
	put_endpoint(msg, "127.0.0.1", 6000);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_NEW", err, &r);

	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, c.node_id);
	put_prefixes(msg, after, 2);
	put_endpoint(msg, "::1", 6001);
	nla_put_u16(msg, M2MSEC_A_KEEPALIVE, 10);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_SET", err, &r);

	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(2, count_prefixes(&r));
	EXPECT_FALSE(has_prefix(&r, &before));
	EXPECT_TRUE(has_prefix(&r, &after[0]));
	EXPECT_TRUE(has_prefix(&r, &after[1]));
	data = m2msec_reply_data(&r, M2MSEC_A_ENDPOINT, &len);
	ASSERT_EQ(sizeof(ep), len);
	memcpy(&ep, data, len);
	EXPECT_EQ(AF_INET6, ep.sin6_family);
	EXPECT_EQ(6001, ntohs(ep.sin6_port));
	EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&ep.sin6_addr));
	EXPECT_EQ(10, m2msec_reply_u16(&r, M2MSEC_A_KEEPALIVE));

	/*
	 * An empty ALLOWED_IPS removes every prefix. It is put by hand
	 * because libnl's nla_nest_end() drops an empty nest.
	 */
	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, c.node_id);
	nla_put(msg, M2MSEC_A_ALLOWED_IPS | NLA_F_NESTED, 0, NULL);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_SET with no prefixes", err, &r);
	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(0, count_prefixes(&r));
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_set_rekey)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c, c2;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_r);
	memcpy(c2.node_id, c.node_id, sizeof(c2.node_id));
	make_conn(_metadata, &self->p, false, &c2);

	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, c.node_id);
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, c2.key_r);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_SET KEY_SERIAL", err, &r);
	/* On the responder side the new key sends at once. */
	expect_peer_key(_metadata, self->nl, c.node_id, c2.key_r);
	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(c2.index_r, m2msec_reply_u32(&r, M2MSEC_A_INDEX));
	m2msec_reply_free(&r);
}

/* A failed rekey leaves the key and the prefixes of the same request. */
TEST_F(dev, peer_set_rekey_other_node)
{
	static const struct prefix before = { AF_INET, "10.3.0.0", 16 };
	static const struct prefix after = { AF_INET, "10.4.0.0", 16 };
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c, other;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	make_conn(_metadata, &self->p, true, &other);
	msg = peer_new_request(self->nl, c.key_r);
	put_prefixes(msg, &before, 1);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_NEW", err, &r);

	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, c.node_id);
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, other.key_r);
	put_prefixes(msg, &after, 1);
	nla_put_u16(msg, M2MSEC_A_KEEPALIVE, 30);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_SET with another node's key", EINVAL, err, &r);

	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(c.key_r,
		  (key_serial_t)m2msec_reply_u32(&r, M2MSEC_A_KEY_SERIAL));
	EXPECT_EQ(1, count_prefixes(&r));
	EXPECT_TRUE(has_prefix(&r, &before));
	EXPECT_EQ(0, m2msec_reply_u16(&r, M2MSEC_A_KEEPALIVE));
	expect_peers(_metadata, self->nl, 1);
	/* The prefix that the failed request offered is still free. */
	add_peer(_metadata, self->nl, other.key_r);
	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, other.node_id);
	put_prefixes(msg, &after, 1);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_OK("PEER_SET of the other peer", err, &r);
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_set_prefix_in_use)
{
	static const struct prefix pa = { AF_INET6, "fd00:a::", 64 };
	static const struct prefix pb = { AF_INET6, "fd00:b::", 64 };
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn a, b;
	int err;

	make_conn(_metadata, &self->p, true, &a);
	make_conn(_metadata, &self->p, true, &b);
	msg = peer_new_request(self->nl, a.key_r);
	put_prefixes(msg, &pa, 1);
	ASSERT_EQ(0, m2msec_nl_transact(self->nl, msg, &r));
	msg = peer_new_request(self->nl, b.key_r);
	put_prefixes(msg, &pb, 1);
	ASSERT_EQ(0, m2msec_nl_transact(self->nl, msg, &r));

	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, b.node_id);
	put_prefixes(msg, &pa, 1);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_SET of b with a's prefix", EADDRINUSE, err,
			  &r);
	err = peer_get(self->nl, b.node_id, &r);
	ASSERT_STEP_OK("PEER_GET of b", err, &r);
	EXPECT_EQ(1, count_prefixes(&r));
	EXPECT_TRUE(has_prefix(&r, &pb));
	err = peer_get(self->nl, a.node_id, &r);
	ASSERT_STEP_OK("PEER_GET of a", err, &r);
	EXPECT_TRUE(has_prefix(&r, &pa));
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_set_del_unknown)
{
	uint8_t unknown[M2MSEC_NODE_ID_LEN];
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_r);
	m2msec_random(unknown, sizeof(unknown));

	msg = peer_request(self->nl, M2MSEC_CMD_PEER_SET, unknown);
	nla_put_u16(msg, M2MSEC_A_KEEPALIVE, 5);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_SET of an unknown node id", ENOENT, err, &r);
	err = peer_del(self->nl, unknown, &r);
	ASSERT_STEP_FAILS("PEER_DEL of an unknown node id", ENOENT, err, &r);
	err = peer_get(self->nl, unknown, &r);
	ASSERT_STEP_FAILS("PEER_GET of an unknown node id", ENOENT, err, &r);

	msg = dev_request(self->nl, M2MSEC_CMD_PEER_SET, 0, DEV0);
	nla_put_u16(msg, M2MSEC_A_KEEPALIVE, 5);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_SET without NODE_ID", EINVAL, err, &r);
	msg = dev_request(self->nl, M2MSEC_CMD_PEER_DEL, 0, DEV0);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_DEL without NODE_ID", EINVAL, err, &r);

	expect_peers(_metadata, self->nl, 1);
	err = peer_get(self->nl, c.node_id, &r);
	ASSERT_STEP_OK("PEER_GET", err, &r);
	EXPECT_EQ(0, m2msec_reply_u16(&r, M2MSEC_A_KEEPALIVE));
	m2msec_reply_free(&r);
}

TEST_F(dev, peer_del)
{
	struct m2msec_reply r = { 0 };
	struct conn a, b;
	int err;

	make_conn(_metadata, &self->p, true, &a);
	make_conn(_metadata, &self->p, true, &b);
	add_peer(_metadata, self->nl, a.key_r);
	add_peer(_metadata, self->nl, b.key_r);
	err = peer_del(self->nl, a.node_id, &r);
	ASSERT_STEP_OK("PEER_DEL", err, &r);
	expect_peers(_metadata, self->nl, 1);
	err = peer_get(self->nl, a.node_id, &r);
	ASSERT_STEP_FAILS("PEER_GET of a removed peer", ENOENT, err, &r);
	expect_peer_key(_metadata, self->nl, b.node_id, b.key_r);
	/*
	 * The node id is free again, but a's key is not: a new keypair of it
	 * would send with counters from 0 again, so it takes a new key.
	 */
	err = peer_new(self->nl, a.key_r, &r);
	ASSERT_STEP_FAILS("PEER_NEW with a key bound before", EALREADY, err,
			  &r);
	expect_peers(_metadata, self->nl, 1);
	make_conn(_metadata, &self->p, false, &a);
	add_peer(_metadata, self->nl, a.key_r);
	expect_peers(_metadata, self->nl, 2);
	err = dev_get(self->nl, DEV0, &r);
	ASSERT_STEP_OK("DEV_GET", err, &r);
	EXPECT_EQ(2U, m2msec_reply_u32(&r, M2MSEC_A_PEERS));
	m2msec_reply_free(&r);
}

/*
 * A key bound on one device cannot be bound on another: both keypairs
 * would seal with the same key and the same counters.
 */
TEST_F(dev, peer_new_key_on_two_devices)
{
	struct m2msec_reply r = { 0 };
	struct m2msec_dump d = { 0 };
	struct nl_msg *msg;
	struct conn c;
	int err;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_r);
	ASSERT_EQ(0, run_cmd("ip link add m2m1 type m2msec"));
	msg = dev_request(self->nl, M2MSEC_CMD_PEER_NEW, 0, "m2m1");
	nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, c.key_r);
	err = m2msec_nl_transact(self->nl, msg, &r);
	ASSERT_STEP_FAILS("PEER_NEW on m2m1 with m2m0's key", EALREADY, err,
			  &r);
	msg = dev_request(self->nl, M2MSEC_CMD_PEER_GET, NLM_F_DUMP, "m2m1");
	ASSERT_EQ(0, m2msec_nl_dump(self->nl, msg, &d));
	EXPECT_EQ(0, d.count) TH_LOG("m2m1 has %d peers, expected none",
				     d.count);
	m2msec_dump_free(&d);
	expect_peer_key(_metadata, self->nl, c.node_id, c.key_r);
	m2msec_reply_free(&r);
}

/* A revoked key leaves the peer without key fields. */
TEST_F(dev, peer_get_after_revoke)
{
	struct m2msec_reply r = { 0 };
	struct conn c;
	int err, i;

	make_conn(_metadata, &self->p, true, &c);
	add_peer(_metadata, self->nl, c.key_r);
	ASSERT_EQ(0, keyctl_revoke(c.key_r));
	/* The key watch runs in process context: give it a moment. */
	for (i = 0; i < 50; i++) {
		err = peer_get(self->nl, c.node_id, &r);
		ASSERT_STEP_OK("PEER_GET", err, &r);
		if (!m2msec_reply_has(&r, M2MSEC_A_KEY_SERIAL))
			break;
		usleep(100000);
	}
	EXPECT_FALSE(m2msec_reply_has(&r, M2MSEC_A_KEY_SERIAL));
	EXPECT_FALSE(m2msec_reply_has(&r, M2MSEC_A_KEY_ID));
	EXPECT_TRUE(m2msec_reply_has(&r, M2MSEC_A_LAST_HANDSHAKE));
	expect_peers(_metadata, self->nl, 1);
	m2msec_reply_free(&r);
}

/* ---- Many peers ---- */

static int cmp_node_id(const void *a, const void *b)
{
	return memcmp(a, b, M2MSEC_NODE_ID_LEN);
}

/*
 * 1,000 peers, each with its own handshake and a /128 prefix, are dumped
 * exactly once each and removed. Under TCG on 2 CPUs the 1,000 handshakes
 * and PEER_NEW took 14 s and the dump and removal 2 s, so 120 s is ample.
 */
TEST_F_TIMEOUT(dev, many_peers, 120)
{
	uint8_t (*ids)[M2MSEC_NODE_ID_LEN], (*seen)[M2MSEC_NODE_ID_LEN];
	struct m2msec_reply r = { 0 };
	struct m2msec_dump d = { 0 };
	struct timespec t0, t1, t2;
	char addr[64];
	struct nl_msg *msg;
	struct prefix p;
	struct conn c;
	const void *id;
	size_t len;
	int i, err;

	ids = calloc(MANY_PEERS, sizeof(*ids));
	seen = calloc(MANY_PEERS, sizeof(*seen));
	ASSERT_NE(NULL, ids);
	ASSERT_NE(NULL, seen);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < MANY_PEERS; i++) {
		make_conn(_metadata, &self->p, true, &c);
		memcpy(ids[i], c.node_id, M2MSEC_NODE_ID_LEN);
		snprintf(addr, sizeof(addr), "fd6d:326d:6d32::%x:%x",
			 i >> 8, i & 0xff);
		p = (struct prefix){ AF_INET6, addr, 128 };
		msg = peer_new_request(self->nl, c.key_r);
		put_prefixes(msg, &p, 1);
		err = m2msec_nl_transact(self->nl, msg, &r);
		ASSERT_STEP_OK("PEER_NEW", err, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	err = peer_dump(self->nl, &d);
	ASSERT_EQ(0, err) TH_LOG("PEER_GET dump failed: %s", d.extack);
	ASSERT_EQ(MANY_PEERS, d.count);
	for (i = 0; i < d.count; i++) {
		id = m2msec_reply_data(&d.entries[i], M2MSEC_A_NODE_ID, &len);
		ASSERT_EQ((size_t)M2MSEC_NODE_ID_LEN, len);
		memcpy(seen[i], id, len);
		EXPECT_EQ(1, count_prefixes(&d.entries[i]));
	}
	/* In the order they were added, so each once. */
	for (i = 0; i < d.count; i++)
		ASSERT_EQ(0, memcmp(seen[i], ids[i], M2MSEC_NODE_ID_LEN))
			TH_LOG("dump entry %d is not the %dth peer added", i,
			       i);
	qsort(seen, MANY_PEERS, sizeof(*seen), cmp_node_id);
	for (i = 1; i < MANY_PEERS; i++)
		ASSERT_NE(0, memcmp(seen[i - 1], seen[i], M2MSEC_NODE_ID_LEN));
	m2msec_dump_free(&d);

	err = dev_get(self->nl, DEV0, &r);
	ASSERT_STEP_OK("DEV_GET", err, &r);
	EXPECT_EQ((uint32_t)MANY_PEERS, m2msec_reply_u32(&r, M2MSEC_A_PEERS));

	for (i = 0; i < MANY_PEERS; i++) {
		err = peer_del(self->nl, ids[i], &r);
		ASSERT_STEP_OK("PEER_DEL", err, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	expect_peers(_metadata, self->nl, 0);
	TH_LOG("%d handshakes and PEER_NEW: %.1f s, dump and PEER_DEL: %.1f s",
	       MANY_PEERS, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9);
	m2msec_reply_free(&r);
	free(ids);
	free(seen);
}

/* ---- Events ---- */

struct event {
	uint8_t event;
	uint32_t ifindex;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	key_serial_t key;		/* 0 when the event names no key */
};

struct event_log {
	struct event ev[64];
	int count;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[M2MSEC_A_MAX + 1];
	struct event_log *log = arg;
	struct event *e;

	if (gnlh->cmd != M2MSEC_CMD_PEER_EVENT ||
	    log->count == (int)(sizeof(log->ev) / sizeof(log->ev[0])))
		return NL_OK;
	if (nla_parse(tb, M2MSEC_A_MAX, genlmsg_attrdata(gnlh, 0),
		      genlmsg_attrlen(gnlh, 0), NULL) ||
	    !tb[M2MSEC_A_EVENT] || !tb[M2MSEC_A_NODE_ID] ||
	    nla_len(tb[M2MSEC_A_NODE_ID]) != M2MSEC_NODE_ID_LEN)
		return NL_OK;
	e = &log->ev[log->count++];
	memset(e, 0, sizeof(*e));
	e->event = nla_get_u8(tb[M2MSEC_A_EVENT]);
	if (tb[M2MSEC_A_IFINDEX])
		e->ifindex = nla_get_u32(tb[M2MSEC_A_IFINDEX]);
	memcpy(e->node_id, nla_data(tb[M2MSEC_A_NODE_ID]), M2MSEC_NODE_ID_LEN);
	if (tb[M2MSEC_A_KEY_SERIAL])
		e->key = nla_get_u32(tb[M2MSEC_A_KEY_SERIAL]);
	return NL_OK;
}

static void events_open(struct __test_metadata *_metadata,
			struct m2msec_nl *ev, struct event_log *log)
{
	int grp;

	ASSERT_EQ(0, m2msec_nl_open(ev));
	grp = genl_ctrl_resolve_grp(ev->sock, M2MSEC_GENL_NAME,
				    M2MSEC_MCGRP_EVENTS);
	ASSERT_LE(0, grp);
	ASSERT_EQ(0, nl_socket_add_membership(ev->sock, grp));
	nl_socket_disable_seq_check(ev->sock);
	nl_socket_modify_cb(ev->sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, log);
	ASSERT_EQ(0, nl_socket_set_nonblocking(ev->sock));
	memset(log, 0, sizeof(*log));
}

static const struct event *find_event(const struct event_log *log,
				      uint8_t event, const uint8_t *node_id)
{
	int i;

	for (i = 0; i < log->count; i++)
		if (log->ev[i].event == event &&
		    !memcmp(log->ev[i].node_id, node_id, M2MSEC_NODE_ID_LEN))
			return &log->ev[i];
	return NULL;
}

/* Read events for up to 5 s until event for node_id has arrived. */
static const struct event *wait_event(struct m2msec_nl *ev,
				      struct event_log *log, uint8_t event,
				      const uint8_t *node_id)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(ev->sock),
			      .events = POLLIN };
	const struct event *e;
	int i;

	for (i = 0; i < 50; i++) {
		e = find_event(log, event, node_id);
		if (e)
			return e;
		if (poll(&pfd, 1, 100) > 0)
			nl_recvmsgs_default(ev->sock);
	}
	return find_event(log, event, node_id);
}

TEST_F(dev, events_new_revoke_del)
{
	struct m2msec_reply r = { 0 };
	const struct event *e;
	struct event_log log;
	struct m2msec_nl ev;
	struct conn a, b;
	int err;

	make_conn(_metadata, &self->p, true, &a);
	make_conn(_metadata, &self->p, true, &b);
	events_open(_metadata, &ev, &log);

	add_peer(_metadata, self->nl, a.key_r);
	e = wait_event(&ev, &log, M2MSEC_EVENT_PEER_UP, a.node_id);
	ASSERT_NE(NULL, e) TH_LOG("no PEER_UP after PEER_NEW");
	EXPECT_EQ((uint32_t)self->ifindex, e->ifindex);
	e = wait_event(&ev, &log, M2MSEC_EVENT_KEY_INSTALLED, a.node_id);
	ASSERT_NE(NULL, e) TH_LOG("no KEY_INSTALLED after PEER_NEW");
	EXPECT_EQ(a.key_r, e->key);

	ASSERT_EQ(0, keyctl_revoke(a.key_r));
	e = wait_event(&ev, &log, M2MSEC_EVENT_PEER_DOWN, a.node_id);
	ASSERT_NE(NULL, e) TH_LOG("no PEER_DOWN after keyctl revoke");

	add_peer(_metadata, self->nl, b.key_r);
	ASSERT_NE(NULL, wait_event(&ev, &log, M2MSEC_EVENT_PEER_UP,
				   b.node_id));
	err = peer_del(self->nl, b.node_id, &r);
	ASSERT_STEP_OK("PEER_DEL", err, &r);
	e = wait_event(&ev, &log, M2MSEC_EVENT_PEER_DOWN, b.node_id);
	ASSERT_NE(NULL, e) TH_LOG("no PEER_DOWN after PEER_DEL");
	m2msec_nl_close(&ev);
	m2msec_reply_free(&r);
}

TEST_HARNESS_MAIN
