// SPDX-License-Identifier: GPL-2.0
/* Unit test of m2md's SQLite state: schema, nodes, connections, tree. */
#include <errno.h>
#include <sqlite3.h>

#include "m2md_test.h"
#include "store.h"

static char dir[64];

static const uint8_t node_a[16] = { 0xa1, 2, 3, 4, 5, 6, 7, 8,
				    9, 10, 11, 12, 13, 14, 15, 16 };

static struct m2md_store *open_store(void)
{
	struct m2md_store *st = NULL;
	char err[256] = "";

	CHECK(m2md_store_open(dir, &st, err, sizeof(err)) == 0,
	      "store opens in %s: %s", dir, err);
	if (!st)
		exit(2);
	return st;
}

static void test_wal_and_version(void)
{
	struct m2md_store *st = open_store();
	char mode[16] = "", path[128];
	sqlite3_stmt *stmt;
	sqlite3 *db;

	CHECK(m2md_store_journal_mode(st, mode, sizeof(mode)) == 0,
	      "journal mode readable");
	CHECK(!strcmp(mode, "wal"), "journal mode is %s", mode);
	m2md_store_close(st);

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "db opens directly");
	CHECK(sqlite3_prepare_v2(db, "SELECT version FROM schema_version",
				 -1, &stmt, NULL) == SQLITE_OK,
	      "version table exists");
	CHECK(sqlite3_step(stmt) == SQLITE_ROW, "version row exists");
	CHECK(sqlite3_column_int(stmt, 0) == M2MD_SCHEMA_VERSION,
	      "version is %d", sqlite3_column_int(stmt, 0));
	CHECK(sqlite3_step(stmt) == SQLITE_DONE, "one version row");
	sqlite3_finalize(stmt);
	sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL,
		     NULL);
	sqlite3_close(db);
	{
		struct m2md_store *newer = NULL;
		char err[256] = "";

		CHECK(m2md_store_open(dir, &newer, err, sizeof(err)) < 0,
		      "a newer schema is rejected");
		CHECK(strstr(err, "newer") != NULL, "reason: %s", err);
	}
	sqlite3_open(path, &db);
	sqlite3_exec(db, "UPDATE schema_version SET version = 1", NULL, NULL,
		     NULL);
	sqlite3_close(db);
}

static void test_node_kept_across_reopen(void)
{
	struct m2md_store *st = open_store();
	struct m2md_node n = { 0 }, got;

	memcpy(n.node_id, node_a, 16);
	snprintf(n.bootstrap_id, sizeof(n.bootstrap_id), "serial-1");
	snprintf(n.scl_id, sizeof(n.scl_id), "gscl-a1020304");
	n.kmr_index = 1;
	CHECK(m2md_store_node_put(st, &n) == 0, "node stored");
	CHECK(m2md_store_node_set_key(st, node_a, "00112233445566778899aabbccddeeff",
				      123, 0) == 0, "key recorded");
	m2md_store_close(st);

	st = open_store();
	CHECK(m2md_store_node_find_boot(st, "serial-1", &got) == 0,
	      "node found by bootstrap id after reopen");
	CHECK(!memcmp(got.node_id, node_a, 16), "node id kept");
	CHECK(got.kmr_index == 1, "kmr index kept: %u", got.kmr_index);
	CHECK(!strcmp(got.scl_id, "gscl-a1020304"), "scl id kept");
	CHECK(!strcmp(got.key_id, "00112233445566778899aabbccddeeff"),
	      "key id kept");
	CHECK(got.key_serial == 123, "key serial kept");
	CHECK(m2md_store_node_find_boot(st, "serial-2", &got) == -ENOENT,
	      "unknown bootstrap id is -ENOENT");
	m2md_store_close(st);
}

static void test_indexes_increase(void)
{
	struct m2md_store *st = open_store();
	struct m2md_node n, got;

	CHECK(m2md_store_node_get(st, node_a, &n) == 0, "node found");
	n.kmr_index = 2;
	n.kmc_index = 5;
	CHECK(m2md_store_node_put(st, &n) == 0, "indexes raised");
	m2md_store_node_get(st, node_a, &got);
	CHECK(got.kmr_index == 2, "raised kmr index stored: %u",
	      got.kmr_index);
	CHECK(got.kmc_index == 5, "raised kmc index stored: %u",
	      got.kmc_index);
	n.kmr_index = 1;
	n.kmc_index = 3;
	CHECK(m2md_store_node_put(st, &n) == 0, "lower put succeeds");
	m2md_store_node_get(st, node_a, &got);
	CHECK(got.kmr_index == 2, "kmr index never decreases: %u",
	      got.kmr_index);
	CHECK(got.kmc_index == 5, "kmc index never decreases: %u",
	      got.kmc_index);
	/* Another node may not take over the bootstrap id. */
	n.node_id[0] ^= 0xff;
	CHECK(m2md_store_node_put(st, &n) == -EEXIST,
	      "bootstrap id of another node is -EEXIST");
	m2md_store_close(st);
}

static void test_pending_and_connections(void)
{
	struct m2md_store *st = open_store();
	struct m2md_pending p = { .index_r = 0xdeadbeef, .mode = 2,
				  .key_index = 7, .lifetime = 60,
				  .conn_id = 0xfedcba9876543210ULL };
	struct m2md_connection c = { .conn_id = 0x1122334455667788ULL,
				     .kmc_index = 7, .key_serial = 99,
				     .expiry = 2000 };
	struct m2md_pending got;

	memcpy(p.node_id, node_a, 16);
	snprintf(p.scl_id, sizeof(p.scl_id), "gscl-a1020304");
	CHECK(m2md_store_pending_put(st, &p, 600) == 0, "pending stored");
	CHECK(m2md_store_pending_get(st, 0xdeadbeef, &got) == 0,
	      "pending found");
	CHECK(got.conn_id == p.conn_id, "u64 connection id kept");
	CHECK(got.key_index == 7, "pending key index kept");
	CHECK(got.lifetime == 60, "pending lifetime kept");
	CHECK(got.mode == 2, "pending mode kept");
	CHECK(!memcmp(got.node_id, node_a, 16), "pending node id kept");
	CHECK(m2md_store_pending_get(st, 1, &got) == -ENOENT,
	      "unknown index is -ENOENT");

	memcpy(c.node_id, node_a, 16);
	snprintf(c.scl_id, sizeof(c.scl_id), "gscl-a1020304");
	snprintf(c.key_id, sizeof(c.key_id), "ff");
	CHECK(m2md_store_connection_put(st, &c) == 0, "connection stored");
	CHECK(m2md_store_connection_put(st, &c) == 0,
	      "same connection again is accepted");
	CHECK(m2md_store_connection_current(st, "gscl-a1020304", 1999) == 1,
	      "connection current before expiry");
	CHECK(m2md_store_connection_current(st, "gscl-a1020304", 2000) == 0,
	      "connection not current at expiry");
	CHECK(m2md_store_connection_current(st, "gscl-other", 0) == 0,
	      "other scl id has no connection");
	m2md_store_close(st);
}

static void test_kv(void)
{
	struct m2md_store *st = open_store();
	const char *keys[] = { "node_id", "scl_id" };
	const char *values[] = { "a1", "gscl-1" };
	char buf[64];

	CHECK(m2md_store_kv_set(st, keys, values, 2) == 0, "kv set");
	m2md_store_close(st);
	st = open_store();
	CHECK(m2md_store_kv_get(st, "scl_id", buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "gscl-1"), "kv kept across reopen: %s", buf);
	CHECK(m2md_store_kv_delete(st, "scl_id") == 0, "kv delete");
	CHECK(m2md_store_kv_get(st, "scl_id", buf, sizeof(buf)) == -ENOENT,
	      "deleted key is -ENOENT");
	m2md_store_close(st);
}

static int count_child(const struct m2md_resource *res, void *ctx)
{
	int *n = ctx;

	(*n)++;
	return 0;
}

static void test_resources(void)
{
	struct m2md_store *st = open_store();
	struct m2md_resource rows[2] = { 0 }, got;
	int64_t count, bytes;
	int n = 0;

	snprintf(rows[0].path, sizeof(rows[0].path), "/t/a");
	snprintf(rows[0].parent, sizeof(rows[0].parent), "/t");
	snprintf(rows[0].type, sizeof(rows[0].type), "contentInstance");
	snprintf(rows[0].name, sizeof(rows[0].name), "a");
	rows[0].data = (unsigned char *)"21.5";
	rows[0].len = 4;
	snprintf(rows[0].content_type, sizeof(rows[0].content_type),
		 "text/plain");
	rows[0].created = 100;
	rows[1] = rows[0];
	snprintf(rows[1].path, sizeof(rows[1].path), "/t/b");
	snprintf(rows[1].name, sizeof(rows[1].name), "b");
	rows[1].data = (unsigned char *)"\0\1\2";
	rows[1].len = 3;
	CHECK(m2md_store_res_create(st, rows, 2) == 0, "two rows created");
	CHECK(m2md_store_res_create(st, rows, 1) == -EEXIST,
	      "same path again is -EEXIST");
	CHECK(m2md_store_res_get(st, "/t/b", &got) == 0, "row read back");
	CHECK(got.len == 3, "binary length kept: %zu", got.len);
	CHECK(!memcmp(got.data, "\0\1\2", 3), "binary data kept");
	CHECK(!strcmp(got.content_type, "text/plain"), "content type kept");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_edge(st, "/t", true, &got) == 0 &&
	      !strcmp(got.name, "b"), "latest is the last created");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_edge(st, "/t", false, &got) == 0 &&
	      !strcmp(got.name, "a"), "oldest is the first created");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_children(st, "/t", false, count_child, &n) == 0 &&
	      n == 2, "two children listed: %d", n);
	CHECK(m2md_store_res_stats(st, "/t", &count, &bytes) == 0 &&
	      count == 2 && bytes == 7, "stats %lld %lld", (long long)count,
	      (long long)bytes);
	CHECK(m2md_store_res_get(st, "/t/c", &got) == -ENOENT,
	      "missing row is -ENOENT");
	m2md_store_close(st);
}

int main(void)
{
	m2md_test_tmpdir(dir, sizeof(dir));
	test_wal_and_version();
	test_node_kept_across_reopen();
	test_indexes_increase();
	test_pending_and_connections();
	test_kv();
	test_resources();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_store_test");
}
