/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * m2msec: the contract between the m2msec kernel module and user space.
 *
 * Key types
 *   m2m_boot  bootstrap credential. Description: the bootstrap id (the
 *             initiator id of a bootstrap handshake). Payload: 32 bytes,
 *             added by user space, never readable.
 *   m2m_root  M2M Root Key Kmr. Description: the M2M-Node-ID as 32
 *             lowercase hex digits. Payload: 32 bytes, added by user space
 *             or by a bootstrap handshake, never readable.
 *   m2m_conn  M2M Connection Key Kmc. Description: "<key id> node
 *             <node id> kmc_index <n> expires <unix seconds>", ids as 32
 *             lowercase hex digits; a lookup by the key id alone finds it.
 *             Created only by the module at the end of a connect
 *             handshake, never readable; expires with the lifetime of the
 *             handshake.
 *
 * Generic netlink family "m2msec". Every command needs CAP_NET_ADMIN in
 * the network namespace of the socket. Keys are looked up with the
 * credentials of the sending process, so a key that the caller cannot
 * search cannot be used. No reply carries key material. The one command
 * that hands a key to user space, M2MSEC_CMD_KMA_DERIVE, puts Kma into a
 * key that its application can read, never into the reply.
 *
 * Handshake commands (wire format: PROTOCOL version 1):
 *
 * M2MSEC_CMD_HS_INIT (initiator)
 *   request: MODE, ID (bootstrap: the bootstrap id, names the m2m_boot
 *            PSK; connect: the 16-byte node id, names the m2m_root PSK),
 *            SUITES (connect only, default both suites)
 *   reply:   INDEX (index_i, the handle for HS_COMPLETE), MSG (INIT)
 *
 * M2MSEC_CMD_HS_RESPOND (responder)
 *   request: MSG (INIT) and the RESP fields chosen by the caller.
 *            bootstrap: NODE_ID, KEY_INDEX (kmr_index), LIFETIME (0 = no
 *                       expiry), MAS_FQDN, SCL_ID
 *            connect:   CONN_ID, KEY_INDEX (kmc_index), LIFETIME (nonzero),
 *                       MID_FLAGS, NSCL_ID, SUITES (suites the responder
 *                       accepts, default both; the module picks the
 *                       lowest-numbered common suite)
 *            The PSK is found from the id in INIT: an m2m_boot key whose
 *            description is the bootstrap id, or an m2m_root key whose
 *            description is the hex node id.
 *   reply:   INDEX (index_r), PEER_INDEX (index_i), MODE, ID, SUITE
 *            (connect), MSG (RESP)
 *
 * Only the user (fsuid) that started a handshake can continue it; for
 * any other user its index is unknown (ENOENT).
 *
 * M2MSEC_CMD_HS_COMPLETE (initiator)
 *   request: INDEX (index_i from HS_INIT), MSG (RESP), KEYRING
 *   reply:   MSG (FINISH), KEY_SERIAL, KEY_ID, MODE, INDEX, PEER_INDEX,
 *            and the RESP fields: bootstrap NODE_ID, KEY_INDEX, LIFETIME,
 *            MAS_FQDN, SCL_ID; connect CONN_ID, KEY_INDEX, LIFETIME,
 *            MID_FLAGS, NSCL_ID, SUITE
 *   The new key (m2m_root in bootstrap mode, m2m_conn in connect mode) is
 *   linked into KEYRING only after mac_r verifies.
 *
 * M2MSEC_CMD_HS_FINISH (responder)
 *   request: MSG (FINISH), KEYRING
 *   reply:   KEY_SERIAL, KEY_ID, MODE, ID, INDEX, PEER_INDEX, NODE_ID
 *   The key is linked only after mac_i verifies. The same FINISH sent
 *   again while the handshake is remembered gets the same reply and
 *   creates no second key.
 *
 * M2MSEC_CMD_HS_GET (dump)
 *   reply per handshake: INDEX, PEER_INDEX, MODE, ROLE, STATE, AGE_MS
 *
 * M2MSEC_CMD_KMA_DERIVE
 *   request: KEY_ID (names the m2m_conn key), APP_ID, KEYRING, UID
 *   reply:   KEY_SERIAL of a "user" key with description
 *            "m2m_kma:<app_id>", owned by UID, readable by that user and
 *            its possessors, holding Kma.
 *   A UID other than the caller's needs CAP_SYS_ADMIN (EPERM otherwise).
 *
 * M2MSEC_CMD_KEY_NEW (event on the "events" multicast group, never a
 *   request): sent after a handshake installs a key.
 *   attributes: MODE, KEY_SERIAL, KEY_ID, NODE_ID
 *
 * Errors: a negative errno with an extended ack message naming what
 * failed. Handshake failures map to: EBADMSG malformed message,
 * EKEYREJECTED failed authentication (bad MAC or all-zero X25519 result),
 * ENOENT unknown index, EPROTO mode or suite mismatch, EBUSY half-open
 * table full, ENOKEY no usable PSK, EKEYREVOKED and EKEYEXPIRED for such
 * a PSK, EACCES for a PSK the caller may not search.
 */
#ifndef _UAPI_LINUX_M2MSEC_H
#define _UAPI_LINUX_M2MSEC_H

#include <linux/types.h>

#define M2MSEC_GENL_NAME	"m2msec"
#define M2MSEC_GENL_VERSION	1
#define M2MSEC_MCGRP_EVENTS	"events"

#define M2MSEC_KEY_TYPE_BOOT	"m2m_boot"
#define M2MSEC_KEY_TYPE_ROOT	"m2m_root"
#define M2MSEC_KEY_TYPE_CONN	"m2m_conn"
#define M2MSEC_KMA_DESC_PREFIX	"m2m_kma:"

#define M2MSEC_KEY_LEN		32
#define M2MSEC_NODE_ID_LEN	16
#define M2MSEC_KEY_ID_LEN	16
#define M2MSEC_STR_MAX		255
/* Largest handshake message: RESP in bootstrap mode with two full strs. */
#define M2MSEC_MSG_MAX		1024

enum m2msec_mode {
	M2MSEC_MODE_BOOTSTRAP = 1,
	M2MSEC_MODE_CONNECT = 2,
};

enum m2msec_suite {
	M2MSEC_SUITE_AES256GCM = 1,
	M2MSEC_SUITE_CHACHA20POLY1305 = 2,
};

/* Bit masks for M2MSEC_A_SUITES: bit (suite - 1). */
#define M2MSEC_SUITE_MASK(suite)	(1U << ((suite) - 1))
#define M2MSEC_SUITES_ALL		0x03

/* mid_flags bit 0: the responder requires per-packet protection on mId. */
#define M2MSEC_MID_PROTECT		0x0001

enum m2msec_role {
	M2MSEC_ROLE_INITIATOR = 1,
	M2MSEC_ROLE_RESPONDER = 2,
};

enum m2msec_hs_state {
	M2MSEC_HS_STATE_INIT_SENT = 1,	/* initiator waits for RESP */
	M2MSEC_HS_STATE_RESP_SENT = 2,	/* responder waits for FINISH */
	M2MSEC_HS_STATE_DONE = 3,	/* responder remembers a FINISH */
};

enum m2msec_cmd {
	M2MSEC_CMD_UNSPEC,
	M2MSEC_CMD_HS_INIT,
	M2MSEC_CMD_HS_RESPOND,
	M2MSEC_CMD_HS_COMPLETE,
	M2MSEC_CMD_HS_FINISH,
	M2MSEC_CMD_HS_GET,
	M2MSEC_CMD_KMA_DERIVE,
	M2MSEC_CMD_KEY_NEW,

	__M2MSEC_CMD_MAX,
	M2MSEC_CMD_MAX = __M2MSEC_CMD_MAX - 1
};

enum m2msec_attr {
	M2MSEC_A_UNSPEC,
	M2MSEC_A_PAD,
	M2MSEC_A_MODE,		/* u8, enum m2msec_mode */
	M2MSEC_A_SUITES,	/* u8, bit mask of suites */
	M2MSEC_A_SUITE,		/* u8, enum m2msec_suite */
	M2MSEC_A_ID,		/* binary, 1..255 bytes: initiator id */
	M2MSEC_A_MSG,		/* binary, 8..M2MSEC_MSG_MAX: handshake message */
	M2MSEC_A_INDEX,		/* u32, own index, nonzero */
	M2MSEC_A_PEER_INDEX,	/* u32, peer's index */
	M2MSEC_A_NODE_ID,	/* binary, 16 bytes: M2M-Node-ID */
	M2MSEC_A_KEY_INDEX,	/* u32: kmr_index or kmc_index */
	M2MSEC_A_LIFETIME,	/* u32, seconds */
	M2MSEC_A_MAS_FQDN,	/* string, 1..255 bytes */
	M2MSEC_A_SCL_ID,	/* string, 1..255 bytes */
	M2MSEC_A_CONN_ID,	/* u64: connection id */
	M2MSEC_A_MID_FLAGS,	/* u16 */
	M2MSEC_A_NSCL_ID,	/* string, 1..255 bytes */
	M2MSEC_A_KEYRING,	/* s32: keyring serial or KEY_SPEC_* value */
	M2MSEC_A_KEY_SERIAL,	/* s32: serial of the key created */
	M2MSEC_A_KEY_ID,	/* binary, 16 bytes: public key id */
	M2MSEC_A_APP_ID,	/* string, 1..255 bytes: application id */
	M2MSEC_A_UID,		/* u32: owner of a Kma key */
	M2MSEC_A_ROLE,		/* u8, enum m2msec_role */
	M2MSEC_A_STATE,		/* u8, enum m2msec_hs_state */
	M2MSEC_A_AGE_MS,	/* u64: milliseconds since the state was made */

	__M2MSEC_A_MAX,
	M2MSEC_A_MAX = __M2MSEC_A_MAX - 1
};

#endif /* _UAPI_LINUX_M2MSEC_H */
