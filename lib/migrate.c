/* migrate.c: applying the embedded migrations (see migrate.h).
 *
 * One run holds the session advisory lock 7310000, so concurrent bdgd wait
 * for each other; it compares what public.bdg_migrations records with the
 * files compiled in (name and SHA-256), then applies each pending file in
 * its own transaction together with its bdg_migrations row. */
#include "migrate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define MIGRATE_LOCK "7310000"

static const char sql_lock[] = "SELECT pg_advisory_lock(" MIGRATE_LOCK ")";
static const char sql_unlock[] = "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")";
/* DO: no "already exists, skipping" notice on every start. */
static const char sql_table[] =
	"DO $$ BEGIN IF to_regclass('public.bdg_migrations') IS NULL THEN "
	"CREATE TABLE IF NOT EXISTS public.bdg_migrations ("
	" name text PRIMARY KEY,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now()); "
	"END IF; END $$";
static const char sql_applied[] =
	"SELECT name, checksum FROM public.bdg_migrations ORDER BY name";
static const char sql_record[] =
	"INSERT INTO public.bdg_migrations (name, checksum) VALUES ($1, $2)";

static int fail(char *errbuf, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void one_line(char *s);
static int sha256_hex(const char *data, size_t len, char out[65]);
static int exec_ok(PGconn *conn, const char *sql, char *errbuf, size_t errlen);
static const struct embedded_file *find_file(const char *name);
static int line_of(const char *sql, const char *position);
static int apply(PGconn *conn, const struct embedded_file *f, const char *sum,
		 char *errbuf, size_t errlen);

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	one_line(errbuf);
	return -1;
}

/* Error texts from PostgreSQL end with a newline and may hold several. */
static void one_line(char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static int sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}

/* Run a statement that takes no parameters; -1 with the server's message. */
static int exec_ok(PGconn *conn, const char *sql, char *errbuf, size_t errlen)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = fail(errbuf, errlen, "migrations: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	PQclear(r);
	return rc;
}

static const struct embedded_file *find_file(const char *name)
{
	const struct embedded_file *f;

	for (f = bdg_migrations; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* The 1-based line of a 1-based character position (PG_DIAG_STATEMENT_POSITION
 * counts characters; the script is UTF-8). 0 when unknown. */
static int line_of(const char *sql, const char *position)
{
	long pos = position ? atol(position) : 0, chars = 0;
	int line = 1;
	const unsigned char *p;

	if (pos <= 0)
		return 0;
	for (p = (const unsigned char *)sql; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		if (++chars >= pos)
			return line;
		if (*p == '\n')
			line++;
	}
	return line;
}

/* BEGIN; the file; its bdg_migrations row; COMMIT. On error, ROLLBACK and
 * -1 naming the file, the line and PostgreSQL's message. */
static int apply(PGconn *conn, const struct embedded_file *f, const char *sum,
		 char *errbuf, size_t errlen)
{
	const char *params[2] = {f->name, sum};
	const char *sql = f->data;
	PGresult *r = NULL;
	char where[32] = "";
	int rc = -1, line;

	/* PQexec takes a C string (embed.py writes a NUL-terminated literal):
	 * refuse a file with a NUL byte inside. */
	if (strlen(f->data) != f->len) {
		fail(errbuf, errlen, "migration %s contains a NUL byte", f->name);
		goto out;
	}
	if (exec_ok(conn, "BEGIN", errbuf, errlen) != 0)
		goto out;
	r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);

		line = line_of(sql, PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION));
		if (line > 0)
			snprintf(where, sizeof where, " at line %d", line);
		if (!msg)
			msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
		fail(errbuf, errlen, "migration %s failed%s: %s%s%s%s", f->name, where, msg,
		     ctx ? " (" : "", ctx ? ctx : "", ctx ? ")" : "");
		goto out;
	}
	PQclear(r);
	r = PQexecParams(conn, sql_record, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fail(errbuf, errlen, "migration %s: recording it failed: %s", f->name, PQresultErrorMessage(r));
		goto out;
	}
	PQclear(r);
	r = NULL;
	if (exec_ok(conn, "COMMIT", errbuf, errlen) != 0) {
		char tmp[512];

		snprintf(tmp, sizeof tmp, "%s", errbuf);
		fail(errbuf, errlen, "migration %s: commit failed: %s", f->name, tmp);
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	if (rc != 0 && PQtransactionStatus(conn) != PQTRANS_IDLE) {
		r = PQexec(conn, "ROLLBACK");
		PQclear(r);
	}
	return rc;
}

int migrate_run(PGconn *conn, int verbose, char *errbuf, size_t errlen)
{
	const struct embedded_file *f;
	PGresult *applied = NULL;
	char sum[65];
	int locked = 0, rc = -1, count = 0, i, n, found;

	if (errlen > 0)
		errbuf[0] = '\0';
	if (!conn || PQstatus(conn) != CONNECTION_OK)
		return fail(errbuf, errlen, "migrations: no database connection");
	if (exec_ok(conn, sql_lock, errbuf, errlen) != 0)
		goto out;
	locked = 1;
	if (exec_ok(conn, sql_table, errbuf, errlen) != 0)
		goto out;
	applied = PQexec(conn, sql_applied);
	if (PQresultStatus(applied) != PGRES_TUPLES_OK) {
		fail(errbuf, errlen, "migrations: %s", PQresultErrorMessage(applied));
		goto out;
	}
	n = PQntuples(applied);

	/* Every recorded migration must be compiled in, unchanged. */
	for (i = 0; i < n; i++) {
		const char *name = PQgetvalue(applied, i, 0);
		const char *recorded = PQgetvalue(applied, i, 1);

		f = find_file(name);
		if (!f) {
			fail(errbuf, errlen, "migration %s is recorded in the database but is not part of this "
			     "bdgd (the database is newer than the binary?)", name);
			goto out;
		}
		if (sha256_hex(f->data, f->len, sum) != 0) {
			fail(errbuf, errlen, "migrations: SHA-256 unavailable");
			goto out;
		}
		if (strcmp(sum, recorded) != 0) {
			fail(errbuf, errlen, "migration %s has changed since it was applied (checksum %s, "
			     "applied %.64s): add a new migration instead of editing it", name, sum, recorded);
			goto out;
		}
	}

	/* Apply the rest, in name order (embed.py sorts them). */
	for (f = bdg_migrations; f->name; f++) {
		found = 0;
		for (i = 0; i < n && !found; i++)
			found = strcmp(PQgetvalue(applied, i, 0), f->name) == 0;
		if (found)
			continue;
		if (sha256_hex(f->data, f->len, sum) != 0) {
			fail(errbuf, errlen, "migrations: SHA-256 unavailable");
			goto out;
		}
		if (apply(conn, f, sum, errbuf, errlen) != 0)
			goto out;
		count++;
		if (verbose)
			fprintf(stderr, "bdgd: applied migration %s\n", f->name);
	}
	rc = count;
out:
	PQclear(applied);
	if (locked) {
		PGresult *r = PQexec(conn, sql_unlock);

		PQclear(r);
	}
	return rc;
}
