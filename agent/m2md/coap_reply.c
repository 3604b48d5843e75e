// SPDX-License-Identifier: GPL-2.0
/*
 * m2md replies to CoAP responses: codes, options, and RFC 7959 Block2
 * served without state, where every block of a large body is cut from a
 * new rendering and the ETag option lets the client check that the
 * blocks belong together.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "coap.h"
#include "coap_msg.h"

unsigned int m2md_coap_code(unsigned int http_status)
{
	switch (http_status) {
	case 200:
		return 205;
	case 201:
		return 201;
	case 202:
	case 204:
		return 204;
	case 304:
		return 203;
	case 400:
	case 401:
	case 403:
	case 404:
	case 405:
	case 406:
	case 409:	/* 4.09 Conflict, RFC 8132 */
	case 412:
	case 413:
	case 415:
	case 422:	/* 4.22 Unprocessable Entity, RFC 8132 */
	case 429:	/* 4.29 Too Many Requests, RFC 8516 */
	case 500:
	case 501:
	case 502:
	case 503:
	case 504:
		return http_status;
	case 410:
		return 404;
	}
	if (http_status >= 200 && http_status < 300)
		return 205;
	if (http_status >= 400 && http_status < 500)
		return 400;
	return 500;
}

size_t m2md_coap_etag(const char *etag, uint8_t out[M2MD_COAP_ETAG_LEN])
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	size_t len;

	if (!etag || !etag[0])
		return 0;
	if (!strncmp(etag, "W/", 2))
		etag += 2;
	len = strlen(etag);
	if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
		etag++;
		len -= 2;
	}
	if (len && len <= M2MD_COAP_ETAG_LEN) {
		memcpy(out, etag, len);
		return len;
	}
	SHA256((const unsigned char *)etag, len, digest);
	memcpy(out, digest, M2MD_COAP_ETAG_LEN);
	return M2MD_COAP_ETAG_LEN;
}

/*
 * The response as it will be written: options first, then the payload
 * or one block of it. Everything that can fail on the client's input is
 * decided here, before the PDU contains a single option.
 */
struct m2md_coap_plan {
	unsigned int code;
	uint8_t etag[M2MD_COAP_ETAG_LEN];
	size_t etag_len;
	int format;			/* -1: no Content-Format */
	const char *location;		/* path part, NULL: none */
	const char *location_query;	/* NULL: none */
	size_t location_len;
	int max_age;			/* -1: no Max-Age */
	bool body;
	bool blockwise;
	unsigned int num, szx;
	size_t start, size;		/* the bytes of body to send */
	size_t options_len;		/* upper bound of their encoded size */
};

/* One byte of header, two of extended delta and two of extended length. */
#define M2MD_COAP_OPT_OVERHEAD	5

/* Return the encoded size bound of the options of s split at sep, or 0. */
static size_t m2md_coap_parts_len(const char *s, size_t len, char sep)
{
	const char *end = s + len;
	const char *next;
	size_t total = 0;

	while (s < end) {
		next = memchr(s, sep, end - s);
		if (!next)
			next = end;
		/* An option is at most 255 bytes long (RFC 7252, 5.10). */
		if (next - s > 255)
			return SIZE_MAX;
		if (next > s)
			total += next - s + M2MD_COAP_OPT_OVERHEAD;
		s = next + 1;
	}
	return total;
}

/* Split an HTTP Location value, a path or an absolute URL, into plan. */
static int m2md_coap_plan_location(struct m2md_coap_plan *plan,
				   const char *location)
{
	const char *scheme = strstr(location, "://");
	const char *query;
	size_t len;

	if (scheme) {
		location = strchr(scheme + 3, '/');
		if (!location)
			return 0;
	}
	query = strchr(location, '?');
	plan->location = location;
	plan->location_len = query ? (size_t)(query - location) :
			     strlen(location);
	len = m2md_coap_parts_len(location, plan->location_len, '/');
	if (query) {
		plan->location_query = query + 1;
		if (len != SIZE_MAX)
			len += m2md_coap_parts_len(query + 1, strlen(query + 1),
						   '&');
	}
	if (len >= SIZE_MAX / 2)
		return -EMSGSIZE;
	plan->options_len += len;
	return 0;
}

/* The code of the reply, for the request's method. */
static unsigned int m2md_coap_reply_code(const struct m2md_coap_call *call)
{
	unsigned int code = m2md_coap_code(call->reply.status ?
					   call->reply.status : 500);

	if (code / 100 != 2 || code == 203)
		return code;
	/* RFC 7252, 5.8: a DELETE succeeds with 2.02, PUT and POST with 2.04. */
	if (call->method_code == COAP_REQUEST_CODE_DELETE)
		return 202;
	if (code == 205 && call->method_code != COAP_REQUEST_CODE_GET)
		return 204;
	/* 2.04 Changed makes no sense for a GET, such as a long poll's 204. */
	if (code == 204 && call->method_code == COAP_REQUEST_CODE_GET)
		return 205;
	return code;
}

static bool m2md_coap_etag_sent(const struct m2md_coap_call *call,
				const uint8_t *etag, size_t len)
{
	size_t i;

	for (i = 0; i < call->netags; i++)
		if (call->etag_len[i] == len &&
		    !memcmp(call->etags[i], etag, len))
			return true;
	return false;
}

/*
 * Choose between one payload and a block (RFC 7959, Block2) of the
 * largest size that fits beside the options and that the client accepts.
 * Returns 0, or 400 with the reason in err.
 */
static unsigned int m2md_coap_plan_blocks(struct m2md_coap_plan *plan,
					  const struct m2md_coap_call *call,
					  size_t len, size_t max_pdu,
					  char *err, size_t errlen)
{
	/* Header, token, payload marker, the Block2 and Size2 options. */
	size_t overhead = 4 + 8 + 1 + plan->options_len +
			  2 * (4 + M2MD_COAP_OPT_OVERHEAD);
	size_t avail = max_pdu > overhead ? max_pdu - overhead : 0;
	const coap_block_t asked = call->block2;
	bool has_block = call->has_block2;

	plan->start = 0;
	plan->size = len;
	if (!has_block && len <= avail)
		return 0;
	plan->blockwise = true;
	plan->szx = 6;
	if (has_block && asked.szx < plan->szx)
		plan->szx = asked.szx;
	while (plan->szx && ((size_t)16 << plan->szx) > avail)
		plan->szx--;
	if (((size_t)16 << plan->szx) > avail) {
		snprintf(err, errlen, "the options leave no room for a block");
		return 500;
	}
	/* A client asking for larger blocks gets the same bytes in smaller. */
	plan->num = has_block ? asked.num << (asked.szx - plan->szx) : 0;
	plan->size = (size_t)16 << plan->szx;
	plan->start = (size_t)plan->num * plan->size;
	if (plan->start && plan->start >= len) {
		snprintf(err, errlen,
			 "Block2 number %u is past the end of the %zu-byte body",
			 asked.num, len);
		return 400;
	}
	if (plan->start + plan->size > len)
		plan->size = len - plan->start;
	return 0;
}

/* ETag option of the reply; a body sent in blocks without one gets a hash. */
static void m2md_coap_plan_etag(struct m2md_coap_plan *plan,
				const struct m2md_coap_call *call)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	plan->etag_len = m2md_coap_etag(call->reply.etag, plan->etag);
	if (plan->code == 205 && plan->etag_len &&
	    m2md_coap_etag_sent(call, plan->etag, plan->etag_len))
		plan->code = 203;
	if (plan->code == 203) {
		/* The tree matched an ETag but may not have repeated it. */
		if (!plan->etag_len && call->netags == 1) {
			plan->etag_len = call->etag_len[0];
			memcpy(plan->etag, call->etags[0], plan->etag_len);
		}
		plan->body = false;
	}
	if (!plan->etag_len && plan->body && call->reply.len > 1024) {
		SHA256(call->reply.body, call->reply.len, digest);
		memcpy(plan->etag, digest, M2MD_COAP_ETAG_LEN);
		plan->etag_len = M2MD_COAP_ETAG_LEN;
	}
	if (plan->etag_len)
		plan->options_len += plan->etag_len + M2MD_COAP_OPT_OVERHEAD;
}

static unsigned int m2md_coap_plan(struct m2md_coap_plan *plan,
				   const struct m2md_coap_call *call,
				   size_t max_pdu, char *err, size_t errlen)
{
	const struct m2md_reply *reply = &call->reply;

	plan->code = m2md_coap_reply_code(call);
	plan->format = m2md_coap_format_of(reply->content_type);
	plan->body = reply->len > 0;
	plan->max_age = -1;
	m2md_coap_plan_etag(plan, call);
	if (plan->code == 205 && plan->body && call->has_accept &&
	    plan->format != call->accept_format) {
		snprintf(err, errlen,
			 "no representation in Content-Format %u, only %s",
			 call->accept_format, reply->content_type);
		return 406;
	}
	if (plan->code == 201 && reply->location[0] &&
	    m2md_coap_plan_location(plan, reply->location)) {
		snprintf(err, errlen, "a Location segment is over 255 bytes");
		return 500;
	}
	/*
	 * Max-Age carries Retry-After (RFC 7252, 5.9.3.4). Representations
	 * change with every write, so they are not fresh for the default 60
	 * seconds but are validated with their ETag.
	 */
	if (reply->retry_after)
		plan->max_age = reply->retry_after;
	else if (plan->code == 205 || plan->code == 203)
		plan->max_age = 0;
	plan->options_len += 3 * (4 + M2MD_COAP_OPT_OVERHEAD);
	if (!plan->body)
		return 0;
	return m2md_coap_plan_blocks(plan, call, reply->len, max_pdu, err,
				     errlen);
}

static bool m2md_coap_put_uint(coap_pdu_t *pdu, uint16_t number,
			       unsigned int value)
{
	uint8_t buf[4];

	return coap_add_option(pdu, number,
			       coap_encode_var_safe(buf, sizeof(buf), value),
			       buf);
}

static bool m2md_coap_put_parts(coap_pdu_t *pdu, uint16_t number,
				const char *s, size_t len, char sep)
{
	const char *end = s + len;
	const char *next;

	while (s < end) {
		next = memchr(s, sep, end - s);
		if (!next)
			next = end;
		if (next > s &&
		    !coap_add_option(pdu, number, next - s, (const uint8_t *)s))
			return false;
		s = next + 1;
	}
	return true;
}

static bool m2md_coap_write(const struct m2md_coap_plan *plan,
			    const struct m2md_coap_call *call, coap_pdu_t *pdu)
{
	const struct m2md_reply *reply = &call->reply;
	bool ok = true;

	coap_pdu_set_code(pdu, COAP_RESPONSE_CODE(plan->code));
	/* The final response to a body in blocks echoes its last Block1. */
	if (call->has_block1 && plan->code / 100 == 2)
		ok &= m2md_coap_put_uint(pdu, COAP_OPTION_BLOCK1, call->block1);
	if (plan->location)
		ok &= m2md_coap_put_parts(pdu, COAP_OPTION_LOCATION_PATH,
					  plan->location, plan->location_len,
					  '/');
	if (plan->location_query)
		ok &= m2md_coap_put_parts(pdu, COAP_OPTION_LOCATION_QUERY,
					  plan->location_query,
					  strlen(plan->location_query), '&');
	if (plan->etag_len)
		ok &= coap_add_option(pdu, COAP_OPTION_ETAG, plan->etag_len,
				      plan->etag) > 0;
	if (plan->body && plan->format >= 0)
		ok &= m2md_coap_put_uint(pdu, COAP_OPTION_CONTENT_FORMAT,
					 plan->format);
	if (plan->max_age >= 0)
		ok &= m2md_coap_put_uint(pdu, COAP_OPTION_MAXAGE,
					 plan->max_age);
	if (plan->body && plan->blockwise) {
		ok &= m2md_coap_put_uint(pdu, COAP_OPTION_BLOCK2,
					 plan->num << 4 |
					 (plan->start + plan->size <
					  reply->len) << 3 | plan->szx);
		ok &= m2md_coap_put_uint(pdu, COAP_OPTION_SIZE2, reply->len);
	}
	if (ok && plan->body)
		ok = coap_add_data(pdu, plan->size, reply->body + plan->start);
	return ok;
}

void m2md_coap_fail(coap_pdu_t *response, unsigned int code,
		    const char *diagnostic, int max_age)
{
	coap_pdu_set_code(response, COAP_RESPONSE_CODE(code));
	if (max_age >= 0)
		m2md_coap_put_uint(response, COAP_OPTION_MAXAGE, max_age);
	if (diagnostic && diagnostic[0])
		coap_add_data(response, strlen(diagnostic),
			      (const uint8_t *)diagnostic);
}

void m2md_coap_respond(struct m2md_coap_call *call, coap_pdu_t *response,
		       size_t max_pdu)
{
	struct m2md_coap_plan plan = { 0 };
	unsigned int code;
	char err[256];

	code = m2md_coap_plan(&plan, call, max_pdu, err, sizeof(err));
	if (code) {
		m2md_coap_fail(response, code, err, -1);
		return;
	}
	/*
	 * NOTE: a PDU that refuses an option here keeps the ones before it:
	 * libcoap 4.3.1 has no public call to remove options again.
	 */
	if (!m2md_coap_write(&plan, call, response))
		coap_pdu_set_code(response, COAP_RESPONSE_CODE(500));
}
