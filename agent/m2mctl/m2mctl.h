/* SPDX-License-Identifier: GPL-2.0 */
/* m2mctl: subcommands and the helpers that they share. */
#ifndef M2MCTL_H
#define M2MCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "nl.h"

/* Exit codes. */
#define M2MCTL_EXIT_OK		0
#define M2MCTL_EXIT_FAILED	1
#define M2MCTL_EXIT_USAGE	2

#define M2MCTL_TIMEOUT_MS	10000	/* default per HTTP request */
/* m2md keeps its database in a directory of this name per role. */
#define M2MCTL_STATE_DIR	"/var/lib/m2msec"

struct m2mctl_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *out);
};

extern const struct m2mctl_cmd m2mctl_cmd_show;
extern const struct m2mctl_cmd m2mctl_cmd_import;
extern const struct m2mctl_cmd m2mctl_cmd_bootstrap;
extern const struct m2mctl_cmd m2mctl_cmd_connect;
extern const struct m2mctl_cmd m2mctl_cmd_kma;
extern const struct m2mctl_cmd m2mctl_cmd_set;
extern const struct m2mctl_cmd m2mctl_cmd_peer;
extern const struct m2mctl_cmd m2mctl_cmd_events;
extern const struct m2mctl_cmd m2mctl_cmd_rest;

/* Print "m2mctl CMD: message" and a --help hint; returns exit code 2. */
int m2mctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "m2mctl: message"; returns exit code 1. */
int m2mctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a keyring option value, or print a usage error (returns 2). */
int m2mctl_parse_keyring(const char *cmd, const char *arg, int32_t *keyring);
/* Parse a decimal number of at most max, or print a usage error. */
int m2mctl_parse_ulong(const char *cmd, const char *option, const char *arg,
		       unsigned long max, unsigned long *value);
/* Parse 2 * len hex digits into out, or print a usage error. */
int m2mctl_parse_hex_id(const char *cmd, const char *option, const char *arg,
			uint8_t *out, size_t len);

/* Format t as "YYYY-MM-DD HH:MM:SS UTC". */
void m2mctl_format_time(time_t t, char *buf, size_t len);
/* Copy s into buf with control characters replaced by '?'. */
const char *m2mctl_printable(const char *s, char *buf, size_t len);

/* Run a handshake of mode by hand and print its result. */
int m2mctl_run_handshake(const char *cmd, const char *url, uint8_t mode,
			 const uint8_t *id, size_t id_len, uint8_t suites,
			 int32_t keyring, long timeout_ms);

/*
 * Print the m2msec interface ifname, or every one when ifname is NULL
 * (under an "interfaces:" line when header), with their peers.
 */
int m2mctl_show_devs(const char *ifname, bool dump, bool header);

/* Parse a key serial: a positive decimal number, or a usage error. */
int m2mctl_parse_serial(const char *cmd, const char *arg, int32_t *serial);

/* Print the connections that m2md keeps in DIR/m2md.db. */
int m2mctl_show_connections(const char *state_dir, bool dump);

#endif /* M2MCTL_H */
