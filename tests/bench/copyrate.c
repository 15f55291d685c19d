/* copyrate.c: the COPY limit of the benchmark. Sends the rows of a file
 * (COPY text format: tab-separated, one row a line) to
 * `COPY table (columns) FROM STDIN` through libpq in one transaction, and
 * prints how many rows per second PostgreSQL took, counting from BEGIN to
 * the end of COMMIT (the file is read into memory before the clock starts).
 *
 *   bench-copyrate CONNINFO TABLE COLUMNS FILE [commit|rollback]
 *
 * Output, one line: "rows N seconds S rows_per_s R". */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK (256 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "bench-copyrate: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char sql[1024];
	const char *end_tx;
	size_t len = 0, off, rows = 0, i;
	PGconn *c;
	PGresult *r;
	char *data;
	double t0, t1;
	int rc = 1;

	if (argc < 5) {
		fprintf(stderr, "usage: bench-copyrate CONNINFO TABLE COLUMNS FILE [commit|rollback]\n");
		return 2;
	}
	end_tx = argc > 5 && strcmp(argv[5], "rollback") == 0 ? "ROLLBACK" : "COMMIT";
	data = slurp(argv[4], &len);
	if (!data) {
		fprintf(stderr, "bench-copyrate: cannot read %s\n", argv[4]);
		return 1;
	}
	for (i = 0; i < len; i++)
		rows += data[i] == '\n';
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench-copyrate: %s", PQerrorMessage(c));
		goto out;
	}
	snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", argv[2], argv[3]);
	t0 = now_s();
	if (!exec_ok(c, "BEGIN"))
		goto out;
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "bench-copyrate: %s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	for (off = 0; off < len; off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (PQputCopyData(c, data + off, (int)n) != 1) {
			fprintf(stderr, "bench-copyrate: %s", PQerrorMessage(c));
			goto out;
		}
	}
	if (PQputCopyEnd(c, NULL) != 1) {
		fprintf(stderr, "bench-copyrate: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "bench-copyrate: COPY failed: %s", PQresultErrorMessage(r));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	if (!exec_ok(c, end_tx))
		goto out;
	t1 = now_s();
	printf("rows %zu seconds %.4f rows_per_s %.0f\n", rows, t1 - t0, (double)rows / (t1 - t0));
	rc = 0;
out:
	PQfinish(c);
	free(data);
	return rc;
}
