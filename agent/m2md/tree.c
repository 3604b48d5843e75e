// SPDX-License-Identifier: GPL-2.0
/*
 * The resource tree: entry points, the dispatcher and the creation of
 * resources with their sub-collections. A request is authenticated,
 * its path resolved (tree_path.c), the principal's right for the
 * operation checked, and then handed to tree_get.c, tree_post.c or
 * tree_write.c. Every error is an <errorInfo> and changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "log.h"
#include "notify.h"
#include "problem.h"
#include "tree_priv.h"
#include "xml.h"

/* Maximum rows of one creation: the resource and nested collections. */
#define M2MD_TREE_ROWS_MAX	16

bool m2md_name_valid(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len > 255 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == '~'))
			return false;
	}
	return true;
}

const char *m2md_etsi_status(unsigned int http_status)
{
	/*
	 * The StatusCode enumeration of the ETSI schema has no names for
	 * 413 and 414, so they are reported as bad requests.
	 */
	switch (http_status) {
	case 200: return "STATUS_OK";
	case 201: return "STATUS_CREATED";
	case 202: return "STATUS_ACCEPTED";
	case 204: return "STATUS_OK";
	case 400: return "STATUS_BAD_REQUEST";
	case 401: return "STATUS_PERMISSION_DENIED";
	case 403: return "STATUS_PERMISSION_DENIED";
	case 404: return "STATUS_NOT_FOUND";
	case 405: return "STATUS_METHOD_NOT_ALLOWED";
	case 406: return "STATUS_NOT_ACCEPTABLE";
	case 408: return "STATUS_REQUEST_TIMEOUT";
	case 409: return "STATUS_CONFLICT";
	case 410: return "STATUS_DELETED";
	case 413: return "STATUS_BAD_REQUEST";
	case 414: return "STATUS_BAD_REQUEST";
	case 415: return "STATUS_UNSUPPORTED_MEDIA_TYPE";
	case 501: return "STATUS_NOT_IMPLEMENTED";
	case 502: return "STATUS_BAD_GATEWAY";
	case 503: return "STATUS_SERVICE_UNAVAILABLE";
	case 504: return "STATUS_GATEWAY_TIMEOUT";
	default:
		return http_status < 500 ? "STATUS_BAD_REQUEST" :
		       "STATUS_INTERNAL_SERVER_ERROR";
	}
}

bool m2md_tree_wants_json(const struct m2md_request *req)
{
	if (req->accept)
		return m2md_request_wants_json(req);
	return req->content_type && req->body_len &&
	       m2md_json_media_type(req->content_type);
}

int m2md_tree_reply_doc(const struct m2md_request *req,
			struct m2md_reply *reply, unsigned int status,
			xmlDocPtr doc)
{
	bool json = m2md_tree_wants_json(req);
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = json ? m2md_repr_doc_json(doc, &text, &len) :
	      m2md_xml_dump(doc, &text, &len);
	if (!ret)
		ret = m2md_reply_set(reply, status, json ? M2MD_JSON_TYPE :
				     M2MD_XML_TYPE, text, len);
	free(text);
	return ret;
}

void m2md_reply_error(const struct m2md_request *req,
		      struct m2md_reply *reply, unsigned int status,
		      const char *info)
{
	xmlDocPtr doc = m2md_repr_error(m2md_etsi_status(status), info);

	/* Without memory for the document, a problem body is the fallback. */
	if (!doc || m2md_tree_reply_doc(req, reply, status, doc))
		m2md_reply_problem(reply, status, NULL, NULL, info);
	xmlFreeDoc(doc);
}

void m2md_tree_fail(const struct m2md_request *req, struct m2md_reply *reply,
		    unsigned int status, const char *fmt, ...)
{
	char info[M2MD_RES_PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(info, sizeof(info), fmt, ap);
	va_end(ap);
	m2md_reply_error(req, reply, status, info);
}

static const char *m2md_method_str(enum m2md_method method)
{
	switch (method) {
	case M2MD_GET: return "GET";
	case M2MD_POST: return "POST";
	case M2MD_PUT: return "PUT";
	case M2MD_DELETE: return "DELETE";
	case M2MD_HEAD: return "HEAD";
	default: return "this method";
	}
}

void m2md_tree_not_allowed(const struct m2md_request *req,
			   struct m2md_reply *reply, unsigned int methods,
			   const char *what)
{
	m2md_allow_string(methods, reply->allow, sizeof(reply->allow));
	m2md_tree_fail(req, reply, 405,
		       "%s is not allowed on %.512s: %s (it takes %s)",
		       m2md_method_str(req->method), req->path, what,
		       reply->allow);
}

unsigned int m2md_target_methods(const struct m2md_target *t)
{
	switch (t->kind) {
	case M2MD_TARGET_ROW:
		break;
	case M2MD_TARGET_LATEST:
	case M2MD_TARGET_OLDEST:
		return M2MD_GET | M2MD_DELETE;
	case M2MD_TARGET_MEMBERS:
		return M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE;
	default:
		return M2MD_GET;
	}
	if (!strcmp(t->type->name, "sclBase"))
		return M2MD_GET | M2MD_PUT;
	if (!strcmp(t->type->name, "contentInstance"))
		return M2MD_GET | M2MD_DELETE;
	if (t->type->child)
		return M2MD_GET | M2MD_POST | M2MD_PUT;
	return M2MD_GET | M2MD_PUT | M2MD_DELETE;
}

void m2md_tree_changed(struct m2md_tree *tree, const struct m2md_resource *res,
		       enum m2md_change change)
{
	if (tree->notify)
		m2md_notify_changed(tree->notify, res, change);
}

int m2md_tree_allow(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, const char *path,
		    const char *name, enum m2md_perm perm,
		    struct m2md_reply *reply)
{
	char why[M2MD_RES_PATH_MAX + 256];
	int ret;

	ret = m2md_acl_check(tree->store, tree->root, who, path, name, perm,
			     why, sizeof(why));
	if (!ret)
		return 0;
	if (ret == -EACCES) {
		m2md_reply_error(req, reply, 403, why);
		return -1;
	}
	m2md_tree_fail(req, reply, 500,
		       "cannot check the access rights on %s: database error",
		       path);
	return -1;
}

/*
 * Every sclBase has the sub-collections of the schema, whatever
 * tree->root_subs lists, so that both roles host the whole tree.
 */
const char *const *m2md_tree_subs(struct m2md_tree *tree,
				  const struct m2md_rtype *type)
{
	static const char *const none[] = { NULL };

	return type->subs ? type->subs : none;
}

/* Number of URIs in a group's members: a list, or {"reference": list}. */
static int64_t m2md_members_count(struct json_object *attrs)
{
	struct json_object *v;

	if (!json_object_object_get_ex(attrs, "members", &v))
		return 0;
	if (json_object_is_type(v, json_type_object) &&
	    !json_object_object_get_ex(v, "reference", &v))
		return 0;
	if (json_object_is_type(v, json_type_array))
		return (int64_t)json_object_array_length(v);
	return json_object_is_type(v, json_type_string) ? 1 : 0;
}

int m2md_tree_check_attrs(const struct m2md_rtype *type,
			  struct json_object *attrs, char *why, size_t len)
{
	struct json_object *v;
	int64_t max, n;

	if (strcmp(type->name, "group") ||
	    !json_object_object_get_ex(attrs, "maxNrOfMembers", &v))
		return 0;
	max = json_object_get_int64(v);
	n = m2md_members_count(attrs);
	if (n <= max)
		return 0;
	snprintf(why, len, "<group> has %lld members, more than its maxNrOfMembers %lld",
		 (long long)n, (long long)max);
	return -1;
}

int m2md_tree_fill_row(struct m2md_resource *r, const char *parent,
			 const char *type, const char *name, int64_t now)
{
	memset(r, 0, sizeof(*r));
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s/%s", parent, name) >=
	    sizeof(r->path))
		return -ENAMETOOLONG;
	snprintf(r->parent, sizeof(r->parent), "%s", parent);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->created = now;
	r->modified = now;
	return 0;
}

/*
 * Append the rows of the stored sub-collections of rows[i] after *n.
 * Virtual ones such as discovery have no row.
 */
static int m2md_add_subs(struct m2md_tree *tree, struct m2md_resource *rows,
			 size_t i, size_t *n)
{
	const struct m2md_rtype *type = m2md_rtype_find(rows[i].type), *sub;
	const char *const *subs;
	int ret;

	if (!type)
		return -EINVAL;
	for (subs = m2md_tree_subs(tree, type); *subs; subs++) {
		sub = m2md_rtype_find(*subs);
		if (!sub || sub->virtual_res)
			continue;
		if (*n >= M2MD_TREE_ROWS_MAX)
			return -E2BIG;
		ret = m2md_tree_fill_row(&rows[*n], rows[i].path, *subs, *subs,
				    rows[i].created);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

int m2md_tree_store_new(struct m2md_tree *tree, struct m2md_resource *res)
{
	struct m2md_resource *rows;
	size_t n = 1, i;
	int ret = 0;

	rows = calloc(M2MD_TREE_ROWS_MAX, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	rows[0] = *res;
	/* Sub-collections have sub-collections too (contentInstances). */
	for (i = 0; i < n && !ret; i++)
		ret = m2md_add_subs(tree, rows, i, &n);
	if (!ret)
		ret = m2md_store_res_create(tree->store, rows, n);
	free(rows);
	return ret;
}

/* Limits of the container whose contentInstances collection is coll. */
static void m2md_coll_limits(struct m2md_tree *tree, const char *coll,
			     struct m2md_ci_limits *lim)
{
	struct m2md_resource res;
	char container[M2MD_RES_PATH_MAX];

	if (m2md_store_res_get(tree->store, coll, &res))
		return;
	snprintf(container, sizeof(container), "%s", res.parent);
	m2md_resource_free(&res);
	if (!container[0] || m2md_store_res_get(tree->store, container, &res))
		return;
	m2md_container_limits(&res, lim);
	m2md_resource_free(&res);
}

int m2md_tree_create(struct m2md_tree *tree, const char *parent,
		     const char *type, const char *name, const void *data,
		     size_t len, const char *content_type,
		     struct m2md_resource *res)
{
	struct m2md_resource row;
	struct m2md_ci_limits lim = { .max_instances = M2MD_INSTANCES_MAX };
	int ret;

	if (!m2md_rtype_find(type) || !m2md_name_valid(name))
		return -EINVAL;
	ret = m2md_tree_fill_row(&row, parent, type, name, time(NULL));
	if (ret)
		return ret;
	row.data = (unsigned char *)data;
	row.len = len;
	snprintf(row.content_type, sizeof(row.content_type), "%s",
		 content_type ? content_type : "");
	if (strcmp(type, "contentInstance")) {
		ret = m2md_tree_store_new(tree, &row);
	} else {
		m2md_coll_limits(tree, parent, &lim);
		ret = m2md_store_ci_add(tree->store, &row, &lim, NULL);
	}
	if (ret)
		return ret;
	m2md_tree_changed(tree, &row, M2MD_CHANGE_CREATE);
	if (res) {
		*res = row;
		res->data = NULL;
	}
	return 0;
}

int m2md_tree_delete(struct m2md_tree *tree, const char *path)
{
	struct m2md_resource res;
	int ret;

	ret = m2md_store_res_get(tree->store, path, &res);
	if (ret)
		return ret;
	ret = m2md_store_res_delete(tree->store, path, time(NULL));
	if (ret >= 0)
		m2md_tree_changed(tree, &res, M2MD_CHANGE_DELETE);
	m2md_resource_free(&res);
	return ret < 0 ? ret : 0;
}

/* Create the rows of sub-collections that a root from an older m2md lacks. */
static int m2md_tree_fill_root(struct m2md_tree *tree)
{
	const struct m2md_rtype *base = m2md_rtype_find("sclBase"), *sub;
	struct m2md_resource row, old;
	const char *const *subs;
	int ret;

	for (subs = m2md_tree_subs(tree, base); *subs; subs++) {
		sub = m2md_rtype_find(*subs);
		if (!sub || sub->virtual_res)
			continue;
		ret = m2md_tree_fill_row(&row, tree->root, *subs, *subs,
				    time(NULL));
		if (ret)
			return ret;
		ret = m2md_store_res_get(tree->store, row.path, &old);
		if (!ret) {
			m2md_resource_free(&old);
			continue;
		}
		if (ret == -ENOENT)
			ret = m2md_tree_store_new(tree, &row);
		if (ret && ret != -EEXIST)
			return ret;
	}
	return 0;
}

int m2md_tree_init(struct m2md_tree *tree, struct m2md_store *store,
		   const char *root, const char *const *root_subs,
		   const struct m2md_tree_ops *ops)
{
	struct m2md_resource res;
	int ret;

	memset(tree, 0, sizeof(*tree));
	tree->store = store;
	snprintf(tree->root, sizeof(tree->root), "%s", root);
	tree->root_subs = root_subs;
	if (ops)
		tree->ops = *ops;
	ret = m2md_store_res_get(store, root, &res);
	if (!ret) {
		m2md_resource_free(&res);
		return m2md_tree_fill_root(tree);
	}
	if (ret != -ENOENT)
		return ret;
	/* The root is "/name" with an empty parent. */
	ret = m2md_tree_fill_row(&res, "", "sclBase", root + 1, time(NULL));
	if (!ret)
		ret = m2md_tree_store_new(tree, &res);
	return ret;
}

/* The request path without trailing slashes, or 414 when too long. */
static unsigned int m2md_tree_path(const struct m2md_request *req,
				   char *path, size_t size)
{
	size_t len = strlen(req->path);

	if (len > M2MD_TREE_PATH_MAX || len >= size)
		return 414;
	memcpy(path, req->path, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	return 0;
}

/*
 * A request to <group>/membersContent: who needs READ on the group to
 * learn its members, then each member checks who's rights itself.
 */
static void m2md_tree_members(struct m2md_tree *tree,
			      const struct m2md_request *req,
			      const struct m2md_principal *who,
			      const struct m2md_target *t,
			      struct m2md_reply *reply)
{
	if (m2md_tree_allow(tree, req, who, t->res.path, NULL,
			    M2MD_PERM_READ, reply))
		return;
	if (!tree->notify)
		return m2md_tree_fail(req, reply, 501,
				      "group fan-out is not running on this SCL");
	m2md_group_fanout(tree->notify, t->res.path, t->rest, req, who, reply);
}

/*
 * Cache the reply to a plain GET of a contentInstance (tree_cache.c)
 * until the next commit, the expiry of a row it was read from, or the
 * time the instance outlives maxInstanceAge.
 */
static void m2md_tree_keep(struct m2md_tree *tree,
			   const struct m2md_request *req,
			   const struct m2md_principal *who, const char *path,
			   uint64_t generation, const struct m2md_target *t,
			   const struct m2md_reply *reply)
{
	int64_t until, aged;

	if (reply->status != 200 || !reply->body ||
	    strcmp(t->type->name, "contentInstance"))
		return;
	until = m2md_store_read_until(tree->store);
	if (t->in_container && t->limits.max_age > 0) {
		aged = t->res.created + t->limits.max_age;
		if (!until || aged < until)
			until = aged;
	}
	m2md_cache_put(tree, req, who, path, generation, until, reply);
}

void m2md_tree_dispatch(struct m2md_tree *tree, const struct m2md_request *req,
			const struct m2md_principal *who,
			struct m2md_reply *reply)
{
	char path[M2MD_TREE_PATH_MAX + 1], why[M2MD_RES_PATH_MAX + 128];
	bool reading = req->method == M2MD_GET || req->method == M2MD_HEAD;
	bool cache = m2md_cache_usable(req);
	uint64_t generation = 0;
	struct m2md_target t;
	unsigned int status;

	if (m2md_tree_path(req, path, sizeof(path)))
		return m2md_tree_fail(req, reply, 414,
				      "request path is longer than %d bytes",
				      M2MD_TREE_PATH_MAX);
	if (req->nargs > M2MD_ARGS_MAX)
		return m2md_tree_fail(req, reply, 400,
				      "%zu query parameters, at most %d are accepted",
				      req->nargs, M2MD_ARGS_MAX);
	/*
	 * A read sees one snapshot from the walk to the reply, in one read
	 * transaction. Fan-out and long polling wait on other parties, so
	 * they go on without it.
	 */
	if (cache) {
		if (m2md_cache_find(tree, req, who, path, time(NULL), reply))
			return;
		generation = m2md_store_generation(tree->store);
	}
	if (reading)
		m2md_store_read_begin(tree->store);
	status = m2md_tree_resolve(tree, path, time(NULL), &t, why,
				   sizeof(why));
	if (reading && (status || t.kind == M2MD_TARGET_MEMBERS ||
			t.kind == M2MD_TARGET_LONG_POLL)) {
		m2md_store_read_end(tree->store);
		reading = false;
	}
	if (status)
		return m2md_reply_error(req, reply, status, why);
	if (t.kind == M2MD_TARGET_MEMBERS) {
		m2md_tree_members(tree, req, who, &t, reply);
		m2md_target_free(&t);
		return;
	}
	switch (req->method) {
	case M2MD_GET:
	case M2MD_HEAD:
		m2md_tree_get(tree, req, who, &t, reply);
		if (cache && reading)
			m2md_tree_keep(tree, req, who, path, generation, &t,
				       reply);
		break;
	case M2MD_POST:
		m2md_tree_post(tree, req, who, &t, reply);
		break;
	case M2MD_PUT:
		m2md_tree_put(tree, req, who, &t, reply);
		break;
	case M2MD_DELETE:
		m2md_tree_del(tree, req, who, &t, reply);
		break;
	default:
		m2md_tree_not_allowed(req, reply, M2MD_GET | M2MD_POST |
				      M2MD_PUT | M2MD_DELETE,
				      "unknown method");
		break;
	}
	if (reading)
		m2md_store_read_end(tree->store);
	m2md_target_free(&t);
}

void m2md_tree_handle(void *ctx, const struct m2md_request *req,
		      struct m2md_reply *reply)
{
	struct m2md_tree *tree = ctx;
	struct m2md_principal who = { .kind = M2MD_PRINCIPAL_ADMIN };

	if (tree->auth && m2md_auth_request(tree->auth, req, &who, reply))
		return;
	m2md_tree_dispatch(tree, req, &who, reply);
}

int m2md_tree_create_body(const char *type, const char *name, char **out,
			  size_t *len)
{
	if (!m2md_name_valid(name))
		return -EINVAL;
	return m2md_repr_create_body(type, name, NULL, out, len);
}
