// SPDX-License-Identifier: GPL-2.0
/* Unit test of m2md's request router and header helpers. */
#include "http.h"
#include "m2md_test.h"

static void handler(void *ctx, const struct m2md_request *req,
		    struct m2md_reply *reply)
{
}

static int a, b, c;

static const struct m2md_route routes[] = {
	{ "/m2msec/bootstrap", false, M2MD_POST, 1024, handler, &a },
	{ "/m2msec/connect", false, M2MD_POST, 1024, handler, &b },
	{ "/nscl", true, M2MD_GET | M2MD_POST, 0, handler, &c },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static void expect_route(const char *method, const char *path, void *ctx)
{
	const struct m2md_route *r;
	unsigned int status = 0;
	char allow[64];

	r = m2md_route_find(routes, NROUTES, method, path, &status, allow,
			    sizeof(allow));
	CHECK(r != NULL, "%s %s routed", method, path);
	CHECK(r && r->ctx == ctx, "%s %s routed to its handler", method, path);
}

static void expect_status(const char *method, const char *path,
			  unsigned int expected, const char *allow_expected)
{
	const struct m2md_route *r;
	unsigned int status = 0;
	char allow[64] = "";

	r = m2md_route_find(routes, NROUTES, method, path, &status, allow,
			    sizeof(allow));
	CHECK(r == NULL, "%s %s not routed", method, path);
	CHECK(status == expected, "%s %s: status %u, expected %u", method,
	      path, status, expected);
	if (allow_expected)
		CHECK(!strcmp(allow, allow_expected), "%s %s: Allow '%s'",
		      method, path, allow);
}

static void test_routes(void)
{
	expect_route("POST", "/m2msec/bootstrap", &a);
	expect_route("POST", "/m2msec/connect", &b);
	expect_route("GET", "/nscl", &c);
	expect_route("GET", "/nscl/scls/gscl-1/applications", &c);
	expect_route("POST", "/nscl/scls", &c);
}

static void test_not_found(void)
{
	expect_status("POST", "/m2msec/bootstrap/x", 404, NULL);
	expect_status("POST", "/m2msec", 404, NULL);
	expect_status("POST", "/m2msec/connectx", 404, NULL);
	expect_status("GET", "/nsclx", 404, NULL);
	expect_status("GET", "/", 404, NULL);
	expect_status("GET", "", 404, NULL);
}

static void test_method_not_allowed(void)
{
	expect_status("GET", "/m2msec/bootstrap", 405, "POST");
	expect_status("PUT", "/m2msec/connect", 405, "POST");
	expect_status("DELETE", "/nscl/scls", 405, "GET, POST");
	expect_status("PATCH", "/nscl", 405, "GET, POST");
	expect_status("BREW", "/m2msec/bootstrap", 405, "POST");
}

static void test_methods(void)
{
	char allow[64];

	CHECK(m2md_method_parse("GET") == M2MD_GET, "GET");
	CHECK(m2md_method_parse("DELETE") == M2MD_DELETE, "DELETE");
	CHECK(m2md_method_parse("get") == 0, "methods are case-sensitive");
	m2md_allow_string(M2MD_GET | M2MD_PUT | M2MD_DELETE, allow,
			  sizeof(allow));
	CHECK(!strcmp(allow, "GET, PUT, DELETE"), "allow string '%s'", allow);
}

static void test_media_types(void)
{
	const char *hs = "application/vnd.m2msec.handshake";

	CHECK(m2md_media_type_is(hs, hs), "exact type matches");
	CHECK(m2md_media_type_is("Application/VND.m2msec.Handshake", hs),
	      "type is case-insensitive");
	CHECK(m2md_media_type_is("application/vnd.m2msec.handshake; x=1", hs),
	      "parameters are ignored");
	CHECK(!m2md_media_type_is("application/vnd.m2msec.handshakes", hs),
	      "longer type does not match");
	CHECK(!m2md_media_type_is("application/octet-stream", hs),
	      "other type does not match");
	CHECK(!m2md_media_type_is(NULL, hs), "missing type does not match");
}

static void test_accept(void)
{
	struct m2md_request req = { 0 };

	CHECK(!m2md_request_wants_json(&req), "no Accept gives XML");
	req.accept = "application/json";
	CHECK(m2md_request_wants_json(&req), "JSON when asked for");
	req.accept = "application/xml, application/json;q=0.5";
	CHECK(!m2md_request_wants_json(&req), "XML when both are listed");
	req.accept = "*/*";
	CHECK(!m2md_request_wants_json(&req), "XML for */*");
}

/* Query parameters as the HTTP and CoAP bindings fill them. */
static void test_request_arg(void)
{
	static const struct m2md_arg args[] = {
		{ "maxSize", "5" }, { "flag", "" }, { "maxSize", "7" },
	};
	struct m2md_request req = { .args = args, .nargs = 3 };

	CHECK(!strcmp(m2md_request_arg(&req, "maxSize"), "5"),
	      "first value of a repeated parameter");
	CHECK(!strcmp(m2md_request_arg(&req, "flag"), ""),
	      "parameter without a value is \"\"");
	CHECK(m2md_request_arg(&req, "missing") == NULL,
	      "absent parameter is NULL");
	CHECK(m2md_request_has_arg(&req, "flag"), "has_arg of a flag");
	CHECK(!m2md_request_has_arg(&req, "Flag"), "names are case-sensitive");
	req.nargs = 0;
	CHECK(m2md_request_arg(&req, "maxSize") == NULL, "no parameters");
	req.args = NULL;
	CHECK(!m2md_request_has_arg(&req, "maxSize"), "no argument array");
}

int main(void)
{
	test_routes();
	test_not_found();
	test_method_not_allowed();
	test_methods();
	test_media_types();
	test_accept();
	test_request_arg();
	return m2md_test_done("m2md_router_test");
}
