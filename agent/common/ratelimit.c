// SPDX-License-Identifier: GPL-2.0
#include "log.h"
#include "ratelimit.h"

bool m2md_ratelimit_ok(struct m2md_ratelimit *rl)
{
	time_t now = time(NULL);
	unsigned long suppressed = 0;
	bool ok;

	pthread_mutex_lock(&rl->lock);
	if (now != rl->second) {
		suppressed = rl->suppressed;
		rl->second = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	ok = rl->count < rl->burst;
	if (ok)
		rl->count++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&rl->lock);
	if (suppressed)
		m2m_warn("%lu similar messages suppressed", suppressed);
	return ok;
}
