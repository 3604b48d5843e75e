/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config reload on SIGHUP. The main thread reads the config file again
 * with the same command line. The options marked live in the option
 * table take effect at once through the m2md_live_* readers below. A
 * changed option that needs a restart is logged and keeps its value.
 * The struct m2md_config that the daemon started with never changes, so
 * threads may read its other options without a lock.
 */
#ifndef M2MD_RELOAD_H
#define M2MD_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The values of the live options, as the last reload left them. */
struct m2md_live {
	int log_level;			/* syslog priority */
	bool syslog;
	size_t max_body;		/* bytes */
	uint32_t auth_skew;		/* seconds */
	uint32_t http_timeout_ms;
	uint32_t retry_min;		/* seconds */
	uint32_t retry_max;		/* seconds */
	uint32_t kmr_lifetime;		/* seconds, 0 = no expiry */
	uint32_t kmc_lifetime;		/* seconds */
	uint16_t mid_flags;
	char mas_fqdn[M2MD_NAME_MAX];
	char scl_id_pattern[M2MD_NAME_MAX];
	char nscl_id[M2MD_NAME_MAX];
};

/* Make the live options of a finished config the current ones. */
void m2md_live_publish(const struct m2md_config *cfg);
/* Forget the published values, so that readers use their fallbacks. */
void m2md_live_reset(void);

/*
 * Copy the current live values into out: the published ones, or those
 * of cfg while nothing was published (unit tests, helpers that run
 * without m2md's main()). Safe from any thread.
 */
void m2md_live_read(const struct m2md_config *cfg, struct m2md_live *out);

/* One live value, or fallback while nothing was published. */
size_t m2md_live_max_body(size_t fallback);
uint32_t m2md_live_auth_skew(uint32_t fallback);
uint32_t m2md_live_http_timeout(uint32_t fallback);
uint32_t m2md_live_retry_min(uint32_t fallback);
uint32_t m2md_live_retry_max(uint32_t fallback);

/*
 * Remember the command line and the running config for reloads, and
 * publish its live options. cfg must live until the daemon stops.
 * Returns 0 or -1 (out of memory).
 */
int m2md_reload_init(const struct m2md_config *cfg, int argc, char **argv);
void m2md_reload_free(void);

/*
 * Read the config again and apply its live options. Called by the main
 * thread when SIGHUP arrives. Returns 0, or -1 when the file or a flag
 * is invalid (logged as "FILE:LINE: reason"), and then nothing changes.
 */
int m2md_reload(void);

#endif /* M2MD_RELOAD_H */
