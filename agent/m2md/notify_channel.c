// SPDX-License-Identifier: GPL-2.0
/*
 * notificationChannel long polling: notifications whose contact is the
 * path of a channel wait in its queue (M2MD_CHANNEL_QUEUE_MAX, the
 * oldest dropped beyond) until a client polls <channel>/longPolling.
 * NOTE: the queues live in memory and are lost when m2md restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "log.h"
#include "notify_priv.h"
#include "repr.h"

unsigned int m2md_long_poll_ms = M2MD_LONG_POLL_S * 1000;


struct m2md_queued {
	struct m2md_queued *next;
	unsigned char *doc;
	size_t len;
};

struct m2md_channel {
	struct m2md_channel *next;
	char path[M2MD_RES_PATH_MAX];
	struct m2md_queued *head, *tail;
	size_t n;
	unsigned long dropped;
	unsigned int waiters;		/* pollers holding this channel */
	bool deleted;			/* unlinked, freed by the last poller */
};

static bool m2md_channel_exists(struct m2md_notify *n, const char *path)
{
	struct m2md_resource res;
	bool ok;

	if (!m2md_path_under(path, n->tree->root) ||
	    m2md_store_res_get(n->tree->store, path, &res))
		return false;
	ok = !strcmp(res.type, "notificationChannel");
	m2md_resource_free(&res);
	return ok;
}

static struct m2md_channel *m2md_channel_get(struct m2md_notify *n,
					     const char *path, bool create)
{
	struct m2md_channel *ch;

	for (ch = n->channels; ch; ch = ch->next)
		if (!strcmp(ch->path, path))
			return ch;
	if (!create)
		return NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	snprintf(ch->path, sizeof(ch->path), "%s", path);
	ch->next = n->channels;
	n->channels = ch;
	return ch;
}

static void m2md_queue_free(struct m2md_channel *ch)
{
	struct m2md_queued *q;

	while ((q = ch->head)) {
		ch->head = q->next;
		free(q->doc);
		free(q);
	}
	ch->tail = NULL;
	ch->n = 0;
}

int m2md_channel_push(struct m2md_notify *n, const char *path,
		      const unsigned char *doc, size_t len)
{
	struct m2md_queued *q, *old;
	struct m2md_channel *ch;

	if (!m2md_channel_exists(n, path))
		return -ENOENT;
	q = calloc(1, sizeof(*q));
	if (q)
		q->doc = malloc(len);
	if (!q || !q->doc) {
		free(q);
		return -ENOMEM;
	}
	memcpy(q->doc, doc, len);
	q->len = len;

	pthread_mutex_lock(&n->lock);
	ch = m2md_channel_get(n, path, true);
	if (!ch) {
		pthread_mutex_unlock(&n->lock);
		free(q->doc);
		free(q);
		return -ENOMEM;
	}
	if (ch->n >= M2MD_CHANNEL_QUEUE_MAX) {
		old = ch->head;
		ch->head = old->next;
		ch->n--;
		ch->dropped++;
		free(old->doc);
		free(old);
		m2m_warn_ratelimited("notify: channel %s holds %d notifications: dropped the oldest (%lu dropped so far)",
				     path, M2MD_CHANNEL_QUEUE_MAX, ch->dropped);
	}
	if (ch->head)
		ch->tail->next = q;
	else
		ch->head = q;
	ch->tail = q;
	ch->n++;
	pthread_cond_broadcast(&n->polled);
	pthread_mutex_unlock(&n->lock);
	return 0;
}

static void m2md_channel_unlink(struct m2md_notify *n, struct m2md_channel *ch)
{
	struct m2md_channel **link;

	for (link = &n->channels; *link; link = &(*link)->next) {
		if (*link == ch) {
			*link = ch->next;
			return;
		}
	}
}

void m2md_channel_drop(struct m2md_notify *n, const char *path)
{
	struct m2md_channel *ch, *next;

	pthread_mutex_lock(&n->lock);
	for (ch = n->channels; ch; ch = next) {
		next = ch->next;
		if (!m2md_path_under(ch->path, path))
			continue;
		m2md_channel_unlink(n, ch);
		m2md_queue_free(ch);
		if (ch->waiters)
			ch->deleted = true;
		else
			free(ch);
	}
	pthread_cond_broadcast(&n->polled);
	pthread_mutex_unlock(&n->lock);
}

void m2md_channels_free(struct m2md_notify *n)
{
	struct m2md_channel *ch;

	while ((ch = n->channels)) {
		n->channels = ch->next;
		m2md_queue_free(ch);
		free(ch);
	}
}

/* Reply to a poll with a queued <notify>, as XML or as JSON. */
static void m2md_poll_reply(const struct m2md_request *req,
			    struct m2md_reply *reply, struct m2md_queued *q)
{
	char *json = NULL;
	size_t len = 0;
	xmlDocPtr doc;

	if (!m2md_request_wants_json(req)) {
		if (m2md_reply_set(reply, 200, "application/xml", q->doc,
				   q->len))
			m2md_reply_error(req, reply, 500, "out of memory");
		return;
	}
	doc = xmlReadMemory((const char *)q->doc, q->len, NULL, NULL,
			    XML_PARSE_NONET);
	if (!doc || m2md_repr_doc_json(doc, &json, &len) ||
	    m2md_reply_set(reply, 200, "application/json", json, len))
		m2md_reply_error(req, reply, 500,
				 "cannot convert the notification to JSON");
	free(json);
	if (doc)
		xmlFreeDoc(doc);
}

/* Wait for the oldest notification of ch. Lock held. */
static struct m2md_queued *m2md_poll_wait(struct m2md_notify *n,
					  struct m2md_channel *ch)
{
	struct m2md_queued *q = NULL;
	struct timespec ts;

	m2md_deadline(&ts, m2md_long_poll_ms);
	ch->waiters++;
	while (!n->stopping && !ch->deleted && !ch->head) {
		if (pthread_cond_timedwait(&n->polled, &n->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	q = ch->deleted ? NULL : ch->head;
	if (q) {
		ch->head = q->next;
		if (!ch->head)
			ch->tail = NULL;
		ch->n--;
	}
	ch->waiters--;
	return q;
}

void m2md_notify_long_poll(struct m2md_notify *n, const char *channel_path,
			   const struct m2md_request *req,
			   struct m2md_reply *reply)
{
	struct m2md_channel *ch;
	struct m2md_queued *q;
	bool deleted, stopping;
	char info[M2MD_RES_PATH_MAX + 64];

	if (!n) {
		m2md_reply_error(req, reply, 503,
				 "notifications are not enabled on this SCL");
		return;
	}
	if (!m2md_channel_exists(n, channel_path)) {
		snprintf(info, sizeof(info), "%s is not a notificationChannel",
			 channel_path);
		m2md_reply_error(req, reply, 404, info);
		return;
	}
	pthread_mutex_lock(&n->lock);
	ch = m2md_channel_get(n, channel_path, true);
	if (!ch) {
		pthread_mutex_unlock(&n->lock);
		m2md_reply_error(req, reply, 500, "out of memory");
		return;
	}
	q = m2md_poll_wait(n, ch);
	deleted = ch->deleted;
	stopping = n->stopping;
	if (deleted && !ch->waiters)
		free(ch);
	pthread_mutex_unlock(&n->lock);

	if (q) {
		m2md_poll_reply(req, reply, q);
		free(q->doc);
		free(q);
	} else if (deleted) {
		snprintf(info, sizeof(info),
			 "notificationChannel %s was deleted", channel_path);
		m2md_reply_error(req, reply, 404, info);
	} else if (stopping) {
		m2md_reply_error(req, reply, 503, "the SCL is stopping");
	} else {
		/* Nothing arrived in time: 204, no content, poll again. */
		reply->status = 204;
		reply->content_type[0] = '\0';
	}
}
