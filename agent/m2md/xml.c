// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include "xml.h"

xmlDocPtr m2md_xml_new(const char *name, xmlNodePtr *root)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNsPtr ns;

	if (!doc)
		return NULL;
	*root = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
	if (!*root) {
		xmlFreeDoc(doc);
		return NULL;
	}
	ns = xmlNewNs(*root, BAD_CAST M2MD_XML_NS, BAD_CAST M2MD_XML_NS_PREFIX);
	xmlSetNs(*root, ns);
	xmlDocSetRootElement(doc, *root);
	return doc;
}

static xmlNsPtr m2md_xml_ns(xmlNodePtr node)
{
	return xmlSearchNsByHref(node->doc, node, BAD_CAST M2MD_XML_NS);
}

xmlNodePtr m2md_xml_add(xmlNodePtr parent, const char *name,
			const char *text)
{
	return xmlNewTextChild(parent, m2md_xml_ns(parent), BAD_CAST name,
			       text ? BAD_CAST text : NULL);
}

void m2md_xml_attr(xmlNodePtr node, const char *name, const char *value,
		   int qualified)
{
	if (qualified)
		xmlSetNsProp(node, m2md_xml_ns(node), BAD_CAST name,
			     BAD_CAST value);
	else
		xmlSetProp(node, BAD_CAST name, BAD_CAST value);
}

xmlNodePtr m2md_xml_add_time(xmlNodePtr parent, const char *name, int64_t t)
{
	time_t tt = (time_t)t;
	char buf[32];
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return m2md_xml_add(parent, name, buf);
}

void m2md_xml_add_long(xmlNodePtr parent, const char *name, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	m2md_xml_add(parent, name, buf);
}

int m2md_xml_dump(xmlDocPtr doc, char **out, size_t *len)
{
	xmlChar *mem = NULL;
	int size = 0;

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 0);
	if (!mem)
		return -ENOMEM;
	*out = malloc(size + 1);
	if (!*out) {
		xmlFree(mem);
		return -ENOMEM;
	}
	memcpy(*out, mem, size);
	(*out)[size] = '\0';
	*len = size;
	xmlFree(mem);
	return 0;
}

static struct json_object *m2md_json_element(xmlNodePtr node);

/* Add value under key, turning a repeated key into an array. */
static void m2md_json_put(struct json_object *obj, const char *key,
			  struct json_object *value)
{
	struct json_object *old, *arr;

	if (!json_object_object_get_ex(obj, key, &old)) {
		json_object_object_add(obj, key, value);
		return;
	}
	if (json_object_is_type(old, json_type_array)) {
		json_object_array_add(old, value);
		return;
	}
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_get(old));
	json_object_array_add(arr, value);
	json_object_object_add(obj, key, arr);
}

static struct json_object *m2md_json_element(xmlNodePtr node)
{
	struct json_object *obj;
	xmlNodePtr child;
	xmlAttrPtr attr;
	xmlChar *text;
	int elements = 0;

	for (child = node->children; child; child = child->next)
		elements += child->type == XML_ELEMENT_NODE;
	if (!elements && !node->properties) {
		text = xmlNodeGetContent(node);
		obj = json_object_new_string(text ? (const char *)text : "");
		xmlFree(text);
		return obj;
	}
	obj = json_object_new_object();
	for (attr = node->properties; attr; attr = attr->next) {
		text = xmlNodeListGetString(node->doc, attr->children, 1);
		json_object_object_add(obj, (const char *)attr->name,
				       json_object_new_string(text ?
						(const char *)text : ""));
		xmlFree(text);
	}
	for (child = node->children; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE)
			m2md_json_put(obj, (const char *)child->name,
				      m2md_json_element(child));
	if (!elements) {
		text = xmlNodeGetContent(node);
		if (text && *text)
			json_object_object_add(obj, "value",
				json_object_new_string((const char *)text));
		xmlFree(text);
	}
	return obj;
}

int m2md_xml_to_json(xmlDocPtr doc, char **out, size_t *len)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	struct json_object *obj = json_object_new_object();
	const char *text;

	json_object_object_add(obj, (const char *)root->name,
			       m2md_json_element(root));
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	*out = strdup(text);
	*len = *out ? strlen(*out) : 0;
	json_object_put(obj);
	return *out ? 0 : -ENOMEM;
}

xmlDocPtr m2md_xml_parse(const void *body, size_t len, const char *root,
			 char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr node;
	const xmlError *xerr;

	if (len > INT32_MAX) {
		snprintf(err, errlen, "body too large");
		return NULL;
	}
	doc = xmlReadMemory(body, (int)len, "body.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc) {
		xerr = xmlGetLastError();
		snprintf(err, errlen, "invalid XML: %s",
			 xerr && xerr->message ? xerr->message : "parse error");
		err[strcspn(err, "\n")] = '\0';
		return NULL;
	}
	node = xmlDocGetRootElement(doc);
	if (!node || strcmp((const char *)node->name, root) || !node->ns ||
	    strcmp((const char *)node->ns->href, M2MD_XML_NS)) {
		snprintf(err, errlen,
			 "expected root element <%s> in namespace %s", root,
			 M2MD_XML_NS);
		xmlFreeDoc(doc);
		return NULL;
	}
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "a document type declaration is not accepted");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

char *m2md_xml_get_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetNsProp(node, BAD_CAST name, BAD_CAST M2MD_XML_NS);

	if (!v)
		v = xmlGetNoNsProp(node, BAD_CAST name);
	return (char *)v;
}

int m2md_xml_media_type(const char *content_type)
{
	size_t len;

	if (!content_type)
		return 0;
	len = strcspn(content_type, ";");
	while (len && content_type[len - 1] == ' ')
		len--;
	if ((len == 15 && !strncasecmp(content_type, "application/xml", 15)) ||
	    (len == 8 && !strncasecmp(content_type, "text/xml", 8)))
		return 1;
	return len > 4 && !strncasecmp(content_type + len - 4, "+xml", 4);
}
