// SPDX-License-Identifier: GPL-2.0
/* Parsing and formatting of UDP endpoints and CIDR prefixes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

size_t m2m_sockaddr_len(int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	}
	return 0;
}

static int m2m_port_parse(const char *text, uint16_t *port)
{
	unsigned long value;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end || errno || value == 0 || value > 65535)
		return -EINVAL;
	*port = (uint16_t)value;
	return 0;
}

/* Fill ss from a numeric address. Returns 0 or -EINVAL. */
static int m2m_numeric_host(const char *host, uint16_t port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

static int m2m_resolve_host(const char *host, uint16_t port,
			    struct sockaddr_storage *ss, char *msg,
			    size_t msglen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	int ret;

	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret) {
		snprintf(msg, msglen, "cannot resolve host \"%s\": %s", host,
			 gai_strerror(ret));
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else {
		snprintf(msg, msglen, "host \"%s\" has no IP address", host);
		return -EINVAL;
	}
	return 0;
}

int m2m_endpoint_parse(const char *text, bool resolve,
		       struct sockaddr_storage *ss, char *msg, size_t msglen)
{
	char host[256];
	const char *colon, *start = text, *end;
	uint16_t port;

	if (text[0] == '[') {
		start = text + 1;
		end = strchr(start, ']');
		if (!end || end[1] != ':') {
			snprintf(msg, msglen,
				 "invalid endpoint \"%s\" (expected [IPV6]:PORT)",
				 text);
			return -EINVAL;
		}
		colon = end + 1;
	} else {
		colon = strrchr(text, ':');
		end = colon;
		if (!colon || memchr(text, ':', (size_t)(colon - text))) {
			snprintf(msg, msglen,
				 "invalid endpoint \"%s\" (expected HOST:PORT or [IPV6]:PORT)",
				 text);
			return -EINVAL;
		}
	}
	if (end == start || (size_t)(end - start) >= sizeof(host)) {
		snprintf(msg, msglen, "invalid host in endpoint \"%s\"", text);
		return -EINVAL;
	}
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	if (m2m_port_parse(colon + 1, &port)) {
		snprintf(msg, msglen,
			 "invalid port \"%s\" in endpoint \"%s\" (expected 1 to 65535)",
			 colon + 1, text);
		return -EINVAL;
	}
	if (!m2m_numeric_host(host, port, ss)) {
		if (text[0] == '[' && ss->ss_family != AF_INET6) {
			snprintf(msg, msglen,
				 "invalid endpoint \"%s\" (brackets are for IPv6 addresses)",
				 text);
			return -EINVAL;
		}
		return 0;
	}
	if (!resolve || text[0] == '[') {
		snprintf(msg, msglen,
			 "invalid address \"%s\" in endpoint \"%s\"", host, text);
		return -EINVAL;
	}
	return m2m_resolve_host(host, port, ss, msg, msglen);
}

const char *m2m_endpoint_format(const struct sockaddr_storage *ss, char *buf,
				size_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		if (sin6->sin6_scope_id)
			snprintf(buf, len, "[%s%%%u]:%u", addr,
				 sin6->sin6_scope_id, ntohs(sin6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", addr,
				 ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}

void m2m_prefix_mask(uint8_t *addr, size_t alen, unsigned int cidr)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (cidr >= 8 * (i + 1))
			continue;
		if (cidr <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 * (i + 1) - cidr));
	}
}

static int m2m_cidr_len_parse(const char *text, unsigned int max,
			      unsigned int *cidr)
{
	unsigned long value;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end || errno || value > max)
		return -EINVAL;
	*cidr = (unsigned int)value;
	return 0;
}

int m2m_cidr_parse(const char *text, struct m2m_allowedip *ip, char *msg,
		   size_t msglen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	uint8_t masked[16];
	unsigned int cidr, max;

	memset(ip, 0, sizeof(*ip));
	if (alen == 0 || alen >= sizeof(addr))
		goto invalid;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, ip->addr) == 1) {
		ip->family = AF_INET;
		alen = 4;
	} else if (inet_pton(AF_INET6, addr, ip->addr) == 1) {
		ip->family = AF_INET6;
		alen = 16;
	} else {
		goto invalid;
	}
	max = 8 * (unsigned int)alen;
	cidr = max;
	if (slash && m2m_cidr_len_parse(slash + 1, max, &cidr)) {
		snprintf(msg, msglen,
			 "invalid prefix length in \"%s\" (expected 0 to %u)",
			 text, max);
		return -EINVAL;
	}
	ip->cidr = (uint8_t)cidr;
	memcpy(masked, ip->addr, alen);
	m2m_prefix_mask(masked, alen, cidr);
	if (memcmp(masked, ip->addr, alen)) {
		inet_ntop(ip->family, masked, addr, sizeof(addr));
		snprintf(msg, msglen,
			 "prefix \"%s\" has host bits set (did you mean %s/%u?)",
			 text, addr, cidr);
		return -EINVAL;
	}
	return 0;

invalid:
	snprintf(msg, msglen,
		 "invalid prefix \"%s\" (expected ADDR/LEN with an IPv4 or IPv6 address)",
		 text);
	return -EINVAL;
}

int m2m_cidr_list_parse(const char *text, struct m2m_allowedip *ips,
			size_t max, char *msg, size_t msglen)
{
	char item[INET6_ADDRSTRLEN + 8];
	const char *p = text, *comma;
	size_t n = 0, len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			snprintf(msg, msglen,
				 "empty prefix in list \"%s\"", text);
			return -EINVAL;
		}
		if (n == max) {
			snprintf(msg, msglen,
				 "too many prefixes in list (maximum %zu)", max);
			return -EINVAL;
		}
		if (len >= sizeof(item)) {
			snprintf(msg, msglen, "invalid prefix \"%.*s\"",
				 (int)len, p);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (m2m_cidr_parse(item, &ips[n], msg, msglen))
			return -EINVAL;
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)n;
}

const char *m2m_cidr_format(const struct m2m_allowedip *ip, char *buf,
			    size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(ip->family, ip->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, len, "%s/%u", addr, ip->cidr);
	return buf;
}

int m2m_cidr_list_format(const struct m2m_allowedip *ips, size_t n,
			 char *buf, size_t len)
{
	char one[M2M_CIDR_STRLEN];
	size_t used = 0, i, olen;

	if (!len)
		return -ENOSPC;
	if (n == 0) {
		snprintf(buf, len, "(none)");
		return 0;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		m2m_cidr_format(&ips[i], one, sizeof(one));
		olen = strlen(one) + (i ? 1 : 0);
		if (used + olen >= len)
			return -ENOSPC;
		snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		used += olen;
	}
	return 0;
}
