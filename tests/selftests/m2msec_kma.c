// SPDX-License-Identifier: GPL-2.0
/*
 * M2MSEC_CMD_KMA_DERIVE: Kma goes into a "user" key named for the
 * application, owned by the uid given and readable by that user, and it is
 * the same on both sides of a connection and different per application.
 *
 * M2MSEC_CMD_KMA_VERIFY: a MAC that the test computes with OpenSSL from
 * the Kma read back out of the user key verifies, on both sides. A change
 * to the digest, MAC, application id or key id fails. So do a revoked
 * Kmc, malformed requests and callers without CAP_NET_ADMIN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "m2msec_fixture.h"

/* Owner of the Kma keys, and a user that must not read them. */
#define APP_UID		65534
#define OTHER_UID	65533

FIXTURE(kma) {
	struct m2msec_pair p;
	struct m2msec_hs hs;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
};

/* Every test starts with a connection, so both sides hold a Kmc. */
FIXTURE_SETUP(kma)
{
	uint8_t node_id[M2MSEC_NODE_ID_LEN], kmr[M2MSEC_KEY_LEN];
	struct m2msec_conn_fields f;
	const uint8_t *id;
	size_t len;
	int err;

	memset(&self->hs, 0, sizeof(self->hs));
	m2msec_fixture_setup(_metadata, &self->p);
	m2msec_add_kmr_both(_metadata, &self->p, node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&f);
	err = m2msec_hs_run_conn(&self->p, node_id, 0, &f, &self->hs);
	ASSERT_HS_OK(err, &self->hs);
	id = m2msec_reply_data(&self->hs.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, id);
	ASSERT_EQ((size_t)M2MSEC_KEY_ID_LEN, len);
	memcpy(self->key_id, id, len);
}

FIXTURE_TEARDOWN(kma)
{
	m2msec_hs_free(&self->hs);
	m2msec_pair_teardown(&self->p);
}

/* Derive Kma for app_id on side s and return the new key's serial. */
static key_serial_t derive(struct __test_metadata *_metadata,
			   struct m2msec_side *s, const uint8_t *key_id,
			   const char *app_id)
{
	struct m2msec_reply r = { 0 };
	key_serial_t serial;
	int err;

	err = m2msec_kma_derive(s, key_id, app_id, APP_UID, &r);
	ASSERT_STEP_OK("KMA_DERIVE", err, &r);
	ASSERT_EQ(0, r.parse_err);
	ASSERT_TRUE(m2msec_reply_has(&r, M2MSEC_A_KEY_SERIAL))
		TH_LOG("KMA_DERIVE reply has no KEY_SERIAL");
	serial = (key_serial_t)m2msec_reply_u32(&r, M2MSEC_A_KEY_SERIAL);
	ASSERT_LT(0, serial);
	m2msec_reply_free(&r);
	return serial;
}

/* Read a Kma as its owner, who does not possess it, and check its size. */
static void read_as_owner(struct __test_metadata *_metadata,
			  key_serial_t serial, uint8_t *kma)
{
	ssize_t n = m2msec_read_key_as(serial, APP_UID, kma, M2MSEC_KEY_LEN);

	ASSERT_EQ(M2MSEC_KEY_LEN, n)
		TH_LOG("reading Kma key %d as uid %d: expected 32 bytes, got %s",
		       serial, APP_UID, n < 0 ? m2msec_errname(n) : "fewer");
}

TEST_F(kma, derive_creates_app_key)
{
	const char *app_id = "temperature-sensor";
	char expected[64], *desc = NULL;
	uint8_t kma[M2MSEC_KEY_LEN];
	key_serial_t serial, found = 0;
	unsigned int uid, gid, perm;
	int n;

	serial = derive(_metadata, &self->p.gw, self->key_id, app_id);

	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_LT(0, keyctl_describe_alloc(serial, &desc))
		TH_LOG("keyctl describe of Kma key %d failed: %s", serial,
		       strerror(errno));
	snprintf(expected, sizeof(expected), "%s%s", M2MSEC_KMA_DESC_PREFIX,
		 app_id);
	ASSERT_EQ(3, sscanf(desc, "user;%u;%u;%x;", &uid, &gid, &perm))
		TH_LOG("Kma key %d is not a user key: \"%s\"", serial, desc);
	ASSERT_EQ((unsigned int)APP_UID, uid)
		TH_LOG("Kma key %d is owned by uid %u", serial, uid);
	ASSERT_STREQ(expected, strrchr(desc, ';') + 1);
	ASSERT_NE(0U, perm & KEY_USR_READ)
		TH_LOG("Kma key %d is not readable by its user: perm %08x",
		       serial, perm);
	ASSERT_EQ(0U, perm & KEY_OTH_READ)
		TH_LOG("Kma key %d is readable by every user: perm %08x",
		       serial, perm);
	free(desc);

	n = m2msec_keyring_count(self->p.gw.keyring, "user", expected, &found);
	ASSERT_EQ(1, n) TH_LOG("expected one Kma key in the keyring given");
	ASSERT_EQ(serial, found);

	read_as_owner(_metadata, serial, kma);
	ASSERT_GT(0, m2msec_read_key_as(serial, OTHER_UID, kma, sizeof(kma)))
		TH_LOG("uid %d read the Kma of uid %d", OTHER_UID, APP_UID);
}

TEST_F(kma, differs_per_app)
{
	uint8_t a[M2MSEC_KEY_LEN], b[M2MSEC_KEY_LEN];
	key_serial_t ka, kb;

	ka = derive(_metadata, &self->p.gw, self->key_id, "meter");
	kb = derive(_metadata, &self->p.gw, self->key_id, "capteur-température");
	ASSERT_NE(ka, kb);
	read_as_owner(_metadata, ka, a);
	read_as_owner(_metadata, kb, b);
	ASSERT_NE(0, memcmp(a, b, sizeof(a)))
		TH_LOG("two application ids got the same Kma");
}

TEST_F(kma, same_on_both_sides)
{
	uint8_t gw[M2MSEC_KEY_LEN], nw[M2MSEC_KEY_LEN];
	key_serial_t kg, kn;

	kg = derive(_metadata, &self->p.gw, self->key_id, "meter");
	kn = derive(_metadata, &self->p.nw, self->key_id, "meter");
	ASSERT_NE(kg, kn);
	read_as_owner(_metadata, kg, gw);
	read_as_owner(_metadata, kn, nw);
	ASSERT_EQ(0, memcmp(gw, nw, sizeof(gw)))
		TH_LOG("the gateway and the network derived different Kma");
}

TEST_F(kma, unknown_key_id_fails)
{
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	struct m2msec_reply r = { 0 };
	int before, err;

	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	before = m2msec_keyring_size(_metadata, self->p.gw.keyring);
	memcpy(key_id, self->key_id, sizeof(key_id));
	key_id[0] ^= 0xff;
	err = m2msec_kma_derive(&self->p.gw, key_id, "meter", APP_UID, &r);
	ASSERT_GT(0, err) TH_LOG("KMA_DERIVE for an unknown key id succeeded");
	ASSERT_NE((size_t)0, strlen(r.extack))
		TH_LOG("KMA_DERIVE failed with %s but no extended ack message",
		       m2msec_errname(err));
	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(before, m2msec_keyring_size(_metadata, self->p.gw.keyring));
	m2msec_reply_free(&r);
}

/*
 * Child of derive_as_other_user(): become OTHER_UID with CAP_NET_ADMIN
 * only, run KMA_DERIVE for owner on the gateway's socket and write the
 * errno to fd.
 */
static void derive_as_child(int fd, struct m2msec_side *gw,
			    const uint8_t *key_id, uid_t owner)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg = NULL;
	int err;

	err = m2msec_become_net_admin_user(OTHER_UID);
	if (!err) {
		msg = m2msec_nl_request(&gw->nl, M2MSEC_CMD_KMA_DERIVE, 0);
		if (!msg)
			err = -ENOMEM;
	}
	if (msg) {
		nla_put(msg, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, key_id);
		nla_put_string(msg, M2MSEC_A_APP_ID, "meter");
		nla_put_s32(msg, M2MSEC_A_KEYRING, KEY_SPEC_SESSION_KEYRING);
		nla_put_u32(msg, M2MSEC_A_UID, owner);
		err = m2msec_nl_transact(&gw->nl, msg, &r);
	}
	if (write(fd, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	_exit(0);
}

/* Run KMA_DERIVE for owner as OTHER_UID and return its errno. */
static int derive_as_other_user(struct __test_metadata *_metadata,
				FIXTURE_DATA(kma) *self, uid_t owner)
{
	int fds[2], status, err = -EIO;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		derive_as_child(fds[1], &self->p.gw, self->key_id, owner);
	}
	close(fds[1]);
	EXPECT_EQ((ssize_t)sizeof(err), read(fds[0], &err, sizeof(err)));
	close(fds[0]);
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	return err;
}

/*
 * Giving a Kma key to another user charges that user's key quota, which
 * keyctl chown allows only with CAP_SYS_ADMIN: CAP_NET_ADMIN is not
 * enough. A caller naming itself gets past that check and fails later,
 * because it cannot search the Kmc.
 */
TEST_F(kma, other_uid_needs_sys_admin)
{
	int err;

	err = derive_as_other_user(_metadata, self, APP_UID);
	ASSERT_EQ(-EPERM, err)
		TH_LOG("KMA_DERIVE for uid %d as uid %d with CAP_NET_ADMIN: expected EPERM, got %s",
		       APP_UID, OTHER_UID, m2msec_errname(err));
	err = derive_as_other_user(_metadata, self, OTHER_UID);
	ASSERT_EQ(-ENOKEY, err)
		TH_LOG("KMA_DERIVE for its own uid without the Kmc: expected ENOKEY, got %s",
		       m2msec_errname(err));
}

#define DIGEST_LEN	32
#define MAC_LEN		32

/* Every verify test starts with a Kma of "meter" and a MAC made with it. */
FIXTURE(verify) {
	struct m2msec_pair p;
	struct m2msec_hs hs;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	key_serial_t gw_kmc;
	uint8_t kma[M2MSEC_KEY_LEN];
	uint8_t digest[DIGEST_LEN];
	uint8_t mac[MAC_LEN];
};

/* The attributes of a KMA_VERIFY request; a NULL one is left out. */
struct verify_req {
	const uint8_t *key_id;
	size_t key_id_len;
	const char *app_id;
	const uint8_t *digest;
	size_t digest_len;
	const uint8_t *mac;
	size_t mac_len;
};

static void hmac_sha256(const uint8_t *key, const uint8_t *data,
			uint8_t *out)
{
	unsigned int len = 0;

	HMAC(EVP_sha256(), key, M2MSEC_KEY_LEN, data, DIGEST_LEN, out, &len);
}

FIXTURE_SETUP(verify)
{
	uint8_t node_id[M2MSEC_NODE_ID_LEN], kmr[M2MSEC_KEY_LEN];
	struct m2msec_conn_fields f;
	key_serial_t serial;
	const uint8_t *id;
	size_t len;
	int err;

	memset(&self->hs, 0, sizeof(self->hs));
	m2msec_fixture_setup(_metadata, &self->p);
	m2msec_add_kmr_both(_metadata, &self->p, node_id, kmr, NULL, NULL);
	m2msec_conn_fields_fill(&f);
	err = m2msec_hs_run_conn(&self->p, node_id, 0, &f, &self->hs);
	ASSERT_HS_OK(err, &self->hs);
	id = m2msec_reply_data(&self->hs.fin, M2MSEC_A_KEY_ID, &len);
	ASSERT_NE(NULL, id);
	ASSERT_EQ((size_t)M2MSEC_KEY_ID_LEN, len);
	memcpy(self->key_id, id, len);
	self->gw_kmc = (key_serial_t)m2msec_reply_u32(&self->hs.fin,
						      M2MSEC_A_KEY_SERIAL);
	ASSERT_LT(0, self->gw_kmc);

	serial = derive(_metadata, &self->p.gw, self->key_id, "meter");
	read_as_owner(_metadata, serial, self->kma);
	m2msec_random(self->digest, sizeof(self->digest));
	hmac_sha256(self->kma, self->digest, self->mac);
}

FIXTURE_TEARDOWN(verify)
{
	m2msec_hs_free(&self->hs);
	m2msec_pair_teardown(&self->p);
}

/* The request that the fixture's MAC must pass. */
static struct verify_req good_req(FIXTURE_DATA(verify) *self)
{
	struct verify_req v = {
		.key_id = self->key_id,
		.key_id_len = sizeof(self->key_id),
		.app_id = "meter",
		.digest = self->digest,
		.digest_len = sizeof(self->digest),
		.mac = self->mac,
		.mac_len = sizeof(self->mac),
	};

	return v;
}

/* Send KMA_VERIFY on side s with its own keyring linked. */
static int verify_send(struct m2msec_side *s, const struct verify_req *v,
		       struct m2msec_reply *r)
{
	struct nl_msg *msg;
	int err;

	msg = m2msec_nl_request(&s->nl, M2MSEC_CMD_KMA_VERIFY, 0);
	if (!msg)
		return -ENOMEM;
	if (v->key_id)
		nla_put(msg, M2MSEC_A_KEY_ID, v->key_id_len, v->key_id);
	if (v->app_id)
		nla_put(msg, M2MSEC_A_APP_ID, strlen(v->app_id) + 1,
			v->app_id);
	if (v->digest)
		nla_put(msg, M2MSEC_A_DIGEST, v->digest_len, v->digest);
	if (v->mac)
		nla_put(msg, M2MSEC_A_MAC, v->mac_len, v->mac);
	err = m2msec_side_enter(s);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return m2msec_nl_transact(&s->nl, msg, r);
}

/* Assert that v fails on the gateway with expected and an extack message. */
static void verify_fails(struct __test_metadata *_metadata,
			 FIXTURE_DATA(verify) *self, const char *what,
			 const struct verify_req *v, int expected)
{
	struct m2msec_reply r = { 0 };
	int err;

	err = verify_send(&self->p.gw, v, &r);
	ASSERT_STEP_FAILS(what, expected, err, &r);
	ASSERT_FALSE(r.has_msg) TH_LOG("%s: a failed verify sent a reply", what);
	m2msec_reply_free(&r);
}

/*
 * Assert that v fails with expected and an extack naming part. The policy
 * refuses a binary attribute of the wrong size with ERANGE, and a missing
 * attribute or a bad string with EINVAL.
 */
static void verify_invalid(struct __test_metadata *_metadata,
			   FIXTURE_DATA(verify) *self, const char *what,
			   const struct verify_req *v, int expected,
			   const char *part)
{
	struct m2msec_reply r = { 0 };
	int err;

	err = verify_send(&self->p.gw, v, &r);
	ASSERT_STEP_FAILS(what, expected, err, &r);
	if (part)
		ASSERT_NE(NULL, strstr(r.extack, part))
			TH_LOG("%s: extack \"%s\" does not name %s", what,
			       r.extack, part);
	m2msec_reply_free(&r);
}

TEST_F(verify, good_mac_verifies)
{
	struct verify_req v = good_req(self);
	struct m2msec_reply r = { 0 };
	int err;

	err = verify_send(&self->p.gw, &v, &r);
	ASSERT_STEP_OK("KMA_VERIFY of a good MAC", err, &r);
	ASSERT_FALSE(r.has_msg) TH_LOG("KMA_VERIFY sent a reply message");
	m2msec_reply_free(&r);
}

/* The network side has the same Kmc, so it verifies without any Kma key. */
TEST_F(verify, good_mac_verifies_on_network_side)
{
	struct verify_req v = good_req(self);
	struct m2msec_reply r = { 0 };
	int err;

	err = verify_send(&self->p.nw, &v, &r);
	ASSERT_STEP_OK("KMA_VERIFY on the network side", err, &r);
	m2msec_reply_free(&r);
}

TEST_F(verify, changed_digest_fails)
{
	struct verify_req v = good_req(self);
	uint8_t digest[DIGEST_LEN];

	memcpy(digest, self->digest, sizeof(digest));
	digest[DIGEST_LEN - 1] ^= 0x01;
	v.digest = digest;
	verify_fails(_metadata, self, "KMA_VERIFY of a changed digest", &v,
		     EBADMSG);
}

TEST_F(verify, changed_mac_fails)
{
	struct verify_req v = good_req(self);
	uint8_t mac[MAC_LEN];

	memcpy(mac, self->mac, sizeof(mac));
	mac[0] ^= 0x80;
	v.mac = mac;
	verify_fails(_metadata, self, "KMA_VERIFY of a changed MAC", &v,
		     EBADMSG);
}

/* A MAC made with another application's Kma is refused. */
TEST_F(verify, changed_app_id_fails)
{
	struct verify_req v = good_req(self);

	v.app_id = "meters";
	verify_fails(_metadata, self, "KMA_VERIFY for another app id", &v,
		     EBADMSG);
	v.app_id = "Meter";
	verify_fails(_metadata, self, "KMA_VERIFY for another app id", &v,
		     EBADMSG);
}

TEST_F(verify, changed_key_id_fails)
{
	struct verify_req v = good_req(self);
	uint8_t key_id[M2MSEC_KEY_ID_LEN];

	memcpy(key_id, self->key_id, sizeof(key_id));
	key_id[M2MSEC_KEY_ID_LEN - 1] ^= 0x01;
	v.key_id = key_id;
	verify_fails(_metadata, self, "KMA_VERIFY with an unknown key id", &v,
		     ENOKEY);
}

TEST_F(verify, revoked_kmc_fails)
{
	struct verify_req v = good_req(self);

	ASSERT_EQ(0, m2msec_pair_enter_both(&self->p));
	ASSERT_EQ(0, keyctl_revoke(self->gw_kmc))
		TH_LOG("revoking Kmc %d failed: %s", self->gw_kmc,
		       strerror(errno));
	verify_fails(_metadata, self, "KMA_VERIFY with a revoked Kmc", &v,
		     EKEYREVOKED);
}

/* No extack message carries Kma or the MAC that the kernel computed. */
TEST_F(verify, failure_messages_hold_no_secret)
{
	char kma_hex[2 * M2MSEC_KEY_LEN + 1], mac_hex[2 * MAC_LEN + 1];
	struct verify_req v = good_req(self);
	struct m2msec_reply r = { 0 };
	uint8_t mac[MAC_LEN] = { 0 };
	int err;

	m2msec_hex(self->kma, sizeof(self->kma), kma_hex);
	m2msec_hex(self->mac, sizeof(self->mac), mac_hex);
	v.mac = mac;
	err = verify_send(&self->p.gw, &v, &r);
	ASSERT_STEP_FAILS("KMA_VERIFY of a zero MAC", EBADMSG, err, &r);
	ASSERT_EQ(NULL, strcasestr(r.extack, kma_hex));
	ASSERT_EQ(NULL, strcasestr(r.extack, mac_hex));
	ASSERT_EQ(NULL, strcasestr(r.extack, "0000000000"))
		TH_LOG("extack \"%s\" quotes the MAC sent", r.extack);
	m2msec_reply_free(&r);
}

TEST_F(verify, missing_attributes_einval)
{
	struct verify_req v;

	v = good_req(self);
	v.key_id = NULL;
	verify_invalid(_metadata, self, "KMA_VERIFY without KEY_ID", &v,
		       EINVAL, "KEY_ID");
	v = good_req(self);
	v.app_id = NULL;
	verify_invalid(_metadata, self, "KMA_VERIFY without APP_ID", &v,
		       EINVAL, "APP_ID");
	v = good_req(self);
	v.digest = NULL;
	verify_invalid(_metadata, self, "KMA_VERIFY without DIGEST", &v,
		       EINVAL, "DIGEST");
	v = good_req(self);
	v.mac = NULL;
	verify_invalid(_metadata, self, "KMA_VERIFY without MAC", &v, EINVAL,
		       "MAC");
}

/*
 * The policy takes DIGEST and MAC of 32 bytes, KEY_ID of 16 and APP_ID of
 * 1 to 255 bytes only.
 */
TEST_F(verify, wrong_lengths_einval)
{
	uint8_t buf[64] = { 0 };
	char app[M2MSEC_STR_MAX + 2];
	struct verify_req v;

	memcpy(buf, self->digest, DIGEST_LEN);
	v = good_req(self);
	v.digest = buf;
	v.digest_len = DIGEST_LEN - 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 31-byte DIGEST",
		       &v, ERANGE, NULL);
	v.digest_len = DIGEST_LEN + 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 33-byte DIGEST",
		       &v, ERANGE, NULL);

	memcpy(buf, self->mac, MAC_LEN);
	v = good_req(self);
	v.mac = buf;
	v.mac_len = MAC_LEN - 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 31-byte MAC", &v,
		       ERANGE, NULL);
	v.mac_len = MAC_LEN + 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 33-byte MAC", &v,
		       ERANGE, NULL);

	memcpy(buf, self->key_id, M2MSEC_KEY_ID_LEN);
	v = good_req(self);
	v.key_id = buf;
	v.key_id_len = M2MSEC_KEY_ID_LEN - 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 15-byte KEY_ID",
		       &v, ERANGE, NULL);
	v.key_id_len = M2MSEC_KEY_ID_LEN + 1;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 17-byte KEY_ID",
		       &v, ERANGE, NULL);

	v = good_req(self);
	v.app_id = "";
	verify_invalid(_metadata, self, "KMA_VERIFY with an empty APP_ID", &v,
		       EINVAL, "empty");
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	v.app_id = app;
	verify_invalid(_metadata, self, "KMA_VERIFY with a 256-byte APP_ID",
		       &v, EINVAL, NULL);
}

/* Without CAP_NET_ADMIN, even a request that would verify gets EPERM. */
TEST_F(verify, unprivileged_caller_eperm)
{
	struct verify_req v = good_req(self);
	struct m2msec_reply r = { 0 };
	int err;

	err = m2msec_drop_net_admin();
	ASSERT_EQ(0, err) TH_LOG("dropping CAP_NET_ADMIN failed: %s",
				 strerror(-err));
	err = verify_send(&self->p.gw, &v, &r);
	ASSERT_EQ(-EPERM, err)
		TH_LOG("KMA_VERIFY without CAP_NET_ADMIN: expected EPERM, got %s",
		       m2msec_errname(err));
	m2msec_reply_free(&r);
}

/*
 * Child of other_user_without_kmc_enokey: become OTHER_UID with CAP_NET_ADMIN
 * only, send the good request on the gateway's socket and write the
 * errno to fd.
 */
static void verify_as_child(int fd, struct m2msec_side *gw,
			    const struct verify_req *v)
{
	struct m2msec_reply r = { 0 };
	struct nl_msg *msg = NULL;
	int err;

	err = m2msec_become_net_admin_user(OTHER_UID);
	if (!err) {
		msg = m2msec_nl_request(&gw->nl, M2MSEC_CMD_KMA_VERIFY, 0);
		if (!msg)
			err = -ENOMEM;
	}
	if (msg) {
		nla_put(msg, M2MSEC_A_KEY_ID, v->key_id_len, v->key_id);
		nla_put_string(msg, M2MSEC_A_APP_ID, v->app_id);
		nla_put(msg, M2MSEC_A_DIGEST, v->digest_len, v->digest);
		nla_put(msg, M2MSEC_A_MAC, v->mac_len, v->mac);
		err = m2msec_nl_transact(&gw->nl, msg, &r);
	}
	if (write(fd, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	_exit(0);
}

/* The Kmc is looked up with the caller's credentials, like KMA_DERIVE. */
TEST_F(verify, other_user_without_kmc_enokey)
{
	struct verify_req v = good_req(self);
	int fds[2], status, err = -EIO;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		verify_as_child(fds[1], &self->p.gw, &v);
	}
	close(fds[1]);
	EXPECT_EQ((ssize_t)sizeof(err), read(fds[0], &err, sizeof(err)));
	close(fds[0]);
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(-ENOKEY, err)
		TH_LOG("KMA_VERIFY as uid %d, who cannot search the Kmc: expected ENOKEY, got %s",
		       OTHER_UID, m2msec_errname(err));
}

TEST_HARNESS_MAIN
