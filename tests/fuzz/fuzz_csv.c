/* fuzz_csv.c: CSV files as POST /bulk/{resource} takes them: the reader
 * (lib/csv.c) on its own, then bulk_run_csv for the resource the first
 * input byte chooses, with a database pool that cannot connect. (Since
 * bulk_run_csv opens its transaction before it reads the header, that part
 * only reaches the 503; the header and row checks need a database, and the
 * API tests cover them.)
 *
 * Besides crashes and sanitizer reports, a run aborts when:
 *   - the reader gives more than CSV_MAX_FIELDS fields, a field that is not
 *     UTF-8 or holds a NUL, row numbers that do not grow, more records than
 *     the text has bytes, or an error without a reason;
 *   - bulk_run_csv answers other than 422 or 503 (404 for a resource
 *     without CSV import), or names a problem without field or message;
 *   - json_pack or json_string fails in lib/ (wrap.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "csv.h"
#include "ctx.h"
#include "db.h"
#include "wrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const resources[] = {"units", "indicators", "activities", "targets", "report_values",
	"plans", "units", "activities"};
static struct db_pool *dead_pool;

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_csv: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void read_all(const char *text, size_t len)
{
	struct csv c;
	long records = 0, last_row = 0;
	int r, i;

	csv_open(&c, text, len);
	if (c.sep != ',' && c.sep != ';')
		fail("the separator is neither ',' nor ';'", NULL);
	while ((r = csv_next(&c)) == 1) {
		if (++records > (long)len + 1)
			fail("more records than bytes: the reader does not advance", NULL);
		if (c.nfields < 0 || c.nfields > CSV_MAX_FIELDS)
			fail("a record with a field count out of range", NULL);
		if (c.row <= last_row)
			fail("row numbers do not grow", NULL);
		last_row = c.row;
		for (i = 0; i < c.nfields; i++)
			if (!c.fields[i] || !csv_utf8_valid(c.fields[i], strlen(c.fields[i])))
				fail("a field that is not UTF-8", c.fields[i]);
	}
	if (r != 0 && r != -1)
		fail("csv_next returned neither 1, 0 nor -1", NULL);
	if (r == -1 && (!c.error[0] || !csv_utf8_valid(c.error, strlen(c.error))))
		fail("an error without a reason, or one that is not UTF-8", c.error);
	csv_close(&c);
}

static void import(const char *resource, const char *text, size_t len)
{
	struct bdg_ctx c;
	json_t *summary = NULL, *errors = NULL, *e;
	size_t i;
	int rc, status;

	memset(&c, 0, sizeof c);
	c.pool = dead_pool;
	snprintf(c.who.sub, sizeof c.who.sub, "fuzz");
	snprintf(c.who.unit, sizeof c.who.unit, "HUE");
	c.who.role = ROLE_ADMIN;
	rc = bulk_run_csv(&c, resource, text, len, 1, &summary, &errors);
	status = c.err.status;
	if (rc != -1)
		fail("bulk_run_csv without a database did not fail", resource);
	if (!bulk_csv_resource(resource) ? status != 404 : (status != 422 && status != 503)) {
		fprintf(stderr, "fuzz_csv: %s: status %d, %s\n", resource, status, c.err.detail);
		fail("bulk_run_csv answered other than 422 or 503", resource);
	}
	json_array_foreach(errors, i, e)
		if (!json_is_string(json_object_get(e, "field")) || !json_is_string(json_object_get(e, "message")))
			fail("a problem without field or message", resource);
	json_decref(summary);
	json_decref(errors);
	ctx_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *resource, *text = (const char *)data + 1;
	size_t len;

	if (!dead_pool) {
		/* connecting fails at once; the pool's backoff then answers 503 */
		dead_pool = db_pool_new("host=/nonexistent/bdg-fuzz port=1 dbname=bdg user=bdg", 1, 1000);
		if (!dead_pool)
			abort();
	}
	if (size < 1)
		return 0;
	resource = resources[data[0] % (sizeof resources / sizeof resources[0])];
	len = size - 1;
	read_all(text, len);
	import(resource, text, len);
	return 0;
}
