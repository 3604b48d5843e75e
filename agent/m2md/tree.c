// SPDX-License-Identifier: GPL-2.0
/*
 * Generic resource tree. A later milestone adds the other ETSI types
 * (groups, accessRights, subscriptions, ...) as rows of m2md_rtypes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"
#include "problem.h"
#include "tree.h"
#include "xml.h"

#define M2MD_OCTET_STREAM	"application/octet-stream"
#define M2MD_SUBS_MAX		4

struct m2md_rtype {
	const char *name;
	const char *id_attr;		/* attribute naming the resource */
	bool id_qualified;		/* id_attr is in the m2m namespace */
	const char *subs[M2MD_SUBS_MAX];	/* sub-collections */
	const char *child;		/* collection: type created by POST */
	const char *collection;		/* collection: element of the list */
};

static const struct m2md_rtype m2md_rtypes[] = {
	{ .name = "sclBase" },
	{ .name = "scls", .child = "scl", .collection = "sclCollection" },
	{ .name = "scl", .id_attr = "sclId", .subs = { "applications" } },
	{ .name = "applications", .child = "application",
	  .collection = "applicationCollection" },
	{ .name = "application", .id_attr = "appId",
	  .subs = { "containers" } },
	{ .name = "containers", .child = "container",
	  .collection = "containerCollection" },
	{ .name = "container", .id_attr = "id", .id_qualified = true,
	  .subs = { "contentInstances" } },
	{ .name = "contentInstances", .child = "contentInstance",
	  .collection = "contentInstanceCollection" },
	{ .name = "contentInstance", .id_attr = "id", .id_qualified = true },
};

static const struct m2md_rtype *m2md_rtype_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(m2md_rtypes) / sizeof(m2md_rtypes[0]); i++)
		if (!strcmp(m2md_rtypes[i].name, name))
			return &m2md_rtypes[i];
	return NULL;
}

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

static const char *const *m2md_subs_of(struct m2md_tree *tree,
				       const struct m2md_rtype *type)
{
	return strcmp(type->name, "sclBase") ? type->subs : tree->root_subs;
}

static int m2md_fill_row(struct m2md_resource *r, const char *parent,
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

int m2md_tree_create(struct m2md_tree *tree, const char *parent,
		     const char *type, const char *name, const void *data,
		     size_t len, const char *content_type,
		     struct m2md_resource *res)
{
	const struct m2md_rtype *rtype = m2md_rtype_find(type);
	struct m2md_resource rows[1 + M2MD_SUBS_MAX];
	const char *const *subs;
	int64_t now = time(NULL);
	size_t n = 1, i;
	int ret;

	if (!rtype || !m2md_name_valid(name))
		return -EINVAL;
	ret = m2md_fill_row(&rows[0], parent, type, name, now);
	if (ret)
		return ret;
	rows[0].data = (unsigned char *)data;
	rows[0].len = len;
	if (content_type)
		snprintf(rows[0].content_type, sizeof(rows[0].content_type),
			 "%s", content_type);
	subs = m2md_subs_of(tree, rtype);
	for (i = 0; i < M2MD_SUBS_MAX && subs[i]; i++) {
		ret = m2md_fill_row(&rows[n++], rows[0].path, subs[i], subs[i],
				    now);
		if (ret)
			return ret;
	}
	ret = m2md_store_res_create(tree->store, rows, n);
	if (!ret && !strcmp(type, "contentInstance") &&
	    m2md_store_res_trim(tree->store, parent, M2MD_INSTANCES_MAX))
		m2m_err("cannot delete the oldest contentInstances of %s",
			parent);
	if (!ret && res) {
		*res = rows[0];
		res->data = NULL;
	}
	return ret;
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
		return 0;
	}
	if (ret != -ENOENT)
		return ret;
	/* The root is "/name" with an empty parent. */
	return m2md_tree_create(tree, "", "sclBase", root + 1, NULL, 0, NULL,
				NULL);
}

static char *m2md_base64(const unsigned char *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = tab[in[i] >> 2];
		*p++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*p++ = tab[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*p++ = tab[in[i + 2] & 63];
	}
	if (i < len) {
		*p++ = tab[in[i] >> 2];
		if (i + 1 < len) {
			*p++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*p++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*p++ = tab[(in[i] & 3) << 4];
			*p++ = '=';
		}
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static void m2md_render_ci(xmlNodePtr node, const struct m2md_resource *res)
{
	const char *ctype = res->content_type[0] ? res->content_type :
			    M2MD_OCTET_STREAM;
	xmlNodePtr types, content;
	xmlNsPtr mime;
	char *b64;

	m2md_xml_attr(node, "id", res->name, 1);
	m2md_xml_attr(node, "href", res->path, 0);
	m2md_xml_add_time(node, "creationTime", res->created);
	m2md_xml_add_time(node, "lastModifiedTime", res->modified);
	types = m2md_xml_add(node, "contentTypes", NULL);
	m2md_xml_add(types, "contentType", ctype);
	m2md_xml_add_long(node, "contentSize", (int64_t)res->len);
	b64 = m2md_base64(res->data ? res->data : (unsigned char *)"",
			  res->data ? res->len : 0);
	content = m2md_xml_add(node, "content", b64 ? b64 : "");
	free(b64);
	mime = xmlNewNs(content, BAD_CAST M2MD_XMLMIME_NS, BAD_CAST "xmime");
	xmlSetNsProp(content, mime, BAD_CAST "contentType", BAD_CAST ctype);
}

struct m2md_list_ctx {
	xmlNodePtr list;
	bool full;		/* whole contentInstances, not references */
};

/* Called with the store locked: builds XML only. */
static int m2md_list_child(const struct m2md_resource *res, void *ctx)
{
	struct m2md_list_ctx *lc = ctx;
	xmlNodePtr ref;

	if (lc->full) {
		ref = m2md_xml_add(lc->list, "contentInstance", NULL);
		m2md_render_ci(ref, res);
		return 0;
	}
	ref = m2md_xml_add(lc->list, "namedReference", res->path);
	xmlSetProp(ref, BAD_CAST "id", BAD_CAST res->name);
	return 0;
}

static void m2md_render_edge(struct m2md_tree *tree, xmlNodePtr root,
			     const char *path, bool last)
{
	struct m2md_resource edge;
	xmlNodePtr ref;

	if (m2md_store_res_edge(tree->store, path, last, &edge))
		return;
	ref = m2md_xml_add(root, last ? "latest" : "oldest", edge.path);
	xmlSetProp(ref, BAD_CAST "id", BAD_CAST edge.name);
	m2md_resource_free(&edge);
}

static void m2md_render_collection(struct m2md_tree *tree, xmlNodePtr root,
				   const struct m2md_resource *res,
				   const struct m2md_rtype *type)
{
	bool instances = !strcmp(type->name, "contentInstances");
	struct m2md_list_ctx lc = { .full = instances };
	int64_t count = 0, bytes = 0;

	m2md_xml_add_time(root, "creationTime", res->created);
	m2md_xml_add_time(root, "lastModifiedTime", res->modified);
	if (instances) {
		m2md_store_res_stats(tree->store, res->path, &count, &bytes);
		m2md_xml_add_long(root, "currentNrOfInstances", count);
		m2md_xml_add_long(root, "currentByteSize", bytes);
	}
	lc.list = m2md_xml_add(root, type->collection, NULL);
	m2md_store_res_children(tree->store, res->path, instances,
				m2md_list_child, &lc);
	if (instances) {
		m2md_render_edge(tree, root, res->path, true);
		m2md_render_edge(tree, root, res->path, false);
	}
}

/* searchStrings kept in the stored JSON attributes, if any. */
static void m2md_render_search(xmlNodePtr root, const struct m2md_resource *res)
{
	struct json_object *obj, *arr;
	xmlNodePtr list;
	size_t i, n;

	if (!res->data || !res->len)
		return;
	obj = json_tokener_parse((const char *)res->data);
	if (!obj)
		return;
	if (json_object_object_get_ex(obj, "searchStrings", &arr) &&
	    json_object_is_type(arr, json_type_array) &&
	    (n = json_object_array_length(arr))) {
		list = m2md_xml_add(root, "searchStrings", NULL);
		for (i = 0; i < n; i++)
			m2md_xml_add(list, "searchString",
				     json_object_get_string(
					json_object_array_get_idx(arr, i)));
	}
	json_object_put(obj);
}

static xmlDocPtr m2md_render(struct m2md_tree *tree,
			     const struct m2md_resource *res)
{
	const struct m2md_rtype *type = m2md_rtype_find(res->type);
	const char *const *subs;
	char ref[M2MD_RES_PATH_MAX + 32], elem[64];
	xmlNodePtr root;
	xmlDocPtr doc;
	size_t i;

	if (!type)
		return NULL;
	doc = m2md_xml_new(type->name, &root);
	if (!doc)
		return NULL;
	if (type->child) {
		m2md_render_collection(tree, root, res, type);
		return doc;
	}
	if (!strcmp(type->name, "contentInstance")) {
		m2md_render_ci(root, res);
		return doc;
	}
	if (type->id_attr)
		m2md_xml_attr(root, type->id_attr, res->name,
			      type->id_qualified);
	m2md_render_search(root, res);
	m2md_xml_add_time(root, "creationTime", res->created);
	m2md_xml_add_time(root, "lastModifiedTime", res->modified);
	subs = m2md_subs_of(tree, type);
	for (i = 0; i < M2MD_SUBS_MAX && subs[i]; i++) {
		snprintf(elem, sizeof(elem), "%sReference", subs[i]);
		snprintf(ref, sizeof(ref), "%s/%s", res->path, subs[i]);
		m2md_xml_add(root, elem, ref);
	}
	return doc;
}

/*
 * Find the resource for a GET path: the row itself, or latest and oldest
 * under a contentInstances collection.
 */
static int m2md_resolve(struct m2md_tree *tree, const char *path,
			struct m2md_resource *res)
{
	char parent[M2MD_RES_PATH_MAX];
	struct m2md_resource coll;
	const char *slash, *last;
	int ret;

	ret = m2md_store_res_get(tree->store, path, res);
	if (ret != -ENOENT)
		return ret;
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof(parent))
		return -ENOENT;
	last = slash + 1;
	if (strcmp(last, "latest") && strcmp(last, "oldest"))
		return -ENOENT;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	ret = m2md_store_res_get(tree->store, parent, &coll);
	if (ret)
		return ret;
	ret = strcmp(coll.type, "contentInstances") ? -ENOENT :
	      m2md_store_res_edge(tree->store, parent, !strcmp(last, "latest"),
				  res);
	m2md_resource_free(&coll);
	return ret;
}

void *m2md_tree_render(struct m2md_tree *tree, const char *path)
{
	struct m2md_resource res;
	xmlDocPtr doc;

	if (m2md_resolve(tree, path, &res))
		return NULL;
	doc = m2md_render(tree, &res);
	m2md_resource_free(&res);
	return doc;
}

static void m2md_reply_doc(const struct m2md_request *req,
			   struct m2md_reply *reply, unsigned int status,
			   xmlDocPtr doc)
{
	bool json = m2md_request_wants_json(req);
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = json ? m2md_xml_to_json(doc, &text, &len) :
	      m2md_xml_dump(doc, &text, &len);
	if (ret) {
		m2md_reply_problem(reply, 500, NULL, NULL,
				   "cannot serialize the representation");
		return;
	}
	m2md_reply_set(reply, status, json ? M2MD_JSON_TYPE : M2MD_XML_TYPE,
		       text, len);
	free(text);
}

static void m2md_reply_content(struct m2md_reply *reply,
			       const struct m2md_resource *res)
{
	m2md_reply_set(reply, 200, res->content_type[0] ? res->content_type :
		       M2MD_OCTET_STREAM, res->data, res->len);
}

static void m2md_not_found(struct m2md_reply *reply, const char *path)
{
	char detail[M2MD_RES_PATH_MAX + 32];

	snprintf(detail, sizeof(detail), "no resource at %s", path);
	m2md_reply_problem(reply, 404, NULL, NULL, detail);
}

static void m2md_tree_get(struct m2md_tree *tree,
			  const struct m2md_request *req, const char *path,
			  struct m2md_reply *reply)
{
	bool raw = m2md_request_has_arg(req, "content");
	char base[M2MD_RES_PATH_MAX];
	struct m2md_resource res;
	size_t len = strlen(path);
	xmlDocPtr doc;
	int ret;

	ret = m2md_resolve(tree, path, &res);
	/* .../<instance>/content returns the raw content. */
	if (ret == -ENOENT && len > 8 && !strcmp(path + len - 8, "/content") &&
	    len - 8 < sizeof(base)) {
		snprintf(base, sizeof(base), "%.*s", (int)(len - 8), path);
		ret = m2md_resolve(tree, base, &res);
		if (!ret && strcmp(res.type, "contentInstance")) {
			m2md_resource_free(&res);
			ret = -ENOENT;
		}
		raw = true;
	}
	if (ret) {
		if (ret == -ENOENT)
			m2md_not_found(reply, path);
		else
			m2md_reply_errno(reply, ret, "database error");
		return;
	}
	if (raw && !strcmp(res.type, "contentInstance")) {
		m2md_reply_content(reply, &res);
	} else {
		doc = m2md_render(tree, &res);
		if (doc)
			m2md_reply_doc(req, reply, 200, doc);
		else
			m2md_reply_problem(reply, 500, NULL, NULL,
					   "cannot render the resource");
		xmlFreeDoc(doc);
	}
	m2md_resource_free(&res);
}

/* Stored attributes of a created resource: its searchStrings. */
static char *m2md_attrs_json(xmlDocPtr doc)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	xmlNodePtr node, s;
	xmlChar *text;
	char *out;

	for (node = xmlDocGetRootElement(doc)->children; node;
	     node = node->next) {
		if (node->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)node->name, "searchStrings"))
			continue;
		for (s = node->children; s; s = s->next) {
			if (s->type != XML_ELEMENT_NODE)
				continue;
			text = xmlNodeGetContent(s);
			json_object_array_add(arr, json_object_new_string(
				text ? (const char *)text : ""));
			xmlFree(text);
		}
	}
	json_object_object_add(obj, "searchStrings", arr);
	out = strdup(json_object_to_json_string_ext(obj,
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return out;
}

/* Name a new contentInstance: time in microseconds and random bits. */
static void m2md_ci_name(char *out, size_t len)
{
	struct timespec ts;
	uint16_t rnd = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint16_t)ts.tv_nsec;
	snprintf(out, len, "ci%" PRId64 "%06ld-%04x", (int64_t)ts.tv_sec,
		 ts.tv_nsec / 1000, rnd);
}

/*
 * Work out name and stored representation of a POST body. Returns 0, or
 * fills reply with a problem and returns -1.
 */
static int m2md_post_body(const struct m2md_request *req,
			  const struct m2md_rtype *child, char *name,
			  size_t namelen, char **attrs,
			  struct m2md_reply *reply)
{
	char detail[512];
	xmlDocPtr doc;
	char *id;

	if (!m2md_xml_media_type(req->content_type)) {
		snprintf(detail, sizeof(detail),
			 "a <%s> is created from an XML body, not '%s'",
			 child->name, req->content_type ? req->content_type :
			 "(no Content-Type)");
		m2md_reply_problem(reply, 415, NULL, NULL, detail);
		return -1;
	}
	doc = m2md_xml_parse(req->body, req->body_len, child->name, detail,
			     sizeof(detail));
	if (!doc) {
		m2md_reply_problem(reply, 400, NULL, NULL, detail);
		return -1;
	}
	id = m2md_xml_get_attr(xmlDocGetRootElement(doc), child->id_attr);
	if (!id || !m2md_name_valid(id)) {
		snprintf(detail, sizeof(detail),
			 "%s attribute %s of <%s>: expected 1 to 255 letters, digits, '-', '.', '_' or '~'",
			 id ? "invalid" : "missing", child->id_attr,
			 child->name);
		m2md_reply_problem(reply, 400, NULL, NULL, detail);
		xmlFree(id);
		xmlFreeDoc(doc);
		return -1;
	}
	snprintf(name, namelen, "%s", id);
	xmlFree(id);
	*attrs = m2md_attrs_json(doc);
	xmlFreeDoc(doc);
	return 0;
}

static void m2md_reply_created(struct m2md_tree *tree,
			       const struct m2md_request *req,
			       struct m2md_reply *reply,
			       const struct m2md_resource *res)
{
	xmlDocPtr doc = m2md_tree_render(tree, res->path);

	if (doc) {
		m2md_reply_doc(req, reply, 201, doc);
		xmlFreeDoc(doc);
	} else {
		reply->status = 201;
	}
	snprintf(reply->location, sizeof(reply->location), "%s", res->path);
}

static void m2md_tree_post(struct m2md_tree *tree,
			   const struct m2md_request *req, const char *path,
			   const struct m2md_resource *parent,
			   struct m2md_reply *reply)
{
	const struct m2md_rtype *child;
	struct m2md_resource res;
	char name[M2MSEC_STR_MAX + 1], detail[M2MD_RES_PATH_MAX + 320];
	const void *data;
	size_t len;
	char *attrs = NULL;
	int ret;

	child = m2md_rtype_find(m2md_rtype_find(parent->type)->child);
	if (!strcmp(child->name, "contentInstance")) {
		m2md_ci_name(name, sizeof(name));
		data = req->body;
		len = req->body_len;
	} else {
		if (m2md_post_body(req, child, name, sizeof(name), &attrs,
				   reply))
			return;
		data = attrs;
		len = attrs ? strlen(attrs) : 0;
	}
	if (tree->ops.authorize &&
	    tree->ops.authorize(tree, path, child->name, name, req, reply))
		goto out;
	ret = m2md_tree_create(tree, path, child->name, name, data, len,
			       data == req->body ? (req->content_type ?
			       req->content_type : M2MD_OCTET_STREAM) : NULL,
			       &res);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s/%s %s", path, name,
			 ret == -EEXIST ? "already exists" :
			 ret == -ENAMETOOLONG ? "is too long" :
			 "cannot be stored");
		m2md_reply_problem(reply, ret == -EEXIST ? 409 :
				   ret == -ENAMETOOLONG ? 400 : 500,
				   NULL, NULL, detail);
		goto out;
	}
	if (data == req->body)
		m2m_info("created %s %s (%zu bytes of %s)", child->name,
			 res.path, len, res.content_type);
	else
		m2m_info("created %s %s", child->name, res.path);
	m2md_reply_created(tree, req, reply, &res);
	if (tree->ops.created)
		tree->ops.created(tree, &res, req, reply);
out:
	free(attrs);
}

void m2md_tree_handle(void *ctx, const struct m2md_request *req,
		      struct m2md_reply *reply)
{
	struct m2md_tree *tree = ctx;
	char path[M2MD_RES_PATH_MAX];
	struct m2md_resource parent;
	size_t len;
	int ret;

	len = snprintf(path, sizeof(path), "%s", req->path);
	if (len >= sizeof(path))
		return m2md_reply_problem(reply, 414, NULL, NULL,
					  "request path is too long");
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (req->method == M2MD_GET)
		return m2md_tree_get(tree, req, path, reply);
	ret = m2md_resolve(tree, path, &parent);
	if (ret)
		return ret == -ENOENT ? m2md_not_found(reply, path) :
		       m2md_reply_errno(reply, ret, "database error");
	if (req->method == M2MD_POST &&
	    m2md_rtype_find(parent.type) &&
	    m2md_rtype_find(parent.type)->child) {
		m2md_tree_post(tree, req, path, &parent, reply);
	} else {
		m2md_allow_string(m2md_rtype_find(parent.type) &&
				  m2md_rtype_find(parent.type)->child ?
				  M2MD_GET | M2MD_POST : M2MD_GET,
				  reply->allow, sizeof(reply->allow));
		m2md_reply_problem(reply, 405, NULL, NULL,
				   "method not allowed on this resource");
	}
	m2md_resource_free(&parent);
}

int m2md_tree_create_body(const char *type, const char *name, char **out,
			  size_t *len)
{
	const struct m2md_rtype *rtype = m2md_rtype_find(type);
	xmlNodePtr root;
	xmlDocPtr doc;
	int ret;

	if (!rtype || !rtype->id_attr || !m2md_name_valid(name))
		return -EINVAL;
	doc = m2md_xml_new(type, &root);
	if (!doc)
		return -ENOMEM;
	m2md_xml_attr(root, rtype->id_attr, name, rtype->id_qualified);
	if (!strcmp(type, "scl"))
		m2md_xml_add(root, "onlineStatus", "ONLINE");
	ret = m2md_xml_dump(doc, out, len);
	xmlFreeDoc(doc);
	return ret;
}
