// SPDX-License-Identifier: GPL-2.0
/*
 * Kma, the M2M Application Key: derived from a Kmc for one application id
 * and handed to that application in a "user" key that it can read. This is
 * the one place where key material leaves the m2msec key types. The agent
 * checks an application's request signatures here too, so that Kma never
 * has to enter the agent.
 */

#include <crypto/algapi.h>
#include <keys/user-type.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "crypto.h"
#include "keys.h"
#include "kma.h"
#include "netlink.h"

#define M2MSEC_KMA_LABEL	"m2msec Kma"

/* The owner and its possessors may read the key, group and others nothing. */
#define M2MSEC_KMA_PERM	(KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH | \
			 KEY_POS_LINK | KEY_POS_SETATTR | KEY_USR_VIEW | \
			 KEY_USR_READ | KEY_USR_SEARCH)

/*
 * Kma = HKDF-Expand(Kmc, "m2msec Kma" || app_id, 32), with the Kmc of the
 * m2m_conn key key_id found with the caller's credentials. The caller
 * wipes kma. expiry, if not NULL, receives the Kmc's expiry (0 = none).
 */
static int m2msec_kma_compute(const u8 key_id[M2MSEC_KEY_ID_LEN],
			      const char *app_id, u8 kma[M2MSEC_KEY_LEN],
			      time64_t *expiry, struct netlink_ext_ack *extack)
{
	char conn_desc[2 * M2MSEC_KEY_ID_LEN + 1];
	u8 kmc[M2MSEC_KEY_LEN];
	time64_t kmc_expiry;
	int ret;

	bin2hex(conn_desc, key_id, M2MSEC_KEY_ID_LEN);
	conn_desc[sizeof(conn_desc) - 1] = '\0';
	ret = m2msec_key_read(&m2msec_key_type_conn, conn_desc, kmc,
			      &kmc_expiry, extack);
	if (ret)
		goto out;
	if (expiry)
		*expiry = kmc_expiry == TIME64_MAX ? 0 : kmc_expiry;

	ret = m2msec_hkdf_expand_label(kmc, M2MSEC_KMA_LABEL, app_id,
				       strlen(app_id), kma, M2MSEC_KEY_LEN);
	if (ret)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "HKDF-Expand of Kma failed (error %d)",
					  ret);
out:
	memzero_explicit(kmc, sizeof(kmc));
	return ret;
}

/**
 * m2msec_kma_derive - derive Kma for an application into a "user" key
 * @key_id: the key id of the m2m_conn key that contains Kmc
 * @app_id: the application id, 1 to 255 bytes of UTF-8
 * @keyring: the keyring to link the new key into (serial or KEY_SPEC_*)
 * @uid: the owner of the new key, in the caller's user namespace
 * @extack: receives a message naming what failed
 *
 * Kma = HKDF-Expand(Kmc, "m2msec Kma" || app_id, 32). The Kmc is found
 * with the caller's credentials. The new key, described "m2m_kma:<app_id>",
 * expires no later than the Kmc.
 *
 * Return: the new key's serial or a negative errno.
 */
key_serial_t m2msec_kma_derive(const u8 key_id[M2MSEC_KEY_ID_LEN],
			       const char *app_id, key_serial_t keyring,
			       u32 uid, struct netlink_ext_ack *extack)
{
	u8 kma[M2MSEC_KEY_LEN];
	kuid_t owner;
	time64_t expiry;
	char *desc;
	key_serial_t ret;

	owner = make_kuid(current_user_ns(), uid);
	if (!uid_valid(owner)) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "uid %u has no mapping in the caller's user namespace",
					  uid);
		return -EINVAL;
	}
	/*
	 * The key is charged to the owner's key quota and readable by it, so
	 * giving it to another user is a chown, which keyctl allows only with
	 * CAP_SYS_ADMIN. CAP_NET_ADMIN alone must not fill another user's
	 * quota.
	 */
	if (!uid_eq(owner, current_fsuid()) &&
	    !ns_capable(current_user_ns(), CAP_SYS_ADMIN)) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "UID %u is not the caller's uid, so CAP_SYS_ADMIN is required",
					  uid);
		return -EPERM;
	}

	desc = kasprintf(GFP_KERNEL, "%s%s", M2MSEC_KMA_DESC_PREFIX, app_id);
	if (!desc)
		return -ENOMEM;

	ret = m2msec_kma_compute(key_id, app_id, kma, &expiry, extack);
	if (!ret)
		ret = m2msec_key_create(&key_type_user, desc, owner,
					M2MSEC_KMA_PERM, kma, sizeof(kma),
					keyring, expiry, extack);
	memzero_explicit(kma, sizeof(kma));
	kfree(desc);
	return ret;
}

int m2msec_nl_kma_derive_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	key_serial_t serial;
	struct sk_buff *msg;
	void *hdr;

	if (m2msec_nl_require(info, M2MSEC_A_KEY_ID, "KEY_ID") ||
	    m2msec_nl_require(info, M2MSEC_A_APP_ID, "APP_ID") ||
	    m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING") ||
	    m2msec_nl_require(info, M2MSEC_A_UID, "UID"))
		return -EINVAL;

	msg = genlmsg_new(nla_total_size(sizeof(s32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	serial = m2msec_kma_derive(nla_data(attrs[M2MSEC_A_KEY_ID]),
				   nla_data(attrs[M2MSEC_A_APP_ID]),
				   nla_get_s32(attrs[M2MSEC_A_KEYRING]),
				   nla_get_u32(attrs[M2MSEC_A_UID]),
				   info->extack);
	if (serial < 0) {
		nlmsg_free(msg);
		return serial;
	}

	hdr = genlmsg_put_reply(msg, info, &m2msec_genl_family, 0,
				M2MSEC_CMD_KMA_DERIVE);
	if (!hdr || nla_put_s32(msg, M2MSEC_A_KEY_SERIAL, serial)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * m2msec_kma_verify - check a request signature made with an application's Kma
 * @key_id: the key id of the m2m_conn key that contains Kmc
 * @app_id: the application id, 1 to 255 bytes
 * @digest: the SHA-256 digest of the request's canonical form
 * @mac: the MAC that the request carries
 * @extack: receives a message naming what failed
 *
 * Derives Kma like m2msec_kma_derive(), computes HMAC-SHA256(Kma, digest)
 * and compares it with @mac in constant time. Kma and the expected MAC are
 * wiped before returning; freeing the HMAC transform wipes its key copy.
 * No message names Kma, the expected MAC or @mac.
 *
 * Return: 0 when @mac matches, -EBADMSG when it does not, or the errno of
 * the key lookup (-ENOKEY, -EKEYREVOKED, -EKEYEXPIRED, -EACCES, ...).
 */
int m2msec_kma_verify(const u8 key_id[M2MSEC_KEY_ID_LEN], const char *app_id,
		      const u8 digest[M2MSEC_KMA_DIGEST_LEN],
		      const u8 mac[M2MSEC_KMA_MAC_LEN],
		      struct netlink_ext_ack *extack)
{
	u8 kma[M2MSEC_KEY_LEN], expected[M2MSEC_HASH_LEN];
	int ret;

	ret = m2msec_kma_compute(key_id, app_id, kma, NULL, extack);
	if (ret)
		goto out;
	ret = m2msec_hmac_sha256(kma, sizeof(kma), digest,
				 M2MSEC_KMA_DIGEST_LEN, expected);
	if (ret) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "HMAC-SHA256 with Kma failed (error %d)",
					  ret);
		goto out;
	}
	if (crypto_memneq(expected, mac, M2MSEC_KMA_MAC_LEN)) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "MAC does not match for application \"%.24s\"",
					  app_id);
		ret = -EBADMSG;
	}
out:
	memzero_explicit(expected, sizeof(expected));
	memzero_explicit(kma, sizeof(kma));
	return ret;
}

int m2msec_nl_kma_verify_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;

	if (m2msec_nl_require(info, M2MSEC_A_KEY_ID, "KEY_ID") ||
	    m2msec_nl_require(info, M2MSEC_A_APP_ID, "APP_ID") ||
	    m2msec_nl_require(info, M2MSEC_A_DIGEST, "DIGEST") ||
	    m2msec_nl_require(info, M2MSEC_A_MAC, "MAC"))
		return -EINVAL;

	return m2msec_kma_verify(nla_data(attrs[M2MSEC_A_KEY_ID]),
				 nla_data(attrs[M2MSEC_A_APP_ID]),
				 nla_data(attrs[M2MSEC_A_DIGEST]),
				 nla_data(attrs[M2MSEC_A_MAC]), info->extack);
}
