/* bulk.c: POST /bulk — an atomic batch of upserts by natural key — and
 * POST /bulk/{resource}, the same from a CSV file of one resource; both
 * with ?dry_run=true to validate everything and write nothing. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "bulk.h"
#include "http.h"
#include "server.h"

static int dry_run_param(struct req *r, int *dry)
{
	const char *d = req_query(r, "dry_run");

	*dry = d && !strcmp(d, "true");
	if (d && strcmp(d, "true") && strcmp(d, "false"))
		return req_bad_param(r, "dry_run", "must be true or false");
	return 0;
}

/* The summary, or the problem naming every rejected item (each with the
 * status a single write would have answered): 403 when an item is one the
 * token may not write, else 422. The dispatcher renders the problem. */
static int answer(struct req *r, int rc, json_t *summary, json_t *errors)
{
	if (rc < 0 && json_array_size(errors)) {
		int forbidden = r->ctx.err.status == 403;

		r->ctx.err.status = forbidden ? 403 : 422;
		r->ctx.err.code = forbidden ? "forbidden" : "bulk_rejected";
		r->problem_errors = json_incref(errors);
	} else if (rc == 0) {
		rc = resp_json(r, 200, json_dumps(summary, JSON_COMPACT));
	}
	json_decref(summary);
	json_decref(errors);
	return rc;
}

static int bulk_post(struct req *r)
{
	json_t *summary = NULL, *errors = NULL;
	int dry, rc;

	if (dry_run_param(r, &dry) < 0)
		return -1;
	rc = bulk_run(&r->ctx, r->body, dry, &summary, &errors);
	return answer(r, rc, summary, errors);
}

static int bulk_csv_post(struct req *r)
{
	const char *ct = r->content_type;
	json_t *summary = NULL, *errors = NULL;
	int dry, rc;

	if (dry_run_param(r, &dry) < 0)
		return -1;
	if (!bulk_csv_resource(r->param[0]))
		return bdg_fail(&r->ctx.err, 404, "not_found",
				"There is no CSV import for \"%.40s\": use units, indicators, activities, targets or "
				"report_values.", r->param[0]);
	if (!ct || strncasecmp(ct, "text/csv", 8) != 0 || (ct[8] && ct[8] != ';' && ct[8] != ' '))
		return bdg_fail(&r->ctx.err, 415, "unsupported_media_type", "The body must be text/csv.");
	if (r->body_len == 0)
		return bdg_fail(&r->ctx.err, 400, "bad_request",
				"A CSV body is required: a header row naming the fields, then one row per item.");
	rc = bulk_run_csv(&r->ctx, r->param[0], r->body_raw, r->body_len, dry, &summary, &errors);
	return answer(r, rc, summary, errors);
}

const struct route bulk_routes[] = {
	{"POST", "/bulk", bulk_post, ROLE_EDITOR, RF_BODY | RF_BULK | RF_IDEMPOTENT, "dry_run"},
	{"POST", "/bulk/{resource}", bulk_csv_post, ROLE_EDITOR, RF_CSV_BODY | RF_BULK | RF_IDEMPOTENT, "dry_run"},
	{NULL, NULL, NULL, 0, 0, NULL},
};
