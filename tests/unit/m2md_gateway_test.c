// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the gateway role's local tree and its forwarding of
 * readings to an NSCL: both servers run on 127.0.0.1, the NSCL with a
 * connection recorded directly in its store.
 */
#include <errno.h>
#include <time.h>

#include "gateway.h"
#include "m2md_test.h"
#include "network.h"

static int no_kernel(void *ctx, const struct m2m_hs *req,
		     struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return -EOPNOTSUPP;
}

static const struct m2md_kops no_ops = {
	no_kernel, no_kernel, no_kernel, no_kernel, NULL
};

static char ndir[64], gdir[64], nbase[64], gbase[64];
static struct m2md_store *nst_for_test;

static void req(const char *method, const char *base, const char *path,
		const char *ctype, const char *body, struct m2md_test_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	m2md_test_request(method, url, ctype, NULL, body,
			  body ? strlen(body) : 0, r);
}

static void record_connection(struct m2md_store *st, const char *scl_id)
{
	struct m2md_node node = { .kmc_index = 1 };
	struct m2md_connection c = { .conn_id = 77, .kmc_index = 1,
				     .key_serial = 1 };

	snprintf(node.scl_id, sizeof(node.scl_id), "%s", scl_id);
	m2md_store_node_put(st, &node);
	snprintf(c.scl_id, sizeof(c.scl_id), "%s", scl_id);
	snprintf(c.key_id, sizeof(c.key_id), "00");
	c.expiry = time(NULL) + 600;
	CHECK(m2md_store_connection_put(st, &c) == 0, "connection recorded");
}

static void test_forward(struct m2md_gateway *gw, struct m2md_store *gst,
			 struct m2md_store *nst)
{
	const char *keys[] = { M2MD_GW_SCL_ID };
	const char *values[] = { "gscl-test" };
	struct m2md_test_resp r;
	char body[256], err[256];

	/* Before bootstrap, readings stay local. */
	req("POST", gbase, "/gscl/applications", "application/xml",
	    "<application xmlns=\"http://uri.etsi.org/m2m\" appId=\"meter\"/>",
	    &r);
	CHECK(r.status == 201, "local application: %ld %s", r.status, r.body);
	CHECK(!strcmp(r.location, "/gscl/applications/meter"), "Location %s",
	      r.location);
	req("POST", gbase, "/gscl/applications/meter/containers",
	    "application/xml",
	    "<container xmlns=\"http://uri.etsi.org/m2m\" xmlns:m2m=\"http://uri.etsi.org/m2m\" m2m:id=\"temp\"/>",
	    &r);
	CHECK(r.status == 201, "local container: %ld %s", r.status, r.body);
	req("POST", gbase, "/gscl/applications/meter/containers/temp/contentInstances",
	    "text/plain", "20.0", &r);
	CHECK(r.status == 201, "local reading without scl id: %ld", r.status);

	/* Registered and connected: the next reading reaches the NSCL. */
	m2md_store_kv_set(gst, keys, values, 1);
	record_connection(nst, "gscl-test");
	snprintf(body, sizeof(body),
		 "<scl xmlns=\"http://uri.etsi.org/m2m\" sclId=\"gscl-test\"/>");
	req("POST", nbase, "/nscl/scls", "application/xml", body, &r);
	CHECK(r.status == 201, "scl registered: %ld %s", r.status, r.body);
	req("POST", gbase, "/gscl/applications/meter/containers/temp/contentInstances",
	    "text/plain", "21.5", &r);
	CHECK(r.status == 201, "reading stored: %ld %s", r.status, r.body);
	req("GET", nbase,
	    "/nscl/scls/gscl-test/applications/meter/containers/temp/contentInstances/latest/content",
	    NULL, NULL, &r);
	CHECK(r.status == 200, "reading read back from the NSCL: %ld",
	      r.status);
	CHECK(!strcmp(r.body, "21.5"), "NSCL content: %s", r.body);
	CHECK(!strcmp(r.content_type, "text/plain"), "content type %s",
	      r.content_type);
	req("GET", nbase, "/nscl/scls/gscl-test/applications/meter", NULL,
	    NULL, &r);
	CHECK(r.status == 200, "application created on the NSCL: %ld",
	      r.status);
	req("GET", gbase,
	    "/gscl/applications/meter/containers/temp/contentInstances", NULL,
	    NULL, &r);
	CHECK(r.status == 200, "local contentInstances: %ld", r.status);
	CHECK(strstr(r.body, "<m2m:currentNrOfInstances>2<") != NULL,
	      "both readings kept locally: %s", r.body);

	/* Direct forward to an scl id without a connection is refused. */
	CHECK(m2md_gateway_forward(gw, "gscl-other", "a", "c", "text/plain",
				   "1", 1, err, sizeof(err)) == 404,
	      "unregistered scl: 404, %s", err);
}

/* Both SCLs are registered: the gateway's on the NSCL, the NSCL's here. */
static void test_registration(struct m2md_gateway *gw,
			      struct m2md_store *gst)
{
	const char *keys[] = { M2MD_GW_SCL_ID, "nscl_id" };
	const char *values[] = { "gscl-reg", "nscl" };
	const char *bad[] = { "n s" };
	struct m2md_test_resp r;
	char pocs[128];

	CHECK(m2md_gateway_add_nscl(gw) == -ENOENT,
	      "no nscl id before a connect");
	record_connection(nst_for_test, "gscl-reg");
	CHECK(m2md_store_kv_set(gst, keys, values, 2) == 0, "ids recorded");
	CHECK(m2md_gateway_register(gw) == 0, "gateway registered");
	req("GET", nbase, "/nscl/scls/gscl-reg", NULL, NULL, &r);
	CHECK(r.status == 200, "gateway's scl on the NSCL: %ld", r.status);
	CHECK(strstr(r.body, "ONLINE") != NULL, "registered ONLINE: %s",
	      r.body);
	CHECK(m2md_gateway_register(gw) == 0, "second registration (409)");
	CHECK(m2md_gateway_add_nscl(gw) == 0, "NSCL's scl recorded");
	req("GET", gbase, "/gscl/scls/nscl", NULL, NULL, &r);
	CHECK(r.status == 200, "NSCL's scl on the gateway: %ld", r.status);
	snprintf(pocs, sizeof(pocs), "<reference>%s/nscl</reference>", nbase);
	CHECK(strstr(r.body, pocs) != NULL, "pocs is the NSCL base: %s",
	      r.body);
	m2md_gateway_set_nscl_base(gw, "http://[fd00::1]:8080");
	CHECK(m2md_gateway_add_nscl(gw) == 0, "NSCL's scl updated");
	req("GET", gbase, "/gscl/scls/nscl", NULL, NULL, &r);
	CHECK(strstr(r.body, "http://[fd00::1]:8080") != NULL,
	      "pocs follows the base in use: %s", r.body);
	m2md_gateway_set_nscl_base(gw, nbase);
	CHECK(m2md_store_kv_set(gst, (const char *[]){ "nscl_id" }, bad, 1) ==
	      0, "invalid nscl id recorded");
	CHECK(m2md_gateway_add_nscl(gw) == -EINVAL,
	      "an nscl id that is no resource name is rejected");
}

static void test_reconnect_delay(void)
{
	static const struct {
		uint32_t lifetime;
		unsigned int expected;
	} cases[] = {
		{ 3600, 2880 },
		{ 10, 8 },
		{ 2, 1 },
		{ 1, 1 },
		{ UINT32_MAX, 3435973836U },
	};
	unsigned int delay;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		delay = m2md_gateway_reconnect_delay(cases[i].lifetime);
		CHECK(delay == cases[i].expected,
		      "Kmc lifetime %u s: reconnect after %u s, expected %u s",
		      cases[i].lifetime, delay, cases[i].expected);
	}
}

int main(void)
{
	struct m2md_config ncfg, gcfg;
	struct m2md_store *nst = NULL, *gst = NULL;
	struct m2md_http *nhttp = NULL, *ghttp = NULL;
	struct m2md_network net;
	struct m2md_gateway gw;
	char err[256], url[96];
	char *argv[] = { "m2md", "--role", "gateway", "--bootstrap-id", "dev",
			 "--nscl", url, NULL };

	curl_global_init(CURL_GLOBAL_DEFAULT);
	m2md_test_tmpdir(ndir, sizeof(ndir));
	m2md_test_tmpdir(gdir, sizeof(gdir));
	m2md_config_defaults(&ncfg);
	ncfg.role = M2MD_ROLE_NETWORK;
	if (m2md_config_finish(&ncfg, err, sizeof(err)) ||
	    m2md_store_open(ndir, &nst, err, sizeof(err)) ||
	    m2md_network_setup(&net, &ncfg, nst, &no_ops) ||
	    m2md_http_start("127.0.0.1", 0, 2, 65536, net.routes,
			    M2MD_NETWORK_ROUTES, &nhttp, err, sizeof(err))) {
		printf("network setup failed: %s\n", err);
		return 2;
	}
	snprintf(nbase, sizeof(nbase), "http://127.0.0.1:%u",
		 m2md_http_port(nhttp));
	snprintf(url, sizeof(url), "%s", nbase);
	if (m2md_config_parse_args(&gcfg, 7, argv, err, sizeof(err)) ||
	    m2md_config_finish(&gcfg, err, sizeof(err)) ||
	    m2md_store_open(gdir, &gst, err, sizeof(err)) ||
	    m2md_gateway_setup(&gw, &gcfg, gst) ||
	    m2md_http_start("127.0.0.1", 0, 2, 65536, gw.routes,
			    M2MD_GATEWAY_ROUTES, &ghttp, err, sizeof(err))) {
		printf("gateway setup failed: %s\n", err);
		return 2;
	}
	snprintf(gbase, sizeof(gbase), "http://127.0.0.1:%u",
		 m2md_http_port(ghttp));
	nst_for_test = nst;
	test_forward(&gw, gst, nst);
	test_registration(&gw, gst);
	test_reconnect_delay();
	m2md_http_stop(ghttp);
	m2md_http_stop(nhttp);
	m2md_network_teardown(&net);
	m2md_store_close(gst);
	m2md_store_close(nst);
	m2md_test_rmdir(ndir);
	m2md_test_rmdir(gdir);
	curl_global_cleanup();
	return m2md_test_done("m2md_gateway_test");
}
