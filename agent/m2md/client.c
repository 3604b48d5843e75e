// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
