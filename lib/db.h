/* db.h: the PostgreSQL connection pool and the only way bdg runs SQL.
 *
 * A fixed-size pool of libpq connections. Statements are `struct db_stmt`
 * constants declared beside the lib function that runs them; each is
 * prepared once per connection on first use. A request takes one connection
 * (db_acquire), runs statements, and gives it back (db_release). When the
 * server is unreachable, acquire fails fast with 503 and the pool reconnects
 * with backoff; nothing restarts bdgd. */
#ifndef BDG_DB_H
#define BDG_DB_H

#include <libpq-fe.h>

#include "err.h"

struct db_stmt {
	const char *name;       /* unique prepared-statement name */
	const char *sql;        /* with $1..$n parameters, never built at run time */
	int nparams;
};

struct db_pool;
struct db_conn;

/* Open `size` connections lazily to `conninfo`. statement_timeout_ms is set
 * on every connection, with lock_timeout and
 * idle_in_transaction_session_timeout. Returns NULL on bad arguments only. */
struct db_pool *db_pool_new(const char *conninfo, int size, int statement_timeout_ms);
void db_pool_free(struct db_pool *p);

/* Take a connection, waiting at most a few seconds. NULL with err 503 when
 * the database is unreachable or the pool stays exhausted. */
struct db_conn *db_acquire(struct db_pool *p, struct bdg_err *err);

/* Give a connection back. An open transaction is rolled back; a broken
 * connection is marked for reconnection. */
void db_release(struct db_pool *p, struct db_conn *c);

/* Run a prepared statement with text parameters (NULL = SQL NULL).
 * Returns a PGresult the caller clears (PGRES_TUPLES_OK or COMMAND_OK), or
 * NULL with err filled: SQLSTATE mapped to HTTP by bdg_sqlstate_status;
 * bdg's own BDxxx errors carry their message and column (as the field);
 * anything else gets a generic detail, never SQL text. */
PGresult *db_exec(struct db_conn *c, const struct db_stmt *st,
		  const char *const *params, struct bdg_err *err);

/* Same, returning the single value of a one-row, one-column result as a
 * malloc'd string (NULL with err 404 "not_found" when there is no row). */
char *db_value_new(struct db_conn *c, const struct db_stmt *st,
		   const char *const *params, struct bdg_err *err);

/* Queue a statement of the open transaction whose result matters only
 * when it fails (the actor's settings, an idempotency record): it is sent
 * with the next statement, or with COMMIT, in one round trip; a failure is
 * reported there. Outside a transaction it runs at once. 0, or -1 with err. */
int db_defer(struct db_conn *c, const struct db_stmt *st, const char *const *params, struct bdg_err *err);

/* Transactions, nestable: only the outermost begin/commit are sent; BEGIN
 * goes out with the transaction's first statement, and a transaction that
 * sent nothing costs no round trip. */
int db_begin(struct db_conn *c, struct bdg_err *err);
int db_commit(struct db_conn *c, struct bdg_err *err);
void db_rollback(struct db_conn *c);
int db_in_tx(const struct db_conn *c);

/* The raw libpq connection, for COPY in bulk import only. */
PGconn *db_pg(struct db_conn *c);

/* Run a plain SQL script (migrations): no parameters. */
int db_exec_script(struct db_conn *c, const char *sql, struct bdg_err *err);

/* 1 when a probe query succeeds (for /ready). */
int db_ping(struct db_pool *p);

#endif
