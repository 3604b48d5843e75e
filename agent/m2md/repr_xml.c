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

static void m2md_put_long(struct m2md_out *o, const char *name, bool local,
			  int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	m2md_out_leaf(o, name, local, num);
}

static void m2md_put_time(struct m2md_out *o, const char *name, bool local,
			  int64_t t)
{
	char buf[M2MD_XML_TIME_LEN];

	m2md_xml_format_time(t, buf);
	m2md_out_leaf(o, name, local, buf);
}

static void m2md_put_text(struct m2md_out *o, const struct m2md_attr *a,
			  struct json_object *v)
{
	switch (a->kind) {
	case M2MD_ATTR_LONG:
		if (json_object_is_type(v, json_type_int))
			m2md_put_long(o, a->name, a->local,
				      json_object_get_int64(v));
		break;
	case M2MD_ATTR_BOOL:
		if (json_object_is_type(v, json_type_boolean))
			m2md_out_leaf(o, a->name, a->local,
				      json_object_get_boolean(v) ? "true" :
				      "false");
		break;
	case M2MD_ATTR_TIME:
		/* Top-level times are stored as seconds, nested as text. */
		if (json_object_is_type(v, json_type_int))
			m2md_put_time(o, a->name, a->local,
				      json_object_get_int64(v));
		else if (json_object_is_type(v, json_type_string))
			m2md_out_leaf(o, a->name, a->local,
				      json_object_get_string(v));
		break;
	default:
		if (json_object_is_type(v, json_type_string))
			m2md_out_leaf(o, a->name, a->local,
				      json_object_get_string(v));
		break;
	}
}

/* A LIST: stored as an array, or nested as {"item": [...]}. */
static void m2md_put_list(struct m2md_out *o, const struct m2md_attr *a,
			  struct json_object *v)
{
	struct json_object *items = v, *it;
	size_t i, n;

	if (json_object_is_type(v, json_type_object) &&
	    !json_object_object_get_ex(v, a->item, &items))
		items = NULL;
	m2md_out_open(o, a->name, a->local);
	if (json_object_is_type(items, json_type_string)) {
		m2md_out_leaf(o, a->item, a->item_local,
			      json_object_get_string(items));
	} else if (json_object_is_type(items, json_type_array)) {
		n = json_object_array_length(items);
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(items, i);
			if (json_object_is_type(it, json_type_string))
				m2md_out_leaf(o, a->item, a->item_local,
					      json_object_get_string(it));
		}
	}
	m2md_out_close(o);
}

static void m2md_put_member(struct m2md_out *o, const struct m2md_attr *e,
			    struct json_object *ev)
{
	size_t i, n;

	if (!e->repeated || !json_object_is_type(ev, json_type_array)) {
		m2md_repr_put_value(o, e, ev);
		return;
	}
	n = json_object_array_length(ev);
	for (i = 0; i < n; i++)
		m2md_repr_put_value(o, e, json_object_array_get_idx(ev, i));
}

static void m2md_put_complex(struct m2md_out *o, const struct m2md_attr *a,
			     struct json_object *v)
{
	const struct m2md_attr *e;
	struct json_object *ev;

	if (!json_object_is_type(v, json_type_object))
		return;
	m2md_out_open(o, a->name, a->local);
	/*
	 * channelData is declared with the abstract type ChannelData, so
	 * the document names the concrete type, the only one ETSI defines.
	 */
	if (!strcmp(a->name, "channelData"))
		m2md_out_attr(o, "type", M2MD_XML_NS_PREFIX
			      ":LongPollingChannelData", M2MD_NS_XSI);
	/* XML attributes come first because they belong to the start tag. */
	for (e = a->elems; e && e->name; e++)
		if (e->xml_attr && json_object_object_get_ex(v, e->name, &ev) &&
		    json_object_is_type(ev, json_type_string))
			m2md_out_attr(o, e->name, json_object_get_string(ev),
				      e->qualified ? M2MD_NS_M2M :
				      M2MD_NS_NONE);
	for (e = a->elems; e && e->name; e++)
		if (!e->xml_attr && json_object_object_get_ex(v, e->name, &ev))
			m2md_put_member(o, e, ev);
	m2md_out_close(o);
}

void m2md_repr_put_value(struct m2md_out *o, const struct m2md_attr *a,
			 struct json_object *v)
{
	if (!v)
		return;
	if (a->kind == M2MD_ATTR_LIST)
		m2md_put_list(o, a, v);
	else if (a->kind == M2MD_ATTR_COMPLEX)
		m2md_put_complex(o, a, v);
	else
		m2md_put_text(o, a, v);
}

/*
 * Write a placeholder for a required attribute that a stored resource
 * lacks, so the document stays valid. Parsing requires these on create,
 * so only rows written by the SCL itself can miss them.
 */
static void m2md_put_default(struct m2md_out *o, const struct m2md_attr *a)
{
	if (a->kind == M2MD_ATTR_LIST || a->kind == M2MD_ATTR_COMPLEX)
		m2md_out_leaf(o, a->name, a->local, NULL);
	else if (a->kind == M2MD_ATTR_LONG)
		m2md_out_leaf(o, a->name, a->local, "0");
	else if (a->kind == M2MD_ATTR_BOOL)
		m2md_out_leaf(o, a->name, a->local, "false");
	else if (a->kind == M2MD_ATTR_STRING)
		m2md_out_leaf(o, a->name, a->local,
			      a->values ? a->values[0] : "");
}

/*
 * Write the content of a contentInstance element (already open).
 * NOTE: a delayTolerance given on create is not kept by the store, so it
 * is never rendered.
 */
static void m2md_put_ci(struct m2md_out *o, const struct m2md_resource *res,
			bool metadata_only)
{
	const char *ctype = res->content_type[0] ? res->content_type :
			    M2MD_OCTET_STREAM;
	char *b64;

	m2md_out_attr(o, "id", res->name, M2MD_NS_M2M);
	m2md_out_attr(o, "href", res->path, M2MD_NS_NONE);
	m2md_put_time(o, "creationTime", false, res->created);
	m2md_put_time(o, "lastModifiedTime", false, res->modified);
	m2md_out_open(o, "contentTypes", false);
	m2md_out_leaf(o, "contentType", false, ctype);
	m2md_out_close(o);
	m2md_put_long(o, "contentSize", false, (int64_t)res->len);
	if (metadata_only)
		return;
	b64 = m2md_base64_encode(res->data ? res->data : (unsigned char *)"",
				 res->data ? res->len : 0);
	if (!b64) {
		o->failed = true;
		return;
	}
	m2md_out_open(o, "content", false);
	m2md_out_attr(o, "contentType", ctype, M2MD_NS_XMIME);
	m2md_out_text(o, b64);
	m2md_out_close(o);
	free(b64);
}

static bool m2md_has_sub(const char *const *subs, const char *name,
			 size_t len)
{
	for (; subs && *subs; subs++)
		if (strlen(*subs) == len && !strncmp(*subs, name, len))
			return true;
	return false;
}

static void m2md_put_reference(struct m2md_out *o,
			       const struct m2md_render *r, const char *name)
{
	const char *const *subs = r->subs ? r->subs : r->type->subs;
	size_t len = strlen(name) - strlen("Reference");
	char path[M2MD_RES_PATH_MAX + 64];

	if (!m2md_has_sub(subs, name, len))
		return;
	snprintf(path, sizeof(path), "%s/%.*s", r->res->path, (int)len, name);
	m2md_out_leaf(o, name, false, path);
}

static void m2md_put_edge(struct m2md_out *o, const char *name,
			  const struct m2md_resource *edge)
{
	if (!edge)
		return;
	m2md_out_open(o, name, false);
	m2md_out_attr(o, "id", edge->name, M2MD_NS_NONE);
	m2md_out_text(o, edge->path);
	m2md_out_close(o);
}

/*
 * A collection element (containerCollection, ...): the children whose
 * type the element names, as namedReference, or as whole contentInstances
 * in a contentInstanceCollection. The collection's own list element is
 * always written, the others only when they have children.
 */
static void m2md_put_collection(struct m2md_out *o,
				const struct m2md_render *r, const char *name)
{
	size_t tlen = strlen(name) - strlen("Collection"), i;
	bool instances = !strcmp(name, "contentInstanceCollection");
	bool open = false;
	const struct m2md_resource *c;

	if (r->type->collection && !strcmp(name, r->type->collection)) {
		m2md_out_open(o, name, false);
		open = true;
	}
	for (i = 0; i < r->nchildren; i++) {
		c = &r->children[i];
		if (strlen(c->type) != tlen || strncmp(c->type, name, tlen))
			continue;
		if (!open)
			m2md_out_open(o, name, false);
		open = true;
		if (instances) {
			m2md_out_open(o, "contentInstance", false);
			m2md_put_ci(o, c, r->metadata_only);
		} else {
			m2md_out_open(o, "namedReference", false);
			m2md_out_attr(o, "id", c->name, M2MD_NS_NONE);
			m2md_out_text(o, c->path);
		}
		m2md_out_close(o);
	}
	if (open)
		m2md_out_close(o);
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
static bool m2md_put_computed(struct m2md_out *o, const struct m2md_render *r,
			      const struct m2md_attr *a)
{
	const struct m2md_resource *res = r->res;
	const char *n = a->name;

	if (!strcmp(n, "creationTime"))
		m2md_put_time(o, n, false, res->created);
	else if (!strcmp(n, "lastModifiedTime"))
		m2md_put_time(o, n, false, res->modified);
	else if (!strcmp(n, "expirationTime") && !res->expires)
		return true;
	else if (!strcmp(n, "expirationTime"))
		m2md_put_time(o, n, false, res->expires);
	else if (!strcmp(n, "accessRightID") && !res->acl[0])
		return true;
	else if (!strcmp(n, "accessRightID"))
		m2md_out_leaf(o, n, false, res->acl);
	else if (!strcmp(n, "currentNrOfInstances"))
		m2md_put_long(o, n, false, r->count);
	else if (!strcmp(n, "currentByteSize"))
		m2md_put_long(o, n, false, r->bytes);
	else if (!strcmp(n, "currentNrOfMembers"))
		m2md_put_long(o, n, false, m2md_count_members(r->attrs));
	else if (!strcmp(n, "latest"))
		m2md_put_edge(o, n, r->latest);
	else if (!strcmp(n, "oldest"))
		m2md_put_edge(o, n, r->oldest);
	else if (m2md_ends_with(n, "Collection"))
		m2md_put_collection(o, r, n);
	else if (m2md_ends_with(n, "Reference"))
		m2md_put_reference(o, r, n);
	else
		return false;
	return true;
}

static int m2md_render_to(const struct m2md_render *r, struct m2md_out *o,
			  bool text)
{
	struct m2md_render copy = *r;
	const struct m2md_attr *a;
	struct json_object *v;

	if (!copy.type)
		copy.type = m2md_rtype_find(r->res->type);
	if (!copy.type)
		return -EINVAL;
	m2md_out_start(o, text, copy.type->name);
	if (!strcmp(copy.type->name, "contentInstance")) {
		m2md_put_ci(o, r->res, r->metadata_only);
		return 0;
	}
	if (copy.type->id_attr)
		m2md_out_attr(o, copy.type->id_attr, r->res->name,
			      copy.type->id_qualified ? M2MD_NS_M2M :
			      M2MD_NS_NONE);
	for (a = copy.type->attrs; a && a->name; a++) {
		if (m2md_put_computed(o, &copy, a))
			continue;
		if (r->attrs &&
		    json_object_object_get_ex(r->attrs, a->name, &v))
			m2md_repr_put_value(o, a, v);
		else if (a->required)
			m2md_put_default(o, a);
	}
	return 0;
}

xmlDocPtr m2md_repr_xml(const struct m2md_render *r)
{
	struct m2md_out o;

	if (m2md_render_to(r, &o, false))
		return NULL;
	return m2md_out_doc(&o);
}

int m2md_repr_xml_text(const struct m2md_render *r, char **out, size_t *len)
{
	struct m2md_out o;
	int ret;

	ret = m2md_render_to(r, &o, true);
	if (ret)
		return ret;
	return m2md_out_finish(&o, out, len);
}

xmlDocPtr m2md_repr_discovery(const char *const *uris, size_t n,
			      int64_t match_size, bool truncated)
{
	struct m2md_out o;
	size_t i;

	m2md_out_start(&o, false, "discovery");
	m2md_put_long(&o, "matchSize", false, match_size);
	m2md_out_leaf(&o, "truncated", false, truncated ? "true" : "false");
	m2md_out_open(&o, "discoveryURI", false);
	for (i = 0; i < n; i++)
		m2md_out_leaf(&o, "reference", true, uris[i]);
	m2md_out_close(&o);
	return m2md_out_doc(&o);
}

xmlDocPtr m2md_repr_error(const char *status_code, const char *info)
{
	struct m2md_out o;

	m2md_out_start(&o, false, "errorInfo");
	if (status_code)
		m2md_out_leaf(&o, "statusCode", false, status_code);
	if (info)
		m2md_out_leaf(&o, "additionalInfo", false, info);
	return m2md_out_doc(&o);
}

xmlDocPtr m2md_repr_notify(const char *status_code, const void *repr,
			   size_t len, const char *content_type,
			   const char *subscription)
{
	struct m2md_out o;
	char *b64 = NULL;

	m2md_out_start(&o, false, "notify");
	m2md_out_leaf(&o, "statusCode", false, status_code);
	if (repr) {
		b64 = m2md_base64_encode(repr, len);
		o.failed |= !b64;
		m2md_out_open(&o, "representation", true);
		/* The xmlmime schema requires 3 characters or more. */
		if (content_type && strlen(content_type) >= 3)
			m2md_out_attr(&o, "contentType", content_type,
				      M2MD_NS_XMIME);
		m2md_out_text(&o, b64);
		m2md_out_close(&o);
		free(b64);
	}
	m2md_out_leaf(&o, "subscriptionReference", true,
		      subscription ? subscription : "");
	return m2md_out_doc(&o);
}
