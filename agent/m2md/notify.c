// SPDX-License-Identifier: GPL-2.0
/*
 * The notification engine: changes recorded by request threads, the
 * subscriptions mirrored in memory (so that the subscriptions of a
 * deleted subtree can still be notified of the deletion), and the matching
 * of a change against them. Delivery is in notify_deliver.c.
 *
 * A change of resource r fires the subscriptions whose subject is r, r's
 * parent (a collection such as contentInstances or applications) and,
 * for a contentInstance, its container.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "log.h"
#include "notify_priv.h"
#include "repr.h"
#include "xml.h"


int64_t m2md_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void m2md_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

bool m2md_path_under(const char *path, const char *base)
{
	size_t len = strlen(base);

	return !strncmp(path, base, len) &&
	       (path[len] == '\0' || path[len] == '/');
}

int m2md_time_parse(const char *text, int64_t *out)
{
	int64_t secs;

	if (!m2md_xml_parse_long(text, &secs)) {
		*out = secs;
		return 0;
	}
	return m2md_xml_parse_time(text, out);
}

unsigned char *m2md_doc_bytes(void *doc, size_t *len)
{
	xmlChar *mem = NULL;
	unsigned char *copy;
	int size = 0;

	if (!doc)
		return NULL;
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (!mem)
		return NULL;
	copy = malloc(size + 1);
	if (copy) {
		memcpy(copy, mem, size);
		copy[size] = '\0';
		*len = size;
	}
	xmlFree(mem);
	return copy;
}

int m2md_resource_copy(struct m2md_resource *dst,
		       const struct m2md_resource *src, bool with_data)
{
	*dst = *src;
	dst->data = NULL;
	dst->len = 0;
	dst->search = NULL;
	if (!with_data || !src->data)
		return 0;
	dst->data = malloc(src->len + 1);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
	return 0;
}

/* The path of path's parent in out; "" for a root. */
static void m2md_parent_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* True when a subscription's subject may be affected by a change of res. */
static bool m2md_sub_concerns(const struct m2md_sub *sub,
			      const struct m2md_resource *res,
			      enum m2md_change change)
{
	char grand[M2MD_RES_PATH_MAX];

	if (change == M2MD_CHANGE_DELETE &&
	    m2md_path_under(sub->path, res->path))
		return true;
	if (!strcmp(sub->subject, res->path) ||
	    !strcmp(sub->subject, res->parent))
		return true;
	if (strcmp(res->type, "contentInstance"))
		return false;
	m2md_parent_of(res->parent, grand, sizeof(grand));
	return !strcmp(sub->subject, grand);
}

/* True when some event handler must look at this change. Lock held. */
static bool m2md_event_wanted(struct m2md_notify *n,
			      const struct m2md_resource *res,
			      enum m2md_change change)
{
	const struct m2md_sub *sub;

	/*
	 * Until the worker has read a new subscription, any change may
	 * concern it. A deleted subtree may hold channels or containers
	 * that the engine tracks.
	 */
	if (n->sub_events ||
	    !strcmp(res->type, "subscription") ||
	    !strcmp(res->type, "container") ||
	    !strcmp(res->type, "locationContainer") ||
	    (change == M2MD_CHANGE_DELETE &&
	     strcmp(res->type, "contentInstance")))
		return true;
	for (sub = n->subs; sub; sub = sub->next)
		if (!sub->gone && m2md_sub_concerns(sub, res, change))
			return true;
	return false;
}

void m2md_notify_changed(struct m2md_notify *n,
			 const struct m2md_resource *res,
			 enum m2md_change change)
{
	struct m2md_event *ev, *old;
	bool expired = m2md_sweeper_expiring();

	if (!n || !res)
		return;
	pthread_mutex_lock(&n->lock);
	if (m2md_announce_wants(n, res))
		m2md_announce_queue(n, res->path, res->type,
				    change == M2MD_CHANGE_UPDATE);
	if (!m2md_event_wanted(n, res, change)) {
		pthread_mutex_unlock(&n->lock);
		return;
	}
	pthread_mutex_unlock(&n->lock);

	ev = calloc(1, sizeof(*ev));
	if (!ev || m2md_resource_copy(&ev->res, res,
				      change == M2MD_CHANGE_DELETE)) {
		free(ev);
		m2m_err_ratelimited("notify: out of memory: change of %s not notified",
				    res->path);
		return;
	}
	ev->change = change;
	ev->expired = expired;

	pthread_mutex_lock(&n->lock);
	if (n->nevents >= M2MD_NOTIFY_EVENTS_MAX) {
		old = n->ev_head;
		n->ev_head = old->next;
		n->nevents--;
		n->events_dropped++;
		if (!strcmp(old->res.type, "subscription"))
			n->sub_events--;
		m2m_warn_ratelimited("notify: %zu changes waiting: dropped the change of %s (%lu dropped so far)",
				     n->nevents, old->res.path,
				     n->events_dropped);
		m2md_resource_free(&old->res);
		free(old);
	}
	if (n->ev_tail && n->ev_head)
		n->ev_tail->next = ev;
	else
		n->ev_head = ev;
	n->ev_tail = ev;
	n->nevents++;
	if (!strcmp(res->type, "subscription"))
		n->sub_events++;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

/* Collect the children of a resource before walking into them. */
struct m2md_walk {
	struct m2md_resource *items;
	size_t n, cap;
};

static int m2md_walk_add(const struct m2md_resource *res, void *ctx)
{
	struct m2md_walk *w = ctx;
	struct m2md_resource *grown;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		grown = realloc(w->items, w->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		w->items = grown;
	}
	m2md_resource_copy(&w->items[w->n++], res, false);
	return 0;
}

static void m2md_load_one(struct m2md_notify *n,
			  const struct m2md_resource *res)
{
	if (!strcmp(res->type, "subscription"))
		m2md_sub_load(n, res->path);
	else if (!strcmp(res->type, "container") ||
		 !strcmp(res->type, "locationContainer"))
		m2md_sweeper_load(n, res->path);
	pthread_mutex_lock(&n->lock);
	if (m2md_announce_wants(n, res))
		m2md_announce_queue(n, res->path, res->type, true);
	pthread_mutex_unlock(&n->lock);
}

/*
 * Load the state kept about existing resources: subscriptions, containers
 * with a maxInstanceAge, announced resources. contentInstances are
 * listed but not walked into, as they have no children.
 */
static int m2md_load_tree(struct m2md_notify *n, const char *path, int depth)
{
	struct m2md_walk w = { 0 };
	size_t i;
	int ret;

	if (depth > 32)
		return 0;
	ret = m2md_store_res_children(n->tree->store, path, false,
				      m2md_walk_add, &w);
	for (i = 0; !ret && i < w.n; i++) {
		m2md_load_one(n, &w.items[i]);
		if (strcmp(w.items[i].type, "contentInstance"))
			ret = m2md_load_tree(n, w.items[i].path, depth + 1);
	}
	free(w.items);
	return ret;
}

static void m2md_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

struct m2md_notify *m2md_notify_start(struct m2md_tree *tree,
				      const char *announce_base,
				      uint32_t http_timeout_ms)
{
	struct m2md_notify *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return NULL;
	n->tree = tree;
	n->http_timeout_ms = http_timeout_ms ? http_timeout_ms : 10000;
	pthread_mutex_init(&n->lock, NULL);
	m2md_cond_init(&n->wake);
	m2md_cond_init(&n->polled);
	m2md_cond_init(&n->annc_wake);
	m2md_cond_init(&n->sweep_wake);
	snprintf(n->announce_base, sizeof(n->announce_base), "%s",
		 announce_base ? announce_base : "");

	ret = m2md_load_tree(n, tree->root, 0);
	if (!ret)
		ret = m2md_announce_load(n);
	if (!ret)
		ret = m2md_deliver_start(n);
	if (!ret)
		ret = m2md_sweeper_start(n);
	if (!ret)
		ret = m2md_announce_start(n);
	if (ret) {
		m2m_err("notify: cannot start the notification engine of %s: %s",
			tree->root, strerror(-ret));
		m2md_notify_stop(n);
		return NULL;
	}
	m2m_info("notify: started for %s, announcing to %s", tree->root,
		 n->announce_base[0] ? n->announce_base : "(none)");
	return n;
}

void m2md_notify_set_announce_base(struct m2md_notify *n, const char *base)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	snprintf(n->announce_base, sizeof(n->announce_base), "%s", base);
	pthread_cond_signal(&n->annc_wake);
	pthread_mutex_unlock(&n->lock);
	m2m_info("notify: announcing to %s", base);
}

static void m2md_events_free(struct m2md_notify *n)
{
	struct m2md_event *ev;

	while ((ev = n->ev_head)) {
		n->ev_head = ev->next;
		m2md_resource_free(&ev->res);
		free(ev);
	}
	n->ev_tail = NULL;
	n->nevents = 0;
}

void m2md_notify_stop(struct m2md_notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_broadcast(&n->wake);
	pthread_cond_broadcast(&n->polled);
	pthread_cond_broadcast(&n->annc_wake);
	pthread_cond_broadcast(&n->sweep_wake);
	pthread_mutex_unlock(&n->lock);

	m2md_announce_stop(n);
	m2md_sweeper_stop(n);
	m2md_deliver_stop(n);

	m2md_events_free(n);
	m2md_subs_free(n);
	m2md_channels_free(n);
	m2md_announce_free(n);
	m2md_sweeper_free(n);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->polled);
	pthread_cond_destroy(&n->annc_wake);
	pthread_cond_destroy(&n->sweep_wake);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
