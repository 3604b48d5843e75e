// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of key payload parsing for m2mctl import and m2md: exactly
 * 32 raw bytes or 64 hex digits, with errors that give the size found
 * and the size expected. No key reaches the kernel here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keyutils.h>

#include "keys.h"

#include "check.h"

static const char key_hex[] =
	"f43a33899cfac7d2ffe1369e6bfbea59ea509fe891426c911cc9dbef0db924ee";

static bool all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static void test_raw_sizes(void)
{
	uint8_t in[64], out[M2MSEC_KEY_LEN];
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i + 1);
	CHECK(m2m_key_parse_payload(in, 32, false, out, err, sizeof(err)) == 0,
	      "32 raw bytes are accepted");
	CHECK(!memcmp(out, in, 32), "payload is copied unchanged");

	memset(out, 0xff, sizeof(out));
	CHECK(m2m_key_parse_payload(in, 31, false, out, err, sizeof(err)) ==
	      -EINVAL, "31 raw bytes are rejected");
	CHECK(strstr(err, "key has 31 bytes, expected exactly 32") != NULL,
	      "error gives both sizes: %s", err);
	CHECK(all_zero(out, sizeof(out)), "output is wiped on failure");

	CHECK(m2m_key_parse_payload(in, 33, false, out, err, sizeof(err)) ==
	      -EINVAL, "33 raw bytes are rejected");
	CHECK(strstr(err, "key has 33 bytes") != NULL, "error: %s", err);

	CHECK(m2m_key_parse_payload(in, 0, false, out, err, sizeof(err)) ==
	      -EINVAL, "an empty key is rejected");

	/* A hex key in a file read as raw is 64 or 65 bytes: a clear error. */
	CHECK(m2m_key_parse_payload((const uint8_t *)key_hex, 64, false, out,
				    err, sizeof(err)) == -EINVAL,
	      "hex text read as raw is rejected");
	CHECK(strstr(err, "--hex") != NULL, "error points to --hex: %s", err);
}

static int parse_hex(const char *text, uint8_t out[M2MSEC_KEY_LEN],
		     char *err, size_t errlen)
{
	return m2m_key_parse_payload((const uint8_t *)text, strlen(text), true,
				     out, err, errlen);
}

static void test_hex_form(void)
{
	uint8_t out[M2MSEC_KEY_LEN];
	char text[160], err[256];

	CHECK(parse_hex(key_hex, out, err, sizeof(err)) == 0,
	      "64 hex digits are accepted: %s", err);
	CHECK(out[0] == 0xf4, "first hex byte decodes");
	CHECK(out[31] == 0xee, "last hex byte decodes");

	snprintf(text, sizeof(text), "  %s\n", key_hex);
	CHECK(parse_hex(text, out, err, sizeof(err)) == 0,
	      "surrounding whitespace is ignored: %s", err);

	snprintf(text, sizeof(text), "%.63s", key_hex);
	CHECK(parse_hex(text, out, err, sizeof(err)) == -EINVAL,
	      "63 hex digits are rejected");
	CHECK(strstr(err, "63 characters, expected exactly 64") != NULL,
	      "error gives both sizes: %s", err);

	snprintf(text, sizeof(text), "%s0", key_hex);
	CHECK(parse_hex(text, out, err, sizeof(err)) == -EINVAL,
	      "65 hex digits are rejected");

	snprintf(text, sizeof(text), "%s", key_hex);
	text[10] = 'g';
	memset(out, 0xff, sizeof(out));
	CHECK(parse_hex(text, out, err, sizeof(err)) == -EINVAL,
	      "a non-hex character is rejected");
	CHECK(strstr(err, "not a hex digit") != NULL, "error: %s", err);
	CHECK(all_zero(out, sizeof(out)), "output is wiped on failure");

	snprintf(text, sizeof(text), "%.32s %s", key_hex, key_hex + 32);
	CHECK(parse_hex(text, out, err, sizeof(err)) == -EINVAL,
	      "whitespace inside the digits is rejected");
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		printf("cannot write %s\n", path);
		exit(2);
	}
}

static void test_read_file(void)
{
	char dir[] = "/tmp/m2m-keys-test-XXXXXX";
	uint8_t raw[40] = { 0 }, out[M2MSEC_KEY_LEN];
	static uint8_t large[M2M_KEY_FILE_MAX + 10];
	char path[128], err[256];

	if (!mkdtemp(dir)) {
		printf("cannot make a temporary directory\n");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/key", dir);

	raw[0] = 0x42;
	write_file(path, raw, 32);
	CHECK(m2m_key_read_payload(path, false, out, err, sizeof(err)) == 0,
	      "32-byte file is read: %s", err);
	CHECK(out[0] == 0x42, "file payload is returned");

	write_file(path, raw, 33);
	CHECK(m2m_key_read_payload(path, false, out, err, sizeof(err)) ==
	      -EINVAL, "33-byte file is rejected");
	CHECK(strstr(err, "33 bytes") != NULL, "error: %s", err);

	write_file(path, key_hex, sizeof(key_hex) - 1);
	CHECK(m2m_key_read_payload(path, true, out, err, sizeof(err)) == 0,
	      "hex file is read with hex on: %s", err);

	write_file(path, large, sizeof(large));
	CHECK(m2m_key_read_payload(path, false, out, err, sizeof(err)) ==
	      -EINVAL, "a file over M2M_KEY_FILE_MAX is rejected");
	CHECK(strstr(err, "larger than") != NULL, "error: %s", err);

	unlink(path);
	CHECK(m2m_key_read_payload(path, false, out, err, sizeof(err)) ==
	      -ENOENT, "a missing file fails with -ENOENT");
	CHECK(strstr(err, path) != NULL, "error names the file: %s", err);
	rmdir(dir);
}

static void test_keyring_names(void)
{
	int32_t kr = 0;

	CHECK(m2m_keyring_parse("@u", &kr) == 0, "@u parses");
	CHECK(kr == KEY_SPEC_USER_KEYRING, "@u is the user keyring");
	CHECK(m2m_keyring_parse("@s", &kr) == 0, "@s parses");
	CHECK(kr == KEY_SPEC_SESSION_KEYRING, "@s is the session keyring");
	CHECK(m2m_keyring_parse("@us", &kr) == 0, "@us parses");
	CHECK(kr == KEY_SPEC_USER_SESSION_KEYRING,
	      "@us is the user session keyring");
	CHECK(m2m_keyring_parse("123456", &kr) == 0, "decimal serial parses");
	CHECK(kr == 123456, "decimal serial is kept");
	CHECK(m2m_keyring_parse("@x", &kr) == -EINVAL, "@x is rejected");
	CHECK(m2m_keyring_parse("-4", &kr) == -EINVAL,
	      "negative numbers are rejected");
	CHECK(m2m_keyring_parse("0", &kr) == -EINVAL, "0 is rejected");
	CHECK(m2m_keyring_parse("12ab", &kr) == -EINVAL,
	      "trailing text is rejected");
	CHECK(m2m_keyring_parse("4294967296", &kr) == -EINVAL,
	      "a serial over 2^31 - 1 is rejected");
	CHECK(m2m_keyring_parse("", &kr) == -EINVAL, "empty is rejected");
}

static void test_import_checks(void)
{
	uint8_t payload[M2MSEC_KEY_LEN] = { 0 };
	char long_id[M2MSEC_STR_MAX + 2];
	char err[256];
	int32_t serial;

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK(m2m_key_import_boot(long_id, payload, KEY_SPEC_USER_KEYRING,
				  &serial, err, sizeof(err)) == -EINVAL,
	      "a 256-byte bootstrap id is rejected before add_key");
	CHECK(strstr(err, "length 256") != NULL, "error: %s", err);
	CHECK(m2m_key_import_boot("", payload, KEY_SPEC_USER_KEYRING, &serial,
				  err, sizeof(err)) == -EINVAL,
	      "an empty bootstrap id is rejected");
}

static void key_info_init(struct m2m_key_info *info, int32_t serial,
			  const char *type, const char *description)
{
	memset(info, 0, sizeof(*info));
	info->serial = serial;
	snprintf(info->type, sizeof(info->type), "%s", type);
	snprintf(info->description, sizeof(info->description), "%s",
		 description);
}

/* Lines as the module's describe operations write them in /proc/keys. */
static void test_proc_lines(void)
{
	static const char conn_line[] =
		"1a2b3c4d I--Q---     1 59m 3f010000     0     0 m2m_conn  "
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf: node "
		"0f062df374c2ddab6d229807ed52e1ff kmc_index 1 expires "
		"1700003600\n";
	static const char root_line[] =
		"00000101 I--Q---     1 perm 3f010000     0     0 m2m_root  "
		"0f062df374c2ddab6d229807ed52e1ff: m2m_root kmr_index 7\n";
	static const char boot_line[] =
		"00000102 I--Q---     1 2h 3f010000     0     0 m2m_boot  "
		"SN-0042-A7\n";
	const time_t now = 1700000000;
	struct m2m_key_info info;

	key_info_init(&info, 0x1a2b3c4d, "m2m_conn",
		      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	CHECK(m2m_keys_parse_proc_line(conn_line, &info, now) == 0,
	      "m2m_conn line parses");
	CHECK(!strcmp(info.node_id, "0f062df374c2ddab6d229807ed52e1ff"),
	      "m2m_conn node id \"%s\"", info.node_id);
	CHECK(info.has_key_index, "m2m_conn has a key index");
	CHECK(info.key_index == 1, "kmc_index 1, got %u", info.key_index);
	CHECK(info.has_expiry, "m2m_conn has an expiry");
	CHECK(info.expiry_exact, "m2m_conn expiry is exact");
	CHECK(info.expiry == 1700003600, "expiry %lld",
	      (long long)info.expiry);
	CHECK(info.seconds_left == 3600, "3600 s left, got %ld",
	      info.seconds_left);
	CHECK(!strncmp(info.details, "node ", 5),
	      "details start after the description: \"%s\"", info.details);

	key_info_init(&info, 0x101, "m2m_root",
		      "0f062df374c2ddab6d229807ed52e1ff");
	CHECK(m2m_keys_parse_proc_line(root_line, &info, now) == 0,
	      "m2m_root line parses");
	CHECK(info.has_key_index, "m2m_root has a key index");
	CHECK(info.key_index == 7, "kmr_index 7, got %u", info.key_index);
	CHECK(!info.has_expiry, "perm means no expiry");

	key_info_init(&info, 0x102, "m2m_boot", "SN-0042-A7");
	CHECK(m2m_keys_parse_proc_line(boot_line, &info, now) == 0,
	      "m2m_boot line parses");
	CHECK(info.has_expiry, "timeout column gives an expiry");
	CHECK(!info.expiry_exact, "timeout column expiry is inexact");
	CHECK(info.seconds_left == 7200, "2h is 7200 s, got %ld",
	      info.seconds_left);
	CHECK(!info.has_key_index, "no key index on a bootstrap credential");

	key_info_init(&info, 0x103, "m2m_boot", "SN-0042-A7");
	CHECK(m2m_keys_parse_proc_line(boot_line, &info, now) == -ENOENT,
	      "a line about another serial is skipped");
	CHECK(m2m_keys_parse_proc_line("garbage", &info, now) == -EINVAL,
	      "a malformed line is rejected");
}

/* Both forms of an m2m_conn description: the key id alone, or with pairs. */
static void test_descriptions(void)
{
	const time_t now = 1700000000;
	struct m2m_key_info info;

	key_info_init(&info, 1, "m2m_conn",
		      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	m2m_keys_parse_description(&info, now);
	CHECK(!strcmp(info.key_id, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"),
	      "key id alone: \"%s\"", info.key_id);
	CHECK(!info.has_expiry, "key id alone carries no expiry");

	key_info_init(&info, 1, "m2m_conn",
		      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf node "
		      "0f062df374c2ddab6d229807ed52e1ff kmc_index 3 expires "
		      "1700000060");
	m2m_keys_parse_description(&info, now);
	CHECK(!strcmp(info.key_id, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"),
	      "key id before the pairs: \"%s\"", info.key_id);
	CHECK(!strcmp(info.node_id, "0f062df374c2ddab6d229807ed52e1ff"),
	      "node id from the pairs: \"%s\"", info.node_id);
	CHECK(info.has_key_index, "key index from the pairs");
	CHECK(info.key_index == 3, "kmc_index 3, got %u", info.key_index);
	CHECK(info.expiry_exact, "expiry from the pairs is exact");
	CHECK(info.seconds_left == 60, "60 s left, got %ld", info.seconds_left);

	key_info_init(&info, 2, "m2m_root",
		      "0f062df374c2ddab6d229807ed52e1ff");
	m2m_keys_parse_description(&info, now);
	CHECK(!strcmp(info.node_id, "0f062df374c2ddab6d229807ed52e1ff"),
	      "m2m_root node id: \"%s\"", info.node_id);
	CHECK(info.key_id[0] == '\0', "m2m_root has no key id here");

	key_info_init(&info, 3, "m2m_conn", "a0a1a2a3");
	m2m_keys_parse_description(&info, now);
	CHECK(info.key_id[0] == '\0', "a short id is not taken as a key id");

	key_info_init(&info, 4, "m2m_boot", "0f062df374c2ddab6d229807ed52e1ff");
	m2m_keys_parse_description(&info, now);
	CHECK(info.node_id[0] == '\0',
	      "a bootstrap id that looks like hex is no node id");
}

int main(void)
{
	test_raw_sizes();
	test_hex_form();
	test_read_file();
	test_keyring_names();
	test_import_checks();
	test_proc_lines();
	test_descriptions();
	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
