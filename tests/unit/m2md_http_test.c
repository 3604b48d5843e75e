// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's HTTP server against peers that misbehave at the
 * connection level.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "m2md_test.h"

static void handler(void *ctx, const struct m2md_request *req,
		    struct m2md_reply *reply)
{
	m2md_reply_set(reply, 200, "text/plain", "ok", 2);
}

static const struct m2md_route routes[] = {
	{ "/nscl", true, M2MD_GET, 0, handler, NULL },
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
	int i, lines;

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
	for (i = 0; i < PEERS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sleep_ms(500);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lines = count_lines(f, "http: ");
	CHECK(lines > 0, "aborted requests are logged");
	/* 10 a second, and the peers may straddle a second boundary. */
	CHECK(lines <= 2 * 10 + 1,
	      "%d aborted requests logged %d lines, expected at most 21",
	      PEERS, lines);
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
	sleep_ms(300);
	CHECK(get_from("127.0.0.1") == 200,
	      "127.0.0.1 is served again after closing its connections");
}

int main(void)
{
	char err[256];

	m2m_log_init("m2md_http_test", false, LOG_INFO);
	if (m2md_http_start("127.0.0.1", 0, 2, 4096, routes, 1, &http, err,
			    sizeof(err))) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	port = m2md_http_port(http);
	test_log_rate_limited();
	test_per_ip_limit();
	m2md_http_stop(http);
	return m2md_test_done("m2md_http_test");
}
