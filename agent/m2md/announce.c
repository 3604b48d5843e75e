// SPDX-License-Identifier: GPL-2.0
/*
 * Announcement to the NSCL (gateway role). A resource of the GSCL whose
 * announceTo names the NSCL is mirrored there as <type>Annc under
 * <base>/scls/<our sclId>/<its collection path>: created by POST,
 * refreshed by PUT when it changes, deleted when the resource is deleted
 * or announceTo stops naming the NSCL. A thread reconciles each changed
 * path with the NSCL and retries with a growing delay while the NSCL is
 * unreachable.
 *
 * The store keeps, per announced path, the kv entry "annc:<path>" whose
 * value is the Annc's path below the NSCL base, and in "annc:index" the
 * JSON list of those paths, so that a restart finds what it announced.
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
#include "repr.h"
#include "xml.h"

#define M2MD_ANNC_INDEX		"annc:index"
#define M2MD_ANNC_KEY_MAX	(M2MD_RES_PATH_MAX + 8)
/* The kv key of the NSCL's sclId, recorded by the service connection. */
#define M2MD_ANNC_NSCL_ID	"nscl_id"

struct m2md_annc {
	struct m2md_annc *next;
	char path[M2MD_RES_PATH_MAX];
	char type[M2MD_TYPE_MAX];
	bool update;			/* a PUT is due if announced */
	bool busy;			/* the announcer works on it */
	unsigned int fails;
	int64_t next_try_ms;
};

static struct m2md_ratelimit m2md_annc_rl = M2MD_RATELIMIT_INIT(5);

static const char *const m2md_annc_types[] = {
	"application", "container", "locationContainer", "accessRight",
	"group", NULL,
};

static bool m2md_annc_type(const char *type)
{
	size_t i;

	for (i = 0; m2md_annc_types[i]; i++)
		if (!strcmp(type, m2md_annc_types[i]))
			return true;
	return false;
}

bool m2md_announce_wants(struct m2md_notify *n,
			 const struct m2md_resource *res)
{
	return n->announce_base[0] && m2md_annc_type(res->type) &&
	       m2md_path_under(res->path, n->tree->root);
}

void m2md_announce_queue(struct m2md_notify *n, const char *path,
			 const char *type, bool update)
{
	struct m2md_annc *a, **link;

	for (a = n->anncs; a; a = a->next) {
		if (!a->busy && !strcmp(a->path, path)) {
			a->update |= update;
			a->next_try_ms = 0;
			pthread_cond_signal(&n->annc_wake);
			return;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		m2m_err("announce: out of memory: %s not reconciled", path);
		return;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->type, sizeof(a->type), "%s", type);
	a->update = update;
	/* In order, so that an application goes before its containers. */
	for (link = &n->anncs; *link; link = &(*link)->next)
		;
	*link = a;
	pthread_cond_signal(&n->annc_wake);
}

/* The list of announced paths kept in the store. */
static struct json_object *m2md_annc_index(struct m2md_notify *n)
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
		const char *p = json_object_get_string(
			json_object_array_get_idx(list, i));

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

int m2md_announce_load(struct m2md_notify *n)
{
	struct json_object *list = m2md_annc_index(n);
	struct m2md_resource res;
	const char *path;
	size_t i;

	pthread_mutex_lock(&n->lock);
	for (i = 0; i < json_object_array_length(list); i++) {
		path = json_object_get_string(json_object_array_get_idx(list,
									 i));
		if (!path)
			continue;
		/* Announced, then deleted while m2md was down. */
		if (m2md_store_res_get(n->tree->store, path, &res)) {
			m2md_announce_queue(n, path, "", false);
			continue;
		}
		m2md_announce_queue(n, path, res.type, true);
		m2md_resource_free(&res);
	}
	pthread_mutex_unlock(&n->lock);
	json_object_put(list);
	return 0;
}

/* True when a reference of announceTo's sclList names the NSCL. */
static bool m2md_annc_names_nscl(struct m2md_notify *n, const char *base,
				 const char *ref)
{
	char nscl_id[256] = "";
	const char *base_path = strstr(base, "://");
	size_t blen = strlen(base);

	if (!m2md_store_kv_get(n->tree->store, M2MD_ANNC_NSCL_ID, nscl_id,
			       sizeof(nscl_id)) && nscl_id[0] &&
	    !strcmp(ref, nscl_id))
		return true;
	while (blen && base[blen - 1] == '/')
		blen--;
	if (!strncmp(ref, base, blen) && (!ref[blen] || !strcmp(ref + blen, "/")))
		return true;
	base_path = base_path ? strchr(base_path + 3, '/') : NULL;
	return base_path && !strcmp(ref, base_path);
}

/* Whether attrs' announceTo names the NSCL and is not deactivated. */
static bool m2md_annc_wanted(struct m2md_notify *n, const char *base,
			     struct json_object *attrs)
{
	struct json_object *to, *v, *list;
	size_t i;

	if (!attrs || !json_object_object_get_ex(attrs, "announceTo", &to))
		return false;
	if (json_object_object_get_ex(to, "activated", &v) &&
	    !json_object_get_boolean(v))
		return false;
	if (!json_object_object_get_ex(to, "sclList", &list))
		return false;
	if (json_object_is_type(list, json_type_object))
		json_object_object_get_ex(list, "reference", &list);
	if (json_object_is_type(list, json_type_string))
		return m2md_annc_names_nscl(n, base,
					    json_object_get_string(list));
	if (!json_object_is_type(list, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(list); i++) {
		v = json_object_array_get_idx(list, i);
		if (json_object_is_type(v, json_type_string) &&
		    m2md_annc_names_nscl(n, base, json_object_get_string(v)))
			return true;
	}
	return false;
}

/* Path below the NSCL base of the mirror of the GSCL path path. */
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
		.timeout_ms = n->http_timeout_ms,
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
static int m2md_annc_create(struct m2md_notify *n, const char *base,
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
		m2m_info("announce: %s announced at %s%s", res->path, base,
			 remote);
		return m2md_annc_record(n, key, res->path, remote);
	}
	if (m2md_ratelimit_ok(&m2md_annc_rl))
		m2m_warn("announce: POST %s for %s failed: %s", url, res->path,
			 err);
	return -EAGAIN;
}

static int m2md_annc_update(struct m2md_notify *n, const char *base,
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
	if (m2md_ratelimit_ok(&m2md_annc_rl))
		m2m_warn("announce: PUT %s for %s failed: %s", url, res->path,
			 err);
	return -EAGAIN;
}

static int m2md_annc_delete(struct m2md_notify *n, const char *base,
			    const char *path, const char *key,
			    const char *remote)
{
	char url[2 * M2MD_RES_PATH_MAX + 600], err[256];
	long status;

	snprintf(url, sizeof(url), "%s%s", base, remote);
	status = m2md_annc_send(n, "DELETE", url, NULL, 0, err, sizeof(err));
	if ((status >= 200 && status < 300) || status == 404) {
		m2m_info("announce: %s de-announced from %s", path, url);
		return m2md_annc_forget(n, key, path);
	}
	if (m2md_ratelimit_ok(&m2md_annc_rl))
		m2m_warn("announce: DELETE %s for %s failed: %s", url, path,
			 err);
	return -EAGAIN;
}

/* Bring the NSCL's mirror of path in line with the GSCL. */
static int m2md_annc_reconcile(struct m2md_notify *n, const char *base,
			       const char *path, bool update)
{
	char key[M2MD_ANNC_KEY_MAX], remote[M2MD_RES_PATH_MAX + 300] = "";
	struct json_object *attrs = NULL;
	struct m2md_resource res;
	bool announced, exists, wanted = false;
	int ret = 0;

	snprintf(key, sizeof(key), "annc:%s", path);
	announced = !m2md_store_kv_get(n->tree->store, key, remote,
				       sizeof(remote));
	exists = !m2md_store_res_get(n->tree->store, path, &res);
	if (exists) {
		attrs = m2md_repr_attrs(&res);
		wanted = m2md_annc_wanted(n, base, attrs);
	}
	if (wanted && !announced)
		ret = m2md_annc_create(n, base, &res, key);
	else if (wanted && update)
		ret = m2md_annc_update(n, base, &res, key, remote);
	else if (!wanted && announced)
		ret = m2md_annc_delete(n, base, path, key, remote);
	json_object_put(attrs);
	if (exists)
		m2md_resource_free(&res);
	return ret;
}

static int64_t m2md_annc_backoff(unsigned int fails)
{
	int64_t ms = m2md_notify_backoff_ms;

	while (--fails && ms < M2MD_NOTIFY_BACKOFF_MAX_MS)
		ms *= 2;
	return ms < M2MD_NOTIFY_BACKOFF_MAX_MS ? ms : M2MD_NOTIFY_BACKOFF_MAX_MS;
}

/* An entry due now, or NULL with the next due time in *next. Lock held. */
static struct m2md_annc *m2md_annc_pick(struct m2md_notify *n, int64_t now,
					int64_t *next)
{
	struct m2md_annc *a;

	*next = -1;
	if (!n->announce_base[0])
		return NULL;
	for (a = n->anncs; a; a = a->next) {
		if (a->busy)
			continue;
		if (a->next_try_ms <= now)
			return a;
		if (*next < 0 || a->next_try_ms < *next)
			*next = a->next_try_ms;
	}
	return NULL;
}

static void m2md_annc_unlink(struct m2md_notify *n, struct m2md_annc *a)
{
	struct m2md_annc **link;

	for (link = &n->anncs; *link; link = &(*link)->next) {
		if (*link == a) {
			*link = a->next;
			free(a);
			return;
		}
	}
}

/* Work on one entry: lock held on entry and on return. */
static void m2md_annc_run(struct m2md_notify *n, struct m2md_annc *a)
{
	char base[sizeof(n->announce_base)], path[M2MD_RES_PATH_MAX];
	bool update = a->update;
	int ret;

	a->busy = true;
	a->update = false;
	memcpy(base, n->announce_base, sizeof(base));
	memcpy(path, a->path, sizeof(path));
	pthread_mutex_unlock(&n->lock);
	ret = m2md_annc_reconcile(n, base, path, update);
	pthread_mutex_lock(&n->lock);
	a->busy = false;
	if (!ret || ret == -EINVAL) {
		if (ret)
			m2m_err("announce: cannot build the announcement of %s",
				path);
		m2md_annc_unlink(n, a);
		return;
	}
	a->update |= update;
	a->fails++;
	a->next_try_ms = m2md_now_ms() + m2md_annc_backoff(a->fails);
}

static void *m2md_announce_thread(void *arg)
{
	struct m2md_notify *n = arg;
	struct m2md_annc *a;
	struct timespec ts;
	int64_t now, next;

	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		now = m2md_now_ms();
		a = m2md_annc_pick(n, now, &next);
		if (a) {
			m2md_annc_run(n, a);
			continue;
		}
		if (next < 0) {
			pthread_cond_wait(&n->annc_wake, &n->lock);
			continue;
		}
		m2md_deadline(&ts, next - now);
		pthread_cond_timedwait(&n->annc_wake, &n->lock, &ts);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int m2md_announce_start(struct m2md_notify *n)
{
	int ret = pthread_create(&n->announcer, NULL, m2md_announce_thread, n);

	if (ret)
		return -ret;
	n->announcer_started = true;
	return 0;
}

void m2md_announce_stop(struct m2md_notify *n)
{
	if (!n->announcer_started)
		return;
	pthread_join(n->announcer, NULL);
	n->announcer_started = false;
}

void m2md_announce_free(struct m2md_notify *n)
{
	struct m2md_annc *a;

	while ((a = n->anncs)) {
		n->anncs = a->next;
		free(a);
	}
}
