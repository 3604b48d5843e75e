// SPDX-License-Identifier: GPL-2.0
/*
 * Expiry sweeper: a thread that deletes, with their subtrees, resources
 * whose expirationTime has passed, and the contentInstances older than
 * their container's maxInstanceAge. It wakes every m2md_sweep_period_ms
 * (1 s), so a resource outlives its time by at most that much in the
 * store, while the tree returns 404 for it at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"
#include "notify_priv.h"
#include "repr.h"

/* Deletions per store query, so that one query stays short. */
#define M2MD_SWEEP_BATCH	64

unsigned int m2md_sweep_period_ms = 1000;

static __thread bool m2md_expiring;

bool m2md_sweeper_expiring(void)
{
	return m2md_expiring;
}

void m2md_sweeper_track(struct m2md_notify *n, const char *path,
			int64_t max_age)
{
	struct m2md_aged **link, *a;

	pthread_mutex_lock(&n->lock);
	for (link = &n->aged; (a = *link); link = &a->next)
		if (!strcmp(a->path, path))
			break;
	if (a && max_age > 0) {
		a->max_age = max_age;
	} else if (a) {
		*link = a->next;
		free(a);
	} else if (max_age > 0) {
		a = calloc(1, sizeof(*a));
		if (a) {
			snprintf(a->path, sizeof(a->path), "%s", path);
			a->max_age = max_age;
			a->next = n->aged;
			n->aged = a;
		}
	}
	pthread_mutex_unlock(&n->lock);
}

void m2md_sweeper_forget_under(struct m2md_notify *n, const char *path)
{
	struct m2md_aged **link = &n->aged, *a;

	pthread_mutex_lock(&n->lock);
	while ((a = *link)) {
		if (m2md_path_under(a->path, path)) {
			*link = a->next;
			free(a);
		} else {
			link = &a->next;
		}
	}
	pthread_mutex_unlock(&n->lock);
}

void m2md_sweeper_load(struct m2md_notify *n, const char *path)
{
	struct json_object *attrs, *v;
	struct m2md_resource res;
	int64_t max_age = 0;

	if (m2md_store_res_get(n->tree->store, path, &res))
		return;
	attrs = m2md_repr_attrs(&res);
	if (attrs && json_object_object_get_ex(attrs, "maxInstanceAge", &v))
		max_age = json_object_get_int64(v);
	json_object_put(attrs);
	m2md_resource_free(&res);
	m2md_sweeper_track(n, path, max_age);
}

void m2md_sweeper_free(struct m2md_notify *n)
{
	struct m2md_aged *a;

	while ((a = n->aged)) {
		n->aged = a->next;
		free(a);
	}
}

struct m2md_paths {
	char (*path)[M2MD_RES_PATH_MAX];
	size_t n;
};

static int m2md_paths_add(const struct m2md_resource *res, void *ctx)
{
	struct m2md_paths *p = ctx;

	if (p->n >= M2MD_SWEEP_BATCH)
		return 1;
	memcpy(p->path[p->n++], res->path, M2MD_RES_PATH_MAX);
	return 0;
}

/* Delete the collected paths as expired; returns how many went. */
static size_t m2md_sweep_delete(struct m2md_notify *n,
				const struct m2md_paths *p, const char *why)
{
	size_t i, done = 0;
	int ret;

	m2md_expiring = true;
	for (i = 0; i < p->n; i++) {
		ret = m2md_tree_delete(n->tree, p->path[i]);
		if (!ret) {
			done++;
			m2m_dbg_ratelimited("expiry: deleted %s (%s)",
					    p->path[i], why);
		} else if (ret != -ENOENT) {
			m2m_err_ratelimited("expiry: cannot delete %s: %s",
					    p->path[i], strerror(-ret));
		}
	}
	m2md_expiring = false;
	return done;
}

/* Delete expired resources; true when a full batch went (more may wait). */
static bool m2md_sweep_expired(struct m2md_notify *n, struct m2md_paths *p)
{
	int ret;

	p->n = 0;
	ret = m2md_store_res_expired(n->tree->store, time(NULL),
				     M2MD_SWEEP_BATCH, m2md_paths_add, p);
	if (ret && ret != -ENOENT) {
		m2m_err("expiry: cannot list expired resources: %s",
			strerror(-ret));
		return false;
	}
	return m2md_sweep_delete(n, p, "expirationTime passed") ==
	       M2MD_SWEEP_BATCH;
}

/* Delete the instances of one container that are older than max_age. */
static void m2md_sweep_aged_one(struct m2md_notify *n, const char *container,
				int64_t max_age, struct m2md_paths *p)
{
	struct m2md_ci_filter f = {
		.created_before = time(NULL) - max_age,
		.limit = M2MD_SWEEP_BATCH,
	};
	char coll[M2MD_RES_PATH_MAX];
	int ret;

	if ((size_t)snprintf(coll, sizeof(coll), "%s/contentInstances",
			     container) >= sizeof(coll))
		return;
	do {
		p->n = 0;
		ret = m2md_store_ci_query(n->tree->store, coll, &f,
					  m2md_paths_add, p);
		if (ret && ret != -ENOENT)
			m2m_err_ratelimited("expiry: cannot list the instances of %s: %s",
					    coll, strerror(-ret));
	} while (!ret && m2md_sweep_delete(n, p, "older than maxInstanceAge") ==
			 M2MD_SWEEP_BATCH);
}

static void m2md_sweep_aged(struct m2md_notify *n, struct m2md_paths *p)
{
	char path[M2MD_RES_PATH_MAX];
	struct m2md_aged *a;
	int64_t max_age;
	size_t i;

	/* Visit the list by index, as the lock is dropped per container. */
	for (i = 0;; i++) {
		size_t k = 0;

		pthread_mutex_lock(&n->lock);
		for (a = n->aged; a && k < i; a = a->next)
			k++;
		if (a) {
			memcpy(path, a->path, sizeof(path));
			max_age = a->max_age;
		}
		pthread_mutex_unlock(&n->lock);
		if (!a)
			return;
		m2md_sweep_aged_one(n, path, max_age, p);
	}
}

static void *m2md_sweeper_thread(void *arg)
{
	struct m2md_notify *n = arg;
	struct m2md_paths p;
	struct timespec ts;

	p.path = calloc(M2MD_SWEEP_BATCH, sizeof(*p.path));
	if (!p.path) {
		m2m_err("expiry: out of memory: the sweeper does not run");
		return NULL;
	}
	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		pthread_mutex_unlock(&n->lock);
		while (m2md_sweep_expired(n, &p))
			;
		m2md_sweep_aged(n, &p);
		pthread_mutex_lock(&n->lock);
		if (n->stopping)
			break;
		m2md_deadline(&ts, m2md_sweep_period_ms);
		pthread_cond_timedwait(&n->sweep_wake, &n->lock, &ts);
	}
	pthread_mutex_unlock(&n->lock);
	free(p.path);
	return NULL;
}

int m2md_sweeper_start(struct m2md_notify *n)
{
	int ret = pthread_create(&n->sweeper, NULL, m2md_sweeper_thread, n);

	if (ret)
		return -ret;
	n->sweeper_started = true;
	return 0;
}

void m2md_sweeper_stop(struct m2md_notify *n)
{
	if (!n->sweeper_started)
		return;
	pthread_join(n->sweeper, NULL);
	n->sweeper_started = false;
}
