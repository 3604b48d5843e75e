/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETSI M2M representations with libxml2: documents in the namespace
 * http://uri.etsi.org/m2m, their JSON form, and strict parsing of
 * request bodies (no network, no entity expansion, no DTD).
 */
#ifndef M2MD_XML_H
#define M2MD_XML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#define M2MD_XML_NS		"http://uri.etsi.org/m2m"
#define M2MD_XML_NS_PREFIX	"m2m"
#define M2MD_XMLMIME_NS		"http://www.w3.org/2005/05/xmlmime"
#define M2MD_XML_TYPE		"application/xml"
#define M2MD_JSON_TYPE		"application/json"

/* New document whose root element is name in the m2m namespace. */
xmlDocPtr m2md_xml_new(const char *name, xmlNodePtr *root);
/* Append a child element in the m2m namespace; text may be NULL. */
xmlNodePtr m2md_xml_add(xmlNodePtr parent, const char *name,
			const char *text);
/* Set an attribute, in the m2m namespace when qualified is set. */
void m2md_xml_attr(xmlNodePtr node, const char *name, const char *value,
		   int qualified);
/* Append an element holding t as an xsd:dateTime in UTC. */
xmlNodePtr m2md_xml_add_time(xmlNodePtr parent, const char *name, int64_t t);
void m2md_xml_add_long(xmlNodePtr parent, const char *name, int64_t v);

/* Serialize to malloc'ed UTF-8 text. Returns 0 or -ENOMEM. */
int m2md_xml_dump(xmlDocPtr doc, char **out, size_t *len);
/*
 * Convert to JSON. An element becomes a key whose value is an object of
 * its attributes and child elements, and repeated children become an
 * array. An element with only text becomes a string. An element with
 * attributes and text puts the text under "value".
 */
int m2md_xml_to_json(xmlDocPtr doc, char **out, size_t *len);

/*
 * Parse a request body whose root must be the element root in the m2m
 * namespace. Returns the document, or NULL with a reason in err.
 */
xmlDocPtr m2md_xml_parse(const void *body, size_t len, const char *root,
			 char *err, size_t errlen);
/* Read an attribute, qualified in the m2m namespace or not; malloc'ed. */
char *m2md_xml_get_attr(xmlNodePtr node, const char *name);

/* True for application/xml, text/xml or any type ending in +xml. */
int m2md_xml_media_type(const char *content_type);

#endif /* M2MD_XML_H */
