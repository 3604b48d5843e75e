// SPDX-License-Identifier: GPL-2.0
/*
 * SQLite state database. One connection, serialized by a mutex, because
 * a change spans several statements inside one transaction.
 */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "hex.h"
#include "log.h"
#include "store.h"

struct m2md_store {
	sqlite3 *db;
	pthread_mutex_t lock;
};

static int64_t m2md_now(void)
{
	return (int64_t)time(NULL);
}

static int m2md_db_fail(struct m2md_store *st, const char *operation)
{
	m2m_err("database: %s failed: %s", operation, sqlite3_errmsg(st->db));
	return -EIO;
}

static int m2md_exec(struct m2md_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		m2m_err("database: '%.40s' failed: %s", sql,
			msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int m2md_begin(struct m2md_store *st)
{
	pthread_mutex_lock(&st->lock);
	if (m2md_exec(st, "BEGIN IMMEDIATE")) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	return 0;
}

/* Commit when ret is 0, else roll back. Returns ret or the commit error. */
static int m2md_end(struct m2md_store *st, int ret)
{
	if (!ret)
		ret = m2md_exec(st, "COMMIT");
	if (ret)
		m2md_exec(st, "ROLLBACK");
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static sqlite3_stmt *m2md_prepare(struct m2md_store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		m2md_db_fail(st, "prepare");
		return NULL;
	}
	return stmt;
}

/* Run a statement that returns no row. Returns 0, -EEXIST or -EIO. */
static int m2md_step_done(struct m2md_store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return m2md_db_fail(st, "step");
}

static void m2md_copy_text(char *dst, size_t size, sqlite3_stmt *stmt,
			   int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	snprintf(dst, size, "%s", text ? (const char *)text : "");
}

static int m2md_schema_version(struct m2md_store *st, int *version)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = m2md_prepare(st, "SELECT count(*) FROM sqlite_master WHERE "
				"type = 'table' AND name = 'schema_version'");
	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW || !sqlite3_column_int(stmt, 0)) {
		sqlite3_finalize(stmt);
		*version = 0;
		return rc == SQLITE_ROW ? 0 : m2md_db_fail(st, "schema lookup");
	}
	sqlite3_finalize(stmt);
	stmt = m2md_prepare(st, "SELECT max(version) FROM schema_version");
	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return 0;
}

static int m2md_schema_setup(struct m2md_store *st, char *err,
			     size_t errlen)
{
	char sql[64];
	int version, ret;

	ret = m2md_begin(st);
	if (ret)
		return ret;
	ret = m2md_schema_version(st, &version);
	if (!ret && version > M2MD_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "database schema version %d is newer than this m2md's %d",
			 version, M2MD_SCHEMA_VERSION);
		ret = -EPROTO;
	} else if (!ret && version == 0) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES (%d)",
			 M2MD_SCHEMA_VERSION);
		ret = m2md_exec(st, m2md_schema_sql);
		if (!ret)
			ret = m2md_exec(st, sql);
		if (ret)
			snprintf(err, errlen, "cannot create the schema: %s",
				 sqlite3_errmsg(st->db));
	}
	return m2md_end(st, ret);
}

int m2md_store_open(const char *dir, struct m2md_store **out,
		    char *err, size_t errlen)
{
	struct m2md_store *st;
	char path[PATH_MAX];
	int ret;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state directory %s: %s",
			 dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, M2MD_DB_NAME);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		m2md_store_close(st);
		return -EIO;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (m2md_exec(st, "PRAGMA journal_mode = WAL") ||
	    m2md_exec(st, "PRAGMA synchronous = NORMAL") ||
	    m2md_exec(st, "PRAGMA foreign_keys = ON")) {
		snprintf(err, errlen, "cannot set up database %s: %s", path,
			 sqlite3_errmsg(st->db));
		m2md_store_close(st);
		return -EIO;
	}
	ret = m2md_schema_setup(st, err, errlen);
	if (ret) {
		m2md_store_close(st);
		return ret;
	}
	*out = st;
	return 0;
}

void m2md_store_close(struct m2md_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int m2md_store_journal_mode(struct m2md_store *st, char *buf, size_t len)
{
	sqlite3_stmt *stmt;
	int ret = -EIO;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, "PRAGMA journal_mode");
	if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
		m2md_copy_text(buf, len, stmt, 0);
		ret = 0;
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static const char m2md_node_cols[] =
	"SELECT node_id, bootstrap_id, scl_id, kmr_index, kmc_index, key_id, "
	"key_serial, expiry FROM nodes ";

static void m2md_node_row(sqlite3_stmt *stmt, struct m2md_node *node)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];

	memset(node, 0, sizeof(*node));
	m2md_copy_text(hex, sizeof(hex), stmt, 0);
	m2m_hex_decode(hex, node->node_id, sizeof(node->node_id));
	m2md_copy_text(node->bootstrap_id, sizeof(node->bootstrap_id), stmt, 1);
	m2md_copy_text(node->scl_id, sizeof(node->scl_id), stmt, 2);
	node->kmr_index = (uint32_t)sqlite3_column_int64(stmt, 3);
	node->kmc_index = (uint32_t)sqlite3_column_int64(stmt, 4);
	m2md_copy_text(node->key_id, sizeof(node->key_id), stmt, 5);
	node->key_serial = sqlite3_column_int(stmt, 6);
	node->expiry = sqlite3_column_int64(stmt, 7);
}

/* Look a node up by one column. The caller must hold the lock. */
static int m2md_node_find(struct m2md_store *st, const char *col,
			  const char *value, struct m2md_node *out)
{
	char sql[256];
	sqlite3_stmt *stmt;
	int rc;

	snprintf(sql, sizeof(sql), "%sWHERE %s = ?", m2md_node_cols, col);
	stmt = m2md_prepare(st, sql);
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		m2md_node_row(stmt, out);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : m2md_db_fail(st, "node lookup");
}

int m2md_store_node_find_boot(struct m2md_store *st, const char *bootstrap_id,
			      struct m2md_node *out)
{
	int ret;

	pthread_mutex_lock(&st->lock);
	ret = m2md_node_find(st, "bootstrap_id", bootstrap_id, out);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static int m2md_node_upsert(struct m2md_store *st, const struct m2md_node *n,
			    const char *hex)
{
	sqlite3_stmt *stmt;

	/* Indexes only grow, so a late or repeated write cannot lower them. */
	stmt = m2md_prepare(st,
		"INSERT INTO nodes (node_id, bootstrap_id, scl_id, kmr_index, "
		"kmc_index, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT(node_id) DO UPDATE SET "
		"bootstrap_id = coalesce(excluded.bootstrap_id, bootstrap_id), "
		"scl_id = excluded.scl_id, "
		"kmr_index = max(kmr_index, excluded.kmr_index), "
		"kmc_index = max(kmc_index, excluded.kmc_index), "
		"updated = excluded.updated");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, hex, -1, SQLITE_TRANSIENT);
	if (n->bootstrap_id[0])
		sqlite3_bind_text(stmt, 2, n->bootstrap_id, -1,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_text(stmt, 3, n->scl_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, n->kmr_index);
	sqlite3_bind_int64(stmt, 5, n->kmc_index);
	sqlite3_bind_int64(stmt, 6, m2md_now());
	sqlite3_bind_int64(stmt, 7, m2md_now());
	return m2md_step_done(st, stmt);
}

int m2md_store_node_put(struct m2md_store *st, const struct m2md_node *node)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	struct m2md_node other;
	int ret;

	m2m_hex_encode(node->node_id, M2MSEC_NODE_ID_LEN, hex);
	ret = m2md_begin(st);
	if (ret)
		return ret;
	if (node->bootstrap_id[0]) {
		ret = m2md_node_find(st, "bootstrap_id", node->bootstrap_id,
				     &other);
		if (!ret && memcmp(other.node_id, node->node_id,
				   M2MSEC_NODE_ID_LEN))
			return m2md_end(st, -EEXIST);
		if (ret && ret != -ENOENT)
			return m2md_end(st, ret);
	}
	return m2md_end(st, m2md_node_upsert(st, node, hex));
}

int m2md_store_node_get(struct m2md_store *st,
			const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			struct m2md_node *out)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	int ret;

	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, hex);
	pthread_mutex_lock(&st->lock);
	ret = m2md_node_find(st, "node_id", hex, out);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int m2md_store_node_set_key(struct m2md_store *st,
			    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			    const char *key_id, int32_t key_serial,
			    int64_t expiry)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	sqlite3_stmt *stmt;
	int ret;

	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, hex);
	ret = m2md_begin(st);
	if (ret)
		return ret;
	stmt = m2md_prepare(st, "UPDATE nodes SET key_id = ?, key_serial = ?, "
				"expiry = ?, updated = ? WHERE node_id = ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, key_serial);
	sqlite3_bind_int64(stmt, 3, expiry);
	sqlite3_bind_int64(stmt, 4, m2md_now());
	sqlite3_bind_text(stmt, 5, hex, -1, SQLITE_TRANSIENT);
	ret = m2md_step_done(st, stmt);
	if (!ret && sqlite3_changes(st->db) != 1)
		ret = -ENOENT;
	return m2md_end(st, ret);
}

int m2md_store_pending_put(struct m2md_store *st,
			   const struct m2md_pending *p, int64_t max_age_s)
{
	char node_hex[M2M_NODE_ID_HEX_LEN + 1];
	char conn_hex[17];
	sqlite3_stmt *stmt;
	int ret;

	m2m_hex_encode(p->node_id, M2MSEC_NODE_ID_LEN, node_hex);
	snprintf(conn_hex, sizeof(conn_hex), "%016" PRIx64, p->conn_id);
	ret = m2md_begin(st);
	if (ret)
		return ret;
	stmt = m2md_prepare(st, "DELETE FROM pending WHERE created < ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_int64(stmt, 1, m2md_now() - max_age_s);
	ret = m2md_step_done(st, stmt);
	if (ret)
		return m2md_end(st, ret);
	stmt = m2md_prepare(st, "INSERT OR REPLACE INTO pending (index_r, "
				"mode, node_id, scl_id, key_index, lifetime, "
				"conn_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_int64(stmt, 1, p->index_r);
	sqlite3_bind_int(stmt, 2, p->mode);
	sqlite3_bind_text(stmt, 3, node_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, p->scl_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, p->key_index);
	sqlite3_bind_int64(stmt, 6, p->lifetime);
	sqlite3_bind_text(stmt, 7, conn_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 8, m2md_now());
	return m2md_end(st, m2md_step_done(st, stmt));
}

int m2md_store_pending_get(struct m2md_store *st, uint32_t index_r,
			   struct m2md_pending *out)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	char conn_hex[17];
	sqlite3_stmt *stmt;
	int rc;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, "SELECT mode, node_id, scl_id, key_index, "
				"lifetime, conn_id, created FROM pending "
				"WHERE index_r = ?");
	if (!stmt) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	sqlite3_bind_int64(stmt, 1, index_r);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->index_r = index_r;
		out->mode = (uint8_t)sqlite3_column_int(stmt, 0);
		m2md_copy_text(hex, sizeof(hex), stmt, 1);
		m2m_hex_decode(hex, out->node_id, sizeof(out->node_id));
		m2md_copy_text(out->scl_id, sizeof(out->scl_id), stmt, 2);
		out->key_index = (uint32_t)sqlite3_column_int64(stmt, 3);
		out->lifetime = (uint32_t)sqlite3_column_int64(stmt, 4);
		m2md_copy_text(conn_hex, sizeof(conn_hex), stmt, 5);
		out->conn_id = strtoull(conn_hex, NULL, 16);
		out->created = sqlite3_column_int64(stmt, 6);
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int m2md_store_connection_put(struct m2md_store *st,
			      const struct m2md_connection *c)
{
	char node_hex[M2M_NODE_ID_HEX_LEN + 1];
	char conn_hex[17];
	sqlite3_stmt *stmt;
	int ret;

	m2m_hex_encode(c->node_id, M2MSEC_NODE_ID_LEN, node_hex);
	snprintf(conn_hex, sizeof(conn_hex), "%016" PRIx64, c->conn_id);
	ret = m2md_begin(st);
	if (ret)
		return ret;
	stmt = m2md_prepare(st, "INSERT OR REPLACE INTO connections (conn_id, "
				"node_id, scl_id, kmc_index, key_id, key_serial, "
				"expiry, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, conn_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, node_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, c->scl_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, c->kmc_index);
	sqlite3_bind_text(stmt, 5, c->key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 6, c->key_serial);
	sqlite3_bind_int64(stmt, 7, c->expiry);
	sqlite3_bind_int64(stmt, 8, m2md_now());
	return m2md_end(st, m2md_step_done(st, stmt));
}

int m2md_store_connection_current(struct m2md_store *st, const char *scl_id,
				  int64_t now)
{
	sqlite3_stmt *stmt;
	int rc, found = 0;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, "SELECT count(*) FROM connections "
				"WHERE scl_id = ? AND expiry > ?");
	if (stmt) {
		sqlite3_bind_text(stmt, 1, scl_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, now);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			found = sqlite3_column_int(stmt, 0) > 0;
		else
			m2md_db_fail(st, "connection lookup");
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return found;
}

int m2md_store_connection_current_iid(struct m2md_store *st,
				      const char *scl_id, const uint8_t iid[8],
				      int64_t now)
{
	char iid_hex[17];
	sqlite3_stmt *stmt;
	int rc, found = 0;

	m2m_hex_encode(iid, 8, iid_hex);
	pthread_mutex_lock(&st->lock);
	/* node_id is 32 lowercase hex digits: the last 16 are the iid. */
	stmt = m2md_prepare(st, "SELECT count(*) FROM connections "
				"WHERE scl_id = ? AND substr(node_id, 17) = ? "
				"AND expiry > ?");
	if (stmt) {
		sqlite3_bind_text(stmt, 1, scl_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 2, iid_hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 3, now);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			found = sqlite3_column_int(stmt, 0) > 0;
		else
			m2md_db_fail(st, "connection lookup by address");
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return found;
}

int m2md_store_kv_get(struct m2md_store *st, const char *key, char *buf,
		      size_t len)
{
	sqlite3_stmt *stmt;
	int rc;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, "SELECT value FROM gateway WHERE key = ?");
	if (!stmt) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		m2md_copy_text(buf, len, stmt, 0);
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int m2md_store_kv_set(struct m2md_store *st, const char *const *keys,
		      const char *const *values, size_t n)
{
	sqlite3_stmt *stmt;
	size_t i;
	int ret;

	ret = m2md_begin(st);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		stmt = m2md_prepare(st, "INSERT OR REPLACE INTO gateway "
					"(key, value) VALUES (?, ?)");
		if (!stmt) {
			ret = -EIO;
			break;
		}
		sqlite3_bind_text(stmt, 1, keys[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 2, values[i], -1, SQLITE_TRANSIENT);
		ret = m2md_step_done(st, stmt);
	}
	return m2md_end(st, ret);
}

int m2md_store_kv_delete(struct m2md_store *st, const char *key)
{
	sqlite3_stmt *stmt;
	int ret;

	ret = m2md_begin(st);
	if (ret)
		return ret;
	stmt = m2md_prepare(st, "DELETE FROM gateway WHERE key = ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
	return m2md_end(st, m2md_step_done(st, stmt));
}

static const char m2md_res_cols[] =
	"SELECT seq, path, type, parent, name, content_type, created, "
	"modified, length(representation), representation FROM resources ";

static int m2md_res_row(sqlite3_stmt *stmt, bool with_data,
			struct m2md_resource *res)
{
	const void *blob;

	memset(res, 0, sizeof(*res));
	res->seq = sqlite3_column_int64(stmt, 0);
	m2md_copy_text(res->path, sizeof(res->path), stmt, 1);
	m2md_copy_text(res->type, sizeof(res->type), stmt, 2);
	m2md_copy_text(res->parent, sizeof(res->parent), stmt, 3);
	m2md_copy_text(res->name, sizeof(res->name), stmt, 4);
	m2md_copy_text(res->content_type, sizeof(res->content_type), stmt, 5);
	res->created = sqlite3_column_int64(stmt, 6);
	res->modified = sqlite3_column_int64(stmt, 7);
	res->len = (size_t)sqlite3_column_int64(stmt, 8);
	if (!with_data)
		return 0;
	blob = sqlite3_column_blob(stmt, 9);
	res->data = malloc(res->len + 1);
	if (!res->data)
		return -ENOMEM;
	if (res->len)
		memcpy(res->data, blob, res->len);
	res->data[res->len] = '\0';
	return 0;
}

/* Run a resource query that binds text params and returns one row. */
static int m2md_res_one(struct m2md_store *st, const char *where,
			const char *param, struct m2md_resource *out)
{
	char sql[512];
	sqlite3_stmt *stmt;
	int rc, ret;

	snprintf(sql, sizeof(sql), "%s%s", m2md_res_cols, where);
	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, sql);
	if (!stmt) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, param, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		ret = m2md_res_row(stmt, true, out);
	else if (rc == SQLITE_DONE)
		ret = -ENOENT;
	else
		ret = m2md_db_fail(st, "resource lookup");
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int m2md_store_res_get(struct m2md_store *st, const char *path,
		       struct m2md_resource *out)
{
	return m2md_res_one(st, "WHERE path = ?", path, out);
}

int m2md_store_res_edge(struct m2md_store *st, const char *parent, bool last,
			struct m2md_resource *out)
{
	return m2md_res_one(st, last ?
			    "WHERE parent = ? ORDER BY seq DESC LIMIT 1" :
			    "WHERE parent = ? ORDER BY seq ASC LIMIT 1",
			    parent, out);
}

static int m2md_res_insert(struct m2md_store *st,
			   const struct m2md_resource *r)
{
	sqlite3_stmt *stmt;

	stmt = m2md_prepare(st, "INSERT INTO resources (path, type, parent, "
				"name, representation, content_type, created, "
				"modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, r->path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, r->type, -1, SQLITE_TRANSIENT);
	if (r->parent[0])
		sqlite3_bind_text(stmt, 3, r->parent, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_text(stmt, 4, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(stmt, 5, r->data ? (const void *)r->data : "",
			  (int)r->len, SQLITE_TRANSIENT);
	if (r->content_type[0])
		sqlite3_bind_text(stmt, 6, r->content_type, -1,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, 6);
	sqlite3_bind_int64(stmt, 7, r->created);
	sqlite3_bind_int64(stmt, 8, r->modified);
	return m2md_step_done(st, stmt);
}

int m2md_store_res_create(struct m2md_store *st,
			  const struct m2md_resource *res, size_t n)
{
	size_t i;
	int ret;

	ret = m2md_begin(st);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = m2md_res_insert(st, &res[i]);
	return m2md_end(st, ret);
}

int m2md_store_res_children(struct m2md_store *st, const char *parent,
			    bool with_data, m2md_res_fn fn, void *ctx)
{
	struct m2md_resource res;
	char sql[512];
	sqlite3_stmt *stmt;
	int rc, ret = 0;

	snprintf(sql, sizeof(sql), "%sWHERE parent = ? ORDER BY seq",
		 m2md_res_cols);
	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, sql);
	if (!stmt) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = m2md_res_row(stmt, with_data, &res);
		if (!ret)
			ret = fn(&res, ctx);
		m2md_resource_free(&res);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = m2md_db_fail(st, "resource list");
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return ret < 0 ? ret : 0;
}

int m2md_store_res_stats(struct m2md_store *st, const char *parent,
			 int64_t *count, int64_t *bytes)
{
	sqlite3_stmt *stmt;
	int ret = -EIO;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_prepare(st, "SELECT count(*), coalesce(sum(length("
				"representation)), 0) FROM resources "
				"WHERE parent = ?");
	if (stmt) {
		sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			*count = sqlite3_column_int64(stmt, 0);
			*bytes = sqlite3_column_int64(stmt, 1);
			ret = 0;
		}
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int m2md_store_res_trim(struct m2md_store *st, const char *parent,
			int64_t keep)
{
	sqlite3_stmt *stmt;
	int ret;

	ret = m2md_begin(st);
	if (ret)
		return ret;
	/* The subquery is NULL, so nothing goes, while keep or fewer exist. */
	stmt = m2md_prepare(st, "DELETE FROM resources WHERE parent = ?1 AND "
				"seq <= (SELECT seq FROM resources "
				"WHERE parent = ?1 ORDER BY seq DESC "
				"LIMIT 1 OFFSET ?2)");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, keep);
	return m2md_end(st, m2md_step_done(st, stmt));
}

void m2md_resource_free(struct m2md_resource *res)
{
	free(res->data);
	res->data = NULL;
}
