// SPDX-License-Identifier: GPL-2.0
/*
 * Problem details (RFC 9457). The detail text names what failed. For a
 * handshake it is the kernel's extended ack message, which contains no
 * secret.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "problem.h"

#define M2MD_PROBLEM_URN	"urn:m2msec:problem:"

static const struct {
	int error;
	struct m2md_problem_kind kind;
} m2md_errno_map[] = {
	{ EBADMSG, { 400, M2MD_PROBLEM_URN "malformed-message",
		     "Malformed handshake message" } },
	{ EINVAL, { 400, M2MD_PROBLEM_URN "invalid-request",
		    "Invalid request" } },
	{ EKEYREJECTED, { 403, M2MD_PROBLEM_URN "authentication-failed",
			  "Authentication failed" } },
	{ EKEYREVOKED, { 403, M2MD_PROBLEM_URN "key-revoked",
			 "Key revoked" } },
	{ EKEYEXPIRED, { 403, M2MD_PROBLEM_URN "key-expired",
			 "Key expired" } },
	{ EACCES, { 403, M2MD_PROBLEM_URN "key-not-permitted",
		    "Key not permitted" } },
	{ ENOENT, { 404, M2MD_PROBLEM_URN "unknown-index",
		    "Unknown handshake index" } },
	{ ENOKEY, { 404, M2MD_PROBLEM_URN "unknown-device",
		    "Unknown device" } },
	{ EPROTO, { 409, M2MD_PROBLEM_URN "mode-mismatch",
		    "Mode or suite mismatch" } },
	{ EMSGSIZE, { 413, M2MD_PROBLEM_URN "message-too-large",
		      "Message too large" } },
	{ EAGAIN, { 429, M2MD_PROBLEM_URN "busy",
		    "Too many requests" } },
	{ EBUSY, { 503, M2MD_PROBLEM_URN "busy",
		   "Handshake table full" } },
	{ ENOMEM, { 503, M2MD_PROBLEM_URN "busy",
		    "Out of memory" } },
};

static const struct m2md_problem_kind m2md_internal = {
	500, M2MD_PROBLEM_URN "internal-error", "Internal error"
};

const struct m2md_problem_kind *m2md_problem_for_errno(int error)
{
	size_t i;

	if (error < 0)
		error = -error;
	for (i = 0; i < sizeof(m2md_errno_map) / sizeof(m2md_errno_map[0]);
	     i++)
		if (m2md_errno_map[i].error == error)
			return &m2md_errno_map[i].kind;
	return &m2md_internal;
}

const char *m2md_status_phrase(unsigned int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

/* Return the length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t m2md_utf8_len(const unsigned char *s)
{
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* Reject overlong forms, UTF-16 surrogates and code points over 10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Copy text with each byte that is not part of valid UTF-8 replaced by
 * '?'. A detail may echo a request path or an initiator id, and JSON
 * must be UTF-8 (RFC 8259), which json-c does not check.
 */
static char *m2md_utf8_copy(const char *text)
{
	unsigned char *copy = (unsigned char *)strdup(text), *p;
	size_t len;

	if (!copy)
		return NULL;
	for (p = copy; *p; p += len) {
		len = m2md_utf8_len(p);
		if (!len) {
			*p = '?';
			len = 1;
		}
	}
	return (char *)copy;
}

void m2md_reply_problem(struct m2md_reply *reply, unsigned int status,
			const char *type, const char *title,
			const char *detail)
{
	struct json_object *obj = json_object_new_object();
	const char *text;
	char *clean;

	json_object_object_add(obj, "type",
			       json_object_new_string(type ? type :
						      "about:blank"));
	json_object_object_add(obj, "title",
			       json_object_new_string(title ? title :
						      m2md_status_phrase(status)));
	json_object_object_add(obj, "status", json_object_new_int(status));
	clean = detail && *detail ? m2md_utf8_copy(detail) : NULL;
	if (clean)
		json_object_object_add(obj, "detail",
				       json_object_new_string(clean));
	free(clean);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (m2md_reply_set(reply, status, M2MD_PROBLEM_TYPE, text,
			   strlen(text)))
		reply->status = status;
	json_object_put(obj);
}

void m2md_reply_errno(struct m2md_reply *reply, int error,
		      const char *detail)
{
	const struct m2md_problem_kind *kind = m2md_problem_for_errno(error);

	m2md_reply_problem(reply, kind->status, kind->type, kind->title,
			   detail);
	if (kind->status == 503 || kind->status == 429)
		reply->retry_after = 1;
}
