/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the m2msec generic netlink family, built on libmnl. Every
 * call is synchronous. On failure a call returns a negative errno and
 * fills err with the kernel's extended ack message when there is one.
 */
#ifndef M2M_NL_H
#define M2M_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/m2msec.h>

struct m2m_nl;

/* Sizes of the DIGEST and MAC attributes of KMA_VERIFY. */
#define M2M_NL_DIGEST_LEN	32
#define M2M_NL_MAC_LEN		32

/* Error of the last failed request: errno and the extended ack text. */
struct m2m_nl_err {
	int error;		/* positive errno */
	char msg[256];		/* extack message, or strerror(error) */
};

/*
 * Request and reply of every handshake command. Fields map one to one to
 * M2MSEC_A_* attributes; has_* marks which scalar fields are present.
 * Strings are NUL-terminated; an empty string means absent.
 */
struct m2m_hs {
	uint8_t mode;
	uint8_t suites;
	uint8_t suite;
	uint8_t id[M2MSEC_STR_MAX];
	size_t id_len;
	uint8_t msg[M2MSEC_MSG_MAX];
	size_t msg_len;
	uint32_t index;
	uint32_t peer_index;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	bool has_node_id;
	uint32_t key_index;
	bool has_key_index;
	uint32_t lifetime;
	bool has_lifetime;
	uint64_t conn_id;
	bool has_conn_id;
	uint16_t mid_flags;
	bool has_mid_flags;
	char mas_fqdn[M2MSEC_STR_MAX + 1];
	char scl_id[M2MSEC_STR_MAX + 1];
	char nscl_id[M2MSEC_STR_MAX + 1];
	int32_t keyring;
	int32_t key_serial;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	bool has_key_id;
};

/* One entry of the half-open handshake dump. */
struct m2m_hs_entry {
	uint32_t index;
	uint32_t peer_index;
	uint8_t mode;
	uint8_t role;
	uint8_t state;
	uint64_t age_ms;
};

struct m2m_nl *m2m_nl_open(struct m2m_nl_err *err);
void m2m_nl_close(struct m2m_nl *nl);

/* Initiator: req->mode, req->id, req->suites in; reply->index, msg out. */
int m2m_nl_hs_init(struct m2m_nl *nl, const struct m2m_hs *req,
		   struct m2m_hs *reply, struct m2m_nl_err *err);
/* Responder: req->msg (INIT) and the RESP fields in; reply->msg (RESP). */
int m2m_nl_hs_respond(struct m2m_nl *nl, const struct m2m_hs *req,
		      struct m2m_hs *reply, struct m2m_nl_err *err);
/* Initiator: req->index, req->msg (RESP), req->keyring in. */
int m2m_nl_hs_complete(struct m2m_nl *nl, const struct m2m_hs *req,
		       struct m2m_hs *reply, struct m2m_nl_err *err);
/* Responder: req->msg (FINISH), req->keyring in. */
int m2m_nl_hs_finish(struct m2m_nl *nl, const struct m2m_hs *req,
		     struct m2m_hs *reply, struct m2m_nl_err *err);
/*
 * Dump the half-open handshakes into entries (at most max); returns the
 * number found, which may exceed max, or a negative errno.
 */
int m2m_nl_hs_dump(struct m2m_nl *nl, struct m2m_hs_entry *entries,
		   size_t max, struct m2m_nl_err *err);
/* Derive Kma for app_id from the m2m_conn key key_id into keyring. */
int m2m_nl_kma_derive(struct m2m_nl *nl,
		      const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		      const char *app_id, int32_t keyring, uint32_t uid,
		      int32_t *serial, struct m2m_nl_err *err);
/*
 * Have the kernel check an application's request signature: mac must be
 * HMAC-SHA256(Kma(app_id), digest), with Kma derived from the m2m_conn
 * key key_id, which is looked up with the caller's credentials. Kma never
 * leaves the kernel. Returns 0 on a match, -EBADMSG when the MAC differs,
 * -ENOKEY, -EKEYREVOKED, -EKEYEXPIRED or -EACCES for the key, -EINVAL for
 * a bad app_id, or another negative errno. Like every call, it uses the
 * handle alone: callers in several threads need a handle each or a lock.
 */
int m2m_nl_kma_verify(struct m2m_nl *nl,
		      const uint8_t key_id[M2MSEC_KEY_ID_LEN],
		      const char *app_id,
		      const uint8_t digest[M2M_NL_DIGEST_LEN],
		      const uint8_t mac[M2M_NL_MAC_LEN],
		      struct m2m_nl_err *err);

#endif /* M2M_NL_H */
