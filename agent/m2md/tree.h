/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ETSI M2M resource tree, generic over resource types. Every
 * resource is a row of the store's resource table (path, type, parent,
 * representation, times). A type table lists the sub-collections of each
 * type and the type that a POST to a collection creates. GET renders any
 * resource as ETSI XML, or JSON when Accept asks for it.
 */
#ifndef M2MD_TREE_H
#define M2MD_TREE_H

#include <stdbool.h>

#include "http.h"
#include "store.h"

struct m2md_tree;
struct m2md_auth;
struct m2md_notify;

#include "acl.h"

/* Policy of one role, called around creations. */
struct m2md_tree_ops {
	/*
	 * Decide whether a resource of type may be created with name under
	 * the collection at parent by who. Returns 0, or fills reply with a
	 * problem and returns -1. Called after the access rights allowed it.
	 */
	int (*authorize)(struct m2md_tree *tree, const char *parent,
			 const char *type, const char *name,
			 const struct m2md_request *req,
			 struct m2md_reply *reply);
	/*
	 * Called after a resource was created and before the reply is sent.
	 * It may change reply (an error from forwarding, for example).
	 */
	void (*created)(struct m2md_tree *tree,
			const struct m2md_resource *res,
			const struct m2md_request *req,
			struct m2md_reply *reply);
	void *ctx;
};

struct m2md_tree {
	struct m2md_store *store;
	char root[64];			/* "/nscl" or "/gscl" */
	char scl_id[256];		/* this SCL's own id */
	const char *const *root_subs;	/* collections of the sclBase */
	struct m2md_tree_ops ops;
	struct m2md_auth *auth;		/* NULL: every request is admin
					 * (unit tests only) */
	struct m2md_notify *notify;	/* NULL: no notifications */
};

/* Longest request path (414 beyond) and query parameter value (400). */
#define M2MD_TREE_PATH_MAX	512
#define M2MD_TREE_ARG_MAX	256

/* True for a resource name: 1 to 255 of [A-Za-z0-9._~-], not . or .. */
bool m2md_name_valid(const char *name);

/*
 * Set up a tree at root (for example "/nscl") with the sclBase's
 * sub-collections (NULL-terminated), creating the rows that are missing.
 */
int m2md_tree_init(struct m2md_tree *tree, struct m2md_store *store,
		   const char *root, const char *const *root_subs,
		   const struct m2md_tree_ops *ops);

/*
 * Route handler for root and everything under it; ctx is the tree.
 * Authenticates the request (tree->auth), then m2md_tree_dispatch().
 */
void m2md_tree_handle(void *ctx, const struct m2md_request *req,
		      struct m2md_reply *reply);

/* Handle req on behalf of who (group fan-out calls this for members). */
void m2md_tree_dispatch(struct m2md_tree *tree, const struct m2md_request *req,
			const struct m2md_principal *who,
			struct m2md_reply *reply);

/*
 * Delete the resource at path and its subtree as the SCL itself, and tell
 * the notification engine (the expiry sweeper uses this). Returns 0 or a
 * negative errno.
 */
int m2md_tree_delete(struct m2md_tree *tree, const char *path);

/*
 * The default maxNrOfInstances of a container that sets none, so that
 * neither the database nor the representation of the collection grows
 * without bound.
 */
#define M2MD_INSTANCES_MAX	100

/* ETSI statusCode name of an HTTP status ("STATUS_NOT_FOUND", ...). */
const char *m2md_etsi_status(unsigned int http_status);
/*
 * Fill reply with an <errorInfo> (XML, or JSON when req asks for it) of
 * status with info as additionalInfo.
 */
void m2md_reply_error(const struct m2md_request *req,
		      struct m2md_reply *reply, unsigned int status,
		      const char *info);

/*
 * Create a resource of type with name under the collection parent, with
 * its sub-collections, in one transaction. data is the representation
 * (stored attributes, or the content of a contentInstance). On success
 * fills res (without data) when res is not NULL.
 */
int m2md_tree_create(struct m2md_tree *tree, const char *parent,
		     const char *type, const char *name, const void *data,
		     size_t len, const char *content_type,
		     struct m2md_resource *res);

/*
 * Render the resource at path (with its children) as an XML document;
 * returns NULL when it does not exist. For the tests and for callers
 * that need the document itself.
 */
void *m2md_tree_render(struct m2md_tree *tree, const char *path);

/*
 * Write the smallest XML body that creates a resource of type (scl,
 * application or container) named name, as the gateway sends it to the
 * NSCL. Returns 0 with malloc'ed text in out, or a negative errno.
 */
int m2md_tree_create_body(const char *type, const char *name, char **out,
			  size_t *len);

#endif /* M2MD_TREE_H */
