// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl bootstrap: run an M2M Service Bootstrap handshake with the
 * bootstrap credential of a bootstrap id. The new Kmr goes into a keyring.
 */
#include <getopt.h>
#include <string.h>

#include <keyutils.h>

#include "m2mctl.h"

static void m2mctl_bootstrap_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl bootstrap --nscl URL --bootstrap-id ID [--keyring KR]\n"
		"                        [--timeout MS]\n"
		"\n"
		"Run a bootstrap handshake with the server at URL/bootstrap, using\n"
		"the m2m_boot key whose description is ID. On success the new Kmr\n"
		"is an m2m_root key in KR, and its node id, key id, serial, the\n"
		"indexes, its lifetime and the server's RESP fields are printed.\n"
		"\n"
		"Options:\n"
		"  --nscl URL          URL prefix of the network's handshake paths\n"
		"                      (m2md's handshake-base), for example\n"
		"                      http://10.77.0.1:8080/m2msec (required)\n"
		"  --bootstrap-id ID   bootstrap id, 1 to 255 bytes (required)\n"
		"  --keyring KR        keyring that receives the Kmr: @s, @u, @us or\n"
		"                      a keyring serial number (default @u)\n"
		"  --timeout MS        time limit of each HTTP request, in\n"
		"                      milliseconds (default %d)\n"
		"  -h, --help          show this help\n",
		M2MCTL_TIMEOUT_MS);
}

static int m2mctl_bootstrap(int argc, char **argv)
{
	static const struct option options[] = {
		{ "nscl", required_argument, NULL, 'n' },
		{ "bootstrap-id", required_argument, NULL, 'b' },
		{ "keyring", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *id = NULL;
	int32_t keyring = KEY_SPEC_USER_KEYRING;
	unsigned long timeout_ms = M2MCTL_TIMEOUT_MS;
	size_t id_len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		ret = 0;
		switch (opt) {
		case 'n':
			url = optarg;
			break;
		case 'b':
			id = optarg;
			break;
		case 'k':
			ret = m2mctl_parse_keyring("bootstrap", optarg,
						   &keyring);
			break;
		case 't':
			ret = m2mctl_parse_ulong("bootstrap", "timeout", optarg,
						 3600000, &timeout_ms);
			break;
		case 'h':
			m2mctl_bootstrap_help(stdout);
			return M2MCTL_EXIT_OK;
		default:
			return m2mctl_usage_error("bootstrap", "invalid option");
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return m2mctl_usage_error("bootstrap",
					  "unexpected argument \"%s\"",
					  argv[optind]);
	if (!url || !id)
		return m2mctl_usage_error("bootstrap", "missing %s",
					  url ? "--bootstrap-id" : "--nscl");
	id_len = strlen(id);
	if (id_len == 0 || id_len > M2MSEC_STR_MAX)
		return m2mctl_usage_error("bootstrap",
					  "invalid bootstrap id length %zu (expected 1 to %d bytes)",
					  id_len, M2MSEC_STR_MAX);
	return m2mctl_run_handshake("bootstrap", url, M2MSEC_MODE_BOOTSTRAP,
				    (const uint8_t *)id, id_len, 0, keyring,
				    (long)timeout_ms);
}

const struct m2mctl_cmd m2mctl_cmd_bootstrap = {
	.name = "bootstrap",
	.summary = "run a bootstrap handshake by hand (makes a Kmr)",
	.run = m2mctl_bootstrap,
	.help = m2mctl_bootstrap_help,
};
