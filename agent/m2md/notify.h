/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What happens after a change to the tree, off the request's thread:
 *  - subscriptions: a <subscription> under <r>/subscriptions is notified
 *    (POST of a <notify> to its contact URI, or queued on a
 *    notificationChannel whose longPollingURI a client polls) when r or
 *    one of its children is created, updated or deleted, at most once per
 *    minimalTimeBetweenNotifications (later changes are merged into one
 *    notification sent when the time has passed); filterCriteria apply;
 *    a contact that fails is retried with backoff and the subscription
 *    deleted after M2MD_NOTIFY_FAILS_MAX failures in a row;
 *  - announcement: a resource whose announceTo names the NSCL (gateway
 *    role) is announced there as <type>Annc with a link back, updated
 *    and de-announced when it is deleted or announceTo drops the NSCL;
 *  - expiry: resources whose expirationTime has passed are deleted with
 *    their subtrees (a sweeper thread, and a check on every access);
 *  - groups: membersContent requests fan out to each member.
 */
#ifndef M2MD_NOTIFY_H
#define M2MD_NOTIFY_H

#include <stdint.h>

#include "acl.h"
#include "http.h"
#include "store.h"

#define M2MD_NOTIFY_FAILS_MAX	8
/* Notifications kept per notificationChannel until polled. */
#define M2MD_CHANNEL_QUEUE_MAX	256
/* Seconds a long poll waits before it replies 204 with no body. */
#define M2MD_LONG_POLL_S	30

enum m2md_change {
	M2MD_CHANGE_CREATE,
	M2MD_CHANGE_UPDATE,
	M2MD_CHANGE_DELETE,
};

struct m2md_tree;
struct m2md_notify;

/*
 * Start the engine for tree (its threads: notifier, sweeper,
 * announcer). announce_base is the NSCL's base URL for announcements
 * ("" on the network role). Returns NULL on failure.
 */
struct m2md_notify *m2md_notify_start(struct m2md_tree *tree,
				      const char *announce_base,
				      uint32_t http_timeout_ms);
void m2md_notify_stop(struct m2md_notify *n);
/*
 * Send later announcements to base, the NSCL's base URL (the gateway
 * calls this when the tunnel comes up or goes down).
 */
void m2md_notify_set_announce_base(struct m2md_notify *n, const char *base);

/*
 * Record a change, after its transaction committed. res is the resource
 * as it is now (as it was, for a delete). Never blocks on the network.
 */
void m2md_notify_changed(struct m2md_notify *n,
			 const struct m2md_resource *res,
			 enum m2md_change change);

/*
 * GET on a notificationChannel's longPollingURI: reply with the oldest
 * queued <notify>, or wait up to M2MD_LONG_POLL_S for one. Called on
 * an HTTP thread.
 */
void m2md_notify_long_poll(struct m2md_notify *n, const char *channel_path,
			   const struct m2md_request *req,
			   struct m2md_reply *reply);

/*
 * A request to <group>/membersContent[/rest]: apply it to each member
 * (local members through the tree, with who's rights; others over
 * HTTP) and reply with the aggregated result.
 */
void m2md_group_fanout(struct m2md_notify *n, const char *group_path,
		       const char *rest, const struct m2md_request *req,
		       const struct m2md_principal *who,
		       struct m2md_reply *reply);

struct m2md_config;

/*
 * Take the tunnel prefixes of cfg (tunnel-prefix, tunnel-prefix4 and
 * tunnel-routes). A request that the SCL sends into them arrives as the
 * SCL's own, so group members and subscription contacts whose host is,
 * or resolves to, an address inside them are refused. Call it once the
 * engine started; n may be NULL.
 */
void m2md_notify_set_tunnel(struct m2md_notify *n,
			    const struct m2md_config *cfg);

/*
 * Check the host of an http or https uri against those prefixes.
 * Returns 0 (also for another scheme, or a host that does not resolve),
 * or -EACCES with why naming the uri and the address inside a prefix.
 */
int m2md_notify_uri_check(struct m2md_notify *n, const char *uri, char *why,
			  size_t len);

#endif /* M2MD_NOTIFY_H */
