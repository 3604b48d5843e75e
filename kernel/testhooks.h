/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands that exist only in test builds (M2MSEC_TEST_HOOKS), so a test
 * can put the test vectors' keys on a live device.
 */
#ifndef _M2MSEC_TESTHOOKS_H
#define _M2MSEC_TESTHOOKS_H

#ifdef M2MSEC_TEST_HOOKS
#include <net/genetlink.h>

int m2msec_nl_test_vector_key(struct sk_buff *skb, struct genl_info *info);
#endif

#endif /* _M2MSEC_TESTHOOKS_H */
