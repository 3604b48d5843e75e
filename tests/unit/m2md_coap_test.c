// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's CoAP binding: a server on loopback with a route
 * table whose handler records what it got, a libcoap client that sends
 * requests to it, and a raw UDP socket for datagrams no client would
 * send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <coap3/coap.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "coap.h"
#include "http.h"
#include "log.h"
#include "m2md_test.h"
#include "store.h"
#include "tree.h"

/* The ETSI schemas, found next to the test's directory (tests/unit). */
static char xsd_dir[1024] = "../xsd";
#define M2M_NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""

/* What the handler saw of the last request. */
static struct {
	pthread_mutex_t lock;
	int calls;
	enum m2md_binding binding;
	enum m2md_method method;
	char path[600];
	char target[1200];
	size_t nargs;
	char args[M2MD_ARGS_MAX][2][64];
	char content_type[64];
	char accept[64];
	char authorization[256];
	char if_none_match[128];
	bool has_client;
	size_t body_len;
	unsigned char *body;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The reply the handler sends, set by each test. */
static struct {
	unsigned int status;
	const char *content_type;
	const void *body;
	size_t len;
	const char *etag;
	const char *location;
	unsigned int retry_after;
} want;

static void copy_or_null(char *out, size_t len, const char *s)
{
	snprintf(out, len, "%s", s ? s : "(null)");
}

static const char *arg_value(const struct m2md_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nargs; i++)
		if (!strcmp(req->args[i].name, name))
			return req->args[i].value;
	return NULL;
}

/*
 * The bound on every wait of this test for a reply or a handler. It is
 * reached only when the server is broken, because each wait ends at the
 * event it waits for, so it can be generous for a busy host.
 */
#define DEADLINE_MS	30000

/*
 * Handlers of requests with ?gate=1 block until the test opens the gate,
 * as a long poll would. The test decides when they return instead of
 * guessing how long a sleep lasts on a busy host.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed;
	int waiting;			/* handlers blocked now */
} gate = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void gate_close(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.closed = true;
	pthread_mutex_unlock(&gate.lock);
}

static void gate_open(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.closed = false;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

/* Block the calling handler while the gate is closed. */
static void gate_pass(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.waiting++;
	pthread_cond_broadcast(&gate.cond);
	while (gate.closed)
		pthread_cond_wait(&gate.cond, &gate.lock);
	gate.waiting--;
	pthread_mutex_unlock(&gate.lock);
}

/*
 * Wait until n handlers are blocked at the gate, or DEADLINE_MS has
 * passed. Returns the number blocked.
 */
static int gate_wait_for(int n)
{
	struct timespec deadline;
	int waiting;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += DEADLINE_MS / 1000;
	pthread_mutex_lock(&gate.lock);
	while (gate.waiting < n &&
	       pthread_cond_timedwait(&gate.cond, &gate.lock, &deadline) !=
	       ETIMEDOUT)
		;
	waiting = gate.waiting;
	pthread_mutex_unlock(&gate.lock);
	return waiting;
}

/*
 * Record the request and send want, or the status of ?status=N. With
 * ?gate=1 the handler first waits at the gate.
 */
static void record(void *ctx, const struct m2md_request *req,
		   struct m2md_reply *reply)
{
	const char *status = arg_value(req, "status");
	size_t i;

	if (arg_value(req, "gate"))
		gate_pass();
	pthread_mutex_lock(&seen.lock);
	seen.calls++;
	seen.binding = req->binding;
	seen.method = req->method;
	copy_or_null(seen.path, sizeof(seen.path), req->path);
	copy_or_null(seen.target, sizeof(seen.target), req->target);
	seen.nargs = req->nargs;
	for (i = 0; i < req->nargs && i < M2MD_ARGS_MAX; i++) {
		copy_or_null(seen.args[i][0], 64, req->args[i].name);
		copy_or_null(seen.args[i][1], 64, req->args[i].value);
	}
	copy_or_null(seen.content_type, sizeof(seen.content_type),
		     req->content_type);
	copy_or_null(seen.accept, sizeof(seen.accept), req->accept);
	copy_or_null(seen.authorization, sizeof(seen.authorization),
		     req->authorization);
	copy_or_null(seen.if_none_match, sizeof(seen.if_none_match),
		     req->if_none_match);
	seen.has_client = req->client != NULL;
	seen.body_len = req->body_len;
	free(seen.body);
	seen.body = malloc(req->body_len + 1);
	if (seen.body && req->body_len)
		memcpy(seen.body, req->body, req->body_len);
	pthread_mutex_unlock(&seen.lock);

	m2md_reply_set(reply, status ? (unsigned int)atoi(status) :
		       want.status ? want.status : 200,
		       want.content_type ? want.content_type :
		       "application/xml", want.body ? want.body : "<ok/>",
		       want.body ? want.len : 5);
	if (want.etag)
		snprintf(reply->etag, sizeof(reply->etag), "%s", want.etag);
	if (want.location)
		snprintf(reply->location, sizeof(reply->location), "%s",
			 want.location);
	reply->retry_after = want.retry_after;
}

/* What the creating handler of /ci made, and the body of its last call. */
static struct {
	pthread_mutex_t lock;
	int creates;
	size_t len;
	unsigned char body[4096];
} made = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * The reply of creation n from body: like the tree's, larger than the
 * body (hex here, base64 there) and different on every call.
 */
static size_t render_created(int n, const unsigned char *body, size_t len,
			     char *out, size_t outlen)
{
	size_t used, i;

	used = snprintf(out, outlen, "<created n=\"%d\" len=\"%zu\">", n,
			len);
	for (i = 0; i < len && used + 2 < outlen; i++)
		used += snprintf(out + used, outlen - used, "%02x", body[i]);
	used += snprintf(out + used, used < outlen ? outlen - used : 0,
			 "</created>");
	return used;
}

/* A non-idempotent handler: every call creates something new. */
static void create(void *ctx, const struct m2md_request *req,
		   struct m2md_reply *reply)
{
	char *doc = malloc(2 * sizeof(made.body) + 64);
	size_t len;
	int n;

	pthread_mutex_lock(&made.lock);
	n = ++made.creates;
	made.len = req->body_len < sizeof(made.body) ? req->body_len : 0;
	if (made.len)
		memcpy(made.body, req->body, made.len);
	len = render_created(n, made.body, made.len, doc,
			     2 * sizeof(made.body) + 64);
	pthread_mutex_unlock(&made.lock);
	m2md_reply_set(reply, 201, "application/xml", doc, len);
	snprintf(reply->location, sizeof(reply->location), "/ci/%d", n);
	free(doc);
}

static const struct m2md_route routes[] = {
	{ "/t", true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE, 0, record,
	  NULL },
	{ "/ro", true, M2MD_GET, 0, record, NULL },
	{ "/small", true, M2MD_POST, 100, record, NULL },
	{ "/ci", true, M2MD_POST | M2MD_PUT, 0, create, NULL },
};

#define MAX_BODY	(64 * 1024)

static struct m2md_coap *server;
static uint16_t port;

/* The response the client got. */
struct resp {
	bool got;
	unsigned int code;		/* class * 100 + detail */
	unsigned char *body;
	size_t len;
	int format;			/* -1: none */
	uint8_t etag[8];
	size_t etag_len;
	char location[256];
	char location_query[256];
	long max_age;			/* -1: none */
	long size1;			/* -1: none */
	long block1;			/* -1: none */
};

static struct resp *pending;

static long uint_option(const coap_pdu_t *pdu, uint16_t number)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt = coap_check_option(pdu, number, &it);

	if (!opt)
		return -1;
	return coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

static void join_options(const coap_pdu_t *pdu, uint16_t number, char *out,
			 size_t len, char sep)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	size_t used = 0;

	out[0] = '\0';
	coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
	while ((opt = coap_option_next(&it))) {
		if (it.number != number)
			continue;
		used += snprintf(out + used, used < len ? len - used : 0,
				 "%c%.*s", sep, (int)coap_opt_length(opt),
				 (const char *)coap_opt_value(opt));
	}
}

static coap_response_t on_response(coap_session_t *session,
				   const coap_pdu_t *sent,
				   const coap_pdu_t *received,
				   const coap_mid_t mid)
{
	struct resp *r = pending;
	coap_pdu_code_t code = coap_pdu_get_code(received);
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	const uint8_t *data;
	size_t len, offset, total;

	if (!r || r->got)
		return COAP_RESPONSE_OK;
	r->got = true;
	r->code = (code >> 5) * 100 + (code & 0x1f);
	r->format = uint_option(received, COAP_OPTION_CONTENT_FORMAT);
	r->max_age = uint_option(received, COAP_OPTION_MAXAGE);
	r->size1 = uint_option(received, COAP_OPTION_SIZE1);
	r->block1 = uint_option(received, COAP_OPTION_BLOCK1);
	opt = coap_check_option(received, COAP_OPTION_ETAG, &it);
	if (opt && coap_opt_length(opt) <= sizeof(r->etag)) {
		r->etag_len = coap_opt_length(opt);
		memcpy(r->etag, coap_opt_value(opt), r->etag_len);
	}
	join_options(received, COAP_OPTION_LOCATION_PATH, r->location,
		     sizeof(r->location), '/');
	join_options(received, COAP_OPTION_LOCATION_QUERY, r->location_query,
		     sizeof(r->location_query), '&');
	if (coap_get_data_large(received, &len, &data, &offset, &total)) {
		r->body = malloc(len + 1);
		memcpy(r->body, data, len);
		r->body[len] = '\0';
		r->len = len;
	}
	return COAP_RESPONSE_OK;
}

struct client {
	coap_context_t *ctx;
	coap_session_t *session;
};

static void client_open(struct client *c, const char *addr)
{
	coap_address_t dst;

	coap_address_init(&dst);
	if (strchr(addr, ':')) {
		dst.addr.sin6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &dst.addr.sin6.sin6_addr);
		dst.addr.sin6.sin6_port = htons(port);
		dst.size = sizeof(dst.addr.sin6);
	} else {
		dst.addr.sin.sin_family = AF_INET;
		inet_pton(AF_INET, addr, &dst.addr.sin.sin_addr);
		dst.addr.sin.sin_port = htons(port);
		dst.size = sizeof(dst.addr.sin);
	}
	c->ctx = coap_new_context(NULL);
	coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP |
				    COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(c->ctx, on_response);
	c->session = coap_new_client_session(c->ctx, NULL, &dst,
					     COAP_PROTO_UDP);
}

static void client_close(struct client *c)
{
	coap_session_release(c->session);
	coap_free_context(c->ctx);
}

/* One request option, in the order of their numbers. */
struct opt {
	uint16_t number;
	const char *value;		/* text, or NULL for uint */
	unsigned int uint;
	size_t len;			/* of value when not 0 */
};

static coap_pdu_t *build(struct client *c, coap_pdu_code_t method,
			 const char *path, const char *query,
			 const struct opt *opts, size_t nopts)
{
	coap_pdu_t *pdu;
	uint8_t token[8], buf[4];
	size_t tlen, i;
	char copy[2048], *part, *save;

	pdu = coap_pdu_init(COAP_MESSAGE_CON, method,
			    coap_new_message_id(c->session),
			    coap_session_max_pdu_size(c->session));
	coap_session_new_token(c->session, &tlen, token);
	coap_add_token(pdu, tlen, token);
	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, "/", &save); part;
	     part = strtok_r(NULL, "/", &save))
		coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(part),
				(const uint8_t *)part);
	snprintf(copy, sizeof(copy), "%s", query ? query : "");
	for (part = strtok_r(copy, "&", &save); part;
	     part = strtok_r(NULL, "&", &save))
		coap_add_option(pdu, COAP_OPTION_URI_QUERY, strlen(part),
				(const uint8_t *)part);
	for (i = 0; i < nopts; i++) {
		if (opts[i].value)
			coap_add_option(pdu, opts[i].number,
					opts[i].len ? opts[i].len :
					strlen(opts[i].value),
					(const uint8_t *)opts[i].value);
		else
			coap_add_option(pdu, opts[i].number,
					coap_encode_var_safe(buf, sizeof(buf),
							     opts[i].uint),
					buf);
	}
	return pdu;
}

static void send_pdu(struct client *c, coap_pdu_t *pdu, const void *body,
		     size_t len, struct resp *r)
{
	memset(r, 0, sizeof(*r));
	pending = r;
	if (len)
		coap_add_data_large_request(c->session, pdu, len, body, NULL,
					    NULL);
	coap_send(c->session, pdu);
}

static void wait_response(struct client *c, struct resp *r, int timeout_ms)
{
	struct timespec start, now;

	pending = r;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		coap_io_process(c->ctx, 50);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!r->got && (now.tv_sec - start.tv_sec) * 1000 +
		 (now.tv_nsec - start.tv_nsec) / 1000000 < timeout_ms);
	pending = NULL;
}

/* Send one request and wait for its response. */
static void request(coap_pdu_code_t method, const char *path,
		    const char *query, const struct opt *opts, size_t nopts,
		    const void *body, size_t len, struct resp *r)
{
	struct client c;

	client_open(&c, "127.0.0.1");
	send_pdu(&c, build(&c, method, path, query, opts, nopts), body, len,
		 r);
	wait_response(&c, r, DEADLINE_MS);
	client_close(&c);
}

static void resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

static int calls(void)
{
	int n;

	pthread_mutex_lock(&seen.lock);
	n = seen.calls;
	pthread_mutex_unlock(&seen.lock);
	return n;
}

static void reset(void)
{
	memset(&want, 0, sizeof(want));
}

static void test_code_table(void)
{
	static const unsigned int map[][2] = {
		{ 200, 205 }, { 201, 201 }, { 204, 204 }, { 304, 203 },
		{ 400, 400 }, { 401, 401 }, { 403, 403 }, { 404, 404 },
		{ 405, 405 }, { 406, 406 }, { 409, 409 }, { 412, 412 },
		{ 413, 413 }, { 414, 400 }, { 415, 415 }, { 500, 500 },
		{ 501, 501 }, { 503, 503 }, { 504, 504 }, { 418, 400 },
		{ 599, 500 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		CHECK(m2md_coap_code(map[i][0]) == map[i][1],
		      "HTTP %u maps to %u, expected %u", map[i][0],
		      m2md_coap_code(map[i][0]), map[i][1]);
}

static void test_get_path_and_query(void)
{
	struct resp r;

	reset();
	request(COAP_REQUEST_CODE_GET, "/t/a/b", "x=1&flag&e=", NULL, 0, NULL,
		0, &r);
	CHECK(r.got, "GET got a response");
	CHECK(r.code == 205, "GET answers 2.05, got %u", r.code);
	CHECK(r.format == COAP_MEDIATYPE_APPLICATION_XML,
	      "XML reply has Content-Format 41, got %d", r.format);
	CHECK(r.len == 5, "GET body is 5 bytes, got %zu", r.len);
	CHECK(r.body && !memcmp(r.body, "<ok/>", 5), "GET body is <ok/>");
	CHECK(r.max_age == 0, "2.05 carries Max-Age 0, got %ld", r.max_age);
	CHECK(seen.binding == M2MD_BINDING_COAP, "binding is CoAP");
	CHECK(seen.method == M2MD_GET, "method is GET");
	CHECK(!strcmp(seen.path, "/t/a/b"), "path is %s", seen.path);
	CHECK(!strcmp(seen.target, "/t/a/b?x=1&flag&e="), "target is %s",
	      seen.target);
	CHECK(seen.nargs == 3, "3 query parameters, got %zu", seen.nargs);
	CHECK(!strcmp(seen.args[0][0], "x"), "first name is %s",
	      seen.args[0][0]);
	CHECK(!strcmp(seen.args[0][1], "1"), "x is %s", seen.args[0][1]);
	CHECK(!strcmp(seen.args[1][0], "flag"), "second name is %s",
	      seen.args[1][0]);
	CHECK(!seen.args[1][1][0], "flag has no value, got %s",
	      seen.args[1][1]);
	CHECK(!strcmp(seen.args[2][0], "e"), "third name is %s",
	      seen.args[2][0]);
	CHECK(!seen.args[2][1][0], "e has an empty value, got %s",
	      seen.args[2][1]);
	CHECK(!strcmp(seen.content_type, "(null)"), "no Content-Format");
	CHECK(!strcmp(seen.accept, "(null)"), "no Accept");
	CHECK(!strcmp(seen.authorization, "(null)"), "no Kma option");
	CHECK(!strcmp(seen.if_none_match, "(null)"), "no ETag");
	CHECK(seen.has_client, "client address is set");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/t", NULL, NULL, 0, NULL, 0, &r);
	CHECK(!strcmp(seen.path, "/t"), "path is %s", seen.path);
	CHECK(!strcmp(seen.target, "/t"), "target without query is %s",
	      seen.target);
	CHECK(seen.nargs == 0, "no query parameters");
	resp_free(&r);
}

static void test_methods(void)
{
	struct resp r;

	reset();
	want.status = 201;
	want.location = "/t/apps/new";
	request(COAP_REQUEST_CODE_POST, "/t/apps", NULL, NULL, 0, "<a/>", 4,
		&r);
	CHECK(seen.method == M2MD_POST, "method is POST");
	CHECK(r.code == 201, "POST 201 answers 2.01, got %u", r.code);
	CHECK(!strcmp(r.location, "/t/apps/new"), "Location-Path is %s",
	      r.location);
	resp_free(&r);

	want.location = "http://127.0.0.1:8080/t/apps/x?v=1&w=2";
	request(COAP_REQUEST_CODE_POST, "/t/apps", NULL, NULL, 0, "<a/>", 4,
		&r);
	CHECK(!strcmp(r.location, "/t/apps/x"),
	      "Location-Path of an absolute URL is %s", r.location);
	CHECK(!strcmp(r.location_query, "&v=1&w=2"), "Location-Query is %s",
	      r.location_query);
	resp_free(&r);

	reset();
	request(COAP_REQUEST_CODE_POST, "/t/apps", NULL, NULL, 0, "<a/>", 4,
		&r);
	CHECK(r.code == 204, "POST 200 answers 2.04, got %u", r.code);
	resp_free(&r);

	request(COAP_REQUEST_CODE_PUT, "/t/apps/a", NULL, NULL, 0, "<a/>", 4,
		&r);
	CHECK(seen.method == M2MD_PUT, "method is PUT");
	CHECK(r.code == 204, "PUT 200 answers 2.04, got %u", r.code);
	resp_free(&r);

	want.status = 204;
	want.body = "";
	want.len = 0;
	request(COAP_REQUEST_CODE_DELETE, "/t/apps/a", NULL, NULL, 0, NULL, 0,
		&r);
	CHECK(seen.method == M2MD_DELETE, "method is DELETE");
	CHECK(r.code == 202, "DELETE 204 answers 2.02, got %u", r.code);
	CHECK(r.len == 0, "DELETE answer has no payload");
	resp_free(&r);

	want.status = 204;
	request(COAP_REQUEST_CODE_PUT, "/t/apps/a", NULL, NULL, 0, "<a/>", 4,
		&r);
	CHECK(r.code == 204, "PUT 204 answers 2.04, got %u", r.code);
	resp_free(&r);
}

static void test_unknown_method(void)
{
	static const coap_pdu_code_t methods[] = {
		COAP_REQUEST_CODE_FETCH, COAP_REQUEST_CODE_PATCH,
		COAP_REQUEST_CODE_IPATCH,
	};
	struct resp r;
	size_t i;
	int before;

	reset();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		before = calls();
		request(methods[i], "/t/x", NULL, NULL, 0, NULL, 0, &r);
		CHECK(r.code == 405, "method %d answers 4.05, got %u",
		      methods[i], r.code);
		CHECK(calls() == before, "method %d reaches no handler",
		      methods[i]);
		resp_free(&r);
	}
	request(COAP_REQUEST_CODE_POST, "/ro/x", NULL, NULL, 0, "x", 1, &r);
	CHECK(r.code == 405, "POST to a GET-only route answers 4.05, got %u",
	      r.code);
	CHECK(r.body != NULL, "4.05 has a diagnostic payload");
	CHECK(r.body && strstr((char *)r.body, "GET"),
	      "4.05 diagnostic names the allowed methods: %s",
	      r.body ? (char *)r.body : "");
	resp_free(&r);
	request(COAP_REQUEST_CODE_GET, "/nothere", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 404, "unknown path answers 4.04, got %u", r.code);
	CHECK(r.format == -1, "diagnostic payload has no Content-Format");
	resp_free(&r);
}

static void test_status_mapping(void)
{
	static const unsigned int map[][2] = {
		{ 400, 400 }, { 401, 401 }, { 403, 403 }, { 404, 404 },
		{ 405, 405 }, { 406, 406 }, { 409, 409 }, { 412, 412 },
		{ 413, 413 }, { 414, 400 }, { 415, 415 }, { 500, 500 },
		{ 501, 501 }, { 503, 503 }, { 504, 504 }, { 304, 203 },
	};
	char query[32];
	struct resp r;
	size_t i;

	reset();
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(query, sizeof(query), "status=%u", map[i][0]);
		request(COAP_REQUEST_CODE_GET, "/t/s", query, NULL, 0, NULL,
			0, &r);
		CHECK(r.code == map[i][1], "status %u answers %u, got %u",
		      map[i][0], map[i][1], r.code);
		if (map[i][0] == 304)
			CHECK(r.len == 0, "2.03 has no payload");
		else
			CHECK(r.len == 5, "status %u keeps its body, got %zu bytes",
			      map[i][0], r.len);
		if (map[i][0] != 304)
			CHECK(r.format == 41, "status %u body is XML, got %d",
			      map[i][0], r.format);
		resp_free(&r);
	}
	want.status = 204;
	want.body = "";
	want.len = 0;
	request(COAP_REQUEST_CODE_GET, "/t/s", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "GET 204 answers 2.05, got %u", r.code);
	CHECK(r.len == 0, "GET 204 has no payload");
	resp_free(&r);
	reset();
	want.status = 503;
	want.retry_after = 7;
	request(COAP_REQUEST_CODE_GET, "/t/s", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 503, "503 answers 5.03");
	CHECK(r.max_age == 7, "Retry-After 7 is Max-Age 7, got %ld",
	      r.max_age);
	resp_free(&r);
}

static void test_content_formats(void)
{
	static const struct {
		unsigned int format;
		const char *type;
	} formats[] = {
		{ 41, "application/xml" },
		{ 50, "application/json" },
		{ 0, "text/plain" },
		{ 42, "application/octet-stream" },
		{ 60, "application/cbor" },
	};
	struct opt opt = { .number = COAP_OPTION_CONTENT_FORMAT };
	struct resp r;
	size_t i;
	int before;

	reset();
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		opt.uint = formats[i].format;
		request(COAP_REQUEST_CODE_POST, "/t/c", NULL, &opt, 1, "data",
			4, &r);
		CHECK(r.code == 204, "POST with format %u answers 2.04, got %u",
		      formats[i].format, r.code);
		CHECK(!strcmp(seen.content_type, formats[i].type),
		      "format %u is %s, got %s", formats[i].format,
		      formats[i].type, seen.content_type);
		CHECK(seen.body_len == 4, "body is 4 bytes, got %zu",
		      seen.body_len);
		CHECK(seen.body && !memcmp(seen.body, "data", 4),
		      "body arrives intact");
		resp_free(&r);
	}
	before = calls();
	opt.uint = 9999;
	request(COAP_REQUEST_CODE_POST, "/t/c", NULL, &opt, 1, "data", 4, &r);
	CHECK(r.code == 415, "unknown Content-Format answers 4.15, got %u",
	      r.code);
	CHECK(calls() == before, "unknown Content-Format reaches no handler");
	resp_free(&r);

	want.content_type = "application/json";
	want.body = "{}";
	want.len = 2;
	request(COAP_REQUEST_CODE_GET, "/t/c", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.format == 50, "JSON reply has Content-Format 50, got %d",
	      r.format);
	resp_free(&r);
	want.content_type = "image/x-unregistered";
	request(COAP_REQUEST_CODE_GET, "/t/c", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "unregistered media type answers 2.05, got %u",
	      r.code);
	CHECK(r.format == -1,
	      "unregistered media type has no Content-Format, got %d",
	      r.format);
	resp_free(&r);
}

static void test_accept(void)
{
	struct opt opt = { .number = COAP_OPTION_ACCEPT, .uint = 50 };
	struct resp r;
	int before;

	reset();
	want.content_type = "application/json";
	want.body = "{}";
	want.len = 2;
	request(COAP_REQUEST_CODE_GET, "/t/a", NULL, &opt, 1, NULL, 0, &r);
	CHECK(!strcmp(seen.accept, "application/json"), "Accept 50 is %s",
	      seen.accept);
	CHECK(r.code == 205, "Accept 50 answers 2.05, got %u", r.code);
	CHECK(r.format == 50, "JSON for Accept 50, got %d", r.format);
	resp_free(&r);

	reset();
	request(COAP_REQUEST_CODE_GET, "/t/a", NULL, &opt, 1, NULL, 0, &r);
	CHECK(r.code == 406, "XML reply to Accept 50 answers 4.06, got %u",
	      r.code);
	resp_free(&r);

	opt.uint = 41;
	request(COAP_REQUEST_CODE_GET, "/t/a", NULL, &opt, 1, NULL, 0, &r);
	CHECK(!strcmp(seen.accept, "application/xml"), "Accept 41 is %s",
	      seen.accept);
	CHECK(r.code == 205, "XML for Accept 41, got %u", r.code);
	resp_free(&r);

	before = calls();
	opt.uint = 12345;
	request(COAP_REQUEST_CODE_GET, "/t/a", NULL, &opt, 1, NULL, 0, &r);
	CHECK(r.code == 406, "unknown Accept answers 4.06, got %u", r.code);
	CHECK(calls() == before, "unknown Accept reaches no handler");
	resp_free(&r);
}

static void test_auth_option(void)
{
	static const char value[] =
		"M2M-Kma app=\"app1\", kid=\"00112233445566778899aabbccddeeff\", "
		"ts=\"1767225600\", nonce=\"0123456789abcdef0123456789abcdef\", "
		"mac=\"00\"";
	struct opt opt = { .number = M2MD_COAP_OPT_AUTH, .value = value };
	struct opt nul = { .number = M2MD_COAP_OPT_AUTH, .value = "a\0b",
			    .len = 3 };
	struct resp r;
	int before;

	reset();
	request(COAP_REQUEST_CODE_GET, "/t/k", "q=1", &opt, 1, NULL, 0, &r);
	CHECK(r.code == 205, "signed GET answers 2.05, got %u", r.code);
	CHECK(!strcmp(seen.authorization, value), "Kma option is %s",
	      seen.authorization);
	CHECK(!strcmp(seen.target, "/t/k?q=1"), "signed target is %s",
	      seen.target);
	resp_free(&r);

	before = calls();
	request(COAP_REQUEST_CODE_GET, "/t/k", NULL, &nul, 1, NULL, 0, &r);
	CHECK(r.code == 400, "Kma option with a NUL answers 4.00, got %u",
	      r.code);
	CHECK(calls() == before, "a bad Kma option reaches no handler");
	resp_free(&r);
}

static void test_etag(void)
{
	struct opt etag = { .number = COAP_OPTION_ETAG, .value = "12-3" };
	struct opt other = { .number = COAP_OPTION_ETAG, .value = "12-2" };
	uint8_t hashed[8];
	struct resp r;

	reset();
	want.etag = "\"12-3\"";
	request(COAP_REQUEST_CODE_GET, "/t/e", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "GET answers 2.05");
	CHECK(r.etag_len == 4, "ETag option is 4 bytes, got %zu", r.etag_len);
	CHECK(!memcmp(r.etag, "12-3", 4), "ETag option carries the ETag");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/t/e", NULL, &etag, 1, NULL, 0, &r);
	CHECK(!strcmp(seen.if_none_match, "\"12-3\""),
	      "ETag option is If-None-Match %s", seen.if_none_match);
	CHECK(r.code == 203, "matching ETag answers 2.03, got %u", r.code);
	CHECK(r.len == 0, "2.03 has no payload");
	CHECK(r.etag_len == 4, "2.03 ETag is 4 bytes, got %zu", r.etag_len);
	CHECK(!memcmp(r.etag, "12-3", 4), "2.03 carries the ETag");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/t/e", NULL, &other, 1, NULL, 0, &r);
	CHECK(r.code == 205, "stale ETag answers 2.05, got %u", r.code);
	CHECK(r.len == 5, "2.05 after a stale ETag has the body");
	resp_free(&r);

	/* A 304 from the handler itself. */
	request(COAP_REQUEST_CODE_GET, "/t/e", "status=304", &etag, 1, NULL, 0,
		&r);
	CHECK(r.code == 203, "304 answers 2.03, got %u", r.code);
	CHECK(r.etag_len == 4, "2.03 of a 304 has the ETag");
	resp_free(&r);

	/* An ETag longer than 8 bytes travels as a hash. */
	want.etag = "\"123456789-42\"";
	request(COAP_REQUEST_CODE_GET, "/t/e", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.etag_len == 8, "long ETag is 8 bytes, got %zu", r.etag_len);
	memcpy(hashed, r.etag, sizeof(hashed));
	resp_free(&r);
	etag.value = (const char *)hashed;
	etag.len = sizeof(hashed);
	request(COAP_REQUEST_CODE_GET, "/t/e", NULL, &etag, 1, NULL, 0, &r);
	CHECK(r.code == 203, "hashed ETag answers 2.03, got %u", r.code);
	resp_free(&r);

	/* If-Match and If-None-Match are critical options m2md lacks. */
	etag.number = COAP_OPTION_IF_NONE_MATCH;
	etag.value = "";
	etag.len = 0;
	request(COAP_REQUEST_CODE_PUT, "/t/e", NULL, &etag, 1, "x", 1, &r);
	CHECK(r.code == 402, "If-None-Match answers 4.02, got %u", r.code);
	resp_free(&r);
}

static void fill_pattern(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
}

static void test_large_bodies(void)
{
	unsigned char *big = malloc(MAX_BODY + 1);
	struct resp r;
	int before;

	reset();
	fill_pattern(big, MAX_BODY + 1);
	request(COAP_REQUEST_CODE_POST, "/t/big", NULL, NULL, 0, big, MAX_BODY,
		&r);
	CHECK(r.code == 204, "64 KiB POST answers 2.04, got %u", r.code);
	CHECK(seen.body_len == MAX_BODY, "handler got %zu bytes",
	      seen.body_len);
	CHECK(seen.body_len == MAX_BODY && !memcmp(seen.body, big, MAX_BODY),
	      "64 KiB body arrives intact");
	resp_free(&r);

	want.body = big;
	want.len = MAX_BODY;
	want.content_type = "application/octet-stream";
	request(COAP_REQUEST_CODE_GET, "/t/big", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "64 KiB GET answers 2.05, got %u", r.code);
	CHECK(r.len == MAX_BODY, "client got %zu bytes", r.len);
	CHECK(r.len == MAX_BODY && !memcmp(r.body, big, MAX_BODY),
	      "64 KiB reply arrives intact");
	CHECK(r.etag_len == 8, "block-wise reply without ETag gets one");
	resp_free(&r);

	reset();
	before = calls();
	request(COAP_REQUEST_CODE_POST, "/t/big", NULL, NULL, 0, big,
		MAX_BODY + 1, &r);
	CHECK(r.code == 413, "body over max_body answers 4.13, got %u",
	      r.code);
	CHECK(r.size1 == MAX_BODY, "4.13 has Size1 %d, got %ld", MAX_BODY,
	      r.size1);
	CHECK(calls() == before, "oversized body reaches no handler");
	resp_free(&r);

	request(COAP_REQUEST_CODE_POST, "/small", NULL, NULL, 0, big, 101, &r);
	CHECK(r.code == 413, "body over the route's limit answers 4.13, got %u",
	      r.code);
	CHECK(r.size1 == 100, "4.13 has the route's Size1, got %ld", r.size1);
	resp_free(&r);
	request(COAP_REQUEST_CODE_POST, "/small", NULL, NULL, 0, big, 100, &r);
	CHECK(r.code == 204, "body at the route's limit answers 2.04, got %u",
	      r.code);
	resp_free(&r);
	free(big);
}

/*
 * Run "coap-client-notls -B 30 -m METHOD [-t FORMAT -f IN] -o OUT
 * coap://127.0.0.1:PORT/PATH", the client of the REST suite (libcoap3-bin).
 * It exits when the exchange is done, or gives up after DEADLINE_MS.
 * Its default block mode hands each block to it, and on a 1152-byte PDU
 * its blocks are 512 bytes both ways, as a -v 7 trace shows. Returns its
 * exit status, 127 when it cannot run, or -1.
 */
static int coap_client(const char *method, const char *path, const char *in,
		       int format, const char *out)
{
	char url[600], fmt[16], wait_s[16];
	const char *argv[16];
	int argc = 0, status, fd;
	pid_t pid;

	snprintf(url, sizeof(url), "coap://127.0.0.1:%u%s", port, path);
	snprintf(fmt, sizeof(fmt), "%d", format);
	snprintf(wait_s, sizeof(wait_s), "%d", DEADLINE_MS / 1000);
	argv[argc++] = "coap-client-notls";
	argv[argc++] = "-B";
	argv[argc++] = wait_s;
	argv[argc++] = "-m";
	argv[argc++] = method;
	if (in) {
		argv[argc++] = "-t";
		argv[argc++] = fmt;
		argv[argc++] = "-f";
		argv[argc++] = in;
	}
	argv[argc++] = "-o";
	argv[argc++] = out;
	argv[argc++] = url;
	argv[argc] = NULL;
	unlink(out);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The contents of path (NUL-terminated, *len bytes), or NULL. */
static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");
	long size;

	*len = 0;
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc(size + 1);
		if (buf && fread(buf, 1, size, f) == (size_t)size) {
			buf[size] = '\0';
			*len = size;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void spill(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len)
		CHECK(0, "cannot write %s", path);
	if (f)
		fclose(f);
}

static int creates(void)
{
	int n;

	pthread_mutex_lock(&made.lock);
	n = made.creates;
	pthread_mutex_unlock(&made.lock);
	return n;
}

/*
 * Check that the handler of /ci ran once, with body, and that the client
 * got the whole reply of that creation. The reply is larger than a
 * datagram, so it comes in Block2 blocks, which must all be cut from the
 * reply of that one creation (RFC 7959, 2.5).
 */
static void expect_created(const char *who, int before,
			   const unsigned char *body, size_t len,
			   const unsigned char *reply, size_t reply_len)
{
	char *want_doc = malloc(2 * sizeof(made.body) + 64);
	size_t want_len;

	CHECK(creates() == before + 1,
	      "%s: one block-wise request runs the handler once, ran %d times",
	      who, creates() - before);
	pthread_mutex_lock(&made.lock);
	CHECK(made.len == len, "%s: handler got %zu bytes, expected %zu",
	      who, made.len, len);
	CHECK(made.len != len || !memcmp(made.body, body, len),
	      "%s: handler got the body intact", who);
	pthread_mutex_unlock(&made.lock);
	want_len = render_created(before + 1, body, len, want_doc,
				  2 * sizeof(made.body) + 64);
	CHECK(reply_len == want_len, "%s: client got %zu reply bytes, expected %zu",
	      who, reply_len, want_len);
	CHECK(reply_len != want_len || !memcmp(reply, want_doc, want_len),
	      "%s: reply is that of the one creation: %.80s...", who,
	      reply ? (const char *)reply : "");
	free(want_doc);
}

/*
 * Send a 3000-byte POST in 512-byte Block1 blocks whose 2.01 reply (6 KiB)
 * comes back in 512-byte Block2 blocks. The client requests blocks 1..n
 * of the reply with POSTs that carry Block2 and no payload. These must get
 * the rest of the first reply without running the handler again, which
 * would create a second, empty resource and splice two replies.
 */
static void test_blockwise_post_reply(void)
{
	struct opt block1 = { .number = COAP_OPTION_BLOCK1,
			      .uint = 0 << 4 | 1 << 3 | 5 };
	struct opt late = { .number = COAP_OPTION_BLOCK2, .uint = 3 << 4 | 5 };
	unsigned char body[3000], *got;
	char dir[64], in[96], out[96];
	struct resp r;
	size_t len;
	int before, rc;

	reset();
	fill_pattern(body, sizeof(body));
	m2md_test_tmpdir(dir, sizeof(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	spill(in, body, sizeof(body));

	before = creates();
	rc = coap_client("post", "/ci/x", in, 0, out);
	CHECK(rc != 127, "coap-client-notls runs (libcoap3-bin, scripts/deps)");
	CHECK(rc == 0, "coap-client-notls POST exits 0, got %d", rc);
	got = slurp(out, &len);
	expect_created("coap-client-notls POST", before, body, sizeof(body),
		       got, len);
	free(got);

	/* The same with libcoap's client, in 512-byte blocks too. */
	before = creates();
	request(COAP_REQUEST_CODE_POST, "/ci/x", NULL, &block1, 1, body,
		sizeof(body), &r);
	CHECK(r.code == 201, "libcoap block-wise POST answers 2.01, got %u",
	      r.code);
	snprintf(in, sizeof(in), "/ci/%d", before + 1);
	CHECK(!strcmp(r.location, in), "2.01 has Location-Path %s, got %s",
	      in, r.location);
	CHECK(r.block1 < 0 || (r.block1 & 7) == 5,
	      "Block1 blocks of 512 bytes, got SZX %ld", r.block1 & 7);
	snprintf(in, sizeof(in), "%s/in", dir);
	expect_created("libcoap POST", before, body, sizeof(body), r.body,
		       r.len);
	resp_free(&r);

	/* A PUT whose reply comes in blocks is not run again either. */
	before = creates();
	rc = coap_client("put", "/ci/y", in, 0, out);
	CHECK(rc == 0, "coap-client-notls PUT exits 0, got %d", rc);
	got = slurp(out, &len);
	expect_created("coap-client-notls PUT", before, body, sizeof(body),
		       got, len);
	free(got);

	/* A later block of a reply that was never sent runs nothing. */
	before = creates();
	request(COAP_REQUEST_CODE_POST, "/ci/none", NULL, &late, 1, NULL, 0,
		&r);
	CHECK(r.code / 100 == 4,
	      "Block2 number 3 of no reply answers 4.xx, got %u", r.code);
	CHECK(creates() == before, "Block2 of no reply runs no handler");
	resp_free(&r);
	m2md_test_rmdir(dir);
}

/* A 3000-byte GET reply read by coap-client-notls in 512-byte blocks. */
static void test_blockwise_get_client(void)
{
	unsigned char body[3000], *got;
	char dir[64], out[96];
	size_t len;
	int rc;

	reset();
	memset(body, 'B', sizeof(body));
	fill_pattern(body + 1000, 1000);
	want.body = body;
	want.len = sizeof(body);
	want.content_type = "text/plain";
	want.etag = "\"28-1\"";
	m2md_test_tmpdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	rc = coap_client("get", "/t/content", NULL, 0, out);
	CHECK(rc == 0, "coap-client-notls GET exits 0, got %d", rc);
	got = slurp(out, &len);
	CHECK(len == sizeof(body), "coap-client-notls got %zu bytes, expected %zu",
	      len, sizeof(body));
	CHECK(len != sizeof(body) || !memcmp(got, body, len),
	      "coap-client-notls GET reply intact");
	free(got);
	reset();
	m2md_test_rmdir(dir);
}

static void test_query_limits(void)
{
	char query[1024] = "", value[300];
	struct resp r;
	size_t used = 0;
	int i, before;

	reset();
	for (i = 0; i < M2MD_ARGS_MAX; i++)
		used += snprintf(query + used, sizeof(query) - used, "%sa%d=%d",
				 i ? "&" : "", i, i);
	request(COAP_REQUEST_CODE_GET, "/t/q", query, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "%d query parameters answer 2.05, got %u",
	      M2MD_ARGS_MAX, r.code);
	CHECK(seen.nargs == M2MD_ARGS_MAX, "handler got %zu parameters",
	      seen.nargs);
	resp_free(&r);

	before = calls();
	snprintf(query + used, sizeof(query) - used, "&extra=1");
	request(COAP_REQUEST_CODE_GET, "/t/q", query, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 400, "%d query parameters answer 4.00, got %u",
	      M2MD_ARGS_MAX + 1, r.code);
	CHECK(r.body != NULL, "4.00 has a diagnostic payload");
	CHECK(r.body && strstr((char *)r.body, "query parameters"),
	      "diagnostic says why: %s", r.body ? (char *)r.body : "");
	CHECK(calls() == before, "too many parameters reach no handler");
	resp_free(&r);

	/* RFC 7252 caps Uri-Query at 255 bytes, so values fit the limit. */
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	snprintf(query, sizeof(query), "long=%.250s", value);
	request(COAP_REQUEST_CODE_GET, "/t/q", query, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "250-byte value answers 2.05, got %u", r.code);
	CHECK(strlen(seen.args[0][1]) == 63, "value arrives (cut by the test)");
	resp_free(&r);
	request(COAP_REQUEST_CODE_GET, "/t/q", "=x", NULL, 0, NULL, 0, &r);
	CHECK(r.code == 400, "parameter without name answers 4.00, got %u",
	      r.code);
	resp_free(&r);
	request(COAP_REQUEST_CODE_GET, "/t/../etc", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 400, "'..' segment answers 4.00, got %u", r.code);
	resp_free(&r);
}

/*
 * A handler that takes long (a long poll) gets its reply sent later,
 * while the server goes on serving other clients. The slow handler waits
 * at the gate, so it still runs when the quick request gets its reply,
 * however slow the host is.
 */
static void test_slow_handler(void)
{
	struct client slow, quick;
	struct resp rs, rq;

	reset();
	m2md_coap_set_ack_wait(server, 0);
	gate_close();
	client_open(&slow, "127.0.0.1");
	client_open(&quick, "127.0.0.1");
	send_pdu(&slow, build(&slow, COAP_REQUEST_CODE_GET, "/t/slow",
			      "gate=1", NULL, 0), NULL, 0, &rs);
	CHECK(gate_wait_for(1) == 1, "slow handler is running");
	send_pdu(&quick, build(&quick, COAP_REQUEST_CODE_GET, "/t/quick",
			       NULL, NULL, 0), NULL, 0, &rq);
	wait_response(&quick, &rq, DEADLINE_MS);
	CHECK(rq.got, "quick request got a response during a slow one");
	CHECK(rq.code == 205, "quick request answers 2.05, got %u", rq.code);
	/* The slow client may read its empty ACK, but no response yet. */
	wait_response(&slow, &rs, 100);
	CHECK(!rs.got, "slow request has no response while its handler runs");
	gate_open();
	wait_response(&slow, &rs, DEADLINE_MS);
	CHECK(rs.got, "slow request got a separate response");
	CHECK(rs.code == 205, "slow request answers 2.05, got %u", rs.code);
	CHECK(rs.len == 5, "separate response carries the body");
	resp_free(&rs);
	resp_free(&rq);
	client_close(&slow);
	client_close(&quick);
	m2md_coap_set_ack_wait(server, DEADLINE_MS);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A UDP socket connected to the server on 127.0.0.1 port to. */
static int raw_socket_to(uint16_t to)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	addr.sin_port = htons(to);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	return fd;
}

static int raw_socket(void)
{
	return raw_socket_to(port);
}

/* A datagram from the server and the fields of its header (RFC 7252, 3). */
struct raw_msg {
	unsigned char data[1500];
	size_t len;
	int type;			/* COAP_MESSAGE_CON .. COAP_MESSAGE_RST */
	int code;			/* class * 100 + detail */
	unsigned int mid;
	size_t token_len;
	const unsigned char *token;
};

/*
 * Receive the next CoAP datagram into m, waiting until deadline (ms of
 * CLOCK_MONOTONIC). Datagrams that are not CoAP version 1 are skipped.
 * Returns false when none came in time.
 */
static bool raw_recv(int fd, struct raw_msg *m, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	ssize_t n;

	while ((left = deadline - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, m->data, sizeof(m->data), MSG_DONTWAIT);
		if (n < 4 || m->data[0] >> 6 != 1 || (m->data[0] & 15) > 8 ||
		    4 + (size_t)(m->data[0] & 15) > (size_t)n)
			continue;
		m->len = n;
		m->type = m->data[0] >> 4 & 3;
		m->token_len = m->data[0] & 15;
		m->token = m->data + 4;
		m->code = (m->data[1] >> 5) * 100 + (m->data[1] & 0x1f);
		m->mid = m->data[2] << 8 | m->data[3];
		return true;
	}
	return false;
}

/*
 * Decode the extended option delta or length of nibble at *i (RFC 7252,
 * 3.1). Returns false for the reserved nibble 15 or a truncated value.
 */
static bool raw_option_ext(const struct raw_msg *m, size_t *i,
			   unsigned int nibble, unsigned int *out)
{
	if (nibble < 13) {
		*out = nibble;
		return true;
	}
	if (nibble == 13 && *i + 1 <= m->len) {
		*out = 13 + m->data[*i];
		*i += 1;
		return true;
	}
	if (nibble == 14 && *i + 2 <= m->len) {
		*out = 269 + (m->data[*i] << 8 | m->data[*i + 1]);
		*i += 2;
		return true;
	}
	return false;
}

/* The value of uint option number in m, or -1 when m lacks it. */
static long raw_option_uint(const struct raw_msg *m, unsigned int number)
{
	size_t i = 4 + m->token_len;
	unsigned int opt = 0, head, delta, len, j;
	long value;

	while (i < m->len && m->data[i] != 0xff) {
		head = m->data[i++];
		if (!raw_option_ext(m, &i, head >> 4, &delta) ||
		    !raw_option_ext(m, &i, head & 15, &len))
			return -1;
		opt += delta;
		if (i + len > m->len || len > 4)
			return -1;
		if (opt == number) {
			for (value = 0, j = 0; j < len; j++)
				value = value << 8 | m->data[i + j];
			return value;
		}
		i += len;
	}
	return -1;
}

static void raw_empty(int fd, int type, unsigned int mid)
{
	unsigned char msg[4] = { 0x40 | type << 4, 0, mid >> 8, mid & 0xff };

	send(fd, msg, sizeof(msg), 0);
}

/*
 * Wait for the ACK or Reset of message mid into m, skipping other
 * datagrams. When none comes before DEADLINE_MS, m's type and code are
 * -1.
 */
static void raw_wait_ack(int fd, unsigned int mid, struct raw_msg *m)
{
	long long deadline = now_ms() + DEADLINE_MS;

	while (raw_recv(fd, m, deadline))
		if (m->type >= COAP_MESSAGE_ACK && m->mid == mid)
			return;
	m->type = -1;
	m->code = -1;
}

/*
 * Whether m is a separate response (CON or NON, a response code) to the
 * request with token. A CON one is acknowledged, as a client must.
 */
static bool raw_is_separate(int fd, const struct raw_msg *m,
			    const unsigned char *token, size_t token_len)
{
	if (m->type > COAP_MESSAGE_NON || m->code < 200 ||
	    m->token_len != token_len || memcmp(m->token, token, token_len))
		return false;
	if (m->type == COAP_MESSAGE_CON)
		raw_empty(fd, COAP_MESSAGE_ACK, m->mid);
	return true;
}

/*
 * Send a datagram and return the code of its response: the piggybacked
 * one, or after an empty ACK the separate response with the same token.
 * Returns 0 for a Reset and -1 when msg got no reply. A GET of a path
 * without a route follows msg, and the server handles datagrams in order,
 * so the 4.04 to that GET without a reply to msg before it means there is
 * none. A ping cannot take its place, because libcoap 4.3.1 sends no Reset
 * to some pings in m2md's loop.
 */
static int raw_exchange(int fd, const void *msg, size_t len)
{
	/* CON GET /none with no token and a message ID that varies. */
	static unsigned char probe[] = {
		0x40, 0x01, 0xf0, 0x00, 0xb4, 'n', 'o', 'n', 'e',
	};
	const unsigned char *req = msg;
	long long deadline = now_ms() + DEADLINE_MS;
	long mid = len >= 4 ? req[2] << 8 | req[3] : -1;
	size_t token_len = len >= 4 ? req[0] & 15 : 0;
	unsigned int probe_mid;
	bool acked = false;
	struct raw_msg m;

	if (token_len > 8 || 4 + token_len > len)
		token_len = 0;
	probe[3]++;
	probe_mid = probe[2] << 8 | probe[3];
	send(fd, msg, len, 0);
	send(fd, probe, sizeof(probe), 0);
	while (raw_recv(fd, &m, deadline)) {
		if (m.type >= COAP_MESSAGE_ACK && m.mid == mid) {
			if (m.type == COAP_MESSAGE_RST)
				return 0;
			if (m.code)
				return m.code;
			acked = true;
		} else if (m.type == COAP_MESSAGE_ACK && m.mid == probe_mid) {
			if (!acked)
				return -1;
		} else if (acked &&
			   raw_is_separate(fd, &m, req + 4, token_len)) {
			return m.code;
		}
	}
	return -1;
}

static void test_malformed_datagrams(void)
{
	/* CON GET, token length 0, Uri-Path "t" then a delta of 15. */
	static const unsigned char bad_delta[] = {
		0x40, 0x01, 0x12, 0x34, 0xb1, 't', 0xf0,
	};
	/* Token length 9, which RFC 7252 reserves. */
	static const unsigned char bad_token[] = {
		0x49, 0x01, 0x12, 0x35, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	};
	/* An option length running past the end of the datagram. */
	static const unsigned char bad_length[] = {
		0x40, 0x01, 0x12, 0x36, 0xbd, 0x40, 't',
	};
	/* Version 0. */
	static const unsigned char bad_version[] = { 0x00, 0x01, 0x12, 0x37 };
	static const unsigned char truncated[] = { 0x40, 0x01 };
	static const unsigned char method8[] = {
		0x40, 0x08, 0x12, 0x3a, 0xb1, 't',
	};
	/*
	 * CON POST /t with Block1 number 2, more, 32-byte blocks (option 27,
	 * delta 16 as 13 + 3): a body whose blocks 0 and 1 never came.
	 */
	unsigned char late_block[10 + 32] = {
		0x40, 0x02, 0x12, 0x38, 0xb1, 't', 0xd1, 0x03, 0x29, 0xff,
	};
	unsigned char garbage[512], long_query[7 + 262];
	struct resp r;
	int fd = raw_socket();
	int i, code, before;

	for (i = 0; i < (int)sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 37 + 11);
	raw_exchange(fd, garbage, sizeof(garbage));
	raw_exchange(fd, truncated, sizeof(truncated));
	code = raw_exchange(fd, bad_delta, sizeof(bad_delta));
	CHECK(code != 205, "option delta 15 is not served, got %d", code);
	raw_exchange(fd, bad_token, sizeof(bad_token));
	code = raw_exchange(fd, bad_length, sizeof(bad_length));
	CHECK(code != 205, "overlong option is not served, got %d", code);
	raw_exchange(fd, bad_version, sizeof(bad_version));
	raw_exchange(fd, "", 0);
	/* A Uri-Query of 262 bytes, over the 255 that RFC 7252 allows. */
	long_query[0] = 0x40;
	long_query[1] = 0x01;
	long_query[2] = 0x12;
	long_query[3] = 0x39;
	long_query[4] = 0xdd;
	long_query[5] = 15 - 13;
	long_query[6] = 262 - 13;
	memset(long_query + 7, 'q', 262);
	before = calls();
	code = raw_exchange(fd, long_query, sizeof(long_query));
	CHECK(code != 205, "262-byte Uri-Query is not served, got %d", code);
	CHECK(calls() == before, "262-byte Uri-Query reaches no handler");
	/* Request code 0.08, which no method has: libcoap answers 4.04. */
	before = calls();
	code = raw_exchange(fd, method8, sizeof(method8));
	CHECK(code == 404, "request code 0.08 answers 4.04, got %d", code);
	CHECK(calls() == before, "request code 0.08 reaches no handler");
	code = raw_exchange(fd, late_block, sizeof(late_block));
	CHECK(code == 408, "block 2 first answers 4.08, got %d", code);
	close(fd);

	reset();
	request(COAP_REQUEST_CODE_GET, "/t/alive", NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.got, "server still answers after malformed datagrams");
	CHECK(r.code == 205, "GET after malformed datagrams answers 2.05");
	resp_free(&r);
}

/*
 * Start a server of the test's routes for one test. Stopping it waits
 * until every handler it started has returned, which no wait on the
 * shared server could show.
 */
static struct m2md_coap *own_server(void)
{
	struct m2md_coap *own = NULL;
	char err[256] = "";

	CHECK(!m2md_coap_start("127.0.0.1", 0, routes, 4, MAX_BODY, &own, err,
			       sizeof(err)), "start a server of its own: %s",
	      err);
	return own;
}

/*
 * A CON request retransmitted while its handler runs is acknowledged
 * again but not handled twice. The handler waits at the gate until both
 * copies got their ACK, so the second copy comes while it runs.
 */
static void test_retransmission(void)
{
	/* CON GET /t/dup?gate=1, message ID 0x2201, token 0xaa. */
	static const unsigned char msg[] = {
		0x41, 0x01, 0x22, 0x01, 0xaa, 0xb1, 't', 0x03, 'd', 'u', 'p',
		0x46, 'g', 'a', 't', 'e', '=', '1',
	};
	long long deadline;
	struct m2md_coap *own = own_server();
	struct raw_msg m;
	int fd, code, before = calls();

	if (!own)
		return;
	fd = raw_socket_to(m2md_coap_port(own));
	gate_close();
	send(fd, msg, sizeof(msg), 0);
	raw_wait_ack(fd, 0x2201, &m);
	CHECK(m.type == COAP_MESSAGE_ACK,
	      "first copy gets an ACK, got message type %d", m.type);
	CHECK(m.code == 0, "ACK of the first copy is empty, got code %d",
	      m.code);
	CHECK(gate_wait_for(1) == 1, "handler of the first copy is running");

	send(fd, msg, sizeof(msg), 0);
	raw_wait_ack(fd, 0x2201, &m);
	CHECK(m.type == COAP_MESSAGE_ACK,
	      "second copy gets an ACK, got message type %d", m.type);
	CHECK(m.code == 0, "ACK of the second copy is empty, got code %d",
	      m.code);

	gate_open();
	code = -1;
	deadline = now_ms() + DEADLINE_MS;
	while (raw_recv(fd, &m, deadline)) {
		if (raw_is_separate(fd, &m, msg + 4, 1)) {
			code = m.code;
			break;
		}
	}
	CHECK(code == 205, "separate response is 2.05, got %d (-1: none)",
	      code);
	/* Every handler the server started has returned once it stopped. */
	m2md_coap_stop(own);
	CHECK(calls() == before + 1, "handler ran %d times, expected once",
	      calls() - before);
	close(fd);
}

/*
 * Send n CON requests msg, whose bytes 3 and 5 (the low byte of the
 * message ID and of the 2-byte token) are set to 0..n-1, and read one
 * reply to each or until DEADLINE_MS has passed. Counts empty ACKs in
 * *acks and 5.03 replies in *busy, with the Max-Age of one in *max_age.
 */
static void raw_flood(int fd, unsigned char *msg, size_t len, int n,
		      int *acks, int *busy, long *max_age)
{
	long long deadline = now_ms() + DEADLINE_MS;
	bool replied[256] = { false };
	int i, replies = 0;
	struct raw_msg m;

	for (i = 0; i < n && i < 256; i++) {
		msg[3] = msg[5] = (unsigned char)i;
		send(fd, msg, len, 0);
	}
	while (replies < n && raw_recv(fd, &m, deadline)) {
		i = m.mid & 0xff;
		if (m.type != COAP_MESSAGE_ACK || m.mid >> 8 != msg[2] ||
		    i >= n || replied[i])
			continue;
		replied[i] = true;
		replies++;
		if (m.code == 0)
			(*acks)++;
		if (m.code == 503) {
			(*busy)++;
			*max_age = raw_option_uint(&m, COAP_OPTION_MAXAGE);
		}
	}
}

/*
 * With every handler thread busy, one more request gets 5.03 with
 * Max-Age 1 at once instead of waiting. The handlers wait at the gate,
 * so none of the 64 returns before the 65th request comes.
 */
static void test_handler_limit(void)
{
	/* CON GET /t/cap?gate=1 with a 2-byte token that varies. */
	unsigned char msg[] = {
		0x42, 0x01, 0x30, 0x00, 0x00, 0x00, 0xb1, 't', 0x03, 'c', 'a',
		'p', 0x46, 'g', 'a', 't', 'e', '=', '1',
	};
	struct m2md_coap *own = own_server();
	int fd, acks = 0, busy = 0, running;
	long max_age = -1;

	if (!own)
		return;
	fd = raw_socket_to(m2md_coap_port(own));
	gate_close();
	raw_flood(fd, msg, sizeof(msg), 65, &acks, &busy, &max_age);
	CHECK(acks == 64, "%d of 64 requests got an empty ACK", acks);
	CHECK(busy == 1, "%d requests got 5.03, expected 1", busy);
	CHECK(max_age == 1, "5.03 has Max-Age 1, got %ld", max_age);
	running = gate_wait_for(64);
	CHECK(running == 64, "%d handlers run at once, expected 64", running);
	gate_open();
	m2md_coap_stop(own);
	close(fd);
}

/*
 * Long polls may take 48 of the 64 handler threads: one more gets 5.03,
 * while another request still gets its reply. The long polls wait at the
 * gate until the test has sent every request.
 */
static void test_poll_limit(void)
{
	/* CON GET /t/longPolling?gate=1 with a 2-byte token that varies. */
	unsigned char poll[] = {
		0x42, 0x01, 0x40, 0x00, 0x00, 0x00, 0xb1, 't', 0x0b, 'l', 'o',
		'n', 'g', 'P', 'o', 'l', 'l', 'i', 'n', 'g', 0x46, 'g', 'a',
		't', 'e', '=', '1',
	};
	/* CON GET /t/quick, token 0xbb. */
	static const unsigned char quick[] = {
		0x41, 0x01, 0x41, 0x00, 0xbb, 0xb1, 't', 0x05, 'q', 'u', 'i',
		'c', 'k',
	};
	struct m2md_coap *own = own_server();
	int fd, acks = 0, busy = 0, running, code;
	long max_age = -1;

	if (!own)
		return;
	fd = raw_socket_to(m2md_coap_port(own));
	gate_close();
	raw_flood(fd, poll, sizeof(poll), 49, &acks, &busy, &max_age);
	CHECK(acks == 48, "%d of 48 long polls got an empty ACK", acks);
	CHECK(busy == 1, "%d long polls got 5.03, expected 1", busy);
	running = gate_wait_for(48);
	CHECK(running == 48, "%d long polls run at once, expected 48",
	      running);
	code = raw_exchange(fd, quick, sizeof(quick));
	CHECK(code == 205, "a request during 48 long polls gets 2.05, got %d",
	      code);
	gate_open();
	m2md_coap_stop(own);
	close(fd);
}

static void test_ipv6(void)
{
	struct m2md_coap *v6;
	uint16_t saved = port;
	struct client c;
	struct resp r;
	char err[256];
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0) {
		printf("SKIP ipv6: no IPv6 socket\n");
		return;
	}
	close(fd);
	CHECK(!m2md_coap_start("::1", 0, routes, 3, MAX_BODY, &v6, err,
			       sizeof(err)), "start on ::1: %s", err);
	if (failures)
		return;
	port = m2md_coap_port(v6);
	CHECK(port != 0, "IPv6 server has a port");
	reset();
	client_open(&c, "::1");
	send_pdu(&c, build(&c, COAP_REQUEST_CODE_GET, "/t/six", NULL, NULL, 0),
		 NULL, 0, &r);
	wait_response(&c, &r, DEADLINE_MS);
	CHECK(r.got, "GET over IPv6 got a response");
	CHECK(r.code == 205, "GET over IPv6 answers 2.05, got %u", r.code);
	CHECK(!strcmp(seen.path, "/t/six"), "IPv6 path is %s", seen.path);
	resp_free(&r);
	client_close(&c);
	m2md_coap_stop(v6);
	port = saved;
}

static void test_start_errors(void)
{
	struct m2md_coap *other;
	char err[256];

	CHECK(m2md_coap_start("not-an-address", 0, routes, 3, MAX_BODY,
			      &other, err, sizeof(err)) == -EINVAL,
	      "invalid address is rejected");
	CHECK(strstr(err, "not-an-address") != NULL, "error names it: %s",
	      err);
	CHECK(m2md_coap_start("127.0.0.1", port, routes, 3, MAX_BODY, &other,
			      err, sizeof(err)) < 0,
	      "a port in use is rejected");
}

/*
 * Validate an XML body against the schema of its root element. Returns
 * the root element's name, or "" with the reason in err when invalid.
 */
static const char *validate(const unsigned char *body, size_t len, char *root,
			    size_t rootlen, char *err, size_t errlen)
{
	xmlSchemaParserCtxtPtr parser = NULL;
	xmlSchemaValidCtxtPtr valid = NULL;
	xmlSchemaPtr schema = NULL;
	char xsd[1100];
	xmlDocPtr doc;
	int ret = -1;

	root[0] = '\0';
	doc = xmlReadMemory((const char *)body, len, NULL, NULL, XML_PARSE_NONET);
	if (!doc || !xmlDocGetRootElement(doc)) {
		snprintf(err, errlen, "not well-formed XML");
		xmlFreeDoc(doc);
		return root;
	}
	snprintf(root, rootlen, "%s", xmlDocGetRootElement(doc)->name);
	snprintf(xsd, sizeof(xsd), "%s/%s.xsd", xsd_dir, root);
	parser = xmlSchemaNewParserCtxt(xsd);
	if (parser)
		schema = xmlSchemaParse(parser);
	if (schema)
		valid = xmlSchemaNewValidCtxt(schema);
	if (valid)
		ret = xmlSchemaValidateDoc(valid, doc);
	snprintf(err, errlen, "%s does not validate against %s", root, xsd);
	xmlSchemaFreeValidCtxt(valid);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(parser);
	xmlFreeDoc(doc);
	if (ret)
		root[0] = '\0';
	return root;
}

static int validated;

/* Check that r's body is XML of root element root, valid by its schema. */
static void expect_valid(const struct resp *r, const char *root,
			 const char *what)
{
	char name[64], err[1300];

	CHECK(r->format == COAP_MEDIATYPE_APPLICATION_XML,
	      "%s: Content-Format 41, got %d", what, r->format);
	validate(r->body, r->len, name, sizeof(name), err, sizeof(err));
	CHECK(!strcmp(name, root), "%s: %s (body %.*s)", what, err,
	      (int)r->len, r->body ? (char *)r->body : "");
	validated += !strcmp(name, root);
}

#define CIS	"/gscl/applications/app1/containers/temp/contentInstances"

/* The currentNrOfInstances of CIS, read over CoAP, or -1. */
static long tree_instances(void)
{
	const char *tag = "currentNrOfInstances>";
	struct resp r;
	const char *p;
	long n = -1;

	request(COAP_REQUEST_CODE_GET, CIS, NULL, NULL, 0, NULL, 0, &r);
	p = r.body ? strstr((char *)r.body, tag) : NULL;
	if (r.code == 205 && p)
		n = atol(p + strlen(tag));
	else
		printf("GET of contentInstances answered %u: %.200s\n", r.code,
		       r.body ? (char *)r.body : "(no payload)");
	resp_free(&r);
	return n;
}

/* CIS/latest/content read by the libcoap client, compared to want_body. */
static void expect_latest(const char *who, const unsigned char *want_body,
			  size_t len)
{
	struct resp r;

	request(COAP_REQUEST_CODE_GET, CIS "/latest/content", NULL, NULL, 0,
		NULL, 0, &r);
	CHECK(r.code == 205, "%s: GET latest/content answers 2.05, got %u",
	      who, r.code);
	CHECK(r.len == len, "%s: latest/content has %zu bytes, expected %zu",
	      who, r.len, len);
	CHECK(r.len != len || !memcmp(r.body, want_body, len),
	      "%s: latest/content is the posted body", who);
	resp_free(&r);
}

/*
 * Do what the REST suite does on the real tree. coap-client-notls posts a
 * 3000-byte contentInstance in 512-byte blocks, and its 2.01 reply (the
 * instance with its content in base64) comes back in blocks too. Then it
 * reads the content back, and libcoap's client does the same.
 */
static void test_tree_blockwise(const char *dir)
{
	struct opt text = { .number = COAP_OPTION_CONTENT_FORMAT, .uint = 0 };
	unsigned char big[3000], *got;
	char in[96], out[96];
	struct resp r;
	long n, after;
	size_t len;
	int rc;

	snprintf(in, sizeof(in), "%s/big", dir);
	snprintf(out, sizeof(out), "%s/reply", dir);
	memset(big, 'B', sizeof(big));
	spill(in, big, sizeof(big));
	n = tree_instances();
	CHECK(n >= 1, "contentInstances counts its instances, got %ld", n);
	rc = coap_client("post", CIS, in, 0, out);
	CHECK(rc == 0, "coap-client-notls POST of 3000 bytes exits 0, got %d",
	      rc);
	after = tree_instances();
	CHECK(after == n + 1,
	      "coap-client-notls block-wise POST creates one instance: %ld, then %ld (-1: GET failed)",
	      n, after);
	got = slurp(out, &len);
	memset(&r, 0, sizeof(r));
	r.body = got;
	r.len = len;
	r.format = COAP_MEDIATYPE_APPLICATION_XML;
	expect_valid(&r, "contentInstance",
		     "2.01 reply to coap-client-notls in blocks");
	free(got);
	expect_latest("coap-client-notls POST", big, sizeof(big));

	rc = coap_client("get", CIS "/latest/content", NULL, 0, out);
	CHECK(rc == 0, "coap-client-notls GET exits 0, got %d", rc);
	got = slurp(out, &len);
	CHECK(len == sizeof(big),
	      "coap-client-notls GET of latest/content: %zu bytes, expected %zu",
	      len, sizeof(big));
	CHECK(len != sizeof(big) || !memcmp(got, big, len),
	      "coap-client-notls GET of latest/content is intact");
	free(got);

	memset(big, 'C', sizeof(big));
	n = tree_instances();
	request(COAP_REQUEST_CODE_POST, CIS, NULL, &text, 1, big, sizeof(big),
		&r);
	CHECK(r.code == 201, "libcoap block-wise POST answers 2.01, got %u",
	      r.code);
	after = tree_instances();
	CHECK(after == n + 1,
	      "libcoap block-wise POST creates one instance: %ld, then %ld (-1: GET failed)",
	      n, after);
	expect_valid(&r, "contentInstance", "2.01 reply to libcoap in blocks");
	resp_free(&r);
	expect_latest("libcoap POST", big, sizeof(big));
}

/*
 * A real tree (store in a temporary directory, no authentication) over
 * CoAP: create an application, a container and a contentInstance, read
 * them back, and validate every XML reply against its ETSI schema.
 */
static void test_real_tree(void)
{
	struct opt xml = { .number = COAP_OPTION_CONTENT_FORMAT, .uint = 41 };
	struct opt text = { .number = COAP_OPTION_CONTENT_FORMAT, .uint = 0 };
	struct opt json = { .number = COAP_OPTION_ACCEPT, .uint = 50 };
	struct opt etag = { .number = COAP_OPTION_ETAG };
	static const char app[] = "<m2m:application " M2M_NS
				  " appId=\"app1\"/>";
	static const char cont[] = "<m2m:container " M2M_NS
				   " m2m:id=\"temp\"/>";
	struct m2md_route tree_routes[] = {
		{ "/gscl", true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE,
		  0, m2md_tree_handle, NULL },
	};
	struct m2md_store *store;
	struct m2md_tree tree = { 0 };
	struct m2md_coap *coap;
	uint16_t saved = port;
	char dir[64], err[256];
	uint8_t tag[8];
	size_t tag_len;
	struct resp r;

	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, "/gscl", NULL, NULL)) {
		CHECK(0, "tree setup failed: %s", err);
		return;
	}
	tree_routes[0].ctx = &tree;
	CHECK(!m2md_coap_start("127.0.0.1", 0, tree_routes, 1, MAX_BODY, &coap,
			       err, sizeof(err)), "start on a tree: %s", err);
	port = m2md_coap_port(coap);
	m2md_coap_set_ack_wait(coap, DEADLINE_MS);

	request(COAP_REQUEST_CODE_POST, "/gscl/applications", NULL, &xml, 1,
		app, strlen(app), &r);
	CHECK(r.code == 201, "create application answers 2.01, got %u (%s)",
	      r.code, r.body ? (char *)r.body : "");
	CHECK(!strcmp(r.location, "/gscl/applications/app1"),
	      "application Location-Path is %s", r.location);
	if (r.len)
		expect_valid(&r, "application", "created application");
	resp_free(&r);

	request(COAP_REQUEST_CODE_POST, "/gscl/applications/app1/containers",
		NULL, &xml, 1, cont, strlen(cont), &r);
	CHECK(r.code == 201, "create container answers 2.01, got %u (%s)",
	      r.code, r.body ? (char *)r.body : "");
	CHECK(!strcmp(r.location, "/gscl/applications/app1/containers/temp"),
	      "container Location-Path is %s", r.location);
	resp_free(&r);

	request(COAP_REQUEST_CODE_POST,
		"/gscl/applications/app1/containers/temp/contentInstances",
		NULL, &text, 1, "21.5", 4, &r);
	CHECK(r.code == 201, "create contentInstance answers 2.01, got %u (%s)",
	      r.code, r.body ? (char *)r.body : "");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET,
		"/gscl/applications/app1/containers/temp/contentInstances/latest",
		NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "GET latest answers 2.05, got %u", r.code);
	expect_valid(&r, "contentInstance", "latest");
	CHECK(r.body && strstr((char *)r.body, "MjEuNQ=="),
	      "latest carries the content in base64");
	resp_free(&r);

	test_tree_blockwise(dir);

	request(COAP_REQUEST_CODE_GET, "/gscl/applications/app1", NULL, NULL,
		0, NULL, 0, &r);
	CHECK(r.code == 205, "GET application answers 2.05, got %u", r.code);
	expect_valid(&r, "application", "application");
	CHECK(r.etag_len > 0, "application has an ETag");
	tag_len = r.etag_len;
	memcpy(tag, r.etag, tag_len);
	resp_free(&r);

	etag.value = (const char *)tag;
	etag.len = tag_len;
	request(COAP_REQUEST_CODE_GET, "/gscl/applications/app1", NULL, &etag,
		1, NULL, 0, &r);
	CHECK(r.code == 203, "GET with the current ETag answers 2.03, got %u",
	      r.code);
	CHECK(r.len == 0, "2.03 has no payload");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/gscl/applications/app1/containers",
		NULL, NULL, 0, NULL, 0, &r);
	CHECK(r.code == 205, "GET containers answers 2.05, got %u", r.code);
	expect_valid(&r, "containers", "containers");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/gscl/applications/app1", NULL, &json,
		1, NULL, 0, &r);
	CHECK(r.code == 205, "GET as JSON answers 2.05, got %u", r.code);
	CHECK(r.format == COAP_MEDIATYPE_APPLICATION_JSON,
	      "Accept 50 gives Content-Format 50, got %d", r.format);
	CHECK(r.body && strstr((char *)r.body, "\"application\""),
	      "JSON has the application key");
	resp_free(&r);

	request(COAP_REQUEST_CODE_GET, "/gscl/applications/nothere", NULL,
		NULL, 0, NULL, 0, &r);
	CHECK(r.code == 404, "GET of a missing application answers 4.04, got %u",
	      r.code);
	expect_valid(&r, "errorInfo", "404 errorInfo");
	resp_free(&r);

	request(COAP_REQUEST_CODE_DELETE, "/gscl/applications/app1", NULL,
		NULL, 0, NULL, 0, &r);
	CHECK(r.code == 202, "DELETE application answers 2.02, got %u", r.code);
	resp_free(&r);
	request(COAP_REQUEST_CODE_GET, "/gscl/applications/app1", NULL, NULL,
		0, NULL, 0, &r);
	CHECK(r.code == 404, "deleted application answers 4.04, got %u",
	      r.code);
	resp_free(&r);

	CHECK(validated >= 5, "%d XML replies validated", validated);
	m2md_coap_stop(coap);
	port = saved;
	m2md_store_close(store);
	m2md_test_rmdir(dir);
}

/* Point xsd_dir at tests/xsd from the path of this program. */
static void find_xsd_dir(void)
{
	char exe[1000];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (len <= 0)
		return;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (slash) {
		*slash = '\0';
		snprintf(xsd_dir, sizeof(xsd_dir), "%s/../xsd", exe);
	}
}

int main(void)
{
	char err[256];

	find_xsd_dir();

	m2m_log_init("m2md_coap_test", false, LOG_ERR);
	if (m2md_coap_start("127.0.0.1", 0, routes, 4, MAX_BODY, &server, err,
			    sizeof(err))) {
		printf("FAIL cannot start: %s\n", err);
		return 1;
	}
	port = m2md_coap_port(server);
	CHECK(port != 0, "server has a port");
	/*
	 * Replies go in the ACK however long a handler takes, except in the
	 * tests of separate responses. NOTE: libcoap 4.3.1's client drops a
	 * separate response that starts a Block2 transfer, so a block-wise
	 * request to a handler slower than 50 ms stalls that client.
	 */
	m2md_coap_set_ack_wait(server, DEADLINE_MS);
	test_code_table();
	test_get_path_and_query();
	test_methods();
	test_unknown_method();
	test_status_mapping();
	test_content_formats();
	test_accept();
	test_auth_option();
	test_etag();
	test_large_bodies();
	test_blockwise_post_reply();
	test_blockwise_get_client();
	test_query_limits();
	test_slow_handler();
	test_malformed_datagrams();
	test_retransmission();
	test_poll_limit();
	test_handler_limit();
	test_start_errors();
	test_ipv6();
	test_real_tree();
	m2md_coap_stop(server);
	free(seen.body);
	return m2md_test_done("m2md_coap_test");
}
