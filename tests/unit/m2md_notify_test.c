// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's notification engine on real trees served over
 * HTTP on 127.0.0.1. It covers notifications to a contact server that
 * the test runs, minimalTimeBetweenNotifications, failing contacts, long
 * polling, the expiry sweeper, announcement to a second tree acting as
 * NSCL, and group fan-out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <microhttpd.h>

#include "m2md_test.h"
#include "notify.h"
#include "notify_priv.h"
#include "repr.h"
#include "tree.h"
#include "xml.h"

#define M2M_NS		"xmlns:m2m=\"http://uri.etsi.org/m2m\""
#define XML_TYPE	"application/xml"
/* A port of this test's range that nothing listens on. */
#define CLOSED_PORT	25999

static const char *const gscl_subs[] = {
	"scls", "applications", "containers", "groups", "accessRights",
	"subscriptions", "notificationChannels", NULL,
};
static const char *const nscl_subs[] = {
	"scls", "applications", "containers", "groups", "accessRights",
	"subscriptions", "notificationChannels", NULL,
};

/* What the contact server received, per path. */
#define CONTACT_PATHS	16

struct contact_path {
	char path[64];
	int count;
	char last[16384];
	size_t last_len;
};

static struct {
	pthread_mutex_t lock;
	struct contact_path paths[CONTACT_PATHS];
} contact = { .lock = PTHREAD_MUTEX_INITIALIZER };

static char gscl_base[64], contact_base[64];

struct upload {
	char data[16384];
	size_t len;
};

static void contact_record(const char *url, const struct upload *up)
{
	struct contact_path *p = NULL;
	size_t i;

	pthread_mutex_lock(&contact.lock);
	for (i = 0; i < CONTACT_PATHS; i++) {
		if (!contact.paths[i].path[0] ||
		    !strcmp(contact.paths[i].path, url)) {
			p = &contact.paths[i];
			break;
		}
	}
	if (p) {
		snprintf(p->path, sizeof(p->path), "%s", url);
		p->count++;
		memcpy(p->last, up->data, up->len);
		p->last[up->len] = '\0';
		p->last_len = up->len;
	}
	pthread_mutex_unlock(&contact.lock);
}

/* POSTs received at path, and a copy of the last body. */
static int contact_count(const char *path, char *last, size_t len)
{
	int count = 0;
	size_t i;

	pthread_mutex_lock(&contact.lock);
	for (i = 0; i < CONTACT_PATHS; i++) {
		if (strcmp(contact.paths[i].path, path))
			continue;
		count = contact.paths[i].count;
		if (last)
			snprintf(last, len, "%s", contact.paths[i].last);
	}
	pthread_mutex_unlock(&contact.lock);
	return count;
}

/* Record each POST. Paths starting with /fail get 500, others 200. */
static enum MHD_Result contact_handler(void *cls, struct MHD_Connection *conn,
				       const char *url, const char *method,
				       const char *version,
				       const char *upload_data,
				       size_t *upload_data_size, void **con_cls)
{
	struct upload *up = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t n;

	if (!up) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return up ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		n = *upload_data_size;
		if (n > sizeof(up->data) - 1 - up->len)
			n = sizeof(up->data) - 1 - up->len;
		memcpy(up->data + up->len, upload_data, n);
		up->len += n;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!strcmp(method, "POST"))
		contact_record(url, up);
	resp = MHD_create_response_from_buffer(0, (void *)"",
					       MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, strncmp(url, "/fail", 5) ? 200 : 500,
				 resp);
	MHD_destroy_response(resp);
	free(up);
	*con_cls = NULL;
	return ret;
}

static struct MHD_Daemon *contact_start(uint16_t *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG, 0, NULL, NULL, contact_handler,
			     NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
	if (!d) {
		printf("cannot start the contact server\n");
		exit(2);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info->port;
	return d;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait up to ms for contact path to have received want POSTs. */
static int wait_count(const char *path, int want, unsigned int ms)
{
	unsigned int waited;
	int count = 0;

	for (waited = 0; waited <= ms; waited += 20) {
		count = contact_count(path, NULL, 0);
		if (count >= want)
			break;
		sleep_ms(20);
	}
	return count;
}

static bool wait_gone(struct m2md_store *st, const char *path,
		      unsigned int ms)
{
	struct m2md_resource res;
	unsigned int waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (m2md_store_res_get(st, path, &res) == -ENOENT)
			return true;
		m2md_resource_free(&res);
		sleep_ms(20);
	}
	return false;
}

static bool wait_exists(struct m2md_store *st, const char *path,
			struct m2md_resource *out, unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (!m2md_store_res_get(st, path, out))
			return true;
		sleep_ms(20);
	}
	return false;
}

static long req(const char *method, const char *path, const char *ctype,
		const char *body)
{
	struct m2md_test_resp r;
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", gscl_base, path);
	m2md_test_request(method, url, ctype, NULL, body,
			  body ? strlen(body) : 0, &r);
	if (r.status >= 400)
		printf("  %s %s: %ld %s\n", method, path, r.status, r.body);
	return r.status;
}

static long post_xml(const char *coll, const char *body)
{
	return req("POST", coll, XML_TYPE, body);
}

static void make_app(const char *app)
{
	char body[256], coll[] = "/gscl/applications";

	snprintf(body, sizeof(body), "<m2m:application " M2M_NS
		 " appId=\"%s\"/>", app);
	CHECK(post_xml(coll, body) == 201, "application %s created", app);
}

static void make_container(const char *app, const char *name,
			   const char *inner)
{
	char body[1024], coll[256];

	snprintf(coll, sizeof(coll), "/gscl/applications/%s/containers", app);
	snprintf(body, sizeof(body), "<m2m:container " M2M_NS
		 " m2m:id=\"%s\">%s</m2m:container>", name, inner);
	CHECK(post_xml(coll, body) == 201, "container %s/%s created", app,
	      name);
}

static void make_sub(const char *subject, const char *name,
		     const char *inner, const char *contact_uri)
{
	char body[2048], coll[512];

	snprintf(coll, sizeof(coll), "%s/subscriptions", subject);
	snprintf(body, sizeof(body), "<m2m:subscription " M2M_NS
		 " m2m:id=\"%s\">%s<m2m:contact>%s</m2m:contact>"
		 "</m2m:subscription>", name, inner, contact_uri);
	CHECK(post_xml(coll, body) == 201, "subscription %s on %s created",
	      name, subject);
}

static long add_instance(const char *container, const char *text)
{
	char coll[512];

	snprintf(coll, sizeof(coll), "%s/contentInstances", container);
	return req("POST", coll, "text/plain", text);
}

/* Run xmllint on doc against the schema of its root element. */
static bool schema_valid(const char *doc, const char *root)
{
	char file[] = "/tmp/m2md-notify-XXXXXX", cmd[512];
	FILE *f;
	int fd = mkstemp(file), ret;

	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	fputs(doc, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "xmllint --nonet --noout --schema ../xsd/%s.xsd %s 2>&1",
		 root, file);
	ret = system(cmd);
	unlink(file);
	return ret == 0;
}

/* The text of the first element named name in doc, malloc'ed. */
static char *element_text(const char *doc, const char *name)
{
	xmlDocPtr d = xmlReadMemory(doc, strlen(doc), NULL, NULL,
				    XML_PARSE_NONET);
	xmlNodePtr node = d ? xmlDocGetRootElement(d) : NULL;
	xmlNodePtr stack[64];
	size_t depth = 0;
	char *text = NULL;

	while (node && !text) {
		if (node->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(node->name, BAD_CAST name)) {
			xmlChar *t = xmlNodeGetContent(node);

			text = strdup((char *)t);
			xmlFree(t);
			break;
		}
		if (node->children && depth < 64) {
			stack[depth++] = node->next;
			node = node->children;
			continue;
		}
		node = node->next;
		while (!node && depth)
			node = stack[--depth];
	}
	xmlFreeDoc(d);
	return text;
}

/* The resource XML carried in a <notify>, malloc'ed. */
static char *notify_repr(const char *doc)
{
	char *b64 = element_text(doc, "representation");
	unsigned char *out = NULL;
	size_t len = 0;
	char *text = NULL;

	if (b64 && !m2md_base64_decode(b64, strlen(b64), &out, &len)) {
		text = malloc(len + 1);
		memcpy(text, out, len);
		text[len] = '\0';
	}
	free(out);
	free(b64);
	return text;
}

static bool text_is(const char *doc, const char *name, const char *want)
{
	char *got = element_text(doc, name);
	bool ok = got && !strcmp(got, want);

	if (!ok)
		printf("  <%s> is '%s', expected '%s'\n", name,
		       got ? got : "(none)", want);
	free(got);
	return ok;
}

/* The decoded <content> of the contentInstance a <notify> carries. */
static bool notify_content_is(const char *doc, const char *want)
{
	char *repr = notify_repr(doc), *b64;
	unsigned char *content = NULL;
	size_t len = 0;
	bool ok = false;

	b64 = repr ? element_text(repr, "content") : NULL;
	if (b64 && !m2md_base64_decode(b64, strlen(b64), &content, &len))
		ok = len == strlen(want) && !memcmp(content, want, len);
	if (!ok)
		printf("  notified content is not '%s'\n", want);
	free(content);
	free(b64);
	free(repr);
	return ok;
}

static int count_one(const struct m2md_resource *res, void *ctx)
{
	(*(int64_t *)ctx)++;
	return 0;
}

/* contentInstances of a container (its collection has other children). */
static int64_t count_instances(struct m2md_store *st, const char *container)
{
	char coll[512];
	int64_t count = 0;

	snprintf(coll, sizeof(coll), "%s/contentInstances", container);
	if (m2md_store_ci_query(st, coll, NULL, count_one, &count))
		return -1;
	return count;
}

static void test_notify_once_per_change(void)
{
	const char *c = "/gscl/applications/na/containers/c";
	char contact_uri[128], last[16384];
	int count;

	make_app("na");
	make_container("na", "c", "");
	snprintf(contact_uri, sizeof(contact_uri), "%s/once", contact_base);
	make_sub(c, "s1", "", contact_uri);
	CHECK(add_instance(c, "v1") == 201, "instance 1 created");
	CHECK(add_instance(c, "v2") == 201, "instance 2 created");
	CHECK(add_instance(c, "v3") == 201, "instance 3 created");
	count = wait_count("/once", 3, 5000);
	sleep_ms(300);
	count = contact_count("/once", last, sizeof(last));
	CHECK(count == 3, "%d notifications for 3 instances, expected 3",
	      count);
	CHECK(schema_valid(last, "notify"), "notify valid against notify.xsd");
	CHECK(text_is(last, "statusCode", "STATUS_OK"), "statusCode");
	CHECK(text_is(last, "subscriptionReference",
		      "/gscl/applications/na/containers/c/subscriptions/s1"),
	      "subscriptionReference");
	CHECK(notify_content_is(last, "v3"), "last notification carries v3");
}

static void test_notify_collection_subject(void)
{
	const char *coll =
		"/gscl/applications/na/containers/c2/contentInstances";
	char contact_uri[128];
	int count;

	make_container("na", "c2", "");
	snprintf(contact_uri, sizeof(contact_uri), "%s/coll", contact_base);
	make_sub(coll, "s1", "", contact_uri);
	CHECK(add_instance("/gscl/applications/na/containers/c2", "x") == 201,
	      "instance created");
	count = wait_count("/coll", 1, 5000);
	sleep_ms(200);
	count = contact_count("/coll", NULL, 0);
	CHECK(count == 1, "%d notifications on contentInstances, expected 1",
	      count);
}

static void test_notify_filter(void)
{
	const char *c = "/gscl/applications/na/containers/flt";
	char contact_uri[128], inner[256], when[M2MD_XML_TIME_LEN];

	make_container("na", "flt", "");
	m2md_xml_format_time(time(NULL) + 3600, when);
	snprintf(inner, sizeof(inner),
		 "<m2m:filterCriteria><ifModifiedSince>%s</ifModifiedSince>"
		 "</m2m:filterCriteria>", when);
	snprintf(contact_uri, sizeof(contact_uri), "%s/future", contact_base);
	make_sub(c, "s1", inner, contact_uri);
	m2md_xml_format_time(time(NULL) - 3600, when);
	snprintf(inner, sizeof(inner),
		 "<m2m:filterCriteria><ifModifiedSince>%s</ifModifiedSince>"
		 "</m2m:filterCriteria>", when);
	snprintf(contact_uri, sizeof(contact_uri), "%s/past", contact_base);
	make_sub(c, "s2", inner, contact_uri);
	CHECK(add_instance(c, "x") == 201, "instance created");
	CHECK(wait_count("/past", 1, 5000) == 1,
	      "ifModifiedSince in the past lets the change through");
	sleep_ms(200);
	CHECK(contact_count("/future", NULL, 0) == 0,
	      "ifModifiedSince in the future filters the change out");
}

/*
 * Changes within minimalTimeBetweenNotifications of the first
 * notification merge into a single second one. That one cannot go before
 * start + MIN_INTERVAL_MS, so a check made before then does not depend on
 * the host's speed. A host too slow to make it in time skips that check.
 */
#define MIN_INTERVAL_MS	2000

static void test_notify_min_interval(void)
{
	const char *c = "/gscl/applications/na/containers/m";
	char contact_uri[128], last[16384], text[256];
	int64_t start, added, seen;
	int count, i;

	make_container("na", "m", "");
	snprintf(contact_uri, sizeof(contact_uri), "%s/merge", contact_base);
	snprintf(text, sizeof(text), "<m2m:minimalTimeBetweenNotifications>%d"
		 "</m2m:minimalTimeBetweenNotifications>", MIN_INTERVAL_MS);
	make_sub(c, "s1", text, contact_uri);
	start = m2md_now_ms();
	for (i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		CHECK(add_instance(c, text) == 201, "instance %d created", i);
	}
	added = m2md_now_ms() - start;
	count = wait_count("/merge", 1, 30000);
	seen = m2md_now_ms() - start;
	if (seen < MIN_INTERVAL_MS)
		CHECK(count == 1,
		      "%d notifications within the interval, expected 1",
		      count);
	else
		printf("SKIP count within the interval: first notification seen after %lld ms\n",
		       (long long)seen);
	count = wait_count("/merge", 2, 30000);
	CHECK(count >= 2, "%d notifications, expected a merged second one",
	      count);
	/* A third one would come MIN_INTERVAL_MS after the second. */
	sleep_ms(MIN_INTERVAL_MS + 300);
	count = contact_count("/merge", last, sizeof(last));
	if (added < MIN_INTERVAL_MS)
		CHECK(count == 2, "%d notifications for 5 changes, expected 2",
		      count);
	else
		printf("SKIP count of merged notifications: 5 changes took %lld ms\n",
		       (long long)added);
	CHECK(notify_content_is(last, "m5"),
	      "merged notification carries the latest state");
}

static void test_notify_failing_contact(struct m2md_store *st)
{
	const char *c = "/gscl/applications/na/containers/f";
	const char *sub = "/gscl/applications/na/containers/f/subscriptions/s1";
	char contact_uri[128];
	int count;

	make_container("na", "f", "");
	snprintf(contact_uri, sizeof(contact_uri), "%s/fail", contact_base);
	make_sub(c, "s1", "", contact_uri);
	CHECK(add_instance(c, "x") == 201, "instance created");
	CHECK(wait_gone(st, sub, 10000),
	      "subscription deleted after failures");
	count = contact_count("/fail", NULL, 0);
	CHECK(count == M2MD_NOTIFY_FAILS_MAX,
	      "%d delivery attempts, expected %d", count,
	      M2MD_NOTIFY_FAILS_MAX);
	CHECK(add_instance(c, "y") == 201, "instance created");
	sleep_ms(300);
	CHECK(contact_count("/fail", NULL, 0) == count,
	      "no attempt after the subscription was deleted");
}

static void test_notify_subject_deleted(void)
{
	const char *c = "/gscl/applications/na/containers/d";
	char contact_uri[128], last[16384];
	int count;

	make_container("na", "d", "");
	snprintf(contact_uri, sizeof(contact_uri), "%s/deleted",
		 contact_base);
	make_sub(c, "s1", "", contact_uri);
	CHECK(req("DELETE", c, NULL, NULL) == 204, "container deleted");
	count = wait_count("/deleted", 1, 5000);
	CHECK(count == 1, "%d notifications of the deletion, expected 1",
	      count);
	contact_count("/deleted", last, sizeof(last));
	CHECK(text_is(last, "statusCode", "STATUS_DELETED"),
	      "statusCode of a deleted subject");
	CHECK(schema_valid(last, "notify"), "notify valid against notify.xsd");
}

static void poll_channel(struct m2md_notify *n, const char *ch,
			 struct m2md_reply *reply)
{
	char path[512];
	struct m2md_request r = { .method = M2MD_GET };

	snprintf(path, sizeof(path), "%s/longPolling", ch);
	r.path = path;
	r.target = path;
	memset(reply, 0, sizeof(*reply));
	m2md_notify_long_poll(n, ch, &r, reply);
}

static void test_long_poll(struct m2md_notify *n)
{
	const char *ch = "/gscl/applications/na/notificationChannels/ch";
	const char *c = "/gscl/applications/na/containers/lp";
	struct m2md_test_resp r;
	struct m2md_reply reply;
	char url[512];
	int64_t start, took;

	CHECK(post_xml("/gscl/applications/na/notificationChannels",
		       "<m2m:notificationChannel " M2M_NS " m2m:id=\"ch\">"
		       "<m2m:channelType>LONG_POLLING</m2m:channelType>"
		       "</m2m:notificationChannel>") == 201,
	      "notificationChannel created");
	make_container("na", "lp", "");
	make_sub(c, "s1", "", ch);
	CHECK(add_instance(c, "p1") == 201, "instance created");

	poll_channel(n, ch, &reply);
	CHECK(reply.status == 200, "long poll: %u, expected 200",
	      reply.status);
	CHECK(reply.body != NULL, "long poll has a body");
	if (reply.body) {
		CHECK(notify_content_is((char *)reply.body, "p1"),
		      "long poll returns the queued notify");
		CHECK(schema_valid((char *)reply.body, "notify"),
		      "polled notify valid against notify.xsd");
	}
	free(reply.body);

	start = m2md_now_ms();
	poll_channel(n, ch, &reply);
	took = m2md_now_ms() - start;
	CHECK(reply.status == 204, "empty long poll: %u, expected 204",
	      reply.status);
	CHECK(took >= 250, "empty long poll returned after %lld ms, before the timeout",
	      (long long)took);
	free(reply.body);

	/* Through the tree's route too. */
	CHECK(add_instance(c, "p2") == 201, "instance created");
	snprintf(url, sizeof(url), "%s%s/longPolling", gscl_base, ch);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &r);
	CHECK(r.status == 200, "GET longPolling: %ld, expected 200", r.status);
	CHECK(notify_content_is(r.body, "p2"), "GET longPolling returns p2");

	CHECK(add_instance(c, "p3") == 201, "instance created");
	m2md_test_request("GET", url, NULL, "application/json", NULL, 0, &r);
	CHECK(r.status == 200, "GET longPolling as JSON: %ld, expected 200",
	      r.status);
	CHECK(!strncmp(r.content_type, "application/json", 16),
	      "long poll Content-Type is %s", r.content_type);
	CHECK(strstr(r.body, "\"notify\"") != NULL,
	      "JSON long poll returns a notify object");

	poll_channel(n, "/gscl/applications/na/containers/lp", &reply);
	CHECK(reply.status == 404, "poll of a container: %u, expected 404",
	      reply.status);
	free(reply.body);
}

static void test_sweeper(struct m2md_store *st)
{
	const char *c = "/gscl/applications/na/containers/exp";
	const char *aged = "/gscl/applications/na/containers/aged";
	char inner[256], when[M2MD_XML_TIME_LEN], contact_uri[128];
	char last[16384], ci_path[M2MD_RES_PATH_MAX] = "";
	struct m2md_resource ci = { 0 };
	int64_t count;
	int i;

	m2md_xml_format_time(time(NULL) + 2, when);
	snprintf(inner, sizeof(inner),
		 "<m2m:expirationTime>%s</m2m:expirationTime>", when);
	make_container("na", "exp", inner);
	snprintf(contact_uri, sizeof(contact_uri), "%s/expired",
		 contact_base);
	make_sub(c, "s1", "", contact_uri);
	CHECK(add_instance(c, "e1") == 201, "instance created");
	CHECK(m2md_store_res_edge(st, "/gscl/applications/na/containers/exp/contentInstances",
				  true, &ci) == 0, "instance stored");
	memcpy(ci_path, ci.path, sizeof(ci_path));
	m2md_resource_free(&ci);
	CHECK(wait_gone(st, c, 6000), "expired container deleted");
	CHECK(wait_gone(st, ci_path, 100), "its instance deleted");
	CHECK(wait_count("/expired", 2, 3000) >= 1, "subscriber notified");
	contact_count("/expired", last, sizeof(last));
	CHECK(text_is(last, "statusCode", "STATUS_EXPIRED"),
	      "statusCode of an expired subject");

	make_container("na", "aged",
		       "<m2m:maxInstanceAge>1</m2m:maxInstanceAge>");
	CHECK(add_instance(aged, "old") == 201, "instance created");
	CHECK(count_instances(st, aged) == 1, "instance stored");
	/* The sweeper deletes it some time after its age passes 1 s. */
	for (i = 0; i < 1500 && (count = count_instances(st, aged)) > 0; i++)
		sleep_ms(20);
	CHECK(count == 0, "%lld instances older than maxInstanceAge left",
	      (long long)count);
}

static void test_announce(struct m2md_notify *n, struct m2md_store *nscl,
			  const char *nscl_base)
{
	const char *annc = "/nscl/scls/gw1/applications/an";
	const char *cannc = "/nscl/scls/gw1/applications/an/containers/c";
	const char *to = "<m2m:announceTo><m2m:sclList><reference>nscl"
			 "</reference></m2m:sclList></m2m:announceTo>";
	struct json_object *attrs, *link;
	struct m2md_resource res;
	char body[1024];
	char **search = NULL;
	int i, ret = -1;

	snprintf(body, sizeof(body), "<m2m:application " M2M_NS
		 " appId=\"an\">%s</m2m:application>", to);
	CHECK(post_xml("/gscl/applications", body) == 201,
	      "announced application created");
	sleep_ms(300);
	CHECK(m2md_store_res_get(nscl, annc, &res) == -ENOENT,
	      "nothing announced while the NSCL is unreachable");
	m2md_notify_set_announce_base(n, nscl_base);
	CHECK(wait_exists(nscl, annc, &res, 5000), "application announced");
	CHECK(!strcmp(res.type, "applicationAnnc"), "announced as %s",
	      res.type);
	attrs = m2md_repr_attrs(&res);
	link = NULL;
	CHECK(json_object_object_get_ex(attrs, "link", &link),
	      "announcement has a link");
	CHECK(link && !strcmp(json_object_get_string(link),
			      "/gscl/applications/an"),
	      "link is %s, expected /gscl/applications/an",
	      link ? json_object_get_string(link) : "(none)");
	json_object_put(attrs);
	m2md_resource_free(&res);

	make_container("an", "c", to);
	CHECK(wait_exists(nscl, cannc, &res, 5000),
	      "container announced under the application's announcement");
	CHECK(!strcmp(res.type, "containerAnnc"), "announced as %s",
	      res.type);
	m2md_resource_free(&res);

	snprintf(body, sizeof(body), "<m2m:application " M2M_NS ">"
		 "<m2m:searchStrings><m2m:searchString>roof"
		 "</m2m:searchString></m2m:searchStrings>%s"
		 "</m2m:application>", to);
	CHECK(req("PUT", "/gscl/applications/an", XML_TYPE, body) == 200,
	      "announced application updated");
	for (i = 0; i < 1500; i++) {
		ret = m2md_store_res_search(nscl, annc, &search);
		if (!ret && search && search[0] && !strcmp(search[0], "roof"))
			break;
		m2md_strv_free(search);
		search = NULL;
		sleep_ms(20);
	}
	CHECK(ret == 0, "searchStrings of the announcement read");
	CHECK(search && search[0] && !strcmp(search[0], "roof"),
	      "update carried to the announcement");
	m2md_strv_free(search);

	CHECK(req("PUT", "/gscl/applications/an/containers/c", XML_TYPE,
		  "<m2m:container " M2M_NS "><m2m:announceTo><m2m:sclList>"
		  "<reference>elsewhere</reference></m2m:sclList>"
		  "</m2m:announceTo></m2m:container>") == 200,
	      "container no longer announced to the NSCL");
	CHECK(wait_gone(nscl, cannc, 5000), "container de-announced");

	CHECK(req("DELETE", "/gscl/applications/an", NULL, NULL) == 204,
	      "announced application deleted");
	CHECK(wait_gone(nscl, annc, 5000), "application de-announced");
}

/* Whether the <status> of member in a membersContentResponses has code. */
static bool member_status_is(const char *doc, const char *member,
			     const char *code)
{
	char attr[512], want[128];
	const char *at, *status;

	snprintf(attr, sizeof(attr), "id=\"%s\"", member);
	snprintf(want, sizeof(want), "<statusCode>%s</statusCode>", code);
	at = strstr(doc, attr);
	if (!at) {
		printf("  no status for member %s\n", member);
		return false;
	}
	status = strstr(at, "<statusCode>");
	return status && !strncmp(status, want, strlen(want));
}

static void test_fanout(struct m2md_notify *n, struct m2md_store *st)
{
	struct m2md_principal who = { .kind = M2MD_PRINCIPAL_APP };
	struct m2md_principal admin = { .kind = M2MD_PRINCIPAL_ADMIN };
	struct m2md_request r = { .method = M2MD_GET };
	struct m2md_reply reply = { 0 };
	struct m2md_test_resp resp;
	char *doc, *id, url[256], body[512];
	int64_t count;

	make_app("ga");
	make_app("gb");
	make_container("ga", "c", "");
	make_container("gb", "c", "");
	CHECK(post_xml("/gscl/groups", "<m2m:group " M2M_NS " m2m:id=\"g\">"
		       "<m2m:members>"
		       "<reference>/gscl/applications/ga/containers/c</reference>"
		       "<reference>/gscl/applications/gb/containers/c</reference>"
		       "</m2m:members></m2m:group>") == 201, "group created");

	snprintf(who.id, sizeof(who.id), "ga");
	r.path = "/gscl/groups/g/membersContent";
	r.target = r.path;
	m2md_group_fanout(n, "/gscl/groups/g", "", &r, &who, &reply);
	CHECK(reply.status == 200, "fan-out: %u, expected 200", reply.status);
	doc = reply.body ? (char *)reply.body : "";
	CHECK(schema_valid(doc, "membersContent"),
	      "reply valid against membersContent.xsd");
	CHECK(member_status_is(doc, "/gscl/applications/ga/containers/c",
			       "STATUS_OK"),
	      "allowed member returned STATUS_OK");
	CHECK(member_status_is(doc, "/gscl/applications/gb/containers/c",
			       "STATUS_PERMISSION_DENIED"),
	      "forbidden member returned STATUS_PERMISSION_DENIED");
	free(reply.body);

	snprintf(url, sizeof(url), "%s/gscl/groups/g/membersContent",
		 gscl_base);
	m2md_test_request("GET", url, NULL, NULL, NULL, 0, &resp);
	CHECK(resp.status == 200, "GET membersContent: %ld, expected 200",
	      resp.status);
	CHECK(member_status_is(resp.body, "/gscl/applications/gb/containers/c",
			       "STATUS_OK"),
	      "membersContent over HTTP reaches each member");

	/* Members over HTTP, and a member URI of another scheme. */
	snprintf(body, sizeof(body), "<m2m:group " M2M_NS " m2m:id=\"remote\">"
		 "<m2m:members><reference>%s/member</reference>"
		 "<reference>ftp://127.0.0.1/x</reference></m2m:members>"
		 "</m2m:group>", contact_base);
	CHECK(post_xml("/gscl/groups", body) == 201, "remote group created");
	memset(&reply, 0, sizeof(reply));
	r.path = "/gscl/groups/remote/membersContent";
	r.target = r.path;
	m2md_group_fanout(n, "/gscl/groups/remote", "", &r, &admin, &reply);
	CHECK(reply.status == 200, "remote fan-out: %u, expected 200",
	      reply.status);
	doc = reply.body ? (char *)reply.body : "";
	snprintf(url, sizeof(url), "%s/member", contact_base);
	CHECK(member_status_is(doc, url, "STATUS_OK"),
	      "http member returned STATUS_OK");
	CHECK(member_status_is(doc, "ftp://127.0.0.1/x", "STATUS_BAD_REQUEST"),
	      "ftp member returned STATUS_BAD_REQUEST");
	CHECK(schema_valid(doc, "membersContent"),
	      "remote reply valid against membersContent.xsd");
	free(reply.body);

	/* A group that is its own member stops at the nesting limit. */
	CHECK(post_xml("/gscl/groups", "<m2m:group " M2M_NS " m2m:id=\"loop\">"
		       "<m2m:members>"
		       "<reference>/gscl/groups/loop/membersContent</reference>"
		       "</m2m:members></m2m:group>") == 201,
	      "self-referencing group created");
	memset(&reply, 0, sizeof(reply));
	r.path = "/gscl/groups/loop/membersContent";
	r.target = r.path;
	m2md_group_fanout(n, "/gscl/groups/loop", "", &r, &admin, &reply);
	CHECK(reply.status == 200, "nested fan-out: %u, expected 200",
	      reply.status);
	free(reply.body);

	memset(&reply, 0, sizeof(reply));
	r.method = M2MD_POST;
	r.path = "/gscl/groups/g/membersContent/contentInstances";
	r.target = r.path;
	r.content_type = "text/plain";
	r.body = (const unsigned char *)"21";
	r.body_len = 2;
	m2md_group_fanout(n, "/gscl/groups/g", "/contentInstances", &r,
			  &admin, &reply);
	CHECK(reply.status == 200, "fan-out POST: %u, expected 200",
	      reply.status);
	doc = reply.body ? (char *)reply.body : "";
	id = strstr(doc, "STATUS_CREATED");
	CHECK(id != NULL, "first member created an instance");
	CHECK(id && strstr(id + 1, "STATUS_CREATED"),
	      "second member created an instance");
	free(reply.body);
	count = count_instances(st, "/gscl/applications/gb/containers/c");
	CHECK(count == 1, "gb's container has %lld instances, expected 1",
	      (long long)count);
	count = count_instances(st, "/gscl/applications/ga/containers/c");
	CHECK(count == 1, "ga's container has %lld instances, expected 1",
	      (long long)count);
}

struct env {
	char dir[64], ndir[64];
	struct m2md_store *store, *nstore;
	struct m2md_tree tree, ntree;
	struct m2md_route route, nroute;
	struct m2md_http *http, *nhttp;
	struct MHD_Daemon *contact;
	char nscl_base[64];
};

static void env_start(struct env *e)
{
	const char *key = "nscl_id", *value = "nscl";
	unsigned int all = M2MD_GET | M2MD_POST | M2MD_PUT | M2MD_DELETE;
	char err[256], closed[64];
	uint16_t port;

	m2md_test_tmpdir(e->dir, sizeof(e->dir));
	m2md_test_tmpdir(e->ndir, sizeof(e->ndir));
	if (m2md_store_open(e->dir, &e->store, err, sizeof(err)) ||
	    m2md_store_open(e->ndir, &e->nstore, err, sizeof(err)) ||
	    m2md_tree_init(&e->tree, e->store, "/gscl", gscl_subs, NULL) ||
	    m2md_tree_init(&e->ntree, e->nstore, "/nscl", nscl_subs, NULL) ||
	    m2md_tree_create(&e->ntree, "/nscl/scls", "scl", "gw1", NULL, 0,
			     NULL, NULL) ||
	    m2md_store_kv_set(e->store, &key, &value, 1)) {
		printf("setup failed: %s\n", err);
		exit(2);
	}
	snprintf(e->tree.scl_id, sizeof(e->tree.scl_id), "gw1");
	e->route = (struct m2md_route){ .path = "/gscl", .prefix = true,
		.methods = all, .fn = m2md_tree_handle, .ctx = &e->tree };
	e->nroute = (struct m2md_route){ .path = "/nscl", .prefix = true,
		.methods = all, .fn = m2md_tree_handle, .ctx = &e->ntree };
	if (m2md_http_start("127.0.0.1", 0, 4, 1 << 20, &e->route, 1,
			    &e->http, err, sizeof(err)) ||
	    m2md_http_start("127.0.0.1", 0, 4, 1 << 20, &e->nroute, 1,
			    &e->nhttp, err, sizeof(err))) {
		printf("cannot start the HTTP servers: %s\n", err);
		exit(2);
	}
	snprintf(gscl_base, sizeof(gscl_base), "http://127.0.0.1:%u",
		 m2md_http_port(e->http));
	snprintf(e->nscl_base, sizeof(e->nscl_base),
		 "http://127.0.0.1:%u/nscl", m2md_http_port(e->nhttp));
	e->contact = contact_start(&port);
	snprintf(contact_base, sizeof(contact_base), "http://127.0.0.1:%u",
		 port);

	m2md_notify_backoff_ms = 20;
	m2md_long_poll_ms = 300;
	m2md_sweep_period_ms = 200;
	snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/nscl",
		 CLOSED_PORT);
	e->tree.notify = m2md_notify_start(&e->tree, closed, 2000);
	if (!e->tree.notify) {
		printf("cannot start the notification engine\n");
		exit(2);
	}
}

/*
 * An announced application deleted while the engine is stopped (as when
 * m2md was down) is de-announced when the engine starts again.
 */
static void announce_restart(struct env *e)
{
	const char *annc = "/nscl/scls/gw1/applications/ar";
	struct m2md_resource res;

	CHECK(post_xml("/gscl/applications", "<m2m:application " M2M_NS
		       " appId=\"ar\"><m2m:announceTo><m2m:sclList>"
		       "<reference>nscl</reference></m2m:sclList>"
		       "</m2m:announceTo></m2m:application>") == 201,
	      "announced application created");
	CHECK(wait_exists(e->nstore, annc, &res, 5000),
	      "application announced");
	m2md_resource_free(&res);

	m2md_notify_stop(e->tree.notify);
	e->tree.notify = NULL;
	CHECK(m2md_store_res_delete(e->store, "/gscl/applications/ar",
				    time(NULL)) >= 1,
	      "application deleted while the engine is stopped");
	e->tree.notify = m2md_notify_start(&e->tree, e->nscl_base, 2000);
	CHECK(e->tree.notify != NULL, "engine started again");
	CHECK(wait_gone(e->nstore, annc, 5000),
	      "announcement deleted after the restart");
}

static void env_stop(struct env *e)
{
	m2md_http_stop(e->http);
	m2md_http_stop(e->nhttp);
	m2md_notify_stop(e->tree.notify);
	MHD_stop_daemon(e->contact);
	m2md_store_close(e->store);
	m2md_store_close(e->nstore);
	m2md_test_rmdir(e->dir);
	m2md_test_rmdir(e->ndir);
}

int main(void)
{
	static struct env e;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	env_start(&e);
	test_notify_once_per_change();
	test_notify_collection_subject();
	test_notify_filter();
	test_notify_min_interval();
	test_notify_failing_contact(e.store);
	test_notify_subject_deleted();
	test_long_poll(e.tree.notify);
	test_sweeper(e.store);
	test_announce(e.tree.notify, e.nstore, e.nscl_base);
	announce_restart(&e);
	test_fanout(e.tree.notify, e.store);
	env_stop(&e);
	curl_global_cleanup();
	return m2md_test_done("m2md_notify_test");
}
