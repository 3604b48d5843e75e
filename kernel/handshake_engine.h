/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake engine inside handshake.c: one handshake's state and the
 * steps of both roles, without the table, the keyring or netlink. The
 * netlink handlers and the self-test call these steps; only the self-test
 * passes fixed inputs.
 */
#ifndef _M2MSEC_HANDSHAKE_ENGINE_H
#define _M2MSEC_HANDSHAKE_ENGINE_H

#include <linux/key.h>
#include <linux/list.h>
#include <linux/types.h>

#include "crypto.h"
#include "msg.h"

/* Largest INIT: header, nonce, ephemeral and a str of 255 bytes. */
#define M2MSEC_INIT_MAX	(M2MSEC_HDR_LEN + M2MSEC_HS_RANDOM_LEN + \
			 M2MSEC_STR_HDR_LEN + M2MSEC_STR_MAX)

/*
 * Key schedule intermediates that the messages do not show, recorded for
 * the self-test only.
 */
struct m2msec_hs_trace {
	u8 ck0[M2MSEC_HASH_LEN];
	u8 ck1[M2MSEC_HASH_LEN];
	u8 dh[M2MSEC_X25519_LEN];
	u8 ck2[M2MSEC_HASH_LEN];
	u8 th2[M2MSEC_HASH_LEN];
	u8 th3[M2MSEC_HASH_LEN];
};

/*
 * Fixed inputs in place of the random generator, and an optional trace:
 * the self-test's hook into the engine. The netlink handlers pass NULL.
 */
struct m2msec_hs_fixed {
	const u8 *ephemeral_private;	/* 32 bytes */
	const u8 *nonce;		/* 32 bytes */
	u32 index;
	struct m2msec_hs_trace *trace;	/* may be NULL */
};

/* One handshake, either role. Fields marked secret are wiped on free. */
struct m2msec_hs {
	/* Table linkage and ownership, managed by handshake.c. */
	struct hlist_node index_node;
	struct list_head age_node;
	unsigned long stamp;		/* jiffies of the last state change */
	bool busy;			/* a request is working on it */
	kuid_t owner;			/* fsuid of the request that made it */

	u8 mode;			/* enum m2msec_mode */
	u8 role;			/* enum m2msec_role */
	u8 state;			/* enum m2msec_hs_state, 0 while built */
	u8 suites;			/* initiator: offered; responder: chosen */
	u32 index;			/* own index */
	u32 peer_index;			/* 0 until known */
	struct m2msec_str id;		/* the initiator's id */

	/* Public metadata of the key that the handshake makes. */
	u8 node_id[M2MSEC_NODE_ID_LEN];
	u32 key_index;
	u32 lifetime;

	/* Initiator until RESP. */
	u8 ephemeral_private[M2MSEC_X25519_LEN];	/* secret */
	u8 init_msg[M2MSEC_INIT_MAX];
	u16 init_len;

	/* Initiator: ck1 until RESP. Responder: ck2 until FINISH. Secret. */
	u8 ck[M2MSEC_HASH_LEN];
	u8 th3[M2MSEC_HASH_LEN];	/* responder */

	/* Responder in state DONE: the reply to a repeated FINISH. */
	u8 mac_i[M2MSEC_MAC_LEN];
	key_serial_t serial;
	u8 key_id[M2MSEC_KEY_ID_LEN];
};

/* Output of a finished handshake; the caller wipes key. */
struct m2msec_hs_result {
	u8 key[M2MSEC_KEY_LEN];
	u8 key_id[M2MSEC_KEY_ID_LEN];
	u8 finish[M2MSEC_FINISH_LEN];	/* initiator: the FINISH to send */
};

u32 m2msec_hs_draw_index(const struct m2msec_hs_fixed *fixed);
u8 m2msec_hs_pick_suite(u8 offered, u8 accepted);
int m2msec_hs_initiate(struct m2msec_hs *hs, const u8 psk[M2MSEC_KEY_LEN],
		       const struct m2msec_hs_fixed *fixed);
int m2msec_hs_respond(struct m2msec_hs *hs, const struct m2msec_init *init,
		      const u8 *init_msg, size_t init_len,
		      const struct m2msec_resp_fields *fields,
		      const u8 psk[M2MSEC_KEY_LEN], u8 *resp_msg,
		      size_t resp_size, const struct m2msec_hs_fixed *fixed,
		      const char **reason);
int m2msec_hs_complete(struct m2msec_hs *hs, const u8 *msg, size_t len,
		       struct m2msec_resp *resp, struct m2msec_hs_result *res,
		       const struct m2msec_hs_fixed *fixed, const char **reason);
int m2msec_hs_finish(struct m2msec_hs *hs, const struct m2msec_finish *finish,
		     struct m2msec_hs_result *res, const char **reason);
void m2msec_hs_wipe(struct m2msec_hs *hs);

#endif /* _M2MSEC_HANDSHAKE_ENGINE_H */
