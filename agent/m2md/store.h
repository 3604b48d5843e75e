/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2md's state database (SQLite in WAL mode, one transaction per change):
 * the network role's nodes, connections and pending handshakes, the
 * gateway role's identity, and the resource tree of both roles. Every
 * function is safe to call from several threads. Functions return 0 or a
 * negative errno: -ENOENT for a missing row, -EEXIST for a duplicate,
 * -EIO for a database error (logged with SQLite's message).
 */
#ifndef M2MD_STORE_H
#define M2MD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/m2msec.h>

#define M2MD_SCHEMA_VERSION	2
#define M2MD_DB_NAME		"m2md.db"
#define M2MD_TYPE_MAX		32
#define M2MD_RES_PATH_MAX	1024
#define M2MD_CTYPE_MAX		128

extern const char m2md_schema_sql[];

struct m2md_store;

/* A device known to the network role. */
struct m2md_node {
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	char bootstrap_id[M2MSEC_STR_MAX + 1];	/* empty when unknown */
	char scl_id[M2MSEC_STR_MAX + 1];
	uint32_t kmr_index;
	uint32_t kmc_index;
	char key_id[2 * M2MSEC_KEY_ID_LEN + 1];	/* empty when unknown */
	int32_t key_serial;
	int64_t expiry;				/* Unix time, 0 = none */
};

/* RESP fields chosen for an INIT, kept until its FINISH. */
struct m2md_pending {
	uint32_t index_r;
	uint8_t mode;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	char scl_id[M2MSEC_STR_MAX + 1];
	uint32_t key_index;
	uint32_t lifetime;
	uint64_t conn_id;			/* connect mode only */
	int64_t created;
};

struct m2md_connection {
	uint64_t conn_id;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	char scl_id[M2MSEC_STR_MAX + 1];
	uint32_t kmc_index;
	char key_id[2 * M2MSEC_KEY_ID_LEN + 1];
	int32_t key_serial;
	int64_t expiry;
};

/* One node of the resource tree. data is malloc'ed by the getters. */
struct m2md_resource {
	int64_t seq;
	char path[M2MD_RES_PATH_MAX];
	char type[M2MD_TYPE_MAX];
	char parent[M2MD_RES_PATH_MAX];		/* empty for a root */
	char name[M2MSEC_STR_MAX + 1];
	unsigned char *data;
	size_t len;
	char content_type[M2MD_CTYPE_MAX];
	int64_t created;
	int64_t modified;
	/* Columns added with schema version 2. */
	int64_t expires;			/* Unix time, 0 = never */
	char acl[M2MD_RES_PATH_MAX];		/* accessRightID, "" = none */
	int64_t version;			/* bumped by every change */
	char **search;				/* searchStrings on create and
						 * update, NULL-terminated;
						 * not filled by getters */
};

/* Limits of a container, applied when a contentInstance is added. */
struct m2md_ci_limits {
	int64_t max_instances;			/* 0 = no limit */
	int64_t max_bytes;			/* 0 = no limit */
	int64_t max_age;			/* seconds, 0 = no limit */
};

/* Filter of contentInstances (ETSI filterCriteria). 0/NULL = unset. */
struct m2md_ci_filter {
	int64_t created_after;			/* exclusive, Unix time */
	int64_t created_before;			/* exclusive */
	const char *content_type;		/* exact media type */
	int64_t size_from;			/* inclusive, bytes */
	int64_t size_until;			/* exclusive */
	int64_t limit;				/* at most this many, 0 = all */
	bool with_data;				/* load the content too */
};

/* Discovery query: resources under base whose searchStrings match. */
struct m2md_discover_q {
	const char *base;			/* path searched below */
	const char *const *strings;		/* each must be present */
	size_t nstrings;
	const char *prefix;			/* a searchString starts with
						 * it; NULL = any */
	int64_t max_size;			/* 0 = no limit */
};

int m2md_store_open(const char *dir, struct m2md_store **out,
		    char *err, size_t errlen);
void m2md_store_close(struct m2md_store *st);
/*
 * A read transaction for the calling thread: until read_end, the reads
 * of this thread see one snapshot on one connection instead of opening
 * a transaction per call. A write of the thread ends the snapshot, so
 * that its later reads see the write. Calls nest. Hold it only for a
 * short request: a long one keeps the log from being checkpointed.
 */
void m2md_store_read_begin(struct m2md_store *st);
void m2md_store_read_end(struct m2md_store *st);
/*
 * The earliest expirationTime (Unix time) of the rows read in this
 * thread's read transaction so far, 0 when none has one.
 */
int64_t m2md_store_read_until(struct m2md_store *st);
/*
 * A number that changes after every commit, once the commit is visible
 * to reads. A result computed from reads made after taking it is still
 * current while it has not changed.
 */
uint64_t m2md_store_generation(struct m2md_store *st);
/* Current journal mode, for the tests ("wal" expected). */
int m2md_store_journal_mode(struct m2md_store *st, char *buf, size_t len);

/* Find the node of a bootstrap id. */
int m2md_store_node_find_boot(struct m2md_store *st, const char *bootstrap_id,
			      struct m2md_node *out);
/*
 * Insert a node or update its scl id and indexes. An index never goes
 * down: the larger of the stored and the given value is kept. Returns
 * -EEXIST when the bootstrap id belongs to another node.
 */
int m2md_store_node_put(struct m2md_store *st, const struct m2md_node *node);
int m2md_store_node_get(struct m2md_store *st,
			const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			struct m2md_node *out);
/* Record the Kmr that a bootstrap FINISH installed. */
int m2md_store_node_set_key(struct m2md_store *st,
			    const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			    const char *key_id, int32_t key_serial,
			    int64_t expiry);

/* Remember a pending handshake; drops those older than max_age_s. */
int m2md_store_pending_put(struct m2md_store *st,
			   const struct m2md_pending *p, int64_t max_age_s);
int m2md_store_pending_get(struct m2md_store *st, uint32_t index_r,
			   struct m2md_pending *out);

/* Insert or replace (a repeated FINISH) a connection. */
int m2md_store_connection_put(struct m2md_store *st,
			      const struct m2md_connection *c);
/*
 * 1 when scl_id has a connection that expires after now, of a node id
 * whose last 8 bytes are iid (the interface id of its tunnel address),
 * else 0.
 */
int m2md_store_connection_current_iid(struct m2md_store *st,
				      const char *scl_id, const uint8_t iid[8],
				      int64_t now);
/* 1 when scl_id has a connection that expires after now, else 0. */
int m2md_store_connection_current(struct m2md_store *st, const char *scl_id,
				  int64_t now);

/* Gateway role state, as key and value strings. */
int m2md_store_kv_get(struct m2md_store *st, const char *key, char *buf,
		      size_t len);
/* Set n pairs (keys[i], values[i]) in one transaction. */
int m2md_store_kv_set(struct m2md_store *st, const char *const *keys,
		      const char *const *values, size_t n);
int m2md_store_kv_delete(struct m2md_store *st, const char *key);

/* Resource tree. */
int m2md_store_res_get(struct m2md_store *st, const char *path,
		       struct m2md_resource *out);
/* Create n resources in one transaction; -EEXIST if any path exists. */
int m2md_store_res_create(struct m2md_store *st,
			  const struct m2md_resource *res, size_t n);
typedef int (*m2md_res_fn)(const struct m2md_resource *res, void *ctx);
/*
 * Call fn for each child of parent in creation order, with data loaded
 * only when with_data is set. Stops early when fn returns nonzero.
 */
int m2md_store_res_children(struct m2md_store *st, const char *parent,
			    bool with_data, m2md_res_fn fn, void *ctx);
/* The newest (last = true) or oldest child of parent. */
int m2md_store_res_edge(struct m2md_store *st, const char *parent, bool last,
			struct m2md_resource *out);
/* Number of children and the sum of their data sizes. */
int m2md_store_res_stats(struct m2md_store *st, const char *parent,
			 int64_t *count, int64_t *bytes);
/*
 * Delete the oldest children of parent until keep are left. For
 * collections whose children have no children of their own. Returns 0 or
 * -EIO.
 */
int m2md_store_res_trim(struct m2md_store *st, const char *parent,
			int64_t keep);
/*
 * Add a contentInstance under the contentInstances collection ci->parent
 * and, in the same transaction, delete the oldest instances until lim
 * holds (count, then bytes) and those older than max_age. Also bumps the
 * collection's modified time and version. The call returns after the
 * transaction is durable (synchronous=FULL); concurrent calls from
 * several threads share one commit. *trimmed (may be NULL) receives how
 * many instances were deleted.
 */
int m2md_store_ci_add(struct m2md_store *st, const struct m2md_resource *ci,
		      const struct m2md_ci_limits *lim, int64_t *trimmed);
/*
 * Replace the stored attributes, expiry, accessRightID and (when
 * res->search is not NULL) the searchStrings of the resource at
 * res->path; sets modified to res->modified and bumps version. -ENOENT
 * when it does not exist.
 */
int m2md_store_res_update(struct m2md_store *st,
			  const struct m2md_resource *res);
/*
 * Delete the resource at path and everything below it in one transaction
 * and bump its parent's modified time and version. Returns the number of
 * rows deleted (>= 1) or -ENOENT or -EIO.
 */
int m2md_store_res_delete(struct m2md_store *st, const char *path,
			  int64_t now);
/* Bump modified and version of path (a child changed). */
int m2md_store_res_touch(struct m2md_store *st, const char *path,
			 int64_t now);
/*
 * Call fn for up to max resources whose expirationTime is at or before
 * now, oldest expiry first (without data). For the expiry sweeper.
 */
int m2md_store_res_expired(struct m2md_store *st, int64_t now, size_t max,
			   m2md_res_fn fn, void *ctx);
/*
 * Call fn for each match of q in path order (without data) and set
 * *matches to the total number of matches, which may exceed max_size.
 */
int m2md_store_discover(struct m2md_store *st, const struct m2md_discover_q *q,
			m2md_res_fn fn, void *ctx, int64_t *matches);
/* Call fn for each contentInstance of parent matching f, oldest first. */
int m2md_store_ci_query(struct m2md_store *st, const char *parent,
			const struct m2md_ci_filter *f, m2md_res_fn fn,
			void *ctx);
/* searchStrings of path, as a NULL-terminated malloc'ed array. */
int m2md_store_res_search(struct m2md_store *st, const char *path,
			  char ***out);
void m2md_strv_free(char **v);
void m2md_resource_free(struct m2md_resource *res);

#endif /* M2MD_STORE_H */
