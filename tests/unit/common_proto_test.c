// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the agent's reader of handshake message headers: the
 * protocol's vector messages parse with the expected public fields, and
 * malformed headers and lengths are rejected. Each message is copied into
 * an exact-size heap buffer so that AddressSanitizer catches a read past
 * its end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "proto.h"

#include "check.h"

/* Messages of the protocol's version 1 test vectors. */
static const char boot_init_hex[] =
	"01010100eee63a1c710bd02bf589e9362caf13609c0344ce370ffae650cfc1ea"
	"e68dca2f0a6eadfb10acbc2282890e9bf990f74b2d110e24ae53fc32d9cdc558"
	"b575aa1ae095dd71000a534e2d303034322d4137";
static const char boot_resp_hex[] =
	"010201004d93503cde7342ce2e5ad0a1580f21cff0f11e8d70894e6febed0246"
	"bcac581f615abc71b8cc39ce18e027bb086a72ee3af43b95a2dcdd9c52e52855"
	"6972d4eb5c533c090f062df374c2ddab6d229807ed52e1ff0000000700000000"
	"00126d61732e73702e6578616d706c652e6e657400096773636c2d30303432695d"
	"dfe10de6a628d3dc3a0a19f7f9181433d3ad5d7e1d0c81a684e7c83b0d7c";
static const char boot_finish_hex[] =
	"010301004d93503c51837a3aa09a2bf41e89b1c2c36857f07e5d98cd81174287"
	"fc7af008e2ae7f34";
static const char aes_init_hex[] =
	"010102036aaf2d191eb9219a122da60b9360a95adf3030b65bbad2a445cae537"
	"d796646450afa36c263514c3a09b2f32c1d9a4a09ace85ef808fde1bc1b458b6"
	"e6d555e143f3412d00100f062df374c2ddab6d229807ed52e1ff";
static const char aes_resp_hex[] =
	"01020201771eecacb05b2a0278d9cba06cf731c51754dc25c08b4d534c9e1690"
	"ac48d65df43c05081cb3965a405adf8f0711c047be387a2ddeece615fd418f2a"
	"9aa873c9de39ac6811223344556677010000000100000e10000100046e73636c"
	"d9a19d3de1ca430ae36b7e2c63c4863f370e11d0da603caa1ab7dc0d6e4a363d";
static const char chacha_init_hex[] =
	"0101020361c5054c27178c97345bb41c4666f257a3437dca2eb9c9377c8ab08f"
	"c31d491e49a75148cc4f9be6c62346ba8ed48551c95a684dfacdf1c67904f9ab"
	"12a33a11a35cd71a00100f062df374c2ddab6d229807ed52e1ff";
static const char chacha_finish_hex[] =
	"010302009c29fe53be3981e5514ccff6059b601fe8483aa886885a85ddaa9d5e"
	"83cc4390f94ec97d";

static const uint8_t node_id[M2MSEC_NODE_ID_LEN] = {
	0x0f, 0x06, 0x2d, 0xf3, 0x74, 0xc2, 0xdd, 0xab,
	0x6d, 0x22, 0x98, 0x07, 0xed, 0x52, 0xe1, 0xff,
};

/* Decode hex into a heap buffer of exactly the message's size. */
static uint8_t *msg_from_hex(const char *hex, size_t *len)
{
	uint8_t tmp[M2MSEC_MSG_MAX + 64];
	ssize_t n = m2m_hex_decode_var(hex, tmp, sizeof(tmp));
	uint8_t *msg;

	if (n <= 0) {
		printf("bad test vector %.16s...\n", hex);
		exit(2);
	}
	msg = malloc((size_t)n);
	if (!msg)
		exit(2);
	memcpy(msg, tmp, (size_t)n);
	*len = (size_t)n;
	return msg;
}

static uint8_t *dup_bytes(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		exit(2);
	memcpy(p, src, len);
	return p;
}

static void test_vector_inits(void)
{
	static const struct {
		const char *hex;
		uint8_t mode;
		uint8_t suites;
		uint32_t index;
	} inits[] = {
		{ boot_init_hex, M2MSEC_MODE_BOOTSTRAP, 0, 4008065564u },
		{ aes_init_hex, M2MSEC_MODE_CONNECT, 3, 1789865241u },
		{ chacha_init_hex, M2MSEC_MODE_CONNECT, 3, 1640301900u },
	};
	struct m2m_proto_init init;
	char err[160];
	uint8_t *msg;
	size_t i, len;
	int ret;

	for (i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
		msg = msg_from_hex(inits[i].hex, &len);
		ret = m2m_proto_parse_init(msg, len, &init, err, sizeof(err));
		CHECK(ret == 0, "vector INIT %zu parses (%s)", i, err);
		CHECK(init.hdr.version == 1, "INIT %zu version", i);
		CHECK(init.hdr.type == M2M_MSG_INIT, "INIT %zu type", i);
		CHECK(init.hdr.mode == inits[i].mode, "INIT %zu mode %u", i,
		      init.hdr.mode);
		CHECK(init.hdr.suites == inits[i].suites,
		      "INIT %zu suites 0x%02x", i, init.hdr.suites);
		CHECK(init.hdr.index == inits[i].index, "INIT %zu index %u", i,
		      init.hdr.index);
		if (inits[i].mode == M2MSEC_MODE_BOOTSTRAP) {
			CHECK(init.id_len == 10, "bootstrap id length %zu",
			      init.id_len);
			CHECK(!memcmp(init.id, "SN-0042-A7", 10),
			      "bootstrap id is SN-0042-A7");
		} else {
			CHECK(init.id_len == M2MSEC_NODE_ID_LEN,
			      "connect id length %zu", init.id_len);
			CHECK(!memcmp(init.id, node_id, M2MSEC_NODE_ID_LEN),
			      "connect id is the node id");
		}
		free(msg);
	}
}

static void test_vector_resp_finish(void)
{
	static const struct {
		const char *hex;
		uint8_t type;
		uint8_t mode;
		uint8_t suites;
		uint32_t index;
	} msgs[] = {
		{ boot_resp_hex, M2M_MSG_RESP, M2MSEC_MODE_BOOTSTRAP, 0,
		  1301499964u },
		{ boot_finish_hex, M2M_MSG_FINISH, M2MSEC_MODE_BOOTSTRAP, 0,
		  1301499964u },
		{ aes_resp_hex, M2M_MSG_RESP, M2MSEC_MODE_CONNECT, 1,
		  1998515372u },
		{ chacha_finish_hex, M2M_MSG_FINISH, M2MSEC_MODE_CONNECT, 0,
		  2619997779u },
	};
	struct m2m_proto_init init;
	struct m2m_proto_hdr hdr;
	char err[160];
	uint8_t *msg;
	size_t i, len;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		msg = msg_from_hex(msgs[i].hex, &len);
		CHECK(m2m_proto_parse_hdr(msg, len, &hdr, err, sizeof(err)) == 0,
		      "vector message %zu parses (%s)", i, err);
		CHECK(hdr.type == msgs[i].type, "message %zu type %u", i,
		      hdr.type);
		CHECK(hdr.mode == msgs[i].mode, "message %zu mode %u", i,
		      hdr.mode);
		CHECK(hdr.suites == msgs[i].suites, "message %zu suite %u", i,
		      hdr.suites);
		CHECK(hdr.index == msgs[i].index, "message %zu index %u", i,
		      hdr.index);
		CHECK(m2m_proto_parse_init(msg, len, &init, err,
					   sizeof(err)) == -EBADMSG,
		      "message %zu is not accepted as an INIT", i);
		CHECK(strstr(err, "expected an INIT") != NULL,
		      "message %zu error names the type: %s", i, err);
		free(msg);
	}
}

/* Change one byte of a vector message and expect a rejection. */
static void check_mutation(const char *hex, size_t offset, uint8_t value,
			   const char *reason_part, const char *what)
{
	struct m2m_proto_hdr hdr;
	char err[160] = "";
	uint8_t *msg;
	size_t len;

	msg = msg_from_hex(hex, &len);
	msg[offset] = value;
	CHECK(m2m_proto_parse_hdr(msg, len, &hdr, err, sizeof(err)) ==
	      -EBADMSG, "%s is rejected", what);
	CHECK(strstr(err, reason_part) != NULL, "%s: reason \"%s\" has \"%s\"",
	      what, err, reason_part);
	free(msg);
}

static void test_header_rejects(void)
{
	check_mutation(aes_init_hex, 0, 2, "version", "version 2");
	check_mutation(aes_init_hex, 0, 0, "version", "version 0");
	check_mutation(aes_init_hex, 1, 0, "type", "type 0");
	check_mutation(aes_init_hex, 1, 4, "type", "DATA type");
	check_mutation(aes_init_hex, 1, 5, "type", "type 5");
	check_mutation(aes_init_hex, 2, 0, "mode", "mode 0");
	check_mutation(aes_init_hex, 2, 3, "mode", "mode 3");
	check_mutation(aes_init_hex, 3, 0, "suite mask", "connect INIT without suites");
	check_mutation(aes_init_hex, 3, 0x07, "suite mask", "unknown suite bit");
	check_mutation(aes_init_hex, 3, 0x80, "suite mask", "suite bit 7");
	check_mutation(boot_init_hex, 3, 1, "reserved", "bootstrap INIT with suites");
	check_mutation(aes_resp_hex, 3, 0, "suite", "connect RESP without suite");
	check_mutation(aes_resp_hex, 3, 3, "suite", "RESP with two suites");
	check_mutation(boot_resp_hex, 3, 1, "reserved", "bootstrap RESP with a suite");
	check_mutation(chacha_finish_hex, 3, 2, "reserved", "FINISH with a suite");
	/* A FINISH read as a RESP has a length that does not add up. */
	check_mutation(boot_finish_hex, 1, M2M_MSG_RESP, "RESP", "FINISH typed as RESP");
	check_mutation(aes_init_hex, 2, M2MSEC_MODE_BOOTSTRAP, "reserved",
		       "connect INIT in bootstrap mode with suites");
}

static void test_index_zero(void)
{
	struct m2m_proto_hdr hdr;
	char err[160];
	uint8_t *msg;
	size_t len;

	msg = msg_from_hex(chacha_finish_hex, &len);
	memset(msg + 4, 0, 4);
	CHECK(m2m_proto_parse_hdr(msg, len, &hdr, err, sizeof(err)) ==
	      -EBADMSG, "index 0 is rejected");
	CHECK(strstr(err, "index is 0") != NULL, "reason: %s", err);
	free(msg);
}

/* Every length but the right one is rejected, truncations and extension. */
static void test_lengths(void)
{
	static const char *const vectors[] = {
		boot_init_hex, boot_resp_hex, boot_finish_hex,
		aes_init_hex, aes_resp_hex, chacha_finish_hex,
	};
	struct m2m_proto_hdr hdr;
	uint8_t *msg, *cut, *longer;
	char err[160];
	size_t i, len, n;
	int rejected;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		msg = msg_from_hex(vectors[i], &len);
		rejected = 0;
		for (n = 0; n < len; n++) {
			cut = dup_bytes(msg, n);
			rejected += m2m_proto_parse_hdr(cut, n, &hdr, err,
							sizeof(err)) == -EBADMSG;
			free(cut);
		}
		CHECK(rejected == (int)len,
		      "vector %zu: %d of %zu truncations rejected", i,
		      rejected, len);
		longer = malloc(len + 1);
		memcpy(longer, msg, len);
		longer[len] = 0;
		CHECK(m2m_proto_parse_hdr(longer, len + 1, &hdr, err,
					  sizeof(err)) == -EBADMSG,
		      "vector %zu with one byte more is rejected", i);
		free(longer);
		free(msg);
	}
}

static void test_init_strs(void)
{
	struct m2m_proto_init init;
	char err[160];
	uint8_t *msg;
	size_t len;

	/* The vector's truncated connect INIT: length mismatch. */
	msg = msg_from_hex(aes_init_hex, &len);
	CHECK(m2m_proto_parse_init(msg, len - 2, &init, err, sizeof(err)) ==
	      -EBADMSG, "truncated connect INIT is rejected");
	CHECK(strstr(err, "does not fit") != NULL, "reason: %s", err);

	/* A 15-byte id in a 15-byte str is consistent but not a node id. */
	msg[73] = 15;
	CHECK(m2m_proto_parse_init(msg, len - 1, &init, err, sizeof(err)) ==
	      -EBADMSG, "connect INIT with a 15-byte id is rejected");
	CHECK(strstr(err, "node id") != NULL, "reason: %s", err);

	msg[73] = 0;
	CHECK(m2m_proto_parse_init(msg, 74, &init, err, sizeof(err)) ==
	      -EBADMSG, "INIT with an empty id is rejected");
	CHECK(strstr(err, "length 0") != NULL, "reason: %s", err);
	free(msg);

	msg = msg_from_hex(boot_init_hex, &len);
	msg[72] = 1;	/* str length 256 */
	msg[73] = 0;
	CHECK(m2m_proto_parse_init(msg, len, &init, err, sizeof(err)) ==
	      -EBADMSG, "INIT with a 256-byte id is rejected");
	CHECK(strstr(err, "length 256") != NULL, "reason: %s", err);
	free(msg);
}

static void test_too_large(void)
{
	struct m2m_proto_hdr hdr;
	char err[160];
	uint8_t *msg;

	msg = calloc(1, M2MSEC_MSG_MAX + 1);
	msg[0] = 1;
	msg[1] = M2M_MSG_RESP;
	msg[2] = M2MSEC_MODE_BOOTSTRAP;
	msg[7] = 1;
	CHECK(m2m_proto_parse_hdr(msg, M2MSEC_MSG_MAX + 1, &hdr, err,
				  sizeof(err)) == -EBADMSG,
	      "message over M2MSEC_MSG_MAX is rejected");
	CHECK(strstr(err, "exceeds") != NULL, "reason: %s", err);
	free(msg);
}

static void test_names(void)
{
	CHECK(!strcmp(m2m_proto_type_name(M2M_MSG_FINISH), "FINISH"),
	      "FINISH name");
	CHECK(!strcmp(m2m_proto_type_name(9), "unknown"), "unknown type");
	CHECK(!strcmp(m2m_proto_mode_name(M2MSEC_MODE_CONNECT), "connect"),
	      "connect name");
	CHECK(!strcmp(m2m_proto_mode_name(0), "unknown"), "unknown mode");
}

int main(void)
{
	test_vector_inits();
	test_vector_resp_finish();
	test_header_rejects();
	test_index_zero();
	test_lengths();
	test_init_strs();
	test_too_large();
	test_names();
	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
