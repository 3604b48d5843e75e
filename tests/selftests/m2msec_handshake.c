// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end handshakes through the m2msec generic netlink family: both
 * modes, every suite, the two modes chained, the HS_GET dump, and the
 * check that no reply carries an attribute the uapi does not list or a
 * secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "m2msec_fixture.h"

/* Sizes of the handshake messages of wire protocol version 1. */
#define HDR_LEN		8
#define INIT_LEN(id)	(HDR_LEN + 32 + 32 + 2 + (id))
#define BOOT_RESP_LEN(fqdn, scl) \
	(HDR_LEN + 32 + 32 + 16 + 4 + 4 + 2 + (fqdn) + 2 + (scl) + 32)
#define CONN_RESP_LEN(nscl) \
	(HDR_LEN + 32 + 32 + 8 + 4 + 4 + 2 + 2 + (nscl) + 32)
#define FINISH_LEN	(HDR_LEN + 32)

#define BIT64(n)	(1ULL << (n))

static void check_header(struct __test_metadata *_metadata, const char *what,
			 const uint8_t *msg, uint8_t type, uint8_t mode,
			 uint8_t byte3, uint32_t index)
{
	ASSERT_EQ(1, msg[0]) TH_LOG("%s: expected version 1", what);
	ASSERT_EQ(type, msg[1]) TH_LOG("%s: expected message type %u",
				       what, type);
	ASSERT_EQ(mode, msg[2]) TH_LOG("%s: expected mode %u", what, mode);
	ASSERT_EQ(byte3, msg[3]) TH_LOG("%s: expected suite byte %u",
					what, byte3);
	ASSERT_EQ(index, m2msec_get_be32(msg + 4))
		TH_LOG("%s: expected index %u in the header", what, index);
}

/* Assert a reply string attribute equals expected. */
static void check_str(struct __test_metadata *_metadata, const char *what,
		      const struct m2msec_reply *r, int type,
		      const char *expected)
{
	char buf[M2MSEC_STR_MAX + 2];

	ASSERT_TRUE(m2msec_reply_has(r, type))
		TH_LOG("%s: expected attribute %d", what, type);
	ASSERT_STREQ(expected, m2msec_reply_str(r, type, buf, sizeof(buf)));
}

/* Assert a binary reply attribute equals expected, byte for byte. */
static void check_bytes(struct __test_metadata *_metadata, const char *what,
			const struct m2msec_reply *r, int type,
			const void *expected, size_t len)
{
	const void *data;
	size_t got;

	data = m2msec_reply_data(r, type, &got);
	ASSERT_NE(NULL, data) TH_LOG("%s: expected attribute %d", what, type);
	ASSERT_EQ(len, got) TH_LOG("%s: attribute %d has the wrong length",
				   what, type);
	ASSERT_EQ(0, memcmp(expected, data, len))
		TH_LOG("%s: attribute %d differs from the value expected",
		       what, type);
}

/*
 * Assert that keyring contains exactly one key of type named desc, that
 * it is the key serial and that user space cannot read it.
 */
static void check_one_key(struct __test_metadata *_metadata,
			  key_serial_t keyring, const char *type,
			  const char *desc, key_serial_t serial)
{
	key_serial_t found = 0;
	uint8_t buf[64];
	int n;

	n = m2msec_keyring_count(keyring, type, desc, &found);
	ASSERT_EQ(1, n) TH_LOG("expected one %s key \"%s\" in keyring %d",
			       type, desc, keyring);
	ASSERT_EQ(serial, found)
		TH_LOG("the %s key in keyring %d is not KEY_SERIAL %d",
		       type, keyring, serial);
	ASSERT_GT(0, keyctl_read(serial, (char *)buf, sizeof(buf)))
		TH_LOG("keyctl_read of %s key %d succeeded, expected it to fail",
		       type, serial);
}

FIXTURE(hs) {
	struct m2msec_pair p;
};

FIXTURE_SETUP(hs)
{
	m2msec_fixture_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(hs)
{
	m2msec_pair_teardown(&self->p);
}

TEST_F(hs, bootstrap_end_to_end)
{
	struct m2msec_pair *p = &self->p;
	char boot_id[32], node_hex[M2MSEC_HEX_ID_LEN + 1];
	struct m2msec_boot_fields f;
	struct m2msec_hs hs = { 0 };
	const uint8_t *init, *resp, *fin, *gw_id, *nw_id;
	uint32_t index_i, index_r;
	key_serial_t gw_key, nw_key;
	uint8_t psk[M2MSEC_KEY_LEN];
	size_t len, id_len, fqdn_len, scl_len;
	int gw_before, nw_before, err;

	snprintf(boot_id, sizeof(boot_id), "serial-%08x", getpid());
	id_len = strlen(boot_id);
	m2msec_add_psk_both(_metadata, p, M2MSEC_KEY_TYPE_BOOT, boot_id, psk,
			    NULL, NULL);
	m2msec_boot_fields_fill(&f);
	fqdn_len = strlen(f.mas_fqdn);
	scl_len = strlen(f.scl_id);
	m2msec_hex(f.node_id, sizeof(f.node_id), node_hex);
	gw_before = m2msec_keyring_size(_metadata, p->gw.keyring);
	nw_before = m2msec_keyring_size(_metadata, p->nw.keyring);

	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_BOOTSTRAP, boot_id, id_len,
			     0, &hs.init);
	ASSERT_STEP_OK("HS_INIT", err, &hs.init);
	ASSERT_EQ(0, hs.init.parse_err);
	ASSERT_TRUE(m2msec_reply_has(&hs.init, M2MSEC_A_INDEX));
	index_i = m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX);
	ASSERT_NE(0U, index_i);
	init = m2msec_msg(&hs.init, &len);
	ASSERT_NE(NULL, init) TH_LOG("HS_INIT reply has no MSG");
	ASSERT_EQ(INIT_LEN(id_len), len);
	check_header(_metadata, "INIT", init, 1, M2MSEC_MODE_BOOTSTRAP, 0,
		     index_i);
	ASSERT_EQ(id_len, (size_t)(init[72] << 8 | init[73]));
	ASSERT_EQ(0, memcmp(init + 74, boot_id, id_len));

	err = m2msec_hs_respond_boot(&p->nw, init, len, &f, &hs.resp);
	ASSERT_STEP_OK("HS_RESPOND", err, &hs.resp);
	ASSERT_EQ(0, hs.resp.parse_err);
	index_r = m2msec_reply_u32(&hs.resp, M2MSEC_A_INDEX);
	ASSERT_NE(0U, index_r);
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.resp, M2MSEC_A_PEER_INDEX));
	ASSERT_EQ(M2MSEC_MODE_BOOTSTRAP,
		  m2msec_reply_u8(&hs.resp, M2MSEC_A_MODE));
	check_bytes(_metadata, "HS_RESPOND", &hs.resp, M2MSEC_A_ID, boot_id,
		    id_len);
	resp = m2msec_msg(&hs.resp, &len);
	ASSERT_NE(NULL, resp) TH_LOG("HS_RESPOND reply has no MSG");
	ASSERT_EQ(BOOT_RESP_LEN(fqdn_len, scl_len), len);
	check_header(_metadata, "RESP", resp, 2, M2MSEC_MODE_BOOTSTRAP, 0,
		     index_r);
	ASSERT_EQ(0, memcmp(resp + 72, f.node_id, sizeof(f.node_id)));

	err = m2msec_hs_complete(&p->gw, index_i, resp, len, &hs.fin);
	ASSERT_STEP_OK("HS_COMPLETE", err, &hs.fin);
	ASSERT_EQ(0, hs.fin.parse_err);
	fin = m2msec_msg(&hs.fin, &len);
	ASSERT_NE(NULL, fin) TH_LOG("HS_COMPLETE reply has no MSG");
	ASSERT_EQ((size_t)FINISH_LEN, len);
	check_header(_metadata, "FINISH", fin, 3, M2MSEC_MODE_BOOTSTRAP, 0,
		     index_r);
	ASSERT_EQ(M2MSEC_MODE_BOOTSTRAP,
		  m2msec_reply_u8(&hs.fin, M2MSEC_A_MODE));
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.fin, M2MSEC_A_INDEX));
	ASSERT_EQ(index_r, m2msec_reply_u32(&hs.fin, M2MSEC_A_PEER_INDEX));
	check_bytes(_metadata, "HS_COMPLETE", &hs.fin, M2MSEC_A_NODE_ID,
		    f.node_id, sizeof(f.node_id));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_KEY_INDEX));
	ASSERT_EQ(f.kmr_index, m2msec_reply_u32(&hs.fin, M2MSEC_A_KEY_INDEX));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_LIFETIME));
	ASSERT_EQ(f.lifetime, m2msec_reply_u32(&hs.fin, M2MSEC_A_LIFETIME));
	check_str(_metadata, "HS_COMPLETE", &hs.fin, M2MSEC_A_MAS_FQDN,
		  f.mas_fqdn);
	check_str(_metadata, "HS_COMPLETE", &hs.fin, M2MSEC_A_SCL_ID,
		  f.scl_id);
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_KEY_SERIAL));
	gw_key = (key_serial_t)m2msec_reply_u32(&hs.fin, M2MSEC_A_KEY_SERIAL);
	gw_id = m2msec_reply_data(&hs.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, gw_id) TH_LOG("HS_COMPLETE reply has no KEY_ID");

	err = m2msec_hs_finish(&p->nw, fin, FINISH_LEN, &hs.done);
	ASSERT_STEP_OK("HS_FINISH", err, &hs.done);
	ASSERT_EQ(0, hs.done.parse_err);
	ASSERT_EQ(M2MSEC_MODE_BOOTSTRAP,
		  m2msec_reply_u8(&hs.done, M2MSEC_A_MODE));
	ASSERT_EQ(index_r, m2msec_reply_u32(&hs.done, M2MSEC_A_INDEX));
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.done, M2MSEC_A_PEER_INDEX));
	check_bytes(_metadata, "HS_FINISH", &hs.done, M2MSEC_A_ID, boot_id,
		    id_len);
	check_bytes(_metadata, "HS_FINISH", &hs.done, M2MSEC_A_NODE_ID,
		    f.node_id, sizeof(f.node_id));
	ASSERT_TRUE(m2msec_reply_has(&hs.done, M2MSEC_A_KEY_SERIAL));
	nw_key = (key_serial_t)m2msec_reply_u32(&hs.done,
						M2MSEC_A_KEY_SERIAL);
	nw_id = m2msec_reply_data(&hs.done, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, nw_id) TH_LOG("HS_FINISH reply has no KEY_ID");
	ASSERT_EQ(0, memcmp(gw_id, nw_id, M2MSEC_KEY_ID_LEN))
		TH_LOG("the two sides report different KEY_IDs");
	ASSERT_NE(gw_key, nw_key);

	ASSERT_EQ(0, m2msec_pair_enter_both(p));
	check_one_key(_metadata, p->gw.keyring, M2MSEC_KEY_TYPE_ROOT,
		      node_hex, gw_key);
	check_one_key(_metadata, p->nw.keyring, M2MSEC_KEY_TYPE_ROOT,
		      node_hex, nw_key);
	ASSERT_EQ(gw_before + 1, m2msec_keyring_size(_metadata,
						     p->gw.keyring));
	ASSERT_EQ(nw_before + 1, m2msec_keyring_size(_metadata,
						     p->nw.keyring));
	ASSERT_EQ(-1, m2msec_key_timeout(gw_key))
		TH_LOG("a Kmr of lifetime 0 must not expire");
	ASSERT_EQ(-1, m2msec_key_timeout(nw_key))
		TH_LOG("a Kmr of lifetime 0 must not expire");
	m2msec_hs_free(&hs);
}

FIXTURE(conn) {
	struct m2msec_pair p;
};

FIXTURE_VARIANT(conn) {
	uint8_t init_suites;	/* SUITES of HS_INIT */
	uint8_t resp_suites;	/* SUITES of HS_RESPOND, 0 = left out */
	uint8_t suite;		/* suite the responder must choose */
};

FIXTURE_VARIANT_ADD(conn, aes256gcm) {
	.init_suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_AES256GCM),
	.suite = M2MSEC_SUITE_AES256GCM,
};

FIXTURE_VARIANT_ADD(conn, chacha20poly1305) {
	.init_suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_CHACHA20POLY1305),
	.suite = M2MSEC_SUITE_CHACHA20POLY1305,
};

FIXTURE_VARIANT_ADD(conn, both_offered) {
	.init_suites = M2MSEC_SUITES_ALL,
	.suite = M2MSEC_SUITE_AES256GCM,
};

FIXTURE_VARIANT_ADD(conn, both_offered_responder_chacha) {
	.init_suites = M2MSEC_SUITES_ALL,
	.resp_suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_CHACHA20POLY1305),
	.suite = M2MSEC_SUITE_CHACHA20POLY1305,
};

FIXTURE_SETUP(conn)
{
	m2msec_fixture_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(conn)
{
	m2msec_pair_teardown(&self->p);
}

/* Assert the m2m_conn key of one side: exactly one, unreadable, expiry. */
static void check_conn_key(struct __test_metadata *_metadata,
			   key_serial_t keyring, const uint8_t *key_id,
			   key_serial_t serial, uint32_t lifetime)
{
	char hex[2 * M2MSEC_KEY_ID_LEN + 1];
	char *desc;
	long left;

	m2msec_hex(key_id, M2MSEC_KEY_ID_LEN, hex);
	check_one_key(_metadata, keyring, M2MSEC_KEY_TYPE_CONN, hex, serial);
	ASSERT_LT(0, keyctl_describe_alloc(serial, &desc))
		TH_LOG("keyctl describe of m2m_conn key %d failed", serial);
	EXPECT_NE(NULL, strstr(desc, " node "))
		TH_LOG("describe of key %d lacks the node id: %s", serial, desc);
	EXPECT_NE(NULL, strstr(desc, " kmc_index "))
		TH_LOG("describe of key %d lacks kmc_index: %s", serial, desc);
	EXPECT_NE(NULL, strstr(desc, " expires "))
		TH_LOG("describe of key %d lacks the expiry: %s", serial, desc);
	free(desc);
	left = m2msec_key_timeout(serial);
	ASSERT_LE((long)lifetime - 10, left)
		TH_LOG("m2m_conn key %d expires in %ld s, expected about %u s",
		       serial, left, lifetime);
	ASSERT_GE((long)lifetime, left)
		TH_LOG("m2m_conn key %d expires in %ld s, expected at most %u s",
		       serial, left, lifetime);
}

TEST_F(conn, end_to_end)
{
	struct m2msec_pair *p = &self->p;
	uint8_t node_id[M2MSEC_NODE_ID_LEN], kmr[M2MSEC_KEY_LEN];
	const uint8_t *init, *resp, *fin, *gw_id, *nw_id;
	struct m2msec_conn_fields f;
	struct m2msec_hs hs = { 0 };
	key_serial_t gw_key, nw_key;
	uint32_t index_i, index_r;
	size_t len, nscl_len;
	int err;

	m2msec_add_kmr_both(_metadata, p, node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&f);
	f.suites = variant->resp_suites;
	nscl_len = strlen(f.nscl_id);

	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, node_id,
			     sizeof(node_id), variant->init_suites, &hs.init);
	ASSERT_STEP_OK("HS_INIT", err, &hs.init);
	ASSERT_EQ(0, hs.init.parse_err);
	index_i = m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX);
	ASSERT_NE(0U, index_i);
	init = m2msec_msg(&hs.init, &len);
	ASSERT_NE(NULL, init) TH_LOG("HS_INIT reply has no MSG");
	ASSERT_EQ((size_t)INIT_LEN(M2MSEC_NODE_ID_LEN), len);
	check_header(_metadata, "INIT", init, 1, M2MSEC_MODE_CONNECT,
		     variant->init_suites, index_i);
	ASSERT_EQ(M2MSEC_NODE_ID_LEN, init[72] << 8 | init[73]);
	ASSERT_EQ(0, memcmp(init + 74, node_id, sizeof(node_id)));

	err = m2msec_hs_respond_conn(&p->nw, init, len, &f, &hs.resp);
	ASSERT_STEP_OK("HS_RESPOND", err, &hs.resp);
	ASSERT_EQ(0, hs.resp.parse_err);
	index_r = m2msec_reply_u32(&hs.resp, M2MSEC_A_INDEX);
	ASSERT_NE(0U, index_r);
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.resp, M2MSEC_A_PEER_INDEX));
	ASSERT_EQ(M2MSEC_MODE_CONNECT,
		  m2msec_reply_u8(&hs.resp, M2MSEC_A_MODE));
	ASSERT_TRUE(m2msec_reply_has(&hs.resp, M2MSEC_A_SUITE));
	ASSERT_EQ(variant->suite, m2msec_reply_u8(&hs.resp, M2MSEC_A_SUITE))
		TH_LOG("HS_RESPOND chose the wrong suite");
	check_bytes(_metadata, "HS_RESPOND", &hs.resp, M2MSEC_A_ID, node_id,
		    sizeof(node_id));
	resp = m2msec_msg(&hs.resp, &len);
	ASSERT_NE(NULL, resp) TH_LOG("HS_RESPOND reply has no MSG");
	ASSERT_EQ(CONN_RESP_LEN(nscl_len), len);
	check_header(_metadata, "RESP", resp, 2, M2MSEC_MODE_CONNECT,
		     variant->suite, index_r);

	err = m2msec_hs_complete(&p->gw, index_i, resp, len, &hs.fin);
	ASSERT_STEP_OK("HS_COMPLETE", err, &hs.fin);
	ASSERT_EQ(0, hs.fin.parse_err);
	fin = m2msec_msg(&hs.fin, &len);
	ASSERT_NE(NULL, fin) TH_LOG("HS_COMPLETE reply has no MSG");
	ASSERT_EQ((size_t)FINISH_LEN, len);
	check_header(_metadata, "FINISH", fin, 3, M2MSEC_MODE_CONNECT, 0,
		     index_r);
	ASSERT_EQ(M2MSEC_MODE_CONNECT, m2msec_reply_u8(&hs.fin, M2MSEC_A_MODE));
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.fin, M2MSEC_A_INDEX));
	ASSERT_EQ(index_r, m2msec_reply_u32(&hs.fin, M2MSEC_A_PEER_INDEX));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_CONN_ID));
	ASSERT_EQ(f.conn_id, m2msec_reply_u64(&hs.fin, M2MSEC_A_CONN_ID));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_KEY_INDEX));
	ASSERT_EQ(f.kmc_index, m2msec_reply_u32(&hs.fin, M2MSEC_A_KEY_INDEX));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_LIFETIME));
	ASSERT_EQ(f.lifetime, m2msec_reply_u32(&hs.fin, M2MSEC_A_LIFETIME));
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_MID_FLAGS));
	ASSERT_EQ(f.mid_flags, m2msec_reply_u16(&hs.fin, M2MSEC_A_MID_FLAGS));
	check_str(_metadata, "HS_COMPLETE", &hs.fin, M2MSEC_A_NSCL_ID,
		  f.nscl_id);
	ASSERT_TRUE(m2msec_reply_has(&hs.fin, M2MSEC_A_SUITE));
	ASSERT_EQ(variant->suite, m2msec_reply_u8(&hs.fin, M2MSEC_A_SUITE));
	gw_key = (key_serial_t)m2msec_reply_u32(&hs.fin, M2MSEC_A_KEY_SERIAL);
	gw_id = m2msec_reply_data(&hs.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, gw_id) TH_LOG("HS_COMPLETE reply has no KEY_ID");

	err = m2msec_hs_finish(&p->nw, fin, FINISH_LEN, &hs.done);
	ASSERT_STEP_OK("HS_FINISH", err, &hs.done);
	ASSERT_EQ(0, hs.done.parse_err);
	ASSERT_EQ(M2MSEC_MODE_CONNECT,
		  m2msec_reply_u8(&hs.done, M2MSEC_A_MODE));
	ASSERT_EQ(index_r, m2msec_reply_u32(&hs.done, M2MSEC_A_INDEX));
	ASSERT_EQ(index_i, m2msec_reply_u32(&hs.done, M2MSEC_A_PEER_INDEX));
	check_bytes(_metadata, "HS_FINISH", &hs.done, M2MSEC_A_ID, node_id,
		    sizeof(node_id));
	check_bytes(_metadata, "HS_FINISH", &hs.done, M2MSEC_A_NODE_ID,
		    node_id, sizeof(node_id));
	nw_key = (key_serial_t)m2msec_reply_u32(&hs.done,
						M2MSEC_A_KEY_SERIAL);
	nw_id = m2msec_reply_data(&hs.done, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, nw_id) TH_LOG("HS_FINISH reply has no KEY_ID");
	ASSERT_EQ(0, memcmp(gw_id, nw_id, M2MSEC_KEY_ID_LEN))
		TH_LOG("the two sides report different KEY_IDs");

	ASSERT_EQ(0, m2msec_pair_enter_both(p));
	check_conn_key(_metadata, p->gw.keyring, gw_id, gw_key, f.lifetime);
	check_conn_key(_metadata, p->nw.keyring, nw_id, nw_key, f.lifetime);
	m2msec_hs_free(&hs);
}

TEST_F(hs, bootstrap_then_connect)
{
	struct m2msec_pair *p = &self->p;
	char boot_id[32], node_hex[M2MSEC_HEX_ID_LEN + 1];
	struct m2msec_boot_fields bf;
	struct m2msec_conn_fields cf;
	struct m2msec_hs boot = { 0 }, conn = { 0 };
	const uint8_t *boot_id_gw, *gw_id, *nw_id;
	uint8_t psk[M2MSEC_KEY_LEN];
	size_t len;
	int err;

	snprintf(boot_id, sizeof(boot_id), "chain-%08x", getpid());
	m2msec_add_psk_both(_metadata, p, M2MSEC_KEY_TYPE_BOOT, boot_id, psk,
			    NULL, NULL);
	m2msec_boot_fields_fill(&bf);
	m2msec_hex(bf.node_id, sizeof(bf.node_id), node_hex);
	err = m2msec_hs_run_boot(p, boot_id, &bf, &boot);
	ASSERT_HS_OK(err, &boot);

	/* The only Kmr on either side is the one the bootstrap made. */
	ASSERT_EQ(0, m2msec_pair_enter_both(p));
	ASSERT_EQ(1, m2msec_keyring_count(p->gw.keyring, M2MSEC_KEY_TYPE_ROOT,
					  NULL, NULL));
	ASSERT_EQ(1, m2msec_keyring_count(p->nw.keyring, M2MSEC_KEY_TYPE_ROOT,
					  node_hex, NULL));

	m2msec_conn_fields_fill(&cf);
	err = m2msec_hs_run_conn(p, bf.node_id, M2MSEC_SUITES_ALL, &cf, &conn);
	ASSERT_HS_OK(err, &conn);
	gw_id = m2msec_reply_data(&conn.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, gw_id);
	nw_id = m2msec_reply_data(&conn.done, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, nw_id);
	ASSERT_EQ(0, memcmp(gw_id, nw_id, M2MSEC_KEY_ID_LEN));
	boot_id_gw = m2msec_reply_data(&boot.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, boot_id_gw);
	ASSERT_NE(0, memcmp(boot_id_gw, gw_id, M2MSEC_KEY_ID_LEN))
		TH_LOG("the Kmc has the key id of the Kmr");

	ASSERT_EQ(0, m2msec_pair_enter_both(p));
	check_conn_key(_metadata, p->gw.keyring, gw_id,
		       m2msec_reply_u32(&conn.fin, M2MSEC_A_KEY_SERIAL),
		       cf.lifetime);
	check_conn_key(_metadata, p->nw.keyring, nw_id,
		       m2msec_reply_u32(&conn.done, M2MSEC_A_KEY_SERIAL),
		       cf.lifetime);
	m2msec_hs_free(&boot);
	m2msec_hs_free(&conn);
}

/* Assert that the /proc/keys line of key serial contains text. */
static void check_proc_keys(struct __test_metadata *_metadata,
			    key_serial_t serial, const char *what,
			    const char *text)
{
	char line[1024];

	ASSERT_TRUE(m2msec_proc_keys_line(serial, line, sizeof(line)))
		TH_LOG("/proc/keys does not list key %d", serial);
	ASSERT_NE(NULL, strstr(line, text))
		TH_LOG("/proc/keys line \"%s\" does not show the %s %s",
		       line, what, text);
}

/*
 * The key id is public and names a handshake's key in keyctl describe,
 * so /proc/keys shows it for both sides' Kmr and Kmc, beside the node id.
 */
TEST_F(hs, proc_keys_shows_key_id)
{
	struct m2msec_pair *p = &self->p;
	char boot_id[32], node_hex[M2MSEC_HEX_ID_LEN + 1];
	char id_hex[2 * M2MSEC_KEY_ID_LEN + 1];
	struct m2msec_hs boot = { 0 }, conn = { 0 };
	struct m2msec_boot_fields bf;
	struct m2msec_conn_fields cf;
	uint8_t psk[M2MSEC_KEY_LEN];
	const uint8_t *key_id;
	size_t len;
	int err;

	snprintf(boot_id, sizeof(boot_id), "describe-%08x", getpid());
	m2msec_add_psk_both(_metadata, p, M2MSEC_KEY_TYPE_BOOT, boot_id, psk,
			    NULL, NULL);
	m2msec_boot_fields_fill(&bf);
	m2msec_hex(bf.node_id, sizeof(bf.node_id), node_hex);
	err = m2msec_hs_run_boot(p, boot_id, &bf, &boot);
	ASSERT_HS_OK(err, &boot);
	m2msec_conn_fields_fill(&cf);
	err = m2msec_hs_run_conn(p, bf.node_id, 0, &cf, &conn);
	ASSERT_HS_OK(err, &conn);
	ASSERT_EQ(0, m2msec_pair_enter_both(p));

	key_id = m2msec_reply_data(&boot.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, key_id);
	m2msec_hex(key_id, M2MSEC_KEY_ID_LEN, id_hex);
	check_proc_keys(_metadata,
			m2msec_reply_u32(&boot.fin, M2MSEC_A_KEY_SERIAL),
			"key id", id_hex);
	check_proc_keys(_metadata,
			m2msec_reply_u32(&boot.done, M2MSEC_A_KEY_SERIAL),
			"key id", id_hex);

	key_id = m2msec_reply_data(&conn.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, key_id);
	m2msec_hex(key_id, M2MSEC_KEY_ID_LEN, id_hex);
	check_proc_keys(_metadata,
			m2msec_reply_u32(&conn.fin, M2MSEC_A_KEY_SERIAL),
			"key id", id_hex);
	check_proc_keys(_metadata,
			m2msec_reply_u32(&conn.fin, M2MSEC_A_KEY_SERIAL),
			"node id", node_hex);
	check_proc_keys(_metadata,
			m2msec_reply_u32(&conn.done, M2MSEC_A_KEY_SERIAL),
			"node id", node_hex);
	m2msec_hs_free(&boot);
	m2msec_hs_free(&conn);
}

/* Assert that a dump entry carries exactly the attributes HS_GET lists. */
static void check_dump_entry(struct __test_metadata *_metadata,
			     const struct m2msec_reply *e, uint32_t peer,
			     uint8_t role, uint8_t state)
{
	const struct nlattr *nla;
	int rem;

	ASSERT_EQ(0, e->parse_err);
	ASSERT_EQ(M2MSEC_MODE_CONNECT, m2msec_reply_u8(e, M2MSEC_A_MODE));
	ASSERT_EQ(role, m2msec_reply_u8(e, M2MSEC_A_ROLE));
	ASSERT_EQ(state, m2msec_reply_u8(e, M2MSEC_A_STATE));
	ASSERT_TRUE(m2msec_reply_has(e, M2MSEC_A_AGE_MS));
	if (peer) {
		ASSERT_TRUE(m2msec_reply_has(e, M2MSEC_A_PEER_INDEX));
		ASSERT_EQ(peer, m2msec_reply_u32(e, M2MSEC_A_PEER_INDEX));
	}
	nla_for_each_attr(nla, (struct nlattr *)e->attrs, e->attrs_len, rem) {
		int t = nla_type(nla);

		ASSERT_TRUE(t == M2MSEC_A_INDEX || t == M2MSEC_A_PEER_INDEX ||
			    t == M2MSEC_A_MODE || t == M2MSEC_A_ROLE ||
			    t == M2MSEC_A_STATE || t == M2MSEC_A_AGE_MS ||
			    t == M2MSEC_A_PAD)
			TH_LOG("HS_GET entry carries attribute %d, not listed in the uapi",
			       t);
	}
}

TEST_F(hs, get_dump_lists_half_open)
{
	struct m2msec_pair *p = &self->p;
	uint8_t node_id[M2MSEC_NODE_ID_LEN], kmr[M2MSEC_KEY_LEN];
	struct m2msec_conn_fields f;
	struct m2msec_hs hs = { 0 };
	struct m2msec_dump d = { 0 };
	const struct m2msec_reply *e;
	const uint8_t *msg;
	uint32_t index_i, index_r;
	size_t len;
	int err;

	m2msec_add_kmr_both(_metadata, p, node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&f);

	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, node_id,
			     sizeof(node_id), 0, &hs.init);
	ASSERT_STEP_OK("HS_INIT", err, &hs.init);
	index_i = m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX);
	err = m2msec_hs_dump(&p->gw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	e = m2msec_dump_find(&d, index_i);
	ASSERT_NE(NULL, e) TH_LOG("HS_GET does not list initiator index %u",
				  index_i);
	check_dump_entry(_metadata, e, 0, M2MSEC_ROLE_INITIATOR,
			 M2MSEC_HS_STATE_INIT_SENT);

	msg = m2msec_msg(&hs.init, &len);
	err = m2msec_hs_respond_conn(&p->nw, msg, len, &f, &hs.resp);
	ASSERT_STEP_OK("HS_RESPOND", err, &hs.resp);
	index_r = m2msec_reply_u32(&hs.resp, M2MSEC_A_INDEX);
	err = m2msec_hs_dump(&p->nw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	e = m2msec_dump_find(&d, index_r);
	ASSERT_NE(NULL, e) TH_LOG("HS_GET does not list responder index %u",
				  index_r);
	check_dump_entry(_metadata, e, index_i, M2MSEC_ROLE_RESPONDER,
			 M2MSEC_HS_STATE_RESP_SENT);

	msg = m2msec_msg(&hs.resp, &len);
	err = m2msec_hs_complete(&p->gw, index_i, msg, len, &hs.fin);
	ASSERT_STEP_OK("HS_COMPLETE", err, &hs.fin);
	err = m2msec_hs_dump(&p->gw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_EQ(NULL, m2msec_dump_find(&d, index_i))
		TH_LOG("HS_GET still lists initiator index %u after HS_COMPLETE",
		       index_i);

	msg = m2msec_msg(&hs.fin, &len);
	err = m2msec_hs_finish(&p->nw, msg, len, &hs.done);
	ASSERT_STEP_OK("HS_FINISH", err, &hs.done);
	err = m2msec_hs_dump(&p->nw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	e = m2msec_dump_find(&d, index_r);
	if (e)
		check_dump_entry(_metadata, e, index_i, M2MSEC_ROLE_RESPONDER,
				 M2MSEC_HS_STATE_DONE);
	m2msec_dump_free(&d);
	m2msec_hs_free(&hs);
}

FIXTURE(dump) {
	struct m2msec_pair p;
	long saved_max_half_open;	/* -1 when not changed */
};

FIXTURE_SETUP(dump)
{
	self->saved_max_half_open = -1;
	m2msec_fixture_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(dump)
{
	if (self->saved_max_half_open >= 0)
		m2msec_param_write("max_half_open", self->saved_max_half_open);
	m2msec_pair_teardown(&self->p);
}

/*
 * A dump larger than one netlink message buffer must continue where the
 * previous part stopped: every entry listed once, none lost.
 */
TEST_F(dump, lists_every_entry_once)
{
	enum { COUNT = 1000 };
	uint8_t node_id[M2MSEC_NODE_ID_LEN], kmr[M2MSEC_KEY_LEN];
	struct m2msec_reply r = { 0 };
	struct m2msec_dump d = { 0 };
	uint32_t *indexes;
	int i, j, seen, err;

	if (!self->p.own_netns)
		SKIP(return, "the table is shared with other handshakes");
	err = m2msec_param_read("max_half_open", &self->saved_max_half_open);
	ASSERT_EQ(0, err) TH_LOG("reading max_half_open failed: %s",
				 strerror(-err));
	ASSERT_EQ(0, m2msec_param_write("max_half_open", COUNT + 100));
	m2msec_add_kmr_both(_metadata, &self->p, node_id, kmr, NULL, NULL);

	indexes = calloc(COUNT, sizeof(*indexes));
	ASSERT_NE(NULL, indexes);
	for (i = 0; i < COUNT; i++) {
		err = m2msec_hs_init(&self->p.gw, M2MSEC_MODE_CONNECT, node_id,
				     sizeof(node_id), 0, &r);
		ASSERT_STEP_OK("HS_INIT", err, &r);
		indexes[i] = m2msec_reply_u32(&r, M2MSEC_A_INDEX);
	}
	err = m2msec_hs_dump(&self->p.gw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_EQ(COUNT, d.count)
		TH_LOG("HS_GET listed %d entries, expected %d", d.count, COUNT);
	for (i = 0; i < COUNT; i++) {
		seen = 0;
		for (j = 0; j < d.count; j++)
			if (m2msec_reply_u32(&d.entries[j], M2MSEC_A_INDEX) ==
			    indexes[i])
				seen++;
		ASSERT_EQ(1, seen) TH_LOG("index %u listed %d times",
					  indexes[i], seen);
	}
	free(indexes);
	m2msec_dump_free(&d);
	m2msec_reply_free(&r);
}

/* Attributes that each reply may carry, as bit masks of attribute types. */
#define A(x)		BIT64(M2MSEC_A_##x)
#define COMPLETE_ANY	(A(MSG) | A(KEY_SERIAL) | A(KEY_ID) | A(MODE) | \
			 A(INDEX) | A(PEER_INDEX) | A(KEY_INDEX) | A(LIFETIME))

static const uint64_t allowed_boot[] = {
	[M2MSEC_CMD_HS_INIT] = A(INDEX) | A(MSG),
	[M2MSEC_CMD_HS_RESPOND] = A(INDEX) | A(PEER_INDEX) | A(MODE) | A(ID) |
				  A(MSG),
	[M2MSEC_CMD_HS_COMPLETE] = COMPLETE_ANY | A(NODE_ID) | A(MAS_FQDN) |
				   A(SCL_ID),
	[M2MSEC_CMD_HS_FINISH] = A(KEY_SERIAL) | A(KEY_ID) | A(MODE) | A(ID) |
				 A(INDEX) | A(PEER_INDEX) | A(NODE_ID),
	[M2MSEC_CMD_HS_GET] = A(INDEX) | A(PEER_INDEX) | A(MODE) | A(ROLE) |
			      A(STATE) | A(AGE_MS),
	[M2MSEC_CMD_KMA_DERIVE] = A(KEY_SERIAL),
};

static const uint64_t allowed_conn[] = {
	[M2MSEC_CMD_HS_INIT] = A(INDEX) | A(MSG),
	[M2MSEC_CMD_HS_RESPOND] = A(INDEX) | A(PEER_INDEX) | A(MODE) | A(ID) |
				  A(SUITE) | A(MSG),
	[M2MSEC_CMD_HS_COMPLETE] = COMPLETE_ANY | A(CONN_ID) | A(MID_FLAGS) |
				   A(NSCL_ID) | A(SUITE),
	[M2MSEC_CMD_HS_FINISH] = A(KEY_SERIAL) | A(KEY_ID) | A(MODE) | A(ID) |
				 A(INDEX) | A(PEER_INDEX) | A(NODE_ID),
	[M2MSEC_CMD_HS_GET] = A(INDEX) | A(PEER_INDEX) | A(MODE) | A(ROLE) |
			      A(STATE) | A(AGE_MS),
	[M2MSEC_CMD_KMA_DERIVE] = A(KEY_SERIAL),
};

/*
 * Assert that reply r of command cmd carries only the attributes that the
 * uapi lists for it, none of them 32 bytes long (the size of every key),
 * and that no PSK appears anywhere in it.
 */
static void check_no_secret(struct __test_metadata *_metadata,
			    const struct m2msec_reply *r, const char *what,
			    uint8_t cmd, const uint64_t *allowed,
			    const uint8_t *psk, const uint8_t *psk2)
{
	const struct nlattr *nla;
	int rem, i;

	ASSERT_TRUE(r->has_msg) TH_LOG("%s: no reply message", what);
	nla_for_each_attr(nla, (struct nlattr *)r->attrs, r->attrs_len, rem) {
		int t = nla_type(nla);

		ASSERT_TRUE(t == M2MSEC_A_PAD ||
			    (t <= M2MSEC_A_MAX && (allowed[cmd] & BIT64(t))))
			TH_LOG("%s reply carries attribute %d, not listed in the uapi",
			       what, t);
		ASSERT_NE(M2MSEC_KEY_LEN, nla_len(nla))
			TH_LOG("%s reply carries a 32-byte attribute %d",
			       what, t);
	}
	for (i = 0; i + M2MSEC_KEY_LEN <= r->attrs_len; i++) {
		ASSERT_NE(0, memcmp(r->attrs + i, psk, M2MSEC_KEY_LEN))
			TH_LOG("%s reply contains a PSK", what);
		ASSERT_NE(0, memcmp(r->attrs + i, psk2, M2MSEC_KEY_LEN))
			TH_LOG("%s reply contains a PSK", what);
	}
}

static void check_hs_no_secret(struct __test_metadata *_metadata,
			       const struct m2msec_hs *hs,
			       const uint64_t *allowed, const uint8_t *psk,
			       const uint8_t *psk2)
{
	check_no_secret(_metadata, &hs->init, "HS_INIT", M2MSEC_CMD_HS_INIT,
			allowed, psk, psk2);
	check_no_secret(_metadata, &hs->resp, "HS_RESPOND",
			M2MSEC_CMD_HS_RESPOND, allowed, psk, psk2);
	check_no_secret(_metadata, &hs->fin, "HS_COMPLETE",
			M2MSEC_CMD_HS_COMPLETE, allowed, psk, psk2);
	check_no_secret(_metadata, &hs->done, "HS_FINISH",
			M2MSEC_CMD_HS_FINISH, allowed, psk, psk2);
}

TEST_F(hs, replies_carry_no_secret)
{
	struct m2msec_pair *p = &self->p;
	uint8_t boot_psk[M2MSEC_KEY_LEN], kmr[M2MSEC_KEY_LEN];
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	struct m2msec_hs boot = { 0 }, conn = { 0 }, open = { 0 };
	struct m2msec_boot_fields bf;
	struct m2msec_conn_fields cf;
	struct m2msec_reply kma = { 0 };
	struct m2msec_dump d = { 0 };
	const uint8_t *key_id, *msg;
	char boot_id[32];
	size_t len;
	int err, i;

	snprintf(boot_id, sizeof(boot_id), "nosecret-%08x", getpid());
	m2msec_add_psk_both(_metadata, p, M2MSEC_KEY_TYPE_BOOT, boot_id,
			    boot_psk, NULL, NULL);
	m2msec_boot_fields_fill(&bf);
	err = m2msec_hs_run_boot(p, boot_id, &bf, &boot);
	ASSERT_HS_OK(err, &boot);
	check_hs_no_secret(_metadata, &boot, allowed_boot, boot_psk, boot_psk);

	m2msec_add_kmr_both(_metadata, p, node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&cf);
	err = m2msec_hs_run_conn(p, node_id, M2MSEC_SUITES_ALL, &cf, &conn);
	ASSERT_HS_OK(err, &conn);
	check_hs_no_secret(_metadata, &conn, allowed_conn, kmr, boot_psk);

	key_id = m2msec_reply_data(&conn.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, key_id);
	err = m2msec_kma_derive(&p->gw, key_id, "nosecret-app", getuid(),
				&kma);
	ASSERT_STEP_OK("KMA_DERIVE", err, &kma);
	check_no_secret(_metadata, &kma, "KMA_DERIVE", M2MSEC_CMD_KMA_DERIVE,
			allowed_conn, kmr, boot_psk);

	/* Leave a half-open handshake on each side for the dumps. */
	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, node_id,
			     sizeof(node_id), 0, &open.init);
	ASSERT_STEP_OK("HS_INIT", err, &open.init);
	msg = m2msec_msg(&open.init, &len);
	err = m2msec_hs_respond_conn(&p->nw, msg, len, &cf, &open.resp);
	ASSERT_STEP_OK("HS_RESPOND", err, &open.resp);

	err = m2msec_hs_dump(&p->gw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_LT(0, d.count) TH_LOG("HS_GET on the gateway listed nothing");
	for (i = 0; i < d.count; i++)
		check_no_secret(_metadata, &d.entries[i], "HS_GET",
				M2MSEC_CMD_HS_GET, allowed_conn, kmr,
				boot_psk);
	err = m2msec_hs_dump(&p->nw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_LT(0, d.count) TH_LOG("HS_GET on the network listed nothing");
	for (i = 0; i < d.count; i++)
		check_no_secret(_metadata, &d.entries[i], "HS_GET",
				M2MSEC_CMD_HS_GET, allowed_conn, kmr,
				boot_psk);
	m2msec_dump_free(&d);
	m2msec_reply_free(&kma);
	m2msec_hs_free(&boot);
	m2msec_hs_free(&conn);
	m2msec_hs_free(&open);
}

TEST_HARNESS_MAIN
