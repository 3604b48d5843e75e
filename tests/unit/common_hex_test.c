// SPDX-License-Identifier: GPL-2.0
/* Unit test of the agent's hex encoding of node ids and key ids. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

#include "check.h"

static const uint8_t node_id[M2MSEC_NODE_ID_LEN] = {
	0x0f, 0x06, 0x2d, 0xf3, 0x74, 0xc2, 0xdd, 0xab,
	0x6d, 0x22, 0x98, 0x07, 0xed, 0x52, 0xe1, 0xff,
};

static void test_encode_node_id(void)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];

	m2m_hex_encode(node_id, sizeof(node_id), hex);
	CHECK(!strcmp(hex, "0f062df374c2ddab6d229807ed52e1ff"),
	      "node id encodes as %s", hex);
	m2m_hex_encode(node_id, 0, hex);
	CHECK(hex[0] == '\0', "empty input gives an empty string");
}

static void test_decode_either_case(void)
{
	uint8_t out[M2MSEC_NODE_ID_LEN];

	CHECK(m2m_hex_decode("0f062df374c2ddab6d229807ed52e1ff", out,
			     sizeof(out)) == 0, "lowercase node id decodes");
	CHECK(!memcmp(out, node_id, sizeof(out)), "lowercase bytes match");
	memset(out, 0, sizeof(out));
	CHECK(m2m_hex_decode("0F062DF374C2DDAB6D229807ED52E1FF", out,
			     sizeof(out)) == 0, "uppercase node id decodes");
	CHECK(!memcmp(out, node_id, sizeof(out)), "uppercase bytes match");
}

/* Every byte value survives an encode and decode, at every length. */
static void test_round_trip(void)
{
	uint8_t in[256], out[256];
	char hex[2 * sizeof(in) + 1];
	size_t len, i;
	ssize_t n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	for (len = 0; len <= sizeof(in); len += 17) {
		m2m_hex_encode(in, len, hex);
		CHECK(strlen(hex) == 2 * len, "length %zu encodes to %zu digits",
		      len, strlen(hex));
		CHECK(m2m_hex_decode(hex, out, len) == 0,
		      "length %zu decodes", len);
		CHECK(!memcmp(in, out, len), "length %zu round trips", len);
		n = m2m_hex_decode_var(hex, out, sizeof(out));
		CHECK(n == (ssize_t)len, "variable decode of %zu bytes returns %zd",
		      len, n);
	}
}

static void test_decode_rejects(void)
{
	static const char *const bad[] = {
		"0f062df374c2ddab6d229807ed52e1f",	/* 31 digits */
		"0f062df374c2ddab6d229807ed52e1ff0",	/* 33 digits */
		"0f062df374c2ddab6d229807ed52e1fg",	/* not hex */
		"0f062df374c2ddab6d229807ed52e1 f",	/* space */
		"0x062df374c2ddab6d229807ed52e1ff",	/* prefix */
		"",
	};
	uint8_t out[M2MSEC_NODE_ID_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(m2m_hex_decode(bad[i], out, sizeof(out)) == -EINVAL,
		      "\"%s\" is rejected as a node id", bad[i]);
}

static void test_decode_var_rejects(void)
{
	uint8_t out[4];

	CHECK(m2m_hex_decode_var("abc", out, sizeof(out)) == -EINVAL,
	      "odd number of digits is rejected");
	CHECK(m2m_hex_decode_var("0011223344", out, sizeof(out)) == -EINVAL,
	      "5 bytes into a 4-byte buffer is rejected");
	CHECK(m2m_hex_decode_var("00112233", out, sizeof(out)) == 4,
	      "4 bytes into a 4-byte buffer fit");
	CHECK(m2m_hex_decode_var("zz", out, sizeof(out)) == -EINVAL,
	      "non-hex digits are rejected");
	CHECK(m2m_hex_decode_var("", out, sizeof(out)) == 0,
	      "empty string decodes to no bytes");
}

int main(void)
{
	test_encode_node_id();
	test_decode_either_case();
	test_round_trip();
	test_decode_rejects();
	test_decode_var_rejects();
	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
