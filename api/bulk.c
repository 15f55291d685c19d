/* bulk.c: POST /bulk — an atomic batch of upserts by natural key — with
 * ?dry_run=true to validate everything and write nothing. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "bulk.h"
#include "http.h"
#include "server.h"

static int bulk_post(struct req *r)
{
	const char *d = req_query(r, "dry_run");
	json_t *summary = NULL, *errors = NULL;
	int rc;

	if (d && strcmp(d, "true") && strcmp(d, "false"))
		return req_bad_param(r, "dry_run", "must be true or false");
	rc = bulk_run(&r->ctx, r->body, d && !strcmp(d, "true"), &summary, &errors);
	if (rc < 0 && json_array_size(errors)) {
		json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:O}",
				      "type", "urn:bdg:problem:bulk_rejected", "title", "Unprocessable Content",
				      "status", 422, "detail", r->ctx.err.detail, "instance", r->path,
				      "request_id", r->ctx.request_id, "errors", errors);
		rc = resp_json(r, 422, json_dumps(p, JSON_COMPACT));
		r->out_type = "application/problem+json";
		json_decref(p);
	} else if (rc == 0) {
		rc = resp_json(r, 200, json_dumps(summary, JSON_COMPACT));
	}
	json_decref(summary);
	json_decref(errors);
	return rc;
}

const struct route bulk_routes[] = {
	{"POST", "/bulk", bulk_post, ROLE_EDITOR, RF_BODY | RF_BULK | RF_IDEMPOTENT, "dry_run"},
	{NULL, NULL, NULL, 0, 0, NULL},
};
