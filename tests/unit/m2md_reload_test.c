// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the config reload. Live options change, restart-only
 * options are logged and kept, and a bad file changes nothing. Flags
 * still override the file, readers never read a torn value, and a wider
 * auth-skew does not let a replayed signature through.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "config.h"
#include "kmauth.h"
#include "log.h"
#include "m2md_config_helpers.h"
#include "m2md_test.h"
#include "reload.h"

static char dir[64];
static char conf[128];
static char logpath[128];
/*
 * Command line of most tests. m2md_reload_init() keeps a pointer to it,
 * so it must live as long as the program.
 */
static char *conf_argv[] = { "m2md", "--config", conf, NULL };

/*
 * Write text as the config file, run m2md_reload() with stderr sent to a
 * file, and return what it logged in out.
 */
static int reload_logged(const char *text, char *out, size_t len)
{
	int saved = dup(STDERR_FILENO), fd, ret;
	ssize_t n;

	if (text)
		conf_write(conf, text);
	fflush(stderr);
	fd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	ret = m2md_reload();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
}

static const char base_conf[] =
	"role = network\n"
	"kernel = no\n"
	"listen = 127.0.0.1:32020\n"
	"admin-socket = \"\"\n"
	"max-body = 2048\n"
	"scl-id-pattern = gw-%n\n"
	"[gateway]\n"
	"nscl = http://127.0.0.1:32020\n";

/*
 * Write text as the config file, then start as main() does: parse,
 * finish, remember for reloads.
 */
static void start(const char *text, struct m2md_config *cfg, int argc,
		  char **argv)
{
	char err[512];

	conf_write(conf, text);
	CHECK(m2md_config_parse_args(cfg, argc, argv, err, sizeof(err)) == 0,
	      "start config parses: %s", err);
	CHECK(m2md_config_finish(cfg, err, sizeof(err)) == 0,
	      "start config finishes: %s", err);
	CHECK(m2md_reload_init(cfg, argc, argv) == 0, "reload init");
}

/* Check that log has the restart warning for key, with the file name. */
static void check_restart_warned(const char *log, const char *key)
{
	char want[256];

	snprintf(want, sizeof(want),
		 "<4>%s: %s changed: takes effect at the next start", conf,
		 key);
	CHECK(strstr(log, want) != NULL, "warning for %s: %s", key, log);
}

static void test_live_options(void)
{
	struct m2md_config cfg;
	struct m2md_live live;
	char log[4096];

	start(base_conf, &cfg, 3, conf_argv);
	m2md_live_read(&cfg, &live);
	CHECK(live.max_body == 2048, "max-body at start: %zu", live.max_body);
	CHECK(!strcmp(live.scl_id_pattern, "gw-%n"), "pattern at start: %s",
	      live.scl_id_pattern);

	CHECK(reload_logged("role = network\n"
			    "kernel = no\n"
			    "listen = 127.0.0.1:32020\n"
			    "admin-socket = \"\"\n"
			    "max-body = 8192\n"
			    "scl-id-pattern = node-%N\n"
			    "kmc-lifetime = 120\n"
			    "kmr-lifetime = 86400\n"
			    "nscl-id = nscl2\n"
			    "mas-fqdn = mas.example.net\n"
			    "auth-skew = 30\n"
			    "http-timeout = 2500\n"
			    "retry-min = 2\n"
			    "retry-max = 20\n", log, sizeof(log)) == 0,
	      "reload succeeds: %s", log);
	m2md_live_read(&cfg, &live);
	CHECK(live.max_body == 8192, "max-body reloaded: %zu", live.max_body);
	CHECK(!strcmp(live.scl_id_pattern, "node-%N"), "pattern reloaded: %s",
	      live.scl_id_pattern);
	CHECK(live.kmc_lifetime == 120, "kmc-lifetime: %u", live.kmc_lifetime);
	CHECK(live.kmr_lifetime == 86400, "kmr-lifetime: %u",
	      live.kmr_lifetime);
	CHECK(!strcmp(live.nscl_id, "nscl2"), "nscl-id: %s", live.nscl_id);
	CHECK(!strcmp(live.mas_fqdn, "mas.example.net"), "mas-fqdn: %s",
	      live.mas_fqdn);
	CHECK(m2md_live_auth_skew(1) == 30, "auth-skew reloaded");
	CHECK(m2md_live_http_timeout(1) == 2500, "http-timeout reloaded");
	CHECK(m2md_live_retry_min(1) == 2, "retry-min reloaded");
	CHECK(m2md_live_retry_max(1) == 20, "retry-max reloaded");
	CHECK(m2md_live_max_body(1) == 8192, "max-body reader reloaded");
	CHECK(cfg.max_body == 2048, "the started config is not changed: %zu",
	      cfg.max_body);
	CHECK(strstr(log, "changed max-body") != NULL,
	      "log names the changed live options: %s", log);
	CHECK(strstr(log, "takes effect at the next start") == NULL,
	      "no restart warning for live options: %s", log);
	m2md_reload_free();
}

static void test_restart_only(void)
{
	struct m2md_config cfg;
	struct m2md_live live;
	char log[4096];

	start(base_conf, &cfg, 3, conf_argv);
	CHECK(reload_logged("role = network\n"
			    "kernel = no\n"
			    "listen = 127.0.0.1:32021\n"
			    "admin-socket = \"\"\n"
			    "max-body = 2048\n"
			    "scl-id-pattern = gw-%n\n"
			    "threads = 4\n"
			    "state-dir = /tmp/elsewhere\n", log, sizeof(log)) == 0,
	      "reload succeeds: %s", log);
	check_restart_warned(log, "listen");
	check_restart_warned(log, "threads");
	check_restart_warned(log, "state-dir");
	CHECK(strstr(log, "no live option changed") != NULL,
	      "no live option changed: %s", log);
	CHECK(cfg.listen_port == 32020, "listen port kept: %u",
	      cfg.listen_port);
	CHECK(cfg.threads == 0, "threads kept: %u", cfg.threads);
	m2md_live_read(&cfg, &live);
	CHECK(live.max_body == 2048, "live max-body unchanged: %zu",
	      live.max_body);
	m2md_reload_free();
}

/* mid-flags bit 0 follows tunnel, which a reload does not change. */
static void test_mid_flags_follow_start(void)
{
	struct m2md_config cfg;
	struct m2md_live live;
	char log[4096];

	start("role = network\ntunnel = yes\nmid-flags = 1\n", &cfg, 3,
	      conf_argv);
	CHECK(reload_logged("role = network\ntunnel = no\nmid-flags = 1\n",
			    log, sizeof(log)) == 0,
	      "reload succeeds: %s", log);
	check_restart_warned(log, "tunnel");
	m2md_live_read(&cfg, &live);
	CHECK(live.mid_flags == 1, "mid-flags keep the tunnel bit: %u",
	      live.mid_flags);
	m2md_reload_free();
}

static void test_bad_file(void)
{
	struct m2md_config cfg;
	struct m2md_live live;
	char log[4096], want[256];

	start(base_conf, &cfg, 3, conf_argv);
	CHECK(reload_logged("role = network\n"
			    "max-body = 8192\n"
			    "log-level = debug\n"
			    "max-body = 4096\n", log, sizeof(log)) == -1,
	      "bad file fails");
	snprintf(want, sizeof(want),
		 "<3>reload failed: %s:4: max-body: set twice in the part before the first section, first on line 2",
		 conf);
	CHECK(strstr(log, want) != NULL, "error with file and line: %s", log);
	m2md_live_read(&cfg, &live);
	CHECK(live.max_body == 2048, "max-body unchanged: %zu", live.max_body);
	CHECK(live.log_level == LOG_INFO, "log-level unchanged: %d",
	      live.log_level);

	unlink(conf);
	CHECK(reload_logged(NULL, log, sizeof(log)) == -1,
	      "missing file fails");
	CHECK(strstr(log, "cannot open") != NULL, "missing file logged: %s",
	      log);
	m2md_live_read(&cfg, &live);
	CHECK(live.max_body == 2048, "max-body still unchanged: %zu",
	      live.max_body);
	m2md_reload_free();
}

/* A flag on the command line still overrides the file after a reload. */
static void test_flags_win(void)
{
	char *argv[] = { "m2md", "--config", conf, "--max-body", "4096",
			 NULL };
	struct m2md_config cfg;
	char log[4096];

	start(base_conf, &cfg, 5, argv);
	CHECK(m2md_live_max_body(1) == 4096, "flag at start: %zu",
	      m2md_live_max_body(1));
	CHECK(reload_logged("role = network\nmax-body = 9000\nkmc-lifetime = 77\n",
			    log, sizeof(log)) == 0,
	      "reload succeeds: %s", log);
	CHECK(m2md_live_max_body(1) == 4096, "flag still wins: %zu",
	      m2md_live_max_body(1));
	m2md_reload_free();
}

static void collect_key(const char *key, bool live, void *ctx)
{
	char *list = ctx;

	snprintf(list + strlen(list), 512 - strlen(list), "%s%s:%s",
		 list[0] ? " " : "", key, live ? "live" : "restart");
}

/* The live/restart split: exactly the options that the help marks. */
static void test_live_split(void)
{
	static const char *const live_keys[] = {
		"log-level", "syslog", "max-body", "auth-skew",
		"kmr-lifetime", "mas-fqdn", "scl-id-pattern", "kmc-lifetime",
		"mid-flags", "nscl-id", "http-timeout", "retry-min",
		"retry-max",
	};
	struct m2md_config a, b;
	char *help = conf_help_text(), list[512] = "", err[256];
	size_t i, marked = 0;
	const char *p;

	CHECK(help != NULL, "help text is captured");
	if (!help)
		return;
	for (p = help; (p = strstr(p, " (reloads)\n")); p++)
		marked++;
	CHECK(marked == sizeof(live_keys) / sizeof(live_keys[0]),
	      "help marks %zu options as live", marked);
	for (i = 0; i < sizeof(live_keys) / sizeof(live_keys[0]); i++) {
		const char *eol, *tag;
		char want[64];

		snprintf(want, sizeof(want), "  --%s ", live_keys[i]);
		p = strstr(help, want);
		CHECK(p != NULL, "help lists %s", live_keys[i]);
		if (!p)
			continue;
		eol = strchr(p, '\n');
		tag = strstr(p, " (reloads)");
		CHECK(tag != NULL, "help has a reload tag for %s",
		      live_keys[i]);
		CHECK(tag && tag < eol, "help marks %s as live on its line",
		      live_keys[i]);
	}
	CHECK(strstr(help, "SIGHUP") != NULL, "help says SIGHUP reloads");
	free(help);

	m2md_config_defaults(&a);
	m2md_config_defaults(&b);
	m2md_config_set(&b, "log-level", "debug", err, sizeof(err));
	m2md_config_set(&b, "listen", "127.0.0.1:1", err, sizeof(err));
	m2md_config_set(&b, "nscl-id", "x", err, sizeof(err));
	m2md_config_set(&b, "tunnel-prefix", "fd00::/64", err, sizeof(err));
	CHECK(m2md_config_diff(&a, &b, collect_key, list) == 4,
	      "four options differ: %s", list);
	CHECK(!strcmp(list, "listen:restart log-level:live tunnel-prefix:restart nscl-id:live"),
	      "diff names each option with its kind: %s", list);
}

struct torn_check {
	volatile bool stop;
	volatile unsigned long reads;
	unsigned long torn;
};

static void *read_live(void *arg)
{
	struct torn_check *tc = arg;
	struct m2md_live live;
	struct m2md_config cfg;

	m2md_config_defaults(&cfg);
	while (!tc->stop) {
		m2md_live_read(&cfg, &live);
		tc->reads++;
		if (strcmp(live.scl_id_pattern, "short-%n") &&
		    strcmp(live.scl_id_pattern,
			   "a-much-longer-pattern-of-the-other-kind-%N"))
			tc->torn++;
	}
	return NULL;
}

/* Readers see one whole value or the other while reloads publish. */
static void test_no_torn_strings(void)
{
	struct m2md_config one, two;
	struct torn_check tc = { 0 };
	pthread_t th;
	char err[256];
	int i, ret;

	m2md_config_defaults(&one);
	m2md_config_defaults(&two);
	m2md_config_set(&one, "scl-id-pattern", "short-%n", err, sizeof(err));
	m2md_config_set(&two, "scl-id-pattern",
			"a-much-longer-pattern-of-the-other-kind-%N", err,
			sizeof(err));
	m2md_live_publish(&one);
	ret = pthread_create(&th, NULL, read_live, &tc);
	CHECK(ret == 0, "reader thread starts: %s", strerror(ret));
	if (ret)
		return;
	/* Wait for the reader, so that it cannot start after the last publish. */
	while (!tc.reads)
		sched_yield();
	for (i = 0; i < 20000; i++)
		m2md_live_publish(i % 2 ? &one : &two);
	tc.stop = true;
	pthread_join(th, NULL);
	CHECK(tc.reads > 0, "reader ran: %lu reads", tc.reads);
	CHECK(tc.torn == 0, "no torn pattern in %lu reads: %lu", tc.reads,
	      tc.torn);
	m2md_live_reset();
}

/* Verify hook: the MAC is HMAC-SHA256 with the key "kma-test". */
static int verify_hmac(void *ctx, const uint8_t key_id[16],
		       const char *app_id, const uint8_t digest[32],
		       const uint8_t mac[32])
{
	static const uint8_t key[] = "kma-test";
	uint8_t want[32];
	unsigned int len = sizeof(want);

	HMAC(EVP_sha256(), key, sizeof(key) - 1, digest, 32, want, &len);
	return CRYPTO_memcmp(want, mac, sizeof(want)) ? -EBADMSG : 0;
}

/* Build the Authorization header of a GET /gscl signed at ts. */
static void sign_get(int64_t ts, uint8_t nonce_byte, char *header,
		     size_t len)
{
	static const uint8_t key[] = "kma-test";
	struct m2m_kmauth a = { 0 };
	unsigned int maclen = sizeof(a.mac);
	uint8_t digest[32];

	snprintf(a.app_id, sizeof(a.app_id), "app1");
	snprintf(a.kid, sizeof(a.kid), "00112233445566778899aabbccddeeff");
	a.ts = ts;
	memset(a.nonce, nonce_byte, sizeof(a.nonce));
	CHECK(m2m_kmauth_digest("GET", "/gscl", &a, NULL, 0, digest) == 0,
	      "digest");
	HMAC(EVP_sha256(), key, sizeof(key) - 1, digest, sizeof(digest),
	     a.mac, &maclen);
	CHECK(m2m_kmauth_format(&a, header, len) == 0, "format");
}

static unsigned int send_signed(struct m2md_auth *auth, const char *header)
{
	struct m2md_request req = {
		.method = M2MD_GET, .path = "/gscl", .target = "/gscl",
		.authorization = header,
	};
	struct m2md_reply reply = { 0 };
	struct m2md_principal who;
	unsigned int status;

	if (!m2md_auth_request(auth, &req, &who, &reply))
		status = 200;
	else
		status = reply.status;
	free(reply.body);
	return status;
}

static void publish_skew(const char *skew)
{
	struct m2md_config cfg;
	char err[256];

	m2md_config_defaults(&cfg);
	CHECK(m2md_config_set(&cfg, "auth-skew", skew, err, sizeof(err)) == 0,
	      "auth-skew %s: %s", skew, err);
	m2md_live_publish(&cfg);
}

/*
 * A signature stored under a 60 s window, replayed after its nonce
 * expired but inside a wider window from a reload, is still rejected.
 */
static void test_skew_widened_no_replay(void)
{
	struct m2md_auth_ops ops = { .kma_verify = verify_hmac, .skew = 60 };
	struct m2md_auth *auth = m2md_auth_new(NULL, 0, &ops);
	char old_sig[M2M_KMAUTH_MAX + 1], new_sig[M2M_KMAUTH_MAX + 1];
	int64_t now = time(NULL);

	CHECK(auth != NULL, "auth created");
	if (!auth)
		return;
	publish_skew("60");
	/* 3 s from the end of the window, which a busy host may use up. */
	sign_get(now - 57, 1, old_sig, sizeof(old_sig));
	CHECK(send_signed(auth, old_sig) == 200,
	      "signature 57 s old is accepted with a 60 s window");
	publish_skew("600");
	CHECK(send_signed(auth, old_sig) == 401,
	      "replay is rejected while its nonce is remembered");
	/* The nonce expires at ts + 60; wait until a second after that. */
	while (time(NULL) < now - 57 + 62)
		usleep(100 * 1000);
	CHECK(send_signed(auth, old_sig) == 401,
	      "replay after the nonce expired is rejected under a wider window");
	sign_get(time(NULL) + 300, 2, new_sig, sizeof(new_sig));
	CHECK(send_signed(auth, new_sig) == 200,
	      "a new signature 300 s ahead gets the 600 s window");
	CHECK(send_signed(auth, new_sig) == 401, "its replay is rejected");
	m2md_auth_free(auth);
	m2md_live_reset();
}

int main(void)
{
	m2m_log_init("m2md_reload_test", false, LOG_INFO);
	m2md_test_tmpdir(dir, sizeof(dir));
	snprintf(conf, sizeof(conf), "%s/m2md.conf", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	test_live_options();
	test_restart_only();
	test_mid_flags_follow_start();
	test_bad_file();
	test_flags_win();
	test_live_split();
	test_no_torn_strings();
	test_skew_widened_no_replay();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_reload_test");
}
