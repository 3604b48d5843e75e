/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clean shutdown: SIGTERM and SIGINT are blocked in every thread and
 * taken synchronously by the main thread.
 */
#ifndef M2MD_SIGNALS_H
#define M2MD_SIGNALS_H

/* Block SIGTERM, SIGINT and SIGPIPE; call before starting any thread. */
void m2md_signals_block(void);
/*
 * Wait up to timeout_ms (negative: forever) for SIGTERM or SIGINT.
 * Returns the signal number, or 0 when the time ran out.
 */
int m2md_signals_wait(long timeout_ms);

#endif /* M2MD_SIGNALS_H */
