/* ctx.h: what one request carries through lib/: the caller, the database
 * pool and connection, and the error. Created by the dispatcher, passed to
 * every lib resource function, freed by the dispatcher. */
#ifndef BDG_CTX_H
#define BDG_CTX_H

#include "auth.h"
#include "db.h"
#include "err.h"

struct bdg_ctx {
	struct db_pool *pool;
	struct db_conn *conn;           /* taken lazily by ctx_conn */
	struct bdg_principal who;       /* empty sub when unauthenticated */
	struct bdg_err err;
	char request_id[40];
	int actor_set;                  /* app.* settings applied in this tx */
};

/* The request's connection, acquired on first use (NULL + err 503). */
struct db_conn *ctx_conn(struct bdg_ctx *c);

/* Open the write transaction and publish the actor to SQL
 * (set_config('app.sub'|'app.unit'|'app.role'|'app.request_id', …, true)),
 * which the audit trigger reads. Nestable. */
int ctx_begin(struct bdg_ctx *c);
int ctx_commit(struct bdg_ctx *c);
void ctx_rollback(struct bdg_ctx *c);

/* End a write that produced *doc: commit when rc is 0; otherwise, or when
 * the commit fails, roll back and drop the document. Returns 0 or -1. */
int ctx_finish(struct bdg_ctx *c, int rc, char **doc);

/* Give the connection back (rolling back anything still open). */
void ctx_release(struct bdg_ctx *c);

#endif
