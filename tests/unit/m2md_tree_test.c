// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's resource tree on a real state database: every
 * method on every resource type, the status codes, conditional requests,
 * query parameters, limits, expiry, discovery and access rights. Requests
 * go straight to m2md_tree_handle() or, for access rights,
 * m2md_tree_dispatch() with a principal. Each XML reply is validated
 * against the ETSI schema of its root element (tests/xsd), and every
 * rejected request is checked to leave the database as it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "log.h"
#include "m2md_test.h"
#include "tree.h"
#include "xml.h"

#define XSD_DIR		"../xsd"
#define ROOT		"/gscl"
#define APPS		ROOT "/applications"
#define APP		APPS "/app1"
#define CONTS		APP "/containers"
#define CONT		CONTS "/temp"
#define CIS		CONT "/contentInstances"
#define XML		"application/xml"
#define JSON		"application/json"
#define NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""

static struct m2md_tree tree;

struct resp {
	unsigned int status;
	char ctype[128];
	char body[65536];
	size_t len;
	char location[M2MD_LOCATION_MAX];
	char allow[64];
	char etag[64];
	int64_t last_modified;
};

struct call {
	const char *method;
	const char *target;	/* path and query */
	const char *ctype;
	const char *accept;
	const void *body;
	size_t len;
	const char *if_none_match;
	const char *if_modified_since;
};

/* Split target into path and arguments (no percent-decoding needed). */
static size_t split_target(const char *target, char *path, size_t plen,
			   char *query, size_t qlen, struct m2md_arg *args,
			   size_t max)
{
	const char *q = strchr(target, '?');
	size_t n = 0;
	char *p, *amp, *eq;

	snprintf(path, plen, "%.*s", (int)(q ? (size_t)(q - target) :
		 strlen(target)), target);
	query[0] = '\0';
	if (!q)
		return 0;
	snprintf(query, qlen, "%s", q + 1);
	for (p = query; p && *p; p = amp) {
		amp = strchr(p, '&');
		if (amp)
			*amp++ = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		if (n < max) {
			args[n].name = p;
			args[n].value = eq ? eq : "";
		}
		n++;
	}
	return n;
}

static void copy_reply(struct m2md_reply *reply, struct resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = reply->status;
	snprintf(r->ctype, sizeof(r->ctype), "%s", reply->content_type);
	r->len = reply->len < sizeof(r->body) - 1 ? reply->len :
		 sizeof(r->body) - 1;
	if (reply->body)
		memcpy(r->body, reply->body, r->len);
	r->body[r->len] = '\0';
	snprintf(r->location, sizeof(r->location), "%s", reply->location);
	snprintf(r->allow, sizeof(r->allow), "%s", reply->allow);
	snprintf(r->etag, sizeof(r->etag), "%s", reply->etag);
	r->last_modified = reply->last_modified;
	free(reply->body);
}

/* Send c as who (NULL: through m2md_tree_handle as admin). */
static unsigned int run_as(const struct call *c,
			   const struct m2md_principal *who, struct resp *r)
{
	static char path[4096], query[8192];
	static struct m2md_arg args[64];
	struct m2md_request req = {
		.method = m2md_method_parse(c->method),
		.path = path,
		.content_type = c->ctype,
		.accept = c->accept,
		.body = c->body,
		.body_len = c->body ? (c->len ? c->len : strlen(c->body)) : 0,
		.binding = M2MD_BINDING_HTTP,
		.target = c->target,
		.args = args,
		.if_none_match = c->if_none_match,
		.if_modified_since = c->if_modified_since,
	};
	struct m2md_reply reply = { .status = 500 };

	req.nargs = split_target(c->target, path, sizeof(path), query,
				 sizeof(query), args, 64);
	if (who)
		m2md_tree_dispatch(&tree, &req, who, &reply);
	else
		m2md_tree_handle(&tree, &req, &reply);
	copy_reply(&reply, r);
	return r->status;
}

static unsigned int run(const struct call *c, struct resp *r)
{
	return run_as(c, NULL, r);
}

static unsigned int get(const char *target, struct resp *r)
{
	struct call c = {
		.method = "GET",
		.target = target,
	};

	return run(&c, r);
}

static unsigned int post(const char *target, const char *ctype,
			 const char *body, struct resp *r)
{
	struct call c = {
		.method = "POST",
		.target = target,
		.ctype = ctype,
		.accept = NULL,
		.body = body,
	};

	return run(&c, r);
}

static unsigned int put(const char *target, const char *body, struct resp *r)
{
	struct call c = {
		.method = "PUT",
		.target = target,
		.ctype = XML,
		.accept = NULL,
		.body = body,
	};

	return run(&c, r);
}

static unsigned int del(const char *target, struct resp *r)
{
	struct call c = {
		.method = "DELETE",
		.target = target,
	};

	return run(&c, r);
}

/* The local name of the root element of an XML body, or "". */
static void root_name(const char *body, size_t len, char *out, size_t olen)
{
	xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL,
				      XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	snprintf(out, olen, "%s", root ? (const char *)root->name : "");
	xmlFreeDoc(doc);
}

/* Validate an XML body against XSD_DIR/<root>.xsd. Returns 0 if valid. */
static int validate(const char *body, size_t len, char *err, size_t elen)
{
	char root[64], xsd[256];
	xmlSchemaParserCtxtPtr pctx;
	xmlSchemaValidCtxtPtr vctx;
	xmlSchemaPtr schema;
	xmlDocPtr doc;
	int ret = -1;

	root_name(body, len, root, sizeof(root));
	snprintf(err, elen, "no root element");
	if (!root[0])
		return -1;
	snprintf(xsd, sizeof(xsd), XSD_DIR "/%s.xsd", root);
	pctx = xmlSchemaNewParserCtxt(xsd);
	schema = pctx ? xmlSchemaParse(pctx) : NULL;
	vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
	doc = xmlReadMemory(body, (int)len, NULL, NULL, XML_PARSE_NONET);
	snprintf(err, elen, "cannot load %s", xsd);
	if (vctx && doc) {
		ret = xmlSchemaValidateDoc(vctx, doc);
		snprintf(err, elen, "<%s> does not validate against %s", root,
			 xsd);
	}
	xmlFreeDoc(doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	return ret;
}

static int validated;

/* Check an XML reply body against its schema. */
static void check_valid(const struct resp *r, const char *what)
{
	char err[512];

	if (strcmp(r->ctype, XML) || !r->len)
		return;
	validated++;
	CHECK(validate(r->body, r->len, err, sizeof(err)) == 0,
	      "%s: %s: %s", what, err, r->body);
}

/* Expect status, and an errorInfo with that statusCode on an error. */
static void expect(const struct resp *r, unsigned int status,
		   const char *what)
{
	CHECK(r->status == status, "%s: status %u, expected %u: %s", what,
	      r->status, status, r->body);
	check_valid(r, what);
	if (status >= 400 && r->status == status)
		CHECK(strstr(r->body, "errorInfo") != NULL,
		      "%s: errorInfo body: %s", what, r->body);
}

/* Expect an error whose additionalInfo contains text. */
static void expect_error(const struct resp *r, unsigned int status,
			 const char *text, const char *what)
{
	expect(r, status, what);
	CHECK(strstr(r->body, text) != NULL, "%s: '%s' in %s", what, text,
	      r->body);
}

static void expect_has(const struct resp *r, const char *text,
		       const char *what)
{
	CHECK(strstr(r->body, text) != NULL, "%s: '%s' in %s", what, text,
	      r->body);
}

static void expect_lacks(const struct resp *r, const char *text,
			 const char *what)
{
	CHECK(strstr(r->body, text) == NULL, "%s: no '%s' in %s", what, text,
	      r->body);
}

/* A dump of the whole tree: path, type, version, times and data. */
struct dump {
	char *text;
	size_t len, cap;
	char **pending;
	size_t npending;
};

static void dump_add(struct dump *d, const char *s, size_t len)
{
	while (d->len + len + 1 > d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		d->text = realloc(d->text, d->cap);
	}
	memcpy(d->text + d->len, s, len);
	d->len += len;
	d->text[d->len] = '\0';
}

static int dump_row(const struct m2md_resource *res, void *ctx)
{
	struct dump *d = ctx;
	char line[4096];
	int n;

	n = snprintf(line, sizeof(line),
		     "%s %s v%" PRId64 " m%" PRId64 " e%" PRId64 " acl=%s ct=%s len=%zu ",
		     res->path, res->type, res->version, res->modified,
		     res->expires, res->acl, res->content_type, res->len);
	dump_add(d, line, (size_t)n);
	if (res->data)
		dump_add(d, (const char *)res->data, res->len);
	dump_add(d, "\n", 1);
	d->pending = realloc(d->pending, (d->npending + 1) * sizeof(char *));
	d->pending[d->npending++] = strdup(res->path);
	return 0;
}

/* The tree below and with root, as text; free() it. */
static char *dump_tree(void)
{
	struct dump d = { 0 };
	struct m2md_resource root;
	char *path;

	if (m2md_store_res_get(tree.store, ROOT, &root))
		return strdup("");
	dump_row(&root, &d);
	m2md_resource_free(&root);
	while (d.npending) {
		path = d.pending[--d.npending];
		m2md_store_res_children(tree.store, path, true, dump_row, &d);
		free(path);
	}
	free(d.pending);
	return d.text;
}

/* Run c, expect status, and check that the tree did not change. */
static void expect_unchanged(const struct call *c,
			     const struct m2md_principal *who,
			     unsigned int status, const char *what)
{
	char *before = dump_tree(), *after;
	struct resp r;

	run_as(c, who, &r);
	expect(&r, status, what);
	after = dump_tree();
	CHECK(!strcmp(before, after), "%s: the tree changed", what);
	free(before);
	free(after);
}

/* The sclBase and its collections, in XML and in JSON. */
static void test_root(void)
{
	static const char *const subs[] = {
		"scls", "applications", "containers", "groups",
		"accessRights", "subscriptions", "notificationChannels",
	};
	struct call c = {
		.method = "GET",
		.target = ROOT,
		.ctype = NULL,
		.accept = JSON,
	};
	char path[128];
	struct json_object *obj;
	struct resp r;
	size_t i;

	get(ROOT, &r);
	expect(&r, 200, "GET sclBase");
	expect_has(&r, "<m2m:sclBase", "sclBase root");
	expect_has(&r, "<m2m:discoveryReference>" ROOT "/discovery<",
		   "sclBase references discovery");
	CHECK(r.etag[0] == '"', "sclBase ETag '%s'", r.etag);
	CHECK(r.last_modified > 0, "sclBase Last-Modified");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), ROOT "/%s", subs[i]);
		get(path, &r);
		expect(&r, 200, path);
	}
	run(&c, &r);
	expect(&r, 200, "GET sclBase as JSON");
	CHECK(!strcmp(r.ctype, JSON), "JSON content type '%s'", r.ctype);
	obj = json_tokener_parse(r.body);
	CHECK(obj && json_object_object_get_ex(obj, "sclBase", NULL),
	      "JSON has the sclBase key: %s", r.body);
	json_object_put(obj);
	c.method = "HEAD";
	c.accept = NULL;
	run(&c, &r);
	CHECK(r.status == 200, "HEAD sclBase: %u", r.status);
}

static void create_app(const char *id)
{
	char body[256], what[64];
	struct resp r;

	snprintf(body, sizeof(body), "<m2m:application " NS " appId=\"%s\"/>",
		 id);
	post(APPS, XML, body, &r);
	snprintf(what, sizeof(what), "create application %s", id);
	expect(&r, 201, what);
}

/* Create one resource of each type and read it and its collections. */
static void test_types(void)
{
	static const struct {
		const char *coll;
		const char *body;
		const char *path;
		const char *subs[7];
	} cases[] = {
		{ CONTS, "<m2m:container " NS " m2m:id=\"temp\"/>", CONT,
		  { "contentInstances", "subscriptions",
		    "contentInstances/subscriptions" } },
		{ CONTS, "<m2m:locationContainer " NS " m2m:id=\"where\">"
		  "<m2m:locationContainerType>APPLICATION_GENERATED"
		  "</m2m:locationContainerType></m2m:locationContainer>",
		  CONTS "/where", { "contentInstances", "subscriptions" } },
		{ APP "/groups", "<m2m:group " NS " m2m:id=\"g1\"><m2m:members>"
		  "<m2m:reference>" CONT "</m2m:reference></m2m:members>"
		  "</m2m:group>", APP "/groups/g1", { "subscriptions" } },
		{ APP "/accessRights", "<m2m:accessRight " NS " m2m:id=\"ar1\">"
		  "<m2m:selfPermissions><m2m:permission m2m:id=\"p\">"
		  "<m2m:permissionFlags><m2m:flag>READ</m2m:flag>"
		  "</m2m:permissionFlags><m2m:permissionHolders>"
		  "<m2m:applicationIDs><m2m:applicationID>app1"
		  "</m2m:applicationID></m2m:applicationIDs>"
		  "</m2m:permissionHolders></m2m:permission>"
		  "</m2m:selfPermissions></m2m:accessRight>",
		  APP "/accessRights/ar1", { "subscriptions" } },
		{ CONT "/subscriptions", "<m2m:subscription " NS
		  " m2m:id=\"s1\"><m2m:contact>http://127.0.0.1:9/n"
		  "</m2m:contact></m2m:subscription>",
		  CONT "/subscriptions/s1", { NULL } },
		{ APP "/notificationChannels", "<m2m:notificationChannel " NS
		  " m2m:id=\"nc1\"><m2m:channelType>LONG_POLLING"
		  "</m2m:channelType></m2m:notificationChannel>",
		  APP "/notificationChannels/nc1", { NULL } },
		{ ROOT "/scls", "<m2m:scl " NS " sclId=\"nscl\"/>",
		  ROOT "/scls/nscl", { "containers", "groups", "applications",
				       "accessRights", "subscriptions",
				       "notificationChannels" } },
		{ ROOT "/scls/nscl/applications", "<m2m:applicationAnnc " NS
		  " m2m:id=\"a1\"><m2m:link>/nscl/applications/a1</m2m:link>"
		  "</m2m:applicationAnnc>",
		  ROOT "/scls/nscl/applications/a1", { NULL } },
	};
	char path[512];
	struct resp r;
	size_t i, j;

	create_app("app1");
	get(APP, &r);
	expect(&r, 200, "GET application");
	expect_has(&r, "appId=\"app1\"", "application id");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		post(cases[i].coll, XML, cases[i].body, &r);
		expect(&r, 201, cases[i].path);
		CHECK(!strcmp(r.location, cases[i].path), "Location '%s' of %s",
		      r.location, cases[i].path);
		get(cases[i].path, &r);
		expect(&r, 200, cases[i].path);
		for (j = 0; cases[i].subs[j]; j++) {
			snprintf(path, sizeof(path), "%s/%s", cases[i].path,
				 cases[i].subs[j]);
			get(path, &r);
			expect(&r, 200, path);
		}
		get(cases[i].coll, &r);
		expect(&r, 200, cases[i].coll);
		expect_has(&r, cases[i].path, "collection lists the child");
	}
}

/* Ids: from the body, generated, invalid, duplicate, reserved. */
static void test_ids(void)
{
	struct call dup = {
		.method = "POST",
		.target = CONTS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS " m2m:id=\"temp\"/>",
	};
	struct call bad = {
		.method = "POST",
		.target = CONTS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS " m2m:id=\"a b\"/>",
	};
	struct call reserved = {
		.method = "POST",
		.target = CIS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:contentInstance " NS " m2m:id=\"latest\">"
				 "<m2m:content>MQ==</m2m:content>"
				 "</m2m:contentInstance>",
	};
	struct call annc = {
		.method = "POST",
		.target = APPS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:applicationAnnc " NS " m2m:id=\"x\">"
			     "<m2m:link>/x</m2m:link></m2m:applicationAnnc>",
	};
	struct resp r;

	post(CONTS, XML, "<m2m:container " NS "/>", &r);
	expect(&r, 201, "container without id");
	CHECK(!strncmp(r.location, CONTS "/c", strlen(CONTS "/c")),
	      "generated name '%s' has the type's prefix", r.location);
	del(r.location, &r);
	expect(&r, 204, "delete generated container");
	expect_unchanged(&dup, NULL, 409, "duplicate container id");
	expect_unchanged(&bad, NULL, 400, "invalid container id");
	expect_unchanged(&reserved, NULL, 400, "contentInstance named latest");
	expect_unchanged(&annc, NULL, 400,
			 "applicationAnnc outside a remote scl");
}

/* Raw content of any media type and ETSI <contentInstance> documents. */
static void test_content_instances(void)
{
	static const char doc[] =
		"<m2m:contentInstance " NS " m2m:id=\"doc1\">"
		"<m2m:contentTypes><m2m:contentType>text/csv</m2m:contentType>"
		"</m2m:contentTypes><m2m:content>MjIuNQ==</m2m:content>"
		"</m2m:contentInstance>";
	char first[M2MD_LOCATION_MAX], path[M2MD_LOCATION_MAX + 16];
	struct resp r;

	post(CIS, "text/plain", "21.5", &r);
	expect(&r, 201, "raw contentInstance");
	expect_has(&r, "<m2m:contentInstance", "201 body");
	expect_has(&r, "MjEuNQ==", "201 body has the content in base64");
	CHECK(!strncmp(r.location, CIS "/ci", strlen(CIS "/ci")),
	      "contentInstance Location '%s'", r.location);
	snprintf(first, sizeof(first), "%s", r.location);
	post(CIS, XML, doc, &r);
	expect(&r, 201, "ETSI contentInstance document");
	CHECK(!strcmp(r.location, CIS "/doc1"), "document id kept: '%s'",
	      r.location);
	get(CIS "/latest/content", &r);
	CHECK(r.status == 200, "latest/content: %u", r.status);
	CHECK(!strcmp(r.body, "22.5"), "document content decoded: '%s'",
	      r.body);
	CHECK(!strcmp(r.ctype, "text/csv"), "document media type '%s'",
	      r.ctype);
	get(CIS "/oldest/content", &r);
	CHECK(!strcmp(r.body, "21.5"), "oldest content '%s'", r.body);
	CHECK(!strcmp(r.ctype, "text/plain"), "oldest media type '%s'",
	      r.ctype);
	snprintf(path, sizeof(path), "%s/content", first);
	get(path, &r);
	CHECK(r.status == 200 && !strcmp(r.body, "21.5"),
	      "instance content: %u '%s'", r.status, r.body);
	get(first, &r);
	expect(&r, 200, "GET contentInstance");
	get(CIS "/latest", &r);
	expect(&r, 200, "GET latest");
	expect_has(&r, "m2m:id=\"doc1\"", "latest is the document");
	get(CIS "/oldest", &r);
	expect(&r, 200, "GET oldest");
	get(CIS, &r);
	expect(&r, 200, "GET contentInstances");
	expect_has(&r, "<m2m:currentNrOfInstances>2<", "two instances");
	expect_has(&r, "<m2m:currentByteSize>8<", "eight bytes");
	post(CIS, "image/png", "\x89PNG", &r);
	expect(&r, 201, "binary contentInstance");
	get(CIS "/latest/content", &r);
	CHECK(r.len == 4 && !memcmp(r.body, "\x89PNG", 4),
	      "binary content kept");
	post(CIS, NULL, "x", &r);
	expect(&r, 201, "contentInstance without Content-Type");
	get(CIS "/latest/content", &r);
	CHECK(!strcmp(r.ctype, "application/octet-stream"),
	      "default media type '%s'", r.ctype);
	get(CIS "/latest/x", &r);
	expect(&r, 404, "below latest");
	get(CIS "/nothing", &r);
	expect(&r, 404, "unknown contentInstance");
}

/* maxNrOfInstances and maxByteSize are enforced on create. */
static void test_limits(void)
{
	struct call big = {
		.method = "POST",
		.target = CONTS "/small/contentInstances",
		.ctype = "text/plain",
		.accept = NULL,
		.body = "0123456789ABCDEF",
	};
	char body[16];
	struct resp r;
	int i;

	post(CONTS, XML, "<m2m:container " NS " m2m:id=\"small\">"
	     "<m2m:maxNrOfInstances>3</m2m:maxNrOfInstances>"
	     "<m2m:maxByteSize>12</m2m:maxByteSize></m2m:container>", &r);
	expect(&r, 201, "container with limits");
	for (i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "v%d", i);
		post(CONTS "/small/contentInstances", "text/plain", body, &r);
		expect(&r, 201, "instance under limits");
	}
	get(CONTS "/small/contentInstances", &r);
	expect_has(&r, "<m2m:currentNrOfInstances>3<",
		   "maxNrOfInstances keeps 3");
	get(CONTS "/small/contentInstances/oldest/content", &r);
	CHECK(!strcmp(r.body, "v2"), "oldest kept is v2: '%s'", r.body);
	post(CONTS "/small/contentInstances", "text/plain", "12345678", &r);
	expect(&r, 201, "instance of 8 bytes");
	get(CONTS "/small/contentInstances", &r);
	expect_has(&r, "<m2m:currentByteSize>", "byte size listed");
	CHECK(strstr(r.body, "<m2m:currentByteSize>12<") ||
	      strstr(r.body, "<m2m:currentByteSize>10<"),
	      "maxByteSize 12 holds: %s", r.body);
	expect_unchanged(&big, NULL, 413, "instance over maxByteSize");
}

/* expirationTime and maxInstanceAge hide resources at once. */
static void test_expiry(void)
{
	char body[512], when[M2MD_XML_TIME_LEN];
	time_t expires, too_old;
	struct call past = {
		.method = "POST",
		.target = CONTS,
		.ctype = XML,
		.accept = NULL,
		.body = body,
	};
	struct resp r;

	m2md_xml_format_time(time(NULL) - 10, when);
	snprintf(body, sizeof(body), "<m2m:container " NS " m2m:id=\"old\">"
		 "<m2m:expirationTime>%s</m2m:expirationTime></m2m:container>",
		 when);
	expect_unchanged(&past, NULL, 400, "expirationTime in the past");
	/* 5 s, so that a busy host makes the requests below in time. */
	expires = time(NULL) + 5;
	m2md_xml_format_time(expires, when);
	snprintf(body, sizeof(body), "<m2m:container " NS " m2m:id=\"brief\">"
		 "<m2m:expirationTime>%s</m2m:expirationTime></m2m:container>",
		 when);
	post(CONTS, XML, body, &r);
	expect(&r, 201, "container expiring in 5 s");
	expect_has(&r, "<m2m:expirationTime>", "expirationTime shown");
	post(CONTS, XML, "<m2m:container " NS " m2m:id=\"aging\">"
	     "<m2m:maxInstanceAge>5</m2m:maxInstanceAge></m2m:container>",
	     &r);
	expect(&r, 201, "container with maxInstanceAge 5");
	post(CONTS "/aging/contentInstances", "text/plain", "a", &r);
	expect(&r, 201, "aging instance");
	too_old = time(NULL) + 5;
	post(CONTS "/brief/contentInstances", "text/plain", "b", &r);
	expect(&r, 201, "instance of the expiring container");
	get(CONTS "/aging/contentInstances/latest", &r);
	expect(&r, 200, "instance is young");
	/* Wait for the clock, a second past both ends, not for a guess. */
	while (time(NULL) <= (too_old > expires ? too_old : expires) + 1)
		usleep(100 * 1000);
	get(CONTS "/brief", &r);
	expect(&r, 404, "expired container");
	get(CONTS "/brief/contentInstances/latest", &r);
	expect(&r, 404, "below an expired container");
	get(CONTS "/aging/contentInstances/latest", &r);
	expect(&r, 404, "instance older than maxInstanceAge");
	get(CONTS "/aging/contentInstances", &r);
	expect_has(&r, "<m2m:currentNrOfInstances>0<",
		   "old instances are not counted");
	CHECK(m2md_tree_delete(&tree, CONTS "/brief") == 0,
	      "sweeper delete of the expired container");
	CHECK(m2md_tree_delete(&tree, CONTS "/brief") == -ENOENT,
	      "second delete finds nothing");
}

/* PUT merges RW attributes; RO, WO and wrong roots are rejected. */
static void test_update(void)
{
	struct call ro = {
		.method = "PUT",
		.target = CONT,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS "><m2m:creationTime>"
			   "2020-01-01T00:00:00Z</m2m:creationTime>"
			   "</m2m:container>",
	};
	struct call wo = {
		.method = "PUT",
		.target = CONTS "/where",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:locationContainer " NS "><m2m:locationContainerType>"
			   "LOCATION_SERVER_BASED</m2m:locationContainerType>"
			   "</m2m:locationContainer>",
	};
	struct call root = {
		.method = "PUT",
		.target = CONT,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:group " NS "/>",
	};
	struct call ci = {
		.method = "PUT",
		.target = CIS "/doc1",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:contentInstance " NS "/>",
	};
	struct call text = {
		.method = "PUT",
		.target = CONT,
		.ctype = "text/plain",
		.accept = NULL,
		.body = "x",
	};
	struct call json = {
		.method = "PUT",
		.target = CONT,
		.ctype = JSON,
		.accept = JSON,
		.body = "{\"container\":{\"maxByteSize\":4096}}",
	};
	char etag[64];
	struct resp r;

	get(CONT, &r);
	snprintf(etag, sizeof(etag), "%s", r.etag);
	put(CONT, "<m2m:container " NS "><m2m:maxNrOfInstances>7"
	    "</m2m:maxNrOfInstances><m2m:searchStrings><m2m:searchString>"
	    "temperature</m2m:searchString></m2m:searchStrings>"
	    "</m2m:container>", &r);
	expect(&r, 200, "PUT container");
	expect_has(&r, "<m2m:maxNrOfInstances>7<", "maxNrOfInstances set");
	CHECK(strcmp(r.etag, etag), "ETag changed on update: %s", r.etag);
	run(&json, &r);
	CHECK(r.status == 200, "PUT as JSON: %u %s", r.status, r.body);
	CHECK(!strcmp(r.ctype, JSON), "PUT JSON reply type '%s'", r.ctype);
	get(CONT, &r);
	expect_has(&r, "<m2m:maxByteSize>4096<", "maxByteSize set by JSON");
	expect_has(&r, "<m2m:maxNrOfInstances>7<", "other attributes kept");
	expect_unchanged(&ro, NULL, 400, "PUT of RO creationTime");
	expect_unchanged(&wo, NULL, 400, "PUT of WO locationContainerType");
	expect_unchanged(&root, NULL, 400, "PUT with another root");
	expect_unchanged(&ci, NULL, 405, "PUT of a contentInstance");
	run(&ci, &r);
	CHECK(!strcmp(r.allow, "GET, DELETE"), "contentInstance Allow '%s'",
	      r.allow);
	expect_unchanged(&text, NULL, 415, "PUT of text/plain");
	put(ROOT, "<m2m:sclBase " NS "><m2m:searchStrings><m2m:searchString>"
	    "gateway</m2m:searchString></m2m:searchStrings></m2m:sclBase>",
	    &r);
	expect(&r, 200, "PUT sclBase searchStrings");
}

/* DELETE removes subtrees; the sclBase and collections stay. */
static void test_delete(void)
{
	struct call base = {
		.method = "DELETE",
		.target = ROOT,
	};
	struct call coll = {
		.method = "DELETE",
		.target = APPS,
	};
	struct call cis = {
		.method = "DELETE",
		.target = CIS,
	};
	struct call disc = {
		.method = "DELETE",
		.target = ROOT "/discovery",
	};
	struct resp r;

	post(CONTS, XML, "<m2m:container " NS " m2m:id=\"gone\"/>", &r);
	post(CONTS "/gone/contentInstances", "text/plain", "1", &r);
	post(CONTS "/gone/contentInstances", "text/plain", "2", &r);
	del(CONTS "/gone/contentInstances/latest", &r);
	expect(&r, 204, "DELETE latest");
	get(CONTS "/gone/contentInstances/latest/content", &r);
	CHECK(!strcmp(r.body, "1"), "latest is the first again: '%s'",
	      r.body);
	del(CONTS "/gone", &r);
	expect(&r, 204, "DELETE container");
	CHECK(r.len == 0, "204 has no body");
	get(CONTS "/gone", &r);
	expect(&r, 404, "deleted container");
	get(CONTS "/gone/contentInstances", &r);
	expect(&r, 404, "subtree of the deleted container");
	get(CONTS, &r);
	expect_lacks(&r, CONTS "/gone", "collection no longer lists it");
	expect_unchanged(&base, NULL, 405, "DELETE sclBase");
	run(&base, &r);
	CHECK(!strcmp(r.allow, "GET, PUT"), "sclBase Allow '%s'", r.allow);
	expect_unchanged(&coll, NULL, 405, "DELETE applications");
	expect_unchanged(&cis, NULL, 405, "DELETE contentInstances");
	expect_unchanged(&disc, NULL, 405, "DELETE discovery");
	del(CONTS "/gone", &r);
	expect(&r, 404, "DELETE twice");
}

/* ETag / If-None-Match and Last-Modified / If-Modified-Since. */
static void test_conditional(void)
{
	struct call c = {
		.method = "GET",
		.target = CONT,
	};
	char etag[64], date[64], query[256];
	struct resp r;
	time_t t;
	struct tm tm;

	get(CONT, &r);
	snprintf(etag, sizeof(etag), "%s", r.etag);
	CHECK(etag[0] == '"' && strchr(etag + 1, '-'),
	      "ETag is \"seq-version\": %s", etag);
	t = (time_t)r.last_modified;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	c.if_none_match = etag;
	run(&c, &r);
	CHECK(r.status == 304, "If-None-Match current ETag: %u", r.status);
	CHECK(r.len == 0, "304 has no body");
	CHECK(!strcmp(r.etag, etag), "304 carries the ETag");
	c.if_none_match = "\"1-1\", W/\"x\"";
	run(&c, &r);
	expect(&r, 200, "If-None-Match other ETags");
	c.if_none_match = "*";
	run(&c, &r);
	CHECK(r.status == 304, "If-None-Match *: %u", r.status);
	c.if_none_match = NULL;
	c.if_modified_since = date;
	run(&c, &r);
	CHECK(r.status == 304, "If-Modified-Since Last-Modified: %u",
	      r.status);
	c.if_modified_since = "Thu, 01 Jan 2015 00:00:00 GMT";
	run(&c, &r);
	expect(&r, 200, "If-Modified-Since earlier");
	c.if_modified_since = "yesterday";
	run(&c, &r);
	expect(&r, 200, "invalid If-Modified-Since is ignored");
	snprintf(query, sizeof(query), CONT "?ifNoneMatch=%s", etag);
	get(query, &r);
	CHECK(r.status == 304, "ifNoneMatch parameter: %u", r.status);
	snprintf(query, sizeof(query), CONT "?ifModifiedSince=%" PRId64,
		 (int64_t)t);
	get(query, &r);
	CHECK(r.status == 304, "ifModifiedSince in seconds: %u", r.status);
	get(CONT "?ifModifiedSince=2015-01-01T00:00:00Z", &r);
	expect(&r, 200, "ifModifiedSince xsd:dateTime earlier");
	get(CONT "?ifModifiedSince=never", &r);
	expect_error(&r, 400, "ifModifiedSince", "bad ifModifiedSince");
	get(CIS, &r);
	snprintf(etag, sizeof(etag), "%s", r.etag);
	post(CIS, "text/plain", "new", &r);
	get(CIS, &r);
	CHECK(strcmp(r.etag, etag), "collection ETag changes with a child");
	get(CIS "/latest/content?ifNoneMatch=*", &r);
	CHECK(r.status == 304, "content conditional: %u", r.status);
}

/* contentInstance filters and the query parameter checks. */
static void test_queries(void)
{
	static const struct {
		const char *target;
		const char *param;
	} bad[] = {
		{ CIS "?maxSize=0", "maxSize" },
		{ CIS "?maxSize=10001", "maxSize" },
		{ CIS "?maxSize=x", "maxSize" },
		{ CIS "?metaDataOnly=yes", "metaDataOnly" },
		{ CIS "?createdAfter=soon", "createdAfter" },
		{ CIS "?createdBefore=2026-13-01T00:00:00Z", "createdBefore" },
		{ CIS "?sizeFrom=-1", "sizeFrom" },
		{ CIS "?sizeUntil=0", "sizeUntil" },
		{ CIS "?sizeFrom=5&sizeUntil=5", "sizeUntil" },
		{ CIS "?contentType=", "contentType" },
		{ CIS "?colour=red", "colour" },
		{ CONT "?maxSize=1", "maxSize" },
		{ CONT "?searchString=a", "searchString" },
		{ CIS "/latest?createdAfter=1", "createdAfter" },
		{ ROOT "/discovery?metaDataOnly=true", "metaDataOnly" },
		{ ROOT "/discovery?maxSize=0", "maxSize" },
		{ ROOT "/discovery?searchString=", "searchString" },
	};
	char target[2048], long_value[M2MD_TREE_ARG_MAX + 2];
	struct call c = {
		.method = "POST",
		.target = CIS "?maxSize=1",
		.ctype = "text/plain",
		.accept = NULL,
		.body = "q",
	};
	struct resp r;
	size_t i, used;

	post(CONTS, XML, "<m2m:container " NS " m2m:id=\"q\"/>", &r);
	post(CONTS "/q/contentInstances", "text/plain", "aa", &r);
	post(CONTS "/q/contentInstances", "application/json", "{\"v\":1}", &r);
	post(CONTS "/q/contentInstances", "text/plain", "bbbbbbbb", &r);
	get(CONTS "/q/contentInstances?contentType=text/plain", &r);
	expect(&r, 200, "contentType filter");
	expect_has(&r, "YWE=", "filter keeps aa");
	expect_lacks(&r, "eyJ2IjoxfQ==", "filter drops the JSON instance");
	get(CONTS "/q/contentInstances?sizeFrom=3&sizeUntil=8", &r);
	expect(&r, 200, "size filter");
	expect_has(&r, "eyJ2IjoxfQ==", "7-byte instance in [3, 8)");
	expect_lacks(&r, "YWE=", "2-byte instance out");
	expect_lacks(&r, "YmJiYmJiYmI=", "8-byte instance out");
	get(CONTS "/q/contentInstances?maxSize=1", &r);
	expect(&r, 200, "maxSize 1");
	expect_has(&r, "YWE=", "maxSize keeps the oldest");
	expect_lacks(&r, "YmJiYmJiYmI=", "maxSize drops the rest");
	expect_has(&r, "<m2m:currentNrOfInstances>3<", "totals unfiltered");
	get(CONTS "/q/contentInstances?metaDataOnly=true", &r);
	expect(&r, 200, "metaDataOnly");
	expect_lacks(&r, "<m2m:content ", "no content with metaDataOnly");
	expect_has(&r, "<m2m:contentSize>2<", "sizes with metaDataOnly");
	get(CONTS "/q/contentInstances/latest?metaDataOnly=true", &r);
	expect(&r, 200, "latest metaDataOnly");
	expect_lacks(&r, "<m2m:content ", "latest without content");
	get(CONTS "/q/contentInstances?createdBefore=1", &r);
	expect(&r, 200, "createdBefore 1970");
	expect_lacks(&r, "YWE=", "nothing created before 1970");
	get(CONTS "/q/contentInstances?createdAfter=2000-01-01T00:00:00Z", &r);
	expect_has(&r, "YWE=", "everything created after 2000");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get(bad[i].target, &r);
		expect_error(&r, 400, bad[i].param, bad[i].target);
	}
	memset(long_value, 'a', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	snprintf(target, sizeof(target), CIS "?contentType=%s", long_value);
	get(target, &r);
	expect_error(&r, 400, "longer than", "value over 256 bytes");
	used = snprintf(target, sizeof(target), "%s", CIS "?");
	for (i = 0; i <= M2MD_ARGS_MAX; i++)
		used += snprintf(target + used, sizeof(target) - used,
				 "%smaxSize=1", i ? "&" : "");
	get(target, &r);
	expect_error(&r, 400, "query parameters", "33 query parameters");
	expect_unchanged(&c, NULL, 400, "query parameter on POST");
}

static void put_search(const char *path, const char *a, const char *b)
{
	char body[512], what[600];
	struct resp r;

	snprintf(body, sizeof(body), "<m2m:container " NS " m2m:id=\"%s\">"
		 "<m2m:searchStrings><m2m:searchString>%s</m2m:searchString>"
		 "<m2m:searchString>%s</m2m:searchString></m2m:searchStrings>"
		 "</m2m:container>", path, a, b);
	post(CONTS, XML, body, &r);
	snprintf(what, sizeof(what), "container %s with searchStrings", path);
	expect(&r, 201, what);
}

/* discovery with searchString, searchPrefix and maxSize. */
static void test_discovery(void)
{
	struct call json = {
		.method = "GET",
		.target = ROOT "/discovery?searchString=kitchen",
		.ctype = NULL,
		.accept = JSON,
	};
	struct call post_disc = {
		.method = "POST",
		.target = ROOT "/discovery",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:discovery " NS "/>",
	};
	struct resp r;

	put_search("k1", "kitchen", "temperature");
	put_search("k2", "kitchen", "humidity");
	put_search("b1", "bedroom", "temperature");
	get(ROOT "/discovery?searchString=kitchen", &r);
	expect(&r, 200, "discovery kitchen");
	expect_has(&r, CONTS "/k1<", "k1 found");
	expect_has(&r, CONTS "/k2<", "k2 found");
	expect_lacks(&r, CONTS "/b1<", "b1 not found");
	expect_has(&r, "<m2m:matchSize>2<", "matchSize 2");
	get(ROOT "/discovery?searchString=kitchen&searchString=temperature",
	    &r);
	expect(&r, 200, "discovery with two strings");
	expect_has(&r, CONTS "/k1<", "k1 has both");
	expect_lacks(&r, CONTS "/k2<", "k2 lacks one");
	get(ROOT "/discovery?searchPrefix=bed", &r);
	expect(&r, 200, "discovery by prefix");
	expect_has(&r, CONTS "/b1<", "prefix bed finds b1");
	expect_lacks(&r, CONTS "/k1<", "prefix bed skips k1");
	get(ROOT "/discovery?searchString=kitchen&maxSize=1", &r);
	expect(&r, 200, "discovery maxSize 1");
	expect_has(&r, "<m2m:truncated>true<", "truncated");
	expect_has(&r, "<m2m:matchSize>2<", "matchSize counts all");
	get(ROOT "/discovery?searchString=nothing", &r);
	expect(&r, 200, "discovery without matches");
	expect_has(&r, "<m2m:matchSize>0<", "matchSize 0");
	run(&json, &r);
	CHECK(r.status == 200 && !strcmp(r.ctype, JSON),
	      "discovery as JSON: %u %s", r.status, r.ctype);
	expect_has(&r, "\"discovery\"", "JSON discovery key");
	expect_unchanged(&post_disc, NULL, 405, "POST to discovery");
}

/* Malformed and unexpected bodies: 4xx, and the tree stays as it was. */
static void test_malformed(void)
{
	static const struct {
		const char *ctype;
		const char *body;
		unsigned int status;
		const char *what;
	} cases[] = {
		{ XML, "<m2m:container " NS " m2m:id=\"x\">", 400,
		  "unclosed XML" },
		{ XML, "not xml at all", 400, "text as XML" },
		{ XML, "<m2m:container xmlns:m2m=\"urn:other\" m2m:id=\"x\"/>",
		  400, "wrong namespace" },
		{ XML, "<m2m:container " NS " m2m:id=\"x\"><m2m:colour>red"
		  "</m2m:colour></m2m:container>", 400, "unknown element" },
		{ XML, "<m2m:container " NS " m2m:id=\"x\"><m2m:maxByteSize>"
		  "ten</m2m:maxByteSize></m2m:container>", 400,
		  "long that is not a number" },
		{ XML, "<m2m:container " NS " m2m:id=\"x\"><m2m:creationTime>"
		  "2020-01-01T00:00:00Z</m2m:creationTime></m2m:container>",
		  400, "RO attribute on create" },
		{ XML, "<!DOCTYPE a [<!ENTITY e \"x\">]><m2m:container " NS
		  " m2m:id=\"x\"/>", 400, "DOCTYPE" },
		{ JSON, "{\"container\":", 400, "truncated JSON" },
		{ JSON, "{\"container\":{\"id\":\"x\",\"colour\":1}}", 400,
		  "unknown JSON member" },
		{ JSON, "[1,2]", 400, "JSON array" },
		{ "text/plain", "<m2m:container " NS "/>", 415,
		  "text/plain container" },
		{ NULL, "<m2m:container " NS "/>", 415,
		  "container without Content-Type" },
		{ XML, "", 400, "empty body" },
	};
	struct call c = {
		.method = "POST",
		.target = CONTS,
	};
	struct call json_err = {
		.method = "POST",
		.target = CONTS,
		.ctype = JSON,
		.accept = JSON,
		.body = "{",
	};
	struct resp r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.ctype = cases[i].ctype;
		c.body = cases[i].body;
		c.len = strlen(cases[i].body);
		if (!c.len)
			c.body = NULL;
		expect_unchanged(&c, NULL, cases[i].status, cases[i].what);
	}
	run(&json_err, &r);
	CHECK(r.status == 400 && !strcmp(r.ctype, JSON),
	      "JSON errorInfo when asked: %u %s", r.status, r.ctype);
	expect_has(&r, "\"errorInfo\"", "JSON errorInfo key");
	expect_has(&r, "STATUS_BAD_REQUEST", "JSON statusCode");
}

/* Paths: oversized, outside the root, unknown; methods; Accept. */
static void test_paths(void)
{
	char path[M2MD_TREE_PATH_MAX + 64];
	struct call accept = {
		.method = "GET",
		.target = CONT,
		.ctype = NULL,
		.accept = "text/plain",
	};
	struct call post_ci = {
		.method = "POST",
		.target = CIS "/doc1",
		.ctype = "text/plain",
		.accept = NULL,
		.body = "1",
	};
	struct call post_app = {
		.method = "POST",
		.target = APP,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS "/>",
	};
	struct resp r;

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	memcpy(path, ROOT "/", strlen(ROOT "/"));
	get(path, &r);
	expect_error(&r, 414, "longer than", "path over 512 bytes");
	CHECK(strstr(r.body, "STATUS_BAD_REQUEST") != NULL,
	      "414 statusCode is STATUS_BAD_REQUEST");
	get("/nscl/scls", &r);
	expect(&r, 404, "path outside the root");
	get(ROOT "x", &r);
	expect(&r, 404, "root name prefix");
	get(APPS "/nobody", &r);
	expect_error(&r, 404, APPS "/nobody", "unknown application");
	get(APPS "/", &r);
	expect(&r, 200, "trailing slash");
	run(&accept, &r);
	expect_error(&r, 406, "text/plain", "Accept text/plain");
	get(CIS "/latest/content", &r);
	CHECK(r.status == 200, "content ignores the representation Accept");
	expect_unchanged(&post_ci, NULL, 405, "POST to a contentInstance");
	expect_unchanged(&post_app, NULL, 405, "POST to an application");
	run(&post_app, &r);
	CHECK(!strcmp(r.allow, "GET, PUT, DELETE"), "application Allow '%s'",
	      r.allow);
}

/* Attributes the SCL sets, and rules between attributes. */
static void test_scl_attributes(void)
{
	struct call too_many = {
		.method = "POST",
		.target = APP "/groups",
		.ctype = XML,
		.body = "<m2m:group " NS " m2m:id=\"g2\"><m2m:maxNrOfMembers>1"
			"</m2m:maxNrOfMembers><m2m:members><m2m:reference>/a"
			"</m2m:reference><m2m:reference>/b</m2m:reference>"
			"</m2m:members></m2m:group>",
	};
	struct call grow = {
		.method = "PUT",
		.target = APP "/groups/g1",
		.ctype = XML,
		.body = "<m2m:group " NS "><m2m:maxNrOfMembers>0"
			"</m2m:maxNrOfMembers></m2m:group>",
	};
	struct resp r;

	get(ROOT "/scls/nscl", &r);
	expect_has(&r, "<m2m:onlineStatus>ONLINE<",
		   "a registered scl is ONLINE");
	get(APP "/notificationChannels/nc1", &r);
	expect(&r, 200, "GET notificationChannel");
	expect_has(&r, "<m2m:contactURI>" APP "/notificationChannels/nc1<",
		   "channel contactURI is the channel");
	expect_has(&r, "<m2m:longPollingURI>" APP
		   "/notificationChannels/nc1/longPolling<",
		   "channel longPollingURI");
	expect_unchanged(&too_many, NULL, 400, "group over maxNrOfMembers");
	run(&too_many, &r);
	expect_has(&r, "maxNrOfMembers", "reason names maxNrOfMembers");
	expect_unchanged(&grow, NULL, 400, "update below the member count");
	del(ROOT "/discovery", &r);
	expect_has(&r, "DELETE is not allowed", "405 names the method");
	expect_has(&r, "it takes GET", "405 names the allowed methods");
}

/* Group fan-out and long polling need the notification engine. */
static void test_virtual(void)
{
	struct resp r;

	get(APP "/groups/g1/membersContent", &r);
	expect(&r, 501, "membersContent without the engine");
	get(APP "/notificationChannels/nc1/longPolling", &r);
	expect(&r, 501, "longPolling without the engine");
	get(APP "/groups/g1/membersContent/x/y", &r);
	expect(&r, 501, "below membersContent");
	del(APP "/notificationChannels/nc1/longPolling", &r);
	expect(&r, 405, "DELETE longPolling");
}

static const struct m2md_principal admin = { M2MD_PRINCIPAL_ADMIN, "" };
static const struct m2md_principal anon = { M2MD_PRINCIPAL_ANON, "" };
static const struct m2md_principal app2 = { M2MD_PRINCIPAL_APP, "app2" };
static const struct m2md_principal app3 = { M2MD_PRINCIPAL_APP, "app3" };

/* Default rights, accessRight grants, 403 rather than 404. */
static void test_rights(void)
{
	struct call reg2 = {
		.method = "POST",
		.target = APPS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:application " NS " appId=\"app2\"/>",
	};
	struct call reg3 = {
		.method = "POST",
		.target = APPS,
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:application " NS " appId=\"app3\"/>",
	};
	struct call own = {
		.method = "POST",
		.target = APPS "/app2/containers",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS " m2m:id=\"mine\">"
			    "<m2m:searchStrings><m2m:searchString>private"
			    "</m2m:searchString></m2m:searchStrings>"
			    "</m2m:container>",
	};
	struct call read_other = {
		.method = "GET",
		.target = APPS "/app2/containers/mine",
	};
	struct call del_other = {
		.method = "DELETE",
		.target = APPS "/app2/containers/mine",
	};
	struct call put_other = {
		.method = "PUT",
		.target = APPS "/app2/containers/mine",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS "/>",
	};
	struct call write_other = {
		.method = "POST",
		.target = APPS "/app2/containers",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS "/>",
	};
	struct call disc = {
		.method = "GET",
		.target = ROOT "/discovery?searchString=private",
	};
	struct call grant = {
		.method = "POST",
		.target = APPS "/app2/accessRights",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:accessRight " NS " m2m:id=\"share\">"
			      "<m2m:permissions><m2m:permission m2m:id=\"p\">"
			      "<m2m:permissionFlags><m2m:flag>READ</m2m:flag>"
			      "<m2m:flag>DISCOVER</m2m:flag>"
			      "</m2m:permissionFlags><m2m:permissionHolders>"
			      "<m2m:applicationIDs><m2m:applicationID>app3"
			      "</m2m:applicationID></m2m:applicationIDs>"
			      "</m2m:permissionHolders></m2m:permission>"
			      "</m2m:permissions><m2m:selfPermissions>"
			      "<m2m:permission m2m:id=\"s\"><m2m:permissionFlags>"
			      "<m2m:flag>READ</m2m:flag></m2m:permissionFlags>"
			      "<m2m:permissionHolders><m2m:applicationIDs>"
			      "<m2m:applicationID>app2</m2m:applicationID>"
			      "</m2m:applicationIDs></m2m:permissionHolders>"
			      "</m2m:permission></m2m:selfPermissions>"
			      "</m2m:accessRight>",
	};
	struct call link = {
		.method = "PUT",
		.target = APPS "/app2/containers/mine",
		.ctype = XML,
		.accept = NULL,
		.body = "<m2m:container " NS "><m2m:accessRightID>"
			     APPS "/app2/accessRights/share</m2m:accessRightID>"
			     "</m2m:container>",
	};
	struct resp r;

	run_as(&reg2, &app2, &r);
	expect(&r, 201, "app2 registers itself");
	expect_unchanged(&reg3, &app2, 403, "app2 registers app3");
	run_as(&reg3, &app3, &r);
	expect(&r, 201, "app3 registers itself");
	run_as(&own, &app2, &r);
	expect(&r, 201, "app2 creates below its application");
	expect_unchanged(&read_other, &app3, 403, "app3 reads app2's");
	run_as(&read_other, &app3, &r);
	expect_has(&r, "app3", "403 names the principal");
	expect_has(&r, APPS "/app2/containers/mine", "403 names the path");
	expect_unchanged(&read_other, &anon, 403, "anonymous read");
	expect_unchanged(&del_other, &app3, 403, "app3 deletes app2's");
	expect_unchanged(&put_other, &app3, 403, "app3 updates app2's");
	expect_unchanged(&write_other, &app3, 403, "app3 creates in app2's");
	run_as(&disc, &app3, &r);
	expect(&r, 200, "app3 discovers");
	expect_lacks(&r, "/mine<", "app3 may not discover app2's container");
	run_as(&disc, &app2, &r);
	expect_has(&r, "/mine<", "app2 discovers its own container");
	run_as(&grant, &app2, &r);
	expect(&r, 201, "app2 creates an accessRight");
	run_as(&link, &app2, &r);
	expect(&r, 200, "app2 points its container at the accessRight");
	run_as(&read_other, &app3, &r);
	expect(&r, 200, "app3 reads with the grant");
	run_as(&disc, &app3, &r);
	expect_has(&r, "/mine<", "app3 discovers with the grant");
	expect_unchanged(&del_other, &app3, 403, "READ does not grant DELETE");
	run_as(&del_other, &admin, &r);
	expect(&r, 204, "admin deletes anything");
}

int main(void)
{
	struct m2md_store *store;
	char dir[64], err[256];

	m2m_log_init("m2md_tree_test", false, LOG_WARNING);
	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, ROOT, NULL, NULL)) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	test_root();
	test_types();
	test_ids();
	test_content_instances();
	test_limits();
	test_expiry();
	test_update();
	test_delete();
	test_conditional();
	test_queries();
	test_discovery();
	test_malformed();
	test_paths();
	test_scl_attributes();
	test_virtual();
	test_rights();
	CHECK(validated > 50, "%d XML bodies validated", validated);
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_tree_test");
}
