/* test_auth.c: lib/auth.c against real tokens — ones signed by auth_sign_new
 * and hostile ones crafted here (alg none, HS512, empty and wrong keys,
 * duplicate claims, bad times, wrong iss/aud, bad shapes) — for HS256, RS256
 * and ES256 with keys generated at run time, and the verified-token cache.
 *
 * jwt_decode is interposed below (this program's definition wins over
 * libjwt's; it counts calls and forwards to the real one) so that the tests
 * can tell a cache hit, which must not reach libjwt, from a full check. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "auth.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "check.h"

#define NOW 1700000000LL
#define SECRET "0123456789abcdef0123456789abcdef-bdg-test"
#define OTHER_SECRET "fedcba9876543210fedcba9876543210-bdg-test"
#define GOOD_HEAD "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define NTHREADS 8
#define NTOKENS 64

static atomic_int decode_calls;
static int (*real_jwt_decode)(jwt_t **, const char *, const unsigned char *, int);

/* Counts the calls, then runs libjwt's own jwt_decode. */
int jwt_decode(jwt_t **jwt, const char *token, const unsigned char *key, int key_len)
{
	atomic_fetch_add(&decode_calls, 1);
	return real_jwt_decode(jwt, token, key, key_len);
}

/* Verify must fail with 401 "unauthorized" and exactly this detail. */
#define REJECT(a, tok, now, why) do { \
	struct bdg_err e_; struct bdg_principal p_; \
	memset(&e_, 0, sizeof e_); \
	CHECK_EQ_INT(auth_verify((a), (tok), (time_t)(now), &p_, &e_), -1); \
	CHECK_EQ_INT(e_.status, 401); \
	CHECK_EQ_STR(e_.code, "unauthorized"); \
	CHECK_EQ_STR(e_.detail, (why)); \
	CHECK(strstr(e_.detail, "eyJ") == NULL); \
	CHECK_EQ_INT(p_.role, ROLE_NONE); \
} while (0)

/* Verify must succeed with this principal. */
#define ACCEPT(a, tok, now, want_sub, want_role) do { \
	struct bdg_err e_; struct bdg_principal p_; \
	memset(&e_, 0, sizeof e_); \
	CHECK_EQ_INT(auth_verify((a), (tok), (time_t)(now), &p_, &e_), 0); \
	CHECK_EQ_STR(e_.detail, ""); \
	CHECK_EQ_STR(p_.sub, (want_sub)); \
	CHECK_EQ_INT(p_.role, (want_role)); \
} while (0)

static char *b64url_new(const void *data, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *d = data;
	char *out = malloc(n / 3 * 4 + 5), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = abc[d[i] >> 2];
		*o++ = abc[(d[i] & 3) << 4 | d[i + 1] >> 4];
		*o++ = abc[(d[i + 1] & 15) << 2 | d[i + 2] >> 6];
		*o++ = abc[d[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = abc[d[i] >> 2];
		*o++ = abc[(d[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = abc[d[i] >> 2];
		*o++ = abc[(d[i] & 3) << 4 | d[i + 1] >> 4];
		*o++ = abc[(d[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

/* "b64(header).b64(payload).b64(HMAC-md(key, first two))", malloc'd. With
 * md NULL the signature segment is `sig` as given (may be ""). */
static char *craft(const char *header, const char *payload, const EVP_MD *md,
		   const void *key, size_t keylen, const char *sig)
{
	char *h = b64url_new(header, strlen(header));
	char *p = b64url_new(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 1;
	char *input = malloc(n + 1), *s, *tok;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	snprintf(input, n + 1, "%s.%s", h, p);
	if (md) {
		HMAC(md, key, (int)keylen, (const unsigned char *)input, n, mac, &maclen);
		s = b64url_new(mac, maclen);
	} else {
		s = strdup(sig);
	}
	tok = malloc(n + strlen(s) + 2);
	sprintf(tok, "%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return tok;
}

/* An HS256 token over already-encoded segments, with the test secret. */
static char *hs_segments(const char *h, const char *p)
{
	size_t n = strlen(h) + strlen(p) + 1;
	char *input = malloc(n + 1), *s, *tok;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	snprintf(input, n + 1, "%s.%s", h, p);
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)input, n, mac, &maclen);
	s = b64url_new(mac, maclen);
	tok = malloc(n + strlen(s) + 2);
	sprintf(tok, "%s.%s", input, s);
	free(input);
	free(s);
	return tok;
}

/* An HS256 token over `payload` with the test secret. */
static char *hs(const char *payload)
{
	return craft(GOOD_HEAD, payload, EVP_sha256(), SECRET, strlen(SECRET), NULL);
}

/* A payload with the usual sub/unit/role and the given extra members. */
static char *claims(const char *extra)
{
	char *s = malloc(strlen(extra) + 128);

	sprintf(s, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"editor\"%s%s}",
		extra[0] ? "," : "", extra);
	return s;
}

static void cfg_hs(struct bdg_config *c, const char *iss, const char *aud)
{
	memset(c, 0, sizeof *c);
	snprintf(c->jwt_alg, sizeof c->jwt_alg, "HS256");
	snprintf(c->jwt_secret, sizeof c->jwt_secret, "%s", SECRET);
	c->jwt_secret_len = strlen(SECRET);
	snprintf(c->jwt_issuer, sizeof c->jwt_issuer, "%s", iss);
	snprintf(c->jwt_audience, sizeof c->jwt_audience, "%s", aud);
}

static EVP_PKEY *keygen(int type, int param)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(type, NULL);
	EVP_PKEY *k = NULL;
	int ok = ctx && EVP_PKEY_keygen_init(ctx) > 0;

	if (ok && type == EVP_PKEY_RSA)
		ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, param) > 0;
	else if (ok)
		ok = EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, param) > 0;
	if (ok && EVP_PKEY_keygen(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* The key's PEM (private or public) into dst. */
static void pem(EVP_PKEY *k, int private, char *dst, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok = private ? PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_bio_PUBKEY(bio, k);

	n = ok ? BIO_get_mem_data(bio, &data) : 0;
	if (n <= 0 || (size_t)n >= size)
		n = 0;
	else
		memcpy(dst, data, (size_t)n);
	dst[n] = '\0';
	BIO_free(bio);
}

static void cfg_pk(struct bdg_config *c, const char *alg, EVP_PKEY *k, int with_public)
{
	memset(c, 0, sizeof *c);
	snprintf(c->jwt_alg, sizeof c->jwt_alg, "%s", alg);
	if (with_public)
		pem(k, 0, c->jwt_public_key, sizeof c->jwt_public_key);
	pem(k, 1, c->jwt_private_key, sizeof c->jwt_private_key);
}

static char *sign(const struct bdg_config *c, const char *sub, const char *role, long ttl)
{
	struct bdg_err e;
	char *t;

	memset(&e, 0, sizeof e);
	t = auth_sign_new(c, sub, "VN-HN", role, ttl, (time_t)NOW, &e);
	CHECK(t != NULL);
	if (!t)
		fprintf(stderr, "auth_sign_new: %d %s\n", e.status, e.detail);
	return t;
}

static void test_roles(void)
{
	CHECK_EQ_INT(role_parse("viewer"), ROLE_VIEWER);
	CHECK_EQ_INT(role_parse("editor"), ROLE_EDITOR);
	CHECK_EQ_INT(role_parse("approver"), ROLE_APPROVER);
	CHECK_EQ_INT(role_parse("admin"), ROLE_ADMIN);
	CHECK_EQ_INT(role_parse("Admin"), ROLE_NONE);
	CHECK_EQ_INT(role_parse("none"), ROLE_NONE);
	CHECK_EQ_INT(role_parse(""), ROLE_NONE);
	CHECK_EQ_INT(role_parse(NULL), ROLE_NONE);
	CHECK_EQ_STR(role_name(ROLE_VIEWER), "viewer");
	CHECK_EQ_STR(role_name(ROLE_APPROVER), "approver");
	CHECK_EQ_STR(role_name(ROLE_ADMIN), "admin");
	CHECK_EQ_STR(role_name(ROLE_NONE), "none");
	CHECK_EQ_STR(role_name(99), "none");
	CHECK_EQ_STR(role_name(-1), "none");
}

static void test_auth_new_refuses(void)
{
	struct bdg_config c;
	struct bdg_err e;

	cfg_hs(&c, "", "");
	c.jwt_secret_len = 31;
	c.jwt_secret[31] = '\0';
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");

	cfg_hs(&c, "", "");
	snprintf(c.jwt_alg, sizeof c.jwt_alg, "HS512");
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);

	cfg_hs(&c, "", "");
	snprintf(c.jwt_alg, sizeof c.jwt_alg, "none");
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);

	/* No alg, no secret: RS256, which needs a key. */
	memset(&c, 0, sizeof c);
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");

	/* RS256 with text that is not a key. */
	memset(&c, 0, sizeof c);
	snprintf(c.jwt_alg, sizeof c.jwt_alg, "RS256");
	snprintf(c.jwt_public_key, sizeof c.jwt_public_key,
		 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);

	/* No alg with a 32-byte secret is HS256. */
	cfg_hs(&c, "", "");
	c.jwt_alg[0] = '\0';
	memset(&e, 0, sizeof e);
	{
		struct bdg_auth *a = auth_new(&c, &e);
		char *t = sign(&c, "alice", "viewer", 60);
		CHECK(a != NULL);
		if (a && t)
			ACCEPT(a, t, NOW, "alice", ROLE_VIEWER);
		free(t);
		auth_free(a);
	}
	auth_free(NULL);
}

static void test_sign_refuses(void)
{
	struct bdg_config c;
	struct bdg_err e;

	cfg_hs(&c, "", "");
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "alice", "VN-HN", "root", 60, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 400);
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "", "VN-HN", "admin", 60, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 400);
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "alice", "VN-HN", "admin", 0, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 400);

	c.jwt_secret_len = 8;
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "alice", "VN-HN", "admin", 60, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");

	memset(&c, 0, sizeof c);
	snprintf(c.jwt_alg, sizeof c.jwt_alg, "RS256");
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "alice", "VN-HN", "admin", 60, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");

	snprintf(c.jwt_private_key, sizeof c.jwt_private_key,
		 "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	memset(&e, 0, sizeof e);
	CHECK(auth_sign_new(&c, "alice", "VN-HN", "admin", 60, (time_t)NOW, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");
}

/* Hostile and borderline tokens against an HS256 verifier without iss/aud. */
static void test_hs256_hostile(void)
{
	struct bdg_config c;
	struct bdg_err e;
	struct bdg_auth *a;
	char *t, *p, *good, *big;
	char buf[512];
	int before;

	cfg_hs(&c, "", "");
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL);
	if (!a)
		return;

	/* A good crafted token, with the times inside the leeway. */
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld", NOW + 60, NOW, NOW);
	p = claims(buf);
	good = hs(p);
	ACCEPT(a, good, NOW, "alice", ROLE_EDITOR);
	free(p);

	/* alg none: unsigned, and with a signature; "None" too. */
	snprintf(buf, sizeof buf, "\"exp\":%lld", NOW + 60);
	p = claims(buf);
	t = craft("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, NULL, NULL, 0, "");
	REJECT(a, t, NOW, "token is malformed");
	free(t);
	t = craft("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	t = craft("{\"alg\":\"None\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	t = craft("{\"typ\":\"JWT\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	t = craft("{\"alg\":\"hs256\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);

	/* HS512 with the right key; HS256 header, HS512 MAC. */
	t = craft("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", p, EVP_sha512(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	t = craft(GOOD_HEAD, p, EVP_sha512(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token signature is invalid");
	free(t);

	/* Duplicate alg in the header (last would win). */
	t = craft("{\"alg\":\"HS256\",\"alg\":\"none\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token header has duplicate keys");
	free(t);

	/* typ other than JWT; crit; header not an object. */
	t = craft("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token type is not accepted");
	free(t);
	t = craft("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}", p, EVP_sha256(), SECRET,
		  strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token has critical header parameters we do not support");
	free(t);
	t = craft("[\"HS256\"]", p, EVP_sha256(), SECRET, strlen(SECRET), NULL);
	REJECT(a, t, NOW, "token header is not a JSON object");
	free(t);

	/* Empty key, wrong key. */
	t = craft(GOOD_HEAD, p, EVP_sha256(), "", 0, NULL);
	REJECT(a, t, NOW, "token signature is invalid");
	free(t);
	t = craft(GOOD_HEAD, p, EVP_sha256(), OTHER_SECRET, strlen(OTHER_SECRET), NULL);
	REJECT(a, t, NOW, "token signature is invalid");
	free(t);
	free(p);

	/* Tampered payload: the signature of one payload over another. */
	{
		char *q, *mine, *dot;
		snprintf(buf, sizeof buf, "\"exp\":%lld", NOW + 60);
		p = claims(buf);
		mine = hs(p);
		q = b64url_new("{\"sub\":\"alice\",\"unit\":\"VN\",\"role\":\"admin\",\"exp\":9999999999}",
			       strlen("{\"sub\":\"alice\",\"unit\":\"VN\",\"role\":\"admin\",\"exp\":9999999999}"));
		dot = strrchr(mine, '.');
		t = malloc(strlen(mine) + strlen(q) + 8);
		sprintf(t, "%.*s.%s%s", (int)(strchr(mine, '.') - mine), mine, q, dot);
		REJECT(a, t, NOW, "token signature is invalid");
		free(t);

		/* Flip one signature character; truncate the signature. */
		t = strdup(mine);
		dot = strrchr(t, '.');
		dot[3] = dot[3] == 'A' ? 'B' : 'A';
		REJECT(a, t, NOW, "token signature is invalid");
		strcpy(t, mine);
		t[strlen(t) - 4] = '\0';
		REJECT(a, t, NOW, "token signature is invalid");
		free(t);

		/* Non-canonical base64url: the last signature character with
		 * stray low bits, the same bytes spelled differently. */
		t = strdup(mine);
		dot = t + strlen(t) - 1;
		*dot = (char)(*dot + 1);   /* 43 chars for 32 bytes: 2 unused bits */
		REJECT(a, t, NOW, "token signature is invalid");
		free(t);

		/* Padding, standard-alphabet characters, whitespace. */
		t = malloc(strlen(mine) + 4);
		sprintf(t, "%s=", mine);
		REJECT(a, t, NOW, "token signature is invalid");
		strcpy(t, mine);
		*strchr(t, '.') = '\0';
		strcat(t, "=.");
		strcat(t, strchr(mine, '.') + 1);
		REJECT(a, t, NOW, "token is malformed");
		strcpy(t, mine);
		t[5] = '+';
		REJECT(a, t, NOW, "token is malformed");
		strcpy(t, mine);
		t[5] = ' ';
		REJECT(a, t, NOW, "token is malformed");
		free(t);

		/* 2, 4 and 5 segments; empty segments. */
		t = malloc(2 * strlen(mine) + 8);
		strcpy(t, mine);
		*strrchr(t, '.') = '\0';
		REJECT(a, t, NOW, "token is malformed");
		sprintf(t, "%s.%s", mine, strrchr(mine, '.') + 1);
		REJECT(a, t, NOW, "token is malformed");
		sprintf(t, "%s.", mine);
		REJECT(a, t, NOW, "token is malformed");
		sprintf(t, "%s.AAAA.AAAA", mine);
		REJECT(a, t, NOW, "token is malformed");
		sprintf(t, ".%s", strchr(mine, '.') + 1);
		REJECT(a, t, NOW, "token is malformed");
		strcpy(t, mine);
		*strchr(t, '.') = '\0';
		strcat(t, "..");
		strcat(t, strrchr(mine, '.') + 1);
		REJECT(a, t, NOW, "token is malformed");
		REJECT(a, "..", NOW, "token is malformed");
		REJECT(a, "abc", NOW, "token is malformed");
		REJECT(a, "", NOW, "token is missing");
		REJECT(a, NULL, NOW, "token is missing");
		free(t);
		free(q);
		free(mine);
		free(p);
	}

	/* Correctly signed, but the payload segment spelled with stray low
	 * bits in its last character (libjwt's decoder would ignore them). */
	{
		char *h = b64url_new(GOOD_HEAD, strlen(GOOD_HEAD)), *q;
		snprintf(buf, sizeof buf, "\"exp\":%lld", NOW + 60);
		p = claims(buf);
		while (strlen(p) % 3 == 0)
			memmove(p + 1, p, strlen(p) + 1), p[0] = ' ';
		q = b64url_new(p, strlen(p));
		t = hs_segments(h, q);
		ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
		free(t);
		q[strlen(q) - 1]++;
		t = hs_segments(h, q);
		REJECT(a, t, NOW, "token is malformed");
		free(t);
		free(q);
		free(h);
		free(p);
	}

	/* 9 KB: a valid signature over a padded payload, still refused. */
	{
		char *pad = malloc(7000);
		memset(pad, 'x', 6999);
		pad[6999] = '\0';
		p = malloc(7200);
		snprintf(p, 7200, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"editor\",\"exp\":%lld,\"pad\":\"%s\"}",
			 NOW + 60, pad);
		big = hs(p);
		CHECK(strlen(big) > 9000);
		REJECT(a, big, NOW, "token is too long");
		free(big);
		free(p);
		free(pad);
	}

	/* Payload not JSON, not an object, duplicate sub, duplicate role. */
	t = hs("not json");
	REJECT(a, t, NOW, "token payload is not JSON");
	free(t);
	t = hs("[1,2]");
	REJECT(a, t, NOW, "token payload is not a JSON object");
	free(t);
	t = hs("\"alice\"");   /* no JSON_DECODE_ANY: a bare string is not JSON to us */
	REJECT(a, t, NOW, "token payload is not JSON");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"viewer\","
		 "\"exp\":%lld,\"sub\":\"root\"}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token payload has duplicate keys");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"viewer\","
		 "\"exp\":%lld,\"role\":\"admin\"}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token payload has duplicate keys");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"al\\u0000ice\",\"unit\":\"VN-HN\",\"role\":\"viewer\","
		 "\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token payload is not JSON");
	free(t);

	/* exp: missing, a string, a real, null; expired at and beyond the
	 * leeway, accepted within it. */
	p = claims("");
	t = hs(p);
	REJECT(a, t, NOW, "token has no exp claim");
	free(t);
	free(p);
	p = claims("\"exp\":\"9999999999\"");
	t = hs(p);
	REJECT(a, t, NOW, "token exp claim is not an integer");
	free(t);
	free(p);
	p = claims("\"exp\":9999999999.0");
	t = hs(p);
	REJECT(a, t, NOW, "token exp claim is not an integer");
	free(t);
	free(p);
	p = claims("\"exp\":null");
	t = hs(p);
	REJECT(a, t, NOW, "token exp claim is not an integer");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld", NOW - 31);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token expired");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld", NOW - 30);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token expired");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld", NOW - 29);
	p = claims(buf);
	t = hs(p);
	ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
	free(t);
	free(p);

	/* nbf and iat: beyond the leeway refused, within it accepted; wrong
	 * types refused. */
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"nbf\":%lld", NOW + 600, NOW + 31);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token is not valid yet");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"nbf\":%lld", NOW + 600, NOW + 30);
	p = claims(buf);
	t = hs(p);
	ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"nbf\":\"%lld\"", NOW + 600, NOW);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token nbf claim is not an integer");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"iat\":%lld", NOW + 600, NOW + 31);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token is issued in the future");
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"iat\":%lld", NOW + 600, NOW + 30);
	p = claims(buf);
	t = hs(p);
	ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
	free(t);
	free(p);
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"iat\":true", NOW + 600);
	p = claims(buf);
	t = hs(p);
	REJECT(a, t, NOW, "token iat claim is not an integer");
	free(t);
	free(p);

	/* sub, unit, role. */
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"superuser\",\"exp\":%lld}",
		 NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token role claim is not a known role");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":4,\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token role claim is not a known role");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token role claim is not a known role");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"VN-HN\",\"role\":\"none\",\"exp\":%lld}",
		 NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token role claim is not a known role");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"\",\"unit\":\"VN-HN\",\"role\":\"admin\",\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token sub claim is missing or invalid");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":42,\"unit\":\"VN-HN\",\"role\":\"admin\",\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token sub claim is missing or invalid");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"a\\nb\",\"unit\":\"VN-HN\",\"role\":\"admin\",\"exp\":%lld}",
		 NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token sub claim is missing or invalid");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"%0127d\",\"unit\":\"VN-HN\",\"role\":\"admin\",\"exp\":%lld}",
		 7, NOW + 60);
	t = hs(buf);
	{
		char want[128];
		snprintf(want, sizeof want, "%0127d", 7);
		ACCEPT(a, t, NOW, want, ROLE_ADMIN);
	}
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"%0128d\",\"unit\":\"VN-HN\",\"role\":\"admin\",\"exp\":%lld}",
		 7, NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token sub claim is missing or invalid");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"unit\":\"%064d\",\"role\":\"admin\",\"exp\":%lld}",
		 7, NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token unit claim is missing or invalid");
	free(t);
	snprintf(buf, sizeof buf, "{\"sub\":\"alice\",\"role\":\"admin\",\"exp\":%lld}", NOW + 60);
	t = hs(buf);
	REJECT(a, t, NOW, "token unit claim is missing or invalid");
	free(t);

	/* Rejected tokens are not cached: each try reaches libjwt. */
	t = craft(GOOD_HEAD, "{\"sub\":\"a\",\"unit\":\"b\",\"role\":\"admin\",\"exp\":9999999999}",
		  EVP_sha256(), OTHER_SECRET, strlen(OTHER_SECRET), NULL);
	before = atomic_load(&decode_calls);
	REJECT(a, t, NOW, "token signature is invalid");
	REJECT(a, t, NOW, "token signature is invalid");
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 2);
	free(t);

	free(good);
	auth_free(a);
}

/* iss and aud when configured. */
static void test_iss_aud(void)
{
	struct bdg_config c;
	struct bdg_err e;
	struct bdg_auth *a;
	char buf[512], *t, *p;

	cfg_hs(&c, "https://id.bdg.example", "bdg-api");
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL);
	if (!a)
		return;

	t = sign(&c, "bob", "approver", 300);
	if (t)
		ACCEPT(a, t, NOW, "bob", ROLE_APPROVER);
	free(t);

#define ISSAUD(extra, ok, why) do { \
	snprintf(buf, sizeof buf, "\"exp\":%lld%s", NOW + 60, extra); \
	p = claims(buf); \
	t = hs(p); \
	if (ok) \
		ACCEPT(a, t, NOW, "alice", ROLE_EDITOR); \
	else \
		REJECT(a, t, NOW, why); \
	free(t); \
	free(p); \
} while (0)
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":\"bdg-api\"", 1, "");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":[\"other\",\"bdg-api\"]", 1, "");
	ISSAUD(",\"iss\":\"https://evil.example\",\"aud\":\"bdg-api\"", 0, "token issuer is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example/\",\"aud\":\"bdg-api\"", 0, "token issuer is not accepted");
	ISSAUD(",\"aud\":\"bdg-api\"", 0, "token issuer is not accepted");
	ISSAUD(",\"iss\":[\"https://id.bdg.example\"],\"aud\":\"bdg-api\"", 0, "token issuer is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":\"other\"", 0, "token audience is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\"", 0, "token audience is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":[]", 0, "token audience is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":[\"other\"]", 0, "token audience is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":[\"bdg-api\",7]", 0, "token audience is not accepted");
	ISSAUD(",\"iss\":\"https://id.bdg.example\",\"aud\":{\"bdg-api\":1}", 0, "token audience is not accepted");
#undef ISSAUD

	/* A token signed for another audience by the same key. */
	snprintf(c.jwt_audience, sizeof c.jwt_audience, "other-api");
	t = sign(&c, "bob", "approver", 300);
	if (t)
		REJECT(a, t, NOW, "token audience is not accepted");
	free(t);
	auth_free(a);
}

/* Signed tokens pass, pass again from the cache without libjwt, and the
 * cache still enforces exp and nbf at the `now` it is asked about. */
static void test_cache(void)
{
	struct bdg_config c;
	struct bdg_err e;
	struct bdg_auth *a;
	char *t, *p, buf[256];
	char **many;
	int before, i, bad;

	cfg_hs(&c, "", "");
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL);
	if (!a)
		return;

	t = sign(&c, "carol", "admin", 120);
	if (!t) {
		auth_free(a);
		return;
	}
	before = atomic_load(&decode_calls);
	ACCEPT(a, t, NOW, "carol", ROLE_ADMIN);
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 1);
	ACCEPT(a, t, NOW + 10, "carol", ROLE_ADMIN);
	ACCEPT(a, t, NOW + 149, "carol", ROLE_ADMIN);
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 1);
	{
		struct bdg_principal pr;
		memset(&e, 0, sizeof e);
		CHECK_EQ_INT(auth_verify(a, t, (time_t)NOW, &pr, &e), 0);
		CHECK_EQ_STR(pr.unit, "VN-HN");
		CHECK_EQ_INT(pr.exp, NOW + 120);
	}
	/* Expired at a later now: refused from the cache, then (evicted) by
	 * the full check. */
	REJECT(a, t, NOW + 150, "token expired");
	REJECT(a, t, NOW + 150, "token expired");
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 2);
	free(t);

	/* nbf honoured on a hit, with an earlier now. */
	snprintf(buf, sizeof buf, "\"exp\":%lld,\"nbf\":%lld", NOW + 600, NOW + 20);
	p = claims(buf);
	t = hs(p);
	ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
	before = atomic_load(&decode_calls);
	REJECT(a, t, NOW - 20, "token is not valid yet");
	ACCEPT(a, t, NOW, "alice", ROLE_EDITOR);
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 0);
	free(t);
	free(p);

	/* More tokens than slots: collisions evict, never confuse. */
	many = calloc(5000, sizeof *many);
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "user-%d", i);
		many[i] = auth_sign_new(&c, buf, "VN-HN", "viewer", 600, (time_t)NOW, &e);
	}
	bad = 0;
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < 5000; i++) {
			struct bdg_principal pr;
			snprintf(buf, sizeof buf, "user-%d", i);
			if (!many[i] || auth_verify(a, many[i], (time_t)NOW, &pr, &e) != 0 ||
			    strcmp(pr.sub, buf) != 0)
				bad++;
		}
	}
	CHECK_EQ_INT(bad, 0);
	for (i = 0; i < 5000; i++)
		free(many[i]);
	free(many);
	auth_free(a);
}

struct worker {
	struct bdg_auth *a;
	char **tokens;
	int ntokens, iters, stride;
	int bad;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct bdg_principal pr;
	struct bdg_err e;
	char want[32];
	int i, k;

	for (i = 0; i < w->iters; i++) {
		k = (i * w->stride) % w->ntokens;
		memset(&e, 0, sizeof e);
		snprintf(want, sizeof want, "user-%d", k);
		if (auth_verify(w->a, w->tokens[k], (time_t)NOW, &pr, &e) != 0 || strcmp(pr.sub, want) != 0)
			w->bad++;
	}
	return NULL;
}

/* ntokens tokens verified by NTHREADS threads at once, each answer checked
 * against its own token: with more tokens than the cache's 4,096 slots,
 * tokens sharing a slot overwrite each other while others read it, so a
 * torn read of a slot would hand out another token's principal. */
static void run_threads(int ntokens, int iters)
{
	struct bdg_config c;
	struct bdg_err e;
	struct bdg_auth *a;
	char **tokens = calloc((size_t)ntokens, sizeof *tokens), sub[32];
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	int i, bad = 0;

	cfg_hs(&c, "", "");
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL && tokens != NULL);
	if (!a || !tokens) {
		auth_free(a);
		free(tokens);
		return;
	}
	for (i = 0; i < ntokens; i++) {
		snprintf(sub, sizeof sub, "user-%d", i);
		tokens[i] = sign(&c, sub, "viewer", 600);
	}
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){a, tokens, ntokens, iters, 7 + 2 * i, 0};
		CHECK_EQ_INT(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	CHECK_EQ_INT(bad, 0);
	for (i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	auth_free(a);
}

static void test_threads(void)
{
	run_threads(NTOKENS, 400);
	run_threads(6000, 3000);
}

/* RS256: sign and verify with a generated key pair; the HS256 confusion
 * attack (the public key PEM used as an HMAC secret) and plain HS256 tokens
 * are refused; a token from another RSA key is refused; only a private key
 * configured is enough to verify; short RSA keys and EC keys are refused. */
static void test_rs256(void)
{
	static struct bdg_config c, c2, hsc;
	struct bdg_err e;
	struct bdg_auth *a, *a2;
	EVP_PKEY *k = keygen(EVP_PKEY_RSA, 2048), *k2 = keygen(EVP_PKEY_RSA, 2048);
	EVP_PKEY *weak = keygen(EVP_PKEY_RSA, 1024), *ec = keygen(EVP_PKEY_EC, NID_X9_62_prime256v1);
	char *t, *p, buf[256];
	int before;

	CHECK(k && k2 && weak && ec);
	if (!k || !k2 || !weak || !ec)
		goto out;
	cfg_pk(&c, "RS256", k, 1);
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL);
	if (!a)
		goto out;

	t = sign(&c, "dave", "approver", 300);
	CHECK(t && strncmp(t, "eyJhbGciOiJSUzI1NiIs", 20) == 0);
	before = atomic_load(&decode_calls);
	if (t) {
		ACCEPT(a, t, NOW, "dave", ROLE_APPROVER);
		ACCEPT(a, t, NOW + 1, "dave", ROLE_APPROVER);
		REJECT(a, t, NOW + 400, "token expired");
	}
	CHECK_EQ_INT(atomic_load(&decode_calls) - before, 1);
	free(t);

	/* alg confusion: HS256 keyed with the public key PEM. */
	snprintf(buf, sizeof buf, "\"exp\":%lld", NOW + 60);
	p = claims(buf);
	t = craft(GOOD_HEAD, p, EVP_sha256(), c.jwt_public_key, strlen(c.jwt_public_key), NULL);
	REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	/* ...and an RS256 header over that HMAC. */
	t = craft("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p, EVP_sha256(), c.jwt_public_key,
		  strlen(c.jwt_public_key), NULL);
	REJECT(a, t, NOW, "token signature is invalid");
	free(t);
	t = craft("{\"alg\":\"none\"}", p, NULL, NULL, 0, "");
	REJECT(a, t, NOW, "token is malformed");
	free(t);
	free(p);

	/* An HS256 token from an HS256 configuration. */
	cfg_hs(&hsc, "", "");
	t = sign(&hsc, "dave", "admin", 300);
	if (t)
		REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);

	/* Another RSA key. */
	cfg_pk(&c2, "RS256", k2, 1);
	t = sign(&c2, "mallory", "admin", 300);
	if (t)
		REJECT(a, t, NOW, "token signature is invalid");
	free(t);

	/* Only the private key configured: the public key is derived. */
	cfg_pk(&c2, "RS256", k, 0);
	memset(&e, 0, sizeof e);
	a2 = auth_new(&c2, &e);
	CHECK(a2 != NULL);
	t = sign(&c2, "erin", "viewer", 300);
	if (a2 && t) {
		ACCEPT(a2, t, NOW, "erin", ROLE_VIEWER);
		ACCEPT(a, t, NOW, "erin", ROLE_VIEWER);
	}
	free(t);
	auth_free(a2);

	/* A 1024-bit RSA key and an EC key are refused for RS256. */
	cfg_pk(&c2, "RS256", weak, 1);
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c2, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	CHECK_EQ_STR(e.code, "config");
	cfg_pk(&c2, "RS256", ec, 1);
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&c2, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
	auth_free(a);
out:
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(weak);
	EVP_PKEY_free(ec);
}

/* ES256: sign and verify; RS256 and HS256 tokens refused; an RSA key is
 * refused for ES256. */
static void test_es256(void)
{
	static struct bdg_config c, rc, hsc;
	struct bdg_err e;
	struct bdg_auth *a;
	EVP_PKEY *k = keygen(EVP_PKEY_EC, NID_X9_62_prime256v1), *k2 = keygen(EVP_PKEY_EC, NID_X9_62_prime256v1);
	EVP_PKEY *rsa = keygen(EVP_PKEY_RSA, 2048);
	char *t;

	CHECK(k && k2 && rsa);
	if (!k || !k2 || !rsa)
		goto out;
	cfg_pk(&c, "ES256", k, 1);
	memset(&e, 0, sizeof e);
	a = auth_new(&c, &e);
	CHECK(a != NULL);
	if (!a)
		goto out;
	t = sign(&c, "frank", "editor", 300);
	if (t) {
		ACCEPT(a, t, NOW, "frank", ROLE_EDITOR);
		ACCEPT(a, t, NOW, "frank", ROLE_EDITOR);
	}
	free(t);

	cfg_pk(&rc, "RS256", rsa, 1);
	t = sign(&rc, "frank", "admin", 300);
	if (t)
		REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	cfg_hs(&hsc, "", "");
	t = sign(&hsc, "frank", "admin", 300);
	if (t)
		REJECT(a, t, NOW, "token algorithm is not accepted");
	free(t);
	cfg_pk(&rc, "ES256", k2, 1);
	t = sign(&rc, "mallory", "admin", 300);
	if (t)
		REJECT(a, t, NOW, "token signature is invalid");
	free(t);
	auth_free(a);

	cfg_pk(&rc, "ES256", rsa, 1);
	memset(&e, 0, sizeof e);
	CHECK(auth_new(&rc, &e) == NULL);
	CHECK_EQ_INT(e.status, 500);
out:
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(rsa);
}

int main(void)
{
	*(void **)&real_jwt_decode = dlsym(RTLD_NEXT, "jwt_decode");
	if (!real_jwt_decode) {
		fprintf(stderr, "cannot find libjwt's jwt_decode\n");
		return 1;
	}
	test_roles();
	test_auth_new_refuses();
	test_sign_refuses();
	test_hs256_hostile();
	test_iss_aud();
	test_cache();
	test_threads();
	test_rs256();
	test_es256();
	return CHECK_DONE();
}
