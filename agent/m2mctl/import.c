// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl import: add a bootstrap credential (m2m_boot) or a Kmr
 * (m2m_root) from a file or standard input to a keyring.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include <keyutils.h>

#include "hex.h"
#include "keys.h"
#include "m2mctl.h"

static void m2mctl_import_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl import boot BOOTSTRAP-ID [FILE|-] [--hex] [--keyring KR]\n"
		"       m2mctl import root NODE-ID [FILE|-] [--hex] [--keyring KR]\n"
		"\n"
		"Add a key to a keyring and print its serial number. 'boot' adds the\n"
		"bootstrap credential of BOOTSTRAP-ID (key type m2m_boot); 'root'\n"
		"adds the M2M Root Key Kmr of NODE-ID, 32 hex digits (key type\n"
		"m2m_root). The key is read from FILE, or from standard input when\n"
		"FILE is '-' or missing, and must be exactly 32 bytes. The key\n"
		"cannot be read back from the keyring.\n"
		"\n"
		"Options:\n"
		"  --hex          read the key as 64 hex digits instead of 32 raw bytes;\n"
		"                 whitespace around the digits is ignored\n"
		"  --keyring KR   keyring that receives the key: @s, @u, @us or a\n"
		"                 keyring serial number (default @u)\n"
		"  -h, --help     show this help\n");
}

struct m2mctl_import_args {
	const char *kind;
	const char *id;
	const char *file;
	bool hex;
	int32_t keyring;
	uint8_t node_id[M2MSEC_NODE_ID_LEN];	/* root only */
};

static int m2mctl_import_parse(int argc, char **argv,
			       struct m2mctl_import_args *args)
{
	static const struct option options[] = {
		{ "hex", no_argument, NULL, 'x' },
		{ "keyring", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret, rest;

	args->file = "-";
	args->keyring = KEY_SPEC_USER_KEYRING;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'x':
			args->hex = true;
			break;
		case 'k':
			ret = m2mctl_parse_keyring("import", optarg,
						   &args->keyring);
			if (ret)
				return ret;
			break;
		case 'h':
			m2mctl_import_help(stdout);
			return -1;
		default:
			return m2mctl_usage_error("import", "invalid option");
		}
	}
	rest = argc - optind;
	if (rest < 2)
		return m2mctl_usage_error("import",
					  "missing %s", rest ? "id" :
					  "key kind (boot or root) and id");
	if (rest > 3)
		return m2mctl_usage_error("import",
					  "unexpected argument \"%s\"",
					  argv[optind + 3]);
	args->kind = argv[optind];
	args->id = argv[optind + 1];
	if (rest == 3)
		args->file = argv[optind + 2];
	return 0;
}

static int m2mctl_import_key(const struct m2mctl_import_args *args,
			     const uint8_t payload[M2MSEC_KEY_LEN],
			     int32_t *serial, char *err, size_t errlen)
{
	if (!strcmp(args->kind, "boot"))
		return m2m_key_import_boot(args->id, payload, args->keyring,
					   serial, err, errlen);
	return m2m_key_import_root(args->node_id, payload, args->keyring,
				   serial, err, errlen);
}

static int m2mctl_import(int argc, char **argv)
{
	struct m2mctl_import_args args = { 0 };
	uint8_t payload[M2MSEC_KEY_LEN];
	size_t id_len;
	char err[256];
	int32_t serial;
	int ret;

	ret = m2mctl_import_parse(argc, argv, &args);
	if (ret)
		return ret < 0 ? M2MCTL_EXIT_OK : ret;

	if (strcmp(args.kind, "boot") && strcmp(args.kind, "root"))
		return m2mctl_usage_error("import",
					  "invalid key kind \"%s\" (expected boot or root)",
					  args.kind);
	id_len = strlen(args.id);
	if (!strcmp(args.kind, "boot") &&
	    (id_len == 0 || id_len > M2MSEC_STR_MAX))
		return m2mctl_usage_error("import",
					  "invalid bootstrap id length %zu (expected 1 to %d bytes)",
					  id_len, M2MSEC_STR_MAX);
	if (!strcmp(args.kind, "root")) {
		ret = m2mctl_parse_hex_id("import", "node id", args.id,
					  args.node_id, sizeof(args.node_id));
		if (ret)
			return ret;
	}

	if (!strcmp(args.file, "-") && isatty(STDIN_FILENO))
		fprintf(stderr, "m2mctl: reading the key from standard input\n");
	ret = m2m_key_read_payload(args.file, args.hex, payload, err,
				   sizeof(err));
	if (!ret)
		ret = m2mctl_import_key(&args, payload, &serial, err,
					sizeof(err));
	explicit_bzero(payload, sizeof(payload));
	if (ret)
		return m2mctl_error("%s", err);
	printf("%d\n", serial);
	return M2MCTL_EXIT_OK;
}

const struct m2mctl_cmd m2mctl_cmd_import = {
	.name = "import",
	.summary = "add a bootstrap credential or a Kmr to a keyring",
	.run = m2mctl_import,
	.help = m2mctl_import_help,
};
