/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETSI M2M representations with libxml2: documents in the namespace
 * http://uri.etsi.org/m2m, their JSON form, and strict parsing of
 * request bodies (no network, no entity expansion, no DTD).
 */
#ifndef M2MD_XML_H
#define M2MD_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#define M2MD_XML_NS		"http://uri.etsi.org/m2m"
#define M2MD_XML_NS_PREFIX	"m2m"
#define M2MD_XMLMIME_NS		"http://www.w3.org/2005/05/xmlmime"
#define M2MD_XML_TYPE		"application/xml"
#define M2MD_JSON_TYPE		"application/json"
#define M2MD_XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"

/* Deepest element nesting that m2md_xml_parse() accepts. */
#define M2MD_XML_DEPTH_MAX	32
/* Room for an xsd:dateTime written by m2md_xml_format_time(). */
#define M2MD_XML_TIME_LEN	32

/* New document whose root element is name in the m2m namespace. */
xmlDocPtr m2md_xml_new(const char *name, xmlNodePtr *root);
/* Append a child element in the m2m namespace; text may be NULL. */
xmlNodePtr m2md_xml_add(xmlNodePtr parent, const char *name,
			const char *text);
/*
 * Append a child element in no namespace, as the ETSI schemas declare
 * the elements local to a type (AnyURIList's reference, for example).
 */
xmlNodePtr m2md_xml_add_local(xmlNodePtr parent, const char *name,
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
 * namespace, without network access, entity substitution or a document
 * type declaration, nested at most M2MD_XML_DEPTH_MAX deep. Returns the
 * document, or NULL with a reason in err.
 */
xmlDocPtr m2md_xml_parse(const void *body, size_t len, const char *root,
			 char *err, size_t errlen);
/* Read an attribute, qualified in the m2m namespace or not; malloc'ed. */
char *m2md_xml_get_attr(xmlNodePtr node, const char *name);

/* True for application/xml, text/xml or any type ending in +xml. */
int m2md_xml_media_type(const char *content_type);
/* True for application/json or any type ending in +json. */
int m2md_json_media_type(const char *content_type);

/*
 * Values of XML Schema simple types. Each parser takes the whole string
 * (XML whitespace around it allowed) and returns 0 or -EINVAL.
 * xsd:long: decimal, optional sign, within int64.
 */
int m2md_xml_parse_long(const char *s, int64_t *out);
/* xsd:boolean: true, false, 1 or 0. */
int m2md_xml_parse_bool(const char *s, bool *out);
/*
 * xsd:dateTime as Unix seconds: YYYY-MM-DDThh:mm:ss, optional fraction
 * (dropped), and Z or +hh:mm / -hh:mm; without a zone it is taken as UTC.
 */
int m2md_xml_parse_time(const char *s, int64_t *out);
/* Write t as xsd:dateTime in UTC ("2026-12-04T21:00:00Z"). */
void m2md_xml_format_time(int64_t t, char buf[M2MD_XML_TIME_LEN]);

/* Base64 (RFC 4648, with padding) of in, malloc'ed; NULL on ENOMEM. */
char *m2md_base64_encode(const void *in, size_t len);
/*
 * Decode base64 text, skipping XML whitespace. Returns 0 with a malloc'ed
 * buffer in out, -EINVAL on a character or padding that is not base64, or
 * -ENOMEM.
 */
int m2md_base64_decode(const char *in, size_t len, unsigned char **out,
		       size_t *outlen);

#endif /* M2MD_XML_H */
