// SPDX-License-Identifier: GPL-2.0
/*
 * Strict parsing of request bodies into stored attributes. An XML body is
 * first turned into its JSON form, and element names, namespaces and
 * nesting are checked against the attribute tables on the way. A JSON
 * body is already in that form. Both then go through the same checks of
 * access, kind, enumeration and limits, so the two media types accept
 * the same documents.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "repr.h"
#include "repr_priv.h"
#include "tree.h"
#include "xml.h"

struct m2md_pctx {
	const struct m2md_rtype *type;
	enum m2md_repr_op op;
	bool textual;			/* values are XML text */
	struct m2md_parsed *out;
	char *detail;
	size_t dlen;
	unsigned int status;		/* 0 until an error */
};

static void m2md_pfail(struct m2md_pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record the first error as a 400 with a message in detail. */
static void m2md_pfail(struct m2md_pctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->status)
		return;
	c->status = 400;
	va_start(ap, fmt);
	vsnprintf(c->detail, c->dlen, fmt, ap);
	va_end(ap);
}

/* XML to the JSON form -------------------------------------------------- */

static bool m2md_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* Attributes that only describe the XML encoding (xmime, xsi, xml:). */
static bool m2md_encoding_attr(xmlAttrPtr attr)
{
	return attr->ns && strcmp((const char *)attr->ns->href, M2MD_XML_NS);
}

static struct json_object *m2md_x2j_value(struct m2md_pctx *c,
					  xmlNodePtr node,
					  const struct m2md_attr *d);

/* Add v under key, to an array when the element may repeat. */
static void m2md_x2j_put(struct m2md_pctx *c, struct json_object *obj,
			 const char *key, struct json_object *v, bool repeated,
			 const char *where)
{
	struct json_object *arr;

	if (!repeated) {
		if (json_object_object_get_ex(obj, key, NULL)) {
			m2md_pfail(c, "element <%s> appears more than once in <%s>",
				   key, where);
			json_object_put(v);
			return;
		}
		json_object_object_add(obj, key, v);
		return;
	}
	if (!json_object_object_get_ex(obj, key, &arr)) {
		arr = json_object_new_array();
		json_object_object_add(obj, key, arr);
	}
	json_object_array_add(arr, v);
}

/*
 * Check the XML attributes of node against elems and add them to obj;
 * a leaf (elems NULL) may have none but those of the encoding.
 */
static void m2md_x2j_attrs(struct m2md_pctx *c, xmlNodePtr node,
			   const struct m2md_attr *elems,
			   struct json_object *obj)
{
	const struct m2md_attr *e;
	xmlAttrPtr attr;
	xmlChar *text;

	for (attr = node->properties; attr && !c->status; attr = attr->next) {
		if (m2md_encoding_attr(attr))
			continue;
		e = m2md_repr_elem(elems, (const char *)attr->name);
		if (!e || !e->xml_attr) {
			m2md_pfail(c, "unknown attribute %s of <%s>",
				   (const char *)attr->name,
				   (const char *)node->name);
			return;
		}
		text = xmlNodeListGetString(node->doc, attr->children, 1);
		if (obj)
			json_object_object_add(obj, e->name,
					       json_object_new_string(text ?
						(const char *)text : ""));
		xmlFree(text);
	}
}

/*
 * The child elements of node as an object. elems describes them; item,
 * when set, names the only child a list may hold.
 */
static struct json_object *m2md_x2j_children(struct m2md_pctx *c,
					     xmlNodePtr node,
					     const struct m2md_attr *elems,
					     const struct m2md_attr *list)
{
	const char *where = (const char *)node->name;
	const char *item = list ? list->item : NULL;
	struct json_object *obj = json_object_new_object(), *v;
	const struct m2md_attr *d;
	struct m2md_attr item_attr = { .name = item,
				       .local = list && list->item_local };
	bool in_ns;
	xmlNodePtr ch;

	for (ch = node->children; ch && !c->status; ch = ch->next) {
		if (ch->type == XML_COMMENT_NODE || ch->type == XML_PI_NODE)
			continue;
		if (ch->type == XML_TEXT_NODE ||
		    ch->type == XML_CDATA_SECTION_NODE) {
			if (!m2md_blank(ch->content))
				m2md_pfail(c, "unexpected text '%.40s' in <%s>",
					   (const char *)ch->content, where);
			continue;
		}
		if (ch->type != XML_ELEMENT_NODE) {
			m2md_pfail(c, "unexpected %s in <%s>",
				   ch->type == XML_ENTITY_REF_NODE ?
				   "entity reference" : "node", where);
			continue;
		}
		d = item && !strcmp((const char *)ch->name, item) ? &item_attr :
		    m2md_repr_elem(elems, (const char *)ch->name);
		if (!d || d->xml_attr) {
			m2md_pfail(c, "unknown element <%s> in <%s>",
				   (const char *)ch->name, where);
			continue;
		}
		/*
		 * A local element belongs in no namespace, but some clients
		 * qualify every element, so the m2m namespace is accepted
		 * for it too.
		 */
		in_ns = ch->ns && !strcmp((const char *)ch->ns->href,
					  M2MD_XML_NS);
		if (!in_ns && (ch->ns || !d->local)) {
			m2md_pfail(c, "element <%s> in <%s> is not in namespace " M2MD_XML_NS,
				   (const char *)ch->name, where);
			continue;
		}
		v = m2md_x2j_value(c, ch, d);
		if (v)
			m2md_x2j_put(c, obj, d->name, v, d == &item_attr ||
				     d->repeated, where);
	}
	if (c->status) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *m2md_x2j_value(struct m2md_pctx *c,
					  xmlNodePtr node,
					  const struct m2md_attr *d)
{
	struct json_object *obj;
	xmlNodePtr ch;
	xmlChar *text;

	if (d->kind == M2MD_ATTR_LIST || d->kind == M2MD_ATTR_COMPLEX) {
		obj = m2md_x2j_children(c, node, d->kind == M2MD_ATTR_LIST ?
					NULL : d->elems,
					d->kind == M2MD_ATTR_LIST ? d : NULL);
		if (obj)
			m2md_x2j_attrs(c, node, d->elems, obj);
		if (obj && c->status) {
			json_object_put(obj);
			obj = NULL;
		}
		return obj;
	}
	for (ch = node->children; ch; ch = ch->next) {
		if (ch->type == XML_ELEMENT_NODE) {
			m2md_pfail(c, "unexpected element <%s> in <%s>",
				   (const char *)ch->name, d->name);
			return NULL;
		}
		if (ch->type == XML_ENTITY_REF_NODE) {
			m2md_pfail(c, "unexpected entity reference in <%s>",
				   d->name);
			return NULL;
		}
	}
	m2md_x2j_attrs(c, node, NULL, NULL);
	if (c->status)
		return NULL;
	text = xmlNodeGetContent(node);
	obj = json_object_new_string(text ? (const char *)text : "");
	xmlFree(text);
	return obj;
}

/* Checks of the JSON form -------------------------------------------------- */

static const char *m2md_jtext(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : json_object_to_json_string(v);
}

static bool m2md_in_values(const char *const *values, const char *s)
{
	for (; *values; values++)
		if (!strcmp(*values, s))
			return true;
	return false;
}

static void m2md_fail_enum(struct m2md_pctx *c, const char *name,
			   const char *s, const char *const *values)
{
	char list[256] = "";
	size_t used = 0;

	for (; *values && used < sizeof(list); values++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 used ? ", " : "", *values);
	m2md_pfail(c, "invalid value '%.64s' of <%s>: expected one of %s",
		   s, name, list);
}

/* Length of the UTF-8 sequence at s, or 0 when it is not valid. */
static size_t m2md_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	if (*s == 0xe0)
		lo = 0xa0;
	else if (*s == 0xed)
		hi = 0x9f;
	else if (*s == 0xf0)
		lo = 0x90;
	else if (*s == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Offset of the first character that XML 1.0 cannot carry (a control
 * character other than TAB, LF and CR, or bytes that are not UTF-8), or
 * -1. XML bodies never have them; JSON strings may. The scan covers all
 * len bytes, so a NUL that JSON wrote as \u0000 is refused rather than
 * ending the string early.
 */
static long m2md_bad_char(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	size_t n;

	while (p < end) {
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return (long)(p - (const unsigned char *)s);
		n = m2md_utf8_len(p);
		if (!n)
			return (long)(p - (const unsigned char *)s);
		p += n;
	}
	return -1;
}

static struct json_object *m2md_norm_string(struct m2md_pctx *c,
					    const struct m2md_attr *a,
					    struct json_object *v)
{
	const char *s;
	long bad;

	if (!json_object_is_type(v, json_type_string)) {
		m2md_pfail(c, "invalid value %.64s of <%s>: expected a string",
			   m2md_jtext(v), a->name);
		return NULL;
	}
	s = json_object_get_string(v);
	bad = m2md_bad_char(s, (size_t)json_object_get_string_len(v));
	if (bad >= 0) {
		m2md_pfail(c, "invalid value of <%s>: byte 0x%02x at offset %ld is not a character XML can carry",
			   a->name, (unsigned char)s[bad], bad);
		return NULL;
	}
	if (a->values && !m2md_in_values(a->values, s)) {
		m2md_fail_enum(c, a->name, s, a->values);
		return NULL;
	}
	return json_object_new_string(s);
}

/* Longs: XML text, or a JSON integer (its text catches int64 overflow). */
static struct json_object *m2md_norm_long(struct m2md_pctx *c,
					  const struct m2md_attr *a,
					  struct json_object *v, bool top)
{
	const char *s = m2md_jtext(v);
	int64_t n;

	if ((c->textual ? !json_object_is_type(v, json_type_string) :
	     !json_object_is_type(v, json_type_int)) ||
	    m2md_xml_parse_long(s, &n)) {
		m2md_pfail(c, "invalid value '%.64s' of <%s>: expected an integer from %lld to %lld",
			   s, a->name, (long long)INT64_MIN,
			   (long long)INT64_MAX);
		return NULL;
	}
	/* Limits, counts and durations of a resource are never negative. */
	if (top && n < 0) {
		m2md_pfail(c, "invalid value '%.64s' of <%s>: must not be negative",
			   s, a->name);
		return NULL;
	}
	return json_object_new_int64(n);
}

static struct json_object *m2md_norm_bool(struct m2md_pctx *c,
					  const struct m2md_attr *a,
					  struct json_object *v)
{
	bool b;

	if (c->textual && json_object_is_type(v, json_type_string) &&
	    !m2md_xml_parse_bool(json_object_get_string(v), &b))
		return json_object_new_boolean(b);
	if (!c->textual && json_object_is_type(v, json_type_boolean))
		return json_object_new_boolean(json_object_get_boolean(v));
	m2md_pfail(c, "invalid value '%.64s' of <%s>: expected true or false",
		   m2md_jtext(v), a->name);
	return NULL;
}

/* Times: stored as Unix seconds at the top, as xsd:dateTime nested. */
static struct json_object *m2md_norm_time(struct m2md_pctx *c,
					  const struct m2md_attr *a,
					  struct json_object *v, bool top)
{
	char buf[M2MD_XML_TIME_LEN];
	int64_t t;

	if (!json_object_is_type(v, json_type_string) ||
	    m2md_xml_parse_time(json_object_get_string(v), &t)) {
		m2md_pfail(c, "invalid value '%.64s' of <%s>: expected an xsd:dateTime such as 2026-12-04T21:00:00Z",
			   m2md_jtext(v), a->name);
		return NULL;
	}
	if (top)
		return json_object_new_int64(t);
	m2md_xml_format_time(t, buf);
	return json_object_new_string(buf);
}

static struct json_object *m2md_norm_value(struct m2md_pctx *c,
					   const struct m2md_attr *a,
					   struct json_object *v, bool top);

/* A list: {"item": [...]} (one item may be a bare string). */
static struct json_object *m2md_norm_list(struct m2md_pctx *c,
					  const struct m2md_attr *a,
					  struct json_object *v, bool top)
{
	struct m2md_attr item = { .name = a->item, .kind = M2MD_ATTR_STRING,
				  .values = a->values };
	struct json_object *items = NULL, *arr, *it, *wrap;
	size_t i, n;

	if (!json_object_is_type(v, json_type_object)) {
		m2md_pfail(c, "invalid value %.64s of <%s>: expected a list of <%s>",
			   m2md_jtext(v), a->name, a->item);
		return NULL;
	}
	json_object_object_foreach(v, key, val) {
		if (strcmp(key, a->item)) {
			m2md_pfail(c, "unknown element <%s> in <%s>", key,
				   a->name);
			return NULL;
		}
		items = val;
	}
	arr = json_object_new_array();
	n = !items ? 0 : json_object_is_type(items, json_type_array) ?
	    json_object_array_length(items) : 1;
	for (i = 0; i < n && !c->status; i++) {
		it = json_object_is_type(items, json_type_array) ?
		     json_object_array_get_idx(items, i) : items;
		it = m2md_norm_string(c, &item, it);
		if (it)
			json_object_array_add(arr, it);
	}
	if (c->status) {
		json_object_put(arr);
		return NULL;
	}
	if (top)
		return arr;
	wrap = json_object_new_object();
	json_object_object_add(wrap, a->item, arr);
	return wrap;
}

/* Add the normalized occurrences of nested element e. */
static void m2md_norm_member(struct m2md_pctx *c, const struct m2md_attr *a,
			     const struct m2md_attr *e, struct json_object *v,
			     struct json_object *obj)
{
	struct json_object *arr, *nv, *it;
	size_t i, n;

	if (e->xml_attr) {
		nv = m2md_norm_string(c, e, v);
		if (nv)
			json_object_object_add(obj, e->name, nv);
		return;
	}
	if (!e->repeated) {
		if (json_object_is_type(v, json_type_array)) {
			m2md_pfail(c, "element <%s> appears more than once in <%s>",
				   e->name, a->name);
			return;
		}
		nv = m2md_norm_value(c, e, v, false);
		if (nv)
			json_object_object_add(obj, e->name, nv);
		return;
	}
	arr = json_object_new_array();
	json_object_object_add(obj, e->name, arr);
	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	for (i = 0; i < n && !c->status; i++) {
		it = json_object_is_type(v, json_type_array) ?
		     json_object_array_get_idx(v, i) : v;
		nv = m2md_norm_value(c, e, it, false);
		if (nv)
			json_object_array_add(arr, nv);
	}
}

static struct json_object *m2md_norm_complex(struct m2md_pctx *c,
					     const struct m2md_attr *a,
					     struct json_object *v)
{
	struct json_object *obj;
	const struct m2md_attr *e;

	if (!json_object_is_type(v, json_type_object)) {
		m2md_pfail(c, "invalid value %.64s of <%s>: expected elements",
			   m2md_jtext(v), a->name);
		return NULL;
	}
	obj = json_object_new_object();
	json_object_object_foreach(v, key, val) {
		e = m2md_repr_elem(a->elems, key);
		if (!e) {
			m2md_pfail(c, "unknown element <%s> in <%s>", key,
				   a->name);
			break;
		}
		m2md_norm_member(c, a, e, val, obj);
		if (c->status)
			break;
	}
	for (e = a->elems; e && e->name && !c->status; e++)
		if (e->required && !json_object_object_get_ex(obj, e->name,
							       NULL))
			m2md_pfail(c, "missing element <%s> in <%s>", e->name,
				   a->name);
	if (c->status) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *m2md_norm_value(struct m2md_pctx *c,
					   const struct m2md_attr *a,
					   struct json_object *v, bool top)
{
	/* The checks below read C strings: a \u0000 would cut them. */
	if (json_object_is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v)) {
		m2md_pfail(c, "invalid value of <%s>: it contains a NUL byte",
			   a->name);
		return NULL;
	}
	switch (a->kind) {
	case M2MD_ATTR_LONG:
		return m2md_norm_long(c, a, v, top);
	case M2MD_ATTR_BOOL:
		return m2md_norm_bool(c, a, v);
	case M2MD_ATTR_TIME:
		return m2md_norm_time(c, a, v, top);
	case M2MD_ATTR_LIST:
		return m2md_norm_list(c, a, v, top);
	case M2MD_ATTR_COMPLEX:
		return m2md_norm_complex(c, a, v);
	default:
		return m2md_norm_string(c, a, v);
	}
}

/* Top-level attributes ----------------------------------------------------- */

static void m2md_take_id(struct m2md_pctx *c, const char *id)
{
	if (!m2md_name_valid(id)) {
		m2md_pfail(c, "invalid %s '%.64s' of <%s>: expected 1 to 255 letters, digits, '-', '.', '_' or '~'",
			   c->type->id_attr, id, c->type->name);
		return;
	}
	snprintf(c->out->id, sizeof(c->out->id), "%s", id);
}

static void m2md_take_search(struct m2md_pctx *c, struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	const char *s;

	if (n > M2MD_SEARCH_MAX) {
		m2md_pfail(c, "too many searchStrings in <%s>: %zu, at most %d",
			   c->type->name, n, M2MD_SEARCH_MAX);
		return;
	}
	c->out->search = calloc(n + 1, sizeof(char *));
	if (!c->out->search) {
		m2md_pfail(c, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(arr, i));
		if (strlen(s) > M2MD_SEARCH_LEN_MAX) {
			m2md_pfail(c, "searchString '%.32s...' of <%s> is longer than %d bytes",
				   s, c->type->name, M2MD_SEARCH_LEN_MAX);
			return;
		}
		c->out->search[i] = strdup(s);
		if (!c->out->search[i]) {
			m2md_pfail(c, "out of memory");
			return;
		}
		c->out->nsearch = i + 1;
	}
	c->out->has_search = true;
}

static void m2md_take_content(struct m2md_pctx *c, struct json_object *v)
{
	const char *s = json_object_get_string(v);
	int ret;

	ret = m2md_base64_decode(s, strlen(s), &c->out->content,
				 &c->out->content_len);
	if (ret == -ENOMEM)
		m2md_pfail(c, "out of memory");
	else if (ret)
		m2md_pfail(c, "invalid value '%.32s' of <content>: expected base64",
			   s);
	else
		c->out->has_content = true;
}

/*
 * Route a normalized value: columns of the store (expirationTime,
 * accessRightID) go to their fields, the rest to the stored attributes.
 * Takes the reference on v.
 */
static void m2md_take(struct m2md_pctx *c, const struct m2md_attr *a,
		      struct json_object *v)
{
	const char *s;
	char when[M2MD_XML_TIME_LEN];

	if (!strcmp(a->name, "expirationTime")) {
		c->out->expires = json_object_get_int64(v);
		m2md_xml_format_time(c->out->expires, when);
		if (c->op == M2MD_REPR_CREATE && c->out->expires <= time(NULL))
			m2md_pfail(c, "expirationTime %s of <%s> is in the past",
				   when, c->type->name);
	} else if (!strcmp(a->name, "accessRightID")) {
		s = json_object_get_string(v);
		if (strlen(s) >= sizeof(c->out->acl))
			m2md_pfail(c, "accessRightID of <%s> is longer than %zu bytes",
				   c->type->name, sizeof(c->out->acl) - 1);
		snprintf(c->out->acl, sizeof(c->out->acl), "%s", s);
		c->out->has_acl = true;
	} else if (!strcmp(a->name, "content") &&
		   !strcmp(c->type->name, "contentInstance")) {
		m2md_take_content(c, v);
	} else {
		if (!strcmp(a->name, "searchStrings"))
			m2md_take_search(c, v);
		json_object_object_add(c->out->attrs, a->name,
				       json_object_get(v));
	}
	json_object_put(v);
}

static const struct m2md_attr *m2md_chosen(struct json_object *given,
					   const struct m2md_rtype *type,
					   const struct m2md_attr *a)
{
	const struct m2md_attr *o;

	for (o = type->attrs; o->name; o++)
		if (o != a && o->choice == a->choice &&
		    json_object_object_get_ex(given, o->name, NULL))
			return o;
	return NULL;
}

/* Check one top-level element of the JSON form. */
static void m2md_check_attr(struct m2md_pctx *c, struct json_object *form,
			    const char *key, struct json_object *v)
{
	const struct m2md_rtype *type = c->type;
	const struct m2md_attr *a = m2md_rtype_attr(type, key), *other;
	struct json_object *nv;

	if (!a) {
		m2md_pfail(c, "unknown element <%s> in <%s>", key, type->name);
		return;
	}
	if (a->access == M2MD_ACCESS_RO) {
		m2md_pfail(c, "<%s> of <%s> is read-only: the SCL sets it",
			   key, type->name);
		return;
	}
	if (a->access == M2MD_ACCESS_WO && c->op == M2MD_REPR_UPDATE) {
		m2md_pfail(c, "<%s> of <%s> can only be given on create", key,
			   type->name);
		return;
	}
	other = a->choice ? m2md_chosen(form, type, a) : NULL;
	if (other) {
		m2md_pfail(c, "<%s> and <%s> of <%s> cannot both be given",
			   a->name, other->name, type->name);
		return;
	}
	nv = m2md_norm_value(c, a, v, true);
	if (nv)
		m2md_take(c, a, nv);
}

static bool m2md_is_id_key(const struct m2md_rtype *type, const char *key)
{
	return type->id_attr && !strcmp(key, type->id_attr);
}

/* Check the JSON form of a representation (the root element's value). */
static void m2md_check_form(struct m2md_pctx *c, struct json_object *form)
{
	const struct m2md_attr *a;

	json_object_object_foreach(form, key, v) {
		if (m2md_is_id_key(c->type, key)) {
			if (!json_object_is_type(v, json_type_string))
				m2md_pfail(c, "invalid %s %.64s of <%s>: expected a string",
					   key, m2md_jtext(v), c->type->name);
			else if (strlen(json_object_get_string(v)) !=
				 (size_t)json_object_get_string_len(v))
				m2md_pfail(c, "invalid %s of <%s>: it contains a NUL byte",
					   key, c->type->name);
			else
				m2md_take_id(c, json_object_get_string(v));
		} else {
			m2md_check_attr(c, form, key, v);
		}
		if (c->status)
			return;
	}
	if (c->op != M2MD_REPR_CREATE)
		return;
	for (a = c->type->attrs; a->name && !c->status; a++)
		if (a->required && !json_object_object_get_ex(form, a->name,
							       NULL))
			m2md_pfail(c, "missing required element <%s> in <%s>",
				   a->name, c->type->name);
}

/* Bodies --------------------------------------------------------------- */

/* The id attribute of the root: qualified, or unqualified as well. */
static void m2md_xml_root_attrs(struct m2md_pctx *c, xmlNodePtr root)
{
	const struct m2md_rtype *type = c->type;
	xmlAttrPtr attr;
	xmlChar *text;

	for (attr = root->properties; attr && !c->status; attr = attr->next) {
		if (m2md_encoding_attr(attr))
			continue;
		if (!type->id_attr ||
		    strcmp((const char *)attr->name, type->id_attr)) {
			m2md_pfail(c, "unknown attribute %s of <%s>",
				   (const char *)attr->name, type->name);
			return;
		}
		text = xmlNodeListGetString(root->doc, attr->children, 1);
		m2md_take_id(c, text ? (const char *)text : "");
		xmlFree(text);
	}
}

static void m2md_parse_xml(struct m2md_pctx *c, const void *body,
			   size_t len)
{
	struct json_object *form;
	xmlNodePtr root;
	xmlDocPtr doc;

	doc = m2md_xml_parse(body, len, c->type->name, c->detail, c->dlen);
	if (!doc) {
		c->status = 400;
		return;
	}
	root = xmlDocGetRootElement(doc);
	m2md_xml_root_attrs(c, root);
	form = c->status ? NULL :
	       m2md_x2j_children(c, root, c->type->attrs, NULL);
	xmlFreeDoc(doc);
	if (!form)
		return;
	c->textual = true;
	m2md_check_form(c, form);
	json_object_put(form);
}

static void m2md_parse_json(struct m2md_pctx *c, const void *body,
			    size_t len)
{
	struct json_object *doc, *form = NULL;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;

	if (len > INT32_MAX) {
		m2md_pfail(c, "body too large");
		return;
	}
	tok = json_tokener_new_ex(M2MD_XML_DEPTH_MAX);
	if (!tok) {
		m2md_pfail(c, "out of memory");
		return;
	}
	doc = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!doc || jerr != json_tokener_success) {
		m2md_pfail(c, "invalid JSON: %s",
			   jerr == json_tokener_continue ? "unexpected end" :
			   json_tokener_error_desc(jerr));
		json_object_put(doc);
		return;
	}
	for (; end < len; end++)
		if (!strchr(" \t\r\n", ((const char *)body)[end]))
			m2md_pfail(c, "invalid JSON: text after the document");
	if (!c->status && (!json_object_is_type(doc, json_type_object) ||
			   json_object_object_length(doc) != 1 ||
			   !json_object_object_get_ex(doc, c->type->name,
						      &form)))
		m2md_pfail(c, "expected one member, the root element <%s>",
			   c->type->name);
	else if (!c->status && !json_object_is_type(form, json_type_object))
		m2md_pfail(c, "invalid value of <%s>: expected an object",
			   c->type->name);
	if (!c->status)
		m2md_check_form(c, form);
	json_object_put(doc);
}

unsigned int m2md_repr_parse(const struct m2md_rtype *type,
			     enum m2md_repr_op op, const char *content_type,
			     const void *body, size_t len,
			     struct m2md_parsed *out, char *detail,
			     size_t dlen)
{
	struct m2md_pctx c = { .type = type, .op = op, .out = out,
			       .detail = detail, .dlen = dlen };
	struct json_object *empty;

	memset(out, 0, sizeof(*out));
	out->attrs = json_object_new_object();
	if (!out->attrs) {
		snprintf(detail, dlen, "out of memory");
		return 500;
	}
	if (!len) {
		/* No body: an empty representation, the SCL picks the id. */
		empty = json_object_new_object();
		m2md_check_form(&c, empty);
		json_object_put(empty);
	} else if (m2md_xml_media_type(content_type)) {
		m2md_parse_xml(&c, body, len);
	} else if (m2md_json_media_type(content_type)) {
		m2md_parse_json(&c, body, len);
	} else {
		snprintf(detail, dlen,
			 "unsupported media type '%.64s': send application/xml or application/json",
			 content_type ? content_type : "(none)");
		c.status = 415;
	}
	if (c.status)
		m2md_parsed_free(out);
	return c.status;
}

void m2md_parsed_free(struct m2md_parsed *p)
{
	size_t i;

	json_object_put(p->attrs);
	for (i = 0; p->search && p->search[i]; i++)
		free(p->search[i]);
	free(p->search);
	free(p->content);
	memset(p, 0, sizeof(*p));
}
