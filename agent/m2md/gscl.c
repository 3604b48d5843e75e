// SPDX-License-Identifier: GPL-2.0
/*
 * Local GSCL tree of the gateway role. A reading stored under
 * /gscl/applications/<app>/containers/<c>/contentInstances is also sent
 * to the NSCL's copy of that container.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "gateway.h"
#include "log.h"
#include "reload.h"
#include "xml.h"

static const char *const m2md_gscl_subs[] = { "applications", NULL };

/*
 * Create a named resource on the NSCL. Returns the HTTP status: 201, or
 * 409 when it exists already.
 */
static long m2md_remote_create(struct m2md_gateway *gw, const char *url,
			      const char *type, const char *name, char *err,
			      size_t errlen)
{
	char *body = NULL;
	size_t len = 0;
	long status;

	if (m2md_tree_create_body(type, name, &body, &len)) {
		snprintf(err, errlen, "cannot write a <%s> named %s", type,
			 name);
		return 0;
	}
	status = m2md_client_post(url, M2MD_XML_TYPE, body, len,
				  m2md_live_http_timeout(gw->cfg->http_timeout_ms),
				  err, errlen);
	free(body);
	/* A client that creates resources in a loop can repeat this line. */
	if (status == 201)
		m2m_info_ratelimited("gscl: created %s %s on the NSCL at %s",
				     type, name, url);
	return status;
}

long m2md_gateway_forward(struct m2md_gateway *gw, const char *scl_id,
			  const char *app, const char *container,
			  const char *content_type, const void *body,
			  size_t len, char *err, size_t errlen)
{
	char apps[M2MD_GW_BASE_MAX + 3 * 256], conts[sizeof(apps) + 300];
	char cis[sizeof(conts) + 32], base[M2MD_GW_BASE_MAX];
	long status;

	m2md_gateway_nscl_base(gw, base, sizeof(base));
	snprintf(apps, sizeof(apps), "%s/scls/%s/applications", base, scl_id);
	snprintf(conts, sizeof(conts), "%s/%s/containers", apps, app);
	snprintf(cis, sizeof(cis), "%s/%s/contentInstances", conts, container);
	status = m2md_client_post(cis, content_type, body, len,
				  m2md_live_http_timeout(gw->cfg->http_timeout_ms),
				  err, errlen);
	if (status != 404)
		return status;
	status = m2md_remote_create(gw, apps, "application", app, err, errlen);
	if (status != 201 && status != 409)
		return status;
	status = m2md_remote_create(gw, conts, "container", container, err,
				    errlen);
	if (status != 201 && status != 409)
		return status;
	return m2md_client_post(cis, content_type, body, len,
				m2md_live_http_timeout(gw->cfg->http_timeout_ms),
				err, errlen);
}

/* Split "<root>/applications/<app>/containers/<c>/contentInstances". */
static int m2md_gscl_split(const char *root, const char *parent, char *app,
			   char *container, size_t len)
{
	char fmt_prefix[96];
	const char *p, *slash;
	size_t plen;

	plen = snprintf(fmt_prefix, sizeof(fmt_prefix), "%s/applications/",
			root);
	if (strncmp(parent, fmt_prefix, plen))
		return -1;
	p = parent + plen;
	slash = strchr(p, '/');
	if (!slash || (size_t)(slash - p) >= len ||
	    strncmp(slash, "/containers/", 12))
		return -1;
	snprintf(app, len, "%.*s", (int)(slash - p), p);
	p = slash + 12;
	slash = strchr(p, '/');
	if (!slash || (size_t)(slash - p) >= len ||
	    strcmp(slash, "/contentInstances"))
		return -1;
	snprintf(container, len, "%.*s", (int)(slash - p), p);
	return 0;
}

static void m2md_gscl_created(struct m2md_tree *tree,
			      const struct m2md_resource *res,
			      const struct m2md_request *req,
			      struct m2md_reply *reply)
{
	struct m2md_gateway *gw = tree->ops.ctx;
	char app[256], container[256], scl_id[256], err[512];
	long status;

	if (strcmp(res->type, "contentInstance") ||
	    m2md_gscl_split(tree->root, res->parent, app, container,
			    sizeof(app)))
		return;
	if (m2md_store_kv_get(gw->store, M2MD_GW_SCL_ID, scl_id,
			      sizeof(scl_id))) {
		m2m_warn_ratelimited("gscl: reading %s kept locally only: no SCL id yet (not bootstrapped)",
				     res->path);
		return;
	}
	/* res carries the content: a <contentInstance> body was decoded. */
	status = m2md_gateway_forward(gw, scl_id, app, container,
				      res->content_type[0] ? res->content_type :
				      "application/octet-stream", res->data,
				      res->len, err, sizeof(err));
	if (status == 201)
		m2m_dbg_ratelimited("gscl: forwarded reading %s (%zu bytes) to the NSCL as scl %s",
				    res->path, res->len, scl_id);
	else
		m2m_err_ratelimited("gscl: cannot forward reading %s to the NSCL: %s",
				    res->path, err);
}

void m2md_gateway_nscl_base(struct m2md_gateway *gw, char *buf, size_t len)
{
	pthread_mutex_lock(&gw->base_lock);
	snprintf(buf, len, "%s", gw->nscl_base);
	pthread_mutex_unlock(&gw->base_lock);
}

void m2md_gateway_set_nscl_base(struct m2md_gateway *gw, const char *base)
{
	pthread_mutex_lock(&gw->base_lock);
	snprintf(gw->nscl_base, sizeof(gw->nscl_base), "%s", base);
	pthread_mutex_unlock(&gw->base_lock);
}

int m2md_gateway_setup(struct m2md_gateway *gw,
		       const struct m2md_config *cfg,
		       struct m2md_store *store)
{
	struct m2md_tree_ops ops = {
		.created = m2md_gscl_created,
		.ctx = gw,
	};
	int ret;

	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->store = store;
	pthread_mutex_init(&gw->base_lock, NULL);
	snprintf(gw->nscl_base, sizeof(gw->nscl_base), "%s", cfg->nscl_base);
	ret = m2md_tree_init(&gw->tree, store, "/gscl", m2md_gscl_subs, &ops);
	if (ret)
		return ret;
	gw->routes[0] = (struct m2md_route){
		"/gscl", true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE,
		0, m2md_tree_handle, &gw->tree };
	return 0;
}
