/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_KEYS_H
#define _M2MSEC_KEYS_H

#include <linux/key.h>
#include <linux/key-type.h>
#include <net/netlink.h>
#include <uapi/linux/m2msec.h>

extern struct key_type m2msec_key_type_boot;
extern struct key_type m2msec_key_type_root;
extern struct key_type m2msec_key_type_conn;

/* Public metadata of a key made by a handshake, shown in /proc/keys. */
struct m2msec_key_meta {
	u8 node_id[M2MSEC_NODE_ID_LEN];
	u32 key_index;
	u32 lifetime;		/* seconds, 0 = no expiry */
	u8 key_id[M2MSEC_KEY_ID_LEN];
	/* m2m_conn only: what the data plane needs to use the Kmc. */
	u8 role;		/* enum m2msec_role of the side that made it */
	u8 suite;		/* enum m2msec_suite */
	u32 index;		/* own index in the handshake */
	u32 peer_index;		/* the other side's index */
};

/*
 * A data-plane user of an m2m_conn key. gone() runs once, in process
 * context, when the key is revoked, invalidated or destroyed (after its
 * last link is gone); the watch is then already removed.
 */
struct m2msec_key_watch {
	struct hlist_node node;
	const struct key *key;		/* identity only, no reference */
	void (*gone)(struct m2msec_key_watch *watch);
};

/* Kmc and metadata from binding an m2m_conn key. The caller wipes kmc. */
struct m2msec_conn_binding {
	u8 kmc[M2MSEC_KEY_LEN];
	struct m2msec_key_meta meta;
	time64_t expiry;		/* Unix seconds, 0 = none */
	key_serial_t serial;
};

int m2msec_keys_register(void);
void m2msec_keys_unregister(void);

/*
 * m2msec_psk_lookup - find the PSK of a handshake with the caller's
 * credentials: an m2m_boot key described by the bootstrap id in bootstrap
 * mode, an m2m_root key described by the hex node id (id_len 16) in
 * connect mode. Copies the 32-byte key into psk, which the caller wipes.
 */
int m2msec_psk_lookup(u8 mode, const u8 *id, size_t id_len,
		      u8 psk[M2MSEC_KEY_LEN], struct netlink_ext_ack *extack);

/*
 * m2msec_key_install - create the key of a finished handshake (m2m_root
 * in bootstrap mode, m2m_conn in connect mode), set its expiry from
 * meta->lifetime and link it into the keyring with serial keyring (a
 * KEY_SPEC_* value allowed), looked up with the caller's credentials.
 * Returns the new key's serial or a negative errno.
 */
key_serial_t m2msec_key_install(u8 mode, key_serial_t keyring,
				const u8 key[M2MSEC_KEY_LEN],
				const struct m2msec_key_meta *meta,
				struct netlink_ext_ack *extack);

/*
 * m2msec_conn_key_bind - look up the m2m_conn key serial with the
 * caller's credentials (search permission needed), check that it is
 * usable (not revoked, invalidated or expired), copy its Kmc and metadata
 * into out and register watch on it, so that watch->gone runs when the
 * key stops being usable. Holds no reference to the key afterwards.
 */
int m2msec_conn_key_bind(key_serial_t serial, struct m2msec_key_watch *watch,
			 struct m2msec_conn_binding *out,
			 struct netlink_ext_ack *extack);
/* Remove a watch if it is still registered; may sleep. */
void m2msec_key_unwatch(struct m2msec_key_watch *watch);

/*
 * m2msec_conn_key_claim - mark the key of a registered watch as used by a
 * keypair, once for the key's whole life. A second keypair of the same
 * key would start its send counter and replay window over, so it would
 * reuse nonces under the same AEAD key and accept old packets again.
 * Returns 0, -EALREADY if the key was claimed before, or -EKEYREVOKED if
 * the watch has fired. May sleep.
 */
int m2msec_conn_key_claim(struct m2msec_key_watch *watch);

/* Helpers of keys.c that the Kma derivation uses too. */
int m2msec_key_read(struct key_type *type, const char *desc,
		    u8 out[M2MSEC_KEY_LEN], time64_t *expiry,
		    struct netlink_ext_ack *extack);
key_serial_t m2msec_key_create(struct key_type *type, const char *desc,
			       kuid_t uid, key_perm_t perm,
			       const void *data, size_t datalen,
			       key_serial_t keyring, time64_t expiry,
			       struct netlink_ext_ack *extack);

#endif /* _M2MSEC_KEYS_H */
