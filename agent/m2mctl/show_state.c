// SPDX-License-Identifier: GPL-2.0
/*
 * The connections part of m2mctl show: rows of the connections table in
 * m2md's state database, opened read-only. m2md owns the schema, so the
 * columns are looked up by name and a missing one prints as '-'.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "m2mctl.h"

#define M2MCTL_DB_NAME		"m2md.db"
#define M2MCTL_DB_BUSY_MS	2000	/* wait for a write of m2md to end */

/* Columns shown, in order; "expiry" and "created" are Unix times. */
static const char *const m2mctl_conn_columns[] = {
	"conn_id", "node_id", "scl_id", "kmc_index",
	"key_id", "key_serial", "expiry", "created",
};

#define M2MCTL_COL_EXPIRY	6
#define M2MCTL_NCOLS \
	(sizeof(m2mctl_conn_columns) / sizeof(m2mctl_conn_columns[0]))

/* Return the position of each wanted column in the table, or -1. */
static int m2mctl_conn_layout(sqlite3 *db, int pos[M2MCTL_NCOLS],
			      bool *has_table)
{
	sqlite3_stmt *st;
	const char *name;
	size_t i;
	int col = 0, rc;

	for (i = 0; i < M2MCTL_NCOLS; i++)
		pos[i] = -1;
	*has_table = false;
	rc = sqlite3_prepare_v2(db, "PRAGMA table_info(connections)", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*has_table = true;
		name = (const char *)sqlite3_column_text(st, 1);
		for (i = 0; name && i < M2MCTL_NCOLS; i++) {
			if (!strcmp(name, m2mctl_conn_columns[i]))
				pos[i] = col;
		}
		col++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Copy a column as printable text into buf, "-" when NULL or missing. */
static void m2mctl_col_text(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *text = NULL;

	if (col >= 0 && sqlite3_column_type(st, col) != SQLITE_NULL)
		text = sqlite3_column_text(st, col);
	if (text)
		m2mctl_printable((const char *)text, buf, len);
	else
		snprintf(buf, len, "-");
}

static void m2mctl_print_conn(sqlite3_stmt *st, const int pos[M2MCTL_NCOLS],
			      bool dump)
{
	static const char *const labels[M2MCTL_NCOLS] = {
		"conn", "node", "scl", "kmc index",
		"key id", "serial", NULL, NULL,
	};
	char buf[M2MCTL_NCOLS][256];
	char when[64];
	size_t i;

	int expiry = pos[M2MCTL_COL_EXPIRY];

	for (i = 0; i < M2MCTL_NCOLS; i++)
		m2mctl_col_text(st, pos[i], buf[i], sizeof(buf[i]));
	if (dump) {
		printf("connection");
		for (i = 0; i < M2MCTL_NCOLS; i++)
			printf("\t%s", buf[i]);
		printf("\n");
		return;
	}
	for (i = 0; i < M2MCTL_NCOLS && labels[i]; i++)
		printf("  %s %s", labels[i], buf[i]);
	if (expiry >= 0 && sqlite3_column_int64(st, expiry) > 0) {
		m2mctl_format_time((time_t)sqlite3_column_int64(st, expiry),
				   when, sizeof(when));
		printf("  expires %s", when);
	} else {
		printf("  expires never");
	}
	printf("\n");
}

static int m2mctl_print_conns(sqlite3 *db, const int pos[M2MCTL_NCOLS],
			      bool dump)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(db, "SELECT * FROM connections ORDER BY rowid",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m2mctl_print_conn(st, pos, dump);
		n++;
	}
	sqlite3_finalize(st);
	if (!dump && n == 0 && rc == SQLITE_DONE)
		printf("  (none)\n");
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int m2mctl_show_connections(const char *state_dir, bool dump)
{
	int pos[M2MCTL_NCOLS];
	bool has_table;
	char path[4096];
	sqlite3 *db = NULL;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, M2MCTL_DB_NAME) >=
	    (int)sizeof(path))
		return m2mctl_error("state directory name is too long");
	/* Without a database there is nothing to show: m2md never ran. */
	if (access(path, F_OK))
		return M2MCTL_EXIT_OK;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, M2MCTL_DB_BUSY_MS);
		rc = m2mctl_conn_layout(db, pos, &has_table);
	}
	if (rc == SQLITE_OK && has_table) {
		if (!dump)
			printf("connections (%s):\n", path);
		rc = m2mctl_print_conns(db, pos, dump);
	}
	if (rc != SQLITE_OK) {
		m2mctl_error("reading connections from %s failed: %s", path,
			     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return M2MCTL_EXIT_FAILED;
	}
	sqlite3_close(db);
	return M2MCTL_EXIT_OK;
}
