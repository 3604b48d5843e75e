/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signals: SIGTERM and SIGINT (stop) and SIGHUP (reload the config) are
 * blocked in every thread and taken synchronously by the main thread,
 * while it waits in m2md_signals_wait().
 */
#ifndef M2MD_SIGNALS_H
#define M2MD_SIGNALS_H

/*
 * Block SIGTERM, SIGINT and SIGHUP and ignore SIGPIPE. Call before
 * starting any thread, so that every thread inherits the mask.
 */
void m2md_signals_block(void);
/*
 * Wait up to timeout_ms (negative: forever) for SIGTERM or SIGINT, and
 * reload the config for each SIGHUP meanwhile (m2md_reload()). Sends
 * STOPPING=1 to the service manager on a stop signal. Returns the
 * signal number, or 0 when the time ran out.
 */
int m2md_signals_wait(long timeout_ms);

#endif /* M2MD_SIGNALS_H */
