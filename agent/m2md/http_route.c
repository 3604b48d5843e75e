// SPDX-License-Identifier: GPL-2.0
/*
 * Request routing and the helpers that handlers of both bindings use:
 * methods, Allow values, media types, query parameters and reply bodies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

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

bool m2md_request_has_arg(const struct m2md_request *req, const char *name)
{
	return m2md_request_arg(req, name) != NULL;
}

const char *m2md_request_arg(const struct m2md_request *req,
			     const char *name)
{
	size_t i, n = req->nargs < M2MD_ARGS_MAX ? req->nargs : M2MD_ARGS_MAX;

	for (i = 0; i < n; i++)
		if (!strcmp(req->args[i].name, name))
			return req->args[i].value;
	return NULL;
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
