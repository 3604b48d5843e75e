// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/m2msec.h>

#include "log.h"
#include "reload.h"
#include "service.h"

/*
 * The live values behind a lock: a reader copies the small struct, so
 * that it never reads a string half written by a reload.
 */
static pthread_mutex_t m2md_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct m2md_live m2md_live_now;
static bool m2md_live_set;

/* State of the main thread for reloads: see m2md_reload_init(). */
static struct {
	int argc;
	char **argv;
	const struct m2md_config *started;
	struct m2md_config *applied;	/* the last config read */
} m2md_reload_state;

static void m2md_live_from(const struct m2md_config *cfg,
			   struct m2md_live *live)
{
	live->log_level = cfg->log_level;
	live->syslog = cfg->syslog;
	live->max_body = cfg->max_body;
	live->auth_skew = cfg->auth_skew;
	live->http_timeout_ms = cfg->http_timeout_ms;
	live->retry_min = cfg->retry_min;
	live->retry_max = cfg->retry_max;
	live->kmr_lifetime = cfg->kmr_lifetime;
	live->kmc_lifetime = cfg->kmc_lifetime;
	live->mid_flags = cfg->mid_flags;
	memcpy(live->mas_fqdn, cfg->mas_fqdn, sizeof(live->mas_fqdn));
	memcpy(live->scl_id_pattern, cfg->scl_id_pattern,
	       sizeof(live->scl_id_pattern));
	memcpy(live->nscl_id, cfg->nscl_id, sizeof(live->nscl_id));
}

void m2md_live_publish(const struct m2md_config *cfg)
{
	struct m2md_live live;

	m2md_live_from(cfg, &live);
	pthread_mutex_lock(&m2md_live_lock);
	m2md_live_now = live;
	m2md_live_set = true;
	pthread_mutex_unlock(&m2md_live_lock);
}

void m2md_live_reset(void)
{
	pthread_mutex_lock(&m2md_live_lock);
	m2md_live_set = false;
	pthread_mutex_unlock(&m2md_live_lock);
}

void m2md_live_read(const struct m2md_config *cfg, struct m2md_live *out)
{
	bool set;

	pthread_mutex_lock(&m2md_live_lock);
	set = m2md_live_set;
	if (set)
		*out = m2md_live_now;
	pthread_mutex_unlock(&m2md_live_lock);
	if (!set)
		m2md_live_from(cfg, out);
}

/* Read one numeric field of the live values, or return fallback. */
#define M2MD_LIVE_GET(field, fallback) ({			\
	__typeof__(m2md_live_now.field) v_ = (fallback);	\
	pthread_mutex_lock(&m2md_live_lock);			\
	if (m2md_live_set)					\
		v_ = m2md_live_now.field;			\
	pthread_mutex_unlock(&m2md_live_lock);			\
	v_;							\
})

size_t m2md_live_max_body(size_t fallback)
{
	return M2MD_LIVE_GET(max_body, fallback);
}

uint32_t m2md_live_auth_skew(uint32_t fallback)
{
	return M2MD_LIVE_GET(auth_skew, fallback);
}

uint32_t m2md_live_http_timeout(uint32_t fallback)
{
	return M2MD_LIVE_GET(http_timeout_ms, fallback);
}

uint32_t m2md_live_retry_min(uint32_t fallback)
{
	return M2MD_LIVE_GET(retry_min, fallback);
}

uint32_t m2md_live_retry_max(uint32_t fallback)
{
	return M2MD_LIVE_GET(retry_max, fallback);
}

int m2md_reload_init(const struct m2md_config *cfg, int argc, char **argv)
{
	struct m2md_config *applied = malloc(sizeof(*applied));

	if (!applied)
		return -1;
	*applied = *cfg;
	m2md_reload_free();
	m2md_reload_state.argc = argc;
	m2md_reload_state.argv = argv;
	m2md_reload_state.started = cfg;
	m2md_reload_state.applied = applied;
	m2md_live_publish(cfg);
	return 0;
}

void m2md_reload_free(void)
{
	free(m2md_reload_state.applied);
	memset(&m2md_reload_state, 0, sizeof(m2md_reload_state));
}

/* Return the source of the options for log lines: file or command line. */
static const char *m2md_reload_source(const struct m2md_config *cfg)
{
	return cfg->config_path[0] ? cfg->config_path : "command line";
}

/* Warn about a changed option that needs a restart. */
static void m2md_reload_warn_restart(const char *key, bool live, void *ctx)
{
	const struct m2md_config *next = ctx;

	if (!live)
		m2m_warn("%s: %s changed: takes effect at the next start",
			 m2md_reload_source(next), key);
}

/* Append the name of a changed live option to a list. */
static void m2md_reload_list_live(const char *key, bool live, void *ctx)
{
	char *list = ctx;
	size_t len = strlen(list);

	if (!live || len + strlen(key) + 3 >= M2MD_URL_MAX)
		return;
	snprintf(list + len, M2MD_URL_MAX - len, "%s%s", len ? ", " : "",
		 key);
}

/*
 * Keep the tunnel's bit of mid-flags: m2md_config_finish() derives it
 * from the tunnel option, which needs a restart, so a changed tunnel
 * option must not change what connect replies announce.
 */
static void m2md_reload_keep_derived(struct m2md_config *next,
				     const struct m2md_config *started)
{
	next->mid_flags = (uint16_t)((next->mid_flags & ~M2MSEC_MID_PROTECT) |
				     (started->mid_flags & M2MSEC_MID_PROTECT));
}

/* Parse and finish the config again. Returns 0, or -1 with err. */
static int m2md_reload_parse(struct m2md_config *next, char *err,
			     size_t errlen)
{
	int ret;

	ret = m2md_config_parse_args(next, m2md_reload_state.argc,
				     m2md_reload_state.argv, err, errlen);
	if (ret == 1) {
		snprintf(err, errlen, "--help given");
		return -1;
	}
	if (ret || m2md_config_finish(next, err, errlen))
		return -1;
	return 0;
}

/* Apply a parsed config: log what changed and publish the live part. */
static void m2md_reload_apply(struct m2md_config *next)
{
	const struct m2md_config *started = m2md_reload_state.started;
	char changed[M2MD_URL_MAX] = "";

	m2md_reload_keep_derived(next, started);
	m2md_config_diff(started, next, m2md_reload_warn_restart, next);
	m2md_config_diff(m2md_reload_state.applied, next,
			 m2md_reload_list_live, changed);
	if (next->log_level != m2md_reload_state.applied->log_level ||
	    next->syslog != m2md_reload_state.applied->syslog)
		m2m_log_init("m2md", next->syslog, next->log_level);
	m2md_live_publish(next);
	*m2md_reload_state.applied = *next;
	m2m_info("reloaded %s: %s%s", m2md_reload_source(next),
		 changed[0] ? "changed " : "no live option changed",
		 changed);
}

int m2md_reload(void)
{
	struct m2md_config *next;
	char err[1024];
	int ret = -1;

	if (!m2md_reload_state.started) {
		m2m_warn("reload: nothing to reload before the daemon runs");
		return -1;
	}
	m2md_service_reloading();
	m2m_info("reloading %s",
		 m2md_reload_source(m2md_reload_state.started));
	next = malloc(sizeof(*next));
	if (!next) {
		m2m_err("reload failed: out of memory; keeping the running settings");
	} else if (m2md_reload_parse(next, err, sizeof(err))) {
		m2m_err("reload failed: %s; keeping the running settings",
			err);
	} else {
		m2md_reload_apply(next);
		ret = 0;
	}
	free(next);
	m2md_service_reloaded();
	return ret;
}
