// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "reload.h"
#include "service.h"
#include "signals.h"

/* The signals that the main thread takes with sigwaitinfo(). */
static void m2md_stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * Handle a signal taken by m2md_signals_wait(): SIGHUP reloads the
 * config and the wait goes on. Returns the signal for a stop, else 0.
 */
static int m2md_signals_take(int sig)
{
	if (sig == SIGHUP) {
		m2md_reload();
		return 0;
	}
	m2md_service_stopping();
	return sig;
}

void m2md_signals_block(void)
{
	sigset_t set;

	m2md_stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* A peer closing its socket must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
}

int m2md_signals_wait(long timeout_ms)
{
	struct timespec ts, end, now;
	sigset_t set;
	int sig;

	m2md_stop_set(&set);
	if (timeout_ms < 0) {
		for (;;) {
			sig = sigwaitinfo(&set, NULL);
			if (sig < 0 && errno == EINTR)
				continue;
			if (sig < 0)
				return 0;
			if (m2md_signals_take(sig))
				return sig;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		ts.tv_sec = end.tv_sec - now.tv_sec;
		ts.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (ts.tv_nsec < 0) {
			ts.tv_sec--;
			ts.tv_nsec += 1000000000L;
		}
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0 && m2md_signals_take(sig))
			return sig;
		if (sig > 0)
			continue;
		if (errno != EINTR && errno != EAGAIN)
			return 0;
	}
}
