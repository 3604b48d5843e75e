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
 * Data plane: network devices of link kind "m2msec" (ip link add m2m0 type
 * m2msec). A device carries each inner IP packet in one DATA message over
 * UDP to a peer. Its UDP sockets (IPv4 and IPv6, one port) stay in the
 * network namespace where the device was created. A peer is one
 * connection: it is named by the M2M-Node-ID of its m2m_conn key (the
 * gateway's node id, on both sides), and sends and receives with K_i2r
 * and K_r2i of that key. Devices are found by IFINDEX or IFNAME in the
 * namespace of the request's socket.
 *
 * M2MSEC_CMD_DEV_GET
 *   request: IFINDEX or IFNAME; or a dump of every m2msec device
 *   reply:   IFINDEX, IFNAME, PORT, PEERS, DROP_UNKNOWN_INDEX,
 *            DROP_MALFORMED, DROP_NO_PEER
 *
 * M2MSEC_CMD_DEV_SET
 *   request: IFINDEX or IFNAME, PORT (0 = pick a free port)
 *   Binding the sockets fails with EADDRINUSE and leaves the old port.
 *
 * M2MSEC_CMD_PEER_NEW
 *   request: IFINDEX or IFNAME, KEY_SERIAL (an m2m_conn key the caller
 *            can search), ENDPOINT, ALLOWED_IPS, KEEPALIVE (seconds, 0 =
 *            off), all but KEY_SERIAL optional
 *   reply:   NODE_ID of the new peer
 *   EEXIST when the device has a peer with that node id; EADDRINUSE when
 *   an allowed prefix belongs to another peer.
 *
 * M2MSEC_CMD_PEER_SET
 *   request: IFINDEX or IFNAME, NODE_ID, and any of KEY_SERIAL (bind a
 *            new Kmc of the same node id: rekey), ENDPOINT, ALLOWED_IPS
 *            (replaces the whole list), KEEPALIVE
 *   A new key takes over sending as soon as the peer has it: at once on
 *   the responder side, which sends a keepalive under it, and on the
 *   initiator side with the first packet received under it. The keys it
 *   replaces keep opening packets for M2MSEC_KEY_GRACE_SECS.
 *
 * M2MSEC_CMD_PEER_DEL
 *   request: IFINDEX or IFNAME, NODE_ID
 *
 * M2MSEC_CMD_PEER_GET
 *   request: IFINDEX or IFNAME, and NODE_ID for one peer; without NODE_ID
 *            a dump of every peer of the device, in the order they were
 *            added (a dump resumes after the last peer it sent, so peers
 *            added or removed meanwhile are neither repeated nor skipped)
 *   reply:   IFINDEX, NODE_ID, ENDPOINT, ALLOWED_IPS, KEEPALIVE, and, while
 *            the peer has a key: KEY_SERIAL, KEY_ID, SUITE, ROLE, INDEX,
 *            PEER_INDEX, KEY_EXPIRES; counters RX_BYTES, TX_BYTES,
 *            RX_PACKETS, TX_PACKETS, DROP_AUTH, DROP_REPLAY, DROP_NO_KEY,
 *            DROP_SOURCE; times LAST_HANDSHAKE, LAST_RX, LAST_TX (0 = never)
 *
 * M2MSEC_CMD_PEER_EVENT (event on the "events" multicast group of the
 *   device's namespace, never a request)
 *   attributes: EVENT, IFINDEX, IFNAME, NODE_ID, and KEY_SERIAL and KEY_ID
 *   of the key concerned where there is one
 *   events: PEER_UP (the peer has a usable key again), KEY_INSTALLED,
 *   REKEY_WANTED (the sending key passed 3/4 of its lifetime or
 *   M2MSEC_REKEY_AFTER_PACKETS packets), KEY_EXPIRED, PEER_DOWN (no usable
 *   key left: revoked, unlinked, expired, or the peer removed).
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

/* Seconds that a replaced key still opens packets after a rekey. */
#define M2MSEC_KEY_GRACE_SECS		10
/* Packets under one key after which the sender requests a rekey. */
#define M2MSEC_REKEY_AFTER_PACKETS	(1ULL << 60)
/* Default UDP port of an m2msec device. */
#define M2MSEC_DEFAULT_PORT		5685

enum m2msec_peer_event {
	M2MSEC_EVENT_PEER_UP = 1,
	M2MSEC_EVENT_KEY_INSTALLED = 2,
	M2MSEC_EVENT_REKEY_WANTED = 3,
	M2MSEC_EVENT_KEY_EXPIRED = 4,
	M2MSEC_EVENT_PEER_DOWN = 5,
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
	M2MSEC_CMD_DEV_GET,
	M2MSEC_CMD_DEV_SET,
	M2MSEC_CMD_PEER_NEW,
	M2MSEC_CMD_PEER_SET,
	M2MSEC_CMD_PEER_DEL,
	M2MSEC_CMD_PEER_GET,
	M2MSEC_CMD_PEER_EVENT,
	/*
	 * Only in modules built with M2MSEC_TEST_HOOKS, for tests: request
	 * ID (the name of a connect handshake of the test vectors), ROLE,
	 * KEYRING; reply KEY_SERIAL of an m2m_conn key holding that vector's
	 * Kmc, with its indexes and suite, as the given role made it.
	 */
	M2MSEC_CMD_TEST_VECTOR_KEY,
	/*
	 * Check an application's request signature without handing Kma to
	 * the caller: request KEY_ID (names the m2m_conn key Kma was derived
	 * from, looked up with the caller's credentials), APP_ID, DIGEST,
	 * MAC. The kernel derives Kma(APP_ID), computes
	 * HMAC-SHA256(Kma, DIGEST), compares it with MAC in constant time and
	 * wipes Kma. Reply: empty on a match, EBADMSG otherwise (ENOKEY,
	 * EKEYREVOKED, EKEYEXPIRED for the key). Needs CAP_NET_ADMIN.
	 */
	M2MSEC_CMD_KMA_VERIFY,

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
	M2MSEC_A_IFINDEX,	/* u32 */
	M2MSEC_A_IFNAME,	/* string, below IFNAMSIZ */
	M2MSEC_A_PORT,		/* u16: UDP port of a device */
	M2MSEC_A_PEERS,		/* u32: number of peers of a device */
	M2MSEC_A_ENDPOINT,	/* binary: struct sockaddr_in or sockaddr_in6 */
	M2MSEC_A_ALLOWED_IPS,	/* nested: array of M2MSEC_A_ALLOWED_IP */
	M2MSEC_A_ALLOWED_IP,	/* nested: enum m2msec_allowedip_attr */
	M2MSEC_A_KEEPALIVE,	/* u16: seconds between keepalives, 0 = off */
	M2MSEC_A_KEY_EXPIRES,	/* u64: Unix seconds when the key expires */
	M2MSEC_A_EVENT,		/* u8, enum m2msec_peer_event */
	M2MSEC_A_RX_BYTES,	/* u64: inner bytes delivered */
	M2MSEC_A_TX_BYTES,	/* u64: inner bytes sent */
	M2MSEC_A_RX_PACKETS,	/* u64 */
	M2MSEC_A_TX_PACKETS,	/* u64 */
	M2MSEC_A_DROP_AUTH,	/* u64: tag did not verify */
	M2MSEC_A_DROP_REPLAY,	/* u64: counter seen or behind the window */
	M2MSEC_A_DROP_NO_KEY,	/* u64: no usable key to send or open */
	M2MSEC_A_DROP_SOURCE,	/* u64: inner source not allowed for the peer */
	M2MSEC_A_DROP_UNKNOWN_INDEX,	/* u64, device: no key has the index */
	M2MSEC_A_DROP_MALFORMED,	/* u64, device: not a DATA message */
	M2MSEC_A_DROP_NO_PEER,	/* u64, device: no peer for the destination */
	M2MSEC_A_LAST_HANDSHAKE,	/* u64: Unix ms when the key was bound */
	M2MSEC_A_LAST_RX,	/* u64: Unix ms of the last packet opened */
	M2MSEC_A_LAST_TX,	/* u64: Unix ms of the last packet sent */
	M2MSEC_A_DIGEST,	/* binary, 32 bytes: SHA-256 of a request */
	M2MSEC_A_MAC,		/* binary, 32 bytes: HMAC-SHA256 tag */

	__M2MSEC_A_MAX,
	M2MSEC_A_MAX = __M2MSEC_A_MAX - 1
};

/* One allowed inner prefix of a peer, nested in M2MSEC_A_ALLOWED_IP. */
enum m2msec_allowedip_attr {
	M2MSEC_ALLOWEDIP_A_UNSPEC,
	M2MSEC_ALLOWEDIP_A_FAMILY,	/* u16: AF_INET or AF_INET6 */
	M2MSEC_ALLOWEDIP_A_ADDR,	/* binary: 4 or 16 bytes */
	M2MSEC_ALLOWEDIP_A_CIDR,	/* u8: prefix length */

	__M2MSEC_ALLOWEDIP_A_MAX,
	M2MSEC_ALLOWEDIP_A_MAX = __M2MSEC_ALLOWEDIP_A_MAX - 1
};

#endif /* _UAPI_LINUX_M2MSEC_H */
