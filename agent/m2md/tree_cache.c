// SPDX-License-Identifier: GPL-2.0
/*
 * Cache of the replies to plain GETs of contentInstances (latest,
 * oldest, or an instance by name). Clients often read the latest value
 * of a sensor again and again, so a cached reply saves the walk of the
 * path, the access check and the rendering.
 *
 * A reply is cached per tree, principal, path, binding and format. It
 * records the store generation taken before its reads began, so any
 * commit that its reads may have missed makes it stale. Generations of
 * two stores never match, so a tree at the address of a former one
 * cannot find that tree's replies. A reply also ends at the earliest
 * expirationTime among the rows read (the path, the accessRight, the
 * instance) and, under a container with maxInstanceAge, when the
 * instance becomes too old.
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "tree_priv.h"

/* Slots of the table. A new reply replaces the one in its slot. */
#define M2MD_CACHE_SLOTS	64
/* Larger replies are not cached. */
#define M2MD_CACHE_BODY_MAX	4096

struct m2md_cached {
	const struct m2md_tree *tree;
	uint64_t hash;
	char *key;
	uint64_t generation;
	int64_t until;			/* 0 = no end */
	unsigned int status;
	char content_type[128];
	char etag[64];
	int64_t last_modified;
	unsigned char *body;
	size_t len;
};

static struct {
	pthread_mutex_t lock;
	struct m2md_cached slot[M2MD_CACHE_SLOTS];
} m2md_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Return true when req is a GET whose reply depends only on the tree. */
bool m2md_cache_usable(const struct m2md_request *req)
{
	return req->method == M2MD_GET && !req->nargs &&
	       !req->if_none_match && !req->if_modified_since &&
	       m2md_tree_acceptable(req);
}

static int m2md_cache_key(const struct m2md_request *req,
			  const struct m2md_principal *who, const char *path,
			  char *key, size_t size, uint64_t *hash)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *p;
	int n;

	n = snprintf(key, size, "%d %d %d %s %s", (int)req->binding,
		     m2md_tree_wants_json(req), (int)who->kind, who->id, path);
	if (n < 0 || (size_t)n >= size)
		return -1;
	for (p = key; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	*hash = h;
	return 0;
}

static bool m2md_cache_copy(const struct m2md_cached *c,
			    struct m2md_reply *reply)
{
	unsigned char *body = malloc(c->len ? c->len : 1);

	if (!body)
		return false;
	memcpy(body, c->body, c->len);
	reply->status = c->status;
	memcpy(reply->content_type, c->content_type,
	       sizeof(reply->content_type));
	memcpy(reply->etag, c->etag, sizeof(reply->etag));
	reply->last_modified = c->last_modified;
	reply->body = body;
	reply->len = c->len;
	return true;
}

bool m2md_cache_find(struct m2md_tree *tree, const struct m2md_request *req,
		     const struct m2md_principal *who, const char *path,
		     int64_t now, struct m2md_reply *reply)
{
	char key[M2MD_RES_PATH_MAX + 300];
	struct m2md_cached *c;
	uint64_t hash;
	bool found = false;

	if (m2md_cache_key(req, who, path, key, sizeof(key), &hash))
		return false;
	c = &m2md_cache.slot[hash % M2MD_CACHE_SLOTS];
	pthread_mutex_lock(&m2md_cache.lock);
	if (c->key && c->tree == tree && c->hash == hash &&
	    !strcmp(c->key, key) &&
	    c->generation == m2md_store_generation(tree->store) &&
	    (!c->until || now < c->until))
		found = m2md_cache_copy(c, reply);
	pthread_mutex_unlock(&m2md_cache.lock);
	return found;
}

void m2md_cache_put(struct m2md_tree *tree, const struct m2md_request *req,
		    const struct m2md_principal *who, const char *path,
		    uint64_t generation, int64_t until,
		    const struct m2md_reply *reply)
{
	char key[M2MD_RES_PATH_MAX + 300];
	unsigned char *body;
	struct m2md_cached *c;
	uint64_t hash;
	char *saved;

	if (reply->len > M2MD_CACHE_BODY_MAX || reply->location[0] ||
	    reply->allow[0] || reply->retry_after ||
	    m2md_cache_key(req, who, path, key, sizeof(key), &hash))
		return;
	saved = strdup(key);
	body = malloc(reply->len ? reply->len : 1);
	if (!saved || !body) {
		free(saved);
		free(body);
		return;
	}
	memcpy(body, reply->body, reply->len);
	c = &m2md_cache.slot[hash % M2MD_CACHE_SLOTS];
	pthread_mutex_lock(&m2md_cache.lock);
	free(c->key);
	free(c->body);
	c->tree = tree;
	c->hash = hash;
	c->key = saved;
	c->generation = generation;
	c->until = until;
	c->status = reply->status;
	memcpy(c->content_type, reply->content_type, sizeof(c->content_type));
	memcpy(c->etag, reply->etag, sizeof(c->etag));
	c->last_modified = reply->last_modified;
	c->body = body;
	c->len = reply->len;
	pthread_mutex_unlock(&m2md_cache.lock);
}
