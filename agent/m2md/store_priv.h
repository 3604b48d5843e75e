/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the state database, shared by store.c (open, schema,
 * network and gateway role state), store_commit.c (group commit),
 * store_res.c (resource writes and reads) and store_query.c (expiry,
 * discovery, contentInstance filters).
 *
 * Connections: one writer connection, used only under st->lock, and a
 * pool of read-only connections. In WAL mode a reader sees the last
 * committed state and does not wait for a commit in progress, so reads
 * take a pooled connection instead of st->lock.
 */
#ifndef M2MD_STORE_PRIV_H
#define M2MD_STORE_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "store.h"

/* Read connections kept open; a caller waits when all are in use. */
#define M2MD_READERS_MAX	32

/* Statements cached on a connection, indexed by these ids. */
enum m2md_stmt_id {
	/* Writer. */
	M2MD_W_BEGIN,
	M2MD_W_COMMIT,
	M2MD_W_ROLLBACK,
	M2MD_W_SAVEPOINT,
	M2MD_W_RELEASE,
	M2MD_W_ROLLBACK_TO,
	M2MD_W_INSERT,
	M2MD_W_SEARCH_ADD,
	M2MD_W_SEARCH_CLEAR,
	M2MD_W_TOUCH,
	M2MD_W_UPDATE,
	M2MD_W_PARENT_OF,
	M2MD_W_DELETE_TREE,
	M2MD_W_TRIM_COUNT,
	M2MD_W_TRIM_COUNT_CI,
	M2MD_W_TRIM_BYTES,
	M2MD_W_TRIM_AGE,
	/* Readers. */
	M2MD_R_GET,
	M2MD_R_LAST,
	M2MD_R_FIRST,
	M2MD_R_CHILDREN,
	M2MD_R_CHILDREN_DATA,
	M2MD_R_STATS,
	M2MD_R_SEARCH,
	M2MD_R_EXPIRED,
	M2MD_R_DISCOVER,
	M2MD_R_DISCOVER_STRINGS,
	M2MD_R_BEGIN,
	M2MD_R_COMMIT,
	M2MD_STMT_FIXED,
};

/*
 * ci_query builds its WHERE clause from the filter fields that are set:
 * one bit per optional condition, and one more bit for with_data. Each
 * variant is prepared once per connection.
 */
#define M2MD_CIQ_BITS		6
#define M2MD_CIQ_VARIANTS	(1 << M2MD_CIQ_BITS)
#define M2MD_STMT_COUNT		(M2MD_STMT_FIXED + M2MD_CIQ_VARIANTS)

struct m2md_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[M2MD_STMT_COUNT];
	struct m2md_conn *next_free;
};

/*
 * One write waiting for the group commit. run() executes it on the
 * writer connection inside its own savepoint. A negative return rolls
 * back to that savepoint only.
 */
struct m2md_wop {
	int (*run)(struct m2md_store *st, struct m2md_wop *op);
	void *arg;
	int result;
	bool done;
	struct m2md_wop *next;
};

struct m2md_store {
	struct m2md_conn writer;
	pthread_mutex_t lock;			/* owns writer */
	char path[PATH_MAX];

	pthread_mutex_t queue_lock;
	pthread_cond_t queue_cond;	/* a batch is done */
	pthread_cond_t gather_cond;	/* a write was queued */
	struct m2md_wop *queue_head;
	struct m2md_wop **queue_tail;
	int queued;
	int writers;			/* per round, see m2md_gather */
	bool leading;			/* a leader runs a batch */
	bool gathering;			/* a leader waits for writes */

	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	struct m2md_conn *free_readers;
	struct m2md_conn *readers[M2MD_READERS_MAX];
	int nreaders;

	uint64_t generation;		/* commits so far, atomic */
};

/* The upgrade from schema version 1 to 2 (schema.c). */
extern const char m2md_schema_upgrade_v2_sql[];

int m2md_db_fail(sqlite3 *db, const char *operation);
int m2md_exec(sqlite3 *db, const char *sql);
/*
 * The cached statement id of c, prepared from sql on first use. The
 * caller resets it after use so that no read transaction stays open.
 */
sqlite3_stmt *m2md_stmt(struct m2md_conn *c, int id, const char *sql);
void m2md_conn_close(struct m2md_conn *c);
void m2md_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col);

struct m2md_conn *m2md_reader_get(struct m2md_store *st);
void m2md_reader_put(struct m2md_store *st, struct m2md_conn *c);
/* End this thread's read snapshot before it writes (store.c). */
void m2md_pin_refresh(struct m2md_store *st);
/* Note the expiry of a row read by this thread (store.c). */
void m2md_pin_saw(int64_t expires);

/* Queue op for the next group commit; returns its result when durable. */
int m2md_write(struct m2md_store *st, struct m2md_wop *op);
void m2md_write_init(struct m2md_store *st);
void m2md_write_destroy(struct m2md_store *st);

/* Columns of a resource row, without and with the representation. */
#define M2MD_RES_META	"seq, path, type, parent, name, content_type, " \
			"created, modified, expires, acl, version, size"
#define M2MD_RES_DATA	M2MD_RES_META ", representation"

int m2md_res_row(sqlite3_stmt *stmt, bool with_data,
		 struct m2md_resource *res);
/* Step stmt and call fn on each row, then reset stmt. */
int m2md_res_each(sqlite3 *db, sqlite3_stmt *stmt, bool with_data,
		  m2md_res_fn fn, void *ctx);

#endif /* M2MD_STORE_PRIV_H */
