// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the rate limit of log lines per call site and per peer.
 * It covers peers limited apart, the suppressed counts and the peers
 * they name, and the cap of a call site across many peers. Then come
 * eviction of the least recently used peer, the shared entry of lines
 * without a peer, and concurrent callers. Last, a malformed request to
 * a real HTTP listener on 127.0.0.1 must log a line with the client's
 * address as PEER.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "ratelimit.h"

#include "check.h"
#include "log_capture.h"

/* Send stderr to a fresh temporary file and log to it. */
static void capture_log_start(void)
{
	capture_start();
	m2m_log_init("test", false, LOG_INFO);
}

/* Number of lines of buf that contain text. */
static int count_lines_with(const char *buf, const char *text)
{
	const char *line = buf, *end;
	int n = 0;

	while (*line) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (memmem(line, end - line, text, strlen(text)))
			n++;
		line = *end ? end + 1 : end;
	}
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

/* Count n lines of peer and return how many may be logged. */
static int pass_n(struct m2m_ratelimit *rl, const char *peer, int n)
{
	struct m2m_ratelimit_report report;
	int passed = 0, i;

	for (i = 0; i < n; i++)
		passed += m2m_ratelimit_pass(rl, peer, &report);
	return passed;
}

static void test_peers_independent(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("a.c:1", 60000, 3, 100);
	struct m2m_ratelimit_report report;
	int passed;

	passed = pass_n(&rl, "192.0.2.1", 20);
	CHECK(passed == 3, "flooding peer A passes its burst of 3, got %d",
	      passed);
	CHECK(m2m_ratelimit_pass(&rl, "192.0.2.2", &report),
	      "peer B's first line passes during A's flood");
	passed = pass_n(&rl, "192.0.2.2", 5);
	CHECK(passed == 2, "peer B passes 2 more lines of its burst, got %d",
	      passed);
	CHECK(!m2m_ratelimit_pass(&rl, "192.0.2.1", &report),
	      "peer A stays limited after B's lines");
}

/* The count line names its site, its peer and the number suppressed. */
static void test_count_names_peer(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("b.c:2", 200, 2, 100);
	int passed = 0, i;
	char buf[4096];

	capture_log_start();
	for (i = 0; i < 6; i++)
		passed += m2m_ratelimit_ok(&rl, LOG_WARNING, "192.0.2.1");
	passed += m2m_ratelimit_ok(&rl, LOG_WARNING, "192.0.2.2");
	sleep_ms(300);
	passed += m2m_ratelimit_ok(&rl, LOG_ERR, "192.0.2.2");
	passed += m2m_ratelimit_ok(&rl, LOG_ERR, "192.0.2.1");
	capture_end(buf, sizeof(buf));

	CHECK(passed == 5, "5 of 9 lines pass, got %d", passed);
	CHECK(!strcmp(buf, "<3>b.c:2: 4 lines suppressed by the rate limit peer=192.0.2.1\n"),
	      "one count line with site, number and peer: \"%s\"", buf);
}

/* The journal gets the peer of a count line as its PEER field. */
static char sink_message[512];
static char sink_peer[128];

static int count_sink(const struct iovec *iov, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *field = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		if (len > 8 && !strncmp(field, "MESSAGE=", 8))
			snprintf(sink_message, sizeof(sink_message), "%.*s",
				 len - 8, field + 8);
		if (len > 5 && !strncmp(field, "PEER=", 5))
			snprintf(sink_peer, sizeof(sink_peer), "%.*s",
				 len - 5, field + 5);
	}
	return 0;
}

/* Set JOURNAL_STREAM to the device and inode of stderr. */
static void set_journal_stream(void)
{
	struct stat st;
	char value[64];

	if (fstat(STDERR_FILENO, &st)) {
		printf("cannot stat stderr\n");
		exit(2);
	}
	snprintf(value, sizeof(value), "%llu:%llu",
		 (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
}

static void test_count_journal_peer(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("f.c:6", 200, 1, 100);
	char buf[1024];

	sink_message[0] = '\0';
	sink_peer[0] = '\0';
	m2m_log_set_journal_sink(count_sink);
	capture_log_start();
	set_journal_stream();
	m2m_log_init("test", false, LOG_INFO);
	pass_n(&rl, "2001:db8::7", 3);
	sleep_ms(300);
	m2m_ratelimit_ok(&rl, LOG_WARNING, "2001:db8::7");
	capture_end(buf, sizeof(buf));
	unsetenv("JOURNAL_STREAM");
	m2m_log_set_journal_sink(NULL);
	m2m_log_init("test", false, LOG_INFO);

	CHECK(!strcmp(sink_peer, "2001:db8::7"),
	      "the count line has the peer as PEER field: \"%s\"", sink_peer);
	CHECK(!strcmp(sink_message,
		      "f.c:6: 2 lines suppressed by the rate limit peer=2001:db8::7"),
	      "the count line's MESSAGE: \"%s\"", sink_message);
	CHECK(buf[0] == '\0', "nothing went to stderr: \"%s\"", buf);
}

/* One call site logging for n different peers. */
static void log_many_peers(int n)
{
	char peer[32];
	int i;

	for (i = 0; i < n; i++) {
		struct m2m_log_ids ids = { .peer = peer };

		snprintf(peer, sizeof(peer), "10.0.%d.%d", i / 250, i % 250);
		m2m_log_ratelimited(LOG_WARNING, &ids, "flood line %d", i);
	}
}

static void test_site_cap(void)
{
	static char buf[65536];
	int lines;

	m2m_ratelimit_reset_all();
	capture_log_start();
	log_many_peers(500);
	capture_end(buf, sizeof(buf));

	lines = count_lines_with(buf, "flood line");
	CHECK(lines == M2M_LOG_RL_SITE_BURST,
	      "500 peers log %d lines of one call site, got %d",
	      M2M_LOG_RL_SITE_BURST, lines);
	CHECK(count_lines_with(buf, "peer=10.0.0.0") == 1,
	      "the first peer is logged once");
	CHECK(count_lines_with(buf, "flood line 50 ") == 0,
	      "the 51st peer's line is suppressed");
}

/*
 * Peers evicted while the site is at its cap are summed, and the sum is
 * logged with the next line that passes.
 */
static void test_lost_counts(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("c.c:3", 200, 2, 5);
	char peer[32], buf[4096];
	int passed = 0, i;

	for (i = 0; i < 40; i++) {
		snprintf(peer, sizeof(peer), "10.2.0.%d", i);
		passed += pass_n(&rl, peer, 1);
	}
	CHECK(passed == 5, "the site cap passes 5 of 40 peers, got %d",
	      passed);
	CHECK(rl.lost_lines == 19,
	      "the lines of 19 evicted peers are summed, got %lu",
	      rl.lost_lines);
	CHECK(rl.lost_peers == 19, "19 evicted peers are counted, got %lu",
	      rl.lost_peers);
	sleep_ms(300);
	capture_log_start();
	CHECK(m2m_ratelimit_ok(&rl, LOG_WARNING, "10.2.0.39"),
	      "a tracked peer passes in the next interval");
	capture_end(buf, sizeof(buf));

	CHECK(!strcmp(buf,
		      "<4>c.c:3: 19 lines of 19 more peers suppressed by the rate limit\n"
		      "<4>c.c:3: 1 line suppressed by the rate limit peer=10.2.0.39\n"),
	      "the summed count and the peer's own count: \"%s\"", buf);
	CHECK(rl.lost_lines == 0, "the summed lines restart after the log");
	CHECK(rl.lost_peers == 0, "the summed peers restart after the log");
}

/* Fill the table so that the next new peer evicts the LRU entry. */
static void test_lru_eviction(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("d.c:4", 60000, 1, 1000);
	struct m2m_ratelimit_report report;
	char peer[32], buf[4096];
	int i;

	/* 10.1.0.0 passes 1 line and has 3 suppressed. */
	pass_n(&rl, "10.1.0.0", 4);
	for (i = 1; i < M2M_RATELIMIT_PEERS; i++) {
		snprintf(peer, sizeof(peer), "10.1.0.%d", i);
		pass_n(&rl, peer, 1);
	}
	/* Using 10.1.0.0 again makes 10.1.0.1 the least recently used. */
	CHECK(!m2m_ratelimit_pass(&rl, "10.1.0.0", &report),
	      "10.1.0.0 is still limited");
	CHECK(m2m_ratelimit_pass(&rl, "10.1.1.0", &report),
	      "a new peer passes when the table is full");
	CHECK(report.evicted_suppressed == 0,
	      "evicting 10.1.0.1 reports nothing: it had nothing suppressed, got %lu of %s",
	      report.evicted_suppressed, report.evicted_peer);
	CHECK(!m2m_ratelimit_pass(&rl, "10.1.0.0", &report),
	      "10.1.0.0 was not evicted: its limit still holds");

	/* Evict 10.1.0.2 to 10.1.0.15 and 10.1.1.0, then 10.1.0.0. */
	for (i = 1; i < M2M_RATELIMIT_PEERS; i++) {
		snprintf(peer, sizeof(peer), "10.1.2.%d", i);
		pass_n(&rl, peer, 1);
	}
	capture_log_start();
	CHECK(m2m_ratelimit_ok(&rl, LOG_WARNING, "10.1.3.0"),
	      "the peer that evicts 10.1.0.0 passes");
	capture_end(buf, sizeof(buf));

	CHECK(!strcmp(buf, "<4>d.c:4: 5 lines suppressed by the rate limit peer=10.1.0.0\n"),
	      "the evicted peer's count is logged: \"%s\"", buf);
	CHECK(m2m_ratelimit_pass(&rl, "10.1.0.0", &report),
	      "an evicted peer starts afresh");
	CHECK(report.suppressed == 0,
	      "an evicted peer's count is not logged twice, got %lu",
	      report.suppressed);
}

static void test_no_peer_shared(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("e.c:5", 200, 2, 100);
	int passed = 0;
	char buf[1024];

	capture_log_start();
	passed += m2m_ratelimit_ok(&rl, LOG_INFO, NULL);
	passed += m2m_ratelimit_ok(&rl, LOG_INFO, "");
	CHECK(!m2m_ratelimit_ok(&rl, LOG_INFO, NULL),
	      "NULL and \"\" share one entry: the third line is suppressed");
	CHECK(m2m_ratelimit_ok(&rl, LOG_INFO, "192.0.2.9"),
	      "a peer's line passes beside the lines without a peer");
	sleep_ms(300);
	passed += m2m_ratelimit_ok(&rl, LOG_INFO, "");
	capture_end(buf, sizeof(buf));

	CHECK(passed == 3, "3 lines without a peer pass, got %d", passed);
	CHECK(!strcmp(buf, "<6>e.c:5: 1 line suppressed by the rate limit\n"),
	      "the count line of lines without a peer has no peer: \"%s\"",
	      buf);
}

enum { THREADS = 8, THREAD_LINES = 2000, THREAD_PEERS = 8 };

struct thread_arg {
	struct m2m_ratelimit *rl;
	int index;
	bool own_peer;		/* one peer per thread, else 8 each */
	unsigned long passed;
	unsigned long reported;	/* counts of suppressed lines reported */
	unsigned long eviction_lines;
};

static void *thread_run(void *p)
{
	struct thread_arg *arg = p;
	struct m2m_ratelimit_report report;
	char peer[32];
	int i;

	for (i = 0; i < THREAD_LINES; i++) {
		snprintf(peer, sizeof(peer), "10.3.%d.%d", arg->index,
			 arg->own_peer ? 0 : i % THREAD_PEERS);
		arg->passed += m2m_ratelimit_pass(arg->rl, peer, &report);
		arg->reported += report.suppressed + report.evicted_suppressed +
				 report.lost_lines;
		arg->eviction_lines += report.evicted_suppressed != 0;
	}
	return NULL;
}

static void run_threads(struct m2m_ratelimit *rl, bool own_peer,
			struct thread_arg *args)
{
	pthread_t threads[THREADS];
	int i;

	for (i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .rl = rl, .index = i,
					       .own_peer = own_peer };
		pthread_create(&threads[i], NULL, thread_run, &args[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
}

/* Each thread has a peer of its own: each gets exactly its burst. */
static void test_threads_own_peer(void)
{
	static struct m2m_ratelimit rl =
		M2M_RATELIMIT_INIT("g.c:7", 60000, 10, 1000);
	struct thread_arg args[THREADS];
	int i;

	run_threads(&rl, true, args);
	for (i = 0; i < THREADS; i++)
		CHECK(args[i].passed == 10,
		      "thread %d passes its peer's burst of 10, got %lu", i,
		      args[i].passed);
}

/*
 * 64 peers in a table of 16 under a site cap: every line passes, is
 * reported as suppressed, or is still counted in the limiter.
 */
static void test_threads_evicting(void)
{
	static struct m2m_ratelimit rl =
		M2M_RATELIMIT_INIT("h.c:8", 60000, 3, 50);
	unsigned long passed = 0, reported = 0, eviction_lines = 0, pending;
	struct thread_arg args[THREADS];
	int i;

	run_threads(&rl, false, args);
	for (i = 0; i < THREADS; i++) {
		passed += args[i].passed;
		reported += args[i].reported;
		eviction_lines += args[i].eviction_lines;
	}
	pending = rl.lost_lines;
	for (i = 0; i < M2M_RATELIMIT_PEERS; i++)
		pending += rl.peers[i].suppressed;

	CHECK(passed + eviction_lines == 50,
	      "lines passed (%lu) and eviction counts logged (%lu) fill the site cap of 50",
	      passed, eviction_lines);
	CHECK(rl.count == 50, "the site counted 50 lines, got %u", rl.count);
	CHECK(passed + reported + pending == THREADS * THREAD_LINES,
	      "every line is counted once: %lu passed + %lu reported + %lu pending != %d",
	      passed, reported, pending, THREADS * THREAD_LINES);
}

/* Journal entries that an HTTP request logs, from MHD's threads. */
static pthread_mutex_t http_sink_lock = PTHREAD_MUTEX_INITIALIZER;
static char http_lines[16][640];
static int http_nlines;

static int http_sink(const struct iovec *iov, int n)
{
	char line[640] = "";
	size_t used = 0;
	int i;

	for (i = 0; i < n && used < sizeof(line); i++)
		used += snprintf(line + used, sizeof(line) - used, "%.*s|",
				 (int)iov[i].iov_len,
				 (const char *)iov[i].iov_base);
	pthread_mutex_lock(&http_sink_lock);
	if (http_nlines < 16)
		snprintf(http_lines[http_nlines++], sizeof(http_lines[0]),
			 "%s", line);
	pthread_mutex_unlock(&http_sink_lock);
	return 0;
}

static void http_handler(void *ctx, const struct m2md_request *req,
			 struct m2md_reply *reply)
{
	m2md_reply_set(reply, 200, "text/plain", "ok", 2);
}

static const struct m2md_route http_routes[] = {
	{ "/echo", true, M2MD_GET | M2MD_POST, 0, http_handler, NULL },
};

/* Send a request from source to 127.0.0.1:port and read the reply. */
static int send_from(const char *source, uint16_t port, const char *request,
		     char *reply, size_t len)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, source, &addr.sin_addr);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		goto fail;
	addr.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		goto fail;
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		goto fail;
	n = read(fd, reply, len - 1);
	reply[n > 0 ? n : 0] = '\0';
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/* A malformed chunk size makes libmicrohttpd end the request with 400. */
static void test_http_error_peer(void)
{
	static const char request[] =
		"POST /echo HTTP/1.1\r\nHost: test\r\n"
		"Transfer-Encoding: chunked\r\n\r\nZZ\r\n";
	struct m2md_http *http;
	char err[256], reply[1024], buf[4096];
	int i, found = -1;

	m2m_ratelimit_reset_all();
	m2m_log_set_journal_sink(http_sink);
	capture_log_start();
	set_journal_stream();
	m2m_log_init("test", false, LOG_INFO);
	if (m2md_http_start("127.0.0.1", 0, 2, 4096, http_routes, 1, &http,
			    err, sizeof(err))) {
		capture_end(buf, sizeof(buf));
		CHECK(0, "HTTP listener on 127.0.0.1 started: %s", err);
		return;
	}
	CHECK(send_from("127.0.0.5", m2md_http_port(http), request, reply,
			sizeof(reply)) == 0,
	      "malformed request sent from 127.0.0.5: %s", strerror(errno));
	/* MHD may call the completion callback after the reply was read. */
	sleep_ms(300);
	m2md_http_stop(http);
	capture_end(buf, sizeof(buf));
	unsetenv("JOURNAL_STREAM");
	m2m_log_set_journal_sink(NULL);
	m2m_log_init("test", false, LOG_INFO);

	CHECK(!strncmp(reply, "HTTP/1.1 400 ", 13),
	      "the malformed request gets 400: \"%.40s\"", reply);
	for (i = 0; i < http_nlines; i++)
		if (strstr(http_lines[i], "http: request /echo failed"))
			found = i;
	CHECK(found >= 0, "a line about the failed request was logged (%d lines)",
	      http_nlines);
	if (found < 0)
		return;
	CHECK(strstr(http_lines[found], "|PEER=127.0.0.5|") != NULL,
	      "the line has the client's address as PEER: \"%s\"",
	      http_lines[found]);
	CHECK(strstr(http_lines[found], "|PRIORITY=4|") != NULL,
	      "the line is a warning: \"%s\"", http_lines[found]);
}

int main(void)
{
	unsetenv("JOURNAL_STREAM");
	test_peers_independent();
	test_count_names_peer();
	test_count_journal_peer();
	test_site_cap();
	test_lost_counts();
	test_lru_eviction();
	test_no_peer_shared();
	test_threads_own_peer();
	test_threads_evicting();
	test_http_error_peer();

	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
