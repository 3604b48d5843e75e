// SPDX-License-Identifier: GPL-2.0
/* Hex encoding of node ids and key ids. */
#include <errno.h>
#include <string.h>

#include "hex.h"

static int m2m_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void m2m_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int m2m_hex_decode_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = m2m_hex_digit(hex[2 * i]);
		int lo = m2m_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int m2m_hex_decode(const char *hex, uint8_t *out, size_t out_len)
{
	if (strlen(hex) != 2 * out_len)
		return -EINVAL;
	return m2m_hex_decode_bytes(hex, out, out_len);
}

ssize_t m2m_hex_decode_var(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex);
	int ret;

	if (len % 2 || len / 2 > max)
		return -EINVAL;
	ret = m2m_hex_decode_bytes(hex, out, len / 2);
	if (ret)
		return ret;
	return (ssize_t)(len / 2);
}
