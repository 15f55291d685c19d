/* fuzz_token.c: auth_verify on hostile tokens, against four verifiers:
 * HS256, HS256 with an issuer and an audience, RS256 and ES256 (keys.h),
 * at a fixed clock (FUZZ_NOW) so that every run is reproducible.
 *
 * The first input byte chooses (bits 0-1) the verifier and (bit 2) a mode:
 *   raw    the rest of the input is the token text;
 *   built  the rest is header JSON, a NUL byte, payload JSON (bit 3: the
 *          header is the verifier's own and the whole rest is payload),
 *          base64url-encoded and signed (bits 5-6) with the verifier's key,
 *          as HS256 with its public key text (algorithm confusion), as
 *          "none", or as HS256 with the wrong secret; bit 4 flips a
 *          signature bit. This reaches the claim checks.
 *
 * Besides crashes and sanitizer reports, a run aborts when:
 *   - a refusal is not 401 with a detail;
 *   - a built token is accepted although the rules of lib/auth.h refuse it
 *     (an independent oracle below: algorithm pinned, exp required and an
 *     integer, nbf/iat with 30 s leeway, iss/aud, sub/unit/role), or
 *     refused although the rules accept it;
 *   - an accepted token's principal is not its claims;
 *   - the verified-token cache answers otherwise than the full check (the
 *     same token again, and after it expired). */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "config.h"
#include "keys.h"
#include "page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { V_HS, V_HS_ISS_AUD, V_RS, V_ES, NVERIFIERS };
enum { SIGN_OWN, SIGN_HS_PUBKEY, SIGN_NONE, SIGN_HS_WRONG };

static const char *const alg_names[NVERIFIERS] = {"HS256", "HS256", "RS256", "ES256"};
static struct bdg_config cfgs[NVERIFIERS];
static struct bdg_auth *auths[NVERIFIERS];
static EVP_PKEY *rsa_key, *ec_key;
static int verbose;             /* FUZZ_VERBOSE=1: say what each token got */

static void fail(const char *what, const char *token, const struct bdg_err *e)
{
	fprintf(stderr, "fuzz_token: %s\n  token: %.300s\n  answer: %d %s\n", what, token ? token : "",
		e ? e->status : 0, e ? e->detail : "");
	abort();
}

static EVP_PKEY *private_key(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (!k)
		abort();
	return k;
}

static void setup(void)
{
	struct bdg_err e = {0};
	int i;

	for (i = 0; i < NVERIFIERS; i++) {
		struct bdg_config *c = &cfgs[i];
		snprintf(c->jwt_alg, sizeof c->jwt_alg, "%s", alg_names[i]);
		if (i == V_HS || i == V_HS_ISS_AUD) {
			c->jwt_secret_len = strlen(FUZZ_HS256_SECRET);
			memcpy(c->jwt_secret, FUZZ_HS256_SECRET, c->jwt_secret_len);
		} else {
			snprintf(c->jwt_public_key, sizeof c->jwt_public_key, "%s",
				 i == V_RS ? FUZZ_RSA_PUBLIC : FUZZ_EC_PUBLIC);
		}
		if (i == V_HS_ISS_AUD) {
			snprintf(c->jwt_issuer, sizeof c->jwt_issuer, "%s", FUZZ_ISSUER);
			snprintf(c->jwt_audience, sizeof c->jwt_audience, "%s", FUZZ_AUDIENCE);
		}
		auths[i] = auth_new(c, &e);
		if (!auths[i]) {
			fprintf(stderr, "fuzz_token: auth_new(%s): %s\n", alg_names[i], e.detail);
			abort();
		}
	}
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	rsa_key = private_key(FUZZ_RSA_PRIVATE);
	ec_key = private_key(FUZZ_EC_PRIVATE);
}

/* ---- signing --------------------------------------------------------------- */

static size_t sign_hs(const void *key, size_t keylen, const char *msg, size_t n, unsigned char *sig)
{
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, n, sig, &len))
		abort();
	return len;
}

static size_t sign_pkey(EVP_PKEY *k, const char *msg, size_t n, unsigned char *sig, size_t cap)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = cap;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(md, sig, &len, (const unsigned char *)msg, n) != 1)
		abort();
	EVP_MD_CTX_free(md);
	return len;
}

/* JWS ES256 wants R || S, 32 bytes each, not DER. */
static size_t sign_es(const char *msg, size_t n, unsigned char *sig)
{
	unsigned char der[128];
	const unsigned char *p = der;
	size_t len = sign_pkey(ec_key, msg, n, der, sizeof der);
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *ss;

	if (!s)
		abort();
	ECDSA_SIG_get0(s, &r, &ss);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(ss, sig + 32, 32) != 32)
		abort();
	ECDSA_SIG_free(s);
	return 64;
}

static char *b64(const void *in, size_t n)
{
	size_t cap = n / 3 * 4 + 8;
	char *out = malloc(cap);

	if (!out)
		abort();
	b64url_encode(in, n, out, cap);
	return out;
}

/* header.payload.signature, malloc'd. */
static char *build(int v, int how, int flip, const char *head, size_t hn, const char *body, size_t bn)
{
	char *h = b64(head, hn), *p = b64(body, bn), *s, *tok;
	size_t n = strlen(h) + strlen(p) + 1, sn = 0;
	unsigned char sig[600];
	char *msg = malloc(n + 1);

	if (!msg)
		abort();
	snprintf(msg, n + 1, "%s.%s", h, p);
	switch (how) {
	case SIGN_OWN:
		if (v == V_RS)
			sn = sign_pkey(rsa_key, msg, n, sig, sizeof sig);
		else if (v == V_ES)
			sn = sign_es(msg, n, sig);
		else
			sn = sign_hs(FUZZ_HS256_SECRET, strlen(FUZZ_HS256_SECRET), msg, n, sig);
		break;
	case SIGN_HS_PUBKEY:
		/* the classic confusion: HMAC keyed with the public key text */
		sn = sign_hs(cfgs[v].jwt_public_key, strlen(cfgs[v].jwt_public_key), msg, n, sig);
		break;
	case SIGN_NONE:
		sn = 0;
		break;
	default:
		sn = sign_hs("", 0, msg, n, sig);
		break;
	}
	if (flip && sn)
		sig[sn / 2] ^= 0x10;
	s = b64(sig, sn);
	tok = malloc(n + strlen(s) + 2);
	if (!tok)
		abort();
	snprintf(tok, n + strlen(s) + 2, "%s.%s", msg, s);
	free(h);
	free(p);
	free(s);
	free(msg);
	return tok;
}

/* ---- the oracle: lib/auth.h's rules, written again ------------------------- */

static json_t *object(const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);

	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static int text_claim(json_t *claims, const char *name, size_t max)
{
	json_t *j = json_object_get(claims, name);
	const char *s = json_string_value(j);
	size_t i, n;

	if (!s)
		return 0;
	n = json_string_length(j);
	if (n < 1 || n > max || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* -1: absent; 0: not an integer; 1: *t set. */
static int time_claim(json_t *claims, const char *name, long long *t)
{
	json_t *j = json_object_get(claims, name);

	if (!j)
		return -1;
	if (!json_is_integer(j))
		return 0;
	*t = (long long)json_integer_value(j);
	return 1;
}

static int rules_accept(int v, const char *head, size_t hn, const char *body, size_t bn)
{
	static const char *const roles[] = {"viewer", "editor", "approver", "admin"};
	json_t *h = object(head, hn), *c = object(body, bn), *j;
	long long exp = 0, t = 0;
	const char *s;
	size_t i;
	int k, ok = 0;

	/* jansson's json_loadb skips a NUL byte between tokens; libjwt reads
	 * each segment as a C string, up to the NUL, and fails unless that is
	 * the whole object (then only whitespace may follow, for ours): such
	 * a token is refused, and the two never verify different claims */
	if (!h || !c || memchr(head, '\0', hn) || memchr(body, '\0', bn))
		goto out;
	s = json_string_value(json_object_get(h, "alg"));
	if (!s || strcmp(s, alg_names[v]) != 0 || json_object_get(h, "crit"))
		goto out;
	j = json_object_get(h, "typ");
	if (j && (!json_is_string(j) || strcasecmp(json_string_value(j), "JWT") != 0))
		goto out;
	if (time_claim(c, "exp", &exp) != 1 || exp <= FUZZ_NOW - AUTH_LEEWAY_SECONDS)
		goto out;
	if ((k = time_claim(c, "nbf", &t)) == 0 || (k == 1 && t > FUZZ_NOW + AUTH_LEEWAY_SECONDS))
		goto out;
	if ((k = time_claim(c, "iat", &t)) == 0 || (k == 1 && t > FUZZ_NOW + AUTH_LEEWAY_SECONDS))
		goto out;
	if (cfgs[v].jwt_issuer[0]) {
		s = json_string_value(json_object_get(c, "iss"));
		if (!s || strcmp(s, cfgs[v].jwt_issuer) != 0)
			goto out;
	}
	if (cfgs[v].jwt_audience[0]) {
		int found = 0;
		j = json_object_get(c, "aud");
		if (json_is_string(j)) {
			found = strcmp(json_string_value(j), cfgs[v].jwt_audience) == 0;
		} else if (json_is_array(j)) {
			json_t *a;
			json_array_foreach(j, i, a) {
				if (!json_is_string(a)) {
					found = 0;
					break;
				}
				if (strcmp(json_string_value(a), cfgs[v].jwt_audience) == 0)
					found = 1;
			}
		}
		if (!found)
			goto out;
	}
	if (!text_claim(c, "sub", 127) || !text_claim(c, "unit", 63))
		goto out;
	s = json_string_value(json_object_get(c, "role"));
	for (i = 0; s && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i]) == 0)
			ok = 1;
out:
	json_decref(h);
	json_decref(c);
	return ok;
}

/* ---- verification ---------------------------------------------------------- */

/* auth_verify with the rules every answer keeps; returns its result. */
static int verify(int v, const char *tok, long long now, struct bdg_principal *p)
{
	struct bdg_err e = {0};
	int rc = auth_verify(auths[v], tok, (time_t)now, p, &e);

	if (verbose)
		fprintf(stderr, "fuzz_token: %s at %lld: %s\n", alg_names[v], now, rc == 0 ? "accepted" : e.detail);
	if (rc == 0) {
		if (e.status != 0)
			fail("accepted with an error set", tok, &e);
		if (!p->sub[0] || !p->unit[0] || p->role < ROLE_VIEWER || p->role > ROLE_ADMIN ||
		    strnlen(p->sub, sizeof p->sub) >= sizeof p->sub ||
		    strnlen(p->unit, sizeof p->unit) >= sizeof p->unit ||
		    p->exp <= now - AUTH_LEEWAY_SECONDS)
			fail("accepted with a principal out of bounds", tok, &e);
	} else if (rc != -1 || e.status != 401 || !e.detail[0]) {
		fail("refused other than 401 with a detail", tok, &e);
	} else if (p->sub[0] || p->role) {
		fail("refused but left a principal", tok, &e);
	}
	return rc;
}

/* The cache must answer as the full check: again now, and once expired. */
static void again(int v, const char *tok, int rc, const struct bdg_principal *p)
{
	struct bdg_principal q;

	if (verify(v, tok, FUZZ_NOW, &q) != rc ||
	    (rc == 0 && (strcmp(p->sub, q.sub) != 0 || strcmp(p->unit, q.unit) != 0 ||
			 p->role != q.role || p->exp != q.exp)))
		fail("the same token verified twice gave two answers", tok, NULL);
	/* (a clock past year 292277026596 is not ours to test: t + leeway
	 * would overflow in auth.c, which gets time(NULL)) */
	if (rc == 0 && p->exp < INT64_MAX / 2 && verify(v, tok, p->exp + AUTH_LEEWAY_SECONDS, &q) == 0)
		fail("an expired token was accepted (from the cache)", tok, NULL);
}

static void check_principal(const char *tok, const char *body, size_t bn, const struct bdg_principal *p)
{
	json_t *c = object(body, bn);

	if (!c || strcmp(p->sub, json_string_value(json_object_get(c, "sub"))) != 0 ||
	    strcmp(p->unit, json_string_value(json_object_get(c, "unit"))) != 0 ||
	    p->role != role_parse(json_string_value(json_object_get(c, "role"))) ||
	    p->exp != (long long)json_integer_value(json_object_get(c, "exp")))
		fail("the principal is not the token's claims", tok, NULL);
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bdg_principal p;
	const char *rest = (const char *)data + 1, *head, *body, *nul;
	char own_head[40], *tok;
	size_t n, hn, bn;
	int v, how, flip, rc, want;

	if (!auths[0])
		setup();
	if (size < 1)
		return 0;
	v = data[0] & 3;
	n = size - 1;
	if (!(data[0] & 4)) {
		tok = malloc(n + 1);
		if (!tok)
			abort();
		memcpy(tok, rest, n);
		tok[n] = '\0';
		rc = verify(v, tok, FUZZ_NOW, &p);
		again(v, tok, rc, &p);
		free(tok);
		return 0;
	}
	how = (data[0] >> 5) & 3;
	flip = (data[0] >> 4) & 1;
	if (data[0] & 8) {
		snprintf(own_head, sizeof own_head, "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
			 how == SIGN_NONE ? "none" : how == SIGN_OWN ? alg_names[v] : "HS256");
		head = own_head;
		hn = strlen(own_head);
		body = rest;
		bn = n;
	} else {
		nul = memchr(rest, '\0', n);
		if (!nul)
			return 0;
		head = rest;
		hn = (size_t)(nul - rest);
		body = nul + 1;
		bn = n - hn - 1;
	}
	tok = build(v, how, flip, head, hn, body, bn);
	want = how == SIGN_OWN && !flip && strlen(tok) <= 8192 && rules_accept(v, head, hn, body, bn);
	rc = verify(v, tok, FUZZ_NOW, &p);
	if (rc == 0 && !want)
		fail("accepted a token the rules refuse", tok, NULL);
	if (rc != 0 && want)
		fail("refused a token the rules accept", tok, NULL);
	if (rc == 0)
		check_principal(tok, body, bn, &p);
	again(v, tok, rc, &p);
	free(tok);
	return 0;
}
