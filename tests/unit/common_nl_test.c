// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the agent's m2msec netlink messages, without a socket.
 * Requests built by nl_msg.c are parsed back attribute by attribute.
 * Hand-built kernel replies (data, acks, extended ack errors, dump ends)
 * go through the processing that nl.c applies to received buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl_msg.h"

#include "check.h"

#define FAMILY	0x1c
#define SEQ	4242
#define PORTID	777

static const uint8_t node_id[M2MSEC_NODE_ID_LEN] = {
	0x0f, 0x06, 0x2d, 0xf3, 0x74, 0xc2, 0xdd, 0xab,
	0x6d, 0x22, 0x98, 0x07, 0xed, 0x52, 0xe1, 0xff,
};
static const uint8_t key_id[M2MSEC_KEY_ID_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

/* Attributes of a message indexed by type, with a count of each. */
struct attr_table {
	const struct nlattr *a[M2MSEC_A_MAX + 2];
	int count[M2MSEC_A_MAX + 2];
	int total;
};

static int table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type > M2MSEC_A_MAX)
		type = M2MSEC_A_MAX + 1;
	t->a[type] = attr;
	t->count[type]++;
	t->total++;
	return MNL_CB_OK;
}

static void table_fill(const struct nlmsghdr *nlh, struct attr_table *t)
{
	memset(t, 0, sizeof(*t));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_cb, t);
}

static struct m2m_hs *hs_alloc(void)
{
	struct m2m_hs *hs = calloc(1, sizeof(*hs));

	if (!hs)
		exit(2);
	return hs;
}

static void test_request_header(void)
{
	char buf[M2M_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_INIT, NLM_F_ACK, SEQ);
	genl = mnl_nlmsg_get_payload(nlh);
	CHECK(nlh->nlmsg_type == FAMILY, "family id in nlmsg_type");
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK),
	      "flags 0x%x", nlh->nlmsg_flags);
	CHECK(nlh->nlmsg_seq == SEQ, "sequence number");
	CHECK(genl->cmd == M2MSEC_CMD_HS_INIT, "command");
	CHECK(genl->version == M2MSEC_GENL_VERSION, "family version");
	CHECK(nlh->nlmsg_len == NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*genl)),
	      "empty request length %u", nlh->nlmsg_len);
}

/* HS_INIT takes MODE, ID and SUITES only, whatever else is set. */
static void test_request_init(void)
{
	struct m2m_hs *req = hs_alloc();
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err;
	struct attr_table t;
	struct nlmsghdr *nlh;

	req->mode = M2MSEC_MODE_CONNECT;
	req->suites = M2MSEC_SUITES_ALL;
	memcpy(req->id, node_id, sizeof(node_id));
	req->id_len = sizeof(node_id);
	req->index = 99;		/* not an HS_INIT attribute */
	req->keyring = -4;		/* not an HS_INIT attribute */
	snprintf(req->scl_id, sizeof(req->scl_id), "gscl");

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_INIT, NLM_F_ACK, SEQ);
	CHECK(m2m_nl_msg_put_hs(nlh, sizeof(buf), M2MSEC_CMD_HS_INIT, req,
				&err) == 0, "HS_INIT request builds");
	table_fill(nlh, &t);
	CHECK(t.total == 3, "HS_INIT has 3 attributes, got %d", t.total);
	CHECK(t.a[M2MSEC_A_MODE] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_MODE]) == 1 &&
	      mnl_attr_get_u8(t.a[M2MSEC_A_MODE]) == M2MSEC_MODE_CONNECT,
	      "MODE is a u8 of value 2");
	CHECK(t.a[M2MSEC_A_SUITES] &&
	      mnl_attr_get_u8(t.a[M2MSEC_A_SUITES]) == M2MSEC_SUITES_ALL,
	      "SUITES is 3");
	CHECK(t.a[M2MSEC_A_ID] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_ID]) == sizeof(node_id) &&
	      !memcmp(mnl_attr_get_payload(t.a[M2MSEC_A_ID]), node_id,
		      sizeof(node_id)),
	      "ID is the 16-byte node id");
	CHECK(!t.a[M2MSEC_A_INDEX], "INDEX is left out of HS_INIT");
	CHECK(!t.a[M2MSEC_A_KEYRING], "KEYRING is left out of HS_INIT");
	CHECK(!t.a[M2MSEC_A_SCL_ID], "SCL_ID is left out of HS_INIT");
	free(req);
}

static void check_strz(const struct attr_table *t, unsigned int type,
		       const char *value)
{
	const struct nlattr *a = t->a[type];

	CHECK(a != NULL, "attribute %s present", m2m_nl_attr_name(type));
	if (!a)
		return;
	CHECK(mnl_attr_get_payload_len(a) == strlen(value) + 1,
	      "%s carries %zu bytes with its NUL, got %u",
	      m2m_nl_attr_name(type), strlen(value) + 1,
	      mnl_attr_get_payload_len(a));
	CHECK(!strcmp(mnl_attr_get_str(a), value), "%s is \"%s\"",
	      m2m_nl_attr_name(type), value);
}

/* HS_RESPOND in connect mode: every RESP field of the request. */
static void test_request_respond(void)
{
	struct m2m_hs *req = hs_alloc();
	static const uint8_t init[40] = { 1, 1, 2, 3, 0, 0, 0, 9 };
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err;
	struct attr_table t;
	struct nlmsghdr *nlh;

	memcpy(req->msg, init, sizeof(init));
	req->msg_len = sizeof(init);
	req->has_conn_id = true;
	req->conn_id = 0x1122334455667701ULL;
	req->has_key_index = true;
	req->key_index = 0;	/* zero is a valid index when has_* says so */
	req->has_lifetime = true;
	req->lifetime = 3600;
	req->has_mid_flags = true;
	req->mid_flags = M2MSEC_MID_PROTECT;
	req->suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_CHACHA20POLY1305);
	snprintf(req->nscl_id, sizeof(req->nscl_id), "nscl");
	memcpy(req->node_id, node_id, sizeof(node_id));
	req->has_node_id = true;

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_RESPOND, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_hs(nlh, sizeof(buf), M2MSEC_CMD_HS_RESPOND, req,
				&err) == 0, "HS_RESPOND request builds");
	table_fill(nlh, &t);
	CHECK(t.total == 8, "HS_RESPOND has 8 attributes, got %d", t.total);
	CHECK(t.a[M2MSEC_A_MSG] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_MSG]) == sizeof(init) &&
	      !memcmp(mnl_attr_get_payload(t.a[M2MSEC_A_MSG]), init,
		      sizeof(init)), "MSG is the INIT");
	CHECK(t.a[M2MSEC_A_CONN_ID] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_CONN_ID]) == 8 &&
	      mnl_attr_get_u64(t.a[M2MSEC_A_CONN_ID]) == req->conn_id,
	      "CONN_ID is the u64");
	CHECK(t.a[M2MSEC_A_KEY_INDEX] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_KEY_INDEX]) == 4 &&
	      mnl_attr_get_u32(t.a[M2MSEC_A_KEY_INDEX]) == 0,
	      "KEY_INDEX 0 is sent");
	CHECK(t.a[M2MSEC_A_LIFETIME] &&
	      mnl_attr_get_u32(t.a[M2MSEC_A_LIFETIME]) == 3600, "LIFETIME");
	CHECK(t.a[M2MSEC_A_MID_FLAGS] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_MID_FLAGS]) == 2 &&
	      mnl_attr_get_u16(t.a[M2MSEC_A_MID_FLAGS]) == M2MSEC_MID_PROTECT,
	      "MID_FLAGS is a u16");
	CHECK(t.a[M2MSEC_A_SUITES] &&
	      mnl_attr_get_u8(t.a[M2MSEC_A_SUITES]) == 2, "SUITES");
	CHECK(t.a[M2MSEC_A_NODE_ID] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_NODE_ID]) == 16,
	      "NODE_ID has 16 bytes");
	check_strz(&t, M2MSEC_A_NSCL_ID, "nscl");
	CHECK(!t.a[M2MSEC_A_MAS_FQDN], "empty MAS_FQDN is left out");
	CHECK(!t.a[M2MSEC_A_SCL_ID], "empty SCL_ID is left out");
	free(req);
}

static void test_request_complete_and_kma(void)
{
	struct m2m_hs *req = hs_alloc();
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err;
	struct attr_table t;
	struct nlmsghdr *nlh;

	req->index = 1789865241u;
	req->msg_len = 128;
	req->keyring = -4;	/* KEY_SPEC_USER_KEYRING */
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_COMPLETE, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_hs(nlh, sizeof(buf), M2MSEC_CMD_HS_COMPLETE, req,
				&err) == 0, "HS_COMPLETE request builds");
	table_fill(nlh, &t);
	CHECK(t.total == 3, "HS_COMPLETE has 3 attributes, got %d", t.total);
	CHECK(t.a[M2MSEC_A_INDEX] &&
	      mnl_attr_get_u32(t.a[M2MSEC_A_INDEX]) == 1789865241u, "INDEX");
	CHECK(t.a[M2MSEC_A_KEYRING] &&
	      (int32_t)mnl_attr_get_u32(t.a[M2MSEC_A_KEYRING]) == -4,
	      "KEYRING keeps its sign");
	CHECK(t.a[M2MSEC_A_MSG] &&
	      mnl_attr_get_payload_len(t.a[M2MSEC_A_MSG]) == 128, "MSG");

	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_KMA_DERIVE, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_kma(nlh, sizeof(buf), key_id, "app-1", -4, 1000,
				 &err) == 0, "KMA_DERIVE request builds");
	table_fill(nlh, &t);
	CHECK(t.total == 4, "KMA_DERIVE has 4 attributes, got %d", t.total);
	CHECK(t.a[M2MSEC_A_KEY_ID] &&
	      !memcmp(mnl_attr_get_payload(t.a[M2MSEC_A_KEY_ID]), key_id, 16),
	      "KEY_ID");
	check_strz(&t, M2MSEC_A_APP_ID, "app-1");
	CHECK(t.a[M2MSEC_A_UID] != NULL, "UID present");
	CHECK(t.a[M2MSEC_A_UID] && mnl_attr_get_u32(t.a[M2MSEC_A_UID]) == 1000,
	      "UID is 1000");
	CHECK(m2m_nl_msg_put_kma(nlh, sizeof(buf), key_id, "", -4, 0, &err) ==
	      -EINVAL, "empty application id is rejected");
	CHECK(m2m_nl_msg_put_hs(nlh, sizeof(buf), M2MSEC_CMD_HS_GET, req,
				&err) == -EINVAL, "HS_GET is no handshake request");
	free(req);
}

static void test_request_too_small(void)
{
	struct m2m_hs *req = hs_alloc();
	char buf[M2M_NL_REQ_SIZE];
	struct m2m_nl_err err;
	struct nlmsghdr *nlh;

	req->msg_len = M2MSEC_MSG_MAX;
	nlh = m2m_nl_msg_start(buf, FAMILY, M2MSEC_CMD_HS_FINISH, NLM_F_ACK,
			       SEQ);
	CHECK(m2m_nl_msg_put_hs(nlh, 512, M2MSEC_CMD_HS_FINISH, req, &err) ==
	      -EMSGSIZE, "a request larger than its buffer is rejected");
	CHECK(err.error == EMSGSIZE, "error is EMSGSIZE");
	req->msg_len = M2MSEC_MSG_MAX + 1;
	CHECK(m2m_nl_msg_put_hs(nlh, sizeof(buf), M2MSEC_CMD_HS_FINISH, req,
				&err) == -EINVAL, "msg_len over the buffer is rejected");
	free(req);
}

/* Start a kernel message of type in buf at offset *off. */
static struct nlmsghdr *reply_start(char *buf, size_t *off, uint16_t type,
				    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	if (type >= NLMSG_MIN_TYPE) {
		struct genlmsghdr *g;

		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = M2MSEC_CMD_HS_COMPLETE;
		g->version = M2MSEC_GENL_VERSION;
	}
	return nlh;
}

static void reply_end(struct nlmsghdr *nlh, size_t *off)
{
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* An ack as the kernel sends it with NETLINK_CAP_ACK. */
static void put_ack(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = reply_start(buf, off, NLMSG_ERROR,
					   NLM_F_CAPPED);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = 0;
	e->msg.nlmsg_len = 64;
	e->msg.nlmsg_seq = SEQ;
	reply_end(nlh, off);
}

/* A HS_COMPLETE reply of a connect handshake, as the kernel builds it. */
static void put_complete_reply(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = reply_start(buf, off, FAMILY, 0);
	static const uint8_t finish[40] = { 1, 3, 2, 0, 0x77, 0x1e, 0xec, 0xac };

	mnl_attr_put(nlh, M2MSEC_A_MSG, sizeof(finish), finish);
	mnl_attr_put_u32(nlh, M2MSEC_A_KEY_SERIAL, 123456789);
	mnl_attr_put(nlh, M2MSEC_A_KEY_ID, sizeof(key_id), key_id);
	mnl_attr_put_u8(nlh, M2MSEC_A_MODE, M2MSEC_MODE_CONNECT);
	mnl_attr_put_u32(nlh, M2MSEC_A_INDEX, 1789865241u);
	mnl_attr_put_u32(nlh, M2MSEC_A_PEER_INDEX, 1998515372u);
	/* nla_put_u64_64bit() adds a PAD attribute to align the u64. */
	mnl_attr_put(nlh, M2MSEC_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, M2MSEC_A_CONN_ID, 0x1122334455667701ULL);
	mnl_attr_put_u32(nlh, M2MSEC_A_KEY_INDEX, 1);
	mnl_attr_put_u32(nlh, M2MSEC_A_LIFETIME, 3600);
	mnl_attr_put_u16(nlh, M2MSEC_A_MID_FLAGS, 1);
	mnl_attr_put_strz(nlh, M2MSEC_A_NSCL_ID, "nscl");
	mnl_attr_put_u8(nlh, M2MSEC_A_SUITE, M2MSEC_SUITE_AES256GCM);
	reply_end(nlh, off);
}

static int parse_hs_cb(const struct nlmsghdr *nlh, void *data,
		       struct m2m_nl_err *err)
{
	return m2m_nl_msg_parse_hs(nlh, data, err);
}

static void test_reply_parse(void)
{
	struct m2m_hs *r = hs_alloc();
	struct m2m_nl_err err;
	char buf[8192];
	size_t off = 0;
	int ret;

	put_complete_reply(buf, &off);
	put_ack(buf, &off);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == 1, "reply and ack end the exchange, got %d", ret);
	CHECK(r->msg_len == 40, "MSG has 40 bytes, got %zu", r->msg_len);
	CHECK(r->msg[1] == 3, "MSG is the FINISH");
	CHECK(r->key_serial == 123456789, "KEY_SERIAL %d", r->key_serial);
	CHECK(r->has_key_id, "KEY_ID present");
	CHECK(!memcmp(r->key_id, key_id, 16), "KEY_ID value");
	CHECK(r->mode == M2MSEC_MODE_CONNECT, "MODE");
	CHECK(r->index == 1789865241u, "INDEX");
	CHECK(r->peer_index == 1998515372u, "PEER_INDEX");
	CHECK(r->has_conn_id, "CONN_ID present");
	CHECK(r->conn_id == 0x1122334455667701ULL, "CONN_ID value");
	CHECK(r->has_key_index, "KEY_INDEX present");
	CHECK(r->key_index == 1, "KEY_INDEX value %u", r->key_index);
	CHECK(r->has_lifetime, "LIFETIME present");
	CHECK(r->lifetime == 3600, "LIFETIME value %u", r->lifetime);
	CHECK(r->has_mid_flags, "MID_FLAGS present");
	CHECK(r->mid_flags == 1, "MID_FLAGS value %u", r->mid_flags);
	CHECK(!strcmp(r->nscl_id, "nscl"), "NSCL_ID \"%s\"", r->nscl_id);
	CHECK(r->suite == M2MSEC_SUITE_AES256GCM, "SUITE");
	CHECK(!r->has_node_id, "absent NODE_ID stays absent");
	CHECK(r->mas_fqdn[0] == '\0', "absent MAS_FQDN stays empty");

	/* The reply alone: more must be read to get the ack. */
	off = 0;
	put_complete_reply(buf, &off);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == 0, "a reply without its ack asks for more, got %d", ret);
	free(r);
}

/* An error with extended ack attributes after the capped request. */
static void put_extack_error(char *buf, size_t *off, int error,
			     const char *msg, bool capped, int miss_type)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	char *orig_payload;

	nlh = reply_start(buf, off, NLMSG_ERROR,
			  NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0));
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -error;
	e->msg.nlmsg_type = FAMILY;
	e->msg.nlmsg_seq = SEQ;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	if (!capped) {
		/* The whole request follows: 20 bytes of payload here. */
		e->msg.nlmsg_len += 20;
		orig_payload = mnl_nlmsg_put_extra_header(nlh, 20);
		memset(orig_payload, 0xee, 20);
	}
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 24);
	if (miss_type)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, miss_type);
	reply_end(nlh, off);
}

static void test_extack_error(void)
{
	struct m2m_hs *r = hs_alloc();
	struct m2m_nl_err err;
	char buf[8192];
	size_t off = 0;
	int ret;

	put_extack_error(buf, &off, EKEYREJECTED, "mac_r verification failed",
			 true, 0);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == -EKEYREJECTED, "capped error returns -EKEYREJECTED, got %d",
	      ret);
	CHECK(err.error == EKEYREJECTED, "err.error %d", err.error);
	CHECK(!strcmp(err.msg, "mac_r verification failed"),
	      "extack message \"%s\"", err.msg);

	off = 0;
	put_extack_error(buf, &off, ENOKEY, "no m2m_root key for node 0f06",
			 false, 0);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == -ENOKEY, "uncapped error returns -ENOKEY, got %d", ret);
	CHECK(!strcmp(err.msg, "no m2m_root key for node 0f06"),
	      "extack after the full request \"%s\"", err.msg);

	off = 0;
	put_extack_error(buf, &off, EINVAL, "Missing attribute", true,
			 M2MSEC_A_MSG);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == -EINVAL, "missing attribute error returns -EINVAL");
	CHECK(!strcmp(err.msg, "Missing attribute (missing attribute MSG)"),
	      "missing attribute is named: \"%s\"", err.msg);

	off = 0;
	put_extack_error(buf, &off, EBUSY, NULL, true, 0);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == -EBUSY, "error without message returns -EBUSY");
	CHECK(!strcmp(err.msg, strerror(EBUSY)),
	      "falls back to strerror: \"%s\"", err.msg);

	off = 0;
	put_extack_error(buf, &off, EPROTO, "line one\nline two", true, 0);
	m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r, &err);
	CHECK(!strchr(err.msg, '\n'), "kernel text stays on one line");
	free(r);
}

/* Replace the first attribute of type in the reply with a bad one. */
static void check_bad_reply(void (*build)(struct nlmsghdr *nlh),
			    const char *reason_part, const char *what)
{
	struct m2m_hs *r = hs_alloc();
	struct m2m_nl_err err = { 0 };
	struct nlmsghdr *nlh;
	char buf[8192];
	size_t off = 0;
	int ret;

	nlh = reply_start(buf, &off, FAMILY, 0);
	mnl_attr_put_u32(nlh, M2MSEC_A_KEY_SERIAL, 5);
	build(nlh);
	reply_end(nlh, &off);
	put_ack(buf, &off);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, parse_hs_cb, r,
			     &err);
	CHECK(ret == -EPROTO, "%s is rejected with -EPROTO, got %d", what,
	      ret);
	CHECK(strstr(err.msg, reason_part) != NULL,
	      "%s: \"%s\" has \"%s\"", what, err.msg, reason_part);
	free(r);
}

static void put_short_index(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, M2MSEC_A_INDEX, 7);
}

static void put_long_mode(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, M2MSEC_A_MODE, 2);
}

static void put_short_node_id(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, M2MSEC_A_NODE_ID, 15, node_id);
}

static void put_unknown_type(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, M2MSEC_A_MAX + 1, 1);
}

static void put_unterminated_string(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, M2MSEC_A_SCL_ID, 4, "gscl");
}

static void put_empty_string(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, M2MSEC_A_NSCL_ID, "");
}

static void put_long_string(struct nlmsghdr *nlh)
{
	char s[M2MSEC_STR_MAX + 2];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	mnl_attr_put_strz(nlh, M2MSEC_A_MAS_FQDN, s);
}

static void put_long_msg(struct nlmsghdr *nlh)
{
	static uint8_t msg[M2MSEC_MSG_MAX + 1];

	mnl_attr_put(nlh, M2MSEC_A_MSG, sizeof(msg), msg);
}

static void test_reply_rejects(void)
{
	check_bad_reply(put_short_index, "INDEX has length 2",
			"2-byte INDEX");
	check_bad_reply(put_long_mode, "MODE has length 4", "4-byte MODE");
	check_bad_reply(put_short_node_id, "NODE_ID has length 15",
			"15-byte NODE_ID");
	check_bad_reply(put_unknown_type, "unexpected attribute type",
			"unknown attribute");
	check_bad_reply(put_unterminated_string, "NUL-terminated",
			"string without NUL");
	check_bad_reply(put_empty_string, "NSCL_ID has length 0",
			"empty string");
	check_bad_reply(put_long_string, "MAS_FQDN has length 256",
			"256-byte string");
	check_bad_reply(put_long_msg, "MSG has length 1025", "oversized MSG");
}

static void test_sequence_and_port(void)
{
	struct m2m_hs *r = hs_alloc();
	struct m2m_nl_err err;
	char buf[8192];
	size_t off = 0;
	int ret;

	put_complete_reply(buf, &off);
	put_ack(buf, &off);
	ret = m2m_nl_msg_run(buf, off, SEQ + 1, PORTID, FAMILY, parse_hs_cb,
			     r, &err);
	CHECK(ret == -EPROTO, "wrong sequence number is rejected");
	CHECK(strstr(err.msg, "sequence number 4242, expected 4243") != NULL,
	      "reason: %s", err.msg);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID + 1, FAMILY, parse_hs_cb,
			     r, &err);
	CHECK(ret == -EPROTO, "wrong port is rejected");
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY + 1, parse_hs_cb,
			     r, &err);
	CHECK(ret == -EPROTO, "reply of another family is rejected");
	ret = m2m_nl_msg_run(buf, off - 3, SEQ, PORTID, FAMILY, parse_hs_cb,
			     r, &err);
	CHECK(ret == -EPROTO, "truncated buffer is rejected, got %d", ret);
	free(r);
}

struct dump_ctx {
	struct m2m_hs_entry entries[4];
	int n;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data,
		   struct m2m_nl_err *err)
{
	struct dump_ctx *ctx = data;

	if (ctx->n >= 4)
		return -ENOSPC;
	return m2m_nl_msg_parse_entry(nlh, &ctx->entries[ctx->n++], err);
}

static void put_entry(char *buf, size_t *off, uint32_t index, uint8_t role)
{
	struct nlmsghdr *nlh = reply_start(buf, off, FAMILY, NLM_F_MULTI);

	mnl_attr_put_u32(nlh, M2MSEC_A_INDEX, index);
	mnl_attr_put_u32(nlh, M2MSEC_A_PEER_INDEX, index + 1);
	mnl_attr_put_u8(nlh, M2MSEC_A_MODE, M2MSEC_MODE_CONNECT);
	mnl_attr_put_u8(nlh, M2MSEC_A_ROLE, role);
	mnl_attr_put_u8(nlh, M2MSEC_A_STATE, M2MSEC_HS_STATE_RESP_SENT);
	mnl_attr_put_u64(nlh, M2MSEC_A_AGE_MS, 1500);
	reply_end(nlh, off);
}

static void put_done(char *buf, size_t *off, int error, const char *msg)
{
	struct nlmsghdr *nlh;
	int *e;

	nlh = reply_start(buf, off, NLMSG_DONE,
			  NLM_F_MULTI | (msg ? NLM_F_ACK_TLVS : 0));
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = error;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	reply_end(nlh, off);
}

static void test_dump(void)
{
	struct dump_ctx ctx = { 0 };
	struct m2m_nl_err err;
	char buf[8192];
	size_t off = 0;
	int ret;

	put_entry(buf, &off, 10, M2MSEC_ROLE_INITIATOR);
	put_entry(buf, &off, 20, M2MSEC_ROLE_RESPONDER);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, dump_cb, &ctx,
			     &err);
	CHECK(ret == 0, "dump part without DONE asks for more");
	off = 0;
	put_done(buf, &off, 0, NULL);
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, dump_cb, &ctx,
			     &err);
	CHECK(ret == 1, "DONE ends the dump");
	CHECK(ctx.n == 2, "two entries, got %d", ctx.n);
	CHECK(ctx.entries[0].index == 10, "first entry index");
	CHECK(ctx.entries[0].peer_index == 11, "first entry peer index");
	CHECK(ctx.entries[0].role == M2MSEC_ROLE_INITIATOR, "first role");
	CHECK(ctx.entries[1].role == M2MSEC_ROLE_RESPONDER, "second role");
	CHECK(ctx.entries[1].state == M2MSEC_HS_STATE_RESP_SENT, "state");
	CHECK(ctx.entries[1].mode == M2MSEC_MODE_CONNECT, "mode");
	CHECK(ctx.entries[1].age_ms == 1500, "age");

	off = 0;
	put_done(buf, &off, -EINTR, "dump interrupted, try again");
	ret = m2m_nl_msg_run(buf, off, SEQ, PORTID, FAMILY, dump_cb, &ctx,
			     &err);
	CHECK(ret == -EINTR, "DONE with an error returns it, got %d", ret);
	CHECK(!strcmp(err.msg, "dump interrupted, try again"),
	      "DONE extack message \"%s\"", err.msg);
}

static void test_entry_without_index(void)
{
	struct m2m_hs_entry entry;
	struct m2m_nl_err err;
	struct nlmsghdr *nlh;
	char buf[256];
	size_t off = 0;

	nlh = reply_start(buf, &off, FAMILY, NLM_F_MULTI);
	mnl_attr_put_u8(nlh, M2MSEC_A_ROLE, 1);
	CHECK(m2m_nl_msg_parse_entry(nlh, &entry, &err) == -EPROTO,
	      "dump entry without INDEX is rejected");
}

int main(void)
{
	test_request_header();
	test_request_init();
	test_request_respond();
	test_request_complete_and_kma();
	test_request_too_small();
	test_reply_parse();
	test_extack_error();
	test_reply_rejects();
	test_sequence_and_port();
	test_dump();
	test_entry_without_index();
	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
