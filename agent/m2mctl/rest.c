// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl rest: send one REST request to an SCL, as an application that
 * signs it with its Kma (see kmauth.h), or unsigned. The request goes
 * over HTTP with libcurl, to a TCP address or a Unix socket, or over CoAP
 * with libcoap, where the signature travels in option 65000.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <netdb.h>
#include <time.h>

#include <coap3/coap.h>
#include <curl/curl.h>
#include <keyutils.h>

#include "hex.h"
#include "kmauth.h"
#include "m2mctl.h"

/* Largest body read from a file or standard input. */
#define M2MCTL_REST_BODY_MAX	(16 * 1024 * 1024)
#define M2MCTL_REST_HEADERS_MAX	16
#define M2MCTL_REST_STATUS_MAX	256
/* CoAP option of the Kma signature (the binding of m2md's coap.h). */
#define M2MCTL_COAP_OPT_AUTH	65000
#define M2MCTL_COAP_SEGMENTS_MAX	64

static void m2mctl_rest_help(FILE *out)
{
	fprintf(out,
		"Usage: m2mctl rest [OPTIONS] METHOD URL [BODY | @FILE | -]\n"
		"\n"
		"Send one REST request (METHOD GET, POST, PUT or DELETE) to an SCL\n"
		"over HTTP (http:// URL) or CoAP (coap:// URL) and print the status\n"
		"line and the reply body. The body is BODY itself, the content of\n"
		"FILE, or standard input; a body that starts with '-' goes after\n"
		"'--'. With --app, sign the request as that application with its\n"
		"Kma: an Authorization header\n"
		"  " M2M_KMAUTH_SCHEME " app=..., kid=..., ts=..., nonce=..., mac=...\n"
		"and over CoAP the same value in option 65000. m2mctl reads Kma\n"
		"from the application's key and never prints it.\n"
		"\n"
		"Options:\n"
		"  --app ID           sign as application ID\n"
		"  --kma SERIAL       serial of the Kma key (default: the key\n"
		"                     \"" M2MSEC_KMA_DESC_PREFIX "ID\" found in the session, then\n"
		"                     the user keyring)\n"
		"  --kma-desc DESC    find the Kma key by this description instead\n"
		"  --kid HEX          key id of the Kmc that Kma was derived from,\n"
		"                     32 hex digits: the --key-id given to m2mctl kma\n"
		"                     (required with --app)\n"
		"  --unix-socket PATH connect to this Unix socket, such as m2md's\n"
		"                     admin socket, instead of the URL's host\n"
		"  -H, --header 'NAME: VALUE'\n"
		"                     add a request header, such as Content-Type or\n"
		"                     Accept (repeatable); a body without\n"
		"                     Content-Type is sent as application/xml.\n"
		"                     Over CoAP only Content-Type and Accept, of\n"
		"                     application/xml, application/json,\n"
		"                     text/plain or application/octet-stream\n"
		"  -i, --include      print the reply's header lines too\n"
		"  --timeout MS       give up after MS milliseconds (default %d)\n"
		"  -h, --help         show this help\n"
		"\n"
		"Exit status: 0 for a 2xx (CoAP 2.xx) reply, 1 for any other reply\n"
		"or failure, 2 for a usage error.\n",
		M2MCTL_TIMEOUT_MS);
}

struct m2mctl_rest_args {
	const char *app;
	int32_t kma;
	const char *kma_desc;
	const char *kid;
	const char *unix_socket;
	const char *headers[M2MCTL_REST_HEADERS_MAX];
	size_t nheaders;
	bool include;
	unsigned long timeout_ms;
	const char *method;
	const char *url;
	const char *body_arg;
	bool coap;
};

/* A growing buffer of reply bytes. */
struct m2mctl_rest_buf {
	char *data;
	size_t len;
};

/* The reply as it arrives: the last status line, headers and body. */
struct m2mctl_rest_reply {
	char status[M2MCTL_REST_STATUS_MAX];
	struct m2mctl_rest_buf headers;
	struct m2mctl_rest_buf body;
	bool too_big;
};

static bool m2mctl_rest_header_valid(const char *h)
{
	const char *colon = strchr(h, ':');
	const char *p;

	if (!colon || colon == h)
		return false;
	for (p = h; p < colon; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return !strpbrk(h, "\r\n");
}

static int m2mctl_rest_option(int opt, struct m2mctl_rest_args *args)
{
	unsigned long value;
	int ret;

	switch (opt) {
	case 'a':
		args->app = optarg;
		return 0;
	case 'k':
		return m2mctl_parse_serial("rest", optarg, &args->kma);
	case 'd':
		args->kma_desc = optarg;
		return 0;
	case 'K':
		args->kid = optarg;
		return 0;
	case 'u':
		args->unix_socket = optarg;
		return 0;
	case 'H':
		if (!m2mctl_rest_header_valid(optarg))
			return m2mctl_usage_error("rest",
						  "invalid header \"%s\" (expected NAME: VALUE)",
						  optarg);
		if (args->nheaders == M2MCTL_REST_HEADERS_MAX)
			return m2mctl_usage_error("rest",
						  "more than %d headers",
						  M2MCTL_REST_HEADERS_MAX);
		args->headers[args->nheaders++] = optarg;
		return 0;
	case 'i':
		args->include = true;
		return 0;
	case 't':
		ret = m2mctl_parse_ulong("rest", "timeout", optarg, 3600000,
					 &value);
		if (!ret)
			args->timeout_ms = value;
		return ret;
	case 'h':
		m2mctl_rest_help(stdout);
		return -1;
	}
	return m2mctl_usage_error("rest", "invalid option");
}

/* Case-insensitive check that header h has the name name. */
static bool m2mctl_rest_header_is(const char *h, const char *name)
{
	size_t len = strlen(name);

	return !strncasecmp(h, name, len) && h[len] == ':';
}

static bool m2mctl_rest_has_header(const struct m2mctl_rest_args *args,
				   const char *name)
{
	size_t i;

	for (i = 0; i < args->nheaders; i++)
		if (m2mctl_rest_header_is(args->headers[i], name))
			return true;
	return false;
}

static int m2mctl_rest_check(struct m2mctl_rest_args *args)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	uint8_t kid[M2MSEC_KEY_ID_LEN];
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(args->method, methods[i]))
			break;
	if (i == sizeof(methods) / sizeof(methods[0]))
		return m2mctl_usage_error("rest",
					  "unknown method \"%s\" (expected GET, POST, PUT or DELETE)",
					  args->method);
	args->coap = !strncasecmp(args->url, "coap://", 7);
	if (strncasecmp(args->url, "http://", 7) && !args->coap)
		return m2mctl_usage_error("rest",
					  "URL \"%s\" is not an http:// or coap:// URL",
					  args->url);
	if (args->coap && args->unix_socket)
		return m2mctl_usage_error("rest",
					  "--unix-socket works with http:// URLs only");
	if (!args->app) {
		if (args->kma || args->kma_desc || args->kid)
			return m2mctl_usage_error("rest",
						  "--kma, --kma-desc and --kid need --app");
		return 0;
	}
	if (args->kma && args->kma_desc)
		return m2mctl_usage_error("rest",
					  "give --kma or --kma-desc, not both");
	if (!args->kid)
		return m2mctl_usage_error("rest",
					  "--app needs --kid HEX, the key id of the Kmc");
	if (m2m_hex_decode(args->kid, kid, sizeof(kid)))
		return m2mctl_usage_error("rest",
					  "invalid kid \"%s\" (expected %d hex digits)",
					  args->kid, M2M_KEY_ID_HEX_LEN);
	if (m2mctl_rest_has_header(args, "Authorization"))
		return m2mctl_usage_error("rest",
					  "--app makes the Authorization header; do not give one");
	return 0;
}

static int m2mctl_rest_parse(int argc, char **argv,
			     struct m2mctl_rest_args *args)
{
	static const struct option options[] = {
		{ "app", required_argument, NULL, 'a' },
		{ "kma", required_argument, NULL, 'k' },
		{ "kma-desc", required_argument, NULL, 'd' },
		{ "kid", required_argument, NULL, 'K' },
		{ "unix-socket", required_argument, NULL, 'u' },
		{ "header", required_argument, NULL, 'H' },
		{ "include", no_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	/* Options may follow METHOD and URL; a body "-5" goes after "--". */
	while ((opt = getopt_long(argc, argv, "H:ih", options, NULL)) != -1) {
		ret = m2mctl_rest_option(opt, args);
		if (ret)
			return ret;
	}
	if (argc - optind < 2)
		return m2mctl_usage_error("rest", "missing %s",
					  argc == optind ? "METHOD and URL" :
							   "URL");
	if (argc - optind > 3)
		return m2mctl_usage_error("rest", "unexpected argument \"%s\"",
					  argv[optind + 3]);
	args->method = argv[optind];
	args->url = argv[optind + 1];
	args->body_arg = argc - optind == 3 ? argv[optind + 2] : NULL;
	return m2mctl_rest_check(args);
}

/* Read all of f into a new buffer. */
static int m2mctl_rest_slurp(FILE *f, const char *name, char **out,
			     size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap), *bigger;

	while (buf) {
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f))
				break;
			*out = buf;
			*len = n;
			return 0;
		}
		if (cap >= M2MCTL_REST_BODY_MAX) {
			free(buf);
			return m2mctl_error("rest: %s is larger than %d bytes",
					    name, M2MCTL_REST_BODY_MAX);
		}
		bigger = realloc(buf, cap * 2);
		if (!bigger)
			break;
		buf = bigger;
		cap *= 2;
	}
	free(buf);
	return m2mctl_error("rest: reading %s failed: %s", name,
			    strerror(errno ? errno : EIO));
}

/* Load the body that the argument names; *body stays NULL without one. */
static int m2mctl_rest_body(const char *arg, char **body, size_t *len)
{
	FILE *f;
	int ret;

	*body = NULL;
	*len = 0;
	if (!arg)
		return 0;
	if (!strcmp(arg, "-"))
		return m2mctl_rest_slurp(stdin, "standard input", body, len);
	if (arg[0] != '@') {
		*body = strdup(arg);
		*len = strlen(arg);
		return *body ? 0 : m2mctl_error("rest: %s", strerror(ENOMEM));
	}
	f = fopen(arg + 1, "rb");
	if (!f)
		return m2mctl_error("rest: cannot open %s: %s", arg + 1,
				    strerror(errno));
	ret = m2mctl_rest_slurp(f, arg + 1, body, len);
	fclose(f);
	return ret;
}

/*
 * The request target of an http:// URL: the path and query as they are
 * sent, from the first '/' after the host up to any fragment.
 */
static int m2mctl_rest_target(const char *url, char *out, size_t size)
{
	const char *p = url + strlen("http://");
	size_t len;

	p += strcspn(p, "/?#");
	len = strcspn(p, "#");
	if (len == 0 || p[0] != '/') {
		if (len)
			return m2mctl_usage_error("rest",
						  "URL \"%s\" has a query but no path",
						  url);
		p = "/";
		len = 1;
	}
	if (len >= size)
		return m2mctl_usage_error("rest", "URL path is longer than %zu bytes",
					  size - 1);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* Find the Kma key: --kma, --kma-desc or "m2m_kma:APP". */
static int m2mctl_rest_find_kma(const struct m2mctl_rest_args *args,
				int32_t *serial)
{
	char desc[sizeof(M2MSEC_KMA_DESC_PREFIX) + M2MSEC_STR_MAX];
	long found;

	if (args->kma) {
		*serial = args->kma;
		return 0;
	}
	if (args->kma_desc)
		snprintf(desc, sizeof(desc), "%s", args->kma_desc);
	else
		snprintf(desc, sizeof(desc), "%s%s", M2MSEC_KMA_DESC_PREFIX,
			 args->app);
	found = keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	if (found < 0)
		found = keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc, 0);
	if (found < 0)
		return m2mctl_error("rest: no user key \"%s\" in the session or user keyring: %s (derive it with m2mctl kma, or give --kma SERIAL)",
				    desc, strerror(errno));
	*serial = (int32_t)found;
	return 0;
}

/* Sign the request and write the Authorization value into value. */
static int m2mctl_rest_sign(const struct m2mctl_rest_args *args,
			    const char *target, const char *body, size_t len,
			    char *value, size_t size)
{
	struct m2m_kmauth a = { 0 };
	uint8_t kid[M2MSEC_KEY_ID_LEN];
	int32_t serial = 0;
	int ret;

	if (strlen(args->app) >= sizeof(a.app_id))
		return m2mctl_usage_error("rest", "application id is longer than %zu bytes",
					  sizeof(a.app_id) - 1);
	ret = m2mctl_rest_find_kma(args, &serial);
	if (ret)
		return ret;
	snprintf(a.app_id, sizeof(a.app_id), "%s", args->app);
	/* The canonical form takes the kid in lowercase. */
	m2m_hex_decode(args->kid, kid, sizeof(kid));
	m2m_hex_encode(kid, sizeof(kid), a.kid);
	ret = m2m_kmauth_sign(serial, args->method, target, body, len, &a);
	if (ret == -EINVAL)
		return m2mctl_error("rest: cannot sign %s %s as \"%s\": the application id or the URL's path has characters that a signature does not allow",
				    args->method, target, args->app);
	if (ret == -EMEDIUMTYPE)
		return m2mctl_error("rest: key %d is not a 32-byte Kma key",
				    serial);
	if (ret)
		return m2mctl_error("rest: signing with Kma key %d failed: %s",
				    serial, strerror(-ret));
	if (m2m_kmauth_format(&a, value, size))
		return m2mctl_error("rest: Authorization value too long");
	return 0;
}

/* Add "Authorization: value" to the curl headers. */
static int m2mctl_rest_add_auth(const char *value, struct curl_slist **hdrs)
{
	char line[M2M_KMAUTH_MAX + 32];
	struct curl_slist *more;

	snprintf(line, sizeof(line), "Authorization: %s", value);
	more = curl_slist_append(*hdrs, line);
	if (!more)
		return m2mctl_error("rest: %s", strerror(ENOMEM));
	*hdrs = more;
	return 0;
}

/* Append len bytes to buf, keeping it NUL-terminated. */
static bool m2mctl_rest_append(struct m2mctl_rest_buf *buf, const char *data,
			       size_t len)
{
	char *bigger;

	if (buf->len + len > M2MCTL_REST_BODY_MAX)
		return false;
	bigger = realloc(buf->data, buf->len + len + 1);
	if (!bigger)
		return false;
	buf->data = bigger;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return true;
}

static size_t m2mctl_rest_header_cb(char *data, size_t size, size_t n,
				    void *arg)
{
	struct m2mctl_rest_reply *reply = arg;
	size_t len = size * n, keep = len;

	if (len <= 5 || strncmp(data, "HTTP/", 5))
		return m2mctl_rest_append(&reply->headers, data, len) ? len : 0;
	/* A new status line (after 100 Continue too) starts over. */
	while (keep && (data[keep - 1] == '\r' || data[keep - 1] == '\n'))
		keep--;
	if (keep >= sizeof(reply->status))
		keep = sizeof(reply->status) - 1;
	memcpy(reply->status, data, keep);
	reply->status[keep] = '\0';
	reply->headers.len = 0;
	return len;
}

static size_t m2mctl_rest_body_cb(char *data, size_t size, size_t n,
				  void *arg)
{
	struct m2mctl_rest_reply *reply = arg;
	size_t len = size * n;

	if (m2mctl_rest_append(&reply->body, data, len))
		return len;
	reply->too_big = reply->body.len + len > M2MCTL_REST_BODY_MAX;
	return 0;
}

/* Print the status line, with --include the header lines, and the body. */
static void m2mctl_rest_print(const struct m2mctl_rest_reply *reply,
			      bool include)
{
	printf("%s\n", reply->status[0] ? reply->status : "HTTP");
	if (include && reply->headers.len) {
		/* The header block keeps the empty line that ends it. */
		fwrite(reply->headers.data, 1, reply->headers.len, stdout);
	}
	if (reply->body.len) {
		fwrite(reply->body.data, 1, reply->body.len, stdout);
		if (reply->body.data[reply->body.len - 1] != '\n')
			printf("\n");
	}
}

/* Headers of the request: the user's, a default type and no Expect. */
static int m2mctl_rest_headers(const struct m2mctl_rest_args *args,
			       bool has_body, struct curl_slist **hdrs)
{
	struct curl_slist *list = NULL, *more;
	size_t i;

	for (i = 0; i < args->nheaders; i++) {
		more = curl_slist_append(list, args->headers[i]);
		if (!more)
			goto nomem;
		list = more;
	}
	if (has_body && !m2mctl_rest_has_header(args, "Content-Type")) {
		more = curl_slist_append(list, "Content-Type: application/xml");
		if (!more)
			goto nomem;
		list = more;
	}
	/* A signed body goes at once: no 100-continue round trip. */
	more = curl_slist_append(list, "Expect:");
	if (!more)
		goto nomem;
	*hdrs = more;
	return 0;
nomem:
	curl_slist_free_all(list);
	return m2mctl_error("rest: %s", strerror(ENOMEM));
}

static int m2mctl_rest_setup(CURL *curl, const struct m2mctl_rest_args *args,
			     const char *body, size_t len,
			     struct curl_slist *hdrs,
			     struct m2mctl_rest_reply *reply)
{
	CURLcode rc;

	rc = curl_easy_setopt(curl, CURLOPT_URL, args->url);
	/* Send the path as signed: no removal of dot segments. */
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	if (!rc && args->unix_socket)
		rc = curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH,
				      args->unix_socket);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	if (!rc && body) {
		rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				      (curl_off_t)len);
		if (!rc)
			rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	}
	if (!rc && strcmp(args->method, body ? "POST" : "GET"))
		rc = curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
				      args->method);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
				      (long)args->timeout_ms);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION,
				      m2mctl_rest_header_cb);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERDATA, reply);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
				      m2mctl_rest_body_cb);
	if (!rc)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	if (rc)
		return m2mctl_error("rest: setting up libcurl failed: %s",
				    curl_easy_strerror(rc));
	return 0;
}

/* Send the request and print the reply. */
static int m2mctl_rest_send(const struct m2mctl_rest_args *args,
			    const char *body, size_t len,
			    struct curl_slist *hdrs)
{
	struct m2mctl_rest_reply reply = { 0 };
	CURL *curl;
	long status = 0;
	CURLcode rc;
	int ret;

	curl = curl_easy_init();
	if (!curl)
		return m2mctl_error("rest: initializing libcurl failed");
	ret = m2mctl_rest_setup(curl, args, body, len, hdrs, &reply);
	if (!ret) {
		rc = curl_easy_perform(curl);
		if (rc)
			ret = m2mctl_error("rest: %s %s failed: %s%s",
					   args->method, args->url,
					   curl_easy_strerror(rc),
					   reply.too_big ?
					   " (reply larger than 16 MiB)" : "");
	}
	if (!ret) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		m2mctl_rest_print(&reply, args->include);
		ret = status >= 200 && status < 300 ? M2MCTL_EXIT_OK :
						      M2MCTL_EXIT_FAILED;
	}
	free(reply.headers.data);
	free(reply.body.data);
	curl_easy_cleanup(curl);
	return ret;
}

/* The CoAP Content-Format of a media type, or -1. */
static int m2mctl_coap_format(const char *type)
{
	static const struct {
		const char *name;
		int format;
	} formats[] = {
		{ "text/plain", COAP_MEDIATYPE_TEXT_PLAIN },
		{ "application/xml", COAP_MEDIATYPE_APPLICATION_XML },
		{ "application/octet-stream",
		  COAP_MEDIATYPE_APPLICATION_OCTET_STREAM },
		{ "application/json", COAP_MEDIATYPE_APPLICATION_JSON },
	};
	size_t i, len;

	while (*type == ' ' || *type == '\t')
		type++;
	len = strcspn(type, " \t;");
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strlen(formats[i].name) == len &&
		    !strncasecmp(type, formats[i].name, len))
			return formats[i].format;
	return -1;
}

static int m2mctl_coap_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode len bytes of s into out; returns the length or -1. */
static int m2mctl_coap_unescape(const char *s, size_t len, char *out,
				size_t size)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (n + 1 >= size)
			return -1;
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		hi = i + 2 < len ? m2mctl_coap_hexval(s[i + 1]) : -1;
		lo = hi >= 0 ? m2mctl_coap_hexval(s[i + 2]) : -1;
		if (lo < 0)
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	return (int)n;
}

/*
 * Add the parts of list (len bytes, split at sep) as options number to
 * opts, and append them to target joined by sep.
 */
static int m2mctl_coap_parts(const char *list, size_t len, char sep,
			     uint16_t number, coap_optlist_t **opts,
			     char *target, size_t size)
{
	const char *p = list, *end = list + len;
	size_t used = strlen(target), part;
	char value[1024];
	int n, count = 0;

	while (p <= end) {
		part = strcspn(p, sep == '/' ? "/?#" : "&#");
		if (p + part > end)
			part = (size_t)(end - p);
		n = m2mctl_coap_unescape(p, part, value, sizeof(value));
		if (n < 0 || ++count > M2MCTL_COAP_SEGMENTS_MAX ||
		    used + (size_t)n + 2 >= size)
			return -1;
		if (count > 1)
			target[used++] = sep;
		memcpy(target + used, value, (size_t)n);
		used += (size_t)n;
		target[used] = '\0';
		coap_insert_optlist(opts, coap_new_optlist(number, (size_t)n,
							   (uint8_t *)value));
		p += part + 1;
	}
	return 0;
}

/*
 * Put the path and query of a coap:// URL into Uri-Path and Uri-Query
 * options, and write the target that a signature covers. The target is
 * "/" and the decoded segments joined by "/"; with a query, "?" and the
 * decoded queries joined by "&" follow.
 */
static int m2mctl_coap_uri(const char *url, coap_optlist_t **opts,
			   char *target, size_t size)
{
	const char *path = url + strlen("coap://"), *query;
	size_t path_len, query_len;

	path += strcspn(path, "/?#");
	path_len = strcspn(path, "?#");
	query = path + path_len;
	query_len = *query == '?' ? strcspn(query + 1, "#") : 0;
	strcpy(target, "/");
	if (path_len > 1 &&
	    m2mctl_coap_parts(path + 1, path_len - 1, '/',
			      COAP_OPTION_URI_PATH, opts, target, size))
		goto bad;
	if (!query_len)
		return 0;
	if (strlen(target) + 2 >= size)
		goto bad;
	strcat(target, "?");
	if (m2mctl_coap_parts(query + 1, query_len, '&', COAP_OPTION_URI_QUERY,
			      opts, target, size))
		goto bad;
	return 0;
bad:
	return m2mctl_usage_error("rest",
				  "URL \"%s\" has a malformed or too long path or query",
				  url);
}

/* Content-Format and Accept options from the -H arguments. */
static int m2mctl_coap_headers(const struct m2mctl_rest_args *args,
			       bool has_body, coap_optlist_t **opts)
{
	bool has_type = false;
	uint8_t buf[4];
	size_t i;
	int format;

	for (i = 0; i < args->nheaders; i++) {
		const char *h = args->headers[i];
		bool type = m2mctl_rest_header_is(h, "Content-Type");

		if (!type && !m2mctl_rest_header_is(h, "Accept"))
			return m2mctl_usage_error("rest",
						  "over CoAP only Content-Type and Accept can be given, not \"%s\"",
						  h);
		format = m2mctl_coap_format(strchr(h, ':') + 1);
		if (format < 0)
			return m2mctl_usage_error("rest",
						  "no CoAP Content-Format for \"%s\"",
						  h);
		has_type |= type;
		coap_insert_optlist(opts,
				    coap_new_optlist(type ?
						     COAP_OPTION_CONTENT_FORMAT :
						     COAP_OPTION_ACCEPT,
						     coap_encode_var_safe(buf, sizeof(buf),
									  (unsigned int)format),
						     buf));
	}
	if (has_body && !has_type)
		coap_insert_optlist(opts,
				    coap_new_optlist(COAP_OPTION_CONTENT_FORMAT,
						     coap_encode_var_safe(buf, sizeof(buf),
									  COAP_MEDIATYPE_APPLICATION_XML),
						     buf));
	return 0;
}

/* The reply of a CoAP request, filled by the handlers. */
struct m2mctl_coap_reply {
	bool done;
	unsigned int code;		/* class * 100 + detail, 0 = none */
	const char *failure;
	struct m2mctl_rest_buf body;
};

static coap_response_t m2mctl_coap_response(coap_session_t *session,
					    const coap_pdu_t *sent,
					    const coap_pdu_t *received,
					    const coap_mid_t mid)
{
	struct m2mctl_coap_reply *reply = coap_session_get_app_data(session);
	coap_pdu_code_t code = coap_pdu_get_code(received);
	size_t len, offset, total;
	const uint8_t *data;

	reply->code = COAP_RESPONSE_CLASS(code) * 100 + (code & 0x1f);
	if (coap_get_data_large(received, &len, &data, &offset, &total) &&
	    !m2mctl_rest_append(&reply->body, (const char *)data, len))
		reply->failure = "reply body too large";
	reply->done = true;
	return COAP_RESPONSE_OK;
}

static void m2mctl_coap_nack(coap_session_t *session, const coap_pdu_t *sent,
			     const coap_nack_reason_t reason,
			     const coap_mid_t mid)
{
	struct m2mctl_coap_reply *reply = coap_session_get_app_data(session);

	reply->failure = reason == COAP_NACK_RST ? "the server reset the request" :
			 reason == COAP_NACK_TOO_MANY_RETRIES ?
			 "no answer after retransmissions" :
			 "the request could not be sent";
	reply->done = true;
}

/* Resolve the host and port of a coap:// URL. */
static int m2mctl_coap_address(const char *url, coap_address_t *dst)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	char host[256], port[8] = "5683";
	const char *p = url + strlen("coap://");
	size_t len = strcspn(p, "/?#");
	const char *colon;
	int err;

	if (*p == '[') {
		colon = memchr(p, ']', len);
		if (!colon || (size_t)(colon - p - 1) >= sizeof(host))
			return m2mctl_usage_error("rest", "bad host in \"%s\"", url);
		memcpy(host, p + 1, (size_t)(colon - p - 1));
		host[colon - p - 1] = '\0';
		colon = colon + 1 < p + len && colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(p, ':', len);
		if ((colon ? (size_t)(colon - p) : len) >= sizeof(host))
			return m2mctl_usage_error("rest", "bad host in \"%s\"", url);
		memcpy(host, p, colon ? (size_t)(colon - p) : len);
		host[colon ? colon - p : (long)len] = '\0';
	}
	if (colon) {
		size_t plen = (size_t)(p + len - colon - 1);

		if (!plen || plen >= sizeof(port) ||
		    strspn(colon + 1, "0123456789") < plen)
			return m2mctl_usage_error("rest", "bad port in \"%s\"", url);
		memcpy(port, colon + 1, plen);
		port[plen] = '\0';
	}
	err = getaddrinfo(host, port, &hints, &ai);
	if (err)
		return m2mctl_error("rest: cannot resolve %s: %s", host,
				    gai_strerror(err));
	coap_address_init(dst);
	memcpy(&dst->addr, ai->ai_addr, ai->ai_addrlen);
	dst->size = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Build the request PDU; opts is consumed. */
static coap_pdu_t *m2mctl_coap_pdu(coap_session_t *session,
				   const char *method, coap_optlist_t **opts)
{
	coap_pdu_code_t code = !strcmp(method, "GET") ? COAP_REQUEST_CODE_GET :
			       !strcmp(method, "POST") ? COAP_REQUEST_CODE_POST :
			       !strcmp(method, "PUT") ? COAP_REQUEST_CODE_PUT :
			       COAP_REQUEST_CODE_DELETE;
	uint8_t token[8];
	size_t token_len;
	coap_pdu_t *pdu;

	pdu = coap_pdu_init(COAP_MESSAGE_CON, code,
			    coap_new_message_id(session),
			    coap_session_max_pdu_size(session));
	if (!pdu)
		return NULL;
	coap_session_new_token(session, &token_len, token);
	if (!coap_add_token(pdu, token_len, token) ||
	    !coap_add_optlist_pdu(pdu, opts)) {
		coap_delete_pdu(pdu);
		return NULL;
	}
	return pdu;
}

/* Send pdu and wait for its reply or args->timeout_ms. */
static int m2mctl_coap_exchange(coap_context_t *ctx, coap_session_t *session,
				coap_pdu_t *pdu,
				const struct m2mctl_rest_args *args,
				struct m2mctl_coap_reply *reply)
{
	struct timespec start, now;
	unsigned long elapsed = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (coap_send(session, pdu) == COAP_INVALID_MID)
		return m2mctl_error("rest: sending the CoAP request failed");
	while (!reply->done && elapsed < args->timeout_ms) {
		coap_io_process(ctx, 100);
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (unsigned long)((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
	}
	if (!reply->done)
		return m2mctl_error("rest: %s %s: no CoAP reply within %lu ms",
				    args->method, args->url, args->timeout_ms);
	if (!reply->code)
		return m2mctl_error("rest: %s %s failed: %s", args->method,
				    args->url, reply->failure);
	printf("CoAP %u.%02u\n", reply->code / 100, reply->code % 100);
	if (reply->body.len) {
		fwrite(reply->body.data, 1, reply->body.len, stdout);
		if (reply->body.data[reply->body.len - 1] != '\n')
			printf("\n");
	}
	return reply->code / 100 == 2 ? M2MCTL_EXIT_OK : M2MCTL_EXIT_FAILED;
}

/* Prepare options (signature included) and the session, then send. */
static int m2mctl_coap_run(coap_context_t *ctx,
			   const struct m2mctl_rest_args *args,
			   const char *body, size_t len,
			   struct m2mctl_coap_reply *reply)
{
	char target[4096], auth[M2M_KMAUTH_MAX];
	coap_optlist_t *opts = NULL;
	coap_session_t *session = NULL;
	coap_address_t dst;
	coap_pdu_t *pdu;
	int ret;

	ret = m2mctl_coap_uri(args->url, &opts, target, sizeof(target));
	if (!ret)
		ret = m2mctl_coap_headers(args, body != NULL, &opts);
	if (!ret && args->app) {
		ret = m2mctl_rest_sign(args, target, body ? body : "", len,
				       auth, sizeof(auth));
		if (!ret)
			coap_insert_optlist(&opts,
					    coap_new_optlist(M2MCTL_COAP_OPT_AUTH,
							     strlen(auth),
							     (uint8_t *)auth));
	}
	if (!ret)
		ret = m2mctl_coap_address(args->url, &dst);
	if (!ret) {
		session = coap_new_client_session(ctx, NULL, &dst,
						  COAP_PROTO_UDP);
		if (!session)
			ret = m2mctl_error("rest: cannot open a CoAP session to %s",
					   args->url);
	}
	if (!ret) {
		coap_session_set_app_data(session, reply);
		pdu = m2mctl_coap_pdu(session, args->method, &opts);
		if (!pdu)
			ret = m2mctl_error("rest: building the CoAP request failed");
		else if (body &&
			 !coap_add_data_large_request(session, pdu, len,
						      (const uint8_t *)body,
						      NULL, NULL))
			ret = m2mctl_error("rest: adding the body failed");
		if (!ret)
			ret = m2mctl_coap_exchange(ctx, session, pdu, args,
						   reply);
		else if (pdu)
			coap_delete_pdu(pdu);
	}
	coap_delete_optlist(opts);
	if (session)
		coap_session_release(session);
	return ret;
}

/* Send the request over CoAP (UDP) with libcoap. */
static int m2mctl_rest_coap(const struct m2mctl_rest_args *args,
			    const char *body, size_t len)
{
	struct m2mctl_coap_reply reply = { 0 };
	coap_context_t *ctx;
	int ret;

	coap_startup();
	coap_set_log_level(LOG_EMERG);
	ctx = coap_new_context(NULL);
	if (!ctx) {
		coap_cleanup();
		return m2mctl_error("rest: cannot create a CoAP context");
	}
	coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP |
					 COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(ctx, m2mctl_coap_response);
	coap_register_nack_handler(ctx, m2mctl_coap_nack);
	ret = m2mctl_coap_run(ctx, args, body, len, &reply);
	free(reply.body.data);
	coap_free_context(ctx);
	coap_cleanup();
	return ret;
}

/* Sign when asked to, and send over HTTP. */
static int m2mctl_rest_http(const struct m2mctl_rest_args *args,
			    const char *body, size_t len)
{
	char target[4096], auth[M2M_KMAUTH_MAX];
	struct curl_slist *hdrs = NULL;
	int ret;

	ret = m2mctl_rest_target(args->url, target, sizeof(target));
	if (!ret)
		ret = m2mctl_rest_headers(args, body != NULL, &hdrs);
	if (!ret && args->app) {
		ret = m2mctl_rest_sign(args, target, body ? body : "", len,
				       auth, sizeof(auth));
		if (!ret)
			ret = m2mctl_rest_add_auth(auth, &hdrs);
	}
	if (!ret)
		ret = m2mctl_rest_send(args, body, len, hdrs);
	curl_slist_free_all(hdrs);
	return ret;
}

static int m2mctl_rest(int argc, char **argv)
{
	struct m2mctl_rest_args args = { .timeout_ms = M2MCTL_TIMEOUT_MS };
	char *body = NULL;
	size_t len = 0;
	int ret;

	ret = m2mctl_rest_parse(argc, argv, &args);
	if (ret)
		return ret < 0 ? M2MCTL_EXIT_OK : ret;
	ret = m2mctl_rest_body(args.body_arg, &body, &len);
	if (!ret)
		ret = args.coap ? m2mctl_rest_coap(&args, body, len) :
				  m2mctl_rest_http(&args, body, len);
	free(body);
	return ret;
}

const struct m2mctl_cmd m2mctl_cmd_rest = {
	.name = "rest",
	.summary = "send a REST request, signed with an application's Kma",
	.run = m2mctl_rest,
	.help = m2mctl_rest_help,
};
