// SPDX-License-Identifier: GPL-2.0
/*
 * The resource tree in the state database: reads on pooled read
 * connections, writes as group-commit operations on the writer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_priv.h"

#define M2MD_CI_TYPE	"contentInstance"

int m2md_res_row(sqlite3_stmt *stmt, bool with_data,
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
	res->expires = sqlite3_column_int64(stmt, 8);
	m2md_pin_saw(res->expires);
	m2md_copy_text(res->acl, sizeof(res->acl), stmt, 9);
	res->version = sqlite3_column_int64(stmt, 10);
	res->len = (size_t)sqlite3_column_int64(stmt, 11);
	if (!with_data)
		return 0;
	blob = sqlite3_column_blob(stmt, 12);
	res->len = (size_t)sqlite3_column_bytes(stmt, 12);
	res->data = malloc(res->len + 1);
	if (!res->data)
		return -ENOMEM;
	if (res->len)
		memcpy(res->data, blob, res->len);
	res->data[res->len] = '\0';
	return 0;
}

int m2md_res_each(sqlite3 *db, sqlite3_stmt *stmt, bool with_data,
		  m2md_res_fn fn, void *ctx)
{
	struct m2md_resource res;
	int rc, ret = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = m2md_res_row(stmt, with_data, &res);
		if (!ret)
			ret = fn(&res, ctx);
		m2md_resource_free(&res);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = m2md_db_fail(db, "resource list");
	sqlite3_reset(stmt);
	return ret < 0 ? ret : 0;
}

/* Run the cached read id with one text parameter, its row into out. */
static int m2md_res_one(struct m2md_store *st, int id, const char *sql,
			const char *param, struct m2md_resource *out)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int rc, ret;

	if (!c)
		return -EIO;
	stmt = m2md_stmt(c, id, sql);
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		ret = m2md_res_row(stmt, true, out);
	else if (rc == SQLITE_DONE)
		ret = -ENOENT;
	else
		ret = m2md_db_fail(c->db, "resource lookup");
	sqlite3_reset(stmt);
	m2md_reader_put(st, c);
	return ret;
}

int m2md_store_res_get(struct m2md_store *st, const char *path,
		       struct m2md_resource *out)
{
	return m2md_res_one(st, M2MD_R_GET, "SELECT " M2MD_RES_DATA
			    " FROM resources WHERE path = ?1", path, out);
}

int m2md_store_res_edge(struct m2md_store *st, const char *parent, bool last,
			struct m2md_resource *out)
{
	if (last)
		return m2md_res_one(st, M2MD_R_LAST, "SELECT " M2MD_RES_DATA
				    " FROM resources WHERE parent = ?1 "
				    "ORDER BY seq DESC LIMIT 1", parent, out);
	return m2md_res_one(st, M2MD_R_FIRST, "SELECT " M2MD_RES_DATA
			    " FROM resources WHERE parent = ?1 "
			    "ORDER BY seq ASC LIMIT 1", parent, out);
}

int m2md_store_res_children(struct m2md_store *st, const char *parent,
			    bool with_data, m2md_res_fn fn, void *ctx)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int ret;

	if (!c)
		return -EIO;
	if (with_data)
		stmt = m2md_stmt(c, M2MD_R_CHILDREN_DATA, "SELECT "
				 M2MD_RES_DATA " FROM resources "
				 "WHERE parent = ?1 ORDER BY seq");
	else
		stmt = m2md_stmt(c, M2MD_R_CHILDREN, "SELECT " M2MD_RES_META
				 " FROM resources WHERE parent = ?1 "
				 "ORDER BY seq");
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
	ret = m2md_res_each(c->db, stmt, with_data, fn, ctx);
	m2md_reader_put(st, c);
	return ret;
}

int m2md_store_res_stats(struct m2md_store *st, const char *parent,
			 int64_t *count, int64_t *bytes)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int ret = -EIO;

	if (!c)
		return -EIO;
	stmt = m2md_stmt(c, M2MD_R_STATS, "SELECT count(*), "
			 "coalesce(sum(size), 0) FROM resources "
			 "WHERE parent = ?1");
	if (stmt) {
		sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			*count = sqlite3_column_int64(stmt, 0);
			*bytes = sqlite3_column_int64(stmt, 1);
			ret = 0;
		} else {
			m2md_db_fail(c->db, "resource stats");
		}
		sqlite3_reset(stmt);
	}
	m2md_reader_put(st, c);
	return ret;
}

/* Step a cached writer statement that returns no row, then reset it. */
static int m2md_w_step(struct m2md_store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return m2md_db_fail(st->writer.db, "resource write");
}

static void m2md_bind_text_or_null(sqlite3_stmt *stmt, int col,
				   const char *text)
{
	if (text && text[0])
		sqlite3_bind_text(stmt, col, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, col);
}

/* Add the searchStrings of seq. A repeated string is stored once. */
static int m2md_w_search_add(struct m2md_store *st, int64_t seq,
			     char *const *search)
{
	sqlite3_stmt *stmt;
	int ret = 0;

	stmt = m2md_stmt(&st->writer, M2MD_W_SEARCH_ADD,
			 "INSERT OR IGNORE INTO search_strings (seq, value) "
			 "VALUES (?1, ?2)");
	if (!stmt)
		return -EIO;
	for (; search && *search && !ret; search++) {
		sqlite3_bind_int64(stmt, 1, seq);
		sqlite3_bind_text(stmt, 2, *search, -1, SQLITE_STATIC);
		ret = m2md_w_step(st, stmt);
	}
	return ret;
}

static int m2md_w_insert(struct m2md_store *st, const struct m2md_resource *r)
{
	sqlite3_stmt *stmt;
	int ret;

	stmt = m2md_stmt(&st->writer, M2MD_W_INSERT,
			 "INSERT INTO resources (path, type, parent, name, "
			 "representation, content_type, created, modified, "
			 "expires, acl, version, size) VALUES (?1, ?2, ?3, "
			 "?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11)");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, r->type, -1, SQLITE_STATIC);
	m2md_bind_text_or_null(stmt, 3, r->parent);
	sqlite3_bind_text(stmt, 4, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(stmt, 5, r->data ? (const void *)r->data : "",
			    r->len, SQLITE_STATIC);
	m2md_bind_text_or_null(stmt, 6, r->content_type);
	sqlite3_bind_int64(stmt, 7, r->created);
	sqlite3_bind_int64(stmt, 8, r->modified);
	sqlite3_bind_int64(stmt, 9, r->expires);
	sqlite3_bind_text(stmt, 10, r->acl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 11, (int64_t)r->len);
	ret = m2md_w_step(st, stmt);
	if (ret)
		return ret;
	return m2md_w_search_add(st, sqlite3_last_insert_rowid(st->writer.db),
				 r->search);
}

/*
 * Bump version and modified of path. modified never goes back, so a
 * clock step cannot make Last-Modified older. -ENOENT when path does
 * not exist.
 */
static int m2md_w_touch(struct m2md_store *st, const char *path, int64_t now)
{
	sqlite3_stmt *stmt;
	int ret;

	stmt = m2md_stmt(&st->writer, M2MD_W_TOUCH,
			 "UPDATE resources SET version = version + 1, "
			 "modified = max(modified, ?2) WHERE path = ?1");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	ret = m2md_w_step(st, stmt);
	if (!ret && sqlite3_changes(st->writer.db) != 1)
		ret = -ENOENT;
	return ret;
}

/* parent (may be empty, for a root) and seq of the resource at path. */
static int m2md_w_lookup(struct m2md_store *st, const char *path,
			 char *parent, size_t len, int64_t *seq)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = m2md_stmt(&st->writer, M2MD_W_PARENT_OF,
			 "SELECT parent, seq FROM resources WHERE path = ?1");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		m2md_copy_text(parent, len, stmt, 0);
		*seq = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return m2md_db_fail(st->writer.db, "resource lookup");
}

struct m2md_create_arg {
	const struct m2md_resource *res;
	size_t n;
};

/* True when the parent of res[i] is created by the same call. */
static bool m2md_parent_in(const struct m2md_resource *res, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(res[j].path, res[i].parent))
			return true;
	return false;
}

static int m2md_op_create(struct m2md_store *st, struct m2md_wop *op)
{
	const struct m2md_create_arg *a = op->arg;
	const struct m2md_resource *r;
	size_t i;
	int ret = 0;

	for (i = 0; i < a->n && !ret; i++) {
		r = &a->res[i];
		ret = m2md_w_insert(st, r);
		/* The collection that gained a child changes too. */
		if (!ret && r->parent[0] && !m2md_parent_in(a->res, i)) {
			ret = m2md_w_touch(st, r->parent, r->created);
			if (ret == -ENOENT)
				ret = 0;
		}
	}
	return ret;
}

int m2md_store_res_create(struct m2md_store *st,
			  const struct m2md_resource *res, size_t n)
{
	struct m2md_create_arg a = { .res = res, .n = n };
	struct m2md_wop op = { .run = m2md_op_create, .arg = &a };

	return m2md_write(st, &op);
}

/* Delete the oldest children of parent until keep are left. */
static int m2md_w_trim_count(struct m2md_store *st, const char *parent,
			     int64_t keep, bool only_ci)
{
	sqlite3_stmt *stmt;

	/* The subquery is NULL, so nothing goes, while keep or fewer exist. */
	if (only_ci)
		stmt = m2md_stmt(&st->writer, M2MD_W_TRIM_COUNT_CI,
				 "DELETE FROM resources WHERE parent = ?1 AND "
				 "type = '" M2MD_CI_TYPE "' AND seq <= "
				 "(SELECT seq FROM resources WHERE parent = ?1 "
				 "AND type = '" M2MD_CI_TYPE "' ORDER BY seq "
				 "DESC LIMIT 1 OFFSET ?2)");
	else
		stmt = m2md_stmt(&st->writer, M2MD_W_TRIM_COUNT,
				 "DELETE FROM resources WHERE parent = ?1 AND "
				 "seq <= (SELECT seq FROM resources WHERE "
				 "parent = ?1 ORDER BY seq DESC LIMIT 1 "
				 "OFFSET ?2)");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, keep);
	return m2md_w_step(st, stmt);
}

/*
 * Delete the oldest instances until the newest ones together hold at
 * most max_bytes: a running sum from the newest marks where to cut.
 */
static int m2md_w_trim_bytes(struct m2md_store *st, const char *parent,
			     int64_t max_bytes)
{
	sqlite3_stmt *stmt;

	stmt = m2md_stmt(&st->writer, M2MD_W_TRIM_BYTES,
			 "DELETE FROM resources WHERE seq IN (SELECT seq FROM "
			 "(SELECT seq, sum(size) OVER (ORDER BY seq DESC) AS "
			 "kept FROM resources WHERE parent = ?1 AND type = '"
			 M2MD_CI_TYPE "') WHERE kept > ?2)");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, max_bytes);
	return m2md_w_step(st, stmt);
}

static int m2md_w_trim_age(struct m2md_store *st, const char *parent,
			   int64_t oldest)
{
	sqlite3_stmt *stmt;

	stmt = m2md_stmt(&st->writer, M2MD_W_TRIM_AGE,
			 "DELETE FROM resources WHERE parent = ?1 AND type = '"
			 M2MD_CI_TYPE "' AND created < ?2");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, oldest);
	return m2md_w_step(st, stmt);
}

struct m2md_ci_arg {
	const struct m2md_resource *ci;
	const struct m2md_ci_limits *lim;
	int64_t trimmed;
};

/* Apply the limits to parent and add the rows deleted to *trimmed. */
static int m2md_w_limits(struct m2md_store *st, const char *parent,
			 const struct m2md_ci_limits *lim, int64_t now,
			 int64_t *trimmed)
{
	sqlite3 *db = st->writer.db;
	int ret = 0;

	if (lim->max_instances > 0) {
		ret = m2md_w_trim_count(st, parent, lim->max_instances, true);
		*trimmed += ret ? 0 : sqlite3_changes(db);
	}
	if (!ret && lim->max_bytes > 0) {
		ret = m2md_w_trim_bytes(st, parent, lim->max_bytes);
		*trimmed += ret ? 0 : sqlite3_changes(db);
	}
	if (!ret && lim->max_age > 0) {
		ret = m2md_w_trim_age(st, parent, now - lim->max_age);
		*trimmed += ret ? 0 : sqlite3_changes(db);
	}
	return ret;
}

static int m2md_op_ci_add(struct m2md_store *st, struct m2md_wop *op)
{
	struct m2md_ci_arg *a = op->arg;
	const struct m2md_resource *ci = a->ci;
	int ret;

	a->trimmed = 0;
	/* No deletion of older instances could make room for this one. */
	if (a->lim && a->lim->max_bytes > 0 &&
	    (int64_t)ci->len > a->lim->max_bytes)
		return -EFBIG;
	ret = m2md_w_touch(st, ci->parent, ci->created);
	if (!ret)
		ret = m2md_w_insert(st, ci);
	/* Ages count from the new instance's creation time. */
	if (!ret && a->lim)
		ret = m2md_w_limits(st, ci->parent, a->lim, ci->created,
				    &a->trimmed);
	return ret;
}

int m2md_store_ci_add(struct m2md_store *st, const struct m2md_resource *ci,
		      const struct m2md_ci_limits *lim, int64_t *trimmed)
{
	struct m2md_ci_arg a = { .ci = ci, .lim = lim };
	struct m2md_wop op = { .run = m2md_op_ci_add, .arg = &a };
	struct m2md_resource typed;
	int ret;

	if (!ci->parent[0] || (ci->type[0] && strcmp(ci->type, M2MD_CI_TYPE)))
		return -EINVAL;
	/* The limits count rows of this type, so an empty one is filled. */
	if (!ci->type[0]) {
		typed = *ci;
		snprintf(typed.type, sizeof(typed.type), M2MD_CI_TYPE);
		a.ci = &typed;
	}
	ret = m2md_write(st, &op);
	if (trimmed)
		*trimmed = ret ? 0 : a.trimmed;
	return ret;
}

struct m2md_trim_arg {
	const char *parent;
	int64_t keep;
};

static int m2md_op_trim(struct m2md_store *st, struct m2md_wop *op)
{
	const struct m2md_trim_arg *a = op->arg;

	return m2md_w_trim_count(st, a->parent, a->keep, false);
}

int m2md_store_res_trim(struct m2md_store *st, const char *parent,
			int64_t keep)
{
	struct m2md_trim_arg a = { .parent = parent, .keep = keep };
	struct m2md_wop op = { .run = m2md_op_trim, .arg = &a };

	return m2md_write(st, &op);
}

static int m2md_op_update(struct m2md_store *st, struct m2md_wop *op)
{
	const struct m2md_resource *r = op->arg;
	char parent[M2MD_RES_PATH_MAX];
	sqlite3_stmt *stmt;
	int64_t seq;
	int ret;

	ret = m2md_w_lookup(st, r->path, parent, sizeof(parent), &seq);
	if (ret)
		return ret;
	stmt = m2md_stmt(&st->writer, M2MD_W_UPDATE,
			 "UPDATE resources SET representation = ?2, size = ?3, "
			 "expires = ?4, acl = ?5, modified = ?6, "
			 "version = version + 1 WHERE seq = ?1");
	if (!stmt)
		return -EIO;
	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_blob64(stmt, 2, r->data ? (const void *)r->data : "",
			    r->len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)r->len);
	sqlite3_bind_int64(stmt, 4, r->expires);
	sqlite3_bind_text(stmt, 5, r->acl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, r->modified);
	ret = m2md_w_step(st, stmt);
	if (ret || !r->search)
		return ret;
	stmt = m2md_stmt(&st->writer, M2MD_W_SEARCH_CLEAR,
			 "DELETE FROM search_strings WHERE seq = ?1");
	if (!stmt)
		return -EIO;
	sqlite3_bind_int64(stmt, 1, seq);
	ret = m2md_w_step(st, stmt);
	return ret ? ret : m2md_w_search_add(st, seq, r->search);
}

int m2md_store_res_update(struct m2md_store *st,
			  const struct m2md_resource *res)
{
	struct m2md_wop op = { .run = m2md_op_update, .arg = (void *)res };

	return m2md_write(st, &op);
}

struct m2md_path_arg {
	const char *path;
	int64_t now;
};

/*
 * Delete path and its subtree. The descendants are the paths in the
 * range [path "/", path "0"): '0' follows '/' in byte order, so exactly
 * the paths that start with path "/" fall in it, and the unique index
 * on path serves the range without LIKE and its wildcards.
 */
static int m2md_op_delete(struct m2md_store *st, struct m2md_wop *op)
{
	const struct m2md_path_arg *a = op->arg;
	char parent[M2MD_RES_PATH_MAX], lo[M2MD_RES_PATH_MAX + 1];
	char hi[M2MD_RES_PATH_MAX + 1];
	size_t len = strlen(a->path);
	sqlite3_stmt *stmt;
	int64_t seq, n;
	int ret;

	ret = m2md_w_lookup(st, a->path, parent, sizeof(parent), &seq);
	if (ret)
		return ret;
	/* "/" has the subtree "/..." too, not "//...". */
	while (len && a->path[len - 1] == '/')
		len--;
	snprintf(lo, sizeof(lo), "%.*s/", (int)len, a->path);
	snprintf(hi, sizeof(hi), "%.*s0", (int)len, a->path);
	stmt = m2md_stmt(&st->writer, M2MD_W_DELETE_TREE,
			 "DELETE FROM resources WHERE path = ?1 OR "
			 "(path >= ?2 AND path < ?3)");
	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, a->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, hi, -1, SQLITE_STATIC);
	ret = m2md_w_step(st, stmt);
	if (ret)
		return ret;
	n = sqlite3_changes64(st->writer.db);
	if (parent[0]) {
		ret = m2md_w_touch(st, parent, a->now);
		if (ret && ret != -ENOENT)
			return ret;
	}
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int m2md_store_res_delete(struct m2md_store *st, const char *path,
			  int64_t now)
{
	struct m2md_path_arg a = { .path = path, .now = now };
	struct m2md_wop op = { .run = m2md_op_delete, .arg = &a };

	if (strlen(path) >= M2MD_RES_PATH_MAX)
		return -ENOENT;
	return m2md_write(st, &op);
}

static int m2md_op_touch(struct m2md_store *st, struct m2md_wop *op)
{
	const struct m2md_path_arg *a = op->arg;

	return m2md_w_touch(st, a->path, a->now);
}

int m2md_store_res_touch(struct m2md_store *st, const char *path,
			 int64_t now)
{
	struct m2md_path_arg a = { .path = path, .now = now };
	struct m2md_wop op = { .run = m2md_op_touch, .arg = &a };

	return m2md_write(st, &op);
}

void m2md_resource_free(struct m2md_resource *res)
{
	free(res->data);
	res->data = NULL;
}
