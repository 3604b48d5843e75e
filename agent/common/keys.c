// SPDX-License-Identifier: GPL-2.0
/*
 * Import of m2msec keys through libkeyutils. A payload passes through
 * here only on import, in buffers that are wiped before they go out of
 * scope. No payload is read back, because the key types have no read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keyutils.h>

#include "hex.h"
#include "keys.h"

static int m2m_keys_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static int m2m_keys_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int m2m_key_parse_hex(const uint8_t *in, size_t len,
			     uint8_t out[M2MSEC_KEY_LEN], char *err,
			     size_t errlen)
{
	char digits[2 * M2MSEC_KEY_LEN + 1];
	size_t start = 0, end = len;
	int ret;

	while (start < end && isspace(in[start]))
		start++;
	while (end > start && isspace(in[end - 1]))
		end--;
	if (end - start != 2 * M2MSEC_KEY_LEN)
		return m2m_keys_fail(err, errlen, -EINVAL,
				     "hex key has %zu characters, expected exactly %d hex digits",
				     end - start, 2 * M2MSEC_KEY_LEN);
	memcpy(digits, in + start, 2 * M2MSEC_KEY_LEN);
	digits[2 * M2MSEC_KEY_LEN] = '\0';
	ret = m2m_hex_decode(digits, out, M2MSEC_KEY_LEN);
	explicit_bzero(digits, sizeof(digits));
	if (ret)
		return m2m_keys_fail(err, errlen, -EINVAL,
				     "hex key contains a character that is not a hex digit");
	return 0;
}

int m2m_key_parse_payload(const uint8_t *in, size_t len, bool hex,
			  uint8_t out[M2MSEC_KEY_LEN], char *err,
			  size_t errlen)
{
	int ret = 0;

	if (hex) {
		ret = m2m_key_parse_hex(in, len, out, err, errlen);
	} else if (len != M2MSEC_KEY_LEN) {
		ret = m2m_keys_fail(err, errlen, -EINVAL,
				    "key has %zu bytes, expected exactly %d (use --hex for %d hex digits)",
				    len, M2MSEC_KEY_LEN, 2 * M2MSEC_KEY_LEN);
	} else {
		memcpy(out, in, M2MSEC_KEY_LEN);
	}
	if (ret)
		explicit_bzero(out, M2MSEC_KEY_LEN);
	return ret;
}

/* Read at most max + 1 bytes of fd, so that a longer input is detected. */
static ssize_t m2m_key_read_all(int fd, uint8_t *buf, size_t max)
{
	size_t len = 0;
	ssize_t n;

	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int m2m_key_read_payload(const char *path, bool hex,
			 uint8_t out[M2MSEC_KEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[M2M_KEY_FILE_MAX + 1];
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	ssize_t len;
	int fd, ret;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return m2m_keys_fail(err, errlen, -errno,
				     "cannot open key file %s: %s", path,
				     strerror(errno));
	len = m2m_key_read_all(fd, buf, M2M_KEY_FILE_MAX);
	if (!is_stdin)
		close(fd);
	if (len < 0)
		ret = m2m_keys_fail(err, errlen, (int)len,
				    "reading the key from %s failed: %s", name,
				    strerror((int)-len));
	else if ((size_t)len > M2M_KEY_FILE_MAX)
		ret = m2m_keys_fail(err, errlen, -EINVAL,
				    "key in %s is larger than %d bytes, expected exactly %d",
				    name, M2M_KEY_FILE_MAX, M2MSEC_KEY_LEN);
	else
		ret = m2m_key_parse_payload(buf, (size_t)len, hex, out, err,
					    errlen);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

int m2m_keyring_parse(const char *name, int32_t *keyring)
{
	static const struct {
		const char *name;
		int32_t id;
	} specials[] = {
		{ "@t", KEY_SPEC_THREAD_KEYRING },
		{ "@p", KEY_SPEC_PROCESS_KEYRING },
		{ "@s", KEY_SPEC_SESSION_KEYRING },
		{ "@u", KEY_SPEC_USER_KEYRING },
		{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
		{ "@g", KEY_SPEC_GROUP_KEYRING },
		{ "@a", KEY_SPEC_REQKEY_AUTH_KEY },
	};
	char *end;
	long value;
	size_t i;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		if (!strcmp(name, specials[i].name)) {
			*keyring = specials[i].id;
			return 0;
		}
	}
	if (!isdigit((unsigned char)name[0]))
		return -EINVAL;
	errno = 0;
	value = strtol(name, &end, 10);
	if (errno || *end || value <= 0 || value > INT32_MAX)
		return -EINVAL;
	*keyring = (int32_t)value;
	return 0;
}

const char *m2m_keyring_name(int32_t keyring, char buf[M2M_KEYRING_NAME_MAX])
{
	static const char *const specials[] = {
		[1] = "@t", [2] = "@p", [3] = "@s", [4] = "@u",
		[5] = "@us", [6] = "@g", [7] = "@a",
	};

	if (keyring < 0 && keyring >= -7)
		snprintf(buf, M2M_KEYRING_NAME_MAX, "%s", specials[-keyring]);
	else
		snprintf(buf, M2M_KEYRING_NAME_MAX, "%d", keyring);
	return buf;
}

static int m2m_key_add(const char *type, const char *desc,
		       const uint8_t payload[M2MSEC_KEY_LEN], int32_t keyring,
		       int32_t *serial, char *err, size_t errlen)
{
	char name[M2M_KEYRING_NAME_MAX];
	key_serial_t id;
	int error;

	id = add_key(type, desc, payload, M2MSEC_KEY_LEN, keyring);
	if (id >= 0) {
		*serial = id;
		return 0;
	}
	error = errno;
	if (error == ENODEV)
		return m2m_keys_fail(err, errlen, -error,
				     "key type %s is not registered: is the m2msec module loaded?",
				     type);
	if (error == ENOKEY)
		return m2m_keys_fail(err, errlen, -error,
				     "keyring %s not found",
				     m2m_keyring_name(keyring, name));
	return m2m_keys_fail(err, errlen, -error,
			     "adding %s key \"%s\" to keyring %s failed: %s",
			     type, desc, m2m_keyring_name(keyring, name),
			     strerror(error));
}

int m2m_key_import_boot(const char *bootstrap_id,
			const uint8_t payload[M2MSEC_KEY_LEN], int32_t keyring,
			int32_t *serial, char *err, size_t errlen)
{
	size_t len = strlen(bootstrap_id);

	if (len == 0 || len > M2MSEC_STR_MAX)
		return m2m_keys_fail(err, errlen, -EINVAL,
				     "invalid bootstrap id length %zu (expected 1 to %d bytes)",
				     len, M2MSEC_STR_MAX);
	return m2m_key_add(M2MSEC_KEY_TYPE_BOOT, bootstrap_id, payload,
			   keyring, serial, err, errlen);
}

int m2m_key_import_root(const uint8_t node_id[M2MSEC_NODE_ID_LEN],
			const uint8_t payload[M2MSEC_KEY_LEN], int32_t keyring,
			int32_t *serial, char *err, size_t errlen)
{
	char desc[M2M_NODE_ID_HEX_LEN + 1];

	m2m_hex_encode(node_id, M2MSEC_NODE_ID_LEN, desc);
	return m2m_key_add(M2MSEC_KEY_TYPE_ROOT, desc, payload, keyring, serial,
			   err, errlen);
}
