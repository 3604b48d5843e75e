// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication of REST requests: Kma signatures checked by the kernel,
 * with a time window and a cache of recent nonces against replay, the
 * role's tunnel principals, and the administrator on the admin socket.
 *
 * A nonce enters the cache only after its MAC verified, so requests with
 * a bad MAC cannot fill it. The cache never forgets a nonce that could
 * still be replayed: when it is full of them, new signatures get 503
 * until the oldest ones leave the time window.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"
#include "hex.h"
#include "kmauth.h"
#include "log.h"
#include "nl.h"
#include "reload.h"
#include "tree.h"

#define M2MD_NONCE_NONE		UINT32_MAX
#define M2MD_NONCE_TAG_LEN	16
#define M2MD_AUTH_SECRET_LEN	16

/*
 * One accepted signature: a keyed hash of its app id, kid and nonce, so
 * that an entry is small and the same nonce of two applications differs.
 */
struct m2md_nonce {
	uint8_t tag[M2MD_NONCE_TAG_LEN];
	int64_t last_valid;	/* Unix time after which ts is out of window */
	uint32_t next;		/* next entry of the bucket or the free list */
};

struct m2md_nonces {
	pthread_mutex_t lock;
	struct m2md_nonce *entries;
	size_t max;
	size_t used;
	uint32_t *buckets;
	size_t nbuckets;		/* a power of two */
	uint32_t free_head;
	int64_t next_purge;		/* no entry expires before this */
};

struct m2md_auth {
	struct m2m_nl *nl;
	pthread_mutex_t nl_lock;	/* one request at a time on nl */
	int32_t keyring;
	struct m2md_auth_ops ops;
	/*
	 * The signature time window, which a reload may change: see
	 * m2md_auth_skew(). skew_lock protects skew, narrow_until and
	 * narrow_skew.
	 */
	pthread_mutex_t skew_lock;
	unsigned int skew_start;	/* seconds, from ops or the default */
	unsigned int skew;		/* seconds, the window in force */
	int64_t narrow_until;		/* ts up to which narrow_skew holds */
	unsigned int narrow_skew;	/* seconds */
	uint8_t secret[M2MD_AUTH_SECRET_LEN];	/* key of the nonce tags */
	struct m2md_nonces nonces;
};

static int m2md_nonces_init(struct m2md_nonces *c, size_t max)
{
	size_t i;

	c->nbuckets = 1;
	while (c->nbuckets < max)
		c->nbuckets <<= 1;
	c->entries = calloc(max, sizeof(*c->entries));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	if (!c->entries || !c->buckets)
		return -ENOMEM;
	for (i = 0; i < c->nbuckets; i++)
		c->buckets[i] = M2MD_NONCE_NONE;
	for (i = 0; i < max; i++)
		c->entries[i].next = i + 1 < max ? (uint32_t)(i + 1) :
				     M2MD_NONCE_NONE;
	c->free_head = 0;
	c->max = max;
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

static void m2md_nonces_destroy(struct m2md_nonces *c)
{
	if (c->entries)
		pthread_mutex_destroy(&c->lock);
	free(c->entries);
	free(c->buckets);
}

static uint32_t *m2md_nonces_bucket(struct m2md_nonces *c,
				    const uint8_t tag[M2MD_NONCE_TAG_LEN])
{
	uint32_t h;

	memcpy(&h, tag, sizeof(h));
	return &c->buckets[h & (c->nbuckets - 1)];
}

/* True when tag is in the cache and still in its time window. */
static bool m2md_nonces_seen_locked(struct m2md_nonces *c,
				    const uint8_t tag[M2MD_NONCE_TAG_LEN],
				    int64_t now)
{
	uint32_t i = *m2md_nonces_bucket(c, tag);

	for (; i != M2MD_NONCE_NONE; i = c->entries[i].next)
		if (c->entries[i].last_valid >= now &&
		    !memcmp(c->entries[i].tag, tag, M2MD_NONCE_TAG_LEN))
			return true;
	return false;
}

/* Free every entry whose window has passed; note when the next one ends. */
static void m2md_nonces_purge(struct m2md_nonces *c, int64_t now)
{
	int64_t soonest = INT64_MAX;
	uint32_t *link, i;
	size_t b;

	for (b = 0; b < c->nbuckets; b++) {
		link = &c->buckets[b];
		while ((i = *link) != M2MD_NONCE_NONE) {
			if (c->entries[i].last_valid >= now) {
				if (c->entries[i].last_valid < soonest)
					soonest = c->entries[i].last_valid;
				link = &c->entries[i].next;
				continue;
			}
			*link = c->entries[i].next;
			c->entries[i].next = c->free_head;
			c->free_head = i;
			c->used--;
		}
	}
	/* Nothing can leave the window before the soonest end, plus one. */
	c->next_purge = soonest == INT64_MAX ? now : soonest + 1;
}

/*
 * Remember tag until last_valid. Returns 0, -EEXIST when it is there
 * already (a replay that raced its original), or -ENOSPC with *retry_s
 * the seconds until an entry leaves when every entry is still valid.
 */
static int m2md_nonces_add(struct m2md_nonces *c,
			   const uint8_t tag[M2MD_NONCE_TAG_LEN],
			   int64_t last_valid, int64_t now,
			   unsigned int *retry_s)
{
	uint32_t *bucket, i;
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (m2md_nonces_seen_locked(c, tag, now)) {
		ret = -EEXIST;
		goto out;
	}
	if (c->used == c->max && now >= c->next_purge)
		m2md_nonces_purge(c, now);
	if (c->used == c->max) {
		*retry_s = c->next_purge > now ?
			   (unsigned int)(c->next_purge - now) : 1;
		ret = -ENOSPC;
		goto out;
	}
	i = c->free_head;
	c->free_head = c->entries[i].next;
	memcpy(c->entries[i].tag, tag, M2MD_NONCE_TAG_LEN);
	c->entries[i].last_valid = last_valid;
	bucket = m2md_nonces_bucket(c, tag);
	c->entries[i].next = *bucket;
	*bucket = i;
	c->used++;
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static bool m2md_nonces_seen(struct m2md_nonces *c,
			     const uint8_t tag[M2MD_NONCE_TAG_LEN], int64_t now)
{
	bool seen;

	pthread_mutex_lock(&c->lock);
	seen = m2md_nonces_seen_locked(c, tag, now);
	pthread_mutex_unlock(&c->lock);
	return seen;
}

struct m2md_auth *m2md_auth_new(struct m2m_nl *nl, int32_t keyring,
				const struct m2md_auth_ops *ops)
{
	struct m2md_auth *auth = calloc(1, sizeof(*auth));

	if (!auth)
		return NULL;
	auth->nl = nl;
	auth->keyring = keyring;
	if (ops)
		auth->ops = *ops;
	auth->skew_start = auth->ops.skew ? auth->ops.skew : M2MD_AUTH_SKEW;
	auth->skew = auth->skew_start;
	auth->narrow_until = INT64_MIN;
	pthread_mutex_init(&auth->skew_lock, NULL);
	pthread_mutex_init(&auth->nl_lock, NULL);
	if (getrandom(auth->secret, sizeof(auth->secret), 0) !=
	    (ssize_t)sizeof(auth->secret) ||
	    m2md_nonces_init(&auth->nonces, auth->ops.nonces_max ?
			     auth->ops.nonces_max : M2MD_AUTH_NONCES_MAX)) {
		m2md_auth_free(auth);
		return NULL;
	}
	return auth;
}

void m2md_auth_free(struct m2md_auth *auth)
{
	if (!auth)
		return;
	m2md_nonces_destroy(&auth->nonces);
	pthread_mutex_destroy(&auth->nl_lock);
	pthread_mutex_destroy(&auth->skew_lock);
	OPENSSL_cleanse(auth->secret, sizeof(auth->secret));
	free(auth);
}

static const char *m2md_method_name(enum m2md_method method)
{
	switch (method) {
	case M2MD_GET:
		return "GET";
	case M2MD_POST:
		return "POST";
	case M2MD_PUT:
		return "PUT";
	case M2MD_DELETE:
		return "DELETE";
	case M2MD_HEAD:
		return "HEAD";
	}
	return "";
}

/* Tag of a signature: SHA-256(secret || app || NUL || kid || nonce). */
static void m2md_auth_tag(const struct m2md_auth *auth,
			  const struct m2m_kmauth *a,
			  uint8_t tag[M2MD_NONCE_TAG_LEN])
{
	uint8_t buf[M2MD_AUTH_SECRET_LEN + sizeof(a->app_id) +
		    sizeof(a->kid) + M2M_KMAUTH_NONCE_LEN];
	uint8_t md[SHA256_DIGEST_LENGTH];
	size_t len = 0, n;

	memcpy(buf, auth->secret, M2MD_AUTH_SECRET_LEN);
	len += M2MD_AUTH_SECRET_LEN;
	n = strnlen(a->app_id, sizeof(a->app_id) - 1) + 1;
	memcpy(buf + len, a->app_id, n);
	len += n;
	n = strnlen(a->kid, sizeof(a->kid) - 1);
	memcpy(buf + len, a->kid, n);
	len += n;
	memcpy(buf + len, a->nonce, M2M_KMAUTH_NONCE_LEN);
	len += M2M_KMAUTH_NONCE_LEN;
	SHA256(buf, len, md);
	memcpy(tag, md, M2MD_NONCE_TAG_LEN);
	OPENSSL_cleanse(buf, M2MD_AUTH_SECRET_LEN);
}

/* Fill reply with 401 (the server adds the challenge) and log why. */
static int m2md_auth_reject(struct m2md_auth *auth,
			    const struct m2md_request *req,
			    const struct m2m_kmauth *a, struct m2md_reply *reply,
			    unsigned int status, const char *why)
{
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = {
		.peer = m2m_log_peer(req->client, peer, sizeof(peer)),
	};

	if (a && !m2m_hex_decode(a->kid, key_id, sizeof(key_id)))
		ids.key_id = key_id;
	m2m_log_ratelimited(LOG_WARNING, &ids,
			    "auth: %s %s rejected with %u: %s (app '%s', kid %s)",
			    m2md_method_name(req->method), req->path, status,
			    why, a && a->app_id[0] ? a->app_id : "?",
			    a && a->kid[0] ? a->kid : "?");
	m2md_reply_error(req, reply, status, why);
	return -1;
}

/* The reason of a failed kernel check, and its status (401 or 503). */
static unsigned int m2md_auth_verify_error(int ret, const struct m2m_kmauth *a,
					   char *why, size_t len)
{
	switch (ret) {
	case -EBADMSG:
		snprintf(why, len,
			 "bad MAC: the signature of app '%s' does not match the request",
			 a->app_id);
		return 401;
	case -ENOKEY:
		snprintf(why, len, "unknown key: no connection key has kid %s",
			 a->kid);
		return 401;
	case -EKEYEXPIRED:
		snprintf(why, len, "expired key: the connection key %s expired",
			 a->kid);
		return 401;
	case -EKEYREVOKED:
		snprintf(why, len, "revoked key: the connection key %s was revoked",
			 a->kid);
		return 401;
	case -EACCES:
		snprintf(why, len, "unknown key: the connection key %s is not usable by this SCL",
			 a->kid);
		return 401;
	case -EINVAL:
		snprintf(why, len, "invalid app id '%s' for a Kma", a->app_id);
		return 401;
	default:
		snprintf(why, len, "cannot check the signature: %s",
			 strerror(-ret));
		return 503;
	}
}

static int m2md_auth_verify(struct m2md_auth *auth, const struct m2m_kmauth *a,
			    const uint8_t digest[M2M_KMAUTH_DIGEST_LEN])
{
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	struct m2m_nl_err err = { 0 };
	int ret;

	if (m2m_hex_decode(a->kid, key_id, sizeof(key_id)))
		return -ENOKEY;
	if (auth->ops.kma_verify)
		return auth->ops.kma_verify(auth->ops.ctx, key_id, a->app_id,
					    digest, a->mac);
	pthread_mutex_lock(&auth->nl_lock);
	ret = m2m_nl_kma_verify(auth->nl, key_id, a->app_id, digest, a->mac,
				&err);
	pthread_mutex_unlock(&auth->nl_lock);
	if (ret && ret != -EBADMSG && ret != -ENOKEY) {
		struct m2m_log_ids ids = { .key_id = key_id };

		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "auth: KMA_VERIFY for app '%s', kid %s failed: %s",
				    a->app_id, a->kid, err.msg);
	}
	return ret;
}

/*
 * Return the time window, in seconds, for a signature dated ts, taking
 * a new auth-skew from a reload. A nonce is remembered until its ts plus
 * the window in force when it was stored, so after a reload that widens
 * the window, a signature that the old window could have accepted (one
 * dated up to now plus the old window) keeps the old window: else its
 * nonce could expire while it is still inside the new window, and a
 * replay would pass.
 */
static unsigned int m2md_auth_skew(struct m2md_auth *auth, int64_t ts,
				   int64_t now)
{
	unsigned int want = m2md_live_auth_skew(auth->skew_start);
	unsigned int skew;

	pthread_mutex_lock(&auth->skew_lock);
	if (want > auth->skew) {
		/* An earlier narrowing may still hold older signatures. */
		if (auth->narrow_until < now - (int64_t)auth->skew ||
		    auth->skew < auth->narrow_skew)
			auth->narrow_skew = auth->skew;
		auth->narrow_until = now + (int64_t)auth->skew;
	}
	auth->skew = want;
	skew = want;
	if (ts <= auth->narrow_until && auth->narrow_skew < skew)
		skew = auth->narrow_skew;
	pthread_mutex_unlock(&auth->skew_lock);
	return skew;
}

/* Check the time window of a parsed signature; fills why when outside. */
static bool m2md_auth_in_window(unsigned int skew, const struct m2m_kmauth *a,
				int64_t now, char *why, size_t len)
{
	int64_t diff = a->ts > now ? a->ts - now : now - a->ts;

	if (a->ts >= now - (int64_t)skew && a->ts <= now + (int64_t)skew)
		return true;
	snprintf(why, len,
		 "expired timestamp: ts %" PRId64 " is %" PRId64 " s %s the server clock, more than the %u s allowed",
		 a->ts, diff, a->ts > now ? "ahead of" : "behind", skew);
	return false;
}

/* Authenticate a request that carries an M2M-Kma signature. */
static int m2md_auth_kma(struct m2md_auth *auth, const struct m2md_request *req,
			 struct m2md_principal *who, struct m2md_reply *reply)
{
	uint8_t digest[M2M_KMAUTH_DIGEST_LEN], tag[M2MD_NONCE_TAG_LEN];
	const char *target = req->target ? req->target : req->path;
	int64_t now = (int64_t)time(NULL);
	unsigned int status, skew, retry = 0;
	struct m2m_kmauth a;
	char why[512], msg[256];
	int ret;

	if (m2m_kmauth_parse(req->authorization, &a, msg, sizeof(msg))) {
		snprintf(why, sizeof(why), "invalid Authorization: %s", msg);
		return m2md_auth_reject(auth, req, NULL, reply, 401, why);
	}
	if (!auth->nl && !auth->ops.kma_verify) {
		m2md_reply_error(req, reply, 503,
				 "Kma signatures cannot be checked: m2md runs without the m2msec kernel module (kernel = no)");
		return -1;
	}
	skew = m2md_auth_skew(auth, a.ts, now);
	if (!m2md_auth_in_window(skew, &a, now, why, sizeof(why)))
		return m2md_auth_reject(auth, req, &a, reply, 401, why);
	m2md_auth_tag(auth, &a, tag);
	if (m2md_nonces_seen(&auth->nonces, tag, now))
		return m2md_auth_reject(auth, req, &a, reply, 401,
					"replayed nonce: this signature was used before");
	if (m2m_kmauth_digest(m2md_method_name(req->method), target, &a,
			      req->body, req->body_len, digest))
		return m2md_auth_reject(auth, req, &a, reply, 401,
					"invalid request target for a signature");
	ret = m2md_auth_verify(auth, &a, digest);
	if (ret) {
		status = m2md_auth_verify_error(ret, &a, why, sizeof(why));
		return m2md_auth_reject(auth, req, &a, reply, status, why);
	}
	ret = m2md_nonces_add(&auth->nonces, tag, a.ts + skew, now,
			      &retry);
	if (ret == -EEXIST)
		return m2md_auth_reject(auth, req, &a, reply, 401,
					"replayed nonce: this signature was used before");
	if (ret) {
		snprintf(why, sizeof(why),
			 "too many signed requests: the %zu nonces of the last %u s are all remembered; retry in %u s",
			 auth->nonces.max, skew, retry);
		reply->retry_after = retry;
		return m2md_auth_reject(auth, req, &a, reply, 503, why);
	}
	who->kind = M2MD_PRINCIPAL_APP;
	snprintf(who->id, sizeof(who->id), "%s", a.app_id);
	return 0;
}

int m2md_auth_request(struct m2md_auth *auth, const struct m2md_request *req,
		      struct m2md_principal *who, struct m2md_reply *reply)
{
	memset(who, 0, sizeof(*who));
	who->kind = M2MD_PRINCIPAL_ANON;
	if (req->authorization && req->authorization[0])
		return m2md_auth_kma(auth, req, who, reply);
	if (req->has_peer_cred) {
		if (req->peer_uid == 0 || req->peer_uid == (uint32_t)getuid())
			who->kind = M2MD_PRINCIPAL_ADMIN;
		return 0;
	}
	/*
	 * Only TCP: a UDP datagram needs no handshake, so a CoAP request
	 * could carry a gateway's tunnel address as a forged source on any
	 * interface, and m2md does not learn the interface it came in on.
	 */
	if (req->binding == M2MD_BINDING_HTTP && auth->ops.tunnel_principal &&
	    auth->ops.tunnel_principal(auth->ops.ctx, req, who) == 1)
		return 0;
	memset(who, 0, sizeof(*who));
	who->kind = M2MD_PRINCIPAL_ANON;
	return 0;
}
