// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the ETSI XML representations: every document m2md writes
 * is validated against the ETSI schema of its root element (xsd/).
 */
#include <errno.h>
#include <stdbool.h>

#include <json-c/json.h>
#include <libxml/xmlschemas.h>

#include "m2md_test.h"
#include "store.h"
#include "tree.h"
#include "xml.h"
#include "xsd_check.h"

static char dir[64];

/* Validate doc against xsd/<root element>.xsd, quietly when it should fail. */
static int validate_doc(xmlDocPtr doc, bool quiet)
{
	return xsd_check(doc, "xsd",
			 (const char *)xmlDocGetRootElement(doc)->name, quiet);
}

static int validate(xmlDocPtr doc)
{
	return validate_doc(doc, false);
}

static void check_path(struct m2md_tree *tree, const char *path,
		       const char *root)
{
	xmlDocPtr doc = m2md_tree_render(tree, path);
	char *text = NULL;
	size_t len = 0;

	CHECK(doc != NULL, "%s renders", path);
	if (!doc)
		return;
	CHECK(!strcmp((const char *)xmlDocGetRootElement(doc)->name, root),
	      "%s is a <%s>", path, root);
	CHECK(validate(doc) == 0, "%s is valid against %s.xsd", path, root);
	/* The serialized text must validate too, after a parse. */
	m2md_xml_dump(doc, &text, &len);
	xmlFreeDoc(doc);
	doc = xmlReadMemory(text, (int)len, "out.xml", NULL, XML_PARSE_NONET);
	CHECK(doc != NULL, "%s text parses", path);
	if (doc)
		CHECK(validate(doc) == 0, "%s text is valid: %s", path, text);
	xmlFreeDoc(doc);
	free(text);
}

static void test_tree_documents(void)
{
	static const char *const subs[] = { "scls", "applications", NULL };
	struct m2md_store *st = NULL;
	struct m2md_tree tree;
	char err[256];
	const char *base = "/nscl/scls/gscl-1/applications/app1/containers/temp";

	CHECK(m2md_store_open(dir, &st, err, sizeof(err)) == 0, "store");
	CHECK(m2md_tree_init(&tree, st, "/nscl", subs, NULL) == 0, "tree");
	CHECK(m2md_tree_create(&tree, "/nscl/scls", "scl", "gscl-1",
			       "{\"searchStrings\":[\"gw\"]}", 25, NULL,
			       NULL) == 0, "scl created");
	CHECK(m2md_tree_create(&tree, "/nscl/scls/gscl-1/applications",
			       "application", "app1", NULL, 0, NULL,
			       NULL) == 0, "application created");
	CHECK(m2md_tree_create(&tree,
			       "/nscl/scls/gscl-1/applications/app1/containers",
			       "container", "temp", NULL, 0, NULL, NULL) == 0,
	      "container created");
	CHECK(m2md_tree_create(&tree, "/nscl/scls/gscl-1/applications/app1/containers/temp/contentInstances",
			       "contentInstance", "ci1", "21.5", 4,
			       "text/plain", NULL) == 0, "reading created");
	CHECK(m2md_tree_create(&tree, "/nscl/scls/gscl-1/applications/app1/containers/temp/contentInstances",
			       "contentInstance", "ci2", "\x00\xff", 2,
			       "application/octet-stream", NULL) == 0,
	      "binary reading created");

	check_path(&tree, "/nscl", "sclBase");
	check_path(&tree, "/nscl/scls", "scls");
	check_path(&tree, "/nscl/scls/gscl-1", "scl");
	check_path(&tree, "/nscl/applications", "applications");
	check_path(&tree, "/nscl/scls/gscl-1/applications", "applications");
	check_path(&tree, "/nscl/scls/gscl-1/applications/app1", "application");
	check_path(&tree, "/nscl/scls/gscl-1/applications/app1/containers",
		   "containers");
	check_path(&tree, base, "container");
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/contentInstances", base);
		check_path(&tree, p, "contentInstances");
		snprintf(p, sizeof(p), "%s/contentInstances/ci1", base);
		check_path(&tree, p, "contentInstance");
		snprintf(p, sizeof(p), "%s/contentInstances/latest", base);
		check_path(&tree, p, "contentInstance");
		snprintf(p, sizeof(p), "%s/contentInstances/oldest", base);
		check_path(&tree, p, "contentInstance");
	}
	CHECK(m2md_tree_render(&tree, "/nscl/nothing") == NULL,
	      "unknown path renders nothing");
	m2md_store_close(st);
}

static void test_create_bodies(void)
{
	static const char *const types[] = { "scl", "application",
					     "container" };
	xmlDocPtr doc;
	char *text;
	size_t len, i;

	for (i = 0; i < 3; i++) {
		text = NULL;
		CHECK(m2md_tree_create_body(types[i], "name-1", &text,
					    &len) == 0, "%s body", types[i]);
		doc = text ? xmlReadMemory(text, (int)len, "b.xml", NULL,
					   XML_PARSE_NONET) : NULL;
		CHECK(doc != NULL, "%s body parses", types[i]);
		if (doc)
			CHECK(validate(doc) == 0, "%s body is valid: %s",
			      types[i], text);
		xmlFreeDoc(doc);
		free(text);
	}
	CHECK(m2md_tree_create_body("scl", "a/b", &text, &len) == -EINVAL,
	      "invalid name is rejected");
	CHECK(m2md_tree_create_body("scls", "x", &text, &len) == -EINVAL,
	      "a collection has no create body");
}

/* The validator itself rejects an out-of-order document. */
static void test_validator_rejects(void)
{
	static const char bad[] =
		"<m2m:scl xmlns:m2m=\"http://uri.etsi.org/m2m\" sclId=\"g\">"
		"<m2m:creationTime>2026-01-01T00:00:00Z</m2m:creationTime>"
		"<m2m:onlineStatus>ONLINE</m2m:onlineStatus></m2m:scl>";
	xmlDocPtr doc = xmlReadMemory(bad, sizeof(bad) - 1, "bad.xml", NULL,
				      XML_PARSE_NONET);

	CHECK(doc != NULL, "out-of-order <scl> parses");
	if (doc)
		CHECK(validate_doc(doc, true) > 0,
		      "out-of-order <scl> is invalid");
	xmlFreeDoc(doc);
}

static void test_json(void)
{
	static const char xml[] =
		"<m2m:container xmlns:m2m=\"http://uri.etsi.org/m2m\" m2m:id=\"c\">"
		"<m2m:searchStrings><m2m:searchString>a</m2m:searchString>"
		"<m2m:searchString>b</m2m:searchString></m2m:searchStrings>"
		"<m2m:creationTime>2026-01-01T00:00:00Z</m2m:creationTime>"
		"</m2m:container>";
	struct json_object *obj, *c, *v;
	xmlDocPtr doc;
	char *text;
	size_t len;

	doc = xmlReadMemory(xml, sizeof(xml) - 1, "j.xml", NULL, 0);
	CHECK(m2md_xml_to_json(doc, &text, &len) == 0, "JSON written");
	obj = json_tokener_parse(text);
	CHECK(obj != NULL, "JSON parses: %s", text);
	if (!obj)
		return;
	CHECK(json_object_object_get_ex(obj, "container", &c),
	      "root key is the element name: %s", text);
	CHECK(json_object_object_get_ex(c, "id", &v) &&
	      !strcmp(json_object_get_string(v), "c"), "attribute is a member");
	CHECK(json_object_object_get_ex(c, "creationTime", &v) &&
	      !strcmp(json_object_get_string(v), "2026-01-01T00:00:00Z"),
	      "text element is a string");
	CHECK(json_object_object_get_ex(c, "searchStrings", &v) &&
	      json_object_object_get_ex(v, "searchString", &v) &&
	      json_object_is_type(v, json_type_array) &&
	      json_object_array_length(v) == 2, "repeated element is an array");
	json_object_put(obj);
	free(text);
	xmlFreeDoc(doc);
}

static void test_parse(void)
{
	static const char good[] =
		"<scl xmlns=\"http://uri.etsi.org/m2m\" sclId=\"g1\"/>";
	static const char other_ns[] =
		"<scl xmlns=\"urn:other\" sclId=\"g1\"/>";
	static const char dtd[] =
		"<?xml version=\"1.0\"?><!DOCTYPE scl [<!ENTITY x SYSTEM "
		"\"file:///etc/passwd\">]><scl xmlns=\"http://uri.etsi.org/m2m\" "
		"sclId=\"&x;\"/>";
	char err[256];
	xmlDocPtr doc;
	char *id;

	doc = m2md_xml_parse(good, sizeof(good) - 1, "scl", err, sizeof(err));
	CHECK(doc != NULL, "default namespace body parses: %s", err);
	id = doc ? m2md_xml_get_attr(xmlDocGetRootElement(doc), "sclId") : NULL;
	CHECK(id != NULL, "sclId present");
	CHECK(id && !strcmp(id, "g1"), "sclId is g1: %s", id);
	xmlFree(id);
	xmlFreeDoc(doc);
	CHECK(m2md_xml_parse(good, sizeof(good) - 1, "application", err,
			     sizeof(err)) == NULL, "wrong root is rejected");
	CHECK(strstr(err, "<application>") != NULL, "reason: %s", err);
	CHECK(m2md_xml_parse(other_ns, sizeof(other_ns) - 1, "scl", err,
			     sizeof(err)) == NULL, "wrong namespace is rejected");
	CHECK(m2md_xml_parse("<scl", 4, "scl", err, sizeof(err)) == NULL,
	      "truncated XML is rejected");
	CHECK(strstr(err, "invalid XML") != NULL, "reason: %s", err);
	CHECK(m2md_xml_parse(dtd, sizeof(dtd) - 1, "scl", err,
			     sizeof(err)) == NULL, "DTD is rejected");
	CHECK(m2md_xml_media_type("application/xml; charset=utf-8"),
	      "application/xml is XML");
	CHECK(m2md_xml_media_type("application/vnd.etsi+xml"), "+xml is XML");
	CHECK(!m2md_xml_media_type("application/json"), "JSON is not XML");
}

int main(void)
{
	m2md_test_tmpdir(dir, sizeof(dir));
	test_tree_documents();
	test_create_bodies();
	test_validator_rejects();
	test_json();
	test_parse();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_xml_test");
}
