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
	m2md_http_stop(http);
	return m2md_test_done("m2md_http_test");
}
