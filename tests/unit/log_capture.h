/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture of what the code under test writes to stderr, for the tests of
 * log lines. One capture at a time.
 */
#ifndef M2M_TEST_LOG_CAPTURE_H
#define M2M_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static FILE *log_file;
static int saved_stderr = -1;

/* Send stderr to a fresh temporary file. */
static inline void capture_start(void)
{
	fflush(stderr);
	log_file = tmpfile();
	saved_stderr = dup(STDERR_FILENO);
	if (!log_file || saved_stderr < 0 ||
	    dup2(fileno(log_file), STDERR_FILENO) < 0) {
		printf("cannot redirect stderr\n");
		exit(2);
	}
}

/*
 * Restore stderr, read what was written to it into buf and return its
 * length.
 */
static inline size_t capture_end(char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(log_file);
	n = fread(buf, 1, len - 1, log_file);
	buf[n] = '\0';
	fclose(log_file);
	return n;
}

#endif /* M2M_TEST_LOG_CAPTURE_H */
