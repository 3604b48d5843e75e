// SPDX-License-Identifier: GPL-2.0
/*
 * M2MSEC_CMD_TEST_VECTOR_KEY, in test builds only: creates the m2m_conn
 * key that a connect handshake of the test vectors makes, so that a test
 * can bind it to a peer and inject the vector's DATA messages.
 */
#ifdef M2MSEC_TEST_HOOKS

#include <linux/string.h>
#include <net/genetlink.h>

#include "keys.h"
#include "netlink.h"
#include "selftest_vectors.h"
#include "testhooks.h"

static const struct m2msec_tv_handshake *
m2msec_test_vector_find(const struct nlattr *name)
{
	const struct m2msec_tv_handshake *tv;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m2msec_tv_handshakes); i++) {
		tv = &m2msec_tv_handshakes[i];
		if (tv->mode == M2MSEC_MODE_CONNECT &&
		    strlen(tv->name) == nla_len(name) &&
		    !memcmp(tv->name, nla_data(name), nla_len(name)))
			return tv;
	}
	return NULL;
}

/* The metadata that a handshake of this vector gives the role's key. */
static void m2msec_test_vector_meta(const struct m2msec_tv_handshake *tv,
				    u8 role, struct m2msec_key_meta *meta)
{
	bool initiator = role == M2MSEC_ROLE_INITIATOR;

	memset(meta, 0, sizeof(*meta));
	memcpy(meta->node_id, tv->id, M2MSEC_NODE_ID_LEN);
	meta->key_index = tv->key_index;
	meta->lifetime = tv->lifetime;
	memcpy(meta->key_id, tv->key_id, M2MSEC_KEY_ID_LEN);
	meta->role = role;
	meta->suite = tv->suite;
	meta->index = initiator ? tv->initiator.index : tv->responder.index;
	meta->peer_index = initiator ? tv->responder.index :
				       tv->initiator.index;
}

static int m2msec_test_vector_reply(struct genl_info *info,
				    key_serial_t serial)
{
	struct sk_buff *reply;
	void *hdr;

	reply = genlmsg_new(nla_total_size(sizeof(s32)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &m2msec_genl_family, 0,
				M2MSEC_CMD_TEST_VECTOR_KEY);
	if (!hdr || nla_put_s32(reply, M2MSEC_A_KEY_SERIAL, serial)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/**
 * m2msec_nl_test_vector_key - create the m2m_conn key of a test vector
 * @skb: the request
 * @info: its attributes: ID (the vector's name, such as
 *	"connect-aes256gcm"), ROLE, KEYRING
 *
 * The key holds the vector's Kmc with its node id, kmc_index, lifetime,
 * key id and suite, and the indexes that ROLE had in the handshake. Two
 * keys of one vector have the same description, so linking both into one
 * keyring replaces the first: use a keyring per role.
 *
 * Return: 0 after the reply with KEY_SERIAL, or a negative errno.
 */
int m2msec_nl_test_vector_key(struct sk_buff *skb, struct genl_info *info)
{
	const struct m2msec_tv_handshake *tv;
	struct m2msec_key_meta meta;
	key_serial_t serial;
	u8 role;
	int err;

	err = m2msec_nl_require(info, M2MSEC_A_ID, "ID") ?:
	      m2msec_nl_require(info, M2MSEC_A_ROLE, "ROLE") ?:
	      m2msec_nl_require(info, M2MSEC_A_KEYRING, "KEYRING");
	if (err)
		return err;
	tv = m2msec_test_vector_find(info->attrs[M2MSEC_A_ID]);
	if (!tv) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MSEC_A_ID],
				    "no connect handshake vector has this name");
		return -ENOENT;
	}
	role = nla_get_u8(info->attrs[M2MSEC_A_ROLE]);
	if (role != M2MSEC_ROLE_INITIATOR && role != M2MSEC_ROLE_RESPONDER) {
		M2MSEC_NL_SET_ERR_MSG_FMT(info->extack,
					  "ROLE %u is not 1 (initiator) or 2 (responder)",
					  role);
		return -EINVAL;
	}

	m2msec_test_vector_meta(tv, role, &meta);
	serial = m2msec_key_install(M2MSEC_MODE_CONNECT,
				    nla_get_s32(info->attrs[M2MSEC_A_KEYRING]),
				    tv->key, &meta, info->extack);
	if (serial < 0)
		return serial;
	return m2msec_test_vector_reply(info, serial);
}

#endif /* M2MSEC_TEST_HOOKS */
