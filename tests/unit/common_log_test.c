// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the agent's logging to stderr: the "<N>" priority prefix
 * that journald reads, the priority filter, and one line per message
 * whatever the message contains.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "check.h"

/* Read what was logged into a file that replaced stderr. */
static size_t read_log(FILE *f, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	return n;
}

int main(void)
{
	char buf[4096];
	int saved;
	FILE *f;

	f = tmpfile();
	saved = dup(STDERR_FILENO);
	if (!f || saved < 0 || dup2(fileno(f), STDERR_FILENO) < 0) {
		printf("cannot redirect stderr\n");
		return 2;
	}

	m2m_log_init("test", false, LOG_INFO);
	m2m_err("handshake with node %s failed", "0f06");
	m2m_dbg("not logged at LOG_INFO");
	m2m_warn("peer sent \"a\nb\rc\x1b[31m\"");
	m2m_info("%s", "last");
	read_log(f, buf, sizeof(buf));

	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(f);

	CHECK(!strncmp(buf, "<3>handshake with node 0f06 failed\n", 35),
	      "error line has prefix <3>: \"%s\"", buf);
	CHECK(strstr(buf, "not logged") == NULL,
	      "debug message is filtered at LOG_INFO");
	CHECK(strstr(buf, "<4>peer sent \"a?b?c?[31m\"\n") != NULL,
	      "control characters become '?': \"%s\"", buf);
	CHECK(strstr(buf, "<6>last\n") != NULL, "info line has prefix <6>");
	CHECK(strlen(buf) == 35 + 26 + 8,
	      "three lines and nothing else, got %zu bytes", strlen(buf));

	printf("%s: %d checks, %d failed\n", __FILE__, checks, failures);
	return failures ? 1 : 0;
}
