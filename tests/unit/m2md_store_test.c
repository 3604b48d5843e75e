// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's SQLite state: schema and its upgrade, nodes,
 * connections, the tree, container limits, subtree deletes, discovery,
 * contentInstance filters and group commit.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

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
	snprintf(path, sizeof(path), "UPDATE schema_version SET version = %d",
		 M2MD_SCHEMA_VERSION);
	sqlite3_exec(db, path, NULL, NULL, NULL);
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

/* The version 1 schema, as m2md created it, and a few rows. */
static const char schema_v1_sql[] =
	"CREATE TABLE schema_version (version INTEGER NOT NULL);\n"
	"CREATE TABLE nodes (node_id TEXT PRIMARY KEY, bootstrap_id TEXT "
	"UNIQUE, scl_id TEXT NOT NULL, kmr_index INTEGER NOT NULL DEFAULT 0, "
	"kmc_index INTEGER NOT NULL DEFAULT 0, key_id TEXT, key_serial "
	"INTEGER, expiry INTEGER NOT NULL DEFAULT 0, created INTEGER NOT "
	"NULL, updated INTEGER NOT NULL);\n"
	"CREATE TABLE connections (conn_id TEXT PRIMARY KEY, node_id TEXT NOT "
	"NULL REFERENCES nodes(node_id), scl_id TEXT NOT NULL, kmc_index "
	"INTEGER NOT NULL, key_id TEXT NOT NULL, key_serial INTEGER NOT NULL, "
	"expiry INTEGER NOT NULL, created INTEGER NOT NULL);\n"
	"CREATE INDEX connections_scl ON connections(scl_id, expiry);\n"
	"CREATE TABLE pending (index_r INTEGER PRIMARY KEY, mode INTEGER NOT "
	"NULL, node_id TEXT NOT NULL, scl_id TEXT NOT NULL, key_index INTEGER "
	"NOT NULL, lifetime INTEGER NOT NULL, conn_id TEXT, created INTEGER "
	"NOT NULL);\n"
	"CREATE TABLE gateway (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE resources (seq INTEGER PRIMARY KEY AUTOINCREMENT, path "
	"TEXT NOT NULL UNIQUE, type TEXT NOT NULL, parent TEXT, name TEXT NOT "
	"NULL, representation BLOB, content_type TEXT, created INTEGER NOT "
	"NULL, modified INTEGER NOT NULL);\n"
	"CREATE INDEX resources_parent ON resources(parent, seq);\n"
	"INSERT INTO schema_version VALUES (1);\n"
	"INSERT INTO gateway VALUES ('scl_id', 'gscl-old');\n"
	"INSERT INTO resources (path, type, parent, name, representation, "
	"content_type, created, modified) VALUES "
	"('/gscl', 'sclBase', NULL, 'gscl', '{}', NULL, 10, 11), "
	"('/gscl/c', 'contentInstances', '/gscl', 'c', '', NULL, 10, 12), "
	"('/gscl/c/i1', 'contentInstance', '/gscl/c', 'i1', X'00010203', "
	"'application/octet-stream', 20, 20);\n";

static void test_upgrade_from_v1(void)
{
	struct m2md_store *st = NULL;
	char old_dir[64], path[128], err[256] = "", buf[32];
	struct m2md_resource got;
	sqlite3_stmt *stmt;
	char **search = NULL;
	sqlite3 *db;

	m2md_test_tmpdir(old_dir, sizeof(old_dir));
	snprintf(path, sizeof(path), "%s/m2md.db", old_dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "v1 db created");
	CHECK(sqlite3_exec(db, schema_v1_sql, NULL, NULL, NULL) == SQLITE_OK,
	      "v1 schema and rows written: %s", sqlite3_errmsg(db));
	sqlite3_close(db);

	CHECK(m2md_store_open(old_dir, &st, err, sizeof(err)) == 0,
	      "v1 store opens: %s", err);
	if (!st)
		return;
	CHECK(m2md_store_kv_get(st, "scl_id", buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "gscl-old"), "gateway row kept: %s", buf);
	CHECK(m2md_store_res_get(st, "/gscl/c/i1", &got) == 0,
	      "contentInstance kept");
	CHECK(got.len == 4, "content length kept: %zu bytes", got.len);
	CHECK(got.data && !memcmp(got.data, "\0\1\2\3", 4), "content kept");
	CHECK(got.version == 1, "version defaults to 1: %lld",
	      (long long)got.version);
	CHECK(got.expires == 0, "expires defaults to 0");
	CHECK(got.acl[0] == '\0', "acl defaults to empty");
	CHECK(got.created == 20, "created kept");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_get(st, "/gscl", &got) == 0, "root kept");
	CHECK(got.modified == 11, "root modified kept: %lld",
	      (long long)got.modified);
	m2md_resource_free(&got);
	CHECK(m2md_store_res_search(st, "/gscl/c/i1", &search) == 0,
	      "search_strings table exists");
	CHECK(search && !search[0], "no strings after the upgrade");
	m2md_strv_free(search);
	m2md_store_close(st);

	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "upgraded db opens");
	sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1,
			   &stmt, NULL);
	CHECK(sqlite3_step(stmt) == SQLITE_ROW, "version row");
	CHECK(sqlite3_column_int(stmt, 0) == 2, "schema version is now 2");
	sqlite3_finalize(stmt);
	sqlite3_prepare_v2(db, "SELECT size FROM resources WHERE path = "
			   "'/gscl/c/i1'", -1, &stmt, NULL);
	CHECK(sqlite3_step(stmt) == SQLITE_ROW, "size readable");
	CHECK(sqlite3_column_int(stmt, 0) == 4, "size filled from content");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	m2md_test_rmdir(old_dir);
}

static void fill_res(struct m2md_resource *r, const char *parent,
		     const char *type, const char *name, const char *data,
		     int64_t created)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s/%s", parent, name);
	snprintf(r->parent, sizeof(r->parent), "%s", parent);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->data = (unsigned char *)data;
	r->len = strlen(data);
	r->created = created;
	r->modified = created;
}

static void make_collection(struct m2md_store *st, const char *parent,
			    const char *name)
{
	struct m2md_resource r;

	fill_res(&r, parent, "contentInstances", name, "", 1);
	CHECK(m2md_store_res_create(st, &r, 1) == 0, "collection %s/%s made",
	      parent, name);
}

static int64_t version_of(struct m2md_store *st, const char *path)
{
	struct m2md_resource r;
	int64_t v = -1;

	if (!m2md_store_res_get(st, path, &r))
		v = r.version;
	m2md_resource_free(&r);
	return v;
}

static int count_rows(const char *sql)
{
	char path[128];
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int n = -1;

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

static int add_ci(struct m2md_store *st, const char *parent,
		  const char *name, const char *data, int64_t created,
		  const struct m2md_ci_limits *lim, int64_t *trimmed)
{
	struct m2md_resource r;

	fill_res(&r, parent, "contentInstance", name, data, created);
	return m2md_store_ci_add(st, &r, lim, trimmed);
}

static void test_ci_limits(void)
{
	struct m2md_store *st = open_store();
	struct m2md_ci_limits count = { .max_instances = 3 };
	struct m2md_ci_limits bytes = { .max_bytes = 10 };
	struct m2md_ci_limits age = { .max_age = 100 };
	struct m2md_resource sub, got;
	int64_t trimmed = -1, n, b, v;
	char name[16];
	int i;

	make_collection(st, "/l", "ci");
	fill_res(&sub, "/l/ci", "subscriptions", "subscriptions", "", 1);
	CHECK(m2md_store_res_create(st, &sub, 1) == 0, "subscriptions made");
	v = version_of(st, "/l/ci");
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		CHECK(add_ci(st, "/l/ci", name, "abcd", 1000 + i, &count,
			     &trimmed) == 0, "instance %d added", i);
	}
	CHECK(trimmed == 1, "fifth add trimmed one: %lld",
	      (long long)trimmed);
	CHECK(version_of(st, "/l/ci") == v + 5, "collection version +5: %lld",
	      (long long)version_of(st, "/l/ci"));
	CHECK(m2md_store_res_get(st, "/l/ci", &got) == 0, "collection read");
	CHECK(got.modified == 1004, "collection modified is last created: "
	      "%lld", (long long)got.modified);
	m2md_resource_free(&got);
	CHECK(m2md_store_res_get(st, "/l/ci/n1", &got) == -ENOENT,
	      "second oldest trimmed");
	CHECK(m2md_store_res_get(st, "/l/ci/n2", &got) == 0,
	      "third oldest kept");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_get(st, "/l/ci/subscriptions", &got) == 0,
	      "non-instance child survives the count limit");
	m2md_resource_free(&got);

	/* n2..n4 hold 12 bytes: a 6-byte instance leaves room for one. */
	CHECK(add_ci(st, "/l/ci", "b1", "123456", 1010, &bytes, &trimmed) == 0,
	      "instance under byte limit added");
	CHECK(trimmed == 2, "byte limit trimmed two: %lld",
	      (long long)trimmed);
	m2md_store_res_stats(st, "/l/ci", &n, &b);
	CHECK(n == 3, "two instances and subscriptions left: %lld",
	      (long long)n);
	CHECK(b == 10, "their bytes are 10: %lld", (long long)b);
	CHECK(add_ci(st, "/l/ci", "big", "12345678901", 1011, &bytes,
		     &trimmed) == -EFBIG, "instance over maxByteSize is -EFBIG");
	CHECK(m2md_store_res_get(st, "/l/ci/n4", &got) == 0,
	      "a refused add deletes nothing");
	m2md_resource_free(&got);

	CHECK(add_ci(st, "/l/ci", "a1", "x", 1200, &age, &trimmed) == 0,
	      "instance under age limit added");
	CHECK(trimmed == 2, "age limit trimmed both older: %lld",
	      (long long)trimmed);
	CHECK(add_ci(st, "/l/ci", "a1", "x", 1201, NULL, NULL) == -EEXIST,
	      "same name is -EEXIST");
	CHECK(add_ci(st, "/none", "x", "x", 1, NULL, NULL) == -ENOENT,
	      "missing collection is -ENOENT");
	CHECK(m2md_store_res_get(st, "/none/x", &got) == -ENOENT,
	      "failed add left no row");
	m2md_store_close(st);
}

static void test_delete_subtree(void)
{
	struct m2md_store *st = open_store();
	char *strings[] = { "color/red", NULL };
	struct m2md_resource rows[4], got;
	int64_t v;

	fill_res(&rows[0], "/d", "container", "a", "{}", 5);
	fill_res(&rows[1], "/d/a", "contentInstances", "b", "", 5);
	fill_res(&rows[2], "/d/a/b", "contentInstance", "c", "x", 5);
	rows[2].search = strings;
	/* LIKE '/d/a%' would match this sibling too. */
	fill_res(&rows[3], "/d", "container", "a%b_c", "{}", 5);
	make_collection(st, "", "d");
	CHECK(m2md_store_res_create(st, rows, 4) == 0, "subtree created");
	v = version_of(st, "/d");
	CHECK(count_rows("SELECT count(*) FROM search_strings") >= 1,
	      "search string stored");
	CHECK(m2md_store_res_delete(st, "/d/a", 77) == 3,
	      "delete returns three rows");
	CHECK(m2md_store_res_get(st, "/d/a/b/c", &got) == -ENOENT,
	      "grandchild gone");
	CHECK(m2md_store_res_get(st, "/d/a%b_c", &got) == 0,
	      "sibling with wildcards kept");
	m2md_resource_free(&got);
	CHECK(count_rows("SELECT count(*) FROM search_strings WHERE "
			 "value = 'color/red'") == 0,
	      "search strings deleted with the resource");
	CHECK(version_of(st, "/d") == v + 1, "parent version bumped");
	CHECK(m2md_store_res_get(st, "/d", &got) == 0, "parent read");
	CHECK(got.modified == 77, "parent modified is the delete time: %lld",
	      (long long)got.modified);
	m2md_resource_free(&got);
	CHECK(m2md_store_res_delete(st, "/d/a", 78) == -ENOENT,
	      "second delete is -ENOENT");
	fill_res(&rows[0], "", "sclBase", "", "{}", 5);
	snprintf(rows[0].path, sizeof(rows[0].path), "/");
	fill_res(&rows[1], "/", "container", "r", "{}", 5);
	snprintf(rows[1].path, sizeof(rows[1].path), "/r");
	CHECK(m2md_store_res_create(st, rows, 2) == 0, "root / created");
	CHECK(m2md_store_res_delete(st, "/", 79) >= 4,
	      "deleting / deletes the whole tree");
	CHECK(m2md_store_res_get(st, "/d/a%b_c", &got) == -ENOENT,
	      "nothing left below /");
	m2md_store_close(st);
}

/* The searchStrings of path joined by commas. */
static int search_joined(struct m2md_store *st, const char *path, char *buf,
			 size_t size)
{
	char **search = NULL, **p;
	size_t len = 0;
	int ret;

	buf[0] = '\0';
	ret = m2md_store_res_search(st, path, &search);
	for (p = search; !ret && *p; p++) {
		snprintf(buf + len, size - len, "%s%s", p == search ? "" : ",",
			 *p);
		len = strlen(buf);
	}
	m2md_strv_free(search);
	return ret;
}

static void test_update_touch(void)
{
	struct m2md_store *st = open_store();
	char *first[] = { "a", "b", NULL }, *second[] = { "c", NULL };
	struct m2md_resource r, got;
	char **search = NULL;
	char joined[64];

	fill_res(&r, "/u", "container", "x", "{\"v\":1}", 10);
	r.search = first;
	r.expires = 5000;
	snprintf(r.acl, sizeof(r.acl), "/gscl/accessRights/ar1");
	CHECK(m2md_store_res_create(st, &r, 1) == 0, "resource created");
	CHECK(search_joined(st, "/u/x", joined, sizeof(joined)) == 0,
	      "strings read");
	CHECK(!strcmp(joined, "a,b"), "two strings in order: %s", joined);
	CHECK(m2md_store_res_get(st, "/u/x", &got) == 0, "created row read");
	CHECK(got.expires == 5000, "expires stored: %lld",
	      (long long)got.expires);
	CHECK(got.version == 1, "version starts at 1: %lld",
	      (long long)got.version);
	CHECK(!strcmp(got.acl, "/gscl/accessRights/ar1"), "acl stored: %s",
	      got.acl);
	m2md_resource_free(&got);

	r.data = (unsigned char *)"{\"v\":22}";
	r.len = 8;
	r.expires = 0;
	r.acl[0] = '\0';
	r.modified = 20;
	r.search = NULL;
	CHECK(m2md_store_res_update(st, &r) == 0, "update");
	CHECK(m2md_store_res_get(st, "/u/x", &got) == 0, "updated row read");
	CHECK(got.len == 8, "new length: %zu", got.len);
	CHECK(got.data && !memcmp(got.data, "{\"v\":22}", 8),
	      "representation replaced");
	CHECK(got.version == 2, "version bumped: %lld", (long long)got.version);
	CHECK(got.modified == 20, "modified set: %lld",
	      (long long)got.modified);
	CHECK(got.expires == 0, "expires cleared");
	CHECK(!got.acl[0], "acl cleared: %s", got.acl);
	m2md_resource_free(&got);
	search_joined(st, "/u/x", joined, sizeof(joined));
	CHECK(!strcmp(joined, "a,b"), "search NULL keeps the strings: %s",
	      joined);
	r.search = second;
	CHECK(m2md_store_res_update(st, &r) == 0, "update with strings");
	search_joined(st, "/u/x", joined, sizeof(joined));
	CHECK(!strcmp(joined, "c"), "strings replaced: %s", joined);
	CHECK(m2md_store_res_touch(st, "/u/x", 30) == 0, "touch");
	CHECK(version_of(st, "/u/x") == 4, "touch bumps version");
	snprintf(r.path, sizeof(r.path), "/u/missing");
	CHECK(m2md_store_res_update(st, &r) == -ENOENT,
	      "update of missing is -ENOENT");
	CHECK(m2md_store_res_touch(st, "/u/missing", 1) == -ENOENT,
	      "touch of missing is -ENOENT");
	CHECK(m2md_store_res_search(st, "/u/missing", &search) == -ENOENT,
	      "strings of missing is -ENOENT");
	m2md_store_close(st);
}

/* Names passed to collect(), joined by commas. */
struct names {
	char joined[256];
	int n;
};

static int collect(const struct m2md_resource *res, void *ctx)
{
	struct names *nm = ctx;
	size_t len = strlen(nm->joined);

	snprintf(nm->joined + len, sizeof(nm->joined) - len, "%s%s",
		 nm->n ? "," : "", res->name);
	nm->n++;
	return 0;
}

static void names_reset(struct names *nm)
{
	nm->joined[0] = '\0';
	nm->n = 0;
}

static void test_expired(void)
{
	struct m2md_store *st = open_store();
	struct m2md_resource r[3];
	struct names nm;

	fill_res(&r[0], "/e", "container", "late", "{}", 1);
	r[0].expires = 300;
	fill_res(&r[1], "/e", "container", "early", "{}", 1);
	r[1].expires = 200;
	fill_res(&r[2], "/e", "container", "never", "{}", 1);
	CHECK(m2md_store_res_create(st, r, 3) == 0, "expiring rows created");
	names_reset(&nm);
	CHECK(m2md_store_res_expired(st, 250, 10, collect, &nm) == 0,
	      "expired at 250 listed");
	CHECK(!strcmp(nm.joined, "early"), "expired at 250: %s", nm.joined);
	names_reset(&nm);
	CHECK(m2md_store_res_expired(st, 300, 10, collect, &nm) == 0,
	      "expired at 300 listed");
	CHECK(!strcmp(nm.joined, "early,late"),
	      "expired at 300, earliest first: %s", nm.joined);
	names_reset(&nm);
	CHECK(m2md_store_res_expired(st, 300, 1, collect, &nm) == 0,
	      "expired with max 1 listed");
	CHECK(!strcmp(nm.joined, "early"), "max 1 lists one: %s", nm.joined);
	m2md_store_close(st);
}

/* Run q and check the names passed to fn and the total. */
static void check_discover(struct m2md_store *st,
			   const struct m2md_discover_q *q, const char *want,
			   int64_t want_matches)
{
	int64_t matches = -1;
	struct names nm;

	names_reset(&nm);
	CHECK(m2md_store_discover(st, q, collect, &nm, &matches) == 0,
	      "discovery for %s runs", want);
	CHECK(!strcmp(nm.joined, want), "discovered %s, expected %s",
	      nm.joined, want);
	CHECK(matches == want_matches, "matches %lld, expected %lld",
	      (long long)matches, (long long)want_matches);
}

static void test_discover(void)
{
	struct m2md_store *st = open_store();
	char *s1[] = { "type/temp", "loc/paris", NULL };
	char *s2[] = { "type/temp", "loc/lyon", NULL };
	char *s3[] = { "type/hum", "loc/paris", NULL };
	const char *want_temp[] = { "type/temp" };
	const char *want_both[] = { "type/temp", "loc/paris", "type/temp" };
	struct m2md_discover_q q = { .base = "/s" };
	struct m2md_resource r[4];

	fill_res(&r[0], "/s", "container", "c1", "{}", 1);
	r[0].search = s1;
	fill_res(&r[1], "/s", "container", "c2", "{}", 1);
	r[1].search = s2;
	fill_res(&r[2], "/s", "container", "c3", "{}", 1);
	r[2].search = s3;
	fill_res(&r[3], "/s2", "container", "c4", "{}", 1);
	r[3].search = s1;
	CHECK(m2md_store_res_create(st, r, 4) == 0, "discoverable rows");

	q.strings = want_temp;
	q.nstrings = 1;
	check_discover(st, &q, "c1,c2", 2);
	/* A repeated wanted string counts once. */
	q.strings = want_both;
	q.nstrings = 3;
	check_discover(st, &q, "c1", 1);
	q.strings = NULL;
	q.nstrings = 0;
	q.prefix = "loc/p";
	check_discover(st, &q, "c1,c3", 2);
	q.prefix = NULL;
	q.max_size = 1;
	check_discover(st, &q, "c1", 3);
	/* Below the root: /s2/c4 too, but not /s itself. */
	q.base = "";
	q.max_size = 0;
	q.strings = want_temp;
	q.nstrings = 1;
	check_discover(st, &q, "c1,c2,c4", 3);
	m2md_store_close(st);
}

static void check_query(struct m2md_store *st, const struct m2md_ci_filter *f,
			const char *want)
{
	struct names nm;

	names_reset(&nm);
	CHECK(m2md_store_ci_query(st, "/q/ci", f, collect, &nm) == 0,
	      "query for %s runs", want);
	CHECK(!strcmp(nm.joined, want), "query returned %s, expected %s",
	      nm.joined, want);
}

static void test_ci_query(void)
{
	struct m2md_store *st = open_store();
	const char *data[] = { "1", "22", "333", "4444" };
	struct m2md_ci_filter f = { 0 };
	struct m2md_resource r, sub;
	char name[16];
	int i;

	make_collection(st, "/q", "ci");
	fill_res(&sub, "/q/ci", "subscriptions", "subscriptions", "", 1);
	CHECK(m2md_store_res_create(st, &sub, 1) == 0, "subscriptions made");
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		fill_res(&r, "/q/ci", "contentInstance", name, data[i],
			 100 + 10 * i);
		snprintf(r.content_type, sizeof(r.content_type), "%s",
			 i % 2 ? "text/plain" : "application/json");
		CHECK(m2md_store_ci_add(st, &r, NULL, NULL) == 0,
		      "instance %d added", i);
	}
	check_query(st, &f, "q0,q1,q2,q3");
	f.created_after = 110;
	f.created_before = 130;
	check_query(st, &f, "q2");
	memset(&f, 0, sizeof(f));
	f.content_type = "text/plain";
	check_query(st, &f, "q1,q3");
	memset(&f, 0, sizeof(f));
	f.content_type = "";
	check_query(st, &f, "q0,q1,q2,q3");
	f.size_from = 2;
	f.size_until = 4;
	check_query(st, &f, "q1,q2");
	memset(&f, 0, sizeof(f));
	f.limit = 3;
	f.with_data = true;
	check_query(st, &f, "q0,q1,q2");
	m2md_store_close(st);
}

static int check_data(const struct m2md_resource *res, void *ctx)
{
	int *bad = ctx;

	if (!res->data || res->len != 4 || memcmp(res->data, "4444", 4))
		(*bad)++;
	return 0;
}

static void test_ci_query_data(void)
{
	struct m2md_store *st = open_store();
	struct m2md_ci_filter f = { .size_from = 4, .with_data = true };
	int bad = 0;

	CHECK(m2md_store_ci_query(st, "/q/ci", &f, check_data, &bad) == 0,
	      "query with data runs");
	CHECK(bad == 0, "with_data loads the content: %d wrong", bad);
	m2md_store_close(st);
}

#define WRITERS	8
#define WRITES	40

struct writer {
	struct m2md_store *st;
	pthread_barrier_t *start;
	int id;
	int ok, exist;
};

/* Each writer adds its own names and, every other time, a taken one. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char name[32];
	int i, ret;

	pthread_barrier_wait(w->start);
	for (i = 0; i < WRITES; i++) {
		snprintf(name, sizeof(name), "w%d-%d", w->id, i);
		ret = add_ci(w->st, "/g/ci", name, name, 1, NULL, NULL);
		w->ok += ret == 0;
		if (i % 2)
			continue;
		ret = add_ci(w->st, "/g/ci", "taken", "x", 1, NULL, NULL);
		w->exist += ret == -EEXIST;
	}
	return NULL;
}

static void test_group_commit_results(void)
{
	struct m2md_store *st = open_store();
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	pthread_barrier_t start;
	int64_t count, bytes;
	int i, ok = 0, exist = 0;

	make_collection(st, "/g", "ci");
	CHECK(add_ci(st, "/g/ci", "taken", "x", 1, NULL, NULL) == 0,
	      "name taken");
	pthread_barrier_init(&start, NULL, WRITERS);
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .st = st, .start = &start, .id = i };
		pthread_create(&th[i], NULL, writer_main, &w[i]);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
		exist += w[i].exist;
	}
	pthread_barrier_destroy(&start);
	CHECK(ok == WRITERS * WRITES, "every own write succeeded: %d", ok);
	CHECK(exist == WRITERS * WRITES / 2, "every taken name -EEXIST: %d",
	      exist);
	m2md_store_res_stats(st, "/g/ci", &count, &bytes);
	CHECK(count == WRITERS * WRITES + 1, "all rows stored: %lld",
	      (long long)count);
	m2md_store_close(st);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Measured, not asserted: the cost depends on the machine and build. */
static void test_latest_cost(void)
{
	struct m2md_store *st = open_store();
	struct m2md_resource got;
	int i, n = 100000, fails = 0;
	double t;

	t = now_s();
	for (i = 0; i < n; i++) {
		fails += m2md_store_res_edge(st, "/g/ci", true, &got) != 0;
		m2md_resource_free(&got);
	}
	t = now_s() - t;
	CHECK(fails == 0, "every latest read succeeded: %d failed", fails);
	printf("NOTE: GET of latest (res_edge) costs %.1f us (%d reads)\n",
	       t * 1e6 / n, n);
	m2md_store_close(st);
}

struct blocked_add {
	struct m2md_store *st;
	int ret;
};

static void *blocked_add_main(void *arg)
{
	struct blocked_add *b = arg;

	int ret = add_ci(b->st, "/g/ci", "after-lock", "x", 1, NULL, NULL);

	__atomic_store_n(&b->ret, ret, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Reads must not wait for a write in progress. Another connection holds
 * the write lock, so the store's commit waits in SQLite's busy handler
 * with the writer connection taken while the store reads.
 */
static void test_read_during_write(void)
{
	struct m2md_store *st = open_store();
	struct blocked_add b = { .st = st, .ret = 1 };
	struct m2md_resource got;
	char path[128];
	pthread_t th;
	sqlite3 *db;
	double t;
	int n = 0;

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "second connection");
	CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO resources "
			   "(path, type, parent, name, created, modified) "
			   "VALUES ('/g/ci/pending', 'contentInstance', "
			   "'/g/ci', 'pending', 1, 1)", NULL, NULL,
			   NULL) == SQLITE_OK, "write lock held: %s",
	      sqlite3_errmsg(db));
	pthread_create(&th, NULL, blocked_add_main, &b);
	usleep(200000);
	t = now_s();
	CHECK(m2md_store_res_edge(st, "/g/ci", true, &got) == 0,
	      "latest read during the write");
	CHECK(strcmp(got.name, "pending"), "uncommitted row not seen");
	m2md_resource_free(&got);
	CHECK(m2md_store_res_get(st, "/g/ci/pending", &got) == -ENOENT,
	      "uncommitted row not found");
	CHECK(m2md_store_res_children(st, "/g", false, count_child, &n) == 0,
	      "children read during the write");
	t = now_s() - t;
	/*
	 * The blocked commit waits up to the 5 s busy timeout, and so would a
	 * read that waited for the lock, because the lock is held until the
	 * ROLLBACK below. 3 s leaves room for a busy host.
	 */
	CHECK(t < 3.0, "reads did not wait for the commit: %.3f s", t);
	CHECK(__atomic_load_n(&b.ret, __ATOMIC_SEQ_CST) == 1,
	      "the add is still waiting");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	pthread_join(th, NULL);
	CHECK(b.ret == 0, "the add commits once the lock is free: %d", b.ret);
	sqlite3_close(db);
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
	test_upgrade_from_v1();
	test_ci_limits();
	test_delete_subtree();
	test_update_touch();
	test_expired();
	test_discover();
	test_ci_query();
	test_ci_query_data();
	test_group_commit_results();
	test_latest_cost();
	test_read_during_write();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_store_test");
}
