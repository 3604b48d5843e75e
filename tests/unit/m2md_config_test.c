// SPDX-License-Identifier: GPL-2.0
/* Unit test of m2md's config file, flags and role defaults. */
#include <errno.h>
#include <keyutils.h>
#include <syslog.h>

#include "config.h"
#include "m2md_config_helpers.h"
#include "m2md_test.h"

static char dir[64];

static void test_defaults_network(void)
{
	struct m2md_config cfg;
	char err[256];

	m2md_config_defaults(&cfg);
	cfg.role = M2MD_ROLE_NETWORK;
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "network role finishes with defaults: %s", err);
	CHECK(!strcmp(cfg.listen_addr, "0.0.0.0"), "listen address %s",
	      cfg.listen_addr);
	CHECK(cfg.listen_port == 8080, "listen port %u", cfg.listen_port);
	CHECK(!strcmp(cfg.state_dir, "/var/lib/m2msec/network"), "state dir %s",
	      cfg.state_dir);
	CHECK(cfg.keyring == KEY_SPEC_USER_KEYRING, "keyring %d", cfg.keyring);
	CHECK(cfg.kmr_lifetime == 0, "kmr lifetime %u", cfg.kmr_lifetime);
	CHECK(cfg.kmc_lifetime == 3600, "kmc lifetime %u", cfg.kmc_lifetime);
	CHECK(cfg.mid_flags == 1, "mid flags %u", cfg.mid_flags);
	CHECK(!strcmp(cfg.nscl_id, "nscl"), "nscl id %s", cfg.nscl_id);
	CHECK(cfg.mas_fqdn[0] != '\0', "mas fqdn defaults to the host name");
}

static void test_defaults_gateway(void)
{
	char *argv[] = { "m2md", "--role", "gateway", "--nscl",
			 "http://10.0.0.1:8080/some/path", "--bootstrap-id",
			 "dev-1", NULL };
	struct m2md_config cfg;
	char err[256] = "";

	CHECK(m2md_config_parse_args(&cfg, 7, argv, err, sizeof(err)) == 0,
	      "gateway flags parse: %s", err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "gateway finishes: %s", err);
	CHECK(!strcmp(cfg.listen_addr, "127.0.0.1"), "listen address %s",
	      cfg.listen_addr);
	CHECK(cfg.listen_port == 8181, "listen port %u", cfg.listen_port);
	CHECK(!strcmp(cfg.nscl_base, "http://10.0.0.1:8080/nscl"),
	      "nscl base %s", cfg.nscl_base);
	CHECK(!strcmp(cfg.handshake_base, "http://10.0.0.1:8080/m2msec"),
	      "handshake base %s", cfg.handshake_base);
	CHECK(!strcmp(cfg.bootstrap_id, "dev-1"), "bootstrap id %s",
	      cfg.bootstrap_id);
}

/*
 * Command lines that m2md_config_parse_args() rejects, or that it accepts
 * and m2md_config_finish() rejects. reason is a part of the failing
 * step's error, and NULL for --help, which is no error.
 */
static void test_args_rejected(void)
{
	static const struct {
		const char *name;
		const char *argv[8];
		int parse;
		const char *reason;
	} cases[] = {
		{ "gateway without --nscl",
		  { "--role", "gateway", "--bootstrap-id", "x" }, 0, "--nscl" },
		{ "gateway without --bootstrap-id, --key=value flags",
		  { "--role=gateway", "--nscl=http://h:1" }, 0,
		  "--bootstrap-id" },
		{ "URL without scheme",
		  { "--role", "gateway", "--nscl", "h:1", "--bootstrap-id",
		    "x" }, -1, "h:1" },
		{ "no role", { NULL }, 0, "--role" },
		{ "missing file", { "--config", "/nonexistent/m2md.conf" }, -1,
		  "/nonexistent/m2md.conf: cannot open" },
		{ "unknown flag", { "--colour", "red" }, -1, "--colour" },
		{ "flag without value", { "--role" }, -1, "missing value" },
		{ "stray argument", { "network" }, -1,
		  "unexpected argument 'network'" },
		{ "--help", { "--role", "network", "--help" }, 1, NULL },
	};
	struct m2md_config cfg;
	char *argv[9], err[512];
	size_t i;
	int argc, ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = "m2md";
		for (argc = 1; cases[i].argv[argc - 1]; argc++)
			argv[argc] = (char *)cases[i].argv[argc - 1];
		argv[argc] = NULL;
		err[0] = '\0';
		ret = m2md_config_parse_args(&cfg, argc, argv, err,
					     sizeof(err));
		CHECK(ret == cases[i].parse, "%s: flags parse to %d, expected %d: %s",
		      cases[i].name, ret, cases[i].parse, err);
		if (ret == 0)
			CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == -1,
			      "%s is rejected at finish", cases[i].name);
		if (cases[i].reason)
			CHECK(strstr(err, cases[i].reason) != NULL,
			      "%s: reason '%s' in: %s", cases[i].name,
			      cases[i].reason, err);
	}
}

static void test_good_file(void)
{
	char path[128], err[256] = "";
	struct m2md_config cfg;
	char *argv[] = { "m2md", "--config", path, "--kmc-lifetime", "120",
			 NULL };

	snprintf(path, sizeof(path), "%s/good.conf", dir);
	conf_write(path,
		   "# network side\n"
		   "role = network\n"
		   "\n"
		   "   listen=127.0.0.1:9000   \n"
		   "state-dir = /tmp/x\n"
		   "keyring = @s\n"
		   "log-level = debug\n"
		   "syslog = no\n"
		   "max-body = 4096\n"
		   "kmr-lifetime = 86400\n"
		   "kmc-lifetime = 600\n"
		   "mid-flags = 0\n"
		   "tunnel = no\n"
		   "nscl-id = nscl-a\n"
		   "mas-fqdn = mas.example.net\n"
		   "scl-id-pattern = gw-%N\n"
		   "\t# indented comment\n");
	CHECK(m2md_config_parse_args(&cfg, 5, argv, err, sizeof(err)) == 0,
	      "good file parses: %s", err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "good file finishes: %s", err);
	CHECK(cfg.role == M2MD_ROLE_NETWORK, "role");
	CHECK(!strcmp(cfg.listen_addr, "127.0.0.1"), "listen address %s",
	      cfg.listen_addr);
	CHECK(cfg.listen_port == 9000, "listen port %u", cfg.listen_port);
	CHECK(!strcmp(cfg.state_dir, "/tmp/x"), "state dir");
	CHECK(cfg.keyring == KEY_SPEC_SESSION_KEYRING, "keyring @s");
	CHECK(cfg.log_level == LOG_DEBUG, "log level");
	CHECK(cfg.max_body == 4096, "max body %zu", cfg.max_body);
	CHECK(cfg.kmr_lifetime == 86400, "kmr lifetime");
	CHECK(cfg.kmc_lifetime == 120, "flag overrides the file: %u",
	      cfg.kmc_lifetime);
	CHECK(cfg.mid_flags == 0, "mid flags");
	CHECK(!strcmp(cfg.nscl_id, "nscl-a"), "nscl id");
	CHECK(!strcmp(cfg.mas_fqdn, "mas.example.net"), "mas fqdn");
	CHECK(!strcmp(cfg.scl_id_pattern, "gw-%N"), "pattern");
}

/* Each bad line is rejected with the file, its line number and a reason. */
static void test_bad_lines(void)
{
	static const struct {
		const char *line;
		const char *reason;
	} cases[] = {
		{ "role network", "expected 'key = value'" },
		{ "= network", "missing key" },
		{ "colour = blue", "unknown option 'colour'" },
		{ "role =", "empty value" },
		{ "role = router", "role: invalid value 'router'" },
		{ "listen = 127.0.0.1", "expected ADDR:PORT" },
		{ "listen = 127.0.0.1:70000", "expected ADDR:PORT" },
		{ "listen = 999.1.1.1:8080", "expected ADDR:PORT" },
		{ "listen = localhost:8080", "expected ADDR:PORT" },
		{ "listen = ::1:8080", "expected ADDR:PORT" },
		{ "listen = [1.2.3.4]:8080", "expected ADDR:PORT" },
		{ "listen = [zz]:8080", "expected ADDR:PORT" },
		{ "keyring = @x", "keyring: invalid value '@x'" },
		{ "keyring = @t", "keyring: invalid value '@t'" },
		{ "keyring = @g", "keyring: invalid value '@g'" },
		{ "keyring = @a", "keyring: invalid value '@a'" },
		{ "log-level = loud", "log-level: invalid value" },
		{ "syslog = maybe", "expected yes or no" },
		{ "kmc-lifetime = 0", "integer from 1 to" },
		{ "kmc-lifetime = 12s", "invalid value '12s'" },
		{ "kmr-lifetime = -1", "invalid value '-1'" },
		{ "kmr-lifetime = 4294967296", "integer from 0 to 4294967295" },
		{ "mid-flags = 2", "integer from 0 to 1" },
		{ "max-body = 10", "integer from 1024" },
		{ "config = other.conf", "cannot name another" },
		{ "scl-id-pattern = gw-%x", "scl-id-pattern: invalid pattern" },
		{ "scl-id-pattern = gw/%n", "scl-id-pattern: invalid pattern" },
		{ "nscl-id = my nscl", "nscl-id: invalid value 'my nscl'" },
		{ "nscl = ftp://10.0.0.1", "nscl: invalid URL 'ftp://10.0.0.1'" },
		{ "nscl = http://", "nscl: invalid URL 'http://'" },
		{ "tunnel = maybe", "expected yes or no" },
		{ "tunnel-ifname = a-name-of-16-chr", "invalid interface name" },
		{ "tunnel-ifname = m2m/0", "invalid interface name" },
		{ "tunnel-port = 0", "integer from 1 to 65535" },
		{ "tunnel-prefix = 10.0.0.0/8", "expected an IPv6 prefix" },
		{ "tunnel-prefix = fd00::/96", "length 0 to 64" },
		{ "tunnel-prefix = fd00::1/64", "has host bits set" },
		{ "tunnel-prefix4 = fd00::/64", "expected an IPv4 prefix" },
		{ "tunnel-prefix4 = 10.1.2.0/25", "length 0 to 24" },
		{ "tunnel-routes = 10.0.0.0/8,", "empty prefix" },
		{ "tunnel_routes = bad", "invalid prefix" },
		{ "scl_id_pattern = gw/%n", "scl-id-pattern: invalid pattern" },
		{ "nscl_id = my nscl", "nscl-id: invalid value 'my nscl'" },
	};
	char path[128], text[256], name[300];
	size_t i;

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "# line 1\nthreads = 4\n%s\n",
			 cases[i].line);
		snprintf(name, sizeof(name), "'%s'", cases[i].line);
		conf_expect_rejected(path, text, M2MD_ROLE_NONE, 3,
				     cases[i].reason, name);
	}
}

/* Numbers are decimal, or hex after 0x; a leading zero is not octal. */
static void test_number_base(void)
{
	static const struct {
		const char *text;
		uint32_t kmc_lifetime;
	} cases[] = {
		{ "0600", 600 },
		{ "0900", 900 },
		{ "7200", 7200 },
		{ "0x10", 16 },
		{ "0X10", 16 },
	};
	struct m2md_config cfg;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m2md_config_defaults(&cfg);
		err[0] = '\0';
		CHECK(m2md_config_set(&cfg, "kmc-lifetime", cases[i].text, err,
				      sizeof(err)) == 0,
		      "kmc-lifetime '%s' is accepted: %s", cases[i].text, err);
		CHECK(cfg.kmc_lifetime == cases[i].kmc_lifetime,
		      "kmc-lifetime '%s' is %u, expected %u", cases[i].text,
		      cfg.kmc_lifetime, cases[i].kmc_lifetime);
	}
	m2md_config_defaults(&cfg);
	CHECK(m2md_config_set(&cfg, "kmc-lifetime", "0x", err,
			      sizeof(err)) == -1, "kmc-lifetime '0x' is rejected");
}

static void test_listen_ipv6(void)
{
	struct m2md_config cfg;
	char err[512] = "";

	m2md_config_defaults(&cfg);
	CHECK(m2md_config_set(&cfg, "listen", "[::1]:8080", err,
			      sizeof(err)) == 0, "listen [::1]:8080: %s", err);
	CHECK(!strcmp(cfg.listen_addr, "::1"), "listen address %s",
	      cfg.listen_addr);
	CHECK(cfg.listen_port == 8080, "listen port %u", cfg.listen_port);
}

/* A value of n bytes for nscl-id, as the only line of a file. */
static void check_long_value(size_t n, const char *reason, const char *name)
{
	char path[128], *text = malloc(n + 16);

	if (!text)
		exit(2);
	snprintf(path, sizeof(path), "%s/long.conf", dir);
	strcpy(text, "nscl-id = ");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("nscl-id = ") + n, "\n");
	conf_expect_rejected(path, text, M2MD_ROLE_NONE, 1, reason, name);
	free(text);
}

static void test_long_values(void)
{
	check_long_value(3000, "line longer than", "over-long line");
	check_long_value(300, "longer than 255 bytes",
			 "value over the buffer");
}

static void test_scl_id_pattern(void)
{
	static const uint8_t node[16] = {
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
		0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	};
	struct m2md_config cfg;
	char out[300], err[256];

	CHECK(m2md_scl_id_expand("gscl-%n", node, out, sizeof(out)) == 0 &&
	      !strcmp(out, "gscl-deadbeef"), "default pattern: %s", out);
	CHECK(m2md_scl_id_expand("%N", node, out, sizeof(out)) == 0 &&
	      !strcmp(out, "deadbeef0102030405060708090a0b0c"), "%%N: %s",
	      out);
	CHECK(m2md_scl_id_expand("a%%b", node, out, sizeof(out)) == -1,
	      "a percent sign is not a resource name character");
	CHECK(m2md_scl_id_expand("gw-%x", node, out, sizeof(out)) == -1,
	      "unknown %% sequence is rejected");
	CHECK(m2md_scl_id_expand("gw/%n", node, out, sizeof(out)) == -1,
	      "slash is rejected");
	m2md_config_defaults(&cfg);
	cfg.role = M2MD_ROLE_NETWORK;
	snprintf(cfg.scl_id_pattern, sizeof(cfg.scl_id_pattern), "x/%%n");
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == -1,
	      "bad pattern is rejected at start");
	CHECK(strstr(err, "scl-id-pattern") != NULL, "reason: %s", err);
}

static void test_tunnel_defaults(void)
{
	struct m2md_config cfg;
	char text[M2M_CIDR_STRLEN], err[256];

	m2md_config_defaults(&cfg);
	CHECK(cfg.tunnel, "tunnel defaults to yes");
	CHECK(!strcmp(cfg.tunnel_ifname, "m2m0"), "ifname %s",
	      cfg.tunnel_ifname);
	CHECK(cfg.tunnel_port == 5685, "port %u", cfg.tunnel_port);
	m2m_cidr_format(&cfg.tunnel_prefix, text, sizeof(text));
	CHECK(!strcmp(text, "fd6d:326d:6d32::/64"), "prefix %s", text);
	CHECK(!cfg.has_tunnel_prefix4, "no IPv4 prefix by default");
	CHECK(cfg.n_tunnel_routes == 0, "no routes by default");

	cfg.role = M2MD_ROLE_NETWORK;
	cfg.mid_flags = 0;
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "network finishes: %s", err);
	CHECK(cfg.mid_flags == M2MSEC_MID_PROTECT,
	      "tunnel sets mid flags bit 0: %u", cfg.mid_flags);
}

static void test_tunnel_options(void)
{
	struct m2md_config cfg;
	char text[M2M_CIDR_STRLEN], err[256];

	m2md_config_defaults(&cfg);
	CHECK(m2md_config_set(&cfg, "tunnel_ifname", "tun7", err,
			      sizeof(err)) == 0, "underscore key: %s", err);
	CHECK(!strcmp(cfg.tunnel_ifname, "tun7"), "ifname %s",
	      cfg.tunnel_ifname);
	CHECK(m2md_config_set(&cfg, "tunnel-port", "5700", err,
			      sizeof(err)) == 0, "port: %s", err);
	CHECK(cfg.tunnel_port == 5700, "port %u", cfg.tunnel_port);
	CHECK(m2md_config_set(&cfg, "tunnel-prefix", "fd00:1:2:3::/64", err,
			      sizeof(err)) == 0, "prefix: %s", err);
	m2m_cidr_format(&cfg.tunnel_prefix, text, sizeof(text));
	CHECK(!strcmp(text, "fd00:1:2:3::/64"), "prefix %s", text);
	CHECK(m2md_config_set(&cfg, "tunnel-prefix4", "10.201.0.0/16", err,
			      sizeof(err)) == 0, "prefix4: %s", err);
	CHECK(cfg.has_tunnel_prefix4, "prefix4 set");
	CHECK(cfg.tunnel_prefix4.cidr == 16, "prefix4 length %u",
	      cfg.tunnel_prefix4.cidr);
	CHECK(m2md_config_set(&cfg, "tunnel-routes",
			      "192.168.7.0/24,fd99::/48", err,
			      sizeof(err)) == 0, "routes: %s", err);
	CHECK(cfg.n_tunnel_routes == 2, "two routes, got %zu",
	      cfg.n_tunnel_routes);
	CHECK(m2md_config_set(&cfg, "tunnel", "no", err, sizeof(err)) == 0,
	      "tunnel no: %s", err);
	CHECK(!cfg.tunnel, "tunnel off");

	cfg.role = M2MD_ROLE_NETWORK;
	cfg.mid_flags = M2MSEC_MID_PROTECT;
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "network finishes: %s", err);
	CHECK(cfg.mid_flags == 0, "tunnel = no clears mid flags bit 0: %u",
	      cfg.mid_flags);
}

static void test_usage(void)
{
	char *buf = conf_help_text();

	CHECK(buf != NULL, "help text is captured");
	if (!buf)
		return;
	CHECK(strstr(buf, "--kmc-lifetime SECONDS") != NULL,
	      "help names the unit of kmc-lifetime");
	CHECK(strstr(buf, "default 3600") != NULL, "help gives the default");
	CHECK(strstr(buf, "--bootstrap-id ID") != NULL, "help has bootstrap-id");
	CHECK(strstr(buf, "--config FILE") != NULL, "help has --config");
	free(buf);
}

int main(void)
{
	test_tunnel_defaults();
	test_tunnel_options();
	m2md_test_tmpdir(dir, sizeof(dir));
	test_defaults_network();
	test_defaults_gateway();
	test_args_rejected();
	test_good_file();
	test_bad_lines();
	test_number_base();
	test_listen_ipv6();
	test_long_values();
	test_scl_id_pattern();
	test_usage();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_config_test");
}
