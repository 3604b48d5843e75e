// SPDX-License-Identifier: GPL-2.0
/*
 * Option table shared by the config file and the command line, so that
 * both set the same things and the help text lists every option once.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <keyutils.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/m2msec.h>

#include "auth.h"
#include "config.h"
#include "keys.h"
#include "tree.h"

enum m2md_opt_type {
	OPT_ROLE,
	OPT_LISTEN,
	OPT_STRING,	/* any text */
	OPT_PATTERN,	/* text with %n, %N or %% (scl-id-pattern) */
	OPT_NAME,	/* resource name of at most M2MSEC_STR_MAX bytes */
	OPT_URL,	/* http:// or https:// URL with a host */
	OPT_U32,
	OPT_U16,
	OPT_SUITES,
	OPT_KEYRING,
	OPT_LOGLEVEL,
	OPT_BOOL,
	OPT_SIZE,
	OPT_IFNAME,
	OPT_PREFIX6,	/* IPv6 prefix of at most /64 */
	OPT_PREFIX4,	/* IPv4 prefix of at most /24 */
	OPT_PREFIXES,	/* comma-separated prefixes */
	OPT_SOCKET,	/* absolute path of a Unix socket, "" = none */
	OPT_COAP,	/* ADDR:PORT of the CoAP server, "" = none */
};

struct m2md_opt {
	const char *key;
	enum m2md_opt_type type;
	size_t offset;
	size_t size;		/* OPT_STRING: buffer size */
	uint64_t min, max;	/* OPT_U32, OPT_U16, OPT_SIZE */
	const char *arg;
	const char *help;
	bool live;		/* a reload applies it at once */
};

/* Whether a reload (SIGHUP) applies an option or leaves it to a restart. */
#define LIVE	true
#define RESTART	false

#define CFG_FIELD(f)	offsetof(struct m2md_config, f), \
			sizeof(((struct m2md_config *)0)->f)

static const struct m2md_opt m2md_opts[] = {
	{ "role", OPT_ROLE, CFG_FIELD(role), 0, 0, "ROLE",
	  "role of this daemon: network (NSCL, bootstrap and authentication server) or gateway (GSCL); required", RESTART },
	{ "listen", OPT_LISTEN, CFG_FIELD(listen), 0, 0, "ADDR:PORT",
	  "HTTP address and TCP port to listen on (default 0.0.0.0:8080 for network, 127.0.0.1:8181 for gateway)", RESTART },
	{ "state-dir", OPT_STRING, CFG_FIELD(state_dir), 0, 0, "DIR",
	  "directory of the SQLite state database m2md.db (default /var/lib/m2msec/ROLE, the role's name)", RESTART },
	{ "keyring", OPT_KEYRING, CFG_FIELD(keyring_name), 0, 0, "KR",
	  "keyring that receives new keys: @u, @s, @us, @p or a serial number (default @u, the user keyring)", RESTART },
	{ "log-level", OPT_LOGLEVEL, CFG_FIELD(log_level), 0, 0, "LEVEL",
	  "lowest priority logged: err, warning, info or debug (default info)", LIVE },
	{ "syslog", OPT_BOOL, CFG_FIELD(syslog), 0, 0, "yes|no",
	  "log to syslog instead of stderr (default no)", LIVE },
	{ "max-body", OPT_SIZE, CFG_FIELD(max_body), 1024, 64 << 20, "BYTES",
	  "largest request body accepted on resource paths, in bytes (default 65536); handshake paths accept at most 1024", LIVE },
	{ "threads", OPT_U32, CFG_FIELD(threads), 0, 64, "N",
	  "HTTP worker threads; 0 (the default) gives each connection a thread of its own, so that the creates of all connections can share one commit", RESTART },
	{ "kernel", OPT_BOOL, CFG_FIELD(kernel), 0, 0, "yes|no",
	  "use the m2msec kernel module (default yes); with no, m2md serves the resource tree without it: handshake paths and Kma-signed requests get 503, there is no tunnel, and requests are anonymous or come from the admin socket", RESTART },
	{ "admin-socket", OPT_SOCKET, CFG_FIELD(admin_socket), 0, 0, "PATH",
	  "Unix socket serving the same paths as listen, where a client running as root or as m2md's user is the administrator with every right; an absolute path, or \"\" for none (default " M2MD_RUN_DIR "/m2md-network.sock or " M2MD_RUN_DIR "/m2md-gateway.sock)", RESTART },
	{ "coap-listen", OPT_COAP, CFG_FIELD(coap_listen), 0, 0, "ADDR:PORT",
	  "serve the resource tree over CoAP on this UDP address and port, for example 0.0.0.0:5683, or \"\" for none (default none)", RESTART },
	{ "auth-skew", OPT_U32, CFG_FIELD(auth_skew), 1, 3600, "SECONDS",
	  "largest difference between the time of a Kma-signed request and m2md's clock, in seconds; nonces are remembered for up to twice this time (default 300)", LIVE },
	{ "tunnel", OPT_BOOL, CFG_FIELD(tunnel), 0, 0, "yes|no",
	  "carry mId over an m2msec interface: the network creates it at start and requires it in connect (mid flags bit 0), the gateway creates it after such a connect (default yes)", RESTART },
	{ "tunnel-ifname", OPT_IFNAME, CFG_FIELD(tunnel_ifname), 0, 0, "NAME",
	  "name of the m2msec interface (default m2m0)", RESTART },
	{ "tunnel-port", OPT_U16, CFG_FIELD(tunnel_port), 1, 65535, "PORT",
	  "UDP port of the m2msec interface; the gateway sends to this port of the NSCL host (default 5685)", RESTART },
	{ "tunnel-prefix", OPT_PREFIX6, CFG_FIELD(tunnel_prefix_text), 0, 0, "PREFIX",
	  "IPv6 prefix inside the tunnel, at most /64, the same on both sides: the network is PREFIX::1, a gateway PREFIX plus the last 8 bytes of its node id (default fd6d:326d:6d32::/64)", RESTART },
	{ "tunnel-prefix4", OPT_PREFIX4, CFG_FIELD(tunnel_prefix4_text), 0, 0, "PREFIX",
	  "IPv4 prefix inside the tunnel, at most /24, for example 10.201.0.0/16: the network is host 1 of it, a gateway a host derived from its node id (default none: IPv6 only)", RESTART },
	{ "tunnel-routes", OPT_PREFIXES, CFG_FIELD(tunnel_routes_text), 0, 0, "PREFIX[,...]",
	  "gateway: more prefixes to send through the tunnel, besides the tunnel prefixes (default none)", RESTART },
	{ "kmr-lifetime", OPT_U32, CFG_FIELD(kmr_lifetime), 0, UINT32_MAX, "SECONDS",
	  "network: lifetime of a Kmr made by bootstrap, in seconds, 0 = no expiry (default 0)", LIVE },
	{ "mas-fqdn", OPT_STRING, CFG_FIELD(mas_fqdn), 0, 0, "NAME",
	  "network: MAS host name sent in bootstrap (default the host name)", LIVE },
	{ "scl-id-pattern", OPT_PATTERN, CFG_FIELD(scl_id_pattern), 0, 0, "PATTERN",
	  "network: SCL id assigned in bootstrap; %n = first 8 hex digits of the node id, %N = all 32, %% = % (default gscl-%n)", LIVE },
	{ "kmc-lifetime", OPT_U32, CFG_FIELD(kmc_lifetime), 1, UINT32_MAX, "SECONDS",
	  "network: lifetime of a Kmc made by connect, in seconds (default 3600)", LIVE },
	{ "mid-flags", OPT_U16, CFG_FIELD(mid_flags), 0, M2MSEC_MID_PROTECT, "FLAGS",
	  "network: mId security flags sent in connect; bit 0 (per-packet protection required) follows the tunnel option, set for yes and cleared for no (default 1)", LIVE },
	{ "nscl-id", OPT_NAME, CFG_FIELD(nscl_id), 0, 0, "ID",
	  "network: NSCL id sent in connect (default nscl)", LIVE },
	{ "nscl", OPT_URL, CFG_FIELD(nscl_url), 0, 0, "URL",
	  "gateway: URL of the network side, for example http://10.0.0.1:8080; required", RESTART },
	{ "nscl-base", OPT_STRING, CFG_FIELD(nscl_base), 0, 0, "URL",
	  "gateway: URL of the NSCL resource tree (default scheme, host and port of --nscl + /nscl)", RESTART },
	{ "handshake-base", OPT_STRING, CFG_FIELD(handshake_base), 0, 0, "URL",
	  "gateway: URL prefix of the handshake paths (default scheme, host and port of --nscl + /m2msec)", RESTART },
	{ "bootstrap-id", OPT_STRING, CFG_FIELD(bootstrap_id), 0, 0, "ID",
	  "gateway: bootstrap id, the description of this device's m2m_boot key on the network side; required", RESTART },
	{ "suites", OPT_SUITES, CFG_FIELD(suites), 0, M2MSEC_SUITES_ALL, "MASK",
	  "gateway: AEAD suites offered in connect, bit 0 AES-256-GCM, bit 1 ChaCha20-Poly1305, 0 = both (default 0)", RESTART },
	{ "http-timeout", OPT_U32, CFG_FIELD(http_timeout_ms), 100, 600000, "MS",
	  "timeout of each outgoing HTTP request, in milliseconds: the gateway's handshakes and registration with the network side, and in both roles the notifications, announcements and group fan-out requests (default 10000)", LIVE },
	{ "retry-min", OPT_U32, CFG_FIELD(retry_min), 1, 86400, "SECONDS",
	  "gateway: first delay before retrying a failed bootstrap, connect or registration, in seconds (default 5)", LIVE },
	{ "retry-max", OPT_U32, CFG_FIELD(retry_max), 1, 86400, "SECONDS",
	  "gateway: largest retry delay, reached by doubling, in seconds (default 300)", LIVE },
};

#define M2MD_NOPTS	(sizeof(m2md_opts) / sizeof(m2md_opts[0]))

/* One name that an option of type OPT_ROLE, OPT_LOGLEVEL or OPT_BOOL takes. */
struct m2md_choice {
	const char *name;
	int value;
};

/* The names of one such type, and how an error message lists them. */
struct m2md_choices {
	const struct m2md_choice *names;
	size_t count;
	const char *expected;
};

static const struct m2md_choice m2md_role_names[] = {
	{ "network", M2MD_ROLE_NETWORK },
	{ "gateway", M2MD_ROLE_GATEWAY },
};

static const struct m2md_choice m2md_level_names[] = {
	{ "err", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

static const struct m2md_choice m2md_bool_names[] = {
	{ "yes", true }, { "true", true }, { "1", true },
	{ "no", false }, { "false", false }, { "0", false },
};

#define M2MD_CHOICES(names, expected) \
	{ names, sizeof(names) / sizeof(names[0]), expected }

static const struct m2md_choices m2md_roles =
	M2MD_CHOICES(m2md_role_names, "network or gateway");
static const struct m2md_choices m2md_levels =
	M2MD_CHOICES(m2md_level_names, "err, warning, info or debug");
static const struct m2md_choices m2md_bools =
	M2MD_CHOICES(m2md_bool_names, "yes or no");

void m2md_config_defaults(struct m2md_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->keyring_name, sizeof(cfg->keyring_name), "@u");
	cfg->keyring = KEY_SPEC_USER_KEYRING;
	cfg->log_level = LOG_INFO;
	cfg->max_body = 65536;
	cfg->threads = 0;
	cfg->kernel = true;
	cfg->auth_skew = M2MD_AUTH_SKEW;
	cfg->kmr_lifetime = 0;
	snprintf(cfg->scl_id_pattern, sizeof(cfg->scl_id_pattern), "gscl-%%n");
	cfg->kmc_lifetime = 3600;
	cfg->mid_flags = M2MSEC_MID_PROTECT;
	snprintf(cfg->nscl_id, sizeof(cfg->nscl_id), "nscl");
	cfg->http_timeout_ms = 10000;
	cfg->retry_min = 5;
	cfg->retry_max = 300;
	cfg->tunnel = true;
	snprintf(cfg->tunnel_ifname, sizeof(cfg->tunnel_ifname), "m2m0");
	cfg->tunnel_port = M2MSEC_DEFAULT_PORT;
	snprintf(cfg->tunnel_prefix_text, sizeof(cfg->tunnel_prefix_text),
		 "fd6d:326d:6d32::/64");
	m2m_cidr_parse(cfg->tunnel_prefix_text, &cfg->tunnel_prefix, NULL, 0);
}

/*
 * Look up value among the names of choices and store its number in *out.
 * Returns 0, or -1 when no name matches.
 */
static int m2md_choice_find(const struct m2md_choices *choices,
			    const char *value, int *out)
{
	size_t i;

	for (i = 0; i < choices->count; i++) {
		if (!strcmp(value, choices->names[i].name)) {
			*out = choices->names[i].value;
			return 0;
		}
	}
	return -1;
}

const char *m2md_role_name(enum m2md_role role)
{
	size_t i;

	for (i = 0; i < m2md_roles.count; i++)
		if (m2md_roles.names[i].value == (int)role)
			return m2md_roles.names[i].name;
	return "none";
}

int m2md_role_parse(const char *name, enum m2md_role *role)
{
	int value;

	if (m2md_choice_find(&m2md_roles, name, &value))
		return -1;
	*role = (enum m2md_role)value;
	return 0;
}

int m2md_config_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Compare keys with '_' and '-' as the same character. */
static bool m2md_key_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (*a != *b && !(strchr("-_", *a) && strchr("-_", *b)))
			return false;
	}
	return *a == *b;
}

/* Find an option by key; "tunnel_port" finds "tunnel-port". */
static const struct m2md_opt *m2md_opt_find(const char *key)
{
	size_t i;

	for (i = 0; i < M2MD_NOPTS; i++)
		if (m2md_key_equal(m2md_opts[i].key, key))
			return &m2md_opts[i];
	return NULL;
}

static int m2md_parse_u64(const char *value, uint64_t min, uint64_t max,
			  uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base;

	if (!isdigit((unsigned char)value[0]))
		return -1;
	/* Decimal, or hex after 0x: a leading 0 must not switch to octal. */
	base = strncasecmp(value, "0x", 2) ? 10 : 16;
	errno = 0;
	v = strtoull(value, &end, base);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Split ADDR:PORT, where ADDR is an IPv4 address or [IPv6]. */
static int m2md_parse_addr_port(const char *value, char *addr, size_t size,
				uint16_t *port_out)
{
	const char *colon = strrchr(value, ':');
	unsigned char probe[sizeof(struct in6_addr)];
	uint64_t port;
	size_t len;
	int family = AF_INET;

	if (!colon || colon == value)
		return -1;
	if (m2md_parse_u64(colon + 1, 1, 65535, &port))
		return -1;
	len = colon - value;
	if (value[0] == '[') {
		if (len < 3 || value[len - 1] != ']')
			return -1;
		value++;
		len -= 2;
		family = AF_INET6;
	}
	if (len >= size)
		return -1;
	memcpy(addr, value, len);
	addr[len] = '\0';
	/* Check the address here, so that the error names its line. */
	if (inet_pton(family, addr, probe) != 1)
		return -1;
	*port_out = (uint16_t)port;
	return 0;
}

static int m2md_parse_listen(struct m2md_config *cfg, const char *value)
{
	return m2md_parse_addr_port(value, cfg->listen_addr,
				    sizeof(cfg->listen_addr),
				    &cfg->listen_port);
}

/* Set admin-socket: an absolute path that fits in sun_path, or "". */
static int m2md_set_socket(struct m2md_config *cfg, const char *value,
			   char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (len && (value[0] != '/' || len >= sizeof(cfg->admin_socket)))
		return m2md_config_errf(err, errlen,
					"admin-socket: invalid value '%s', expected an absolute path of at most %zu bytes, or \"\" for none",
					value, sizeof(cfg->admin_socket) - 1);
	memcpy(cfg->admin_socket, value, len + 1);
	cfg->has_admin_socket = true;
	return 0;
}

/* Set coap-listen: ADDR:PORT, or "" for no CoAP server. */
static int m2md_set_coap(struct m2md_config *cfg, const char *value,
			 char *err, size_t errlen)
{
	if (!value[0]) {
		cfg->coap_listen[0] = '\0';
		return 0;
	}
	if (strlen(value) >= sizeof(cfg->coap_listen) ||
	    m2md_parse_addr_port(value, cfg->coap_addr,
				 sizeof(cfg->coap_addr), &cfg->coap_port))
		return m2md_config_errf(err, errlen,
					"coap-listen: invalid value '%s', expected ADDR:PORT with ADDR an IPv4 address or an IPv6 address in brackets, or \"\" for none",
					value);
	snprintf(cfg->coap_listen, sizeof(cfg->coap_listen), "%s", value);
	return 0;
}

static int m2md_set_string(char *dst, size_t size, const char *key,
			   const char *value, char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (!len)
		return m2md_config_errf(err, errlen, "%s: empty value", key);
	if (len >= size)
		return m2md_config_errf(err, errlen,
					"%s: value longer than %zu bytes", key,
					size - 1);
	memcpy(dst, value, len + 1);
	return 0;
}

static int m2md_set_number(struct m2md_config *cfg,
			   const struct m2md_opt *opt, const char *value,
			   char *err, size_t errlen)
{
	char *field = (char *)cfg + opt->offset;
	uint64_t v;

	if (m2md_parse_u64(value, opt->min, opt->max, &v))
		return m2md_config_errf(err, errlen,
					"%s: invalid value '%s', expected an integer from %" PRIu64 " to %" PRIu64,
					opt->key, value, opt->min, opt->max);
	switch (opt->type) {
	case OPT_U32:
		*(uint32_t *)field = (uint32_t)v;
		break;
	case OPT_U16:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case OPT_SUITES:
		*(uint8_t *)field = (uint8_t)v;
		break;
	default:
		*(size_t *)field = (size_t)v;
		break;
	}
	return 0;
}

static int m2md_check_pattern(const char *value, char *err, size_t errlen)
{
	static const uint8_t probe[16];
	char scl_id[M2MD_NAME_MAX];

	if (m2md_scl_id_expand(value, probe, scl_id, sizeof(scl_id)))
		return m2md_config_errf(err, errlen,
					"scl-id-pattern: invalid pattern '%s': only %%n, %%N and %%%% may follow %%, and the result must be a resource name of letters, digits, '-', '.', '_' or '~'",
					value);
	return 0;
}

static int m2md_check_nscl_id(const char *value, char *err, size_t errlen)
{
	if (!m2md_name_valid(value))
		return m2md_config_errf(err, errlen,
					"nscl-id: invalid value '%s', expected 1 to %d letters, digits, '-', '.', '_' or '~'",
					value, M2MSEC_STR_MAX);
	return 0;
}

/*
 * Size of the origin of the nscl URL, short enough that the default
 * nscl-base and handshake-base, the origin plus "/nscl" or "/m2msec",
 * fit in M2MD_URL_MAX.
 */
#define M2MD_ORIGIN_MAX	(M2MD_URL_MAX - 16)

static int m2md_url_origin(const char *url, char *out, size_t outlen);

/* Copy the origin of the nscl URL into origin, or fail with err. */
static int m2md_nscl_origin(const char *url, char origin[M2MD_ORIGIN_MAX],
			    char *err, size_t errlen)
{
	if (m2md_url_origin(url, origin, M2MD_ORIGIN_MAX))
		return m2md_config_errf(err, errlen,
					"nscl: invalid URL '%s', expected http://HOST[:PORT][/PATH]",
					url);
	return 0;
}

static int m2md_check_url(const char *value, char *err, size_t errlen)
{
	char origin[M2MD_ORIGIN_MAX];

	return m2md_nscl_origin(value, origin, err, errlen);
}

static int m2md_set_ifname(struct m2md_config *cfg, const char *value,
			   char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (!len || len >= IF_NAMESIZE || strchr(value, '/') ||
	    strpbrk(value, " \t:") || !strcmp(value, ".") ||
	    !strcmp(value, ".."))
		return m2md_config_errf(err, errlen,
					"tunnel-ifname: invalid interface name '%s', expected 1 to %d characters without '/', ':' or spaces",
					value, IF_NAMESIZE - 1);
	memcpy(cfg->tunnel_ifname, value, len + 1);
	return 0;
}

/* Parse one tunnel prefix of family, no longer than max_len bits. */
static int m2md_set_prefix(const struct m2md_opt *opt, const char *value,
			   int family, unsigned int max_len,
			   struct m2m_allowedip *out, char *err, size_t errlen)
{
	char msg[256];

	if (m2m_cidr_parse(value, out, msg, sizeof(msg)))
		return m2md_config_errf(err, errlen, "%s: %s", opt->key, msg);
	if (out->family != family || out->cidr > max_len)
		return m2md_config_errf(err, errlen,
					"%s: invalid prefix '%s', expected an %s prefix of length 0 to %u",
					opt->key, value,
					family == AF_INET ? "IPv4" : "IPv6",
					max_len);
	return 0;
}

/* Set the tunnel options that are prefixes. */
static int m2md_set_prefix_opt(struct m2md_config *cfg,
			       const struct m2md_opt *opt, const char *value,
			       char *err, size_t errlen)
{
	char msg[256];
	int n;

	switch (opt->type) {
	case OPT_PREFIX6:
		if (m2md_set_prefix(opt, value, AF_INET6, 64,
				    &cfg->tunnel_prefix, err, errlen))
			return -1;
		break;
	case OPT_PREFIX4:
		if (m2md_set_prefix(opt, value, AF_INET, 24,
				    &cfg->tunnel_prefix4, err, errlen))
			return -1;
		cfg->has_tunnel_prefix4 = true;
		break;
	default:
		n = m2m_cidr_list_parse(value, cfg->tunnel_routes,
					M2MD_TUNNEL_ROUTES_MAX, msg,
					sizeof(msg));
		if (n < 0)
			return m2md_config_errf(err, errlen, "%s: %s", opt->key, msg);
		cfg->n_tunnel_routes = (size_t)n;
		break;
	}
	return m2md_set_string((char *)cfg + opt->offset, opt->size, opt->key,
			       value, err, errlen);
}

/*
 * Check the value of a text option that has a syntax when it is read, so
 * that an error names its config line. Returns 0 or -1 with err.
 */
static int m2md_check_text(enum m2md_opt_type type, const char *value,
			   char *err, size_t errlen)
{
	switch (type) {
	case OPT_PATTERN:
		return m2md_check_pattern(value, err, errlen);
	case OPT_NAME:
		return m2md_check_nscl_id(value, err, errlen);
	default:
		return m2md_check_url(value, err, errlen);
	}
}

/* Set an option of type OPT_ROLE, OPT_LOGLEVEL or OPT_BOOL by its name. */
static int m2md_set_choice(struct m2md_config *cfg,
			   const struct m2md_opt *opt, const char *value,
			   char *err, size_t errlen)
{
	const struct m2md_choices *choices;
	char *field = (char *)cfg + opt->offset;
	int number;

	if (opt->type == OPT_ROLE)
		choices = &m2md_roles;
	else if (opt->type == OPT_LOGLEVEL)
		choices = &m2md_levels;
	else
		choices = &m2md_bools;
	if (m2md_choice_find(choices, value, &number))
		return m2md_config_errf(err, errlen,
					"%s: invalid value '%s', expected %s",
					opt->key, value, choices->expected);
	if (opt->size == sizeof(bool))
		*(bool *)field = number;
	else
		*(int *)field = number;
	return 0;
}

int m2md_config_set(struct m2md_config *cfg, const char *key,
		    const char *value, char *err, size_t errlen)
{
	const struct m2md_opt *opt = m2md_opt_find(key);
	int32_t keyring;
	char *field;

	if (!opt)
		return m2md_config_errf(err, errlen, "unknown option '%s'", key);
	field = (char *)cfg + opt->offset;
	switch (opt->type) {
	case OPT_ROLE:
	case OPT_LOGLEVEL:
	case OPT_BOOL:
		return m2md_set_choice(cfg, opt, value, err, errlen);
	case OPT_LISTEN:
		if (m2md_parse_listen(cfg, value))
			return m2md_config_errf(err, errlen,
						"listen: invalid value '%s', expected ADDR:PORT with ADDR an IPv4 address or an IPv6 address in brackets",
						value);
		return m2md_set_string(cfg->listen, sizeof(cfg->listen), key,
				       value, err, errlen);
	case OPT_PATTERN:
	case OPT_NAME:
	case OPT_URL:
		if (strlen(value) < opt->size &&
		    m2md_check_text(opt->type, value, err, errlen))
			return -1;
		return m2md_set_string(field, opt->size, key, value, err,
				       errlen);
	case OPT_STRING:
		return m2md_set_string(field, opt->size, key, value, err,
				       errlen);
	case OPT_KEYRING:
		/*
		 * Not @t: each HTTP thread has its own thread keyring, so a
		 * key installed by one is not found by the others. Not @g,
		 * which Linux does not implement, nor @a, no keyring.
		 */
		if (m2m_keyring_parse(value, &keyring) ||
		    keyring == KEY_SPEC_THREAD_KEYRING ||
		    keyring == KEY_SPEC_GROUP_KEYRING ||
		    keyring == KEY_SPEC_REQKEY_AUTH_KEY)
			return m2md_config_errf(err, errlen,
						"keyring: invalid value '%s', expected @u, @s, @us, @p or a serial number",
						value);
		cfg->keyring = keyring;
		return m2md_set_string(field, opt->size, key, value, err,
				       errlen);
	case OPT_IFNAME:
		return m2md_set_ifname(cfg, value, err, errlen);
	case OPT_SOCKET:
		return m2md_set_socket(cfg, value, err, errlen);
	case OPT_COAP:
		return m2md_set_coap(cfg, value, err, errlen);
	case OPT_PREFIX6:
	case OPT_PREFIX4:
	case OPT_PREFIXES:
		return m2md_set_prefix_opt(cfg, opt, value, err, errlen);
	default:
		return m2md_set_number(cfg, opt, value, err, errlen);
	}
}

bool m2md_config_opt_may_be_empty(const char *key)
{
	const struct m2md_opt *opt = m2md_opt_find(key);

	return opt && (opt->type == OPT_SOCKET || opt->type == OPT_COAP);
}

int m2md_config_opt_index(const char *key)
{
	const struct m2md_opt *opt = m2md_opt_find(key);

	return opt ? (int)(opt - m2md_opts) : -1;
}

size_t m2md_config_opt_count(void)
{
	return M2MD_NOPTS;
}

/* Passes over argv, each for one kind of flag. */
enum m2md_args_pass {
	M2MD_PASS_ROLE,		/* only --role, which selects file sections */
	M2MD_PASS_FILE,		/* only --config; other keys are checked */
	M2MD_PASS_FLAGS,	/* every flag but --config */
};

/* Load the file of --config and remember its path for reloads. */
static int m2md_args_config(struct m2md_config *cfg, const char *path,
			    char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(cfg->config_path))
		return m2md_config_errf(err, errlen,
					"--config: path longer than %zu bytes",
					sizeof(cfg->config_path) - 1);
	snprintf(cfg->config_path, sizeof(cfg->config_path), "%s", path);
	return m2md_config_load_file(cfg, path, err, errlen);
}

/*
 * Walk argv handling the "--key value" or "--key=value" pairs of one
 * pass. Returns 1 for --help, 2 for --version, 0, or -1 with a reason in
 * err.
 */
static int m2md_args_walk(int argc, char **argv, enum m2md_args_pass pass,
			  struct m2md_config *cfg, char *err, size_t errlen)
{
	char key[M2MD_NAME_MAX];
	const char *value;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
			return 1;
		if (!strcmp(arg, "--version"))
			return 2;
		if (strncmp(arg, "--", 2) || !arg[2])
			return m2md_config_errf(err, errlen,
						"unexpected argument '%s'; see --help",
						arg);
		arg += 2;
		eq = strchr(arg, '=');
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - arg),
				 arg);
			value = eq + 1;
		} else {
			snprintf(key, sizeof(key), "%s", arg);
			if (i + 1 >= argc)
				return m2md_config_errf(err, errlen,
							"--%s: missing value", key);
			value = argv[++i];
		}
		if (!strcmp(key, "config")) {
			if (pass == M2MD_PASS_FILE &&
			    m2md_args_config(cfg, value, err, errlen))
				return -1;
			continue;
		}
		if (!m2md_opt_find(key))
			return m2md_config_errf(err, errlen,
						"unknown option '--%s'; see --help",
						key);
		if (pass == M2MD_PASS_FILE ||
		    (pass == M2MD_PASS_ROLE && !m2md_key_equal(key, "role")))
			continue;
		if (m2md_config_set(cfg, key, value, err, errlen))
			return -1;
	}
	return 0;
}

int m2md_config_parse_args(struct m2md_config *cfg, int argc, char **argv,
			   char *err, size_t errlen)
{
	static const enum m2md_args_pass passes[] = {
		M2MD_PASS_ROLE, M2MD_PASS_FILE, M2MD_PASS_FLAGS,
	};
	size_t i;
	int ret;

	m2md_config_defaults(cfg);
	/*
	 * The role comes first because it selects the file's section, and
	 * the file before the other flags because flags override it.
	 */
	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		ret = m2md_args_walk(argc, argv, passes[i], cfg, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Copy "scheme://host[:port]" of url into out, without path. */
static int m2md_url_origin(const char *url, char *out, size_t outlen)
{
	const char *sep = strstr(url, "://");
	size_t len;

	if (!sep || sep == url)
		return -1;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return -1;
	len = strcspn(sep + 3, "/?#");
	if (!len)
		return -1;
	len += sep + 3 - url;
	if (len >= outlen)
		return -1;
	memcpy(out, url, len);
	out[len] = '\0';
	return 0;
}

static void m2md_strip_slash(char *url)
{
	size_t len = strlen(url);

	while (len && url[len - 1] == '/')
		url[--len] = '\0';
}

static int m2md_finish_gateway(struct m2md_config *cfg, char *err,
			       size_t errlen)
{
	char origin[M2MD_ORIGIN_MAX];

	if (!cfg->nscl_url[0])
		return m2md_config_errf(err, errlen,
					"gateway role: missing --nscl URL");
	if (!cfg->bootstrap_id[0] && cfg->kernel)
		return m2md_config_errf(err, errlen,
					"gateway role: missing --bootstrap-id ID");
	if (m2md_nscl_origin(cfg->nscl_url, origin, err, errlen))
		return -1;
	if (!cfg->nscl_base[0])
		snprintf(cfg->nscl_base, sizeof(cfg->nscl_base), "%s/nscl",
			 origin);
	if (!cfg->handshake_base[0])
		snprintf(cfg->handshake_base, sizeof(cfg->handshake_base),
			 "%s/m2msec", origin);
	m2md_strip_slash(cfg->nscl_base);
	m2md_strip_slash(cfg->handshake_base);
	if (!cfg->listen[0]) {
		snprintf(cfg->listen_addr, sizeof(cfg->listen_addr),
			 "127.0.0.1");
		cfg->listen_port = 8181;
	}
	if (cfg->retry_min > cfg->retry_max)
		return m2md_config_errf(err, errlen,
					"retry-min (%u s) is larger than retry-max (%u s)",
					cfg->retry_min, cfg->retry_max);
	return 0;
}

static int m2md_finish_network(struct m2md_config *cfg, char *err,
			       size_t errlen)
{
	if (m2md_check_pattern(cfg->scl_id_pattern, err, errlen))
		return -1;
	/* A host without a name reports "(none)", which is no FQDN. */
	if (!cfg->mas_fqdn[0] &&
	    (gethostname(cfg->mas_fqdn, sizeof(cfg->mas_fqdn) - 1) ||
	     !cfg->mas_fqdn[0] || cfg->mas_fqdn[0] == '('))
		snprintf(cfg->mas_fqdn, sizeof(cfg->mas_fqdn), "localhost");
	if (strlen(cfg->mas_fqdn) > M2MSEC_STR_MAX ||
	    strlen(cfg->nscl_id) > M2MSEC_STR_MAX)
		return m2md_config_errf(err, errlen,
					"mas-fqdn and nscl-id must be at most %d bytes",
					M2MSEC_STR_MAX);
	if (!m2md_name_valid(cfg->nscl_id))
		return m2md_config_errf(err, errlen,
					"nscl-id: invalid value '%s', expected letters, digits, '-', '.', '_' or '~'",
					cfg->nscl_id);
	if (!cfg->listen[0]) {
		snprintf(cfg->listen_addr, sizeof(cfg->listen_addr),
			 "0.0.0.0");
		cfg->listen_port = 8080;
	}
	/* A gateway creates its end of the tunnel only when bit 0 is set. */
	if (cfg->tunnel)
		cfg->mid_flags |= M2MSEC_MID_PROTECT;
	else
		cfg->mid_flags &= (uint16_t)~M2MSEC_MID_PROTECT;
	return 0;
}

/*
 * Fill the settings that follow from others: the admin socket and the
 * state directory of the role, and no tunnel without the kernel module, which carries it.
 */
static void m2md_finish_common(struct m2md_config *cfg)
{
	if (!cfg->has_admin_socket)
		snprintf(cfg->admin_socket, sizeof(cfg->admin_socket),
			 "%s/m2md-%s.sock", M2MD_RUN_DIR,
			 m2md_role_name(cfg->role));
	if (!cfg->state_dir[0])
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s/%s",
			 M2MD_STATE_DIR, m2md_role_name(cfg->role));
	if (!cfg->kernel)
		cfg->tunnel = false;
}

int m2md_config_finish(struct m2md_config *cfg, char *err, size_t errlen)
{
	if (cfg->role != M2MD_ROLE_NONE)
		m2md_finish_common(cfg);
	switch (cfg->role) {
	case M2MD_ROLE_NETWORK:
		return m2md_finish_network(cfg, err, errlen);
	case M2MD_ROLE_GATEWAY:
		return m2md_finish_gateway(cfg, err, errlen);
	default:
		return m2md_config_errf(err, errlen,
					"missing --role network|gateway");
	}
}

int m2md_scl_id_expand(const char *pattern, const uint8_t node_id[16],
		       char *out, size_t outlen)
{
	size_t len = 0, i;
	char hex[33];
	const char *p;

	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", node_id[i]);
	for (p = pattern; *p; p++) {
		const char *piece = p;
		size_t n = 1;

		if (*p == '%') {
			p++;
			if (*p == 'n') {
				piece = hex;
				n = 8;
			} else if (*p == 'N') {
				piece = hex;
				n = 32;
			} else if (*p != '%') {
				return -1;
			}
		}
		if (len + n >= outlen || len + n > M2MSEC_STR_MAX)
			return -1;
		memcpy(out + len, piece, n);
		len += n;
	}
	out[len] = '\0';
	return m2md_name_valid(out) ? 0 : -1;
}

/* Print text wrapped at 78 columns, each line indented by 8 spaces. */
static void m2md_print_wrapped(FILE *out, const char *text)
{
	const char *p = text;
	size_t width = 70, n;

	while (*p) {
		n = strlen(p);
		if (n > width) {
			n = width;
			while (n && p[n] != ' ')
				n--;
			if (!n)
				n = width;
		}
		fprintf(out, "        %.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* True when the option's text field is the value (not a number). */
static bool m2md_opt_is_text(const struct m2md_opt *opt)
{
	switch (opt->type) {
	case OPT_ROLE:
	case OPT_U32:
	case OPT_U16:
	case OPT_SUITES:
	case OPT_LOGLEVEL:
	case OPT_BOOL:
	case OPT_SIZE:
		return false;
	default:
		return true;
	}
}

/*
 * True when two configs differ in one option. listen compares the
 * address and port that it sets, because the role's default leaves the
 * text empty.
 */
static bool m2md_opt_differs(const struct m2md_opt *opt,
			     const struct m2md_config *old,
			     const struct m2md_config *cur)
{
	const char *a = (const char *)old + opt->offset;
	const char *b = (const char *)cur + opt->offset;

	if (opt->type == OPT_LISTEN)
		return strcmp(old->listen_addr, cur->listen_addr) ||
		       old->listen_port != cur->listen_port;
	if (m2md_opt_is_text(opt))
		return strncmp(a, b, opt->size) != 0;
	return memcmp(a, b, opt->size) != 0;
}

size_t m2md_config_diff(const struct m2md_config *old,
			const struct m2md_config *cur, m2md_config_diff_fn fn,
			void *ctx)
{
	const struct m2md_opt *opt;
	size_t i, n = 0;

	for (i = 0; i < M2MD_NOPTS; i++) {
		opt = &m2md_opts[i];
		if (!m2md_opt_differs(opt, old, cur))
			continue;
		n++;
		if (fn)
			fn(opt->key, opt->live, ctx);
	}
	return n;
}

void m2md_config_usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: m2md --role network [OPTION...]\n"
		"       m2md --role gateway --nscl URL --bootstrap-id ID [OPTION...]\n"
		"\n"
		"m2msec agent: ETSI M2M NSCL or GSCL with the m2msec handshake.\n"
		"Every option is also a config file key (key = value, # comments);\n"
		"flags override the file. Keys before the first section apply to both\n"
		"roles, keys under [network] or [gateway] only to that role.\n"
		"SIGHUP reads the config file again with the same flags: the options\n"
		"marked (reloads) change at once, the others at the next start.\n"
		"\n"
		"  --config FILE\n"
		"        read options from FILE before the other flags\n"
		"  --help\n"
		"        print this help and exit\n"
		"  --version\n"
		"        print the version and exit\n");
	for (i = 0; i < M2MD_NOPTS; i++) {
		fprintf(out, "  --%s %s%s\n", m2md_opts[i].key,
			m2md_opts[i].arg,
			m2md_opts[i].live ? " (reloads)" : "");
		m2md_print_wrapped(out, m2md_opts[i].help);
	}
}
