// SPDX-License-Identifier: GPL-2.0
/*
 * libmicrohttpd glue. The route is chosen when the headers arrive, so an
 * unknown path, a wrong method or a declared Content-Length over the
 * route's limit gets its error reply before any body is read. A chunked
 * body that grows past the limit is read and discarded, then rejected
 * with 413.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "problem.h"
#include "ratelimit.h"

struct m2md_http {
	struct MHD_Daemon *daemon;
	const struct m2md_route *routes;
	size_t nroutes;
	size_t max_body;
	uint16_t port;
};

/* Per-request state, kept in MHD's con_cls. */
struct m2md_http_req {
	const struct m2md_route *route;
	unsigned char *body;
	size_t len;
	size_t cap;
	size_t limit;
	bool too_large;
};

static const struct {
	const char *name;
	enum m2md_method method;
} m2md_methods[] = {
	{ "GET", M2MD_GET },
	{ "POST", M2MD_POST },
	{ "PUT", M2MD_PUT },
	{ "DELETE", M2MD_DELETE },
	{ "HEAD", M2MD_HEAD },
};

#define M2MD_NMETHODS	(sizeof(m2md_methods) / sizeof(m2md_methods[0]))

enum m2md_method m2md_method_parse(const char *name)
{
	size_t i;

	for (i = 0; i < M2MD_NMETHODS; i++)
		if (!strcmp(name, m2md_methods[i].name))
			return m2md_methods[i].method;
	return 0;
}

void m2md_allow_string(unsigned int methods, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < M2MD_NMETHODS; i++) {
		if (!(methods & m2md_methods[i].method))
			continue;
		used += snprintf(out + used, used < len ? len - used : 0,
				 "%s%s", used ? ", " : "",
				 m2md_methods[i].name);
	}
}

static bool m2md_path_matches(const struct m2md_route *route,
			      const char *path)
{
	size_t len = strlen(route->path);

	if (strncmp(path, route->path, len))
		return false;
	if (!path[len])
		return true;
	return route->prefix && path[len] == '/';
}

const struct m2md_route *m2md_route_find(const struct m2md_route *routes,
					 size_t n, const char *method_name,
					 const char *path, unsigned int *status,
					 char *allow, size_t allowlen)
{
	enum m2md_method method = m2md_method_parse(method_name);
	unsigned int methods = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!m2md_path_matches(&routes[i], path))
			continue;
		if (method & routes[i].methods)
			return &routes[i];
		methods |= routes[i].methods;
	}
	*status = methods ? 405 : 404;
	if (allow && allowlen)
		m2md_allow_string(methods, allow, allowlen);
	return NULL;
}

bool m2md_media_type_is(const char *content_type, const char *type)
{
	size_t len = strlen(type);

	if (!content_type || strncasecmp(content_type, type, len))
		return false;
	content_type += len;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return !*content_type || *content_type == ';';
}

bool m2md_request_wants_json(const struct m2md_request *req)
{
	const char *accept = req->accept;

	if (!accept)
		return false;
	/* XML is the default; JSON only when asked for and XML is not. */
	return strcasestr(accept, "application/json") &&
	       !strcasestr(accept, "application/xml");
}

struct m2md_arg_probe {
	const char *name;
	bool found;
};

static enum MHD_Result m2md_arg_match(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct m2md_arg_probe *probe = cls;

	if (key && !strcmp(key, probe->name)) {
		probe->found = true;
		return MHD_NO;
	}
	return MHD_YES;
}

bool m2md_request_has_arg(const struct m2md_request *req, const char *name)
{
	struct m2md_arg_probe probe = { name, false };

	if (!req->conn)
		return false;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
				  m2md_arg_match, &probe);
	return probe.found;
}

int m2md_reply_set(struct m2md_reply *reply, unsigned int status,
		   const char *content_type, const void *data, size_t len)
{
	/* One more byte for a NUL, so that text bodies are C strings too. */
	unsigned char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	copy[len] = '\0';
	free(reply->body);
	reply->body = copy;
	reply->len = len;
	reply->status = status;
	snprintf(reply->content_type, sizeof(reply->content_type), "%s",
		 content_type ? content_type : "");
	return 0;
}

static enum MHD_Result m2md_send(struct MHD_Connection *conn,
				 struct m2md_reply *reply)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char retry[16];

	resp = MHD_create_response_from_buffer(reply->len, reply->body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(reply->body);
		reply->body = NULL;
		return MHD_NO;
	}
	reply->body = NULL;
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
		snprintf(retry, sizeof(retry), "%u", reply->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					retry);
	}
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

/* First call of a request: route it and check a declared length. */
static enum MHD_Result m2md_http_begin(struct m2md_http *http,
				       struct MHD_Connection *conn,
				       const char *url, const char *method,
				       void **con_cls)
{
	const struct m2md_route *route;
	struct m2md_http_req *hr;
	unsigned int status;
	const char *clen;
	char allow[64];
	char detail[256];

	route = m2md_route_find(http->routes, http->nroutes, method, url,
				&status, allow, sizeof(allow));
	if (!route) {
		snprintf(detail, sizeof(detail), "%s %s: %s", method, url,
			 status == 404 ? "no such resource" :
			 "method not allowed");
		return m2md_send_problem(conn, status, detail,
					 status == 405 ? allow : NULL);
	}
	hr = calloc(1, sizeof(*hr));
	if (!hr)
		return MHD_NO;
	hr->route = route;
	hr->limit = route->max_body ? route->max_body : http->max_body;
	*con_cls = hr;
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen && strtoull(clen, NULL, 10) > hr->limit) {
		snprintf(detail, sizeof(detail),
			 "request body of %s bytes is larger than the limit of %zu bytes",
			 clen, hr->limit);
		return m2md_send_problem(conn, 413, detail, NULL);
	}
	return MHD_YES;
}

static void m2md_http_append(struct m2md_http_req *hr, const char *data,
			     size_t size)
{
	size_t cap;
	unsigned char *grown;

	if (hr->too_large || hr->len + size > hr->limit) {
		hr->too_large = true;
		return;
	}
	if (hr->len + size > hr->cap) {
		cap = hr->cap ? hr->cap : 1024;
		while (cap < hr->len + size)
			cap *= 2;
		grown = realloc(hr->body, cap);
		if (!grown) {
			hr->too_large = true;
			return;
		}
		hr->body = grown;
		hr->cap = cap;
	}
	memcpy(hr->body + hr->len, data, size);
	hr->len += size;
}

static enum MHD_Result m2md_http_dispatch(struct MHD_Connection *conn,
					  struct m2md_http_req *hr,
					  const char *url, const char *method)
{
	struct m2md_request req = {
		.method = m2md_method_parse(method),
		.path = url,
		.body = hr->body,
		.body_len = hr->len,
		.conn = conn,
	};
	const union MHD_ConnectionInfo *info;
	struct m2md_reply reply = { .status = 500 };
	char detail[128];

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info)
		req.client = info->client_addr;
	if (hr->too_large) {
		snprintf(detail, sizeof(detail),
			 "request body is larger than the limit of %zu bytes",
			 hr->limit);
		return m2md_send_problem(conn, 413, detail, NULL);
	}
	req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_TYPE);
	req.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_ACCEPT);
	hr->route->fn(hr->route->ctx, &req, &reply);
	return m2md_send(conn, &reply);
}

static enum MHD_Result m2md_http_access(void *cls, struct MHD_Connection *conn,
					const char *url, const char *method,
					const char *version,
					const char *upload_data,
					size_t *upload_data_size,
					void **con_cls)
{
	struct m2md_http *http = cls;
	struct m2md_http_req *hr = *con_cls;

	if (!hr)
		return m2md_http_begin(http, conn, url, method, con_cls);
	if (*upload_data_size) {
		m2md_http_append(hr, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return m2md_http_dispatch(conn, hr, url, method);
}

static void m2md_http_done(void *cls, struct MHD_Connection *conn,
			   void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct m2md_http_req *hr = *con_cls;

	if (!hr)
		return;
	free(hr->body);
	free(hr);
	*con_cls = NULL;
}

/* libmicrohttpd's errors, which any peer can cause: 10 lines a second. */
static struct m2md_ratelimit m2md_http_rl = M2MD_RATELIMIT_INIT(10);

static void m2md_http_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	if (!m2md_ratelimit_ok(&m2md_http_rl))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	m2m_warn("http: %s", line);
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

int m2md_http_start(const char *addr, uint16_t port, unsigned int threads,
		    size_t max_body, const struct m2md_route *routes,
		    size_t nroutes, struct m2md_http **out, char *err,
		    size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG;
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
	http = calloc(1, sizeof(*http));
	if (!http)
		return -ENOMEM;
	http->routes = routes;
	http->nroutes = nroutes;
	http->max_body = max_body;
	http->daemon = MHD_start_daemon(flags, port, NULL, NULL,
			m2md_http_access, http,
			MHD_OPTION_EXTERNAL_LOGGER, m2md_http_log, http,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_THREAD_POOL_SIZE, threads,
			MHD_OPTION_NOTIFY_COMPLETED, m2md_http_done, http,
			MHD_OPTION_CONNECTION_TIMEOUT, 30U,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			(unsigned int)M2MD_HTTP_PER_IP_MAX,
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

uint16_t m2md_http_port(const struct m2md_http *http)
{
	return http->port;
}

void m2md_http_stop(struct m2md_http *http)
{
	if (!http)
		return;
	MHD_stop_daemon(http->daemon);
	free(http);
}
