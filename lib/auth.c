/* auth.c: JWT verification and signing with libjwt 1.10, the roles, and the
 * cache of verified tokens.
 *
 * libjwt 1.10 checks only the signature, so the rest is done here (see
 * ../shared/SECURITY-NOTES.md). Before jwt_decode the token is split and its
 * header and payload are decoded by us: strict base64url, jansson with
 * JSON_REJECT_DUPLICATES, the header's alg equal to the configured one.
 * jwt_decode then gets the key every time, and we assert the algorithm
 * again. Claims are read from our own decoded payload, never through
 * jwt_get_grant_int (it reads a string "exp" as 0).
 *
 * Verified tokens go into a direct-mapped cache keyed by SHA-256 of the
 * token text; a hit re-checks exp/nbf/iat against `now` and skips libjwt,
 * which would otherwise parse the PEM key on every RS256/ES256 request. */
#include "auth.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#define AUTH_TOKEN_MAX 8192          /* bytes of compact JWT we accept */
#define AUTH_CACHE_SLOTS 4096        /* power of two */
#define AUTH_CACHE_LOCKS 64          /* writers of slot i take lock i % 64 */
#define AUTH_SUB_MAX 127
#define AUTH_UNIT_MAX 63
#define AUTH_HS256_MIN 32            /* RFC 7518 §3.2 */
#define AUTH_RSA_MIN_BITS 2048
#define AUTH_ES256_SIG_LEN 64        /* JWS ECDSA: R || S, 32 bytes each */
#define AUTH_HS256_SIG_LEN 32
#define AUTH_ABSENT LLONG_MIN        /* an optional time claim not present */

/* A slot is read without a lock (a sequence lock: even when stable, odd
 * while a writer fills it; a reader that sees it change retries or counts a
 * miss), so that every request carrying the same token does not queue on
 * one mutex. Writers, rare, serialize on the slot's mutex. */
struct auth_slot {
	_Atomic unsigned seq;
	unsigned char hash[32];      /* SHA-256 of the token text */
	int used;
	long long nbf;               /* AUTH_ABSENT when the token has none */
	long long iat;               /* AUTH_ABSENT when the token has none */
	struct bdg_principal p;      /* p.exp is the token's exp */
};

struct bdg_auth {
	jwt_alg_t alg;               /* pinned: HS256, RS256 or ES256 */
	const char *alg_name;        /* "HS256"… as it must appear in the header */
	unsigned char *key;          /* HS256 secret, or the PEM public key text */
	int key_len;
	size_t sig_len;              /* the decoded signature length we expect */
	char issuer[256];            /* empty = not checked */
	char audience[256];          /* empty = not checked */
	EVP_MD *sha256;              /* fetched once: an implicit fetch per digest
					costs more than the digest */
	int nlocks;                  /* locks initialised so far */
	pthread_mutex_t locks[AUTH_CACHE_LOCKS];
	struct auth_slot slots[AUTH_CACHE_SLOTS];
};

static int config_alg(const struct bdg_config *cfg, jwt_alg_t *alg);
static int load_secret(struct bdg_auth *a, const struct bdg_config *cfg, struct bdg_err *err);
static int load_public_key(struct bdg_auth *a, const struct bdg_config *cfg, struct bdg_err *err);
static char *public_pem_from_private_new(const char *priv);
static int unauthorized(struct bdg_err *err, const char *detail);
static int b64url_value(unsigned char c);
static unsigned char *b64url_decode_new(const char *s, size_t n, size_t *outlen);
static json_t *segment_json_new(const char *s, size_t n, const char *what, struct bdg_err *err);
static int check_header(const struct bdg_auth *a, json_t *head, struct bdg_err *err);
static int check_signature_segment(const struct bdg_auth *a, const char *s, size_t n,
				   struct bdg_err *err);
static int claim_time(json_t *claims, const char *name, int required, long long *v,
		      struct bdg_err *err);
static int check_times(long long exp, long long nbf, long long iat, time_t now,
		       struct bdg_err *err);
static int text_ok(const char *s, size_t len, size_t max);
static int claim_text(json_t *claims, const char *name, size_t max, char *dst,
		      size_t dstsize, struct bdg_err *err);
static int audience_ok(json_t *aud, const char *want);
static int check_claims(const struct bdg_auth *a, json_t *claims, time_t now,
			struct bdg_principal *p, long long *nbf, long long *iat,
			struct bdg_err *err);
static int token_hash(const struct bdg_auth *a, const char *token, size_t len, unsigned char out[32]);
static size_t cache_index(const unsigned char hash[32]);
static int cache_get(struct bdg_auth *a, const unsigned char hash[32], time_t now,
		     struct bdg_principal *p, struct bdg_err *err);
static void cache_put(struct bdg_auth *a, const unsigned char hash[32],
		      const struct bdg_principal *p, long long nbf, long long iat);
static void cache_evict(struct bdg_auth *a, const unsigned char hash[32]);

static const char *const role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_VIEWER] = "viewer",
	[ROLE_EDITOR] = "editor",
	[ROLE_APPROVER] = "approver",
	[ROLE_ADMIN] = "admin",
};

/* ---- construction ------------------------------------------------------ */

struct bdg_auth *auth_new(const struct bdg_config *cfg, struct bdg_err *err)
{
	struct bdg_auth *a, *ret = NULL;

	a = calloc(1, sizeof *a);
	if (!a) {
		bdg_fail(err, 500, "internal", "out of memory");
		goto out;
	}
	if (config_alg(cfg, &a->alg) < 0) {
		bdg_fail(err, 500, "config", "BDG_JWT_ALG must be HS256, RS256 or ES256");
		goto out;
	}
	a->alg_name = jwt_alg_str(a->alg);
	if (a->alg == JWT_ALG_HS256) {
		if (load_secret(a, cfg, err) < 0)
			goto out;
	} else if (load_public_key(a, cfg, err) < 0) {
		goto out;
	}
	if (strnlen(cfg->jwt_issuer, sizeof cfg->jwt_issuer) >= sizeof a->issuer ||
	    strnlen(cfg->jwt_audience, sizeof cfg->jwt_audience) >= sizeof a->audience) {
		bdg_fail(err, 500, "config", "BDG_JWT_ISSUER or BDG_JWT_AUDIENCE is too long");
		goto out;
	}
	memcpy(a->issuer, cfg->jwt_issuer, strlen(cfg->jwt_issuer) + 1);
	memcpy(a->audience, cfg->jwt_audience, strlen(cfg->jwt_audience) + 1);
	if (!(a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
		bdg_fail(err, 500, "internal", "SHA-256 is not available");
		goto out;
	}
	for (; a->nlocks < AUTH_CACHE_LOCKS; a->nlocks++) {
		if (pthread_mutex_init(&a->locks[a->nlocks], NULL) != 0) {
			bdg_fail(err, 500, "internal", "cannot create the token cache locks");
			goto out;
		}
	}
	ret = a;
	a = NULL;
out:
	auth_free(a);
	return ret;
}

void auth_free(struct bdg_auth *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->nlocks; i++)
		pthread_mutex_destroy(&a->locks[i]);
	EVP_MD_free(a->sha256);
	if (a->key) {
		OPENSSL_cleanse(a->key, (size_t)a->key_len);
		free(a->key);
	}
	OPENSSL_cleanse(a->slots, sizeof a->slots);
	free(a);
}

/* The configured algorithm; an empty BDG_JWT_ALG means HS256 when a secret
 * is set, RS256 otherwise. Returns -1 for anything else. */
static int config_alg(const struct bdg_config *cfg, jwt_alg_t *alg)
{
	if (!cfg->jwt_alg[0])
		*alg = cfg->jwt_secret_len > 0 ? JWT_ALG_HS256 : JWT_ALG_RS256;
	else if (strcmp(cfg->jwt_alg, "HS256") == 0)
		*alg = JWT_ALG_HS256;
	else if (strcmp(cfg->jwt_alg, "RS256") == 0)
		*alg = JWT_ALG_RS256;
	else if (strcmp(cfg->jwt_alg, "ES256") == 0)
		*alg = JWT_ALG_ES256;
	else
		return -1;
	return 0;
}

static int load_secret(struct bdg_auth *a, const struct bdg_config *cfg, struct bdg_err *err)
{
	if (cfg->jwt_secret_len < AUTH_HS256_MIN || cfg->jwt_secret_len > sizeof cfg->jwt_secret)
		return bdg_fail(err, 500, "config",
				"BDG_JWT_SECRET must be at least %d bytes for HS256", AUTH_HS256_MIN);
	a->key = malloc(cfg->jwt_secret_len);
	if (!a->key)
		return bdg_fail(err, 500, "internal", "out of memory");
	memcpy(a->key, cfg->jwt_secret, cfg->jwt_secret_len);
	a->key_len = (int)cfg->jwt_secret_len;
	a->sig_len = AUTH_HS256_SIG_LEN;
	return 0;
}

/* Parse the PEM public key once, check that it suits the algorithm (RSA of
 * at least 2048 bits, or EC P-256), and keep its text for jwt_decode. With
 * no public key but a private one, the public key is derived from it. */
static int load_public_key(struct bdg_auth *a, const struct bdg_config *cfg, struct bdg_err *err)
{
	char *derived = NULL, group[64];
	const char *pem = cfg->jwt_public_key;
	size_t len;
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	int rc = -1;

	if (strnlen(cfg->jwt_public_key, sizeof cfg->jwt_public_key) == sizeof cfg->jwt_public_key ||
	    strnlen(cfg->jwt_private_key, sizeof cfg->jwt_private_key) == sizeof cfg->jwt_private_key) {
		bdg_fail(err, 500, "config", "the JWT key is too long");
		goto out;
	}
	if (!pem[0] && cfg->jwt_private_key[0]) {
		derived = public_pem_from_private_new(cfg->jwt_private_key);
		if (!derived) {
			bdg_fail(err, 500, "config", "BDG_JWT_PRIVATE_KEY is not a PEM private key");
			goto out;
		}
		pem = derived;
	}
	if (!pem[0]) {
		bdg_fail(err, 500, "config", "%s needs BDG_JWT_PUBLIC_KEY", a->alg_name);
		goto out;
	}
	len = strlen(pem);
	bio = BIO_new_mem_buf(pem, (int)len);
	pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	if (!pk) {
		bdg_fail(err, 500, "config", "BDG_JWT_PUBLIC_KEY is not a PEM public key");
		goto out;
	}
	if (a->alg == JWT_ALG_RS256) {
		if (EVP_PKEY_base_id(pk) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pk) < AUTH_RSA_MIN_BITS) {
			bdg_fail(err, 500, "config", "RS256 needs an RSA public key of at least %d bits",
				 AUTH_RSA_MIN_BITS);
			goto out;
		}
		a->sig_len = (size_t)EVP_PKEY_get_size(pk);
	} else {
		if (EVP_PKEY_base_id(pk) != EVP_PKEY_EC ||
		    !EVP_PKEY_get_group_name(pk, group, sizeof group, NULL) ||
		    OBJ_txt2nid(group) != NID_X9_62_prime256v1) {
			bdg_fail(err, 500, "config", "ES256 needs an EC P-256 public key");
			goto out;
		}
		a->sig_len = AUTH_ES256_SIG_LEN;
	}
	a->key = malloc(len + 1);
	if (!a->key) {
		bdg_fail(err, 500, "internal", "out of memory");
		goto out;
	}
	memcpy(a->key, pem, len + 1);
	a->key_len = (int)len;
	rc = 0;
out:
	EVP_PKEY_free(pk);
	BIO_free(bio);
	free(derived);
	return rc;
}

/* The PEM public key of a PEM private key, malloc'd; NULL when unreadable. */
static char *public_pem_from_private_new(const char *priv)
{
	BIO *in = NULL, *out = NULL;
	EVP_PKEY *pk = NULL;
	char *data, *ret = NULL;
	long n;

	in = BIO_new_mem_buf(priv, -1);
	out = BIO_new(BIO_s_mem());
	if (!in || !out)
		goto out;
	pk = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	if (!pk || !PEM_write_bio_PUBKEY(out, pk))
		goto out;
	n = BIO_get_mem_data(out, &data);
	if (n <= 0)
		goto out;
	ret = malloc((size_t)n + 1);
	if (ret) {
		memcpy(ret, data, (size_t)n);
		ret[n] = '\0';
	}
out:
	EVP_PKEY_free(pk);
	BIO_free(in);
	BIO_free(out);
	return ret;
}

/* ---- verification -------------------------------------------------------- */

int auth_verify(struct bdg_auth *a, const char *token, time_t now,
		struct bdg_principal *p, struct bdg_err *err)
{
	unsigned char hash[32];
	const char *dot1, *dot2, *end;
	json_t *head = NULL, *claims = NULL;
	jwt_t *jwt = NULL;
	struct bdg_principal got;
	long long nbf, iat;
	size_t len;
	int hashed, rc = -1;

	memset(&got, 0, sizeof got);
	if (!token || !token[0]) {
		unauthorized(err, "token is missing");
		goto out;
	}
	len = strnlen(token, AUTH_TOKEN_MAX + 1);
	if (len > AUTH_TOKEN_MAX) {
		unauthorized(err, "token is too long");
		goto out;
	}

	hashed = token_hash(a, token, len, hash) == 0;
	if (hashed) {
		int hit = cache_get(a, hash, now, &got, err);
		if (hit != 0) {
			rc = hit > 0 ? 0 : -1;
			goto out;
		}
	}

	/* Exactly three non-empty segments: header.payload.signature. */
	end = token + len;
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)) ||
	    dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == end) {
		unauthorized(err, "token is malformed");
		goto out;
	}

	head = segment_json_new(token, (size_t)(dot1 - token), "header", err);
	if (!head || check_header(a, head, err) < 0)
		goto out;
	claims = segment_json_new(dot1 + 1, (size_t)(dot2 - dot1 - 1), "payload", err);
	if (!claims)
		goto out;
	if (check_signature_segment(a, dot2 + 1, (size_t)(end - dot2 - 1), err) < 0)
		goto out;

	/* The key is always given: without it libjwt checks nothing. */
	if (jwt_decode(&jwt, token, a->key, a->key_len) != 0 || !jwt) {
		unauthorized(err, "token signature is invalid");
		goto out;
	}
	if (jwt_get_alg(jwt) != a->alg) {
		unauthorized(err, "token algorithm is not accepted");
		goto out;
	}

	if (check_claims(a, claims, now, &got, &nbf, &iat, err) < 0)
		goto out;
	if (hashed)
		cache_put(a, hash, &got, nbf, iat);
	rc = 0;
out:
	if (jwt)
		jwt_free(jwt);
	json_decref(head);
	json_decref(claims);
	if (rc == 0)
		*p = got;
	else
		memset(p, 0, sizeof *p);
	return rc;
}

static int unauthorized(struct bdg_err *err, const char *detail)
{
	return bdg_fail(err, 401, "unauthorized", "%s", detail);
}

/* 0..63 for a base64url character, -1 otherwise. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Strict base64url without padding (RFC 7515 §2): only the 64 characters,
 * no length that leaves 6 stray bits, and zero unused trailing bits, so that
 * one decoded value has one spelling. (libjwt's decoder skips characters it
 * does not know; after this check both decoders see the same bytes.)
 * Returns a malloc'd, NUL-terminated buffer, or NULL. */
static unsigned char *b64url_decode_new(const char *s, size_t n, size_t *outlen)
{
	unsigned char *out;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0;

	if (n % 4 == 1)
		return NULL;
	out = malloc(n / 4 * 3 + 3);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);
		if (v < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		goto bad;
	out[o] = '\0';
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* Decode one segment into a JSON object, refusing duplicate keys. `what`
 * names it in the detail ("header", "payload"). */
static json_t *segment_json_new(const char *s, size_t n, const char *what, struct bdg_err *err)
{
	unsigned char *raw;
	size_t rawlen = 0;
	json_error_t jerr;
	json_t *j = NULL;

	raw = b64url_decode_new(s, n, &rawlen);
	/* libjwt reads the segment again as a C string: a NUL byte would
	 * make it see less than we checked */
	if (!raw || memchr(raw, '\0', rawlen)) {
		unauthorized(err, "token is malformed");
		goto out;
	}
	j = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			bdg_fail(err, 401, "unauthorized", "token %s has duplicate keys", what);
		else
			bdg_fail(err, 401, "unauthorized", "token %s is not JSON", what);
		goto out;
	}
	if (!json_is_object(j)) {
		bdg_fail(err, 401, "unauthorized", "token %s is not a JSON object", what);
		json_decref(j);
		j = NULL;
	}
out:
	free(raw);
	return j;
}

/* alg must be exactly the pinned algorithm (so never "none"); typ, when
 * present, "JWT" as libjwt wants; no "crit" extensions, which we do not
 * implement (RFC 7515 §4.1.11). */
static int check_header(const struct bdg_auth *a, json_t *head, struct bdg_err *err)
{
	json_t *alg = json_object_get(head, "alg");
	json_t *typ = json_object_get(head, "typ");

	if (!json_is_string(alg) || strcmp(json_string_value(alg), a->alg_name) != 0)
		return unauthorized(err, "token algorithm is not accepted");
	if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
		return unauthorized(err, "token type is not accepted");
	if (json_object_get(head, "crit"))
		return unauthorized(err, "token has critical header parameters we do not support");
	return 0;
}

/* The signature must be strict base64url of the length the algorithm
 * produces; anything else cannot verify, and is refused before libjwt
 * parses the key. */
static int check_signature_segment(const struct bdg_auth *a, const char *s, size_t n,
				   struct bdg_err *err)
{
	unsigned char *sig;
	size_t siglen = 0;
	int rc = 0;

	sig = b64url_decode_new(s, n, &siglen);
	if (!sig || siglen != a->sig_len)
		rc = unauthorized(err, "token signature is invalid");
	free(sig);
	return rc;
}

/* A NumericDate claim: a JSON integer. *v is AUTH_ABSENT when the claim is
 * optional and missing. */
static int claim_time(json_t *claims, const char *name, int required, long long *v,
		      struct bdg_err *err)
{
	json_t *j = json_object_get(claims, name);

	*v = AUTH_ABSENT;
	if (!j) {
		if (required)
			return bdg_fail(err, 401, "unauthorized", "token has no %s claim", name);
		return 0;
	}
	if (!json_is_integer(j))
		return bdg_fail(err, 401, "unauthorized", "token %s claim is not an integer", name);
	*v = (long long)json_integer_value(j);
	return 0;
}

/* exp, nbf and iat against `now`, each with AUTH_LEEWAY_SECONDS of leeway
 * for clock skew. Used on the full path and on cache hits. */
static int check_times(long long exp, long long nbf, long long iat, time_t now,
		       struct bdg_err *err)
{
	long long t = (long long)now;

	if (exp <= t - AUTH_LEEWAY_SECONDS)
		return unauthorized(err, "token expired");
	if (nbf != AUTH_ABSENT && nbf > t + AUTH_LEEWAY_SECONDS)
		return unauthorized(err, "token is not valid yet");
	if (iat != AUTH_ABSENT && iat > t + AUTH_LEEWAY_SECONDS)
		return unauthorized(err, "token is issued in the future");
	return 0;
}

/* 1 when s has 1..max bytes and no control characters (they would reach
 * logs and the audit trail). jansson has already checked the UTF-8 and, as
 * JSON_ALLOW_NUL is never used, that there is no NUL. */
static int text_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static int claim_text(json_t *claims, const char *name, size_t max, char *dst,
		      size_t dstsize, struct bdg_err *err)
{
	json_t *j = json_object_get(claims, name);
	size_t len;

	if (!json_is_string(j))
		return bdg_fail(err, 401, "unauthorized", "token %s claim is missing or invalid", name);
	len = json_string_length(j);
	if (!text_ok(json_string_value(j), len, max) || len >= dstsize)
		return bdg_fail(err, 401, "unauthorized", "token %s claim is missing or invalid", name);
	memcpy(dst, json_string_value(j), len + 1);
	return 0;
}

/* aud is a string, or an array of strings (RFC 7519 §4.1.3), that must
 * contain `want`. A non-string member makes the claim invalid. */
static int audience_ok(json_t *aud, const char *want)
{
	size_t i;
	json_t *v;
	int found = 0;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, v) {
		if (!json_is_string(v))
			return 0;
		if (strcmp(json_string_value(v), want) == 0)
			found = 1;
	}
	return found;
}

static int check_claims(const struct bdg_auth *a, json_t *claims, time_t now,
			struct bdg_principal *p, long long *nbf, long long *iat,
			struct bdg_err *err)
{
	json_t *iss, *role;
	long long exp;

	if (claim_time(claims, "exp", 1, &exp, err) < 0 ||
	    claim_time(claims, "nbf", 0, nbf, err) < 0 ||
	    claim_time(claims, "iat", 0, iat, err) < 0 ||
	    check_times(exp, *nbf, *iat, now, err) < 0)
		return -1;
	if (a->issuer[0]) {
		iss = json_object_get(claims, "iss");
		if (!json_is_string(iss) || strcmp(json_string_value(iss), a->issuer) != 0)
			return unauthorized(err, "token issuer is not accepted");
	}
	if (a->audience[0] && !audience_ok(json_object_get(claims, "aud"), a->audience))
		return unauthorized(err, "token audience is not accepted");
	if (claim_text(claims, "sub", AUTH_SUB_MAX, p->sub, sizeof p->sub, err) < 0 ||
	    claim_text(claims, "unit", AUTH_UNIT_MAX, p->unit, sizeof p->unit, err) < 0)
		return -1;
	role = json_object_get(claims, "role");
	p->role = json_is_string(role) ? role_parse(json_string_value(role)) : ROLE_NONE;
	if (p->role == ROLE_NONE)
		return unauthorized(err, "token role claim is not a known role");
	p->exp = exp;
	return 0;
}

/* ---- the verified-token cache -------------------------------------------- */

static int token_hash(const struct bdg_auth *a, const char *token, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (!EVP_Digest(token, len, out, &n, a->sha256, NULL) || n != 32)
		return -1;
	return 0;
}

static size_t cache_index(const unsigned char hash[32])
{
	return ((size_t)hash[0] | (size_t)hash[1] << 8) & (AUTH_CACHE_SLOTS - 1);
}

/* 1: a hit still valid at `now`, *p filled; -1: a hit no longer valid (err
 * set; the same token would fail the full check too); 0: a miss. */
static int cache_get(struct bdg_auth *a, const unsigned char hash[32], time_t now,
		     struct bdg_principal *p, struct bdg_err *err)
{
	struct auth_slot *s = &a->slots[cache_index(hash)];
	struct auth_slot copy;
	unsigned seq;
	int tries;

	for (tries = 0;; tries++) {
		if (tries == 3)
			return 0;       /* a writer is busy here: verify in full */
		seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (seq & 1)
			continue;
		memcpy(copy.hash, s->hash, sizeof copy.hash);
		copy.used = s->used;
		copy.nbf = s->nbf;
		copy.iat = s->iat;
		copy.p = s->p;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) == seq)
			break;
	}
	if (!copy.used || CRYPTO_memcmp(copy.hash, hash, sizeof copy.hash) != 0)
		return 0;
	if (check_times(copy.p.exp, copy.nbf, copy.iat, now, err) < 0) {
		if (copy.p.exp <= (long long)now - AUTH_LEEWAY_SECONDS)
			cache_evict(a, hash);
		return -1;
	}
	*p = copy.p;
	return 1;
}

/* A writer, holding the slot's mutex, makes the sequence odd before it
 * writes and even again after: readers that overlapped it retry. */
static unsigned slot_open(struct auth_slot *s)
{
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	return seq;
}

static void slot_close(struct auth_slot *s, unsigned seq)
{
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

/* Free the slot of an expired token (if it still holds it). */
static void cache_evict(struct bdg_auth *a, const unsigned char hash[32])
{
	size_t i = cache_index(hash);
	struct auth_slot *s = &a->slots[i];
	unsigned seq;

	pthread_mutex_lock(&a->locks[i % AUTH_CACHE_LOCKS]);
	if (s->used && CRYPTO_memcmp(s->hash, hash, sizeof s->hash) == 0) {
		seq = slot_open(s);
		s->used = 0;
		slot_close(s, seq);
	}
	pthread_mutex_unlock(&a->locks[i % AUTH_CACHE_LOCKS]);
}

static void cache_put(struct bdg_auth *a, const unsigned char hash[32],
		      const struct bdg_principal *p, long long nbf, long long iat)
{
	size_t i = cache_index(hash);
	struct auth_slot *s = &a->slots[i];
	pthread_mutex_t *lock = &a->locks[i % AUTH_CACHE_LOCKS];

	unsigned seq;

	pthread_mutex_lock(lock);
	seq = slot_open(s);
	memcpy(s->hash, hash, sizeof s->hash);
	s->p = *p;
	s->nbf = nbf;
	s->iat = iat;
	s->used = 1;
	slot_close(s, seq);
	pthread_mutex_unlock(lock);
}

/* ---- signing ------------------------------------------------------------- */

char *auth_sign_new(const struct bdg_config *cfg, const char *sub,
		    const char *unit, const char *role, long ttl, time_t now,
		    struct bdg_err *err)
{
	jwt_t *jwt = NULL;
	jwt_alg_t alg;
	const unsigned char *key;
	size_t key_len;
	char *tok = NULL;

	if (!sub || !text_ok(sub, strlen(sub), AUTH_SUB_MAX)) {
		bdg_fail(err, 400, "bad_request", "sub must be 1 to %d bytes of text", AUTH_SUB_MAX);
		goto out;
	}
	if (!unit || !text_ok(unit, strlen(unit), AUTH_UNIT_MAX)) {
		bdg_fail(err, 400, "bad_request", "unit must be 1 to %d bytes of text", AUTH_UNIT_MAX);
		goto out;
	}
	if (role_parse(role) == ROLE_NONE) {
		bdg_fail(err, 400, "bad_request", "role must be viewer, editor, approver or admin");
		goto out;
	}
	if (ttl <= 0 || now < 0 || (long long)now > (long long)LONG_MAX - ttl) {
		bdg_fail(err, 400, "bad_request", "ttl must be a positive number of seconds");
		goto out;
	}
	if (config_alg(cfg, &alg) < 0) {
		bdg_fail(err, 500, "config", "BDG_JWT_ALG must be HS256, RS256 or ES256");
		goto out;
	}
	if (strnlen(cfg->jwt_issuer, sizeof cfg->jwt_issuer) == sizeof cfg->jwt_issuer ||
	    strnlen(cfg->jwt_audience, sizeof cfg->jwt_audience) == sizeof cfg->jwt_audience) {
		bdg_fail(err, 500, "config", "BDG_JWT_ISSUER or BDG_JWT_AUDIENCE is too long");
		goto out;
	}
	if (alg == JWT_ALG_HS256) {
		key = (const unsigned char *)cfg->jwt_secret;
		key_len = cfg->jwt_secret_len;
		if (key_len < AUTH_HS256_MIN || key_len > sizeof cfg->jwt_secret) {
			bdg_fail(err, 500, "config", "BDG_JWT_SECRET must be at least %d bytes for HS256",
				 AUTH_HS256_MIN);
			goto out;
		}
	} else {
		key = (const unsigned char *)cfg->jwt_private_key;
		key_len = strnlen(cfg->jwt_private_key, sizeof cfg->jwt_private_key);
		if (key_len == 0 || key_len == sizeof cfg->jwt_private_key) {
			bdg_fail(err, 500, "config", "%s signing needs BDG_JWT_PRIVATE_KEY",
				 jwt_alg_str(alg));
			goto out;
		}
	}

	if (jwt_new(&jwt) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant(jwt, "unit", unit) != 0 ||
	    jwt_add_grant(jwt, "role", role) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) != 0 ||
	    (cfg->jwt_issuer[0] && jwt_add_grant(jwt, "iss", cfg->jwt_issuer) != 0) ||
	    (cfg->jwt_audience[0] && jwt_add_grant(jwt, "aud", cfg->jwt_audience) != 0)) {
		bdg_fail(err, 500, "config", "cannot build the token");
		goto out;
	}
	if (jwt_set_alg(jwt, alg, key, (int)key_len) != 0) {
		bdg_fail(err, 500, "config", "cannot use the %s key", jwt_alg_str(alg));
		goto out;
	}
	tok = jwt_encode_str(jwt);
	if (!tok)
		bdg_fail(err, 500, "config", "cannot sign the token with the %s key", jwt_alg_str(alg));
out:
	if (jwt)
		jwt_free(jwt);
	return tok;
}

/* ---- roles ----------------------------------------------------------------- */

int role_parse(const char *name)
{
	int r;

	if (!name)
		return ROLE_NONE;
	for (r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return r;
	return ROLE_NONE;
}

/* "viewer"…"admin"; "none" for ROLE_NONE and any value out of range. */
const char *role_name(int role)
{
	if (role < ROLE_NONE || role > ROLE_ADMIN)
		return role_names[ROLE_NONE];
	return role_names[role];
}
