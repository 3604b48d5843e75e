// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the HTTP exchange of the handshake client against a small
 * libmicrohttpd server on 127.0.0.1, on an ephemeral port. It covers the
 * request content type and body, the expected statuses, the limits on
 * reply size and content type, problem+json error text, a timeout and a
 * refused connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "hsclient.h"

#include "check.h"

#define PROBLEM_TYPE	"application/problem+json"

/* What the server saw of the last request. */
static struct {
	char method[16];
	char content_type[128];
	uint8_t body[2048];
	size_t body_len;
} last;

struct upload {
	uint8_t data[2048];
	size_t len;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, const void *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result route(struct MHD_Connection *conn, const char *url,
			     const struct upload *up)
{
	static uint8_t large[8000];

	if (!strcmp(url, "/m2msec/connect") || !strcmp(url, "/echo"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE, up->data, up->len);
	if (!strcmp(url, "/echo-charset"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE "; charset=binary",
			     up->data, up->len);
	if (!strcmp(url, "/no-content"))
		return reply(conn, 204, NULL, "", 0);
	if (!strcmp(url, "/problem")) {
		static const char body[] =
			"{\"type\":\"about:blank\",\"title\":\"Forbidden\","
			"\"status\":403,\"detail\":\"mac_i verification failed\"}";
		return reply(conn, 403, PROBLEM_TYPE, body, strlen(body));
	}
	if (!strcmp(url, "/title")) {
		static const char body[] =
			"{\"title\":\"Mode does not match the path\"}";
		return reply(conn, 409, PROBLEM_TYPE "; charset=utf-8", body,
			     strlen(body));
	}
	if (!strcmp(url, "/multiline")) {
		static const char body[] = "{\"detail\":\"bad\\nline\"}";
		return reply(conn, 400, PROBLEM_TYPE, body, strlen(body));
	}
	if (!strcmp(url, "/not-json"))
		return reply(conn, 400, PROBLEM_TYPE, "{not json", 9);
	if (!strcmp(url, "/plain"))
		return reply(conn, 500, "text/plain", "oops", 4);
	if (!strcmp(url, "/wrong-type"))
		return reply(conn, 200, "text/html", "<p>hi</p>", 9);
	if (!strcmp(url, "/empty"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE, "", 0);
	if (!strcmp(url, "/over-max"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE, large,
			     M2MSEC_MSG_MAX + 1);
	if (!strcmp(url, "/at-max"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE, large,
			     M2MSEC_MSG_MAX);
	if (!strcmp(url, "/huge"))
		return reply(conn, 200, M2M_HS_CONTENT_TYPE, large,
			     sizeof(large));
	if (!strcmp(url, "/slow")) {
		usleep(1500 * 1000);
		return reply(conn, 204, NULL, "", 0);
	}
	return reply(conn, 404, NULL, "", 0);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct upload *up = *con_cls;
	const char *type;
	enum MHD_Result ret;
	size_t n;

	if (!up) {
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*upload_data_size) {
		n = *upload_data_size;
		if (n > sizeof(up->data) - up->len)
			n = sizeof(up->data) - up->len;
		memcpy(up->data + up->len, upload_data, n);
		up->len += n;
		*upload_data_size = 0;
		return MHD_YES;
	}

	snprintf(last.method, sizeof(last.method), "%s", method);
	type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   "Content-Type");
	snprintf(last.content_type, sizeof(last.content_type), "%s",
		 type ? type : "");
	memcpy(last.body, up->data, up->len);
	last.body_len = up->len;

	ret = route(conn, url, up);
	free(up);
	*con_cls = NULL;
	return ret;
}

static struct MHD_Daemon *start_server(uint16_t *port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = 0,
	};
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL,
			     MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
	if (!d) {
		printf("cannot start the test HTTP server\n");
		exit(2);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info->port;
	return d;
}

static char base[64];
static const uint8_t init_msg[90] = { 1, 1, 2, 3, 0x6a, 0xaf, 0x2d, 0x19 };

static int post(const char *path, long expect, long timeout_ms,
		uint8_t *reply, size_t *reply_len, char *err, size_t errlen)
{
	char url[128];

	snprintf(url, sizeof(url), "%s%s", base, path);
	err[0] = '\0';
	return m2m_hs_http_post(url, init_msg, sizeof(init_msg), expect,
				timeout_ms, reply, reply_len, err, errlen);
}

static void test_init_200(void)
{
	uint8_t reply[M2MSEC_MSG_MAX];
	size_t len = 0;
	char err[512];
	int ret;

	ret = post("/m2msec/connect", 200, 5000, reply, &len, err,
		   sizeof(err));
	CHECK(ret == 0, "200 with a message succeeds: %s", err);
	CHECK(!strcmp(last.method, "POST"), "method is %s", last.method);
	CHECK(!strcmp(last.content_type, M2M_HS_CONTENT_TYPE),
	      "request content type is \"%s\"", last.content_type);
	CHECK(last.body_len == sizeof(init_msg) &&
	      !memcmp(last.body, init_msg, sizeof(init_msg)),
	      "server received the message (%zu bytes)", last.body_len);
	CHECK(len == sizeof(init_msg), "reply has %zu bytes", len);
	CHECK(!memcmp(reply, init_msg, sizeof(init_msg)),
	      "reply body is returned");

	ret = post("/echo-charset", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == 0, "content type parameters are accepted: %s", err);

	ret = post("/at-max", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == 0, "reply of exactly M2MSEC_MSG_MAX bytes is accepted: %s",
	      err);
	CHECK(len == M2MSEC_MSG_MAX, "M2MSEC_MSG_MAX bytes returned, got %zu",
	      len);
}

static void test_finish_204(void)
{
	size_t len = 99;
	char err[512];
	int ret;

	ret = post("/no-content", 204, 5000, NULL, &len, err, sizeof(err));
	CHECK(ret == 0, "204 for FINISH succeeds: %s", err);
	CHECK(len == 0, "204 has no reply body");

	ret = post("/echo", 204, 5000, NULL, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "200 when 204 is expected fails, got %d", ret);
	CHECK(strstr(err, "HTTP 200") != NULL, "error names the status: %s",
	      err);

	ret = post("/no-content", 200, 5000, NULL, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "204 when 200 is expected fails, got %d", ret);
	CHECK(strstr(err, "HTTP 204") != NULL, "error names the status: %s",
	      err);

	ret = post("/no-content", 201, 5000, NULL, &len, err, sizeof(err));
	CHECK(ret == -EINVAL, "only 200 and 204 can be expected");
}

static void test_problem_bodies(void)
{
	uint8_t reply[M2MSEC_MSG_MAX];
	size_t len;
	char err[512];
	int ret;

	ret = post("/problem", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "403 fails with -EPROTO, got %d", ret);
	CHECK(strstr(err, "HTTP 403: mac_i verification failed") != NULL,
	      "detail is quoted: %s", err);
	CHECK(strstr(err, base) != NULL, "error names the URL: %s", err);

	ret = post("/title", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "409 fails");
	CHECK(strstr(err, "HTTP 409: Mode does not match the path") != NULL,
	      "title is quoted without a detail: %s", err);

	ret = post("/multiline", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "400 with a multi-line detail fails");
	CHECK(strstr(err, "bad?line") != NULL,
	      "control characters of a detail are replaced: %s", err);

	ret = post("/not-json", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "invalid problem body still fails");
	CHECK(strstr(err, "HTTP 400 without a problem description") != NULL,
	      "invalid problem body is reported: %s", err);

	ret = post("/plain", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "500 with text/plain fails");
	CHECK(strstr(err, "HTTP 500") != NULL, "500 is reported: %s", err);
	CHECK(strstr(err, "oops") == NULL,
	      "a body that is not problem+json is not quoted: %s", err);

	ret = post("/missing", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EPROTO, "404 fails");
	CHECK(strstr(err, "HTTP 404") != NULL, "404 is reported: %s", err);
}

static void test_bad_replies(void)
{
	uint8_t reply[M2MSEC_MSG_MAX];
	size_t len;
	char err[512];
	int ret;

	ret = post("/wrong-type", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EBADMSG, "wrong content type fails with -EBADMSG, got %d",
	      ret);
	CHECK(strstr(err, "text/html") != NULL, "error names the type: %s",
	      err);

	ret = post("/empty", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EBADMSG, "empty 200 body fails, got %d", ret);

	ret = post("/over-max", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EMSGSIZE, "reply of 1025 bytes fails, got %d", ret);
	CHECK(strstr(err, "1025 bytes") != NULL, "error names the size: %s",
	      err);

	ret = post("/huge", 200, 5000, reply, &len, err, sizeof(err));
	CHECK(ret == -EMSGSIZE, "reply of 8000 bytes fails, got %d", ret);
	CHECK(strstr(err, "exceeds") != NULL, "reason: %s", err);
}

static void test_timeout(void)
{
	size_t len;
	char err[512];
	int ret;

	ret = post("/slow", 204, 300, NULL, &len, err, sizeof(err));
	CHECK(ret == -ETIMEDOUT, "slow server times out, got %d", ret);
	CHECK(strstr(err, "timed out after 300 ms") != NULL, "reason: %s",
	      err);
}

/* A port that was bound and closed again has no listener. */
static void test_refused(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	char url[128], err[512];
	size_t len;
	int fd, ret;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(fd, (struct sockaddr *)&addr, &alen)) {
		printf("cannot reserve a local port\n");
		exit(2);
	}
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/connect",
		 ntohs(addr.sin_port));
	ret = m2m_hs_http_post(url, init_msg, sizeof(init_msg), 200, 2000,
			       NULL, &len, err, sizeof(err));
	CHECK(ret == -ECONNREFUSED, "closed port is refused, got %d", ret);
	CHECK(strstr(err, "connection failed") != NULL, "reason: %s", err);

	ret = m2m_hs_http_post("ftp://127.0.0.1/connect", init_msg,
			       sizeof(init_msg), 200, 2000, NULL, &len, err,
			       sizeof(err));
	CHECK(ret == -EIO, "a URL that is not http or https fails, got %d",
	      ret);
}

int main(void)
{
	struct MHD_Daemon *d;
	uint16_t port;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	d = start_server(&port);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);

	test_init_200();
	test_finish_204();
	test_problem_bodies();
	test_bad_replies();
	test_timeout();
	test_refused();

	MHD_stop_daemon(d);
	curl_global_cleanup();
	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
