// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl connect: run an M2M Service Connection handshake with the Kmr of
 * a node id. The new Kmc goes into a keyring as an m2m_conn key.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include <keyutils.h>

#include "hex.h"
#include "keys.h"
#include "m2mctl.h"

static void m2mctl_connect_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl connect --nscl URL [--node-id HEX] [--suites SUITES]\n"
		"                      [--keyring KR] [--timeout MS]\n"
		"\n"
		"Run a connect handshake with the server at URL/connect, using the\n"
		"m2m_root key (Kmr) of the node id. On success the new Kmc is an\n"
		"m2m_conn key in KR, and the node id, key id, serial, indexes,\n"
		"lifetime, suite and the server's RESP fields are printed.\n"
		"\n"
		"Options:\n"
		"  --nscl URL        URL prefix of the network's handshake paths\n"
		"                    (m2md's handshake-base), for example\n"
		"                    http://10.77.0.1:8080/m2msec (required)\n"
		"  --node-id HEX     M2M-Node-ID, 32 hex digits (default: the node\n"
		"                    id of the m2m_root keys in the first of KR, @s\n"
		"                    and @u that has any, if they name only one)\n"
		"  --suites SUITES   data suites offered: aes (AES-256-GCM), chacha\n"
		"                    (ChaCha20-Poly1305) or all (default all)\n"
		"  --keyring KR      keyring that receives the Kmc: @s, @u, @us or a\n"
		"                    keyring serial number (default @u)\n"
		"  --timeout MS      time limit of each HTTP request, in\n"
		"                    milliseconds (default %d)\n"
		"  -h, --help        show this help\n",
		M2MCTL_TIMEOUT_MS);
}

static int m2mctl_parse_suites(const char *arg, uint8_t *suites)
{
	if (!strcmp(arg, "aes"))
		*suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_AES256GCM);
	else if (!strcmp(arg, "chacha"))
		*suites = M2MSEC_SUITE_MASK(M2MSEC_SUITE_CHACHA20POLY1305);
	else if (!strcmp(arg, "all"))
		*suites = M2MSEC_SUITES_ALL;
	else
		return m2mctl_usage_error("connect",
					  "invalid suites \"%s\" (expected aes, chacha or all)",
					  arg);
	return 0;
}

/*
 * Find the node id of the m2m_root keys in the first of keyring, @s and @u
 * that has any, if they name only one.
 */
static int m2mctl_find_node_id(int32_t keyring,
			       uint8_t node_id[M2MSEC_NODE_ID_LEN])
{
	const int32_t rings[] = {
		keyring, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING,
	};
	char name[M2M_KEYRING_NAME_MAX];
	char err[256];
	int32_t serial;
	size_t i;
	int ret = -ENOKEY;

	for (i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		ret = m2m_keys_find_root(rings[i], NULL, &serial, node_id, err,
					 sizeof(err));
		if (ret != -ENOKEY)
			break;
	}
	if (ret == -ENOKEY)
		return m2mctl_error("connect: no m2m_root key found in keyring %s, @s or @u: run bootstrap, import a Kmr, or give --node-id",
				    m2m_keyring_name(keyring, name));
	if (ret)
		return m2mctl_error("connect: %s", err);
	return M2MCTL_EXIT_OK;
}

struct m2mctl_connect_args {
	const char *url;
	bool has_node_id;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	uint8_t suites;
	int32_t keyring;
	unsigned long timeout_ms;
};

static int m2mctl_connect_option(int opt, struct m2mctl_connect_args *args)
{
	switch (opt) {
	case 'n':
		args->url = optarg;
		return 0;
	case 'i':
		args->has_node_id = true;
		return m2mctl_parse_hex_id("connect", "node id", optarg,
					   args->node_id,
					   sizeof(args->node_id));
	case 's':
		return m2mctl_parse_suites(optarg, &args->suites);
	case 'k':
		return m2mctl_parse_keyring("connect", optarg, &args->keyring);
	case 't':
		return m2mctl_parse_ulong("connect", "timeout", optarg, 3600000,
					  &args->timeout_ms);
	case 'h':
		m2mctl_connect_help(stdout);
		return -1;
	}
	return m2mctl_usage_error("connect", "invalid option");
}

static int m2mctl_connect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "nscl", required_argument, NULL, 'n' },
		{ "node-id", required_argument, NULL, 'i' },
		{ "suites", required_argument, NULL, 's' },
		{ "keyring", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct m2mctl_connect_args args = {
		.suites = M2MSEC_SUITES_ALL,
		.keyring = KEY_SPEC_USER_KEYRING,
		.timeout_ms = M2MCTL_TIMEOUT_MS,
	};
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		ret = m2mctl_connect_option(opt, &args);
		if (ret)
			return ret < 0 ? M2MCTL_EXIT_OK : ret;
	}
	if (optind < argc)
		return m2mctl_usage_error("connect",
					  "unexpected argument \"%s\"",
					  argv[optind]);
	if (!args.url)
		return m2mctl_usage_error("connect", "missing --nscl");
	if (!args.has_node_id) {
		ret = m2mctl_find_node_id(args.keyring, args.node_id);
		if (ret)
			return ret;
	}
	return m2mctl_run_handshake("connect", args.url, M2MSEC_MODE_CONNECT,
				    args.node_id, sizeof(args.node_id),
				    args.suites, args.keyring,
				    (long)args.timeout_ms);
}

const struct m2mctl_cmd m2mctl_cmd_connect = {
	.name = "connect",
	.summary = "run a connect handshake by hand (makes a Kmc)",
	.run = m2mctl_connect,
	.help = m2mctl_connect_help,
};
