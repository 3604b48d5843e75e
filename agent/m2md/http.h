/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP server of m2md on libmicrohttpd: a route table, request bodies
 * collected up to a per-route limit, and replies built by handlers.
 */
#ifndef M2MD_HTTP_H
#define M2MD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdint.h>

enum m2md_method {
	M2MD_GET = 1 << 0,
	M2MD_POST = 1 << 1,
	M2MD_PUT = 1 << 2,
	M2MD_DELETE = 1 << 3,
	M2MD_HEAD = 1 << 4,
};

/* One query parameter, percent-decoded; value is "" when absent. */
struct m2md_arg {
	const char *name;
	const char *value;
};

enum m2md_binding {
	M2MD_BINDING_HTTP,
	M2MD_BINDING_COAP,
};

#define M2MD_ARGS_MAX		32

struct m2md_request {
	enum m2md_method method;
	const char *path;		/* without the query */
	const char *content_type;	/* NULL when absent */
	const char *accept;		/* NULL when absent */
	const unsigned char *body;
	size_t body_len;
	void *conn;			/* struct MHD_Connection, HTTP only */
	const struct sockaddr *client;	/* peer address, NULL if unknown */

	enum m2md_binding binding;
	/*
	 * The request target as sent (path and query, still encoded), which
	 * a Kma signature covers.
	 */
	const char *target;
	const struct m2md_arg *args;	/* decoded query parameters */
	size_t nargs;			/* > M2MD_ARGS_MAX is refused (400) */
	const char *authorization;	/* Authorization header or CoAP option */
	const char *if_none_match;	/* NULL when absent */
	const char *if_modified_since;	/* NULL when absent */
	/* Set when the request came over the admin socket (SO_PEERCRED). */
	bool has_peer_cred;
	uint32_t peer_uid;
};

#define M2MD_LOCATION_MAX	1024

/*
 * Connections that one client address may hold open at a time, so that a
 * single peer that opens connections and sends nothing cannot take all
 * of libmicrohttpd's connection slots (about 1000 by default).
 * NOTE: gateways behind one NAT address share this limit.
 */
#define M2MD_HTTP_PER_IP_MAX	100

struct m2md_reply {
	unsigned int status;
	char content_type[128];
	unsigned char *body;		/* malloc'ed, freed by the server */
	size_t len;
	char location[M2MD_LOCATION_MAX];
	char allow[64];
	unsigned int retry_after;	/* seconds, 0 = no header */
	char etag[64];			/* ETag header value, "" = none */
	int64_t last_modified;		/* Unix time, 0 = no header */
};

typedef void (*m2md_handler_fn)(void *ctx, const struct m2md_request *req,
				struct m2md_reply *reply);

struct m2md_route {
	const char *path;
	bool prefix;		/* also matches path + "/..." */
	unsigned int methods;	/* enum m2md_method bits */
	size_t max_body;	/* bytes, 0 = the server's limit */
	m2md_handler_fn fn;
	void *ctx;
};

/*
 * Find the route for a request. Returns it, or NULL with *status 404
 * when no route has the path. When a route has the path but not the
 * method, *status is 405 and allow receives its methods as an Allow
 * header value.
 */
const struct m2md_route *m2md_route_find(const struct m2md_route *routes,
					 size_t n, const char *method_name,
					 const char *path, unsigned int *status,
					 char *allow, size_t allowlen);
/* Return the enum m2md_method of a method name, or 0 when unknown. */
enum m2md_method m2md_method_parse(const char *name);
void m2md_allow_string(unsigned int methods, char *out, size_t len);

/* True when the request has the query parameter name (with or without a value). */
bool m2md_request_has_arg(const struct m2md_request *req, const char *name);
/* Value of the first query parameter name, or NULL when absent. */
const char *m2md_request_arg(const struct m2md_request *req,
			     const char *name);
/* True when the Accept header requests JSON rather than XML. */
bool m2md_request_wants_json(const struct m2md_request *req);
/* True when the Content-Type media type is type (parameters ignored). */
bool m2md_media_type_is(const char *content_type, const char *type);

/*
 * Replace the reply body with a copy of data, followed by a NUL that is
 * not part of len. Returns 0 or -ENOMEM.
 */
int m2md_reply_set(struct m2md_reply *reply, unsigned int status,
		   const char *content_type, const void *data, size_t len);

struct m2md_http;

/*
 * Start the server on addr:port (port 0 picks a free one) with a pool of
 * threads. routes must stay valid until m2md_http_stop().
 */
int m2md_http_start(const char *addr, uint16_t port, unsigned int threads,
		    size_t max_body, const struct m2md_route *routes,
		    size_t nroutes, struct m2md_http **out, char *err,
		    size_t errlen);
/*
 * Serve routes on a Unix stream socket at path (created with mode 0660,
 * replacing a stale socket file). Each request carries the peer's uid
 * from SO_PEERCRED in has_peer_cred and peer_uid.
 */
int m2md_http_start_unix(const char *path, unsigned int threads,
			 size_t max_body, const struct m2md_route *routes,
			 size_t nroutes, struct m2md_http **out, char *err,
			 size_t errlen);
uint16_t m2md_http_port(const struct m2md_http *http);
void m2md_http_stop(struct m2md_http *http);

#endif /* M2MD_HTTP_H */
