/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the CoAP binding: the translation between a CoAP request
 * PDU and a struct m2md_request, and between a struct m2md_reply and the
 * response PDU. coap.c runs the server and the handler threads.
 */
#ifndef M2MD_COAP_MSG_H
#define M2MD_COAP_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <coap3/coap.h>

#include "http.h"

/* ETag options of one request that a conditional GET may carry. */
#define M2MD_COAP_ETAGS_MAX	8
#define M2MD_COAP_ETAG_LEN	8

/* One request, from the parsed PDU to the reply of its route. */
struct m2md_coap_call {
	struct m2md_request req;
	const struct m2md_route *route;
	coap_pdu_code_t method_code;
	char method_name[8];
	char *path;
	char *target;
	struct m2md_arg args[M2MD_ARGS_MAX];
	char *authorization;
	char *if_none_match;
	bool has_accept;
	uint16_t accept_format;
	bool has_format;
	uint16_t format;
	uint8_t etags[M2MD_COAP_ETAGS_MAX][M2MD_COAP_ETAG_LEN];
	size_t etag_len[M2MD_COAP_ETAGS_MAX];
	size_t netags;
	unsigned char *body;
	size_t body_len;
	/* Block2 option of the request, which names the block to send. */
	bool has_block2;
	coap_block_t block2;
	/* Block1 value of the last block of a body sent in blocks. */
	bool has_block1;
	unsigned int block1;
	struct sockaddr_storage client;
	struct m2md_reply reply;
};

/*
 * Fill call from the options of request (method, Uri-Path, Uri-Query,
 * Content-Format, Accept, ETag, the Kma option). Returns 0, or the CoAP
 * code (class * 100 + detail) of the error reply and the reason in err.
 */
unsigned int m2md_coap_parse(const coap_pdu_t *request,
			     struct m2md_coap_call *call, char *err,
			     size_t errlen);
void m2md_coap_call_free(struct m2md_coap_call *call);

/* Media type of a registered Content-Format, or NULL. */
const char *m2md_coap_format_name(uint16_t format);
/* Content-Format of a media type (parameters ignored), or -1. */
int m2md_coap_format_of(const char *media_type);

/*
 * The ETag option value for an HTTP ETag: its opaque text when it fits
 * in M2MD_COAP_ETAG_LEN bytes, else the first bytes of its SHA-256.
 * Returns the length, 0 when etag is empty.
 */
size_t m2md_coap_etag(const char *etag, uint8_t out[M2MD_COAP_ETAG_LEN]);

/*
 * Write call->reply into response: code, options and the payload, or the
 * block of it that the request asked for (Block2, RFC 7959) when it does
 * not fit in one datagram. max_pdu is the session's largest PDU.
 */
void m2md_coap_respond(struct m2md_coap_call *call, coap_pdu_t *response,
		       size_t max_pdu);

/*
 * Fill response with an error of the binding itself: code (class * 100 +
 * detail), a diagnostic payload (RFC 7252, 5.5.2), and Max-Age max_age
 * when not negative.
 */
void m2md_coap_fail(coap_pdu_t *response, unsigned int code,
		    const char *diagnostic, int max_age);

/* Request bodies being received in Block1 blocks, one list per server. */
struct m2md_coap_upload;
struct m2md_coap_uploads {
	struct m2md_coap_upload *head;
	size_t count;
};

/*
 * Put the body of request in call, or its block in the body being
 * received. Returns true when call contains the whole body, false when
 * response contains the reply: 2.31 Continue for a block, or an error
 * (4.13 with Size1 over limit bytes, 4.08 for a block out of order).
 */
bool m2md_coap_collect(struct m2md_coap_uploads *ups, coap_session_t *session,
		       const coap_pdu_t *request, coap_pdu_t *response,
		       struct m2md_coap_call *call, size_t limit);
/* Forget bodies whose next block did not come in time. */
void m2md_coap_uploads_expire(struct m2md_coap_uploads *ups);
void m2md_coap_uploads_clear(struct m2md_coap_uploads *ups);

/*
 * Replies to requests other than GET that are being sent in Block2
 * blocks, one list per server. The client requests the blocks after the
 * first with the same method and target, a Block2 option and no payload
 * (RFC 7959, 2.5). Running the handler again would create a second
 * resource and splice two replies, so these blocks come from the kept
 * reply.
 */
struct m2md_coap_kept;
struct m2md_coap_replies {
	struct m2md_coap_kept *head;
	size_t count;
};

/*
 * Forget the reply kept for call's client, method and target, after a
 * handler ran for call. Then keep call's reply (taking its body) when
 * the method is not GET and response carries the first of several
 * Block2 blocks. GET blocks are cut from a new rendering instead.
 */
void m2md_coap_keep(struct m2md_coap_replies *reps, coap_session_t *session,
		    struct m2md_coap_call *call, const coap_pdu_t *response);
/*
 * Return whether call requests a later block of the reply to a request
 * other than GET. If so, response contains that block of the kept
 * reply, or 4.08 when none is kept, and no handler may run.
 */
bool m2md_coap_resume(struct m2md_coap_replies *reps, coap_session_t *session,
		      const struct m2md_coap_call *call, coap_pdu_t *response,
		      size_t max_pdu);
/* Forget replies whose next block was not requested in time. */
void m2md_coap_replies_expire(struct m2md_coap_replies *reps);
void m2md_coap_replies_clear(struct m2md_coap_replies *reps);

#endif /* M2MD_COAP_MSG_H */
