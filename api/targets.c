/* targets.c: /plans/{id}/targets — a plan's targets per indicator, unit and
 * sex, read and replaced as one set. Its ETag is a hash of the set (see
 * lib/target.h), so PUT needs If-Match with the ETag of a GET. */
#include "auth.h"
#include "resource.h"
#include "target.h"

static int targets_get(struct req *r)
{
	long long plan = req_id(r, 0);
	char *doc = NULL;
	long long etag = 0;
	int rc;

	if (plan < 0)
		return -1;
	rc = target_get(&r->ctx, plan, &doc, &etag);
	return resource_answer(r, rc, 200, doc, etag, NULL, NULL);
}

static int targets_put(struct req *r)
{
	long long plan = req_id(r, 0);
	char *doc = NULL;
	long long etag = 0;
	int rc;

	if (plan < 0)
		return -1;
	rc = target_replace(&r->ctx, plan, r->body, r->if_match, &doc, &etag);
	return resource_answer(r, rc, 200, doc, etag, NULL, NULL);
}

const struct route target_routes[] = {
	{"GET", "/plans/{id}/targets", targets_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/plans/{id}/targets", targets_put, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};
