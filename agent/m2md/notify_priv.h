/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the notification engine shared by notify.c (changes,
 * subscriptions, delivery), notify_channel.c (long polling), announce.c,
 * sweeper.c and group.c. One mutex (n->lock) guards every list here.
 */
#ifndef M2MD_NOTIFY_PRIV_H
#define M2MD_NOTIFY_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "notify.h"
#include "tree.h"

/* Changes waiting for the worker; beyond this the oldest is dropped. */
#define M2MD_NOTIFY_EVENTS_MAX		4096
/* Notifications waiting per subscription; beyond it the oldest goes. */
#define M2MD_NOTIFY_PENDING_MAX		64
/* Delivery threads, so that one slow contact does not stall the rest. */
#define M2MD_NOTIFY_WORKERS		2
/* Maximum wait between two delivery attempts, in milliseconds. */
#define M2MD_NOTIFY_BACKOFF_MAX_MS	60000
#define M2MD_NOTIFY_CONTACT_MAX		1024
/* Host and port of a contact URI, as compared between deliveries. */
#define M2MD_NOTIFY_AUTHORITY_MAX	256
/* Tunnel prefixes kept: tunnel-prefix, tunnel-prefix4, tunnel-routes. */
#define M2MD_NOTIFY_TUNNEL_MAX		18
/* Items of filterCriteria ifMatch and ifNoneMatch that are kept. */
#define M2MD_NOTIFY_TAGS_MAX		8

/*
 * Test hooks, set before m2md_notify_start(): the first retry delay of a
 * failed delivery (doubled per failure), the wait of a long poll and the
 * period of the expiry sweeper.
 */
extern unsigned int m2md_notify_backoff_ms;
extern unsigned int m2md_long_poll_ms;
extern unsigned int m2md_sweep_period_ms;

/* A change queued for the worker threads. */
struct m2md_event {
	struct m2md_event *next;
	enum m2md_change change;
	bool expired;			/* deleted by the expiry sweeper */
	struct m2md_resource res;	/* data kept for deletes only */
};

/* One notification waiting for delivery. */
struct m2md_pending_notify {
	struct m2md_pending_notify *next;
	const char *status;		/* ETSI statusCode, static string */
	unsigned char *repr;		/* XML of the resource, may be NULL */
	size_t len;
};

/* filterCriteria of a subscription (0 and empty lists are unset). */
struct m2md_sub_filter {
	int64_t modified_since;		/* notify if modified after */
	int64_t unmodified_since;	/* notify if not modified after */
	char match[M2MD_NOTIFY_TAGS_MAX][64];
	size_t nmatch;
	char none_match[M2MD_NOTIFY_TAGS_MAX][64];
	size_t nnone_match;
};

/* A subscription known to the engine, mirrored from the store. */
struct m2md_sub {
	struct m2md_sub *next;
	char path[M2MD_RES_PATH_MAX];
	char subject[M2MD_RES_PATH_MAX];
	char contact[M2MD_NOTIFY_CONTACT_MAX];
	int64_t min_interval_ms;	/* minimalTimeBetweenNotifications */
	struct m2md_sub_filter filter;
	/* Delivery state. */
	struct m2md_pending_notify *head, *tail;
	size_t npending;
	unsigned long dropped;
	unsigned int fails;		/* failures in a row */
	int64_t last_sent_ms;
	int64_t next_try_ms;
	bool in_flight;
	/* Removed from the store: freed after its last notification. */
	bool gone;
};

struct m2md_channel;
struct m2md_annc;

/* A delivery in flight on one worker (notify_deliver.c). */
struct m2md_flight {
	bool busy;
	bool failing;			/* its subscription was failing */
	char authority[M2MD_NOTIFY_AUTHORITY_MAX];	/* "" for a channel */
};

struct m2md_notify {
	struct m2md_tree *tree;
	uint32_t http_timeout_ms;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* workers: event or due delivery */
	bool stopping;

	struct m2md_event *ev_head, *ev_tail;
	size_t nevents;
	bool events_busy;		/* a worker handles a change */
	size_t sub_events;		/* queued changes of subscriptions */
	unsigned long events_dropped;
	struct m2md_sub *subs;

	pthread_t workers[M2MD_NOTIFY_WORKERS];
	size_t nworkers;
	struct m2md_flight flights[M2MD_NOTIFY_WORKERS];

	/* Prefixes the SCL must not send to as itself (group.c). */
	struct m2m_allowedip tunnel[M2MD_NOTIFY_TUNNEL_MAX];
	size_t ntunnel;

	/* Long polling (notify_channel.c). */
	struct m2md_channel *channels;
	pthread_cond_t polled;		/* pollers: queue changed */

	/* Announcement (announce.c). */
	char announce_base[1024];
	struct m2md_annc *anncs;	/* paths to reconcile */
	pthread_cond_t annc_wake;
	pthread_t announcer;
	bool announcer_started;

	/* Expiry (sweeper.c): containers with a maxInstanceAge. */
	struct m2md_aged *aged;
	pthread_cond_t sweep_wake;
	pthread_t sweeper;
	bool sweeper_started;
};

/* A container whose instances expire after max_age seconds. */
struct m2md_aged {
	struct m2md_aged *next;
	char path[M2MD_RES_PATH_MAX];
	int64_t max_age;
};

/* Monotonic clock in milliseconds. */
int64_t m2md_now_ms(void);
/* Absolute CLOCK_MONOTONIC time ms from now, for timed waits. */
void m2md_deadline(struct timespec *ts, int64_t ms);

/* Parse an xsd:dateTime (or Unix seconds) into Unix seconds. */
int m2md_time_parse(const char *text, int64_t *out);
/* Serialize a document as UTF-8 XML; NULL on failure. */
unsigned char *m2md_doc_bytes(void *doc, size_t *len);
/*
 * Copy src into dst (with a copy of its data when with_data is set);
 * free dst with m2md_resource_free().
 */
int m2md_resource_copy(struct m2md_resource *dst,
		       const struct m2md_resource *src, bool with_data);

/* notify_sub.c */
/* Read the subscription at path from the store into the engine. */
void m2md_sub_load(struct m2md_notify *n, const char *path);
/* Match one change against the subscriptions and queue notifications. */
void m2md_event_handle(struct m2md_notify *n, const struct m2md_event *ev);
void m2md_subs_free(struct m2md_notify *n);

/* notify_deliver.c */
int m2md_deliver_start(struct m2md_notify *n);
void m2md_deliver_stop(struct m2md_notify *n);
/*
 * Queue a notification on sub, merging it with a waiting one when the
 * subscription has a minimalTimeBetweenNotifications. Takes repr.
 * Lock held.
 */
void m2md_sub_enqueue(struct m2md_notify *n, struct m2md_sub *sub,
		      const char *status, unsigned char *repr, size_t len);
/* Free the subscriptions that are gone and have nothing left to send. */
void m2md_subs_reap(struct m2md_notify *n);
/* Free a notification and the ones chained after it. */
void m2md_pending_free(struct m2md_pending_notify *p);

/* notify_channel.c */
/*
 * Queue a <notify> document on the channel at path. Returns 0, or
 * -ENOENT when path is not a notificationChannel of this SCL.
 */
int m2md_channel_push(struct m2md_notify *n, const char *path,
		      const unsigned char *doc, size_t len);
/* Forget the queue of a deleted channel and wake its pollers. */
void m2md_channel_drop(struct m2md_notify *n, const char *path);
void m2md_channels_free(struct m2md_notify *n);

/* announce.c */
/* True when a change of res may concern the announcer. */
bool m2md_announce_wants(struct m2md_notify *n,
			 const struct m2md_resource *res);
/* Queue res->path for reconciliation with the NSCL. Takes n->lock. */
void m2md_announce_queue(struct m2md_notify *n, const char *path,
			 const char *type, bool update);
/* Queue the paths announced before a restart, for reconciliation. */
int m2md_announce_load(struct m2md_notify *n);
int m2md_announce_start(struct m2md_notify *n);
void m2md_announce_stop(struct m2md_notify *n);
void m2md_announce_free(struct m2md_notify *n);

/* announce_nscl.c */
#define M2MD_ANNC_INDEX		"annc:index"
#define M2MD_ANNC_KEY_MAX	(M2MD_RES_PATH_MAX + 8)
/* The announced paths kept in the store, as a JSON array (never NULL). */
struct json_object *m2md_annc_index(struct m2md_notify *n);
/*
 * Make the NSCL's mirror of res match it: create (POST), update (PUT of
 * remote, the Annc's path below base) or delete it. key is res's kv key.
 * Return 0, -EINVAL when no body can be built, or -EAGAIN to retry.
 */
int m2md_annc_create(struct m2md_notify *n, const char *base,
		     const struct m2md_resource *res, const char *key);
int m2md_annc_update(struct m2md_notify *n, const char *base,
		     const struct m2md_resource *res, const char *key,
		     const char *remote);
int m2md_annc_delete(struct m2md_notify *n, const char *base,
		     const char *path, const char *key, const char *remote);

/* sweeper.c */
/* Track (or forget, max_age 0) the maxInstanceAge of a container. */
void m2md_sweeper_track(struct m2md_notify *n, const char *path,
			int64_t max_age);
void m2md_sweeper_forget_under(struct m2md_notify *n, const char *path);
/* Read the maxInstanceAge of the container at path from the store. */
void m2md_sweeper_load(struct m2md_notify *n, const char *path);
int m2md_sweeper_start(struct m2md_notify *n);
void m2md_sweeper_stop(struct m2md_notify *n);
void m2md_sweeper_free(struct m2md_notify *n);
/* True while the calling thread deletes expired resources. */
bool m2md_sweeper_expiring(void);

/* True when path is base or below it. */
bool m2md_path_under(const char *path, const char *base);

#endif /* M2MD_NOTIFY_PRIV_H */
