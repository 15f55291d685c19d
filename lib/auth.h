/* auth.h: JWT verification and signing (libjwt 1.10), and the roles.
 *
 * Every claim check is ours (libjwt 1.10 validates only the signature): the
 * algorithm is pinned by configuration, the payload is decoded by jansson
 * with JSON_REJECT_DUPLICATES, exp is a required integer, nbf/iat are
 * honoured with 30 s leeway, iss/aud when configured. See
 * ../shared/SECURITY-NOTES.md. Verified tokens are cached (bounded, keyed by
 * a hash of the token, until exp) so that RS256/ES256 cost nothing per
 * request. Thread-safe. */
#ifndef BDG_AUTH_H
#define BDG_AUTH_H

#include <time.h>

#include "config.h"
#include "err.h"

enum bdg_role {
	ROLE_NONE = 0,      /* no token needed (health, ready) */
	ROLE_VIEWER = 1,
	ROLE_EDITOR = 2,
	ROLE_APPROVER = 3,
	ROLE_ADMIN = 4,
};

#define AUTH_LEEWAY_SECONDS 30

struct bdg_principal {
	char sub[128];
	char unit[64];          /* the unit code of the token's `unit` claim */
	int role;               /* enum bdg_role */
	long long exp;
};

struct bdg_auth;

/* Build a verifier from the configuration (algorithm, key, iss, aud).
 * Returns NULL with err set (status 500) when the key is unusable. Caller
 * owns the result; free with auth_free. */
struct bdg_auth *auth_new(const struct bdg_config *cfg, struct bdg_err *err);
void auth_free(struct bdg_auth *a);

/* Verify a compact JWT (without "Bearer "). On success fills *p and returns
 * 0; on any failure returns -1 with err 401 "unauthorized" and a detail that
 * says why (never echoing the token). */
int auth_verify(struct bdg_auth *a, const char *token, time_t now,
		struct bdg_principal *p, struct bdg_err *err);

/* Sign a token with the configured algorithm and key (HS256 secret, or
 * BDG_JWT_PRIVATE_KEY for RS256/ES256), with iat=now, exp=now+ttl, and iss/
 * aud when configured. Returns a malloc'd string the caller frees, or NULL
 * with err set. */
char *auth_sign_new(const struct bdg_config *cfg, const char *sub,
		    const char *unit, const char *role, long ttl, time_t now,
		    struct bdg_err *err);

/* "viewer" → ROLE_VIEWER …; unknown → ROLE_NONE. */
int role_parse(const char *name);
const char *role_name(int role);

#endif
