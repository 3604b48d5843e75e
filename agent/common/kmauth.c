// SPDX-License-Identifier: GPL-2.0
/*
 * Kma request signatures (see kmauth.h): the canonical form and digest of
 * a request, the Authorization value, and signing with the Kma that the
 * kernel put into the application's user key.
 *
 * The parser is strict, because the values it accepts end up in the
 * canonical string: every parameter exactly once, hex in lowercase with
 * its exact length, ts in plain decimal digits. A value that two
 * spellings could express would let two different headers carry the same
 * signature.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <keyutils.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hex.h"
#include "kmauth.h"

#define M2M_KMAUTH_VERSION	"m2msec-kma-v1"
#define M2M_KMAUTH_APP_MAX	255
#define M2M_KMAUTH_KID_HEX	(2 * M2MSEC_KEY_ID_LEN)
#define M2M_KMAUTH_NONCE_HEX	(2 * M2M_KMAUTH_NONCE_LEN)
#define M2M_KMAUTH_MAC_HEX	(2 * M2M_KMAUTH_MAC_LEN)
/* Digits of the largest int64_t, 9223372036854775807. */
#define M2M_KMAUTH_TS_DIGITS	19

/*
 * An application id takes the characters of a resource name, because it
 * names the application's resource: letters, digits and "-._~", 1 to 255
 * of them, and neither "." nor "..". None of them needs quoting.
 */
static bool m2m_kmauth_app_valid(const char *app, size_t len)
{
	size_t i;

	if (len == 0 || len > M2M_KMAUTH_APP_MAX)
		return false;
	if ((len == 1 && app[0] == '.') ||
	    (len == 2 && app[0] == '.' && app[1] == '.'))
		return false;
	for (i = 0; i < len; i++) {
		char c = app[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == '~'))
			return false;
	}
	return true;
}

/* True when s is exactly len lowercase hex digits. */
static bool m2m_kmauth_lower_hex(const char *s, size_t slen, size_t len)
{
	size_t i;

	if (slen != len)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A method is an HTTP token of upper-case letters, as the bindings use. */
static bool m2m_kmauth_method_valid(const char *method)
{
	size_t len = strlen(method), i;

	if (len == 0 || len > 16)
		return false;
	for (i = 0; i < len; i++)
		if (method[i] < 'A' || method[i] > 'Z')
			return false;
	return true;
}

/* A target is printable ASCII without spaces, starting with '/'. */
static bool m2m_kmauth_target_valid(const char *target)
{
	const char *p;

	if (target[0] != '/')
		return false;
	for (p = target; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

/* Hash one line of the canonical string: s and a line feed. */
static int m2m_kmauth_line(EVP_MD_CTX *ctx, const char *s)
{
	return EVP_DigestUpdate(ctx, s, strlen(s)) &&
	       EVP_DigestUpdate(ctx, "\n", 1);
}

int m2m_kmauth_digest(const char *method, const char *target,
		      const struct m2m_kmauth *a, const void *body,
		      size_t len, uint8_t digest[M2M_KMAUTH_DIGEST_LEN])
{
	char nonce[M2M_KMAUTH_NONCE_HEX + 1];
	char body_hex[2 * SHA256_DIGEST_LENGTH + 1];
	uint8_t body_hash[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx;
	char ts[32];
	int ok;

	if (!m2m_kmauth_method_valid(method) ||
	    !m2m_kmauth_target_valid(target) ||
	    !m2m_kmauth_app_valid(a->app_id, strnlen(a->app_id,
						      sizeof(a->app_id))) ||
	    !m2m_kmauth_lower_hex(a->kid, strnlen(a->kid, sizeof(a->kid)),
				  M2M_KMAUTH_KID_HEX) ||
	    a->ts < 0 || (len && !body))
		return -EINVAL;

	if (!SHA256(len ? body : (const void *)"", len, body_hash))
		return -EINVAL;
	m2m_hex_encode(body_hash, sizeof(body_hash), body_hex);
	m2m_hex_encode(a->nonce, sizeof(a->nonce), nonce);
	snprintf(ts, sizeof(ts), "%lld", (long long)a->ts);

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     m2m_kmauth_line(ctx, M2M_KMAUTH_VERSION) &&
	     m2m_kmauth_line(ctx, method) && m2m_kmauth_line(ctx, target) &&
	     m2m_kmauth_line(ctx, a->app_id) && m2m_kmauth_line(ctx, a->kid) &&
	     m2m_kmauth_line(ctx, ts) && m2m_kmauth_line(ctx, nonce) &&
	     EVP_DigestUpdate(ctx, body_hex, strlen(body_hex)) &&
	     EVP_DigestFinal_ex(ctx, digest, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

/* Parser state: position, error buffer and the parameters seen. */
struct m2m_kmauth_parser {
	const char *p;
	char *err;
	size_t errlen;
	unsigned int seen;	/* bit per parameter */
};

__attribute__((format(printf, 2, 3)))
static int m2m_kmauth_fail(struct m2m_kmauth_parser *ps, const char *fmt, ...)
{
	va_list args;

	if (ps->err && ps->errlen) {
		va_start(args, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, args);
		va_end(args);
	}
	return -EINVAL;
}

static void m2m_kmauth_skip_ows(struct m2m_kmauth_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* A token character of RFC 9110. */
static bool m2m_kmauth_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int m2m_kmauth_parse_ts(struct m2m_kmauth_parser *ps, const char *v,
			       size_t len, int64_t *ts)
{
	int64_t n = 0;
	size_t i;

	if (len == 0 || len > M2M_KMAUTH_TS_DIGITS || (len > 1 && v[0] == '0'))
		return m2m_kmauth_fail(ps,
				       "ts is not Unix seconds in decimal digits without leading zeros");
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return m2m_kmauth_fail(ps,
					       "ts is not Unix seconds in decimal digits without leading zeros");
		if (n > (INT64_MAX - (v[i] - '0')) / 10)
			return m2m_kmauth_fail(ps, "ts is out of range");
		n = n * 10 + (v[i] - '0');
	}
	*ts = n;
	return 0;
}

enum {
	M2M_KMAUTH_P_APP,
	M2M_KMAUTH_P_KID,
	M2M_KMAUTH_P_TS,
	M2M_KMAUTH_P_NONCE,
	M2M_KMAUTH_P_MAC,
	M2M_KMAUTH_P_COUNT,
};

static const char *const m2m_kmauth_params[M2M_KMAUTH_P_COUNT] = {
	"app", "kid", "ts", "nonce", "mac",
};

/* Decode 2 * len lowercase hex digits, already checked, into out. */
static void m2m_kmauth_unhex(const char *v, uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < 2 * len; i++) {
		uint8_t nibble = v[i] <= '9' ? v[i] - '0' : v[i] - 'a' + 10;

		if (i % 2)
			out[i / 2] |= nibble;
		else
			out[i / 2] = (uint8_t)(nibble << 4);
	}
}

/* Store the value v (len bytes) of parameter idx into out. */
static int m2m_kmauth_store(struct m2m_kmauth_parser *ps, int idx,
			    const char *v, size_t len, struct m2m_kmauth *out)
{
	switch (idx) {
	case M2M_KMAUTH_P_APP:
		if (!m2m_kmauth_app_valid(v, len))
			return m2m_kmauth_fail(ps,
					       "app is not a valid application id (1 to 255 of A-Z a-z 0-9 - . _ ~)");
		memcpy(out->app_id, v, len);
		out->app_id[len] = '\0';
		return 0;
	case M2M_KMAUTH_P_KID:
		if (!m2m_kmauth_lower_hex(v, len, M2M_KMAUTH_KID_HEX))
			return m2m_kmauth_fail(ps,
					       "kid is not %d lowercase hex digits",
					       M2M_KMAUTH_KID_HEX);
		memcpy(out->kid, v, len);
		out->kid[len] = '\0';
		return 0;
	case M2M_KMAUTH_P_TS:
		return m2m_kmauth_parse_ts(ps, v, len, &out->ts);
	case M2M_KMAUTH_P_NONCE:
		if (!m2m_kmauth_lower_hex(v, len, M2M_KMAUTH_NONCE_HEX))
			return m2m_kmauth_fail(ps,
					       "nonce is not %d lowercase hex digits",
					       M2M_KMAUTH_NONCE_HEX);
		m2m_kmauth_unhex(v, out->nonce, sizeof(out->nonce));
		return 0;
	default:
		if (!m2m_kmauth_lower_hex(v, len, M2M_KMAUTH_MAC_HEX))
			return m2m_kmauth_fail(ps,
					       "mac is not %d lowercase hex digits",
					       M2M_KMAUTH_MAC_HEX);
		m2m_kmauth_unhex(v, out->mac, sizeof(out->mac));
		return 0;
	}
}

/* Parse one name="value" pair at ps->p. */
static int m2m_kmauth_parse_param(struct m2m_kmauth_parser *ps,
				  struct m2m_kmauth *out)
{
	const char *name = ps->p, *v;
	size_t name_len, len;
	int idx;

	while (m2m_kmauth_tchar(*ps->p))
		ps->p++;
	name_len = (size_t)(ps->p - name);
	if (!name_len)
		return m2m_kmauth_fail(ps, "expected a parameter name at \"%.16s\"",
				       ps->p);
	for (idx = 0; idx < M2M_KMAUTH_P_COUNT; idx++)
		if (strlen(m2m_kmauth_params[idx]) == name_len &&
		    !strncasecmp(name, m2m_kmauth_params[idx], name_len))
			break;
	if (idx == M2M_KMAUTH_P_COUNT)
		return m2m_kmauth_fail(ps, "unknown parameter \"%.*s\"",
				       name_len > 32 ? 32 : (int)name_len, name);
	if (ps->seen & (1U << idx))
		return m2m_kmauth_fail(ps, "parameter %s is given twice",
				       m2m_kmauth_params[idx]);
	ps->seen |= 1U << idx;
	if (ps->p[0] != '=' || ps->p[1] != '"')
		return m2m_kmauth_fail(ps,
				       "parameter %s is not followed by =\"value\"",
				       m2m_kmauth_params[idx]);
	v = ps->p + 2;
	len = strcspn(v, "\"\\");
	if (v[len] != '"')
		return m2m_kmauth_fail(ps,
				       v[len] ? "value of %s has a backslash escape" :
						"value of %s has no closing quote",
				       m2m_kmauth_params[idx]);
	ps->p = v + len + 1;
	return m2m_kmauth_store(ps, idx, v, len, out);
}

int m2m_kmauth_parse(const char *value, struct m2m_kmauth *out, char *err,
		     size_t errlen)
{
	struct m2m_kmauth_parser ps = { value, err, errlen, 0 };
	size_t scheme_len = strlen(M2M_KMAUTH_SCHEME);
	int idx, ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (strlen(value) > M2M_KMAUTH_MAX)
		return m2m_kmauth_fail(&ps, "value is longer than %d bytes",
				       M2M_KMAUTH_MAX);
	m2m_kmauth_skip_ows(&ps);
	if (strncasecmp(ps.p, M2M_KMAUTH_SCHEME, scheme_len) ||
	    (ps.p[scheme_len] != ' ' && ps.p[scheme_len] != '\t'))
		return m2m_kmauth_fail(&ps, "scheme is not %s followed by parameters",
				       M2M_KMAUTH_SCHEME);
	ps.p += scheme_len;
	for (;;) {
		m2m_kmauth_skip_ows(&ps);
		ret = m2m_kmauth_parse_param(&ps, out);
		if (ret)
			goto fail;
		m2m_kmauth_skip_ows(&ps);
		if (*ps.p == '\0')
			break;
		if (*ps.p != ',') {
			ret = m2m_kmauth_fail(&ps,
					      "expected \",\" between parameters at \"%.16s\"",
					      ps.p);
			goto fail;
		}
		ps.p++;
	}
	for (idx = 0; idx < M2M_KMAUTH_P_COUNT; idx++) {
		if (!(ps.seen & (1U << idx))) {
			ret = m2m_kmauth_fail(&ps, "parameter %s is missing",
					      m2m_kmauth_params[idx]);
			goto fail;
		}
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return ret;
}

int m2m_kmauth_format(const struct m2m_kmauth *a, char *out, size_t len)
{
	char nonce[M2M_KMAUTH_NONCE_HEX + 1], mac[M2M_KMAUTH_MAC_HEX + 1];
	int n;

	m2m_hex_encode(a->nonce, sizeof(a->nonce), nonce);
	m2m_hex_encode(a->mac, sizeof(a->mac), mac);
	n = snprintf(out, len,
		     "%s app=\"%s\", kid=\"%s\", ts=\"%lld\", nonce=\"%s\", mac=\"%s\"",
		     M2M_KMAUTH_SCHEME, a->app_id, a->kid, (long long)a->ts,
		     nonce, mac);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* Read the 32-byte Kma of a user key. The caller wipes kma. */
static int m2m_kmauth_read_kma(int32_t serial, uint8_t kma[M2MSEC_KEY_LEN])
{
	/* One byte more, to notice a key that is not 32 bytes long. */
	uint8_t buf[M2MSEC_KEY_LEN + 1];
	long n;

	n = keyctl_read(serial, (char *)buf, sizeof(buf));
	if (n < 0) {
		n = -errno;
		explicit_bzero(buf, sizeof(buf));
		return (int)n;
	}
	if (n != M2MSEC_KEY_LEN) {
		explicit_bzero(buf, sizeof(buf));
		return -EMEDIUMTYPE;
	}
	memcpy(kma, buf, M2MSEC_KEY_LEN);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int m2m_kmauth_sign(int32_t kma_serial, const char *method,
		    const char *target, const void *body, size_t len,
		    struct m2m_kmauth *a)
{
	uint8_t kma[M2MSEC_KEY_LEN], digest[M2M_KMAUTH_DIGEST_LEN];
	unsigned int mac_len = 0;
	int ret;

	if (getrandom(a->nonce, sizeof(a->nonce), 0) !=
	    (ssize_t)sizeof(a->nonce))
		return errno ? -errno : -EIO;
	a->ts = (int64_t)time(NULL);
	ret = m2m_kmauth_digest(method, target, a, body, len, digest);
	if (ret)
		return ret;
	ret = m2m_kmauth_read_kma(kma_serial, kma);
	if (ret)
		return ret;
	if (!HMAC(EVP_sha256(), kma, sizeof(kma), digest, sizeof(digest),
		  a->mac, &mac_len) || mac_len != sizeof(a->mac))
		ret = -EIO;
	explicit_bzero(kma, sizeof(kma));
	return ret;
}
