// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl events: print the events of the m2msec module as they arrive,
 * one line each, for people and for scripts that wait for one.
 */
#include <getopt.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include "dev.h"
#include "dev_fmt.h"
#include "hex.h"
#include "m2mctl.h"

static void m2mctl_events_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl events [--count N] [--timeout SEC]\n"
		"\n"
		"Print one line per event of the m2msec module in this network\n"
		"namespace, as it arrives:\n"
		"  EVENT IFNAME NODE-ID KEY-ID   for peer events, EVENT one of\n"
		"                                peer-up, key-installed,\n"
		"                                rekey-wanted, key-expired,\n"
		"                                peer-down; KEY-ID is - when the\n"
		"                                event concerns no key\n"
		"  key-new MODE SERIAL KEY-ID    when a handshake installs a key\n"
		"                                (MODE bootstrap or connect)\n"
		"\n"
		"Options:\n"
		"  --count N      exit after N events (default: no limit)\n"
		"  --timeout SEC  exit after SEC seconds (default: no limit); with\n"
		"                 --count, fewer than N events by then is a failure\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 when N events were printed or the timeout passed\n"
		"without --count, 1 on an error or a timeout before N events.\n");
}

static const char *m2mctl_mode_text(uint8_t mode)
{
	switch (mode) {
	case M2MSEC_MODE_BOOTSTRAP:
		return "bootstrap";
	case M2MSEC_MODE_CONNECT:
		return "connect";
	}
	return "-";
}

/* Counting state of the event loop. */
struct m2mctl_events_ctx {
	unsigned long count;	/* 0: no limit */
	unsigned long seen;
};

static void m2mctl_print_event(const struct m2m_event *ev)
{
	char node_id[M2M_NODE_ID_HEX_LEN + 1] = "-";
	char key_id[M2M_KEY_ID_HEX_LEN + 1] = "-";
	char ifname[IF_NAMESIZE] = "-";

	if (ev->has_key_id)
		m2m_hex_encode(ev->key_id, sizeof(ev->key_id), key_id);
	if (ev->cmd == M2MSEC_CMD_KEY_NEW) {
		printf("key-new %s %d %s\n", m2mctl_mode_text(ev->mode),
		       ev->key_serial, key_id);
		return;
	}
	if (ev->has_node_id)
		m2m_hex_encode(ev->node_id, sizeof(ev->node_id), node_id);
	if (ev->ifname[0])
		memcpy(ifname, ev->ifname, sizeof(ifname));
	else if (!ev->ifindex || !if_indextoname(ev->ifindex, ifname))
		strcpy(ifname, "-");
	printf("%s %s %s %s\n", m2m_event_name(ev->event), ifname, node_id,
	       key_id);
}

static int m2mctl_event_cb(const struct m2m_event *ev, void *data)
{
	struct m2mctl_events_ctx *ctx = data;

	m2mctl_print_event(ev);
	/* A script reading through a pipe must see each line at once. */
	fflush(stdout);
	ctx->seen++;
	return ctx->count && ctx->seen >= ctx->count ? 1 : 0;
}

static int64_t m2mctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read events until the count or the deadline (-1: none). */
static int m2mctl_events_loop(struct m2m_nl *nl, struct m2mctl_events_ctx *ctx,
			      int64_t deadline)
{
	struct m2m_nl_err err;
	int64_t left;
	int ret;

	while (!ctx->count || ctx->seen < ctx->count) {
		left = deadline < 0 ? -1 : deadline - m2mctl_now_ms();
		if (deadline >= 0 && left <= 0)
			break;
		if (left > 60000)
			left = 60000;
		ret = m2m_nl_events_read(nl, (int)left, m2mctl_event_cb, ctx,
					 &err);
		if (ret < 0)
			return m2mctl_error("reading events failed: %s",
					    err.msg);
	}
	if (ctx->count && ctx->seen < ctx->count)
		return m2mctl_error("timed out with %lu of %lu events",
				    ctx->seen, ctx->count);
	return M2MCTL_EXIT_OK;
}

static int m2mctl_events(int argc, char **argv)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct m2mctl_events_ctx ctx = { 0 };
	unsigned long timeout = 0;
	bool has_timeout = false;
	struct m2m_nl_err err;
	struct m2m_nl *nl;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ret = m2mctl_parse_ulong("events", "count", optarg,
						 1000000000UL, &ctx.count);
			if (ret)
				return ret;
			break;
		case 't':
			ret = m2mctl_parse_ulong("events", "timeout", optarg,
						 86400UL * 365, &timeout);
			if (ret)
				return ret;
			has_timeout = true;
			break;
		case 'h':
			m2mctl_events_help(stdout);
			return M2MCTL_EXIT_OK;
		default:
			return m2mctl_usage_error("events", "invalid option");
		}
	}
	if (optind < argc)
		return m2mctl_usage_error("events",
					  "unexpected argument \"%s\"",
					  argv[optind]);

	nl = m2m_nl_open(&err);
	if (!nl)
		return m2mctl_error("listening for events failed: %s",
				    err.msg);
	if (m2m_nl_events_join(nl, &err)) {
		m2m_nl_close(nl);
		return m2mctl_error("listening for events failed: %s",
				    err.msg);
	}
	ret = m2mctl_events_loop(nl, &ctx,
				 has_timeout ? m2mctl_now_ms() +
				 (int64_t)timeout * 1000 : -1);
	m2m_nl_close(nl);
	return ret;
}

const struct m2mctl_cmd m2mctl_cmd_events = {
	.name = "events",
	.summary = "print peer and key events as they arrive",
	.run = m2mctl_events,
	.help = m2mctl_events_help,
};
