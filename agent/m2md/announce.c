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
 * The requests and their record in the store, from which a restart
 * learns what was announced, are in announce_nscl.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "notify_priv.h"
#include "repr.h"

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
		m2m_err_ratelimited("announce: out of memory: %s not reconciled",
				    path);
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

int m2md_announce_load(struct m2md_notify *n)
{
	struct json_object *list = m2md_annc_index(n), *item;
	struct m2md_resource res;
	const char *path;
	size_t i;

	pthread_mutex_lock(&n->lock);
	for (i = 0; i < json_object_array_length(list); i++) {
		item = json_object_array_get_idx(list, i);
		path = json_object_get_string(item);
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
static bool m2md_annc_desired(struct m2md_notify *n, const char *base,
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

/* Bring the NSCL's mirror of path in line with the GSCL. */
static int m2md_annc_reconcile(struct m2md_notify *n, const char *base,
			       const char *path, bool update)
{
	char key[M2MD_ANNC_KEY_MAX], remote[M2MD_RES_PATH_MAX + 300] = "";
	struct json_object *attrs = NULL;
	struct m2md_resource res;
	bool announced, exists, desired = false;
	int ret = 0;

	/* Before the first service connection the gateway has no sclId. */
	if (!n->tree->scl_id[0])
		return -EAGAIN;
	snprintf(key, sizeof(key), "annc:%s", path);
	announced = !m2md_store_kv_get(n->tree->store, key, remote,
				       sizeof(remote));
	exists = !m2md_store_res_get(n->tree->store, path, &res);
	if (exists) {
		attrs = m2md_repr_attrs(&res);
		desired = m2md_annc_desired(n, base, attrs);
	}
	if (desired && !announced)
		ret = m2md_annc_create(n, base, &res, key);
	else if (desired && update)
		ret = m2md_annc_update(n, base, &res, key, remote);
	else if (!desired && announced)
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
			m2m_err_ratelimited("announce: cannot build the announcement of %s",
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
