// SPDX-License-Identifier: GPL-2.0
/* Option parsing and output helpers shared by the m2mctl subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "hex.h"
#include "keys.h"
#include "m2mctl.h"

int m2mctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "m2mctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'm2mctl %s --help' for its options.\n", cmd);
	return M2MCTL_EXIT_USAGE;
}

int m2mctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("m2mctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return M2MCTL_EXIT_FAILED;
}

int m2mctl_parse_keyring(const char *cmd, const char *arg, int32_t *keyring)
{
	int32_t parsed;

	/*
	 * A thread or process keyring ends when m2mctl exits, taking the new
	 * key with it. Linux does not implement @g, and @a is no keyring.
	 */
	if (m2m_keyring_parse(arg, &parsed) ||
	    parsed == KEY_SPEC_THREAD_KEYRING ||
	    parsed == KEY_SPEC_PROCESS_KEYRING ||
	    parsed == KEY_SPEC_GROUP_KEYRING ||
	    parsed == KEY_SPEC_REQKEY_AUTH_KEY)
		return m2mctl_usage_error(cmd,
					  "invalid keyring \"%s\" (expected @s, @u, @us or a serial number)",
					  arg);
	*keyring = parsed;
	return 0;
}

int m2mctl_parse_ulong(const char *cmd, const char *option, const char *arg,
		       unsigned long max, unsigned long *value)
{
	char *end;

	errno = 0;
	*value = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || *value > max)
		return m2mctl_usage_error(cmd,
					  "invalid %s \"%s\" (expected a number from 0 to %lu)",
					  option, arg, max);
	return 0;
}

int m2mctl_parse_hex_id(const char *cmd, const char *option, const char *arg,
			uint8_t *out, size_t len)
{
	if (m2m_hex_decode(arg, out, len))
		return m2mctl_usage_error(cmd,
					  "invalid %s \"%s\" (expected %zu hex digits)",
					  option, arg, 2 * len);
	return 0;
}

int m2mctl_parse_serial(const char *cmd, const char *arg, int32_t *serial)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(arg, &end, 10);
	if (arg[0] < '1' || arg[0] > '9' || *end || errno ||
	    value > INT32_MAX)
		return m2mctl_usage_error(cmd,
					  "invalid key serial \"%s\" (expected a positive number, as keyctl shows it)",
					  arg);
	*serial = (int32_t)value;
	return 0;
}

void m2mctl_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

const char *m2mctl_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; len && s[i] && i < len - 1; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' :
									s[i];
	if (len)
		buf[i] = '\0';
	return buf;
}
