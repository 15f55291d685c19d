/* db.c: the connection pool, prepared statements, transactions, and the
 * translation of PostgreSQL errors into struct bdg_err.
 *
 * Each connection keeps a small hash set of the statements already prepared
 * on it. A connection found broken is reset once and the statement retried
 * when no transaction was open (so the first request after a database
 * restart does not fail); otherwise the request gets 503 and the connection
 * reconnects on its next use, with exponential backoff shared by the pool. */
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

struct db_conn {
	PGconn *pg;
	int tx_depth;
	int failed_tx;                          /* an error inside the open transaction */
	const struct db_stmt *prepared[PREP_SLOTS];
	struct db_pool *pool;
	int index;
};

struct db_pool {
	char *conninfo;
	char timeout[16];
	int size;
	pthread_mutex_t mu;
	pthread_cond_t cv;
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
	pthread_cond_init(&p->cv, NULL);
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
	for (i = 0; i < p->size; i++)
		conn_close(&p->conns[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
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

struct db_conn *db_acquire(struct db_pool *p, struct bdg_err *err)
{
	struct db_conn *c;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ACQUIRE_WAIT_MS / 1000;
	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0) {
		if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) != 0 && p->nfree == 0) {
			pthread_mutex_unlock(&p->mu);
			bdg_fail(err, 503, "busy", "The server is busy; try again shortly.");
			return NULL;
		}
	}
	c = &p->conns[p->free_stack[--p->nfree]];
	pthread_mutex_unlock(&p->mu);
	if ((!c->pg || PQstatus(c->pg) != CONNECTION_OK) && conn_open(p, c, err) < 0) {
		db_release(p, c);
		return NULL;
	}
	return c;
}

void db_release(struct db_pool *p, struct db_conn *c)
{
	if (!c)
		return;
	if (c->pg && c->tx_depth > 0) {
		PQclear(PQexec(c->pg, "ROLLBACK"));
		c->tx_depth = 0;
		c->failed_tx = 0;
	}
	if (c->pg && (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE))
		conn_close(c);
	pthread_mutex_lock(&p->mu);
	p->free_stack[p->nfree++] = c->index;
	pthread_cond_signal(&p->cv);
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

PGresult *db_exec(struct db_conn *c, const struct db_stmt *st,
		  const char *const *params, struct bdg_err *err)
{
	PGresult *r = NULL;
	ExecStatusType s;
	int attempt;

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

/* A pooled connection that died with its server (a restart) is found out
 * by its first statement: BEGIN is then sent once more on a fresh one. */
int db_begin(struct db_conn *c, struct bdg_err *err)
{
	if (c->tx_depth > 0) {
		c->tx_depth++;
		return 0;
	}
	c->failed_tx = 0;
	if (simple(c, "BEGIN", err) < 0) {
		if (!conn_lost(c))
			return -1;
		bdg_err_clear(err);
		if (conn_open(c->pool, c, err) < 0 || simple(c, "BEGIN", err) < 0)
			return -1;
	}
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
		simple(c, "ROLLBACK", err);
		c->failed_tx = 0;
		if (!err->status)
			bdg_fail(err, 500, "internal", "The transaction failed.");
		return -1;
	}
	rc = simple(c, "COMMIT", err);
	if (rc < 0 && !err->status)
		bdg_fail(err, 503, "unavailable", "The database did not confirm the write; try again.");
	return rc;
}

void db_rollback(struct db_conn *c)
{
	if (c->tx_depth <= 0)
		return;
	c->tx_depth = 0;
	c->failed_tx = 0;
	if (!conn_lost(c))
		PQclear(PQexec(c->pg, "ROLLBACK"));
}

int db_in_tx(const struct db_conn *c)
{
	return c->tx_depth > 0;
}

PGconn *db_pg(struct db_conn *c)
{
	return c->pg;
}

int db_exec_script(struct db_conn *c, const char *sql, struct bdg_err *err)
{
	PGresult *r;
	ExecStatusType s;

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
