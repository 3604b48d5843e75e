// SPDX-License-Identifier: GPL-2.0
/*
 * One-line logging to stderr or syslog. On a stderr that is not a
 * terminal each line starts with "<N>", N the syslog priority, which
 * systemd-journald reads as the line's priority (sd-daemon(3)).
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

#define M2M_LOG_LINE_MAX	1024

static struct {
	const char *ident;
	bool use_syslog;
	int max_priority;
} m2m_log_cfg = {
	.ident = "m2m",
	.max_priority = LOG_INFO,
};

void m2m_log_init(const char *ident, bool use_syslog, int max_priority)
{
	m2m_log_cfg.ident = ident;
	m2m_log_cfg.use_syslog = use_syslog;
	m2m_log_cfg.max_priority = max_priority;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

/* Replace control characters so that a message stays on one line. */
static void m2m_log_sanitize(char *line)
{
	unsigned char *p;

	for (p = (unsigned char *)line; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}

void m2m_log(int priority, const char *fmt, ...)
{
	char line[M2M_LOG_LINE_MAX];
	va_list ap;

	if (LOG_PRI(priority) > m2m_log_cfg.max_priority)
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	m2m_log_sanitize(line);

	if (m2m_log_cfg.use_syslog) {
		syslog(priority, "%s", line);
		return;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %s\n", m2m_log_cfg.ident, line);
	else
		fprintf(stderr, "<%d>%s\n", LOG_PRI(priority), line);
}
