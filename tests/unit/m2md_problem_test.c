// SPDX-License-Identifier: GPL-2.0
/* Unit test of the errno to HTTP status and problem body mapping. */
#include <errno.h>

#include <json-c/json.h>

#include "m2md_test.h"
#include "problem.h"

/* The handshake errors of the m2msec uapi and their HTTP status. */
static const struct {
	int error;
	unsigned int status;
	const char *type_suffix;
} cases[] = {
	{ EBADMSG, 400, "malformed-message" },
	{ EINVAL, 400, "invalid-request" },
	{ EKEYREJECTED, 403, "authentication-failed" },
	{ EKEYREVOKED, 403, "key-revoked" },
	{ EKEYEXPIRED, 403, "key-expired" },
	{ EACCES, 403, "key-not-permitted" },
	{ ENOENT, 404, "unknown-index" },
	{ ENOKEY, 404, "unknown-device" },
	{ EPROTO, 409, "mode-mismatch" },
	{ EMSGSIZE, 413, "message-too-large" },
	{ EAGAIN, 429, "busy" },
	{ EBUSY, 503, "busy" },
	{ ENOMEM, 503, "busy" },
	{ EIO, 500, "internal-error" },
	{ EPERM, 500, "internal-error" },
};

static const char *field(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void test_errno_status(void)
{
	const struct m2md_problem_kind *kind;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kind = m2md_problem_for_errno(cases[i].error);
		CHECK(kind->status == cases[i].status, "%s: status %u, expected %u",
		      strerror(cases[i].error), kind->status, cases[i].status);
		kind = m2md_problem_for_errno(-cases[i].error);
		CHECK(kind->status == cases[i].status,
		      "negative %s maps the same", strerror(cases[i].error));
	}
}

static void test_problem_body(void)
{
	struct m2md_reply reply;
	struct json_object *obj, *status;
	char type[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&reply, 0, sizeof(reply));
		m2md_reply_errno(&reply, -cases[i].error,
				 "bad MAC in FINISH for index 0000002a");
		CHECK(reply.status == cases[i].status, "reply status %u",
		      reply.status);
		CHECK(!strcmp(reply.content_type, "application/problem+json"),
		      "content type %s", reply.content_type);
		obj = json_tokener_parse((const char *)reply.body);
		CHECK(obj != NULL, "body is JSON: %.*s", (int)reply.len,
		      reply.body);
		if (!obj) {
			free(reply.body);
			continue;
		}
		snprintf(type, sizeof(type), "urn:m2msec:problem:%s",
			 cases[i].type_suffix);
		CHECK(field(obj, "type") != NULL, "type member present");
		CHECK(!strcmp(field(obj, "type") ? field(obj, "type") : "", type),
		      "type %s, expected %s", field(obj, "type"), type);
		CHECK(field(obj, "title") != NULL, "title member present");
		CHECK(field(obj, "title") && *field(obj, "title"),
		      "title is not empty");
		CHECK(json_object_object_get_ex(obj, "status", &status) &&
		      json_object_get_int(status) == (int)cases[i].status,
		      "status member matches");
		CHECK(field(obj, "detail") &&
		      !strcmp(field(obj, "detail"),
			      "bad MAC in FINISH for index 0000002a"),
		      "detail is the given text");
		CHECK((reply.retry_after != 0) ==
		      (cases[i].status == 503 || cases[i].status == 429),
		      "Retry-After only when busy (%u)", cases[i].status);
		json_object_put(obj);
		free(reply.body);
	}
}

static void test_plain_problem(void)
{
	struct m2md_reply reply = { 0 };
	struct json_object *obj;

	m2md_reply_problem(&reply, 404, NULL, NULL, NULL);
	obj = json_tokener_parse((const char *)reply.body);
	CHECK(obj != NULL, "body is JSON");
	CHECK(!strcmp(field(obj, "type"), "about:blank"),
	      "generic problem uses about:blank");
	CHECK(!strcmp(field(obj, "title"), "Not Found"),
	      "title is the reason phrase");
	CHECK(field(obj, "detail") == NULL, "no detail when none given");
	json_object_put(obj);
	free(reply.body);
}

/* A detail that echoes request bytes must still give a UTF-8 body. */
static void test_detail_utf8(void)
{
	static const struct {
		const char *detail;
		const char *expected;
	} cases[] = {
		{ "no resource at /nscl/\xff\xfe", "no resource at /nscl/??" },
		{ "id 'caf\xc3\xa9'", "id 'caf\xc3\xa9'" },
		{ "cut \xc3", "cut ?" },
		{ "overlong \xc0\xaf", "overlong ??" },
		{ "surrogate \xed\xa0\x80", "surrogate ???" },
		{ "euro \xe2\x82\xac", "euro \xe2\x82\xac" },
		{ "too high \xf4\x90\x80\x80", "too high ????" },
	};
	struct m2md_reply reply = { 0 };
	struct json_object *obj;
	const char *detail;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m2md_reply_problem(&reply, 404, NULL, NULL, cases[i].detail);
		obj = json_tokener_parse((const char *)reply.body);
		CHECK(obj != NULL, "case %zu: body is JSON", i);
		detail = obj ? field(obj, "detail") : NULL;
		CHECK(detail != NULL, "case %zu: detail member present", i);
		CHECK(detail && !strcmp(detail, cases[i].expected),
		      "case %zu: detail '%s', expected '%s'", i,
		      detail ? detail : "(none)", cases[i].expected);
		json_object_put(obj);
		free(reply.body);
		reply.body = NULL;
	}
}

int main(void)
{
	test_errno_status();
	test_problem_body();
	test_plain_problem();
	test_detail_utf8();
	return m2md_test_done("m2md_problem_test");
}
