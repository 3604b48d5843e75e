/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging for m2md and m2mctl: one line per event with a syslog priority,
 * to stderr (with a "<N>" prefix that journald understands) or to syslog.
 * Callers log ids (node id, key id, connection id), never key material.
 */
#ifndef M2M_LOG_H
#define M2M_LOG_H

#include <stdbool.h>
#include <syslog.h>

void m2m_log_init(const char *ident, bool use_syslog, int max_priority);
void m2m_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define m2m_err(...)	m2m_log(LOG_ERR, __VA_ARGS__)
#define m2m_warn(...)	m2m_log(LOG_WARNING, __VA_ARGS__)
#define m2m_info(...)	m2m_log(LOG_INFO, __VA_ARGS__)
#define m2m_dbg(...)	m2m_log(LOG_DEBUG, __VA_ARGS__)

#endif /* M2M_LOG_H */
