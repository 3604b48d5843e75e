// SPDX-License-Identifier: GPL-2.0
/*
 * CoAP requests to m2md requests: method, Uri-Path, Uri-Query,
 * Content-Format, Accept, ETag and the Kma option (RFC 7252), and the
 * Content-Formats that m2md names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coap.h"
#include "coap_msg.h"
#include "kmauth.h"
#include "tree.h"

/* Content-Formats of the IANA CoAP registry that m2md names. */
static const struct {
	uint16_t format;
	const char *name;
} m2md_coap_formats[] = {
	{ COAP_MEDIATYPE_TEXT_PLAIN, "text/plain" },
	{ COAP_MEDIATYPE_APPLICATION_LINK_FORMAT, "application/link-format" },
	{ COAP_MEDIATYPE_APPLICATION_XML, "application/xml" },
	{ COAP_MEDIATYPE_APPLICATION_OCTET_STREAM,
	  "application/octet-stream" },
	{ COAP_MEDIATYPE_APPLICATION_EXI, "application/exi" },
	{ COAP_MEDIATYPE_APPLICATION_JSON, "application/json" },
	{ COAP_MEDIATYPE_APPLICATION_CBOR, "application/cbor" },
	{ COAP_MEDIATYPE_APPLICATION_SENML_JSON, "application/senml+json" },
	{ COAP_MEDIATYPE_APPLICATION_SENML_CBOR, "application/senml+cbor" },
};

#define M2MD_COAP_NFORMATS \
	(sizeof(m2md_coap_formats) / sizeof(m2md_coap_formats[0]))

const char *m2md_coap_format_name(uint16_t format)
{
	size_t i;

	for (i = 0; i < M2MD_COAP_NFORMATS; i++)
		if (m2md_coap_formats[i].format == format)
			return m2md_coap_formats[i].name;
	return NULL;
}

/* True when the media type, parameters ignored, ends in suffix. */
static bool m2md_coap_has_suffix(const char *media_type, const char *suffix)
{
	size_t len = strcspn(media_type, "; \t");
	size_t slen = strlen(suffix);

	return len > slen && !strncasecmp(media_type + len - slen, suffix, slen);
}

int m2md_coap_format_of(const char *media_type)
{
	size_t i;

	if (!media_type || !media_type[0])
		return -1;
	for (i = 0; i < M2MD_COAP_NFORMATS; i++)
		if (m2md_media_type_is(media_type, m2md_coap_formats[i].name))
			return m2md_coap_formats[i].format;
	/*
	 * CoAP registers neither text/xml nor the +xml and +json types that
	 * m2md sends (application/problem+json, for one), so they travel as
	 * the format of their syntax.
	 */
	if (m2md_media_type_is(media_type, "text/xml") ||
	    m2md_coap_has_suffix(media_type, "+xml"))
		return COAP_MEDIATYPE_APPLICATION_XML;
	if (m2md_coap_has_suffix(media_type, "+json"))
		return COAP_MEDIATYPE_APPLICATION_JSON;
	return -1;
}

static const char *m2md_coap_method_name(coap_pdu_code_t code)
{
	switch (code) {
	case COAP_REQUEST_CODE_GET:
		return "GET";
	case COAP_REQUEST_CODE_POST:
		return "POST";
	case COAP_REQUEST_CODE_PUT:
		return "PUT";
	case COAP_REQUEST_CODE_DELETE:
		return "DELETE";
	case COAP_REQUEST_CODE_FETCH:
		return "FETCH";
	case COAP_REQUEST_CODE_PATCH:
		return "PATCH";
	case COAP_REQUEST_CODE_IPATCH:
		return "iPATCH";
	default:
		return NULL;
	}
}

/* Sizes of the path and of the query that the options will make. */
static void m2md_coap_measure(const coap_pdu_t *request, size_t *path_len,
			      size_t *query_len)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt;

	*path_len = 1;
	*query_len = 0;
	coap_option_iterator_init(request, &it, COAP_OPT_ALL);
	while ((opt = coap_option_next(&it))) {
		if (it.number == COAP_OPTION_URI_PATH)
			*path_len += coap_opt_length(opt) + 1;
		else if (it.number == COAP_OPTION_URI_QUERY)
			*query_len += coap_opt_length(opt) + 1;
	}
}

static unsigned int m2md_coap_add_segment(struct m2md_coap_call *call,
					  const uint8_t *value, size_t len,
					  char *err, size_t errlen)
{
	size_t used = strlen(call->path);

	if (memchr(value, '/', len) || memchr(value, '\0', len)) {
		snprintf(err, errlen,
			 "a Uri-Path option contains '/' or a NUL byte");
		return 400;
	}
	if ((len == 1 && value[0] == '.') ||
	    (len == 2 && value[0] == '.' && value[1] == '.')) {
		snprintf(err, errlen, "Uri-Path segment '%.*s' is not allowed",
			 (int)len, (const char *)value);
		return 400;
	}
	if (used + 1 + len > M2MD_TREE_PATH_MAX) {
		snprintf(err, errlen, "path is longer than %d bytes",
			 M2MD_TREE_PATH_MAX);
		return 400;
	}
	call->path[used] = '/';
	memcpy(call->path + used + 1, value, len);
	call->path[used + 1 + len] = '\0';
	return 0;
}

static unsigned int m2md_coap_add_arg(struct m2md_coap_call *call,
				      const uint8_t *value, size_t len,
				      char *err, size_t errlen)
{
	const uint8_t *eq = memchr(value, '=', len);
	size_t name_len = eq ? (size_t)(eq - value) : len;
	struct m2md_arg *arg;
	char *name;

	if (call->req.nargs == M2MD_ARGS_MAX) {
		snprintf(err, errlen, "more than %d query parameters",
			 M2MD_ARGS_MAX);
		return 400;
	}
	if (memchr(value, '\0', len)) {
		snprintf(err, errlen, "Uri-Query option contains a NUL byte");
		return 400;
	}
	if (!name_len) {
		snprintf(err, errlen, "query parameter '%.*s' has no name",
			 (int)len, (const char *)value);
		return 400;
	}
	if (eq && len - name_len - 1 > M2MD_TREE_ARG_MAX) {
		snprintf(err, errlen,
			 "value of query parameter '%.*s' is longer than %d bytes",
			 (int)name_len, (const char *)value, M2MD_TREE_ARG_MAX);
		return 400;
	}
	/* One allocation contains the name, a NUL and the value. */
	name = strndup((const char *)value, len);
	if (!name) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	name[name_len] = '\0';
	arg = &call->args[call->req.nargs++];
	arg->name = name;
	arg->value = eq ? name + name_len + 1 : name + name_len;
	return 0;
}

/* Append a Uri-Query option to the target, after the whole path. */
static void m2md_coap_add_query(struct m2md_coap_call *call,
				const uint8_t *value, size_t len)
{
	size_t used;

	if (!call->req.nargs)
		strcpy(call->target, call->path[0] ? call->path : "/");
	used = strlen(call->target);
	call->target[used] = call->req.nargs ? '&' : '?';
	memcpy(call->target + used + 1, value, len);
	call->target[used + 1 + len] = '\0';
}

static unsigned int m2md_coap_option_text(char **out, const uint8_t *value,
					  size_t len, const char *what,
					  char *err, size_t errlen)
{
	if (*out) {
		snprintf(err, errlen, "more than one %s option", what);
		return 400;
	}
	if (len > M2M_KMAUTH_MAX || memchr(value, '\0', len)) {
		snprintf(err, errlen,
			 "%s option is longer than %d bytes or contains a NUL byte",
			 what, M2M_KMAUTH_MAX);
		return 400;
	}
	*out = strndup((const char *)value, len);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	return 0;
}

static unsigned int m2md_coap_add_etag(struct m2md_coap_call *call,
				       const uint8_t *value, size_t len,
				       char *err, size_t errlen)
{
	if (call->netags == M2MD_COAP_ETAGS_MAX) {
		snprintf(err, errlen, "more than %d ETag options",
			 M2MD_COAP_ETAGS_MAX);
		return 400;
	}
	if (!len || len > M2MD_COAP_ETAG_LEN) {
		snprintf(err, errlen, "ETag option of %zu bytes (1 to %d)",
			 len, M2MD_COAP_ETAG_LEN);
		return 400;
	}
	memcpy(call->etags[call->netags], value, len);
	call->etag_len[call->netags++] = len;
	return 0;
}

/*
 * The HTTP If-None-Match list of the request's ETag options that are
 * printable text, which is how m2md's ETags travel (m2md_coap_etag()).
 * A hashed ETag is matched after the handler ran, in m2md_coap_respond().
 */
static int m2md_coap_if_none_match(struct m2md_coap_call *call)
{
	size_t i, j, used = 0;
	char *list;

	list = malloc(call->netags * (M2MD_COAP_ETAG_LEN + 4) + 1);
	if (!list)
		return -ENOMEM;
	list[0] = '\0';
	for (i = 0; i < call->netags; i++) {
		for (j = 0; j < call->etag_len[i]; j++)
			if (call->etags[i][j] < 0x21 || call->etags[i][j] > 0x7e ||
			    call->etags[i][j] == '"' || call->etags[i][j] == '\\')
				break;
		if (j < call->etag_len[i])
			continue;
		used += sprintf(list + used, "%s\"%.*s\"", used ? ", " : "",
				(int)call->etag_len[i],
				(const char *)call->etags[i]);
	}
	if (!used) {
		free(list);
		return 0;
	}
	call->if_none_match = list;
	return 0;
}

static unsigned int m2md_coap_format_option(const coap_opt_t *opt,
					    bool *has, uint16_t *format,
					    const char *what, char *err,
					    size_t errlen)
{
	unsigned int value = coap_decode_var_bytes(coap_opt_value(opt),
						   coap_opt_length(opt));

	if (*has) {
		snprintf(err, errlen, "more than one %s option", what);
		return 400;
	}
	*has = true;
	*format = (uint16_t)value;
	if (value <= UINT16_MAX && m2md_coap_format_name(value))
		return 0;
	if (!strcmp(what, "Accept")) {
		snprintf(err, errlen,
			 "Accept %u is not a Content-Format that m2md sends",
			 value);
		return 406;
	}
	snprintf(err, errlen, "Content-Format %u is not supported", value);
	return 415;
}

static unsigned int m2md_coap_option(struct m2md_coap_call *call,
				     uint16_t number, const coap_opt_t *opt,
				     char *err, size_t errlen)
{
	const uint8_t *value = coap_opt_value(opt);
	size_t len = coap_opt_length(opt);

	switch (number) {
	case COAP_OPTION_URI_PATH:
		return m2md_coap_add_segment(call, value, len, err, errlen);
	case COAP_OPTION_URI_QUERY:
		m2md_coap_add_query(call, value, len);
		return m2md_coap_add_arg(call, value, len, err, errlen);
	case COAP_OPTION_CONTENT_FORMAT:
		return m2md_coap_format_option(opt, &call->has_format,
					       &call->format, "Content-Format",
					       err, errlen);
	case COAP_OPTION_ACCEPT:
		return m2md_coap_format_option(opt, &call->has_accept,
					       &call->accept_format, "Accept",
					       err, errlen);
	case COAP_OPTION_ETAG:
		return m2md_coap_add_etag(call, value, len, err, errlen);
	case M2MD_COAP_OPT_AUTH:
		return m2md_coap_option_text(&call->authorization, value, len,
					     "Kma signature", err, errlen);
	case COAP_OPTION_IF_MATCH:
	case COAP_OPTION_IF_NONE_MATCH:
		/*
		 * Critical options (RFC 7252, 5.4.1) for preconditions that
		 * the tree does not implement: reply 4.02 rather than act as
		 * if they were met.
		 */
		snprintf(err, errlen, "%s option is not supported",
			 number == COAP_OPTION_IF_MATCH ? "If-Match" :
			 "If-None-Match");
		return 402;
	}
	return 0;
}

unsigned int m2md_coap_parse(const coap_pdu_t *request,
			     struct m2md_coap_call *call, char *err,
			     size_t errlen)
{
	const char *name = m2md_coap_method_name(coap_pdu_get_code(request));
	size_t path_len, query_len;
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	unsigned int code;

	call->method_code = coap_pdu_get_code(request);
	snprintf(call->method_name, sizeof(call->method_name), "%s",
		 name ? name : "?");
	call->req.binding = M2MD_BINDING_COAP;
	call->req.method = m2md_method_parse(call->method_name);
	call->req.args = call->args;
	m2md_coap_measure(request, &path_len, &query_len);
	call->path = malloc(path_len + 1);
	call->target = malloc(path_len + query_len + 1);
	if (!call->path || !call->target) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	/* Options come sorted by number: Uri-Path (11) before Uri-Query (15). */
	call->path[0] = '\0';
	call->target[0] = '\0';
	coap_option_iterator_init(request, &it, COAP_OPT_ALL);
	while ((opt = coap_option_next(&it))) {
		code = m2md_coap_option(call, it.number, opt, err, errlen);
		if (code)
			return code;
	}
	call->has_block2 = coap_get_block(request, COAP_OPTION_BLOCK2,
					  &call->block2);
	if (!call->path[0])
		strcpy(call->path, "/");
	if (!call->target[0])
		strcpy(call->target, call->path);
	call->req.path = call->path;
	call->req.target = call->target;
	call->req.authorization = call->authorization;
	if (call->has_format)
		call->req.content_type = m2md_coap_format_name(call->format);
	if (call->has_accept)
		call->req.accept = m2md_coap_format_name(call->accept_format);
	if (call->netags && m2md_coap_if_none_match(call)) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	call->req.if_none_match = call->if_none_match;
	if (!call->req.method) {
		snprintf(err, errlen,
			 "method %s is not supported, only GET, POST, PUT and DELETE",
			 call->method_name);
		return 405;
	}
	return 0;
}

void m2md_coap_call_free(struct m2md_coap_call *call)
{
	size_t i;

	for (i = 0; i < call->req.nargs; i++)
		free((char *)call->args[i].name);
	free(call->path);
	free(call->target);
	free(call->authorization);
	free(call->if_none_match);
	free(call->body);
	free(call->reply.body);
	memset(call, 0, sizeof(*call));
}
