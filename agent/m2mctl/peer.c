// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl peer: add, change and remove the peers of an m2msec interface.
 * A peer is one service connection, named by the node id of its m2m_conn
 * key.
 */
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "hex.h"
#include "m2mctl.h"

static void m2mctl_peer_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl peer add IFACE key SERIAL [endpoint HOST:PORT]\n"
		"                       [allowed-ips CIDR[,CIDR...]] [keepalive SEC]\n"
		"       m2mctl peer set IFACE NODE-ID [key SERIAL] [endpoint HOST:PORT]\n"
		"                       [allowed-ips CIDR[,CIDR...]] [keepalive SEC]\n"
		"       m2mctl peer del IFACE NODE-ID\n"
		"\n"
		"add     create a peer on the m2msec interface IFACE that sends and\n"
		"        receives with the m2m_conn key SERIAL, and print its node id\n"
		"        (the node id of the key, 32 hex digits)\n"
		"set     change the peer NODE-ID: a new key of the same node id\n"
		"        (a rekey), its endpoint, its allowed ips (the list given\n"
		"        replaces the old one; \"allowed-ips none\" clears it) or\n"
		"        its keepalive\n"
		"del     remove the peer NODE-ID\n"
		"\n"
		"Arguments:\n"
		"  key SERIAL        serial number of an m2m_conn key that the\n"
		"                    caller can search, as keyctl shows it\n"
		"  endpoint HOST:PORT  UDP address of the other side: IPV4:PORT,\n"
		"                    [IPV6]:PORT or NAME:PORT (default: learnt from\n"
		"                    the first packet that verifies)\n"
		"  allowed-ips LIST  inner prefixes routed to the peer and accepted\n"
		"                    as sources from it, ADDR/LEN separated by commas\n"
		"  keepalive SEC     send an empty packet when nothing was sent for\n"
		"                    SEC seconds, 0 to 65535 (default 0: off)\n"
		"  -h, --help        show this help\n");
}

/* Arguments of add and set; allowed_ips is malloc'd. */
struct m2mctl_peer_args {
	struct m2m_peer_req req;
	struct m2m_allowedip *allowed_ips;
};

static int m2mctl_peer_allowed_ips(struct m2mctl_peer_args *args,
				   const char *arg)
{
	char msg[256];
	int n;

	free(args->allowed_ips);
	args->allowed_ips = NULL;
	args->req.has_allowed_ips = true;
	args->req.n_allowed_ips = 0;
	if (!strcmp(arg, "none"))
		return 0;
	args->allowed_ips = calloc(M2M_ALLOWEDIPS_MAX,
				   sizeof(*args->allowed_ips));
	if (!args->allowed_ips)
		return m2mctl_error("out of memory");
	n = m2m_cidr_list_parse(arg, args->allowed_ips, M2M_ALLOWEDIPS_MAX,
				msg, sizeof(msg));
	if (n < 0)
		return m2mctl_usage_error("peer", "%s", msg);
	args->req.allowed_ips = args->allowed_ips;
	args->req.n_allowed_ips = (size_t)n;
	return 0;
}

/* Parse one "NAME VALUE" pair of add or set. */
static int m2mctl_peer_option(struct m2mctl_peer_args *args, const char *name,
			      const char *value)
{
	struct m2m_peer_req *req = &args->req;
	unsigned long keepalive;
	char msg[256];
	int ret;

	if (!strcmp(name, "key"))
		return m2mctl_parse_serial("peer", value, &req->key_serial);
	if (!strcmp(name, "endpoint")) {
		if (m2m_endpoint_parse(value, true, &req->endpoint, msg,
				       sizeof(msg)))
			return m2mctl_usage_error("peer", "%s", msg);
		req->has_endpoint = true;
		return 0;
	}
	if (!strcmp(name, "allowed-ips"))
		return m2mctl_peer_allowed_ips(args, value);
	if (!strcmp(name, "keepalive")) {
		ret = m2mctl_parse_ulong("peer", "keepalive", value, 65535,
					 &keepalive);
		if (ret)
			return ret;
		req->keepalive = (uint16_t)keepalive;
		req->has_keepalive = true;
		return 0;
	}
	return m2mctl_usage_error("peer",
				  "unknown argument \"%s\" (expected key, endpoint, allowed-ips or keepalive)",
				  name);
}

static int m2mctl_peer_options(struct m2mctl_peer_args *args, int argc,
			       char **argv)
{
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 == argc)
			return m2mctl_usage_error("peer",
						  "missing value after \"%s\"",
						  argv[i]);
		ret = m2mctl_peer_option(args, argv[i], argv[i + 1]);
		if (ret)
			return ret;
	}
	return 0;
}

static int m2mctl_peer_open(struct m2m_nl **nl, const char *what,
			    const char *ifname)
{
	struct m2m_nl_err err;

	*nl = m2m_nl_open(&err);
	if (!*nl)
		return m2mctl_error("%s on %s failed: %s", what, ifname,
				    err.msg);
	return 0;
}

/* argv: IFACE NAME VALUE ... */
static int m2mctl_peer_add(int argc, char **argv,
			   struct m2mctl_peer_args *args)
{
	char node_hex[M2M_NODE_ID_HEX_LEN + 1];
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	int ret;

	args->req.ifname = argv[0];
	ret = m2mctl_peer_options(args, argc - 1, argv + 1);
	if (ret)
		return ret;
	if (!args->req.key_serial)
		return m2mctl_usage_error("peer", "add needs key SERIAL");
	ret = m2mctl_peer_open(&nl, "adding a peer", argv[0]);
	if (ret)
		return ret;
	ret = m2m_nl_peer_new(nl, &args->req, node_id, &err);
	m2m_nl_close(nl);
	if (ret)
		return m2mctl_error("adding a peer with key %d to %s failed: %s",
				    args->req.key_serial, argv[0], err.msg);
	m2m_hex_encode(node_id, sizeof(node_id), node_hex);
	printf("%s\n", node_hex);
	return M2MCTL_EXIT_OK;
}

/* argv: IFACE NODE-ID NAME VALUE ... */
static int m2mctl_peer_set(int argc, char **argv,
			   struct m2mctl_peer_args *args)
{
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	int ret;

	if (argc < 2)
		return m2mctl_usage_error("peer", "set needs IFACE NODE-ID");
	args->req.ifname = argv[0];
	ret = m2mctl_parse_hex_id("peer", "node id", argv[1],
				  args->req.node_id, M2MSEC_NODE_ID_LEN);
	if (ret)
		return ret;
	args->req.has_node_id = true;
	ret = m2mctl_peer_options(args, argc - 2, argv + 2);
	if (ret)
		return ret;
	ret = m2mctl_peer_open(&nl, "changing a peer", argv[0]);
	if (ret)
		return ret;
	ret = m2m_nl_peer_set(nl, &args->req, &err);
	m2m_nl_close(nl);
	if (ret)
		return m2mctl_error("changing peer %s on %s failed: %s",
				    argv[1], argv[0], err.msg);
	return M2MCTL_EXIT_OK;
}

/* argv: IFACE NODE-ID */
static int m2mctl_peer_del(int argc, char **argv)
{
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	int ret;

	if (argc != 2)
		return m2mctl_usage_error("peer", "expected del IFACE NODE-ID");
	ret = m2mctl_parse_hex_id("peer", "node id", argv[1], node_id,
				  sizeof(node_id));
	if (ret)
		return ret;
	ret = m2mctl_peer_open(&nl, "removing a peer", argv[0]);
	if (ret)
		return ret;
	ret = m2m_nl_peer_del(nl, argv[0], node_id, &err);
	m2m_nl_close(nl);
	if (ret)
		return m2mctl_error("removing peer %s from %s failed: %s",
				    argv[1], argv[0], err.msg);
	return M2MCTL_EXIT_OK;
}

static int m2mctl_peer(int argc, char **argv)
{
	struct m2mctl_peer_args args = { 0 };
	const char *sub = argc > 1 ? argv[1] : "";
	int ret;

	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") ||
	    (argc > 2 && (!strcmp(argv[2], "--help") ||
			  !strcmp(argv[2], "-h")))) {
		m2mctl_peer_help(stdout);
		return M2MCTL_EXIT_OK;
	}
	if (argc < 3)
		return m2mctl_usage_error("peer",
					  "expected add, set or del and an interface");
	if (!strcmp(sub, "add"))
		ret = m2mctl_peer_add(argc - 2, argv + 2, &args);
	else if (!strcmp(sub, "set"))
		ret = m2mctl_peer_set(argc - 2, argv + 2, &args);
	else if (!strcmp(sub, "del"))
		ret = m2mctl_peer_del(argc - 2, argv + 2);
	else
		ret = m2mctl_usage_error("peer",
					 "unknown subcommand \"%s\" (expected add, set or del)",
					 sub);
	free(args.allowed_ips);
	return ret;
}

const struct m2mctl_cmd m2mctl_cmd_peer = {
	.name = "peer",
	.summary = "add, change or remove a peer of an m2msec interface",
	.run = m2mctl_peer,
	.help = m2mctl_peer_help,
};
