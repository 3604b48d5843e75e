// SPDX-License-Identifier: GPL-2.0
/*
 * One-line logging to the systemd journal, syslog or stderr.
 *
 * systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream that it
 * connects to stdout and stderr (systemd.exec(5)). When that names our
 * stderr, a line goes to the journal through sd_journal_sendv() with the
 * ids as fields of their own. On any other stderr that is not a terminal
 * each line starts with "<N>", N the syslog priority, which journald also
 * reads as the line's priority (sd-daemon(3)).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <systemd/sd-journal.h>

#include <linux/m2msec.h>

#include "hex.h"
#include "log.h"

/* Maximum length of the message text. Longer text is cut to end in "...". */
#define M2M_LOG_TEXT_MAX	1024
/* Maximum length of a line: the text, the appended ids and a prefix. */
#define M2M_LOG_LINE_MAX	(M2M_LOG_TEXT_MAX + 256)

enum m2m_log_output {
	M2M_LOG_STDERR,
	M2M_LOG_SYSLOG,
	M2M_LOG_JOURNAL,
};

static struct {
	const char *ident;
	enum m2m_log_output output;
	int max_priority;
	m2m_log_journal_fn journal_send;
} m2m_log_cfg = {
	.ident = "m2m",
	.output = M2M_LOG_STDERR,
	.max_priority = LOG_INFO,
	.journal_send = sd_journal_sendv,
};

/*
 * Socket of systemd-journald. sd_journal_sendv() (libsystemd 252) returns
 * 0 and drops the entry when this socket does not exist.
 */
#define M2M_JOURNAL_SOCKET	"/run/systemd/journal/socket"

/*
 * True when JOURNAL_STREAM names the device and inode of stderr and the
 * journal socket exists, or a unit test has set a journal sink.
 */
static bool m2m_log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	if (m2m_log_cfg.journal_send == sd_journal_sendv &&
	    access(M2M_JOURNAL_SOCKET, F_OK))
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/*
 * A reload calls this again while other threads log, so the output and
 * the filter are stored atomically. ident must stay valid for good.
 */
void m2m_log_init(const char *ident, bool use_syslog, int max_priority)
{
	enum m2m_log_output output = M2M_LOG_STDERR;

	if (m2m_log_stderr_is_journal()) {
		output = M2M_LOG_JOURNAL;
	} else if (use_syslog) {
		output = M2M_LOG_SYSLOG;
		openlog(ident, LOG_PID, LOG_DAEMON);
	}
	m2m_log_cfg.ident = ident;
	__atomic_store_n(&m2m_log_cfg.output, output, __ATOMIC_RELAXED);
	__atomic_store_n(&m2m_log_cfg.max_priority, max_priority,
			 __ATOMIC_RELAXED);
}

void m2m_log_set_journal_sink(m2m_log_journal_fn fn)
{
	m2m_log_cfg.journal_send = fn ? fn : sd_journal_sendv;
}

bool m2m_log_enabled(int priority)
{
	return LOG_PRI(priority) <=
	       __atomic_load_n(&m2m_log_cfg.max_priority, __ATOMIC_RELAXED);
}

const char *m2m_log_peer(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *addr;

	if (!sa)
		return NULL;
	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return NULL;
	return inet_ntop(sa->sa_family, addr, buf, len);
}

/*
 * Replace control characters and bytes above 0x7f, because journalctl
 * shows a message with invalid UTF-8 as a blob instead of its text.
 */
static void m2m_log_sanitize(char *line)
{
	unsigned char *p;

	for (p = (unsigned char *)line; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	}
}

/* Format the message text, cut with "..." when it does not fit. */
static void m2m_log_format(char *text, size_t len, const char *fmt,
			   va_list ap)
{
	int n = vsnprintf(text, len, fmt, ap);

	if (n < 0)
		snprintf(text, len, "(unprintable log message '%.64s')", fmt);
	else if ((size_t)n >= len)
		memcpy(text + len - 4, "...", 4);
	m2m_log_sanitize(text);
}

/* The ids as text fields: hex, decimal and a sanitized address. */
struct m2m_log_fields {
	char node_id[M2M_NODE_ID_HEX_LEN + 1];
	char key_id[M2M_KEY_ID_HEX_LEN + 1];
	char conn_id[17];
	char key_serial[12];
	char peer[M2M_LOG_PEER_LEN];
};

static void m2m_log_fields_fill(const struct m2m_log_ids *ids,
				struct m2m_log_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (!ids)
		return;
	if (ids->node_id)
		m2m_hex_encode(ids->node_id, M2MSEC_NODE_ID_LEN, f->node_id);
	if (ids->key_id)
		m2m_hex_encode(ids->key_id, M2MSEC_KEY_ID_LEN, f->key_id);
	if (ids->has_conn_id)
		snprintf(f->conn_id, sizeof(f->conn_id), "%016" PRIx64,
			 ids->conn_id);
	if (ids->key_serial)
		snprintf(f->key_serial, sizeof(f->key_serial), "%" PRId32,
			 ids->key_serial);
	if (ids->peer) {
		snprintf(f->peer, sizeof(f->peer), "%s", ids->peer);
		m2m_log_sanitize(f->peer);
		/* A space would end the field in the appended text. */
		for (char *p = f->peer; *p; p++)
			if (*p == ' ')
				*p = '?';
	}
}

/* Append " node_id=... key_id=..." for the fields present. */
static void m2m_log_append(char *line, size_t len,
			   const struct m2m_log_fields *f)
{
	static const struct {
		const char *name;
		size_t offset;
	} names[] = {
		{ "node_id", offsetof(struct m2m_log_fields, node_id) },
		{ "key_id", offsetof(struct m2m_log_fields, key_id) },
		{ "conn_id", offsetof(struct m2m_log_fields, conn_id) },
		{ "key_serial", offsetof(struct m2m_log_fields, key_serial) },
		{ "peer", offsetof(struct m2m_log_fields, peer) },
	};
	size_t used = strlen(line), i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = (const char *)f + names[i].offset;

		if (!value[0] || used >= len)
			continue;
		used += snprintf(line + used, len - used, " %s=%s",
				 names[i].name, value);
	}
}

/* Write the whole line in one write(2), so that lines never interleave. */
static void m2m_log_write_stderr(int priority, const char *message)
{
	char line[M2M_LOG_LINE_MAX + 64];
	size_t len, done = 0;
	ssize_t n;

	if (isatty(STDERR_FILENO))
		snprintf(line, sizeof(line), "%s: %s\n", m2m_log_cfg.ident,
			 message);
	else
		snprintf(line, sizeof(line), "<%d>%s\n", LOG_PRI(priority),
			 message);
	len = strlen(line);
	if (line[len - 1] != '\n')
		line[len - 1] = '\n';
	while (done < len) {
		n = write(STDERR_FILENO, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += n;
	}
}

/* Add "NAME=value" to iov when value is not empty. */
static int m2m_log_field(struct iovec *iov, int n, char *buf, size_t len,
			 const char *name, const char *value)
{
	if (!value[0])
		return n;
	snprintf(buf, len, "%s=%s", name, value);
	iov[n].iov_base = buf;
	iov[n].iov_len = strlen(buf);
	return n + 1;
}

static int m2m_log_journal(int priority, const char *message,
			   const struct m2m_log_fields *f)
{
	char msg[M2M_LOG_LINE_MAX + 16], prio[16], ident[80];
	char node[48], key[48], conn[32], serial[32], peer[80];
	char prio_text[4];
	struct iovec iov[8];
	int n = 0;

	snprintf(prio_text, sizeof(prio_text), "%d", LOG_PRI(priority));
	n = m2m_log_field(iov, n, msg, sizeof(msg), "MESSAGE", message);
	n = m2m_log_field(iov, n, prio, sizeof(prio), "PRIORITY", prio_text);
	n = m2m_log_field(iov, n, ident, sizeof(ident), "SYSLOG_IDENTIFIER",
			  m2m_log_cfg.ident);
	n = m2m_log_field(iov, n, node, sizeof(node), "NODE_ID", f->node_id);
	n = m2m_log_field(iov, n, key, sizeof(key), "KEY_ID", f->key_id);
	n = m2m_log_field(iov, n, conn, sizeof(conn), "CONN_ID", f->conn_id);
	n = m2m_log_field(iov, n, serial, sizeof(serial), "KEY_SERIAL",
			  f->key_serial);
	n = m2m_log_field(iov, n, peer, sizeof(peer), "PEER", f->peer);
	return m2m_log_cfg.journal_send(iov, n);
}

void m2m_vlog_ids(int priority, const struct m2m_log_ids *ids,
		  const char *fmt, va_list ap)
{
	char line[M2M_LOG_LINE_MAX];
	struct m2m_log_fields f;

	if (!m2m_log_enabled(priority))
		return;
	m2m_log_format(line, M2M_LOG_TEXT_MAX, fmt, ap);
	m2m_log_fields_fill(ids, &f);
	m2m_log_append(line, sizeof(line), &f);

	switch (__atomic_load_n(&m2m_log_cfg.output, __ATOMIC_RELAXED)) {
	case M2M_LOG_JOURNAL:
		if (m2m_log_journal(priority, line, &f) >= 0)
			return;
		break;
	case M2M_LOG_SYSLOG:
		syslog(priority, "%s", line);
		return;
	case M2M_LOG_STDERR:
		break;
	}
	m2m_log_write_stderr(priority, line);
}

void m2m_log_ids(int priority, const struct m2m_log_ids *ids,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	m2m_vlog_ids(priority, ids, fmt, ap);
	va_end(ap);
}

void m2m_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	m2m_vlog_ids(priority, NULL, fmt, ap);
	va_end(ap);
}
