// SPDX-License-Identifier: GPL-2.0
/* The admin socket of both roles, and handshakes without the module. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "log.h"
#include "problem.h"

/* Create the directory of path when it is missing (one level only). */
static int m2md_admin_mkdir(const char *path)
{
	char dir[M2MD_SOCKET_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (!mkdir(dir, 0750) || errno == EEXIST)
		return 0;
	m2m_err("cannot start: cannot create the directory %s of admin-socket: %s (set admin-socket to another path, or to \"\" for none)",
		dir, strerror(errno));
	return -1;
}

int m2md_admin_start(const struct m2md_config *cfg,
		     const struct m2md_route *routes, size_t nroutes,
		     struct m2md_http **out)
{
	char err[512];

	*out = NULL;
	if (!cfg->admin_socket[0])
		return 0;
	if (m2md_admin_mkdir(cfg->admin_socket))
		return -1;
	if (m2md_http_start_unix(cfg->admin_socket, cfg->threads,
				 cfg->max_body, routes, nroutes, out, err,
				 sizeof(err))) {
		m2m_err("cannot start the admin socket %s: %s (set admin-socket to another path, or to \"\" for none)",
			cfg->admin_socket, err);
		return -1;
	}
	m2m_info("admin socket: serving on %s for root and uid %u",
		 cfg->admin_socket, (unsigned int)getuid());
	return 0;
}

void m2md_handshake_unavailable(void *ctx, const struct m2md_request *req,
				struct m2md_reply *reply)
{
	m2md_reply_problem(reply, 503, NULL, NULL,
			   "handshakes need the m2msec kernel module, which this m2md does not use (kernel = no)");
}
