// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target of the kernel's handshake message parser, compiled for
 * user space. The first input byte is the suites mask that the RESP
 * parser checks against; the rest is the message. A message that parses
 * must rebuild to the same bytes, or the fuzzer reports a crash.
 */
#include <stdlib.h>

#include "msg.h"

static void check_init(const u8 *msg, size_t len)
{
	static struct m2msec_init init;
	static u8 out[M2MSEC_MSG_MAX];
	const char *reason = NULL;
	int n;

	if (m2msec_msg_parse_init(msg, len, &init, &reason)) {
		if (!reason)
			abort();
		return;
	}
	n = m2msec_msg_build_init(&init, out, sizeof(out));
	if (n != (int)len || memcmp(out, msg, len))
		abort();
}

static void check_resp(const u8 *msg, size_t len, u8 offered)
{
	static struct m2msec_resp resp;
	static u8 out[M2MSEC_MSG_MAX];
	const char *reason = NULL;
	int n;

	if (m2msec_msg_parse_resp(msg, len, offered, &resp, &reason)) {
		if (!reason)
			abort();
		return;
	}
	n = m2msec_msg_build_resp(&resp, offered, out, sizeof(out));
	if (n != (int)len || memcmp(out, msg, len))
		abort();
}

static void check_finish(const u8 *msg, size_t len)
{
	struct m2msec_finish finish;
	const char *reason = NULL;
	u8 out[M2MSEC_FINISH_LEN];
	int n;

	if (m2msec_msg_parse_finish(msg, len, &finish, &reason)) {
		if (!reason)
			abort();
		return;
	}
	n = m2msec_msg_build_finish(&finish, out, sizeof(out));
	if (n != (int)len || memcmp(out, msg, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const u8 *msg;
	u8 offered;
	u8 *copy;
	size_t len;

	if (size < 1)
		return 0;
	offered = data[0];
	len = size - 1;
	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	msg = copy;
	check_init(msg, len);
	check_resp(msg, len, offered);
	check_finish(msg, len);
	free(copy);
	return 0;
}
