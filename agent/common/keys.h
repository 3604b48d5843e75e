/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The m2msec keys in the caller's keyrings, through libkeyutils: import
 * of an m2m_boot or m2m_root key (payload exactly M2MSEC_KEY_LEN bytes),
 * listing with public metadata, and lookup of this gateway's Kmr. No key
 * payload is ever read back: the key types have no read operation.
 */
#ifndef M2M_KEYS_H
#define M2M_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/m2msec.h>

#include "hex.h"

/* Largest key file accepted: a hex payload with some whitespace. */
#define M2M_KEY_FILE_MAX	4096

/*
 * Parse a key payload read from a file. Raw form: exactly M2MSEC_KEY_LEN
 * bytes. Hex form: exactly 2 * M2MSEC_KEY_LEN hex digits, surrounding
 * whitespace ignored. Returns 0, or -EINVAL with err naming the size
 * found and the size expected. out is wiped on failure.
 */
int m2m_key_parse_payload(const uint8_t *in, size_t len, bool hex,
			  uint8_t out[M2MSEC_KEY_LEN], char *err,
			  size_t errlen);

/*
 * Read a key payload from path ("-" is stdin) and parse it as
 * m2m_key_parse_payload() does. The read buffer is wiped before return.
 */
int m2m_key_read_payload(const char *path, bool hex,
			 uint8_t out[M2MSEC_KEY_LEN], char *err,
			 size_t errlen);

/*
 * Parse a keyring name: "@t", "@p", "@s", "@u", "@us", "@g", "@a" or a
 * decimal serial. Returns 0 or -EINVAL.
 */
int m2m_keyring_parse(const char *name, int32_t *keyring);

/* Size of a buffer for m2m_keyring_name(). */
#define M2M_KEYRING_NAME_MAX	16

/*
 * Write the name of keyring into buf: "@u" and the like for a special
 * keyring, otherwise its serial in decimal. Returns buf.
 */
const char *m2m_keyring_name(int32_t keyring, char buf[M2M_KEYRING_NAME_MAX]);

/*
 * Add a key of type M2MSEC_KEY_TYPE_BOOT with the bootstrap id as its
 * description to keyring. Returns 0 and the new serial, or a negative
 * errno with a reason in err.
 */
int m2m_key_import_boot(const char *bootstrap_id,
			const uint8_t payload[M2MSEC_KEY_LEN], int32_t keyring,
			int32_t *serial, char *err, size_t errlen);

/* As m2m_key_import_boot() for an m2m_root key named by its node id. */
int m2m_key_import_root(const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			const uint8_t payload[M2MSEC_KEY_LEN], int32_t keyring,
			int32_t *serial, char *err, size_t errlen);

/* One m2msec key (m2m_boot, m2m_root, m2m_conn, or a Kma "user" key). */
struct m2m_key_info {
	int32_t serial;
	char type[32];
	uint32_t uid;
	uint32_t gid;
	uint32_t perm;
	char description[2 * M2MSEC_STR_MAX + 1];
	/* What the key type's describe operation adds in /proc/keys, or "". */
	char details[256];
	/* From the description or the details; "" when not known. */
	char node_id[M2M_NODE_ID_HEX_LEN + 1];
	char key_id[M2M_KEY_ID_HEX_LEN + 1];
	bool has_key_index;
	uint32_t key_index;
	/*
	 * Expiry as Unix time. It is exact when the details carry it, as
	 * "expires <time>" of an m2m_conn key. Otherwise it comes from the
	 * timeout column of /proc/keys, which the kernel rounds down to
	 * seconds, minutes, hours, days or weeks, so it is exact only below
	 * one minute.
	 */
	bool has_expiry;
	bool expiry_exact;
	bool expired;
	time_t expiry;
	long seconds_left;
};

/*
 * List the m2msec keys reachable from the thread, process, session and
 * user keyrings of the caller. On success returns the number of keys and
 * sets *keys to a malloc'd array that the caller frees.
 */
int m2m_keys_list(struct m2m_key_info **keys, char *err, size_t errlen);

/*
 * Fill the ids and metadata that info->description carries, now being the
 * current Unix time: an m2m_root key's description is its node id, and an
 * m2m_conn key's starts with its key id, optionally followed by "node
 * <hex> kmc_index <n> expires <Unix time>".
 */
void m2m_keys_parse_description(struct m2m_key_info *info, time_t now);

/*
 * Fill the timeout and metadata fields of info from one line of
 * /proc/keys ("serial flags usage timeout perm uid gid type text"), now
 * being the current Unix time. Returns 0, -ENOENT when the line is about
 * another key, or -EINVAL when it cannot be read.
 */
int m2m_keys_parse_proc_line(const char *line, struct m2m_key_info *info,
			     time_t now);

/*
 * Find this gateway's Kmr: the m2m_root key reachable from keyring whose
 * description is the hex node_id. With node_id NULL, all m2m_root keys
 * there must name one node id, so that it is the gateway's. Returns 0 with
 * the serial of one such key and its node id, -ENOKEY when there is none,
 * or -ENOTUNIQ when the keys name more than one node id.
 */
int m2m_keys_find_root(int32_t keyring, const uint8_t *node_id,
		       int32_t *serial,
		       uint8_t found_node_id[M2MSEC_NODE_ID_LEN], char *err,
		       size_t errlen);

#endif /* M2M_KEYS_H */
