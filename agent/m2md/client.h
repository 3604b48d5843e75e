/* SPDX-License-Identifier: GPL-2.0 */
/* HTTP client of m2md on libcurl: towards the NSCL, contacts, members. */
#ifndef M2MD_CLIENT_H
#define M2MD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * POST body to url. Returns the HTTP status (0 when no response came)
 * and, for an error status, a short reason in err (the problem detail
 * when the server sent one, else the transfer error).
 */
long m2md_client_post(const char *url, const char *content_type,
		      const void *body, size_t len, long timeout_ms,
		      char *err, size_t errlen);

/* Largest reply body that m2md_client_send() keeps. */
#define M2MD_CLIENT_BODY_MAX	(1024 * 1024)

/* Reply to a request of m2md_client_send(). */
struct m2md_client_reply {
	long status;			/* HTTP status, 0 = no response */
	unsigned char *body;		/* malloc'ed, NUL-terminated */
	size_t len;
	char content_type[128];
	char location[1024];
	char etag[64];
	char last_modified[64];		/* the header as sent */
	unsigned int retry_after;	/* seconds, 0 = no header */
};

/* One request of m2md_client_send(); NULL fields are not sent. */
struct m2md_client_req {
	const char *method;		/* "GET", "POST", "PUT", "DELETE" */
	const char *url;		/* http:// or https:// only */
	const char *content_type;
	const char *accept;
	const void *body;
	size_t len;
	long timeout_ms;		/* whole transfer; 0 = 10 s */
};

/*
 * Send req and fill reply (free it with m2md_client_reply_free()).
 * Returns the HTTP status, or 0 when no response came, with the reason
 * in err. A URL of another scheme than http or https is refused before
 * anything is sent, and redirects are not followed, because the URLs
 * come from clients (contacts, group members).
 */
long m2md_client_send(const struct m2md_client_req *req,
		      struct m2md_client_reply *reply, char *err,
		      size_t errlen);
void m2md_client_reply_free(struct m2md_client_reply *reply);

#endif /* M2MD_CLIENT_H */
