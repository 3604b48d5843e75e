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
#include <time.h>

#include "log.h"
#include "store_priv.h"

/*
 * Longest time a new leader waits for the writers of the previous batch
 * to queue their next write. It is small next to an fsync, which takes
 * milliseconds on most disks.
 */
#define M2MD_GATHER_NS		300000

void m2md_write_init(struct m2md_store *st)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&st->queue_lock, NULL);
	pthread_cond_init(&st->queue_cond, NULL);
	pthread_cond_init(&st->gather_cond, &attr);
	pthread_condattr_destroy(&attr);
	st->queue_head = NULL;
	st->queue_tail = &st->queue_head;
	st->queued = 0;
	st->writers = 1;
	st->leading = false;
	st->gathering = false;
}

void m2md_write_destroy(struct m2md_store *st)
{
	pthread_cond_destroy(&st->gather_cond);
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

/*
 * Wait, with queue_lock held, until as many writes are queued as there
 * were writers in the last round, or M2MD_GATHER_NS. Without this wait,
 * the writers of a finished batch queue just after the next leader took
 * the queue, and the writers split into two halves that take turns, each
 * paying an fsync.
 */
static void m2md_gather(struct m2md_store *st)
{
	struct timespec until;

	if (st->queued >= st->writers)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += M2MD_GATHER_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	st->gathering = true;
	while (st->queued < st->writers &&
	       !pthread_cond_timedwait(&st->gather_cond, &st->queue_lock,
				       &until))
		;
	st->gathering = false;
}

/* Take the queue and commit it as one batch; queue_lock held. */
static void m2md_lead(struct m2md_store *st)
{
	struct m2md_wop *batch, *o, *next;
	int size;

	st->leading = true;
	m2md_gather(st);
	batch = st->queue_head;
	size = st->queued;
	st->queue_head = NULL;
	st->queue_tail = &st->queue_head;
	st->queued = 0;
	pthread_mutex_unlock(&st->queue_lock);

	m2md_batch_commit(st, batch);

	pthread_mutex_lock(&st->queue_lock);
	/* A waiter may return and free its op once done is set. */
	for (o = batch; o; o = next) {
		next = o->next;
		o->done = true;
	}
	/* The writers of this batch and those that queued meanwhile. */
	st->writers = size + st->queued;
	st->leading = false;
	pthread_cond_broadcast(&st->queue_cond);
}

int m2md_write(struct m2md_store *st, struct m2md_wop *op)
{
	m2md_pin_refresh(st);
	op->done = false;
	op->next = NULL;
	pthread_mutex_lock(&st->queue_lock);
	*st->queue_tail = op;
	st->queue_tail = &op->next;
	st->queued++;
	if (st->gathering)
		pthread_cond_signal(&st->gather_cond);
	while (!op->done) {
		if (st->leading)
			pthread_cond_wait(&st->queue_cond, &st->queue_lock);
		else
			m2md_lead(st);
	}
	pthread_mutex_unlock(&st->queue_lock);
	return op->result;
}
