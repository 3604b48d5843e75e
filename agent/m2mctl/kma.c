// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl kma: have the module derive the M2M Application Key Kma of an
 * application from a Kmc into a key that the application can read.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include <keyutils.h>

#include "hex.h"
#include "m2mctl.h"

static void m2mctl_kma_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl kma --key-id HEX --app ID [--uid N] [--keyring KR]\n"
		"\n"
		"Derive the Kma of application ID from the m2m_conn key (Kmc) with\n"
		"key id HEX. The kernel puts Kma into a \"user\" key described\n"
		"\"" M2MSEC_KMA_DESC_PREFIX "ID\" that user N can read; m2mctl prints its\n"
		"serial, never the key.\n"
		"\n"
		"Options:\n"
		"  --key-id HEX   key id of the m2m_conn key, 32 hex digits (required)\n"
		"  --app ID       application id, 1 to 255 bytes (required)\n"
		"  --uid N        user id that owns the new key (default: the\n"
		"                 caller's); another user's id needs CAP_SYS_ADMIN\n"
		"  --keyring KR   keyring that receives the key: @s, @u, @us or a\n"
		"                 keyring serial number (default @u)\n"
		"  -h, --help     show this help\n");
}

struct m2mctl_kma_args {
	bool has_key_id;
	uint8_t key_id[M2MSEC_KEY_ID_LEN];
	const char *app;
	unsigned long uid;
	int32_t keyring;
};

static int m2mctl_kma_option(int opt, struct m2mctl_kma_args *args)
{
	switch (opt) {
	case 'i':
		args->has_key_id = true;
		return m2mctl_parse_hex_id("kma", "key id", optarg,
					   args->key_id, sizeof(args->key_id));
	case 'a':
		args->app = optarg;
		return 0;
	case 'u':
		return m2mctl_parse_ulong("kma", "uid", optarg, UINT32_MAX - 1,
					  &args->uid);
	case 'k':
		return m2mctl_parse_keyring("kma", optarg, &args->keyring);
	case 'h':
		m2mctl_kma_help(stdout);
		return -1;
	}
	return m2mctl_usage_error("kma", "invalid option");
}

static int m2mctl_kma(int argc, char **argv)
{
	static const struct option options[] = {
		{ "key-id", required_argument, NULL, 'i' },
		{ "app", required_argument, NULL, 'a' },
		{ "uid", required_argument, NULL, 'u' },
		{ "keyring", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct m2mctl_kma_args args = {
		.uid = getuid(),
		.keyring = KEY_SPEC_USER_KEYRING,
	};
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	char key_id[M2M_KEY_ID_HEX_LEN + 1];
	size_t app_len;
	int32_t serial;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		ret = m2mctl_kma_option(opt, &args);
		if (ret)
			return ret < 0 ? M2MCTL_EXIT_OK : ret;
	}
	if (optind < argc)
		return m2mctl_usage_error("kma", "unexpected argument \"%s\"",
					  argv[optind]);
	if (!args.has_key_id || !args.app)
		return m2mctl_usage_error("kma", "missing %s",
					  args.has_key_id ? "--app" :
							    "--key-id");
	app_len = strlen(args.app);
	if (app_len == 0 || app_len > M2MSEC_STR_MAX)
		return m2mctl_usage_error("kma",
					  "invalid application id length %zu (expected 1 to %d bytes)",
					  app_len, M2MSEC_STR_MAX);

	nl = m2m_nl_open(&err);
	if (!nl)
		return m2mctl_error("kma: %s", err.msg);
	ret = m2m_nl_kma_derive(nl, args.key_id, args.app, args.keyring,
				(uint32_t)args.uid, &serial, &err);
	m2m_nl_close(nl);
	m2m_hex_encode(args.key_id, M2MSEC_KEY_ID_LEN, key_id);
	if (ret)
		return m2mctl_error("deriving Kma of \"%s\" from key id %s failed: %s",
				    args.app, key_id, err.msg);
	printf("%d\n", serial);
	return M2MCTL_EXIT_OK;
}

const struct m2mctl_cmd m2mctl_cmd_kma = {
	.name = "kma",
	.summary = "derive an application's Kma from a Kmc",
	.run = m2mctl_kma,
	.help = m2mctl_kma_help,
};
