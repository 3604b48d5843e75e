/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error replies as RFC 9457 problem details (application/problem+json)
 * and the mapping of the kernel's handshake errno values to HTTP.
 */
#ifndef M2MD_PROBLEM_H
#define M2MD_PROBLEM_H

#include "http.h"

#define M2MD_PROBLEM_TYPE	"application/problem+json"

struct m2md_problem_kind {
	unsigned int status;
	const char *type;	/* URI naming the kind of problem */
	const char *title;
};

/*
 * Return the HTTP problem for a handshake errno (positive or negative),
 * as the m2msec uapi defines the errors; unknown values give 500.
 */
const struct m2md_problem_kind *m2md_problem_for_errno(int error);

/* Fill reply with a problem body; detail may be NULL. */
void m2md_reply_problem(struct m2md_reply *reply, unsigned int status,
			const char *type, const char *title,
			const char *detail);
/* Fill reply with the problem of errno error and a detail text. */
void m2md_reply_errno(struct m2md_reply *reply, int error,
		      const char *detail);
/* Return the standard reason phrase of an HTTP status. */
const char *m2md_status_phrase(unsigned int status);

#endif /* M2MD_PROBLEM_H */
