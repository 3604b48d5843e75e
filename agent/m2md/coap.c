// SPDX-License-Identifier: GPL-2.0
/*
 * CoAP server of m2md on libcoap 3 (UDP, no DTLS). One thread runs
 * libcoap, which is not thread-safe; every request whose route was found
 * runs its handler on a thread of its own. The CoAP thread waits up to
 * M2MD_COAP_WAIT_MS for the handler and sends the reply in the ACK
 * (piggybacked) when it is done by then. Otherwise it sends an empty ACK
 * at once and the reply later as a separate response (RFC 7252, 5.2.2),
 * so that a long poll of a notificationChannel blocks a handler thread
 * and not the server.
 *
 * Request bodies in blocks (RFC 7959, Block1) are put together here, up
 * to the route's body limit: libcoap 4.3.1's COAP_BLOCK_SINGLE_BODY mode
 * would collect a body of any size before a handler could refuse it.
 * Replies in blocks (Block2) are cut from a new rendering for GET, and
 * from the kept reply for other methods, whose handler runs only once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "coap.h"
#include "coap_msg.h"
#include "log.h"
#include "reload.h"

/* Handler threads at a time; more requests get 5.03 with Max-Age 1. */
#define M2MD_COAP_JOBS_MAX	64
/*
 * Of those, long polls (which wait up to 30 s) at a time, so that they
 * always leave threads for the other requests.
 */
#define M2MD_COAP_POLLS_MAX	48
/* How long a handler may take for its reply to go in the ACK. */
#define M2MD_COAP_WAIT_MS	50
/*
 * Idle client sessions libcoap keeps (the oldest goes first), so that
 * datagrams from many source addresses cannot make it allocate without
 * bound. Dropping an idle session only costs setting it up again.
 */
#define M2MD_COAP_SESSIONS_MAX	1024

struct m2md_coap_job {
	struct m2md_coap_job *next;
	struct m2md_coap *coap;
	struct m2md_coap_call call;
	bool done;			/* the handler returned */
	bool poll;			/* a long poll, counted in polling */
	/*
	 * Set when the reply goes as a separate response. The entry makes
	 * libcoap acknowledge retransmissions of the request and holds a
	 * reference to the session; it never fires (its delay is 0).
	 */
	coap_async_t *async;
	coap_session_t *session;
	coap_pdu_type_t type;
	uint8_t token[8];
	size_t token_len;
};

struct m2md_coap {
	coap_context_t *ctx;
	const struct m2md_route *routes;
	size_t nroutes;
	size_t max_body;
	uint16_t port;
	unsigned int wait_ms;		/* on a handler, before an empty ACK */
	pthread_t thread;
	int wake_fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a handler returned */
	bool stopping;
	unsigned int running;		/* handler threads */
	unsigned int polling;		/* of which long polls */
	struct m2md_coap_job *jobs;	/* started and not yet answered */
	struct m2md_coap_uploads uploads;
	struct m2md_coap_replies replies;	/* of POST, PUT in blocks */
};

/*
 * libcoap's warnings, which any peer can cause, pass a rate limit. The
 * handler is global and gets no session, so its lines have no PEER.
 */
static void m2md_coap_log(coap_log_t level, const char *message)
{
	m2m_warn_ratelimited("coap: %.*s", (int)strcspn(message, "\n"),
			     message);
}

static void m2md_coap_init_once(void)
{
	coap_startup();
	coap_set_log_handler(m2md_coap_log);
	coap_set_log_level(LOG_WARNING);
}

static void m2md_coap_job_free(struct m2md_coap_job *job)
{
	m2md_coap_call_free(&job->call);
	free(job);
}

/* Unlink job from coap->jobs; the caller holds coap->lock. */
static void m2md_coap_job_unlink(struct m2md_coap *coap,
				 struct m2md_coap_job *job)
{
	struct m2md_coap_job **p;

	for (p = &coap->jobs; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			return;
		}
	}
}

static void *m2md_coap_work(void *arg)
{
	struct m2md_coap_job *job = arg;
	struct m2md_coap *coap = job->coap;
	const struct m2md_route *route = job->call.route;
	uint64_t one = 1;

	route->fn(route->ctx, &job->call.req, &job->call.reply);
	pthread_mutex_lock(&coap->lock);
	job->done = true;
	coap->running--;
	if (job->poll)
		coap->polling--;
	pthread_cond_broadcast(&coap->cond);
	if (write(coap->wake_fd, &one, sizeof(one)) < 0)
		m2m_warn_ratelimited("coap: cannot wake the server thread: %s",
				     strerror(errno));
	pthread_mutex_unlock(&coap->lock);
	return NULL;
}

/* True for a GET of <notificationChannel>/longPolling. */
static bool m2md_coap_is_poll(const struct m2md_request *req)
{
	static const char suffix[] = "/longPolling";
	size_t len = req->path ? strlen(req->path) : 0;

	return req->method == M2MD_GET && len >= sizeof(suffix) - 1 &&
	       !strcmp(req->path + len - (sizeof(suffix) - 1), suffix);
}

/* Start the handler thread of job. Returns 0, or -EBUSY or -EAGAIN. */
static int m2md_coap_job_start(struct m2md_coap *coap,
			       struct m2md_coap_job *job)
{
	pthread_attr_t attr;
	pthread_t thread;
	int ret = -EBUSY;

	job->poll = m2md_coap_is_poll(&job->call.req);
	pthread_mutex_lock(&coap->lock);
	if (coap->running < M2MD_COAP_JOBS_MAX &&
	    (!job->poll || coap->polling < M2MD_COAP_POLLS_MAX)) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ret = -pthread_create(&thread, &attr, m2md_coap_work, job);
		pthread_attr_destroy(&attr);
	}
	if (!ret) {
		coap->running++;
		if (job->poll)
			coap->polling++;
		job->next = coap->jobs;
		coap->jobs = job;
	}
	pthread_mutex_unlock(&coap->lock);
	return ret;
}

/* Wait up to coap->wait_ms for the handler; true when it returned. */
static bool m2md_coap_job_wait(struct m2md_coap *coap,
			       struct m2md_coap_job *job)
{
	struct timespec deadline;
	bool done;

	pthread_mutex_lock(&coap->lock);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += coap->wait_ms / 1000;
	deadline.tv_nsec += coap->wait_ms % 1000 * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (!job->done &&
	       pthread_cond_timedwait(&coap->cond, &coap->lock, &deadline) !=
	       ETIMEDOUT)
		;
	done = job->done;
	if (done)
		m2md_coap_job_unlink(coap, job);
	pthread_mutex_unlock(&coap->lock);
	return done;
}

/*
 * Parse the request, find its route and collect its body. Returns true
 * when call is ready for the handler, false when response contains the
 * reply already.
 */
static bool m2md_coap_prepare(struct m2md_coap *coap, coap_session_t *session,
			      const coap_pdu_t *request, coap_pdu_t *response,
			      struct m2md_coap_call *call)
{
	const coap_address_t *peer = coap_session_get_addr_remote(session);
	char err[256], allow[64], detail[384];
	unsigned int code;

	code = m2md_coap_parse(request, call, err, sizeof(err));
	if (code) {
		m2md_coap_fail(response, code, err, -1);
		return false;
	}
	if (m2md_coap_resume(&coap->replies, session, call, response,
			     coap_session_max_pdu_size(session)))
		return false;
	if (peer && peer->size <= sizeof(call->client)) {
		memcpy(&call->client, &peer->addr.sa, peer->size);
		call->req.client = (const struct sockaddr *)&call->client;
	}
	call->route = m2md_route_find(coap->routes, coap->nroutes,
				      call->method_name, call->path, &code,
				      allow, sizeof(allow));
	if (!call->route) {
		if (code == 405)
			snprintf(detail, sizeof(detail),
				 "%s %s: method not allowed, only %s",
				 call->method_name, call->path, allow);
		else
			snprintf(detail, sizeof(detail),
				 "%s %s: no such resource", call->method_name,
				 call->path);
		m2md_coap_fail(response, code, detail, -1);
		return false;
	}
	if (!m2md_coap_collect(&coap->uploads, session, request, response,
			       call, call->route->max_body ?
			       call->route->max_body :
			       m2md_live_max_body(coap->max_body)))
		return false;
	call->req.body = call->body;
	call->req.body_len = call->body_len;
	return true;
}

/* Send the reply of a handler that returned as a separate response. */
static void m2md_coap_send_late(struct m2md_coap_job *job)
{
	char peer[M2M_LOG_PEER_LEN];
	struct m2m_log_ids ids = {
		.peer = m2m_log_peer(job->call.req.client, peer, sizeof(peer)),
	};
	coap_pdu_t *pdu;

	pdu = coap_pdu_init(job->type, COAP_EMPTY_CODE,
			    coap_new_message_id(job->session),
			    coap_session_max_pdu_size(job->session));
	if (!pdu || !coap_add_token(pdu, job->token_len, job->token)) {
		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "coap: no memory for a separate response to %s %s",
				    job->call.method_name, job->call.path);
		coap_delete_pdu(pdu);
		return;
	}
	m2md_coap_respond(&job->call, pdu,
			  coap_session_max_pdu_size(job->session));
	m2md_coap_keep(&job->coap->replies, job->session, &job->call, pdu);
	if (coap_send(job->session, pdu) == COAP_INVALID_MID)
		m2m_log_ratelimited(LOG_WARNING, &ids,
				    "coap: cannot send the separate response to %s %s",
				    job->call.method_name, job->call.path);
}

/* Send the replies of handlers that returned after their empty ACK. */
static void m2md_coap_send_done(struct m2md_coap *coap)
{
	struct m2md_coap_job **p, *job, *ready = NULL;

	pthread_mutex_lock(&coap->lock);
	for (p = &coap->jobs; (job = *p);) {
		if (job->done && job->async) {
			*p = job->next;
			job->next = ready;
			ready = job;
		} else {
			p = &job->next;
		}
	}
	pthread_mutex_unlock(&coap->lock);
	while ((job = ready)) {
		ready = job->next;
		m2md_coap_send_late(job);
		/* Sent first: the entry holds the session's last reference. */
		coap_free_async(job->session, job->async);
		m2md_coap_job_free(job);
	}
}

/* Register the separate response of job. Returns 0 or -ENOMEM. */
static int m2md_coap_defer(struct m2md_coap *coap, struct m2md_coap_job *job,
			   coap_session_t *session, const coap_pdu_t *request)
{
	coap_bin_const_t token = coap_pdu_get_token(request);
	coap_async_t *async;

	job->session = session;
	job->type = coap_pdu_get_type(request) == COAP_MESSAGE_CON ?
		    COAP_MESSAGE_CON : COAP_MESSAGE_NON;
	job->token_len = token.length <= sizeof(job->token) ? token.length : 0;
	memcpy(job->token, token.s, job->token_len);
	async = coap_register_async(session, request, 0);
	if (!async)
		return -ENOMEM;
	pthread_mutex_lock(&coap->lock);
	job->async = async;
	pthread_mutex_unlock(&coap->lock);
	return 0;
}

static void m2md_coap_handle(coap_resource_t *resource,
			     coap_session_t *session,
			     const coap_pdu_t *request,
			     const coap_string_t *query,
			     coap_pdu_t *response)
{
	struct m2md_coap *coap = coap_resource_get_userdata(resource);
	struct m2md_coap_job *job;

	job = calloc(1, sizeof(*job));
	if (!job) {
		m2md_coap_fail(response, 500, "out of memory", -1);
		return;
	}
	job->coap = coap;
	if (!m2md_coap_prepare(coap, session, request, response, &job->call)) {
		m2md_coap_job_free(job);
		return;
	}
	if (m2md_coap_job_start(coap, job)) {
		m2md_coap_fail(response, 503, "too many requests in progress",
			       1);
		m2md_coap_job_free(job);
		return;
	}
	if (m2md_coap_job_wait(coap, job)) {
		m2md_coap_respond(&job->call, response,
				  coap_session_max_pdu_size(session));
		m2md_coap_keep(&coap->replies, session, &job->call, response);
		m2md_coap_job_free(job);
		return;
	}
	/*
	 * Leaving response empty sends an empty ACK to a CON request. When
	 * no entry can be made, the job stays listed until the server stops
	 * and the client gets 5.00.
	 */
	if (m2md_coap_defer(coap, job, session, request))
		m2md_coap_fail(response, 500, "cannot defer the response", -1);
}

static void m2md_coap_drain(struct m2md_coap *coap)
{
	uint64_t count;

	if (read(coap->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		m2m_warn("coap: cannot read the wake-up event: %s",
			 strerror(errno));
}

static bool m2md_coap_stopping(struct m2md_coap *coap)
{
	bool stopping;

	pthread_mutex_lock(&coap->lock);
	stopping = coap->stopping;
	pthread_mutex_unlock(&coap->lock);
	return stopping;
}

/*
 * One round of the loop when libcoap runs on epoll: wait on its file
 * descriptor, whose timer also fires for retransmissions, and on ours.
 */
static void m2md_coap_poll_epoll(struct m2md_coap *coap, int coap_fd)
{
	struct pollfd fds[2] = {
		{ .fd = coap_fd, .events = POLLIN },
		{ .fd = coap->wake_fd, .events = POLLIN },
	};
	coap_tick_t now;

	coap_ticks(&now);
	coap_io_prepare_epoll(coap->ctx, now);
	if (poll(fds, 2, 1000) < 0 && errno != EINTR)
		m2m_warn("coap: poll failed: %s", strerror(errno));
	if (fds[1].revents & POLLIN)
		m2md_coap_drain(coap);
}

/* The same with libcoap's select(), which watches our descriptor too. */
static void m2md_coap_poll_select(struct m2md_coap *coap)
{
	fd_set readfds;

	FD_ZERO(&readfds);
	FD_SET(coap->wake_fd, &readfds);
	coap_io_process_with_fds(coap->ctx, 1000, coap->wake_fd + 1, &readfds,
				 NULL, NULL);
	if (FD_ISSET(coap->wake_fd, &readfds))
		m2md_coap_drain(coap);
}

static void *m2md_coap_loop(void *arg)
{
	struct m2md_coap *coap = arg;
	int coap_fd = coap_context_get_coap_fd(coap->ctx);

	while (!m2md_coap_stopping(coap)) {
		if (coap_fd >= 0)
			m2md_coap_poll_epoll(coap, coap_fd);
		else
			m2md_coap_poll_select(coap);
		m2md_coap_send_done(coap);
		if (coap_io_process(coap->ctx, COAP_IO_NO_WAIT) < 0)
			m2m_warn_ratelimited("coap: processing messages failed");
		m2md_coap_uploads_expire(&coap->uploads);
		m2md_coap_replies_expire(&coap->replies);
	}
	return NULL;
}

static int m2md_coap_address(const char *addr, uint16_t port,
			     coap_address_t *out)
{
	coap_address_init(out);
	if (inet_pton(AF_INET, addr, &out->addr.sin.sin_addr) == 1) {
		out->addr.sin.sin_family = AF_INET;
		out->addr.sin.sin_port = htons(port);
		out->size = sizeof(out->addr.sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &out->addr.sin6.sin6_addr) == 1) {
		out->addr.sin6.sin6_family = AF_INET6;
		out->addr.sin6.sin6_port = htons(port);
		out->size = sizeof(out->addr.sin6);
		return 0;
	}
	return -EINVAL;
}

/*
 * The port the endpoint is bound to. libcoap 4.3.1 has no call that
 * returns the bound address, but prints it as "ADDR:PORT" or
 * "[ADDR]:PORT", optionally followed by " (udp)".
 */
static uint16_t m2md_coap_bound_port(const coap_endpoint_t *ep)
{
	const char *s = coap_endpoint_str(ep);
	const char *colon = s ? strrchr(s, ':') : NULL;
	unsigned long port;

	if (!colon)
		return 0;
	port = strtoul(colon + 1, NULL, 10);
	return port <= UINT16_MAX ? port : 0;
}

/*
 * Fail with -EADDRINUSE when a socket is bound to addr already. libcoap
 * sets SO_REUSEADDR on its UDP sockets, which lets a second server bind
 * the same port and take some of the first one's datagrams.
 */
static int m2md_coap_port_free(const coap_address_t *addr)
{
	int fd = socket(addr->addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (bind(fd, &addr->addr.sa, addr->size))
		ret = -errno;
	close(fd);
	return ret;
}

static int m2md_coap_resource(struct m2md_coap *coap)
{
	static const coap_request_t methods[] = {
		COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE,
		COAP_REQUEST_FETCH, COAP_REQUEST_PATCH, COAP_REQUEST_IPATCH,
	};
	coap_resource_t *res;
	size_t i;

	/*
	 * The handler of unknown resources takes every path, which the route
	 * table then resolves. libcoap calls it only for the methods that
	 * have a handler, so it gets all of them and replies 4.05 to those
	 * that m2md does not serve.
	 */
	res = coap_resource_unknown_init2(m2md_coap_handle, 0);
	if (!res)
		return -ENOMEM;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		coap_register_request_handler(res, methods[i],
					      m2md_coap_handle);
	coap_resource_set_userdata(res, coap);
	coap_add_resource(coap->ctx, res);
	return 0;
}

static void m2md_coap_free(struct m2md_coap *coap)
{
	struct m2md_coap_job *job;

	/* Jobs still listed have returned but were never answered. */
	while ((job = coap->jobs)) {
		coap->jobs = job->next;
		m2md_coap_job_free(job);
	}
	m2md_coap_uploads_clear(&coap->uploads);
	m2md_coap_replies_clear(&coap->replies);
	if (coap->ctx)
		coap_free_context(coap->ctx);
	if (coap->wake_fd >= 0)
		close(coap->wake_fd);
	pthread_cond_destroy(&coap->cond);
	pthread_mutex_destroy(&coap->lock);
	free(coap);
}

static struct m2md_coap *m2md_coap_alloc(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct m2md_coap *coap;
	pthread_condattr_t attr;

	pthread_once(&once, m2md_coap_init_once);
	coap = calloc(1, sizeof(*coap));
	if (!coap)
		return NULL;
	coap->wait_ms = M2MD_COAP_WAIT_MS;
	pthread_mutex_init(&coap->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&coap->cond, &attr);
	pthread_condattr_destroy(&attr);
	coap->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	coap->ctx = coap_new_context(NULL);
	if (coap->wake_fd < 0 || !coap->ctx) {
		m2md_coap_free(coap);
		return NULL;
	}
	coap_context_set_block_mode(coap->ctx, COAP_BLOCK_USE_LIBCOAP);
	coap_context_set_max_idle_sessions(coap->ctx, M2MD_COAP_SESSIONS_MAX);
	return coap;
}

int m2md_coap_start(const char *addr, uint16_t port,
		    const struct m2md_route *routes, size_t nroutes,
		    size_t max_body, struct m2md_coap **out, char *err,
		    size_t errlen)
{
	coap_address_t listen;
	coap_endpoint_t *ep;
	struct m2md_coap *coap;
	int ret;

	if (m2md_coap_address(addr, port, &listen)) {
		snprintf(err, errlen, "invalid CoAP listen address '%s'", addr);
		return -EINVAL;
	}
	coap = m2md_coap_alloc();
	if (!coap) {
		snprintf(err, errlen, "cannot set up the CoAP server: %s",
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	coap->routes = routes;
	coap->nroutes = nroutes;
	coap->max_body = max_body;
	ret = port ? m2md_coap_port_free(&listen) : 0;
	ep = ret ? NULL : coap_new_endpoint(coap->ctx, &listen, COAP_PROTO_UDP);
	if (!ep) {
		snprintf(err, errlen, "cannot listen for CoAP on %s port %u: %s",
			 addr, port, strerror(ret ? -ret : EADDRNOTAVAIL));
		m2md_coap_free(coap);
		return ret ? ret : -EADDRNOTAVAIL;
	}
	coap->port = port ? port : m2md_coap_bound_port(ep);
	ret = m2md_coap_resource(coap);
	if (!ret)
		ret = -pthread_create(&coap->thread, NULL, m2md_coap_loop, coap);
	if (ret) {
		snprintf(err, errlen, "cannot start the CoAP server: %s",
			 strerror(-ret));
		m2md_coap_free(coap);
		return ret;
	}
	m2m_info("coap: listening on %s port %u", addr, coap->port);
	*out = coap;
	return 0;
}

uint16_t m2md_coap_port(const struct m2md_coap *coap)
{
	return coap->port;
}

void m2md_coap_set_ack_wait(struct m2md_coap *coap, unsigned int ms)
{
	pthread_mutex_lock(&coap->lock);
	coap->wait_ms = ms ? ms : M2MD_COAP_WAIT_MS;
	pthread_mutex_unlock(&coap->lock);
}

void m2md_coap_stop(struct m2md_coap *coap)
{
	uint64_t one = 1;

	if (!coap)
		return;
	pthread_mutex_lock(&coap->lock);
	coap->stopping = true;
	if (write(coap->wake_fd, &one, sizeof(one)) < 0)
		m2m_warn("coap: cannot wake the server thread: %s",
			 strerror(errno));
	pthread_mutex_unlock(&coap->lock);
	pthread_join(coap->thread, NULL);
	/* Handlers use the routes' contexts: wait until they all return. */
	pthread_mutex_lock(&coap->lock);
	while (coap->running)
		pthread_cond_wait(&coap->cond, &coap->lock);
	pthread_mutex_unlock(&coap->lock);
	m2md_coap_free(coap);
}
