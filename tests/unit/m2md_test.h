/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the m2md unit tests: checks that count, a temporary
 * state directory, and a small libcurl client for requests to a server
 * started on 127.0.0.1.
 */
#ifndef M2MD_TEST_H
#define M2MD_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"

/* Print the closing line and return the exit code of the program. */
static inline int m2md_test_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, checks - failures,
	       failures);
	return failures ? 1 : 0;
}

static inline void m2md_test_tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/m2md-test-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

static int m2md_test_rm_one(const char *path, const struct stat *sb,
			    int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline void m2md_test_rmdir(const char *dir)
{
	nftw(dir, m2md_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct m2md_test_resp {
	long status;
	char body[65536];
	size_t len;
	char content_type[128];
	char location[512];
	char allow[64];
};

static size_t m2md_test_body(char *ptr, size_t size, size_t n, void *ctx)
{
	struct m2md_test_resp *r = ctx;
	size_t len = size * n, room = sizeof(r->body) - 1 - r->len;

	if (len < room)
		room = len;
	memcpy(r->body + r->len, ptr, room);
	r->len += room;
	r->body[r->len] = '\0';
	return len;
}

static void m2md_test_header_value(const char *line, size_t len,
				   const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), vlen;

	if (len <= nlen || strncasecmp(line, name, nlen))
		return;
	line += nlen;
	len -= nlen;
	while (len && *line == ' ') {
		line++;
		len--;
	}
	vlen = len;
	while (vlen && (line[vlen - 1] == '\r' || line[vlen - 1] == '\n'))
		vlen--;
	if (vlen >= outlen)
		vlen = outlen - 1;
	memcpy(out, line, vlen);
	out[vlen] = '\0';
}

static size_t m2md_test_header(char *ptr, size_t size, size_t n, void *ctx)
{
	struct m2md_test_resp *r = ctx;
	size_t len = size * n;

	m2md_test_header_value(ptr, len, "Content-Type:", r->content_type,
			       sizeof(r->content_type));
	m2md_test_header_value(ptr, len, "Location:", r->location,
			       sizeof(r->location));
	m2md_test_header_value(ptr, len, "Allow:", r->allow, sizeof(r->allow));
	return len;
}

/*
 * Send one request. ctype and accept may be NULL; body may be NULL for
 * no body. Returns the status in r->status (0 when the transfer failed).
 */
static inline void m2md_test_request(const char *method, const char *url,
				     const char *ctype, const char *accept,
				     const void *body, size_t len,
				     struct m2md_test_resp *r)
{
	struct curl_slist *headers = NULL;
	char line[256];
	CURL *curl = curl_easy_init();

	memset(r, 0, sizeof(*r));
	if (ctype) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		headers = curl_slist_append(headers, line);
	}
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		headers = curl_slist_append(headers, line);
	}
	/* No "Expect: 100-continue" wait for larger bodies. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
	}
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, m2md_test_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, m2md_test_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
}

#endif /* M2MD_TEST_H */
