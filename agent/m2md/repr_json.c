// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON form of ETSI XML documents (see Documentation/m2md-rest.md):
 * the root element name as the only key, XML attributes and child
 * elements as keys, longs as numbers, booleans as true and false,
 * repeated elements and list items always as arrays. The attribute tables
 * define which elements repeat and what kind their text is, so the output
 * does not depend on how many items a list happens to hold. The text is
 * written directly, without building json-c objects, because every JSON
 * GET goes through here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repr.h"
#include "repr_priv.h"
#include "xml.h"

/* Distinct child element names of one element that are tracked. */
#define M2MD_JSON_NAMES_MAX	64

struct m2md_jbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void m2md_jput(struct m2md_jbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void m2md_jstr(struct m2md_jbuf *b, const char *s)
{
	m2md_jput(b, s, strlen(s));
}

/* A JSON string literal of s. */
static void m2md_jquote(struct m2md_jbuf *b, const char *s)
{
	const char *run = s;
	char esc[8];

	m2md_jput(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		m2md_jput(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else if (c == '\r')
			snprintf(esc, sizeof(esc), "\\r");
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		m2md_jstr(b, esc);
		run = s + 1;
	}
	m2md_jput(b, run, (size_t)(s - run));
	m2md_jput(b, "\"", 1);
}

static void m2md_jkey(struct m2md_jbuf *b, const char *key, bool *first)
{
	if (!*first)
		m2md_jput(b, ",", 1);
	*first = false;
	m2md_jquote(b, key);
	m2md_jput(b, ":", 1);
}

/* Attributes in no namespace or the m2m one; xmime and xsi are XML only. */
static bool m2md_jattr_visible(xmlAttrPtr attr)
{
	return !attr->ns ||
	       !strcmp((const char *)attr->ns->href, M2MD_XML_NS);
}

static bool m2md_jhas_elements(xmlNodePtr node)
{
	xmlNodePtr c;

	for (c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

static bool m2md_jhas_attrs(xmlNodePtr node)
{
	xmlAttrPtr attr;

	for (attr = node->properties; attr; attr = attr->next)
		if (m2md_jattr_visible(attr))
			return true;
	return false;
}

static void m2md_jobject(struct m2md_jbuf *b, xmlNodePtr node,
			 const struct m2md_attr *elems, const char *item);

/* Write a leaf's text: a number or boolean for those kinds, else a string. */
static void m2md_jleaf(struct m2md_jbuf *b, const char *text,
		       const struct m2md_attr *d)
{
	char num[24];
	int64_t v;
	bool flag;

	if (d && d->kind == M2MD_ATTR_LONG && !m2md_xml_parse_long(text, &v)) {
		snprintf(num, sizeof(num), "%lld", (long long)v);
		m2md_jstr(b, num);
	} else if (d && d->kind == M2MD_ATTR_BOOL &&
		   !m2md_xml_parse_bool(text, &flag)) {
		m2md_jstr(b, flag ? "true" : "false");
	} else {
		m2md_jquote(b, text);
	}
}

static void m2md_jvalue(struct m2md_jbuf *b, xmlNodePtr node,
			const struct m2md_attr *d)
{
	xmlChar *text;

	if (d && d->kind == M2MD_ATTR_LIST)
		return m2md_jobject(b, node, NULL, d->item);
	if (d && (d->kind == M2MD_ATTR_COMPLEX || d->elems || d->item))
		return m2md_jobject(b, node, d->elems, d->item);
	if (m2md_jhas_elements(node) || m2md_jhas_attrs(node))
		return m2md_jobject(b, node, NULL, NULL);
	text = xmlNodeGetContent(node);
	m2md_jleaf(b, text ? (const char *)text : "", d);
	xmlFree(text);
}

/* Write every child element named name, as an array when it repeats. */
static void m2md_jmember(struct m2md_jbuf *b, xmlNodePtr first,
			 const struct m2md_attr *d, bool array)
{
	xmlNodePtr c;
	bool sep = false;

	if (!array)
		return m2md_jvalue(b, first, d);
	m2md_jput(b, "[", 1);
	for (c = first; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(c->name, first->name))
			continue;
		if (sep)
			m2md_jput(b, ",", 1);
		sep = true;
		m2md_jvalue(b, c, d);
	}
	m2md_jput(b, "]", 1);
}

static bool m2md_jrepeats(xmlNodePtr first)
{
	xmlNodePtr c;

	for (c = first->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(c->name, first->name))
			return true;
	return false;
}

/* True when an earlier sibling of c has its name (c's group is written). */
static bool m2md_jseen(const xmlChar **names, size_t n, xmlNodePtr c)
{
	xmlNodePtr prev;
	size_t i;

	for (i = 0; i < n; i++)
		if (!xmlStrcmp(names[i], c->name))
			return true;
	if (n < M2MD_JSON_NAMES_MAX)
		return false;
	/* More distinct names than the table holds: look back instead. */
	for (prev = c->prev; prev; prev = prev->prev)
		if (prev->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(prev->name, c->name))
			return true;
	return false;
}

/*
 * An element as an object: visible attributes, then child elements
 * grouped by name in document order; text beside attributes goes under
 * "value". item names the child that is always an array (list items).
 */
static void m2md_jobject(struct m2md_jbuf *b, xmlNodePtr node,
			 const struct m2md_attr *elems, const char *item)
{
	const xmlChar *names[M2MD_JSON_NAMES_MAX];
	const struct m2md_attr *d;
	size_t nnames = 0;
	bool first = true, array;
	xmlAttrPtr attr;
	xmlChar *text;
	xmlNodePtr c;

	m2md_jput(b, "{", 1);
	for (attr = node->properties; attr; attr = attr->next) {
		if (!m2md_jattr_visible(attr))
			continue;
		text = xmlNodeListGetString(node->doc, attr->children, 1);
		m2md_jkey(b, (const char *)attr->name, &first);
		m2md_jquote(b, text ? (const char *)text : "");
		xmlFree(text);
	}
	for (c = node->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (m2md_jseen(names, nnames, c))
			continue;
		if (nnames < M2MD_JSON_NAMES_MAX)
			names[nnames++] = c->name;
		d = m2md_repr_elem(elems, (const char *)c->name);
		array = (item && !xmlStrcmp(c->name, BAD_CAST item)) ||
			(d && d->repeated) || m2md_jrepeats(c);
		m2md_jkey(b, (const char *)c->name, &first);
		m2md_jmember(b, c, d, array);
	}
	if (!m2md_jhas_elements(node) && !first) {
		text = xmlNodeGetContent(node);
		if (text && *text) {
			m2md_jkey(b, "value", &first);
			m2md_jquote(b, (const char *)text);
		}
		xmlFree(text);
	}
	m2md_jput(b, "}", 1);
}

int m2md_repr_doc_json(xmlDocPtr doc, char **out, size_t *len)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const struct m2md_rtype *type;
	struct m2md_jbuf b = { 0 };

	if (!root)
		return -EINVAL;
	type = m2md_rtype_doc((const char *)root->name);
	m2md_jput(&b, "{", 1);
	m2md_jquote(&b, (const char *)root->name);
	m2md_jput(&b, ":", 1);
	m2md_jobject(&b, root, type ? type->attrs : NULL, NULL);
	m2md_jput(&b, "}", 1);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

int m2md_repr_json(const struct m2md_render *r, char **out, size_t *len)
{
	xmlDocPtr doc = m2md_repr_xml(r);
	int ret;

	if (!doc)
		return -ENOMEM;
	ret = m2md_repr_doc_json(doc, out, len);
	xmlFreeDoc(doc);
	return ret;
}

struct json_object *m2md_repr_attrs(const struct m2md_resource *res)
{
	struct json_tokener *tok;
	struct json_object *obj;

	/* A contentInstance's data is its content, not attributes. */
	if (!res->data || !res->len || res->len > INT32_MAX ||
	    !strcmp(res->type, "contentInstance"))
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, (const char *)res->data,
				    (int)res->len);
	json_tokener_free(tok);
	if (obj && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
