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

/* Policy of one role, called around creations. */
struct m2md_tree_ops {
	/*
	 * Decide whether a resource of type may be created with name under
	 * the collection at parent by the request req. Returns 0, or fills
	 * reply with a problem and returns -1.
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
	const char *const *root_subs;	/* collections of the sclBase */
	struct m2md_tree_ops ops;
};

/* True for a resource name: 1 to 255 of [A-Za-z0-9._~-], not . or .. */
bool m2md_name_valid(const char *name);

/*
 * Set up a tree at root (for example "/nscl") with the sclBase's
 * sub-collections (NULL-terminated), creating the rows that are missing.
 */
int m2md_tree_init(struct m2md_tree *tree, struct m2md_store *store,
		   const char *root, const char *const *root_subs,
		   const struct m2md_tree_ops *ops);

/* Route handler for root and everything under it; ctx is the tree. */
void m2md_tree_handle(void *ctx, const struct m2md_request *req,
		      struct m2md_reply *reply);

/*
 * contentInstances kept per container (ETSI maxNrOfInstances): a new one
 * beyond this deletes the oldest, so that neither the database nor the
 * representation of the collection, which contains every instance, grows
 * without bound.
 */
#define M2MD_INSTANCES_MAX	100

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
