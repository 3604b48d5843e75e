/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting checks for the native unit tests: a failed CHECK prints its
 * file, line and message and the test goes on, so one run lists every
 * failure. Each test program prints the totals and exits nonzero when
 * failures is not zero.
 */
#ifndef M2M_UNIT_CHECK_H
#define M2M_UNIT_CHECK_H

#include <stdio.h>

static int checks;
static int failures;

#define CHECK(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			failures++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

#endif /* M2M_UNIT_CHECK_H */
