// SPDX-License-Identifier: GPL-2.0
/*
 * membersContent of a <group>: a request to <group>/membersContent[/rest]
 * is applied to <member>/rest for each member URI of the group, and the
 * reply is a <membersContentResponses> document (membersContent.xsd)
 * with one <status> per member: its ETSI statusCode, ETag, last
 * modification time and the member's reply body as base64. A member
 * that is a path of this SCL goes through the tree with the caller's
 * principal, so the caller's rights apply per member. An http:// or
 * https:// member is requested over HTTP as the SCL itself, so one whose
 * host is inside the tunnel prefixes, where the SCL's address speaks for
 * the SCL, is refused with 403.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "client.h"
#include "config.h"
#include "log.h"
#include "notify_priv.h"
#include "reload.h"
#include "repr.h"
#include "xml.h"

/* Maximum members of one fan-out; a larger group gets 413. */
#define M2MD_GROUP_FANOUT_MAX	256
/* Nesting of groups whose members are other groups' membersContent. */
#define M2MD_GROUP_DEPTH_MAX	4

/*
 * Member requests of one top-level request, nested groups included, so
 * that groups listing each other cannot multiply the work.
 */
#define M2MD_GROUP_REQUESTS_MAX	1024

static __thread unsigned int m2md_fanout_depth;
static __thread unsigned int m2md_fanout_requests;

/* The outcome of one member's request. */
struct m2md_member_result {
	unsigned int status;		/* HTTP status, 0 = no response */
	const char *info;		/* why there is no response */
	char etag[64];
	int64_t modified;		/* 0 = unknown */
	const unsigned char *body;
	size_t len;
};

static const char *m2md_method_name(enum m2md_method m)
{
	switch (m) {
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
	return "GET";
}

/* The members list: an array of URIs ({"reference": [...]} accepted). */
static struct json_object *m2md_group_members(struct json_object *attrs)
{
	struct json_object *v;

	if (!attrs || !json_object_object_get_ex(attrs, "members", &v))
		return NULL;
	if (json_object_is_type(v, json_type_object))
		json_object_object_get_ex(v, "reference", &v);
	if (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

void m2md_notify_set_tunnel(struct m2md_notify *n,
			    const struct m2md_config *cfg)
{
	size_t i;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->ntunnel = 0;
	if (cfg->tunnel_prefix.family)
		n->tunnel[n->ntunnel++] = cfg->tunnel_prefix;
	if (cfg->has_tunnel_prefix4)
		n->tunnel[n->ntunnel++] = cfg->tunnel_prefix4;
	for (i = 0; i < cfg->n_tunnel_routes &&
	     n->ntunnel < M2MD_NOTIFY_TUNNEL_MAX; i++)
		n->tunnel[n->ntunnel++] = cfg->tunnel_routes[i];
	pthread_mutex_unlock(&n->lock);
}

/* True when the first bits of a and b agree (bits <= 8 * their length). */
static bool m2md_bits_equal(const uint8_t *a, const uint8_t *b,
			    unsigned int bits)
{
	uint8_t mask;

	if (memcmp(a, b, bits / 8))
		return false;
	if (!(bits % 8))
		return true;
	mask = (uint8_t)(0xff << (8 - bits % 8));
	return !((a[bits / 8] ^ b[bits / 8]) & mask);
}

/*
 * True when sa lies in one of prefixes. An IPv4-mapped IPv6 address
 * counts as its IPv4 address, since it reaches the same host.
 */
static bool m2md_addr_inside(const struct sockaddr *sa,
			     const struct m2m_allowedip *prefixes, size_t n)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *addr;
	int family = sa->sa_family;
	size_t i;

	if (family == AF_INET) {
		addr = (const uint8_t *)
		       &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (!memcmp(addr, mapped, sizeof(mapped))) {
			addr += sizeof(mapped);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (i = 0; i < n; i++)
		if (prefixes[i].family == family &&
		    m2md_bits_equal(addr, prefixes[i].addr, prefixes[i].cidr))
			return true;
	return false;
}

/* The host of an http(s) URI, without brackets; false when it has none. */
static bool m2md_uri_host(const char *uri, char *host, size_t len)
{
	const char *start, *end, *at;
	size_t n;

	if (strncasecmp(uri, "http://", 7) && strncasecmp(uri, "https://", 8))
		return false;
	start = strstr(uri, "://") + 3;
	end = start + strcspn(start, "/?#");
	at = memrchr(start, '@', end - start);
	if (at)
		start = at + 1;
	if (*start == '[') {
		start++;
		end = memchr(start, ']', end - start);
		if (!end)
			return false;
	} else {
		end = start + strcspn(start, ":/?#");
	}
	n = (size_t)(end - start);
	if (!n || n >= len)
		return false;
	memcpy(host, start, n);
	host[n] = '\0';
	return true;
}

/*
 * NOTE: the host is resolved here and again by libcurl, so a DNS name
 * that changes its answer in between is not caught.
 */
int m2md_notify_uri_check(struct m2md_notify *n, const char *uri, char *why,
			  size_t len)
{
	struct m2m_allowedip prefixes[M2MD_NOTIFY_TUNNEL_MAX];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256], text[INET6_ADDRSTRLEN];
	size_t count;
	int ret = 0;

	if (!n || !m2md_uri_host(uri, host, sizeof(host)))
		return 0;
	pthread_mutex_lock(&n->lock);
	count = n->ntunnel;
	memcpy(prefixes, n->tunnel, count * sizeof(prefixes[0]));
	pthread_mutex_unlock(&n->lock);
	if (!count || getaddrinfo(host, NULL, &hints, &res))
		return 0;
	for (ai = res; ai && !ret; ai = ai->ai_next) {
		if (!m2md_addr_inside(ai->ai_addr, prefixes, count))
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text,
				sizeof(text), NULL, 0, NI_NUMERICHOST))
			snprintf(text, sizeof(text), "?");
		snprintf(why, len,
			 "%.300s is inside the tunnel prefix (%s): the SCL does not send there as itself",
			 uri, text);
		ret = -EACCES;
	}
	freeaddrinfo(res);
	return ret;
}

static const char *m2md_query_of(const struct m2md_request *req)
{
	const char *q = req->target ? strchr(req->target, '?') : NULL;

	return q ? q : "";
}

static void m2md_member_local(struct m2md_notify *n, const char *member,
			      const char *rest, const struct m2md_request *req,
			      const struct m2md_principal *who,
			      struct m2md_reply *out,
			      struct m2md_member_result *r)
{
	char path[M2MD_TREE_PATH_MAX + 1], target[2 * M2MD_TREE_PATH_MAX];
	struct m2md_request sub = *req;

	if (!m2md_path_under(member, n->tree->root)) {
		r->info = "member is not a resource of this SCL";
		r->status = 404;
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s%s", member, rest) >=
	    sizeof(path)) {
		r->info = "member path is too long";
		r->status = 400;
		return;
	}
	snprintf(target, sizeof(target), "%s%s", path, m2md_query_of(req));
	sub.path = path;
	sub.target = target;
	sub.conn = NULL;
	sub.authorization = NULL;
	memset(out, 0, sizeof(*out));
	out->status = 500;
	m2md_tree_dispatch(n->tree, &sub, who, out);
	r->status = out->status;
	snprintf(r->etag, sizeof(r->etag), "%s", out->etag);
	r->modified = out->last_modified;
	r->body = out->body;
	r->len = out->len;
}

static void m2md_member_remote(struct m2md_notify *n, const char *member,
			       const char *rest,
			       const struct m2md_request *req,
			       struct m2md_client_reply *out,
			       struct m2md_member_result *r)
{
	static __thread char why[512];
	char url[2 * M2MD_TREE_PATH_MAX + 1024], err[256];
	struct m2md_client_req creq = {
		.method = m2md_method_name(req->method),
		.url = url,
		.content_type = req->body_len ? req->content_type : NULL,
		.accept = req->accept,
		.body = req->body_len ? req->body : NULL,
		.len = req->body_len,
		.timeout_ms = m2md_live_http_timeout(n->http_timeout_ms),
	};
	struct tm tm = { 0 };

	snprintf(url, sizeof(url), "%s%s%s", member, rest, m2md_query_of(req));
	if (m2md_notify_uri_check(n, url, err, sizeof(err))) {
		snprintf(why, sizeof(why), "member %s", err);
		r->status = 403;
		r->info = why;
		return;
	}
	m2md_client_send(&creq, out, err, sizeof(err));
	r->status = out->status;
	if (!out->status) {
		r->info = "member did not answer";
		return;
	}
	snprintf(r->etag, sizeof(r->etag), "%s", out->etag);
	if (strptime(out->last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		r->modified = timegm(&tm);
	r->body = out->body;
	r->len = out->len;
}

/* Append <status id="member"> with what the member returned. */
/* Append an element in no namespace (xmlNewChild would inherit m2m). */
static xmlNodePtr m2md_add_local(xmlNodePtr parent, const char *name,
				 const char *text)
{
	xmlNodePtr node = xmlNewDocNode(parent->doc, NULL, BAD_CAST name,
					NULL);

	if (!node)
		return NULL;
	if (text)
		xmlNodeAddContent(node, BAD_CAST text);
	return xmlAddChild(parent, node);
}

static void m2md_status_add(xmlNodePtr root, const char *member,
			    const struct m2md_member_result *r)
{
	xmlNodePtr st = m2md_add_local(root, "status", NULL);
	char when[M2MD_XML_TIME_LEN];
	unsigned int status = r->status ? r->status : 504;
	char *b64;

	if (!st)
		return;
	/* Local elements of membersContent.xsd are unqualified. */
	xmlNewProp(st, BAD_CAST "id", BAD_CAST member);
	m2md_add_local(st, "statusCode", m2md_etsi_status(status));
	if (r->etag[0])
		m2md_add_local(st, "eTag", r->etag);
	if (r->modified) {
		m2md_xml_format_time(r->modified, when);
		m2md_add_local(st, "lastModifiedTime", when);
	}
	if (r->len) {
		b64 = m2md_base64_encode(r->body, r->len);
		if (b64)
			m2md_add_local(st, "resultBody", b64);
		free(b64);
	} else if (r->info) {
		b64 = m2md_base64_encode(r->info, strlen(r->info));
		if (b64)
			m2md_add_local(st, "resultBody", b64);
		free(b64);
	}
}

static void m2md_fanout_member(struct m2md_notify *n, xmlNodePtr root,
			       const char *member, const char *rest,
			       const struct m2md_request *req,
			       const struct m2md_principal *who)
{
	struct m2md_member_result r = { 0 };
	struct m2md_client_reply remote = { 0 };
	struct m2md_reply local = { 0 };

	if (m2md_fanout_depth >= M2MD_GROUP_DEPTH_MAX) {
		r.status = 400;
		r.info = "groups nested too deep in membersContent";
	} else if (++m2md_fanout_requests > M2MD_GROUP_REQUESTS_MAX) {
		r.status = 400;
		r.info = "too many member requests for one membersContent request";
	} else if (member[0] == '/') {
		m2md_fanout_depth++;
		m2md_member_local(n, member, rest, req, who, &local, &r);
		m2md_fanout_depth--;
	} else if (!strncasecmp(member, "http://", 7) ||
		   !strncasecmp(member, "https://", 8)) {
		m2md_member_remote(n, member, rest, req, &remote, &r);
	} else {
		r.status = 400;
		r.info = "member is neither a path of this SCL nor an http URI";
	}
	m2md_status_add(root, member, &r);
	free(local.body);
	m2md_client_reply_free(&remote);
}

static void m2md_fanout_reply(const struct m2md_request *req,
			      struct m2md_reply *reply, xmlDocPtr doc)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (m2md_request_wants_json(req)) {
		ret = m2md_repr_doc_json(doc, &text, &len);
		if (!ret)
			ret = m2md_reply_set(reply, 200, "application/json",
					     text, len);
	} else {
		ret = m2md_xml_dump(doc, &text, &len);
		if (!ret)
			ret = m2md_reply_set(reply, 200, "application/xml",
					     text, len);
	}
	free(text);
	if (ret)
		m2md_reply_error(req, reply, 500, "out of memory");
}

void m2md_group_fanout(struct m2md_notify *n, const char *group_path,
		       const char *rest, const struct m2md_request *req,
		       const struct m2md_principal *who,
		       struct m2md_reply *reply)
{
	struct json_object *attrs = NULL, *members, *item;
	struct m2md_resource group;
	char info[M2MD_RES_PATH_MAX + 64];
	xmlNodePtr root;
	xmlDocPtr doc;
	size_t count, i;

	if (!n) {
		m2md_reply_error(req, reply, 503,
				 "membersContent is not enabled on this SCL");
		return;
	}
	if (m2md_store_res_get(n->tree->store, group_path, &group)) {
		snprintf(info, sizeof(info), "group %s not found", group_path);
		m2md_reply_error(req, reply, 404, info);
		return;
	}
	if (strcmp(group.type, "group")) {
		snprintf(info, sizeof(info), "%s is a %s, not a group",
			 group_path, group.type);
		m2md_resource_free(&group);
		m2md_reply_error(req, reply, 404, info);
		return;
	}
	attrs = m2md_repr_attrs(&group);
	m2md_resource_free(&group);
	members = m2md_group_members(attrs);
	count = !members ? 0 : json_object_is_type(members, json_type_string) ?
		1 : json_object_array_length(members);
	if (count > M2MD_GROUP_FANOUT_MAX) {
		snprintf(info, sizeof(info),
			 "group %s has %zu members, more than the %d of a membersContent request",
			 group_path, count, M2MD_GROUP_FANOUT_MAX);
		m2md_reply_error(req, reply, 413, info);
		json_object_put(attrs);
		return;
	}
	if (!m2md_fanout_depth)
		m2md_fanout_requests = 0;
	doc = m2md_xml_new("membersContentResponses", &root);
	if (!doc) {
		json_object_put(attrs);
		m2md_reply_error(req, reply, 500, "out of memory");
		return;
	}
	for (i = 0; i < count; i++) {
		item = json_object_is_type(members, json_type_string) ?
		       members : json_object_array_get_idx(members, i);
		if (json_object_is_type(item, json_type_string))
			m2md_fanout_member(n, root,
					   json_object_get_string(item),
					   rest ? rest : "", req, who);
	}
	json_object_put(attrs);
	m2md_fanout_reply(req, reply, doc);
	xmlFreeDoc(doc);
}
