/* db.c: the connection pool, prepared statements, transactions, and the
 * translation of PostgreSQL errors into struct bdg_err.
 *
 * Each connection keeps a small hash set of the statements already prepared
 * on it. A connection found broken is reset once and the statement retried
 * when no transaction was open (so the first request after a database
 * restart does not fail); otherwise the request gets 503 and the connection
 * reconnects on its next use, with exponential backoff shared by the pool.
 *
 * Round trips: BEGIN is not sent by db_begin but with the transaction's
 * first statement, and statements queued by db_defer (whose result matters
 * only when they fail: the actor's settings, an idempotency record) go
 * with the next statement or with COMMIT, all in one libpq pipeline.
 *
 * Waiting for a connection is first come, first served: db_release hands
 * the connection straight to the oldest waiter, which has its own
 * condition variable. A shared condition variable let a thread that had
 * just released a connection take it back on its next request while
 * others went on waiting, and the unlucky ones made the tail: p99 at 64
 * clients and 8 connections 13-17 ms, 6-7 ms in line (tests/bench). */
#include "db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "constraint.h"

#define PREP_SLOTS 512          /* power of two, > number of statements */
#define ACQUIRE_WAIT_MS 3000
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 1000
#define DEFER_MAX 4             /* statements queued by db_defer */
#define DEFER_PARAMS 8

struct deferred {
	const struct db_stmt *st;
	char *params[DEFER_PARAMS];     /* owned copies; NULL = SQL NULL */
};

struct db_conn {
	PGconn *pg;
	int tx_depth;
	int failed_tx;                          /* an error inside the open transaction */
	int begin_pending;                      /* BEGIN not sent yet: goes with the next statement */
	int ndeferred;
	struct deferred deferred[DEFER_MAX];
	const struct db_stmt *prepared[PREP_SLOTS];
	struct db_pool *pool;
	int index;
};

/* A thread waiting in db_acquire, in the pool's line. */
struct db_waiter {
	pthread_cond_t cv;
	int conn;                               /* handed over by db_release; -1 until then */
	struct db_waiter *prev, *next;
};

struct db_pool {
	char *conninfo;
	char timeout[16];
	int size;
	pthread_mutex_t mu;
	struct db_waiter *first, *last;         /* the line, oldest first */
	struct db_conn *conns;
	int *free_stack;
	int nfree;
	int64_t retry_at_ms;                    /* no connect attempt before this */
	int backoff_ms;
};

static int64_t now_ms(void);
static int conn_open(struct db_pool *p, struct db_conn *c, struct bdg_err *err);
static void conn_close(struct db_conn *c);
static int prepare(struct db_conn *c, const struct db_stmt *st, struct bdg_err *err);
static void result_error(struct db_conn *c, PGresult *r, struct bdg_err *err);
static int conn_lost(struct db_conn *c);
static void drop_pending(struct db_conn *c);
static PGresult *pipeline(struct db_conn *c, const struct db_stmt *st, const char *const *params,
			  int commit, struct bdg_err *err);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct db_pool *db_pool_new(const char *conninfo, int size, int statement_timeout_ms)
{
	struct db_pool *p;
	int i;

	if (!conninfo || size < 1)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->conninfo = strdup(conninfo);
	p->size = size;
	snprintf(p->timeout, sizeof p->timeout, "%d", statement_timeout_ms);
	p->conns = calloc((size_t)size, sizeof *p->conns);
	p->free_stack = calloc((size_t)size, sizeof *p->free_stack);
	if (!p->conninfo || !p->conns || !p->free_stack) {
		free(p->conninfo);
		free(p->conns);
		free(p->free_stack);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	for (i = 0; i < size; i++) {
		p->conns[i].pool = p;
		p->conns[i].index = i;
		p->free_stack[p->nfree++] = i;
	}
	return p;
}

void db_pool_free(struct db_pool *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->size; i++) {
		drop_pending(&p->conns[i]);
		conn_close(&p->conns[i]);
	}
	pthread_mutex_destroy(&p->mu);
	free(p->conns);
	free(p->free_stack);
	free(p->conninfo);
	free(p);
}

static void conn_close(struct db_conn *c)
{
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
	c->tx_depth = 0;
	c->failed_tx = 0;
	memset(c->prepared, 0, sizeof c->prepared);
}

/* Forget what was queued and never sent (BEGIN, deferred statements). */
static void drop_pending(struct db_conn *c)
{
	int i, k;

	for (i = 0; i < c->ndeferred; i++)
		for (k = 0; k < DEFER_PARAMS; k++)
			free(c->deferred[i].params[k]);
	memset(c->deferred, 0, sizeof c->deferred);
	c->ndeferred = 0;
	c->begin_pending = 0;
}

/* Session settings every pooled connection carries. */
static const struct db_stmt st_session = {
	"bdg_session",
	"SELECT set_config('statement_timeout', $1, false),"
	" set_config('lock_timeout', $1, false),"
	" set_config('idle_in_transaction_session_timeout', '60000', false),"
	" set_config('TimeZone', 'UTC', false),"
	" set_config('jit', 'off', false),"
	" set_config('application_name', 'bdgd', false)",
	1,
};

static int conn_open(struct db_pool *p, struct db_conn *c, struct bdg_err *err)
{
	const char *keys[] = {"dbname", "connect_timeout", NULL};
	const char *vals[] = {p->conninfo, "3", NULL};
	const char *params[1] = {p->timeout};
	PGresult *r;
	int64_t t = now_ms();
	int ok;

	pthread_mutex_lock(&p->mu);
	ok = t >= p->retry_at_ms;
	pthread_mutex_unlock(&p->mu);
	if (!ok)
		return bdg_fail(err, 503, "unavailable", "The database is unavailable; try again shortly.");
	conn_close(c);
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"database connection failed\",\"error\":\"%s\"}\n",
			c->pg ? strtok(PQerrorMessage(c->pg), "\n") : "out of memory");
		conn_close(c);
		pthread_mutex_lock(&p->mu);
		p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (p->backoff_ms > BACKOFF_MAX_MS)
			p->backoff_ms = BACKOFF_MAX_MS;
		p->retry_at_ms = now_ms() + p->backoff_ms;
		pthread_mutex_unlock(&p->mu);
		return bdg_fail(err, 503, "unavailable", "The database is unavailable; try again shortly.");
	}
	pthread_mutex_lock(&p->mu);
	p->backoff_ms = 0;
	p->retry_at_ms = 0;
	pthread_mutex_unlock(&p->mu);
	r = PQexecParams(c->pg, st_session.sql, 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	if (!ok) {
		conn_close(c);
		return bdg_fail(err, 503, "unavailable", "The database refused the session settings.");
	}
	return 0;
}

static void line_leave(struct db_pool *p, struct db_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		p->first = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		p->last = w->prev;
}

/* A free connection when nobody waits; otherwise the one db_release hands
 * over when this thread's turn comes, or 503 after ACQUIRE_WAIT_MS. */
static int take_connection(struct db_pool *p)
{
	struct db_waiter w = {.conn = -1, .prev = p->last};
	struct timespec deadline;

	if (p->nfree > 0 && !p->first)
		return p->free_stack[--p->nfree];
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ACQUIRE_WAIT_MS / 1000;
	pthread_cond_init(&w.cv, NULL);
	if (p->last)
		p->last->next = &w;
	else
		p->first = &w;
	p->last = &w;
	while (w.conn < 0)
		if (pthread_cond_timedwait(&w.cv, &p->mu, &deadline) != 0 && w.conn < 0) {
			line_leave(p, &w);
			break;
		}
	pthread_cond_destroy(&w.cv);
	return w.conn;
}

struct db_conn *db_acquire(struct db_pool *p, struct bdg_err *err)
{
	struct db_conn *c;
	int i;

	pthread_mutex_lock(&p->mu);
	i = take_connection(p);
	pthread_mutex_unlock(&p->mu);
	if (i < 0) {
		bdg_fail(err, 503, "busy", "The server is busy; try again shortly.");
		return NULL;
	}
	c = &p->conns[i];
	if ((!c->pg || PQstatus(c->pg) != CONNECTION_OK) && conn_open(p, c, err) < 0) {
		db_release(p, c);
		return NULL;
	}
	return c;
}

void db_release(struct db_pool *p, struct db_conn *c)
{
	struct db_waiter *w;

	if (!c)
		return;
	db_rollback(c);
	if (c->pg && (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE))
		conn_close(c);
	pthread_mutex_lock(&p->mu);
	if ((w = p->first) != NULL) {
		line_leave(p, w);
		w->conn = c->index;
		pthread_cond_signal(&w->cv);
	} else {
		p->free_stack[p->nfree++] = c->index;
	}
	pthread_mutex_unlock(&p->mu);
}

static unsigned slot_of(const struct db_stmt *st)
{
	uintptr_t h = (uintptr_t)st;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (unsigned)(h >> 7) & (PREP_SLOTS - 1);
}

static int prepare(struct db_conn *c, const struct db_stmt *st, struct bdg_err *err)
{
	unsigned i = slot_of(st);
	PGresult *r;

	while (c->prepared[i]) {
		if (c->prepared[i] == st)
			return 0;
		i = (i + 1) & (PREP_SLOTS - 1);
	}
	r = PQprepare(c->pg, st->name, st->sql, st->nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		result_error(c, r, err);
		if (err->status == 500)
			fprintf(stderr, "{\"level\":\"error\",\"msg\":\"prepare failed\",\"stmt\":\"%s\",\"error\":\"%s\"}\n",
				st->name, strtok(PQresultErrorMessage(r), "\n"));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	c->prepared[i] = st;
	return 0;
}

static int conn_lost(struct db_conn *c)
{
	return !c->pg || PQstatus(c->pg) != CONNECTION_OK;
}

/* Turn a failed result (or a lost connection) into err. */
static void result_error(struct db_conn *c, PGresult *r, struct bdg_err *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *code;
	int status;

	if (c->tx_depth > 0)
		c->failed_tx = 1;
	if (!state || conn_lost(c)) {
		bdg_fail(err, 503, "unavailable", "The database is unavailable; try again shortly.");
		return;
	}
	status = bdg_sqlstate_status(state, &code);
	if (state[0] == 'B' && state[1] == 'D') {
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		const char *col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
		if (col && *col)
			bdg_field(err, col, "%s", msg ? msg : "invalid");
		if (!err->status || err->status == 422)
			bdg_fail(err, status, code, "%s", msg ? msg : bdg_status_title(status));
		err->status = status;
		return;
	}
	if (state[0] == '2' && state[1] == '3') {
		const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		const struct constraint_rule *rule = constraint_find(cons);
		if (rule) {
			if (rule->field)
				bdg_field(err, rule->field, "%s", rule->message);
			bdg_fail(err, rule->status, rule->status == 409 ? "conflict" : code, "%s", rule->message);
			return;
		}
	}
	if (status == 500)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"query failed\",\"sqlstate\":\"%s\",\"error\":\"%s\"}\n",
			state, strtok(PQresultErrorMessage(r), "\n"));
	bdg_fail(err, status, code, "%s", status == 500 ? "The server could not complete the request."
		 : status == 503 ? "The database is busy; try again shortly."
		 : status == 409 ? "The request conflicts with existing data."
		 : "The request has values the database does not accept.");
}

/* Send the pending BEGIN, the deferred statements, then st (if any) and
 * COMMIT (if commit) in one pipeline: one round trip. Returns st's result
 * (COMMIT's when st is NULL; an empty PGRES_COMMAND_OK result when there is
 * neither), or NULL with err from the first command that failed. A
 * connection found dead before the transaction's first command reached
 * the server is opened again and the pipeline sent once more. */
static PGresult *pipeline(struct db_conn *c, const struct db_stmt *st, const char *const *params,
			  int commit, struct bdg_err *err)
{
	PGresult *r, *out = NULL, *fail = NULL;
	ExecStatusType s;
	int i, cmd, ncmd, attempt, sent, depth = c->tx_depth, fresh = c->begin_pending;

	for (attempt = 0; attempt < 2; attempt++) {
		if (conn_lost(c)) {
			if (!fresh || conn_open(c->pool, c, err) < 0)
				goto lost;
			c->tx_depth = depth;    /* the transaction has not begun on the server yet */
		}
		for (i = 0; i < c->ndeferred; i++)
			if (prepare(c, c->deferred[i].st, err) < 0)
				break;
		if (i < c->ndeferred || (st && prepare(c, st, err) < 0)) {
			if (!conn_lost(c) || !fresh || attempt > 0)
				goto failed;
			bdg_err_clear(err);
			c->failed_tx = 0;
			continue;
		}
		if (!PQenterPipelineMode(c->pg))
			goto lost;
		sent = 1;
		if (c->begin_pending)
			sent = sent && PQsendQueryParams(c->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
		for (i = 0; i < c->ndeferred; i++)
			sent = sent && PQsendQueryPrepared(c->pg, c->deferred[i].st->name, c->deferred[i].st->nparams,
							   (const char *const *)c->deferred[i].params, NULL, NULL, 0);
		if (st)
			sent = sent && PQsendQueryPrepared(c->pg, st->name, st->nparams, params, NULL, NULL, 0);
		if (commit)
			sent = sent && PQsendQueryParams(c->pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
		sent = sent && PQpipelineSync(c->pg);
		ncmd = c->begin_pending + c->ndeferred + (st != NULL) + commit;
		/* Each command's results end with a NULL; the sync ends them all. */
		for (cmd = 0; sent && cmd <= ncmd + 1;) {
			if (!(r = PQgetResult(c->pg))) {
				if (conn_lost(c))
					break;
				cmd++;
				continue;
			}
			s = PQresultStatus(r);
			if (s == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				break;
			}
			if (cmd == ncmd - 1 && !out && (st || commit))
				out = r;
			else if (!fail && s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_PIPELINE_ABORTED)
				fail = r;
			else
				PQclear(r);
		}
		PQexitPipelineMode(c->pg);
		if (!conn_lost(c) || !fresh || commit || attempt > 0)
			break;
		PQclear(out);
		PQclear(fail);
		out = fail = NULL;
	}
	drop_pending(c);
	if (!fail && out && PQresultStatus(out) != PGRES_COMMAND_OK && PQresultStatus(out) != PGRES_TUPLES_OK) {
		fail = out;
		out = NULL;
	}
	if (fail || conn_lost(c)) {
		result_error(c, fail, err);
		PQclear(fail);
		PQclear(out);
		return NULL;
	}
	return out ? out : PQmakeEmptyPGresult(c->pg, PGRES_COMMAND_OK);
lost:
	drop_pending(c);
	if (!err->status)
		bdg_fail(err, 503, "unavailable", "The database is unavailable; try again shortly.");
	return NULL;
failed:
	drop_pending(c);
	return NULL;
}

int db_defer(struct db_conn *c, const struct db_stmt *st, const char *const *params, struct bdg_err *err)
{
	struct deferred *d;
	PGresult *r;
	int k;

	if (c->tx_depth <= 0 || c->ndeferred == DEFER_MAX || st->nparams > DEFER_PARAMS) {
		r = db_exec(c, st, params, err);
		PQclear(r);
		return r ? 0 : -1;
	}
	d = &c->deferred[c->ndeferred++];
	d->st = st;
	for (k = 0; k < st->nparams; k++) {
		if (params[k] && !(d->params[k] = strdup(params[k]))) {
			c->failed_tx = 1;
			return bdg_fail(err, 500, "internal", "Out of memory.");
		}
	}
	return 0;
}

PGresult *db_exec(struct db_conn *c, const struct db_stmt *st,
		  const char *const *params, struct bdg_err *err)
{
	PGresult *r = NULL;
	ExecStatusType s;
	int attempt;

	if (c->begin_pending || c->ndeferred)
		return pipeline(c, st, params, 0, err);

	for (attempt = 0; attempt < 2; attempt++) {
		if (conn_lost(c)) {
			if (c->tx_depth > 0 || conn_open(c->pool, c, err) < 0) {
				if (!err->status)
					bdg_fail(err, 503, "unavailable", "The database is unavailable; try again shortly.");
				return NULL;
			}
		}
		if (prepare(c, st, err) < 0) {
			if (conn_lost(c) && c->tx_depth == 0 && attempt == 0) {
				bdg_err_clear(err);
				continue;
			}
			return NULL;
		}
		r = PQexecPrepared(c->pg, st->name, st->nparams, params, NULL, NULL, 0);
		s = PQresultStatus(r);
		if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
			return r;
		if (conn_lost(c) && c->tx_depth == 0 && attempt == 0) {
			PQclear(r);
			r = NULL;
			continue;
		}
		break;
	}
	result_error(c, r, err);
	PQclear(r);
	return NULL;
}

char *db_value_new(struct db_conn *c, const struct db_stmt *st,
		   const char *const *params, struct bdg_err *err)
{
	PGresult *r = db_exec(c, st, params, err);
	char *v = NULL;

	if (!r)
		return NULL;
	if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0))
		bdg_fail(err, 404, "not_found", "No such resource.");
	else if (!(v = strdup(PQgetvalue(r, 0, 0))))
		bdg_fail(err, 500, "internal", "Out of memory.");
	PQclear(r);
	return v;
}

/* Send what is queued (BEGIN, deferred statements) on its own. */
static int flush_pending(struct db_conn *c, struct bdg_err *err)
{
	PGresult *r;

	if (!c->begin_pending && !c->ndeferred)
		return 0;
	r = pipeline(c, NULL, NULL, 0, err);
	PQclear(r);
	return r ? 0 : -1;
}

static int simple(struct db_conn *c, const char *sql, struct bdg_err *err)
{
	PGresult *r;
	int ok;

	if (conn_lost(c)) {
		if (c->tx_depth > 0 || conn_open(c->pool, c, err) < 0)
			return -1;
	}
	r = PQexec(c->pg, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		result_error(c, r, err);
	PQclear(r);
	return ok ? 0 : -1;
}

/* BEGIN goes with the transaction's first statement (pipeline): a pooled
 * connection that died with its server (a restart) is then found out by
 * that pipeline, which is sent once more on a fresh connection. */
int db_begin(struct db_conn *c, struct bdg_err *err)
{
	(void)err;
	if (c->tx_depth > 0) {
		c->tx_depth++;
		return 0;
	}
	c->failed_tx = 0;
	drop_pending(c);
	c->begin_pending = 1;
	c->tx_depth = 1;
	return 0;
}

int db_commit(struct db_conn *c, struct bdg_err *err)
{
	int rc;

	if (c->tx_depth <= 0)
		return 0;
	if (--c->tx_depth > 0)
		return 0;
	if (c->failed_tx) {
		c->tx_depth = 1;
		db_rollback(c);
		if (!err->status)
			bdg_fail(err, 500, "internal", "The transaction failed.");
		return -1;
	}
	if (c->begin_pending) {         /* nothing was sent: nothing to commit */
		drop_pending(c);
		return 0;
	}
	if (c->ndeferred) {
		PGresult *r = pipeline(c, NULL, NULL, 1, err);
		rc = r ? 0 : -1;
		PQclear(r);
	} else {
		rc = simple(c, "COMMIT", err);
	}
	if (rc < 0 && !conn_lost(c) && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		PQclear(PQexec(c->pg, "ROLLBACK"));
	c->failed_tx = 0;
	if (rc < 0 && !err->status)
		bdg_fail(err, 503, "unavailable", "The database did not confirm the write; try again.");
	return rc;
}

void db_rollback(struct db_conn *c)
{
	int sent = !c->begin_pending;

	drop_pending(c);
	if (c->tx_depth <= 0)
		return;
	c->tx_depth = 0;
	c->failed_tx = 0;
	if (sent && !conn_lost(c))
		PQclear(PQexec(c->pg, "ROLLBACK"));
}

int db_in_tx(const struct db_conn *c)
{
	return c->tx_depth > 0;
}

PGconn *db_pg(struct db_conn *c)
{
	struct bdg_err err = {0};

	flush_pending(c, &err);
	return c->pg;
}

int db_exec_script(struct db_conn *c, const char *sql, struct bdg_err *err)
{
	PGresult *r;
	ExecStatusType s;

	if (flush_pending(c, err) < 0)
		return -1;
	if (conn_lost(c))
		return bdg_fail(err, 503, "unavailable", "The database is unavailable.");
	r = PQexec(c->pg, sql);
	s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"script failed\",\"error\":\"%s\"}\n",
			strtok(PQresultErrorMessage(r), "\n"));
		result_error(c, r, err);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int db_ping(struct db_pool *p)
{
	static const struct db_stmt st = {"bdg_ping", "SELECT 1", 0};
	struct bdg_err err = {0};
	struct db_conn *c = db_acquire(p, &err);
	PGresult *r;
	int ok = 0;

	if (!c)
		return 0;
	r = db_exec(c, &st, NULL, &err);
	ok = r != NULL;
	PQclear(r);
	db_release(p, c);
	return ok;
}
