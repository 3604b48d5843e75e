// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of Kma request signatures. The digest and MAC of fixed
 * requests are checked against values computed independently (Python
 * hashlib and hmac over the canonical string of kmauth.h). The parser
 * gets valid and malformed values; signing reads Kma from a user key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <keyutils.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hex.h"
#include "kmauth.h"

#include "check.h"

/* Kma of the vectors: the bytes 0x40 to 0x5f. */
static uint8_t kma[32];

#define KID	"00112233445566778899aabbccddeeff"
#define NONCE	"0102030405060708090a0b0c0d0e0f10"
#define TARGET1	"/gscl/applications/thermo/containers/temperature/contentInstances"

/*
 * Vector 1: POST TARGET1, app thermo, ts 1764882000, body "21.5".
 * Vector 2: GET /gscl/applications?x=1%20y, ts 0, empty body.
 */
#define DIGEST1	"2c37edcd782a18006b8dd5910fe926cf8d50e4b52e432527bf3ddd1ea35df13c"
#define MAC1	"c5a721f8a55e5bd4dd36cfc1dbecd0e14a25a92feb806415314126e5cc0fe503"
#define DIGEST2	"2bc87ab67246a569c756b56e8a046590694a0f4a52943116f47b24a4b11f081f"
#define MAC2	"c61bb9695e485c24f87eec884762825be9eedd34448d6cbffce86bd56191bf49"

#define VALID	"M2M-Kma app=\"thermo\", kid=\"" KID "\", ts=\"1764882000\", " \
		"nonce=\"" NONCE "\", mac=\"" MAC1 "\""

static void vector_auth(struct m2m_kmauth *a, int64_t ts)
{
	memset(a, 0, sizeof(*a));
	strcpy(a->app_id, "thermo");
	strcpy(a->kid, KID);
	a->ts = ts;
	m2m_hex_decode(NONCE, a->nonce, sizeof(a->nonce));
}

static void hmac_kma(const uint8_t *digest, uint8_t *mac)
{
	unsigned int len = 0;

	HMAC(EVP_sha256(), kma, sizeof(kma), digest, M2M_KMAUTH_DIGEST_LEN,
	     mac, &len);
}

/* Check the digest and MAC of one vector. */
static void check_vector(const char *name, const char *method,
			 const char *target, int64_t ts, const char *body,
			 const char *digest_hex, const char *mac_hex)
{
	uint8_t digest[M2M_KMAUTH_DIGEST_LEN], mac[M2M_KMAUTH_MAC_LEN];
	char hex[2 * M2M_KMAUTH_DIGEST_LEN + 1];
	struct m2m_kmauth a;
	int ret;

	vector_auth(&a, ts);
	ret = m2m_kmauth_digest(method, target, &a, body, strlen(body),
				digest);
	CHECK(ret == 0, "%s: digest returns %d", name, ret);
	m2m_hex_encode(digest, sizeof(digest), hex);
	CHECK(!strcmp(hex, digest_hex), "%s: digest %s, expected %s", name,
	      hex, digest_hex);
	hmac_kma(digest, mac);
	m2m_hex_encode(mac, sizeof(mac), hex);
	CHECK(!strcmp(hex, mac_hex), "%s: mac %s, expected %s", name, hex,
	      mac_hex);
}

static void test_vectors(void)
{
	check_vector("vector 1", "POST", TARGET1, 1764882000, "21.5", DIGEST1,
		     MAC1);
	check_vector("vector 2", "GET", "/gscl/applications?x=1%20y", 0, "",
		     DIGEST2, MAC2);
}

/* Each input of the canonical string changes the digest. */
static void test_digest_inputs(void)
{
	uint8_t base[32], d[32];
	struct m2m_kmauth a;

	vector_auth(&a, 1764882000);
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, base);
	m2m_kmauth_digest("PUT", TARGET1, &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "method is not in the digest");
	m2m_kmauth_digest("POST", "/gscl", &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "target is not in the digest");
	m2m_kmauth_digest("POST", TARGET1, &a, "21.6", 4, d);
	CHECK(memcmp(base, d, 32), "body is not in the digest");
	a.ts++;
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "ts is not in the digest");
	vector_auth(&a, 1764882000);
	a.nonce[15] ^= 1;
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "nonce is not in the digest");
	vector_auth(&a, 1764882000);
	strcpy(a.app_id, "thermO");
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "app id is not in the digest");
	vector_auth(&a, 1764882000);
	a.kid[31] = '0';
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, d);
	CHECK(memcmp(base, d, 32), "kid is not in the digest");
}

static void test_digest_rejects(void)
{
	struct m2m_kmauth a;
	uint8_t d[32];

	vector_auth(&a, 1);
	CHECK(m2m_kmauth_digest("", "/", &a, NULL, 0, d) == -EINVAL,
	      "empty method accepted");
	CHECK(m2m_kmauth_digest("GET\n", "/", &a, NULL, 0, d) == -EINVAL,
	      "method with a line feed accepted");
	CHECK(m2m_kmauth_digest("GET", "gscl", &a, NULL, 0, d) == -EINVAL,
	      "target without a leading slash accepted");
	CHECK(m2m_kmauth_digest("GET", "/a\nb", &a, NULL, 0, d) == -EINVAL,
	      "target with a line feed accepted");
	CHECK(m2m_kmauth_digest("GET", "/a b", &a, NULL, 0, d) == -EINVAL,
	      "target with a space accepted");
	CHECK(m2m_kmauth_digest("GET", "/", &a, NULL, 3, d) == -EINVAL,
	      "NULL body with a length accepted");
	strcpy(a.app_id, "a/b");
	CHECK(m2m_kmauth_digest("GET", "/", &a, NULL, 0, d) == -EINVAL,
	      "app id with a slash accepted");
	vector_auth(&a, 1);
	strcpy(a.kid, "00112233445566778899AABBCCDDEEFF");
	CHECK(m2m_kmauth_digest("GET", "/", &a, NULL, 0, d) == -EINVAL,
	      "uppercase kid accepted");
	vector_auth(&a, -1);
	CHECK(m2m_kmauth_digest("GET", "/", &a, NULL, 0, d) == -EINVAL,
	      "negative ts accepted");
	vector_auth(&a, 1);
	CHECK(m2m_kmauth_digest("GET", "/", &a, NULL, 0, d) == 0,
	      "empty body without a buffer refused");
}

#define P_KID_	"kid=\"" KID "\""
#define P_TS_	"ts=\"1764882000\""
#define P_NONCE_	"nonce=\"" NONCE "\""
#define P_MAC_	"mac=\"" MAC1 "\""

static void test_parse_valid(void)
{
	struct m2m_kmauth a, want;
	char err[128], big[512];
	int ret;

	ret = m2m_kmauth_parse(VALID, &a, err, sizeof(err));
	CHECK(ret == 0, "valid value refused: %s", err);
	vector_auth(&want, 1764882000);
	m2m_hex_decode(MAC1, want.mac, sizeof(want.mac));
	CHECK(!strcmp(a.app_id, "thermo"), "app id %s", a.app_id);
	CHECK(!strcmp(a.kid, KID), "kid %s", a.kid);
	CHECK(a.ts == 1764882000, "ts %lld", (long long)a.ts);
	CHECK(!memcmp(a.nonce, want.nonce, sizeof(a.nonce)), "nonce differs");
	CHECK(!memcmp(a.mac, want.mac, sizeof(a.mac)), "mac differs");

	/* Order, spacing and the case of names and scheme are free. */
	ret = m2m_kmauth_parse("m2m-kma  MAC=\"" MAC1 "\",ts=\"0\" ,\tnonce=\""
			       NONCE "\", Kid=\"" KID "\", app=\"a.b-c_d~e\"  ",
			       &a, err, sizeof(err));
	CHECK(ret == 0, "reordered value refused: %s", err);
	CHECK(a.ts == 0, "reordered value parsed to ts %lld", (long long)a.ts);
	CHECK(!strcmp(a.app_id, "a.b-c_d~e"), "reordered value parsed to app %s",
	      a.app_id);

	/* An application id of 255 bytes, the most allowed. */
	memset(big, 0, sizeof(big));
	strcpy(big, "M2M-Kma app=\"");
	memset(big + strlen(big), 'z', 255);
	strcat(big, "\", " P_KID_ ", " P_TS_ ", " P_NONCE_ ", " P_MAC_);
	ret = m2m_kmauth_parse(big, &a, err, sizeof(err));
	CHECK(ret == 0, "255-byte application id refused: %s", err);
	CHECK(strlen(a.app_id) == 255, "application id parsed to %zu bytes",
	      strlen(a.app_id));
}

/* Parse value, expect -EINVAL and an error message containing part. */
static void check_parse_error(const char *value, const char *part)
{
	struct m2m_kmauth a;
	char err[160] = "";
	int ret;

	ret = m2m_kmauth_parse(value, &a, err, sizeof(err));
	CHECK(ret == -EINVAL, "accepted: %s", value);
	CHECK(strstr(err, part) != NULL,
	      "error for %s is \"%s\", expected it to contain \"%s\"", value,
	      err, part);
	CHECK(a.app_id[0] == '\0', "a refused value left app filled: %s",
	      value);
	CHECK(a.ts == 0, "a refused value left ts filled: %s", value);
}

#define P_APP	"app=\"thermo\""
#define P_KID	P_KID_
#define P_TS	P_TS_
#define P_NONCE	P_NONCE_
#define P_MAC	P_MAC_
#define S	"M2M-Kma "

static void test_parse_errors(void)
{
	char big[M2M_KMAUTH_MAX + 64];

	check_parse_error("", "scheme");
	check_parse_error("Bearer abc", "scheme");
	check_parse_error("M2M-Kma", "scheme");
	check_parse_error("M2M-Kmax " P_APP, "scheme");
	check_parse_error(S, "parameter name");
	/* Each parameter missing. */
	check_parse_error(S P_KID ", " P_TS ", " P_NONCE ", " P_MAC,
			  "app is missing");
	check_parse_error(S P_APP ", " P_TS ", " P_NONCE ", " P_MAC,
			  "kid is missing");
	check_parse_error(S P_APP ", " P_KID ", " P_NONCE ", " P_MAC,
			  "ts is missing");
	check_parse_error(S P_APP ", " P_KID ", " P_TS ", " P_MAC,
			  "nonce is missing");
	check_parse_error(S P_APP ", " P_KID ", " P_TS ", " P_NONCE,
			  "mac is missing");
	/* Each parameter once. */
	check_parse_error(VALID ", " P_APP, "app is given twice");
	check_parse_error(VALID ", kid=\"" KID "\"", "kid is given twice");
	check_parse_error(VALID ", TS=\"1\"", "ts is given twice");
	check_parse_error(VALID ", extra=\"1\"", "unknown parameter \"extra\"");
	/* Syntax. */
	check_parse_error(S "app=thermo, " P_KID, "=\"value\"");
	check_parse_error(S "app =\"thermo\"", "=\"value\"");
	check_parse_error(S "app=\"thermo", "no closing quote");
	check_parse_error(S "app=\"the\\\"rmo\"", "backslash");
	check_parse_error(S P_APP " " P_KID, "expected \",\"");
	check_parse_error(S P_APP ";" P_KID, "expected \",\"");
	check_parse_error(S P_APP ",, " P_KID, "parameter name");
	check_parse_error(S P_APP ", ", "parameter name");
	/* app. */
	check_parse_error(S "app=\"\"", "app is not a valid application id");
	check_parse_error(S "app=\"the rmo\"", "app is not a valid");
	check_parse_error(S "app=\"a/b\"", "app is not a valid");
	check_parse_error(S "app=\"..\"", "app is not a valid");
	check_parse_error(S "app=\"caf\xc3\xa9\"", "app is not a valid");
	/* 256 bytes: one more than an application id may have. */
	memset(big, 'a', sizeof(big));
	memcpy(big, S "app=\"", strlen(S "app=\""));
	strcpy(big + strlen(S "app=\"") + 256, "\"");
	check_parse_error(big, "app is not a valid");
	/* kid, nonce, mac: exact length, lowercase hex. */
	check_parse_error(S "kid=\"0011\"", "kid is not 32 lowercase hex");
	check_parse_error(S "kid=\"" KID "00\"", "kid is not 32");
	check_parse_error(S "kid=\"00112233445566778899AABBCCDDEEFF\"",
			  "kid is not 32");
	check_parse_error(S "kid=\"0011223344556677889Xaabbccddeeff\"",
			  "kid is not 32");
	check_parse_error(S "nonce=\"" NONCE "0\"",
			  "nonce is not 32 lowercase hex");
	check_parse_error(S "nonce=\"0102\"", "nonce is not 32");
	check_parse_error(S "mac=\"" KID "\"", "mac is not 64 lowercase hex");
	check_parse_error(S "mac=\"" MAC1 "0\"", "mac is not 64");
	/* ts: plain decimal. */
	check_parse_error(S "ts=\"\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"-1\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"+1\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"01\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"1.5\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"0x10\"", "ts is not Unix seconds");
	check_parse_error(S "ts=\"9223372036854775808\"", "ts is out of range");
	check_parse_error(S "ts=\"99999999999999999999\"",
			  "ts is not Unix seconds");
	/* Length. */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, S, strlen(S));
	check_parse_error(big, "longer than");
}

static void test_format_round_trip(void)
{
	char out[M2M_KMAUTH_MAX], small[40];
	struct m2m_kmauth a, b;
	int ret;

	vector_auth(&a, 1764882000);
	m2m_hex_decode(MAC1, a.mac, sizeof(a.mac));
	ret = m2m_kmauth_format(&a, out, sizeof(out));
	CHECK(ret == 0, "format returns %d", ret);
	CHECK(!strcmp(out, VALID), "format gives %s", out);
	ret = m2m_kmauth_parse(out, &b, NULL, 0);
	CHECK(ret == 0, "formatted value does not parse back");
	CHECK(!memcmp(&a, &b, sizeof(a)), "formatted value parses to others");
	CHECK(m2m_kmauth_format(&a, small, sizeof(small)) == -ENOSPC,
	      "format into a short buffer did not fail");
	CHECK(small[0] == '\0', "short buffer left a partial value");
	CHECK(m2m_kmauth_format(&a, out, strlen(VALID)) == -ENOSPC,
	      "format without room for the terminator did not fail");
	CHECK(m2m_kmauth_format(&a, out, strlen(VALID) + 1) == 0,
	      "format into an exact buffer failed");
}

static void test_sign(void)
{
	uint8_t digest[32], mac[32];
	struct m2m_kmauth a, zero;
	key_serial_t serial, bad;
	time_t before = time(NULL);
	int ret;

	serial = add_key("user", "m2m_kma:unit-test", kma, sizeof(kma),
			 KEY_SPEC_PROCESS_KEYRING);
	if (serial < 0) {
		printf("SKIP sign: no keyring here (%s)\n", strerror(errno));
		return;
	}
	memset(&a, 0, sizeof(a));
	strcpy(a.app_id, "thermo");
	strcpy(a.kid, KID);
	ret = m2m_kmauth_sign(serial, "POST", TARGET1, "21.5", 4, &a);
	CHECK(ret == 0, "sign returns %d", ret);
	CHECK(a.ts >= before, "ts %lld is before the call", (long long)a.ts);
	CHECK(a.ts <= time(NULL), "ts %lld is after the call", (long long)a.ts);
	memset(&zero, 0, sizeof(zero));
	CHECK(memcmp(a.nonce, zero.nonce, sizeof(a.nonce)), "nonce is zero");
	m2m_kmauth_digest("POST", TARGET1, &a, "21.5", 4, digest);
	hmac_kma(digest, mac);
	CHECK(!memcmp(mac, a.mac, sizeof(mac)),
	      "signed mac is not HMAC(Kma, digest)");

	/* A second signature takes a new nonce. */
	memcpy(zero.nonce, a.nonce, sizeof(a.nonce));
	ret = m2m_kmauth_sign(serial, "POST", TARGET1, "21.5", 4, &a);
	CHECK(ret == 0, "second signature returns %d", ret);
	CHECK(memcmp(zero.nonce, a.nonce, sizeof(a.nonce)),
	      "second signature reused the nonce");

	bad = add_key("user", "m2m_kma:short", "0123", 4,
		      KEY_SPEC_PROCESS_KEYRING);
	CHECK(m2m_kmauth_sign(bad, "GET", "/", NULL, 0, &a) == -EMEDIUMTYPE,
	      "a 4-byte key was taken for a Kma");
	keyctl_revoke(bad);
	CHECK(m2m_kmauth_sign(bad, "GET", "/", NULL, 0, &a) == -EKEYREVOKED,
	      "a revoked key did not give EKEYREVOKED");
	CHECK(m2m_kmauth_sign(0x7ffffff0, "GET", "/", NULL, 0, &a) < 0,
	      "an unknown serial signed");
	CHECK(m2m_kmauth_sign(serial, "GET", "nope", NULL, 0, &a) == -EINVAL,
	      "a bad target signed");
	keyctl_revoke(serial);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(kma); i++)
		kma[i] = (uint8_t)(0x40 + i);
	test_vectors();
	test_digest_inputs();
	test_digest_rejects();
	test_parse_valid();
	test_parse_errors();
	test_format_round_trip();
	test_sign();
	printf("common_kmauth_test: %d checks, %d failures\n", checks,
	       failures);
	return failures ? 1 : 0;
}
