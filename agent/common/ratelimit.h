/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limit for log lines that a peer can trigger: at most burst lines
 * per interval, then one line with the number suppressed once lines pass
 * again. Each call site has its own limiter (see m2m_log_ratelimited()).
 */
#ifndef M2M_RATELIMIT_H
#define M2M_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct m2m_ratelimit {
	pthread_mutex_t lock;
	const char *site;		/* "file.c:line", named in the count */
	unsigned int interval_ms;
	unsigned int burst;		/* lines allowed per interval */
	uint64_t start_ms;		/* CLOCK_MONOTONIC; 0: no interval yet */
	unsigned int count;		/* lines passed in this interval */
	unsigned long suppressed;	/* since the last line that passed */
	unsigned int generation;	/* of m2m_ratelimit_reset_all() */
};

#define M2M_RATELIMIT_INIT(site_, interval_ms_, burst_)			\
	{								\
		.lock = PTHREAD_MUTEX_INITIALIZER,			\
		.site = (site_),					\
		.interval_ms = (interval_ms_),				\
		.burst = (burst_),					\
	}

/*
 * Count one line at priority and return true when it may be logged.
 * When it may and lines were suppressed before it, log first, at the same
 * priority, "SITE: N lines suppressed by the rate limit".
 */
bool m2m_ratelimit_ok(struct m2m_ratelimit *rl, int priority);

/*
 * Count one line and return true when it may be logged, storing in
 * *suppressed the number suppressed since the last line that passed (0
 * when the line is suppressed, because the count is kept for later).
 */
bool m2m_ratelimit_pass(struct m2m_ratelimit *rl, unsigned long *suppressed);

/*
 * Start every limiter afresh, forgetting its counts: for unit tests that
 * look for one line after many others from the same call site.
 */
void m2m_ratelimit_reset_all(void);

#endif /* M2M_RATELIMIT_H */
