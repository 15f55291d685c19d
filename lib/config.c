/* config.c: reading struct bdg_config from the environment and flags, and
 * the checks that stop a bad start with one clear line. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

enum kind { K_STR, K_INT, K_LONG };

struct option {
	const char *flag;        /* --flag name */
	const char *env;         /* BDG_… variable */
	enum kind kind;
	size_t off;
	size_t size;             /* for strings */
	long min, max;           /* for numbers */
};

#define STR(f, e, m) {f, e, K_STR, offsetof(struct bdg_config, m), sizeof(((struct bdg_config *)0)->m), 0, 0}
#define INT(f, e, m, lo, hi) {f, e, K_INT, offsetof(struct bdg_config, m), 0, lo, hi}
#define LNG(f, e, m, lo, hi) {f, e, K_LONG, offsetof(struct bdg_config, m), 0, lo, hi}

static const struct option options[] = {
	STR("listen", "BDG_LISTEN", listen),
	STR("database-url", "BDG_DATABASE_URL", database_url),
	STR("database-read-url", "BDG_DATABASE_READ_URL", database_read_url),
	STR("data-dir", "BDG_DATA_DIR", data_dir),
	STR("jwt-secret", "BDG_JWT_SECRET", jwt_secret),
	STR("jwt-public-key", "BDG_JWT_PUBLIC_KEY", jwt_public_key),
	STR("jwt-private-key", "BDG_JWT_PRIVATE_KEY", jwt_private_key),
	STR("jwt-alg", "BDG_JWT_ALG", jwt_alg),
	STR("jwt-issuer", "BDG_JWT_ISSUER", jwt_issuer),
	STR("jwt-audience", "BDG_JWT_AUDIENCE", jwt_audience),
	INT("threads", "BDG_THREADS", threads, 2, 1024),
	INT("pool-size", "BDG_POOL_SIZE", pool_size, 1, 256),
	INT("statement-timeout-ms", "BDG_STATEMENT_TIMEOUT_MS", statement_timeout_ms, 100, 600000),
	LNG("body-max", "BDG_BODY_MAX", body_max, 1024, 1L << 30),
	LNG("bulk-body-max", "BDG_BULK_BODY_MAX", bulk_body_max, 1024, 1L << 34),
	INT("json-depth-max", "BDG_JSON_DEPTH_MAX", json_depth_max, 2, 1000),
	STR("cors-origins", "BDG_CORS_ORIGINS", cors_origins),
	INT("rate-limit", "BDG_RATE_LIMIT", rate_limit, 0, 100000000),
	STR("web-root", "BDG_WEB_ROOT", web_root),
	INT("request-timeout-ms", "BDG_REQUEST_TIMEOUT_MS", request_timeout_ms, 100, 600000),
	STR("log", "BDG_LOG", log_level),
};

#define NOPTIONS (sizeof options / sizeof options[0])

static int set_one(struct bdg_config *c, const struct option *o, const char *value,
		   const char *from, char *errbuf, size_t errlen)
{
	char *base = (char *)c + o->off;
	char *end;
	long v;

	if (o->kind == K_STR) {
		if (strlen(value) >= o->size) {
			snprintf(errbuf, errlen, "%s is too long (at most %zu bytes)", from, o->size - 1);
			return -1;
		}
		memcpy(base, value, strlen(value) + 1);
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < o->min || v > o->max) {
		snprintf(errbuf, errlen, "%s must be a whole number from %ld to %ld, not \"%s\"",
			 from, o->min, o->max, value);
		return -1;
	}
	if (o->kind == K_INT)
		*(int *)(void *)base = (int)v;
	else
		*(long *)(void *)base = v;
	return 0;
}

int config_from_env(struct bdg_config *c, char *errbuf, size_t errlen)
{
	size_t i;

	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->data_dir, sizeof c->data_dir, "./var");
	snprintf(c->log_level, sizeof c->log_level, "info");
	c->threads = 256;
	c->pool_size = 8;
	c->statement_timeout_ms = 5000;
	c->body_max = 1L << 20;
	c->bulk_body_max = 64L << 20;
	c->json_depth_max = 32;
	c->request_timeout_ms = 10000;
	for (i = 0; i < NOPTIONS; i++) {
		const char *v = getenv(options[i].env);
		if (v && *v && set_one(c, &options[i], v, options[i].env, errbuf, errlen) < 0)
			return -1;
	}
	return 0;
}

int config_set(struct bdg_config *c, const char *name, const char *value,
	       char *errbuf, size_t errlen)
{
	size_t i;
	char from[64];

	for (i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].flag, name) == 0) {
			snprintf(from, sizeof from, "--%s", name);
			return set_one(c, &options[i], value, from, errbuf, errlen);
		}
	}
	snprintf(errbuf, errlen, "unknown option --%s", name);
	return -1;
}

/* 1 when the PEM key (public, else private) is an elliptic-curve key. */
static int pem_is_ec(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	int ec;

	if (!k && bio) {
		BIO_free(bio);
		bio = BIO_new_mem_buf(pem, -1);
		k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	}
	ec = k && EVP_PKEY_base_id(k) == EVP_PKEY_EC;
	EVP_PKEY_free(k);
	BIO_free(bio);
	return ec;
}

/* A key given as a path is read in; PEM text is kept as it is. */
static int load_pem(char *buf, size_t size, const char *what, char *errbuf, size_t errlen)
{
	FILE *f;
	size_t n;
	char path[PATH_MAX];

	if (!buf[0] || strstr(buf, "-----BEGIN"))
		return 0;
	snprintf(path, sizeof path, "%s", buf);
	f = fopen(path, "r");
	if (!f) {
		snprintf(errbuf, errlen, "%s: cannot read %s: %s", what, path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (!strstr(buf, "-----BEGIN")) {
		snprintf(errbuf, errlen, "%s: %s is not a PEM key", what, path);
		return -1;
	}
	return 0;
}

int config_check(struct bdg_config *c, int need_auth, char *errbuf, size_t errlen)
{
	c->jwt_secret_len = strlen(c->jwt_secret);
	if (strcmp(c->log_level, "info") && strcmp(c->log_level, "debug") && strcmp(c->log_level, "quiet")) {
		snprintf(errbuf, errlen, "BDG_LOG must be info, debug or quiet");
		return -1;
	}
	if (!strchr(c->listen, ':')) {
		snprintf(errbuf, errlen, "BDG_LISTEN must be HOST:PORT, not \"%s\"", c->listen);
		return -1;
	}
	if (load_pem(c->jwt_public_key, sizeof c->jwt_public_key, "BDG_JWT_PUBLIC_KEY", errbuf, errlen) < 0 ||
	    load_pem(c->jwt_private_key, sizeof c->jwt_private_key, "BDG_JWT_PRIVATE_KEY", errbuf, errlen) < 0)
		return -1;
	if (!c->jwt_alg[0]) {
		if (c->jwt_public_key[0] || c->jwt_private_key[0])
			snprintf(c->jwt_alg, sizeof c->jwt_alg, "%s",
				 pem_is_ec(c->jwt_public_key[0] ? c->jwt_public_key : c->jwt_private_key)
				 ? "ES256" : "RS256");
		else
			snprintf(c->jwt_alg, sizeof c->jwt_alg, "HS256");
	}
	if (strcmp(c->jwt_alg, "HS256") && strcmp(c->jwt_alg, "RS256") && strcmp(c->jwt_alg, "ES256")) {
		snprintf(errbuf, errlen, "BDG_JWT_ALG must be HS256, RS256 or ES256, not \"%s\"", c->jwt_alg);
		return -1;
	}
	if (!need_auth)
		return 0;
	if (!strcmp(c->jwt_alg, "HS256")) {
		if (c->jwt_public_key[0]) {
			snprintf(errbuf, errlen, "BDG_JWT_PUBLIC_KEY is set but BDG_JWT_ALG is HS256");
			return -1;
		}
		if (c->jwt_secret_len < 32) {
			snprintf(errbuf, errlen, "BDG_JWT_SECRET must be at least 32 bytes (RFC 7518 §3.2), it has %zu",
				 c->jwt_secret_len);
			return -1;
		}
	} else if (!c->jwt_public_key[0] && !c->jwt_private_key[0]) {
		snprintf(errbuf, errlen, "BDG_JWT_ALG is %s but no BDG_JWT_PUBLIC_KEY is set", c->jwt_alg);
		return -1;
	}
	return 0;
}
