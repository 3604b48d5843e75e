/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Servers that both roles start around their HTTP listener: the admin
 * socket, where root and m2md's own user are the administrator, and the
 * 503 reply of the handshake paths when m2md runs with kernel = no.
 */
#ifndef M2MD_ADMIN_H
#define M2MD_ADMIN_H

#include "config.h"
#include "http.h"

/*
 * Serve routes on cfg->admin_socket, creating its directory (mode 0750)
 * when it is missing. Does nothing when admin-socket is "". Returns 0 or
 * -1 (logged).
 */
int m2md_admin_start(const struct m2md_config *cfg,
		     const struct m2md_route *routes, size_t nroutes,
		     struct m2md_http **out);

/* Route handler of the handshake paths without the kernel module. */
void m2md_handshake_unavailable(void *ctx, const struct m2md_request *req,
				struct m2md_reply *reply);

#endif /* M2MD_ADMIN_H */
