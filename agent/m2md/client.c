// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "client.h"

#define M2MD_CLIENT_REPLY_MAX	4096

struct m2md_client_buf {
	char data[M2MD_CLIENT_REPLY_MAX + 1];
	size_t len;
};

/* Keep the start of the reply body, enough for a problem detail. */
static size_t m2md_client_write(char *ptr, size_t size, size_t nmemb,
				void *ctx)
{
	struct m2md_client_buf *buf = ctx;
	size_t n = size * nmemb, room = M2MD_CLIENT_REPLY_MAX - buf->len;

	if (n < room)
		room = n;
	memcpy(buf->data + buf->len, ptr, room);
	buf->len += room;
	buf->data[buf->len] = '\0';
	return n;
}

static void m2md_client_reason(const struct m2md_client_buf *buf, long status,
			       char *err, size_t errlen)
{
	struct json_object *obj = json_tokener_parse(buf->data), *detail;

	if (obj && json_object_object_get_ex(obj, "detail", &detail))
		snprintf(err, errlen, "HTTP %ld: %s", status,
			 json_object_get_string(detail));
	else
		snprintf(err, errlen, "HTTP %ld", status);
	json_object_put(obj);
}

long m2md_client_post(const char *url, const char *content_type,
		      const void *body, size_t len, long timeout_ms,
		      char *err, size_t errlen)
{
	struct m2md_client_buf *buf = calloc(1, sizeof(*buf));
	struct curl_slist *headers = NULL;
	char ctype[160];
	long status = 0;
	CURLcode rc;
	CURL *curl;

	curl = curl_easy_init();
	if (!buf || !curl) {
		snprintf(err, errlen, "out of memory");
		free(buf);
		curl_easy_cleanup(curl);
		return 0;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
	headers = curl_slist_append(headers, ctype);
	headers = curl_slist_append(headers, "Accept: application/xml");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_client_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, buf);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	else
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300)
		m2md_client_reason(buf, status, err, errlen);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(buf);
	return status;
}

struct m2md_client_sink {
	struct m2md_client_reply *reply;
	size_t cap;
	bool too_big;
};

static size_t m2md_client_collect(char *ptr, size_t size, size_t nmemb,
				  void *ctx)
{
	struct m2md_client_sink *sink = ctx;
	struct m2md_client_reply *r = sink->reply;
	size_t n = size * nmemb, want;
	unsigned char *grown;

	if (r->len + n > M2MD_CLIENT_BODY_MAX) {
		sink->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > sink->cap) {
		want = sink->cap ? sink->cap : 4096;
		while (want < r->len + n + 1)
			want *= 2;
		grown = realloc(r->body, want);
		if (!grown)
			return 0;
		r->body = grown;
		sink->cap = want;
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void m2md_client_copy_header(const char *line, size_t len,
				    const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	if (len <= nlen || strncasecmp(line, name, nlen))
		return;
	line += nlen;
	len -= nlen;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, line, len);
	out[len] = '\0';
}

static size_t m2md_client_header(char *ptr, size_t size, size_t nmemb,
				 void *ctx)
{
	struct m2md_client_reply *r = ctx;
	size_t n = size * nmemb;
	char retry[16] = "";

	m2md_client_copy_header(ptr, n, "Content-Type:", r->content_type,
				sizeof(r->content_type));
	m2md_client_copy_header(ptr, n, "Location:", r->location,
				sizeof(r->location));
	m2md_client_copy_header(ptr, n, "ETag:", r->etag, sizeof(r->etag));
	m2md_client_copy_header(ptr, n, "Last-Modified:", r->last_modified,
				sizeof(r->last_modified));
	m2md_client_copy_header(ptr, n, "Retry-After:", retry, sizeof(retry));
	if (retry[0])
		r->retry_after = strtoul(retry, NULL, 10);
	return n;
}

static bool m2md_client_scheme_ok(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	       !strncasecmp(url, "https://", 8);
}

static struct curl_slist *m2md_client_headers(const struct m2md_client_req *req)
{
	struct curl_slist *headers = NULL;
	char line[192];

	if (req->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 req->content_type);
		headers = curl_slist_append(headers, line);
	}
	snprintf(line, sizeof(line), "Accept: %s",
		 req->accept ? req->accept : "application/xml");
	headers = curl_slist_append(headers, line);
	/* No "Expect: 100-continue" round trip before a body. */
	return curl_slist_append(headers, "Expect:");
}

static void m2md_client_setup(CURL *curl, const struct m2md_client_req *req,
			      struct curl_slist *headers,
			      struct m2md_client_sink *sink)
{
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : 10000;

	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(req->method, "HEAD")) {
		/* A HEAD reply has no body to wait for. */
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else if (req->body || strcmp(req->method, "DELETE")) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
				 req->body ? req->body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->len);
	}
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_client_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, m2md_client_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, sink->reply);
}

long m2md_client_send(const struct m2md_client_req *req,
		      struct m2md_client_reply *reply, char *err,
		      size_t errlen)
{
	struct m2md_client_sink sink = { .reply = reply };
	struct curl_slist *headers;
	CURLcode rc;
	CURL *curl;

	memset(reply, 0, sizeof(*reply));
	err[0] = '\0';
	if (!m2md_client_scheme_ok(req->url)) {
		snprintf(err, errlen, "URL %.200s is not http:// or https://",
			 req->url);
		return 0;
	}
	curl = curl_easy_init();
	headers = m2md_client_headers(req);
	if (!curl || !headers) {
		snprintf(err, errlen, "out of memory");
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return 0;
	}
	m2md_client_setup(curl, req, headers, &sink);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE,
				  &reply->status);
	else if (sink.too_big)
		snprintf(err, errlen, "reply body larger than %d bytes",
			 M2MD_CLIENT_BODY_MAX);
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	if (reply->status >= 300)
		snprintf(err, errlen, "HTTP %ld", reply->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return reply->status;
}

void m2md_client_reply_free(struct m2md_client_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}
