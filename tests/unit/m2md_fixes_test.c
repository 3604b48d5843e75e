// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of resource tree rules at their edges: who may set an
 * accessRightID on update and on create, a create whose collection is
 * deleted while it runs, query parameters given twice, %00 in a target
 * and HEAD over HTTP, contacts that never answer, and members and
 * contacts inside the tunnel prefixes. Requests go to
 * m2md_tree_dispatch() with a principal, on a real state database.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "config.h"
#include "log.h"
#include "m2md_test.h"
#include "notify_priv.h"
#include "tree.h"

#define ROOT		"/gscl"
#define APPS		ROOT "/applications"
#define XML		"application/xml"
#define NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""

static struct m2md_tree tree;

static const struct m2md_principal admin = { M2MD_PRINCIPAL_ADMIN, "" };
static const struct m2md_principal app2 = { M2MD_PRINCIPAL_APP, "app2" };
static const struct m2md_principal app3 = { M2MD_PRINCIPAL_APP, "app3" };

struct resp {
	unsigned int status;
	char body[16384];
};

/* Send method on target (path, then ?query with no escapes) as who. */
static unsigned int call(const struct m2md_principal *who, const char *method,
			 const char *target, const char *body, struct resp *r)
{
	static char path[1024], query[1024];
	struct m2md_arg args[M2MD_ARGS_MAX];
	struct m2md_request req = {
		.method = m2md_method_parse(method),
		.path = path,
		.content_type = body ? XML : NULL,
		.body = (const unsigned char *)body,
		.body_len = body ? strlen(body) : 0,
		.binding = M2MD_BINDING_HTTP,
		.target = target,
		.args = args,
	};
	struct m2md_reply reply = { .status = 500 };
	const char *q = strchr(target, '?');
	char *p, *amp, *eq;

	snprintf(path, sizeof(path), "%.*s",
		 (int)(q ? (size_t)(q - target) : strlen(target)), target);
	snprintf(query, sizeof(query), "%s", q ? q + 1 : "");
	for (p = q ? query : NULL; p && *p && req.nargs < M2MD_ARGS_MAX;
	     p = amp) {
		amp = strchr(p, '&');
		if (amp)
			*amp++ = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		args[req.nargs].name = p;
		args[req.nargs++].value = eq ? eq : "";
	}
	m2md_tree_dispatch(&tree, &req, who, &reply);
	r->status = reply.status;
	snprintf(r->body, sizeof(r->body), "%.*s", (int)reply.len,
		 reply.body ? (const char *)reply.body : "");
	free(reply.body);
	return r->status;
}

static void expect(const struct resp *r, unsigned int status,
		   const char *what)
{
	CHECK(r->status == status, "%s: %u (want %u) %.300s", what,
	      r->status, status, r->body);
}

static void expect_has(const struct resp *r, const char *text,
		       const char *what)
{
	CHECK(strstr(r->body, text) != NULL, "%s: '%s' in %.300s", what,
	      text, r->body);
}

/* An accessRight id in coll granting flags to app3, self READ to app2. */
static void make_right(const char *coll, const char *id, const char *flags)
{
	char body[2048];
	struct resp r;

	snprintf(body, sizeof(body),
		 "<m2m:accessRight " NS " m2m:id=\"%s\"><m2m:permissions>"
		 "<m2m:permission m2m:id=\"p\"><m2m:permissionFlags>%s"
		 "</m2m:permissionFlags><m2m:permissionHolders>"
		 "<m2m:applicationIDs><m2m:applicationID>app3"
		 "</m2m:applicationID></m2m:applicationIDs>"
		 "</m2m:permissionHolders></m2m:permission></m2m:permissions>"
		 "<m2m:selfPermissions><m2m:permission m2m:id=\"s\">"
		 "<m2m:permissionFlags><m2m:flag>READ</m2m:flag>"
		 "</m2m:permissionFlags><m2m:permissionHolders>"
		 "<m2m:applicationIDs><m2m:applicationID>app2"
		 "</m2m:applicationID></m2m:applicationIDs>"
		 "</m2m:permissionHolders></m2m:permission>"
		 "</m2m:selfPermissions></m2m:accessRight>", id, flags);
	call(&app2, "POST", coll, body, &r);
	expect(&r, 201, "app2 creates an accessRight");
}

#define FLAG(x)		"<m2m:flag>" x "</m2m:flag>"
#define CONT2		APPS "/app2/containers"
#define AR2		APPS "/app2/accessRights"

/*
 * app3 has WRITE on app2's container through an accessRight, but that
 * must not let it swap in an accessRight that grants it everything.
 */
static void test_acl_change(void)
{
	struct resp r;

	call(&app2, "POST", APPS,
	     "<m2m:application " NS " appId=\"app2\"/>", &r);
	expect(&r, 201, "app2 registers");
	call(&app3, "POST", APPS,
	     "<m2m:application " NS " appId=\"app3\"/>", &r);
	expect(&r, 201, "app3 registers");
	make_right(AR2, "rw", FLAG("READ") FLAG("WRITE") FLAG("CREATE"));
	make_right(AR2, "all", FLAG("READ") FLAG("WRITE") FLAG("CREATE")
		   FLAG("DELETE") FLAG("DISCOVER"));
	call(&app2, "POST", CONT2,
	     "<m2m:container " NS " m2m:id=\"c\"><m2m:accessRightID>" AR2
	     "/rw</m2m:accessRightID></m2m:container>", &r);
	expect(&r, 201, "the owner names an accessRightID at create");

	call(&app3, "PUT", CONT2 "/c",
	     "<m2m:container " NS "><m2m:maxNrOfInstances>5"
	     "</m2m:maxNrOfInstances></m2m:container>", &r);
	expect(&r, 200, "app3 updates with WRITE");
	call(&app3, "PUT", CONT2 "/c",
	     "<m2m:container " NS "><m2m:accessRightID>" AR2
	     "/rw</m2m:accessRightID></m2m:container>", &r);
	expect(&r, 200, "app3 repeats the same accessRightID");
	call(&app3, "PUT", CONT2 "/c",
	     "<m2m:container " NS "><m2m:accessRightID>" AR2
	     "/all</m2m:accessRightID></m2m:container>", &r);
	expect(&r, 403, "app3 swaps in a wider accessRight");
	expect_has(&r, "app3", "403 names the principal");
	expect_has(&r, "accessRightID", "403 names the operation");
	expect_has(&r, CONT2 "/c", "403 names the path");
	call(&admin, "GET", CONT2 "/c", NULL, &r);
	expect_has(&r, AR2 "/rw<", "the accessRightID is unchanged");
	call(&app3, "DELETE", CONT2 "/c", NULL, &r);
	expect(&r, 403, "app3 still may not delete");
	call(&app3, "PUT", CONT2 "/c",
	     "<m2m:container " NS "><m2m:accessRightID></m2m:accessRightID>"
	     "</m2m:container>", &r);
	expect(&r, 403, "app3 may not drop the accessRightID either");

	/* Create: app3 has CREATE in the application "shared" only. */
	call(&admin, "POST", APPS,
	     "<m2m:application " NS " appId=\"shared\"><m2m:accessRightID>"
	     AR2 "/rw</m2m:accessRightID></m2m:application>", &r);
	expect(&r, 201, "admin registers an application app3 may create in");
	call(&app3, "POST", APPS "/shared/containers",
	     "<m2m:container " NS " m2m:id=\"plain\"/>", &r);
	expect(&r, 201, "app3 creates with CREATE");
	call(&app3, "POST", APPS "/app3/containers",
	     "<m2m:container " NS " m2m:id=\"own\"><m2m:accessRightID>" AR2
	     "/all</m2m:accessRightID></m2m:container>", &r);
	expect(&r, 201, "app3 names any accessRight below its own tree");
	call(&app3, "POST", APPS "/shared/containers",
	     "<m2m:container " NS " m2m:id=\"wide\"><m2m:accessRightID>" AR2
	     "/all</m2m:accessRightID></m2m:container>", &r);
	expect(&r, 403, "app3 creates with a wider accessRightID");
	expect_has(&r, "app3", "403 names the principal");
	expect_has(&r, "accessRightID", "403 names the operation");
	expect_has(&r, APPS "/shared/containers", "403 names the path");
	call(&admin, "GET", APPS "/shared/containers/wide", NULL, &r);
	expect(&r, 404, "the refused create left nothing");
}

/* Delete the container above parent, as if another request did. */
static int delete_parent(struct m2md_tree *t, const char *parent,
			 const char *type, const char *name,
			 const struct m2md_request *req,
			 struct m2md_reply *reply)
{
	char path[M2MD_RES_PATH_MAX];
	char *slash;

	snprintf(path, sizeof(path), "%s", parent);
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	m2md_store_res_delete(t->store, path, time(NULL));
	return 0;
}

static void test_deleted_parent(void)
{
	struct resp r;

	call(&admin, "POST", CONT2,
	     "<m2m:container " NS " m2m:id=\"gone2\"/>", &r);
	expect(&r, 201, "second container to be deleted");
	tree.ops.authorize = delete_parent;
	call(&admin, "POST", CONT2 "/gone2/contentInstances", "<x/>", &r);
	expect(&r, 404, "contentInstance in a container deleted meanwhile");
	expect_has(&r, "no resource at " CONT2 "/gone2/contentInstances",
		   "404 names the collection");
	tree.ops.authorize = NULL;
}

static void test_repeated_params(void)
{
	static const char *const twice[] = {
		ROOT "/discovery?maxSize=1&maxSize=5000",
		ROOT "/discovery?searchPrefix=/a&searchPrefix=/b",
		ROOT "/containers/q/contentInstances?createdAfter=1&createdAfter=2",
		ROOT "/containers/q/contentInstances?sizeFrom=1&contentType=a&sizeFrom=2",
		ROOT "/containers/q?ifNoneMatch=x&ifNoneMatch=y",
	};
	struct resp r;
	size_t i;

	call(&admin, "POST", ROOT "/containers",
	     "<m2m:container " NS " m2m:id=\"q\"/>", &r);
	expect(&r, 201, "container to query");
	for (i = 0; i < sizeof(twice) / sizeof(twice[0]); i++) {
		call(&admin, "GET", twice[i], NULL, &r);
		expect(&r, 400, twice[i]);
		expect_has(&r, "more than once", "400 says why");
	}
	call(&admin, "GET", ROOT "/discovery?maxSize=1&maxSize=5000", NULL,
	     &r);
	expect_has(&r, "maxSize", "400 names the parameter");
	call(&admin, "GET", ROOT "/discovery?searchString=a&searchString=b",
	     NULL, &r);
	expect(&r, 200, "searchString may repeat");
}

static const struct m2md_route routes[] = {
	{ ROOT, true, M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE, 0,
	  m2md_tree_handle, &tree },
};

/* HEAD of url: the status, with Content-Type and bytes of body seen. */
static long head(const char *url, char *ctype, size_t len, size_t *body)
{
	struct m2md_test_resp r = { 0 };
	CURL *curl = curl_easy_init();
	long status = 0;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_test_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, m2md_test_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	snprintf(ctype, len, "%s", r.content_type);
	*body = r.len;
	return status;
}

/* %00 in the target is refused, HEAD works wherever GET does. */
static void test_http(void)
{
	struct m2md_http *http;
	struct m2md_test_resp r;
	char err[256], base[64], url[256], ctype[128];
	size_t body;

	if (m2md_http_start("127.0.0.1", 0, 2, 65536, routes, 1, &http, err,
			    sizeof(err))) {
		CHECK(0, "HTTP server starts: %s", err);
		return;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 m2md_http_port(http));
	snprintf(url, sizeof(url), "%s" ROOT "/containers/q%%00x", base);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &r);
	CHECK(r.status == 400, "GET q%%00x is 400: %ld %s", r.status, r.body);
	CHECK(strstr(r.body, "%00") != NULL, "400 says why: %s", r.body);
	snprintf(url, sizeof(url), "%s" ROOT "/discovery?searchString=a%%00b",
		 base);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &r);
	CHECK(r.status == 400, "searchString=a%%00b is 400: %ld", r.status);
	snprintf(url, sizeof(url), "%s" ROOT "/containers/q%%2500x", base);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &r);
	CHECK(r.status == 404, "an escaped %%25 is no NUL: %ld", r.status);

	snprintf(url, sizeof(url), "%s" ROOT "/containers/q", base);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &r);
	CHECK(r.status == 200, "GET q is 200: %ld", r.status);
	CHECK(r.len > 0, "GET q has a body");
	CHECK(head(url, ctype, sizeof(ctype), &body) == 200,
	      "HEAD of a container is 200");
	CHECK(!strcmp(ctype, r.content_type), "HEAD has GET's Content-Type: %s",
	      ctype);
	CHECK(body == 0, "HEAD has no body: %zu bytes", body);
	snprintf(url, sizeof(url), "%s" ROOT "/containers/nothing", base);
	CHECK(head(url, ctype, sizeof(ctype), &body) == 404,
	      "HEAD of a missing resource is 404");
	m2md_http_stop(http);
}

/* POSTs the healthy contact received. */
static struct {
	pthread_mutex_t lock;
	int count;
} healthy = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Answer each request at once with 200, counting the POSTs. */
static enum MHD_Result healthy_handler(void *cls, struct MHD_Connection *conn,
				       const char *url, const char *method,
				       const char *version,
				       const char *upload_data,
				       size_t *upload_data_size, void **con_cls)
{
	static int started;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!strcmp(method, "POST")) {
		pthread_mutex_lock(&healthy.lock);
		healthy.count++;
		pthread_mutex_unlock(&healthy.lock);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"",
					       MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int healthy_count(void)
{
	int count;

	pthread_mutex_lock(&healthy.lock);
	count = healthy.count;
	pthread_mutex_unlock(&healthy.lock);
	return count;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A loopback socket that listens but never accepts nor reads. */
static int stalled_listener(uint16_t *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&addr, &len)) {
		perror("stalled listener");
		exit(2);
	}
	*port = ntohs(addr.sin_port);
	return fd;
}

#define SUBS		ROOT "/containers/q/subscriptions"
#define STALLED_SUBS	10
/* How long a stalled delivery keeps its worker busy: the HTTP timeout. */
#define STALL_MS	30000

/*
 * Ten subscriptions whose contact accepts connections and never answers
 * must not delay the notification of a healthy one: it arrives before
 * the first stalled delivery times out, however busy the host is.
 */
static void test_slow_contact(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	char body[512];
	int64_t start;
	uint16_t port;
	struct resp r;
	int fd, i, before;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     healthy_handler, NULL, MHD_OPTION_SOCK_ADDR,
			     &addr, MHD_OPTION_END);
	if (!d) {
		CHECK(0, "healthy contact starts");
		return;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fd = stalled_listener(&port);
	m2md_notify_backoff_ms = 50;
	tree.notify = m2md_notify_start(&tree, "", STALL_MS);
	CHECK(tree.notify != NULL, "notification engine starts");
	if (!tree.notify)
		goto out;
	/* The engine looks at the newest subscriptions first. */
	snprintf(body, sizeof(body),
		 "<m2m:subscription " NS " m2m:id=\"healthy\"><m2m:contact>"
		 "http://127.0.0.1:%u/n</m2m:contact></m2m:subscription>",
		 info->port);
	call(&admin, "POST", SUBS, body, &r);
	expect(&r, 201, "healthy subscription");
	for (i = 0; i < STALLED_SUBS; i++) {
		snprintf(body, sizeof(body),
			 "<m2m:subscription " NS " m2m:id=\"stalled%d\">"
			 "<m2m:contact>http://127.0.0.1:%u/s%d</m2m:contact>"
			 "</m2m:subscription>", i, port, i);
		call(&admin, "POST", SUBS, body, &r);
		expect(&r, 201, "stalled subscription");
	}
	before = healthy_count();
	start = now_ms();
	call(&admin, "POST", ROOT "/containers/q/contentInstances", "<x/>",
	     &r);
	expect(&r, 201, "instance to notify");
	while (healthy_count() == before && now_ms() - start < STALL_MS * 2 / 3)
		usleep(10000);
	CHECK(healthy_count() > before,
	      "healthy contact notified in %lld ms (at most %d)",
	      (long long)(now_ms() - start), STALL_MS * 2 / 3);
	/* Closing the listener resets the stalled connections at once. */
	close(fd);
	fd = -1;
	m2md_notify_stop(tree.notify);
	tree.notify = NULL;
out:
	if (fd >= 0)
		close(fd);
	MHD_stop_daemon(d);
}

/* A subscription to q with contact; the status of its POST. */
static unsigned int sub_to(const char *id, const char *contact,
			   struct resp *r)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "<m2m:subscription " NS " m2m:id=\"%s\"><m2m:contact>%s"
		 "</m2m:contact></m2m:subscription>", id, contact);
	return call(&admin, "POST", SUBS, body, r);
}

/*
 * Group members and subscription contacts inside the tunnel prefixes,
 * by address or by a name that resolves there, are refused: the SCL
 * would send to them as itself.
 */
static void test_tunnel_prefix(void)
{
	static const char *const inside[] = {
		"http://10.66.0.5/x",
		"http://user@10.66.0.5:8080/x",
		"https://[fd00:1::7]:443/x",
		"http://[::ffff:10.66.0.9]/x",
		"http://0x0a420001/x",
	};
	static struct m2md_config cfg;
	struct resp r;
	size_t i;

	m2m_cidr_parse("fd00:1::/64", &cfg.tunnel_prefix, NULL, 0);
	m2m_cidr_parse("10.66.0.0/24", &cfg.tunnel_prefix4, NULL, 0);
	cfg.has_tunnel_prefix4 = true;
	tree.notify = m2md_notify_start(&tree, "", STALL_MS);
	CHECK(tree.notify != NULL, "notification engine starts");
	if (!tree.notify)
		return;
	m2md_notify_set_tunnel(tree.notify, &cfg);
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		sub_to("in", inside[i], &r);
		expect(&r, 400, inside[i]);
		expect_has(&r, "inside the tunnel prefix", "400 says why");
	}
	sub_to("out", "http://127.0.0.1:9/x", &r);
	expect(&r, 201, "a contact outside the prefixes");

	call(&admin, "POST", ROOT "/groups",
	     "<m2m:group " NS " m2m:id=\"g\"><m2m:members>"
	     "<reference>http://10.66.0.7/x</reference>"
	     "<reference>http://[fd00:1::8]/y</reference>"
	     "</m2m:members></m2m:group>", &r);
	expect(&r, 201, "group with members inside");
	call(&admin, "GET", ROOT "/groups/g/membersContent", NULL, &r);
	expect(&r, 200, "fan-out");
	CHECK(strstr(r.body, "STATUS_PERMISSION_DENIED") &&
	      strstr(strstr(r.body, "STATUS_PERMISSION_DENIED") + 1,
		     "STATUS_PERMISSION_DENIED"),
	      "both members refused: %.600s", r.body);

	/* A DNS name that resolves into a prefix. */
	m2m_cidr_parse("127.0.0.0/8", &cfg.tunnel_routes[0], NULL, 0);
	cfg.n_tunnel_routes = 1;
	m2md_notify_set_tunnel(tree.notify, &cfg);
	sub_to("name", "http://localhost:9/x", &r);
	expect(&r, 400, "a name resolving inside");
	expect_has(&r, "127.0.0.1", "400 names the address");
	m2md_notify_stop(tree.notify);
	tree.notify = NULL;
}

int main(void)
{
	struct m2md_store *store;
	char dir[64], err[256] = "";

	m2m_log_init("m2md_fixes_test", false, LOG_WARNING);
	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, ROOT, NULL, NULL)) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	test_acl_change();
	test_deleted_parent();
	test_repeated_params();
	test_http();
	test_slow_contact();
	test_tunnel_prefix();
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_fixes_test");
}
