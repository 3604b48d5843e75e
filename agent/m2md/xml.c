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

/*
 * A text node is added as is and escaped when written, which costs less
 * than xmlNewTextChild()'s escape and re-parse of the text.
 */
static xmlNodePtr m2md_xml_child(xmlNodePtr parent, xmlNsPtr ns,
				 const char *name, const char *text)
{
	xmlNodePtr node = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);

	if (!node)
		return NULL;
	if (text)
		xmlNodeAddContent(node, BAD_CAST text);
	return xmlAddChild(parent, node);
}

xmlNodePtr m2md_xml_add(xmlNodePtr parent, const char *name,
			const char *text)
{
	return m2md_xml_child(parent, m2md_xml_ns(parent), name, text);
}

xmlNodePtr m2md_xml_add_local(xmlNodePtr parent, const char *name,
			      const char *text)
{
	return m2md_xml_child(parent, NULL, name, text);
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

void m2md_xml_format_time(int64_t t, char buf[M2MD_XML_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, M2MD_XML_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, M2MD_XML_TIME_LEN, "1970-01-01T00:00:00Z");
}

xmlNodePtr m2md_xml_add_time(xmlNodePtr parent, const char *name, int64_t t)
{
	char buf[M2MD_XML_TIME_LEN];

	m2md_xml_format_time(t, buf);
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

/* Depth of the deepest element below node (node itself is 1). */
static int m2md_xml_depth(xmlNodePtr node, int limit)
{
	xmlNodePtr child;
	int max = 0, d;

	if (limit <= 0)
		return 1;
	for (child = node->children; child; child = child->next) {
		if (child->type != XML_ELEMENT_NODE)
			continue;
		d = m2md_xml_depth(child, limit - 1);
		if (d > max)
			max = d;
		if (max >= limit)
			break;
	}
	return max + 1;
}

/*
 * True when the prolog of body (before the root element) has a document
 * type declaration. Checked before parsing, so that entity declarations
 * (the "billion laughs") are never even expanded by the parser.
 */
static bool m2md_xml_has_doctype(const char *p, size_t len)
{
	const char *end = p + len, *close;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (end - p >= 2 && !memcmp(p, "<?", 2))
			close = memmem(p, (size_t)(end - p), "?>", 2);
		else if (end - p >= 4 && !memcmp(p, "<!--", 4))
			close = memmem(p, (size_t)(end - p), "-->", 3);
		else
			return end - p >= 9 && !memcmp(p, "<!DOCTYPE", 9);
		if (!close)
			return false;
		p = close + 2;
	}
	return false;
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
	if (m2md_xml_has_doctype(body, len)) {
		snprintf(err, errlen, "a document type declaration is not accepted");
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
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "a document type declaration is not accepted");
		xmlFreeDoc(doc);
		return NULL;
	}
	node = xmlDocGetRootElement(doc);
	if (!node || strcmp((const char *)node->name, root) || !node->ns ||
	    strcmp((const char *)node->ns->href, M2MD_XML_NS)) {
		snprintf(err, errlen,
			 "expected root element <%s> in namespace %s, not <%s>",
			 root, M2MD_XML_NS, node ? (const char *)node->name :
			 "");
		xmlFreeDoc(doc);
		return NULL;
	}
	if (m2md_xml_depth(node, M2MD_XML_DEPTH_MAX + 1) >
	    M2MD_XML_DEPTH_MAX) {
		snprintf(err, errlen,
			 "elements are nested deeper than %d levels in <%s>",
			 M2MD_XML_DEPTH_MAX, root);
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

int m2md_json_media_type(const char *content_type)
{
	size_t len;

	if (!content_type)
		return 0;
	len = strcspn(content_type, ";");
	while (len && content_type[len - 1] == ' ')
		len--;
	if (len == 16 && !strncasecmp(content_type, "application/json", 16))
		return 1;
	return len > 5 && !strncasecmp(content_type + len - 5, "+json", 5);
}

static bool m2md_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Bounds of s without the XML whitespace around it. */
static void m2md_xml_trim(const char *s, const char **start, size_t *len)
{
	size_t n;

	while (m2md_xml_space(*s))
		s++;
	n = strlen(s);
	while (n && m2md_xml_space(s[n - 1]))
		n--;
	*start = s;
	*len = n;
}

int m2md_xml_parse_long(const char *s, int64_t *out)
{
	uint64_t v = 0, max = INT64_MAX;
	bool neg = false;
	const char *p;
	size_t len, i = 0;

	m2md_xml_trim(s, &p, &len);
	if (len && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	if (neg)
		max++;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(p[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int m2md_xml_parse_bool(const char *s, bool *out)
{
	const char *p;
	size_t len;

	m2md_xml_trim(s, &p, &len);
	if ((len == 4 && !strncmp(p, "true", 4)) ||
	    (len == 1 && p[0] == '1'))
		*out = true;
	else if ((len == 5 && !strncmp(p, "false", 5)) ||
		 (len == 1 && p[0] == '0'))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Read exactly n digits at *p into *v. */
static int m2md_digits(const char **p, const char *end, int n, int *v)
{
	*v = 0;
	if (end - *p < n)
		return -EINVAL;
	while (n--) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return 0;
}

static int m2md_expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int m2md_xml_parse_time(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int year, mon, day, hour, min, sec, zh = 0, zm = 0, sign = 0;
	const char *p, *end;
	struct tm tm = { 0 };
	size_t len;

	m2md_xml_trim(s, &p, &len);
	end = p + len;
	if (m2md_digits(&p, end, 4, &year) || m2md_expect(&p, end, '-') ||
	    m2md_digits(&p, end, 2, &mon) || m2md_expect(&p, end, '-') ||
	    m2md_digits(&p, end, 2, &day) || m2md_expect(&p, end, 'T') ||
	    m2md_digits(&p, end, 2, &hour) || m2md_expect(&p, end, ':') ||
	    m2md_digits(&p, end, 2, &min) || m2md_expect(&p, end, ':') ||
	    m2md_digits(&p, end, 2, &sec))
		return -EINVAL;
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9')
			return -EINVAL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && *p == 'Z') {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (m2md_digits(&p, end, 2, &zh) || m2md_expect(&p, end, ':') ||
		    m2md_digits(&p, end, 2, &zm) || zh > 14 || zm > 59)
			return -EINVAL;
	}
	if (p != end || year < 1 || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || hour > 23 || min > 59 || sec > 60)
		return -EINVAL;
	if (mon == 2 && day == 29 &&
	    (year % 4 || (year % 100 == 0 && year % 400)))
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (zh * 3600 + zm * 60);
	return 0;
}

static const char m2md_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *m2md_base64_encode(const void *in, size_t len)
{
	const unsigned char *s = in;
	char *out, *p;
	size_t i;

	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = m2md_b64[s[i] >> 2];
		*p++ = m2md_b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*p++ = m2md_b64[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
		*p++ = m2md_b64[s[i + 2] & 63];
	}
	if (i < len) {
		*p++ = m2md_b64[s[i] >> 2];
		if (i + 1 < len) {
			*p++ = m2md_b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
			*p++ = m2md_b64[(s[i + 1] & 15) << 2];
		} else {
			*p++ = m2md_b64[(s[i] & 3) << 4];
			*p++ = '=';
		}
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int m2md_b64_value(char c)
{
	const char *p = c ? strchr(m2md_b64, c) : NULL;

	return p ? (int)(p - m2md_b64) : -1;
}

int m2md_base64_decode(const char *in, size_t len, unsigned char **out,
		       size_t *outlen)
{
	unsigned char *buf = malloc(len / 4 * 3 + 3);
	size_t n = 0, i, pad = 0, quad = 0;
	uint32_t acc = 0;
	int v;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (m2md_xml_space(in[i]))
			continue;
		if (in[i] == '=') {
			pad++;
			v = 0;
		} else {
			v = m2md_b64_value(in[i]);
			if (v < 0 || pad)
				goto bad;
		}
		acc = acc << 6 | (uint32_t)v;
		if (++quad < 4)
			continue;
		if (pad > 2)
			goto bad;
		buf[n++] = acc >> 16;
		if (pad < 2)
			buf[n++] = acc >> 8 & 0xff;
		if (pad < 1)
			buf[n++] = acc & 0xff;
		acc = 0;
		quad = 0;
		if (pad)
			break;
	}
	/* Only whitespace may follow the padding. */
	for (i++; i < len; i++)
		if (!m2md_xml_space(in[i]))
			goto bad;
	if (quad)
		goto bad;
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}
