/* query.c: list pages, single documents, and conditional-write misses. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int query_list(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
	       char **items, char *next, size_t nextlen)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	int rc = -1;

	*items = NULL;
	next[0] = '\0';
	if (!conn)
		return -1;
	r = db_exec(conn, st, params, &c->err);
	if (!r) {
		/* A list reads nothing but its filters and cursor: a value the
		 * database refuses there is a bad request, not bad content. */
		if (c->err.status == 422 && c->err.nfields == 0)
			bdg_fail(&c->err, 400, "bad_request", "A filter or the cursor holds a value that is not valid.");
		return -1;
	}
	if (PQntuples(r) != 1 || PQnfields(r) < 2) {
		bdg_fail(&c->err, 500, "internal", "The server could not complete the request.");
		goto out;
	}
	*items = strdup(PQgetisnull(r, 0, 0) ? "[]" : PQgetvalue(r, 0, 0));
	if (!PQgetisnull(r, 0, 1))
		snprintf(next, nextlen, "%s", PQgetvalue(r, 0, 1));
	rc = *items ? 0 : -1;
out:
	PQclear(r);
	return rc;
}

int query_doc(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
	      char **doc, long long *version)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	int rc = -1;

	*doc = NULL;
	if (!conn)
		return -1;
	r = db_exec(conn, st, params, &c->err);
	if (!r)
		return -1;
	if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0)) {
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
		goto out;
	}
	*doc = strdup(PQgetvalue(r, 0, 0));
	if (version)
		*version = PQnfields(r) > 1 && !PQgetisnull(r, 0, 1) ? atoll(PQgetvalue(r, 0, 1)) : 0;
	rc = *doc ? 0 : -1;
out:
	PQclear(r);
	return rc;
}

int query_missed(struct bdg_ctx *c, const struct db_stmt *probe, const char *const *params)
{
	return query_missed_v(c, probe, params, -2);
}

int query_missed_v(struct bdg_ctx *c, const struct db_stmt *probe, const char *const *params,
		   long long if_version)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;

	if (!conn)
		return -1;
	r = db_exec(conn, probe, params, &c->err);
	if (!r)
		return -1;
	if (PQntuples(r) >= 1 && if_version != -2 &&
	    (if_version <= 0 || atoll(PQgetvalue(r, 0, 0)) == if_version)) {
		PQclear(r);
		return 1;
	}
	if (PQntuples(r) < 1)
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
	else
		bdg_fail(&c->err, 412, "precondition_failed",
			 "The resource has changed since you read it (version %s); read it again.",
			 PQgetvalue(r, 0, 0));
	PQclear(r);
	return -1;
}

long query_run(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	long n;

	if (!conn)
		return -1;
	r = db_exec(conn, st, params, &c->err);
	if (!r)
		return -1;
	n = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : atol(PQcmdTuples(r));
	PQclear(r);
	return n;
}

long long query_id(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	long long id = -1;

	if (!conn || !(r = db_exec(conn, st, params, &c->err)))
		return -1;
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return id;
}

long long query_insert(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
		       char *idtext, size_t n)
{
	long long id = query_id(c, st, params);

	if (id < 0 && !c->err.status)
		bdg_fail(&c->err, 500, "internal", "The server could not complete the request.");
	if (id >= 0)
		snprintf(idtext, n, "%lld", id);
	return id;
}
