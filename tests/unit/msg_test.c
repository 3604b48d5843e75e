// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the kernel's handshake message parser and builder,
 * compiled for user space: every vector message parses and rebuilds
 * byte for byte, every listed malformation is rejected, and so is every
 * truncation. Messages are copied into exact-size heap buffers, so that
 * AddressSanitizer catches a read past the end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "msg.h"
#include "selftest_vectors.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "check.h"

static u8 *dup_bytes(const u8 *src, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, src, len);
	return p;
}

static void str_set(struct m2msec_str *s, const char *text)
{
	s->len = (u16)strlen(text);
	memcpy(s->data, text, s->len);
}

/* Parses msg with the parser of the given type and returns its result. */
static int parse_any(u8 type, const u8 *msg, size_t len, u8 offered)
{
	static struct m2msec_init init;
	static struct m2msec_resp resp;
	struct m2msec_finish finish;
	const char *reason = NULL;
	int err;

	switch (type) {
	case M2MSEC_MSG_INIT:
		err = m2msec_msg_parse_init(msg, len, &init, &reason);
		break;
	case M2MSEC_MSG_RESP:
		err = m2msec_msg_parse_resp(msg, len, offered, &resp, &reason);
		break;
	default:
		err = m2msec_msg_parse_finish(msg, len, &finish, &reason);
		break;
	}
	if (err && !reason)
		return -1000;	/* a rejection must name its reason */
	return err;
}

static void test_init_vector(const struct m2msec_tv_handshake *tv)
{
	u8 *msg = dup_bytes(tv->msg_init, tv->msg_init_len);
	struct m2msec_init init;
	const char *reason = NULL;
	u8 out[M2MSEC_MSG_MAX];
	int err;
	int len;

	err = m2msec_msg_parse_init(msg, tv->msg_init_len, &init, &reason);
	CHECK(err == 0, "%s: INIT parse: %d (%s)", tv->name, err, reason);
	CHECK(init.hdr.mode == tv->mode, "%s: INIT mode", tv->name);
	CHECK(init.hdr.suites == tv->suites, "%s: INIT suites", tv->name);
	CHECK(init.hdr.index == tv->initiator.index, "%s: INIT index",
	      tv->name);
	CHECK(!memcmp(init.nonce, tv->initiator.nonce, 32), "%s: INIT nonce",
	      tv->name);
	CHECK(!memcmp(init.ephemeral, tv->initiator.ephemeral_public, 32),
	      "%s: INIT ephemeral", tv->name);
	CHECK(init.id.len == tv->id_len, "%s: INIT id length", tv->name);
	CHECK(!memcmp(init.id.data, tv->id, tv->id_len), "%s: INIT id",
	      tv->name);

	len = m2msec_msg_build_init(&init, out, sizeof(out));
	CHECK(len == (int)tv->msg_init_len, "%s: INIT build length %d",
	      tv->name, len);
	CHECK(!memcmp(out, tv->msg_init, tv->msg_init_len),
	      "%s: INIT rebuild differs", tv->name);
	len = m2msec_msg_build_init(&init, out, tv->msg_init_len - 1);
	CHECK(len == -EMSGSIZE, "%s: INIT build into short buffer: %d",
	      tv->name, len);
	free(msg);
}

static void check_resp_fields(const struct m2msec_tv_handshake *tv,
			      const struct m2msec_resp *resp)
{
	const struct m2msec_resp_fields *f = &resp->fields;

	CHECK(resp->hdr.mode == tv->mode, "%s: RESP mode", tv->name);
	CHECK(resp->hdr.suites == tv->suite, "%s: RESP suite", tv->name);
	CHECK(resp->hdr.index == tv->responder.index, "%s: RESP index",
	      tv->name);
	CHECK(!memcmp(resp->nonce, tv->responder.nonce, 32), "%s: RESP nonce",
	      tv->name);
	CHECK(!memcmp(resp->ephemeral, tv->responder.ephemeral_public, 32),
	      "%s: RESP ephemeral", tv->name);
	CHECK(!memcmp(resp->mac, tv->mac_r, 32), "%s: RESP mac_r", tv->name);
	CHECK(f->key_index == tv->key_index, "%s: RESP key index", tv->name);
	CHECK(f->lifetime == tv->lifetime, "%s: RESP lifetime", tv->name);
	if (tv->mode == M2MSEC_MODE_BOOTSTRAP) {
		CHECK(!memcmp(f->node_id, tv->node_id, 16), "%s: RESP node id",
		      tv->name);
		CHECK(f->mas_fqdn.len == strlen(tv->mas_fqdn) &&
		      !memcmp(f->mas_fqdn.data, tv->mas_fqdn, f->mas_fqdn.len),
		      "%s: RESP mas_fqdn", tv->name);
		CHECK(f->scl_id.len == strlen(tv->scl_id) &&
		      !memcmp(f->scl_id.data, tv->scl_id, f->scl_id.len),
		      "%s: RESP scl_id", tv->name);
	} else {
		CHECK(f->conn_id == tv->conn_id, "%s: RESP conn id", tv->name);
		CHECK(f->mid_flags == tv->mid_flags, "%s: RESP mid_flags",
		      tv->name);
		CHECK(f->nscl_id.len == strlen(tv->nscl_id) &&
		      !memcmp(f->nscl_id.data, tv->nscl_id, f->nscl_id.len),
		      "%s: RESP nscl_id", tv->name);
	}
}

static void test_resp_vector(const struct m2msec_tv_handshake *tv)
{
	u8 *msg = dup_bytes(tv->msg_resp, tv->msg_resp_len);
	static struct m2msec_resp resp;
	const char *reason = NULL;
	u8 out[M2MSEC_MSG_MAX];
	int err;
	int len;

	err = m2msec_msg_parse_resp(msg, tv->msg_resp_len, tv->suites, &resp,
				    &reason);
	CHECK(err == 0, "%s: RESP parse: %d (%s)", tv->name, err, reason);
	check_resp_fields(tv, &resp);

	len = m2msec_msg_build_resp(&resp, tv->suites, out, sizeof(out));
	CHECK(len == (int)tv->msg_resp_len, "%s: RESP build length %d",
	      tv->name, len);
	CHECK(!memcmp(out, tv->msg_resp, tv->msg_resp_len),
	      "%s: RESP rebuild differs", tv->name);
	len = m2msec_msg_build_resp(&resp, tv->suites, out,
				    tv->msg_resp_len - 1);
	CHECK(len == -EMSGSIZE, "%s: RESP build into short buffer: %d",
	      tv->name, len);
	free(msg);
}

static void test_finish_vector(const struct m2msec_tv_handshake *tv)
{
	u8 *msg = dup_bytes(tv->msg_finish, tv->msg_finish_len);
	struct m2msec_finish finish;
	const char *reason = NULL;
	u8 out[M2MSEC_MSG_MAX];
	int err;
	int len;

	err = m2msec_msg_parse_finish(msg, tv->msg_finish_len, &finish,
				      &reason);
	CHECK(err == 0, "%s: FINISH parse: %d (%s)", tv->name, err, reason);
	CHECK(finish.hdr.mode == tv->mode, "%s: FINISH mode", tv->name);
	CHECK(finish.hdr.index == tv->responder.index, "%s: FINISH index",
	      tv->name);
	CHECK(!memcmp(finish.mac, tv->mac_i, 32), "%s: FINISH mac_i",
	      tv->name);
	len = m2msec_msg_build_finish(&finish, out, sizeof(out));
	CHECK(len == (int)tv->msg_finish_len, "%s: FINISH build length %d",
	      tv->name, len);
	CHECK(!memcmp(out, msg, tv->msg_finish_len),
	      "%s: FINISH rebuild differs", tv->name);
	free(msg);
}

static void test_truncations(const struct m2msec_tv_handshake *tv)
{
	const struct {
		u8 type;
		const u8 *msg;
		size_t len;
	} msgs[] = {
		{ M2MSEC_MSG_INIT, tv->msg_init, tv->msg_init_len },
		{ M2MSEC_MSG_RESP, tv->msg_resp, tv->msg_resp_len },
		{ M2MSEC_MSG_FINISH, tv->msg_finish, tv->msg_finish_len },
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		for (n = 0; n < msgs[i].len; n++) {
			u8 *msg = dup_bytes(msgs[i].msg, n);
			int err = parse_any(msgs[i].type, msg, n, tv->suites);

			CHECK(err == -EBADMSG,
			      "%s: type %u truncated to %zu bytes: %d",
			      tv->name, msgs[i].type, n, err);
			free(msg);
		}
		/* One byte too many is a length mismatch as well. */
		{
			u8 *msg = malloc(msgs[i].len + 1);
			int err;

			memcpy(msg, msgs[i].msg, msgs[i].len);
			msg[msgs[i].len] = 0;
			err = parse_any(msgs[i].type, msg, msgs[i].len + 1,
					tv->suites);
			CHECK(err == -EBADMSG, "%s: type %u with a trailing byte: %d",
			      tv->name, msgs[i].type, err);
			free(msg);
		}
	}
}

/*
 * One malformation: the byte at offset set to value in a vector message,
 * and width bytes from there on.
 */
struct mutation {
	const char *name;
	int handshake;		/* 0 bootstrap, 1 connect aes, 2 connect chacha */
	u8 type;
	size_t offset;
	u8 value;
	u8 offered;		/* suites passed to the RESP parser */
	int expect;
	size_t width;
};

/* Offsets in RESP: header 8, nonce 32, ephemeral 32, then the body. */
#define RESP_BODY		72
#define CONN_LIFETIME		(RESP_BODY + 12)
#define CONN_MID_FLAGS		(RESP_BODY + 16)
#define CONN_NSCL_LEN		(RESP_BODY + 18)
#define BOOT_MAS_LEN		(RESP_BODY + 24)
#define INIT_ID_LEN		72

static const struct mutation mutations[] = {
	{ "INIT version 0", 1, M2MSEC_MSG_INIT, 0, 0, 0, -EBADMSG, 1 },
	{ "INIT version 2", 1, M2MSEC_MSG_INIT, 0, 2, 0, -EBADMSG, 1 },
	{ "INIT type 0", 1, M2MSEC_MSG_INIT, 1, 0, 0, -EBADMSG, 1 },
	{ "INIT type 5", 1, M2MSEC_MSG_INIT, 1, 5, 0, -EBADMSG, 1 },
	{ "INIT as RESP type", 1, M2MSEC_MSG_INIT, 1, 2, 0, -EBADMSG, 1 },
	{ "INIT mode 0", 1, M2MSEC_MSG_INIT, 2, 0, 0, -EBADMSG, 1 },
	{ "INIT mode 3", 1, M2MSEC_MSG_INIT, 2, 3, 0, -EBADMSG, 1 },
	{ "INIT connect no suite", 1, M2MSEC_MSG_INIT, 3, 0, 0, -EBADMSG, 1 },
	{ "INIT connect suite bit 2", 1, M2MSEC_MSG_INIT, 3, 0x07, 0, -EBADMSG, 1 },
	{ "INIT connect suite bit 7", 1, M2MSEC_MSG_INIT, 3, 0x81, 0, -EBADMSG, 1 },
	{ "INIT bootstrap suite byte", 0, M2MSEC_MSG_INIT, 3, 1, 0, -EBADMSG, 1 },
	{ "INIT index 0", 1, M2MSEC_MSG_INIT, 4, 0, 0, -EBADMSG, 4 },
	{ "INIT id length 0", 1, M2MSEC_MSG_INIT, INIT_ID_LEN + 1, 0, 0,
	  -EBADMSG, 1 },
	{ "INIT id length 15", 1, M2MSEC_MSG_INIT, INIT_ID_LEN + 1, 15, 0,
	  -EBADMSG, 1 },
	{ "INIT id length 17", 1, M2MSEC_MSG_INIT, INIT_ID_LEN + 1, 17, 0,
	  -EBADMSG, 1 },
	{ "INIT id length over 255", 1, M2MSEC_MSG_INIT, INIT_ID_LEN, 1, 0,
	  -EBADMSG, 1 },
	{ "INIT bootstrap id length 9", 0, M2MSEC_MSG_INIT, INIT_ID_LEN + 1, 9,
	  0, -EBADMSG, 1 },
	{ "RESP version 2", 1, M2MSEC_MSG_RESP, 0, 2, 3, -EBADMSG, 1 },
	{ "RESP as FINISH type", 1, M2MSEC_MSG_RESP, 1, 3, 3, -EBADMSG, 1 },
	{ "RESP mode 3", 1, M2MSEC_MSG_RESP, 2, 3, 3, -EBADMSG, 1 },
	{ "RESP index 0", 1, M2MSEC_MSG_RESP, 4, 0, 3, -EBADMSG, 4 },
	{ "RESP connect suite 0", 1, M2MSEC_MSG_RESP, 3, 0, 3, -EBADMSG, 1 },
	{ "RESP connect suite 3", 1, M2MSEC_MSG_RESP, 3, 3, 3, -EBADMSG, 1 },
	{ "RESP connect suite 4", 1, M2MSEC_MSG_RESP, 3, 4, 3, -EBADMSG, 1 },
	{ "RESP suite 1 not offered", 1, M2MSEC_MSG_RESP, 3, 1, 2, -EPROTO, 1 },
	{ "RESP suite 2 not offered", 2, M2MSEC_MSG_RESP, 3, 2, 1, -EPROTO, 1 },
	{ "RESP bootstrap suite byte", 0, M2MSEC_MSG_RESP, 3, 1, 0, -EBADMSG, 1 },
	{ "RESP mid_flags bit 1", 1, M2MSEC_MSG_RESP, CONN_MID_FLAGS + 1, 3, 3,
	  -EBADMSG, 1 },
	{ "RESP mid_flags bit 15", 1, M2MSEC_MSG_RESP, CONN_MID_FLAGS, 0x80, 3,
	  -EBADMSG, 1 },
	{ "RESP connect lifetime 0", 1, M2MSEC_MSG_RESP, CONN_LIFETIME, 0, 3,
	  -EBADMSG, 4 },
	{ "RESP nscl_id length 0", 1, M2MSEC_MSG_RESP, CONN_NSCL_LEN + 1, 0, 3,
	  -EBADMSG, 1 },
	{ "RESP nscl_id too long", 1, M2MSEC_MSG_RESP, CONN_NSCL_LEN + 1, 5, 3,
	  -EBADMSG, 1 },
	{ "RESP nscl_id length over 255", 1, M2MSEC_MSG_RESP, CONN_NSCL_LEN, 1,
	  3, -EBADMSG, 1 },
	{ "RESP mas_fqdn length 0", 0, M2MSEC_MSG_RESP, BOOT_MAS_LEN + 1, 0, 0,
	  -EBADMSG, 1 },
	{ "RESP mas_fqdn length 17", 0, M2MSEC_MSG_RESP, BOOT_MAS_LEN + 1, 17,
	  0, -EBADMSG, 1 },
	{ "RESP mas_fqdn length over 255", 0, M2MSEC_MSG_RESP, BOOT_MAS_LEN,
	  0xff, 0, -EBADMSG, 1 },
	{ "FINISH version 2", 1, M2MSEC_MSG_FINISH, 0, 2, 0, -EBADMSG, 1 },
	{ "FINISH as INIT type", 1, M2MSEC_MSG_FINISH, 1, 1, 0, -EBADMSG, 1 },
	{ "FINISH mode 0", 1, M2MSEC_MSG_FINISH, 2, 0, 0, -EBADMSG, 1 },
	{ "FINISH byte 3", 1, M2MSEC_MSG_FINISH, 3, 1, 0, -EBADMSG, 1 },
	{ "FINISH index 0", 1, M2MSEC_MSG_FINISH, 4, 0, 0, -EBADMSG, 4 },
};

static void test_mutation(const struct mutation *m)
{
	const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[m->handshake];
	const u8 *src;
	size_t len;
	u8 *msg;
	int err;

	if (m->type == M2MSEC_MSG_INIT) {
		src = tv->msg_init;
		len = tv->msg_init_len;
	} else if (m->type == M2MSEC_MSG_RESP) {
		src = tv->msg_resp;
		len = tv->msg_resp_len;
	} else {
		src = tv->msg_finish;
		len = tv->msg_finish_len;
	}
	msg = dup_bytes(src, len);
	memset(msg + m->offset, m->value, m->width);
	err = parse_any(m->type, msg, len, m->offered);
	CHECK(err == m->expect, "%s: got %d, expected %d", m->name, err,
	      m->expect);
	free(msg);
}

/* A str of 256 bytes with a matching length is still over the limit. */
static void test_str_256(void)
{
	const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[0];
	size_t len = INIT_ID_LEN + 2 + 256;
	u8 *msg = malloc(len);
	int err;

	memcpy(msg, tv->msg_init, INIT_ID_LEN);
	m2msec_put_be16(msg + INIT_ID_LEN, 256);
	memset(msg + INIT_ID_LEN + 2, 'a', 256);
	err = parse_any(M2MSEC_MSG_INIT, msg, len, 0);
	CHECK(err == -EBADMSG, "INIT id of 256 bytes: %d", err);

	/* 255 bytes is the largest str allowed. */
	m2msec_put_be16(msg + INIT_ID_LEN, 255);
	err = parse_any(M2MSEC_MSG_INIT, msg, len - 1, 0);
	CHECK(err == 0, "INIT id of 255 bytes: %d", err);
	free(msg);
}

static void test_header(void)
{
	const u8 data_hdr[] = { 1, 4, 0, 0, 0, 0, 0, 7 };
	const u8 data_mode[] = { 1, 4, 2, 0, 0, 0, 0, 7 };
	const u8 data_byte3[] = { 1, 4, 0, 1, 0, 0, 0, 7 };
	const u8 data_index0[] = { 1, 4, 0, 0, 0, 0, 0, 0 };
	struct m2msec_hdr hdr;
	const char *reason;

	CHECK(m2msec_msg_parse_hdr(data_hdr, 8, &hdr, &reason) == 0 &&
	      hdr.type == M2MSEC_MSG_DATA && hdr.index == 7,
	      "DATA header accepted");
	CHECK(m2msec_msg_parse_hdr(data_mode, 8, &hdr, &reason) == -EBADMSG,
	      "DATA header with mode 2 rejected");
	CHECK(m2msec_msg_parse_hdr(data_byte3, 8, &hdr, &reason) == -EBADMSG,
	      "DATA header with byte 3 set rejected");
	CHECK(m2msec_msg_parse_hdr(data_index0, 8, &hdr, &reason) == -EBADMSG,
	      "DATA header with index 0 rejected");
	CHECK(m2msec_msg_parse_hdr(data_hdr, 7, &hdr, &reason) == -EBADMSG,
	      "7-byte header rejected");
}

/* Every DATA vector packet starts with a valid DATA header. */
static void test_data_headers(void)
{
	size_t i, j;

	for (i = 0; i < M2MSEC_TV_DATA_COUNT; i++) {
		const struct m2msec_tv_data *d = &m2msec_tv_data[i];

		for (j = 0; j < d->packet_count; j++) {
			const struct m2msec_tv_packet *p = &d->packets[j];
			struct m2msec_hdr hdr;
			const char *reason;
			int err;

			err = m2msec_msg_parse_hdr(p->packet, p->packet_len,
						   &hdr, &reason);
			CHECK(err == 0, "%s packet %zu: header: %d", d->name,
			      j, err);
			CHECK(hdr.type == M2MSEC_MSG_DATA &&
			      hdr.index == p->receiver_index,
			      "%s packet %zu: type or index", d->name, j);
		}
	}
}

static void test_build_rejects(void)
{
	static struct m2msec_init init;
	static struct m2msec_resp resp;
	struct m2msec_finish finish;
	u8 out[M2MSEC_MSG_MAX];
	const char *reason;
	int err;

	err = m2msec_msg_parse_init(m2msec_tv_handshakes[1].msg_init,
				    m2msec_tv_handshakes[1].msg_init_len,
				    &init, &reason);
	CHECK(err == 0, "connect INIT parses");
	init.id.len = 0;
	CHECK(m2msec_msg_build_init(&init, out, sizeof(out)) == -EINVAL,
	      "build INIT with empty id");
	init.id.len = 256;
	CHECK(m2msec_msg_build_init(&init, out, sizeof(out)) == -EINVAL,
	      "build INIT with 256-byte id");
	init.id.len = 16;
	init.hdr.index = 0;
	CHECK(m2msec_msg_build_init(&init, out, sizeof(out)) == -EINVAL,
	      "build INIT with index 0");
	init.hdr.index = 1;
	init.hdr.suites = 0;
	CHECK(m2msec_msg_build_init(&init, out, sizeof(out)) == -EINVAL,
	      "build connect INIT without suites");

	memset(&resp, 0, sizeof(resp));
	resp.hdr.mode = M2MSEC_MODE_CONNECT;
	resp.hdr.suites = M2MSEC_SUITE_CHACHA20POLY1305;
	resp.hdr.index = 9;
	resp.fields.lifetime = 60;
	str_set(&resp.fields.nscl_id, "nscl");
	CHECK(m2msec_msg_build_resp(&resp, M2MSEC_SUITES_ALL, out,
				    sizeof(out)) > 0,
	      "build valid connect RESP");
	CHECK(m2msec_msg_build_resp(&resp, 1, out, sizeof(out)) == -EINVAL,
	      "build RESP with a suite not offered");
	resp.fields.mid_flags = 2;
	CHECK(m2msec_msg_build_resp(&resp, 3, out, sizeof(out)) == -EINVAL,
	      "build RESP with reserved mid_flags bit");
	resp.fields.mid_flags = 0;
	resp.fields.lifetime = 0;
	CHECK(m2msec_msg_build_resp(&resp, 3, out, sizeof(out)) == -EINVAL,
	      "build connect RESP with lifetime 0");
	resp.hdr.mode = M2MSEC_MODE_BOOTSTRAP;
	resp.hdr.suites = 0;
	str_set(&resp.fields.mas_fqdn, "mas");
	CHECK(m2msec_msg_build_resp(&resp, 0, out, sizeof(out)) == -EINVAL,
	      "build bootstrap RESP without scl_id");
	str_set(&resp.fields.scl_id, "scl");
	CHECK(m2msec_msg_build_resp(&resp, 0, out, sizeof(out)) > 0,
	      "build bootstrap RESP with lifetime 0");

	memset(&finish, 0, sizeof(finish));
	finish.hdr.mode = M2MSEC_MODE_CONNECT;
	finish.hdr.index = 5;
	finish.hdr.suites = 1;
	CHECK(m2msec_msg_build_finish(&finish, out, sizeof(out)) == -EINVAL,
	      "build FINISH with byte 3 set");
	finish.hdr.suites = 0;
	CHECK(m2msec_msg_build_finish(&finish, out, 39) == -EMSGSIZE,
	      "build FINISH into 39 bytes");
}

int main(void)
{
	size_t i;

	for (i = 0; i < M2MSEC_TV_HANDSHAKES_COUNT; i++) {
		test_init_vector(&m2msec_tv_handshakes[i]);
		test_resp_vector(&m2msec_tv_handshakes[i]);
		test_finish_vector(&m2msec_tv_handshakes[i]);
		test_truncations(&m2msec_tv_handshakes[i]);
	}
	for (i = 0; i < ARRAY_SIZE(mutations); i++)
		test_mutation(&mutations[i]);
	for (i = 0; i < M2MSEC_TV_NEGATIVE_COUNT; i++) {
		const struct m2msec_tv_negative *n = &m2msec_tv_negative[i];

		/* Only malformed handshake messages fail in the parser. */
		if (n->error == -EBADMSG && n->type == M2MSEC_MSG_INIT)
			CHECK(parse_any(n->type, n->msg, n->msg_len, 0) ==
			      -EBADMSG, "negative %s: not rejected", n->name);
	}
	test_str_256();
	test_header();
	test_data_headers();
	test_build_rejects();

	printf("msg_test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
