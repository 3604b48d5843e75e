/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limit for log lines that a peer can trigger. Each call site has
 * its own limiter (see m2m_log_ratelimited()), which keeps a fixed table
 * of M2M_RATELIMIT_PEERS entries keyed by the peer's address. Each peer
 * may log burst lines per interval, and the whole site site_burst lines.
 * So one peer's flood does not silence the others, and a flood from many
 * addresses does not fill the journal. Lines without a peer share one
 * entry. Suppressed lines are counted and the count is logged, naming
 * the site and the peer, when that peer's lines pass again. A table
 * entry that is least recently used gives way to a new peer, and its
 * count is logged then, or added to a site-wide count when the site
 * limit leaves no room for that line.
 */
#ifndef M2M_RATELIMIT_H
#define M2M_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Peers that one call site tracks at a time. */
#define M2M_RATELIMIT_PEERS	16
/* Size of a peer key: an IPv6 address as text fits with room to spare. */
#define M2M_RATELIMIT_PEER_LEN	64

/* Limit state of one peer at one call site. */
struct m2m_ratelimit_peer {
	char peer[M2M_RATELIMIT_PEER_LEN];	/* "" for lines without one */
	bool used;
	uint64_t start_ms;		/* CLOCK_MONOTONIC start of interval */
	unsigned int count;		/* lines passed in this interval */
	unsigned long suppressed;	/* since the last line that passed */
	uint64_t last_use;		/* of m2m_ratelimit.uses, for LRU */
};

struct m2m_ratelimit {
	pthread_mutex_t lock;
	const char *site;		/* "file.c:line", named in the count */
	unsigned int interval_ms;
	unsigned int burst;		/* lines allowed per peer and interval */
	unsigned int site_burst;	/* lines allowed per interval in all */
	uint64_t start_ms;		/* site interval; 0: no interval yet */
	unsigned int count;		/* lines of the site in this interval */
	/* Counts of evicted peers that found no room to be logged. */
	unsigned long lost_lines;
	unsigned long lost_peers;
	uint64_t uses;			/* lines seen, the clock of LRU */
	unsigned int generation;	/* of m2m_ratelimit_reset_all() */
	struct m2m_ratelimit_peer peers[M2M_RATELIMIT_PEERS];
};

#define M2M_RATELIMIT_INIT(site_, interval_ms_, burst_, site_burst_)	\
	{								\
		.lock = PTHREAD_MUTEX_INITIALIZER,			\
		.site = (site_),					\
		.interval_ms = (interval_ms_),				\
		.burst = (burst_),					\
		.site_burst = (site_burst_),				\
	}

/*
 * Counts to log before or instead of a line, filled by
 * m2m_ratelimit_pass(). A zero count means nothing to log.
 */
struct m2m_ratelimit_report {
	/* Lines of this line's peer suppressed since its last line passed. */
	unsigned long suppressed;
	/* An evicted peer's count, logged because the site had room. */
	char evicted_peer[M2M_RATELIMIT_PEER_LEN];
	unsigned long evicted_suppressed;
	/* Counts of evicted peers that had no room, summed. */
	unsigned long lost_lines;
	unsigned long lost_peers;
};

/*
 * Count one line of peer (NULL or "" for none) and return true when it
 * may be logged. Before returning, log at the same priority the counts
 * that m2m_ratelimit_pass() reports. A peer's count reads "SITE: N lines
 * suppressed by the rate limit" with the peer as PEER field, the summed
 * count "SITE: N lines of M more peers suppressed by the rate limit".
 */
bool m2m_ratelimit_ok(struct m2m_ratelimit *rl, int priority,
		      const char *peer);

/*
 * Count one line of peer and return true when it may be logged. Fills
 * *report with the counts to log: those of peer only when the line
 * passes, because the count is kept for later otherwise, and that of an
 * evicted peer whether the line passes or not.
 */
bool m2m_ratelimit_pass(struct m2m_ratelimit *rl, const char *peer,
			struct m2m_ratelimit_report *report);

/*
 * Start every limiter afresh, forgetting its counts: for unit tests that
 * look for one line after many others from the same call site.
 */
void m2m_ratelimit_reset_all(void);

#endif /* M2M_RATELIMIT_H */
