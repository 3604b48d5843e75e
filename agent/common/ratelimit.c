// SPDX-License-Identifier: GPL-2.0
#include <stdatomic.h>
#include <time.h>

#include "log.h"
#include "ratelimit.h"

static atomic_uint m2m_ratelimit_generation;

void m2m_ratelimit_reset_all(void)
{
	atomic_fetch_add(&m2m_ratelimit_generation, 1);
}

static uint64_t m2m_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool m2m_ratelimit_pass(struct m2m_ratelimit *rl, unsigned long *suppressed)
{
	unsigned int generation = atomic_load(&m2m_ratelimit_generation);
	uint64_t now = m2m_now_ms();
	bool ok;

	*suppressed = 0;
	pthread_mutex_lock(&rl->lock);
	if (rl->generation != generation) {
		rl->generation = generation;
		rl->start_ms = 0;
		rl->suppressed = 0;
	}
	if (!rl->start_ms || now - rl->start_ms >= rl->interval_ms) {
		rl->start_ms = now;
		rl->count = 0;
	}
	ok = rl->count < rl->burst;
	if (ok) {
		rl->count++;
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

bool m2m_ratelimit_ok(struct m2m_ratelimit *rl, int priority)
{
	unsigned long suppressed;

	if (!m2m_ratelimit_pass(rl, &suppressed))
		return false;
	if (suppressed)
		m2m_log(priority, "%s: %lu lines suppressed by the rate limit",
			rl->site, suppressed);
	return true;
}
