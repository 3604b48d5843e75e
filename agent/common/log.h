/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging for m2md and m2mctl: one line per event with a syslog priority.
 * Lines go to the systemd journal with structured fields when stderr is a
 * journal stream, else to syslog (syslog = yes) or to stderr, where each
 * line starts with "<N>" (N the priority) unless stderr is a terminal.
 * Callers log ids (node id, key id, connection id), never key material.
 * Documentation/logging.md lists the fields and the events.
 */
#ifndef M2M_LOG_H
#define M2M_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>

#include "ratelimit.h"

/*
 * The ids an event concerns, each sent as a journal field and appended to
 * the text as " node_id=... key_id=... conn_id=... key_serial=... peer=...".
 * NULL pointers, has_conn_id false and key_serial 0 mean absent.
 */
struct m2m_log_ids {
	const uint8_t *node_id;		/* M2MSEC_NODE_ID_LEN bytes: NODE_ID */
	const uint8_t *key_id;		/* M2MSEC_KEY_ID_LEN bytes: KEY_ID */
	uint64_t conn_id;		/* CONN_ID, 16 hex digits */
	bool has_conn_id;
	int32_t key_serial;		/* KEY_SERIAL, decimal */
	const char *peer;		/* PEER: an IP address as text */
};

/* Size of the buffer that m2m_log_peer() fills. */
#define M2M_LOG_PEER_LEN	64

/*
 * Choose the output: the journal when the JOURNAL_STREAM environment
 * variable names the device and inode of stderr and journald's socket
 * exists, else syslog when use_syslog is set, else stderr. Lines above
 * max_priority are dropped.
 */
void m2m_log_init(const char *ident, bool use_syslog, int max_priority);

/* True when a line at priority passes the priority filter. */
bool m2m_log_enabled(int priority);

void m2m_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void m2m_log_ids(int priority, const struct m2m_log_ids *ids,
		 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void m2m_vlog_ids(int priority, const struct m2m_log_ids *ids,
		  const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Format the IP address of sa (no port) into buf for m2m_log_ids.peer.
 * Returns buf, or NULL when sa is NULL or of another family.
 */
const char *m2m_log_peer(const struct sockaddr *sa, char *buf, size_t len);

/*
 * Function that receives the journal fields of each line in place of
 * sd_journal_sendv(), so that unit tests can check them. NULL restores
 * sd_journal_sendv(). It returns 0 or a negative errno, as
 * sd_journal_sendv() does. Set it before m2m_log_init(), which then does
 * not require the journal socket to exist.
 */
typedef int (*m2m_log_journal_fn)(const struct iovec *iov, int n);
void m2m_log_set_journal_sink(m2m_log_journal_fn fn);

#define m2m_err(...)	m2m_log(LOG_ERR, __VA_ARGS__)
#define m2m_warn(...)	m2m_log(LOG_WARNING, __VA_ARGS__)
#define m2m_info(...)	m2m_log(LOG_INFO, __VA_ARGS__)
#define m2m_dbg(...)	m2m_log(LOG_DEBUG, __VA_ARGS__)

/*
 * Lines that one peer may log from one call site per interval, and lines
 * that the call site may log per interval for all peers together, before
 * the rate limit applies.
 */
#define M2M_LOG_RL_BURST	10
#define M2M_LOG_RL_SITE_BURST	50
#define M2M_LOG_RL_INTERVAL_MS	5000

#define M2M_LOG_STR_(x)		#x
#define M2M_LOG_STR(x)		M2M_LOG_STR_(x)
#ifdef __FILE_NAME__
#define M2M_LOG_SITE		__FILE_NAME__ ":" M2M_LOG_STR(__LINE__)
#else
#define M2M_LOG_SITE		__FILE__ ":" M2M_LOG_STR(__LINE__)
#endif

/* The PEER of ids, or NULL when ids is NULL. */
static inline const char *m2m_log_ids_peer(const struct m2m_log_ids *ids)
{
	return ids ? ids->peer : NULL;
}

/*
 * Log like m2m_log_ids(), through the rate limit of this call site and
 * of the peer in ids: for a line that a peer can trigger (a bad request,
 * a failed handshake, a bad signature or datagram). ids may be NULL and
 * is evaluated twice.
 */
#define m2m_log_ratelimited(priority, ids, ...)				\
	do {								\
		static struct m2m_ratelimit m2m_rl_ =			\
			M2M_RATELIMIT_INIT(M2M_LOG_SITE,		\
					   M2M_LOG_RL_INTERVAL_MS,	\
					   M2M_LOG_RL_BURST,		\
					   M2M_LOG_RL_SITE_BURST);	\
		if (m2m_log_enabled(priority) &&			\
		    m2m_ratelimit_ok(&m2m_rl_, (priority),		\
				     m2m_log_ids_peer(ids)))		\
			m2m_log_ids((priority), (ids), __VA_ARGS__);	\
	} while (0)

#define m2m_err_ratelimited(...)					\
	m2m_log_ratelimited(LOG_ERR, NULL, __VA_ARGS__)
#define m2m_warn_ratelimited(...)					\
	m2m_log_ratelimited(LOG_WARNING, NULL, __VA_ARGS__)
#define m2m_info_ratelimited(...)					\
	m2m_log_ratelimited(LOG_INFO, NULL, __VA_ARGS__)
#define m2m_dbg_ratelimited(...)					\
	m2m_log_ratelimited(LOG_DEBUG, NULL, __VA_ARGS__)

#endif /* M2M_LOG_H */
