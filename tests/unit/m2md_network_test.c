// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the network role's HTTP handlers through a real
 * libmicrohttpd server on 127.0.0.1, with the kernel's handshake calls
 * replaced by a double.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>

#include <json-c/json.h>

#include "hex.h"
#include "m2md_test.h"
#include "network.h"
#include "proto.h"

#define HS_TYPE	M2M_HS_CONTENT_TYPE

/* Kernel double: records requests, returns canned replies or errors. */
struct fake_kernel {
	int respond_ret;
	int finish_ret;
	int respond_calls;
	int finish_calls;
	struct m2m_hs last_respond;
	uint32_t next_index;
};

static const uint8_t fake_resp[] = { 1, 2, 1, 0, 0, 0, 0, 9, 0xaa, 0xbb };

static int fake_respond(void *ctx, const struct m2m_hs *req,
			struct m2m_hs *reply, struct m2m_nl_err *err)
{
	struct fake_kernel *k = ctx;

	k->respond_calls++;
	k->last_respond = *req;
	if (k->respond_ret) {
		err->error = -k->respond_ret;
		snprintf(err->msg, sizeof(err->msg), "fake extack %d",
			 -k->respond_ret);
		return k->respond_ret;
	}
	reply->index = ++k->next_index;
	reply->suite = req->mode == M2MSEC_MODE_CONNECT ? 1 : 0;
	memcpy(reply->msg, fake_resp, sizeof(fake_resp));
	reply->msg_len = sizeof(fake_resp);
	return 0;
}

static int fake_finish(void *ctx, const struct m2m_hs *req,
		       struct m2m_hs *reply, struct m2m_nl_err *err)
{
	struct fake_kernel *k = ctx;

	k->finish_calls++;
	if (k->finish_ret) {
		snprintf(err->msg, sizeof(err->msg), "fake finish error");
		return k->finish_ret;
	}
	reply->mode = req->mode;
	reply->index = (uint32_t)req->msg[4] << 24 | req->msg[5] << 16 |
		       req->msg[6] << 8 | req->msg[7];
	reply->key_serial = 4242;
	memset(reply->key_id, 0xab, sizeof(reply->key_id));
	return 0;
}

static int fake_unused(void *ctx, const struct m2m_hs *req,
		       struct m2m_hs *reply, struct m2m_nl_err *err)
{
	return -EOPNOTSUPP;
}

static struct fake_kernel fake;
static const struct m2md_kops fake_ops = {
	.hs_init = fake_unused,
	.hs_respond = fake_respond,
	.hs_complete = fake_unused,
	.hs_finish = fake_finish,
	.ctx = &fake,
};

static char dir[64];
static char base[64];
static struct m2md_config cfg;
static struct m2md_store *store;
static struct m2md_network net;
static struct m2md_http *http;

static size_t make_init(uint8_t mode, const void *id, size_t id_len,
			uint8_t *buf)
{
	size_t off = 8;

	memset(buf, 0, 8 + 64 + 2 + id_len);
	buf[0] = 1;
	buf[1] = M2M_MSG_INIT;
	buf[2] = mode;
	buf[3] = mode == M2MSEC_MODE_CONNECT ? M2MSEC_SUITES_ALL : 0;
	buf[7] = 0x2a;
	memset(buf + off, 0x11, 64);
	off += 64;
	buf[off++] = 0;
	buf[off++] = (uint8_t)id_len;
	memcpy(buf + off, id, id_len);
	return off + id_len;
}

static size_t make_finish(uint8_t mode, uint32_t index, uint8_t *buf)
{
	memset(buf, 0x22, 40);
	buf[0] = 1;
	buf[1] = M2M_MSG_FINISH;
	buf[2] = mode;
	buf[3] = 0;
	buf[4] = index >> 24;
	buf[5] = index >> 16;
	buf[6] = index >> 8;
	buf[7] = index;
	return 40;
}

static void post(const char *path, const char *ctype, const void *body,
		 size_t len, struct m2md_test_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	m2md_test_request("POST", url, ctype, NULL, body, len, r);
}

static void get(const char *path, const char *accept,
		struct m2md_test_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	m2md_test_request("GET", url, NULL, accept, NULL, 0, r);
}

/* The problem body's detail member, or "" when there is none. */
static const char *detail_of(const struct m2md_test_resp *r, char *buf,
			     size_t len)
{
	struct json_object *obj = json_tokener_parse(r->body), *d;

	buf[0] = '\0';
	if (obj && json_object_object_get_ex(obj, "detail", &d))
		snprintf(buf, len, "%s", json_object_get_string(d));
	json_object_put(obj);
	return buf;
}

static void expect_problem(const struct m2md_test_resp *r, long status,
			   const char *what)
{
	CHECK(r->status == status, "%s: status %ld, expected %ld (%s)", what,
	      r->status, status, r->body);
	CHECK(!strcmp(r->content_type, "application/problem+json"),
	      "%s: problem content type, got '%s'", what, r->content_type);
}

/* An <errorInfo> of the resource tree with the HTTP status. */
static void expect_error_info(const struct m2md_test_resp *r, long status,
			      const char *what)
{
	CHECK(r->status == status, "%s: status %ld, expected %ld (%s)", what,
	      r->status, status, r->body);
	CHECK(!strcmp(r->content_type, "application/xml"),
	      "%s: XML content type, got '%s'", what, r->content_type);
	CHECK(strstr(r->body, "<m2m:errorInfo") != NULL,
	      "%s: errorInfo body, got '%s'", what, r->body);
}

static void test_transport_errors(void)
{
	uint8_t msg[2048], big[2048];
	struct m2md_test_resp r;
	char d[256];
	size_t len;

	len = make_init(M2MSEC_MODE_BOOTSTRAP, "dev-1", 5, msg);
	post("/m2msec/bootstrap", "text/plain", msg, len, &r);
	expect_problem(&r, 415, "wrong content type");
	post("/m2msec/bootstrap", NULL, msg, len, &r);
	expect_problem(&r, 415, "no content type");

	memset(big, 1, sizeof(big));
	post("/m2msec/bootstrap", HS_TYPE, big, M2MSEC_MSG_MAX + 1, &r);
	expect_problem(&r, 413, "body over M2MSEC_MSG_MAX");

	post("/m2msec/bootstrap", HS_TYPE, "\x01\x01", 2, &r);
	expect_problem(&r, 400, "truncated header");
	CHECK(strstr(detail_of(&r, d, sizeof(d)), "shorter than") != NULL,
	      "detail says what is malformed: %s", d);
	msg[0] = 2;
	post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
	expect_problem(&r, 400, "unknown version");
	msg[0] = 1;

	post("/m2msec/connect", HS_TYPE, msg, len, &r);
	expect_problem(&r, 409, "bootstrap INIT on the connect path");
	CHECK(strstr(detail_of(&r, d, sizeof(d)), "bootstrap message") != NULL,
	      "detail names the mode: %s", d);

	msg[1] = M2M_MSG_RESP;
	post("/m2msec/bootstrap", HS_TYPE, fake_resp, sizeof(fake_resp), &r);
	expect_problem(&r, 400, "RESP sent to a responder");

	get("/m2msec/bootstrap", NULL, &r);
	expect_problem(&r, 405, "GET on a handshake path");
	CHECK(!strcmp(r.allow, "POST"), "Allow is POST: '%s'", r.allow);
	post("/m2msec/unknown", HS_TYPE, msg, len, &r);
	expect_problem(&r, 404, "unknown handshake path");
	get("/", NULL, &r);
	expect_problem(&r, 404, "root path");
	CHECK(fake.respond_calls == 0, "no bad request reached the kernel");
}

static void test_bootstrap(uint8_t node_id[16])
{
	char hex[33], scl_id[64], d[256];
	struct m2md_test_resp r;
	struct m2md_node node;
	uint8_t msg[256];
	size_t len;

	len = make_init(M2MSEC_MODE_BOOTSTRAP, "dev-1", 5, msg);
	post("/m2msec/bootstrap", HS_TYPE "; v=1", msg, len, &r);
	CHECK(r.status == 200, "bootstrap INIT: %ld %s", r.status, r.body);
	CHECK(!strcmp(r.content_type, HS_TYPE), "RESP content type %s",
	      r.content_type);
	CHECK(r.len == sizeof(fake_resp), "RESP length %zu", r.len);
	CHECK(!memcmp(r.body, fake_resp, sizeof(fake_resp)),
	      "body is the kernel's RESP");
	CHECK(fake.last_respond.mode == M2MSEC_MODE_BOOTSTRAP, "mode");
	CHECK(fake.last_respond.msg_len == len &&
	      !memcmp(fake.last_respond.msg, msg, len), "INIT passed through");
	CHECK(fake.last_respond.has_node_id, "node id assigned");
	CHECK(fake.last_respond.key_index == 1, "first kmr_index is 1: %u",
	      fake.last_respond.key_index);
	CHECK(fake.last_respond.has_lifetime &&
	      fake.last_respond.lifetime == 0, "kmr lifetime 0");
	CHECK(!strcmp(fake.last_respond.mas_fqdn, "mas.test"), "mas fqdn %s",
	      fake.last_respond.mas_fqdn);
	memcpy(node_id, fake.last_respond.node_id, 16);
	m2m_hex_encode(node_id, 16, hex);
	snprintf(scl_id, sizeof(scl_id), "gscl-%.8s", hex);
	CHECK(!strcmp(fake.last_respond.scl_id, scl_id), "scl id %s",
	      fake.last_respond.scl_id);

	/* A re-bootstrap keeps the node id and raises kmr_index. */
	post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
	CHECK(r.status == 200, "second bootstrap INIT: %ld", r.status);
	CHECK(!memcmp(fake.last_respond.node_id, node_id, 16),
	      "same bootstrap id keeps its node id");
	CHECK(fake.last_respond.key_index == 2, "kmr_index increases: %u",
	      fake.last_respond.key_index);

	len = make_finish(M2MSEC_MODE_BOOTSTRAP, fake.next_index, msg);
	post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
	CHECK(r.status == 204, "bootstrap FINISH: %ld %s", r.status,
	      detail_of(&r, d, sizeof(d)));
	CHECK(r.len == 0, "204 has no body");
	CHECK(m2md_store_node_get(store, node_id, &node) == 0,
	      "node recorded");
	CHECK(!strcmp(node.key_id, "abababababababababababababababab"),
	      "Kmr key id recorded: %s", node.key_id);
	CHECK(node.key_serial == 4242, "Kmr serial recorded");
	CHECK(!strcmp(node.bootstrap_id, "dev-1"), "bootstrap id recorded");
}

static void test_kernel_errors(void)
{
	static const struct {
		int error;
		long status;
	} cases[] = {
		{ -EBADMSG, 400 },
		{ -EKEYREJECTED, 403 },
		{ -EKEYREVOKED, 403 },
		{ -EKEYEXPIRED, 403 },
		{ -EACCES, 403 },
		{ -ENOKEY, 404 },
		{ -EPROTO, 409 },
		{ -EBUSY, 503 },
		{ -EIO, 500 },
	};
	struct m2md_test_resp r;
	struct m2md_node node;
	uint8_t msg[256];
	char d[256], want[64];
	size_t len, i;

	len = make_init(M2MSEC_MODE_BOOTSTRAP, "dev-unknown", 11, msg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake.respond_ret = cases[i].error;
		post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
		expect_problem(&r, cases[i].status, strerror(-cases[i].error));
		snprintf(want, sizeof(want), "fake extack %d", -cases[i].error);
		CHECK(strstr(detail_of(&r, d, sizeof(d)), want) != NULL,
		      "detail carries the extack: %s", d);
	}
	fake.respond_ret = 0;
	CHECK(m2md_store_node_find_boot(store, "dev-unknown", &node) == -ENOENT,
	      "a rejected INIT leaves no node behind");

	fake.finish_ret = -ENOENT;
	len = make_finish(M2MSEC_MODE_BOOTSTRAP, 0x7777, msg);
	post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
	expect_problem(&r, 404, "FINISH for an unknown index");
	fake.finish_ret = -EKEYREJECTED;
	post("/m2msec/bootstrap", HS_TYPE, msg, len, &r);
	expect_problem(&r, 403, "FINISH with a bad MAC");
	fake.finish_ret = 0;
}

static void test_connect(const uint8_t node_id[16], char *scl_id, size_t len)
{
	struct m2md_test_resp r;
	uint8_t msg[256];
	size_t n;

	n = make_init(M2MSEC_MODE_CONNECT, node_id, 7, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	expect_problem(&r, 400, "connect INIT with a 7-byte id");

	n = make_init(M2MSEC_MODE_CONNECT, node_id, 16, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	CHECK(r.status == 200, "connect INIT: %ld %s", r.status, r.body);
	CHECK(fake.last_respond.mode == M2MSEC_MODE_CONNECT, "mode");
	CHECK(fake.last_respond.has_conn_id, "connection id assigned");
	CHECK(fake.last_respond.conn_id != 0, "connection id is nonzero");
	CHECK(fake.last_respond.key_index == 1, "first kmc_index is 1");
	CHECK(fake.last_respond.lifetime == 3600, "kmc lifetime 3600");
	CHECK(fake.last_respond.has_mid_flags &&
	      fake.last_respond.mid_flags == 1, "mid flags 1");
	CHECK(!strcmp(fake.last_respond.nscl_id, "nscl"), "nscl id");
	snprintf(scl_id, len, "gscl-%02x%02x%02x%02x", node_id[0], node_id[1],
		 node_id[2], node_id[3]);
	CHECK(!m2md_store_connection_current(store, scl_id, time(NULL)),
	      "no connection before FINISH");
	n = make_finish(M2MSEC_MODE_CONNECT, fake.next_index, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	CHECK(r.status == 204, "connect FINISH: %ld", r.status);
	CHECK(m2md_store_connection_current(store, scl_id, time(NULL)),
	      "connection of %s recorded", scl_id);
	/* A second connect raises kmc_index. */
	n = make_init(M2MSEC_MODE_CONNECT, node_id, 16, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	CHECK(fake.last_respond.key_index == 2, "kmc_index increases: %u",
	      fake.last_respond.key_index);
}

static void test_nscl(const char *scl_id)
{
	static const char app[] =
		"<application xmlns=\"http://uri.etsi.org/m2m\" appId=\"meter\"/>";
	static const char cont[] =
		"<m2m:container xmlns:m2m=\"http://uri.etsi.org/m2m\" m2m:id=\"temp\"/>";
	char body[256], path[512];
	struct m2md_test_resp r;
	const char *base_ci;

	snprintf(body, sizeof(body),
		 "<scl xmlns=\"http://uri.etsi.org/m2m\" sclId=\"%s\"/>",
		 scl_id);
	post("/nscl/scls", "application/json", body, strlen(body), &r);
	expect_error_info(&r, 400, "XML sent as JSON");
	post("/nscl/scls", "text/plain", body, strlen(body), &r);
	expect_error_info(&r, 415, "scl as text/plain");
	post("/nscl/scls", "application/xml", "<scl", 4, &r);
	expect_error_info(&r, 400, "malformed XML");
	post("/nscl/scls", "application/xml",
	     "<scl xmlns=\"http://uri.etsi.org/m2m\"/>", 37, &r);
	expect_error_info(&r, 400, "scl without sclId");

	post("/nscl/scls", "application/xml", body, strlen(body), &r);
	CHECK(r.status == 201, "scl registered: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path), "/nscl/scls/%s", scl_id);
	CHECK(!strcmp(r.location, path), "Location %s", r.location);
	CHECK(strstr(r.body, "sclId=") != NULL, "201 body is the <scl>");
	post("/nscl/scls", "application/xml", body, strlen(body), &r);
	expect_error_info(&r, 409, "scl registered twice");

	get(path, NULL, &r);
	CHECK(r.status == 200, "GET scl: %ld", r.status);
	CHECK(!strcmp(r.content_type, "application/xml"), "scl as XML: %s",
	      r.content_type);
	get(path, "application/json", &r);
	CHECK(r.status == 200, "GET scl as JSON: %ld", r.status);
	CHECK(!strcmp(r.content_type, "application/json"),
	      "JSON content type: %s", r.content_type);
	CHECK(strstr(r.body, "\"scl\"") != NULL, "JSON body: %s", r.body);

	snprintf(path, sizeof(path), "/nscl/scls/%s/applications", scl_id);
	post(path, "application/xml", app, sizeof(app) - 1, &r);
	CHECK(r.status == 201, "application created: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path), "/nscl/scls/%s/applications/meter/containers",
		 scl_id);
	post(path, "application/xml", cont, sizeof(cont) - 1, &r);
	CHECK(r.status == 201, "container created: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path),
		 "/nscl/scls/%s/applications/meter/containers/temp/contentInstances",
		 scl_id);
	base_ci = path;
	post(base_ci, "text/plain", "21.5", 4, &r);
	CHECK(r.status == 201, "reading stored: %ld %s", r.status, r.body);
	CHECK(strncmp(r.location, base_ci, strlen(base_ci)) == 0,
	      "reading Location %s", r.location);
	post(base_ci, "application/json", "{\"t\":22}", 8, &r);
	CHECK(r.status == 201, "second reading stored");

	{
		char p2[600];

		snprintf(p2, sizeof(p2), "%s/latest/content", base_ci);
		get(p2, NULL, &r);
		CHECK(r.status == 200, "latest content: %ld", r.status);
		CHECK(!strcmp(r.body, "{\"t\":22}"), "latest is the second: %s",
		      r.body);
		CHECK(!strcmp(r.content_type, "application/json"),
		      "content type kept: %s", r.content_type);
		snprintf(p2, sizeof(p2), "%s/oldest/content", base_ci);
		get(p2, NULL, &r);
		CHECK(r.status == 200, "oldest content: %ld", r.status);
		CHECK(!strcmp(r.body, "21.5"), "oldest is the first: %s",
		      r.body);
		CHECK(!strcmp(r.content_type, "text/plain"),
		      "oldest content type: %s", r.content_type);
		snprintf(p2, sizeof(p2), "%s/latest", base_ci);
		get(p2, NULL, &r);
		CHECK(r.status == 200, "latest as XML: %ld", r.status);
		CHECK(strstr(r.body, "<m2m:contentInstance") != NULL,
		      "latest is a <contentInstance>: %s", r.body);
		CHECK(strstr(r.body, "eyJ0IjoyMn0=") != NULL,
		      "content in base64: %s", r.body);
		get(base_ci, NULL, &r);
		CHECK(r.status == 200, "GET contentInstances: %ld", r.status);
		CHECK(strstr(r.body, "<m2m:currentNrOfInstances>2<") != NULL,
		      "contentInstances counts two: %s", r.body);
		snprintf(p2, sizeof(p2), "%s/latest", base_ci);
		post(p2, "text/plain", "1", 1, &r);
		expect_error_info(&r, 405, "POST to a contentInstance");
		snprintf(p2, sizeof(p2), "%s/nothing", base_ci);
		get(p2, NULL, &r);
		expect_error_info(&r, 404, "unknown contentInstance");
	}
	snprintf(path, sizeof(path), "/nscl/scls/gscl-nobody/applications");
	post(path, "application/xml", app, sizeof(app) - 1, &r);
	expect_error_info(&r, 404, "application under an unregistered scl");
	{
		char url[128];

		snprintf(url, sizeof(url), "%s/nscl", base);
		m2md_test_request("PUT", url, "application/xml", NULL, "<a/>", 4,
				  &r);
		expect_error_info(&r, 400, "PUT of <a> on the sclBase");
		m2md_test_request("DELETE", url, NULL, NULL, NULL, 0, &r);
		expect_error_info(&r, 405, "DELETE of the sclBase");
	}
	get("/nscl", NULL, &r);
	CHECK(r.status == 200, "GET /nscl: %ld", r.status);
	CHECK(strstr(r.body, "<m2m:sclBase") != NULL, "sclBase: %s", r.body);
}

struct chunk_source {
	size_t left;
};

static size_t chunk_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct chunk_source *src = ctx;
	size_t len = size * n < 512 ? size * n : 512;

	if (len > src->left)
		len = src->left;
	memset(buf, 'x', len);
	src->left -= len;
	return len;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* POST a chunked body of len bytes, so that no Content-Length is sent. */
static long post_chunked(const char *path, const char *ctype, size_t len)
{
	struct chunk_source src = { len };
	struct curl_slist *headers = NULL;
	char url[512], line[128];
	long status = 0;
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(line, sizeof(line), "Content-Type: %s", ctype);
	headers = curl_slist_append(headers, line);
	headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, chunk_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &src);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return status;
}

static void test_body_limit(void)
{
	static char big[8192];
	struct m2md_test_resp r;
	long status;

	memset(big, 'x', sizeof(big));
	post("/nscl/scls", "application/xml", big, sizeof(big), &r);
	expect_error_info(&r, 413, "body over max-body");
	status = post_chunked("/m2msec/bootstrap", HS_TYPE, 3000);
	CHECK(status == 413, "chunked handshake body over 1024: %ld", status);
	status = post_chunked("/nscl/scls", "application/xml", 6000);
	CHECK(status == 413, "chunked body over max-body: %ld", status);
	status = post_chunked("/nscl/scls", "application/xml", 100);
	CHECK(status == 400, "small chunked body is read: %ld", status);
}

/* A stand-in for the tunnel's PEER_NEW/PEER_SET, recording its call. */
struct fake_bind {
	int calls;
	int ret;
	uint8_t node_id[16];
	int32_t key_serial;
};

static struct fake_bind bind_rec;

static int fake_bind_kmc(void *ctx, const uint8_t node_id[16],
			 int32_t key_serial, char *detail, size_t len)
{
	bind_rec.calls++;
	memcpy(bind_rec.node_id, node_id, 16);
	bind_rec.key_serial = key_serial;
	if (bind_rec.ret)
		snprintf(detail, len, "fake bind error");
	return bind_rec.ret;
}

static void test_finish_binds_kmc(const uint8_t node_id[16])
{
	struct m2md_test_resp r;
	uint8_t msg[256];
	size_t n;

	net.responder.bind_kmc = fake_bind_kmc;
	net.responder.bind_ctx = &net;
	n = make_init(M2MSEC_MODE_CONNECT, node_id, 16, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	CHECK(r.status == 200, "tunnel connect INIT: %ld", r.status);
	n = make_finish(M2MSEC_MODE_CONNECT, fake.next_index, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	CHECK(r.status == 204, "tunnel connect FINISH: %ld", r.status);
	CHECK(bind_rec.calls == 1, "FINISH binds once: %d", bind_rec.calls);
	CHECK(!memcmp(bind_rec.node_id, node_id, 16), "bound node id");
	CHECK(bind_rec.key_serial == 4242, "bound key serial %d",
	      bind_rec.key_serial);

	bind_rec.ret = -EADDRINUSE;
	n = make_init(M2MSEC_MODE_CONNECT, node_id, 16, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	n = make_finish(M2MSEC_MODE_CONNECT, fake.next_index, msg);
	post("/m2msec/connect", HS_TYPE, msg, n, &r);
	expect_problem(&r, 500, "FINISH whose key cannot be bound");
	CHECK(bind_rec.calls == 2, "failed bind was tried: %d",
	      bind_rec.calls);
	bind_rec.ret = 0;
	net.responder.bind_kmc = NULL;
}

static void test_tunnel_principal(const uint8_t node_id[16],
				  const char *scl_id)
{
	static struct m2md_net_tunnel tunnel;
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 };
	struct sockaddr_in outside = { .sin_family = AF_INET };
	struct m2md_request req = { .method = M2MD_GET, .path = "/nscl" };
	struct m2md_principal who;
	int ret;

	net.tunnel = &tunnel;
	req.client = (const struct sockaddr *)&from;
	m2md_tunnel_gateway_addr6(&cfg.tunnel_prefix, node_id,
				  from.sin6_addr.s6_addr);
	ret = m2md_network_tunnel_principal(&net, &req, &who);
	CHECK(ret == 1, "gateway address is a tunnel request: %d", ret);
	CHECK(who.kind == M2MD_PRINCIPAL_ANON,
	      "address of no bound peer is anonymous: %d", who.kind);

	CHECK(m2md_network_tunnel_learn(&net, node_id) == 0, "peer learned");
	ret = m2md_network_tunnel_principal(&net, &req, &who);
	CHECK(ret == 1, "bound gateway is a tunnel request: %d", ret);
	CHECK(who.kind == M2MD_PRINCIPAL_SCL, "bound gateway is an scl: %d",
	      who.kind);
	CHECK(!strcmp(who.id, scl_id), "sclId of the node id: %s", who.id);

	from.sin6_addr.s6_addr[15] ^= 1;
	ret = m2md_network_tunnel_principal(&net, &req, &who);
	CHECK(ret == 1, "another node id's address is a tunnel request");
	CHECK(who.kind == M2MD_PRINCIPAL_ANON,
	      "address of another node id is anonymous: %d", who.kind);

	m2md_tunnel_network_addr6(&cfg.tunnel_prefix, from.sin6_addr.s6_addr);
	ret = m2md_network_tunnel_principal(&net, &req, &who);
	CHECK(ret == 1, "the network's own address is a tunnel request");
	CHECK(who.kind == M2MD_PRINCIPAL_ANON,
	      "the network's own address is anonymous: %d", who.kind);

	outside.sin_addr.s_addr = htonl(0x7f000001);
	req.client = (const struct sockaddr *)&outside;
	ret = m2md_network_tunnel_principal(&net, &req, &who);
	CHECK(ret == 0, "a request outside the tunnel is not the role's: %d",
	      ret);
	free(tunnel.nodes);
	tunnel.nodes = NULL;
	tunnel.n_nodes = 0;
	net.tunnel = NULL;
}

int main(void)
{
	uint8_t node_id[16];
	char err[256], scl_id[64];

	m2md_test_tmpdir(dir, sizeof(dir));
	m2md_config_defaults(&cfg);
	cfg.role = M2MD_ROLE_NETWORK;
	snprintf(cfg.mas_fqdn, sizeof(cfg.mas_fqdn), "mas.test");
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", dir);
	cfg.max_body = 4096;
	if (m2md_config_finish(&cfg, err, sizeof(err)) ||
	    m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_network_setup(&net, &cfg, store, &fake_ops) ||
	    m2md_http_start("127.0.0.1", 0, 2, cfg.max_body, net.routes,
			    M2MD_NETWORK_ROUTES, &http, err, sizeof(err))) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 m2md_http_port(http));
	test_transport_errors();
	test_bootstrap(node_id);
	test_kernel_errors();
	test_connect(node_id, scl_id, sizeof(scl_id));
	test_nscl(scl_id);
	test_finish_binds_kmc(node_id);
	test_tunnel_principal(node_id, scl_id);
	test_body_limit();
	m2md_http_stop(http);
	m2md_network_teardown(&net);
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_network_test");
}
