// SPDX-License-Identifier: GPL-2.0
/*
 * Per call site and per peer rate limit of log lines. All state is in
 * the limiter itself, a static of its call site, so a flood from any
 * number of peers allocates nothing: a new peer takes the entry of the
 * least recently used one.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
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

/* Forget all counts after m2m_ratelimit_reset_all(). Needs rl->lock. */
static void m2m_ratelimit_restart(struct m2m_ratelimit *rl,
				  unsigned int generation)
{
	rl->generation = generation;
	rl->start_ms = 0;
	rl->count = 0;
	rl->lost_lines = 0;
	rl->lost_peers = 0;
	rl->uses = 0;
	memset(rl->peers, 0, sizeof(rl->peers));
}

/* Start a new interval when the current one has ended. */
static void m2m_ratelimit_window(uint64_t *start_ms, unsigned int *count,
				 uint64_t now, unsigned int interval_ms)
{
	if (!*start_ms || now - *start_ms >= interval_ms) {
		*start_ms = now;
		*count = 0;
	}
}

/*
 * Hand the entry of an evicted peer's count over: to report for logging
 * when the site has room for one more line, else to the site's lost
 * counts, which the next line that passes reports.
 */
static void m2m_ratelimit_evict(struct m2m_ratelimit *rl,
				struct m2m_ratelimit_peer *old,
				struct m2m_ratelimit_report *report)
{
	if (!old->used || !old->suppressed)
		return;
	if (rl->count < rl->site_burst) {
		rl->count++;
		memcpy(report->evicted_peer, old->peer, sizeof(old->peer));
		report->evicted_suppressed = old->suppressed;
	} else {
		rl->lost_lines += old->suppressed;
		rl->lost_peers++;
	}
}

/*
 * Find the entry of key, or take a free one or the least recently used
 * one for it.
 */
static struct m2m_ratelimit_peer *
m2m_ratelimit_lookup(struct m2m_ratelimit *rl, const char *key,
		     struct m2m_ratelimit_report *report)
{
	struct m2m_ratelimit_peer *p, *victim = NULL;
	size_t i;

	for (i = 0; i < M2M_RATELIMIT_PEERS; i++) {
		p = &rl->peers[i];
		if (p->used && !strcmp(p->peer, key))
			return p;
		if (!victim || (victim->used &&
				(!p->used || p->last_use < victim->last_use)))
			victim = p;
	}
	m2m_ratelimit_evict(rl, victim, report);
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->peer, sizeof(victim->peer), "%s", key);
	victim->used = true;
	return victim;
}

bool m2m_ratelimit_pass(struct m2m_ratelimit *rl, const char *peer,
			struct m2m_ratelimit_report *report)
{
	unsigned int generation = atomic_load(&m2m_ratelimit_generation);
	uint64_t now = m2m_now_ms();
	char key[M2M_RATELIMIT_PEER_LEN];
	struct m2m_ratelimit_peer *p;
	bool ok;

	memset(report, 0, sizeof(*report));
	/* Cut as the entry's copy is, so that a long key matches itself. */
	snprintf(key, sizeof(key), "%s", peer ? peer : "");

	pthread_mutex_lock(&rl->lock);
	if (rl->generation != generation)
		m2m_ratelimit_restart(rl, generation);
	m2m_ratelimit_window(&rl->start_ms, &rl->count, now, rl->interval_ms);
	p = m2m_ratelimit_lookup(rl, key, report);
	p->last_use = ++rl->uses;
	m2m_ratelimit_window(&p->start_ms, &p->count, now, rl->interval_ms);

	ok = p->count < rl->burst && rl->count < rl->site_burst;
	if (ok) {
		p->count++;
		rl->count++;
		report->suppressed = p->suppressed;
		p->suppressed = 0;
		report->lost_lines = rl->lost_lines;
		report->lost_peers = rl->lost_peers;
		rl->lost_lines = 0;
		rl->lost_peers = 0;
	} else {
		p->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

/* Log "SITE: N lines suppressed by the rate limit" with peer as PEER. */
static void m2m_ratelimit_log_count(const struct m2m_ratelimit *rl,
				    int priority, const char *peer,
				    unsigned long suppressed)
{
	struct m2m_log_ids ids = { .peer = peer && peer[0] ? peer : NULL };

	m2m_log_ids(priority, &ids, "%s: %lu %s suppressed by the rate limit",
		    rl->site, suppressed, suppressed == 1 ? "line" : "lines");
}

bool m2m_ratelimit_ok(struct m2m_ratelimit *rl, int priority,
		      const char *peer)
{
	struct m2m_ratelimit_report report;
	bool ok = m2m_ratelimit_pass(rl, peer, &report);

	if (report.evicted_suppressed)
		m2m_ratelimit_log_count(rl, priority, report.evicted_peer,
					report.evicted_suppressed);
	if (report.lost_lines)
		m2m_log(priority,
			"%s: %lu %s of %lu more %s suppressed by the rate limit",
			rl->site, report.lost_lines,
			report.lost_lines == 1 ? "line" : "lines",
			report.lost_peers,
			report.lost_peers == 1 ? "peer" : "peers");
	if (report.suppressed)
		m2m_ratelimit_log_count(rl, priority, peer, report.suppressed);
	return ok;
}
