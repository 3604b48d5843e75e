// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering of resources as ETSI XML. The order of elements follows the
 * attribute tables generated from the schemas, so every document is
 * valid against the schema of its root element without validating it at
 * run time (the unit tests validate each type).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repr.h"
#include "repr_priv.h"
#include "xml.h"

const struct m2md_attr *m2md_repr_elem(const struct m2md_attr *elems,
				       const char *name)
{
	const struct m2md_attr *e;

	for (e = elems; e && e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* Append the element of a, in the m2m namespace unless a is local. */
static xmlNodePtr m2md_put_elem(xmlNodePtr parent, const struct m2md_attr *a,
				const char *text)
{
	return a->local ? m2md_xml_add_local(parent, a->name, text) :
	       m2md_xml_add(parent, a->name, text);
}

static void m2md_put_item(xmlNodePtr list, const struct m2md_attr *a,
			  const char *text)
{
	if (a->item_local)
		m2md_xml_add_local(list, a->item, text);
	else
		m2md_xml_add(list, a->item, text);
}

static void m2md_put_text(xmlNodePtr parent, const struct m2md_attr *a,
			  struct json_object *v)
{
	char num[24];

	char buf[M2MD_XML_TIME_LEN];

	switch (a->kind) {
	case M2MD_ATTR_LONG:
		if (!json_object_is_type(v, json_type_int))
			break;
		snprintf(num, sizeof(num), "%" PRId64,
			 json_object_get_int64(v));
		m2md_put_elem(parent, a, num);
		break;
	case M2MD_ATTR_BOOL:
		if (json_object_is_type(v, json_type_boolean))
			m2md_put_elem(parent, a, json_object_get_boolean(v) ?
				      "true" : "false");
		break;
	case M2MD_ATTR_TIME:
		/* Top-level times are stored as seconds, nested as text. */
		if (json_object_is_type(v, json_type_int)) {
			m2md_xml_format_time(json_object_get_int64(v), buf);
			m2md_put_elem(parent, a, buf);
		} else if (json_object_is_type(v, json_type_string)) {
			m2md_put_elem(parent, a, json_object_get_string(v));
		}
		break;
	default:
		if (json_object_is_type(v, json_type_string))
			m2md_put_elem(parent, a, json_object_get_string(v));
		break;
	}
}

/* A LIST: stored as an array, or nested as {"item": [...]}. */
static void m2md_put_list(xmlNodePtr parent, const struct m2md_attr *a,
			  struct json_object *v)
{
	struct json_object *items = v, *it;
	xmlNodePtr list;
	size_t i, n;

	if (json_object_is_type(v, json_type_object) &&
	    !json_object_object_get_ex(v, a->item, &items))
		items = NULL;
	list = m2md_put_elem(parent, a, NULL);
	if (!list || !items)
		return;
	if (json_object_is_type(items, json_type_string)) {
		m2md_put_item(list, a, json_object_get_string(items));
		return;
	}
	if (!json_object_is_type(items, json_type_array))
		return;
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(items, i);
		if (json_object_is_type(it, json_type_string))
			m2md_put_item(list, a, json_object_get_string(it));
	}
}

static void m2md_put_complex(xmlNodePtr parent, const struct m2md_attr *a,
			     struct json_object *v)
{
	const struct m2md_attr *e;
	struct json_object *ev;
	xmlNodePtr node;
	xmlNsPtr xsi;
	size_t i, n;

	if (!json_object_is_type(v, json_type_object))
		return;
	node = m2md_put_elem(parent, a, NULL);
	if (!node)
		return;
	/*
	 * channelData is declared with the abstract type ChannelData, so
	 * the document names the concrete type, the only one ETSI defines.
	 */
	if (!strcmp(a->name, "channelData")) {
		xsi = xmlNewNs(node, BAD_CAST M2MD_XSI_NS, BAD_CAST "xsi");
		xmlSetNsProp(node, xsi, BAD_CAST "type",
			     BAD_CAST M2MD_XML_NS_PREFIX
			     ":LongPollingChannelData");
	}
	for (e = a->elems; e && e->name; e++) {
		if (!json_object_object_get_ex(v, e->name, &ev))
			continue;
		if (e->xml_attr) {
			if (json_object_is_type(ev, json_type_string))
				m2md_xml_attr(node, e->name,
					      json_object_get_string(ev),
					      e->qualified);
			continue;
		}
		if (!e->repeated || !json_object_is_type(ev, json_type_array)) {
			m2md_repr_put_value(node, e, ev);
			continue;
		}
		n = json_object_array_length(ev);
		for (i = 0; i < n; i++)
			m2md_repr_put_value(node, e,
					    json_object_array_get_idx(ev, i));
	}
}

void m2md_repr_put_value(xmlNodePtr parent, const struct m2md_attr *a,
			 struct json_object *v)
{
	if (!v)
		return;
	if (a->kind == M2MD_ATTR_LIST)
		m2md_put_list(parent, a, v);
	else if (a->kind == M2MD_ATTR_COMPLEX)
		m2md_put_complex(parent, a, v);
	else
		m2md_put_text(parent, a, v);
}

/*
 * The value of a required attribute that a stored resource lacks, so the
 * document stays valid: parsing requires these on create, so only rows
 * written by older versions or by the SCL itself can miss them.
 */
static void m2md_put_default(xmlNodePtr parent, const struct m2md_attr *a)
{
	if (a->kind == M2MD_ATTR_LIST || a->kind == M2MD_ATTR_COMPLEX)
		m2md_put_elem(parent, a, NULL);
	else if (a->kind == M2MD_ATTR_LONG)
		m2md_put_elem(parent, a, "0");
	else if (a->kind == M2MD_ATTR_BOOL)
		m2md_put_elem(parent, a, "false");
	else if (a->kind == M2MD_ATTR_STRING)
		m2md_put_elem(parent, a, a->values ? a->values[0] : "");
}

static void m2md_put_ci(xmlNodePtr node, const struct m2md_resource *res,
			bool metadata_only)
{
	const char *ctype = res->content_type[0] ? res->content_type :
			    M2MD_OCTET_STREAM;
	xmlNodePtr types, content;
	xmlNsPtr mime;
	char *b64;

	m2md_xml_attr(node, "id", res->name, 1);
	m2md_xml_attr(node, "href", res->path, 0);
	m2md_xml_add_time(node, "creationTime", res->created);
	m2md_xml_add_time(node, "lastModifiedTime", res->modified);
	types = m2md_xml_add(node, "contentTypes", NULL);
	m2md_xml_add(types, "contentType", ctype);
	m2md_xml_add_long(node, "contentSize", (int64_t)res->len);
	if (metadata_only)
		return;
	b64 = m2md_base64_encode(res->data ? res->data : (unsigned char *)"",
				 res->data ? res->len : 0);
	content = m2md_xml_add(node, "content", b64 ? b64 : "");
	free(b64);
	mime = xmlNewNs(content, BAD_CAST M2MD_XMLMIME_NS, BAD_CAST "xmime");
	xmlSetNsProp(content, mime, BAD_CAST "contentType", BAD_CAST ctype);
}

static bool m2md_has_sub(const char *const *subs, const char *name,
			 size_t len)
{
	for (; subs && *subs; subs++)
		if (strlen(*subs) == len && !strncmp(*subs, name, len))
			return true;
	return false;
}

static void m2md_put_reference(xmlNodePtr root, const struct m2md_render *r,
			       const char *name)
{
	const char *const *subs = r->subs ? r->subs : r->type->subs;
	size_t len = strlen(name) - strlen("Reference");
	char path[M2MD_RES_PATH_MAX + 64];

	if (!m2md_has_sub(subs, name, len))
		return;
	snprintf(path, sizeof(path), "%s/%.*s", r->res->path, (int)len, name);
	m2md_xml_add(root, name, path);
}

static void m2md_put_edge(xmlNodePtr root, const char *name,
			  const struct m2md_resource *edge)
{
	xmlNodePtr ref;

	if (!edge)
		return;
	ref = m2md_xml_add(root, name, edge->path);
	xmlSetProp(ref, BAD_CAST "id", BAD_CAST edge->name);
}

/*
 * A collection element (containerCollection, ...): the children whose
 * type the element names, as namedReference, or as whole contentInstances
 * in a contentInstanceCollection. The collection's own list element is
 * always written, the others only when they have children.
 */
static void m2md_put_collection(xmlNodePtr root, const struct m2md_render *r,
				const char *name)
{
	size_t tlen = strlen(name) - strlen("Collection"), i;
	bool instances = !strcmp(name, "contentInstanceCollection");
	const struct m2md_resource *c;
	xmlNodePtr list = NULL, ref;

	if (r->type->collection && !strcmp(name, r->type->collection))
		list = m2md_xml_add(root, name, NULL);
	for (i = 0; i < r->nchildren; i++) {
		c = &r->children[i];
		if (strlen(c->type) != tlen || strncmp(c->type, name, tlen))
			continue;
		if (!list)
			list = m2md_xml_add(root, name, NULL);
		if (instances) {
			ref = m2md_xml_add(list, "contentInstance", NULL);
			m2md_put_ci(ref, c, r->metadata_only);
		} else {
			ref = m2md_xml_add(list, "namedReference", c->path);
			xmlSetProp(ref, BAD_CAST "id", BAD_CAST c->name);
		}
	}
}

static bool m2md_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static int64_t m2md_count_members(struct json_object *attrs)
{
	struct json_object *v;

	if (!attrs || !json_object_object_get_ex(attrs, "members", &v) ||
	    !json_object_is_type(v, json_type_array))
		return 0;
	return (int64_t)json_object_array_length(v);
}

/* Attributes computed by the SCL or kept in columns of the store. */
static bool m2md_put_computed(xmlNodePtr root, const struct m2md_render *r,
			      const struct m2md_attr *a)
{
	const struct m2md_resource *res = r->res;
	const char *n = a->name;

	if (!strcmp(n, "creationTime"))
		m2md_xml_add_time(root, n, res->created);
	else if (!strcmp(n, "lastModifiedTime"))
		m2md_xml_add_time(root, n, res->modified);
	else if (!strcmp(n, "expirationTime") && !res->expires)
		return true;
	else if (!strcmp(n, "expirationTime"))
		m2md_xml_add_time(root, n, res->expires);
	else if (!strcmp(n, "accessRightID") && !res->acl[0])
		return true;
	else if (!strcmp(n, "accessRightID"))
		m2md_xml_add(root, n, res->acl);
	else if (!strcmp(n, "currentNrOfInstances"))
		m2md_xml_add_long(root, n, r->count);
	else if (!strcmp(n, "currentByteSize"))
		m2md_xml_add_long(root, n, r->bytes);
	else if (!strcmp(n, "currentNrOfMembers"))
		m2md_xml_add_long(root, n, m2md_count_members(r->attrs));
	else if (!strcmp(n, "latest"))
		m2md_put_edge(root, n, r->latest);
	else if (!strcmp(n, "oldest"))
		m2md_put_edge(root, n, r->oldest);
	else if (m2md_ends_with(n, "Collection"))
		m2md_put_collection(root, r, n);
	else if (m2md_ends_with(n, "Reference"))
		m2md_put_reference(root, r, n);
	else
		return false;
	return true;
}

xmlDocPtr m2md_repr_xml(const struct m2md_render *r)
{
	struct m2md_render copy = *r;
	const struct m2md_attr *a;
	struct json_object *v;
	xmlNodePtr root;
	xmlDocPtr doc;

	if (!copy.type)
		copy.type = m2md_rtype_find(r->res->type);
	if (!copy.type)
		return NULL;
	doc = m2md_xml_new(copy.type->name, &root);
	if (!doc)
		return NULL;
	if (!strcmp(copy.type->name, "contentInstance")) {
		m2md_put_ci(root, r->res, r->metadata_only);
		return doc;
	}
	if (copy.type->id_attr)
		m2md_xml_attr(root, copy.type->id_attr, r->res->name,
			      copy.type->id_qualified);
	for (a = copy.type->attrs; a && a->name; a++) {
		if (m2md_put_computed(root, &copy, a))
			continue;
		if (r->attrs && json_object_object_get_ex(r->attrs, a->name, &v))
			m2md_repr_put_value(root, a, v);
		else if (a->required)
			m2md_put_default(root, a);
	}
	return doc;
}

xmlDocPtr m2md_repr_discovery(const char *const *uris, size_t n,
			      int64_t match_size, bool truncated)
{
	xmlNodePtr root, list;
	xmlDocPtr doc;
	size_t i;

	doc = m2md_xml_new("discovery", &root);
	if (!doc)
		return NULL;
	m2md_xml_add_long(root, "matchSize", match_size);
	m2md_xml_add(root, "truncated", truncated ? "true" : "false");
	list = m2md_xml_add(root, "discoveryURI", NULL);
	for (i = 0; i < n; i++)
		m2md_xml_add_local(list, "reference", uris[i]);
	return doc;
}

xmlDocPtr m2md_repr_error(const char *status_code, const char *info)
{
	xmlNodePtr root;
	xmlDocPtr doc;

	doc = m2md_xml_new("errorInfo", &root);
	if (!doc)
		return NULL;
	if (status_code)
		m2md_xml_add(root, "statusCode", status_code);
	if (info)
		m2md_xml_add(root, "additionalInfo", info);
	return doc;
}

xmlDocPtr m2md_repr_notify(const char *status_code, const void *repr,
			   size_t len, const char *content_type,
			   const char *subscription)
{
	xmlNodePtr root, node;
	xmlDocPtr doc;
	xmlNsPtr mime;
	char *b64;

	doc = m2md_xml_new("notify", &root);
	if (!doc)
		return NULL;
	m2md_xml_add(root, "statusCode", status_code);
	if (repr) {
		b64 = m2md_base64_encode(repr, len);
		if (!b64) {
			xmlFreeDoc(doc);
			return NULL;
		}
		node = m2md_xml_add_local(root, "representation", b64);
		free(b64);
		/* xmlmime asks for at least 3 characters of media type. */
		if (content_type && strlen(content_type) >= 3) {
			mime = xmlNewNs(node, BAD_CAST M2MD_XMLMIME_NS,
					BAD_CAST "xmime");
			xmlSetNsProp(node, mime, BAD_CAST "contentType",
				     BAD_CAST content_type);
		}
	}
	m2md_xml_add_local(root, "subscriptionReference",
			   subscription ? subscription : "");
	return doc;
}
