// SPDX-License-Identifier: GPL-2.0
/* m2md: the m2msec agent daemon, network (NSCL) or gateway (GSCL) role. */
#include <stdio.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "network.h"
#include "reload.h"
#include "signals.h"

int main(int argc, char **argv)
{
	struct m2md_config cfg;
	char err[1024];
	int ret;

	ret = m2md_config_parse_args(&cfg, argc, argv, err, sizeof(err));
	if (ret == 1) {
		m2md_config_usage(stdout);
		return 0;
	}
	if (ret == 2) {
		printf("m2md %s\n", M2MSEC_VERSION);
		return 0;
	}
	if (ret || m2md_config_finish(&cfg, err, sizeof(err))) {
		fprintf(stderr, "m2md: %s\n", err);
		return 2;
	}
	m2m_log_init("m2md", cfg.syslog, cfg.log_level);
	if (m2md_reload_init(&cfg, argc, argv)) {
		fprintf(stderr, "m2md: cannot start: out of memory\n");
		return 1;
	}
	m2md_signals_block();
	if (cfg.role == M2MD_ROLE_NETWORK)
		ret = m2md_network_run(&cfg);
	else
		ret = m2md_gateway_run(&cfg);
	m2md_reload_free();
	return ret;
}
