// SPDX-License-Identifier: GPL-2.0
/*
 * libmicrohttpd glue. The route is chosen when the headers arrive, so an
 * unknown path, a wrong method or a declared Content-Length over the
 * route's limit gets its error reply before any body is read. A chunked
 * body that grows past the limit is read and discarded, then rejected
 * with 413.
 *
 * State lives per connection, not per request: the body buffer, the
 * request target and the query parameters are reused by each request of
 * a keep-alive connection, so a request allocates only its reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "kmauth.h"
#include "log.h"
#include "problem.h"
#include "reload.h"
#include "tree.h"

/*
 * Maximum length of the request target (path and query as sent), which
 * is kept for the Kma signature. Longer targets get 414. The size leaves
 * room for M2MD_ARGS_MAX percent-encoded values of 256 bytes.
 */
#define M2MD_HTTP_TARGET_MAX	16384
/* A body buffer larger than this is freed after its request. */
#define M2MD_HTTP_KEEP_BODY	65536
/* Seconds without data after which libmicrohttpd closes a connection. */
#define M2MD_HTTP_IDLE_TIMEOUT	30

struct m2md_http {
	struct MHD_Daemon *daemon;
	const struct m2md_route *routes;
	size_t nroutes;
	size_t max_body;
	uint16_t port;
	bool is_unix;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * State of one connection, kept as MHD's socket context and handed to
 * each of its requests as con_cls. A connection serves one request at a
 * time, on one thread.
 */
struct m2md_http_conn {
	struct m2md_http *http;
	bool has_peer_cred;
	uint32_t peer_uid;
	/* The current request. */
	bool begun;
	const struct m2md_route *route;
	unsigned char *body;
	size_t len;
	size_t cap;
	size_t limit;
	bool too_large;
	bool target_too_long;
	bool target_nul;	/* "%00" in the target as sent */
	size_t nargs;
	struct m2md_arg args[M2MD_ARGS_MAX];
	char target[M2MD_HTTP_TARGET_MAX];
};

/* Format t as an IMF-fixdate (RFC 9110), e.g. "Fri, 04 Dec 2026 21:00:00 GMT". */
static void m2md_http_date(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void m2md_add_headers(struct MHD_Response *resp,
			     const struct m2md_reply *reply)
{
	char value[64];

	if (reply->content_type[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					reply->content_type);
	if (reply->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
					reply->location);
	if (reply->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					reply->allow);
	if (reply->retry_after) {
		snprintf(value, sizeof(value), "%u", reply->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					value);
	}
	if (reply->etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG,
					reply->etag);
	if (reply->last_modified) {
		m2md_http_date(reply->last_modified, value, sizeof(value));
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED,
					value);
	}
	if (reply->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					M2M_KMAUTH_SCHEME " realm=\"m2md\"");
}

static enum MHD_Result m2md_send(struct MHD_Connection *conn,
				 struct m2md_reply *reply)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(reply->len, reply->body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(reply->body);
		reply->body = NULL;
		return MHD_NO;
	}
	reply->body = NULL;
	m2md_add_headers(resp, reply);
	ret = MHD_queue_response(conn, reply->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result m2md_send_problem(struct MHD_Connection *conn,
					 unsigned int status,
					 const char *detail,
					 const char *allow)
{
	struct m2md_reply reply = { 0 };

	m2md_reply_problem(&reply, status, NULL, NULL, detail);
	if (allow)
		snprintf(reply.allow, sizeof(reply.allow), "%s", allow);
	return m2md_send(conn, &reply);
}

static const char *m2md_header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/*
 * Send an error of a request that route took: an <errorInfo> on the
 * resource tree's routes, a problem body on the others.
 */
static enum MHD_Result m2md_send_error(struct MHD_Connection *conn,
				       const struct m2md_route *route,
				       unsigned int status,
				       const char *detail)
{
	struct m2md_request req = { 0 };
	struct m2md_reply reply = { 0 };

	if (route->fn != m2md_tree_handle)
		return m2md_send_problem(conn, status, detail, NULL);
	req.accept = m2md_header(conn, MHD_HTTP_HEADER_ACCEPT);
	req.content_type = m2md_header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	m2md_reply_error(&req, &reply, status, detail);
	return m2md_send(conn, &reply);
}

/*
 * Start of a request, before MHD decodes its target: keep the target as
 * sent, which a Kma signature covers, and hand the connection's state to
 * the request as its con_cls.
 */
static void *m2md_http_uri(void *cls, const char *uri,
			   struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;
	struct m2md_http_conn *hc;
	size_t len = strlen(uri);

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	hc = info ? info->socket_context : NULL;
	if (!hc)
		return NULL;
	/*
	 * MHD decodes path and query into C strings, where a %00 would cut
	 * "priv%00x" to "priv": such a target is refused before routing.
	 */
	hc->target_nul = strstr(uri, "%00") != NULL;
	hc->target_too_long = len >= sizeof(hc->target);
	if (hc->target_too_long)
		len = 0;
	memcpy(hc->target, uri, len);
	hc->target[len] = '\0';
	return hc;
}

static void m2md_http_peer_cred(struct m2md_http_conn *hc,
				struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED,
				&cred, &len))
		return;
	hc->has_peer_cred = true;
	hc->peer_uid = cred.uid;
}

static void m2md_http_connection(void *cls, struct MHD_Connection *conn,
				 void **socket_context,
				 enum MHD_ConnectionNotificationCode toe)
{
	struct m2md_http *http = cls;
	struct m2md_http_conn *hc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (hc)
			free(hc->body);
		free(hc);
		*socket_context = NULL;
		return;
	}
	/* Without state the connection gets 500 on each request. */
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return;
	hc->http = http;
	if (http->is_unix)
		m2md_http_peer_cred(hc, conn);
	*socket_context = hc;
}

static enum MHD_Result m2md_arg_add(void *cls, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	struct m2md_http_conn *hc = cls;

	if (hc->nargs < M2MD_ARGS_MAX) {
		hc->args[hc->nargs].name = key ? key : "";
		hc->args[hc->nargs].value = value ? value : "";
	}
	hc->nargs++;
	return MHD_YES;
}

/* First call of a request: route it and check a declared length. */
static enum MHD_Result m2md_http_begin(struct m2md_http_conn *hc,
				       struct MHD_Connection *conn,
				       const char *url, const char *method)
{
	struct m2md_http *http = hc->http;
	const struct m2md_route *route;
	unsigned int status;
	const char *clen;
	char allow[64];
	char detail[256];

	if (hc->target_nul)
		return m2md_send_problem(conn, 400,
					 "request target contains %00 (a NUL byte)",
					 NULL);
	route = m2md_route_find(http->routes, http->nroutes, method, url,
				&status, allow, sizeof(allow));
	/*
	 * HEAD goes wherever GET does, to the same handler with its method
	 * kept (a Kma signature covers it); MHD sends the headers of the
	 * reply without its body.
	 */
	if (!route && status == 405 && !strcmp(method, MHD_HTTP_METHOD_HEAD))
		route = m2md_route_find(http->routes, http->nroutes,
					MHD_HTTP_METHOD_GET, url, &status,
					allow, sizeof(allow));
	if (!route) {
		snprintf(detail, sizeof(detail), "%s %.200s: %s", method, url,
			 status == 404 ? "no such resource" :
			 "method not allowed");
		return m2md_send_problem(conn, status, detail,
					 status == 405 ? allow : NULL);
	}
	hc->begun = true;
	hc->route = route;
	hc->len = 0;
	hc->too_large = false;
	hc->limit = route->max_body ? route->max_body :
		    m2md_live_max_body(http->max_body);
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen && strtoull(clen, NULL, 10) > hc->limit) {
		snprintf(detail, sizeof(detail),
			 "request body of %.32s bytes is larger than the limit of %zu bytes",
			 clen, hc->limit);
		return m2md_send_error(conn, route, 413, detail);
	}
	return MHD_YES;
}

static void m2md_http_append(struct m2md_http_conn *hc, const char *data,
			     size_t size)
{
	size_t cap;
	unsigned char *grown;

	if (hc->too_large || hc->len + size > hc->limit) {
		hc->too_large = true;
		return;
	}
	if (hc->len + size > hc->cap) {
		cap = hc->cap ? hc->cap : 1024;
		while (cap < hc->len + size)
			cap *= 2;
		grown = realloc(hc->body, cap);
		if (!grown) {
			hc->too_large = true;
			return;
		}
		hc->body = grown;
		hc->cap = cap;
	}
	memcpy(hc->body + hc->len, data, size);
	hc->len += size;
}

/* Reject what no handler may see: an oversized body, target or query. */
static enum MHD_Result m2md_http_reject(struct MHD_Connection *conn,
					struct m2md_http_conn *hc)
{
	char detail[128];

	if (hc->too_large) {
		snprintf(detail, sizeof(detail),
			 "request body is larger than the limit of %zu bytes",
			 hc->limit);
		return m2md_send_error(conn, hc->route, 413, detail);
	}
	if (hc->target_too_long) {
		snprintf(detail, sizeof(detail),
			 "request target is longer than %d bytes",
			 M2MD_HTTP_TARGET_MAX - 1);
		return m2md_send_error(conn, hc->route, 414, detail);
	}
	snprintf(detail, sizeof(detail),
		 "%zu query parameters, at most %d are accepted", hc->nargs,
		 M2MD_ARGS_MAX);
	return m2md_send_error(conn, hc->route, 400, detail);
}

static enum MHD_Result m2md_http_dispatch(struct MHD_Connection *conn,
					  struct m2md_http_conn *hc,
					  const char *url, const char *method)
{
	struct m2md_request req = {
		.method = m2md_method_parse(method),
		.path = url,
		.body = hc->body,
		.body_len = hc->len,
		.conn = conn,
		.binding = M2MD_BINDING_HTTP,
		.target = hc->target,
		.args = hc->args,
		.has_peer_cred = hc->has_peer_cred,
		.peer_uid = hc->peer_uid,
	};
	const union MHD_ConnectionInfo *info;
	struct m2md_reply reply = { .status = 500 };

	hc->nargs = 0;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, m2md_arg_add,
				  hc);
	if (hc->too_large || hc->target_too_long || hc->nargs > M2MD_ARGS_MAX)
		return m2md_http_reject(conn, hc);
	req.nargs = hc->nargs;
	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info)
		req.client = info->client_addr;
	req.content_type = m2md_header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	req.accept = m2md_header(conn, MHD_HTTP_HEADER_ACCEPT);
	req.authorization = m2md_header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
	req.if_none_match = m2md_header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH);
	req.if_modified_since = m2md_header(conn,
					    MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	hc->route->fn(hc->route->ctx, &req, &reply);
	return m2md_send(conn, &reply);
}

static enum MHD_Result m2md_http_access(void *cls, struct MHD_Connection *conn,
					const char *url, const char *method,
					const char *version,
					const char *upload_data,
					size_t *upload_data_size,
					void **con_cls)
{
	struct m2md_http_conn *hc = *con_cls;

	if (!hc)
		return m2md_send_problem(conn, 500,
					 "out of memory for the connection",
					 NULL);
	if (!hc->begun)
		return m2md_http_begin(hc, conn, url, method);
	if (*upload_data_size) {
		m2md_http_append(hc, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return m2md_http_dispatch(conn, hc, url, method);
}

/* Format the client's IP address for PEER. NULL on a unix socket. */
static const char *m2md_http_peer(struct MHD_Connection *conn, char *buf,
				  size_t len)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return info ? m2m_log_peer(info->client_addr, buf, len) : NULL;
}

/*
 * Log a request that libmicrohttpd ended without a complete exchange,
 * with the client as PEER: a malformed request, an error of the
 * connection, a timeout or a client that closed early.
 */
static void m2md_http_log_ended(struct MHD_Connection *conn,
				const struct m2md_http_conn *hc,
				enum MHD_RequestTerminationCode toe)
{
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = {
		.peer = m2md_http_peer(conn, peer, sizeof(peer)),
	};
	const char *target = hc && hc->target[0] ? hc->target : "(unread)";

	switch (toe) {
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "http: request %.200s failed: malformed request or connection error",
				    target);
		break;
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		m2m_log_ratelimited(LOG_INFO, &ids,
				    "http: request %.200s timed out: no data for %d s",
				    target, M2MD_HTTP_IDLE_TIMEOUT);
		break;
	case MHD_REQUEST_TERMINATED_READ_ERROR:
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		m2m_log_ratelimited(LOG_INFO, &ids,
				    "http: request %.200s failed: the client closed the connection before the request was complete",
				    target);
		break;
	default:
		break;
	}
}

/* End of a request: make the connection's state ready for the next one. */
static void m2md_http_done(void *cls, struct MHD_Connection *conn,
			   void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct m2md_http_conn *hc = *con_cls;

	m2md_http_log_ended(conn, hc, toe);
	if (!hc)
		return;
	hc->begun = false;
	hc->route = NULL;
	hc->len = 0;
	hc->nargs = 0;
	if (hc->cap > M2MD_HTTP_KEEP_BODY) {
		free(hc->body);
		hc->body = NULL;
		hc->cap = 0;
	}
	*con_cls = NULL;
}

/* libmicrohttpd's errors, which any peer can cause, pass a rate limit. */
static void m2md_http_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	if (!m2m_log_enabled(LOG_WARNING))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	m2m_warn_ratelimited("http: %s", line);
}

static int m2md_sockaddr(const char *addr, uint16_t port,
			 struct sockaddr_storage *ss, bool *ipv6)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*ipv6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*ipv6 = true;
		return 0;
	}
	return -EINVAL;
}

#define M2MD_HTTP_OPTIONS	6

/*
 * threads 0: a thread per connection. A create waits for the group
 * commit while its thread holds the connection, so with a pool, the
 * connections that share a thread take turns, each paying an fsync of
 * its own; with a thread each, every connection's create can join the
 * same commit.
 */
static unsigned int m2md_http_mode(unsigned int threads)
{
	return threads ? 0 : MHD_USE_THREAD_PER_CONNECTION;
}

/*
 * Fill opts with the options both servers share. A pool of one thread is
 * left out, because libmicrohttpd warns about it.
 */
static struct MHD_OptionItem *m2md_http_options(struct m2md_http *http,
						unsigned int threads,
						struct MHD_OptionItem *opts)
{
	size_t n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)m2md_http_done, http };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
		(intptr_t)m2md_http_connection, http };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK,
		(intptr_t)m2md_http_uri, http };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
		M2MD_HTTP_IDLE_TIMEOUT, NULL };
	if (threads > 1)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_THREAD_POOL_SIZE, threads, NULL };
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return opts;
}

static struct m2md_http *m2md_http_new(size_t max_body,
				       const struct m2md_route *routes,
				       size_t nroutes)
{
	struct m2md_http *http = calloc(1, sizeof(*http));

	if (!http)
		return NULL;
	http->routes = routes;
	http->nroutes = nroutes;
	http->max_body = max_body;
	return http;
}

int m2md_http_start(const char *addr, uint16_t port, unsigned int threads,
		    size_t max_body, const struct m2md_route *routes,
		    size_t nroutes, struct m2md_http **out, char *err,
		    size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[M2MD_HTTP_OPTIONS];
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct m2md_http *http;
	bool ipv6;

	if (m2md_sockaddr(addr, port, &ss, &ipv6)) {
		snprintf(err, errlen, "invalid listen address '%s'", addr);
		return -EINVAL;
	}
	if (ipv6)
		flags |= MHD_USE_IPv6;
	flags |= m2md_http_mode(threads);
	http = m2md_http_new(max_body, routes, nroutes);
	if (!http)
		return -ENOMEM;
	http->daemon = MHD_start_daemon(flags, port, NULL, NULL,
			m2md_http_access, http,
			MHD_OPTION_EXTERNAL_LOGGER, m2md_http_log, http,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			(unsigned int)M2MD_HTTP_PER_IP_MAX,
			MHD_OPTION_ARRAY, m2md_http_options(http, threads, opts),
			MHD_OPTION_END);
	if (!http->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", addr,
			 port, strerror(errno ? errno : EADDRINUSE));
		free(http);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
	http->port = info ? info->port : port;
	*out = http;
	return 0;
}

/*
 * Remove a socket file left by an m2md that is gone. Returns 0, or -1
 * with a reason in err when path is not a socket or a server listens
 * on it.
 */
static int m2md_unix_clear(const struct sockaddr_un *sun, char *err,
			   size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (lstat(sun->sun_path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket",
			 sun->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!ret) {
		snprintf(err, errlen, "%s is in use by a running server",
			 sun->sun_path);
		return -1;
	}
	unlink(sun->sun_path);
	return 0;
}

/* Create, bind and listen on the socket at path. Returns the fd or -1. */
static int m2md_unix_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is longer than %zu bytes",
			 path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (m2md_unix_clear(&sun, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0660) || listen(fd, SOMAXCONN)) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int m2md_http_start_unix(const char *path, unsigned int threads,
			 size_t max_body, const struct m2md_route *routes,
			 size_t nroutes, struct m2md_http **out, char *err,
			 size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[M2MD_HTTP_OPTIONS];
	struct m2md_http *http;
	int fd;

	flags |= m2md_http_mode(threads);
	fd = m2md_unix_listen(path, err, errlen);
	if (fd < 0)
		return -EADDRINUSE;
	http = m2md_http_new(max_body, routes, nroutes);
	if (!http) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	http->is_unix = true;
	snprintf(http->unix_path, sizeof(http->unix_path), "%s", path);
	/*
	 * No per-IP connection limit: libmicrohttpd rejects every
	 * connection whose address is not IPv4 or IPv6 when it is set.
	 */
	http->daemon = MHD_start_daemon(flags, 0, NULL, NULL,
			m2md_http_access, http,
			MHD_OPTION_EXTERNAL_LOGGER, m2md_http_log, http,
			MHD_OPTION_LISTEN_SOCKET, fd,
			MHD_OPTION_ARRAY, m2md_http_options(http, threads, opts),
			MHD_OPTION_END);
	if (!http->daemon) {
		snprintf(err, errlen, "cannot serve on %s", path);
		close(fd);
		unlink(path);
		free(http);
		return -EADDRINUSE;
	}
	*out = http;
	return 0;
}

uint16_t m2md_http_port(const struct m2md_http *http)
{
	return http->port;
}

void m2md_http_stop(struct m2md_http *http)
{
	if (!http)
		return;
	MHD_stop_daemon(http->daemon);
	if (http->is_unix)
		unlink(http->unix_path);
	free(http);
}
