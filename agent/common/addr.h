/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text forms of the addresses of the m2msec data plane: UDP endpoints
 * ("192.0.2.1:5685", "[2001:db8::1]:5685") and inner prefixes in CIDR
 * notation, as m2mctl reads and prints them and m2md configures them.
 */
#ifndef M2M_ADDR_H
#define M2M_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <linux/m2msec.h>

/* Maximum number of prefixes in one allowed-ips list. */
#define M2M_ALLOWEDIPS_MAX	1024
/* Buffer size for a formatted endpoint: "[v6 address%scope]:65535". */
#define M2M_ENDPOINT_STRLEN	80
/* Buffer size for one formatted prefix: a v6 address and "/128". */
#define M2M_CIDR_STRLEN		(INET6_ADDRSTRLEN + 4)

/* One inner prefix of a peer. */
struct m2m_allowedip {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t cidr;		/* prefix length */
	uint8_t addr[16];	/* 4 or 16 bytes used */
};

/* Length in bytes of a struct sockaddr of family, or 0 if unsupported. */
size_t m2m_sockaddr_len(int family);

/*
 * Parse "HOST:PORT" or "[IPV6]:PORT" into ss. HOST is a numeric address,
 * or a name resolved with getaddrinfo() when resolve is true. The port
 * must be 1 to 65535. Returns 0, or -EINVAL with a message in msg.
 */
int m2m_endpoint_parse(const char *text, bool resolve,
		       struct sockaddr_storage *ss, char *msg, size_t msglen);

/*
 * Format ss as "ADDR:PORT", "[ADDR]:PORT", or "(none)" when its family
 * is AF_UNSPEC. Returns buf.
 */
const char *m2m_endpoint_format(const struct sockaddr_storage *ss, char *buf,
				size_t len);

/*
 * Parse "ADDR/LEN" or a bare "ADDR" (a host prefix) into ip. A prefix
 * whose host bits are not zero is rejected, because the kernel would
 * route a different prefix than the one written. Returns 0 or -EINVAL
 * with a message in msg.
 */
int m2m_cidr_parse(const char *text, struct m2m_allowedip *ip, char *msg,
		   size_t msglen);

/*
 * Parse a comma-separated list of prefixes into ips (at most max).
 * Returns the number of prefixes, or -EINVAL with a message in msg.
 */
int m2m_cidr_list_parse(const char *text, struct m2m_allowedip *ips,
			size_t max, char *msg, size_t msglen);

/* Format one prefix as "ADDR/LEN". Returns buf. */
const char *m2m_cidr_format(const struct m2m_allowedip *ip, char *buf,
			    size_t len);

/*
 * Format a list as comma-separated prefixes, or "(none)" when n is 0.
 * Returns 0, or -ENOSPC when buf is too small (buf then holds a
 * truncated list).
 */
int m2m_cidr_list_format(const struct m2m_allowedip *ips, size_t n,
			 char *buf, size_t len);

/* Clear the bits of addr beyond cidr (addr of alen bytes). */
void m2m_prefix_mask(uint8_t *addr, size_t alen, unsigned int cidr);

#endif /* M2M_ADDR_H */
