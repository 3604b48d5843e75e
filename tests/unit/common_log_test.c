// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the agent's logging: the "<N>" priority prefix on stderr,
 * the priority filter, one line per message whatever it contains, and the
 * ids appended as text. The journal fields are captured by a sink in place
 * of sd_journal_sendv(). Then the fallback to stderr and the rate limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "log.h"

#include "check.h"
#include "log_capture.h"

static const uint8_t node_id[16] = {
	0x0f, 0x06, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
};
static const uint8_t key_id[16] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};
#define NODE_HEX	"0f06112233445566778899aabbccddee"
#define KEY_HEX		"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"

static size_t count_lines(const char *buf)
{
	size_t n = 0;

	for (; *buf; buf++)
		n += *buf == '\n';
	return n;
}

/* Fields of the journal entries sent, as "NAME=value" strings. */
#define SINK_ENTRIES	4
#define SINK_FIELDS	16
static char sink_field[SINK_ENTRIES][SINK_FIELDS][1400];
static int sink_nfields[SINK_ENTRIES];
static int sink_calls;
static int sink_result;

static int test_sink(const struct iovec *iov, int n)
{
	int i, e = sink_calls++;

	if (e >= SINK_ENTRIES || n > SINK_FIELDS)
		return -E2BIG;
	sink_nfields[e] = n;
	for (i = 0; i < n; i++)
		snprintf(sink_field[e][i], sizeof(sink_field[e][i]), "%.*s",
			 (int)iov[i].iov_len, (const char *)iov[i].iov_base);
	return sink_result;
}

static void sink_reset(int result)
{
	memset(sink_field, 0, sizeof(sink_field));
	memset(sink_nfields, 0, sizeof(sink_nfields));
	sink_calls = 0;
	sink_result = result;
}

/* Set JOURNAL_STREAM to the device and inode of stderr, plus ino_delta. */
static void set_journal_stream(long ino_delta)
{
	struct stat st;
	char value[64];

	if (fstat(STDERR_FILENO, &st)) {
		printf("cannot stat stderr\n");
		exit(2);
	}
	snprintf(value, sizeof(value), "%llu:%llu",
		 (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + ino_delta);
	setenv("JOURNAL_STREAM", value, 1);
}

static void test_stderr_prefix(void)
{
	char buf[4096];

	capture_start();
	m2m_log_init("test", false, LOG_INFO);
	m2m_err("handshake with node %s failed", "0f06");
	m2m_dbg("not logged at LOG_INFO");
	m2m_warn("peer sent \"a\nb\rc\x1b[31m\"");
	m2m_info("%s", "last");
	m2m_warn("path /\xff\xfe\xc2\x9b%s", "x");
	capture_end(buf, sizeof(buf));

	CHECK(!strncmp(buf, "<3>handshake with node 0f06 failed\n", 35),
	      "error line has prefix <3>: \"%s\"", buf);
	CHECK(strstr(buf, "not logged") == NULL,
	      "debug message is filtered at LOG_INFO");
	CHECK(strstr(buf, "<4>peer sent \"a?b?c?[31m\"\n") != NULL,
	      "control characters become '?': \"%s\"", buf);
	CHECK(strstr(buf, "<6>last\n") != NULL, "info line has prefix <6>");
	CHECK(strstr(buf, "<4>path /????x\n") != NULL,
	      "bytes above 0x7f (invalid UTF-8, C1 controls) become '?': \"%s\"",
	      buf);
	CHECK(strlen(buf) == 35 + 26 + 8 + 15,
	      "four lines and nothing else, got %zu bytes", strlen(buf));
}

static void test_stderr_fields(void)
{
	struct m2m_log_ids all = {
		.node_id = node_id,
		.key_id = key_id,
		.conn_id = 0x00000000deadbeefULL,
		.has_conn_id = true,
		.key_serial = 123456,
		.peer = "192.0.2.7",
	};
	struct m2m_log_ids odd_peer = { .peer = "a b\nc" };
	struct m2m_log_ids conn_zero = { .has_conn_id = true };
	char buf[4096];

	capture_start();
	m2m_log_init("test", false, LOG_INFO);
	m2m_log_ids(LOG_NOTICE, &all, "connect: done: kmc_index %u", 4u);
	m2m_log_ids(LOG_WARNING, &odd_peer, "rejected");
	m2m_log_ids(LOG_INFO, &conn_zero, "zero");
	m2m_log_ids(LOG_INFO, NULL, "no ids");
	capture_end(buf, sizeof(buf));

	CHECK(strstr(buf, "<5>connect: done: kmc_index 4 node_id=" NODE_HEX
		      " key_id=" KEY_HEX " conn_id=00000000deadbeef"
		      " key_serial=123456 peer=192.0.2.7\n") == buf,
	      "all ids appended in order: \"%s\"", buf);
	CHECK(strstr(buf, "<4>rejected peer=a?b?c\n") != NULL,
	      "spaces and control characters of the peer become '?'");
	CHECK(strstr(buf, "<6>zero conn_id=0000000000000000\n") != NULL,
	      "connection id 0 is logged when has_conn_id is set");
	CHECK(strstr(buf, "<6>no ids\n") != NULL, "NULL ids append nothing");
	CHECK(count_lines(buf) == 4, "four lines, got %zu", count_lines(buf));
}

static void test_long_message(void)
{
	struct m2m_log_ids ids = { .node_id = node_id };
	char *text = malloc(3000), buf[8192];
	const char *tail;

	memset(text, 'x', 2999);
	text[2999] = '\0';
	capture_start();
	m2m_log_init("test", false, LOG_INFO);
	m2m_log_ids(LOG_INFO, &ids, "%s", text);
	capture_end(buf, sizeof(buf));
	free(text);

	tail = strstr(buf, "... node_id=" NODE_HEX "\n");
	CHECK(tail != NULL, "a cut message ends in \"...\" before the ids");
	CHECK(count_lines(buf) == 1, "a long message stays one line, got %zu",
	      count_lines(buf));
	CHECK(strlen(buf) < 1400, "the line is cut, got %zu bytes",
	      strlen(buf));
}

/* Find "NAME=value" among the fields of entry e; returns its value. */
static const char *sink_get(int e, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; i < sink_nfields[e]; i++)
		if (!strncmp(sink_field[e][i], name, len) &&
		    sink_field[e][i][len] == '=')
			return sink_field[e][i] + len + 1;
	return NULL;
}

static void check_field(int e, const char *name, const char *want)
{
	const char *got = sink_get(e, name);

	CHECK(got != NULL, "entry %d: %s is present", e, name);
	CHECK(got && !strcmp(got, want), "entry %d: %s is \"%s\", got \"%s\"",
	      e, name, want, got ? got : "(absent)");
}

static void test_journal_fields(void)
{
	struct m2m_log_ids ids = {
		.node_id = node_id,
		.key_id = key_id,
		.conn_id = 0x0123456789abcdefULL,
		.has_conn_id = true,
		.key_serial = 42,
		.peer = "2001:db8::5",
	};
	char buf[4096];

	capture_start();
	set_journal_stream(0);
	sink_reset(0);
	m2m_log_set_journal_sink(test_sink);
	m2m_log_init("m2md", false, LOG_INFO);
	m2m_log_ids(LOG_INFO, &ids, "connect: done: kmc_index %u", 7u);
	m2m_err("cannot start: %s", "out of memory");
	m2m_dbg("filtered");
	capture_end(buf, sizeof(buf));

	CHECK(buf[0] == '\0', "nothing on stderr, got \"%s\"", buf);
	CHECK(sink_calls == 2, "two entries sent, got %d", sink_calls);
	check_field(0, "MESSAGE", "connect: done: kmc_index 7 node_id=" NODE_HEX
		    " key_id=" KEY_HEX " conn_id=0123456789abcdef"
		    " key_serial=42 peer=2001:db8::5");
	check_field(0, "PRIORITY", "6");
	check_field(0, "SYSLOG_IDENTIFIER", "m2md");
	check_field(0, "NODE_ID", NODE_HEX);
	check_field(0, "KEY_ID", KEY_HEX);
	check_field(0, "CONN_ID", "0123456789abcdef");
	check_field(0, "KEY_SERIAL", "42");
	check_field(0, "PEER", "2001:db8::5");
	CHECK(sink_nfields[0] == 8, "entry 0 has 8 fields, got %d",
	      sink_nfields[0]);
	check_field(1, "MESSAGE", "cannot start: out of memory");
	check_field(1, "PRIORITY", "3");
	check_field(1, "SYSLOG_IDENTIFIER", "m2md");
	CHECK(sink_nfields[1] == 3, "entry without ids has 3 fields, got %d",
	      sink_nfields[1]);
	CHECK(!sink_get(1, "NODE_ID"), "entry without ids has no NODE_ID");
}

static void test_journal_fallback(void)
{
	char buf[4096];

	capture_start();
	set_journal_stream(0);
	sink_reset(-ENOENT);
	m2m_log_set_journal_sink(test_sink);
	m2m_log_init("m2md", false, LOG_INFO);
	m2m_log_ids(LOG_WARNING, &(struct m2m_log_ids){ .key_serial = 9 },
		    "journal is gone");
	capture_end(buf, sizeof(buf));

	CHECK(sink_calls == 1, "the journal was tried once, got %d",
	      sink_calls);
	CHECK(!strcmp(buf, "<4>journal is gone key_serial=9\n"),
	      "a failed journal send falls back to stderr: \"%s\"", buf);
}

static void test_journal_stream_mismatch(void)
{
	char buf[4096];

	capture_start();
	set_journal_stream(1);
	sink_reset(0);
	m2m_log_set_journal_sink(test_sink);
	m2m_log_init("m2md", false, LOG_INFO);
	m2m_info("inode differs");
	setenv("JOURNAL_STREAM", "not a stream", 1);
	m2m_log_init("m2md", false, LOG_INFO);
	m2m_info("malformed");
	unsetenv("JOURNAL_STREAM");
	m2m_log_init("m2md", false, LOG_INFO);
	m2m_info("unset");
	capture_end(buf, sizeof(buf));
	m2m_log_set_journal_sink(NULL);

	CHECK(sink_calls == 0, "nothing sent to the journal, got %d",
	      sink_calls);
	CHECK(!strcmp(buf, "<6>inode differs\n<6>malformed\n<6>unset\n"),
	      "another inode, a malformed or no JOURNAL_STREAM keep stderr: \"%s\"",
	      buf);
}

static void test_peer_format(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[M2M_LOG_PEER_LEN];
	const char *s;

	inet_pton(AF_INET, "198.51.100.4", &sin.sin_addr);
	sin.sin_port = htons(8080);
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	s = m2m_log_peer((struct sockaddr *)&sin, buf, sizeof(buf));
	CHECK(s != NULL, "IPv4 peer has an address");
	CHECK(s && !strcmp(s, "198.51.100.4"), "IPv4 peer without port: %s",
	      s ? s : "(null)");
	s = m2m_log_peer((struct sockaddr *)&sin6, buf, sizeof(buf));
	CHECK(s != NULL, "IPv6 peer has an address");
	CHECK(s && !strcmp(s, "2001:db8::1"), "IPv6 peer: %s",
	      s ? s : "(null)");
	CHECK(!m2m_log_peer((struct sockaddr *)&sun, buf, sizeof(buf)),
	      "a unix socket has no peer address");
	CHECK(!m2m_log_peer(NULL, buf, sizeof(buf)), "no address, no peer");
}

/* One call site, called n times. */
static void log_from_one_site(int n)
{
	int i;

	for (i = 0; i < n; i++)
		m2m_warn_ratelimited("bad datagram %d", i);
}

static void test_ratelimit_macro(void)
{
	char buf[8192];

	m2m_ratelimit_reset_all();
	capture_start();
	m2m_log_init("test", false, LOG_INFO);
	log_from_one_site(M2M_LOG_RL_BURST + 5);
	m2m_dbg_ratelimited("filtered debug line");
	capture_end(buf, sizeof(buf));

	CHECK(count_lines(buf) == M2M_LOG_RL_BURST,
	      "one call site logs %d lines per interval, got %zu",
	      M2M_LOG_RL_BURST, count_lines(buf));
	CHECK(strstr(buf, "<4>bad datagram 0\n") != NULL,
	      "the first line passes");
	CHECK(strstr(buf, "<4>bad datagram 9\n") != NULL,
	      "the tenth line passes");
	CHECK(strstr(buf, "bad datagram 10") == NULL,
	      "the eleventh line is suppressed");
	CHECK(strstr(buf, "filtered") == NULL,
	      "a filtered priority logs nothing");
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The limiter's interval is 1 s and the waits 1.1 s. Sleeps never end
 * early, but a busy host may stop the test between two of the first 7
 * lines for longer than the interval. Then the counts below do not
 * apply, so the test prints SKIP and leaves them out.
 */
static void test_ratelimit_count(void)
{
	struct m2m_ratelimit rl = M2M_RATELIMIT_INIT("site.c:12", 1000, 2, 4);
	struct timespec wait = { .tv_sec = 1, .tv_nsec = 100 * 1000 * 1000 };
	struct m2m_ratelimit_report report = { .suppressed = 99 };
	int passed = 0, i;
	long long start, took;
	char buf[4096];

	capture_start();
	m2m_log_init("test", false, LOG_INFO);
	start = monotonic_ms();
	for (i = 0; i < 7; i++)
		passed += m2m_ratelimit_ok(&rl, LOG_WARNING, NULL);
	took = monotonic_ms() - start;
	if (took >= 1000) {
		capture_end(buf, sizeof(buf));
		printf("SKIP rate limit counts: 7 lines took %lld ms\n", took);
		return;
	}
	CHECK(passed == 2, "2 of 7 lines pass, got %d", passed);
	CHECK(rl.peers[0].suppressed == 5,
	      "5 lines counted as suppressed, got %lu", rl.peers[0].suppressed);
	nanosleep(&wait, NULL);
	CHECK(m2m_ratelimit_ok(&rl, LOG_ERR, NULL),
	      "a line passes in the next interval");
	CHECK(rl.peers[0].suppressed == 0,
	      "the count restarts after it is logged");
	nanosleep(&wait, NULL);
	CHECK(m2m_ratelimit_pass(&rl, NULL, &report),
	      "a line passes in the third interval");
	CHECK(report.suppressed == 0,
	      "no count when nothing was suppressed, got %lu",
	      report.suppressed);
	capture_end(buf, sizeof(buf));

	CHECK(!strcmp(buf, "<3>site.c:12: 5 lines suppressed by the rate limit\n"),
	      "the count is logged once, at the priority of the line: \"%s\"",
	      buf);
}

int main(void)
{
	unsetenv("JOURNAL_STREAM");
	test_stderr_prefix();
	test_stderr_fields();
	test_long_message();
	test_journal_fields();
	test_journal_fallback();
	test_journal_stream_mismatch();
	test_peer_format();
	test_ratelimit_macro();
	test_ratelimit_count();

	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
