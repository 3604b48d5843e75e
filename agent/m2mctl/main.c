// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl: inspect and drive m2msec by hand. Each subcommand lives in a
 * file of its name.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "m2mctl.h"

static const struct m2mctl_cmd *const m2mctl_cmds[] = {
	&m2mctl_cmd_show,
	&m2mctl_cmd_import,
	&m2mctl_cmd_bootstrap,
	&m2mctl_cmd_connect,
	&m2mctl_cmd_kma,
	&m2mctl_cmd_set,
	&m2mctl_cmd_peer,
	&m2mctl_cmd_events,
	&m2mctl_cmd_rest,
};

#define M2MCTL_NCMDS	(sizeof(m2mctl_cmds) / sizeof(m2mctl_cmds[0]))

static void m2mctl_usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: m2mctl COMMAND [OPTIONS]\n"
		"       m2mctl COMMAND --help\n"
		"       m2mctl help [COMMAND]\n"
		"       m2mctl --version\n"
		"\n"
		"Show and manage the m2msec keys, handshakes, connections and\n"
		"interfaces of this host. No command ever prints a key.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < M2MCTL_NCMDS; i++)
		fprintf(out, "  %-10s %s\n", m2mctl_cmds[i]->name,
			m2mctl_cmds[i]->summary);
	fprintf(out,
		"\n"
		"Exit status: 0 success, 1 the operation failed, 2 usage error.\n");
}

/*
 * "m2mctl help COMMAND" prints the same text as "m2mctl COMMAND --help".
 * "m2mctl help" and "m2mctl help --help" print the list of commands.
 */
static int m2mctl_help(const char *name)
{
	size_t i;

	if (!name || !strcmp(name, "--help") || !strcmp(name, "-h")) {
		m2mctl_usage(stdout);
		return M2MCTL_EXIT_OK;
	}
	for (i = 0; i < M2MCTL_NCMDS; i++) {
		if (!strcmp(name, m2mctl_cmds[i]->name)) {
			m2mctl_cmds[i]->help(stdout);
			return M2MCTL_EXIT_OK;
		}
	}
	fprintf(stderr, "m2mctl: unknown command \"%s\"\n", name);
	return M2MCTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int ret;

	if (argc < 2)
		name = "show";
	else
		name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		m2mctl_usage(stdout);
		return M2MCTL_EXIT_OK;
	}
	if (!strcmp(name, "--version")) {
		printf("m2mctl %s\n", M2MSEC_VERSION);
		return M2MCTL_EXIT_OK;
	}
	if (!strcmp(name, "help"))
		return m2mctl_help(argc > 2 ? argv[2] : NULL);

	for (i = 0; i < M2MCTL_NCMDS; i++) {
		if (strcmp(name, m2mctl_cmds[i]->name))
			continue;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return m2mctl_error("initializing libcurl failed");
		ret = m2mctl_cmds[i]->run(argc > 1 ? argc - 1 : 1,
					  argc > 1 ? argv + 1 : argv);
		curl_global_cleanup();
		return ret;
	}
	fprintf(stderr, "m2mctl: unknown command \"%s\"\n\n", name);
	m2mctl_usage(stderr);
	return M2MCTL_EXIT_USAGE;
}
