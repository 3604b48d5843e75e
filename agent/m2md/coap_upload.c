// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies in blocks (RFC 7959) that need state on the server.
 *
 * Request bodies that arrive in Block1 blocks are put together up to the
 * route's body limit. Such a body is identified by the client's address,
 * the method, the request target and the Request-Tag option. Its blocks
 * come in order, and a retransmitted block may come again.
 *
 * Replies to requests other than GET that go out in Block2 blocks are
 * kept, by the client's address, the method and the target, until the
 * client has requested their other blocks or M2MD_COAP_KEPT_IDLE_S pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap_msg.h"
#include "log.h"

/* Bodies being received in blocks, and how long one may pause. */
#define M2MD_COAP_UPLOADS_MAX	16
#define M2MD_COAP_UPLOAD_IDLE_S	60
/* Replies being sent in blocks, and how long the client may pause. */
#define M2MD_COAP_KEPT_MAX	16
#define M2MD_COAP_KEPT_IDLE_S	60

/* A request body arriving in Block1 blocks. */
struct m2md_coap_upload {
	struct m2md_coap_upload *next;
	coap_address_t peer;
	coap_pdu_code_t method;
	char *target;
	uint8_t rtag[8];
	size_t rtag_len;
	unsigned char *buf;
	size_t len;
	size_t cap;
	time_t used;			/* CLOCK_MONOTONIC seconds */
};

/* The reply to a request other than GET, being sent in Block2 blocks. */
struct m2md_coap_kept {
	struct m2md_coap_kept *next;
	coap_address_t peer;
	coap_pdu_code_t method;
	char *target;
	bool has_accept;
	uint16_t accept_format;
	struct m2md_reply reply;
	time_t used;			/* CLOCK_MONOTONIC seconds */
};

static time_t m2md_coap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void m2md_coap_upload_free(struct m2md_coap_upload *up)
{
	free(up->target);
	free(up->buf);
	free(up);
}

static void m2md_coap_upload_drop(struct m2md_coap_uploads *ups,
				  struct m2md_coap_upload *up)
{
	struct m2md_coap_upload **p;

	for (p = &ups->head; *p; p = &(*p)->next) {
		if (*p == up) {
			*p = up->next;
			ups->count--;
			m2md_coap_upload_free(up);
			return;
		}
	}
}

void m2md_coap_uploads_expire(struct m2md_coap_uploads *ups)
{
	time_t now = m2md_coap_now();
	struct m2md_coap_upload *up, *next;

	for (up = ups->head; up; up = next) {
		next = up->next;
		if (now - up->used > M2MD_COAP_UPLOAD_IDLE_S)
			m2md_coap_upload_drop(ups, up);
	}
}

static struct m2md_coap_upload *
m2md_coap_upload_find(struct m2md_coap_uploads *ups, const coap_address_t *peer,
		      const struct m2md_coap_call *call, const uint8_t *rtag,
		      size_t rtag_len)
{
	struct m2md_coap_upload *up;

	for (up = ups->head; up; up = up->next)
		if (coap_address_equals(&up->peer, peer) &&
		    up->method == call->method_code &&
		    !strcmp(up->target, call->target) &&
		    up->rtag_len == rtag_len &&
		    !memcmp(up->rtag, rtag, rtag_len))
			return up;
	return NULL;
}

/* A new body in blocks; the least recently used one makes room. */
static struct m2md_coap_upload *
m2md_coap_upload_new(struct m2md_coap_uploads *ups, const coap_address_t *peer,
		     const struct m2md_coap_call *call, const uint8_t *rtag,
		     size_t rtag_len)
{
	struct m2md_coap_upload *up, *oldest = NULL;

	if (ups->count >= M2MD_COAP_UPLOADS_MAX) {
		for (up = ups->head; up; up = up->next)
			if (!oldest || up->used <= oldest->used)
				oldest = up;
		m2md_coap_upload_drop(ups, oldest);
	}
	up = calloc(1, sizeof(*up));
	if (!up)
		return NULL;
	up->target = strdup(call->target);
	if (!up->target) {
		free(up);
		return NULL;
	}
	coap_address_copy(&up->peer, peer);
	up->method = call->method_code;
	memcpy(up->rtag, rtag, rtag_len);
	up->rtag_len = rtag_len;
	up->next = ups->head;
	ups->head = up;
	ups->count++;
	return up;
}

static int m2md_coap_upload_put(struct m2md_coap_upload *up, size_t offset,
				const uint8_t *data, size_t len)
{
	unsigned char *grown;
	size_t cap;

	if (offset + len > up->cap) {
		cap = up->cap ? up->cap : 1024;
		while (cap < offset + len)
			cap *= 2;
		grown = realloc(up->buf, cap);
		if (!grown)
			return -ENOMEM;
		up->buf = grown;
		up->cap = cap;
	}
	memcpy(up->buf + offset, data, len);
	if (offset + len > up->len)
		up->len = offset + len;
	up->used = m2md_coap_now();
	return 0;
}

static void m2md_coap_too_large(coap_pdu_t *response, size_t limit)
{
	char diagnostic[96];
	uint8_t buf[4];

	snprintf(diagnostic, sizeof(diagnostic),
		 "request body is larger than the limit of %zu bytes", limit);
	/* Size1 in a 4.13 gives the largest body accepted (RFC 7959, 4). */
	coap_add_option(response, COAP_OPTION_SIZE1,
			coap_encode_var_safe(buf, sizeof(buf), limit), buf);
	m2md_coap_fail(response, 413, diagnostic, -1);
}

static size_t m2md_coap_uint_option(const coap_pdu_t *pdu, uint16_t number,
				    bool *present)
{
	coap_opt_iterator_t it;
	coap_opt_t *opt = coap_check_option(pdu, number, &it);

	*present = opt != NULL;
	if (!opt)
		return 0;
	return coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

/*
 * Add one Block1 block to the body of its upload. Returns true when the
 * body is complete in call, false when response contains the reply (2.31
 * Continue or an error).
 */
static bool m2md_coap_collect_block(struct m2md_coap_uploads *ups,
				    coap_session_t *session,
				    const coap_pdu_t *request,
				    coap_pdu_t *response,
				    struct m2md_coap_call *call,
				    const coap_block_t *block, size_t limit)
{
	const coap_address_t *peer = coap_session_get_addr_remote(session);
	size_t offset = (size_t)block->num << (block->szx + 4);
	struct m2md_coap_upload *up;
	const uint8_t *data = NULL, *rtag = NULL;
	coap_opt_iterator_t it;
	coap_opt_t *rtag_opt;
	size_t len = 0, rtag_len = 0, size1;
	bool has_size1;
	char diagnostic[96];
	uint8_t buf[4];

	coap_get_data(request, &len, &data);
	size1 = m2md_coap_uint_option(request, COAP_OPTION_SIZE1, &has_size1);
	if ((has_size1 && size1 > limit) || offset + len > limit) {
		m2md_coap_too_large(response, limit);
		return false;
	}
	rtag_opt = coap_check_option(request, COAP_OPTION_RTAG, &it);
	if (rtag_opt && coap_opt_length(rtag_opt) <= 8) {
		rtag = coap_opt_value(rtag_opt);
		rtag_len = coap_opt_length(rtag_opt);
	}
	up = m2md_coap_upload_find(ups, peer, call, rtag, rtag_len);
	if (!offset) {
		if (up)
			m2md_coap_upload_drop(ups, up);
		up = m2md_coap_upload_new(ups, peer, call, rtag, rtag_len);
		if (!up) {
			m2md_coap_fail(response, 500, "out of memory", -1);
			return false;
		}
	} else if (!up || offset > up->len) {
		/* Blocks come in order; a retransmitted one may come again. */
		snprintf(diagnostic, sizeof(diagnostic),
			 "block %u arrived before the blocks ahead of it",
			 block->num);
		m2md_coap_fail(response, 408, diagnostic, -1);
		return false;
	}
	if (m2md_coap_upload_put(up, offset, data, len)) {
		m2md_coap_upload_drop(ups, up);
		m2md_coap_fail(response, 500, "out of memory", -1);
		return false;
	}
	if (block->m) {
		coap_pdu_set_code(response, COAP_RESPONSE_CODE(231));
		/* libcoap adds Block1 itself to blocks of a body it tracks. */
		if (!coap_check_option(response, COAP_OPTION_BLOCK1, &it))
			coap_add_option(response, COAP_OPTION_BLOCK1,
					coap_encode_var_safe(buf, sizeof(buf),
						block->num << 4 | 1 << 3 |
						block->szx), buf);
		return false;
	}
	call->body = up->buf;
	call->body_len = up->len;
	call->block1 = block->num << 4 | block->szx;
	call->has_block1 = true;
	up->buf = NULL;
	m2md_coap_upload_drop(ups, up);
	return true;
}

bool m2md_coap_collect(struct m2md_coap_uploads *ups, coap_session_t *session,
		       const coap_pdu_t *request, coap_pdu_t *response,
		       struct m2md_coap_call *call, size_t limit)
{
	const uint8_t *data = NULL;
	coap_block_t block;
	size_t len = 0;

	if (coap_get_block(request, COAP_OPTION_BLOCK1, &block))
		return m2md_coap_collect_block(ups, session, request, response,
					       call, &block, limit);
	coap_get_data(request, &len, &data);
	if (len > limit) {
		m2md_coap_too_large(response, limit);
		return false;
	}
	if (!len)
		return true;
	call->body = malloc(len);
	if (!call->body) {
		m2md_coap_fail(response, 500, "out of memory", -1);
		return false;
	}
	memcpy(call->body, data, len);
	call->body_len = len;
	return true;
}

void m2md_coap_uploads_clear(struct m2md_coap_uploads *ups)
{
	while (ups->head)
		m2md_coap_upload_drop(ups, ups->head);
}

static void m2md_coap_kept_drop(struct m2md_coap_replies *reps,
				struct m2md_coap_kept *kept)
{
	struct m2md_coap_kept **p;

	for (p = &reps->head; *p; p = &(*p)->next) {
		if (*p == kept) {
			*p = kept->next;
			reps->count--;
			free(kept->target);
			free(kept->reply.body);
			free(kept);
			return;
		}
	}
}

static struct m2md_coap_kept *
m2md_coap_kept_find(struct m2md_coap_replies *reps, const coap_address_t *peer,
		    const struct m2md_coap_call *call)
{
	struct m2md_coap_kept *kept;

	for (kept = reps->head; kept; kept = kept->next)
		if (coap_address_equals(&kept->peer, peer) &&
		    kept->method == call->method_code &&
		    !strcmp(kept->target, call->target))
			return kept;
	return NULL;
}

void m2md_coap_keep(struct m2md_coap_replies *reps, coap_session_t *session,
		    struct m2md_coap_call *call, const coap_pdu_t *response)
{
	const coap_address_t *peer = coap_session_get_addr_remote(session);
	struct m2md_coap_kept *kept, *oldest = NULL;
	char peer_text[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = { 0 };
	coap_block_t block;

	if (!peer || call->method_code == COAP_REQUEST_CODE_GET)
		return;
	/* A new request replaces the reply kept for its predecessor. */
	kept = m2md_coap_kept_find(reps, peer, call);
	if (kept)
		m2md_coap_kept_drop(reps, kept);
	if (!coap_get_block(response, COAP_OPTION_BLOCK2, &block) || !block.m)
		return;
	if (reps->count >= M2MD_COAP_KEPT_MAX) {
		for (kept = reps->head; kept; kept = kept->next)
			if (!oldest || kept->used <= oldest->used)
				oldest = kept;
		m2md_coap_kept_drop(reps, oldest);
	}
	kept = calloc(1, sizeof(*kept));
	if (kept)
		kept->target = strdup(call->target);
	if (!kept || !kept->target) {
		ids.peer = m2m_log_peer(&peer->addr.sa, peer_text,
					sizeof(peer_text));
		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "coap: out of memory keeping the reply to %s %s: its later blocks will get 4.08",
				    call->method_name, call->target);
		free(kept);
		return;
	}
	coap_address_copy(&kept->peer, peer);
	kept->method = call->method_code;
	kept->has_accept = call->has_accept;
	kept->accept_format = call->accept_format;
	kept->reply = call->reply;
	call->reply.body = NULL;
	call->reply.len = 0;
	kept->used = m2md_coap_now();
	kept->next = reps->head;
	reps->head = kept;
	reps->count++;
}

bool m2md_coap_resume(struct m2md_coap_replies *reps, coap_session_t *session,
		      const struct m2md_coap_call *call, coap_pdu_t *response,
		      size_t max_pdu)
{
	const coap_address_t *peer = coap_session_get_addr_remote(session);
	struct m2md_coap_call *block;
	struct m2md_coap_kept *kept;
	char diagnostic[320], peer_text[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = {
		.peer = m2m_log_peer(peer ? &peer->addr.sa : NULL, peer_text,
				     sizeof(peer_text)),
	};

	if (call->method_code == COAP_REQUEST_CODE_GET || !call->has_block2 ||
	    !call->block2.num)
		return false;
	kept = peer ? m2md_coap_kept_find(reps, peer, call) : NULL;
	if (!kept) {
		snprintf(diagnostic, sizeof(diagnostic),
			 "Block2 number %u of the reply to %s %.200s: no such reply is kept, send the request again",
			 call->block2.num, call->method_name, call->target);
		m2m_log_ratelimited(LOG_INFO, &ids, "coap: %s", diagnostic);
		m2md_coap_fail(response, 408, diagnostic, -1);
		return true;
	}
	/* The block call borrows the kept body, so it is freed without it. */
	block = calloc(1, sizeof(*block));
	if (!block) {
		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "coap: out of memory sending Block2 number %u of %s %.200s",
				    call->block2.num, call->method_name,
				    call->target);
		m2md_coap_fail(response, 500, "out of memory", -1);
		return true;
	}
	block->method_code = kept->method;
	block->has_accept = kept->has_accept;
	block->accept_format = kept->accept_format;
	block->has_block2 = true;
	block->block2 = call->block2;
	block->reply = kept->reply;
	m2md_coap_respond(block, response, max_pdu);
	free(block);
	kept->used = m2md_coap_now();
	return true;
}

void m2md_coap_replies_expire(struct m2md_coap_replies *reps)
{
	time_t now = m2md_coap_now();
	struct m2md_coap_kept *kept, *next;

	for (kept = reps->head; kept; kept = next) {
		next = kept->next;
		if (now - kept->used > M2MD_COAP_KEPT_IDLE_S)
			m2md_coap_kept_drop(reps, kept);
	}
}

void m2md_coap_replies_clear(struct m2md_coap_replies *reps)
{
	while (reps->head)
		m2md_coap_kept_drop(reps, reps->head);
}
