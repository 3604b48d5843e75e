/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CoAP binding of the resource tree (RFC 7252, libcoap): CREATE = POST,
 * RETRIEVE = GET, UPDATE = PUT, DELETE = DELETE, on the same paths and
 * with the same access rights as HTTP. Content-Format 41 is ETSI XML and
 * 50 JSON; the Accept option picks the reply's format. A Kma signature
 * travels in option M2MD_COAP_OPT_AUTH with the same value as the HTTP
 * Authorization header. Replies use the CoAP codes of the HTTP statuses
 * (201 -> 2.01, 404 -> 4.04, ...) and carry errorInfo bodies. Bodies
 * larger than one datagram use block-wise transfer (RFC 7959).
 */
#ifndef M2MD_COAP_H
#define M2MD_COAP_H

#include <stdint.h>

#include "http.h"

/* Experimental, elective option number for the Kma signature. */
#define M2MD_COAP_OPT_AUTH	65000
#define M2MD_COAP_PORT		5683

struct m2md_coap;

/*
 * Serve routes over CoAP on UDP addr:port (port 0 picks a free one) in
 * its own thread. Returns 0, or -1 with a reason in err.
 */
int m2md_coap_start(const char *addr, uint16_t port,
		    const struct m2md_route *routes, size_t nroutes,
		    size_t max_body, struct m2md_coap **out, char *err,
		    size_t errlen);
uint16_t m2md_coap_port(const struct m2md_coap *coap);
/*
 * Set how long the server waits for a handler before it sends an empty
 * ACK and the reply later as a separate response. 0 restores the default
 * of 50 ms. Tests raise it so that a busy host still gets piggybacked
 * replies.
 */
void m2md_coap_set_ack_wait(struct m2md_coap *coap, unsigned int ms);
void m2md_coap_stop(struct m2md_coap *coap);

/* The CoAP response code (class * 100 + detail) of an HTTP status. */
unsigned int m2md_coap_code(unsigned int http_status);

#endif /* M2MD_COAP_H */
