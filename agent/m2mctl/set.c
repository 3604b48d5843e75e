// SPDX-License-Identifier: GPL-2.0
/* m2mctl set: change a setting of an m2msec interface. */
#include <string.h>

#include "dev.h"
#include "m2mctl.h"

static void m2mctl_set_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl set IFACE port N\n"
		"\n"
		"Bind the UDP sockets (IPv4 and IPv6) of the m2msec interface\n"
		"IFACE to port N, 0 to let the kernel pick a free port. If the\n"
		"port is in use, the interface keeps its old port. 'm2mctl show\n"
		"IFACE' prints the port in use.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n");
}

static int m2mctl_set(int argc, char **argv)
{
	struct m2m_nl_err err;
	unsigned long port;
	struct m2m_nl *nl;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		m2mctl_set_help(stdout);
		return M2MCTL_EXIT_OK;
	}
	if (argc != 4 || strcmp(argv[2], "port"))
		return m2mctl_usage_error("set", "expected IFACE port N");
	ret = m2mctl_parse_ulong("set", "port", argv[3], 65535, &port);
	if (ret)
		return ret;

	nl = m2m_nl_open(&err);
	if (!nl)
		return m2mctl_error("setting the port of %s failed: %s",
				    argv[1], err.msg);
	ret = m2m_nl_dev_set_port(nl, argv[1], (uint16_t)port, &err);
	m2m_nl_close(nl);
	if (ret)
		return m2mctl_error("setting port %lu on %s failed: %s", port,
				    argv[1], err.msg);
	return M2MCTL_EXIT_OK;
}

const struct m2mctl_cmd m2mctl_cmd_set = {
	.name = "set",
	.summary = "change the UDP port of an m2msec interface",
	.run = m2mctl_set,
	.help = m2mctl_set_help,
};
