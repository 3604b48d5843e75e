// SPDX-License-Identifier: GPL-2.0
/*
 * Subscriptions as the engine keeps them, and the matching of a change
 * against them: which subscription is notified, with which statusCode and
 * which representation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "log.h"
#include "notify_priv.h"
#include "repr.h"

static const char *m2md_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A dateTime of filterCriteria, kept as text or as Unix seconds. */
static int64_t m2md_json_time(struct json_object *obj, const char *key)
{
	struct json_object *v;
	int64_t t;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_string) &&
	    !m2md_time_parse(json_object_get_string(v), &t))
		return t;
	return 0;
}

/* ifMatch and ifNoneMatch: one string, or an array of them. */
static size_t m2md_json_tags(struct json_object *obj, const char *key,
			     char tags[][64])
{
	struct json_object *v, *item;
	size_t n = 0, i;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		snprintf(tags[0], 64, "%s", json_object_get_string(v));
		return 1;
	}
	if (!json_object_is_type(v, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(v); i++) {
		if (n == M2MD_NOTIFY_TAGS_MAX)
			break;
		item = json_object_array_get_idx(v, i);
		if (json_object_is_type(item, json_type_string))
			snprintf(tags[n++], 64, "%s",
				 json_object_get_string(item));
	}
	return n;
}

/* The subject of <subject>/subscriptions/<id>, or -EINVAL. */
static int m2md_sub_subject(const char *path, char *out, size_t len)
{
	const char *last = strrchr(path, '/'), *coll;
	size_t n;

	if (!last || last == path)
		return -EINVAL;
	for (coll = last - 1; coll > path && *coll != '/'; coll--)
		;
	if (*coll != '/' || strncmp(coll, "/subscriptions/", 15))
		return -EINVAL;
	n = coll - path;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

static int m2md_sub_parse(const struct m2md_resource *res,
			  struct m2md_sub *sub)
{
	struct json_object *attrs = m2md_repr_attrs(res), *filter = NULL, *v;
	const char *contact = m2md_json_str(attrs, "contact");
	int ret = 0;

	snprintf(sub->path, sizeof(sub->path), "%s", res->path);
	if (m2md_sub_subject(res->path, sub->subject, sizeof(sub->subject)))
		ret = -EINVAL;
	snprintf(sub->contact, sizeof(sub->contact), "%s",
		 contact ? contact : "");
	v = NULL;
	if (attrs)
		json_object_object_get_ex(attrs,
					  "minimalTimeBetweenNotifications", &v);
	if (v)
		sub->min_interval_ms = json_object_get_int64(v);
	if (sub->min_interval_ms < 0)
		sub->min_interval_ms = 0;
	/* NOTE: delayTolerance, the other choice of the schema, is ignored. */
	if (attrs)
		json_object_object_get_ex(attrs, "filterCriteria", &filter);
	sub->filter.modified_since = m2md_json_time(filter, "ifModifiedSince");
	sub->filter.unmodified_since =
		m2md_json_time(filter, "ifUnmodifiedSince");
	sub->filter.nmatch = m2md_json_tags(filter, "ifMatch",
					    sub->filter.match);
	sub->filter.nnone_match = m2md_json_tags(filter, "ifNoneMatch",
						 sub->filter.none_match);
	json_object_put(attrs);
	return ret;
}

static struct m2md_sub *m2md_sub_find(struct m2md_notify *n, const char *path)
{
	struct m2md_sub *sub;

	for (sub = n->subs; sub; sub = sub->next)
		if (!sub->gone && !strcmp(sub->path, path))
			return sub;
	return NULL;
}

void m2md_sub_load(struct m2md_notify *n, const char *path)
{
	struct m2md_sub *fresh = calloc(1, sizeof(*fresh)), *sub;
	struct m2md_resource res;
	int ret;

	if (!fresh)
		return;
	ret = m2md_store_res_get(n->tree->store, path, &res);
	if (ret) {
		free(fresh);
		return;
	}
	ret = m2md_sub_parse(&res, fresh);
	m2md_resource_free(&res);
	if (ret) {
		m2m_warn_ratelimited("notify: subscription %s is not under a subscriptions collection: ignored",
				     path);
		free(fresh);
		return;
	}
	pthread_mutex_lock(&n->lock);
	sub = m2md_sub_find(n, path);
	if (sub) {
		/* An update keeps what is waiting for delivery. */
		memcpy(sub->subject, fresh->subject, sizeof(sub->subject));
		memcpy(sub->contact, fresh->contact, sizeof(sub->contact));
		sub->min_interval_ms = fresh->min_interval_ms;
		sub->filter = fresh->filter;
		free(fresh);
	} else {
		fresh->next = n->subs;
		n->subs = fresh;
	}
	pthread_mutex_unlock(&n->lock);
}

static bool m2md_tag_in(const char tags[][64], size_t n, const char *tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tags[i], tag) || !strcmp(tags[i], "*"))
			return true;
	return false;
}

/* filterCriteria: ifModifiedSince, ifUnmodifiedSince, ifMatch, ifNoneMatch. */
static bool m2md_filter_pass(const struct m2md_sub_filter *f,
			     const struct m2md_resource *res)
{
	char etag[64];

	if (f->modified_since && res->modified <= f->modified_since)
		return false;
	if (f->unmodified_since && res->modified > f->unmodified_since)
		return false;
	snprintf(etag, sizeof(etag), "\"%" PRId64 "-%" PRId64 "\"", res->seq,
		 res->version);
	if (f->nmatch && !m2md_tag_in(f->match, f->nmatch, etag))
		return false;
	if (f->nnone_match && m2md_tag_in(f->none_match, f->nnone_match, etag))
		return false;
	return true;
}

/* The XML of a deleted resource, from the copy the event kept. */
static unsigned char *m2md_render_gone(const struct m2md_resource *res,
				       size_t *len)
{
	struct m2md_render r = { .res = res };
	unsigned char *bytes = NULL;
	xmlDocPtr doc;

	r.type = m2md_rtype_find(res->type);
	if (!r.type)
		return NULL;
	r.subs = r.type->subs;
	r.attrs = m2md_repr_attrs(res);
	doc = m2md_repr_xml(&r);
	if (doc) {
		bytes = m2md_doc_bytes(doc, len);
		xmlFreeDoc(doc);
	}
	json_object_put(r.attrs);
	return bytes;
}

static unsigned char *m2md_render_now(struct m2md_notify *n,
				      const char *path, size_t *len)
{
	xmlDocPtr doc = m2md_tree_render(n->tree, path);
	unsigned char *bytes;

	if (!doc)
		return NULL;
	bytes = m2md_doc_bytes(doc, len);
	xmlFreeDoc(doc);
	return bytes;
}

static void m2md_pending_drop_all(struct m2md_sub *sub)
{
	m2md_pending_free(sub->head);
	sub->head = NULL;
	sub->tail = NULL;
	sub->npending = 0;
}

/*
 * What a change means to sub: 0 nothing, 1 a notification, 2 the final
 * notification of a deleted subject, 3 the subscription itself is gone.
 */
static int m2md_sub_verdict(const struct m2md_sub *sub,
			    const struct m2md_event *ev)
{
	const struct m2md_resource *res = &ev->res;
	char grand[M2MD_RES_PATH_MAX];
	const char *slash;
	size_t len;

	if (ev->change == M2MD_CHANGE_DELETE) {
		if (m2md_path_under(sub->subject, res->path))
			return 2;
		if (m2md_path_under(sub->path, res->path))
			return 3;
	}
	if (!strcmp(sub->subject, res->path) ||
	    !strcmp(sub->subject, res->parent))
		return m2md_filter_pass(&sub->filter, res);
	if (strcmp(res->type, "contentInstance"))
		return 0;
	slash = strrchr(res->parent, '/');
	len = slash ? (size_t)(slash - res->parent) : 0;
	if (len >= sizeof(grand))
		return 0;
	memcpy(grand, res->parent, len);
	grand[len] = '\0';
	return !strcmp(sub->subject, grand) &&
	       m2md_filter_pass(&sub->filter, res);
}

static bool m2md_event_needs_repr(struct m2md_notify *n,
				  const struct m2md_event *ev)
{
	struct m2md_sub *sub;
	bool need = false;

	pthread_mutex_lock(&n->lock);
	for (sub = n->subs; sub && !need; sub = sub->next) {
		int v = sub->gone ? 0 : m2md_sub_verdict(sub, ev);

		need = v == 1 || v == 2;
	}
	pthread_mutex_unlock(&n->lock);
	return need;
}

static void m2md_event_match(struct m2md_notify *n,
			     const struct m2md_event *ev,
			     const unsigned char *repr, size_t len)
{
	const char *status = "STATUS_OK";
	unsigned char *copy;
	struct m2md_sub *sub;
	int verdict;

	if (ev->change == M2MD_CHANGE_DELETE)
		status = ev->expired ? "STATUS_EXPIRED" : "STATUS_DELETED";
	pthread_mutex_lock(&n->lock);
	for (sub = n->subs; sub; sub = sub->next) {
		verdict = sub->gone ? 0 : m2md_sub_verdict(sub, ev);
		if (!verdict)
			continue;
		if (verdict == 3) {
			m2md_pending_drop_all(sub);
			sub->gone = true;
			continue;
		}
		copy = NULL;
		if (repr) {
			copy = malloc(len);
			if (copy)
				memcpy(copy, repr, len);
		}
		m2md_sub_enqueue(n, sub, status, copy, copy ? len : 0);
		if (verdict == 2) {
			m2m_info_ratelimited("notify: subject %s of subscription %s is gone",
					     sub->subject, sub->path);
			sub->gone = true;
		}
	}
	m2md_subs_reap(n);
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

/* Keep the engine's own state in step with the tree. */
static void m2md_event_track(struct m2md_notify *n,
			     const struct m2md_event *ev)
{
	const struct m2md_resource *res = &ev->res;

	if (ev->change == M2MD_CHANGE_DELETE) {
		m2md_sweeper_forget_under(n, res->path);
		m2md_channel_drop(n, res->path);
		return;
	}
	if (!strcmp(res->type, "subscription"))
		m2md_sub_load(n, res->path);
	else if (!strcmp(res->type, "container") ||
		 !strcmp(res->type, "locationContainer"))
		m2md_sweeper_load(n, res->path);
}

void m2md_event_handle(struct m2md_notify *n, const struct m2md_event *ev)
{
	const struct m2md_rtype *type = m2md_rtype_find(ev->res.type);
	unsigned char *repr = NULL;
	size_t len = 0;

	m2md_event_track(n, ev);
	/*
	 * A collection is updated only because a child changed, and that
	 * change is notified on its own.
	 */
	if (ev->change == M2MD_CHANGE_UPDATE && type && type->child)
		return;
	if (!m2md_event_needs_repr(n, ev)) {
		m2md_event_match(n, ev, NULL, 0);
		return;
	}
	if (ev->change == M2MD_CHANGE_DELETE) {
		repr = m2md_render_gone(&ev->res, &len);
	} else {
		repr = m2md_render_now(n, ev->res.path, &len);
		/* Deleted meanwhile: its delete event follows. */
		if (!repr)
			return;
	}
	m2md_event_match(n, ev, repr, len);
	free(repr);
}

void m2md_subs_free(struct m2md_notify *n)
{
	struct m2md_sub *sub;

	while ((sub = n->subs)) {
		n->subs = sub->next;
		m2md_pending_drop_all(sub);
		free(sub);
	}
}
