// SPDX-License-Identifier: GPL-2.0
/*
 * Queries over the resource tree: expired resources for the sweeper,
 * discovery by searchStrings below a path, contentInstance filters and
 * the searchStrings of one resource. All run on pooled read connections.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "store_priv.h"

int m2md_store_res_expired(struct m2md_store *st, int64_t now, size_t max,
			   m2md_res_fn fn, void *ctx)
{
	struct m2md_conn *c = m2md_reader_get(st);
	sqlite3_stmt *stmt;
	int ret;

	if (!c)
		return -EIO;
	/* "expires != 0" lets the partial index resources_expires serve. */
	stmt = m2md_stmt(c, M2MD_R_EXPIRED, "SELECT " M2MD_RES_META
			 " FROM resources WHERE expires != 0 AND "
			 "expires <= ?1 ORDER BY expires LIMIT ?2");
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	ret = m2md_res_each(c->db, stmt, false, fn, ctx);
	m2md_reader_put(st, c);
	return ret;
}

/*
 * The first string after every string that starts with prefix, in byte
 * order: prefix with its last byte below 0xff incremented and the rest
 * cut. Returns false when there is none (prefix is all 0xff bytes).
 */
static bool m2md_prefix_end(const char *prefix, char *end, size_t size)
{
	size_t n = strlen(prefix);

	if (n >= size)
		return false;
	memcpy(end, prefix, n + 1);
	while (n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!n)
		return false;
	end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	end[n] = '\0';
	return true;
}

/* The wanted searchStrings as a JSON array, for json_each(). */
static char *m2md_strings_json(const struct m2md_discover_q *q)
{
	struct json_object *arr = json_object_new_array();
	char *text = NULL;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < q->nstrings; i++)
		if (json_object_array_add(arr,
				json_object_new_string(q->strings[i])))
			goto out;
	text = strdup(json_object_to_json_string_ext(arr,
			JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(arr);
	return text;
}

#define M2MD_DISCOVER_BASE \
	"SELECT " M2MD_RES_META " FROM resources r WHERE " \
	"r.path >= ?2 AND r.path < ?3 AND (?4 IS NULL OR EXISTS " \
	"(SELECT 1 FROM search_strings p WHERE p.seq = r.seq AND " \
	"p.value >= ?4 AND (?5 IS NULL OR p.value < ?5)))"

/*
 * A resource matches when it has every wanted string: grouping its
 * matching rows must give as many as there are distinct wanted strings.
 */
#define M2MD_DISCOVER_STRINGS \
	M2MD_DISCOVER_BASE " AND r.seq IN (SELECT s.seq FROM " \
	"search_strings s WHERE s.value IN (SELECT value FROM " \
	"json_each(?1)) GROUP BY s.seq HAVING count(*) = " \
	"(SELECT count(DISTINCT value) FROM json_each(?1)))"

struct m2md_discover_ctx {
	char base_lo[M2MD_RES_PATH_MAX + 1];
	char base_hi[M2MD_RES_PATH_MAX + 1];
	char prefix_hi[M2MD_RES_PATH_MAX];
	char *strings;
};

/* Bind q to stmt. The buffers of d must live until the reset. */
static int m2md_discover_bind(sqlite3_stmt *stmt,
			      const struct m2md_discover_q *q,
			      struct m2md_discover_ctx *d)
{
	const char *base = q->base ? q->base : "";
	size_t n = strlen(base);

	/* The paths below base are [base "/", base "0"), see res_delete. */
	while (n && base[n - 1] == '/')
		n--;
	if (n >= M2MD_RES_PATH_MAX)
		return -EINVAL;
	snprintf(d->base_lo, sizeof(d->base_lo), "%.*s/", (int)n, base);
	snprintf(d->base_hi, sizeof(d->base_hi), "%.*s0", (int)n, base);
	if (q->nstrings) {
		d->strings = m2md_strings_json(q);
		if (!d->strings)
			return -ENOMEM;
		sqlite3_bind_text(stmt, 1, d->strings, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(stmt, 2, d->base_lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, d->base_hi, -1, SQLITE_STATIC);
	if (!q->prefix || !q->prefix[0]) {
		sqlite3_bind_null(stmt, 4);
		sqlite3_bind_null(stmt, 5);
		return 0;
	}
	sqlite3_bind_text(stmt, 4, q->prefix, -1, SQLITE_STATIC);
	if (m2md_prefix_end(q->prefix, d->prefix_hi, sizeof(d->prefix_hi)))
		sqlite3_bind_text(stmt, 5, d->prefix_hi, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 5);
	return 0;
}

/* Call fn on the first max_size rows of stmt and count all of them. */
static int m2md_discover_rows(sqlite3 *db, sqlite3_stmt *stmt,
			      int64_t max_size, m2md_res_fn fn, void *ctx,
			      int64_t *matches)
{
	struct m2md_resource res;
	bool calling = true;
	int rc, ret = 0;

	*matches = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		++*matches;
		if (!calling || (max_size > 0 && *matches > max_size))
			continue;
		ret = m2md_res_row(stmt, false, &res);
		if (!ret)
			ret = fn(&res, ctx);
		m2md_resource_free(&res);
		if (ret < 0)
			break;
		calling = !ret;
		ret = 0;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = m2md_db_fail(db, "discovery");
	return ret;
}

int m2md_store_discover(struct m2md_store *st, const struct m2md_discover_q *q,
			m2md_res_fn fn, void *ctx, int64_t *matches)
{
	struct m2md_discover_ctx d = { .strings = NULL };
	struct m2md_conn *c;
	sqlite3_stmt *stmt;
	int64_t count = 0;
	int ret;

	c = m2md_reader_get(st);
	if (!c)
		return -EIO;
	if (q->nstrings)
		stmt = m2md_stmt(c, M2MD_R_DISCOVER_STRINGS,
				 M2MD_DISCOVER_STRINGS " ORDER BY r.path");
	else
		stmt = m2md_stmt(c, M2MD_R_DISCOVER,
				 M2MD_DISCOVER_BASE " ORDER BY r.path");
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	ret = m2md_discover_bind(stmt, q, &d);
	if (!ret)
		ret = m2md_discover_rows(c->db, stmt, q->max_size, fn, ctx,
					 &count);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	m2md_reader_put(st, c);
	free(d.strings);
	if (matches)
		*matches = count;
	return ret;
}

/* Bits of the ci_query variant: which conditions its WHERE clause has. */
enum {
	M2MD_CIQ_AFTER = 1 << 0,
	M2MD_CIQ_BEFORE = 1 << 1,
	M2MD_CIQ_CTYPE = 1 << 2,
	M2MD_CIQ_FROM = 1 << 3,
	M2MD_CIQ_UNTIL = 1 << 4,
	M2MD_CIQ_DATA = 1 << 5,
};

static unsigned int m2md_ciq_mask(const struct m2md_ci_filter *f)
{
	unsigned int mask = 0;

	if (f->created_after)
		mask |= M2MD_CIQ_AFTER;
	if (f->created_before)
		mask |= M2MD_CIQ_BEFORE;
	if (f->content_type && f->content_type[0])
		mask |= M2MD_CIQ_CTYPE;
	if (f->size_from)
		mask |= M2MD_CIQ_FROM;
	if (f->size_until)
		mask |= M2MD_CIQ_UNTIL;
	if (f->with_data)
		mask |= M2MD_CIQ_DATA;
	return mask;
}

/*
 * The SQL of a variant. Parameters keep their numbers in every variant
 * (?1 parent ... ?7 limit), so binding does not depend on the mask.
 */
static void m2md_ciq_sql(unsigned int mask, char *sql, size_t size)
{
	snprintf(sql, size,
		 "SELECT %s FROM resources WHERE parent = ?1 AND "
		 "type = 'contentInstance'%s%s%s%s%s ORDER BY seq LIMIT ?7",
		 mask & M2MD_CIQ_DATA ? M2MD_RES_DATA : M2MD_RES_META,
		 mask & M2MD_CIQ_AFTER ? " AND created > ?2" : "",
		 mask & M2MD_CIQ_BEFORE ? " AND created < ?3" : "",
		 mask & M2MD_CIQ_CTYPE ? " AND content_type = ?4" : "",
		 mask & M2MD_CIQ_FROM ? " AND size >= ?5" : "",
		 mask & M2MD_CIQ_UNTIL ? " AND size < ?6" : "");
}

int m2md_store_ci_query(struct m2md_store *st, const char *parent,
			const struct m2md_ci_filter *f, m2md_res_fn fn,
			void *ctx)
{
	static const struct m2md_ci_filter none;
	unsigned int mask;
	struct m2md_conn *c;
	sqlite3_stmt *stmt;
	char sql[512];
	int ret;

	if (!f)
		f = &none;
	mask = m2md_ciq_mask(f);
	c = m2md_reader_get(st);
	if (!c)
		return -EIO;
	stmt = c->stmt[M2MD_STMT_FIXED + mask];
	if (!stmt) {
		m2md_ciq_sql(mask, sql, sizeof(sql));
		stmt = m2md_stmt(c, M2MD_STMT_FIXED + mask, sql);
	}
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, f->created_after);
	sqlite3_bind_int64(stmt, 3, f->created_before);
	if (mask & M2MD_CIQ_CTYPE)
		sqlite3_bind_text(stmt, 4, f->content_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, f->size_from);
	sqlite3_bind_int64(stmt, 6, f->size_until);
	sqlite3_bind_int64(stmt, 7, f->limit > 0 ? f->limit : -1);
	ret = m2md_res_each(c->db, stmt, f->with_data, fn, ctx);
	sqlite3_clear_bindings(stmt);
	m2md_reader_put(st, c);
	return ret;
}

/* Append a copy of value to the NULL-terminated *v of *n strings. */
static int m2md_strv_push(char ***v, size_t *n, const char *value)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(**v));

	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n] = strdup(value);
	if (!grown[*n])
		return -ENOMEM;
	grown[++*n] = NULL;
	return 0;
}

int m2md_store_res_search(struct m2md_store *st, const char *path,
			  char ***out)
{
	struct m2md_conn *c = m2md_reader_get(st);
	const unsigned char *value;
	char **v = NULL;
	sqlite3_stmt *stmt;
	int rc, ret = -ENOENT;
	size_t n = 0;

	if (!c)
		return -EIO;
	/* One row with a NULL value when the resource has no strings. */
	stmt = m2md_stmt(c, M2MD_R_SEARCH, "SELECT s.value FROM resources r "
			 "LEFT JOIN search_strings s ON s.seq = r.seq "
			 "WHERE r.path = ?1 ORDER BY s.rowid");
	if (!stmt) {
		m2md_reader_put(st, c);
		return -EIO;
	}
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		value = sqlite3_column_text(stmt, 0);
		ret = value ? m2md_strv_push(&v, &n, (const char *)value) : 0;
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = m2md_db_fail(c->db, "searchStrings lookup");
	sqlite3_reset(stmt);
	m2md_reader_put(st, c);
	if (!ret && !v)
		v = calloc(1, sizeof(*v));
	if (!ret && !v)
		ret = -ENOMEM;
	if (ret) {
		m2md_strv_free(v);
		return ret;
	}
	*out = v;
	return 0;
}

void m2md_strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}
