// SPDX-License-Identifier: GPL-2.0
/*
 * UPDATE and DELETE. A PUT merges the RW attributes of the body into the
 * stored ones: attributes it names are replaced, the others are kept. A
 * DELETE removes a resource with its subtree; the sclBase and the fixed
 * collections cannot be deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tree_priv.h"
#include "xml.h"

/* Common checks of PUT and DELETE: no query, a method t takes. */
static int m2md_write_checks(const struct m2md_request *req,
			     const struct m2md_target *t,
			     enum m2md_method method,
			     struct m2md_reply *reply)
{
	char why[M2MD_RES_PATH_MAX + 128];
	unsigned int methods = m2md_target_methods(t), status;
	struct m2md_query q;

	if (!(methods & method)) {
		m2md_tree_not_allowed(req, reply, methods,
				      method == M2MD_PUT ?
				      "the resource cannot be updated" :
				      "the resource cannot be deleted");
		return -1;
	}
	status = m2md_query_parse(req, 0, &q, why, sizeof(why));
	if (status) {
		m2md_reply_error(req, reply, status, why);
		return -1;
	}
	return 0;
}

/* Merge the attributes of p into those stored in res (a new object). */
static struct json_object *m2md_merge_attrs(const struct m2md_resource *res,
					    const struct m2md_parsed *p)
{
	struct json_object *attrs = m2md_repr_attrs(res);

	if (!attrs)
		attrs = json_object_new_object();
	if (!attrs)
		return NULL;
	json_object_object_foreach(p->attrs, key, val)
		json_object_object_add(attrs, key, json_object_get(val));
	return attrs;
}

/*
 * Store the update of t->res from p. Returns 0, a negative errno, or 1
 * with the reason in why when the merged attributes break a rule.
 */
static int m2md_put_store(struct m2md_tree *tree, const struct m2md_target *t,
			  const struct m2md_parsed *p, int64_t now, char *why,
			  size_t len)
{
	struct m2md_resource row = t->res;
	struct json_object *attrs;
	const char *text;
	int ret;

	attrs = m2md_merge_attrs(&t->res, p);
	if (!attrs)
		return -ENOMEM;
	if (m2md_tree_check_attrs(t->type, attrs, why, len)) {
		json_object_put(attrs);
		return 1;
	}
	text = json_object_to_json_string_ext(attrs, JSON_C_TO_STRING_PLAIN);
	row.data = (unsigned char *)text;
	row.len = strlen(text);
	if (p->expires)
		row.expires = p->expires;
	if (p->has_acl)
		snprintf(row.acl, sizeof(row.acl), "%s", p->acl);
	row.search = p->has_search ? p->search : NULL;
	row.modified = now;
	ret = m2md_store_res_update(tree->store, &row);
	json_object_put(attrs);
	return ret;
}

/*
 * WRITE alone must not let who point path at an accessRight that grants
 * more: a new accessRightID needs what m2md_acl_check_acl_change() asks.
 * Returns 0, or fills reply (403 or 500) and returns -1.
 */
static int m2md_put_acl_allowed(struct m2md_tree *tree,
				const struct m2md_request *req,
				const struct m2md_principal *who,
				const struct m2md_target *t,
				const struct m2md_parsed *p,
				struct m2md_reply *reply)
{
	char why[M2MD_RES_PATH_MAX + 256];
	int ret;

	if (!p->has_acl || !strcmp(p->acl, t->res.acl))
		return 0;
	ret = m2md_acl_check_acl_change(tree->store, tree->root, who,
					t->res.path, why, sizeof(why));
	if (!ret)
		return 0;
	if (ret == -EACCES)
		m2md_reply_error(req, reply, 403, why);
	else
		m2md_tree_fail(req, reply, 500,
			       "cannot check the access rights on %s: database error",
			       t->res.path);
	return -1;
}

void m2md_tree_put(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply)
{
	struct m2md_parsed p = { 0 };
	int64_t now = time(NULL);
	unsigned int status;
	char detail[512], path[M2MD_RES_PATH_MAX];
	int ret;

	if (m2md_write_checks(req, t, M2MD_PUT, reply) ||
	    m2md_tree_allow(tree, req, who, t->res.path, NULL,
			    M2MD_PERM_WRITE, reply))
		return;
	if (!m2md_tree_acceptable(req))
		return m2md_tree_fail(req, reply, 406,
				      "Accept '%.200s' admits neither XML nor JSON",
				      req->accept);
	if (!req->body_len)
		return m2md_tree_fail(req, reply, 400,
				      "missing request body: PUT takes the representation of a <%s>",
				      t->type->name);
	status = m2md_repr_parse(t->type, M2MD_REPR_UPDATE, req->content_type,
				 req->body, req->body_len, &p, detail,
				 sizeof(detail));
	if (status)
		return m2md_reply_error(req, reply, status, detail);
	if (p.expires && p.expires <= now) {
		m2md_tree_fail(req, reply, 400,
			       "expirationTime of %s has passed", t->res.path);
		goto out;
	}
	if (m2md_put_acl_allowed(tree, req, who, t, &p, reply))
		goto out;
	ret = m2md_put_store(tree, t, &p, now, detail, sizeof(detail));
	if (ret > 0) {
		m2md_reply_error(req, reply, 400, detail);
		goto out;
	}
	if (!ret) {
		snprintf(path, sizeof(path), "%s", t->res.path);
		m2md_resource_free(&t->res);
		ret = m2md_store_res_get(tree->store, path, &t->res);
	}
	if (ret) {
		m2md_tree_fail(req, reply, ret == -ENOENT ? 404 : 500,
			       "cannot update %s: %s", t->res.path,
			       ret == -ENOENT ? "it was deleted" :
			       "database error");
		goto out;
	}
	m2m_dbg_ratelimited("updated %s %s", t->res.type, t->res.path);
	m2md_tree_changed(tree, &t->res, M2MD_CHANGE_UPDATE);
	m2md_tree_reply_res(tree, req, reply, 200, t);
out:
	m2md_parsed_free(&p);
}

void m2md_tree_del(struct m2md_tree *tree, const struct m2md_request *req,
		   const struct m2md_principal *who, struct m2md_target *t,
		   struct m2md_reply *reply)
{
	int ret;

	if (m2md_write_checks(req, t, M2MD_DELETE, reply) ||
	    m2md_tree_allow(tree, req, who, t->res.path, NULL,
			    M2MD_PERM_DELETE, reply))
		return;
	ret = m2md_store_res_delete(tree->store, t->res.path, time(NULL));
	if (ret < 0)
		return m2md_tree_fail(req, reply, ret == -ENOENT ? 404 : 500,
				      "cannot delete %s: %s", t->res.path,
				      ret == -ENOENT ? "it does not exist" :
				      "database error");
	m2m_dbg_ratelimited("deleted %s %s and %d resources below it",
			    t->res.type, t->res.path, ret - 1);
	m2md_tree_changed(tree, &t->res, M2MD_CHANGE_DELETE);
	/* 204: ETSI's STATUS_OK for a delete, with nothing to send. */
	m2md_reply_set(reply, 204, NULL, NULL, 0);
}
