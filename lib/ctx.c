/* ctx.c: the request context's connection and write transaction. The
 * actor's settings are deferred (db_defer): they reach the database with
 * the transaction's BEGIN and first statement, in one round trip. */
#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>

#include "auth.h"

struct db_conn *ctx_conn(struct bdg_ctx *c)
{
	if (!c->conn)
		c->conn = db_acquire(c->pool, &c->err);
	return c->conn;
}

static const struct db_stmt st_actor = {
	"ctx_actor",
	"SELECT set_config('app.sub', $1, true), set_config('app.unit', $2, true),"
	" set_config('app.role', $3, true), set_config('app.request_id', $4, true)",
	4,
};

int ctx_begin(struct bdg_ctx *c)
{
	struct db_conn *conn = ctx_conn(c);
	const char *params[4];

	if (!conn || db_begin(conn, &c->err) < 0)
		return -1;
	if (c->actor_set)
		return 0;
	params[0] = c->who.sub;
	params[1] = c->who.unit;
	params[2] = role_name(c->who.role);
	params[3] = c->request_id;
	if (db_defer(conn, &st_actor, params, &c->err) < 0) {
		db_rollback(conn);
		return -1;
	}
	c->actor_set = 1;
	return 0;
}

int ctx_commit(struct bdg_ctx *c)
{
	int rc;

	if (!c->conn)
		return -1;
	rc = db_commit(c->conn, &c->err);
	if (!db_in_tx(c->conn))
		c->actor_set = 0;
	return rc;
}

void ctx_rollback(struct bdg_ctx *c)
{
	if (c->conn)
		db_rollback(c->conn);
	c->actor_set = 0;
}

int ctx_finish(struct bdg_ctx *c, int rc, char **doc)
{
	if (rc == 0 && ctx_commit(c) == 0)
		return 0;
	ctx_rollback(c);
	if (doc) {
		free(*doc);
		*doc = NULL;
	}
	return -1;
}

void ctx_release(struct bdg_ctx *c)
{
	if (c->conn)
		db_release(c->pool, c->conn);
	c->conn = NULL;
	c->actor_set = 0;
}
