// SPDX-License-Identifier: GPL-2.0
/*
 * Parser and builder of m2msec handshake messages. The parser takes
 * untrusted bytes: it reads through a bounded cursor and rejects every
 * malformation that the protocol lists. Builders check their output with
 * the same parser, so that the module never sends what it would reject.
 */
#include "msg.h"

#ifdef __KERNEL__
#include <linux/slab.h>
#else
#include <stdlib.h>
#endif

/* A bounded read position in an untrusted message. */
struct m2msec_cursor {
	const u8 *pos;
	size_t left;
};

static const u8 *m2msec_take(struct m2msec_cursor *c, size_t n)
{
	const u8 *p = c->pos;

	if (c->left < n)
		return NULL;
	c->pos += n;
	c->left -= n;
	return p;
}

static bool m2msec_take_bytes(struct m2msec_cursor *c, u8 *out, size_t n)
{
	const u8 *p = m2msec_take(c, n);

	if (!p)
		return false;
	memcpy(out, p, n);
	return true;
}

static bool m2msec_take_u16(struct m2msec_cursor *c, u16 *v)
{
	const u8 *p = m2msec_take(c, 2);

	if (!p)
		return false;
	*v = m2msec_get_be16(p);
	return true;
}

static bool m2msec_take_u32(struct m2msec_cursor *c, u32 *v)
{
	const u8 *p = m2msec_take(c, 4);

	if (!p)
		return false;
	*v = m2msec_get_be32(p);
	return true;
}

static bool m2msec_take_u64(struct m2msec_cursor *c, u64 *v)
{
	const u8 *p = m2msec_take(c, 8);

	if (!p)
		return false;
	*v = m2msec_get_be64(p);
	return true;
}

static int m2msec_reject(const char **reason, const char *text)
{
	*reason = text;
	return -EBADMSG;
}

/* Reads a str; on failure stores the reason and returns -EBADMSG. */
static int m2msec_take_str(struct m2msec_cursor *c, struct m2msec_str *s,
			   const char **reason)
{
	u16 len;

	if (!m2msec_take_u16(c, &len))
		return m2msec_reject(reason, "message too short (length mismatch)");
	if (len == 0)
		return m2msec_reject(reason, "str length is 0");
	if (len > M2MSEC_STR_MAX)
		return m2msec_reject(reason, "str length is over 255");
	if (!m2msec_take_bytes(c, s->data, len))
		return m2msec_reject(reason, "message too short (length mismatch)");
	s->len = len;
	return 0;
}

static bool m2msec_mode_known(u8 mode)
{
	return mode == M2MSEC_MODE_BOOTSTRAP || mode == M2MSEC_MODE_CONNECT;
}

static bool m2msec_suite_known(u8 suite)
{
	return suite == M2MSEC_SUITE_AES256GCM ||
	       suite == M2MSEC_SUITE_CHACHA20POLY1305;
}

/**
 * m2msec_msg_parse_hdr - parse and check the header of any message
 * @buf: the message
 * @len: its length in bytes
 * @hdr: receives the header fields
 * @reason: receives a static description of a malformation
 *
 * Checks what holds for every type: version, known type, a mode that
 * fits the type, nonzero index, and a zero byte 3 in FINISH and DATA.
 * Byte 3 of INIT and RESP is checked by their own parsers.
 *
 * Return: 0 or -EBADMSG.
 */
int m2msec_msg_parse_hdr(const u8 *buf, size_t len, struct m2msec_hdr *hdr,
			 const char **reason)
{
	if (len < M2MSEC_HDR_LEN)
		return m2msec_reject(reason, "message shorter than its 8-byte header");
	hdr->version = buf[0];
	hdr->type = buf[1];
	hdr->mode = buf[2];
	hdr->suites = buf[3];
	hdr->index = m2msec_get_be32(buf + 4);

	if (hdr->version != M2MSEC_PROTOCOL_VERSION)
		return m2msec_reject(reason, "unsupported protocol version");
	if (hdr->type < M2MSEC_MSG_INIT || hdr->type > M2MSEC_MSG_DATA)
		return m2msec_reject(reason, "unknown message type");
	if (hdr->type == M2MSEC_MSG_DATA) {
		if (hdr->mode != 0)
			return m2msec_reject(reason, "nonzero mode in a DATA message");
	} else if (!m2msec_mode_known(hdr->mode)) {
		return m2msec_reject(reason, "unknown handshake mode");
	}
	if ((hdr->type == M2MSEC_MSG_FINISH || hdr->type == M2MSEC_MSG_DATA) &&
	    hdr->suites != 0)
		return m2msec_reject(reason, "reserved header byte 3 is nonzero");
	if (hdr->index == 0)
		return m2msec_reject(reason, "index is 0");
	return 0;
}

static int m2msec_check_init_suites(const struct m2msec_hdr *hdr,
				    const char **reason)
{
	if (hdr->mode == M2MSEC_MODE_BOOTSTRAP) {
		if (hdr->suites != 0)
			return m2msec_reject(reason, "suite byte is nonzero in bootstrap mode");
		return 0;
	}
	if (hdr->suites == 0)
		return m2msec_reject(reason, "connect INIT offers no suite");
	if (hdr->suites & ~M2MSEC_SUITES_ALL)
		return m2msec_reject(reason, "connect INIT offers an unknown suite");
	return 0;
}

/**
 * m2msec_msg_parse_init - parse and check an INIT message
 * @buf: the message
 * @len: its length in bytes
 * @init: receives the fields
 * @reason: receives a static description of a malformation
 *
 * Return: 0 or -EBADMSG.
 */
int m2msec_msg_parse_init(const u8 *buf, size_t len, struct m2msec_init *init,
			  const char **reason)
{
	struct m2msec_cursor c = { buf + M2MSEC_HDR_LEN, 0 };
	int err;

	err = m2msec_msg_parse_hdr(buf, len, &init->hdr, reason);
	if (err)
		return err;
	if (init->hdr.type != M2MSEC_MSG_INIT)
		return m2msec_reject(reason, "message is not an INIT");
	err = m2msec_check_init_suites(&init->hdr, reason);
	if (err)
		return err;

	c.left = len - M2MSEC_HDR_LEN;
	if (!m2msec_take_bytes(&c, init->nonce, M2MSEC_NONCE_LEN) ||
	    !m2msec_take_bytes(&c, init->ephemeral, M2MSEC_PUBLIC_LEN))
		return m2msec_reject(reason, "message too short (length mismatch)");
	err = m2msec_take_str(&c, &init->id, reason);
	if (err)
		return err;
	if (c.left != 0)
		return m2msec_reject(reason, "trailing bytes (length mismatch)");
	if (init->hdr.mode == M2MSEC_MODE_CONNECT &&
	    init->id.len != M2MSEC_NODE_ID_LEN)
		return m2msec_reject(reason, "connect INIT id is not a 16-byte node id");
	return 0;
}

static int m2msec_take_boot_body(struct m2msec_cursor *c,
				 struct m2msec_resp_fields *f,
				 const char **reason)
{
	int err;

	if (!m2msec_take_bytes(c, f->node_id, M2MSEC_NODE_ID_LEN) ||
	    !m2msec_take_u32(c, &f->key_index) ||
	    !m2msec_take_u32(c, &f->lifetime))
		return m2msec_reject(reason, "message too short (length mismatch)");
	err = m2msec_take_str(c, &f->mas_fqdn, reason);
	if (err)
		return err;
	return m2msec_take_str(c, &f->scl_id, reason);
}

static int m2msec_take_conn_body(struct m2msec_cursor *c,
				 struct m2msec_resp_fields *f,
				 const char **reason)
{
	if (!m2msec_take_u64(c, &f->conn_id) ||
	    !m2msec_take_u32(c, &f->key_index) ||
	    !m2msec_take_u32(c, &f->lifetime) ||
	    !m2msec_take_u16(c, &f->mid_flags))
		return m2msec_reject(reason, "message too short (length mismatch)");
	if (f->lifetime == 0)
		return m2msec_reject(reason, "connect RESP lifetime is 0");
	if (f->mid_flags & ~M2MSEC_MID_FLAGS_KNOWN)
		return m2msec_reject(reason, "reserved mid_flags bit is set");
	return m2msec_take_str(c, &f->nscl_id, reason);
}

/**
 * m2msec_msg_parse_resp - parse and check a RESP message
 * @buf: the message
 * @len: its length in bytes
 * @offered_suites: the suites that the INIT offered (connect mode)
 * @resp: receives the fields
 * @reason: receives a static description of a malformation
 *
 * The RESP's own mode byte selects the body. A caller that has the
 * INIT compares the modes itself.
 *
 * Return: 0, -EBADMSG, or -EPROTO when a well-formed RESP chose a suite
 * that @offered_suites does not contain.
 */
int m2msec_msg_parse_resp(const u8 *buf, size_t len, u8 offered_suites,
			  struct m2msec_resp *resp, const char **reason)
{
	struct m2msec_cursor c = { buf + M2MSEC_HDR_LEN, 0 };
	struct m2msec_hdr *hdr = &resp->hdr;
	int err;

	err = m2msec_msg_parse_hdr(buf, len, hdr, reason);
	if (err)
		return err;
	if (hdr->type != M2MSEC_MSG_RESP)
		return m2msec_reject(reason, "message is not a RESP");
	if (hdr->mode == M2MSEC_MODE_BOOTSTRAP && hdr->suites != 0)
		return m2msec_reject(reason, "suite byte is nonzero in bootstrap mode");
	if (hdr->mode == M2MSEC_MODE_CONNECT && !m2msec_suite_known(hdr->suites))
		return m2msec_reject(reason, "connect RESP suite is not exactly one known suite");

	c.left = len - M2MSEC_HDR_LEN;
	if (!m2msec_take_bytes(&c, resp->nonce, M2MSEC_NONCE_LEN) ||
	    !m2msec_take_bytes(&c, resp->ephemeral, M2MSEC_PUBLIC_LEN))
		return m2msec_reject(reason, "message too short (length mismatch)");
	memset(&resp->fields, 0, sizeof(resp->fields));
	if (hdr->mode == M2MSEC_MODE_BOOTSTRAP)
		err = m2msec_take_boot_body(&c, &resp->fields, reason);
	else
		err = m2msec_take_conn_body(&c, &resp->fields, reason);
	if (err)
		return err;
	if (!m2msec_take_bytes(&c, resp->mac, M2MSEC_MAC_LEN))
		return m2msec_reject(reason, "message too short (length mismatch)");
	if (c.left != 0)
		return m2msec_reject(reason, "trailing bytes (length mismatch)");

	if (hdr->mode == M2MSEC_MODE_CONNECT &&
	    !(M2MSEC_SUITE_MASK(hdr->suites) & offered_suites)) {
		*reason = "RESP chose a suite that the INIT did not offer";
		return -EPROTO;
	}
	return 0;
}

/**
 * m2msec_msg_parse_finish - parse and check a FINISH message
 * @buf: the message
 * @len: its length in bytes
 * @finish: receives the fields
 * @reason: receives a static description of a malformation
 *
 * Return: 0 or -EBADMSG.
 */
int m2msec_msg_parse_finish(const u8 *buf, size_t len,
			    struct m2msec_finish *finish, const char **reason)
{
	int err;

	err = m2msec_msg_parse_hdr(buf, len, &finish->hdr, reason);
	if (err)
		return err;
	if (finish->hdr.type != M2MSEC_MSG_FINISH)
		return m2msec_reject(reason, "message is not a FINISH");
	if (len != M2MSEC_FINISH_LEN)
		return m2msec_reject(reason, "FINISH is not 40 bytes (length mismatch)");
	memcpy(finish->mac, buf + M2MSEC_HDR_LEN, M2MSEC_MAC_LEN);
	return 0;
}

/* A bounded write position; a write past the end sets overflow. */
struct m2msec_writer {
	u8 *pos;
	size_t left;
	bool overflow;
};

static u8 *m2msec_put(struct m2msec_writer *w, size_t n)
{
	u8 *p = w->pos;

	if (w->overflow || w->left < n) {
		w->overflow = true;
		return NULL;
	}
	w->pos += n;
	w->left -= n;
	return p;
}

static void m2msec_put_bytes(struct m2msec_writer *w, const u8 *src, size_t n)
{
	u8 *p = m2msec_put(w, n);

	if (p)
		memcpy(p, src, n);
}

static void m2msec_put_u16(struct m2msec_writer *w, u16 v)
{
	u8 *p = m2msec_put(w, 2);

	if (p)
		m2msec_put_be16(p, v);
}

static void m2msec_put_u32(struct m2msec_writer *w, u32 v)
{
	u8 *p = m2msec_put(w, 4);

	if (p)
		m2msec_put_be32(p, v);
}

static void m2msec_put_u64(struct m2msec_writer *w, u64 v)
{
	u8 *p = m2msec_put(w, 8);

	if (p)
		m2msec_put_be64(p, v);
}

/* Writes a str; a length the parser would reject is refused first. */
static bool m2msec_put_str(struct m2msec_writer *w, const struct m2msec_str *s)
{
	if (s->len == 0 || s->len > M2MSEC_STR_MAX)
		return false;
	m2msec_put_u16(w, s->len);
	m2msec_put_bytes(w, s->data, s->len);
	return true;
}

static void m2msec_put_hdr(struct m2msec_writer *w, u8 type,
			   const struct m2msec_hdr *hdr)
{
	u8 *p = m2msec_put(w, M2MSEC_HDR_LEN);

	if (!p)
		return;
	p[0] = M2MSEC_PROTOCOL_VERSION;
	p[1] = type;
	p[2] = hdr->mode;
	p[3] = hdr->suites;
	m2msec_put_be32(p + 4, hdr->index);
}

static int m2msec_writer_end(const struct m2msec_writer *w, const u8 *buf)
{
	if (w->overflow)
		return -EMSGSIZE;
	return (int)(w->pos - buf);
}

/**
 * m2msec_msg_build_init - write an INIT message
 * @init: the fields; the builder writes version and type itself
 * @buf: output buffer
 * @size: its size in bytes
 *
 * Return: the message length, -EINVAL for fields that the parser would
 * reject or -EMSGSIZE when @size is too small.
 */
int m2msec_msg_build_init(const struct m2msec_init *init, u8 *buf, size_t size)
{
	struct m2msec_writer w = { buf, size, false };
	struct m2msec_init check;
	const char *reason;
	int len;

	m2msec_put_hdr(&w, M2MSEC_MSG_INIT, &init->hdr);
	m2msec_put_bytes(&w, init->nonce, M2MSEC_NONCE_LEN);
	m2msec_put_bytes(&w, init->ephemeral, M2MSEC_PUBLIC_LEN);
	if (!m2msec_put_str(&w, &init->id))
		return -EINVAL;
	len = m2msec_writer_end(&w, buf);
	if (len < 0)
		return len;
	if (m2msec_msg_parse_init(buf, len, &check, &reason))
		return -EINVAL;
	return len;
}

/**
 * m2msec_msg_build_resp - write a RESP message, mac_r included
 * @resp: the fields; the builder writes version and type itself
 * @offered_suites: the suites that the INIT offered (connect mode)
 * @buf: output buffer
 * @size: its size in bytes
 *
 * mac_r covers the bytes before it, so a caller builds the RESP with any
 * mac, computes mac_r over the first (length - 32) bytes and writes it
 * into the last 32.
 *
 * Return: the message length, -EINVAL for fields that the parser would
 * reject or -EMSGSIZE when @size is too small.
 */
int m2msec_msg_build_resp(const struct m2msec_resp *resp, u8 offered_suites,
			  u8 *buf, size_t size)
{
	struct m2msec_writer w = { buf, size, false };
	const struct m2msec_resp_fields *f = &resp->fields;
	struct m2msec_resp *check;
	const char *reason;
	bool str_ok;
	int len;
	int err;

	m2msec_put_hdr(&w, M2MSEC_MSG_RESP, &resp->hdr);
	m2msec_put_bytes(&w, resp->nonce, M2MSEC_NONCE_LEN);
	m2msec_put_bytes(&w, resp->ephemeral, M2MSEC_PUBLIC_LEN);
	if (resp->hdr.mode == M2MSEC_MODE_BOOTSTRAP) {
		m2msec_put_bytes(&w, f->node_id, M2MSEC_NODE_ID_LEN);
		m2msec_put_u32(&w, f->key_index);
		m2msec_put_u32(&w, f->lifetime);
		str_ok = m2msec_put_str(&w, &f->mas_fqdn) &&
			 m2msec_put_str(&w, &f->scl_id);
	} else {
		m2msec_put_u64(&w, f->conn_id);
		m2msec_put_u32(&w, f->key_index);
		m2msec_put_u32(&w, f->lifetime);
		m2msec_put_u16(&w, f->mid_flags);
		str_ok = m2msec_put_str(&w, &f->nscl_id);
	}
	if (!str_ok)
		return -EINVAL;
	m2msec_put_bytes(&w, resp->mac, M2MSEC_MAC_LEN);
	len = m2msec_writer_end(&w, buf);
	if (len < 0)
		return len;

	/* struct m2msec_resp is too large for a kernel stack frame. */
#ifdef __KERNEL__
	check = kmalloc(sizeof(*check), GFP_KERNEL);
#else
	check = malloc(sizeof(*check));
#endif
	if (!check)
		return -ENOMEM;
	err = m2msec_msg_parse_resp(buf, len, offered_suites, check, &reason);
#ifdef __KERNEL__
	kfree(check);
#else
	free(check);
#endif
	return err ? -EINVAL : len;
}

/**
 * m2msec_msg_build_finish - write a FINISH message
 * @finish: the fields; the builder writes version and type itself
 * @buf: output buffer
 * @size: its size in bytes
 *
 * Return: the message length, -EINVAL for fields that the parser would
 * reject or -EMSGSIZE when @size is too small.
 */
int m2msec_msg_build_finish(const struct m2msec_finish *finish, u8 *buf,
			    size_t size)
{
	struct m2msec_writer w = { buf, size, false };
	struct m2msec_finish check;
	const char *reason;
	int len;

	m2msec_put_hdr(&w, M2MSEC_MSG_FINISH, &finish->hdr);
	m2msec_put_bytes(&w, finish->mac, M2MSEC_MAC_LEN);
	len = m2msec_writer_end(&w, buf);
	if (len < 0)
		return len;
	if (m2msec_msg_parse_finish(buf, len, &check, &reason))
		return -EINVAL;
	return len;
}
