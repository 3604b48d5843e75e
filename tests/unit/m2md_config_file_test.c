// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the config file's sections, duplicate keys and role
 * lines, and of the sample config agent/m2md.conf.
 */
#include <ctype.h>
#include <syslog.h>

#include "config.h"
#include "m2md_config_helpers.h"
#include "m2md_test.h"

#define SAMPLE	"../../agent/m2md.conf"

static char dir[64];
static char path[128];

/* Load text from path as the config of role (NONE: no --role). */
static int load(const char *text, enum m2md_role role,
		struct m2md_config *cfg, char *err, size_t errlen)
{
	return conf_load(path, text, role, cfg, err, errlen);
}

static const char two_roles[] =
	"max-body = 4096\n"
	"log-level = warning\n"
	"[network]\n"
	"listen = 127.0.0.1:32010\n"
	"max-body = 8192\n"
	"kmc-lifetime = 600\n"
	"[gateway]\n"
	"listen = 127.0.0.1:32011\n"
	"nscl = http://127.0.0.1:32010\n"
	"bootstrap-id = gw-1\n";

/*
 * Each role applies the part before the first section and its own
 * section of two_roles, and none of the other role's section.
 */
static void test_sections(void)
{
	static const struct {
		enum m2md_role role;
		uint16_t listen_port;
		size_t max_body;
		uint32_t kmc_lifetime;
		const char *nscl_url;
		const char *bootstrap_id;
		const char *state_dir;
	} cases[] = {
		{ M2MD_ROLE_NETWORK, 32010, 8192, 600, "", "",
		  "/var/lib/m2msec/network" },
		{ M2MD_ROLE_GATEWAY, 32011, 4096, 3600,
		  "http://127.0.0.1:32010", "gw-1", "/var/lib/m2msec/gateway" },
	};
	struct m2md_config cfg;
	const char *name;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		name = m2md_role_name(cases[i].role);
		CHECK(load(two_roles, cases[i].role, &cfg, err,
			   sizeof(err)) == 0,
		      "%s loads the two-role file: %s", name, err);
		CHECK(cfg.listen_port == cases[i].listen_port,
		      "%s listen port %u", name, cfg.listen_port);
		CHECK(cfg.max_body == cases[i].max_body, "%s max-body %zu",
		      name, cfg.max_body);
		CHECK(cfg.log_level == LOG_WARNING,
		      "%s: top log-level applies: %d", name, cfg.log_level);
		CHECK(cfg.kmc_lifetime == cases[i].kmc_lifetime,
		      "%s kmc-lifetime %u", name, cfg.kmc_lifetime);
		CHECK(!strcmp(cfg.nscl_url, cases[i].nscl_url), "%s nscl '%s'",
		      name, cfg.nscl_url);
		CHECK(!strcmp(cfg.bootstrap_id, cases[i].bootstrap_id),
		      "%s bootstrap-id '%s'", name, cfg.bootstrap_id);
		CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
		      "%s finishes: %s", name, err);
		CHECK(!strcmp(cfg.state_dir, cases[i].state_dir),
		      "%s state dir %s", name, cfg.state_dir);
	}
}

static void test_role_line(void)
{
	struct m2md_config cfg;
	char err[512];

	CHECK(load("role = gateway\n[gateway]\nnscl = http://10.0.0.1\n"
		   "[network]\nnscl-id = n1\n",
		   M2MD_ROLE_NONE, &cfg, err, sizeof(err)) == 0,
	      "role line before the sections: %s", err);
	CHECK(cfg.role == M2MD_ROLE_GATEWAY, "role from the file: %d",
	      cfg.role);
	CHECK(!strcmp(cfg.nscl_url, "http://10.0.0.1"), "[gateway] applied");
	CHECK(!strcmp(cfg.nscl_id, "nscl"), "[network] not applied: %s",
	      cfg.nscl_id);

	CHECK(load("role = gateway\n[network]\nnscl-id = n1\n",
		   M2MD_ROLE_NETWORK, &cfg, err, sizeof(err)) == 0,
	      "--role wins over the role line: %s", err);
	CHECK(cfg.role == M2MD_ROLE_NETWORK, "role stays network: %d",
	      cfg.role);
	CHECK(!strcmp(cfg.nscl_id, "n1"), "[network] applied for --role");

	conf_expect_rejected(path, "role = router\n", M2MD_ROLE_NETWORK, 1,
			     "role: invalid value 'router'",
			     "an invalid role line with --role");
}

/* Each case: file text, the line that fails and words of the reason. */
static void test_section_errors(void)
{
	static const struct {
		const char *text;
		enum m2md_role role;
		unsigned int line;
		const char *reason;
	} cases[] = {
		{ "[network]\nlisten = 127.0.0.1:1\n", M2MD_ROLE_NONE, 1,
		  "the role is not known yet" },
		{ "max-body = 2048\n[routers]\n", M2MD_ROLE_NETWORK, 2,
		  "unknown section '[routers]'" },
		{ "[network\n", M2MD_ROLE_NETWORK, 1,
		  "invalid section header '[network'" },
		{ "[network]\nrole = network\n", M2MD_ROLE_NETWORK, 2,
		  "role: not allowed in a section" },
		{ "[gateway]\nnscl = ftp://x\n", M2MD_ROLE_NETWORK, 2,
		  "nscl: invalid URL" },
		{ "[gateway]\nretry-mxa = 5\n", M2MD_ROLE_NETWORK, 2,
		  "unknown option 'retry-mxa'" },
		{ "[network]\nkmc-lifetime = 0\n", M2MD_ROLE_GATEWAY, 2,
		  "kmc-lifetime: invalid value '0'" },
		{ "[network]\nlisten 127.0.0.1:1\n", M2MD_ROLE_NETWORK, 2,
		  "expected 'key = value'" },
		{ "[network]\n = 5\n", M2MD_ROLE_NETWORK, 2,
		  "missing key before '='" },
		{ "max-body = 2048\n# comment\nmax_body = 4096\n",
		  M2MD_ROLE_NETWORK, 3,
		  "max_body: set twice in the part before the first section, first on line 1" },
		{ "[gateway]\nretry-min = 5\n[network]\n[gateway]\nretry-min = 6\n",
		  M2MD_ROLE_NETWORK, 5,
		  "retry-min: set twice in [gateway], first on line 2" },
	};
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "case %zu", i);
		conf_expect_rejected(path, cases[i].text, cases[i].role,
				     cases[i].line, cases[i].reason, name);
	}
}

/* A key set once in each scope is no duplicate. */
static void test_key_per_scope(void)
{
	struct m2md_config cfg;
	char err[512];

	CHECK(load("max-body = 2048\n[network]\nmax-body = 4096\n"
		   "[gateway]\nmax-body = 8192\n", M2MD_ROLE_NETWORK, &cfg,
		   err, sizeof(err)) == 0,
	      "one key in each scope is fine: %s", err);
	CHECK(cfg.max_body == 4096, "max-body of [network]: %zu",
	      cfg.max_body);
}

/* Key of a "  --key ARG" line of the help text, or NULL. */
static const char *help_key(const char *line, char *key, size_t len)
{
	size_t n = 0;

	if (strncmp(line, "  --", 4))
		return NULL;
	line += 4;
	while (line[n] && line[n] != ' ' && line[n] != '\n' && n + 1 < len) {
		key[n] = line[n];
		n++;
	}
	key[n] = '\0';
	return key;
}

static char *read_sample(void)
{
	FILE *f = fopen(SAMPLE, "r");
	char *text;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* Every option of the help text has a "#key =" or "# key =" line. */
static void test_sample_lists_every_option(const char *sample)
{
	char *help = conf_help_text(), *line, *save = NULL, key[64];
	char want[80];

	CHECK(help != NULL, "help text is captured");
	if (!help)
		return;
	for (line = strtok_r(help, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!help_key(line, key, sizeof(key)) ||
		    !strcmp(key, "config") || !strcmp(key, "help") ||
		    !strcmp(key, "version"))
			continue;
		snprintf(want, sizeof(want), "\n#%s = ", key);
		if (strstr(sample, want))
			continue;
		snprintf(want, sizeof(want), "\n# %s = ", key);
		CHECK(strstr(sample, want) != NULL,
		      "sample config lists option %s", key);
	}
	free(help);
}

/*
 * Uncomment the "#key = value" lines of the sample, and with examples
 * set, the "# key = value" lines too.
 */
static char *uncomment(const char *sample, bool examples)
{
	char *out = malloc(strlen(sample) + 1), *o = out;
	const char *p = sample;

	while (*p) {
		bool at_line = p == sample || p[-1] == '\n';

		if (at_line && p[0] == '#' && islower((unsigned char)p[1])) {
			p++;
			continue;
		}
		if (at_line && examples && p[0] == '#' && p[1] == ' ' &&
		    islower((unsigned char)p[2]) && strchr(p, '=') &&
		    strchr(p, '=') < strchr(p, '\n')) {
			const char *sp = strchr(p + 2, ' ');

			/* Only "# key = value": the third word is '='. */
			if (sp && sp[1] == '=' && sp[2] == ' ') {
				p += 2;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* The reference config of a role: built-in defaults, finished. */
static void reference(enum m2md_role role, struct m2md_config *ref)
{
	char err[256];

	m2md_config_defaults(ref);
	ref->role = role;
	if (role == M2MD_ROLE_GATEWAY) {
		m2md_config_set(ref, "nscl", "http://192.0.2.1:8080", err,
				sizeof(err));
		m2md_config_set(ref, "bootstrap-id", "gw-0001", err,
				sizeof(err));
	}
	CHECK(m2md_config_finish(ref, err, sizeof(err)) == 0,
	      "reference of %s finishes: %s", m2md_role_name(role), err);
}

static void print_diff(const char *key, bool live, void *ctx)
{
	printf("# %s: %s differs from the default\n", (const char *)ctx, key);
}

static void test_sample_defaults(const char *sample, enum m2md_role role)
{
	const char *name = m2md_role_name(role);
	struct m2md_config cfg, ref;
	char err[512];
	char *text;

	CHECK(load(sample, role, &cfg, err, sizeof(err)) == 0,
	      "sample as shipped loads for %s: %s", name, err);

	text = uncomment(sample, false);
	CHECK(load(text, role, &cfg, err, sizeof(err)) == 0,
	      "sample with its defaults uncommented loads for %s: %s", name,
	      err);
	if (role == M2MD_ROLE_GATEWAY) {
		m2md_config_set(&cfg, "nscl", "http://192.0.2.1:8080", err,
				sizeof(err));
		m2md_config_set(&cfg, "bootstrap-id", "gw-0001", err,
				sizeof(err));
	}
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "uncommented sample finishes for %s: %s", name, err);
	reference(role, &ref);
	CHECK(m2md_config_diff(&ref, &cfg, print_diff, (void *)name) == 0,
	      "uncommented sample equals the defaults for %s", name);
	free(text);

	text = uncomment(sample, true);
	CHECK(load(text, role, &cfg, err, sizeof(err)) == 0,
	      "sample with its examples uncommented loads for %s: %s", name,
	      err);
	CHECK(m2md_config_finish(&cfg, err, sizeof(err)) == 0,
	      "sample with examples finishes for %s: %s", name, err);
	free(text);
}

static void test_sample(void)
{
	char *sample = read_sample();

	CHECK(sample != NULL, "sample config %s is readable", SAMPLE);
	if (!sample)
		return;
	test_sample_lists_every_option(sample);
	test_sample_defaults(sample, M2MD_ROLE_NETWORK);
	test_sample_defaults(sample, M2MD_ROLE_GATEWAY);
	free(sample);
}

int main(void)
{
	m2md_test_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/m2md.conf", dir);
	test_sections();
	test_role_line();
	test_section_errors();
	test_key_per_scope();
	test_sample();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_config_file_test");
}
