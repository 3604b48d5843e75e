// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the replies m2md keeps for plain GETs of contentInstances
 * (tree_cache.c) and of the per-request read transaction of the store:
 * a kept reply is served again only while nothing was committed and
 * nothing it was read from has expired, and only to the same principal
 * in the same format; a read transaction sees its own thread's writes.
 */
#include <errno.h>
#include <time.h>

#include "log.h"
#include "m2md_test.h"
#include "tree.h"
#include "xml.h"

#define ROOT		"/gscl"
#define CONTS		ROOT "/applications/app1/containers"
#define NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""

static struct m2md_tree tree;
static struct m2md_store *store;

static const struct m2md_principal admin = { M2MD_PRINCIPAL_ADMIN, "" };
static const struct m2md_principal anon = { M2MD_PRINCIPAL_ANON, "" };

struct resp {
	unsigned int status;
	char body[8192];
	char ctype[128];
};

static unsigned int call(const char *method, const char *path,
			 const char *ctype, const char *accept,
			 const char *body, const struct m2md_principal *who,
			 struct resp *r)
{
	struct m2md_request req = {
		.method = m2md_method_parse(method),
		.path = path,
		.target = path,
		.content_type = ctype,
		.accept = accept,
		.body = (const unsigned char *)body,
		.body_len = body ? strlen(body) : 0,
		.binding = M2MD_BINDING_HTTP,
	};
	struct m2md_reply reply = { .status = 500 };
	size_t n;

	m2md_tree_dispatch(&tree, &req, who, &reply);
	r->status = reply.status;
	n = reply.len < sizeof(r->body) - 1 ? reply.len : sizeof(r->body) - 1;
	if (reply.body)
		memcpy(r->body, reply.body, n);
	r->body[n] = '\0';
	snprintf(r->ctype, sizeof(r->ctype), "%s", reply.content_type);
	free(reply.body);
	return r->status;
}

static unsigned int get(const char *path, const struct m2md_principal *who,
			struct resp *r)
{
	return call("GET", path, NULL, NULL, NULL, who, r);
}

static unsigned int post(const char *path, const char *ctype,
			 const char *body, struct resp *r)
{
	return call("POST", path, ctype, NULL, body, &admin, r);
}

/* A new reading is seen at once; the same reading twice is the same. */
static void test_commit(void)
{
	struct resp r, again;

	post(CONTS "/c/contentInstances", "text/plain", "one", &r);
	CHECK(r.status == 201, "first reading created (%u)", r.status);
	get(CONTS "/c/contentInstances/latest/content", &admin, &r);
	CHECK(r.status == 200, "latest of the first reading (%u)", r.status);
	CHECK(!strcmp(r.body, "one"), "latest is the first reading ('%s')",
	      r.body);
	get(CONTS "/c/contentInstances/latest/content", &admin, &again);
	CHECK(again.status == 200, "second GET: status 200 (%u)",
	      again.status);
	CHECK(!strcmp(again.body, "one"), "second GET: the same body ('%s')",
	      again.body);
	CHECK(!strcmp(again.ctype, r.ctype),
	      "second GET: the same content type ('%s')", again.ctype);
	post(CONTS "/c/contentInstances", "text/plain", "two", &r);
	CHECK(r.status == 201, "second reading created (%u)", r.status);
	get(CONTS "/c/contentInstances/latest/content", &admin, &r);
	CHECK(r.status == 200, "latest after the second commit (%u)",
	      r.status);
	CHECK(!strcmp(r.body, "two"),
	      "latest is the second reading after its commit ('%s')",
	      r.body);
	get(CONTS "/c/contentInstances/oldest/content", &admin, &r);
	CHECK(!strcmp(r.body, "one"), "oldest is still the first ('%s')",
	      r.body);
}

/* XML and JSON, admin and anonymous are kept apart. */
static void test_keys(void)
{
	struct resp r;

	get(CONTS "/c/contentInstances/latest", &admin, &r);
	CHECK(r.status == 200, "latest as XML: status 200 (%u)", r.status);
	CHECK(strstr(r.body, "<") != NULL, "latest as XML: an XML body");
	call("GET", CONTS "/c/contentInstances/latest", NULL,
	     "application/json", NULL, &admin, &r);
	CHECK(r.status == 200, "then as JSON: status 200 (%u)", r.status);
	CHECK(r.body[0] == '{', "then as JSON, not the kept XML ('%.20s')",
	      r.body);
	get(CONTS "/c/contentInstances/latest", &anon, &r);
	CHECK(r.status == 403, "anonymous gets 403, not the admin's reply (%u)",
	      r.status);
}

/* An expiring ancestor hides a kept reply without any commit. */
static void test_expiry(void)
{
	char body[512], when[M2MD_XML_TIME_LEN];
	time_t expires;
	struct resp r;

	/* 5 s, so that a busy host makes the requests below in time. */
	expires = time(NULL) + 5;
	m2md_xml_format_time(expires, when);
	snprintf(body, sizeof(body), "<m2m:container " NS " m2m:id=\"brief\">"
		 "<m2m:expirationTime>%s</m2m:expirationTime></m2m:container>",
		 when);
	post(CONTS, "application/xml", body, &r);
	CHECK(r.status == 201, "container expiring in 5 s (%u)", r.status);
	post(CONTS "/brief/contentInstances", "text/plain", "x", &r);
	CHECK(r.status == 201, "reading under it (%u)", r.status);
	get(CONTS "/brief/contentInstances/latest/content", &admin, &r);
	CHECK(r.status == 200, "latest before the expiry (%u)", r.status);
	get(CONTS "/brief/contentInstances/latest/content", &admin, &r);
	CHECK(r.status == 200, "latest again before the expiry (%u)",
	      r.status);
	/* Wait for the clock to pass the expiry, not for a guess. */
	while (time(NULL) <= expires + 1)
		usleep(100 * 1000);
	get(CONTS "/brief/contentInstances/latest/content", &admin, &r);
	CHECK(r.status == 404, "latest after the expiry is 404 (%u)",
	      r.status);
}

/* A read transaction sees the writes of its own thread. */
static void test_read_own_write(void)
{
	struct m2md_resource res;
	uint64_t gen;
	struct resp r;
	int ret;

	m2md_store_read_begin(store);
	memset(&res, 0, sizeof(res));
	ret = m2md_store_res_get(store, CONTS "/fresh", &res);
	CHECK(ret == -ENOENT, "no container yet in the snapshot (%d)", ret);
	m2md_resource_free(&res);
	gen = m2md_store_generation(store);
	post(CONTS, "application/xml",
	     "<m2m:container " NS " m2m:id=\"fresh\"/>", &r);
	CHECK(r.status == 201, "container created inside the read (%u)",
	      r.status);
	CHECK(m2md_store_generation(store) != gen,
	      "the commit changed the generation");
	memset(&res, 0, sizeof(res));
	ret = m2md_store_res_get(store, CONTS "/fresh", &res);
	CHECK(ret == 0, "the read after the write sees it (%d)", ret);
	m2md_resource_free(&res);
	m2md_store_read_end(store);
}

int main(void)
{
	char dir[64], err[256];
	struct resp r;

	m2m_log_init("m2md_tree_cache_test", false, LOG_WARNING);
	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, ROOT, NULL, NULL)) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	post(ROOT "/applications", "application/xml",
	     "<m2m:application " NS " appId=\"app1\"/>", &r);
	CHECK(r.status == 201, "application created (%u)", r.status);
	post(CONTS, "application/xml", "<m2m:container " NS " m2m:id=\"c\"/>",
	     &r);
	CHECK(r.status == 201, "container created (%u)", r.status);
	test_commit();
	test_keys();
	test_read_own_write();
	test_expiry();
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_tree_cache_test");
}
