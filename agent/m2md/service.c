// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "service.h"

/* The last STATUS= text, sent again with READY=1 after a reload. */
static char m2md_service_text[256];

static void m2md_service_send(const char *state)
{
	int ret = sd_notify(0, state);

	if (ret < 0)
		m2m_warn("sd_notify of '%s' failed: error %d", state, -ret);
}

static void m2md_service_vstatus(const char *fmt, va_list ap)
{
	vsnprintf(m2md_service_text, sizeof(m2md_service_text), fmt, ap);
}

void m2md_service_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	m2md_service_vstatus(fmt, ap);
	va_end(ap);
	m2md_service_reloaded();
}

void m2md_service_status(const char *fmt, ...)
{
	char msg[sizeof(m2md_service_text) + 16];
	va_list ap;

	va_start(ap, fmt);
	m2md_service_vstatus(fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "STATUS=%s", m2md_service_text);
	m2md_service_send(msg);
}

void m2md_service_reloading(void)
{
	char msg[96];
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(msg, sizeof(msg),
		 "RELOADING=1\nSTATUS=reloading the config\nMONOTONIC_USEC=%" PRIu64,
		 (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000);
	m2md_service_send(msg);
}

void m2md_service_reloaded(void)
{
	char msg[sizeof(m2md_service_text) + 24];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", m2md_service_text);
	m2md_service_send(msg);
}

void m2md_service_stopping(void)
{
	m2md_service_send("STOPPING=1\nSTATUS=stopping");
}
