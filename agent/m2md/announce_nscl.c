// SPDX-License-Identifier: GPL-2.0
/*
 * The announcer's requests to the NSCL (POST, PUT and DELETE of the
 * <type>Annc mirror of a GSCL resource) and its record in the store:
 * "annc:<path>" contains the Annc's path below the NSCL base, and
 * "annc:index" the JSON list of announced paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/parser.h>

#include "client.h"
#include "log.h"
#include "notify_priv.h"
#include "reload.h"
#include "repr.h"
#include "xml.h"


/* The list of announced paths kept in the store. */
struct json_object *m2md_annc_index(struct m2md_notify *n)
{
	struct json_object *list = NULL;
	char *buf = malloc(65536);

	if (buf && !m2md_store_kv_get(n->tree->store, M2MD_ANNC_INDEX, buf,
				      65536))
		list = json_tokener_parse(buf);
	free(buf);
	if (list && !json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		list = NULL;
	}
	return list ? list : json_object_new_array();
}

/*
 * Add path to the index, or remove it and the paths below it (whose
 * announcements went with it on the NSCL) with their kv entries.
 */
static int m2md_annc_index_set(struct m2md_notify *n, const char *path,
			       bool add)
{
	char sub_key[M2MD_ANNC_KEY_MAX];
	struct json_object *list = m2md_annc_index(n), *fresh;
	const char *key = M2MD_ANNC_INDEX, *value;
	size_t i, len = json_object_array_length(list);
	bool found = false;
	int ret;

	fresh = json_object_new_array();
	for (i = 0; i < len; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		const char *p = json_object_get_string(item);

		if (!p || !strcmp(p, path)) {
			found = true;
			continue;
		}
		if (!add && m2md_path_under(p, path)) {
			snprintf(sub_key, sizeof(sub_key), "annc:%s", p);
			m2md_store_kv_delete(n->tree->store, sub_key);
			found = true;
			continue;
		}
		json_object_array_add(fresh, json_object_new_string(p));
	}
	if (add)
		json_object_array_add(fresh, json_object_new_string(path));
	ret = 0;
	if (add || found) {
		value = json_object_to_json_string_ext(fresh,
						       JSON_C_TO_STRING_PLAIN);
		ret = m2md_store_kv_set(n->tree->store, &key, &value, 1);
	}
	json_object_put(fresh);
	json_object_put(list);
	return ret;
}

/* The path below the NSCL base that mirrors a GSCL path. */
static int m2md_annc_remote(struct m2md_notify *n, const char *path,
			    char *out, size_t len)
{
	const char *rel = path + strlen(n->tree->root);

	if ((size_t)snprintf(out, len, "/scls/%s%s", n->tree->scl_id, rel) >=
	    len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Turn a create body into an update body: without the id attribute and
 * without link, which a client sets on create only.
 */
static int m2md_annc_strip(char **text, size_t *len)
{
	xmlDocPtr doc = xmlReadMemory(*text, *len, NULL, NULL,
				      XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL, child, next;
	xmlAttrPtr attr;
	int ret;

	if (!root) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	for (child = root->children; child; child = next) {
		next = child->next;
		if (child->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(child->name, BAD_CAST "link")) {
			xmlUnlinkNode(child);
			xmlFreeNode(child);
		}
	}
	for (attr = root->properties; attr; attr = attr->next) {
		if (!xmlStrcmp(attr->name, BAD_CAST "id")) {
			xmlRemoveProp(attr);
			break;
		}
	}
	free(*text);
	*text = NULL;
	ret = m2md_xml_dump(doc, text, len);
	xmlFreeDoc(doc);
	return ret;
}

/*
 * The body of <type>Annc for res: link, accessRightID (mapped to its own
 * announcement), searchStrings, expirationTime. On update, only the
 * attributes a client may change (link is set on create only).
 */
static int m2md_annc_body(struct m2md_notify *n, const struct m2md_resource *res,
			  bool update, char **out, size_t *len)
{
	const struct m2md_rtype *type;
	struct json_object *extra = json_object_new_object(), *list;
	char annc[M2MD_TYPE_MAX + 8], acl[M2MD_RES_PATH_MAX + 300];
	char **search = NULL;
	size_t i;
	int ret;

	snprintf(annc, sizeof(annc), "%sAnnc", res->type);
	type = m2md_rtype_find(annc);
	if (!type || !extra) {
		json_object_put(extra);
		return -EINVAL;
	}
	json_object_object_add(extra, "link",
			       json_object_new_string(res->path));
	if (res->acl[0] && m2md_path_under(res->acl, n->tree->root) &&
	    !m2md_annc_remote(n, res->acl, acl, sizeof(acl)))
		json_object_object_add(extra, "accessRightID",
				       json_object_new_string(acl));
	if (!m2md_store_res_search(n->tree->store, res->path, &search) &&
	    search && search[0]) {
		list = json_object_new_array();
		for (i = 0; search[i]; i++)
			json_object_array_add(list,
					      json_object_new_string(search[i]));
		json_object_object_add(extra, "searchStrings", list);
	}
	m2md_strv_free(search);
	if (res->expires)
		json_object_object_add(extra, "expirationTime",
				       json_object_new_int64(res->expires));
	ret = m2md_repr_create_body(annc, res->name, extra, out, len);
	json_object_put(extra);
	if (!ret && update)
		ret = m2md_annc_strip(out, len);
	return ret;
}

static long m2md_annc_send(struct m2md_notify *n, const char *method,
			   const char *url, const char *body, size_t len,
			   char *err, size_t errlen)
{
	struct m2md_client_req req = {
		.method = method, .url = url, .body = body, .len = len,
		.content_type = body ? "application/xml" : NULL,
		.timeout_ms = m2md_live_http_timeout(n->http_timeout_ms),
	};
	struct m2md_client_reply reply;
	long status = m2md_client_send(&req, &reply, err, errlen);

	m2md_client_reply_free(&reply);
	return status;
}

static int m2md_annc_record(struct m2md_notify *n, const char *key,
			    const char *path, const char *remote)
{
	const char *k = key;
	int ret = m2md_store_kv_set(n->tree->store, &k, &remote, 1);

	if (!ret)
		ret = m2md_annc_index_set(n, path, true);
	return ret;
}

static int m2md_annc_forget(struct m2md_notify *n, const char *key,
			    const char *path)
{
	int ret = m2md_store_kv_delete(n->tree->store, key);

	if (ret && ret != -ENOENT)
		return ret;
	return m2md_annc_index_set(n, path, false);
}

/* POST the Annc to the mirror of res's collection. */
int m2md_annc_create(struct m2md_notify *n, const char *base,
			    const struct m2md_resource *res, const char *key)
{
	char remote[M2MD_RES_PATH_MAX + 300], url[2 * M2MD_RES_PATH_MAX + 600];
	char err[256], *body = NULL;
	size_t len = 0;
	long status;

	if (m2md_annc_remote(n, res->path, remote, sizeof(remote)) ||
	    m2md_annc_body(n, res, false, &body, &len))
		return -EINVAL;
	snprintf(url, sizeof(url), "%s%.*s", base,
		 (int)(strrchr(remote, '/') - remote), remote);
	status = m2md_annc_send(n, "POST", url, body, len, err, sizeof(err));
	free(body);
	if (status == 201 || status == 409) {
		m2m_info_ratelimited("announce: %s announced at %s%s",
				     res->path, base, remote);
		return m2md_annc_record(n, key, res->path, remote);
	}
	m2m_warn_ratelimited("announce: POST %s for %s failed: %s", url,
			     res->path, err);
	return -EAGAIN;
}

int m2md_annc_update(struct m2md_notify *n, const char *base,
			    const struct m2md_resource *res, const char *key,
			    const char *remote)
{
	char url[2 * M2MD_RES_PATH_MAX + 600], err[256], *body = NULL;
	size_t len = 0;
	long status;

	if (m2md_annc_body(n, res, true, &body, &len))
		return -EINVAL;
	snprintf(url, sizeof(url), "%s%s", base, remote);
	status = m2md_annc_send(n, "PUT", url, body, len, err, sizeof(err));
	free(body);
	if (status >= 200 && status < 300)
		return 0;
	if (status == 404) {
		/* The NSCL lost it: announce again. */
		m2md_annc_forget(n, key, res->path);
		return m2md_annc_create(n, base, res, key);
	}
	m2m_warn_ratelimited("announce: PUT %s for %s failed: %s", url,
			     res->path, err);
	return -EAGAIN;
}

int m2md_annc_delete(struct m2md_notify *n, const char *base,
			    const char *path, const char *key,
			    const char *remote)
{
	char url[2 * M2MD_RES_PATH_MAX + 600], err[256];
	long status;

	snprintf(url, sizeof(url), "%s%s", base, remote);
	status = m2md_annc_send(n, "DELETE", url, NULL, 0, err, sizeof(err));
	if ((status >= 200 && status < 300) || status == 404) {
		m2m_info_ratelimited("announce: %s de-announced from %s", path,
				     url);
		return m2md_annc_forget(n, key, path);
	}
	m2m_warn_ratelimited("announce: DELETE %s for %s failed: %s", url,
			     path, err);
	return -EAGAIN;
}
