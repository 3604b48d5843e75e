// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's HTTP server against peers that misbehave at the
 * connection level.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "m2md_test.h"

static void handler(void *ctx, const struct m2md_request *req,
		    struct m2md_reply *reply)
{
	m2md_reply_set(reply, 200, "text/plain", "ok", 2);
}

/* What the echo handler saw of the last request. */
static struct {
	int calls;
	enum m2md_binding binding;
	char path[256];
	char target[1024];
	size_t nargs;
	char args[M2MD_ARGS_MAX][2][64];
	char authorization[256];
	char if_none_match[64];
	char if_modified_since[64];
	bool has_peer_cred;
	uint32_t peer_uid;
	size_t body_len;
} seen;

static void copy_or_empty(char *out, size_t len, const char *s)
{
	snprintf(out, len, "%s", s ? s : "(null)");
}

/*
 * Record the request, and reply with the status and headers that the
 * query asks for: ?status=N, with ETag and Last-Modified on 200.
 */
static void echo(void *ctx, const struct m2md_request *req,
		 struct m2md_reply *reply)
{
	const char *status = m2md_request_arg(req, "status");
	size_t i;

	seen.calls++;
	seen.binding = req->binding;
	copy_or_empty(seen.path, sizeof(seen.path), req->path);
	copy_or_empty(seen.target, sizeof(seen.target), req->target);
	seen.nargs = req->nargs;
	for (i = 0; i < req->nargs && i < M2MD_ARGS_MAX; i++) {
		copy_or_empty(seen.args[i][0], 64, req->args[i].name);
		copy_or_empty(seen.args[i][1], 64, req->args[i].value);
	}
	copy_or_empty(seen.authorization, sizeof(seen.authorization),
		      req->authorization);
	copy_or_empty(seen.if_none_match, sizeof(seen.if_none_match),
		      req->if_none_match);
	copy_or_empty(seen.if_modified_since, sizeof(seen.if_modified_since),
		      req->if_modified_since);
	seen.has_peer_cred = req->has_peer_cred;
	seen.peer_uid = req->peer_uid;
	seen.body_len = req->body_len;
	m2md_reply_set(reply, status ? atoi(status) : 200, "text/plain",
		       "ok", 2);
	snprintf(reply->etag, sizeof(reply->etag), "\"7-3\"");
	/* Thu, 01 Jan 2026 00:00:00 GMT */
	reply->last_modified = 1767225600;
}

static const struct m2md_route routes[] = {
	{ "/nscl", true, M2MD_GET, 0, handler, NULL },
	{ "/echo", true, M2MD_GET | M2MD_POST, 0, echo, NULL },
};

static struct m2md_http *http;
static uint16_t port;

static int connect_from(const char *source)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (source) {
		inet_pton(AF_INET, source, &addr.sin_addr);
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			close(fd);
			return -1;
		}
	}
	addr.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

/* Count the lines of a file that contain text. */
static int count_lines(FILE *f, const char *text)
{
	char line[512];
	int n = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	return n;
}

/*
 * Count the lines of the file open as fd that contain text. pread()
 * leaves the file offset, which stderr shares, where it is.
 */
static int count_lines_at(int fd, const char *text)
{
	static char buf[256 * 1024];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
	char *line, *save;
	int n = 0;

	if (len <= 0)
		return 0;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, text) != NULL;
	return n;
}

/*
 * Each connection that closes in the middle of its request makes
 * libmicrohttpd log an error. A peer must not be able to fill the log
 * with them.
 */
static void test_log_rate_limited(void)
{
	enum { PEERS = 100 };
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	int fds[PEERS];
	int i, lines, max_lines;
	struct timespec t0, t1;
	long elapsed_ms;

	if (!f || saved < 0 || dup2(fileno(f), STDERR_FILENO) < 0) {
		printf("cannot redirect stderr\n");
		exit(2);
	}
	for (i = 0; i < PEERS; i++) {
		fds[i] = connect_from(NULL);
		if (fds[i] >= 0 &&
		    write(fds[i], "GET /nscl HTTP/1.1\r\nHo", 22) < 0)
			perror("write");
	}
	/* Let the server read every partial request before the close. */
	sleep_ms(300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < PEERS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* Wait up to 30 s for the first line, then 500 ms for the others. */
	for (i = 0; i < 1500 && !count_lines_at(fileno(f), "http: "); i++)
		sleep_ms(20);
	sleep_ms(500);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lines = count_lines(f, "http: ");
	CHECK(lines > 0, "aborted requests are logged");
	/*
	 * M2M_LOG_RL_BURST lines per interval, in as many intervals as the
	 * time since the first close spans, one more for a straddle, and
	 * one line of slack.
	 */
	elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	max_lines = M2M_LOG_RL_BURST *
	       (int)(elapsed_ms / M2M_LOG_RL_INTERVAL_MS + 2) + 1;
	CHECK(lines <= max_lines,
	      "%d aborted requests logged %d lines in %ld ms, expected at most %d",
	      PEERS, lines, elapsed_ms, max_lines);
	fclose(f);
}

/* GET /nscl from a source address and return the status, 0 on failure. */
static long get_from(const char *source)
{
	struct m2md_test_resp *r = calloc(1, sizeof(*r));
	struct curl_slist *none = NULL;
	char url[64], iface[32];
	long status = 0;
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/nscl", port);
	snprintf(iface, sizeof(iface), "host!%s", source);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, none);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_test_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	free(r);
	return status;
}

/*
 * A peer that opens connections and sends nothing holds them until the
 * timeout. It gets M2MD_HTTP_PER_IP_MAX of them, and other addresses
 * are still served.
 */
static void test_per_ip_limit(void)
{
	enum { HOGS = M2MD_HTTP_PER_IP_MAX };
	int fds[HOGS];
	int i, opened = 0;
	long status = 0;

	for (i = 0; i < HOGS; i++) {
		fds[i] = connect_from("127.0.0.1");
		opened += fds[i] >= 0;
	}
	CHECK(opened == HOGS, "%d idle connections opened of %d", opened,
	      HOGS);
	sleep_ms(300);
	CHECK(get_from("127.0.0.1") == 0,
	      "connection %d from 127.0.0.1 is refused", HOGS + 1);
	CHECK(get_from("127.0.0.2") == 200,
	      "127.0.0.2 is served while 127.0.0.1 is at its limit");
	for (i = 0; i < HOGS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* The server notices the closes in its own time: poll up to 5 s. */
	for (i = 0; i < 50 && status != 200; i++) {
		sleep_ms(100);
		status = get_from("127.0.0.1");
	}
	CHECK(status == 200,
	      "127.0.0.1 is served again after closing its connections");
}

struct hdrs {
	char etag[64];
	char last_modified[64];
	char www_authenticate[128];
	char content_type[64];
};

static size_t hdr_line(char *ptr, size_t size, size_t n, void *ctx)
{
	struct hdrs *h = ctx;
	size_t len = size * n;

	m2md_test_header_value(ptr, len, "ETag:", h->etag, sizeof(h->etag));
	m2md_test_header_value(ptr, len, "Last-Modified:", h->last_modified,
			       sizeof(h->last_modified));
	m2md_test_header_value(ptr, len, "WWW-Authenticate:",
			       h->www_authenticate,
			       sizeof(h->www_authenticate));
	m2md_test_header_value(ptr, len, "Content-Type:", h->content_type,
			       sizeof(h->content_type));
	return len;
}

/*
 * Send method to url (on the Unix socket at unix_path when not NULL)
 * with extra header lines. Returns the status, 0 when the transfer
 * failed.
 */
static long send_req(const char *method, const char *url,
		     const char *unix_path, const char *const *lines,
		     const char *body, struct hdrs *h)
{
	struct m2md_test_resp *r = calloc(1, sizeof(*r));
	struct curl_slist *headers = NULL;
	CURL *curl = curl_easy_init();
	long status = 0;

	memset(h, 0, sizeof(*h));
	while (lines && *lines)
		headers = curl_slist_append(headers, *lines++);
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	if (unix_path)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_test_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, hdr_line);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, h);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(r);
	return status;
}

/* The handler gets the target as sent, decoded arguments and headers. */
static void test_request_fields(void)
{
	const char *lines[] = {
		"Authorization: M2M-Kma app=\"a\"",
		"If-None-Match: \"1-2\"",
		"If-Modified-Since: Fri, 04 Dec 2026 21:00:00 GMT",
		NULL,
	};
	char url[256];
	struct hdrs h;
	long status;

	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%u/echo/a%%20b?x=1&y=%%2Fz&flag&x=2", port);
	status = send_req("GET", url, NULL, lines, NULL, &h);
	CHECK(status == 200, "GET /echo: %ld", status);
	CHECK(seen.binding == M2MD_BINDING_HTTP, "binding is HTTP");
	CHECK(!strcmp(seen.path, "/echo/a b"), "path '%s' is decoded",
	      seen.path);
	CHECK(!strcmp(seen.target, "/echo/a%20b?x=1&y=%2Fz&flag&x=2"),
	      "target '%s' is as sent", seen.target);
	CHECK(seen.nargs == 4, "%zu arguments, expected 4", seen.nargs);
	CHECK(!strcmp(seen.args[0][0], "x") && !strcmp(seen.args[0][1], "1"),
	      "argument 0 is %s=%s", seen.args[0][0], seen.args[0][1]);
	CHECK(!strcmp(seen.args[1][0], "y") &&
	      !strcmp(seen.args[1][1], "/z"),
	      "argument 1 is %s=%s, decoded", seen.args[1][0],
	      seen.args[1][1]);
	CHECK(!strcmp(seen.args[2][0], "flag") && !seen.args[2][1][0],
	      "argument 2 without a value is %s='%s'", seen.args[2][0],
	      seen.args[2][1]);
	CHECK(!strcmp(seen.args[3][0], "x") && !strcmp(seen.args[3][1], "2"),
	      "repeated argument 3 is %s=%s", seen.args[3][0],
	      seen.args[3][1]);
	CHECK(!strcmp(seen.authorization, "M2M-Kma app=\"a\""),
	      "Authorization '%s'", seen.authorization);
	CHECK(!strcmp(seen.if_none_match, "\"1-2\""), "If-None-Match '%s'",
	      seen.if_none_match);
	CHECK(!strcmp(seen.if_modified_since,
		      "Fri, 04 Dec 2026 21:00:00 GMT"),
	      "If-Modified-Since '%s'", seen.if_modified_since);
	CHECK(!seen.has_peer_cred, "no peer credentials over TCP");
	CHECK(!strcmp(h.etag, "\"7-3\""), "ETag '%s'", h.etag);
	CHECK(!strcmp(h.last_modified, "Thu, 01 Jan 2026 00:00:00 GMT"),
	      "Last-Modified '%s'", h.last_modified);
	CHECK(!h.www_authenticate[0], "no WWW-Authenticate on 200");

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", port);
	status = send_req("GET", url, NULL, NULL, NULL, &h);
	CHECK(status == 200, "GET /echo without a query: %ld", status);
	CHECK(seen.nargs == 0, "%zu arguments, expected none", seen.nargs);
	CHECK(!strcmp(seen.target, "/echo"), "target '%s'", seen.target);
	CHECK(!strcmp(seen.authorization, "(null)"),
	      "no Authorization: NULL, not '%s'", seen.authorization);
	CHECK(!strcmp(seen.if_none_match, "(null)"),
	      "no If-None-Match: NULL, not '%s'", seen.if_none_match);
}

/* A 401 carries the Kma challenge. */
static void test_www_authenticate(void)
{
	char url[128];
	struct hdrs h;
	long status;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo?status=401",
		 port);
	status = send_req("GET", url, NULL, NULL, NULL, &h);
	CHECK(status == 401, "GET ?status=401: %ld", status);
	CHECK(!strncmp(h.www_authenticate, "M2M-Kma ", 8),
	      "WWW-Authenticate '%s'", h.www_authenticate);
}

/* More than M2MD_ARGS_MAX query parameters never reach the handler. */
static void test_too_many_args(void)
{
	char url[1024];
	size_t used;
	struct hdrs h;
	long status;
	int i, calls;

	for (i = M2MD_ARGS_MAX; i <= M2MD_ARGS_MAX + 1; i++) {
		int j;

		used = snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo?",
				port);
		for (j = 0; j < i; j++)
			used += snprintf(url + used, sizeof(url) - used,
					 "%sa%d=%d", j ? "&" : "", j, j);
		calls = seen.calls;
		status = send_req("GET", url, NULL, NULL, NULL, &h);
		if (i == M2MD_ARGS_MAX) {
			CHECK(status == 200, "%d arguments: %ld", i, status);
			CHECK(seen.nargs == M2MD_ARGS_MAX,
			      "%zu arguments seen", seen.nargs);
		} else {
			CHECK(status == 400, "%d arguments: %ld, expected 400",
			      i, status);
			CHECK(seen.calls == calls,
			      "%d arguments: handler not called", i);
		}
	}
}

/* A target longer than the server keeps gets 414. */
static void test_target_too_long(void)
{
	size_t len = 20000;
	char *url = malloc(len + 64);
	struct hdrs h;
	long status;
	int calls = seen.calls, n;

	n = snprintf(url, 64, "http://127.0.0.1:%u/echo?v=", port);
	memset(url + n, 'a', len);
	url[n + len] = '\0';
	status = send_req("GET", url, NULL, NULL, NULL, &h);
	CHECK(status == 414, "GET with a %zu-byte target: %ld, expected 414",
	      len, status);
	CHECK(seen.calls == calls, "handler not called");
	free(url);
}

/* Keep-alive: the second request of a connection starts clean. */
static void test_keep_alive_reset(void)
{
	CURL *curl = curl_easy_init();
	struct m2md_test_resp *r = calloc(1, sizeof(*r));
	char url[128];
	long conns = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo?a=1&b=2", port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "12345");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_test_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_perform(curl);
	CHECK(seen.nargs == 2 && seen.body_len == 5,
	      "first request: %zu arguments, %zu body bytes", seen.nargs,
	      seen.body_len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &conns);
	CHECK(conns == 0, "second request reused the connection (%ld new)",
	      conns);
	CHECK(seen.nargs == 0, "second request: %zu arguments", seen.nargs);
	CHECK(seen.body_len == 0, "second request: %zu body bytes",
	      seen.body_len);
	CHECK(!strcmp(seen.target, "/echo"), "second target '%s'",
	      seen.target);
	curl_easy_cleanup(curl);
	free(r);
}

/* The admin socket: mode 0660, peer uid, stale file replaced. */
static void test_unix_socket(void)
{
	char dir[64], path[100], url[] = "http://localhost/echo?q=1", err[256];
	struct m2md_http *ux = NULL, *second = NULL;
	struct stat st;
	struct hdrs h;
	long status;
	int fd;

	m2md_test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/m2md.sock", dir);
	/* A stale socket file from an m2md that died. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
		      "stale socket bound");
	}
	close(fd);
	CHECK(m2md_http_start_unix(path, 1, 4096, routes, 2, &ux, err,
				   sizeof(err)) == 0,
	      "admin socket started over a stale file: %s", err);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0660,
	      "socket mode %o, expected 660", st.st_mode & 0777);
	CHECK(m2md_http_start_unix(path, 1, 4096, routes, 2, &second, err,
				   sizeof(err)) != 0,
	      "a second server on a live socket is refused");
	CHECK(strstr(err, "in use") != NULL, "reason '%s'", err);
	status = send_req("GET", url, path, NULL, NULL, &h);
	CHECK(status == 200, "GET over the socket: %ld", status);
	CHECK(seen.has_peer_cred, "peer credentials set");
	CHECK(seen.peer_uid == getuid(), "peer uid %u, expected %u",
	      seen.peer_uid, getuid());
	CHECK(!strcmp(seen.target, "/echo?q=1"), "target '%s'", seen.target);
	m2md_http_stop(ux);
	CHECK(access(path, F_OK) != 0, "socket file removed on stop");
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK(m2md_http_start_unix(path, 1, 4096, routes, 2, &second, err,
				   sizeof(err)) != 0,
	      "a regular file at the path is not replaced");
	CHECK(strstr(err, "not a socket") != NULL, "reason '%s'", err);
	unlink(path);
	m2md_test_rmdir(dir);
}

int main(void)
{
	char err[256];

	m2m_log_init("m2md_http_test", false, LOG_INFO);
	if (m2md_http_start("127.0.0.1", 0, 2, 4096, routes, 2, &http, err,
			    sizeof(err))) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	port = m2md_http_port(http);
	test_log_rate_limited();
	test_per_ip_limit();
	test_request_fields();
	test_www_authenticate();
	test_too_many_args();
	test_target_too_long();
	test_keep_alive_reset();
	test_unix_socket();
	m2md_http_stop(http);
	return m2md_test_done("m2md_http_test");
}
