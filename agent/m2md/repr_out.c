// SPDX-License-Identifier: GPL-2.0
/*
 * The two outputs of the renderer: a libxml2 tree for callers that need
 * the document, and XML text written directly for replies. The text is
 * byte for byte what m2md_xml_dump() writes for the same tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repr_priv.h"
#include "xml.h"

static const char *const m2md_ns_href[] = {
	[M2MD_NS_M2M] = M2MD_XML_NS,
	[M2MD_NS_XMIME] = M2MD_XMLMIME_NS,
	[M2MD_NS_XSI] = M2MD_XSI_NS,
};

static const char *const m2md_ns_prefix[] = {
	[M2MD_NS_M2M] = M2MD_XML_NS_PREFIX,
	[M2MD_NS_XMIME] = "xmime",
	[M2MD_NS_XSI] = "xsi",
};

static void m2md_out_put(struct m2md_out *o, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 1024;
		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->buf, cap);
		if (!p) {
			o->failed = true;
			return;
		}
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void m2md_out_str(struct m2md_out *o, const char *s)
{
	m2md_out_put(o, s, strlen(s));
}

/* Escape as libxml2 does: text escapes & < > CR, attributes also " TAB LF. */
static void m2md_out_escaped(struct m2md_out *o, const char *s, bool attr)
{
	const char *run = s, *rep;

	for (; *s; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '\r':
			rep = "&#13;";
			break;
		case '"':
			rep = attr ? "&quot;" : NULL;
			break;
		case '\n':
			rep = attr ? "&#10;" : NULL;
			break;
		case '\t':
			rep = attr ? "&#9;" : NULL;
			break;
		default:
			rep = NULL;
		}
		if (!rep)
			continue;
		m2md_out_put(o, run, (size_t)(s - run));
		m2md_out_str(o, rep);
		run = s + 1;
	}
	m2md_out_put(o, run, (size_t)(s - run));
}

static void m2md_out_end_tag(struct m2md_out *o)
{
	if (o->tag_open)
		m2md_out_put(o, ">", 1);
	o->tag_open = false;
}

void m2md_out_start(struct m2md_out *o, bool text, const char *root)
{
	xmlNodePtr node;

	memset(o, 0, sizeof(*o));
	o->text = text;
	if (text) {
		m2md_out_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		m2md_out_open(o, root, false);
		return;
	}
	o->doc = m2md_xml_new(root, &node);
	o->cur = node;
	o->depth = 1;
	o->failed = !o->doc;
}

void m2md_out_open(struct m2md_out *o, const char *name, bool local)
{
	xmlNodePtr node;
	xmlNsPtr ns;

	if (o->failed)
		return;
	if (!o->text) {
		ns = local ? NULL : xmlSearchNsByHref(o->doc, o->cur,
						      BAD_CAST M2MD_XML_NS);
		node = xmlNewDocNode(o->doc, ns, BAD_CAST name, NULL);
		if (!node || !xmlAddChild(o->cur, node)) {
			xmlFreeNode(node);
			o->failed = true;
			return;
		}
		o->cur = node;
		o->depth++;
		return;
	}
	if (o->depth >= M2MD_OUT_DEPTH) {
		o->failed = true;
		return;
	}
	m2md_out_end_tag(o);
	m2md_out_put(o, "<", 1);
	if (!local)
		m2md_out_str(o, M2MD_XML_NS_PREFIX ":");
	m2md_out_str(o, name);
	if (!o->depth)
		m2md_out_str(o, " xmlns:" M2MD_XML_NS_PREFIX "=\""
			     M2MD_XML_NS "\"");
	o->open[o->depth] = name;
	o->local[o->depth] = local;
	o->depth++;
	o->tag_open = true;
}

void m2md_out_attr(struct m2md_out *o, const char *name, const char *value,
		   enum m2md_out_ns ns)
{
	xmlNsPtr xns = NULL;

	if (o->failed)
		return;
	if (!o->text) {
		if (ns == M2MD_NS_M2M)
			xns = xmlSearchNsByHref(o->doc, o->cur,
						BAD_CAST M2MD_XML_NS);
		else if (ns != M2MD_NS_NONE)
			xns = xmlNewNs(o->cur, BAD_CAST m2md_ns_href[ns],
				       BAD_CAST m2md_ns_prefix[ns]);
		if (!xmlSetNsProp(o->cur, xns, BAD_CAST name, BAD_CAST value))
			o->failed = true;
		return;
	}
	if (ns == M2MD_NS_XMIME || ns == M2MD_NS_XSI) {
		m2md_out_str(o, " xmlns:");
		m2md_out_str(o, m2md_ns_prefix[ns]);
		m2md_out_str(o, "=\"");
		m2md_out_str(o, m2md_ns_href[ns]);
		m2md_out_put(o, "\"", 1);
	}
	m2md_out_put(o, " ", 1);
	if (ns != M2MD_NS_NONE) {
		m2md_out_str(o, m2md_ns_prefix[ns]);
		m2md_out_put(o, ":", 1);
	}
	m2md_out_str(o, name);
	m2md_out_str(o, "=\"");
	m2md_out_escaped(o, value, true);
	m2md_out_put(o, "\"", 1);
}

void m2md_out_text(struct m2md_out *o, const char *text)
{
	if (o->failed || !text || !*text)
		return;
	if (!o->text) {
		xmlNodeAddContent(o->cur, BAD_CAST text);
		return;
	}
	m2md_out_end_tag(o);
	m2md_out_escaped(o, text, false);
}

void m2md_out_close(struct m2md_out *o)
{
	if (o->failed || !o->depth)
		return;
	o->depth--;
	if (!o->text) {
		if (o->depth)
			o->cur = o->cur->parent;
		return;
	}
	if (o->tag_open) {
		m2md_out_str(o, "/>");
		o->tag_open = false;
		return;
	}
	m2md_out_str(o, "</");
	if (!o->local[o->depth])
		m2md_out_str(o, M2MD_XML_NS_PREFIX ":");
	m2md_out_str(o, o->open[o->depth]);
	m2md_out_put(o, ">", 1);
}

void m2md_out_leaf(struct m2md_out *o, const char *name, bool local,
		   const char *text)
{
	m2md_out_open(o, name, local);
	m2md_out_text(o, text);
	m2md_out_close(o);
}

xmlDocPtr m2md_out_doc(struct m2md_out *o)
{
	xmlDocPtr doc = o->doc;

	if (o->failed) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	o->doc = NULL;
	return doc;
}

int m2md_out_finish(struct m2md_out *o, char **out, size_t *len)
{
	while (o->depth)
		m2md_out_close(o);
	m2md_out_put(o, "\n", 1);
	if (o->failed) {
		free(o->buf);
		o->buf = NULL;
		return -ENOMEM;
	}
	*out = o->buf;
	*len = o->len;
	o->buf = NULL;
	return 0;
}
