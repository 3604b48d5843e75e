// SPDX-License-Identifier: GPL-2.0
/*
 * The key types of m2msec: m2m_boot (bootstrap credential), m2m_root (Kmr)
 * and m2m_conn (Kmc). None of them has a read operation, so their payload
 * never leaves the kernel. Describe shows public metadata only.
 */

#include <crypto/algapi.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <uapi/linux/keyctl.h>

#include "keys.h"
#include "netlink.h"
#include "peer.h"

#define M2MSEC_COOKIE_LEN	32
#define M2MSEC_HEX_ID_LEN	(2 * M2MSEC_NODE_ID_LEN)
/* key id, node id, a u32 index and a 64-bit time, with their labels */
#define M2MSEC_CONN_DESC_MAX	128

/* Payload of an instantiated key, freed with kfree_sensitive(). */
struct m2msec_key_payload {
	u8 key[M2MSEC_KEY_LEN];
	bool has_meta;		/* made by a handshake, not added by hand */
	/* m2m_conn: a keypair used it; m2msec_watch_lock guards it. */
	bool claimed;
	struct m2msec_key_meta meta;
};

/*
 * Data that the module hands to key_instantiate_and_link(). add_key(2)
 * reaches the same preparse step with data of its own choosing, so the
 * cookie, random for each module load, is what tells the two apart: only
 * the module can create m2m_conn keys or give a key handshake metadata.
 */
struct m2msec_key_prep {
	u8 cookie[M2MSEC_COOKIE_LEN];
	u8 key[M2MSEC_KEY_LEN];
	struct m2msec_key_meta meta;
};

static u8 m2msec_key_cookie[M2MSEC_COOKIE_LEN] __ro_after_init;

static bool m2msec_prep_is_ours(const struct key_preparsed_payload *prep)
{
	const struct m2msec_key_prep *data = prep->data;

	return prep->datalen == sizeof(*data) &&
	       !crypto_memneq(data->cookie, m2msec_key_cookie,
			      sizeof(m2msec_key_cookie));
}

static int m2msec_payload_set(struct key_preparsed_payload *prep,
			      const u8 key[M2MSEC_KEY_LEN],
			      const struct m2msec_key_meta *meta)
{
	struct m2msec_key_payload *payload;

	payload = kzalloc(sizeof(*payload), GFP_KERNEL);
	if (!payload)
		return -ENOMEM;

	memcpy(payload->key, key, M2MSEC_KEY_LEN);
	if (meta) {
		payload->has_meta = true;
		payload->meta = *meta;
	}
	prep->payload.data[0] = payload;
	prep->quotalen = sizeof(*payload);
	return 0;
}

/* m2m_boot: 32 bytes from user space, nothing else. */
static int m2msec_boot_preparse(struct key_preparsed_payload *prep)
{
	if (prep->datalen != M2MSEC_KEY_LEN)
		return -EINVAL;
	return m2msec_payload_set(prep, prep->data, NULL);
}

/* m2m_root: 32 bytes from user space, or a bootstrap result from us. */
static int m2msec_root_preparse(struct key_preparsed_payload *prep)
{
	const struct m2msec_key_prep *data = prep->data;

	if (prep->datalen == M2MSEC_KEY_LEN)
		return m2msec_payload_set(prep, prep->data, NULL);
	if (!m2msec_prep_is_ours(prep))
		return -EINVAL;
	return m2msec_payload_set(prep, data->key, &data->meta);
}

/* m2m_conn: made by a connect handshake only. */
static int m2msec_conn_preparse(struct key_preparsed_payload *prep)
{
	const struct m2msec_key_prep *data = prep->data;

	if (!m2msec_prep_is_ours(prep))
		return -EPERM;
	if (!data->meta.lifetime)
		return -EINVAL;
	return m2msec_payload_set(prep, data->key, &data->meta);
}

static void m2msec_free_preparse(struct key_preparsed_payload *prep)
{
	kfree_sensitive(prep->payload.data[0]);
}

/* Called with key->sem write-locked, so no reader sees a half-wiped key. */
static void m2msec_key_revoke(struct key *key)
{
	struct m2msec_key_payload *payload = key->payload.data[0];

	if (payload)
		memzero_explicit(payload->key, sizeof(payload->key));
}

static void m2msec_key_destroy(struct key *key)
{
	kfree_sensitive(key->payload.data[0]);
}

/*
 * Watches of m2m_conn keys, hashed by key address. The mutex also makes
 * m2msec_key_unwatch() wait for a gone() callback that is running, so a
 * watch's owner may free it as soon as unwatch returns.
 */
static DEFINE_MUTEX(m2msec_watch_lock);
static DEFINE_HASHTABLE(m2msec_watches, 8);

/* Removes every watch of key and calls its gone(); process context. */
static void m2msec_key_fire_watches(const struct key *key)
{
	struct m2msec_key_watch *watch;
	struct hlist_node *tmp;

	mutex_lock(&m2msec_watch_lock);
	hash_for_each_possible_safe(m2msec_watches, watch, tmp, node,
				    (unsigned long)key) {
		if (watch->key != key)
			continue;
		hash_del(&watch->node);
		watch->gone(watch);
	}
	mutex_unlock(&m2msec_watch_lock);
}

/*
 * Called with key->sem write-locked: gone() must not take it. The key is
 * wiped first, so a racing bind that copied the Kmc before this point
 * sees the revoked flag in its final check and gives up.
 */
static void m2msec_conn_revoke(struct key *key)
{
	m2msec_key_revoke(key);
	m2msec_key_fire_watches(key);
}

/* Runs from the key garbage collector once the last link is gone. */
static void m2msec_conn_destroy(struct key *key)
{
	m2msec_key_fire_watches(key);
	m2msec_key_destroy(key);
}

/* True if desc starts with 32 lowercase hex digits. */
static bool m2msec_has_hex_prefix(const char *desc)
{
	size_t i;

	for (i = 0; i < M2MSEC_HEX_ID_LEN; i++)
		if (!isdigit(desc[i]) && !(desc[i] >= 'a' && desc[i] <= 'f'))
			return false;
	return true;
}

static bool m2msec_is_hex_id(const char *desc)
{
	return m2msec_has_hex_prefix(desc) && desc[M2MSEC_HEX_ID_LEN] == '\0';
}

static bool m2msec_is_printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static int m2msec_vet_hex_id(const char *desc)
{
	return m2msec_is_hex_id(desc) ? 0 : -EINVAL;
}

static int m2msec_vet_boot_id(const char *desc)
{
	size_t len = strnlen(desc, M2MSEC_STR_MAX + 1);

	if (len < 1 || len > M2MSEC_STR_MAX || !m2msec_is_printable(desc, len))
		return -EINVAL;
	return 0;
}

/*
 * Describe runs under the RCU read lock for /proc/keys. The metadata never
 * changes after instantiation, and the payload is freed only in destroy.
 */
static const struct m2msec_key_payload *m2msec_payload(const struct key *key)
{
	if (!key_is_positive(key))
		return NULL;
	return key->payload.data[0];
}

static void m2msec_boot_describe(const struct key *key, struct seq_file *m)
{
	seq_puts(m, key->description);
}

static void m2msec_root_describe(const struct key *key, struct seq_file *m)
{
	const struct m2msec_key_payload *payload = m2msec_payload(key);

	seq_printf(m, "%s: %s", key->description, M2MSEC_KEY_TYPE_ROOT);
	if (!payload)
		return;
	if (payload->has_meta)
		seq_printf(m, " kmr_index %u key_id %*phN",
			   payload->meta.key_index, M2MSEC_KEY_ID_LEN,
			   payload->meta.key_id);
	else
		seq_puts(m, " provisioned");
}

/*
 * An m2m_conn description carries its metadata (see m2msec_conn_desc()),
 * so that `keyctl describe` shows it too; /proc/keys adds the state.
 */
static void m2msec_conn_describe(const struct key *key, struct seq_file *m)
{
	seq_puts(m, key->description);
	if (!key_is_positive(key))
		seq_puts(m, " (negative)");
}

/* A lookup names an m2m_conn key by its key id alone. */
static bool m2msec_conn_cmp(const struct key *key,
			    const struct key_match_data *match_data)
{
	return !strncmp(key->description, match_data->raw_data,
			M2MSEC_HEX_ID_LEN) &&
	       key->description[M2MSEC_HEX_ID_LEN] == ' ';
}

static int m2msec_conn_match_preparse(struct key_match_data *match_data)
{
	if (!m2msec_is_hex_id(match_data->raw_data))
		return -EINVAL;
	match_data->cmp = m2msec_conn_cmp;
	match_data->lookup_type = KEYRING_SEARCH_LOOKUP_ITERATE;
	return 0;
}

/* "<key id> node <node id> kmc_index <n> expires <unix seconds>" */
static int m2msec_vet_conn_desc(const char *desc)
{
	if (!m2msec_has_hex_prefix(desc) ||
	    strncmp(desc + M2MSEC_HEX_ID_LEN, " node ", 6))
		return -EINVAL;
	return 0;
}

struct key_type m2msec_key_type_boot = {
	.name		= M2MSEC_KEY_TYPE_BOOT,
	.vet_description = m2msec_vet_boot_id,
	.preparse	= m2msec_boot_preparse,
	.free_preparse	= m2msec_free_preparse,
	.instantiate	= generic_key_instantiate,
	.revoke		= m2msec_key_revoke,
	.destroy	= m2msec_key_destroy,
	.describe	= m2msec_boot_describe,
};

struct key_type m2msec_key_type_root = {
	.name		= M2MSEC_KEY_TYPE_ROOT,
	.vet_description = m2msec_vet_hex_id,
	.preparse	= m2msec_root_preparse,
	.free_preparse	= m2msec_free_preparse,
	.instantiate	= generic_key_instantiate,
	.revoke		= m2msec_key_revoke,
	.destroy	= m2msec_key_destroy,
	.describe	= m2msec_root_describe,
};

struct key_type m2msec_key_type_conn = {
	.name		= M2MSEC_KEY_TYPE_CONN,
	.vet_description = m2msec_vet_conn_desc,
	.match_preparse	= m2msec_conn_match_preparse,
	.preparse	= m2msec_conn_preparse,
	.free_preparse	= m2msec_free_preparse,
	.instantiate	= generic_key_instantiate,
	.revoke		= m2msec_conn_revoke,
	.destroy	= m2msec_conn_destroy,
	.describe	= m2msec_conn_describe,
};

/* The noun phrase that names a key of this type by its description. */
static const char *m2msec_key_subject(const struct key_type *type)
{
	if (type == &m2msec_key_type_boot)
		return "for bootstrap id";
	if (type == &m2msec_key_type_root)
		return "for node";
	return "with key id";
}

static void m2msec_set_lookup_msg(struct netlink_ext_ack *extack, int err,
				  const struct key_type *type,
				  const char *desc)
{
	const char *subject = m2msec_key_subject(type);

	switch (err) {
	case -EKEYREVOKED:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "%s key %s %.32s is revoked",
					  type->name, subject, desc);
		break;
	case -EKEYEXPIRED:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "%s key %s %.32s has expired",
					  type->name, subject, desc);
		break;
	case -EACCES:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "%s key %s %.32s: search denied",
					  type->name, subject, desc);
		break;
	default:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "no %s key %s %.32s",
					  type->name, subject, desc);
		break;
	}
}

/*
 * request_key() skips expired keys and reports them as missing. Search the
 * caller's own keyrings again, without skipping, to tell the two apart.
 */
static int m2msec_probe_expired(struct key_type *type, const char *desc)
{
	static const key_serial_t rings[] = {
		KEY_SPEC_THREAD_KEYRING, KEY_SPEC_PROCESS_KEYRING,
		KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING,
	};
	key_ref_t ring, found;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rings); i++) {
		ring = lookup_user_key(rings[i], 0, KEY_NEED_SEARCH);
		if (IS_ERR(ring))
			continue;
		found = keyring_search(ring, type, desc, true);
		key_ref_put(ring);
		if (!IS_ERR(found))
			key_ref_put(found);
		else if (PTR_ERR(found) == -EKEYEXPIRED)
			return -EKEYEXPIRED;
	}
	return -ENOKEY;
}

/**
 * m2msec_key_read - find a key of our types and copy its secret
 * @type: one of the m2msec key types
 * @desc: the key's description
 * @out: receives the 32-byte key, which the caller wipes
 * @expiry: if not NULL, receives the key's expiry (0 or TIME64_MAX for none)
 * @extack: receives a message naming the key on failure
 *
 * The search runs with the caller's credentials, so a key that the caller
 * may not search is not found. Return: 0, or -ENOKEY, -EKEYREVOKED,
 * -EKEYEXPIRED, -EACCES or another negative errno of request_key().
 */
int m2msec_key_read(struct key_type *type, const char *desc,
		    u8 out[M2MSEC_KEY_LEN], time64_t *expiry,
		    struct netlink_ext_ack *extack)
{
	const struct m2msec_key_payload *payload;
	struct key *key;
	int err;

	key = request_key(type, desc, NULL);
	if (IS_ERR(key)) {
		err = PTR_ERR(key);
		if (err != -EKEYREVOKED && err != -EKEYEXPIRED &&
		    err != -EACCES && err != -ENOMEM)
			err = m2msec_probe_expired(type, desc);
		m2msec_set_lookup_msg(extack, err, type, desc);
		return err;
	}

	/* The semaphore orders this read against revoke, which wipes. */
	down_read(&key->sem);
	err = key_validate(key);
	payload = key->payload.data[0];
	if (!err && !payload)
		err = -ENOKEY;
	if (!err) {
		memcpy(out, payload->key, M2MSEC_KEY_LEN);
		if (expiry)
			*expiry = READ_ONCE(key->expiry);
	}
	up_read(&key->sem);

	if (err)
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "%s key %d is %s", type->name,
					  key_serial(key),
					  err == -EKEYEXPIRED ? "expired" :
					  err == -EKEYREVOKED ? "revoked" :
					  "not usable");
	key_put(key);
	return err;
}

int m2msec_psk_lookup(u8 mode, const u8 *id, size_t id_len,
		      u8 psk[M2MSEC_KEY_LEN], struct netlink_ext_ack *extack)
{
	char desc[M2MSEC_STR_MAX + 1];

	switch (mode) {
	case M2MSEC_MODE_BOOTSTRAP:
		if (id_len < 1 || id_len > M2MSEC_STR_MAX ||
		    !m2msec_is_printable(id, id_len)) {
			NL_SET_ERR_MSG(extack,
				       "bootstrap id is not 1 to 255 printable characters, so no m2m_boot key can match it");
			return -ENOKEY;
		}
		memcpy(desc, id, id_len);
		desc[id_len] = '\0';
		return m2msec_key_read(&m2msec_key_type_boot, desc, psk, NULL,
				       extack);
	case M2MSEC_MODE_CONNECT:
		if (id_len != M2MSEC_NODE_ID_LEN) {
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "node id is %zu bytes, not 16",
						  id_len);
			return -EINVAL;
		}
		bin2hex(desc, id, M2MSEC_NODE_ID_LEN);
		desc[M2MSEC_HEX_ID_LEN] = '\0';
		return m2msec_key_read(&m2msec_key_type_root, desc, psk, NULL,
				       extack);
	default:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "unknown mode %u", mode);
		return -EINVAL;
	}
}

/*
 * Possessors may view, find, link, revoke and time out the key, and the
 * owner may view and find it. The types have no read operation anyway.
 */
#define M2MSEC_KEY_PERM	(KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK | \
			 KEY_POS_SETATTR | KEY_USR_VIEW | KEY_USR_SEARCH)

/**
 * m2msec_keyring_get - look up a keyring that the caller may write to
 * @keyring: a keyring serial or a KEY_SPEC_* value
 * @extack: receives a message naming the keyring on failure
 *
 * Return: a key reference for key_ref_put(), or an ERR_PTR.
 */
static key_ref_t m2msec_keyring_get(key_serial_t keyring,
				    struct netlink_ext_ack *extack)
{
	key_ref_t ref;

	ref = lookup_user_key(keyring, KEY_LOOKUP_CREATE, KEY_NEED_WRITE);
	if (IS_ERR(ref))
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "keyring %d not found or not writable (error %ld)",
					  keyring, PTR_ERR(ref));
	return ref;
}

/*
 * Make key expire at expiry, not a second later. key_set_timeout() takes
 * seconds from its own reading of the clock, which may have moved on.
 */
static int m2msec_key_expire_at(struct key *key, time64_t expiry)
{
	for (;;) {
		time64_t now = ktime_get_real_seconds();

		if (expiry <= now)
			return -EKEYEXPIRED;
		key_set_timeout(key, min_t(time64_t, expiry - now, UINT_MAX));
		if (READ_ONCE(key->expiry) <= expiry)
			return 0;
	}
}

/**
 * m2msec_key_create - allocate a key owned by the caller, instantiate it
 * from data and link it into a keyring
 * @type: the key type, whose preparse step checks data
 * @desc: the key's description
 * @uid: the key's owner
 * @perm: the key's permissions
 * @data: the payload handed to preparse
 * @datalen: length of data
 * @keyring: a keyring serial or a KEY_SPEC_* value
 * @expiry: the key's expiry in seconds since the epoch, 0 for none
 * @extack: receives a message naming what failed
 *
 * Keys are charged to the owner's key quota: an unprivileged user can hold
 * CAP_NET_ADMIN in a network namespace of its own and would otherwise
 * create keys without a bound. Return: the new key's serial or a negative
 * errno.
 */
key_serial_t m2msec_key_create(struct key_type *type, const char *desc,
			       kuid_t uid, key_perm_t perm,
			       const void *data, size_t datalen,
			       key_serial_t keyring, time64_t expiry,
			       struct netlink_ext_ack *extack)
{
	const struct cred *cred = current_cred();
	key_ref_t keyring_ref;
	struct key *key;
	key_serial_t serial;
	int err;

	keyring_ref = m2msec_keyring_get(keyring, extack);
	if (IS_ERR(keyring_ref))
		return PTR_ERR(keyring_ref);

	key = key_alloc(type, desc, uid, cred->fsgid, cred, perm,
			KEY_ALLOC_IN_QUOTA, NULL);
	if (IS_ERR(key)) {
		err = PTR_ERR(key);
		/* %.32s keeps the message in the 80 bytes of an extack. */
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "cannot allocate %s key %.32s (error %d)",
					  type->name, desc, err);
		goto out_keyring;
	}

	/* Set before the key is linked, so it is never visible without one. */
	if (expiry) {
		err = m2msec_key_expire_at(key, expiry);
		if (err) {
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "%s key %.40s would expire at once",
						  type->name, desc);
			goto out_key;
		}
	}

	err = key_instantiate_and_link(key, data, datalen,
				       key_ref_to_ptr(keyring_ref), NULL);
	if (err) {
		if (err == -ENOTDIR)
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "key %d is not a keyring",
						  keyring);
		else
			M2MSEC_NL_SET_ERR_MSG_FMT(extack,
						  "cannot link %s key into keyring %d (error %d)",
						  type->name, keyring, err);
		goto out_key;
	}
	serial = key_serial(key);
	key_put(key);
	key_ref_put(keyring_ref);
	return serial;

out_key:
	key_put(key);
out_keyring:
	key_ref_put(keyring_ref);
	return err;
}

static void m2msec_conn_desc(char desc[M2MSEC_CONN_DESC_MAX],
			     const struct m2msec_key_meta *meta,
			     time64_t expiry)
{
	snprintf(desc, M2MSEC_CONN_DESC_MAX,
		 "%*phN node %*phN kmc_index %u expires %lld",
		 M2MSEC_KEY_ID_LEN, meta->key_id, M2MSEC_NODE_ID_LEN,
		 meta->node_id, meta->key_index, (long long)expiry);
}

key_serial_t m2msec_key_install(u8 mode, key_serial_t keyring,
				const u8 key[M2MSEC_KEY_LEN],
				const struct m2msec_key_meta *meta,
				struct netlink_ext_ack *extack)
{
	struct m2msec_key_prep *prep;
	struct key_type *type;
	char desc[M2MSEC_CONN_DESC_MAX];
	time64_t expiry;
	key_serial_t ret;

	expiry = meta->lifetime ? ktime_get_real_seconds() + meta->lifetime : 0;

	switch (mode) {
	case M2MSEC_MODE_BOOTSTRAP:
		type = &m2msec_key_type_root;
		bin2hex(desc, meta->node_id, M2MSEC_NODE_ID_LEN);
		desc[M2MSEC_HEX_ID_LEN] = '\0';
		break;
	case M2MSEC_MODE_CONNECT:
		if (!meta->lifetime) {
			NL_SET_ERR_MSG(extack, "an m2m_conn key needs a nonzero lifetime");
			return -EINVAL;
		}
		type = &m2msec_key_type_conn;
		m2msec_conn_desc(desc, meta, expiry);
		break;
	default:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "unknown mode %u", mode);
		return -EINVAL;
	}

	prep = kmalloc(sizeof(*prep), GFP_KERNEL);
	if (!prep)
		return -ENOMEM;
	memcpy(prep->cookie, m2msec_key_cookie, sizeof(prep->cookie));
	memcpy(prep->key, key, M2MSEC_KEY_LEN);
	prep->meta = *meta;

	ret = m2msec_key_create(type, desc, current_fsuid(), M2MSEC_KEY_PERM,
				prep, sizeof(*prep), keyring, expiry, extack);
	kfree_sensitive(prep);
	return ret;
}

static void m2msec_key_watch_add(struct key *key,
				 struct m2msec_key_watch *watch)
{
	watch->key = key;
	mutex_lock(&m2msec_watch_lock);
	hash_add(m2msec_watches, &watch->node, (unsigned long)key);
	mutex_unlock(&m2msec_watch_lock);
}

void m2msec_key_unwatch(struct m2msec_key_watch *watch)
{
	mutex_lock(&m2msec_watch_lock);
	if (hash_hashed(&watch->node))
		hash_del(&watch->node);
	mutex_unlock(&m2msec_watch_lock);
}

int m2msec_conn_key_claim(struct m2msec_key_watch *watch)
{
	struct m2msec_key_payload *payload;
	int err = 0;

	mutex_lock(&m2msec_watch_lock);
	/*
	 * A hashed watch means that the key has not been destroyed: its
	 * destroy op removes the watches before it frees the payload, and
	 * the key type has no update op that would replace the payload.
	 */
	if (!hash_hashed(&watch->node)) {
		err = -EKEYREVOKED;
	} else {
		payload = watch->key->payload.data[0];
		if (payload->claimed)
			err = -EALREADY;
		else
			payload->claimed = true;
	}
	mutex_unlock(&m2msec_watch_lock);
	return err;
}

static void m2msec_set_bind_msg(struct netlink_ext_ack *extack,
				key_serial_t serial, int err)
{
	switch (err) {
	case -EKEYREVOKED:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "m2m_conn key %d is revoked",
					  serial);
		break;
	case -EKEYEXPIRED:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d has expired", serial);
		break;
	case -EACCES:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack, "key %d: search denied",
					  serial);
		break;
	default:
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "key %d not found or not usable (error %d)",
					  serial, err);
		break;
	}
}

/* Copies Kmc, metadata and expiry of a usable key under its semaphore. */
static int m2msec_conn_key_copy(struct key *key,
				struct m2msec_conn_binding *out)
{
	const struct m2msec_key_payload *payload;
	int err;

	down_read(&key->sem);
	err = key_validate(key);
	payload = key->payload.data[0];
	if (!err && (!payload || !payload->has_meta))
		err = -ENOKEY;
	if (!err) {
		memcpy(out->kmc, payload->key, M2MSEC_KEY_LEN);
		out->meta = payload->meta;
		out->expiry = READ_ONCE(key->expiry);
	}
	up_read(&key->sem);
	return err;
}

/**
 * m2msec_conn_key_bind - copy an m2m_conn key and watch it
 * @serial: the key's serial, looked up with the caller's credentials
 * @watch: registered on the key when this returns 0; gone must be set
 * @out: receives Kmc, metadata, expiry and serial; kmc is wiped on error
 * @extack: receives a message naming the key on failure
 *
 * The watch is registered before the last usability check, so a revoke
 * either comes before that check and fails the bind, or comes after the
 * registration and runs watch->gone.
 *
 * Return: 0, or -EINVAL for another key type, -EKEYREVOKED, -EKEYEXPIRED,
 * -ENOKEY, -EACCES or another errno of the key lookup.
 */
int m2msec_conn_key_bind(key_serial_t serial, struct m2msec_key_watch *watch,
			 struct m2msec_conn_binding *out,
			 struct netlink_ext_ack *extack)
{
	key_ref_t ref;
	struct key *key;
	int err;

	ref = lookup_user_key(serial, 0, KEY_NEED_SEARCH);
	if (IS_ERR(ref)) {
		err = PTR_ERR(ref);
		m2msec_set_bind_msg(extack, serial, err);
		return err;
	}
	key = key_ref_to_ptr(ref);
	if (key->type != &m2msec_key_type_conn) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "key %d is not an m2m_conn key",
					  serial);
		err = -EINVAL;
		goto out;
	}

	m2msec_key_watch_add(key, watch);
	err = m2msec_conn_key_copy(key, out);
	if (err) {
		m2msec_key_unwatch(watch);
		memzero_explicit(out->kmc, sizeof(out->kmc));
		m2msec_set_bind_msg(extack, serial, err);
		goto out;
	}
	/* Without an expiry the key would outlive its handshake lifetime. */
	if (!out->expiry || out->expiry == TIME64_MAX) {
		m2msec_key_unwatch(watch);
		memzero_explicit(out->kmc, sizeof(out->kmc));
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "m2m_conn key %d has no expiry",
					  serial);
		err = -EINVAL;
		goto out;
	}
	out->serial = key_serial(key);
out:
	key_ref_put(ref);
	return err;
}

int m2msec_keys_register(void)
{
	int err;

	get_random_bytes(m2msec_key_cookie, sizeof(m2msec_key_cookie));

	/*
	 * Keypairs of the data plane watch m2m_conn keys and are torn down
	 * on a workqueue of peer.c, which must outlive them: it comes before
	 * the key types and goes after every device has released its peers.
	 */
	err = m2msec_peer_init();
	if (err)
		return err;
	err = register_key_type(&m2msec_key_type_boot);
	if (err)
		goto err_peer;
	err = register_key_type(&m2msec_key_type_root);
	if (err)
		goto err_boot;
	err = register_key_type(&m2msec_key_type_conn);
	if (err)
		goto err_root;
	return 0;

err_root:
	unregister_key_type(&m2msec_key_type_root);
err_boot:
	unregister_key_type(&m2msec_key_type_boot);
err_peer:
	m2msec_peer_exit();
	return err;
}

/* unregister_key_type() waits until the GC has destroyed every key. */
void m2msec_keys_unregister(void)
{
	m2msec_peer_exit();
	unregister_key_type(&m2msec_key_type_conn);
	unregister_key_type(&m2msec_key_type_root);
	unregister_key_type(&m2msec_key_type_boot);
}
