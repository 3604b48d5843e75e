// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE: a POST to a collection makes a resource of a type the
 * collection may hold, named by the id in the body or by the SCL, with
 * its sub-collections in one transaction. A POST to a contentInstances
 * collection takes raw content of any media type, or an ETSI
 * <contentInstance> document, and applies the container's limits in the
 * same transaction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "tree_priv.h"
#include "xml.h"

/* Attempts at a fresh generated name before giving up with 409. */
#define M2MD_NAME_TRIES		3

/*
 * Write a name for a new resource of type: the capitals of its name as a
 * prefix ("ci" for contentInstance), the time in microseconds and 32
 * random bits.
 */
static void m2md_new_name(const char *type, char *out, size_t len)
{
	char prefix[8];
	struct timespec ts;
	uint32_t rnd = 0;
	size_t n = 0;
	const char *c;

	prefix[n++] = type[0];
	for (c = type + 1; *c && n < sizeof(prefix) - 1; c++)
		if (*c >= 'A' && *c <= 'Z')
			prefix[n++] = *c - 'A' + 'a';
	prefix[n] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)ts.tv_nsec;
	snprintf(out, len, "%s%" PRId64 "%06ld-%08x", prefix,
		 (int64_t)ts.tv_sec, ts.tv_nsec / 1000, rnd);
}

/*
 * The root element name of an XML body or the top-level key of a JSON
 * one, found by a light scan so that the collection can pick the type
 * before the strict parse. "" when none is found.
 */
static void m2md_body_root(const struct m2md_request *req, char *out,
			   size_t len)
{
	const char *p = (const char *)req->body;
	const char *end = p + req->body_len, *name, *colon;
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	if (m2md_json_media_type(req->content_type)) {
		while (p < end && *p != '"' && *p != '}')
			p++;
		name = ++p;
		while (p < end && *p != '"')
			p++;
	} else {
		/* Skip the XML declaration, comments and white space. */
		while (p < end && (*p != '<' || (p + 1 < end &&
			(p[1] == '?' || p[1] == '!'))))
			p++;
		name = ++p;
		while (p < end && *p != ' ' && *p != '>' && *p != '/' &&
		       *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		colon = p > name ? memrchr(name, ':', p - name) : NULL;
		if (colon)
			name = colon + 1;
	}
	if (p > end || p <= name)
		return;
	n = (size_t)(p - name);
	if (n < len)
		snprintf(out, len, "%.*s", (int)n, name);
}

/* The type a POST to collection t creates, from the body's root. */
static const struct m2md_rtype *m2md_post_type(struct m2md_tree *tree,
					       const struct m2md_request *req,
					       const struct m2md_target *t,
					       struct m2md_reply *reply)
{
	char root[64], remote[96];
	size_t len, rlen;

	m2md_body_root(req, root, sizeof(root));
	if (!root[0] || !m2md_rtype_may_hold(t->type, root))
		return m2md_rtype_find(t->type->child);
	/* Announced resources are kept only for a remote SCL. */
	len = strlen(root);
	rlen = snprintf(remote, sizeof(remote), "%s/scls/", tree->root);
	if (len > 4 && !strcmp(root + len - 4, "Annc") &&
	    strncmp(t->res.path, remote, rlen)) {
		m2md_tree_fail(req, reply, 400,
			       "a <%s> is created only below %s<sclId>, not in %s",
			       root, remote, t->res.path);
		return NULL;
	}
	return m2md_rtype_find(root);
}

/* True when name may not be given to a child of collection t. */
static bool m2md_name_reserved(const struct m2md_target *t, const char *name)
{
	const char *const *subs;

	if (!strcmp(t->type->name, "contentInstances") &&
	    (!strcmp(name, "latest") || !strcmp(name, "oldest")))
		return true;
	for (subs = t->type->subs; subs && *subs; subs++)
		if (!strcmp(*subs, name))
			return true;
	return false;
}

/*
 * Pick the name: the body's id, or a generated one. Returns 0, or fills
 * reply with 400 and returns -1.
 */
static int m2md_post_name(const struct m2md_request *req,
			  const struct m2md_target *t,
			  const struct m2md_rtype *type, const char *id,
			  char *name, size_t len, struct m2md_reply *reply)
{
	if (!id[0]) {
		m2md_new_name(type->name, name, len);
		return 0;
	}
	if (!m2md_name_valid(id)) {
		m2md_tree_fail(req, reply, 400,
			       "invalid %s '%.255s' of <%s>: expected 1 to 255 letters, digits, '-', '.', '_' or '~'",
			       type->id_attr ? type->id_attr : "id", id,
			       type->name);
		return -1;
	}
	if (m2md_name_reserved(t, id)) {
		m2md_tree_fail(req, reply, 400,
			       "%s '%s' is reserved in %s", type->id_attr ?
			       type->id_attr : "id", id, t->res.path);
		return -1;
	}
	snprintf(name, len, "%s", id);
	return 0;
}

/* Rights and role policy on creating name of type under t. */
static int m2md_post_allowed(struct m2md_tree *tree,
			     const struct m2md_request *req,
			     const struct m2md_principal *who,
			     const struct m2md_target *t, const char *type,
			     const char *name, struct m2md_reply *reply)
{
	if (m2md_tree_allow(tree, req, who, t->res.path, name,
			    M2MD_PERM_CREATE, reply))
		return -1;
	if (tree->ops.authorize &&
	    tree->ops.authorize(tree, t->res.path, type, name, req, reply))
		return -1;
	return 0;
}

/*
 * A new resource that names an accessRightID must not gain, through it,
 * rights its creator could not give the collection: naming one at
 * create asks what changing the collection's own accessRightID asks
 * (m2md_acl_check_acl_change() on t). Returns 0, or fills reply (403 or
 * 500) and returns -1.
 */
static int m2md_post_acl_allowed(struct m2md_tree *tree,
				 const struct m2md_request *req,
				 const struct m2md_principal *who,
				 const struct m2md_target *t,
				 const struct m2md_parsed *p,
				 struct m2md_reply *reply)
{
	char why[M2MD_RES_PATH_MAX + 256];
	int ret;

	if (!p->has_acl || !p->acl[0])
		return 0;
	ret = m2md_acl_check_acl_change(tree->store, tree->root, who,
					t->res.path, why, sizeof(why));
	if (!ret)
		return 0;
	if (ret == -EACCES)
		m2md_tree_fail(req, reply, 403,
			       "%s (a new resource may name an accessRightID only then)",
			       why);
	else
		m2md_tree_fail(req, reply, 500,
			       "cannot check the access rights on %s: database error",
			       t->res.path);
	return -1;
}

static void m2md_post_stored(struct m2md_tree *tree,
			     const struct m2md_request *req,
			     struct m2md_reply *reply, int ret,
			     const char *parent, const char *path)
{
	if (ret == -EEXIST)
		m2md_tree_fail(req, reply, 409, "%s already exists", path);
	else if (ret == -ENAMETOOLONG)
		m2md_tree_fail(req, reply, 400, "path of %s/... is too long",
			       path);
	else if (ret == -ENOENT)
		/* The collection was deleted while the request ran. */
		m2md_tree_fail(req, reply, 404, "no resource at %s", parent);
	else
		m2md_tree_fail(req, reply, 500, "cannot store %s: %s", path,
			       ret == -ENOMEM ? "out of memory" :
			       "database error");
}

/* Answer 201 with Location and the representation; tell the role. */
static void m2md_post_done(struct m2md_tree *tree,
			   const struct m2md_request *req,
			   struct m2md_target *made, struct m2md_reply *reply)
{
	m2md_tree_reply_res(tree, req, reply, 201, made);
	if (!made->res.seq)
		reply->etag[0] = '\0';
	snprintf(reply->location, sizeof(reply->location), "%s",
		 made->res.path);
	if (tree->ops.created)
		tree->ops.created(tree, &made->res, req, reply);
}

/*
 * Attributes the SCL sets on a new resource at path: the onlineStatus
 * of an SCL that registers, a notificationChannel's contactURI (the
 * channel itself, when the client gave none) and the longPollingURI
 * that a client polls.
 */
static int m2md_post_defaults(const struct m2md_rtype *type, const char *path,
			      struct json_object *attrs)
{
	char uri[M2MD_RES_PATH_MAX + 32];
	struct json_object *data;

	if (!strcmp(type->name, "scl"))
		json_object_object_add(attrs, "onlineStatus",
				       json_object_new_string("ONLINE"));
	if (strcmp(type->name, "notificationChannel"))
		return 0;
	if (!json_object_object_get_ex(attrs, "contactURI", NULL))
		json_object_object_add(attrs, "contactURI",
				       json_object_new_string(path));
	snprintf(uri, sizeof(uri), "%s/" M2MD_LONG_POLL_NAME, path);
	data = json_object_new_object();
	if (!data)
		return -ENOMEM;
	json_object_object_add(data, "longPollingURI",
			       json_object_new_string(uri));
	json_object_object_add(attrs, "channelData", data);
	return 0;
}

/* Store the row built from p; returns 0 or a negative errno. */
static int m2md_post_store(struct m2md_tree *tree, const struct m2md_target *t,
			   const struct m2md_rtype *type, const char *name,
			   struct m2md_parsed *p, int64_t now,
			   struct m2md_resource *row)
{
	const char *attrs;
	int ret;

	ret = m2md_tree_fill_row(row, t->res.path, type->name, name, now);
	if (!ret)
		ret = m2md_post_defaults(type, row->path, p->attrs);
	if (ret)
		return ret;
	attrs = json_object_to_json_string_ext(p->attrs,
					       JSON_C_TO_STRING_PLAIN);
	row->data = (unsigned char *)attrs;
	row->len = strlen(attrs);
	row->expires = p->expires;
	if (p->has_acl)
		snprintf(row->acl, sizeof(row->acl), "%s", p->acl);
	row->search = p->has_search ? p->search : NULL;
	ret = m2md_tree_store_new(tree, row);
	row->data = NULL;
	row->search = NULL;
	return ret;
}

/*
 * The create is durable, but reading the row back failed: it may have
 * been deleted in between. The client must still learn that it was
 * created (a retry would only get 409), so the reply is made from the
 * row as it was written. Returns 0 or -ENOMEM.
 */
static int m2md_post_written(struct m2md_resource *row,
			     const struct m2md_parsed *p)
{
	const char *attrs;

	/* A failed read may have left part of a row. */
	m2md_resource_free(row);
	attrs = json_object_to_json_string_ext(p->attrs,
					       JSON_C_TO_STRING_PLAIN);
	row->data = (unsigned char *)strdup(attrs);
	if (!row->data)
		return -ENOMEM;
	row->len = strlen(attrs);
	m2m_dbg_ratelimited("%s is gone already; answering from the row written",
			    row->path);
	return 0;
}

/*
 * True, with the reason in why, when a new subscription's contact is
 * inside the tunnel prefixes: the SCL would send its notifications there
 * as itself.
 */
static bool m2md_post_contact_bad(struct m2md_tree *tree,
				  const struct m2md_rtype *type,
				  const struct m2md_parsed *p, char *why,
				  size_t len)
{
	struct json_object *v;

	if (strcmp(type->name, "subscription") ||
	    !json_object_object_get_ex(p->attrs, "contact", &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	return m2md_notify_uri_check(tree->notify, json_object_get_string(v),
				     why, len) != 0;
}

static void m2md_post_resource(struct m2md_tree *tree,
			       const struct m2md_request *req,
			       const struct m2md_principal *who,
			       const struct m2md_target *t,
			       struct m2md_reply *reply)
{
	char detail[512], name[M2MSEC_STR_MAX + 1];
	const struct m2md_rtype *type;
	struct m2md_parsed p = { 0 };
	struct m2md_target made = { .kind = M2MD_TARGET_ROW };
	int64_t now = time(NULL);
	unsigned int status;
	int ret, tries = 0;

	type = m2md_post_type(tree, req, t, reply);
	if (!type)
		return;
	status = m2md_repr_parse(type, M2MD_REPR_CREATE, req->content_type,
				 req->body, req->body_len, &p, detail,
				 sizeof(detail));
	if (status)
		return m2md_reply_error(req, reply, status, detail);
	if (p.expires && p.expires <= now) {
		m2md_tree_fail(req, reply, 400,
			       "expirationTime of the new <%s> has passed",
			       type->name);
		goto out;
	}
	if (m2md_tree_check_attrs(type, p.attrs, detail, sizeof(detail)) ||
	    m2md_post_contact_bad(tree, type, &p, detail, sizeof(detail))) {
		m2md_reply_error(req, reply, 400, detail);
		goto out;
	}
	do {
		if (m2md_post_name(req, t, type, p.id, name, sizeof(name),
				   reply) ||
		    m2md_post_allowed(tree, req, who, t, type->name, name,
				      reply) ||
		    m2md_post_acl_allowed(tree, req, who, t, &p, reply))
			goto out;
		ret = m2md_post_store(tree, t, type, name, &p, now, &made.res);
	} while (ret == -EEXIST && !p.id[0] && ++tries < M2MD_NAME_TRIES);
	if (ret) {
		m2md_post_stored(tree, req, reply, ret, t->res.path,
				 made.res.path[0] ?
				 made.res.path : t->res.path);
		goto out;
	}
	m2m_dbg_ratelimited("created %s %s", type->name, made.res.path);
	ret = m2md_store_res_get(tree->store, made.res.path, &made.res);
	if (ret && m2md_post_written(&made.res, &p)) {
		m2md_tree_fail(req, reply, 500,
			       "cannot read back %s: out of memory",
			       made.res.path);
		goto out;
	}
	m2md_tree_changed(tree, &made.res, M2MD_CHANGE_CREATE);
	made.type = type;
	m2md_post_done(tree, req, &made, reply);
	m2md_target_free(&made);
out:
	m2md_parsed_free(&p);
}

/* True for an ETSI <contentInstance> document rather than raw content. */
static bool m2md_ci_document(const struct m2md_request *req)
{
	char root[32];

	if (!m2md_xml_media_type(req->content_type))
		return false;
	m2md_body_root(req, root, sizeof(root));
	return !strcmp(root, "contentInstance") &&
	       memmem(req->body, req->body_len, M2MD_XML_NS,
		      strlen(M2MD_XML_NS));
}

/* The first contentType of a parsed <contentInstance>, if any. */
static const char *m2md_ci_doc_type(const struct m2md_parsed *p)
{
	struct json_object *v, *item;

	if (!json_object_object_get_ex(p->attrs, "contentTypes", &v))
		return NULL;
	if (json_object_is_type(v, json_type_object) &&
	    !json_object_object_get_ex(v, "contentType", &v))
		return NULL;
	if (json_object_is_type(v, json_type_array)) {
		item = json_object_array_get_idx(v, 0);
		return item ? json_object_get_string(item) : NULL;
	}
	return json_object_get_string(v);
}

/*
 * Fill row (name, content, media type) from the request. Returns 0, or
 * fills reply and returns -1. row->data points into req or p.
 */
static int m2md_ci_body(const struct m2md_request *req,
			const struct m2md_target *t, struct m2md_parsed *p,
			struct m2md_resource *row, struct m2md_reply *reply)
{
	const struct m2md_rtype *type = m2md_rtype_find("contentInstance");
	const char *ctype = req->content_type;
	char detail[512];
	unsigned int status;

	row->data = (unsigned char *)req->body;
	row->len = req->body_len;
	if (m2md_ci_document(req)) {
		status = m2md_repr_parse(type, M2MD_REPR_CREATE,
					 req->content_type, req->body,
					 req->body_len, p, detail,
					 sizeof(detail));
		if (status) {
			m2md_reply_error(req, reply, status, detail);
			return -1;
		}
		row->data = p->content;
		row->len = p->has_content ? p->content_len : 0;
		ctype = m2md_ci_doc_type(p);
	}
	if (!ctype || !ctype[0])
		ctype = M2MD_OCTET_STREAM;
	if (strlen(ctype) >= sizeof(row->content_type)) {
		m2md_tree_fail(req, reply, 400,
			       "media type '%.64s...' is longer than %zu bytes",
			       ctype, sizeof(row->content_type) - 1);
		return -1;
	}
	snprintf(row->content_type, sizeof(row->content_type), "%s", ctype);
	if (t->limits.max_bytes > 0 && (int64_t)row->len > t->limits.max_bytes) {
		m2md_tree_fail(req, reply, 413,
			       "content of %zu bytes is larger than maxByteSize %" PRId64 " of the container",
			       row->len, t->limits.max_bytes);
		return -1;
	}
	return 0;
}

static void m2md_post_ci(struct m2md_tree *tree,
			 const struct m2md_request *req,
			 const struct m2md_principal *who,
			 struct m2md_target *t, struct m2md_reply *reply)
{
	struct m2md_ci_limits lim = { .max_instances = M2MD_INSTANCES_MAX };
	struct m2md_target made = { .kind = M2MD_TARGET_ROW };
	const struct m2md_rtype *type = m2md_rtype_find("contentInstance");
	struct m2md_resource *row = &made.res, body = { 0 };
	struct m2md_parsed p = { 0 };
	char name[M2MSEC_STR_MAX + 1];
	int64_t now = time(NULL);
	int ret, tries = 0;

	if (t->in_container)
		lim = t->limits;
	if (m2md_ci_body(req, t, &p, &body, reply))
		goto out;
	do {
		if (m2md_post_name(req, t, type, p.id, name, sizeof(name),
				   reply) ||
		    m2md_post_allowed(tree, req, who, t, type->name, name,
				      reply))
			goto out;
		ret = m2md_tree_fill_row(&made.res, t->res.path, type->name,
					 name, now);
		if (!ret) {
			row->data = body.data;
			row->len = body.len;
			snprintf(row->content_type, sizeof(row->content_type),
				 "%s", body.content_type);
			ret = m2md_store_ci_add(tree->store, row, &lim, NULL);
		}
	} while (ret == -EEXIST && !p.id[0] && ++tries < M2MD_NAME_TRIES);
	if (ret) {
		m2md_post_stored(tree, req, reply, ret, t->res.path,
				 row->path);
		goto out;
	}
	m2m_dbg_ratelimited("created contentInstance %s (%zu bytes of %s)",
			    row->path, row->len, row->content_type);
	m2md_tree_changed(tree, row, M2MD_CHANGE_CREATE);
	made.type = type;
	m2md_post_done(tree, req, &made, reply);
out:
	/* row->data belongs to req or p. */
	row->data = NULL;
	m2md_parsed_free(&p);
}

void m2md_tree_post(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, struct m2md_target *t,
		    struct m2md_reply *reply)
{
	char why[M2MD_RES_PATH_MAX + 128];
	struct m2md_query q;
	unsigned int status;

	if (t->kind != M2MD_TARGET_ROW || !t->type->child)
		return m2md_tree_not_allowed(req, reply,
					     m2md_target_methods(t),
					     "POST creates resources in collections only");
	status = m2md_query_parse(req, 0, &q, why, sizeof(why));
	if (status)
		return m2md_reply_error(req, reply, status, why);
	if (!m2md_tree_acceptable(req))
		return m2md_tree_fail(req, reply, 406,
				      "Accept '%.200s' admits neither XML nor JSON",
				      req->accept);
	if (!strcmp(t->type->name, "contentInstances"))
		return m2md_post_ci(tree, req, who, t, reply);
	if (!m2md_xml_media_type(req->content_type) &&
	    !m2md_json_media_type(req->content_type))
		return m2md_tree_fail(req, reply, 415,
				      "a resource is created from ETSI XML or JSON, not '%.100s'",
				      req->content_type ? req->content_type :
				      "(no Content-Type)");
	if (!req->body_len)
		return m2md_tree_fail(req, reply, 400,
				      "missing request body: POST to %s takes the representation of a <%s>",
				      t->res.path, t->type->child);
	m2md_post_resource(tree, req, who, t, reply);
}
