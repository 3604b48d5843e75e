// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery of notifications on worker threads: each subscription has a
 * bounded queue of <notify> documents to send to its contact, at most
 * one at a time and at most one per minimalTimeBetweenNotifications. A
 * failed delivery is retried after a delay that doubles per failure; the
 * subscription is deleted after M2MD_NOTIFY_FAILS_MAX failures in a row.
 *
 * A contact that accepts the connection and never answers holds a worker
 * for the whole HTTP timeout on every retry. So that such contacts cannot
 * take every worker from the healthy ones, at most one delivery is in
 * flight per contact host and port, and at most one for the
 * subscriptions that are failing (in backoff).
 * NOTE: stalled contacts on two hosts that have not failed yet can still
 * take both workers, once, for one HTTP timeout.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "client.h"
#include "log.h"
#include "notify_priv.h"
#include "reload.h"
#include "repr.h"

unsigned int m2md_notify_backoff_ms = 1000;


void m2md_pending_free(struct m2md_pending_notify *p)
{
	struct m2md_pending_notify *next;

	for (; p; p = next) {
		next = p->next;
		free(p->repr);
		free(p);
	}
}

static void m2md_pending_append(struct m2md_sub *sub,
				struct m2md_pending_notify *p)
{
	p->next = NULL;
	if (sub->tail)
		sub->tail->next = p;
	else
		sub->head = p;
	sub->tail = p;
	sub->npending++;
}

static struct m2md_pending_notify *m2md_pending_pop(struct m2md_sub *sub)
{
	struct m2md_pending_notify *p = sub->head;

	if (!p)
		return NULL;
	sub->head = p->next;
	if (!sub->head)
		sub->tail = NULL;
	sub->npending--;
	p->next = NULL;
	return p;
}

void m2md_sub_enqueue(struct m2md_notify *n, struct m2md_sub *sub,
		      const char *status, unsigned char *repr, size_t len)
{
	struct m2md_pending_notify *p, *old;

	/* Merged: the waiting notification takes the latest state. */
	if (sub->min_interval_ms > 0 && sub->tail) {
		free(sub->tail->repr);
		sub->tail->repr = repr;
		sub->tail->len = len;
		sub->tail->status = status;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		free(repr);
		sub->dropped++;
		return;
	}
	p->status = status;
	p->repr = repr;
	p->len = len;
	if (sub->npending >= M2MD_NOTIFY_PENDING_MAX) {
		old = m2md_pending_pop(sub);
		m2md_pending_free(old);
		sub->dropped++;
		m2m_warn_ratelimited("notify: %d notifications wait for %s: dropped the oldest (%lu dropped so far)",
				     M2MD_NOTIFY_PENDING_MAX, sub->path,
				     sub->dropped);
	}
	m2md_pending_append(sub, p);
}

void m2md_subs_reap(struct m2md_notify *n)
{
	struct m2md_sub **link = &n->subs, *sub;

	while ((sub = *link)) {
		if (sub->gone && !sub->head && !sub->in_flight) {
			*link = sub->next;
			free(sub);
		} else {
			link = &sub->next;
		}
	}
}

/* When sub may send its next notification, in m2md_now_ms() time. */
static int64_t m2md_sub_due(const struct m2md_sub *sub)
{
	int64_t due = sub->next_try_ms;

	if (sub->last_sent_ms && sub->min_interval_ms &&
	    sub->last_sent_ms + sub->min_interval_ms > due)
		due = sub->last_sent_ms + sub->min_interval_ms;
	return due;
}

static bool m2md_is_http(const char *uri)
{
	return !strncasecmp(uri, "http://", 7) ||
	       !strncasecmp(uri, "https://", 8);
}

/*
 * The host and port of an http contact in lower case, without user
 * information; "" for a notificationChannel path or another scheme.
 */
static void m2md_contact_authority(const char *contact, char *out, size_t len)
{
	const char *start, *end, *at;
	size_t n, i;

	out[0] = '\0';
	if (!m2md_is_http(contact))
		return;
	start = strstr(contact, "://") + 3;
	end = start + strcspn(start, "/?#");
	at = memrchr(start, '@', end - start);
	if (at)
		start = at + 1;
	n = (size_t)(end - start);
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)start[i]);
	out[n] = '\0';
}

/*
 * True when sub must wait for a delivery in flight: one to the same host
 * and port, or, when sub is failing, one of another failing subscription.
 * Lock held.
 */
static bool m2md_sub_held(const struct m2md_notify *n,
			  const struct m2md_sub *sub)
{
	char authority[M2MD_NOTIFY_AUTHORITY_MAX];
	const struct m2md_flight *f;
	size_t i;

	m2md_contact_authority(sub->contact, authority, sizeof(authority));
	for (i = 0; i < M2MD_NOTIFY_WORKERS; i++) {
		f = &n->flights[i];
		if (!f->busy)
			continue;
		if (sub->fails && f->failing)
			return true;
		if (authority[0] && !strcmp(authority, f->authority))
			return true;
	}
	return false;
}

/*
 * A subscription due now, or NULL with the next due time in *next. One
 * that is due but held waits for the end of a delivery, which wakes the
 * workers.
 */
static struct m2md_sub *m2md_sub_pick(struct m2md_notify *n, int64_t now,
				      int64_t *next)
{
	struct m2md_sub *sub;
	int64_t due;

	*next = -1;
	for (sub = n->subs; sub; sub = sub->next) {
		if (!sub->head || sub->in_flight)
			continue;
		due = m2md_sub_due(sub);
		if (due <= now) {
			if (!m2md_sub_held(n, sub))
				return sub;
			continue;
		}
		if (*next < 0 || due < *next)
			*next = due;
	}
	return NULL;
}

/* Take a free flight slot for sub (a worker has one). Lock held. */
static struct m2md_flight *m2md_flight_take(struct m2md_notify *n,
					    const struct m2md_sub *sub)
{
	struct m2md_flight *f = NULL;
	size_t i;

	for (i = 0; i < M2MD_NOTIFY_WORKERS && !f; i++)
		if (!n->flights[i].busy)
			f = &n->flights[i];
	if (!f)
		return NULL;
	f->busy = true;
	f->failing = sub->fails > 0;
	m2md_contact_authority(sub->contact, f->authority,
			       sizeof(f->authority));
	return f;
}

/* Send one <notify>. Returns 0, or -1 with the reason in err. */
static int m2md_deliver_one(struct m2md_notify *n, const char *sub_path,
			    const char *contact,
			    const struct m2md_pending_notify *p, char *err,
			    size_t errlen)
{
	struct m2md_client_req req = {
		.method = "POST", .url = contact,
		.content_type = "application/xml",
		.timeout_ms = m2md_live_http_timeout(n->http_timeout_ms),
	};
	struct m2md_client_reply reply;
	unsigned char *body;
	xmlDocPtr doc;
	size_t len = 0;
	int ret = -1;

	doc = m2md_repr_notify(p->status, p->repr, p->len, "application/xml",
			       sub_path);
	body = m2md_doc_bytes(doc, &len);
	if (doc)
		xmlFreeDoc(doc);
	if (!body) {
		snprintf(err, errlen, "cannot render the notify document");
		return -1;
	}
	if (m2md_is_http(contact) &&
	    m2md_notify_uri_check(n, contact, err, errlen)) {
		/* Checked at create too, but a name may resolve anew. */
		ret = -1;
	} else if (m2md_is_http(contact)) {
		req.body = body;
		req.len = len;
		m2md_client_send(&req, &reply, err, errlen);
		if (reply.status >= 200 && reply.status < 300)
			ret = 0;
		m2md_client_reply_free(&reply);
	} else if (contact[0] == '/') {
		ret = m2md_channel_push(n, contact, body, len);
		if (ret)
			snprintf(err, errlen,
				 "%.200s is not a notificationChannel of this SCL",
				 contact);
	} else {
		snprintf(err, errlen,
			 "contact is neither an http URI nor a notificationChannel path");
	}
	free(body);
	return ret ? -1 : 0;
}

static int64_t m2md_backoff_ms(unsigned int fails)
{
	int64_t ms = m2md_notify_backoff_ms;

	while (--fails && ms < M2MD_NOTIFY_BACKOFF_MAX_MS)
		ms *= 2;
	return ms < M2MD_NOTIFY_BACKOFF_MAX_MS ? ms : M2MD_NOTIFY_BACKOFF_MAX_MS;
}

/*
 * Account for a delivery attempt. Returns true when the subscription
 * failed too often and must be deleted. Lock held.
 */
static bool m2md_deliver_done(struct m2md_sub *sub,
			      struct m2md_pending_notify *p, int ret,
			      const char *err)
{
	int64_t now = m2md_now_ms();

	sub->in_flight = false;
	if (!ret) {
		sub->fails = 0;
		sub->last_sent_ms = now;
		sub->next_try_ms = 0;
		m2md_pending_free(p);
		return false;
	}
	sub->fails++;
	m2m_warn_ratelimited("notify: delivery for %s to %s failed (%s): failure %u of %d",
			     sub->path, sub->contact, err, sub->fails,
			     M2MD_NOTIFY_FAILS_MAX);
	if (sub->fails >= M2MD_NOTIFY_FAILS_MAX) {
		m2md_pending_free(p);
		m2md_pending_free(sub->head);
		sub->head = NULL;
		sub->tail = NULL;
		sub->npending = 0;
		if (sub->gone)
			return false;
		sub->gone = true;
		return true;
	}
	sub->next_try_ms = now + m2md_backoff_ms(sub->fails);
	/* A newer merged notification replaces the one that failed. */
	if (sub->min_interval_ms > 0 && sub->head) {
		m2md_pending_free(p);
		return false;
	}
	p->next = sub->head;
	sub->head = p;
	if (!sub->tail)
		sub->tail = p;
	sub->npending++;
	return false;
}

static void m2md_deliver_sub(struct m2md_notify *n, struct m2md_sub *sub)
{
	char path[M2MD_RES_PATH_MAX], contact[M2MD_NOTIFY_CONTACT_MAX];
	struct m2md_pending_notify *p = m2md_pending_pop(sub);
	struct m2md_flight *f = m2md_flight_take(n, sub);
	char err[256] = "";
	bool remove;
	int ret;

	sub->in_flight = true;
	memcpy(path, sub->path, sizeof(path));
	memcpy(contact, sub->contact, sizeof(contact));
	pthread_mutex_unlock(&n->lock);

	ret = m2md_deliver_one(n, path, contact, p, err, sizeof(err));

	pthread_mutex_lock(&n->lock);
	if (f) {
		f->busy = false;
		/* Subscriptions it held may go now. */
		pthread_cond_broadcast(&n->wake);
	}
	remove = m2md_deliver_done(sub, p, ret, err);
	m2md_subs_reap(n);
	if (!remove)
		return;
	pthread_mutex_unlock(&n->lock);
	m2m_warn_ratelimited("notify: deleting subscription %s after %d failed deliveries to %s",
			     path, M2MD_NOTIFY_FAILS_MAX, contact);
	ret = m2md_tree_delete(n->tree, path);
	if (ret && ret != -ENOENT)
		m2m_err_ratelimited("notify: cannot delete subscription %s: %s",
				    path, strerror(-ret));
	pthread_mutex_lock(&n->lock);
}

static void *m2md_deliver_thread(void *arg)
{
	struct m2md_notify *n = arg;
	struct m2md_event *ev;
	struct m2md_sub *sub;
	struct timespec ts;
	int64_t now, next;

	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		/* One thread at a time handles changes, in their order. */
		ev = n->events_busy ? NULL : n->ev_head;
		if (ev) {
			n->ev_head = ev->next;
			if (!n->ev_head)
				n->ev_tail = NULL;
			n->nevents--;
			n->events_busy = true;
			pthread_mutex_unlock(&n->lock);
			m2md_event_handle(n, ev);
			pthread_mutex_lock(&n->lock);
			if (!strcmp(ev->res.type, "subscription"))
				n->sub_events--;
			m2md_resource_free(&ev->res);
			free(ev);
			n->events_busy = false;
			pthread_cond_broadcast(&n->wake);
			continue;
		}
		now = m2md_now_ms();
		sub = m2md_sub_pick(n, now, &next);
		if (sub) {
			m2md_deliver_sub(n, sub);
			continue;
		}
		if (next < 0) {
			pthread_cond_wait(&n->wake, &n->lock);
			continue;
		}
		m2md_deadline(&ts, next - now);
		pthread_cond_timedwait(&n->wake, &n->lock, &ts);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int m2md_deliver_start(struct m2md_notify *n)
{
	int ret;

	for (n->nworkers = 0; n->nworkers < M2MD_NOTIFY_WORKERS;
	     n->nworkers++) {
		ret = pthread_create(&n->workers[n->nworkers], NULL,
				     m2md_deliver_thread, n);
		if (ret)
			return -ret;
	}
	return 0;
}

void m2md_deliver_stop(struct m2md_notify *n)
{
	size_t i;

	for (i = 0; i < n->nworkers; i++)
		pthread_join(n->workers[i], NULL);
	n->nworkers = 0;
}
