// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the connections part of m2mctl show against a database
 * made with m2md's own schema, and of m2mctl's option helpers. m2mctl's
 * objects are not in the unit test library, so the two source files are
 * compiled into this test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keyutils.h>
#include <sqlite3.h>

#include "../../agent/m2mctl/show_state.c"
#include "../../agent/m2mctl/util.c"
#include "store.h"

#include "check.h"

static const char node_hex[] = "0f062df374c2ddab6d229807ed52e1ff";

static void make_db(const char *dir)
{
	char path[256], *msg = NULL;
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, m2md_schema_sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db,
				  "INSERT INTO nodes (node_id, scl_id, created, updated) "
				  "VALUES ('0f062df374c2ddab6d229807ed52e1ff', 'gscl-0f062df3', 1, 1);"
				  "INSERT INTO connections VALUES ('1122334455667701', "
				  "'0f062df374c2ddab6d229807ed52e1ff', 'gscl-0f062df3', 1, "
				  "'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 123456, 1700003600, 1700000000);",
				  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		printf("cannot make the test database: %s\n",
		       msg ? msg : sqlite3_errstr(rc));
		exit(2);
	}
	sqlite3_close(db);
}

/* Run m2mctl_show_connections() with stdout sent to a string. */
static int show_to_string(const char *dir, bool dump, char *out, size_t len)
{
	FILE *f = tmpfile();
	int saved, ret;
	size_t n;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (!f || saved < 0 || dup2(fileno(f), STDOUT_FILENO) < 0)
		exit(2);
	ret = m2mctl_show_connections(dir, dump);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

static void test_connections(void)
{
	char dir[] = "/tmp/m2mctl-show-test-XXXXXX";
	char out[4096], path[256];

	if (!mkdtemp(dir))
		exit(2);

	CHECK(show_to_string(dir, false, out, sizeof(out)) == M2MCTL_EXIT_OK,
	      "a missing database is no error");
	CHECK(out[0] == '\0', "a missing database prints nothing: \"%s\"",
	      out);

	make_db(dir);
	CHECK(show_to_string(dir, true, out, sizeof(out)) == M2MCTL_EXIT_OK,
	      "dump of m2md's connections succeeds");
	CHECK(!strcmp(out, "connection\t1122334455667701\t"
			   "0f062df374c2ddab6d229807ed52e1ff\tgscl-0f062df3\t1\t"
			   "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\t123456\t"
			   "1700003600\t1700000000\n"),
	      "dump line is tab-separated in the documented order: \"%s\"",
	      out);

	CHECK(show_to_string(dir, false, out, sizeof(out)) == M2MCTL_EXIT_OK,
	      "human form succeeds");
	CHECK(strstr(out, "conn 1122334455667701") != NULL,
	      "human form names the connection: \"%s\"", out);
	CHECK(strstr(out, node_hex) != NULL, "human form names the node");
	CHECK(strstr(out, "expires 2023-11-14 23:13:20 UTC") != NULL,
	      "expiry is shown as a UTC date: \"%s\"", out);

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	unlink(path);
	rmdir(dir);
}

static void test_helpers(void)
{
	unsigned long value;
	uint8_t id[M2MSEC_NODE_ID_LEN];
	char buf[64];
	int32_t keyring;

	CHECK(m2mctl_parse_ulong("t", "uid", "1000", 4294967294UL, &value) == 0,
	      "1000 parses");
	CHECK(value == 1000, "1000 is kept");
	CHECK(m2mctl_parse_ulong("t", "uid", "-1", 10, &value) ==
	      M2MCTL_EXIT_USAGE, "a negative number is a usage error");
	CHECK(m2mctl_parse_ulong("t", "uid", "11", 10, &value) ==
	      M2MCTL_EXIT_USAGE, "a number over the maximum is a usage error");
	CHECK(m2mctl_parse_ulong("t", "uid", "", 10, &value) ==
	      M2MCTL_EXIT_USAGE, "an empty number is a usage error");
	CHECK(m2mctl_parse_hex_id("t", "node id", node_hex, id, sizeof(id)) ==
	      0, "a node id parses");
	CHECK(m2mctl_parse_hex_id("t", "node id", "0f06", id, sizeof(id)) ==
	      M2MCTL_EXIT_USAGE, "a short node id is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@x", &keyring) == M2MCTL_EXIT_USAGE,
	      "an unknown keyring is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@t", &keyring) == M2MCTL_EXIT_USAGE,
	      "the thread keyring, gone when m2mctl exits, is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@p", &keyring) == M2MCTL_EXIT_USAGE,
	      "the process keyring, gone when m2mctl exits, is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@g", &keyring) == M2MCTL_EXIT_USAGE,
	      "the group keyring, not in Linux, is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@a", &keyring) == M2MCTL_EXIT_USAGE,
	      "the request-key auth key is a usage error");
	CHECK(m2mctl_parse_keyring("t", "@us", &keyring) == 0, "@us parses");
	CHECK(keyring == KEY_SPEC_USER_SESSION_KEYRING, "@us is %d", keyring);
	CHECK(m2mctl_parse_keyring("t", "123", &keyring) == 0,
	      "a serial number parses");
	CHECK(keyring == 123, "serial 123 is %d", keyring);
	CHECK(!strcmp(m2mctl_printable("a\tb\nc", buf, sizeof(buf)), "a?b?c"),
	      "control characters are replaced");
	CHECK(!strcmp(m2mctl_printable("abcdef", buf, 4), "abc"),
	      "printable text is cut to the buffer");
	m2mctl_format_time(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1970-01-01 00:00:00 UTC"), "time 0 is \"%s\"",
	      buf);
}

int main(void)
{
	int saved;

	test_connections();

	/* The usage errors that the helpers print are expected here. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (saved < 0 || !freopen("/dev/null", "w", stderr))
		exit(2);
	test_helpers();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
