/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hex encoding of node ids and key ids: lowercase on output (the form of
 * m2m_root and m2m_conn key descriptions), either case on input.
 */
#ifndef M2M_HEX_H
#define M2M_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/m2msec.h>

#define M2M_NODE_ID_HEX_LEN	(2 * M2MSEC_NODE_ID_LEN)
#define M2M_KEY_ID_HEX_LEN	(2 * M2MSEC_KEY_ID_LEN)

/* Write 2 * len lowercase hex digits and a NUL into out. */
void m2m_hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decode a string of exactly 2 * out_len hex digits into out. Returns 0,
 * or -EINVAL for any other length or a character that is not a hex digit.
 */
int m2m_hex_decode(const char *hex, uint8_t *out, size_t out_len);

/*
 * Decode a string of an even number of hex digits, at most 2 * max, into
 * out. Returns the number of bytes written or -EINVAL.
 */
ssize_t m2m_hex_decode_var(const char *hex, uint8_t *out, size_t max);

#endif /* M2M_HEX_H */
