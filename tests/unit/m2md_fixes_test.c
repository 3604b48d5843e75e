// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of resource tree rules at their edges: who may set an
 * accessRightID on update and on create, a create whose collection is
 * deleted while it runs, and query parameters given twice. Requests go to
 * m2md_tree_dispatch() with a principal, on a real state database.
 */
#include <errno.h>
#include <time.h>

#include "log.h"
#include "m2md_test.h"
#include "tree.h"

#define ROOT		"/gscl"
#define APPS		ROOT "/applications"
#define XML		"application/xml"
#define NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""

static struct m2md_tree tree;

static const struct m2md_principal admin = { M2MD_PRINCIPAL_ADMIN, "" };
static const struct m2md_principal app2 = { M2MD_PRINCIPAL_APP, "app2" };
static const struct m2md_principal app3 = { M2MD_PRINCIPAL_APP, "app3" };

struct resp {
	unsigned int status;
	char body[16384];
};

/* Send method on target (path, then ?query with no escapes) as who. */
static unsigned int call(const struct m2md_principal *who, const char *method,
			 const char *target, const char *body, struct resp *r)
{
	static char path[1024], query[1024];
	struct m2md_arg args[M2MD_ARGS_MAX];
	struct m2md_request req = {
		.method = m2md_method_parse(method),
		.path = path,
		.content_type = body ? XML : NULL,
		.body = (const unsigned char *)body,
		.body_len = body ? strlen(body) : 0,
		.binding = M2MD_BINDING_HTTP,
		.target = target,
		.args = args,
	};
	struct m2md_reply reply = { .status = 500 };
	const char *q = strchr(target, '?');
	char *p, *amp, *eq;

	snprintf(path, sizeof(path), "%.*s",
		 (int)(q ? (size_t)(q - target) : strlen(target)), target);
	snprintf(query, sizeof(query), "%s", q ? q + 1 : "");
	for (p = q ? query : NULL; p && *p && req.nargs < M2MD_ARGS_MAX;
	     p = amp) {
		amp = strchr(p, '&');
		if (amp)
			*amp++ = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		args[req.nargs].name = p;
		args[req.nargs++].value = eq ? eq : "";
	}
	m2md_tree_dispatch(&tree, &req, who, &reply);
	r->status = reply.status;
	snprintf(r->body, sizeof(r->body), "%.*s", (int)reply.len,
		 reply.body ? (const char *)reply.body : "");
	free(reply.body);
	return r->status;
}

static void expect(const struct resp *r, unsigned int status,
		   const char *what)
{
	CHECK(r->status == status, "%s: %u (want %u) %.300s", what,
	      r->status, status, r->body);
}

static void expect_has(const struct resp *r, const char *text,
		       const char *what)
{
	CHECK(strstr(r->body, text) != NULL, "%s: '%s' in %.300s", what,
	      text, r->body);
}

static void test_repeated_params(void)
{
	static const char *const twice[] = {
		ROOT "/discovery?maxSize=1&maxSize=5000",
		ROOT "/discovery?searchPrefix=/a&searchPrefix=/b",
		ROOT "/containers/q/contentInstances?createdAfter=1&createdAfter=2",
		ROOT "/containers/q/contentInstances?sizeFrom=1&contentType=a&sizeFrom=2",
		ROOT "/containers/q?ifNoneMatch=x&ifNoneMatch=y",
	};
	struct resp r;
	size_t i;

	call(&admin, "POST", ROOT "/containers",
	     "<m2m:container " NS " m2m:id=\"q\"/>", &r);
	expect(&r, 201, "container to query");
	for (i = 0; i < sizeof(twice) / sizeof(twice[0]); i++) {
		call(&admin, "GET", twice[i], NULL, &r);
		expect(&r, 400, twice[i]);
		expect_has(&r, "more than once", "400 says why");
	}
	call(&admin, "GET", ROOT "/discovery?maxSize=1&maxSize=5000", NULL,
	     &r);
	expect_has(&r, "maxSize", "400 names the parameter");
	call(&admin, "GET", ROOT "/discovery?searchString=a&searchString=b",
	     NULL, &r);
	expect(&r, 200, "searchString may repeat");
}

int main(void)
{
	struct m2md_store *store;
	char dir[64], err[256] = "";

	m2m_log_init("m2md_fixes_test", false, LOG_WARNING);
	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, ROOT, NULL, NULL)) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	test_repeated_params();
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_fixes_test");
}
