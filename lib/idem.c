/* idem.c: storing and replaying the answers of POST requests that carry an
 * Idempotency-Key. */
#include "idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct db_stmt st_claim = {
	"idem_claim",
	"INSERT INTO bdg.idempotency (actor, key, request_hash) VALUES ($1, $2, $3)"
	" ON CONFLICT DO NOTHING RETURNING 1",
	3,
};

static const struct db_stmt st_stored = {
	"idem_stored",
	"SELECT request_hash, status, body, location FROM bdg.idempotency"
	" WHERE actor = $1 AND key = $2",
	2,
};

static const struct db_stmt st_store = {
	"idem_store",
	"UPDATE bdg.idempotency SET status = $3::int, body = $4, location = $5"
	" WHERE actor = $1 AND key = $2",
	5,
};

int idem_claim(struct bdg_ctx *c, const char *key, const char *request_hash,
	       struct idem_stored *out)
{
	const char *p[] = {c->who.sub, key, request_hash};
	PGresult *r;
	int rc = -1;

	memset(out, 0, sizeof *out);
	r = db_exec(ctx_conn(c), &st_claim, p, &c->err);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		PQclear(r);
		return 1;
	}
	PQclear(r);
	r = db_exec(ctx_conn(c), &st_stored, p, &c->err);
	if (!r)
		return -1;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 1)) {
		bdg_fail(&c->err, 409, "conflict", "A request with this Idempotency-Key is still in progress.");
	} else if (strcmp(PQgetvalue(r, 0, 0), request_hash) != 0) {
		bdg_fail(&c->err, 422, "idempotency_key_reused",
			 "This Idempotency-Key was used for a different request.");
		bdg_field(&c->err, "Idempotency-Key", "was already used with another method, path or body");
	} else {
		out->status = atoi(PQgetvalue(r, 0, 1));
		out->body = strdup(PQgetvalue(r, 0, 2));
		out->location = strdup(PQgetvalue(r, 0, 3));
		rc = 0;
	}
	PQclear(r);
	return rc;
}

int idem_store(struct bdg_ctx *c, const char *key, int status, const char *body,
	       const char *location)
{
	char st[12];
	const char *p[5];

	snprintf(st, sizeof st, "%d", status);
	p[0] = c->who.sub;
	p[1] = key;
	p[2] = st;
	p[3] = body ? body : "";
	p[4] = location ? location : "";
	/* Sent with the COMMIT that follows (one round trip); a failure is
	 * reported by the commit. */
	return db_defer(ctx_conn(c), &st_store, p, &c->err);
}
