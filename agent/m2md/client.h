/* SPDX-License-Identifier: GPL-2.0 */
/* HTTP client of the gateway role towards the NSCL, on libcurl. */
#ifndef M2MD_CLIENT_H
#define M2MD_CLIENT_H

#include <stddef.h>

/*
 * POST body to url. Returns the HTTP status (0 when no response came)
 * and, for an error status, a short reason in err (the problem detail
 * when the server sent one, else the transfer error).
 */
long m2md_client_post(const char *url, const char *content_type,
		      const void *body, size_t len, long timeout_ms,
		      char *err, size_t errlen);

#endif /* M2MD_CLIENT_H */
