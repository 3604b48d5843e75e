/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limit for log lines that a peer can trigger: at most burst lines
 * a second, then one line that counts the suppressed ones.
 */
#ifndef M2MD_RATELIMIT_H
#define M2MD_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

struct m2md_ratelimit {
	pthread_mutex_t lock;
	time_t second;
	unsigned int burst;
	unsigned int count;
	unsigned long suppressed;
};

#define M2MD_RATELIMIT_INIT(b) \
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .burst = (b) }

/* True when the caller may log now. */
bool m2md_ratelimit_ok(struct m2md_ratelimit *rl);

#endif /* M2MD_RATELIMIT_H */
