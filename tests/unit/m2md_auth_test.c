// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's request authentication: Kma signatures (parse
 * errors, time window, replay, a full nonce cache, MAC and key failures)
 * with a verify hook standing in for the kernel, the admin socket, the
 * role's tunnel principals, kernel = no, and the identity options.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "auth.h"
#include "config.h"
#include "hex.h"
#include "kmauth.h"
#include "log.h"
#include "m2md_test.h"

#define KID_HEX		"00112233445566778899aabbccddeeff"
#define OTHER_KID_HEX	"ffeeddccbbaa99887766554433221100"

/* The test's stand-in for Kma(app): HMAC key "kma-" followed by the app. */
static void test_kma(const char *app, uint8_t key[32])
{
	memset(key, 0, 32);
	snprintf((char *)key, 32, "kma-%s", app);
}

static int verify_calls;
static int verify_error;	/* forced result, 0 = compute the MAC */

static int fake_verify(void *ctx, const uint8_t key_id[16],
		       const char *app_id, const uint8_t digest[32],
		       const uint8_t mac[32])
{
	uint8_t kid[16], key[32], want[32];
	unsigned int len = sizeof(want);

	verify_calls++;
	if (verify_error)
		return verify_error;
	m2m_hex_decode(KID_HEX, kid, sizeof(kid));
	if (memcmp(kid, key_id, sizeof(kid)))
		return -ENOKEY;
	test_kma(app_id, key);
	HMAC(EVP_sha256(), key, sizeof(key), digest, 32, want, &len);
	return CRYPTO_memcmp(want, mac, sizeof(want)) ? -EBADMSG : 0;
}

static int tunnel_calls;

/* Requests from port 4242 came over the tunnel from scl gw1. */
static int fake_tunnel(void *ctx, const struct m2md_request *req,
		       struct m2md_principal *who)
{
	const struct sockaddr_in *sin = (const void *)req->client;

	tunnel_calls++;
	if (!sin || sin->sin_port != htons(4242))
		return 0;
	who->kind = M2MD_PRINCIPAL_SCL;
	snprintf(who->id, sizeof(who->id), "gw1");
	return 1;
}

/* A signed request: method, target and body as sent, and its header. */
struct signed_req {
	char header[M2M_KMAUTH_MAX + 1];
	struct m2m_kmauth a;
	struct m2md_request req;
	struct m2md_reply reply;
	struct m2md_principal who;
};

/* Free the reply body of the last run. */
static void drop(struct signed_req *s)
{
	free(s->reply.body);
	s->reply.body = NULL;
}

/* Sign with nonce, or with a fresh nonce when it is NULL. */
static void sign_nonce(struct signed_req *s, const char *app, const char *kid,
		       int64_t ts, const char *method, const char *target,
		       const char *body, const uint8_t *nonce)
{
	uint8_t digest[32], key[32];
	unsigned int len = sizeof(s->a.mac);
	static uint8_t counter;
	int ret;

	/* s is zeroed or signed before: drop the reply of its last run. */
	drop(s);
	memset(s, 0, sizeof(*s));
	snprintf(s->a.app_id, sizeof(s->a.app_id), "%s", app);
	snprintf(s->a.kid, sizeof(s->a.kid), "%s", kid);
	s->a.ts = ts;
	if (nonce) {
		memcpy(s->a.nonce, nonce, sizeof(s->a.nonce));
	} else {
		memset(s->a.nonce, 0x5a, sizeof(s->a.nonce));
		s->a.nonce[0] = ++counter;
		s->a.nonce[1] = (uint8_t)getpid();
		s->a.nonce[2] = (uint8_t)time(NULL);
	}
	ret = m2m_kmauth_digest(method, target, &s->a, body,
				body ? strlen(body) : 0, digest);
	CHECK(ret == 0, "digest of %s %s: %d", method, target, ret);
	test_kma(app, key);
	HMAC(EVP_sha256(), key, sizeof(key), digest, sizeof(digest), s->a.mac,
	     &len);
	ret = m2m_kmauth_format(&s->a, s->header, sizeof(s->header));
	CHECK(ret == 0, "format: %d", ret);
	s->req.method = m2md_method_parse(method);
	s->req.path = target;
	s->req.target = target;
	s->req.body = (const unsigned char *)body;
	s->req.body_len = body ? strlen(body) : 0;
	s->req.authorization = s->header;
}

static void sign(struct signed_req *s, const char *app, const char *kid,
		 int64_t ts, const char *method, const char *target,
		 const char *body)
{
	sign_nonce(s, app, kid, ts, method, target, body, NULL);
}

static int run(struct m2md_auth *auth, struct signed_req *s)
{
	drop(s);
	memset(&s->reply, 0, sizeof(s->reply));
	return m2md_auth_request(auth, &s->req, &s->who, &s->reply);
}

static bool body_has(const struct m2md_reply *r, const char *text)
{
	return r->body && memmem(r->body, r->len, text, strlen(text));
}

static struct m2md_auth *new_auth(unsigned int skew, size_t nonces_max)
{
	struct m2md_auth_ops ops = {
		.tunnel_principal = fake_tunnel,
		.kma_verify = fake_verify,
		.skew = skew,
		.nonces_max = nonces_max,
	};
	struct m2md_auth *auth = m2md_auth_new(NULL, 0, &ops);

	CHECK(auth != NULL, "auth created");
	if (!auth)
		exit(2);
	return auth;
}

static void test_kma_valid(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 };
	int ret;

	sign(&s, "temp1", KID_HEX, time(NULL), "POST",
	     "/gscl/applications/temp1/containers?x=1", "<container/>");
	ret = run(auth, &s);
	CHECK(ret == 0, "valid signature accepted: %d (%u)", ret,
	      s.reply.status);
	CHECK(s.who.kind == M2MD_PRINCIPAL_APP, "principal is an app: %d",
	      s.who.kind);
	CHECK(!strcmp(s.who.id, "temp1"), "app id: %s", s.who.id);
	CHECK(s.reply.status == 0, "no reply on success: %u",
	      s.reply.status);
	drop(&s);
	m2md_auth_free(auth);
}

static void test_kma_parse_errors(void)
{
	static const char *const bad[] = {
		"M2M-Kma app=\"temp1\"",
		"Basic dXNlcjpwYXNz",
		"M2M-Kma app=\"temp1\", kid=\"XYZ\", ts=\"1\", nonce=\"00\", mac=\"00\"",
	};
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 };
	size_t i;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
		snprintf(s.header, sizeof(s.header), "%s", bad[i]);
		ret = run(auth, &s);
		CHECK(ret == -1, "'%s' rejected", bad[i]);
		CHECK(s.reply.status == 401, "'%s' gets 401: %u", bad[i],
		      s.reply.status);
		CHECK(body_has(&s.reply, "invalid Authorization"),
		      "'%s' reason: %.*s", bad[i], (int)s.reply.len,
		      s.reply.body);
		CHECK(s.who.kind == M2MD_PRINCIPAL_ANON,
		      "'%s' leaves no principal", bad[i]);
		drop(&s);
	}
	m2md_auth_free(auth);
}

static void test_kma_time_window(void)
{
	struct m2md_auth *auth = new_auth(60, 0);
	int64_t now = time(NULL);
	struct signed_req s = { 0 };

	sign(&s, "temp1", KID_HEX, now - 120, "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "old timestamp rejected");
	CHECK(s.reply.status == 401, "old timestamp: 401, got %u",
	      s.reply.status);
	CHECK(body_has(&s.reply, "expired timestamp"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);
	CHECK(body_has(&s.reply, "behind"), "says behind: %.*s",
	      (int)s.reply.len, s.reply.body);

	sign(&s, "temp1", KID_HEX, now + 120, "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "future timestamp rejected");
	CHECK(body_has(&s.reply, "ahead of"), "says ahead: %.*s",
	      (int)s.reply.len, s.reply.body);

	sign(&s, "temp1", KID_HEX, now - 55, "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == 0, "timestamp inside the window accepted: %u",
	      s.reply.status);
	drop(&s);
	m2md_auth_free(auth);
}

static void test_kma_replay(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 }, other = { 0 };

	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == 0, "first use accepted");
	CHECK(run(auth, &s) == -1, "second use rejected");
	CHECK(s.reply.status == 401, "replay: 401, got %u", s.reply.status);
	CHECK(body_has(&s.reply, "replayed nonce"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);

	/* The same nonce from another application is its own signature. */
	sign_nonce(&other, "temp2", KID_HEX, s.a.ts, "GET", "/gscl", NULL,
		   s.a.nonce);
	CHECK(run(auth, &other) == 0, "same nonce, other app accepted: %u",
	      other.reply.status);
	drop(&s);
	drop(&other);
	m2md_auth_free(auth);
}

static void test_kma_bad_mac(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 };
	char good[sizeof(s.header)];
	char *mac;

	sign(&s, "temp1", KID_HEX, time(NULL), "PUT", "/gscl/x", "body");
	snprintf(good, sizeof(good), "%s", s.header);
	mac = strstr(s.header, "mac=\"") + 5;
	*mac = *mac == '0' ? '1' : '0';
	CHECK(run(auth, &s) == -1, "changed MAC rejected");
	CHECK(s.reply.status == 401, "bad MAC: 401, got %u", s.reply.status);
	CHECK(body_has(&s.reply, "bad MAC"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);

	/* A rejected MAC does not use up the nonce. */
	snprintf(s.header, sizeof(s.header), "%s", good);
	CHECK(run(auth, &s) == 0, "the genuine request still passes: %u",
	      s.reply.status);

	sign(&s, "temp1", KID_HEX, time(NULL), "PUT", "/gscl/x", "body");
	s.req.body = (const unsigned char *)"bodx";
	CHECK(run(auth, &s) == -1, "changed body rejected");
	CHECK(body_has(&s.reply, "bad MAC"), "changed body: bad MAC");

	sign(&s, "temp1", KID_HEX, time(NULL), "PUT", "/gscl/x", "body");
	s.req.target = "/gscl/y";
	CHECK(run(auth, &s) == -1, "changed target rejected");

	sign(&s, "temp1", KID_HEX, time(NULL), "PUT", "/gscl/x", "body");
	s.req.method = M2MD_DELETE;
	CHECK(run(auth, &s) == -1, "changed method rejected");
	drop(&s);
	m2md_auth_free(auth);
}

static void test_kma_key_errors(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 };

	sign(&s, "temp1", OTHER_KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "unknown kid rejected");
	CHECK(s.reply.status == 401, "unknown kid: 401, got %u",
	      s.reply.status);
	CHECK(body_has(&s.reply, "unknown key"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);
	CHECK(body_has(&s.reply, OTHER_KID_HEX), "reason names the kid");

	verify_error = -EKEYEXPIRED;
	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "expired key rejected");
	CHECK(s.reply.status == 401, "expired key: 401, got %u",
	      s.reply.status);
	CHECK(body_has(&s.reply, "expired key"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);

	verify_error = -EIO;
	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "failed check rejected");
	CHECK(s.reply.status == 503, "failed check: 503, got %u",
	      s.reply.status);
	verify_error = 0;
	drop(&s);
	m2md_auth_free(auth);
}

/*
 * The window is 3 s, so that the five signatures below fall in it on a
 * busy host too. A nonce is remembered until its ts plus the window.
 */
#define FULL_CACHE_SKEW	3

static void test_kma_full_cache(void)
{
	struct m2md_auth *auth = new_auth(FULL_CACHE_SKEW, 4);
	struct signed_req s[5] = { 0 }, late = { 0 };
	time_t last_ts;
	int i, calls;

	for (i = 0; i < 4; i++) {
		sign(&s[i], "temp1", KID_HEX, time(NULL), "GET", "/gscl",
		     NULL);
		CHECK(run(auth, &s[i]) == 0, "signature %d accepted: %u", i,
		      s[i].reply.status);
	}
	sign(&s[4], "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s[4]) == -1, "fifth signature rejected");
	CHECK(s[4].reply.status == 503, "full cache: 503, got %u",
	      s[4].reply.status);
	CHECK(s[4].reply.retry_after >= 1, "Retry-After set: %u",
	      s[4].reply.retry_after);
	CHECK(body_has(&s[4].reply, "too many signed requests"),
	      "reason: %.*s", (int)s[4].reply.len, s[4].reply.body);
	CHECK(s[4].who.kind == M2MD_PRINCIPAL_ANON,
	      "full cache leaves no principal");
	calls = verify_calls;
	CHECK(run(auth, &s[0]) == -1, "a remembered nonce is still a replay");
	CHECK(s[0].reply.status == 401, "replay with a full cache: 401");
	CHECK(verify_calls == calls, "a replay is rejected before the kernel");

	/*
	 * Once the window of the first four has passed they are forgotten.
	 * Wait for the clock to pass it by a second, not for a guess.
	 */
	last_ts = time(NULL);
	while (time(NULL) <= last_ts + FULL_CACHE_SKEW + 1)
		usleep(100 * 1000);
	sign(&late, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &late) == 0, "room again after the window: %u",
	      late.reply.status);
	for (i = 0; i < 5; i++)
		drop(&s[i]);
	drop(&late);
	m2md_auth_free(auth);
}

static void test_kma_without_kernel(void)
{
	struct m2md_auth *auth = m2md_auth_new(NULL, 0, NULL);
	struct signed_req s = { 0 };

	CHECK(auth != NULL, "auth without kernel created");
	if (!auth)
		return;
	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	CHECK(run(auth, &s) == -1, "signature without kernel rejected");
	CHECK(s.reply.status == 503, "without kernel: 503, got %u",
	      s.reply.status);
	CHECK(body_has(&s.reply, "kernel = no"), "reason: %.*s",
	      (int)s.reply.len, s.reply.body);
	snprintf(s.header, sizeof(s.header), "Basic dXNlcjpwYXNz");
	CHECK(run(auth, &s) == -1, "other scheme without kernel rejected");
	CHECK(s.reply.status == 401, "other scheme without kernel: 401, got %u",
	      s.reply.status);
	drop(&s);
	m2md_auth_free(auth);
}

static void test_admin_socket(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct signed_req s = { 0 };

	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	s.req.authorization = NULL;
	s.req.has_peer_cred = true;
	s.req.peer_uid = 0;
	CHECK(run(auth, &s) == 0, "root on the admin socket accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ADMIN, "root is admin");
	s.req.peer_uid = getuid();
	CHECK(run(auth, &s) == 0, "m2md's own uid accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ADMIN, "m2md's own uid is admin");
	s.req.peer_uid = getuid() + 4711;
	CHECK(run(auth, &s) == 0, "other uid accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ANON, "other uid is anonymous");

	/* A signature on the admin socket is checked like anywhere else. */
	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	s.req.has_peer_cred = true;
	s.header[strlen(s.header) - 2] ^= 1;
	CHECK(run(auth, &s) == -1, "bad signature on the admin socket");
	CHECK(s.reply.status == 401, "bad signature: 401, not admin");
	drop(&s);
	m2md_auth_free(auth);
}

static void test_tunnel_and_anonymous(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct signed_req s = { 0 };

	sign(&s, "temp1", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	s.req.authorization = NULL;
	s.req.client = (const struct sockaddr *)&sin;
	sin.sin_port = htons(4242);
	tunnel_calls = 0;
	CHECK(run(auth, &s) == 0, "tunnel request accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_SCL, "tunnel gives an scl: %d",
	      s.who.kind);
	CHECK(!strcmp(s.who.id, "gw1"), "scl id: %s", s.who.id);
	CHECK(tunnel_calls == 1, "role hook called once");
	s.req.binding = M2MD_BINDING_COAP;
	tunnel_calls = 0;
	CHECK(run(auth, &s) == 0, "CoAP request accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ANON,
	      "CoAP from a tunnel address is anonymous: %d", s.who.kind);
	CHECK(tunnel_calls == 0, "role hook not asked for CoAP");
	s.req.binding = M2MD_BINDING_HTTP;
	sin.sin_port = htons(4243);
	CHECK(run(auth, &s) == 0, "other request accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ANON, "other request anonymous");
	CHECK(!s.who.id[0], "anonymous has no id");
	s.req.authorization = "";
	CHECK(run(auth, &s) == 0, "empty Authorization accepted");
	CHECK(s.who.kind == M2MD_PRINCIPAL_ANON,
	      "empty Authorization is anonymous");
	m2md_auth_free(auth);
}

/* Log lines name app and kid but never the MAC. */
static void test_log_has_no_mac(void)
{
	struct m2md_auth *auth = new_auth(0, 0);
	char path[] = "/tmp/m2md-auth-log-XXXXXX", log[4096] = "";
	char mac_hex[65];
	struct signed_req s = { 0 };
	int fd, saved;
	ssize_t n;

	fd = mkstemp(path);
	CHECK(fd >= 0, "log file created");
	if (fd < 0)
		return;
	sign(&s, "temp9", KID_HEX, time(NULL), "GET", "/gscl", NULL);
	m2m_hex_encode(s.a.mac, sizeof(s.a.mac), mac_hex);
	verify_error = -EBADMSG;
	/* Earlier tests used up the rate limit of the rejection line. */
	m2m_ratelimit_reset_all();
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	run(auth, &s);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	verify_error = 0;
	lseek(fd, 0, SEEK_SET);
	n = read(fd, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	CHECK(strstr(log, "temp9") != NULL, "log names the app: %s", log);
	CHECK(strstr(log, KID_HEX) != NULL, "log names the kid: %s", log);
	CHECK(strstr(log, mac_hex) == NULL, "log has no MAC: %s", log);
	CHECK(strstr(log, mac_hex + 32) == NULL, "log has no MAC half");
	drop(&s);
	m2md_auth_free(auth);
}

static void test_identity_options(void)
{
	struct m2md_config cfg;
	char err[512] = "";
	char *net[] = { "m2md", "--role", "network", NULL };
	char *gw[] = { "m2md", "--role", "gateway", "--nscl",
		       "http://127.0.0.1:8080", "--kernel", "no", NULL };

	CHECK(m2md_config_parse_args(&cfg, 3, net, err, sizeof(err)) == 0,
	      "network args: %s", err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "network finish: %s", err);
	CHECK(cfg.kernel, "kernel defaults to yes");
	CHECK(cfg.auth_skew == M2MD_AUTH_SKEW, "auth-skew default: %u",
	      cfg.auth_skew);
	CHECK(!strcmp(cfg.admin_socket, "/run/m2msec/m2md-network.sock"),
	      "network admin socket: %s", cfg.admin_socket);
	CHECK(!cfg.coap_listen[0], "no CoAP by default");

	CHECK(m2md_config_parse_args(&cfg, 7, gw, err, sizeof(err)) == 0,
	      "gateway args: %s", err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "gateway without kernel needs no bootstrap id: %s", err);
	CHECK(!cfg.kernel, "kernel = no");
	CHECK(!cfg.tunnel, "kernel = no turns the tunnel off");
	CHECK(!strcmp(cfg.admin_socket, "/run/m2msec/m2md-gateway.sock"),
	      "gateway admin socket: %s", cfg.admin_socket);

	m2md_config_defaults(&cfg);
	CHECK(m2md_config_set(&cfg, "admin-socket", "", err, sizeof(err)) ==
	      0, "empty admin socket: %s", err);
	CHECK(m2md_config_set(&cfg, "role", "network", err, sizeof(err)) == 0,
	      "role set");
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0, "finish");
	CHECK(!cfg.admin_socket[0], "\"\" disables the admin socket");
	CHECK(m2md_config_set(&cfg, "admin-socket", "run/x.sock", err,
			      sizeof(err)) == -1, "relative socket rejected");
	CHECK(strstr(err, "admin-socket") != NULL, "error names option: %s",
	      err);
	CHECK(strstr(err, "run/x.sock") != NULL, "error names value: %s", err);
	CHECK(m2md_config_set(&cfg, "coap-listen", "127.0.0.1:5683", err,
			      sizeof(err)) == 0, "coap-listen set: %s", err);
	CHECK(!strcmp(cfg.coap_addr, "127.0.0.1"), "coap address %s",
	      cfg.coap_addr);
	CHECK(cfg.coap_port == 5683, "coap port %u", cfg.coap_port);
	CHECK(m2md_config_set(&cfg, "coap-listen", "[::1]:0", err,
			      sizeof(err)) == -1, "coap port 0 rejected");
	CHECK(strstr(err, "coap-listen") != NULL, "error names option: %s",
	      err);
	CHECK(strstr(err, "[::1]:0") != NULL, "error names value: %s", err);
	CHECK(m2md_config_set(&cfg, "auth-skew", "0", err, sizeof(err)) == -1,
	      "auth-skew 0 rejected");
	CHECK(strstr(err, "auth-skew") != NULL, "error names auth-skew: %s",
	      err);
	CHECK(m2md_config_set(&cfg, "auth-skew", "30", err, sizeof(err)) == 0,
	      "auth-skew 30 accepted: %s", err);
	CHECK(cfg.auth_skew == 30, "auth-skew is 30: %u", cfg.auth_skew);
	CHECK(m2md_config_set(&cfg, "kernel", "maybe", err, sizeof(err)) == -1,
	      "kernel maybe rejected");
}

static void test_identity_options_file(void)
{
	char path[] = "/tmp/m2md-auth-conf-XXXXXX", err[512] = "";
	struct m2md_config cfg;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CHECK(fd >= 0, "config file created");
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("role = network\nkernel = no\nadmin-socket = \"\"\n"
	      "coap-listen =\nauth-skew = 10\n", f);
	fclose(f);
	m2md_config_defaults(&cfg);
	CHECK(m2md_config_load_file(&cfg, path, err, sizeof(err)) == 0,
	      "file with empty values loads: %s", err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0, "finish: %s",
	      err);
	CHECK(!cfg.admin_socket[0], "admin-socket \"\" in a file disables it");
	CHECK(!cfg.coap_listen[0], "empty coap-listen in a file");
	CHECK(cfg.auth_skew == 10, "auth-skew from the file: %u",
	      cfg.auth_skew);
	CHECK(!cfg.kernel, "kernel = no from the file");
	CHECK(!cfg.tunnel, "no tunnel without the kernel module");
	unlink(path);
}

int main(void)
{
	test_kma_valid();
	test_kma_parse_errors();
	test_kma_time_window();
	test_kma_replay();
	test_kma_bad_mac();
	test_kma_key_errors();
	test_kma_full_cache();
	test_kma_without_kernel();
	test_admin_socket();
	test_tunnel_and_anonymous();
	test_log_has_no_mac();
	test_identity_options();
	test_identity_options_file();
	return m2md_test_done("m2md_auth_test");
}
