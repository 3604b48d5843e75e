/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MSEC_SELFTEST_H
#define _M2MSEC_SELFTEST_H

/*
 * Runs the known-answer self-tests and prints one pass line per group.
 * Returns 0, or -EINVAL after a line that names the failed case.
 */
int m2msec_selftest_run(void);

#endif /* _M2MSEC_SELFTEST_H */
