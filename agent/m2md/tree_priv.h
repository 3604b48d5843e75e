/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the resource tree shared by tree.c (entry points and
 * creation), tree_path.c (what a request path names), tree_get.c
 * (retrieve and render), tree_post.c (create), tree_write.c (update and
 * delete) and tree_query.c (query parameters).
 */
#ifndef M2MD_TREE_PRIV_H
#define M2MD_TREE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "acl.h"
#include "notify.h"
#include "repr.h"
#include "rtype.h"
#include "tree.h"

#define M2MD_OCTET_STREAM	"application/octet-stream"

/* Kind of resource that a request path names. */
enum m2md_target_kind {
	M2MD_TARGET_ROW,	/* a stored resource */
	M2MD_TARGET_LATEST,	/* <contentInstances>/latest */
	M2MD_TARGET_OLDEST,	/* <contentInstances>/oldest */
	M2MD_TARGET_CONTENT,	/* <instance, latest or oldest>/content */
	M2MD_TARGET_DISCOVERY,	/* <sclBase>/discovery */
	M2MD_TARGET_MEMBERS,	/* <group>/membersContent[/...] */
	M2MD_TARGET_LONG_POLL,	/* <notificationChannel>/longPolling */
};

/* Last segment of a notificationChannel's longPollingURI. */
#define M2MD_LONG_POLL_NAME	"longPolling"

struct m2md_target {
	enum m2md_target_kind kind;
	/*
	 * The stored resource: the row itself, the instance that latest,
	 * oldest or content names, or the resource that discovery,
	 * membersContent or longPolling hangs off.
	 */
	struct m2md_resource res;
	const struct m2md_rtype *type;	/* of res */
	const char *rest;		/* MEMBERS: path below membersContent */
	/* Limits of the container that res is in or is, if any. */
	bool in_container;
	struct m2md_ci_limits limits;
};

/*
 * Resolve path (normalized, under tree->root) into t. Returns 0, or the
 * HTTP status (404, 500) with a reason in why. On success the caller
 * frees t with m2md_target_free().
 */
unsigned int m2md_tree_resolve(struct m2md_tree *tree, const char *path,
			       int64_t now, struct m2md_target *t, char *why,
			       size_t len);
void m2md_target_free(struct m2md_target *t);
/* Read the limits of a container from its stored attributes. */
void m2md_container_limits(const struct m2md_resource *container,
			   struct m2md_ci_limits *lim);
/* True when a contentInstance created at created has outlived lim. */
bool m2md_ci_too_old(const struct m2md_ci_limits *lim, int64_t created,
		     int64_t now);

/*
 * The oldest contentInstance of collection coll that f admits, with its
 * content. Returns 0, -ENOENT or another negative errno.
 */
int m2md_tree_ci_first(struct m2md_tree *tree, const char *coll,
		       const struct m2md_ci_filter *f,
		       struct m2md_resource *out);

/*
 * Cached replies to plain GETs (tree_cache.c). usable: req is such a
 * GET. find: fill reply from a current cached reply for path. put: cache
 * reply, computed from reads begun at store generation, until the Unix
 * time until (0 = no end).
 */
bool m2md_cache_usable(const struct m2md_request *req);
bool m2md_cache_find(struct m2md_tree *tree, const struct m2md_request *req,
		     const struct m2md_principal *who, const char *path,
		     int64_t now, struct m2md_reply *reply);
void m2md_cache_put(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, const char *path,
		    uint64_t generation, int64_t until,
		    const struct m2md_reply *reply);

/* Sub-collections of a resource of type (the sclBase's are the tree's). */
const char *const *m2md_tree_subs(struct m2md_tree *tree,
				  const struct m2md_rtype *type);

/*
 * Check who's right perm on path (name: CREATE only). Returns 0, or
 * fills reply (403, or 500 on a database error) and returns -1.
 */
int m2md_tree_allow(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, const char *path,
		    const char *name, enum m2md_perm perm,
		    struct m2md_reply *reply);

/* Reply with status and a formatted additionalInfo. */
void m2md_tree_fail(const struct m2md_request *req, struct m2md_reply *reply,
		    unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 405 with the Allow header for methods. */
void m2md_tree_not_allowed(const struct m2md_request *req,
			   struct m2md_reply *reply, unsigned int methods,
			   const char *what);
/* Methods that the resource t takes, for an Allow header. */
unsigned int m2md_target_methods(const struct m2md_target *t);
/*
 * Fill the row of a new resource name of type under parent, created and
 * modified at now. Returns 0 or -ENAMETOOLONG.
 */
int m2md_tree_fill_row(struct m2md_resource *r, const char *parent,
		       const char *type, const char *name, int64_t now);
/*
 * Check rules between attributes of a resource of type that the parser
 * cannot see alone (a group's members against its maxNrOfMembers).
 * Returns 0, or -1 with the reason in why.
 */
int m2md_tree_check_attrs(const struct m2md_rtype *type,
			  struct json_object *attrs, char *why, size_t len);
/* Tell the notification engine about a committed change. */
void m2md_tree_changed(struct m2md_tree *tree, const struct m2md_resource *res,
		       enum m2md_change change);

/*
 * Serialize doc as XML, or JSON when req asks for it, into reply.
 * Returns 0 or -ENOMEM.
 */
int m2md_tree_reply_doc(const struct m2md_request *req,
			struct m2md_reply *reply, unsigned int status,
			xmlDocPtr doc);
/* True when the reply should be JSON rather than XML. */
bool m2md_tree_wants_json(const struct m2md_request *req);
/* True when Accept admits XML or JSON (or is absent). */
bool m2md_tree_acceptable(const struct m2md_request *req);
/* Set ETag and Last-Modified of res on reply. */
void m2md_tree_validators(struct m2md_reply *reply,
			  const struct m2md_resource *res);
/*
 * Reply with status and the representation of the resource at res (as
 * stored), rendered as GET renders it without query parameters.
 */
void m2md_tree_reply_res(struct m2md_tree *tree,
			 const struct m2md_request *req,
			 struct m2md_reply *reply, unsigned int status,
			 const struct m2md_target *t);

void m2md_tree_get(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply);
void m2md_tree_post(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, struct m2md_target *t,
		    struct m2md_reply *reply);
void m2md_tree_put(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply);
void m2md_tree_del(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply);

/*
 * Store res (filled by the caller) with the rows of its sub-collections
 * in one transaction. Returns 0 or a negative errno.
 */
int m2md_tree_store_new(struct m2md_tree *tree, struct m2md_resource *res);

/* Query parameters. */
struct m2md_query {
	/* Conditional retrieval, from headers or parameters. */
	const char *if_none_match;
	int64_t if_modified_since;	/* 0 = none */
	bool metadata_only;
	struct m2md_ci_filter filter;
	bool has_filter;
	/* Discovery. */
	const char *strings[64];
	size_t nstrings;
	const char *prefix;
	int64_t max_size;
};

/* Parameter sets that a kind of GET accepts. */
enum m2md_query_set {
	M2MD_QUERY_COND = 1 << 0,	/* ifModifiedSince, ifNoneMatch */
	M2MD_QUERY_META = 1 << 1,	/* metaDataOnly */
	M2MD_QUERY_FILTER = 1 << 2,	/* contentInstance filter, maxSize */
	M2MD_QUERY_DISCOVERY = 1 << 3,	/* searchString, searchPrefix, maxSize */
};

/*
 * Parse the query parameters and conditional headers of req that sets
 * allows. Returns 0, or 400 with a reason in why that names the
 * parameter and its value.
 */
unsigned int m2md_query_parse(const struct m2md_request *req,
			      unsigned int sets, struct m2md_query *q,
			      char *why, size_t len);
/* Parse an HTTP-date (IMF-fixdate). Returns 0 or -EINVAL. */
int m2md_http_date_parse(const char *s, int64_t *out);
/* True when etag is in an If-None-Match list (or the list is "*"). */
bool m2md_etag_match(const char *list, const char *etag);

#endif /* M2MD_TREE_PRIV_H */
