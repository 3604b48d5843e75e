// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/m2msec.h>

#include "log.h"
#include "network.h"
#include "problem.h"
#include "signals.h"

static const char *const m2md_nscl_subs[] = { "scls", "applications", NULL };

/*
 * Return in scl_id the SCL that a creation under parent belongs to: the
 * new scl itself, or the one in "<root>/scls/<sclId>/...". Returns false
 * for creations outside nscl/scls.
 */
static bool m2md_nscl_owner(const struct m2md_tree *tree, const char *parent,
			    const char *type, const char *name, char *scl_id,
			    size_t len)
{
	char prefix[96];
	size_t plen;
	const char *rest;

	snprintf(prefix, sizeof(prefix), "%s/scls", tree->root);
	plen = strlen(prefix);
	if (strncmp(parent, prefix, plen))
		return false;
	if (!parent[plen]) {
		snprintf(scl_id, len, "%s", name);
		return !strcmp(type, "scl");
	}
	if (parent[plen] != '/')
		return false;
	rest = parent + plen + 1;
	snprintf(scl_id, len, "%.*s", (int)strcspn(rest, "/"), rest);
	return true;
}

static int m2md_nscl_authorize(struct m2md_tree *tree, const char *parent,
			       const char *type, const char *name,
			       struct m2md_reply *reply)
{
	struct m2md_network *net = tree->ops.ctx;
	char scl_id[M2MSEC_STR_MAX + 1], detail[512];

	if (!m2md_nscl_owner(tree, parent, type, name, scl_id, sizeof(scl_id)))
		return 0;
	/*
	 * NOTE: the requester is not yet authenticated by its service
	 * connection (mId security on the HTTP channel comes later), so
	 * this check relies only on the sclId named in the request having
	 * a current connection.
	 */
	if (m2md_store_connection_current(net->store, scl_id, time(NULL)))
		return 0;
	snprintf(detail, sizeof(detail),
		 "sclId '%s' has no current service connection; connect first",
		 scl_id);
	m2md_reply_problem(reply, 403, NULL, NULL, detail);
	m2m_warn("nscl: %s %s under %s rejected: %s", type, name, parent,
		 detail);
	return -1;
}

static void m2md_nscl_created(struct m2md_tree *tree,
			      const struct m2md_resource *res,
			      const struct m2md_request *req,
			      struct m2md_reply *reply)
{
	if (!strcmp(res->type, "scl"))
		m2m_info("nscl: registered scl %s at %s", res->name,
			 res->path);
}

int m2md_network_setup(struct m2md_network *net,
		       const struct m2md_config *cfg, struct m2md_store *store,
		       const struct m2md_kops *kops)
{
	struct m2md_tree_ops ops = {
		.authorize = m2md_nscl_authorize,
		.created = m2md_nscl_created,
		.ctx = net,
	};
	int ret;

	memset(net, 0, sizeof(*net));
	net->cfg = cfg;
	net->store = store;
	m2md_responder_init(&net->responder, kops, store, cfg);
	ret = m2md_tree_init(&net->tree, store, "/nscl", m2md_nscl_subs, &ops);
	if (ret) {
		m2md_responder_destroy(&net->responder);
		return ret;
	}
	net->routes[0] = (struct m2md_route){
		"/m2msec/bootstrap", false, M2MD_POST, M2MSEC_MSG_MAX,
		m2md_responder_handle, &net->responder.bootstrap };
	net->routes[1] = (struct m2md_route){
		"/m2msec/connect", false, M2MD_POST, M2MSEC_MSG_MAX,
		m2md_responder_handle, &net->responder.connect };
	net->routes[2] = (struct m2md_route){
		"/nscl", true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE,
		0, m2md_tree_handle, &net->tree };
	return 0;
}

void m2md_network_teardown(struct m2md_network *net)
{
	m2md_responder_destroy(&net->responder);
}

int m2md_network_run(const struct m2md_config *cfg)
{
	struct m2md_network net;
	struct m2md_store *store = NULL;
	struct m2md_http *http = NULL;
	struct m2md_kops kops = { 0 };
	struct m2m_nl_err nlerr = { 0 };
	struct m2m_nl *nl;
	char err[512];
	int sig, ret = 1;

	if (m2md_store_open(cfg->state_dir, &store, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		return 1;
	}
	nl = m2m_nl_open(&nlerr);
	if (!nl) {
		m2m_err("cannot start: m2msec generic netlink family: %s",
			nlerr.msg);
		goto out_store;
	}
	if (m2md_kops_nl(&kops, nl)) {
		m2m_err("cannot start: out of memory");
		goto out_nl;
	}
	if (m2md_network_setup(&net, cfg, store, &kops)) {
		m2m_err("cannot start: cannot create the /nscl tree");
		goto out_nl;
	}
	if (m2md_http_start(cfg->listen_addr, cfg->listen_port, cfg->threads,
			    cfg->max_body, net.routes, M2MD_NETWORK_ROUTES,
			    &http, err, sizeof(err))) {
		m2m_err("cannot start: %s", err);
		goto out_net;
	}
	m2m_info("started: role network, listening on %s:%u, state dir %s, keyring %s, nscl id %s, mas fqdn %s",
		 cfg->listen_addr, m2md_http_port(http), cfg->state_dir,
		 cfg->keyring_name, cfg->nscl_id, cfg->mas_fqdn);
	sig = m2md_signals_wait(-1);
	m2m_info("stopping on %s", sig ? strsignal(sig) : "an error");
	m2md_http_stop(http);
	ret = 0;
out_net:
	m2md_network_teardown(&net);
out_nl:
	m2md_kops_nl_free(&kops);
	m2m_nl_close(nl);
out_store:
	m2md_store_close(store);
	if (!ret)
		m2m_info("stopped");
	return ret;
}
