// SPDX-License-Identifier: GPL-2.0
/*
 * Group commit of resource writes. With synchronous = FULL every commit
 * waits for an fsync of the log, so each writer queues its write and one
 * of them, the leader, takes every write queued so far and runs them in
 * one BEGIN IMMEDIATE ... COMMIT: one fsync for the whole batch. Each
 * write has its own savepoint, so a failed write (a duplicate path, a
 * missing parent) is undone alone and the others still commit. Writers
 * that queue while a batch commits form the next batch.
 */
#include <errno.h>

#include "log.h"
#include "store_priv.h"

void m2md_write_init(struct m2md_store *st)
{
	pthread_mutex_init(&st->queue_lock, NULL);
	pthread_cond_init(&st->queue_cond, NULL);
	st->queue_head = NULL;
	st->queue_tail = &st->queue_head;
	st->leading = false;
}

void m2md_write_destroy(struct m2md_store *st)
{
	pthread_cond_destroy(&st->queue_cond);
	pthread_mutex_destroy(&st->queue_lock);
}

/* Run one of the transaction statements cached on the writer. */
static int m2md_tx(struct m2md_store *st, int id, const char *sql)
{
	sqlite3_stmt *stmt = m2md_stmt(&st->writer, id, sql);
	int rc;

	if (!stmt)
		return -EIO;
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return m2md_db_fail(st->writer.db, sql);
	return 0;
}

static void m2md_batch_fail(struct m2md_wop *batch, struct m2md_wop *end)
{
	struct m2md_wop *op;

	for (op = batch; op != end; op = op->next)
		if (op->result >= 0)
			op->result = -EIO;
}

/*
 * Run op in its own savepoint. Returns false when the transaction is
 * gone: SQLite rolls the whole transaction back on some errors (disk
 * full, I/O error), and the writes before op are lost with it.
 */
static bool m2md_batch_run_one(struct m2md_store *st, struct m2md_wop *op)
{
	sqlite3 *db = st->writer.db;

	if (m2md_tx(st, M2MD_W_SAVEPOINT, "SAVEPOINT w")) {
		op->result = -EIO;
		return !sqlite3_get_autocommit(db);
	}
	op->result = op->run(st, op);
	if (sqlite3_get_autocommit(db)) {
		if (op->result >= 0)
			op->result = -EIO;
		return false;
	}
	if (op->result < 0 &&
	    m2md_tx(st, M2MD_W_ROLLBACK_TO, "ROLLBACK TO w"))
		return false;
	return !m2md_tx(st, M2MD_W_RELEASE, "RELEASE w");
}

static void m2md_batch_commit(struct m2md_store *st, struct m2md_wop *batch)
{
	sqlite3 *db = st->writer.db;
	struct m2md_wop *op;
	bool alive = true;

	pthread_mutex_lock(&st->lock);
	if (m2md_tx(st, M2MD_W_BEGIN, "BEGIN IMMEDIATE")) {
		for (op = batch; op; op = op->next)
			op->result = -EIO;
		pthread_mutex_unlock(&st->lock);
		return;
	}
	for (op = batch; op; op = op->next) {
		if (!alive) {
			op->result = -EIO;
			continue;
		}
		alive = m2md_batch_run_one(st, op);
		if (!alive)
			m2md_batch_fail(batch, op);
	}
	if (alive && m2md_tx(st, M2MD_W_COMMIT, "COMMIT"))
		alive = false;
	if (!alive) {
		m2md_batch_fail(batch, NULL);
		if (!sqlite3_get_autocommit(db))
			m2md_tx(st, M2MD_W_ROLLBACK, "ROLLBACK");
	}
	pthread_mutex_unlock(&st->lock);
}

int m2md_write(struct m2md_store *st, struct m2md_wop *op)
{
	struct m2md_wop *batch, *o, *next;

	op->done = false;
	op->next = NULL;
	pthread_mutex_lock(&st->queue_lock);
	*st->queue_tail = op;
	st->queue_tail = &op->next;
	while (!op->done) {
		if (st->leading) {
			pthread_cond_wait(&st->queue_cond, &st->queue_lock);
			continue;
		}
		batch = st->queue_head;
		st->queue_head = NULL;
		st->queue_tail = &st->queue_head;
		st->leading = true;
		pthread_mutex_unlock(&st->queue_lock);

		m2md_batch_commit(st, batch);

		pthread_mutex_lock(&st->queue_lock);
		/* A waiter may return and free its op once done is set. */
		for (o = batch; o; o = next) {
			next = o->next;
			o->done = true;
		}
		st->leading = false;
		pthread_cond_broadcast(&st->queue_cond);
	}
	pthread_mutex_unlock(&st->queue_lock);
	return op->result;
}
