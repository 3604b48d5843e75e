// SPDX-License-Identifier: GPL-2.0
/*
 * Resolution of a request path. The path is walked from the root one
 * segment at a time, so that an expired ancestor hides its subtree at
 * once, before the sweeper deletes it. The walk also learns the limits
 * of an enclosing container, and it recognizes the virtual resources
 * (latest, oldest, content, discovery, membersContent, longPolling)
 * only below the types that have them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tree_priv.h"

void m2md_target_free(struct m2md_target *t)
{
	m2md_resource_free(&t->res);
}

static int64_t m2md_attr_long(struct json_object *attrs, const char *name)
{
	struct json_object *v;

	if (!attrs || !json_object_object_get_ex(attrs, name, &v))
		return 0;
	return json_object_get_int64(v);
}

void m2md_container_limits(const struct m2md_resource *container,
			   struct m2md_ci_limits *lim)
{
	struct json_object *attrs = m2md_repr_attrs(container);

	lim->max_instances = m2md_attr_long(attrs, "maxNrOfInstances");
	if (lim->max_instances <= 0)
		lim->max_instances = M2MD_INSTANCES_MAX;
	lim->max_bytes = m2md_attr_long(attrs, "maxByteSize");
	lim->max_age = m2md_attr_long(attrs, "maxInstanceAge");
	json_object_put(attrs);
}

bool m2md_ci_too_old(const struct m2md_ci_limits *lim, int64_t created,
		     int64_t now)
{
	return lim->max_age > 0 && created + lim->max_age <= now;
}

static bool m2md_is_container(const char *type)
{
	return !strcmp(type, "container") ||
	       !strcmp(type, "locationContainer");
}

/* Load the row at path into t->res, checking its expiry. */
static unsigned int m2md_walk_row(struct m2md_tree *tree, const char *path,
				  int64_t now, struct m2md_target *t,
				  char *why, size_t len)
{
	int ret;

	m2md_resource_free(&t->res);
	ret = m2md_store_res_get(tree->store, path, &t->res);
	if (ret == -ENOENT) {
		snprintf(why, len, "no resource at %s", path);
		return 404;
	}
	if (ret) {
		snprintf(why, len, "cannot read %s from the database", path);
		return 500;
	}
	if (t->res.expires && t->res.expires <= now) {
		snprintf(why, len, "%s expired", path);
		return 404;
	}
	t->type = m2md_rtype_find(t->res.type);
	if (!t->type) {
		snprintf(why, len, "%s has the unknown type '%s'", path,
			 t->res.type);
		return 500;
	}
	if (m2md_is_container(t->res.type)) {
		t->in_container = true;
		m2md_container_limits(&t->res, &t->limits);
	}
	if (!strcmp(t->res.type, "contentInstance") && t->in_container &&
	    m2md_ci_too_old(&t->limits, t->res.created, now)) {
		snprintf(why, len, "%s is older than maxInstanceAge", path);
		return 404;
	}
	return 0;
}

struct m2md_first_ctx {
	struct m2md_resource *out;
	int ret;
};

static int m2md_copy_first(const struct m2md_resource *res, void *ctx)
{
	struct m2md_first_ctx *fc = ctx;

	*fc->out = *res;
	fc->out->search = NULL;
	fc->out->data = NULL;
	if (res->data && res->len) {
		fc->out->data = malloc(res->len);
		if (!fc->out->data) {
			fc->ret = -ENOMEM;
			return 1;
		}
		memcpy(fc->out->data, res->data, res->len);
	}
	fc->ret = 0;
	return 1;
}

int m2md_tree_ci_first(struct m2md_tree *tree, const char *coll,
		       const struct m2md_ci_filter *f,
		       struct m2md_resource *out)
{
	struct m2md_first_ctx fc = { .out = out, .ret = -ENOENT };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = m2md_store_ci_query(tree->store, coll, f, m2md_copy_first, &fc);
	if (ret < 0) {
		m2md_resource_free(out);
		return ret;
	}
	return fc.ret;
}

/* latest or oldest contentInstance of the collection coll. */
static unsigned int m2md_walk_edge(struct m2md_tree *tree, const char *coll,
				   bool last, int64_t now,
				   struct m2md_target *t, char *why, size_t len)
{
	struct m2md_ci_filter f = { .limit = 1, .with_data = true };
	struct m2md_resource edge = { 0 };
	int ret;

	if (t->in_container && t->limits.max_age > 0)
		f.created_after = now - t->limits.max_age;
	/*
	 * The collection also has its subscriptions row as a child, so the
	 * newest child is checked for its type. The oldest comes from the
	 * filtered query, which lists contentInstances only.
	 */
	if (last) {
		ret = m2md_store_res_edge(tree->store, coll, true, &edge);
		if (!ret && (strcmp(edge.type, "contentInstance") ||
			     (t->in_container &&
			      m2md_ci_too_old(&t->limits, edge.created, now)))) {
			m2md_resource_free(&edge);
			ret = -ENOENT;
		}
	} else {
		ret = m2md_tree_ci_first(tree, coll, &f, &edge);
	}
	if (ret == -ENOENT) {
		snprintf(why, len, "%s has no contentInstance", coll);
		return 404;
	}
	if (ret) {
		snprintf(why, len, "cannot read %s from the database", coll);
		return 500;
	}
	m2md_resource_free(&t->res);
	t->res = edge;
	t->type = m2md_rtype_find("contentInstance");
	return 0;
}

/*
 * Handle segment seg below cur (next is the rest of the path after it,
 * or NULL) when it names a virtual resource. Returns 1 when the walk is
 * over (the status in *status), 0 when seg is stored.
 */
static int m2md_walk_virtual(struct m2md_tree *tree, const char *cur,
			     const char *seg, const char *next, int64_t now,
			     struct m2md_target *t, unsigned int *status,
			     char *why, size_t len)
{
	const char *type = t->type->name;

	*status = 0;
	if (!strcmp(type, "contentInstances") &&
	    (!strcmp(seg, "latest") || !strcmp(seg, "oldest"))) {
		if (next && strcmp(next, "content")) {
			snprintf(why, len, "no resource at %s/%s/%s", cur, seg,
				 next);
			*status = 404;
			return 1;
		}
		t->kind = seg[0] == 'l' ? M2MD_TARGET_LATEST :
			  M2MD_TARGET_OLDEST;
		*status = m2md_walk_edge(tree, cur,
					 t->kind == M2MD_TARGET_LATEST, now, t,
					 why, len);
		if (!*status && next)
			t->kind = M2MD_TARGET_CONTENT;
		return 1;
	}
	if (!strcmp(type, "contentInstance") && !strcmp(seg, "content") &&
	    !next)
		t->kind = M2MD_TARGET_CONTENT;
	else if (!strcmp(type, "sclBase") && !strcmp(seg, "discovery") &&
		 !next)
		t->kind = M2MD_TARGET_DISCOVERY;
	else if (!strcmp(type, "group") && !strcmp(seg, "membersContent"))
		t->kind = M2MD_TARGET_MEMBERS;
	else if (!strcmp(type, "notificationChannel") &&
		 !strcmp(seg, M2MD_LONG_POLL_NAME) && !next)
		t->kind = M2MD_TARGET_LONG_POLL;
	else
		return 0;
	t->rest = next ? next - 1 : "";
	/* The resource they hang off; the sclBase is not read on the way. */
	if (strcmp(t->res.path, cur))
		*status = m2md_walk_row(tree, cur, now, t, why, len);
	return 1;
}

static bool m2md_is_sub(const struct m2md_rtype *type, const char *name)
{
	const char *const *subs;

	for (subs = type->subs; subs && *subs; subs++)
		if (!strcmp(*subs, name))
			return true;
	return false;
}

/*
 * Step from cur (of type t->type) to seg. Sub-collections always exist
 * with the resource that has them, so only the rows of resources are
 * read on the way: that checks their expiry and the limits of a
 * container at the cost of one query each.
 */
static unsigned int m2md_walk_step(struct m2md_tree *tree, const char *cur,
				   const char *seg, int64_t now,
				   struct m2md_target *t, char *why,
				   size_t len)
{
	const struct m2md_rtype *sub;

	if (m2md_is_sub(t->type, seg)) {
		sub = m2md_rtype_find(seg);
		if (sub && !sub->virtual_res) {
			t->type = sub;
			return 0;
		}
	} else if (t->type->child) {
		return m2md_walk_row(tree, cur, now, t, why, len);
	}
	snprintf(why, len, "no resource at %s", cur);
	return 404;
}

unsigned int m2md_tree_resolve(struct m2md_tree *tree, const char *path,
			       int64_t now, struct m2md_target *t, char *why,
			       size_t len)
{
	size_t rlen = strlen(tree->root);
	char cur[M2MD_RES_PATH_MAX], seg[M2MD_RES_PATH_MAX];
	const char *p, *slash, *next;
	unsigned int status = 0;
	size_t used;

	memset(t, 0, sizeof(*t));
	if (strncmp(path, tree->root, rlen) ||
	    (path[rlen] && path[rlen] != '/')) {
		snprintf(why, len, "no resource at %s", path);
		return 404;
	}
	used = snprintf(cur, sizeof(cur), "%s", tree->root);
	t->type = m2md_rtype_find("sclBase");
	for (p = path + rlen; *p == '/'; p = slash) {
		p++;
		slash = strchr(p, '/');
		if (!slash)
			slash = p + strlen(p);
		snprintf(seg, sizeof(seg), "%.*s", (int)(slash - p), p);
		next = *slash ? slash + 1 : NULL;
		if (m2md_walk_virtual(tree, cur, seg, next, now, t, &status,
				      why, len))
			goto out;
		used += snprintf(cur + used, sizeof(cur) - used, "/%s", seg);
		status = m2md_walk_step(tree, cur, seg, now, t, why, len);
		if (status)
			goto out;
	}
	/* A collection or the sclBase: read the row itself. */
	if (strcmp(t->res.path, cur))
		status = m2md_walk_row(tree, cur, now, t, why, len);
out:
	if (status)
		m2md_target_free(t);
	return status;
}
