/* resource.c: document answers, PATCH, paging parameters. */
#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

int resource_answer(struct req *r, int rc, int status, char *doc, long long version,
		    const char *location_prefix, const char *key)
{
	if (rc < 0) {
		free(doc);
		return -1;
	}
	r->etag = version;
	if (status == 201 && location_prefix)
		snprintf(r->location, sizeof r->location, "/api/v1%s/%s", location_prefix, key);
	return resp_json(r, status, doc);
}

int resource_patch(struct req *r, const char *key, resource_get_fn get, resource_put_fn put)
{
	char *doc = NULL;
	json_t *cur;
	json_error_t jerr;
	long long version = 0;
	int rc = -1;

	if (ctx_begin(&r->ctx) < 0)
		return -1;
	if (get(&r->ctx, key, &doc, &version) < 0)
		goto out;
	cur = json_loads(doc, 0, &jerr);
	free(doc);
	doc = NULL;
	if (!cur) {
		bdg_fail(&r->ctx.err, 500, "internal", "The stored document could not be read.");
		goto out;
	}
	json_merge_patch(cur, r->body);
	/* If-Match: * matches whatever version is current at the write. */
	rc = put(&r->ctx, key, cur, r->if_match_any ? 0 : r->if_match, &doc, &version);
	json_decref(cur);
	if (rc == 0)
		rc = ctx_commit(&r->ctx);
out:
	if (rc < 0) {
		ctx_rollback(&r->ctx);
		free(doc);
		return -1;
	}
	return resource_answer(r, 0, 200, doc, version, NULL, NULL);
}

int resource_page(struct req *r, int numeric, struct page *pg)
{
	return page_parse(req_query(r, "limit"), req_query(r, "after"), numeric, pg, &r->ctx.err);
}
