/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2md configuration: built-in defaults, then a config file of
 * "key = value" lines with optional [network] and [gateway] sections,
 * then command-line flags (--key value), each later source overriding
 * the earlier one. Every key is also a flag.
 */
#ifndef M2MD_CONFIG_H
#define M2MD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include "addr.h"

#define M2MD_URL_MAX	512
#define M2MD_NAME_MAX	256
#define M2MD_PATH_MAX	1024
/* Size of a Unix socket path, with its NUL (sun_path of sockaddr_un). */
#define M2MD_SOCKET_MAX	108
/* Directory of the default admin sockets. */
#define M2MD_RUN_DIR	"/run/m2msec"
/* Parent of the default state directories, one per role. */
#define M2MD_STATE_DIR	"/var/lib/m2msec"
/* Maximum number of extra prefixes in tunnel-routes. */
#define M2MD_TUNNEL_ROUTES_MAX	16

enum m2md_role {
	M2MD_ROLE_NONE,
	M2MD_ROLE_NETWORK,
	M2MD_ROLE_GATEWAY,
};

struct m2md_config {
	char config_path[M2MD_PATH_MAX];	/* --config FILE, "" = none */
	enum m2md_role role;
	char listen[M2MD_NAME_MAX];	/* ADDR:PORT, empty = role default */
	char listen_addr[M2MD_NAME_MAX];
	uint16_t listen_port;
	char state_dir[M2MD_PATH_MAX];
	char keyring_name[M2MD_NAME_MAX];
	int32_t keyring;		/* serial or KEY_SPEC_* value */
	int log_level;			/* syslog priority */
	bool syslog;
	size_t max_body;		/* bytes, non-handshake request bodies */
	uint32_t threads;		/* HTTP thread pool size */

	/* identity, access and bindings */
	bool kernel;			/* use the m2msec module */
	char admin_socket[M2MD_SOCKET_MAX];	/* "" = no admin socket */
	bool has_admin_socket;		/* set by the user, else role default */
	uint32_t auth_skew;		/* seconds, Kma signature time window */
	char coap_listen[M2MD_NAME_MAX];	/* ADDR:PORT, "" = no CoAP */
	char coap_addr[M2MD_NAME_MAX];
	uint16_t coap_port;

	/* tunnel: the m2msec interface that carries mId, both roles */
	bool tunnel;
	char tunnel_ifname[IF_NAMESIZE];
	uint16_t tunnel_port;
	char tunnel_prefix_text[M2MD_NAME_MAX];
	struct m2m_allowedip tunnel_prefix;	/* IPv6, length <= 64 */
	char tunnel_prefix4_text[M2MD_NAME_MAX];
	bool has_tunnel_prefix4;
	struct m2m_allowedip tunnel_prefix4;	/* IPv4, length <= 24 */
	char tunnel_routes_text[M2MD_URL_MAX];	/* gateway */
	struct m2m_allowedip tunnel_routes[M2MD_TUNNEL_ROUTES_MAX];
	size_t n_tunnel_routes;

	/* network role */
	uint32_t kmr_lifetime;		/* seconds, 0 = no expiry */
	char mas_fqdn[M2MD_NAME_MAX];
	char scl_id_pattern[M2MD_NAME_MAX];
	uint32_t kmc_lifetime;		/* seconds, nonzero */
	uint16_t mid_flags;
	char nscl_id[M2MD_NAME_MAX];

	/* gateway role */
	char nscl_url[M2MD_URL_MAX];
	char nscl_base[M2MD_URL_MAX];
	char handshake_base[M2MD_URL_MAX];
	char bootstrap_id[M2MD_NAME_MAX];
	uint8_t suites;			/* 0 = every suite the kernel has */
	uint32_t http_timeout_ms;
	uint32_t retry_min;		/* seconds */
	uint32_t retry_max;		/* seconds */
};

void m2md_config_defaults(struct m2md_config *cfg);

/*
 * Set one option by its key (as in the file, without the leading "--").
 * Returns 0, or -1 with a reason in err.
 */
int m2md_config_set(struct m2md_config *cfg, const char *key,
		    const char *value, char *err, size_t errlen);

/*
 * Read a config file. cfg->role, when set, selects the section that
 * applies; else a role line before the first section sets it. Stops at
 * the first bad line and returns -1 with "FILE:LINE: reason" in err;
 * cfg may then be partly updated.
 */
int m2md_config_load_file(struct m2md_config *cfg, const char *path,
			  char *err, size_t errlen);

/*
 * Parse the command line: defaults, then --config FILE if given, then
 * every other flag. Returns 0, 1 for --help, 2 for --version, or -1 with
 * a reason in err.
 */
int m2md_config_parse_args(struct m2md_config *cfg, int argc, char **argv,
			   char *err, size_t errlen);

/*
 * Check the options that depend on each other and fill the defaults that
 * depend on the role (listen address, mas_fqdn, URLs). Returns 0, or -1
 * with a reason in err.
 */
int m2md_config_finish(struct m2md_config *cfg, char *err, size_t errlen);

void m2md_config_usage(FILE *out);

/* Index of an option in the option table, or -1 for an unknown key. */
int m2md_config_opt_index(const char *key);
size_t m2md_config_opt_count(void);
/* True for the options where an empty value ("") turns a feature off. */
bool m2md_config_opt_may_be_empty(const char *key);

typedef void (*m2md_config_diff_fn)(const char *key, bool live, void *ctx);

/*
 * Call fn for each option whose value differs between two finished
 * configs, with its key and whether a reload applies it at once (a live
 * option). Returns the number of options that differ.
 */
size_t m2md_config_diff(const struct m2md_config *old,
			const struct m2md_config *cur, m2md_config_diff_fn fn,
			void *ctx);

/*
 * Expand the scl id pattern for a node id: %n is the first 8 hex digits
 * of the node id, %N all 32, %% a percent sign. Returns 0, or -1 when the
 * result is empty, too long or contains a character not allowed in a
 * resource name.
 */
int m2md_scl_id_expand(const char *pattern, const uint8_t node_id[16],
		       char *out, size_t outlen);

const char *m2md_role_name(enum m2md_role role);
/* Set *role from its name, network or gateway. Returns 0 or -1. */
int m2md_role_parse(const char *name, enum m2md_role *role);

/*
 * Format the reason of a failure into err and return -1, so that the
 * parsers of the command line and of the config file end an error path
 * in one statement.
 */
int m2md_config_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* M2MD_CONFIG_H */
