// SPDX-License-Identifier: GPL-2.0
/*
 * SQLite state database: opening, the schema and its upgrades, the pool
 * of read connections, and the state of the network and gateway roles.
 * Writes of these small tables run on the writer connection under
 * st->lock in their own transaction; resource writes go through the
 * group commit of store_commit.c.
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
#include "store_priv.h"

static int64_t m2md_now(void)
{
	return (int64_t)time(NULL);
}

int m2md_db_fail(sqlite3 *db, const char *operation)
{
	m2m_err_ratelimited("database: %s failed: %s", operation,
			    sqlite3_errmsg(db));
	return -EIO;
}

int m2md_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		m2m_err_ratelimited("database: '%.40s' failed: %s", sql,
				    msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

sqlite3_stmt *m2md_stmt(struct m2md_conn *c, int id, const char *sql)
{
	if (c->stmt[id])
		return c->stmt[id];
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &c->stmt[id], NULL) != SQLITE_OK) {
		m2md_db_fail(c->db, "prepare");
		c->stmt[id] = NULL;
	}
	return c->stmt[id];
}

void m2md_conn_close(struct m2md_conn *c)
{
	int i;

	for (i = 0; i < M2MD_STMT_COUNT; i++) {
		sqlite3_finalize(c->stmt[i]);
		c->stmt[i] = NULL;
	}
	sqlite3_close(c->db);
	c->db = NULL;
}

static int m2md_begin(struct m2md_store *st)
{
	m2md_pin_refresh(st);
	pthread_mutex_lock(&st->lock);
	if (m2md_exec(st->writer.db, "BEGIN IMMEDIATE")) {
		pthread_mutex_unlock(&st->lock);
		return -EIO;
	}
	return 0;
}

/* Commit when ret is 0, else roll back. Returns ret or the commit error. */
static int m2md_end(struct m2md_store *st, int ret)
{
	if (!ret)
		ret = m2md_exec(st->writer.db, "COMMIT");
	if (ret && !sqlite3_get_autocommit(st->writer.db))
		m2md_exec(st->writer.db, "ROLLBACK");
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static sqlite3_stmt *m2md_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		m2md_db_fail(db, "prepare");
		return NULL;
	}
	return stmt;
}

/* Run a statement that returns no row. Returns 0, -EEXIST or -EIO. */
static int m2md_step_done(sqlite3 *db, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return m2md_db_fail(db, "step");
}

/* m2md_prepare() and m2md_step_done() on the writer; hold st->lock. */
static sqlite3_stmt *m2md_wprepare(struct m2md_store *st, const char *sql)
{
	return m2md_prepare(st->writer.db, sql);
}

static int m2md_wstep_done(struct m2md_store *st, sqlite3_stmt *stmt)
{
	return m2md_step_done(st->writer.db, stmt);
}

/* Copy a text column, cut to size - 1 bytes, into dst. */
void m2md_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	size_t len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;

	if (len >= size)
		len = size - 1;
	memcpy(dst, text ? (const char *)text : "", len);
	dst[len] = '\0';
}

static int m2md_open_db(const char *path, int flags, sqlite3 **db)
{
	if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_busy_timeout(*db, 5000);
	return 0;
}

/*
 * The read transaction of this thread (m2md_store_read_begin): its
 * store, its connection, the nesting depth, and whether a store call is
 * using the connection now. A call made while it is in use (from the
 * callback of another) takes a pooled connection, as without a pin, so
 * that no cached statement is reset under a running one.
 */
static __thread struct {
	struct m2md_store *st;
	struct m2md_conn *c;
	int depth;
	bool busy;
	int64_t until;
} m2md_pin;

void m2md_pin_saw(int64_t expires)
{
	if (m2md_pin.depth > 0 && expires > 0 &&
	    (!m2md_pin.until || expires < m2md_pin.until))
		m2md_pin.until = expires;
}

int64_t m2md_store_read_until(struct m2md_store *st)
{
	return m2md_pin.until;
}

/* A first generation that no other store of this process has had. */
static uint64_t m2md_generation_base(void)
{
	static uint64_t stores;

	return __atomic_add_fetch(&stores, 1, __ATOMIC_RELAXED) << 40;
}

uint64_t m2md_store_generation(struct m2md_store *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

/*
 * Called by SQLite after each commit of the writer, once it is in the
 * log and the write lock is released: count the commit, then checkpoint
 * as SQLite's own hook does past 1000 pages of log.
 */
static int m2md_wal_hook(void *arg, sqlite3 *db, const char *name,
			 int pages)
{
	struct m2md_store *st = arg;

	__atomic_add_fetch(&st->generation, 1, __ATOMIC_RELEASE);
	if (pages >= 1000)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	return SQLITE_OK;
}

static struct m2md_conn *m2md_pool_get(struct m2md_store *st);
static void m2md_pool_put(struct m2md_store *st, struct m2md_conn *c);

/* BEGIN or COMMIT on a read connection, with its cached statement. */
static int m2md_read_tx(struct m2md_conn *c, bool begin)
{
	sqlite3_stmt *stmt = begin ? m2md_stmt(c, M2MD_R_BEGIN, "BEGIN") :
			     m2md_stmt(c, M2MD_R_COMMIT, "COMMIT");
	int rc;

	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return m2md_db_fail(c->db, begin ? "BEGIN" : "COMMIT");
	return 0;
}

void m2md_store_read_begin(struct m2md_store *st)
{
	struct m2md_conn *c;

	if (m2md_pin.depth++)
		return;
	m2md_pin.until = 0;
	c = m2md_pool_get(st);
	if (!c)
		return;
	if (m2md_read_tx(c, true)) {
		m2md_pool_put(st, c);
		return;
	}
	m2md_pin.st = st;
	m2md_pin.c = c;
	m2md_pin.busy = false;
}

void m2md_store_read_end(struct m2md_store *st)
{
	if (m2md_pin.depth <= 0 || --m2md_pin.depth)
		return;
	if (m2md_pin.c && m2md_pin.st == st) {
		m2md_read_tx(m2md_pin.c, false);
		m2md_pool_put(st, m2md_pin.c);
	}
	m2md_pin.st = NULL;
	m2md_pin.c = NULL;
}

/*
 * Before a write of this thread: end its snapshot, so that the reads
 * after the write start a new one that sees it. BEGIN is deferred: the
 * new snapshot is taken by the next read.
 */
void m2md_pin_refresh(struct m2md_store *st)
{
	if (m2md_pin.st != st || !m2md_pin.c || m2md_pin.busy)
		return;
	if (m2md_read_tx(m2md_pin.c, false) ||
	    m2md_read_tx(m2md_pin.c, true)) {
		if (!sqlite3_get_autocommit(m2md_pin.c->db))
			m2md_exec(m2md_pin.c->db, "ROLLBACK");
		m2md_pool_put(st, m2md_pin.c);
		m2md_pin.st = NULL;
		m2md_pin.c = NULL;
	}
}

/*
 * A read connection: the one of this thread's read transaction when it
 * is free, else one from the pool.
 */
struct m2md_conn *m2md_reader_get(struct m2md_store *st)
{
	if (m2md_pin.st == st && m2md_pin.c && !m2md_pin.busy) {
		m2md_pin.busy = true;
		return m2md_pin.c;
	}
	return m2md_pool_get(st);
}

void m2md_reader_put(struct m2md_store *st, struct m2md_conn *c)
{
	if (c == m2md_pin.c) {
		m2md_pin.busy = false;
		return;
	}
	m2md_pool_put(st, c);
}

/*
 * Take a read connection from the pool, opening one while fewer than
 * M2MD_READERS_MAX exist, else wait for one. NULL when none can be
 * opened.
 */
static struct m2md_conn *m2md_pool_get(struct m2md_store *st)
{
	struct m2md_conn *c;

	pthread_mutex_lock(&st->pool_lock);
	while (!st->free_readers && st->nreaders == M2MD_READERS_MAX)
		pthread_cond_wait(&st->pool_cond, &st->pool_lock);
	c = st->free_readers;
	if (c) {
		st->free_readers = c->next_free;
		pthread_mutex_unlock(&st->pool_lock);
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (c && m2md_open_db(st->path, SQLITE_OPEN_READONLY, &c->db)) {
		m2m_err("database: cannot open a read connection to %s: %s",
			st->path, c->db ? sqlite3_errmsg(c->db) : "no memory");
		sqlite3_close(c->db);
		free(c);
		c = NULL;
	}
	if (c)
		st->readers[st->nreaders++] = c;
	pthread_mutex_unlock(&st->pool_lock);
	return c;
}

static void m2md_pool_put(struct m2md_store *st, struct m2md_conn *c)
{
	pthread_mutex_lock(&st->pool_lock);
	c->next_free = st->free_readers;
	st->free_readers = c;
	pthread_cond_signal(&st->pool_cond);
	pthread_mutex_unlock(&st->pool_lock);
}

static int m2md_schema_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = m2md_prepare(db, "SELECT count(*) FROM sqlite_master WHERE "
				"type = 'table' AND name = 'schema_version'");
	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW || !sqlite3_column_int(stmt, 0)) {
		sqlite3_finalize(stmt);
		*version = 0;
		return rc == SQLITE_ROW ? 0 : m2md_db_fail(db, "schema lookup");
	}
	sqlite3_finalize(stmt);
	stmt = m2md_prepare(db, "SELECT max(version) FROM schema_version");
	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return 0;
}

/* Create the schema or upgrade it, inside the caller's transaction. */
static int m2md_schema_build(sqlite3 *db, int version, char *err,
			     size_t errlen)
{
	char sql[64];
	int ret = 0;

	if (version == 0) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES (%d)",
			 M2MD_SCHEMA_VERSION);
		ret = m2md_exec(db, m2md_schema_sql);
		if (!ret)
			ret = m2md_exec(db, sql);
		if (ret)
			snprintf(err, errlen, "cannot create the schema: %s",
				 sqlite3_errmsg(db));
		return ret;
	}
	if (version == 1) {
		m2m_info("database: upgrading the schema from version 1 to 2");
		ret = m2md_exec(db, m2md_schema_upgrade_v2_sql);
		if (ret)
			snprintf(err, errlen,
				 "cannot upgrade the schema to version 2: %s",
				 sqlite3_errmsg(db));
	}
	return ret;
}

static int m2md_schema_setup(struct m2md_store *st, char *err,
			     size_t errlen)
{
	int version, ret;

	ret = m2md_begin(st);
	if (ret) {
		snprintf(err, errlen, "cannot write database %s: %s",
			 st->path, sqlite3_errmsg(st->writer.db));
		return ret;
	}
	ret = m2md_schema_version(st->writer.db, &version);
	if (!ret && version > M2MD_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "database schema version %d is newer than this m2md's %d",
			 version, M2MD_SCHEMA_VERSION);
		ret = -EPROTO;
	} else if (!ret && version < M2MD_SCHEMA_VERSION) {
		ret = m2md_schema_build(st->writer.db, version, err, errlen);
	}
	ret = m2md_end(st, ret);
	if (ret == -EIO && !err[0])
		snprintf(err, errlen, "cannot commit the schema of %s: %s",
			 st->path, sqlite3_errmsg(st->writer.db));
	return ret;
}

/*
 * A change counts as done only when it is on disk: WAL with
 * synchronous = FULL syncs the log at every commit. Group commit keeps
 * that affordable.
 */
static int m2md_writer_setup(struct m2md_store *st)
{
	sqlite3 *db = st->writer.db;

	if (m2md_exec(db, "PRAGMA journal_mode = WAL") ||
	    m2md_exec(db, "PRAGMA synchronous = FULL") ||
	    m2md_exec(db, "PRAGMA foreign_keys = ON"))
		return -EIO;
	/* Replaces SQLite's automatic checkpoint, which it does itself. */
	sqlite3_wal_hook(db, m2md_wal_hook, st);
	return 0;
}

/*
 * Create dir with mode 0700 and its missing parents with 0755. Returns 0
 * or a negative errno.
 */
static int m2md_store_mkdir(const char *dir)
{
	char path[PATH_MAX];
	char *slash;

	if (strlen(dir) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(path, dir);
	for (slash = strchr(path + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int m2md_store_open(const char *dir, struct m2md_store **out,
		    char *err, size_t errlen)
{
	struct m2md_store *st;
	int ret;

	if (errlen)
		err[0] = '\0';
	ret = m2md_store_mkdir(dir);
	if (ret) {
		snprintf(err, errlen, "cannot create state directory %s: %s",
			 dir, strerror(-ret));
		return ret;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	snprintf(st->path, sizeof(st->path), "%s/%s", dir, M2MD_DB_NAME);
	st->generation = m2md_generation_base();
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->pool_lock, NULL);
	pthread_cond_init(&st->pool_cond, NULL);
	m2md_write_init(st);
	if (m2md_open_db(st->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			 &st->writer.db)) {
		snprintf(err, errlen, "cannot open database %s: %s", st->path,
			 st->writer.db ? sqlite3_errmsg(st->writer.db) :
			 "out of memory");
		m2md_store_close(st);
		return -EIO;
	}
	if (m2md_writer_setup(st)) {
		snprintf(err, errlen, "cannot set up database %s: %s",
			 st->path, sqlite3_errmsg(st->writer.db));
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
	int i;

	if (!st)
		return;
	/* Readers first, so that the writer's close checkpoints the log. */
	for (i = 0; i < st->nreaders; i++) {
		m2md_conn_close(st->readers[i]);
		free(st->readers[i]);
	}
	m2md_conn_close(&st->writer);
	m2md_write_destroy(st);
	pthread_cond_destroy(&st->pool_cond);
	pthread_mutex_destroy(&st->pool_lock);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int m2md_store_journal_mode(struct m2md_store *st, char *buf, size_t len)
{
	sqlite3_stmt *stmt;
	int ret = -EIO;

	pthread_mutex_lock(&st->lock);
	stmt = m2md_wprepare(st, "PRAGMA journal_mode");
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

/*
 * Look a node up by one column, on db: the writer inside a transaction
 * (under st->lock), or a read connection.
 */
static int m2md_node_find(sqlite3 *db, const char *col, const char *value,
			  struct m2md_node *out)
{
	char sql[256];
	sqlite3_stmt *stmt;
	int rc;

	snprintf(sql, sizeof(sql), "%sWHERE %s = ?", m2md_node_cols, col);
	stmt = m2md_prepare(db, sql);
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		m2md_node_row(stmt, out);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : m2md_db_fail(db, "node lookup");
}

int m2md_store_node_find_boot(struct m2md_store *st, const char *bootstrap_id,
			      struct m2md_node *out)
{
	struct m2md_conn *c = m2md_reader_get(st);
	int ret;

	if (!c)
		return -EIO;
	ret = m2md_node_find(c->db, "bootstrap_id", bootstrap_id, out);
	m2md_reader_put(st, c);
	return ret;
}

static int m2md_node_upsert(struct m2md_store *st, const struct m2md_node *n,
			    const char *hex)
{
	sqlite3_stmt *stmt;

	/* Indexes only grow, so a late or repeated write cannot lower them. */
	stmt = m2md_wprepare(st,
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
	return m2md_wstep_done(st, stmt);
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
		ret = m2md_node_find(st->writer.db, "bootstrap_id",
				     node->bootstrap_id, &other);
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
	struct m2md_conn *c;
	int ret;

	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, hex);
	c = m2md_reader_get(st);
	if (!c)
		return -EIO;
	ret = m2md_node_find(c->db, "node_id", hex, out);
	m2md_reader_put(st, c);
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
	stmt = m2md_wprepare(st, "UPDATE nodes SET key_id = ?, key_serial = ?, "
				"expiry = ?, updated = ? WHERE node_id = ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, key_serial);
	sqlite3_bind_int64(stmt, 3, expiry);
	sqlite3_bind_int64(stmt, 4, m2md_now());
	sqlite3_bind_text(stmt, 5, hex, -1, SQLITE_TRANSIENT);
	ret = m2md_wstep_done(st, stmt);
	if (!ret && sqlite3_changes(st->writer.db) != 1)
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
	stmt = m2md_wprepare(st, "DELETE FROM pending WHERE created < ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_int64(stmt, 1, m2md_now() - max_age_s);
	ret = m2md_wstep_done(st, stmt);
	if (ret)
		return m2md_end(st, ret);
	stmt = m2md_wprepare(st, "INSERT OR REPLACE INTO pending (index_r, "
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
	return m2md_end(st, m2md_wstep_done(st, stmt));
}

int m2md_store_pending_get(struct m2md_store *st, uint32_t index_r,
			   struct m2md_pending *out)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	struct m2md_conn *c;
	char conn_hex[17];
	sqlite3_stmt *stmt;
	int rc;

	c = m2md_reader_get(st);
	if (!c)
		return -EIO;
	stmt = m2md_prepare(c->db, "SELECT mode, node_id, scl_id, key_index, "
				   "lifetime, conn_id, created FROM pending "
				   "WHERE index_r = ?");
	if (!stmt) {
		m2md_reader_put(st, c);
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
	m2md_reader_put(st, c);
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
	stmt = m2md_wprepare(st, "INSERT OR REPLACE INTO connections (conn_id, "
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
	return m2md_end(st, m2md_wstep_done(st, stmt));
}

int m2md_store_connection_current(struct m2md_store *st, const char *scl_id,
				  int64_t now)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int rc, found = 0;

	if (!c)
		return 0;
	stmt = m2md_prepare(c->db, "SELECT count(*) FROM connections "
				   "WHERE scl_id = ? AND expiry > ?");
	if (stmt) {
		sqlite3_bind_text(stmt, 1, scl_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, now);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			found = sqlite3_column_int(stmt, 0) > 0;
		else
			m2md_db_fail(c->db, "connection lookup");
	}
	sqlite3_finalize(stmt);
	m2md_reader_put(st, c);
	return found;
}

int m2md_store_connection_current_iid(struct m2md_store *st,
				      const char *scl_id, const uint8_t iid[8],
				      int64_t now)
{
	struct m2md_conn *c;
	char iid_hex[17];
	sqlite3_stmt *stmt;
	int rc, found = 0;

	m2m_hex_encode(iid, 8, iid_hex);
	c = m2md_reader_get(st);
	if (!c)
		return 0;
	/* node_id is 32 lowercase hex digits: the last 16 are the iid. */
	stmt = m2md_prepare(c->db, "SELECT count(*) FROM connections "
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
			m2md_db_fail(c->db, "connection lookup by address");
	}
	sqlite3_finalize(stmt);
	m2md_reader_put(st, c);
	return found;
}

int m2md_store_kv_get(struct m2md_store *st, const char *key, char *buf,
		      size_t len)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int rc;

	if (!c)
		return -EIO;
	stmt = m2md_prepare(c->db, "SELECT value FROM gateway WHERE key = ?");
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		m2md_copy_text(buf, len, stmt, 0);
	sqlite3_finalize(stmt);
	m2md_reader_put(st, c);
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
		stmt = m2md_wprepare(st, "INSERT OR REPLACE INTO gateway "
					"(key, value) VALUES (?, ?)");
		if (!stmt) {
			ret = -EIO;
			break;
		}
		sqlite3_bind_text(stmt, 1, keys[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 2, values[i], -1, SQLITE_TRANSIENT);
		ret = m2md_wstep_done(st, stmt);
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
	stmt = m2md_wprepare(st, "DELETE FROM gateway WHERE key = ?");
	if (!stmt)
		return m2md_end(st, -EIO);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
	return m2md_end(st, m2md_wstep_done(st, stmt));
}

