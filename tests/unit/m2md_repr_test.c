// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the representations. Every resource type, rendered with
 * every attribute set and with none set, must be valid against the ETSI
 * schema of its root element (../xsd), and its JSON form must parse back
 * to the same attributes. Each kind of bad body must get its status and
 * a message that names the element.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/xmlschemas.h>

#include "m2md_test.h"
#include "repr.h"
#include "xml.h"
#include "xsd_check.h"

#define XSD_DIR		"../xsd"
#define T_CREATED	1700000000
#define T_SAMPLE	1900000000	/* 2030, in the future */

/* Validate doc against XSD_DIR/<schema>.xsd; quiet for expected failures. */
static int validate_as(xmlDocPtr doc, const char *schema_name, bool quiet)
{
	return xsd_check(doc, XSD_DIR, schema_name, quiet);
}

static int validate(xmlDocPtr doc)
{
	return validate_as(doc, (const char *)xmlDocGetRootElement(doc)->name,
			   false);
}

static void print_doc(xmlDocPtr doc)
{
	char *text;
	size_t len;

	if (!m2md_xml_dump(doc, &text, &len)) {
		printf("%s\n", text);
		free(text);
	}
}

/* Sample values ---------------------------------------------------------- */

static struct json_object *sample_value(const struct m2md_attr *a, bool top);

static struct json_object *sample_string(const struct m2md_attr *a, int i)
{
	char buf[64];

	if (a->values)
		return json_object_new_string(a->values[a->values[i] ? i : 0]);
	snprintf(buf, sizeof(buf), "http://example.com/%s/%d", a->name, i);
	return json_object_new_string(buf);
}

static struct json_object *sample_list(const struct m2md_attr *a, bool top)
{
	struct m2md_attr item = { .name = a->item, .values = a->values };
	struct json_object *arr = json_object_new_array(), *wrap;

	json_object_array_add(arr, sample_string(&item, 0));
	json_object_array_add(arr, sample_string(&item, 1));
	if (top)
		return arr;
	wrap = json_object_new_object();
	json_object_object_add(wrap, a->item, arr);
	return wrap;
}

static struct json_object *sample_complex(const struct m2md_attr *a)
{
	struct json_object *obj = json_object_new_object(), *arr;
	const struct m2md_attr *e;

	for (e = a->elems; e && e->name; e++) {
		if (e->xml_attr) {
			json_object_object_add(obj, e->name,
					       json_object_new_string("p1"));
		} else if (e->repeated) {
			arr = json_object_new_array();
			json_object_array_add(arr, sample_value(e, false));
			json_object_array_add(arr, sample_value(e, false));
			json_object_object_add(obj, e->name, arr);
		} else {
			json_object_object_add(obj, e->name,
					       sample_value(e, false));
		}
	}
	return obj;
}

/* A value of a's kind in the stored form (top) or nested form. */
static struct json_object *sample_value(const struct m2md_attr *a, bool top)
{
	char buf[M2MD_XML_TIME_LEN];

	switch (a->kind) {
	case M2MD_ATTR_LONG:
		return json_object_new_int64(42);
	case M2MD_ATTR_BOOL:
		return json_object_new_boolean(true);
	case M2MD_ATTR_TIME:
		if (top)
			return json_object_new_int64(T_SAMPLE);
		m2md_xml_format_time(T_SAMPLE, buf);
		return json_object_new_string(buf);
	case M2MD_ATTR_LIST:
		return sample_list(a, top);
	case M2MD_ATTR_COMPLEX:
		return sample_complex(a);
	default:
		return sample_string(a, 0);
	}
}

/* Kept in columns or computed, never in the stored attributes. */
static bool is_column(const struct m2md_attr *a)
{
	return a->kind == M2MD_ATTR_REFERENCE ||
	       !strcmp(a->name, "expirationTime") ||
	       !strcmp(a->name, "accessRightID") ||
	       !strcmp(a->name, "creationTime") ||
	       !strcmp(a->name, "lastModifiedTime") ||
	       !strncmp(a->name, "currentNrOf", 11) ||
	       !strcmp(a->name, "currentByteSize");
}

/* Stored attributes with every attribute of type set (one per choice). */
static struct json_object *sample_attrs(const struct m2md_rtype *type,
					bool writable_only)
{
	struct json_object *obj = json_object_new_object();
	unsigned int chosen = 0;
	const struct m2md_attr *a;

	for (a = type->attrs; a->name; a++) {
		if (is_column(a))
			continue;
		if (writable_only && a->access == M2MD_ACCESS_RO)
			continue;
		if (a->choice && (chosen & (1u << a->choice)))
			continue;
		chosen |= a->choice ? 1u << a->choice : 0;
		json_object_object_add(obj, a->name, sample_value(a, true));
	}
	return obj;
}

/* Resources -------------------------------------------------------------- */

static void fill_res(struct m2md_resource *r, const char *parent,
		     const char *type, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->parent, sizeof(r->parent), "%s", parent);
	snprintf(r->path, sizeof(r->path), "%s/%s", parent, name);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->created = T_CREATED;
	r->modified = T_CREATED + 5;
	r->version = 1;
}

/* Children of a collection: two of each type it holds. */
static size_t fill_children(const struct m2md_rtype *type,
			    const struct m2md_resource *coll,
			    struct m2md_resource *kids, size_t max)
{
	const char *const *c;
	char name[64];
	size_t n = 0;
	int i;

	for (c = type->children; c && *c; c++) {
		for (i = 0; i < 2 && n < max; i++, n++) {
			snprintf(name, sizeof(name), "%s%d", *c, i);
			fill_res(&kids[n], coll->path, *c, name);
			if (!strcmp(*c, "contentInstance")) {
				kids[n].data = (unsigned char *)"21.5";
				kids[n].len = 4;
				snprintf(kids[n].content_type,
					 sizeof(kids[n].content_type),
					 "text/plain");
			}
		}
	}
	return n;
}

/*
 * The direct text of r must be the bytes m2md_xml_dump() writes for
 * m2md_repr_xml() of r.
 */
static void check_text(const struct m2md_render *r, xmlDocPtr doc,
		       const char *what)
{
	char *want = NULL, *got = NULL;
	size_t wlen = 0, glen = 0;

	CHECK(m2md_xml_dump(doc, &want, &wlen) == 0, "%s dumps", what);
	CHECK(m2md_repr_xml_text(r, &got, &glen) == 0, "%s text renders",
	      what);
	CHECK(wlen == glen, "%s text has the dump's length", what);
	CHECK(want && got && !strcmp(want, got),
	      "%s text is the dump:\n want %s\n got  %s", what, want, got);
	free(want);
	free(got);
}

static xmlDocPtr render_type(const struct m2md_rtype *type, bool full,
			     struct json_object **attrs_out)
{
	struct m2md_resource res, kids[8];
	struct m2md_render r = { .res = &res, .type = type };
	char what[128];
	xmlDocPtr doc;

	fill_res(&res, "/gscl/x", type->name, "r1");
	if (full) {
		res.expires = T_SAMPLE;
		snprintf(res.acl, sizeof(res.acl), "/gscl/accessRights/ar1");
		r.attrs = sample_attrs(type, false);
		r.nchildren = fill_children(type, &res, kids, 8);
		r.children = kids;
		r.count = (int64_t)r.nchildren;
		r.bytes = 4 * r.count;
		if (r.nchildren) {
			r.oldest = &kids[0];
			r.latest = &kids[r.nchildren - 1];
		}
		if (!strcmp(type->name, "contentInstance")) {
			res.data = (unsigned char *)"hello";
			res.len = 5;
			snprintf(res.content_type, sizeof(res.content_type),
				 "text/plain");
		}
	}
	doc = m2md_repr_xml(&r);
	snprintf(what, sizeof(what), "<%s> %s", type->name,
		 full ? "with every attribute" : "with no attribute");
	if (doc)
		check_text(&r, doc, what);
	if (attrs_out)
		*attrs_out = r.attrs;
	else
		json_object_put(r.attrs);
	return doc;
}

static void test_render_type(const struct m2md_rtype *type, bool full)
{
	const char *what = full ? "every attribute" : "no attribute";
	xmlDocPtr doc = render_type(type, full, NULL);
	struct json_object *obj;
	char *json = NULL;
	size_t len;

	CHECK(doc != NULL, "<%s> with %s renders", type->name, what);
	if (!doc)
		return;
	CHECK(!strcmp((const char *)xmlDocGetRootElement(doc)->name,
		      type->name), "<%s> is the root element", type->name);
	if (validate(doc)) {
		CHECK(0, "<%s> with %s is valid against %s.xsd", type->name,
		      what, type->name);
		print_doc(doc);
	} else {
		CHECK(1, "valid");
	}
	CHECK(m2md_repr_doc_json(doc, &json, &len) == 0,
	      "<%s> with %s has a JSON form", type->name, what);
	obj = json ? json_tokener_parse(json) : NULL;
	CHECK(obj != NULL, "<%s> with %s JSON parses: %s", type->name, what,
	      json ? json : "(none)");
	json_object_put(obj);
	free(json);
	xmlFreeDoc(doc);
}

/* A type that a client creates with a body (not a collection or virtual). */
static bool creatable(const struct m2md_rtype *type)
{
	return type->id_attr && !type->virtual_res;
}

/* Drop the RO members of the JSON form so it can be sent back. */
static char *strip_ro(const struct m2md_rtype *type, const char *json)
{
	struct json_object *doc = json_tokener_parse(json), *form;
	const struct m2md_attr *a;
	char *out;

	if (!doc || !json_object_object_get_ex(doc, type->name, &form)) {
		json_object_put(doc);
		return NULL;
	}
	for (a = type->attrs; a->name; a++)
		if (a->access == M2MD_ACCESS_RO)
			json_object_object_del(form, a->name);
	json_object_object_del(form, "href");
	out = strdup(json_object_to_json_string_ext(doc,
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	return out;
}

static void test_round_trip(const struct m2md_rtype *type)
{
	struct m2md_resource res;
	struct m2md_render r = { .res = &res, .type = type };
	struct json_object *want, *got;
	struct m2md_parsed p;
	char *json = NULL, *body, detail[512];
	unsigned int status;
	size_t len;

	fill_res(&res, "/gscl/x", type->name, "r1");
	res.expires = T_SAMPLE;
	snprintf(res.acl, sizeof(res.acl), "/gscl/accessRights/ar1");
	if (!strcmp(type->name, "contentInstance")) {
		res.data = (unsigned char *)"hello\0world";
		res.len = 11;
		snprintf(res.content_type, sizeof(res.content_type),
			 "application/octet-stream");
	}
	r.attrs = sample_attrs(type, true);
	CHECK(m2md_repr_json(&r, &json, &len) == 0, "<%s> JSON renders",
	      type->name);
	body = json ? strip_ro(type, json) : NULL;
	CHECK(body != NULL, "<%s> JSON form parses: %s", type->name,
	      json ? json : "(none)");
	if (!body)
		goto out;
	status = m2md_repr_parse(type, M2MD_REPR_CREATE, "application/json",
				 body, strlen(body), &p, detail,
				 sizeof(detail));
	CHECK(status == 0, "<%s> JSON parses back: %u %s\n%s", type->name,
	      status, status ? detail : "", body);
	if (status)
		goto out;
	CHECK(!strcmp(p.id, "r1"), "<%s> id '%s' comes back", type->name,
	      p.id);
	if (m2md_rtype_attr(type, "expirationTime"))
		CHECK(p.expires == T_SAMPLE,
		      "<%s> expirationTime comes back", type->name);
	if (m2md_rtype_attr(type, "accessRightID"))
		CHECK(!strcmp(p.acl, "/gscl/accessRights/ar1"),
		      "<%s> accessRightID comes back", type->name);
	if (m2md_rtype_attr(type, "searchStrings")) {
		CHECK(p.nsearch == 2, "<%s> two searchStrings come back",
		      type->name);
		CHECK(p.nsearch == 2 && !strcmp(p.search[1],
				"http://example.com/searchString/1"),
		      "<%s> searchStrings come back in order", type->name);
	}
	if (!strcmp(type->name, "contentInstance")) {
		CHECK(p.content_len == 11, "<contentInstance> content length");
		CHECK(p.has_content && !memcmp(p.content, "hello\0world", 11),
		      "<contentInstance> content comes back");
		got = json_object_object_get(p.attrs, "contentTypes");
		CHECK(json_object_array_length(got) == 1,
		      "<contentInstance> one contentType");
		CHECK(!strcmp(json_object_get_string(
				json_object_array_get_idx(got, 0)),
			      "application/octet-stream"),
		      "<contentInstance> contentTypes come back");
	} else {
		want = r.attrs;
		CHECK(json_object_equal(want, p.attrs),
		      "<%s> attributes come back:\n want %s\n got  %s",
		      type->name, json_object_to_json_string(want),
		      json_object_to_json_string(p.attrs));
	}
	m2md_parsed_free(&p);
out:
	free(body);
	free(json);
	json_object_put(r.attrs);
}

static void test_every_type(void)
{
	size_t i, rendered = 0;

	for (i = 0; i < m2md_n_rtypes; i++) {
		const struct m2md_rtype *type = &m2md_rtypes[i];

		/* Virtual types render as other documents. */
		if (type->virtual_res)
			continue;
		test_render_type(type, true);
		test_render_type(type, false);
		if (creatable(type))
			test_round_trip(type);
		rendered++;
	}
	CHECK(rendered == 23, "23 stored types rendered, not %zu", rendered);
}

/* Parse errors ----------------------------------------------------------- */

#define XML_NS	"xmlns:m2m=\"http://uri.etsi.org/m2m\""
#define XML	"application/xml"
#define JSON	"application/json"

/*
 * Parse body as type for op and check the status and that the detail
 * contains want (the element it names, often with the value).
 */
static void expect_error(const char *type_name, enum m2md_repr_op op,
			 const char *ctype, const char *body,
			 unsigned int want_status, const char *want)
{
	const struct m2md_rtype *type = m2md_rtype_find(type_name);
	struct m2md_parsed p;
	char detail[512] = "";
	unsigned int status;

	status = m2md_repr_parse(type, op, ctype, body, strlen(body), &p,
				 detail, sizeof(detail));
	CHECK(status == want_status, "%s: status %u, expected %u (%s)",
	      body, status, want_status, detail);
	CHECK(strstr(detail, want) != NULL,
	      "%s: detail '%s' names '%s'", body, detail, want);
	CHECK(p.attrs == NULL, "%s: nothing is returned on error", body);
	if (!status)
		m2md_parsed_free(&p);
}

static void test_parse_errors(void)
{
	size_t i, len;
	char *big;

	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:foo/></m2m:container>",
		     400, "unknown element <foo> in <container>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"foo\":1}}",
		     400, "unknown element <foo> in <container>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:creationTime>2030-01-01T00:00:00Z</m2m:creationTime></m2m:container>",
		     400, "<creationTime>");
	expect_error("container", M2MD_REPR_UPDATE, JSON,
		     "{\"container\":{\"lastModifiedTime\":\"2030-01-01T00:00:00Z\"}}",
		     400, "<lastModifiedTime> of <container> is read-only");
	expect_error("contentInstances", M2MD_REPR_UPDATE, XML,
		     "<m2m:contentInstances " XML_NS "><m2m:currentNrOfInstances>3</m2m:currentNrOfInstances></m2m:contentInstances>",
		     400, "<currentNrOfInstances>");
	expect_error("containerAnnc", M2MD_REPR_UPDATE, XML,
		     "<m2m:containerAnnc " XML_NS "><m2m:link>/a</m2m:link></m2m:containerAnnc>",
		     400, "<link> of <containerAnnc> can only be given on create");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxNrOfInstances>ten</m2m:maxNrOfInstances></m2m:container>",
		     400, "'ten' of <maxNrOfInstances>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"maxByteSize\":\"10\"}}",
		     400, "'10' of <maxByteSize>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"maxByteSize\":1.5}}",
		     400, "<maxByteSize>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxInstanceAge>-1</m2m:maxInstanceAge></m2m:container>",
		     400, "'-1' of <maxInstanceAge>: must not be negative");
	expect_error("scl", M2MD_REPR_CREATE, XML,
		     "<m2m:scl " XML_NS " sclId=\"gw\"><m2m:serverCapability>yes</m2m:serverCapability></m2m:scl>",
		     400, "'yes' of <serverCapability>");
	expect_error("application", M2MD_REPR_CREATE, JSON,
		     "{\"application\":{\"appId\":\"a\",\"announceTo\":{\"activated\":\"true\",\"sclList\":{}}}}",
		     400, "'true' of <activated>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:expirationTime>tomorrow</m2m:expirationTime></m2m:container>",
		     400, "'tomorrow' of <expirationTime>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:expirationTime>2030-02-30T00:00:00Z</m2m:expirationTime></m2m:container>",
		     400, "'2030-02-30T00:00:00Z' of <expirationTime>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:expirationTime>2001-01-01T00:00:00Z</m2m:expirationTime></m2m:container>",
		     400, "expirationTime 2001-01-01T00:00:00Z of <container> is in the past");
	expect_error("locationContainer", M2MD_REPR_CREATE, XML,
		     "<m2m:locationContainer " XML_NS "><m2m:locationContainerType>GPS</m2m:locationContainerType></m2m:locationContainer>",
		     400, "'GPS' of <locationContainerType>: expected one of LOCATION_SERVER_BASED, APPLICATION_GENERATED");
	expect_error("accessRight", M2MD_REPR_CREATE, XML,
		     "<m2m:accessRight " XML_NS " m2m:id=\"ar\"><m2m:permissions><m2m:permission><m2m:permissionFlags><m2m:flag>READ</m2m:flag><m2m:flag>EXECUTE</m2m:flag></m2m:permissionFlags><m2m:permissionHolders/></m2m:permission></m2m:permissions><m2m:selfPermissions/></m2m:accessRight>",
		     400, "'EXECUTE' of <flag>");
	expect_error("accessRight", M2MD_REPR_CREATE, XML,
		     "<m2m:accessRight " XML_NS " m2m:id=\"ar\"><m2m:permissions/></m2m:accessRight>",
		     400, "missing required element <selfPermissions> in <accessRight>");
	expect_error("subscription", M2MD_REPR_CREATE, JSON,
		     "{\"subscription\":{\"id\":\"s\"}}",
		     400, "missing required element <contact> in <subscription>");
	expect_error("applicationAnnc", M2MD_REPR_CREATE, JSON,
		     "{\"applicationAnnc\":{\"id\":\"a\"}}",
		     400, "missing required element <link> in <applicationAnnc>");
	expect_error("accessRight", M2MD_REPR_CREATE, XML,
		     "<m2m:accessRight " XML_NS "><m2m:selfPermissions><m2m:permission><m2m:permissionHolders/></m2m:permission></m2m:selfPermissions></m2m:accessRight>",
		     400, "missing element <permissionFlags> in <permission>");
	expect_error("subscription", M2MD_REPR_CREATE, XML,
		     "<m2m:subscription " XML_NS "><m2m:minimalTimeBetweenNotifications>5</m2m:minimalTimeBetweenNotifications><m2m:delayTolerance>2030-01-01T00:00:00Z</m2m:delayTolerance><m2m:contact>http://127.0.0.1/</m2m:contact></m2m:subscription>",
		     400, "cannot both be given");
	expect_error("application", M2MD_REPR_CREATE, XML,
		     "<m2m:application " XML_NS " appId=\"a\"><m2m:announceTo><m2m:sclList/><m2m:bogus/></m2m:announceTo></m2m:application>",
		     400, "unknown element <bogus> in <announceTo>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS " xmlns:o=\"urn:other\"><o:maxByteSize>5</o:maxByteSize></m2m:container>",
		     400, "<maxByteSize> in <container> is not in namespace");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxByteSize>5</m2m:maxByteSize><m2m:maxByteSize>6</m2m:maxByteSize></m2m:container>",
		     400, "<maxByteSize> appears more than once in <container>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS ">text<m2m:maxByteSize>5</m2m:maxByteSize></m2m:container>",
		     400, "unexpected text 'text' in <container>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS " color=\"red\"/>",
		     400, "unknown attribute color of <container>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS " m2m:id=\"a/b\"/>",
		     400, "invalid id 'a/b' of <container>");
	expect_error("application", M2MD_REPR_CREATE, XML,
		     "<m2m:application " XML_NS " m2m:id=\"a\"/>",
		     400, "unknown attribute id of <application>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:application " XML_NS " appId=\"a\"/>",
		     400, "<application>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"application\":{\"appId\":\"a\"}}",
		     400, "root element <container>");
	expect_error("containerAnnc", M2MD_REPR_CREATE, JSON,
		     "{\"containerAnnc\":{\"link\":\"a\\u0001b\"}}",
		     400, "invalid value of <link>: byte 0x01 at offset 1");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"searchStrings\":{\"searchString\":[\"\xff\"]}}}",
		     400, "of <searchString>: byte 0xff at offset 0");
	/* A \u0000 must not cut a string short: refused, never truncated. */
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"id\":\"c1\\u0000x\"}}",
		     400, "invalid id of <container>: it contains a NUL byte");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"searchStrings\":{\"searchString\":[\"a\\u0000b\"]}}}",
		     400, "invalid value of <searchString>: byte 0x00 at offset 1");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"accessRightID\":\"/nscl/accessRights/a\\u0000x\"}}",
		     400, "<accessRightID>: it contains a NUL byte");
	expect_error("subscription", M2MD_REPR_CREATE, JSON,
		     "{\"subscription\":{\"contact\":\"http://127.0.0.1/\",\"minimalTimeBetweenNotifications\":\"5\\u0000x\"}}",
		     400, "<minimalTimeBetweenNotifications>: it contains a NUL byte");
	expect_error("container", M2MD_REPR_CREATE, "text/plain",
		     "hello", 415, "'text/plain'");
	expect_error("container", M2MD_REPR_CREATE, NULL,
		     "<x/>", 415, "unsupported media type");

	/* searchStrings: at most 64, each at most 256 bytes. */
	big = malloc(65 * 64 + 256);
	strcpy(big, "{\"container\":{\"searchStrings\":{\"searchString\":[");
	for (i = 0; i < 65; i++)
		sprintf(big + strlen(big), "%s\"s%zu\"", i ? "," : "", i);
	strcat(big, "]}}}");
	expect_error("container", M2MD_REPR_CREATE, JSON, big, 400,
		     "too many searchStrings in <container>: 65, at most 64");
	strcpy(big, "{\"container\":{\"searchStrings\":{\"searchString\":[\"");
	len = strlen(big);
	memset(big + len, 'x', 257);
	strcpy(big + len + 257, "\"]}}}");
	expect_error("container", M2MD_REPR_CREATE, JSON, big, 400,
		     "is longer than 256 bytes");
	free(big);
}

/* Truncated, hostile and oversized bodies. */
static void test_parse_fuzz(void)
{
	char *deep;
	size_t i;

	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxByteSize>5</m2m:max",
		     400, "invalid XML");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"maxByteSize\":5", 400, "invalid JSON");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{}} trailing", 400, "invalid JSON");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<?xml version=\"1.0\"?>\n"
		     "<!DOCTYPE m2m:container [\n"
		     " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		     " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		     " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		     " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		     "]>\n"
		     "<m2m:container " XML_NS "><m2m:searchStrings><m2m:searchString>&d;</m2m:searchString></m2m:searchStrings></m2m:container>",
		     400, "document type declaration");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<!DOCTYPE m2m:container SYSTEM \"http://127.0.0.1:21001/x.dtd\">"
		     "<m2m:container " XML_NS "/>",
		     400, "document type declaration");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxByteSize>99999999999999999999</m2m:maxByteSize></m2m:container>",
		     400, "'99999999999999999999' of <maxByteSize>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"maxByteSize\":99999999999999999999}}",
		     400, "<maxByteSize>");
	expect_error("container", M2MD_REPR_CREATE, JSON,
		     "{\"container\":{\"maxByteSize\":-99999999999999999999}}",
		     400, "<maxByteSize>");
	expect_error("container", M2MD_REPR_CREATE, XML,
		     "<m2m:container " XML_NS "><m2m:maxByteSize>9223372036854775808</m2m:maxByteSize></m2m:container>",
		     400, "'9223372036854775808' of <maxByteSize>");

	/* 40 nested elements inside announceTo: deeper than 32. */
	deep = malloc(4096);
	strcpy(deep, "<m2m:application " XML_NS " appId=\"a\"><m2m:announceTo>");
	for (i = 0; i < 40; i++)
		strcat(deep, "<m2m:sclList>");
	for (i = 0; i < 40; i++)
		strcat(deep, "</m2m:sclList>");
	strcat(deep, "</m2m:announceTo></m2m:application>");
	expect_error("application", M2MD_REPR_CREATE, XML, deep, 400,
		     "nested deeper than 32 levels");
	strcpy(deep, "{\"application\":");
	for (i = 0; i < 40; i++)
		strcat(deep, "{\"announceTo\":");
	strcat(deep, "1");
	for (i = 0; i < 41; i++)
		strcat(deep, "}");
	expect_error("application", M2MD_REPR_CREATE, JSON, deep, 400,
		     "invalid JSON");
	free(deep);
}

static unsigned int parse(const char *type_name, enum m2md_repr_op op,
			  const char *ctype, const char *body,
			  struct m2md_parsed *p)
{
	char detail[512] = "";
	unsigned int status;

	status = m2md_repr_parse(m2md_rtype_find(type_name), op, ctype, body,
				 strlen(body), p, detail, sizeof(detail));
	if (status)
		printf("parse %s: %u %s\n", body, status, detail);
	return status;
}

static void test_parse_ids(void)
{
	struct m2md_parsed p;

	CHECK(parse("application", M2MD_REPR_CREATE, XML,
		    "<m2m:application " XML_NS " appId=\"app1\"/>", &p) == 0,
	      "application with appId parses");
	CHECK(!strcmp(p.id, "app1"), "appId is the id");
	m2md_parsed_free(&p);
	CHECK(parse("scl", M2MD_REPR_CREATE, XML,
		    "<m2m:scl " XML_NS " sclId=\"gw1\"><m2m:link>http://gw1/</m2m:link></m2m:scl>",
		    &p) == 0, "scl with sclId parses");
	CHECK(!strcmp(p.id, "gw1"), "sclId is the id");
	CHECK(!strcmp(json_object_get_string(json_object_object_get(p.attrs,
			"link")), "http://gw1/"), "scl link is stored");
	m2md_parsed_free(&p);
	CHECK(parse("container", M2MD_REPR_CREATE, "text/xml; charset=utf-8",
		    "<m2m:container " XML_NS " m2m:id=\"c1\"/>", &p) == 0,
	      "container with m2m:id parses");
	CHECK(!strcmp(p.id, "c1"), "m2m:id is the id");
	m2md_parsed_free(&p);
	CHECK(parse("container", M2MD_REPR_CREATE, XML,
		    "<m2m:container " XML_NS " id=\"c2\"/>", &p) == 0,
	      "container with unqualified id parses");
	CHECK(!strcmp(p.id, "c2"), "unqualified id is the id");
	m2md_parsed_free(&p);
	CHECK(parse("container", M2MD_REPR_CREATE, XML,
		    "<container xmlns=\"http://uri.etsi.org/m2m\"><maxNrOfInstances> 7 </maxNrOfInstances><searchStrings><searchString>a</searchString></searchStrings></container>",
		    &p) == 0, "container in the default namespace parses");
	CHECK(p.id[0] == '\0', "no id given: empty");
	CHECK(json_object_get_int64(json_object_object_get(p.attrs,
			"maxNrOfInstances")) == 7, "maxNrOfInstances is 7");
	CHECK(p.nsearch == 1, "one searchString");
	CHECK(p.nsearch == 1 && !strcmp(p.search[0], "a"),
	      "searchString is a");
	CHECK(p.nsearch == 1 && !p.search[1], "searchStrings end with NULL");
	m2md_parsed_free(&p);
	CHECK(parse("group", M2MD_REPR_CREATE, XML,
		    "<m2m:group " XML_NS "><m2m:members><reference>/a</reference><m2m:reference>/b</m2m:reference></m2m:members></m2m:group>",
		    &p) == 0, "local reference items in either form parse");
	CHECK(json_object_array_length(json_object_object_get(p.attrs,
			"members")) == 2, "both members are kept");
	m2md_parsed_free(&p);
	expect_error("group", M2MD_REPR_CREATE, XML,
		     "<m2m:group " XML_NS " xmlns:o=\"urn:o\"><m2m:members><o:reference>/a</o:reference></m2m:members></m2m:group>",
		     400, "<reference> in <members> is not in namespace");
	CHECK(parse("container", M2MD_REPR_CREATE, NULL, "", &p) == 0,
	      "an empty body is an empty container");
	CHECK(json_object_object_length(p.attrs) == 0, "with no attributes");
	m2md_parsed_free(&p);
	CHECK(parse("subscription", M2MD_REPR_UPDATE, JSON,
		    "{\"subscription\":{\"expirationTime\":\"2030-01-01T01:00:00+01:00\",\"minimalTimeBetweenNotifications\":100}}",
		    &p) == 0, "subscription update parses");
	CHECK(p.expires == 1893456000, "time zone offset applied: %lld",
	      (long long)p.expires);
	m2md_parsed_free(&p);
	CHECK(parse("contentInstance", M2MD_REPR_CREATE, XML,
		    "<m2m:contentInstance " XML_NS " xmlns:xmime=\"http://www.w3.org/2005/05/xmlmime\"><m2m:contentTypes><m2m:contentType>text/plain</m2m:contentType></m2m:contentTypes><m2m:content xmime:contentType=\"text/plain\">aGk=\n</m2m:content></m2m:contentInstance>",
		    &p) == 0, "ETSI contentInstance parses");
	CHECK(p.content_len == 2, "content is 2 bytes");
	CHECK(p.has_content && !memcmp(p.content, "hi", 2),
	      "content is decoded");
	m2md_parsed_free(&p);
	expect_error("contentInstance", M2MD_REPR_CREATE, XML,
		     "<m2m:contentInstance " XML_NS "><m2m:content>a$b=</m2m:content></m2m:contentInstance>",
		     400, "of <content>: expected base64");
}

/* Other documents -------------------------------------------------------- */

static void check_doc(xmlDocPtr doc, const char *schema_name,
		      const char *what)
{
	CHECK(doc != NULL, "%s renders", what);
	if (!doc)
		return;
	if (validate_as(doc, schema_name, false)) {
		CHECK(0, "%s is valid against %s.xsd", what, schema_name);
		print_doc(doc);
	} else {
		CHECK(1, "valid");
	}
}

/* The JSON form of doc, parsed; NULL on failure. */
static struct json_object *doc_json(xmlDocPtr doc)
{
	char *text = NULL;
	size_t len;
	struct json_object *obj;

	if (!doc || m2md_repr_doc_json(doc, &text, &len))
		return NULL;
	obj = json_tokener_parse(text);
	free(text);
	return obj;
}

static void test_documents(void)
{
	const char *uris[] = { "/gscl/applications/a", "/gscl/containers/c" };
	struct json_object *obj, *v;
	xmlDocPtr doc;

	doc = m2md_repr_discovery(uris, 2, 5, true);
	check_doc(doc, "discovery", "<discovery>");
	obj = doc_json(doc);
	CHECK(obj && json_object_is_type(json_object_object_get(
		json_object_object_get(obj, "discovery"), "matchSize"),
		json_type_int), "matchSize is a JSON number");
	v = obj ? json_object_object_get(json_object_object_get(obj,
		"discovery"), "truncated") : NULL;
	CHECK(json_object_is_type(v, json_type_boolean) &&
	      json_object_get_boolean(v), "truncated is JSON true");
	v = obj ? json_object_object_get(json_object_object_get(
		json_object_object_get(obj, "discovery"), "discoveryURI"),
		"reference") : NULL;
	CHECK(json_object_is_type(v, json_type_array) &&
	      json_object_array_length(v) == 2, "discoveryURI is an array");
	json_object_put(obj);
	xmlFreeDoc(doc);

	doc = m2md_repr_discovery(NULL, 0, 0, false);
	check_doc(doc, "discovery", "empty <discovery>");
	xmlFreeDoc(doc);

	doc = m2md_repr_error("STATUS_NOT_FOUND", "no resource at /gscl/x");
	check_doc(doc, "errorInfo", "<errorInfo>");
	obj = doc_json(doc);
	v = obj ? json_object_object_get(json_object_object_get(obj,
		"errorInfo"), "additionalInfo") : NULL;
	CHECK(v && !strcmp(json_object_get_string(v),
			   "no resource at /gscl/x"),
	      "errorInfo JSON carries additionalInfo");
	json_object_put(obj);
	xmlFreeDoc(doc);

	doc = m2md_repr_notify("STATUS_OK", "<x/>", 4, "application/xml",
			       "/gscl/applications/a/subscriptions/s1");
	check_doc(doc, "notify", "<notify>");
	obj = doc_json(doc);
	v = obj ? json_object_object_get(json_object_object_get(obj,
		"notify"), "representation") : NULL;
	CHECK(v && !strcmp(json_object_get_string(v), "PHgvPg=="),
	      "notify representation is a base64 string");
	json_object_put(obj);
	xmlFreeDoc(doc);
	doc = m2md_repr_notify("STATUS_DELETED", NULL, 0, NULL, "/s");
	check_doc(doc, "notify", "<notify> without representation");
	xmlFreeDoc(doc);
}

/* More distinct child names than the converter tracks at once. */
static void test_json_many_names(void)
{
	struct json_object *obj, *form, *v;
	xmlNodePtr root;
	xmlDocPtr doc;
	char name[16];
	int i;

	doc = m2md_xml_new("errorInfo", &root);
	for (i = 0; i < 70; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		m2md_xml_add(root, name, "x");
	}
	m2md_xml_add(root, "e69", "y");
	obj = doc_json(doc);
	form = obj ? json_object_object_get(obj, "errorInfo") : NULL;
	CHECK(json_object_object_length(form) == 70, "70 members, not %d",
	      form ? json_object_object_length(form) : -1);
	v = json_object_object_get(form, "e69");
	CHECK(json_object_is_type(v, json_type_array),
	      "a repeated 70th name is an array");
	CHECK(json_object_array_length(v) == 2, "of both elements");
	json_object_put(obj);
	xmlFreeDoc(doc);
}

/* Lists keep their array form with one item; contentInstance content too. */
static void test_json_form(void)
{
	const struct m2md_rtype *type = m2md_rtype_find("contentInstances");
	struct m2md_resource res, kid;
	struct m2md_render r = { .res = &res, .type = type, .children = &kid,
				 .nchildren = 1, .latest = &kid,
				 .oldest = &kid, .count = 1, .bytes = 2 };
	struct json_object *obj, *form, *ci, *v;
	xmlDocPtr doc;
	char *text = NULL;
	size_t len;

	fill_res(&res, "/gscl/applications/a/containers/c",
		 "contentInstances", "contentInstances");
	fill_res(&kid, res.path, "contentInstance", "ci1");
	kid.data = (unsigned char *)"hi";
	kid.len = 2;
	doc = m2md_repr_xml(&r);
	check_doc(doc, "contentInstances", "<contentInstances> with one");
	xmlFreeDoc(doc);
	CHECK(m2md_repr_json(&r, &text, &len) == 0, "JSON renders");
	obj = text ? json_tokener_parse(text) : NULL;
	form = obj ? json_object_object_get(obj, "contentInstances") : NULL;
	CHECK(form != NULL, "root key is contentInstances: %s", text);
	v = json_object_object_get(form, "currentNrOfInstances");
	CHECK(json_object_is_type(v, json_type_int) &&
	      json_object_get_int64(v) == 1, "currentNrOfInstances is 1");
	ci = json_object_object_get(json_object_object_get(form,
		"contentInstanceCollection"), "contentInstance");
	CHECK(json_object_is_type(ci, json_type_array) &&
	      json_object_array_length(ci) == 1,
	      "one contentInstance is an array of one");
	ci = json_object_array_get_idx(ci, 0);
	v = json_object_object_get(ci, "content");
	CHECK(json_object_is_type(v, json_type_string) &&
	      !strcmp(json_object_get_string(v), "aGk="),
	      "content is a base64 string");
	v = json_object_object_get(json_object_object_get(ci, "contentTypes"),
				   "contentType");
	CHECK(json_object_is_type(v, json_type_array),
	      "contentType of one is an array");
	v = json_object_object_get(ci, "contentSize");
	CHECK(json_object_is_type(v, json_type_int), "contentSize is a number");
	v = json_object_object_get(json_object_object_get(form, "latest"),
				   "id");
	CHECK(v && !strcmp(json_object_get_string(v), "ci1"),
	      "latest names its id");
	json_object_put(obj);
	free(text);

	/* metaDataOnly leaves the content out. */
	r.metadata_only = true;
	doc = m2md_repr_xml(&r);
	check_doc(doc, "contentInstances", "metadata only");
	m2md_xml_dump(doc, &text, &len);
	CHECK(!strstr(text, "content>"), "no <content> with metadata only: %s",
	      text);
	CHECK(strstr(text, "contentSize") != NULL,
	      "contentSize with metadata only");
	free(text);
	xmlFreeDoc(doc);
}

static void test_create_bodies(void)
{
	static const char *const types[] = {
		"scl", "application", "container", "locationContainer",
		"group", "accessRight", "subscription", "notificationChannel",
		"applicationAnnc", "containerAnnc", "locationContainerAnnc",
		"groupAnnc", "accessRightAnnc",
	};
	struct json_object *extra, *arr;
	struct m2md_parsed p;
	char *text = NULL, detail[512];
	unsigned int status;
	xmlDocPtr doc;
	size_t i, len;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct m2md_rtype *type = m2md_rtype_find(types[i]);

		extra = sample_attrs(type, true);
		if (m2md_rtype_attr(type, "expirationTime"))
			json_object_object_add(extra, "expirationTime",
					json_object_new_int64(T_SAMPLE));
		if (m2md_rtype_attr(type, "accessRightID"))
			json_object_object_add(extra, "accessRightID",
				json_object_new_string("/nscl/accessRights/a"));
		CHECK(m2md_repr_create_body(types[i], "x1", extra, &text,
					    &len) == 0,
		      "<%s> create body is written", types[i]);
		doc = text ? xmlReadMemory(text, (int)len, "b.xml", NULL,
					   XML_PARSE_NONET) : NULL;
		check_doc(doc, types[i], types[i]);
		xmlFreeDoc(doc);
		status = text ? m2md_repr_parse(type, M2MD_REPR_CREATE, XML,
						text, len, &p, detail,
						sizeof(detail)) : 1;
		CHECK(status == 0, "<%s> create body parses: %s\n%s",
		      types[i], detail, text);
		if (!status) {
			CHECK(!strcmp(p.id, "x1"), "<%s> id is x1", types[i]);
			if (m2md_rtype_attr(type, "expirationTime"))
				CHECK(p.expires == T_SAMPLE,
				      "<%s> expirationTime is kept",
				      types[i]);
			json_object_object_del(extra, "expirationTime");
			json_object_object_del(extra, "accessRightID");
			CHECK(json_object_equal(extra, p.attrs),
			      "<%s> create body keeps every attribute",
			      types[i]);
			m2md_parsed_free(&p);
		}
		free(text);
		text = NULL;
		json_object_put(extra);
	}
	CHECK(m2md_repr_create_body("scl", "gw1", NULL, &text, &len) == 0,
	      "smallest scl body");
	CHECK(text && strstr(text, "sclId=\"gw1\""), "names sclId: %s", text);
	free(text);
	CHECK(m2md_repr_create_body("containerAnnc", "c", NULL, &text,
				    &len) == -EINVAL,
	      "an announcement without link is refused");
	extra = json_object_new_object();
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("s"));
	json_object_object_add(extra, "searchStrings", arr);
	json_object_object_add(extra, "creationTime",
			       json_object_new_int64(1));
	CHECK(m2md_repr_create_body("container", "c", extra, &text,
				    &len) == -EINVAL,
	      "a read-only attribute in extra is refused");
	json_object_put(extra);
	CHECK(m2md_repr_create_body("container", "a/b", NULL, &text,
				    &len) == -EINVAL, "a bad id is refused");
	CHECK(m2md_repr_create_body("nothing", "a", NULL, &text,
				    &len) == -EINVAL, "an unknown type is refused");
}

static void test_stored_attrs(void)
{
	struct m2md_resource res;
	struct json_object *obj;

	fill_res(&res, "/gscl/containers", "container", "c");
	CHECK(m2md_repr_attrs(&res) == NULL, "no data: no attributes");
	res.data = (unsigned char *)"{\"maxNrOfInstances\":3}";
	res.len = strlen((char *)res.data);
	obj = m2md_repr_attrs(&res);
	CHECK(obj && json_object_get_int64(json_object_object_get(obj,
		"maxNrOfInstances")) == 3, "stored attributes are read");
	json_object_put(obj);
	res.data = (unsigned char *)"[1]";
	res.len = 3;
	CHECK(m2md_repr_attrs(&res) == NULL, "not an object: no attributes");
	fill_res(&res, "/gscl/c/contentInstances", "contentInstance", "i");
	res.data = (unsigned char *)"{}";
	res.len = 2;
	CHECK(m2md_repr_attrs(&res) == NULL,
	      "a contentInstance's data is content");
}

/* Markup characters and UTF-8 in values are escaped like libxml2 does. */
static void test_escaping(void)
{
	const struct m2md_rtype *type = m2md_rtype_find("containerAnnc");
	static const char odd[] = "a&b<c>\"d'\te\nf\rg \xc3\xbc";
	struct m2md_render r = { .type = type };
	struct m2md_resource res;
	struct json_object *arr;
	struct m2md_parsed p;
	char *text = NULL, detail[256];
	unsigned int status;
	size_t len;
	xmlDocPtr doc;

	fill_res(&res, "/nscl/scls/gw/containers", "containerAnnc", "c1");
	snprintf(res.acl, sizeof(res.acl), "/a&b<\"c\">");
	r.res = &res;
	r.attrs = json_object_new_object();
	json_object_object_add(r.attrs, "link", json_object_new_string(odd));
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string(odd));
	json_object_object_add(r.attrs, "searchStrings", arr);
	doc = m2md_repr_xml(&r);
	check_doc(doc, "containerAnnc", "<containerAnnc> with markup");
	if (doc)
		check_text(&r, doc, "<containerAnnc> with markup");
	xmlFreeDoc(doc);
	CHECK(m2md_repr_xml_text(&r, &text, &len) == 0, "text renders");
	status = text ? m2md_repr_parse(type, M2MD_REPR_CREATE, XML, text,
					len, &p, detail, sizeof(detail)) : 1;
	CHECK(status == 0, "markup text parses back: %s", detail);
	if (!status) {
		CHECK(!strcmp(json_object_get_string(json_object_object_get(
			p.attrs, "link")), odd), "link comes back unchanged");
		CHECK(p.nsearch == 1, "one searchString comes back");
		CHECK(p.nsearch == 1 && !strcmp(p.search[0], odd),
		      "searchString comes back unchanged");
		CHECK(!strcmp(p.acl, res.acl), "accessRightID comes back");
		m2md_parsed_free(&p);
	}
	free(text);
	json_object_put(r.attrs);
}

/* Rendering latest must stay in microseconds: no validation, no parsing. */
static void test_render_speed(void)
{
	const struct m2md_rtype *type = m2md_rtype_find("contentInstance");
	struct m2md_resource res;
	struct m2md_render r = { .res = &res, .type = type };
	struct timespec t0, t1;
	char *text;
	size_t len;
	double us;
	int i, n = 20000;

	fill_res(&res, "/gscl/applications/a/containers/c/contentInstances",
		 "contentInstance", "ci1");
	res.data = (unsigned char *)"21.5";
	res.len = 4;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		m2md_repr_xml_text(&r, &text, &len);
		free(text);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	     1e3 / n;
	printf("contentInstance rendered as text in %.2f us\n", us);
	/* Loose bound: ASan builds are several times slower than -O2. */
	CHECK(us < 200, "render of latest takes %.2f us", us);
}

int main(void)
{
	LIBXML_TEST_VERSION;
	test_every_type();
	test_parse_errors();
	test_parse_fuzz();
	test_parse_ids();
	test_documents();
	test_json_form();
	test_json_many_names();
	test_create_bodies();
	test_stored_attrs();
	test_escaping();
	test_render_speed();
	xmlCleanupParser();
	return m2md_test_done("m2md_repr_test");
}
