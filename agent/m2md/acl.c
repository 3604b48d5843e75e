// SPDX-License-Identifier: GPL-2.0
/*
 * Access rights: default rights of applications and SCLs, and the
 * permissions of the effective <accessRight> of a resource.
 *
 * A check reads at most the rows on the way from the resource up to the
 * nearest one with an accessRightID, then the accessRight it names. Path
 * positions that never carry an accessRightID (contentInstances,
 * subscriptions, notificationChannels and their items, virtual
 * resources) are not read, so a check on a contentInstance of a
 * container that names an accessRight costs two lookups. The parsed
 * permissions are cached by the exact bytes of the stored attributes, so
 * a changed accessRight never matches an old entry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acl.h"
#include "log.h"

#define M2MD_PERM_ALL	(M2MD_PERM_READ | M2MD_PERM_WRITE | \
			 M2MD_PERM_DISCOVER | M2MD_PERM_DELETE | \
			 M2MD_PERM_CREATE)

/* Parsed accessRights kept; one not among them is parsed again. */
#define M2MD_ACL_CACHE_SIZE	64
/* Segments of a path below the sclBase that a check looks at. */
#define M2MD_ACL_DEPTH_MAX	64

static const struct {
	enum m2md_perm perm;
	const char *name;
} m2md_perm_names[] = {
	{ M2MD_PERM_READ, "READ" },
	{ M2MD_PERM_WRITE, "WRITE" },
	{ M2MD_PERM_DISCOVER, "DISCOVER" },
	{ M2MD_PERM_DELETE, "DELETE" },
	{ M2MD_PERM_CREATE, "CREATE" },
};

#define M2MD_N_PERMS	(sizeof(m2md_perm_names) / sizeof(m2md_perm_names[0]))

const char *m2md_perm_name(enum m2md_perm perm)
{
	size_t i;

	for (i = 0; i < M2MD_N_PERMS; i++)
		if (m2md_perm_names[i].perm == perm)
			return m2md_perm_names[i].name;
	return "UNKNOWN";
}

enum m2md_perm m2md_perm_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < M2MD_N_PERMS; i++)
		if (!strcmp(m2md_perm_names[i].name, name))
			return m2md_perm_names[i].perm;
	return 0;
}

void m2md_principal_str(const struct m2md_principal *who, char *out,
			size_t len)
{
	switch (who->kind) {
	case M2MD_PRINCIPAL_APP:
		snprintf(out, len, "app '%s'", who->id);
		break;
	case M2MD_PRINCIPAL_SCL:
		snprintf(out, len, "scl '%s'", who->id);
		break;
	case M2MD_PRINCIPAL_ADMIN:
		snprintf(out, len, "admin");
		break;
	default:
		snprintf(out, len, "anonymous");
		break;
	}
}

/* One <permission>: flags granted to the holders listed. */
struct m2md_acl_perm {
	unsigned int flags;
	bool all;
	char **app_ids;		/* NULL-terminated, like the two below */
	char **scl_ids;
	char **holder_refs;	/* paths, scheme and host removed */
};

/* The permissions and selfPermissions of one accessRight. */
struct m2md_acl_rules {
	struct m2md_acl_perm *perms;
	size_t nperms;
	struct m2md_acl_perm *self;
	size_t nself;
};

/*
 * Call fn for each item of a list in the JSON form of the XML: an array,
 * an object containing the item element (one value or an array), or a
 * single value. Both forms occur, because the XML to JSON conversion
 * turns one item into a value and several into an array.
 */
static int m2md_json_each(struct json_object *list, const char *item,
			  int (*fn)(struct json_object *v, void *ctx),
			  void *ctx)
{
	struct json_object *inner;
	size_t i, n;
	int ret;

	if (!list)
		return 0;
	if (item && json_object_is_type(list, json_type_object) &&
	    json_object_object_get_ex(list, item, &inner))
		list = inner;
	else if (json_object_is_type(list, json_type_object) &&
		 json_object_object_length(list) == 0)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return fn(list, ctx);
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		ret = fn(json_object_array_get_idx(list, i), ctx);
		if (ret)
			return ret;
	}
	return 0;
}

static void m2md_acl_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void m2md_acl_perms_free(struct m2md_acl_perm *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		m2md_acl_strv_free(p[i].app_ids);
		m2md_acl_strv_free(p[i].scl_ids);
		m2md_acl_strv_free(p[i].holder_refs);
	}
	free(p);
}

static void m2md_acl_rules_free(struct m2md_acl_rules *r)
{
	m2md_acl_perms_free(r->perms, r->nperms);
	m2md_acl_perms_free(r->self, r->nself);
	memset(r, 0, sizeof(*r));
}

/* Text of a string item, or of {"value": ...} for an item with attributes. */
static const char *m2md_json_text(struct json_object *v)
{
	struct json_object *inner;

	if (json_object_is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "value", &inner))
		v = inner;
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct m2md_strv_build {
	char **v;
	size_t n;
	bool uri;	/* keep only the path of an absolute URI */
};

/* The path of a holderRef: "http://h:p/gscl/x/" and "gscl/x" -> "/gscl/x". */
static char *m2md_acl_ref_path(const char *ref)
{
	const char *scheme = strstr(ref, "://");
	size_t len;
	char *out;

	if (scheme)
		ref = scheme + 3 + strcspn(scheme + 3, "/");
	len = strlen(ref);
	while (len && ref[len - 1] == '/')
		len--;
	out = malloc(len + 2);
	if (!out)
		return NULL;
	snprintf(out, len + 2, "%s%.*s", ref[0] == '/' ? "" : "/", (int)len,
		 ref);
	return out;
}

static int m2md_strv_add(struct json_object *v, void *ctx)
{
	struct m2md_strv_build *b = ctx;
	const char *text = m2md_json_text(v);
	char **grown;

	if (!text || !text[0])
		return 0;
	grown = realloc(b->v, (b->n + 2) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->v = grown;
	b->v[b->n] = b->uri ? m2md_acl_ref_path(text) : strdup(text);
	if (!b->v[b->n])
		return -ENOMEM;
	b->v[++b->n] = NULL;
	return 0;
}

static int m2md_acl_strv(struct json_object *holders, const char *list,
			 const char *item, bool uri, char ***out)
{
	struct m2md_strv_build b = { .uri = uri };
	struct json_object *v;
	int ret;

	*out = NULL;
	if (!json_object_object_get_ex(holders, list, &v))
		return 0;
	ret = m2md_json_each(v, item, m2md_strv_add, &b);
	if (ret) {
		m2md_acl_strv_free(b.v);
		return ret;
	}
	*out = b.v;
	return 0;
}

static int m2md_acl_flag(struct json_object *v, void *ctx)
{
	unsigned int *flags = ctx;
	const char *text = m2md_json_text(v);

	if (text)
		*flags |= m2md_perm_parse(text);
	return 0;
}

/* <all/> converts to "" or {}; only an explicit false or null is absent. */
static bool m2md_acl_all(struct json_object *holders)
{
	struct json_object *v;

	if (!json_object_object_get_ex(holders, "all", &v) || !v)
		return false;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return true;
}

struct m2md_perms_build {
	struct m2md_acl_perm *p;
	size_t n;
};

static int m2md_acl_perm_add(struct json_object *v, void *ctx)
{
	struct m2md_perms_build *b = ctx;
	struct json_object *flags, *holders;
	struct m2md_acl_perm *grown, *p;
	int ret;

	if (!json_object_is_type(v, json_type_object))
		return 0;
	grown = realloc(b->p, (b->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->p = grown;
	p = &b->p[b->n++];
	memset(p, 0, sizeof(*p));
	if (json_object_object_get_ex(v, "permissionFlags", &flags))
		m2md_json_each(flags, "flag", m2md_acl_flag, &p->flags);
	if (!json_object_object_get_ex(v, "permissionHolders", &holders) ||
	    !json_object_is_type(holders, json_type_object))
		return 0;
	p->all = m2md_acl_all(holders);
	ret = m2md_acl_strv(holders, "applicationIDs", "applicationID", false,
			    &p->app_ids);
	if (!ret)
		ret = m2md_acl_strv(holders, "sclIDs", "sclID", false,
				    &p->scl_ids);
	if (!ret)
		ret = m2md_acl_strv(holders, "holderRefs", "holderRef", true,
				    &p->holder_refs);
	return ret;
}

static int m2md_acl_perm_list(struct json_object *attrs, const char *key,
			      struct m2md_acl_perm **out, size_t *n)
{
	struct m2md_perms_build b = { 0 };
	struct json_object *list;
	int ret;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(attrs, key, &list))
		return 0;
	ret = m2md_json_each(list, "permission", m2md_acl_perm_add, &b);
	if (ret) {
		m2md_acl_perms_free(b.p, b.n);
		return ret;
	}
	*out = b.p;
	*n = b.n;
	return 0;
}

/* Parse the stored attributes of an accessRight. Returns 0 or -errno. */
static int m2md_acl_rules_parse(const unsigned char *data, size_t len,
				struct m2md_acl_rules *r)
{
	struct json_tokener *tok;
	struct json_object *attrs;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!data || !len)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	attrs = json_tokener_parse_ex(tok, (const char *)data, (int)len);
	json_tokener_free(tok);
	if (!attrs || !json_object_is_type(attrs, json_type_object)) {
		json_object_put(attrs);
		return -EINVAL;
	}
	ret = m2md_acl_perm_list(attrs, "permissions", &r->perms, &r->nperms);
	if (!ret)
		ret = m2md_acl_perm_list(attrs, "selfPermissions", &r->self,
					 &r->nself);
	json_object_put(attrs);
	if (ret)
		m2md_acl_rules_free(r);
	return ret;
}

static bool m2md_strv_has(char *const *v, const char *s)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* True when ref is the path of who's own application or scl resource. */
static bool m2md_acl_ref_is(const char *ref, const char *base,
			    const struct m2md_principal *who)
{
	const char *coll = who->kind == M2MD_PRINCIPAL_APP ? "applications" :
			   "scls";
	size_t blen = strlen(base), clen = strlen(coll);

	return !strncmp(ref, base, blen) && ref[blen] == '/' &&
	       !strncmp(ref + blen + 1, coll, clen) &&
	       ref[blen + 1 + clen] == '/' &&
	       !strcmp(ref + blen + 2 + clen, who->id);
}

static bool m2md_acl_holds(const struct m2md_acl_perm *p, const char *base,
			   const struct m2md_principal *who)
{
	size_t i;

	if (p->all)
		return true;
	if (who->kind == M2MD_PRINCIPAL_APP &&
	    m2md_strv_has(p->app_ids, who->id))
		return true;
	if (who->kind == M2MD_PRINCIPAL_SCL &&
	    m2md_strv_has(p->scl_ids, who->id))
		return true;
	if (who->kind != M2MD_PRINCIPAL_APP && who->kind != M2MD_PRINCIPAL_SCL)
		return false;
	for (i = 0; p->holder_refs && p->holder_refs[i]; i++)
		if (m2md_acl_ref_is(p->holder_refs[i], base, who))
			return true;
	return false;
}

static unsigned int m2md_acl_grant(const struct m2md_acl_perm *p, size_t n,
				   const char *base,
				   const struct m2md_principal *who)
{
	unsigned int mask = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (m2md_acl_holds(&p[i], base, who))
			mask |= p[i].flags;
	return mask;
}

/*
 * Cache of parsed accessRights, keyed by the stored attributes
 * themselves: equal bytes parse to equal rules, so an entry is never
 * stale, and an updated accessRight simply misses.
 */
struct m2md_acl_entry {
	uint64_t hash;
	unsigned char *data;
	size_t len;
	struct m2md_acl_rules rules;
	uint64_t used;
};

static struct {
	pthread_mutex_t lock;
	struct m2md_acl_entry e[M2MD_ACL_CACHE_SIZE];
	uint64_t clock;
} m2md_acl_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t m2md_acl_hash(const unsigned char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct m2md_acl_entry *m2md_acl_cache_find(const unsigned char *data,
						  size_t len, uint64_t hash)
{
	struct m2md_acl_entry *e;
	size_t i;

	for (i = 0; i < M2MD_ACL_CACHE_SIZE; i++) {
		e = &m2md_acl_cache.e[i];
		if (e->data && e->hash == hash && e->len == len &&
		    !memcmp(e->data, data, len))
			return e;
	}
	return NULL;
}

/* The least recently used slot, emptied. */
static struct m2md_acl_entry *m2md_acl_cache_victim(void)
{
	struct m2md_acl_entry *e, *victim = &m2md_acl_cache.e[0];
	size_t i;

	for (i = 0; i < M2MD_ACL_CACHE_SIZE; i++) {
		e = &m2md_acl_cache.e[i];
		if (!e->data) {
			victim = e;
			break;
		}
		if (e->used < victim->used)
			victim = e;
	}
	free(victim->data);
	m2md_acl_rules_free(&victim->rules);
	memset(victim, 0, sizeof(*victim));
	return victim;
}

/*
 * Rights that the accessRight with stored attributes data grants to who:
 * its permissions, or its selfPermissions when self is set.
 */
static int m2md_acl_rules_mask(const unsigned char *data, size_t len,
			       bool self, const char *base,
			       const struct m2md_principal *who)
{
	uint64_t hash = m2md_acl_hash(data, len);
	struct m2md_acl_rules rules;
	struct m2md_acl_entry *e;
	unsigned int mask;
	int ret;

	pthread_mutex_lock(&m2md_acl_cache.lock);
	e = m2md_acl_cache_find(data, len, hash);
	if (!e) {
		ret = m2md_acl_rules_parse(data, len, &rules);
		if (ret) {
			pthread_mutex_unlock(&m2md_acl_cache.lock);
			return ret;
		}
		e = m2md_acl_cache_victim();
		e->data = malloc(len ? len : 1);
		if (!e->data) {
			m2md_acl_rules_free(&rules);
			pthread_mutex_unlock(&m2md_acl_cache.lock);
			return -ENOMEM;
		}
		memcpy(e->data, data, len);
		e->len = len;
		e->hash = hash;
		e->rules = rules;
	}
	e->used = ++m2md_acl_cache.clock;
	if (self)
		mask = m2md_acl_grant(e->rules.self, e->rules.nself, base, who);
	else
		mask = m2md_acl_grant(e->rules.perms, e->rules.nperms, base,
				      who);
	pthread_mutex_unlock(&m2md_acl_cache.lock);
	return (int)mask;
}

/*
 * Rights granted by the accessRight at ar_path (its permissions, or its
 * selfPermissions when self is set). A missing or expired accessRight,
 * or a resource of another type, grants nothing.
 */
static int m2md_acl_from(struct m2md_store *st, const char *base,
			 const struct m2md_principal *who, const char *ar_path,
			 bool self)
{
	struct m2md_resource ar;
	int ret;

	memset(&ar, 0, sizeof(ar));
	ret = m2md_store_res_get(st, ar_path, &ar);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return -EIO;
	if (strcmp(ar.type, "accessRight") ||
	    (ar.expires && ar.expires <= (int64_t)time(NULL))) {
		m2md_resource_free(&ar);
		return 0;
	}
	ret = m2md_acl_rules_mask(ar.data, ar.len, self, base, who);
	m2md_resource_free(&ar);
	if (ret == -EINVAL) {
		m2m_warn_ratelimited("acl: accessRight %s has unreadable permissions: it grants nothing",
				     ar_path);
		return 0;
	}
	return ret;
}

/*
 * The local path of an accessRightID: an absolute path, a URI of this
 * host (scheme and authority dropped) or a path relative to base.
 * Returns false when it does not fit in out.
 */
static bool m2md_acl_id_path(const char *id, const char *base, char *out,
			     size_t len)
{
	const char *scheme = strstr(id, "://");
	int n;

	if (scheme)
		id = scheme + 3 + strcspn(scheme + 3, "/");
	if (id[0] == '/')
		n = snprintf(out, len, "%s", id);
	else
		n = snprintf(out, len, "%s/%s", base, id);
	return n > 0 && (size_t)n < len;
}

/* A path below the sclBase split into its segments. */
struct m2md_acl_path {
	char buf[M2MD_RES_PATH_MAX];
	const char *seg[M2MD_ACL_DEPTH_MAX];
	size_t nseg;
};

/* Split path below base; -EINVAL when it is not in the tree at base. */
static int m2md_acl_split(const char *base, const char *path,
			  struct m2md_acl_path *p)
{
	size_t blen = strlen(base);
	char *s, *save = NULL;

	if (strncmp(path, base, blen) || (path[blen] && path[blen] != '/'))
		return -EINVAL;
	if (snprintf(p->buf, sizeof(p->buf), "%s", path + blen) >=
	    (int)sizeof(p->buf))
		return -EINVAL;
	p->nseg = 0;
	for (s = strtok_r(p->buf, "/", &save); s;
	     s = strtok_r(NULL, "/", &save)) {
		if (p->nseg == M2MD_ACL_DEPTH_MAX)
			return -EINVAL;
		p->seg[p->nseg++] = s;
	}
	return 0;
}

/*
 * True when the resource of the first n segments can carry an
 * accessRightID. Segments alternate between a collection (even index)
 * and an item of it (odd index).
 */
static bool m2md_acl_may_carry(const struct m2md_acl_path *p, size_t n)
{
	static const char *const none[] = {
		"contentInstances", "subscriptions", "notificationChannels",
		"discovery", "membersContent", "content", NULL
	};
	const char *coll;
	size_t i;

	if (!n)
		return true;
	coll = p->seg[(n - 1) & 1 ? n - 2 : n - 1];
	for (i = 0; none[i]; i++)
		if (!strcmp(coll, none[i]))
			return false;
	return true;
}

/* Number of leading segments that name a resource, before membersContent. */
static size_t m2md_acl_real_depth(const struct m2md_acl_path *p)
{
	size_t i;

	for (i = 0; i < p->nseg; i += 2)
		if (!strcmp(p->seg[i], "membersContent"))
			return i;
	return p->nseg;
}

static void m2md_acl_join(const char *base, const struct m2md_acl_path *p,
			  size_t n, char *out, size_t len)
{
	size_t used, i;

	used = snprintf(out, len, "%s", base);
	for (i = 0; i < n && used < len; i++)
		used += snprintf(out + used, len - used, "/%s", p->seg[i]);
}

/*
 * Find the effective accessRight of path: the one named by the nearest
 * resource, from path up to base, that has an accessRightID, or the
 * accessRight that path is in (*self set, its selfPermissions apply).
 * Returns 1 with its path in ar_path, 0 when there is none, or -EIO.
 */
static int m2md_acl_find(struct m2md_store *st, const char *base,
			 const char *path, char *ar_path, size_t len,
			 bool *self)
{
	char cur[M2MD_RES_PATH_MAX];
	struct m2md_acl_path p;
	struct m2md_resource res;
	size_t n;
	int ret;

	if (m2md_acl_split(base, path, &p))
		return 0;
	for (n = m2md_acl_real_depth(&p) + 1; n-- > 0;) {
		if (!m2md_acl_may_carry(&p, n))
			continue;
		m2md_acl_join(base, &p, n, cur, sizeof(cur));
		memset(&res, 0, sizeof(res));
		ret = m2md_store_res_get(st, cur, &res);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return -EIO;
		if (!strcmp(res.type, "accessRight")) {
			m2md_resource_free(&res);
			*self = true;
			return snprintf(ar_path, len, "%s", cur) < (int)len;
		}
		if (res.acl[0]) {
			*self = false;
			ret = m2md_acl_id_path(res.acl, base, ar_path, len);
			m2md_resource_free(&res);
			return ret ? 1 : 0;
		}
		m2md_resource_free(&res);
	}
	return 0;
}

/* Rights granted on path by its effective accessRight. */
static int m2md_acl_granted(struct m2md_store *st, const char *base,
			    const struct m2md_principal *who, const char *path)
{
	char ar_path[M2MD_RES_PATH_MAX];
	bool self = false;
	int ret;

	ret = m2md_acl_find(st, base, path, ar_path, sizeof(ar_path), &self);
	if (ret <= 0)
		return ret;
	return m2md_acl_from(st, base, who, ar_path, self);
}

/* True when path is base/coll/id or below it. */
static bool m2md_acl_below(const char *path, const char *base,
			   const char *coll, const char *id)
{
	size_t blen = strlen(base), clen = strlen(coll), ilen = strlen(id);
	const char *p = path;

	if (!ilen || strncmp(p, base, blen) || p[blen] != '/')
		return false;
	p += blen + 1;
	if (strncmp(p, coll, clen) || p[clen] != '/')
		return false;
	p += clen + 1;
	return !strncmp(p, id, ilen) && (!p[ilen] || p[ilen] == '/');
}

/* True for base itself and for base/<one segment>. */
static bool m2md_acl_is_base_level(const char *path, const char *base)
{
	size_t blen = strlen(base);

	if (strncmp(path, base, blen))
		return false;
	if (!path[blen])
		return true;
	return path[blen] == '/' && path[blen + 1] &&
	       !strchr(path + blen + 1, '/');
}

/*
 * Default rights of an application or SCL on path: everything on its own
 * resource and below, CREATE of its own registration (name under its
 * collection), READ and DISCOVER of the sclBase and its collections.
 */
static unsigned int m2md_acl_default(const char *base,
				     const struct m2md_principal *who,
				     const char *path, const char *name)
{
	const char *coll;
	char own[M2MD_RES_PATH_MAX];
	unsigned int mask = 0;

	if (who->kind == M2MD_PRINCIPAL_APP)
		coll = "applications";
	else if (who->kind == M2MD_PRINCIPAL_SCL)
		coll = "scls";
	else
		return 0;
	if (!who->id[0])
		return 0;
	if (m2md_acl_below(path, base, coll, who->id))
		return M2MD_PERM_ALL;
	snprintf(own, sizeof(own), "%s/%s", base, coll);
	if (name && !strcmp(path, own) && !strcmp(name, who->id))
		mask |= M2MD_PERM_CREATE;
	if (m2md_acl_is_base_level(path, base))
		mask |= M2MD_PERM_READ | M2MD_PERM_DISCOVER;
	return mask;
}

int m2md_acl_rights(struct m2md_store *st, const char *base,
		    const struct m2md_principal *who, const char *path)
{
	unsigned int mask;
	int granted;

	if (who->kind == M2MD_PRINCIPAL_ADMIN)
		return M2MD_PERM_ALL;
	mask = m2md_acl_default(base, who, path, NULL);
	if (mask == M2MD_PERM_ALL)
		return (int)mask;
	granted = m2md_acl_granted(st, base, who, path);
	if (granted < 0)
		return granted;
	return (int)(mask | (unsigned int)granted);
}

/*
 * Check READ on the subject of a POST to <subject>/subscriptions, because
 * each notification carries the representation of the subject or its child.
 */
static int m2md_acl_subject(struct m2md_store *st, const char *base,
			    const struct m2md_principal *who,
			    const char *path, char *why, size_t len)
{
	static const char coll[] = "/subscriptions";
	size_t plen = strlen(path), clen = sizeof(coll) - 1;
	char subject[M2MD_RES_PATH_MAX];

	if (plen <= clen || strcmp(path + plen - clen, coll) ||
	    plen - clen >= sizeof(subject))
		return 0;
	snprintf(subject, sizeof(subject), "%.*s", (int)(plen - clen), path);
	return m2md_acl_check(st, base, who, subject, NULL, M2MD_PERM_READ,
			      why, len);
}

int m2md_acl_check(struct m2md_store *st, const char *base,
		   const struct m2md_principal *who, const char *path,
		   const char *name, enum m2md_perm perm, char *why,
		   size_t len)
{
	char principal[300];
	int granted;

	if (who->kind == M2MD_PRINCIPAL_ADMIN)
		return 0;
	if (m2md_acl_default(base, who, path, name) & perm)
		goto allowed;
	granted = m2md_acl_granted(st, base, who, path);
	if (granted < 0) {
		snprintf(why, len, "cannot read the access rights of %s",
			 path);
		return -EIO;
	}
	if ((unsigned int)granted & perm)
		goto allowed;
	m2md_principal_str(who, principal, sizeof(principal));
	snprintf(why, len, "%s has no %s right on %s", principal,
		 m2md_perm_name(perm), path);
	return -EACCES;
allowed:
	if (perm == M2MD_PERM_CREATE)
		return m2md_acl_subject(st, base, who, path, why, len);
	return 0;
}

int m2md_acl_check_acl_change(struct m2md_store *st, const char *base,
			      const struct m2md_principal *who,
			      const char *path, char *why, size_t len)
{
	char principal[300], ar_path[M2MD_RES_PATH_MAX];
	bool self = false;
	int ret;

	if (who->kind == M2MD_PRINCIPAL_ADMIN ||
	    m2md_acl_default(base, who, path, NULL) == M2MD_PERM_ALL)
		return 0;
	ret = m2md_acl_find(st, base, path, ar_path, sizeof(ar_path), &self);
	if (ret > 0)
		ret = m2md_acl_from(st, base, who, ar_path, true);
	if (ret < 0) {
		snprintf(why, len, "cannot read the access rights of %s",
			 path);
		return -EIO;
	}
	if ((unsigned int)ret & M2MD_PERM_WRITE)
		return 0;
	m2md_principal_str(who, principal, sizeof(principal));
	snprintf(why, len,
		 "%s may not change the accessRightID of %s: that needs WRITE in the selfPermissions of the accessRight in effect",
		 principal, path);
	return -EACCES;
}
