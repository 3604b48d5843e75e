// SPDX-License-Identifier: GPL-2.0
/*
 * RETRIEVE: representations of stored and virtual resources, conditional
 * requests, contentInstance filters and discovery.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "notify.h"
#include "tree_priv.h"
#include "xml.h"

bool m2md_tree_acceptable(const struct m2md_request *req)
{
	static const char *const ok[] = {
		"*/*", "application/*", "text/*", "xml", "application/json",
	};
	size_t i;

	if (!req->accept || !req->accept[0])
		return true;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasestr(req->accept, ok[i]))
			return true;
	return false;
}

void m2md_tree_validators(struct m2md_reply *reply,
			  const struct m2md_resource *res)
{
	snprintf(reply->etag, sizeof(reply->etag), "\"%" PRId64 "-%" PRId64 "\"",
		 res->seq, res->version);
	reply->last_modified = res->modified;
}

/* Children of a collection, copied out of the store's callback. */
struct m2md_list {
	struct m2md_resource *v;
	size_t n, cap;
	int err;
	const struct m2md_rtype *coll;	/* keep only types it may hold */
	/* Totals for a contentInstances collection. */
	int64_t count, bytes;
	struct m2md_resource first, last;
};

static void m2md_list_free(struct m2md_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		m2md_resource_free(&l->v[i]);
	free(l->v);
}

static int m2md_list_add(const struct m2md_resource *res, void *ctx)
{
	struct m2md_list *l = ctx;
	struct m2md_resource *grown, *r;

	if (l->coll && !m2md_rtype_may_hold(l->coll, res->type))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		grown = realloc(l->v, l->cap * sizeof(*grown));
		if (!grown) {
			l->err = -ENOMEM;
			return 1;
		}
		l->v = grown;
	}
	r = &l->v[l->n];
	*r = *res;
	r->search = NULL;
	r->data = NULL;
	if (res->data && res->len) {
		r->data = malloc(res->len);
		if (!r->data) {
			l->err = -ENOMEM;
			return 1;
		}
		memcpy(r->data, res->data, res->len);
	}
	l->n++;
	return 0;
}

/* Count every live instance and remember the first and the last. */
static int m2md_list_total(const struct m2md_resource *res, void *ctx)
{
	struct m2md_list *l = ctx;

	if (!l->count++) {
		l->first = *res;
		l->first.data = NULL;
		l->first.search = NULL;
	}
	l->last = *res;
	l->last.data = NULL;
	l->last.search = NULL;
	l->bytes += (int64_t)res->len;
	return 0;
}

/* Fill l with the instances of collection t->res that q admits. */
static int m2md_list_instances(struct m2md_tree *tree,
			       const struct m2md_target *t,
			       const struct m2md_query *q, int64_t now,
			       struct m2md_list *l)
{
	struct m2md_ci_filter all = { 0 }, f = q->filter;
	int ret;

	if (t->in_container && t->limits.max_age > 0)
		all.created_after = now - t->limits.max_age;
	ret = m2md_store_ci_query(tree->store, t->res.path, &all,
				  m2md_list_total, l);
	if (ret)
		return ret;
	if (f.created_after < all.created_after)
		f.created_after = all.created_after;
	f.limit = q->max_size;
	f.with_data = !q->metadata_only;
	ret = m2md_store_ci_query(tree->store, t->res.path, &f,
				  m2md_list_add, l);
	return ret ? ret : l->err;
}

static int m2md_list_children(struct m2md_tree *tree,
			      const struct m2md_target *t,
			      struct m2md_list *l)
{
	int ret;

	l->coll = t->type;
	ret = m2md_store_res_children(tree->store, t->res.path, false,
				      m2md_list_add, l);
	return ret ? ret : l->err;
}

/* Serialize the representation in r as XML or JSON into reply. */
static int m2md_reply_render(const struct m2md_request *req,
			     struct m2md_reply *reply, unsigned int status,
			     const struct m2md_render *r)
{
	bool json = m2md_tree_wants_json(req);
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = json ? m2md_repr_json(r, &text, &len) :
	      m2md_repr_xml_text(r, &text, &len);
	if (!ret)
		ret = m2md_reply_set(reply, status, json ? M2MD_JSON_TYPE :
				     M2MD_XML_TYPE, text, len);
	free(text);
	return ret;
}

/*
 * Fill r for t, with the children (or instances that q admits) in l.
 * Returns 0 or a negative errno; release with m2md_render_release().
 */
static int m2md_render_prepare(struct m2md_tree *tree,
			       const struct m2md_target *t,
			       const struct m2md_query *q,
			       struct m2md_render *r, struct m2md_list *l)
{
	int ret = 0;

	memset(r, 0, sizeof(*r));
	memset(l, 0, sizeof(*l));
	if (!strcmp(t->type->name, "contentInstances"))
		ret = m2md_list_instances(tree, t, q, time(NULL), l);
	else if (t->type->child)
		ret = m2md_list_children(tree, t, l);
	r->res = &t->res;
	r->type = t->type;
	r->subs = m2md_tree_subs(tree, t->type);
	r->metadata_only = q->metadata_only;
	r->attrs = m2md_repr_attrs(&t->res);
	r->children = l->v;
	r->nchildren = l->n;
	r->count = l->count;
	r->bytes = l->bytes;
	r->oldest = l->count ? &l->first : NULL;
	r->latest = l->count ? &l->last : NULL;
	return ret;
}

static void m2md_render_release(struct m2md_render *r, struct m2md_list *l)
{
	json_object_put(r->attrs);
	m2md_list_free(l);
}

static void m2md_render_target(struct m2md_tree *tree,
			       const struct m2md_request *req,
			       struct m2md_reply *reply, unsigned int status,
			       const struct m2md_target *t,
			       const struct m2md_query *q)
{
	struct m2md_render r;
	struct m2md_list l;
	int ret;

	ret = m2md_render_prepare(tree, t, q, &r, &l);
	if (!ret)
		ret = m2md_reply_render(req, reply, status, &r);
	m2md_render_release(&r, &l);
	if (ret)
		m2md_tree_fail(req, reply, 500, "cannot render %s: %s",
			       t->res.path, ret == -ENOMEM ? "out of memory" :
			       "database error");
	else
		m2md_tree_validators(reply, &t->res);
}

void *m2md_tree_render(struct m2md_tree *tree, const char *path)
{
	struct m2md_query q = { 0 };
	struct m2md_target t;
	struct m2md_render r;
	struct m2md_list l;
	xmlDocPtr doc = NULL;
	char why[M2MD_RES_PATH_MAX + 128];

	if (m2md_tree_resolve(tree, path, time(NULL), &t, why, sizeof(why)))
		return NULL;
	if (t.kind == M2MD_TARGET_ROW || t.kind == M2MD_TARGET_LATEST ||
	    t.kind == M2MD_TARGET_OLDEST) {
		if (!m2md_render_prepare(tree, &t, &q, &r, &l))
			doc = m2md_repr_xml(&r);
		m2md_render_release(&r, &l);
	}
	m2md_target_free(&t);
	return doc;
}

void m2md_tree_reply_res(struct m2md_tree *tree,
			 const struct m2md_request *req,
			 struct m2md_reply *reply, unsigned int status,
			 const struct m2md_target *t)
{
	struct m2md_query q = { 0 };

	m2md_render_target(tree, req, reply, status, t, &q);
}

/* 304 when a conditional request matches t->res. Returns 1 if sent. */
static int m2md_not_modified(const struct m2md_query *q,
			     const struct m2md_target *t,
			     struct m2md_reply *reply)
{
	bool same;

	m2md_tree_validators(reply, &t->res);
	/* If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2). */
	if (q->if_none_match)
		same = m2md_etag_match(q->if_none_match, reply->etag);
	else
		same = q->if_modified_since &&
		       t->res.modified <= q->if_modified_since;
	if (!same)
		return 0;
	m2md_reply_set(reply, 304, NULL, NULL, 0);
	return 1;
}

static void m2md_get_content(const struct m2md_request *req,
			     const struct m2md_target *t,
			     struct m2md_reply *reply)
{
	const char *ctype = t->res.content_type[0] ? t->res.content_type :
			    M2MD_OCTET_STREAM;

	if (m2md_reply_set(reply, 200, ctype, t->res.data, t->res.len))
		return m2md_tree_fail(req, reply, 500, "out of memory");
	m2md_tree_validators(reply, &t->res);
}

/*
 * Matches one discovery reads from the store before it filters them by
 * the DISCOVER right: the largest maxSize.
 */
#define M2MD_DISCOVERY_SCAN_MAX	10000

/* Paths of discovery matches, copied out of the store's callback. */
struct m2md_found {
	char **paths;
	size_t n;
	int64_t now;
	int err;
};

static int m2md_found_add(const struct m2md_resource *res, void *ctx)
{
	struct m2md_found *f = ctx;

	if (res->expires && res->expires <= f->now)
		return 0;
	f->paths[f->n] = strdup(res->path);
	if (!f->paths[f->n]) {
		f->err = -ENOMEM;
		return 1;
	}
	f->n++;
	return 0;
}

/*
 * Keep the matches that who may DISCOVER, in place. Returns how many
 * there are, or a negative errno.
 */
static int m2md_found_filter(struct m2md_tree *tree,
			     const struct m2md_principal *who,
			     struct m2md_found *f)
{
	size_t i, kept = 0;
	int rights;

	for (i = 0; i < f->n; i++) {
		rights = m2md_acl_rights(tree->store, tree->root, who,
					 f->paths[i]);
		if (rights < 0)
			return rights;
		if (rights & M2MD_PERM_DISCOVER)
			f->paths[kept++] = f->paths[i];
		else
			free(f->paths[i]);
	}
	f->n = kept;
	return (int)kept;
}

static void m2md_get_discovery(struct m2md_tree *tree,
			       const struct m2md_request *req,
			       const struct m2md_principal *who,
			       const struct m2md_query *q,
			       struct m2md_reply *reply)
{
	struct m2md_discover_q dq = {
		.base = tree->root,
		.strings = q->strings,
		.nstrings = q->nstrings,
		.prefix = q->prefix,
		.max_size = M2MD_DISCOVERY_SCAN_MAX,
	};
	struct m2md_found f = { .now = time(NULL) };
	int64_t matches = 0, shown;
	xmlDocPtr doc = NULL;
	size_t i;
	int ret;

	f.paths = calloc(M2MD_DISCOVERY_SCAN_MAX, sizeof(*f.paths));
	ret = f.paths ? m2md_store_discover(tree->store, &dq, m2md_found_add,
					    &f, &matches) : -ENOMEM;
	if (!ret)
		ret = f.err;
	if (!ret)
		ret = m2md_found_filter(tree, who, &f) < 0 ? -EIO : 0;
	shown = q->max_size && (int64_t)f.n > q->max_size ? q->max_size :
		(int64_t)f.n;
	if (!ret) {
		doc = m2md_repr_discovery((const char *const *)f.paths,
					  (size_t)shown, (int64_t)f.n,
					  shown < (int64_t)f.n ||
					  matches > (int64_t)M2MD_DISCOVERY_SCAN_MAX);
		ret = doc ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = m2md_tree_reply_doc(req, reply, 200, doc);
	xmlFreeDoc(doc);
	for (i = 0; i < f.n; i++)
		free(f.paths[i]);
	free(f.paths);
	if (ret)
		m2md_tree_fail(req, reply, 500, "discovery under %s failed: %s",
			       tree->root, ret == -ENOMEM ? "out of memory" :
			       "database error");
}

/* The query parameters that a GET of t takes. */
static unsigned int m2md_get_sets(const struct m2md_target *t)
{
	switch (t->kind) {
	case M2MD_TARGET_ROW:
		if (!strcmp(t->type->name, "contentInstances"))
			return M2MD_QUERY_COND | M2MD_QUERY_FILTER;
		if (!strcmp(t->type->name, "contentInstance"))
			return M2MD_QUERY_COND | M2MD_QUERY_META;
		return M2MD_QUERY_COND;
	case M2MD_TARGET_LATEST:
	case M2MD_TARGET_OLDEST:
		return M2MD_QUERY_COND | M2MD_QUERY_META;
	case M2MD_TARGET_CONTENT:
		return M2MD_QUERY_COND;
	case M2MD_TARGET_DISCOVERY:
		return M2MD_QUERY_DISCOVERY;
	default:
		return 0;
	}
}

void m2md_tree_get(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply)
{
	bool discovery = t->kind == M2MD_TARGET_DISCOVERY;
	char why[M2MD_RES_PATH_MAX + 128];
	struct m2md_query q;
	unsigned int status;

	if (m2md_tree_allow(tree, req, who, t->res.path, NULL,
			    discovery ? M2MD_PERM_DISCOVER : M2MD_PERM_READ,
			    reply))
		return;
	if (t->kind == M2MD_TARGET_LONG_POLL) {
		if (!tree->notify)
			return m2md_tree_fail(req, reply, 501,
					      "notification channels are not served here");
		return m2md_notify_long_poll(tree->notify, t->res.path, req,
					     reply);
	}
	status = m2md_query_parse(req, m2md_get_sets(t), &q, why, sizeof(why));
	if (status)
		return m2md_reply_error(req, reply, status, why);
	if (t->kind != M2MD_TARGET_CONTENT && !m2md_tree_acceptable(req))
		return m2md_tree_fail(req, reply, 406,
				      "Accept '%.200s' admits neither XML nor JSON",
				      req->accept);
	if (discovery)
		return m2md_get_discovery(tree, req, who, &q, reply);
	if (m2md_not_modified(&q, t, reply))
		return;
	if (t->kind == M2MD_TARGET_CONTENT)
		return m2md_get_content(req, t, reply);
	m2md_render_target(tree, req, reply, 200, t, &q);
}
