// SPDX-License-Identifier: GPL-2.0
/*
 * Handshakes that must fail through the m2msec generic netlink family:
 * malformed and forged messages, wrong or unusable PSKs, unknown indexes,
 * mode and suite mismatches, a full or timed-out half-open table, strict
 * attribute policies and callers without CAP_NET_ADMIN. Each failure must
 * return the errno of the uapi with an extended ack message and leave no
 * key behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m2msec_fixture.h"

#define HDR_LEN		8
#define FINISH_LEN	(HDR_LEN + 32)
#define EPHEMERAL_OFF	(HDR_LEN + 32)	/* after nonce_i */
#define MAC_LEN		32

FIXTURE(neg) {
	struct m2msec_pair p;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	uint8_t kmr[M2MSEC_KEY_LEN];
	key_serial_t gw_kmr;
	key_serial_t nw_kmr;
	struct m2msec_conn_fields f;
	int gw_keys;			/* keys in each keyring at the start */
	int nw_keys;
	long saved_max_half_open;	/* -1 when not changed */
	long saved_timeout_ms;
};

FIXTURE_SETUP(neg)
{
	self->saved_max_half_open = -1;
	self->saved_timeout_ms = -1;
	m2msec_fixture_setup(_metadata, &self->p);
	m2msec_add_kmr_both(_metadata, &self->p, self->node_id, self->kmr,
			    &self->gw_kmr, &self->nw_kmr);
	m2msec_conn_fields_fill(&self->f);
	self->gw_keys = m2msec_keyring_size(_metadata, self->p.gw.keyring);
	self->nw_keys = m2msec_keyring_size(_metadata, self->p.nw.keyring);
}

FIXTURE_TEARDOWN(neg)
{
	if (self->saved_max_half_open >= 0)
		m2msec_param_write("max_half_open", self->saved_max_half_open);
	if (self->saved_timeout_ms >= 0)
		m2msec_param_write("half_open_timeout_ms",
				   self->saved_timeout_ms);
	m2msec_pair_teardown(&self->p);
}

/* Set a module parameter, keeping its old value for teardown. */
static void set_param(struct __test_metadata *_metadata, const char *name,
		      long value, long *saved)
{
	int err;

	err = m2msec_param_read(name, saved);
	ASSERT_EQ(0, err) TH_LOG("reading module parameter %s failed: %s",
				 name, strerror(-err));
	err = m2msec_param_write(name, value);
	ASSERT_EQ(0, err) TH_LOG("setting module parameter %s to %ld failed: %s",
				 name, value, strerror(-err));
}

/* Assert that neither side gained a key since the fixture was set up. */
static void check_no_new_key(struct __test_metadata *_metadata,
			     FIXTURE_DATA(neg) *self)
{
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(self->gw_keys, m2msec_keyring_size(_metadata,
						     self->p.gw.keyring))
		TH_LOG("the gateway keyring gained a key");
	ASSERT_EQ(self->nw_keys, m2msec_keyring_size(_metadata,
						     self->p.nw.keyring))
		TH_LOG("the network keyring gained a key");
	ASSERT_EQ(0, m2msec_keyring_count(self->p.gw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL));
	ASSERT_EQ(0, m2msec_keyring_count(self->p.nw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL));
}

/* Run HS_INIT on the gateway and copy the INIT into buf. */
static size_t start_init(struct __test_metadata *_metadata,
			 FIXTURE_DATA(neg) *self, struct m2msec_hs *hs,
			 uint8_t *buf)
{
	const uint8_t *msg;
	size_t len;
	int err;

	err = m2msec_hs_init(&self->p.gw, M2MSEC_MODE_CONNECT, self->node_id,
			     sizeof(self->node_id), 0, &hs->init);
	ASSERT_STEP_OK("HS_INIT", err, &hs->init);
	msg = m2msec_msg(&hs->init, &len);
	ASSERT_NE(NULL, msg) TH_LOG("HS_INIT reply has no MSG");
	ASSERT_GE((size_t)M2MSEC_MSG_MAX, len);
	memcpy(buf, msg, len);
	return len;
}

/* Run HS_INIT and HS_RESPOND and copy the RESP into buf. */
static size_t start_resp(struct __test_metadata *_metadata,
			 FIXTURE_DATA(neg) *self, struct m2msec_hs *hs,
			 uint8_t *buf)
{
	const uint8_t *msg;
	size_t len;
	int err;

	len = start_init(_metadata, self, hs, buf);
	err = m2msec_hs_respond_conn(&self->p.nw, buf, len, &self->f,
				     &hs->resp);
	ASSERT_STEP_OK("HS_RESPOND", err, &hs->resp);
	msg = m2msec_msg(&hs->resp, &len);
	ASSERT_NE(NULL, msg) TH_LOG("HS_RESPOND reply has no MSG");
	ASSERT_GE((size_t)M2MSEC_MSG_MAX, len);
	memcpy(buf, msg, len);
	return len;
}

/* Run the handshake up to HS_COMPLETE and copy the FINISH into buf. */
static void start_finish(struct __test_metadata *_metadata,
			 FIXTURE_DATA(neg) *self, struct m2msec_hs *hs,
			 uint8_t *buf)
{
	uint8_t resp[M2MSEC_MSG_MAX];
	const uint8_t *msg;
	size_t len;
	int err;

	len = start_resp(_metadata, self, hs, resp);
	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&hs->init, M2MSEC_A_INDEX),
				 resp, len, &hs->fin);
	ASSERT_STEP_OK("HS_COMPLETE", err, &hs->fin);
	msg = m2msec_msg(&hs->fin, &len);
	ASSERT_NE(NULL, msg) TH_LOG("HS_COMPLETE reply has no MSG");
	ASSERT_EQ((size_t)FINISH_LEN, len);
	memcpy(buf, msg, len);
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(1, m2msec_keyring_count(self->p.gw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL))
		TH_LOG("HS_COMPLETE did not install one m2m_conn key");
}

/* Like check_no_new_key() for a test that got as far as HS_COMPLETE. */
static void check_no_network_key(struct __test_metadata *_metadata,
				 FIXTURE_DATA(neg) *self)
{
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(self->nw_keys, m2msec_keyring_size(_metadata,
						     self->p.nw.keyring))
		TH_LOG("the network keyring gained a key");
	ASSERT_EQ(0, m2msec_keyring_count(self->p.nw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL));
}

TEST_F(neg, init_truncated_ebadmsg)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	err = m2msec_hs_respond_conn(&self->p.nw, init, len - 1, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND of a truncated INIT", EBADMSG, err,
			  &hs.resp);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER))
		TH_LOG("a rejected INIT left a half-open handshake");
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, init_low_order_ephemeral)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	/* The all-zero public key makes the X25519 result all zero too. */
	memset(init + EPHEMERAL_OFF, 0, 32);
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND of an all-zero ephemeral", EKEYREJECTED,
			  err, &hs.resp);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER))
		TH_LOG("a rejected INIT left a half-open handshake");
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, resp_mac_flipped)
{
	struct m2msec_hs hs = { 0 };
	uint8_t resp[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_resp(_metadata, self, &hs, resp);
	resp[len - MAC_LEN + 7] ^= 0x01;
	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX),
				 resp, len, &hs.fin);
	ASSERT_STEP_FAILS("HS_COMPLETE of a RESP with a flipped mac_r",
			  EKEYREJECTED, err, &hs.fin);
	ASSERT_FALSE(m2msec_reply_has(&hs.fin, M2MSEC_A_MSG))
		TH_LOG("a rejected RESP produced a FINISH");
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, finish_mac_flipped)
{
	struct m2msec_hs hs = { 0 };
	uint8_t fin[FINISH_LEN];
	int err;

	start_finish(_metadata, self, &hs, fin);
	fin[HDR_LEN + 7] ^= 0x80;
	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &hs.done);
	ASSERT_STEP_FAILS("HS_FINISH with a flipped mac_i", EKEYREJECTED, err,
			  &hs.done);
	check_no_network_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, wrong_psk_ekeyrejected)
{
	char hex[M2MSEC_HEX_ID_LEN + 1], kmr_hex[2 * M2MSEC_KEY_LEN + 1];
	uint8_t other[M2MSEC_KEY_LEN];
	struct m2msec_hs hs = { 0 };
	int err;

	/* Replace the gateway's Kmr with a different one. */
	m2msec_hex(self->node_id, sizeof(self->node_id), hex);
	ASSERT_EQ(0, keyctl_unlink(self->gw_kmr, self->p.gw.keyring));
	m2msec_random(other, sizeof(other));
	ASSERT_LT(0, m2msec_add_psk(self->p.gw.keyring, M2MSEC_KEY_TYPE_ROOT,
				    hex, other));

	err = m2msec_hs_run_conn(&self->p, self->node_id, 0, &self->f, &hs);
	ASSERT_STREQ("HS_COMPLETE", hs.failed_step ? hs.failed_step : "none")
		TH_LOG("expected the handshake to fail at HS_COMPLETE");
	ASSERT_STEP_FAILS("HS_COMPLETE with a wrong Kmr", EKEYREJECTED, err,
			  &hs.fin);
	m2msec_hex(self->kmr, sizeof(self->kmr), kmr_hex);
	ASSERT_EQ(NULL, strstr(hs.fin.extack, kmr_hex))
		TH_LOG("the extended ack message contains the Kmr");
	m2msec_hex(other, sizeof(other), kmr_hex);
	ASSERT_EQ(NULL, strstr(hs.fin.extack, kmr_hex))
		TH_LOG("the extended ack message contains the Kmr");
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(0, m2msec_keyring_count(self->p.gw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL));
	ASSERT_EQ(0, m2msec_keyring_count(self->p.nw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL));
	m2msec_hs_free(&hs);
}

TEST_F(neg, finish_twice_same_reply)
{
	struct m2msec_reply again = { 0 };
	const uint8_t *id1, *id2;
	struct m2msec_hs hs = { 0 };
	uint8_t fin[FINISH_LEN];
	size_t len1, len2;
	int err;

	start_finish(_metadata, self, &hs, fin);
	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &hs.done);
	ASSERT_STEP_OK("HS_FINISH", err, &hs.done);
	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &again);
	ASSERT_STEP_OK("HS_FINISH sent again", err, &again);

	ASSERT_TRUE(m2msec_reply_has(&again, M2MSEC_A_KEY_SERIAL));
	ASSERT_EQ(m2msec_reply_u32(&hs.done, M2MSEC_A_KEY_SERIAL),
		  m2msec_reply_u32(&again, M2MSEC_A_KEY_SERIAL))
		TH_LOG("the second HS_FINISH names another key");
	id1 = m2msec_reply_data(&hs.done, M2MSEC_A_KEY_ID, &len1);
	id2 = m2msec_reply_data(&again, M2MSEC_A_KEY_ID, &len2);
	ASSERT_NE(NULL, id1);
	ASSERT_NE(NULL, id2);
	ASSERT_EQ(len1, len2);
	ASSERT_EQ(0, memcmp(id1, id2, len1));

	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(1, m2msec_keyring_count(self->p.nw.keyring,
					  M2MSEC_KEY_TYPE_CONN, NULL, NULL))
		TH_LOG("expected exactly one m2m_conn key after two FINISHes");
	ASSERT_EQ(self->nw_keys + 1,
		  m2msec_keyring_size(_metadata, self->p.nw.keyring));
	m2msec_reply_free(&again);
	m2msec_hs_free(&hs);
}

/*
 * Child of complete_as_other_user(). It becomes uid with CAP_NET_ADMIN
 * and a session keyring of its own, so it cannot search the gateway's Kmr.
 * It then runs HS_COMPLETE on the gateway's socket into that keyring and
 * writes the errno and the number of m2m_conn keys it gained to fd.
 */
static void complete_as_child(int fd, struct m2msec_side *gw, uid_t uid,
			      uint32_t index, const uint8_t *resp, size_t len)
{
	struct m2msec_reply r = { 0 };
	int res[2] = { -EIO, -1 };
	struct nl_msg *msg;

	res[0] = m2msec_become_net_admin_user(uid);
	if (res[0])
		goto out;
	msg = m2msec_nl_request(&gw->nl, M2MSEC_CMD_HS_COMPLETE, 0);
	if (!msg) {
		res[0] = -ENOMEM;
		goto out;
	}
	nla_put_u32(msg, M2MSEC_A_INDEX, index);
	nla_put(msg, M2MSEC_A_MSG, len, resp);
	nla_put_s32(msg, M2MSEC_A_KEYRING, KEY_SPEC_SESSION_KEYRING);
	res[0] = m2msec_nl_transact(&gw->nl, msg, &r);
	res[1] = m2msec_keyring_count(KEY_SPEC_SESSION_KEYRING,
				      M2MSEC_KEY_TYPE_CONN, NULL, NULL);
out:
	if (write(fd, res, sizeof(res)) != sizeof(res))
		_exit(1);
	_exit(0);
}

/*
 * A handshake belongs to the user that started it: another user with
 * CAP_NET_ADMIN in the namespace, who cannot search the Kmr, must not be
 * able to complete it and take the Kmc.
 */
TEST_F(neg, complete_by_other_user_enoent)
{
	struct m2msec_hs hs = { 0 };
	uint8_t resp[M2MSEC_MSG_MAX];
	int res[2] = { -EIO, -1 };
	const uint8_t *msg;
	uint32_t index;
	int fds[2], status;
	size_t len;
	pid_t pid;
	int err;

	len = start_resp(_metadata, self, &hs, resp);
	index = m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX);
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		complete_as_child(fds[1], &self->p.gw, 65534, index, resp, len);
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(res), read(fds[0], res, sizeof(res)));
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(-ENOENT, res[0])
		TH_LOG("HS_COMPLETE by another user: expected ENOENT, got %s",
		       m2msec_errname(res[0]));
	ASSERT_EQ(0, res[1])
		TH_LOG("the other user's session keyring gained an m2m_conn key");

	/* The owner still completes its handshake. */
	err = m2msec_hs_complete(&self->p.gw, index, resp, len, &hs.fin);
	ASSERT_STEP_OK("HS_COMPLETE by the owner", err, &hs.fin);
	msg = m2msec_msg(&hs.fin, &len);
	ASSERT_NE(NULL, msg) TH_LOG("HS_COMPLETE reply has no MSG");
	m2msec_hs_free(&hs);
}

TEST_F(neg, complete_unknown_index_enoent)
{
	struct m2msec_hs hs = { 0 };
	uint8_t resp[M2MSEC_MSG_MAX];
	uint32_t index, unknown;
	size_t len;
	int err;

	len = start_resp(_metadata, self, &hs, resp);
	index = m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX);
	unknown = index ^ 0x5a5a5a5a;
	err = m2msec_hs_complete(&self->p.gw, unknown, resp, len, &hs.fin);
	ASSERT_STEP_FAILS("HS_COMPLETE with an unknown index", ENOENT, err,
			  &hs.fin);
	check_no_new_key(_metadata, self);

	/* The real handshake is not disturbed. */
	err = m2msec_hs_complete(&self->p.gw, index, resp, len, &hs.fin);
	ASSERT_STEP_OK("HS_COMPLETE with the right index", err, &hs.fin);
	m2msec_hs_free(&hs);
}

/* HS_COMPLETE links the Kmc only into a keyring that the caller may write. */
TEST_F(neg, complete_unwritable_keyring_eacces)
{
	const key_perm_t no_write = KEY_POS_VIEW | KEY_POS_READ |
				    KEY_POS_SEARCH | KEY_POS_LINK |
				    KEY_POS_SETATTR | KEY_USR_VIEW |
				    KEY_USR_READ | KEY_USR_SEARCH;
	struct m2msec_hs hs = { 0 };
	uint8_t resp[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_resp(_metadata, self, &hs, resp);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.gw));
	ASSERT_EQ(0, keyctl_setperm(self->p.gw.keyring, no_write))
		TH_LOG("keyctl setperm failed: %s", strerror(errno));
	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX),
				 resp, len, &hs.fin);
	ASSERT_EQ(0, keyctl_setperm(self->p.gw.keyring,
				    KEY_POS_ALL | KEY_USR_ALL));
	ASSERT_STEP_FAILS("HS_COMPLETE into a keyring without write permission",
			  EACCES, err, &hs.fin);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, finish_unknown_index_enoent)
{
	struct m2msec_hs hs = { 0 };
	uint8_t fin[FINISH_LEN], bad[FINISH_LEN];
	int err;

	start_finish(_metadata, self, &hs, fin);
	memcpy(bad, fin, sizeof(bad));
	bad[4] ^= 0x5a;
	bad[7] ^= 0xa5;
	err = m2msec_hs_finish(&self->p.nw, bad, sizeof(bad), &hs.done);
	ASSERT_STEP_FAILS("HS_FINISH with an unknown index", ENOENT, err,
			  &hs.done);
	check_no_network_key(_metadata, self);

	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &hs.done);
	ASSERT_STEP_OK("HS_FINISH with the right index", err, &hs.done);
	m2msec_hs_free(&hs);
}

TEST_F(neg, complete_bootstrap_resp_eproto)
{
	struct m2msec_hs conn = { 0 }, boot = { 0 };
	struct m2msec_boot_fields bf;
	uint8_t buf[M2MSEC_MSG_MAX], psk[M2MSEC_KEY_LEN];
	const uint8_t *resp;
	char boot_id[32];
	size_t len;
	int err;

	/* A connect handshake waits for its RESP ... */
	start_init(_metadata, self, &conn, buf);

	/* ... and receives the RESP of a live bootstrap handshake. */
	snprintf(boot_id, sizeof(boot_id), "mismatch-%08x", getpid());
	m2msec_add_psk_both(_metadata, &self->p, M2MSEC_KEY_TYPE_BOOT, boot_id,
			    psk, NULL, NULL);
	self->gw_keys++;
	self->nw_keys++;
	m2msec_boot_fields_fill(&bf);
	err = m2msec_hs_init(&self->p.gw, M2MSEC_MODE_BOOTSTRAP, boot_id,
			     strlen(boot_id), 0, &boot.init);
	ASSERT_STEP_OK("HS_INIT (bootstrap)", err, &boot.init);
	resp = m2msec_msg(&boot.init, &len);
	ASSERT_NE(NULL, resp);
	err = m2msec_hs_respond_boot(&self->p.nw, resp, len, &bf, &boot.resp);
	ASSERT_STEP_OK("HS_RESPOND (bootstrap)", err, &boot.resp);
	resp = m2msec_msg(&boot.resp, &len);
	ASSERT_NE(NULL, resp);

	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&conn.init, M2MSEC_A_INDEX),
				 resp, len, &conn.fin);
	ASSERT_STEP_FAILS("HS_COMPLETE of a connect handshake with a bootstrap RESP",
			  EPROTO, err, &conn.fin);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&conn);
	m2msec_hs_free(&boot);
}

TEST_F(neg, finish_mode_byte_eproto)
{
	struct m2msec_hs hs = { 0 };
	uint8_t fin[FINISH_LEN];
	int err;

	start_finish(_metadata, self, &hs, fin);
	fin[2] = M2MSEC_MODE_BOOTSTRAP;
	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &hs.done);
	ASSERT_STEP_FAILS("HS_FINISH with mode bootstrap for a connect handshake",
			  EPROTO, err, &hs.done);
	check_no_network_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, respond_no_common_suite_eproto)
{
	struct m2msec_hs hs = { 0 };
	const uint8_t *init;
	size_t len;
	int err;

	err = m2msec_hs_init(&self->p.gw, M2MSEC_MODE_CONNECT, self->node_id,
			     sizeof(self->node_id),
			     M2MSEC_SUITE_MASK(M2MSEC_SUITE_AES256GCM),
			     &hs.init);
	ASSERT_STEP_OK("HS_INIT", err, &hs.init);
	init = m2msec_msg(&hs.init, &len);
	ASSERT_NE(NULL, init);
	self->f.suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_CHACHA20POLY1305);
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND without a common suite", EPROTO, err,
			  &hs.resp);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER));
	m2msec_hs_free(&hs);
}

TEST_F(neg, half_open_table_full_ebusy)
{
	enum { N = 3 };
	struct m2msec_hs hs[N + 1];
	uint8_t init[N + 1][M2MSEC_MSG_MAX];
	size_t len[N + 1];
	const uint8_t *msg;
	size_t mlen;
	int i, err;

	if (!self->p.own_netns)
		SKIP(return, "both sides share one half-open table");
	memset(hs, 0, sizeof(hs));
	for (i = 0; i <= N; i++)
		len[i] = start_init(_metadata, self, &hs[i], init[i]);

	set_param(_metadata, "max_half_open", N, &self->saved_max_half_open);
	for (i = 0; i < N; i++) {
		err = m2msec_hs_respond_conn(&self->p.nw, init[i], len[i],
					     &self->f, &hs[i].resp);
		ASSERT_STEP_OK("HS_RESPOND below the limit", err, &hs[i].resp);
	}
	err = m2msec_hs_respond_conn(&self->p.nw, init[N], len[N], &self->f,
				     &hs[N].resp);
	ASSERT_STEP_FAILS("HS_RESPOND with a full half-open table", EBUSY,
			  err, &hs[N].resp);
	ASSERT_EQ(N, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER));

	/* Finishing one handshake makes room for the next. */
	msg = m2msec_msg(&hs[0].resp, &mlen);
	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&hs[0].init, M2MSEC_A_INDEX),
				 msg, mlen, &hs[0].fin);
	ASSERT_STEP_OK("HS_COMPLETE", err, &hs[0].fin);
	msg = m2msec_msg(&hs[0].fin, &mlen);
	err = m2msec_hs_finish(&self->p.nw, msg, mlen, &hs[0].done);
	ASSERT_STEP_OK("HS_FINISH", err, &hs[0].done);
	err = m2msec_hs_respond_conn(&self->p.nw, init[N], len[N], &self->f,
				     &hs[N].resp);
	ASSERT_STEP_OK("HS_RESPOND after one handshake finished", err,
		       &hs[N].resp);

	/* The busy error evicted none of the others. */
	for (i = 1; i <= N; i++) {
		msg = m2msec_msg(&hs[i].resp, &mlen);
		err = m2msec_hs_complete(&self->p.gw,
					 m2msec_reply_u32(&hs[i].init,
							  M2MSEC_A_INDEX),
					 msg, mlen, &hs[i].fin);
		ASSERT_STEP_OK("HS_COMPLETE", err, &hs[i].fin);
		msg = m2msec_msg(&hs[i].fin, &mlen);
		err = m2msec_hs_finish(&self->p.nw, msg, mlen, &hs[i].done);
		ASSERT_STEP_OK("HS_FINISH of a handshake made before EBUSY",
			       err, &hs[i].done);
	}
	for (i = 0; i <= N; i++)
		m2msec_hs_free(&hs[i]);
}

TEST_F(neg, half_open_timeout_enoent)
{
	const long timeout_ms = 1000;
	struct m2msec_dump d = { 0 };
	struct m2msec_hs hs = { 0 };
	uint8_t fin[FINISH_LEN];
	struct timespec wait = { .tv_sec = 2, .tv_nsec = 500000000 };
	uint32_t index_r;
	int err;

	set_param(_metadata, "half_open_timeout_ms", timeout_ms,
		  &self->saved_timeout_ms);
	start_finish(_metadata, self, &hs, fin);
	index_r = m2msec_reply_u32(&hs.resp, M2MSEC_A_INDEX);
	err = m2msec_hs_dump(&self->p.nw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_NE(NULL, m2msec_dump_find(&d, index_r))
		TH_LOG("HS_GET does not list the responder before the timeout");

	nanosleep(&wait, NULL);
	err = m2msec_hs_finish(&self->p.nw, fin, sizeof(fin), &hs.done);
	ASSERT_STEP_FAILS("HS_FINISH after the half-open timeout", ENOENT,
			  err, &hs.done);
	err = m2msec_hs_dump(&self->p.nw, &d);
	ASSERT_STEP_OK("HS_GET", err, &d);
	ASSERT_EQ(NULL, m2msec_dump_find(&d, index_r))
		TH_LOG("HS_GET still lists a handshake older than %ld ms",
		       timeout_ms);
	check_no_network_key(_metadata, self);
	m2msec_dump_free(&d);
	m2msec_hs_free(&hs);
}

static int read_sysctl_long(const char *path, long *value)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", value) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int write_sysctl_long(const char *path, long value)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", value) < 0)
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/*
 * With root's key quota full, HS_COMPLETE fails to allocate the Kmc. The
 * extended ack must keep the errno, which a message longer than the
 * kernel's 80-byte buffer would lose. A limit of one key is full at once,
 * because root already owns this test's keyrings, and stays full while
 * the key GC frees keys of earlier tests.
 */
TEST_F(neg, key_quota_full_extack)
{
	static const char maxkeys[] = "/proc/sys/kernel/keys/root_maxkeys";
	struct m2msec_hs hs = { 0 };
	uint8_t resp[M2MSEC_MSG_MAX];
	size_t len;
	long saved;
	int err;

	len = start_resp(_metadata, self, &hs, resp);
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(0, read_sysctl_long(maxkeys, &saved));
	ASSERT_EQ(0, write_sysctl_long(maxkeys, 1));
	err = m2msec_hs_complete(&self->p.gw,
				 m2msec_reply_u32(&hs.init, M2MSEC_A_INDEX),
				 resp, len, &hs.fin);
	ASSERT_EQ(0, write_sysctl_long(maxkeys, saved));
	ASSERT_STEP_FAILS("HS_COMPLETE with root's key quota full", EDQUOT,
			  err, &hs.fin);
	ASSERT_NE(NULL, strstr(hs.fin.extack, "(error -122)"))
		TH_LOG("extack \"%s\" lost the errno", hs.fin.extack);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, psk_without_search_eacces)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.nw));
	ASSERT_EQ(0, keyctl_setperm(self->nw_kmr,
				    KEY_POS_VIEW | KEY_POS_SETATTR |
				    KEY_USR_VIEW))
		TH_LOG("keyctl setperm failed: %s", strerror(errno));
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND with a Kmr the caller may not search",
			  EACCES, err, &hs.resp);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER));
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, missing_psk_enokey)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	ASSERT_EQ(0, keyctl_unlink(self->nw_kmr, self->p.nw.keyring));
	self->nw_keys--;
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND without a Kmr for the node id", ENOKEY,
			  err, &hs.resp);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, revoked_kmr_responder)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.nw));
	ASSERT_EQ(0, keyctl_revoke(self->nw_kmr));
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND with a revoked Kmr", EKEYREVOKED, err,
			  &hs.resp);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

/*
 * The initiator may look up its Kmr at HS_INIT or at HS_COMPLETE. A Kmr
 * revoked before HS_INIT must make one of them fail.
 */
TEST_F(neg, revoked_kmr_initiator)
{
	struct m2msec_hs hs = { 0 };
	int err;

	ASSERT_EQ(0, keyctl_revoke(self->gw_kmr));
	err = m2msec_hs_run_conn(&self->p, self->node_id, 0, &self->f, &hs);
	ASSERT_NE(NULL, hs.failed_step) TH_LOG("the handshake succeeded");
	if (!strcmp(hs.failed_step, "HS_INIT")) {
		ASSERT_STEP_FAILS("HS_INIT with a revoked Kmr", EKEYREVOKED,
				  err, &hs.init);
	} else {
		ASSERT_STREQ("HS_COMPLETE", hs.failed_step)
			TH_LOG("expected HS_INIT or HS_COMPLETE to fail");
		ASSERT_STEP_FAILS("HS_COMPLETE with a revoked Kmr",
				  EKEYREVOKED, err, &hs.fin);
	}
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

TEST_F(neg, expired_kmr_ekeyexpired)
{
	struct m2msec_hs hs = { 0 };
	uint8_t init[M2MSEC_MSG_MAX];
	size_t len;
	int err;

	len = start_init(_metadata, self, &hs, init);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.nw));
	ASSERT_EQ(0, keyctl_set_timeout(self->nw_kmr, 1));
	sleep(2);
	err = m2msec_hs_respond_conn(&self->p.nw, init, len, &self->f,
				     &hs.resp);
	ASSERT_STEP_FAILS("HS_RESPOND with an expired Kmr", EKEYEXPIRED, err,
			  &hs.resp);
	check_no_new_key(_metadata, self);
	m2msec_hs_free(&hs);
}

/*
 * Assert that the attribute policy rejected a request with an extended ack
 * message. The kernel's policy validation returns EINVAL for a wrong type
 * or length and ERANGE for a value or length outside a range
 * (NLA_POLICY_RANGE, NLA_POLICY_EXACT_LEN).
 */
static void check_policy_reject(struct __test_metadata *_metadata,
				const char *step, int err,
				const struct m2msec_reply *r)
{
	ASSERT_TRUE(err == -EINVAL || err == -ERANGE)
		TH_LOG("%s: expected EINVAL or ERANGE, got %s (extack \"%s\")",
		       step, m2msec_errname(err), r->extack);
	ASSERT_NE((size_t)0, strlen(r->extack))
		TH_LOG("%s: expected an extended ack message", step);
}

TEST_F(neg, policy_unknown_attribute)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	int err;

	msg = m2msec_nl_request(&self->p.gw.nl, M2MSEC_CMD_HS_INIT, 0);
	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, M2MSEC_A_MODE, M2MSEC_MODE_CONNECT);
	nla_put(msg, M2MSEC_A_ID, sizeof(self->node_id), self->node_id);
	nla_put_u32(msg, M2MSEC_A_MAX + 1, 1);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.gw));
	err = m2msec_nl_transact(&self->p.gw.nl, msg, &r);
	ASSERT_STEP_FAILS("HS_INIT with an unknown attribute", EINVAL, err,
			  &r);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.gw,
				       M2MSEC_ROLE_INITIATOR));
	m2msec_reply_free(&r);
}

TEST_F(neg, policy_node_id_15_bytes)
{
	struct m2msec_boot_fields bf;
	struct m2msec_reply r = { 0 };
	struct m2msec_hs hs = { 0 };
	uint8_t psk[M2MSEC_KEY_LEN];
	const uint8_t *init;
	struct nl_msg *msg;
	char boot_id[32];
	size_t len;
	int err;

	snprintf(boot_id, sizeof(boot_id), "policy-%08x", getpid());
	m2msec_add_psk_both(_metadata, &self->p, M2MSEC_KEY_TYPE_BOOT, boot_id,
			    psk, NULL, NULL);
	err = m2msec_hs_init(&self->p.gw, M2MSEC_MODE_BOOTSTRAP, boot_id,
			     strlen(boot_id), 0, &hs.init);
	ASSERT_STEP_OK("HS_INIT", err, &hs.init);
	init = m2msec_msg(&hs.init, &len);
	ASSERT_NE(NULL, init);

	m2msec_boot_fields_fill(&bf);
	msg = m2msec_nl_request(&self->p.nw.nl, M2MSEC_CMD_HS_RESPOND, 0);
	ASSERT_NE(NULL, msg);
	nla_put(msg, M2MSEC_A_MSG, len, init);
	nla_put(msg, M2MSEC_A_NODE_ID, M2MSEC_NODE_ID_LEN - 1, bf.node_id);
	nla_put_u32(msg, M2MSEC_A_KEY_INDEX, bf.kmr_index);
	nla_put_u32(msg, M2MSEC_A_LIFETIME, bf.lifetime);
	nla_put_string(msg, M2MSEC_A_MAS_FQDN, bf.mas_fqdn);
	nla_put_string(msg, M2MSEC_A_SCL_ID, bf.scl_id);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.nw));
	err = m2msec_nl_transact(&self->p.nw.nl, msg, &r);
	check_policy_reject(_metadata, "HS_RESPOND with a 15-byte NODE_ID",
			    err, &r);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.nw,
				       M2MSEC_ROLE_RESPONDER));
	m2msec_reply_free(&r);
	m2msec_hs_free(&hs);
}

TEST_F(neg, policy_mode_3)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg;
	int err;

	msg = m2msec_nl_request(&self->p.gw.nl, M2MSEC_CMD_HS_INIT, 0);
	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, M2MSEC_A_MODE, 3);
	nla_put(msg, M2MSEC_A_ID, sizeof(self->node_id), self->node_id);
	ASSERT_EQ(0, m2msec_side_enter(&self->p.gw));
	err = m2msec_nl_transact(&self->p.gw.nl, msg, &r);
	check_policy_reject(_metadata, "HS_INIT with MODE 3", err, &r);
	ASSERT_EQ(0, m2msec_count_role(_metadata, &self->p.gw,
				       M2MSEC_ROLE_INITIATOR));
	m2msec_reply_free(&r);
}

TEST_F(neg, unprivileged_caller_eperm)
{
	struct m2msec_reply r = { 0 };
	struct m2msec_dump d = { 0 };
	struct m2msec_nl nl = { 0 };
	struct nl_msg *msg;
	int err;

	err = m2msec_drop_net_admin();
	ASSERT_EQ(0, err) TH_LOG("dropping CAP_NET_ADMIN failed: %s",
				 strerror(-err));
	err = m2msec_nl_open(&nl);
	ASSERT_EQ(0, err) TH_LOG("opening the family without CAP_NET_ADMIN failed: %s",
				 strerror(-err));

	msg = m2msec_nl_request(&nl, M2MSEC_CMD_HS_INIT, 0);
	ASSERT_NE(NULL, msg);
	nla_put_u8(msg, M2MSEC_A_MODE, M2MSEC_MODE_CONNECT);
	nla_put(msg, M2MSEC_A_ID, sizeof(self->node_id), self->node_id);
	err = m2msec_nl_transact(&nl, msg, &r);
	ASSERT_EQ(-EPERM, err) TH_LOG("HS_INIT without CAP_NET_ADMIN: expected EPERM, got %s",
				      m2msec_errname(err));

	msg = m2msec_nl_request(&nl, M2MSEC_CMD_HS_GET, NLM_F_DUMP);
	ASSERT_NE(NULL, msg);
	err = m2msec_nl_dump(&nl, msg, &d);
	ASSERT_EQ(-EPERM, err) TH_LOG("HS_GET without CAP_NET_ADMIN: expected EPERM, got %s",
				      m2msec_errname(err));
	ASSERT_EQ(0, d.count);
	m2msec_nl_close(&nl);
	m2msec_reply_free(&r);
}

TEST_HARNESS_MAIN
