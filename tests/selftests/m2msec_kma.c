// SPDX-License-Identifier: GPL-2.0
/*
 * M2MSEC_CMD_KMA_DERIVE: Kma goes into a "user" key named for the
 * application, owned by the uid given and readable by that user, and it is
 * the same on both sides of a connection and different per application.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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

TEST_HARNESS_MAIN
