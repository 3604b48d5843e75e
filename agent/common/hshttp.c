// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP exchange of one handshake message with libcurl: POST the
 * message, check status, content type and size of the reply, and turn a
 * problem+json body (RFC 9457) into a readable error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "hsclient.h"

/*
 * Largest reply body read: a handshake message is at most M2MSEC_MSG_MAX
 * bytes, and an error body only has to carry a short problem+json object.
 */
#define M2M_HTTP_BODY_MAX	4096
#define M2M_PROBLEM_TYPE	"application/problem+json"

struct m2m_http_body {
	char data[M2M_HTTP_BODY_MAX + 1];
	size_t len;
	bool overflow;
};

static int m2m_http_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static int m2m_http_fail(char *err, size_t errlen, int ret, const char *fmt,
			 ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static size_t m2m_http_write_cb(char *ptr, size_t size, size_t nmemb,
				void *data)
{
	struct m2m_http_body *body = data;
	size_t n = size * nmemb;

	if (n > M2M_HTTP_BODY_MAX - body->len) {
		body->overflow = true;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	memcpy(body->data + body->len, ptr, n);
	body->len += n;
	return n;
}

/* Compare the media type of a Content-Type value, parameters ignored. */
static bool m2m_http_type_is(const char *content_type, const char *type)
{
	size_t len = strlen(type);

	if (!content_type || strncasecmp(content_type, type, len))
		return false;
	content_type += len;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

/*
 * Copy the "detail" member of a problem+json body into out, or "title"
 * when there is no detail. Control characters become '?'.
 */
static bool m2m_http_problem_text(const struct m2m_http_body *body, char *out,
				  size_t outlen)
{
	struct json_tokener *tok;
	struct json_object *obj, *member;
	const char *text = NULL;
	char *p;

	tok = json_tokener_new();
	if (!tok)
		return false;
	obj = json_tokener_parse_ex(tok, body->data, (int)body->len);
	json_tokener_free(tok);
	if (!obj)
		return false;
	if (json_object_is_type(obj, json_type_object)) {
		if (json_object_object_get_ex(obj, "detail", &member) &&
		    json_object_is_type(member, json_type_string))
			text = json_object_get_string(member);
		else if (json_object_object_get_ex(obj, "title", &member) &&
			 json_object_is_type(member, json_type_string))
			text = json_object_get_string(member);
	}
	if (text)
		snprintf(out, outlen, "%s", text);
	json_object_put(obj);
	for (p = out; text && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return text != NULL;
}

static int m2m_http_status_error(const char *url, long status,
				 const char *content_type,
				 const struct m2m_http_body *body, char *err,
				 size_t errlen)
{
	char detail[256];

	if (m2m_http_type_is(content_type, M2M_PROBLEM_TYPE) &&
	    !body->overflow && m2m_http_problem_text(body, detail,
						     sizeof(detail)))
		return m2m_http_fail(err, errlen, -EPROTO,
				     "POST %s: HTTP %ld: %s", url, status,
				     detail);
	return m2m_http_fail(err, errlen, -EPROTO,
			     "POST %s: HTTP %ld without a problem description",
			     url, status);
}

static int m2m_http_transport_error(const char *url, CURLcode code,
				    const char *curl_err,
				    const struct m2m_http_body *body,
				    long timeout_ms, char *err, size_t errlen)
{
	const char *why = curl_err[0] ? curl_err : curl_easy_strerror(code);

	if (body->overflow)
		return m2m_http_fail(err, errlen, -EMSGSIZE,
				     "POST %s: reply body exceeds %d bytes",
				     url, M2M_HTTP_BODY_MAX);
	if (code == CURLE_OPERATION_TIMEDOUT)
		return m2m_http_fail(err, errlen, -ETIMEDOUT,
				     "POST %s: timed out after %ld ms", url,
				     timeout_ms);
	if (code == CURLE_COULDNT_CONNECT)
		return m2m_http_fail(err, errlen, -ECONNREFUSED,
				     "POST %s: connection failed: %s", url,
				     why);
	return m2m_http_fail(err, errlen, -EIO, "POST %s: %s", url, why);
}

/* Check a reply with the expected status and copy its message. */
static int m2m_http_check_reply(const char *url, long status,
				const char *content_type,
				const struct m2m_http_body *body,
				uint8_t *reply, size_t *reply_len, char *err,
				size_t errlen)
{
	if (status == 204) {
		if (body->len)
			return m2m_http_fail(err, errlen, -EBADMSG,
					     "POST %s: HTTP 204 with a %zu-byte body",
					     url, body->len);
		*reply_len = 0;
		return 0;
	}
	if (!m2m_http_type_is(content_type, M2M_HS_CONTENT_TYPE))
		return m2m_http_fail(err, errlen, -EBADMSG,
				     "POST %s: reply has content type \"%s\", expected %s",
				     url, content_type ? content_type : "",
				     M2M_HS_CONTENT_TYPE);
	if (body->len > M2MSEC_MSG_MAX)
		return m2m_http_fail(err, errlen, -EMSGSIZE,
				     "POST %s: reply of %zu bytes exceeds the maximum message size of %d",
				     url, body->len, M2MSEC_MSG_MAX);
	if (body->len == 0)
		return m2m_http_fail(err, errlen, -EBADMSG,
				     "POST %s: reply body is empty", url);
	memcpy(reply, body->data, body->len);
	*reply_len = body->len;
	return 0;
}

static struct curl_slist *m2m_http_headers(void)
{
	struct curl_slist *list, *next;

	list = curl_slist_append(NULL, "Content-Type: " M2M_HS_CONTENT_TYPE);
	if (!list)
		return NULL;
	next = curl_slist_append(list, "Accept: " M2M_HS_CONTENT_TYPE
				       ", " M2M_PROBLEM_TYPE);
	if (!next) {
		curl_slist_free_all(list);
		return NULL;
	}
	/* A handshake message is small: no "Expect: 100-continue" round. */
	next = curl_slist_append(list, "Expect:");
	if (!next) {
		curl_slist_free_all(list);
		return NULL;
	}
	return list;
}

static void m2m_http_setup(CURL *curl, const char *url, const uint8_t *msg,
			   size_t len, long timeout_ms,
			   struct curl_slist *headers,
			   struct m2m_http_body *body, char *curl_err)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, msg);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2m_http_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
}

int m2m_hs_http_post(const char *url, const uint8_t *msg, size_t len,
		     long expect_status, long timeout_ms, uint8_t *reply,
		     size_t *reply_len, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct m2m_http_body *body;
	struct curl_slist *headers;
	const char *content_type = NULL;
	long status = 0;
	CURLcode code;
	CURL *curl;
	int ret;

	if (expect_status != 200 && expect_status != 204)
		return m2m_http_fail(err, errlen, -EINVAL,
				     "invalid expected HTTP status %ld (expected 200 or 204)",
				     expect_status);
	body = calloc(1, sizeof(*body));
	curl = curl_easy_init();
	headers = m2m_http_headers();
	if (!body || !curl || !headers) {
		ret = m2m_http_fail(err, errlen, -ENOMEM,
				    "POST %s: out of memory", url);
		goto out;
	}
	m2m_http_setup(curl, url, msg, len, timeout_ms, headers, body,
		       curl_err);
	code = curl_easy_perform(curl);
	if (code != CURLE_OK) {
		ret = m2m_http_transport_error(url, code, curl_err, body,
					       timeout_ms, err, errlen);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
	if (status != expect_status)
		ret = m2m_http_status_error(url, status, content_type, body,
					    err, errlen);
	else
		ret = m2m_http_check_reply(url, status, content_type, body,
					   reply, reply_len, err, errlen);
out:
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	free(body);
	return ret;
}
