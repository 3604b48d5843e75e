/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notifications to the service manager (sd_notify(3)): READY=1 once m2md
 * serves, RELOADING=1 and READY=1 around a reload, STOPPING=1 at stop,
 * and STATUS= lines that describe what the daemon does. Without NOTIFY_SOCKET
 * in the environment these do nothing. Call them from the main thread.
 */
#ifndef M2MD_SERVICE_H
#define M2MD_SERVICE_H

/* Send READY=1 with a STATUS= line. */
void m2md_service_ready(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Send a STATUS= line, which a later READY=1 repeats. */
void m2md_service_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Send RELOADING=1 with the CLOCK_MONOTONIC time in MONOTONIC_USEC=. */
void m2md_service_reloading(void);
/* Send READY=1 again after a reload, with the last status. */
void m2md_service_reloaded(void);
void m2md_service_stopping(void);

#endif /* M2MD_SERVICE_H */
