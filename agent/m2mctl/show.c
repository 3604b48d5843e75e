// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl show: the m2msec keys in the caller's keyrings, the half-open
 * handshakes of the module, the connections that m2md recorded and the
 * m2msec interfaces with their peers. Keys are listed by their public
 * metadata only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "m2mctl.h"

#define M2MCTL_SHOW_HS_MAX	256	/* entries asked for in the first dump */

static void m2mctl_show_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl show [--state-dir DIR] [--dump]\n"
		"       m2mctl show IFACE|all [dump]\n"
		"\n"
		"Without arguments, list the m2msec keys reachable from the\n"
		"caller's keyrings (type, serial, node id, key index, key id and\n"
		"expiry), the kernel's handshake table (half-open handshakes, and\n"
		"finished ones kept to answer a replayed FINISH), the connections\n"
		"that the network role of m2md recorded (a gateway records none:\n"
		"its connection is its m2m_conn key and its peer on m2m0), and\n"
		"every m2msec interface with its peers.\n"
		"Key material is never shown.\n"
		"\n"
		"With IFACE, show only that interface and its peers: listening\n"
		"port, drop counters, and per peer its node id, endpoint, allowed\n"
		"ips, key (serial, key id, suite, role, indexes, expiry), latest\n"
		"handshake, transfer, drops by reason and state. \"all\" shows\n"
		"every interface. With \"dump\", print tab-separated lines\n"
		"without headers instead, each starting with the interface name:\n"
		"  IFNAME PORT PEERS DROP-UNKNOWN-INDEX DROP-MALFORMED DROP-NO-PEER\n"
		"  IFNAME NODE-ID ENDPOINT ALLOWED-IPS KEY-SERIAL KEY-ID SUITE ROLE\n"
		"      INDEX PEER-INDEX KEY-EXPIRES LAST-HANDSHAKE-MS LAST-RX-MS\n"
		"      LAST-TX-MS RX-BYTES TX-BYTES RX-PACKETS TX-PACKETS DROP-AUTH\n"
		"      DROP-REPLAY DROP-NO-KEY DROP-SOURCE KEEPALIVE STATE\n"
		"ENDPOINT is ADDR:PORT, [ADDR]:PORT or (none); ALLOWED-IPS is a\n"
		"comma-separated list of prefixes or (none); the key fields are '-'\n"
		"without a key; KEY-EXPIRES is in Unix seconds, the *-MS times in\n"
		"Unix ms, 0 for never; STATE is up when the peer has a key that\n"
		"has not expired, else down.\n"
		"\n"
		"Options:\n"
		"  --state-dir DIR  directory of m2md's state database m2md.db,\n"
		"                   opened read-only (default both m2md defaults,\n"
		"                   " M2MCTL_STATE_DIR "/network and\n"
		"                   " M2MCTL_STATE_DIR "/gateway, each if present)\n"
		"  --dump           print one tab-separated record per line:\n"
		"                   key TYPE SERIAL DESCRIPTION NODE-ID KEY-ID\n"
		"                       KEY-INDEX EXPIRY SECONDS-LEFT\n"
		"                   handshake INDEX PEER-INDEX MODE ROLE STATE AGE-MS\n"
		"                   connection CONN-ID NODE-ID SCL-ID KMC-INDEX\n"
		"                       KEY-ID KEY-SERIAL EXPIRY CREATED\n"
		"                   Times are Unix seconds, 0 for none; '-' marks\n"
		"                   an unknown value. The interfaces are not part\n"
		"                   of this dump: use 'm2mctl show all dump'.\n"
		"  -h, --help       show this help\n");
}

static void m2mctl_print_expiry(const struct m2m_key_info *key)
{
	char when[64];

	if (!key->has_expiry) {
		printf("  expires never");
		return;
	}
	if (key->expired) {
		printf("  expired");
		return;
	}
	m2mctl_format_time(key->expiry, when, sizeof(when));
	printf("  expires %s%s (%ld s left%s)",
	       key->expiry_exact ? "" : "about ", when, key->seconds_left,
	       key->expiry_exact ? "" : ", rounded down");
}

static void m2mctl_print_key(const struct m2m_key_info *key)
{
	char desc[sizeof(key->description)];

	printf("  %-9s serial %d", key->type, key->serial);
	if (!strcmp(key->type, M2MSEC_KEY_TYPE_BOOT))
		printf("  bootstrap id %s",
		       m2mctl_printable(key->description, desc, sizeof(desc)));
	if (key->key_id[0])
		printf("  key id %s", key->key_id);
	if (key->node_id[0])
		printf("  node %s", key->node_id);
	if (key->has_key_index)
		printf("  key index %u", key->key_index);
	if (!strcmp(key->type, "user"))
		printf("  %s",
		       m2mctl_printable(key->description, desc, sizeof(desc)));
	m2mctl_print_expiry(key);
	printf("\n");
}

static void m2mctl_dump_key(const struct m2m_key_info *key)
{
	char desc[sizeof(key->description)];

	printf("key\t%s\t%d\t%s\t%s\t%s\t", key->type, key->serial,
	       m2mctl_printable(key->description, desc, sizeof(desc)),
	       key->node_id[0] ? key->node_id : "-",
	       key->key_id[0] ? key->key_id : "-");
	if (key->has_key_index)
		printf("%u\t", key->key_index);
	else
		printf("-\t");
	if (key->has_expiry)
		printf("%lld\t%ld\n", (long long)key->expiry,
		       key->expired ? 0 : key->seconds_left);
	else
		printf("0\t-\n");
}

static int m2mctl_show_keys(bool dump)
{
	struct m2m_key_info *keys = NULL;
	char err[256];
	int i, n;

	n = m2m_keys_list(&keys, err, sizeof(err));
	if (n < 0)
		return m2mctl_error("%s", err);
	if (!dump)
		printf("keys:\n");
	for (i = 0; i < n; i++) {
		if (dump)
			m2mctl_dump_key(&keys[i]);
		else
			m2mctl_print_key(&keys[i]);
	}
	if (!dump && n == 0)
		printf("  (none)\n");
	free(keys);
	return M2MCTL_EXIT_OK;
}

static const char *m2mctl_role_name(uint8_t role)
{
	switch (role) {
	case M2MSEC_ROLE_INITIATOR:
		return "initiator";
	case M2MSEC_ROLE_RESPONDER:
		return "responder";
	}
	return "unknown";
}

static const char *m2mctl_state_name(uint8_t state)
{
	switch (state) {
	case M2MSEC_HS_STATE_INIT_SENT:
		return "init-sent";
	case M2MSEC_HS_STATE_RESP_SENT:
		return "resp-sent";
	case M2MSEC_HS_STATE_DONE:
		return "done";
	}
	return "unknown";
}

static const char *m2mctl_mode_name(uint8_t mode)
{
	switch (mode) {
	case M2MSEC_MODE_BOOTSTRAP:
		return "bootstrap";
	case M2MSEC_MODE_CONNECT:
		return "connect";
	}
	return "unknown";
}

static void m2mctl_print_hs(const struct m2m_hs_entry *e, bool dump)
{
	if (dump) {
		printf("handshake\t%u\t%u\t%s\t%s\t%s\t%llu\n", e->index,
		       e->peer_index, m2mctl_mode_name(e->mode),
		       m2mctl_role_name(e->role), m2mctl_state_name(e->state),
		       (unsigned long long)e->age_ms);
		return;
	}
	printf("  index %u  peer index %u  %s %s  %s  age %llu ms\n",
	       e->index, e->peer_index, m2mctl_mode_name(e->mode),
	       m2mctl_role_name(e->role), m2mctl_state_name(e->state),
	       (unsigned long long)e->age_ms);
}

/* Dump the handshakes, growing the array once if the first was short. */
static int m2mctl_dump_hs(struct m2m_nl *nl, struct m2m_hs_entry **entries,
			  struct m2m_nl_err *err)
{
	size_t max = M2MCTL_SHOW_HS_MAX;
	int n;

	for (;;) {
		*entries = calloc(max, sizeof(**entries));
		if (!*entries) {
			err->error = ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			return -ENOMEM;
		}
		n = m2m_nl_hs_dump(nl, *entries, max, err);
		if (n < 0 || (size_t)n <= max)
			return n;
		/* The table grew between the two dumps: try again. */
		free(*entries);
		max = (size_t)n + M2MCTL_SHOW_HS_MAX;
	}
}

static int m2mctl_show_handshakes(bool dump)
{
	struct m2m_hs_entry *entries = NULL;
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	int i, n;

	nl = m2m_nl_open(&err);
	if (!nl)
		return m2mctl_error("listing handshakes failed: %s",
				    err.msg);
	n = m2mctl_dump_hs(nl, &entries, &err);
	m2m_nl_close(nl);
	if (n < 0) {
		free(entries);
		return m2mctl_error("HS_GET dump failed: %s", err.msg);
	}
	if (!dump)
		printf("handshakes (half-open, and finished ones kept for a FINISH replay):\n");
	for (i = 0; i < n; i++)
		m2mctl_print_hs(&entries[i], dump);
	if (!dump && n == 0)
		printf("  (none)\n");
	free(entries);
	return M2MCTL_EXIT_OK;
}

/* "show IFACE|all [dump]": the positional arguments after the options. */
static int m2mctl_show_iface(int argc, char **argv, bool dump)
{
	const char *ifname = argv[0];

	if (argc > 2)
		return m2mctl_usage_error("show", "unexpected argument \"%s\"",
					  argv[2]);
	if (argc == 2 && strcmp(argv[1], "dump"))
		return m2mctl_usage_error("show",
					  "unexpected argument \"%s\" (expected \"dump\")",
					  argv[1]);
	if (argc == 2)
		dump = true;
	if (!strcmp(ifname, "all"))
		ifname = NULL;
	return m2mctl_show_devs(ifname, dump, false);
}

/* Show the connections recorded in each role's default state directory. */
static int m2mctl_show_role_connections(bool dump)
{
	static const char *const dirs[] = {
		M2MCTL_STATE_DIR "/network",
		M2MCTL_STATE_DIR "/gateway",
	};
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		ret |= m2mctl_show_connections(dirs[i], dump);
	return ret;
}

static int m2mctl_show(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_dir = NULL;
	bool dump = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			state_dir = optarg;
			break;
		case 'd':
			dump = true;
			break;
		case 'h':
			m2mctl_show_help(stdout);
			return M2MCTL_EXIT_OK;
		default:
			return m2mctl_usage_error("show", "invalid option");
		}
	}
	if (optind < argc)
		return m2mctl_show_iface(argc - optind, argv + optind, dump);

	/* Show every part that can be read; fail if any part could not. */
	ret = m2mctl_show_keys(dump);
	ret |= m2mctl_show_handshakes(dump);
	if (state_dir)
		ret |= m2mctl_show_connections(state_dir, dump);
	else
		ret |= m2mctl_show_role_connections(dump);
	if (!dump)
		ret |= m2mctl_show_devs(NULL, false, true);
	return ret ? M2MCTL_EXIT_FAILED : M2MCTL_EXIT_OK;
}

const struct m2mctl_cmd m2mctl_cmd_show = {
	.name = "show",
	.summary = "list keys, handshakes, connections and interfaces",
	.run = m2mctl_show,
	.help = m2mctl_show_help,
};
