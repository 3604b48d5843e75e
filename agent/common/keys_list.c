// SPDX-License-Identifier: GPL-2.0
/*
 * Listing of the m2msec keys reachable from the caller's keyrings, with
 * the public metadata that keyctl_describe() and /proc/keys show, and the
 * lookup of this gateway's Kmr.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "hex.h"
#include "keys.h"

#define M2M_KEYS_DEPTH_MAX	8	/* nesting of keyrings searched */

struct m2m_serials {
	int32_t *v;
	size_t n;
	size_t cap;
};

static bool m2m_serials_has(const struct m2m_serials *s, int32_t serial)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i] == serial)
			return true;
	}
	return false;
}

static int m2m_serials_add(struct m2m_serials *s, int32_t serial)
{
	int32_t *v;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		v = realloc(s->v, s->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	s->v[s->n++] = serial;
	return 0;
}

/*
 * Split the "type;uid;gid;perm;description" string of keyctl_describe()
 * into info. The description is last because it may contain ';'.
 */
static int m2m_keys_describe(int32_t serial, struct m2m_key_info *info)
{
	char *desc, *type, *rest;
	int ret = -EBADMSG;

	if (keyctl_describe_alloc(serial, &desc) < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	info->serial = serial;
	type = desc;
	rest = strchr(type, ';');
	if (rest) {
		*rest++ = '\0';
		if (sscanf(rest, "%u;%u;%x;", &info->uid, &info->gid,
			   &info->perm) == 3) {
			rest = strchr(rest, ';');
			rest = rest ? strchr(rest + 1, ';') : NULL;
			rest = rest ? strchr(rest + 1, ';') : NULL;
		} else {
			rest = NULL;
		}
	}
	if (rest) {
		snprintf(info->type, sizeof(info->type), "%s", type);
		snprintf(info->description, sizeof(info->description), "%s",
			 rest + 1);
		m2m_keys_parse_description(info, time(NULL));
		ret = 0;
	}
	free(desc);
	return ret;
}

static bool m2m_keys_is_m2m(const struct m2m_key_info *info)
{
	if (!strncmp(info->type, "m2m_", 4))
		return true;
	return !strcmp(info->type, "user") &&
	       !strncmp(info->description, M2MSEC_KMA_DESC_PREFIX,
			strlen(M2MSEC_KMA_DESC_PREFIX));
}

/*
 * Collect the serials of the keys (not keyrings) linked below ring into
 * keys. visited contains every serial met, so that a keyring linked twice or
 * in a loop is read once.
 */
static int m2m_keys_walk(int32_t ring, int depth, struct m2m_serials *visited,
			 struct m2m_serials *keys)
{
	struct m2m_key_info info;
	int32_t *ids;
	void *buf;
	int len, i, ret = 0;

	len = keyctl_read_alloc(ring, &buf);
	if (len < 0)
		return 0;	/* a keyring we may not read has nothing for us */
	ids = buf;
	for (i = 0; !ret && i < len / (int)sizeof(int32_t); i++) {
		if (m2m_serials_has(visited, ids[i]))
			continue;
		ret = m2m_serials_add(visited, ids[i]);
		if (ret || m2m_keys_describe(ids[i], &info))
			continue;
		if (!strcmp(info.type, "keyring")) {
			if (depth < M2M_KEYS_DEPTH_MAX)
				ret = m2m_keys_walk(ids[i], depth + 1, visited,
						    keys);
		} else if (m2m_keys_is_m2m(&info)) {
			ret = m2m_serials_add(keys, ids[i]);
		}
	}
	free(buf);
	return ret;
}

static int m2m_keys_walk_root(int32_t ring, struct m2m_serials *visited,
			      struct m2m_serials *keys)
{
	int32_t id = keyctl_get_keyring_ID(ring, 0);

	if (id < 0 || m2m_serials_has(visited, id))
		return 0;
	if (m2m_serials_add(visited, id))
		return -ENOMEM;
	return m2m_keys_walk(id, 0, visited, keys);
}

/* Parse the timeout column of /proc/keys ("perm", "expd" or e.g. "5m"). */
static void m2m_keys_parse_timeout(const char *timeout, time_t now,
				   struct m2m_key_info *info)
{
	unsigned long value;
	char unit;

	if (info->expiry_exact || !strcmp(timeout, "perm"))
		return;
	if (!strcmp(timeout, "expd")) {
		info->has_expiry = true;
		info->expired = true;
		info->expiry = now;
		return;
	}
	if (sscanf(timeout, "%lu%c", &value, &unit) != 2)
		return;
	switch (unit) {
	case 'w':
		value *= 7;
		/* fall through */
	case 'd':
		value *= 24;
		/* fall through */
	case 'h':
		value *= 60;
		/* fall through */
	case 'm':
		value *= 60;
		/* fall through */
	case 's':
		info->has_expiry = true;
		info->seconds_left = (long)value;
		info->expiry = now + (time_t)value;
		break;
	}
}

/* Check that s starts with an id of len bytes in hex, then a NUL or space. */
static bool m2m_keys_is_hex_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < 2 * len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[i] == '\0' || s[i] == ' ';
}

static void m2m_keys_set_expiry(struct m2m_key_info *info, time_t when,
				time_t now)
{
	info->has_expiry = true;
	info->expiry_exact = true;
	info->expiry = when;
	info->seconds_left = when > now ? (long)(when - now) : 0;
	info->expired = when <= now;
}

/*
 * Read the "name value" pairs that the m2msec key types put in their
 * describe text: "node <hex>", "kmr_index <n>", "kmc_index <n>" and
 * "expires <Unix time>|never".
 */
static void m2m_keys_parse_pairs(struct m2m_key_info *info, const char *text,
				 time_t now)
{
	char copy[sizeof(info->description)];
	char *save = NULL, *name, *value;
	long long when;

	snprintf(copy, sizeof(copy), "%s", text);
	/* Other words, such as the key type name, are skipped one by one. */
	for (name = strtok_r(copy, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		if (strcmp(name, "node") && strcmp(name, "kmr_index") &&
		    strcmp(name, "kmc_index") && strcmp(name, "expires"))
			continue;
		value = strtok_r(NULL, " ", &save);
		if (!value)
			break;
		if (!strcmp(name, "node")) {
			if (m2m_keys_is_hex_id(value, M2MSEC_NODE_ID_LEN))
				snprintf(info->node_id, sizeof(info->node_id),
					 "%s", value);
		} else if (!strcmp(name, "expires")) {
			if (sscanf(value, "%lld", &when) == 1)
				m2m_keys_set_expiry(info, (time_t)when, now);
		} else if (sscanf(value, "%u", &info->key_index) == 1) {
			info->has_key_index = true;
		}
	}
}

void m2m_keys_parse_description(struct m2m_key_info *info, time_t now)
{
	const char *d = info->description;

	if (!strcmp(info->type, M2MSEC_KEY_TYPE_ROOT) &&
	    m2m_keys_is_hex_id(d, M2MSEC_NODE_ID_LEN)) {
		memcpy(info->node_id, d, M2M_NODE_ID_HEX_LEN);
		info->node_id[M2M_NODE_ID_HEX_LEN] = '\0';
	} else if (!strcmp(info->type, M2MSEC_KEY_TYPE_CONN) &&
		   m2m_keys_is_hex_id(d, M2MSEC_KEY_ID_LEN)) {
		memcpy(info->key_id, d, M2M_KEY_ID_HEX_LEN);
		info->key_id[M2M_KEY_ID_HEX_LEN] = '\0';
		m2m_keys_parse_pairs(info, d + M2M_KEY_ID_HEX_LEN, now);
	}
}

/* Keep what the key type's describe operation adds to the description. */
static void m2m_keys_set_details(struct m2m_key_info *info, const char *text)
{
	size_t len = strlen(info->description);

	if (!strncmp(text, info->description, len))
		text += len;
	while (*text == ':' || *text == ' ')
		text++;
	snprintf(info->details, sizeof(info->details), "%s", text);
	len = strlen(info->details);
	while (len && (info->details[len - 1] == '\n' ||
		       info->details[len - 1] == ' '))
		info->details[--len] = '\0';
}

int m2m_keys_parse_proc_line(const char *line, struct m2m_key_info *info,
			     time_t now)
{
	char flags[16], timeout[16], type[16];
	unsigned int serial, perm, uid, gid;
	int usage, off = -1;

	if (sscanf(line, "%x %15s %d %15s %x %u %u %15s %n", &serial, flags,
		   &usage, timeout, &perm, &uid, &gid, type, &off) < 8 ||
	    off < 0)
		return -EINVAL;
	if ((int32_t)serial != info->serial)
		return -ENOENT;
	m2m_keys_set_details(info, line + off);
	m2m_keys_parse_pairs(info, info->details, now);
	m2m_keys_parse_timeout(timeout, now, info);
	return 0;
}

/* Add the timeout and the metadata text of each key from /proc/keys. */
static void m2m_keys_read_proc(struct m2m_key_info *keys, size_t n)
{
	time_t now = time(NULL);
	size_t cap = 0, i;
	char *line = NULL;
	FILE *f;

	f = fopen("/proc/keys", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		for (i = 0; i < n; i++) {
			if (!m2m_keys_parse_proc_line(line, &keys[i], now))
				break;
		}
	}
	free(line);
	fclose(f);
}

int m2m_keys_list(struct m2m_key_info **keys, char *err, size_t errlen)
{
	static const int32_t roots[] = {
		KEY_SPEC_THREAD_KEYRING, KEY_SPEC_PROCESS_KEYRING,
		KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING,
		KEY_SPEC_USER_SESSION_KEYRING,
	};
	struct m2m_serials visited = { 0 }, found = { 0 };
	struct m2m_key_info *list = NULL;
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(roots) / sizeof(roots[0]); i++)
		ret = m2m_keys_walk_root(roots[i], &visited, &found);
	if (!ret && found.n) {
		list = calloc(found.n, sizeof(*list));
		if (!list)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < found.n; i++) {
		/* A key revoked or unlinked meanwhile is left out. */
		if (!m2m_keys_describe(found.v[i], &list[n]))
			n++;
	}
	free(visited.v);
	free(found.v);
	if (ret) {
		free(list);
		if (err && errlen)
			snprintf(err, errlen, "listing keys failed: %s",
				 strerror(-ret));
		return ret;
	}
	m2m_keys_read_proc(list, n);
	*keys = list;
	return (int)n;
}

static int m2m_keys_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static int m2m_keys_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int m2m_keys_search_root(int32_t keyring,
				const uint8_t node_id[M2MSEC_NODE_ID_LEN],
				int32_t *serial, char *err, size_t errlen)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	char name[M2M_KEYRING_NAME_MAX];
	int error;
	long id;

	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, hex);
	m2m_keyring_name(keyring, name);
	id = keyctl_search(keyring, M2MSEC_KEY_TYPE_ROOT, hex, 0);
	if (id >= 0) {
		*serial = (int32_t)id;
		return 0;
	}
	error = errno;
	if (error == ENOKEY || error == ENOENT)
		return m2m_keys_fail(err, errlen, -ENOKEY,
				     "no m2m_root key for node id %s in keyring %s",
				     hex, name);
	return m2m_keys_fail(err, errlen, -error,
			     "searching keyring %s for the m2m_root key of node id %s failed: %s",
			     name, hex, strerror(error));
}

/*
 * Find the node id of the m2m_root keys below keyring. Several keys with
 * one node id are no ambiguity: a host that is both ends of a handshake
 * keeps the same Kmr twice.
 */
static int m2m_keys_only_root(int32_t keyring, int32_t *serial,
			      uint8_t node_id[M2MSEC_NODE_ID_LEN], char *err,
			      size_t errlen)
{
	struct m2m_serials visited = { 0 }, found = { 0 };
	uint8_t id[M2MSEC_NODE_ID_LEN];
	char name[M2M_KEYRING_NAME_MAX];
	struct m2m_key_info info;
	size_t i, roots = 0, others = 0;
	int ret;

	m2m_keyring_name(keyring, name);
	ret = m2m_keys_walk_root(keyring, &visited, &found);
	for (i = 0; !ret && i < found.n; i++) {
		if (m2m_keys_describe(found.v[i], &info) ||
		    strcmp(info.type, M2MSEC_KEY_TYPE_ROOT) ||
		    m2m_hex_decode(info.description, id, sizeof(id)))
			continue;
		if (roots && memcmp(id, node_id, sizeof(id))) {
			others++;
			continue;
		}
		if (!roots)
			*serial = found.v[i];
		memcpy(node_id, id, sizeof(id));
		roots++;
	}
	free(visited.v);
	free(found.v);
	if (ret)
		return m2m_keys_fail(err, errlen, ret,
				     "searching keyring %s failed: %s", name,
				     strerror(-ret));
	if (roots == 0)
		return m2m_keys_fail(err, errlen, -ENOKEY,
				     "no m2m_root key in keyring %s", name);
	if (others)
		return m2m_keys_fail(err, errlen, -ENOTUNIQ,
				     "m2m_root keys of more than one node id in keyring %s: name the node id",
				     name);
	return 0;
}

int m2m_keys_find_root(int32_t keyring, const uint8_t *node_id,
		       int32_t *serial,
		       uint8_t found_node_id[M2MSEC_NODE_ID_LEN], char *err,
		       size_t errlen)
{
	int ret;

	if (!node_id)
		return m2m_keys_only_root(keyring, serial, found_node_id, err,
					  errlen);
	ret = m2m_keys_search_root(keyring, node_id, serial, err, errlen);
	if (!ret)
		memcpy(found_node_id, node_id, M2MSEC_NODE_ID_LEN);
	return ret;
}
